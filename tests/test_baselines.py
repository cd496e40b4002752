"""Closed-form precoders: exact power, ZF nulls, the MMSE limits, local vs global (GSM 002)."""

from __future__ import annotations

import math

import pytest
import torch

from spacemimo.model import objectives as obj
from spacemimo.model.baselines import (
    CLOSED_FORM,
    mmse,
    mrt,
    normalize_per_sat,
    normalize_total,
    precoder,
    rzf,
    zf,
)
from spacemimo.model.batch import ChannelBatch

POWER_RTOL = 1e-9  # complex128 budgets are met to rounding
NULL_RTOL = 1e-9  # complex128 ZF leakage relative to the wanted gain
NAMES = sorted(CLOSED_FORM)
GAIN_RANGE = (0.2, 1.0)  # per satellite-user large-scale gain: satellites see users unequally


def _rayleigh(*shape: int, seed: int = 0, dtype: torch.dtype = torch.complex128
              ) -> torch.Tensor:
    """i.i.d. CN(0, 1) entries."""
    return torch.randn(*shape, dtype=dtype, generator=torch.Generator().manual_seed(seed))


def _multi_sat(B: int, S: int, M: int, K: int, *, p: float = 1.0, noise: float = 0.1,
               seed: int = 0, dtype: torch.dtype = torch.complex128) -> ChannelBatch:
    """Rayleigh small-scale fading with a per-(user, satellite) large-scale gain: H (B, K, S*M).

    Built directly (no channels module) so these tests pin the precoders, not a channel model.
    """
    g = torch.Generator().manual_seed(seed)
    small = torch.randn(B, K, S, M, dtype=dtype, generator=g)
    lo, hi = GAIN_RANGE
    gain = lo + (hi - lo) * torch.rand(B, K, S, 1, generator=g, dtype=torch.float64)
    H = (small * gain.sqrt().to(dtype)).reshape(B, K, S * M)
    return ChannelBatch(H, p_max=p, noise_power=noise, num_sats=S)


def _cos(A: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """|<a_k, c_k>| / (||a_k|| ||c_k||) per column: (B, K); 1 = same direction up to phase."""
    inner = (A.conj() * C).sum(-2).abs()
    return inner / (A.norm(dim=-2) * C.norm(dim=-2))


def _offdiag_max(G: torch.Tensor) -> torch.Tensor:
    K = G.shape[-1]
    return (G.abs() * (1 - torch.eye(K, dtype=torch.float64))).amax()


# --------------------------------------------------------------------------- ZF nulls


def test_global_zf_nulls_interference_with_equal_gains() -> None:
    H = _rayleigh(16, 4, 8)
    G = H @ zf(H, 2.0)  # G[b, k, j] = h_kᴴ w_j
    gain = torch.diagonal(G, dim1=-2, dim2=-1)
    assert _offdiag_max(G) < NULL_RTOL * gain.abs().amax()
    # common scaling: every user gets the same real positive effective gain
    assert torch.allclose(gain.imag, torch.zeros_like(gain.real), atol=1e-12)
    assert torch.allclose(gain.real, gain.real[:, :1].expand_as(gain.real), rtol=1e-12)
    # per-satellite budgets by common scaling keep the nulls too
    G = H @ zf(H, 2.0, num_sats=2, power="per_sat")
    assert _offdiag_max(G) < NULL_RTOL * G.abs().amax()


@pytest.mark.parametrize(("S", "M", "K"), [(3, 4, 4), (2, 6, 3)])
def test_local_zf_nulls_interference_blockwise_and_in_total(S: int, M: int, K: int) -> None:
    b = _multi_sat(8, S, M, K)
    W = precoder("zf", b, scope="local")
    scale = (b.H @ W).abs().amax()
    assert _offdiag_max(b.H @ W) < NULL_RTOL * scale
    for s in range(S):  # each satellite nulls on its own, from its own CSI
        rows = slice(s * M, (s + 1) * M)
        assert _offdiag_max(b.H[:, :, rows] @ W[:, rows]) < NULL_RTOL * scale


def test_zf_needs_enough_antennas() -> None:
    with pytest.raises(ValueError, match=r"Nt >= K.*Nt=3 < K=4"):
        zf(_rayleigh(2, 4, 3), 1.0)
    b = _multi_sat(2, 2, 3, 4)  # Nt = 6 >= K globally, M = 3 < K locally
    assert precoder("zf", b, scope="global").shape == (2, 6, 4)
    with pytest.raises(ValueError, match=r"local zf needs M >= K.*M=3 < K=4"):
        precoder("zf", b, scope="local")


# --------------------------------------------------------------------------- power


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("scope", "power"), [("local", "per_sat"), ("local", "total"),
                                              ("global", "per_sat"), ("global", "total")])
