"""Program format v3 (quant/PROGRAM.md): image round trip, packing, every validation error with
its status code, the accumulator-overflow check, generated headers, vectors and the CLI."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from spacemimo.quant import golden, random_programs, vectors
from spacemimo.quant.program import (
    ERROR_CODES,
    FLAGS,
    HEADER_FIELDS,
    MAGIC,
    NO_BIAS,
    OP_FIELDS,
    OPCODES,
    HardwareLimits,
    Program,
    ProgramBuilder,
    ProgramError,
    Window,
    buffer_extents,
    checksum,
    pack_weights,
    row_words,
    sat_range,
    unpack_weights,
    validate_program,
)


@pytest.fixture(scope="module")
def gsm8() -> Program:
    return random_programs.small_gsm_program(bits=8, seed=1)


@pytest.fixture(scope="module")
def mgnn16() -> Program:
    return random_programs.random_model_gnn_program(bits=16, N=4, K=3, hidden=(6, 4), seed=2)


def _tiny(bits: int = 8, acc_bits: int | None = None) -> Program:
    rng = np.random.default_rng(0)
    b = ProgramBuilder(bits=bits, acc_bits=acc_bits, name="tiny")
    x = b.input(rows=3, cols=5, frac=3)
    h = b.dense(x, rng.integers(-100, 100, (6, 5)), rng.integers(-50, 50, 6), 4, (1, 0),
                relu=True)
    b.aggregate(h, (1, 6), group=3, out_signed=False)
    y = b.dense(h.at(0, 12), rng.integers(-100, 100, (4, 12)), None, 6, (2, 0))
    return b.build(b.norm(y, (3, 0), gain=1 << (bits - 2)), out_frac=bits - 2)


# --------------------------------------------------------------------------- tables


def test_tables_match_the_spec() -> None:
    assert MAGIC.to_bytes(4, "little") == b"SMPG"
    assert OPCODES == {"DENSE": 1, "AGGREGATE": 2, "NORM": 3, "TAYLOR": 4}
    assert list(HEADER_FIELDS) == ["magic", "version", "num_ops", "data_words", "bits",
                                   "acc_bits", "in_buf", "in_rows", "in_cols", "in_frac",
                                   "out_buf", "out_rows", "out_cols", "out_frac", "num_buffers",
                                   "checksum"]
    assert list(HEADER_FIELDS.values()) == list(range(16))
    assert list(OP_FIELDS) == ["opcode", "flags", "src_buf", "src_off", "dst_buf", "dst_off",
                               "rows", "in_cols", "out_cols", "w_off", "b_off", "shift",
                               "out_bits", "group", "gain", "rbits"]
    assert list(OP_FIELDS.values()) == list(range(16))
    assert FLAGS == {"RELU": 1, "OUT_SIGNED": 2, "NARROW": 4, "EXCLUDE_SELF": 8,
                     "AGG_MODE": 0x30, "AGG_AXIS": 0x40}
    assert ERROR_CODES == {"OK": 0, "BAD_MAGIC": 1, "BAD_VERSION": 2, "BAD_CHECKSUM": 3,
                           "BAD_OPCODE": 4, "DIMS_EXCEED_MAX": 5, "BAD_FORMAT": 6,
                           "BUS_ERROR": 7, "TIMEOUT": 8, "ADDR_RANGE": 9, "ABORTED": 10,
                           "SEU_DETECTED": 11}
    assert HardwareLimits() == HardwareLimits(max_rows=64, max_cols=1024, num_buffers=4)


def test_generated_headers_hold_the_format_tables() -> None:
    """The headers `spacemimo gen` writes carry these tables (tests/test_spec.py checks the
    committed copies are current)."""
    from spacemimo.hw import generate

    text = generate.program_format_c_header()
    for name, code in ERROR_CODES.items():
        assert f"ERR_{name} = {code}u;" in text
    assert "PF_OPW_SHIFT = 32'h0000000B" in generate.program_format_verilog_header()


# --------------------------------------------------------------------------- image


def test_round_trip_bytes_and_file(tmp_path: Path, gsm8: Program, mgnn16: Program) -> None:
    for prog in (gsm8, mgnn16, _tiny(16)):
        blob = prog.to_bytes()
        again = Program.from_bytes(blob)
        assert again.to_bytes() == blob
        assert again == prog
        path = prog.save(tmp_path / f"{prog.name}.smp")
        loaded = Program.load(path)
        assert loaded.to_bytes() == blob and loaded.ops == prog.ops
        assert np.array_equal(loaded.data, prog.data)
        words = prog.to_words()
        assert words[0] == MAGIC and words[HEADER_FIELDS["checksum"]] == checksum(words)
        assert len(blob) == 4 * (16 + 16 * len(prog.ops) + prog.data.size)


def test_signed_fields_round_trip() -> None:
    p = _tiny()
    p.in_frac, p.out_frac = -3, -7
    p.ops[0].shift = -5
    q = Program.from_bytes(p.to_bytes())
    assert (q.in_frac, q.out_frac, q.ops[0].shift) == (-3, -7, -5)
    assert q.header_values()["in_frac"] == -3


def test_weights_and_biases_read_back(gsm8: Program) -> None:
    op = gsm8.ops[0]
    W = gsm8.weights(op)
    assert W.shape == (op.out_cols, op.in_cols)
    assert op.w_off % 1 == 0 and op.b_off != NO_BIAS
    assert gsm8.bias(op).shape == (op.out_cols,)


# --------------------------------------------------------------------------- packing


@pytest.mark.parametrize("bits", [8, 16])
@pytest.mark.parametrize("n_in", [1, 3, 4, 5, 8, 17])
def test_pack_round_trip(bits: int, n_in: int) -> None:
    rng = np.random.default_rng(n_in)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    W = rng.integers(lo, hi + 1, (7, n_in))
    W[0, 0], W[-1, -1] = lo, hi  # both extremes, negative included
    words = pack_weights(W, bits)
    assert words.dtype == np.uint32 and words.size == 7 * row_words(n_in, bits)
    assert np.array_equal(unpack_weights(words, 7, n_in, bits), W)


def test_pack_layout_is_little_endian_lanes_rows_word_aligned() -> None:
    assert pack_weights(np.array([[1, 2, 3, 4]]), 8).tolist() == [0x04030201]
    assert pack_weights(np.array([[-1, 2]]), 16).tolist() == [0x0002FFFF]
    # 5 inputs at 8 bit: 2 words per row, padding lanes zero, next row on a new word
    w = pack_weights(np.array([[1, 2, 3, 4, -1], [5, 0, 0, 0, 0]]), 8).tolist()
    assert w == [0x04030201, 0x000000FF, 0x00000005, 0x00000000]


def test_pack_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match="must be in"):
        pack_weights(np.array([[128]]), 8)
    with pytest.raises(ValueError, match=r"\(out, in\)"):
        pack_weights(np.array([1, 2]), 8)


# --------------------------------------------------------------------------- validation


def _mutated(prog: Program, fn: Callable[[Program], None]) -> bytes:
    p = copy.deepcopy(prog)
    fn(p)
    return p.to_bytes()  # checksum recomputed: the error is the one we planted


def _code(blob: bytes, limits: HardwareLimits | None = None) -> str:
    with pytest.raises(ProgramError) as err:
        Program.from_bytes(blob, limits)
    assert str(err.value).startswith(err.value.code_name)
    return err.value.code_name


def _set_word(blob: bytes, index: int, value: int, fix_checksum: bool = True) -> bytes:
    w = np.frombuffer(blob, dtype="<u4").copy()
    w[index] = value
    if fix_checksum:
        w[HEADER_FIELDS["checksum"]] = checksum(w)
    return w.astype("<u4").tobytes()


def test_header_errors() -> None:
    blob = _tiny().to_bytes()
    assert _code(_set_word(blob, 0, 0x12345678)) == "BAD_MAGIC"
    assert _code(_set_word(blob, 1, 2)) == "BAD_VERSION"  # v2 (additive checksum) refused
    assert _code(_set_word(blob, 1, 4)) == "BAD_VERSION"
    assert _code(_set_word(blob, 40, 0xDEAD, fix_checksum=False)) == "BAD_CHECKSUM"
    assert _code(blob[:-4]) == "BAD_FORMAT"  # truncated data
    assert _code(blob[:30]) == "BAD_FORMAT"  # not whole words
    assert _code(blob[:32]) == "BAD_FORMAT"  # shorter than the header
    assert _code(blob + b"\0\0\0\0") == "BAD_FORMAT"  # trailing words
    assert _code(_set_word(blob, 16, 9)) == "BAD_OPCODE"  # op 0's opcode word


FORMAT_FAULTS: dict[str, Callable[[Program], None]] = {
    "bits": lambda p: setattr(p, "bits", 12),
    "acc_bits": lambda p: setattr(p, "acc_bits", 40),
    "acc_bits_zero": lambda p: setattr(p, "acc_bits", 0),
    "no_ops": lambda p: setattr(p, "ops", []),
    "buffer_beyond_header": lambda p: setattr(p.ops[1], "dst_buf", 5),
    "shift_high": lambda p: setattr(p.ops[0], "shift", 63),
    "shift_low": lambda p: setattr(p.ops[0], "shift", -32),
    "out_bits": lambda p: setattr(p.ops[0], "out_bits", 16),
    "reserved_flag": lambda p: setattr(p.ops[0], "flags", p.ops[0].flags | 0x80),
    "agg_mode_3": lambda p: setattr(p.ops[1], "flags", p.ops[1].flags | 0x30),
    "relu_on_aggregate": lambda p: setattr(p.ops[1], "flags", p.ops[1].flags | FLAGS["RELU"]),
    "zero_rows": lambda p: setattr(p.ops[0], "rows", 0),
    "agg_cols": lambda p: setattr(p.ops[1], "out_cols", 5),
    "agg_group": lambda p: setattr(p.ops[1], "group", 2),
    "weights_beyond_data": lambda p: setattr(p.ops[2], "w_off", p.data.size - 1),
    "bias_beyond_data": lambda p: setattr(p.ops[0], "b_off", p.data.size - 2),
    "overlap": lambda p: setattr(p.ops[1], "dst_off", 3),
    "unwritten_read": lambda p: setattr(p.ops[2], "in_cols", 14) or setattr(
        p, "data", np.concatenate([p.data, np.zeros(64, np.uint32)])),
    "output_unwritten": lambda p: setattr(p, "out_buf", 0) or setattr(p, "out_cols", 8),
    "norm_overflow": lambda p: setattr(p.ops[3], "rbits", 60),
    "norm_gain": lambda p: setattr(p.ops[3], "gain", 0),
    "in_buf": lambda p: setattr(p, "in_buf", 5) or setattr(p, "num_buffers", 4),
    "seg_align_without_segments": lambda p: setattr(p.ops[0], "gain", 3),
    "seg_cols_not_dividing": lambda p: setattr(p.ops[0], "group", 2),
    "too_many_segments": lambda p: setattr(p.ops[2], "group", 1),
    "seg_align_beyond_segments": lambda p: setattr(p.ops[2], "group", 6) or setattr(
        p.ops[2], "gain", 0x100),
    # v3: words an opcode does not use must be 0 (UNUSED_OP_FIELDS)
    "dense_rbits": lambda p: setattr(p.ops[0], "rbits", 1),
    "aggregate_w_off": lambda p: setattr(p.ops[1], "w_off", 1),
    "aggregate_b_off": lambda p: setattr(p.ops[1], "b_off", 0xFFFFFFFF),
    "aggregate_gain": lambda p: setattr(p.ops[1], "gain", -1),
    "norm_shift": lambda p: setattr(p.ops[3], "shift", 2),
    "norm_group": lambda p: setattr(p.ops[3], "group", 4),
}


@pytest.mark.parametrize("fault", list(FORMAT_FAULTS))
def test_format_errors(fault: str) -> None:
    limits = HardwareLimits(num_buffers=8) if fault in ("in_buf", "buffer_beyond_header") \
        else None
    assert _code(_mutated(_tiny(), FORMAT_FAULTS[fault]), limits) == "BAD_FORMAT"


DIMS_FAULTS: dict[str, tuple[Callable[[Program], None], HardwareLimits]] = {
    "rows": (lambda p: None, HardwareLimits(max_rows=2)),
    "cols": (lambda p: None, HardwareLimits(max_cols=8)),
    "num_buffers": (lambda p: None, HardwareLimits(num_buffers=3)),
    "weights": (lambda p: None, HardwareLimits(max_weight_words=10)),
    "dst_window": (lambda p: setattr(p.ops[0], "dst_off", 1020), HardwareLimits()),
    "src_buffer": (lambda p: setattr(p.ops[0], "src_buf", 4), HardwareLimits()),
    "op_rows": (lambda p: setattr(p.ops[3], "rows", 65), HardwareLimits()),
}


@pytest.mark.parametrize("fault", list(DIMS_FAULTS))
def test_dims_errors(fault: str) -> None:
    fn, limits = DIMS_FAULTS[fault]
    assert _code(_mutated(_tiny(), fn), limits) == "DIMS_EXCEED_MAX"


def test_error_carries_numeric_code() -> None:
    with pytest.raises(ProgramError) as err:
        Program.from_bytes(_set_word(_tiny().to_bytes(), 0, 0))
    assert err.value.code == ERROR_CODES["BAD_MAGIC"] and isinstance(err.value, ValueError)
    assert "magic" in str(err.value)


def test_builder_checks_limits_as_ops_are_added() -> None:
    b = ProgramBuilder(bits=8, limits=HardwareLimits(max_cols=16))
    x = b.input(rows=2, cols=8)
    with pytest.raises(ProgramError) as err:
        b.dense(x, np.ones((20, 8), np.int64), None, 0, (1, 0))
    assert err.value.code_name == "DIMS_EXCEED_MAX" and "op 0" in str(err.value)


def test_sixteen_bit_unsigned_output_is_rejected() -> None:
    b = ProgramBuilder(bits=16)
    x = b.input(rows=2, cols=4)
    h = b.dense(x, np.ones((3, 4), np.int64), None, 0, (1, 0), relu=True)
    with pytest.raises(ProgramError, match="int16"):
        b.build(h)
    b8 = ProgramBuilder(bits=8)
    x = b8.input(rows=2, cols=4)
    b8.build(b8.dense(x, np.ones((3, 4), np.int64), None, 0, (1, 0), relu=True))  # 0..255 ok


# --------------------------------------------------------------------------- accumulator


def _one_weight_program(w: int, acc_bits: int, bias: int | None = None) -> Program:
    b = ProgramBuilder(bits=8, acc_bits=acc_bits)
    x = b.input(rows=1, cols=1)
    y = b.dense(x, np.array([[w]]), None if bias is None else np.array([bias]), 0, (1, 0))
    return b.build(y)


def test_accumulator_bound_is_exact() -> None:
    # x in [-128, 127], w = -128: acc in [-16256, 16384]; 16384 needs 16 bits signed.
    _one_weight_program(-128, 16)
    with pytest.raises(ProgramError, match="overflows acc_bits=15") as err:
        _one_weight_program(-128, 15)
    assert err.value.code_name == "BAD_FORMAT"
    _one_weight_program(127, 15)  # [-16256, 16129] fits 15 bits
    with pytest.raises(ProgramError):
        _one_weight_program(127, 15, bias=300)  # the bias pushes it over


def test_accumulator_overflow_in_a_crafted_image() -> None:
    """A program built for a wide accumulator, relabelled narrow: the loader must refuse."""
    prog = random_programs.small_gsm_program(bits=16, seed=0)
    Program.from_bytes(prog.to_bytes())
    assert _code(_mutated(prog, lambda p: setattr(p, "acc_bits", 30))) == "BAD_FORMAT"
    # and a hand-made image whose weights are all at the extreme, 1024 inputs wide
    b = ProgramBuilder(bits=16, acc_bits=48)
    x = b.input(rows=1, cols=1024)
    b.build(b.dense(x, np.full((2, 1024), -32768), None, 20, (1, 0)))
    with pytest.raises(ProgramError, match="overflows"):
        b2 = ProgramBuilder(bits=16, acc_bits=41)
        x = b2.input(rows=1, cols=1024)
        b2.dense(x, np.full((2, 1024), -32768), None, 20, (1, 0))


def test_accumulator_range_follows_relu_outputs() -> None:
    """After a ReLU the next layer's inputs are unsigned bits-bit: its bound uses [0, 255]."""
    b = ProgramBuilder(bits=8, acc_bits=17)
    x = b.input(rows=1, cols=1)
    h = b.dense(x, np.array([[1]]), None, 0, (1, 0), relu=True)
    b.dense(h, np.array([[-128]]), None, 0, (2, 0))  # [-32640, 0] fits 17 bits
    with pytest.raises(ProgramError):
        b.dense(h, np.array([[-128], [127]]).reshape(2, 1), np.array([0, 40000]), 0, (3, 0))


