"""Seeded, batched channel generators for the papers' settings; each returns a ``ChannelBatch``.

Every generator has the signature ``gen(batch, seed=0, dtype=torch.complex64, config=None)``:
it draws from its own ``torch.Generator`` (never the global RNG), so the same seed gives the
same channels bit for bit. Geometry is computed in float64 numpy (``model.geometry``) from
torch-drawn uniforms. Each config is a frozen dataclass whose defaults are the paper's setting
and which is built from a YAML dict with ``Config.from_dict`` (unknown keys -> ValueError).

Link-budget scenarios (Zhou 000, GSM 002, 004) normalise H by sqrt(noise power) and return
``noise_power = 1`` with ``p_max`` in watts, so the SNR of a precoder W is ``|H W|^2``
directly and the numbers stay O(1) in float32.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import torch

from spacemimo.model import geometry as geo
from spacemimo.model.batch import ChannelBatch

DEFAULT_DTYPE = torch.complex64
_DTYPES = (torch.complex64, torch.complex128)
_REAL = torch.float64  # all sampling and geometry runs in double precision, then casts
P_MAX_UNIT = 1.0  # Guo & Yang: SNR = P_max / sigma0^2 with P_max = 1
KM = 1e3
SIDEREAL_DAY_S = 2 * math.pi / geo.EARTH_ROTATION_RATE


# --------------------------------------------------------------------------- helpers


def _db(x: float) -> float:
    return 10.0 ** (x / 10.0)


def dbm_to_w(dbm: float) -> float:
    """Power in dBm to watts."""
    return 10.0 ** ((dbm - 30.0) / 10.0)


def _check_common(batch: int, seed: int, dtype: torch.dtype) -> torch.Generator:
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch must be a positive int, got {batch!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
    return torch.Generator().manual_seed(int(seed))


def _rand(gen: torch.Generator, *shape: int) -> np.ndarray:
    """U[0, 1) float64 numpy array drawn from ``gen``."""
    return torch.rand(*shape, generator=gen, dtype=_REAL).numpy()


def complex_normal(shape: tuple[int, ...], generator: torch.Generator, var: float = 1.0
                   ) -> torch.Tensor:
    """CN(0, var) samples, complex128: real and imaginary parts each N(0, var/2)."""
    re = torch.randn(*shape, 2, generator=generator, dtype=_REAL)
    return torch.view_as_complex(re * math.sqrt(var / 2.0))


def _uniform_phase(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    phi = torch.rand(*shape, generator=generator, dtype=_REAL) * (2 * math.pi)
    return torch.polar(torch.ones_like(phi), phi)


@dataclass(frozen=True)
class ChannelConfig:
    """Base for generator configs: construction from a YAML dict and validation helpers."""

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ChannelConfig:
        """Build from a dict (e.g. a preset's ``config:`` block); unknown keys -> ValueError."""
        data = dict(data or {})
        valid = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - valid)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} field(s) {', '.join(unknown)}; valid: "
                             f"{', '.join(sorted(valid))}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _positive_ints(self, *names: str) -> None:
        for n in names:
            v = getattr(self, n)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{type(self).__name__}.{n} must be a positive int, got {v!r}")

    def _positive(self, *names: str) -> None:
        for n in names:
            v = getattr(self, n)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"{type(self).__name__}.{n} must be a finite number > 0, "
                                 f"got {v!r}")

    def _finite(self, *names: str) -> None:
        for n in names:
            v = getattr(self, n)
            if not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise ValueError(f"{type(self).__name__}.{n} must be a finite number, got {v!r}")


# --------------------------------------------------------------------------- building blocks


