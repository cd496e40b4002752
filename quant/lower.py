"""Lower a quantized GSM GNN (``quant.qat_nets``) to an accelerator program (PROGRAM.md).

Walks the same ``NetOp`` list the QAT net executes, so the program cannot drift from the
model: integer weights = W / 2^-F_w (exact: Brevitas put them on that grid), biases from the
net's own bias quantizer, every shift = F_in + F_w - F_out from the power-of-two scales, ReLU
fused into DENSE, the concat's second half requantized by the AGGREGATE op into the column
window right after its first half (so concat is free), NORM with the net's gain and rbits.

Buffers are assigned by greedy interval colouring over each table's live range; a concat and
its halves share one buffer.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from brevitas.nn import QuantLinear, QuantReLU
from brevitas.quant_tensor import IntQuantTensor

from spacemimo.model.precoder_io import NetOp
from spacemimo.quant.fixed_point import frac_bits, to_int
from spacemimo.quant.program import (
    ACC_BITS_MAX,
    HardwareLimits,
    Program,
    ProgramBuilder,
    Window,
    bias_words,
    seg_align_max,
)
from spacemimo.quant.qat_nets import QuantGsmGnn, QuantGsmMultiGnn, QuantModelGnn


@dataclass
class _Table:
    """One stored table (or a concat group of tables sharing a buffer)."""

    start: int
    end: int
    buf: int = -1


def satellite_net(model: QuantGsmGnn | QuantGsmMultiGnn, sat: int = 0) -> QuantGsmGnn:
    """The per-satellite GNN a program is compiled from (shared weights: the only one)."""
    if isinstance(model, QuantGsmGnn):
        return model
    if isinstance(model, QuantGsmMultiGnn):
        if not 0 <= sat < len(model.gnns) and len(model.gnns) > 1:
            raise ValueError(f"sat must be in [0, {len(model.gnns)}), got {sat}")
        return model.gnn_for(sat)
    raise ValueError(f"lower() takes a QuantGsmGnn or QuantGsmMultiGnn, got "
                     f"{type(model).__name__}")


def dense_params(net: QuantGsmGnn, layer: str, f_in: int, signed_in: bool
                 ) -> tuple[np.ndarray, np.ndarray | None, int]:
    """(W_int (out, in), bias_int (out,) or None, F_w) of QuantLinear ``layer`` fed at 2^-f_in.

    The bias comes from the layer's own bias quantizer (Int32Bias/Int48Bias at the
    accumulator scale 2^-(f_in + F_w)), so its rounding and clamping are Brevitas'."""
    q: QuantLinear = net.get_submodule(layer)
    with torch.no_grad():
        qw = q.quant_weight()
        f_w = frac_bits(qw.scale)
        W = to_int(qw.value, f_w).numpy()
        if q.bias is None:
            return W, None, f_w
        dt = q.weight.dtype
        x = IntQuantTensor(torch.zeros(1, q.in_features, dtype=dt),
                           torch.tensor(2.0 ** -f_in, dtype=dt), torch.tensor(0.0, dtype=dt),
                           torch.tensor(float(net.bits), dtype=dt), signed_in, False)
        qb = q.bias_quant(q.bias, x, qw)
        b = to_int(qb.value, f_in + f_w).numpy()
    top = 63 if bias_words(ACC_BITS_MAX[net.bits]) == 2 else 31
    if b.size and (int(b.min()) < -(1 << top) or int(b.max()) >= 1 << top):
        raise ValueError(f"{layer}: a bias needs {int(np.abs(b).max()).bit_length() + 1} bits "
                         f"at the accumulator scale 2^-{f_in + f_w}; a {net.bits}-bit program "
                         f"stores int{top + 1} biases (build the net with bias_bits=32)")
    return W, b, f_w


def _act_frac(act: torch.nn.Module) -> int:
    return frac_bits(act.act_quant.scale())


