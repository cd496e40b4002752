"""The CLI's error contract (spacemimo/cli/README.md): every subcommand, walked from the parser
itself so a new one is covered automatically, answers a user's mistake with one line on
stderr and exit 2 — never a traceback, never a silent rc 0 — before it writes anything; an
unexpected error says it is a bug. Plus the layer rules of the CLI package."""

from __future__ import annotations

import argparse
import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import spacemimo.cli as cli
from spacemimo.cli import arguments, build_parser, iter_parsers, main

REPO = Path(__file__).resolve().parent.parent
LEAVES = {" ".join(words): parser for words, parser in iter_parsers(build_parser())}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A file that is no program, a directory that holds no vectors, a file where a
    directory is expected, an empty directory."""
    junk = tmp_path / "junk.smp"
    junk.write_bytes(b"not a program")
    empty = tmp_path / "empty"
    empty.mkdir()
    return {"junk": junk, "empty": empty, "missing": tmp_path / "missing.pt",
            "file_out": junk, "unwritable": junk / "sub"}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def assert_user_error(argv: list[str], capsys: pytest.CaptureFixture[str],
                      expect: str | None = None) -> str:
    rc, out, err = run(argv, capsys)
    assert rc == 2, f"{argv}: rc {rc}\nstdout: {out}\nstderr: {err}"
    assert "Traceback" not in err + out, f"{argv}: traceback\n{err}"
    assert "spacemimo" in err and "error:" in err, f"{argv}: no error line\n{err}"
    last = err.strip().splitlines()[-1]
    assert last.startswith(("spacemimo ", "spacemimo:")), last
    if expect is not None:
        assert expect in err, f"{argv}: {expect!r} not in\n{err}"
    return err


# --------------------------------------------------------------------------- every subcommand


@pytest.mark.parametrize("cmd", sorted(LEAVES))
def test_help_of_every_subcommand(cmd: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run([*cmd.split(), "--help"], capsys)
    assert rc == 0 and f"usage: {LEAVES[cmd].prog}" in out  # an alias shows its command
    assert "in later steps" not in out and "added by the QAT tooling" not in out


def _bad_values(action: argparse.Action, files: dict[str, Path]) -> list[str]:
    """Values this option must reject at parse time, from its type / choices."""
    t = action.type
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        return ["no-such-choice"]
    if t in (arguments.positive_int, arguments.positive_float):
        return ["0", "-3", "x"]
    if t is arguments.non_negative_int:
        return ["-1", "1.5"]
    if t in (arguments.bits_list, arguments.bits_or_none):
        return ["9", "8,x"]
    if t is arguments.input_file:
        return [str(files["missing"]), str(files["empty"])]
    if t in (arguments.input_dir, arguments.vector_dir):
        return [str(files["missing"]), str(files["junk"])]
    if t is arguments.program_source:
        return [str(files["missing"]), str(files["empty"])]
    if t is int:
        return ["x"]
    return []


@pytest.mark.parametrize("cmd", sorted(LEAVES))
def test_every_typed_option_rejects_bad_values(cmd: str, files: dict[str, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Every option with a checked type or a choice list, fed a bad value: exit 2, one line.
    An unknown option too."""
    parser = LEAVES[cmd]
    checked = 0
    for action in parser._actions:
        for bad in _bad_values(action, files):
            if action.option_strings:
                argv = [*cmd.split(), f"{action.option_strings[-1]}={bad}"]
            else:  # a positional
                argv = [*cmd.split(), bad]
            assert_user_error(argv, capsys)
            checked += 1
    err = assert_user_error([*cmd.split(), "--no-such-flag"], capsys)
    assert "unrecognized arguments" in err or "required" in err, err
    assert checked or cmd in {"info", "presets", "bench perf", "board vectors", "gen"}


@pytest.mark.parametrize("cmd", sorted(c for c, p in LEAVES.items()
                                       if any("--out" in a.option_strings
                                              for a in p._actions)))
