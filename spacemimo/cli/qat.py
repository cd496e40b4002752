"""``spacemimo qat``, ``spacemimo compile --from`` and ``spacemimo hls4ml``: the flow steps
float checkpoint -> quantized checkpoint -> program -> hls4ml projects.

``compile`` is shared with ``spacemimo.cli.program`` (its ``--emit-headers``): this
module adds ``--from`` to that parser when it exists (or creates ``compile`` when it does not)
and also registers ``lower`` as a name of its own. Heavy imports stay inside the handlers.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_QAT_OUT = Path("results") / "qat"
DEFAULT_HLS4ML_OUT = Path("build") / "hls4ml"


def _bits_list(text: str) -> list[int]:
    try:
        bits = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected 8, 16 or 8,16, got {text!r}") from err
    if not bits or any(b not in (8, 16) for b in bits):
        raise argparse.ArgumentTypeError(f"bit widths must be 8 and/or 16, got {text!r}")
    return bits


def _threads(args: argparse.Namespace) -> None:
    """Brevitas runs many small ops: extra OpenMP threads on shared cores slow it ~10x."""
    import torch

    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)


# --------------------------------------------------------------------------- qat


def cmd_qat(args: argparse.Namespace) -> int:
    from spacemimo.ground.results import markdown_table, write_table
    from spacemimo.model.checkpoint import load_checkpoint
    from spacemimo.model.gsm_gnn import GsmMultiGnn
    from spacemimo.model.model_gnn import ModelGnn
    from spacemimo.quant.qat import QatConfig, Scenario, compare, save_qat_checkpoint

    _threads(args)
    ck = load_checkpoint(args.from_ckpt)
    if not isinstance(ck.net, (GsmMultiGnn, ModelGnn)):
        raise ValueError(f"{args.from_ckpt}: net {ck.net_name!r} is neither a GSM multi-GNN "
                         f"nor a Model-GNN; QAT and lowering support gsm_local / gsm_global / "
                         f"model_gnn so far")
    scenario = (Scenario.from_checkpoint({"preset": args.scenario}) if args.scenario
                else Scenario.from_checkpoint(ck.scenario))
    cfg = QatConfig(steps=args.steps, batch=args.batch, lr=args.lr, calib=args.calib,
                    test=args.test, seed=args.seed)
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
        ck_path = save_qat_checkpoint(Path(args.save_dir or args.out) /
                                      f"{ck.net_name}_{key}.pt", net, net_name=ck.net_name,
                                      scenario=scenario, method=key[:3], metrics=row, cfg=cfg,
                                      num_users=num_users, num_antennas=num_antennas)
        print(f"wrote {ck_path}")
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


# --------------------------------------------------------------------------- compile


def cmd_compile_from(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from spacemimo.quant.lower import bit_exact_mismatches, lower, satellite_net
    from spacemimo.quant.qat import load_qat_checkpoint
    from spacemimo.quant.qat_nets import QuantModelGnn

    ck = load_qat_checkpoint(args.from_ckpt)
    K = args.num_users or ck.num_users
    if isinstance(ck.net, QuantModelGnn):
        return _compile_model_gnn(args, ck, K)
    prog = lower(ck.net, K, sat=args.sat, name=args.name or f"{ck.net_name}_{ck.bits}bit")
    out = prog.save(args.out)
    print(prog.describe() if args.verbose_program else
          f"program {prog.name}: {len(prog.ops)} ops, {prog.bits}-bit, acc {prog.acc_bits}, "
          f"{prog.data.size} data words, in frac {prog.in_frac}, out frac {prog.out_frac}")
    print(f"wrote {out} (sha256 {prog.sha256()[:16]}…)")
    if args.check:
        from spacemimo.model.precoder_io import complex_to_real, scale_input

        b = ck.scenario.sample(args.check, args.seed + 2 * 10 ** 6)
        H = scale_input(b.H, b.p_max, b.noise_power, ck.net.config.input_scale)
        S, M = b.num_sats, ck.net.config.antennas_per_sat
        if ck.net.config.variant == "global":
            feats = complex_to_real(H, torch.float64)
        else:
            local = H.reshape(H.shape[0], H.shape[1], S, M).transpose(1, 2)
            feats = complex_to_real(local, torch.float64)
        net = satellite_net(ck.net, args.sat)
        x = net.quantize_input(feats[:, args.sat] if feats.dim() == 4 else feats)
        bad, total, first = bit_exact_mismatches(ck.net, prog, x.numpy(), sat=args.sat)
        print(f"golden vs Brevitas on {x.shape[0]} channel samples: {bad} of {total} words "
              f"differ" + (f"; first: {first}" if first else ""))
        if bad:
            return 1
        np.save(Path(args.out).with_suffix(".inputs.npy"), x.numpy())
    print(f"next: spacemimo golden --program {out} --out <dir>")
    return 0


def _compile_model_gnn(args: argparse.Namespace, ck: Any, K: int) -> int:
    import numpy as np

    from spacemimo.quant.lower import lower_model_gnn, model_gnn_mismatches

    N = ck.num_antennas
    prog = lower_model_gnn(ck.net, N, K, name=args.name or f"{ck.net_name}_{ck.bits}bit")
    out = prog.save(args.out)
    print(prog.describe() if args.verbose_program else
          f"program {prog.name}: {len(prog.ops)} ops, {prog.bits}-bit, N={N} K={K}, "
          f"{prog.data.size} data words")
    print(f"wrote {out} (sha256 {prog.sha256()[:16]}…)")
    if args.check:
        b = ck.scenario.sample(args.check, args.seed + 2 * 10 ** 6)
        e, _ = ck.net.edges(b)
        x = ck.net.quantize_input(e)
        bad, total, first = model_gnn_mismatches(ck.net, prog, x.numpy(), K)
        print(f"golden vs Brevitas on {x.shape[0]} channel samples: {bad} of {total} words "
              f"differ" + (f"; first: {first}" if first else ""))
        if bad:
            return 1
        np.save(Path(args.out).with_suffix(".inputs.npy"), x.numpy())
    print(f"next: spacemimo golden --program {out} --out <dir>")
    return 0


def _add_compile_from_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--from", dest="from_ckpt", type=Path, default=None,
                   help="quantized checkpoint written by `spacemimo qat` to lower to a program")
    s.add_argument("--out", type=Path, default=Path("prog.smp"),
                   help="program image to write (default prog.smp)")
    s.add_argument("--num-users", type=int, default=None,
                   help="K, the program's node rows (default: the checkpoint's scenario)")
    s.add_argument("--sat", type=int, default=0,
                   help="satellite whose GNN to compile (per-satellite weights only)")
    s.add_argument("--name", default=None, help="program name recorded in golden vectors")
    s.add_argument("--check", type=int, default=1000, metavar="N",
                   help="check golden == Brevitas on N channel samples (0: skip; default 1000)")
    s.add_argument("--seed", type=int, default=0, help="seed of the check's channels")
    if not any(a.dest == "verbose_program" for a in s._actions):
        s.add_argument("--verbose-program", action="store_true", help="print the op list")


# --------------------------------------------------------------------------- hls4ml


def cmd_hls4ml(args: argparse.Namespace) -> int:
    import torch

    from spacemimo.quant.lower import lower

    _threads(args)
    if (args.from_ckpt is None) == (not args.demo):
        raise ValueError("give --from <quantized checkpoint> or --demo")
    if args.demo and args.demo_net == "model-gnn":
        from spacemimo.quant.demo_nets import MODEL_GNN_SCENARIO, small_quant_model_gnn
        from spacemimo.quant.qat import QatCheckpoint

        print(f"--demo model-gnn: untrained Model-GNN hidden (8, 8), N=8 K=4, PTQ-calibrated, "
              f"{args.bits}-bit")
        ck = QatCheckpoint(small_quant_model_gnn(args.bits).double().eval(), "model_gnn_demo",
                           args.bits, 4, MODEL_GNN_SCENARIO, "ptq", {}, num_antennas=8)
        return _hls4ml_model_gnn(args, ck)
    if args.demo:
        from spacemimo.quant.demo_nets import small_quant_gsm

        qnet = small_quant_gsm(args.bits, width=args.demo_width)
        name, num_users = f"gsm_demo_w{args.demo_width}", 4
        print(f"--demo: untrained GSM net, hidden width {args.demo_width}, PTQ-calibrated, "
              f"{args.bits}-bit")
    else:
        from spacemimo.quant.qat import load_qat_checkpoint
        from spacemimo.quant.qat_nets import QuantModelGnn

        ck = load_qat_checkpoint(args.from_ckpt)
        if isinstance(ck.net, QuantModelGnn):
            return _hls4ml_model_gnn(args, ck)
        qnet, name, num_users = ck.net, ck.net_name, ck.num_users
    net = qnet.gnns[0]
    prog = lower(qnet, num_users)
    gen = torch.Generator().manual_seed(args.seed)
    x = torch.randint(-(1 << (net.bits - 1)), 1 << (net.bits - 1),
                      (max(1, args.n // num_users), num_users, net.in_features), generator=gen)
    return _hls4ml_run(args, net, prog, x.numpy(), name)


def _hls4ml_model_gnn(args: argparse.Namespace, ck: Any) -> int:
    """The Model-GNN's per-layer DENSE blocks; golden tables from channel samples."""
    from spacemimo.quant.lower import lower_model_gnn

    net, K, N = ck.net, ck.num_users, ck.num_antennas
    prog = lower_model_gnn(net, N, K)
    e, _ = net.edges(ck.scenario.sample(max(1, args.n // (N * K)), args.seed))
    return _hls4ml_run(args, net, prog, net.quantize_input(e).numpy(), ck.net_name)


def _hls4ml_run(args: argparse.Namespace, net: Any, prog: Any, x: Any, name: str) -> int:
    from spacemimo.ground.results import markdown_table, write_table
    from spacemimo.quant.hls4ml_export import Hls4mlOptions, export_and_check

    opts = Hls4mlOptions(part=args.part, reuse_factor=args.reuse_factor,
                         strategy=args.strategy, io_type=args.io_type)
    stem = f"{name}_{net.bits}bit"
    reports = export_and_check(net, args.out / stem, opts, prog, x, n_random=args.n,
                               seed=args.seed, build=args.build, blocks=args.blocks)
    rows: list[dict[str, Any]] = [vars(r) for r in reports]
    print(markdown_table(rows))
    paths = write_table(args.out, f"hls4ml_{stem}", rows, seed=args.seed,
                        config={"from": str(args.from_ckpt), "demo": args.demo,
                                "options": vars(opts)},
                        title=f"hls4ml compile()/predict() vs Brevitas and golden "
                              f"({net.bits}-bit, {name})")
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    bad = sum(r.mismatches_brevitas + r.mismatches_golden for r in reports)
    return 1 if bad else 0


def add_commands(sub: argparse._SubParsersAction, bench_sub: argparse._SubParsersAction
                 ) -> None:
    """Add ``qat``, ``lower`` and ``hls4ml``, and ``--from`` on ``compile``."""
    from spacemimo.cli import _positive_int

    s = sub.add_parser(
        "qat", help="PTQ + QAT of a float GSM checkpoint at 8/16 bit; table + checkpoints",
        description="Quantize a trained float GSM GNN with Brevitas power-of-two fixed point "
                    "(weights, Int32 biases, activations), calibrate (PTQ), fine-tune (QAT) "
                    "and report float vs PTQ vs QAT mean sum rate on a test set. Writes "
                    "results/qat/qat_<net>.{md,csv,json} and the quantized checkpoints.",
        epilog="example: spacemimo qat --from runs/gsm.pt --bits 8,16 --steps 200")
    s.add_argument("--from", dest="from_ckpt", type=Path, required=True,
                   help="float checkpoint (spacemimo train)")
    s.add_argument("--bits", type=_bits_list, default=[8, 16],
                   help="bit widths: 8, 16 or 8,16 (default 8,16)")
    s.add_argument("--steps", type=int, default=200,
                   help="QAT fine-tuning steps (0: PTQ only; default 200)")
    s.add_argument("--batch", type=_positive_int, default=128, help="QAT batch (default 128)")
    s.add_argument("--lr", type=float, default=1e-4, help="QAT Adam step (default 1e-4)")
    s.add_argument("--calib", type=_positive_int, default=512,
                   help="calibration samples (default 512)")
    s.add_argument("--test", type=_positive_int, default=1000,
                   help="test samples (default 1000)")
    s.add_argument("--scenario", default=None,
                   help="override the checkpoint's scenario (alias or preset name)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, default=DEFAULT_QAT_OUT,
                   help=f"table directory (default {DEFAULT_QAT_OUT})")
    s.add_argument("--save-dir", type=Path, default=None,
                   help="where the quantized checkpoints go (default: --out)")
    s.add_argument("--threads", type=_positive_int, default=1,
                   help="torch threads (default 1: fastest for Brevitas on shared cores)")
    s.set_defaults(func=cmd_qat)

    compile_parser = sub.choices.get("compile")
    if compile_parser is not None:  # cli_program's `compile --emit-headers`: add --from
        _add_compile_from_args(compile_parser)
        compile_parser.description = (compile_parser.description or "") + (
            " With --from: lower a `spacemimo qat` checkpoint to a program image and check "
            "golden == Brevitas word for word (same as `spacemimo lower`).")
        emit = compile_parser.get_default("func")

        def cmd_compile(args: argparse.Namespace) -> int:
            if getattr(args, "from_ckpt", None) is not None:
                return cmd_compile_from(args)
            return emit(args)

        compile_parser.set_defaults(func=cmd_compile)
    else:
        s = sub.add_parser("compile", help="lower a quantized checkpoint to a program")
        _add_compile_from_args(s)
        s.set_defaults(func=_require_from)

    s = sub.add_parser(
        "lower", help="lower a quantized checkpoint to an accelerator program (= compile "
                      "--from)",
        description="Lower a `spacemimo qat` checkpoint to the accelerator program "
                    "(quant/PROGRAM.md), save the image and check golden == Brevitas word "
                    "for word on channel samples.",
        epilog="example: spacemimo lower --from results/qat/gsm_local_qat8.pt --out prog.smp")
    _add_compile_from_args(s)
    s.set_defaults(func=_require_from)

    s = sub.add_parser(
        "hls4ml", help="QONNX -> hls4ml projects of the GSM MLP blocks, checked bit-exact",
        description="Export every MLP block of a quantized GSM GNN through QONNX to hls4ml, "
                    "compile() it with g++ and compare predict() with Brevitas and with the "
                    "golden model word for word; build() (Vitis csynth) with --build when "
                    "vitis-run/vitis_hls is on PATH.")
    s.add_argument("--from", dest="from_ckpt", type=Path, default=None,
                   help="quantized checkpoint (spacemimo qat)")
    s.add_argument("--demo", action="store_true",
                   help="instead of --from: an untrained small GSM net, PTQ-calibrated")
    s.add_argument("--bits", type=int, choices=(8, 16), default=8, help="--demo bit width")
    s.add_argument("--demo-net", choices=("gsm", "model-gnn"), default="gsm",
                   help="--demo network (default gsm)")
    s.add_argument("--demo-width", type=_positive_int, default=16,
                   help="--demo hidden width (paper: 512; hls4ml compile time grows fast)")
    s.add_argument("--out", type=Path, default=DEFAULT_HLS4ML_OUT,
                   help=f"project directory (default {DEFAULT_HLS4ML_OUT})")
    s.add_argument("--part", default="xc7vx690tffg1761-3",
                   help="FPGA part (default xc7vx690tffg1761-3, the GSM paper's Virtex-7)")
    s.add_argument("--reuse-factor", type=_positive_int, default=1)
    s.add_argument("--strategy", choices=("Latency", "Resource"), default="Latency")
    s.add_argument("--io-type", choices=("io_parallel", "io_stream"), default="io_parallel")
    s.add_argument("--blocks", type=lambda t: [v for v in t.split(",") if v], default=None,
                   help="only these blocks, e.g. mlp_in,fc_out")
    s.add_argument("-n", type=_positive_int, default=1000,
                   help="random vectors per block (default 1000)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--threads", type=_positive_int, default=1, help="torch threads")
    s.add_argument("--build", action="store_true",
                   help="run hls4ml build() (needs Vitis; skipped with a message otherwise)")
    s.set_defaults(func=cmd_hls4ml)


def _require_from(args: argparse.Namespace) -> int:
    if args.from_ckpt is None:
        raise ValueError("--from <quantized checkpoint> is required")
    return cmd_compile_from(args)
