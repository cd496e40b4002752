"""The baseline table: every classical precoder of a scenario over its power/SNR sweep.

This is the float reference later GNNs are judged against, so each row states the metric,
the sweep value and the sample count, and the file carries its provenance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from spacemimo.ground.results import markdown_table, plot_lines, write_table
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.precoder_registry import Method, methods_for, score
from spacemimo.model.presets import load_preset, sample_preset
from spacemimo.model.scenarios import resolve_scenario


@dataclass
class BaselineTable:
    """Mean metric per (sweep value, method); ``rows`` is the wide table, one row per value."""

    preset: str
    param: str
    metric: str
    methods: list[str]
    rows: list[dict[str, Any]]
    samples: int
    seed: int
    config: dict[str, Any] = field(default_factory=dict)

    def markdown(self) -> str:
        title = (f"**{self.preset}**: mean {self.metric} over {self.samples} samples "
                 f"(seed {self.seed})\n\n")
        return title + markdown_table(self.rows, [self.param, *self.methods])


def select_methods(batch: ChannelBatch, names: list[str] | None, preset: dict[str, Any]
                   ) -> dict[str, Method]:
    """The scenario's methods, or the requested subset (ValueError names unknown ones)."""
    available = methods_for(batch, preset)
    if names is None:
        return available
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)} for this scenario; "
                         f"available: {', '.join(available)}")
    return {n: available[n] for n in names}


def evaluate_baselines(scenario: str, *, samples: int = 200, seed: int = 0,
                       sweep: list[float] | None = None, methods: list[str] | None = None,
                       progress: bool = True,
                       sampler: Callable[..., ChannelBatch] = sample_preset) -> BaselineTable:
    """Run every method of ``scenario`` at each sweep point on the same seeded channels."""
    if samples <= 0:
        raise ValueError(f"samples must be positive, got {samples}")
    name = resolve_scenario(scenario)
    preset = load_preset(name)
    spec = preset["sweep"]
    param, values = spec["param"], list(sweep if sweep is not None else spec["values"])
    if not values or not all(math.isfinite(v) for v in values):
        raise ValueError(f"sweep values must be finite numbers, got {values}")
    rows: list[dict[str, Any]] = []
    chosen: dict[str, Method] | None = None
    bar = tqdm(total=len(values), desc=f"baselines {name}", disable=not progress, unit="point")
    metric = ""
    for value in values:
        batch = sampler(name, samples, seed, **{param: value})
        if chosen is None:
            chosen = select_methods(batch, methods, preset)
        row: dict[str, Any] = {param: value}
        for label, method in chosen.items():
            bar.set_postfix_str(label)
            with torch.no_grad():
                metric, value_mean = score(batch, method, preset)
            row[label] = value_mean
        rows.append(row)
        bar.update()
    bar.close()
    assert chosen is not None
    return BaselineTable(preset=name, param=param, metric=metric, methods=list(chosen),
                         rows=rows, samples=samples, seed=seed,
                         config={"preset": name, "preset_spec": preset, "samples": samples,
                                 "sweep": {"param": param, "values": values},
                                 "methods": {k: m.description for k, m in chosen.items()}})


def write_baseline_results(table: BaselineTable, out_dir: Path) -> dict[str, Path]:
    """Markdown + JSON (rows + provenance) + PNG plot, all named after the preset."""
    stem = f"baselines_{table.preset}"
    paths = write_table(out_dir, stem, table.rows, config=table.config, seed=table.seed,
                        title=f"Baseline precoders, {table.preset} (mean {table.metric}, "
                              f"{table.samples} samples)",
                        columns=[table.param, *table.methods])
    xs = [r[table.param] for r in table.rows]
    series = {m: (xs, [r[m] for r in table.rows]) for m in table.methods}
    paths["png"] = plot_lines(Path(out_dir) / f"{stem}.png", table.param, table.metric, series,
                              title=table.preset)
    return paths
