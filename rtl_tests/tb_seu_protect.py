"""Directed SEU tests of a protected ``spacemimo_accel`` build (rtl/README.md "SEU protection";
tests/test_rtl_seu.py runs them on rtl-small-8-seu and rtl-small-8-seu-parity).

Each test loads the golden vectors' program with the board driver (tb_accel's TB), then flips
bits of one protected memory by VPI deposit while a run is under way (or, for the scrubber,
while the core is idle) and checks what the hardware made of it: a single flip in a SECDED
memory is corrected (outputs exact, SEU_CORRECTED counts it), a parity-protected word is
detected, and an adjacent double flip ends the run with STATUS SEU_DETECTED, the matching
SEU_STATUS bit and no hang; a reload (or a rerun, for run-local upsets) is exact again.

Environment: SM_VECTORS (golden vectors, tests/test_rtl_seu.py), SM_SEU_ACTS (the build's
seu_acts: parity or secded), SM_NVEC (vectors per run, default 2).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from tb_accel import TB, _int, scoreboard

from spacemimo.hw.seu_campaign import CTRL_REGS
from spacemimo.quant.program import ERROR_CODES
from spacemimo.quant.vectors import read_golden_vectors

SEU_DETECTED = 11
assert ERROR_CODES.get("SEU_DETECTED", SEU_DETECTED) == SEU_DETECTED
S_IN, S_DENSE = 13, 16  # controller states (rtl/spacemimo_accel.v localparams)
WEIGHTS, PROGRAM, RUN_UPSET, CTRL_FAULT = 1, 2, 4, 8   # SEU_STATUS bits


def resolve(dut: Any, path: str) -> Any:
    """The handle of a dotted path below the top; generate blocks indexed like arrays."""
    obj = dut
    for part in path.split("."):
        if "[" in part:
            name, idx = part[:-1].split("[")
            obj = getattr(obj, name)[int(idx)]
        else:
            obj = getattr(obj, part)
    return obj


def flip(dut: Any, path: str, index: int, bits: tuple[int, ...]) -> int:
    """XOR ``bits`` into word ``index`` of the memory at ``path``; returns the old word."""
    h = resolve(dut, path)[index]
    old = _int(h)
    mask = sum(1 << b for b in bits)
    h.value = old ^ mask
    return old


def used_index(dut: Any, path: str, lo: int = 0) -> int:
    """The first non-zero word of a memory at or after ``lo`` (a word the program uses)."""
    mem = resolve(dut, path)
    for i in range(lo, len(mem)):
        if _int(mem[i]):
            return i
    raise AssertionError(f"{path}: no non-zero word")


class Seu:
    """One loaded program and the board driver; runs with an injection hook."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.gv = read_golden_vectors(Path(os.environ["SM_VECTORS"]))
        self.n = min(int(os.environ.get("SM_NVEC", "2")), self.gv.inputs.shape[0])
        self.tb = TB(dut, stall=0.0)

    async def setup(self, scrub_period: int = 0) -> None:
        """Reset, load + one clean run (exact), scrubber at ``scrub_period``."""
        await self.tb.reset()
        await self.tb.write_reg("SCRUB_PERIOD", scrub_period)
        await self.tb.place(self.gv.program, self.gv.inputs[:self.n])
        status, _ = await self.tb.run(load=True, num_vectors=self.n)
        assert status == 0, f"clean load + run: STATUS {status}"
        assert self.mismatches("clean run") == 0

    def mismatches(self, what: str) -> int:
        exp = self.gv.expected[:self.n]
        return scoreboard(self.dut, self.tb.outputs(exp.shape), exp, what)

    async def regs(self) -> dict[str, int]:
        return {r: await self.tb.read_reg(r)
                for r in ("SEU_STATUS", "SEU_CORRECTED", "SEU_UNCORRECTABLE")}

    async def run(self, load: bool = False, inject: Any = None, in_dense: bool = False
                  ) -> tuple[int, int]:
        """A run (outputs poisoned first); ``inject()`` is called once the input table's
        first row is in the activation buffer (state S_IN, row 1): before any op reads; with
        ``in_dense``, 3 cycles into the first DENSE op (its op registers latched)."""
        self.tb.poison_outputs()
        await self.tb.start(load, self.n)
        if inject is not None:
            while not (_int(self.dut.st) == S_IN and _int(self.dut.io_r) >= 1):
                await RisingEdge(self.dut.ap_clk)
            if in_dense:
                while _int(self.dut.st) != S_DENSE:
                    await RisingEdge(self.dut.ap_clk)
                await ClockCycles(self.dut.ap_clk, 3)
                assert _int(self.dut.st) == S_DENSE, "DENSE op shorter than 3 cycles"
            inject()
        await self.tb._interrupt(400_000)   # a hang fails here
        self.isr = _int(self.dut.u_regs.isr)   # before the driver acknowledges it
        return await self.tb.finish(ack=True)

    async def clear(self) -> None:
        await self.tb.write_reg("SEU_CLEAR", 1)
        r = await self.regs()
        assert r == {"SEU_STATUS": 0, "SEU_CORRECTED": 0, "SEU_UNCORRECTABLE": 0}, r


