"""The board table (spacemimo/spec/boards.yaml): the parts' capacities as the issue and AMD's
data sheets give them, and the memory figures the rooflines and the bench's memory model use."""

from __future__ import annotations

import pytest

from spacemimo.spec import boards


def test_parts_match_the_data_sheets() -> None:
    p = boards.parts()
    assert (p["xc7z020"].lut, p["xc7z020"].dsp, p["xc7z020"].bram36) == (53200, 220, 140)
    assert (p["xck26"].lut, p["xck26"].dsp, p["xck26"].bram36, p["xck26"].uram) == (
        117120, 1248, 144, 64)
    assert (p["xczu7ev"].lut, p["xczu7ev"].dsp, p["xczu7ev"].bram36, p["xczu7ev"].uram) == (
        230400, 1728, 312, 96)
    assert (p["xc7vx690t"].lut, p["xc7vx690t"].dsp, p["xc7vx690t"].bram36) == (433200, 3600,
                                                                               1470)
    # block RAM in Mb as the table states it (RAMB36 = 36 Kb, URAM288 = 288 Kb)
    assert round(p["xczu7ev"].bram36 * 36 * 1024 / 1e6, 1) == 11.5
    assert round(p["xck26"].uram * 288 * 1024 / 1e6) == 19
    assert {q.family for q in p.values()} == {"xc7", "xcup"}


def test_boards_resolve_parts_and_memory_per_cycle() -> None:
    b = boards.boards()
    assert set(b) == {"pynqz2", "kv260", "zcu104", "vc709"}
    z2 = boards.board("pynqz2")
    assert z2.part.name == "xc7z020" and z2.part.family == "xc7"
    # 16-bit DDR3-1050: 2.1 GB/s = 21 bytes per 100 MHz cycle; four 64-bit HP ports move 32
    assert z2.ddr_bytes_per_cycle(100.0) == pytest.approx(21.0)
    assert z2.ddr_bytes_per_cycle(100.0, efficiency=True) == pytest.approx(15.75)
    assert z2.port_bytes_per_cycle(z2.hp_ports, z2.hp_port_bits) == 32
    assert boards.margins() == {"lut": 0.8, "dsp": 0.9, "bram": 0.9, "uram": 0.9}


def test_unknown_board_is_one_line() -> None:
    with pytest.raises(boards.BoardSpecError, match="unknown board 'zc706': one of kv260, "
                                                    "pynqz2, vc709, zcu104"):
        boards.board("zc706")
