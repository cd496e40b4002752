"""Unit test of ``rtl/sm_axi_stream_rd.v``, the weight-stream read engine, on its own: its
bounds check (rtl/README.md "Stream engine: bounds checks") decides per row, registered when
the row is set up, so the core's own check of the whole image (``tb_stream.py``) cannot
show it. Random tiles against random program buffers — covering, short by a byte or a
beat, starting late, wrapping 2^64, rows that wrap the address — each checked against a
Python model of the rule:

- a row of this port's share (K, K + NP, ...) is fetched iff its beat range
  [ra rounded down, ra + 4 rw rounded up to a beat) lies in [base, base + size), and
  base + size does not pass 2^64;
- rows are fetched in order up to the first one that is not: then ``rerr``, no AR for it
  or after it;
- every AR lies inside the buffer, is at most MAX_BURST beats and crosses no 4 KiB page;
  the ARs of a fetched row tile its beat range exactly;
- every R beat comes out once (``wr_en``) tagged with its row, beat index and skip, and a
  clean tile counts one ``tdone``.

The runner (``tests/test_stream_engine.py``) passes the parameters it built with as SM_NP,
SM_K, SM_LPB, SM_WGT_DW, SM_MAX_BURST; SM_TRIALS, SM_SEED.
"""

from __future__ import annotations

import os
import random
from collections import deque
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, Timer

TOP = 1 << 64


