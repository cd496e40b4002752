"""Vitis HLS synthesis report (csynth.xml) as Markdown: resources beside the GSM paper, and
every pipelined loop of the code beside the model and csynth.

    python hls/scripts/parse_hls_report.py BUILD/vitis [--src hls/src] [--vectors DIR]
                                                       [--cflags "-DSM_..."]

The loop table has three sources: the code (each labelled loop's declared II and
LOOP_TRIPCOUNT, read from hls/src), the model (spacemimo.hw.perfmodel.loop_table: entries,
steps at II = 1, cycles = steps x II + entries x depth for the program of --vectors on the
build of --cflags) and csynth.xml (the II, depth and trip count Vitis scheduled). A loop whose
achieved II differs from the code's, or that csynth does not report, is flagged. Without a
report (Vitis not run) the code and model columns print and the csynth columns say why not.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

PAPER = {"BRAM_18K": 1472, "DSP": 128, "FF": 100_844, "LUT": 246_646, "URAM": 0}
RESOURCES = ("BRAM_18K", "DSP", "FF", "LUT", "URAM")
_LABEL = re.compile(r"^\s*([A-Z][A-Z0-9_]*):\s*(//.*)?$")
_II = re.compile(r"#pragma HLS PIPELINE II = (\d+)")
_TRIP = re.compile(r"#pragma HLS LOOP_TRIPCOUNT min = (\d+) max = (\d+)")


def find_report(root: Path) -> Path:
    """The top function's csynth.xml under a Vitis project directory."""
    hits = sorted(root.rglob("syn/report/csynth.xml"))
    if not hits:
        raise FileNotFoundError(f"no syn/report/csynth.xml under {root} (did synthesis run?)")
    return hits[0]


def _text(node: ET.Element | None, path: str, default: str = "-") -> str:
    found = node.find(path) if node is not None else None
    return found.text.strip() if found is not None and found.text else default


def summarise(xml_path: Path) -> str:
    """Markdown: part, clock, latency, resources with utilisation and the paper's figures."""
    root = ET.parse(xml_path).getroot()
    info = root.find("UserAssignments")
    perf = root.find("PerformanceEstimates")
    area = root.find("AreaEstimates")
    lines = [
        f"# Vitis HLS synthesis: {_text(info, 'TopModelName')}",
        "",
        f"- part {_text(info, 'Part')}, target clock {_text(info, 'TargetClockPeriod')} "
        f"{_text(info, 'unit', 'ns')}, estimated "
        f"{_text(perf, 'SummaryOfTimingAnalysis/EstimatedClockPeriod')}",
        f"- latency (cycles): best {_text(perf, 'SummaryOfOverallLatency/Best-caseLatency')}, "
        f"worst {_text(perf, 'SummaryOfOverallLatency/Worst-caseLatency')} (data-dependent "
        f"loops make these bounds; CYCLES / co-simulation give the per-program count)",
        "",
        "| resource | used | available | % | GSM paper |",
        "|---|---:|---:|---:|---:|",
    ]
    for res in RESOURCES:
        used = _text(area, f"Resources/{res}", "0")
        avail = _text(area, f"AvailableResources/{res}", "0")
        try:
            pct = f"{100 * int(used) / int(avail):.1f}" if int(avail) else "-"
        except ValueError:
            pct = "-"
        lines.append(f"| {res} | {used} | {avail} | {pct} | {PAPER[res]:,} |")
    return "\n".join(lines)


def code_loops(src: Path) -> dict[str, dict[str, object]]:
    """Every labelled loop of the kernel sources: label -> file, declared II (None: not
    pipelined), LOOP_TRIPCOUNT max (None: constant bound or none given), unrolled."""
    loops: dict[str, dict[str, object]] = {}
    for f in sorted([*src.glob("*.h"), *src.glob("*.cpp")]):
        lines = f.read_text().splitlines()
        for i, line in enumerate(lines):
            m = _LABEL.match(line)
            if not m or i + 1 >= len(lines) or "for (" not in lines[i + 1]:
                continue
            body = "\n".join(lines[i + 2:i + 5])
            ii = _II.search(body)
            trip = _TRIP.search(body)
            loops[m.group(1)] = {"file": f.name, "ii": int(ii.group(1)) if ii else None,
                                 "trip_max": int(trip.group(2)) if trip else None,
                                 "unroll": "HLS UNROLL" in body}
    return loops


