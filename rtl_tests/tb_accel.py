"""cocotb testbench of ``spacemimo_accel``: a TB class (clock, reset, the simulated board of
sim_board.py — cocotbext-axi bus models with pause generators on every channel —, an AXI
master-side protocol checker, the op log) and a scoreboard against the golden vectors.

One host protocol: the board driver (``spacemimo.board.driver.AccelDriver``, the class PYNQ
binds on a board) loads, stages, starts, waits and reads STATUS/CYCLES; nothing here writes
a start register itself. Where a test starts what the driver's host checks refuse (corrupted
images, a run without LOAD_PROGRAM after a failed load), it uses the driver's lower layer,
``AccelDriver.start_registers``, with values it altered (``dataclasses.replace``).

Bus models are cocotbext-axi's (``AxiRam`` on ``m_axi_gmem``, ``AxiLiteMaster`` on
``s_axi_control``, built by ``SimBoard``, which adds SLVERR address ranges); this file adds a
checker of the master side of the protocol (``AxiChecker``: VALID held and payload stable
until READY on AR/AW/W, WLAST on a burst's last beat, no R/B beat without an outstanding
burst, every burst inside a registered buffer).

Environment (set by tests/test_rtl_cosim.py or spacemimo.hw.bench):
  SM_VECTORS   golden-vector directory (quant/vectors.py format)
  SM_STALL     probability of a stall cycle on every AXI channel (default 0.3)
  SM_SEED      seed of the stall pattern and of the reset point (logged; replays a failure)
  SM_NVEC      vectors to run (default: all)
  SM_RESULT    JSON file the benchmark test writes its measurements to
  SM_WATCHDOG  the build's WATCHDOG parameter (cycles; set by cosim.run_cosim)
  SM_BOARD     test_bench: a board of spacemimo/spec/boards.yaml whose memory model (rtl_tests/
               board_memory.py: latency per burst, DDR rate) sits on every read port
  SM_CLOCK_MHZ the build's clock for that model (bytes per cycle)
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from board_memory import BoardMemory
from cocotb.clock import Clock
from cocotb.task import bridge
from cocotb.triggers import ClockCycles, First, ReadOnly, RisingEdge, Timer
from sim_board import PERIOD_NS, SimBoard

from spacemimo.board.driver import AccelDriver, StartRegisters
from spacemimo.quant.program import ERROR_CODES, HEADER_FIELDS, OP_FIELDS, Program, checksum
from spacemimo.quant.vectors import read_golden_vectors
from spacemimo.spec import boards as board_spec
from spacemimo.spec.regmap import load as load_regmap

STAGGER = 0x100      # the i-th buffer starts i * 0x100 bytes into its page (SimBoard)
BEAT = 8             # m_axi_gmem bytes per beat (AXI_DW = 64)
REGMAP = load_regmap()  # spacemimo/spec/regmap.yaml, parsed once per simulation
MASTER_CHANNELS = ("ar", "r", "aw", "w", "b")


def _int(sig: Any) -> int:
    """Integer value of a signal; X/Z bits read as 0."""
    try:
        return int(sig.value)
    except ValueError:
        return int(str(sig.value).replace("x", "0").replace("X", "0").replace("z", "0")
                   .replace("Z", "0"), 2)


def _bit_reader(sig: Any) -> Callable[[], bool]:
    """A fast reader of a 1-bit signal (True only for a resolved 1, as ``_int``): the
    checker samples ten of them every cycle, and building a LogicArray per read was the
    largest cost of a cosim run's Python side."""
    raw = getattr(getattr(sig, "_handle", None), "get_signal_val_binstr", None)
    if raw is None:
        return lambda: bool(_int(sig))
    return lambda: raw() == "1"


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def round_up(n: int, k: int = 64) -> int:
    """Buffer sizes as the driver allocates them: whole 64-byte lines (beat aligned)."""
    return (n + k - 1) // k * k


def watchdog_cycles() -> int:
    """The build's WATCHDOG parameter (cosim.run_cosim passes it)."""
    return int(os.environ.get("SM_WATCHDOG", "4096"))