# ----------------------------------------------------------------------- v2: segments, wide bias


def test_segment_alignment_is_a_left_shift_per_segment() -> None:
    """DENSE acc = Σ_s Σ_{i in s} W[o, i] (x_i << align_s): checked against a hand sum."""
    rng = np.random.default_rng(3)
    b = ProgramBuilder(bits=8)
    x = b.input(rows=2, cols=6)
    W = rng.integers(-127, 128, (3, 6))
    y = b.dense(x, W, np.array([5, -7, 0]), 9, (1, 0), aligns=[0, 15, 4])
    prog = b.build(y)
    op = Program.from_bytes(prog.to_bytes()).ops[0]
    assert (op.seg_cols, op.segment_aligns(3)) == (2, [0, 15, 4])
    assert op.column_aligns().tolist() == [0, 0, 15, 15, 4, 4]
    xi = rng.integers(-128, 128, (2, 6))
    acc = (xi * 2 ** np.array([0, 0, 15, 15, 4, 4])) @ W.T + np.array([5, -7, 0])
    assert np.array_equal(golden.run(prog, xi), golden.requant(acc, 9, 8, True, False))


def test_segment_alignment_enters_the_accumulator_bound() -> None:
    b = ProgramBuilder(bits=8, acc_bits=29)  # [-2^28, 2^28)
    x = b.input(rows=1, cols=2)
    b.dense(x, np.array([[127, 127]]), None, 0, (1, 0), aligns=[0, 14])  # -16256 · 16385 fits
    with pytest.raises(ProgramError, match="overflows"):
        b.dense(x, np.array([[127, 127]]), None, 0, (2, 0), aligns=[0, 15])
    with pytest.raises(ValueError, match="segment alignment"):
        b.dense(x, np.array([[1, 1]]), None, 0, (3, 0), aligns=[0, 16])
    with pytest.raises(ValueError, match="evenly"):
        b.dense(x, np.array([[1, 1]]), None, 0, (3, 0), aligns=[0, 1, 2])
    b16 = ProgramBuilder(bits=16)  # 16 bit: a 17-bit word << 8 fills a DSP48E1's 25-bit port
    x = b16.input(rows=1, cols=2)
    b16.dense(x, np.array([[1, 1]]), None, 0, (1, 0), aligns=[0, 8])
    with pytest.raises(ProgramError, match="limit of 16-bit") as err:
        b16.dense(x, np.array([[1, 1]]), None, 0, (2, 0), aligns=[9, 0])
    assert err.value.code_name == "BAD_FORMAT"


