"""Brevitas counterparts of the GNN precoders: power-of-two fixed point end to end.

``QuantGsmGnn`` mirrors ``spacemimo.model.gsm_gnn.GsmGnn`` module for module (same parameter
names, so float weights load directly) and executes the *same* ``NetOp`` list
(``GsmGnn.ops``), the list ``quant.lower`` turns into the accelerator program:

- dense + ReLU  -> QuantLinear (narrow power-of-two weights, Int32Bias at the accumulator's
                   scale) + QuantReLU (unsigned power-of-two activations)
- dense (last)  -> QuantLinear + QuantIdentity (signed)
- max_aggregate -> element-wise max of the integer messages over j ≠ k (exact)
- concat        -> the other halves are requantized (round-half-even shift, saturation) to the
                   first half's scale; on hardware that shift is the AGGREGATE op's, and the
                   first half is written in place, so concat costs nothing (PROGRAM.md)
- power_norm    -> PROGRAM.md's NORM (isqrt + reciprocal, int64) with a straight-through
                   gradient; output format 2^-(bits-1-ceil(log2 √P)), so |b| <= √P fits

Run the bit-exact references in float64 (``.double()``): a float32 accumulator rounds 8-bit
sums above 2^24 and every 16-bit one.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from brevitas.nn import QuantIdentity, QuantLinear, QuantReLU
from brevitas.quant_tensor import IntQuantTensor, QuantTensor
from torch import nn

from spacemimo.model.gsm_gnn import GsmGnn, GsmGnnConfig, GsmMultiGnn
from spacemimo.model.precoder_io import SQ_NORM_FLOOR, NetOp, max_aggregate
from spacemimo.quant.fixed_point import (
    SUPPORTED_BITS,
    fixed_norm,
    fixed_taylor,
    frac_bits,
    norm_gain,
    norm_rbits,
    quant_spec,
    requant_value,
    straight_through,
    taylor_a_float,
    taylor_float,
    to_int,
)
from spacemimo.quant.program import seg_align_max


def _value(t: torch.Tensor | QuantTensor) -> torch.Tensor:
    return t.value if isinstance(t, QuantTensor) else t


def _act_key(layer: str) -> str:
    """ModuleDict keys cannot hold dots."""
    return layer.replace(".", "_")


def norm_out_frac(bits: int, p_max: float) -> int:
    """Fractional bits of the power-normalized output: bits-1-ceil(log2 √P), so ±√P spans the
    signed range (|b_i| <= ‖b‖ = √P; only a sample with all its power in one element can
    touch the top code and saturate by < 1 LSB)."""
    return bits - 1 - math.ceil(math.log2(math.sqrt(p_max)) - 1e-12)


class QuantGsmGnn(nn.Module):
    """One satellite's quantized GSM GNN: (B, K, 2M) float -> (B, K, 2M) float on the output
    grid 2^-out_frac; ``forward_int`` is the same pass on integers (what the program computes).

    p_max: the power the output is normalized to (fixes the NORM gain and output format; a
    program is compiled for one P).
    """

    def __init__(self, config: GsmGnnConfig, bits: int, p_max: float, bias_bits: int = 32
                 ) -> None:
        super().__init__()
        if bits not in SUPPORTED_BITS:
            raise ValueError(f"bits must be one of {SUPPORTED_BITS}, got {bits!r}")
        if not (p_max > 0 and math.isfinite(p_max)):
            raise ValueError(f"p_max must be a finite number > 0, got {p_max!r}")
        self.config = cfg = config
        self.bits = bits
        self.p_max = float(p_max)
        self.in_features = cfg.node_features
        self.float_mode = False  # calibration: run the non-Brevitas steps in float
        self.bias_bits = bias_bits
        spec = self.spec = quant_spec(bits, bias_bits)

        def qlinear(n_in: int, n_out: int) -> QuantLinear:
            return QuantLinear(n_in, n_out, bias=cfg.bias, weight_quant=spec.weight,
                               bias_quant=spec.bias if cfg.bias else None,
                               return_quant_tensor=False)

        def qlinears(n_in: int, widths: tuple[int, ...]) -> nn.ModuleList:
            dims = (n_in, *widths)
            return nn.ModuleList(qlinear(a, b) for a, b in zip(dims[:-1], dims[1:], strict=True))

        self.inp_quant = QuantIdentity(act_quant=spec.act, return_quant_tensor=True)
        self.mlp_in = qlinears(self.in_features, cfg.input_mlp)
        width = cfg.input_mlp[-1]
        self.convs = nn.ModuleList()
        for _ in range(cfg.graph_layers):
            conv = nn.Module()
            conv.aggregate = qlinears(width, cfg.aggregate_mlp)
            conv.combine = qlinears(width + cfg.aggregate_mlp[-1], cfg.combine_mlp)
            self.convs.append(conv)
            width = cfg.combine_mlp[-1]
        self.fc_out = qlinear(width, self.in_features)
        self._ops = GsmGnn.ops(self)  # the float net's op list: one description of the net
        self.acts = nn.ModuleDict()
        for i, op in enumerate(self._ops):
            if op.kind != "dense":
                continue
            relu = i + 1 < len(self._ops) and self._ops[i + 1].kind == "relu"
            self.acts[_act_key(op.layer)] = (
                QuantReLU(act_quant=spec.uact, return_quant_tensor=True) if relu
                else QuantIdentity(act_quant=spec.act, return_quant_tensor=True))
        self.out_frac = norm_out_frac(bits, self.p_max)

    # ------------------------------------------------------------------ structure

    def ops(self) -> list[NetOp]:
        return list(self._ops)

    def act_for(self, layer: str) -> nn.Module:
        """The activation quantizer (QuantReLU or QuantIdentity) fused after dense ``layer``."""
        return self.acts[_act_key(layer)]

    def norm_params(self, p_max: float | None = None) -> dict[str, int]:
        """NORM's integer parameters: gain, rbits, out_frac (PROGRAM.md)."""
        gain = norm_gain(self.p_max if p_max is None else p_max, self.out_frac)
        return {"gain": gain, "rbits": norm_rbits(gain, self.bits), "out_frac": self.out_frac}

    # ------------------------------------------------------------------ forward

    def forward(self, x: torch.Tensor, p_max: float | None = None) -> torch.Tensor:
        if x.dim() != 3 or x.shape[-1] != self.in_features:
            raise ValueError(f"x must be (B, K, {self.in_features}) real, got "
                             f"{tuple(x.shape)}")
        if p_max is not None and not math.isclose(p_max, self.p_max, rel_tol=1e-9):
            raise ValueError(f"this quantized GNN was built for p_max={self.p_max} (it fixes "
                             f"the NORM gain and output format), got p_max={p_max}")
        return _value(self.run(x)["b"])

    def run(self, x: torch.Tensor) -> dict[str, Any]:
        """Execute the op list; returns every named value (QuantTensors where quantized)."""
        env: dict[str, Any] = {"x": self.inp_quant(x)}
        ops = self._ops
        for i, op in enumerate(ops):
            args = [env[s] for s in op.src]
            if op.kind == "dense":
                acc = self.get_submodule(op.layer)(args[0])
                out = self.act_for(op.layer)(acc)
                env[op.dst] = out
                if i + 1 < len(ops) and ops[i + 1].kind == "relu":
                    env[ops[i + 1].dst] = out  # fused into the QuantReLU
                continue
            if op.kind == "relu":
                if op.dst not in env:
                    raise ValueError(f"relu {op.dst!r} does not follow a dense layer")
                continue
            if op.kind == "max_aggregate":
                a = args[0]
                m = max_aggregate(_value(a), op.attrs.get("include_self", False))
                out = self._like(a, m)
            elif op.kind == "concat":
                out = self._concat(args)
            elif op.kind == "power_norm":
                out = self._power_norm(args[0])
            else:
                raise ValueError(f"unknown op kind {op.kind!r} in {op}")
            env[op.dst] = out
        return env

    def _like(self, ref: Any, value: torch.Tensor) -> Any:
        """Wrap ``value`` as a QuantTensor with ref's format (max keeps the grid)."""
        if not isinstance(ref, IntQuantTensor) or self.float_mode:
            return value
        return IntQuantTensor(value, ref.scale, ref.zero_point, ref.bit_width, ref.signed,
                              self.training)

    def _concat(self, parts: list[Any]) -> Any:
        """Concat on the first part's grid: the others are requantized to it (round-half-even,
        saturated) — the AGGREGATE op's shift on hardware."""
        first = parts[0]
        if self.float_mode or not isinstance(first, IntQuantTensor):
            return torch.cat([_value(p) for p in parts], dim=-1)
        f = frac_bits(first.scale)
        vals = [first.value]
        for p in parts[1:]:
            if not isinstance(p, IntQuantTensor) or bool(p.signed) != bool(first.signed):
                raise ValueError("concat halves must be quantized with the same signedness")
            vals.append(requant_value(p.value, f, self.bits, bool(first.signed)))
        return IntQuantTensor(torch.cat(vals, dim=-1), first.scale, first.zero_point,
                              first.bit_width, first.signed, self.training)

    def _power_norm(self, y: Any) -> torch.Tensor:
        """GSM sec. III-B3 b <- √P·b/‖b‖ per sample, as PROGRAM.md's integer NORM."""
        yv = _value(y)
        ref = yv * (math.sqrt(self.p_max) / yv.square().sum(dim=(1, 2), keepdim=True)
                    .clamp_min(SQ_NORM_FLOOR).sqrt())
        if self.float_mode or not isinstance(y, IntQuantTensor):
            return ref
        p = self.norm_params()
        y_int = torch.round(yv.detach().to(torch.float64) * 2.0 ** frac_bits(y.scale))
        out = fixed_norm(y_int.to(torch.int64), p["gain"], p["rbits"], self.bits)
        return straight_through(ref, out.to(torch.float64) * 2.0 ** -self.out_frac)

    # ------------------------------------------------------------------ integer view

    @property
    def in_frac(self) -> int:
        return frac_bits(self.inp_quant.act_quant.scale())

    def quantize_input(self, x: torch.Tensor) -> torch.Tensor:
        """Float features (B, K, 2M) -> int64 on the input grid (Brevitas' own rounding)."""
        with torch.no_grad():
            q = self.inp_quant(x.to(self.dtype))
        return to_int(q.value, frac_bits(q.scale))

    def forward_int(self, x_int: torch.Tensor) -> torch.Tensor:
        """The fake-quant forward on integer inputs: (B, K, 2M) int -> (B, K, 2M) int64 output
        words (= Brevitas output / output scale, what the program must produce)."""
        x = x_int.to(self.dtype) * 2.0 ** -self.in_frac
        with torch.no_grad():
            b = self(x)
        return to_int(b, self.out_frac)

    @property
    def dtype(self) -> torch.dtype:
        return self.fc_out.weight.dtype


