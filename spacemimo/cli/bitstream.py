"""``spacemimo bitstream``: the RTL accelerator's bitstream for one board through Vivado
(spacemimo.hw.vivado + vivado/*.tcl): IP packaging, the board's block design, synthesis,
implementation, write_bitstream; prints post-route timing and utilisation beside the yosys
figures. ``--dry-run`` writes the configuration Tcl and prints the Vivado command instead
(no Vivado needed; run it on a machine that has one).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg
from spacemimo.ground import paths


def register(sub: Any) -> None:
    """``bitstream --board B``."""
    from spacemimo.hw.vivado import board_names

    s = arg.add_command(sub, "bitstream", cmd_bitstream)
    s.add_argument("--board", required=True, choices=board_names(),
                   help="target board (its part, processing system and RTL build: "
                        "vivado/README.md)")
    s.add_argument("--rtl-build", default=None,
                   help="another RTL build of spacemimo/spec/builds.yaml on this board, e.g. "
                        "rtl-small-8 for a first bring-up (default: the board's own build)")
    s.add_argument("--out", type=Path, default=None,
                   help="output directory: the .bit/.hwh, reports, IP and project (default "
                        "build/vivado/<board>)")
    s.add_argument("--jobs", type=arg.positive_int, default=None,
                   help="parallel Vivado jobs (default SPACEMIMO_VIVADO_JOBS or the CPU count, "
                        "at most 8)")
    s.add_argument("--dry-run", action="store_true",
                   help="write <out>/config.tcl and print the vivado command, run nothing")


def cmd_bitstream(args: argparse.Namespace) -> int:
    """bitstream for one board through Vivado (IP, block design, implementation)

    Packages rtl/ as the IP the PYNQ driver binds to (VLNV from spacemimo/spec/regmap.yaml),
    builds the board's block design (PS, SmartConnects to the HP ports the build's weight
    ports need, interrupt controller, clock and reset), runs synthesis and implementation to
    write_bitstream and leaves spacemimo_accel.bit + spacemimo_accel.hwh under --out, with the
    post-route timing (WNS/TNS) and utilisation reports, printed beside the yosys figures of
    results/bench_hw when they name the build. Needs AMD Vivado 2023.2 or later on PATH
    (except --dry-run).

    examples:
      spacemimo bitstream --board pynqz2
      spacemimo bitstream --board kv260 --rtl-build rtl-small-8 --out build/vivado/kv260-small
      spacemimo bitstream --board zcu104 --dry-run
    """
    from spacemimo.hw import vivado

    try:
        design = vivado.design(args.board, args.rtl_build)
        tcl = vivado.tcl_dir()
    except vivado.VivadoError as err:
        raise arg.CliError(str(err)) from None
    out = arg.prepare_out_dir(args.out or paths.build_dir() / "vivado" / args.board)
    jobs = args.jobs or vivado.environment_jobs()
    tool = vivado.find_vivado()
    if args.dry_run:
        _, cfg = vivado.prepare(args.board, out, jobs, args.rtl_build)
        print(f"{design.board.title}: build {design.build.name}, WGT_PORTS {design.wgt_ports} "
              f"x {design.wgt_dw} bit, {design.clock_mhz:g} MHz; configuration {cfg}")
        print(shlex.join(vivado.vivado_command(cfg, tool or "vivado")))
        return 0
    if tool is None:
        raise arg.CliError(f"{vivado.SKIP_MESSAGE}; `spacemimo bitstream --board {args.board} "
                           f"--dry-run` writes the Tcl to run elsewhere")
    print(f"spacemimo bitstream: {design.board.title} ({design.board.part}), build "
          f"{design.build.name}, Tcl {tcl}, output {out} (synthesis and implementation take "
          f"tens of minutes to hours)", flush=True)
    try:
        _, files, lines = vivado.build_bitstream(args.board, out, jobs, tool, args.rtl_build)
    except vivado.VivadoError as err:
        print(f"spacemimo bitstream: {err}", file=sys.stderr)
        return 1
    print(f"wrote {files['bit']} and {files['hwh']}")
    print("\n".join(lines))
    return 0
