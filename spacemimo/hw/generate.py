"""Every generated copy of the hardware contract, written by ``spacemimo gen``.

The sources are ``spacemimo/spec/regmap.yaml`` (registers), ``spacemimo/spec/builds.yaml``
(array configurations) and the program-format tables of ``spacemimo.quant.program``. From
them come the HLS headers (regmap.h, program_format.h, accel_defaults.h), the RTL headers
(regmap.vh, program_format.vh, accel_params.vh), the export Tcl (ip_vlnv.tcl) and the docs
(board/REGISTERS.md, docs/BUILDS.md), and from ``spacemimo/spec/ecc.py`` the memory codes
(rtl/sm_ecc.vh, hls/src/sm_ecc.h; ``spacemimo.hw.ecc_headers``). ``stale`` lists the copies
that differ from what this module makes; ``tests/test_spec.py`` and ``spacemimo gen --check``
fail on any.
"""

from __future__ import annotations

from pathlib import Path

from spacemimo.hw import ecc_headers
from spacemimo.quant import program as pf
from spacemimo.quant.program import HardwareLimits
from spacemimo.spec import builds as spec_builds
from spacemimo.spec import regmap as spec_regmap
from spacemimo.spec.builds import BuildConfig, BuildSet
from spacemimo.spec.regmap import RegisterMap

REGMAP_NOTE = "generated from spacemimo/spec/regmap.yaml by `spacemimo gen` — do not edit"
FORMAT_NOTE = "generated from quant/program.py by `spacemimo gen` — do not edit"
BUILDS_NOTE = "generated from spacemimo/spec/builds.yaml by `spacemimo gen` — do not edit"

# --------------------------------------------------------------------------- register map


def regmap_c_header(regmap: RegisterMap) -> str:
    """``hls/src/regmap.h``: offsets for the HLS INTERFACE pragmas and the C-sim driver."""
    lines = [f"// {REGMAP_NOTE}", "#ifndef SPACEMIMO_REGMAP_H", "#define SPACEMIMO_REGMAP_H",
             "", "namespace regmap {", "",
             f"constexpr unsigned VERSION = {regmap.version};",
             f"constexpr unsigned HW_ID_VALUE = 0x{regmap.hw_id:08X}u;",
             f"constexpr unsigned ADDR_WIDTH = {regmap.addr_width};", ""]
    for reg in regmap.registers:
        lines.append(f"constexpr unsigned {reg.name} = 0x{reg.offset:02X};  // {reg.doc}")
        if reg.reset:
            lines.append(f"constexpr unsigned {reg.name}_RESET = {reg.reset}u;")
        for f in reg.fields:
            lines.append(f"constexpr unsigned {reg.name}_{f.name}_BIT = {f.bit};")
            if f.width > 1:
                lines.append(f"constexpr unsigned {reg.name}_{f.name}_WIDTH = {f.width};")
    lines += ["", "}  // namespace regmap", "", "#endif  // SPACEMIMO_REGMAP_H", ""]
    return "\n".join(lines)


def regmap_verilog_header(regmap: RegisterMap) -> str:
    """``rtl/regmap.vh``: localparams for the AXI4-Lite slave (include inside a module)."""
    lines = [f"// {REGMAP_NOTE}",
             f"localparam integer REGMAP_VERSION = {regmap.version};",
             f"localparam [31:0] REGMAP_HW_ID = 32'h{regmap.hw_id:08X};",
             f"localparam integer REGMAP_ADDR_W = {regmap.addr_width};"]
    for reg in regmap.registers:
        lines.append(f"localparam [{regmap.addr_width - 1}:0] REG_{reg.name} = "
                     f"{regmap.addr_width}'h{reg.offset:02X};  // {reg.doc}")
        if reg.reset:
            lines.append(f"localparam [{regmap.data_width - 1}:0] REG_{reg.name}_RESET = "
                         f"{regmap.data_width}'d{reg.reset};")
        for f in reg.fields:
            lines.append(f"localparam integer REG_{reg.name}_{f.name} = {f.bit};")
            if f.width > 1:
                lines.append(f"localparam integer REG_{reg.name}_{f.name}_W = {f.width};")
    return "\n".join(lines) + "\n"