def shadowed_rician(shape: tuple[int, ...], b0: float, m: float, omega: float,
                    generator: torch.Generator, dtype: torch.dtype = torch.complex128
                    ) -> torch.Tensor:
    """Shadowed-Rician fading f = A e^{j phi} + Z (Abdi et al. 2003; GSM 002 eq. for f).

    A (LoS amplitude) is Nakagami-m with E[A^2] = omega, sampled as sqrt(Gamma(m, omega/m));
    phi is uniform (the LoS phase is deterministic per link in Abdi's model but unknown to us,
    so it is drawn once per entry); Z ~ CN(0, 2 b0) is the scatter. E|f|^2 = 2 b0 + omega.
    Returns ``shape`` complex (complex128 default).
    """
    for name, v in (("b0", b0), ("m", m), ("omega", omega)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
    shape = tuple(int(s) for s in shape)
    alpha = torch.full(shape, float(m), dtype=_REAL)
    # torch._standard_gamma is the only Gamma sampler that takes a Generator (Gamma(m, 1)).
    power = torch._standard_gamma(alpha, generator=generator) * (omega / m)
    los = power.sqrt() * _uniform_phase(shape, generator)
    return (los + complex_normal(shape, generator, 2.0 * b0)).to(dtype)


# Abdi, Lau, Alouini, Kaveh, IEEE TWC 2003 (Table III, Loo-model fits) as quoted across the
# LMS literature: (b0, m, Omega). Another "average" set, (0.126, 10.1, 0.835), also appears.
SHADOWING: dict[str, tuple[float, float, float]] = {
    "light": (0.158, 19.4, 1.29),
    "average": (0.251, 5.21, 0.278),
    "heavy": (0.063, 0.739, 8.97e-4),
}


def upa_response(ux: torch.Tensor, uy: torch.Tensor, nx: int, ny: int, *,
                 normalize: bool = False) -> torch.Tensor:
    """Half-wavelength UPA array response a_nx(ux) kron a_ny(uy), complex128 (..., nx*ny).

    a_n(x) = [1, e^{-j pi x}, ..., e^{-j pi (n-1) x}] (Zhou 000 via You et al. [7]; 004 eq.
    (4)-(5)); ux, uy are the direction cosines along the array axes (the "space angles"
    sin(theta) cos(phi) and cos(theta) of 004 eq. (4)). Element (ix, iy) sits at ix*ny + iy.
    |a|^2 = nx*ny, or 1 with ``normalize`` (004 defines a with 1/sqrt(n)).
    """
    if nx < 1 or ny < 1:
        raise ValueError(f"nx and ny must be >= 1, got {nx}, {ny}")
    ux, uy = torch.as_tensor(ux, dtype=_REAL), torch.as_tensor(uy, dtype=_REAL)
    ix = torch.arange(nx, dtype=_REAL)
    iy = torch.arange(ny, dtype=_REAL)
    phase = -math.pi * (ux[..., None, None] * ix[:, None] + uy[..., None, None] * iy[None, :])
    a = torch.polar(torch.ones_like(phase), phase).flatten(-2)
    return a / math.sqrt(nx * ny) if normalize else a


def _cap_points(center: np.ndarray, psi_max_rad: float | np.ndarray, n: int,
                gen: torch.Generator) -> np.ndarray:
    """n points uniform (by area) on the Earth's surface within ``psi_max_rad`` of ``center``.

    center: (B, 3) Cartesian -> (B, n, 3) metres.
    """
    B = center.shape[0]
    cos_psi = 1.0 - _rand(gen, B, n) * (1.0 - np.cos(psi_max_rad))
    alpha = 2 * np.pi * _rand(gen, B, n)
    sin_psi = np.sqrt(np.clip(1.0 - cos_psi**2, 0.0, None))
    east, north, up = geo.local_enu_basis(center)
    d = (cos_psi[..., None] * up[:, None] + (sin_psi * np.cos(alpha))[..., None] * east[:, None]
         + (sin_psi * np.sin(alpha))[..., None] * north[:, None])
    return geo.EARTH_RADIUS_M * d


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))


# --------------------------------------------------------------------------- Guo & Yang 003


@dataclass(frozen=True)
class RayleighConfig(ChannelConfig):
    """Guo & Yang 003 Sec. IV-A: i.i.d. CN(0, 1) single-cell MISO, Tables II-IV (N=8, K=4)."""

    num_antennas: int = 8
    num_users: int = 4
    snr_db: float = 10.0

    def __post_init__(self) -> None:
        self._positive_ints("num_antennas", "num_users")
        self._finite("snr_db")


def rayleigh(batch: int, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE,
             config: RayleighConfig | None = None) -> ChannelBatch:
    """H: (B, K, N) i.i.d. CN(0, 1); p_max = 1 W and noise_power = 10^(-SNR/10).

    Guo & Yang define SNR = P_max / sigma0^2 (Sec. IV-B, H' = H sqrt(P_max/sigma0^2)).
    """
    cfg = config or RayleighConfig()
    gen = _check_common(batch, seed, dtype)
    H = complex_normal((batch, cfg.num_users, cfg.num_antennas), gen).to(dtype)
    return ChannelBatch(H, p_max=P_MAX_UNIT, noise_power=P_MAX_UNIT / _db(cfg.snr_db),
                        meta={"scenario": "rayleigh", "config": cfg.to_dict()})


@dataclass(frozen=True)
class MulticellConfig(ChannelConfig):
    """Guo & Yang 003 Sec. III-E / IV-C (Table V): M cells, N antennas per BS, K users per cell.

    The paper draws every entry CN(0, 1) (Sec. IV-A) and gives no path-loss model for Table V,
    so ``inter_cell_gain_db = 0`` is the paper setting; a negative value weakens the
    cross-cell links for experiments.
    """

    num_cells: int = 2
    antennas_per_bs: int = 16
    users_per_cell: int = 8
    snr_db: float = 10.0
    inter_cell_gain_db: float = 0.0

    def __post_init__(self) -> None:
        self._positive_ints("num_cells", "antennas_per_bs", "users_per_cell")
        self._finite("snr_db", "inter_cell_gain_db")


