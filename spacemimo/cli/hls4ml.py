"""``spacemimo hls4ml``: QONNX -> hls4ml projects of a quantized net's MLP blocks, each
compiled with g++ and checked bit-exact against Brevitas and the golden model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg

DEFAULT_OUT = Path("build") / "hls4ml"


def cmd_hls4ml(args: argparse.Namespace) -> int:
    """QONNX -> hls4ml projects of the MLP blocks, checked bit-exact

    Export every MLP block of a quantized GSM GNN (or the Model-GNN's DENSE blocks) through
    QONNX to hls4ml, compile() it with g++ and compare predict() with Brevitas and with the
    golden model word for word; build() (Vitis csynth) with --build when vitis-run/vitis_hls is
    on PATH.
    """
    import torch

    from spacemimo.quant.lower import lower

    if (args.from_ckpt is None) == (not args.demo):
        raise arg.CliError("give one of --from <quantized checkpoint> (spacemimo qat) or --demo")
    if args.from_ckpt is not None and (args.bits is not None or args.demo_net != "gsm"
                                       or args.demo_width is not None):
        raise arg.CliError("--bits / --demo-net / --demo-width shape the --demo net; a --from "
                           "checkpoint has its own: leave them out")
    bits = arg.single_width(args.bits or [8])
    demo_width = args.demo_width or 16
    arg.prepare_out_dir(args.out)
    arg.apply_threads(args)
    if args.demo and args.demo_net == "model-gnn":
        from spacemimo.quant.demo_nets import MODEL_GNN_SCENARIO, small_quant_model_gnn
        from spacemimo.quant.qat import QatCheckpoint

        print(f"--demo model-gnn: untrained Model-GNN hidden (8, 8), N=8 K=4, PTQ-calibrated, "
              f"{bits}-bit")
        ck = QatCheckpoint(small_quant_model_gnn(bits).double().eval(), "model_gnn_demo",
                           bits, 4, MODEL_GNN_SCENARIO, "ptq", {}, num_antennas=8)
        return _hls4ml_model_gnn(args, ck)
    if args.demo:
        from spacemimo.quant.demo_nets import small_quant_gsm

        qnet = small_quant_gsm(bits, width=demo_width)
        name, num_users = f"gsm_demo_w{demo_width}", 4
        print(f"--demo: untrained GSM net, hidden width {demo_width}, PTQ-calibrated, "
              f"{bits}-bit")
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
                      (max(1, args.samples // num_users), num_users, net.in_features),
                      generator=gen)
    return _hls4ml_run(args, net, prog, x.numpy(), name)


def _hls4ml_model_gnn(args: argparse.Namespace, ck: Any) -> int:
    """The Model-GNN's per-layer DENSE blocks; golden tables from channel samples."""
    from spacemimo.quant.lower import lower_model_gnn

    net, K, N = ck.net, ck.num_users, ck.num_antennas
    prog = lower_model_gnn(net, N, K)
    e, _ = net.edges(ck.scenario.sample(max(1, args.samples // (N * K)), args.seed))
    return _hls4ml_run(args, net, prog, net.quantize_input(e).numpy(), ck.net_name)


def _hls4ml_run(args: argparse.Namespace, net: Any, prog: Any, x: Any, name: str) -> int:
    from spacemimo.ground.results import markdown_table, write_table
    from spacemimo.quant.hls4ml_export import Hls4mlOptions, export_and_check

    opts = Hls4mlOptions(part=args.part, reuse_factor=args.reuse_factor,
                         strategy=args.strategy, io_type=args.io_type)
    stem = f"{name}_{net.bits}bit"
    reports = export_and_check(net, args.out / stem, opts, prog, x, n_random=args.samples,
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

def register(sub: Any) -> None:
    """``hls4ml``."""
    s = arg.add_command(sub, "hls4ml", cmd_hls4ml)
    s.add_argument("--from", dest="from_ckpt", type=arg.input_file, default=None,
                   help="quantized checkpoint (spacemimo qat)")
    s.add_argument("--demo", action="store_true",
                   help="instead of --from: an untrained small net, PTQ-calibrated")
    s.add_argument("--bits", type=arg.bits_list, default=None,
                   help="--demo data width: 8 or 16 (default 8)")
    s.add_argument("--demo-net", choices=("gsm", "model-gnn"), default="gsm",
                   help="--demo network (default gsm)")
    s.add_argument("--demo-width", type=arg.positive_int, default=None,
                   help="--demo GSM hidden width (default 16; paper: 512; hls4ml compile time "
                        "grows fast)")
    s.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"project directory (default {DEFAULT_OUT})")
    s.add_argument("--part", default="xc7vx690tffg1761-3",
                   help="FPGA part (default xc7vx690tffg1761-3, the GSM paper's Virtex-7)")
    s.add_argument("--reuse-factor", type=arg.positive_int, default=1)
    s.add_argument("--strategy", choices=("Latency", "Resource"), default="Latency")
    s.add_argument("--io-type", choices=("io_parallel", "io_stream"), default="io_parallel")
    s.add_argument("--blocks", type=arg.csv_names, default=None,
                   help="only these blocks, e.g. mlp_in,fc_out")
    s.add_argument("-n", "--samples", type=arg.positive_int, default=1000,
                   help="random vectors per block (default 1000)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--threads", type=arg.positive_int, default=1, help="torch threads (default 1)")
    s.add_argument("--build", action="store_true",
                   help="run hls4ml build() (needs Vitis; skipped with a message otherwise)")
