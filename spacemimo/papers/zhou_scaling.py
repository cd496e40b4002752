"""Zhou et al. 000 Figs 11-12 (``spacemimo eval zhou_fig11 zhou_fig12``): EE vs the number of
satellite antennas Nt and vs the number of users K, for the six methods of sec. V.

The learned nets are the ones ``zhou_ee`` scores (``evaluate._zhou_nets``: trained once on the
preset's 8x8 UPA, K=10, over P_max ~ U[20, 50] dBm) and run zero-shot at every other size, as
the paper does for Fig. 12 ("trained at Nt = 64 ... zero-shot deployment across varying user
scales"). The edge GNN and the GNN deep unfolding are size-agnostic; IAIDNN's X, Y, Z are fixed
Nt×Nt matrices, so it has no value away from the Nt it was built for ('–' in the tables,
``fixed_num_tx``). Every EE is scored on the true instantaneous channel at Table I's
P_max (40 dBm), exactly as ``zhou_ee`` scores one point of its P_max sweep
(``evaluate._zhou_point_ee``). The paper's text gives no antenna or user counts for these
figures; the sweeps below are our choice and the table titles say so.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from torch import nn
from tqdm import tqdm

from spacemimo.ground.results import plot_lines, write_table
from spacemimo.model.presets import load_preset, sample_preset
from spacemimo.model.train import derive_seed
from spacemimo.model.zhou_gnn import LinearUnfoldedInverse
from spacemimo.papers.tasks import (
    ZHOU_BUDGET_S,
    ZHOU_NETS,
    ZHOU_PRESET,
    _set_threads,
    _zhou_methods,
    _zhou_nets,
    _zhou_point_ee,
)

# Square UPA sides for Fig. 11 (Nt = 16, 36, 64, 100, 144) around Table I's 8x8, at K = 10.
FIG11_UPA_SIDES: tuple[int, ...] = (4, 6, 8, 10, 12)
# User counts for Fig. 12 at Table I's 8x8 UPA (Nt = 64), around the training K = 10.
FIG12_USERS: tuple[int, ...] = (2, 4, 6, 8, 10, 12, 14, 16)
# 100 test channels per point keeps the slowest point (12x12: two Dinkelbach-WMMSE runs at
# Nt = 144) near 1.5 min on one core; zhou_ee uses 200 per point, the paper 1000.
SCALING_TEST_SAMPLES = 100
QUICK_TEST_SAMPLES = 8
QUICK_UPA_SIDES: tuple[int, ...] = (4, 8)
QUICK_USERS: tuple[int, ...] = (4, 10)
PAPER_FIG11 = ("all methods rise with Nt; RZF/MMSE (instantaneous CSI) above the "
               "statistical-CSI methods; WMMSE best, GNN deep unfolding close to it, "
               "end-to-end GNN lower")
PAPER_FIG12 = ("all methods rise with K; RZF/MMSE (instantaneous CSI) above the rest; WMMSE "
               "best, GNN deep unfolding near-optimal, end-to-end GNN marginally lower")


def fixed_num_tx(net: nn.Module) -> int | None:
    """The one Nt a net can run at (IAIDNN's trainable Nt×Nt X, Y, Z; run elsewhere, its
    inverse raises ValueError naming both sizes), or None when any Nt works (edge GNN,
    Taylor-GNN unfolding: their weights are shared across antennas, any K for all three)."""
    return next((m.num_tx for m in net.modules() if isinstance(m, LinearUnfoldedInverse)), None)


def _scaling_rows(out_dir: Path, seed: int, quick: bool, checkpoint: Path | None,
                  progress: bool, task: str, points: Sequence[tuple[int, int, int]],
                  n_test: int) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Score the six methods (+ the instantaneous-CSI Dinkelbach-WMMSE reference) at each
    (nx, ny, K) point on ``n_test`` fresh channels: (rows, method columns, config).

    Every point draws with the same seed, so a sweep shares the UTs' positions and fading
    where the sizes allow (common random numbers: the curves' differences are not noise).
    """
    if not points:
        raise ValueError(f"{task}: need at least one (nx, ny, K) sweep point")
    _set_threads()
    preset = load_preset(ZHOU_PRESET)
    bandwidth = float(preset["config"]["bandwidth_hz"])
    p_dbm = float(preset["config"]["p_max_dbm"])
    nets, exps = _zhou_nets(out_dir, seed, quick, checkpoint, progress)
    test_seed = derive_seed(seed, f"{task}-test")
    rows: list[dict[str, Any]] = []
    for nx, ny, K in tqdm(points, desc=task, unit="point", disable=not progress):
        t0 = time.perf_counter()
        batch = sample_preset(ZHOU_PRESET, n_test, seed=test_seed, nx=nx, ny=ny, num_users=K)
        # RZF as in zhou_ee: α = Kσ²/P at Table I's P_max, which is this P (so RZF = MMSE).
        classical = _zhou_methods(bandwidth, K * batch.noise_power / batch.p_max)
        # a fixed-size net has no zero-shot value at another Nt: NaN, '–' in the table
        fits = {n: net for n, net in nets.items() if fixed_num_tx(net) in (None, batch.num_tx)}
        ee = _zhou_point_ee(batch, {**fits, **classical}, bandwidth)
        methods = [*nets, *classical]
        row: dict[str, Any] = {"upa": f"{nx}x{ny}", "num_tx": nx * ny, "num_users": K,
                               **{m: ee.get(m, float("nan")) for m in methods}}
        row["unfolded_vs_dinkelbach_pct"] = 100 * row["zhou_unfolded"] / row["dinkelbach-wmmse"]
        row["test_samples"] = n_test
        row["wall_s"] = round(time.perf_counter() - t0, 2)  # JSON only
        rows.append(row)
    not_applicable = {name: f"Nt={fixed_num_tx(net)} only" for name, net in nets.items()
                      if fixed_num_tx(net) is not None}
    config = {"task": task, "quick": quick, "preset": ZHOU_PRESET, "p_max_dbm": p_dbm,
              "points": [list(p) for p in points], "test_samples": n_test,
              "test_seed": test_seed, "experiments": exps,
              "train_budget_s": None if quick else ZHOU_BUDGET_S,
              "fixed_size_nets": not_applicable,
              "wall_s": round(sum(r["wall_s"] for r in rows), 1)}
    return rows, methods, config


