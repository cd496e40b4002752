"""The nets a paper task scores: trained once into ``<out>/checkpoints/<name>/`` and reused
while the experiment is unchanged (``train_or_load``), or given with ``--checkpoint``
(``resolve_net``); and the training guards the long runs share (``TRAIN_GUARDS``)."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from torch import nn

from spacemimo.model.checkpoint import load_checkpoint, plain
from spacemimo.model.train import Experiment, TrainConfig, train

# The long runs' guards (003 Table II's N = 64 rows, Table V, 002 Fig. 9). Why, from Table II
# at N = 64 (issue 4): Adam here ends in a ~1% SE-ratio basin it never leaves ((64, 16) 20 dB
# from scratch at step ~1040, (64, 32) 10/20 dB fine-tuning at steps ~270-500). Measured:
# no tiny X/||X|| norms (per-sample pre-activation norms >= 3 in layers 1-2, ~1e4 in layer 0),
# but the gradient norm, almost all of it on layer 0's q weights (whose Taylor-term part is
# ~0.02 in size, so a 0.01 Adam step is a large relative move), grows over 5-10 steps from
# ~100 to 2000-5000 as the net nears the optimum; the spike then inflates Adam's second moment
# so the steps out of the basin are tiny. Spike clipping and a warm-up alone still collapsed
# (lr 0.01), and so did lr 0.003 (later, at step ~430): the guard that holds is a rollback to
# the best weights and Adam state with half the lr whenever validation drops below 90% of the
# best; the warm-up keeps the warm starts' fresh Adam from wrecking them in the first steps.
TRAIN_GUARDS: dict[str, Any] = {"warmup_steps": 50, "grad_clip_rel": 2.0, "rollback_below": 0.9}


def train_or_load(exp: Experiment, ckpt_dir: Path, progress: bool = True) -> nn.Module:
    """The best checkpoint of ``exp`` under ``ckpt_dir``: reused when it was trained from the
    identical experiment, otherwise (re)trained now. A run of a different experiment found
    there is moved aside to ``<dir>.replaced-<UTC time>`` (with a message naming what
    differs), never overwritten: some of these nets cost tens of minutes of CPU."""
    best = ckpt_dir / "best.pt"
    if best.is_file():
        ck = load_checkpoint(best)
        saved = dict(ck.extra.get("experiment", {}))
        # train fields added since the checkpoint was written take their defaults
        saved["train"] = {**plain(asdict(TrainConfig())), **saved.get("train", {})}
        wanted = plain(exp.to_dict())
        if saved == wanted:
            return ck.net
        _move_aside(ckpt_dir, _experiment_diff(saved, wanted))
    train(exp, ckpt_dir, progress=progress)
    return load_checkpoint(best).net


def _experiment_diff(saved: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """``key: saved -> wanted`` for every differing field (train fields as ``train.<key>``)."""
    out = []
    for key in sorted(set(saved) | set(wanted)):
        a, b = saved.get(key), wanted.get(key)
        if key == "train" and isinstance(a, dict) and isinstance(b, dict):
            out += [f"train.{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b))
                    if a.get(k) != b.get(k)]
        elif a != b:
            out.append(f"{key}: {a!r} -> {b!r}")
    return out


def _move_aside(ckpt_dir: Path, diff: list[str]) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    dest = ckpt_dir.with_name(f"{ckpt_dir.name}.replaced-{stamp}")
    n = 1
    while dest.exists():
        dest, n = ckpt_dir.with_name(f"{ckpt_dir.name}.replaced-{stamp}-{n}"), n + 1
    ckpt_dir.rename(dest)
    shown = "; ".join(diff[:6]) + (f"; ... ({len(diff)} fields)" if len(diff) > 6 else "")
    print(f"spacemimo: {ckpt_dir} holds another experiment ({shown}); kept it as {dest} and "
          "training this one", file=sys.stderr)
    return dest


def resolve_net(exp: Experiment, ckpt_dir: Path, checkpoint: Path | None = None,
                progress: bool = True) -> nn.Module:
    """The net an eval task scores: the one in ``checkpoint`` when given (``--checkpoint``),
    else ``train_or_load(exp, ckpt_dir)``."""
    if checkpoint is not None:
        return load_checkpoint(checkpoint).net
    return train_or_load(exp, ckpt_dir, progress)