def multicell(batch: int, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE,
              config: MulticellConfig | None = None) -> ChannelBatch:
    """Coordinated-beamforming channels H: (B, M*K, M*N), cell-major users and antennas.

    User ``m*K + k`` is UE k of cell m; antennas ``[m*N, (m+1)*N)`` belong to BS m, so
    ``num_sats = M`` reuses the per-satellite machinery as per-BS power (Guo & Yang P2:
    Tr(V_m^H V_m) <= P_max for every m) and ``local_view()`` gives each BS its own columns.
    meta['cell_of_user']: (M*K,) long.
    """
    cfg = config or MulticellConfig()
    gen = _check_common(batch, seed, dtype)
    M, N, K = cfg.num_cells, cfg.antennas_per_bs, cfg.users_per_cell
    H = complex_normal((batch, M * K, M * N), gen)
    cell_u = torch.arange(M).repeat_interleave(K)
    cell_a = torch.arange(M).repeat_interleave(N)
    cross = cell_u[:, None] != cell_a[None, :]
    H = torch.where(cross, H * math.sqrt(_db(cfg.inter_cell_gain_db)), H).to(dtype)
    return ChannelBatch(H, p_max=P_MAX_UNIT, noise_power=P_MAX_UNIT / _db(cfg.snr_db),
                        num_sats=M, meta={"scenario": "multicell", "config": cfg.to_dict(),
                                          "cell_of_user": cell_u})


# --------------------------------------------------------------------------- Zhou 000


@dataclass(frozen=True)
class ZhouConfig(ChannelConfig):
    """Zhou et al. 000 Table I (8x8 UPA, K=10, 2 GHz, 20 MHz, P_max = 10 W = 40 dBm).

    Zhou gives no orbit, antenna gains, noise figure, Rician factor or UT distribution; those
    defaults are taken from the same group's 004 Table I (600 km, 6 dBi per satellite element,
    0 dBi UT, F = 7 dB, T = 290 K) and from You et al. [7] (Rician g_k, UTs spread over the
    satellite's coverage). ``min_elevation_deg`` bounds that coverage cap and ``rician_k_db``
    is an assumption (Zhou and [7] leave K to the scenario).

    Check against the paper: with these defaults and the Zhou power model of
    ``objectives.ZhouPowerModel``, Dinkelbach-WMMSE reaches a median EE of about 1.4 Mbit/J at
    40 dBm (Zhou Fig. 10 peaks at 1.3-1.4 Mbit/J); a 10 deg coverage edge gives about 0.9.
    """

    nx: int = 8
    ny: int = 8
    num_users: int = 10
    carrier_hz: float = 2.0e9
    bandwidth_hz: float = 20.0e6
    p_max_dbm: float = 40.0
    altitude_km: float = 600.0
    min_elevation_deg: float = 30.0
    sat_element_gain_dbi: float = 6.0
    ut_gain_dbi: float = 0.0
    noise_figure_db: float = 7.0
    noise_temperature_k: float = 290.0
    rician_k_db: float = 10.0

    def __post_init__(self) -> None:
        self._positive_ints("nx", "ny", "num_users")
        self._positive("carrier_hz", "bandwidth_hz", "altitude_km", "noise_temperature_k")
        self._finite("p_max_dbm", "sat_element_gain_dbi", "ut_gain_dbi", "noise_figure_db",
                     "rician_k_db")
        if not 0.0 <= self.min_elevation_deg < 90.0:
            raise ValueError(f"ZhouConfig.min_elevation_deg must lie in [0, 90), got "
                             f"{self.min_elevation_deg}")