def test_out_that_is_a_file_or_unwritable(cmd: str, files: dict[str, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """--out naming an existing file or a place that cannot be created: exit 2 before any
    work (each call gives the command the least it needs to reach its output check)."""
    need = {"qat": ["--from", str(files["junk"])],
            "compile": ["--from", str(files["junk"])],
            "golden": ["--random", "gsm", "--small"],
            "hls4ml": ["--demo"],
            "csim": ["--random", "gsm", "--small"],
            "cosim": ["--random", "gsm", "--small"],
            "eval": ["table2"],
            "bitstream": ["--board", "pynqz2", "--rtl-build", "rtl-small-8"]}.get(cmd, [])
    for out in (files["file_out"], files["unwritable"]):
        if cmd == "compile" and out == files["file_out"]:
            continue  # compile --out names a file: an existing one is overwritten
        if cmd == "cosim":  # no simulator: that one-line error may come first; still rc 2
            rc, _, err = run([*cmd.split(), *need, "--out", str(out)], capsys)
            assert rc == 2 and "Traceback" not in err
            continue
        assert_user_error([*cmd.split(), *need, "--out", str(out)], capsys)
    assert files["junk"].read_bytes() == b"not a program"


# --------------------------------------------------------------------------- named cases


@pytest.mark.parametrize(("argv", "expect"), [
    (["golden", "--program", "{missing}", "--out", "{tmp}/v"], "no such file"),
    (["golden", "--program", "{empty}", "--out", "{tmp}/v"], "no program.bin"),
    (["golden", "--program", "{junk}", "--out", "{tmp}/v"], "BAD_FORMAT"),
    (["golden", "--random", "gsm", "--bits", "8,16", "--out", "{tmp}/v"], "one width"),
    (["golden", "--random", "gsm"], "--out"),
    (["golden", "--check", "{empty}"], "no program.bin"),
    (["perf", "--random", "gsm", "--clock-mhz", "0"], "--clock-mhz"),
    (["perf"], "give one program"),
    (["perf", "--paper", "--random", "gsm"], "--paper"),
    (["compile", "--from", "{missing}"], "no such file"),
    (["compile", "--from", "{empty}"], "is a directory"),
    (["compile", "--num-users", "0"], "positive"),
    (["compile"], "nothing to compile"),
    (["compile", "--emit-headers"], "unrecognized"),
    (["compile", "--from", "{junk}", "--out", "{empty}"], "is a directory"),
    (["lower", "--sat", "-1"], "--sat"),
    (["qat", "--from", "{junk}", "--steps", "-5"], "--steps"),
    (["qat"], "--from"),
    (["train", "--steps", "3", "--epochs", "1"], "give one"),
    (["train", "--resume", "{empty}"], "no checkpoint"),
    (["eval"], "--all"),
    (["eval", "nosuch"], "unknown eval task"),
    (["baselines", "--scenario", "mars", "-n", "2"], "unknown scenario"),
    (["baselines", "-n", "-5"], "positive"),
    (["csim"], "nothing to run"),
    (["csim", "{missing}"], "no such directory"),
    (["csim", "{empty}"], "no program.bin"),
    (["csim", "--cfg", "-O3"], "-DNAME"),
    (["csim", "-D", "1BAD"], "--define"),
    (["csim", "--opt", "-O9"], "--opt"),
    (["csim", "--random", "gsm", "--clock-mhz=100"], "unrecognized"),
    (["csim", "{empty}", "--bits", "8"], "no program.bin"),
    (["cosim"], "nothing to run"),
    (["cosim", "{missing}"], "no such directory"),
    (["hls4ml"], "--demo"),
    (["hls4ml", "--demo", "--bits", "8,16"], "one width"),
    (["bench", "hw", "--bits", "8", "--formula-only", "16"], "--formula-only"),
    (["bench", "baselines", "--batch", "8"], "unrecognized"),
    (["board", "selftest", "--bits", "8"], "--sim"),
    (["board", "selftest", "--vectors", "{missing}"], "no such directory"),
    (["board", "selftest", "--repeats", "0"], "positive"),
    (["bitstream", "--board", "zedboard"], "choose from 'kv260', 'pynqz2', 'vc709', 'zcu104'"),
    (["bitstream", "--board", "kv260", "--rtl-build", "vx690t"], "HLS build"),
    (["no-such-command"], "invalid choice"),
])
def test_named_mistakes(argv: list[str], expect: str, files: dict[str, Path], tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    subst = {k: str(v) for k, v in files.items()} | {"tmp": str(tmp_path)}
    assert_user_error([a.format(**subst) for a in argv], capsys, expect)
    assert not (tmp_path / "v").exists()  # nothing written for a rejected call


def test_checks_run_before_work(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """baselines with an unwritable --out fails before computing (the evaluator is never
    called); compile --sat out of range fails before the .smp is written."""
    import spacemimo.papers.baseline_table as bt

    def never(*a: object, **k: object) -> None:
        raise AssertionError("computed before checking --out")

    monkeypatch.setattr(bt, "evaluate_baselines", never)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_user_error(["baselines", "--out", str(blocker / "sub")], capsys, "cannot write")


def test_csim_configuration_flags_reach_the_build() -> None:
    """--array-cols / --drain-cols (and --cfg, -D) become the -D flags the C-sim compiles;
    they used to be ignored unless --preset was given."""
    from spacemimo.cli.csim import cflags_from_args

    args = build_parser().parse_args(arguments.attach_dash_values(
        ["csim", "--random", "gsm", "--array-cols", "64", "--drain-cols", "64",
         "--cfg", "-DSM_MAX_OPS=32", "-D", "SM_NUM_BUFFERS=4"]))
    flags = cflags_from_args(args).split()
    assert {"-DSM_ARRAY_COLS=64", "-DSM_DRAIN_COLS=64", "-DSM_MAX_OPS=32",
            "-DSM_NUM_BUFFERS=4"} <= set(flags)
    plain = build_parser().parse_args(["csim", "--random", "gsm"])
    assert cflags_from_args(plain) == ""


def test_verbosity_before_and_after_the_subcommand() -> None:
    p = build_parser()
    for argv in (["-q", "perf", "--paper"], ["perf", "-q", "--paper"],
                 ["bench", "-q", "perf"], ["bench", "perf", "-q"], ["-q", "bench", "perf"]):
        assert p.parse_args(argv).quiet is True, argv
    assert p.parse_args(["-v", "board", "vectors"]).verbose is True
    assert not hasattr(p.parse_args(["perf", "--paper"]), "quiet") or \
        p.parse_args(["perf", "--paper"]).quiet is False


def test_unexpected_error_is_reported_as_a_bug(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """An exception that is no user mistake: one line saying it is a bug and how to get the
    traceback (exit 1); with -v the traceback itself."""
    from spacemimo.cli import info

    def boom(args: argparse.Namespace) -> int:
        raise KeyError("internal")

    monkeypatch.setattr(info, "cmd_info", boom)
    rc, _, err = run(["info"], capsys)
    assert rc == 1 and "this is a bug" in err and "-v" in err and "Traceback" not in err
    rc, _, err = run(["info", "-v"], capsys)
    assert rc == 1 and "Traceback" in err and "KeyError" in err


def test_real_entry_point(tmp_path: Path) -> None:
    """The console script's path (python -m spacemimo): a bad call is one line, exit 2."""
    out = subprocess.run([sys.executable, "-m", "spacemimo", "golden", "--program",
                          str(tmp_path / "nope.smp"), "--out", str(tmp_path / "v")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "nope.smp: no such file" in out.stderr
    out = subprocess.run([sys.executable, "-m", "spacemimo", "perf", "--clock-mhz", "0",
                          "--random", "gsm"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_board_vectors_needs_out_outside_a_checkout(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`board vectors` defaults to board/selftest of a source checkout only: from an installed
    copy (no checkout at the source root) it asks for --out instead of rewriting the vectors
    inside site-packages."""
    from spacemimo.cli.board import vectors_out

    assert vectors_out(None) == REPO / "board" / "selftest"
    assert vectors_out(tmp_path / "v") == tmp_path / "v"
    installed = tmp_path / "site-packages" / "spacemimo" / "_hw"
    (installed / "board" / "selftest").mkdir(parents=True)
    monkeypatch.setenv("SPACEMIMO_SOURCES", str(installed))
    err = assert_user_error(["board", "vectors"], capsys, "give --out DIR")
    assert len(err.strip().splitlines()) == 1
    assert not any((installed / "board" / "selftest").iterdir())  # nothing written


def test_named_source_files_exist() -> None:
    """Every source path the CLI's messages, the cocotb testbenches and the board README name
    exists (the selftest summary named rtl_tests/cosim.py after it moved to spacemimo/hw/)."""
    texts = [*_sources("spacemimo/cli", "rtl_tests"), REPO / "board" / "README.md"]
    named = {m for p in texts for m in re.findall(
        r"\b(?:rtl_tests|spacemimo|board|quant|model|hls|rtl)/[\w/]+\.(?:py|md|v|cpp|h)\b",
        p.read_text())}
    assert "spacemimo/hw/cosim.py" in named
    assert not [n for n in sorted(named) if not (REPO / n).exists()]


def test_command_doc_from_a_docstring() -> None:
    """A handler's docstring: first paragraph the help line, the rest the description (refilled
    by argparse), a closing "example(s):" paragraph the epilog; the help when nothing else."""
    doc = arguments.CommandDoc.parse("""do a thing

        Longer text
        over lines.

        Second part.

        examples: spacemimo x | spacemimo y
        """)
    assert doc == arguments.CommandDoc("do a thing", "Longer text over lines. Second part.",
                                       "examples: spacemimo x | spacemimo y")
    assert arguments.CommandDoc.parse("only help") == arguments.CommandDoc("only help",
                                                                           "only help")
    leaf = LEAVES["golden"]
    assert leaf.epilog and leaf.epilog.startswith("examples: spacemimo golden")


# --------------------------------------------------------------------------- layer rules


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _sources(*folders: str) -> list[Path]:
    return [p for f in folders for p in (REPO / f).rglob("*.py")]


def test_nothing_below_the_cli_imports_it() -> None:
    """ground, model and quant (and hw, papers, board) never import spacemimo.cli."""
    offenders = [str(p.relative_to(REPO)) for p in _sources(
        "spacemimo/ground", "model", "quant", "board", "spacemimo/hw", "spacemimo/papers")
        if any(n == "spacemimo.cli" or n.startswith("spacemimo.cli.") for n in _imports(p))]
    assert not offenders, offenders


def test_argparse_only_in_the_cli_package() -> None:
    """No module outside spacemimo/cli/ builds a parser: one place for every flag."""
    offenders = [str(p.relative_to(REPO)) for p in _sources(
        "spacemimo", "model", "quant", "board")
        if "spacemimo/cli/" not in p.as_posix() and "argparse" in _imports(p)]
    assert not offenders, offenders


def test_one_copy_of_the_argument_types() -> None:
    """positive_int / positive_float are defined once, in spacemimo/cli/arguments.py."""
    defs = [str(p.relative_to(REPO)) for p in _sources("spacemimo", "model", "quant", "board")
            for node in ast.walk(ast.parse(p.read_text()))
            if isinstance(node, ast.FunctionDef)
            and node.name.lstrip("_") in ("positive_int", "positive_float")]
    assert defs == ["spacemimo/cli/arguments.py"] * 2, defs


def test_registry_is_explicit() -> None:
    """Every module of the package that defines register() is in COMMANDS, once."""
    modules = {m.__name__ for m in cli.COMMANDS}
    assert len(modules) == len(cli.COMMANDS)
    for path in (REPO / "spacemimo" / "cli").glob("*.py"):
        if "def register(" in path.read_text():
            assert f"spacemimo.cli.{path.stem}" in modules, path.name


# --------------------------------------------------------------------------- callers


def _documented_commands() -> list[tuple[str, str]]:
    """(where, argv text) of every `spacemimo ...` line in the Markdown code blocks and of
    every $(SPACEMIMO) line of the Makefile (its variables replaced by plain values)."""
    found: list[tuple[str, str]] = []
    skip = {".venv", "build", "results", "node_modules", "dist"}
    for md in REPO.rglob("*.md"):
        if skip & set(md.relative_to(REPO).parts):
            continue
        block = False
        for i, line in enumerate(md.read_text().splitlines(), 1):
            if line.lstrip().startswith("```"):
                block = not block
            elif block and (m := re.match(r"\s*(?:torchrun .*?-m )?spacemimo (-.*|[a-z].*)",
                                          line)):
                found.append((f"{md.relative_to(REPO)}:{i}", m.group(1).split(" #")[0]))
    shell_values = {"$${net%_*}": "gsm", "$${net##*_}": "8", "$$b": "8", "$$net": "gsm",
                    "$$s": "gsm", "$(BOARD)": "pynqz2"}
    for i, line in enumerate((REPO / "Makefile").read_text().splitlines(), 1):
        if "$(SPACEMIMO) " not in line:
            continue
        text = line.split("$(SPACEMIMO) ", 1)[1].split("||")[0].split(";")[0]
        text = re.sub(r"\$\(\w*ARGS\)", "", text)
        text = re.sub(r"\$\(addprefix [^)]*\)[^ ]*", "1", text)
        for key, value in shell_values.items():
            text = text.replace(key, value)
        found.append((f"Makefile:{i}", re.sub(r"\$\(\w+\)", "1", text)))
    return found


def test_documented_command_lines_parse(capsys: pytest.CaptureFixture[str]) -> None:
    """Every command line in the READMEs and the Makefile uses current flag names and valid
    values (the files they name need not exist here: path arguments parse as plain paths)."""
    parser = build_parser()
    path_types = (arguments.input_file, arguments.input_dir, arguments.vector_dir,
                  arguments.program_source)
    for _, leaf in iter_parsers(parser):  # the files they name need not exist here
        for action in leaf._actions:
            if action.type in path_types:
                action.type = Path
    bad = []
    for where, text in _documented_commands():
        if "[" in text or "…" in text or "<" in text or " — " in text:
            continue  # notation (optional parts, placeholders) or a transcript line
        try:
            parser.parse_args(arguments.attach_dash_values(shlex.split(text)))
        except SystemExit as stop:
            if stop.code:
                bad.append(f"{where}: spacemimo {text}\n  {capsys.readouterr().err.strip()}")
    assert not bad, "\n".join(bad)
    assert len(_documented_commands()) > 30
