"""The per-board table's rows (spacemimo.hw.board_bench) from a measurement's JSON: the RTL
formula beside the measured cycles, the target verdict and the placement the loader makes."""

from __future__ import annotations

import pytest

from spacemimo.hw import board_bench
from spacemimo.quant.random_programs import random_gsm_program
from spacemimo.spec.boards import board
from spacemimo.spec.builds import build


@pytest.fixture(scope="module")
def gsm8():
    return random_gsm_program(bits=8, seed=0)


def _measured(cycles: int) -> dict:
    return {"cycles": [cycles, cycles], "mismatches": 0, "words": 128,
            "memory": {"bytes_per_cycle": 10.0, "min_latency": 52, "max_outstanding": 6}}


def test_resident_board_row_gives_the_resident_formula(gsm8) -> None:
    row = board_bench.board_row("vc709", gsm8, _measured(3591))
    assert row["placement"] == "resident"
    # rtl/README.md "Cycle formula": 3,553 on the ideal memory (input read 2 cycles after its
    # AR); the VC709's memory model answers 40 cycles after it: 38 more
    assert row["RTL formula (modelled)"] == 3553 + 40 - 2
    assert row["measured / formula"] == 1.0
    assert row["meets target"] == "yes" and row["target"] == 3900


def test_streamed_formula_pays_the_board_latency(gsm8) -> None:
    kv = board("kv260")
    slow = board_bench.formula_cycles(gsm8, build(kv.build), kv.read_latency)
    fast = board_bench.formula_cycles(gsm8, build(kv.build), 2)
    assert slow > fast
    row = board_bench.board_row("kv260", gsm8, _measured(slow))
    assert row["placement"].startswith("hybrid (")
    assert row["measured / formula"] == 1.0
    assert row["meets target"] == ("yes" if slow <= kv.cycle_target else "no")
    assert row["max bursts in flight per port"] == 6


def test_rerunning_one_board_keeps_the_other_rows(tmp_path) -> None:
    """``spacemimo bench hw --boards kv260`` rewrites boards.json with the kv260 row measured
    now and every other board's row as the file had it, each with the commit it was measured
    at, in boards.yaml's order."""
    from spacemimo.ground.results import read_meta, write_table

    old = [{"board": "pynqz2", "cycles (Verilator)": 202344},
           {"board": "kv260", "cycles (Verilator)": 26498},
           {"board": "zcu104", "cycles (Verilator)": 6725, "measured at": "f063f4e"}]
    paths = write_table(tmp_path, "boards", old, config={}, seed=0)
    rev = read_meta(paths["json"])["git_revision"]
    new = [{"board": "kv260", "cycles (Verilator)": 19000, "measured at": "abc"}]
    rows = board_bench.merge_rows(paths["json"], new)
    by = {r["board"]: r for r in rows}
    assert by["kv260"] == new[0]
    assert by["pynqz2"] == {**old[0], "measured at": rev}
    assert by["zcu104"]["measured at"] == "f063f4e"
    assert [r["board"] for r in rows] == ["pynqz2", "kv260", "zcu104"]
    assert board_bench.merge_rows(tmp_path / "none.json", new) == new
