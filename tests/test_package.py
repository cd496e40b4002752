"""The package installs both editable and as a wheel, and its CLI answers --help everywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
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


def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    """A normal (non-editable) wheel carries every subpackage, the presets and the script."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(wheel_dir), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = wheel_dir.glob("spacemimo-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("spacemimo/cli.py", "spacemimo/model/objectives.py",
                     "spacemimo/quant/__init__.py", "spacemimo/board/__init__.py"):
        assert required in names
    assert any(n.startswith("spacemimo/model/presets/") and n.endswith(".yaml") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "spacemimo = spacemimo.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import spacemimo.model, spacemimo.model.presets as p; "
            "print(spacemimo.model.__file__); print(len(p.list_presets()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    path, count = out.stdout.split()
    assert path.startswith(str(target)), "wheel install must not import the checkout"
    assert int(count) >= 4
