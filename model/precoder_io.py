"""What every GNN precoder shares at its two ends: input checks and scaling, real <-> complex
conversion, power normalization, and a small op record for the quantization/lowering step.

Conventions are ``spacemimo.model.batch``'s: ``H: (B, K, Nt)`` complex with rows h_kᴴ (so the
received signal is ``H @ W``), precoders ``W: (B, Nt, K)``, satellite s owns antennas
``[s*M, (s+1)*M)``. The nets run in their parameters' real dtype and return ``W`` in ``H``'s
complex dtype.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch
from torch import nn

from spacemimo.model.batch import ChannelBatch

SQ_NORM_FLOOR = 1e-30  # floor on squared norms: no 0/0 or infinite sqrt gradient at a zero output

INPUT_SCALES = ("snr", "none")


# --------------------------------------------------------------------------- configs


@dataclass(frozen=True)
class NetConfig:
    """Base of the nets' size/hyper-parameter dataclasses: built from YAML dicts, validated."""

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> NetConfig:
        """Build from a dict (e.g. a preset's ``net:`` block); lists become tuples and unknown
        keys raise ValueError naming the valid ones."""
        data = dict(data or {})
        valid = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - valid)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} field(s) {', '.join(unknown)}; valid: "
                             f"{', '.join(sorted(valid))}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _check_int(self, name: str, low: int = 1) -> None:
        v = getattr(self, name)
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"{type(self).__name__}.{name} must be an int >= {low}, got {v!r}")

    def _check_widths(self, name: str, even: bool = False, allow_empty: bool = False) -> None:
        v = getattr(self, name)
        ok = isinstance(v, tuple) and (allow_empty or len(v) > 0) and all(
            isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in v)
        if not ok:
            raise ValueError(f"{type(self).__name__}.{name} must be a tuple of positive ints, "
                             f"got {v!r}")
        if even and any(w % 2 for w in v):
            raise ValueError(f"{type(self).__name__}.{name} must hold even widths (pairs of "
                             f"real/imaginary parts), got {v!r}")

    def _check_choice(self, name: str, choices: Sequence[str]) -> None:
        v = getattr(self, name)
        if v not in choices:
            raise ValueError(f"{type(self).__name__}.{name} must be one of "
                             f"{', '.join(choices)}, got {v!r}")


# --------------------------------------------------------------------------- op record


@dataclass(frozen=True)
class NetOp:
    """One step of a net's forward pass, in the vocabulary the accelerator program uses.

    kind: "dense" (``layer`` names an ``nn.Linear`` submodule, so a quantizer that swaps it for
    a QuantLinear of the same name keeps the list valid), "relu", "max_aggregate" (over the
    other nodes, ``attrs['include_self']``), "concat" (last axis), "power_norm" (whole sample
    to squared norm P). dst/src: names of the values it writes and reads (single assignment;
    the input is "x"). Semantics: ``run_ops``.
    """

    kind: str
    dst: str
    src: tuple[str, ...]
    layer: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- inputs


@dataclass
class PrecoderInput:
    """A validated net input: H (B, K, Nt) complex plus the scalars the output layer needs."""

    H: torch.Tensor
    p_max: float
    noise_power: float
    num_sats: int


def check_channel(H: torch.Tensor, name: str = "H") -> None:
    """Raise ValueError unless H is a finite complex (B, K, Nt) tensor with B, K, Nt >= 1."""
    if not torch.is_tensor(H) or not H.is_complex():
        raise ValueError(f"{name} must be a complex torch tensor (B, K, Nt), got "
                         f"{type(H).__name__} {getattr(H, 'dtype', '')}")
    if H.dim() != 3 or min(H.shape) < 1:
        raise ValueError(f"{name} must be (B, K, Nt) with every size >= 1, got shape "
                         f"{tuple(H.shape)}")
    if not torch.isfinite(torch.view_as_real(H)).all():
        raise ValueError(f"{name} contains NaN or Inf entries")


