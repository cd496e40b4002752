"""The integer golden model against independent references: rounding, saturation, isqrt, each
op, and a whole GSM-shaped program re-implemented in float64."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch

from spacemimo.model.model_gnn import taylor_term
from spacemimo.quant import golden, random_programs
from spacemimo.quant.program import OPCODES, Program, ProgramBuilder


def _rne_ref(v: int, s: int) -> int:
    """Round-half-even of v / 2^s with exact rationals (Python's round is half-even)."""
    return round(Fraction(v, 1 << s)) if s > 0 else v << -s


# --------------------------------------------------------------------------- rounding


def test_rshift_rne_ties_and_negatives() -> None:
    cases = {(5, 1): 2, (7, 1): 4, (-5, 1): -2, (-7, 1): -4, (6, 2): 2, (-6, 2): -2,
             (2, 2): 0, (-2, 2): 0, (10, 2): 2, (-10, 2): -2, (3, 1): 2, (-3, 1): -2,
             (1, 1): 0, (-1, 1): 0, (-3, 2): -1, (3, 0): 3, (3, -2): 12, (-3, -2): -12}
    for (v, s), want in cases.items():
        assert int(golden.rshift_rne(v, s)) == want, (v, s)


def test_rshift_rne_against_float_reference() -> None:
    v = np.arange(-5000, 5001, dtype=np.int64)
    for s in range(1, 9):
        ref = np.round(v.astype(np.float64) / 2**s)  # numpy rounds half to even
        assert np.array_equal(golden.rshift_rne(v, s), ref.astype(np.int64)), s


def test_rshift_rne_exact_for_wide_values() -> None:
    rng = np.random.default_rng(0)
    v = rng.integers(-(2**62), 2**62, 2000, dtype=np.int64)
    v[:4] = [2**62 - 1, -(2**62), (2**40) + (2**19), -(2**40) - (2**19)]  # ties at s = 20
    for s in (1, 20, 33, 47, 62):
        got = golden.rshift_rne(v, s)
        assert [int(g) for g in got] == [_rne_ref(int(x), s) for x in v], s


def test_sat_edges() -> None:
    v = np.array([-70000, -32769, -32768, -32767, -129, -128, -127, 0, 126, 127, 128, 254,
                  255, 256, 32767, 32768, 65534, 65535, 65536])
    for bits in (8, 16):
        for signed in (True, False):
            for narrow in (False, True):
                if signed:
                    lo, hi = -(2 ** (bits - 1)) + narrow, 2 ** (bits - 1) - 1
                else:
                    lo, hi = 0, 2**bits - 1 - narrow
                assert np.array_equal(golden.sat(v, bits, signed, narrow), np.clip(v, lo, hi))
    assert golden.sat(-128, 8, True, True) == -127 and golden.sat(255, 8, False, True) == 254


def test_requant_left_shift_saturates_like_exact_arithmetic() -> None:
    v = np.array([0, 1, -1, 3, -3, 200, -200, 2**40, -(2**40), 2**47 - 1], dtype=np.int64)
    for s in (-1, -8, -31):
        for signed in (True, False):
            got = golden.requant(v, s, 16, signed, False)
            lo, hi = (-(2**15), 2**15 - 1) if signed else (0, 2**16 - 1)
            ref = [min(max(int(x) << -s, lo), hi) for x in v]
            assert got.tolist() == ref


def test_isqrt_exact() -> None:
    n = np.array([0, 1, 2, 3, 4, 3037000499, 2**31 - 1, 123456789], dtype=np.int64)
    s = np.concatenate([n * n, n * n - 1, n * n + 1])
    s = s[s >= 0]
    s = np.concatenate([s, [2**63 - 1, 2**62, 2**62 - 1]])
    assert golden.isqrt(s).tolist() == [math.isqrt(int(x)) for x in s]


# --------------------------------------------------------------------------- ops


def _float_requant(acc: np.ndarray, shift: int, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.round(acc / 2.0**shift), lo, hi)


@pytest.mark.parametrize("bits", [8, 16])
def test_dense_against_float64(bits: int) -> None:
    rng = np.random.default_rng(bits)
    q = 2 ** (bits - 1)
    x = rng.integers(-q, q, (5, 3, 37))
    W = rng.integers(-q, q, (11, 37))
    b = rng.integers(-(2**20), 2**20, 11)
    acc = x.astype(np.float64) @ W.T.astype(np.float64) + b
    for shift, relu, signed in [(bits, True, False), (bits + 3, False, True), (0, False, True),
                                (-2, False, True), (2 * bits - 2, True, False)]:
        got = golden.dense(x, W, b, shift, bits, relu=relu, signed=signed)
        ref = np.maximum(acc, 0) if relu else acc
        lo, hi = (-q, q - 1) if signed else (0, 2 * q - 1)
        assert np.array_equal(got, _float_requant(ref, shift, lo, hi)), (shift, relu)


def test_float_matmul_path_equals_int64() -> None:
    """The BLAS shortcut is exact: compare with numpy int64 matmul on 16-bit extremes."""
    rng = np.random.default_rng(1)
    x = rng.integers(-(2**15), 2**16, (64, 1024))  # bits+1-bit buffer words
    W = rng.integers(-(2**15), 2**15, (96, 1024))
    W[0] = -(2**15)
    x[0] = 2**16 - 1
    fast = golden.dense_acc(x, W, None)
    slow = golden.dense_acc(x, W, None, int_only=True)
    assert np.array_equal(fast, slow) and fast.dtype == np.int64
    assert int(np.abs(fast).max()) > 2**40


def _max_excl_ref(x: np.ndarray, K: int) -> np.ndarray:
    B, R, C = x.shape
    out = np.zeros_like(x)
    for n in range(R // K):
        for k in range(K):
            others = [n * K + j for j in range(K) if j != k]
            if others:
                out[:, n * K + k] = x[:, others].max(axis=1)
    return out


@pytest.mark.parametrize("K", [1, 2, 3, 4, 7])
def test_max_aggregate_excludes_self(K: int) -> None:
    rng = np.random.default_rng(K)
    x = rng.integers(-5, 6, (20, 2 * K, 9))  # small range: many ties
    got = golden.aggregate_acc(x, K, "max", 0, exclude_self=True)
    assert np.array_equal(got, _max_excl_ref(x, K))
    if K == 1:
        assert not got.any()  # one UT alone aggregates 0
    incl = golden.aggregate_acc(x, K, "max", 0, exclude_self=False)
    assert np.array_equal(incl, np.repeat(x.reshape(20, 2, K, 9).max(2), K, axis=1))


def test_sum_aggregate_axes() -> None:
    rng = np.random.default_rng(3)
    N, K = 3, 4
    x = rng.integers(-100, 100, (5, N * K, 6))
    g = x.reshape(5, N, K, 6)
    over_k = np.broadcast_to(g.sum(2, keepdims=True), g.shape).reshape(5, N * K, 6)
    over_n = np.broadcast_to(g.sum(1, keepdims=True), g.shape).reshape(5, N * K, 6)
    assert np.array_equal(golden.aggregate_acc(x, K, "sum", 0, False), over_k)
    assert np.array_equal(golden.aggregate_acc(x, K, "sum", 1, False), over_n)
    assert np.array_equal(golden.aggregate_acc(x, K, "sum", 1, True), over_n - x)


@pytest.mark.parametrize("bits", [8, 16])
def test_norm_properties(bits: int) -> None:
    rng = np.random.default_rng(bits)
    gain = 2 ** (bits - 2)
    rbits = 62 - (bits + 1) - gain.bit_length()
    y = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), (50, 4, 8))
    y[0] = 0
    y[1] = 0
    y[1, 2, 3] = 1  # tiny input: exact unit vector
    out = golden.norm(y, gain, rbits, bits)
    assert not out[0].any()
    assert out[1, 2, 3] == gain and np.abs(out[1]).sum() == gain
    norms = np.sqrt((out[2:].astype(np.float64) ** 2).sum(axis=(1, 2)))
    assert np.all(np.abs(norms - gain) <= 0.5 * math.sqrt(32) + 1), norms
    assert np.array_equal(golden.norm(-y, gain, rbits, bits), -out)  # sign symmetry
    # equals the float formula up to the floor in g and the final rounding
    ref = gain * y[2:] / np.sqrt((y[2:].astype(np.float64) ** 2).sum(axis=(1, 2)))[:, None,
                                                                                       None]
    assert np.abs(out[2:] - ref).max() <= 1


