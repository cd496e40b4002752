"""Memory-safety probes of ``spacemimo_accel`` (issue 15, quant/PROGRAM.md "Bounds" and
"Error codes"): every probe registers its buffers, runs one hostile or interrupted transfer,
and asserts the exact STATUS; the bus is watched the whole time by tb_accel's ``AxiChecker``
(protocol rules of the master side; any AR/AW burst outside the probe's registered buffers is
a stray access) and poisoned guard bands around every buffer are compared afterwards (a write
that slipped past). Each probe is followed by a clean run that must be bit-exact.

One host protocol: the board driver loads the program and stages the inputs (``TB.place``);
every probe starts through the driver's lower layer, ``AccelDriver.start_registers``, with
the staged ``StartRegisters`` altered to the hostile values (``dataclasses.replace``), so the
order and meaning of the registers live in the driver alone.

Environment: SM_VECTORS (golden vectors of a small program), SM_SUMMARY (JSON file the
probe table is written to), SM_NVEC (vectors per clean run, default 2), SM_WATCHDOG.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, RisingEdge
from tb_accel import (
    BEAT,
    ERROR_CODES,
    TB,
    _int,
    _patch,
    _vectors,
    buffers_of,
    round_up,
    watchdog_cycles,
)

from spacemimo.board.driver import StartRegisters

GUARD = 256        # poisoned bytes before and after every registered buffer
POISON = 0xC3
TOP = 1 << 64      # the 64-bit bus's address space
NAMES = {v: k for k, v in ERROR_CODES.items()}


@dataclass
class Probe:
    """One probe's outcome (one row of the summary)."""

    name: str
    expected: str
    got: str = "-"
    strays: int = 0           # AR/AW bursts outside the registered buffers + guard bytes hit
    violations: int = 0       # AXI protocol violations
    hang: bool = False        # no done within the budget
    accesses: int = 0         # AR + AW bursts the probe's own run issued
    clean: str = "-"          # the clean run after it: STATUS and mismatching words
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.got == self.expected and not self.strays and not self.violations
                and not self.hang and self.clean == "OK, 0 mismatches")


