"""``spacemimo gen``: write every generated copy of the hardware contract (headers, Tcl, docs)
from spacemimo/spec/ (``spacemimo.hw.generate``); ``--check`` only lists the stale ones."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg


def _report_stale(root: Path) -> int:
    """``--check``: 1 and every stale or missing copy named on stderr, else 0."""
    from spacemimo.hw import generate

    stale = generate.stale(root)
    for rel in stale:
        print(f"stale: {rel}", file=sys.stderr)
    if stale:
        print(f"{len(stale)} generated file(s) differ from spacemimo/spec; run "
              "`spacemimo gen`", file=sys.stderr)
        return 1
    print(f"{len(generate.generated_files(root))} generated files current")
    return 0


def cmd_gen(args: argparse.Namespace) -> int:
    """write hls/rtl headers, ip_vlnv.tcl and docs from spacemimo/spec (register map,
    builds, program format); --check: exit 1 naming stale copies, write nothing"""
    from spacemimo.ground import paths
    from spacemimo.hw import generate

    root = Path(args.root) if args.root else paths.source_root()
    if not (root / "spacemimo" / "spec" / "builds.yaml").is_file():
        raise arg.CliError(f"{root} holds no spacemimo/spec/builds.yaml; run in a spacemimo "
                           "checkout or pass --root <checkout>")
    if args.check:
        return _report_stale(root)
    print("\n".join(f"wrote {path}" for path in generate.write_all(root)))
    return 0


def register(sub: Any) -> None:
    """``spacemimo gen [--check] [--root DIR]``."""
    parser = arg.add_command(sub, "gen", cmd_gen)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and name every stale or missing copy")
    parser.add_argument("--root",
                        help="the checkout to generate into (default: the source root)")
