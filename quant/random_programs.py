"""Random but realistic programs for the back ends' tests: GSM multi-GNN and Model-GNN layouts
with random integer weights and shifts calibrated on random inputs.

The hardware can be tested against these before any network is trained: they have the paper's
shapes and op mix, and the shifts are chosen so activations use their range (a few percent of
outliers saturate, nothing saturates permanently), so a wrong rounding or saturation in a back
end shows up as mismatches rather than hiding behind all-zero or all-saturated tables.
"""

from __future__ import annotations

import math

import numpy as np

from spacemimo.quant import golden
from spacemimo.quant.program import (
    SHIFT_MAX,
    SHIFT_MIN,
    HardwareLimits,
    Program,
    ProgramBuilder,
    Window,
    sat_range,
)

# Hidden widths of the small GSM program used by fast tests (the paper's are the defaults).
GSM_SMALL = {"input_mlp": (32, 16), "aggregate_mlp": (16, 16), "combine_mlp": (16, 16)}
CALIBRATION_PERCENTILE = 99.9  # |acc| percentile mapped to the top of the output range
CALIBRATION_SAMPLES = 64


def calibrate_shift(acc: np.ndarray, bits: int, signed: bool,
                    percentile: float = CALIBRATION_PERCENTILE) -> int:
    """Smallest shift putting the given percentile of |acc| inside the output range."""
    a = float(np.percentile(np.abs(np.asarray(acc, dtype=np.float64)), percentile))
    top = sat_range(bits, signed, False)[1]
    if a <= 0:
        return 0
    return int(min(SHIFT_MAX, max(SHIFT_MIN, math.ceil(math.log2(a / top)))))


def random_inputs(bits: int, shape: tuple[int, ...], rng: np.random.Generator,
                  spread: float = 0.25) -> np.ndarray:
    """Gaussian signed ``bits``-bit integers with std spread·max (channel-like, few clipped)."""
    lo, hi = sat_range(bits, True, False)
    return np.clip(np.rint(rng.normal(0.0, spread * hi, shape)), lo, hi).astype(np.int64)


