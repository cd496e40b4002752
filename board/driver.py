"""The spacemimo accelerator's host protocol, independent of the board it runs on.

``AccelDriver`` speaks the register protocol of spacemimo/spec/regmap.yaml through a small
:class:`HardwareAccess` object (read/write a register, allocate a physically contiguous buffer
and flush/invalidate it, wait for done). On a Zynq board that object wraps PYNQ
(``board/pynq_driver.py``: the ``DefaultIP`` subclass *is* an ``AccelDriver``); in the cocotb
simulation it wraps ``AxiLiteMaster``/``AxiRam`` around ``rtl/`` (``rtl_tests/sim_board.py``);
in the unit tests a behavioural fake. The driver's code is the same object in all three.

What the driver guarantees before it starts the accelerator: the program fits the hardware's
``HW_CONFIG`` (decoded into ``HardwareLimits``), the image fits its buffer, ``NUM_VECTORS`` >= 1
and the batch fits the input/output buffers, and every base + size register is programmed
from the driver's own buffers. After a timeout it writes ``ABORT.REQUEST``, waits for idle and
raises; if the core never goes idle it says the bus is wedged. STATUS codes become one
exception class each (quant/PROGRAM.md "Error codes").
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from spacemimo.quant import program as pf
from spacemimo.quant.program import ERROR_CODES, HardwareLimits, Program, ProgramError
from spacemimo.spec import regmap as rm

ERROR_NAMES = {code: name for name, code in ERROR_CODES.items()}
BUFFER_ALIGN = 64  # bytes: allocations are rounded up to a cache line (and the AXI beat)


# --------------------------------------------------------------------------- hardware access


class DeviceBuffer(Protocol):
    """A physically contiguous 1-D uint8 buffer (``pynq.allocate`` returns one)."""

    physical_address: int
    nbytes: int

    def flush(self) -> None: ...

    def invalidate(self) -> None: ...

    def view(self, dtype: Any) -> np.ndarray: ...

    def __setitem__(self, key: Any, value: Any) -> None: ...


class HardwareAccess(Protocol):
    """What the driver needs from a board (or a simulation, or a fake).

    ``now()`` is the clock the timeouts and latencies are measured in: wall-clock seconds on a
    board, simulated seconds in the RTL simulation (so a simulated timeout is in cycles' time).
    ``wait_done`` returns True when the core signalled done within ``timeout_s`` (through the
    interrupt when the backend has one, else by polling CTRL.AP_DONE) and False on timeout.
    """

    def read(self, offset: int) -> int: ...

    def write(self, offset: int, value: int) -> None: ...

    def allocate(self, nbytes: int) -> DeviceBuffer: ...

    def free(self, buf: DeviceBuffer) -> None: ...

    def wait_done(self, timeout_s: float) -> bool: ...

    async def wait_done_async(self, timeout_s: float) -> bool: ...

    def now(self) -> float: ...


def poll_done(hw: Any, regmap: rm.RegisterMap, timeout_s: float) -> bool:
    """Poll CTRL.AP_DONE (clear-on-read) until set or ``timeout_s`` on ``hw.now()``."""
    off, done = regmap["CTRL"].offset, _bit(regmap, "CTRL", "AP_DONE")
    deadline = hw.now() + timeout_s
    while True:
        if int(hw.read(off)) & done:
            return True
        if hw.now() > deadline:
            return False


async def poll_done_async(hw: Any, regmap: rm.RegisterMap, timeout_s: float,
                          interval_s: float = 1e-4) -> bool:
    """``poll_done`` that yields to the event loop between reads (no interrupt wired)."""
    off, done = regmap["CTRL"].offset, _bit(regmap, "CTRL", "AP_DONE")
    deadline = hw.now() + timeout_s
    while True:
        if int(hw.read(off)) & done:
            return True
        if hw.now() > deadline:
            return False
        await asyncio.sleep(interval_s)


def _bit(regmap: rm.RegisterMap, reg: str, field: str) -> int:
    return next(f.mask for f in regmap[reg].fields if f.name == field)


# --------------------------------------------------------------------------- exceptions


class AccelError(RuntimeError):
    """Anything that went wrong on the accelerator. ``code`` is the STATUS value (PROGRAM.md
    "Error codes") for a status failure, None for the rest; ``code_name`` names either."""

    code: int | None = None
    code_name: str = "ACCEL_ERROR"

    def __init__(self, message: str, *, source: str = "hardware") -> None:
        super().__init__(f"{self.code_name}: {message}")
        self.source = source  # "hardware" (STATUS) or "host" (refused before starting)


class _StatusError(AccelError, ProgramError):
    """A STATUS code as an exception; also a ProgramError (same .code) for the program codes."""

    def __init__(self, message: str, *, source: str = "hardware") -> None:
        AccelError.__init__(self, message, source=source)


class BadMagicError(_StatusError):
    """The image is not a spacemimo program (or no program is loaded)."""

    code = ERROR_CODES["BAD_MAGIC"]
    code_name = "BAD_MAGIC"


class BadVersionError(_StatusError):
    """The image's format version is not the one this build reads."""

    code = ERROR_CODES["BAD_VERSION"]
    code_name = "BAD_VERSION"


class BadChecksumError(_StatusError):
    """The image's CRC-32 does not match (corrupted in memory or on disk)."""

    code = ERROR_CODES["BAD_CHECKSUM"]
    code_name = "BAD_CHECKSUM"


class BadOpcodeError(_StatusError):
    """An op record has an unknown opcode."""

    code = ERROR_CODES["BAD_OPCODE"]
    code_name = "BAD_OPCODE"


class DimsExceedMaxError(_StatusError):
    """The program needs more than this build has (HW_CONFIG limits)."""

    code = ERROR_CODES["DIMS_EXCEED_MAX"]
    code_name = "DIMS_EXCEED_MAX"


class BadFormatError(_StatusError):
    """A field of the program is inconsistent (quant/PROGRAM.md)."""

    code = ERROR_CODES["BAD_FORMAT"]
    code_name = "BAD_FORMAT"


class BusError(_StatusError):
    """An AXI transfer ended with SLVERR/DECERR (bad DMA address or interconnect)."""

    code = ERROR_CODES["BUS_ERROR"]
    code_name = "BUS_ERROR"


class DeviceTimeoutError(_StatusError):
    """The run did not finish in time (hardware watchdog or the driver's timeout)."""

    code = ERROR_CODES["TIMEOUT"]
    code_name = "TIMEOUT"


class AddrRangeError(_StatusError):
    """A DMA range lay outside the buffer the driver registered; no access made."""

    code = ERROR_CODES["ADDR_RANGE"]
    code_name = "ADDR_RANGE"


class AbortedError(_StatusError):
    """The run was aborted by the host (ABORT.REQUEST)."""

    code = ERROR_CODES["ABORTED"]
    code_name = "ABORTED"


class SeuDetectedError(_StatusError):
    """The run stopped on an uncorrectable radiation upset (STATUS SEU_DETECTED); ``seu`` is
    SEU_STATUS and the counters read right after it (where: weights/program -> reload the
    program, RUN_UPSET -> rerun). The vector it was on is not stored; earlier ones are valid."""

    code = ERROR_CODES["SEU_DETECTED"]
    code_name = "SEU_DETECTED"
    seu: SeuCounters | None = None


STATUS_ERRORS: dict[int, type[_StatusError]] = {
    c.code: c for c in (BadMagicError, BadVersionError, BadChecksumError, BadOpcodeError,
                        DimsExceedMaxError, BadFormatError, BusError, DeviceTimeoutError,
                        AddrRangeError, AbortedError, SeuDetectedError)}
assert set(STATUS_ERRORS) == set(ERROR_CODES.values()) - {0}, "an error code has no class"


class UnknownStatusError(AccelError):
    """STATUS holds a value no error code names (a newer bitstream, or a broken read)."""

    code_name = "UNKNOWN_STATUS"


class WrongHardwareError(AccelError):
    """HW_ID is not this accelerator's register-map version (wrong bitstream / .hwh)."""

    code_name = "WRONG_HW_ID"


class DeviceBusyError(AccelError):
    """The core was not idle when the driver wanted to start it."""

    code_name = "BUSY"


class BusWedgedError(AccelError):
    """The core did not go idle after ABORT: a bus transfer never completed."""

    code_name = "BUS_WEDGED"


def status_error(code: int, message: str, source: str = "hardware") -> AccelError:
    """The exception for a non-zero STATUS (never called with 0: OK is not an error)."""
    if code == 0:
        raise ValueError("STATUS 0 (OK) is not an error")
    cls = STATUS_ERRORS.get(int(code))
    if cls is None:
        err = UnknownStatusError(f"STATUS {code}: {message}", source=source)
        err.code = int(code)
        return err
    return cls(message, source=source)


def _from_program_error(err: ProgramError, what: str) -> AccelError:
    """A host-side ProgramError as the same exception class the hardware's code would give."""
    msg = str(err).split(": ", 1)[-1] if str(err).startswith(err.code_name) else str(err)
    return status_error(err.code, f"{what}: {msg}", source="host")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class StartRegisters:
    """The values one start writes, as they reach the registers (bytes and addresses; see
    spacemimo/spec/regmap.yaml). ``AccelDriver.stage`` fills them from the driver's buffers;
    ``dataclasses.replace`` gives a testbench a hostile variant for ``start_registers``."""

    program_addr: int
    program_size: int
    input_addr: int
    input_size: int
    output_addr: int
    output_size: int
    num_vectors: int
    load_program: bool


@dataclass
class RunResult:
    """One run: outputs (n, out_rows, out_cols) int64 numpy (torch int64 with as_torch)."""

    outputs: Any
    cycles: int  # CYCLES: clock cycles start to done (incl. the program load when it ran)
    latency_s: float  # host clock (hw.now()) from start to done seen
    loaded_program: bool
    num_vectors: int
    # automatic SEU recovery this run needed: None, "rerun" (RUN_UPSET) or "reload+rerun"
    # (WEIGHTS/PROGRAM_CORRUPTED); cycles and latency are the successful attempt's
    recovered: str | None = None
    # STEPS: the HLS IP's own count of its loop steps for the same run (its schedule at the
    # declared II); None on the RTL, which reads 0 there
    steps: int | None = None

    @property
    def stall_cycles(self) -> int | None:
        """CYCLES - STEPS: clocks the HLS kernel's schedule did not plan (II misses, bus
        back-pressure, DDR refresh, plus the start/done handshakes); None without STEPS."""
        return None if self.steps is None else self.cycles - self.steps

    @property
    def throughput(self) -> float:
        """Vectors per second of the run (cycles not counted: this is what the host saw)."""
        return self.num_vectors / self.latency_s if self.latency_s > 0 else float("inf")


def limits_from_hw_config(word: int, regmap: rm.RegisterMap | None = None
                          ) -> tuple[HardwareLimits, int]:
    """HW_CONFIG decoded: (HardwareLimits of the build, its data width in bits)."""
    f = (regmap or rm.load()).decode("HW_CONFIG", word)
    bits = 16 if f["DATA_16"] else 8
    # TABLE_SIZE 0 (and every bitstream built before the field): the rectangle
    ts = f["TABLE_SIZE"]
    lim = HardwareLimits(max_rows=f["MAX_ROWS"], max_cols=64 * f["MAX_COLS_DIV64"],
                         num_buffers=f["NUM_BUFFERS"], data_bits=bits,
                         acc_bits=pf.ACC_BITS_MAX[bits],
                         table_elems=1 << (9 + ts) if ts else 0,
                         node_rows=1 << f["LOG2_NODE_ROWS"], out_lanes=1 << f["LOG2_OUT_LANES"])
    return lim, bits


PLACEMENTS = {1: "resident", 2: "streamed", 3: "hybrid"}  # HW_WEIGHTS.PLACEMENT


@dataclass(frozen=True)
class WeightMemory:
    """HW_WEIGHTS decoded: where this build keeps DENSE weights (rtl/README.md "Weight
    placement") and its output lanes (HW_CONFIG.LOG2_OUT_LANES: bank p holds neurons
    o = p mod lanes)."""

    placement: str | None  # resident / streamed / hybrid; None: a build older than the field
    wmem_depth: int        # resident 32-bit words per bank
    wgt_ports: int         # dedicated weight-stream AXI ports (0: none; the HLS kernel streams
    out_lanes: int         # over its program port)

    def check(self, program: Program) -> None:
        """A resident-only build holds every DENSE op's weights in its banks or cannot run
        the program: refuse it here, naming the limit, before anything is written."""
        if self.placement != "resident":
            return
        need = sum(pf.bank_words(op, program.bits, self.out_lanes) for op in program.ops
                   if op.opcode == pf.OPCODES["DENSE"])
        if need > self.wmem_depth:
            raise DimsExceedMaxError(
                f"program {program.name!r} needs {need} weight words per bank "
                f"({self.out_lanes} output lanes); this build keeps {self.wmem_depth} on chip "
                "and streams none (HW_WEIGHTS.PLACEMENT resident): load a streamed or hybrid "
                "build (spacemimo/spec/builds.yaml, e.g. rtl-pynqz2)", source="host")


def weight_memory_from_registers(hw_weights: int, hw_config: int,
                                 regmap: rm.RegisterMap | None = None) -> WeightMemory:
    """HW_WEIGHTS (+ HW_CONFIG's lane count) decoded into a WeightMemory."""
    regmap = regmap or rm.load()
    w = regmap.decode("HW_WEIGHTS", hw_weights)
    c = regmap.decode("HW_CONFIG", hw_config)
    return WeightMemory(placement=PLACEMENTS.get(w["PLACEMENT"]), wmem_depth=w["WMEM_DEPTH"],
                        wgt_ports=w["WGT_PORTS"], out_lanes=1 << c["LOG2_OUT_LANES"])


PROTECTION = {0: "none", 1: "parity", 2: "secded"}  # HW_PROTECT field values


@dataclass(frozen=True)
class SeuProtection:
    """HW_PROTECT decoded: what this build protects against radiation upsets (SEU)."""

    weights: str  # resident weights and biases: none / secded
    acts: str     # activation buffers: none / parity / secded
    ctrl: str     # op table and header: none / parity (interleaved)
    scrub: bool   # a scrubber corrects the resident banks in the background

    @property
    def any(self) -> bool:
        """Anything protected at all (an older or unprotected bitstream reads 0)."""
        return self.weights != "none" or self.acts != "none" or self.ctrl != "none"

    def summary(self) -> str:
        """One line for the self-test report."""
        return (f"weights {self.weights}, activations {self.acts}, control {self.ctrl}, "
                f"scrub {'on' if self.scrub else 'off'}")


def seu_protection_from_register(word: int, regmap: rm.RegisterMap | None = None
                                 ) -> SeuProtection:
    """HW_PROTECT decoded (0, as an older bitstream reads, is no protection)."""
    f = (regmap or rm.load()).decode("HW_PROTECT", word)
    return SeuProtection(PROTECTION.get(f["WEIGHTS"], f"code {f['WEIGHTS']}"),
                         PROTECTION.get(f["ACTS"], f"code {f['ACTS']}"),
                         PROTECTION.get(f["CTRL"], f"code {f['CTRL']}"), bool(f["SCRUB"]))


@dataclass(frozen=True)
class SeuCounters:
    """SEU_STATUS and the two saturating counters, read together."""

    weights_corrupted: bool  # sticky: uncorrectable in resident weights/biases -> reload
    program_corrupted: bool  # sticky: op-table/header parity -> reload
    run_upset: bool          # the last run stopped on an activation/controller upset -> rerun
    ctrl_fault: bool         # sticky: an illegal controller state was caught
    corrected: int           # single-bit errors corrected since reset / clear_seu()
    uncorrectable: int       # uncorrectable errors detected since reset / clear_seu()

    @property
    def reload_needed(self) -> bool:
        """The loaded program (weights, biases, op table) can no longer be trusted."""
        return self.weights_corrupted or self.program_corrupted

    def flags(self) -> list[str]:
        """The SEU_STATUS bits set, by their register-map names (for messages and reports)."""
        names = ("WEIGHTS_CORRUPTED", "PROGRAM_CORRUPTED", "RUN_UPSET", "CTRL_FAULT")
        vals = (self.weights_corrupted, self.program_corrupted, self.run_upset,
                self.ctrl_fault)
        return [n for n, v in zip(names, vals, strict=True) if v]

    def summary(self) -> str:
        """One line for an exception message, ``status()`` or the self-test."""
        return (f"SEU_STATUS {'|'.join(self.flags()) or 'clear'}, {self.corrected} corrected, "
                f"{self.uncorrectable} uncorrectable")


def seu_counters_from_registers(status: int, corrected: int, uncorrectable: int,
                                regmap: rm.RegisterMap | None = None) -> SeuCounters:
    """SEU_STATUS, SEU_CORRECTED and SEU_UNCORRECTABLE words decoded into SeuCounters."""
    f = (regmap or rm.load()).decode("SEU_STATUS", status)
    return SeuCounters(bool(f["WEIGHTS_CORRUPTED"]), bool(f["PROGRAM_CORRUPTED"]),
                       bool(f["RUN_UPSET"]), bool(f["CTRL_FAULT"]), int(corrected),
                       int(uncorrectable))


def _round_up(n: int, align: int = BUFFER_ALIGN) -> int:
    return max(align, (int(n) + align - 1) // align * align)


# --------------------------------------------------------------------------- the driver


class AccelDriver:
    """Load a program once, then run batches of input tables (weights stay on chip).

    ``accel.load(program)``, ``accel.run(x)`` / ``await accel.run_async(x)``,
    ``accel.status()``. Buffers are owned here and reused across runs (grown only for a bigger
    batch); the hardware's limits are read once from HW_CONFIG.
    """

    def __init__(self, hw: HardwareAccess, regmap: rm.RegisterMap | None = None,
                 timeout_s: float = 2.0, abort_timeout_s: float | None = None,
                 seu_recovery: bool = True) -> None:
        self._init_driver(hw, regmap, timeout_s, abort_timeout_s, seu_recovery)

    def _init_driver(self, hw: HardwareAccess, regmap: rm.RegisterMap | None,
                     timeout_s: float, abort_timeout_s: float | None,
                     seu_recovery: bool = True) -> None:
        # a separate method so the PYNQ class (a DefaultIP first) can call it from its __init__
        self.hw = hw
        self.regmap = regmap or rm.load()
        self.timeout_s = float(timeout_s)
        self.abort_timeout_s = float(abort_timeout_s if abort_timeout_s is not None
                                     else timeout_s)
        self.program: Program | None = None
        self.buffers: dict[str, DeviceBuffer] = {}
        self._image_bytes = 0
        self._needs_load = False
        self._limits: tuple[HardwareLimits, int] | None = None
        self._weights: WeightMemory | None = None
        # SEU (board/README.md "Radiation (SEU) protection"): on STATUS SEU_DETECTED, reload
        # the program when SEU_STATUS says the weights/op table are corrupted, rerun once
        self.seu_recovery = bool(seu_recovery)
        self._protection: SeuProtection | None = None
        self._seu_clear = "idle"  # "pending": the next start consumes it; "armed": write 0
        self._scrub_checked = False

    # -- registers --------------------------------------------------------------------------
    def read_reg(self, name: str) -> int:
        return int(self.hw.read(self.regmap[name].offset)) & 0xFFFFFFFF

    def write_reg(self, name: str, value: int) -> None:
        self.hw.write(self.regmap[name].offset, int(value) & 0xFFFFFFFF)

    def _write_addr(self, base: str, addr: int) -> None:
        self.write_reg(f"{base}_LO", addr & 0xFFFFFFFF)
        self.write_reg(f"{base}_HI", (addr >> 32) & 0xFFFFFFFF)

    def _ctrl(self, field: str) -> int:
        return _bit(self.regmap, "CTRL", field)

    def check_id(self) -> None:
        """Refuse to drive something that isn't this accelerator (or another map version)."""
        got = self.read_reg("HW_ID")
        if got != self.regmap.hw_id:
            hint = ("registers read 0: is the PL clock running and the bitstream loaded?"
                    if got == 0 else "wrong bitstream/.hwh or register-map version")
            raise WrongHardwareError(f"HW_ID is {got:#010x}, expected "
                                     f"{self.regmap.hw_id:#010x} ({hint})", source="host")

    @property
    def hw_limits(self) -> HardwareLimits:
        """The build's synthesized maxima (HW_CONFIG), read once."""
        return self._hw_config()[0]

    @property
    def data_bits(self) -> int:
        return self._hw_config()[1]

    @property
    def weight_memory(self) -> WeightMemory:
        """Where this build keeps its weights (HW_WEIGHTS), read once."""
        if self._weights is None:
            self.check_id()
            self._weights = weight_memory_from_registers(
                self.read_reg("HW_WEIGHTS"), self.read_reg("HW_CONFIG"), self.regmap)
        return self._weights

    def _hw_config(self) -> tuple[HardwareLimits, int]:
        if self._limits is None:
            self.check_id()
            self._limits = limits_from_hw_config(self.read_reg("HW_CONFIG"), self.regmap)
        return self._limits

    @property
    def cycles(self) -> int:
        """CYCLES of the last run: clock cycles from start to done (a free-running counter in
        the RTL and in the HLS IP)."""
        return self.read_reg("CYCLES_LO") | (self.read_reg("CYCLES_HI") << 32)

    @property
    def steps(self) -> int | None:
        """STEPS of the last run: the HLS IP's counted loop steps; None where the register
        reads 0 (the RTL has no step count; a run always counts its start)."""
        v = self.read_reg("STEPS_LO") | (self.read_reg("STEPS_HI") << 32)
        return v or None

    # -- SEU protection ---------------------------------------------------------------------
    @property
    def seu_protection(self) -> SeuProtection:
        """What this build protects (HW_PROTECT), read once."""
        if self._protection is None:
            self.check_id()
            self._protection = seu_protection_from_register(self.read_reg("HW_PROTECT"),
                                                            self.regmap)
        return self._protection

    def seu_counters(self) -> SeuCounters:
        """SEU_STATUS, SEU_CORRECTED and SEU_UNCORRECTABLE now (on the HLS IP: as the last
        run left them; its registers update when a run ends)."""
        return seu_counters_from_registers(self.read_reg("SEU_STATUS"),
                                           self.read_reg("SEU_CORRECTED"),
                                           self.read_reg("SEU_UNCORRECTABLE"), self.regmap)

    def clear_seu(self) -> None:
        """Zero the SEU counters and SEU_STATUS (SEU_CLEAR). The RTL clears at once; the HLS
        IP, whose registers are the top function's arguments, clears at its next start: the
        driver leaves the bit set for that start and writes 0 before the one after."""
        self.write_reg("SEU_CLEAR", _bit(self.regmap, "SEU_CLEAR", "CLEAR"))
        self._seu_clear = "pending"

    @property
    def scrub_period(self) -> int:
        """SCRUB_PERIOD: cycles between two scrub steps (0: scrubbing off)."""
        return self.read_reg("SCRUB_PERIOD")

    @scrub_period.setter
    def scrub_period(self, cycles: int) -> None:
        if not 0 <= int(cycles) <= 0xFFFFFFFF:
            raise ValueError(f"scrub_period must be 0..2**32-1 cycles, got {cycles}")
        self.write_reg("SCRUB_PERIOD", int(cycles))

    def status(self) -> dict[str, Any]:
        """CTRL flags, the last STATUS (by name) and cycle count: what a notebook prints."""
        ctrl = self.read_reg("CTRL")
        st = self.read_reg("STATUS")
        return {"idle": bool(ctrl & self._ctrl("AP_IDLE")),
                "done": bool(ctrl & self._ctrl("AP_DONE")),
                "status": ERROR_NAMES.get(st, f"code {st}"), "cycles": self.cycles,
                "steps": self.steps,
                "program": self.program.name if self.program else None,
                "buffers": {k: int(b.nbytes) for k, b in self.buffers.items()},
                "seu": self.seu_counters().summary()}

    # -- buffers ----------------------------------------------------------------------------
    def _buffer(self, name: str, nbytes: int) -> DeviceBuffer:
        """The driver's buffer ``name`` with room for ``nbytes``; reallocated only to grow."""
        need = _round_up(nbytes)
        buf = self.buffers.get(name)
        if buf is None or int(buf.nbytes) < need:
            if buf is not None:
                self.hw.free(buf)
                del self.buffers[name]
            buf = self.hw.allocate(need)
            self.buffers[name] = buf
        return buf

    def close(self) -> None:
        """Free every buffer (PYNQ's CMA memory is a scarce resource on small boards)."""
        for buf in self.buffers.values():
            self.hw.free(buf)
        self.buffers.clear()
        self.program = None

    # -- checks -----------------------------------------------------------------------------
    def check_program(self, program: Program) -> None:
        """The program against this build's HW_CONFIG (data width, MAX_ROWS/COLS, buffers);
        raises the exception the hardware would give, naming the limit."""
        lim, bits = self._hw_config()
        if program.bits != bits:
            raise DimsExceedMaxError(
                f"program {program.name!r} is {program.bits}-bit, this bitstream is a {bits}-bit "
                f"build (HW_CONFIG.DATA_16={int(bits == 16)}): compile the program with "
                f"--bits {bits} or load the {program.bits}-bit bitstream", source="host")
        self.weight_memory.check(program)
        try:
            pf.validate_program(program, lim)
        except ProgramError as err:
            table = f", TABLE_ELEMS {lim.table_elems}" if lim.table_elems else ""
            raise _from_program_error(err, f"program {program.name!r} vs this build "
                                           f"(MAX_ROWS {lim.max_rows}, MAX_COLS "
                                           f"{lim.max_cols}, NUM_BUFFERS {lim.num_buffers}"
                                           f"{table})") from err

    # -- use --------------------------------------------------------------------------------
    def load(self, program: Program) -> None:
        """Check the program against the hardware and stage its image in the program buffer;
        the next run fetches it and loads the weights on chip (MODE.LOAD_PROGRAM)."""
        self.check_program(program)
        self._start_scrubber()
        self._stage_image(program)

    def _start_scrubber(self) -> None:
        """Once per driver: a build with a scrubber whose SCRUB_PERIOD reads 0 gets the
        register map's reset value. The RTL resets to it; the HLS IP's s_axilite inputs reset
        to 0, so without this it would not scrub. Set ``scrub_period = 0`` afterwards to turn
        scrubbing off."""
        if self._scrub_checked:
            return
        self._scrub_checked = True
        if self.seu_protection.scrub and self.read_reg("SCRUB_PERIOD") == 0:
            self.write_reg("SCRUB_PERIOD", self.regmap["SCRUB_PERIOD"].reset)

    def _stage_image(self, program: Program) -> None:
        """The program's image (re)written into the program buffer; the next start loads it."""
        image = program.to_bytes()
        buf = self._buffer("program", len(image))
        try:
            pf.check_image_fits(image, int(buf.nbytes))
        except ProgramError as err:
            raise _from_program_error(err, "program buffer") from err
        buf[:] = 0
        buf[:len(image)] = np.frombuffer(image, dtype=np.uint8)
        buf.flush()
        self.program = program
        self._image_bytes = len(image)
        self._needs_load = True

    def _prepare(self, batch: Any) -> tuple[np.ndarray, DeviceBuffer, DeviceBuffer]:
        """Every host-side check, then the inputs in their buffer (nothing started yet)."""
        if self.program is None:
            raise ValueError("no program loaded: call load(program) first")
        p = self.program
        x = np.asarray(batch.detach().cpu() if hasattr(batch, "detach") else batch)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[1:] != (p.in_rows, p.in_cols):
            raise ValueError(f"batch must be (n, {p.in_rows}, {p.in_cols}) or "
                             f"({p.in_rows}, {p.in_cols}), got {x.shape}")
        if x.shape[0] < 1:  # PROGRAM.md "Bounds" rule 2: the device would say BAD_FORMAT
            raise BadFormatError("empty batch: NUM_VECTORS must be >= 1 (nothing was started)",
                                 source="host")
        if not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"batch must be integers (fixed point, frac {p.in_frac}), "
                             f"got {x.dtype}: quantize with round(x * 2**{p.in_frac})")
        lo, hi = pf.sat_range(p.bits, True, False)
        if x.min() < lo or x.max() > hi:
            raise ValueError(f"batch values [{x.min()}, {x.max()}] outside the signed "
                             f"{p.bits}-bit range [{lo}, {hi}]")
        n = int(x.shape[0])
        in_bytes, out_bytes = pf.io_bytes(p, n)
        inp = self._buffer("input", in_bytes)
        out = self._buffer("output", out_bytes)
        try:
            for name, buf in (("program", self.buffers["program"]), ("input", inp),
                              ("output", out)):
                pf.check_buffer(name, int(buf.physical_address), int(buf.nbytes))
            pf.check_io_fits(p, n, int(inp.nbytes), int(out.nbytes))
        except ProgramError as err:
            raise _from_program_error(err, "batch vs buffers") from err
        inp.view(np.int16)[:x.size] = x.reshape(-1).astype(np.int16)
        inp.flush()
        return x, inp, out

    def stage(self, batch: Any) -> StartRegisters:
        """Every host-side check, the inputs in the driver's input buffer, and the register
        values the next start writes (its buffers' bases and sizes, NUM_VECTORS, whether it
        loads the program); nothing is started. ``run`` is these checks + a busy check +
        ``start_registers`` + the wait + the result; a testbench may alter the values
        before starting them itself."""
        x, inp, out = self._prepare(batch)
        return self._start_values(int(x.shape[0]), inp, out)

    def _start_values(self, n: int, inp: DeviceBuffer, out: DeviceBuffer) -> StartRegisters:
        img = self.buffers["program"]
        return StartRegisters(int(img.physical_address), int(img.nbytes),
                              int(inp.physical_address), int(inp.nbytes),
                              int(out.physical_address), int(out.nbytes), n,
                              self._needs_load)

    def start_registers(self, regs: StartRegisters) -> float:
        """The lower layer, and the only code that starts the accelerator: write every start
        register from ``regs`` in the register map's terms (addresses as _LO/_HI, sizes,
        NUM_VECTORS, MODE.LOAD_PROGRAM), clear a stale ISR, enable the done interrupt and
        set AP_START; returns ``hw.now()`` at the start. No host check here (the
        hardware's own bounds are what the memory-safety probes test with hostile values);
        the next ``run`` reloads the program unless a run on this start succeeds."""
        self._write_addr("PROGRAM_ADDR", regs.program_addr)
        self.write_reg("PROGRAM_SIZE", regs.program_size)
        self._write_addr("INPUT_ADDR", regs.input_addr)
        self.write_reg("INPUT_SIZE", regs.input_size)
        self._write_addr("OUTPUT_ADDR", regs.output_addr)
        self.write_reg("OUTPUT_SIZE", regs.output_size)
        self.write_reg("NUM_VECTORS", regs.num_vectors)
        self.write_reg("MODE", _bit(self.regmap, "MODE", "LOAD_PROGRAM")
                       if regs.load_program else 0)
        if self._seu_clear == "pending":  # this start consumes the clear (HLS IP)
            self._seu_clear = "armed"
        elif self._seu_clear == "armed":  # the clear was consumed: stop requesting it
            self.write_reg("SEU_CLEAR", 0)
            self._seu_clear = "idle"
        self._ack_done()  # a stale done/ready
        self.write_reg("GIE", 1)
        self.write_reg("IER", 1)  # ap_done -> interrupt (used when the overlay wires it)
        self._needs_load = True  # until a run on this start succeeds
        t0 = self.hw.now()
        self.write_reg("CTRL", self._ctrl("AP_START"))
        return t0

    def wait_done(self, timeout_s: float | None = None) -> bool:
        """Block until the core signals done (the backend's interrupt, else polling) and
        acknowledge it (ISR); False after ``timeout_s`` (default: the driver's timeout)."""
        done = self.hw.wait_done(self.timeout_s if timeout_s is None else timeout_s)
        if done:
            self._ack_done()
        return done

    def _ack_done(self) -> None:
        isr = self.read_reg("ISR")
        if isr:
            self.write_reg("ISR", isr)  # toggle-on-write: clears done/ready

    def _start(self, n: int, inp: DeviceBuffer, out: DeviceBuffer) -> tuple[bool, float]:
        """The checked start: refuse a busy core, then ``start_registers`` with the driver's
        own buffers."""
        if not self.read_reg("CTRL") & self._ctrl("AP_IDLE"):
            raise DeviceBusyError("accelerator not idle before start (a run still going? "
                                  "call abort() or reload the overlay)", source="host")
        regs = self._start_values(n, inp, out)
        return regs.load_program, self.start_registers(regs)

    def _finish(self, done: bool, t0: float, n: int, out: DeviceBuffer, loaded: bool,
                as_torch: bool) -> RunResult:
        latency = self.hw.now() - t0
        if not done:
            self._abort_after_timeout()
        self._ack_done()
        status = self.read_reg("STATUS")
        if status:
            err = status_error(status, self._status_hint(status))
            if isinstance(err, SeuDetectedError):
                err.seu = self.seu_counters()
                err.args = (f"{err.args[0]} ({err.seu.summary()})",)
            raise err
        cycles, steps = self.cycles, self.steps
        self._needs_load = False
        out.invalidate()
        p = self.program
        assert p is not None
        words = n * p.out_rows * p.out_cols
        y = out.view(np.int16)[:words].astype(np.int64).reshape(n, p.out_rows, p.out_cols)
        if as_torch:
            import torch  # lazily: the board image may not have it

            y = torch.from_numpy(y)
        return RunResult(y, cycles, latency, loaded, n, steps=steps)

    def _status_hint(self, status: int) -> str:
        p = self.program
        name = p.name if p else "?"
        hints = {
            ERROR_CODES["BUS_ERROR"]: "an AXI transfer returned SLVERR/DECERR: check the DMA "
                                      "addresses (pynq.allocate buffers, HP port mapping)",
            ERROR_CODES["TIMEOUT"]: "the hardware watchdog saw a bus handshake stall",
            ERROR_CODES["ADDR_RANGE"]: "a DMA range lay outside its registered buffer; no "
                                       "access was made",
            ERROR_CODES["BAD_VERSION"]: "the image's format version is not this bitstream's: "
                                        "rebuild the program (spacemimo compile) or the "
                                        "bitstream",
            ERROR_CODES["DIMS_EXCEED_MAX"]: "the program needs more than this build has "
                                            "(weights, ops or widths): a bigger build is needed",
            ERROR_CODES["SEU_DETECTED"]: "an uncorrectable upset stopped the run; outputs "
                                         "before the vector it was on are valid",
        }
        return f"program {name!r}: " + hints.get(status, "the accelerator rejected the run "
                                                          "(quant/PROGRAM.md 'Error codes')")

    def _wait_idle(self, timeout_s: float) -> bool:
        deadline = self.hw.now() + timeout_s
        idle = self._ctrl("AP_IDLE")
        while not self.read_reg("CTRL") & idle:
            if self.hw.now() > deadline:
                return False
        return True

    def abort(self) -> int:
        """Write ABORT.REQUEST and wait for idle; returns STATUS. Raises BusWedgedError when
        the core does not go idle (an outstanding burst never completes)."""
        self.write_reg("ABORT", _bit(self.regmap, "ABORT", "REQUEST"))
        self._needs_load = True  # an abort during a load drops the program
        if not self._wait_idle(self.abort_timeout_s):
            raise BusWedgedError(
                f"the core did not go idle within {self.abort_timeout_s} s after ABORT: an "
                f"AXI transfer never completed, the bus is wedged. Reload the overlay "
                f"(Overlay(...).download()) or reset the PL before the next run",
                source="host")
        return self.read_reg("STATUS")

    def _abort_after_timeout(self) -> None:
        status = self.abort()
        seen = ERROR_NAMES.get(status, f"code {status}")
        how = ("the core was already idle with STATUS OK: it was reset (or finished just as "
               "the timeout expired)" if status == 0 else f"STATUS after abort: {seen}")
        raise DeviceTimeoutError(
            f"no done within {self.timeout_s} s; aborted ({how}). The next run reloads the "
            f"program. Likely causes: a DMA address the interconnect never answers, a stalled "
            f"slave, the PL clock stopped, or a timeout too short for this batch",
            source="host")

    def run(self, batch: Any, as_torch: bool = False, seu_recovery: bool | None = None
            ) -> RunResult:
        """Run (n, in_rows, in_cols) integer inputs back to back; returns integer outputs.

        On STATUS SEU_DETECTED the run is recovered once (``seu_recovery``, default the
        driver's): the program is reloaded when SEU_STATUS says WEIGHTS/PROGRAM_CORRUPTED,
        and the batch rerun; a second SEU_DETECTED raises ``SeuDetectedError``."""
        x, inp, out = self._prepare(batch)
        n = int(x.shape[0])
        recovered: str | None = None
        while True:
            loaded, t0 = self._start(n, inp, out)
            done = self.hw.wait_done(self.timeout_s)
            res, recovered = self._settle(done, t0, n, out, loaded, as_torch, recovered,
                                          seu_recovery)
            if res is not None:
                return res

    async def run_async(self, batch: Any, as_torch: bool = False,
                        seu_recovery: bool | None = None) -> RunResult:
        """``run`` that awaits the done interrupt (PYNQ ``Interrupt``) instead of blocking."""
        x, inp, out = self._prepare(batch)
        n = int(x.shape[0])
        recovered: str | None = None
        while True:
            loaded, t0 = self._start(n, inp, out)
            done = await self.hw.wait_done_async(self.timeout_s)
            res, recovered = self._settle(done, t0, n, out, loaded, as_torch, recovered,
                                          seu_recovery)
            if res is not None:
                return res

    def _settle(self, done: bool, t0: float, n: int, out: DeviceBuffer, loaded: bool,
                as_torch: bool, recovered: str | None, seu_recovery: bool | None
                ) -> tuple[RunResult | None, str | None]:
        """One attempt's outcome, shared by ``run`` and ``run_async`` (they differ only in how
        they wait): the result, or None and the recovery step taken before the rerun."""
        try:
            res = self._finish(done, t0, n, out, loaded, as_torch)
        except SeuDetectedError as err:
            return None, self._recover(err, recovered, seu_recovery)
        res.recovered = recovered
        return res, recovered

    def _recover(self, err: SeuDetectedError, recovered: str | None,
                 enabled: bool | None) -> str:
        """The documented SEU recovery step after a run ended SEU_DETECTED: re-stage the
        image (the next start reloads weights, biases and the op table: LOAD_PROGRAM clears
        WEIGHTS/PROGRAM_CORRUPTED) when SEU_STATUS asks for it, else just rerun. Returns
        what was done; re-raises when recovery is off or this was already the rerun."""
        enabled = self.seu_recovery if enabled is None else enabled
        seu = err.seu
        if not enabled:
            raise err
        if recovered is not None:
            raise SeuDetectedError(
                f"again after {recovered} (automatic recovery tried once; "
                f"{seu.summary() if seu else 'SEU_STATUS unread'}): a persistent fault or a "
                "very high upset rate — power-cycle/reconfigure the PL and run the self-test "
                "(board/README.md 'Radiation (SEU) protection')") from err
        if seu is not None and seu.reload_needed:
            assert self.program is not None
            self._stage_image(self.program)  # also sets _needs_load
            return "reload+rerun"
        # RUN_UPSET alone: weights and op table are intact (the program was loaded before the
        # upset), only this run's activations/controller were hit: rerun without a reload
        self._needs_load = False
        return "rerun"

def selftest(driver: AccelDriver, vectors_dir: str | Path) -> tuple[int, int]:
    """Replay golden vectors on the device: returns (mismatching words, total words)."""
    from spacemimo.quant.vectors import read_golden_vectors

    gv = read_golden_vectors(vectors_dir)
    driver.load(gv.program)
    got = driver.run(gv.inputs).outputs
    return int((got != gv.expected).sum()), int(gv.expected.size)