def csynth_loops(root: Path) -> dict[str, dict[str, str]]:
    """Loops of every csynth.xml under a Vitis project (the top's and each module's): name ->
    PipelineII, PipelineDepth (or IterationLatency), TripCount, Latency. An element counts as a
    loop when it has a PipelineII or TripCount child (the csynth.xml loop summaries)."""
    found: dict[str, dict[str, str]] = {}

    def walk(node: ET.Element) -> None:
        for child in node:
            if child.find("PipelineII") is not None or child.find("TripCount") is not None:
                name = _text(child, "Name", child.tag)
                found[name] = {"ii": _text(child, "PipelineII"),
                               "depth": _text(child, "PipelineDepth",
                                              _text(child, "IterationLatency")),
                               "trip": _text(child, "TripCount"),
                               "latency": _text(child, "Latency")}
            walk(child)

    for xml in sorted(root.rglob("syn/report/*csynth.xml")):
        summary = ET.parse(xml).getroot().find("PerformanceEstimates/SummaryOfLoopLatency")
        if summary is not None:
            walk(summary)
    return found


def _match(label: str, synth: dict[str, dict[str, str]]) -> dict[str, str] | None:
    """csynth names a loop by its label, sometimes with a prefix or suffix."""
    if label in synth:
        return synth[label]
    hits = [v for k, v in synth.items() if label in k]
    return hits[0] if len(hits) == 1 else None


def loop_table(src: Path, model: list[dict[str, object]] | None,
               synth: dict[str, dict[str, str]] | None, why_no_synth: str = "") -> str:
    """Markdown: each pipelined loop of the code, the model's use of it, csynth's schedule."""
    code = code_loops(src)
    used = {str(r["loop"]): r for r in model or []}
    lines = ["| loop | file | II (code) | trip max (code) | entries (model) | steps (model) | "
             "cycles = steps x II + entries x depth (model) | II (csynth) | depth (csynth) | "
             "trip (csynth) | check |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for label, c in code.items():
        if c["ii"] is None:
            continue
        m = used.get(label)
        s = _match(label, synth) if synth is not None else None
        check = "-"
        if synth is None:
            check = why_no_synth or "no csynth report"
        elif s is None:
            check = "not in csynth.xml (inlined or merged?)"
        elif s["ii"] not in ("-", str(c["ii"])):
            check = f"II {s['ii']} != {c['ii']}"
        else:
            check = "ok"
        lines.append(
            f"| {label} | {c['file']} | {c['ii']} | {c['trip_max'] or '-'} | "
            f"{m['entries'] if m else '-'} | {m['steps'] if m else '-'} | "
            f"{m['cycles'] if m else '-'} | {s['ii'] if s else '-'} | "
            f"{s['depth'] if s else '-'} | {s['trip'] if s else '-'} | {check} |")
    missing = sorted(set(used) - {k for k, c in code.items() if c["ii"] is not None})
    if missing:
        lines.append(f"\nmodel loops with no pipelined loop of that label in the code: {missing}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the resource summary (when a report exists) and the loop table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", type=Path, help="Vitis project dir (or a csynth.xml)")
    ap.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src")
    ap.add_argument("--vectors", type=Path, default=None,
                    help="golden-vector dir whose program the model's loop counts are for")
    ap.add_argument("--cflags", default="", help="the build's -D flags (the model's config)")
    args = ap.parse_args(argv[1:])
    model = None
    if args.vectors is not None and (args.vectors / "program.bin").is_file():
        from spacemimo.hw.perfmodel import ArrayConfig
        from spacemimo.hw.perfmodel import loop_table as model_loops

        model = model_loops(args.vectors / "program.bin", ArrayConfig.from_cflags(args.cflags))
    target = args.project
    synth, why = None, ""
    try:
        xml_path = target if target.suffix == ".xml" else find_report(target)
        print(summarise(xml_path))
        print()
        synth = csynth_loops(xml_path.parents[2] if target.suffix == ".xml" else target)
    except FileNotFoundError as err:
        why = "Vitis not run"
        print(f"{err}: resources and the csynth columns need `make -C hls vitis` with Vitis "
              f"HLS (vitis_hls or vitis-run) installed")
        print()
    print("## Pipelined loops: the code, the model (one inference), csynth")
    print()
    print(loop_table(args.src, model, synth, why))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
