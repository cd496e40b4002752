"""``spacemimo golden`` and ``spacemimo compile --emit-headers``: the program-side CLI steps.

Registered through ``spacemimo.cli.COMMAND_MODULES``; heavy imports stay inside the handlers
so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacemimo.quant.program import Program

RANDOM_KINDS = ("gsm", "model-gnn", "max-dims")


def _program_from_args(args: argparse.Namespace) -> Program:
    from spacemimo.quant import random_programs
    from spacemimo.quant.program import Program

    if args.program is not None:
        return Program.load(args.program)
    if args.random == "gsm":
        if args.small:
            return random_programs.small_gsm_program(bits=args.bits, seed=args.seed)
        return random_programs.random_gsm_program(bits=args.bits, seed=args.seed)
    if args.random == "max-dims":
        return random_programs.max_dims_program(bits=args.bits, seed=args.seed)
    if args.small:
        return random_programs.random_model_gnn_program(bits=args.bits, N=4, K=2, hidden=(8, 8),
                                                     seed=args.seed)
    return random_programs.random_model_gnn_program(bits=args.bits, seed=args.seed)


def cmd_golden(args: argparse.Namespace) -> int:
    from spacemimo.quant import vectors

    if args.check is not None:
        t0 = time.perf_counter()
        bad = vectors.check_golden_vectors(args.check)
        gv = vectors.read_golden_vectors(args.check)
        print(f"{args.check}: {gv.meta['n']} vectors of {gv.program.name or 'program'}: "
              f"{bad} mismatching words ({time.perf_counter() - t0:.2f} s)")
        return 1 if bad else 0
    if (args.program is None) == (args.random is None):
        raise ValueError(f"give exactly one of --program FILE, --random "
                         f"{{{','.join(RANDOM_KINDS)}}} or --check DIR")
    if args.out is None:
        raise ValueError("--out DIR is required to write golden vectors")
    prog = _program_from_args(args)
    t0 = time.perf_counter()
    gv = vectors.write_golden_vectors(args.out, prog, n=args.n, seed=args.seed,
                                      edge_cases=not args.no_edge_cases, trace=args.trace)
    dt = time.perf_counter() - t0
    print(prog.describe() if args.verbose_program else
          f"program {prog.name or '(unnamed)'}: {len(prog.ops)} ops, {prog.bits}-bit, "
          f"{prog.data.size} data words")
    print(f"wrote {gv.meta['n']} vectors ({len(gv.meta['edge_cases'])} edge cases) to "
          f"{args.out} in {dt:.2f} s")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    from spacemimo.quant import vectors

    if not args.emit_headers:
        raise ValueError("nothing to do: pass --emit-headers (lowering a QAT checkpoint is "
                         "added by the QAT tooling)")
    for path in (vectors.emit_c_header(args.hls_header),
                 vectors.emit_verilog_header(args.rtl_header)):
        print(f"wrote {path}")
    return 0


def add_commands(sub: argparse._SubParsersAction, bench_sub: argparse._SubParsersAction
                 ) -> None:
    """Add ``golden`` and ``compile`` to the top-level subcommands."""
    from spacemimo.cli import _positive_int

    s = sub.add_parser(
        "golden", help="golden vectors: run the integer golden model on a program",
        description="Run the integer golden model (quant/PROGRAM.md) and write golden vectors "
                    "(program.bin, inputs.bin, expected.bin, meta.json) that the C-sim, cocotb "
                    "and board tests read. The program is a saved image (--program) or a "
                    "random test program (--random); --check re-runs a vector directory.",
        epilog="examples: spacemimo golden --program p.smp --out vec -n 100 | "
               "spacemimo golden --random gsm --bits 8 --small --out vec | "
               "spacemimo golden --check vec")
    s.add_argument("--program", type=Path, default=None, help="program image (.smp / .bin)")
    s.add_argument("--random", choices=RANDOM_KINDS, default=None,
                   help="build a random test program of this layout instead (max-dims: every "
                        "op at the default hardware maxima, 64 rows x 1024 cols)")
    s.add_argument("--bits", type=int, choices=(8, 16), default=8,
                   help="data width of a --random program (default 8)")
    s.add_argument("--small", action="store_true",
                   help="small --random program (GSM hidden 32/16; Model-GNN N=4 K=2 hidden 8) "
                        "instead of the paper size")
    s.add_argument("--out", type=Path, default=None, help="output directory for the vectors")
    s.add_argument("-n", type=_positive_int, default=100,
                   help="vectors to write, edge cases first (default 100)")
    s.add_argument("--seed", type=int, default=0, help="seed for inputs and random programs")
    s.add_argument("--no-edge-cases", action="store_true", help="only random inputs")
    s.add_argument("--trace", action="store_true",
                   help="also write every op's output under trace/ (per-layer debugging)")
    s.add_argument("--check", type=Path, default=None, metavar="DIR",
                   help="re-run the golden model on DIR's inputs and count mismatching words")
    s.add_argument("--verbose-program", action="store_true", help="print the op list")
    s.set_defaults(func=cmd_golden)

    s = sub.add_parser(
        "compile", help="program compiler steps (--emit-headers: regenerate format headers)",
        description="Regenerate hls/src/program_format.h and rtl/program_format.vh from the "
                    "program-format tables in spacemimo.quant.program.")
    s.add_argument("--emit-headers", action="store_true",
                   help="write the C++ and Verilog program-format headers")
    from spacemimo.quant.vectors import C_HEADER, VERILOG_HEADER

    s.add_argument("--hls-header", type=Path, default=C_HEADER, help=f"default {C_HEADER}")
    s.add_argument("--rtl-header", type=Path, default=VERILOG_HEADER,
                   help=f"default {VERILOG_HEADER}")
    s.set_defaults(func=cmd_compile)
