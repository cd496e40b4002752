"""The PYNQ driver's register protocol, against a behavioural device that runs the golden model.

The fake device decodes the same register map as the RTL, reads the program and inputs from a
fake physical memory, validates the program (ProgramError code -> STATUS) and writes outputs,
so the driver is checked end to end without a board.
"""

from __future__ import annotations

import numpy as np
import pytest

from spacemimo.board import driver as drv
from spacemimo.board import regmap as rm
from spacemimo.quant import golden
from spacemimo.quant.program import ERROR_CODES, Program, ProgramError
from spacemimo.quant.testprograms import small_gsm_program
from spacemimo.quant.vectors import random_vectors as random_inputs


class FakeMemory:
    """Physically contiguous buffers at distinct addresses (what pynq.allocate returns)."""

    def __init__(self) -> None:
        self.buffers: dict[int, np.ndarray] = {}
        self.next = 0x1000_0000

    def allocate(self, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        buf = np.zeros(shape, dtype)
        addr = self.next
        self.next += (buf.nbytes + 0xFFF) & ~0xFFF
        self.buffers[addr] = buf
        return _Phys(buf, addr)

    def at(self, addr: int) -> np.ndarray:
        return self.buffers[addr]


class _Phys(np.ndarray):
    def __new__(cls, arr: np.ndarray, addr: int) -> _Phys:
        obj = arr.view(cls)
        obj.physical_address = addr
        return obj


class FakeAccel:
    """Register-level model of the accelerator (behaviour per board/regmap.yaml)."""

    def __init__(self, mem: FakeMemory, hang: bool = False) -> None:
        self.map = rm.load()
        self.off = {v: k for k, v in self.map.offsets().items()}
        self.regs = {name: 0 for name in self.map.offsets()}
        self.regs["HW_ID"] = self.map.hw_id
        self.regs["CTRL"] = 0b100  # idle
        self.mem, self.hang = mem, hang
        self.program: Program | None = None
        self.runs = 0

    def read(self, offset: int) -> int:
        name = self.off[offset]
        value = self.regs[name]
        if name == "CTRL":
            self.regs["CTRL"] &= ~0b10  # AP_DONE clears on read
        return value

    def write(self, offset: int, value: int) -> None:
        name = self.off[offset]
        if name == "CTRL":
            if value & 1 and not self.hang:
                self._run()
            return
        self.regs[name] = value

    def _addr(self, base: str) -> int:
        return self.regs[f"{base}_LO"] | (self.regs[f"{base}_HI"] << 32)

    def _run(self) -> None:
        self.runs += 1
        status = 0
        try:
            if self.regs["MODE"] & 1:
                self.program = Program.from_bytes(self.mem.at(self._addr("PROGRAM_ADDR"))
                                                  .tobytes())
            if self.program is None:
                raise ProgramError(ERROR_CODES["BAD_MAGIC"], "no program loaded")
            p = self.program
            x = self.mem.at(self._addr("INPUT_ADDR")).astype(np.int64)
            self.mem.at(self._addr("OUTPUT_ADDR"))[:] = golden.run(p, x)
            self.regs["CYCLES_LO"], self.regs["CYCLES_HI"] = 1234 * self.runs, 0
        except ProgramError as err:
            status = err.code
        self.regs["STATUS"] = status
        self.regs["CTRL"] = 0b110  # done + idle


@pytest.fixture
def setup() -> tuple[drv.AccelDriver, FakeAccel, Program]:
    mem = FakeMemory()
    dev = FakeAccel(mem)
    return drv.AccelDriver(dev, mem.allocate), dev, small_gsm_program(bits=8, seed=3)


def test_load_run_matches_golden_and_reuses_weights(setup) -> None:
    d, dev, prog = setup
    d.check_id()
    d.load(prog)
    x = random_inputs(prog, 20, seed=1)
    first = d.run(x)
    assert first.loaded_program and dev.regs["MODE"] == 1
    np.testing.assert_array_equal(first.outputs, golden.run(prog, x))
    second = d.run(x[:3])
    assert not second.loaded_program and dev.regs["MODE"] == 0
    np.testing.assert_array_equal(second.outputs, golden.run(prog, x[:3]))
    assert second.cycles == 2468


def test_corrupted_program_reports_its_error_code(setup) -> None:
    d, dev, prog = setup
    d.load(prog)
    d._image[15] ^= 1  # checksum word
    with pytest.raises(drv.AccelError, match="BAD_CHECKSUM") as info:
        d.run(random_inputs(prog, 2, seed=0))
    assert info.value.code == ERROR_CODES["BAD_CHECKSUM"]


def test_bad_inputs_are_refused_before_touching_the_device(setup) -> None:
    d, dev, prog = setup
    with pytest.raises(ValueError, match="no program"):
        d.run(np.zeros((1, prog.in_rows, prog.in_cols), np.int64))
    d.load(prog)
    with pytest.raises(ValueError, match="must be"):
        d.run(np.zeros((1, prog.in_rows + 1, prog.in_cols), np.int64))
    with pytest.raises(ValueError, match="integers"):
        d.run(np.zeros((1, prog.in_rows, prog.in_cols)))
    with pytest.raises(ValueError, match="range"):
        d.run(np.full((1, prog.in_rows, prog.in_cols), 128))
    assert dev.runs == 0


def test_a_hung_device_times_out() -> None:
    mem = FakeMemory()
    d = drv.AccelDriver(FakeAccel(mem, hang=True), mem.allocate, timeout_s=0.05)
    prog = small_gsm_program(bits=8, seed=0)
    d.load(prog)
    with pytest.raises(drv.AccelError, match="TIMEOUT"):
        d.run(random_inputs(prog, 1, seed=0))


def test_wrong_bitstream_is_refused(setup) -> None:
    d, dev, _ = setup
    dev.regs["HW_ID"] = 0xDEADBEEF
    with pytest.raises(drv.AccelError, match="HW_ID"):
        d.check_id()


def test_selftest_replays_golden_vectors(setup, tmp_path) -> None:
    from spacemimo.quant.vectors import write_golden_vectors

    d, _, prog = setup
    write_golden_vectors(tmp_path, prog, n=16, seed=2)
    bad, total = drv.selftest(d, tmp_path)
    assert bad == 0 and total == 16 * prog.out_rows * prog.out_cols


def test_pynq_class_binds_to_the_hls_vlnv() -> None:
    pytest.importorskip("pynq", reason="install pynq==4.0.0 (make setup)")
    cls = drv.pynq_driver_class()
    assert cls.bindto == [drv.VLNV]
