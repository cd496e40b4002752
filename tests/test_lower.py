"""Lowering a quantized GSM GNN to a program: golden.run(program, x) equals the Brevitas
fake-quant forward word for word, at 8 and 16 bit, on channel samples and edge cases.

Default: small widths, ~1,000 channel samples per width. Paper size, 10,000 samples: ``slow``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spacemimo.model.gsm_gnn import GsmGnnConfig
from spacemimo.model.precoder_io import complex_to_real, scale_input
from spacemimo.quant import golden
from spacemimo.quant.demo_nets import GSM_SCENARIO, small_quant_gsm
from spacemimo.quant.lower import bit_exact_mismatches, lower, op_index_map
from spacemimo.quant.program import OPCODES, Program
from spacemimo.quant.qat_nets import QuantGsmGnn


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module", params=[8, 16])
def qnet(request):
    return small_quant_gsm(request.param, train_steps=0)


def channel_inputs(net: QuantGsmGnn, n: int, seed: int, sat: int = 0) -> np.ndarray:
    """n channel samples of satellite ``sat`` quantized by the net's own input quantizer."""
    b = GSM_SCENARIO.sample(n, seed)
    H = scale_input(b.H, b.p_max, b.noise_power, net.config.input_scale)
    M = net.config.antennas_per_sat
    local = H.reshape(H.shape[0], H.shape[1], b.num_sats, M).transpose(1, 2)
    return net.quantize_input(complex_to_real(local, torch.float64)[:, sat]).numpy()


def edge_inputs(bits: int, K: int = 4, F: int = 8) -> np.ndarray:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    x = np.zeros((8, K, F), dtype=np.int64)  # [0] all zero
    x[1] = hi
    x[2] = lo
    x[3] = np.where(np.indices((K, F)).sum(0) % 2, hi, lo)
    x[4, 0] = hi  # one node, others silent
    x[5] = 1
    x[6] = -1
    x[7, :, 0] = lo  # one feature saturating everywhere
    return x


def test_channel_samples_bit_exact(qnet) -> None:
    prog = lower(qnet, 4)
    x = channel_inputs(qnet.gnns[0], 1000, seed=123)
    bad, total, first = bit_exact_mismatches(qnet, prog, x)
    assert total == 1000 * 4 * 8
    assert bad == 0, first


def test_random_and_edge_inputs_bit_exact(qnet) -> None:
    prog = lower(qnet, 4)
    bits = prog.bits
    rng = np.random.default_rng(bits)
    x = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), (500, 4, 8))
    x = np.concatenate([edge_inputs(bits), x])
    bad, _, first = bit_exact_mismatches(qnet, prog, x)
    assert bad == 0, first
    y = golden.to_real(golden.run(prog, edge_inputs(bits)), prog.out_frac)
    power = (y ** 2).sum(axis=(1, 2))  # NORM: every sample radiates P = 1 (biases keep even
    assert np.allclose(power, 1.0, rtol=0.06 if bits == 8 else 1e-3)  # a zero input non-zero)


@pytest.mark.parametrize("K", [1, 2, 7])
def test_other_user_counts(qnet, K: int) -> None:
    """The program is compiled per K; K = 1 has no neighbours (max over nothing = 0)."""
    prog = lower(qnet, K)
    rng = np.random.default_rng(K)
    bits = prog.bits
    x = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), (200, K, 8))
    bad, _, first = bit_exact_mismatches(qnet, prog, x)
    assert bad == 0, first


def test_program_layout(qnet) -> None:
    g = qnet.gnns[0]
    prog = lower(qnet, 4)
    idx = op_index_map(g)
    assert len(prog.ops) == len(idx)
    agg = prog.ops[idx["convs.0.max"]]
    assert agg.opcode == OPCODES["AGGREGATE"] and agg.exclude_self and agg.group == 4
    cur = prog.ops[idx["mlp_in.1"]]
    # concat is free: [self | aggregate] written side by side into one buffer
    assert (agg.dst_buf, agg.dst_off) == (cur.dst_buf, cur.out_cols)
    comb = prog.ops[idx["convs.0.combine.0"]]
    assert (comb.src_buf, comb.src_off, comb.in_cols) == (cur.dst_buf, 0, 2 * cur.out_cols)
    norm = prog.ops[-1]
    p = g.norm_params()
    assert norm.opcode == OPCODES["NORM"] and (norm.gain, norm.rbits) == (p["gain"], p["rbits"])
    assert (prog.in_frac, prog.out_frac) == (g.in_frac, g.out_frac)
    assert all(op.relu != op.out_signed for op in prog.ops if op.opcode == OPCODES["DENSE"])


