"""Small calibrated quantized GSM nets for tests and demos (the QAT-side twin of
``random_programs``): built in seconds, with the paper's S, M, K and tiny hidden widths."""

from __future__ import annotations

import torch

from spacemimo.model.gsm_gnn import GsmGnnConfig, GsmMultiGnn
from spacemimo.quant.qat import QatConfig, Scenario, as_float64, ptq
from spacemimo.quant.qat_nets import QuantGsmMultiGnn

GSM_SCENARIO = Scenario("gsm_s4_m4_k4", {})


def small_gsm_config(width: int = 16, **overrides: object) -> GsmGnnConfig:
    """GSM Table II layout at hidden width ``width`` (input MLP 2w -> w)."""
    return GsmGnnConfig(input_mlp=(2 * width, width), aggregate_mlp=(width, width),
                        combine_mlp=(width, width), **overrides)


def small_float_gsm(width: int = 16, seed: int = 0, train_steps: int = 0,
                    config: GsmGnnConfig | None = None) -> GsmMultiGnn:
    """A float GSM multi-GNN, optionally trained ``train_steps`` Adam steps on −sum rate."""
    from spacemimo.model.objectives import sum_rate

    torch.manual_seed(seed)
    net = GsmMultiGnn(config or small_gsm_config(width))
    if train_steps:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        for step in range(train_steps):
            b = GSM_SCENARIO.sample(128, 50_000 + step, torch.complex64)
            loss = -sum_rate(b.H, net(b), b.noise_power).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def small_quant_gsm(bits: int, width: int = 16, seed: int = 0, train_steps: int = 0,
                    config: GsmGnnConfig | None = None) -> QuantGsmMultiGnn:
    """PTQ-calibrated float64 quantized GSM net (bit-exact reference)."""
    f = small_float_gsm(width, seed, train_steps, config)
    return as_float64(ptq(f, bits, GSM_SCENARIO, QatConfig(calib=256, seed=seed)))


MODEL_GNN_SCENARIO = Scenario("modelgnn_n8_k4", {})


def small_quant_model_gnn(bits: int, hidden: tuple[int, ...] = (8, 8), seed: int = 0):
    """PTQ-calibrated float64 quantized Model-GNN (untrained, N = 8, K = 4 scenario)."""
    from spacemimo.model.model_gnn import ModelGnn, ModelGnnConfig

    torch.manual_seed(seed)
    f = ModelGnn(ModelGnnConfig(hidden=hidden)).eval()
    return as_float64(ptq(f, bits, MODEL_GNN_SCENARIO, QatConfig(calib=128, seed=seed)))
