"""The register map has one source (spacemimo/spec/regmap.yaml): layout, validation, PYNQ
description, VLNV. tests/test_spec.py checks every generated copy against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacemimo.spec import regmap

REPO = Path(__file__).resolve().parent.parent


def test_packaged_map_matches_the_checkout() -> None:
    assert regmap.load() == regmap.load(REPO / "spacemimo" / "spec" / "regmap.yaml")


def test_vitis_control_block_and_pointer_pairs() -> None:
    m = regmap.load()
    assert [m[n].offset for n in ("CTRL", "GIE", "IER", "ISR")] == [0x00, 0x04, 0x08, 0x0C]
    for base in ("PROGRAM_ADDR", "INPUT_ADDR", "OUTPUT_ADDR"):
        assert m[f"{base}_HI"].offset == m[f"{base}_LO"].offset + 4
    ctrl = {f.name: f.bit for f in m["CTRL"].fields}
    assert ctrl == {"AP_START": 0, "AP_DONE": 1, "AP_IDLE": 2, "AP_READY": 3, "AUTO_RESTART": 7}
    assert m.hw_id == 0x534D0002


def test_pynq_description_has_every_register() -> None:
    m = regmap.load()
    desc = regmap.pynq_register_map(m)
    assert set(desc) == {r.name for r in m.registers}
    assert desc["STATUS"]["access"] == "read-only"
    assert desc["CTRL"]["fields"]["AP_START"]["bit_offset"] == 0


@pytest.mark.parametrize("bad, message", [
    ("{name: A, offset: 0x02, access: rw}", "not word aligned"),
    ("{name: A, offset: 0x400, access: rw}", "not word aligned"),
    ("{name: A, offset: 0x00, access: xx}", "access"),
])
def test_bad_maps_are_rejected(bad: str, message: str) -> None:
    text = f"name: t\nversion: 1\ndata_width: 32\naddr_width: 8\nregisters:\n  - {bad}\n"
    with pytest.raises(ValueError, match=message):
        regmap.parse(text)


def test_duplicate_offsets_are_rejected() -> None:
    text = ("name: t\nversion: 1\ndata_width: 32\naddr_width: 8\nregisters:\n"
            "  - {name: A, offset: 0x10, access: rw}\n  - {name: B, offset: 0x10, access: ro}\n")
    with pytest.raises(ValueError, match="share offset"):
        regmap.parse(text)


def test_one_vlnv_for_the_export_tcl_and_the_driver() -> None:
    """regmap.yaml's ip -> hls/tcl/ip_vlnv.tcl (sourced by run_hls.tcl for config_export) and
    the PYNQ driver's bindto: a board binds the driver only when these agree."""
    import re

    m = regmap.load()
    tcl = (REPO / "hls" / "tcl" / "ip_vlnv.tcl").read_text()
    got = dict(re.findall(r"^set ip_(\w+)\s+(\S+)$", tcl, re.M))
    assert ":".join(got[k] for k in ("vendor", "library", "name", "version")) == m.ip.vlnv
    run = (REPO / "hls" / "tcl" / "run_hls.tcl").read_text()
    assert re.search(r"^source .*ip_vlnv\.tcl", run, re.M), "run_hls.tcl must source ip_vlnv.tcl"
    export = next(line for line in run.splitlines() if line.startswith("config_export"))
    for opt, var in (("vendor", "vendor"), ("library", "library"), ("ipname", "name"),
                     ("version", "version")):
        assert f"-{opt} $ip_{var}" in export, f"config_export -{opt} must be $ip_{var}"
    pd = pytest.importorskip("spacemimo.board.pynq_driver", reason="needs pynq (make setup)")
    assert pd.SpacemimoAccel.bindto == [m.ip.vlnv]


def test_encode_is_the_inverse_of_decode() -> None:
    m = regmap.load()
    fields = {"MAX_ROWS": 32, "MAX_COLS_DIV64": 4, "NUM_BUFFERS": 4, "LOG2_OUT_LANES": 3,
              "LOG2_NODE_ROWS": 2, "DATA_16": 1, "TABLE_SIZE": 4}
    assert m.decode("HW_CONFIG", m.encode("HW_CONFIG", **fields)) == fields
    with pytest.raises(ValueError, match="does not fit"):
        m.encode("HW_CONFIG", MAX_ROWS=256)
