"""The driver's host protocol against a behavioural device (the fast unit test of the protocol).

``FakeBoard`` is a HardwareAccess: physical memory with page-aligned buffers, and a
register-level model of the accelerator per spacemimo/spec/regmap.yaml that applies the hardware's
checks in the hardware's order (``golden.run_device``: PROGRAM_SIZE, the image, NUM_VECTORS vs
INPUT_SIZE/OUTPUT_SIZE), runs the golden model, and models ABORT, the interrupt line and a
hung or wedged bus. It fails the test on any access outside the driver's buffers. The same
driver code runs the RTL in tests/test_driver_rtl.py and the board through pynq_driver.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import numpy as np
import pytest

from spacemimo.board import driver as drv
from spacemimo.quant import golden
from spacemimo.quant import program as pf
from spacemimo.quant.program import ERROR_CODES, HardwareLimits, Program, ProgramError
from spacemimo.quant.random_programs import random_model_gnn_program, small_gsm_program
from spacemimo.quant.vectors import random_vectors as random_inputs
from spacemimo.spec import regmap as rm

MAP = rm.load()
LIMITS = HardwareLimits(max_rows=32, max_cols=256, num_buffers=4, node_rows=4, out_lanes=8)


def hw_config(limits: HardwareLimits = LIMITS, bits: int = 8) -> int:
    te = limits.table_elems
    return MAP.encode("HW_CONFIG", MAX_ROWS=limits.max_rows,
                      MAX_COLS_DIV64=limits.max_cols // 64, NUM_BUFFERS=limits.num_buffers,
                      LOG2_OUT_LANES=limits.out_lanes.bit_length() - 1,
                      LOG2_NODE_ROWS=limits.node_rows.bit_length() - 1,
                      DATA_16=int(bits == 16), TABLE_SIZE=te.bit_length() - 10 if te else 0)


class _Phys(np.ndarray):
    """A numpy buffer with a physical address (what pynq.allocate returns)."""

    def __new__(cls, arr: np.ndarray, addr: int, board: FakeBoard) -> _Phys:
        obj = arr.view(cls)
        obj.physical_address = addr
        obj.board = board
        return obj

    def flush(self) -> None:
        self.board.flushes += 1

    def invalidate(self) -> None:
        self.board.invalidates += 1


class FakeBoard:
    """Memory + registers of the accelerator; a HardwareAccess for AccelDriver."""

    def __init__(self, bits: int = 8, hang: bool = False, wedge: bool = False,
                 interrupt: bool = True) -> None:
        self.off = {r.offset: r.name for r in MAP.registers}
        self.regs = {name: 0 for name in MAP.offsets()}
        self.regs.update(HW_ID=MAP.hw_id, HW_CONFIG=hw_config(bits=bits), CTRL=0b100,
                         HW_WEIGHTS=MAP.encode("HW_WEIGHTS", WMEM_DEPTH=512, WGT_PORTS=2,
                                               LOG2_WGT_WORDS=1, PLACEMENT=3),
                         HW_PROTECT=MAP.encode("HW_PROTECT", WEIGHTS=2, ACTS=1, CTRL=1,
                                               SCRUB=1), SCRUB_PERIOD=1024)
        # SEU model: one entry per coming run, "weights" / "program" (sticky, reload),
        # "acts" (RUN_UPSET), "single" (corrected) or None (a clean run)
        self.upsets: list[str | None] = []
        self.bits, self.hang, self.wedge, self.interrupt = bits, hang, wedge, interrupt
        self.live: dict[int, _Phys] = {}
        self.next = 0x1000_0000
        self.allocations = self.flushes = self.invalidates = 0
        self.program: Program | None = None
        self.runs = 0
        self.modes: list[int] = []  # MODE of every start
        self.writes: list[tuple[str, int]] = []
        self.clock = 0.0  # advances 1 µs per register access: timeouts need no sleeping
        self.hls_steps = False  # True: an HLS IP, which reports STEPS beside CYCLES

    # -- HardwareAccess ---------------------------------------------------------------------
    def allocate(self, nbytes: int) -> _Phys:
        self.allocations += 1
        buf = _Phys(np.zeros(nbytes, np.uint8), self.next, self)
        self.live[self.next] = buf
        self.next += (nbytes + 0xFFF) & ~0xFFF
        return buf

    def free(self, buf: _Phys) -> None:
        del self.live[buf.physical_address]

    def now(self) -> float:
        return self.clock

    def wait_done(self, timeout_s: float) -> bool:
        return drv.poll_done(self, MAP, timeout_s)

    async def wait_done_async(self, timeout_s: float) -> bool:
        if not self.interrupt:
            return await drv.poll_done_async(self, MAP, timeout_s, interval_s=0)
        # the interrupt line: GIE & IER.done & ISR.done
        deadline = self.clock + timeout_s
        while not (self.regs["GIE"] & self.regs["IER"] & self.regs["ISR"] & 1):
            self.clock += 1e-6
            if self.clock > deadline:
                return False
            await asyncio.sleep(0)
        return True

    def read(self, offset: int) -> int:
        self.clock += 1e-6
        name = self.off[offset]
        assert MAP[name].access != "wo", f"read of write-only {name}"
        value = self.regs[name]
        if name == "CTRL":
            self.regs["CTRL"] &= ~0b10  # AP_DONE clears on read
        return value

    def write(self, offset: int, value: int) -> None:
        self.clock += 1e-6
        name = self.off[offset]
        assert MAP[name].access != "ro", f"write to read-only {name}"
        self.writes.append((name, value))
        if name == "CTRL":
            if value & 1:
                assert self.regs["CTRL"] & 0b100, "started while busy"
                self.regs["CTRL"] = 0  # busy
                if not self.hang:
                    self._run()
        elif name == "ISR":
            self.regs["ISR"] ^= value  # toggle-on-write
        elif name == "SEU_CLEAR":
            if value & 1:  # the RTL's write-only clear acts at once
                self.regs.update(SEU_STATUS=0, SEU_CORRECTED=0, SEU_UNCORRECTABLE=0)
        elif name == "ABORT":
            if value & 1 and not self.regs["CTRL"] & 0b100 and not self.wedge:
                self._end(ERROR_CODES["ABORTED"])
        else:
            self.regs[name] = value

    # -- the device ---------------------------------------------------------------------------
    def _addr(self, base: str) -> int:
        return self.regs[f"{base}_LO"] | (self.regs[f"{base}_HI"] << 32)

    def _bytes(self, base: str, size: int) -> np.ndarray:
        """The registered range [ADDR, ADDR + SIZE): fails the test outside the buffers."""
        addr = self._addr(base)
        for start, buf in self.live.items():
            if start <= addr and addr + size <= start + buf.nbytes:
                return buf.view(np.ndarray)[addr - start:addr - start + size]
        raise AssertionError(f"{base} range [{addr:#x}, +{size}) outside every live buffer")

    def _end(self, status: int) -> None:
        self.regs["STATUS"] = status
        self.regs["CTRL"] = 0b110  # done + idle
        self.regs["ISR"] |= 1

    def _seu(self) -> int | None:
        """The SEU model of one start: STATUS SEU_DETECTED (and SEU_STATUS) or None."""
        bit = {f.name: f.mask for f in MAP["SEU_STATUS"].fields}
        self.regs["SEU_STATUS"] &= ~bit["RUN_UPSET"]
        upset = self.upsets.pop(0) if self.upsets else None
        if self.regs["MODE"] & 1:  # LOAD_PROGRAM rewrites weights and op table
            self.regs["SEU_STATUS"] &= ~(bit["WEIGHTS_CORRUPTED"] | bit["PROGRAM_CORRUPTED"])
        elif self.regs["SEU_STATUS"] & (bit["WEIGHTS_CORRUPTED"] | bit["PROGRAM_CORRUPTED"]):
            return ERROR_CODES["SEU_DETECTED"]  # the loaded program is known bad
        if upset == "single":
            self.regs["SEU_CORRECTED"] += 1
            return None
        if upset is None:
            return None
        self.regs["SEU_UNCORRECTABLE"] += 1
        self.regs["SEU_STATUS"] |= bit[{"weights": "WEIGHTS_CORRUPTED", "acts": "RUN_UPSET",
                                        "program": "PROGRAM_CORRUPTED"}[upset]]
        return ERROR_CODES["SEU_DETECTED"]

    def _run(self) -> None:
        self.runs += 1
        self.modes.append(self.regs["MODE"])
        seu = self._seu()
        if seu is not None:
            if self.regs["MODE"] & 1 and self.regs["SEU_STATUS"] & 0b100:
                # RUN_UPSET hits a vector: the program was loaded before it
                image = self._bytes("PROGRAM_ADDR", self.regs["PROGRAM_SIZE"]).tobytes()
                self.program = Program.from_bytes(image[:_image_len(np.frombuffer(
                    image, np.uint8))], LIMITS)
            self._end(seu)
            return
        n = self.regs["NUM_VECTORS"]
        image = self._bytes("PROGRAM_ADDR", self.regs["PROGRAM_SIZE"])
        inputs = self._bytes("INPUT_ADDR", self.regs["INPUT_SIZE"]).view(np.int16)
        lim = HardwareLimits(LIMITS.max_rows, LIMITS.max_cols, LIMITS.num_buffers)
        if self.regs["MODE"] & 1:
            self.program = None
            status, y = golden.run_device(
                image.tobytes(), inputs, program_size=self.regs["PROGRAM_SIZE"],
                input_size=self.regs["INPUT_SIZE"], output_size=self.regs["OUTPUT_SIZE"],
                num_vectors=n, limits=lim)
            if status == 0:
                self.program = Program.from_bytes(image.tobytes()[:_image_len(image)], lim)
        elif self.program is None:
            status, y = ERROR_CODES["BAD_MAGIC"], None
        else:
            p = self.program
            try:
                from spacemimo.quant.program import check_io_fits

                check_io_fits(p, n, self.regs["INPUT_SIZE"], self.regs["OUTPUT_SIZE"])
                x = inputs[:n * p.in_rows * p.in_cols].astype(np.int64)
                status, y = 0, golden.run(p, x.reshape(n, p.in_rows, p.in_cols))
            except ProgramError as err:
                status, y = err.code, None
        if status == 0:
            out = self._bytes("OUTPUT_ADDR", self.regs["OUTPUT_SIZE"]).view(np.int16)
            out[:y.size] = np.asarray(y).reshape(-1)
            self.regs["CYCLES_LO"], self.regs["CYCLES_HI"] = 1000 + 100 * n, 0
            if self.hls_steps:  # the HLS IP's counted steps (the RTL reads 0 at STEPS)
                self.regs["STEPS_LO"], self.regs["STEPS_HI"] = 990 + 97 * n, 0
        self._end(status)


def _image_len(image: np.ndarray) -> int:
    w = image[:16].view("<u4")
    return (16 + 16 * int(w[2]) + int(w[3])) * 4


@pytest.fixture
def setup() -> tuple[drv.AccelDriver, FakeBoard, Program]:
    board = FakeBoard()
    return drv.AccelDriver(board, timeout_s=0.05), board, small_gsm_program(bits=8, seed=3)


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
    assert second.cycles == 1300 and second.num_vectors == 3
    assert second.latency_s > 0 and second.throughput > 0


def test_run_reports_steps_and_stalls_only_where_the_ip_counts_them(setup) -> None:
    """CYCLES is the clock on both IPs; the HLS IP adds STEPS (its counted schedule), and
    the driver reports CYCLES - STEPS as the stall clocks. The RTL reads 0 there: None."""
    d, dev, prog = setup
    d.load(prog)
    x = random_inputs(prog, 3, seed=2)
    rtl = d.run(x)
    assert rtl.cycles == 1300 and rtl.steps is None and rtl.stall_cycles is None
    dev.hls_steps = True
    hls = d.run(x)
    assert hls.steps == 990 + 97 * 3 and hls.stall_cycles == 1300 - hls.steps
    assert d.status()["steps"] == hls.steps


def test_sizes_and_addresses_come_from_the_driver_buffers(setup) -> None:
    d, dev, prog = setup
    d.load(prog)
    d.run(random_inputs(prog, 5, seed=0))
    for base, name in (("PROGRAM", "program"), ("INPUT", "input"), ("OUTPUT", "output")):
        buf = d.buffers[name]
        assert dev._addr(f"{base}_ADDR") == buf.physical_address
        assert dev.regs[f"{base}_SIZE"] == buf.nbytes and buf.nbytes % 64 == 0
    need = 5 * prog.in_rows * prog.in_cols * 2
    assert need <= d.buffers["input"].nbytes < need + 64


def test_buffers_are_reused_and_grow_only_for_a_bigger_batch(setup) -> None:
    d, dev, prog = setup
    d.load(prog)
    x = random_inputs(prog, 40, seed=4)
    d.run(x[:10])
    after_first = dev.allocations
    assert len(dev.live) == 3
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(1, 11))
        got = d.run(x[:n]).outputs
        np.testing.assert_array_equal(got, golden.run(prog, x[:n]))
    assert dev.allocations == after_first and len(dev.live) == 3, "buffers grew across runs"
    d.run(x)  # a bigger batch grows input and output once, the old ones are freed
    assert dev.allocations == after_first + 2 and len(dev.live) == 3
    d.close()
    assert not dev.live


def test_an_empty_batch_is_refused_before_touching_the_device(setup) -> None:
    d, dev, prog = setup
    d.load(prog)
    dev.writes.clear()
    with pytest.raises(drv.BadFormatError, match="NUM_VECTORS must be >= 1") as info:
        d.run(np.zeros((0, prog.in_rows, prog.in_cols), np.int64))
    assert isinstance(info.value, ValueError) and info.value.source == "host"
    assert dev.writes == [] and dev.runs == 0


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


def test_a_corrupted_image_becomes_the_hardware_s_exception_and_the_next_run_works(setup
                                                                                    ) -> None:
    d, dev, prog = setup
    d.load(prog)
    img = d.buffers["program"].view(np.uint32)
    img[16] ^= 1  # past the host checks: only the device's CRC sees it
    with pytest.raises(drv.BadChecksumError) as info:
        d.run(random_inputs(prog, 2, seed=0))
    err = info.value
    assert err.code == ERROR_CODES["BAD_CHECKSUM"] and err.code_name == "BAD_CHECKSUM"
    assert err.source == "hardware" and isinstance(err, drv.AccelError)
    assert isinstance(err, ProgramError)
    d.load(prog)
    x = random_inputs(prog, 2, seed=1)
    np.testing.assert_array_equal(d.run(x).outputs, golden.run(prog, x))


def test_the_program_is_checked_against_hw_config_before_loading() -> None:
    dev = FakeBoard()
    d = drv.AccelDriver(dev)
    # the 8-bit build's widths come with its maxima (HW_CONFIG.DATA_16 = 0)
    assert d.hw_limits == replace(LIMITS, data_bits=8, acc_bits=32) and d.data_bits == 8
    big = random_model_gnn_program(bits=8, N=16, K=4, hidden=(8, 8, 4), seed=0)  # 64 rows
    with pytest.raises(drv.DimsExceedMaxError, match="MAX_ROWS") as info:
        d.load(big)
    assert info.value.source == "host"
    with pytest.raises(drv.DimsExceedMaxError, match="8-bit build"):
        d.load(small_gsm_program(bits=16, seed=0))
    assert not any(name == "CTRL" for name, _ in dev.writes)


def test_a_table_over_the_builds_table_elems_is_refused_naming_it() -> None:
    """HW_CONFIG.TABLE_SIZE (rtl-kv260's bounded activation buffers): a program whose buffer
    takes more elements than the build holds is refused on the host in one line naming the
    buffer and TABLE_ELEMS, before any register write; one that fits loads and runs."""
    dev = FakeBoard()
    dev.regs["HW_CONFIG"] = hw_config(replace(LIMITS, table_elems=1024))
    d = drv.AccelDriver(dev)
    assert (d.hw_limits.table_elems, d.hw_limits.node_rows, d.hw_limits.out_lanes) == (
        1024, 4, 8)
    # 3 x 3 rows, concat windows up to 30 columns: 12 rows x 32 columns = 384 elements
    fits = random_model_gnn_program(bits=8, N=3, K=3, hidden=(6, 4), seed=2)
    # 32 rows x 160 columns -> 32 x 256 = 8,192 elements > 1,024
    big = random_model_gnn_program(bits=8, N=8, K=4, hidden=(32, 32, 8), seed=0)
    with pytest.raises(drv.DimsExceedMaxError, match="TABLE_ELEMS 1024") as info:
        d.load(big)
    msg = str(info.value)
    assert info.value.source == "host" and "\n" not in msg
    assert "buffer 2 holds 32 rows x 160 columns = 8192 elements" in msg
    assert not any(name == "CTRL" for name, _ in dev.writes)
    d.load(fits)
    x = random_inputs(fits, 2, seed=1)
    np.testing.assert_array_equal(d.run(x).outputs, golden.run(fits, x))


def test_every_status_code_is_its_own_exception() -> None:
    classes = set()
    for name, code in ERROR_CODES.items():
        if code == 0:
            with pytest.raises(ValueError, match="not an error"):
                drv.status_error(0, "x")
            continue
        err = drv.status_error(code, "detail")
        assert isinstance(err, drv.AccelError) and err.code == code and err.code_name == name
        assert str(err).startswith(name) and not str(err).startswith("OK")
        classes.add(type(err))
    assert len(classes) == len(ERROR_CODES) - 1
    unknown = drv.status_error(99, "detail")
    assert isinstance(unknown, drv.UnknownStatusError) and unknown.code == 99
    for cls in (drv.WrongHardwareError, drv.BusWedgedError, drv.DeviceBusyError):
        err = cls("detail")
        assert err.code is None and not str(err).startswith("OK")


def test_a_timeout_aborts_and_the_next_run_works() -> None:
    dev = FakeBoard(hang=True)
    d = drv.AccelDriver(dev, timeout_s=0.01)
    prog = small_gsm_program(bits=8, seed=0)
    d.load(prog)
    with pytest.raises(drv.DeviceTimeoutError, match="ABORTED") as info:
        d.run(random_inputs(prog, 1, seed=0))
    assert info.value.code == ERROR_CODES["TIMEOUT"]
    assert ("ABORT", 1) in dev.writes and dev.regs["CTRL"] & 0b100
    dev.hang = False
    x = random_inputs(prog, 3, seed=2)
    res = d.run(x)
    assert res.loaded_program  # the aborted run might have been the load: reload
    np.testing.assert_array_equal(res.outputs, golden.run(prog, x))


def test_a_core_that_never_goes_idle_is_reported_as_a_wedged_bus() -> None:
    dev = FakeBoard(hang=True, wedge=True)
    d = drv.AccelDriver(dev, timeout_s=0.01)
    prog = small_gsm_program(bits=8, seed=0)
    d.load(prog)
    with pytest.raises(drv.BusWedgedError, match="wedged.*[Rr]eload the overlay"):
        d.run(random_inputs(prog, 1, seed=0))


@pytest.mark.parametrize("interrupt", [True, False], ids=["interrupt", "polling"])
def test_run_async_waits_for_the_interrupt_or_polls(interrupt: bool) -> None:
    dev = FakeBoard(interrupt=interrupt)
    d = drv.AccelDriver(dev)
    prog = small_gsm_program(bits=8, seed=3)
    d.load(prog)
    x = random_inputs(prog, 4, seed=3)
    res = asyncio.run(d.run_async(x))
    np.testing.assert_array_equal(res.outputs, golden.run(prog, x))
    assert ("GIE", 1) in dev.writes and ("IER", 1) in dev.writes
    assert dev.regs["ISR"] == 0, "the done interrupt must be acknowledged"


def test_results_as_torch(setup) -> None:
    torch = pytest.importorskip("torch")
    d, _, prog = setup
    d.load(prog)
    x = random_inputs(prog, 2, seed=5)
    res = d.run(torch.from_numpy(x), as_torch=True)
    assert isinstance(res.outputs, torch.Tensor)
    np.testing.assert_array_equal(res.outputs.numpy(), golden.run(prog, x))


def test_wrong_bitstream_is_refused(setup) -> None:
    d, dev, _ = setup
    dev.regs["HW_ID"] = 0xDEADBEEF
    with pytest.raises(drv.WrongHardwareError, match="HW_ID"):
        d.check_id()
    dev.regs["HW_ID"] = 0
    with pytest.raises(drv.WrongHardwareError, match="clock"):
        d.check_id()


def test_selftest_replays_golden_vectors(setup, tmp_path) -> None:
    from spacemimo.quant.vectors import write_golden_vectors

    d, _, prog = setup
    write_golden_vectors(tmp_path, prog, n=16, seed=2)
    bad, total = drv.selftest(d, tmp_path)
    assert bad == 0 and total == 16 * prog.out_rows * prog.out_cols


# --------------------------------------------------------------------------- PYNQ


class FakePynqDevice:
    """Enough of a pynq Device for DefaultIP/MMIO/allocate: registers through
    read_registers/write_registers (PYNQ's REGISTER_RW path) into a FakeBoard."""

    def __init__(self, board: FakeBoard, base: int) -> None:
        self.board, self.base = board, base

    def has_capability(self, cap: str) -> bool:
        return cap == "REGISTER_RW"

    def read_registers(self, address: int, length: int) -> bytes:
        return int(self.board.read(address - self.base)).to_bytes(length, "little")

    def write_registers(self, address: int, data: bytes) -> None:
        self.board.write(address - self.base, int.from_bytes(data, "little"))

    def allocate(self, shape: tuple[int, ...], dtype: object) -> _Phys:
        return self.board.allocate(int(np.prod(shape)))


@pytest.fixture
def pynq_driver():
    pytest.importorskip("pynq", reason="install pynq==4.0.0 (make setup)")
    from spacemimo.board import pynq_driver as pd

    return pd


def test_the_pynq_class_is_registered_for_the_regmap_vlnv(pynq_driver) -> None:
    from pynq.overlay import DefaultIP, _ip_drivers

    vlnv = MAP.ip.vlnv
    assert vlnv == "spacemimo:hls:spacemimo_accel:1.0"
    assert pynq_driver.SpacemimoAccel.bindto == [vlnv]
    assert _ip_drivers[vlnv] is pynq_driver.SpacemimoAccel
    assert issubclass(pynq_driver.SpacemimoAccel, DefaultIP)
    assert issubclass(pynq_driver.SpacemimoAccel, drv.AccelDriver)


def _description(board: FakeBoard, registers: dict | None = None) -> dict:
    return {"phys_addr": 0x4000_0000, "addr_range": 0x1000,
            "device": FakePynqDevice(board, 0x4000_0000),
            "registers": registers if registers is not None else rm.pynq_register_map(MAP),
            "fullpath": "spacemimo_accel_0", "interrupts": {}, "gpio": {}}


def test_the_pynq_driver_runs_through_pynq_mmio_and_its_register_map_matches(pynq_driver
                                                                             ) -> None:
    board = FakeBoard()
    accel = pynq_driver.SpacemimoAccel(_description(board))
    rmap = accel.register_map  # PYNQ's RegisterMap, built from the (.hwh-style) description
    for reg in MAP.registers:
        assert getattr(rmap, reg.name).address == reg.offset
    assert int(rmap.HW_ID) == MAP.hw_id
    prog = small_gsm_program(bits=8, seed=3)
    accel.load(prog)
    x = random_inputs(prog, 6, seed=7)
    np.testing.assert_array_equal(accel.run(x).outputs, golden.run(prog, x))
    assert accel.read(MAP["HW_ID"].offset) == MAP.hw_id  # DefaultIP.read is PYNQ's


def test_a_hwh_from_another_map_version_is_refused(pynq_driver) -> None:
    regs = rm.pynq_register_map(MAP)
    regs["STATUS"] = {**regs["STATUS"], "address_offset": 0x40}
    with pytest.raises(drv.WrongHardwareError, match="STATUS at 0x40"):
        pynq_driver.SpacemimoAccel(_description(FakeBoard(), regs))


# --------------------------------------------------------------------------- selftest

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_selftest_passes_on_a_healthy_board_and_prints_a_pasteable_summary() -> None:
    from spacemimo.board.selftest import run_selftest, shipped_vectors_dir

    d = drv.AccelDriver(FakeBoard())
    rep = run_selftest(d, shipped_vectors_dir(), "fake board", 100.0, "assumed", repeats=3)
    assert rep.passed, rep.summary()
    names = [c.name for c in rep.checks]
    assert names == ["HW_ID", "HW_CONFIG", "HW_WEIGHTS", "HW_PROTECT", "register read-back",
                     "known-answer test", "reruns on the loaded program", "SEU counters"]
    text = rep.summary()
    for part in (MAP.ip.vlnv, "MAX_ROWS=32", "0 mismatching words of 512", "cycles/vector",
                 "RESULT: PASS", "numpy", "SEU protection weights secded, activations parity, "
                 "control parity, scrub on", "SEU_STATUS clear, 0 corrected, 0 uncorrectable",
                 "hybrid weights, 512 resident words per bank, 2 weight-stream ports"):
        assert part in text, part
    assert rep.perf["cycles_per_vector"] == (1000 + 100 * 16) / 16


@pytest.mark.parametrize("fault, cause", [
    ("hw_id_zero", "clock not running"),
    ("hw_id_other", "bitstream/.hwh mismatch"),
    ("dead_register", "register of this map is missing"),
    ("wrong_width", "build too small"),
    ("bad_data", "bitstream built from other sources"),
    ("hang", "clock not running (no done)"),
])
def test_every_selftest_failure_names_its_likely_cause(fault: str, cause: str) -> None:
    from spacemimo.board.selftest import run_selftest, shipped_vectors_dir

    dev = FakeBoard(hang=fault == "hang")
    vectors = shipped_vectors_dir()
    if fault == "hw_id_zero":
        dev.regs["HW_ID"] = 0
    elif fault == "hw_id_other":
        dev.regs["HW_ID"] = 0x534D0001
    elif fault == "dead_register":
        real_write = dev.write

        def write(offset: int, value: int) -> None:
            if offset != MAP["OUTPUT_SIZE"].offset:
                real_write(offset, value)
        dev.write = write  # type: ignore[method-assign]
    elif fault == "wrong_width":
        vectors = vectors / "gsm16"  # a 16-bit program on the 8-bit build
    elif fault == "bad_data":
        real_run = dev._run

        def run() -> None:
            real_run()
            out = dev._bytes("OUTPUT_ADDR", 2).view(np.int16)
            out[0] ^= 1
        dev._run = run  # type: ignore[method-assign]
    rep = run_selftest(drv.AccelDriver(dev, timeout_s=0.01), vectors, "fake", 100.0, "x")
    assert not rep.passed
    failed = [c for c in rep.checks if not c.ok]
    assert len(failed) == 1 and cause in failed[0].cause, rep.summary()
    assert "RESULT: FAIL" in rep.summary() and "likely cause" in rep.summary()


def test_an_old_program_version_in_the_vectors_names_the_rebuild(tmp_path) -> None:
    import hashlib
    import json
    import shutil

    from spacemimo.board.selftest import VECTORS_COMMAND, run_selftest, shipped_vectors_dir

    d = tmp_path / "gsm8"
    shutil.copytree(shipped_vectors_dir() / "gsm8", d)
    blob = bytearray((d / "program.bin").read_bytes())
    blob[4:8] = (2).to_bytes(4, "little")  # a format v2 image
    (d / "program.bin").write_bytes(bytes(blob))
    meta = json.loads((d / "meta.json").read_text())
    meta["program"]["sha256"] = hashlib.sha256(bytes(blob)).hexdigest()
    (d / "meta.json").write_text(json.dumps(meta))
    rep = run_selftest(drv.AccelDriver(FakeBoard()), d, "fake", 100.0, "x")
    failed = [c for c in rep.checks if not c.ok]
    assert len(failed) == 1 and failed[0].name == "known-answer test"
    assert "BAD_VERSION" in failed[0].detail and "program version" in failed[0].cause
    assert VECTORS_COMMAND in failed[0].cause


def test_shipped_vectors_are_up_to_date_and_bit_exact(tmp_path) -> None:
    """board/selftest/ is what `spacemimo board vectors` writes, and the golden model agrees."""
    from spacemimo.board.selftest import VECTOR_SETS, shipped_vectors_dir, write_vectors
    from spacemimo.quant.vectors import check_golden_vectors

    write_vectors(tmp_path)
    shipped = shipped_vectors_dir()
    assert shipped == (REPO / "board" / "selftest") or shipped.name == "selftest"
    for name in VECTOR_SETS:
        for f in ("program.bin", "inputs.bin", "expected.bin"):
            assert (shipped / name / f).read_bytes() == (tmp_path / name / f).read_bytes(), (
                f"board/selftest/{name}/{f} is stale: spacemimo board vectors --out "
                f"board/selftest")
        assert check_golden_vectors(shipped / name) == 0


def test_the_notebook_is_nbformat_4_and_uses_only_public_driver_api() -> None:
    import ast
    import importlib
    import json

    nb = json.loads((REPO / "board" / "notebooks" / "selftest.ipynb").read_text())
    assert nb["nbformat"] == 4 and isinstance(nb["metadata"], dict)
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code_cells
    for c in nb["cells"]:
        assert c["cell_type"] in ("code", "markdown") and isinstance(c["source"], list)
        if c["cell_type"] == "code":
            assert c["outputs"] == [] and "execution_count" in c
    pytest.importorskip("pynq")
    from spacemimo.board.pynq_driver import SpacemimoAccel

    used_attrs: set[str] = set()
    for c in code_cells:
        tree = compile("".join(c["source"]), "cell", "exec",
                       flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("spacemimo"):
                mod = importlib.import_module(node.module)
                for alias in node.names:
                    assert not alias.name.startswith("_") and hasattr(mod, alias.name), alias.name
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "accel"):
                used_attrs.add(node.attr)
    assert {"load", "run", "run_async", "status", "check_id", "close"} <= used_attrs
    for attr in used_attrs:
        assert not attr.startswith("_") and hasattr(SpacemimoAccel, attr), attr


def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, monkeypatch) -> None:
    import sys

    from spacemimo.cli import main

    assert main(["board", "selftest", "--sim", "--vectors", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such directory" in err[0]
    monkeypatch.setitem(sys.modules, "pynq", None)  # a machine without pynq
    assert main(["board", "selftest"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pynq is not installed" in err[0] and "--sim" in err[0]
    monkeypatch.delitem(sys.modules, "pynq")
    pytest.importorskip("pynq")
    assert main(["board", "selftest", "--bitstream", str(tmp_path / "x.bit")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such file" in err[0]


def test_a_resident_only_build_refuses_weights_it_cannot_hold() -> None:
    """HW_WEIGHTS.PLACEMENT resident: the driver adds up the program's bank words (8 output
    lanes, HW_CONFIG) and refuses what does not fit, naming the limit, before any write."""
    prog = small_gsm_program(bits=8, seed=0)
    need = sum(pf.bank_words(op, 8, 8) for op in prog.ops if op.opcode == 1)
    for placement, depth, refused in ((1, need - 1, True), (1, need, False),
                                      (2, 0, False), (3, 1, False), (0, 0, False)):
        dev = FakeBoard()
        dev.regs["HW_WEIGHTS"] = MAP.encode("HW_WEIGHTS", WMEM_DEPTH=depth, PLACEMENT=placement,
                                            WGT_PORTS=0 if placement == 1 else 2)
        d = drv.AccelDriver(dev)
        if refused:
            with pytest.raises(drv.DimsExceedMaxError,
                               match=f"needs {need} weight words per bank .8 output lanes.; "
                                     f"this build keeps {need - 1} on chip and streams none"):
                d.load(prog)
            assert not any(name in ("CTRL", "PROGRAM_ADDR_LO") for name, _ in dev.writes)
        else:
            d.load(prog)  # streamed / hybrid / not reported: the hardware decides
            assert d.weight_memory.placement == drv.PLACEMENTS.get(placement)


# --------------------------------------------------------------------------- SEU protection


def test_seu_registers_decode_and_clear() -> None:
    dev = FakeBoard()
    d = drv.AccelDriver(dev)
    prot = d.seu_protection
    assert (prot.weights, prot.acts, prot.ctrl, prot.scrub) == ("secded", "parity", "parity",
                                                               True) and prot.any
    dev.regs.update(SEU_STATUS=0b101, SEU_CORRECTED=7, SEU_UNCORRECTABLE=2)
    seu = d.seu_counters()
    assert seu.weights_corrupted and seu.run_upset and not seu.program_corrupted
    assert seu.reload_needed and (seu.corrected, seu.uncorrectable) == (7, 2)
    assert seu.summary() == "SEU_STATUS WEIGHTS_CORRUPTED|RUN_UPSET, 7 corrected, 2 uncorrectable"
    assert d.status()["seu"] == seu.summary()
    d.clear_seu()
    assert d.seu_counters() == drv.SeuCounters(False, False, False, False, 0, 0)
    # the HLS IP reads SEU_CLEAR at its next start: the driver leaves the 1 for that start and
    # writes 0 before the one after (and nothing more)
    prog = small_gsm_program(bits=8, seed=3)
    d.load(prog)
    x = random_inputs(prog, 2, seed=0)
    for _ in range(3):
        d.run(x)
    assert [v for n, v in dev.writes if n == "SEU_CLEAR"] == [1, 0]
    assert dev.writes.index(("SEU_CLEAR", 0)) > [i for i, w in enumerate(dev.writes)
                                                 if w == ("CTRL", 1)][0]
    assert ("SCRUB_PERIOD", 1024) not in dev.writes  # it already scrubbed: left alone
    d.scrub_period = 4096
    assert d.scrub_period == 4096
    with pytest.raises(ValueError, match="scrub_period"):
        d.scrub_period = -1


def test_an_hls_ip_with_a_scrubber_gets_the_reset_scrub_period_once(setup) -> None:
    """The HLS IP's SCRUB_PERIOD reads 0 after reset (Vitis inputs have no reset value): the
    first load programs the register map's reset value; a user's 0 afterwards stays."""
    d, dev, prog = setup
    dev.regs["SCRUB_PERIOD"] = 0
    d.load(prog)
    assert dev.regs["SCRUB_PERIOD"] == MAP["SCRUB_PERIOD"].reset > 0
    d.scrub_period = 0
    d.load(prog)
    assert dev.regs["SCRUB_PERIOD"] == 0
    plain = FakeBoard()
    plain.regs.update(HW_PROTECT=0, SCRUB_PERIOD=0)
    drv.AccelDriver(plain).load(prog)
    assert not any(name == "SCRUB_PERIOD" for name, _ in plain.writes)


@pytest.mark.parametrize("upset, recovered, modes", [
    ("weights", "reload+rerun", [1, 0, 1]),   # WEIGHTS_CORRUPTED: reload the program, rerun
    ("program", "reload+rerun", [1, 0, 1]),   # PROGRAM_CORRUPTED: the same
    ("acts", "rerun", [1, 0, 0]),             # RUN_UPSET alone: rerun, no reload
])
def test_seu_detected_is_recovered_once(setup, upset: str, recovered: str,
                                        modes: list[int]) -> None:
    d, dev, prog = setup
    d.load(prog)
    x = random_inputs(prog, 6, seed=3)
    assert d.run(x).recovered is None
    dev.upsets = [upset]
    res = d.run(x)
    assert res.recovered == recovered and dev.modes == modes
    np.testing.assert_array_equal(res.outputs, golden.run(prog, x))
    assert d.seu_counters().uncorrectable == 1 and not d.seu_counters().reload_needed
    assert d.run(x).recovered is None and dev.modes[-1] == 0  # the reload stuck


def test_seu_detected_twice_is_one_line_and_recovery_can_be_off(setup) -> None:
    d, dev, prog = setup
    d.load(prog)
    x = random_inputs(prog, 2, seed=1)
    dev.upsets = ["weights", "weights"]
    with pytest.raises(drv.SeuDetectedError, match=r"again after reload\+rerun") as info:
        d.run(x)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("SEU_DETECTED") and "WEIGHTS_CORRUPTED" in msg
    assert info.value.code == ERROR_CODES["SEU_DETECTED"] and dev.runs == 2
    # off: the first SEU_DETECTED is raised, with SEU_STATUS and the counters attached
    d.seu_recovery = False
    dev.upsets = ["acts"]
    with pytest.raises(drv.SeuDetectedError, match="RUN_UPSET") as info:
        d.run(x)
    assert info.value.seu is not None and info.value.seu.run_upset and dev.runs == 3
    dev.upsets = ["acts"]
    assert d.run(x, seu_recovery=True).recovered == "rerun"  # per call


def test_seu_recovery_in_run_async_and_corrected_upsets_are_counted(setup) -> None:
    d, dev, prog = setup
    d.load(prog)
    x = random_inputs(prog, 3, seed=2)
    dev.upsets = ["single", "weights"]
    assert asyncio.run(d.run_async(x)).recovered is None
    res = asyncio.run(d.run_async(x))
    assert res.recovered == "reload+rerun"
    np.testing.assert_array_equal(res.outputs, golden.run(prog, x))
    seu = d.seu_counters()
    assert (seu.corrected, seu.uncorrectable) == (1, 1)


def test_selftest_fails_on_a_sticky_seu_and_names_the_cause() -> None:
    from spacemimo.board.selftest import run_selftest, shipped_vectors_dir

    dev = FakeBoard()
    dev.upsets = ["weights", "weights"]  # the known-answer run and its one rerun
    rep = run_selftest(drv.AccelDriver(dev), shipped_vectors_dir(), "fake", 100.0, "x")
    assert not rep.passed
    kat = next(c for c in rep.checks if c.name == "known-answer test")
    assert "SEU_DETECTED" in kat.detail and "reconfigure the PL" in kat.cause
    seu = rep.checks[-1]
    assert seu.name == "SEU counters" and not seu.ok and "WEIGHTS_CORRUPTED" in seu.detail
    assert "2 uncorrectable" in rep.summary()

