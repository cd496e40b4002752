"""What SEU protection costs, per protection mode: yosys resources (the ``synth`` flow, xc7,
the same script as every other resource figure) of the unprotected small build and each
protected one, the cycles of the campaign's clean run, and each as a ratio to the
unprotected build beside the issue's goals (``spacemimo bench seu`` → ``overhead.{md,json}``).

A row may also be a build with RTL parameters overridden (``NAME:SEU_A=0,SCRUB=0``): one
protection at a time, to see where the overhead goes (resources only; the campaign runs
builds of builds.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# the goals: LUT and BRAM for SECDED on 64-bit words, cycles for scrubbing + ECC latency
GOALS = {"LUT": 15.0, "BRAM": 13.0, "cycles": 2.0}
PART = "xc7vx690t"   # the small builds' figures in rtl/README.md: xc7 family, block RAM banks
PARAMS = ("SEU_W", "SEU_A", "SEU_C", "SCRUB")


class OverheadError(ValueError):
    """A bad row spec (unknown build or parameter): one line for the CLI."""


@dataclass(frozen=True)
class Variant:
    """A build of builds.yaml, optionally with some RTL parameters overridden."""

    build: str
    overrides: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.build + "".join(f" {k}={v}" for k, v in self.overrides.items())

    @property
    def tag(self) -> str:
        return self.build + "".join(f"_{k}{v}" for k, v in self.overrides.items())


def parse_variant(spec: str) -> Variant:
    """``NAME`` or ``NAME:K=V[+K=V...]`` (K one of SEU_W, SEU_A, SEU_C, SCRUB)."""
    m = re.fullmatch(r"([\w.-]+)(?::(.*))?", spec.strip())
    if m is None:
        raise OverheadError(f"overhead row {spec!r}: write NAME or NAME:K=V+K=V")
    over: dict[str, int] = {}
    for kv in filter(None, (m.group(2) or "").split("+")):
        k, _, v = kv.partition("=")
        if k not in PARAMS or not v.isdigit():
            raise OverheadError(f"overhead row {spec!r}: {kv!r} is not K=V with K one of "
                                f"{', '.join(PARAMS)}")
        over[k] = int(v)
    return Variant(m.group(1), over)


def mode(params: dict[str, int]) -> str:
    """The protection mode in words, from the RTL parameters."""
    w = {0: "-", 2: "SECDED"}.get(params.get("SEU_W", 0), "?")
    a = {0: "-", 1: "parity", 2: "SECDED"}.get(params.get("SEU_A", 0), "?")
    c = "parity+TMR" if params.get("SEU_C", 0) else "-"
    s = "on" if params.get("SCRUB", 0) and params.get("SEU_W", 0) == 2 else "-"
    return f"weights {w}, acts {a}, ctrl {c}, scrub {s}"


def bram36(res: dict[str, Any]) -> float:
    """Block RAM in RAMB36 equivalents (a RAMB18 is half)."""
    return res.get("BRAM36", 0) + res.get("BRAM18", 0) / 2


def pct(x: float, base: float) -> float | None:
    return round(100.0 * (x - base) / base, 1) if base else None


def verdict(value: float | None, goal: float) -> str:
    if value is None:
        return "-"
    return "met" if value <= goal + 1e-9 else "missed"


def overhead_rows(base: str, res: dict[str, dict[str, Any]], cycles: dict[str, int],
                  modes: dict[str, str]) -> list[dict[str, Any]]:
    """One row per label of ``res`` (resources of a yosys run), ``base`` the unprotected
    one: counts, % over ``base``, and the goal verdicts (LUT excludes LUT-RAM, as every LUT
    figure of rtl/README; cycles '-' where the campaign did not run that row)."""
    if base not in res:
        raise OverheadError(f"the unprotected build {base!r} has no resources")
    b = res[base]
    rows = []
    for label, r in res.items():
        cyc = cycles.get(label)
        d = {"LUT": pct(r["LUT"], b["LUT"]), "BRAM": pct(bram36(r), bram36(b)),
             "cycles": pct(cyc, cycles[base]) if cyc is not None and base in cycles else None}
        rows.append({
            "build": label, "mode": modes[label],
            "LUT": r["LUT"], "LUT %": d["LUT"],
            "LUT_total": r["LUT_total"], "LUT_total %": pct(r["LUT_total"], b["LUT_total"]),
            "FF": r["FF"], "FF %": pct(r["FF"], b["FF"]),
            "BRAM36": bram36(r), "BRAM %": d["BRAM"],
            "DSP": r["DSP"], "cycles": cyc if cyc is not None else "-",
            "cycles %": d["cycles"] if d["cycles"] is not None else "-",
            **({} if label == base else
               {f"{k} goal <= {g:g} %": verdict(d[k], g) for k, g in GOALS.items()}),
            "yosys s": r.get("seconds", "-")})
    return rows


def synth_variants(variants: list[Variant], workdir: Path, timeout: int,
                   progress: bool = True) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """One flattened yosys run per variant (one at a time, nice'd; a finished run of the same
    RTL text is reused): {label: resources}, {label: mode}."""
    from spacemimo.hw.synth import SynthError, synth_resources, target

    res, modes = {}, {}
    for v in variants:
        try:
            params = {**target(v.build, PART).params, **v.overrides}
        except SynthError as err:
            raise OverheadError(str(err)) from err
        if progress:
            print(f"[synth] {v.label} on {PART}: yosys (synth_{v.tag})", flush=True)
        res[v.label] = synth_resources(params, workdir / f"synth_{v.tag}", timeout)
        modes[v.label] = mode(params)
    return res, modes
