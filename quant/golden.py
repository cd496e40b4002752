"""The integer golden model: executes a program (PROGRAM.md) exactly, the reference every back
end (HLS C-sim, RTL, board, hls4ml) must equal word for word.

All values are integers held in int64. Matrix products run through float64 BLAS only when the
op's worst-case |accumulator| (from the actual weights and inputs) is below 2^53: then every
partial sum, in any summation order, is an integer that float64 represents exactly, so the
result equals the int64 product bit for bit and is ~60x faster (paper-size GSM in seconds).
Otherwise, or with ``int_matmul=True``, numpy int64 matmul is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spacemimo.quant.program import (
    AGG_MODES,
    ERROR_CODES,
    OPCODES,
    HardwareLimits,
    Op,
    Program,
    ProgramError,
    check_io_fits,
    load_device_image,
    sat_range,
)

_FLOAT_EXACT = 1 << 53


def rshift_rne(v: np.ndarray | int, s: int) -> np.ndarray:
    """Round-half-to-even of v / 2^s for s > 0 (Brevitas/QONNX ROUND, AP_RND_CONV); v << -s
    for s <= 0 (caller keeps it within int64). v: int array, s: int in [-62, 62]."""
    v = np.asarray(v, dtype=np.int64)
    s = int(s)
    if s <= 0:
        return v << np.int64(-s)
    if s > 62:
        raise ValueError(f"shift {s} > 62 is outside the int64 rounding range")
    q = v >> np.int64(s)  # floor
    r = v - (q << np.int64(s))  # remainder in [0, 2^s)
    half = np.int64(1 << (s - 1))
    up = (r > half) | ((r == half) & ((q & 1) == 1))
    return q + up.astype(np.int64)


def sat(v: np.ndarray | int, bits: int, signed: bool = True, narrow: bool = False
        ) -> np.ndarray:
    """Clamp to the Brevitas integer range of (bits, signed, narrow) (AP_SAT / AP_SAT_SYM)."""
    lo, hi = sat_range(bits, signed, narrow)
    return np.clip(np.asarray(v, dtype=np.int64), lo, hi)


def requant(v: np.ndarray, shift: int, bits: int, signed: bool, narrow: bool) -> np.ndarray:
    """sat(rshift_rne(v, shift)). For left shifts v is first clamped to ±2^(bits+1): any value
    that large saturates either way, so the result is unchanged and nothing overflows."""
    v = np.asarray(v, dtype=np.int64)
    if shift < 0:
        lim = 1 << (bits + 1)
        v = np.clip(v, -lim, lim)
    return sat(rshift_rne(v, shift), bits, signed, narrow)


def isqrt(s: np.ndarray | int) -> np.ndarray:
    """Floor integer square root, exact for every value in [0, 2^63) (math.isqrt per element)."""
    a = np.asarray(s, dtype=np.int64)
    if a.size and a.min() < 0:
        raise ValueError("isqrt of a negative value")
    out = np.fromiter((math.isqrt(int(x)) for x in a.reshape(-1)), dtype=np.int64,
                      count=a.size)
    return out.reshape(a.shape)


def int_matmul(x: np.ndarray, Wt: np.ndarray, int_only: bool = False) -> np.ndarray:
    """Exact x @ Wt for int64 arrays (x: (n, i), Wt: (i, o)); float64 BLAS when provably exact."""
    if not int_only and x.size and Wt.size:
        bound = int(np.abs(x).max()) * int(np.abs(Wt).sum(axis=0).max())
        if bound < _FLOAT_EXACT:
            return (x.astype(np.float64) @ Wt.astype(np.float64)).astype(np.int64)
    return x @ Wt


# --------------------------------------------------------------------------- ops


def dense(x: np.ndarray, W: np.ndarray, bias: np.ndarray | None, shift: int, bits: int,
          relu: bool = False, signed: bool = True, narrow: bool = False,
          int_only: bool = False) -> np.ndarray:
    """DENSE on x: (..., in) -> (..., out); W: (out, in); bias: (out,) at the acc scale."""
    acc = dense_acc(x, W, bias, int_only)
    if relu:
        acc = np.maximum(acc, 0)
    return requant(acc, shift, bits, signed, narrow)


def dense_acc(x: np.ndarray, W: np.ndarray, bias: np.ndarray | None,
              int_only: bool = False) -> np.ndarray:
    """The exact accumulator W x + b (before ReLU and requantization)."""
    x = np.asarray(x, dtype=np.int64)
    lead = x.shape[:-1]
    acc = int_matmul(x.reshape(-1, x.shape[-1]), np.asarray(W, np.int64).T, int_only)
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)[None, :]
    return acc.reshape(*lead, acc.shape[-1])


def aggregate_acc(x: np.ndarray, group: int, mode: str = "max", axis: int = 0,
                  exclude_self: bool = True) -> np.ndarray:
    """The exact max or sum over graph neighbours, broadcast back: x (B, N*group, C) -> same.

    axis 0 reduces over k' within row n*group + k's group n; axis 1 over n' for fixed k.
    An empty neighbour set (one member, self excluded) gives 0.
    """
    x = np.asarray(x, dtype=np.int64)
    B, R, C = x.shape
    if R % group:
        raise ValueError(f"rows {R} not a multiple of group {group}")
    g = x.reshape(B, R // group, group, C)
    red = 2 if axis == 0 else 1
    n = g.shape[red]
    if mode == "sum":
        m = g.sum(axis=red, keepdims=True)
        out = (m - g) if exclude_self else np.broadcast_to(m, g.shape)
    elif mode == "max":
        if not exclude_self:
            out = np.broadcast_to(g.max(axis=red, keepdims=True), g.shape)
        elif n == 1:
            out = np.zeros_like(g)
        else:
            # max over the others: the top value everywhere except at the (first) argmax,
            # which gets the second largest (equal to the top when the max is tied).
            top2 = -np.partition(-g, 1, axis=red)
            m1 = np.take(top2, [0], axis=red)
            m2 = np.take(top2, [1], axis=red)
            arg = np.argmax(g, axis=red)
            idx = np.arange(n).reshape([-1 if d == red else 1 for d in range(4)])
            is_arg = idx == np.expand_dims(arg, red)
            out = np.where(is_arg, m2, m1)
    else:
        raise ValueError(f"mode must be 'max' or 'sum', got {mode!r}")
    return np.ascontiguousarray(out).reshape(B, R, C)


def norm(y: np.ndarray, gain: int, rbits: int, bits: int, signed: bool = True,
         narrow: bool = False) -> np.ndarray:
    """NORM over each sample's whole (rows, cols) table: y (B, R, C) -> gain * y / ||y||."""
    y = np.asarray(y, dtype=np.int64)
    B = y.shape[0]
    s = np.einsum("brc,brc->b", y, y)
    n = isqrt(s)
    out = np.zeros_like(y)
    for b in range(B):
        nb = int(n[b])
        if nb == 0:
            continue
        g = (int(gain) << int(rbits)) // nb
        out[b] = sat(rshift_rne(y[b] * np.int64(g), rbits), bits, signed, narrow)
    return out