class Engine:
    """Pins and parameters of the engine under test, a responder on its AR/R channels."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        env = os.environ
        self.np, self.k, self.lpb = int(env["SM_NP"]), int(env["SM_K"]), int(env["SM_LPB"])
        self.dw = int(env["SM_WGT_DW"])
        self.bpb = self.dw // 8
        self.max_burst = int(env["SM_MAX_BURST"])
        self.ars: list[tuple[int, int]] = []            # (address, beats) in issue order
        self.beats: list[tuple[int, int, int, int]] = []  # (row, beat, skip, data) written
        self.tdone = 0
        self._pending: deque[list[int]] = deque()       # [beats left, latency left]
        self.rng = random.Random(int(os.environ.get("SM_SEED", "1")))

    async def responder(self) -> None:
        """ARREADY with random stalls; R beats of the accepted bursts in order, after a
        random latency, with random gaps; records what the engine writes out. Inputs are
        driven just after an edge, then the settled values before the next edge tell what
        that edge takes (an AR handshake, an R beat) and what the engine puts out."""
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            await drive_phase()
            ready = self.rng.random() < 0.7
            dut.arready.value = int(ready)
            head = self._pending[0] if self._pending else None
            if head is not None and head[1] > 0:
                head[1] -= 1
            fire = head is not None and head[1] == 0 and self.rng.random() < 0.8
            dut.rvalid.value = int(fire)
            dut.rlast.value = int(fire and head[0] == 1)
            dut.rdata.value = self.rng.getrandbits(self.dw)
            dut.rresp.value = 0
            await ReadOnly()
            if fire:
                head[0] -= 1
                if head[0] == 0:
                    self._pending.popleft()
            if int(dut.arvalid.value) and ready:
                beats = int(dut.arlen.value) + 1
                self.ars.append((int(dut.araddr.value), beats))
                self._pending.append([beats, self.rng.randint(1, 6)])
            if int(dut.wr_en.value):
                self.beats.append((int(dut.wr_row.value), int(dut.wr_beat.value),
                                   int(dut.wr_skip.value), int(dut.wr_data.value)))
            self.tdone += int(dut.tdone.value)


async def drive_phase() -> None:
    """A nanosecond after the edge: inputs driven now are what the next edge takes."""
    await Timer(1, "ns")


def expected(addr: int, rw: int, rows: int, base: int, size: int, np_: int, k: int,
             bpb: int) -> tuple[list[tuple[int, int, int, int]], bool]:
    """The model: this port's rows fetched, as (row, first beat address, beats, skip: the
    row's first word in its first beat), and whether the engine must stop with ``rerr``."""
    hi = base + size
    out = []
    for r in range(k, rows, np_):
        ra = addr + r * rw * 4
        lo_beat = (ra % TOP) // bpb * bpb
        end = -(-(ra + 4 * rw) // bpb) * bpb
        ok = hi <= TOP and ra < TOP and lo_beat >= base and end <= hi
        if not ok:
            return out, True
        out.append((r, lo_beat, (end - lo_beat) // bpb, ra % bpb // 4))
    return out, False


def _tile(rng: random.Random, bpb: int) -> tuple[int, int, int, int, int]:
    """A random tile and program buffer: (addr, rw, rows, base, size)."""
    rw, rows = rng.randint(1, 40), rng.randint(1, 8)
    span = rows * rw * 4
    kind = rng.choice(["cover", "cover", "short", "late", "wrap_buf", "top", "page"])
    if kind == "top":   # the tile near or past the top of the address space
        addr = TOP - rng.randint(1, span + 64) // 4 * 4
    elif kind == "page":   # rows that start just below a 4 KiB page boundary
        addr = rng.randint(1, 1 << 20) * 4096 - rng.randint(1, 16) * 4
    else:
        addr = rng.randint(1, 1 << 30) * 4
    base = addr // bpb * bpb - rng.choice([0, 0, bpb, 4096])
    size = (addr + span + bpb - 1) // bpb * bpb - base + rng.choice([0, 0, bpb, 8])
    if kind == "short":
        size -= rng.choice([1, 4, bpb, rw * 4, span // 2])
    elif kind == "late":
        base += rng.choice([4, bpb, rw * 4])
        size = max(0, size - rng.choice([4, bpb, rw * 4]))
    elif kind == "wrap_buf":   # a buffer ending at 2^64 (legal) or wrapping past it
        addr = TOP - rng.randint(1, 2 * span + 64) // 4 * 4
        base = addr // bpb * bpb - rng.choice([0, bpb])
        size = TOP - base + rng.choice([0, 0, bpb])
    base %= TOP
    return addr % TOP, rw, rows, base, max(0, min(size, (1 << 32) - 1))


@cocotb.test()
async def test_bounds_per_row(dut: Any) -> None:
    """Random tiles and buffers: the engine's ARs, beats, rerr and tdone against the model."""
    cocotb.start_soon(Clock(dut.clk, 10, "ns").start())
    e = Engine(dut)
    for name in ("start", "abort", "arready", "rvalid", "rlast", "rresp", "half"):
        getattr(dut, name).value = 0
    dut.rdata.value = 0
    dut.rst_n.value = 0
    await ClockCycles(dut.clk, 4)
    dut.rst_n.value = 1
    cocotb.start_soon(e.responder())
    rng = random.Random(int(os.environ.get("SM_SEED", "1")))
    trials = int(os.environ.get("SM_TRIALS", "300"))
    stopped = fetched_rows = 0
    for t in range(trials):
        addr, rw, rows, base, size = _tile(rng, e.bpb)
        want, stop = expected(addr, rw, rows, base, size, e.np, e.k, e.bpb)
        e.ars.clear()
        e.beats.clear()
        e.tdone = 0
        await RisingEdge(dut.clk)
        await drive_phase()
        dut.addr.value, dut.rw.value, dut.rows.value = addr, rw, rows
        dut.base.value, dut.size.value, dut.half.value = base, size, t % 2
        dut.start.value = 1
        await RisingEdge(dut.clk)
        await drive_phase()
        dut.start.value = 0
        for _ in range(20_000):
            await RisingEdge(dut.clk)
            await ReadOnly()
            if not int(dut.busy.value) and not e._pending:
                break
        else:
            st = {n: int(getattr(dut, n).value) for n in
                  ("issuing", "rowset", "arvalid", "nbl", "row", "nrows", "f_n", "row_ok",
                   "drain", "active")}
            raise AssertionError(f"trial {t}: engine still busy {st} {list(e._pending)}")
        await ClockCycles(dut.clk, 2)
        await ReadOnly()
        what = f"trial {t}: addr {addr:#x} rw {rw} rows {rows} base {base:#x} size {size:#x}"
        assert int(dut.rerr.value) == int(stop), f"{what}: rerr {int(dut.rerr.value)}"
        hi = base + size
        for a, n in e.ars:
            assert base <= a and a + n * e.bpb <= hi, f"{what}: AR {a:#x}+{n} outside"
            assert n <= e.max_burst and a // 4096 == (a + n * e.bpb - 1) // 4096, what
        # the ARs tile the fetched rows' beat ranges exactly, in order
        cover = [lo + i * e.bpb for _, lo, nb, _ in want for i in range(nb)]
        issued = [a + i * e.bpb for a, n in e.ars for i in range(n)]
        assert issued == cover, f"{what}: beats requested {len(issued)}, rows need {len(cover)}"
        # every beat written once with its tags; after a stop the beats still in flight are
        # accepted and dropped (the run ends ADDR_RANGE), so a prefix of them
        tags = [(r % (1 << e.lpb), i, sk) for r, _, nb, sk in want for i in range(nb)]
        written = [b[:3] for b in e.beats]
        if stop:
            assert written == tags[:len(written)], f"{what}: beats tagged wrong"
        else:
            assert written == tags, f"{what}: {len(written)} beats written of {len(tags)}"
            assert e.tdone == 1, f"{what}: tdone {e.tdone}"
        stopped += stop
        fetched_rows += len(want)
    dut._log.info("%d tiles: %d stopped by the bounds check, %d rows fetched", trials,
                  stopped, fetched_rows)
    assert 0 < stopped < trials, "the random buffers must both pass and fail the check"