def test_wide_bias_words_round_trip() -> None:
    """acc_bits > 32: two words per bias (int64, low word first); values beyond int32 kept."""
    b = ProgramBuilder(bits=16)
    assert b.acc_bits == 48
    x = b.input(rows=1, cols=2)
    bias = np.array([(1 << 40) + 3, -(1 << 39) - 5, -1])
    y = b.dense(x, np.array([[1, 2], [3, 4], [5, 6]]), bias, 30, (1, 0))
    prog = Program.from_bytes(b.build(y).to_bytes())
    assert prog.bias(prog.ops[0]).tolist() == bias.tolist()
    lo_hi = prog.data[prog.ops[0].b_off:prog.ops[0].b_off + 2]
    assert lo_hi.tolist() == [3, 1 << 8]
    b32 = ProgramBuilder(bits=16, acc_bits=32)
    x = b32.input(rows=1, cols=2)
    with pytest.raises(ValueError, match="int32"):
        b32.dense(x, np.array([[1, 2]]), np.array([1 << 31]), 0, (1, 0))


# --------------------------------------------------------------------------- random programs


def test_random_programs_use_their_range(gsm8: Program) -> None:
    x = random_programs.random_inputs(8, (64, gsm8.in_rows, gsm8.in_cols),
                                   np.random.default_rng(5))
    _, trace = golden.run(gsm8, x, trace=True)
    for e in trace:
        top = int(np.abs(e.out).max())
        assert top > 20, f"op {e.index} ({e.op.name}) barely uses its range: max |y| {top}"
        lo, hi = sat_range(8, e.op.out_signed, e.op.narrow)
        at_top = ((e.out == hi) | ((e.out == lo) & e.op.out_signed)).mean()
        assert at_top < 0.05, f"op {e.index} saturates {at_top:.1%} of its outputs"
        assert e.out.std(axis=0).mean() > 1.0, f"op {e.index}: output ignores the input"


