"""``spacemimo perf``: the HLS kernel's performance model, predicted cycles per op of a
program on an array configuration, beside the RTL's measured per-op cycles where the ops match
(results/bench_hw/cycles_per_op.json); the configuration flags are shared with ``csim``."""

from __future__ import annotations

import argparse
from typing import Any

from spacemimo.cli import arguments as arg

# (flag dest, ArrayConfig field) of the array-configuration flags perf and csim share
CONFIG_FIELDS = ("array_rows", "array_cols", "drain_cols", "bus_width", "weight_mode",
                 "weight_depth")


def add_config_args(s: argparse.ArgumentParser, clock: bool = True) -> None:
    """The array-configuration group (default: the spec's default build, --preset vx690t).

    ``clock``: only the performance model has a microsecond column; the C-sim counts cycles."""
    from spacemimo.hw.perfmodel import PRESETS
    from spacemimo.spec.builds import WEIGHT_PLACEMENTS

    g = s.add_argument_group("array configuration (default: build vx690t, docs/BUILDS.md)")
    g.add_argument("--preset", default=None, choices=sorted(PRESETS),
                   help="named HLS build of spacemimo/spec/builds.yaml (default vx690t)")
    g.add_argument("--node-rows", "--array-rows", dest="array_rows", type=arg.positive_int,
                   help="node rows per tile (SM_ARRAY_ROWS)")
    g.add_argument("--out-lanes", "--array-cols", dest="array_cols", type=arg.positive_int,
                   help="output neurons per tile (SM_ARRAY_COLS)")
    g.add_argument("--drain-cols", type=arg.positive_int, help="activation-buffer column banks")
    g.add_argument("--bus-width", type=arg.positive_int, help="m_axi width in bits")
    g.add_argument("--weight-mode", choices=sorted(WEIGHT_PLACEMENTS),
                   help="weight placement")
    g.add_argument("--weight-depth", type=arg.positive_int, help="resident store words per bank")
    if clock:
        g.add_argument("--clock-mhz", type=arg.positive_float,
                       help="clock for the microsecond column")


def config_from_args(args: argparse.Namespace) -> Any:
    """The ArrayConfig the flags describe (validated by the performance model)."""
    from spacemimo.hw.perfmodel import preset

    overrides = {k: getattr(args, k) for k in CONFIG_FIELDS if getattr(args, k) is not None}
    if "weight_mode" in overrides:  # the flag takes the placement's name, as the spec does
        overrides["weight_placement"] = overrides.pop("weight_mode")
    if getattr(args, "clock_mhz", None) is not None:
        overrides["clock_mhz"] = args.clock_mhz
    return preset(args.preset or "vx690t", **overrides)


def config_given(args: argparse.Namespace) -> bool:
    """Whether any configuration flag was given (else: the header's default build)."""
    return args.preset is not None or any(getattr(args, k) is not None for k in CONFIG_FIELDS)


def cmd_perf(args: argparse.Namespace) -> int:
    """performance model: predicted cycles per op for a program

    Predict the accelerator's cycles for a program image (or a golden-vector directory) or a
    random paper-size GSM / Model-GNN program, on the default build (vx690t) or a preset; prints
    a per-op table. --paper compares paper-size GSM at 8 and 16 bit with the GSM paper's cycles.
    """
    from spacemimo.hw.perfmodel import (
        paper_comparison,
        paper_comparison_markdown,
        predict,
        rtl_measured,
    )

    cfg = config_from_args(args)
    if args.paper:
        if args.program is not None or args.random is not None:
            raise arg.CliError("--paper compares paper-size GSM with the paper; leave out the "
                               "program / --random")
        print(paper_comparison_markdown(paper_comparison({args.preset or "vx690t": cfg})))
        return 0
    if (args.program is None) == (args.random is None):
        raise arg.CliError("give one program: an image / vector directory, or --random "
                           "gsm|model-gnn (or --paper)")
    if args.program is not None and (args.bits is not None or args.small):
        raise arg.CliError("--bits / --small shape a --random program; an image has its own "
                           "width: leave them out")
    prog: Any = args.program
    if args.random:
        from spacemimo.cli.golden import random_program

        if args.small and args.random != "gsm":
            raise arg.CliError("--small applies to --random gsm only; leave it out")
        prog = random_program(args.random, arg.single_width(args.bits or [8]), args.small,
                              args.seed)
    pred = predict(prog, cfg)
    counted = _counted(prog, cfg) if args.counted else None
    # the C-sim's counted and the RTL's measured per-op cycles beside the model
    print(pred.table(counted=counted, rtl=rtl_measured(prog)))
    if args.samples > 1:
        print(f"- {args.samples} vectors back to back after LOAD_PROGRAM: "
              f"{pred.run_cycles(args.samples, load=True):,} cycles")
    if pred.error:
        print(f"- the loader would reject it: {pred.error}")
        return 1
    return 0


def _counted(prog: Any, cfg: Any) -> list[int]:
    """Per-op CYCLES as the HLS kernel's loops count them: the C-sim of this configuration run
    on one vector of the program (built with g++ under build/hls/, like `spacemimo csim`)."""
    import tempfile
    from pathlib import Path

    from spacemimo.hw.csim import CsimError, build_csim, missing_tools, run_csim
    from spacemimo.quant.program import Program
    from spacemimo.quant.vectors import write_golden_vectors

    if (why := missing_tools()) is not None:
        raise arg.CliError(f"--counted runs the C-sim: {why}")
    program = prog if isinstance(prog, Program) else Program.load(prog)
    try:
        binary = build_csim(cfg.cflags(), "-O1")  # the tests' build: one binary cached
    except CsimError as err:
        raise arg.CliError(f"--counted: {err}") from err
    with tempfile.TemporaryDirectory() as tmp:
        write_golden_vectors(Path(tmp), program, n=1, seed=0)
        res = run_csim(binary, tmp)
    if res.op_cycles is None or not res.passed:
        raise arg.CliError(f"--counted: the C-sim did not run the program:\n"
                           f"{res.output.strip()[-800:]}")
    return res.op_cycles


def register(sub: Any) -> None:
    """``perf``."""
    s = arg.add_command(sub, "perf", cmd_perf)
    s.add_argument("program", nargs="?", type=arg.program_source, default=None,
                   help="program image (.bin/.smp) or vector directory")
    s.add_argument("--random", choices=["gsm", "model-gnn"], help="use a random program")
    s.add_argument("--bits", type=arg.bits_list, default=None,
                   help="--random data width: 8 or 16 (default 8)")
    s.add_argument("--small", action="store_true", help="small GSM widths (with --random)")
    s.add_argument("--seed", type=int, default=0, help="seed of the --random program")
    s.add_argument("-n", "--samples", type=arg.non_negative_int, default=1,
                   help="also predict N vectors back to back after LOAD_PROGRAM")
    s.add_argument("--counted", action="store_true",
                   help="also run the HLS C-sim (g++) and print the kernel's counted cycles "
                        "per op beside the model")
    s.add_argument("--paper", action="store_true",
                   help="paper-size GSM 8/16 bit beside the paper's 386,284 / 719,218 cycles")
    add_config_args(s)
