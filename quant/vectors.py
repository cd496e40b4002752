"""Golden vectors (program + inputs + expected outputs) and the generated format headers.

The C-sim testbench, the cocotb testbench and the board self-test read the files written here
and nothing else, so nobody hand-copies numbers; the two headers give the HLS kernel and the
RTL the word layout of ``spacemimo.quant.program`` without a second hand-written copy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacemimo.ground import paths
from spacemimo.quant import golden
from spacemimo.quant import program as pf
from spacemimo.quant.program import HardwareLimits, Program

C_HEADER = paths.hls_dir() / "src" / "program_format.h"
VERILOG_HEADER = paths.rtl_dir() / "program_format.vh"
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


# --------------------------------------------------------------------------- headers

_GENERATED = ("generated from quant/program.py by spacemimo.quant.vectors "
              "(spacemimo compile --emit-headers) — do not edit")


def _tables() -> list[tuple[str, list[tuple[str, int, str]]]]:
    """(section, [(NAME, value, comment)]) shared by both header emitters."""
    lim = HardwareLimits()
    consts = [
        ("PROGRAM_MAGIC", pf.MAGIC, '"SMPG" in memory order'),
        ("PROGRAM_VERSION", pf.FORMAT_VERSION, "format version this build reads"),
        ("HEADER_WORDS", pf.HEADER_WORDS, "32-bit words in the header"),
        ("OP_WORDS", pf.OP_WORDS, "32-bit words per op record"),
        ("NO_BIAS", pf.NO_BIAS, "b_off value of a DENSE without bias"),
        ("MAX_SEGMENTS", pf.MAX_SEGMENTS, "DENSE input segments per op"),
        ("SEG_ALIGN_BITS", pf.SEG_ALIGN_BITS, "bits per segment field of seg_align"),
        ("SEG_ALIGN_MAX", pf.SEG_ALIGN_MAX, "largest segment alignment (8-bit programs)"),
        ("SEG_ALIGN_MAX_16", pf.SEG_ALIGN_MAX_16, "largest segment alignment of 16-bit "
                                                  "programs"),
        ("WIDE_BIAS_ABOVE", pf.WIDE_BIAS_ABOVE, "acc_bits above this: int64 biases (2 words)"),
        ("SHIFT_MIN", pf.SHIFT_MIN, "smallest requantization shift (left shift by 31)"),
        ("SHIFT_MAX", pf.SHIFT_MAX, "largest requantization shift"),
        ("ACC_BITS_MAX_8", pf.ACC_BITS_MAX[8], "widest accumulator of an 8-bit program"),
        ("ACC_BITS_MAX_16", pf.ACC_BITS_MAX[16], "widest accumulator of a 16-bit program"),
        ("FLAG_AGG_MODE_SHIFT", pf.FLAG_AGG_MODE_SHIFT, "AGG_MODE = (flags & FLAG_AGG_MODE) "
                                                        ">> FLAG_AGG_MODE_SHIFT"),
        ("FLAGS_DEFINED", pf.FLAGS_DEFINED, "other flag bits must be 0"),
        ("DEFAULT_MAX_ROWS", lim.max_rows, "HardwareLimits() default"),
        ("DEFAULT_MAX_COLS", lim.max_cols, "HardwareLimits() default"),
        ("DEFAULT_NUM_BUFFERS", lim.num_buffers, "HardwareLimits() default"),
        ("DEFAULT_MAX_WEIGHT_WORDS", lim.max_weight_words, "HardwareLimits() default"),
    ]
    return [
        ("constants", consts),
        ("opcodes", [(f"OP_{k}", v, "") for k, v in pf.OPCODES.items()]),
        ("flag bit masks", [(f"FLAG_{k}", v, "") for k, v in pf.FLAGS.items()]),
        ("AGG_MODE values", [(f"AGG_{k}", v, "") for k, v in pf.AGG_MODES.items()]),
        ("header word indices", [(f"HDR_{k.upper()}", v, "") for k, v in
                                 pf.HEADER_FIELDS.items()]),
        ("op record word indices", [(f"OPW_{k.upper()}", v, "") for k, v in
                                    pf.OP_FIELDS.items()]
         + [(f"OPW_{k.upper()}", v, "DENSE") for k, v in pf.DENSE_OP_FIELDS.items()]),
        ("op words that must be 0, bit i = word i", [
            (f"OP_UNUSED_MASK_{k}", pf.unused_op_mask(k), "") for k in pf.OPCODES]),
        ("error codes (STATUS register)", [(f"ERR_{k}", v, "") for k, v in
                                           pf.ERROR_CODES.items()]),
    ]


def c_header_text() -> str:
    lines = [f"// {_GENERATED}", "// Meaning of every field: quant/PROGRAM.md.",
             "#ifndef SPACEMIMO_PROGRAM_FORMAT_H", "#define SPACEMIMO_PROGRAM_FORMAT_H", "",
             "#include <cstdint>", "", "namespace program_format {", ""]
    for section, rows in _tables():
        lines.append(f"// {section}")
        for name, value, comment in rows:
            if value < 0:
                decl = f"constexpr int32_t {name} = {value};"
            elif value > 0xFFFF:
                decl = f"constexpr uint32_t {name} = 0x{value:08X}u;"
            else:
                decl = f"constexpr uint32_t {name} = {value}u;"
            lines.append(decl + (f"  // {comment}" if comment else ""))
        lines.append("")
    lines += ["}  // namespace program_format", "", "#endif  // SPACEMIMO_PROGRAM_FORMAT_H", ""]
    return "\n".join(lines)


def verilog_header_text() -> str:
    lines = [f"// {_GENERATED}", "// Meaning of every field: quant/PROGRAM.md.",
             "// Include inside a module (localparams); names are prefixed PF_.", ""]
    for section, rows in _tables():
        lines.append(f"// {section}")
        for name, value, comment in rows:
            if value < 0:
                decl = f"localparam integer PF_{name} = {value};"
            else:
                decl = f"localparam [31:0] PF_{name} = 32'h{value:08X};"
            lines.append(decl + (f"  // {comment}" if comment else ""))
        lines.append("")
    return "\n".join(lines)


def emit_c_header(path: str | Path = C_HEADER) -> Path:
    """Write hls/src/program_format.h from the Python tables."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(c_header_text())
    return path


def emit_verilog_header(path: str | Path = VERILOG_HEADER) -> Path:
    """Write rtl/program_format.vh from the Python tables."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(verilog_header_text())
    return path
