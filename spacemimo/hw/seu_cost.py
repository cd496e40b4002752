"""What a silent data corruption costs (issue 19): single-bit upsets in one layer's weights,
biases or activations of a trained precoder's accelerator program, executed by the integer
golden model, scored by the precoder's weighted sum rate (unit weights: the GSM P1 objective)
against the unflipped program. The table says where protection matters.

The precoder is the GSM-local GNN the demo trains (``gsm_local``), trained briefly and
quantization-aware fine-tuned at 8 bit, cached under the build folder (``trained_precoder``).
Every satellite runs its own copy of the program; an upset hits satellite 0's copy.

- weights / biases: the upset persists until the program is reloaded, so it costs every
  channel of the evaluation batch: loss = 1 - WSR(flipped) / WSR(clean) over the batch;
- activations: an upset in an op's output hits one inference: loss = 1 - rate / clean rate
  of the channel it hit.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacemimo.ground.locks import exclusive
from spacemimo.quant.program import OPCODES, Program, bias_words, row_words

OP_NAMES = {v: k for k, v in OPCODES.items()}


@dataclass
class Precoder:
    """A quantized precoder and its per-satellite programs, with an evaluation batch."""

    checkpoint: Path
    ck: Any                      # quant.qat.QatCheckpoint
    programs: list[Program]      # one per satellite (the same weights when shared)
    layer_names: list[str]       # per op of the program: the net's value it writes
    batch: Any                   # model ChannelBatch of the evaluation channels
    inputs: list[np.ndarray]     # per satellite: quantized input tables (B, K, 2M)
    clean_outputs: list[np.ndarray]  # per satellite: golden outputs (B, K, 2M)


def trained_precoder(cache: Path, steps: int = 300, qat_steps: int = 50, seed: int = 0,
                     progress: bool = False) -> Path:
    """The 8-bit QAT checkpoint of a briefly trained ``gsm_local`` GNN (the demo's net, more
    steps), trained once and cached at ``cache/gsm_local_s<steps>_q<qat>_seed<seed>/``."""
    d = Path(cache) / f"gsm_local_s{steps}_q{qat_steps}_seed{seed}"
    with exclusive(d.with_name(d.name + ".lock")):  # trained once, by one process
        return _train_precoder(d, steps, qat_steps, seed, progress)


def _train_precoder(d: Path, steps: int, qat_steps: int, seed: int, progress: bool) -> Path:
    """``trained_precoder``'s work under its lock: the cached checkpoint, or train it."""
    from spacemimo.model.checkpoint import load_checkpoint
    from spacemimo.model.train import load_experiment, train
    from spacemimo.quant.qat import QatConfig, Scenario, compare, save_qat_checkpoint

    ckpt = d / "gsm_local_qat8.pt"
    if ckpt.is_file():
        return ckpt
    exp = load_experiment("gsm_local", seed=seed, train_eval_every=max(1, steps // 4))
    exp = exp.with_train(steps=steps)
    res = train(exp, d / "train", progress=progress)
    fl = load_checkpoint(res.paths["best"])
    scenario = Scenario.from_checkpoint(fl.scenario)
    cfg = QatConfig(steps=qat_steps, calib=256, test=200, seed=seed)
    out = compare(fl.net, scenario, [8], cfg, net_name=fl.net_name, progress=progress)
    row = next(r for r in out.rows if r["method"] == "QAT")
    H1 = scenario.sample(1, 0).H
    return save_qat_checkpoint(ckpt, out.nets["qat8"], net_name=fl.net_name,
                               scenario=scenario, method="qat", metrics=row, cfg=cfg,
                               num_users=H1.shape[1], num_antennas=H1.shape[2])


def load_precoder(checkpoint: Path, samples: int = 200, seed: int = 1) -> Precoder:
    """Lower every satellite's GNN of a GSM QAT checkpoint and quantize ``samples`` channels
    of its scenario (seed ``seed``) for each satellite."""
    import torch

    from spacemimo.model.precoder_io import complex_to_real, scale_input
    from spacemimo.quant import golden
    from spacemimo.quant.lower import lower, op_index_map, satellite_net
    from spacemimo.quant.qat import load_qat_checkpoint
    from spacemimo.quant.qat_nets import QuantGsmMultiGnn

    ck = load_qat_checkpoint(checkpoint)
    if not isinstance(ck.net, QuantGsmMultiGnn) or ck.net.config.variant == "global":
        raise ValueError(f"{checkpoint}: a GSM-local QAT checkpoint is needed (got "
                         f"{ck.net_name})")
    batch = ck.scenario.sample(samples, seed)
    S = batch.num_sats
    K = ck.num_users
    progs, inputs, outs = [], [], []
    for s in range(S):
        prog = lower(ck.net, K, sat=s, name=f"{ck.net_name}_sat{s}")
        H = batch.local_view()[:, s]
        feats = complex_to_real(scale_input(H, batch.p_max, batch.noise_power,
                                            ck.net.config.input_scale), torch.float64)
        x = satellite_net(ck.net, s).quantize_input(feats).numpy()
        progs.append(prog)
        inputs.append(x)
        outs.append(np.asarray(golden.run(prog, x)))
    names = {i: v for v, i in op_index_map(satellite_net(ck.net, 0)).items()}
    layer_names = [names.get(i, f"op{i}") for i in range(len(progs[0].ops))]
    return Precoder(Path(checkpoint), ck, progs, layer_names, batch, inputs, outs)


def rates(pc: Precoder, outputs: list[np.ndarray], idx: np.ndarray | None = None) -> np.ndarray:
    """Per-channel sum rate (bit/s/Hz) of the precoder whose satellites produced
    ``outputs`` (integer output tables, each (B, K, 2M)), on channels ``idx`` of the batch."""
    import torch

    from spacemimo.model.objectives import sum_rate
    from spacemimo.model.precoder_io import real_to_complex

    b = np.stack([o.astype(np.float64) * 2.0 ** -p.out_frac for o, p in zip(outputs, pc.programs,
                                                                             strict=True)], 1)
    Wc = real_to_complex(torch.from_numpy(b))  # (B, S, K, M)
    B, S, K, M = Wc.shape
    H = pc.batch.H if idx is None else pc.batch.H[torch.as_tensor(idx)]
    W = Wc.permute(0, 1, 3, 2).reshape(B, S * M, K).to(H.dtype)
    return sum_rate(H, W, pc.batch.noise_power).numpy().astype(np.float64)


def _flip_weight(prog: Program, op: Any, rng: random.Random) -> tuple[Program, str]:
    """A copy of ``prog`` with one bit of one weight of DENSE ``op`` flipped (in its packed
    data word, as an upset in the resident weight memory)."""
    lanes = 32 // prog.bits
    r, c = rng.randrange(op.out_cols), rng.randrange(op.in_cols)
    bit = rng.randrange(prog.bits)
    word = op.w_off + r * row_words(op.in_cols, prog.bits) + c // lanes
    return _flip_data(prog, word, (c % lanes) * prog.bits + bit), f"w[{r},{c}] bit {bit}"


def _flip_bias(prog: Program, op: Any, rng: random.Random) -> tuple[Program, str]:
    bw = bias_words(prog.acc_bits)
    r = rng.randrange(op.out_cols)
    bit = rng.randrange(32 * bw)
    return _flip_data(prog, op.b_off + r * bw + bit // 32, bit % 32), f"b[{r}] bit {bit}"


def _flip_data(prog: Program, word: int, bit: int) -> Program:
    p = copy.copy(prog)
    p.data = prog.data.copy()
    p.data[word] = np.uint32(int(p.data[word]) ^ (1 << bit))
    return p


def _buffers(p: Program, batch: int) -> np.ndarray:
    """golden.run's buffer file: (num_buffers, batch, rows, cols) int64, sized as it sizes it."""
    R = max([p.in_rows, p.out_rows] + [op.rows for op in p.ops])
    C = max([p.in_cols, p.out_cols] + [max(op.src_off + op.in_cols, op.dst_off + op.out_cols,
                                           op.b_off + 2 if op.opcode == OPCODES["TAYLOR"] else 0)
                                       for op in p.ops])
    return np.zeros((p.num_buffers, batch, R, C), dtype=np.int64)


def run_ops(p: Program, bufs: np.ndarray, start: int = 0, flip: Any = None) -> np.ndarray:
    """golden.run's op loop from op ``start`` on the buffer file ``bufs`` (changed in place);
    ``flip(i, op, out)`` may alter an op's output table before it is stored. Returns the
    output table (B, out_rows, out_cols)."""
    from spacemimo.quant import golden

    for i in range(start, len(p.ops)):
        op = p.ops[i]
        src = bufs[op.src_buf, :, :op.rows, op.src_off:op.src_off + op.in_cols]
        out = np.array(golden.execute_op(p, op, src, bufs))
        if flip is not None:
            flip(i, op, out)
        bufs[op.dst_buf, :, :op.rows, op.dst_off:op.dst_off + op.out_cols] = out
    return bufs[p.out_buf, :, :p.out_rows, :p.out_cols].copy()


def op_states(p: Program, x: np.ndarray) -> list[np.ndarray]:
    """The buffer file before every op of a clean run on ``x`` (int16: every stored word is a
    ``bits``-bit value), so an upset in op i's memory reruns only ops i.. ."""
    bufs = _buffers(p, x.shape[0])
    bufs[p.in_buf, :, :p.in_rows, :p.in_cols] = x
    states = []
    for i in range(len(p.ops)):
        states.append(bufs.astype(np.int16))
        _one_op(p, bufs, i)
    return states


def _one_op(p: Program, bufs: np.ndarray, i: int) -> None:
    from spacemimo.quant import golden

    op = p.ops[i]
    src = bufs[op.src_buf, :, :op.rows, op.src_off:op.src_off + op.in_cols]
    bufs[op.dst_buf, :, :op.rows, op.dst_off:op.dst_off + op.out_cols] = golden.execute_op(
        p, op, src, bufs)


def _act_flipper(p: Program, op_index: int, rng: random.Random, note: list[str]) -> Any:
    """A ``run_ops`` hook flipping one bit of one stored word of op ``op_index``'s output
    (``bits`` wide, read back with the op's signedness), as an activation-buffer upset."""

    def flip(i: int, op: Any, out: np.ndarray) -> None:
        if i != op_index:
            return
        r, c, bit = rng.randrange(op.rows), rng.randrange(op.out_cols), rng.randrange(p.bits)
        v = (int(out[0, r, c]) & ((1 << p.bits) - 1)) ^ (1 << bit)
        if op.out_signed and v >> (p.bits - 1):
            v -= 1 << p.bits
        out[0, r, c] = v
        note.append(f"y[{r},{c}] bit {bit}")

    return flip


def wsr_loss_table(pc: Precoder, flips: int = 50, act_flips: int | None = None,
                   seed: int = 0) -> list[dict[str, Any]]:
    """Per op of satellite 0's program and per memory (weights, biases, activations):
    ``flips`` random single-bit upsets (``act_flips`` in activations), each scored as the
    WSR loss in % of the clean WSR: mean, worst, and how many cost more than 1 %."""
    rng = random.Random(seed)
    clean = rates(pc, pc.clean_outputs)
    wsr0 = float(clean.mean())
    prog = pc.programs[0]
    x0 = pc.inputs[0]
    states = op_states(prog, x0)
    rows: list[dict[str, Any]] = []
    act_flips = flips if act_flips is None else act_flips
    for i, op in enumerate(prog.ops):
        kinds = []
        if op.opcode == OPCODES["DENSE"]:
            kinds.append(("weights", _flip_weight))
            if op.has_bias:
                kinds.append(("biases", _flip_bias))
        for mem, flip in kinds:
            losses, worst_at = [], ""
            for _ in range(flips):
                p, where = flip(prog, op, rng)
                y = run_ops(p, states[i].astype(np.int64), i)
                wsr = float(rates(pc, [y, *pc.clean_outputs[1:]]).mean())
                losses.append(100.0 * (1.0 - wsr / wsr0))
                if losses[-1] >= max(losses):
                    worst_at = where
            rows.append(_row(i, op, pc.layer_names[i], mem, losses, worst_at, wsr0))
        losses, worst_at = [], ""
        for _ in range(act_flips):
            j = rng.randrange(x0.shape[0])
            note: list[str] = []
            y = run_ops(prog, states[i][:, j:j + 1].astype(np.int64), i,
                        _act_flipper(prog, i, rng, note))
            r = float(rates(pc, [y] + [o[j:j + 1] for o in pc.clean_outputs[1:]],
                            np.array([j]))[0])
            losses.append(100.0 * (1.0 - r / clean[j]) if clean[j] > 0 else 0.0)
            if losses[-1] >= max(losses):
                worst_at = f"channel {j} {note[0]}"
        rows.append(_row(i, op, pc.layer_names[i], "activations", losses, worst_at, wsr0))
    return rows


def _row(i: int, op: Any, layer: str, mem: str, losses: list[float], worst_at: str,
         wsr0: float) -> dict[str, Any]:
    a = np.asarray(losses)
    return {"op": i, "opcode": OP_NAMES.get(op.opcode, str(op.opcode)), "layer": layer,
            "memory": mem, "flips": int(a.size), "clean_wsr": wsr0,
            "mean_loss_pct": float(a.mean()), "worst_loss_pct": float(a.max()),
            "over_1pct": int((a > 1.0).sum()), "worst_upset": worst_at}
