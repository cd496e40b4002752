"""GNN precoder definitions: paper sizes, equivariance, exact power, I/O contract, gradients.

All nets except the GSM weight-count check run at tiny widths so the file stays fast on CPU.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch, serving_mask
from spacemimo.model.gsm_gnn import GsmGnn, GsmGnnConfig, GsmMultiGnn
from spacemimo.model.model_gnn import (
    ModelGnn,
    ModelGnnConfig,
    ModelGnnLayer,
    MulticellModelGnn,
    MulticellVanillaGnn,
    VanillaGnn,
    VanillaGnnConfig,
    channel_to_edges,
    edges_to_precoder,
    fast_model_gnn,
)
from spacemimo.model.nets import NETS, build_net, net_config, parameter_count, weight_count
from spacemimo.model.precoder_io import max_aggregate
from spacemimo.model.zhou_gnn import (
    DeepUnfoldedWmmse,
    TaylorInverseGnn,
    UnfoldedWmmseConfig,
    ZhouEdgeGnn,
    ZhouEdgeGnnConfig,
)

RTOL = 1e-5


def _H(B: int, K: int, Nt: int, seed: int = 0, dtype: torch.dtype = torch.complex64
       ) -> torch.Tensor:
    return torch.randn(B, K, Nt, dtype=dtype, generator=torch.Generator().manual_seed(seed))


def _tiny_gsm(**kw: object) -> GsmMultiGnn:
    cfg = {"antennas_per_sat": 3, "num_sats": 2, "input_mlp": (16, 12), "aggregate_mlp": (12, 10),
           "combine_mlp": (14, 12)} | kw
    torch.manual_seed(0)
    return GsmMultiGnn(GsmGnnConfig(**cfg))


def _tiny_unfolded(inverse: str = "gnn", **kw: object) -> DeepUnfoldedWmmse:
    torch.manual_seed(0)
    cfg = {"outer_iterations": 2, "wmmse_layers": 1, "inverse": inverse, "inverse_layers": 4,
           "num_tx": 6} | kw
    return DeepUnfoldedWmmse(UnfoldedWmmseConfig(**cfg))


# name -> (net factory, Nt, num_sats of the test batch); every net maps (B, K, Nt) -> (B, Nt, K)
TINY = {
    "gsm_local": (lambda: _tiny_gsm(), 6, 2),
    "gsm_local_per_sat": (lambda: _tiny_gsm(shared_weights=False), 6, 2),
    "gsm_local_self": (lambda: _tiny_gsm(include_self=True), 6, 2),
    "gsm_global": (lambda: _tiny_gsm(variant="global"), 6, 2),
    "model_gnn": (lambda: ModelGnn(ModelGnnConfig(hidden=(6, 4))), 6, 1),
    "model_gnn_ee": (lambda: ModelGnn(ModelGnnConfig(hidden=(6, 4), power_head=(4,))), 6, 1),
    "model_gnn_mean": (lambda: ModelGnn(ModelGnnConfig(hidden=(6, 4), user_pool="mean")), 6, 1),
    "model_gnn_un": (lambda: ModelGnn(ModelGnnConfig(hidden=(6, 4), activation_norm="user")),
                     6, 1),
    "model_gnn_multicell": (lambda: MulticellModelGnn(ModelGnnConfig(hidden=(4,))), 6, 2),
    "vanilla_gnn": (lambda: VanillaGnn(VanillaGnnConfig(hidden=(8, 6))), 6, 1),
    "vanilla_gnn_multicell": (lambda: MulticellVanillaGnn(VanillaGnnConfig(hidden=(8, 6))), 6, 2),
    "zhou_edge_gnn": (lambda: ZhouEdgeGnn(ZhouEdgeGnnConfig(num_layers=2, message_width=6,
                                                             hidden=8, edge_width=4)), 6, 1),
    "zhou_unfolded": (lambda: _tiny_unfolded(), 6, 1),
    "iaidnn": (lambda: _tiny_unfolded("iaidnn"), 6, 1),
}
MULTICELL = ("model_gnn_multicell", "vanilla_gnn_multicell")
USER_EQUIVARIANT = [n for n in TINY if n not in MULTICELL]  # those: within a cell
ANTENNA_EQUIVARIANT = ["model_gnn", "model_gnn_ee", "model_gnn_mean", "model_gnn_un",
                       "vanilla_gnn", "zhou_edge_gnn", "zhou_unfolded"]


def _make(name: str) -> tuple[nn.Module, int, int]:
    factory, Nt, S = TINY[name]
    torch.manual_seed(0)
    return factory(), Nt, S


def _batch(name: str, B: int = 2, K: int = 4, seed: int = 0, p_max: float = 2.5
           ) -> ChannelBatch:
    _, Nt, S = TINY[name]
    return ChannelBatch(_H(B, K, Nt, seed), p_max=p_max, noise_power=0.5, num_sats=S)


def _close(a: torch.Tensor, b: torch.Tensor, tol: float = 2e-5) -> bool:
    return bool((a - b).abs().max() <= tol * max(1.0, b.abs().max().item()))


# --------------------------------------------------------------------------- paper sizes


def test_gsm_table2_weight_count_at_m4() -> None:
    gnn = GsmGnn(GsmGnnConfig(antennas_per_sat=4))
    assert gnn.weight_count() == 3_158_016  # GSM Table II / DESIGN.md reference numbers
    assert parameter_count(gnn) - gnn.weight_count() == 5_640  # biases
    assert gnn.mac_count(num_users=4) == 12_632_064  # "about 12.6 M MACs per inference"
    shared = GsmMultiGnn(GsmGnnConfig())
    assert weight_count(shared) == 3_158_016  # one GNN deployed on every satellite
    assert weight_count(GsmMultiGnn(GsmGnnConfig(shared_weights=False))) == 4 * 3_158_016


def test_guo_yang_paper_sizes() -> None:
    assert parameter_count(ModelGnn()) == 5 * (2 * 32 + 32 * 32 + 32 * 8 + 8 * 2)
    assert parameter_count(VanillaGnn()) == 3 * (2 * 64 + 64 * 512 + 512 * 512 + 512 * 64
                                                 + 64 * 2)
    assert [lay.p.out_features for lay in ModelGnn(ModelGnnConfig.ee()).layers] == [32, 32, 32,
                                                                                   8, 2]


def test_gsm_ops_cover_every_linear_once_in_table2_order() -> None:
    gnn = GsmGnn(GsmGnnConfig(input_mlp=(8, 6), aggregate_mlp=(6, 5), combine_mlp=(7, 6)))
    ops = gnn.ops()
    dense = [op.layer for op in ops if op.kind == "dense"]
    linears = [n for n, m in gnn.named_modules() if isinstance(m, nn.Linear)]
    assert sorted(dense) == sorted(linears) and len(dense) == len(set(dense))
    kinds = [op.kind for op in ops]
    assert kinds.count("max_aggregate") == 2 and kinds.count("concat") == 2
    assert kinds[-2:] == ["dense", "power_norm"] and kinds.count("relu") == len(dense) - 1
    assert len({op.dst for op in ops} | {"x"}) == len(ops) + 1  # single assignment
    defined = {"x"}  # every source is defined before it is read
    for op in ops:
        assert set(op.src) <= defined, op
        defined.add(op.dst)


# --------------------------------------------------------------------------- equivariance


@pytest.mark.parametrize("name", USER_EQUIVARIANT)
def test_permuting_users_permutes_precoders(name: str) -> None:
    net, _, _ = _make(name)
    b = _batch(name, K=4)
    perm = torch.tensor([2, 0, 3, 1])
    with torch.no_grad():
        W = net(b)
        Wp = net(ChannelBatch(b.H[:, perm], b.p_max, b.noise_power, b.num_sats))
    assert _close(Wp, W[:, :, perm])


MULTICELL_NETS = ["paper", "power_head", "vanilla"]


def _multicell(kind: str) -> nn.Module:
    torch.manual_seed(0)
    if kind == "vanilla":
        return _make("vanilla_gnn_multicell")[0]
    power_head = kind == "power_head"
    net = MulticellModelGnn(ModelGnnConfig(hidden=(4,), user_power=(8,) if power_head else ()))
    if power_head:  # its last layer starts at zero (identity): make it act
        nn.init.normal_(net.user_power.layers[-1].weight, std=0.5)
    return net


@pytest.mark.parametrize("kind", MULTICELL_NETS)
def test_multicell_is_equivariant_to_cells_and_users_within_cells(kind: str) -> None:
    net = _multicell(kind)
    b = _batch("model_gnn_multicell", K=4)  # 2 cells x 2 users, 2 BSs x 3 antennas
    users = torch.tensor([1, 0, 3, 2])  # swap users inside each cell
    cells_u, cells_a = torch.tensor([2, 3, 0, 1]), torch.tensor([3, 4, 5, 0, 1, 2])
    ants = torch.tensor([2, 0, 1, 4, 5, 3])
    with torch.no_grad():
        W = net(b)
        for pu, pa in ((users, torch.arange(6)), (cells_u, cells_a), (torch.arange(4), ants)):
            Wp = net(ChannelBatch(b.H[:, pu][:, :, pa], b.p_max, b.noise_power, 2))
            assert _close(Wp, W[:, pa][:, :, pu])


@pytest.mark.parametrize("pooling", ["sum", "mean"])
def test_multicell_vanilla_layer_is_eq7_per_edge_type(pooling: str) -> None:
    """Table V's Vanilla-GNN layer written out edge by edge: intra-cell edges (BS m -> a UE of
    cell m) and inter-cell edges each with their own S, P_a, P_r, Q_a, Q_r; pools over the
    other antennas of the edge's BS / of the other BSs and the other UEs of the edge's cell /
    of the other cells, the edge itself excluded; then σ over the whole layer."""
    from spacemimo.model.model_gnn import MulticellVanillaGnnLayer
    from spacemimo.model.precoder_io import norm_activation
    torch.manual_seed(2)
    cells, n, k, J, Jo = 2, 3, 2, 4, 5
    N, K = cells * n, cells * k
    layer = MulticellVanillaGnnLayer(J, Jo, activation=True, pooling=pooling).double()
    D = torch.randn(2, N, K, J, dtype=torch.float64)
    ref = torch.zeros(2, N, K, Jo, dtype=torch.float64)
    for a in range(N):
        for u in range(K):
            bs, cell = a // n, u // k
            w = layer.intra if bs == cell else layer.inter
            same_bs = [i for i in range(N) if i // n == bs and i != a]
            other_bs = [i for i in range(N) if i // n != bs]
            same_cell = [j for j in range(K) if j // k == cell and j != u]
            other_cell = [j for j in range(K) if j // k != cell]
            div = (lambda m: max(m, 1)) if pooling == "mean" else (lambda m: 1)
            ref[:, a, u] = (w["s"](D[:, a, u])
                            + w["p_a"](D[:, same_bs, u].sum(1)) / div(len(same_bs))
                            + w["p_r"](D[:, other_bs, u].sum(1)) / div(len(other_bs))
                            + w["q_a"](D[:, a, same_cell].sum(1)) / div(len(same_cell))
                            + w["q_r"](D[:, a, other_cell].sum(1)) / div(len(other_cell)))
    with torch.no_grad():
        torch.testing.assert_close(layer(D, cells), norm_activation(ref, (1, 2, 3)))


def test_mean_user_pool_is_the_sum_pool_with_q_scaled_by_one_over_k() -> None:
    """At a fixed K the "mean" pool is the paper's sum pool with Q/K (same function class);
    it differs once K changes, which is what Fig. 6's generalization needs."""
    torch.manual_seed(0)
    mean = ModelGnn(ModelGnnConfig(hidden=(6, 4), user_pool="mean")).double()
    total = ModelGnn(ModelGnnConfig(hidden=(6, 4))).double()
    total.load_state_dict(mean.state_dict())
    K = 5
    with torch.no_grad():
        for layer in total.layers:
            layer.q.weight /= K
        H = _H(3, K, 7, dtype=torch.complex128)
        assert _close(mean(H, p_max=1.0, noise_power=0.1), total(H, p_max=1.0, noise_power=0.1),
                      1e-12)
        H2 = _H(3, K + 3, 7, dtype=torch.complex128)
        assert not _close(mean(H2, p_max=1.0, noise_power=0.1),
                          total(H2, p_max=1.0, noise_power=0.1), 1e-3)


