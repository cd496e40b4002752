"""Weight-port tests of ``spacemimo_accel`` on a streamed or hybrid build (WGT_PORTS > 0):
memory safety of the ``m_axi_wgt<k>`` masters (rtl/README.md "Stream engine: bounds checks")
and the measured per-op cycles of a streamed run (for the cycle formula).

Probes, each followed by a clean LOAD_PROGRAM=0 run that must be bit-exact: the program buffer
shrunk below the loaded image, or moved, before a LOAD_PROGRAM=0 run -> ADDR_RANGE with no
weight AR at all; SLVERR on a weight beat -> BUS_ERROR; the weight R channels held stalled ->
TIMEOUT (the bursts drained once released); a host ABORT while a weight burst is in flight ->
ABORTED. The AXI checkers watch gmem and every weight port the whole time (protocol, strays).

Environment: as tb_accel (SM_VECTORS, SM_WATCHDOG, SM_WGT_PORTS); SM_RESULT: the JSON file
test_stream_cycles writes (per-op cycles, the measured first-beat latency).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, RisingEdge
from tb_accel import ERROR_CODES, TB, _budget, _vectors, buffers_of, scoreboard

from spacemimo.board.driver import DimsExceedMaxError


def _streamed_weight_addr(tb: TB, program: Any) -> int:
    """Byte address of the last DENSE op's weight block in the program buffer (streamed on
    every streamed/hybrid test build: the first op that does not fit and all later ones)."""
    assert tb.regs is not None
    op = [o for o in program.ops if o.opcode == 1][-1]
    return tb.regs.program_addr + 64 + 64 * len(program.ops) + 4 * op.w_off


async def _clean(tb: TB, gv: Any, what: str) -> None:
    """A LOAD_PROGRAM=0 run with the staged buffers: STATUS OK and 0 mismatching words."""
    assert tb.regs is not None
    tb.register_buffers(buffers_of(tb.regs))
    tb.poison_outputs(0x5A)
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0, f"clean run after {what}: STATUS {status}"
    bad = scoreboard(tb.dut, tb.outputs((1, *gv.expected.shape[1:])), gv.expected[:1],
                     f"clean run after {what}")
    assert bad == 0


async def _expect(tb: TB, regs: Any, code: str, what: str, action: Any = None) -> None:
    """Start a LOAD_PROGRAM=0 run with ``regs``, run ``action`` (a coroutine) meanwhile,
    wait for done; STATUS must be ``code``; no violation, stray or outstanding beat."""
    await tb.start(load=False, num_vectors=1, regs=regs)
    if action is not None:
        await action
    await tb.wait_done(200_000)
    status, _ = await tb.finish()
    tb.dut._log.info("%s -> STATUS %d (%s expected)", what, status, code)
    assert status == ERROR_CODES[code], f"{what}: STATUS {status}, expected {code}"


@cocotb.test()
async def test_weight_port_safety(dut: Any) -> None:
    gv = _vectors()
    tb = TB(dut)
    assert tb.wchecks, "a streamed/hybrid build (SM_WGT_PORTS > 0) is needed"
    await tb.reset()
    regs = await tb.place(gv.program, gv.inputs[:1])
    status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0
    assert tb.handshakes("wgt_ar") > 0, "no weight was streamed"
    image = len(gv.program.to_bytes())
    assert image == 4 * (16 + 16 * len(gv.program.ops) + gv.program.data.size)

    # the program buffer shrunk below the loaded image / moved: ADDR_RANGE, no weight AR
    for what, bad in (
            ("program buffer shrunk", replace(regs, program_size=image - 8)),
            ("program buffer moved", replace(regs, program_addr=regs.program_addr + 0x1000)),
            ("program buffer size 0", replace(regs, program_size=0))):
        tb.register_buffers(buffers_of(bad))  # any weight burst outside it is a stray
        before = tb.handshakes("wgt_ar")
        await _expect(tb, bad, "ADDR_RANGE", what)
        assert tb.handshakes("wgt_ar") == before, f"{what}: a weight AR was issued"
        await _clean(tb, gv, what)

    # SLVERR on one weight beat of a streamed op
    wa = _streamed_weight_addr(tb, gv.program)
    tb.board.error_ranges = [(wa, wa + 4)]
    await _expect(tb, regs, "BUS_ERROR", "SLVERR on a weight beat")
    tb.board.error_ranges = []
    await _clean(tb, gv, "SLVERR")

    # the weight R channels stop answering mid-stream until the watchdog fires
    await _expect(tb, regs, "TIMEOUT", "weight R stalled",
                  tb.stall_until_timeout("wgt_r", after_beats=2))
    await _clean(tb, gv, "TIMEOUT")

    # host ABORT while a weight burst is in flight (R held, then released)
    async def abort_mid_stream() -> None:
        base = tb.handshakes("wgt_ar")
        while tb.handshakes("wgt_ar") < base + 1:
            await RisingEdge(dut.ap_clk)
        tb.stall_channel("wgt_r", True)
        await tb.write_reg("ABORT", 1)
        await ClockCycles(dut.ap_clk, 20)
        tb.stall_channel("wgt_r", False)

    await _expect(tb, regs, "ABORTED", "ABORT mid-stream", abort_mid_stream())
    await _clean(tb, gv, "ABORT")
    assert not tb.board.stray, tb.board.stray[:3]


@cocotb.test(skip=os.environ.get("SM_EXPECT") is None)
async def test_load_status(dut: Any) -> None:
    """LOAD_PROGRAM=1 of the staged program ends with STATUS SM_EXPECT (e.g. DIMS_EXCEED_MAX
    for weights past a resident-only build's banks, or a table over its TABLE_ELEMS, after
    the driver refused it naming the limit) and leaves no program."""
    gv = _vectors()
    tb = TB(dut)
    await tb.reset()
    try:  # the driver's host checks refuse a resident build's overflow (HW_WEIGHTS) or a
        # table over the build's TABLE_ELEMS (HW_CONFIG.TABLE_SIZE) first
        await tb.place(gv.program, gv.inputs[:1])
    except DimsExceedMaxError as err:
        msg = str(err)
        assert "\n" not in msg and os.environ["SM_EXPECT"] == "DIMS_EXCEED_MAX", msg
        assert ("streams none" in msg or
                f"TABLE_ELEMS {os.environ.get('SM_TABLE_ELEMS')}" in msg), msg
        # past the host check (a driver that could not read HW_WEIGHTS / HW_CONFIG): the
        # hardware's own loader must refuse it too
        tb.driver._weights = replace(tb.driver.weight_memory, placement=None)
        lim, bits = tb.driver._hw_config()
        tb.driver._limits = (replace(lim, table_elems=0), bits)
        await tb.place(gv.program, gv.inputs[:1])
    status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == ERROR_CODES[os.environ["SM_EXPECT"]], f"STATUS {status}"
    status, _ = await tb.run(load=False, num_vectors=1, timeout_cycles=10_000)
    assert status == ERROR_CODES["BAD_MAGIC"], "a failed load must not leave a program"


@cocotb.test(skip=os.environ.get("SM_RESULT") is None)
async def test_stream_cycles(dut: Any) -> None:
    """Load, then one LOAD_PROGRAM=0 inference (the last vector: not the all-zero one, on
    which NORM skips its division) without stalls with the per-op log; writes
    the per-op cycles (op-start strobe deltas, the last op up to done) and the measured
    first-beat latency of the weight ports."""
    gv = _vectors()
    tb = TB(dut, stall=0.0)
    await tb.reset()
    await tb.place(gv.program, gv.inputs[-1:])
    status, _ = await tb.run(load=True, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0
    for c in tb.wchecks:
        c.latencies.clear()
    status, cycles = await tb.run(load=False, num_vectors=1, timeout_cycles=_budget(gv, 1))
    assert status == 0
    assert scoreboard(dut, tb.outputs((1, *gv.expected.shape[1:])), gv.expected[-1:],
                      "cycle run") == 0
    starts = [c for c, _ in tb.op_log]
    ops = [b - a for a, b in zip(starts, [*starts[1:], tb.done_cycle], strict=True)]
    lat = [x for c in tb.wchecks for x in c.latencies]
    Path(os.environ["SM_RESULT"]).write_text(json.dumps({
        "cycles": cycles, "op_cycles": ops, "latency": min(lat), "latency_max": max(lat),
        "program_addr": tb.last.program_addr if tb.last else 0,
        "start": cycles - (tb.done_cycle - starts[0])}))
