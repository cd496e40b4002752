"""QONNX -> hls4ml export of the GSM MLP blocks and the Model-GNN's segmented dense layers:
compile() + predict() equal Brevitas and the golden model word for word at 8 and 16 bit (g++
C-simulation; build() needs Vitis).

An hls4ml compile takes 10-90 s (g++ on an unrolled design), so the default run compiles one
block per bit width at small widths; every block at a larger width is ``slow``.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("hls4ml", reason="hls4ml not installed: pip install -e '.[hw]'")
pytest.importorskip("qonnx", reason="qonnx not installed: pip install -e '.[hw]'")
if shutil.which("g++") is None:
    pytest.skip("hls4ml compile() needs g++ (apt-get install g++)", allow_module_level=True)

from spacemimo.model.gsm_gnn import GsmGnnConfig  # noqa: E402
from spacemimo.quant.demo_nets import small_quant_gsm  # noqa: E402
from spacemimo.quant.hls4ml_export import (  # noqa: E402
    Hls4mlOptions,
    export_and_check,
    mlp_blocks,
    run_build,
    vitis_available,
)
from spacemimo.quant.lower import lower  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _inputs(bits: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), (n, 4, 8))


def test_blocks_follow_the_op_list() -> None:
    g = small_quant_gsm(8, width=8).gnns[0]
    blocks = mlp_blocks(g)
    assert [b.name for b in blocks] == ["mlp_in", "convs.0.aggregate", "convs.0.combine",
                                        "convs.1.aggregate", "convs.1.combine", "fc_out"]
    assert blocks[0].in_signed and not blocks[1].in_signed and blocks[-1].out_signed
    assert blocks[2].in_features == 16  # [self | aggregate] concat of two 8-wide halves
    x = np.zeros((3, 8), dtype=np.int64)
    assert blocks[0].forward_int(x).shape == (3, 8)


# One g++ compile per case: the concat-fed unsigned block at 8 bit, the signed-input block at
# 16 bit (the one that needs the wider input precision); the slow test covers every block.
@pytest.mark.parametrize("bits,block", [(8, "convs.0.combine"), (16, "mlp_in")])
def test_hls4ml_blocks_bit_exact(bits: int, block: str, tmp_path) -> None:
    q = small_quant_gsm(bits, width=8)
    g = q.gnns[0]
    prog = lower(q, 4)
    reports = export_and_check(g, tmp_path, Hls4mlOptions(), prog, _inputs(bits, 250, 1),
                               n_random=1000, blocks=[block])
    assert [r.block for r in reports] == [block]
    for r in reports:
        assert r.vectors_brevitas == 1000 and r.vectors_golden == 1000
        assert r.mismatches_brevitas == 0 and r.mismatches_golden == 0, r
        assert (tmp_path / r.block / "prj" / "hls4ml_config.yml").is_file()
        assert "xc7vx690tffg1761-3" in (tmp_path / r.block / "prj" / "hls4ml_config.yml"
                                        ).read_text()


@pytest.mark.parametrize("bits", [8, 16])
def test_model_gnn_segmented_dense_bit_exact(bits: int, tmp_path) -> None:
    """A Model-GNN layer's DENSE over [D | E | Σ_n D | Σ_k D | Σ_k E], parts on different
    grids: hls4ml gets one wide input on the finest grid and matches the program's aligned
    accumulation word for word."""
    from spacemimo.quant.demo_nets import MODEL_GNN_SCENARIO, small_quant_model_gnn
    from spacemimo.quant.hls4ml_export import model_gnn_blocks
    from spacemimo.quant.lower import lower_model_gnn

    q = small_quant_model_gnn(bits)
    blocks = model_gnn_blocks(q)
    assert [b.name for b in blocks] == ["layers_0", "layers_1", "layers_2"]
    assert all(len(b.aligns) == 5 for b in blocks) and max(blocks[0].aligns) > 0
    assert blocks[0].in_precision.startswith(f"fixed<{bits + max(blocks[0].aligns)},")
    prog = lower_model_gnn(q, 8, 4)
    e, _ = q.edges(MODEL_GNN_SCENARIO.sample(40, 5))
    reports = export_and_check(q, tmp_path, Hls4mlOptions(), prog,
                               q.quantize_input(e).numpy(), n_random=1000,
                               blocks=["layers_0"])
    assert [r.block for r in reports] == ["layers_0"]
    r = reports[0]
    assert r.vectors_brevitas == 1000 and r.vectors_golden == 40 * 32
    assert r.mismatches_brevitas == 0 and r.mismatches_golden == 0, r


def test_build_is_skipped_without_vitis(caplog) -> None:
    if vitis_available():
        pytest.skip("Vitis is installed: build() would really run")
    assert run_build(object()).startswith("skipped")
    assert "vitis" in caplog.text.lower()


@pytest.mark.slow
@pytest.mark.parametrize("bits", [8, 16])
def test_hls4ml_all_blocks_bit_exact(bits: int, tmp_path) -> None:
    """Every block at hidden width 64, Resource strategy (the reuse path), 1,000+ vectors."""
    cfg = GsmGnnConfig(input_mlp=(128, 64), aggregate_mlp=(64, 64), combine_mlp=(64, 64))
    q = small_quant_gsm(bits, config=cfg)
    prog = lower(q, 4)
    opts = Hls4mlOptions(strategy="Resource", reuse_factor=16)
    reports = export_and_check(q.gnns[0], tmp_path, opts, prog, _inputs(bits, 500, 2),
                               n_random=1000)
    assert len(reports) == 6
    for r in reports:
        assert r.mismatches_brevitas == 0 and r.mismatches_golden == 0, r