class QuantGsmMultiGnn(GsmMultiGnn):
    """Quantized multi-GNN (GSM Fig. 2): ``GsmMultiGnn``'s forward over ``QuantGsmGnn``s, so
    training and evaluation see exactly the per-satellite program's numerics."""

    def __init__(self, config: GsmGnnConfig, bits: int, p_max: float, bias_bits: int = 32
                 ) -> None:
        nn.Module.__init__(self)
        self.config = cfg = config
        self.bits = bits
        n_nets = 1 if (cfg.shared_weights or cfg.variant == "global") else cfg.num_sats
        p_node = p_max * (cfg.num_sats if cfg.variant == "global" else 1)
        self.p_max = float(p_max)
        self.gnns = nn.ModuleList(QuantGsmGnn(cfg, bits, p_node, bias_bits)
                                  for _ in range(n_nets))

    def set_float_mode(self, on: bool) -> None:
        for g in self.gnns:
            g.float_mode = on


# --------------------------------------------------------------------------- building


def _copy_linears(dst: nn.Module, src: nn.Module) -> None:
    """Copy every nn.Linear's weight/bias of ``src`` into the same-named QuantLinear."""
    for name, mod in src.named_modules():
        if isinstance(mod, nn.Linear):
            q = dst.get_submodule(name)
            with torch.no_grad():
                q.weight.copy_(mod.weight)
                if mod.bias is not None:
                    q.bias.copy_(mod.bias)


