"""Modelled bounds (spacemimo.hw.rooflines) on the paper-size GSM program: its weights are
the issue's 25.3 Mb, and the hybrid split follows the RTL loader's prefix rule."""

from __future__ import annotations

import pytest

from spacemimo.hw import rooflines
from spacemimo.quant.program import bank_words, streamed_ops
from spacemimo.quant.random_programs import random_gsm_program


@pytest.fixture(scope="module")
def gsm8():  # noqa: ANN201
    return random_gsm_program(bits=8, seed=0)


def test_gsm_weights_are_25_mb(gsm8) -> None:  # noqa: ANN001
    assert rooflines.dense_macs(gsm8) == 12_632_064
    assert rooflines.weight_bytes(gsm8) == 3_158_016  # 25.26 Mb
    assert round(rooflines.weight_bytes(gsm8) * 8 / 1e6, 1) == 25.3


def test_hybrid_split_is_a_prefix_of_the_dense_ops(gsm8) -> None:  # noqa: ANN001
    dense = [i for i, op in enumerate(gsm8.ops) if op.opcode == 1]
    assert streamed_ops(gsm8, 16, 0) == dense           # nothing resident
    total = sum(bank_words(gsm8.ops[i], 8, 128) for i in dense)
    assert total == 6288
    assert streamed_ops(gsm8, 128, total) == []        # everything fits
    # 6,144 words per bank: ops 0..10 fit (5,648 + 512 = 6,160 > 6,144 at op 11)
    assert streamed_ops(gsm8, 128, 6144) == [11, 12]
    assert rooflines.weight_bytes(gsm8, [11, 12]) == 512 * 512 + 8 * 512
    # once one op spills, every later one streams even if it would fit (the loader's rule)
    assert streamed_ops(gsm8, 128, 6160 - 1) == [11, 12]


def test_first_fit_keeps_later_ops_that_fit(gsm8) -> None:  # noqa: ANN001
    """wgt_fit first (RTL WGT_FIT 1): an op too big for the depth left streams and the loader
    goes on. rtl-pynqz2's 8-lane banks of 8,576 words hold ops 0 (256 words), 2 (8,192) and
    12 (128); op 1 (16,384) and the other 512-wide ops stream, 2.88 of 3.16 MB."""
    from spacemimo.spec.builds import build

    cfg = build("rtl-pynqz2")
    dense = [i for i, op in enumerate(gsm8.ops) if op.opcode == 1]
    assert (cfg.out_lanes, cfg.wmem_depth, cfg.wgt_fit) == (8, 8576, "first")
    assert streamed_ops(gsm8, 8, 8576) == [i for i in dense if i > 0]  # prefix: op 0 only
    ff = streamed_ops(gsm8, 8, 8576, first_fit=True)
    assert ff == [i for i in dense if i not in (0, 2, 12)]
    assert rooflines.weight_bytes(gsm8, ff) == 3_158_016 - 8192 - 262_144 - 4096
    assert streamed_ops(gsm8, 8, 8576 - 1, first_fit=True) == [i for i in dense if i not in (0, 2)]
    assert streamed_ops(gsm8, 16, 0, first_fit=True) == dense
