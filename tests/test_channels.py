"""Channel generators and presets: statistics, shapes, reproducibility and clear errors.

Monte Carlo tolerances are 5 standard errors of the estimated mean (sqrt(Var / n)), so a
correct sampler fails a check with probability < 1e-6.
"""

import math

import numpy as np
import pytest
import torch

from spacemimo.model import channels as ch
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.presets import list_presets, load_preset, preset_config, sample_preset

Z_TOL = 5.0  # standard errors


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", list(ch.SHADOWING))
def test_shadowed_rician_mean_power(name: str) -> None:
    b0, m, omega = ch.SHADOWING[name]
    n = 400_000
    p = ch.shadowed_rician((n,), b0, m, omega, _gen()).abs().pow(2)
    # |f|^2 = A^2 + |Z|^2 + 2 Re(A e^{j phi} Z*): E = 2 b0 + Omega and
    # Var = Omega^2/m + 4 b0^2 + 4 Omega b0 (Nakagami E A^4 = Omega^2 (1 + 1/m)).
    mean = 2 * b0 + omega
    var = omega**2 / m + 4 * b0**2 + 4 * omega * b0
    assert abs(p.mean().item() - mean) < Z_TOL * math.sqrt(var / n)
    assert p.var().item() == pytest.approx(var, rel=0.05)


def test_shadowed_rician_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="m must be"):
        ch.shadowed_rician((4,), 0.1, -1.0, 0.2, _gen())


def test_rayleigh_is_unit_power_and_circular() -> None:
    b = ch.rayleigh(20_000, seed=3, config=ch.RayleighConfig(num_antennas=8, num_users=4))
    h = b.H.to(torch.complex128).flatten()
    n = h.numel()
    assert abs(h.abs().pow(2).mean().item() - 1.0) < Z_TOL * math.sqrt(1.0 / n)
    assert abs(h.mean()).item() < Z_TOL * math.sqrt(1.0 / n)
    # Circular: E[h^2] = 0 (each part of h^2 has variance E|h|^4 / 2 = 1).
    assert abs((h * h).mean()).item() < Z_TOL * math.sqrt(2.0 / n)
    assert h.real.var().item() == pytest.approx(0.5, abs=Z_TOL * math.sqrt(0.5 / n))
    assert b.p_max == 1.0 and b.noise_power == pytest.approx(0.1)


def test_multicell_layout_and_inter_cell_gain() -> None:
    cfg = ch.MulticellConfig(num_cells=3, antennas_per_bs=8, users_per_cell=4,
                             inter_cell_gain_db=-10.0)
    b = ch.multicell(4000, seed=0, config=cfg)
    assert b.H.shape == (4000, 12, 24) and b.num_sats == 3
    assert torch.equal(b.meta["cell_of_user"], torch.arange(3).repeat_interleave(4))
    p = b.H.abs().pow(2).mean(0)
    own, cross = p[:4, :8].mean().item(), p[:4, 8:].mean().item()
    assert own == pytest.approx(1.0, rel=0.03) and cross == pytest.approx(0.1, rel=0.03)
    assert b.local_view().shape == (4000, 3, 12, 8)


def test_zhou_array_response_and_gain_statistics() -> None:
    b = ch.zhou_leo_upa(4000, seed=1)
    v, gamma = b.stats["v"], b.stats["gamma"]
    Nt = 64
    assert torch.allclose(v.abs().pow(2).sum(-1), torch.full(v.shape[:2], float(Nt)), rtol=1e-5)
    assert torch.allclose(v.abs(), torch.ones(v.shape), atol=1e-5)
    # Each row of H is a complex multiple of v_k^H: H[b, k] = conj(g_k) v[b, k].
    g = (b.H * v.conj()).sum(-1) / Nt
    assert torch.allclose(b.H, g[..., None] * v, atol=1e-5 * b.H.abs().max().item())
    # E|g_k|^2 = gamma_k: Rician with K = 10 dB has Var(|g|^2/gamma) = (1 + 2K)/(1 + K)^2.
    ratio = (g.abs().pow(2).double() / gamma).flatten()
    kappa = b.meta["rician_k"]
    var = (1 + 2 * kappa) / (1 + kappa) ** 2
    assert abs(ratio.mean().item() - 1.0) < Z_TOL * math.sqrt(var / ratio.numel())
    assert (b.meta["elevation_deg"] >= 30.0 - 1e-9).all()
    assert b.p_max == pytest.approx(10.0) and b.noise_power == 1.0


def test_upa_response_is_a_kronecker_product() -> None:
    ux, uy = torch.tensor(0.3, dtype=torch.float64), torch.tensor(-0.2, dtype=torch.float64)
    a = ch.upa_response(ux, uy, 4, 3)
    ax = torch.exp(-1j * math.pi * ux * torch.arange(4))
    ay = torch.exp(-1j * math.pi * uy * torch.arange(3))
    assert torch.allclose(a, torch.kron(ax, ay))
    assert ch.upa_response(ux, uy, 4, 3, normalize=True).abs().pow(2).sum().item() == (
        pytest.approx(1.0))