def regmap_markdown(regmap: RegisterMap) -> str:
    """The register table for the docs (board/REGISTERS.md)."""
    lines = [f"<!-- {REGMAP_NOTE} -->", f"# {regmap.name} registers (map v{regmap.version})",
             "", f"IP VLNV `{regmap.ip.vlnv}`; HW_ID reads `0x{regmap.hw_id:08X}`. The builds "
             "behind HW_CONFIG: [docs/BUILDS.md](../docs/BUILDS.md).",
             "", "| offset | name | access | meaning |", "|---|---|---|---|"]
    for reg in regmap.registers:
        reset = f" (reset {reg.reset})" if reg.reset else ""
        lines.append(f"| 0x{reg.offset:02X} | {reg.name} | {reg.access} | {reg.doc}{reset} |")
        for f in reg.fields:
            span = (f"bit {f.bit}" if f.width == 1
                    else f"bits {f.bit + f.width - 1}:{f.bit}")
            lines.append(f"| | .{f.name} ({span}) | {f.access} | {f.doc} |")
    return "\n".join(lines) + "\n"


def vlnv_tcl(regmap: RegisterMap) -> str:
    """``hls/tcl/ip_vlnv.tcl``: the IP identity for ``config_export`` (run_hls.tcl sources it),
    so the exported IP carries the VLNV the PYNQ driver binds to."""
    ip = regmap.ip
    return "\n".join([f"# {REGMAP_NOTE}",
                      f"# The packaged IP's VLNV: {ip.vlnv} (PYNQ's bindto matches it).",
                      f"set ip_vendor  {ip.vendor}", f"set ip_library {ip.library}",
                      f"set ip_name    {ip.name}", f"set ip_version {ip.version}", ""])


# --------------------------------------------------------------------------- program format


def _format_tables(lim: HardwareLimits) -> list[tuple[str, list[tuple[str, int, str]]]]:
    """(section, [(NAME, value, comment)]) shared by both program-format headers; ``lim`` are
    the default build's limits (the DEFAULT_* rows)."""
    consts = [
        ("PROGRAM_MAGIC", pf.MAGIC, '"SMPG" in memory order'),
        ("PROGRAM_VERSION", pf.FORMAT_VERSION, "format version this build reads"),
        ("HEADER_WORDS", pf.HEADER_WORDS, "32-bit words in the header"),
        ("OP_WORDS", pf.OP_WORDS, "32-bit words per op record"),
        ("NO_BIAS", pf.NO_BIAS, "b_off value of a DENSE without bias"),
        ("MAX_SEGMENTS", pf.MAX_SEGMENTS, "DENSE input segments per op"),
        ("SEG_ALIGN_BITS", pf.SEG_ALIGN_BITS, "bits per segment field of seg_align"),
        ("SEG_ALIGN_MAX", pf.SEG_ALIGN_MAX, "largest segment alignment (8-bit programs)"),
        ("SEG_ALIGN_MAX_16", pf.SEG_ALIGN_MAX_16, "largest segment alignment of 16-bit "
                                                  "programs"),
        ("WIDE_BIAS_ABOVE", pf.WIDE_BIAS_ABOVE, "acc_bits above this: int64 biases (2 words)"),
        ("SHIFT_MIN", pf.SHIFT_MIN, "smallest requantization shift (left shift by 31)"),
        ("SHIFT_MAX", pf.SHIFT_MAX, "largest requantization shift"),
        ("ACC_BITS_MAX_8", pf.ACC_BITS_MAX[8], "widest accumulator of an 8-bit program"),
        ("ACC_BITS_MAX_16", pf.ACC_BITS_MAX[16], "widest accumulator of a 16-bit program"),
        ("FLAG_AGG_MODE_SHIFT", pf.FLAG_AGG_MODE_SHIFT, "AGG_MODE = (flags & FLAG_AGG_MODE) "
                                                        ">> FLAG_AGG_MODE_SHIFT"),
        ("FLAGS_DEFINED", pf.FLAGS_DEFINED, "other flag bits must be 0"),
        ("DEFAULT_MAX_ROWS", lim.max_rows, "HardwareLimits() default"),
        ("DEFAULT_MAX_COLS", lim.max_cols, "HardwareLimits() default"),
        ("DEFAULT_NUM_BUFFERS", lim.num_buffers, "HardwareLimits() default"),
        ("DEFAULT_MAX_WEIGHT_WORDS", lim.max_weight_words, "HardwareLimits() default"),
    ]
    return [
        ("constants", consts),
        ("opcodes", [(f"OP_{k}", v, "") for k, v in pf.OPCODES.items()]),
        ("flag bit masks", [(f"FLAG_{k}", v, "") for k, v in pf.FLAGS.items()]),
        ("AGG_MODE values", [(f"AGG_{k}", v, "") for k, v in pf.AGG_MODES.items()]),
        ("header word indices", [(f"HDR_{k.upper()}", v, "") for k, v in
                                 pf.HEADER_FIELDS.items()]),
        ("op record word indices", [(f"OPW_{k.upper()}", v, "") for k, v in
                                    pf.OP_FIELDS.items()]
         + [(f"OPW_{k.upper()}", v, "DENSE") for k, v in pf.DENSE_OP_FIELDS.items()]),
        ("op words that must be 0, bit i = word i", [
            (f"OP_UNUSED_MASK_{k}", pf.unused_op_mask(k), "") for k in pf.OPCODES]),
        ("error codes (STATUS register)", [(f"ERR_{k}", v, "") for k, v in
                                           pf.ERROR_CODES.items()]),
    ]


