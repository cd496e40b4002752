"""Trained-net checkpoints: weights plus everything needed to rebuild and trust them.

A checkpoint is the hand-over artefact between training and QAT (``quant/`` calls
``load_checkpoint``), so it carries the net's name and full resolved config (the net is
rebuilt with ``nets.build_net``, never unpickled), the scenario it was trained on, its
metrics, and provenance (git revision, package versions, seed). The file is a plain
``torch.save`` dict readable with ``weights_only=True``: loading runs no code from the file.
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from spacemimo.ground.provenance import git_revision, package_versions
from spacemimo.model.nets import build_net, net_config

FORMAT = "spacemimo-checkpoint"
FORMAT_VERSION = 1


@dataclass
class Checkpoint:
    """A loaded checkpoint. ``net`` is rebuilt from (net_name, config) with the weights loaded
    and put in eval mode; ``config`` is the full resolved net config (a dict);
    ``net_overrides`` what the experiment set on top of the paper defaults; ``scenario`` the
    training scenario (preset name + overrides); ``metrics`` the validation numbers at save
    time; ``meta`` git revision, package versions, seed and time; ``step`` the optimizer
    step; ``optimizer_state`` (or None) and ``extra`` (scheduler, early-stop, Lagrange state,
    experiment config) let training resume bit for bit."""

    net: nn.Module
    net_name: str
    config: dict[str, Any]
    scenario: dict[str, Any]
    metrics: dict[str, Any]
    meta: dict[str, Any]
    step: int = 0
    net_overrides: dict[str, Any] = field(default_factory=dict)
    optimizer_state: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def plain(value: Any) -> Any:
    """Tuples -> lists, recursively, so configs round-trip through YAML/JSON readers too."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _unwrap(net: nn.Module) -> nn.Module:
    """The bare net inside a DistributedDataParallel (or DataParallel) wrapper."""
    return getattr(net, "module", net)


def save_checkpoint(path: str | Path, net: nn.Module, *, net_name: str,
                    net_overrides: dict[str, Any] | None, scenario: dict[str, Any],
                    metrics: dict[str, Any], optimizer: torch.optim.Optimizer | None = None,
                    step: int = 0, extra: dict[str, Any] | None = None,
                    seed: int | None = None) -> Path:
    """Write ``net`` (a net from ``nets.NETS``, possibly DDP-wrapped) to ``path``.

    ``net_overrides`` must rebuild this net with ``build_net(net_name, net_overrides)``; the
    resolved config is stored as well. ``seed`` defaults to ``extra['seed']``. The write is
    atomic (temp file + rename) so an interrupted run never leaves a truncated checkpoint.
    """
    net = _unwrap(net)
    config = net_config(net_name, dict(net_overrides or {})).to_dict()
    extra = copy.deepcopy(dict(extra or {}))
    if seed is None:
        seed = extra.get("seed")
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "net_name": net_name,
        "net_overrides": plain(dict(net_overrides or {})),
        "config": plain(config),
        "scenario": plain(dict(scenario)),
        "metrics": plain(dict(metrics)),
        "meta": {
            "git_revision": git_revision(),
            "versions": package_versions(),
            "seed": seed,
            "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "spacemimo": __import__("spacemimo").__version__,
        },
        "step": int(step),
        "state_dict": {k: v.detach().cpu().clone() for k, v in net.state_dict().items()},
        "optimizer_state": optimizer.state_dict() if optimizer is not None else None,
        "extra": extra,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``; ValueError if it is not one (or its
    weights do not fit the net its config builds)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} does not exist")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for a corrupt/foreign file
        raise ValueError(f"{str(path)!r} is not a readable checkpoint: {err}") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a spacemimo checkpoint")
    if data.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{str(path)!r} has checkpoint format version "
                         f"{data.get('format_version')!r}; this code reads {FORMAT_VERSION}")
    net = build_net(data["net_name"], data["config"])
    state = data["state_dict"]
    dtypes = {v.dtype for v in state.values() if v.is_floating_point()}
    if len(dtypes) == 1:  # a net trained in float64 comes back in float64
        net = net.to(dtypes.pop())
    try:
        net.load_state_dict(state)
    except RuntimeError as err:
        raise ValueError(f"weights in {str(path)!r} do not fit net {data['net_name']!r} built "
                         f"from its config: {err}") from err
    net.eval()
    return Checkpoint(net=net, net_name=data["net_name"], config=data["config"],
                      scenario=data["scenario"], metrics=data["metrics"], meta=data["meta"],
                      step=int(data["step"]), net_overrides=data["net_overrides"],
                      optimizer_state=data["optimizer_state"], extra=data["extra"])