def zhou_leo_upa(batch: int, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE,
                 config: ZhouConfig | None = None) -> ChannelBatch:
    """Zhou 000 eq. (2): h_k = g_k v_k, one satellite with an Nx x Ny UPA, K single-antenna UTs.

    Geometry: the UPA faces nadir with its x axis along the velocity; UTs are uniform by area
    in the cap where the satellite's elevation is >= ``min_elevation_deg``. v_k is the UPA
    response (|v_k|^2 = Nt) at the UT's direction cosines (space angles) u_x, u_y. g_k is Rician
    (You et al. [7]): sqrt(gamma k/(k+1)) e^{j phi} + sqrt(gamma/(k+1)) CN(0,1), with
    gamma_k = E|g_k|^2 = G_sat G_ut (lambda/(4 pi d_k))^2 / (k T B F). The Doppler/delay phase
    of eq. (2) is absorbed into g_k's uniform phase.

    Returns H: (B, K, Nt) with rows h_k^H (so the SINR is Zhou eq. (7) on ``H @ W``), p_max in W,
    noise_power = 1 (H normalised by sqrt(kTBF)); stats['v']: (B, K, Nt) the conjugated array
    responses v_k^H in the same row convention (H[b, k] = conj(g_k) v[b, k]) and
    stats['gamma']: (B, K) float64 (noise-normalised); meta: elevations, slant ranges, space
    angles, Doppler.
    """
    cfg = config or ZhouConfig()
    gen = _check_common(batch, seed, dtype)
    B, K, h = batch, cfg.num_users, cfg.altitude_km * KM
    # Sub-satellite point on +z; the satellite moves along +x at the circular-orbit speed.
    center = np.broadcast_to(np.array([0.0, 0.0, geo.EARTH_RADIUS_M]), (B, 3))
    psi_max = np.deg2rad(geo.earth_central_angle(cfg.min_elevation_deg, h))
    ut = _cap_points(center, psi_max, K, gen)  # (B, K, 3)
    sat = np.array([0.0, 0.0, geo.EARTH_RADIUS_M + h])
    los = ut - sat
    dist = np.linalg.norm(los, axis=-1)
    ux, uy = los[..., 0] / dist, los[..., 1] / dist  # body x = +x, body y = +y
    elev = geo.elevation_angle(sat, ut)
    vel = np.array([geo.orbital_speed(h), 0.0, 0.0])
    doppler = geo.doppler_shift(sat, vel, ut, cfg.carrier_hz)

    noise_w = geo.noise_power_w(cfg.bandwidth_hz, cfg.noise_figure_db, cfg.noise_temperature_k)
    gamma = (_db(cfg.sat_element_gain_dbi + cfg.ut_gain_dbi)
             * geo.free_space_gain(dist, cfg.carrier_hz) / noise_w)
    gamma_t = _t(gamma)
    kappa = _db(cfg.rician_k_db)
    g = (torch.sqrt(gamma_t * kappa / (kappa + 1)) * _uniform_phase((B, K), gen)
         + complex_normal((B, K), gen) * torch.sqrt(gamma_t / (kappa + 1)))
    v_row = upa_response(_t(ux), _t(uy), cfg.nx, cfg.ny).conj().resolve_conj()  # v_k^H
    H = (g.conj()[..., None] * v_row).to(dtype)
    meta = {"scenario": "zhou_leo_upa", "config": cfg.to_dict(), "nx": cfg.nx, "ny": cfg.ny,
            "elevation_deg": _t(elev), "slant_range_m": _t(dist), "space_angle_x": _t(ux),
            "space_angle_y": _t(uy), "doppler_hz": _t(doppler), "noise_power_w": noise_w,
            "rician_k": kappa, "bandwidth_hz": cfg.bandwidth_hz}
    return ChannelBatch(H, p_max=dbm_to_w(cfg.p_max_dbm), noise_power=1.0,
                        stats={"v": v_row.to(dtype), "gamma": gamma_t}, meta=meta)


def with_csi_error(batch: ChannelBatch, error_db: float, seed: int = 0, *,
                   angle_std: float = 0.0) -> ChannelBatch:
    """The transmitter's imperfect estimate of ``batch`` (Zhou 000 Fig. 13 robustness study).

    Zhou sweeps a "channel estimation error" in dBW from -30 dBW up without defining it further;
    on noise-normalised channels an absolute power is meaningless, so it is read as the error
    variance relative to the channel's per-entry power (an NMSE, sigma^2 = 10^(error_db/10)):

    - H_hat = H + e, e ~ CN(0, sigma^2 E|h_kn|^2), E|h_kn|^2 = gamma_k when stats carry it,
      else user k's mean |H|^2 in the sample;
    - statistical CSI: v_hat = v + CN(0, sigma^2) per entry (|v_n| = 1), gamma unchanged;
      with ``angle_std`` > 0 the space angles are also perturbed by N(0, angle_std^2)
      (direction-cosine units, the AoD error of Zhou's [10]) before v is rebuilt.

    Returns a new ChannelBatch (same p_max/noise); the true batch is the argument. Precoders
    are designed on the result and scored on the original.
    """
    if not math.isfinite(error_db):
        raise ValueError(f"error_db must be finite, got {error_db}")
    if angle_std < 0 or not math.isfinite(angle_std):
        raise ValueError(f"angle_std must be >= 0, got {angle_std}")
    if batch.H.dim() != 3:
        raise ValueError(f"with_csi_error needs single-antenna users H (B, K, Nt), got "
                         f"{tuple(batch.H.shape)}")
    gen = _check_common(1, seed, batch.H.dtype)
    sigma2 = _db(error_db)
    B, K, Nt = batch.H.shape
    if "gamma" in batch.stats:
        power = batch.stats["gamma"].to(_REAL)
    else:
        power = batch.H.to(torch.complex128).abs().pow(2).mean(dim=(0, 2)).expand(B, K)
    e = complex_normal((B, K, Nt), gen) * torch.sqrt(sigma2 * power)[..., None]
    H_hat = (batch.H.to(torch.complex128) + e).to(batch.H.dtype)
    stats = dict(batch.stats)
    if "v" in stats:
        v = stats["v"].to(torch.complex128)
        if angle_std > 0:
            if not {"space_angle_x", "space_angle_y", "nx", "ny"} <= set(batch.meta):
                raise ValueError("angle_std needs meta space_angle_x/y and nx/ny "
                                 "(a zhou_leo_upa batch)")
            ux = batch.meta["space_angle_x"] + angle_std * torch.randn(B, K, generator=gen,
                                                                       dtype=_REAL)
            uy = batch.meta["space_angle_y"] + angle_std * torch.randn(B, K, generator=gen,
                                                                       dtype=_REAL)
            v = upa_response(ux, uy, batch.meta["nx"], batch.meta["ny"]).conj().resolve_conj()
        v = v + complex_normal(v.shape, gen, sigma2)
        stats["v"] = v.to(batch.stats["v"].dtype)
    meta = dict(batch.meta, csi_error_db=error_db, csi_angle_std=angle_std)
    return ChannelBatch(H_hat, p_max=batch.p_max, noise_power=batch.noise_power,
                        num_sats=batch.num_sats, stats=stats, meta=meta)


