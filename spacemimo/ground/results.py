"""Writers for result tables (CSV + Markdown + JSON provenance) and plots under ``results/``."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spacemimo.ground.provenance import run_metadata


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table of ``rows`` (dicts sharing keys)."""
    if not rows:
        raise ValueError("markdown_table needs at least one row")
    columns = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def write_table(out_dir: Path, stem: str, rows: Sequence[dict[str, Any]], *,
                config: dict[str, Any], seed: int | None, title: str = "",
                columns: Sequence[str] | None = None) -> dict[str, Path]:
    """Write ``stem.csv``, ``stem.md`` and ``stem.json`` (rows + provenance) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = list(columns or rows[0].keys())
    paths = {"csv": out_dir / f"{stem}.csv", "md": out_dir / f"{stem}.md",
             "json": out_dir / f"{stem}.json"}
    with paths["csv"].open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    meta = run_metadata(config, seed)
    md = [f"# {title or stem}", "", markdown_table(rows, columns), "",
          f"_git {meta['git_revision']}, seed {seed}, {meta['created_utc']}; "
          f"full provenance in `{paths['json'].name}`._", ""]
    paths["md"].write_text("\n".join(md))
    paths["json"].write_text(json.dumps({"meta": meta, "rows": list(rows)}, indent=2,
                                        default=str))
    return paths


def plot_lines(path: Path, x_label: str, y_label: str, series: dict[str, tuple[list, list]],
               title: str = "") -> Path:
    """One PNG line plot, a line per series name -> (xs, ys)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    markers = "osd^v<>px*h"
    for i, (name, (xs, ys)) in enumerate(series.items()):
        ax.plot(xs, ys, marker=markers[i % len(markers)], label=name)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
