"""`spacemimo eval` tasks on tiny budgets: files, paper columns, sane ratios, checkpoint reuse.

The real numbers come from the benchmark (`make reproduce`); these check the machinery.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import torch

from spacemimo import papers
from spacemimo.cli import main
from spacemimo.ground.results import read_table
from spacemimo.model.checkpoint import save_checkpoint
from spacemimo.model.nets import build_net
from spacemimo.model.presets import sample_preset
from spacemimo.model.train import load_experiment, train
from spacemimo.papers import gsm, guo_yang, reference, training, zhou


def _rows(path: Path) -> list[dict[str, Any]]:
    return read_table(path)


def test_table2_quick_row_beside_paper(tmp_path: Path) -> None:
    paths = guo_yang.eval_table2(tmp_path, quick=True, rows=[(10.0, 8, 4)], nets=("model_gnn",),
                                 progress=False)
    (row,) = _rows(paths["json"])
    assert (row["N"], row["K"], row["net"]) == (8, 4, "model_gnn")
    assert float(row["paper_pct"]) == 97.74  # 003 Table II, 10 dB, (8, 4)
    assert 50.0 < float(row["se_ratio_pct"]) <= 101.0  # 300 steps: trained, not > WMMSE
    assert float(row["speedup"]) > 1.0  # one batched GNN pass vs converged 3-start WMMSE
    meta = json.loads(paths["json"].read_text())["meta"]
    assert meta["config"]["wmmse_tol"] == reference.WMMSE_TOL and meta["git_revision"]
    assert "97.74" in paths["md"].read_text()
    best = tmp_path / "checkpoints" / "model_gnn_n8_k4_snr10" / "best.pt"
    stamp = best.stat().st_mtime_ns
    guo_yang.eval_table2(tmp_path, quick=True, rows=[(10.0, 8, 4)], nets=("model_gnn",),
                         progress=False)
    assert best.stat().st_mtime_ns == stamp  # same experiment: the checkpoint is reused


def test_table2_extension_rows_sit_beside_the_papers_matching_column(tmp_path: Path) -> None:
    """The learned-structure net is read against the paper's BNN column (the same idea:
    structure (2) with learned parameters), the per-user-σ net against the Model-GNN's."""
    paths = guo_yang.eval_table2(tmp_path, quick=True, rows=[(10.0, 8, 4)],
                                 nets=("structured_cb", "model_gnn_un"), progress=False)
    rows = {r["net"]: r for r in _rows(paths["json"])}
    assert float(rows["structured_cb"]["paper_pct"]) == 99.92  # 003 Table II BNN, 10 dB
    assert float(rows["model_gnn_un"]["paper_pct"]) == 97.74
    for r in rows.values():
        assert 50.0 < float(r["se_ratio_pct"]) <= 101.0


def test_table2_structured_rows_get_the_short_budget_from_scratch(tmp_path: Path) -> None:
    for snr, N, K in ((0.0, 32, 16), (20.0, 64, 32)):
        exp = guo_yang.table2_experiment("structured_cb", snr, N, K, tmp_path)
        assert exp.train.time_limit_s == guo_yang.TABLE2_STRUCTURED_BUDGET_S
        assert exp.train.init_from is None and exp.net == "structured_cb"
    assert guo_yang.table2_experiment("structured_cb", 10.0, 8, 4, tmp_path).train.steps == 3000


def test_table2_32x16_rows_warm_start_from_10db(tmp_path: Path) -> None:
    assert [r for r in guo_yang.table2_rows(False) if r[1:] == (32, 16)] == [
        (0.0, 32, 16), (10.0, 32, 16), (20.0, 32, 16)]
    src = guo_yang.table2_warm_source
    assert src("model_gnn", 10.0, 32, 16) is None  # the trained root, reused as is
    assert src("model_gnn_pa", 0.0, 32, 16) is None
    for snr in (0.0, 20.0):
        assert src("model_gnn", snr, 32, 16) == (10.0, 32, 16)
        exp = guo_yang.table2_experiment("model_gnn", snr, 32, 16, tmp_path)
        assert exp.train.init_from == str(tmp_path / "checkpoints" / "model_gnn_n32_k16_snr10"
                                          / "best.pt")
        assert exp.train.lr == guo_yang.TABLE2_WARM_LR
        assert exp.train.time_limit_s == guo_yang.TABLE2_BUDGET_S["big"]
    root = guo_yang.table2_experiment("model_gnn", 10.0, 32, 16, tmp_path)
    assert root.train.init_from is None and root.train.lr == 0.01
    assert root.train.time_limit_s == 150.0


