"""Zhou et al. 000: the end-to-end edge-GNN (Alg. 1) and the deep-unfolded Dinkelbach-WMMSE
network whose N_t×N_t matrix inverse is a Taylor-expansion GNN (Alg. 2, eqs 20-34), plus the
IAIDNN-style linear deep unfolding baseline (Hu et al., Zhou's [40]).

All of them read the channel the EE problem sees: the statistical channel sqrt(γ_k) v_k when
the batch carries ``stats['v']``/``stats['gamma']`` (Zhou eq. 9), else ``H``
(``energy_efficiency.effective_channel``), in the (B, K, Nt) row convention, and return
b: (B, Nt, K) projected onto the total budget (eqs 14/34: scaled only if it exceeds P).

Choices the paper leaves open, all documented at the class that makes them:
- Alg. 1 sizes (sec. V): "a graph convolutional layer followed by a two-layer MLP with ReLU
  ... input features to a 64-dimensional hidden space, ... back to the original dimension":
  one edge layer, MLP1/MLP2 one Linear 2 -> 64 + ReLU, MLP3 [a ‖ d] 130 -> 64 -> 2; AGG is
  mean over the other antennas / other users, the two pools concatenated.
- Taylor GNN (eqs 31-33, term (d) omitted): exactly the Model-GNN layer of Guo & Yang with
  H replaced by M (eq. 32 copies eq. 15), so it reuses ``model_gnn.ModelGnnLayer``. Input
  F^(0) = β·M⁺/||M⁺^½ M M⁺^½||_F, M⁺ the inverted diagonal (sec. IV-C "P⁺X"; the Frobenius
  scale makes the Newton iteration converge), β trainable. Zhou initialises the matrix
  parameters at zero; we initialise them to the Newton-Schulz step F ← 2F − F M F on complex
  channel 0 and zero elsewhere, so the untrained GNN already inverts M and training refines
  it. Activation: identity (a normalising σ would destroy the scale of M⁻¹).
- λ (the power multiplier, found by bisection in the classical algorithm) is a trainable
  softplus per unfolded layer; every layer ends with the projection (34) to stay bounded.
- Dinkelbach: fixed outer iterations, ρ_0 = 0 (Alg. 2 input), ρ_{n+1} by eq. (17) on the
  current b; b is warm-started across outer iterations (Alg. 2 line 2 re-initialises).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.energy_efficiency import affine_power, effective_channel
from spacemimo.model.model_gnn import ModelGnnLayer, channel_to_edges
from spacemimo.model.precoder_io import (
    INPUT_SCALES,
    NetConfig,
    check_channel,
    complex_dtype_of,
    max_aggregate,
    project_power,
    real_dtype_of,
    resolve_input,
    scale_input,
)

_LN2 = math.log(2.0)
CSI_MODES = ("auto", "statistical", "instantaneous")
INVERSES = ("gnn", "iaidnn", "exact")
POOLINGS = ("mean", "sum", "max")


def _channel(x: ChannelBatch | torch.Tensor, p_max: float | None, noise_power: float | None,
             csi: str) -> tuple[torch.Tensor, float, float]:
    """(G (B, K, Nt) complex in the input's dtype, P, σ²): the channel the EE problem sees."""
    if isinstance(x, ChannelBatch):
        inp = resolve_input(x, p_max, noise_power)
        G, _ = effective_channel(x, None if csi == "auto" else csi)
        G = G.to(x.H.dtype)
        check_channel(G, "effective channel")
        return G, inp.p_max, inp.noise_power
    if csi == "statistical":
        raise ValueError("csi='statistical' needs a ChannelBatch with stats['v'] and "
                         "stats['gamma']; a bare tensor is used as the channel itself")
    inp = resolve_input(x, p_max, noise_power)
    return inp.H, inp.p_max, inp.noise_power


# --------------------------------------------------------------------------- Alg. 1


@dataclass(frozen=True)
class ZhouEdgeGnnConfig(NetConfig):
    """Zhou Alg. 1 / sec. V sizes. Layer ℓ < L outputs ``edge_width`` features with ReLU;
    the last outputs [Re b_nk, Im b_nk]. lr recorded for the trainer (sec. V)."""

    num_layers: int = 1
    message_width: int = 64
    hidden: int = 64
    edge_width: int = 64
    pooling: str = "mean"
    input_scale: str = "snr"
    csi: str = "auto"
    lr: float = 0.01

    def __post_init__(self) -> None:
        for name in ("num_layers", "message_width", "hidden", "edge_width"):
            self._check_int(name)
        self._check_choice("pooling", POOLINGS)
        self._check_choice("input_scale", INPUT_SCALES)
        self._check_choice("csi", CSI_MODES)


def _pool_others(x: torch.Tensor, dim: int, how: str) -> torch.Tensor:
    """Pool x over ``dim`` leaving each edge out of its own pool (eq. 12: n1 ≠ n, k1 ≠ k)."""
    n = x.shape[dim]
    if n == 1:
        return torch.zeros_like(x)
    if how == "max":
        moved = x.movedim(dim, 1)
        lead = moved.shape
        flat = moved.reshape(lead[0], n, -1)
        return max_aggregate(flat).reshape(lead).movedim(1, dim)
    s = x.sum(dim, keepdim=True) - x
    return s / (n - 1) if how == "mean" else s


class ZhouEdgeLayer(nn.Module):
    """Eqs (12)-(13): d = [AGG_{n1≠n} MLP1(a_n1k) ‖ AGG_{k1≠k} MLP2(a_nk1)],
    a' = MLP3([a ‖ d]) (+σ = ReLU except on the output layer). (B, Nt, K, J) -> (B, Nt, K, J')."""

    def __init__(self, in_width: int, cfg: ZhouEdgeGnnConfig, out_width: int, last: bool
                 ) -> None:
        super().__init__()
        self.mlp1 = nn.Linear(in_width, cfg.message_width)
        self.mlp2 = nn.Linear(in_width, cfg.message_width)
        self.mlp3 = nn.ModuleList([nn.Linear(in_width + 2 * cfg.message_width, cfg.hidden),
                                   nn.Linear(cfg.hidden, out_width)])
        self.pooling, self.last = cfg.pooling, last

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        m1 = _pool_others(torch.relu(self.mlp1(a)), 1, self.pooling)  # over antennas n1 ≠ n
        m2 = _pool_others(torch.relu(self.mlp2(a)), 2, self.pooling)  # over users k1 ≠ k
        out = self.mlp3[1](torch.relu(self.mlp3[0](torch.cat([a, m1, m2], dim=-1))))
        return out if self.last else torch.relu(out)


class ZhouEdgeGnn(nn.Module):
    """End-to-end GNN precoder (Zhou Alg. 1): ChannelBatch or H (B, K, Nt) -> b (B, Nt, K),
    total power <= P (eq. 14). Equivariant to antenna and user permutations; any Nt, K."""

    def __init__(self, config: ZhouEdgeGnnConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or ZhouEdgeGnnConfig()
        widths = [2] + [cfg.edge_width] * (cfg.num_layers - 1) + [2]
        self.layers = nn.ModuleList(
            ZhouEdgeLayer(widths[i], cfg, widths[i + 1], last=i == cfg.num_layers - 1)
            for i in range(cfg.num_layers))

    def forward(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                noise_power: float | None = None) -> torch.Tensor:
        G, P, N0 = _channel(x, p_max, noise_power, self.config.csi)
        a = channel_to_edges(scale_input(G, P, N0, self.config.input_scale), real_dtype_of(self))
        for layer in self.layers:
            a = layer(a)
        return project_power(torch.complex(a[..., 0], a[..., 1]).to(G.dtype), P)


# --------------------------------------------------------------------------- inverses


class TaylorInverseGnn(nn.Module):
    """Zhou sec. IV-C: edge-GNN over the Nt×Nt antenna-antenna graph approximating M⁻¹.

    M: (B, Nt, Nt) complex Hermitian positive definite -> (B, Nt, Nt) complex. Layer widths
    (2, width, ..., width, 2), ``num_layers`` layers; each is eq. (31) without term (d).
    Equivariant to M -> Πᵀ M Π; works for any Nt.
    """

    def __init__(self, num_layers: int = 8, width: int = 2, activation: bool = False) -> None:
        super().__init__()
        if num_layers < 1 or width < 2 or width % 2:
            raise ValueError(f"need num_layers >= 1 and an even width >= 2, got {num_layers}, "
                             f"{width}")
        dims = [2] + [width] * (num_layers - 1) + [2]
        self.layers = nn.ModuleList(
            ModelGnnLayer(dims[i], dims[i + 1], activation and i < num_layers - 1)
            for i in range(num_layers))
        self.init_scale = nn.Parameter(torch.ones(()))  # β in F^(0) = β M⁺ / ||·||_F
        with torch.no_grad():
            for layer in self.layers:
                _newton_schulz_init(layer)

    def forward(self, M: torch.Tensor) -> torch.Tensor:
        dt = real_dtype_of(self)
        M = M.to(complex_dtype_of(dt))
        d = torch.diagonal(M, dim1=-2, dim2=-1).real.clamp_min(1e-30)  # M⁺: inverted diagonal
        r = d.rsqrt()
        fro = (M * r[:, :, None] * r[:, None, :]).abs().square().sum((-2, -1)).sqrt()
        F0 = torch.diag_embed((1.0 / d).to(M.dtype)) * (self.init_scale / fro)[:, None, None]
        f = torch.stack([F0.real, F0.imag], dim=-1)  # edge (v_i, v_j) features, (B, Nt, Nt, 2)
        # taylor_term reads its H argument as rows; for the Hermitian M that is M itself.
        for layer in self.layers:
            f = layer(f, M)
        return torch.complex(f[..., 0], f[..., 1])


def _newton_schulz_init(layer: ModelGnnLayer) -> None:
    """Zero all weights except out channel 0 = 2 f_0 − (F M F)_0 (eq. 29 iterated)."""
    for lin in (layer.s, layer.p, layer.q):
        lin.weight.zero_()
    j_in, j_out = layer.p.in_features, layer.p.out_features
    c_in, c_out = j_in // 2, j_out // 2
    for part in (0, 1):  # real, imaginary
        o, i = part * c_out, part * c_in
        layer.s.weight[o, i] = 2.0  # 2 f
        layer.s.weight[o, j_in + i] = -1.0  # − F M F


class LinearUnfoldedInverse(nn.Module):
    """IAIDNN (Hu et al. 2021, Zhou's [40]): M⁻¹ ≈ M⁺ X + M Y + Z with trainable complex
    X, Y, Z ∈ C^{Nt×Nt} per layer (M⁺ the inverted diagonal). Fixed Nt; not permutation
    equivariant. Init X = I, Y = Z = 0 (Jacobi), so the untrained net is a valid WMMSE."""

    def __init__(self, num_tx: int) -> None:
        super().__init__()
        self.num_tx = num_tx
        self.x = nn.Parameter(torch.stack([torch.eye(num_tx), torch.zeros(num_tx, num_tx)], -1))
        self.y = nn.Parameter(torch.zeros(num_tx, num_tx, 2))
        self.z = nn.Parameter(torch.zeros(num_tx, num_tx, 2))

    def forward(self, M: torch.Tensor) -> torch.Tensor:
        if M.shape[-1] != self.num_tx:
            raise ValueError(f"IAIDNN inverse was built for Nt={self.num_tx}, got "
                             f"{M.shape[-1]}")
        M = M.to(complex_dtype_of(self.x.dtype))
        X, Y, Z = (torch.view_as_complex(p.contiguous()) for p in (self.x, self.y, self.z))
        d = torch.diagonal(M, dim1=-2, dim2=-1).real.clamp_min(1e-30)
        return (1.0 / d).to(M.dtype)[:, :, None] * X + M @ Y + Z


class ExactInverse(nn.Module):
    """torch.linalg.inv: the un-learned reference (classical Dinkelbach-WMMSE steps)."""

    def forward(self, M: torch.Tensor) -> torch.Tensor:
        return torch.linalg.inv(M)


# --------------------------------------------------------------------------- Alg. 2


@dataclass(frozen=True)
class UnfoldedWmmseConfig(NetConfig):
    """Deep-unfolded Dinkelbach-WMMSE (Zhou Alg. 2). The paper gives no layer counts.

    outer_iterations: Dinkelbach subproblems I_D; wmmse_layers: unfolded WMMSE iterations per
    subproblem (each with its own inverse and λ). inverse: "gnn" (Alg. 2), "iaidnn" (the
    linear deep-unfolding baseline; needs num_tx) or "exact". inverse_layers/width/
    activation: the Taylor GNN's. lam_init: initial power multiplier λ (bit/s/Hz per W).
    """

    outer_iterations: int = 2
    wmmse_layers: int = 3
    inverse: str = "gnn"
    inverse_layers: int = 8
    inverse_width: int = 2
    inverse_activation: bool = False
    num_tx: int = 64
    lam_init: float = 1e-3
    csi: str = "auto"
    lr: float = 0.01

    def __post_init__(self) -> None:
        for name in ("outer_iterations", "wmmse_layers", "inverse_layers", "inverse_width",
                     "num_tx"):
            self._check_int(name)
        self._check_choice("inverse", INVERSES)
        self._check_choice("csi", CSI_MODES)
        if not (math.isfinite(self.lam_init) and self.lam_init > 0):
            raise ValueError(f"UnfoldedWmmseConfig.lam_init must be > 0, got {self.lam_init}")


class UnfoldedWmmseLayer(nn.Module):
    """One WMMSE iteration (eqs 21-23) with a learned inverse and a learned λ >= 0."""

    def __init__(self, inverse: nn.Module, lam_init: float) -> None:
        super().__init__()
        self.inverse = inverse
        self.lam_raw = nn.Parameter(torch.tensor(math.log(math.expm1(lam_init))))

    def forward(self, G: torch.Tensor, b: torch.Tensor, noise: float, cost: torch.Tensor,
                p_max: float) -> torch.Tensor:
        u, omega = wmmse_receivers(G, b, noise)
        a = (omega * u.abs().square()).to(G.dtype)
        mu = cost + nn.functional.softplus(self.lam_raw)  # (B,): ρ ξ ln2 + λ
        M = G.mH @ (a[..., None] * G)
        M = 0.5 * (M + M.mH) + mu[:, None, None] * torch.eye(G.shape[-1], dtype=G.dtype,
                                                             device=G.device)
        b = self.inverse(M).to(G.dtype) @ (G.mH * (omega * u).to(G.dtype)[:, None, :])
        return project_power(b, p_max)


def wmmse_receivers(G: torch.Tensor, b: torch.Tensor, noise: float
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Zhou eqs (21)-(22) on G (B, K, Nt), b (B, Nt, K): u_k = g_k b_k / (Σ_i |g_k b_i|² + N0)
    (B, K) complex and ω_k = 1/e_k = total/(interference + noise) (B, K) real (same as
    ``wmmse._miso_receivers``; the b-update is then b_k = ω_k u_k M⁻¹ g_kᴴ, eq. 23)."""
    Gb = G @ b
    g = Gb.real.square() + Gb.imag.square()
    sig = torch.diagonal(Gb, dim1=-2, dim2=-1)
    total = g.sum(-1) + noise
    interf = total - torch.diagonal(g, dim1=-2, dim2=-1)
    return sig / total, total / interf


class DeepUnfoldedWmmse(nn.Module):
    """Zhou Alg. 2: Dinkelbach outer loop, unfolded WMMSE layers, M⁻¹ by ``inverse``.

    forward(x) with x a ChannelBatch (statistical CSI when present) or G (B, K, Nt) ->
    b (B, Nt, K) in the input's dtype, total power <= P. The power model (Zhou eqs 5-6,
    ``objectives.ZhouPowerModel(num_tx=Nt)`` by default) sets ρ's price ξ and the EE in
    eq. (17); ρ is kept in bit/s/Hz/W so the bandwidth drops out (see ``energy_efficiency``).
    """

    def __init__(self, config: UnfoldedWmmseConfig | None = None,
                 power_model: obj.ZhouPowerModel | None = None) -> None:
        super().__init__()
        self.config = cfg = config or UnfoldedWmmseConfig()
        self.power_model = power_model
        self.layers = nn.ModuleList(
            UnfoldedWmmseLayer(self._inverse(), cfg.lam_init)
            for _ in range(cfg.outer_iterations * cfg.wmmse_layers))

    def _inverse(self) -> nn.Module:
        cfg = self.config
        if cfg.inverse == "gnn":
            return TaylorInverseGnn(cfg.inverse_layers, cfg.inverse_width,
                                    cfg.inverse_activation)
        if cfg.inverse == "iaidnn":
            return LinearUnfoldedInverse(cfg.num_tx)
        return ExactInverse()

    def forward(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                noise_power: float | None = None) -> torch.Tensor:
        G_in, P, N0 = _channel(x, p_max, noise_power, self.config.csi)
        G = G_in.to(complex_dtype_of(real_dtype_of(self)))
        B, K, Nt = G.shape
        model = self.power_model or obj.ZhouPowerModel(num_tx=Nt)
        slope, _ = affine_power(model, Nt, K)
        # Alg. 2 line 2: ||b_k||² = P/K, along the matched filter g_kᴴ.
        b = G.mH / G.norm(dim=-1).clamp_min(1e-30)[:, None, :] * math.sqrt(P / K)
        rho = torch.zeros(B, dtype=G.real.dtype, device=G.device)  # ρ_0 = 0
        per_outer = self.config.wmmse_layers
        for i, layer in enumerate(self.layers):
            b = layer(G, b, N0, _LN2 * slope * rho, P)
            if (i + 1) % per_outer == 0:  # eq. (17): ρ ← Σ R̄ / P_total on the current b
                rate = obj.sum_rate(G, b, N0)
                rho = obj.energy_efficiency(rate, model.consumed(b).to(rate.dtype))
        return b.to(G_in.dtype)


def iaidnn(num_tx: int, **overrides: object) -> DeepUnfoldedWmmse:
    """The IAIDNN-style linear deep-unfolding baseline of Zhou sec. V."""
    return DeepUnfoldedWmmse(UnfoldedWmmseConfig(inverse="iaidnn", num_tx=num_tx, **overrides))
