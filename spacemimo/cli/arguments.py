"""The CLI's shared argument types and up-front checks, and its user-error type.

Every subcommand takes its numbers, widths, lists and paths through these functions, so one
flag name has one meaning and one error message everywhere, and a mistake is reported before
any long work starts or anything is written (spacemimo/cli/README.md "Error contract").
"""

from __future__ import annotations

import argparse
import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

BIT_WIDTHS = (8, 16)


class CliError(Exception):
    """A user mistake or a missing tool: ``main`` prints it as one line and exits 2.

    Write the message as ``<what is wrong>; <how to fix it>``."""


# --------------------------------------------------------------------------- numbers


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError as err:
        what = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from err


def positive_int(text: str) -> int:
    """An integer >= 1 (counts, sizes, steps that must happen)."""
    value = _number(text, int)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (0 means "none" / "skip" where the help says so)."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or a positive integer, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (rates, seconds, clocks)."""
    value = _number(text, float)
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def bits_list(text: str) -> list[int]:
    """``--bits`` everywhere: a comma-separated list of data widths from 8 and 16."""
    try:
        bits = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected 8, 16 or 8,16, got {text!r}") from err
    if not bits or any(b not in BIT_WIDTHS for b in bits):
        raise argparse.ArgumentTypeError(f"bit widths must be 8 and/or 16, got {text!r}")
    return list(dict.fromkeys(bits))


def board_list(text: str) -> list[str]:
    """``--boards``: comma-separated board names of spacemimo/spec/boards.yaml, or ``all``."""
    from spacemimo.spec.boards import boards

    known = list(boards())
    names = known if text.strip() == "all" else [v.strip() for v in text.split(",") if v.strip()]
    bad = [n for n in names if n not in known]
    if not names or bad:
        raise argparse.ArgumentTypeError(
            f"unknown board {', '.join(bad) or repr(text)}: one of {', '.join(known)} or all")
    return list(dict.fromkeys(names))


def bits_or_none(text: str) -> list[int]:
    """A ``bits_list`` that may be empty ("" = none), for options that pick a subset."""
    return bits_list(text) if text.strip() else []


def csv_floats(text: str) -> list[float]:
    """Comma-separated numbers, e.g. ``-10,0,10``."""
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from err


def csv_names(text: str) -> list[str]:
    """Comma-separated names, e.g. ``mrt-local,wmmse``."""
    names = [v.strip() for v in text.split(",") if v.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


def single_width(bits: Sequence[int], flag: str = "--bits") -> int:
    """The one width of a command that builds one artefact per run."""
    if len(bits) != 1:
        raise CliError(f"{flag} {','.join(map(str, bits))}: this command builds one "
                       f"program per run; give one width (8 or 16)")
    return bits[0]


def apply_threads(args: argparse.Namespace) -> None:
    """``--threads N`` of the Brevitas commands (qat, hls4ml): many small ops, so extra
    OpenMP threads on shared cores slow them ~10x. torch is imported only when asked."""
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)


# --------------------------------------------------------------------------- paths


def input_file(text: str) -> Path:
    """An existing, readable regular file (checked when the arguments are parsed)."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file; check the path")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text}: not readable; check its permissions")
    return path


def input_dir(text: str) -> Path:
    """An existing, readable directory."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such directory; check the path")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file; give a directory")
    if not os.access(path, os.R_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text}: not readable; check its permissions")
    return path


def vector_dir(text: str) -> Path:
    """A golden-vector directory (``spacemimo golden`` writes one): holds program.bin."""
    path = input_dir(text)
    if not (path / "program.bin").is_file():
        raise argparse.ArgumentTypeError(
            f"{text}: no program.bin here; give a golden-vector directory (`spacemimo golden "
            f"--out DIR` writes one)")
    return path


def program_source(text: str) -> Path:
    """A program image (.smp/.bin) or a golden-vector directory (its program.bin)."""
    path = Path(text)
    if path.is_dir():
        return vector_dir(text) / "program.bin"
    return input_file(text)


