"""The target boards of ``spacemimo/spec/boards.yaml``: their parts, memory systems and builds.

One table for everything that depends on the board: the per-part resource margins, the board
memory model of the cocotb bench, the rooflines beside the measured cycles and the Vivado
flow's part and processor-system choices. The numbers are the data sheets'; the memory
latencies are stated assumptions (``read_latency``), never measurements.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

BOARDS_FORMAT = "spacemimo boards v1"


@dataclass(frozen=True)
class Part:
    """An FPGA's capacity (AMD data sheets) and the yosys family that maps it."""

    name: str
    device: str
    family: str
    lut: int
    ff: int
    dsp: int
    bram36: int
    uram: int

    def capacity(self) -> dict[str, int]:
        """Resource name -> count, the names synthesis reports use."""
        return {"LUT": self.lut, "FF": self.ff, "DSP": self.dsp, "BRAM36": self.bram36,
                "URAM": self.uram}


@dataclass(frozen=True)
class Board:
    """A board: its part, the RTL build it runs and its memory system as the PL sees it."""

    name: str
    title: str
    part: Part
    build: str
    ps: str
    ddr: str
    ddr_peak_gbps: float
    ddr_efficiency: float
    hp_ports: int
    hp_port_bits: int
    read_latency: int
    read_acceptance: int   # read bursts a port accepts before its AR stalls (assumed)
    cycle_target: int

    def ddr_bytes_per_cycle(self, clock_mhz: float, efficiency: bool = False) -> float:
        """DDR bytes per fabric cycle at ``clock_mhz`` (peak, or peak x controller efficiency)."""
        peak = self.ddr_peak_gbps * 1e9 / (clock_mhz * 1e6)
        return peak * (self.ddr_efficiency if efficiency else 1.0)

    def port_bytes_per_cycle(self, ports: int, port_bits: int) -> float:
        """What ``ports`` AXI masters of ``port_bits`` move per cycle at one beat per cycle."""
        return ports * port_bits / 8


class BoardSpecError(ValueError):
    """boards.yaml is malformed or names something that does not exist (one line)."""


def _load_yaml() -> dict[str, Any]:
    text = resources.files("spacemimo.spec").joinpath("boards.yaml").read_text()
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or data.get("format") != BOARDS_FORMAT:
        raise BoardSpecError(f"boards.yaml: expected format {BOARDS_FORMAT!r}")
    return data


@lru_cache(maxsize=1)
def margins() -> dict[str, float]:
    """Largest share of each resource a build may use (LUT 0.80, DSP/BRAM/URAM 0.90)."""
    return {k: float(v) for k, v in _load_yaml()["margins"].items()}


@lru_cache(maxsize=1)
def parts() -> dict[str, Part]:
    """Every part of boards.yaml by name."""
    return {name: Part(name=name, **fields) for name, fields in _load_yaml()["parts"].items()}


@lru_cache(maxsize=1)
def boards() -> dict[str, Board]:
    """Every board of boards.yaml by name, its part resolved."""
    table = parts()
    out = {}
    for name, fields in _load_yaml()["boards"].items():
        fields = dict(fields)
        part = fields.pop("part")
        if part not in table:
            raise BoardSpecError(f"boards.yaml: board {name} names unknown part {part!r}")
        out[name] = Board(name=name, part=table[part], **fields)
    return out


def board(name: str) -> Board:
    """One board by name; an unknown name is a one-line error listing the boards."""
    table = boards()
    if name not in table:
        raise BoardSpecError(f"unknown board {name!r}: one of {', '.join(sorted(table))}")
    return table[name]
