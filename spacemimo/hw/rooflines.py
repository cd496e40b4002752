"""Modelled bounds for a program on a board: what the part's DSPs, the array and the DDR allow.

Every figure here is **modelled** (arithmetic on the program's sizes, the build's shape and
the board's data-sheet numbers, spacemimo/spec/boards.yaml); the measured cycles come from the
Verilator runs of ``spacemimo bench hw``. The hybrid split follows the RTL's loader
(``quant.program.streamed_ops``): DENSE ops stay resident in program order while their bank
words fit ``wmem_depth``; the first that does not fit and every later DENSE op is streamed
(``wgt_fit: first``: only the ops that do not fit the depth left are streamed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from spacemimo.quant.program import OPCODES, row_words, streamed_ops
from spacemimo.spec.boards import Board
from spacemimo.spec.builds import BuildConfig

DENSE = OPCODES["DENSE"]


def dense_macs(program: Any) -> int:
    """Multiply-accumulates of the program's DENSE ops (rows x in x out each)."""
    return sum(op.rows * op.in_cols * op.out_cols for op in program.ops if op.opcode == DENSE)


def weight_bytes(program: Any, ops: list[int] | None = None) -> int:
    """Bytes of packed weights of ``ops`` (default: every DENSE op), as they lie in memory."""
    idx = ops if ops is not None else [i for i, op in enumerate(program.ops)
                                       if op.opcode == DENSE]
    return sum(4 * program.ops[i].out_cols * row_words(program.ops[i].in_cols, program.bits)
               for i in idx)


@dataclass(frozen=True)
class Bounds:
    """Cycles per inference below which the design cannot go (modelled), and why."""

    macs: int
    streamed_bytes: int
    array: int          # MACs / (P x C x Q): this build's array at full use
    dsp: int            # MACs / (the part's DSPs x products per DSP): the part's compute roof
    ddr: int            # streamed bytes / DDR peak bytes per cycle (0: nothing streamed)
    ddr_all: int        # every weight byte / DDR peak bytes per cycle: the DDR bound
    #                     (what an all-streamed build cannot beat), whatever this build keeps
    ports: int          # streamed bytes / (weight ports x port bytes per cycle)

    @property
    def bound(self) -> int:
        return max(self.array, self.dsp, self.ddr, self.ports)


def bounds(program: Any, build: BuildConfig, board: Board) -> Bounds:
    """The modelled bounds of ``program`` on ``build`` at ``board``: array, DSP roof (two 8-bit
    products per DSP), DDR peak and the weight ports' beat rate over the streamed weights."""
    macs = dense_macs(program)
    q = 32 // program.bits
    per_dsp = 2 if program.bits == 8 else 1
    wmem = build.wmem_depth or 0
    ports = getattr(build, "wgt_ports", 0) or 0
    streamed = (streamed_ops(program, build.out_lanes, wmem,
                             first_fit=build.wgt_fit == "first") if ports else [])
    sbytes = weight_bytes(program, streamed)
    port_bits = getattr(build, "wgt_bits", None) or build.bus_bits
    clock = build.clock_mhz
    return Bounds(
        macs=macs, streamed_bytes=sbytes,
        array=math.ceil(macs / (build.out_lanes * build.node_rows * q)),
        dsp=math.ceil(macs / (board.part.dsp * per_dsp)),
        ddr=math.ceil(sbytes / board.ddr_bytes_per_cycle(clock)) if sbytes else 0,
        ddr_all=math.ceil(weight_bytes(program) / board.ddr_bytes_per_cycle(clock)),
        ports=math.ceil(sbytes / board.port_bytes_per_cycle(ports, port_bits)) if sbytes else 0)
