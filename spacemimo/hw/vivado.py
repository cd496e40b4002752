"""The Vivado flow of the RTL accelerator: IP packaging, a block design per board, bitstream.

The Tcl lives in ``vivado/`` of the source tree (``build.tcl`` runs ``package_ip.tcl`` and
``block_design.tcl``); this module owns what the Tcl must not hard-code: the board table
(part, board-file pattern, processing system, the RTL build of spacemimo/spec/builds.yaml),
the per-board configuration Tcl it writes for one run (the build's RTL parameters, the weight
ports, the register map of spacemimo/spec/regmap.yaml for the IP's address block), tool
discovery, and the parsers of the post-route reports (``report_timing_summary``,
``report_utilization``). The IP's VLNV is not here either: ``package_ip.tcl`` sources the
generated ``hls/tcl/ip_vlnv.tcl``, the file the HLS export and PYNQ's ``bindto`` share.

Why one generated Tcl per run instead of Tcl that reads YAML: Vivado's Tcl has no YAML
parser, and the tests can then check exactly the values Vivado will see.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacemimo.ground import paths
from spacemimo.spec import boards as spec_boards
from spacemimo.spec import builds as spec_builds
from spacemimo.spec import regmap as spec_regmap

VIVADO_MIN = "2023.2"
SKIP_MESSAGE = (f"vivado not found on PATH: install AMD Vivado {VIVADO_MIN} or later (with the "
                f"device support of the board's part) and source its settings64.sh")
# The base name of the overlay files: PYNQ loads <name>.bit with <name>.hwh beside it
# (spacemimo board selftest --bitstream spacemimo_accel.bit), and the IP cell in the block
# design is <name>_0 (overlay.spacemimo_accel_0). The register map's name is the IP's name.
OVERLAY_NAME = spec_regmap.load().name
IP_CELL = f"{OVERLAY_NAME}_0"
BD_NAME = "sm_system"  # not the IP's module name: the BD's own module would collide with it
WGT_MAX_PORTS = 6      # m_axi_wgt0..5 always exist in the RTL (rtl/README.md "Ports")
# VC709: where the JTAG-to-AXI host sees s_axi_control (vivado/jtag_selftest.tcl reads HW_ID
# there); on the Zynq boards PYNQ takes the address from the .hwh
JTAG_CTRL_BASE = 0x44A0_0000


class VivadoError(RuntimeError):
    """A board, build or report the flow cannot use; the message is one line."""


# What the Vivado flow adds to a board of spacemimo/spec/boards.yaml: the processor-system
# kind of block_design.tcl and the board-file pattern (get_board_parts; the newest installed
# version is used). Everything else (part, build, HP ports) is the spec's.
PS_KINDS = {"processing_system7": "ps7", "zynq_ultra_ps_e": "psu", "none": "mig"}
BOARD_FILES = {"pynqz2": "tul.com.tw:pynq-z2:part0:*", "zcu104": "xilinx.com:zcu104:part0:*",
               "kv260": "xilinx.com:kv260_som:part0:*", "vc709": "xilinx.com:vc709:part0:*"}
MIG_PORT_BITS = 512  # the VC709's MIG S_AXI (DDR3 64-bit x burst 8): where every master goes


@dataclass(frozen=True)
class Board:
    """One target board as the flow sees it (from spacemimo/spec/boards.yaml).

    ``ps``: ``ps7`` (Zynq-7000 processing_system7), ``psu`` (Zynq UltraScale+
    zynq_ultra_ps_e) or ``mig`` (no processor: MIG DDR3 + JTAG-to-AXI host, see
    vivado/README.md). ``hp_ports`` / ``hp_max_bits``: the PS's high-performance slave ports
    the weight masters take one each, and their widest data width."""

    name: str
    title: str
    part: str            # the device, e.g. xc7z020clg400-1
    part_name: str       # the part's name in boards.yaml, e.g. xc7z020
    board_part: str      # board-file pattern for get_board_parts
    ps: str
    build: str           # RTL build of spacemimo/spec/builds.yaml
    hp_ports: int
    hp_max_bits: int

    @property
    def pynq(self) -> bool:
        """PYNQ runs on it (the driver and `board selftest` apply): a Zynq."""
        return self.ps != "mig"


def _boards() -> tuple[dict[str, Board], list[str]]:
    """The boards the flow has a block design for, and the names of those it has none for
    (a board added to boards.yaml without a PS kind / board files here: tests fail on it,
    the CLI names it instead of failing at import)."""
    out, unsupported = {}, []
    for name, b in spec_boards.boards().items():
        if b.ps not in PS_KINDS or name not in BOARD_FILES:
            unsupported.append(name)
            continue
        kind = PS_KINDS[b.ps]
        out[name] = Board(name, b.title, b.part.device, b.part.name, BOARD_FILES[name], kind,
                          b.build,
                          hp_ports=b.hp_ports if kind != "mig" else 0,
                          hp_max_bits=b.hp_port_bits if kind != "mig" else MIG_PORT_BITS)
    return out, unsupported


BOARDS, UNSUPPORTED_BOARDS = _boards()


def board(name: str) -> Board:
    """The board called ``name``; a one-line error listing the boards otherwise."""
    if name in UNSUPPORTED_BOARDS:
        raise VivadoError(f"board {name} of spacemimo/spec/boards.yaml has no block design in "
                          f"vivado/ yet (its processing system and board files belong in "
                          f"spacemimo/hw/vivado.py); choose from {', '.join(sorted(BOARDS))}")
    if name not in BOARDS:
        raise VivadoError(f"unknown board {name!r}; choose from {', '.join(sorted(BOARDS))}")
    return BOARDS[name]


@dataclass(frozen=True)
class Design:
    """What one board's block design instantiates: the IP's parameters and its ports."""

    board: Board
    build: spec_builds.BuildConfig
    params: dict[str, int]   # every RTL parameter of the build, as CONFIG.<name> of the IP cell
    wgt_ports: int
    wgt_dw: int
    axi_dw: int

    @property
    def clock_mhz(self) -> float:
        return self.build.clock_mhz


def design(name: str, build: str | None = None,
           builds: spec_builds.BuildSet | None = None) -> Design:
    """The board's design from the spec, checked against what the board's PS offers.

    ``build``: another RTL build on this board (e.g. ``rtl-small-8`` for a first bring-up
    that places and routes in minutes); default the board's own."""
    b = board(name)
    bs = builds if builds is not None else spec_builds.load()
    chosen = build or b.build
    rtl = ", ".join(bs.of_backend("rtl"))
    if chosen not in bs.builds:
        raise VivadoError(f"board {name}: build {chosen!r} is not in spacemimo/spec/builds.yaml "
                          f"(RTL builds: {rtl})")
    cfg = bs[chosen]
    if cfg.backend != "rtl":
        raise VivadoError(f"build {chosen} is an HLS build; the Vivado flow packages the RTL "
                          f"(RTL builds: {rtl})")
    params = dict(cfg.rtl_params())
    # derived in the RTL from other parameters: passed explicitly, because the packager
    # freezes an expression default at packaging time
    params.setdefault("MAX_DATA_WORDS", cfg.max_data_words)
    wgt_ports = int(params.get("WGT_PORTS", 0))
    wgt_dw = int(params.get("WGT_DW", 64))
    if wgt_ports > WGT_MAX_PORTS:
        raise VivadoError(f"board {name}: build {chosen} has WGT_PORTS={wgt_ports}; the RTL "
                          f"has {WGT_MAX_PORTS} weight ports")
    if b.ps != "mig" and wgt_ports > b.hp_ports:
        raise VivadoError(f"board {name}: WGT_PORTS={wgt_ports} but the {b.title} PS has "
                          f"{b.hp_ports} HP ports")
    if wgt_ports and wgt_dw > b.hp_max_bits:
        raise VivadoError(f"board {name}: WGT_DW={wgt_dw} is wider than the {b.title}'s "
                          f"{b.hp_max_bits}-bit HP ports")
    return Design(b, cfg, params, wgt_ports, wgt_dw, int(params["AXI_DW"]))