def quantize_net(float_net: nn.Module, bits: int, p_max: float, bias_bits: int = 32
                 ) -> QuantGsmMultiGnn | QuantGsmGnn | QuantModelGnn:
    """A ``QuantGsmMultiGnn`` (or per-satellite ``QuantGsmGnn`` for a ``GsmGnn``) with the float
    net's weights copied, in its dtype; activation scales still need ``qat.calibrate``.

    p_max: the per-satellite power the program normalizes to (the scenario's P).
    """
    from spacemimo.model.model_gnn import ModelGnn

    if isinstance(float_net, ModelGnn):
        return quantize_model_gnn(float_net, bits, p_max)
    if isinstance(float_net, GsmMultiGnn):
        q: nn.Module = QuantGsmMultiGnn(float_net.config, bits, p_max, bias_bits)
    elif isinstance(float_net, GsmGnn):
        q = QuantGsmGnn(float_net.config, bits, p_max, bias_bits)
    else:
        raise ValueError(f"quantize_net supports GsmMultiGnn/GsmGnn/ModelGnn, got "
                         f"{type(float_net).__name__}")
    q = q.to(next(float_net.parameters()).dtype)
    _copy_linears(q, float_net)
    return q


# --------------------------------------------------------------------------- Model-GNN


# The five parts of a Model-GNN layer's DENSE input, in column order (PROGRAM.md v2 segments).
MODEL_GNN_SEGMENTS = ("d", "e", "sum_n_d", "sum_k_d", "sum_k_e")


