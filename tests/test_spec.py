"""The hardware contract has one source (spacemimo/spec/): every generated copy is current,
every consumer (HardwareLimits, perfmodel, cosim, the driver) reads the same builds, and
HW_CONFIG's fields mean the same thing in the HLS kernel and the RTL."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from spacemimo.hw import cosim, generate
from spacemimo.hw.perfmodel import PRESETS, ArrayConfig
from spacemimo.quant.program import HardwareLimits
from spacemimo.spec import builds, regmap

REPO = Path(__file__).resolve().parent.parent
MAP = regmap.load()
SPEC = builds.load()


def test_generated_copies_are_up_to_date() -> None:
    """The staleness check: what `spacemimo gen --check` runs."""
    stale = generate.stale(REPO)
    assert not stale, f"stale generated files {[str(p) for p in stale]}: run `spacemimo gen`"
    assert set(generate.generated_files(REPO)) >= {
        Path("hls/src/regmap.h"), Path("rtl/regmap.vh"), Path("board/REGISTERS.md"),
        Path("hls/tcl/ip_vlnv.tcl"), Path("hls/src/program_format.h"),
        Path("rtl/program_format.vh"), Path("hls/src/accel_defaults.h"),
        Path("rtl/accel_params.vh"), Path("docs/BUILDS.md")}


def test_gen_check_names_a_stale_copy_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "checkout"
    shutil.copytree(REPO / "spacemimo" / "spec", root / "spacemimo" / "spec")
    assert len(generate.write_all(root)) == len(generate.generated_files(root))
    assert generate.stale(root) == []
    target = root / "rtl" / "accel_params.vh"
    target.write_text(target.read_text().replace("`define SM_OUT_LANES 8",
                                                 "`define SM_OUT_LANES 16"))
    before = target.read_text()
    assert generate.stale(root) == [Path("rtl/accel_params.vh")]
    from spacemimo.cli import main

    assert main(["gen", "--check", "--root", str(root)]) == 1
    assert "stale: rtl/accel_params.vh" in capsys.readouterr().err
    assert target.read_text() == before
    assert main(["gen", "--root", str(root)]) == 0
    assert main(["gen", "--check", "--root", str(root)]) == 0


def test_builds_load_with_one_name_per_axis() -> None:
    assert SPEC.default == "vx690t" and SPEC.rtl_default == "rtl-small-8"
    assert set(SPEC.of_backend("rtl")) == {
        "rtl-small-8", "rtl-small-16", "rtl-paper-8", "rtl-paper-16", "rtl-small-8-streamed",
        "rtl-small-16-streamed", "rtl-small-8-hybrid", "rtl-small-16-hybrid", "rtl-vx690t",
        "rtl-zcu104", "rtl-kv260", "rtl-pynqz2", "rtl-small-8-seu", "rtl-small-8-seu-parity",
        "rtl-small-8-hybrid-kv", "rtl-small-8-hybrid-ff", "rtl-small-16-seu",
        "rtl-small-8-hybrid-seu", "rtl-small-8-hybrid-kv-scrub", "rtl-kv260-seu",
        "rtl-small-8-hybrid-pk"}
    assert {n: SPEC[n].placement for n in ("rtl-vx690t", "rtl-zcu104", "rtl-kv260",
                                           "rtl-pynqz2")} == {
        "rtl-vx690t": "resident", "rtl-zcu104": "hybrid", "rtl-kv260": "hybrid",
        "rtl-pynqz2": "hybrid"}
    assert {"vx690t", "vx690t-streamed", "vx690t-bus512", "zcu104", "kv260",
            "pynqz2"} <= set(SPEC.of_backend("hls"))
    hls = SPEC["vx690t"]
    assert (hls.out_lanes, hls.node_rows, hls.weights_per_word) == (256, 4, 2)
    assert hls.hls_macros()["SM_ARRAY_COLS"] == hls.out_lanes
    assert hls.hls_macros()["SM_ARRAY_ROWS"] == hls.node_rows
    rtl = SPEC["rtl-paper-8"]
    assert rtl.rtl_params()["OUT_LANES"] == rtl.out_lanes == 256
    # the module's MAX_DATA_WORDS default: OUT_LANES * (WMEM_DEPTH + BMEM_DEPTH)
    assert rtl.max_data_words == rtl.out_lanes * (rtl.wmem_depth + rtl.bmem_depth)
    with pytest.raises(KeyError, match="unknown build"):
        SPEC["nope"]


_VALID = """format: spacemimo builds v1
default: a
rtl_default: r
builds:
  a: {backend: hls, doc: x, out_lanes: 8, node_rows: 4, drain_cols: 8, data_bits: 8,
      acc_bits: 32, max_rows: 8, max_cols: 64, num_buffers: 4, max_ops: 8,
      max_data_words: 1024, weight_placement: hybrid, weight_depth: 64, bias_words: 64,
      stream_k: 8, bus_bits: 64, axi_latency: 1, pipe_depth: 1, op_overhead: 1,
      start_overhead: 1}
  r: {backend: rtl, doc: y, out_lanes: 8, node_rows: 4, data_bits: 8, acc_bits: 32,
      max_rows: 8, max_cols: 64, num_buffers: 4, max_ops: 8, wmem_depth: 64, bmem_depth: 8,
      watchdog: 64, fabric_mul_lanes: 0, norm_cols: 0, bus_bits: 64, wgt_ports: 0,
      wgt_bits: 64, wgt_bufs: 2, dsp_pack: 0}