def test_user_norm_activation_gives_every_user_the_same_hidden_norm() -> None:
    """activation_norm "user": each hidden layer leaves every user's N x J block at norm
    1/sqrt(K) (the layer at norm 1, as "layer"), so the layers can rescale users; the
    multi-cell net and the quantizer, which implement the layer-wide norm, refuse it."""
    torch.manual_seed(1)
    net = ModelGnn(ModelGnnConfig(hidden=(6, 4), activation_norm="user")).double()
    K, H = 5, _H(2, 5, 7, dtype=torch.complex128)
    from spacemimo.model.model_gnn import channel_to_edges
    D = channel_to_edges(H, torch.float64)
    for layer in net.layers[:-1]:
        D = layer(D, H)
        user = D.square().sum((1, 3)).sqrt()  # (B, K)
        torch.testing.assert_close(user, torch.full_like(user, K ** -0.5))
    with pytest.raises(ValueError, match="activation_norm"):
        ModelGnnConfig(activation_norm="edge")
    with pytest.raises(ValueError, match="activation_norm 'layer'"):
        MulticellModelGnn(ModelGnnConfig(activation_norm="user"))
    from spacemimo.quant.qat_nets import quantize_net
    with pytest.raises(ValueError, match="activation_norm 'layer'"):
        quantize_net(net.float(), 8, 1.0)


