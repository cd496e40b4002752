"""List every committed result that no commit of this history reproduces (`make check-results`).

A table is reproducible when its provenance names a clean revision that is an ancestor of HEAD
(spacemimo.ground.provenance.stale_results). Exit status 1 when any is listed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spacemimo.ground.provenance import result_tables, stale_results


def main(argv: list[str] | None = None) -> int:
    """Print one line per stale result, then a count; 1 when there is any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=Path("results"),
                        help="results folder to check (default results/)")
    args = parser.parse_args(argv)
    if not args.results.is_dir():
        print(f"check_results: {args.results} is not a directory; name the results folder",
              file=sys.stderr)
        return 2
    stale = stale_results(args.results)
    for path, why in stale.items():
        print(f"{path}: {why}")
    total = len(result_tables(args.results))
    print(f"{len(stale)} of {total} result tables not reproducible from a commit of HEAD's "
          "history" + ("; rerun their make targets from a clean commit" if stale else ""))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
