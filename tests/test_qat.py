"""Brevitas fixed-point nets, PTQ/QAT and the qat CLI: integer helpers equal the golden
model's, every activation is on a power-of-two grid, PTQ is close to float, QAT improves a
tiny net's objective, quantized checkpoints round-trip. Tiny widths keep this fast."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from spacemimo.model.precoder_io import complex_to_real, scale_input
from spacemimo.quant import fixed_point as fp
from spacemimo.quant import golden
from spacemimo.quant.demo_nets import GSM_SCENARIO, small_float_gsm, small_quant_gsm
from spacemimo.quant.qat import (
    QatConfig,
    as_float64,
    compare,
    load_qat_checkpoint,
    mean_sum_rate,
    ptq,
    qat_finetune,
    save_qat_checkpoint,
)
from spacemimo.quant.qat_nets import QuantGsmGnn, norm_out_frac, quantize_net

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# --------------------------------------------------------------------------- integer helpers


def test_rshift_rne_and_sat_equal_golden() -> None:
    rng = np.random.default_rng(0)
    v = rng.integers(-(2**40), 2**40, 5000, dtype=np.int64)
    v[:6] = [5, -5, 6, -6, 2**20 + 2**9, -(2**20) - 2**9]  # ties
    for s in (-3, 0, 1, 2, 10, 33):
        got = fp.rshift_rne(torch.from_numpy(v), s).numpy()
        assert np.array_equal(got, golden.rshift_rne(v, s)), s
    for bits in (8, 16):
        for signed in (True, False):
            lo, hi = fp.int_range(bits, signed)
            assert np.array_equal(fp.sat(torch.from_numpy(v), bits, signed).numpy(),
                                  golden.sat(v, bits, signed))
            assert (lo, hi) == golden.sat_range(bits, signed, False)


def test_isqrt_and_norm_equal_golden() -> None:
    rng = np.random.default_rng(1)
    s = rng.integers(0, 2**62, 3000, dtype=np.int64)
    s[:5] = [0, 1, 2**62 - 1, (2**31 - 1) ** 2, (2**31 - 1) ** 2 - 1]
    assert np.array_equal(fp.isqrt(torch.from_numpy(s)).numpy(), golden.isqrt(s))
    for bits in (8, 16):
        y = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), (50, 4, 8), dtype=np.int64)
        y[0] = 0
        y[1] = 0
        y[1, 2, 3] = -1
        gain = fp.norm_gain(1.0, bits - 1)
        rbits = fp.norm_rbits(gain, bits)
        got = fp.fixed_norm(torch.from_numpy(y), gain, rbits, bits).numpy()
        assert np.array_equal(got, golden.norm(y, gain, rbits, bits))


def test_frac_bits_and_bad_bits() -> None:
    assert fp.frac_bits(torch.tensor(2.0 ** -7)) == 7
    assert fp.frac_bits(4.0) == -2
    with pytest.raises(ValueError, match="power of two"):
        fp.frac_bits(0.3)
    with pytest.raises(ValueError, match="bits"):
        fp.quant_spec(12)
    assert fp.quant_spec(16).weight.bit_width == 16
    assert norm_out_frac(8, 1.0) == 7 and norm_out_frac(16, 4.0) == 14


# --------------------------------------------------------------------------- the nets


def _features(net: QuantGsmGnn, n: int, seed: int) -> torch.Tensor:
    b = GSM_SCENARIO.sample(n, seed)
    H = scale_input(b.H, b.p_max, b.noise_power, "snr")
    B, K, _ = H.shape
    M = net.config.antennas_per_sat
    local = H.reshape(B, K, b.num_sats, M).transpose(1, 2)
    return complex_to_real(local, torch.float64).reshape(B * b.num_sats, K, 2 * M)


@pytest.mark.parametrize("bits", [8, 16])
def test_every_value_on_its_power_of_two_grid(bits: int) -> None:
    q = small_quant_gsm(bits)
    g = q.gnns[0]
    env = g.run(_features(g, 32, 3))
    for name, v in env.items():
        if hasattr(v, "scale"):
            f = fp.frac_bits(v.scale)
            ints = fp.to_int(v.value, f)  # raises if off the grid
            lo, hi = fp.int_range(bits, bool(v.signed))
            assert ints.min() >= lo and ints.max() <= hi, name
    b = env["b"]
    fp.to_int(b, g.out_frac)
    power = b.square().sum(dim=(1, 2))
    assert torch.allclose(power, torch.ones_like(power), rtol=0.05 if bits == 8 else 1e-3)


@pytest.fixture(scope="module")
def trained_float():
    return small_float_gsm(train_steps=15)


@pytest.mark.parametrize("bits,tol", [(8, 0.05), (16, 2e-3)])
def test_ptq_close_to_float(trained_float, bits: int, tol: float) -> None:
    # 16-bit with the accumulator-wide bias: program format v1's int32 bias clamps |b| >
    # 2^(31 - f_acc) (~0.25 here), a separate, documented cost.
    cfg = QatConfig(calib=128, bias_bits=48 if bits == 16 else 32)
    q = as_float64(ptq(trained_float, bits, GSM_SCENARIO, cfg))
    test = GSM_SCENARIO.sample(200, 99)
    r_f = mean_sum_rate(trained_float.double(), test)
    trained_float.float()
    r_q = mean_sum_rate(q, test)
    assert abs(1 - r_q / r_f) < tol


def test_qat_improves_objective() -> None:
    f = small_float_gsm()
    cfg = QatConfig(steps=40, batch=64, lr=1e-2, calib=64)
    q = ptq(f, 8, GSM_SCENARIO, cfg)
    test = GSM_SCENARIO.sample(200, 7)
    before = mean_sum_rate(as_float64(q), test)
    hist = qat_finetune(q, GSM_SCENARIO, cfg)
    after = mean_sum_rate(as_float64(q), test)
    assert len(hist) == 40 and all(math.isfinite(h) for h in hist)
    assert after > before


def test_gradients_reach_weights_and_radix_points() -> None:
    q = ptq(small_float_gsm(), 8, GSM_SCENARIO, QatConfig(calib=64))
    q.train()
    b = GSM_SCENARIO.sample(16, 5, torch.complex64)
    q(b).abs().square().sum().backward()  # any scalar: checks the STE paths exist
    g = q.gnns[0]
    assert g.mlp_in[0].weight.grad is not None and g.mlp_in[0].weight.grad.abs().sum() > 0
    scale_grads = [p.grad for n, p in g.named_parameters() if "scaling_impl" in n]
    assert scale_grads and any(s is not None and s.abs().sum() > 0 for s in scale_grads)


def test_wrong_p_max_and_wrong_net_raise() -> None:
    q = small_quant_gsm(8)
    with pytest.raises(ValueError, match="p_max"):
        q.gnns[0](torch.zeros(1, 4, 8, dtype=torch.float64), p_max=2.0)
    with pytest.raises(ValueError, match="GsmMultiGnn"):
        quantize_net(torch.nn.Linear(2, 2), 8, 1.0)


def test_qat_checkpoint_round_trip(tmp_path) -> None:
    q = small_quant_gsm(16)
    path = save_qat_checkpoint(tmp_path / "q.pt", q, net_name="gsm_local",
                               scenario=GSM_SCENARIO, method="ptq", metrics={},
                               cfg=QatConfig(), num_users=4)
    ck = load_qat_checkpoint(path)
    x = torch.randint(-(2**15), 2**15, (20, 4, 8))
    assert torch.equal(ck.net.gnns[0].forward_int(x), q.gnns[0].forward_int(x))
    assert ck.bits == 16 and ck.num_users == 4
    with pytest.raises(ValueError, match="not a spacemimo QAT checkpoint"):
        torch.save({"x": 1}, tmp_path / "bad.pt")
        load_qat_checkpoint(tmp_path / "bad.pt")


def test_compare_rows() -> None:
    f = small_float_gsm()
    res = compare(f, GSM_SCENARIO, [8], QatConfig(steps=2, batch=32, calib=64, test=64))
    assert [r["method"] for r in res.rows] == ["float", "float+FT", "PTQ", "QAT"]
    assert set(res.nets) == {"ptq8", "qat8"}


# --------------------------------------------------------------------------- CLI


def test_cli_qat_compile_lower(tmp_path, capsys) -> None:
    from spacemimo.cli import main
    from spacemimo.model.checkpoint import save_checkpoint

    f = small_float_gsm()
    over = {"input_mlp": [32, 16], "aggregate_mlp": [16, 16], "combine_mlp": [16, 16]}
    ck = save_checkpoint(tmp_path / "float.pt", f, net_name="gsm_local", net_overrides=over,
                         scenario={"preset": "gsm_s4_m4_k4", "overrides": {}}, metrics={})
    out = tmp_path / "qat"
    assert main(["-q", "qat", "--from", str(ck), "--bits", "8,16", "--steps", "2",
                 "--batch-size", "16", "--calib-samples", "64", "-n", "64", "--out",
                 str(out)]) == 0
    assert (out / "qat_gsm_local.md").is_file()
    for bits in (8, 16):
        q = out / f"gsm_local_qat{bits}.pt"
        assert q.is_file()
        prog = tmp_path / f"p{bits}.smp"
        assert main(["compile", "--from", str(q), "--out", str(prog), "-n", "50"]) == 0
        assert "0 of" in capsys.readouterr().out
        assert main(["lower", "--from", str(q), "--out", str(prog), "-n", "0"]) == 0
    assert main(["compile", "--from", str(tmp_path / "missing.pt")]) == 2


def test_model_gnn_checkpoint_and_compile(tmp_path, capsys) -> None:
    from spacemimo.cli import main
    from spacemimo.quant.demo_nets import MODEL_GNN_SCENARIO, small_quant_model_gnn

    q = small_quant_model_gnn(16)
    path = save_qat_checkpoint(tmp_path / "m.pt", q, net_name="model_gnn",
                               scenario=MODEL_GNN_SCENARIO, method="ptq", metrics={},
                               cfg=QatConfig(), num_users=4, num_antennas=8)
    ck = load_qat_checkpoint(path)
    x = torch.randint(-(2**15), 2**15, (10, 32, 2))
    assert torch.equal(ck.net.forward_int(x, 4), q.forward_int(x, 4))
    assert main(["compile", "--from", str(path), "--out", str(tmp_path / "m.smp"),
                 "-n", "30"]) == 0
    assert "0 of 1920 words differ" in capsys.readouterr().out