# --------------------------------------------------------------------------- GSM 002


@dataclass(frozen=True)
class GsmConfig(ChannelConfig):
    """GSM 002 Sec. V-A1 Table I: S = 4 satellites x M = 4 antennas, K = 4 UTs, 600 km, 20 GHz,
    Gmax = 52 dBi, 0 dBW per satellite, -90 dBm noise, 50 MHz.

    Lost in the text conversion and chosen here: theta_3dB = 0.4 deg (the value used with this
    Bessel pattern across the satellite-terrestrial literature), the shadowing set ("average",
    Abdi et al. 2003), a 0 dBi handheld UT (direct-to-cell), and the placement (UTs uniform in
    a ``cell_radius_km`` disc that every satellite's beam centre points at; satellites seen
    from the cell centre at uniform azimuth and elevation in [min, max]).
    """

    num_sats: int = 4
    antennas_per_sat: int = 4
    num_users: int = 4
    altitude_km: float = 600.0
    carrier_hz: float = 20.0e9
    g_max_dbi: float = 52.0
    ut_gain_dbi: float = 0.0
    p_max_dbw: float = 0.0
    noise_dbm: float = -90.0
    bandwidth_hz: float = 50.0e6
    theta_3db_deg: float = 0.4
    shadowing: str = "average"
    cell_radius_km: float = 4.0
    min_elevation_deg: float = 40.0
    max_elevation_deg: float = 90.0

    def __post_init__(self) -> None:
        self._positive_ints("num_sats", "antennas_per_sat", "num_users")
        self._positive("altitude_km", "carrier_hz", "bandwidth_hz", "theta_3db_deg",
                       "cell_radius_km")
        self._finite("g_max_dbi", "ut_gain_dbi", "p_max_dbw", "noise_dbm")
        if self.shadowing not in SHADOWING:
            raise ValueError(f"GsmConfig.shadowing must be one of {', '.join(SHADOWING)}, got "
                             f"{self.shadowing!r}")
        if not 0.0 < self.min_elevation_deg <= self.max_elevation_deg <= 90.0:
            raise ValueError("GsmConfig needs 0 < min_elevation_deg <= max_elevation_deg <= 90,"
                             f" got {self.min_elevation_deg}, {self.max_elevation_deg}")


