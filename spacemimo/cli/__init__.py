"""The ``spacemimo`` command: one subcommand per flow step, each with ``--help``.

Heavy imports (torch, the model code) happen inside the handlers so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger("spacemimo")

DEFAULT_RESULTS = Path("results")

# Subsystems register their own subcommands: each module has
# ``add_commands(sub, bench_sub) -> None`` adding parsers to the top-level and ``bench``
# subparser groups (keep imports inside handlers so --help stays instant). Add a module here.
COMMAND_MODULES: tuple[str, ...] = ("spacemimo.cli.program", "spacemimo.cli.train_eval",
                                     "spacemimo.cli.qat", "spacemimo.cli.hw",
                                     "spacemimo.hw.bench", "spacemimo.cli.board")


class CliError(Exception):
    """A user mistake the CLI reports in one line, without a traceback."""


def _csv_floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from err


def _csv_names(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


# --- handlers -------------------------------------------------------------------------------

def cmd_presets(args: argparse.Namespace) -> int:
    from spacemimo.model.presets import list_presets, load_preset
    from spacemimo.model.scenarios import SCENARIO_ALIASES

    aliases = {v: k for k, v in SCENARIO_ALIASES.items()}
    for name in list_presets():
        alias = f" (--scenario {aliases[name]})" if name in aliases else ""
        print(f"{name}{alias}: {load_preset(name).get('description', '').strip()}")
    return 0


def cmd_baselines(args: argparse.Namespace) -> int:
    from spacemimo.papers.baseline_table import evaluate_baselines, write_baseline_results

    table = evaluate_baselines(args.scenario, samples=args.samples, seed=args.seed,
                               sweep=args.sweep, methods=args.methods,
                               progress=not args.quiet)
    print(table.markdown())
    paths = write_baseline_results(table, args.out)
    print("\nwrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def cmd_bench_baselines(args: argparse.Namespace) -> int:
    from spacemimo.papers.baseline_bench import bench_baselines, write_bench_results

    rows = bench_baselines(args.scenario, batch=args.batch, repeats=args.repeats, seed=args.seed,
                           progress=not args.quiet)
    paths = write_bench_results(rows, args.scenario, args.out, batch=args.batch, seed=args.seed)
    print(paths["md"].read_text())
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from spacemimo.ground.provenance import git_revision, package_versions

    print(f"spacemimo {__import__('spacemimo').__version__}, git {git_revision()}")
    for name, version in package_versions().items():
        print(f"  {name:14s} {version}")
    return 0


# --- parser ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="spacemimo",
        description="GNN precoders for LEO multi-satellite MIMO: channels, baselines, and "
                    "(in later steps) training, QAT, program compilation and hardware checks.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars, warnings only")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    s = sub.add_parser("info", help="versions and git revision of this installation")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("presets", help="list the paper scenario presets")
    s.set_defaults(func=cmd_presets)

    s = sub.add_parser(
        "baselines", help="classical precoders on a scenario: table + CSV + PNG under results/",
        description="Evaluate MRT/ZF/RZF/MMSE (local and global) and WMMSE / Dinkelbach-WMMSE "
                    "on a paper scenario over its power or SNR sweep; prints a Markdown table "
                    "and writes CSV, Markdown, JSON provenance and a PNG plot.")
    s.add_argument("--scenario", default="gsm",
                   help="scenario alias (gsm, zhou, rayleigh, multicell, multisat_mimo) or "
                        "preset name (see `spacemimo presets`); default gsm")
    s.add_argument("--samples", type=_positive_int, default=200,
                   help="channel realisations per sweep point (default 200)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--sweep", type=_csv_floats, default=None,
                   help="override the preset's sweep values, e.g. -10,0,10")
    s.add_argument("--methods", type=_csv_names, default=None,
                   help="subset of precoders, e.g. mrt-local,mmse-global,wmmse")
    s.add_argument("--out", type=Path, default=DEFAULT_RESULTS / "baselines",
                   help="output directory (default results/baselines)")
    s.set_defaults(func=cmd_baselines)

    bench = sub.add_parser("bench", help="benchmarks (time per sample, ...)")
    bsub = bench.add_subparsers(dest="bench_command", metavar="BENCH", required=True)
    s = bsub.add_parser("baselines", help="time per sample of each classical precoder",
                        description="Batched time per sample of WMMSE and every closed-form "
                                    "precoder on this CPU; later GNN speed-ups quote this.")
    s.add_argument("--scenario", default="rayleigh", help="scenario alias or preset name")
    s.add_argument("--batch", type=_positive_int, default=256, help="batch size (default 256)")
    s.add_argument("--repeats", type=_positive_int, default=3, help="timed repeats (best kept)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, default=DEFAULT_RESULTS / "bench",
                   help="output directory (default results/bench)")
    s.set_defaults(func=cmd_bench_baselines)

    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub, bsub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (CliError, ValueError) as err:
        # ValueError is how the library reports bad input: one clear line, exit 2.
        print(f"spacemimo {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