def test_csi_error_has_the_requested_nmse() -> None:
    b = ch.zhou_leo_upa(2000, seed=2, dtype=torch.complex128)
    est = ch.with_csi_error(b, -20.0, seed=5)
    err = (est.H - b.H).abs().pow(2) / b.stats["gamma"][..., None]
    assert err.mean().item() == pytest.approx(0.01, rel=0.02)
    v_err = (est.stats["v"] - b.stats["v"]).abs().pow(2).mean().item()
    assert v_err == pytest.approx(0.01, rel=0.02)
    assert torch.equal(est.stats["gamma"], b.stats["gamma"])
    moved = ch.with_csi_error(b, -60.0, seed=5, angle_std=0.05)
    assert (moved.stats["v"] - b.stats["v"]).abs().mean().item() > 0.1
    with pytest.raises(ValueError, match="single-antenna"):
        ch.with_csi_error(ch.multisat_mimo_stat(1, seed=0), -20.0)


def test_gsm_geometry_link_budget_and_local_view() -> None:
    cfg = ch.GsmConfig()
    b = ch.gsm_space_mimo(500, seed=0, dtype=torch.complex128)
    S, M, K = cfg.num_sats, cfg.antennas_per_sat, cfg.num_users
    assert b.H.shape == (500, K, S * M) and b.num_sats == S and b.noise_power == 1.0
    assert b.p_max == pytest.approx(1.0)  # 0 dBW
    loc = b.local_view()
    assert loc.shape == (500, S, K, M)
    assert torch.equal(loc[:, 2], b.H[:, :, 2 * M:3 * M])
    # Mean per-antenna power matches the link budget times the Shadowed-Rician mean power.
    snr = 10 ** (b.meta["link_snr_db"] / 10)  # (B, S, K) at p_max = 1 W
    power = loc.abs().pow(2).mean(-1)  # (B, S, K)
    assert (power / snr).mean().item() == pytest.approx(1.0, rel=0.03)
    # Gains and angles stay inside the modelled envelope.
    assert (b.meta["beam_gain_db"] <= 52.0 + 1e-9).all()
    assert (b.meta["off_boresight_deg"] < 1.0).all()
    el = b.meta["elevation_deg"]
    assert ((el >= cfg.min_elevation_deg) & (el <= cfg.max_elevation_deg)).all()
    f_max = cfg.carrier_hz * 7.6e3 / 299_792_458.0
    assert (b.meta["doppler_hz"].abs() <= f_max).all()
    assert (b.meta["fspl_db"] >= 174.0).all()


def test_multisat_mimo_structure_and_statistics() -> None:
    cfg = ch.MultisatMimoConfig()
    b = ch.multisat_mimo_stat(200, seed=4, dtype=torch.complex128)
    S, K, M, N = cfg.num_sats, cfg.num_users, 64, 4
    assert b.H.shape == (200, K, N, S * M) and b.num_sats == S
    g, d0, beta = b.stats["g"], b.stats["d0"], b.stats["beta"]
    assert g.shape == (200, K, S, M) and d0.shape == (200, K, S, N)
    assert torch.allclose(g.abs().pow(2).sum(-1), torch.ones(g.shape[:-1], dtype=torch.float64))
    assert torch.allclose(d0.abs().pow(2).sum(-1), torch.ones(d0.shape[:-1],
                                                               dtype=torch.float64))
    Hsk = b.H.reshape(200, K, N, S, M).permute(0, 1, 3, 2, 4)  # (B, K, S, N, M)
    # Rank one per link, with the satellite side along g: H_{s,k} g = d.
    sv = torch.linalg.svdvals(Hsk)
    assert (sv[..., 1] <= 1e-9 * sv[..., 0]).all()
    d = Hsk @ g[..., None]
    assert torch.allclose(Hsk, d @ g.conj()[..., None, :])
    # beta = E Tr(H H^H) = E|d|^2; R_ut has trace beta.
    ratio = d.abs().pow(2).sum((-1, -2)) / beta
    assert ratio.mean().item() == pytest.approx(1.0, rel=0.05)
    tr = torch.diagonal(b.stats["R_ut"], dim1=-2, dim2=-1).sum(-1).real
    assert torch.allclose(tr, beta)
    assert (b.meta["elevation_deg"] > 0).all()


GENERATOR_CASES = [
    ("rayleigh", (4, 8), {}),
    ("multicell", (16, 32), {}),
    ("zhou_leo_upa", (10, 64), {"v": (10, 64), "gamma": (10,)}),
    ("gsm_space_mimo", (4, 16), {}),
    ("multisat_mimo_stat", (6, 4, 128), {"g": (6, 2, 64), "beta": (6, 2)}),
]


