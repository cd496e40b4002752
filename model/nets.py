"""The GNN precoders by name (issue 4's ``spacemimo.model.nets``): one place where the trainer,
the CLI and the quantizer look a net up and build it from a preset's ``net:`` block.

Every net maps a ``ChannelBatch`` (or a bare H (B, K, Nt) complex with ``p_max=``) to a
precoder W (B, Nt, K) in H's dtype that meets the power budget; see the defining modules:
``gsm_gnn`` (GSM 002), ``model_gnn`` (Guo & Yang 003), ``zhou_gnn`` (Zhou et al. 000) and
``structured_cb`` (our learned optimal-structure net for 003's coordinated beamforming).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import nn

from spacemimo.model.gsm_gnn import GsmGnn, GsmGnnConfig, GsmMultiGnn
from spacemimo.model.model_gnn import (
    ModelGnn,
    ModelGnnConfig,
    MulticellModelGnn,
    MulticellVanillaGnn,
    VanillaGnn,
    VanillaGnnConfig,
)
from spacemimo.model.precoder_io import NetConfig, parameter_count, weight_count
from spacemimo.model.structured_cb import StructuredCbConfig, StructuredCoordinatedNet
from spacemimo.model.zhou_gnn import (
    DeepUnfoldedWmmse,
    TaylorInverseGnn,
    UnfoldedWmmseConfig,
    ZhouEdgeGnn,
    ZhouEdgeGnnConfig,
)

__all__ = [
    "NETS", "NetSpec", "build_net", "net_config", "parameter_count", "weight_count",
    "GsmGnn", "GsmGnnConfig", "GsmMultiGnn", "ModelGnn", "ModelGnnConfig", "MulticellModelGnn",
    "MulticellVanillaGnn",
    "StructuredCbConfig", "StructuredCoordinatedNet", "VanillaGnn", "VanillaGnnConfig",
    "ZhouEdgeGnn", "ZhouEdgeGnnConfig", "DeepUnfoldedWmmse", "UnfoldedWmmseConfig",
    "TaylorInverseGnn",
]


@dataclass(frozen=True)
class NetSpec:
    """A net class, its config class and the config values that differ from the defaults."""

    net: type[nn.Module]
    config: type[NetConfig]
    defaults: dict[str, Any] = field(default_factory=dict)
    paper: str = ""


NETS: dict[str, NetSpec] = {
    "gsm_local": NetSpec(GsmMultiGnn, GsmGnnConfig, {}, "GSM 002 Table II, GNN-Local"),
    "gsm_global": NetSpec(GsmMultiGnn, GsmGnnConfig, {"variant": "global"},
                          "GSM 002 Fig. 9, GNN-Global"),
    "model_gnn": NetSpec(ModelGnn, ModelGnnConfig, {}, "Guo & Yang 003 eq. 15, SE"),
    "model_gnn_pa": NetSpec(ModelGnn, ModelGnnConfig, {"user_power": (32, 32)},
                            "Guo & Yang 003 eq. 15 + per-user power MLP (spacemimo extension)"),
    "model_gnn_un": NetSpec(ModelGnn, ModelGnnConfig, {"activation_norm": "user"},
                            "Guo & Yang 003 eq. 15 with σ = X/||X|| per user column (the "
                            "other reading of sec. IV-A)"),
    "model_gnn_ee": NetSpec(ModelGnn, ModelGnnConfig, ModelGnnConfig.ee().to_dict(),
                            "Guo & Yang 003 Table I/IV, EE with QoS + η(K) FNN"),
    "model_gnn_multicell": NetSpec(MulticellModelGnn, ModelGnnConfig, {},
                                   "Guo & Yang 003 sec. III-E / Table V"),
    "model_gnn_multicell_pa": NetSpec(MulticellModelGnn, ModelGnnConfig, {"user_power": (32, 32)},
                                      "Guo & Yang 003 Table V + per-user power MLP (extension)"),
    "structured_cb": NetSpec(StructuredCoordinatedNet, StructuredCbConfig, {},
                             "003 P2 / Table V through the learned optimal beamforming "
                             "structure (spacemimo extension)"),
    "vanilla_gnn": NetSpec(VanillaGnn, VanillaGnnConfig, {}, "Guo & Yang 003 eq. 7"),
    "vanilla_gnn_multicell": NetSpec(MulticellVanillaGnn, VanillaGnnConfig, {},
                                     "Guo & Yang 003 Table V, Vanilla-GNN (eq. 7 on P2's graph)"),
    "zhou_edge_gnn": NetSpec(ZhouEdgeGnn, ZhouEdgeGnnConfig, {}, "Zhou 000 Alg. 1"),
    "zhou_unfolded": NetSpec(DeepUnfoldedWmmse, UnfoldedWmmseConfig, {}, "Zhou 000 Alg. 2"),
    "iaidnn": NetSpec(DeepUnfoldedWmmse, UnfoldedWmmseConfig, {"inverse": "iaidnn"},
                      "Zhou 000 sec. V linear deep unfolding (Hu et al. [40])"),
}


def net_config(name: str, overrides: dict[str, Any] | NetConfig | None = None) -> NetConfig:
    """The config of net ``name``: its defaults, then ``overrides`` (dict or config)."""
    if name not in NETS:
        raise ValueError(f"unknown net {name!r}; known: {', '.join(sorted(NETS))}")
    spec = NETS[name]
    if isinstance(overrides, NetConfig):
        if not isinstance(overrides, spec.config):
            raise ValueError(f"net {name!r} takes a {spec.config.__name__}, got "
                             f"{type(overrides).__name__}")
        return overrides
    return spec.config.from_dict({**spec.defaults, **(overrides or {})})


def build_net(name: str, overrides: dict[str, Any] | NetConfig | None = None) -> nn.Module:
    """Build net ``name`` (a key of ``NETS``) with its paper defaults and ``overrides``."""
    config = net_config(name, overrides)
    return NETS[name].net(config)