"""


@pytest.mark.parametrize("change, message", [
    (("out_lanes: 8, node_rows: 4, drain", "out_lanes: 12, node_rows: 4, drain"),
     "power of two"),
    (("doc: y,", "doc: y, stream_k: 4,"), "do not apply to a rtl build"),
    (("doc: x,", "doc: x, lanes: 3,"), "unknown keys"),
    (("doc: x,", "doc: x, base: a,"), "base cycle"),
    (("weight_placement: hybrid", "weight_placement: cached"), "weight_placement"),
    (("default: a", "default: r"), "default must name an HLS build"),
    (("wmem_depth: 64, bmem", "wmem_depth: 0, bmem"), "needs wgt_ports"),
    (("wgt_bits: 64", "wgt_bits: 32"), "wgt_bits"),
    (("wgt_ports: 0", "wgt_ports: 7"), "wgt_ports"),
    (("wgt_bufs: 2", "wgt_bufs: 9"), "wgt_bufs"),
    (("wmem_depth: 64, bmem_depth: 8,", "wmem_depth: 63, bmem_depth: 8, wmem_pack_rows: 32,"),
     "wmem_pack_rows store two 32-bit words per 72-bit row: wmem_depth must be even"),
    (("dsp_pack: 0}", "dsp_pack: 0, wmem_pack_rows: 16, seu_weights: secded}"),
     "wmem_pack_rows 16"),
    (("dsp_pack: 0}", "dsp_pack: 0, table_elems: 768}"), "table_elems 768: a power of two"),
    (("dsp_pack: 0}", "dsp_pack: 0, table_elems: 1024}"), "below max_rows x max_cols 512"),
    (("stream_k: 8,", "stream_k: 8, table_elems: 1024,"), "table_elems is an RTL knob"),
    (("dsp_pack: 0}", "dsp_pack: 3}"), "dsp_pack 3 must be 0, 1 or 2"),
    (("fabric_mul_lanes: 0, norm_cols: 0, bus_bits: 64, wgt_ports: 0,\n      wgt_bits: 64, "
      "wgt_bufs: 2, dsp_pack: 0}", "fabric_mul_lanes: 2, norm_cols: 0, bus_bits: 64, "
      "wgt_ports: 0,\n      wgt_bits: 64, wgt_bufs: 2, dsp_pack: 2}"), "needs fabric_mul_lanes 0"),
])
def test_bad_builds_are_rejected(change: tuple[str, str], message: str) -> None:
    assert builds.parse(_VALID)["r"].max_data_words == 8 * (64 + 8)
    with pytest.raises(ValueError, match=message):
        builds.parse(_VALID.replace(*change, 1))


def test_hardware_limits_come_from_the_spec() -> None:
    assert HardwareLimits() == HardwareLimits.from_build(SPEC.default)
    lim = HardwareLimits.from_build("rtl-small-8")
    assert (lim.max_rows, lim.max_cols, lim.num_buffers, lim.max_ops, lim.data_bits,
            lim.acc_bits, lim.bus_bytes) == (32, 256, 4, 32, 8, 32, 8)
    small = SPEC["rtl-small-8"]
    assert lim.max_weight_words == small.out_lanes * (small.wmem_depth + small.bmem_depth)


def test_perfmodel_and_cosim_read_the_spec() -> None:
    for name, b in SPEC.of_backend("hls").items():
        cfg = PRESETS[name]
        assert cfg == ArrayConfig.from_build(b)
        assert (cfg.array_rows, cfg.array_cols, cfg.data_bits, cfg.bus_width) == (
            b.node_rows, b.out_lanes, b.data_bits, b.bus_bits)
    for bits in (8, 16):
        assert cosim.SMALL[bits] == SPEC[f"rtl-small-{bits}"].rtl_params()
        assert cosim.PAPER[bits] == SPEC[f"rtl-paper-{bits}"].rtl_params()
        assert cosim.SMALL[bits]["DATA_W"] == cosim.PAPER[bits]["DATA_W"] == bits
    assert cosim.SMALL[16]["NORM_COLS"] == 0  # 0 = Q columns per cycle, passed explicitly


def _module_parameters() -> dict[str, str]:
    """spacemimo_accel's parameters and their default expressions."""
    text = (REPO / "rtl" / "spacemimo_accel.v").read_text()
    header = text[text.index("module spacemimo_accel #("):text.index(")(\n")]
    return dict(re.findall(r"parameter\s+(\w+)\s*=\s*([^,/\n]+?)\s*(?:,|//|\n)", header))


