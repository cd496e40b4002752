"""EE baselines: Dinkelbach-WMMSE (Zhou 000 Alg. 2) and EE with QoS (Guo & Yang 003 Table IV)."""

from __future__ import annotations

import math

import pytest
import torch

from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.energy_efficiency import (
    affine_power,
    dinkelbach_wmmse,
    ee_qos_dinkelbach,
    min_power_qos,
)
from spacemimo.model.wmmse import wmmse

BW = 20e6  # Zhou Table I bandwidth, Hz


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _zhou_batch(B: int, K: int, Nt: int, p_max: float, seed: int = 0) -> ChannelBatch:
    """Statistical CSI in Zhou's form: ULA responses v_k and gains γ_k; H one fading draw."""
    g = _gen(seed)
    theta = torch.rand(B, K, 1, generator=g, dtype=torch.float64) * math.pi - math.pi / 2
    n = torch.arange(Nt, dtype=torch.float64)
    v = torch.exp(1j * math.pi * n * torch.sin(theta))  # rows as in H (conjugated responses)
    gamma = 0.1 * (0.5 + torch.rand(B, K, generator=g, dtype=torch.float64))
    fading = torch.randn(B, K, 1, generator=g, dtype=torch.complex128)
    H = fading * gamma.sqrt().unsqueeze(-1) * v
    return ChannelBatch(H, p_max, 1.0, stats={"v": v, "gamma": gamma})


def _rayleigh(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.complex128, generator=_gen(seed))


def _stat_channel(b: ChannelBatch) -> torch.Tensor:
    return b.stats["gamma"].sqrt().unsqueeze(-1) * b.stats["v"]


@pytest.fixture(scope="module")
def zhou() -> tuple[ChannelBatch, obj.ZhouPowerModel, object]:
    b = _zhou_batch(8, 4, 16, p_max=10.0)
    pm = obj.ZhouPowerModel(num_tx=16)
    return b, pm, dinkelbach_wmmse(b, power_model=pm, bandwidth_hz=BW)


def test_dinkelbach_beats_max_power_wmmse_and_every_scaled_mrt(zhou) -> None:
    b, pm, r = zhou
    Hs = _stat_channel(b)
    assert r.csi == "statistical"
    ee_of = lambda W: obj.energy_efficiency(obj.sum_rate(Hs, W, 1.0), pm.consumed(W), BW)  # noqa: E731
    full = wmmse(Hs, b.p_max, 1.0).W
    assert (r.ee >= ee_of(full) * (1 - 1e-9)).all()
    mrt = Hs.mH / Hs.norm(dim=-1).unsqueeze(-2) / 2.0  # unit total power, K = 4
    for p in torch.linspace(0.02, 1.0, 25).tolist():
        assert (r.ee >= ee_of(mrt * math.sqrt(p * b.p_max))).all(), p


def test_dinkelbach_converges_monotonically(zhou) -> None:
    _, _, r = zhou
    assert r.converged.all()
    last = r.f_history[r.iterations - 1, torch.arange(8)]
    assert (last.abs() <= 1e-5 * BW * r.rate).all()  # Zhou sec. V threshold, relative
    assert (r.f_history[1:] >= -1e-9 * BW * r.rate).all()  # F(ρ_n) >= 0 after the ρ_0 = 0 step
    assert (r.rho_history[1:] >= r.rho_history[:-1]).all()  # EE never decreases


def test_dinkelbach_power_budget_and_units(zhou) -> None:
    b, pm, r = zhou
    assert (obj.power_excess(r.W, b.p_max) <= 1e-8).all()
    # EE is interior here (circuit power ~2.6 W, slope ξ = 2): not everything goes to 10 W.
    assert (obj.total_power(r.W) < b.p_max * 0.99).any()
    rate = obj.statistical_rate_bound(b.stats["v"], b.stats["gamma"], r.W, 1.0).sum(-1)
    assert torch.allclose(r.rate, rate, rtol=1e-12)
    assert torch.allclose(r.ee, BW * rate / pm.consumed(r.W), rtol=1e-12)  # bit/J
    assert 1e5 < r.ee.mean() < 1e9
    # The problem is bandwidth-invariant, so EE scales with B_w.
    r1 = dinkelbach_wmmse(b, power_model=pm, bandwidth_hz=1.0)
    assert torch.allclose(r.ee, BW * r1.ee, rtol=1e-6)


