"""Training guards (issue 4): lr warm-up, relative gradient clipping, non-finite-gradient skip,
rollback after a collapse; and the Table II row selection / merge of ``spacemimo eval``.

Tiny nets and batches: the whole file runs in seconds on one core.
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
from spacemimo.model import train as tr
from spacemimo.model.checkpoint import load_checkpoint
from spacemimo.model.train import load_experiment, train
from spacemimo.papers import guo_yang


def _exp(**train_cfg: Any) -> tr.Experiment:
    cfg = {"steps": 20, "batch_size": 32, "lr": 0.01, "eval_every": 5, "eval_samples": 64,
           "threads": 1} | train_cfg
    return load_experiment({"name": "tiny", "net": "model_gnn",
                            "net_overrides": {"hidden": [8, 8]}, "scenario": "rayleigh",
                            "scenario_overrides": {"snr_db": 10.0}, "seed": 0,
                            "train": cfg})


def _state_equal(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize(("change", "message"), [
    ({"warmup_steps": -1}, "warmup_steps"),
    ({"warmup_steps": 1.5}, "warmup_steps"),
    ({"grad_clip_rel": 0}, "grad_clip_rel"),
    ({"rollback_below": 1.0}, "rollback_below"),
    ({"rollback_below": 0}, "rollback_below"),
])
def test_bad_guard_options(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _exp(**change)


def test_defaults_leave_training_unchanged(tmp_path: Path) -> None:
    """Guards off (the defaults): same weights as before the options existed, i.e. as a run
    with an infinite clip; the history records the gradient norms."""
    a = train(_exp(steps=10), tmp_path / "a", progress=False, write_results=False)
    b = train(_exp(steps=10, grad_clip=1e30), tmp_path / "b", progress=False,
              write_results=False)
    assert _state_equal(a.net, b.net)
    row = a.history[-1]
    assert row["clipped"] == 0 and row["skipped"] == 0 and row["grad_norm"] > 0
    assert row["grad_norm_max"] >= row["grad_norm"] and "rollbacks" not in row


def test_warmup_ramps_the_lr_linearly(tmp_path: Path) -> None:
    res = train(_exp(steps=15, warmup_steps=10), tmp_path, progress=False,
                write_results=False)
    lrs = [r["lr"] for r in res.history]  # lr of the next step after steps 5, 10, 15
    assert lrs == pytest.approx([0.01 * 6 / 10, 0.01, 0.01])
    plain = train(_exp(steps=15), tmp_path / "p", progress=False, write_results=False)
    assert not _state_equal(res.net, plain.net)  # smaller first steps: another trajectory


def test_relative_clip_clips_spikes_only(tmp_path: Path) -> None:
    # factor 0.1: clips (the tiny net's norms fall ~6x in 10 steps); 1e6: never
    tight = train(_exp(steps=10, grad_clip_rel=0.1), tmp_path / "t", progress=False,
                  write_results=False)
    loose = train(_exp(steps=10, grad_clip_rel=1e6), tmp_path / "l", progress=False,
                  write_results=False)
    free = train(_exp(steps=10), tmp_path / "f", progress=False, write_results=False)
    assert tight.history[-1]["clipped"] > 0
    assert loose.history[-1]["clipped"] == 0 and _state_equal(loose.net, free.net)


def test_clip_gradients_to_a_multiple_of_the_running_norm() -> None:
    net = torch.nn.Linear(2, 1, bias=False)
    tc = _exp(grad_clip_rel=2.0).train
    state = {"grad_norm_avg": None, "clipped": 0}
    net.weight.grad = torch.tensor([[3.0, 4.0]])
    assert tr._clip_gradients(net, tc, state) == 5.0  # first step: nothing to compare with
    assert state == {"grad_norm_avg": 5.0, "clipped": 0}
    net.weight.grad = torch.tensor([[30.0, 40.0]])  # a 10x spike: clipped to 2 x 5
    assert tr._clip_gradients(net, tc, state) == pytest.approx(50.0)
    assert net.weight.grad.norm().item() == pytest.approx(10.0, rel=1e-5)
    assert state["clipped"] == 1  # the running mean moves by the clipped norm only
    assert state["grad_norm_avg"] == pytest.approx(0.9 * 5 + 0.1 * 10)
    net.weight.grad = torch.tensor([[math.inf, 0.0]])
    assert tr._clip_gradients(net, tc, state) == math.inf and state["clipped"] == 1


def test_guarded_resume_equals_uninterrupted(tmp_path: Path) -> None:
    kw = {"warmup_steps": 12, "grad_clip_rel": 1.5, "rollback_below": 0.5}
    full = train(_exp(**kw), tmp_path / "full", progress=False, write_results=False)
    train(_exp(**kw, steps=10), tmp_path / "part", progress=False, write_results=False)
    resumed = train(_exp(**kw), tmp_path / "part", resume=tmp_path / "part", progress=False,
                    write_results=False)
    assert _state_equal(full.net, resumed.net)
    assert [r["lr"] for r in full.history] == [r["lr"] for r in resumed.history]


def test_non_finite_gradient_step_is_skipped(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = tr.Objective.__call__

    def poisoned(self: tr.Objective, batch: Any, W: torch.Tensor) -> tr.ObjectiveValue:
        out = real(self, batch, W)
        calls["n"] += 1
        if calls["n"] == 3:  # the 3rd training step's loss is NaN
            out.loss = out.loss * math.nan
        return out

    monkeypatch.setattr(tr.Objective, "__call__", poisoned)
    res = train(_exp(steps=5), tmp_path, progress=False, write_results=False)
    assert res.history[-1]["skipped"] == 1
    assert all(torch.isfinite(p).all() for p in res.net.parameters())


def test_rollback_restores_best_and_halves_lr(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A collapse at the 2nd evaluation (faked: the objective reads 10% of the truth) puts the
    best weights and Adam state back and halves the lr from then on."""
    evals = {"n": 0}
    real = tr.evaluate_net

    def collapsing(net: torch.nn.Module, objective: Any, batch: Any) -> dict[str, float]:
        m = real(net, objective, batch)
        evals["n"] += 1
        if evals["n"] == 2:
            m = {k: 0.1 * v for k, v in m.items()}
        return m

    monkeypatch.setattr(tr, "evaluate_net", collapsing)
    seen: list[dict[str, torch.Tensor]] = []
    res = train(_exp(steps=10, rollback_below=0.5), tmp_path, progress=False,
                write_results=False,
                callback=lambda row: seen.append(
                    {k: v.clone() for k, v in load_checkpoint(tmp_path / "last.pt")
                     .net.state_dict().items()}))
    assert [r["rollbacks"] for r in res.history] == [0, 1]
    assert res.history[1]["lr"] == pytest.approx(0.005)
    best = load_checkpoint(tmp_path / "best.pt")
    assert best.step == 5  # the collapsed evaluation is not the best
    for k, v in best.net.state_dict().items():  # last.pt after the rollback = best weights
        assert torch.equal(seen[1][k], v)
    # without the guard the same fake collapse changes nothing
    evals["n"] = 0
    off = train(_exp(steps=10), tmp_path / "off", progress=False, write_results=False)
    assert off.history[1]["lr"] == pytest.approx(0.01)


