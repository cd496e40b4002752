"""The HLS kernel's C-simulation without Vitis: build ``hls/tb/tb_accel.cpp`` with g++ and the
ap_types headers, run it on golden-vector directories and parse its summary.

The CLI (``spacemimo csim``), ``make hls`` and the tests drive the kernel through these
functions, so all three build and run it the same way.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spacemimo.ground import paths
from spacemimo.ground.locks import exclusive

HLS_DIR = paths.hls_dir()


class CsimError(RuntimeError):
    """The C-simulation could not be built or run."""


@dataclass
class CsimResult:
    """What one testbench run printed."""

    returncode: int
    output: str
    mismatches: int | None = None
    words: int | None = None
    status: int | None = None
    cycles_batch: int | None = None
    cycles_inference: int | None = None
    # STEPS of the reuse run (the kernel's counted steps). C-sim has no clock, so CYCLES
    # reports the same count there; in Vitis co-simulation CYCLES is the RTL's clock count
    steps_inference: int | None = None
    vectors: int | None = None
    # the SEU registers after the first run (hls/src/seu_protect.h): SEU_STATUS,
    # SEU_CORRECTED, SEU_UNCORRECTABLE, HW_PROTECT
    seu: dict[str, int] | None = None
    # the reuse run's CYCLES as the kernel's loops counted them: input load, output store,
    # and per op (hls/src/cycle_counter.h)
    io_cycles: tuple[int, int] | None = None
    op_cycles: list[int] | None = None

    @property
    def passed(self) -> bool:
        return self.returncode == 0


def missing_tools() -> str | None:
    """None when g++ and the ap_types headers are available, else what to install."""
    if shutil.which("g++") is None:
        return "g++ not found: install a C++ compiler (apt-get install g++)"
    try:
        import hls4ml  # noqa: F401
    except ImportError:
        return "hls4ml not installed (its ap_types headers are needed): pip install -e '.[hw]'"
    return None


def build_csim(cflags: str = "", opt: str = "-O2", sanitize: bool = False,
               build: Path | None = None) -> Path:
    """Build the C-sim testbench for a configuration (-D flags); returns the binary path.

    Binaries are cached per (flags, opt, sanitize) by hls/Makefile under ``build``/csim/
    (default: build/hls/csim/ of spacemimo.ground.paths.build_dir, never inside hls/).
    ``sanitize`` builds under AddressSanitizer + UBSan (``-fno-sanitize-recover``): any
    out-of-bounds access or undefined behaviour ends the run with a report and exit status
    ``SANITIZER_EXIT``.
    """
    why = missing_tools()
    if why:
        raise CsimError(why)
    build = Path(build or paths.build_dir() / "hls").resolve()
    cmd = ["make", "-s", "--no-print-directory", "-C", str(HLS_DIR), "csim-build",
           f"CFG={cflags}", f"OPT={opt}", f"BUILD={build}",
           f"PYTHON={sys.executable}"] + (["SANITIZE=1"] if sanitize else [])
    with exclusive(build / "csim.lock"):  # one make at a time per build folder (xdist workers)
        proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0 or not lines:
        raise CsimError(f"C-sim build failed ({' '.join(cmd)}):\n{proc.stdout}\n{proc.stderr}")
    return HLS_DIR / lines[-1].strip()


# Exit status of a sanitizer report (ASan and UBSan), distinct from the testbench's 0/1/2/3.
SANITIZER_EXIT = 86
SANITIZER_ENV = {"ASAN_OPTIONS": f"exitcode={SANITIZER_EXIT}:detect_leaks=1",
                 "UBSAN_OPTIONS": f"exitcode={SANITIZER_EXIT}:print_stacktrace=1"}


def sanitizer_report(output: str) -> str | None:
    """The first line of an AddressSanitizer / UBSan report in a run's output, or None."""
    for line in output.splitlines():
        if "ERROR: AddressSanitizer" in line or "ERROR: LeakSanitizer" in line \
                or "runtime error:" in line:
            return line.strip()
    return None


