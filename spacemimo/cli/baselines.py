"""``spacemimo baselines``: the classical precoders on a paper scenario, table + plot."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg

DEFAULT_OUT = Path("results") / "baselines"


def cmd_baselines(args: argparse.Namespace) -> int:
    """classical precoders on a scenario: table + plot under --out

    Evaluate MRT/ZF/RZF/MMSE (local and global) and WMMSE / Dinkelbach-WMMSE on a paper scenario
    over its power or SNR sweep; prints a Markdown table and writes the table, its provenance
    and a PNG plot under --out.
    """
    from spacemimo.papers.baseline_table import evaluate_baselines, write_baseline_results

    arg.prepare_out_dir(args.out)
    table = evaluate_baselines(args.scenario, samples=args.samples, seed=args.seed,
                               sweep=args.sweep, methods=args.methods,
                               progress=not args.quiet)
    print(table.markdown())
    paths = write_baseline_results(table, args.out)
    print("\nwrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def register(sub: Any) -> None:
    """``baselines``."""
    s = arg.add_command(sub, "baselines", cmd_baselines)
    s.add_argument("--scenario", default="gsm",
                   help="scenario alias (gsm, zhou, rayleigh, multicell, multisat_mimo) or "
                        "preset name (see `spacemimo presets`); default gsm")
    s.add_argument("-n", "--samples", type=arg.positive_int, default=200,
                   help="channel realisations per sweep point (default 200)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--sweep", type=arg.csv_floats, default=None,
                   help="override the preset's sweep values, e.g. --sweep -10,0,10")
    s.add_argument("--methods", type=arg.csv_names, default=None,
                   help="subset of precoders, e.g. mrt-local,mmse-global,wmmse")
    s.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"output directory (default {DEFAULT_OUT})")
