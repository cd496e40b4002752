"""WMMSE (Shi et al. 2011): monotone, converged, feasible, and right where a closed form exists."""

from __future__ import annotations

import math

import pytest
import torch

from spacemimo.model import objectives as obj
from spacemimo.model.batch import serving_mask
from spacemimo.model.wmmse import wmmse, wmmse_mimo


def _rayleigh(*shape: int, seed: int = 0) -> torch.Tensor:
    """i.i.d. CN(0, 1) entries, complex128."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, dtype=torch.complex128, generator=g)


def _mrt(H: torch.Tensor, p: float) -> torch.Tensor:
    """MRT, equal power per user, total power p: (B, Nt, K)."""
    W = H.mH / H.norm(dim=-1).unsqueeze(-2)
    return W * math.sqrt(p / H.shape[1])


def _zf(H: torch.Tensor, p: float) -> torch.Tensor:
    """Zero forcing H^H (H H^H)^-1, common scaling to total power p: (B, Nt, K)."""
    W = H.mH @ torch.linalg.inv(H @ H.mH)
    return W * (p / obj.total_power(W)).sqrt().view(-1, 1, 1)


def _assert_monotone_and_converged(history: torch.Tensor, iterations: torch.Tensor,
                                   converged: torch.Tensor, tol: float) -> None:
    steps = history[1:] - history[:-1]
    assert (steps >= -1e-9 * history[1:].abs()).all(), f"objective fell by {steps.min().item()}"
    assert converged.all()
    last = history[iterations, torch.arange(history.shape[1])]
    before = history[iterations - 1, torch.arange(history.shape[1])]
    assert ((last - before).abs() <= tol * last.abs()).all()


def _waterfilling_capacity(H: torch.Tensor, p: float, noise: float) -> torch.Tensor:
    """Single-user MIMO capacity in bit/s/Hz by water-filling over the singular values: (B,)."""
    out = []
    for g in (torch.linalg.svdvals(H).square() / noise).sort(descending=True).values:
        for m in range(g.numel(), 0, -1):
            level = (p + (1.0 / g[:m]).sum()) / m
            if level > 1.0 / g[m - 1]:
                break
        out.append(torch.log2(level * g[:m]).sum())
    return torch.stack(out)


@pytest.mark.parametrize(("num_sats", "power"), [(1, "total"), (2, "per_sat"), (4, "per_sat")])
def test_miso_wsr_is_monotone_and_converges(num_sats: int, power: str) -> None:
    H = _rayleigh(12, 4, 8)
    tol = 1e-6
    r = wmmse(H, 100.0 / num_sats, 1.0, num_sats=num_sats, power=power, tol=tol,
              return_history=True)
    _assert_monotone_and_converged(r.history, r.iterations, r.converged, tol)
    assert torch.allclose(r.history[r.iterations, torch.arange(12)], r.objective)
    assert torch.allclose(r.objective, obj.sum_rate(H, r.W, 1.0), rtol=1e-12)
    assert torch.allclose(r.sum_rate, r.objective, rtol=1e-12)


@pytest.mark.parametrize(("num_sats", "power"), [(1, "total"), (2, "per_sat")])
def test_mimo_wsr_is_monotone_and_converges(num_sats: int, power: str) -> None:
    H = _rayleigh(6, 3, 2, 8, seed=1)
    tol = 1e-6
    r = wmmse_mimo(H, 10.0, 1.0, num_sats=num_sats, power=power, tol=tol, return_history=True)
    assert r.V.shape == (6, 3, 8, 2)
    _assert_monotone_and_converged(r.history, r.iterations, r.converged, tol)
    assert torch.allclose(r.sum_rate, obj.mimo_user_rates(H, r.V, 1.0).sum(-1), rtol=1e-10)
    assert (obj.power_excess(r.V, 10.0, num_sats) <= 1e-8).all()


def test_total_power_constraint_is_met_and_active() -> None:
    H = _rayleigh(16, 4, 8, seed=2)
    r = wmmse(H, 100.0, 1.0)
    excess = obj.power_excess(r.W, 100.0)
    # WSR grows when every beam is scaled up, so the optimum sits on the budget.
    assert (excess <= 1e-8).all() and (excess >= -1e-8).all()


def test_per_satellite_budgets_hold_and_bind() -> None:
    S, p_sat = 4, 25.0
    H = _rayleigh(16, 4, 8, seed=3)
    r = wmmse(H, p_sat, 1.0, num_sats=S, power="per_sat")
    P = obj.per_satellite_power(r.W, S)
    assert (P <= p_sat * (1 + 1e-8)).all()
    # At a stationary point at least one budget binds (else scaling W up helps every user).
    assert torch.allclose(P.amax(-1), torch.full((16,), p_sat, dtype=P.dtype), rtol=1e-8)


def test_per_satellite_rate_is_at_most_the_pooled_budget_rate() -> None:
    S, p_sat = 2, 50.0
    H = _rayleigh(16, 4, 8, seed=4)
    per_sat = wmmse(H, p_sat, 1.0, num_sats=S, power="per_sat")
    pooled = wmmse(H, S * p_sat, 1.0, num_sats=S, power="total").sum_rate
    assert per_sat.sum_rate.mean() < pooled.mean()
    # WMMSE finds stationary points, so a sample's pooled run may land on a slightly worse one;
    # started from the per-satellite optimum (feasible for the pooled budget) it never does.
    warm = wmmse(H, S * p_sat, 1.0, power="total", init=per_sat.W).sum_rate
    assert (warm >= per_sat.sum_rate - 1e-9).all()
    assert (pooled >= per_sat.sum_rate * (1 - 1e-4)).all()


def _two_cells(B: int, cross: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """H (B, 2*3 users, 2*4 antennas) cell-major, cross-cell links scaled by ``cross``."""
    H = _rayleigh(B, 6, 8, seed=seed)
    serving = torch.arange(2).repeat_interleave(3)
    other = serving[:, None] != torch.arange(2).repeat_interleave(4)[None, :]
    return torch.where(other, H * cross, H), serving


def test_coordinated_beamforming_is_monotone_block_sparse_and_per_bs_feasible() -> None:
    H, serving = _two_cells(10, 1.0, seed=11)
    tol = 1e-8
    r = wmmse(H, 10.0, 1.0, num_sats=2, serving=serving, tol=tol, max_iter=2000,
              return_history=True)
    _assert_monotone_and_converged(r.history, r.iterations, r.converged, tol)
    own = serving_mask(serving, 8, 2)
    assert (r.W[:, ~own] == 0).all()  # BS m beams only to cell m's users (003 P2)
    P = obj.per_satellite_power(r.W, 2)
    assert (P <= 10.0 * (1 + 1e-12)).all()
    assert torch.allclose(r.sum_rate, obj.sum_rate(H, r.W, 1.0), rtol=1e-12)
    # joint transmission (every BS serves every user) contains P2's feasible set: started at
    # the coordinated optimum it can only gain
    joint = wmmse(H, 10.0, 1.0, num_sats=2, init=r.W, tol=tol, max_iter=2000)
    assert (joint.sum_rate >= r.sum_rate - 1e-9).all()
    assert joint.sum_rate.mean() > 1.05 * r.sum_rate.mean()


def test_coordinated_beamforming_without_cross_links_is_two_single_cell_problems() -> None:
    H, serving = _two_cells(6, 0.0, seed=12)
    r = wmmse(H, 5.0, 1.0, num_sats=2, serving=serving, init="rzf", tol=1e-10, max_iter=3000)
    cells = [wmmse(H[:, 3 * m:3 * m + 3, 4 * m:4 * m + 4], 5.0, 1.0, init="rzf", tol=1e-10,
                   max_iter=3000).sum_rate for m in range(2)]
    assert torch.allclose(r.sum_rate, cells[0] + cells[1], rtol=1e-6)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"serving": torch.tensor([0, 1])}, "serving must be"),
    ({"serving": torch.tensor([0.0, 0.0, 1.0, 1.0])}, "serving must be"),
    ({"serving": torch.tensor([0, 0, 1, 2])}, "satellite indices"),
    ({"serving": torch.tensor([0, 0, 1, 1]), "num_sats": 1}, "per-satellite power"),
    ({"serving": torch.tensor([0, 0, 1, 1]), "power": "total"}, "per-satellite power"),
])
def test_bad_serving_raises_value_error(kwargs: dict, message: str) -> None:
    args = {"num_sats": 2} | kwargs
    with pytest.raises(ValueError, match=message):
        wmmse(_rayleigh(2, 4, 4), 1.0, 1.0, **args)


@pytest.mark.parametrize("snr_db", [10.0, 20.0])
def test_wmmse_beats_zf_and_mrt(snr_db: float) -> None:
    p = 10 ** (snr_db / 10)
    H = _rayleigh(32, 4, 8, seed=5)
    r = wmmse(H, p, 1.0)
    for W in (_zf(H, p), _mrt(H, p)):
        assert (r.sum_rate >= obj.sum_rate(H, W, 1.0) - 1e-9).all()


def test_single_user_wmmse_is_full_power_mrt() -> None:
    H = _rayleigh(8, 1, 6, seed=6)
    p = 3.0
    r = wmmse(H, p, 0.5, init="ones")
    capacity = torch.log2(1 + p * H.norm(dim=-1).squeeze(-1).square() / 0.5)
    assert torch.allclose(r.sum_rate, capacity, rtol=1e-9)
    align = (H.squeeze(1) * r.W.squeeze(-1)).sum(-1).abs()  # |h^H w|
    assert torch.allclose(align, H.norm(dim=-1).squeeze(-1) * math.sqrt(p), rtol=1e-9)


@pytest.mark.parametrize("p", [0.5, 10.0, 100.0])
def test_single_user_mimo_reaches_waterfilling_capacity(p: float) -> None:
    H = _rayleigh(10, 1, 4, 6, seed=7)
    r = wmmse_mimo(H, p, 1.0, tol=1e-9, max_iter=3000)
    capacity = _waterfilling_capacity(H[:, 0], p, 1.0)
    assert ((r.sum_rate - capacity).abs() <= 1e-4 * capacity).all()


def test_best_init_keeps_the_best_run_per_sample() -> None:
    H = _rayleigh(16, 4, 8, seed=8)
    best = wmmse(H, 100.0, 1.0, init="best")
    runs = {n: wmmse(H, 100.0, 1.0, init=n) for n in ("mrt", "rzf", "ones")}
    top = torch.stack([r.objective for r in runs.values()]).amax(0)
    assert torch.equal(best.objective, top)
    for b, name in enumerate(best.init):
        assert best.objective[b] == runs[name].objective[b]


def test_batch_samples_are_solved_independently() -> None:
    H = _rayleigh(6, 4, 8, seed=9)
    batch = wmmse(H, 100.0, 1.0, num_sats=2, power="per_sat", init="rzf")
    for b in (0, 3):
        alone = wmmse(H[b:b + 1], 100.0, 1.0, num_sats=2, power="per_sat", init="rzf")
        assert torch.allclose(alone.W[0], batch.W[b], atol=1e-12)
        assert alone.iterations[0] == batch.iterations[b]


def test_zero_weight_user_gets_no_rate_and_dtype_is_kept() -> None:
    H = _rayleigh(4, 3, 6, seed=10).to(torch.complex64)
    r = wmmse(H, 10.0, 1.0, weights=torch.tensor([0.0, 1.0, 2.0]))
    assert r.W.dtype == torch.complex64
    assert r.W[:, :, 0].abs().max() == 0
    rates = obj.user_rates(H.to(torch.complex128), r.W.to(torch.complex128), 1.0)
    assert torch.allclose(r.objective, rates[:, 1] + 2 * rates[:, 2], rtol=1e-5)


def test_power_cost_trades_rate_for_power() -> None:
    H = _rayleigh(8, 4, 8, seed=11)
    free = wmmse(H, 100.0, 1.0, init="rzf")
    costly = wmmse(H, 100.0, 1.0, init="rzf", power_cost=0.2)
    assert (obj.total_power(costly.W) < 100.0 * (1 - 1e-3)).all()
    assert torch.allclose(costly.objective,
                          costly.sum_rate - 0.2 * obj.total_power(costly.W), rtol=1e-12)
    assert (costly.objective >= free.sum_rate - 0.2 * 100.0 - 1e-9).all()


def _nan_H() -> torch.Tensor:
    H = _rayleigh(2, 2, 4)
    H[0, 0, 0] = complex(float("nan"), 0.0)
    return H


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"H": _nan_H()}, "NaN or Inf"),
    ({"H": torch.ones(2, 2, 4)}, "complex"),
    ({"H": _rayleigh(2, 4)}, "shape"),
    ({"p_max": 0.0}, "p_max"),
    ({"p_max": float("inf")}, "p_max"),
    ({"noise_power": -1.0}, "noise_power"),
    ({"num_sats": 3}, "divisible"),
    ({"power": "per_antenna"}, "power"),
    ({"init": "zf"}, "init"),
    ({"init": torch.ones(2, 4, 3, dtype=torch.complex128)}, "init"),
    ({"weights": torch.ones(3)}, "weights"),
    ({"weights": -torch.ones(2)}, "weights"),
    ({"max_iter": 0}, "max_iter"),
    ({"tol": 0.0}, "tol"),
    ({"power_cost": -1.0}, "power_cost"),
])
def test_bad_input_raises_value_error(kwargs: dict, message: str) -> None:
    args = {"H": _rayleigh(2, 2, 4), "p_max": 1.0, "noise_power": 1.0} | kwargs
    H, p, n = args.pop("H"), args.pop("p_max"), args.pop("noise_power")
    with pytest.raises(ValueError, match=message):
        wmmse(H, p, n, **args)


@pytest.mark.parametrize(("H", "kwargs", "message"), [
    (_rayleigh(2, 2, 4), {}, "shape"),
    (_rayleigh(2, 2, 2, 4), {"d": 5}, "d must be"),
    (_rayleigh(2, 2, 2, 4), {"init": torch.ones(2, 2, 4, 1)}, "init"),
])
def test_mimo_bad_input_raises_value_error(H: torch.Tensor, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        wmmse_mimo(H, 1.0, 1.0, **kwargs)
