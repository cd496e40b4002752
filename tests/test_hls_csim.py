"""C-simulation of the HLS accelerator (hls/) against the integer golden model.

Default suite: small GSM and Model-GNN programs at 8 and 16 bit (100 random vectors + the edge
cases each; the Model-GNN's DENSE ops have format-v2 input segments, 16-bit programs int64
biases), a segmented DENSE with alignments up to 15 and biases beyond int32, invalid programs
-> the kernel's error code (the same code the Python loader raises), other array
configurations stay bit-exact, CYCLES (the kernel's loop-step counter) equals the separate
performance model op by op. Paper-size programs and
the every-op-at-the-maxima program (8 segments) run under ``slow``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spacemimo.hw.csim import build_csim, missing_tools, run_csim
from spacemimo.spec import regmap

pytestmark = pytest.mark.skipif(missing_tools() is not None,
                                reason=f"C-sim needs g++ and ap_types: {missing_tools()}")

N_RANDOM = 100
# hybrid weights with a tiny store (some ops resident, some streamed in 16-input chunks),
# 2x16 array, 128-bit bus
CFG_HYBRID = ("-DSM_ARRAY_ROWS=2 -DSM_ARRAY_COLS=16 -DSM_DRAIN_COLS=8 -DSM_BUS_WIDTH=128 "
              "-DSM_WEIGHT_MODE=2 -DSM_WEIGHT_DEPTH=132 -DSM_STREAM_K=16")
# 8-bit-only build, every weight streamed over a 32-bit bus, 8x32 array
CFG_STREAMED8 = ("-DSM_DATA_BITS=8 -DSM_ACC_BITS=32 -DSM_ARRAY_ROWS=8 -DSM_ARRAY_COLS=32 "
                 "-DSM_DRAIN_COLS=32 -DSM_BUS_WIDTH=32 -DSM_WEIGHT_MODE=0 -DSM_STREAM_K=12")


def _programs(small: bool) -> dict[str, object]:
    from spacemimo.quant.random_programs import (
        random_gsm_program,
        random_model_gnn_program,
        small_gsm_program,
    )

    progs: dict[str, object] = {}
    for bits in (8, 16):
        if small:
            progs[f"gsm{bits}"] = small_gsm_program(bits=bits, seed=3)
            progs[f"mgnn{bits}"] = random_model_gnn_program(bits=bits, N=4, K=4, hidden=(8, 8),
                                                            seed=3)
        else:
            progs[f"gsm{bits}"] = random_gsm_program(bits=bits, seed=0)
            progs[f"mgnn{bits}"] = random_model_gnn_program(bits=bits, seed=0)
    return progs


def _write(progs: dict[str, object], root: Path) -> dict[str, Path]:
    from spacemimo.quant.vectors import edge_case_inputs, write_golden_vectors

    dirs = {}
    for name, prog in progs.items():
        n = len(edge_case_inputs(prog)) + N_RANDOM  # type: ignore[arg-type]
        write_golden_vectors(root / name, prog, n=n, seed=11)  # type: ignore[arg-type]
        dirs[name] = root / name
    return dirs


@pytest.fixture(scope="module")
def small_vectors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _write(_programs(small=True), tmp_path_factory.mktemp("vec_small"))


@pytest.fixture(scope="module")
def tb_default() -> Path:
    return build_csim("", "-O1")


def _check_exact(binary: Path, vec_dir: Path, n_random: int = N_RANDOM) -> None:
    import json

    meta = json.loads((vec_dir / "meta.json").read_text())
    res = run_csim(binary, vec_dir)
    assert res.mismatches == 0, f"{vec_dir.name}: {res.output[-2000:]}"
    n, rows, cols = meta["expected"]["shape"]
    assert res.words == n * rows * cols and n >= n_random + len(meta["edge_cases"])
    assert meta["edge_cases"], "golden vectors should include edge cases"
    assert res.passed, res.output[-2000:]


@pytest.mark.parametrize("name", ["gsm8", "gsm16", "mgnn8", "mgnn16"])
def test_small_programs_bit_exact(tb_default: Path, small_vectors: dict[str, Path],
                                  name: str) -> None:
    _check_exact(tb_default, small_vectors[name])


def _check_counted_vs_model(res: object, program: Path, cfg: object) -> None:
    """The kernel's CYCLES (its loops' own step counter) against the separate Python model,
    op by op and in total; a difference names the op."""
    from spacemimo.hw.perfmodel import predict

    pred = predict(program, cfg)  # type: ignore[arg-type]
    counted = res.op_cycles  # type: ignore[attr-defined]
    assert counted is not None and len(counted) == len(pred.ops), res.output[-2000:]  # type: ignore[attr-defined]
    diff = [(o.index, o.name, o.placement, o.cycles, c)
            for o, c in zip(pred.ops, counted, strict=True) if o.cycles != c]
    assert not diff, f"(op, name, weights, modelled, counted): {diff}"
    assert res.cycles_inference == pred.inference  # type: ignore[attr-defined]
    # C-sim has no clock: the timer process reports STEPS as CYCLES ("counted")
    assert res.steps_inference == res.cycles_inference  # type: ignore[attr-defined]
    assert res.cycles_batch == pred.run_cycles(res.vectors, load=True)  # type: ignore[attr-defined]


# gsm16: a 16-bit program's int64 biases are two image words each at LOAD_PROGRAM
@pytest.mark.parametrize("name", ["gsm8", "gsm16", "mgnn16"])
def test_counted_cycles_match_perfmodel(tb_default: Path, small_vectors: dict[str, Path],
                                        name: str) -> None:
    from spacemimo.hw.perfmodel import ArrayConfig

    # two vectors: the batch count (LOAD_PROGRAM + 2 vectors) and the reuse run's per-op count
    res = run_csim(tb_default, small_vectors[name], "--max-vectors", "2")
    assert res.passed, res.output[-2000:]
    _check_counted_vs_model(res, small_vectors[name] / "program.bin", ArrayConfig.from_header())


def _aggregate_program(K: int, N: int, bits: int = 8) -> object:
    """Every AGGREGATE variant (axis 0/1 x max/sum x exclude-self or not) on one N*K x 40
    input, side by side in buffer 1."""
    from spacemimo.quant.program import ProgramBuilder, Window

    b = ProgramBuilder(bits=bits, name=f"agg_k{K}_n{N}")
    x = b.input(rows=N * K, cols=40, frac=bits - 3)  # two column tiles, the second partial
    variants = [(a, m, e) for a in (0, 1) for m in ("max", "sum") for e in (True, False)]
    for i, (axis, mode, excl) in enumerate(variants):
        b.aggregate(x, (1, 40 * i), K, mode, axis, excl, shift=2 if mode == "sum" else 0)
    return b.build(Window(1, 0, 40 * len(variants), N * K), out_frac=bits - 3)


# (K, N): K below, at and above the 4 array rows; axis 1 with K = 5, 6 walks one row per step
# (two rows of a tile could share a group-state slot), every other case a row tile per step
AGG_SHAPES = [(1, 7), (2, 5), (3, 2), (4, 1), (4, 3), (5, 3), (6, 2), (8, 3)]


def test_aggregate_all_rows_of_a_tile_per_step(tb_default: Path, tmp_path: Path) -> None:
    """AGGREGATE reduces and writes a whole row tile per step (hls/src/aggregate.h): bit-exact
    for every variant and group shape, partial last tiles included, and counted = modelled."""
    from spacemimo.hw.perfmodel import ArrayConfig
    from spacemimo.quant.vectors import edge_case_inputs, write_golden_vectors

    for K, N in AGG_SHAPES:
        prog = _aggregate_program(K, N)
        d = tmp_path / f"k{K}n{N}"
        write_golden_vectors(d, prog, n=len(edge_case_inputs(prog)) + 20, seed=K)  # type: ignore[arg-type]
        _check_exact(tb_default, d, n_random=20)
        res = run_csim(tb_default, d, "--max-vectors", "2")
        _check_counted_vs_model(res, d / "program.bin", ArrayConfig.from_header())


def test_other_array_config_hybrid_bit_exact(small_vectors: dict[str, Path]) -> None:
    from spacemimo.hw.perfmodel import ArrayConfig, predict

    tb = build_csim(CFG_HYBRID, "-O1")
    cfg = ArrayConfig.from_header().with_(array_rows=2, array_cols=16, drain_cols=8,
                                          bus_width=128, weight_mode=2, weight_depth=132,
                                          stream_k=16)
    for name in ("gsm8", "gsm16", "mgnn8", "mgnn16"):
        _check_exact(tb, small_vectors[name])
    pred = predict(small_vectors["gsm16"] / "program.bin", cfg)
    placements = {o.placement for o in pred.ops if o.name == "DENSE"}
    assert placements == {"resident", "streamed"}, "the config should exercise both paths"
    _check_counted_vs_model(run_csim(tb, small_vectors["gsm16"]),
                            small_vectors["gsm16"] / "program.bin", cfg)


def test_eight_bit_streamed_build(small_vectors: dict[str, Path]) -> None:
    from spacemimo.hw.perfmodel import ArrayConfig

    tb = build_csim(CFG_STREAMED8, "-O1")
    for name in ("gsm8", "mgnn8"):
        _check_exact(tb, small_vectors[name])
    cfg = ArrayConfig.from_header().with_(data_bits=8, acc_bits=32, array_rows=8,
                                          array_cols=32, drain_cols=32, bus_width=32,
                                          weight_mode=0, stream_k=12)
    _check_counted_vs_model(run_csim(tb, small_vectors["gsm8"]),
                            small_vectors["gsm8"] / "program.bin", cfg)
    # a 16-bit program exceeds what an 8-bit build synthesized
    res = run_csim(tb, small_vectors["gsm16"], "--expect-status", "5")
    assert res.passed, res.output


# --------------------------------------------------------------------------- invalid programs


def _image(prog: object) -> np.ndarray:
    return prog.to_words().copy()  # type: ignore[attr-defined]


def _fix_checksum(words: np.ndarray) -> np.ndarray:
    from spacemimo.quant.program import checksum

    words[15] = checksum(words)
    return words


def _corrupt(kind: str, words: np.ndarray) -> np.ndarray:
    op0, op1 = 16, 32  # small GSM: op 0 DENSE 8 -> 32 inputs, op 1 DENSE 32 -> 16
    in0 = int(words[op0 + 7])
    if kind == "bad_magic":
        words[0] ^= 0x1
    elif kind == "bad_version":
        words[1] = 1  # format v1
        _fix_checksum(words)
    elif kind == "bad_checksum":
        words[-1] ^= 0x10
    elif kind == "bad_opcode":
        words[op0 + 16 * 2] = 9  # third op
        _fix_checksum(words)
    elif kind == "rows_beyond_max":
        words[op0 + 6] = 65  # MAX_ROWS = 64
        _fix_checksum(words)
    elif kind == "cols_beyond_max":
        words[op0 + 5] = 1020  # dst_off + out_cols > MAX_COLS = 1024
        _fix_checksum(words)
    elif kind == "buffers_beyond_max":
        words[14] = 5  # NUM_BUFFERS = 4
        _fix_checksum(words)
    elif kind == "bad_bits":
        words[4] = 12
        _fix_checksum(words)
    elif kind == "bad_shift":
        words[op0 + 11] = 63
        _fix_checksum(words)
    elif kind == "weights_beyond_data":
        words[op0 + 9] = int(words[3])  # w_off = data_words
        _fix_checksum(words)
    # format v2: DENSE input segments (word 13 seg_cols, word 14 seg_align)
    elif kind == "seg_align_without_segments":
        words[op0 + 14] = 0x1  # seg_cols stays 0
        _fix_checksum(words)
    elif kind == "seg_cols_not_dividing":
        words[op0 + 13] = next(c for c in range(2, in0 + 2) if in0 % c)
        _fix_checksum(words)
    elif kind == "too_many_segments":
        words[op1 + 13] = 2  # 32 / 2 = 16 segments > MAX_SEGMENTS = 8
        _fix_checksum(words)
    elif kind == "align_beyond_segments":
        words[op0 + 13] = in0 // 2  # 2 segments ...
        words[op0 + 14] = 0x100  # ... but segment 2's field set
        _fix_checksum(words)
    elif kind == "align_beyond_16bit_limit":  # 16-bit image: alignment 9 > SEG_ALIGN_MAX_16
        words[op0 + 13] = in0 // 2
        words[op0 + 14] = 0x9
        _fix_checksum(words)
    # format v2: a 16-bit program (acc_bits 48) has int64 biases, two words each
    elif kind == "wide_bias_beyond_data":
        # out_cols words would fit (the v1 length); 2 x out_cols do not
        words[op0 + 10] = int(words[3]) - int(words[op0 + 8])
        _fix_checksum(words)
    elif kind == "bias_beyond_acc_bits":
        data0 = 16 + 16 * int(words[2])
        words[data0 + int(words[op0 + 10]) + 1] = 0x00010000  # bias 0 ~ 2^48 > 48-bit acc
        _fix_checksum(words)
    else:
        raise ValueError(kind)
    return words


EXPECTED_CODES = {"bad_magic": 1, "bad_version": 2, "bad_checksum": 3, "bad_opcode": 4,
                  "rows_beyond_max": 5, "cols_beyond_max": 5, "buffers_beyond_max": 5,
                  "bad_bits": 6, "bad_shift": 6, "weights_beyond_data": 6,
                  "seg_align_without_segments": 6, "seg_cols_not_dividing": 6,
                  "too_many_segments": 6, "align_beyond_segments": 6,
                  "wide_bias_beyond_data": 6, "bias_beyond_acc_bits": 6,
                  "align_beyond_16bit_limit": 6}
# corrupted programs that need the 16-bit (acc_bits 48, int64 bias) image; the others use 8 bit
SIXTEEN_BIT_KINDS = {"wide_bias_beyond_data", "bias_beyond_acc_bits", "align_beyond_16bit_limit"}


@pytest.mark.parametrize("kind", sorted(EXPECTED_CODES))
def test_invalid_program_error_code(tb_default: Path, tmp_path: Path, kind: str) -> None:
    from spacemimo.quant.program import Program, ProgramError
    from spacemimo.quant.random_programs import small_gsm_program

    bits = 16 if kind in SIXTEEN_BIT_KINDS else 8
    words = _corrupt(kind, _image(small_gsm_program(bits=bits, seed=3)))
    blob = words.astype("<u4").tobytes()
    (tmp_path / "program.bin").write_bytes(blob)
    code = EXPECTED_CODES[kind]
    res = run_csim(tb_default, tmp_path, "--expect-status", str(code), timeout=60)
    assert res.passed, f"{kind}: kernel said {res.status}, expected {code}\n{res.output}"
    with pytest.raises(ProgramError) as err:  # the Python loader agrees
        Program.from_bytes(blob)
    assert err.value.code == code


def test_run_without_loaded_program_is_an_error(tb_default: Path, tmp_path: Path) -> None:
    """A fresh kernel asked to reuse a program it never loaded reports BAD_MAGIC; the same
    valid image with LOAD_PROGRAM reports 0."""
    from spacemimo.quant.random_programs import small_gsm_program

    (tmp_path / "program.bin").write_bytes(small_gsm_program(bits=8, seed=3).to_bytes())
    assert run_csim(tb_default, tmp_path, "--expect-status", "1", "--no-load").passed
    assert run_csim(tb_default, tmp_path, "--expect-status", "0").passed


# --------------------------------------------------------------------------- paper size


@pytest.fixture(scope="module")
def paper_vectors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _write(_programs(small=False), tmp_path_factory.mktemp("vec_paper"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["gsm8", "gsm16", "mgnn8", "mgnn16"])
def test_paper_size_bit_exact(paper_vectors: dict[str, Path], name: str) -> None:
    from spacemimo.hw.perfmodel import ArrayConfig

    tb = build_csim("", "-O2")
    _check_exact(tb, paper_vectors[name])
    _check_counted_vs_model(run_csim(tb, paper_vectors[name], "--max-vectors", "2"),
                            paper_vectors[name] / "program.bin", ArrayConfig.from_header())


@pytest.mark.slow
@pytest.mark.parametrize("bits", [8, 16])
def test_max_dims_bit_exact(tmp_path: Path, bits: int) -> None:
    """Every op at the maxima (64 rows x 1024 cols), its wide DENSE in 8 segments; at 16 bit
    with int64 biases beyond int32. Few random vectors: ~3 s each at -O2 on a shared core."""
    from spacemimo.quant.random_programs import max_dims_program
    from spacemimo.quant.vectors import edge_case_inputs, write_golden_vectors

    prog = max_dims_program(bits=bits)
    assert any(o.opcode == 1 and o.num_segments == 8 for o in prog.ops)
    write_golden_vectors(tmp_path, prog, n=len(edge_case_inputs(prog)) + 5, seed=11)
    _check_exact(build_csim("", "-O2"), tmp_path, n_random=5)


# --------------------------------------------------------------------------- format v2 DENSE


def _segmented_program(bits: int) -> object:
    """One DENSE over 3 input segments aligned by 15 (the maximum), 0 and 7, biases beyond
    int32 at 16 bit (acc_bits 48: int64 words) and near the 32-bit limit at 8 bit; 24 inputs
    so 8-column segments straddle the 12- and 16-input streamed chunks of the other builds."""
    from spacemimo.quant.program import ProgramBuilder

    rng = np.random.default_rng(100 + bits)
    b = ProgramBuilder(bits=bits)
    x = b.input(rows=5, cols=24, frac=bits - 3)
    lim = 1 << (bits - 1)
    W = rng.integers(-lim, lim, size=(19, 24))
    W[:, :8] >>= 5  # the most-shifted segment gets small weights to fit the accumulator
    top = 1 << (40 if bits == 16 else 28)
    bias = rng.integers(-top, top, size=19)
    y = b.dense(x, W, bias, shift=30 if bits == 16 else 22, dst=(1, 0), aligns=_ALIGNS[bits])
    return b.build(y)


_ALIGNS = {8: [15, 0, 7], 16: [8, 0, 5]}  # each width's largest alignment (PROGRAM.md)


@pytest.mark.parametrize("build,bits", [("default", 8), ("default", 16), ("hybrid", 16),
                                        ("streamed8", 8)])
def test_segments_and_wide_bias_bit_exact(tmp_path: Path, build: str, bits: int) -> None:
    from spacemimo.quant.program import Program
    from spacemimo.quant.vectors import edge_case_inputs, write_golden_vectors

    prog = _segmented_program(bits)
    op = prog.ops[0]  # type: ignore[attr-defined]
    assert op.num_segments == 3 and op.segment_aligns(3) == _ALIGNS[bits]
    bias = prog.bias(op)  # type: ignore[attr-defined]
    if bits == 16:
        assert prog.acc_bits > 32 and np.abs(bias).max() >= 1 << 31  # type: ignore[attr-defined]
    Program.from_bytes(prog.to_bytes())  # type: ignore[attr-defined]  # the Python loader agrees
    write_golden_vectors(tmp_path, prog, n=len(edge_case_inputs(prog)) + N_RANDOM,  # type: ignore[arg-type]
                         seed=5)
    cfg = {"default": "", "hybrid": CFG_HYBRID, "streamed8": CFG_STREAMED8}[build]
    _check_exact(build_csim(cfg, "-O1"), tmp_path)


def test_hw_id_and_config_registers(tb_default: Path, small_vectors: dict[str, Path]) -> None:
    """HW_ID and HW_CONFIG read back through the AXI-Lite model match regmap + the config."""
    import re

    from spacemimo.hw.perfmodel import ArrayConfig

    out = run_csim(tb_default, small_vectors["gsm8"]).output
    m = re.search(r"hw_id=0x([0-9A-F]+) hw_config=0x([0-9A-F]+)", out)
    assert m, out
    assert int(m.group(1), 16) == regmap.load().hw_id
    hw, cfg = int(m.group(2), 16), ArrayConfig.from_header()
    assert hw & 0xFF == cfg.max_rows and (hw >> 8) & 0xFF == cfg.max_cols // 64
    assert (hw >> 16) & 0xF == cfg.num_buffers
    # LOG2_OUT_LANES [23:20] = out_lanes (array_cols), LOG2_NODE_ROWS [27:24] = node_rows
    assert 1 << ((hw >> 20) & 0xF) == cfg.array_cols and 1 << ((hw >> 24) & 0xF) == cfg.array_rows
    assert (hw >> 28) & 1 == (cfg.data_bits >= 16)


def test_cli_csim(small_vectors: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    from spacemimo.cli import main

    assert main(["csim", str(small_vectors["mgnn8"]), "--opt=-O1"]) == 0
    out = capsys.readouterr().out
    assert "mismatches=0/" in out
    assert "(counted: the kernel's loop steps; C-sim has no clock)" in out
    # counted and modelled per op, side by side
    assert "| modelled (HLS) | counted (HLS C-sim) |" in out


def test_cli_perf_counted(tb_default: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`spacemimo perf --counted`: the C-sim's per-op count beside the model (equal)."""
    import re

    from spacemimo.cli import main

    assert main(["perf", "--random", "gsm", "--small", "--bits", "8", "--counted"]) == 0
    out = capsys.readouterr().out
    assert "| modelled (HLS) | counted (HLS C-sim) |" in out
    m = re.search(r"ops only: ([\d,]+) cycles; modelled ([\d,]+)", out)
    assert m and m.group(1) == m.group(2), out