def test_rtl_parameters_and_defaults_match_the_spec() -> None:
    params = _module_parameters()
    generated = {name for name, default in params.items() if default.startswith("`SM_")}
    for b in SPEC.of_backend("rtl").values():
        assert set(b.rtl_params()) <= set(params), "an RTL parameter was renamed"
        # a build that left one out would run with the rtl_default build's value
        left = generated - set(b.rtl_params())
        assert not left, f"{b.name} leaves {left} to the module default"
    defines = dict(re.findall(r"^`define SM_(\w+) (\d+)$",
                              (REPO / "rtl" / "accel_params.vh").read_text(), re.M))
    rtl_default = SPEC[SPEC.rtl_default]
    for name, value in rtl_default.rtl_params().items():
        assert params[name] == f"`SM_{name}" and int(defines[name]) == value


def test_hw_config_decode_round_trips() -> None:
    from spacemimo.board.driver import limits_from_hw_config

    for b in SPEC.builds.values():
        fields = {"MAX_ROWS": b.max_rows, "MAX_COLS_DIV64": b.max_cols // 64,
                  "NUM_BUFFERS": b.num_buffers,
                  "LOG2_OUT_LANES": b.out_lanes.bit_length() - 1,
                  "LOG2_NODE_ROWS": b.node_rows.bit_length() - 1,
                  "DATA_16": int(b.data_bits == 16),
                  "TABLE_SIZE": b.table_elems.bit_length() - 10 if b.table_elems else 0}
        word = MAP.encode("HW_CONFIG", **fields)
        assert MAP.decode("HW_CONFIG", word) == fields
        lim, bits = limits_from_hw_config(word, MAP)
        assert (lim.max_rows, lim.max_cols, lim.num_buffers, bits) == (
            b.max_rows, b.max_cols, b.num_buffers, b.data_bits)
        # the table bound and its layout tile: what the driver checks equals the spec's
        assert (lim.table_elems, lim.node_rows, lim.out_lanes) == (
            b.table_elems, b.node_rows, b.out_lanes)


def test_rtl_hw_config_uses_the_regmap_positions() -> None:
    """The RTL concatenates HW_CONFIG from HC_* localparams (MSB first); each field must land
    on the register map's bits with the axis its name says (P = out lanes, C = node rows)."""
    text = (REPO / "rtl" / "spacemimo_accel.v").read_text()
    widths = {n: int(w) + 1 for w, n in re.findall(r"localparam \[(\d+):0\] (HC_\w+) =", text)}
    assert re.search(r"localparam \[3:0\] HC_LP = \$clog2\(P\);", text)
    assert re.search(r"localparam \[3:0\] HC_LC = \$clog2\(C\);", text)
    assert re.search(r"localparam P\s+= OUT_LANES;", text)
    assert re.search(r"localparam C\s+= NODE_ROWS;", text)
    concat = re.search(r"HW_CONFIG = \{([^}]*)\};", text).group(1)
    parts = [p.strip() for p in concat.split(",")]
    bit, pos = 32, {}
    for p in parts:
        w = int(p.split("'")[0]) if "'" in p else widths[p]
        bit -= w
        pos[p] = (bit, w)
    names = {"HC_MR": "MAX_ROWS", "HC_MC": "MAX_COLS_DIV64", "HC_NB": "NUM_BUFFERS",
             "HC_LP": "LOG2_OUT_LANES", "HC_LC": "LOG2_NODE_ROWS", "HC_16": "DATA_16",
             "HC_TS": "TABLE_SIZE"}
    fields = {f.name: (f.bit, f.width) for f in MAP["HW_CONFIG"].fields}
    assert {names[k]: v for k, v in pos.items() if k in names} == fields