def test_model_gnn_program_layout(mgnn16: Program) -> None:
    names = [op.name for op in mgnn16.ops]
    assert names == ["TAYLOR", "AGGREGATE", "AGGREGATE", "AGGREGATE", "DENSE", "NORM"] * 3
    assert mgnn16.in_rows == 12 and mgnn16.in_cols == 2 and mgnn16.out_cols == 2
    axes = [(op.agg_axis, op.agg_mode) for op in mgnn16.ops if op.name == "AGGREGATE"]
    assert axes[:3] == [(1, 1), (0, 1), (0, 1)]
    assert all(op.num_segments == 5 for op in mgnn16.ops if op.name == "DENSE")


def test_paper_size_gsm_builds_and_runs() -> None:
    prog = random_programs.random_gsm_program(bits=8)
    dense = [op for op in prog.ops if op.name == "DENSE"]
    assert sum(op.in_cols * op.out_cols for op in dense) == 3_158_016
    assert [op.name for op in prog.ops].count("AGGREGATE") == 2
    x = random_programs.random_inputs(8, (8, 4, 8), np.random.default_rng(0))
    y = golden.run(prog, x)
    assert y.shape == (8, 4, 8) and np.abs(y).max() > 0


def test_max_dims_program_fills_the_maxima() -> None:
    lim = HardwareLimits(max_rows=16, max_cols=64)
    prog = random_programs.max_dims_program(bits=16, limits=lim)
    Program.from_bytes(prog.to_bytes(), lim)
    with pytest.raises(ProgramError):
        Program.from_bytes(prog.to_bytes(), HardwareLimits(max_rows=15, max_cols=64))
    assert {op.name for op in prog.ops} == set(OPCODES)
    assert max(op.dst_off + op.out_cols for op in prog.ops) == 64
    x = random_programs.random_inputs(16, (3, 16, 8), np.random.default_rng(0))
    assert np.abs(golden.run(prog, x)).max() > 0