def test_taylor_against_model_gnn_taylor_term() -> None:
    rng = np.random.default_rng(0)
    B, N, K, C = 6, 4, 3, 2
    D = rng.integers(-5, 6, (B, N, K, 2 * C))
    h = rng.integers(-5, 6, (B, N, K, 2))  # [Re h_nk, Im h_nk]
    # model convention: H rows h_k^H, i.e. H[b, k, n] = conj(h_nk)
    Hc = torch.complex(torch.tensor(h[..., 0], dtype=torch.float64),
                       -torch.tensor(h[..., 1], dtype=torch.float64)).transpose(1, 2)
    ref = taylor_term(torch.tensor(D, dtype=torch.float64), Hc).numpy()
    got = golden.taylor(D.reshape(B, N * K, 2 * C), h.reshape(B, N * K, 2), K, 0, 0, 16)
    assert np.abs(ref).max() < 2**15  # nothing saturated: an exact comparison
    assert np.array_equal(got, ref.reshape(B, N * K, 2 * C).astype(np.int64))


def test_taylor_requantizes_a_and_e() -> None:
    rng = np.random.default_rng(1)
    d = rng.integers(-128, 128, (3, 8, 4))
    h = rng.integers(-128, 128, (3, 8, 2))
    are, aim = golden.taylor_a_acc(d, h, 4)
    a = (golden.requant(are, 9, 8, True, False), golden.requant(aim, 9, 8, True, False))
    e = golden.requant(golden.taylor_e_acc(d, *a), 12, 8, True, False)
    assert np.array_equal(golden.taylor(d, h, 4, 9, 12, 8), e)


# --------------------------------------------------------------------------- programs


