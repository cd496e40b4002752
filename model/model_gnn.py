"""Guo & Yang 003: Model-GNN (eq. 15), its coordinated multi-cell form (sec. III-E) and the
Vanilla-GNN baseline (eq. 7), all edge-GNNs over the N×K antenna-user graph.

Edge (n, k) carries d_nk ∈ R^J. The input is d_nk^(0) = [Re h_nk, Im h_nk] with h_nk the
channel (paper's H = [h_1..h_K], N×K), i.e. the conjugate transpose of our ``H`` rows
(``H[b, k] = h_kᴴ``); the output d_nk^(L) = [Re v_nk, Im v_nk] is W[b, n, k] directly. With
D^(0) = Hᴴ the un-trained iteration D ← 2D − D H D (eq. 5 in our row convention) is
Newton-Schulz for the pseudo-inverse, so D → ZF's H⁺ — the structure Model-GNN learns around.

Model-GNN layer, eq. (12) with term (c) of eq. (15) omitted (sec. III-C):
    A = H D (K×K, a_jk = h_jᴴ d_k),   E = D A  (e_nk = Σ_j a_jk d_nj),   c_nk = [d_nk ‖ e_nk]
    d_nk' = σ( S c_nk + P Σ_i d_ik + Q Σ_j c_nj )
S = [s0 s1], Q = [q0 q1] act on c (2J -> J'), P = p0 acts on d only (J -> J'): p1 would
multiply Σ_i e_ik, which is term (c). Expanding gives eq. (15) exactly: Q Σ_j c_nj + s1 e_nk
= Σ_j q̄_jk d_nj with q̄_jk = q0 + s1 a_jk + q1 Σ_m a_jm. No bias (none in eqs 7/12/15).

Hidden widths J > 2 (Table I: [32, 32, 8]) are read as J/2 complex channels, features laid out
[Re ch_0..ch_{J/2-1}, Im ch_0..]; A and E are formed per channel, as in the scalar J = 2 case
the paper derives. σ(X) = X/||X|| (sec. IV-A) with the norm over the sample's whole layer
output (all N·K·J numbers) — a per-edge norm would erase the amplitudes the precoder needs.
The last layer has no σ; the power layer follows: V ← sqrt(P)·V/||V|| (the paper prints
P_max·V/||V||; sqrt(P) is what satisfies Tr(VᴴV) = P). Both are equivariant to permutations
of antennas and of users (the paper's 2D-PE).

EE variant (sec. IV-B2): widths [32, 32, 32, 8] and a small FNN η(K) ∈ (0, 1), trained with
the GNN, that scales the normalised output: V = η(K)·sqrt(P)·V̂/||V̂||, so the power is
η² P <= P and varies with K. The FNN's widths are not in the paper (default 32, 32).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from spacemimo.model.batch import ChannelBatch, serving_mask
from spacemimo.model.precoder_io import (
    INPUT_SCALES,
    NetConfig,
    complex_dtype_of,
    norm_activation,
    normalize_power,
    real_dtype_of,
    resolve_cells,
    resolve_input,
    scale_input,
)

POOLINGS = ("sum", "mean")
ACTIVATION_NORMS = ("layer", "user")


def channel_to_edges(H: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """H: (B, K, N) complex rows h_kᴴ -> d^(0): (B, N, K, 2) = [Re h_nk, Im h_nk] (eq. 15)."""
    h = H.mH  # (B, N, K), entry (n, k) = h_nk
    return torch.stack([h.real, h.imag], dim=-1).to(dtype)


def edges_to_precoder(D: torch.Tensor) -> torch.Tensor:
    """d^(L): (B, N, K, 2) -> V: (B, N, K) complex."""
    return torch.complex(D[..., 0], D[..., 1])


def taylor_term(D: torch.Tensor, H: torch.Tensor, num_blocks: int = 1) -> torch.Tensor:
    """E = D (H D) per complex channel, block-diagonally over ``num_blocks`` antenna groups.

    D: (B, N, K, J) real, J even ([Re | Im] channel halves); H: (B, K, N) complex rows h_kᴴ
    (already in the net's scaling). Returns E: (B, N, K, J) in the same layout. With
    num_blocks = M cells, a_jk uses only BS m's antennas for the edges of BS m (sec. III-E).
    """
    B, N, K, J = D.shape
    C, nb = J // 2, num_blocks
    Dc = torch.complex(D[..., :C], D[..., C:]).permute(0, 3, 1, 2)  # (B, C, N, K)
    Dc = Dc.reshape(B, C, nb, N // nb, K)
    Hb = H.to(Dc.dtype).reshape(B, K, nb, N // nb).permute(0, 2, 1, 3)  # (B, nb, K, n)
    A = torch.einsum("bmkn,bcmnj->bcmkj", Hb, Dc)  # a_kj = h_kᴴ d_j per block
    E = (Dc @ A).reshape(B, C, N, K).permute(0, 2, 3, 1)  # (B, N, K, C)
    return torch.cat([E.real, E.imag], dim=-1)


# --------------------------------------------------------------------------- configs


@dataclass(frozen=True)
class ModelGnnConfig(NetConfig):
    """Guo & Yang Table I. hidden: J_1..J_{L-1} (even); the input and output widths are 2.

    power_head: hidden widths of the EE variant's FNN η(K); empty = SE variant (exact power).
    user_power: hidden widths of the per-user power-allocation MLP (``UserPowerHead``), a
    spacemimo extension that is not in 003; empty (default) = the paper's net.
    user_pool: how the antenna's edges to the users are pooled for Q: "sum" (eq. 15, the
    default) or "mean" (Σ_j c_nj / K). At a fixed K the two are the same function class (Q
    absorbs 1/K), but the sum grows with K, so a net trained at small K sees its Q term
    inflated at large K: "mean" is what keeps Fig. 6's K-generalization (measured: SE ratio at
    K = 30 84 % vs 48 % with "sum", N = 32, trained with K ~ Exp(4)).
    activation_norm: what σ(X) = X/||X|| (sec. IV-A) normalises: "layer" (default) — the
    sample's whole layer output, every edge and feature — or "user" — each user's column
    (its N edges' features), scaled by 1/√K so the layer keeps unit norm. The paper does not
    say which X; "user" lets each hidden layer rescale users against each other, i.e. a
    nonlinear per-user power allocation (measured at N=8, K=4, 2,000 steps: validation SE ratio
    98.5 / 99.4 / 98.7 % at 0 / 10 / 20 dB vs 96.8 / 97.8 / 98.0 % with "layer").
    lr is recorded for the trainer (Table I), not used by the model.
    """

    hidden: tuple[int, ...] = (32, 32, 8)
    power_head: tuple[int, ...] = ()
    user_power: tuple[int, ...] = ()
    user_pool: str = "sum"
    activation_norm: str = "layer"
    input_scale: str = "snr"
    lr: float = 0.01

    def __post_init__(self) -> None:
        self._check_widths("hidden", even=True)
        self._check_widths("power_head", allow_empty=True)
        self._check_widths("user_power", allow_empty=True)
        self._check_choice("user_pool", POOLINGS)
        self._check_choice("activation_norm", ACTIVATION_NORMS)
        self._check_choice("input_scale", INPUT_SCALES)

    @classmethod
    def ee(cls) -> ModelGnnConfig:
        """EE-maximal precoding with QoS (sec. IV-B2, Table I row 2) plus the η(K) FNN."""
        return cls(hidden=(32, 32, 32, 8), power_head=(32, 32), lr=0.001)


@dataclass(frozen=True)
class VanillaGnnConfig(NetConfig):
    """Guo & Yang Table I Vanilla-GNN: hidden [64, 512, 512, 64], lr 0.01, eq. (7)."""

    hidden: tuple[int, ...] = (64, 512, 512, 64)
    pooling: str = "sum"
    input_scale: str = "snr"
    lr: float = 0.01

    def __post_init__(self) -> None:
        self._check_widths("hidden")
        self._check_choice("pooling", POOLINGS)
        self._check_choice("input_scale", INPUT_SCALES)


# --------------------------------------------------------------------------- layers


class ModelGnnLayer(nn.Module):
    """One Model-GNN layer (eq. 12 without term (c)): (B, N, K, J) -> (B, N, K, J').
    user_pool "mean" divides the Q pool by K (``ModelGnnConfig.user_pool``); norm: what the
    activation normalises (``ModelGnnConfig.activation_norm``)."""

    def __init__(self, in_width: int, out_width: int, activation: bool,
                 user_pool: str = "sum", norm: str = "layer") -> None:
        super().__init__()
        if in_width % 2:
            raise ValueError(f"Model-GNN widths must be even, got {in_width}")
        if user_pool not in POOLINGS:
            raise ValueError(f"user_pool must be one of {POOLINGS}, got {user_pool!r}")
        if norm not in ACTIVATION_NORMS:
            raise ValueError(f"norm must be one of {ACTIVATION_NORMS}, got {norm!r}")
        self.s = nn.Linear(2 * in_width, out_width, bias=False)  # [s0 s1] on c_nk
        self.p = nn.Linear(in_width, out_width, bias=False)  # p0 on Σ_i d_ik
        self.q = nn.Linear(2 * in_width, out_width, bias=False)  # [q0 q1] on Σ_j c_nj
        self.activation, self.user_pool, self.norm = activation, user_pool, norm

    def forward(self, D: torch.Tensor, H: torch.Tensor) -> torch.Tensor:
        c = torch.cat([D, taylor_term(D, H)], dim=-1)  # step 1: c_nk = [d_nk ‖ e_nk]
        pool = c.sum(2, keepdim=True)
        if self.user_pool == "mean":
            pool = pool / D.shape[2]
        out = self.s(c) + self.p(D.sum(1, keepdim=True)) + self.q(pool)
        if not self.activation:
            return out
        if self.norm == "user":  # each user's N x J' block to norm 1/sqrt(K)
            return norm_activation(out, (1, 3)) / math.sqrt(out.shape[2])
        return norm_activation(out, (1, 2, 3))


class VanillaGnnLayer(nn.Module):
    """Eq. (7): σ(S d_nk + P PL_{i≠n} d_ik + Q PL_{j≠k} d_nj), PL = sum or mean."""

    def __init__(self, in_width: int, out_width: int, activation: bool, pooling: str) -> None:
        super().__init__()
        self.s = nn.Linear(in_width, out_width, bias=False)
        self.p = nn.Linear(in_width, out_width, bias=False)
        self.q = nn.Linear(in_width, out_width, bias=False)
        self.activation, self.pooling = activation, pooling

    def forward(self, D: torch.Tensor) -> torch.Tensor:
        N, K = D.shape[1], D.shape[2]
        by_ue = D.sum(1, keepdim=True) - D  # Σ_{i≠n} d_ik
        by_an = D.sum(2, keepdim=True) - D  # Σ_{j≠k} d_nj
        if self.pooling == "mean":
            by_ue, by_an = by_ue / max(N - 1, 1), by_an / max(K - 1, 1)
        out = self.s(D) + self.p(by_ue) + self.q(by_an)
        return norm_activation(out, (1, 2, 3)) if self.activation else out


class PowerHead(nn.Module):
    """Guo & Yang sec. IV-B2: FNN K -> η_K ∈ (0, 1), the EE variant's transmit-power factor."""

    def __init__(self, hidden: tuple[int, ...]) -> None:
        super().__init__()
        dims = (1, *hidden, 1)
        pairs = zip(dims[:-1], dims[1:], strict=True)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in pairs)

    def forward(self, num_users: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
        x = torch.tensor([[float(num_users)]], dtype=dtype, device=device)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return torch.sigmoid(x).reshape(())


class UserPowerHead(nn.Module):
    """Per-user power allocation on top of the Model-GNN's beam directions (spacemimo
    extension, not in 003).

    Why: every Model-GNN layer is linear in D up to the sample-wide norm, so the user powers
    it can express are polynomial in H, while the WMMSE optimum allocates power by each user's
    SINR — the paper's net stalls near 97.7% of WMMSE at N=8, K=4, 10 dB. A small MLP, shared
    by all users (so permutation-equivariant), reads each user's log signal, log(1 +
    interference) and log beam power under the unit-power output, plus their means over the
    users (context), and rescales that user's column by exp(a_k / 2), a_k ∈ (-3, 3). The last
    layer starts at zero, so an untrained head is the identity.
    """

    FEATURES = 6
    MAX_LOG_POWER = 3.0

    def __init__(self, hidden: tuple[int, ...]) -> None:
        super().__init__()
        dims = (self.FEATURES, *hidden, 1)
        pairs = zip(dims[:-1], dims[1:], strict=True)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in pairs)
        nn.init.zeros_(self.layers[-1].weight)
        nn.init.zeros_(self.layers[-1].bias)

    def forward(self, V: torch.Tensor, H: torch.Tensor, num_sats: int) -> torch.Tensor:
        """V: (B, N, K) complex, H: (B, K, N) complex in the net's scaling -> rescaled V."""
        V = normalize_power(V, 1.0, num_sats)
        g = (H @ V).abs().square()  # (B, K, K), row = receiver
        signal = torch.diagonal(g, dim1=1, dim2=2)
        f = torch.stack([(signal + 1e-6).log(), torch.log1p(g.sum(-1) - signal),
                         (V.abs().square().sum(1) + 1e-9).log()], dim=-1)  # (B, K, 3)
        x = torch.cat([f, f.mean(1, keepdim=True).expand_as(f)], dim=-1)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        a = self.MAX_LOG_POWER * torch.tanh(x.squeeze(-1) / self.MAX_LOG_POWER)  # (B, K)
        return V * torch.exp(a / 2).unsqueeze(1).to(V.dtype)


def _widths(hidden: tuple[int, ...]) -> list[tuple[int, int, bool]]:
    dims = (2, *hidden, 2)
    n = len(dims) - 1
    return [(dims[i], dims[i + 1], i < n - 1) for i in range(n)]


# --------------------------------------------------------------------------- nets


class ModelGnn(nn.Module):
    """Model-GNN precoder: ChannelBatch or H (B, K, N) -> V (B, N, K) in H's dtype.

    Any N and K at run time. Power: exactly P in total (per satellite/BS block when the batch
    has num_sats > 1); with a power head, η(K)² P.
    """

    def __init__(self, config: ModelGnnConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or ModelGnnConfig()
        self.layers = nn.ModuleList(ModelGnnLayer(a, b, act, cfg.user_pool, cfg.activation_norm)
                                    for a, b, act in _widths(cfg.hidden))
        self.power_head = PowerHead(cfg.power_head) if cfg.power_head else None
        self.user_power = UserPowerHead(cfg.user_power) if cfg.user_power else None

    def forward(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                noise_power: float | None = None) -> torch.Tensor:
        inp = resolve_input(x, p_max, noise_power)
        dt = real_dtype_of(self)
        H = scale_input(inp.H, inp.p_max, inp.noise_power, self.config.input_scale)
        H = H.to(complex_dtype_of(dt))
        D = channel_to_edges(H, dt)
        for layer in self.layers:
            D = layer(D, H)
        V = edges_to_precoder(D)
        if self.user_power is not None:
            V = self.user_power(V, H, inp.num_sats)
        V = normalize_power(V, inp.p_max, inp.num_sats)
        if self.power_head is not None:
            V = V * self.power_head(H.shape[1], dt, H.device)
        return V.to(inp.H.dtype)

    @torch.inference_mode()
    def infer(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
              noise_power: float | None = None, chunk: int | None = None) -> torch.Tensor:
        """Fast inference path: ``forward``'s output (to float rounding, ~1e-7 relative in
        float32) without autograd, in chunks that stay in cache. See ``fast_model_gnn``."""
        return fast_model_gnn(self, x, p_max, noise_power, chunk)


class VanillaGnn(nn.Module):
    """Vanilla-GNN baseline (eq. 7, Table I): same I/O and power layer as ``ModelGnn``."""

    def __init__(self, config: VanillaGnnConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or VanillaGnnConfig()
        self.layers = nn.ModuleList(VanillaGnnLayer(a, b, act, cfg.pooling)
                                    for a, b, act in _widths(cfg.hidden))

    def forward(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                noise_power: float | None = None) -> torch.Tensor:
        inp = resolve_input(x, p_max, noise_power)
        dt = real_dtype_of(self)
        H = scale_input(inp.H, inp.p_max, inp.noise_power, self.config.input_scale)
        D = channel_to_edges(H, dt)
        for layer in self.layers:
            D = layer(D)
        return normalize_power(edges_to_precoder(D), inp.p_max, inp.num_sats).to(inp.H.dtype)


# --------------------------------------------------------------------------- multi-cell


def _own_cell_edges(cells: int, num_tx: int, num_users: int, device: torch.device
                    ) -> torch.Tensor:
    """(N, K) bool: the intra-cell edges (BS m's antennas to cell m's users) of the cell-major
    layout of ``channels.multicell``, i.e. ``serving_mask`` of P2's serving map."""
    serving = torch.arange(cells, device=device).repeat_interleave(num_users // cells)
    return serving_mask(serving, num_tx, cells)


class MulticellModelGnnLayer(nn.Module):
    """Sec. III-E step 2 for every edge type: intra-cell edges (BS m -> a UE of cell m) and
    inter-cell edges each get their own [s, p_a, p_r, q_a, q_r]; p_a/p_r pool the edges of the
    same UE through antennas of the same/other BSs, q_a/q_r the edges of the same antenna to UEs
    of the same/other cells. As in the single-cell layer, the antenna pools see only d (term (c)
    omitted) and the sums include the edge itself (its share is absorbed into s, eq. 12).
    The output layer (``activation`` False) updates only intra-cell edges — the precoder
    lives there — so it has no inter-cell weights (they would get no gradient)."""

    def __init__(self, in_width: int, out_width: int, activation: bool) -> None:
        super().__init__()
        if in_width % 2:
            raise ValueError(f"Model-GNN widths must be even, got {in_width}")
        self.intra = nn.ModuleDict(self._weights(in_width, out_width))
        self.inter = nn.ModuleDict(self._weights(in_width, out_width)) if activation else None
        self.activation = activation

    @staticmethod
    def _weights(j: int, jo: int) -> dict[str, nn.Linear]:
        return {"s": nn.Linear(2 * j, jo, bias=False), "p_a": nn.Linear(j, jo, bias=False),
                "p_r": nn.Linear(j, jo, bias=False), "q_a": nn.Linear(2 * j, jo, bias=False),
                "q_r": nn.Linear(2 * j, jo, bias=False)}

    def forward(self, D: torch.Tensor, H: torch.Tensor, cells: int) -> torch.Tensor:
        c = torch.cat([D, taylor_term(D, H, cells)], dim=-1)
        return _typed_update(self.intra, self.inter, {"s": c, **_cell_pools(D, c, cells)},
                             cells)


def _cell_pools(D: torch.Tensor, c: torch.Tensor, cells: int) -> dict[str, torch.Tensor]:
    """P2's pools, the edge itself included: for each UE over the antennas of its edge's BS
    (p_a) / of the other BSs (p_r), summing D (B, N, K, J); for each antenna over the UEs of
    its edge's cell (q_a) / of the other cells (q_r), summing c (B, N, K, J_c)."""
    B, N, K, J = D.shape
    n, k, Jc = N // cells, K // cells, c.shape[-1]
    per_bs = D.reshape(B, cells, n, K, J).sum(2, keepdim=True)
    p_a = per_bs.expand(B, cells, n, K, J).reshape(B, N, K, J)
    per_cell = c.reshape(B, N, cells, k, Jc).sum(3, keepdim=True)
    q_a = per_cell.expand(B, N, cells, k, Jc).reshape(B, N, K, Jc)
    return {"p_a": p_a, "p_r": D.sum(1, keepdim=True) - p_a,
            "q_a": q_a, "q_r": c.sum(2, keepdim=True) - q_a}


def _typed_update(intra: nn.ModuleDict, inter: nn.ModuleDict | None,
                  inputs: dict[str, torch.Tensor], cells: int) -> torch.Tensor:
    """Σ_name W_name(inputs[name]) with intra-cell edges' weights on intra-cell edges and
    inter-cell edges' weights elsewhere, then σ; ``inter`` None: the output layer (intra
    weights everywhere, no σ; the net keeps only the intra-cell edges)."""
    def update(w: nn.ModuleDict) -> torch.Tensor:
        terms = [w[name](x) for name, x in inputs.items()]
        out = terms[0]
        for t in terms[1:]:
            out = out + t
        return out

    if inter is None:
        return update(intra)
    _, N, K, _ = inputs["s"].shape
    own = _own_cell_edges(cells, N, K, inputs["s"].device)[None, :, :, None]
    return norm_activation(torch.where(own, update(intra), update(inter)), (1, 2, 3))


class MulticellModelGnn(nn.Module):
    """Coordinated beamforming (Guo & Yang P2, Table V): M cells, cell-major users and
    antennas (``channels.multicell``: H (B, M·K, M·N), num_sats = M), exact power P per BS.
    BS m beams only to the K users of cell m (the precoder is zero on inter-cell edges, whose
    outputs are hidden messages only), as P2's V_m = [v_1m .. v_Km]. ``user_power`` adds the
    per-user power head of the single-cell net (spacemimo extension, ``model_gnn_multicell_pa``):
    its features (signal, interference, beam power) are read off H V across all cells.

    Equivariant to permuting cells, the antennas of a BS and the users of a cell; any M, N, K
    at run time (the batch's num_sats is M).
    """

    def __init__(self, config: ModelGnnConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or ModelGnnConfig()
        if cfg.power_head or cfg.user_pool != "sum" or cfg.activation_norm != "layer":
            raise ValueError("the multi-cell Model-GNN is the paper's SE (P2) variant: "
                             "power_head must be empty, user_pool 'sum', activation_norm "
                             "'layer'")
        self.layers = nn.ModuleList(MulticellModelGnnLayer(a, b, act)
                                    for a, b, act in _widths(cfg.hidden))
        self.user_power = UserPowerHead(cfg.user_power) if cfg.user_power else None

    def forward(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                noise_power: float | None = None, num_cells: int | None = None) -> torch.Tensor:
        inp = resolve_cells(x, p_max, noise_power, num_cells)
        M = inp.num_sats
        B, K, N = inp.H.shape
        dt = real_dtype_of(self)
        H = scale_input(inp.H, inp.p_max, inp.noise_power, self.config.input_scale)
        H = H.to(complex_dtype_of(dt))
        D = channel_to_edges(H, dt)
        for layer in self.layers:
            D = layer(D, H, M)
        # P2: BS m beams only to its own cell's users; the inter-cell edges carry messages
        # (interference) but no precoder, so the output is read from the intra-cell edges
        V = edges_to_precoder(D) * _own_cell_edges(M, N, K, D.device)
        if self.user_power is not None:  # extension: per-user powers, each BS renormalised
            V = self.user_power(V, H, M)
        return normalize_power(V, inp.p_max, M).to(inp.H.dtype)



class MulticellVanillaGnnLayer(nn.Module):
    """Eq. (7) on P2's graph (Table V's Vanilla-GNN row): the multi-cell Model-GNN layer's
    edge types and pools without the Taylor term and with the edge itself left out of its
    pools, σ(S d + P_a Σ_{same BS, i≠n} d_ik + P_r Σ_{other BSs} d_ik + Q_a Σ_{same cell,
    j≠k} d_nj + Q_r Σ_{other cells} d_nj), "mean" pooling dividing each pool by its size."""

    def __init__(self, in_width: int, out_width: int, activation: bool, pooling: str) -> None:
        super().__init__()
        names = ("s", "p_a", "p_r", "q_a", "q_r")
        self.intra = nn.ModuleDict({n: nn.Linear(in_width, out_width, bias=False)
                                    for n in names})
        self.inter = nn.ModuleDict({n: nn.Linear(in_width, out_width, bias=False)
                                    for n in names}) if activation else None
        self.pooling = pooling

    def forward(self, D: torch.Tensor, cells: int) -> torch.Tensor:
        _, N, K, _ = D.shape
        pools = _cell_pools(D, D, cells)
        pools["p_a"], pools["q_a"] = pools["p_a"] - D, pools["q_a"] - D  # i≠n, j≠k
        if self.pooling == "mean":
            n, k = N // cells, K // cells
            sizes = {"p_a": n - 1, "p_r": N - n, "q_a": k - 1, "q_r": K - k}
            pools = {name: x / max(sizes[name], 1) for name, x in pools.items()}
        return _typed_update(self.intra, self.inter, {"s": D, **pools}, cells)


class MulticellVanillaGnn(nn.Module):
    """Table V's Vanilla-GNN baseline: ``MulticellModelGnn``'s I/O (cell-major H (B, M·K, M·N),
    BS m beams only to cell m's users, exact power P per BS) with eq. (7) layers of Table I's
    widths [64, 512, 512, 64]. Equivariant to cells, a BS's antennas and a cell's users."""

    def __init__(self, config: VanillaGnnConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or VanillaGnnConfig()
        self.layers = nn.ModuleList(MulticellVanillaGnnLayer(a, b, act, cfg.pooling)
                                    for a, b, act in _widths(cfg.hidden))

    def forward(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                noise_power: float | None = None, num_cells: int | None = None) -> torch.Tensor:
        inp = resolve_cells(x, p_max, noise_power, num_cells)
        M = inp.num_sats
        B, K, N = inp.H.shape
        dt = real_dtype_of(self)
        H = scale_input(inp.H, inp.p_max, inp.noise_power, self.config.input_scale)
        D = channel_to_edges(H, dt)
        for layer in self.layers:
            D = layer(D, M)
        V = edges_to_precoder(D) * _own_cell_edges(M, N, K, D.device)
        return normalize_power(V, inp.p_max, M).to(inp.H.dtype)


# --------------------------------------------------------------------------- fast inference
#
# The reference forward above is written for training and readability: edges (B, N, K, J) with
# features [Re | Im] halves, A and E as complex einsum/bmm on permuted copies, c = [d ‖ e]
# concatenated. For timed inference (003 Table II) the same arithmetic is rearranged so that
# every step is a real GEMM on contiguous memory, with no complex dtype and no permuted copy:
#   - layout (B, C, 2, K, N): complex channel c, part q (Re/Im), user k, antenna n, i.e. per
#     channel the transposed edge matrix Dᵀ = [D_re; D_im] (2K × N);
#   - Aᵀ for all channels of a sample at once: D (2KC × N) @ [H_re | H_im]ᵀ (N × 2K);
#   - Eᵀ = Aᵀ Dᵀ per channel as one real (2K × 2K) @ (2K × N) matmul with the block matrix
#     [[Aᵀ_re, -Aᵀ_im], [Aᵀ_im, Aᵀ_re]], written in the same layout as D;
#   - S c = S0 d + S1 e and Q Σc = Q0 Σd + Q1 Σe as (J' × J) @ (J × K·N) GEMMs per sample
#     (accumulated, no concatenation), the weights permuted once to the (c, q) feature order;
# everything under inference_mode, in cache-sized chunks of samples. For small graphs (N·K <=
# FAST_EDGE_LAYOUT_MAX, e.g. 8×4) those per-channel matmuls are tiny and the edge-major layout
# (B, N, K, J) with interleaved (c, q) features wins: D is then a complex (B, N, K, C) view,
# A = H D one (K×N)@(N×K·C) matmul per sample, E = D A as K broadcast multiply-adds, and the
# weights act as (J, J') right-multipliers on all B·N·K edges at once.

FAST_EDGE_LAYOUT_MAX = 64  # N·K up to which the edge-major layout is used
FAST_CHUNK_EDGES = 8192  # samples per chunk ≈ this / (N·K): ~1 MiB of (32, K, N) floats each
_TINY = 1e-30  # sqrt of precoder_io's SQ_NORM_FLOOR on the squared norm


def _interleaved(width: int) -> torch.Tensor:
    """Position in the nets' [Re ch_0.., Im ch_0..] layout of feature 2c + q of the fast path."""
    return torch.arange(width).view(2, width // 2).t().reshape(-1)


def _pack_layer(layer: ModelGnnLayer) -> tuple[torch.Tensor, ...]:
    """(S0, S1, Q0, Q1, P0) as (J', J) left-multipliers in the (c, q) feature order."""
    J, Jo = layer.p.in_features, layer.p.out_features
    i, o = _interleaved(J), _interleaved(Jo)

    def pack(w: torch.Tensor) -> torch.Tensor:
        return w.detach()[o][:, i].contiguous()

    S, Q = layer.s.weight, layer.q.weight
    return (pack(S[:, :J]), pack(S[:, J:]), pack(Q[:, :J]), pack(Q[:, J:]),
            pack(layer.p.weight))


def _fast_activation(out: torch.Tensor, user_dims: tuple[int, int] | None) -> torch.Tensor:
    """σ in place: the whole sample's layer (``user_dims`` None) or each user's block (the
    dims that hold its antennas and features), then 1/sqrt(K) as ``ModelGnnLayer``."""
    if user_dims is None:
        flat = out.view(out.shape[0], -1)
        flat *= torch.linalg.vector_norm(flat, dim=1, keepdim=True).clamp_min(_TINY).reciprocal()
        return out
    K = out.numel() // (out.shape[0] * out.shape[user_dims[0]] * out.shape[user_dims[1]])
    norm = torch.linalg.vector_norm(out, dim=user_dims, keepdim=True).clamp_min(_TINY)
    out *= (norm * math.sqrt(K)).reciprocal()
    return out


def _fast_layer_edges(D: torch.Tensor, H: torch.Tensor, w: tuple[torch.Tensor, ...],
                      activation: bool, user_norm: bool = False) -> torch.Tensor:
    """One ``ModelGnnLayer`` in the edge-major layout: D (B, N, K, J) real, features (c, q);
    H (B, K, N) complex (the net's scaling); w as ``_pack_layer``'s -> (B, N, K, J').
    user_norm: the activation normalises each user (``activation_norm`` "user")."""
    S0, S1, Q0, Q1, P0 = (x.t() for x in w)  # right-multipliers (J, J')
    B, N, K, J = D.shape
    C, Jo = J // 2, S0.shape[1]
    Dc = torch.view_as_complex(D.view(B, N, K, C, 2))  # (B, N, K, C), no copy
    A = torch.bmm(H, Dc.reshape(B, N, K * C)).view(B, K, K, C)  # A[b, j, k, c] = a_jk
    E = Dc[:, :, :1] * A[:, None, 0]  # e_nk = Σ_j a_jk d_nj
    for j in range(1, K):
        E.addcmul_(Dc[:, :, j:j + 1], A[:, None, j])
    Er = torch.view_as_real(E)  # (B, N, K, C, 2)
    out = torch.mm(D.view(-1, J), S0)
    out.addmm_(Er.view(-1, J), S1)
    q = torch.mm(D.sum(2).view(-1, J), Q0)
    q.addmm_(Er.sum(2).view(-1, J), Q1)
    out = out.view(B, N, K, Jo)
    out += q.view(B, N, 1, Jo)
    out += torch.mm(D.sum(1).view(-1, J), P0).view(B, 1, K, Jo)
    if activation:
        _fast_activation(out, (1, 3) if user_norm else None)
    return out


def _lmul(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """(J', J) @ (B, J, M) -> (B, J', M), one GEMM per sample (weights shared, not copied)."""
    return torch.bmm(w.expand(x.shape[0], *w.shape), x)


def _fast_layer(D: torch.Tensor, Hcat: torch.Tensor, w: tuple[torch.Tensor, ...],
                activation: bool, user_norm: bool = False) -> torch.Tensor:
    """One ``ModelGnnLayer``: D (B, J, K, N) in the (c, q, k, n) layout, Hcat (B, 2K, N) =
    [H_re; H_im] (rows h_kᴴ, the net's scaling) -> (B, J', K, N)."""
    S0, S1, Q0, Q1, P0 = w
    B, J, K, N = D.shape
    C, Jo = J // 2, S0.shape[0]
    G = torch.bmm(D.view(B, J * K, N), Hcat.mT).view(B, C, 2, K, 2, K)  # [c, q, k, p, j]
    at_re = G[:, :, 0, :, 0] - G[:, :, 1, :, 1]  # Aᵀ[k, j] = a_jk = h_jᴴ d_k, per channel
    at_im = G[:, :, 1, :, 0] + G[:, :, 0, :, 1]
    M = torch.cat([torch.cat([at_re, -at_im], -1), torch.cat([at_im, at_re], -1)], -2)
    E = torch.matmul(M, D.view(B, C, 2 * K, N)).view(B, J, K * N)  # Eᵀ = Aᵀ Dᵀ per channel
    Dv = D.view(B, J, K * N)
    out = _lmul(S0, Dv).baddbmm_(S1.expand(B, Jo, J), E).view(B, Jo, K, N)
    q = _lmul(Q0, D.sum(2)).baddbmm_(Q1.expand(B, Jo, J), E.view(B, J, K, N).sum(2))
    out += q.view(B, Jo, 1, N)  # Q Σ_j c_nj, per antenna
    out += _lmul(P0, D.sum(3)).view(B, Jo, K, 1)  # P Σ_i d_ik, per user
    if activation:
        _fast_activation(out, (1, 3) if user_norm else None)
    return out


def _packed(net: ModelGnn) -> list[tuple[tuple[torch.Tensor, ...], bool]]:
    """The layers' packed weights, cached on the net until a parameter changes (training
    steps bump the parameters' version counters; ``load_state_dict`` copies in place too)."""
    key = tuple((p.data_ptr(), p._version, p.dtype, p.device) for p in net.parameters())
    cache = getattr(net, "_fast_cache", None)
    if cache is None or cache[0] != key:
        with torch.no_grad():
            packed = [(_pack_layer(layer), layer.activation) for layer in net.layers]
        cache = (key, packed)
        object.__setattr__(net, "_fast_cache", cache)  # plain attribute, not a submodule/buffer
    return cache[1]


def fast_model_gnn(net: ModelGnn, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                   noise_power: float | None = None, chunk: int | None = None,
                   layout: str = "auto") -> torch.Tensor:
    """``net(x)`` for inference (see the section comment above); ``chunk``: samples per pass
    (default: about FAST_CHUNK_EDGES / (N·K)); layout: "edges", "channels" or "auto" (edges
    up to N·K = FAST_EDGE_LAYOUT_MAX)."""
    if layout not in ("auto", "edges", "channels"):
        raise ValueError(f"layout must be auto, edges or channels, got {layout!r}")
    inp = resolve_input(x, p_max, noise_power)
    dt = real_dtype_of(net)
    H = scale_input(inp.H, inp.p_max, inp.noise_power, net.config.input_scale)
    H = H.to(complex_dtype_of(dt))
    B, K, N = H.shape
    packed = _packed(net)
    if net.config.user_pool == "mean":  # Q (Σ/K) = (Q/K) Σ: scale the packed Q0, Q1
        packed = [((S0, S1, Q0 / K, Q1 / K, P0), act) for (S0, S1, Q0, Q1, P0), act in packed]
    user_norm = net.config.activation_norm == "user"
    step = chunk or max(1, FAST_CHUNK_EDGES // (N * K))
    parts = []
    if layout == "edges" or (layout == "auto" and N * K <= FAST_EDGE_LAYOUT_MAX):
        for i in range(0, B, step):
            Hi = H[i:i + step]
            D = torch.view_as_real(Hi.mH.contiguous().resolve_conj()).to(dt)  # [Re h, Im h]
            for w, act in packed:
                D = _fast_layer_edges(D, Hi, w, act, user_norm)
            parts.append(torch.view_as_complex(D))  # (b, N, K)
        V = parts[0] if len(parts) == 1 else torch.cat(parts)
    else:
        Hcat = torch.cat([H.real, H.imag], 1)  # (B, 2K, N)
        D0 = torch.stack([H.real, -H.imag], 1)  # (B, 2, K, N): d_nk = conj(H[k, n])
        for i in range(0, B, step):
            D, Hc = D0[i:i + step], Hcat[i:i + step]
            for w, act in packed:
                D = _fast_layer(D, Hc, w, act, user_norm)
            parts.append(D)  # (b, 2, K, N)
        D = parts[0] if len(parts) == 1 else torch.cat(parts)
        V = torch.complex(D[:, 0], D[:, 1]).mT.contiguous()  # (B, N, K)
    if net.user_power is not None:
        V = net.user_power(V, H, inp.num_sats)
    V = normalize_power(V, inp.p_max, inp.num_sats)
    if net.power_head is not None:
        V = V * net.power_head(K, dt, H.device)
    return V.to(inp.H.dtype)
