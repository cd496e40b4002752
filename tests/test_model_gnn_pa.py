"""The Model-GNN per-user power head (net ``model_gnn_pa``, a spacemimo extension of 003)."""

from __future__ import annotations

import torch

from spacemimo.model.batch import ChannelBatch
from spacemimo.model.nets import build_net
from spacemimo.model.objectives import total_power


def _pa() -> torch.nn.Module:
    torch.manual_seed(0)
    net = build_net("model_gnn_pa", {"hidden": [6, 4], "user_power": [8]})
    with torch.no_grad():  # a trained-looking head, so the tests see a non-identity scaling
        for p in net.user_power.parameters():
            p.normal_(0.0, 0.5)
    return net.double()


def _batch(B: int = 3, K: int = 4, N: int = 6) -> ChannelBatch:
    g = torch.Generator().manual_seed(1)
    return ChannelBatch(torch.randn(B, K, N, dtype=torch.complex128, generator=g), 2.0, 0.5)


def test_untrained_head_is_identity() -> None:
    torch.manual_seed(0)
    pa = build_net("model_gnn_pa", {"hidden": [6, 4], "user_power": [8]})
    torch.manual_seed(0)
    base = build_net("model_gnn", {"hidden": [6, 4]})
    b = _batch()
    H = b.H.to(torch.complex64)
    with torch.no_grad():
        torch.testing.assert_close(pa(H, p_max=2.0, noise_power=0.5),
                                   base(H, p_max=2.0, noise_power=0.5))


def test_exact_power_and_equivariance() -> None:
    net, b = _pa(), _batch()
    with torch.no_grad():
        W = net(b)
        torch.testing.assert_close(total_power(W), torch.full((3,), 2.0, dtype=torch.float64))
        users, ants = torch.randperm(4), torch.randperm(6)
        Wp = net(ChannelBatch(b.H[:, users][:, :, ants], b.p_max, b.noise_power))
    torch.testing.assert_close(Wp, W[:, ants][:, :, users])


def test_head_changes_user_powers_and_trains() -> None:
    net, b = _pa(), _batch()
    base = build_net("model_gnn", {"hidden": [6, 4]}).double()
    base.load_state_dict({k: v for k, v in net.state_dict().items()
                          if not k.startswith("user_power")})
    with torch.no_grad():
        a, c = net(b).abs().square().sum(1), base(b).abs().square().sum(1)
    assert not torch.allclose(a, c)  # per-user powers differ from the plain Model-GNN
    W = net(b)
    W.abs().sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for p in net.user_power.parameters())