class QuantModelGnnLayer(nn.Module):
    """One Model-GNN layer (Guo & Yang eq. 12/15), each part of the update on its own grid.

    The program runs it as TAYLOR (E), three sum AGGREGATEs (Σ_n D, Σ_k D, Σ_k E) and one
    five-segment DENSE over [D | E | Σ_n D | Σ_k D | Σ_k E] with W = [s0 s1 p0 q0 q1] (the
    float layer's s, p, q side by side). ``seg_quant[s]`` fixes segment s's grid (segment 0,
    D, is the previous NORM's output grid); the DENSE aligns them (format v2 ``seg_align``),
    which is what lets 8 bit work: E is ~2^10 larger than D, and on one shared grid D and the
    sums of D round to 0. ``a_quant`` fixes A = H D's grid, ``out_quant`` the dense output's.
    """

    def __init__(self, in_width: int, out_width: int, activation: bool, spec: Any) -> None:
        super().__init__()
        self.in_width, self.out_width, self.activation = in_width, out_width, activation
        self.lin = QuantLinear(5 * in_width, out_width, bias=False, weight_quant=spec.weight,
                               return_quant_tensor=False)
        self.seg_quant = nn.ModuleList(QuantIdentity(act_quant=spec.act, return_quant_tensor=True)
                                       for _ in MODEL_GNN_SEGMENTS)
        self.a_quant = QuantIdentity(act_quant=spec.act, return_quant_tensor=True)
        self.out_quant = QuantIdentity(act_quant=spec.act, return_quant_tensor=True)