@pytest.mark.parametrize("bits", [8, 16])
def test_odd_table_sizes_partial_beats(tb_default: Path, tmp_path: Path, bits: int) -> None:
    """3 x 5 tables: vectors start mid-beat and the last output beat is partial (the testbench
    checks a guard pattern after the output table is untouched)."""
    from spacemimo.quant.program import ProgramBuilder
    from spacemimo.quant.vectors import write_golden_vectors

    rng = np.random.default_rng(bits)
    b = ProgramBuilder(bits=bits)
    x = b.input(rows=3, cols=5, frac=bits - 3)
    lim = 1 << (bits - 1)
    h = b.dense(x, rng.integers(-lim, lim, size=(7, 5)), rng.integers(-1000, 1000, size=7),
                shift=bits, dst=(1, 0), relu=True)
    y = b.dense(h, rng.integers(-lim, lim, size=(5, 7)), None, shift=bits + 2, dst=(2, 0),
                narrow=True)
    write_golden_vectors(tmp_path, b.build(y), n=9, seed=1)
    res = run_csim(tb_default, tmp_path)
    assert res.passed and res.mismatches == 0 and res.words == 9 * 15, res.output


# --------------------------------------------------------------------------- sanitizers

# The sanitizer runs (PROGRAM.md "Bounds"; issue 15 item 3): the testbench's buffers are heap
# allocations of exactly their size registers, so AddressSanitizer reports any access outside
# them; UBSan (no recovery) any undefined behaviour. Every case asserts its STATUS, the same
# code golden.run_device gives, and 0 reports. The streamed build (a 2x16 array with a
# 132-word store: ops streamed in 16-input chunks over a 128-bit bus) is tests/
# test_program_fuzz.py's, so the binary is built once.
# With every SEU protection (hls/README.md "SEU protection": 72-bit weight rows written by the
# streamed fetch's read-modify-write, parity activations, op-table parity, scrubbing), so the
# protected code runs under the sanitizers too; tests/test_hls_seu.py uses the same binary.
CFG_SAN_STREAMED = CFG_HYBRID + " -DSM_SEU_W=2 -DSM_SEU_A=1 -DSM_SEU_C=1 -DSM_SCRUB=1"