def taylor(d: np.ndarray, h: np.ndarray, group: int, a_shift: int, shift: int, bits: int,
           signed: bool = True, narrow: bool = False) -> np.ndarray:
    """TAYLOR: E = D (H D) per complex channel.

    d: (B, N*K, 2C) = [Re ch_0..ch_{C-1} | Im ch_0..] per edge row n*K + k; h: (B, N*K, 2) =
    [Re h_nk, Im h_nk]; K = group. A[k, j] = sat(rshift_rne(Σ_n conj(h_nk) d_nj, a_shift),
    bits, signed, narrow) and E[n, k] = requant(Σ_j d_nj A[j, k], shift). Returns (B, N*K, 2C).
    """
    are, aim = taylor_a_acc(d, h, group)
    are = requant(are, a_shift, bits, True, narrow)
    aim = requant(aim, a_shift, bits, True, narrow)
    return requant(taylor_e_acc(d, are, aim), shift, bits, signed, narrow)


def _split_edges(d: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(d, dtype=np.int64)
    B, R, J = d.shape
    N, C = R // K, J // 2
    return d[..., :C].reshape(B, N, K, C), d[..., C:].reshape(B, N, K, C)


def taylor_a_acc(d: np.ndarray, h: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact A[b, c, k, j] = Σ_n conj(h_nk) d_nj as (Re, Im), each (B, C, K, K)."""
    K = group
    dre, dim = _split_edges(d, K)
    h = np.asarray(h, dtype=np.int64)
    B, N = h.shape[0], h.shape[1] // K
    hre = h[..., 0].reshape(B, N, K)
    him = h[..., 1].reshape(B, N, K)
    are = np.einsum("bnk,bnjc->bckj", hre, dre) + np.einsum("bnk,bnjc->bckj", him, dim)
    aim = np.einsum("bnk,bnjc->bckj", hre, dim) - np.einsum("bnk,bnjc->bckj", him, dre)
    return are, aim


def taylor_e_acc(d: np.ndarray, are: np.ndarray, aim: np.ndarray) -> np.ndarray:
    """Exact E[n, k] = Σ_j d_nj A[j, k] per channel, laid out [Re | Im]: (B, N*K, 2C)."""
    K = are.shape[-1]
    dre, dim = _split_edges(d, K)
    ere = np.einsum("bnjc,bcjk->bnkc", dre, are) - np.einsum("bnjc,bcjk->bnkc", dim, aim)
    eim = np.einsum("bnjc,bcjk->bnkc", dre, aim) + np.einsum("bnjc,bcjk->bnkc", dim, are)
    B, N = dre.shape[0], dre.shape[1]
    return np.concatenate([ere, eim], axis=-1).reshape(B, N * K, -1)


# --------------------------------------------------------------------------- programs


@dataclass
class TraceEntry:
    """One op's output in a traced run: ``out`` is (B, rows, out_cols) int64."""

    index: int
    op: Op
    out: np.ndarray


def run(program: Program, x_int: np.ndarray, trace: bool = False, int_only: bool = False
        ) -> np.ndarray | tuple[np.ndarray, list[TraceEntry]]:
    """Execute ``program`` on x_int: (B, in_rows, in_cols) (or one (in_rows, in_cols) table)
    of signed ``bits``-bit integers. Returns y: (B, out_rows, out_cols) int64 (same rank as
    x_int), plus every op's output when ``trace``."""
    p = program
    x = np.asarray(x_int)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (p.in_rows, p.in_cols):
        raise ValueError(f"x_int must be (B, {p.in_rows}, {p.in_cols}), got shape "
                         f"{np.asarray(x_int).shape}")
    if x.size and not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"x_int must hold integers, got dtype {x.dtype}")
    lo, hi = sat_range(p.bits, True, False)
    if x.size and (x.min() < lo or x.max() > hi):
        raise ValueError(f"x_int values must be signed {p.bits}-bit [{lo}, {hi}], got "
                         f"[{x.min()}, {x.max()}]")
    B = x.shape[0]
    R = max([p.in_rows, p.out_rows] + [op.rows for op in p.ops])
    C = max([p.in_cols, p.out_cols] + [max(op.src_off + op.in_cols, op.dst_off + op.out_cols,
                                           op.b_off + 2 if op.opcode == OPCODES["TAYLOR"] else 0)
                                       for op in p.ops])
    bufs = np.zeros((p.num_buffers, B, R, C), dtype=np.int64)
    bufs[p.in_buf, :, :p.in_rows, :p.in_cols] = x
    entries: list[TraceEntry] = []
    for i, op in enumerate(p.ops):
        src = bufs[op.src_buf, :, :op.rows, op.src_off:op.src_off + op.in_cols]
        out = execute_op(p, op, src, bufs, int_only)
        bufs[op.dst_buf, :, :op.rows, op.dst_off:op.dst_off + op.out_cols] = out
        if trace:
            entries.append(TraceEntry(i, op, out.copy()))
    y = bufs[p.out_buf, :, :p.out_rows, :p.out_cols].copy()
    if single:
        y = y[0]
    return (y, entries) if trace else y


def execute_op(p: Program, op: Op, src: np.ndarray, bufs: np.ndarray, int_only: bool = False
               ) -> np.ndarray:
    """One op on its source window src: (B, rows, in_cols) -> (B, rows, out_cols)."""
    fmt = (p.bits, op.out_signed, op.narrow)
    if op.opcode == OPCODES["DENSE"]:
        if op.seg_cols:
            src = np.asarray(src, dtype=np.int64) << op.column_aligns()
        return dense(src, p.weights(op), p.bias(op), op.shift, p.bits, op.relu, op.out_signed,
                     op.narrow, int_only)
    if op.opcode == OPCODES["AGGREGATE"]:
        mode = "sum" if op.agg_mode == AGG_MODES["SUM"] else "max"
        m = aggregate_acc(src, op.group, mode, op.agg_axis, op.exclude_self)
        return requant(m, op.shift, *fmt)
    if op.opcode == OPCODES["NORM"]:
        return norm(src, op.gain, op.rbits, *fmt)
    if op.opcode == OPCODES["TAYLOR"]:
        h = bufs[op.w_off, :, :op.rows, op.b_off:op.b_off + 2]
        return taylor(src, h, op.group, op.gain, op.shift, *fmt)
    raise ValueError(f"unknown opcode {op.opcode}")


def run_device(image: bytes | np.ndarray, inputs_int16: np.ndarray, *, program_size: int,
               input_size: int, output_size: int, num_vectors: int,
               limits: HardwareLimits | None = None) -> tuple[int, np.ndarray | None]:
    """One MODE.LOAD_PROGRAM = 1 run as the device does it: the program buffer holds
    ``image`` cut or zero-padded to ``program_size`` bytes (bursts move whole
    ``limits.bus_bytes`` beats, so sizes count in whole beats), the input buffer
    ``inputs_int16`` (flat or (n, rows, cols) int16; only what the sizes admit is read).

    Applies PROGRAM.md "Bounds" rules 1 and 2 and the loader checks in the hardware's order
    (``load_device_image``, ``check_io_fits``), then runs the golden model. Returns (STATUS,
    outputs): outputs (num_vectors, out_rows, out_cols) int16 when STATUS is 0, else None —
    the code every back end must report for the same buffers and registers.
    """
    blob = image.astype("<u4").tobytes() if isinstance(image, np.ndarray) else bytes(image)
    limits = limits or HardwareLimits()
    try:  # (load_device_image cuts the buffer to PROGRAM_SIZE and reads what lies past as 0)
        prog = load_device_image(blob, program_size, limits)
        check_io_fits(prog, num_vectors, input_size, output_size, limits.bus_bytes)
    except ProgramError as err:
        return err.code, None
    n, per = int(num_vectors), prog.in_rows * prog.in_cols
    x = np.asarray(inputs_int16, dtype=np.int16).reshape(-1)
    if x.size < n * per:  # INPUT_SIZE admits more than the caller supplied
        raise ValueError(f"inputs_int16 holds {x.size} elements, {n} tables need {n * per}")
    y = run(prog, x[:n * per].astype(np.int64).reshape(n, prog.in_rows, prog.in_cols))
    return ERROR_CODES["OK"], np.asarray(y).astype(np.int16)


def to_real(y_int: np.ndarray, frac: int) -> np.ndarray:
    """Integer table -> real values y * 2^-frac (float64)."""
    return np.asarray(y_int, dtype=np.float64) * 2.0 ** (-frac)
