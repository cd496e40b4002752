"""``spacemimo info`` (versions, git revision) and ``spacemimo presets`` (paper scenarios)."""

from __future__ import annotations

import argparse
from typing import Any

from spacemimo.cli import arguments as arg


def cmd_info(args: argparse.Namespace) -> int:
    """versions and git revision of this installation"""
    from spacemimo import __version__
    from spacemimo.ground.provenance import git_revision, package_versions

    print(f"spacemimo {__version__}, git {git_revision()}")
    for name, version in package_versions().items():
        print(f"  {name:14s} {version}")
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    """list the paper scenario presets"""
    from spacemimo.model.presets import list_presets, load_preset
    from spacemimo.model.scenarios import SCENARIO_ALIASES

    aliases = {v: k for k, v in SCENARIO_ALIASES.items()}
    for name in list_presets():
        alias = f" (--scenario {aliases[name]})" if name in aliases else ""
        print(f"{name}{alias}: {load_preset(name).get('description', '').strip()}")
    return 0


def register(sub: Any) -> None:
    """``info`` and ``presets``."""
    arg.add_command(sub, "info", cmd_info)
    arg.add_command(sub, "presets", cmd_presets)
