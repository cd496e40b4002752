"""Unit test of the AXI4 read and write engines ``rtl/sm_axi_rd.v`` / ``rtl/sm_axi_wr.v`` on
their own: the bounds check each makes before every burst (quant/PROGRAM.md "Bounds"), whose
wide parts are registers set with the cursor. Inside the core the run's own checks (Bounds
rules 1 and 2) refuse a bad buffer first, so ``tb_memsafety.py`` cannot reach this check.

Random transfers against random buffers — covering, short by a byte or a beat, starting
late, ending before the transfer, ending at or wrapping 2^64, crossing 4 KiB pages — each
against a Python model:

- the bursts: from the start address rounded down to a beat, min(beats left, MAX_BURST,
  beats to the 4 KiB page end) beats each; a burst is issued iff [a, a + beats * BPB) lies
  in [base, base + size) and base + size does not pass 2^64; the first that does not
  raises ``rerr`` and no AR/AW is issued for it or after it;
- read: every unit handed out is the memory's (little-endian) unit at its address, and a
  clean transfer hands out ``count`` of them;
- write: the bytes written (WSTRB) are exactly the ``count`` units at their addresses with
  the values given, nothing else.

The runner (``tests/test_axi_engines.py``) builds one engine per run and names it in SM_ENGINE
with its SM_AXI_DW and SM_MAX_BURST; SM_TRIALS, SM_SEED.
"""

from __future__ import annotations

import os
import random
from collections import deque
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from tb_stream_engine import drive_phase  # a nanosecond after the edge

TOP = 1 << 64


def mem_byte(a: int) -> int:
    """The read responder's memory: a byte per address, from the address alone."""
    return (a * 0x9E3779B1 >> 13 ^ a) & 0xFF