class Harness:
    """The TB with a small program placed by the driver, exact buffer sizes and guard
    bands; ``home`` is the driver's staged ``StartRegisters`` with those sizes."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.tb = TB(dut)
        self.gv = _vectors()
        self.n = min(int(os.environ.get("SM_NVEC", "2")), self.gv.inputs.shape[0])
        self.blob = self.gv.program.to_bytes()
        self.in_tab = 2 * int(np.prod(self.gv.inputs.shape[1:]))
        self.out_tab = 2 * int(np.prod(self.gv.expected.shape[1:]))
        self.home: StartRegisters | None = None
        self.regs: StartRegisters | None = None  # as the current probe registers them
        self.results: list[Probe] = []
        self.top = 1 << len(dut.m_axi_gmem_ARADDR)  # the bus's address space (2^AXI_AW)

    async def setup(self) -> None:
        """Reset, then ``driver.load`` + ``driver.stage`` of n vectors; input/output sizes
        n tables in whole bus beats (exactly n tables when a table is a beat multiple, as
        for GSM), not the driver's 64-byte-rounded buffers."""
        await self.tb.reset()
        staged = await self.tb.place(self.gv.program, self.gv.inputs[:self.n])
        self.home = replace(staged, input_size=round_up(self.n * self.in_tab, BEAT),
                            output_size=round_up(self.n * self.out_tab, BEAT))
        self.register(self.home)

    # --- buffers -----------------------------------------------------------------------------
    def buffers(self) -> list[tuple[str, int, int]]:
        """The buffers as registered now (the part below 2^AXI_AW of one that wraps)."""
        assert self.regs is not None
        return buffers_of(self.regs, self.top)

    def register(self, regs: StartRegisters) -> None:
        """The probe's start values: the checker's ranges and the guard bands follow them."""
        self.regs = regs
        self.tb.checker.buffers = self.buffers()

    def _guards(self) -> list[tuple[int, int]]:
        spans = []
        for _, base, size in self.buffers():
            spans += [(max(0, base - GUARD), base), (base + size, base + size + GUARD)]
        return [(lo, hi) for lo, hi in spans if hi <= (1 << 62)]

    def poison(self) -> None:
        for lo, hi in self._guards():
            self.tb.mem.write(lo, bytes([POISON]) * (hi - lo))

    def guard_hits(self) -> int:
        return sum(sum(b != POISON for b in self.tb.mem.read(lo, hi - lo))
                   for lo, hi in self._guards())

    def restore(self) -> None:
        """Home buffers with the program image and the inputs back in the driver's
        buffers."""
        assert self.home is not None
        self.register(self.home)
        self.tb.write_image(self.blob)
        self.write_inputs(self.home.input_addr)

    def write_inputs(self, addr: int) -> None:
        self.tb.mem.write(addr, np.asarray(self.gv.inputs[:self.n], dtype="<i2").tobytes())

    # --- runs --------------------------------------------------------------------------------
    async def status(self) -> int:
        return await self.tb.read_reg("STATUS")

    async def start(self, load: bool, nv: int) -> None:
        """Start through the driver's lower layer with the registered values."""
        await self.tb.start(load, nv, self.regs)

    async def done(self, budget: int = 400_000) -> int:
        await self.tb.wait_done(budget)
        ctrl = await self.tb.read_reg("CTRL")
        assert ctrl & 0b0100, f"CTRL {ctrl:#x}: not idle after done"
        return await self.status()

    async def clean_run(self, load: bool) -> str:
        """The run after a probe: home buffers, every vector bit-exact."""
        tb = self.tb
        self.restore()
        assert self.regs is not None
        tb.mem.write(self.regs.output_addr, b"\xa5" * (self.n * self.out_tab))
        self.poison()
        await self.start(load, self.n)
        code = await self.done()
        got = tb.outputs((self.n, *self.gv.expected.shape[1:]))
        bad = int((got != self.gv.expected[:self.n]).sum())
        return f"{NAMES.get(code, code)}, {bad} mismatches"

    async def probe(self, name: str, expected: str, *, load: bool = False,
                    nv: int | None = None, regs: dict[str, int] | None = None,
                    image: bytes | None = None,
                    action: Callable[[], Awaitable[Any]] | None = None,
                    no_wait: bool = False, clean_load: bool | None = None,
                    after: Callable[[Probe], Awaitable[None]] | None = None,
                    no_access: bool | None = None) -> None:
        """Run one probe: hostile start values (``regs``: ``StartRegisters`` fields over the
        home values, e.g. ``input_addr``, ``program_size``), image, start, an ``action``
        while it runs (stall, abort, reset), STATUS (after done, or at once with
        ``no_wait``: a reset ends a run without done); then guard bands, protocol record,
        the clean run (with LOAD_PROGRAM when the probe may have dropped the program).
        ``no_access`` (default: expected ADDR_RANGE): the probe's run may not issue any
        burst at all (PROGRAM.md: "no access was made")."""
        tb = self.tb
        p = Probe(name, expected)
        self.dut._log.info("probe: %s (expect %s)", name, expected)
        self.restore()
        assert self.home is not None
        self.register(replace(self.home, **(regs or {})))
        if image is not None:
            tb.write_image(image)
        self.poison()
        s0, v0 = len(tb.checker.strays), len(tb.checker.violations)
        a0 = tb.checker.handshakes["ar"] + tb.checker.handshakes["aw"]
        try:
            await self.start(load, self.n if nv is None else nv)
            if action is not None:
                await action()
            if no_wait:
                ctrl = await tb.read_reg("CTRL")
                if not ctrl & 0b0100:
                    p.notes.append(f"CTRL {ctrl:#x}: not idle")
                    p.violations += 1
                code = await self.status()
            else:
                code = await self.done()
            p.got = NAMES.get(code, str(code))
        except TimeoutError as e:
            p.hang = True
            p.notes.append(str(e))
        p.accesses = tb.checker.handshakes["ar"] + tb.checker.handshakes["aw"] - a0
        p.strays = len(tb.checker.strays) - s0 + self.guard_hits()
        p.violations += len(tb.checker.violations) - v0
        if (expected == "ADDR_RANGE" if no_access is None else no_access) and p.accesses:
            p.notes.append(f"{p.accesses} bursts issued, none allowed")
            p.violations += 1
        if tb.checker.outstanding():
            p.notes.append(f"{tb.checker.outstanding()} beats/responses outstanding at idle")
            p.violations += 1
        if after is not None and not p.hang:
            await after(p)
        if not p.hang:
            try:
                p.clean = await self.clean_run(load if clean_load is None else clean_load)
            except TimeoutError as e:
                p.hang = True
                p.notes.append(f"clean run: {e}")
        self.dut._log.info("probe: %s -> %s (strays %d, violations %d, hang %s, clean %s)",
                           name, p.got, p.strays, p.violations, p.hang, p.clean)
        self.results.append(p)

    # --- actions -----------------------------------------------------------------------------
    async def after_handshakes(self, ch: str, k: int, limit: int = 200_000) -> None:
        """Wait for k more handshakes on channel ch."""
        c = self.tb.checker
        base, t0 = c.handshakes[ch], self.tb.cycle
        while c.handshakes[ch] < base + k:
            await RisingEdge(self.dut.ap_clk)
            if self.tb.cycle - t0 > limit:
                raise TimeoutError(f"no {k} {ch.upper()} handshakes within {limit} cycles")

    async def stall_until_watchdog(self, ch: str, after: int = 0,
                                   limit: int = 200_000) -> None:
        """Hold channel ch stalled (after `after` more handshakes on it) until the master has
        waited on it WATCHDOG + 64 consecutive cycles (the watchdog has fired), then release."""
        tb = self.tb
        await self.after_handshakes(ch, after, limit)
        tb.stall_channel(ch, True)
        sig = {"ar": "ARVALID", "aw": "AWVALID", "w": "WVALID", "r": "RREADY",
               "b": "BREADY"}[ch]
        s = getattr(self.dut, f"m_axi_gmem_{sig}")
        run, t0 = 0, tb.cycle
        while run < watchdog_cycles() + 64:
            await RisingEdge(self.dut.ap_clk)
            run = run + 1 if _int(s) else 0
            if _int(self.dut.interrupt):  # the run ended while stalled (VALID dropped?)
                break
            if tb.cycle - t0 > limit:
                tb.stall_channel(ch, False)
                raise TimeoutError(f"{sig} never waited {watchdog_cycles()} cycles")
        tb.stall_channel(ch, False)

    async def abort(self) -> None:
        await self.tb.write_reg("ABORT", 1)

    async def reset_pulse(self) -> None:
        await self.tb.reset(3)