class QuantModelGnn(nn.Module):
    """Quantized Model-GNN (SE variant, no power head): ChannelBatch or H (B, K, N) -> V
    (B, N, K), every step in fixed point; ``forward_int`` on the edge table (B, N*K, 2).

    The input keeps its own (finer) grid: it is H for every layer's TAYLOR, and layer 0's
    D is a requantized copy on layer 0's D grid (on hardware an AGGREGATE sum over groups
    of 1 with a shift). Layer l > 0's D comes on its grid from layer l-1's NORM.
    """

    def __init__(self, config: Any, bits: int, p_max: float) -> None:
        super().__init__()
        from spacemimo.model.model_gnn import _widths

        if (config.power_head or getattr(config, "user_power", ())
                or getattr(config, "user_pool", "sum") != "sum"
                or getattr(config, "activation_norm", "layer") != "layer"):
            raise ValueError("only the paper's SE Model-GNN (no power_head / user_power, "
                             "user_pool 'sum', activation_norm 'layer') is quantized so far; "
                             "the program IR and the accelerators implement eq. (15)'s sum "
                             "pool and the layer-wide X/||X||")
        self.config, self.bits, self.p_max = config, bits, float(p_max)
        self.float_mode = False
        self.spec = spec = quant_spec(bits)
        self.inp_quant = QuantIdentity(act_quant=spec.act, return_quant_tensor=True)
        self.layers = nn.ModuleList(QuantModelGnnLayer(a, b, act, spec)
                                    for a, b, act in _widths(config.hidden))
        self.out_frac = norm_out_frac(bits, self.p_max)

    # ------------------------------------------------------------------ formats

    @property
    def dtype(self) -> torch.dtype:
        return self.layers[0].lin.weight.dtype

    @property
    def in_frac(self) -> int:
        return frac_bits(self.inp_quant.act_quant.scale())

    def seg_fracs(self, i: int) -> list[int]:
        """Fractional bits of layer i's five DENSE input segments (MODEL_GNN_SEGMENTS): each
        quantizer's own grid, except that grids finer than the coarsest + the program's
        alignment limit (16 bit: 8) are coarsened to it, so the DENSE can align them."""
        raw = self._raw_seg_fracs(i)
        cap = min(raw) + seg_align_max(self.bits)
        return [min(f, cap) for f in raw]

    def _raw_seg_fracs(self, i: int) -> list[int]:
        return [frac_bits(q.act_quant.scale()) for q in self.layers[i].seg_quant]

    def d_frac(self, i: int) -> int:
        """Grid of layer i's D (segment 0; the previous NORM writes it)."""
        return self.seg_fracs(i)[0]

    def layer_formats(self, i: int) -> dict[str, Any]:
        """Integer parameters of layer i: segment grids and the DENSE's alignments/shift, the
        A grid and TAYLOR shifts, the sums' shifts, NORM gain/rbits/out grid."""
        lay = self.layers[i]
        seg, f_in = self.seg_fracs(i), self.in_frac
        f_d, f_e = seg[0], seg[1]
        f_a = frac_bits(lay.a_quant.act_quant.scale())
        f_w = frac_bits(lay.lin.quant_weight().scale)
        f_out = frac_bits(lay.out_quant.act_quant.scale())
        top = max(seg)
        last = i == len(self.layers) - 1
        f_n = self.out_frac if last else self.d_frac(i + 1)
        gain = norm_gain(self.p_max if last else 1.0, f_n)
        return {"seg": seg, "a": f_a, "a_shift": f_in + f_d - f_a, "e_shift": f_d + f_a - f_e,
                "sum_shifts": [f_d - seg[2], f_d - seg[3], f_e - seg[4]],
                "aligns": [top - f for f in seg], "w": f_w, "out": f_out,
                "dense_shift": top + f_w - f_out, "norm_out": f_n, "gain": gain,
                "rbits": norm_rbits(gain, self.bits)}

    # ------------------------------------------------------------------ forward

    def edges(self, x: Any, p_max: float | None = None, noise_power: float | None = None
              ) -> tuple[torch.Tensor, Any]:
        """ChannelBatch / H -> float edge table (B, N*K, 2) in the net's scaling, and inp."""
        from spacemimo.model.model_gnn import channel_to_edges
        from spacemimo.model.precoder_io import complex_dtype_of, resolve_input, scale_input

        inp = resolve_input(x, p_max, noise_power)
        H = scale_input(inp.H, inp.p_max, inp.noise_power, self.config.input_scale)
        D = channel_to_edges(H.to(complex_dtype_of(self.dtype)), self.dtype)
        B, N, K, _ = D.shape
        return D.reshape(B, N * K, 2), inp

    def forward(self, x: Any, p_max: float | None = None, noise_power: float | None = None
                ) -> torch.Tensor:
        e, inp = self.edges(x, p_max, noise_power)
        if inp.num_sats != 1:
            raise ValueError("the quantized Model-GNN normalizes the whole sample (num_sats 1)")
        if not math.isclose(inp.p_max, self.p_max, rel_tol=1e-9):
            raise ValueError(f"this quantized Model-GNN was built for p_max={self.p_max}, got "
                             f"{inp.p_max}")
        B, K, N = inp.H.shape
        y = self.run_edges(e, K)
        V = torch.complex(y[..., 0], y[..., 1]).reshape(B, N, K)
        return V.to(inp.H.dtype)

    def run_edges(self, e: torch.Tensor, K: int) -> torch.Tensor:
        """Edge table (B, N*K, 2) float -> output edge table (B, N*K, 2) float."""
        if self.float_mode:
            return self._run_float(e, K)
        hq = self.inp_quant(e)
        f_in = frac_bits(hq.scale)
        h_int = torch.round(hq.value.detach().to(torch.float64) * 2.0 ** f_in).to(torch.int64)
        d = requant_value(hq.value, self.d_frac(0), self.bits, True)
        for i, lay in enumerate(self.layers):
            f = self.layer_formats(i)
            f_d, f_e = f["seg"][0], f["seg"][1]
            d_int = torch.round(d.detach().to(torch.float64) * 2.0 ** f_d).to(torch.int64)
            e_int = fixed_taylor(d_int, h_int, K, f["a_shift"], f["e_shift"], self.bits)
            ev = straight_through(taylor_float(d, hq.value, K), e_int.to(torch.float64)
                                  * 2.0 ** -f_e)
            # The sums are exact on D's / E's grid; each QuantIdentity then rounds (half-even)
            # and saturates to its own grid = AGGREGATE sum's requantization.
            parts = [d, ev, _group_sum(d, K, axis=1), _group_sum(d, K, axis=0),
                     _group_sum(ev, K, axis=0)]
            raw = self._raw_seg_fracs(i)
            for s in range(2, 5):  # one rounding from the exact sum, as AGGREGATE does
                parts[s] = (_value(lay.seg_quant[s](parts[s])) if raw[s] == f["seg"][s]
                            else requant_value(parts[s], f["seg"][s], self.bits, True))
            y = lay.out_quant(lay.lin(torch.cat(parts, dim=-1)))
            yv = y.value
            ref = yv / yv.square().sum(dim=(1, 2), keepdim=True).clamp_min(SQ_NORM_FLOOR).sqrt()
            if i == len(self.layers) - 1:
                ref = ref * math.sqrt(self.p_max)
            y_int = torch.round(yv.detach().to(torch.float64) * 2.0 ** f["out"])
            out = fixed_norm(y_int.to(torch.int64), f["gain"], f["rbits"], self.bits)
            d = straight_through(ref, out.to(torch.float64) * 2.0 ** -f["norm_out"])
        return d

    def _run_float(self, e: torch.Tensor, K: int) -> torch.Tensor:
        """Calibration pass: float steps, each quantizer sees the tensor it will format."""
        self.inp_quant(e)
        d = e
        for lay in self.layers:
            parts = self._float_parts(d, e, K)
            for q, p in zip(lay.seg_quant, parts, strict=True):
                q(p)
            lay.a_quant(taylor_a_float(d, e, K))
            y = _value(lay.out_quant(lay.lin(torch.cat(parts, dim=-1))))
            d = y / y.square().sum(dim=(1, 2), keepdim=True).clamp_min(SQ_NORM_FLOOR).sqrt()
        return d * math.sqrt(self.p_max)

    @staticmethod
    def _float_parts(d: torch.Tensor, h: torch.Tensor, K: int) -> list[torch.Tensor]:
        """[D, E, Σ_n D, Σ_k D, Σ_k E] in float (MODEL_GNN_SEGMENTS order)."""
        e = taylor_float(d, h, K)
        return [d, e, _group_sum(d, K, axis=1), _group_sum(d, K, axis=0),
                _group_sum(e, K, axis=0)]

    def quantize_input(self, e: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            q = self.inp_quant(e.to(self.dtype))
        return to_int(q.value, frac_bits(q.scale))

    def forward_int(self, e_int: torch.Tensor, K: int) -> torch.Tensor:
        """Integer edge table (B, N*K, 2) -> output words (B, N*K, 2) int64."""
        e = e_int.to(self.dtype) * 2.0 ** -self.in_frac
        with torch.no_grad():
            y = self.run_edges(e, K)
        return to_int(y, self.out_frac)

    def set_float_mode(self, on: bool) -> None:
        self.float_mode = on


def _group_sum(x: torch.Tensor, K: int, axis: int) -> torch.Tensor:
    """PROGRAM.md AGGREGATE sum, self included, broadcast back: rows n*K + k; axis 0 sums
    over k within n, axis 1 over n for each k. x: (B, N*K, C)."""
    B, R, C = x.shape
    g = x.reshape(B, R // K, K, C)
    red = 2 if axis == 0 else 1
    return g.sum(dim=red, keepdim=True).expand_as(g).reshape(B, R, C)


def quantize_model_gnn(float_net: nn.Module, bits: int, p_max: float) -> QuantModelGnn:
    """QuantModelGnn with the float ModelGnn's weights: lin = [s | p | q] per layer."""
    from spacemimo.model.model_gnn import ModelGnn

    if not isinstance(float_net, ModelGnn):
        raise ValueError(f"expected a ModelGnn, got {type(float_net).__name__}")
    q = QuantModelGnn(float_net.config, bits, p_max).to(next(float_net.parameters()).dtype)
    with torch.no_grad():
        for ql, fl in zip(q.layers, float_net.layers, strict=True):
            ql.lin.weight.copy_(torch.cat([fl.s.weight, fl.p.weight, fl.q.weight], dim=1))
    return q
