"""000 Zhou et al., "GNN-enabled Precoding for Massive MIMO LEO Satellite Communications":
energy efficiency, Figs 7 and 10-13 (``spacemimo eval zhou_ee zhou_fig11 zhou_fig12``), the
paper's statements beside our numbers (``figures/000_zhou.yaml``; its results are figures).

- ``zhou_ee``: EE vs P_max for the edge GNN, the GNN deep-unfolded Dinkelbach-WMMSE, IAIDNN,
  RZF, MMSE and Dinkelbach-WMMSE (8x8 UPA, K=10); the EE histogram (Fig. 10) and robustness
  to CSI error (Fig. 13).
- ``zhou_fig11`` / ``zhou_fig12``: EE vs the number of satellite antennas Nt and vs the
  number of users K, for the six methods of sec. V.

In Figs 11-12 the learned nets are the ones ``zhou_ee`` scores (``_zhou_nets``: trained
once on the preset's 8x8 UPA, K=10, over P_max ~ U[20, 50] dBm) and run zero-shot at every
other size, as the paper does for Fig. 12 ("trained at Nt = 64 ... zero-shot deployment across
varying user scales"). The edge GNN and the GNN deep unfolding are size-agnostic; IAIDNN's
X, Y, Z are fixed Nt×Nt matrices, so it has no value away from the Nt it was built for ('–'
in the tables, ``fixed_num_tx``). Every EE is scored on the true instantaneous channel at Table I's
P_max (40 dBm), exactly as ``zhou_ee`` scores one point of its P_max sweep
(``_zhou_point_ee``). The paper's text gives no antenna or user counts for these
figures; the sweeps below are our choice and the table titles say so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from spacemimo.ground.results import new_figure, plot_lines, save_figure, write_table
from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.checkpoint import plain
from spacemimo.model.presets import load_preset, sample_preset
from spacemimo.model.train import Experiment, derive_seed, load_experiment
from spacemimo.model.zhou_gnn import LinearUnfoldedInverse
from spacemimo.papers import published
from spacemimo.papers.reference import set_threads
from spacemimo.papers.report import append_md
from spacemimo.papers.training import resolve_net

ZHOU_PRESET = "zhou_upa8x8_k10"
# Fig. 10 (1000 test channels at Table I's P_max): where each learned net's EE histogram
# sits, Mbit/J (text of sec. V; the figure has no table); and the unfolded net's peak bin
PAPER_ZHOU_HIST: dict[str, str] = published.table("000", "fig10_hist")
PAPER_UNFOLDED_PEAK: dict[str, Any] = published.entry("000", "fig10_unfolded_peak")
ZHOU_NETS: dict[str, str] = {"zhou_edge_gnn": "end-to-end GNN (Alg. 1)",
                             "zhou_unfolded": "GNN deep unfolding (Alg. 2)",
                             "iaidnn": "linear deep unfolding (IAIDNN)"}
# Full-run training budgets on 2 shared CPU cores (s of training time per net); the net is
# the best validation checkpoint within the budget. The unfolded nets start from a working
# WMMSE (Newton-Schulz / Jacobi inverse init), the edge GNN from scratch.
ZHOU_BUDGET_S: dict[str, float] = {"zhou_edge_gnn": 180.0, "zhou_unfolded": 150.0,
                                   "iaidnn": 120.0}


def _zhou_experiment(name: str, seed: int, quick: bool) -> Experiment:
    """The experiment for one Zhou net, trained over P_max ~ U[20, 50] dBm so one net serves
    the whole EE-vs-P_max sweep (the nets see P through their input scaling / power step)."""
    from dataclasses import replace

    exp = load_experiment(name, seed=seed)
    exp = replace(exp, vary={"p_max_dbm": {"uniform": [20.0, 50.0]}})
    if quick:
        return exp.with_train(steps=4, batch_size=8, eval_every=4, eval_samples=8)
    return exp.with_train(steps=100_000, time_limit_s=ZHOU_BUDGET_S[name],
                          eval_every=25, eval_samples=100)


def _ee_mbit(batch: ChannelBatch, W: torch.Tensor, bandwidth: float) -> torch.Tensor:
    """Per-sample EE (Mbit/J) of W on the *true* instantaneous channel batch.H: the EE a
    precoder designed from statistical or erroneous CSI actually achieves."""
    rate = obj.sum_rate(batch.H, W, batch.noise_power).double()
    pm = obj.ZhouPowerModel(num_tx=batch.num_tx)
    return obj.energy_efficiency(rate, pm.consumed(W).double(), bandwidth) / 1e6


@torch.no_grad()
def _net_precode(net: nn.Module, batch: ChannelBatch, chunk: int = 200) -> torch.Tensor:
    """W of ``net`` on ``batch`` in chunks (the edge GNN holds Nt·K·hidden per sample)."""
    from spacemimo.model.train import index_batch

    net.eval()
    parts = [net(index_batch(batch, torch.arange(i, min(i + chunk, batch.batch_size))))
             for i in range(0, batch.batch_size, chunk)]
    return torch.cat(parts)


def _zhou_methods(bandwidth: float, rzf_alpha: float
                  ) -> dict[str, Callable[[ChannelBatch], torch.Tensor]]:
    """The classical comparison set of 000 sec. V: RZF and MMSE on instantaneous CSI,
    Dinkelbach-WMMSE on statistical CSI (the paper's), and Dinkelbach-WMMSE on instantaneous
    CSI as the un-learned upper reference."""
    from spacemimo.model.baselines import mmse, rzf
    from spacemimo.model.energy_efficiency import dinkelbach_wmmse

    def dink(csi: str) -> Callable[[ChannelBatch], torch.Tensor]:
        return lambda b: dinkelbach_wmmse(b, bandwidth_hz=bandwidth, csi=csi).W

    return {"rzf": lambda b: rzf(b.H, b.p_max, b.noise_power, alpha=rzf_alpha),
            "mmse": lambda b: mmse(b.H, b.p_max, b.noise_power),
            "dinkelbach-wmmse": dink("statistical"),
            "dinkelbach-wmmse-inst": dink("instantaneous")}


def _zhou_nets(out_dir: Path, seed: int, quick: bool, checkpoint: Path | None, progress: bool
               ) -> tuple[dict[str, nn.Module], dict[str, Any]]:
    """The three learned Zhou nets (reused from, or trained into, ``out_dir/checkpoints/<name>``)
    and their experiments; ``checkpoint`` replaces the unfolded net. Shared by every Zhou task
    so all of them score the same trained nets."""
    nets: dict[str, nn.Module] = {}
    exps: dict[str, Any] = {}
    for name in ZHOU_NETS:
        exp = _zhou_experiment(name, seed, quick)
        exps[name] = plain(exp.to_dict())
        nets[name] = resolve_net(exp, Path(out_dir) / "checkpoints" / name,
                                 checkpoint if name == "zhou_unfolded" else None, progress)
    return nets, exps


def _zhou_point_ee(batch: ChannelBatch,
                   methods: dict[str, nn.Module | Callable[[ChannelBatch], torch.Tensor]],
                   bandwidth: float) -> dict[str, float]:
    """Mean EE (Mbit/J, on the true channel) of each method at one sweep point, in the order
    given: nets run chunked (``_net_precode``), classical precoders are called on the batch."""
    return {name: _ee_mbit(batch, _net_precode(fn, batch) if isinstance(fn, nn.Module)
                           else fn(batch), bandwidth).mean().item()
            for name, fn in methods.items()}


def eval_zhou_ee(out_dir: Path, seed: int = 0, quick: bool = False,
                 checkpoint: Path | None = None, progress: bool = True) -> dict[str, Path]:
    """000 (Zhou et al.): EE vs P_max (Fig. 7 setting, 8x8 UPA, K=10), the EE histogram at
    Table I's P_max (Fig. 10) and robustness to CSI error (Fig. 13), for the end-to-end edge
    GNN, the GNN deep-unfolded Dinkelbach-WMMSE, IAIDNN, RZF, MMSE and Dinkelbach-WMMSE.

    Every EE is measured on the true instantaneous channel (Mbit/J, power model eqs (5)-(6),
    20 MHz); the learned nets and the paper's Dinkelbach-WMMSE design from statistical CSI
    (√γ_k v_k), RZF/MMSE from instantaneous CSI. ``checkpoint`` replaces the unfolded net."""
    import numpy as np

    from spacemimo.model.channels import with_csi_error

    set_threads()
    out_dir = Path(out_dir)
    preset = load_preset(ZHOU_PRESET)
    bandwidth = float(preset["config"]["bandwidth_hz"])
    p_ref_dbm = float(preset["config"]["p_max_dbm"])
    nets, exps = _zhou_nets(out_dir, seed, quick, checkpoint, progress)
    n_test = 8 if quick else 200
    base = sample_preset(ZHOU_PRESET, n_test, seed=derive_seed(seed, "zhou-ee-test"))
    # RZF with its regulariser fixed at Table I's P_max (α = Kσ²/P_ref); MMSE tracks P.
    rzf_alpha = base.num_users * base.noise_power / 10 ** (p_ref_dbm / 10 - 3)
    classical = _zhou_methods(bandwidth, rzf_alpha)
    powers = [30.0, 40.0] if quick else [float(v) for v in preset["sweep"]["values"]]

    # ---- EE vs P_max
    rows: list[dict[str, Any]] = []
    for p_dbm in powers:
        batch = base.with_power(10 ** (p_dbm / 10 - 3))
        row: dict[str, Any] = {"p_max_dbm": p_dbm,
                               **_zhou_point_ee(batch, {**nets, **classical}, bandwidth)}
        row["unfolded_vs_dinkelbach_pct"] = 100 * row["zhou_unfolded"] / row["dinkelbach-wmmse"]
        row["test_samples"] = n_test
        rows.append(row)
    methods = [*ZHOU_NETS, *classical]
    title = ("000 EE vs P_max (8x8 UPA, K=10, 20 MHz; mean EE in Mbit/J on the true channel). "
             f"Paper (Figs 7, 11, 12; no table): {published.text('000', 'ee_vs_pmax')}. "
             "rzf: α fixed at Kσ²/P(40 dBm); "
             "dinkelbach-wmmse-inst: the same algorithm on instantaneous CSI (reference)")
    config = {"task": "zhou_ee", "quick": quick, "preset": ZHOU_PRESET, "experiments": exps,
              "train_budget_s": None if quick else ZHOU_BUDGET_S, "rzf_alpha": rzf_alpha}
    paths = write_table(out_dir, "zhou_ee", rows, config=config, seed=seed, title=title,
                        columns=["p_max_dbm", *methods, "unfolded_vs_dinkelbach_pct",
                                 "test_samples"])
    series = {m: (powers, [r[m] for r in rows]) for m in methods}
    paths["png"] = plot_lines(out_dir / "zhou_ee.png", "P_max (dBm)", "EE (Mbit/J)", series,
                              title="000 EE vs P_max reproduction (8x8 UPA, K=10)")

    # ---- histogram at Table I's P_max (Fig. 10: 1000 test channels)
    hist_batch = sample_preset(ZHOU_PRESET, 48 if quick else 1000,
                               seed=derive_seed(seed, "zhou-hist-test"))
    ee = {name: _ee_mbit(hist_batch, _net_precode(net, hist_batch), bandwidth).numpy()
          for name, net in nets.items()}
    edges = np.arange(0.0, max(2.0, max(v.max() for v in ee.values())) + 0.1, 0.1)
    hist_rows = []
    for name, values in ee.items():
        counts, _ = np.histogram(values, bins=edges)
        i = int(counts.argmax())
        hist_rows.append({"net": name, "label": ZHOU_NETS[name], "mean": float(values.mean()),
                          "median": float(np.median(values)),
                          "peak_bin": f"{edges[i]:.1f}-{edges[i + 1]:.1f}",
                          "paper_mbit_per_j": PAPER_ZHOU_HIST[name],
                          "samples": len(values)})
    hist_paths = write_table(out_dir, "zhou_ee_hist", hist_rows, config={
        **config, "p_max_dbm": p_ref_dbm, "bin_mbit_per_j": 0.1}, seed=seed,
        title=f"000 Fig. 10: EE histogram at P_max = {p_ref_dbm:g} dBm (Mbit/J, 0.1-wide bins)")
    paths["hist_md"] = hist_paths["md"]
    paths["hist_png"] = _plot_hist(out_dir / "zhou_ee_hist.png", ee, edges,
                                   f"000 Fig. 10 reproduction: EE at {p_ref_dbm:g} dBm")

    # ---- robustness to CSI error (Fig. 13), at Table I's P_max
    errors = [-30.0, -10.0] if quick else [-30.0, -20.0, -10.0, -5.0, 0.0]
    csi_base = sample_preset(ZHOU_PRESET, 8 if quick else 100,
                             seed=derive_seed(seed, "zhou-csi-test"))
    robust = {**nets, "mmse": classical["mmse"], "dinkelbach-wmmse": classical["dinkelbach-wmmse"]}
    csi_rows = []
    for err in errors:
        est = with_csi_error(csi_base, err, seed=derive_seed(seed, "zhou-csi-error", err))
        row = {"csi_error_db": err}
        for name, fn in robust.items():
            W = _net_precode(fn, est) if isinstance(fn, nn.Module) else fn(est)
            row[name] = _ee_mbit(csi_base, W, bandwidth).mean().item()  # scored on the truth
        csi_rows.append(row)
    csi_paths = write_table(out_dir, "zhou_ee_csi", csi_rows, config={
        **config, "p_max_dbm": p_ref_dbm}, seed=seed,
        title=("000 Fig. 13: EE (Mbit/J) vs CSI error (NMSE in dB, `channels.with_csi_error`; "
               "designed on the estimate, scored on the true channel), K=10 (paper: K=9). "
               f"Paper: {published.text('000', 'fig13')}"))
    paths["csi_md"] = csi_paths["md"]
    paths["csi_png"] = plot_lines(
        out_dir / "zhou_ee_csi.png", "CSI error (dB)", "EE (Mbit/J)",
        {m: (errors, [r[m] for r in csi_rows]) for m in robust},
        title="000 Fig. 13 reproduction (P_max 40 dBm)")
    append_md(paths["md"], hist_paths["md"], csi_paths["md"])
    return paths


def _plot_hist(path: Path, values: dict[str, Any], edges: Any, title: str) -> Path:
    """Grouped EE histograms, one colour per net (000 Fig. 10 style)."""
    fig, ax = new_figure()
    colors = {"zhou_unfolded": "tab:red", "zhou_edge_gnn": "tab:gray", "iaidnn": "tab:blue"}
    names = list(values)
    ax.hist([values[n] for n in names], bins=edges, label=[ZHOU_NETS.get(n, n) for n in names],
            color=[colors.get(n, "tab:green") for n in names])  # grouped bars, as in Fig. 10
    low, high = PAPER_UNFOLDED_PEAK["low"], PAPER_UNFOLDED_PEAK["high"]
    ax.axvspan(low, high, color="gold", alpha=0.25, label=f"paper peak (unfolded) {low:g}-{high:g}")
    ax.set_xlabel("EE (Mbit/J)")
    ax.set_ylabel("test channels")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


# --------------------------------------------------------------------------- Figs 11, 12

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
PAPER_FIG11 = published.text("000", "fig11")
PAPER_FIG12 = published.text("000", "fig12")


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
    set_threads()
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