def test_wmmse_reference_is_the_upper_reference() -> None:
    batch = sample_preset("modelgnn_n8_k4", 20, seed=3)
    rates, seconds = reference.wmmse_reference(batch)
    assert rates.shape == (20,) and seconds > 0
    net = build_net("model_gnn", {"hidden": [4, 4]})
    W, t, t_median, passes = reference.timed_inference(net, batch, repeats=2)
    from spacemimo.model.objectives import sum_rate

    assert 0 < t <= t_median and passes >= 2
    assert (sum_rate(batch.H, W, batch.noise_power) <= rates + 1e-4).all()


def test_fig6_from_checkpoint(tmp_path: Path) -> None:
    exp = load_experiment({"name": "k", "net": "model_gnn", "net_overrides": {"hidden": [8, 8]},
                           "scenario": "rayleigh", "train": {"steps": 20, "batch_size": 32,
                                                             "eval_every": 20,
                                                             "eval_samples": 32}})
    train(exp, tmp_path / "ck", progress=False, write_results=False)
    paths = guo_yang.eval_fig6(tmp_path, quick=True, checkpoint=tmp_path / "ck" / "best.pt",
                               progress=False)
    rows = _rows(paths["json"])
    assert [int(r["K"]) for r in rows] == [2, 4, 8]  # one net, K never seen in training
    assert all(0.0 < float(r["se_ratio_pct"]) <= 101.0 for r in rows)
    # MMSE beside it for scale: near WMMSE at N=32, K <= 8, never above a converged WMMSE
    assert all(95.0 < float(r["mmse_ratio_pct"]) <= 100.0 + 1e-6 for r in rows)
    assert paths["png"].stat().st_size > 5_000


def test_gsm_fig7_from_checkpoint(tmp_path: Path) -> None:
    overrides = {"input_mlp": [16], "aggregate_mlp": [16], "combine_mlp": [16]}
    torch.manual_seed(0)
    net = build_net("gsm_local", overrides)
    ck = save_checkpoint(tmp_path / "gsm.pt", net, net_name="gsm_local",
                         net_overrides=overrides, scenario={"preset": "gsm_s4_m4_k4"},
                         metrics={}, extra={"seed": 0})
    paths = gsm.eval_gsm_fig7(tmp_path, quick=True, checkpoint=ck, progress=False)
    rows = _rows(paths["json"])
    assert [float(r["p_max_dbw"]) for r in rows] == [-10.0, -5.0, 0.0, 5.0, 10.0]
    for r in rows:
        assert {"gnn-local", "mrt-local", "mmse-local", "zf-global", "mmse-global"} <= set(r)
        assert float(r["wmmse"]) >= float(r["mmse-global"]) - 1e-6
    assert paths["png"].is_file()


def test_table4_quick(tmp_path: Path) -> None:
    (r4,) = _rows(guo_yang.eval_table4(tmp_path, quick=True, progress=False)["json"])
    assert float(r4["paper_ee_ratio_pct"]) == 97.29 and 0 <= float(r4["csr_pct"]) <= 100
    assert float(r4["ee_ratio_pct"]) > 0
    assert float(r4["structured_ee_ratio_pct"]) > 0 and 0 <= float(r4["structured_csr_pct"]) <= 100
    assert float(r4["paper_bnn_ee_ratio_pct"]) == 100.23


def test_table5_quick(tmp_path: Path) -> None:
    (r5,) = _rows(guo_yang.eval_table5(tmp_path, quick=True, progress=False)["json"])
    assert 0 < float(r5["se_ratio_pct"]) <= 101.0
    assert 0 < float(r5["power_head_pct"]) <= 101.0  # our extension, warm-started from it
    assert 0 < float(r5["structured_cb_pct"]) <= 101.0  # our learned-structure net
    assert 0 < float(r5["coordinated_mmse_pct"]) <= 100.0 + 1e-6
    assert 0 <= float(r5["wmmse_idle_users"]) <= int(r5["users"]) == 8
    assert 0 < float(r5["vanilla_gnn_pct"]) <= 101.0  # the paper's baseline row
    assert math.isnan(float(r5["paper_vanilla_pct"]))  # (2, 8, 4) is not a paper size
    for column in ("pa", "scb", "vanilla"):
        assert (tmp_path / "checkpoints" / f"table5_{column}_m2_n8_k4" / "best.pt").is_file()
    (t5,) = _rows(tmp_path / "table5_transfer.json")  # quick: the one trained size only
    assert t5["test_size"] == "2, 8, 4"
    assert 0 < float(t5["trained_2_8_4_pct"]) <= 101.0
    # Table V's own sizes reuse the main table's test set and reference: the same number
    assert float(t5["trained_2_8_4_pct"]) == pytest.approx(float(r5["structured_cb_pct"]),
                                                           rel=1e-9)