def _gsm_float_reference(p: Program, x: np.ndarray, K: int, graph_layers: int,
                         n_in: int, n_agg: int, n_comb: int) -> np.ndarray:
    """GSM forward written from the network structure (not the op interpreter): float64 matmuls
    (exact for these integers), np.round (half even), np.clip; NORM with Python integers."""
    dense = iter([op for op in p.ops if op.opcode == OPCODES["DENSE"]])
    bits = p.bits

    def layer(h: np.ndarray, relu: bool) -> np.ndarray:
        op = next(dense)
        W = p.weights(op).astype(np.float64)
        b = p.bias(op)
        acc = h @ W.T + (0.0 if b is None else b.astype(np.float64))
        if relu:
            return np.clip(np.round(np.maximum(acc, 0) / 2.0**op.shift), 0, 2**bits - 1)
        return np.clip(np.round(acc / 2.0**op.shift), -(2 ** (bits - 1)), 2 ** (bits - 1) - 1)

    h = x.astype(np.float64)
    for _ in range(n_in):
        h = layer(h, True)
    for _ in range(graph_layers):
        m = h
        for _ in range(n_agg):
            m = layer(m, True)
        agg = np.zeros_like(m)
        for k in range(K):
            others = [j for j in range(K) if j != k]
            if others:
                agg[:, k] = m[:, others].max(axis=1)
        h = np.concatenate([h, agg], axis=-1)
        for _ in range(n_comb):
            h = layer(h, True)
    y = layer(h, False).astype(np.int64)
    norm_op = p.ops[-1]
    out = np.zeros_like(y)
    for i in range(y.shape[0]):
        n = math.isqrt(sum(int(v) ** 2 for v in y[i].ravel()))
        if n:
            g = (norm_op.gain << norm_op.rbits) // n
            out[i] = [[max(-(2 ** (bits - 1)), min(2 ** (bits - 1) - 1,
                                                   round(Fraction(int(v) * g,
                                                                  1 << norm_op.rbits))))
                       for v in row] for row in y[i]]
    return out


@pytest.mark.parametrize("bits", [8, 16])
def test_gsm_program_against_float64_reimplementation(bits: int) -> None:
    K, layers = 3, 2
    p = random_programs.random_gsm_program(bits=bits, K=K, input_mlp=(24, 16),
                                        aggregate_mlp=(16, 12), combine_mlp=(20, 16),
                                        graph_layers=layers, seed=bits)
    x = random_programs.random_inputs(bits, (40, K, 8), np.random.default_rng(9))
    x[0] = 0
    x[1] = 2 ** (bits - 1) - 1
    got = golden.run(p, x)
    ref = _gsm_float_reference(p, x, K, layers, 2, 2, 2)
    assert np.array_equal(got, ref)
    assert np.abs(got).max() > 2 ** (bits - 4)


def test_run_trace_and_shapes() -> None:
    p = random_programs.small_gsm_program(bits=8)
    x = random_programs.random_inputs(8, (3, 4, 8), np.random.default_rng(0))
    y, trace = golden.run(p, x, trace=True)
    assert len(trace) == len(p.ops)
    assert np.array_equal(trace[-1].out, y)
    assert all(t.out.shape == (3, t.op.rows, t.op.out_cols) for t in trace)
    assert np.array_equal(golden.run(p, x[0]), y[0])  # one table in, one table out
    assert np.array_equal(golden.run(p, x, int_only=True), y)
    with pytest.raises(ValueError, match="x_int must be"):
        golden.run(p, x[:, :3])
    with pytest.raises(ValueError, match="signed 8-bit"):
        golden.run(p, x + 1000)


def test_model_gnn_program_runs() -> None:
    p = random_programs.random_model_gnn_program(bits=8, N=4, K=2, hidden=(4, 6))
    x = random_programs.random_inputs(8, (5, 8, 2), np.random.default_rng(0))
    y, trace = golden.run(p, x, trace=True)
    assert y.shape == (5, 8, 2) and np.abs(y).max() > 0
    assert trace[0].op.opcode == OPCODES["TAYLOR"]


def test_builder_program_matches_op_functions() -> None:
    """run() wires buffers and windows exactly as the op functions compose by hand."""
    rng = np.random.default_rng(4)
    b = ProgramBuilder(bits=8)
    x = b.input(rows=4, cols=6)
    W1, b1 = rng.integers(-127, 128, (10, 6)), rng.integers(-500, 500, 10)
    h = b.dense(x, W1, b1, 5, (1, 0), relu=True)
    b.aggregate(h, (1, 10), group=4, shift=1, out_signed=False)
    W2 = rng.integers(-127, 128, (3, 20))
    y = b.dense(h.at(0, 20), W2, None, 9, (2, 0))
    p = b.build(y)
    xi = rng.integers(-128, 128, (7, 4, 6))
    h1 = golden.dense(xi, W1, b1, 5, 8, relu=True, signed=False)
    m = golden.requant(golden.aggregate_acc(h1, 4, "max", 0, True), 1, 8, False, False)
    ref = golden.dense(np.concatenate([h1, m], -1), W2, None, 9, 8)
    assert np.array_equal(golden.run(p, xi), ref)