def test_round_trip_and_corruption(qnet, tmp_path) -> None:
    prog = lower(qnet, 4)
    path = prog.save(tmp_path / "p.smp")
    back = Program.load(path)
    assert back == prog
    x = channel_inputs(qnet.gnns[0], 50, seed=5)
    assert bit_exact_mismatches(qnet, back, x)[0] == 0
    # the check can fail: weights changed -> mismatching words, reported with a location
    op = prog.ops[0]
    prog.data[op.w_off:op.w_off + 4] ^= np.uint32(0x40404040)
    bad, _, first = bit_exact_mismatches(qnet, prog, x)
    assert bad > 0 and "vector" in first


def test_float32_model_is_checked_in_float64() -> None:
    q = small_quant_gsm(8).float()
    prog = lower(q, 4)
    x = channel_inputs(q.gnns[0].double(), 100, seed=9)
    q.float()
    assert bit_exact_mismatches(q, prog, x)[0] == 0


def test_wide_bias_lowers_bit_exactly() -> None:
    """16 bit: a bias far beyond int32 at the accumulator scale is stored as an int64 word
    pair (format v2) and golden still equals Brevitas word for word."""
    from spacemimo.quant.demo_nets import small_float_gsm
    from spacemimo.quant.qat import QatConfig, as_float64, ptq

    f = small_float_gsm()
    with torch.no_grad():
        f.gnns[0].mlp_in[1].bias.fill_(3.0)  # far beyond int32 at a 16-bit accumulator scale
    cfg = QatConfig(calib=64)
    assert cfg.bias_bits_for(16) == 48 and cfg.bias_bits_for(8) == 32
    wide = as_float64(ptq(f, 16, GSM_SCENARIO, cfg))
    prog = lower(wide, 4)
    biases = np.concatenate([prog.bias(op) for op in prog.ops
                             if op.name == "DENSE" and op.has_bias])
    assert prog.acc_bits == 48 and np.abs(biases).max() >= 1 << 31
    x = np.concatenate([edge_inputs(16), channel_inputs(wide.gnns[0], 200, seed=4)])
    bad, total, first = bit_exact_mismatches(wide, prog, x)
    assert total == x.size and bad == 0, first
    narrow = as_float64(ptq(f, 16, GSM_SCENARIO, QatConfig(calib=64, bias_bits=32)))
    pn = lower(narrow, 4)
    assert max(int(np.abs(pn.bias(op)).max()) for op in pn.ops
               if op.name == "DENSE" and op.has_bias) <= 1 << 31  # Int32Bias clamps


@pytest.mark.slow
@pytest.mark.parametrize("bits", [8, 16])
def test_paper_size_bit_exact_10000_samples(bits: int) -> None:
    """GSM Table II sizes (3.16 M weights), 10,000 channel samples + edge cases."""
    q = small_quant_gsm(bits, config=GsmGnnConfig())
    prog = lower(q, 4)
    x = np.concatenate([edge_inputs(bits), channel_inputs(q.gnns[0], 10_000, seed=2024)])
    bad, total, first = bit_exact_mismatches(q, prog, x, batch=1000)
    assert total == x.size and bad == 0, first


# --------------------------------------------------------------------------- Model-GNN


@pytest.mark.parametrize("bits", [8, 16])
def test_model_gnn_bit_exact(bits: int) -> None:
    from spacemimo.quant.demo_nets import MODEL_GNN_SCENARIO, small_quant_model_gnn
    from spacemimo.quant.lower import lower_model_gnn, model_gnn_mismatches

    q = small_quant_model_gnn(bits)
    prog = lower_model_gnn(q, 8, 4)
    kinds = [op.opcode for op in prog.ops]
    assert kinds.count(OPCODES["TAYLOR"]) == 3 and kinds.count(OPCODES["NORM"]) == 3
    dense = [op for op in prog.ops if op.opcode == OPCODES["DENSE"]]
    assert all(op.num_segments == 5 for op in dense)
    assert any(max(op.segment_aligns(5)) > 0 for op in dense)  # the parts' grids differ
    if bits == 16:  # this net's grids span 9 bits; the 16-bit cap (8) coarsens the finest
        raw = q._raw_seg_fracs(0)
        assert max(raw) - min(raw) > 8
        assert all(max(op.segment_aligns(5)) <= 8 for op in dense)
    e, _ = q.edges(MODEL_GNN_SCENARIO.sample(500, 11))
    x = q.quantize_input(e).numpy()
    rng = np.random.default_rng(bits)
    lo, hi = -(1 << (bits - 1)), 1 << (bits - 1)
    x = np.concatenate([x, rng.integers(lo, hi, (300, 32, 2)), np.zeros((1, 32, 2), int),
                        np.full((1, 32, 2), lo), np.full((1, 32, 2), hi - 1)])
    bad, total, first = model_gnn_mismatches(q, prog, x, 4)
    assert total == x.size and bad == 0, first