def _tcl_word(text: str) -> str:
    """``text`` as one braced Tcl word (braces balanced, no backslash at the end)."""
    clean = text.replace("\\", "/").replace("{", "(").replace("}", ")")
    return "{" + clean + "}"


def register_tcl(regmap: spec_regmap.RegisterMap) -> str:
    """The register map as a Tcl list for the IP's address block:
    ``{NAME offset access doc {{FIELD bit width access doc} ...}} ...``."""
    rows = []
    for r in regmap.registers:
        fields = " ".join("{" + f"{f.name} {f.bit} {f.width} {f.access} {_tcl_word(f.doc)}" + "}"
                          for f in r.fields)
        rows.append("    {" + f"{r.name} 0x{r.offset:02X} {r.access} {_tcl_word(r.doc)} "
                    "{" + fields + "}}")
    return "[list \\\n" + " \\\n".join(rows) + " \\\n]"


def config_tcl(d: Design, out_dir: Path, jobs: int = 2, root: Path | None = None) -> str:
    """The per-run configuration ``build.tcl`` sources (``-tclargs <this file>``)."""
    regmap = spec_regmap.load()
    src = (root or paths.source_root()).resolve()
    params = " ".join(f"{k} {v}" for k, v in d.params.items())
    lines = [
        f"# generated by spacemimo bitstream (spacemimo/hw/vivado.py) for board {d.board.name}:",
        "# the RTL build of spacemimo/spec/builds.yaml, the register map of regmap.yaml - do not",
        "# edit, rerun `spacemimo bitstream --board ... --dry-run`",
        f"set sm_board       {d.board.name}",
        f"set sm_board_title {_tcl_word(d.board.title)}",
        f"set sm_part        {d.board.part}",
        f"set sm_board_part  {d.board.board_part}",
        f"set sm_ps          {d.board.ps}",
        f"set sm_build       {d.build.name}",
        f"set sm_clock_mhz   {d.clock_mhz:g}",
        f"set sm_params      [dict create {params}]",
        f"set sm_wgt_ports   {d.wgt_ports}",
        f"set sm_wgt_max     {WGT_MAX_PORTS}",
        f"set sm_wgt_dw      {d.wgt_dw}",
        f"set sm_axi_dw      {d.axi_dw}",
        f"set sm_hp_max_bits {d.board.hp_max_bits}",
        f"set sm_name        {OVERLAY_NAME}",
        f"set sm_ip_cell     {IP_CELL}",
        f"set sm_bd_name     {BD_NAME}",
        f"set sm_root        {_tcl_word(str(src))}",
        f"set sm_out         {_tcl_word(str(out_dir.resolve()))}",
        f"set sm_jobs        {jobs}",
        f"set sm_reg_range   {2 ** regmap.addr_width}",
        f"set sm_hw_id       0x{regmap.hw_id:08X}",
        f"set sm_jtag_ctrl_base 0x{JTAG_CTRL_BASE:08X}",
        f"set sm_reg_width   {regmap.data_width}",
        f"set sm_registers   {register_tcl(regmap)}",
        "",
    ]
    return "\n".join(lines)