def test_dispatcher_meets_each_budget_exactly(name: str, scope: str, power: str) -> None:
    S, p = 3, 2.5
    b = _multi_sat(10, S, 4, 3, p=p)
    W = precoder(name, b, scope=scope, power=power)
    per_sat = obj.per_satellite_power(W, S)
    if scope == "local":  # every satellite spends exactly its own budget
        assert torch.allclose(per_sat, torch.full_like(per_sat, p), rtol=POWER_RTOL, atol=0)
    elif power == "per_sat":  # feasible, and the most-loaded satellite is at the budget
        excess = obj.power_excess(W, p, S)
        assert excess.abs().max() < POWER_RTOL
        assert (per_sat < p * (1 - 1e-3)).any(), "common scaling should leave some slack"
    else:  # the whole array spends S·p
        assert obj.power_excess(W, S * p, 1).abs().max() < POWER_RTOL


@pytest.mark.parametrize("fn", [mrt, zf, rzf, mmse])
@pytest.mark.parametrize(("num_sats", "power"), [(1, "total"), (2, "total"), (2, "per_sat")])
def test_functions_meet_their_named_constraint(fn, num_sats: int, power: str) -> None:
    H, p = _rayleigh(6, 3, 8, seed=1), 4.0
    args = (H, p, 0.5) if fn in (rzf, mmse) else (H, p)
    W = fn(*args, num_sats=num_sats, power=power)
    S = num_sats if power == "per_sat" else 1
    assert obj.power_excess(W, p, S).abs().max() < POWER_RTOL


def test_normalize_total_and_per_sat_modes() -> None:
    W = _rayleigh(5, 8, 3, seed=2)
    assert torch.allclose(obj.total_power(normalize_total(W, 3.0)),
                          torch.full((5,), 3.0, dtype=torch.float64), rtol=POWER_RTOL)
    common = normalize_per_sat(W, 2.0, 4, mode="common")
    ratio = common / W  # one real positive factor per sample: directions untouched
    assert torch.allclose(ratio, ratio[:, :1, :1].expand_as(ratio), rtol=1e-12)
    assert obj.power_excess(common, 2.0, 4).abs().max() < POWER_RTOL
    each = normalize_per_sat(W, 2.0, 4, mode="each")
    assert torch.allclose(obj.per_satellite_power(each, 4),
                          torch.full((5, 4), 2.0, dtype=torch.float64), rtol=POWER_RTOL)
    # "each" rescales every satellite block by its own factor, leaving columns' ratios
    # within a block unchanged
    blk = (each / W)[:, :2]
    assert torch.allclose(blk, blk[:, :1, :1].expand_as(blk), rtol=1e-12)


def test_zero_channel_gives_zero_beam_not_nan() -> None:
    H = _rayleigh(2, 3, 4)
    H[0, 1] = 0  # user 1 of sample 0 is in outage
    W = mrt(H, 1.0)
    assert torch.isfinite(torch.view_as_real(W)).all()
    assert W[0, :, 1].abs().max() == 0
    assert obj.power_excess(W, 1.0).abs().max() < POWER_RTOL  # the others share the budget
    Z = normalize_per_sat(torch.zeros(1, 4, 2, dtype=torch.complex128), 1.0, 2, mode="each")
    assert torch.equal(Z, torch.zeros_like(Z))


