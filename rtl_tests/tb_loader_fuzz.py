"""cocotb module: the RTL loader on a sample of the program-fuzz corpus (tests/fuzz_programs.py,
driven by tests/test_program_fuzz.py), on the simulated board of sim_board.py (cocotbext-axi's
AxiRam on ``m_axi_gmem``, AxiLiteMaster on ``s_axi_control``). One host protocol: every start
goes through the board driver's lower layer, ``AccelDriver.start_registers``, with the values
each case needs (its PROGRAM_SIZE may be hostile: the hardware's checks are under test).

For every line "PATH PROGRAM_SIZE" of $SM_FUZZ_LIST: the program buffer gets the image cut
or zero-padded to PROGRAM_SIZE, the input/output buffers hold one
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
import numpy as np
from cocotb.task import bridge
from sim_board import SimBoard

from spacemimo.board.driver import AccelDriver, StartRegisters
from spacemimo.spec.builds import build
from spacemimo.spec.regmap import load as load_regmap

MEM_BYTES = 0x400000
_SMALL = build("rtl-small-8")  # the build the sample runs on (cosim SMALL[8])
MAX_TABLE = _SMALL.max_rows * _SMALL.max_cols  # elements of the largest table it accepts


def _u32(b: bytes, word: int) -> int:
    return int.from_bytes(b[4 * word:4 * word + 4], "little") if len(b) >= 4 * word + 4 else 0


@cocotb.test()
async def load_corpus(dut: Any) -> None:
    """Every listed image through MODE.LOAD_PROGRAM = 1; STATUS per image to the JSON."""
    board = SimBoard(dut, stall=0.0, mem_bytes=MEM_BYTES)
    await board.start()
    driver = AccelDriver(board, regmap=load_regmap())
    items = []
    for line in filter(None, Path(os.environ["SM_FUZZ_LIST"]).read_text().split("\n")):
        path, size_s = line.rsplit(" ", 1)
        items.append((Path(path), int(size_s)))
    # one buffer each, sized for the largest case and reused (a driver's buffers are too)
    prog_bytes = max(max(size, p.stat().st_size) for p, size in items)
    prog = board.allocate(prog_bytes)
    inp = board.allocate(2 * MAX_TABLE)
    out = board.allocate(2 * MAX_TABLE)
    codes: dict[str, int] = {}
    hangs: list[str] = []

    def load_all() -> int:
        cycles = 0
        for path, size in items:
            img = path.read_bytes()
            prog[:] = 0
            head = img[:size]
            prog[:len(head)] = np.frombuffer(head, dtype=np.uint8)
            prog.flush()
            n_in = min(_u32(img, 7) * _u32(img, 8), MAX_TABLE)
            n_out = min(_u32(img, 11) * _u32(img, 12), MAX_TABLE)
            regs = StartRegisters(int(prog.physical_address), size, int(inp.physical_address),
                                  2 * n_in, int(out.physical_address), 2 * n_out,
                                  num_vectors=1, load_program=True)
            budget_s = (50_000 + 8 * (len(head) // 4) + 100_000) * 10e-9  # cycles at 100 MHz
            t_start = driver.start_registers(regs)
            done = driver.wait_done(budget_s)
            cycles += round((board.now() - t_start) / 10e-9)
            if not done:
                hangs.append(path.stem)
                dut._log.error("%s: no done within %.0f us (hang); resetting", path.stem,
                               budget_s * 1e6)
                board.reset()
                continue
            codes[path.stem] = driver.read_reg("STATUS")
        return cycles

    cycles = await bridge(load_all)()
    assert not board.stray, f"accesses outside the registered buffers: {board.stray[:5]}"
    Path(os.environ["SM_FUZZ_RESULT"]).write_text(json.dumps(
        {"codes": codes, "hangs": hangs, "cycles": cycles}))
    dut._log.info("%d images loaded, %d hangs, %d cycles", len(codes), len(hangs), cycles)
