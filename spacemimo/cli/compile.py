"""``spacemimo compile`` (alias ``lower``): lower a ``spacemimo qat`` checkpoint to an
accelerator program image (quant/PROGRAM.md) and check golden == Brevitas word for word.

The program-format headers of hls/ and rtl/ are written by ``spacemimo gen``. Heavy imports
stay inside the handlers so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg


def cmd_compile(args: argparse.Namespace) -> int:
    """lower a quantized checkpoint to an accelerator program (alias: lower)

    Lower a `spacemimo qat` checkpoint to the accelerator program (quant/PROGRAM.md), save the
    image and check golden == Brevitas word for word on channel samples (-n, 0 skips).

    example: spacemimo compile --from results/qat/gsm_local_qat8.pt --out prog.smp -n 1000
    """
    # --from; every output place is checked before any work.
    if args.from_ckpt is None:
        raise arg.CliError("nothing to compile; give --from <quantized checkpoint> (spacemimo "
                           "qat writes one); the format headers come from `spacemimo gen`")
    arg.prepare_out_file(args.out)
    return cmd_compile_from(args)


# A lowering's result: the program, its one-line summary, and the golden == Brevitas check on
# a channel batch -> (the quantized inputs, mismatching words, words, first mismatch).
Lowered = tuple[Any, str, Callable[[Any], tuple[Any, int, int, str]]]


def cmd_compile_from(args: argparse.Namespace) -> int:
    from spacemimo.quant.qat import load_qat_checkpoint
    from spacemimo.quant.qat_nets import QuantModelGnn

    ck = load_qat_checkpoint(args.from_ckpt)
    K = args.num_users or ck.num_users
    name = args.name or f"{ck.net_name}_{ck.bits}bit"
    if isinstance(ck.net, QuantModelGnn):
        if args.sat:
            raise arg.CliError(f"--sat {args.sat}: a Model-GNN program serves every satellite; "
                               f"leave --sat out")
        return _save_and_check(args, ck, _lower_model_gnn(ck, K, name))
    num_sats = ck.scenario.sample(1, 0).num_sats
    if not 0 <= args.sat < num_sats:
        raise arg.CliError(f"--sat {args.sat}: the checkpoint's scenario has {num_sats} "
                           f"satellites; give --sat 0..{num_sats - 1}")
    return _save_and_check(args, ck, _lower_gsm(ck, K, args.sat, name))


def _lower_gsm(ck: Any, K: int, sat: int, name: str) -> Lowered:
    """One satellite's GNN of a GSM net; its input is that satellite's (or the global) CSI."""
    import torch

    from spacemimo.model.precoder_io import complex_to_real, scale_input
    from spacemimo.quant.lower import bit_exact_mismatches, lower, satellite_net

    prog = lower(ck.net, K, sat=sat, name=name)
    summary = (f"program {prog.name}: {len(prog.ops)} ops, {prog.bits}-bit, acc "
               f"{prog.acc_bits}, {prog.data.size} data words, in frac {prog.in_frac}, out "
               f"frac {prog.out_frac}")

    def check(b: Any) -> tuple[Any, int, int, str]:
        # a GNN-Global net sees the whole channel, a local one its satellite's own CSI
        H = b.H if ck.net.config.variant == "global" else b.local_view()[:, sat]
        feats = complex_to_real(scale_input(H, b.p_max, b.noise_power,
                                            ck.net.config.input_scale), torch.float64)
        x = satellite_net(ck.net, sat).quantize_input(feats).numpy()
        return x, *bit_exact_mismatches(ck.net, prog, x, sat=sat)

    return prog, summary, check


def _lower_model_gnn(ck: Any, K: int, name: str) -> Lowered:
    """The Model-GNN for N antennas and K users; its input is the quantized edge features."""
    from spacemimo.quant.lower import lower_model_gnn, model_gnn_mismatches

    N = ck.num_antennas
    prog = lower_model_gnn(ck.net, N, K, name=name)
    summary = (f"program {prog.name}: {len(prog.ops)} ops, {prog.bits}-bit, N={N} K={K}, "
               f"{prog.data.size} data words")

    def check(b: Any) -> tuple[Any, int, int, str]:
        x = ck.net.quantize_input(ck.net.edges(b)[0]).numpy()
        return x, *model_gnn_mismatches(ck.net, prog, x, K)

    return prog, summary, check


def _save_and_check(args: argparse.Namespace, ck: Any, lowered: Lowered) -> int:
    """Save the image, then check golden == Brevitas on -n channel samples; their inputs go
    beside the image (.inputs.npy) only when every word agrees, for `golden` to reuse."""
    import numpy as np

    prog, summary, check = lowered
    out = prog.save(args.out)
    print(prog.describe() if args.verbose_program else summary)
    print(f"wrote {out} (sha256 {prog.sha256()[:16]}…)")
    if args.samples:
        x, bad, total, first = check(ck.scenario.sample(args.samples, args.seed + 2 * 10 ** 6))
        print(f"golden vs Brevitas on {x.shape[0]} channel samples: {bad} of {total} words "
              f"differ" + (f"; first: {first}" if first else ""))
        if bad:
            return 1
        np.save(Path(args.out).with_suffix(".inputs.npy"), x)
    print(f"next: spacemimo golden --program {out} --out <dir>")
    return 0


def register(sub: Any) -> None:
    """``compile`` and its alias ``lower``."""
    s = arg.add_command(sub, "compile", cmd_compile, aliases=["lower"])
    s.add_argument("--from", dest="from_ckpt", type=arg.input_file, default=None,
                   help="quantized checkpoint written by `spacemimo qat`")
    s.add_argument("--out", type=Path, default=Path("prog.smp"),
                   help="program image to write (default prog.smp)")
    s.add_argument("--num-users", type=arg.positive_int, default=None,
                   help="K, the program's node rows (default: the checkpoint's scenario)")
    s.add_argument("--sat", type=arg.non_negative_int, default=0,
                   help="satellite whose GNN to compile (GSM, per-satellite weights; "
                        "default 0)")
    s.add_argument("--name", default=None, help="program name recorded in golden vectors")
    s.add_argument("-n", "--samples", type=arg.non_negative_int, default=1000,
                   help="channel samples of the golden == Brevitas check (0: skip; default "
                        "1000)")
    s.add_argument("--seed", type=int, default=0, help="seed of the check's channels")
    s.add_argument("--verbose-program", action="store_true", help="print the op list")