@pytest.mark.parametrize("kind", MULTICELL_NETS)
def test_multicell_beams_only_to_own_cell_at_exact_per_bs_power(kind: str) -> None:
    net = _multicell(kind)
    b = _batch("model_gnn_multicell", K=4)
    with torch.no_grad():
        W = net(b)
    own = serving_mask(torch.arange(2).repeat_interleave(2), b.num_tx, 2)  # cell-major
    assert (W[:, ~own] == 0).all() and (W[:, own] != 0).all()
    P = obj.per_satellite_power(W, 2)
    assert torch.allclose(P, torch.full_like(P, b.p_max), rtol=1e-5)


@pytest.mark.parametrize("name", ANTENNA_EQUIVARIANT)
def test_permuting_antennas_permutes_precoder_rows(name: str) -> None:
    net, Nt, _ = _make(name)
    b = _batch(name)
    perm = torch.randperm(Nt, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        W = net(b)
        Wp = net(ChannelBatch(b.H[:, :, perm], b.p_max, b.noise_power))
    assert _close(Wp, W[:, perm])


def test_gsm_local_block_depends_only_on_local_csi() -> None:
    for shared in (True, False):
        net = _tiny_gsm(shared_weights=shared)
        H = _H(2, 4, 6)
        H2 = H.clone()
        H2[:, :, 3:] = _H(2, 4, 3, seed=9)  # satellite 1's CSI changes
        with torch.no_grad():
            W, W2 = net(H, p_max=1.0), net(H2, p_max=1.0)
        assert torch.equal(W[:, :3], W2[:, :3]) and not torch.allclose(W[:, 3:], W2[:, 3:])


# --------------------------------------------------------------------------- power


@pytest.mark.parametrize("name", list(TINY))
def test_power_budget_holds(name: str) -> None:
    net, _, S = _make(name)
    p = 3.7
    with torch.no_grad():
        W = net(_batch(name, p_max=p))
    per_sat = obj.per_satellite_power(W, S)  # (B, S)
    if name == "gsm_global":  # one transmitter, total budget S·P shared freely
        assert _close(per_sat.sum(-1), torch.full((2,), S * p), RTOL)
    elif name == "model_gnn_ee":  # η(K)² P with η ∈ (0, 1)
        total = per_sat.sum(-1)
        assert (total < p).all() and _close(total, total[:1].expand(2), RTOL)
    elif name.startswith(("zhou", "iaidnn")):  # Zhou eqs (14)/(34): projection onto <= P
        assert (per_sat <= p * (1 + RTOL)).all()
    else:  # exact, per satellite / BS
        assert _close(per_sat, torch.full_like(per_sat, p), RTOL)


def test_zhou_projection_scales_only_when_over_budget() -> None:
    net = ZhouEdgeGnn(ZhouEdgeGnnConfig(message_width=4, hidden=4, input_scale="none"))
    H = _H(3, 2, 4)
    with torch.no_grad():
        raw = net(H, p_max=1e9)  # the budget never binds: the GNN output as it is
        power = obj.total_power(raw)
        p = float(power.median())  # binds for the samples above it only
        W = net(H, p_max=p)
    over = power > p
    assert torch.equal(W[~over], raw[~over])
    assert _close(obj.total_power(W)[over], torch.full((int(over.sum()),), p), RTOL)


# --------------------------------------------------------------------------- I/O contract


@pytest.mark.parametrize("name", list(TINY))
def test_shape_and_dtype_follow_the_input(name: str) -> None:
    net, Nt, S = _make(name)
    for dtype in (torch.complex64, torch.complex128):
        b = ChannelBatch(_H(3, 4, Nt, dtype=dtype), p_max=1.0, noise_power=1.0, num_sats=S)
        with torch.no_grad():
            W = net(b)
        assert W.shape == (3, Nt, 4) and W.dtype == dtype and torch.isfinite(W.real).all()
    with torch.no_grad():
        W64 = net.double()(b)
    assert W64.dtype == torch.complex128 and torch.isfinite(W64.real).all()


@pytest.mark.parametrize("name", list(TINY))
def test_bad_input_raises_a_clear_value_error(name: str) -> None:
    net, Nt, S = _make(name)
    kw = {"p_max": 1.0} | ({"num_cells": S} if name in MULTICELL else {})
    H = _H(2, 4, Nt)
    for bad, msg in ((float("nan"), "NaN or Inf"), (float("inf"), "NaN or Inf")):
        Hb = H.clone()
        Hb[1, 2, 0] = bad
        with pytest.raises(ValueError, match=msg):
            net(Hb, **kw)
    with pytest.raises(ValueError, match="complex"):
        net(H.real, **kw)
    with pytest.raises(ValueError, match="B, K, Nt"):
        net(H[0], **kw)
    with pytest.raises(ValueError, match="p_max"):
        net(H)


def test_wrong_antenna_count_is_named() -> None:
    with pytest.raises(ValueError, match="antennas_per_sat"):
        _tiny_gsm()(_H(1, 3, 8), p_max=1.0)
    with pytest.raises(ValueError, match="built for Nt=6, got 8"):
        _tiny_unfolded("iaidnn")(_H(1, 3, 8), p_max=1.0)


@pytest.mark.parametrize("name", [n for n in TINY if n not in ("gsm_local_per_sat",)])
def test_other_user_counts_at_run_time(name: str) -> None:
    net, _, S = _make(name)
    for K in ((2, 4, 6) if name in MULTICELL else (1, 3, 7)):
        with torch.no_grad():
            W = net(_batch(name, K=K))
        assert W.shape[-1] == K and torch.isfinite(W.real).all()


@pytest.mark.parametrize("name", ["model_gnn", "vanilla_gnn", "zhou_edge_gnn", "zhou_unfolded"])
def test_other_antenna_counts_at_run_time(name: str) -> None:
    net, _, _ = _make(name)
    with torch.no_grad():
        W = net(_H(2, 3, 10), p_max=1.0)
    assert W.shape == (2, 10, 3)


def test_gsm_shared_weights_serve_any_number_of_satellites() -> None:
    net = _tiny_gsm()  # built for S = 2
    with torch.no_grad():
        W = net(ChannelBatch(_H(2, 3, 9), p_max=1.0, noise_power=1.0, num_sats=3))
    assert _close(obj.per_satellite_power(W, 3), torch.ones(2, 3), RTOL)
    with pytest.raises(ValueError, match="num_sats=2"):
        _tiny_gsm(shared_weights=False)(ChannelBatch(_H(1, 3, 9), 1.0, 1.0, num_sats=3))


def test_zhou_nets_use_statistical_csi_when_the_batch_has_it() -> None:
    H = _H(2, 3, 6)
    v = _H(2, 3, 6, seed=5)
    gamma = torch.rand(2, 3, dtype=torch.float64) + 0.5
    stat = ChannelBatch(H, 2.0, 1.0, stats={"v": v, "gamma": gamma})
    same = ChannelBatch((gamma.sqrt()[..., None] * v).to(H.dtype), 2.0, 1.0)
    for net in (ZhouEdgeGnn(ZhouEdgeGnnConfig(message_width=4, hidden=4)), _tiny_unfolded()):
        with torch.no_grad():
            assert _close(net(stat), net(same))


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", list(TINY))
def test_gradients_reach_every_parameter(name: str) -> None:
    net, _, _ = _make(name)
    b = _batch(name, B=3, K=4)
    W = net(b)
    loss = -obj.sum_rate(b.H, W, b.noise_power).mean()
    loss.backward()
    for pname, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, pname


# --------------------------------------------------------------------------- building blocks


def test_model_gnn_layer_with_taylor_weights_is_newton_schulz_pinv() -> None:
    """Pins the a_jk = h_jᴴ d_k convention: s = [2, −1], p = q = 0 iterates D ← 2D − D H D."""
    H = _H(2, 3, 6)
    layer = ModelGnnLayer(2, 2, activation=False)
    with torch.no_grad():
        layer.s.weight.copy_(torch.tensor([[2.0, 0, -1, 0], [0, 2, 0, -1]]))
        layer.p.weight.zero_()
        layer.q.weight.zero_()
        D = channel_to_edges(H, torch.float32) / H.abs().square().sum((1, 2))[:, None, None, None]
        for _ in range(40):
            D = layer(D, H)
    assert _close(edges_to_precoder(D), torch.linalg.pinv(H), 1e-4)


def test_taylor_inverse_gnn_inverts_at_initialization() -> None:
    A = _H(3, 8, 8)
    M = A @ A.mH + 0.5 * torch.eye(8)
    with torch.no_grad():
        F = TaylorInverseGnn(num_layers=16, width=4)(M)
    assert _close(F @ M, torch.eye(8, dtype=M.dtype).expand(3, 8, 8), 1e-3)


def test_max_aggregate_excludes_self_and_handles_ties() -> None:
    m = torch.tensor([[[1.0, 5.0], [3.0, 5.0], [3.0, 0.0]]])  # (B=1, K=3, F=2)
    out = max_aggregate(m)
    brute = torch.stack([torch.stack([m[0, j] for j in range(3) if j != k]).amax(0)
                         for k in range(3)])[None]
    assert torch.equal(out, brute)
    assert torch.equal(max_aggregate(m, include_self=True), m.amax(1, keepdim=True).expand_as(m))
    assert torch.equal(max_aggregate(m[:, :1]), torch.zeros(1, 1, 2))


def test_untrained_unfolded_gnn_matches_exact_inverse_unfolding() -> None:
    b = _batch("zhou_unfolded", B=2, K=3)
    with torch.no_grad():
        Wg = _tiny_unfolded("gnn", inverse_layers=20, lam_init=0.1)(b)
        We = _tiny_unfolded("exact", lam_init=0.1)(b)
    assert _close(Wg, We, 1e-3)


# --------------------------------------------------------------------------- configs


def test_configs_from_dicts_and_registry() -> None:
    cfg = GsmGnnConfig.from_dict({"input_mlp": [8, 4], "variant": "global"})
    assert cfg.input_mlp == (8, 4) and cfg.node_features == 32
    with pytest.raises(ValueError, match="unknown GsmGnnConfig field"):
        GsmGnnConfig.from_dict({"widths": 3})
    with pytest.raises(ValueError, match="even"):
        ModelGnnConfig(hidden=(3,))
    with pytest.raises(ValueError, match="variant"):
        GsmGnnConfig(variant="central")
    assert net_config("model_gnn_ee").hidden == (32, 32, 32, 8)
    assert net_config("iaidnn", {"num_tx": 8}).inverse == "iaidnn"
    with pytest.raises(ValueError, match="unknown net"):
        build_net("gcn")
    for name in NETS:  # every registered net builds at a tiny size and runs
        small = {"gsm_local": {"input_mlp": (4,), "aggregate_mlp": (4,), "combine_mlp": (4,)},
                 "gsm_global": {"input_mlp": (4,), "aggregate_mlp": (4,), "combine_mlp": (4,)},
                 "vanilla_gnn": {"hidden": (4,)}, "iaidnn": {"num_tx": 16},
                 "zhou_unfolded": {"inverse_layers": 2}}.get(name, {})
        net = build_net(name, small)
        S = 4 if name.startswith("gsm") else (2 if "multicell" in name else 1)
        with torch.no_grad():
            W = net(ChannelBatch(_H(1, 4, 16), 1.0, 1.0, num_sats=S))
        assert W.shape == (1, 16, 4) and math.isfinite(W.abs().sum().item())


# --------------------------------------------------------------------------- fast inference


def _rel_err(out: torch.Tensor, ref: torch.Tensor) -> float:
    return ((out - ref).norm() / ref.norm()).item()


@pytest.mark.parametrize("cfg", [ModelGnnConfig(hidden=(6, 4)), ModelGnnConfig(),
                                 ModelGnnConfig(hidden=(6, 4), power_head=(4,)),
                                 ModelGnnConfig(hidden=(6, 4), user_power=(8,)),
                                 ModelGnnConfig(hidden=(6, 4), user_pool="mean"),
                                 ModelGnnConfig(hidden=(6, 4), activation_norm="user")],
                         ids=["tiny", "paper", "power_head", "user_power", "mean_pool",
                              "user_norm"])
@pytest.mark.parametrize("K, N, S", [(4, 8, 1), (3, 6, 2), (6, 10, 1), (1, 5, 1)])
@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-6), (torch.float64, 1e-12)],
                         ids=["f32", "f64"])