def lower(model: QuantGsmGnn | QuantGsmMultiGnn, num_users: int, sat: int = 0,
          limits: HardwareLimits | None = None, name: str = "") -> Program:
    """Compile one satellite's quantized GNN for ``num_users`` nodes (the table's rows)."""
    net = satellite_net(model, sat)
    if num_users < 1:
        raise ValueError(f"num_users must be >= 1, got {num_users}")
    net.eval()
    ops = net.ops()
    limits = limits or HardwareLimits()

    # Aliases: a fused ReLU's value is its dense's table.
    alias: dict[str, str] = {}
    for i, op in enumerate(ops):
        if op.kind == "relu":
            prev = ops[i - 1] if i else None
            if prev is None or prev.kind != "dense" or op.src != (prev.dst,):
                raise ValueError(f"relu {op.dst!r} must directly follow its dense layer")
            alias[op.dst] = prev.dst

    def root(v: str) -> str:
        return alias.get(v, v)

    # Concat groups: the concat and its parts live in one buffer at column offsets.
    group_of: dict[str, str] = {}
    for op in ops:
        if op.kind == "concat":
            for s in op.src:
                r = root(s)
                if r in group_of:
                    raise ValueError(f"{r!r} feeds two concats; the lowering places it once")
                group_of[r] = op.dst
            group_of[op.dst] = op.dst

    def storage(v: str) -> str:
        r = root(v)
        return group_of.get(r, r)

    tables: dict[str, _Table] = {"x": _Table(-1, -1)}
    for i, op in enumerate(ops):
        if op.kind == "relu":
            continue
        st = storage(op.dst)
        if st not in tables:
            tables[st] = _Table(i, i)
        tables[st].start = min(tables[st].start, i)
        tables[st].end = max(tables[st].end, i)
        for s in op.src:
            t = tables[storage(s)]
            t.end = max(t.end, i)
    tables[storage(ops[-1].dst)].end = len(ops)
    if "x" in group_of:
        raise ValueError("the input table cannot be part of a concat")
    nbuf = _colour(tables, limits.num_buffers)

    b = ProgramBuilder(bits=net.bits, num_buffers=nbuf, limits=limits, name=name)
    rows = num_users
    win: dict[str, Window] = {"x": b.input(rows, net.in_features, frac=net.in_frac,
                                           buf=tables["x"].buf)}
    frac: dict[str, int] = {"x": net.in_frac}
    signed: dict[str, bool] = {"x": True}

    def dst_for(v: str, cols: int) -> tuple[int, int]:
        """Where value v goes: its own buffer at 0, or its slot in its concat."""
        r = root(v)
        grp = group_of.get(r)
        if grp is None or grp == r:
            return tables[storage(v)].buf, 0
        cat = next(o for o in ops if o.dst == grp)
        off = 0
        for s in cat.src:
            if root(s) == r:
                return tables[grp].buf, off
            off += _width(win, s, root, cols_hint=None)
        raise AssertionError(v)

    for i, op in enumerate(ops):
        if op.kind == "relu":
            continue
        srcs = [root(s) for s in op.src]
        if op.kind == "dense":
            relu = i + 1 < len(ops) and ops[i + 1].kind == "relu"
            act = net.act_for(op.layer)
            f_in = frac[srcs[0]]
            W, bias, f_w = dense_params(net, op.layer, f_in, signed[srcs[0]])
            f_out = _act_frac(act)
            out_signed = not isinstance(act, QuantReLU)
            win[op.dst] = b.dense(win[srcs[0]], W, bias, f_in + f_w - f_out,
                                  dst_for(op.dst, W.shape[0]), relu=relu,
                                  out_signed=out_signed, narrow=False)
            frac[op.dst], signed[op.dst] = f_out, out_signed
        elif op.kind == "max_aggregate":
            f_src, sgn = frac[srcs[0]], signed[srcs[0]]
            f_out = f_src
            cat = next((o for o in ops if o.kind == "concat" and root(o.src[0]) != op.dst
                        and op.dst in [root(s) for s in o.src]), None)
            if cat is not None:  # align to the concat's first half (qat_nets._concat)
                f_out = frac[root(cat.src[0])]
                if signed[root(cat.src[0])] != sgn:
                    raise ValueError(f"concat {cat.dst!r} mixes signed and unsigned halves")
            win[op.dst] = b.aggregate(win[srcs[0]], dst_for(op.dst, win[srcs[0]].cols),
                                      group=num_users, mode="max", axis=0,
                                      exclude_self=not op.attrs.get("include_self", False),
                                      shift=f_src - f_out, out_signed=sgn)
            frac[op.dst], signed[op.dst] = f_out, sgn
        elif op.kind == "concat":
            parts = [win[s] for s in srcs]
            off = 0
            for s, w in zip(srcs, parts, strict=True):
                if w.buf != parts[0].buf or w.off != off:
                    raise ValueError(f"concat {op.dst!r}: {s!r} is not in place")
                off += w.cols
            win[op.dst] = Window(parts[0].buf, 0, off, rows)
            frac[op.dst], signed[op.dst] = frac[srcs[0]], signed[srcs[0]]
        elif op.kind == "power_norm":
            p = net.norm_params()
            win[op.dst] = b.norm(win[srcs[0]], (tables[storage(op.dst)].buf, 0), gain=p["gain"],
                                 rbits=p["rbits"], out_signed=True, narrow=False)
            frac[op.dst], signed[op.dst] = p["out_frac"], True
        else:
            raise ValueError(f"cannot lower op kind {op.kind!r} ({op})")
    out = root(ops[-1].dst)
    return b.build(win[out], out_frac=frac[out],
                   name=name or f"gsm_{net.bits}bit_k{num_users}")