def resolve_input(x: ChannelBatch | torch.Tensor, p_max: float | None,
                  noise_power: float | None, num_sats: int | None = None) -> PrecoderInput:
    """Accept a ChannelBatch or a bare (B, K, Nt) tensor; explicit arguments override the batch.

    A bare tensor needs ``p_max`` (the output layer scales to it); ``noise_power`` defaults to
    1 (the channel generators' noise-normalised convention) and ``num_sats`` to 1.
    """
    if isinstance(x, ChannelBatch):
        if x.H.dim() != 3:
            raise ValueError(f"the GNN precoders are for single-antenna users, H (B, K, Nt); "
                             f"got {tuple(x.H.shape)}")
        H = x.H
        p_max = x.p_max if p_max is None else p_max
        noise_power = x.noise_power if noise_power is None else noise_power
        num_sats = x.num_sats if num_sats is None else num_sats
    else:
        H = x
        if p_max is None:
            raise ValueError("p_max is required when the input is a bare H tensor")
        noise_power = 1.0 if noise_power is None else noise_power
        num_sats = 1 if num_sats is None else num_sats
    check_channel(H)
    for name, v in (("p_max", p_max), ("noise_power", noise_power)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    if isinstance(num_sats, bool) or not isinstance(num_sats, int) or num_sats < 1 \
            or H.shape[-1] % num_sats:
        raise ValueError(f"Nt={H.shape[-1]} is not divisible by num_sats={num_sats!r}")
    return PrecoderInput(H, float(p_max), float(noise_power), num_sats)


def resolve_cells(x: ChannelBatch | torch.Tensor, p_max: float | None,
                  noise_power: float | None, num_cells: int | None = None) -> PrecoderInput:
    """``resolve_input`` for the coordinated (multi-cell) nets, whose users and antennas are
    cell-major (``channels.multicell``): both must split evenly over the cells."""
    inp = resolve_input(x, p_max, noise_power, num_cells)
    K, Nt = inp.H.shape[-2:]
    if K % inp.num_sats:
        raise ValueError(f"{K} users and {Nt} antennas must split evenly over "
                         f"num_cells={inp.num_sats} (cell-major)")
    return inp


def scale_input(H: torch.Tensor, p_max: float, noise_power: float, mode: str) -> torch.Tensor:
    """The channel the net sees. "snr": H·sqrt(P/σ²) (Guo & Yang sec. IV-B1: lets one net serve
    several SNRs and makes the generators' noise-normalised LEO channels O(1)); "none": H."""
    if mode == "snr":
        return H * math.sqrt(p_max / noise_power)
    if mode == "none":
        return H
    raise ValueError(f"input scale must be one of {', '.join(INPUT_SCALES)}, got {mode!r}")


def real_dtype_of(module: nn.Module) -> torch.dtype:
    """The real dtype a net computes in (its first floating parameter's, else float32)."""
    for p in module.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def complex_dtype_of(real_dtype: torch.dtype) -> torch.dtype:
    """complex128 for float64, else complex64."""
    return torch.complex128 if real_dtype == torch.float64 else torch.complex64


# --------------------------------------------------------------------------- real <-> complex


def complex_to_real(z: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """(..., n) complex -> (..., 2n) real laid out [Re z, Im z] (GSM sec. III-B1)."""
    x = torch.cat([z.real, z.imag], dim=-1)
    return x if dtype is None else x.to(dtype)


def real_to_complex(x: torch.Tensor) -> torch.Tensor:
    """(..., 2n) real laid out [Re, Im] -> (..., n) complex; inverse of ``complex_to_real``."""
    if x.shape[-1] % 2:
        raise ValueError(f"last dim must be even ([Re, Im] halves), got {x.shape[-1]}")
    n = x.shape[-1] // 2
    return torch.complex(x[..., :n], x[..., n:])


# --------------------------------------------------------------------------- power layers


def _block_power(W: torch.Tensor, num_sats: int) -> torch.Tensor:
    """Power per satellite (B, S) of W (B, S*M, K)."""
    B, Nt, K = W.shape
    p = W.real.square() + W.imag.square()
    return p.reshape(B, num_sats, Nt // num_sats, K).sum(dim=(-1, -2))


def _apply_block_scale(W: torch.Tensor, scale: torch.Tensor, num_sats: int) -> torch.Tensor:
    B, Nt, K = W.shape
    Ws = W.reshape(B, num_sats, Nt // num_sats, K) * scale[..., None, None].to(W.dtype)
    return Ws.reshape(B, Nt, K)


def check_precoder(W: torch.Tensor, num_sats: int) -> None:
    if not torch.is_tensor(W) or not W.is_complex() or W.dim() != 3:
        raise ValueError(f"W must be a complex (B, Nt, K) tensor, got "
                         f"{tuple(getattr(W, 'shape', ()))} {getattr(W, 'dtype', '')}")
    if num_sats < 1 or W.shape[1] % num_sats:
        raise ValueError(f"Nt={W.shape[1]} is not divisible by num_sats={num_sats}")


def normalize_power(W: torch.Tensor, p_max: float, num_sats: int = 1) -> torch.Tensor:
    """Exact power: b ← sqrt(P)·b/||b|| per satellite block (GSM sec. III-B3, per-satellite
    budget of (P1); Guo & Yang sec. III-C with num_sats=1). W: (B, S*M, K) -> same."""
    check_precoder(W, num_sats)
    norm = _block_power(W, num_sats).clamp_min(SQ_NORM_FLOOR).sqrt()
    return _apply_block_scale(W, math.sqrt(p_max) / norm, num_sats)


def project_power(W: torch.Tensor, p_max: float, num_sats: int = 1) -> torch.Tensor:
    """Zhou eqs (14)/(34): leave b alone when its power is within P, else scale it onto the
    sphere: the EE optimum need not use the whole budget. W: (B, S*M, K) -> same."""
    check_precoder(W, num_sats)
    norm = _block_power(W, num_sats).clamp_min(SQ_NORM_FLOOR).sqrt()
    scale = torch.where(norm > math.sqrt(p_max), math.sqrt(p_max) / norm, torch.ones_like(norm))
    return _apply_block_scale(W, scale, num_sats)


# --------------------------------------------------------------------------- helpers


def weight_count(module: nn.Module) -> int:
    """Number of ``nn.Linear`` weights, biases excluded (how GSM Table II counts)."""
    return sum(m.weight.numel() for m in module.modules() if isinstance(m, nn.Linear))


def parameter_count(module: nn.Module) -> int:
    """All trainable parameters, biases included."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def norm_activation(x: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
    """Guo & Yang sec. IV-A: σ(X) = X/||X||, the norm over ``dims`` (per sample). Avoids the
    vanishing gradients of saturating activations and keeps layer outputs O(1)."""
    return x / x.square().sum(dim=dims, keepdim=True).clamp_min(SQ_NORM_FLOOR).sqrt()


def max_aggregate(m: torch.Tensor, include_self: bool = False) -> torch.Tensor:
    """Element-wise max over the other nodes: out[:, k] = max_{j≠k} m[:, j]. m: (B, K, F).

    Uses the top-2 per feature (the largest value unless node k holds it, then the runner-up),
    so memory stays O(B K F) at any K and the hardware needs one pass plus a select. A node with
    no neighbours (K = 1) gets 0, the identity of max over the post-ReLU (>= 0) messages.
    """
    if include_self:
        return m.amax(dim=1, keepdim=True).expand_as(m)
    B, K, F = m.shape
    if K == 1:
        return torch.zeros_like(m)
    top, idx = m.topk(2, dim=1)  # (B, 2, F)
    own = torch.arange(K, device=m.device).view(1, K, 1)
    return torch.where(idx[:, :1] == own, top[:, 1:2], top[:, :1])


def run_ops(ops: Sequence[NetOp], module: nn.Module, x: torch.Tensor, p_max: float
            ) -> torch.Tensor:
    """Reference semantics of a ``NetOp`` list on node features x: (B, K, F) real.

    "dense" calls ``module.get_submodule(op.layer)``; "power_norm" scales each sample's whole
    (K, F) output to squared norm ``p_max`` (GSM sec. III-B3). Returns the last op's value.
    """
    env = {"x": x}
    for op in ops:
        args = [env[s] for s in op.src]
        if op.kind == "dense":
            out = module.get_submodule(op.layer)(args[0])
        elif op.kind == "relu":
            out = torch.relu(args[0])
        elif op.kind == "max_aggregate":
            out = max_aggregate(args[0], op.attrs.get("include_self", False))
        elif op.kind == "concat":
            out = torch.cat(args, dim=-1)
        elif op.kind == "power_norm":
            y = args[0]
            out = y * (math.sqrt(p_max) / y.square().sum(dim=(1, 2), keepdim=True)
                       .clamp_min(SQ_NORM_FLOOR).sqrt())
        else:
            raise ValueError(f"unknown op kind {op.kind!r} in {op}")
        env[op.dst] = out
    return env[ops[-1].dst]
