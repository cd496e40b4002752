"""``spacemimo train``: unsupervised training of a GNN precoder from an experiment config.

The same entry point scales out: ``torchrun --nproc_per_node 2 -m spacemimo train --config ...``.
Heavy imports stay inside the handler so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg


def cmd_train(args: argparse.Namespace) -> int:
    """train a GNN precoder from an experiment config (DDP under torchrun)

    Unsupervised training (loss = -objective) of a GNN precoder. --config is a shipped
    experiment name (see --list) or a YAML path. Writes last.pt / best.pt checkpoints,
    history.{md,json,png} under --out. Run under `torchrun --nproc_per_node N -m spacemimo train
    ...` for DDP (gloo).
    """
    from spacemimo.model.train import DEFAULT_OUT, list_experiments, load_experiment, train

    if args.list:
        for name in list_experiments():
            print(f"{name}: {' '.join(load_experiment(name).description.split())}")
        return 0
    overrides: dict[str, Any] = {}
    if args.seed is not None:
        overrides["seed"] = args.seed
    for key in ("batch_size", "lr", "eval_every", "threads", "time_limit_s", "train_samples",
                "grad_clip", "grad_clip_rel", "warmup_steps"):
        value = getattr(args, key)
        if value is not None:
            overrides[f"train_{key}"] = value
    if args.steps is not None and args.epochs is not None:
        raise arg.CliError("--steps and --epochs both given; give one of them")
    if args.resume is not None and not (args.resume.is_file()
                                        or (args.resume / "last.pt").is_file()):
        raise arg.CliError(f"--resume {args.resume}: no checkpoint there; give a .pt file or a "
                           f"directory holding last.pt (a previous --out)")
    exp = load_experiment(args.config, **overrides)
    if args.steps is not None:
        exp = exp.with_train(steps=args.steps)
    if args.epochs is not None:
        exp = exp.with_train(steps=max(1, round(args.epochs * exp.train.steps_per_epoch)))
    out = arg.prepare_out_dir(args.out or DEFAULT_OUT / exp.name)
    result = train(exp, out, resume=args.resume, progress=not args.quiet)
    import os

    if int(os.environ.get("RANK", "0")) == 0:
        last = result.history[-1] if result.history else {}
        summary = ", ".join(f"{k}={v:.5g}" for k, v in last.items()
                            if k.startswith("val_") and isinstance(v, float))
        print(f"{exp.name}: {result.step} steps ({result.stop_reason}), "
              f"{result.train_time_s:.1f} s training; {summary}")
        print(f"checkpoints: {result.paths['last']}, {result.paths['best']}")
    return 0


def register(sub: Any) -> None:
    """``train``."""
    s = arg.add_command(sub, "train", cmd_train)
    s.add_argument("--config", default="modelgnn_n8_k4_se",
                   help="experiment name or YAML file (default modelgnn_n8_k4_se)")
    s.add_argument("--list", action="store_true", help="list the shipped experiments and exit")
    s.add_argument("--seed", type=int, default=None, help="override the experiment's seed")
    s.add_argument("--out", type=Path, default=None,
                   help="output directory (default results/train/<experiment name>)")
    s.add_argument("--resume", type=Path, default=None,
                   help="checkpoint (or directory with last.pt) to continue from")
    s.add_argument("--steps", type=arg.positive_int, default=None, help="total optimizer steps")
    s.add_argument("--epochs", type=arg.positive_float, default=None,
                   help="total epochs (samples_per_epoch / batch_size steps each)")
    s.add_argument("--batch-size", dest="batch_size", type=arg.positive_int, default=None)
    s.add_argument("--lr", type=arg.positive_float, default=None, help="initial learning rate")
    s.add_argument("--eval-every", dest="eval_every", type=arg.positive_int, default=None)
    s.add_argument("--train-samples", dest="train_samples", type=arg.positive_int, default=None,
                   help="finite training set size (003's N_tr) instead of fresh channels")
    s.add_argument("--threads", type=arg.positive_int, default=None,
                   help="torch threads per process (default from the config, 1)")
    s.add_argument("--time-limit", dest="time_limit_s", type=arg.positive_float, default=None,
                   help="stop after this many seconds of training")
    s.add_argument("--grad-clip", dest="grad_clip", type=arg.positive_float, default=None,
                   help="clip the gradient's global norm to this value")
    s.add_argument("--grad-clip-rel", dest="grad_clip_rel", type=arg.positive_float, default=None,
                   help="clip the gradient norm to this multiple of its running mean "
                        "(scale-free spike clipping; 2-3 is typical)")
    s.add_argument("--warmup-steps", dest="warmup_steps", type=arg.positive_int, default=None,
                   help="linear lr warm-up over this many steps")
