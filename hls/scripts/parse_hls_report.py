"""Summarise a Vitis HLS synthesis report (csynth.xml) as Markdown, beside the GSM paper.

    python hls/scripts/parse_hls_report.py hls/build/vitis > hls/build/hls_report.md
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

PAPER = {"BRAM_18K": 1472, "DSP": 128, "FF": 100_844, "LUT": 246_646, "URAM": 0}
RESOURCES = ("BRAM_18K", "DSP", "FF", "LUT", "URAM")


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
        f"loops make these bounds; the cycle model / co-simulation give the per-program count)",
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


def main(argv: list[str]) -> int:
    """Print the summary of the report under argv[1] (a project dir or a csynth.xml)."""
    if len(argv) < 2:
        print(__doc__)
        return 2
    target = Path(argv[1])
    xml_path = target if target.suffix == ".xml" else find_report(target)
    print(summarise(xml_path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
