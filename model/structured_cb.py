"""Learned optimal-structure coordinated beamforming (spacemimo extension for 003's P2).

Why: the paper's multi-cell Model-GNN, reproduced faithfully, ends level with the closed-form
coordinated MMSE (Table V: 84.8 / 63.7 / 62.5 % of WMMSE vs the paper's 98.9 / 97.3 / 96.4 %).
WMMSE's edge in these loaded cells (M·K users >= N antennas per BS) is *user scheduling*: on
(3, 8, 4) at 10 dB the converged WMMSE gives under 1 % of a fair share of power to 5.1 of the
12 users on average, and nulls only toward the users it keeps. An equivariant net whose every
layer is linear in its edge features up to a layer-wide norm has no easy way to switch users
off and re-aim the others.

The optimal coordinated beamformers have a known structure (Björnson, Bengtsson & Ottersten,
IEEE SP Mag. 2014, for per-BS power; it is also WMMSE's fixed point): BS m's beam to its own
user k is

    v_k ∝ (Σ_j λ_j h_{j,m} h_{j,m}ᴴ + μ_m I_N)⁻¹ h_{k,m},    ||v_k||² = p_k,

with one weight λ_j >= 0 per user (over *all* cells' users: whom BS m avoids), one
regulariser μ_m > 0 per BS (its power constraint) and one power p_k per user. Per-sample
gradient ascent on those 2·M·K + M numbers reaches 98.7 % of the converged WMMSE on (3, 8, 4)
at 10 dB, so the structure is not the limit; learning them is a power-allocation-sized problem
(the BNN idea of 003 [25], which the paper deems "not applicable" to P2 because its
single-cell structure (2) has no μ_m).

The net: start at λ = 1, μ_m = K (users per cell), p = 1 in the SNR-normalised channel
(√(P/σ²)·H, noise 1), i.e. each BS's MMSE toward every user with equal powers; then
``iterations`` refinement steps, each an MLP shared by all users that reads per-user features
of the current beams (log signal, log(1 + received interference), log(1 + interference caused
to others), log beam power, log own-cell and other-cell channel gains, the current log λ and
log p) plus their means over the user's cell and over all users, and adds (Δlog λ_k,
Δlog p_k); a second MLP on cell means gives Δlog μ_m. The last layers start at zero, so the
untrained net is the start structure. Features are norms and inner products, so the net is
equivariant to permutations of the antennas of a BS, of the users of a cell and of the cells
(users and antennas cell-major, as ``channels.multicell``). M = 1 is the single-cell optimal
structure (003 eq. (2)) with learned λ and p.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from spacemimo.model.batch import ChannelBatch
from spacemimo.model.precoder_io import (
    SQ_NORM_FLOOR,
    NetConfig,
    PrecoderInput,
    complex_dtype_of,
    normalize_power,
    real_dtype_of,
    resolve_cells,
)

USER_FEATURES = 8  # per-user features read off the current beams (see _user_features)
LOG_CLAMP = 20.0  # |log λ|, |log μ|, |log p| bound: keeps the solves finite early in training
BUDGETS = ("exact", "learned")
BUDGET_LOGIT0 = 3.0  # a learned budget starts at sigmoid(3) = 95 % of p_max
_TINY = 1e-9


@dataclass(frozen=True)
class StructuredCbConfig(NetConfig):
    """iterations: refinement steps (each its own pair of MLPs); hidden: their widths.
    budget: "exact" — every BS radiates exactly p_max (sum-rate problems, where the optimum
    uses the whole budget) — or "learned" — each BS radiates a learned fraction of p_max
    (energy efficiency, 003 Table IV, where it need not). lr is recorded for the trainer."""

    iterations: int = 3
    hidden: tuple[int, ...] = (64, 64)
    budget: str = "exact"
    lr: float = 0.001

    def __post_init__(self) -> None:
        self._check_int("iterations")
        self._check_widths("hidden")
        self._check_choice("budget", BUDGETS)


def _mlp(dims: tuple[int, ...]) -> nn.Sequential:
    """ReLU MLP whose last layer starts at zero (an untrained step changes nothing)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(nn.ReLU())
    nn.init.zeros_(layers[-1].weight)
    nn.init.zeros_(layers[-1].bias)
    return nn.Sequential(*layers)


