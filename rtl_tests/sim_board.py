"""The simulated board: a HardwareAccess backend that runs the *board driver* against ``rtl/``.

``AccelDriver`` is blocking code; cocotb's bridge (``cocotb.task.bridge`` runs it in a thread,
``cocotb.task.resume`` turns each bus coroutine into a blocking call) lets the very same driver
object drive the simulated RTL: registers through cocotbext-axi's ``AxiLiteMaster`` on
``s_axi_control``, memory through ``AxiRam`` on ``m_axi_gmem`` (its burst/4 KB checks), a
seeded pause generator on every channel of both, a bump allocator of page-aligned buffers
inside the RAM, done through the IP's ``interrupt`` pin. Time in the driver (timeouts,
latency) is simulated time. Every memory access outside a live buffer is recorded in
``stray`` (tests require it empty); ``error_ranges`` answer SLVERR; ``stall_channel`` stops
one memory channel once the core uses it (mid-burst) until the driver writes ABORT (or the
core signals done, or never: a wedged bus); ``hold`` stalls one for as long as a testbench
says; ``reset_after_start`` pulls ap_rst_n mid-run.

tb_accel.TB and tb_memsafety build on this board too (one host protocol: only
``AccelDriver`` programs and starts the core); they add the clock/reset schedule, the
master-side protocol checker and the scoreboard.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from typing import Any

import numpy as np
from cocotb.clock import Clock
from cocotb.task import resume
from cocotb.triggers import ClockCycles, First, RisingEdge, Timer
from cocotb.types import LogicArray
from cocotb.utils import get_sim_time
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam, AxiRamRead, AxiReadBus

from spacemimo.spec import regmap as rm

PERIOD_NS = 10
PAGE = 0x1000
MEM_BASE = 0x10_0000  # the first buffer's address: nothing lives at 0 (a null DMA address)
CHANNELS = ("aw", "w", "b", "ar", "r")
WGT_CHANNELS = ("wgt_ar", "wgt_r")  # the AR / R channels of every m_axi_wgt<k> port at once

log = logging.getLogger("cocotb.sim_board")


class _TieOff:
    """A constant-0 stand-in for an AXI signal the RTL does not have: the core is a single-ID
    master (no AWID/BID/ARID/RID ports), which AXI allows; cocotbext-axi's bus wants them."""

    def __init__(self, width: int = 1) -> None:
        self.width = width

    @property
    def value(self) -> LogicArray:
        return LogicArray.from_unsigned(0, self.width)

    @value.setter
    def value(self, _: Any) -> None:
        pass

    def setimmediatevalue(self, _: Any) -> None:
        pass

    def __len__(self) -> int:
        return self.width


def axi_bus(dut: Any, prefix: str) -> AxiBus:
    """``AxiBus.from_prefix`` with the absent ID signals tied off."""
    bus = AxiBus.from_prefix(dut, prefix)
    for sub in (bus.write.aw, bus.write.w, bus.write.b, bus.read.ar, bus.read.r):
        for name, handle in list(sub._signals.items()):
            if handle is None:
                setattr(sub, name, _TieOff())
                sub._signals[name] = getattr(sub, name)
    return bus


def axi_read_bus(dut: Any, prefix: str) -> AxiReadBus:
    """``AxiReadBus.from_prefix`` with the absent ID signals tied off (a weight port)."""
    bus = AxiReadBus.from_prefix(dut, prefix)
    for sub in (bus.ar, bus.r):
        for name, handle in list(sub._signals.items()):
            if handle is None:
                setattr(sub, name, _TieOff())
                sub._signals[name] = getattr(sub, name)
    return bus


class SimBuffer(np.ndarray):
    """A host-side copy of a RAM range: ``flush`` writes it to the AxiRam, ``invalidate``
    reads it back (PYNQ's cache maintenance, here the copy between host and simulation)."""

    physical_address: int
    board: SimBoard

    def __new__(cls, nbytes: int, addr: int, board: SimBoard) -> SimBuffer:
        obj = np.zeros(nbytes, np.uint8).view(cls)
        obj.physical_address = addr
        obj.board = board
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        if obj is not None:
            self.physical_address = getattr(obj, "physical_address", 0)
            self.board = getattr(obj, "board", None)

    def flush(self) -> None:
        self.board.ram.write(self.physical_address, self.view(np.ndarray).tobytes())

    def invalidate(self) -> None:
        raw = self.board.ram.read(self.physical_address, self.nbytes)
        self.view(np.ndarray)[:] = np.frombuffer(raw, np.uint8)


