"""cocotb module: the RTL loader on a sample of the program-fuzz corpus (tests/fuzz_programs.py,
driven by tests/test_program_fuzz.py). Bus models are cocotbext-axi's own (AxiRam on
``m_axi_gmem``, AxiLiteMaster on ``s_axi_control``), not this repo's.

For every line "PATH PROGRAM_SIZE" of $SM_FUZZ_LIST: the program buffer (PROGRAM_SIZE bytes
at PROG_BASE) gets the image cut or zero-padded to it, the input/output buffers hold one
table each (their sizes in INPUT_SIZE / OUTPUT_SIZE), NUM_VECTORS = 1, MODE.LOAD_PROGRAM = 1,
AP_START; STATUS is recorded. A run without done within its cycle budget is a hang (the core
is then reset and the next image goes on). Results go to $SM_FUZZ_RESULT as JSON:
{"codes": {stem: status}, "hangs": [stem, ...], "cycles": total}.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge
from cocotb.types import LogicArray
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam

from spacemimo.board.regmap import load as load_regmap

REGS = load_regmap().offsets()
PROG_BASE = 0x1000
IN_BASE = 0x40000
OUT_BASE = 0x80000
MEM_BYTES = 0x100000
MAX_TABLE = 32 * 256  # elements of the largest table the SMALL builds accept


class _Tied:
    """An AXI ID signal the DUT does not have (IDs 0 only, like Vitis' m_axi): cocotbext-axi
    requires ``*id``; this one reads 0 and ignores writes."""

    def __len__(self) -> int:
        return 1

    @property
    def value(self) -> LogicArray:
        return LogicArray("0")

    @value.setter
    def value(self, _: Any) -> None:
        pass

    def setimmediatevalue(self, _: Any) -> None:
        pass


def _axi_bus(dut: Any) -> AxiBus:
    bus = AxiBus.from_prefix(dut, "m_axi_gmem")
    for ch, sig in ((bus.write.aw, "awid"), (bus.write.b, "bid"), (bus.read.ar, "arid"),
                    (bus.read.r, "rid")):
        if getattr(ch, sig, None) is None:
            tied = _Tied()
            setattr(ch, sig, tied)
            ch._signals[sig] = tied
    return bus


def _u32(b: bytes, word: int) -> int:
    return int.from_bytes(b[4 * word:4 * word + 4], "little") if len(b) >= 4 * word + 4 else 0


async def _reset(dut: Any) -> None:
    dut.ap_rst_n.value = 0
    await ClockCycles(dut.ap_clk, 5)
    dut.ap_rst_n.value = 1
    await ClockCycles(dut.ap_clk, 2)


@cocotb.test()
async def load_corpus(dut: Any) -> None:
    """Every listed image through MODE.LOAD_PROGRAM = 1; STATUS per image to the JSON."""
    cocotb.start_soon(Clock(dut.ap_clk, 10, unit="ns").start())
    dut.ap_rst_n.value = 0
    ram = AxiRam(_axi_bus(dut), dut.ap_clk, dut.ap_rst_n, reset_active_level=False,
                 size=MEM_BYTES)
    lite = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.ap_clk,
                         dut.ap_rst_n, reset_active_level=False)
    await _reset(dut)
    codes: dict[str, int] = {}
    hangs: list[str] = []
    cycles = 0
    prev = 0
    lines = Path(os.environ["SM_FUZZ_LIST"]).read_text().split("\n")
    for line in filter(None, lines):
        path, size_s = line.rsplit(" ", 1)
        size = int(size_s)
        img = Path(path).read_bytes()
        buf = (img[:size] + bytes(max(size - len(img), 0)))[:MEM_BYTES - PROG_BASE]
        ram.write(PROG_BASE, bytes(max(prev, len(buf))))  # the last image's bytes cleared
        ram.write(PROG_BASE, buf)
        prev = len(buf)
        n_in = min(_u32(img, 7) * _u32(img, 8), MAX_TABLE)
        n_out = min(_u32(img, 11) * _u32(img, 12), MAX_TABLE)
        regs = {"PROGRAM_ADDR_LO": PROG_BASE, "PROGRAM_ADDR_HI": 0, "PROGRAM_SIZE": size,
                "INPUT_ADDR_LO": IN_BASE, "INPUT_ADDR_HI": 0, "INPUT_SIZE": 2 * n_in,
                "OUTPUT_ADDR_LO": OUT_BASE, "OUTPUT_ADDR_HI": 0, "OUTPUT_SIZE": 2 * n_out,
                "NUM_VECTORS": 1, "MODE": 1, "GIE": 1, "IER": 1}
        for name, val in regs.items():
            await lite.write_dword(REGS[name], val & 0xFFFFFFFF)
        await lite.write_dword(REGS["CTRL"], 1)
        budget = 50_000 + 8 * (len(buf) // 4) + 100_000
        waited = 0
        while not int(dut.interrupt.value) and waited < budget:
            await RisingEdge(dut.ap_clk)
            waited += 1
        cycles += waited
        stem = Path(path).stem
        if waited >= budget:
            hangs.append(stem)
            dut._log.error("%s: no done within %d cycles (hang); resetting", stem, budget)
            await _reset(dut)
            continue
        await lite.write_dword(REGS["ISR"], 3)
        codes[stem] = await lite.read_dword(REGS["STATUS"])
    Path(os.environ["SM_FUZZ_RESULT"]).write_text(json.dumps(
        {"codes": codes, "hangs": hangs, "cycles": cycles}))
    dut._log.info("%d images loaded, %d hangs, %d cycles", len(codes), len(hangs), cycles)
