"""What SEU protection costs, per protection mode: yosys resources (the ``synth`` flow, xc7,
the same script as every other resource figure) of the unprotected small build and each
protected one, the cycles of the campaign's clean run, and each as a ratio to the
unprotected build beside the issue's goals (``spacemimo bench seu`` → ``overhead.{md,json}``).

A row may also be a build with RTL parameters overridden (``NAME:SEU_A=0,SCRUB=0``): one
protection at a time, to see where the overhead goes (resources only; the campaign runs
builds of builds.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# the goals: LUT and BRAM for SECDED on 64-bit words, cycles for scrubbing + ECC latency
GOALS = {"LUT": 15.0, "BRAM": 13.0, "cycles": 2.0}
PART = "xc7vx690t"   # the small builds' figures in rtl/README.md: xc7 family, block RAM banks
PARAMS = ("SEU_W", "SEU_A", "SEU_C", "SCRUB")
# the builds whose memory shapes are synthesized alone (the BRAM goal is for 64-bit words at
# the paper's depth: the 8-bit paper build on the XC7V690T and the 16-bit one)
MEMORY_BUILDS = ("rtl-vx690t", "rtl-paper-16")


class OverheadError(ValueError):
    """A bad row spec (unknown build or parameter): one line for the CLI."""


@dataclass(frozen=True)
class Variant:
    """A build of builds.yaml, optionally with some RTL parameters overridden."""

    build: str
    overrides: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.build + "".join(f" {k}={v}" for k, v in self.overrides.items())

    @property
    def tag(self) -> str:
        return self.build + "".join(f"_{k}{v}" for k, v in self.overrides.items())


def parse_variant(spec: str) -> Variant:
    """``NAME`` or ``NAME:K=V[+K=V...]`` (K one of SEU_W, SEU_A, SEU_C, SCRUB)."""
    m = re.fullmatch(r"([\w.-]+)(?::(.*))?", spec.strip())
    if m is None:
        raise OverheadError(f"overhead row {spec!r}: write NAME or NAME:K=V+K=V")
    over: dict[str, int] = {}
    for kv in filter(None, (m.group(2) or "").split("+")):
        k, _, v = kv.partition("=")
        if k not in PARAMS or not v.isdigit():
            raise OverheadError(f"overhead row {spec!r}: {kv!r} is not K=V with K one of "
                                f"{', '.join(PARAMS)}")
        over[k] = int(v)
    return Variant(m.group(1), over)


def mode(params: dict[str, int]) -> str:
    """The protection mode in words, from the RTL parameters."""
    w = {0: "-", 2: "SECDED"}.get(params.get("SEU_W", 0), "?")
    a = {0: "-", 1: "parity", 2: "SECDED"}.get(params.get("SEU_A", 0), "?")
    c = "parity+TMR" if params.get("SEU_C", 0) else "-"
    s = "on" if params.get("SCRUB", 0) and params.get("SEU_W", 0) == 2 else "-"
    return f"weights {w}, acts {a}, ctrl {c}, scrub {s}"


def pct(x: float, base: float) -> float | None:
    return round(100.0 * (x - base) / base, 1) if base else None


def verdict(value: float | None, goal: float) -> str:
    if value is None:
        return "-"
    return "met" if value <= goal + 1e-9 else "missed"


def overhead_rows(base: str, res: dict[str, dict[str, Any]], cycles: dict[str, int],
                  modes: dict[str, str]) -> list[dict[str, Any]]:
    """One row per label of ``res`` (resources of a yosys run), ``base`` the unprotected
    one: counts, % over ``base``, and the goal verdicts (LUT excludes LUT-RAM, as every LUT
    figure of rtl/README; cycles '-' where the campaign did not run that row)."""
    if base not in res:
        raise OverheadError(f"the unprotected build {base!r} has no resources")
    b = res[base]
    rows = []
    for label, r in res.items():
        cyc = cycles.get(label)
        d = {"LUT": pct(r["LUT"], b["LUT"]), "BRAM": pct(r["BRAM36"], b["BRAM36"]),
             "cycles": pct(cyc, cycles[base]) if cyc is not None and base in cycles else None}
        rows.append({
            "build": label, "mode": modes[label],
            "LUT": r["LUT"], "LUT %": d["LUT"],
            "LUT_total": r["LUT_total"], "LUT_total %": pct(r["LUT_total"], b["LUT_total"]),
            "FF": r["FF"], "FF %": pct(r["FF"], b["FF"]),
            "BRAM36": r["BRAM36"], "BRAM %": d["BRAM"],
            "DSP": r["DSP"], "cycles": cyc if cyc is not None else "-",
            "cycles %": d["cycles"] if d["cycles"] is not None else "-",
            **({} if label == base else
               {f"{k} goal <= {g:g} %": verdict(d[k], g) for k, g in GOALS.items()}),
            "yosys s": r.get("seconds", "-")})
    return rows


def synth_variants(variants: list[Variant], workdir: Path, timeout: int,
                   progress: bool = True
                   ) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, dict]]:
    """One flattened yosys run per variant (one at a time, nice'd; a finished run of the same
    RTL text is reused): {label: resources}, {label: mode}, {label: RTL parameters}."""
    from spacemimo.hw.synth import SynthError, synth_resources, target

    res, modes, allp = {}, {}, {}
    for v in variants:
        try:
            params = {**target(v.build, PART).params, **v.overrides}
        except SynthError as err:
            raise OverheadError(str(err)) from err
        if progress:
            print(f"[synth] {v.label} on {PART}: yosys (synth_{v.tag})", flush=True)
        res[v.label] = synth_resources(params, workdir / f"synth_{v.tag}", timeout)
        modes[v.label] = mode(params)
        allp[v.label] = params
    return res, modes, allp


# --------------------------------------------------------------------------- code units

def _code(k: int) -> int:
    """The SECDED code width (ecc.SECDED_WIDTHS) that holds a ``k``-bit word (zero-extended
    where wider), as the RTL picks it for activations (9/17: the word itself)."""
    from spacemimo.spec.ecc import SECDED_WIDTHS

    return next(w for w in SECDED_WIDTHS if w >= k)


def code_units(params: dict[str, int]) -> list[dict[str, Any]]:
    """The encoders, decoders and parity trees a build instantiates, each as a Verilog
    expression over the generated rtl/sm_ecc.vh and its instance count (the RTL structure
    of rtl/README.md "SEU protection", transcribed: a model of where the LUTs go, each unit
    measured by ``synth_units``)."""
    p, c = params["OUT_LANES"], params["NODE_ROWS"]
    w, acc = params["DATA_W"] + 1, params["ACC_W"]
    out: list[dict[str, Any]] = []

    def unit(name: str, n: int, inw: int, outw: int, expr: str) -> None:
        out.append({"unit": name, "instances": n, "in": inw, "out": outw, "expr": expr})

    if params.get("SEU_W", 0) == 2:
        if params.get("WMEM_DEPTH", 0):
            unit("weight row decoder, SECDED 64+8 (MAC / merge / scrub read)", p, 72, 66,
                 "sm_secded_dec64(x[63:0], x[71:64])")
            # one for all banks: the loader's merged row, and (one memory per bank) the
            # scrubber's corrected row, one bank per step (the packed store's scrubber writes
            # back the corrected codeword, its check bits fixed from the decoder's syndrome)
            unit("weight row encoder, SECDED 64 (the loader's merged row)", 1, 64, 8,
                 "sm_secded_enc64(x)")
        bk = 32 if acc <= 32 else 48 if acc <= 48 else 64
        cb = 8 if bk == 64 else 7
        pad = f"{{{bk - acc}'h0, x[{acc - 1}:0]}}" if bk > acc else f"x[{acc - 1}:0]"
        unit(f"bias decoder, SECDED {bk} on {acc} bits (drain and scrub read, one port)", p,
             acc + cb,
             bk + 2, f"sm_secded_dec{bk}({pad}, x[{acc + cb - 1}:{acc}])")
        # one for all banks (the loader writes one bank at a time, the scrubber one
        # corrected entry per step)
        unit(f"bias encoder, SECDED {bk} (the loader's, shared)", 1, acc, cb,
             f"sm_secded_enc{bk}({pad})")
    a = params.get("SEU_A", 0)
    if a == 2:
        from spacemimo.spec.ecc import secded

        ak = _code(w)
        acb = secded(ak).check_bits
        pad = f"{{{ak - w}'h0, x[{w - 1}:0]}}" if ak > w else f"x[{w - 1}:0]"
        unit(f"activation decoder, SECDED {ak} on {w} bits (read port)", p * c, w + acb,
             ak + 2, f"sm_secded_dec{ak}({pad}, x[{w + acb - 1}:{w}])")
        unit(f"activation encoder, SECDED {ak}", p * c, w, acb, f"sm_secded_enc{ak}({pad})")
    elif a == 1:
        even = "".join("0" if i % 2 else "1" for i in reversed(range(w)))
        par = f"{{^(x[{w - 1}:0] & {w}'b{even}), ^(x[{w - 1}:0] & ~{w}'b{even})}}"
        unit("activation parity check, 2 interleaved bits (read port)", p * c, w + 2, 1,
             f"{{7'h0, {par} != x[{w + 1}:{w}]}}")
        unit("activation parity encoder, 2 interleaved bits", p * c, w, 2, par)
    if params.get("SEU_C", 0):
        unit("op-table / o_* parity tree, 512 bits (read check, o_* check)", 2,
             512, 8, "sm_iparity512(x)")
        unit("op-table parity on load, 32 bits a word (accumulated)", 1, 32, 8,
             "sm_iparity32(x)")
        # the 16 header words but in_frac / out_frac (informative: the core never reads them)
        unit("header parity check, 14 x 32 bits", 14, 32, 8, "sm_iparity32(x)")
    return out


def unit_script(u: dict[str, Any], top: str) -> str:
    """A module computing one unit from its input port (``synth_units`` maps it with the
    flow's steps: synth_xilinx xc7 to map_luts, abc -lut 6, stat)."""
    return (f'`include "sm_ecc.vh"\nmodule {top}(input [{u["in"] - 1}:0] x, '
            f'output [{u["out"] - 1}:0] y);\n  assign y = {u["expr"]};\nendmodule\n')


def synth_units(units: list[dict[str, Any]], workdir: Path, timeout: int = 600
                ) -> list[dict[str, Any]]:
    """Each unit mapped alone (seconds each; a finished run of the same unit on the same
    sm_ecc.vh is reused): its LUTs, and LUTs x instances."""
    import shutil
    import subprocess

    from spacemimo.hw.synth import RTL_DIR, SynthError, parse_stat, yosys_command

    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    codes = (RTL_DIR / "sm_ecc.vh").read_text()
    if not (workdir / "sm_ecc.vh").exists() or (workdir / "sm_ecc.vh").read_text() != codes:
        for old in workdir.glob("unit*.log"):   # other codes: map every unit again
            old.unlink()
        shutil.copy(RTL_DIR / "sm_ecc.vh", workdir / "sm_ecc.vh")
    rows = []
    for i, u in enumerate(units):
        top = f"unit{i}"
        src, log = unit_script(u, top), workdir / f"{top}.log"
        if ((workdir / f"{top}.v").exists() and (workdir / f"{top}.v").read_text() == src
                and log.exists() and "Printing statistics" in log.read_text()):
            luts = parse_stat(log.read_text(), top)["LUT"]   # same unit, same codes: reuse
            rows.append({**{k: u[k] for k in ("unit", "instances")}, "LUT each": luts,
                         "LUT": luts * u["instances"]})
            continue
        log.unlink(missing_ok=True)
        (workdir / f"{top}.v").write_text(src)
        (workdir / f"{top}.ys").write_text(
            f"read_verilog -sv {top}.v\nsynth_xilinx -family xc7 -top {top} -flatten "
            f"-noiopad -run begin:map_luts\nabc -lut 6\nclean\n"
            "techmap -map +/xilinx/lut_map.v -map +/xilinx/cells_map.v -D LUT_WIDTH=6\n"
            "clean\nstat\n")
        try:
            subprocess.run([*yosys_command(), "-q", "-l", f"{top}.log", f"{top}.ys"],
                           check=True, timeout=timeout, cwd=workdir,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except subprocess.CalledProcessError as err:
            raise SynthError(f"yosys failed on {u['unit']}; its log is "
                             f"{workdir / (top + '.log')}") from err
        luts = parse_stat((workdir / f"{top}.log").read_text(), top)["LUT"]
        rows.append({**{k: u[k] for k in ("unit", "instances")}, "LUT each": luts,
                     "LUT": luts * u["instances"]})
    return rows


# --------------------------------------------------------------------------- memory shapes

def memory_shapes(params: dict[str, int]) -> list[dict[str, Any]]:
    """The memories of a build, unprotected and in each protected layout, as the RTL declares
    them (rtl/README.md "SEU protection"): per bank ``(depth, width, ports, copies)``. Weight
    banks: WMEM_DEPTH x 32 read-first single port, or WMEM_DEPTH / 2 rows x 72 (two words +
    SECDED 64) simple dual port; activation lane memories (P x C, asynchronous read: LUT-RAM)
    of W, W + 2 (parity) or W + SECDED(W) bits; bias banks ACC_W or ACC_W + SECDED bits.
    The SECDED rows also packed (``WMEM_PACK_ROWS``, rtl/README.md "Packed resident store"):
    every bank's rows back to back over memories of the smallest power of two of rows >=
    the rows per bank, one write port and two read ports each (``pk.mem[j]``)."""
    from spacemimo.spec.builds import packed_memories
    from spacemimo.spec.ecc import secded

    p, c = params["OUT_LANES"], params["NODE_ROWS"]
    w, acc = params["DATA_W"] + 1, params["ACC_W"]
    ad = params["NUM_BUFFERS"] * (params["MAX_ROWS"] // c) * (params["MAX_COLS"] // p)
    bk = 32 if acc <= 32 else 48 if acc <= 48 else 64
    out: list[dict[str, Any]] = []
    wd = params.get("WMEM_DEPTH", 0)
    if wd:
        out += [{"memory": "weights", "mode": "-", "depth": wd, "width": 32, "port": "sp",
                 "banks": p},
                {"memory": "weights", "mode": "SECDED 64+8 rows", "depth": wd // 2,
                 "width": 72, "port": "sdp", "banks": p}]
        pkr = 1 << max(1, (wd // 2 - 1).bit_length())   # the packing rule: rows <= pkr < 2 rows
        if p > 1:
            out.append({"memory": "weights", "mode": "SECDED 64+8 rows, packed", "depth": pkr,
                        "width": 72, "port": "pk", "banks": packed_memories(p, wd, pkr)})
    out += [{"memory": "activations", "mode": "-", "depth": ad, "width": w, "port": "async",
             "banks": p * c},
            {"memory": "activations", "mode": "parity", "depth": ad, "width": w + 2,
             "port": "async", "banks": p * c},
            {"memory": "activations", "mode": "SECDED", "depth": ad,
             "width": w + secded(_code(w)).check_bits, "port": "async", "banks": p * c},
            {"memory": "biases", "mode": "-", "depth": params["BMEM_DEPTH"], "width": acc,
             "port": "async", "banks": p},
            {"memory": "biases", "mode": "SECDED", "depth": params["BMEM_DEPTH"],
             "width": acc + secded(bk).check_bits, "port": "async", "banks": p}]
    return out


def shape_verilog(m: dict[str, Any], top: str) -> str:
    """One memory alone: ``sp`` read-first single port with a registered read (the RTL's
    unprotected weight bank), ``sdp`` one write and one registered read port (the 72-bit
    SECDED bank), ``pk`` port A writing or reading, port B reading, B seeing A's write (the
    packed store's shared memory ``pk.mem[j]``, as the RTL writes it), ``async`` one write
    port and an asynchronous read (the LUT-RAM banks)."""
    a = max(1, (m["depth"] - 1).bit_length())
    w = m["width"]
    qb = f", output reg [{w - 1}:0] qb" if m["port"] == "pk" else ""
    head = (f"module {top}(input clk, input we, input [{a - 1}:0] wa, input [{a - 1}:0] ra, "
            f"input [{w - 1}:0] d, output reg [{w - 1}:0] q{qb});\n"
            f"  reg [{w - 1}:0] mem [0:{m['depth'] - 1}];\n")
    if m["port"] == "sp":
        body = "  always @(posedge clk) begin if (we) mem[wa] <= d; q <= mem[wa]; end\n"
    elif m["port"] == "sdp":
        body = "  always @(posedge clk) begin if (we) mem[wa] <= d; q <= mem[ra]; end\n"
    elif m["port"] == "pk":
        body = ("  always @(posedge clk) begin\n    if (we) mem[wa] <= d; else q <= mem[wa];\n"
                "    qb <= (we && wa == ra) ? d : mem[ra];\n  end\n")
    else:
        body = ("  always @(posedge clk) if (we) mem[wa] <= d;\n"
                "  always @* q = mem[ra];\n")
    return head + body + "endmodule\n"


def synth_shapes(shapes: list[dict[str, Any]], workdir: Path, timeout: int = 600
                 ) -> list[dict[str, Any]]:
    """Each memory shape mapped alone by the flow's script (``synth.yosys_script``'s steps,
    xc7; a finished run of the same shape is reused): per bank BRAM18 halves and LUT-RAM
    LUTs, times the banks (BRAM36 = halves / 2 over all banks: no rounding per bank)."""
    import subprocess

    from spacemimo.hw.synth import SynthError, parse_stat, yosys_command, yosys_script

    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for m in shapes:
        top = f"mem_{m['memory']}_{m['depth']}x{m['width']}_{m['port']}"
        src = shape_verilog(m, top)
        script = yosys_script({}, top=top).split("\n", 2)[2]   # past read_verilog, hierarchy
        script = f"read_verilog -sv {top}.v\nhierarchy -top {top}\n{script}"
        log = workdir / f"{top}.log"
        fresh = not ((workdir / f"{top}.v").exists() and (workdir / f"{top}.v").read_text()
                     == src and log.exists() and "Printing statistics" in log.read_text())
        if fresh:
            log.unlink(missing_ok=True)
            (workdir / f"{top}.v").write_text(src)
            (workdir / f"{top}.ys").write_text(script)
            try:
                subprocess.run(["nice", "-n", "10", *yosys_command(), "-q", "-l", log.name,
                                f"{top}.ys"], check=True, timeout=timeout, cwd=workdir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            except subprocess.CalledProcessError as err:
                raise SynthError(f"yosys failed on {top}; its log is {log}") from err
        r = parse_stat(log.read_text(), top)
        lutram = r["LUT_total"] - r["LUT"]
        rows.append({**m, "BRAM18 per bank": r["BRAM18"], "LUT-RAM per bank": lutram,
                     "BRAM36": r["BRAM18"] * m["banks"] / 2, "LUT-RAM": lutram * m["banks"]})
    base = {r["memory"]: r for r in rows if r["mode"] == "-"}
    for r in rows:
        b = base.get(r["memory"], r)   # no unprotected shape given: % over itself
        r["BRAM %"] = pct(r["BRAM36"], b["BRAM36"]) if b["BRAM36"] else "-"
        r["LUT-RAM %"] = pct(r["LUT-RAM"], b["LUT-RAM"]) if b["LUT-RAM"] else "-"
        r["bits %"] = pct(r["width"] * r["depth"], b["width"] * b["depth"])
    return rows


def memory_rows(shapes: list[dict[str, Any]], columns: list[str]) -> list[dict[str, Any]]:
    """The weight-bank shapes of ``synth_shapes`` as rows of the overhead table (its
    ``columns``; '-' where a memory alone has no such figure), the BRAM goal judged on them:
    the issue's "SECDED on 64-bit words" at the paper depth, labelled memory shapes alone."""
    rows = []
    for r in shapes:
        if r["memory"] != "weights":
            continue
        row: dict[str, Any] = dict.fromkeys(columns, "-")
        row.update({
            "build": f"{r['build']} weight banks alone ({r['banks']} x {r['depth']} x "
                     f"{r['width']})",
            "mode": "memory shape: " + ("weights -" if r["mode"] == "-" else
                                        f"weights {r['mode']}"),
            "BRAM36": r["BRAM36"], "BRAM %": r["BRAM %"]})
        if r["mode"] != "-":
            row[f"BRAM goal <= {GOALS['BRAM']:g} %"] = verdict(r["BRAM %"], GOALS["BRAM"])
        rows.append(row)
    return rows