def gsm_space_mimo(batch: int, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE,
                   config: GsmConfig | None = None) -> ChannelBatch:
    """GSM 002 eq. (1): h_{s,k} = sqrt(C_{s,k} b_{s,k} G_ut) f_{s,k}, S satellites x M antennas.

    C = (lambda/(4 pi d))^2 with d the actual slant range (GSM writes d^2 = h^2 + d_0^2, the
    flat-Earth form of the same distance); b_{s,k} the Bessel beam gain at the UT's angle off
    satellite s's beam centre (the cell centre); f_{s,k} in C^M i.i.d. Shadowed-Rician per
    antenna (GSM gives no array geometry, and i.i.d. entries are what make its M >= K local ZF
    feasible).

    Scaling: H is divided by sqrt(noise power) (-90 dBm = 1e-12 W), noise_power = 1 and
    p_max = 10^(p_max_dbw/10) W per satellite, so |H w|^2 is an SNR. With the defaults at
    0 dBW the per-antenna mean SNR (meta['link_snr_db']) spans about -7 to -3 dB; see
    ``GsmConfig`` for the values the paper lost.

    H: (B, K, S*M), satellite-major columns (``local_view()`` -> (B, S, K, M)); meta:
    elevation/azimuth (B, S), slant range, off-boresight angle, beam gain, FSPL, Doppler and
    per-antenna link SNR (B, S, K), UT/satellite positions.
    """
    cfg = config or GsmConfig()
    gen = _check_common(batch, seed, dtype)
    B, S, M, K = batch, cfg.num_sats, cfg.antennas_per_sat, cfg.num_users
    h = cfg.altitude_km * KM
    center = np.broadcast_to(np.array([0.0, 0.0, geo.EARTH_RADIUS_M]), (B, 3))
    ut = _cap_points(center, cfg.cell_radius_km * KM / geo.EARTH_RADIUS_M, K, gen)
    elev = cfg.min_elevation_deg + (cfg.max_elevation_deg - cfg.min_elevation_deg) * _rand(
        gen, B, S)
    azim = 360.0 * _rand(gen, B, S)
    sat = geo.satellite_position_from_look(center[:, None], elev, azim, h)  # (B, S, 3)
    # Velocity: circular-orbit speed, random heading in the satellite's local horizontal plane.
    east, north, _ = geo.local_enu_basis(sat)
    heading = 2 * np.pi * _rand(gen, B, S)
    vel = geo.orbital_speed(h) * (np.sin(heading)[..., None] * east
                                  + np.cos(heading)[..., None] * north)
    sat_e, vel_e, ut_e = sat[:, :, None], vel[:, :, None], ut[:, None]  # (B, S, K, 3) broadcast
    dist = np.linalg.norm(ut_e - sat_e, axis=-1)  # (B, S, K)
    theta = geo.off_boresight_angle(sat_e, center[:, None, None] - sat_e, ut_e)
    g_max = _db(cfg.g_max_dbi)
    gain = geo.beam_gain(theta, cfg.theta_3db_deg, g_max)
    fspl_db = geo.free_space_path_loss_db(dist, cfg.carrier_hz)
    doppler = geo.doppler_shift(sat_e, vel_e, ut_e, cfg.carrier_hz)
    noise_w = dbm_to_w(cfg.noise_dbm)
    amp2 = gain * _db(cfg.ut_gain_dbi) * 10.0 ** (-fspl_db / 10.0) / noise_w  # (B, S, K)

    b0, m, omega = SHADOWING[cfg.shadowing]
    f = shadowed_rician((B, S, K, M), b0, m, omega, gen)
    Hs = torch.sqrt(_t(amp2))[..., None] * f  # (B, S, K, M)
    H = Hs.permute(0, 2, 1, 3).reshape(B, K, S * M).to(dtype)
    p_max = _db(cfg.p_max_dbw)
    meta = {"scenario": "gsm_space_mimo", "config": cfg.to_dict(),
            "elevation_deg": _t(elev), "azimuth_deg": _t(azim), "slant_range_m": _t(dist),
            "off_boresight_deg": _t(theta), "beam_gain_db": _t(10 * np.log10(gain)),
            "fspl_db": _t(fspl_db), "doppler_hz": _t(doppler),
            "link_snr_db": _t(10 * np.log10(p_max * amp2 * (2 * b0 + omega))),
            "ut_pos_m": _t(ut), "sat_pos_m": _t(sat), "sat_vel_mps": _t(vel),
            "noise_power_w": noise_w, "shadowing": {"b0": b0, "m": m, "omega": omega},
            "bandwidth_hz": cfg.bandwidth_hz}
    return ChannelBatch(H, p_max=p_max, noise_power=1.0, num_sats=S, meta=meta)


# --------------------------------------------------------------------------- 004


