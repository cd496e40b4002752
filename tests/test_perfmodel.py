"""Performance model (spacemimo/hw/perfmodel.py): formulas, presets, paper comparison, CLI.

The model's agreement with the kernel's own loop-step counter is checked in test_hls_csim.py
(it needs g++); these tests are pure Python.
"""

from __future__ import annotations

import pytest

from spacemimo.hw.perfmodel import (
    PAPER_GSM_CYCLES,
    PRESETS,
    ArrayConfig,
    dense_cycles,
    drain_cycles,
    horner_order,
    predict,
    preset,
)
from spacemimo.spec import builds


@pytest.fixture(scope="module")
def gsm8():
    from spacemimo.quant.random_programs import random_gsm_program

    return random_gsm_program(bits=8, seed=0)


@pytest.fixture(scope="module")
def gsm16():
    from spacemimo.quant.random_programs import random_gsm_program

    return random_gsm_program(bits=16, seed=0)


def test_the_spec_is_the_source_of_every_config() -> None:
    """ArrayConfig is a named HLS build of spacemimo/spec/builds.yaml in the kernel's names:
    array_rows = node_rows, array_cols = out_lanes (the header is generated from the same)."""
    default = builds.default_build()
    cfg = ArrayConfig.from_build()
    assert cfg == ArrayConfig.from_header() == preset(default.name)
    assert (cfg.array_rows, cfg.array_cols, cfg.bus_width, cfg.weight_mode) == (
        default.node_rows, default.out_lanes, default.bus_bits, default.weight_mode)
    assert sorted(PRESETS) == sorted(builds.load().of_backend("hls"))
    cfg = ArrayConfig.from_build(array_cols=64)
    assert cfg.array_cols == 64 and cfg.cflags() == "-DSM_ARRAY_COLS=64"
    assert preset("zcu104").cflags() == ("-DSM_ARRAY_COLS=64 -DSM_DATA_BITS=8 -DSM_ACC_BITS=32 "
                                         "-DSM_WEIGHT_DEPTH=28672 -DSM_BUS_WIDTH=128")
    with pytest.raises(ValueError, match="RTL build"):
        ArrayConfig.from_build("rtl-small-8")
    with pytest.raises(ValueError, match="unknown preset"):
        preset("nope")
    with pytest.raises(ValueError, match="power of two"):  # checked like a spec entry
        preset("vx690t", array_cols=48)
    assert preset("vx690t", weight_mode=0).weight_placement == "streamed"


def test_dense_formulas() -> None:
    cfg = ArrayConfig.from_build(array_rows=4, array_cols=256, drain_cols=32, bus_width=64)
    d, depth = drain_cycles(cfg), cfg.pipe_depth
    assert d == 256 // 32  # all 4 rows at once, 32 columns per step
    # 512 -> 512 resident: one flattened loop over 2 column tiles x 128 steps (one packed
    # word = 4 eight-bit inputs per bank per step; the previous tile drains meanwhile), then
    # the last tile's d drain-only steps in the same loop (one depth per op)
    assert dense_cycles(4, 512, 512, 8, False, cfg) == 2 * 128 + d + depth
    assert dense_cycles(4, 512, 512, 16, False, cfg) == 2 * 256 + d + depth
    # 8 rows = 2 row tiles; a tile shorter than the drain waits for it
    assert dense_cycles(8, 512, 512, 8, False, cfg) == 4 * 128 + d + depth
    assert dense_cycles(4, 8, 1024, 8, False, cfg) == 4 * d + d + depth
    # streamed, same loop: per 128-input chunk of 256 rows, 256 x 16 beats (2 words each, rows
    # starting on even words here) then the chunk's 32 words; 4 chunks per tile, 2 tiles; a
    # bus latency per chunk
    steps = 2 * 4 * (256 * 16 + 32) + d
    assert dense_cycles(4, 512, 512, 8, True, cfg) == steps + 8 * cfg.axi_latency + depth
    # a row starting mid-beat touches one beat more
    assert dense_cycles(4, 512, 512, 8, True, cfg, first_word=1) == \
        dense_cycles(4, 512, 512, 8, True, cfg) + 2 * 4 * 256


def test_dense_segments_in_horner_order() -> None:
    """Segments walk in decreasing alignment (ties in column order) with a(k) - a(k+1)
    doublings after each and a(last) after the last: max a(s) doubling steps per tile, and a
    packed word straddling two segments is stepped in both (hls/src/dense_tile.h seg_plan)."""
    assert horner_order(24) == [(0, 24, 0)]
    assert horner_order(24, 8, [15, 0, 7]) == [(0, 8, 8), (16, 24, 7), (8, 16, 0)]
    assert horner_order(12, 4, [3, 5, 3]) == [(4, 8, 2), (0, 4, 0), (8, 12, 3)]
    cfg = ArrayConfig.from_build(array_rows=4, array_cols=16, drain_cols=8, bus_width=64)
    d, depth = drain_cycles(cfg), cfg.pipe_depth
    # 3 segments of 8 at 8 bit: 2 words each, no straddle, + 15 doublings; one tile of 19
    assert dense_cycles(4, 24, 19, 8, False, cfg, segments=horner_order(24, 8, [15, 0, 7])) \
        == 2 * (6 + 15) + d + depth
    # segments of 6 columns: the word of columns 4..7 straddles the first boundary (6 words
    # for 5 of the row); no alignment, no doubling, and a tile of 6 < D = 2 steps waits
    segs = horner_order(18, 6, [0, 0, 0])
    assert [s[2] for s in segs] == [0, 0, 0]
    assert dense_cycles(4, 18, 16, 8, False, cfg, segments=segs) == max(6, d) + d + depth
    # streamed: chunks never cross a segment (8 inputs' words at most: 2 per chunk here)
    sc = cfg.with_(stream_k=8)
    one = dense_cycles(4, 24, 16, 8, True, sc)
    three = dense_cycles(4, 24, 16, 8, True, sc, segments=horner_order(24, 8, [1, 1, 1]))
    assert three == one + 1  # the same 3 chunks, + 1 doubling


