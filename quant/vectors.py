"""Golden vectors: program + inputs + expected outputs.

The C-sim testbench, the cocotb testbench and the board self-test read the files written here
and nothing else, so nobody hand-copies numbers. (The format headers that give the HLS kernel
and the RTL the word layout of ``spacemimo.quant.program`` are written by ``spacemimo gen``,
``spacemimo.hw.generate``.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacemimo.quant import golden
from spacemimo.quant import program as pf
from spacemimo.quant.program import HardwareLimits, Program

VECTORS_FORMAT = "spacemimo golden vectors v1"
EDGE_CASES = ("all_zero", "all_max", "all_min", "alternating", "saturating", "single_hot_max",
              "single_hot_min")


# --------------------------------------------------------------------------- inputs


def edge_case_inputs(program: Program) -> list[tuple[str, np.ndarray]]:
    """Named (in_rows, in_cols) inputs at the corners of the input range.

    "saturating" drives the first DENSE reading the input to its largest accumulators (each
    input at ±max with the sign of its weight column sum); without one it is ±max by parity.
    """
    lo, hi = pf.sat_range(program.bits, True, False)
    shape = (program.in_rows, program.in_cols)
    alt = np.where((np.add.outer(np.arange(shape[0]), np.arange(shape[1])) % 2) == 0, hi, lo)
    sat_in = alt
    for op in program.ops:
        if (op.opcode == pf.OPCODES["DENSE"] and op.src_buf == program.in_buf
                and op.src_off + op.in_cols <= program.in_cols):
            colsum = program.weights(op).sum(axis=0)
            row = np.where(colsum >= 0, hi, lo)
            sat_in = np.zeros(shape, np.int64)
            sat_in[:, op.src_off:op.src_off + op.in_cols] = row
            break
    hot_max = np.zeros(shape, np.int64)
    hot_max[0, 0] = hi
    hot_min = np.zeros(shape, np.int64)
    hot_min[-1, -1] = lo
    cases = [np.zeros(shape, np.int64), np.full(shape, hi), np.full(shape, lo), alt, sat_in,
             hot_max, hot_min]
    return [(n, np.asarray(c, dtype=np.int64)) for n, c in zip(EDGE_CASES, cases, strict=True)]


def random_vectors(program: Program, n: int, seed: int) -> np.ndarray:
    """n random inputs (n, in_rows, in_cols): Gaussian, with a spread drawn per vector from
    2% to 60% of the range, so some vectors are small and some clip at the input range."""
    rng = np.random.default_rng(seed)
    lo, hi = pf.sat_range(program.bits, True, False)
    spread = rng.uniform(0.02, 0.6, (n, 1, 1))
    x = rng.normal(0.0, 1.0, (n, program.in_rows, program.in_cols)) * spread * hi
    return np.clip(np.rint(x), lo, hi).astype(np.int64)


# --------------------------------------------------------------------------- files


@dataclass
class GoldenVectors:
    """What a golden-vector directory holds (shapes: (n, rows, cols) int64)."""

    program: Program
    inputs: np.ndarray
    expected: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)


def _int16(a: np.ndarray, what: str) -> bytes:
    if a.size and (a.min() < -(1 << 15) or a.max() > (1 << 15) - 1):
        raise ValueError(f"{what} values [{a.min()}, {a.max()}] do not fit int16")
    return np.asarray(a, dtype="<i2").tobytes()


def write_golden_vectors(directory: str | Path, program: Program, n: int = 100, seed: int = 0,
                         edge_cases: bool = True, trace: bool = False,
                         inputs: np.ndarray | None = None) -> GoldenVectors:
    """Write program.bin, inputs.bin, expected.bin (int16) and meta.json (PROGRAM.md "Golden
    vectors"). The first vectors are the edge cases (when enabled), the rest random; with
    ``trace`` also trace/op_NNN.bin (int32, n x rows x out_cols: every op's output, for
    per-layer debugging). ``inputs`` overrides the generated inputs."""
    if n < 1 and inputs is None:
        raise ValueError(f"n must be >= 1, got {n}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    cases: list[dict[str, Any]] = []
    if inputs is None:
        parts = []
        if edge_cases:
            for i, (kind, x) in enumerate(edge_case_inputs(program)[:n]):
                parts.append(x[None])
                cases.append({"index": i, "kind": kind})
        if n > len(parts):
            parts.append(random_vectors(program, n - len(parts), seed))
        x_all = np.concatenate(parts)
    else:
        x_all = np.asarray(inputs, dtype=np.int64)
    y, entries = golden.run(program, x_all, trace=True)
    blob = program.to_bytes()
    (out / "program.bin").write_bytes(blob)
    (out / "inputs.bin").write_bytes(_int16(x_all, "inputs"))
    (out / "expected.bin").write_bytes(_int16(y, "expected outputs"))
    trace_meta = []
    if trace:
        (out / "trace").mkdir(exist_ok=True)
        for e in entries:
            fname = f"trace/op_{e.index:03d}.bin"
            (out / fname).write_bytes(np.asarray(e.out, dtype="<i4").tobytes())
            trace_meta.append({"op": e.index, "opcode": e.op.name, "file": fname,
                               "shape": list(e.out.shape), "dtype": "int32"})
    from spacemimo.ground.provenance import git_revision

    meta = {
        "format": VECTORS_FORMAT,
        "n": int(x_all.shape[0]),
        "seed": seed,
        "program": {"name": program.name, "file": "program.bin",
                    "sha256": hashlib.sha256(blob).hexdigest(), "bits": program.bits,
                    "acc_bits": program.acc_bits, "num_ops": len(program.ops),
                    "data_words": int(program.data.size), "words": len(blob) // 4,
                    "num_buffers": program.num_buffers},
        "inputs": {"file": "inputs.bin", "dtype": "int16",
                   "shape": [int(x_all.shape[0]), program.in_rows, program.in_cols],
                   "frac": program.in_frac},
        "expected": {"file": "expected.bin", "dtype": "int16",
                     "shape": [int(y.shape[0]), program.out_rows, program.out_cols],
                     "frac": program.out_frac},
        "edge_cases": cases,
        "trace": trace_meta,
        "git_revision": git_revision(),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return GoldenVectors(program, x_all, y, meta)


def read_golden_vectors(directory: str | Path, limits: HardwareLimits | None = None
                        ) -> GoldenVectors:
    """Read (and validate) a golden-vector directory; checks the program's sha256 and shapes."""
    d = Path(directory)
    meta = json.loads((d / "meta.json").read_text())
    if meta.get("format") != VECTORS_FORMAT:
        raise ValueError(f"{d / 'meta.json'}: format {meta.get('format')!r}, expected "
                         f"{VECTORS_FORMAT!r}")
    blob = (d / "program.bin").read_bytes()
    if hashlib.sha256(blob).hexdigest() != meta["program"]["sha256"]:
        raise ValueError(f"{d / 'program.bin'}: sha256 differs from meta.json")
    prog = Program.from_bytes(blob, limits, name=meta["program"].get("name", ""))
    arrays = {}
    for key in ("inputs", "expected"):
        shape = tuple(meta[key]["shape"])
        raw = np.frombuffer((d / meta[key]["file"]).read_bytes(), dtype="<i2")
        if raw.size != int(np.prod(shape)):
            raise ValueError(f"{d / meta[key]['file']}: {raw.size} values, meta.json says "
                             f"shape {shape}")
        arrays[key] = raw.reshape(shape).astype(np.int64)
    return GoldenVectors(prog, arrays["inputs"], arrays["expected"], meta)


def check_golden_vectors(directory: str | Path) -> int:
    """Re-run the golden model on a directory's inputs; returns the mismatching word count."""
    gv = read_golden_vectors(directory)
    return int((golden.run(gv.program, gv.inputs) != gv.expected).sum())