# --------------------------------------------------------------------------- MMSE limits


def test_mmse_tends_to_zf_at_high_snr() -> None:
    H, p = _rayleigh(64, 4, 6, seed=3), 1.0
    W_zf = zf(H, p)
    gaps, misalign = [], []
    for snr_db in (10.0, 30.0, 50.0):
        noise = p / 10 ** (snr_db / 10)
        W = mmse(H, p, noise)
        ratio = obj.sum_rate(H, W, noise).mean() / obj.sum_rate(H, W_zf, noise).mean()
        gaps.append(abs(ratio.item() - 1))
        misalign.append((1 - _cos(W, W_zf)).amax().item())
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-3
    assert misalign[0] > misalign[1] > misalign[2] and misalign[2] < 1e-6


def test_mmse_tends_to_mrt_directions_at_low_snr() -> None:
    H, p = _rayleigh(64, 4, 6, seed=4), 1.0
    W_mrt = mrt(H, p)
    misalign = []
    for snr_db in (0.0, -20.0, -40.0):
        W = mmse(H, p, p / 10 ** (snr_db / 10))
        misalign.append((1 - _cos(W, W_mrt)).amax().item())
    assert misalign[0] > misalign[1] > misalign[2] and misalign[2] < 1e-6
    assert misalign[0] > 1e-2  # at 0 dB MMSE is still far from MRT


def test_rzf_default_alpha_is_mmse_and_small_alpha_is_zf() -> None:
    H = _rayleigh(4, 3, 6, seed=5)
    assert torch.equal(rzf(H, 2.0, 0.3), mmse(H, 2.0, 0.3))
    K, p_total = 3, 2 * 2.0  # per_sat: α uses the array's total budget S·p
    assert torch.allclose(rzf(H, 2.0, 0.3, num_sats=2, power="per_sat"),
                          rzf(H, 2.0, 0.3, K * 0.3 / p_total, num_sats=2, power="per_sat"))
    assert torch.allclose(rzf(H, 2.0, 0.3, alpha=1e-12), zf(H, 2.0), atol=1e-9)


def test_single_user_all_precoders_are_mrt() -> None:
    H, p = _rayleigh(3, 1, 5, seed=6), 2.0  # K = 1: no interference to trade off
    expected = H.mH / H.norm(dim=-1, keepdim=True) * math.sqrt(p)
    for name in NAMES:
        W = precoder(name, ChannelBatch(H, p, 0.1), scope="global", power="total")
        phase = W[:, :1] / expected[:, :1]  # ZF/RZF may differ by a per-sample phase
        assert torch.allclose(W, expected * phase, atol=1e-12), name
        assert torch.allclose(phase.abs(), torch.ones_like(phase.abs()), atol=1e-12), name


# --------------------------------------------------------------------------- local vs global


@pytest.mark.parametrize("name", ["zf", "mmse"])
def test_global_total_power_beats_local_on_average(name: str) -> None:
    """GSM 002 Figs 7-8: X-Global (total S·p) upper-bounds X-Local."""
    b = _multi_sat(200, 3, 4, 3, p=1.0, noise=0.1, seed=7)
    local = obj.sum_rate(b.H, precoder(name, b, scope="local"), b.noise_power).mean()
    glob = obj.sum_rate(b.H, precoder(name, b, scope="global", power="total"),
                        b.noise_power).mean()
    assert glob > 1.1 * local, (glob.item(), local.item())


@pytest.mark.parametrize("name", NAMES)
def test_single_satellite_local_equals_global(name: str) -> None:
    b = ChannelBatch(_rayleigh(4, 3, 6, seed=8), p_max=1.5, noise_power=0.2, num_sats=1)
    W = precoder(name, b, scope="local", power="per_sat")
    assert torch.equal(W, precoder(name, b, scope="global", power="total"))
    assert torch.equal(W, precoder(name, b, scope="global", power="per_sat"))


