"""Where the repository's non-Python sources live: the one rule every module uses.

The hardware sources (``hls/``, ``rtl/``, ``rtl_tests/``) and the build area are found
relative to the source tree that holds the ``spacemimo`` package: the checkout for an
editable install or a run from the repository. ``SPACEMIMO_SOURCES`` points elsewhere (a
checkout beside a wheel install).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def source_root() -> Path:
    """The directory holding ``hls/``, ``rtl/``, ``rtl_tests/`` and ``board/``."""
    env = os.environ.get("SPACEMIMO_SOURCES")
    return Path(env).resolve() if env else _PACKAGE_DIR.parent


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
    """Scratch area for simulator and compiler builds (git-ignored)."""
    return source_root() / "build"