@pytest.fixture(scope="module")
def tb_san() -> Path:
    return build_csim("", "-O1", sanitize=True)


@pytest.fixture(scope="module")
def tb_san_streamed() -> Path:
    return build_csim(CFG_SAN_STREAMED, "-O1", sanitize=True)


def _no_report(res: object) -> None:
    from spacemimo.hw.csim import SANITIZER_EXIT, sanitizer_report

    out = res.output  # type: ignore[attr-defined]
    assert sanitizer_report(out) is None, out[-3000:]
    assert res.returncode != SANITIZER_EXIT, out[-3000:]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["gsm8", "mgnn16"])
def test_sanitized_bit_exact(tb_san: Path, tb_san_streamed: Path,
                             small_vectors: dict[str, Path], name: str) -> None:
    """Small GSM 8-bit / Model-GNN 16-bit under ASan+UBSan, on the default build and on the
    streamed one: bit-exact, the reuse run too, 0 reports."""
    for tb in (tb_san, tb_san_streamed):
        res = run_csim(tb, small_vectors[name], "--max-vectors", "20")
        _no_report(res)
        assert res.passed and res.mismatches == 0 and res.words, res.output[-2000:]


def _load_list(binary: Path, items: list[tuple[str, bytes, int]], root: Path
               ) -> dict[str, int]:
    """Images through ``tb_accel --load-list`` in one process: name -> STATUS."""
    import re

    lines = []
    for name, blob, size in items:
        (root / f"{name}.bin").write_bytes(blob)
        lines.append(f"{root / name}.bin {size}\n")
    (root / "list.txt").write_text("".join(lines))
    res = run_csim(binary, "--load-list", str(root / "list.txt"), timeout=120)
    _no_report(res)
    assert res.passed, res.output[-2000:]
    got = {Path(m.group(1)).stem: int(m.group(2))
           for m in re.finditer(r"^load (\S+) status=(\d+)$", res.output, re.M)}
    assert len(got) == len(items), res.output[-2000:]
    return got