def test_tight_budget_is_spent_in_full() -> None:
    b = _zhou_batch(4, 4, 16, p_max=0.05, seed=1)
    r = dinkelbach_wmmse(b, power_model=obj.ZhouPowerModel(num_tx=16), bandwidth_hz=BW)
    assert torch.allclose(obj.total_power(r.W), torch.full((4,), 0.05, dtype=torch.float64),
                          rtol=1e-8)


def test_instantaneous_mode_is_the_statistical_solver_on_h() -> None:
    b = _zhou_batch(4, 3, 8, p_max=5.0, seed=2)
    pm = obj.ZhouPowerModel(num_tx=8)
    stat = dinkelbach_wmmse(b, power_model=pm)
    same = ChannelBatch(_stat_channel(b), 5.0, 1.0)
    inst = dinkelbach_wmmse(same, power_model=pm)
    assert inst.csi == "instantaneous"
    assert torch.allclose(inst.W, stat.W, atol=1e-10) and torch.allclose(inst.ee, stat.ee)
    forced = dinkelbach_wmmse(b, power_model=pm, csi="instantaneous")
    assert torch.allclose(forced.rate, obj.sum_rate(b.H, forced.W, 1.0))


def test_min_power_qos_meets_targets_at_least_power() -> None:
    H = _rayleigh(6, 1, 5, seed=3)
    r = min_power_qos(H, 0.5, 3.0)
    assert r.feasible.all()
    assert torch.allclose(r.power, 3.0 * 0.5 / H.norm(dim=-1).squeeze(-1).square(), rtol=1e-9)
    H = _rayleigh(6, 4, 8, seed=4)
    r = min_power_qos(H, 1.0, 7.0)
    assert r.feasible.all() and r.converged.all()
    assert torch.allclose(obj.sinr(H, r.W, 1.0), torch.full((6, 4), 7.0, dtype=torch.float64),
                          rtol=1e-8)
    # Scaling the min-power solution down breaks a target; ZF needs at least as much power.
    assert (obj.sinr(H, r.W * 0.999, 1.0) < 7.0).any(-1).all()
    Wzf = H.mH @ torch.linalg.inv(H @ H.mH)
    zf_power = 7.0 * (Wzf.abs().square().sum(1)).sum(-1)  # ZF meets SINR = 7 with this power
    assert (r.power <= zf_power * (1 + 1e-9)).all()


def test_min_power_qos_detects_infeasible_targets() -> None:
    H = _rayleigh(3, 4, 2, seed=5)  # four users, two antennas, 30 dB each: impossible
    r = min_power_qos(H, 1.0, 1000.0, max_iter=500)
    assert not r.feasible.any() and torch.isinf(r.power).all()


@pytest.fixture(scope="module")
def guo_yang() -> tuple[torch.Tensor, obj.GuoYangPowerModel]:
    return _rayleigh(10, 4, 8, seed=6), obj.GuoYangPowerModel(num_tx=8)


def test_ee_qos_without_floor_is_plain_dinkelbach(guo_yang) -> None:
    H, pm = guo_yang
    q = ee_qos_dinkelbach(H, 1000.0, 1.0, 0.0, power_model=pm)
    d = dinkelbach_wmmse(ChannelBatch(H, 1000.0, 1.0), power_model=pm)
    assert torch.allclose(q.ee, d.ee, rtol=1e-4)
    assert q.qos_met.all() and q.qos_satisfaction == q.all_users_satisfaction == 1.0


