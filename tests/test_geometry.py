"""LEO geometry and link budget: closed forms and the GSM 002 / 004 reference numbers."""

import numpy as np
import pytest
import torch

from spacemimo.model import geometry as geo

R = geo.EARTH_RADIUS_M
H600 = 600e3


def test_fspl_600km_20ghz_nadir_is_174_db() -> None:
    # 20 log10(4 pi 600e3 20e9 / c) = 174.03 dB: the GSM 002 link budget's starting point.
    assert geo.free_space_path_loss_db(H600, 20e9) == pytest.approx(174.0, abs=0.05)
    d = np.array([600e3, 1200e3])
    assert np.allclose(10 * np.log10(geo.free_space_gain(d, 20e9)),
                       -geo.free_space_path_loss_db(d, 20e9))
    # Doubling the distance costs 6.02 dB.
    assert np.diff(geo.free_space_path_loss_db(d, 20e9))[0] == pytest.approx(6.0206, abs=1e-3)


def test_slant_range_closed_forms() -> None:
    assert geo.slant_range(90.0, H600) == pytest.approx(H600, rel=1e-12)
    # Horizon (e = 0): tangent line, d^2 = (R+h)^2 - R^2.
    assert geo.slant_range(0.0, H600) == pytest.approx(np.sqrt((R + H600) ** 2 - R**2), rel=1e-12)
    # Any elevation: law of cosines with the angle 90 + e at the UT.
    e = np.array([10.0, 30.0, 45.0, 70.0])
    d = geo.slant_range(e, H600)
    assert np.allclose((R + H600) ** 2, R**2 + d**2 + 2 * R * d * np.sin(np.deg2rad(e)),
                       rtol=1e-12)
    assert geo.slant_range(30.0, H600) == pytest.approx(1075.088e3, abs=1.0)


def test_elevation_roundtrip_and_zenith() -> None:
    ut = geo.geodetic_to_ecef(20.0, 30.0)
    assert geo.elevation_angle(geo.geodetic_to_ecef(20.0, 30.0, H600), ut) == pytest.approx(90.0)
    e = np.array([15.0, 40.0, 75.0])
    sat = geo.satellite_position_from_look(ut, e, np.array([10.0, 200.0, 300.0]), H600)
    assert np.allclose(geo.elevation_angle(sat, ut), e, atol=1e-9)
    assert np.allclose(np.linalg.norm(sat, axis=-1), R + H600, rtol=1e-12)
    # The coverage-cap angle agrees with the geometry: 0 at zenith, slant range consistent.
    assert geo.earth_central_angle(90.0, H600) == pytest.approx(0.0, abs=1e-12)
    psi = np.deg2rad(geo.earth_central_angle(30.0, H600))
    d_cos = np.sqrt(R**2 + (R + H600) ** 2 - 2 * R * (R + H600) * np.cos(psi))
    assert d_cos == pytest.approx(geo.slant_range(30.0, H600), rel=1e-10)


def test_beam_gain_boresight_and_3db_point() -> None:
    g_max = 10 ** (52 / 10)
    assert geo.beam_gain(0.0, 0.4, g_max) == pytest.approx(g_max, rel=1e-12)
    half = geo.beam_gain(0.4, 0.4, g_max) / g_max
    assert 10 * np.log10(half) == pytest.approx(-3.0103, abs=0.01)
    # Continuous across the small-u series switch and decreasing inside the main lobe.
    th = np.linspace(0.0, 0.4, 2001)
    g = geo.beam_gain(th, 0.4)
    assert np.all(np.diff(g) < 1e-12)
    assert np.all(np.abs(np.diff(g)) < 1e-3)


def test_geometry_accepts_torch_and_returns_torch() -> None:
    out = geo.beam_gain(torch.tensor([0.0, 0.4]), 0.4)
    assert torch.is_tensor(out) and out.dtype == torch.float64
    assert torch.allclose(out, torch.tensor([1.0, 0.5], dtype=torch.float64), atol=1e-4)
    assert torch.is_tensor(geo.slant_range(torch.tensor(90.0), H600))


def test_off_boresight_angle() -> None:
    sat = np.array([0.0, 0.0, R + H600])
    nadir = np.array([0.0, 0.0, -1.0])
    ut = np.array([H600 * np.tan(np.deg2rad(0.3)), 0.0, R])
    assert geo.off_boresight_angle(sat, nadir, ut) == pytest.approx(0.3, rel=1e-9)
    assert geo.off_boresight_angle(sat, nadir, np.array([0.0, 0.0, R])) == pytest.approx(0.0)


