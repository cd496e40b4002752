"""cocotb fault-injection campaign on ``spacemimo_accel``: single-event upsets deposited by VPI
into the core's memories and state registers at random cycles of a run, one simulator build
and one program load serving many trials.

The schedule and the classification live in ``spacemimo.hw.seu_campaign``; this file only
executes a schedule (JSON, SM_SEU_SCHEDULE) and records what each trial did (JSON,
SM_SEU_RESULT): STATUS, the SEU registers where the build has them, mismatching output words
and whether done came at all.

A trial: outputs poisoned, a run started (NUM_VECTORS from the schedule, the program already
loaded), the upset injected at a random cycle of the first vector's share of the run (so the
later vectors read what a persistent upset left) (read the word, flip one bit or two
adjacent bits, write it back — a VPI deposit), done awaited within a bound. Afterwards the
persistent targets (weights, biases, op table, header) get their original word back; a
hang resets the core; a trial that ended in anything but exact outputs with no flag reloads
the program (and clears the SEU registers), so every trial starts from the same state.

Environment (spacemimo.hw.seu_campaign.run_campaign sets it):
  SM_VECTORS       golden-vector directory (quant/vectors.py format)
  SM_SEU_SCHEDULE  the schedule (JSON: run settings, targets, trials)
  SM_SEU_RESULT    where to write the trial records (JSON)
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.task import bridge
from cocotb.triggers import FallingEdge, First, RisingEdge, Timer
from sim_board import PERIOD_NS, SimBoard

from spacemimo.board.driver import AccelDriver, StartRegisters
from spacemimo.quant.vectors import read_golden_vectors
from spacemimo.spec.regmap import load as load_regmap

REGMAP = load_regmap()
SEU_REGS = ("SEU_STATUS", "SEU_CORRECTED", "SEU_UNCORRECTABLE")


def _int(value: Any) -> int:
    """A handle's value as an integer; X/Z bits read as 0."""
    try:
        return int(value)
    except ValueError:
        return int(str(value).translate(str.maketrans("xXzZ", "0000")), 2)


def resolve(dut: Any, path: str) -> Any:
    """The handle of a dotted hierarchy path below the top (``wbank[3].res.wmem``): generate
    blocks indexed as arrays (Icarus, Verilator --public-flat-rw) or named with the index
    (``wbank[3]`` as one name)."""
    obj = dut
    for part in path.split("."):
        if "[" in part:
            name, idx = part[:-1].split("[")
            try:
                obj = getattr(obj, name)[int(idx)]
            except (AttributeError, IndexError, KeyError, TypeError):
                obj = getattr(obj, part)
        else:
            obj = getattr(obj, part)
    return obj


class Cell:
    """One injectable word: a memory entry or a whole register (``index`` None)."""

    def __init__(self, handle: Any, index: int | None) -> None:
        self.handle = handle if index is None else handle[index]
        self.width = len(self.handle)

    def read(self) -> int:
        return _int(self.handle.value)

    def write(self, word: int) -> None:
        self.handle.value = word


class Target:
    """A schedule target resolved in this build: its instances (paths) and the words a trial
    may hit (``select``: all, or those non-zero after a clean load and run — the words the
    program uses)."""

    def __init__(self, dut: Any, spec: dict[str, Any]) -> None:
        self.name = spec["name"]
        self.persistent = bool(spec["persistent"])
        self.select = spec.get("select", "all")
        self.handles: list[tuple[str, Any]] = []
        for path in spec["paths"]:
            try:
                self.handles.append((path, resolve(dut, path)))
            except AttributeError:
                continue
        self.cells: list[tuple[str, int | None]] = []
        self.kind = spec["kind"]  # memory | register
        self.sweep = int(spec.get("sweep", 0))   # idle scrub cycles of an accumulate trial

    def enumerate(self) -> None:
        """Fill ``cells`` from the handles (after a clean run, for select = nonzero)."""
        self.cells = []
        for path, h in self.handles:
            if self.kind == "register":
                self.cells.append((path, None))
                continue
            n, lo = len(h), _mem_base(h)
            for i in range(lo, lo + n):
                if self.select == "all" or _int(h[i].value):
                    self.cells.append((path, i))

    def cell(self, k: int) -> tuple[str, int | None, Cell]:
        path, idx = self.cells[k]
        handle = dict(self.handles)[path]
        return path, idx, Cell(handle, idx)


