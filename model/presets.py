"""Paper-setting presets: one YAML per setting in ``model/presets/``, read from the package.

A preset is ``{description, generator, config, sweep, [metric, ...]}``: ``generator`` names a
function in ``channels.GENERATORS``, ``config`` holds that generator's config fields, and
``sweep`` (``{param, values}``) is the default power/SNR sweep of the baseline table, ``param``
being a config field. The files are package data read through ``importlib.resources`` so a
wheel install finds them too.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from numbers import Real
from typing import TYPE_CHECKING, Any

import torch
import yaml

from spacemimo.model.batch import ChannelBatch
from spacemimo.model.channels import DEFAULT_DTYPE, GENERATORS, ChannelConfig

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

PRESET_PACKAGE = "spacemimo.model"
PRESET_DIR = "presets"
PRESET_SUFFIX = ".yaml"
REQUIRED_KEYS = ("description", "generator", "config", "sweep")


def _preset_dir() -> Traversable:
    return resources.files(PRESET_PACKAGE) / PRESET_DIR


def list_presets() -> list[str]:
    """Names (file stems) of the shipped presets, sorted."""
    return sorted(p.name[: -len(PRESET_SUFFIX)] for p in _preset_dir().iterdir()
                  if p.name.endswith(PRESET_SUFFIX))


@cache
def _read(name: str) -> dict[str, Any]:
    names = list_presets()
    if name not in names:
        raise ValueError(f"unknown preset {name!r}; valid presets: {', '.join(names)}")
    data = yaml.safe_load((_preset_dir() / f"{name}{PRESET_SUFFIX}").read_text("utf-8"))
    _validate(name, data)
    return data


def _validate(name: str, data: Any) -> None:
    if not isinstance(data, dict):
        raise ValueError(f"preset {name!r} must be a YAML mapping")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ValueError(f"preset {name!r} lacks {', '.join(missing)}")
    if data["generator"] not in GENERATORS:
        raise ValueError(f"preset {name!r}: unknown generator {data['generator']!r}; valid: "
                         f"{', '.join(GENERATORS)}")
    cfg = GENERATORS[data["generator"]].config.from_dict(data["config"])
    sweep = data["sweep"]
    if not isinstance(sweep, dict) or not {"param", "values"} <= set(sweep):
        raise ValueError(f"preset {name!r}: sweep must be {{param, values}}, got {sweep!r}")
    if sweep["param"] not in cfg.to_dict():
        raise ValueError(f"preset {name!r}: sweep param {sweep['param']!r} is not a field of "
                         f"{type(cfg).__name__}")
    values = sweep["values"]
    if (not isinstance(values, list) or not values
            or not all(isinstance(v, Real) and not isinstance(v, bool) for v in values)):
        raise ValueError(f"preset {name!r}: sweep values must be a non-empty list of numbers")


def load_preset(name: str) -> dict[str, Any]:
    """The preset ``name`` as a dict (a fresh copy; edit freely). Unknown name -> ValueError."""
    return copy.deepcopy(_read(name))


def preset_config(name: str, **overrides: Any) -> ChannelConfig:
    """The preset's config dataclass with ``overrides`` applied (unknown keys -> ValueError)."""
    preset = _read(name)
    cls = GENERATORS[preset["generator"]].config
    valid = set(cls.__dataclass_fields__)
    unknown = sorted(set(overrides) - valid)
    if unknown:
        raise ValueError(f"unknown override(s) {', '.join(unknown)} for preset {name!r} "
                         f"({cls.__name__}); valid: {', '.join(sorted(valid))}")
    return cls.from_dict({**preset["config"], **overrides})


def sample_preset(name: str, batch: int, seed: int = 0, *, dtype: torch.dtype = DEFAULT_DTYPE,
                  **overrides: Any) -> ChannelBatch:
    """Draw ``batch`` channels of preset ``name`` (config fields overridable by keyword).

    Same (name, batch, seed, overrides) -> identical channels. The sweep parameters only set
    power/noise, so a sweep drawn with one seed evaluates every point on the same fading.
    ``meta['preset']`` records the name.
    """
    cfg = preset_config(name, **overrides)
    out = GENERATORS[_read(name)["generator"]].fn(batch, seed, dtype, cfg)
    out.meta["preset"] = name
    return out