@dataclass(frozen=True)
class MultisatMimoConfig(ChannelConfig):
    """004 Table I: Walker-Delta 53 deg:1680/28/F at 600 km, 800 km cooperation radius, S = 2-4
    satellites with 8x8 UPAs (M = 64, 6 dBi per element), UTs with 2x2 UPAs (N = 4, 0 dBi),
    2 GHz, 20 MHz, F = 7 dB, T = 290 K, UTs at 5 km/h.

    004 draws its Rician parameters from QuaDRiGa's NTN Urban LOS scenario; without QuaDRiGa
    the K-factor is drawn uniformly in dB from [rician_k_db_min, rician_k_db_max] and the NLoS
    correlation at the UT is isotropic, Sigma = I/N. The Walker phasing F is not stated
    (default 1). K = 6 is Table I's smallest user count.
    """

    num_sats: int = 2
    num_users: int = 6
    sat_mx: int = 8
    sat_my: int = 8
    ut_nx: int = 2
    ut_ny: int = 2
    altitude_km: float = 600.0
    inclination_deg: float = 53.0
    num_planes: int = 28
    sats_per_plane: int = 60
    phasing: int = 1
    coverage_radius_km: float = 800.0
    carrier_hz: float = 2.0e9
    bandwidth_hz: float = 20.0e6
    p_max_dbw: float = 0.0
    sat_element_gain_dbi: float = 6.0
    ut_element_gain_dbi: float = 0.0
    noise_figure_db: float = 7.0
    noise_temperature_k: float = 290.0
    rician_k_db_min: float = 5.0
    rician_k_db_max: float = 15.0
    ut_speed_kmh: float = 5.0

    def __post_init__(self) -> None:
        self._positive_ints("num_sats", "num_users", "sat_mx", "sat_my", "ut_nx", "ut_ny",
                            "num_planes", "sats_per_plane")
        self._positive("altitude_km", "coverage_radius_km", "carrier_hz", "bandwidth_hz",
                       "noise_temperature_k")
        self._finite("p_max_dbw", "sat_element_gain_dbi", "ut_element_gain_dbi",
                     "noise_figure_db", "rician_k_db_min", "rician_k_db_max", "ut_speed_kmh",
                     "inclination_deg")
        if self.rician_k_db_min > self.rician_k_db_max:
            raise ValueError("MultisatMimoConfig.rician_k_db_min must be <= rician_k_db_max")
        if self.num_sats > self.num_planes * self.sats_per_plane:
            raise ValueError(f"MultisatMimoConfig.num_sats={self.num_sats} exceeds the "
                             f"constellation size {self.num_planes * self.sats_per_plane}")