def test_hls_hw_config_uses_the_regmap_positions(tmp_path: Path) -> None:
    """The HLS kernel's hw_config_value() for a build whose axes differ (8 lanes x 4 nodes)
    equals the register map's encoding of the same fields: a compile-time check with g++."""
    from spacemimo.hw.csim import missing_tools

    why = missing_tools()
    if why:
        pytest.skip(why)
    import hls4ml

    ap_types = Path(hls4ml.__file__).parent / "templates" / "vivado" / "ap_types"
    b = SPEC["rtl-small-8"]
    expected = MAP.encode("HW_CONFIG", MAX_ROWS=b.max_rows, MAX_COLS_DIV64=b.max_cols // 64,
                          NUM_BUFFERS=b.num_buffers, LOG2_OUT_LANES=3, LOG2_NODE_ROWS=2,
                          DATA_16=0)
    src = tmp_path / "hw_config.cpp"
    src.write_text('#include "spacemimo_accel.h"\n'
                   f"static_assert(smacc::hw_config_value() == 0x{expected:08X}u, "
                   '"HW_CONFIG layout differs from the register map");\n')
    flags = [f"-DSM_ARRAY_COLS={b.out_lanes}", f"-DSM_ARRAY_ROWS={b.node_rows}",
             "-DSM_DRAIN_COLS=8", "-DSM_DATA_BITS=8", "-DSM_ACC_BITS=32",
             f"-DSM_MAX_ROWS={b.max_rows}", f"-DSM_MAX_COLS={b.max_cols}"]
    run = subprocess.run(["g++", "-std=c++14", "-fsyntax-only", *flags,
                          f"-I{REPO / 'hls' / 'src'}", f"-I{ap_types}", str(src)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


def test_spec_is_ground_level() -> None:
    """spacemimo.spec imports nothing of ours but spacemimo.ground (quant/ reads it), and the
    ground does not import it back."""
    import ast

    def imports(folder: Path) -> set[str]:
        names: set[str] = set()
        for path in folder.glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    names.add(node.module)
                elif isinstance(node, ast.Import):
                    names.update(a.name for a in node.names)
        return {n for n in names if n.startswith("spacemimo")}

    spec = imports(REPO / "spacemimo" / "spec")
    assert all(n.startswith(("spacemimo.spec", "spacemimo.ground")) for n in spec), spec
    assert not {n for n in imports(REPO / "spacemimo" / "ground") if "spec" in n}


def test_seu_fields_map_to_rtl_parameters() -> None:
    """seu_weights / seu_acts / seu_ctrl / scrub: none everywhere but the SEU builds, the
    RTL parameters SEU_W / SEU_A / SEU_C / SCRUB by their HW_PROTECT numbers, and the
    combinations the RTL cannot build rejected in one line."""
    off = {"SEU_W": 0, "SEU_A": 0, "SEU_C": 0, "SCRUB": 0}
    # builds that store their resident weights as 72-bit SECDED rows of two words (rtl-kv260-seu:
    # two words per UltraRAM row) and protect nothing else
    # (rtl-kv260-seu and its small copy rtl-small-8-hybrid-kv-scrub also scrub the packed store;
    # rtl-kv260 and rtl-small-8-hybrid-pk pack the same rows without the code)
    secded_rows = {"rtl-small-8-hybrid-kv", "rtl-small-8-hybrid-kv-scrub"}
    scrubbed = {"rtl-small-8-hybrid-kv-scrub"}
    for name, b in SPEC.builds.items():
        if "seu" not in name:
            weights = "secded" if name in secded_rows else "none"
            assert (b.seu_weights, b.seu_acts, b.seu_ctrl, b.scrub) == (
                weights, "none", "none", name in scrubbed)
            if b.backend == "rtl":
                assert {k: b.rtl_params()[k] for k in off} == dict(
                    off, SEU_W=2 if name in secded_rows else 0, SCRUB=int(name in scrubbed))
    kv, kvs = SPEC["rtl-kv260"].rtl_params(), SPEC["rtl-kv260-seu"].rtl_params()
    assert (kv["SEU_W"], kv["SCRUB"], kvs["SEU_W"], kvs["SCRUB"]) == (0, 0, 2, 1)
    assert {k: v for k, v in kvs.items() if k not in ("SEU_W", "SCRUB")} == {
        k: v for k, v in kv.items() if k not in ("SEU_W", "SCRUB")}
    seu = SPEC["rtl-small-8-seu"].rtl_params()
    assert {k: seu[k] for k in off} == {"SEU_W": 2, "SEU_A": 2, "SEU_C": 1, "SCRUB": 1}
    assert SPEC["rtl-small-8-seu-parity"].rtl_params()["SEU_A"] == 1
    base = SPEC["rtl-small-8"]
    with pytest.raises(ValueError, match="seu_acts 'ecc' not in"):
        base.with_(seu_acts="ecc")
    with pytest.raises(ValueError, match="scrub needs seu_weights secded"):
        base.with_(scrub=True)
    with pytest.raises(ValueError, match="wmem_depth must be even"):
        base.with_(seu_weights="secded", wmem_depth=511)


def test_packed_resident_store_fits_its_memories() -> None:
    """wmem_pack_rows: the banks' 72-bit rows back to back over shared memories; rtl-kv260
    packs 64 x 3,648 rows into 57 UltraRAM288 (89 % of the XCK26's 64: the 90 % margin),
    enough for paper GSM's first 6 DENSE ops (7,200 words per bank)."""
    kv = SPEC["rtl-kv260"]
    assert kv.wmem_pack_rows == 4096 and kv.wmem_memories == 57
    assert kv.wmem_memories * kv.wmem_pack_rows >= kv.out_lanes * kv.wmem_depth // 2
    assert kv.wmem_memories / 64 <= 0.90
    assert kv.rtl_params()["WMEM_PACK_ROWS"] == 4096
    assert SPEC["rtl-kv260-seu"].wmem_memories == 57   # the same rows, SECDED-coded
    small = SPEC["rtl-small-8-hybrid-kv"]
    rows = small.wmem_depth // 2
    assert small.wmem_memories == 6 and rows % small.wmem_pack_rows  # banks straddle
    assert SPEC["rtl-small-8-hybrid-pk"].wmem_memories == 5   # packed without the code
    # rtl-zcu104: 128 banks x 2,752 uncoded rows over 86 URAM288 (89.6 % of the XCZU7EV's 96)
    zcu = SPEC["rtl-zcu104"]
    assert zcu.wmem_memories == 86 and zcu.seu_weights == "none" and zcu.wmem_memories / 96 <= 0.90


def test_bank_rows_follows_the_rtl_word_pair_rule() -> None:
    """``builds.bank_rows`` is the Python side of the RTL's ``SW`` (rows of two words where
    SECDED or packed): the resource count and the SEU campaign both size banks with it."""
    rtl = (cosim.RTL / "spacemimo_accel.v").read_text()
    assert re.search(r"localparam SWE\s*=\s*\(SEU_W == 2\) && \(WMEM_DEPTH > 0\);", rtl)
    assert re.search(r"localparam SW\s*=\s*SWE \|\| \(\(WMEM_PACK_ROWS > 0\) && "
                     r"\(WMEM_DEPTH > 0\)\);", rtl)
    assert builds.bank_rows({"WMEM_DEPTH": 8192}) == 8192
    assert builds.bank_rows({"WMEM_DEPTH": 8192, "SEU_W": 1}) == 8192
    assert builds.bank_rows({"WMEM_DEPTH": 8192, "SEU_W": 2}) == 4096
    assert builds.bank_rows({"WMEM_DEPTH": 7296, "WMEM_PACK_ROWS": 4096}) == 3648
    assert builds.bank_rows({"WMEM_DEPTH": 0, "WMEM_PACK_ROWS": 4096}) == 0
    for name, b in SPEC.builds.items():
        params = b.rtl_params() if b.backend == "rtl" else {}
        if params.get("WMEM_PACK_ROWS", 0):
            assert builds.bank_rows(params) * 2 == params["WMEM_DEPTH"], name