# --------------------------------------------------------------------------- vectors + CLI


def test_golden_vectors_round_trip(tmp_path: Path, gsm8: Program) -> None:
    gv = vectors.write_golden_vectors(tmp_path / "v", gsm8, n=20, seed=3, trace=True)
    kinds = [c["kind"] for c in gv.meta["edge_cases"]]
    assert kinds == list(vectors.EDGE_CASES)
    back = vectors.read_golden_vectors(tmp_path / "v")
    assert back.program == gsm8 and back.program.name == gsm8.name
    assert np.array_equal(back.inputs, gv.inputs) and np.array_equal(back.expected, gv.expected)
    assert back.inputs.shape == (20, 4, 8) and back.expected.shape == (20, 4, 8)
    assert not back.inputs[0].any() and (back.inputs[1] == 127).all()
    assert (back.inputs[2] == -128).all()
    assert vectors.check_golden_vectors(tmp_path / "v") == 0
    meta = json.loads((tmp_path / "v" / "meta.json").read_text())
    assert meta["program"]["sha256"] == gsm8.sha256()
    t0 = np.frombuffer((tmp_path / "v" / meta["trace"][0]["file"]).read_bytes(), "<i4")
    assert t0.size == int(np.prod(meta["trace"][0]["shape"]))
    raw = np.frombuffer((tmp_path / "v" / "expected.bin").read_bytes(), "<i2")
    assert np.array_equal(raw.reshape(20, 4, 8), gv.expected)