def test_gsm_resident_beats_paper(gsm8) -> None:
    pred = predict(gsm8, preset("vx690t"))
    assert not pred.error
    assert pred.weights == 3_158_016
    assert all(o.placement == "resident" for o in pred.ops if o.name == "DENSE")
    assert pred.inference * 10 < PAPER_GSM_CYCLES[8][0]
    assert pred.streamed_words == 0


def test_streamed_gsm_is_fetch_bound(gsm8, gsm16) -> None:
    """All weights streamed: one 64-bit beat per step, fetch and compute in sequence, so an
    inference costs at least weights x bits / 64 steps and at most ~5 % more."""
    for prog, bits in ((gsm8, 8), (gsm16, 16)):
        pred = predict(prog, preset("vx690t-streamed"))
        bound = 3_158_016 * bits / 64
        assert bound <= pred.inference <= 1.05 * bound


def test_gsm16_hybrid(gsm16) -> None:
    pred = predict(gsm16, preset("vx690t"))
    places = {o.placement for o in pred.ops if o.name == "DENSE"}
    assert places == {"resident", "streamed"}
    assert pred.inference < PAPER_GSM_CYCLES[16][1]


def test_more_columns_fewer_cycles(gsm8) -> None:
    base = ArrayConfig.from_header()
    c128 = predict(gsm8, base.with_(array_cols=128, weight_depth=16384)).inference
    c256 = predict(gsm8, base).inference
    assert c256 < c128


def test_resident_only_store_too_small(gsm8) -> None:
    pred = predict(gsm8, ArrayConfig.from_header().with_(weight_mode=1, weight_depth=1024))
    assert "do not fit" in pred.error


def test_table_and_batch(gsm8) -> None:
    pred = predict(gsm8)
    text = pred.table()
    assert text.count("| DENSE |") == 11 and "AGGREGATE" in text and "NORM" in text
    assert pred.run_cycles(100, load=True) == (pred.config.start_overhead + pred.load
                                               + 100 * (pred.inference
                                                        - pred.config.start_overhead))


def test_model_gnn_program() -> None:
    from spacemimo.quant.random_programs import random_model_gnn_program

    pred = predict(random_model_gnn_program(bits=16, seed=0))
    assert {o.name for o in pred.ops} == {"DENSE", "AGGREGATE", "NORM", "TAYLOR"}
    assert pred.inference > 0 and not pred.error


def test_cli_perf(capsys: pytest.CaptureFixture[str]) -> None:
    from spacemimo.cli import main

    assert main(["perf", "--random", "gsm", "--small", "--bits", "16"]) == 0
    assert "one inference" in capsys.readouterr().out
    assert main(["perf", "--paper", "--preset", "vx690t-bus512"]) == 0
    assert "386,284" in capsys.readouterr().out
    # paper-size GSM: the RTL's measured per-op cycles beside the model
    assert main(["perf", "--random", "gsm", "--bits", "8"]) == 0
    out = capsys.readouterr().out
    assert "| modelled (HLS) | measured (RTL, Verilator) |" in out and "RTL measured" in out


def test_rtl_measured_matches_ops_by_shape(gsm8, tmp_path) -> None:
    """The RTL's per-op rows are taken for the ops of the same bits, index, opcode and shape;
    a row mixing two ops ("NORM + output store") or another shape is left out."""
    import json

    from spacemimo.hw.perfmodel import rtl_measured

    op1 = gsm8.ops[1]
    rows = [{"bits": 8, "op": 1, "name": "DENSE", "rows": op1.rows, "in": op1.in_cols,
             "out": op1.out_cols, "measured": 520},
            {"bits": 8, "op": 2, "name": "DENSE", "rows": 4, "in": 3, "out": 5, "measured": 9},
            {"bits": 16, "op": 3, "name": "DENSE", "rows": 4, "in": 512, "out": 512,
             "measured": 7},
            {"bits": 8, "op": 13, "name": "NORM + output store", "rows": 4, "in": 8, "out": 8,
             "measured": 167},
            {"bits": 8, "op": "-", "name": "start + input load", "measured": 46}]
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"rows": rows}))
    assert rtl_measured(gsm8, f) == {1: 520}
    assert rtl_measured(gsm8, tmp_path / "absent.json") == {}
