"""ChannelBatch guards the shared shape contract with clear errors."""

import pytest
import torch

from spacemimo.model.batch import ChannelBatch


def _H(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.complex64, generator=torch.Generator().manual_seed(0))


def test_local_view_splits_contiguous_antenna_blocks() -> None:
    H = _H(2, 3, 8)
    b = ChannelBatch(H, p_max=1.0, noise_power=1.0, num_sats=2)
    loc = b.local_view()
    assert loc.shape == (2, 2, 3, 4)
    assert torch.equal(loc[:, 1], H[:, :, 4:8])
    assert (b.batch_size, b.num_users, b.num_tx, b.antennas_per_sat) == (2, 3, 8, 4)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"H": torch.ones(2, 3, 4)}, "complex"),
    ({"H": _H(2, 4)}, "shape"),
    ({"H": torch.full((1, 2, 4), complex(float("nan"), 0))}, "NaN or Inf"),
    ({"num_sats": 3}, "divisible"),
    ({"p_max": -1.0}, "positive"),
    ({"noise_power": 0.0}, "positive"),
])
def test_bad_input_is_rejected_with_a_clear_message(kwargs: dict, message: str) -> None:
    args = {"H": _H(1, 2, 4), "p_max": 1.0, "noise_power": 1.0, "num_sats": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        ChannelBatch(**args)


def test_with_power_keeps_channels() -> None:
    b = ChannelBatch(_H(1, 2, 4), p_max=1.0, noise_power=1.0)
    b2 = b.with_power(4.0)
    assert b2.p_max == 4.0 and b2.H is b.H
