"""PYNQ driver for the spacemimo accelerator: a thin ``DefaultIP`` over a board-independent core.

``AccelDriver`` speaks the register protocol (board/regmap.yaml) through any object with
``read(offset)`` / ``write(offset, value)`` and any allocator of physically contiguous numpy
buffers (``pynq.allocate`` on a board, a fake memory in the tests), so the protocol is tested
without hardware and ``SpacemimoAccel`` only adds PYNQ's binding. The program image, inputs and
outputs use the device formats of quant/PROGRAM.md (uint32 image, int16 tables).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from spacemimo.board import regmap as rm
from spacemimo.quant.program import ERROR_CODES, Program

# Vitis HLS' default VLNV for the exported kernel (vendor xilinx.com, library hls).
VLNV = "xilinx.com:hls:spacemimo_accel:1.0"
ERROR_NAMES = {code: name for name, code in ERROR_CODES.items()}


class RegisterIO(Protocol):
    def read(self, offset: int) -> int: ...

    def write(self, offset: int, value: int) -> None: ...


Allocator = Callable[..., Any]  # allocate(shape=..., dtype=...) -> ndarray with physical_address


class AccelError(RuntimeError):
    """The accelerator finished with a non-zero STATUS (or never finished)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{ERROR_NAMES.get(code, f'code {code}')}: {message}")
        self.code = code


@dataclass
class RunResult:
    outputs: np.ndarray  # (n, out_rows, out_cols) int64
    cycles: int  # CYCLES of the run (includes program load when it happened)
    loaded_program: bool


def _address(buf: Any) -> int:
    addr = getattr(buf, "physical_address", None)
    if addr is None:
        addr = buf.device_address
    return int(addr)


def _flush(buf: Any) -> None:
    if hasattr(buf, "flush"):
        buf.flush()


def _invalidate(buf: Any) -> None:
    if hasattr(buf, "invalidate"):
        buf.invalidate()


class AccelDriver:
    """Load a program once, then run batches of input tables (weights stay on chip)."""

    def __init__(self, regs: RegisterIO, allocate: Allocator,
                 regmap: rm.RegisterMap | None = None, timeout_s: float = 2.0) -> None:
        self.regs = regs
        self.allocate = allocate
        self.map = regmap or rm.load()
        self.off = self.map.offsets()
        self.timeout_s = timeout_s
        self.program: Program | None = None
        self._image: Any = None
        self._needs_load = False

    # -- registers ----------------------------------------------------------------------------
    def read(self, name: str) -> int:
        return int(self.regs.read(self.off[name])) & 0xFFFFFFFF

    def write(self, name: str, value: int) -> None:
        self.regs.write(self.off[name], int(value) & 0xFFFFFFFF)

    def _write_addr(self, base: str, addr: int) -> None:
        self.write(f"{base}_LO", addr & 0xFFFFFFFF)
        self.write(f"{base}_HI", addr >> 32)

    def check_id(self) -> None:
        """Refuse to drive something that isn't this accelerator (or another map version)."""
        got = self.read("HW_ID")
        if got != self.map.hw_id:
            raise AccelError(0, f"HW_ID is {got:#010x}, expected {self.map.hw_id:#010x} "
                                f"(wrong bitstream or register-map version)")

    @property
    def cycles(self) -> int:
        return self.read("CYCLES_LO") | (self.read("CYCLES_HI") << 32)

    # -- use ----------------------------------------------------------------------------------
    def load(self, program: Program) -> None:
        """Stage a program image in device memory; the next run fetches it and its weights."""
        words = program.to_words()
        self._image = self.allocate(shape=(len(words),), dtype=np.uint32)
        self._image[:] = words
        _flush(self._image)
        self.program = program
        self._needs_load = True

    def run(self, x_int: np.ndarray) -> RunResult:
        """Run (n, in_rows, in_cols) integer inputs back to back; returns integer outputs."""
        if self.program is None:
            raise ValueError("no program loaded: call load(program) first")
        p = self.program
        x = np.asarray(x_int)
        if x.ndim == 2:
            x = x[None]
        if x.shape[1:] != (p.in_rows, p.in_cols):
            raise ValueError(f"inputs must be (n, {p.in_rows}, {p.in_cols}), got {x.shape}")
        if not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"inputs must be integers (fixed point, frac {p.in_frac}), "
                             f"got {x.dtype}")
        lim = 1 << (p.bits - 1)
        if x.size and (x.min() < -lim or x.max() >= lim):
            raise ValueError(f"inputs outside the signed {p.bits}-bit range")
        n = x.shape[0]
        inp = self.allocate(shape=x.shape, dtype=np.int16)
        out = self.allocate(shape=(n, p.out_rows, p.out_cols), dtype=np.int16)
        inp[:] = x
        _flush(inp)
        self._write_addr("PROGRAM_ADDR", _address(self._image))
        self._write_addr("INPUT_ADDR", _address(inp))
        self._write_addr("OUTPUT_ADDR", _address(out))
        self.write("NUM_VECTORS", n)
        loaded = self._needs_load
        self.write("MODE", 1 if loaded else 0)
        self._start_and_wait()
        status = self.read("STATUS")
        if status:
            self._needs_load = True
            raise AccelError(status, "the accelerator rejected the run; see quant/PROGRAM.md")
        self._needs_load = False
        _invalidate(out)
        return RunResult(np.asarray(out, dtype=np.int64).copy(), self.cycles, loaded)

    def _start_and_wait(self) -> None:
        ctrl = self.map["CTRL"]
        bits = {f.name: 1 << f.bit for f in ctrl.fields}
        if not self.read("CTRL") & bits["AP_IDLE"]:
            raise AccelError(0, "accelerator busy (AP_IDLE low) before start")
        self.write("CTRL", bits["AP_START"])
        deadline = time.monotonic() + self.timeout_s
        while not self.read("CTRL") & bits["AP_DONE"]:
            if time.monotonic() > deadline:
                raise AccelError(ERROR_CODES["TIMEOUT"],
                                 f"no AP_DONE within {self.timeout_s} s")


def selftest(driver: AccelDriver, vectors_dir: str | Path) -> tuple[int, int]:
    """Replay golden vectors on the device: returns (mismatching words, total words)."""
    from spacemimo.quant.vectors import read_golden_vectors

    gv = read_golden_vectors(vectors_dir)
    driver.load(gv.program)
    got = driver.run(gv.inputs).outputs
    return int((got != gv.expected).sum()), int(gv.expected.size)


def pynq_driver_class() -> type:
    """The ``pynq.DefaultIP`` subclass, built on demand (importing pynq probes for devices)."""
    from pynq import DefaultIP, allocate

    class SpacemimoAccel(DefaultIP):
        """``overlay.spacemimo_accel_0``: PYNQ binds it by VLNV; ``.accel`` is the driver."""

        bindto = [VLNV]

        def __init__(self, description: dict[str, Any]) -> None:
            super().__init__(description=description)
            self.accel = AccelDriver(self, allocate)

    return SpacemimoAccel
