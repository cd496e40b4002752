"""PTQ and QAT of the GSM GNN at 8/16 bit, the objective table, and quantized checkpoints.

PTQ = copy the float weights, calibrate the activation radix points on a few channel batches
(Brevitas ``calibration_mode``, percentile statistics), no training. QAT = PTQ, then fine-tune
weights and radix points through the fixed-point forward pass (straight-through estimators)
on the unsupervised objective the float net was trained on (−sum rate, GSM problem P1).
Reporting both shows what the training buys.

Evaluation runs the quantized nets in float64: that forward pass is word-for-word the
program's (``quant.lower``), so the table's numbers are what the hardware delivers.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from brevitas.graph.calibrate import calibration_mode
from torch import nn

from spacemimo.model.batch import ChannelBatch
from spacemimo.model.checkpoint import plain
from spacemimo.model.gsm_gnn import GsmGnnConfig
from spacemimo.model.objectives import sum_rate
from spacemimo.model.presets import sample_preset
from spacemimo.model.scenarios import resolve_scenario
from spacemimo.quant.qat_nets import QuantGsmGnn, QuantGsmMultiGnn, QuantModelGnn, quantize_net

QuantNet = QuantGsmMultiGnn | QuantModelGnn

log = logging.getLogger(__name__)

QAT_FORMAT = "spacemimo-qat-checkpoint"
QAT_FORMAT_VERSION = 2  # 2: Model-GNN layers keep one grid per DENSE input segment
# GSM 002 Fig. 10: "the results of inference after quantization closely match the
# floating-point results" (8-bit; read off the plot, no number given).
PAPER_NOTE = {8: "GSM Fig. 10: 8-bit ≈ float", 16: "—"}  # GSM nets only (003 has no QAT)
TARGET_LOSS = {8: 0.01, 16: 0.001}  # issue 5: 8-bit loses <= 1%, 16-bit <= 0.1%


@dataclass
class QatConfig:
    """QAT/PTQ settings. steps: fine-tuning steps of ``batch`` fresh channels each (seeds
    ``seed + 1000 + step``); calib: calibration samples; test: test samples (seed
    ``seed + 10**6``, disjoint from training); lr: Adam step for weights and radix points."""

    steps: int = 200
    batch: int = 128
    lr: float = 1e-4
    calib: int = 512
    test: int = 1000
    seed: int = 0
    train_dtype: str = "float32"
    bias_bits: int = 0  # 0: as wide as the program stores (8 bit: 32, 16 bit: 48)

    def bias_bits_for(self, bits: int) -> int:
        """Bias width at ``bits``: program format v2 stores int64 biases when the accumulator
        is wider than 32 bits, so a 16-bit net gets Int48Bias unless told otherwise."""
        return self.bias_bits or (48 if bits == 16 else 32)


@dataclass
class Scenario:
    """Which channels a net is trained/evaluated on (a preset plus overrides)."""

    preset: str
    overrides: dict[str, Any]

    @classmethod
    def from_checkpoint(cls, scenario: dict[str, Any]) -> Scenario:
        """Accept the trainer's scenario dict: preset/name/scenario key + overrides."""
        name = scenario.get("preset") or scenario.get("name") or scenario.get("scenario")
        if not name:
            raise ValueError(f"checkpoint scenario {scenario!r} names no preset")
        return cls(resolve_scenario(str(name)), dict(scenario.get("overrides") or {}))

    def sample(self, n: int, seed: int, dtype: torch.dtype = torch.complex128) -> ChannelBatch:
        return sample_preset(self.preset, n, seed, dtype=dtype, **self.overrides)


# --------------------------------------------------------------------------- objective


def mean_sum_rate(net: nn.Module, batch: ChannelBatch, chunk: int = 512) -> float:
    """Mean sum rate (bit/s/Hz) of ``net`` on ``batch`` (GSM P1 with unit weights)."""
    total = 0.0
    with torch.no_grad():
        for s in range(0, batch.H.shape[0], chunk):
            sub = _slice(batch, s, s + chunk)
            W = net(sub)
            total += float(sum_rate(sub.H, W.to(sub.H.dtype), sub.noise_power).sum())
    return total / batch.H.shape[0]


def _slice(batch: ChannelBatch, a: int, b: int) -> ChannelBatch:
    return ChannelBatch(batch.H[a:b], batch.p_max, batch.noise_power, batch.num_sats)


# --------------------------------------------------------------------------- PTQ / QAT


def calibrate(qnet: QuantNet, batches: Iterable[ChannelBatch]) -> QuantNet:
    """PTQ: set every activation radix point from percentile statistics (weights need none:
    their scale follows max|W|). The non-Brevitas steps run in float meanwhile."""
    qnet.set_float_mode(True)
    try:
        with torch.no_grad(), calibration_mode(qnet):
            for b in batches:
                qnet(b)
    finally:
        qnet.set_float_mode(False)
    qnet.eval()
    return qnet


