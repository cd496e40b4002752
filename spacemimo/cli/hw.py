"""Hardware subcommands: ``spacemimo perf`` (performance model) and ``spacemimo csim`` (build
and run the HLS kernel's C-simulation on golden vectors), plus ``spacemimo bench perf``.

The C-sim helpers (``build_csim``, ``run_csim``) are used by the tests as well, so the CLI,
``make hls`` and pytest drive the kernel the same way.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from spacemimo.ground import paths
from spacemimo.hw.csim import (
    build_csim,
    run_csim,
    sanitizer_report,
    write_random_vectors,
)

DEFAULT_VECTORS = paths.build_dir() / "golden"


# --------------------------------------------------------------------------- handlers


def _config_from_args(args: argparse.Namespace) -> Any:
    from spacemimo.hw.perfmodel import WEIGHT_MODES, preset

    mode = WEIGHT_MODES[args.weight_mode] if args.weight_mode else None
    return preset(args.preset, array_rows=args.array_rows, array_cols=args.array_cols,
                  drain_cols=args.drain_cols, bus_width=args.bus_width, weight_mode=mode,
                  weight_depth=args.weight_depth, clock_mhz=args.clock_mhz)


def cmd_perf(args: argparse.Namespace) -> int:
    from spacemimo.hw.perfmodel import paper_comparison, paper_comparison_markdown, predict

    cfg = _config_from_args(args)
    if args.paper:
        print(paper_comparison_markdown(paper_comparison({args.preset: cfg})))
        return 0
    if args.program:
        prog: Any = Path(args.program)
        if prog.is_dir():
            prog = prog / "program.bin"
    elif args.random:
        from spacemimo.quant.random_programs import (
            random_gsm_program,
            random_model_gnn_program,
            small_gsm_program,
        )

        if args.random == "gsm":
            prog = (small_gsm_program if args.small else random_gsm_program)(bits=args.bits,
                                                                             seed=args.seed)
        else:
            prog = random_model_gnn_program(bits=args.bits, seed=args.seed)
    else:
        raise SystemExit("spacemimo perf: give a program image (or vector dir) or --random")
    pred = predict(prog, cfg)
    print(pred.table())
    if args.vectors > 1:
        print(f"- {args.vectors} vectors back to back after LOAD_PROGRAM: "
              f"{pred.run_cycles(args.vectors, load=True):,} cycles")
    if pred.error:
        print(f"- the loader would reject it: {pred.error}")
        return 1
    return 0


def cmd_csim(args: argparse.Namespace) -> int:
    from spacemimo.hw.perfmodel import predict

    dirs = [Path(d) for d in args.dirs]
    if args.random:
        kinds = ["gsm", "model-gnn"] if args.random == "all" else [args.random]
        for kind in kinds:
            for bits in args.bits:
                tag = f"{kind.replace('-', '_')}_{bits}{'_small' if args.small else ''}"
                d = args.out / tag
                print(f"golden vectors: {d}")
                dirs.append(write_random_vectors(kind, bits, d, n=args.n, small=args.small,
                                                 seed=args.seed))
    if not dirs:
        raise SystemExit("spacemimo csim: give golden-vector directories or --random")
    cflags = args.cfg
    if args.preset:
        cflags = (_config_from_args(args).cflags() + " " + cflags).strip()
    binary = build_csim(cflags, args.opt, sanitize=args.sanitize)
    print(f"C-sim binary: {binary} (CFG='{cflags}'"
          f"{', AddressSanitizer + UBSan' if args.sanitize else ''})")
    failed = 0
    for d in dirs:
        extra = ["--max-vectors", str(args.max_vectors)] if args.max_vectors else []
        if not (d / "program.bin").is_file():
            print(f"{d}: no program.bin here: give a golden-vector directory (`spacemimo "
                  f"golden` writes one)")
            failed += 1
            continue
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
                f"{res.cycles_inference}")
        if res.cycles_inference is not None and not cflags:
            line += f" (perf model {predict(d / 'program.bin').inference})"
        print(line if res.mismatches is not None else res.output.strip())
    return 1 if failed else 0


def _status_name(code: int) -> str:
    from spacemimo.quant.program import ERROR_CODES

    return {v: k for k, v in ERROR_CODES.items()}.get(code, "unknown code")


def cmd_bench_perf(args: argparse.Namespace) -> int:
    from spacemimo.hw.perfmodel import paper_comparison, paper_comparison_markdown

    rows = paper_comparison(seed=args.seed)
    md = paper_comparison_markdown(rows)
    print(md)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "perf_gsm_paper.md").write_text(md + "\n")
    (args.out / "perf_gsm_paper.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\nwrote {args.out / 'perf_gsm_paper.md'}")
    return 0


# --------------------------------------------------------------------------- parsers


def _config_args(s: argparse.ArgumentParser) -> None:
    from spacemimo.hw.perfmodel import PRESETS, WEIGHT_MODES

    g = s.add_argument_group("array configuration (default: hls/src/accel_config.h)")
    g.add_argument("--preset", default="vx690t", choices=sorted(PRESETS),
                   help="named configuration (default vx690t)")
    g.add_argument("--array-rows", type=int, help="PE rows (node rows per tile)")
    g.add_argument("--array-cols", type=int, help="PE columns (output neurons per tile)")
    g.add_argument("--drain-cols", type=int, help="activation-buffer column banks")
    g.add_argument("--bus-width", type=int, help="m_axi width in bits")
    g.add_argument("--weight-mode", choices=sorted(WEIGHT_MODES), help="weight placement")
    g.add_argument("--weight-depth", type=int, help="resident store words per bank")
    g.add_argument("--clock-mhz", type=float, help="clock for the microsecond column")


def add_commands(sub: argparse._SubParsersAction, bench_sub: argparse._SubParsersAction
                 ) -> None:
    """Register ``perf``, ``csim`` and ``bench perf``."""
    s = sub.add_parser(
        "perf", help="performance model: predicted cycles per op for a program",
        description="Predict the accelerator's cycles for a program image (or a golden-vector "
                    "directory) or a random paper-size GSM / Model-GNN program, on the "
                    "configuration of hls/src/accel_config.h or a preset; prints a per-op "
                    "table. --paper compares paper-size GSM at 8 and 16 bit with the GSM "
                    "paper's cycles.")
    s.add_argument("program", nargs="?", help="program image (.bin/.smp) or vector directory")
    s.add_argument("--random", choices=["gsm", "model-gnn"], help="use a random program")
    s.add_argument("--bits", type=int, default=8, choices=[8, 16], help="for --random")
    s.add_argument("--small", action="store_true", help="small GSM widths (with --random)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--vectors", type=int, default=1, help="also predict a batch of N vectors")
    s.add_argument("--paper", action="store_true",
                   help="paper-size GSM 8/16 bit beside the paper's 386,284 / 719,218 cycles")
    _config_args(s)
    s.set_defaults(func=cmd_perf)

    s = sub.add_parser(
        "csim", help="build the HLS kernel's C-simulation and run it on golden vectors",
        description="Build hls/tb/tb_accel.cpp with g++ and the ap_types headers (no Vitis) "
                    "and run it on golden-vector directories; 0 mismatching words is a pass. "
                    "--random writes vectors of random GSM / Model-GNN programs first.")
    s.add_argument("dirs", nargs="*", help="golden-vector directories (spacemimo golden)")
    s.add_argument("--random", choices=["gsm", "model-gnn", "all"],
                   help="generate vectors of random programs first")
    s.add_argument("--bits", type=lambda t: [int(b) for b in t.split(",")], default=[8, 16],
                   help="bit widths for --random, e.g. 8,16 (default)")
    s.add_argument("--small", action="store_true", help="small programs (seconds)")
    s.add_argument("-n", "--n", type=int, default=100, help="vectors per program (default 100)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, default=DEFAULT_VECTORS,
                   help=f"where --random writes vectors (default {DEFAULT_VECTORS})")
    s.add_argument("--cfg", default="", help="extra -D flags, e.g. '-DSM_ARRAY_COLS=64'")
    s.add_argument("--opt", default="-O2", help="g++ optimisation, e.g. --opt=-O1 (default -O2)")
    s.add_argument("--max-vectors", type=int, default=0, help="run only the first N vectors")
    s.add_argument("--sanitize", action="store_true",
                   help="build and run under AddressSanitizer + UBSan (slower; any report "
                        "fails the run)")
    _config_args(s)
    s.set_defaults(func=cmd_csim, preset=None)

    s = bench_sub.add_parser(
        "perf", help="performance model vs the GSM paper (paper-size GSM, 8/16 bit)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, default=Path("results") / "bench")
    s.set_defaults(func=cmd_bench_perf)
