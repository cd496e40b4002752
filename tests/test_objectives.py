"""Objectives against hand-computed numbers: SINR, rates, power, EE, QoS, gradients, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from spacemimo.model import objectives as obj

NOISE = 0.5


def _rayleigh(*shape: int, seed: int = 0) -> torch.Tensor:
    """i.i.d. CN(0, 1) entries, complex128."""
    return torch.randn(*shape, dtype=torch.complex128,
                       generator=torch.Generator().manual_seed(seed))


def _two_user_case() -> tuple[torch.Tensor, torch.Tensor]:
    """K = 2, Nt = 2: H W = [[1, -0.5], [2, 1]], so |h_kᴴ w_j|² = [[1, 0.25], [4, 1]]."""
    H = torch.tensor([[[1, 1j], [2, 0]]], dtype=torch.complex128)
    W = torch.tensor([[[1, 0.5], [0, 1j]]], dtype=torch.complex128)
    return H, W


# --------------------------------------------------------------------------- SINR and rates


def test_sinr_and_rates_match_hand_computation() -> None:
    H, W = _two_user_case()
    gains = obj.effective_gains(H, W)
    assert torch.allclose(gains, torch.tensor([[[1.0, 0.25], [4.0, 1.0]]], dtype=torch.float64))
    # user 0: 1 / (0.25 + 0.5) = 4/3; user 1: 1 / (4 + 0.5) = 2/9
    expected = torch.tensor([[4 / 3, 2 / 9]], dtype=torch.float64)
    assert torch.allclose(obj.sinr(H, W, NOISE), expected, rtol=1e-14)
    rates = torch.tensor([[math.log2(7 / 3), math.log2(11 / 9)]], dtype=torch.float64)
    assert torch.allclose(obj.user_rates(H, W, NOISE), rates, rtol=1e-14)
    assert torch.allclose(obj.sum_rate(H, W, NOISE), rates.sum(-1), rtol=1e-14)


def test_per_user_noise_tensor() -> None:
    H, W = _two_user_case()
    noise = torch.tensor([[0.75, 0.5]], dtype=torch.float64)
    assert torch.allclose(obj.sinr(H, W, noise),
                          torch.tensor([[1 / 1.0, 1 / 4.5]], dtype=torch.float64))


def test_weighted_sum_rate() -> None:
    H, W = _two_user_case()
    r0, r1 = math.log2(7 / 3), math.log2(11 / 9)
    w = torch.tensor([2.0, 0.5])
    assert obj.sum_rate(H, W, NOISE, weights=w).item() == pytest.approx(2 * r0 + 0.5 * r1,
                                                                        rel=1e-14)
    per_sample = torch.tensor([[0.0, 3.0]])  # (B, K) weights
    assert obj.sum_rate(H, W, NOISE, weights=per_sample).item() == pytest.approx(3 * r1,
                                                                                 rel=1e-14)


def test_mimo_rates_with_one_antenna_one_stream_equal_miso_rates() -> None:
    H, W = _rayleigh(4, 3, 5, seed=1), _rayleigh(4, 5, 3, seed=2)
    V = W.transpose(1, 2).unsqueeze(-1)  # (B, K, Nt, 1)
    assert torch.allclose(obj.mimo_user_rates(H.unsqueeze(2), V, NOISE),
                          obj.user_rates(H, W, NOISE), rtol=1e-10)


def test_mimo_rates_match_a_loop_over_users() -> None:
    H, V = _rayleigh(2, 3, 2, 4, seed=3), _rayleigh(2, 3, 4, 2, seed=4)
    got = obj.mimo_user_rates(H, V, NOISE)
    Hn, Vn = H.numpy(), V.numpy()
    for b in range(2):
        for k in range(3):
            cov = [Hn[b, k] @ Vn[b, j] @ (Hn[b, k] @ Vn[b, j]).conj().T for j in range(3)]
            noise = NOISE * np.eye(2)
            interf = sum(cov[j] for j in range(3) if j != k) + noise
            rate = np.log2(np.linalg.det(np.eye(2) + cov[k] @ np.linalg.inv(interf)).real)
            assert got[b, k].item() == pytest.approx(rate, rel=1e-10)


def test_single_user_mimo_rate_is_log_det() -> None:
    H = torch.diag(torch.tensor([1.0, 2.0], dtype=torch.complex128)).view(1, 1, 2, 2)
    V = torch.eye(2, dtype=torch.complex128).view(1, 1, 2, 2)
    # det(I + diag(1, 4) / 1) = 2 * 5
    assert obj.mimo_user_rates(H, V, 1.0).item() == pytest.approx(math.log2(10), rel=1e-14)


def test_statistical_sinr_is_sinr_of_the_scaled_responses() -> None:
    v, W = _rayleigh(3, 2, 4, seed=5), _rayleigh(3, 4, 2, seed=6)
    gamma = torch.tensor([[1.0, 4.0], [0.5, 2.0], [1.0, 1.0]], dtype=torch.float64)
    H = v * gamma.sqrt().unsqueeze(-1)
    assert torch.allclose(obj.statistical_sinr(v, gamma, W, NOISE), obj.sinr(H, W, NOISE))
    assert torch.allclose(obj.statistical_rate_bound(v, gamma, W, NOISE),
                          obj.user_rates(H, W, NOISE))


# --------------------------------------------------------------------------- power


def test_per_satellite_power_hand_values_and_sum() -> None:
    W = torch.arange(1, 9, dtype=torch.float64).view(1, 4, 2).to(torch.complex128) * 1j
    # rows 0-1 belong to satellite 0: 1+4+9+16 = 30; rows 2-3: 25+36+49+64 = 174
    assert obj.per_satellite_power(W, 2).tolist() == [[30.0, 174.0]]
    assert obj.total_power(W).tolist() == [204.0]
    W3 = _rayleigh(5, 12, 3, seed=7)
    assert torch.allclose(obj.per_satellite_power(W3, 4).sum(-1), obj.total_power(W3))
    V = _rayleigh(5, 3, 12, 2, seed=8)  # (B, K, Nt, d)
    assert torch.allclose(obj.per_satellite_power(V, 3).sum(-1), obj.total_power(V))
    assert torch.allclose(obj.per_satellite_power(V, 3),
                          obj.per_satellite_power(V.permute(0, 2, 1, 3).reshape(5, 12, 6), 3))


def test_power_excess() -> None:
    W = torch.ones(2, 4, 1, dtype=torch.complex128)
    W[1] *= math.sqrt(0.5)  # sample 1 at half power
    assert torch.allclose(obj.power_excess(W, 4.0), torch.tensor([0.0, -0.5], dtype=torch.float64))
    assert torch.allclose(obj.power_excess(W, 1.0, num_sats=4),
                          torch.tensor([0.0, -0.5], dtype=torch.float64))


def test_zhou_power_model_numbers() -> None:
    W = torch.full((1, 4, 2), 0.5, dtype=torch.complex128)  # ||W||² = 8 * 0.25 = 2 W
    # ξ·2 + 4·(0.110 + 0.0193 + 0.014 + 0.005) + 0.0225 + 0.200 = 4 + 0.5932 + 0.2225
    assert obj.ZhouPowerModel(num_tx=4).consumed(W).item() == pytest.approx(4.8157, rel=1e-12)
    # the 64-antenna default with no radiated power is pure circuit power
    zero = torch.zeros(1, 64, 2, dtype=torch.complex128)
    assert obj.ZhouPowerModel().consumed(zero).item() == pytest.approx(9.7137, rel=1e-12)


def test_guo_yang_power_model_numbers() -> None:
    W = torch.full((1, 8, 1), math.sqrt(0.311 / 8), dtype=torch.complex128)  # Tr(WᴴW) = 0.311
    # ρ·0.311 + 8·17.6 + 43.3 = 1 + 140.8 + 43.3 (Guo & Yang sec. V-2, macro BS)
    assert obj.GuoYangPowerModel().consumed(W).item() == pytest.approx(185.1, rel=1e-12)


def test_energy_efficiency_units() -> None:
    rate, power = torch.tensor([10.0, 6.0]), torch.tensor([2.0, 3.0])
    # bit/s/Hz/W without a bandwidth, bit/J with one (Zhou Table I: 20 MHz)
    assert obj.energy_efficiency(rate, power).tolist() == [5.0, 2.0]
    assert obj.energy_efficiency(rate, power, bandwidth_hz=20e6).tolist() == [1e8, 4e7]
    assert torch.isfinite(obj.energy_efficiency(rate, torch.zeros(2))).all()


def test_qos_margin_and_satisfaction_ratio() -> None:
    rates = torch.tensor([[1.0, 2.0], [0.5, 3.0], [1.0 - 1e-9, 1.5]], dtype=torch.float64)
    assert torch.allclose(obj.qos_margin(rates, 1.0), rates - 1.0)
    # Guo & Yang's Table IV CSR counts (sample, user) pairs: one of six fails (the 1-1e-9 user
    # passes within tol); the all-users ratio counts samples instead.
    assert obj.qos_satisfaction_ratio(rates, 1.0) == pytest.approx(5 / 6)
    assert obj.qos_satisfaction_ratio(rates, 1.0, tol=0.0) == pytest.approx(4 / 6)
    assert obj.qos_all_users_ratio(rates, 1.0) == pytest.approx(2 / 3)
    assert obj.qos_all_users_ratio(rates, 1.0, tol=0.0) == pytest.approx(1 / 3)


def test_objective_guards() -> None:
    H = torch.ones(4, 4, 2, dtype=torch.complex128)
    W = torch.ones(4, 2, 4, dtype=torch.complex128)
    with pytest.raises(ValueError, match="scalar or"):
        obj.sinr(H, W, torch.ones(4, dtype=torch.float64))  # (B,) with B == K
    with pytest.raises(ValueError, match="share a dtype"):
        obj.sinr(H, W.to(torch.complex64), 1.0)
    with pytest.raises(ValueError, match="W must be"):
        obj.per_satellite_power(torch.ones(2, 2), 1)
    with pytest.raises(ValueError, match="p_max"):
        obj.power_excess(W, 0.0)
    with pytest.raises(ValueError, match="num_tx"):
        obj.ZhouPowerModel(num_tx=64).consumed(W)


# --------------------------------------------------------------------------- gradients


def test_sum_rate_gradients_are_finite_and_nonzero() -> None:
    H = _rayleigh(3, 2, 4, seed=9).requires_grad_()
    W = _rayleigh(3, 4, 2, seed=10).requires_grad_()
    obj.sum_rate(H, W, NOISE).sum().backward()
    for t in (H, W):
        g = torch.view_as_real(t.grad)
        assert torch.isfinite(g).all() and g.abs().sum() > 0


def test_mimo_rate_gradients_are_finite() -> None:
    V = _rayleigh(2, 2, 4, 2, seed=11).requires_grad_()
    obj.mimo_user_rates(_rayleigh(2, 2, 2, 4, seed=12), V, NOISE).sum().backward()
    assert torch.isfinite(torch.view_as_real(V.grad)).all() and V.grad.abs().sum() > 0


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("call", "message"), [
    (lambda: obj.sinr(_rayleigh(2, 4), _rayleigh(1, 4, 2), NOISE), r"H must be \(B, K, Nt\)"),
    (lambda: obj.sinr(_rayleigh(1, 2, 4), _rayleigh(1, 3, 2), NOISE), r"W must be \(B=1, Nt=4"),
    (lambda: obj.sinr(_rayleigh(1, 2, 4), _rayleigh(1, 4, 3), NOISE), "one column per user"),
    (lambda: obj.sum_rate(_rayleigh(1, 2, 4), _rayleigh(1, 4, 2), NOISE,
                          weights=torch.ones(3)), r"weights must be \(K,\) or \(B, K\)"),
    (lambda: obj.mimo_user_rates(_rayleigh(1, 2, 4), _rayleigh(1, 2, 4, 1), NOISE),
     r"need H \(B, K, Nr, Nt\)"),
    (lambda: obj.mimo_user_rates(_rayleigh(1, 2, 2, 4), _rayleigh(1, 2, 3, 1), NOISE),
     r"and \(1, 2, 3, 1\)"),
    (lambda: obj.per_satellite_power(_rayleigh(1, 6, 2), 4), "Nt=6 is not divisible"),
    (lambda: obj.statistical_sinr(_rayleigh(1, 2, 4), torch.ones(2), _rayleigh(1, 4, 2),
                                  NOISE), r"gamma must be \(B, K\)"),
])
def test_wrong_shapes_raise_a_clear_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
