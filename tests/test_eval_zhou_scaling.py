"""000 Figs 11-12 eval tasks (``zhou_fig11``, ``zhou_fig12``) on tiny quick sweeps."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from spacemimo import papers
from spacemimo.ground.results import read_table
from spacemimo.model.presets import sample_preset
from spacemimo.model.zhou_gnn import DeepUnfoldedWmmse, ZhouEdgeGnn, iaidnn
from spacemimo.papers import zhou

pytestmark = pytest.mark.usefixtures("one_torch_thread")

METHODS = ["zhou_edge_gnn", "zhou_unfolded", "iaidnn", "rzf", "mmse", "dinkelbach-wmmse",
           "dinkelbach-wmmse-inst"]


def _rows(path: Path) -> list[dict[str, Any]]:
    return read_table(path)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One output dir for both tasks, so the quick nets are trained once and then reused."""
    return tmp_path_factory.mktemp("zhou_scaling")


def test_registered() -> None:
    assert {"zhou_fig11", "zhou_fig12"} <= set(papers.TASKS)
    assert papers.TASKS["zhou_fig11"].__name__ == "eval_zhou_fig11"


def test_fig11_quick(out_dir: Path) -> None:
    paths = papers.TASKS["zhou_fig11"](out_dir=out_dir, quick=True, progress=False)
    rows = _rows(paths["json"])
    assert [k for k in rows[0] if k != "wall_s"] == [  # the JSON also keeps the row's time
        "upa", "num_tx", "num_users", *METHODS, "unfolded_vs_dinkelbach_pct", "test_samples"]
    assert [(r["upa"], int(r["num_tx"]), int(r["num_users"])) for r in rows] == \
        [("4x4", 16, 10), ("8x8", 64, 10)]
    for r in rows:
        ee = {m: float(r[m]) for m in METHODS if m != "iaidnn"}
        assert all(0.0 < v < 10.0 for v in ee.values()), ee  # finite Mbit/J
        # same algorithm, better CSI: the instantaneous reference beats its statistical twin
        assert ee["dinkelbach-wmmse-inst"] >= ee["dinkelbach-wmmse"]
    # IAIDNN's X, Y, Z are 64x64: no value at Nt=16, one at its own Nt
    assert math.isnan(float(rows[0]["iaidnn"])) and float(rows[1]["iaidnn"]) > 0
    # more antennas (array gain) outweigh their circuit power for the instantaneous-CSI ones
    for m in ("rzf", "mmse", "dinkelbach-wmmse-inst"):
        assert float(rows[1][m]) > 1.5 * float(rows[0][m]), m
    row_16 = next(ln for ln in paths["md"].read_text().splitlines() if ln.startswith("| 4x4"))
    assert "| – |" in row_16  # the missing IAIDNN value, not a number
    assert paths["png"].stat().st_size > 5_000


def test_fig12_quick(out_dir: Path) -> None:
    paths = papers.TASKS["zhou_fig12"](out_dir=out_dir, quick=True, progress=False)
    rows = _rows(paths["json"])
    assert [(r["upa"], int(r["num_users"])) for r in rows] == [("8x8", 4), ("8x8", 10)]
    for r in rows:
        ee = {m: float(r[m]) for m in METHODS}
        assert all(0.0 < v < 10.0 for v in ee.values()), ee  # every net runs at any K
        # Dinkelbach-WMMSE on instantaneous CSI starts from MMSE at full power, EE never drops
        assert ee["dinkelbach-wmmse-inst"] >= ee["mmse"] * (1 - 1e-6)
        assert ee["rzf"] == pytest.approx(ee["mmse"], rel=1e-5)  # α = Kσ²/P at this P
    assert float(rows[1]["mmse"]) > float(rows[0]["mmse"])  # more users: more sum rate
    assert paths["png"].stat().st_size > 5_000


def test_fixed_size_net_raises_elsewhere() -> None:
    batch = sample_preset(zhou.ZHOU_PRESET, 2, nx=4, ny=4)
    net = iaidnn(num_tx=64)
    assert zhou.fixed_num_tx(net) == 64
    assert zhou.fixed_num_tx(ZhouEdgeGnn()) is None
    assert zhou.fixed_num_tx(DeepUnfoldedWmmse()) is None
    with pytest.raises(ValueError, match="Nt=64, got 16"):
        net(batch)
    assert ZhouEdgeGnn()(batch).shape == (2, 16, 10)
    assert DeepUnfoldedWmmse()(batch).shape == (2, 16, 10)


def test_empty_sweep_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        zhou.eval_zhou_fig12(tmp_path, quick=True, progress=False, users=[])
