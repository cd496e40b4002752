"""spacemimo bench hw helpers: the RTL cycle formula for segmented DENSE ops (Horner order)
and the yosys stat parser (LUT-as-memory counted toward the LUT total)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_dense_items_counts_segment_steps_and_doublings() -> None:
    """numerics_program's segmented DENSE: 4 segments of 5 columns, alignments 2/15/0/7.
    At 8 bit (Q=4) each segment touches 2 steps (boundaries at 5, 10, 15 straddle a step) and
    the accumulators double max(a) = 15 times: 8 + 15 items per tile; at 16 bit (Q=2, cap 8)
    segments touch 3/3/3/3 steps -> 12 + 8. Without segments: ceil(in/Q)."""
    from spacemimo.hw.bench import dense_items
    from spacemimo.hw.cosim import numerics_program

    for bits, q, want in ((8, 4, 8 + 15), (16, 2, 12 + 8)):
        prog = numerics_program(bits)
        seg = [op for op in prog.ops if op.opcode == 1 and op.seg_cols]
        assert len(seg) == 1 and seg[0].num_segments == 4
        assert dense_items(seg[0], q) == want
        plain = [op for op in prog.ops if op.opcode == 1 and not op.seg_cols]
        assert plain and all(dense_items(op, q) == -(-op.in_cols // q) for op in plain)


def test_rtl_cycle_model_gsm_paper() -> None:
    """Paper-size GSM on the PAPER 8-bit array: the formula stays under the 3,900-cycle target
    and above the array's MAC roofline (12.63 M MACs / 4,096 per cycle)."""
    from spacemimo.hw.bench import io_model, rtl_cycle_model
    from spacemimo.hw.cosim import PAPER
    from spacemimo.quant.random_programs import random_gsm_program

    prog = random_gsm_program(bits=8, seed=0)
    model = rtl_cycle_model(prog, PAPER[8])
    total = sum(m["model"] for m in model) + io_model(prog, PAPER[8])
    macs = sum(m["macs"] for m in model)
    assert macs / 4096 < total < 3900


def test_parse_stat_counts_lutram_luts() -> None:
    from spacemimo.hw.synth import parse_stat

    text = """=== spacemimo_accel ===
   Number of cells:               1000
     CARRY4                         10
     DSP48E1                        16
     FDRE                          300
     LUT2                          100
     LUT6                          200
     RAM32M                          5
     RAM64X1D                        3
     RAMB18E1                        2
     RAMB36E1                        1
"""
    r = parse_stat(text)
    assert r["LUT"] == 300 and r["LUTRAM_cells"] == 8
    assert r["LUT_total"] == 300 + 5 * 4 + 3 * 2
    assert r["BRAM18"] == 4 and r["BRAM36"] == 2 and r["DSP"] == 16 and r["FF"] == 300
