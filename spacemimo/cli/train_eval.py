"""``spacemimo train`` and ``spacemimo eval``: registered through ``spacemimo.cli.COMMAND_MODULES``.

Heavy imports stay inside the handlers so ``spacemimo --help`` is instant. The same entry
point scales out: ``torchrun --nproc_per_node 2 -m spacemimo train --config ...``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def cmd_train(args: argparse.Namespace) -> int:
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
    exp = load_experiment(args.config, **overrides)
    if args.steps is not None and args.epochs is not None:
        raise ValueError("give --steps or --epochs, not both")
    if args.steps is not None:
        exp = exp.with_train(steps=args.steps)
    if args.epochs is not None:
        exp = exp.with_train(steps=max(1, round(args.epochs * exp.train.steps_per_epoch)))
    out = args.out or DEFAULT_OUT / exp.name
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


def cmd_eval(args: argparse.Namespace) -> int:
    from spacemimo.papers import tasks as paper_tasks

    if args.all:
        tasks = list(paper_tasks.TASKS)
    elif args.tasks:
        tasks = args.tasks
    else:
        raise ValueError(f"name tasks ({', '.join(paper_tasks.TASKS)}) or give --all")
    for task in tasks:
        if task not in paper_tasks.TASKS:
            raise ValueError(f"unknown eval task {task!r}; known: {', '.join(paper_tasks.TASKS)}")
    extra: dict[str, Any] = {}
    if getattr(args, "rows", None):
        if tasks != ["table2"]:
            raise ValueError("--rows selects Table II rows: give the table2 task alone")
        extra = {"rows": paper_tasks.parse_table2_rows(args.rows), "merge": True}
    for task in tasks:
        paths = paper_tasks.TASKS[task](out_dir=args.out, seed=args.seed, quick=args.quick,
                                     checkpoint=args.checkpoint, progress=not args.quiet,
                                     **extra)
        md = paths.get("md")
        if md is not None:
            print(Path(md).read_text())
    return 0


def add_commands(sub: argparse._SubParsersAction, bench_sub: argparse._SubParsersAction
                 ) -> None:
    """Add ``train`` and ``eval`` to the top-level subcommands (nothing under ``bench``)."""
    s = sub.add_parser(
        "train", help="train a GNN precoder from an experiment config (DDP under torchrun)",
        description="Unsupervised training (loss = -objective) of a GNN precoder. --config is "
                    "a shipped experiment name (see --list) or a YAML path. Writes last.pt / "
                    "best.pt checkpoints, history.{csv,md,json,png} under --out. Run under "
                    "`torchrun --nproc_per_node N -m spacemimo train ...` for DDP (gloo).")
    s.add_argument("--config", default="modelgnn_n8_k4_se",
                   help="experiment name or YAML file (default modelgnn_n8_k4_se)")
    s.add_argument("--list", action="store_true", help="list the shipped experiments and exit")
    s.add_argument("--seed", type=int, default=None, help="override the experiment's seed")
    s.add_argument("--out", type=Path, default=None,
                   help="output directory (default results/train/<experiment name>)")
    s.add_argument("--resume", type=Path, default=None,
                   help="checkpoint (or directory with last.pt) to continue from")
    s.add_argument("--steps", type=_positive_int, default=None, help="total optimizer steps")
    s.add_argument("--epochs", type=_positive_float, default=None,
                   help="total epochs (samples_per_epoch / batch_size steps each)")
    s.add_argument("--batch-size", dest="batch_size", type=_positive_int, default=None)
    s.add_argument("--lr", type=_positive_float, default=None, help="initial learning rate")
    s.add_argument("--eval-every", dest="eval_every", type=_positive_int, default=None)
    s.add_argument("--train-samples", dest="train_samples", type=_positive_int, default=None,
                   help="finite training set size (003's N_tr) instead of fresh channels")
    s.add_argument("--threads", type=_positive_int, default=None,
                   help="torch threads per process (default from the config, 1)")
    s.add_argument("--time-limit", dest="time_limit_s", type=_positive_float, default=None,
                   help="stop after this many seconds of training")
    s.add_argument("--grad-clip", dest="grad_clip", type=_positive_float, default=None,
                   help="clip the gradient's global norm to this value")
    s.add_argument("--grad-clip-rel", dest="grad_clip_rel", type=_positive_float, default=None,
                   help="clip the gradient norm to this multiple of its running mean "
                        "(scale-free spike clipping; 2-3 is typical)")
    s.add_argument("--warmup-steps", dest="warmup_steps", type=_positive_int, default=None,
                   help="linear lr warm-up over this many steps")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser(
        "eval", help="reproduce the papers' tables and figures next to their values",
        description="Train (or load with --checkpoint) and evaluate GNN precoders against "
                    "converged WMMSE and the classical precoders; writes Markdown/CSV/JSON "
                    "tables and PNG plots under --out, each row beside the paper's value. "
                    "Tasks: table2 (003 Table II), table3 (003 Table III), fig6 (003 Fig. 6), "
                    "table4 (003 Table IV), table5 (003 Table V), gsm_fig6 (002 Fig. 6: "
                    "convergence), gsm_fig7/gsm_fig8/gsm_fig9 (002 Figs 7-9), zhou_ee (000: EE "
                    "vs P_max, EE histogram, CSI-error robustness), zhou_fig11/zhou_fig12 (000 "
                    "Figs 11-12: EE vs antennas, vs users). --all runs every task (a long "
                    "benchmark).")
    s.add_argument("tasks", nargs="*", help="tasks to run (see above)")
    s.add_argument("--all", action="store_true", help="run every task (benchmark, slow)")
    s.add_argument("--quick", action="store_true",
                   help="small budgets (smoke test; numbers are not the paper's setting)")
    s.add_argument("--checkpoint", type=Path, default=None,
                   help="use this trained net instead of training (tasks that take one)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--out", type=Path, default=Path("results") / "eval",
                   help="output directory (default results/eval)")
    s.add_argument("--rows", default=None,
                   help="table2 only: rerun these rows, NxK (every SNR) or NxK@SNR, comma-"
                        "separated (e.g. 64x16,64x32), and merge them into the existing "
                        "table2.{md,csv,json} under --out, keeping the other rows")
    s.set_defaults(func=cmd_eval)
