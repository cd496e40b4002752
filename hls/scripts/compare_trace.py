"""Compare a C-sim per-op trace ($SM_TRACE_DIR/op_NNN.bin) with the golden trace of a vector dir.

    SM_TRACE_DIR=/tmp/t build/csim/tb_accel_X DIR && python scripts/compare_trace.py DIR /tmp/t
Prints, per op, the number of differing words and the first difference (vector, row, col).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def main(vec_dir: str, trace_dir: str) -> int:
    """Report the first op whose output differs; return 1 if any does."""
    meta = json.loads((Path(vec_dir) / "meta.json").read_text())
    bad = 0
    for entry in meta["trace"]:
        want = np.fromfile(Path(vec_dir) / entry["file"], dtype="<i4").reshape(entry["shape"])
        path = Path(trace_dir) / Path(entry["file"]).name
        if not path.exists():
            print(f"op {entry['op']:3d} {entry['opcode']:9s} no C-sim trace")
            continue
        got = np.fromfile(path, dtype="<i4")
        n = min(got.size // int(np.prod(want.shape[1:])), want.shape[0])
        got = got[: n * int(np.prod(want.shape[1:]))].reshape(n, *want.shape[1:])
        diff = np.argwhere(got != want[:n])
        line = f"op {entry['op']:3d} {entry['opcode']:9s} {len(diff)} differing of {got.size}"
        if len(diff):
            v, r, c = diff[0]
            line += f"; first v{v} r{r} c{c}: got {got[v, r, c]} want {want[v, r, c]}"
            bad = 1
        print(line)
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
