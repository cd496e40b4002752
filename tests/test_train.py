"""Training: objective improves, determinism, bit-exact resume, checkpoints, sharding, DDP, CLI.

Tiny nets and batches so the whole file runs in seconds on one core; the DDP test launches two
gloo processes through the real entry point (``torchrun -m spacemimo train``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from spacemimo.cli import main
from spacemimo.model.checkpoint import load_checkpoint, save_checkpoint
from spacemimo.model.nets import build_net
from spacemimo.model.train import (
    BatchSource,
    Experiment,
    Objective,
    evaluate_net,
    list_experiments,
    load_experiment,
    train,
    validation_batch,
)

REPO = Path(__file__).resolve().parent.parent


def _tiny(**train: Any) -> dict[str, Any]:
    cfg = {"steps": 30, "batch_size": 32, "lr": 0.01, "eval_every": 10, "eval_samples": 64,
           "threads": 1} | train
    return {"name": "tiny", "net": "model_gnn", "net_overrides": {"hidden": [8, 8]},
            "scenario": "rayleigh", "scenario_overrides": {"snr_db": 10.0}, "seed": 0,
            "train": cfg}


def _exp(**train: Any) -> Experiment:
    return load_experiment(_tiny(**train))


def _state_equal(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_objective_improves(tmp_path: Path) -> None:
    exp = _exp()
    torch.manual_seed(exp.seed)
    untrained = build_net(exp.net, exp.net_overrides)
    before = evaluate_net(untrained, Objective(exp), validation_batch(exp))["sum_rate"]
    res = train(exp, tmp_path, progress=False)
    vals = [r["val_sum_rate"] for r in res.history]
    assert len(vals) == 3 and res.step == 30 and res.stop_reason == "steps"
    assert vals[-1] > 1.2 * before  # 30 Adam steps take the random net far up
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]
    for name in ("last.pt", "best.pt", "history.json", "history.md", "history.png"):
        assert (tmp_path / name).is_file()


def test_same_seed_same_weights_other_seed_differs(tmp_path: Path) -> None:
    a = train(_exp(steps=10), tmp_path / "a", progress=False, write_results=False)
    b = train(_exp(steps=10), tmp_path / "b", progress=False, write_results=False)
    c = train(load_experiment(_tiny(steps=10), seed=1), tmp_path / "c", progress=False,
              write_results=False)
    assert _state_equal(a.net, b.net)
    assert not _state_equal(a.net, c.net)
    assert [r["val_sum_rate"] for r in a.history] == [r["val_sum_rate"] for r in b.history]


def test_resume_equals_uninterrupted(tmp_path: Path) -> None:
    full = train(_exp(steps=20, eval_every=5, lr_decay=0.9, lr_decay_every=3),
                 tmp_path / "full", progress=False, write_results=False)
    train(_exp(steps=10, eval_every=5, lr_decay=0.9, lr_decay_every=3), tmp_path / "part",
          progress=False, write_results=False)
    resumed = train(_exp(steps=20, eval_every=5, lr_decay=0.9, lr_decay_every=3),
                    tmp_path / "part", resume=tmp_path / "part", progress=False,
                    write_results=False)
    assert resumed.step == 20
    assert _state_equal(full.net, resumed.net)
    assert [r["val_sum_rate"] for r in full.history] == \
        [r["val_sum_rate"] for r in resumed.history]
    a = load_checkpoint(tmp_path / "full" / "last.pt")
    b = load_checkpoint(tmp_path / "part" / "last.pt")
    assert a.extra["scheduler"] == b.extra["scheduler"]
    for sa, sb in zip(a.optimizer_state["state"].values(), b.optimizer_state["state"].values(),
                      strict=True):
        assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_resume_other_experiment_is_refused(tmp_path: Path) -> None:
    train(_exp(steps=5, eval_every=5), tmp_path, progress=False, write_results=False)
    other = load_experiment(_tiny(steps=10), seed=5)
    with pytest.raises(ValueError, match="different seed"):
        train(other, tmp_path, resume=tmp_path, progress=False)


def test_init_from_copies_matching_weights(tmp_path: Path) -> None:
    train(_exp(steps=5, eval_every=5), tmp_path / "base", progress=False, write_results=False)
    exp = load_experiment({**_tiny(steps=1, eval_every=1, lr=1e-9,
                                   init_from=str(tmp_path / "base" / "best.pt")),
                           "net": "model_gnn_pa",
                           "net_overrides": {"hidden": [8, 8], "user_power": [4]}})
    res = train(exp, tmp_path / "pa", progress=False, write_results=False)
    base = load_checkpoint(tmp_path / "base" / "best.pt").net.state_dict()
    for k, v in base.items():  # lr 1e-9: one step leaves the copied weights where they were
        torch.testing.assert_close(res.net.state_dict()[k], v, rtol=1e-6, atol=1e-7)
    bad = load_experiment(_tiny(init_from=str(tmp_path / "missing.pt")))
    with pytest.raises(ValueError, match="does not exist"):
        train(bad, tmp_path / "bad", progress=False)


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    exp = _exp(steps=10, eval_every=10)
    res = train(exp, tmp_path, progress=False, write_results=False)
    ck = load_checkpoint(tmp_path / "best.pt")
    assert ck.net_name == "model_gnn" and ck.config["hidden"] == [8, 8]
    assert ck.scenario["preset"] == "modelgnn_n8_k4" and ck.step == 10
    assert ck.meta["seed"] == 0 and ck.meta["git_revision"]
    assert ck.meta["versions"]["torch"].startswith("2.")
    assert "sum_rate" in ck.metrics and not ck.net.training
    val = validation_batch(exp)
    with torch.no_grad():
        assert torch.equal(ck.net(val), res.net.eval()(val))
    # a float64 net comes back in float64, with identical outputs
    net = build_net("gsm_local", {"antennas_per_sat": 2, "num_sats": 2, "input_mlp": [4],
                                  "aggregate_mlp": [4], "combine_mlp": [4]}).double()
    path = save_checkpoint(tmp_path / "g.pt", net, net_name="gsm_local",
                           net_overrides={"antennas_per_sat": 2, "num_sats": 2,
                                          "input_mlp": [4], "aggregate_mlp": [4],
                                          "combine_mlp": [4]},
                           scenario={"preset": "x"}, metrics={}, extra={"seed": 7})
    back = load_checkpoint(path)
    H = torch.randn(3, 4, 4, dtype=torch.complex128)
    with torch.no_grad():
        assert torch.equal(back.net(H, p_max=1.0), net.eval()(H, p_max=1.0))
    assert back.meta["seed"] == 7


def test_bad_checkpoint_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"a": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a spacemimo checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


@pytest.mark.parametrize(("change", "message"), [
    ({"net": "gcn"}, "unknown net 'gcn'"),
    ({"scenario": "mars"}, "unknown scenario 'mars'"),
    ({"colour": "red"}, "unknown experiment key"),
    ({"train": {"steps": 0}}, "train.steps must be a positive int"),
    ({"train": {"stepz": 3}}, "unknown train key"),
    ({"train": {"batch_size": 10, "shards": 3}}, "divisible"),
    ({"train": {"target_ratio": 0.95}}, "reference: wmmse"),
    ({"net_overrides": {"hidden": [3]}}, "even"),
    ({"vary": {"num_userz": {"uniform": [2, 4]}}}, "not a field"),
    ({"objective": "joy"}, "objective must be one of"),
])
def test_bad_config_clear_error(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_experiment({**_tiny(), **change})


def test_bad_yaml_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_experiment(bad)
    with pytest.raises(ValueError, match="does not exist"):
        load_experiment(tmp_path / "nope.yaml")
    with pytest.raises(ValueError, match="unknown experiment"):
        load_experiment("no_such_experiment")


def test_shipped_experiments_load() -> None:
    names = list_experiments()
    assert {"modelgnn_n8_k4_se", "gsm_local", "gsm_global"} <= set(names)
    gsm = load_experiment("gsm_local")
    # GSM 002 sec. V-A: lr 1e-3, x0.995 every 100 steps, 10,000 samples/epoch, batch 200
    assert (gsm.train.lr, gsm.train.lr_decay, gsm.train.lr_decay_every) == (1e-3, 0.995, 100)
    assert gsm.train.steps_per_epoch == 50 and gsm.train.batch_size == 200
    assert load_experiment("modelgnn_n8_k4_se").train.lr == 0.01  # 003 Table I
    for name in names:
        load_experiment(name)


@pytest.mark.parametrize("pool", [None, 48])
def test_rank_shards_make_the_global_batch(pool: int | None) -> None:
    exp = _exp(batch_size=16, shards=4, train_samples=pool)
    whole = BatchSource(exp, 0, 1)
    ranks = [BatchSource(exp, r, 2) for r in range(2)]
    for step in (0, 1, 5):
        full = whole(step).H
        parts = [src(step).H for src in ranks]
        assert parts[0].shape[0] == 8 and not torch.equal(parts[0], parts[1])
        assert torch.equal(torch.cat(parts), full)
    if pool:  # one epoch = 3 steps visits every pool sample once
        seen = torch.cat([whole(s).H for s in range(3)])
        assert torch.equal(seen.abs().sum(), whole.pool.H.abs().sum()) or \
            torch.allclose(seen.abs().sum(), whole.pool.H.abs().sum())
        assert len({tuple(h.flatten()[:2].tolist()) for h in seen}) == 48


def test_vary_redraws_users_per_step() -> None:
    exp = load_experiment({**_tiny(), "vary": {"num_users": {"exp_mean": 4, "low": 2,
                                                             "high": 6}}})
    src = BatchSource(exp)
    ks = {src(s).num_users for s in range(30)}
    assert len(ks) > 2 and min(ks) >= 2 and max(ks) <= 6
    assert {src(s).num_users for s in range(30)} == ks  # deterministic


def test_ee_lagrangian_trains_and_moves_multiplier(tmp_path: Path) -> None:
    exp = load_experiment({
        **_tiny(steps=10, eval_every=5, lr=0.001), "net": "model_gnn_ee",
        "net_overrides": {"hidden": [8, 8], "power_head": [4]},
        "objective": "energy_efficiency",
        "objective_options": {"scale": 100.0, "r_min": 6.0, "dual_lr": 0.5,
                              "lambda_init": 0.0}})
    res = train(exp, tmp_path, progress=False, write_results=False)
    last = res.history[-1]
    assert last["lambda"] > 0  # R_min = 6 bit/s/Hz per user is violated at 10 dB
    assert 0.0 <= last["val_qos_satisfaction"] <= 1.0
    assert torch.isfinite(torch.tensor(last["val_objective"]))


def test_target_ratio_stops_early(tmp_path: Path) -> None:
    res = train(_exp(steps=200, eval_every=5, reference="wmmse", target_ratio=0.3,
                     eval_samples=32), tmp_path, progress=False, write_results=False)
    assert res.stop_reason == "target" and res.step < 200
    assert res.target["ratio"] >= 0.3 and res.target["train_time_s"] > 0


def test_early_stop_patience(tmp_path: Path) -> None:
    res = train(_exp(steps=200, eval_every=2, lr=1e-6, patience=2, min_delta=1.0),
                tmp_path, progress=False, write_results=False)
    assert res.stop_reason == "early_stop" and res.step == 6


def test_cli_train_and_resume(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(_tiny(steps=10, eval_every=5)))
    out = tmp_path / "run"
    assert main(["-q", "train", "--config", str(cfg), "--steps", "5", "--out", str(out)]) == 0
    assert "5 steps" in capsys.readouterr().out
    assert main(["-q", "train", "--config", str(cfg), "--steps", "10", "--out", str(out),
                 "--resume", str(out)]) == 0
    assert load_checkpoint(out / "last.pt").step == 10
    assert main(["-q", "train", "--list"]) == 0
    assert "gsm_local" in capsys.readouterr().out
    assert main(["-q", "train", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_ddp_two_processes_match_single_process(tmp_path: Path) -> None:
    """torchrun, 2 gloo ranks, one shard each == one process over both shards."""
    cfg = _tiny(steps=6, eval_every=3, batch_size=16, shards=2)
    path = tmp_path / "ddp.yaml"
    path.write_text(yaml.safe_dump(cfg))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "spacemimo", "-q", "train", "--config", str(path), "--out",
         str(tmp_path / "ddp")], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ddp = load_checkpoint(tmp_path / "ddp" / "last.pt")
    assert ddp.extra["world_size"] == 2 and ddp.step == 6
    single = train(load_experiment(cfg), tmp_path / "single", progress=False,
                   write_results=False)
    for k, v in single.net.state_dict().items():
        torch.testing.assert_close(ddp.net.state_dict()[k], v, rtol=1e-4, atol=1e-5)
    assert not _state_equal(ddp.net, build_net("model_gnn", {"hidden": [8, 8]}))
