"""Power-of-two fixed-point quantizers (Brevitas) and the integer steps the QAT nets share with
the accelerator program (``quant/PROGRAM.md``): round-half-even shifts, saturation, the NORM
op's isqrt/reciprocal, all on integer-valued torch tensors so the QAT forward pass *is* the
integer computation, not an approximation of it.

Why power-of-two scales: every requantization becomes an arithmetic shift with round-half-even
(Brevitas' ``torch.round`` = QONNX ROUND = ``AP_RND_CONV``), which the HLS kernel and the RTL
do exactly. Why int64 emulation for NORM: float32 cannot hold its 40-60-bit intermediates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from brevitas.quant import (
    Int8ActPerTensorFixedPoint,
    Int8WeightPerTensorFixedPoint,
    Int32Bias,
    IntBias,
    Uint8ActPerTensorFixedPoint,
)

SUPPORTED_BITS = (8, 16)
ACC_BITS = {8: 32, 16: 48}  # DSP48-style accumulator per data width (DESIGN "Numerics")
# Bias at the accumulator's scale 2^-(f_in + f_w), one int32 word (PROGRAM.md v1, Int32Bias).
# 8-bit: f_acc ~ 14, so |b| < 2^17. 16-bit: f_acc ~ 28-34 leaves |b| < 2^-3..2^3 and Brevitas
# clamps larger biases (QAT trains around it). ``quant_spec(16, bias_bits=48)`` gives the
# accumulator-wide bias; format v1 cannot store it yet (``lower`` says so).
BIAS_BITS = (32, 48)
NORM_RBITS_MAX = 32  # reciprocal precision of NORM; the rest of 63 bits is headroom


# --------------------------------------------------------------------------- quantizers


class Int16WeightPerTensorFixedPoint(Int8WeightPerTensorFixedPoint):
    """16-bit narrow signed per-tensor power-of-two weights (DESIGN: subclass with bit_width)."""

    bit_width = 16


class Int16ActPerTensorFixedPoint(Int8ActPerTensorFixedPoint):
    """16-bit signed per-tensor power-of-two activations."""

    bit_width = 16


class Int48Bias(IntBias):
    """Bias at the accumulator's scale, as wide as the 16-bit path's 48-bit accumulator."""

    bit_width = 48


class Uint16ActPerTensorFixedPoint(Uint8ActPerTensorFixedPoint):
    """16-bit unsigned per-tensor power-of-two activations (ReLU outputs)."""

    bit_width = 16


@dataclass(frozen=True)
class QuantSpec:
    """The Brevitas quantizer classes of one data width."""

    bits: int
    weight: type
    act: type
    uact: type
    bias: type

    @property
    def acc_bits(self) -> int:
        return ACC_BITS[self.bits]


def quant_spec(bits: int, bias_bits: int = 32) -> QuantSpec:
    """Quantizers for ``bits`` ∈ {8, 16}: narrow weights, full-range activations, and a bias
    at the accumulator scale (Int32Bias; 48-bit on request, see ``BIAS_BITS``)."""
    if bias_bits not in BIAS_BITS:
        raise ValueError(f"bias_bits must be one of {BIAS_BITS}, got {bias_bits!r}")
    bias = Int32Bias if bias_bits == 32 else Int48Bias
    if bits == 8:
        return QuantSpec(8, Int8WeightPerTensorFixedPoint, Int8ActPerTensorFixedPoint,
                         Uint8ActPerTensorFixedPoint, bias)
    if bits == 16:
        return QuantSpec(16, Int16WeightPerTensorFixedPoint, Int16ActPerTensorFixedPoint,
                         Uint16ActPerTensorFixedPoint, bias)
    raise ValueError(f"bits must be one of {SUPPORTED_BITS}, got {bits!r}")


# --------------------------------------------------------------------------- formats


def frac_bits(scale: torch.Tensor | float) -> int:
    """F with scale == 2^-F exactly; ValueError if the scale is not a power of two."""
    s = float(scale.detach().reshape(-1)[0]) if torch.is_tensor(scale) else float(scale)
    if torch.is_tensor(scale) and scale.numel() != 1:
        raise ValueError(f"expected a per-tensor scale, got {scale.numel()} values")
    if not (s > 0 and math.isfinite(s)):
        raise ValueError(f"scale must be a finite positive power of two, got {s}")
    mant, exp = math.frexp(s)  # s = mant * 2^exp, mant in [0.5, 1)
    if mant != 0.5:
        raise ValueError(f"scale {s!r} is not a power of two")
    return 1 - exp


def int_range(bits: int, signed: bool, narrow: bool = False) -> tuple[int, int]:
    """PROGRAM.md ``sat`` bounds."""
    if signed:
        return -(1 << (bits - 1)) + (1 if narrow else 0), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


# --------------------------------------------------------------------------- integer ops


def rshift_rne(v: torch.Tensor, s: int) -> torch.Tensor:
    """PROGRAM.md ``rshift_rne`` on an int64 tensor: round-half-even of v / 2^s (s > 0), else
    the exact left shift."""
    if v.dtype != torch.int64:
        raise ValueError(f"rshift_rne needs an int64 tensor, got {v.dtype}")
    if s <= 0:
        return v << (-s)
    q = v >> s  # floor
    r = v - (q << s)
    half = 1 << (s - 1)
    up = (r > half) | ((r == half) & ((q & 1) == 1))
    return q + up.to(torch.int64)


def sat(v: torch.Tensor, bits: int, signed: bool, narrow: bool = False) -> torch.Tensor:
    lo, hi = int_range(bits, signed, narrow)
    return v.clamp(lo, hi)


def isqrt(s: torch.Tensor) -> torch.Tensor:
    """Floor integer square root of a non-negative int64 tensor (exact, s < 2^62)."""
    if s.dtype != torch.int64:
        raise ValueError(f"isqrt needs an int64 tensor, got {s.dtype}")
    if bool((s < 0).any()):
        raise ValueError("isqrt of a negative number")
    n = torch.sqrt(s.to(torch.float64)).floor().to(torch.int64)
    for _ in range(3):  # the float estimate is within ±1 for s < 2^62
        n = torch.where(n * n > s, n - 1, n)
        n = torch.where((n + 1) * (n + 1) <= s, n + 1, n)
    return n


def norm_rbits(gain: int, bits: int) -> int:
    """Reciprocal precision R of NORM. |y·g| <= gain·2^R always (|y| <= isqrt(Σy²)), but the
    program loader checks the simpler static bound max|y|·(gain << R) < 2^63 with max|y| =
    2^bits (a buffer word), which is what R must satisfy (= ProgramBuilder.norm's default,
    capped at NORM_RBITS_MAX)."""
    if gain < 1:
        raise ValueError(f"NORM gain must be >= 1, got {gain}")
    return max(0, min(NORM_RBITS_MAX, 62 - (bits + 1) - gain.bit_length()))


def norm_gain(p_max: float, out_frac: int) -> int:
    """PROGRAM.md NORM gain: round(√P · 2^out_frac) (P = 1 for Model-GNN's σ)."""
    return int(round(math.sqrt(p_max) * 2.0 ** out_frac))


def fixed_norm(y: torch.Tensor, gain: int, rbits: int, out_bits: int, signed: bool = True,
               narrow: bool = False) -> torch.Tensor:
    """PROGRAM.md NORM on y: (B, R, C) int64, one window per sample: s = Σy², n = isqrt(s),
    g = floor((gain << rbits) / n), out = sat(rshift_rne(y·g, rbits)); n = 0 -> zeros."""
    if y.dtype != torch.int64 or y.dim() != 3:
        raise ValueError(f"fixed_norm needs y: (B, R, C) int64, got {tuple(y.shape)} {y.dtype}")
    s = (y * y).sum(dim=(1, 2), keepdim=True)
    n = isqrt(s)
    num = torch.full_like(n, gain << rbits)
    g = torch.where(n > 0, torch.div(num, n.clamp_min(1), rounding_mode="floor"),
                    torch.zeros_like(n))
    return sat(rshift_rne(y * g, rbits), out_bits, signed, narrow)


# --------------------------------------------------------------------------- float <-> int


def to_int(value: torch.Tensor, frac: int) -> torch.Tensor:
    """value · 2^frac as int64; ValueError if value is not on that grid (a lost bit)."""
    scaled = value.detach().to(torch.float64) * 2.0 ** frac
    out = torch.round(scaled)
    if not torch.equal(out, scaled):
        raise ValueError(f"tensor is not on the 2^-{frac} grid (max off-grid "
                         f"{(out - scaled).abs().max().item():.3g} LSB)")
    return out.to(torch.int64)


def straight_through(reference: torch.Tensor, exact: torch.Tensor) -> torch.Tensor:
    """Forward ``exact`` (the integer result, dequantized), backward the float ``reference``'s
    gradient: how the non-Brevitas integer steps (NORM, alignment) train."""
    return reference + (exact.to(reference.dtype) - reference).detach()


def requant_value(value: torch.Tensor, frac_out: int, bits: int, signed: bool,
                  narrow: bool = False) -> torch.Tensor:
    """Requantize to the 2^-frac_out grid with round-half-even and saturation, straight-through
    gradient. On a finer power-of-two grid (2^-frac_in) this is exactly PROGRAM.md's
    ``sat(rshift_rne(v, frac_in - frac_out))``: the scaling by 2^frac_out is exact in float."""
    lo, hi = int_range(bits, signed, narrow)
    q = torch.round(value.detach() * 2.0 ** frac_out).clamp(lo, hi) * 2.0 ** -frac_out
    return straight_through(value, q)


def fixed_taylor(d: torch.Tensor, h: torch.Tensor, group: int, a_shift: int, shift: int,
                 bits: int, signed: bool = True, narrow: bool = False) -> torch.Tensor:
    """PROGRAM.md TAYLOR (= golden.taylor) on int64: E = D (H D) per complex channel.

    d: (B, N*K, 2C) [Re ch | Im ch] per edge row n*K + k; h: (B, N*K, 2) [Re h, Im h];
    A[k, j] = sat(rshift_rne(Σ_n conj(h_nk) d_nj, a_shift)) (signed), E[n, k] =
    sat(rshift_rne(Σ_j d_nj A[j, k], shift)). Returns (B, N*K, 2C) int64.
    """
    if d.dtype != torch.int64 or h.dtype != torch.int64:
        raise ValueError("fixed_taylor needs int64 tensors")
    B, R, J = d.shape
    K, C = group, J // 2
    N = R // K
    dre, dim = d[..., :C].reshape(B, N, K, C), d[..., C:].reshape(B, N, K, C)
    hre, him = h[..., 0].reshape(B, N, K), h[..., 1].reshape(B, N, K)
    are = torch.einsum("bnk,bnjc->bckj", hre, dre) + torch.einsum("bnk,bnjc->bckj", him, dim)
    aim = torch.einsum("bnk,bnjc->bckj", hre, dim) - torch.einsum("bnk,bnjc->bckj", him, dre)
    are = sat(rshift_rne(are, a_shift), bits, True, narrow)
    aim = sat(rshift_rne(aim, a_shift), bits, True, narrow)
    ere = torch.einsum("bnjc,bcjk->bnkc", dre, are) - torch.einsum("bnjc,bcjk->bnkc", dim, aim)
    eim = torch.einsum("bnjc,bcjk->bnkc", dre, aim) + torch.einsum("bnjc,bcjk->bnkc", dim, are)
    e = torch.cat([ere, eim], dim=-1).reshape(B, R, J)
    return sat(rshift_rne(e, shift), bits, signed, narrow)


def taylor_a_float(d: torch.Tensor, h: torch.Tensor, group: int) -> torch.Tensor:
    """The float A = H D of TAYLOR (for calibrating A's grid): d (B, N*K, 2C), h (B, N*K, 2)
    -> (B, C, K, K, 2) [Re, Im]."""
    B, R, J = d.shape
    K, C = group, J // 2
    N = R // K
    dre, dim = d[..., :C].reshape(B, N, K, C), d[..., C:].reshape(B, N, K, C)
    hre, him = h[..., 0].reshape(B, N, K), h[..., 1].reshape(B, N, K)
    are = torch.einsum("bnk,bnjc->bckj", hre, dre) + torch.einsum("bnk,bnjc->bckj", him, dim)
    aim = torch.einsum("bnk,bnjc->bckj", hre, dim) - torch.einsum("bnk,bnjc->bckj", him, dre)
    return torch.stack([are, aim], dim=-1)


def taylor_float(d: torch.Tensor, h: torch.Tensor, group: int) -> torch.Tensor:
    """Float E = D (H D) in TAYLOR's layout (the straight-through reference)."""
    B, R, J = d.shape
    K, C = group, J // 2
    N = R // K
    dre, dim = d[..., :C].reshape(B, N, K, C), d[..., C:].reshape(B, N, K, C)
    a = taylor_a_float(d, h, group)
    are, aim = a[..., 0], a[..., 1]
    ere = torch.einsum("bnjc,bcjk->bnkc", dre, are) - torch.einsum("bnjc,bcjk->bnkc", dim, aim)
    eim = torch.einsum("bnjc,bcjk->bnkc", dre, aim) + torch.einsum("bnjc,bcjk->bnkc", dim, are)
    return torch.cat([ere, eim], dim=-1).reshape(B, R, J)