def test_local_blocks_only_see_their_own_csi() -> None:
    b = _multi_sat(3, 2, 4, 3, seed=9)
    W = precoder("mmse", b, scope="local")
    H2 = b.H.clone()
    H2[:, :, 4:] = _rayleigh(3, 3, 4, seed=10)  # change satellite 1's channels only
    W2 = precoder("mmse", ChannelBatch(H2, b.p_max, b.noise_power, 2), scope="local")
    assert torch.equal(W[:, :4], W2[:, :4])
    assert not torch.allclose(W[:, 4:], W2[:, 4:])


# --------------------------------------------------------------------------- MRT optimality


@pytest.mark.parametrize("scope", ["global", "local"])
def test_mrt_maximizes_each_users_own_received_power(scope: str) -> None:
    S, M, K, p = 2, 4, 3, 2.0
    b = _multi_sat(4, S, M, K, p=p, seed=11)
    W = precoder("mrt", b, scope=scope, power="total")
    own = torch.diagonal(obj.effective_gains(b.H, W), dim1=-2, dim2=-1)  # (B, K)
    if scope == "global":  # Cauchy-Schwarz bound ||h_k||² · ||w_k||², ||w_k||² = S·p/K
        assert torch.allclose(own, b.H.norm(dim=-1).square() * S * p / K, rtol=1e-12)
    # random precoders with MRT's per-satellite, per-stream powers never do better
    R = _rayleigh(500, 4, S * M, K, seed=12)
    col = W.abs().square().reshape(4, S, M, K).sum(2)  # (B, S, K) power per block and stream
    blk = R.abs().square().reshape(500, 4, S, M, K).sum(3)
    R = R * (col / blk).sqrt().repeat_interleave(M, dim=2).to(R.dtype)
    rand = torch.diagonal(b.H @ R, dim1=-2, dim2=-1).abs().square()  # (500, B, K)
    if scope == "local":  # each satellite's own contribution is what it maximizes
        for s in range(S):
            rows = slice(s * M, (s + 1) * M)
            mine = torch.diagonal(b.H[:, :, rows] @ W[:, rows], dim1=-2, dim2=-1).abs()
            theirs = torch.diagonal(b.H[:, :, rows] @ R[..., rows, :], dim1=-2, dim2=-1)
            assert (theirs.abs() <= mine * (1 + 1e-12)).all()
    else:
        assert (rand <= own * (1 + 1e-12)).all()
        assert rand.amax(0).mean() < own.mean()


# --------------------------------------------------------------------------- dtype, shape


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("scope", ["local", "global"])
def test_complex64_in_complex64_out_shape_and_determinism(name: str, scope: str) -> None:
    b = _multi_sat(5, 2, 4, 3, dtype=torch.complex64, seed=13)
    W = precoder(name, b, scope=scope)
    assert W.dtype == torch.complex64 and W.shape == (5, 8, 3)
    assert torch.equal(W, precoder(name, b, scope=scope))
    assert obj.power_excess(W, b.p_max, 2).abs().max() < 1e-5  # float32 rounding


def test_gradients_flow_through_precoders() -> None:
    H = _rayleigh(3, 3, 6, seed=14).requires_grad_()
    for name in NAMES:
        b = ChannelBatch(H, 1.0, 0.1, num_sats=2)
        obj.sum_rate(H, precoder(name, b, scope="global"), 0.1).sum().backward()
        assert H.grad is not None and torch.isfinite(torch.view_as_real(H.grad)).all(), name
        H.grad = None


# --------------------------------------------------------------------------- bad input


def test_unknown_name_lists_valid_ones() -> None:
    b = _multi_sat(1, 1, 4, 2)
    with pytest.raises(ValueError, match="unknown precoder 'wf'; valid: mmse, mrt, rzf, zf"):
        precoder("wf", b)
    with pytest.raises(ValueError, match="scope must be one of local, global; got 'all'"):
        precoder("mrt", b, scope="all")
    with pytest.raises(ValueError, match="power must be one of total, per_sat"):
        precoder("mrt", b, power="sum")