class _Calibrated:
    """Builds a program and runs it on calibration inputs op by op, choosing each shift."""

    def __init__(self, bits: int, seed: int, name: str, limits: HardwareLimits | None) -> None:
        self.b = ProgramBuilder(bits=bits, limits=limits, name=name)
        self.bits = bits
        self.rng = np.random.default_rng(seed)
        self.vals: dict[tuple[int, int, int], np.ndarray] = {}  # window -> calibration values

    def put(self, w: Window, v: np.ndarray) -> Window:
        for k in [k for k in self.vals if k[0] == w.buf and k[1] < w.off + w.cols
                  and w.off < k[1] + k[2]]:
            del self.vals[k]  # overwritten (stale) tables
        self.vals[(w.buf, w.off, w.cols)] = v
        return w

    def get(self, w: Window) -> np.ndarray:
        """Calibration values of a window: slices of the tables written to its columns."""
        parts, off, end = [], w.off, w.off + w.cols
        while off < end:
            key = next((k for k in self.vals if k[0] == w.buf and k[1] <= off < k[1] + k[2]),
                       None)
            if key is None:
                raise ValueError(f"window {w}: column {off} was never written")
            stop = min(end, key[1] + key[2])
            parts.append(self.vals[key][..., off - key[1]:stop - key[1]])
            off = stop
        return np.concatenate(parts, axis=-1)

    def weights(self, n_out: int, n_in: int) -> np.ndarray:
        """Uniform weights with (nearly) zero row sums: after a ReLU every input has a positive
        mean, and a common-mode term would swamp the input-dependent part layer after layer
        (all inputs giving nearly the same output makes a poor test)."""
        lo, hi = sat_range(self.bits, True, True)
        W = self.rng.integers(lo, hi + 1, (n_out, n_in))
        W = W - np.rint(W.mean(axis=1, keepdims=True)).astype(np.int64)
        return np.clip(W, lo, hi)

    def dense(self, src: Window, n_out: int, dst: tuple[int, int], relu: bool,
              bias: bool = True, aligns: list[int] | None = None) -> Window:
        x = self.get(src)
        if aligns is not None:  # format v2 segments: each column block shifted left
            x = x << np.repeat(np.asarray(aligns, dtype=np.int64), src.cols // len(aligns))
        W = self.weights(n_out, src.cols)
        acc = golden.dense_acc(x, W, None)
        b = None
        if bias:  # biases comparable to the spread of W x, so they matter but do not dominate
            std = float(acc.std()) + 1.0
            top = (1 << (min(self.b.acc_bits, 64) - 2)) - 1  # int64 words when acc_bits > 32
            b = np.clip(np.rint(self.rng.normal(0, 0.5 * std, n_out)), -top, top)
            b = b.astype(np.int64)
            acc = acc + b
        shift = calibrate_shift(np.maximum(acc, 0) if relu else acc, self.bits, not relu)
        w = self.b.dense(src, W, b, shift, dst, relu=relu, aligns=aligns)
        return self.put(w, golden.dense(x, W, b, shift, self.bits, relu, not relu))

    def aggregate(self, src: Window, dst: tuple[int, int], group: int, mode: str, axis: int,
                  exclude_self: bool, out_signed: bool = True) -> Window:
        acc = golden.aggregate_acc(self.get(src), group, mode, axis, exclude_self)
        shift = calibrate_shift(acc, self.bits, out_signed)
        w = self.b.aggregate(src, dst, group, mode, axis, exclude_self, shift, out_signed)
        return self.put(w, golden.requant(acc, shift, self.bits, out_signed, False))

    def taylor(self, src: Window, h: Window, dst: tuple[int, int], group: int) -> Window:
        d = self.get(src)
        are, aim = golden.taylor_a_acc(d, self.get(h), group)
        a_shift = calibrate_shift(np.concatenate([are, aim]), self.bits, True)
        aq = [golden.requant(a, a_shift, self.bits, True, False) for a in (are, aim)]
        e_acc = golden.taylor_e_acc(d, *aq)
        shift = calibrate_shift(e_acc, self.bits, True)
        w = self.b.taylor(src, h, dst, group, a_shift, shift)
        return self.put(w, golden.requant(e_acc, shift, self.bits, True, False))

    def norm(self, src: Window, dst: tuple[int, int], gain: int) -> Window:
        y = self.get(src)
        w = self.b.norm(src, dst, gain)
        op = self.b.ops[-1]
        return self.put(w, golden.norm(y, op.gain, op.rbits, self.bits, True, False))

    def mlp(self, src: Window, widths: tuple[int, ...], dsts: list[tuple[int, int]]) -> Window:
        for width, dst in zip(widths, dsts, strict=True):
            src = self.dense(src, width, dst, relu=True)
        return src


def small_gsm_program(bits: int = 8, seed: int = 0, **kw: object) -> Program:
    """``random_gsm_program`` with the GSM_SMALL hidden widths (fast tests)."""
    return random_gsm_program(bits=bits, seed=seed, **{**GSM_SMALL, **kw})  # type: ignore[arg-type]


def random_gsm_program(bits: int = 8, M: int = 4, K: int = 4,
                       input_mlp: tuple[int, ...] = (1024, 512),
                       aggregate_mlp: tuple[int, ...] = (512, 512),
                       combine_mlp: tuple[int, ...] = (512, 512), graph_layers: int = 2,
                       seed: int = 0, p_max: float = 1.0,
                       limits: HardwareLimits | None = None) -> Program:
    """GSM multi-GNN program (``GsmGnn.ops()`` layout) with random weights.

    Input: K x 2M node table in buffer 0. MLP in; each graph conv: aggregate MLP, max over
    j != k written beside the current features (concat by column offset), combine MLP; FC out
    (signed, no ReLU); NORM with gain round(sqrt(p_max) * 2^(bits-2)). Uses 4 buffers.
    """
    widths = (*input_mlp, *aggregate_mlp, *combine_mlp)
    name = (f"random_gsm_b{bits}_m{M}_k{K}_in{'x'.join(map(str, input_mlp))}_agg"
            f"{'x'.join(map(str, aggregate_mlp))}_comb{'x'.join(map(str, combine_mlp))}"
            f"_l{graph_layers}_s{seed}")
    cb = _Calibrated(bits, seed, name, limits)
    if not widths:
        raise ValueError("the MLP widths must not be empty")
    F = 2 * M
    x = cb.b.input(rows=K, cols=F, frac=bits - 3, buf=0)
    cb.put(x, random_inputs(bits, (CALIBRATION_SAMPLES, K, F), cb.rng))
    # Rotate through the buffers; `cur` lives in a buffer whose columns past its width stay
    # free for the aggregate half of the concat.
    def other(*used: int) -> int:
        return next(b for b in (0, 1, 2, 3) if b not in used)

    cur = x
    for width in input_mlp:
        cur = cb.dense(cur, width, (other(cur.buf), 0), relu=True)
    for _ in range(graph_layers):
        msg = cur
        for width in aggregate_mlp:
            msg = cb.dense(msg, width, (other(msg.buf, cur.buf), 0), relu=True)
        m = cb.b.aggregate(msg, (cur.buf, cur.cols), group=K, mode="max", axis=0,
                           exclude_self=True, shift=0, out_signed=False)
        cb.put(m, golden.requant(golden.aggregate_acc(cb.get(msg), K, "max", 0, True), 0, bits,
                                 False, False))
        cat = Window(cur.buf, 0, cur.cols + msg.cols, K)
        h = cat
        for width in combine_mlp:
            h = cb.dense(h, width, (other(h.buf, cat.buf), 0), relu=True)
        cur = h
    y = cb.dense(cur, F, (other(cur.buf), 0), relu=False)
    gain = int(round(math.sqrt(p_max) * 2 ** (bits - 2)))
    out = cb.b.norm(y, (other(y.buf), 0), gain=gain)
    return cb.b.build(out, out_frac=bits - 2)


def random_model_gnn_program(bits: int = 8, N: int = 8, K: int = 4,
                             hidden: tuple[int, ...] = (32, 32, 8), seed: int = 0,
                             p_max: float = 1.0, limits: HardwareLimits | None = None
                             ) -> Program:
    """Model-GNN (Guo & Yang) edge program with random weights; rows = N·K edges (n, k).

    Input: [Re h_nk, Im h_nk] (N·K x 2) in buffer 0, kept there as TAYLOR's H. Each layer on
    D (J cols): TAYLOR E beside D, AGGREGATE sum over n of D (axis 1), sums over k of D and
    of E (axis 0) beside them, one five-segment DENSE [S | P | Q] on
    [D | E | Σ_n D | Σ_k D | Σ_k E] (no bias; random per-segment alignments 0..6 as if each
    part were on its own grid, format v2), then NORM as σ (all but the last layer); finally
    NORM with gain sqrt(p_max)·2^(bits-2).
    """
    if any(w % 2 for w in hidden):
        raise ValueError(f"Model-GNN widths must be even, got {hidden}")
    name = f"random_model_gnn_b{bits}_n{N}_k{K}_h{'x'.join(map(str, hidden))}_s{seed}"
    cb = _Calibrated(bits, seed, name, limits)
    R = N * K
    h = cb.b.input(rows=R, cols=2, frac=bits - 3, buf=0)
    cb.put(h, random_inputs(bits, (CALIBRATION_SAMPLES, R, 2), cb.rng))
    dims = (2, *hidden, 2)
    d = h
    spare = [2, 3]
    for li in range(len(dims) - 1):
        J, Jo = dims[li], dims[li + 1]
        last = li == len(dims) - 2
        e = cb.taylor(d, h, (d.buf, d.off + J), group=K)  # E beside D: c = [D | E]
        c = Window(d.buf, d.off, 2 * J, R)
        cb.aggregate(d, (d.buf, e.off + J), K, "sum", 1, False)  # Σ_n d_nk
        cb.aggregate(c.at(0, J), (d.buf, e.off + 2 * J), K, "sum", 0, False)  # Σ_k d_nk
        cb.aggregate(c.at(J, J), (d.buf, e.off + 3 * J), K, "sum", 0, False)  # Σ_k e_nk
        full = Window(d.buf, d.off, 5 * J, R)
        aligns = [int(a) for a in cb.rng.integers(0, 7, 5)]
        y = cb.dense(full, Jo, (1, 0), relu=False, bias=False, aligns=aligns)
        nxt = spare[li % 2] if spare[li % 2] != d.buf else spare[(li + 1) % 2]
        if last:
            gain = int(round(math.sqrt(p_max) * 2 ** (bits - 2)))
            return cb.b.build(cb.b.norm(y, (nxt, 0), gain=gain), out_frac=bits - 2)
        # σ: typical entries ~ gain / sqrt(R * Jo); aim them at 2^(bits-3).
        gain = 2 ** (bits - 3 + int(math.log2(math.sqrt(R * Jo))))
        d = cb.norm(y, (nxt, 0), gain)
    raise AssertionError("unreachable")


def max_dims_program(bits: int = 8, limits: HardwareLimits | None = None, seed: int = 0
                     ) -> Program:
    """Every op kind at the hardware maxima: MAX_ROWS rows, MAX_COLS-wide windows, all buffers.

    DENSE 8 -> C (ReLU), AGGREGATE max over all rows but self, DENSE C -> C (MAX_SEGMENTS
    segments, alignments 0..3), TAYLOR with C/2
    channels and group 4 (H = the input's first two columns), AGGREGATE sum over n, DENSE
    C -> 8, NORM over the whole table. Needs max_rows % 4 == 0, max_cols even, 4 buffers.
    """
    lim = limits or HardwareLimits()
    R, C = lim.max_rows, lim.max_cols
    if R % 4 or C % 2 or lim.num_buffers < 4:
        raise ValueError(f"max_dims_program needs max_rows % 4 == 0, even max_cols and 4 "
                         f"buffers, got {lim}")
    cb = _Calibrated(bits, seed, f"max_dims_b{bits}_r{R}_c{C}", lim)
    x = cb.b.input(rows=R, cols=8, frac=bits - 3, buf=0)
    cb.put(x, random_inputs(bits, (8, R, 8), cb.rng))
    h = cb.dense(x, C, (1, 0), relu=True)
    m = cb.aggregate(h, (2, 0), R, "max", 0, True, out_signed=False)
    aligns = [i % 4 for i in range(8)] if C % 8 == 0 else None
    d = cb.dense(m, C, (3, 0), relu=False, aligns=aligns)
    e = cb.taylor(d, Window(0, 0, 2, R), (1, 0), group=4)
    s = cb.aggregate(e, (2, 0), 4, "sum", 1, False)
    y = cb.dense(s, 8, (3, 0), relu=False)
    return cb.b.build(cb.b.norm(y, (1, 0), gain=2 ** (bits - 2)), out_frac=bits - 2)