@cocotb.test()
async def test_memsafety_probes(dut: Any) -> None:
    """Every probe: exact STATUS, 0 stray accesses, 0 protocol violations, no hang, and a
    bit-exact clean run after it."""
    h = Harness(dut)
    tb = h.tb
    assert h.top == TOP, "test_memsafety_probes needs the 64-bit bus (AXI_AW = 64)"
    await h.setup()
    status = await h.clean_run(load=True)
    assert status == "OK, 0 mismatches", f"baseline run: {status}"
    n, blob = h.n, h.blob
    hdr_words = np.frombuffer(blob, dtype="<u4")
    data_words = int(hdr_words[3])
    dense = next(i for i, op in enumerate(h.gv.program.ops) if op.opcode == 1 and op.has_bias)
    op = h.gv.program.ops[dense]
    P = f"op{dense}_"

    # --- NUM_VECTORS against the buffer sizes (Bounds rule 2)
    await h.probe("NUM_VECTORS = 0xFFFFFFFF", "ADDR_RANGE", nv=0xFFFFFFFF)
    await h.probe("NUM_VECTORS one too many", "ADDR_RANGE", nv=n + 1)
    await h.probe("NUM_VECTORS = 0", "BAD_FORMAT", nv=0)
    await h.probe("INPUT_SIZE one table short", "ADDR_RANGE",
                  regs={"input_size": (n - 1) * h.in_tab})
    await h.probe("OUTPUT_SIZE one table short", "ADDR_RANGE",
                  regs={"output_size": (n - 1) * h.out_tab})
    await h.probe("INPUT_SIZE = 0", "ADDR_RANGE", regs={"input_size": 0})
    await h.probe("OUTPUT_SIZE = 0", "ADDR_RANGE", regs={"output_size": 0})
    # --- the program buffer (Bounds rule 1)
    await h.probe("PROGRAM_SIZE = 0", "ADDR_RANGE", load=True, regs={"program_size": 0},
                  clean_load=True)
    await h.probe("PROGRAM_SIZE = 60 (< the header)", "ADDR_RANGE", load=True,
                  regs={"program_size": 60}, clean_load=True)
    await h.probe("PROGRAM_SIZE smaller than the image", "BAD_FORMAT", load=True,
                  regs={"program_size": (len(blob) - 4) // BEAT * BEAT}, clean_load=True)
    await h.probe("header data_words beyond PROGRAM_SIZE", "BAD_FORMAT", load=True,
                  image=_patch(blob, h_data_words=data_words + 64), clean_load=True)
    await h.probe("header num_ops = 0xFFFFFFFF (length overflow)", "BAD_FORMAT", load=True,
                  image=_patch(blob, h_num_ops=0xFFFFFFFF), clean_load=True)
    await h.probe("DENSE w_off just past the data", "BAD_FORMAT", load=True,
                  image=_patch(blob, **{P + "w_off": data_words}), clean_load=True)
    await h.probe("DENSE w_off = 0xFFFFFFF0 (address overflow)", "BAD_FORMAT", load=True,
                  image=_patch(blob, **{P + "w_off": 0xFFFFFFF0}), clean_load=True)
    await h.probe("DENSE b_off: bias block one word past the data", "BAD_FORMAT", load=True,
                  image=_patch(blob, **{P + "b_off": data_words - op.out_cols + 1}),
                  clean_load=True)
    if len(blob) % BEAT:  # the image ends mid-beat: the header check passes, the burst not
        await h.probe("PROGRAM_SIZE = image bytes, not a whole beat", "ADDR_RANGE", load=True,
                      regs={"program_size": len(blob)}, clean_load=True)
    # --- wrap-around and alignment
    await h.probe("program buffer wraps 2^64", "ADDR_RANGE", load=True,
                  regs={"program_addr": TOP - 64}, clean_load=True)
    await h.probe("input buffer wraps 2^64", "ADDR_RANGE", regs={"input_addr": TOP - 64})
    await h.probe("output buffer wraps 2^64", "ADDR_RANGE", regs={"output_addr": TOP - 64})
    await h.probe("input base 2^64 - 16, size 2^32 - 1", "ADDR_RANGE",
                  regs={"input_addr": TOP - 16, "input_size": 0xFFFFFFFF})
    await h.probe("unaligned input base (first beat below it)", "ADDR_RANGE",
                  regs={"input_addr": h.home.input_addr + 2})
    await h.probe("unaligned output base (first beat below it)", "ADDR_RANGE",
                  regs={"output_addr": h.home.output_addr + 2},
                  no_access=False)  # inputs read first

    async def cross_2_32(p: Probe) -> None:  # legal on the 64-bit bus: must be exact
        h.register(replace(h.home, input_addr=(1 << 32) - h.in_tab // 2,
                           output_addr=(1 << 33) - h.out_tab // 2, input_size=n * h.in_tab,
                           output_size=n * h.out_tab))
        h.write_inputs(h.regs.input_addr)
        await h.start(False, n)
        code = await h.done()
        got = tb.outputs((n, *h.gv.expected.shape[1:]))
        bad = int((got != h.gv.expected[:n]).sum())
        p.notes.append(f"buffers across 2^32: {NAMES.get(code, code)}, {bad} mismatches")
        if code or bad:
            p.violations += 1
    await h.probe("buffers crossing 2^32 (legal on a 64-bit bus)", "OK", nv=n,
                  after=cross_2_32)
    # --- reset in the middle of a burst
    await h.probe("reset mid read burst (program fetch)", "OK", load=True,
                  action=lambda: _then(h.after_handshakes("r", 13), h.reset_pulse()),
                  no_wait=True, clean_load=True)
    await h.probe("reset mid write burst (outputs)", "OK",
                  action=lambda: _then(h.after_handshakes("w", 3), h.reset_pulse()),
                  no_wait=True, clean_load=True)
    # --- each channel stalled until the watchdog fires, then released (no reset)
    for ch, after in (("ar", 0), ("r", 3), ("aw", 0), ("w", 3), ("b", 0)):
        await h.probe(f"{ch.upper()} stalled until the watchdog, then released", "TIMEOUT",
                      action=lambda ch=ch, after=after: h.stall_until_watchdog(ch, after))
    await h.probe("R stalled mid program fetch until the watchdog", "TIMEOUT", load=True,
                  action=lambda: h.stall_until_watchdog("r", 13), clean_load=True)
    # --- host ABORT
    async def no_program(p: Probe) -> None:  # a load the abort hit leaves no program
        h.restore()
        await h.start(False, n)
        code = await h.done()
        p.notes.append(f"run after it without LOAD_PROGRAM: {NAMES.get(code, code)}")
        if code != ERROR_CODES["BAD_MAGIC"]:
            p.violations += 1
    await h.probe("ABORT mid-load", "ABORTED", load=True,
                  action=lambda: _then(h.after_handshakes("r", 20), h.abort()),
                  after=no_program, clean_load=True)
    await h.probe("ABORT mid-run (compute)", "ABORTED",
                  action=lambda: _then(_op_started(tb), h.abort()))
    await h.probe("ABORT with a read burst stalled", "ABORTED",
                  action=lambda: _stall_abort(h, "r", 3))
    await h.probe("ABORT with a write burst half sent", "ABORTED",
                  action=lambda: _stall_abort(h, "w", 2))

    async def abort_idle() -> None:  # an ABORT write while idle changes nothing
        await tb.wait_done(400_000)
        await h.abort()
        await ClockCycles(dut.ap_clk, 20)
        assert await tb.read_reg("CTRL") & 0b0100
    await h.probe("ABORT while idle (ignored)", "OK", action=abort_idle, no_wait=True)

    _report(h)


@cocotb.test()
async def test_memsafety_aw32(dut: Any) -> None:
    """On an AXI_AW = 32 build: buffers wrapping 2^32 and a base at or above 2^32 are
    ADDR_RANGE with no access; buffers ending exactly at 2^32 are legal and bit-exact."""
    h = Harness(dut)
    tb = h.tb
    if h.top != 1 << 32:
        raise AssertionError(
            f"this test needs an AXI_AW = 32 build, the bus has {h.top.bit_length() - 1} bits")
    await h.setup()
    status = await h.clean_run(load=True)
    assert status == "OK, 0 mismatches", f"baseline run: {status}"
    n, top = h.n, h.top
    await h.probe("program buffer wraps 2^32", "ADDR_RANGE", load=True,
                  regs={"program_addr": top - 64}, clean_load=True)
    await h.probe("input buffer wraps 2^32", "ADDR_RANGE", regs={"input_addr": top - 64})
    await h.probe("output buffer wraps 2^32", "ADDR_RANGE", regs={"output_addr": top - 64})
    await h.probe("input base 2^32 (ADDR_HI = 1) on a 32-bit bus", "ADDR_RANGE",
                  regs={"input_addr": top + h.home.input_addr})
    await h.probe("program base 2^32 + 0x1000 on a 32-bit bus", "ADDR_RANGE", load=True,
                  regs={"program_addr": top + h.home.program_addr}, clean_load=True)

    async def at_top(p: Probe) -> None:  # buffers ending exactly at 2^32: legal, exact
        h.register(replace(h.regs, input_addr=top - n * h.in_tab,
                           output_addr=top - 0x1000 - n * h.out_tab))
        h.write_inputs(h.regs.input_addr)
        await h.start(False, n)
        code = await h.done()
        got = tb.outputs((n, *h.gv.expected.shape[1:]))
        bad = int((got != h.gv.expected[:n]).sum())
        p.notes.append(f"input ending at 2^32: {NAMES.get(code, code)}, {bad} mismatches")
        if code or bad:
            p.violations += 1
    await h.probe("input buffer ending exactly at 2^32 (legal)", "OK", after=at_top)
    _report(h)


@cocotb.test()
async def test_memsafety_partial_beats(dut: Any) -> None:
    """A program whose int16 tables are not whole bus beats (vector v > 0 starts mid-beat):
    the run is exact with the sizes in whole beats, and sizes of exactly the tables' bytes,
    whose last beat reaches past them, are ADDR_RANGE before any read (as every back end)."""
    h = Harness(dut)
    n = h.n
    assert (n * h.in_tab) % BEAT and (n * h.out_tab) % BEAT, "needs tables ending mid-beat"
    await h.setup()
    status = await h.clean_run(load=True)
    assert status == "OK, 0 mismatches", f"baseline run: {status}"
    await h.probe(f"INPUT_SIZE = {n} tables' bytes, last beat past it", "ADDR_RANGE",
                  regs={"input_size": n * h.in_tab})
    await h.probe(f"OUTPUT_SIZE = {n} tables' bytes, last beat past it", "ADDR_RANGE",
                  regs={"output_size": n * h.out_tab})
    await h.probe(f"{n} tables in whole beats, tables starting mid-beat", "OK")
    _report(h)


def _report(h: Harness) -> None:
    """Write the probe table (SM_SUMMARY) and fail on any probe that did not hold."""
    out = os.environ.get("SM_SUMMARY")
    if out:
        Path(out).write_text(json.dumps({
            "probes": len(h.results),
            "stray_accesses": sum(p.strays for p in h.results),
            "protocol_violations": sum(p.violations for p in h.results),
            "hangs": sum(p.hang for p in h.results),
            "failed": [p.name for p in h.results if not p.ok],
            "results": [{**asdict(p), "ok": p.ok} for p in h.results]}, indent=1))
    bad = [p for p in h.results if not p.ok]
    assert not bad, "probes failed: " + "; ".join(
        f"{p.name}: expected {p.expected} got {p.got} strays {p.strays} violations "
        f"{p.violations} hang {p.hang} clean {p.clean} {p.notes}" for p in bad)


async def _then(first: Awaitable[Any], second: Awaitable[Any]) -> None:
    await first
    await second


async def _op_started(tb: TB, limit: int = 200_000) -> None:
    t0 = tb.cycle
    while not tb.op_log:
        await RisingEdge(tb.dut.ap_clk)
        if tb.cycle - t0 > limit:
            raise TimeoutError("no op started")


async def _stall_abort(h: Harness, ch: str, after: int) -> None:
    """Stall channel ch after `after` handshakes, write ABORT while it is stalled, release."""
    await h.after_handshakes(ch, after)
    h.tb.stall_channel(ch, True)
    await ClockCycles(h.dut.ap_clk, 8)
    await h.abort()
    await ClockCycles(h.dut.ap_clk, 8)
    h.tb.stall_channel(ch, False)

