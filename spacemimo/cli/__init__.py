"""The ``spacemimo`` command: one subcommand per flow step, one module per subcommand.

``COMMANDS`` is the registry: each module defines ``register(sub)`` and adds its parser(s);
the order is the order of ``spacemimo --help`` and nothing else depends on it. Heavy imports
(torch, the model code) happen inside the handlers so ``--help`` stays instant. ``main`` is
the one error path (spacemimo/cli/README.md "Error contract").
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence

from spacemimo.cli import (
    baselines,
    bench,
    bitstream,
    board,
    compile,
    cosim,
    csim,
    eval,
    gen,
    golden,
    hls4ml,
    info,
    perf,
    qat,
    train,
)
from spacemimo.cli.arguments import CliError, CliParser, attach_dash_values, verbosity_parent

__all__ = ["COMMANDS", "CliError", "build_parser", "iter_parsers", "main"]

# The flow's order: information, float model, quantization, program, hardware, board, and
# the generator of the hardware contract's files.
COMMANDS = (info, baselines, train, eval, qat, compile, golden, hls4ml, perf, csim, cosim,
            bench, board, bitstream, gen)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the top-level options and every registered subcommand."""
    p = CliParser(
        prog="spacemimo", parents=[verbosity_parent()], allow_abbrev=False,
        description="GNN precoders for LEO multi-satellite MIMO and their fixed-point "
                    "accelerator: channels and baselines, training, QAT, program "
                    "compilation, golden vectors, HLS C-sim, RTL co-simulation, board "
                    "bring-up.",
        epilog="flow: train -> qat -> compile -> golden -> csim / cosim / board selftest. "
               "`spacemimo COMMAND --help` for each; -q/-v go before or after COMMAND.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return p


def iter_parsers(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
                 ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every leaf subcommand as (words, parser), e.g. (("bench", "hw"), <parser>)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
        return
    for name, child in subs[0].choices.items():
        yield from iter_parsers(child, (*prefix, name))


def _command_name(args: argparse.Namespace) -> str:
    words = [getattr(args, key, None) for key in ("command", "bench_command",
                                                   "board_command")]
    return " ".join(w for w in words if w)


def _user_message(err: BaseException) -> str:
    text = " ".join(str(err).split("\n")[:1]).strip() or type(err).__name__
    if isinstance(err, OSError) and err.filename is not None and str(err.filename) not in text:
        text = f"{err.filename}: {err.strerror or text}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 a check failed / internal error,
    2 a user mistake). Never raises for a user's mistake."""
    parser = build_parser()
    argv = attach_dash_values(sys.argv[1:] if argv is None else argv)
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # name the subcommand in the message ("spacemimo csim: error: ...")
            getattr(args, "cli_parser", parser).error(
                f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as stop:  # --help (0) or an argparse error (2, message printed)
        return stop.code if isinstance(stop.code, int) else 2
    verbose, quiet = getattr(args, "verbose", False), getattr(args, "quiet", False)
    args.verbose, args.quiet = verbose, quiet
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    func: Callable[[argparse.Namespace], int] = args.func
    cmd = _command_name(args)
    try:
        return func(args)
    except KeyboardInterrupt:
        print(f"spacemimo {cmd}: interrupted", file=sys.stderr)
        return 130
    except (CliError, ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
            PermissionError) as err:
        # User mistakes and the library's input checks (ValueError, ProgramError): one line.
        if verbose:
            traceback.print_exc()
        msg = _user_message(err)
        if ";" not in msg:
            msg += f"; see `spacemimo {cmd} --help`"
        print(f"spacemimo {cmd}: error: {msg}", file=sys.stderr)
        return 2
    except Exception as err:  # a bug: say so, and how to report it
        if verbose:
            traceback.print_exc()
            return 1
        print(f"spacemimo {cmd}: internal error ({type(err).__name__}: "
              f"{_user_message(err)}); this is a bug: rerun with -v for the traceback and "
              f"report it as an issue of the spacemimo repository with the command line and "
              f"the -v output", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