def test_fig6_names_the_training_k_of_a_given_checkpoint() -> None:
    assert guo_yang._trained_users({"vary": {"num_users": {"exp_mean": 4, "low": 2}},
                                    "config": {"num_users": 4}}) == "Exp(4)"
    assert guo_yang._trained_users({"vary": {}, "config": {"num_users": 16}}) == "16"


def test_idle_users_counts_beams_below_a_share_of_the_fair_power() -> None:
    """2 BSs x 2 users: BS 0 splits 0.996 / 0.004 (0.8 % of a fair 0.5 is idle), BS 1 evenly."""
    W = torch.zeros(1, 4, 4, dtype=torch.complex64)
    W[0, 0, 0], W[0, 1, 1] = 0.996 ** 0.5, 0.004 ** 0.5
    W[0, 2, 2] = W[0, 3, 3] = 0.5 ** 0.5
    assert guo_yang.idle_users(W, 2).tolist() == [1.0]
    assert guo_yang.idle_users(W, 2, share=0.001).tolist() == [0.0]


@pytest.mark.parametrize(("argv", "message"), [
    (["eval"], "--all"),
    (["eval", "table9"], "unknown eval task 'table9'"),
])
def test_cli_eval_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["-q", *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_table3_quick(tmp_path: Path) -> None:
    paths = guo_yang.eval_table3(tmp_path, quick=True, progress=False)
    rows = _rows(paths["json"])
    assert {r["net"] for r in rows} == {"model_gnn", "model_gnn_pa"}
    assert all(r["paper_samples"] == "100" for r in rows)


# --------------------------------------------------------------------------- Zhou 000, GSM Figs 8-9


def _tiny_gsm_local(tmp_path: Path) -> Path:
    """A narrow GNN-Local checkpoint: the eval machinery without the 3.16 M-weight net."""
    overrides = {"input_mlp": [16], "aggregate_mlp": [16], "combine_mlp": [16]}
    torch.manual_seed(0)
    return save_checkpoint(tmp_path / "gsm.pt", build_net("gsm_local", overrides),
                           net_name="gsm_local", net_overrides=overrides,
                           scenario={"preset": "gsm_s4_m4_k4"}, metrics={}, extra={"seed": 0})


def test_new_tasks_registered() -> None:
    assert {"zhou_ee", "gsm_fig6", "gsm_fig8", "gsm_fig9"} <= set(papers.TASKS)


def test_zhou_ee_quick(tmp_path: Path) -> None:
    paths = zhou.eval_zhou_ee(tmp_path, quick=True, progress=False)
    rows = _rows(paths["json"])
    assert [float(r["p_max_dbm"]) for r in rows] == [30.0, 40.0]
    methods = ["zhou_edge_gnn", "zhou_unfolded", "iaidnn", "rzf", "mmse", "dinkelbach-wmmse",
               "dinkelbach-wmmse-inst"]
    for r in rows:
        ee = {m: float(r[m]) for m in methods}
        assert all(0.0 < v < 10.0 for v in ee.values()), ee  # Mbit/J, finite
        # Dinkelbach-WMMSE on the same (instantaneous) CSI starts from the RZF/MMSE point at
        # full power and never lowers the EE: it must beat both closed forms.
        assert ee["dinkelbach-wmmse-inst"] >= max(ee["rzf"], ee["mmse"]) * (1 - 1e-6)
    at_40 = rows[1]
    assert float(at_40["rzf"]) == pytest.approx(float(at_40["mmse"]), rel=1e-5)  # α = Kσ²/P
    hist = _rows(tmp_path / "zhou_ee_hist.json")
    assert {r["net"] for r in hist} == {"zhou_edge_gnn", "zhou_unfolded", "iaidnn"}
    assert next(r for r in hist if r["net"] == "zhou_unfolded")["paper_mbit_per_j"] == \
        "peak 1.3-1.4"
    csi = _rows(tmp_path / "zhou_ee_csi.json")
    assert [float(r["csi_error_db"]) for r in csi] == [-30.0, -10.0]
    # designing on a worse estimate cannot help the classical precoders (scored on truth)
    assert float(csi[1]["dinkelbach-wmmse"]) <= float(csi[0]["dinkelbach-wmmse"]) * 1.02
    for key in ("png", "hist_png", "csi_png"):
        assert paths[key].stat().st_size > 5_000
    md = paths["md"].read_text()
    assert "Fig. 10" in md and "Fig. 13" in md  # one Markdown file shows the whole task


def test_gsm_fig8_from_checkpoint(tmp_path: Path) -> None:
    paths = gsm.eval_gsm_fig8(tmp_path, quick=True, checkpoint=_tiny_gsm_local(tmp_path),
                                   progress=False)
    rows = _rows(paths["json"])
    assert [int(r["num_sats"]) for r in rows] == [2, 4]  # shared weights: any S
    for r in rows:
        assert {"gnn-local", "mmse-local", "zf-global", "mmse-global", "wmmse", "paper"} <= set(r)
        assert float(r["wmmse"]) >= float(r["mmse-global"]) - 1e-6
    # more satellites at the same per-satellite power: more power and antennas
    assert float(rows[1]["mmse-global"]) > float(rows[0]["mmse-global"])
    assert paths["png"].is_file()


def test_gsm_fig9_quick(tmp_path: Path) -> None:
    paths = gsm.eval_gsm_fig9(tmp_path, quick=True, checkpoint=_tiny_gsm_local(tmp_path),
                                   progress=False)
    rows = _rows(paths["json"])
    assert [int(r["num_sats"]) for r in rows] == [2, 4]
    assert float(rows[0]["p_sat_dbw"]) == pytest.approx(gsm.GSM_FIG9_TOTAL_DBW - 3.0103,
                                                        abs=1e-3)
    assert float(rows[0]["gnn-global"]) > 0  # trained for S=2 only
    assert math.isnan(rows[1]["gnn-global"])
    for r in rows:  # free total-power WMMSE is the best of the global schemes
        assert float(r["wmmse-global"]) >= float(r["mmse-global"]) - 1e-6
    assert (tmp_path / "checkpoints" / "gsm_global_s2" / "best.pt").is_file()


def test_cli_eval_gsm_fig8(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    ck = _tiny_gsm_local(tmp_path)
    assert main(["-q", "eval", "gsm_fig8", "--quick", "--checkpoint", str(ck),
                 "--out", str(tmp_path / "out")]) == 0
    assert "002 Fig. 8" in capsys.readouterr().out
    assert (tmp_path / "out" / "gsm_fig8.json").is_file()


def test_train_or_load_keeps_a_run_of_another_experiment(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    """A checkpoint dir holding a different experiment (e.g. a longer, resumed run) is moved
    aside with a message naming the difference, never silently overwritten; an identical
    experiment is reused without training."""
    exp = load_experiment({"name": "k", "net": "model_gnn", "net_overrides": {"hidden": [4]},
                           "scenario": "rayleigh", "train": {"steps": 4, "batch_size": 8,
                                                             "eval_every": 4,
                                                             "eval_samples": 8}})
    ck = tmp_path / "ck"
    first = training.train_or_load(exp, ck, progress=False)
    stamp = (ck / "best.pt").stat().st_mtime_ns
    again = training.train_or_load(exp, ck, progress=False)  # same experiment: reused
    assert (ck / "best.pt").stat().st_mtime_ns == stamp
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(),
                                                 again.state_dict().values(), strict=True))
    training.train_or_load(exp.with_train(steps=6), ck, progress=False)
    (kept,) = [p for p in tmp_path.iterdir() if p.name.startswith("ck.replaced-")]
    assert (kept / "best.pt").stat().st_mtime_ns == stamp and (ck / "best.pt").is_file()
    assert "train.steps: 4 -> 6" in capsys.readouterr().err


def test_gsm_fig6_convergence_from_training_histories(tmp_path: Path) -> None:
    """002 Fig. 6 reads the training histories of a short narrow GNN-Local run (4 steps,
    evaluated every 2) and of the quick GNN-Global S=2 net, and scores each final net on its
    own last training batches (regenerated) and held-out ones; a checkpoint without a history
    is refused by name."""
    from spacemimo.papers.gsm import eval_gsm_fig6

    exp = load_experiment("gsm_local", net_overrides={"input_mlp": [16], "aggregate_mlp": [16],
                                                      "combine_mlp": [16]})
    exp = exp.with_train(steps=4, batch_size=8, eval_every=2, eval_samples=8)
    train(exp, tmp_path / "local", progress=False)
    paths = eval_gsm_fig6(tmp_path / "out", quick=True, progress=False,
                          checkpoint=tmp_path / "local" / "best.pt")
    rows = {r["curve"]: r for r in _rows(paths["json"])}
    assert set(rows) == {"gnn-local S=4", "gnn-global S=2"}
    local = rows["gnn-local S=4"]
    assert int(local["steps"]) == 4 and int(local["steps_to_95pct"]) in (2, 4)
    assert float(local["best_val_wsr"]) >= float(local["final_val_wsr"]) > 0
    assert float(local["train_wsr"]) > 0 and float(local["test_wsr"]) > 0
    assert int(local["samples_each"]) == 16  # two batches of 8 before the checkpoint's step
    points = _rows(paths["curves_json"])
    assert [int(r["step"]) for r in points if r["curve"] == "gnn-local S=4"] == [2, 4]
    assert all(float(r["train_wsr"]) > 0 for r in points)
    assert paths["png_a"].stat().st_size > 5_000 and paths["png_b"].stat().st_size > 5_000
    twins = _rows(paths["twins_json"])  # two batches of 8 before each net's checkpoint step
    assert [r["curve"] for r in twins].count("gnn-local S=4") == 2
    assert all(-10 <= float(r["p_max_dbw"]) <= 10 for r in twins)
    with pytest.raises(ValueError, match="no training history"):
        eval_gsm_fig6(tmp_path / "out2", quick=True, progress=False,
                      checkpoint=_tiny_gsm_local(tmp_path))


def test_train_vs_test_regenerates_the_training_batches(tmp_path: Path) -> None:
    """(b)'s training side is the net on exactly the batches it trained on last: equal to
    scoring ``BatchSource``'s batches by hand; the held-out side uses other samples."""
    from spacemimo.model import objectives as obj
    from spacemimo.model.checkpoint import load_checkpoint
    from spacemimo.model.train import BatchSource
    from spacemimo.papers.gsm import train_vs_test

    exp = load_experiment("gsm_local", net_overrides={"input_mlp": [8], "aggregate_mlp": [8],
                                                      "combine_mlp": [8]})
    exp = exp.with_train(steps=3, batch_size=4, eval_every=3, eval_samples=4)
    train(exp, tmp_path, progress=False)
    ck = load_checkpoint(tmp_path / "best.pt")
    res, pairs = train_vs_test(tmp_path / "best.pt", samples=8)
    src = BatchSource(exp)
    with torch.no_grad():
        by_hand = [obj.sum_rate(b.H, ck.net(b), b.noise_power).double().mean().item()
                   for b in (src(1), src(2))]
    assert res["train_wsr"] == pytest.approx(sum(by_hand) / 2, rel=1e-6)
    assert res["test_wsr"] != pytest.approx(res["train_wsr"], rel=1e-9)
    assert res["samples_each"] == 8 and res["at_step"] == 3
    assert [r["step"] for r in pairs] == [1, 2]
    assert [r["train_wsr"] for r in pairs] == pytest.approx(by_hand, rel=1e-6)
    # held-out twins: the step's power draw (gsm_local varies p_max), other channels
    twin = BatchSource(exp, sample_tag="held-out")(2)
    assert twin.p_max == src(2).p_max != src(1).p_max
    assert not torch.allclose(twin.H, src(2).H)


def test_convergence_summary_reads_the_settling_step() -> None:
    from spacemimo.papers.gsm import convergence_summary

    history = [{"step": s, "samples": 200 * s, "val_sum_rate": v}
               for s, v in ((50, 5.0), (100, 9.6), (150, 10.0), (200, 9.9))]
    row = convergence_summary("c", history)
    assert row["steps_to_95pct"] == 100  # 9.6 >= 0.95 * 10.0
    assert row["best_val_wsr"] == 10.0 and row["final_val_wsr"] == 9.9