async def _single_corrected(s: Seu, path: str, index: int, bit: int, what: str) -> None:
    """One flipped bit in a SECDED word: the run is exact and the correction counted."""
    await s.clear()
    status, _ = await s.run(inject=lambda: flip(s.dut, path, index, (bit,)))
    r = await s.regs()
    s.dut._log.info("%s single flip: STATUS %d, %s", what, status, r)
    assert status == 0, f"{what}: single flip gave STATUS {status}"
    assert s.mismatches(f"{what} single flip") == 0
    assert r["SEU_CORRECTED"] >= 1 and r["SEU_UNCORRECTABLE"] == 0 and r["SEU_STATUS"] == 0, r


async def _double_detected(s: Seu, path: str, index: int, bit: int, seu_bit: int,
                           what: str) -> None:
    """Two adjacent flipped bits: STATUS SEU_DETECTED, the SEU_STATUS bit, ISR bit 2."""
    await s.clear()
    status, _ = await s.run(inject=lambda: flip(s.dut, path, index, (bit, bit + 1)))
    r = await s.regs()
    s.dut._log.info("%s adjacent double flip: STATUS %d, %s", what, status, r)
    assert status == SEU_DETECTED, f"{what}: adjacent double flip gave STATUS {status}"
    assert r["SEU_STATUS"] & seu_bit and r["SEU_UNCORRECTABLE"] >= 1, r
    assert s.isr & 0b100, f"{what}: ISR {s.isr:#x} lacks the SEU bit"


async def _reload_exact(s: Seu) -> None:
    status, _ = await s.run(load=True)
    assert status == 0 and s.mismatches("reload") == 0
    r = await s.regs()
    assert r["SEU_STATUS"] & (WEIGHTS | PROGRAM) == 0, r


@cocotb.test()
async def test_seu_registers(dut: Any) -> None:
    """HW_PROTECT says what the build protects, SCRUB_PERIOD's reset value, SEU_CLEAR."""
    s = Seu(dut)
    await s.tb.reset()
    acts = {"parity": 1, "secded": 2}[os.environ.get("SM_SEU_ACTS", "secded")]
    hp = s.tb.driver.regmap.decode("HW_PROTECT", await s.tb.read_reg("HW_PROTECT"))
    assert hp == {"WEIGHTS": 2, "ACTS": acts, "CTRL": 1, "SCRUB": 1}, hp
    reset = s.tb.driver.regmap["SCRUB_PERIOD"].reset
    assert reset > 0 and await s.tb.read_reg("SCRUB_PERIOD") == reset
    await s.tb.write_reg("SCRUB_PERIOD", 77)
    assert await s.tb.read_reg("SCRUB_PERIOD") == 77
    await s.clear()


@cocotb.test()
async def test_seu_weights(dut: Any) -> None:
    """Resident weight rows (SECDED 64 + 8): single flip corrected, adjacent double
    detected (WEIGHTS_CORRUPTED), a reload clears it and is exact."""
    s = Seu(dut)
    await s.setup()
    path = "wbank[1].res.wmem"
    row = used_index(dut, path)
    await _single_corrected(s, path, row, 5, "weights")
    flip(dut, path, row, (5,))   # restore (the read path corrects, it does not write back)
    await _double_detected(s, path, row, 40, WEIGHTS, "weights")
    await _reload_exact(s)