def _width(win: dict[str, Window], v: str, root, cols_hint: int | None) -> int:
    r = root(v)
    if r not in win:
        raise ValueError(f"concat part {r!r} is placed before it is computed; the lowering "
                         f"needs parts computed in order")
    return win[r].cols


def _colour(tables: dict[str, _Table], max_buffers: int) -> int:
    """Greedy interval colouring by start: a table gets the lowest buffer free over its live
    range. Returns the number of buffers used."""
    free_at: list[int] = []  # buffer -> last op index that still reads it
    for t in sorted(tables.values(), key=lambda t: t.start):
        for k, end in enumerate(free_at):
            if end < t.start:
                t.buf, free_at[k] = k, t.end
                break
        else:
            t.buf = len(free_at)
            free_at.append(t.end)
    if len(free_at) > max_buffers:
        raise ValueError(f"the net needs {len(free_at)} activation buffers, the hardware has "
                         f"{max_buffers}")
    return len(free_at)


def op_index_map(net: QuantGsmGnn) -> dict[str, int]:
    """NetOp value name -> index of the program op that writes it (``lower``'s op order:
    every op but the fused ReLUs and the in-place concats)."""
    idx: dict[str, int] = {}
    for op in net.ops():
        if op.kind not in ("relu", "concat"):
            idx[op.dst] = len(idx)
    return idx


def bit_exact_mismatches(model: QuantGsmGnn | QuantGsmMultiGnn, program: Program,
                         x_int: torch.Tensor | np.ndarray, sat: int = 0,
                         batch: int = 512) -> tuple[int, int, str]:
    """Compare golden.run(program, x_int) with the net's fake-quant forward on x_int:
    (B, K, 2M) ints. Returns (mismatching words, words compared, first mismatch or '')."""
    from spacemimo.quant import golden

    net = satellite_net(model, sat)
    if net.dtype != torch.float64:  # float32 rounds 8-bit sums above 2^24: not a reference
        net = copy.deepcopy(net).double()
    x = torch.as_tensor(np.asarray(x_int), dtype=torch.int64)
    bad, total, first = 0, 0, ""
    for s in range(0, x.shape[0], batch):
        xb = x[s:s + batch]
        want = net.forward_int(xb).numpy()
        got = golden.run(program, xb.numpy())
        diff = got != want
        n = int(diff.sum())
        if n and not first:
            idx = tuple(int(i) for i in np.argwhere(diff)[0])
            first = (f"vector {s + idx[0]} node {idx[1]} col {idx[2]}: golden {got[idx]} vs "
                     f"brevitas {want[idx]}")
        bad += n
        total += diff.size
    return bad, total, first


__all__ = ["lower", "dense_params", "bit_exact_mismatches", "satellite_net", "op_index_map",
           "lower_model_gnn", "model_gnn_mismatches", "NetOp"]


