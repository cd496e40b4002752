"""WMMSE precoding (Shi, Razaviyayn, Luo & He, IEEE TSP 2011) for single- and multi-antenna users.

The reference every learned precoder is scored against (Guo & Yang 003 Tables II-IV, GSM 002
WSR, 004 multi-antenna UTs), so it is run to convergence: the stop rule is the relative change
of the objective per sample, converged samples stop updating, and ``init="best"`` keeps the
best of the MRT, RZF and all-ones starts per sample (DESIGN.md, "Reference numbers").

Objective (bit/s/Hz), maximised over the precoder under a total or per-satellite power budget:

    f(W) = Σ_k α_k R_k(W) - c · ||W||_F²

with weights α_k (default 1) and an optional linear power cost c (bit/s/Hz per W; 0 for the
plain weighted sum rate, ρξ/B_w inside Dinkelbach, see ``energy_efficiency``).

One iteration is the block-coordinate step of Shi et al.: MMSE receivers u_k and weights
ω_k = 1/e_k = 1 + SINR_k for the current W, then the transmit update

    W = argmin_W  Σ_k tr(W_kᴴ A W_k) - 2 Re tr(R_kᴴ W_k) + c ln2 ||W||²   s.t. power,
    A = Σ_k α_k ω_k H_kᴴ u_k u_kᴴ H_k,   R_k = α_k H_kᴴ u_k ω_k,

which is a convex QCQP; it is solved exactly for a total budget (one multiplier μ, found by
bisection — accelerated by safeguarded Newton steps — on the eigen-decomposition of A) and by
exact block-coordinate descent over the satellites, one bisected multiplier per satellite, for
per-satellite budgets (see ``_transmit_update``). With ``serving`` (coordinated beamforming,
the interfering broadcast channel Shi et al. were written for; 003 problem P2) satellite/BS s
transmits only to the users it serves, so the blocks decouple and each is one exact solve.
Every step increases f, so
f(W_t) is non-decreasing in t (tests check this). Internally complex128; W is returned in the
input dtype, rates in float64.

Shapes follow ``spacemimo.model.batch``: MISO ``H (B, K, Nt)``, ``W (B, Nt, K)``; MIMO
``H (B, K, Nr, Nt)``, ``V (B, K, Nt, d)``; satellite s owns antennas [s*M, (s+1)*M).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch, serving_mask

# the converged reference every SE ratio is read against (DESIGN.md): best of INITS, relative
# objective change below REFERENCE_TOL, at most REFERENCE_MAX_ITER iterations
REFERENCE_TOL = 1e-8
REFERENCE_MAX_ITER = 2000

INITS = ("mrt", "rzf", "ones")
"""The deterministic starts ``init="best"`` tries (DESIGN.md: best of MRT, RZF, all-ones)."""

_LN2 = math.log(2.0)
_NULL_RTOL = 1e-12  # eigenvalues below this fraction of the largest are A's null space
_BISECT_RTOL = 1e-15  # ... or when the multiplier step is this small (relative)
_BISECT_MAX = 200
_POWER_RTOL = 1e-13  # |power - budget| at which the multiplier search stops


@dataclass
class WMMSEResult:
    """Converged WMMSE precoder for single-antenna users.

    W: (B, Nt, K) in the input dtype, feasible for the power constraint used.
    sum_rate: (B,) float64, unweighted Σ_k log2(1 + SINR_k) of ``W``.
    objective: (B,) float64, Σ_k α_k R_k - c ||W||² (equals ``sum_rate`` for plain SE).
    iterations: (B,) int64, iterations run by the run that was kept.
    converged: (B,) bool, relative objective change fell below ``tol`` before ``max_iter``.
    init: per sample, which start the kept run used ("mrt", "rzf", "ones" or "given").
    history: (iterations + 1, B) float64 objective after each iteration (row 0 = start) when
        ``return_history``; samples that stopped early repeat their last value. With
        ``init="best"`` each column is the kept run's history.
    """

    W: torch.Tensor
    sum_rate: torch.Tensor
    objective: torch.Tensor
    iterations: torch.Tensor
    converged: torch.Tensor
    init: list[str]
    history: torch.Tensor | None = None


@dataclass
class WMMSEMimoResult:
    """Converged WMMSE precoder for multi-antenna users with d streams each.

    V: (B, K, Nt, d) in the input dtype. Other fields as in ``WMMSEResult``; rates are
    ``objectives.mimo_user_rates`` (MMSE receivers, interference treated as noise).
    """

    V: torch.Tensor
    sum_rate: torch.Tensor
    objective: torch.Tensor
    iterations: torch.Tensor
    converged: torch.Tensor
    init: list[str]
    history: torch.Tensor | None = None


# --------------------------------------------------------------------------- validation


def _check_scalar(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real scalar, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be positive and finite, got {v}")
    return v


def _check_channel(H: torch.Tensor, dims: int, layout: str) -> None:
    if not torch.is_tensor(H) or not H.is_complex():
        raise ValueError(f"H must be a complex torch tensor {layout}, got "
                         f"{type(H).__name__} {getattr(H, 'dtype', '')}")
    if H.dim() != dims or min(H.shape) < 1:
        raise ValueError(f"H must be {layout}, got shape {tuple(H.shape)}")
    if not torch.isfinite(torch.view_as_real(H)).all():
        raise ValueError("H contains NaN or Inf entries")


def _check_common(H: torch.Tensor, p_max: float, noise_power: float, num_sats: int,
                  power: str | None, max_iter: int, tol: float) -> tuple[float, float, str]:
    p = _check_scalar("p_max", p_max)
    n = _check_scalar("noise_power", noise_power)
    if not isinstance(num_sats, int) or num_sats < 1 or H.shape[-1] % num_sats:
        raise ValueError(f"Nt={H.shape[-1]} is not divisible by num_sats={num_sats}")
    if power is None:
        power = "per_sat" if num_sats > 1 else "total"
    if power not in ("total", "per_sat"):
        raise ValueError(f"power must be 'total' or 'per_sat', got {power!r}")
    if not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive int, got {max_iter!r}")
    if not (math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be positive, got {tol}")
    return p, n, power


def _check_cost(power_cost: float | torch.Tensor, B: int,
                device: torch.device | None = None) -> torch.Tensor:
    c = (power_cost.to(torch.float64) if torch.is_tensor(power_cost)
         else torch.as_tensor(power_cost, dtype=torch.float64))
    if c.shape not in ((), (B,)):
        raise ValueError(f"power_cost must be a scalar or (B,)=({B},), got {tuple(c.shape)}")
    if not torch.isfinite(c).all() or (c < 0).any():
        raise ValueError("power_cost must be finite and >= 0")
    return c.to(device).expand(B).clone()


def _check_weights(weights: torch.Tensor | None, B: int, K: int,
                   device: torch.device | None = None) -> torch.Tensor:
    if weights is None:
        return torch.ones(B, K, dtype=torch.float64, device=device)
    w = (weights.to(torch.float64) if torch.is_tensor(weights)
         else torch.as_tensor(weights, dtype=torch.float64))
    if w.shape not in ((K,), (B, K)):
        raise ValueError(f"weights must be (K,)=({K},) or (B, K)=({B}, {K}), "
                         f"got {tuple(w.shape)}")
    if not torch.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and non-negative")
    return w.to(device).expand(B, K).clone()


def _check_serving(serving: torch.Tensor | None, K: int, num_sats: int, power: str,
                   device: torch.device | None = None) -> torch.Tensor | None:
    """(K,) long: the satellite/BS that serves each user, or None (joint transmission)."""
    if serving is None:
        return None
    s = torch.as_tensor(serving, device=device)
    if s.shape != (K,) or s.dtype.is_floating_point or s.is_complex():
        raise ValueError(f"serving must be an integer (K,)=({K},) tensor, got "
                         f"{tuple(s.shape)} {s.dtype}")
    if power != "per_sat" or num_sats < 2:
        raise ValueError("serving (coordinated beamforming) needs num_sats >= 2 and "
                         f"per-satellite power, got num_sats={num_sats}, power={power!r}")
    if bool(((s < 0) | (s >= num_sats)).any()):
        raise ValueError(f"serving entries must be satellite indices in [0, {num_sats}), "
                         f"got {s.tolist()}")
    return s.long()


# ----------------------------------------------------------------- power-constrained solve


def _multiplier(c: torch.Tensor, lam: torch.Tensor, mu0: torch.Tensor, null: torch.Tensor,
                budget: float) -> torch.Tensor:
    """Root μ > 0 of p(μ) = Σ_n c_n / (λ_n + μ0 + μ)² = budget, per row: (n,) from (n, m).

    Bisection on a bracket [lo, hi] from λ_min <= λ_n <= λ_max, accelerated by Newton steps on
    the secular equation φ(μ) = p(μ)^-1/2 - budget^-1/2, which is concave and increasing (Moré
    & Sorensen 1983), so Newton converges quadratically; a Newton step that would leave the
    bracket is replaced by the bisection midpoint. Typically 4-8 steps instead of ~50.
    """
    total = c.sum(-1, keepdim=True)
    root = (total / budget).sqrt()
    lo = (root - lam.amax(-1, keepdim=True) - mu0).clamp_min(0.0)
    hi = (root - mu0).clamp_min(0.0)
    mu = lo.clone()
    inv_sqrt_budget = budget ** -0.5
    for _ in range(_BISECT_MAX):
        dnm = (lam + mu0 + mu).masked_fill(null, 1.0)
        t = c / dnm.square()
        p = t.sum(-1, keepdim=True)
        dp = (t / dnm).sum(-1, keepdim=True)  # -p'(μ)/2
        above = p > budget
        lo = torch.where(above, mu, lo)
        hi = torch.where(above, hi, mu)
        if bool(((p - budget).abs() <= _POWER_RTOL * budget).all()):
            break
        ps = p.clamp_min(1e-300)
        newton = mu - (ps.rsqrt() - inv_sqrt_budget) * ps.pow(1.5) / dp.clamp_min(1e-300)
        inside = (newton >= lo) & (newton <= hi)
        new = torch.where(inside, newton, 0.5 * (lo + hi))
        if bool(((new - mu).abs() <= _BISECT_RTOL * mu).all()):
            mu = new
            break
        mu = new
    return mu.squeeze(-1)


def _regularized_solve(lam: torch.Tensor, U: torch.Tensor, Q: torch.Tensor, mu0: torch.Tensor,
                       budget: float) -> torch.Tensor:
    """argmin_X tr(Xᴴ(A + μ0 I)X) - 2 Re tr(QᴴX)  s.t. ||X||_F² <= budget.

    A = U diag(lam) Uᴴ (B, n, n) positive semidefinite, Q (B, n, L), μ0 (B,) >= 0. KKT:
    X = (A + (μ0 + μ) I)^-1 Q with μ >= 0, μ (||X||² - budget) = 0; μ is found by bisection on
    the eigen-decomposition, where ||X(μ)||² = Σ_n |[UᴴQ]_n|² / (λ_n + μ0 + μ)² is decreasing.
    Components in A's null space are dropped: in exact arithmetic Q lies in A's range (every
    column of R and of the per-satellite coupling term is built from the rows of H that span
    A), so they are rounding noise that would otherwise be amplified by 1/λ_n when μ = 0.
    """
    q = U.mH @ Q
    c = q.real.square().add(q.imag.square()).sum(-1)  # (B, n)
    lam = lam.clamp_min(0.0)
    null = lam <= _NULL_RTOL * lam.amax(-1, keepdim=True).clamp_min(1e-300)
    c = c.masked_fill(null, 0.0)
    mu0 = mu0.unsqueeze(-1)
    denom0 = (lam + mu0).masked_fill(null, 1.0)
    p0 = (c / denom0.square()).sum(-1)
    need = p0 > budget
    mu = torch.zeros_like(p0)
    if need.any():
        mu[need] = _multiplier(c[need], lam[need], mu0[need], null[need], budget)
    inv = (1.0 / (lam + mu0 + mu.unsqueeze(-1))).masked_fill(null, 0.0)
    X = U @ (q * inv.unsqueeze(-1).to(q.dtype))
    # Rounding can leave ||X||² a few ulps above the budget; pull it back so the constraint
    # holds exactly (power_excess <= 0 up to one rounding).
    pw = X.real.square().add(X.imag.square()).flatten(1).sum(-1)
    scale = torch.where(pw > budget, (budget / pw).sqrt(), torch.ones_like(pw))
    return X * scale.view(-1, *([1] * (X.dim() - 1))).to(X.dtype)


def _transmit_update(A: torch.Tensor, R: torch.Tensor, mu0: torch.Tensor, p_max: float,
                     num_sats: int, power: str, W: torch.Tensor, sweeps: int,
                     serving: torch.Tensor | None = None) -> torch.Tensor:
    """The WMMSE transmit step: argmin tr(WᴴAW) - 2Re tr(RᴴW) + μ0||W||² under the power limit.

    A: (B, Nt, Nt) PSD, R: (B, Nt, L), μ0: (B,), W: (B, Nt, L) the current iterate.

    Total power: one multiplier, exact (``_regularized_solve``).

    Per-satellite power (GSM 002 (P1)): the KKT conditions read (A + μ0 I + Σ_s μ_s D_s) W = R,
    D_s selecting satellite s's antennas. Because A couples the satellites' rows, the μ_s do not
    decouple, so the subproblem is solved by exact block-coordinate descent over satellites:
    with the other satellites' rows fixed, satellite s's rows W_s solve a single-constraint
    problem, (A_ss + (μ0 + μ_s) I) W_s = R_s - A_{s,¬s} W_¬s, with μ_s by bisection. Each block
    step minimises the convex subproblem over its block, so the subproblem objective — and with
    it the WMMSE objective f — never gets worse (all Shi et al.'s monotonicity argument needs),
    and since the constraints are separable across blocks, a point no block step can improve
    solves the subproblem (Tseng 2001), i.e. a fixed point of the outer iteration is a KKT
    point of the per-satellite WSR problem. ``sweeps`` Gauss-Seidel passes run per WMMSE
    iteration, warm started from the current W.

    Coordinated beamforming (``serving``: (L,) satellite of each column): column k lives on
    satellite serving[k]'s rows only, so tr(W_kᴴ A W_k) involves only the diagonal block A_ss
    and satellite s's columns form one single-constraint problem, (A_ss + (μ0 + μ_s) I) W_s =
    R_s restricted to its users — exact, no sweeps.
    """
    B, Nt, L = R.shape
    if power == "total" or num_sats == 1:
        lam, U = torch.linalg.eigh(A)
        return _regularized_solve(lam, U, R, mu0, p_max)
    M = Nt // num_sats
    blocks = torch.stack([A[:, s * M:(s + 1) * M, s * M:(s + 1) * M] for s in range(num_sats)], 1)
    lam_all, U_all = torch.linalg.eigh(blocks)  # (B, S, M), (B, S, M, M)
    if serving is not None:
        W = torch.zeros_like(R)
        for s in range(num_sats):
            cols = (serving == s).nonzero().squeeze(1)
            if cols.numel():
                rows = slice(s * M, (s + 1) * M)
                W[:, rows, cols] = _regularized_solve(lam_all[:, s], U_all[:, s],
                                                      R[:, rows][:, :, cols], mu0, p_max)
        return W
    W = W.clone()
    for _ in range(sweeps):
        for s in range(num_sats):
            rows = slice(s * M, (s + 1) * M)
            Q = R[:, rows] - A[:, rows] @ W + A[:, rows, rows] @ W[:, rows]
            W[:, rows] = _regularized_solve(lam_all[:, s], U_all[:, s], Q, mu0, p_max)
    return W


def _project_feasible(W: torch.Tensor, p_max: float, num_sats: int, power: str,
                      fill: bool) -> torch.Tensor:
    """Scale a start point onto the power constraint.

    ``fill``: scale to full power (the MRT/RZF/ones starts: total power p_max, or every
    satellite at p_max); otherwise only scale down what exceeds (a given warm start).
    W: (B, Nt, L).
    """
    B, Nt, L = W.shape
    S = num_sats if power == "per_sat" else 1
    Wb = W.reshape(B, S, Nt // S, L)
    pw = Wb.abs().square().sum((-1, -2))  # (B, S)
    safe = pw.clamp_min(1e-300)
    scale = (p_max / safe).sqrt() if fill else (p_max / safe).sqrt().clamp_max(1.0)
    scale = torch.where(pw > 0, scale, torch.zeros_like(scale))
    return (Wb * scale[..., None, None].to(W.dtype)).reshape(B, Nt, L)


# ------------------------------------------------------------------------- MISO (Nr = 1)


def _miso_receivers(H: torch.Tensor, W: torch.Tensor, noise: float
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """MMSE receivers u_k and MSE weights ω_k = 1/e_k = 1 + SINR_k (Zhou 000 eqs (21)-(22)).

    H (B, K, Nt), W (B, Nt, K) -> u (B, K) complex, ω (B, K) float64. ω is formed as
    total/(interference + noise) rather than 1/(1 - |h w|²/total) so high SINR does not cancel.
    """
    HW = H @ W
    g = HW.real.square() + HW.imag.square()
    sig = torch.diagonal(HW, dim1=-2, dim2=-1)
    total = g.sum(-1) + noise
    # interference + noise summed over j != k directly: no cancellation against the signal
    off = ~torch.eye(g.shape[-1], dtype=torch.bool, device=g.device)
    interf = (g * off).sum(-1) + noise
    u = sig.conj() / total
    return u, total / interf


def _miso_update(H: torch.Tensor, u: torch.Tensor, omega: torch.Tensor, alpha: torch.Tensor,
                 mu0: torch.Tensor, p_max: float, num_sats: int, power: str, W: torch.Tensor,
                 sweeps: int, serving: torch.Tensor | None = None) -> torch.Tensor:
    """Transmit step for MISO: A = Hᴴ diag(α ω |u|²) H, R = Hᴴ diag(α ω u*) (Zhou 000 eqs
    (23)-(24) on the channel √γ_k v_k, with the power cost as μ0; see ``energy_efficiency``)."""
    a = (alpha * omega * (u.real.square() + u.imag.square())).to(H.dtype)
    A = H.mH @ (a.unsqueeze(-1) * H)
    A = 0.5 * (A + A.mH)
    R = H.mH * (alpha * omega * u.conj()).unsqueeze(-2)
    return _transmit_update(A, R, mu0, p_max, num_sats, power, W, sweeps, serving)


def _miso_init(name: str, H: torch.Tensor, p_max: float, noise: float, num_sats: int,
               power: str) -> torch.Tensor:
    """Start points (B, Nt, K) at full power: MRT (equal power per user), RZF with the
    MMSE-style regulariser K σ² / P_total, or the all-ones matrix."""
    B, K, Nt = H.shape
    if name == "mrt":
        W = H.mH / H.norm(dim=-1).clamp_min(1e-300).unsqueeze(-2)
    elif name == "rzf":
        p_total = p_max * (num_sats if power == "per_sat" else 1)
        reg = K * noise / p_total
        G = H @ H.mH + reg * torch.eye(K, dtype=H.dtype, device=H.device)
        W = H.mH @ torch.linalg.inv(G)
    elif name == "ones":
        W = torch.ones(B, Nt, K, dtype=H.dtype, device=H.device)
    else:  # pragma: no cover - validated by the caller
        raise ValueError(name)
    return _project_feasible(W, p_max, num_sats, power, fill=True)


def _run(receivers, update, W0: torch.Tensor, weights: torch.Tensor, cost: torch.Tensor,
         max_iter: int, tol: float, history: bool
         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """The WMMSE iteration loop shared by MISO and MIMO, vectorised over the batch.

    ``receivers(idx, W) -> (state, rates (n, K) in nats)`` and
    ``update(idx, state, W) -> W_new`` act on the samples ``idx`` only, so converged samples
    stop costing time. Returns W, objective (bits), iterations, converged, history.
    """
    B = W0.shape[0]
    W = W0.clone()
    all_idx = torch.arange(B, device=W0.device)

    def objective(idx: torch.Tensor, Wi: torch.Tensor, rates: torch.Tensor) -> torch.Tensor:
        pw = Wi.real.square().add(Wi.imag.square()).flatten(1).sum(-1)
        return (weights[idx] * rates).sum(-1) / _LN2 - cost[idx] * pw

    state, rates = receivers(all_idx, W)
    f = objective(all_idx, W, rates)
    iters = torch.zeros(B, dtype=torch.int64, device=W0.device)
    converged = torch.zeros(B, dtype=torch.bool, device=W0.device)
    rows = [f.clone()] if history else None
    active = all_idx
    for _ in range(max_iter):
        W_new = update(active, state, W[active])
        st_new, r_new = receivers(active, W_new)
        f_new = objective(active, W_new, r_new)
        W[active] = W_new
        state = _scatter_state(state, active, st_new)
        done = (f_new - f[active]).abs() <= tol * f_new.abs().clamp_min(1e-300)
        f[active] = f_new
        iters[active] += 1
        converged[active[done]] = True
        if rows is not None:
            rows.append(f.clone())
        active = active[~done]
        if active.numel() == 0:
            break
    hist = torch.stack(rows) if rows is not None else None
    return W, f, iters, converged, hist


def _scatter_state(state: tuple[torch.Tensor, ...], idx: torch.Tensor,
                   new: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    out = []
    for full, part in zip(state, new, strict=True):
        full = full.clone()
        full[idx] = part
        out.append(full)
    return tuple(out)


def _pick_best(runs: dict[str, tuple], names: list[str]) -> tuple:
    """Per sample, keep the run with the highest final objective."""
    f = torch.stack([runs[n][1] for n in names])  # (I, B)
    best = f.argmax(0)
    B = best.shape[0]
    ar = torch.arange(B, device=best.device)
    W = torch.stack([runs[n][0] for n in names])[best, ar]
    obj_ = f[best, ar]
    iters = torch.stack([runs[n][2] for n in names])[best, ar]
    conv = torch.stack([runs[n][3] for n in names])[best, ar]
    hist = None
    if runs[names[0]][4] is not None:
        T = max(runs[n][4].shape[0] for n in names)
        padded = [torch.cat([runs[n][4], runs[n][4][-1:].expand(T - runs[n][4].shape[0], -1)])
                  for n in names]
        hist = torch.stack(padded)[best, :, ar].T  # (T, B)
    return W, obj_, iters, conv, hist, [names[i] for i in best.tolist()]


def wmmse(H: torch.Tensor, p_max: float, noise_power: float, *,
          weights: torch.Tensor | None = None, num_sats: int = 1, power: str | None = None,
          init: str | torch.Tensor = "best", max_iter: int = 500, tol: float = 1e-6,
          return_history: bool = False, power_cost: float | torch.Tensor = 0.0,
          per_sat_sweeps: int = 1, serving: torch.Tensor | None = None) -> WMMSEResult:
    """Weighted-sum-rate WMMSE for single-antenna users (Shi et al. 2011, Alg. 1; GSM 002 (P1)).

    H: (B, K, Nt) complex (rows are hₖᴴ as in ``batch``). p_max: the budget of the constraint
    named by ``power`` — ``"total"``: ||W||_F² <= p_max; ``"per_sat"``: every satellite's
    antennas radiate <= p_max (GSM 002 eq. (P1)); default ``"per_sat"`` when ``num_sats > 1``
    (the ``ChannelBatch`` convention), else ``"total"``. noise_power: per-user noise in W.
    weights: (K,) or (B, K) rate weights α_k >= 0, default 1. init: ``"best"`` (run MRT, RZF
    and all-ones starts and keep the best per sample), one of those names, or a (B, Nt, K)
    start (scaled down onto the constraint if it exceeds it). Stop: relative objective change
    < ``tol`` per sample, at most ``max_iter`` iterations. power_cost: c >= 0 in bit/s/Hz per
    W, scalar or (B,), subtracted as c ||W||² (0: plain WSR). per_sat_sweeps: Gauss-Seidel
    passes over the satellites per iteration (see ``_transmit_update``). serving: (K,) int,
    the satellite/BS serving each user — coordinated beamforming (003 P2: BS m beams only to
    the users of cell m; ``ChannelBatch.serving``), needs ``power="per_sat"``; W is then zero
    outside ``batch.serving_mask`` (starts, a given one included, are restricted to it). None:
    every satellite serves every user (joint transmission, GSM 002).

    Returns ``WMMSEResult`` with W (B, Nt, K) in H's dtype.
    """
    _check_channel(H, 3, "(B, K, Nt)")
    p, noise, power = _check_common(H, p_max, noise_power, num_sats, power, max_iter, tol)
    if not isinstance(per_sat_sweeps, int) or per_sat_sweeps < 1:
        raise ValueError(f"per_sat_sweeps must be a positive int, got {per_sat_sweeps!r}")
    B, K, Nt = H.shape
    alpha = _check_weights(weights, B, K, H.device)
    serve = _check_serving(serving, K, num_sats, power, H.device)
    Hc = H.to(torch.complex128)
    cost = _check_cost(power_cost, B, H.device)
    mu0 = cost * _LN2

    def receivers(idx: torch.Tensor, W: torch.Tensor):
        u, omega = _miso_receivers(Hc[idx], W, noise)
        return (u, omega), omega.log()

    def update(idx: torch.Tensor, state, W: torch.Tensor) -> torch.Tensor:
        u, omega = state[0][idx], state[1][idx]
        return _miso_update(Hc[idx], u, omega, alpha[idx], mu0[idx], p, num_sats, power, W,
                            per_sat_sweeps, serve)

    starts = _starts(init, (B, Nt, K), lambda n: _miso_init(n, Hc, p, noise, num_sats, power),
                     p, num_sats, power)
    if serve is not None:
        keep = serving_mask(serve, Nt, num_sats).to(Hc.dtype)
        starts = {n: _project_feasible(W0 * keep, p, num_sats, power, fill=n != "given")
                  for n, W0 in starts.items()}
    runs = {n: _run(receivers, update, W0, alpha, cost, max_iter, tol, return_history)
            for n, W0 in starts.items()}
    W, f, iters, conv, hist, used = _pick_best(runs, list(starts))
    return WMMSEResult(W=W.to(H.dtype), sum_rate=obj.sum_rate(Hc, W, noise),
                       objective=f, iterations=iters, converged=conv, init=used, history=hist)


def wmmse_batch(batch: ChannelBatch, **kwargs) -> WMMSEResult:
    """``wmmse`` on a ChannelBatch, with its conventions: the budget per satellite when
    ``num_sats > 1`` (else total), its noise power and its serving map (coordinated
    beamforming when the scenario has one). ``kwargs``: the other ``wmmse`` options."""
    return wmmse(batch.H, batch.p_max, batch.noise_power, num_sats=batch.num_sats,
                 serving=batch.serving, **kwargs)


def _starts(init: str | torch.Tensor, shape: tuple[int, ...], make, p_max: float,
            num_sats: int, power: str) -> dict[str, torch.Tensor]:
    """Start points by name; a given tensor (shape ``shape``) is checked and made feasible."""
    if torch.is_tensor(init):
        if tuple(init.shape) != shape:
            raise ValueError(f"init must have shape {shape}, got {tuple(init.shape)}")
        if not torch.isfinite(torch.view_as_real(init.to(torch.complex128))).all():
            raise ValueError("init contains NaN or Inf entries")
        W0 = init.to(torch.complex128)
        if W0.dim() == 4:  # MIMO (B, K, Nt, d) -> (B, Nt, K*d)
            W0 = _stack_streams(W0)
        return {"given": _project_feasible(W0, p_max, num_sats, power, fill=False)}
    if init == "best":
        names = list(INITS)
    elif init in INITS:
        names = [init]
    else:
        raise ValueError(f"init must be 'best', one of {INITS} or a tensor, got {init!r}")
    return {n: make(n) for n in names}


# ------------------------------------------------------------------ MIMO (Nr >= 1, d streams)


def _stack_streams(V: torch.Tensor) -> torch.Tensor:
    """(B, K, Nt, d) -> (B, Nt, K*d), user-major columns."""
    B, K, Nt, d = V.shape
    return V.permute(0, 2, 1, 3).reshape(B, Nt, K * d)


def _unstack_streams(W: torch.Tensor, K: int) -> torch.Tensor:
    """(B, Nt, K*d) -> (B, K, Nt, d)."""
    B, Nt, L = W.shape
    return W.reshape(B, Nt, K, L // K).permute(0, 2, 1, 3)


def _mimo_receivers(H: torch.Tensor, W: torch.Tensor, noise: float
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """MMSE receivers U_k = C_k^-1 H_k V_k and weights W_k = E_k^-1 (Shi et al. 2011).

    H (B, K, Nr, Nt), W (B, Nt, K*d) -> U (B, K, Nr, d), Wk (B, K, d, d), rates (B, K) nats.
    W_k = I + X_kᴴ J_k^-1 X_k with X_k = H_k V_k and J_k the interference-plus-noise
    covariance (matrix inversion lemma on E_k = I - U_kᴴ X_k), so no cancellation at high SNR.
    """
    B, K, Nr, Nt = H.shape
    V = _unstack_streams(W, K)
    d = V.shape[-1]
    HV = torch.einsum("bkrn,bjnd->bkjrd", H, V)  # (B, K, K, Nr, d)
    cov = HV @ HV.mH  # (B, K, K, Nr, Nr)
    eye_r = torch.eye(Nr, dtype=H.dtype, device=H.device)
    total = cov.sum(2) + noise * eye_r
    X = torch.diagonal(HV, dim1=1, dim2=2).permute(0, 3, 1, 2)  # (B, K, Nr, d)
    own = torch.diagonal(cov, dim1=1, dim2=2).permute(0, 3, 1, 2)
    J = cov.sum(2) - own + noise * eye_r
    J = 0.5 * (J + J.mH)
    Wk = torch.eye(d, dtype=H.dtype, device=H.device) + X.mH @ torch.linalg.solve(J, X)
    Wk = 0.5 * (Wk + Wk.mH)
    U = torch.linalg.solve(0.5 * (total + total.mH), X)
    rates = torch.linalg.slogdet(Wk)[1]
    return U, Wk, rates


def _mimo_update(H: torch.Tensor, U: torch.Tensor, Wk: torch.Tensor, alpha: torch.Tensor,
                 mu0: torch.Tensor, p_max: float, num_sats: int, power: str, W: torch.Tensor,
                 sweeps: int) -> torch.Tensor:
    """Transmit step (Shi et al. 2011).

    A = Σ_k α_k H_kᴴ U_k W_k U_kᴴ H_k, R_k = α_k H_kᴴ U_k W_k.
    """
    G = U.mH @ H  # (B, K, d, Nt)
    a = alpha.to(H.dtype)[..., None, None]
    A = (G.mH @ (a * Wk) @ G).sum(1)
    A = 0.5 * (A + A.mH)
    R = G.mH @ (a * Wk)  # (B, K, Nt, d)
    return _transmit_update(A, _stack_streams(R), mu0, p_max, num_sats, power, W, sweeps)


def _mimo_init(name: str, H: torch.Tensor, d: int, p_max: float, noise: float, num_sats: int,
               power: str) -> torch.Tensor:
    """MIMO starts (B, Nt, K*d): eigen-MRT (each UT's top-d right singular vectors), RZF on the
    UTs' top-d receive eigenmodes (regulariser K d σ² / P_total), or all ones."""
    B, K, Nr, Nt = H.shape
    Uh, _, Vh = torch.linalg.svd(H, full_matrices=False)
    r = Uh.shape[-1]
    if name == "mrt":
        V = Vh.mH[..., :min(d, r)]
        if V.shape[-1] < d:
            V = torch.cat([V, torch.zeros(B, K, Nt, d - V.shape[-1], dtype=H.dtype,
                                        device=H.device)], -1)
        W = _stack_streams(V)
    elif name == "rzf":
        dd = min(d, r)
        Heff = (Uh[..., :dd].mH @ H).reshape(B, K * dd, Nt)
        p_total = p_max * (num_sats if power == "per_sat" else 1)
        G = Heff @ Heff.mH + (K * dd * noise / p_total) * torch.eye(K * dd, dtype=H.dtype,
                                                                     device=H.device)
        Wr = (Heff.mH @ torch.linalg.inv(G)).reshape(B, Nt, K, dd)
        if dd < d:
            Wr = torch.cat([Wr, torch.zeros(B, Nt, K, d - dd, dtype=H.dtype,
                                             device=H.device)], -1)
        W = Wr.reshape(B, Nt, K * d)
    elif name == "ones":
        W = torch.ones(B, Nt, K * d, dtype=H.dtype, device=H.device)
    else:  # pragma: no cover
        raise ValueError(name)
    return _project_feasible(W, p_max, num_sats, power, fill=True)


def wmmse_mimo(H: torch.Tensor, p_max: float, noise_power: float, *, d: int | None = None,
               weights: torch.Tensor | None = None, num_sats: int = 1, power: str | None = None,
               init: str | torch.Tensor = "best", max_iter: int = 500, tol: float = 1e-6,
               return_history: bool = False, power_cost: float | torch.Tensor = 0.0,
               per_sat_sweeps: int = 1) -> WMMSEMimoResult:
    """WSR WMMSE for multi-antenna users with d streams each (Shi et al. 2011; 004's WMMSE).

    H: (B, K, Nr, Nt) complex; d: streams per user, default min(Nr, Nt). Power, weights,
    init (names, or a (B, K, Nt, d) start), stop rule and power_cost as in ``wmmse``. Rates
    are ``objectives.mimo_user_rates`` (log det with MMSE receivers).

    Returns ``WMMSEMimoResult`` with V (B, K, Nt, d) in H's dtype.
    """
    _check_channel(H, 4, "(B, K, Nr, Nt)")
    p, noise, power = _check_common(H, p_max, noise_power, num_sats, power, max_iter, tol)
    if not isinstance(per_sat_sweeps, int) or per_sat_sweeps < 1:
        raise ValueError(f"per_sat_sweeps must be a positive int, got {per_sat_sweeps!r}")
    B, K, Nr, Nt = H.shape
    if d is None:
        d = min(Nr, Nt)
    if not isinstance(d, int) or not 1 <= d <= Nt:
        raise ValueError(f"d must be an int in [1, Nt={Nt}], got {d!r}")
    alpha = _check_weights(weights, B, K, H.device)
    Hc = H.to(torch.complex128)
    cost = _check_cost(power_cost, B, H.device)
    mu0 = cost * _LN2

    def receivers(idx: torch.Tensor, W: torch.Tensor):
        U, Wk, rates = _mimo_receivers(Hc[idx], W, noise)
        return (U, Wk), rates

    def update(idx: torch.Tensor, state, W: torch.Tensor) -> torch.Tensor:
        return _mimo_update(Hc[idx], state[0][idx], state[1][idx], alpha[idx], mu0[idx], p,
                            num_sats, power, W, per_sat_sweeps)

    starts = _starts(init, (B, K, Nt, d),
                     lambda n: _mimo_init(n, Hc, d, p, noise, num_sats, power),
                     p, num_sats, power)
    runs = {n: _run(receivers, update, W0, alpha, cost, max_iter, tol, return_history)
            for n, W0 in starts.items()}
    W, f, iters, conv, hist, used = _pick_best(runs, list(starts))
    V = _unstack_streams(W, K)
    return WMMSEMimoResult(V=V.to(H.dtype), sum_rate=obj.mimo_user_rates(Hc, V, noise).sum(-1),
                           objective=f, iterations=iters, converged=conv, init=used,
                           history=hist)