def test_vectors_detect_a_tampered_expected_file(tmp_path: Path) -> None:
    prog = _tiny()
    vectors.write_golden_vectors(tmp_path, prog, n=9)
    e = np.frombuffer((tmp_path / "expected.bin").read_bytes(), "<i2").copy()
    e[5] += 1
    (tmp_path / "expected.bin").write_bytes(e.tobytes())
    assert vectors.check_golden_vectors(tmp_path) == 1


def test_cli_golden_and_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from spacemimo.cli import main

    assert main(["golden", "--random", "gsm", "--bits", "16", "--small", "--out",
                 str(tmp_path / "g"), "-n", "12"]) == 0
    assert main(["golden", "--check", str(tmp_path / "g")]) == 0
    assert "0 mismatching words" in capsys.readouterr().out
    assert main(["golden", "--program", str(tmp_path / "g" / "program.bin"), "--out",
                 str(tmp_path / "p"), "-n", "3", "--no-edge-cases"]) == 0
    assert main(["golden", "--random", "model-gnn", "--small", "--out",
                 str(tmp_path / "m"), "-n", "4"]) == 0
    assert main(["golden", "--out", str(tmp_path / "x")]) == 2  # no program given
    assert main(["golden", "--random", "max-dims", "--out", str(tmp_path / "md"), "-n",
                 "2"]) == 0


def test_window_concat_helper() -> None:
    w = Window(1, 0, 16, 4)
    assert w.at(0, 32) == Window(1, 0, 32, 4) and w.at(8) == Window(1, 8, 8, 4)


@pytest.mark.slow
@pytest.mark.parametrize("bits", [8, 16])
def test_paper_size_gsm_100_vectors(tmp_path: Path, bits: int) -> None:
    """What the HLS/RTL engineers run: the paper-size program and 100 golden vectors."""
    prog = random_programs.random_gsm_program(bits=bits)
    gv = vectors.write_golden_vectors(tmp_path, prog, n=100, seed=bits)
    assert gv.expected.shape == (100, 4, 8) and np.abs(gv.expected).max() > 0
    assert vectors.check_golden_vectors(tmp_path) == 0


# --------------------------------------------------------------------------- bounds (v3)


def _raised(fn: Callable[[], object]) -> str:
    with pytest.raises(ProgramError) as err:
        fn()
    return err.value.code_name


def test_check_buffer_wrap_and_alignment() -> None:
    from spacemimo.quant.program import check_buffer

    check_buffer("program", 0x1000, 4096)
    check_buffer("program", (1 << 64) - 4096, 4096)  # ends exactly at 2^64: no wrap
    check_buffer("input", (1 << 32) - 64, 64, addr_bits=32)
    assert _raised(lambda: check_buffer("program", (1 << 64) - 4096, 4097)) == "ADDR_RANGE"
    assert _raised(lambda: check_buffer("input", (1 << 32) - 64, 72, addr_bits=32)) == "ADDR_RANGE"
    assert _raised(lambda: check_buffer("output", 0x1004, 16)) == "ADDR_RANGE"  # not 8-aligned
    check_buffer("output", 0x1004, 16, align=4)
    assert _raised(lambda: check_buffer("output", -8, 16)) == "ADDR_RANGE"
    assert _raised(lambda: check_buffer("output", 0, -1)) == "ADDR_RANGE"


def test_check_image_fits_rule_one(gsm8: Program) -> None:
    from spacemimo.quant.program import check_image_fits, image_bytes

    blob = gsm8.to_bytes()
    n = len(blob)
    assert n == image_bytes(len(gsm8.ops), gsm8.data.size)
    check_image_fits(blob, n)
    check_image_fits(blob + bytes(100), n + 100)  # trailing bytes in the buffer are allowed
    check_image_fits(gsm8.to_words(), n)  # words work too
    assert _raised(lambda: check_image_fits(blob, 63)) == "ADDR_RANGE"  # before magic
    assert _raised(lambda: check_image_fits(b"\0" * 8, 63)) == "ADDR_RANGE"
    assert _raised(lambda: check_image_fits(blob, n - 4)) == "BAD_FORMAT"
    assert _raised(lambda: check_image_fits(blob[:n - 4], n)) == "BAD_FORMAT"
    bad = bytearray(blob)
    bad[0] ^= 1
    assert _raised(lambda: check_image_fits(bytes(bad), 64)) == "BAD_MAGIC"  # magic first
    w = gsm8.to_words()
    w[1] = 2
    assert _raised(lambda: check_image_fits(w, 64)) == "BAD_VERSION"
    w = gsm8.to_words()
    w[2] = w[3] = 0xFFFFFFFF  # the declared length is computed without overflow
    assert _raised(lambda: check_image_fits(w, 1 << 32)) == "BAD_FORMAT"


