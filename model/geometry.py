"""LEO geometry and link budget: slant range, elevation, path loss, beam gain, orbits, Doppler.

Every function is vectorised and accepts numpy arrays, torch tensors or Python scalars; when any
array argument is a torch tensor the result is a float64 torch tensor, otherwise numpy. The
maths runs in float64 numpy (the Bessel functions come from scipy), so both paths agree exactly.

Frames and units: positions are Earth-centred Cartesian (ECEF or ECI) in metres, velocities in
m/s, angles in degrees at the public boundary, frequencies in Hz. The Earth is a sphere of radius
``EARTH_RADIUS_M`` (the brief's 6371 km), which is what the papers' link budgets assume.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy import special

EARTH_RADIUS_M = 6371.0e3
SPEED_OF_LIGHT = 299_792_458.0
EARTH_MU = 3.986004418e14  # GM of the Earth, m^3/s^2 (circular-orbit speed and period)
EARTH_ROTATION_RATE = 7.2921150e-5  # rad/s, sidereal
BOLTZMANN = 1.380649e-23  # J/K

# GSM 002 eq. for b_k: u = 2.07123 sin(theta)/sin(theta_3dB) puts the half-power point of
# [J1(u)/(2u) + 36 J3(u)/u^3]^2 exactly at theta_3dB (ITU-R S.672 style pattern).
BEAM_U_3DB = 2.07123
BEAM_J3_WEIGHT = 36.0
_SMALL_U = 1e-3  # below this the series of J1(u)/u and J3(u)/u^3 is exact to double precision

ArrayLike = Any


def _to_numpy(*args: ArrayLike) -> tuple[list[np.ndarray], Callable[[np.ndarray], ArrayLike]]:
    """float64 numpy views of the arguments, plus a function that restores the input kind."""
    is_torch = any(torch.is_tensor(a) for a in args)
    out = [a.detach().cpu().double().numpy() if torch.is_tensor(a)
           else np.asarray(a, dtype=np.float64) for a in args]

    def back(x: np.ndarray) -> ArrayLike:
        return torch.from_numpy(np.ascontiguousarray(x)) if is_torch else x

    return out, back


def _check_positive(name: str, x: np.ndarray) -> None:
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {x if x.size < 8 else x.ravel()[:8]}")


def _check_vectors(name: str, x: np.ndarray) -> None:
    if x.ndim == 0 or x.shape[-1] != 3:
        raise ValueError(f"{name} must have a trailing dimension of 3 (x, y, z), got shape "
                         f"{x.shape}")


def slant_range(elevation_deg: ArrayLike, altitude_m: ArrayLike) -> ArrayLike:
    """Distance from a ground UT to a satellite seen at ``elevation_deg``, spherical Earth.

    Law of cosines in the Earth-centre/UT/satellite triangle:
    d = sqrt((R+h)^2 - R^2 cos^2(e)) - R sin(e); d = h at e = 90 deg.
    """
    (e, h), back = _to_numpy(elevation_deg, altitude_m)
    if np.any(e < 0) or np.any(e > 90) or not np.all(np.isfinite(e)):
        raise ValueError("elevation_deg must lie in [0, 90]")
    _check_positive("altitude_m", h)
    er = np.deg2rad(e)
    R = EARTH_RADIUS_M
    return back(np.sqrt((R + h) ** 2 - (R * np.cos(er)) ** 2) - R * np.sin(er))


def elevation_angle(sat_pos: ArrayLike, ut_pos: ArrayLike) -> ArrayLike:
    """Elevation (deg) of satellites above the local horizon of UTs: (..., 3), (..., 3) -> (...).

    The local vertical is the UT's position direction (spherical Earth); negative values mean
    the satellite is below the horizon.
    """
    (s, u), back = _to_numpy(sat_pos, ut_pos)
    _check_vectors("sat_pos", s)
    _check_vectors("ut_pos", u)
    los = s - u
    up = u / np.linalg.norm(u, axis=-1, keepdims=True)
    sin_e = np.sum(los * up, axis=-1) / np.linalg.norm(los, axis=-1)
    return back(np.rad2deg(np.arcsin(np.clip(sin_e, -1.0, 1.0))))


def free_space_path_loss_db(distance_m: ArrayLike, freq_hz: ArrayLike) -> ArrayLike:
    """FSPL = 20 log10(4 pi d / lambda) dB (GSM 002 path-loss coefficient (lambda/(4 pi d))^2).

    600 km at 20 GHz gives 174.03 dB, the figure every GSM link budget starts from.
    """
    (d, f), back = _to_numpy(distance_m, freq_hz)
    _check_positive("distance_m", d)
    _check_positive("freq_hz", f)
    return back(20.0 * np.log10(4.0 * np.pi * d * f / SPEED_OF_LIGHT))


def free_space_gain(distance_m: ArrayLike, freq_hz: ArrayLike) -> ArrayLike:
    """Linear free-space power gain (lambda / (4 pi d))^2 = 10^(-FSPL/10)."""
    (d, f), back = _to_numpy(distance_m, freq_hz)
    _check_positive("distance_m", d)
    _check_positive("freq_hz", f)
    return back((SPEED_OF_LIGHT / (4.0 * np.pi * d * f)) ** 2)


def _bessel_pattern(u: np.ndarray) -> np.ndarray:
    """J1(u)/(2u) + 36 J3(u)/u^3, continuous at u = 0 where it equals 1/4 + 36/48 = 1."""
    u = np.abs(u)
    small = u < _SMALL_U
    us = np.where(small, 1.0, u)  # placeholder keeps the exact branch away from 0/0
    exact = special.jv(1, us) / (2 * us) + BEAM_J3_WEIGHT * special.jv(3, us) / us**3
    # Power series: J1(u)/(2u) = 1/4 - u^2/32 + ..., J3(u)/u^3 = 1/48 - u^2/768 + ...
    u2 = u * u
    series = (0.25 - u2 / 32.0) + BEAM_J3_WEIGHT * (1.0 / 48.0 - u2 / 768.0)
    return np.where(small, series, exact)


def beam_gain(theta_deg: ArrayLike, theta_3db_deg: ArrayLike, g_max: ArrayLike = 1.0
              ) -> ArrayLike:
    """Satellite beam gain G(theta) = Gmax [J1(u)/(2u) + 36 J3(u)/u^3]^2 (linear).

    GSM 002, beam gain factor below eq. (1): u = 2.07123 sin(theta) / sin(theta_3dB), theta the
    angle off the beam centre. G(0) = Gmax and G(theta_3dB) = Gmax/2 (to 0.01 dB).
    ``g_max`` is linear (e.g. 10**(52/10) for 52 dBi).
    """
    (th, th3, g), back = _to_numpy(theta_deg, theta_3db_deg, g_max)
    _check_positive("theta_3db_deg", th3)
    _check_positive("g_max", g)
    u = BEAM_U_3DB * np.sin(np.deg2rad(th)) / np.sin(np.deg2rad(th3))
    return back(g * _bessel_pattern(u) ** 2)


def off_boresight_angle(sat_pos: ArrayLike, boresight: ArrayLike, target_pos: ArrayLike
                        ) -> ArrayLike:
    """Angle (deg) between a satellite's boresight and its line of sight to a target.

    sat_pos, boresight, target_pos: (..., 3), broadcast. ``boresight`` is a direction (need not
    be unit). atan2(|a x b|, a . b) keeps precision at the sub-degree angles of spot beams.
    """
    (s, b, t), back = _to_numpy(sat_pos, boresight, target_pos)
    for name, x in (("sat_pos", s), ("boresight", b), ("target_pos", t)):
        _check_vectors(name, x)
    los = t - s
    cross = np.linalg.norm(np.cross(los, b), axis=-1)
    return back(np.rad2deg(np.arctan2(cross, np.sum(los * b, axis=-1))))


def doppler_shift(sat_pos: ArrayLike, sat_vel: ArrayLike, ut_pos: ArrayLike, freq_hz: ArrayLike,
                  ut_vel: ArrayLike = 0.0) -> ArrayLike:
    """Doppler shift (Hz) of a satellite/UT link: f_c/c times the closing speed.

    nu = (f/c) (v_sat - v_ut) . (r_ut - r_sat)/|r_ut - r_sat|: positive while the satellite
    approaches, zero at the zenith of a pass (velocity perpendicular to the line of sight),
    the nu^sat term of Zhou 000 eq. (1) and 004 eq. (3). Positions (..., 3) in one frame and
    velocities in the same frame.
    """
    (rs, vs, ru, f, vu), back = _to_numpy(sat_pos, sat_vel, ut_pos, freq_hz, ut_vel)
    for name, x in (("sat_pos", rs), ("sat_vel", vs), ("ut_pos", ru)):
        _check_vectors(name, x)
    _check_positive("freq_hz", f)
    los = ru - rs
    los = los / np.linalg.norm(los, axis=-1, keepdims=True)
    return back(f / SPEED_OF_LIGHT * np.sum((vs - vu) * los, axis=-1))


def orbital_speed(altitude_m: ArrayLike) -> ArrayLike:
    """Circular-orbit speed sqrt(mu/(R+h)) in m/s (about 7.56 km/s at 600 km)."""
    (h,), back = _to_numpy(altitude_m)
    _check_positive("altitude_m", h)
    return back(np.sqrt(EARTH_MU / (EARTH_RADIUS_M + h)))


def noise_power_w(bandwidth_hz: float, noise_figure_db: float = 0.0,
                  temperature_k: float = 290.0) -> float:
    """Thermal noise k T B F in watts (004 Table I: F = 7 dB, T = 290 K)."""
    if bandwidth_hz <= 0 or temperature_k <= 0:
        raise ValueError(f"bandwidth_hz and temperature_k must be > 0, got {bandwidth_hz}, "
                         f"{temperature_k}")
    return BOLTZMANN * temperature_k * bandwidth_hz * 10.0 ** (noise_figure_db / 10.0)


def walker_delta(inclination_deg: float, total: int, planes: int, phasing: int,
                 altitude_m: float, t: ArrayLike = 0.0, *, earth_rotation: bool = True
                 ) -> tuple[ArrayLike, ArrayLike]:
    """Positions and velocities of a Walker-Delta constellation i:T/P/F at time(s) ``t``.

    Plane p (0..P-1) has RAAN 360 p/P deg; satellite j (0..T/P-1) of plane p has argument of
    latitude 360 j/(T/P) + 360 F p/T deg at t = 0 and moves at the circular mean motion. With
    ``earth_rotation`` the result is in ECEF (ECI rotated by -w_E t, velocities relative to the
    rotating Earth); without it, in ECI. 004 Table I: 53:1680/28/F at 600 km (F unstated).

    t: scalar or (...,) seconds -> positions, velocities: (..., T, 3) metres and m/s.
    """
    if total < 1 or planes < 1 or total % planes:
        raise ValueError(f"total ({total}) must be a positive multiple of planes ({planes})")
    if not 0 <= phasing < planes:
        raise ValueError(f"phasing must lie in [0, planes-1] = [0, {planes - 1}], got {phasing}")
    if not 0 <= inclination_deg <= 180:
        raise ValueError(f"inclination_deg must lie in [0, 180], got {inclination_deg}")
    if altitude_m <= 0:
        raise ValueError(f"altitude_m must be > 0, got {altitude_m}")
    (tt,), back = _to_numpy(t)
    per_plane = total // planes
    a = EARTH_RADIUS_M + altitude_m
    n = np.sqrt(EARTH_MU / a**3)  # mean motion, rad/s
    inc = np.deg2rad(inclination_deg)
    p = np.repeat(np.arange(planes), per_plane)
    j = np.tile(np.arange(per_plane), planes)
    raan = 2 * np.pi * p / planes
    u0 = 2 * np.pi * j / per_plane + 2 * np.pi * phasing * p / total
    u = u0 + n * tt[..., None]  # (..., T)
    cu, su = np.cos(u), np.sin(u)
    co, so, ci, si = np.cos(raan), np.sin(raan), np.cos(inc), np.sin(inc)
    pos = a * np.stack([co * cu - so * su * ci, so * cu + co * su * ci, su * si], axis=-1)
    vel = a * n * np.stack([-co * su - so * cu * ci, -so * su + co * cu * ci, cu * si], axis=-1)
    if earth_rotation:
        ang = EARTH_ROTATION_RATE * tt[..., None]
        c, s = np.cos(ang), np.sin(ang)

        def rot(x: np.ndarray) -> np.ndarray:  # rotate by -ang about z
            return np.stack([c * x[..., 0] + s * x[..., 1], -s * x[..., 0] + c * x[..., 1],
                             x[..., 2]], axis=-1)

        pos_r = rot(pos)
        omega = np.array([0.0, 0.0, EARTH_ROTATION_RATE])
        vel = rot(vel) - np.cross(omega, pos_r)
        pos = pos_r
    return back(pos), back(vel)


def geodetic_to_ecef(lat_deg: ArrayLike, lon_deg: ArrayLike, altitude_m: ArrayLike = 0.0
                     ) -> ArrayLike:
    """Spherical-Earth latitude/longitude/altitude to Cartesian (..., 3) metres."""
    (la, lo, h), back = _to_numpy(lat_deg, lon_deg, altitude_m)
    la, lo = np.deg2rad(la), np.deg2rad(lo)
    r = EARTH_RADIUS_M + h
    return back(np.stack(np.broadcast_arrays(r * np.cos(la) * np.cos(lo),
                                             r * np.cos(la) * np.sin(lo),
                                             r * np.sin(la)), axis=-1))


def local_enu_basis(pos: ArrayLike) -> tuple[ArrayLike, ArrayLike, ArrayLike]:
    """East, north, up unit vectors (..., 3) at Cartesian positions (..., 3), spherical Earth.

    At the poles east is taken along +y (any horizontal basis is valid there).
    """
    (p,), back = _to_numpy(pos)
    _check_vectors("pos", p)
    up = p / np.linalg.norm(p, axis=-1, keepdims=True)
    z = np.broadcast_to(np.array([0.0, 0.0, 1.0]), up.shape)
    east = np.cross(z, up)
    norm = np.linalg.norm(east, axis=-1, keepdims=True)
    polar = norm[..., 0] < 1e-12
    east = np.where(polar[..., None], np.array([0.0, 1.0, 0.0]), east / np.where(norm > 0, norm,
                                                                                 1.0))
    north = np.cross(up, east)
    return back(east), back(north), back(up)


def satellite_position_from_look(ut_pos: ArrayLike, elevation_deg: ArrayLike,
                                 azimuth_deg: ArrayLike, altitude_m: ArrayLike) -> ArrayLike:
    """Where a satellite at ``altitude_m`` sits when a UT sees it at (elevation, azimuth).

    Azimuth is clockwise from north. ut_pos (..., 3); angles (...) -> (..., 3).
    """
    (u, e, az, h), back = _to_numpy(ut_pos, elevation_deg, azimuth_deg, altitude_m)
    east, north, up = local_enu_basis(u)
    d = slant_range(e, h)
    er, ar = np.deg2rad(e), np.deg2rad(az)
    look = (np.cos(er) * np.sin(ar))[..., None] * east \
        + (np.cos(er) * np.cos(ar))[..., None] * north + np.sin(er)[..., None] * up
    return back(u + d[..., None] * look)


def earth_central_angle(elevation_deg: ArrayLike, altitude_m: ArrayLike) -> ArrayLike:
    """Earth-centre angle (deg) between a UT and the sub-satellite point for a given elevation.

    psi = 90 - e - asin(R cos(e) / (R + h)); the coverage cap of a satellite down to a minimum
    elevation e_min has this angular radius.
    """
    (e, h), back = _to_numpy(elevation_deg, altitude_m)
    if np.any(e < 0) or np.any(e > 90):
        raise ValueError("elevation_deg must lie in [0, 90]")
    _check_positive("altitude_m", h)
    nadir = np.rad2deg(np.arcsin(EARTH_RADIUS_M * np.cos(np.deg2rad(e)) / (EARTH_RADIUS_M + h)))
    return back(90.0 - e - nadir)
