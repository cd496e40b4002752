"""The editable install maps the top-level folders, and the CLI answers --help everywhere.

The wheel install is tests/test_install.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUBCOMMANDS = [["info"], ["presets"], ["baselines"], ["bench"], ["bench", "baselines"]]


def test_namespace_maps_top_level_dirs() -> None:
    import spacemimo.board
    import spacemimo.model
    import spacemimo.quant

    # Editable install: each import name resolves to its top-level directory of the checkout.
    for mod, folder in [(spacemimo.model, "model"), (spacemimo.quant, "quant"),
                        (spacemimo.board, "board")]:
        assert Path(mod.__file__).resolve().parent == REPO / folder


def test_no_generic_top_level_names_installed() -> None:
    for generic in ("model", "quant", "board"):
        found = subprocess.run([sys.executable, "-c", f"import {generic}"], cwd="/",
                               capture_output=True)
        assert found.returncode != 0, f"a bare top-level '{generic}' package is importable"


@pytest.mark.parametrize("argv", SUBCOMMANDS, ids=lambda a: " ".join(a))
def test_cli_help(argv: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", "spacemimo", *argv, "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "usage: spacemimo" in out.stdout


def test_cli_rejects_unknown_command() -> None:
    out = subprocess.run([sys.executable, "-m", "spacemimo", "no-such-step"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "invalid choice" in out.stderr