@cocotb.test()
async def test_seu_biases(dut: Any) -> None:
    """Bias entries (SECDED ACC_W + 7): single flip corrected, adjacent double detected."""
    s = Seu(dut)
    await s.setup()
    path = "wbank[2].bmem"
    ent = used_index(dut, path)
    await _single_corrected(s, path, ent, 3, "biases")
    flip(dut, path, ent, (3,))
    await _double_detected(s, path, ent, 20, WEIGHTS, "biases")
    await _reload_exact(s)


@cocotb.test()
async def test_seu_activations(dut: Any) -> None:
    """The input table's first word in the activation buffer: SECDED corrects one flip
    (parity detects it: RUN_UPSET); an adjacent double is detected; a rerun is exact."""
    s = Seu(dut)
    await s.setup()
    hdr = s.gv.program
    rt, cb = 32 // 4, 256 // 8   # rtl-small-8: MAX_ROWS / NODE_ROWS, MAX_COLS / OUT_LANES
    path, idx = "abank[0].lane[0].mem", hdr.in_buf * rt * cb   # row 0, column 0
    if os.environ.get("SM_SEU_ACTS", "secded") == "secded":
        await _single_corrected(s, path, idx, 0, "activations")
    else:
        await s.clear()
        status, _ = await s.run(inject=lambda: flip(dut, path, idx, (0,)))
        r = await s.regs()
        assert status == SEU_DETECTED and r["SEU_STATUS"] & RUN_UPSET, (status, r)
    await _double_detected(s, path, idx, 0, RUN_UPSET, "activations")
    # the word's top bit and the check bit beside it (bits, bits + 1 of the stored word):
    # the campaign found this pair undetected when parity grouped by data bit, not position
    w_top = s.gv.program.bits
    await _double_detected(s, path, idx, w_top, RUN_UPSET, "activations, word / check edge")
    status, _ = await s.run()   # the input is rewritten by the next run: no reload needed
    assert status == 0 and s.mismatches("rerun after an activation upset") == 0


@cocotb.test()
async def test_seu_program(dut: Any) -> None:
    """Op-table entry and header word (interleaved parity): a single and an adjacent double
    flip are both detected (PROGRAM_CORRUPTED) before the op runs; a reload is exact."""
    s = Seu(dut)
    await s.setup()
    last = len(s.gv.program.ops) - 1
    for bits in ((3,), (3, 4)):
        await s.clear()
        status, _ = await s.run(inject=lambda b=bits: flip(dut, "opmem", last, b))
        r = await s.regs()
        assert status == SEU_DETECTED and r["SEU_STATUS"] & PROGRAM, (bits, status, r)
        await _reload_exact(s)
    await s.clear()
    status, _ = await s.run(inject=lambda: flip(dut, "hdr", 7, (0, 1)))
    r = await s.regs()
    assert status == SEU_DETECTED and r["SEU_STATUS"] & PROGRAM, (status, r)
    await _reload_exact(s)


@cocotb.test()
async def test_seu_fsm(dut: Any) -> None:
    """An illegal controller state (deposited mid-run): STATUS SEU_DETECTED, RUN_UPSET +
    CTRL_FAULT, the core back to idle with no burst left; the next run is exact."""
    s = Seu(dut)
    await s.setup()
    await s.clear()

    def bad_state() -> None:
        # st is triplicated (SEU_C): one upset copy is outvoted, so the illegal state comes
        # from all three copies at once (as a common-mode fault would put it there)
        for k in range(3):
            getattr(dut, f"st_t{k}").value = 63
    status, _ = await s.run(inject=bad_state)
    r = await s.regs()
    assert status == SEU_DETECTED and r["SEU_STATUS"] == RUN_UPSET | CTRL_FAULT, (status, r)
    status, _ = await s.run()
    assert status == 0 and s.mismatches("run after an illegal state") == 0


# the triplicated controller registers (`SM_TMR_REG in spacemimo_accel.v) are the
# campaign's CTRL_REGS (tests/test_seu_campaign.py::test_tmr_rule_is_complete)
TMR_REGS = CTRL_REGS


