"""The whole software → hardware flow an ML engineer reruns after retraining, through the CLI:
float checkpoint → ``qat`` → ``compile`` → ``golden`` vectors → ``csim`` of our HLS kernel.

Small widths keep it to seconds; the same commands at paper size are ``make hls``/benchmarks.
It is the check that retrained quantized weights still match the hardware word for word.
"""

from __future__ import annotations

import pytest

from spacemimo.cli import main
from spacemimo.hw.csim import missing_tools


@pytest.mark.parametrize("bits", [8, 16])
def test_retrained_net_runs_bit_exact_on_the_hls_kernel(tmp_path, capsys, bits: int) -> None:
    missing = missing_tools()
    if missing:
        pytest.skip(missing)
    from spacemimo.model.checkpoint import save_checkpoint
    from spacemimo.quant.demo_nets import small_float_gsm
    from spacemimo.quant.program import Program
    from spacemimo.quant.vectors import read_golden_vectors

    over = {"input_mlp": [32, 16], "aggregate_mlp": [16, 16], "combine_mlp": [16, 16]}
    ck = save_checkpoint(tmp_path / "float.pt", small_float_gsm(train_steps=5),
                         net_name="gsm_local", net_overrides=over,
                         scenario={"preset": "gsm_s4_m4_k4", "overrides": {}}, metrics={})
    qat_dir = tmp_path / "qat"
    assert main(["-q", "qat", "--from", str(ck), "--bits", str(bits), "--steps", "3",
                 "--batch-size", "16", "--calib-samples", "64", "-n", "64", "--out",
                 str(qat_dir)]) == 0
    prog_path = tmp_path / f"gsm{bits}.smp"
    # a satellite the scenario does not have: one line, exit 2, no image written
    assert main(["-q", "compile", "--from", str(qat_dir / f"gsm_local_qat{bits}.pt"),
                 "--out", str(prog_path), "--sat", "9"]) == 2
    assert "--sat 9" in capsys.readouterr().err and not prog_path.exists()
    assert main(["-q", "compile", "--from", str(qat_dir / f"gsm_local_qat{bits}.pt"),
                 "--out", str(prog_path), "-n", "200"]) == 0
    assert "0 of" in capsys.readouterr().out  # golden == Brevitas on 200 channel samples
    prog = Program.load(prog_path)
    assert prog.bits == bits and prog.in_cols == 8 and prog.out_cols == 8

    vec = tmp_path / "vectors"
    assert main(["-q", "golden", "--program", str(prog_path), "--out", str(vec), "-n", "64",
                 "--seed", "5"]) == 0
    gv = read_golden_vectors(vec)
    assert gv.inputs.shape == (64, 4, 8) and gv.expected.any()

    assert main(["-q", "csim", str(vec)]) == 0
    out = capsys.readouterr().out
    assert f"mismatches=0/{64 * 4 * 8}" in out, out