def bursts(addr: int, nbytes: int, base: int, size: int, bpb: int,
           max_burst: int) -> tuple[list[tuple[int, int]], bool]:
    """The model: the bursts (address, beats) an engine issues for ``nbytes`` from ``addr``,
    and whether it must stop with ``rerr``."""
    hi = base + size
    cur = addr // bpb * bpb
    left = -(-(addr % bpb + nbytes) // bpb)
    out = []
    while left:
        n = min(left, max_burst, (4096 - cur % 4096) // bpb)
        if not (hi <= TOP and cur >= base and cur + n * bpb <= hi):
            return out, True
        out.append((cur, n))
        cur = (cur + n * bpb) % TOP
        left -= n
    return out, False


def transfer(rng: random.Random, unit: int, bpb: int) -> tuple[int, int, int, int]:
    """A random transfer and buffer: (addr, count of units, base, size)."""
    count = rng.randint(1, 300)
    span = count * unit
    kind = rng.choice(["cover", "cover", "short", "late", "before", "top", "page"])
    if kind == "top":      # near or at the top of the address space
        addr = TOP - rng.randint(1, span + 64) // unit * unit
    elif kind == "page":   # starting just below a 4 KiB page boundary
        addr = rng.randint(1, 1 << 20) * 4096 - rng.randint(1, 16) * unit
    else:
        addr = rng.randint(1, 1 << 30) * unit
    base = addr // bpb * bpb - rng.choice([0, 0, bpb, 4096])
    size = -(-(addr + span) // bpb) * bpb - base + rng.choice([0, 0, bpb, 8])
    if kind == "short":
        size -= rng.choice([1, unit, bpb, span // 2 or 1])
    elif kind == "late":
        base += rng.choice([unit, bpb])
        size = max(0, size - bpb)
    elif kind == "before":   # a buffer that ends at or before the first beat
        size = max(0, addr // bpb * bpb - base - rng.choice([0, unit, bpb]))
    if kind == "top" and rng.random() < 0.5:   # a buffer ending at 2^64, or past it
        base = addr // bpb * bpb - rng.choice([0, bpb])
        size = TOP - base + rng.choice([0, 0, bpb])
    return addr % TOP, count, base % TOP, max(0, min(size, (1 << 32) - 1))


class Bus:
    """A slave on one engine's channels with random stalls; records the bursts it accepted
    and (write) the bytes written."""

    def __init__(self, dut: Any, write: bool, bpb: int, rng: random.Random) -> None:
        self.dut, self.write, self.bpb, self.rng = dut, write, bpb, rng
        self.bursts: list[tuple[int, int]] = []
        self.written: dict[int, int] = {}
        self.units: list[int] = []
        self.pending: deque[list[int]] = deque()   # read: [address, beats left, latency]
        self.w_addr: deque[list[int]] = deque()    # write: [address, beats left]
        self.b_due: deque[int] = deque()           # write: latency of each B response
        self.feed: deque[int] = deque()            # write: units the engine is given

    def idle(self) -> bool:
        return not self.pending and not self.w_addr and not self.b_due

    async def run(self) -> None:
        dut, rng, bpb = self.dut, self.rng, self.bpb
        while True:
            await RisingEdge(dut.clk)
            await drive_phase()
            a_ready = rng.random() < 0.7
            if self.write:
                dut.awready.value = int(a_ready)
                dut.wready.value = int(w_ready := rng.random() < 0.8)
                if self.b_due and self.b_due[0] > 0:
                    self.b_due[0] -= 1
                dut.bvalid.value = int(b_fire := bool(self.b_due) and self.b_due[0] == 0)
                dut.bresp.value = 0
                dut.u_valid.value = int(u_give := bool(self.feed) and rng.random() < 0.8)
                dut.u_data.value = self.feed[0] if self.feed else 0
            else:
                dut.arready.value = int(a_ready)
                dut.u_ready.value = int(u_take := rng.random() < 0.8)
                head = self.pending[0] if self.pending else None
                if head is not None and head[2] > 0:
                    head[2] -= 1
                fire = head is not None and head[2] == 0 and rng.random() < 0.8
                dut.rvalid.value = int(fire)
                dut.rlast.value = int(fire and head[1] == 1)
                dut.rdata.value = (int.from_bytes(bytes(mem_byte(head[0] + i) for i in range(bpb)),
                                                  "little") if fire else 0)
                dut.rresp.value = 0
            await ReadOnly()
            if self.write:
                if int(dut.awvalid.value) and a_ready:
                    a, n = int(dut.awaddr.value), int(dut.awlen.value) + 1
                    self.bursts.append((a, n))
                    self.w_addr.append([a, n])
                if int(dut.wvalid.value) and w_ready:
                    a = self.w_addr[0]
                    data, strb = int(dut.wdata.value), int(dut.wstrb.value)
                    for i in range(bpb):
                        if strb >> i & 1:
                            assert a[0] + i not in self.written, f"byte {a[0] + i:#x} twice"
                            self.written[a[0] + i] = data >> (8 * i) & 0xFF
                    assert int(dut.wlast.value) == (a[1] == 1), "WLAST on the wrong beat"
                    a[0] += bpb
                    a[1] -= 1
                    if a[1] == 0:
                        self.w_addr.popleft()
                        self.b_due.append(rng.randint(0, 4))
                if b_fire and int(dut.bready.value):
                    self.b_due.popleft()
                if u_give and int(dut.u_ready.value):
                    self.feed.popleft()
            else:
                if fire and int(dut.rready.value):
                    head[0] += bpb
                    head[1] -= 1
                    if head[1] == 0:
                        self.pending.popleft()
                if int(dut.arvalid.value) and a_ready:
                    a, n = int(dut.araddr.value), int(dut.arlen.value) + 1
                    self.bursts.append((a, n))
                    self.pending.append([a, n, rng.randint(1, 6)])
                if int(dut.u_valid.value) and u_take:
                    self.units.append(int(dut.u_data.value))


async def _check(dut: Any, write: bool) -> None:
    env = os.environ
    bpb = int(env["SM_AXI_DW"]) // 8
    max_burst = int(env["SM_MAX_BURST"])
    rng = random.Random(int(env.get("SM_SEED", "1")))
    cocotb.start_soon(Clock(dut.clk, 10, "ns").start())
    inputs = (("awready", "wready", "bvalid", "bresp", "u_valid", "u_data") if write else
              ("arready", "rvalid", "rlast", "rresp", "rdata", "u_ready", "u16"))
    for name in ("start", "abort", *inputs):
        getattr(dut, name).value = 0
    dut.rst_n.value = 0
    await ClockCycles(dut.clk, 4)
    dut.rst_n.value = 1
    bus = Bus(dut, write, bpb, random.Random(rng.random()))
    cocotb.start_soon(bus.run())
    trials = int(env.get("SM_TRIALS", "300"))
    stopped = issued = 0
    for t in range(trials):
        u16 = write or t % 2 == 1
        unit = 2 if u16 else 4
        addr, count, base, size = transfer(rng, unit, bpb)
        want, stop = bursts(addr, count * unit, base, size, bpb, max_burst)
        bus.bursts.clear()
        bus.written.clear()
        bus.units.clear()
        values = [rng.getrandbits(16) for _ in range(count)]
        if write:
            bus.feed.extend(values)
        await RisingEdge(dut.clk)
        await drive_phase()
        dut.addr.value, dut.count.value = addr, count
        dut.base.value, dut.size.value = base, size
        if not write:
            dut.u16.value = int(u16)
        dut.start.value = 1
        await RisingEdge(dut.clk)
        await drive_phase()
        dut.start.value = 0
        for _ in range(40_000):
            await RisingEdge(dut.clk)
            await ReadOnly()
            if not int(dut.busy.value) and bus.idle():
                break
        else:
            raise AssertionError(f"trial {t}: engine still busy")
        await ClockCycles(dut.clk, 2)
        await ReadOnly()
        what = f"trial {t}: addr {addr:#x} count {count} base {base:#x} size {size:#x}"
        assert int(dut.rerr.value) == int(stop), f"{what}: rerr {int(dut.rerr.value)}"
        assert bus.bursts == want, f"{what}: bursts {bus.bursts[:4]} want {want[:4]}"
        if write:
            got = bus.written
            expect = {} if stop else {addr + 2 * i + k: v >> (8 * k) & 0xFF
                                      for i, v in enumerate(values) for k in range(2)}
            if stop:   # only bytes of the issued bursts, each the given unit's
                full = {addr + 2 * i + k: v >> (8 * k) & 0xFF
                        for i, v in enumerate(values) for k in range(2)}
                assert all(full.get(a) == b for a, b in got.items()), f"{what}: stray byte"
            else:
                assert got == expect, f"{what}: {len(got)} bytes written of {len(expect)}"
            bus.feed.clear()
        else:
            units = [int.from_bytes(bytes(mem_byte(addr + unit * i + k) for k in range(unit)),
                                    "little") for i in range(count)]
            if stop:
                assert bus.units == units[:len(bus.units)], f"{what}: wrong unit"
            else:
                assert bus.units == units, f"{what}: {len(bus.units)} units of {count}"
        stopped += stop
        issued += len(want)
    dut._log.info("%d transfers: %d stopped by the bounds check, %d bursts issued", trials,
                  stopped, issued)
    assert 0 < stopped < trials, "the random buffers must both pass and fail the check"


@cocotb.test(skip=os.environ.get("SM_ENGINE") != "sm_axi_rd")
async def test_read_engine_bounds(dut: Any) -> None:
    """sm_axi_rd: random transfers and buffers, bursts, rerr and units against the model."""
    await _check(dut, write=False)


@cocotb.test(skip=os.environ.get("SM_ENGINE") != "sm_axi_wr")
async def test_write_engine_bounds(dut: Any) -> None:
    """sm_axi_wr: random transfers and buffers, bursts, rerr and bytes against the model."""
    await _check(dut, write=True)
