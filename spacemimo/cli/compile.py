"""``spacemimo compile`` (alias ``lower``): lower a ``spacemimo qat`` checkpoint to an
accelerator program image (quant/PROGRAM.md) and check golden == Brevitas word for word.

The program-format headers of hls/ and rtl/ are written by ``spacemimo gen``. Heavy imports
stay inside the handlers so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from spacemimo.cli.arguments import (
    CliError,
    add_command,
    input_file,
    non_negative_int,
    positive_int,
    prepare_out_file,
)


def cmd_compile(args: argparse.Namespace) -> int:
    """--from; every output place is checked before any work."""
    if args.from_ckpt is None:
        raise CliError("nothing to compile; give --from <quantized checkpoint> (spacemimo "
                       "qat writes one); the format headers come from `spacemimo gen`")
    prepare_out_file(args.out)
    return cmd_compile_from(args)


def cmd_compile_from(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from spacemimo.quant.lower import bit_exact_mismatches, lower, satellite_net
    from spacemimo.quant.qat import load_qat_checkpoint
    from spacemimo.quant.qat_nets import QuantModelGnn

    ck = load_qat_checkpoint(args.from_ckpt)
    K = args.num_users or ck.num_users
    if isinstance(ck.net, QuantModelGnn):
        if args.sat:
            raise CliError(f"--sat {args.sat}: a Model-GNN program serves every satellite; "
                           f"leave --sat out")
        return _compile_model_gnn(args, ck, K)
    num_sats = ck.scenario.sample(1, 0).num_sats
    if not 0 <= args.sat < num_sats:
        raise CliError(f"--sat {args.sat}: the checkpoint's scenario has {num_sats} "
                       f"satellites; give --sat 0..{num_sats - 1}")
    prog = lower(ck.net, K, sat=args.sat, name=args.name or f"{ck.net_name}_{ck.bits}bit")
    out = prog.save(args.out)
    print(prog.describe() if args.verbose_program else
          f"program {prog.name}: {len(prog.ops)} ops, {prog.bits}-bit, acc {prog.acc_bits}, "
          f"{prog.data.size} data words, in frac {prog.in_frac}, out frac {prog.out_frac}")
    print(f"wrote {out} (sha256 {prog.sha256()[:16]}…)")
    if args.samples:
        from spacemimo.model.precoder_io import complex_to_real, scale_input

        b = ck.scenario.sample(args.samples, args.seed + 2 * 10 ** 6)
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
    if args.samples:
        b = ck.scenario.sample(args.samples, args.seed + 2 * 10 ** 6)
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

def register(sub: Any) -> None:
    """``compile`` and its alias ``lower``."""
    s = add_command(
        sub, "compile", aliases=["lower"],
        help="lower a quantized checkpoint to an accelerator program (alias: lower)",
        description="Lower a `spacemimo qat` checkpoint to the accelerator program "
                    "(quant/PROGRAM.md), save the image and check golden == Brevitas word "
                    "for word on channel samples (-n, 0 skips).",
        epilog="example: spacemimo compile --from results/qat/gsm_local_qat8.pt --out "
               "prog.smp -n 1000")
    s.add_argument("--from", dest="from_ckpt", type=input_file, default=None,
                   help="quantized checkpoint written by `spacemimo qat`")
    s.add_argument("--out", type=Path, default=Path("prog.smp"),
                   help="program image to write (default prog.smp)")
    s.add_argument("--num-users", type=positive_int, default=None,
                   help="K, the program's node rows (default: the checkpoint's scenario)")
    s.add_argument("--sat", type=non_negative_int, default=0,
                   help="satellite whose GNN to compile (GSM, per-satellite weights; "
                        "default 0)")
    s.add_argument("--name", default=None, help="program name recorded in golden vectors")
    s.add_argument("-n", "--samples", type=non_negative_int, default=1000,
                   help="channel samples of the golden == Brevitas check (0: skip; default "
                        "1000)")
    s.add_argument("--seed", type=int, default=0, help="seed of the check's channels")
    s.add_argument("--verbose-program", action="store_true", help="print the op list")
    s.set_defaults(func=cmd_compile)
