"""Which classical precoders apply to a scenario, and how a scenario scores a precoder.

One place decides the comparison set (GSM 002 Figs 7-9: MRT/ZF/MMSE local and global; Zhou
000 Fig. EE-vs-Pmax: RZF/MMSE/Dinkelbach-WMMSE; Guo & Yang 003: WMMSE), so the CLI table,
the benchmark and later GNN evaluations compare against the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from spacemimo.model import objectives as obj
from spacemimo.model.baselines import coordinated_precoder, precoder
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.energy_efficiency import dinkelbach_wmmse
from spacemimo.model.wmmse import wmmse_batch, wmmse_mimo

Precoder = Callable[[ChannelBatch], torch.Tensor]

SUM_RATE = "sum rate (bit/s/Hz)"
EE = "energy efficiency (Mbit/J)"


@dataclass(frozen=True)
class Method:
    """A named precoder: ``fn(batch)`` returns W (B, Nt, K) or V (B, K, Nt, d)."""

    label: str
    description: str
    fn: Precoder


def dominant_eigenmode(H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Reduce multi-antenna users to MISO via each user's strongest receive direction.

    H: (B, K, Nr, Nt) -> (H_eff (B, K, Nt), u (B, K, Nr)) with H_eff[k] = u_kᴴ H_k, u_k the
    dominant left singular vector: the standard eigen-beamforming front end for linear
    precoders with multi-antenna UTs (004's closed-form baselines).
    """
    U, _, _ = torch.linalg.svd(H, full_matrices=False)
    u = U[..., :, 0]
    return torch.einsum("bkr,bkrn->bkn", u.conj(), H), u


def _closed_form(name: str, scope: str, power: str) -> Precoder:
    return lambda b: precoder(name, b, scope=scope, power=power)


def _coordinated(name: str) -> Precoder:
    return lambda b: coordinated_precoder(name, b)


def _miso_methods(batch: ChannelBatch) -> dict[str, Method]:
    power = "per_sat" if batch.num_sats > 1 else "total"
    zf_ok = batch.num_tx >= batch.num_users
    zf_local_ok = batch.antennas_per_sat >= batch.num_users  # one BS/satellite nulls everyone
    out: dict[str, Method] = {}
    if batch.serving is not None:
        # coordinated beamforming (003 P2): each BS beams only to its own cell's users, so the
        # joint-transmission local/global closed forms would solve another problem
        for name in ("mrt", "zf", "mmse"):
            if name == "zf" and not zf_local_ok:
                continue
            out[f"{name}-coordinated"] = Method(
                f"{name.upper()}-Coord", f"{name.upper()} per BS toward every user from its "
                "own CSI, own cell's columns kept, per-BS power (003 Table V)",
                _coordinated(name))
        power = "per-BS, coordinated (each BS serves its own cell)"
    elif batch.num_sats > 1:
        for name in ("mrt", "zf", "mmse"):
            if name == "zf" and not zf_local_ok:
                continue
            out[f"{name}-local"] = Method(
                f"{name.upper()}-Local", f"{name.upper()} per satellite from its own CSI, "
                "own power budget (GSM 002 Figs 7-9)", _closed_form(name, "local", "per_sat"))
        for name in ("mrt", "zf", "mmse"):
            if name == "zf" and not zf_ok:
                continue
            out[f"{name}-global"] = Method(
                f"{name.upper()}-Global", f"{name.upper()} over all S*M antennas, per-satellite "
                "power (common scaling)", _closed_form(name, "global", "per_sat"))
    else:
        # RZF with its default α = Kσ²/P *is* MMSE (Peel et al. 2005), so it is listed once.
        for name in ("mrt", "zf", "mmse"):
            if name == "zf" and not zf_ok:
                continue
            out[name] = Method(name.upper(), f"{name.upper()}, total power",
                               _closed_form(name, "global", "total"))
    out["wmmse"] = Method(
        "WMMSE", f"WMMSE (Shi et al. 2011), {power} power, best of MRT/RZF/ones inits",
        lambda b: wmmse_batch(b, init="best").W)
    return out


def _mimo_methods(batch: ChannelBatch) -> dict[str, Method]:
    power = "per_sat" if batch.num_sats > 1 else "total"

    def eigen(name: str) -> Precoder:
        def fn(b: ChannelBatch) -> torch.Tensor:
            H_eff, _ = dominant_eigenmode(b.H)
            eff = ChannelBatch(H_eff, b.p_max, b.noise_power, b.num_sats)
            W = precoder(name, eff, scope="global", power=power)  # (B, Nt, K)
            return W.transpose(1, 2).unsqueeze(-1)  # (B, K, Nt, 1)
        return fn

    out = {f"eigen-{n}": Method(f"Eigen-{n.upper()}", f"{n.upper()} on each UT's dominant "
                                f"receive eigenmode, {power} power", eigen(n))
           for n in ("mrt", "zf", "mmse")}
    out["wmmse-mimo"] = Method(
        "WMMSE-MIMO", f"WMMSE with multi-antenna receivers, {power} power",
        lambda b: wmmse_mimo(b.H, b.p_max, b.noise_power, num_sats=b.num_sats,
                             power=power).V)
    return out


def methods_for(batch: ChannelBatch, preset: dict[str, Any]) -> dict[str, Method]:
    """The comparison set for a scenario, keyed by CLI name."""
    if batch.H.dim() == 4:
        return _mimo_methods(batch)
    out = _miso_methods(batch)
    if preset.get("metric") == "energy_efficiency":
        power_model = _power_model(batch, preset)
        bandwidth = float(preset["config"].get("bandwidth_hz", 1.0))
        out["dinkelbach-wmmse"] = Method(
            "Dinkelbach-WMMSE", "Dinkelbach + WMMSE on the statistical-CSI rate bound "
            "(Zhou Alg. 2 outer loop, exact inverse)",
            lambda b: dinkelbach_wmmse(b, power_model=power_model, bandwidth_hz=bandwidth).W)
    return out


def _power_model(batch: ChannelBatch, preset: dict[str, Any]) -> obj.ZhouPowerModel:
    params = dict(preset.get("power_model", {}))
    return obj.ZhouPowerModel(num_tx=batch.num_tx, **params)


def score(batch: ChannelBatch, method: Method, preset: dict[str, Any]) -> tuple[str, float]:
    """(metric label, mean over the batch) of ``method`` on ``batch`` for this scenario."""
    W = method.fn(batch)
    if batch.H.dim() == 4:
        rates = obj.mimo_user_rates(batch.H, W, batch.noise_power)
        return SUM_RATE, rates.sum(-1).mean().item()
    rate = obj.sum_rate(batch.H, W, batch.noise_power)
    if preset.get("metric") == "energy_efficiency":
        bandwidth = float(preset["config"].get("bandwidth_hz", 1.0))
        ee = obj.energy_efficiency(rate, _power_model(batch, preset).consumed(W), bandwidth)
        return EE, ee.mean().item() / 1e6
    return SUM_RATE, rate.mean().item()
