"""cocotb testbench of ``spacemimo_accel``: a TB class (clock, reset, cocotbext-axi bus models
with pause generators on every channel, an AXI master-side protocol checker, program/vector
helpers) and a scoreboard against the golden vectors.

Bus models are cocotbext-axi's (``AxiRam`` on ``m_axi_gmem``, ``AxiLiteMaster`` on
``s_axi_control``); this file adds only what the library lacks: SLVERR address ranges
(``ErrRam``) and a checker of the master's side of the protocol (``AxiChecker``: VALID held and
payload stable until READY on AR/AW/W, WLAST on a burst's last beat, no R/B beat without an
outstanding burst, every burst inside a registered buffer).

Environment (set by tests/test_rtl_cosim.py or spacemimo.bench_hw):
  SM_VECTORS   golden-vector directory (quant/vectors.py format)
  SM_STALL     probability of a stall cycle on every AXI channel (default 0.3)
  SM_SEED      seed of the stall pattern and of the reset point (logged; replays a failure)
  SM_NVEC      vectors to run (default: all)
  SM_RESULT    JSON file the benchmark test writes its measurements to
  SM_WATCHDOG  the build's WATCHDOG parameter (cycles; set by cosim.run_cosim)
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotb.types import LogicArray
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam

from spacemimo.board.regmap import load as load_regmap
from spacemimo.quant.program import ERROR_CODES, HEADER_FIELDS, OP_FIELDS, checksum
from spacemimo.quant.vectors import read_golden_vectors

PERIOD_NS = 10
PROG_BASE = 0x1000
IN_BASE_OFF = 0x100  # input tables follow the program (page aligned + this offset)
BEAT = 8             # m_axi_gmem bytes per beat (AXI_DW = 64)
REGS = load_regmap().offsets()
MASTER_CHANNELS = ("ar", "r", "aw", "w", "b")


def _int(sig: Any) -> int:
    """Integer value of a signal; X/Z bits read as 0."""
    try:
        return int(sig.value)
    except ValueError:
        return int(str(sig.value).replace("x", "0").replace("X", "0").replace("z", "0")
                   .replace("Z", "0"), 2)


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def round_up(n: int, k: int = 64) -> int:
    """Buffer sizes as the driver allocates them: whole 64-byte lines (beat aligned)."""
    return (n + k - 1) // k * k


def watchdog_cycles() -> int:
    """The build's WATCHDOG parameter (cosim.run_cosim passes it)."""
    return int(os.environ.get("SM_WATCHDOG", "4096"))


class SlaveError(Exception):
    """Raised inside the RAM's access hooks: cocotbext-axi answers it with SLVERR."""


class ErrRam(AxiRam):
    """cocotbext-axi's AxiRam plus SLVERR address ranges (the library has none): a read or
    write touching ``error_ranges`` ([lo, hi) byte pairs) gets RRESP/BRESP = SLVERR."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_ranges: list[tuple[int, int]] = []
        rd, wr = self.read_if._read, self.write_if._write

        async def _read(address: int, length: int) -> bytes:
            self._check(address, length)
            return await rd(address, length)

        async def _write(address: int, data: bytes) -> None:
            self._check(address, len(data))
            await wr(address, data)

        self.read_if._read = _read
        self.write_if._write = _write

    def _check(self, address: int, length: int) -> None:
        for lo, hi in self.error_ranges:
            if address < hi and lo < address + length:
                raise SlaveError(f"SLVERR at {address:#x}")


class _Tied:
    """An AXI ID signal the DUT does not have (our master, like Vitis' ``m_axi`` without IDs,
    uses ID 0 only): cocotbext-axi's AXI4 channels require ``*id``, cocotb-bus leaves a missing
    one as None, so the ID is tied to 0 here (reads 0, writes are dropped)."""

    def __init__(self, width: int = 1) -> None:
        self._width = width

    def __len__(self) -> int:
        return self._width

    @property
    def value(self) -> LogicArray:
        return LogicArray("0" * self._width)

    @value.setter
    def value(self, _: Any) -> None:
        pass

    def setimmediatevalue(self, _: Any) -> None:
        pass


def axi_bus(dut: Any, prefix: str = "m_axi_gmem") -> AxiBus:
    """cocotbext-axi's AxiBus on ``{prefix}_*`` with the absent ID signals tied to 0."""
    bus = AxiBus.from_prefix(dut, prefix)
    for ch, sig in ((bus.write.aw, "awid"), (bus.write.b, "bid"), (bus.read.ar, "arid"),
                    (bus.read.r, "rid")):
        if getattr(ch, sig, None) is None:
            tied = _Tied()
            setattr(ch, sig, tied)
            ch._signals[sig] = tied
    return bus