class SimBoard:
    """HardwareAccess over cocotb: create inside a cocotb test, ``await start()``, then call
    the driver from a ``bridge``-d function (every method here blocks on simulated time)."""

    def __init__(self, dut: Any, seed: int = 1, stall: float = 0.3, mem_bytes: int = 1 << 22,
                 regmap: rm.RegisterMap | None = None, stagger: int = 0,
                 wgt_ports: int = 0) -> None:
        """``stagger``: the i-th buffer starts ``i * stagger`` bytes into its page (buffers
        that are not page aligned, so bursts cross 4 KB pages; PYNQ's are aligned).
        ``wgt_ports``: an ``AxiRamRead`` on each enabled weight port ``m_axi_wgt<k>``, on the
        same memory as ``m_axi_gmem`` (the program image the weights stream from)."""
        self.dut = dut
        self.regmap = regmap or rm.load()
        self.seed, self.stall = seed, stall
        self.rng = random.Random(seed)
        dut._log.info("SimBoard seed %d, stall probability %.2f on every AXI channel", seed,
                      stall)
        self.lite = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.ap_clk,
                                  dut.ap_rst_n, reset_active_level=False)
        self.ram = AxiRam(axi_bus(dut, "m_axi_gmem"), dut.ap_clk, dut.ap_rst_n,
                          reset_active_level=False, size=mem_bytes)
        self.wgt = [AxiRamRead(axi_read_bus(dut, f"m_axi_wgt{k}"), dut.ap_clk, dut.ap_rst_n,
                               reset_active_level=False, size=mem_bytes, mem=self.ram.mem)
                    for k in range(wgt_ports)]
        self.mem_bytes = mem_bytes
        self.stalls: dict[str, dict[str, Any]] = {}  # channel -> stall state (stall_channel)
        self.reset_after_start: int | None = None  # cycles after the next AP_START write
        self.abort_writes = 0
        self.error_ranges: list[tuple[int, int]] = []
        self.stray: list[str] = []
        self.live: dict[int, int] = {}  # address -> bytes of each live buffer
        self.next = MEM_BASE
        self.stagger = stagger
        self.allocations = 0
        self.accesses = {"read": 0, "write": 0}
        self.holds: set[str] = set()  # memory channels held stalled (hold)
        for m in (self.ram.read_if, self.ram.write_if, self.lite.read_if, self.lite.write_if,
                  *self.wgt):
            m.log.setLevel("WARNING")  # no INFO line per burst
        for name in self.channels():
            self._set_pauses(name)
            if stall > 0 and name in CHANNELS:
                lite_if = self.lite.read_if if name in ("ar", "r") else self.lite.write_if
                getattr(lite_if, f"{name}_channel").set_pause_generator(
                    self._pauses(f"s_{name}"))
        self._wrap_memory()
        self.read = resume(self._read)
        self.write = resume(self._write)
        self.reset = resume(self.pulse_reset)
        self.cycles = resume(self._cycles)
        self._wait = resume(self._wait_interrupt)
        self._now = resume(self._sim_now)

    # -- bus models -------------------------------------------------------------------------
    def channels(self) -> tuple[str, ...]:
        """Memory channel names: m_axi_gmem's five, and wgt_ar / wgt_r with weight ports."""
        return CHANNELS + (WGT_CHANNELS if self.wgt else ())

    def _channel_objs(self, name: str) -> list[Any]:
        if name in WGT_CHANNELS:
            return [getattr(w, f"{name[4:]}_channel") for w in self.wgt]
        return [getattr(self.ram.read_if if name in ("ar", "r") else self.ram.write_if,
                        f"{name}_channel")]

    def _set_pauses(self, name: str) -> None:
        """A pause generator on memory channel ``name`` when it can pause (random stalls, a
        hold or a stall_channel); none otherwise (no per-cycle coroutine: benchmark speed).
        With random stalls the generator stays installed (it reads ``holds``/``stalls``
        itself), so a call from the driver's bridge thread changes no coroutine."""
        for i, ch in enumerate(self._channel_objs(name)):
            if self.stall > 0 and ch._pause_generator is not None:
                continue
            if self.stall > 0 or name in self.holds or name in self.stalls:
                tag = f"m_{name}" if name in CHANNELS else f"m_{name}{i}"
                ch.set_pause_generator(self._pauses(tag, name))
            else:
                ch.clear_pause_generator()
                ch.pause = False

    def hold(self, channel: str, on: bool) -> None:
        """Hold memory channel ``channel`` stalled (``on``) or give it back its pattern."""
        assert channel in self.channels()
        (self.holds.add if on else self.holds.discard)(channel)
        self._set_pauses(channel)

    def stall_channel(self, channel: str, delay: int = 3, release: str = "abort") -> None:
        """Stop memory channel ``channel`` ``delay`` cycles after the core next uses it (its
        address channel's VALID: mid-burst for r/w/b) until the driver writes ABORT or the
        core raises its interrupt (``release="abort"``), or for good (``"never"``: a bus
        that never answers; ``release_stalls`` ends it)."""
        assert channel in CHANNELS and release in ("abort", "never")
        self.stalls[channel] = {"delay": delay, "release": release, "armed": False,
                                "held": 0, "aborts": self.abort_writes}
        self._set_pauses(channel)

    def release_stalls(self) -> None:
        names = list(self.stalls)
        self.stalls.clear()
        for name in names:
            self._set_pauses(name)

    def _stalled(self, channel: str) -> bool:
        st = self.stalls.get(channel)
        if st is None:
            return False
        if st["release"] == "abort" and (self.abort_writes > st["aborts"]
                                         or int(self.dut.interrupt.value)):
            self.dut._log.info("stall on %s released after %d cycles", channel, st["held"])
            del self.stalls[channel]
            return False
        if not st["armed"]:
            addr = "AR" if channel in ("ar", "r") else "AW"
            st["armed"] = bool(int(getattr(self.dut, f"m_axi_gmem_{addr}VALID").value))
            return False
        if st["delay"] > 0:
            st["delay"] -= 1
            return False
        st["held"] += 1
        return True

    def _pauses(self, tag: str, channel: str | None = None) -> Iterator[bool]:
        """Seeded random stalls (``stall`` per cycle); ``stall_channel`` overrides them."""
        rng = random.Random(f"{self.seed}:{tag}")
        holds, stalls, p = self.holds, self.stalls, self.stall  # mutated in place only
        while True:
            if (holds or stalls) and channel is not None and (channel in holds
                                                              or self._stalled(channel)):
                yield True
            else:
                yield rng.random() < p

    def _check(self, kind: str, address: int, length: int) -> None:
        self.accesses[kind] += 1
        if not any(a <= address and address + length <= a + n for a, n in self.live.items()):
            self.stray.append(f"{kind} [{address:#x}, +{length}) outside every live buffer")
        for lo, hi in self.error_ranges:
            if address < hi and lo < address + length:
                raise OSError(f"SLVERR injected at {address:#x}")

    def _wrap_memory(self) -> None:
        ram = self.ram

        async def read(address: int, length: int) -> bytes:
            self._check("read", address, length)
            return ram.read(address, length)

        async def write(address: int, data: bytes) -> None:
            self._check("write", address, len(data))
            ram.write(address, data)

        ram.read_if._read = read  # the slave calls self._read per beat: SLVERR if it raises
        ram.write_if._write = write
        for w in self.wgt:
            w._read = read

    async def start(self) -> None:
        """Clock and reset (call from the cocotb test before handing over to the driver)."""
        import cocotb

        cocotb.start_soon(Clock(self.dut.ap_clk, PERIOD_NS, unit="ns").start())
        await self.pulse_reset()

    # -- coroutines behind the blocking HardwareAccess methods -------------------------------
    async def _read(self, offset: int) -> int:
        return int(await self.lite.read_dword(offset))

    async def _write(self, offset: int, value: int) -> None:
        await self.lite.write_dword(offset, int(value) & 0xFFFFFFFF)
        if offset == self.regmap["ABORT"].offset:
            self.abort_writes += 1
        if (offset == self.regmap["CTRL"].offset and value & 1
                and self.reset_after_start is not None):
            import cocotb

            cycles, self.reset_after_start = self.reset_after_start, None
            cocotb.start_soon(self._reset_later(cycles))

    async def _reset_later(self, cycles: int) -> None:
        await ClockCycles(self.dut.ap_clk, cycles)
        self.dut._log.info("reset %d cycles after AP_START", cycles)
        await self.pulse_reset()

    async def pulse_reset(self, cycles: int = 5) -> None:
        """ap_rst_n low for ``cycles`` clocks, then 2 clocks of settling."""
        self.dut.ap_rst_n.value = 0
        await ClockCycles(self.dut.ap_clk, cycles)
        self.dut.ap_rst_n.value = 1
        await ClockCycles(self.dut.ap_clk, 2)

    async def _cycles(self, n: int) -> None:
        await ClockCycles(self.dut.ap_clk, n)

    async def _wait_interrupt(self, timeout_s: float) -> bool:
        if int(self.dut.interrupt.value):
            return True
        edge = RisingEdge(self.dut.interrupt)
        fired = await First(edge, Timer(max(1, round(timeout_s * 1e12)), unit="ps"))
        return fired is edge

    async def _sim_now(self) -> float:
        return float(get_sim_time(unit="ps")) * 1e-12

    # -- HardwareAccess -----------------------------------------------------------------------
    def allocate(self, nbytes: int) -> SimBuffer:
        """A page-aligned buffer from the bump allocator (never reused: a freed range stays
        outside every live buffer, so a late access to it is caught as stray)."""
        nbytes = int(nbytes)
        addr = self.next + (self.allocations * self.stagger) % PAGE
        if addr + nbytes > self.mem_bytes:
            raise MemoryError(f"simulated RAM of {self.mem_bytes} bytes exhausted")
        self.next = (addr + nbytes + PAGE - 1) // PAGE * PAGE
        self.live[addr] = nbytes
        self.allocations += 1
        return SimBuffer(nbytes, addr, self)

    def free(self, buf: SimBuffer) -> None:
        self.live.pop(int(buf.physical_address), None)

    def wait_done(self, timeout_s: float) -> bool:
        """Done through the IP's interrupt pin (the driver sets GIE/IER)."""
        return self._wait(timeout_s)

    async def wait_done_async(self, timeout_s: float) -> bool:
        # the simulator is blocked while the driver's thread runs: nothing to overlap with
        return self._wait(timeout_s)

    def now(self) -> float:
        return self._now()