def multisat_mimo_stat(batch: int, seed: int = 0, dtype: torch.dtype = DEFAULT_DTYPE,
                       config: MultisatMimoConfig | None = None) -> ChannelBatch:
    """004 eq. (13): H_{s,k} = d_{s,k} g_{s,k}^H (N x M), S cooperating satellites, K UTs.

    Per sample (004 Sec. VI): a random epoch of the Walker-Delta constellation, a random centre
    (uniform by area with |latitude| <= inclination), UTs uniform in the coverage disc, and the
    S satellites nearest the centre. g: normalised transmit UPA response of the nadir-facing
    array (x along velocity) toward the UT; d = sqrt(k beta/(k+1)) e^{j phi} d0 +
    sqrt(beta/(k+1)) d~, d0 the normalised receive UPA response of the zenith-facing UT array
    (x east, y north), d~ ~ CN(0, I/N). With |g| = |d0| = 1 the array gains live in
    beta = E Tr(H H^H) = M N G_T G_R (lambda/(4 pi d))^2 / (k T B F) (noise-normalised).

    Returns H: (B, K, N, S*M) (satellite-major columns), noise_power = 1, p_max per satellite
    in W. stats: 'g' (B, K, S, M), 'd0' (B, K, S, N) complex; 'beta', 'kappa' (B, K, S)
    float64; 'sigma' (B, K, S, N, N) complex (Sigma_{s,k}); 'R_ut' (B, K, S, N, N) eq. (14).
    meta: elevations, slant ranges, Doppler (B, K, S), epoch, centre and positions.
    """
    cfg = config or MultisatMimoConfig()
    gen = _check_common(batch, seed, dtype)
    B, S, K = batch, cfg.num_sats, cfg.num_users
    Mt, Nr = cfg.sat_mx * cfg.sat_my, cfg.ut_nx * cfg.ut_ny
    h = cfg.altitude_km * KM
    total = cfg.num_planes * cfg.sats_per_plane
    t = SIDEREAL_DAY_S * _rand(gen, B)  # any epoch: orbit phase and Earth rotation both vary
    pos_all, vel_all = geo.walker_delta(cfg.inclination_deg, total, cfg.num_planes,
                                        cfg.phasing, h, t)  # (B, T, 3) ECEF
    max_lat = np.deg2rad(min(cfg.inclination_deg, 180.0 - cfg.inclination_deg))
    lat = np.rad2deg(np.arcsin(np.sin(max_lat) * (2 * _rand(gen, B) - 1)))
    lon = 360.0 * _rand(gen, B)
    center = geo.geodetic_to_ecef(lat, lon)  # (B, 3)
    ut = _cap_points(center, cfg.coverage_radius_km * KM / geo.EARTH_RADIUS_M, K, gen)
    nearest = np.argsort(np.linalg.norm(pos_all - center[:, None], axis=-1), axis=-1)[:, :S]
    sat = np.take_along_axis(pos_all, nearest[..., None], axis=1)  # (B, S, 3)
    vel = np.take_along_axis(vel_all, nearest[..., None], axis=1)

    sat_k, vel_k, ut_k = sat[:, None], vel[:, None], ut[:, :, None]  # (B, K, S, 3) broadcast
    elev = geo.elevation_angle(sat_k, ut_k)  # (B, K, S)
    if np.any(elev <= 0):
        raise ValueError(f"a cooperating satellite is below a UT's horizon (min elevation "
                         f"{elev.min():.1f} deg); reduce coverage_radius_km")
    los = ut_k - sat_k
    dist = np.linalg.norm(los, axis=-1)
    # Satellite body frame: z to nadir, x along the velocity's horizontal part, y = z x x.
    z_b = _unit(-sat)
    x_b = _unit(vel - np.sum(vel * z_b, axis=-1, keepdims=True) * z_b)
    y_b = np.cross(z_b, x_b)
    u_los = los / dist[..., None]
    g = upa_response(_t(np.sum(u_los * x_b[:, None], -1)), _t(np.sum(u_los * y_b[:, None], -1)),
                     cfg.sat_mx, cfg.sat_my, normalize=True)  # (B, K, S, Mt)
    east, north, _ = geo.local_enu_basis(ut)  # (B, K, 3)
    d0 = upa_response(_t(np.sum(-u_los * east[:, :, None], -1)),
                      _t(np.sum(-u_los * north[:, :, None], -1)),
                      cfg.ut_nx, cfg.ut_ny, normalize=True)  # (B, K, S, Nr)
    ut_heading = 2 * np.pi * _rand(gen, B, K)
    ut_vel = cfg.ut_speed_kmh / 3.6 * (np.sin(ut_heading)[..., None] * east
                                       + np.cos(ut_heading)[..., None] * north)
    doppler = geo.doppler_shift(sat_k, vel_k, ut_k, cfg.carrier_hz, ut_vel[:, :, None])

    noise_w = geo.noise_power_w(cfg.bandwidth_hz, cfg.noise_figure_db, cfg.noise_temperature_k)
    beta = (Mt * Nr * _db(cfg.sat_element_gain_dbi + cfg.ut_element_gain_dbi)
            * geo.free_space_gain(dist, cfg.carrier_hz) / noise_w)
    k_db = cfg.rician_k_db_min + (cfg.rician_k_db_max - cfg.rician_k_db_min) * _rand(gen, B, K,
                                                                                       S)
    kappa, beta_t = _t(10.0 ** (k_db / 10.0)), _t(beta)
    d_los = torch.sqrt(kappa * beta_t / (kappa + 1))[..., None] * _uniform_phase((B, K, S), gen
                                                                                 )[..., None] * d0
    d_nlos = torch.sqrt(beta_t / (kappa + 1))[..., None] * complex_normal((B, K, S, Nr), gen,
                                                                          1.0 / Nr)
    d = d_los + d_nlos
    Hsk = d[..., :, None] * g.conj()[..., None, :]  # (B, K, S, Nr, Mt)
    H = Hsk.permute(0, 1, 3, 2, 4).reshape(B, K, Nr, S * Mt).to(dtype)
    sigma = torch.eye(Nr, dtype=torch.complex128).expand(B, K, S, Nr, Nr) / Nr
    w_los = (kappa * beta_t / (kappa + 1))[..., None, None]
    R_ut = w_los * (d0[..., :, None] * d0.conj()[..., None, :]) \
        + (beta_t / (kappa + 1))[..., None, None] * sigma
    stats = {"g": g.to(dtype), "d0": d0.to(dtype), "beta": beta_t, "kappa": kappa,
             "sigma": sigma.to(dtype).contiguous(), "R_ut": R_ut.to(dtype)}
    meta = {"scenario": "multisat_mimo_stat", "config": cfg.to_dict(),
            "elevation_deg": _t(elev), "slant_range_m": _t(dist), "doppler_hz": _t(doppler),
            "epoch_s": _t(t), "center_lat_deg": _t(lat), "center_lon_deg": _t(lon),
            "sat_index": torch.from_numpy(nearest), "ut_pos_m": _t(ut), "sat_pos_m": _t(sat),
            "noise_power_w": noise_w, "bandwidth_hz": cfg.bandwidth_hz}
    return ChannelBatch(H, p_max=_db(cfg.p_max_dbw), noise_power=1.0, num_sats=S, stats=stats,
                        meta=meta)


# --------------------------------------------------------------------------- registry

Generator = Callable[..., ChannelBatch]


@dataclass(frozen=True)
class GeneratorSpec:
    """A generator and the config class its presets are built with."""

    fn: Generator
    config: type[ChannelConfig]


GENERATORS: dict[str, GeneratorSpec] = {
    "rayleigh": GeneratorSpec(rayleigh, RayleighConfig),
    "multicell": GeneratorSpec(multicell, MulticellConfig),
    "zhou_leo_upa": GeneratorSpec(zhou_leo_upa, ZhouConfig),
    "gsm_space_mimo": GeneratorSpec(gsm_space_mimo, GsmConfig),
    "multisat_mimo_stat": GeneratorSpec(multisat_mimo_stat, MultisatMimoConfig),
}