def program_format_c_header(lim: HardwareLimits | None = None) -> str:
    """``hls/src/program_format.h``: the word layout of ``spacemimo.quant.program``."""
    lines = [f"// {FORMAT_NOTE}", "// Meaning of every field: quant/PROGRAM.md.",
             "#ifndef SPACEMIMO_PROGRAM_FORMAT_H", "#define SPACEMIMO_PROGRAM_FORMAT_H", "",
             "#include <cstdint>", "", "namespace program_format {", ""]
    for section, rows in _format_tables(lim or HardwareLimits()):
        lines.append(f"// {section}")
        for name, value, comment in rows:
            if value < 0:
                decl = f"constexpr int32_t {name} = {value};"
            elif value > 0xFFFF:
                decl = f"constexpr uint32_t {name} = 0x{value:08X}u;"
            else:
                decl = f"constexpr uint32_t {name} = {value}u;"
            lines.append(decl + (f"  // {comment}" if comment else ""))
        lines.append("")
    lines += ["}  // namespace program_format", "", "#endif  // SPACEMIMO_PROGRAM_FORMAT_H", ""]
    return "\n".join(lines)


def program_format_verilog_header(lim: HardwareLimits | None = None) -> str:
    """``rtl/program_format.vh``: the same tables as PF_ localparams."""
    lines = [f"// {FORMAT_NOTE}", "// Meaning of every field: quant/PROGRAM.md.",
             "// Include inside a module (localparams); names are prefixed PF_.", ""]
    for section, rows in _format_tables(lim or HardwareLimits()):
        lines.append(f"// {section}")
        for name, value, comment in rows:
            if value < 0:
                decl = f"localparam integer PF_{name} = {value};"
            else:
                decl = f"localparam [31:0] PF_{name} = 32'h{value:08X};"
            lines.append(decl + (f"  // {comment}" if comment else ""))
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- builds

_HLS_COMMENTS = {
    "SM_ARRAY_ROWS": "node_rows: graph nodes per tile",
    "SM_ARRAY_COLS": "out_lanes: output neurons per tile = weight banks read per cycle",
    "SM_DRAIN_COLS": "activation-buffer column banks: outputs drained per cycle",
    "SM_DATA_BITS": "widest program the build accepts (8 or 16); buffers hold +1 bit",
    "SM_ACC_BITS": "accumulator bits; programs declaring more are rejected",
    "SM_MAX_ROWS": "table rows per activation buffer",
    "SM_MAX_COLS": "table columns per activation buffer",
    "SM_NUM_BUFFERS": "activation buffers",
    "SM_MAX_OPS": "op records the loader holds",
    "SM_WEIGHT_MODE": "0 streamed, 1 resident, 2 hybrid (accel_config.h)",
    "SM_WEIGHT_DEPTH": "resident weight words per bank",
    "SM_BIAS_WORDS": "biases kept on chip (entries of SM_ACC_BITS; always resident)",
    "SM_STREAM_K": "inputs per streamed weight chunk (ping-pong tile = 2 x this per bank)",
    "SM_BUS_WIDTH": "m_axi data width in bits",
    "SM_MAX_DATA_WORDS": "data segment bound in 32-bit words (HardwareLimits.max_weight_words)",
    "SM_AXI_LATENCY": "cycle model: m_axi read request to its first beat",
    "SM_PIPE_DEPTH": "cycle model: BRAM read + multiply + accumulate + requantize stages",
    "SM_OP_OVERHEAD": "cycle model: FSM fetch and decode of one op record",
    "SM_START_OVERHEAD": "cycle model: ap_start handshake and register reads",
    "SM_SEU_W": "seu_weights: 0 none, 2 SECDED weight rows (64+8) and biases (seu_protect.h)",
    "SM_SEU_A": "seu_acts: activation buffers 0 none, 1 parity, 2 SECDED per value",
    "SM_SEU_C": "seu_ctrl: 0 none, 1 interleaved parity on op records and header fields",
    "SM_SCRUB": "scrub: 1 scrub resident weight/bias rows between vectors (SCRUB_PERIOD)",
}