@pytest.mark.parametrize(("name", "shape", "stats"), GENERATOR_CASES)
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_generator_shapes_dtypes_and_reproducibility(name: str, shape: tuple, stats: dict,
                                                     dtype: torch.dtype) -> None:
    fn = ch.GENERATORS[name].fn
    torch.manual_seed(1234)
    rng_before = torch.get_rng_state()
    a = fn(3, 7, dtype)
    assert torch.equal(torch.get_rng_state(), rng_before), "generators must not touch global RNG"
    assert isinstance(a, ChannelBatch)
    assert a.H.shape == (3, *shape) and a.H.dtype == dtype
    for key, s in stats.items():
        assert a.stats[key].shape == (3, *s)
    b, c = fn(3, 7, dtype), fn(3, 8, dtype)
    assert torch.equal(a.H, b.H)
    assert all(torch.equal(a.stats[k], b.stats[k]) for k in a.stats)
    assert not torch.equal(a.H, c.H)


@pytest.mark.parametrize("name", list(ch.GENERATORS))
def test_bad_generator_arguments_raise(name: str) -> None:
    spec = ch.GENERATORS[name]
    user_field = next(f for f in ("num_users", "users_per_cell") if f in
                      spec.config.__dataclass_fields__)
    with pytest.raises(ValueError, match=user_field):
        spec.config(**{user_field: -1})
    with pytest.raises(ValueError, match="batch"):
        spec.fn(0, 0)
    with pytest.raises(ValueError, match="seed"):
        spec.fn(2, -1)
    with pytest.raises(ValueError, match="dtype"):
        spec.fn(2, 0, torch.float32)
    with pytest.raises(ValueError, match="unknown .* field"):
        spec.config.from_dict({"not_a_field": 1})


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="shadowing"):
        ch.GsmConfig(shadowing="stormy")
    with pytest.raises(ValueError, match="min_elevation_deg"):
        ch.GsmConfig(min_elevation_deg=80.0, max_elevation_deg=50.0)
    with pytest.raises(ValueError, match="carrier_hz"):
        ch.ZhouConfig(carrier_hz="2e9")  # YAML reads 2e9 (no dot) as a string


# --------------------------------------------------------------------------- presets

EXPECTED_PRESETS = {"gsm_s4_m4_k4", "zhou_upa8x8_k10", "modelgnn_n8_k4", "modelgnn_multicell",
                    "multisat_mimo_s2_m64_n4"}


def test_expected_presets_exist() -> None:
    assert EXPECTED_PRESETS <= set(list_presets())


@pytest.mark.parametrize("name", list_presets())
def test_every_preset_loads_and_samples(name: str) -> None:
    preset = load_preset(name)
    assert preset["generator"] in ch.GENERATORS and preset["description"].strip()
    cfg = preset_config(name)
    assert preset["sweep"]["param"] in cfg.to_dict()
    b = sample_preset(name, 2, 0)
    assert isinstance(b, ChannelBatch) and b.H.dtype == torch.complex64
    assert b.meta["preset"] == name
    # A sweep point changes power or noise only: the fading is the same.
    param, values = preset["sweep"]["param"], preset["sweep"]["values"]
    lo, hi = sample_preset(name, 2, 0, **{param: values[0]}), sample_preset(
        name, 2, 0, **{param: values[-1]})
    assert torch.equal(lo.H, hi.H)
    assert (lo.p_max, lo.noise_power) != (hi.p_max, hi.noise_power)


def test_preset_contents_match_the_papers() -> None:
    gsm = preset_config("gsm_s4_m4_k4")
    assert (gsm.num_sats, gsm.antennas_per_sat, gsm.num_users) == (4, 4, 4)
    assert (gsm.g_max_dbi, gsm.p_max_dbw, gsm.noise_dbm) == (52.0, 0.0, -90.0)
    zhou = preset_config("zhou_upa8x8_k10")
    assert (zhou.nx * zhou.ny, zhou.num_users, zhou.carrier_hz) == (64, 10, 2e9)
    assert load_preset("zhou_upa8x8_k10")["metric"] == "energy_efficiency"
    mc = preset_config("modelgnn_multicell")
    assert (mc.num_cells, mc.antennas_per_bs, mc.users_per_cell, mc.snr_db) == (2, 16, 8, 10.0)


def test_load_preset_returns_a_copy() -> None:
    p = load_preset("modelgnn_n8_k4")
    p["config"]["num_users"] = 99
    assert load_preset("modelgnn_n8_k4")["config"]["num_users"] == 4


def test_preset_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown preset 'nope'.*gsm_s4_m4_k4"):
        load_preset("nope")
    with pytest.raises(ValueError, match="unknown preset"):
        sample_preset("nope", 2, 0)
    with pytest.raises(ValueError, match="unknown override.*bogus"):
        sample_preset("gsm_s4_m4_k4", 2, 0, bogus=1.0)
    with pytest.raises(ValueError, match="num_users"):
        sample_preset("gsm_s4_m4_k4", 2, 0, num_users=-3)


def test_sample_preset_overrides_apply() -> None:
    b = sample_preset("gsm_s4_m4_k4", 2, 0, num_sats=2, p_max_dbw=10.0, dtype=torch.complex128)
    assert b.H.shape == (2, 4, 8) and b.num_sats == 2 and b.H.dtype == torch.complex128
    assert b.p_max == pytest.approx(10.0)
    assert np.isclose(sample_preset("zhou_upa8x8_k10", 1, 0, p_max_dbm=30.0).p_max, 1.0)
