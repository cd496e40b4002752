"""``spacemimo golden``: run the integer golden model on a program and write golden vectors
(or re-check a vector directory). Heavy imports stay inside the handlers."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacemimo.cli import arguments as arg

if TYPE_CHECKING:
    from spacemimo.quant.program import Program

RANDOM_KINDS = ("gsm", "model-gnn", "max-dims")


def random_program(kind: str, bits: int, small: bool, seed: int) -> Program:
    """A random test program of one layout (quant/random_programs.py)."""
    from spacemimo.quant import random_programs

    if kind == "gsm":
        if small:
            return random_programs.small_gsm_program(bits=bits, seed=seed)
        return random_programs.random_gsm_program(bits=bits, seed=seed)
    if kind == "max-dims":
        return random_programs.max_dims_program(bits=bits, seed=seed)
    if small:
        return random_programs.random_model_gnn_program(bits=bits, N=4, K=2, hidden=(8, 8),
                                                        seed=seed)
    return random_programs.random_model_gnn_program(bits=bits, seed=seed)


def _check_only(args: argparse.Namespace) -> int:
    from spacemimo.quant import vectors

    if args.program is not None or args.random is not None:
        raise arg.CliError("--check re-runs an existing vector directory; leave out --program / "
                           "--random (or drop --check to write vectors)")
    t0 = time.perf_counter()
    bad = vectors.check_golden_vectors(args.check)
    gv = vectors.read_golden_vectors(args.check)
    print(f"{args.check}: {gv.meta['n']} vectors of {gv.program.name or 'program'}: "
          f"{bad} mismatching words ({time.perf_counter() - t0:.2f} s)")
    return 1 if bad else 0


def cmd_golden(args: argparse.Namespace) -> int:
    """golden vectors: run the integer golden model on a program

    Run the integer golden model (quant/PROGRAM.md) and write golden vectors (program.bin,
    inputs.bin, expected.bin, meta.json) that the C-sim, cocotb and board tests read. The
    program is a saved image (--program) or a random test program (--random); --check re-runs a
    vector directory.

    examples: spacemimo golden --program p.smp --out vec -n 100 | spacemimo golden --random gsm
    --bits 8 --small --out vec | spacemimo golden --check vec
    """
    from spacemimo.quant import vectors
    from spacemimo.quant.program import Program

    if args.check is not None:
        return _check_only(args)
    if (args.program is None) == (args.random is None):
        raise arg.CliError(f"give exactly one of --program FILE, --random "
                           f"{{{','.join(RANDOM_KINDS)}}} or --check DIR")
    if args.program is not None and (args.bits is not None or args.small):
        raise arg.CliError("--bits / --small shape a --random program; a --program image has "
                           "its own width: leave them out")
    if args.out is None:
        raise arg.CliError("no output directory; give --out DIR for the golden vectors")
    if args.program is not None:
        prog = Program.load(args.program)
    else:
        bits = arg.single_width(args.bits or [8])
        prog = random_program(args.random, bits, args.small, args.seed)
    arg.prepare_out_dir(args.out)
    t0 = time.perf_counter()
    gv = vectors.write_golden_vectors(args.out, prog, n=args.samples, seed=args.seed,
                                      edge_cases=not args.no_edge_cases, trace=args.trace)
    dt = time.perf_counter() - t0
    print(prog.describe() if args.verbose_program else
          f"program {prog.name or '(unnamed)'}: {len(prog.ops)} ops, {prog.bits}-bit, "
          f"{prog.data.size} data words")
    print(f"wrote {gv.meta['n']} vectors ({len(gv.meta['edge_cases'])} edge cases) to "
          f"{args.out} in {dt:.2f} s")
    return 0


def register(sub: Any) -> None:
    """``golden``."""
    s = arg.add_command(sub, "golden", cmd_golden)
    s.add_argument("--program", type=arg.program_source, default=None,
                   help="program image (.smp / .bin) or a vector directory (its program.bin)")
    s.add_argument("--random", choices=RANDOM_KINDS, default=None,
                   help="build a random test program of this layout instead (max-dims: every "
                        "op at the default hardware maxima, 64 rows x 1024 cols)")
    s.add_argument("--bits", type=arg.bits_list, default=None,
                   help="data width of a --random program: 8 or 16 (default 8)")
    s.add_argument("--small", action="store_true",
                   help="small --random program (GSM hidden 32/16; Model-GNN N=4 K=2 hidden 8) "
                        "instead of the paper size")
    s.add_argument("--out", type=Path, default=None, help="output directory for the vectors")
    s.add_argument("-n", "--samples", type=arg.positive_int, default=100,
                   help="vectors to write, edge cases first (default 100)")
    s.add_argument("--seed", type=int, default=0, help="seed for inputs and random programs")
    s.add_argument("--no-edge-cases", action="store_true", help="only random inputs")
    s.add_argument("--trace", action="store_true",
                   help="also write every op's output under trace/ (per-layer debugging)")
    s.add_argument("--check", type=arg.vector_dir, default=None, metavar="DIR",
                   help="re-run the golden model on DIR's inputs and count mismatching words")
    s.add_argument("--verbose-program", action="store_true", help="print the op list")