# --------------------------------------------------------------------------- Model-GNN


def lower_model_gnn(model: QuantModelGnn, num_antennas: int, num_users: int,
                    limits: HardwareLimits | None = None, name: str = "") -> Program:
    """Compile a quantized Model-GNN for an N x K edge table (rows n*K + k).

    Per layer, into one buffer: [D | E | Σ_n D | Σ_k D | Σ_k E] (TAYLOR, AGGREGATE sum axis 1
    of D, AGGREGATE sum axis 0 of D and of E), each part on its own grid; one five-segment
    DENSE (format v2 alignments) with W = [s0 s1 p0 q0 q1]; then NORM (σ, gain 2^F; the last:
    √P) into the next layer's buffer. Buffer 0 keeps the input edge table (= H for every
    TAYLOR); layer 0's D is its requantized copy (AGGREGATE sum over groups of 1 = identity +
    shift).
    """
    net = model.eval()
    N, K = num_antennas, num_users
    R = N * K
    b = ProgramBuilder(bits=net.bits, limits=limits, name=name)
    x = b.input(R, 2, frac=net.in_frac, buf=0)
    h = x
    cat_bufs = (2, 3)  # layer i's concat; its NORM writes layer i+1's
    d = b.aggregate(x, dst=(cat_bufs[0], 0), group=1, mode="sum", exclude_self=False,
                    shift=net.in_frac - net.d_frac(0))
    for i, lay in enumerate(net.layers):
        f = net.layer_formats(i)
        if max(f["aligns"]) > seg_align_max(net.bits):
            raise ValueError(f"layer {i}: segment grids 2^-{f['seg']} span more than "
                             f"{seg_align_max(net.bits)} bits (alignments {f['aligns']}), the "
                             f"{net.bits}-bit limit of the DENSE's seg_align")
        J = lay.in_width
        cb = d.buf
        e = b.taylor(d, h, dst=(cb, J), group=K, a_shift=f["a_shift"], shift=f["e_shift"])
        s_n, s_kd, s_ke = f["sum_shifts"]
        b.aggregate(d, dst=(cb, 2 * J), group=K, mode="sum", axis=1, exclude_self=False,
                    shift=s_n)
        b.aggregate(d, dst=(cb, 3 * J), group=K, mode="sum", axis=0, exclude_self=False,
                    shift=s_kd)
        b.aggregate(e, dst=(cb, 4 * J), group=K, mode="sum", axis=0, exclude_self=False,
                    shift=s_ke)
        cat = Window(cb, 0, 5 * J, R)
        with torch.no_grad():
            W = to_int(lay.lin.quant_weight().value, f["w"]).numpy()
        y = b.dense(cat, W, None, f["dense_shift"], dst=(1, 0), relu=False, out_signed=True,
                    aligns=f["aligns"])
        nxt = cat_bufs[(i + 1) % 2]
        d = b.norm(y, dst=(nxt, 0), gain=f["gain"], rbits=f["rbits"], out_signed=True)
    return b.build(d, out_frac=net.out_frac,
                   name=name or f"model_gnn_{net.bits}bit_n{N}_k{K}")


def model_gnn_mismatches(model: QuantModelGnn, program: Program, e_int: np.ndarray,
                         num_users: int, batch: int = 512) -> tuple[int, int, str]:
    """golden.run vs QuantModelGnn.forward_int on edge tables (B, N*K, 2)."""
    from spacemimo.quant import golden

    net = model if model.dtype == torch.float64 else copy.deepcopy(model).double()
    x = torch.as_tensor(np.asarray(e_int), dtype=torch.int64)
    bad, total, first = 0, 0, ""
    for s in range(0, x.shape[0], batch):
        xb = x[s:s + batch]
        want = net.forward_int(xb, num_users).numpy()
        got = golden.run(program, xb.numpy())
        diff = got != want
        if diff.any() and not first:
            idx = tuple(int(i) for i in np.argwhere(diff)[0])
            first = (f"vector {s + idx[0]} row {idx[1]} col {idx[2]}: golden {got[idx]} vs "
                     f"brevitas {want[idx]}")
        bad += int(diff.sum())
        total += diff.size
    return bad, total, first