def _abs2(x: torch.Tensor) -> torch.Tensor:
    """|x|² of a complex tensor without the square root of ``abs`` (a fifth of inference)."""
    return torch.view_as_real(x).square().sum(-1)


def structured_beams(H: torch.Tensor, lam: torch.Tensor, mu: torch.Tensor, power: torch.Tensor,
                     cells: int) -> torch.Tensor:
    """The optimal coordinated-beamforming structure, block by block.

    H: (B, M·K, M·N) complex, rows h_kᴴ, users and antennas cell-major; lam (B, M·K) > 0,
    mu (B, M) > 0, power (B, M·K) >= 0 real. Returns W (B, M·N, M·K): column k on its serving
    BS's rows only, (Σ_j λ_j h_{j,m} h_{j,m}ᴴ + μ_m I)⁻¹ h_{k,m} scaled to norm √p_k.
    With fewer users M·K than antennas N the same beams come from an (M·K)² system instead of
    the N² one (push-through: (H_mᴴ Λ H_m + μ I)⁻¹ H_mᴴ = H_mᴴ (Λ H_m H_mᴴ + μ I)⁻¹).
    """
    B, Kt, Nt = H.shape
    M = cells
    K, N = Kt // M, Nt // M
    Hm = H.view(B, Kt, M, N).transpose(1, 2)  # (B, M, Kt, N): rows h_{j,m}ᴴ
    lam_c, mu_c = lam.to(H.dtype), mu.to(H.dtype)[:, :, None, None]
    if Kt < N:
        A = lam_c[:, None, :, None] * (Hm @ Hm.mH)  # (B, M, Kt, Kt): Λ H_m H_mᴴ
        A = A + mu_c * torch.eye(Kt, dtype=H.dtype, device=H.device)
        pick = torch.eye(Kt, dtype=H.dtype, device=H.device).view(Kt, M, K)
        pick = pick.permute(1, 0, 2)  # (M, Kt, K): cell m's users as columns
        V = Hm.mH @ torch.linalg.solve(A, pick.expand(B, M, Kt, K))  # (B, M, N, K)
    else:
        R = Hm.mH @ (lam_c[:, None, :, None] * Hm)  # Σ_j λ_j h_{j,m} h_{j,m}ᴴ
        R = R + mu_c * torch.eye(N, dtype=H.dtype, device=H.device)
        own = H.view(B, M, K, M, N).diagonal(dim1=1, dim2=3)  # (B, K, N, M): cell m at BS m
        own = own.permute(0, 3, 2, 1).conj()  # (B, M, N, K): columns h_{k,m}
        V = torch.linalg.solve(R, own)
    scale = power.view(B, M, 1, K).sqrt() / _abs2(V).sum(2, keepdim=True).clamp_min(
        _TINY).sqrt()
    return _block_diagonal(V * scale.to(V.dtype))


def _user_features(H: torch.Tensor, V: torch.Tensor, gains: torch.Tensor, log_lam: torch.Tensor,
                   log_p: torch.Tensor) -> torch.Tensor:
    """(B, M·K, USER_FEATURES) real: what each user's refinement step reads (noise = 1)."""
    g = _abs2(H @ V)  # (B, Kt, Kt): g[k, j] = |h_kᴴ v_j|²
    signal = torch.diagonal(g, dim1=1, dim2=2)
    received = g.sum(-1) - signal
    caused = g.sum(-2) - signal
    beam = _abs2(V).sum(1)
    return torch.stack([signal.clamp_min(_TINY).log(), torch.log1p(received),
                        torch.log1p(caused), beam.clamp_min(_TINY).log(),
                        gains[..., 0], gains[..., 1], log_lam, log_p], dim=-1)


