"""cocotb testbench of ``spacemimo_accel``: a TB class (clock, reset, AXI-Lite master, AXI4
memory model, program/vector helpers) and a scoreboard against the golden vectors.

Environment (set by tests/test_rtl_cosim.py or spacemimo.bench_hw):
  SM_VECTORS   golden-vector directory (quant/vectors.py format)
  SM_STALL     probability of a stall cycle on every AXI channel (default 0.3)
  SM_SEED      seed of the stall pattern and of the reset point (logged; replays a failure)
  SM_NVEC      vectors to run (default: all)
  SM_RESULT    JSON file the benchmark test writes its measurements to
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from axi_models import AxiLiteMaster, AxiMemory, _int
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from spacemimo.board.regmap import load as load_regmap
from spacemimo.quant.program import ERROR_CODES, HEADER_FIELDS, OP_FIELDS, checksum
from spacemimo.quant.vectors import read_golden_vectors

PERIOD_NS = 10
PROG_BASE = 0x1000
IN_BASE_OFF = 0x100  # input tables follow the program (page aligned + this offset)
REGS = load_regmap().offsets()


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


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
        self.mem = AxiMemory(dut, dut.ap_clk, dut.ap_rst_n, size=int(os.environ.get(
            "SM_MEM_BYTES", 1 << 22)), stall=self.stall, seed=self.seed)
        self.lite = AxiLiteMaster(dut, dut.ap_clk, stall=self.stall, seed=self.seed + 1)
        self.op_log: list[tuple[int, int]] = []
        self.cycle = 0
        self.done_cycle = 0
        cocotb.start_soon(self._count())
        cocotb.start_soon(self._watch_ops())

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
        """Program at PROG_BASE, inputs (int16) after it, outputs after the inputs."""
        self.prog_addr = PROG_BASE
        self.in_addr = (PROG_BASE + len(program) + 0xFFF) // 0x1000 * 0x1000 + IN_BASE_OFF
        x = np.asarray(inputs, dtype="<i2").tobytes()
        self.out_addr = (self.in_addr + len(x) + 0xFFF) // 0x1000 * 0x1000 + 2 * IN_BASE_OFF
        self.n_out_bytes = 2 * n_out
        need = self.out_addr + self.n_out_bytes
        if need > len(self.mem.mem):
            self.mem.mem.extend(bytes(need - len(self.mem.mem)))
        self.mem.write(self.prog_addr, program)
        self.mem.write(self.in_addr, x)
        self.mem.write(self.out_addr, b"\xa5" * self.n_out_bytes)  # poison the output area

    def outputs(self, shape: tuple[int, ...]) -> np.ndarray:
        n = int(np.prod(shape))
        raw = self.mem.read(self.out_addr, 2 * n)
        return np.frombuffer(raw, dtype="<i2").reshape(shape).astype(np.int64)

    # --- registers -------------------------------------------------------------------------
    async def start(self, load: bool, num_vectors: int) -> None:
        w = self.lite.write
        for name, val in (("PROGRAM_ADDR", self.prog_addr), ("INPUT_ADDR", self.in_addr),
                          ("OUTPUT_ADDR", self.out_addr)):
            await w(REGS[f"{name}_LO"], val & 0xFFFFFFFF)
            await w(REGS[f"{name}_HI"], val >> 32)
        await w(REGS["NUM_VECTORS"], num_vectors)
        await w(REGS["MODE"], int(load))
        await w(REGS["GIE"], 1)
        await w(REGS["IER"], 1)
        await w(REGS["CTRL"], 1)

    async def wait_done(self, timeout_cycles: int) -> None:
        """Wait for the done interrupt; fail (never hang) after timeout_cycles."""
        t0 = self.cycle
        while not _int(self.dut.interrupt):
            await RisingEdge(self.dut.ap_clk)
            if self.cycle - t0 > timeout_cycles:
                raise TimeoutError(f"no done interrupt within {timeout_cycles} cycles")
        self.done_cycle = self.cycle
        await self.lite.write(REGS["ISR"], 3)  # toggle-on-write clears both bits

    async def run(self, load: bool, num_vectors: int, timeout_cycles: int = 2_000_000
                  ) -> tuple[int, int]:
        """Start a run, wait for done; returns (STATUS, CYCLES) and checks idle/done bits."""
        self.op_log.clear()
        await self.start(load, num_vectors)
        await self.wait_done(timeout_cycles)
        status = await self.lite.read(REGS["STATUS"])
        cycles = (await self.lite.read(REGS["CYCLES_LO"])) | (
            await self.lite.read(REGS["CYCLES_HI"])) << 32
        ctrl = await self.lite.read(REGS["CTRL"])
        assert ctrl & 0b0110 == 0b0110, f"CTRL {ctrl:#x}: expected AP_DONE and AP_IDLE"
        ctrl = await self.lite.read(REGS["CTRL"])
        assert ctrl & 0b0010 == 0, f"CTRL {ctrl:#x}: AP_DONE must clear on read"
        return status, cycles


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


# --------------------------------------------------------------------------- tests


@cocotb.test()
async def test_golden_vectors(dut: Any) -> None:
    """Load the program, run every vector back to back, then rerun reusing the weights."""
    gv = _vectors()
    n = _nvec(gv)
    tb = TB(dut)
    tb.place(gv.program.to_bytes(), gv.inputs[:n], n * gv.expected[0].size)
    await tb.reset()
    assert await tb.lite.read(REGS["HW_ID"]) == load_regmap().hw_id
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
        assert await tb.lite.read(REGS["CTRL"]) & 0b0100, "not idle after reset"
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
    """SLVERR on the input read -> BUS_ERROR; a silent slave -> TIMEOUT; both end idle."""
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
    tb.mem.hang = True
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=200_000)
    assert status == ERROR_CODES["TIMEOUT"], f"STATUS {status}"
    tb.mem.hang = False
    await tb.reset()  # a timed-out transfer may leave the interconnect mid-burst
    status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0
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