def _device_code(blob: bytes, size: int) -> int:
    """golden.run_device's STATUS for a load of ``blob`` with PROGRAM_SIZE ``size`` (one zero
    vector, as --load-list runs it)."""
    from spacemimo.quant import golden

    w = np.frombuffer(blob[:64].ljust(64, b"\0"), dtype="<u4")
    n_in = min(int(w[7]) * int(w[8]), 64 * 1024)
    n_out = min(int(w[11]) * int(w[12]), 64 * 1024)
    return golden.run_device(blob, np.zeros(n_in, np.int16), program_size=size,
                             input_size=2 * n_in, output_size=2 * n_out, num_vectors=1)[0]


def test_sanitized_corrupt_and_maximal_images(tb_san: Path, tb_san_streamed: Path,
                                              tmp_path: Path) -> None:
    """Under the sanitizers: every corrupted image of EXPECTED_CODES; headers at and beyond
    the synthesized maxima (num_ops 64/65/2^32-1, data_words 2^22/2^22+1/2^32-1) with the
    program buffer the file (BAD_FORMAT: the header's length is never trusted past it) and
    with a buffer as long as the header says (zero-filled: BAD_CHECKSUM at the maximum,
    DIMS_EXCEED_MAX beyond it, both before any read past the buffer); files shorter than
    their header and PROGRAM_SIZE below 64 bytes."""
    from spacemimo.quant.program import image_bytes
    from spacemimo.quant.random_programs import small_gsm_program

    items: list[tuple[str, bytes, int]] = []
    want: dict[str, int] = {}
    for kind, code in EXPECTED_CODES.items():
        bits = 16 if kind in SIXTEEN_BIT_KINDS else 8
        blob = _corrupt(kind, _image(small_gsm_program(bits=bits, seed=3))).astype(
            "<u4").tobytes()
        items.append((kind, blob, len(blob)))
        want[kind] = code
    base = _image(small_gsm_program(bits=8, seed=3))
    E = {"DIMS": 5, "FMT": 6, "CRC": 3, "ADDR": 9}
    for field, idx, vals in (("num_ops", 2, (64, 65, 0xFFFFFFFF)),
                             ("data_words", 3, (1 << 22, (1 << 22) + 1, 0xFFFFFFFF))):
        for v in vals:
            w = base.copy()
            w[idx] = v
            w = _fix_checksum(w)
            blob = w.astype("<u4").tobytes()
            items.append((f"{field}_{v:x}_file", blob, len(blob)))
            want[f"{field}_{v:x}_file"] = E["FMT"]
            need = -(-image_bytes(int(w[2]), int(w[3])) // 16) * 16  # in whole beats
            if need <= 64 << 20:  # a buffer as long as the header says
                items.append((f"{field}_{v:x}_declared", blob, need))
                over = (v > 64) if field == "num_ops" else (v > 1 << 22)
                want[f"{field}_{v:x}_declared"] = E["DIMS"] if over else E["CRC"]
    blob = base.astype("<u4").tobytes()
    for cut in (0, 4, 60, 64, 100, len(blob) - 4):
        items.append((f"cut_{cut}", blob[:cut], cut))
        want[f"cut_{cut}"] = E["ADDR"] if cut < 64 else E["FMT"]
    for size in (0, 63):
        items.append((f"size_{size}", blob, size))
        want[f"size_{size}"] = E["ADDR"]
    items.append(("size_larger", blob, len(blob) + 64))  # zero-filled slack: loads
    want["size_larger"] = 0
    for binary, tag in ((tb_san, "default"), (tb_san_streamed, "streamed")):
        root = tmp_path / tag
        root.mkdir()
        got = _load_list(binary, items, root)
        for name, blob_i, size in items:
            assert got[name] == want[name], f"{tag} {name}: STATUS {got[name]}, want {want[name]}"
            assert _device_code(blob_i, size) == want[name], f"golden.run_device on {name}"


@pytest.mark.parametrize("case,args,code", [
    ("program_size_63", ["--program-size", "63"], 9),
    ("program_size_short", ["--program-size", "-4"], 6),
    ("program_size_larger", ["--program-size", "+64"], 0),
    ("input_size_short", ["--input-size", "-2"], 9),
    ("output_size_short", ["--output-size", "-2"], 9),
    ("num_vectors_0", ["--num-vectors", "0"], 6),
    ("num_vectors_huge", ["--num-vectors", "4294967295"], 9),
    ("num_vectors_plus_1", ["--num-vectors", "+1"], 9),
])
def test_sanitized_size_registers(tb_san: Path, tmp_path: Path, case: str, args: list[str],
                                  code: int) -> None:
    """PROGRAM_SIZE / INPUT_SIZE / OUTPUT_SIZE / NUM_VECTORS against the buffers (relative
    values: +/- the exact size) under the sanitizers; STATUS = golden.run_device's."""
    from spacemimo.quant import golden
    from spacemimo.quant.program import io_bytes
    from spacemimo.quant.random_programs import random_inputs, small_gsm_program

    prog = small_gsm_program(bits=8, seed=3)
    n = 3
    x = random_inputs(8, (n, prog.in_rows, prog.in_cols), np.random.default_rng(0))
    from spacemimo.quant.vectors import write_golden_vectors

    write_golden_vectors(tmp_path, prog, n=n, seed=2)
    blob = (tmp_path / "program.bin").read_bytes()
    x = np.fromfile(tmp_path / "inputs.bin", dtype="<i2").reshape(n, prog.in_rows, prog.in_cols)
    sizes = {"--program-size": len(blob), "--input-size": io_bytes(prog, n)[0],
             "--output-size": io_bytes(prog, n)[1], "--num-vectors": n}
    opt, val = args
    absolute = sizes[opt] + int(val) if val[0] in "+-" else int(val)
    kw = {"program_size": sizes["--program-size"], "input_size": sizes["--input-size"],
          "output_size": sizes["--output-size"], "num_vectors": sizes["--num-vectors"]}
    kw[opt[2:].replace("-", "_")] = absolute
    golden_code, y = golden.run_device(blob, x.astype(np.int16), **kw)
    assert golden_code == code
    # every register explicitly (the --expect-status mode would default to one vector)
    extra = [a for k, v in kw.items() for a in (f"--{k.replace('_', '-')}", str(v))]
    if code == 0:
        res = run_csim(tb_san, tmp_path, *extra)
        _no_report(res)
        assert res.passed and res.mismatches == 0, res.output[-2000:]
        assert np.array_equal(y, np.fromfile(tmp_path / "expected.bin", "<i2").reshape(y.shape))
    else:
        res = run_csim(tb_san, tmp_path, "--expect-status", str(code), *extra)
        _no_report(res)
        assert res.passed, f"{case}: STATUS {res.status}, want {code}\n{res.output[-2000:]}"


def test_sanitized_ddr_sized_from_the_header(tb_san: Path, small_vectors: dict[str, Path],
                                             tmp_path: Path) -> None:
    """`--program-size header`: the simulated DDR is as long as the header declares, not the
    file. A valid image runs bit-exact; the same image cut short (the rest of its declared
    length zero-filled) is BAD_CHECKSUM, as golden.run_device says for that buffer; 0
    sanitizer reports."""
    import shutil

    from spacemimo.quant import golden

    res = run_csim(tb_san, small_vectors["gsm8"], "--program-size", "header", "--max-vectors",
                   "5")
    _no_report(res)
    assert res.passed and res.mismatches == 0, res.output[-2000:]
    cut = tmp_path / "cut"
    shutil.copytree(small_vectors["gsm8"], cut)
    blob = (small_vectors["gsm8"] / "program.bin").read_bytes()
    (cut / "program.bin").write_bytes(blob[:len(blob) // 2])
    res = run_csim(tb_san, cut, "--program-size", "header", "--expect-status", "3")
    _no_report(res)
    assert res.passed, res.output[-2000:]
    padded = blob[:len(blob) // 2].ljust(-(-len(blob) // 8) * 8, b"\0")
    assert golden.run_device(padded, np.zeros(32, np.int16), program_size=len(padded),
                             input_size=64, output_size=64, num_vectors=1)[0] == 3


def test_streamed_burst_outside_program_size_is_stopped(tb_san_streamed: Path,
                                                        small_vectors: dict[str, Path]) -> None:
    """Rule 3, the last line: a reuse run (MODE.LOAD_PROGRAM = 0) whose PROGRAM_SIZE no longer
    covers the streamed weight chunks ends with ADDR_RANGE, issues no burst outside, and
    writes nothing to its output buffer."""
    from spacemimo.hw.perfmodel import ArrayConfig, predict

    cfg = ArrayConfig.from_header().with_(array_rows=2, array_cols=16, drain_cols=8,
                                          bus_width=128, weight_mode=2, weight_depth=132,
                                          stream_k=16)
    pred = predict(small_vectors["gsm16"] / "program.bin", cfg)
    assert "streamed" in {o.placement for o in pred.ops if o.name == "DENSE"}
    res = run_csim(tb_san_streamed, small_vectors["gsm16"], "--max-vectors", "2",
                   "--reuse-program-size", "64")
    _no_report(res)
    assert "reuse_run: status=9 " in res.output and "untouched=1" in res.output, \
        res.output[-2000:]
    assert res.mismatches == 0  # the first (full-size) run stays bit-exact


def test_cli_csim_names_a_rejected_program(small_vectors: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`spacemimo csim` on a truncated image: one line naming the STATUS (it used to die with
    a bare segfault reading past the image); a missing directory: one line, exit 2, before
    anything is built."""
    import shutil

    from spacemimo.cli import main

    bad = tmp_path / "bad"
    shutil.copytree(small_vectors["gsm8"], bad)
    blob = (bad / "program.bin").read_bytes()
    (bad / "program.bin").write_bytes(blob[:100])
    assert main(["csim", str(bad), "--opt=-O1"]) == 1
    out = capsys.readouterr().out
    assert "the kernel rejected the program: STATUS 6 (BAD_FORMAT)" in out
    assert main(["csim", str(bad), str(tmp_path / "missing"), "--opt=-O1"]) == 2
    err = capsys.readouterr().err
    assert "no such directory" in err and "Traceback" not in err


def test_cli_csim_sanitize(tb_san: Path, small_vectors: dict[str, Path],
                           capsys: pytest.CaptureFixture[str]) -> None:
    """`spacemimo csim --sanitize`: the same run on the ASan+UBSan binary."""
    from spacemimo.cli import main

    assert main(["csim", str(small_vectors["mgnn8"]), "--opt=-O1", "--sanitize",
                 "--max-vectors", "5"]) == 0
    out = capsys.readouterr().out
    assert "AddressSanitizer + UBSan" in out and "mismatches=0/" in out