def _mem_base(h: Any) -> int:
    """The lowest index of a memory handle (cocotb's ``range`` where the simulator says)."""
    rng = getattr(h, "range", None)
    if rng is not None:
        return min(rng.left, rng.right)
    return 0


class Campaign:
    """Clock, simulated board and the board driver (no protocol checker: a campaign runs
    thousands of trials and the bus is not what it tests); load, run, inject, recover."""

    def __init__(self, dut: Any, sched: dict[str, Any]) -> None:
        self.dut = dut
        self.sched = sched
        cocotb.start_soon(Clock(dut.ap_clk, PERIOD_NS, unit="ns").start())
        dut.ap_rst_n.value = 0
        self.board = SimBoard(dut, seed=int(sched["seed"]), stall=0.0, mem_bytes=1 << 32,
                              regmap=REGMAP, wgt_ports=int(os.environ.get("SM_WGT_PORTS", "0")))
        self.driver = AccelDriver(self.board, regmap=REGMAP)
        self.has_seu = all(r in REGMAP.offsets() for r in SEU_REGS)
        self.regs: StartRegisters | None = None
        self.gv = read_golden_vectors(Path(os.environ["SM_VECTORS"]))
        self.nv = int(sched["num_vectors"])
        self.expected = self.gv.expected[:self.nv]

    async def call(self, fn: Any, *args: Any) -> Any:
        return await bridge(fn)(*args)

    async def setup(self) -> int:
        """Reset, load the program, one clean run; returns its CYCLES."""
        await self.board.pulse_reset(5)
        d = self.driver

        def body() -> StartRegisters:
            d.load(self.gv.program)
            return d.stage(self.gv.inputs[:self.nv])

        self.regs = await self.call(body)
        await self.reload()
        status, cycles, bad = await self.run_once(hang_after=10_000_000)
        assert status == 0 and bad == 0, f"clean run: STATUS {status}, {bad} mismatches"
        return cycles

    async def reload(self) -> None:
        """LOAD_PROGRAM with one vector, SEU registers cleared; must end STATUS 0."""
        assert self.regs is not None
        d = self.driver
        regs = replace(self.regs, load_program=True, num_vectors=1)
        await self.call(d.start_registers, regs)
        assert await self._done(10_000_000), "no done after a reload"

        def finish() -> int:
            d.wait_done(0.0)
            if self.has_seu:
                d.write_reg("SEU_CLEAR", 1)
            return d.read_reg("STATUS")

        status = await self.call(finish)
        assert status == 0, f"reload: STATUS {status}"

    async def _done(self, cycles: int) -> bool:
        if _int(self.dut.interrupt.value):
            return True
        edge = RisingEdge(self.dut.interrupt)
        return await First(edge, Timer(cycles * PERIOD_NS, unit="ns")) is edge

    def poison(self) -> None:
        out = self.driver.buffers["output"]
        self.board.ram.write(int(out.physical_address), b"\xa5" * int(out.nbytes))

    def mismatches(self) -> int:
        assert self.regs is not None
        n = self.expected.size
        raw = self.board.ram.read(self.regs.output_addr, 2 * n)
        got = np.frombuffer(raw, dtype="<i2").reshape(self.expected.shape).astype(np.int64)
        return int((got != self.expected).sum())

    async def start(self) -> None:
        assert self.regs is not None
        regs = replace(self.regs, load_program=False, num_vectors=self.nv)
        self.poison()
        await self.call(self.driver.start_registers, regs)

    async def run_once(self, hang_after: int) -> tuple[int, int, int]:
        """A run with no upset: (STATUS, CYCLES, mismatching words)."""
        await self.start()
        assert await self._done(hang_after), "clean run hung"
        return (*await self.call(self._finish_regs), self.mismatches())

    def _finish_regs(self) -> tuple[int, int]:
        self.driver.wait_done(0.0)
        return self.driver.read_reg("STATUS"), self.driver.cycles

    def _seu_regs(self) -> dict[str, int]:
        if not self.has_seu:
            return {}
        return {r: self.driver.read_reg(r) for r in SEU_REGS}

    async def _scrub_sweep(self, cycles: int) -> None:
        """``cycles`` idle cycles at SCRUB_PERIOD 1 (a step every 3 cycles), then the period
        as it was (no scrubber: nothing happens)."""
        d = self.driver
        period = await self.call(d.read_reg, "SCRUB_PERIOD")
        await self.call(d.write_reg, "SCRUB_PERIOD", 1)
        await Timer(cycles * PERIOD_NS, unit="ns")
        await self.call(d.write_reg, "SCRUB_PERIOD", period)

    async def trial(self, t: dict[str, Any], tgt: Target, run_cycles: int) -> dict[str, Any]:
        """One upset: returns the trial's record (what happened, not yet classified). An
        accumulate trial flips one bit while idle, lets the scrubber sweep, and flips another
        bit of the same word during the run (seu_campaign's docstring)."""
        rng = random.Random(int(t["seed"]))
        path, idx, cell = tgt.cell(rng.randrange(len(tgt.cells)))
        double = t["upset"] == "double"
        acc = t["upset"] == "accumulate" and cell.width >= 2
        if cell.width < 2:
            double = False
        bit = rng.randrange(cell.width - (1 if double else 0))
        mask = (3 if double else 1) << bit
        # within the first vector's share of the run: a later vector reads what the upset left
        cycle = int(float(t["at"]) * run_cycles / self.nv)
        before = await self.call(self._seu_regs)
        first = None
        if acc:   # the first single, a sweep, then ``mask`` (another bit) during the run
            first = (bit + 1 + rng.randrange(cell.width - 1)) % cell.width
            await FallingEdge(self.dut.ap_clk)
            original = cell.read()
            cell.write(original ^ (1 << first))
            await self._scrub_sweep(tgt.sweep)
        await self.start()
        if cycle:
            await Timer(cycle * PERIOD_NS, unit="ns")
        await FallingEdge(self.dut.ap_clk)
        now = cell.read()
        if first is None:
            original = now
        cell.write(now ^ mask)
        await Timer(1, unit="ns")  # the deposit has landed (before the next rising edge)
        deposited = cell.read() == now ^ mask
        bound = int(self.sched["hang_factor"] * run_cycles) + int(self.sched["hang_margin"])
        hang = not await self._done(bound)
        rec: dict[str, Any] = {"id": t["id"], "target": tgt.name, "path": path, "index": idx,
                               "bit": bit, "upset": t["upset"] if acc else
                               "double" if double else "single", "first_bit": first,
                               "width": cell.width, "cycle": cycle, "deposited": deposited,
                               "hang": hang}
        if hang:
            rec.update(status=None, mismatches=None)
            rec.update({k.lower(): v for k, v in (await self.call(self._seu_regs)).items()})
            await self.board.pulse_reset(5)
        else:
            status, cycles = await self.call(self._finish_regs)
            after = await self.call(self._seu_regs)
            rec.update(status=status, cycles=cycles, mismatches=self.mismatches())
            for r in SEU_REGS[1:]:
                if r in after:
                    rec[f"{r.lower()}_delta"] = after[r] - before[r]
            if "SEU_STATUS" in after:
                rec["seu_status"] = after["SEU_STATUS"]
        if tgt.persistent:
            await FallingEdge(self.dut.ap_clk)
            cell.write(original)
        clean = (not hang and rec["status"] == 0 and rec["mismatches"] == 0
                 and not rec.get("seu_status") and not rec.get("seu_uncorrectable_delta"))
        if not clean:
            await self.reload()
        return rec


@cocotb.test()
async def test_seu_campaign(dut: Any) -> None:
    """Execute the schedule: every trial's record into SM_SEU_RESULT."""
    sched = json.loads(Path(os.environ["SM_SEU_SCHEDULE"]).read_text())
    c = Campaign(dut, sched)
    run_cycles = await c.setup()
    targets = {}
    for spec in sched["targets"]:
        tgt = Target(dut, spec)
        tgt.enumerate()
        targets[tgt.name] = tgt
        dut._log.info("target %s: %d instances, %d words", tgt.name, len(tgt.handles),
                      len(tgt.cells))
    records = []
    for t in sched["trials"]:
        tgt = targets[t["target"]]
        if not tgt.cells:
            records.append({"id": t["id"], "target": tgt.name, "skipped": "no cell resolved"})
            continue
        records.append(await c.trial(t, tgt, run_cycles))
    geometry = {name: {"instances": [p for p, _ in tg.handles], "words": len(tg.cells)}
                for name, tg in targets.items()}
    Path(os.environ["SM_SEU_RESULT"]).write_text(json.dumps({
        "run_cycles": run_cycles, "has_seu_registers": c.has_seu, "geometry": geometry,
        "trials": records}))
    assert len(records) == len(sched["trials"])
