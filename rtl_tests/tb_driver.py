"""cocotb tests: the board driver (``spacemimo.board.driver.AccelDriver``, the same class the
PYNQ overlay binds) drives ``rtl/`` through the simulated board (sim_board.py).

The driver's blocking calls run in a ``cocotb.task.bridge`` thread; every register access,
buffer flush and wait goes through SimBoard. One host protocol: no register sequence here.

Environment (set by tests/test_driver_rtl.py):
  SM_BITS     8 or 16 (the build's data width)
  SM_STALL    stall probability on every AXI channel (default 0.3)
  SM_SEED     seed of the stalls, the reset point and the inputs (logged; replays a failure)
  SM_RESULT   JSON file the tests append their measurements to
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

import cocotb
import numpy as np
from cocotb.task import bridge
from sim_board import PERIOD_NS, SimBoard

from spacemimo.board import driver as drv
from spacemimo.quant import golden
from spacemimo.quant.program import ERROR_CODES, Program
from spacemimo.quant.random_programs import random_model_gnn_program, small_gsm_program
from spacemimo.quant.vectors import edge_case_inputs, random_vectors
from spacemimo.spec.builds import build

TIMEOUT_S = 5e-3  # simulated: 500 k cycles, far beyond any run here
SEED = int(os.environ.get("SM_SEED", "7"))
STALL = float(os.environ.get("SM_STALL", "0.3"))
BITS = int(os.environ.get("SM_BITS", "8"))


def programs(bits: int) -> dict[str, Program]:
    """The small GSM and the small Model-GNN (K = 3: groups straddle the 4-row tiles)."""
    return {"gsm": small_gsm_program(bits=bits, seed=3),
            "gnn_small": random_model_gnn_program(bits=bits, N=3, K=3, hidden=(6, 4), seed=2)}


def vectors(prog: Program, n: int, seed: int) -> np.ndarray:
    """Edge cases first, then random inputs (what quant/vectors.py writes as golden vectors)."""
    edge = [x for _, x in edge_case_inputs(prog)][:n]
    rest = random_vectors(prog, n - len(edge), seed) if n > len(edge) else None
    parts = [np.stack(edge)] + ([rest] if rest is not None else [])
    return np.concatenate(parts)


def record(entry: dict[str, Any]) -> None:
    out = os.environ.get("SM_RESULT")
    if out:
        with open(out, "a") as f:
            f.write(json.dumps(entry) + "\n")


def record_errors(test: str, seen: list[str], log: Any) -> None:
    """Log and record every exception an error-path test saw (the result JSON lines)."""
    for s in seen:
        log.info("%s: %s", test, s)
        record({"test": test, "bits": BITS, "exception": s})


async def start_board(dut: Any, stall: float = STALL, seed: int = SEED) -> SimBoard:
    board = SimBoard(dut, seed=seed, stall=stall)
    await board.start()
    return board


async def on_driver(body: Callable[[], Any]) -> Any:
    """Run blocking driver code against the simulation (cocotb's bridge)."""
    return await bridge(body)()


def mismatches(got: np.ndarray, exp: np.ndarray, what: str, log: Any) -> int:
    bad = np.argwhere(got != exp)
    for v, r, c in bad[:8]:
        log.error("%s: vector %d node %d index %d: got %d expected %d", what, v, r, c,
                  got[v, r, c], exp[v, r, c])
    log.info("%s: %d mismatching words of %d", what, len(bad), exp.size)
    return len(bad)


def expect(exc: type[BaseException], fn: Callable[[], Any]) -> BaseException:
    try:
        fn()
    except exc as err:
        return err
    raise AssertionError(f"expected {exc.__name__}")


def exact_run(d: drv.AccelDriver, prog: Program, n: int, seed: int, what: str, log: Any
              ) -> drv.RunResult:
    x = vectors(prog, n, seed)
    res = d.run(x)
    bad = mismatches(res.outputs, golden.run(prog, x), what, log)
    assert bad == 0, f"{what}: {bad} mismatching words"
    return res


# --------------------------------------------------------------------------- tests


@cocotb.test()
async def test_driver_golden(dut: Any) -> None:
    """Load + run golden vectors of the small GSM and the small Model-GNN; reruns on the
    loaded program reuse the driver's buffers; 0 mismatching words, no stray access."""
    board = await start_board(dut)
    log = dut._log

    def body() -> list[dict[str, Any]]:
        d = drv.AccelDriver(board, timeout_s=TIMEOUT_S)
        d.check_id()
        lim, bits = d.hw_limits, d.data_bits
        assert bits == BITS, f"HW_CONFIG says {bits}-bit, the build is {BITS}-bit"
        log.info("HW_CONFIG: %s, %d-bit", lim, bits)
        # HW_WEIGHTS as the RTL reports it for this (resident) build
        wm, spec = d.weight_memory, build(f"rtl-small-{BITS}")
        assert (wm.placement, wm.wmem_depth, wm.wgt_ports, wm.out_lanes) == (
            "resident", spec.wmem_depth, 0, spec.out_lanes), wm
        rows = []
        for name, prog in programs(BITS).items():
            x = vectors(prog, 8, SEED)
            exp = golden.run(prog, x)
            d.load(prog)
            first = d.run(x)
            assert first.loaded_program
            bad = mismatches(first.outputs, exp, f"{name} load+run", log)
            allocs = board.allocations
            again = d.run(x[::-1])
            assert not again.loaded_program
            bad += mismatches(again.outputs, exp[::-1], f"{name} rerun", log)
            small = asyncio.run(d.run_async(x[:3]))  # the async path: same protocol
            bad += mismatches(small.outputs, exp[:3], f"{name} rerun 3 (run_async)", log)
            assert board.allocations == allocs, "a rerun allocated new buffers"
            rows.append({"test": "golden", "program": name, "bits": BITS,
                         "words": int(2 * exp.size + exp[:3].size),
                         "mismatches": bad, "load_cycles": first.cycles,
                         "run_cycles": again.cycles, "vectors": 8,
                         "latency_s": again.latency_s})
        return rows

    rows = await on_driver(body)
    for row in rows:
        record(row)
    assert not board.stray, board.stray[:5]
    assert all(r["mismatches"] == 0 for r in rows), rows


@cocotb.test()
async def test_driver_errors(dut: Any) -> None:
    """Invalid programs (host-side and hardware-only), a bus error: the right exception, and
    the next run is exact."""
    board = await start_board(dut)
    log = dut._log
    prog = programs(BITS)["gsm"]

    def body() -> list[str]:
        seen = []
        d = drv.AccelDriver(board, timeout_s=TIMEOUT_S)
        # host checks against HW_CONFIG: 64 rows > MAX_ROWS; the other data width
        big = random_model_gnn_program(bits=BITS, N=16, K=4, hidden=(8, 8, 4), seed=0)
        cycles0 = d.cycles
        err = expect(drv.DimsExceedMaxError, lambda: d.load(big))
        assert err.source == "host" and "MAX_ROWS" in str(err), err
        other = small_gsm_program(bits=24 - BITS, seed=0)
        err2 = expect(drv.DimsExceedMaxError, lambda: d.load(other))
        assert f"{BITS}-bit build" in str(err2), err2
        assert d.cycles == cycles0, "a refused program must not start the device"
        seen += [f"host: {err}", f"host: {err2}"]
        # only the hardware can catch it: a corrupted image written past the host checks
        d.load(prog)
        img = d.buffers["program"]
        img.view(np.uint32)[16] ^= 1
        img.flush()
        err3 = expect(drv.BadChecksumError, lambda: d.run(vectors(prog, 2, 1)))
        assert err3.source == "hardware" and err3.code == ERROR_CODES["BAD_CHECKSUM"]
        seen.append(f"hardware: {err3}")
        d.load(prog)
        exact_run(d, prog, 4, 2, "after BAD_CHECKSUM", log)
        # a bus error: SLVERR on the input read
        inp = d.buffers["input"]
        board.error_ranges = [(inp.physical_address, inp.physical_address + 8)]
        err4 = expect(drv.BusError, lambda: d.run(vectors(prog, 2, 3)))
        assert err4.code == ERROR_CODES["BUS_ERROR"]
        seen.append(f"hardware: {err4}")
        board.error_ranges = []
        exact_run(d, prog, 4, 4, "after BUS_ERROR", log)
        return seen

    record_errors("errors", await on_driver(body), log)
    assert not board.stray, board.stray[:5]


@cocotb.test()
async def test_driver_reset_mid_run(dut: Any) -> None:
    """ap_rst_n pulled during a load and during a run: the driver times out (no done), aborts
    an idle core, raises DeviceTimeoutError; the next run reloads and is exact."""
    board = await start_board(dut)
    log = dut._log
    prog = programs(BITS)["gsm"]
    rng = np.random.default_rng(SEED)

    def body() -> list[str]:
        seen = []
        d = drv.AccelDriver(board, timeout_s=2e-4, abort_timeout_s=1e-4)
        d.load(prog)
        for phase in ("load", "run"):
            if phase == "run":
                exact_run(d, prog, 2, 5, "before reset", log)
            board.reset_after_start = int(rng.integers(50, 400))
            err = expect(drv.DeviceTimeoutError, lambda: d.run(vectors(prog, 4, 6)))
            seen.append(f"reset during {phase}: {err}")
            exact_run(d, prog, 4, 7, f"after reset during {phase}", log)
        return seen

    record_errors("reset", await on_driver(body), log)
    assert not board.stray, board.stray[:5]


@cocotb.test()
async def test_driver_timeout_abort(dut: Any) -> None:
    """Each memory channel stalled mid-burst past the driver's timeout: the driver writes
    ABORT, the core drains and idles (STATUS ABORTED or the watchdog's TIMEOUT), the driver
    raises DeviceTimeoutError and the next run (no reset) is exact. A healthy run cut short
    by the driver's timeout mid-load: STATUS ABORTED, next run exact. A channel that never
    answers: BusWedgedError naming the overlay reload."""
    board = await start_board(dut)
    log = dut._log
    prog = programs(BITS)["gsm"]

    def body() -> list[str]:
        seen = []
        d = drv.AccelDriver(board, timeout_s=TIMEOUT_S)
        d.load(prog)
        clean = exact_run(d, prog, 4, 8, "clean", log)
        d.timeout_s = 2 * clean.latency_s
        d.abort_timeout_s = 1e-3
        for ch in ("ar", "r", "aw", "w", "b"):
            board.stall_channel(ch, delay=5)
            err = expect(drv.DeviceTimeoutError, lambda: d.run(vectors(prog, 4, 9)))
            status = d.read_reg("STATUS")
            assert status in (ERROR_CODES["ABORTED"], ERROR_CODES["TIMEOUT"]), status
            assert board.abort_writes, "the driver never wrote ABORT"
            seen.append(f"stall {ch}: {err}")
            board.release_stalls()
            exact_run(d, prog, 4, 10, f"after a stall on {ch}", log)
        # the driver's own timeout before the watchdog: abort a healthy run mid-load
        for cut in (2e-6, 5e-6):
            d.timeout_s = cut
            err = expect(drv.DeviceTimeoutError, lambda: d.run(vectors(prog, 4, 13)))
            assert d.read_reg("STATUS") == ERROR_CODES["ABORTED"], str(err)
            seen.append(f"abort after {cut * 1e6:.0f} us: {err}")
            d.timeout_s = TIMEOUT_S
            exact_run(d, prog, 4, 14, f"after the abort at {cut * 1e6:.0f} us", log)
        board.stall_channel("r", delay=5, release="never")
        d.timeout_s, d.abort_timeout_s = 2 * clean.latency_s, 2e-4
        err = expect(drv.BusWedgedError, lambda: d.run(vectors(prog, 4, 11)))
        seen.append(f"wedged r: {err}")
        return seen

    seen = await on_driver(body)
    board.release_stalls()  # the overlay reload of the board, here: the bus answers again
    record_errors("abort", seen, log)

    def after() -> None:
        d = drv.AccelDriver(board, timeout_s=TIMEOUT_S)
        assert d._wait_idle(1e-3), "not idle after the stall was released"
        d.load(prog)
        exact_run(d, prog, 4, 12, "after the wedged bus answered", log)

    await on_driver(after)
    assert not board.stray, board.stray[:5]


@cocotb.test(skip=os.environ.get("SM_SELFTEST_OUT") is None)
async def test_board_selftest(dut: Any) -> None:
    """``spacemimo board selftest --sim``: the board's selftest sequence on the simulated
    board; writes the report JSON to SM_SELFTEST_OUT (the CLI prints it)."""
    from spacemimo.board.selftest import Check, run_selftest

    board = await start_board(dut, stall=float(os.environ.get("SM_STALL", "0")))

    def body() -> Any:
        accel = drv.AccelDriver(board, timeout_s=TIMEOUT_S)
        ip = Check("IP found", True, "simulated: rtl/spacemimo_accel.v is the top level (no "
                                     "overlay to search; on a board the IP is found by VLNV)")
        return run_selftest(accel, os.environ["SM_SELFTEST_VECTORS"],
                            f"SIMULATED: rtl/ in Verilator, SMALL {BITS}-bit build "
                            f"(spacemimo/hw/cosim.py), cocotbext-axi memory",
                            1e3 / PERIOD_NS, f"simulated time, {1e3 / PERIOD_NS:g} MHz clock",
                            repeats=int(os.environ.get("SM_SELFTEST_REPEATS", "5")),
                            ip_check=ip, extra_versions={"cocotb": cocotb.__version__})

    report = await on_driver(body)
    with open(os.environ["SM_SELFTEST_OUT"], "w") as f:
        json.dump(report.to_dict(), f)
    assert not board.stray, board.stray[:5]


def _flip_used_weight_row(dut: Any, bits: tuple[int, ...]) -> int:
    """XOR ``bits`` into the first used (non-zero) 72-bit row of lane bank 1's resident
    weight memory (rtl/README.md "SEU protection" names it); returns the row index."""
    from tb_accel import _int

    mem = dut.wbank[1].res.wmem
    for i in range(len(mem)):
        old = _int(mem[i])
        if old:
            mem[i].value = old ^ sum(1 << b for b in bits)
            return i
    raise AssertionError("wbank[1].res.wmem: no used row")


@cocotb.test(skip=os.environ.get("SM_SEU") is None)
async def test_driver_seu_recovery(dut: Any) -> None:
    """(A protected build, SM_SEU set.) The driver reads HW_PROTECT and the counters, clears
    them; an adjacent double flip deposited into a used weight row between two runs makes the
    next run end SEU_DETECTED (WEIGHTS_CORRUPTED): the driver reloads the program, reruns
    once, and the outputs are exact. With recovery off the same upset raises
    SeuDetectedError naming WEIGHTS_CORRUPTED."""
    board = await start_board(dut)
    log = dut._log
    prog = programs(BITS)["gsm"]
    state: dict[str, Any] = {}

    def first() -> tuple[drv.SeuProtection, drv.SeuCounters, int]:
        d = drv.AccelDriver(board, timeout_s=TIMEOUT_S)
        d.clear_seu()
        d.load(prog)
        exact_run(d, prog, 4, SEED, "before the upset", log)
        state["d"] = d
        return d.seu_protection, d.seu_counters(), d.scrub_period

    prot, seu, period = await on_driver(first)
    log.info("HW_PROTECT: %s; %s; SCRUB_PERIOD %d", prot.summary(), seu.summary(), period)
    assert prot.weights == "secded" and prot.ctrl == "parity" and prot.scrub
    assert not seu.flags() and seu.uncorrectable == 0 and period > 0
    row = _flip_used_weight_row(dut, (5, 6))

    def second() -> tuple[str | None, drv.SeuCounters]:
        d = state["d"]
        res = exact_run(d, prog, 4, SEED + 1, "after reload + rerun", log)
        return res.recovered, d.seu_counters()

    recovered, seu = await on_driver(second)
    log.info("row %d: recovered %s; %s", row, recovered, seu.summary())
    assert recovered == "reload+rerun" and seu.uncorrectable >= 1 and not seu.reload_needed
    _flip_used_weight_row(dut, (9, 10))

    def third() -> str:
        d = state["d"]
        d.seu_recovery = False
        err = expect(drv.SeuDetectedError, lambda: d.run(vectors(prog, 2, SEED)))
        return str(err)

    msg = await on_driver(third)
    assert "WEIGHTS_CORRUPTED" in msg, msg
    record({"test": "seu_recovery", "bits": BITS, "row": row, "recovered": recovered,
            "uncorrectable": seu.uncorrectable, "corrected": seu.corrected,
            "disabled": msg})
    assert not board.stray, board.stray[:5]
