"""Differentiable objectives shared by baselines, training losses and evaluation.

Shapes follow ``spacemimo.model.batch``: single-antenna users ``H: (B, K, Nt)``, precoder
``W: (B, Nt, K)``; multi-antenna users ``H: (B, K, Nr, Nt)``, precoder ``V: (B, K, Nt, d)``.
Rates are in bit/s/Hz (log2); multiply by the bandwidth for bit/s. Everything here is plain
torch so losses backpropagate through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

_EPS = 1e-30  # guards divisions by zero power; far below any physical noise power


def _check_miso(H: torch.Tensor, W: torch.Tensor) -> None:
    if H.dim() != 3:
        raise ValueError(f"H must be (B, K, Nt), got shape {tuple(H.shape)}")
    B, K, Nt = H.shape
    if W.dim() != 3 or W.shape[0] != B or W.shape[1] != Nt:
        raise ValueError(f"W must be (B={B}, Nt={Nt}, K'), got shape {tuple(W.shape)}")
    if H.dtype != W.dtype:
        raise ValueError(f"H and W must share a dtype, got {H.dtype} and {W.dtype}")


def _noise(noise_power: float | torch.Tensor, B: int, K: int) -> float | torch.Tensor:
    """Scalar noise, or a (B, K) tensor: a (B,) tensor would broadcast onto users."""
    if torch.is_tensor(noise_power) and noise_power.dim() > 0:
        if noise_power.shape != (B, K):
            raise ValueError(f"noise_power must be a scalar or (B, K) = {(B, K)}, got "
                             f"{tuple(noise_power.shape)}")
    return noise_power


def effective_gains(H: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """|h_k^H w_j|^2 for every user k and stream j: (B, K, K), row = receiver."""
    _check_miso(H, W)
    return (H @ W).abs().square()


def sinr(H: torch.Tensor, W: torch.Tensor, noise_power: float | torch.Tensor) -> torch.Tensor:
    """Per-user SINR (Zhou eq. 7, GSM sec. II-B): (B, K).

    H: (B, K, Nt) complex, W: (B, Nt, K) complex, noise_power: scalar or (B, K) in W.
    """
    g = effective_gains(H, W)
    if g.shape[-1] != g.shape[-2]:
        raise ValueError(f"W must have one column per user (K={g.shape[-2]}), got {g.shape[-1]}")
    signal = torch.diagonal(g, dim1=-2, dim2=-1)
    interference = g.sum(-1) - signal
    return signal / (interference + _noise(noise_power, *signal.shape))


def user_rates(H: torch.Tensor, W: torch.Tensor, noise_power: float | torch.Tensor
               ) -> torch.Tensor:
    """Per-user achievable rate log2(1 + SINR_k) in bit/s/Hz: (B, K)."""
    return torch.log2(1.0 + sinr(H, W, noise_power))


def sum_rate(H: torch.Tensor, W: torch.Tensor, noise_power: float | torch.Tensor,
             weights: torch.Tensor | None = None) -> torch.Tensor:
    """(Weighted) sum rate, GSM problem (P1): (B,). weights: (K,) or (B, K), default 1."""
    r = user_rates(H, W, noise_power)
    if weights is not None:
        weights = torch.as_tensor(weights, dtype=r.dtype, device=r.device)
        if weights.shape not in (r.shape[-1:], r.shape):
            raise ValueError(f"weights must be (K,) or (B, K) = {tuple(r.shape)}, "
                             f"got {tuple(weights.shape)}")
        r = r * weights
    return r.sum(-1)


def statistical_sinr(v: torch.Tensor, gamma: torch.Tensor, W: torch.Tensor,
                     noise_power: float | torch.Tensor) -> torch.Tensor:
    """SINR inside Zhou's rate upper bound (eq. 9) from statistical CSI: (B, K).

    v: (B, K, Nt) array responses (rows as in H), gamma: (B, K) = E|g_k|^2.
    """
    _check_miso(v, W)
    if gamma.shape != v.shape[:2]:
        raise ValueError(f"gamma must be (B, K) = {tuple(v.shape[:2])}, got {tuple(gamma.shape)}")
    g = (v @ W).abs().square() * gamma.unsqueeze(-1).to(W.real.dtype)
    signal = torch.diagonal(g, dim1=-2, dim2=-1)
    return signal / (g.sum(-1) - signal + _noise(noise_power, *signal.shape))


def statistical_rate_bound(v: torch.Tensor, gamma: torch.Tensor, W: torch.Tensor,
                           noise_power: float | torch.Tensor) -> torch.Tensor:
    """Zhou eq. (9): upper bound R̄_k on the ergodic rate, bit/s/Hz: (B, K)."""
    return torch.log2(1.0 + statistical_sinr(v, gamma, W, noise_power))


def mimo_user_rates(H: torch.Tensor, V: torch.Tensor, noise_power: float) -> torch.Tensor:
    """Per-user rate with multi-antenna receivers and d streams each: (B, K).

    R_k = log2 det(I + H_k V_k V_k^H H_k^H (Σ_{j≠k} H_k V_j V_j^H H_k^H + σ² I)^-1).
    H: (B, K, Nr, Nt), V: (B, K, Nt, d).
    """
    if H.dim() != 4 or V.dim() != 4 or V.shape[:2] != H.shape[:2] or V.shape[2] != H.shape[3]:
        raise ValueError(f"need H (B, K, Nr, Nt) and V (B, K, Nt, d); got {tuple(H.shape)} "
                         f"and {tuple(V.shape)}")
    Nr = H.shape[2]
    # HV[b, k, j] = H_k V_j: (B, K, K, Nr, d)
    HV = torch.einsum("bkrn,bjnd->bkjrd", H, V)
    cov = HV @ HV.mH  # (B, K, K, Nr, Nr): covariance each stream j causes at receiver k
    total = cov.sum(2) + noise_power * torch.eye(Nr, dtype=H.dtype, device=H.device)
    own = torch.diagonal(cov, dim1=1, dim2=2).permute(0, 3, 1, 2)  # (B, K, Nr, Nr)
    interf = total - own
    # log det(total) - log det(interference + noise): stable and differentiable.
    return (torch.linalg.slogdet(total)[1] - torch.linalg.slogdet(interf)[1]) / torch.log(
        torch.tensor(2.0, dtype=total.real.dtype))


def _check_num_tx(W: torch.Tensor, num_tx: int, model: str) -> None:
    Nt = W.shape[1] if W.dim() == 3 else W.shape[2]
    if Nt != num_tx:
        raise ValueError(f"{model}.num_tx={num_tx} but W has Nt={Nt} antennas: the circuit "
                         "power would be wrong")


def total_power(W: torch.Tensor) -> torch.Tensor:
    """Transmit power ||W||_F^2 per sample: (B,). Works for (B, Nt, K) and (B, K, Nt, d)."""
    return W.abs().square().flatten(1).sum(-1)


def per_satellite_power(W: torch.Tensor, num_sats: int) -> torch.Tensor:
    """Power each satellite radiates (GSM eq. P1 constraint): (B, S).

    W: (B, S*M, K) or (B, K, S*M, d); satellite s owns antennas [s*M, (s+1)*M).
    """
    if W.dim() not in (3, 4):
        raise ValueError(f"W must be (B, Nt, K) or (B, K, Nt, d), got shape {tuple(W.shape)}")
    Nt = W.shape[1] if W.dim() == 3 else W.shape[2]
    if num_sats < 1 or Nt % num_sats:
        raise ValueError(f"Nt={Nt} is not divisible by num_sats={num_sats}")
    p = W.abs().square()
    per_antenna = p.sum(-1) if W.dim() == 3 else p.sum(-1).sum(1)  # (B, Nt)
    return per_antenna.reshape(W.shape[0], num_sats, Nt // num_sats).sum(-1)


def power_excess(W: torch.Tensor, p_max: float, num_sats: int = 1) -> torch.Tensor:
    """Largest relative violation of the power constraint, max_s(P_s / p_max) - 1: (B,).

    ``num_sats == 1`` checks the total power; otherwise every satellite against ``p_max``.
    A value <= 0 (up to rounding) means the constraint holds.
    """
    if not p_max > 0:
        raise ValueError(f"p_max must be positive, got {p_max}")
    return per_satellite_power(W, num_sats).amax(-1) / p_max - 1.0


@dataclass(frozen=True)
class ZhouPowerModel:
    """Zhou eqs. (5)-(6): P_total = ξ Σ||b_k||² + Nt·P_RFC + P_LO + P_BB (watts).

    1/ξ = 0.5 is Zhou Table I. The paper gives no values for the circuit terms; the defaults
    are typical of its reference [38] (You et al., 2022): P_RFC = P_DAC + P_mixer + P_LPF +
    P_BBA per RF chain.
    """

    xi: float = 2.0
    num_tx: int = 64
    p_rfc: float = 0.110 + 0.0193 + 0.014 + 0.005
    p_lo: float = 0.0225
    p_bb: float = 0.200

    def consumed(self, W: torch.Tensor) -> torch.Tensor:
        """Total consumed power in W: (B,)."""
        _check_num_tx(W, self.num_tx, type(self).__name__)
        return self.xi * total_power(W) + self.num_tx * self.p_rfc + self.p_lo + self.p_bb


@dataclass(frozen=True)
class GuoYangPowerModel:
    """Guo & Yang sec. V-2: P = ρ Tr(VᴴV) + N·P_c + P_0, macro-BS values from their [37]."""

    rho: float = 1.0 / 0.311
    p_c: float = 17.6
    p_0: float = 43.3
    num_tx: int = 8

    def consumed(self, W: torch.Tensor) -> torch.Tensor:
        """Total consumed power in W: (B,)."""
        _check_num_tx(W, self.num_tx, type(self).__name__)
        return self.rho * total_power(W) + self.num_tx * self.p_c + self.p_0


def energy_efficiency(rate_sum: torch.Tensor, consumed_power: torch.Tensor,
                      bandwidth_hz: float = 1.0) -> torch.Tensor:
    """EE = bandwidth · Σ_k R_k / P_total: bit/J with a bandwidth in Hz, else bit/s/Hz/W."""
    return bandwidth_hz * rate_sum / consumed_power.clamp_min(_EPS)


def qos_margin(rates: torch.Tensor, r_min: float) -> torch.Tensor:
    """R_k - R_min per user (B, K); >= 0 means user k meets its QoS (Guo & Yang Table IV)."""
    return rates - r_min


def qos_satisfaction_ratio(rates: torch.Tensor, r_min: float, tol: float = 1e-6) -> float:
    """Guo & Yang's constraint satisfaction ratio (003, after Table III): the fraction of
    (sample, user) pairs with R_k >= R_min, i.e. Σ_i Σ_k 1(R_k >= R_min) / (N_te K)."""
    return (qos_margin(rates, r_min) >= -tol).double().mean().item()


def qos_all_users_ratio(rates: torch.Tensor, r_min: float, tol: float = 1e-6) -> float:
    """Stricter companion: fraction of samples in which *every* user meets R_min."""
    return (qos_margin(rates, r_min) >= -tol).all(-1).double().mean().item()
