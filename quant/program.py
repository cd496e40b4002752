"""The accelerator program, format v3 (``quant/PROGRAM.md``): tables, image, validation, builder.

This module is the source of truth for the word layout: ``hls/src/program_format.h`` and
``rtl/program_format.vh`` are generated from the tables below (``spacemimo.quant.vectors``),
and the HLS kernel, the RTL, the board driver and the golden model all read the same image.

Validation is strict on purpose: a program that loads is one every back end executes the same
way (no reads of unwritten buffer cells, no overlapping source/destination windows, no
accumulator overflow for any input in range), so a mismatch always means a back-end bug.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from spacemimo.spec.builds import BuildConfig, default_build
from spacemimo.spec.builds import build as spec_build

FORMAT_VERSION = 3
MAGIC = 0x47504D53  # bytes 53 4D 50 47 = "SMPG" in little-endian memory order
HEADER_WORDS = 16
OP_WORDS = 16
NO_BIAS = 0xFFFFFFFF
SHIFT_MIN, SHIFT_MAX = -31, 62  # requantization shift range (rshift_rne); checked on load
ACC_BITS_MAX = {8: 32, 16: 48}  # widest accumulator a program may ask for, per data width
DATA_BITS = (8, 16)
# DENSE input segments (v2): equal-width column segments, each with its own left alignment of
# the activation (4-bit fields of the seg_align word), so one DENSE can sum terms held on
# different fixed-point grids. 8 bit: a 9-bit word << 15 is 24 bits, within a DSP48E1's 25-bit
# A port.
MAX_SEGMENTS = 8
SEG_ALIGN_BITS = 4
SEG_ALIGN_MAX = (1 << SEG_ALIGN_BITS) - 1  # the field's maximum = the 8-bit limit
# 16 bit: a 17-bit word << 8 is 25 bits, one DSP48E1 A port; << 15 would need two DSPs per
# product (the trained Model-GNN needs <= 6).
SEG_ALIGN_MAX_16 = 8


def seg_align_max(bits: int) -> int:
    """Largest segment alignment a ``bits``-bit program may use (PROGRAM.md "DENSE")."""
    return SEG_ALIGN_MAX_16 if bits == 16 else SEG_ALIGN_MAX
WIDE_BIAS_ABOVE = 32  # acc_bits above this: each bias is two words (int64, low word first)

OPCODES: dict[str, int] = {"DENSE": 1, "AGGREGATE": 2, "NORM": 3, "TAYLOR": 4}

# Bit masks of the op's flags word. AGG_MODE is a 2-bit field (values in AGG_MODES).
FLAGS: dict[str, int] = {
    "RELU": 1 << 0,
    "OUT_SIGNED": 1 << 1,
    "NARROW": 1 << 2,
    "EXCLUDE_SELF": 1 << 3,
    "AGG_MODE": 0b11 << 4,
    "AGG_AXIS": 1 << 6,
}
FLAG_AGG_MODE_SHIFT = 4
AGG_MODES: dict[str, int] = {"MAX": 0, "SUM": 1}
FLAGS_DEFINED = 0x7F

HEADER_FIELDS: dict[str, int] = {
    "magic": 0, "version": 1, "num_ops": 2, "data_words": 3, "bits": 4, "acc_bits": 5,
    "in_buf": 6, "in_rows": 7, "in_cols": 8, "in_frac": 9, "out_buf": 10, "out_rows": 11,
    "out_cols": 12, "out_frac": 13, "num_buffers": 14, "checksum": 15,
}
OP_FIELDS: dict[str, int] = {
    "opcode": 0, "flags": 1, "src_buf": 2, "src_off": 3, "dst_buf": 4, "dst_off": 5, "rows": 6,
    "in_cols": 7, "out_cols": 8, "w_off": 9, "b_off": 10, "shift": 11, "out_bits": 12,
    "group": 13, "gain": 14, "rbits": 15,
}
# DENSE's names for words 13 and 14 (AGGREGATE/TAYLOR use them as group, NORM/TAYLOR as gain).
DENSE_OP_FIELDS: dict[str, int] = {"seg_cols": 13, "seg_align": 14}
# Fields stored as two's-complement int32 (all others are unsigned).
SIGNED_HEADER_FIELDS = ("in_frac", "out_frac")
SIGNED_OP_FIELDS = ("shift", "gain")
# Op words an opcode does not use (PROGRAM.md "Op record"); v3 requires them to be 0, so a
# corrupted or hand-edited word can never be silently ignored by one back end and read by another.
UNUSED_OP_FIELDS: dict[str, tuple[str, ...]] = {
    "DENSE": ("rbits",),
    "AGGREGATE": ("w_off", "b_off", "gain", "rbits"),
    "NORM": ("shift", "w_off", "b_off", "group"),
    "TAYLOR": ("rbits",),
}


def unused_op_mask(opcode_name: str) -> int:
    """Bit i set: op word i must be 0 for this opcode (the loaders' table)."""
    return sum(1 << OP_FIELDS[f] for f in UNUSED_OP_FIELDS[opcode_name])

ERROR_CODES: dict[str, int] = {
    "OK": 0, "BAD_MAGIC": 1, "BAD_VERSION": 2, "BAD_CHECKSUM": 3, "BAD_OPCODE": 4,
    "DIMS_EXCEED_MAX": 5, "BAD_FORMAT": 6, "BUS_ERROR": 7, "TIMEOUT": 8,
    # a DMA range outside the buffer the driver registered (ADDR + SIZE registers), or
    # NUM_VECTORS tables that do not fit the input/output buffers: no bus access was made
    "ADDR_RANGE": 9,
    # the host wrote ABORT (after a driver timeout): outstanding bursts completed or drained
    "ABORTED": 10,
    # an uncorrectable upset in a protected memory or the controller (SEU_STATUS says where):
    # the run stopped before storing the vector it was on; earlier vectors' outputs are valid
    "SEU_DETECTED": 11,
}
_ERROR_NAMES = {v: k for k, v in ERROR_CODES.items()}
_OPCODE_NAMES = {v: k for k, v in OPCODES.items()}


# The load checks PROGRAM.md lets a hardware loader skip ("Python loader; hardware may skip
# these range/dataflow checks"): the worst-case accumulator, NORM's 64-bit intermediates, the
# int16 output range and reads of unwritten cells. A ProgramError raised by one of them names
# it in ``check``; nothing else may be skipped by any back end.
HARDWARE_MAY_SKIP = frozenset({"acc_range", "norm_range", "output_range", "dataflow"})


class ProgramError(ValueError):
    """A malformed or unsafe program; ``code`` is the status-register value (ERROR_CODES).

    ``check``: which HARDWARE_MAY_SKIP check raised it, "program_size" for the Bounds rule-1
    checks against PROGRAM_SIZE (``check_image_fits``), "" for every other check."""

    def __init__(self, code: int | str, message: str, check: str = "") -> None:
        self.code = ERROR_CODES[code] if isinstance(code, str) else int(code)
        self.code_name = _ERROR_NAMES.get(self.code, str(self.code))
        self.check = check
        super().__init__(f"{self.code_name}: {message}")


_DEFAULT_BUILD = default_build()


@dataclass(frozen=True)
class HardwareLimits:
    """The synthesized maxima a program must fit. The defaults are the HLS kernel's default
    build (spacemimo/spec/builds.yaml); ``from_build`` gives any other named build's.

    max_weight_words bounds the data segment (weights + biases) in 32-bit words.
    """

    max_rows: int = _DEFAULT_BUILD.max_rows
    max_cols: int = _DEFAULT_BUILD.max_cols
    num_buffers: int = _DEFAULT_BUILD.num_buffers
    max_weight_words: int = _DEFAULT_BUILD.max_data_words
    # op records the loader can hold (SM_MAX_OPS; the RTL's MAX_OPS)
    max_ops: int = _DEFAULT_BUILD.max_ops
    # widest program and accumulator the build runs (SM_DATA_BITS / SM_ACC_BITS; the RTL's
    # DATA_W / ACC_W): an 8-bit-only build reports a 16-bit program as DIMS_EXCEED_MAX
    data_bits: int = _DEFAULT_BUILD.data_bits
    acc_bits: int = _DEFAULT_BUILD.acc_bits
    # bytes per AXI beat (SM_BUS_WIDTH / 8; the RTL's AXI_DW / 8): bursts move whole beats,
    # so sizes are compared with ranges rounded up to whole beats (PROGRAM.md "Bounds")
    bus_bytes: int = _DEFAULT_BUILD.bus_bits // 8
    # elements one activation buffer holds (spec table_elems, HW_CONFIG.TABLE_SIZE; 0: the
    # max_rows x max_cols rectangle, nothing more to check) and the tile a table is laid out
    # in (node_rows x out_lanes: the RTL's row lanes x column banks), see table_elems_of
    table_elems: int = _DEFAULT_BUILD.table_elems
    node_rows: int = _DEFAULT_BUILD.node_rows
    out_lanes: int = _DEFAULT_BUILD.out_lanes

    @classmethod
    def from_build(cls, build: BuildConfig | str) -> HardwareLimits:
        """The limits of a named build of the spec (or a BuildConfig), e.g. "rtl-small-8"."""
        b = spec_build(build) if isinstance(build, str) else build
        return cls(max_rows=b.max_rows, max_cols=b.max_cols, num_buffers=b.num_buffers,
                   max_weight_words=b.max_data_words, max_ops=b.max_ops,
                   data_bits=b.data_bits, acc_bits=b.acc_bits, bus_bytes=b.bus_bits // 8,
                   table_elems=b.table_elems, node_rows=b.node_rows, out_lanes=b.out_lanes)

    def table_elems_of(self, rows: int, cols: int) -> int:
        """Elements a buffer holding ``rows`` x ``cols`` (the largest extents of its tables)
        takes: whole row tiles of node_rows, and a row stride of a power of two of
        out_lanes-column blocks (the RTL addresses row tile rt, block cb at rt << s | cb)."""
        tiles = -(-rows // self.node_rows)
        blocks = -(-cols // self.out_lanes)
        return tiles * self.node_rows * (1 << (blocks - 1).bit_length()) * self.out_lanes


# --------------------------------------------------------------------------- numerics helpers


def sat_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    """[lo, hi] of a Brevitas integer format (brevitas.function.ops.min_int/max_int)."""
    if signed:
        return -(1 << (bits - 1)) + int(narrow), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1 - int(narrow)


def lanes_per_word(bits: int) -> int:
    """Weight lanes in one 32-bit word (8-bit: 4, 16-bit: 2)."""
    if bits not in DATA_BITS:
        raise ProgramError("BAD_FORMAT", f"bits must be 8 or 16, got {bits}")
    return 32 // bits


def row_words(in_cols: int, bits: int) -> int:
    """Words one packed weight row occupies (each output row starts on a word boundary)."""
    lanes = lanes_per_word(bits)
    return (in_cols + lanes - 1) // lanes


def pack_weights(W_int: np.ndarray, bits: int) -> np.ndarray:
    """W: (out, in) signed ints in ``bits`` range -> uint32 words, row-major, rows word-aligned,
    little-endian lanes (lane i of a word = bits [i*bits, (i+1)*bits)), padding lanes 0."""
    W = np.asarray(W_int)
    if W.ndim != 2:
        raise ValueError(f"W_int must be (out, in), got shape {W.shape}")
    if W.size and not np.issubdtype(W.dtype, np.integer):
        raise ValueError(f"W_int must hold integers, got dtype {W.dtype}")
    lo, hi = sat_range(bits, True, False)
    if W.size and (W.min() < lo or W.max() > hi):
        raise ValueError(f"W_int values must be in [{lo}, {hi}] for {bits}-bit, got "
                         f"[{W.min()}, {W.max()}]")
    out, n_in = W.shape
    lanes = lanes_per_word(bits)
    rw = row_words(n_in, bits)
    padded = np.zeros((out, rw * lanes), dtype="<i1" if bits == 8 else "<i2")
    padded[:, :n_in] = W
    return np.ascontiguousarray(padded).view("<u4").reshape(out * rw).astype(np.uint32)


def unpack_weights(words: np.ndarray, out_cols: int, in_cols: int, bits: int) -> np.ndarray:
    """Inverse of ``pack_weights``: words (out_cols * row_words) -> (out_cols, in_cols) int64."""
    rw = row_words(in_cols, bits)
    w = np.ascontiguousarray(np.asarray(words, dtype=np.uint32)[: out_cols * rw]).astype("<u4")
    if w.size != out_cols * rw:
        raise ValueError(f"need {out_cols * rw} words for a {out_cols}x{in_cols} {bits}-bit "
                         f"block, got {w.size}")
    lanes = w.view("<i1" if bits == 8 else "<i2").reshape(out_cols, rw * (32 // bits))
    return lanes[:, :in_cols].astype(np.int64)


def bias_words(acc_bits: int) -> int:
    """Words per DENSE bias: 1 (int32) up to 32-bit accumulators, else 2 (int64, low first)."""
    return 2 if acc_bits > WIDE_BIAS_ABOVE else 1


def pack_seg_align(aligns: list[int] | tuple[int, ...]) -> int:
    """The seg_align word (as the signed int32 the ``gain`` field stores) of per-segment
    alignments; segment s in bits [4s, 4s + 4)."""
    if len(aligns) > MAX_SEGMENTS:
        raise ValueError(f"at most {MAX_SEGMENTS} segments, got {len(aligns)}")
    word = 0
    for i, a in enumerate(aligns):
        if not 0 <= int(a) <= SEG_ALIGN_MAX:
            raise ValueError(f"segment alignment must be in [0, {SEG_ALIGN_MAX}], got {a}")
        word |= int(a) << (SEG_ALIGN_BITS * i)
    return _s32(word)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


# --------------------------------------------------------------------------- records


@dataclass
class Op:
    """One 16-word op record (PROGRAM.md "Op record"); field names are OP_FIELDS'."""

    opcode: int
    flags: int = 0
    src_buf: int = 0
    src_off: int = 0
    dst_buf: int = 0
    dst_off: int = 0
    rows: int = 0
    in_cols: int = 0
    out_cols: int = 0
    w_off: int = 0
    b_off: int = 0
    shift: int = 0
    out_bits: int = 0
    group: int = 0
    gain: int = 0
    rbits: int = 0

    @property
    def name(self) -> str:
        return _OPCODE_NAMES.get(self.opcode, f"opcode {self.opcode}")

    @property
    def relu(self) -> bool:
        return bool(self.flags & FLAGS["RELU"])

    @property
    def out_signed(self) -> bool:
        return bool(self.flags & FLAGS["OUT_SIGNED"])

    @property
    def narrow(self) -> bool:
        return bool(self.flags & FLAGS["NARROW"])

    @property
    def exclude_self(self) -> bool:
        return bool(self.flags & FLAGS["EXCLUDE_SELF"])

    @property
    def agg_mode(self) -> int:
        return (self.flags & FLAGS["AGG_MODE"]) >> FLAG_AGG_MODE_SHIFT

    @property
    def agg_axis(self) -> int:
        return 1 if self.flags & FLAGS["AGG_AXIS"] else 0

    @property
    def has_bias(self) -> bool:
        return self.b_off != NO_BIAS

    @property
    def seg_cols(self) -> int:
        """DENSE: width of each input segment (0: one segment, no alignment)."""
        return self.group

    @property
    def num_segments(self) -> int:
        """DENSE: number of input segments (in_cols / seg_cols, or 1)."""
        return self.in_cols // self.group if self.group else 1

    def segment_aligns(self, count: int = MAX_SEGMENTS) -> list[int]:
        """DENSE: the first ``count`` 4-bit alignment fields of the seg_align word."""
        word = self.gain & 0xFFFFFFFF
        return [(word >> (SEG_ALIGN_BITS * s)) & SEG_ALIGN_MAX for s in range(count)]

    def column_aligns(self) -> np.ndarray:
        """DENSE: left alignment of every input column (in_cols,) int64."""
        if not self.group:
            return np.zeros(self.in_cols, dtype=np.int64)
        aligns = self.segment_aligns(self.num_segments)
        return np.repeat(np.asarray(aligns, dtype=np.int64), self.group)

    def to_words(self) -> np.ndarray:
        w = np.zeros(OP_WORDS, dtype=np.uint32)
        for name, idx in OP_FIELDS.items():
            w[idx] = getattr(self, name) & 0xFFFFFFFF
        return w

    @classmethod
    def from_words(cls, words: np.ndarray) -> Op:
        vals = {n: int(words[i]) for n, i in OP_FIELDS.items()}
        for n in SIGNED_OP_FIELDS:
            vals[n] = _s32(vals[n])
        return cls(**vals)


def make_flags(relu: bool = False, out_signed: bool = True, narrow: bool = False,
               exclude_self: bool = False, agg_mode: str = "MAX", agg_axis: int = 0) -> int:
    """Compose an op's flags word from named options."""
    if agg_mode.upper() not in AGG_MODES:
        raise ValueError(f"agg_mode must be one of {list(AGG_MODES)}, got {agg_mode!r}")
    if agg_axis not in (0, 1):
        raise ValueError(f"agg_axis must be 0 or 1, got {agg_axis!r}")
    return ((FLAGS["RELU"] if relu else 0) | (FLAGS["OUT_SIGNED"] if out_signed else 0)
            | (FLAGS["NARROW"] if narrow else 0) | (FLAGS["EXCLUDE_SELF"] if exclude_self else 0)
            | (AGG_MODES[agg_mode.upper()] << FLAG_AGG_MODE_SHIFT)
            | (FLAGS["AGG_AXIS"] if agg_axis else 0))


@dataclass
class Program:
    """A program: header values, ops and the data segment (uint32 words).

    ``name`` is not part of the image; golden-vector metadata carries it.
    """

    bits: int
    acc_bits: int
    in_buf: int
    in_rows: int
    in_cols: int
    in_frac: int
    out_buf: int
    out_rows: int
    out_cols: int
    out_frac: int
    num_buffers: int
    ops: list[Op] = field(default_factory=list)
    data: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    name: str = ""

    def __post_init__(self) -> None:
        self.data = np.asarray(self.data, dtype=np.uint32).reshape(-1)

    # --- image -------------------------------------------------------------------------
    def header_values(self) -> dict[str, int]:
        """Header fields by name (checksum included)."""
        return {n: int(v) if n not in SIGNED_HEADER_FIELDS else _s32(int(v))
                for n, v in zip(HEADER_FIELDS, self.to_words()[:HEADER_WORDS], strict=True)}

    def to_words(self) -> np.ndarray:
        """The whole image as uint32 words (header, op table, data), checksum filled in."""
        hdr = np.zeros(HEADER_WORDS, dtype=np.uint32)
        vals = {"magic": MAGIC, "version": FORMAT_VERSION, "num_ops": len(self.ops),
                "data_words": int(self.data.size), "checksum": 0}
        for n, i in HEADER_FIELDS.items():
            hdr[i] = (vals[n] if n in vals else getattr(self, n)) & 0xFFFFFFFF
        parts = [hdr] + [op.to_words() for op in self.ops] + [self.data]
        words = np.concatenate(parts).astype(np.uint32)
        words[HEADER_FIELDS["checksum"]] = checksum(words)
        return words

    def to_bytes(self) -> bytes:
        return self.to_words().astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, limits: HardwareLimits | None = None,
                   validate: bool = True, name: str = "") -> Program:
        """Parse an image; with ``validate`` (default) run every load check (ProgramError)."""
        words = _words_of(blob)
        hdr = _check_header(words)
        num_ops, data_words = hdr["num_ops"], hdr["data_words"]
        ops = [Op.from_words(words[HEADER_WORDS + i * OP_WORDS:HEADER_WORDS + (i + 1) * OP_WORDS])
               for i in range(num_ops)]
        start = HEADER_WORDS + num_ops * OP_WORDS
        prog = cls(**{n: hdr[n] for n in _PROGRAM_HEADER_ATTRS}, ops=ops,
                   data=words[start:start + data_words].copy(), name=name)
        if validate:
            validate_program(prog, limits)
        return prog

    def save(self, path: str | Path) -> Path:
        """Write the image (conventionally ``*.smp``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.to_bytes())
        return path

    @classmethod
    def load(cls, path: str | Path, limits: HardwareLimits | None = None) -> Program:
        """Read and validate an image file."""
        path = Path(path)
        return cls.from_bytes(path.read_bytes(), limits, name=path.stem)

    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

    # --- access ------------------------------------------------------------------------
    def weights(self, op: Op) -> np.ndarray:
        """A DENSE op's weights (out_cols, in_cols) int64."""
        n = op.out_cols * row_words(op.in_cols, self.bits)
        return unpack_weights(self.data[op.w_off:op.w_off + n], op.out_cols, op.in_cols,
                              self.bits)

    def bias(self, op: Op) -> np.ndarray | None:
        """A DENSE op's biases as int64 (int32 or int64 words, ``bias_words``), or None."""
        if not op.has_bias:
            return None
        n = op.out_cols * bias_words(self.acc_bits)
        block = np.ascontiguousarray(self.data[op.b_off:op.b_off + n], dtype="<u4")
        dt = "<i8" if bias_words(self.acc_bits) == 2 else "<i4"
        return block.view(dt).astype(np.int64)

    def describe(self) -> str:
        """One line per op, for logs and debugging on the hardware side."""
        lines = [f"program {self.name or '(unnamed)'}: {self.bits}-bit, acc {self.acc_bits}, "
                 f"in buf{self.in_buf} {self.in_rows}x{self.in_cols} frac {self.in_frac}, "
                 f"out buf{self.out_buf} {self.out_rows}x{self.out_cols} frac {self.out_frac}, "
                 f"{len(self.ops)} ops, {self.data.size} data words"]
        for i, op in enumerate(self.ops):
            lines.append(f"  {i:3d} {op.name:9s} buf{op.src_buf}[{op.src_off}:"
                         f"{op.src_off + op.in_cols}] -> buf{op.dst_buf}[{op.dst_off}:"
                         f"{op.dst_off + op.out_cols}] rows {op.rows} shift {op.shift} "
                         f"flags {op.flags:#04x}")
        return "\n".join(lines)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Program):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()


_PROGRAM_HEADER_ATTRS = tuple(f.name for f in fields(Program)
                              if f.name in HEADER_FIELDS)


def checksum(words: np.ndarray) -> int:
    """CRC-32 (IEEE 802.3, zlib's) of the image's little-endian bytes, the checksum word
    counted as 0. Unlike v2's additive sum it catches swapped words and compensating edits."""
    w = np.array(words, dtype="<u4").reshape(-1)
    w[HEADER_FIELDS["checksum"]] = 0
    return zlib.crc32(w.tobytes()) & 0xFFFFFFFF


def _words_of(blob: bytes) -> np.ndarray:
    if len(blob) % 4:
        raise ProgramError("BAD_FORMAT", f"truncated image: {len(blob)} bytes is not a "
                                         f"multiple of 4")
    return np.frombuffer(blob, dtype="<u4").astype(np.uint32)


def _check_header(words: np.ndarray) -> dict[str, int]:
    """Magic, version, length and checksum, in that order (the order the hardware checks)."""
    if words.size < HEADER_WORDS:
        if words.size > HEADER_FIELDS["magic"] and words[0] != MAGIC:
            raise ProgramError("BAD_MAGIC", f"magic {int(words[0]):#010x}, expected "
                                            f"{MAGIC:#010x}")
        raise ProgramError("BAD_FORMAT", f"truncated image: {words.size} words, the header "
                                         f"alone is {HEADER_WORDS}")
    hdr = {n: int(words[i]) for n, i in HEADER_FIELDS.items()}
    for n in SIGNED_HEADER_FIELDS:
        hdr[n] = _s32(hdr[n])
    if hdr["magic"] != MAGIC:
        raise ProgramError("BAD_MAGIC", f"magic {hdr['magic']:#010x}, expected {MAGIC:#010x} "
                                        f"(not a spacemimo program image?)")
    if hdr["version"] != FORMAT_VERSION:
        raise ProgramError("BAD_VERSION", f"format version {hdr['version']}, this build reads "
                                          f"version {FORMAT_VERSION}: rebuild the image with "
                                          f"`spacemimo compile --from <QAT checkpoint>`")
    need = HEADER_WORDS + hdr["num_ops"] * OP_WORDS + hdr["data_words"]
    if words.size < need:
        raise ProgramError("BAD_FORMAT", f"truncated image: {words.size} words, the header "
                                         f"declares {hdr['num_ops']} ops and "
                                         f"{hdr['data_words']} data words = {need} words")
    if words.size > need:
        raise ProgramError("BAD_FORMAT", f"image has {words.size - need} trailing words beyond "
                                         f"the {need} its header declares")
    got = checksum(words)
    if got != hdr["checksum"]:
        raise ProgramError("BAD_CHECKSUM", f"checksum {hdr['checksum']:#010x} in the header, "
                                           f"{got:#010x} computed (corrupted image)")
    return hdr


# --------------------------------------------------------------------------- validation


class _Checker:
    """Walks ops in order, tracking which buffer cells hold data and their value ranges.

    Shared by ``validate_program`` (whole image) and ``ProgramBuilder`` (op by op, so the
    error points at the op being added). Codes: a value beyond a HardwareLimits maximum is
    DIMS_EXCEED_MAX; anything else inconsistent is BAD_FORMAT.
    """

    def __init__(self, bits: int, acc_bits: int, num_buffers: int, limits: HardwareLimits,
                 skip: frozenset[str] = frozenset()) -> None:
        self.bits, self.acc_bits, self.nbuf, self.limits = bits, acc_bits, num_buffers, limits
        # HARDWARE_MAY_SKIP checks left out: what a loader that skips them reports
        self.skip = skip
        # Cell state grows with the extents actually used (limits may be large).
        self.written = np.zeros((num_buffers, 0, 0), dtype=bool)
        self.lo = np.zeros((num_buffers, 0, 0), dtype=np.int64)
        self.hi = np.zeros((num_buffers, 0, 0), dtype=np.int64)
        self.acc_lim = (-(1 << (acc_bits - 1)), (1 << (acc_bits - 1)) - 1)

    def _grow(self, rows: int, cols: int) -> None:
        _, R, C = self.written.shape
        if rows <= R and cols <= C:
            return
        R2, C2 = max(R, rows), max(C, cols)
        for name in ("written", "lo", "hi"):
            old = getattr(self, name)
            new = np.zeros((self.nbuf, R2, C2), dtype=old.dtype)
            new[:, :R, :C] = old
            setattr(self, name, new)

    # --- header ---------------------------------------------------------------------------
    @staticmethod
    def check_header(p: Program, limits: HardwareLimits) -> None:
        if p.bits not in DATA_BITS:
            raise ProgramError("BAD_FORMAT", f"bits must be 8 or 16, got {p.bits}")
        if not 1 <= p.acc_bits <= ACC_BITS_MAX[p.bits]:
            raise ProgramError("BAD_FORMAT", f"acc_bits must be in [1, "
                                             f"{ACC_BITS_MAX[p.bits]}] for {p.bits}-bit, "
                                             f"got {p.acc_bits}")
        if p.bits > limits.data_bits or p.acc_bits > limits.acc_bits:
            raise ProgramError("DIMS_EXCEED_MAX", f"{p.bits}-bit program with acc_bits "
                                                  f"{p.acc_bits}: this build runs at most "
                                                  f"{limits.data_bits}-bit, acc_bits "
                                                  f"{limits.acc_bits}")
        if len(p.ops) < 1:
            raise ProgramError("BAD_FORMAT", "a program needs at least one op")
        if len(p.ops) > limits.max_ops:
            raise ProgramError("DIMS_EXCEED_MAX", f"{len(p.ops)} ops > hardware MAX_OPS "
                                                  f"{limits.max_ops}")
        if p.num_buffers < 1:
            raise ProgramError("BAD_FORMAT", "num_buffers must be >= 1")
        if p.num_buffers > limits.num_buffers:
            raise ProgramError("DIMS_EXCEED_MAX", f"num_buffers {p.num_buffers} > hardware "
                                                  f"NUM_BUFFERS {limits.num_buffers}")
        if p.data.size > limits.max_weight_words:
            raise ProgramError("DIMS_EXCEED_MAX", f"data segment of {p.data.size} words > "
                                                  f"MAX_WEIGHT_WORDS {limits.max_weight_words}")
        for what in ("in", "out"):
            buf, rows, cols = (getattr(p, f"{what}_{x}") for x in ("buf", "rows", "cols"))
            if rows < 1 or cols < 1:
                raise ProgramError("BAD_FORMAT", f"{what}put table {rows}x{cols} is empty")
            if buf >= p.num_buffers:
                raise ProgramError("BAD_FORMAT", f"{what}_buf {buf} >= num_buffers "
                                                 f"{p.num_buffers}")
            if rows > limits.max_rows or cols > limits.max_cols:
                raise ProgramError("DIMS_EXCEED_MAX", f"{what}put table {rows}x{cols} beyond "
                                                      f"MAX_ROWS x MAX_COLS {limits.max_rows}x"
                                                      f"{limits.max_cols}")

    def load_input(self, buf: int, rows: int, cols: int) -> None:
        lo, hi = sat_range(self.bits, True, False)
        self._write(buf, 0, rows, cols, lo, hi)

    def check_output(self, buf: int, rows: int, cols: int) -> None:
        self._need_written(buf, 0, rows, cols, "output table")
        lo = int(self.lo[buf, :rows, :cols].min())
        hi = int(self.hi[buf, :rows, :cols].max())
        if lo < -(1 << 15) or hi > (1 << 15) - 1:
            self._fail("output_range", f"output table range [{lo}, {hi}] does not fit the "
                                       f"int16 device format (make the last op's output "
                                       f"signed)")

    # --- helpers ----------------------------------------------------------------------------
    def _fail(self, check: str, message: str) -> None:
        """BAD_FORMAT from a HARDWARE_MAY_SKIP check, unless this checker skips it."""
        if check not in self.skip:
            raise ProgramError("BAD_FORMAT", message, check=check)

    def _write(self, buf: int, off: int, rows: int, cols: int, lo: int | np.ndarray,
               hi: int | np.ndarray) -> None:
        self._grow(rows, off + cols)
        self.written[buf, :rows, off:off + cols] = True
        self.lo[buf, :rows, off:off + cols] = lo
        self.hi[buf, :rows, off:off + cols] = hi

    def _need_written(self, buf: int, off: int, rows: int, cols: int, what: str) -> None:
        self._grow(rows, off + cols)
        if not self.written[buf, :rows, off:off + cols].all():
            self._fail("dataflow", f"{what} reads buf{buf} rows [0, {rows}) cols [{off}, "
                                   f"{off + cols}), which no earlier op or the input load "
                                   f"wrote")

    def _col_range(self, buf: int, off: int, rows: int, cols: int
                   ) -> tuple[np.ndarray, np.ndarray]:
        return (self.lo[buf, :rows, off:off + cols].min(axis=0),
                self.hi[buf, :rows, off:off + cols].max(axis=0))

    def _fits_acc(self, lo: int, hi: int, where: str) -> None:
        if lo < self.acc_lim[0] or hi > self.acc_lim[1]:
            self._fail("acc_range", f"{where}: worst-case accumulator range [{lo}, {hi}] "
                                    f"overflows acc_bits={self.acc_bits}")

    def _window(self, kind: str, buf: int, off: int, cols: int, rows: int, where: str) -> None:
        L = self.limits
        if buf >= L.num_buffers:
            raise ProgramError("DIMS_EXCEED_MAX", f"{where}: {kind} buffer {buf} >= hardware "
                                                  f"NUM_BUFFERS {L.num_buffers}")
        if buf >= self.nbuf:
            raise ProgramError("BAD_FORMAT", f"{where}: {kind} buffer {buf} >= the header's "
                                             f"num_buffers {self.nbuf}")
        if rows > L.max_rows:
            raise ProgramError("DIMS_EXCEED_MAX", f"{where}: rows {rows} > MAX_ROWS "
                                                  f"{L.max_rows}")
        if off + cols > L.max_cols:
            raise ProgramError("DIMS_EXCEED_MAX", f"{where}: {kind} window [{off}, "
                                                  f"{off + cols}) beyond MAX_COLS "
                                                  f"{L.max_cols}")

    # --- ops ----------------------------------------------------------------------------------
    def check_op(self, i: int, op: Op, weights: Callable[[Op], np.ndarray],
                 bias: Callable[[Op], np.ndarray | None], data_words: int) -> None:
        where = f"op {i} ({op.name})"
        if op.opcode not in _OPCODE_NAMES:
            raise ProgramError("BAD_OPCODE", f"op {i}: opcode {op.opcode} is not one of "
                                             f"{OPCODES}")
        for name in UNUSED_OP_FIELDS[op.name]:
            if getattr(op, name):
                raise ProgramError("BAD_FORMAT", f"{where}: word {OP_FIELDS[name]} ({name}) "
                                                 f"is unused by {op.name} and must be 0, got "
                                                 f"{getattr(op, name) & 0xFFFFFFFF:#x}")
        if op.rows < 1 or op.in_cols < 1 or op.out_cols < 1:
            raise ProgramError("BAD_FORMAT", f"{where}: empty dims rows={op.rows} in_cols="
                                             f"{op.in_cols} out_cols={op.out_cols}")
        self._window("source", op.src_buf, op.src_off, op.in_cols, op.rows, where)
        self._window("destination", op.dst_buf, op.dst_off, op.out_cols, op.rows, where)
        if op.flags & ~FLAGS_DEFINED:
            raise ProgramError("BAD_FORMAT", f"{where}: reserved flag bits set in "
                                             f"{op.flags:#x}")
        if op.out_bits != self.bits:
            raise ProgramError("BAD_FORMAT", f"{where}: out_bits {op.out_bits} != program "
                                             f"bits {self.bits}")
        if op.relu and op.opcode != OPCODES["DENSE"]:
            raise ProgramError("BAD_FORMAT", f"{where}: RELU is only defined for DENSE")
        if op.opcode != OPCODES["NORM"] and not SHIFT_MIN <= op.shift <= SHIFT_MAX:
            raise ProgramError("BAD_FORMAT", f"{where}: shift {op.shift} outside "
                                             f"[{SHIFT_MIN}, {SHIFT_MAX}]")
        srcs = [(op.src_buf, op.src_off, op.in_cols)]
        if op.opcode == OPCODES["TAYLOR"]:
            srcs.append((op.w_off, op.b_off, 2))
            self._window("second source", op.w_off, op.b_off, 2, op.rows, where)
        for b, o, c in srcs:
            if b == op.dst_buf and o < op.dst_off + op.out_cols and op.dst_off < o + c:
                raise ProgramError("BAD_FORMAT", f"{where}: destination buf{op.dst_buf}"
                                                 f"[{op.dst_off}, {op.dst_off + op.out_cols})"
                                                 f" overlaps source buf{b}[{o}, {o + c})")
            self._need_written(b, o, op.rows, c, where)
        lo_out, hi_out = sat_range(self.bits, op.out_signed, op.narrow)
        if op.relu:
            lo_out = max(lo_out, 0)
        handler = {1: self._dense, 2: self._aggregate, 3: self._norm, 4: self._taylor}
        handler[op.opcode](op, where, weights, bias, data_words)
        self._write(op.dst_buf, op.dst_off, op.rows, op.out_cols, lo_out, hi_out)

    def _dense(self, op: Op, where: str, weights: Callable[[Op], np.ndarray],
               bias: Callable[[Op], np.ndarray | None], data_words: int) -> None:
        self._segments(op, where)
        n_w = op.out_cols * row_words(op.in_cols, self.bits)
        if op.w_off + n_w > data_words:
            raise ProgramError("BAD_FORMAT", f"{where}: weight block [{op.w_off}, "
                                             f"{op.w_off + n_w}) beyond the data segment "
                                             f"({data_words} words)")
        n_b = op.out_cols * bias_words(self.acc_bits)
        if op.has_bias and op.b_off + n_b > data_words:
            raise ProgramError("BAD_FORMAT", f"{where}: bias block [{op.b_off}, "
                                             f"{op.b_off + n_b}) beyond the data "
                                             f"segment ({data_words} words)")
        W = weights(op)
        b = bias(op)
        lo, hi = self._col_range(op.src_buf, op.src_off, op.rows, op.in_cols)
        al = op.column_aligns()
        lo, hi = lo << al, hi << al
        p, q = W * lo[None, :], W * hi[None, :]
        acc_hi = np.maximum(p, q).sum(axis=1)
        acc_lo = np.minimum(p, q).sum(axis=1)
        if b is not None:
            acc_hi, acc_lo = acc_hi + b, acc_lo + b
        self._fits_acc(int(acc_lo.min()), int(acc_hi.max()), where)

    @staticmethod
    def _segments(op: Op, where: str) -> None:
        """DENSE's seg_cols / seg_align words (PROGRAM.md "DENSE")."""
        if op.seg_cols == 0:
            if op.gain != 0:
                raise ProgramError("BAD_FORMAT", f"{where}: seg_align {op.gain & 0xFFFFFFFF:#x}"
                                                 f" set without segments (seg_cols 0)")
            return
        if op.in_cols % op.seg_cols:
            raise ProgramError("BAD_FORMAT", f"{where}: in_cols {op.in_cols} is not a multiple "
                                             f"of seg_cols {op.seg_cols}")
        n = op.num_segments
        if n > MAX_SEGMENTS:
            raise ProgramError("BAD_FORMAT", f"{where}: {n} segments > MAX_SEGMENTS "
                                             f"{MAX_SEGMENTS}")
        if (op.gain & 0xFFFFFFFF) >> (SEG_ALIGN_BITS * n):
            raise ProgramError("BAD_FORMAT", f"{where}: seg_align {op.gain & 0xFFFFFFFF:#010x} "
                                             f"has fields beyond its {n} segments")
        top = max(op.segment_aligns(n))
        if top > seg_align_max(op.out_bits):
            raise ProgramError("BAD_FORMAT", f"{where}: segment alignment {top} > "
                                             f"{seg_align_max(op.out_bits)}, the limit of "
                                             f"{op.out_bits}-bit programs")

    def _aggregate(self, op: Op, where: str, *_: object) -> None:
        if op.out_cols != op.in_cols:
            raise ProgramError("BAD_FORMAT", f"{where}: out_cols {op.out_cols} != in_cols "
                                             f"{op.in_cols}")
        if op.group < 1 or op.rows % op.group:
            raise ProgramError("BAD_FORMAT", f"{where}: rows {op.rows} not a multiple of "
                                             f"group {op.group}")
        if op.agg_mode not in AGG_MODES.values():
            raise ProgramError("BAD_FORMAT", f"{where}: AGG_MODE {op.agg_mode} undefined")
        lo, hi = self._col_range(op.src_buf, op.src_off, op.rows, op.in_cols)
        if op.agg_mode == AGG_MODES["SUM"]:
            n = op.group if op.agg_axis == 0 else op.rows // op.group
            n -= int(op.exclude_self)
            self._fits_acc(n * min(int(lo.min()), 0), n * max(int(hi.max()), 0), where)

    def _norm(self, op: Op, where: str, *_: object) -> None:
        if op.out_cols != op.in_cols:
            raise ProgramError("BAD_FORMAT", f"{where}: out_cols {op.out_cols} != in_cols "
                                             f"{op.in_cols}")
        lo, hi = self._col_range(op.src_buf, op.src_off, op.rows, op.in_cols)
        ymax = max(abs(int(lo.min())), abs(int(hi.max())))
        if op.gain < 1:
            raise ProgramError("BAD_FORMAT", f"{where}: gain {op.gain} must be >= 1")
        if op.rbits > 62:
            raise ProgramError("BAD_FORMAT", f"{where}: rbits {op.rbits} > 62")
        if op.rows * op.in_cols * ymax * ymax >= 1 << 63:
            self._fail("norm_range", f"{where}: sum of squares may overflow 64 bits")
        if ymax * (op.gain << op.rbits) >= 1 << 63:
            self._fail("norm_range", f"{where}: y * (gain << rbits) may overflow 64 "
                                             f"bits (gain {op.gain}, rbits {op.rbits})")

    def _taylor(self, op: Op, where: str, *_: object) -> None:
        if op.out_cols != op.in_cols or op.in_cols % 2:
            raise ProgramError("BAD_FORMAT", f"{where}: needs in_cols == out_cols, even "
                                             f"([Re | Im] channels), got {op.in_cols}/"
                                             f"{op.out_cols}")
        if op.group < 1 or op.rows % op.group:
            raise ProgramError("BAD_FORMAT", f"{where}: rows {op.rows} not a multiple of "
                                             f"group {op.group}")
        if not SHIFT_MIN <= op.gain <= SHIFT_MAX:
            raise ProgramError("BAD_FORMAT", f"{where}: A shift (gain word) {op.gain} outside "
                                             f"[{SHIFT_MIN}, {SHIFT_MAX}]")
        dlo, dhi = self._col_range(op.src_buf, op.src_off, op.rows, op.in_cols)
        hlo, hhi = self._col_range(op.w_off, op.b_off, op.rows, 2)
        dmax = max(abs(int(dlo.min())), abs(int(dhi.max())))
        hmax = max(abs(int(hlo.min())), abs(int(hhi.max())))
        n, k = op.rows // op.group, op.group
        amax = 1 << (self.bits - 1)
        a_acc = 2 * n * hmax * dmax
        e_acc = 2 * k * dmax * amax
        self._fits_acc(-a_acc, a_acc, f"{where} A = H D")
        self._fits_acc(-e_acc, e_acc, f"{where} E = D A")


def validate_program(p: Program, limits: HardwareLimits | None = None,
                     skip: frozenset[str] = frozenset()) -> None:
    """Every load-time check (PROGRAM.md "Validation"); raises ProgramError with its code.

    skip: HARDWARE_MAY_SKIP checks to leave out — what a hardware loader that skips them
    reports (the fuzz tests' rule for back ends that do)."""
    limits = limits or HardwareLimits()
    if not skip <= HARDWARE_MAY_SKIP:
        raise ValueError(f"only {sorted(HARDWARE_MAY_SKIP)} may be skipped, got {sorted(skip)}")
    _Checker.check_header(p, limits)
    chk = _Checker(p.bits, p.acc_bits, p.num_buffers, limits, skip)
    chk.load_input(p.in_buf, p.in_rows, p.in_cols)
    for i, op in enumerate(p.ops):
        chk.check_op(i, op, p.weights, p.bias, p.data.size)
    check_tables(p, limits)
    chk.check_output(p.out_buf, p.out_rows, p.out_cols)


def buffer_extents(p: Program) -> dict[int, tuple[int, int]]:
    """Per buffer the rows and the column end of the largest tables the program puts in it
    (input, output, every op's source, destination and TAYLOR's H window)."""
    ext: dict[int, tuple[int, int]] = {}

    def use(buf: int, rows: int, end: int) -> None:
        r, c = ext.get(buf, (0, 0))
        ext[buf] = (max(r, rows), max(c, end))

    use(p.in_buf, p.in_rows, p.in_cols)
    use(p.out_buf, p.out_rows, p.out_cols)
    for op in p.ops:
        use(op.src_buf, op.rows, op.src_off + op.in_cols)
        use(op.dst_buf, op.rows, op.dst_off + op.out_cols)
        if op.opcode == OPCODES["TAYLOR"]:
            use(op.w_off, op.rows, op.b_off + 2)
    return ext


def check_tables(p: Program, limits: HardwareLimits) -> None:
    """Every buffer's tables fit limits.table_elems (after every op check, as the RTL loader
    does at the end of its op pass): DIMS_EXCEED_MAX naming the buffer and the limit."""
    if not limits.table_elems:
        return
    for buf, (rows, cols) in sorted(buffer_extents(p).items()):
        need = limits.table_elems_of(rows, cols)
        if need > limits.table_elems:
            raise ProgramError("DIMS_EXCEED_MAX", f"buffer {buf} holds {rows} rows x {cols} "
                                                  f"columns = {need} elements as laid out "
                                                  f"(rows in tiles of {limits.node_rows}, a "
                                                  f"power of two of {limits.out_lanes}-column "
                                                  f"blocks per row) > TABLE_ELEMS "
                                                  f"{limits.table_elems}")


# --------------------------------------------------------------------------- weight placement


def bank_words(op: Op, bits: int, out_lanes: int) -> int:
    """Words of every weight bank one DENSE op takes: ceil(out / P) tiles x row words."""
    return -(-op.out_cols // out_lanes) * row_words(op.in_cols, bits)


def streamed_ops(program: Program, out_lanes: int, wmem_depth: int,
                 first_fit: bool = False) -> list[int]:
    """Indices of the DENSE ops a build with ``wmem_depth`` resident words per bank streams
    (all of them when ``wmem_depth`` is 0), as the RTL loader places them: DENSE ops stay
    resident in program order while their bank words fit; the first that does not and every
    later one stream. ``first_fit`` (RTL WGT_FIT 1): an op that does not fit streams and the
    loader goes on, so a later op that fits the depth left stays resident."""
    used, out, spilled = 0, [], False
    for i, op in enumerate(program.ops):
        if op.opcode != OPCODES["DENSE"]:
            continue
        need = bank_words(op, program.bits, out_lanes)
        if spilled or used + need > wmem_depth:
            spilled = not first_fit
            out.append(i)
        else:
            used += need
    return out


# --------------------------------------------------------------------------- bounds
# Host-side twins of PROGRAM.md "Bounds: no loader trusts a length it was not given". The
# driver calls them before it writes a register, and golden.run_device applies them in the
# hardware's order, so a bad buffer or size gets the same ProgramError code on the host as
# the STATUS the device would report.

TABLE_ELEM_BYTES = 2  # input/output tables hold one int16 per element (PROGRAM.md)
HEADER_BYTES = HEADER_WORDS * 4


def check_buffer(name: str, base: int, size: int, addr_bits: int = 64, align: int = 8) -> None:
    """ADDR_RANGE unless [base, base + size) lies inside the 2^addr_bits address space and
    base is ``align``-aligned (a buffer that wraps would let a burst reach address 0)."""
    base, size = int(base), int(size)
    if base < 0 or size < 0:
        raise ProgramError("ADDR_RANGE", f"{name} buffer: base {base:#x} and size {size} must "
                                         f"be non-negative")
    if base + size > 1 << addr_bits:
        raise ProgramError("ADDR_RANGE", f"{name} buffer [{base:#x}, +{size}) wraps the "
                                         f"{addr_bits}-bit address space")
    if align > 1 and base % align:
        raise ProgramError("ADDR_RANGE", f"{name} buffer base {base:#x} is not {align}-byte "
                                         f"aligned (allocate it with the driver's allocator)")


def image_bytes(num_ops: int, data_words: int) -> int:
    """Bytes of an image whose header declares ``num_ops`` ops and ``data_words`` data words
    (exact: the hardware computes it in 64 bits, so 0xFFFFFFFF fields cannot wrap)."""
    return (HEADER_WORDS + int(num_ops) * OP_WORDS + int(data_words)) * 4


def _beats(nbytes: int, bus_bytes: int) -> int:
    """``nbytes`` rounded up to whole bus beats (what a burst over them touches)."""
    return -(-int(nbytes) // bus_bytes) * bus_bytes


def check_image_fits(image: bytes | np.ndarray, program_size: int, bus_bytes: int = 8) -> None:
    """Rule 1 up to the length (PROGRAM.md "Bounds"): PROGRAM_SIZE < 64 is ADDR_RANGE before
    any read; then magic, version (as the hardware reads them); then an image whose header
    declares more bytes than ``program_size`` (or than ``image`` holds) is BAD_FORMAT, and one
    whose last ``bus_bytes`` beat alone reaches past ``program_size`` is ADDR_RANGE (bursts
    move whole beats: register sizes in whole beats). Trailing bytes after the declared image
    are allowed (allocations are rounded up)."""
    blob = image.astype("<u4").tobytes() if isinstance(image, np.ndarray) else bytes(image)
    if int(program_size) < HEADER_BYTES:
        raise ProgramError("ADDR_RANGE", f"PROGRAM_SIZE {program_size} < {HEADER_BYTES} "
                                         f"bytes, the header alone", check="program_size")
    if len(blob) >= 4:
        magic = int.from_bytes(blob[0:4], "little")
        if magic != MAGIC:
            raise ProgramError("BAD_MAGIC", f"magic {magic:#010x}, expected {MAGIC:#010x} "
                                            f"(not a spacemimo program image?)")
    if len(blob) >= 8:
        version = int.from_bytes(blob[4:8], "little")
        if version != FORMAT_VERSION:
            raise ProgramError("BAD_VERSION", f"format version {version}, this build reads "
                                              f"version {FORMAT_VERSION}: rebuild the image "
                                              f"with `spacemimo compile --from <QAT checkpoint>`")
    if len(blob) < HEADER_BYTES:
        raise ProgramError("BAD_FORMAT", f"truncated image: {len(blob)} bytes, the header "
                                         f"alone is {HEADER_BYTES}", check="program_size")
    num_ops = int.from_bytes(blob[8:12], "little")
    data_words = int.from_bytes(blob[12:16], "little")
    need = image_bytes(num_ops, data_words)
    if need > int(program_size):
        raise ProgramError("BAD_FORMAT", f"truncated image: the header declares {num_ops} ops "
                                         f"and {data_words} data words = {need} bytes, "
                                         f"PROGRAM_SIZE is {program_size}", check="program_size")
    if need > len(blob):
        raise ProgramError("BAD_FORMAT", f"truncated image: the header declares {need} bytes, "
                                         f"the image has {len(blob)}", check="program_size")
    if _beats(need, bus_bytes) > int(program_size):
        raise ProgramError("ADDR_RANGE", f"the image's {need} bytes end inside a "
                                         f"{bus_bytes}-byte bus beat that reaches past "
                                         f"PROGRAM_SIZE {program_size}: register the buffer "
                                         f"in whole beats ({_beats(need, bus_bytes)} bytes)",
                           check="program_size")


def check_io_fits(program: Program, num_vectors: int, input_size: int, output_size: int,
                  bus_bytes: int = 8) -> None:
    """Rule 2 (PROGRAM.md "Bounds"): NUM_VECTORS = 0 is BAD_FORMAT; ``num_vectors`` input or
    output tables, rounded up to whole ``bus_bytes`` beats, beyond INPUT_SIZE / OUTPUT_SIZE
    bytes are ADDR_RANGE (before any read)."""
    n = int(num_vectors)
    if n < 1:
        raise ProgramError("BAD_FORMAT", f"NUM_VECTORS must be >= 1, got {n}")
    need_in, need_out = (_beats(b, bus_bytes) for b in io_bytes(program, n))
    if need_in > int(input_size):
        raise ProgramError("ADDR_RANGE", f"{n} input tables of {program.in_rows}x"
                                         f"{program.in_cols} int16 = {need_in} bytes > "
                                         f"INPUT_SIZE {input_size}")
    if need_out > int(output_size):
        raise ProgramError("ADDR_RANGE", f"{n} output tables of {program.out_rows}x"
                                         f"{program.out_cols} int16 = {need_out} bytes > "
                                         f"OUTPUT_SIZE {output_size}")


def io_bytes(program: Program, num_vectors: int) -> tuple[int, int]:
    """(input, output) bytes of ``num_vectors`` int16 tables; allocators provide (and drivers
    register) at least this, rounded up to whole bus beats (8 bytes on the 64-bit bus)."""
    n = int(num_vectors)
    return (n * program.in_rows * program.in_cols * TABLE_ELEM_BYTES,
            n * program.out_rows * program.out_cols * TABLE_ELEM_BYTES)


def load_device_image(buffer: bytes | np.ndarray, program_size: int,
                      limits: HardwareLimits | None = None,
                      skip: frozenset[str] = frozenset()) -> Program:
    """MODE.LOAD_PROGRAM as the hardware does it on a program buffer of ``program_size``
    bytes (rule 1, in the hardware's order): ``check_image_fits`` up to the length, then
    num_ops / data_words against the synthesized maxima (DIMS_EXCEED_MAX, before the checksum
    pass reads the image), the checksum pass's whole beats inside the buffer (ADDR_RANGE),
    then the declared image (trailing buffer bytes ignored) through the Python loader:
    checksum, header fields, ops. Raises ProgramError with the device's code.
    ``skip``: as validate_program's."""
    limits = limits or HardwareLimits()
    blob = buffer.astype("<u4").tobytes() if isinstance(buffer, np.ndarray) else bytes(buffer)
    size = max(int(program_size), 0)
    blob = blob[:size]
    if len(blob) >= 16:  # the buffer beyond the data given reads as 0 (up to what is needed)
        need = image_bytes(int.from_bytes(blob[8:12], "little"),
                           int.from_bytes(blob[12:16], "little"))
        blob += bytes(max(min(size, _beats(need, limits.bus_bytes)) - len(blob), 0))
    check_image_fits(blob, program_size, bus_bytes=1)  # the whole-beat check comes later
    num_ops = int.from_bytes(blob[8:12], "little")
    data_words = int.from_bytes(blob[12:16], "little")
    if num_ops > limits.max_ops:
        raise ProgramError("DIMS_EXCEED_MAX", f"{num_ops} ops > hardware MAX_OPS "
                                              f"{limits.max_ops}")
    if data_words > limits.max_weight_words:
        raise ProgramError("DIMS_EXCEED_MAX", f"data segment of {data_words} words > "
                                              f"MAX_WEIGHT_WORDS {limits.max_weight_words}")
    # the checksum pass's bursts: the image's last beat must lie inside the buffer too
    check_image_fits(blob, program_size, limits.bus_bytes)
    prog = Program.from_bytes(blob[:image_bytes(num_ops, data_words)], limits, validate=False)
    validate_program(prog, limits, skip)
    return prog


# --------------------------------------------------------------------------- builder


@dataclass(frozen=True)
class Window:
    """A column window of an activation buffer: cols [off, off + cols) of rows [0, rows)."""

    buf: int
    off: int
    cols: int
    rows: int

    def at(self, off: int, cols: int | None = None) -> Window:
        """A sub-window starting ``off`` columns into this one."""
        return replace(self, off=self.off + off, cols=self.cols - off if cols is None else cols)


class ProgramBuilder:
    """Append ops with integer weights; each op is checked as it is added.

    num_buffers: the header's buffer count; by default the number of buffers the ops touch
    (any index below the hardware's NUM_BUFFERS may be used).

    >>> b = ProgramBuilder(bits=8)
    >>> x = b.input(rows=4, cols=8, frac=5)
    >>> h = b.dense(x, W, bias, shift=7, relu=True, dst=(1, 0))
    >>> prog = b.build(output=b.norm(h, gain=64, dst=(2, 0)), out_frac=6)
    """

    def __init__(self, bits: int = 8, acc_bits: int | None = None, num_buffers: int | None = None,
                 limits: HardwareLimits | None = None, name: str = "") -> None:
        if bits not in DATA_BITS:
            raise ProgramError("BAD_FORMAT", f"bits must be 8 or 16, got {bits}")
        self.bits = bits
        self.acc_bits = acc_bits if acc_bits is not None else ACC_BITS_MAX[bits]
        self.limits = limits or HardwareLimits()
        self._fixed_buffers = num_buffers is not None
        self.num_buffers = num_buffers if num_buffers is not None else self.limits.num_buffers
        self.name = name
        self.ops: list[Op] = []
        self._data: list[np.ndarray] = []
        self._data_words = 0
        self._blocks: dict[int, np.ndarray] = {}  # w_off / b_off -> int64 array (for checks)
        self._input: tuple[int, int, int, int] | None = None
        if not 1 <= self.acc_bits <= ACC_BITS_MAX[bits]:
            raise ProgramError("BAD_FORMAT", f"acc_bits must be in [1, {ACC_BITS_MAX[bits]}] "
                                             f"for {bits}-bit, got {self.acc_bits}")
        if self.num_buffers > self.limits.num_buffers:
            raise ProgramError("DIMS_EXCEED_MAX", f"num_buffers {self.num_buffers} > hardware "
                                                  f"NUM_BUFFERS {self.limits.num_buffers}")
        self._chk = _Checker(bits, self.acc_bits, self.num_buffers, self.limits)

    # --- data segment ----------------------------------------------------------------------
    def _append_data(self, words: np.ndarray, values: np.ndarray) -> int:
        off = self._data_words
        self._data.append(np.asarray(words, dtype=np.uint32))
        self._data_words += int(words.size)
        self._blocks[off] = values
        return off

    def _add(self, op: Op) -> None:
        self._chk.check_op(len(self.ops), op, lambda o: self._blocks[o.w_off],
                           lambda o: self._blocks[o.b_off] if o.has_bias else None,
                           self._data_words)
        self.ops.append(op)

    @staticmethod
    def _dst(dst: tuple[int, int]) -> tuple[int, int]:
        if len(dst) != 2:
            raise ValueError(f"dst must be (buffer, column offset), got {dst!r}")
        return int(dst[0]), int(dst[1])

    # --- ops -----------------------------------------------------------------------------
    def input(self, rows: int, cols: int, frac: int = 0, buf: int = 0) -> Window:
        """Declare the input table (loaded into ``buf`` at column 0)."""
        if self._input is not None:
            raise ValueError("input() was already called")
        if rows > self.limits.max_rows or cols > self.limits.max_cols:
            raise ProgramError("DIMS_EXCEED_MAX", f"input table {rows}x{cols} beyond "
                                                  f"{self.limits.max_rows}x{self.limits.max_cols}")
        if buf >= self.num_buffers:
            raise ProgramError("BAD_FORMAT", f"in_buf {buf} >= num_buffers {self.num_buffers}")
        self._input = (buf, rows, cols, frac)
        self._chk.load_input(buf, rows, cols)
        return Window(buf, 0, cols, rows)

    def dense(self, src: Window, W: np.ndarray, bias: np.ndarray | None, shift: int,
              dst: tuple[int, int], relu: bool = False, out_signed: bool | None = None,
              narrow: bool = False, aligns: list[int] | tuple[int, ...] | None = None
              ) -> Window:
        """DENSE: W (out, in) signed ints, bias (out,) at the accumulator's scale (int32, or
        int64 when acc_bits > 32).

        aligns: per-segment left alignment of the source (the source splits into
        ``len(aligns)`` equal column segments), for inputs on different grids: segment s on
        grid 2^-f_s gets align F - f_s so the accumulator is on 2^-(F + f_w).
        out_signed defaults to ``not relu`` (Brevitas: unsigned after ReLU).
        """
        W = np.asarray(W)
        if W.ndim != 2 or W.shape[1] != src.cols:
            raise ValueError(f"W must be (out, {src.cols}) for a {src.cols}-column source, got "
                             f"shape {W.shape}")
        out = W.shape[0]
        seg_cols, seg_align = 0, 0
        if aligns is not None:
            if len(aligns) < 1 or src.cols % len(aligns):
                raise ValueError(f"{len(aligns)} segments do not split {src.cols} columns "
                                 f"evenly")
            seg_cols, seg_align = src.cols // len(aligns), pack_seg_align(tuple(aligns))
        w_off = self._append_data(pack_weights(W, self.bits), W.astype(np.int64))
        b_off = NO_BIAS
        if bias is not None:
            b = np.asarray(bias)
            if b.shape != (out,) or (b.size and not np.issubdtype(b.dtype, np.integer)):
                raise ValueError(f"bias must be ({out},) integers, got shape {b.shape} dtype "
                                 f"{b.dtype}")
            wide = bias_words(self.acc_bits) == 2
            top = 63 if wide else 31
            if b.size and (int(b.min()) < -(1 << top) or int(b.max()) > (1 << top) - 1):
                raise ValueError(f"bias values must fit int{top + 1} (acc_bits "
                                 f"{self.acc_bits})")
            words = b.astype("<i8" if wide else "<i4").view("<u4").astype(np.uint32)
            b_off = self._append_data(words, b.astype(np.int64))
        signed = (not relu) if out_signed is None else out_signed
        db, do = self._dst(dst)
        self._add(Op(OPCODES["DENSE"], make_flags(relu, signed, narrow), src.buf, src.off, db,
                     do, src.rows, src.cols, out, w_off, b_off, int(shift), self.bits,
                     group=seg_cols, gain=seg_align))
        return Window(db, do, out, src.rows)

    def aggregate(self, src: Window, dst: tuple[int, int], group: int, mode: str = "max",
                  axis: int = 0, exclude_self: bool = True, shift: int = 0,
                  out_signed: bool = True, narrow: bool = False) -> Window:
        """AGGREGATE max/sum over graph neighbours (axis 0: k within n-group, 1: n for k)."""
        db, do = self._dst(dst)
        flags = make_flags(False, out_signed, narrow, exclude_self, mode, axis)
        self._add(Op(OPCODES["AGGREGATE"], flags, src.buf, src.off, db, do, src.rows, src.cols,
                     src.cols, shift=int(shift), out_bits=self.bits, group=group))
        return Window(db, do, src.cols, src.rows)

    def norm(self, src: Window, dst: tuple[int, int], gain: int, rbits: int | None = None,
             out_signed: bool = True, narrow: bool = False) -> Window:
        """NORM: dst = gain * src / ||src|| over the whole window; rbits defaults to the
        largest value that keeps y * (gain << rbits) within signed 64 bits."""
        if rbits is None:
            ymax = 1 << self.bits  # buffers hold bits+1-bit signed words
            rbits = max(0, min(40, 62 - ymax.bit_length() - int(gain).bit_length()))
        db, do = self._dst(dst)
        self._add(Op(OPCODES["NORM"], make_flags(False, out_signed, narrow), src.buf, src.off,
                     db, do, src.rows, src.cols, src.cols, out_bits=self.bits, gain=int(gain),
                     rbits=int(rbits)))
        return Window(db, do, src.cols, src.rows)

    def taylor(self, src: Window, h: Window, dst: tuple[int, int], group: int, a_shift: int,
               shift: int, out_signed: bool = True, narrow: bool = False) -> Window:
        """TAYLOR: E = D (H D) per complex channel; h is the 2-column [Re h_nk, Im h_nk]."""
        if h.cols != 2:
            raise ValueError(f"h must be a 2-column window [Re h, Im h], got {h.cols} columns")
        db, do = self._dst(dst)
        self._add(Op(OPCODES["TAYLOR"], make_flags(False, out_signed, narrow), src.buf, src.off,
                     db, do, src.rows, src.cols, src.cols, w_off=h.buf, b_off=h.off,
                     shift=int(shift), out_bits=self.bits, group=group, gain=int(a_shift)))
        return Window(db, do, src.cols, src.rows)

    def build(self, output: Window, out_frac: int = 0, name: str | None = None) -> Program:
        """Finish: ``output`` is the table the host reads (column offset must be 0)."""
        if self._input is None:
            raise ValueError("call input() before build()")
        if output.off != 0:
            raise ValueError(f"the output table must start at column 0, got offset {output.off}")
        self._chk.check_output(output.buf, output.rows, output.cols)
        in_buf, in_rows, in_cols, in_frac = self._input
        data = (np.concatenate(self._data) if self._data else np.zeros(0, np.uint32))
        nbuf = self.num_buffers
        if not self._fixed_buffers:  # the header says how many buffers the program touches
            used = [in_buf, output.buf] + [b for op in self.ops for b in (op.src_buf, op.dst_buf)]
            used += [op.w_off for op in self.ops if op.opcode == OPCODES["TAYLOR"]]
            nbuf = 1 + max(used)
        prog = Program(self.bits, self.acc_bits, in_buf, in_rows, in_cols, in_frac, output.buf,
                       output.rows, output.cols, out_frac, nbuf, list(self.ops),
                       data, name=self.name if name is None else name)
        _Checker.check_header(prog, self.limits)
        check_tables(prog, self.limits)
        return prog