def test_cli_train_guard_options(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import yaml

    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(_exp().to_dict()))
    out = tmp_path / "run"
    assert main(["-q", "train", "--config", str(cfg), "--steps", "5", "--out", str(out),
                 "--warmup-steps", "3", "--grad-clip-rel", "2", "--grad-clip", "100"]) == 0
    saved = load_checkpoint(out / "last.pt").extra["experiment"]["train"]
    assert (saved["warmup_steps"], saved["grad_clip_rel"], saved["grad_clip"]) == (3, 2.0, 100.0)


# --------------------------------------------------------------------------- eval table2 rows


def test_parse_table2_rows() -> None:
    assert papers.parse_table2_rows("64x16,64x32") == [
        (s, 64, k) for k in (16, 32) for s in (0.0, 10.0, 20.0)]
    assert papers.parse_table2_rows("64x32@20, 8x4@0") == [(20.0, 64, 32), (0.0, 8, 4)]
    for bad in ("64", "axb", "7x3", "64x16@x"):
        with pytest.raises(ValueError, match="--rows"):
            papers.parse_table2_rows(bad)


def test_table2_warm_start_chain(tmp_path: Path) -> None:
    src = guo_yang.table2_warm_source
    assert src("model_gnn", 10.0, 64, 16) is None  # the N = 64 root, from scratch
    assert src("model_gnn", 0.0, 64, 16) == (10.0, 64, 16)
    assert src("model_gnn", 20.0, 64, 32) == (10.0, 64, 32)
    assert src("model_gnn", 10.0, 64, 32) == (10.0, 64, 16)
    assert src("model_gnn", 10.0, 32, 16) is None and src("model_gnn", 0.0, 8, 4) is None
    exp = guo_yang.table2_experiment("model_gnn", 20.0, 64, 32, tmp_path)
    assert exp.train.init_from == str(tmp_path / "checkpoints" / "model_gnn_n64_k32_snr10"
                                      / "best.pt")
    assert exp.train.rollback_below and exp.train.warmup_steps and exp.train.grad_clip_rel
    assert exp.train.lr == guo_yang.TABLE2_WARM_LR
    root = guo_yang.table2_experiment("model_gnn", 10.0, 64, 16, tmp_path)
    assert root.train.init_from is None and root.train.lr == 0.01
    small = guo_yang.table2_experiment("model_gnn", 10.0, 8, 4, tmp_path)
    assert small.train.rollback_below is None and small.train.warmup_steps == 0