def tcl_dir(root: Path | None = None) -> Path:
    """The flow's Tcl (a source checkout's ``vivado/``); a wheel does not ship it."""
    d = (root or paths.source_root()) / "vivado"
    if not (d / "build.tcl").is_file():
        raise VivadoError(f"{d}/build.tcl not found: the Vivado flow runs from a source "
                          "checkout (git clone), not from an installed wheel")
    return d


def find_vivado() -> str | None:
    """``vivado`` on PATH, or None."""
    return shutil.which("vivado")


def vivado_command(config: Path, vivado: str = "vivado", root: Path | None = None
                   ) -> list[str]:
    """The batch command line that builds one board from its configuration Tcl."""
    return [vivado, "-mode", "batch", "-notrace", "-source", str(tcl_dir(root) / "build.tcl"),
            "-tclargs", str(config)]


def prepare(name: str, out_dir: Path, jobs: int = 2, build: str | None = None
            ) -> tuple[Design, Path]:
    """Check the board and write ``<out_dir>/config.tcl``; no Vivado needed."""
    d = design(name, build)
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = out_dir / "config.tcl"
    cfg.write_text(config_tcl(d, out_dir, jobs))
    return d, cfg


def run(config: Path, out_dir: Path, vivado: str) -> Path:
    """Run Vivado in batch mode (log under ``out_dir``); raises VivadoError on failure."""
    log = out_dir / "vivado.log"
    cmd = vivado_command(config, vivado)
    cmd[1:1] = ["-log", str(log), "-journal", str(out_dir / "vivado.jou")]
    proc = subprocess.run(cmd, cwd=out_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=False)
    if proc.returncode != 0:
        errors = [ln for ln in log.read_text(errors="replace").splitlines()
                  if ln.startswith("ERROR")] if log.is_file() else []
        first = errors[0] if errors else (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise VivadoError(f"vivado failed (exit {proc.returncode}): {first}; log {log}")
    return log


def outputs(out_dir: Path) -> dict[str, Path]:
    """The files ``build.tcl`` leaves in ``out_dir`` (names the driver and reports expect)."""
    return {"bit": out_dir / f"{OVERLAY_NAME}.bit", "hwh": out_dir / f"{OVERLAY_NAME}.hwh",
            "timing": out_dir / "timing_summary.rpt", "utilization": out_dir / "utilization.rpt",
            "utilization_hier": out_dir / "utilization_hier.rpt"}


# --------------------------------------------------------------------------- the RTL top's ports

_PARAM = re.compile(r"parameter\s+(\w+)\s*=\s*([^,/]+?)\s*(?:,|\)\s*\(|//|$)", re.M)
_PORT = re.compile(r"^\s*(input|output)\s+(?:wire|reg)?\s*(?:\[([^\]]+)\])?\s*(\w+)\s*,?",
                   re.M)


def _eval(expr: str, env: dict[str, int]) -> int:
    """A Verilog constant expression of the module header (integers, + - * / $clog2)."""
    text = expr.replace("$clog2", "_clog2").replace("/", "//")
    if not re.fullmatch(r"[\w\s+\-*/()]+", text):
        raise VivadoError(f"cannot evaluate the Verilog expression {expr!r}")
    scope = {"_clog2": lambda v: max(0, (int(v) - 1).bit_length()), **env}
    return int(eval(text, {"__builtins__": {}}, scope))  # noqa: S307 (checked characters)


def rtl_top_ports(params: dict[str, int], source: Path | None = None,
                  module: str = "spacemimo_accel"
                  ) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """The top module's parameters (defaults, overridden by ``params``) and its ports as
    {name: width} and {name: direction}, widths evaluated with those parameters.

    Why here: the Tcl names ports by string; checking them against the Verilog before an
    hour of Vivado catches a renamed port in a second (tests/test_vivado.py)."""
    text = (source or paths.rtl_dir() / f"{module}.v").read_text()
    text = re.sub(r"/\*.*?\*/", "", re.sub(r"//[^\n]*", "", text), flags=re.S)
    start = text.index(f"module {module}")
    header = text[start:text.index(");", start)]
    pblock, pports = re.split(r"\)\s*\(", header, maxsplit=1)
    src_dir = (source or paths.rtl_dir() / f"{module}.v").parent
    macros = {}
    for inc in re.findall(r'`include\s+"([^"]+)"', text):
        if (src_dir / inc).is_file():
            text_inc = (src_dir / inc).read_text()
            macros.update(re.findall(r"`define[ \t]+(\w+)[ \t]+([^\s/]+)", text_inc))
    env: dict[str, int] = {}
    for name, default in _PARAM.findall(pblock):
        if name in params:
            env[name] = int(params[name])
        else:
            env[name] = _eval(re.sub(r"`(\w+)", lambda m: macros.get(m.group(1), "_"), default),
                              env)
    env.update({k: int(v) for k, v in params.items()})
    widths: dict[str, int] = {}
    dirs: dict[str, str] = {}
    for direction, rng, name in _PORT.findall(pports):
        if rng:
            hi, lo = rng.split(":")
            widths[name] = _eval(hi, env) - _eval(lo, env) + 1
        else:
            widths[name] = 1
        dirs[name] = direction
    return env, widths, dirs


# --------------------------------------------------------------------------- report parsers


@dataclass(frozen=True)
class Timing:
    """``report_timing_summary``'s Design Timing Summary (ns; endpoints are counts)."""

    wns: float
    tns: float
    tns_failing: int
    tns_total: int
    whs: float
    ths: float
    ths_failing: int
    ths_total: int
    met: bool


def parse_timing_summary(text: str) -> Timing:
    """The WNS/TNS/WHS/THS row under the ``WNS(ns) TNS(ns) ...`` header of a
    ``report_timing_summary`` file, and whether all user constraints are met."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.split()[:2] == ["WNS(ns)", "TNS(ns)"]:
            values = next((ln.split() for ln in lines[i + 1:]
                           if ln.strip() and not set(ln.strip()) <= {"-", " "}), None)
            if values is None or len(values) < 8:
                break
            try:
                wns, tns, whs, ths = (float(values[k]) for k in (0, 1, 4, 5))
                counts = [int(values[k]) for k in (2, 3, 6, 7)]
            except ValueError:
                break
            met = "All user specified timing constraints are met." in text
            return Timing(wns, tns, counts[0], counts[1], whs, ths, counts[2], counts[3], met)
    raise VivadoError("no Design Timing Summary (WNS/TNS row) in the timing report")


@dataclass(frozen=True)
class Resource:
    """One ``report_utilization`` site row."""

    used: float
    available: int
    percent: float


# report_utilization's top-level site rows (7-series / UltraScale+ names) -> our resource name
UTILIZATION_ROWS = {"Slice LUTs": "LUT", "CLB LUTs": "LUT", "Slice Registers": "FF",
                    "CLB Registers": "FF", "Block RAM Tile": "BRAM36", "URAM": "URAM",
                    "DSPs": "DSP"}


def parse_utilization(text: str) -> dict[str, Resource]:
    """LUT, FF, BRAM36 (tiles; halves count 0.5), URAM and DSP from a ``report_utilization``
    file: the ``| Site Type | Used | Fixed | [Prohibited |] Available | Util% |`` tables."""
    out: dict[str, Resource] = {}
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "Site Type":
            header = cells
            continue
        if header is None or len(cells) != len(header):
            continue
        raw = line.strip().strip("|").split("|")[0]
        if raw.startswith(" " * 3):  # an indented sub-row (LUT as Logic, RAMB36/FIFO*, ...)
            continue
        key = UTILIZATION_ROWS.get(cells[0].rstrip("*"))
        if key is None or key in out:
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            out[key] = Resource(float(row["Used"]), int(row["Available"]),
                                float(row["Util%"].rstrip("%")))
        except (KeyError, ValueError):
            raise VivadoError(f"utilization row {cells[0]!r} is not "
                              f"Used/Available/Util%: {line.strip()}") from None
    if "LUT" not in out or "FF" not in out:
        raise VivadoError("no Slice/CLB LUT and register rows in the utilization report")
    return out


def parse_utilization_instance(text: str, instance: str = IP_CELL) -> dict[str, float]:
    """One instance's row of ``report_utilization -hierarchical`` (the accelerator without
    the PS, SmartConnects and interrupt controller: what yosys synthesizes): LUT, FF, BRAM36
    (RAMB36 + RAMB18 / 2), URAM (UltraScale+), DSP."""
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[:2] == ["Instance", "Module"]:
            header = cells
            continue
        if header is None or len(cells) != len(header) or cells[0] != instance:
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            out = {"LUT": float(row["Total LUTs"]), "FF": float(row["FFs"]),
                   "BRAM36": float(row["RAMB36"]) + float(row["RAMB18"]) / 2}
            if "URAM" in row:
                out["URAM"] = float(row["URAM"])
            out["DSP"] = float(next(v for k, v in row.items() if "DSP" in k))
        except (KeyError, ValueError, StopIteration):
            raise VivadoError(f"hierarchical utilization row of {instance} is not Total LUTs/"
                              f"FFs/RAMB36/RAMB18/DSP: {line.strip()}") from None
        return out
    raise VivadoError(f"no row for instance {instance} in the hierarchical utilization report")


def report_header(text: str) -> dict[str, str]:
    """The ``| Key : value`` header lines of a Vivado report (Design, Device, Design State)."""
    out = {}
    for line in text.splitlines()[:20]:
        m = re.match(r"\|\s*([A-Za-z ]+?)\s*:\s*(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


# the yosys tables of `spacemimo bench hw` under results/bench_hw/, most specific first:
# per part (a row per board build on its part: "build", "part") and the older paper-size table
# ("design" naming the build)
YOSYS_TABLES = ("resources_per_part.json", "resources.json")
# our resource name -> the yosys row's columns that hold it (BRAM18-unit columns last)
YOSYS_COLUMNS = {"LUT": ("LUT",), "FF": ("FF",), "DSP": ("DSP", "DSP48E1"),
                 "BRAM36": ("BRAM36", "BRAM18K", "BRAM18"), "URAM": ("URAM",)}


def yosys_figures(build: str, part: str | None = None, results: Path | None = None
                  ) -> dict[str, Any] | None:
    """The yosys row of ``build`` (on ``part``, a spacemimo/spec/boards.yaml part name) in
    results/bench_hw, with its source table under ``"table"``; None when no table has one."""
    folder = results or paths.source_root() / "results" / "bench_hw"
    for name in YOSYS_TABLES:
        path = folder / name
        if not path.is_file():
            continue
        for row in json.loads(path.read_text()).get("rows", []):
            exact = row.get("build") == build and (part is None or row.get("part") == part)
            if exact or build in str(row.get("design", "")):
                return {**row, "table": f"results/bench_hw/{name}"}
    return None


def _yosys_cell(yosys: dict[str, Any], key: str) -> str:
    for col in YOSYS_COLUMNS[key]:
        if col in yosys and yosys[col] not in (None, "", "-"):
            return str(yosys[col]) + (" (RAMB18)" if col.startswith("BRAM18") else "")
    return "-"


def summary(d: Design, timing: Timing, util: dict[str, Resource],
            yosys: dict[str, Any] | None, ip: dict[str, float] | None = None) -> list[str]:
    """The lines ``spacemimo bitstream`` prints: timing, then resources (whole design, the
    accelerator's own instance) beside yosys (which synthesizes the accelerator alone)."""
    period = 1000.0 / d.clock_mhz
    state = "met" if timing.met and timing.wns >= 0 else "NOT met"
    lines = [f"{d.board.title} ({d.board.part}), build {d.build.name}, {d.clock_mhz:g} MHz "
             f"({period:.3f} ns): timing {state}: WNS {timing.wns:.3f} ns, TNS {timing.tns:.3f} ns "
             f"({timing.tns_failing} of {timing.tns_total} endpoints failing), WHS "
             f"{timing.whs:.3f} ns",
             "| resource | Vivado post-route, design | available | % | accelerator alone | yosys |",
             "|---|---|---|---|---|---|"]
    for key, res in util.items():
        y = _yosys_cell(yosys, key) if yosys is not None else "-"
        alone = f"{ip[key]:g}" if ip is not None and key in ip else "-"
        lines.append(f"| {key} | {res.used:g} | {res.available} | {res.percent:.2f} | {alone} "
                     f"| {y} |")
    if yosys is None:
        lines.append(f"(no yosys row for {d.build.name} in results/bench_hw/"
                     f"{' or '.join(YOSYS_TABLES)})")
    else:
        lines.append(f"(yosys: {yosys['table']}, row {yosys.get('build') or yosys.get('design')})")
    return lines


def build_bitstream(name: str, out_dir: Path, jobs: int = 2, vivado: str | None = None,
                    build: str | None = None) -> tuple[Design, dict[str, Path], list[str]]:
    """Package, block design, synthesis, implementation and bitstream for one board; the
    output files and the summary lines. Raises VivadoError (no Vivado: SKIP_MESSAGE)."""
    tool = vivado or find_vivado()
    if tool is None:
        raise VivadoError(SKIP_MESSAGE)
    d, cfg = prepare(name, out_dir, jobs, build)
    run(cfg, out_dir, tool)
    files = outputs(out_dir)
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise VivadoError(f"vivado finished but did not write {', '.join(missing)}; log "
                          f"{out_dir / 'vivado.log'}")
    timing = parse_timing_summary(files["timing"].read_text())
    util = parse_utilization(files["utilization"].read_text())
    ip = parse_utilization_instance(files["utilization_hier"].read_text())
    return d, files, summary(d, timing, util, yosys_figures(d.build.name, d.board.part_name), ip)


def environment_jobs() -> int:
    """Parallel Vivado jobs: ``SPACEMIMO_VIVADO_JOBS`` or the CPU count (at most 8)."""
    env = os.environ.get("SPACEMIMO_VIVADO_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, os.cpu_count() or 1))


def board_names() -> Sequence[str]:
    """The board names, sorted (CLI choices and error messages)."""
    return sorted(BOARDS)