def accel_defaults_header(bs: BuildSet) -> str:
    """``hls/src/accel_defaults.h``: the default build's knobs as -D overridable macros."""
    b = bs[bs.default]
    lines = [f"// {BUILDS_NOTE}",
             f"// The HLS kernel's default build, {b.name}: {b.doc}",
             "// Any macro can be overridden with -D (hls/Makefile CFG=...; perfmodel's",
             "// ArrayConfig.cflags() gives the flags of a named build). accel_config.h uses them.",
             "#ifndef SPACEMIMO_ACCEL_DEFAULTS_H", "#define SPACEMIMO_ACCEL_DEFAULTS_H", ""]
    for macro, value in b.hls_macros().items():
        lines += [f"#ifndef {macro}", f"#define {macro} {value}  // {_HLS_COMMENTS[macro]}",
                  "#endif"]
    lines += ["", "#endif  // SPACEMIMO_ACCEL_DEFAULTS_H", ""]
    return "\n".join(lines)


def rtl_params_header(bs: BuildSet) -> str:
    """``rtl/accel_params.vh``: spacemimo_accel's parameter defaults (the RTL default build).

    Macros, not localparams: parameter defaults are evaluated before a module body, so the
    file is included ahead of the module header."""
    b = bs[bs.rtl_default]
    params = b.rtl_params()
    lines = [f"// {BUILDS_NOTE}",
             f"// spacemimo_accel's parameter defaults: build {b.name}. cosim and yosys pass",
             "// every build's own values (BuildConfig.rtl_params); axis names as in the spec:",
             "// OUT_LANES = out_lanes (P), NODE_ROWS = node_rows (C).",
             "`ifndef SPACEMIMO_ACCEL_PARAMS_VH", "`define SPACEMIMO_ACCEL_PARAMS_VH"]
    lines += [f"`define SM_{name} {value}" for name, value in params.items()]
    lines += ["`endif", ""]
    return "\n".join(lines)


_BUILD_COLUMNS = (
    ("out_lanes", "out lanes"), ("node_rows", "node rows"), ("weights_per_word", "w/word"),
    ("data_bits", "data"), ("acc_bits", "acc"), ("max_rows", "max rows"),
    ("max_cols", "max cols"), ("num_buffers", "bufs"), ("max_ops", "ops"),
    ("max_data_words", "data words"), ("bus_bits", "bus"), ("clock_mhz", "MHz"),
)
_HLS_COLUMNS = (("drain_cols", "drain cols"), ("weight_placement", "weights"),
                ("weight_depth", "depth"), ("bias_words", "bias words"),
                ("stream_k", "stream k"))
_RTL_COLUMNS = (("table_elems", "table elems"), ("wmem_depth", "wmem depth"),
                ("bmem_depth", "bmem depth"),
                ("watchdog", "watchdog"), ("fabric_mul_lanes", "LUT-mul lanes"),
                ("norm_cols", "NORM cols"), ("placement", "weights"),
                ("wgt_ports", "wgt ports"), ("wgt_bits", "wgt bits"),
                ("wgt_bufs", "wgt slots"), ("wgt_fit", "resident fit"),
                ("dsp_pack", "DSP pack"), ("seu_weights", "SEU weights"),
                ("seu_acts", "SEU acts"), ("seu_ctrl", "SEU ctrl"), ("scrub", "scrub"))