def test_check_io_fits_rule_two(gsm8: Program) -> None:
    from spacemimo.quant.program import check_io_fits, io_bytes

    i1, o1 = io_bytes(gsm8, 1)
    assert (i1, o1) == (2 * gsm8.in_rows * gsm8.in_cols, 2 * gsm8.out_rows * gsm8.out_cols)
    assert io_bytes(gsm8, 7) == (7 * i1, 7 * o1)
    check_io_fits(gsm8, 7, 7 * i1, 7 * o1)
    assert _raised(lambda: check_io_fits(gsm8, 0, i1, o1)) == "BAD_FORMAT"
    assert _raised(lambda: check_io_fits(gsm8, 7, 7 * i1 - 1, 7 * o1)) == "ADDR_RANGE"
    assert _raised(lambda: check_io_fits(gsm8, 7, 7 * i1, 7 * o1 - 1)) == "ADDR_RANGE"
    # a huge NUM_VECTORS is exact (no 32-bit wrap to a small product)
    assert _raised(lambda: check_io_fits(gsm8, 0xFFFFFFFF, 1 << 32, 1 << 32)) == "ADDR_RANGE"


def test_load_device_image_hardware_order(gsm8: Program) -> None:
    from spacemimo.quant.program import load_device_image

    blob = gsm8.to_bytes()
    assert load_device_image(blob + bytes(64), len(blob) + 64) == gsm8
    # num_ops beyond the maxima is found before the checksum pass (which it would fail)
    w = gsm8.to_words()
    w[2] = 65
    big = w.astype("<u4").tobytes() + bytes(65 * 64)
    assert _raised(lambda: load_device_image(big, len(big))) == "DIMS_EXCEED_MAX"
    assert _raised(lambda: load_device_image(big, len(big), HardwareLimits(max_ops=65))) \
        == "BAD_CHECKSUM"
    # data_words beyond MAX_WEIGHT_WORDS, the buffer large enough
    w = gsm8.to_words()
    w[3] = 11
    blob2 = w.astype("<u4").tobytes()
    lim = HardwareLimits(max_weight_words=10)
    assert _raised(lambda: load_device_image(blob2, len(blob2), lim)) == "DIMS_EXCEED_MAX"
    # a declared length shorter than the file: the trailing words are buffer slack, but the
    # checksum covers only the declared image, so the shorter image fails it
    w = gsm8.to_words()
    w[3] -= 1
    assert _raised(lambda: load_device_image(w, 4 * w.size)) == "BAD_CHECKSUM"
    w[15] = checksum(w[:-1])
    # with the checksum fixed up over the declared image the field checks decide
    assert _raised(lambda: load_device_image(w, 4 * w.size)) == "BAD_FORMAT"
    assert _raised(lambda: Program.from_bytes(w.astype("<u4").tobytes())) == "BAD_FORMAT"


def test_max_ops_is_a_synthesized_maximum(gsm8: Program) -> None:
    p = copy.deepcopy(gsm8)
    assert _raised(lambda: Program.from_bytes(p.to_bytes(), HardwareLimits(max_ops=2))) \
        == "DIMS_EXCEED_MAX"
    Program.from_bytes(p.to_bytes(), HardwareLimits(max_ops=len(p.ops)))


def test_run_device_codes_and_outputs(gsm8: Program) -> None:
    """golden.run_device: the device's STATUS for buffers and size registers, in the
    hardware's order, and the golden outputs when it is 0."""
    blob = gsm8.to_bytes()
    rng = np.random.default_rng(0)
    x = random_programs.random_inputs(8, (3, gsm8.in_rows, gsm8.in_cols), rng)
    i3, o3 = 3 * gsm8.in_rows * gsm8.in_cols * 2, 3 * gsm8.out_rows * gsm8.out_cols * 2
    sizes = {"program_size": len(blob), "input_size": i3, "output_size": o3}
    code, y = golden.run_device(blob, x.astype(np.int16), num_vectors=3, **sizes)
    assert code == 0 and y is not None and y.dtype == np.int16
    assert np.array_equal(y, golden.run(gsm8, x))
    # trailing bytes and a larger program buffer: still the same run
    code, y2 = golden.run_device(blob + bytes(40), x.astype(np.int16), num_vectors=3,
                                 **{**sizes, "program_size": len(blob) + 40})
    assert code == 0 and np.array_equal(y, y2)
    E = ERROR_CODES

    def status(**kw: int) -> int:
        args = {**sizes, "num_vectors": 3, **kw}
        img = args.pop("image", blob)
        return golden.run_device(img, x.astype(np.int16), **args)[0]

    assert status(program_size=63) == E["ADDR_RANGE"]
    assert status(program_size=len(blob) - 4) == E["BAD_FORMAT"]  # image cut by the register
    assert status(num_vectors=0) == E["BAD_FORMAT"]
    assert status(num_vectors=4) == E["ADDR_RANGE"]
    assert status(input_size=i3 - 1) == E["ADDR_RANGE"]
    assert status(output_size=o3 - 2) == E["ADDR_RANGE"]
    assert status(image=bytes(len(blob))) == E["BAD_MAGIC"]
    # a buffer larger than the file is zero-filled: the header still says the true length
    assert status(program_size=len(blob) + 64) == 0
    bad = bytearray(blob)
    bad[-1] ^= 0x80
    assert status(image=bytes(bad)) == E["BAD_CHECKSUM"]


