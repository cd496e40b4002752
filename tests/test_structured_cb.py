"""The learned optimal-structure coordinated beamforming net (model/structured_cb.py): the
structure it starts from, its symmetries, its outputs' support and power, bad input, and that
training moves it above the closed-form coordinated MMSE it starts at."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch, serving_mask
from spacemimo.model.nets import StructuredCbConfig, StructuredCoordinatedNet, build_net
from spacemimo.model.structured_cb import BUDGET_LOGIT0, structured_beams
from spacemimo.model.train import (
    Objective,
    evaluate_net,
    load_experiment,
    train,
    validation_batch,
)


def _H(B: int, M: int, N: int, K: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(B, M * K, M * N, dtype=torch.complex128, generator=g)


def _random_net(seed: int = 0, **cfg: object) -> StructuredCoordinatedNet:
    """A float64 net whose zero-initialised last layers are randomised, so every refinement
    step acts (an untrained net would hide asymmetries in the MLPs)."""
    torch.manual_seed(seed)
    net = StructuredCoordinatedNet(StructuredCbConfig(**cfg)).double()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(0.3 * torch.randn_like(p))
    return net


def test_untrained_net_is_each_bs_mmse_toward_every_user() -> None:
    """λ = 1, μ_m = K, equal powers in the SNR-scaled channel, written out per BS and user."""
    M, N, K, P, noise = 2, 5, 3, 2.0, 0.5
    H = _H(3, M, N, K, seed=1)
    W = StructuredCoordinatedNet().double()(ChannelBatch(H, P, noise, num_sats=M))
    Hs = H * math.sqrt(P / noise)
    ref = torch.zeros_like(W)
    for b in range(H.shape[0]):
        for m in range(M):
            rows = slice(m * N, (m + 1) * N)
            Hm = Hs[b, :, rows]  # (M*K, N), rows h_{j,m}^H
            R = Hm.mH @ Hm + K * torch.eye(N, dtype=H.dtype)
            for k in range(m * K, (m + 1) * K):
                v = torch.linalg.solve(R, Hm[k].conj())
                ref[b, rows, k] = v / v.norm()
            ref[b, rows] *= math.sqrt(P) / ref[b, rows].norm()
    torch.testing.assert_close(W, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("M, N, K", [(2, 4, 2), (3, 3, 2), (1, 6, 3)])
def test_support_and_exact_power_per_bs(M: int, N: int, K: int) -> None:
    H = _H(4, M, N, K)
    W = _random_net()(ChannelBatch(H, 3.0, 1.0, num_sats=M))
    serving = torch.arange(M).repeat_interleave(K)
    assert torch.all(W[:, ~serving_mask(serving, M * N, M)] == 0)
    power = W.abs().square().view(4, M, N, M * K).sum((2, 3))
    torch.testing.assert_close(power, torch.full_like(power, 3.0))


def test_equivariant_to_antennas_users_and_cells() -> None:
    """Permuting a BS's antennas, a cell's users or the cells permutes W the same way."""
    M, N, K = 3, 4, 2
    H = _H(2, M, N, K, seed=2)
    net = _random_net(seed=3)

    def run(Hx: torch.Tensor) -> torch.Tensor:
        return net(ChannelBatch(Hx, 1.0, 0.1, num_sats=M))

    W = run(H)
    ant = torch.arange(M * N)
    ant[N:2 * N] = ant[N:2 * N].flip(0)  # antennas of BS 1
    usr = torch.arange(M * K)
    usr[2 * K:] = usr[2 * K:].flip(0)  # users of cell 2
    cells = torch.tensor([2, 0, 1])  # cell order
    cant = (cells[:, None] * N + torch.arange(N)).reshape(-1)
    cusr = (cells[:, None] * K + torch.arange(K)).reshape(-1)
    for pu, pa in ((torch.arange(M * K), ant), (usr, torch.arange(M * N)), (cusr, cant)):
        torch.testing.assert_close(run(H[:, pu][:, :, pa]), W[:, pa][:, :, pu],
                                   rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("M, N, K", [(2, 3, 2), (2, 5, 2), (1, 6, 2)],
                         ids=["antenna_solve", "user_solve", "one_cell_user_solve"])
def test_matches_structured_beams_for_given_parameters(M: int, N: int, K: int) -> None:
    """``structured_beams`` with per-user λ, p and per-BS μ against the per-BS formula, both
    when it solves the N x N system (M·K >= N) and the M·K x M·K one (push-through)."""
    H = _H(1, M, N, K, seed=4)
    g = torch.Generator().manual_seed(5)
    lam, p = torch.rand(1, M * K, generator=g) + 0.1, torch.rand(1, M * K, generator=g)
    mu = torch.rand(1, M, generator=g) + 0.5
    W = structured_beams(H, lam.double(), mu.double(), p.double(), M)
    for m in range(M):
        Hm = H[0, :, m * N:(m + 1) * N]
        R = Hm.mH @ torch.diag(lam[0].to(H.dtype)) @ Hm + mu[0, m] * torch.eye(N,
                                                                               dtype=H.dtype)
        for k in range(m * K, (m + 1) * K):
            v = torch.linalg.solve(R, Hm[k].conj())
            torch.testing.assert_close(W[0, m * N:(m + 1) * N, k],
                                       v / v.norm() * p[0, k].double().sqrt())


def test_bad_input_and_config() -> None:
    net = StructuredCoordinatedNet()
    with pytest.raises(ValueError, match="split evenly"):
        net(ChannelBatch(_H(1, 1, 8, 5).to(torch.complex64), 1.0, 1.0, num_sats=2))
    H = _H(1, 2, 4, 2).to(torch.complex64)
    H[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite|NaN"):
        net(ChannelBatch(H, 1.0, 1.0, num_sats=2))
    with pytest.raises(ValueError, match="p_max"):
        net(H)
    with pytest.raises(ValueError, match="iterations"):
        StructuredCbConfig(iterations=0)
    with pytest.raises(ValueError, match="hidden"):
        StructuredCbConfig(hidden=())


def test_training_beats_the_coordinated_mmse_start(tmp_path: Path) -> None:
    """A short run on loaded cells (2 cells, 4 antennas and 3 users each, 10 dB), where
    the start (each BS's MMSE toward every user) is far from WMMSE: the learned weights and
    powers must gain clearly (measured: 8.11 -> 12.62 bit/s/Hz, +56 %, in 150 steps)."""
    exp = load_experiment({
        "name": "tiny_scb", "net": "structured_cb", "net_overrides": {"hidden": [32, 32]},
        "scenario": "multicell", "seed": 0,
        "scenario_overrides": {"num_cells": 2, "antennas_per_bs": 4, "users_per_cell": 3},
        "train": {"steps": 150, "batch_size": 100, "lr": 0.003, "eval_every": 50,
                  "eval_samples": 100, "threads": 1}})
    torch.manual_seed(exp.seed)
    start = build_net(exp.net, exp.net_overrides)
    before = evaluate_net(start, Objective(exp), validation_batch(exp))["sum_rate"]
    res = train(exp, tmp_path, progress=False, write_results=False)
    after = max(r["val_sum_rate"] for r in res.history)
    assert after > 1.3 * before
    b = validation_batch(exp)
    with torch.no_grad():
        rate = obj.sum_rate(b.H, res.net(b), b.noise_power).mean().item()
    assert math.isfinite(rate) and rate > before


def test_degenerate_channels_stay_finite_with_finite_gradients() -> None:
    """A user with no channel, an all-zero sample and a 80 dB stronger one: outputs and
    gradients stay finite (the regulariser keeps every solve well posed), the live samples
    keep exact per-BS power."""
    net = _random_net(seed=6).float()
    H = _H(3, 2, 4, 4).to(torch.complex64)
    H[0, 2] = 0
    H[1] = 0
    H[2] *= 1e4
    W = net(ChannelBatch(H, 1.0, 1.0, num_sats=2))
    assert torch.isfinite(torch.view_as_real(W)).all()
    power = W.detach().abs().square().view(3, 2, 4, 8).sum((2, 3))
    torch.testing.assert_close(power[[0, 2]], torch.ones(2, 2))
    obj.sum_rate(H, W, 1.0).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)


def test_learned_budget_radiates_a_fraction_of_p_max() -> None:
    """budget "learned" (energy efficiency): untrained, every BS radiates sigmoid(3) of p_max
    and otherwise the exact-budget beams; trained weights move each BS's fraction in (0, 1)."""
    H = _H(3, 2, 4, 2)
    b = ChannelBatch(H, 2.0, 1.0, num_sats=2)
    exact = StructuredCoordinatedNet().double()(b)
    learned = StructuredCoordinatedNet(StructuredCbConfig(budget="learned")).double()(b)
    frac = 1.0 / (1.0 + math.exp(-BUDGET_LOGIT0))
    torch.testing.assert_close(learned, exact * math.sqrt(frac))
    W = _random_net(seed=7, budget="learned")(b)
    power = W.abs().square().view(3, 2, 4, 4).sum((2, 3))
    assert torch.all(power < 2.0) and torch.all(power > 0)
    assert not torch.allclose(power, power[:1, :1].expand_as(power))  # per sample and BS
    with pytest.raises(ValueError, match="budget"):
        StructuredCbConfig(budget="project")


@pytest.mark.parametrize("M, N, K, budget", [(1, 8, 4, "exact"), (1, 16, 5, "learned"),
                                              (2, 6, 2, "exact"), (3, 8, 2, "learned"),
                                              (2, 3, 2, "exact")],
                         ids=["one_cell", "one_cell_learned", "two_cells", "three_cells_learned",
                              "antenna_solve_fallback"])
def test_fast_inference_path_equals_forward(M: int, N: int, K: int, budget: str) -> None:
    """``infer`` (Gram-matrix features, Cholesky inverses) gives the forward's beams: to
    1e-10 in float64, to float rounding in float32 (as the Table II timings use it)."""
    H = _H(6, M, N, K, seed=8)
    b = ChannelBatch(H, 2.0, 0.5, num_sats=M)
    net = _random_net(seed=9, budget=budget)
    with torch.no_grad():
        ref = net(b)
    torch.testing.assert_close(net.infer(b), ref, rtol=1e-10, atol=1e-12)
    net32, b32 = net.float(), ChannelBatch(H.to(torch.complex64), 2.0, 0.5, num_sats=M)
    with torch.no_grad():
        ref32 = net32(b32)
    W = net32.infer(b32)
    assert W.dtype == torch.complex64
    torch.testing.assert_close(W, ref32, rtol=1e-4, atol=1e-4 * ref32.abs().max().item())


def test_fast_inference_path_on_degenerate_channels() -> None:
    """A silent user, an all-zero sample and one 80 dB stronger: ``infer`` stays finite, keeps
    exact per-BS power on the live samples and equals the forward there."""
    net = _random_net(seed=6)
    H = _H(3, 1, 8, 4)
    H[0, 2] = 0
    H[1] = 0
    H[2] *= 1e4
    b = ChannelBatch(H, 1.0, 1.0)
    W = net.infer(b)
    assert torch.isfinite(torch.view_as_real(W)).all()
    power = W.abs().square().sum((1, 2))
    torch.testing.assert_close(power[[0, 2]], torch.ones(2, dtype=power.dtype))
    with torch.no_grad():
        torch.testing.assert_close(W[[0, 2]], net(b)[[0, 2]], rtol=1e-8, atol=1e-10)
    with pytest.raises(ValueError, match="finite|NaN"):
        H[0, 0, 0] = float("nan")
        net.infer(b)