class AxiChecker:
    """The master side of the AXI4 protocol on ``m_axi_gmem`` (cocotbext-axi checks only its
    own side), sampled at every rising edge like the bus models: on AR, AW and W a VALID may
    not drop and the payload may not change while VALID && !READY; WLAST marks exactly the
    last beat of its burst; an R or B beat is never accepted without an outstanding burst.
    With ``buffers`` registered, every AR/AW burst's byte range must lie inside one of them
    (a stray access). Violations and strays are recorded (``check()`` raises on them)."""

    def __init__(self, dut: Any, prefix: str = "m_axi_gmem", read_only: bool = False) -> None:
        """``read_only``: a port with only AR and R (a weight port ``m_axi_wgt<k>``)."""
        self.dut = dut
        self.read_only = read_only
        names = ("ARADDR", "ARLEN", "ARSIZE", "ARBURST", "ARVALID", "ARREADY", "RVALID",
                 "RREADY") + (() if read_only else (
                     "AWADDR", "AWLEN", "AWSIZE", "AWBURST", "AWVALID", "AWREADY", "WDATA",
                     "WSTRB", "WLAST", "WVALID", "WREADY", "BVALID", "BREADY"))
        self.s = {n: getattr(dut, f"{prefix}_{n}") for n in names}
        self.bit = {n: _bit_reader(self.s[n]) for n in names if n.endswith(("VALID", "READY"))}
        self.bit["RST_N"] = _bit_reader(dut.ap_rst_n)
        self.violations: list[str] = []
        self.strays: list[str] = []
        self.buffers: list[tuple[str, int, int]] = []  # (name, base, size) in bytes
        self.counts = dict.fromkeys(MASTER_CHANNELS, 0)
        self.handshakes: dict[str, int] = dict.fromkeys(MASTER_CHANNELS, 0)
        self.cycle = 0
        self._clear()
        cocotb.start_soon(self._run())

    def _clear(self) -> None:
        self.pend: dict[str, tuple[int, ...] | None] = {"ar": None, "aw": None, "w": None}
        self.r_out = 0          # R beats owed by issued AR bursts
        self.b_out = 0          # B responses owed by issued AW bursts
        self.w_beats: deque[int] = deque()  # beats of AW bursts whose W beats are not done
        self.w_cnt = 0
        self.r_bursts: deque[list[int]] = deque()  # [AR cycle, beats left] per read burst
        self.latencies: list[int] = []  # AR handshake -> first R beat, cycles, per burst

    def outstanding(self) -> int:
        """Beats and responses still owed (must be 0 whenever the core is idle)."""
        return self.r_out + self.b_out + len(self.w_beats) + sum(
            p is not None for p in self.pend.values())

    def _bad(self, what: str) -> None:
        msg = f"cycle {self.cycle}: {what}"
        self.dut._log.error("AXI protocol: %s", msg)
        self.violations.append(msg)

    def _stable(self, ch: str, valid: int, ready: int, payload: tuple[int, ...]) -> bool:
        """VALID/payload rule on one channel; returns whether a handshake happened."""
        prev = self.pend[ch]
        if prev is not None:
            if not valid:
                self._bad(f"{ch.upper()}VALID dropped before {ch.upper()}READY")
            elif payload != prev:
                self._bad(f"{ch.upper()} payload changed while VALID && !READY: {prev} -> "
                          f"{payload}")
        self.pend[ch] = payload if valid and not ready else None
        return bool(valid and ready)

    def _range(self, ch: str, addr: int, beats: int, size: int) -> None:
        if not self.buffers:
            return
        lo, hi = addr, (addr >> size << size) + beats * (1 << size)
        if not any(b <= lo and hi <= b + n for _, b, n in self.buffers):
            msg = f"{ch.upper()} burst [{lo:#x}, {hi:#x}) outside every registered buffer"
            self.dut._log.error("stray access: %s", msg)
            self.strays.append(msg)

    async def _run(self) -> None:
        s, bit = self.s, self.bit
        while True:
            await RisingEdge(self.dut.ap_clk)
            self.cycle += 1
            if not bit["RST_N"]():
                self._clear()
                continue
            v, r = bit["ARVALID"](), bit["ARREADY"]()
            pay = (_int(s["ARADDR"]), _int(s["ARLEN"]), _int(s["ARSIZE"]),
                   _int(s["ARBURST"])) if v else ()
            if self._stable("ar", v, r, pay):
                self.handshakes["ar"] += 1
                self.r_out += pay[1] + 1
                self.r_bursts.append([self.cycle, pay[1] + 1, 1])
                self._range("ar", pay[0], pay[1] + 1, pay[2])
            if bit["RVALID"]() and bit["RREADY"]():
                self.handshakes["r"] += 1
                if self.r_out == 0:
                    self._bad("R beat accepted without an outstanding read burst")
                else:
                    self.r_out -= 1
                    b = self.r_bursts[0]
                    if b[2]:
                        self.latencies.append(self.cycle - b[0])
                        b[2] = 0
                    b[1] -= 1
                    if b[1] == 0:
                        self.r_bursts.popleft()
            if self.read_only:
                continue
            v, r = bit["AWVALID"](), bit["AWREADY"]()
            pay = (_int(s["AWADDR"]), _int(s["AWLEN"]), _int(s["AWSIZE"]),
                   _int(s["AWBURST"])) if v else ()
            if self._stable("aw", v, r, pay):
                self.handshakes["aw"] += 1
                self.b_out += 1
                self.w_beats.append(pay[1] + 1)
                self._range("aw", pay[0], pay[1] + 1, pay[2])
            v, r = bit["WVALID"](), bit["WREADY"]()
            pay = (_int(s["WDATA"]), _int(s["WSTRB"]), _int(s["WLAST"])) if v else ()
            if self._stable("w", v, r, pay):
                self.handshakes["w"] += 1
                self.w_cnt += 1
                if self.w_beats:
                    if bool(pay[2]) != (self.w_cnt == self.w_beats[0]):
                        self._bad(f"WLAST={pay[2]} on beat {self.w_cnt} of a "
                                  f"{self.w_beats[0]}-beat burst")
                    if self.w_cnt == self.w_beats[0]:
                        self.w_beats.popleft()
                        self.w_cnt = 0
                else:
                    self._bad("W beat before its AW (this master never does that)")
            if bit["BVALID"]() and bit["BREADY"]():
                self.handshakes["b"] += 1
                if self.b_out == 0:
                    self._bad("B response accepted without an outstanding write burst")
                else:
                    self.b_out -= 1

    def check(self) -> None:
        """Raise on any protocol violation or stray access seen so far."""
        assert not self.violations, f"AXI protocol violations: {self.violations[:5]}"
        assert not self.strays, f"stray accesses: {self.strays[:5]}"