def _cell(b: BuildConfig, key: str) -> str:
    v = getattr(b, key)
    if v is None:
        return "-"
    if key == "norm_cols" and v == 0:
        return "Q"
    if key == "table_elems" and v == 0:
        return "rows x cols"
    if isinstance(v, float):
        return f"{v:g}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _build_table(builds: dict[str, BuildConfig], extra: tuple[tuple[str, str], ...]) -> list[str]:
    cols = _BUILD_COLUMNS + extra
    lines = ["| build | " + " | ".join(h for _, h in cols) + " |",
             "|---|" + "---:|" * len(cols)]
    for name, b in builds.items():
        lines.append(f"| {name} | " + " | ".join(_cell(b, k) for k, _ in cols) + " |")
    return lines


def builds_markdown(bs: BuildSet) -> str:
    """``docs/BUILDS.md``: every named build, its axes and memories, and where each is used."""
    hls, rtl = bs.of_backend("hls"), bs.of_backend("rtl")
    lines = [f"<!-- {BUILDS_NOTE} -->", "# Accelerator builds", "",
             "Every array configuration of the project, from `spacemimo/spec/builds.yaml`. "
             "`out_lanes` = output neurons per tile (weight banks; HLS `SM_ARRAY_COLS`, RTL "
             "`OUT_LANES`), `node_rows` = graph nodes per tile (HLS `SM_ARRAY_ROWS`, RTL "
             "`NODE_ROWS`); HW_CONFIG reports their log2 as LOG2_OUT_LANES / LOG2_NODE_ROWS "
             "([board/REGISTERS.md](../board/REGISTERS.md)). `w/word` = weights per packed "
             "32-bit word; `data words` bounds a program's data segment "
             "(`HardwareLimits.max_weight_words`).", "",
             f"## HLS kernel (hls/src; default `{bs.default}` = `hls/src/accel_defaults.h`, "
             "`HardwareLimits()`; the others are `spacemimo perf --preset` names)", ""]
    lines += _build_table(hls, _HLS_COLUMNS)
    lines += [""] + [f"- `{n}`: {b.doc}" for n, b in hls.items()]
    lines += ["", f"## Hand-written RTL (rtl/; module defaults `{bs.rtl_default}` = "
              "`rtl/accel_params.vh`; cosim SMALL / PAPER)", "",
              "`table elems` = elements one activation buffer holds (HW_CONFIG.TABLE_SIZE; "
              "`rows x cols`: the max rows x max cols rectangle): a table of R rows x W "
              "columns takes ceil(R / node rows) x node rows rows times the next power of two "
              ">= ceil(W / out lanes) column blocks x out lanes columns "
              "([rtl/README.md](../rtl/README.md) \"Activation buffers\").", ""]
    lines += _build_table(rtl, _RTL_COLUMNS)
    lines += [""] + [f"- `{n}`: {b.doc}" for n, b in rtl.items()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- files


def generated_files(root: Path) -> dict[Path, str]:
    """Every generated copy, by path relative to the repository root ``root`` (the spec is
    read from ``root``'s spacemimo/spec/, so a scratch checkout checks its own copies)."""
    spec = Path(root) / "spacemimo" / "spec"
    regmap = spec_regmap.load(spec / "regmap.yaml")
    bs = spec_builds.load(spec / "builds.yaml")
    limits = HardwareLimits.from_build(bs[bs.default])
    return {
        Path("hls/src/regmap.h"): regmap_c_header(regmap),
        Path("rtl/regmap.vh"): regmap_verilog_header(regmap),
        Path("board/REGISTERS.md"): regmap_markdown(regmap),
        Path("hls/tcl/ip_vlnv.tcl"): vlnv_tcl(regmap),
        Path("hls/src/program_format.h"): program_format_c_header(limits),
        Path("rtl/program_format.vh"): program_format_verilog_header(limits),
        Path("hls/src/accel_defaults.h"): accel_defaults_header(bs),
        Path("rtl/accel_params.vh"): rtl_params_header(bs),
        Path("docs/BUILDS.md"): builds_markdown(bs),
        Path("rtl/sm_ecc.vh"): ecc_headers.verilog_header(),
        Path("hls/src/sm_ecc.h"): ecc_headers.c_header(),
    }


def stale(root: Path) -> list[Path]:
    """The generated copies under ``root`` that are missing or differ (relative paths)."""
    out = []
    for rel, text in generated_files(root).items():
        path = Path(root) / rel
        if not path.is_file() or path.read_text() != text:
            out.append(rel)
    return out


def write_all(root: Path) -> list[Path]:
    """(Re)write every generated copy under ``root``; returns the paths written."""
    written = []
    for rel, text in generated_files(root).items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
