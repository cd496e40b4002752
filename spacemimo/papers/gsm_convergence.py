"""GSM 002 Fig. 6 (``spacemimo eval gsm_fig6``): how the multi-GNN trains.

Fig. 6(a) shows the convergence "under different settings" (the symbols are lost in our copy
of the paper), 6(b) the training-set against the test-set result; the text: training
"converges very quickly, stabilizing within 50 iterations, although it continues to grow
very slowly afterward", and "the testing and training results are very close".

(a) is read off the training histories the other GSM tasks already produce (no extra training
where they ran first): GNN-Local (``gsm_local``, S = 4, the net of Figs 7-8) and GNN-Global
for every S of Fig. 9 (the "settings"), each scored every ``eval_every`` steps on its fixed
validation set at the scenario's default power. (b) scores each final net on the very
training batches it saw last (the trainer's batches are a deterministic function of seed and
step, ``train.BatchSource``) and on as many held-out batches, each drawn at its training
twin's power with other channels: the paper's 2,000 test samples against 2,000 training ones.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from spacemimo.ground.results import plot_lines, write_table
from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.checkpoint import load_checkpoint
from spacemimo.model.train import BatchSource, Experiment
from spacemimo.papers.tasks import (
    GSM_FIG9_SATS,
    _append_md,
    _gsm_local_net,
    _set_threads,
    gsm_global_dir,
    gsm_global_experiment,
    train_or_load,
)

PAPER_FIG6 = ("converges very quickly, stabilizing within 50 iterations, then grows very "
              "slowly; testing and training results very close")
SETTLED = 0.95  # "stabilized": the first evaluation at >= 95 % of the run's best validation WSR
FIG6B_SAMPLES = 2000  # the paper's test set; as many of the last training samples
QUICK_FIG6B_SAMPLES = 16


def training_history(checkpoint: Path) -> list[dict[str, Any]]:
    """The evaluation rows of the run that wrote ``checkpoint``: from ``last.pt`` beside it
    when there is one (the whole run), else from the checkpoint itself (up to its step)."""
    last = checkpoint.with_name("last.pt")
    ck = load_checkpoint(last if last.is_file() else checkpoint)
    history = ck.extra.get("train_state", {}).get("history", [])
    if not history:
        raise ValueError(f"{checkpoint} carries no training history (not written by "
                         "spacemimo train?)")
    return history


def convergence_summary(curve: str, history: list[dict[str, Any]]) -> dict[str, Any]:
    """One curve of (a): best / final validation WSR and the first step at SETTLED of the
    best."""
    val = [r["val_sum_rate"] for r in history]
    settled = next(r for r in history if r["val_sum_rate"] >= SETTLED * max(val))
    return {"curve": curve, "steps": history[-1]["step"], "samples": history[-1]["samples"],
            "best_val_wsr": max(val), "final_val_wsr": val[-1],
            "steps_to_95pct": settled["step"], "paper": PAPER_FIG6}


@torch.no_grad()
def train_vs_test(checkpoint: Path, samples: int = FIG6B_SAMPLES
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(b) for one trained net: its mean WSR on the last ``samples`` training samples before
    the checkpoint's step (regenerated exactly) and on as many held-out ones, each held-out
    batch drawn at its training twin's settings (the step's ``vary`` draw, e.g. its power:
    the WSR spans 2-16 bit/s/Hz over the trained power range), the gap in %; and the same per
    batch pair (step, power in dBW, train, test)."""
    ck = load_checkpoint(checkpoint)
    exp = Experiment.from_dict(ck.extra["experiment"])
    if exp.train.train_samples:
        raise ValueError(f"{checkpoint}: trained on a fixed pool, not fresh batches")
    world = int(ck.extra.get("world_size", 1))
    if exp.train.shards is None and world > 1:  # a torchrun run: its batch was `world` shards
        exp = exp.with_train(shards=world)
    seen, held = BatchSource(exp), BatchSource(exp, sample_tag="gsm-fig6-held-out")
    n = max(1, math.ceil(samples / exp.train.batch_size))
    net = ck.net.eval()

    def rate(b: ChannelBatch) -> float:
        return obj.sum_rate(b.H, net(b), b.noise_power).double().mean().item()

    pairs = []
    for step in range(max(ck.step - n, 0), ck.step):
        b = seen(step)
        pairs.append({"step": step, "p_max_dbw": 10 * math.log10(b.p_max),
                      "train_wsr": rate(b), "test_wsr": rate(held(step))})
    train = sum(r["train_wsr"] for r in pairs) / len(pairs)
    test = sum(r["test_wsr"] for r in pairs) / len(pairs)
    return ({"train_wsr": train, "test_wsr": test, "gap_pct": 100 * (train - test) / test,
             "samples_each": len(pairs) * exp.train.batch_size, "at_step": ck.step}, pairs)


