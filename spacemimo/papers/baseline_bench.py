"""Time per sample of each classical precoder on this CPU (the anchor for GNN speed-ups)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from spacemimo.ground.results import write_table
from spacemimo.model.precoder_registry import methods_for, score
from spacemimo.model.presets import load_preset, sample_preset
from spacemimo.model.scenarios import resolve_scenario


def bench_baselines(scenario: str, *, batch: int = 256, repeats: int = 3, seed: int = 0,
                    progress: bool = True) -> list[dict[str, Any]]:
    """Best-of-``repeats`` wall time per sample for every method, batched, in one run.

    Threads are whatever torch uses on this machine (recorded in the rows) so the numbers
    compare like with like when GNN inference is timed the same way later.
    """
    name = resolve_scenario(scenario)
    preset = load_preset(name)
    data = sample_preset(name, batch, seed)
    methods = methods_for(data, preset)
    rows = []
    for key, method in tqdm(methods.items(), desc=f"bench {name}", disable=not progress):
        best = float("inf")
        with torch.no_grad():
            method.fn(data)  # warm-up: first call pays lazy init / allocator costs
            for _ in range(repeats):
                t0 = time.perf_counter()
                method.fn(data)
                best = min(best, time.perf_counter() - t0)
            metric, value = score(data, method, preset)
        rows.append({"method": key, "label": method.label,
                     "us_per_sample": best / batch * 1e6, "samples_per_s": batch / best,
                     "metric": metric, "mean_value": value, "batch": batch,
                     "torch_threads": torch.get_num_threads()})
    fastest = min(r["us_per_sample"] for r in rows)
    for r in rows:
        r["time_x_fastest"] = r["us_per_sample"] / fastest
    return rows


def write_bench_results(rows: list[dict[str, Any]], scenario: str, out_dir: Path, *,
                        batch: int, seed: int) -> dict[str, Path]:
    name = resolve_scenario(scenario)
    return write_table(out_dir, f"bench_baselines_{name}", rows,
                       config={"preset": name, "batch": batch}, seed=seed,
                       title=f"Baseline precoders: time per sample, {name}, batch {batch}",
                       columns=["method", "us_per_sample", "samples_per_s",
                                "time_x_fastest", "mean_value", "metric", "batch",
                                "torch_threads"])