def ptq(float_net: nn.Module, bits: int, scenario: Scenario, cfg: QatConfig) -> QuantNet:
    """Post-training quantization of ``float_net`` at ``bits`` (no training)."""
    dt = getattr(torch, cfg.train_dtype)
    net = copy.deepcopy(float_net).to(dt)
    calib = scenario.sample(cfg.calib, cfg.seed + 7, _complex(dt))
    q = quantize_net(net, bits, calib.p_max, cfg.bias_bits_for(bits))
    if not isinstance(q, (QuantGsmMultiGnn, QuantModelGnn)):
        raise ValueError("PTQ/QAT take the whole multi-GNN (GsmMultiGnn) or a ModelGnn")
    return calibrate(q, [calib])


def _complex(dt: torch.dtype) -> torch.dtype:
    return torch.complex128 if dt == torch.float64 else torch.complex64


def qat_finetune(qnet: QuantNet, scenario: Scenario, cfg: QatConfig,
                 progress: Callable[[int, float], None] | None = None) -> list[float]:
    """Fine-tune a calibrated net on −mean sum rate; returns the per-step training objective."""
    return finetune(qnet, scenario, cfg, progress)


def finetune(qnet: nn.Module, scenario: Scenario, cfg: QatConfig,
             progress: Callable[[int, float], None] | None = None) -> list[float]:
    """Adam on −mean sum rate over fresh channel batches (seeds seed + 1000 + step)."""
    dt = next(qnet.parameters()).dtype
    opt = torch.optim.Adam(qnet.parameters(), lr=cfg.lr)
    history: list[float] = []
    qnet.train()
    for step in range(cfg.steps):
        b = scenario.sample(cfg.batch, cfg.seed + 1000 + step, _complex(dt))
        W = qnet(b)
        loss = -sum_rate(b.H, W.to(b.H.dtype), b.noise_power).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(-float(loss.detach()))
        if progress is not None:
            progress(step, history[-1])
    qnet.eval()
    return history


def as_float64(qnet: nn.Module) -> nn.Module:
    """A float64 copy for exact evaluation (float32 rounds 8-bit sums beyond 2^24)."""
    return copy.deepcopy(qnet).double().eval()


# --------------------------------------------------------------------------- the table


@dataclass
class QatResult:
    rows: list[dict[str, Any]]
    nets: dict[str, QuantNet]  # "ptq8", "qat8", ...
    float_rate: float


def compare(float_net: nn.Module, scenario: Scenario, bits_list: Iterable[int],
            cfg: QatConfig, do_qat: bool = True, net_name: str = "gsm_local",
            progress: bool = False) -> QatResult:
    """Float vs PTQ vs QAT mean sum rate on one test set, per bit width."""
    test = scenario.sample(cfg.test, cfg.seed + 10 ** 6)
    f64 = copy.deepcopy(float_net).double().eval()
    r_float = mean_sum_rate(f64, test)
    rows: list[dict[str, Any]] = [_row(net_name, "float", "-", r_float, r_float, "")]
    nets: dict[str, QuantNet] = {}
    r_ft = math.nan
    if do_qat and cfg.steps > 0:
        # The float net fine-tuned with QAT's exact schedule: separates what the extra
        # training buys (the float checkpoint may not be converged) from what QAT recovers.
        ft = copy.deepcopy(float_net).to(getattr(torch, cfg.train_dtype))
        finetune(ft, scenario, cfg)
        r_ft = mean_sum_rate(copy.deepcopy(ft).double().eval(), test)
        rows.append(_row(net_name, "float+FT", "-", r_ft, r_float, ""))
    notes = PAPER_NOTE if net_name.startswith("gsm") else {}
    for bits in bits_list:
        q = ptq(float_net, bits, scenario, cfg)
        nets[f"ptq{bits}"] = q
        rows.append(_row(net_name, "PTQ", bits, mean_sum_rate(as_float64(q), test), r_float,
                         notes.get(bits, "")))
        if do_qat and cfg.steps > 0:
            qq = copy.deepcopy(q)
            bar = _bar(cfg.steps, f"QAT {bits}-bit") if progress else None
            qat_finetune(qq, scenario, cfg,
                         (lambda s, r, bar=bar: (bar.update(1), bar.set_postfix(rate=f"{r:.3f}")))
                         if bar is not None else None)
            if bar is not None:
                bar.close()
            nets[f"qat{bits}"] = qq
            r_q = mean_sum_rate(as_float64(qq), test)
            row = _row(net_name, "QAT", bits, r_q, r_float, notes.get(bits, ""))
            row["loss_vs_float_ft_pct"] = 100 * (1 - r_q / r_ft)
            # QAT's own cost is judged against the float net given the same extra training.
            row["target_met"] = "yes" if 1 - r_q / max(r_ft, r_float) <= TARGET_LOSS.get(
                bits, 0.0) else "no"
            rows.append(row)
    return QatResult(rows, nets, r_float)


