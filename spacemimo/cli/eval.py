"""``spacemimo eval``: reproduce the papers' tables and figures beside the papers' values."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg


def cmd_eval(args: argparse.Namespace) -> int:
    """reproduce the papers' tables and figures next to their values

    Train (or load with --checkpoint) and evaluate GNN precoders against converged WMMSE and the
    classical precoders; writes Markdown/JSON tables and PNG plots under --out, each row beside
    the paper's value. Tasks: table2 (003 Table II), table3 (003 Table III), fig6 (003 Fig. 6),
    table4 (003 Table IV), table5 (003 Table V), gsm_fig6 (002 Fig. 6: convergence),
    gsm_fig7/gsm_fig8/gsm_fig9 (002 Figs 7-9), zhou_ee (000: EE vs P_max, EE histogram,
    CSI-error robustness), zhou_fig11/zhou_fig12 (000 Figs 11-12: EE vs antennas, vs users).
    --all runs every task (a long benchmark).
    """
    from spacemimo import papers

    if args.all:
        tasks = list(papers.TASKS)
    elif args.tasks:
        tasks = args.tasks
    else:
        raise ValueError(f"name tasks ({', '.join(papers.TASKS)}) or give --all")
    for task in tasks:
        if task not in papers.TASKS:
            raise ValueError(f"unknown eval task {task!r}; known: {', '.join(papers.TASKS)}")
    extra: dict[str, Any] = {}
    if getattr(args, "rows", None):
        if tasks != ["table2"]:
            raise ValueError("--rows selects Table II rows: give the table2 task alone")
        extra = {"rows": papers.parse_table2_rows(args.rows), "merge": True}
    arg.prepare_out_dir(args.out)
    for task in tasks:
        paths = papers.TASKS[task](out_dir=args.out, seed=args.seed, quick=args.quick,
                                     checkpoint=args.checkpoint, progress=not args.quiet,
                                     **extra)
        md = paths.get("md")
        if md is not None:
            print(Path(md).read_text())
    return 0


def register(sub: Any) -> None:
    """``eval``."""
    s = arg.add_command(sub, "eval", cmd_eval)
    s.add_argument("tasks", nargs="*", help="tasks to run (see above)")
    s.add_argument("--all", action="store_true", help="run every task (benchmark, slow)")
    s.add_argument("--quick", action="store_true",
                   help="small budgets (smoke test; numbers are not the paper's setting)")
    s.add_argument("--checkpoint", type=arg.input_file, default=None,
                   help="use this trained net instead of training (tasks that take one)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--out", type=Path, default=Path("results") / "eval",
                   help="output directory (default results/eval)")
    s.add_argument("--rows", default=None,
                   help="table2 only: rerun these rows, NxK (every SNR) or NxK@SNR, comma-"
                        "separated (e.g. 64x16,64x32), and merge them into the existing "
                        "table2.{md,json} under --out, keeping the other rows")