class _Refine(nn.Module):
    """One refinement step: per-user (Δlog λ, Δlog p) and per-BS Δlog μ."""

    def __init__(self, hidden: tuple[int, ...], bs_outputs: int = 1) -> None:
        super().__init__()
        self.user = _mlp((3 * USER_FEATURES, *hidden, 2))
        self.bs = _mlp((2 * USER_FEATURES, *hidden, bs_outputs))

    def forward(self, f: torch.Tensor, cells: int
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> Δlog λ (B, M·K), Δlog p (B, M·K), per-BS outputs (B, M, bs_outputs): Δlog μ
        and, with a learned budget, the budget logit's step."""
        B, Kt, F = f.shape
        per_cell = f.view(B, cells, Kt // cells, F).mean(2)  # (B, M, F)
        everyone = f.mean(1, keepdim=True)  # (B, 1, F)
        own_cell = per_cell.repeat_interleave(Kt // cells, dim=1)
        d = self.user(torch.cat([f, own_cell, everyone.expand_as(f)], -1))
        d_bs = self.bs(torch.cat([per_cell, everyone.expand_as(per_cell)], -1))
        return d[..., 0], d[..., 1], d_bs


class StructuredCoordinatedNet(nn.Module):
    """Coordinated beamforming (003 P2) through the learned optimal structure (module doc).

    Input: a multicell ``ChannelBatch`` (H (B, M·K, M·N), num_sats = M, users and antennas
    cell-major) or a bare H with ``p_max``/``num_cells``. Output W (B, M·N, M·K): zero outside
    each user's serving BS, every BS at exactly p_max (``budget`` "exact") or at a learned
    fraction of it ("learned").
    """

    def __init__(self, config: StructuredCbConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or StructuredCbConfig()
        learned = cfg.budget == "learned"
        self.steps = nn.ModuleList(_Refine(cfg.hidden, 2 if learned else 1)
                                   for _ in range(cfg.iterations))

    def forward(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                noise_power: float | None = None, num_cells: int | None = None) -> torch.Tensor:
        return _forward_prepared(self, *_prepare(self, x, p_max, noise_power, num_cells))

    @torch.inference_mode()
    def infer(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
              noise_power: float | None = None, num_cells: int | None = None) -> torch.Tensor:
        """Fast inference path: ``forward``'s output (to float rounding) without autograd and,
        with fewer users than antennas per BS, without touching the antennas between the
        Gram matrix and the output (``fast_structured_cb``)."""
        return fast_structured_cb(self, x, p_max, noise_power, num_cells)


@dataclass
class _State:
    """What the refinement steps learn: log λ, log p (B, M·K), log μ and budget logit (B, M)."""

    log_lam: torch.Tensor
    log_p: torch.Tensor
    log_mu: torch.Tensor
    budget: torch.Tensor


def _prepare(net: StructuredCoordinatedNet, x: ChannelBatch | torch.Tensor,
             p_max: float | None, noise_power: float | None, num_cells: int | None
             ) -> tuple[PrecoderInput, torch.Tensor, torch.Tensor]:
    """(input, SNR-normalised H in the net's complex dtype, per-user log own/other gains)."""
    inp = resolve_cells(x, p_max, noise_power, num_cells)
    M = inp.num_sats
    B, Kt, Nt = inp.H.shape
    dt = real_dtype_of(net)
    H = (inp.H * math.sqrt(inp.p_max / inp.noise_power)).to(complex_dtype_of(dt))
    K, N = Kt // M, Nt // M
    power = _abs2(H.view(B, Kt, M, N)).sum(-1)  # (B, Kt, M) per-BS channel gain
    own = power.view(B, M, K, M).diagonal(dim1=1, dim2=3).transpose(1, 2).reshape(B, Kt)
    gains = torch.stack([own.clamp_min(_TINY).log(),
                         (power.sum(-1) - own).clamp_min(_TINY).log()], -1).to(dt)
    return inp, H, gains


def _forward_prepared(net: StructuredCoordinatedNet, inp: PrecoderInput, H: torch.Tensor,
                      gains: torch.Tensor) -> torch.Tensor:
    """``forward`` on ``_prepare``'s outputs: the beams in the antenna space (N×N or, with
    fewer users than antennas, push-through solves), differentiable."""
    M = inp.num_sats
    learned = net.config.budget == "learned"

    def beams(s: _State) -> torch.Tensor:
        V = normalize_power(structured_beams(H, s.log_lam.exp(), s.log_mu.exp(),
                                             s.log_p.exp(), M), 1.0, M)
        return _scale_blocks(V, torch.sigmoid(s.budget)) if learned else V

    def features(s: _State) -> torch.Tensor:
        return _user_features(H, beams(s), gains, s.log_lam, s.log_p)

    s = _refine_all(net, features, H, M)
    V = normalize_power(structured_beams(H, s.log_lam.exp(), s.log_mu.exp(), s.log_p.exp(),
                                         M), inp.p_max, M)
    if learned:
        V = _scale_blocks(V, torch.sigmoid(s.budget))
    return V.to(inp.H.dtype)


def _refine_all(net: StructuredCoordinatedNet,
                features: Callable[[_State], torch.Tensor], H: torch.Tensor, M: int) -> _State:
    """Start at λ = 1, μ_m = K, p = 1 (budget logit BUDGET_LOGIT0) and apply every refinement
    step to the features of the current beams; shared by ``forward`` and the fast path."""
    B, Kt, _ = H.shape
    dt = real_dtype_of(net)
    zeros = torch.zeros(B, Kt, dtype=dt, device=H.device)
    s = _State(zeros, zeros.clone(), torch.full((B, M), math.log(Kt // M), dtype=dt,
                                                device=H.device),
               torch.full((B, M), BUDGET_LOGIT0, dtype=dt, device=H.device))
    learned = net.config.budget == "learned"
    for step in net.steps:
        d_lam, d_p, d_bs = step(features(s), M)
        s = _State((s.log_lam + d_lam).clamp(-LOG_CLAMP, LOG_CLAMP),
                   (s.log_p + d_p).clamp(-LOG_CLAMP, LOG_CLAMP),
                   (s.log_mu + d_bs[..., 0]).clamp(-LOG_CLAMP, LOG_CLAMP),
                   s.budget + d_bs[..., 1] if learned else s.budget)
    return s


def _scale_blocks(V: torch.Tensor, fraction: torch.Tensor) -> torch.Tensor:
    """Each BS's rows of V (B, M·N, K) times sqrt(fraction) (B, M): its power times fraction."""
    B, Nt, K = V.shape
    M = fraction.shape[1]
    scale = fraction.sqrt().to(V.dtype)[:, :, None, None]
    return (V.view(B, M, Nt // M, K) * scale).view(B, Nt, K)


# --------------------------------------------------------------------------- fast inference
# With fewer users M·K than antennas N per BS (003 Table II: K < N), everything the
# refinement steps read lives in the users' Gram matrices G_m = H_m H_mᴴ (B, M, M·K, M·K),
# computed once: BS m's beams are v_k = H_mᴴ x_k with x_k the own-user columns of
# (G_m + diag(μ_m/λ))⁻¹ (push-through; the diag(1/λ) factor of the forward's
# (Λ G_m + μ_m I)⁻¹ only rescales columns, which the power scaling undoes), so
# h_jᴴ v_k = (G_m x_k)_j and ||v_k||² = x_kᴴ G_m x_k. The Hermitian positive-definite
# G_m + diag(μ_m/λ) takes a Cholesky inverse (2-3x faster than the LU solve on these small
# batched systems); the antennas are touched once more, for the output beams.


def fast_structured_cb(net: StructuredCoordinatedNet, x: ChannelBatch | torch.Tensor,
                       p_max: float | None = None, noise_power: float | None = None,
                       num_cells: int | None = None) -> torch.Tensor:
    """``net(x)`` for inference (see the section comment); with M·K >= N users per BS the
    forward itself (its N×N solves are then the smaller ones)."""
    inp, H, gains = _prepare(net, x, p_max, noise_power, num_cells)
    M = inp.num_sats
    B, Kt, Nt = H.shape
    K, N = Kt // M, Nt // M
    if Kt >= N:
        return _forward_prepared(net, inp, H, gains)
    learned = net.config.budget == "learned"
    Hm = H.view(B, Kt, M, N).transpose(1, 2)  # (B, M, Kt, N): rows h_{j,m}ᴴ
    G = Hm @ Hm.mH  # (B, M, Kt, Kt)

    def beams(s: _State) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(X (B, M, Kt, K), Q = G X, c² (B, M, K)): the beams are c_k H_mᴴ x_k."""
        X = _own_columns(_hermitian_inverse(G, (s.log_mu[:, :, None] - s.log_lam[:, None, :])
                                            .exp()), M)
        Q = G @ X
        # the forward's unscaled beam is H_mᴴ x_k / λ_k; its floors act on that one's norm
        inv_lam2 = (-2 * s.log_lam).exp().view(B, M, K)
        n2 = (X.real * Q.real + X.imag * Q.imag).sum(2) * inv_lam2  # ||H_mᴴ x_k / λ_k||²
        s2 = s.log_p.exp().view(B, M, K) / n2.clamp_min(_TINY)  # each beam at power p_k
        c2 = s2 * inv_lam2 / (s2 * n2).sum(-1, keepdim=True).clamp_min(SQ_NORM_FLOOR)
        if learned:
            c2 = c2 * torch.sigmoid(s.budget)[:, :, None]
        return X, Q, c2

    def features(s: _State) -> torch.Tensor:
        X, Q, c2 = beams(s)
        g = ((Q.real.square() + Q.imag.square()) * c2[:, :, None, :])  # (B, M, Kt, K)
        g = g.permute(0, 2, 1, 3).reshape(B, Kt, Kt)  # g[j, k] = |h_jᴴ v_k|²
        signal = torch.diagonal(g, dim1=1, dim2=2)
        beam = (c2 * (X.real * Q.real + X.imag * Q.imag).sum(2)).reshape(B, Kt)
        return torch.stack([signal.clamp_min(_TINY).log(), torch.log1p(g.sum(-1) - signal),
                            torch.log1p(g.sum(-2) - signal), beam.clamp_min(_TINY).log(),
                            gains[..., 0], gains[..., 1], s.log_lam, s.log_p], dim=-1)

    X, _, c2 = beams(_refine_all(net, features, H, M))
    V = Hm.mH @ (X * (c2 * inp.p_max).sqrt().to(X.dtype)[:, :, None, :])  # (B, M, N, K)
    return _block_diagonal(V).to(inp.H.dtype)


def _hermitian_inverse(G: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """(G + diag(d))⁻¹ for Hermitian G >= 0 and d > 0 (B, M, n): Cholesky, or LU for the
    samples whose float rounding defeats it."""
    A = G + torch.diag_embed(d.to(G.dtype))
    L, info = torch.linalg.cholesky_ex(A)
    inv = torch.cholesky_inverse(L)
    bad = info != 0
    if bool(bad.any()):
        inv[bad] = torch.linalg.inv(A[bad])
    return inv


def _own_columns(inv: torch.Tensor, M: int) -> torch.Tensor:
    """(B, M, Kt, Kt) -> (B, M, Kt, K): BS m keeps the columns of its own cell's users."""
    B, _, Kt, _ = inv.shape
    return inv.view(B, M, Kt, M, Kt // M).diagonal(dim1=1, dim2=3).permute(0, 3, 1, 2)


def _block_diagonal(V: torch.Tensor) -> torch.Tensor:
    """(B, M, N, K) per-BS beams -> W (B, M·N, M·K), zero off each user's serving BS."""
    B, M, N, K = V.shape
    blocks = torch.eye(M, dtype=V.dtype, device=V.device)[None, :, None, :, None]
    return (V[:, :, :, None, :] * blocks).reshape(B, M * N, M * K)
