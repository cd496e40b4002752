"""``spacemimo qat``: PTQ and QAT of a float checkpoint at 8/16 bit, table + checkpoints.

The first step of the hardware flow (float checkpoint -> quantized checkpoint); ``spacemimo
compile --from`` takes its checkpoints on. Heavy imports stay inside the handler.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg

DEFAULT_OUT = Path("results") / "qat"


def cmd_qat(args: argparse.Namespace) -> int:
    """PTQ + QAT of a float checkpoint at 8/16 bit; table + checkpoints

    Quantize a trained float GSM GNN or Model-GNN with Brevitas power-of-two fixed point
    (weights, Int32 biases, activations), calibrate (PTQ), fine-tune (QAT) and report float vs
    PTQ vs QAT mean sum rate on a test set. Writes qat_<net>.{md,json} under --out (no plot) and
    the quantized checkpoints <net>_qat<bits>.pt (<net>_ptq<bits>.pt with --steps 0).

    example: spacemimo qat --from runs/gsm/best.pt --bits 8,16 --steps 200
    """
    from spacemimo.ground.results import markdown_table, write_table
    from spacemimo.model.checkpoint import load_checkpoint
    from spacemimo.model.gsm_gnn import GsmMultiGnn
    from spacemimo.model.model_gnn import ModelGnn
    from spacemimo.quant.qat import QatConfig, Scenario, compare, save_qat_checkpoint

    arg.prepare_out_dir(args.out)
    save_dir = arg.prepare_out_dir(args.save_dir, "--save-dir") if args.save_dir else args.out
    arg.apply_threads(args)
    ck = load_checkpoint(args.from_ckpt)
    if not isinstance(ck.net, (GsmMultiGnn, ModelGnn)):
        raise arg.CliError(f"--from {args.from_ckpt}: net {ck.net_name!r} is neither a GSM "
                           f"multi-GNN nor a Model-GNN; give a gsm_local / gsm_global / model_gnn "
                           f"checkpoint")
    scenario = (Scenario.from_checkpoint({"preset": args.scenario}) if args.scenario
                else Scenario.from_checkpoint(ck.scenario))
    cfg = QatConfig(steps=args.steps, batch=args.batch_size, lr=args.lr,
                    calib=args.calib_samples, test=args.samples, seed=args.seed)
    res = compare(ck.net, scenario, args.bits, cfg, do_qat=args.steps > 0,
                  net_name=ck.net_name, progress=not args.quiet)
    stem = f"qat_{ck.net_name}"
    paths = write_table(args.out, stem, res.rows, seed=cfg.seed,
                        config={"from": str(args.from_ckpt), "scenario": vars(scenario),
                                "qat": vars(cfg), "bits": args.bits},
                        title=f"{ck.net_name}: float vs PTQ vs QAT mean sum rate "
                              f"({scenario.preset}, {cfg.test} test samples)")
    print(markdown_table(res.rows))
    H1 = scenario.sample(1, 0).H
    num_users, num_antennas = H1.shape[1], H1.shape[2]
    for key, net in res.nets.items():
        if args.steps > 0 and key.startswith("ptq"):
            continue  # the QAT net supersedes the PTQ one
        row = next(r for r in res.rows if r["method"] == key[:3].upper()
                   and r["bits"] == net.bits)
        ck_path = save_qat_checkpoint(Path(save_dir) / f"{ck.net_name}_{key}.pt", net,
                                      net_name=ck.net_name, scenario=scenario,
                                      method=key[:3], metrics=row, cfg=cfg,
                                      num_users=num_users, num_antennas=num_antennas)
        print(f"wrote {ck_path}")
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def register(sub: Any) -> None:
    """``qat``."""
    s = arg.add_command(sub, "qat", cmd_qat)
    s.add_argument("--from", dest="from_ckpt", type=arg.input_file, required=True,
                   help="float checkpoint (spacemimo train)")
    s.add_argument("--bits", type=arg.bits_list, default=[8, 16],
                   help="data widths: 8, 16 or 8,16 (default 8,16)")
    s.add_argument("--steps", type=arg.non_negative_int, default=200,
                   help="QAT fine-tuning steps (0: PTQ only; default 200)")
    s.add_argument("--batch-size", type=arg.positive_int, default=128,
                   help="QAT batch size (default 128)")
    s.add_argument("--lr", type=arg.positive_float, default=1e-4,
                   help="QAT Adam step (default 1e-4)")
    s.add_argument("--calib-samples", type=arg.positive_int, default=512,
                   help="calibration samples (default 512)")
    s.add_argument("-n", "--samples", type=arg.positive_int, default=1000,
                   help="test samples of the float / PTQ / QAT table (default 1000)")
    s.add_argument("--scenario", default=None,
                   help="override the checkpoint's scenario (alias or preset name)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"table and checkpoint directory (default {DEFAULT_OUT})")
    s.add_argument("--save-dir", type=Path, default=None,
                   help="put the quantized checkpoints here instead of --out")
    s.add_argument("--threads", type=arg.positive_int, default=1,
                   help="torch threads (default 1: fastest for Brevitas on shared cores)")