def _write(out_dir: Path, task: str, rows: list[dict[str, Any]], methods: list[str],
           config: dict[str, Any], seed: int, x: str, x_label: str, title: str,
           plot_title: str) -> dict[str, Path]:
    columns = ["upa", "num_tx", "num_users", *methods, "unfolded_vs_dinkelbach_pct",
               "test_samples"]
    paths = write_table(Path(out_dir), task, rows, config=config, seed=seed, title=title,
                        columns=columns)
    xs = [r[x] for r in rows]
    series = {ZHOU_NETS.get(m, m): (xs, [r[m] for r in rows]) for m in methods}
    paths["png"] = plot_lines(Path(out_dir) / f"{task}.png", x_label, "EE (Mbit/J)", series,
                              title=plot_title)
    return paths


def eval_zhou_fig11(out_dir: Path, seed: int = 0, quick: bool = False,
                    checkpoint: Path | None = None, progress: bool = True,
                    upa_sides: Sequence[int] | None = None) -> dict[str, Path]:
    """000 Fig. 11: mean EE (Mbit/J) vs Nt over square UPAs (``upa_sides``, default 4x4 ..
    12x12) at Table I's K and P_max, nets trained at 8x8 and run zero-shot.
    ``checkpoint`` replaces the unfolded net (as in ``zhou_ee``)."""
    preset = load_preset(ZHOU_PRESET)
    K = int(preset["config"]["num_users"])
    sides = list(upa_sides if upa_sides is not None
                 else QUICK_UPA_SIDES if quick else FIG11_UPA_SIDES)
    n_test = QUICK_TEST_SAMPLES if quick else SCALING_TEST_SAMPLES
    rows, methods, config = _scaling_rows(out_dir, seed, quick, checkpoint, progress,
                                          "zhou_fig11", [(s, s, K) for s in sides], n_test)
    title = (f"000 Fig. 11: EE vs number of antennas (square UPAs {sides[0]}x{sides[0]}.."
             f"{sides[-1]}x{sides[-1]}, K={K}, P_max={config['p_max_dbm']:g} dBm, 20 MHz; mean "
             f"EE in Mbit/J on the true channel, {n_test} test channels per point). The paper "
             "gives no antenna counts: sweep chosen here. Nets trained once at 8x8, K=10, run "
             "zero-shot at every Nt; iaidnn '–': fixed 64x64 X, Y, Z, no value at other Nt. "
             f"Paper (figure only): {PAPER_FIG11}. rzf α = Kσ²/P equals MMSE's at this P, so "
             "the columns coincide; dinkelbach-wmmse-inst: the same algorithm on "
             "instantaneous CSI (reference)")
    return _write(out_dir, "zhou_fig11", rows, methods, config, seed, "num_tx",
                  "number of antennas Nt", title,
                  f"000 Fig. 11 reproduction (K={K}, {config['p_max_dbm']:g} dBm)")


def eval_zhou_fig12(out_dir: Path, seed: int = 0, quick: bool = False,
                    checkpoint: Path | None = None, progress: bool = True,
                    users: Sequence[int] | None = None) -> dict[str, Path]:
    """000 Fig. 12: mean EE (Mbit/J) vs K (``users``, default 2..16) at Table I's 8x8 UPA
    (Nt = 64) and P_max, nets trained at K=10 and run zero-shot at every other K.
    ``checkpoint`` replaces the unfolded net (as in ``zhou_ee``)."""
    preset = load_preset(ZHOU_PRESET)
    nx, ny = int(preset["config"]["nx"]), int(preset["config"]["ny"])
    ks = list(users if users is not None else QUICK_USERS if quick else FIG12_USERS)
    n_test = QUICK_TEST_SAMPLES if quick else SCALING_TEST_SAMPLES
    rows, methods, config = _scaling_rows(out_dir, seed, quick, checkpoint, progress,
                                          "zhou_fig12", [(nx, ny, k) for k in ks], n_test)
    title = (f"000 Fig. 12: EE vs number of users (K={ks[0]}..{ks[-1]}, {nx}x{ny} UPA, "
             f"P_max={config['p_max_dbm']:g} dBm, 20 MHz; mean EE in Mbit/J on the true "
             f"channel, {n_test} test channels per point). The paper gives no user counts: "
             "sweep chosen here. Nets trained once at Nt=64, K=10, run zero-shot at every K "
             f"(as in the paper). Paper (figure only): {PAPER_FIG12}. rzf α = Kσ²/P equals "
             "MMSE's at this P, so the columns coincide; dinkelbach-wmmse-inst: the same "
             "algorithm on instantaneous CSI (reference)")
    return _write(out_dir, "zhou_fig12", rows, methods, config, seed, "num_users",
                  "number of users K", title,
                  f"000 Fig. 12 reproduction ({nx}x{ny} UPA, {config['p_max_dbm']:g} dBm)")