def test_sizes_count_whole_bus_beats(gsm8: Program) -> None:
    """Bursts move whole beats: an image or table whose last beat reaches past its buffer is
    ADDR_RANGE (PROGRAM.md "Bounds"), on the host as on the device."""
    from spacemimo.quant.program import check_image_fits, check_io_fits, io_bytes

    w = np.concatenate([gsm8.to_words(), np.zeros(1, np.uint32)])  # an odd number of words
    w[HEADER_FIELDS["data_words"]] += 1
    w[HEADER_FIELDS["checksum"]] = checksum(w)
    blob = w.astype("<u4").tobytes()
    assert len(blob) % 8 == 4
    check_image_fits(blob, len(blob), bus_bytes=4)
    assert _raised(lambda: check_image_fits(blob, len(blob))) == "ADDR_RANGE"
    check_image_fits(blob + bytes(4), len(blob) + 4)
    assert golden.run_device(blob, np.zeros(32, np.int16), program_size=len(blob),
                             input_size=64, output_size=64, num_vectors=1)[0] == 9
    assert golden.run_device(blob, np.zeros(32, np.int16), program_size=len(blob) + 4,
                             input_size=64, output_size=64, num_vectors=1)[0] == 0
    p = Program(8, 32, 0, 3, 5, 0, 0, 3, 5, 0, 1, gsm8.ops, gsm8.data)  # 3x5 tables: 30 bytes
    i1, o1 = io_bytes(p, 1)
    assert (i1, o1) == (30, 30)
    check_io_fits(p, 1, 32, 32)
    assert _raised(lambda: check_io_fits(p, 1, 30, 32)) == "ADDR_RANGE"
    assert _raised(lambda: check_io_fits(p, 1, 32, 30)) == "ADDR_RANGE"
    check_io_fits(p, 1, 30, 30, bus_bytes=2)
    # a 4 GiB PROGRAM_SIZE costs nothing (only the declared image is materialized)
    code, _ = golden.run_device(gsm8.to_bytes(), np.zeros(32, np.int16),
                                program_size=0xFFFFFFFF, input_size=64, output_size=64,
                                num_vectors=1)
    assert code == 0


@pytest.mark.parametrize("build", ["rtl-kv260", "rtl-zcu104", "rtl-pynqz2", "rtl-vx690t"])
def test_paper_programs_fit_the_board_builds_table_elems(build: str) -> None:
    """The activation buffers' bound (spec table_elems 8,192): paper GSM (4 rows x 1,024
    columns) and the paper Model-GNN (32 edge rows, 160-column concat windows) load on every
    board build; the GNN's widest buffer takes 32 x 256 of its 8,192 elements at any lane
    count (a power of two of column blocks); twice the rows is refused naming the limit."""
    from spacemimo.quant.random_programs import random_gsm_program, random_model_gnn_program

    lim = HardwareLimits.from_build(build)
    assert lim.table_elems == 8192
    gnn = random_model_gnn_program(bits=8, N=8, K=4, hidden=(32, 32, 8), seed=0)
    for prog in (random_gsm_program(bits=8, seed=0), gnn):
        validate_program(prog, lim)
    assert max(lim.table_elems_of(r, c) for r, c in buffer_extents(gnn).values()) == 8192
    half = replace(lim, table_elems=4096, max_rows=64)
    with pytest.raises(ProgramError, match=r"DIMS_EXCEED_MAX: buffer \d holds 32 rows x \d+ "
                                           r"columns = 8192 elements .* > TABLE_ELEMS 4096"):
        validate_program(gnn, half)


def test_table_elems_layout() -> None:
    """A table's elements as the RTL lays it out: whole row tiles, a power-of-two row stride
    of column blocks; the rectangle (table_elems 0) checks nothing more."""
    lim = HardwareLimits(max_rows=32, max_cols=256, num_buffers=4, table_elems=1024,
                         node_rows=4, out_lanes=8)
    assert lim.table_elems_of(1, 1) == 4 * 8
    assert lim.table_elems_of(9, 24) == 12 * 32      # 3 row tiles, 3 -> 4 column blocks
    assert lim.table_elems_of(32, 32) == 1024 and lim.table_elems_of(32, 33) == 2048
    prog = random_programs.random_model_gnn_program(bits=8, N=8, K=4, hidden=(32, 32, 8),
                                                    seed=0)
    with pytest.raises(ProgramError, match="TABLE_ELEMS 1024"):
        validate_program(prog, lim)
    validate_program(prog, replace(lim, table_elems=0))