@cocotb.test()
async def test_seu_tmr(dut: Any) -> None:
    """Controller TMR: every triplicated register gets one copy flipped (copy k = register
    index mod 3, all bits) at once mid-run: the vote hides it (run exact, STATUS 0, no SEU
    flag) and the next clock writes the voted value back into the upset copy."""
    s = Seu(dut)
    await s.setup()
    await s.clear()
    seen: dict[str, tuple[int, int]] = {}

    def upset() -> None:
        for i, r in enumerate(TMR_REGS):
            h = getattr(dut, f"{r}_t{i % 3}")
            v = _int(h)
            h.value = v ^ ((1 << len(h)) - 1)
            seen[r] = (i % 3, v)
        cocotb.start_soon(check_repaired())

    async def check_repaired() -> None:
        await RisingEdge(dut.ap_clk)
        await FallingEdge(dut.ap_clk)
        for r in TMR_REGS:
            c = [_int(getattr(dut, f"{r}_t{k}")) for k in range(3)]
            assert c[0] == c[1] == c[2], f"{r}: copies {c} not repaired after one clock"
        seen["repaired"] = (1, 1)

    status, _ = await s.run(inject=upset)
    r = await s.regs()
    assert status == 0 and r["SEU_STATUS"] == 0 and r["SEU_UNCORRECTABLE"] == 0, (status, r)
    assert s.mismatches("one upset copy of every TMR register") == 0
    assert "repaired" in seen and len(seen) == len(TMR_REGS) + 1


@cocotb.test()
async def test_seu_ctrl_registers(dut: Any) -> None:
    """Controller registers mid-DENSE: a flipped bit of the op registers (o_icol, under
    parity) and a loop counter thrown past its bound (d_rt bit 30: ~2^30 row tiles), each
    in all three TMR copies, both end the run with SEU_DETECTED, RUN_UPSET + CTRL_FAULT, no
    hang; the next run is exact."""
    s = Seu(dut)
    await s.setup()
    for name, bit in (("o_icol", 2), ("d_rt", 30)):
        await s.clear()

        def hit(n: str = name, b: int = bit) -> None:
            # both are triplicated (`SM_TMR_REG): one upset copy is outvoted
            # (test_seu_tmr), so the same flip in all three copies reaches the checks
            for k in range(3):
                h = getattr(dut, f"{n}_t{k}")
                h.value = _int(h) ^ (1 << b)
        status, _ = await s.run(inject=hit, in_dense=True)
        r = await s.regs()
        dut._log.info("%s bit %d: STATUS %d, %s", name, bit, status, r)
        assert status == SEU_DETECTED and r["SEU_STATUS"] == RUN_UPSET | CTRL_FAULT, (name, r)
        status, _ = await s.run()
        assert status == 0 and s.mismatches(f"run after {name}") == 0


@cocotb.test()
async def test_seu_scrubber(dut: Any) -> None:
    """The scrubber repairs a flipped weight row and bias entry while the core is idle (read
    back by VPI), flags an uncorrectable row without rewriting it, and never stalls a run:
    CYCLES with SCRUB_PERIOD 1 equal CYCLES with the scrubber off, outputs exact."""
    s = Seu(dut)
    await s.setup(scrub_period=0)
    status, cyc_off = await s.run()
    assert status == 0
    await s.tb.write_reg("SCRUB_PERIOD", 1)   # a step every cycle: the most port B traffic
    status, cyc_on = await s.run()
    assert status == 0 and s.mismatches("run while scrubbing") == 0
    assert cyc_on == cyc_off, f"scrubbing changed CYCLES: {cyc_off} -> {cyc_on}"
    await s.tb.write_reg("SCRUB_PERIOD", 0)
    await s.clear()
    wpath, bpath = "wbank[3].res.wmem", "wbank[3].bmem"
    row, ent = used_index(dut, wpath), used_index(dut, bpath)
    mem = resolve(dut, wpath)
    before = [_int(mem[i]) for i in range(len(mem))]
    wgood = flip(dut, wpath, row, (17,))
    bgood = flip(dut, bpath, ent, (2,))
    # the same row corrected in two banks: one write-back per step, the step repeated
    # (one memory per bank: the shared encoder writes one bank at a time)
    wpath2 = "wbank[6].res.wmem"
    mem2 = resolve(dut, wpath2)
    before2 = [_int(mem2[i]) for i in range(len(mem2))]
    wgood2 = flip(dut, wpath2, row, (66,))   # a check bit
    bpath2 = "wbank[6].bmem"                # and a bias entry beside bank 3's
    bgood2 = flip(dut, bpath2, ent, (5,))
    bad_row = used_index(dut, wpath, row + 1)
    bad_old = flip(dut, wpath, bad_row, (9, 10))
    await s.tb.write_reg("SCRUB_PERIOD", 1)   # back-to-back steps (each 2 cycles + 1 idle)
    await ClockCycles(dut.ap_clk, 3 * 2 * 256 + 100)   # every used row (<= 256) twice
    await s.tb.write_reg("SCRUB_PERIOD", 0)
    after = [_int(mem[i]) for i in range(len(mem))]
    changed = [i for i in range(len(mem)) if after[i] != before[i] and i != bad_row]
    assert changed == [], f"scrubbing changed rows {changed[:8]} (only the flip is expected)"
    assert _int(mem[row]) == wgood, "scrubber left the weight row flipped"
    assert _int(mem2[row]) == wgood2, "scrubber left the second bank's row flipped"
    assert [_int(mem2[i]) for i in range(len(mem2))] == before2, "scrubbing changed bank 6"
    assert _int(resolve(dut, bpath2)[ent]) == bgood2, "scrubber left bank 6's bias flipped"
    assert _int(resolve(dut, bpath)[ent]) == bgood, "scrubber left the bias flipped"
    r = await s.regs()
    assert r["SEU_CORRECTED"] >= 2 and r["SEU_STATUS"] & WEIGHTS, r
    assert r["SEU_UNCORRECTABLE"] >= 1
    assert _int(mem[bad_row]) == bad_old ^ (0b11 << 9), "an uncorrectable row was rewritten"


