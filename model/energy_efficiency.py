"""Energy-efficiency baselines: Dinkelbach + WMMSE (Zhou 000 Alg. 2, un-learned) and an
EE-with-QoS numerical baseline for Guo & Yang 003 Table IV.

Both maximise the fractional objective

    EE(W) = B_w Σ_k R_k(W) / P(W),     P(W) = slope · ||W||_F² + static   (watts),

with ``P`` any affine power model exposing ``consumed(W)`` (``objectives.ZhouPowerModel``,
Zhou eqs (5)-(6): slope ξ, static N_t P_RFC + P_LO + P_BB; ``objectives.GuoYangPowerModel``:
slope ρ, static N P_c + P_0). EE is in bit/J when ``bandwidth_hz`` is in Hz.

Dinkelbach (Zhou eqs (16)-(17)): for ρ_n, solve the subtractive problem
max_W B_w Σ R_k - ρ_n P(W) s.t. power, then ρ_{n+1} = EE(W_n), until
F(ρ_n) = B_w Σ R_k(W_n) - ρ_n P(W_n) is small. Dividing by B_w, the subproblem is WSR WMMSE
with the linear power cost c = ρ_n · slope / B_w (bit/s/Hz per W), and the transmit step is
Zhou eq. (23) with M = Σ_k ω_k |u_k|² γ_k v_k v_kᴴ + (ρξ ln2 / B_w + λ) I. Zhou's eq. (24)
instead keeps B_w inside M (but not in the numerator of (23)) and takes rates in nats; the two
coincide for B_w = 1 and natural-log rates, and ours is the step derived from (18) with the
objective (16) in bit/s, so its fixed points are the KKT points of (16). λ (the power
multiplier) is found by bisection, as in ``wmmse``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import torch

from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.wmmse import (
    _check_channel,
    _check_scalar,
    _miso_receivers,
    _miso_update,
    wmmse,
)

_LN2 = math.log(2.0)


class PowerModel(Protocol):
    """Anything with ``consumed(W) -> (B,)`` watts, affine in ||W||_F²."""

    def consumed(self, W: torch.Tensor) -> torch.Tensor: ...


def affine_power(power_model: PowerModel, num_tx: int, num_users: int) -> tuple[float, float]:
    """(slope, static) of an affine power model: P(W) = slope ||W||² + static.

    Read off ``consumed`` at W = 0 and at a unit-power W, so any model of Zhou's eq. (5) form
    works; a model that is not affine in ||W||², or that counts RF chains for another number
    of antennas (a ``num_tx`` attribute other than ``num_tx``), is rejected.
    """
    model_tx = getattr(power_model, "num_tx", num_tx)
    if model_tx != num_tx:
        raise ValueError(f"power_model.num_tx={model_tx} but the channel has Nt={num_tx} "
                         "antennas; build the model with num_tx=Nt")
    zero = torch.zeros(1, num_tx, num_users, dtype=torch.complex128)
    unit = torch.full_like(zero, (num_tx * num_users) ** -0.5)
    static = float(power_model.consumed(zero)[0])
    slope = float(power_model.consumed(unit)[0]) - static
    check = float(power_model.consumed(2.0 * unit)[0])
    if not (math.isfinite(slope) and slope > 0 and static >= 0
            and abs(check - (4.0 * slope + static)) <= 1e-9 * max(1.0, abs(check))):
        raise ValueError("power_model must be affine in the transmit power with a positive "
                         f"slope (got slope={slope}, static={static})")
    return slope, static


@dataclass
class DinkelbachResult:
    """Dinkelbach-WMMSE solution.

    W: (B, Nt, K) in the channel's dtype; total power <= P_max (or per satellite).
    ee: (B,) EE of W with the rate the problem optimised (statistical bound or instantaneous),
        bit/J with ``bandwidth_hz`` in Hz.
    rate: (B,) that Σ_k R_k in bit/s/Hz.   consumed_power: (B,) P(W) in W.
    iterations: (B,) Dinkelbach iterations (subproblems solved); inner_iterations: (B,) total
    WMMSE iterations. converged: (B,) F(ρ_n) <= tol · B_w Σ R_k before ``max_outer``.
    f_history / rho_history: (n, B) F(ρ_n) (bit/s) and ρ_n (bit/J) per Dinkelbach iteration;
    samples that stopped repeat their last row. csi: "statistical" or "instantaneous".
    """

    W: torch.Tensor
    ee: torch.Tensor
    rate: torch.Tensor
    consumed_power: torch.Tensor
    iterations: torch.Tensor
    inner_iterations: torch.Tensor
    converged: torch.Tensor
    f_history: torch.Tensor
    rho_history: torch.Tensor
    csi: str


def effective_channel(batch: ChannelBatch, csi: str | None = None) -> tuple[torch.Tensor, str]:
    """The channel the EE problem sees: (B, K, Nt) complex128 and the CSI mode used.

    ``"statistical"``: √γ_k v_k from ``batch.stats`` (Zhou eq. (9): the rate bound is the
    instantaneous rate formula on this channel). ``"instantaneous"``: ``batch.H``. Default:
    statistical when the batch carries ``v`` and ``gamma``, else instantaneous.
    """
    has_stats = "v" in batch.stats and "gamma" in batch.stats
    if csi is None:
        csi = "statistical" if has_stats else "instantaneous"
    if csi == "statistical":
        if not has_stats:
            raise ValueError("csi='statistical' needs batch.stats['v'] (B, K, Nt) and "
                             "batch.stats['gamma'] (B, K)")
        v, gamma = batch.stats["v"], batch.stats["gamma"]
        _check_channel(v, 3, "(B, K, Nt)")
        if v.shape != batch.H.shape[:2] + batch.H.shape[-1:]:
            raise ValueError(f"stats['v'] must be {tuple(batch.H.shape)}, got {tuple(v.shape)}")
        if gamma.shape != v.shape[:2] or not torch.isfinite(gamma).all() or (gamma < 0).any():
            raise ValueError(f"stats['gamma'] must be finite, >= 0 and (B, K) = "
                             f"{tuple(v.shape[:2])}, got {tuple(gamma.shape)}")
        H = gamma.to(torch.float64).sqrt().unsqueeze(-1) * v.to(torch.complex128)
    elif csi == "instantaneous":
        if batch.H.dim() != 3:
            raise ValueError("the EE baselines are for single-antenna users, H (B, K, Nt); got "
                             f"{tuple(batch.H.shape)}")
        H = batch.H.to(torch.complex128)
    else:
        raise ValueError(f"csi must be 'statistical' or 'instantaneous', got {csi!r}")
    return H, csi


def dinkelbach_wmmse(batch: ChannelBatch, *, power_model: PowerModel | None = None,
                     bandwidth_hz: float = 1.0, csi: str | None = None,
                     power: str | None = None, init: str | torch.Tensor = "best",
                     tol: float = 1e-5, inner_tol: float = 1e-6, max_outer: int = 50,
                     max_inner: int = 500) -> DinkelbachResult:
    """Zhou 000 Alg. 2 without the GNN: Dinkelbach outer loop, exact-inverse WMMSE inner loop.

    batch: channels (B, K, Nt); ``batch.p_max`` is the total budget (per satellite when
    ``num_sats > 1`` and ``power`` is "per_sat", the default then). power_model: default
    ``ZhouPowerModel(num_tx=Nt)``. csi: see ``effective_channel``. tol: Zhou sec. V's threshold
    1e-5, applied to F(ρ_n) relative to B_w Σ R_k (F itself is in bit/s, so an absolute
    threshold would depend on the bandwidth). The first subproblem (ρ_0 = 0, Alg. 2's input)
    is max-power WSR from ``init`` (default best of MRT/RZF/ones); later subproblems are warm
    started from the previous solution — Alg. 2 re-initialises with ||b_k||² = P/K instead —
    so the subtractive objective starts at 0 and F(ρ_n) >= 0, i.e. EE never decreases.
    """
    H, csi = effective_channel(batch, csi)
    B, K, Nt = H.shape
    bw = _check_scalar("bandwidth_hz", bandwidth_hz)
    if not (math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be positive, got {tol}")
    if not isinstance(max_outer, int) or max_outer < 1:
        raise ValueError(f"max_outer must be a positive int, got {max_outer!r}")
    model = power_model if power_model is not None else obj.ZhouPowerModel(num_tx=Nt)
    slope, _ = affine_power(model, Nt, K)
    noise, p_max, S = batch.noise_power, batch.p_max, batch.num_sats

    W = torch.zeros(B, Nt, K, dtype=torch.complex128, device=H.device)
    rho = torch.zeros(B, dtype=torch.float64, device=H.device)
    inner = torch.zeros(B, dtype=torch.int64, device=H.device)
    outer = torch.zeros(B, dtype=torch.int64, device=H.device)
    converged = torch.zeros(B, dtype=torch.bool, device=H.device)
    f_rows, rho_rows = [], []
    F = torch.zeros(B, dtype=torch.float64, device=H.device)
    active = torch.arange(B, device=H.device)
    for n in range(max_outer):
        start = init if n == 0 else W[active]
        # Subproblem (16): max Σ R_k - (ρ_n slope / B_w) ||W||², one cost per sample.
        r = wmmse(H[active], p_max, noise, num_sats=S, power=power, init=start,
                  power_cost=rho[active] * slope / bw, tol=inner_tol, max_iter=max_inner)
        W_new, its = r.W, r.iterations
        rate = obj.sum_rate(H[active], W_new, noise)
        P = model.consumed(W_new).to(torch.float64)
        F_new = bw * rate - rho[active] * P
        W[active] = W_new
        inner[active] += its
        outer[active] += 1
        F[active] = F_new
        f_rows.append(F.clone())
        rho_rows.append(rho.clone())
        rho[active] = obj.energy_efficiency(rate, P, bw)  # eq. (17)
        done = F_new <= tol * bw * rate
        converged[active[done]] = True
        active = active[~done]
        if active.numel() == 0:
            break
    rate = obj.sum_rate(H, W, noise)
    P = model.consumed(W).to(torch.float64)
    return DinkelbachResult(W=W.to(batch.H.dtype), ee=obj.energy_efficiency(rate, P, bw),
                            rate=rate, consumed_power=P, iterations=outer,
                            inner_iterations=inner, converged=converged,
                            f_history=torch.stack(f_rows), rho_history=torch.stack(rho_rows),
                            csi=csi)


# ------------------------------------------------------------- EE with per-user QoS (003)


@dataclass
class MinPowerResult:
    """Minimum-power beamformers meeting SINR targets (no power limit applied).

    W: (B, Nt, K) complex128; power: (B,) ||W||² in W, +inf where the targets are infeasible;
    feasible: (B,) bool; converged: (B,) the fixed point converged (then ``power`` is the
    minimum); iterations: (B,) fixed-point iterations.
    """

    W: torch.Tensor
    power: torch.Tensor
    feasible: torch.Tensor
    converged: torch.Tensor
    iterations: torch.Tensor


def min_power_qos(H: torch.Tensor, noise_power: float, sinr_target: float | torch.Tensor, *,
                  max_iter: int = 5000, tol: float = 1e-10) -> MinPowerResult:
    """min Σ||w_k||² s.t. SINR_k >= γ_k, solved exactly through uplink-downlink duality.

    The dual uplink powers λ are the fixed point of λ_k = σ² / ((1 + 1/γ_k) h_kᴴ Σ^-1 h_k),
    Σ = I + Σ_j λ_j h_j h_jᴴ / σ² (Schubert & Boche 2004; Wiesel, Eldar & Shamai 2006), a
    standard interference function, so the iteration converges iff the targets are feasible.
    Directions are the uplink MMSE filters Σ^-1 h_k; downlink powers solve the linear system
    SINR_k = γ_k. Used as the QoS-feasible start of ``ee_qos_dinkelbach`` and as its exact
    feasibility test. H: (B, K, Nt); γ: scalar or (K,) / (B, K) linear SINR targets.
    """
    _check_channel(H, 3, "(B, K, Nt)")
    noise = _check_scalar("noise_power", noise_power)
    Hc = H.to(torch.complex128)
    B, K, Nt = Hc.shape
    gam = torch.as_tensor(sinr_target, dtype=torch.float64, device=Hc.device).expand(B, K)
    if not torch.isfinite(gam).all() or (gam <= 0).any():
        raise ValueError("sinr_target must be positive and finite")
    eye = torch.eye(Nt, dtype=torch.complex128, device=Hc.device)
    lam = torch.zeros(B, K, dtype=torch.float64, device=Hc.device)
    its = torch.zeros(B, dtype=torch.int64, device=Hc.device)
    done = torch.zeros(B, dtype=torch.bool, device=Hc.device)
    for _ in range(max_iter):
        Sigma = eye + Hc.mH @ ((lam / noise).to(Hc.dtype).unsqueeze(-1) * Hc)
        # q_k = h_kᴴ Σ^-1 h_k with h_kᴴ = H[k] (rows of H are the conjugated channels)
        q = torch.einsum("bkn,bnk->bk", Hc, torch.linalg.solve(Sigma, Hc.mH)).real
        new = noise / ((1.0 + 1.0 / gam) * q.clamp_min(1e-300))
        step = ((new - lam).abs() <= tol * new).all(-1)
        lam = torch.where(done.unsqueeze(-1), lam, new)
        its += (~done).long()
        done |= step
        if bool(done.all()) or not torch.isfinite(lam).all():
            break
    Sigma = eye + Hc.mH @ ((lam / noise).to(Hc.dtype).unsqueeze(-1) * Hc)
    D = torch.linalg.solve(Sigma, Hc.mH)  # (B, Nt, K) directions
    D = D / D.norm(dim=1, keepdim=True).clamp_min(1e-300)
    G = (Hc @ D).abs().square()  # G[k, j] = |h_kᴴ d_j|²
    diag = torch.diagonal(G, dim1=-2, dim2=-1)
    Msys = -G + torch.diag_embed(diag / gam + diag)
    rhs = torch.full((B, K, 1), noise, dtype=torch.float64, device=Hc.device)
    p = torch.linalg.solve(Msys, rhs).squeeze(-1)
    W = D * p.clamp_min(0.0).sqrt().to(D.dtype).unsqueeze(1)
    # Feasibility is certified by the precoder itself (positive powers meeting every target);
    # an unconverged λ only means the power may sit slightly above the minimum.
    ok = (p > 0).all(-1) & torch.isfinite(p).all(-1)
    ok &= (obj.sinr(Hc, W, noise) >= gam * (1 - 1e-8)).all(-1)
    power = torch.where(ok, obj.total_power(W), torch.full_like(p[:, 0], math.inf))
    return MinPowerResult(W=W, power=power, feasible=ok, converged=done, iterations=its)


@dataclass
class EEQoSResult:
    """EE-maximal precoder under per-user QoS R_k >= R_min and total power (003 Table IV).

    W: (B, Nt, K) in H's dtype. ee: (B,) bit/J (bit/s/Hz/W with bandwidth 1). rates: (B, K)
    bit/s/Hz. feasible: (B,) a QoS-feasible precoder exists within P_max (exact test by
    ``min_power_qos``). qos_met: (B,) W meets every R_min (to ``qos_tol``). qos_satisfaction:
    003's Constraint Satisfaction Ratio, ``objectives.qos_satisfaction_ratio`` (fraction of
    (sample, user) pairs meeting R_min); all_users_satisfaction:
    ``objectives.qos_all_users_ratio`` (fraction of samples where every user does). min_power:
    (B,) the least
    transmit power meeting the QoS (inf when infeasible). iterations / inner_iterations: (B,)
    Dinkelbach and WMMSE iterations. f_history: (n, B) F(ρ_n) per Dinkelbach iteration.
    """

    W: torch.Tensor
    ee: torch.Tensor
    rates: torch.Tensor
    feasible: torch.Tensor
    qos_met: torch.Tensor
    qos_satisfaction: float
    all_users_satisfaction: float
    min_power: torch.Tensor
    iterations: torch.Tensor
    inner_iterations: torch.Tensor
    f_history: torch.Tensor


def ee_qos_dinkelbach(H: torch.Tensor, p_max: float, noise_power: float, r_min: float, *,
                      power_model: PowerModel | None = None, bandwidth_hz: float = 1.0,
                      tol: float = 1e-5, inner_tol: float = 1e-7, max_outer: int = 30,
                      max_inner: int = 300, dual_step: float = 0.5, qos_tol: float = 1e-6
                      ) -> EEQoSResult:
    """EE-numerical baseline for Guo & Yang 003 Table IV: max EE s.t. R_k >= R_min, ||W||² <= P.

    003 compares against the iterative algorithm of its ref. [2] (Li, Tian & Yang, IEEE TVT
    2015, 100 iterations), whose text is not in the seeds. This is the closest well-founded
    method we can state fully: Dinkelbach on ρ (as in ``dinkelbach_wmmse``) with each
    subtractive subproblem max Σ R_k - (ρ slope/B_w)||W||² s.t. QoS solved by a primal-dual
    WMMSE — the Lagrangian Σ (1 + ν_k) R_k - c ||W||² is a weighted-sum-rate problem, so each
    primal step is one WMMSE step with weights 1 + ν_k (power multiplier by bisection) and the
    QoS multipliers take projected dual steps ν_k <- [ν_k + η (R_min - R_k)]_+ (η in 1/bit).
    Its fixed points are KKT points of the QoS problem. The primal-dual iteration is not
    monotone and approaches feasibility from either side, so every iterate, scaled up just
    enough to meet every R_min (closed form; scaling W up raises every SINR) when that fits in
    P_max, is a feasible candidate, and the best feasible candidate (highest EE) is kept; each
    Dinkelbach step restarts from it with ρ_n = its EE. The run starts from the exact
    minimum-power QoS precoder (``min_power_qos``), so whenever the QoS can be met within P_max
    the result meets it (``qos_met``) with EE at least that start's; where it cannot
    (``feasible`` False) the least-violating iterate is returned (003 lists both ratios of its
    EE-numerical as 100%; here they are measured).
    Default power model: ``GuoYangPowerModel(num_tx=Nt)``.
    """
    _check_channel(H, 3, "(B, K, Nt)")
    p = _check_scalar("p_max", p_max)
    noise = _check_scalar("noise_power", noise_power)
    bw = _check_scalar("bandwidth_hz", bandwidth_hz)
    if not (math.isfinite(r_min) and r_min >= 0):
        raise ValueError(f"r_min must be >= 0 and finite, got {r_min}")
    for name, val in (("tol", tol), ("inner_tol", inner_tol), ("dual_step", dual_step)):
        if not (math.isfinite(val) and val > 0):
            raise ValueError(f"{name} must be positive, got {val}")
    Hc = H.to(torch.complex128)
    B, K, Nt = Hc.shape
    model = power_model if power_model is not None else obj.GuoYangPowerModel(num_tx=Nt)
    slope, _ = affine_power(model, Nt, K)

    def ee_of(W: torch.Tensor, Hs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        rates = obj.user_rates(Hs, W, noise)
        return obj.energy_efficiency(rates.sum(-1), model.consumed(W).double(), bw), rates

    # Start: the exact min-power QoS precoder where it fits in P_max, else max-power WSR.
    if r_min > 0:
        mp = min_power_qos(Hc, noise, 2.0 ** r_min - 1.0)
        feasible = mp.feasible & (mp.power <= p * (1 + 1e-12))
        min_power = mp.power
    else:
        feasible = torch.ones(B, dtype=torch.bool, device=Hc.device)
        min_power = torch.zeros(B, dtype=torch.float64, device=Hc.device)
    W = wmmse(Hc, p, noise, init="best", tol=inner_tol, max_iter=max_inner).W
    if r_min > 0:
        W = torch.where(feasible.view(-1, 1, 1), _scale_to(mp.W, p), W)
    ee, rates = ee_of(W, Hc)
    best_W, best_ee = W.clone(), torch.where(feasible, ee, -math.inf)
    best_viol = (r_min - rates).clamp_min(0).amax(-1)
    rho = torch.where(feasible, ee, torch.zeros_like(ee))
    nu = torch.zeros(B, K, dtype=torch.float64, device=Hc.device)
    n_inner = torch.zeros(B, dtype=torch.int64, device=Hc.device)
    outer = torch.zeros(B, dtype=torch.int64, device=Hc.device)
    f_rows = []
    F = torch.zeros(B, dtype=torch.float64, device=Hc.device)
    gamma = 2.0 ** r_min - 1.0
    active = torch.arange(B, device=Hc.device)
    for _ in range(max_outer):
        # Warm start from the best feasible point, whose subtractive objective is 0 at ρ_n, so
        # any improvement the inner loop finds is an EE above ρ_n (Dinkelbach, Zhou eq. (17)).
        W[active] = torch.where(feasible[active].view(-1, 1, 1), best_W[active], W[active])
        mu0 = rho * slope / bw * _LN2
        best_sub = torch.full((B,), -math.inf, dtype=torch.float64, device=Hc.device)
        f_prev = torch.full((B,), math.nan, dtype=torch.float64, device=Hc.device)
        live = active
        for _ in range(max_inner):
            Hl = Hc[live]
            u, omega = _miso_receivers(Hl, W[live], noise)
            Wl = _miso_update(Hl, u, omega, 1.0 + nu[live], mu0[live], p, 1, "total", W[live], 1)
            r_l = obj.user_rates(Hl, Wl, noise)
            viol = (r_min - r_l).clamp_min(0).amax(-1)
            nu[live] = (nu[live] + dual_step * (r_min - r_l)).clamp_min(0.0)  # dual step
            W[live] = Wl
            n_inner[live] += 1
            # Candidate: the iterate scaled up just enough to meet every R_min (scaling W by
            # t >= 1 raises every SINR), when that fits in P_max.
            Wc, ok = _qos_repair(Hl, Wl, noise, gamma, p)
            ee_c, r_c = ee_of(Wc, Hl)
            ok &= ((r_min - r_c) <= qos_tol).all(-1)
            sub = bw * r_c.sum(-1) - rho[live] * model.consumed(Wc).double()
            better = ok & (ee_c > best_ee[live])
            best_W[live[better]], best_ee[live[better]] = Wc[better], ee_c[better]
            best_sub[live] = torch.where(ok, torch.maximum(best_sub[live], sub), best_sub[live])
            less = ~feasible[live] & (viol < best_viol[live])
            best_W[live[less]], best_viol[live[less]] = Wl[less], viol[less]
            lag = ((1.0 + nu[live]) * r_l).sum(-1) - mu0[live] / _LN2 * obj.total_power(Wl)
            settled = ((lag - f_prev[live]).abs() <= inner_tol * lag.abs()) & (viol <= qos_tol)
            f_prev[live] = lag
            live = live[~settled]
            if live.numel() == 0:
                break
        outer[active] += 1
        F[active] = torch.where(torch.isfinite(best_sub[active]), best_sub[active], 0.0)
        f_rows.append(F.clone())
        new_rho = torch.where(feasible[active], best_ee[active], ee_of(W[active], Hc[active])[0])
        done = (new_rho - rho[active]) <= tol * new_rho.abs()
        rho[active] = torch.maximum(rho[active], new_rho)
        active = active[~done]
        if active.numel() == 0:
            break
    ee, rates = ee_of(best_W, Hc)
    met = ((r_min - rates) <= qos_tol).all(-1)
    return EEQoSResult(W=best_W.to(H.dtype), ee=ee, rates=rates, feasible=feasible, qos_met=met,
                       qos_satisfaction=obj.qos_satisfaction_ratio(rates, r_min, qos_tol),
                       all_users_satisfaction=obj.qos_all_users_ratio(rates, r_min, qos_tol),
                       min_power=min_power, iterations=outer, inner_iterations=n_inner,
                       f_history=torch.stack(f_rows))


def _qos_repair(H: torch.Tensor, W: torch.Tensor, noise: float, gamma: float, p_max: float
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Smallest t >= 1 with SINR_k(tW) >= γ for all k, in closed form; (t W, fits in P_max).

    SINR_k(tW) = t² S_k / (t² I_k + σ²) reaches γ iff S_k > γ I_k, at t² = γσ² / (S_k - γ I_k).
    """
    g = (H @ W).abs().square()
    S = torch.diagonal(g, dim1=-2, dim2=-1)
    interf = g.sum(-1) - S
    if gamma == 0:  # no rate floor: nothing to repair (users may be switched off)
        return W, obj.total_power(W) <= p_max
    margin = S - gamma * interf
    reachable = (margin > 0).all(-1)
    t2 = ((gamma * noise / margin.clamp_min(1e-300)).amax(-1) * (1 + 1e-12)).clamp_min(1.0)
    t2 = torch.where(reachable, t2, torch.ones_like(t2))
    Wt = W * t2.sqrt().to(W.dtype).view(-1, 1, 1)
    ok = reachable & (obj.total_power(Wt) <= p_max)
    return Wt, ok


def _scale_to(W: torch.Tensor, p_max: float) -> torch.Tensor:
    """Scale down (never up) to ||W||² <= p_max: (B, Nt, K)."""
    pw = obj.total_power(W).clamp_min(1e-300)
    return W * (p_max / pw).sqrt().clamp_max(1.0).to(W.dtype).view(-1, 1, 1)