def run_csim(binary: Path, vec_dir: str | Path, *args: str, timeout: float | None = None
             ) -> CsimResult:
    """Run the testbench on a golden-vector directory (or ``--load-list FILE`` with
    vec_dir ``"--load-list"``) and parse its summary lines."""
    import os

    env = {**os.environ, **SANITIZER_ENV}
    proc = subprocess.run([str(binary), str(vec_dir), *args], capture_output=True, text=True,
                          timeout=timeout, env=env)
    out = proc.stdout + proc.stderr
    res = CsimResult(proc.returncode, out)
    if m := re.search(r"^mismatches=(\d+)/(\d+)", out, re.M):
        res.mismatches, res.words = int(m.group(1)), int(m.group(2))
    if m := re.search(r"(?<!\w)status=(\d+)", out):  # not seu_status=
        res.status = int(m.group(1))
    if m := re.search(r"cycles_load_and_batch=(\d+) vectors=(\d+) cycles_per_inference=(\d+)",
                      out):
        res.cycles_batch, res.vectors, res.cycles_inference = map(int, m.groups())
    if m := re.search(r"^steps_per_inference=(\d+) ", out, re.M):
        res.steps_inference = int(m.group(1))
    if m := re.search(r"^seu: seu_status=0x([0-9A-F]+) seu_corrected=(\d+) "
                      r"seu_uncorrectable=(\d+) hw_protect=0x([0-9A-F]+)$", out, re.M):
        res.seu = {"status": int(m.group(1), 16), "corrected": int(m.group(2)),
                   "uncorrectable": int(m.group(3)), "hw_protect": int(m.group(4), 16)}
    if m := re.search(r"^io_cycles=(\d+),(\d+) op_cycles=([\d,]*)$", out, re.M):
        res.io_cycles = (int(m.group(1)), int(m.group(2)))
        res.op_cycles = [int(c) for c in m.group(3).split(",") if c]
    return res


def cosim_depth_flags(vec_dir: Path, bus_bits: int, vectors: int = 2) -> str:
    """-D flags setting the m_axi ``depth`` of each pointer to the co-simulation testbench's
    buffers in beats (tb_accel run with ``--max-vectors vectors``: PROGRAM_SIZE = the file in
    whole beats, the input / output tables of that many vectors), so co-simulation never copies
    past a buffer."""
    import json

    meta = json.loads((Path(vec_dir) / "meta.json").read_text())
    n = min(vectors, int(meta["expected"]["shape"][0]))
    _, out_rows, out_cols = meta["expected"]["shape"]
    words = np.fromfile(Path(vec_dir) / "program.bin", dtype="<u4", count=16)
    in_elems = int(words[7]) * int(words[8])
    beat = bus_bits // 8
    beats = {"PROGRAM": -(-(Path(vec_dir) / "program.bin").stat().st_size // beat),
             "INPUT": -(-2 * n * in_elems // beat),
             "OUTPUT": -(-2 * n * out_rows * out_cols // beat)}
    return " ".join(f"-DSM_AXI_DEPTH_{k}={v}" for k, v in beats.items())


def write_random_vectors(kind: str, bits: int, out: Path, n: int = 100, small: bool = False,
                         seed: int = 0) -> Path:
    """Golden vectors of a random GSM or Model-GNN program (paper size unless ``small``)."""
    from spacemimo.quant.random_programs import (
        random_gsm_program,
        random_model_gnn_program,
        small_gsm_program,
    )
    from spacemimo.quant.vectors import write_golden_vectors

    if kind == "gsm":
        prog = small_gsm_program(bits=bits, seed=seed) if small else \
            random_gsm_program(bits=bits, seed=seed)
    elif kind in ("model-gnn", "model_gnn", "mgnn"):
        prog = random_model_gnn_program(bits=bits, N=4, K=4, hidden=(8, 8), seed=seed) \
            if small else random_model_gnn_program(bits=bits, seed=seed)
    else:
        raise ValueError(f"kind must be gsm or model-gnn, got {kind!r}")
    write_golden_vectors(out, prog, n=n, seed=seed + 1)
    return out
