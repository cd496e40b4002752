"""What the papers report, read from ``figures/<paper>_*.yaml`` (package data).

The numbers and statements each task prints beside ours live as data, one file per paper,
each entry naming the table or figure it comes from, so checking them against a paper means
reading one YAML file, not the code. An entry is either a table (``key`` column(s), ``value``
column(s), ``rows``: :func:`table`) or named values (:func:`fields`, :func:`text`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

FIGURES_DIR = Path(__file__).with_name("figures")


@functools.cache
def paper(number: str) -> dict[str, Any]:
    """The whole figures file of paper ``number`` ("000", "002", "003": seeds/README.md)."""
    found = sorted(FIGURES_DIR.glob(f"{number}_*.yaml"))
    if len(found) != 1:
        raise ValueError(f"no single figures file for paper {number!r} in {FIGURES_DIR} "
                         f"(found {[p.name for p in found]})")
    data = yaml.safe_load(found[0].read_text(encoding="utf-8"))
    if str(data.get("paper")) != number:
        raise ValueError(f"{found[0]} says paper {data.get('paper')!r}, not {number!r}")
    return data


def entry(number: str, name: str) -> dict[str, Any]:
    """One entry of paper ``number``'s figures (its ``from`` says which table/figure)."""
    data = paper(number)
    if name not in data:
        known = [k for k in data if k not in ("paper", "title")]
        raise ValueError(f"paper {number} figures have no entry {name!r}; known: "
                         + ", ".join(known))
    return data[name]


def fields(number: str, name: str) -> dict[str, Any]:
    """An entry of named values (e.g. Table III's samples and CPU time), less its ``from``."""
    return {k: v for k, v in entry(number, name).items() if k != "from"}


def text(number: str, name: str) -> str:
    """The paper's statement of entry ``name`` (its ``text`` field)."""
    return str(entry(number, name)["text"])


def table(number: str, name: str) -> dict[Any, Any]:
    """A table entry as a dict: key → value, each a tuple when the entry names several
    columns, a scalar when one (as the rows give them: 0 stays int, 0.9 float)."""
    item = entry(number, name)
    nkey = len(item["key"]) if isinstance(item["key"], list) else 1
    nval = len(item["value"]) if isinstance(item["value"], list) else 1
    out: dict[Any, Any] = {}
    for row in item["rows"]:
        if len(row) != nkey + nval:
            raise ValueError(f"paper {number} {name}: row {row} has {len(row)} cells, "
                             f"expected {nkey} key + {nval} value")
        key, value = tuple(row[:nkey]), tuple(row[nkey:])
        out[key if nkey > 1 else key[0]] = value if nval > 1 else value[0]
    return out