def _packed_words(dut: Any) -> dict[tuple[int, int], int]:
    """Every row of the packed store: (memory j, index i) -> ``pk.mem[j].um[i]``
    (SM_PK_MEMS memories)."""
    words = {}
    for j in range(int(os.environ["SM_PK_MEMS"])):
        mem = resolve(dut, f"pk.mem[{j}].um")
        for i in range(len(mem)):
            words[(j, i)] = _int(mem[i])
    return words


def _packed_rows(dut: Any, wrd: int) -> dict[int, list[tuple[int, int]]]:
    """The packed store's used rows (non-zero after a load) per bank: bank b's row r is
    linear row b * ``wrd`` + r, at index l mod PKR of memory ``pk.mem[l // PKR].um``."""
    pkr = len(resolve(dut, "pk.mem[0].um"))
    rows: dict[int, list[tuple[int, int]]] = {}
    for (j, i), w in sorted(_packed_words(dut).items()):
        if w:
            rows.setdefault((j * pkr + i) // wrd, []).append((j, i))
    assert rows, "no used row in the packed store"
    return rows


@cocotb.test()
async def test_seu_packed_scrubber(dut: Any) -> None:
    """The packed store's scrubber (WMEM_PACK_ROWS, SCRUB): never stalls a run (CYCLES with
    SCRUB_PERIOD 1 = off, exact); repairs single flips in an even and an odd bank (port A's
    and port B's reads) during a run and while idle, nothing else rewritten; so two singles
    in one row a sweep apart are both corrected (without the scrubber the pair is
    uncorrectable); an uncorrectable row is flagged and left as it is. SM_WRD: rows per bank,
    SM_PK_MEMS: packed memories."""
    s = Seu(dut)
    await s.setup(scrub_period=0)
    status, cyc_off = await s.run()
    assert status == 0
    await s.clear()
    await s.tb.write_reg("SCRUB_PERIOD", 1)   # a step every cycle: the most port-A traffic
    status, cyc_on = await s.run()
    assert status == 0 and s.mismatches("run while scrubbing") == 0
    assert cyc_on == cyc_off, f"scrubbing changed CYCLES: {cyc_off} -> {cyc_on}"
    r = await s.regs()
    assert r == {"SEU_STATUS": 0, "SEU_CORRECTED": 0, "SEU_UNCORRECTABLE": 0}, r
    await s.tb.write_reg("SCRUB_PERIOD", 0)
    rows = _packed_rows(dut, int(os.environ["SM_WRD"]))
    even = next(b for b in sorted(rows) if b % 2 == 0 and len(rows[b]) >= 2)
    odd = next(b for b in sorted(rows) if b % 2 == 1 and len(rows[b]) >= 2)
    picks = {b: rows[b][-1] for b in (even, odd)}   # the last used row of each bank
    um = {b: resolve(dut, f"pk.mem[{j}].um") for b, (j, _) in picks.items()}

    # 1. singles flipped during a run (the input read), repaired by the scrubber during it
    before = _packed_words(dut)
    good: dict[int, int] = {}
    fixed_in: dict[int, int] = {}   # bank -> the controller state when its row came back

    def inject() -> None:
        for b, (j, i) in picks.items():
            good[b] = flip(dut, f"pk.mem[{j}].um", i, (5 + b,))

    async def watch() -> None:
        while len(fixed_in) < len(picks):
            await RisingEdge(dut.ap_clk)
            for b, (_j, i) in picks.items():
                if b in good and b not in fixed_in and _int(um[b][i]) == good[b]:
                    fixed_in[b] = _int(dut.st)

    watcher = cocotb.start_soon(watch())
    await s.tb.write_reg("SCRUB_PERIOD", 1)
    status, _ = await s.run(inject=inject)
    assert status == 0 and s.mismatches("run with two flipped rows, scrubbing") == 0
    await s.tb.write_reg("SCRUB_PERIOD", 0)
    for b, (_j, i) in picks.items():
        assert _int(um[b][i]) == good[b], f"bank {b}: the run's scrub left the row flipped"
    assert _packed_words(dut) == before, "scrubbing changed a row it should not"
    watcher.cancel()
    assert all(st != 0 for st in fixed_in.values()), f"not repaired during the run: {fixed_in}"
    dut._log.info("packed rows %s repaired in controller states %s", picks, fixed_in)
    r = await s.regs()
    assert r["SEU_CORRECTED"] >= 2 and r["SEU_UNCORRECTABLE"] == 0 and r["SEU_STATUS"] == 0, r

    # 2. accumulation: a single, a sweep of the idle scrubber, a second single in the same
    # row: corrected, not uncorrectable
    await s.clear()
    for j, i in picks.values():
        flip(dut, f"pk.mem[{j}].um", i, (3,))
    await s.tb.write_reg("SCRUB_PERIOD", 1)
    await ClockCycles(dut.ap_clk, 3 * 2 * 2 * len(um[even]) + 100)   # > one sweep
    await s.tb.write_reg("SCRUB_PERIOD", 0)
    for b, (j, i) in picks.items():
        assert _int(um[b][i]) == good[b], f"bank {b}: the idle scrubber left the row flipped"
        flip(dut, f"pk.mem[{j}].um", i, (40,))
    status, _ = await s.run()
    r = await s.regs()
    assert status == 0 and s.mismatches("second single after a sweep") == 0, status
    assert r["SEU_UNCORRECTABLE"] == 0 and r["SEU_STATUS"] == 0 and r["SEU_CORRECTED"] >= 4, r
    for b, (j, i) in picks.items():   # the MAC read corrects, the row still holds the flip
        assert _int(um[b][i]) == good[b] ^ (1 << 40), f"bank {b}: row rewritten, scrub off"
        flip(dut, f"pk.mem[{j}].um", i, (40,))

    # 3. the same two singles without the scrubber: one row, two bits: uncorrectable
    await s.clear()
    j, i = picks[even]
    flip(dut, f"pk.mem[{j}].um", i, (3, 40))   # one deposit (a read sees it next step)
    status, _ = await s.run()
    r = await s.regs()
    assert status == SEU_DETECTED and r["SEU_STATUS"] & WEIGHTS, (status, r)
    flip(dut, f"pk.mem[{j}].um", i, (3, 40))
    await _reload_exact(s)

    # 4. an uncorrectable row is flagged by the scrubber and not rewritten
    await s.clear()
    j, i = picks[odd]
    bad = flip(dut, f"pk.mem[{j}].um", i, (9, 10)) ^ (0b11 << 9)
    await s.tb.write_reg("SCRUB_PERIOD", 1)
    await ClockCycles(dut.ap_clk, 3 * 2 * 2 * len(um[odd]) + 100)
    await s.tb.write_reg("SCRUB_PERIOD", 0)
    r = await s.regs()
    assert r["SEU_STATUS"] & WEIGHTS and r["SEU_UNCORRECTABLE"] >= 1, r
    assert _int(um[odd][i]) == bad, "an uncorrectable row was rewritten"
    await _reload_exact(s)