def prepare_out_dir(path: Path, flag: str = "--out") -> Path:
    """Create an output directory and prove it writable (a probe file), before any work.

    Why up front: a run that computes for minutes must not fail at its last step because the
    directory is read-only or names an existing file."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise CliError(f"{flag} {path} is an existing file; give a directory (or remove the "
                       f"file)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".spacemimo-write-probe-{os.getpid()}"  # one per process (torchrun)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise CliError(f"{flag} {path}: cannot write there ({err.strerror or err}); choose "
                       f"a writable directory") from err
    return path


def prepare_out_file(path: Path, flag: str = "--out") -> Path:
    """Check an output file's place before any work: not a directory, parent writable."""
    path = Path(path)
    if path.is_dir():
        raise CliError(f"{flag} {path} is a directory; give a file name")
    prepare_out_dir(path.parent if str(path.parent) else Path("."), f"{flag} (its folder)")
    if path.exists() and not os.access(path, os.W_OK):
        raise CliError(f"{flag} {path}: exists and is not writable; choose another file")
    return path


# --------------------------------------------------------------------------- parsers

class CliParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are the CLI's one line (no usage block), exit 2."""

    def error(self, message: str) -> NoReturn:
        hint = "" if ";" in message else f"; see `{self.prog} --help`"
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")


# Options whose values start with '-' (-D flags, -O levels, negative sweeps): argparse would
# take ``--cfg -DSM_X=1`` for two options, so ``attach_dash_values`` joins them with '='.
DASH_VALUE_OPTIONS = ("--cfg", "--opt", "--sweep")


def attach_dash_values(argv: Sequence[str]) -> list[str]:
    """``--cfg -DX=1`` -> ``--cfg=-DX=1`` (and --opt, --sweep), the form argparse accepts."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in DASH_VALUE_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-") \
                and argv[i + 1] not in ("-h", "--help"):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def verbosity_parent() -> argparse.ArgumentParser:
    """``-q/-v`` for every subcommand: they may come before or after the subcommand name.

    SUPPRESS defaults keep a flag given before the subcommand from being reset by the
    subparser's default."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="debug logging; show the traceback of an unexpected error")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="no progress bars, warnings only")
    return p


_VERBOSITY = verbosity_parent()


@dataclass(frozen=True)
class CommandDoc:
    """A subcommand's texts: ``help`` (its line in the parent's list), ``description`` (the
    top of its own --help; ``help`` when none) and ``epilog`` (its examples)."""

    help: str
    description: str
    epilog: str | None = None

    @classmethod
    def parse(cls, doc: str | None) -> CommandDoc:
        """Read a handler's docstring: the first paragraph is the help line, the next ones
        the description, a last paragraph opening with ``example:``/``examples:`` the epilog.

        Why docstrings: one place per command says what it does, for a reader of the code and
        for ``--help`` alike (argparse refills the text, so line breaks do not matter)."""
        paras = [" ".join(p.split()) for p in inspect.cleandoc(doc or "").split("\n\n")]
        paras = [p for p in paras if p]
        epilog = paras.pop() if len(paras) > 1 and paras[-1].startswith("example") else None
        help_ = paras[0] if paras else ""
        return cls(help_, " ".join(paras[1:]) or help_, epilog)


def add_command(sub: Any, name: str, func: Callable[[argparse.Namespace], int] | None = None,
                **kwargs: Any) -> argparse.ArgumentParser:
    """Add a subcommand parser with the shared ``-q/-v`` options; its texts come from
    ``func``'s docstring (``CommandDoc``) unless given as keywords, and ``func`` runs it."""
    if func is not None:
        doc = CommandDoc.parse(func.__doc__)
        kwargs = {"help": doc.help, "description": doc.description, "epilog": doc.epilog,
                  **kwargs}
    kwargs.setdefault("description", kwargs.get("help"))
    # no abbreviations: a renamed flag (--batch) must not silently mean its successor, and a
    # new flag must not make an abbreviation someone scripted ambiguous
    parser = sub.add_parser(name, parents=[_VERBOSITY], allow_abbrev=False, **kwargs)
    parser.set_defaults(cli_parser=parser)  # main reports stray arguments in its name
    if func is not None:
        parser.set_defaults(func=func)
    return parser


def add_command_group(sub: Any, name: str, doc: str | None, dest: str) -> Any:
    """A subcommand that only holds subcommands (``bench``, ``board``): its texts are ``doc``
    read as a ``CommandDoc``; returns the subparsers to add them to."""
    text = CommandDoc.parse(doc)
    group = add_command(sub, name, help=text.help, description=text.description)
    return group.add_subparsers(dest=dest, metavar=name.upper(), required=True)