class AxiChecker:
    """The master side of the AXI4 protocol on ``m_axi_gmem`` (cocotbext-axi checks only its
    own side), sampled at every rising edge like the bus models: on AR, AW and W a VALID may
    not drop and the payload may not change while VALID && !READY; WLAST marks exactly the
    last beat of its burst; an R or B beat is never accepted without an outstanding burst.
    With ``buffers`` registered, every AR/AW burst's byte range must lie inside one of them
    (a stray access). Violations and strays are recorded (``check()`` raises on them)."""

    def __init__(self, dut: Any, prefix: str = "m_axi_gmem") -> None:
        self.dut = dut
        self.s = {n: getattr(dut, f"{prefix}_{n}") for n in (
            "ARADDR", "ARLEN", "ARSIZE", "ARBURST", "ARVALID", "ARREADY", "RVALID", "RREADY",
            "AWADDR", "AWLEN", "AWSIZE", "AWBURST", "AWVALID", "AWREADY", "WDATA", "WSTRB",
            "WLAST", "WVALID", "WREADY", "BVALID", "BREADY")}
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
        lo, hi = addr, (addr // BEAT) * BEAT + beats * (1 << size)
        if not any(b <= lo and hi <= b + n for _, b, n in self.buffers):
            msg = f"{ch.upper()} burst [{lo:#x}, {hi:#x}) outside every registered buffer"
            self.dut._log.error("stray access: %s", msg)
            self.strays.append(msg)

    async def _run(self) -> None:
        s = self.s
        while True:
            await RisingEdge(self.dut.ap_clk)
            self.cycle += 1
            if not _int(self.dut.ap_rst_n):
                self._clear()
                continue
            v, r = _int(s["ARVALID"]), _int(s["ARREADY"])
            pay = (_int(s["ARADDR"]), _int(s["ARLEN"]), _int(s["ARSIZE"]),
                   _int(s["ARBURST"])) if v else ()
            if self._stable("ar", v, r, pay):
                self.handshakes["ar"] += 1
                self.r_out += pay[1] + 1
                self._range("ar", pay[0], pay[1] + 1, pay[2])
            if _int(s["RVALID"]) and _int(s["RREADY"]):
                self.handshakes["r"] += 1
                if self.r_out == 0:
                    self._bad("R beat accepted without an outstanding read burst")
                else:
                    self.r_out -= 1
            v, r = _int(s["AWVALID"]), _int(s["AWREADY"])
            pay = (_int(s["AWADDR"]), _int(s["AWLEN"]), _int(s["AWSIZE"]),
                   _int(s["AWBURST"])) if v else ()
            if self._stable("aw", v, r, pay):
                self.handshakes["aw"] += 1
                self.b_out += 1
                self.w_beats.append(pay[1] + 1)
                self._range("aw", pay[0], pay[1] + 1, pay[2])
            v, r = _int(s["WVALID"]), _int(s["WREADY"])
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
            if _int(s["BVALID"]) and _int(s["BREADY"]):
                self.handshakes["b"] += 1
                if self.b_out == 0:
                    self._bad("B response accepted without an outstanding write burst")
                else:
                    self.b_out -= 1

    def check(self) -> None:
        """Raise on any protocol violation or stray access seen so far."""
        assert not self.violations, f"AXI protocol violations: {self.violations[:5]}"
        assert not self.strays, f"stray accesses: {self.strays[:5]}"


def _pauses(rng: random.Random, p: float) -> Iterator[bool]:
    while True:
        yield rng.random() < p


class TB:
    """Owns the clock, reset, bus models and helpers for one DUT instance."""

    def __init__(self, dut: Any, stall: float | None = None, seed: int | None = None) -> None:
        self.dut = dut
        self.seed = int(os.environ.get("SM_SEED", "1")) if seed is None else seed
        self.stall = _env_float("SM_STALL", 0.3) if stall is None else stall
        self.rng = random.Random(self.seed)
        dut._log.info("TB seed %d, stall probability %.2f", self.seed, self.stall)
        cocotb.start_soon(Clock(dut.ap_clk, PERIOD_NS, unit="ns").start())
        dut.ap_rst_n.value = 0
        # sparse memory over 2^62 bytes (len() of the library's memory must fit an index;
        # addresses above alias, but the checker flags any burst outside the buffers first)
        self.mem = ErrRam(axi_bus(dut), dut.ap_clk, dut.ap_rst_n,
                          reset_active_level=False, size=1 << 62)
        self.lite = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.ap_clk,
                                  dut.ap_rst_n, reset_active_level=False)
        for m in (self.mem.read_if, self.mem.write_if, self.lite.read_if, self.lite.write_if):
            m.log.setLevel("WARNING")  # no INFO line per burst
        self.checker = AxiChecker(dut)
        self._pause_rng = random.Random(self.seed + 1)
        for ch in MASTER_CHANNELS:
            self.stall_channel(ch, False)
        if self.stall > 0:
            for ch in ("aw", "w", "b"):
                getattr(self.lite.write_if, f"{ch}_channel").set_pause_generator(
                    _pauses(self._pause_rng, self.stall))
            for ch in ("ar", "r"):
                getattr(self.lite.read_if, f"{ch}_channel").set_pause_generator(
                    _pauses(self._pause_rng, self.stall))
        self.sizes: dict[str, int] = {}
        self.op_log: list[tuple[int, int]] = []
        self.cycle = 0
        self.done_cycle = 0
        cocotb.start_soon(self._count())
        cocotb.start_soon(self._watch_ops())

    def _channel(self, ch: str) -> Any:
        return getattr(self.mem.read_if if ch in ("ar", "r") else self.mem.write_if,
                       f"{ch}_channel")

    def stall_channel(self, ch: str, hold: bool) -> None:
        """Hold one m_axi_gmem channel (ar, r, aw, w, b) stalled, or give it back its random
        pause pattern."""
        c = self._channel(ch)
        if hold or self.stall > 0:
            c.set_pause_generator(
                itertools.repeat(True) if hold else _pauses(self._pause_rng, self.stall))
        else:  # no stalls: no per-cycle pause coroutine (benchmark speed)
            c.clear_pause_generator()
            c.pause = False

    async def _count(self) -> None:
        while True:
            await RisingEdge(self.dut.ap_clk)
            self.cycle += 1

    async def _watch_ops(self) -> None:
        while True:
            await RisingEdge(self.dut.dbg_op_start)
            self.op_log.append((self.cycle, _int(self.dut.dbg_op_idx)))

    async def reset(self, cycles: int = 5) -> None:
        self.dut.ap_rst_n.value = 0
        await ClockCycles(self.dut.ap_clk, cycles)
        self.dut.ap_rst_n.value = 1
        await ClockCycles(self.dut.ap_clk, 2)

    # --- memory layout ---------------------------------------------------------------------
    def place(self, program: bytes, inputs: np.ndarray, n_out: int) -> None:
        """Program at PROG_BASE, inputs (int16) after it, outputs after the inputs; the three
        buffers (sizes rounded up to 64 bytes, as the driver allocates) are registered with
        the checker and programmed into the SIZE registers by ``start``."""
        self.prog_addr = PROG_BASE
        self.in_addr = (PROG_BASE + len(program) + 0xFFF) // 0x1000 * 0x1000 + IN_BASE_OFF
        x = np.asarray(inputs, dtype="<i2").tobytes()
        self.out_addr = (self.in_addr + len(x) + 0xFFF) // 0x1000 * 0x1000 + 2 * IN_BASE_OFF
        self.n_out_bytes = 2 * n_out
        self.sizes = {"PROGRAM": round_up(len(program)), "INPUT": round_up(len(x)),
                      "OUTPUT": round_up(self.n_out_bytes)}
        self.checker.buffers = [("program", self.prog_addr, self.sizes["PROGRAM"]),
                                ("input", self.in_addr, self.sizes["INPUT"]),
                                ("output", self.out_addr, self.sizes["OUTPUT"])]
        self.mem.write(self.prog_addr, program)
        self.mem.write(self.in_addr, x)
        self.mem.write(self.out_addr, b"\xa5" * self.n_out_bytes)  # poison the output area

    def outputs(self, shape: tuple[int, ...]) -> np.ndarray:
        n = int(np.prod(shape))
        raw = self.mem.read(self.out_addr, 2 * n)
        return np.frombuffer(raw, dtype="<i2").reshape(shape).astype(np.int64)

    # --- registers -------------------------------------------------------------------------
    async def write_reg(self, name: str, value: int) -> None:
        await self.lite.write_dword(REGS[name], value & 0xFFFFFFFF)

    async def read_reg(self, name: str) -> int:
        return int(await self.lite.read_dword(REGS[name]))

    async def start(self, load: bool, num_vectors: int) -> None:
        for name, val in (("PROGRAM_ADDR", self.prog_addr), ("INPUT_ADDR", self.in_addr),
                          ("OUTPUT_ADDR", self.out_addr)):
            await self.write_reg(f"{name}_LO", val & 0xFFFFFFFF)
            await self.write_reg(f"{name}_HI", val >> 32)
        for name in ("PROGRAM", "INPUT", "OUTPUT"):
            await self.write_reg(f"{name}_SIZE", self.sizes[name])
        await self.write_reg("NUM_VECTORS", num_vectors)
        await self.write_reg("MODE", int(load))
        await self.write_reg("GIE", 1)
        await self.write_reg("IER", 1)
        await self.write_reg("CTRL", 1)

    async def wait_done(self, timeout_cycles: int) -> None:
        """Wait for the done interrupt; fail (never hang) after timeout_cycles."""
        t0 = self.cycle
        while not _int(self.dut.interrupt):
            await RisingEdge(self.dut.ap_clk)
            if self.cycle - t0 > timeout_cycles:
                raise TimeoutError(f"no done interrupt within {timeout_cycles} cycles")
        self.done_cycle = self.cycle
        await self.write_reg("ISR", 3)  # toggle-on-write clears both bits

    async def finish(self) -> tuple[int, int]:
        """After done: (STATUS, CYCLES); checks idle/done bits, that no burst is outstanding
        and that the bus checker saw no violation or stray access."""
        status = await self.read_reg("STATUS")
        cycles = (await self.read_reg("CYCLES_LO")) | (await self.read_reg("CYCLES_HI")) << 32
        ctrl = await self.read_reg("CTRL")
        assert ctrl & 0b0110 == 0b0110, f"CTRL {ctrl:#x}: expected AP_DONE and AP_IDLE"
        ctrl = await self.read_reg("CTRL")
        assert ctrl & 0b0010 == 0, f"CTRL {ctrl:#x}: AP_DONE must clear on read"
        assert self.checker.outstanding() == 0, (
            f"core idle with {self.checker.outstanding()} beats/responses outstanding")
        self.checker.check()
        return status, cycles

    async def run(self, load: bool, num_vectors: int, timeout_cycles: int = 2_000_000
                  ) -> tuple[int, int]:
        """Start a run, wait for done; returns (STATUS, CYCLES) (see ``finish``)."""
        self.op_log.clear()
        await self.start(load, num_vectors)
        await self.wait_done(timeout_cycles)
        return await self.finish()

    async def stall_until_timeout(self, ch: str, after_beats: int = 0) -> None:
        """Hold channel ``ch`` stalled (after ``after_beats`` more handshakes on it) until the
        watchdog has certainly fired (WATCHDOG + 64 stalled cycles), then release it."""
        base = self.checker.handshakes[ch]
        while self.checker.handshakes[ch] < base + after_beats:
            await RisingEdge(self.dut.ap_clk)
        self.stall_channel(ch, True)
        await ClockCycles(self.dut.ap_clk, watchdog_cycles() + 64)
        self.stall_channel(ch, False)


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
    from spacemimo.quant.testprograms import random_model_gnn_program

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
    """Load the program, run every vector back to back, then rerun reusing the weights."""
    gv = _vectors()
    n = _nvec(gv)
    tb = TB(dut)
    tb.place(gv.program.to_bytes(), gv.inputs[:n], n * gv.expected[0].size)
    await tb.reset()
    assert await tb.read_reg("HW_ID") == load_regmap().hw_id
    status, cycles = await tb.run(load=True, num_vectors=n, timeout_cycles=_budget(gv, n))
    assert status == 0, f"STATUS {status} after load + run"
    bad = scoreboard(dut, tb.outputs((n, *gv.expected.shape[1:])), gv.expected[:n],
                     f"{gv.program.name} load+run")
    # back-to-back runs on the loaded program, vectors in reverse order
    tb.mem.write(tb.in_addr, np.asarray(gv.inputs[:n][::-1], dtype="<i2").tobytes())
    tb.mem.write(tb.out_addr, b"\x5a" * tb.n_out_bytes)
    status, cycles2 = await tb.run(load=False, num_vectors=n, timeout_cycles=_budget(gv, n))
    assert status == 0, f"STATUS {status} on the rerun"
    bad += scoreboard(dut, tb.outputs((n, *gv.expected.shape[1:])), gv.expected[:n][::-1],
                      f"{gv.program.name} rerun")
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
    tb.place(gv.program.to_bytes(), gv.inputs[:n], n * gv.expected[0].size)
    await tb.reset()
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
    """Corrupted programs end with their error code and idle; no program -> no run."""
    gv = _vectors()
    blob = gv.program.to_bytes()
    tb = TB(dut)
    tb.place(blob, gv.inputs[:1], gv.expected[0].size)
    await tb.reset()
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
        tb.mem.write(tb.prog_addr, img)
        status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=200_000)
        dut._log.info("%s -> STATUS %d", name, status)
        assert status == ERROR_CODES[name], f"{name}: STATUS {status}"
        status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=10_000)
        assert status == ERROR_CODES["BAD_MAGIC"], "a failed load must not leave a program"
    tb.mem.write(tb.prog_addr, blob)
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
    tb.place(gv.program.to_bytes(), gv.inputs[:1], gv.expected[0].size)
    await tb.reset()
    status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0
    tb.mem.error_ranges = [(tb.in_addr, tb.in_addr + 8)]
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=50_000)
    assert status == ERROR_CODES["BUS_ERROR"], f"STATUS {status}"
    tb.mem.error_ranges = []
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
    tb.mem.write(tb.out_addr, b"\x5a" * tb.n_out_bytes)
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0, f"STATUS {status} after the timeout (no reset)"
    assert scoreboard(dut, tb.outputs((1, *gv.expected.shape[1:])), gv.expected[:1],
                      "after timeout") == 0


@cocotb.test(skip=os.environ.get("SM_BENCH") is None)
async def test_bench(dut: Any) -> None:
    """Benchmark: load once, then one inference on the loaded program with a per-op log."""
    gv = _vectors()
    n = _nvec(gv)
    tb = TB(dut, stall=0.0)
    tb.place(gv.program.to_bytes(), gv.inputs[:n], n * gv.expected[0].size)
    await tb.reset()
    status, load_cycles = await tb.run(load=True, num_vectors=1,
                                       timeout_cycles=_budget(gv, 1))
    assert status == 0, f"STATUS {status}"
    per_inf = []
    ops: list[list[int]] = []
    done: list[int] = []
    for i in range(n):
        tb.mem.write(tb.in_addr, np.asarray(gv.inputs[i:i + 1], dtype="<i2").tobytes())
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
        "mismatches": 0, "words": int(gv.expected[:n].size), "vectors": n}))