@pytest.mark.parametrize(("call", "message"), [
    (lambda H: mrt(H.real, 1.0), "complex"),
    (lambda H: mrt(H[0], 1.0), r"\(B, K, Nt\).*shape \(3, 4\)"),
    (lambda H: mrt(H.unsqueeze(2), 1.0), r"shape \(2, 3, 1, 4\)"),
    (lambda H: zf(H.index_fill(1, torch.tensor([1]), float("nan")), 1.0), "NaN or Inf"),
    (lambda H: mrt(H * float("inf"), 1.0), "NaN or Inf"),
    (lambda H: mrt(H, 0.0), "p_max must be positive.*0.0"),
    (lambda H: zf(H, -1.0), "p_max must be positive.*-1.0"),
    (lambda H: mmse(H, 1.0, 0.0), "noise_power must be positive.*0.0"),
    (lambda H: rzf(H, 1.0, float("nan")), "noise_power must be positive.*nan"),
    (lambda H: rzf(H, 1.0, 0.1, alpha=-1.0), "alpha must be positive"),
    (lambda H: mrt(H, 1.0, num_sats=3), "Nt=4 is not divisible by num_sats=3"),
    (lambda H: mrt(H, 1.0, power="per_satellite"), "power must be one of"),
    (lambda H: normalize_total(H[0], 1.0), r"W must be a complex \(B, Nt, K\)"),
    (lambda H: normalize_per_sat(H.mH, 1.0, 2, mode="max"), "mode must be one of"),
])
def test_bad_input_is_rejected_with_a_clear_message(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(_rayleigh(2, 3, 4))


def test_coordinated_precoder_serves_own_cell_at_exact_per_bs_power() -> None:
    from spacemimo.model import channels as ch
    from spacemimo.model.baselines import coordinated_precoder
    from spacemimo.model.batch import serving_mask

    b = ch.multicell(40, seed=3, config=ch.MulticellConfig(num_cells=2, antennas_per_bs=8,
                                                           users_per_cell=3))
    W = coordinated_precoder("mmse", b)
    own = serving_mask(b.serving, b.num_tx, 2)
    assert (W[:, ~own] == 0).all()
    P = obj.per_satellite_power(W, 2)
    assert torch.allclose(P, torch.full_like(P, b.p_max), rtol=1e-5)
    # regularising toward the other cell's users beats beaming blindly (MRT) to its own
    mrt = coordinated_precoder("mrt", b)
    assert obj.sum_rate(b.H, W, b.noise_power).mean() > obj.sum_rate(b.H, mrt,
                                                                      b.noise_power).mean()
    with pytest.raises(ValueError, match="serving BS"):
        coordinated_precoder("mmse", ch.rayleigh(2, seed=0))


def test_multicell_comparison_set_is_coordinated() -> None:
    """A batch with a serving map (003 P2) is compared against coordinated closed forms and
    the coordinated WMMSE — every method beams only from each user's own BS — not the
    joint-transmission local/global schemes of GSM."""
    from spacemimo.model import channels as ch
    from spacemimo.model.batch import serving_mask
    from spacemimo.model.precoder_registry import methods_for

    b = ch.multicell(30, seed=4, config=ch.MulticellConfig(num_cells=2, antennas_per_bs=6,
                                                           users_per_cell=2))
    methods = methods_for(b, {"metric": "sum_rate"})
    assert list(methods) == ["mrt-coordinated", "zf-coordinated", "mmse-coordinated", "wmmse"]
    own = serving_mask(b.serving, b.num_tx, 2)
    rates = {}
    for name, m in methods.items():
        W = m.fn(b)
        assert (W[:, ~own] == 0).all(), name
        rates[name] = obj.sum_rate(b.H, W, b.noise_power).mean().item()
    assert rates["wmmse"] >= rates["mmse-coordinated"] > rates["mrt-coordinated"]
    small = ch.multicell(4, seed=4, config=ch.MulticellConfig(num_cells=2, antennas_per_bs=3,
                                                              users_per_cell=2))
    assert "zf-coordinated" not in methods_for(small, {"metric": "sum_rate"})  # N < M*K
