"""Closed-form linear precoders (MRT, ZF, RZF, transmit-MMSE), local and global.

These are the benchmark schemes of GSM 002 sec. V-A (Figs 7-9: MRT/ZF/MMSE-Local and
ZF/MMSE-Global) and the RZF/MMSE baselines of Zhou 000 (Figs 11-12). They need no training
and no iterations, so they are the floor every GNN and WMMSE result is read against.

Shapes follow ``spacemimo.model.batch``: ``H: (B, K, Nt)`` complex with rows hₖᴴ, so
``y = H W s + n``; every precoder returns ``W: (B, Nt, K)`` in ``H``'s dtype, column k is
user k's beamformer. With S satellites, ``Nt = S*M`` and satellite s owns antennas
``[s*M, (s+1)*M)``.

Power conventions (the same as ``wmmse.wmmse``): ``p_max`` is the budget of the constraint
named by ``power``:

- ``"total"``: ||W||_F² = p_max (one array, one amplifier pool).
- ``"per_sat"``: every satellite radiates <= p_max (GSM 002 problem (P1)); a global precoder
  is scaled by one common factor so the most-loaded satellite sits exactly at p_max.

Every precoder meets its constraint with equality (to float rounding); none leaves budget
unused except where the common per-satellite scaling must, see ``normalize_per_sat``.

**Local** precoders (GSM 002 "X-Local"): satellite s builds a precoder for all K users from its
own CSI ``H[:, :, s*M:(s+1)*M]`` only and spends exactly its own budget; the blocks stack into
``W (B, S*M, K)``. **Global** precoders treat all S*M antennas as one array; GSM's Global
curves use the total budget S·p_sat ("an ideal assumption ... to show the performance upper
bound"), ``power="per_sat"`` gives the feasible version under (P1).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Literal

import torch

from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch, serving_mask

Power = Literal["total", "per_sat"]
Scope = Literal["local", "global"]
NormMode = Literal["common", "each"]

POWERS: tuple[str, ...] = ("total", "per_sat")
SCOPES: tuple[str, ...] = ("local", "global")
NORM_MODES: tuple[str, ...] = ("common", "each")


# --------------------------------------------------------------------------- validation


def _check_channel(H: torch.Tensor, name: str = "H") -> None:
    """Single-antenna users only: (B, K, Nt) complex, finite, non-empty."""
    if not torch.is_tensor(H) or not H.is_complex():
        raise ValueError(f"{name} must be a complex torch tensor (B, K, Nt), got "
                         f"{type(H).__name__} {getattr(H, 'dtype', '')}")
    if H.dim() != 3:
        raise ValueError(f"{name} must be (B, K, Nt) (single-antenna users), got shape "
                         f"{tuple(H.shape)}; for (B, K, Nr, Nt) reduce with "
                         "precoder_registry.dominant_eigenmode or use wmmse.wmmse_mimo")
    if 0 in H.shape:
        raise ValueError(f"{name} must have B, K, Nt >= 1, got shape {tuple(H.shape)}")
    bad = (~torch.isfinite(torch.view_as_real(H))).any(-1)
    if bad.any():
        raise ValueError(f"{name} {tuple(H.shape)} contains NaN or Inf in "
                         f"{int(bad.sum())} entries (first at index "
                         f"{tuple(bad.nonzero()[0].tolist())})")


def _check_positive(name: str, value: float | torch.Tensor) -> float:
    """A finite scalar > 0 (powers, noise, regularization), returned as a Python float."""
    if torch.is_tensor(value):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a scalar, got a tensor of shape "
                             f"{tuple(value.shape)}")
        value = value.item()
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return v


def _check_num_sats(num_sats: int, Nt: int) -> None:
    if isinstance(num_sats, bool) or not isinstance(num_sats, int) or num_sats < 1:
        raise ValueError(f"num_sats must be a positive int, got {num_sats!r}")
    if Nt % num_sats:
        raise ValueError(f"Nt={Nt} is not divisible by num_sats={num_sats}")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_precoder(W: torch.Tensor, name: str = "W") -> None:
    if not torch.is_tensor(W) or not W.is_complex() or W.dim() != 3:
        raise ValueError(f"{name} must be a complex (B, Nt, K) tensor, got "
                         f"{type(W).__name__} {getattr(W, 'dtype', '')} shape "
                         f"{tuple(getattr(W, 'shape', ()))}")


def _safe(p: torch.Tensor) -> torch.Tensor:
    """Zero powers replaced by 1, so an all-zero W (all-zero channels) scales to zero
    instead of NaN, and gradients stay finite (no inf*0 inside torch.where)."""
    return torch.where(p > 0, p, torch.ones_like(p))


# --------------------------------------------------------------------------- normalization


def normalize_total(W: torch.Tensor, p: float | torch.Tensor) -> torch.Tensor:
    """Scale each sample's precoder to total power ||W||_F² = p exactly.

    W: (B, Nt, K) complex -> (B, Nt, K). One scalar per sample keeps every direction and
    ratio of W (ZF nulls, MMSE structure, MRT's equal stream powers); it is the optimal use
    of a total budget for a fixed direction, since rates grow with power.
    """
    _check_precoder(W)
    p = _check_positive("p", p)
    scale = (p / _safe(obj.total_power(W))).sqrt()
    return W * scale.to(W.dtype).view(-1, 1, 1)


def normalize_per_sat(W: torch.Tensor, p_sat: float | torch.Tensor, num_sats: int,
                      mode: NormMode = "common") -> torch.Tensor:
    """Fit W to a per-satellite budget p_sat (GSM 002 problem (P1)).

    W: (B, S*M, K) complex -> (B, S*M, K); satellite s owns rows [s*M, (s+1)*M).

    - ``"common"``: one factor per sample so the most-loaded satellite is exactly at p_sat.
      This is how a *global* precoder meets per-satellite budgets: scaling blocks by
      different factors would bend the jointly designed beams and undo the interference
      cancellation (ZF nulls rely on all satellites' contributions summing coherently). The
      price is that the other satellites stay below budget.
    - ``"each"``: every satellite block scaled to exactly p_sat. Right for *local* precoders,
      whose blocks are designed independently (each local ZF block nulls on its own), so
      spending each satellite's full budget costs nothing; on a global precoder it breaks
      the joint design.
    """
    _check_precoder(W)
    p_sat = _check_positive("p_sat", p_sat)
    _check_choice("mode", mode, NORM_MODES)
    B, Nt, _ = W.shape
    _check_num_sats(num_sats, Nt)
    per_sat = obj.per_satellite_power(W, num_sats)  # (B, S)
    if mode == "common":
        scale = (p_sat / _safe(per_sat.amax(-1))).sqrt().view(B, 1, 1)
    else:
        scale = (p_sat / _safe(per_sat)).sqrt().repeat_interleave(Nt // num_sats, dim=1)
        scale = scale.view(B, Nt, 1)
    return W * scale.to(W.dtype)


def _apply_power(W: torch.Tensor, p_max: float, num_sats: int, power: str) -> torch.Tensor:
    """Global precoders: the total budget, or per-satellite budgets by common scaling."""
    if power == "total" or num_sats == 1:
        return normalize_total(W, p_max)
    return normalize_per_sat(W, p_max, num_sats, mode="common")


def _check_common(H: torch.Tensor, p_max: float, num_sats: int, power: str) -> float:
    _check_channel(H)
    p = _check_positive("p_max", p_max)
    _check_num_sats(num_sats, H.shape[-1])
    _check_choice("power", power, POWERS)
    return p


# --------------------------------------------------------------------------- precoders


def mrt(H: torch.Tensor, p_max: float, *, num_sats: int = 1, power: Power = "total"
        ) -> torch.Tensor:
    """Maximum ratio transmission: w_k ∝ h_k, equal power per stream: (B, Nt, K).

    H: (B, K, Nt) complex. GSM 002 sec. V-A ("MRT-Local"): beams parallel to the channel
    vectors, power "equally allocated among different data streams". With stream power
    q_k, w_k = sqrt(q_k) h_k/||h_k|| maximizes user k's received power |h_kᴴ w_k|²
    (Cauchy-Schwarz) and ignores interference, so it is optimal only at low SNR. A user with
    an all-zero channel gets a zero beam and the others share the budget.
    """
    p = _check_common(H, p_max, num_sats, power)
    norms = H.norm(dim=-1, keepdim=True)  # (B, K, 1)
    W = (H / _safe(norms)).mH  # unit-norm columns: equal power per stream after scaling
    return _apply_power(W, p, num_sats, power)


def zf(H: torch.Tensor, p_max: float, *, num_sats: int = 1, power: Power = "total"
       ) -> torch.Tensor:
    """Zero forcing W ∝ H⁺ = Hᴴ(HHᴴ)⁻¹: (B, Nt, K), so h_kᴴ w_j = 0 for j ≠ k.

    H: (B, K, Nt) complex with Nt >= K (K interference nulls need K degrees of freedom).
    The pseudo-inverse (SVD) is used rather than inverting the Gram matrix, whose condition
    number is the square of H's. One common scale keeps the nulls, so every user sees the
    same effective gain h_kᴴ w_k (Peel et al. 2005, channel inversion).
    """
    p = _check_common(H, p_max, num_sats, power)
    K, Nt = H.shape[1], H.shape[2]
    if Nt < K:
        raise ValueError(f"zf needs Nt >= K transmit antennas to null K-1 interferers, got "
                         f"H {tuple(H.shape)} (Nt={Nt} < K={K}); use rzf or mmse")
    return _apply_power(torch.linalg.pinv(H), p, num_sats, power)


def rzf(H: torch.Tensor, p_max: float, noise_power: float, alpha: float | None = None, *,
        num_sats: int = 1, power: Power = "total") -> torch.Tensor:
    """Regularized zero forcing W ∝ Hᴴ(HHᴴ + αI)⁻¹: (B, Nt, K).

    H: (B, K, Nt) complex (any K, Nt: αI makes the K×K system invertible). α trades
    interference nulling (α → 0: ZF) against noise enhancement (α → ∞: W ∝ Hᴴ, the matched
    filter). ``alpha=None`` uses α = K·σ²/P_total with P_total = p_max for ``"total"`` and
    S·p_max for ``"per_sat"``, the SINR-optimal large-system choice, which makes rzf equal
    to ``mmse``. α is in H's units (|h|²), like HHᴴ.
    """
    p = _check_common(H, p_max, num_sats, power)
    noise = _check_positive("noise_power", noise_power)
    K = H.shape[1]
    if alpha is None:
        p_total = p * (num_sats if power == "per_sat" else 1)
        a = K * noise / p_total
    else:
        a = _check_positive("alpha", alpha)
    eye = torch.eye(K, dtype=H.dtype, device=H.device)
    # Hᴴ G⁻¹ = (G⁻¹ H)ᴴ for Hermitian G: a K×K solve instead of an Nt×Nt one.
    W = torch.linalg.solve(H @ H.mH + a * eye, H).mH
    return _apply_power(W, p, num_sats, power)


def mmse(H: torch.Tensor, p_max: float, noise_power: float, *, num_sats: int = 1,
         power: Power = "total") -> torch.Tensor:
    """Transmit-MMSE precoder: RZF with α = K·σ²/P_total: (B, Nt, K).

    This is the regularized channel inversion of Peel et al. 2005 (Part I) with the
    regularization K/ρ, ρ = P/σ², i.e. the transmit Wiener filter (α = tr(noise cov)/P);
    it is *not* a separate formula from ``rzf``, only its optimally regularized member.
    P_total is the budget the array may spend: p_max (``"total"``) or S·p_max
    (``"per_sat"``). Tends to ZF at high SNR and to MRT's directions at low SNR.
    """
    return rzf(H, p_max, noise_power, None, num_sats=num_sats, power=power)


PrecoderFn = Callable[..., torch.Tensor]

CLOSED_FORM: dict[str, PrecoderFn] = {"mrt": mrt, "zf": zf, "rzf": rzf, "mmse": mmse}
"""Name -> closed-form precoder; the names the CLI and ``precoder`` accept."""


def _call(name: str, H: torch.Tensor, p_max: float, noise_power: float, num_sats: int,
          power: str) -> torch.Tensor:
    """Call a registry entry, passing σ² only to those that regularize with it."""
    fn = CLOSED_FORM[name]
    if "noise_power" in inspect.signature(fn).parameters:
        return fn(H, p_max, noise_power, num_sats=num_sats, power=power)
    return fn(H, p_max, num_sats=num_sats, power=power)


def precoder(name: str, batch: ChannelBatch, *, scope: Scope = "local",
             power: Power = "per_sat") -> torch.Tensor:
    """A closed-form precoder for a batch, by name: W (B, Nt, K) in ``batch.H``'s dtype.

    ``batch.p_max`` is each satellite's budget (the total when ``num_sats == 1``).

    - ``scope="local"`` (GSM 002 "MRT/ZF/MMSE-Local"): satellite s uses only its own CSI
      ``batch.local_view()[:, s]`` (B, K, M), computes a precoder for all K users and spends
      exactly p_max. ``power`` does not change the result: every satellite at p_max meets
      both the per-satellite budgets and the total S·p_max with equality, and a satellite
      that only knows its own CSI cannot coordinate a different split.
    - ``scope="global"``: all S*M antennas as one array with global CSI; ``power="total"``
      spends S·p_max freely (GSM 002's Global curves), ``power="per_sat"`` scales by one
      common factor until the most-loaded satellite is at p_max.

    With ``num_sats == 1`` both scopes give the same W.
    """
    if name not in CLOSED_FORM:
        raise ValueError(f"unknown precoder {name!r}; valid: {', '.join(sorted(CLOSED_FORM))}")
    if not isinstance(batch, ChannelBatch):
        raise ValueError(f"batch must be a ChannelBatch, got {type(batch).__name__}")
    _check_choice("scope", scope, SCOPES)
    _check_choice("power", power, POWERS)
    _check_channel(batch.H, "batch.H")
    S, noise = batch.num_sats, batch.noise_power
    if S == 1 or scope == "global":
        p = batch.p_max * (S if power == "total" else 1)
        return _call(name, batch.H, p, noise, S, power)
    B, K, M = batch.batch_size, batch.num_users, batch.antennas_per_sat
    if name == "zf" and M < K:
        raise ValueError(f"local zf needs M >= K antennas per satellite, got M={M} < K={K} "
                         f"(H {tuple(batch.H.shape)}, num_sats={S}); use local mmse or "
                         "global zf")
    # Every satellite as its own batch entry: (B, S, K, M) -> (B*S, K, M), one vectorized call.
    H_loc = batch.local_view().reshape(B * S, K, M)
    W_loc = _call(name, H_loc, batch.p_max, noise, 1, "total")  # (B*S, M, K)
    return W_loc.reshape(B, S * M, K)


def coordinated_precoder(name: str, batch: ChannelBatch) -> torch.Tensor:
    """Coordinated beamforming by a closed-form precoder (003 P2, Table V's setting): BS m
    knows its own channels to *every* user, builds ``name`` for all of them (so its beams null
    or regularise toward the other cells' users, as the local precoders of ``precoder``), and
    keeps only the columns of the users it serves (``batch.serving``), each BS at exactly its
    budget p_max. W (B, Nt, K), zero outside ``serving_mask``: the classical floor the
    multicell Model-GNN and the coordinated WMMSE (``wmmse(..., serving=...)``) are read
    against."""
    if not isinstance(batch, ChannelBatch) or batch.serving is None:
        raise ValueError("coordinated_precoder needs a ChannelBatch whose users have a serving "
                         "BS (meta['cell_of_user'], e.g. the multicell scenario)")
    S = batch.num_sats
    W = precoder(name, batch, scope="local") * serving_mask(batch.serving, batch.num_tx, S)
    return normalize_per_sat(W, batch.p_max, S, mode="each")
