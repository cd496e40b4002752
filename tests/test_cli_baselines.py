"""`spacemimo baselines` and `spacemimo bench baselines` end to end on small inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacemimo.cli import main
from spacemimo.ground.results import read_table
from spacemimo.papers.baseline_table import evaluate_baselines


def test_baselines_rayleigh_table_and_files(tmp_path: Path, capsys: pytest.CaptureFixture
                                            ) -> None:
    rc = main(["-q", "baselines", "--scenario", "rayleigh", "--samples", "40", "--sweep",
               "0,20", "--out", str(tmp_path)])
    assert rc == 0
    assert "mean sum rate" in capsys.readouterr().out
    stem = tmp_path / "baselines_modelgnn_n8_k4"
    rows = read_table(stem.with_suffix(".json"))
    assert [float(r["snr_db"]) for r in rows] == [0.0, 20.0]
    for r in rows:
        # WMMSE is the best of the set at every SNR; ZF beats MRT at 20 dB only.
        rates = {k: float(v) for k, v in r.items() if k != "snr_db"}
        assert rates["wmmse"] >= max(rates.values()) - 1e-6
    assert float(rows[1]["zf"]) > float(rows[1]["mrt"])
    assert float(rows[0]["mrt"]) > float(rows[0]["zf"])
    meta = json.loads(stem.with_suffix(".json").read_text())["meta"]
    assert meta["seed"] == 0 and meta["versions"]["torch"].startswith("2.")
    assert meta["git_revision"]
    assert stem.with_suffix(".png").stat().st_size > 5_000


def test_gsm_local_below_global() -> None:
    table = evaluate_baselines("gsm", samples=40, seed=1, sweep=[0.0], progress=False)
    (row,) = table.rows
    assert row["mmse-global"] > row["mmse-local"]
    assert row["wmmse"] >= row["mmse-global"] - 1e-6


def test_same_seed_same_table() -> None:
    a = evaluate_baselines("rayleigh", samples=10, seed=3, sweep=[10.0], progress=False)
    b = evaluate_baselines("rayleigh", samples=10, seed=3, sweep=[10.0], progress=False)
    assert a.rows == b.rows


@pytest.mark.parametrize(("argv", "message"), [
    (["baselines", "--scenario", "mars"], "unknown scenario 'mars'"),
    (["baselines", "--scenario", "rayleigh", "--methods", "mrt,magic"], "magic"),
    (["baselines", "--scenario", "gsm", "--sweep", "nan"], "finite"),
])
def test_bad_input_exits_2_with_message(argv: list[str], message: str,
                                        capsys: pytest.CaptureFixture) -> None:
    assert main(["-q", *argv, "--samples", "2"]) == 2
    assert message in capsys.readouterr().err


def test_bench_baselines_writes_timings(tmp_path: Path) -> None:
    assert main(["-q", "bench", "baselines", "--scenario", "rayleigh", "--batch-size", "16",
                 "--repeats", "1", "--out", str(tmp_path)]) == 0
    rows = read_table(tmp_path / "bench_baselines_modelgnn_n8_k4.json")
    methods = {r["method"] for r in rows}
    assert {"mrt", "zf", "mmse", "wmmse"} <= methods
    times = {r["method"]: float(r["us_per_sample"]) for r in rows}
    assert all(t > 0 for t in times.values())
    assert times["wmmse"] > times["mrt"]  # iterative vs closed form, measured in one run


def test_git_revision_is_dirty_for_code_changes_not_for_results(tmp_path: Path) -> None:
    """A task rewriting committed results keeps the clean revision; a changed source file
    marks it dirty."""
    import subprocess

    from spacemimo.ground.provenance import git_revision

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "t.json").write_text("a\n")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    clean = git_revision(tmp_path)
    assert len(clean) == 40 and not clean.endswith("-dirty")
    (tmp_path / "results" / "t.json").write_text("b\n")
    assert git_revision(tmp_path) == clean
    (tmp_path / "code.py").write_text("x = 2\n")
    assert git_revision(tmp_path) == clean + "-dirty"