def test_fast_inference_path_equals_the_reference_forward(
        cfg: ModelGnnConfig, K: int, N: int, S: int, dtype: torch.dtype, tol: float) -> None:
    """``ModelGnn.infer`` (Table II timing path) = ``forward``: the same arithmetic, so equal
    to float rounding (relative 1e-6 in float32, 1e-12 in float64), any chunking, both
    layouts."""
    torch.manual_seed(1)
    net = ModelGnn(cfg).to(dtype).eval()
    if cfg.user_power:  # its last layer starts at zero (identity): make it act
        nn.init.normal_(net.user_power.layers[-1].weight, std=0.5)
    cdt = torch.complex64 if dtype == torch.float32 else torch.complex128
    H = _H(7, K, N, seed=2, dtype=cdt)
    batch = ChannelBatch(H=H, p_max=2.0, noise_power=0.5, num_sats=S)
    with torch.no_grad():
        ref = net(H, p_max=2.0, noise_power=0.5)
        ref_sats = net(batch)
    for chunk in (None, 1, 3):  # chunking must not change anything
        out = net.infer(H, p_max=2.0, noise_power=0.5, chunk=chunk)
        assert out.shape == ref.shape and out.dtype == ref.dtype and not out.requires_grad
        assert _rel_err(out, ref) <= tol
    for layout in ("edges", "channels"):  # small graphs pick "edges"; big ones "channels"
        out = fast_model_gnn(net, batch, chunk=3, layout=layout)
        assert _rel_err(out, ref_sats) <= tol
    assert _close(obj.per_satellite_power(net.infer(batch), S),
                  obj.per_satellite_power(ref_sats, S), RTOL)


def test_fast_inference_path_follows_weight_updates() -> None:
    """The packed-weight cache must not serve stale weights after a training step."""
    torch.manual_seed(0)
    net = ModelGnn(ModelGnnConfig(hidden=(6, 4)))
    H = _H(3, 4, 8, seed=5)
    before = net.infer(H, p_max=1.0)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    obj.sum_rate(H, net(H, p_max=1.0), 1.0).mean().neg().backward()
    opt.step()
    with torch.no_grad():
        ref = net(H, p_max=1.0)
    after = net.infer(H, p_max=1.0)
    assert _rel_err(after, ref) <= 1e-6 and _rel_err(after, before) > 1e-3


def test_fast_inference_path_at_a_big_graph_and_bad_layout() -> None:
    torch.manual_seed(0)
    net = ModelGnn().eval()  # paper widths
    H = _H(2, 12, 16, seed=6)  # N·K = 192: the channel-major layout
    with torch.no_grad():
        ref = net(H, p_max=1.0)
    assert _rel_err(net.infer(H, p_max=1.0), ref) <= 1e-6
    with pytest.raises(ValueError, match="layout"):
        fast_model_gnn(net, H, p_max=1.0, layout="rows")
