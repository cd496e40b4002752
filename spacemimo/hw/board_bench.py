"""``spacemimo bench hw --boards``: paper-size GSM per board, measured in Verilator against the
board's memory model, beside the modelled bounds and the issue's targets.

Each board of spacemimo/spec/boards.yaml names the RTL build it runs. The measurement is the
cocotb benchmark (rtl_tests/tb_accel.py ``test_bench``) on that build with
``rtl_tests/board_memory.py`` between the RTL's read masters and the RAM: the board's
first-beat latency per burst, its ports' widths and its DDR peak times the controller's
efficiency, all stated in boards.yaml. The bounds beside it (spacemimo.hw.rooflines) are
modelled; the cycles and the memory figures (bytes per cycle the model let through, the
smallest first-beat latency it saw) are measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacemimo.hw import rooflines
from spacemimo.hw.bench import GSM_CYCLES, rtl_cycle_model, start_model, store_model
from spacemimo.quant.program import streamed_ops
from spacemimo.spec import boards as board_spec
from spacemimo.spec.builds import BuildConfig, build

GSM_CYCLES_8BIT = GSM_CYCLES[8]  # GSM paper, Table III (8-bit, fastest setting)


def placement(cfg: BuildConfig, program: Any) -> str:
    """resident / streamed / hybrid, and which DENSE ops stream (the loader's split)."""
    ports = getattr(cfg, "wgt_ports", 0) or 0
    if not ports:
        return "resident"
    wmem = cfg.wmem_depth or 0
    if wmem == 0:
        return "streamed"
    ops = streamed_ops(program, cfg.out_lanes, wmem)
    return f"hybrid ({len(ops)} of {sum(op.opcode == 1 for op in program.ops)} DENSE streamed)"


def formula_cycles(program: Any, cfg: BuildConfig, latency: int) -> int:
    """The RTL cycle formula of one inference (modelled: ``bench.rtl_cycle_model`` with the
    board's first-beat latency for streamed ops, plus the run's input/output cycles, the
    input read paying the same latency: the board memory model delays every read port)."""
    ops = rtl_cycle_model(program, cfg.rtl_params(), wgt_latency=latency)
    return sum(r["model"] for r in ops) + start_model(program, latency) + store_model(program)


def board_row(name: str, program: Any, measured: dict[str, Any]) -> dict[str, Any]:
    """One table row: ``measured`` is the benchmark's JSON (cycles per inference, memory
    statistics); everything else is the spec and the modelled bounds."""
    b = board_spec.board(name)
    cfg = build(b.build)
    q = 32 // program.bits
    bnd = rooflines.bounds(program, cfg, b)
    cycles = min(measured["cycles"])
    mem = measured.get("memory", {})
    return {
        "board": name, "part": b.part.name, "build": b.build,
        "array": f"{cfg.out_lanes}x{cfg.node_rows}x{q}",
        "placement": placement(cfg, program),
        "weight ports": (f"{getattr(cfg, 'wgt_ports', 0)} x {getattr(cfg, 'wgt_bits', 0)} bit"
                         if getattr(cfg, "wgt_ports", 0) else "-"),
        "cycles (Verilator)": cycles,
        "RTL formula (modelled)": (formula := formula_cycles(program, cfg, b.read_latency)),
        "measured / formula": round(cycles / formula, 3),
        "target": b.cycle_target,
        "meets target": "yes" if cycles <= b.cycle_target else "no",
        "latency us": round(cycles / cfg.clock_mhz, 1),
        "clock MHz": cfg.clock_mhz,
        "speed-up vs GSM": round(GSM_CYCLES_8BIT / cycles, 1),
        "array bound": bnd.array, "DSP bound": bnd.dsp, "DDR bound": bnd.ddr or "-",
        "ports bound": bnd.ports or "-",
        "cycles / bound": round(cycles / bnd.bound, 2),
        "cycles / DDR bound": round(cycles / bnd.ddr, 2) if bnd.ddr else "-",
        "streamed MB": round(bnd.streamed_bytes / 1e6, 3),
        "memory B/cycle (measured)": (round(mem["bytes_per_cycle"], 2)
                                      if mem.get("bytes_per_cycle") else "-"),
        "min first-beat latency": mem.get("min_latency") or "-",
        "max bursts in flight per port": mem.get("max_outstanding") or "-",
        "mismatches": measured["mismatches"], "words checked": measured["words"],
    }


def memory_fields(stats: Any) -> dict[str, Any]:
    """The BoardMemory statistics the benchmark writes into its JSON."""
    return {"bytes": stats.bytes, "beats": stats.beats,
            "bytes_per_cycle": stats.bytes_per_cycle, "min_latency": stats.min_latency,
            "max_outstanding": stats.max_outstanding}


def measure_board(name: str, program_seed: int, vectors: int, build_root: Path) -> dict:
    """Verilator benchmark of board ``name`` (its build, its memory model) on paper GSM
    8-bit; the JSON of rtl_tests/tb_accel.py's ``test_bench``."""
    from spacemimo.hw.bench import measure

    b = board_spec.board(name)
    cfg = build(b.build)
    return measure(cfg.data_bits, cfg.rtl_params(), build_root / name, vectors, program_seed,
                   extra_env={"SM_BOARD": name, "SM_CLOCK_MHZ": str(cfg.clock_mhz)})


def merge_rows(previous: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (boards measured now) plus every row of the table at ``previous`` (a
    ``boards.json``) for a board not measured now, so one board can be re-run without
    re-running (or dropping) the others; each row keeps the commit it was measured at
    (``measured at``; older rows without it get their table's revision). Ordered as
    boards.yaml lists the boards."""
    from spacemimo.ground.results import read_meta, read_table

    new = {r["board"] for r in rows}
    kept = []
    if previous.exists():
        rev = read_meta(previous)["git_revision"]
        kept = [{**r, "measured at": r.get("measured at", rev)}
                for r in read_table(previous) if r["board"] not in new]
    order = list(board_spec.boards())
    return sorted([*rows, *kept], key=lambda r: (order.index(r["board"])
                                                 if r["board"] in order else len(order)))


def run_boards(names: list[str], out: Path, build_root: Path, vectors: int,
               seed: int) -> dict[str, Path]:
    """Measure every board of ``names`` and write ``boards.{json,md}`` under ``out``; the
    rows of boards not measured now stay as ``out/boards.json`` had them (``merge_rows``)."""
    from spacemimo.ground.provenance import git_revision
    from spacemimo.ground.results import write_table

    rows = []
    for name in names:
        data = measure_board(name, seed, vectors, build_root)
        program = data.pop("program")
        row = {**board_row(name, program, data), "measured at": git_revision()}
        rows.append(row)
        print(f"[{name}] {row['cycles (Verilator)']:,} cycles/inference on {row['build']} "
              f"(target {row['target']:,}: {row['meets target']}), bound {row['cycles / bound']}x",
              flush=True)
    rows = merge_rows(Path(out) / "boards.json", rows)
    names = [r["board"] for r in rows]
    config = {"boards": {n: board_spec.board(n).build for n in names}, "vectors": vectors,
              "memory model": "rtl_tests/board_memory.py: read_latency per burst, DDR peak x "
                              "ddr_efficiency shared by every read port (boards.yaml)"}
    return write_table(out, "boards", rows, config=config, seed=seed,
                       title="Paper GSM 8-bit per board: cycles measured in Verilator with the "
                             "board's memory model, bounds modelled (spacemimo.hw.rooflines)")