def _bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, leave=False)


def _row(net: str, method: str, bits: int | str, rate: float, ref: float, paper: str
         ) -> dict[str, Any]:
    loss = 1.0 - rate / ref if ref else math.nan
    target = TARGET_LOSS.get(bits) if isinstance(bits, int) else None
    ok = "" if target is None else ("yes" if loss <= target else "no")
    return {"net": net, "method": method, "bits": bits, "sum_rate": rate,
            "ratio_to_float": rate / ref if ref else math.nan, "loss_pct": 100 * loss,
            "loss_vs_float_ft_pct": math.nan, "target_met": ok, "paper": paper}


# --------------------------------------------------------------------------- checkpoints


def save_qat_checkpoint(path: str | Path, qnet: QuantNet, *, net_name: str,
                        scenario: Scenario, method: str, metrics: dict[str, Any],
                        cfg: QatConfig, num_users: int, num_antennas: int = 0) -> Path:
    """Write a quantized net: rebuilt from (config, bits, p_max, bias_bits), weights and
    radix points from the state dict; ``weights_only`` loadable."""
    from spacemimo.ground.provenance import run_metadata

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": QAT_FORMAT, "format_version": QAT_FORMAT_VERSION,
        "kind": "model_gnn" if isinstance(qnet, QuantModelGnn) else "gsm",
        "net_name": net_name, "config": plain(qnet.config.to_dict()), "bits": qnet.bits,
        "bias_bits": (qnet.gnns[0].bias_bits if isinstance(qnet, QuantGsmMultiGnn) else 32),
        "p_max": qnet.p_max, "num_users": num_users, "num_antennas": num_antennas,
        "scenario": {"preset": scenario.preset, "overrides": scenario.overrides},
        "method": method, "metrics": metrics, "qat_config": asdict(cfg),
        "meta": run_metadata({}, cfg.seed),
        "state_dict": {k: v.detach().cpu().clone() for k, v in qnet.state_dict().items()},
    }
    torch.save(payload, path)
    return path


@dataclass
class QatCheckpoint:
    net: QuantNet
    net_name: str
    bits: int
    num_users: int
    scenario: Scenario
    method: str
    metrics: dict[str, Any]
    num_antennas: int = 0


def load_qat_checkpoint(path: str | Path) -> QatCheckpoint:
    """Rebuild a quantized net written by ``save_qat_checkpoint`` (in float64, eval mode)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"QAT checkpoint {str(path)!r} does not exist")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise ValueError(f"{str(path)!r} is not a readable checkpoint: {err}") from err
    if not isinstance(data, dict) or data.get("format") != QAT_FORMAT:
        raise ValueError(f"{str(path)!r} is not a spacemimo QAT checkpoint (train one with "
                         f"`spacemimo qat --from <float checkpoint>`)")
    if data.get("kind", "gsm") == "model_gnn":
        from spacemimo.model.model_gnn import ModelGnnConfig

        if int(data.get("format_version", 1)) < 2:
            raise ValueError(f"{str(path)!r} is a Model-GNN QAT checkpoint of format "
                             f"{data.get('format_version', 1)} (one shared concat grid); "
                             f"re-run `spacemimo qat` on its float checkpoint")

        net: nn.Module = QuantModelGnn(ModelGnnConfig.from_dict(data["config"]),
                                       int(data["bits"]), float(data["p_max"]))
    else:
        net = QuantGsmMultiGnn(GsmGnnConfig.from_dict(data["config"]), int(data["bits"]),
                               float(data["p_max"]), int(data.get("bias_bits", 32)))
    state = data["state_dict"]
    net = net.to(next(v for v in state.values() if v.is_floating_point()).dtype)
    _mark_calibrated(net)
    net.load_state_dict(state)
    sc = data["scenario"]
    return QatCheckpoint(net.double().eval(), data["net_name"], int(data["bits"]),
                         int(data["num_users"]), Scenario(sc["preset"], dict(sc["overrides"])),
                         data["method"], data["metrics"], int(data.get("num_antennas", 0)))


def _mark_calibrated(net: nn.Module) -> None:
    """Run one float-mode calibration pass on dummy input so every runtime-stats scaling has
    its parameter (the state dict then overwrites it): Brevitas creates them lazily."""
    if isinstance(net, QuantModelGnn):
        net.float_mode = True
        with torch.no_grad(), calibration_mode(net):
            net.run_edges(torch.ones(1, 4, 2, dtype=net.dtype), 2)
        net.float_mode = False
        return
    for g in net.modules():
        if isinstance(g, QuantGsmGnn):
            x = torch.zeros(1, 2, g.in_features, dtype=g.dtype)
            x[..., 0] = 1.0
            g.float_mode = True
            with torch.no_grad(), calibration_mode(g):
                g(x)
            g.float_mode = False


