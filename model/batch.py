"""The one container every channel generator returns and every precoder/objective reads.

Conventions (shared by channels, objectives, baselines and, later, the GNNs):

- Single-antenna users: ``H`` is ``(B, K, Nt)`` complex; row ``H[b, k]`` is the conjugated
  channel, so the received signal is ``y = H @ W @ s + n`` with a precoder ``W: (B, Nt, K)``
  whose column ``k`` is user ``k``'s beamformer.
- Multi-antenna users (004): ``H`` is ``(B, K, Nr, Nt)`` and precoders are ``(B, K, Nt, d)``.
- Multi-satellite arrays: the ``Nt = S * M`` transmit antennas are grouped satellite by
  satellite, antennas ``[s*M, (s+1)*M)`` belong to satellite ``s``.
- Powers are in watts, ``noise_power`` is the receiver noise power in watts (per user).
  Generators may normalise ``H`` by ``sqrt(noise_power)``; then ``noise_power`` is 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import torch


@dataclass
class ChannelBatch:
    """A batch of channel realisations plus what a precoder needs to know about them.

    H: (B, K, Nt) or (B, K, Nr, Nt) complex.
    p_max: power budget in W, per satellite when ``num_sats > 1``, else total.
    noise_power: per-user receiver noise power in W (scalar).
    num_sats: number of satellites S; ``Nt`` must be divisible by it.
    stats: statistical CSI when the scenario has it (e.g. Zhou: ``v`` (B, K, Nt) array
        responses and ``gamma`` (B, K) average channel gains).
    meta: geometry and other scenario facts (elevations, slant ranges, Doppler, ...).
    """

    H: torch.Tensor
    p_max: float
    noise_power: float
    num_sats: int = 1
    stats: dict[str, torch.Tensor] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not torch.is_tensor(self.H) or not self.H.is_complex():
            raise ValueError(f"H must be a complex torch tensor, got {type(self.H).__name__}"
                             f" {getattr(self.H, 'dtype', '')}")
        if self.H.dim() not in (3, 4):
            raise ValueError(
                f"H must be (B, K, Nt) or (B, K, Nr, Nt), got shape {tuple(self.H.shape)}"
            )
        if not torch.isfinite(torch.view_as_real(self.H)).all():
            raise ValueError("H contains NaN or Inf entries")
        if self.num_sats < 1 or self.H.shape[-1] % self.num_sats:
            raise ValueError(f"Nt={self.H.shape[-1]} is not divisible by num_sats={self.num_sats}")
        if not (self.p_max > 0 and self.noise_power > 0):
            raise ValueError(f"p_max and noise_power must be positive, got p_max={self.p_max}, "
                             f"noise_power={self.noise_power}")

    @property
    def batch_size(self) -> int:
        return self.H.shape[0]

    @property
    def num_users(self) -> int:
        return self.H.shape[1]

    @property
    def num_tx(self) -> int:
        return self.H.shape[-1]

    @property
    def antennas_per_sat(self) -> int:
        return self.H.shape[-1] // self.num_sats

    @property
    def serving(self) -> torch.Tensor | None:
        """(K,) long: the satellite/BS that serves each user under coordinated beamforming
        (003 P2: BS m transmits only to the users of cell m; ``meta['cell_of_user']`` of the
        multicell scenario), or None when every satellite serves every user (joint
        transmission, GSM 002). Precoders for such a batch are zero outside
        ``serving_mask``."""
        s = self.meta.get("cell_of_user")
        return None if s is None else torch.as_tensor(s, device=self.H.device)

    def local_view(self) -> torch.Tensor:
        """Each satellite's own CSI: (B, S, K, M) from H (B, K, S*M)."""
        B, K, Nt = self.H.shape[0], self.H.shape[1], self.H.shape[-1]
        if self.H.dim() != 3:
            raise ValueError("local_view is defined for single-antenna users (B, K, Nt)")
        return self.H.reshape(B, K, self.num_sats, Nt // self.num_sats).transpose(1, 2)

    def with_power(self, p_max: float) -> ChannelBatch:
        """The same channels under another power budget (for power sweeps)."""
        return replace(self, p_max=float(p_max))


def serving_mask(serving: torch.Tensor, num_tx: int, num_sats: int) -> torch.Tensor:
    """(Nt, K) bool: antenna n may carry user k's beam (its satellite serves k)."""
    sat_of_antenna = torch.arange(num_sats, device=serving.device).repeat_interleave(
        num_tx // num_sats)
    return sat_of_antenna[:, None] == serving[None, :]