def test_walker_delta_counts_radius_and_planes() -> None:
    inc, T, P, F = 53.0, 1680, 28, 1
    pos, vel = geo.walker_delta(inc, T, P, F, H600, 0.0, earth_rotation=False)
    assert pos.shape == (T, 3) and vel.shape == (T, 3)
    assert np.allclose(np.linalg.norm(pos, axis=-1), R + H600, rtol=1e-12)
    assert np.allclose(np.linalg.norm(vel, axis=-1), geo.orbital_speed(H600), rtol=1e-12)
    normal = np.cross(pos, vel)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    assert np.allclose(np.rad2deg(np.arccos(normal[:, 2])), inc)
    raan = np.rad2deg(np.arctan2(normal[:, 0], -normal[:, 1])) % 360
    per_plane = T // P
    plane_raan = raan[::per_plane]
    assert np.allclose(np.diff(plane_raan), 360.0 / P)
    wrapped = (raan.reshape(P, per_plane) - plane_raan[:, None] + 180.0) % 360.0 - 180.0
    assert np.allclose(wrapped, 0.0, atol=1e-9)
    # In-plane spacing 360/(T/P); phasing offsets plane p by 360 F p / T.
    u = np.rad2deg(np.arctan2(pos[:, 2] / np.sin(np.deg2rad(inc)),
                              pos[:, 0] * np.cos(np.deg2rad(raan))
                              + pos[:, 1] * np.sin(np.deg2rad(raan))))
    assert (u[1] - u[0]) % 360 == pytest.approx(360.0 / per_plane)
    assert (u[per_plane] - u[0]) % 360 == pytest.approx(360.0 * F / T)


def test_walker_delta_time_axis_and_earth_rotation() -> None:
    t = np.array([0.0, 60.0, 600.0])
    pos, vel = geo.walker_delta(53.0, 24, 3, 1, H600, t)
    assert pos.shape == (3, 24, 3)
    assert np.allclose(np.linalg.norm(pos, axis=-1), R + H600)
    # ECEF velocity = inertial velocity minus the Earth's rotation at that point.
    v_inertial = geo.orbital_speed(H600)
    assert np.all(np.abs(np.linalg.norm(vel, axis=-1) - v_inertial)
                  <= geo.EARTH_ROTATION_RATE * (R + H600) + 1e-6)


def test_doppler_zero_at_zenith_and_positive_when_approaching() -> None:
    f = 20e9
    ut = np.array([0.0, 0.0, R])
    v = geo.orbital_speed(H600)
    sat = np.array([0.0, 0.0, R + H600])
    east, _, _ = geo.local_enu_basis(ut)
    vel = v * east  # overhead, moving east: the zenith of a pass
    assert geo.doppler_shift(sat, vel, ut, f) == pytest.approx(0.0, abs=1e-6)
    behind = geo.satellite_position_from_look(ut, 30.0, 270.0, H600)  # west, moving east
    ahead = geo.satellite_position_from_look(ut, 30.0, 90.0, H600)
    approaching = geo.doppler_shift(behind, vel, ut, f)
    receding = geo.doppler_shift(ahead, vel, ut, f)
    assert approaching > 0 > receding
    assert approaching <= f * v / geo.SPEED_OF_LIGHT


def test_noise_power_is_kTB() -> None:
    assert 10 * np.log10(geo.noise_power_w(1.0) * 1e3) == pytest.approx(-173.98, abs=0.01)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: geo.slant_range(95.0, H600), "elevation_deg"),
    (lambda: geo.slant_range(30.0, -1.0), "altitude_m"),
    (lambda: geo.free_space_path_loss_db(0.0, 20e9), "distance_m"),
    (lambda: geo.beam_gain(0.1, 0.0), "theta_3db_deg"),
    (lambda: geo.walker_delta(53.0, 100, 28, 1, H600), "multiple"),
    (lambda: geo.walker_delta(53.0, 1680, 28, 28, H600), "phasing"),
    (lambda: geo.elevation_angle(np.zeros(2), np.ones(3)), "sat_pos"),
])
def test_bad_inputs_raise_clear_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
