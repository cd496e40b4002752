"""``spacemimo csim``: build the HLS kernel's C-simulation with g++ (no Vitis) and run it on
golden-vector directories; 0 mismatching words is a pass.

The binary is built under ``build/hls/`` (spacemimo.ground.paths.build_dir), ``--random``
vectors go under ``--out``: nothing is written into the source tree.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg
from spacemimo.cli.perf import add_config_args, config_from_args, config_given
from spacemimo.ground import paths

DEFAULT_VECTORS = paths.build_dir() / "golden"
_DEFINE = re.compile(r"[A-Za-z_]\w*(=\S*)?")
_OPT = re.compile(r"-O([0-3sgz]|fast)?")


def cflags_from_args(args: argparse.Namespace) -> str:
    """The build's -D flags: the configuration flags (mapped to the SM_* macros the kernel
    reads), then --cfg and --define, so every flag given changes the build it names."""
    parts: list[str] = []
    if config_given(args):
        parts.append(config_from_args(args).cflags())
    for token in args.cfg.split():
        if not token.startswith(("-D", "-U")) or not _DEFINE.fullmatch(token[2:]):
            raise arg.CliError(f"--cfg {args.cfg!r}: {token!r} is not a -DNAME[=VALUE] / -UNAME "
                               f"flag; write e.g. --cfg=-DSM_ARRAY_COLS=64")
        parts.append(token)
    for define in args.define:
        if not _DEFINE.fullmatch(define):
            raise arg.CliError(f"--define {define!r}: expected NAME or NAME=VALUE, e.g. "
                               f"--define SM_ARRAY_COLS=64")
        parts.append(f"-D{define}")
    return " ".join(p for p in parts if p)


def cmd_csim(args: argparse.Namespace) -> int:
    """build the HLS kernel's C-simulation and run it on golden vectors

    Build hls/tb/tb_accel.cpp with g++ and the ap_types headers (no Vitis) under build/hls/ and
    run it on golden-vector directories; 0 mismatching words is a pass. --random writes vectors
    of random GSM / Model-GNN programs under --out first. The configuration flags (and --cfg /
    --define) are compiled in as -D flags.

    examples: spacemimo csim vec | spacemimo csim --random all --small | spacemimo csim vec
    --array-cols 64 --drain-cols 64 | spacemimo csim vec --cfg=-DSM_ARRAY_COLS=64 | spacemimo
    csim vec -D SM_ARRAY_COLS=64
    """
    from spacemimo.hw.csim import (
        CsimError,
        build_csim,
        missing_tools,
        run_csim,
        sanitizer_report,
    )
    from spacemimo.hw.perfmodel import predict, rtl_measured

    if not _OPT.fullmatch(args.opt):
        raise arg.CliError(f"--opt {args.opt!r}: expected a g++ optimisation level such as "
                           f"--opt=-O1")
    cflags = cflags_from_args(args)
    check_vector_sources(args)
    cfg = config_from_args(args) if config_given(args) else None
    if (why := missing_tools()) is not None:
        raise arg.CliError(f"cannot build the C-sim: {why}")
    if args.random:
        arg.prepare_out_dir(args.out)
    dirs = [*args.dirs, *random_vector_dirs(args, args.out)]
    try:
        binary = build_csim(cflags, args.opt, sanitize=args.sanitize)
    except CsimError as err:
        raise arg.CliError(f"{err}; check the -D flags (--cfg / --define / configuration)") \
            from err
    print(f"C-sim binary: {binary} (CFG='{cflags}'"
          f"{', AddressSanitizer + UBSan' if args.sanitize else ''})")
    failed = 0
    for d in dirs:
        extra = ["--max-vectors", str(args.max_vectors)] if args.max_vectors else []
        res = run_csim(binary, d, *extra)
        failed += not res.passed
        if (report := sanitizer_report(res.output)) is not None:
            print(f"{d}: sanitizer report: {report}")
            continue
        if res.mismatches is None and res.status:
            print(f"{d}: the kernel rejected the program: STATUS {res.status} "
                  f"({_status_name(res.status)}); `spacemimo golden --check {d}` "
                  f"says why")
            continue
        line = (f"{d}: mismatches={res.mismatches}/{res.words} cycles/inference="
                f"{res.cycles_inference} (counted: the kernel's loop steps; C-sim has no clock)")
        if res.mismatches is None:
            print(res.output.strip())
            continue
        print(line)
        if res.cycles_inference is not None and not args.cfg and not args.define:
            # the model cannot describe -D flags it does not know: only named configurations
            program = Path(d) / "program.bin"
            pred = predict(program, cfg)
            print(f"  modelled {pred.inference} (spacemimo/hw/perfmodel.py); per op:")
            print(pred.table(counted=res.op_cycles, rtl=rtl_measured(program)))
    return 1 if failed else 0


def add_vector_args(s: argparse.ArgumentParser, samples: int, small_help: str) -> None:
    """``--random`` programs and their shape, as ``csim`` and ``cosim`` take them (their
    golden-vector directories are the positional ``dirs``)."""
    s.add_argument("--random", choices=["gsm", "model-gnn", "all"],
                   help="generate vectors of random programs first")
    s.add_argument("--bits", type=arg.bits_list, default=None,
                   help="data widths of the --random programs: 8, 16 or 8,16 (default 8,16)")
    s.add_argument("--small", action="store_true", help=small_help)
    s.add_argument("-n", "--samples", type=arg.positive_int, default=samples,
                   help=f"--random: vectors per program (default {samples})")


def check_vector_sources(args: argparse.Namespace) -> None:
    """Something to run, and no --random shaping flag without --random (before any work)."""
    if not args.dirs and not args.random:
        raise arg.CliError("nothing to run; give golden-vector directories (spacemimo golden "
                           "writes them) or --random gsm|model-gnn|all")
    if not args.random and (args.small or args.bits is not None):
        raise arg.CliError("--bits / --small shape the --random programs; leave them out or "
                           "add --random (a directory's program has its own width)")


def random_vector_dirs(args: argparse.Namespace, out: Path) -> list[Path]:
    """Write golden vectors of the --random programs (every kind x width) under ``out``,
    one directory each (``gsm_8_small``, ...); none without --random."""
    from spacemimo.hw.csim import write_random_vectors

    if not args.random:
        return []
    dirs = []
    for kind in ["gsm", "model-gnn"] if args.random == "all" else [args.random]:
        for bits in args.bits or [8, 16]:
            d = out / f"{kind.replace('-', '_')}_{bits}{'_small' if args.small else ''}"
            print(f"golden vectors: {d}")
            dirs.append(write_random_vectors(kind, bits, d, n=args.samples, small=args.small,
                                             seed=args.seed))
    return dirs


def _status_name(code: int) -> str:
    from spacemimo.quant.program import ERROR_CODES

    return {v: k for k, v in ERROR_CODES.items()}.get(code, "unknown code")


def register(sub: Any) -> None:
    """``csim``."""
    s = arg.add_command(sub, "csim", cmd_csim)
    s.add_argument("dirs", nargs="*", type=arg.vector_dir,
                   help="golden-vector directories (spacemimo golden)")
    add_vector_args(s, 100, "small --random programs (seconds)")
    s.add_argument("--seed", type=int, default=0, help="seed of the --random programs")
    s.add_argument("--out", type=Path, default=DEFAULT_VECTORS,
                   help=f"where --random writes vectors (default {DEFAULT_VECTORS})")
    s.add_argument("--cfg", default="",
                   help="extra -D flags in one string: --cfg -DSM_ARRAY_COLS=64 or "
                        "--cfg='-DSM_ARRAY_COLS=64 -DSM_DRAIN_COLS=64'")
    s.add_argument("-D", "--define", action="append", default=[], metavar="NAME[=VALUE]",
                   help="one -D flag, repeatable: -D SM_ARRAY_COLS=64 (or -DSM_ARRAY_COLS=64)")
    s.add_argument("--opt", default="-O2",
                   help="g++ optimisation, e.g. --opt -O1 (default -O2)")
    s.add_argument("--max-vectors", type=arg.non_negative_int, default=0,
                   help="run only the first N vectors (0: all)")
    s.add_argument("--sanitize", action="store_true",
                   help="build and run under AddressSanitizer + UBSan (slower; any report "
                        "fails the run)")
    add_config_args(s, clock=False)