def eval_gsm_fig6(out_dir: Path, seed: int = 0, quick: bool = False,
                  checkpoint: Path | None = None, progress: bool = True,
                  global_sats: tuple[int, ...] | None = None) -> dict[str, Path]:
    """002 Fig. 6 (module doc): ``gsm_fig6.{md,csv,json}`` (one row per net: (a)'s
    convergence figures and (b)'s training vs test WSR), ``gsm_fig6_curves.*`` (every
    evaluation), ``gsm_fig6a.png`` (validation WSR vs step, every setting) and
    ``gsm_fig6b.{png,md,csv,json}`` (each final net on each of its last training batches
    and on the batch's held-out twin; the plot: GNN-Local over the batches' powers)."""
    _set_threads()
    out_dir = Path(out_dir)
    _, source = _gsm_local_net(out_dir, seed, quick, checkpoint, progress)
    nets = {"gnn-local S=4": Path(checkpoint or out_dir / "checkpoints" / "gsm_local" / "best.pt")}
    for S in global_sats if global_sats is not None else ((2,) if quick else GSM_FIG9_SATS):
        train_or_load(gsm_global_experiment(S, seed, quick), gsm_global_dir(out_dir, S),
                      progress)
        nets[f"gnn-global S={S}"] = gsm_global_dir(out_dir, S) / "best.pt"
    curves = {name: training_history(ck) for name, ck in nets.items()}
    samples = QUICK_FIG6B_SAMPLES if quick else FIG6B_SAMPLES
    rows, twins = [], []
    for name, ck in nets.items():
        summary, pairs = train_vs_test(ck, samples)
        rows.append({**convergence_summary(name, curves[name]), **summary})
        twins += [{"curve": name, **r} for r in pairs]
    points = [{"curve": name, "step": r["step"], "epoch": r["epoch"], "samples": r["samples"],
               "train_wsr": -r["train_loss"], "val_wsr": r["val_sum_rate"]}
              for name, h in curves.items() for r in h]
    config = {"task": "gsm_fig6", "quick": quick, "gnn_local": source,
              "fig6b_samples": samples}
    cols = ["curve", "steps", "samples", "best_val_wsr", "final_val_wsr", "steps_to_95pct",
            "at_step", "train_wsr", "test_wsr", "gap_pct", "samples_each", "paper"]
    paths = write_table(
        out_dir, "gsm_fig6", rows, config=config, seed=seed, columns=cols,
        title="002 Fig. 6: convergence of the multi-GNN (sum rate, bit/s/Hz). (a) val: the "
              "fixed validation set at the scenario's default power, every evaluation of the "
              f"run; steps_to_95pct: first evaluation at >= {SETTLED:.0%} of the best. (b) the "
              "net of `at_step` on its own last training samples (regenerated) vs as many "
              "held-out samples, each batch at its training twin's power; gap = "
              "(train - test) / test. GNN-Local (S = 4) of gsm_fig7/8, GNN-Global per S of "
              "gsm_fig9; `paper`: the paper's statement (figure only)")
    curves_paths = write_table(out_dir, "gsm_fig6_curves", points, config=config, seed=seed,
                               title="002 Fig. 6: every evaluation of every run (train_wsr: "
                                     "mean over the training batches since the previous "
                                     "evaluation, at the trained power range; val_wsr: "
                                     "validation set at the default power)")
    _append_md(paths["md"], curves_paths["md"])
    paths["curves_csv"] = curves_paths["csv"]
    paths["png_a"] = plot_lines(
        out_dir / "gsm_fig6a.png", "training step", "validation WSR (bit/s/Hz)",
        {name: ([r["step"] for r in h], [r["val_sum_rate"] for r in h])
         for name, h in curves.items()},
        title="002 Fig. 6(a) reproduction: convergence per setting")
    local = sorted((r for r in twins if r["curve"] == "gnn-local S=4"),
                   key=lambda r: r["p_max_dbw"])
    powers = [r["p_max_dbw"] for r in local]
    paths["png_b"] = plot_lines(
        out_dir / "gsm_fig6b.png", "per-satellite power of the batch (dBW)", "WSR (bit/s/Hz)",
        {"training batches (the net's last ones)": (powers, [r["train_wsr"] for r in local]),
         "held-out twins (same power)": (powers, [r["test_wsr"] for r in local])},
        title="002 Fig. 6(b) reproduction: GNN-Local, training vs testing")
    twins_paths = write_table(out_dir, "gsm_fig6b", twins, config=config, seed=seed,
                              title="002 Fig. 6(b): each final net on each of its last training "
                                    "batches and on that batch's held-out twin (same power, "
                                    "other channels)")
    _append_md(paths["md"], twins_paths["md"])
    paths["twins_csv"] = twins_paths["csv"]
    return paths
