"""Result tables and plots under ``results/``: one machine-readable copy per table.

``write_table`` writes ``stem.json`` (the rows with their provenance: the copy programs read,
through ``read_table``) and ``stem.md`` (the human view that READMEs embed or link). There is
no CSV: a second machine-readable copy would only drift from the first.
"""

from __future__ import annotations

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


def _json_value(value: Any) -> Any:
    """numpy/torch scalars and arrays as Python numbers and lists, anything else unknown
    (paths, enums) as text."""
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) else str(value)


def write_table(out_dir: Path, stem: str, rows: Sequence[dict[str, Any]], *,
                config: dict[str, Any], seed: int | None, title: str = "",
                columns: Sequence[str] | None = None) -> dict[str, Path]:
    """Write ``stem.json`` (rows + provenance) and ``stem.md`` into ``out_dir``.

    Returns ``{"json": ..., "md": ...}``. ``columns`` picks and orders the Markdown columns;
    the JSON keeps every key of every row."""
    if not rows:
        raise ValueError(f"write_table({stem!r}) needs at least one row")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = list(columns or rows[0].keys())
    paths = {"json": out_dir / f"{stem}.json", "md": out_dir / f"{stem}.md"}
    meta = run_metadata(config, seed)
    md = [f"# {title or stem}", "", markdown_table(rows, columns), "",
          f"_git {meta['git_revision']}, seed {seed}, {meta['created_utc']}; "
          f"full provenance in `{paths['json'].name}`._", ""]
    paths["json"].write_text(json.dumps({"meta": meta, "rows": list(rows)}, indent=2,
                                        default=_json_value) + "\n")
    paths["md"].write_text("\n".join(md))
    return paths


def read_table(path: Path) -> list[dict[str, Any]]:
    """The rows of a table written by ``write_table`` (its ``.json``; a ``.md`` or bare stem
    path is read through its ``.json`` sibling), values with their JSON types."""
    path = Path(path)
    if path.suffix != ".json":
        path = path.with_suffix(".json")
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValueError(f"{path} is not a result table (no 'rows' list)")
    return data["rows"]


def read_meta(path: Path) -> dict[str, Any]:
    """The provenance record (``meta``) of a table written by ``write_table``."""
    path = Path(path)
    data = json.loads(path.with_suffix(".json").read_text())
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        raise ValueError(f"{path} has no provenance record ('meta')")
    return data["meta"]


def new_figure() -> tuple[Any, Any]:
    """A (figure, axes) pair in the results' PNG size, on the non-interactive backend (the
    writers run on headless CI machines)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(6.4, 4.4), dpi=120)


def save_figure(fig: Any, path: Path) -> Path:
    """Lay out, write ``path`` (creating its folder) and free the figure."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_lines(path: Path, x_label: str, y_label: str, series: dict[str, tuple[list, list]],
               title: str = "") -> Path:
    """One PNG line plot, a line per series name -> (xs, ys)."""
    fig, ax = new_figure()
    markers = "osd^v<>px*h"
    for i, (name, (xs, ys)) in enumerate(series.items()):
        ax.plot(xs, ys, marker=markers[i % len(markers)], label=name)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)