class TB:
    """One DUT's testbench: the clock, the reset schedule, the simulated board (``SimBoard``:
    cocotbext-axi ``AxiRam``/``AxiLiteMaster``, pause generators, SLVERR ranges), the
    master-side ``AxiChecker``, the op log and the scoreboard's memory reads. The host side
    is the board driver (``AccelDriver`` over the SimBoard, in cocotb's bridge): it loads
    the image, stages the inputs, starts (``start_registers``: the only register sequence),
    waits for done and reads STATUS/CYCLES. Tests that must start what the driver refuses
    (corrupted images, hostile NUM_VECTORS/sizes/bases) alter the ``StartRegisters`` the
    driver staged and hand them back to ``start_registers``."""

    def __init__(self, dut: Any, stall: float | None = None, seed: int | None = None) -> None:
        self.dut = dut
        self.seed = int(os.environ.get("SM_SEED", "1")) if seed is None else seed
        self.stall = _env_float("SM_STALL", 0.3) if stall is None else stall
        self.rng = random.Random(self.seed)
        cocotb.start_soon(Clock(dut.ap_clk, PERIOD_NS, unit="ns").start())
        dut.ap_rst_n.value = 0
        # sparse memory over 2^62 bytes (len() of the library's memory must fit an index;
        # addresses above alias, but the checker flags any burst outside the buffers first);
        # buffers staggered 0x100 bytes per allocation into their page (bursts cross pages)
        self.board = SimBoard(dut, seed=self.seed, stall=self.stall, mem_bytes=1 << 62,
                              stagger=STAGGER, regmap=REGMAP,
                              wgt_ports=int(os.environ.get("SM_WGT_PORTS", "0")))
        self.mem = self.board.ram
        self.driver = AccelDriver(self.board, regmap=REGMAP)
        self.checker = AxiChecker(dut)
        # the weight ports' checkers (read-only masters; SM_WGT_PORTS from cosim.run_cosim)
        self.wchecks = [AxiChecker(dut, f"m_axi_wgt{k}", read_only=True)
                        for k in range(int(os.environ.get("SM_WGT_PORTS", "0")))]
        self.regs: StartRegisters | None = None  # as the driver staged them (place)
        self.last: StartRegisters | None = None  # as the last start wrote them
        self.op_log: list[tuple[int, int]] = []
        self.cycle = 0
        self.done_cycle = 0
        cocotb.start_soon(self._count())
        cocotb.start_soon(self._watch_ops())
        cocotb.start_soon(self._watch_done())

    def stall_channel(self, ch: str, hold: bool) -> None:
        """Hold one m_axi_gmem channel (ar, r, aw, w, b) stalled, or give it back its random
        pause pattern."""
        self.board.hold(ch, hold)

    async def _count(self) -> None:
        while True:
            await RisingEdge(self.dut.ap_clk)
            self.cycle += 1

    async def _watch_done(self) -> None:
        """``done_cycle``: the first clock edge that samples the done interrupt high (the
        per-op log's end, as bench_hw's per-op table counts it)."""
        while True:
            await RisingEdge(self.dut.interrupt)
            await RisingEdge(self.dut.ap_clk)
            await ReadOnly()  # the cycle counter has counted this clock edge
            self.done_cycle = self.cycle

    async def _watch_ops(self) -> None:
        while True:
            await RisingEdge(self.dut.dbg_op_start)
            self.op_log.append((self.cycle, _int(self.dut.dbg_op_idx)))

    async def reset(self, cycles: int = 5) -> None:
        await self.board.pulse_reset(cycles)

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking driver code against the simulation (cocotb's bridge)."""
        return await bridge(fn)(*args)

    # --- the driver's buffers -----------------------------------------------------------------
    async def place(self, program: Program, inputs: np.ndarray) -> StartRegisters:
        """``driver.load`` (checked against HW_CONFIG, image in the program buffer) and
        ``driver.stage`` (inputs in the input buffer; the output buffer); registers the three
        buffers with the checker and poisons the output buffer. Returns the staged values."""
        d = self.driver

        def body() -> StartRegisters:
            d.load(program)
            return d.stage(inputs)

        self.regs = self.last = await self.call(body)
        self.register_buffers(buffers_of(self.regs))
        self.poison_outputs()
        return self.regs

    def register_buffers(self, bufs: list[tuple[str, int, int]]) -> None:
        """The buffers every master's checker accepts bursts in (gmem and weight ports)."""
        for c in (self.checker, *self.wchecks):
            c.buffers = bufs

    def handshakes(self, ch: str) -> int:
        """Handshakes so far on channel ``ch`` (wgt_ar / wgt_r: summed over weight ports)."""
        if ch.startswith("wgt_"):
            return sum(c.handshakes[ch[4:]] for c in self.wchecks)
        return self.checker.handshakes[ch]

    def buffer(self, name: str) -> Any:
        return self.driver.buffers[name]

    def write_image(self, image: bytes) -> None:
        """Put ``image`` (e.g. corrupted: past the driver's host checks) in the driver's
        program buffer, zero-filled to its end."""
        buf = self.buffer("program")
        assert len(image) <= buf.nbytes, f"image of {len(image)} bytes > {buf.nbytes}"
        buf[:] = 0
        buf[:len(image)] = np.frombuffer(image, dtype=np.uint8)
        buf.flush()

    async def stage(self, inputs: np.ndarray) -> StartRegisters:
        """New inputs through ``driver.stage`` (its buffers grow only for a bigger batch)."""
        self.regs = await self.call(self.driver.stage, inputs)
        return self.regs

    def poison_outputs(self, byte: int = 0xA5) -> None:
        out = self.buffer("output")
        self.mem.write(int(out.physical_address), bytes([byte]) * int(out.nbytes))

    def outputs(self, shape: tuple[int, ...]) -> np.ndarray:
        """The output tables at the output base the last start programmed."""
        assert self.last is not None
        n = int(np.prod(shape))
        raw = self.mem.read(self.last.output_addr, 2 * n)
        return np.frombuffer(raw, dtype="<i2").reshape(shape).astype(np.int64)

    # --- registers: every access through the driver --------------------------------------------
    async def read_reg(self, name: str) -> int:
        return await self.call(self.driver.read_reg, name)

    async def write_reg(self, name: str, value: int) -> None:
        await self.call(self.driver.write_reg, name, value)

    async def start(self, load: bool, num_vectors: int,
                    regs: StartRegisters | None = None) -> None:
        """``driver.start_registers`` with the staged values (or ``regs``), LOAD_PROGRAM and
        NUM_VECTORS as given (no host check: the hardware's are under test)."""
        assert self.regs is not None, "place() first"
        self.op_log.clear()
        self.last = replace(regs or self.regs, load_program=load, num_vectors=num_vectors)
        await self.call(self.driver.start_registers, self.last)

    async def wait_done(self, timeout_cycles: int) -> None:
        """Wait for the done interrupt in simulated time (fail, never hang, after
        timeout_cycles), then ``driver.wait_done`` sees it and acknowledges it (ISR). The
        wait is awaited here, not inside the bridge: cocotb polls a pending bridge thread at
        every step of its event loop, which would slow every cycle of the run."""
        await self._interrupt(timeout_cycles)
        assert await self.call(self.driver.wait_done, 0.0), "done interrupt lost"

    async def _interrupt(self, timeout_cycles: int) -> None:
        if not _int(self.dut.interrupt):
            edge = RisingEdge(self.dut.interrupt)
            # a timer, not ClockCycles (which would count every edge of the run)
            limit = Timer(timeout_cycles * PERIOD_NS, unit="ns")
            if await First(edge, limit) is not edge:
                raise TimeoutError(f"no done interrupt within {timeout_cycles} cycles")

    async def finish(self, ack: bool = False) -> tuple[int, int]:
        """After done: (STATUS, CYCLES) read by the driver (``ack``: ``driver.wait_done``
        first, in the same bridge call); checks idle/done bits, that no burst is
        outstanding and that the bus checker saw no violation or stray access."""
        d = self.driver

        def body() -> tuple[bool, int, int, int, int]:
            seen = d.wait_done(0.0) if ack else True
            return seen, d.read_reg("STATUS"), d.cycles, d.read_reg("CTRL"), d.read_reg("CTRL")

        seen, status, cycles, ctrl, ctrl2 = await self.call(body)
        assert seen, "done interrupt lost"
        assert ctrl & 0b0110 == 0b0110, f"CTRL {ctrl:#x}: expected AP_DONE and AP_IDLE"
        assert ctrl2 & 0b0010 == 0, f"CTRL {ctrl2:#x}: AP_DONE must clear on read"
        for c in (self.checker, *self.wchecks):
            assert c.outstanding() == 0, (
                f"core idle with {c.outstanding()} beats/responses outstanding")
            c.check()
        return status, cycles

    async def run(self, load: bool, num_vectors: int, timeout_cycles: int = 2_000_000,
                  regs: StartRegisters | None = None) -> tuple[int, int]:
        """Start a run, wait for done; returns (STATUS, CYCLES) (see ``finish``)."""
        await self.start(load, num_vectors, regs)
        await self._interrupt(timeout_cycles)
        return await self.finish(ack=True)

    async def stall_until_timeout(self, ch: str, after_beats: int = 0) -> None:
        """Hold channel ``ch`` stalled (after ``after_beats`` more handshakes on it) until the
        watchdog has certainly fired (WATCHDOG + 64 stalled cycles), then release it."""
        base = self.handshakes(ch)
        while self.handshakes(ch) < base + after_beats:
            await RisingEdge(self.dut.ap_clk)
        self.stall_channel(ch, True)
        await ClockCycles(self.dut.ap_clk, watchdog_cycles() + 64)
        self.stall_channel(ch, False)


def buffers_of(regs: StartRegisters, top: int = 1 << 64) -> list[tuple[str, int, int]]:
    """The three buffers ``regs`` register, for the checker (the part below ``top`` of one
    that wraps the address space)."""
    return [(name, base, max(0, min(base + size, top) - base)) for name, base, size in (
        ("program", regs.program_addr, regs.program_size),
        ("input", regs.input_addr, regs.input_size),
        ("output", regs.output_addr, regs.output_size))]


def scoreboard(dut: Any, got: np.ndarray, exp: np.ndarray, what: str) -> int:
    """Count mismatching words; log the first few with vector, node (row) and index."""
    bad = np.argwhere(got != exp)
    for v, r, c in bad[:8]:
        dut._log.error("%s: vector %d node %d index %d: got %d expected %d", what, v, r, c,
                       got[v, r, c], exp[v, r, c])
    dut._log.info("%s: %d mismatches of %d words", what, len(bad), exp.size)
    return len(bad)


def _vectors() -> Any:
    return read_golden_vectors(Path(os.environ["SM_VECTORS"]))


def _nvec(gv: Any) -> int:
    return min(int(os.environ.get("SM_NVEC", gv.inputs.shape[0])), gv.inputs.shape[0])


def _budget(gv: Any, n: int) -> int:
    words = len(gv.program.to_bytes()) // 4
    return 50_000 + 8 * words + 200_000 * n


def _patch(blob: bytes, fix_checksum: bool = True, **fields: int) -> bytes:
    """A copy of a program image with header/op fields changed (h_<name>, op_<name> for op 0,
    op<i>_<name> for op i)."""
    w = np.frombuffer(blob, dtype="<u4").copy()
    for k, v in fields.items():
        m = re.fullmatch(r"op(\d*)_(\w+)", k)
        if k.startswith("h_"):
            w[HEADER_FIELDS[k[2:]]] = v & 0xFFFFFFFF
        elif m:
            w[16 + 16 * int(m.group(1) or 0) + OP_FIELDS[m.group(2)]] = v & 0xFFFFFFFF
        elif k == "data0":
            w[16 + 16 * int(w[HEADER_FIELDS["num_ops"]])] ^= v
    if fix_checksum:
        w[HEADER_FIELDS["checksum"]] = checksum(w)
    return w.astype("<u4").tobytes()


def _taylor_faults(blob: bytes) -> list[tuple[str, bytes]]:
    """Faults of a Model-GNN image whose op 0 is TAYLOR (4 rows, group 2, H in buffer 0)."""
    return [
        ("BAD_OPCODE", _patch(blob, op_opcode=5)),
        ("DIMS_EXCEED_MAX", _patch(blob, op_w_off=9)),        # H buffer >= NUM_BUFFERS
        ("DIMS_EXCEED_MAX", _patch(blob, op_b_off=0x7FFFFFF0)),  # H columns beyond MAX_COLS
        ("BAD_FORMAT", _patch(blob, op_group=3)),            # rows % group != 0
        ("BAD_FORMAT", _patch(blob, op_gain=63)),            # A shift out of range
        ("BAD_FORMAT", _patch(blob, op_in_cols=1, op_out_cols=1)),  # odd [Re | Im] width
        ("BAD_FORMAT", _patch(blob, op_rbits=1)),            # a word TAYLOR does not use
    ]


def _model_gnn_image(bits: int) -> bytes:
    """A small Model-GNN program (uses TAYLOR and AGGREGATE axis 1)."""
    from spacemimo.quant.random_programs import random_model_gnn_program

    return random_model_gnn_program(bits=bits, N=2, K=2, hidden=(4, 4, 2), seed=1).to_bytes()


def _segment_faults(prog: Any, blob: bytes) -> list[tuple[str, bytes]]:
    """Format v2 DENSE faults, each BAD_FORMAT: seg_align without segments, in_cols not a
    multiple of seg_cols, more than 8 segments, alignment fields beyond the last segment, and
    (16 bit) an alignment above SEG_ALIGN_MAX_16 = 8, (acc_bits > 32) a bias block whose int64
    words run past the data segment."""
    i, op = next((i, op) for i, op in enumerate(prog.ops) if op.opcode == 1 and op.in_cols >= 9)
    f = f"op{i}_"
    cases = [
        _patch(blob, **{f + "group": 0, f + "gain": 0x10}),
        _patch(blob, **{f + "group": op.in_cols - 1}),
        _patch(blob, **{f + "group": 1, f + "gain": 0}),  # in_cols segments > 8
        _patch(blob, **{f + "group": op.in_cols // 2, f + "gain": 0x321}),  # field 2 of 2
    ]
    if prog.bits == 16:  # 17 + 9 bits would not fit a DSP48E1 A port
        cases.append(_patch(blob, **{f + "group": op.in_cols // 2, f + "gain": 0x90}))
    j, opb = next(((j, o) for j, o in enumerate(prog.ops) if o.opcode == 1 and o.has_bias),
                  (None, None))
    if prog.acc_bits > 32 and opb is not None:  # fits as int32 words, not as int64 pairs
        cases.append(_patch(blob, **{f"op{j}_b_off": prog.data.size - opb.out_cols}))
    return [("BAD_FORMAT", c) for c in cases]


def _unused_faults(prog: Any, blob: bytes) -> list[tuple[str, bytes]]:
    """Format v3: an op word its opcode does not use (quant.program.UNUSED_OP_FIELDS) set to
    a non-zero value, checksum fixed up -> BAD_FORMAT; one case per opcode the program has."""
    from spacemimo.quant.program import UNUSED_OP_FIELDS

    names = {1: "DENSE", 2: "AGGREGATE", 3: "NORM", 4: "TAYLOR"}
    cases, seen = [], set()
    for i, op in enumerate(prog.ops):
        name = names[op.opcode]
        if name in seen:
            continue
        seen.add(name)
        for field in UNUSED_OP_FIELDS[name]:
            cases.append(("BAD_FORMAT", _patch(blob, **{f"op{i}_{field}": 1})))
    return cases


# --------------------------------------------------------------------------- tests


@cocotb.test()
async def test_golden_vectors(dut: Any) -> None:
    """Load the program, run every vector back to back, then rerun reusing the weights:
    ``driver.load`` + ``driver.run`` as a user calls them (outputs from the driver)."""
    gv = _vectors()
    n = _nvec(gv)
    tb = TB(dut)
    await tb.reset()
    d = tb.driver
    d.timeout_s = _budget(gv, n) * PERIOD_NS * 1e-9
    await tb.call(d.check_id)  # HW_ID
    await tb.place(gv.program, gv.inputs[:n])
    res = await tb.call(d.run, gv.inputs[:n])
    assert res.loaded_program
    status, cycles = await tb.finish()
    assert status == 0 and cycles == res.cycles, f"STATUS {status} after load + run"
    bad = scoreboard(dut, res.outputs, gv.expected[:n], f"{gv.program.name} load+run")
    # back-to-back runs on the loaded program, vectors in reverse order, outputs poisoned
    tb.poison_outputs(0x5A)
    res2 = await tb.call(d.run, gv.inputs[:n][::-1])
    assert not res2.loaded_program
    status, cycles2 = await tb.finish()
    assert status == 0 and cycles2 == res2.cycles, f"STATUS {status} on the rerun"
    bad += scoreboard(dut, res2.outputs, gv.expected[:n][::-1], f"{gv.program.name} rerun")
    dut._log.info("cycles: load+%d vectors %d, %d vectors %d (%.1f per inference)", n, cycles,
                  n, cycles2, cycles2 / n)
    out = os.environ.get("SM_RESULT")
    if out:
        Path(out).write_text(json.dumps({"mismatches": bad, "words": int(2 * gv.expected[:n].size),
                                         "vectors": n, "load_cycles": cycles,
                                         "run_cycles": cycles2}))
    assert bad == 0, f"{bad} mismatching words"


@cocotb.test()
async def test_reset_mid_run(dut: Any) -> None:
    """Reset in the middle of a load and of a run, then a clean load + run is exact."""
    gv = _vectors()
    n = min(_nvec(gv), 3)
    tb = TB(dut)
    await tb.reset()
    await tb.place(gv.program, gv.inputs[:n])
    for load in (True, False):
        await tb.start(load=load, num_vectors=n)
        await ClockCycles(dut.ap_clk, tb.rng.randrange(50, 400))
        dut._log.info("reset during %s at cycle %d", "load" if load else "run", tb.cycle)
        await tb.reset(tb.rng.randrange(1, 4))
        assert await tb.read_reg("CTRL") & 0b0100, "not idle after reset"
    status, _ = await tb.run(load=True, num_vectors=n, timeout_cycles=_budget(gv, n))
    assert status == 0
    bad = scoreboard(dut, tb.outputs((n, *gv.expected.shape[1:])), gv.expected[:n],
                     "after reset")
    assert bad == 0


@cocotb.test()
async def test_invalid_programs(dut: Any) -> None:
    """Corrupted programs (written into the driver's program buffer past its host checks)
    end with their error code and idle; no program -> no run."""
    gv = _vectors()
    blob = gv.program.to_bytes()
    tb = TB(dut)
    await tb.reset()
    await tb.place(gv.program, gv.inputs[:1])
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=10_000)
    assert status == ERROR_CODES["BAD_MAGIC"], f"run without a program: STATUS {status}"
    cases = [
        ("BAD_MAGIC", _patch(blob, fix_checksum=False, h_magic=0x12345678)),
        ("BAD_VERSION", _patch(blob, h_version=1)),  # format v1 images are refused
        ("BAD_CHECKSUM", _patch(blob, fix_checksum=False, data0=0x10)),
        ("BAD_OPCODE", _patch(blob, op_opcode=9)),
        ("BAD_OPCODE", _patch(blob, op_opcode=0)),
        ("DIMS_EXCEED_MAX", _patch(blob, op_rows=1000)),
        ("DIMS_EXCEED_MAX", _patch(blob, h_num_buffers=99)),
        ("BAD_FORMAT", _patch(blob, op_out_bits=3)),
        ("BAD_FORMAT", _patch(blob, h_bits=12)),
        ("BAD_FORMAT", _patch(blob, op_w_off=0x7FFFFFF0)),
        ("BAD_FORMAT", _patch(blob, op_shift=70)),
        *_segment_faults(gv.program, blob),
        *_unused_faults(gv.program, blob),
        *_taylor_faults(_model_gnn_image(gv.program.bits)),
    ]
    for name, img in cases:
        tb.write_image(img)
        status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=200_000)
        dut._log.info("%s -> STATUS %d", name, status)
        assert status == ERROR_CODES[name], f"{name}: STATUS {status}"
        status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=10_000)
        assert status == ERROR_CODES["BAD_MAGIC"], "a failed load must not leave a program"
    tb.write_image(blob)
    status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0
    assert scoreboard(dut, tb.outputs((1, *gv.expected.shape[1:])), gv.expected[:1],
                      "valid program after invalid ones") == 0


@cocotb.test()
async def test_bus_error_and_timeout(dut: Any) -> None:
    """SLVERR on the input read -> BUS_ERROR; a slave that stops answering mid-burst ->
    TIMEOUT once released (burst drained); both end idle and the next run is exact."""
    gv = _vectors()
    tb = TB(dut)
    await tb.reset()
    regs = await tb.place(gv.program, gv.inputs[:1])
    status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0
    tb.board.error_ranges = [(regs.input_addr, regs.input_addr + 8)]
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=50_000)
    assert status == ERROR_CODES["BUS_ERROR"], f"STATUS {status}"
    tb.board.error_ranges = []
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0, "the loaded program survives a bus error on the inputs"
    # a silent slave: R held stalled after 3 beats of the first input burst until the
    # watchdog fires, then released; the core drains the burst, reports TIMEOUT, goes idle
    # and (no reset) the next run is exact
    await tb.start(load=False, num_vectors=1)
    await tb.stall_until_timeout("r", after_beats=3)
    await tb.wait_done(50_000)
    status, _ = await tb.finish()
    assert status == ERROR_CODES["TIMEOUT"], f"STATUS {status}"
    tb.poison_outputs(0x5A)
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0, f"STATUS {status} after the timeout (no reset)"
    assert scoreboard(dut, tb.outputs((1, *gv.expected.shape[1:])), gv.expected[:1],
                      "after timeout") == 0


@cocotb.test(skip=os.environ.get("SM_BENCH") is None)
async def test_bench(dut: Any) -> None:
    """Benchmark: load once, then one inference on the loaded program with a per-op log
    (buffers staged for all vectors, as the cycle figures were first measured)."""
    gv = _vectors()
    n = _nvec(gv)
    tb = TB(dut, stall=0.0)
    memory = _board_memory(dut, tb.board)  # SM_BOARD: the board's latency and DDR rate
    await tb.reset()
    regs = await tb.place(gv.program, gv.inputs[:n])
    status, load_cycles = await tb.run(load=True, num_vectors=1,
                                       timeout_cycles=_budget(gv, 1))
    assert status == 0, f"STATUS {status}"
    if memory is not None:
        memory.reset_stats()  # the inferences' traffic only
    per_inf = []
    ops: list[list[int]] = []
    done: list[int] = []
    for i in range(n):
        staged = await tb.stage(gv.inputs[i:i + 1])
        assert staged.input_size == regs.input_size  # the buffer is reused, not shrunk
        status, cyc = await tb.run(load=False, num_vectors=1, timeout_cycles=_budget(gv, 1))
        assert status == 0
        per_inf.append(cyc)
        ops.append([c for c, _ in tb.op_log])
        done.append(tb.done_cycle)
        got = tb.outputs((1, *gv.expected.shape[1:]))
        mism = int((got != gv.expected[i:i + 1]).sum())
        assert mism == 0, f"vector {i}: {mism} mismatches"
    Path(os.environ["SM_RESULT"]).write_text(json.dumps({
        "load_cycles": load_cycles, "cycles": per_inf, "op_start_cycles": ops,
        "done_cycles": done,
        "mismatches": 0, "words": int(gv.expected[:n].size), "vectors": n,
        **({"board": os.environ["SM_BOARD"], "memory": asdict(memory.stats())
            | {"bytes_per_cycle": memory.stats().bytes_per_cycle,
               "ddr_bytes_per_cycle": memory.rate, "read_latency": memory.latency}}
           if memory is not None else {})}))


def _board_memory(dut: Any, board: SimBoard) -> BoardMemory | None:
    """SM_BOARD=<name> (spacemimo/spec/boards.yaml) at SM_CLOCK_MHZ: every read port of the
    core (m_axi_gmem and the weight ports) behind that board's memory model."""
    name = os.environ.get("SM_BOARD")
    if not name:
        return None
    memory = BoardMemory(dut, board_spec.board(name),
                         float(os.environ.get("SM_CLOCK_MHZ", "100")),
                         [("m_axi_gmem", board.ram.read_if)]
                         + [(f"m_axi_wgt{k}", w) for k, w in enumerate(board.wgt)])
    memory.start()
    return memory