def test_table2_merge_keeps_other_rows(tmp_path: Path) -> None:
    def row(snr: float, n: int, k: int, net: str, pct: float) -> dict[str, Any]:
        return {"snr_db": snr, "N": n, "K": k, "net": net, "se_ratio_pct": pct}

    old = [row(0.0, 8, 4, "model_gnn", 97.0), row(0.0, 8, 4, "model_gnn_pa", 98.8),
           row(0.0, 64, 16, "model_gnn", 99.0), row(20.0, 64, 32, "model_gnn", 94.2)]
    (tmp_path / "table2.json").write_text(json.dumps(
        {"meta": {"git_revision": "abc", "created_utc": "then", "command": "x"}, "rows": old}))
    new = [row(20.0, 64, 32, "model_gnn", 99.0), row(0.0, 64, 16, "model_gnn", 99.8)]
    rows, earlier = guo_yang._merge_rows(tmp_path / "table2.json", new)
    assert [(r["snr_db"], r["N"], r["K"], r["net"], r["se_ratio_pct"]) for r in rows] == [
        (0.0, 8, 4, "model_gnn", 97.0), (0.0, 8, 4, "model_gnn_pa", 98.8),
        (0.0, 64, 16, "model_gnn", 99.8), (20.0, 64, 32, "model_gnn", 99.0)]
    assert earlier == {"git_revision": "abc", "created_utc": "then", "command": "x"}
    assert guo_yang._merge_rows(tmp_path / "none.json", new) == (new, {})
    # merging into a merged file keeps the chain of runs
    (tmp_path / "table2.json").write_text(json.dumps({"meta": {
        "git_revision": "def", "created_utc": "now", "command": "y",
        "config": {"rows_run": [[0.0, 64, 16]], "other_rows_from": earlier}}, "rows": rows}))
    _, chain = guo_yang._merge_rows(tmp_path / "table2.json", new)
    assert chain["created_utc"] == "now" and chain["rows_run"] == [[0.0, 64, 16]]
    assert chain["other_rows_from"]["created_utc"] == "then"


def test_cli_rows_needs_table2_alone(capsys: pytest.CaptureFixture) -> None:
    assert main(["-q", "eval", "table3", "--rows", "64x16"]) == 2
    assert "table2" in capsys.readouterr().err
