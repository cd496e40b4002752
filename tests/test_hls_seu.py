"""SEU protection of the HLS kernel (hls/src/seu_protect.h) in C-simulation.

Protected builds stay bit-exact with the golden model (100 random vectors + the edge cases:
GSM 8 and 16 bit, Model-GNN 16 bit; Model-GNN 8 bit under ``slow``) and count the same CYCLES
as the unprotected kernel when the scrubber is off. The testbench's ``--inject`` flips stored
bits in the weight store, the bias store, an activation buffer, the op table or the header
just before a chosen op of a chosen vector: a single flip in a SECDED memory is corrected
(output exact, SEU_CORRECTED 1); an adjacent double flip, or any flip in a parity-protected
op record/header, ends the run with STATUS SEU_DETECTED (11), the right SEU_STATUS bit, every
earlier vector exact, a MODE = 0 rerun refused while a reload is needed, and the driver's
documented recovery bit-exact. The same flip in the unprotected build silently corrupts the
outputs. A hybrid-placement build (streamed chunks read-modify-written into the 72-bit rows)
runs under ASan + UBSan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spacemimo.hw.csim import build_csim, missing_tools, run_csim
from spacemimo.hw.perfmodel import preset
from spacemimo.quant.program import ERROR_CODES
from spacemimo.spec import regmap

pytestmark = pytest.mark.skipif(missing_tools() is not None,
                                reason=f"C-sim needs g++ and ap_types: {missing_tools()}")

MAP = regmap.load()
SEU = ERROR_CODES["SEU_DETECTED"]
N_RANDOM = 100
# the spec's protected build (builds.yaml vx690t-seu: secded / secded / parity / scrub)
SEU_FULL = preset("vx690t-seu").cflags()
# tests/test_hls_csim.py's sanitized streamed build, byte for byte (one binary, also
# test_program_fuzz's): 2x16 array, 132-word store, 16-input chunks over a 128-bit bus (two
# 72-bit row sub-banks), parity activations
SEU_HYBRID = ("-DSM_ARRAY_ROWS=2 -DSM_ARRAY_COLS=16 -DSM_DRAIN_COLS=8 -DSM_BUS_WIDTH=128 "
              "-DSM_WEIGHT_MODE=2 -DSM_WEIGHT_DEPTH=132 -DSM_STREAM_K=16"
              " -DSM_SEU_W=2 -DSM_SEU_A=1 -DSM_SEU_C=1 -DSM_SCRUB=1")
SEU_BIT = {f.name: f.bit for f in MAP["SEU_STATUS"].fields}


@pytest.fixture(scope="module")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from spacemimo.quant.random_programs import random_model_gnn_program, small_gsm_program
    from spacemimo.quant.vectors import edge_case_inputs, write_golden_vectors

    root = tmp_path_factory.mktemp("seu_vec")
    out = {}
    for bits in (8, 16):
        for name, prog in ((f"gsm{bits}", small_gsm_program(bits=bits, seed=3)),
                           (f"mgnn{bits}", random_model_gnn_program(bits=bits, N=4, K=4,
                                                                    hidden=(8, 8), seed=3))):
            write_golden_vectors(root / name, prog, n=len(edge_case_inputs(prog)) + N_RANDOM,
                                 seed=11)
            out[name] = root / name
    return out


@pytest.fixture(scope="module")
def tb_seu() -> Path:
    return build_csim(SEU_FULL, "-O1")


def _seu(res: object, what: str = "seu") -> dict[str, int]:
    """The SEU registers the testbench printed after the first run (or the recovery)."""
    if what == "seu":
        assert res.seu is not None, res.output[-2000:]  # type: ignore[attr-defined]
        return res.seu  # type: ignore[attr-defined,no-any-return]
    m = re.search(rf"^{what}: seu_status=0x([0-9A-F]+) seu_corrected=(\d+) "
                  r"seu_uncorrectable=(\d+) hw_protect=0x([0-9A-F]+)$",
                  res.output, re.M)  # type: ignore[attr-defined]
    assert m, res.output[-2000:]  # type: ignore[attr-defined]
    return {"status": int(m.group(1), 16), "corrected": int(m.group(2)),
            "uncorrectable": int(m.group(3)), "hw_protect": int(m.group(4), 16)}


# mgnn8 in the slow suite (the default suite's budget): its ops are mgnn16's at 8 bit
@pytest.mark.parametrize("name", ["gsm8", "gsm16", "mgnn16",
                                  pytest.param("mgnn8", marks=pytest.mark.slow)])
def test_protected_build_bit_exact(tb_seu: Path, vectors: dict[str, Path], name: str) -> None:
    res = run_csim(tb_seu, vectors[name])
    assert res.passed and res.mismatches == 0 and res.words, res.output[-2000:]
    seu = _seu(res)
    assert seu["hw_protect"] == MAP.encode("HW_PROTECT", WEIGHTS=2, ACTS=2, CTRL=1, SCRUB=1)
    assert (seu["status"], seu["corrected"], seu["uncorrectable"]) == (0, 0, 0)


def test_protection_adds_no_cycles_without_the_scrubber(tb_seu: Path,
                                                        vectors: dict[str, Path]) -> None:
    """SECDED decode, parity checks and write-back sit in existing loop steps: CYCLES of the
    protected build equal the unprotected kernel's op by op (SCRUB_PERIOD 0); scrubbing at
    one step per 1,024 cycles costs < 2 % of a batch."""
    plain = build_csim("", "-O1")
    for name in ("gsm16", "mgnn8"):
        a = run_csim(plain, vectors[name], "--max-vectors", "10")
        b = run_csim(tb_seu, vectors[name], "--max-vectors", "10")
        assert a.passed and b.passed, b.output[-2000:]
        assert _seu(a)["hw_protect"] == 0
        assert (b.op_cycles, b.io_cycles, b.cycles_batch) == (a.op_cycles, a.io_cycles,
                                                              a.cycles_batch)
        s = run_csim(tb_seu, vectors[name], "--max-vectors", "10", "--scrub-period", "1024")
        assert s.passed and a.cycles_batch < s.cycles_batch < 1.02 * a.cycles_batch


# (target:vec:op:a:b:c:bit:n) -> the SEU_STATUS bit a detected upset sets. Small GSM's op 0 is
# a resident DENSE with weights from store word 0 and biases from entry 0 of every bank; its
# source is buffer 0 (rows 0..3, columns 0..); op 1 reads buffer 1.
SINGLE = {
    "weights data bit": "weights:2:0:0:0:0:5:1",
    "weights high word": "weights:2:0:3:1:0:40:1",
    "weights check bit": "weights:2:0:0:0:0:70:1",
    "bias": "bias:2:0:0:0:0:3:1",
    "activation": "acts:2:0:0:0:0:2:1",
}
DOUBLE = {
    "weights data": ("weights:2:0:0:0:0:5:2", "WEIGHTS_CORRUPTED"),
    "weights data|check": ("weights:2:0:1:0:0:63:2", "WEIGHTS_CORRUPTED"),
    "bias": ("bias:2:0:0:0:0:30:2", "WEIGHTS_CORRUPTED"),
    "activation": ("acts:2:0:0:1:3:7:2", "RUN_UPSET"),
    "op table": ("optable:2:1:1:7:0:0:2", "PROGRAM_CORRUPTED"),
    "op table single": ("optable:2:1:1:12:0:3:1", "PROGRAM_CORRUPTED"),  # parity: detect only
    "header": ("header:2:0:9:0:0:0:2", "PROGRAM_CORRUPTED"),
}


@pytest.mark.parametrize("case", sorted(SINGLE))
def test_single_upset_is_corrected_and_output_exact(tb_seu: Path, vectors: dict[str, Path],
                                                   case: str) -> None:
    res = run_csim(tb_seu, vectors["gsm8"], "--max-vectors", "8", "--inject", SINGLE[case])
    assert res.passed and res.mismatches == 0, res.output[-2000:]
    seu = _seu(res)
    assert (seu["status"], seu["corrected"], seu["uncorrectable"]) == (0, 1, 0)


@pytest.mark.parametrize("case", sorted(DOUBLE))
def test_adjacent_double_upset_is_detected_and_recovered(tb_seu: Path,
                                                         vectors: dict[str, Path],
                                                         case: str) -> None:
    spec, bit = DOUBLE[case]
    res = run_csim(tb_seu, vectors["gsm8"], "--max-vectors", "8", "--inject", spec)
    out = res.output
    assert res.status == SEU and "seu_detected vector=2 mismatches_before_upset=0/64" in out, out
    seu = _seu(res)
    assert seu["status"] == 1 << SEU_BIT[bit] and seu["uncorrectable"] == 1
    reload = bit != "RUN_UPSET"
    assert ("reuse_before_reload: status=11" in out) == reload  # refused until reloaded
    action = "reload+rerun" if reload else "rerun"
    assert f"recovery: action={action} status=0 mismatches=0/256" in out, out
    assert _seu(res, "seu_after_recovery")["status"] == 0 and res.passed


def test_an_illegal_opcode_past_the_parity_is_a_controller_fault(tb_seu: Path,
                                                                vectors: dict[str, Path]) -> None:
    """Op 1's opcode with bits 0 and 8 flipped (one interleaved-parity group: the parity
    misses it) decodes to no legal op: the dispatch stops the run with STATUS 11,
    CTRL_FAULT + PROGRAM_CORRUPTED (the state came from the op table), and reload + rerun is
    exact."""
    res = run_csim(tb_seu, vectors["gsm8"], "--max-vectors", "8",
                   "--inject", "optable:2:1:1:0:0:0:1", "--inject", "optable:2:1:1:0:0:8:1")
    assert res.status == SEU and res.passed, res.output[-2000:]
    assert _seu(res)["status"] == (1 << SEU_BIT["CTRL_FAULT"]) | (1 << SEU_BIT["PROGRAM_CORRUPTED"])
    assert "recovery: action=reload+rerun status=0 mismatches=0/256" in res.output


def test_the_unprotected_build_corrupts_silently(vectors: dict[str, Path]) -> None:
    """The contrast: the same single flip in the unprotected kernel ends STATUS OK with wrong
    outputs (a silent data corruption), and its SEU registers stay 0."""
    res = run_csim(build_csim("", "-O1"), vectors["gsm8"], "--max-vectors", "8", "--inject",
                   SINGLE["weights data bit"])
    assert res.mismatches and res.mismatches > 0 and not res.passed
    assert _seu(res) == {"status": 0, "corrected": 0, "uncorrectable": 0, "hw_protect": 0}


def test_scrubber_corrects_a_latent_upset(tb_seu: Path, vectors: dict[str, Path]) -> None:
    """A flip in op 0's weights during the last vector's op 1: no later read meets it in this
    run; the scrubber (a row of every bank per SCRUB_PERIOD cycles, between vectors) does."""
    late = "weights:7:1:0:0:0:5:1"
    off = run_csim(tb_seu, vectors["gsm8"], "--max-vectors", "8", "--inject", late)
    on = run_csim(tb_seu, vectors["gsm8"], "--max-vectors", "8", "--inject", late,
                  "--scrub-period", "1")
    assert off.passed and on.passed and on.mismatches == 0
    assert _seu(off)["corrected"] == 0 and _seu(on)["corrected"] == 1


def test_sanitized_hybrid_protected_build(vectors: dict[str, Path]) -> None:
    """SECDED rows written by the streamed fetch (read-modify-write of 72-bit rows over a
    128-bit bus) and by the resident copy, parity activations: bit-exact under ASan+UBSan,
    and an adjacent double in the weights or in an activation is detected there too."""
    from spacemimo.hw.csim import SANITIZER_EXIT, sanitizer_report

    tb = build_csim(SEU_HYBRID, "-O1", sanitize=True)
    for name in ("gsm16",):
        res = run_csim(tb, vectors[name], "--max-vectors", "20", "--scrub-period", "64")
        assert sanitizer_report(res.output) is None and res.returncode != SANITIZER_EXIT
        assert res.passed and res.mismatches == 0, res.output[-2000:]
        assert _seu(res)["hw_protect"] == MAP.encode("HW_PROTECT", WEIGHTS=2, ACTS=1, CTRL=1,
                                                     SCRUB=1)
    res = run_csim(tb, vectors["gsm16"], "--max-vectors", "6", "--inject",
                   "weights:2:0:0:0:0:5:2")
    assert sanitizer_report(res.output) is None and res.status == SEU and res.passed
    assert _seu(res)["status"] == 1 << SEU_BIT["WEIGHTS_CORRUPTED"]
    # parity activations (17-bit values + 2 bits interleaved by stored position, the RTL's
    # code): adjacent doubles inside the value and across the value / parity boundary (bits
    # 16 and 17: the RTL campaign's case) are detected, never silent
    for bit in (2, 15, 16):
        res = run_csim(tb, vectors["gsm16"], "--max-vectors", "6", "--inject",
                       f"acts:2:0:0:0:0:{bit}:2")
        assert sanitizer_report(res.output) is None and res.passed, res.output[-2000:]
        assert res.status == SEU and _seu(res)["status"] == 1 << SEU_BIT["RUN_UPSET"], bit


@pytest.mark.slow
def test_every_single_and_adjacent_double_in_a_weight_row(tb_seu: Path,
                                                          vectors: dict[str, Path]) -> None:
    """All 72 single flips of a stored weight row corrected, all 71 adjacent doubles
    detected (the row op 0 reads first)."""
    for bit in range(72):
        res = run_csim(tb_seu, vectors["gsm8"], "--max-vectors", "4", "--inject",
                       f"weights:1:0:0:0:0:{bit}:1")
        assert res.passed and _seu(res)["corrected"] == 1, (bit, res.output[-1500:])
    for bit in range(71):
        res = run_csim(tb_seu, vectors["gsm8"], "--max-vectors", "4", "--inject",
                       f"weights:1:0:0:0:0:{bit}:2")
        assert res.status == SEU and res.passed, (bit, res.output[-1500:])


@pytest.mark.slow
def test_streamed_8bit_protected_build(vectors: dict[str, Path]) -> None:
    """tests/test_hls_csim.py's 8-bit streamed build (32-bit bus: one 72-bit row per two
    beats, every weight read-modify-written into the stream tile) with every protection:
    bit-exact with scrubbing on, and an adjacent double in an activation is detected."""
    tb = build_csim("-DSM_DATA_BITS=8 -DSM_ACC_BITS=32 -DSM_ARRAY_ROWS=8 -DSM_ARRAY_COLS=32 "
                    "-DSM_DRAIN_COLS=32 -DSM_BUS_WIDTH=32 -DSM_WEIGHT_MODE=0 -DSM_STREAM_K=12 "
                    + SEU_FULL, "-O1")
    for name in ("gsm8", "mgnn8"):
        res = run_csim(tb, vectors[name], "--scrub-period", "64")
        assert res.passed and res.mismatches == 0, res.output[-2000:]
    res = run_csim(tb, vectors["gsm8"], "--max-vectors", "6", "--inject", "acts:2:0:0:0:0:5:2")
    assert res.status == SEU and res.passed and _seu(res)["status"] == 1 << SEU_BIT["RUN_UPSET"]
