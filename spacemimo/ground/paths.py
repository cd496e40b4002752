"""Where the non-Python sources live and where builds go: the one rule every module uses.

Sources (``hls/``, ``rtl/``, ``rtl_tests/``), first match wins:

1. ``SPACEMIMO_SOURCES`` names a directory holding them (another checkout, a scratch copy).
2. A source checkout: the directory above the ``spacemimo`` package holds ``pyproject.toml``
   and ``hls/`` (an editable install, or Python run from the repository).
3. The copy shipped in the wheel as package data, ``spacemimo/_hw/{hls,rtl,rtl_tests}``
   (``pip install .``; pyproject maps ``spacemimo._hw.<name>`` onto the top-level folders).

Builds (simulator binaries, C-sim executables, synthesis scratch, default golden vectors) go
under ``build_dir()``, never into the installed package:

1. ``SPACEMIMO_BUILD`` when set;
2. ``build/`` beside the sources when they are a checkout or ``SPACEMIMO_SOURCES``;
3. else (the wheel's copy) ``./build`` in the current working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The wheel's copy of the hardware sources (package data under spacemimo/_hw/).
_SHIPPED = _PACKAGE_DIR / "_hw"


def is_checkout(root: Path) -> bool:
    """Whether ``root`` is a source checkout (its ``pyproject.toml`` beside ``hls/``)."""
    return (root / "pyproject.toml").is_file() and (root / "hls").is_dir()


def source_root() -> Path:
    """The directory holding ``hls/``, ``rtl/`` and ``rtl_tests/`` (rule in the module doc)."""
    env = os.environ.get("SPACEMIMO_SOURCES")
    if env:
        return Path(env).resolve()
    checkout = _PACKAGE_DIR.parent
    if is_checkout(checkout):
        return checkout
    return _SHIPPED


def hls_dir() -> Path:
    """The HLS kernel sources, testbench, Tcl and Makefile."""
    return source_root() / "hls"


def rtl_dir() -> Path:
    """The hand-written Verilog of the accelerator."""
    return source_root() / "rtl"


def rtl_tests_dir() -> Path:
    """The cocotb testbench modules (run by the simulator, not imported by the package)."""
    return source_root() / "rtl_tests"


def build_dir() -> Path:
    """Writable scratch area for every build output (rule in the module doc); not created."""
    env = os.environ.get("SPACEMIMO_BUILD")
    if env:
        return Path(env).resolve()
    root = source_root()
    return root / "build" if root != _SHIPPED else Path.cwd().resolve() / "build"