@pytest.mark.parametrize(("p_max", "noise", "r_min"), [(1000.0, 1.0, 5.0), (10.0, 1.0, 3.0)])
def test_ee_qos_is_feasible_wherever_qos_can_be_met(guo_yang, p_max: float, noise: float,
                                                     r_min: float) -> None:
    H, pm = guo_yang
    q = ee_qos_dinkelbach(H, p_max, noise, r_min, power_model=pm)
    assert q.feasible.any()
    assert torch.equal(q.qos_met, q.feasible)
    assert (obj.power_excess(q.W, p_max) <= 1e-8).all()
    assert q.qos_satisfaction == pytest.approx(obj.qos_satisfaction_ratio(q.rates, r_min, 1e-6))
    assert q.all_users_satisfaction == pytest.approx(q.feasible.double().mean().item())
    assert q.qos_satisfaction >= q.all_users_satisfaction
    # At least as good as the exact minimum-power QoS precoder it starts from, and as WMMSE
    # at full power where that meets the QoS.
    mp = min_power_qos(H, noise, 2.0 ** r_min - 1.0)
    ee_mp = obj.energy_efficiency(obj.sum_rate(H, mp.W, noise), pm.consumed(mp.W))
    assert (q.ee[q.feasible] >= ee_mp[q.feasible] * (1 - 1e-9)).all()
    W = wmmse(H, p_max, noise).W
    rates = obj.user_rates(H, W, noise)
    ok = (rates >= r_min).all(-1)
    ee_w = obj.energy_efficiency(rates.sum(-1), pm.consumed(W))
    assert (q.ee[ok] >= ee_w[ok] * (1 - 1e-9)).all()
    assert torch.allclose(q.ee, obj.energy_efficiency(q.rates.sum(-1), pm.consumed(q.W)))


def test_affine_power_reads_the_paper_models() -> None:
    assert affine_power(obj.ZhouPowerModel(num_tx=4), 4, 2) == pytest.approx(
        (2.0, 4 * (0.110 + 0.0193 + 0.014 + 0.005) + 0.0225 + 0.200))
    assert affine_power(obj.GuoYangPowerModel(num_tx=8), 8, 4) == pytest.approx(
        (1 / 0.311, 8 * 17.6 + 43.3))


class _Quadratic:
    def consumed(self, W: torch.Tensor) -> torch.Tensor:
        return obj.total_power(W).square() + 1.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: dinkelbach_wmmse(ChannelBatch(_rayleigh(2, 2, 4), 1.0, 1.0), csi="statistical"),
     "stats"),
    (lambda: dinkelbach_wmmse(ChannelBatch(_rayleigh(2, 2, 4), 1.0, 1.0), csi="perfect"),
     "csi"),
    (lambda: dinkelbach_wmmse(ChannelBatch(_rayleigh(2, 2, 2, 4), 1.0, 1.0)), "single-antenna"),
    (lambda: dinkelbach_wmmse(ChannelBatch(_rayleigh(2, 2, 4), 1.0, 1.0),
                              power_model=_Quadratic()), "affine"),
    (lambda: dinkelbach_wmmse(ChannelBatch(_rayleigh(2, 2, 4), 1.0, 1.0), bandwidth_hz=0.0),
     "bandwidth"),
    (lambda: dinkelbach_wmmse(ChannelBatch(_rayleigh(2, 2, 4), 1.0, 1.0),
                              power_model=obj.ZhouPowerModel()), "num_tx"),
    (lambda: ee_qos_dinkelbach(_rayleigh(2, 2, 4), 1.0, 1.0, -1.0), "r_min"),
    (lambda: ee_qos_dinkelbach(_rayleigh(2, 2, 4), 0.0, 1.0, 1.0), "p_max"),
    (lambda: ee_qos_dinkelbach(torch.ones(2, 2, 4), 1.0, 1.0, 1.0), "complex"),
    (lambda: min_power_qos(_rayleigh(2, 2, 4), 1.0, 0.0), "sinr_target"),
])
def test_bad_input_raises_value_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
