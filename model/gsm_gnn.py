"""GSM multi-GNN precoder (002 sec. III, Table II): one node-GNN per satellite over its UTs.

Each satellite's GNN sees only its local CSI: node k is UT k with feature the 2M real numbers
[Re, Im] of row k of the satellite's (K, M) channel block (GSM sec. III-B1; our rows are the
conjugated channels h_kᴴ of ``spacemimo.model.batch``). Table II, M = 4:

    input MLP      2M -> 1024 -> 512
    graph conv ×2  aggregate: MLP 512 -> 512 -> 512 on every node, element-wise max over the
                   other nodes j ≠ k; combine: MLP on [self ‖ aggregate] 1024 -> 512 -> 512
    output FC      512 -> 2M, no ReLU (ReLU follows every other FC, sec. V-A2)
    post-process   b ← sqrt(P)·b/||b|| over the satellite's whole (K, M) output, then complex

That is 3,158,016 weights (plus 5,640 biases) and K × 3.16 M MACs per inference: the
aggregation MLP runs once per node, not once per edge (GSM Alg. 2's refactoring), because it
does not depend on the receiving node.

Design decisions (the text leaves them open):
- Weights are shared by all satellites by default: "all the GNNs have exactly the same
  structure", "homogeneous and adhere to the same operational rules" (sec. III-A/B), one GNN
  trained centrally and "the weight and bias parameters ... delivered from the GW to each LEO
  satellite" (sec. III-C), and the scalability claim of Fig. 8 (any number of satellites) needs
  one set of weights. ``shared_weights=False`` gives each satellite its own copy (S × weights).
- The max-pool excludes the node itself: the aggregation runs over the node's neighbours and
  the node's own feature already enters through the concatenation. ``include_self=True``
  switches it in. One UT alone has no neighbours and aggregates 0.
- The forward pass is a list of ``NetOp`` (dense, relu, max_aggregate, concat, power_norm)
  executed by ``precoder_io.run_ops``: the same list the quantizer lowers to the accelerator
  program, so there is one description of the network.
- Global variant (Fig. 9 "GNN-Global"): one GNN whose nodes carry all S·M antennas, total
  budget S·P (the local variant's total) shared freely between satellites.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from spacemimo.model.batch import ChannelBatch
from spacemimo.model.precoder_io import (
    INPUT_SCALES,
    NetConfig,
    NetOp,
    complex_to_real,
    real_dtype_of,
    real_to_complex,
    resolve_input,
    run_ops,
    scale_input,
    weight_count,
)

VARIANTS = ("local", "global")


@dataclass(frozen=True)
class GsmGnnConfig(NetConfig):
    """GSM 002 Table II sizes (defaults) and the multi-GNN options.

    antennas_per_sat: M (node features 2M). num_sats: S. input_mlp / aggregate_mlp /
    combine_mlp: hidden widths of the three MLP kinds; graph_layers: number of graph convs.
    variant: "local" (one GNN per satellite, per-satellite power) or "global" (one GNN over
    all S·M antennas, total power S·P). input_scale: see ``precoder_io.scale_input``.
    """

    antennas_per_sat: int = 4
    num_sats: int = 4
    input_mlp: tuple[int, ...] = (1024, 512)
    aggregate_mlp: tuple[int, ...] = (512, 512)
    combine_mlp: tuple[int, ...] = (512, 512)
    graph_layers: int = 2
    variant: str = "local"
    shared_weights: bool = True
    include_self: bool = False
    bias: bool = True
    input_scale: str = "snr"

    def __post_init__(self) -> None:
        self._check_int("antennas_per_sat")
        self._check_int("num_sats")
        self._check_int("graph_layers", low=0)
        for name in ("input_mlp", "aggregate_mlp", "combine_mlp"):
            self._check_widths(name)
        self._check_choice("variant", VARIANTS)
        self._check_choice("input_scale", INPUT_SCALES)

    @property
    def node_features(self) -> int:
        """Real features per UT node: 2M (local) or 2SM (global)."""
        n = self.antennas_per_sat * (self.num_sats if self.variant == "global" else 1)
        return 2 * n


class GsmGraphConv(nn.Module):
    """One GSM graph convolution (sec. III-B2): aggregate MLP + max over j≠k, combine MLP."""

    def __init__(self, in_features: int, aggregate: tuple[int, ...], combine: tuple[int, ...],
                 bias: bool) -> None:
        super().__init__()
        self.aggregate = _linears(in_features, aggregate, bias)
        self.combine = _linears(in_features + aggregate[-1], combine, bias)
        self.out_features = combine[-1]


def _linears(n_in: int, widths: tuple[int, ...], bias: bool) -> nn.ModuleList:
    dims = (n_in, *widths)
    pairs = zip(dims[:-1], dims[1:], strict=True)
    return nn.ModuleList(nn.Linear(a, b, bias=bias) for a, b in pairs)


class GsmGnn(nn.Module):
    """One satellite's GNN (the unit deployed on board): (B, K, F) real -> (B, K, F) real.

    F = node_features (2M). The output rows are [Re b_k, Im b_k], already scaled so the
    satellite's whole output has squared norm P.
    """

    def __init__(self, config: GsmGnnConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or GsmGnnConfig()
        self.in_features = cfg.node_features
        self.mlp_in = _linears(self.in_features, cfg.input_mlp, cfg.bias)
        width = cfg.input_mlp[-1]
        self.convs = nn.ModuleList()
        for _ in range(cfg.graph_layers):
            conv = GsmGraphConv(width, cfg.aggregate_mlp, cfg.combine_mlp, cfg.bias)
            self.convs.append(conv)
            width = conv.out_features
        self.fc_out = nn.Linear(width, self.in_features, bias=cfg.bias)

    def ops(self) -> list[NetOp]:
        """The forward pass as ops on named values; input "x" (B, K, F), output "b"."""
        ops: list[NetOp] = []
        cur = "x"

        def mlp(prefix: str, layers: nn.ModuleList, src: str) -> str:
            for i, _ in enumerate(layers):
                ops.append(NetOp("dense", f"{prefix}.{i}", (src,), layer=f"{prefix}.{i}"))
                ops.append(NetOp("relu", f"{prefix}.{i}.relu", (f"{prefix}.{i}",)))
                src = f"{prefix}.{i}.relu"
            return src

        cur = mlp("mlp_in", self.mlp_in, cur)
        for c, conv in enumerate(self.convs):
            msg = mlp(f"convs.{c}.aggregate", conv.aggregate, cur)
            agg, cat = f"convs.{c}.max", f"convs.{c}.concat"
            ops.append(NetOp("max_aggregate", agg, (msg,),
                             attrs={"include_self": self.config.include_self}))
            ops.append(NetOp("concat", cat, (cur, agg)))
            cur = mlp(f"convs.{c}.combine", conv.combine, cat)
        ops.append(NetOp("dense", "fc_out", (cur,), layer="fc_out"))
        ops.append(NetOp("power_norm", "b", ("fc_out",),
                         attrs={"layout": "[Re b_k, Im b_k] per node", "scope": "sample"}))
        return ops

    def forward(self, x: torch.Tensor, p_max: float) -> torch.Tensor:
        if x.dim() != 3 or x.shape[-1] != self.in_features:
            raise ValueError(f"x must be (B, K, {self.in_features}) real, got "
                             f"{tuple(x.shape)}")
        return run_ops(self.ops(), self, x, p_max)

    def weight_count(self) -> int:
        return weight_count(self)

    def mac_count(self, num_users: int) -> int:
        """Multiply-accumulates per inference: every Linear runs once per node."""
        return self.weight_count() * num_users


class GsmMultiGnn(nn.Module):
    """The whole multi-GNN (GSM Fig. 2), trained centrally on all satellites' CSI.

    forward(x) with x a ChannelBatch or H: (B, K, S*M) complex -> W: (B, S*M, K) complex in H's
    dtype. Local: satellite s's block W[:, sM:(s+1)M] depends only on H[:, :, sM:(s+1)M] and
    radiates exactly P (the batch's per-satellite p_max). Global: total power exactly S·P.
    """

    def __init__(self, config: GsmGnnConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or GsmGnnConfig()
        n_nets = 1 if (cfg.shared_weights or cfg.variant == "global") else cfg.num_sats
        self.gnns = nn.ModuleList(GsmGnn(cfg) for _ in range(n_nets))

    def gnn_for(self, sat: int) -> GsmGnn:
        """The GNN deployed on satellite ``sat`` (GSM sec. III-C step 2)."""
        return self.gnns[0] if len(self.gnns) == 1 else self.gnns[sat]

    def forward(self, x: ChannelBatch | torch.Tensor, p_max: float | None = None,
                noise_power: float | None = None) -> torch.Tensor:
        cfg = self.config
        inp = resolve_input(x, p_max, noise_power, None if isinstance(x, ChannelBatch)
                            else cfg.num_sats)
        B, K, Nt = inp.H.shape
        S = inp.num_sats
        if Nt != S * cfg.antennas_per_sat:
            raise ValueError(f"H has Nt={Nt} antennas but the net expects num_sats={S} x "
                             f"antennas_per_sat={cfg.antennas_per_sat}")
        if len(self.gnns) > 1 and S != cfg.num_sats:
            raise ValueError(f"per-satellite weights were built for num_sats={cfg.num_sats}, "
                             f"got {S} satellites (shared weights work for any S)")
        if cfg.variant == "global" and S != cfg.num_sats:
            raise ValueError(f"the global GNN was built for num_sats={cfg.num_sats}, got {S}")
        H = scale_input(inp.H, inp.p_max, inp.noise_power, cfg.input_scale)
        dt = real_dtype_of(self)
        if cfg.variant == "global":
            b = self.gnns[0](complex_to_real(H, dt), S * inp.p_max)  # (B, K, 2Nt)
            return real_to_complex(b).to(inp.H.dtype).transpose(1, 2)
        M = cfg.antennas_per_sat
        local = H.reshape(B, K, S, M).transpose(1, 2)  # (B, S, K, M), ChannelBatch.local_view
        feats = complex_to_real(local, dt)  # (B, S, K, 2M)
        if len(self.gnns) == 1:  # one GNN, satellites batched: power_norm is per satellite
            b = self.gnns[0](feats.reshape(B * S, K, 2 * M), inp.p_max).reshape(B, S, K, 2 * M)
        else:
            b = torch.stack([g(feats[:, s], inp.p_max) for s, g in enumerate(self.gnns)], 1)
        Wc = real_to_complex(b).to(inp.H.dtype)  # (B, S, K, M)
        return Wc.permute(0, 1, 3, 2).reshape(B, S * M, K)
