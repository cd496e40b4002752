"""Performance model of the HLS kernel: cycles per op and per run for any program.

A separate model (nothing here is compiled into the kernel): it writes down, op by op, the
schedule hls/src/ is built as — which pipelined loops run, how many steps each takes at
II = 1, and that each pays its pipeline depth once. The kernel's STEPS register is a
counter its loops increment as they run (hls/src/cycle_counter.h; C-sim reports it as CYCLES,
which on hardware is the clock count); tests/test_hls_csim.py checks the two agree op by op,
and ``rtl_cycles`` puts the RTL's measured per-op cycles (results/bench_hw/cycles_per_op.json,
Verilator) beside both. Every configuration is a named
HLS build of ``spacemimo/spec/builds.yaml`` (the kernel's defaults are generated from it).

Assumed constants (builds.yaml; Vitis co-simulation / csynth.xml confirm them): a pipelined
loop's depth ``pipe_depth``, an m_axi read burst's latency ``axi_latency``, the FSM's decode of
an op record ``op_overhead`` and the start handshake ``start_overhead``.

Schedule (hls/README.md "Schedule"):

- DENSE: every step takes one packed 32-bit weight word per bank, 32 / bits inputs (the RTL's
  packing). Resident weights: one flattened pipelined loop over tiles x max(tile steps, D)
  steps (D = out_lanes / drain_cols drain steps, all rows at once; the previous tile drains from
  shadow registers while the next computes), then the last tile's drain (D steps). A tile's
  steps: its input segments in Horner order (``horner_order``), each segment's words (a word
  straddling two segments in both), plus the largest alignment in doubling steps.
- DENSE, streamed weights: the same loop; per tile, segment and chunk of at most STREAM_K
  inputs' words, the fetch (one bus beat per step + bus latency), then the chunk's words;
  fetch and compute in sequence, the previous tile's drain under both.
- AGGREGATE: one loop; per DRAIN_COLS column tile a reduce pass and a write pass of one step
  per row tile (all node_rows rows at once; one row per step only on axis 1 with K >
  node_rows not a multiple of it).
- NORM: sum of squares (rows x column tiles), 32-step isqrt, 64-step divide, scale pass.
- TAYLOR: per channel K*K*N + N*K*K complex products (one per step) and a rows-step write.
- A vector: input load (one element per step), the ops, output store — in sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacemimo.quant.program import Op, Program

from spacemimo.spec import builds as spec_builds
from spacemimo.spec.builds import SEU_ACTS, SEU_CTRL, SEU_WEIGHTS, WEIGHT_PLACEMENTS, BuildConfig

# GSM paper (seeds/002, Table III / sec. V-B): XC7V690T, 100 MHz, 64-bit bus.
PAPER_GSM_CYCLES = {8: (386_284, 588_280), 16: (719_218, 1_050_372)}
PAPER_GSM_RESOURCES = {"BRAM_18K": 1472, "DSP": 128, "FF": 100_844, "LUT": 246_646}

_OPCODE_NAMES = {1: "DENSE", 2: "AGGREGATE", 3: "NORM", 4: "TAYLOR"}
HEADER_WORDS = 16
OP_WORDS = 16

# the HLS kernel's names (hls/src/accel_config.h, `spacemimo perf` flags) -> spec fields
# SEU fields by their HLS macro numbers (SM_SEU_W / _A / _C: 0 none, 1 parity, 2 secded)
SEU_CODES = {"seu_weights": SEU_WEIGHTS, "seu_acts": SEU_ACTS, "seu_ctrl": SEU_CTRL}
_KERNEL_NAMES = {"array_rows": "node_rows", "array_cols": "out_lanes", "bus_width": "bus_bits"}


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class ArrayConfig(BuildConfig):
    """An HLS build as the cycle model sees it: a BuildConfig of spacemimo/spec/builds.yaml
    (no second list of knobs) that also answers to the kernel's names, ``array_rows`` =
    node_rows, ``array_cols`` = out_lanes, ``bus_width`` = bus_bits, ``weight_mode`` 0/1/2."""

    @classmethod
    def from_build(cls, build: BuildConfig | str | None = None, **overrides: Any
                   ) -> ArrayConfig:
        """A named HLS build of the spec (default: the kernel's default build), then
        ``overrides`` (None values ignored; spec or kernel names)."""
        if build is None:
            b = spec_builds.default_build()
        else:
            b = spec_builds.build(build) if isinstance(build, str) else build
        if b.backend != "hls":
            raise ValueError(f"build {b.name} is an RTL build; the cycle model is the HLS "
                             "kernel's (choose an HLS build)")
        return cls(**{f.name: getattr(b, f.name) for f in fields(BuildConfig)}).with_(
            **overrides)

    @classmethod
    def from_header(cls, **overrides: Any) -> ArrayConfig:
        """The build hls/src/accel_defaults.h is generated from (the kernel's defaults)."""
        return cls.from_build(None, **overrides)

    def with_(self, **changes: Any) -> ArrayConfig:
        """A copy with some knobs changed (None values ignored), by spec or kernel name."""
        spec: dict[str, Any] = {}
        for key, value in changes.items():
            if value is None:
                continue
            if key == "weight_mode":
                names = {v: k for k, v in WEIGHT_PLACEMENTS.items()}
                if value not in names:
                    raise ValueError(f"weight_mode {value} not in {sorted(names)}")
                key, value = "weight_placement", names[value]
            elif key in SEU_CODES and isinstance(value, int):  # a kernel macro's number
                names = {v: k for k, v in SEU_CODES[key].items()}
                if value not in names:
                    raise ValueError(f"{key} {value} not in {sorted(names)}")
                value = names[value]
            elif key == "scrub":
                value = bool(value)
            spec[_KERNEL_NAMES.get(key, key)] = value
        return super().with_(**spec)  # type: ignore[return-value]

    @property
    def array_rows(self) -> int:
        """SM_ARRAY_ROWS = node_rows."""
        return self.node_rows

    @property
    def array_cols(self) -> int:
        """SM_ARRAY_COLS = out_lanes."""
        return self.out_lanes

    @property
    def bus_width(self) -> int:
        """SM_BUS_WIDTH = bus_bits."""
        return self.bus_bits

    @classmethod
    def from_cflags(cls, cflags: str) -> ArrayConfig:
        """The default build with the -DSM_X=V flags of a kernel build applied (flags the
        model has no knob for, e.g. SM_AXI_DEPTH_*, are ignored)."""
        import re

        from spacemimo.spec.builds import HLS_MACROS

        by_macro = {m: k for k, m in HLS_MACROS.items()}
        changes = {by_macro[m]: int(v, 0) for m, v in re.findall(r"-D(SM_\w+)=(\S+)", cflags)
                   if m in by_macro}
        return cls.from_build(None, **changes)

    def cflags(self) -> str:
        """The -D flags that build this configuration (hls/Makefile CFG=...)."""
        base = spec_builds.default_build().hls_macros()
        return " ".join(f"-D{macro}={v}" for macro, v in self.hls_macros().items()
                        if v != base[macro])

    @property
    def bus_words32(self) -> int:
        return self.bus_bits // 32

    @property
    def bus_words16(self) -> int:
        return self.bus_bits // 16

    @property
    def stream_half(self) -> int:
        """Packed 32-bit words of one streamed chunk per bank (STREAM_K at data_bits)."""
        return self.stream_k * self.data_bits // 32

    @property
    def weight_depth_eff(self) -> int:
        """Packed 32-bit store words per bank as built (weight_depth counts data_bits-wide
        words; streamed-only builds keep just the stream tile of 2 chunks)."""
        if self.weight_mode == 0:
            return 2 * self.stream_half
        return self.weight_depth * self.data_bits // 32


# --------------------------------------------------------------------------- per-op costs


def row_words(in_cols: int, bits: int) -> int:
    """32-bit words of one packed weight row."""
    return _cdiv(in_cols, 32 // bits)


def loop(steps: int, cfg: ArrayConfig) -> int:
    """A pipelined loop of ``steps`` iterations at II = 1: its steps + its depth."""
    return steps + cfg.pipe_depth


# One pipelined loop of the kernel as the model sees it: its label in hls/src (the loop's C
# label), how often it is entered, its total steps (iterations at II = 1) and the bus latency
# paid before it (a read burst). Cycles = steps + entries x pipe_depth + latency.
LoopUse = tuple[str, int, int, int]


def loops_cycles(loops: list[LoopUse], cfg: ArrayConfig) -> int:
    """Cycles of a list of loop uses."""
    return sum(steps + entries * cfg.pipe_depth + lat for _, entries, steps, lat in loops)


def drain_cycles(cfg: ArrayConfig) -> int:
    """Steps to drain one tile: all node_rows rows at once (one per row bank), DRAIN_COLS
    columns per step."""
    return _cdiv(cfg.out_lanes, cfg.drain_cols)


def fetch_beats(first: int, rows: int, row_stride: int, words: int, cfg: ArrayConfig) -> int:
    """Bus beats (FETCH steps of DENSE_STEPS) to read ``rows`` rows of ``words`` packed words, row j
    starting at image word first + j * row_stride: each row its own beats, one per step."""
    b = cfg.bus_words32
    return sum((s + words - 1) // b - s // b + 1
               for s in range(first, first + rows * row_stride, row_stride))


def horner_order(in_cols: int, seg_cols: int = 0, aligns: list[int] | None = None
                 ) -> list[tuple[int, int, int]]:
    """A DENSE's input segments in the order the kernel walks them (hls/src/dense_tile.h
    ``seg_plan``, the RTL's Horner order): (first column, end column, doublings after it),
    decreasing alignment, ties in column order; the doublings add up to the largest
    alignment. No segments: one of all columns, no doubling."""
    if not seg_cols:
        return [(0, in_cols, 0)]
    al = list(aligns or [])[:in_cols // seg_cols]
    order = sorted(range(len(al)), key=lambda s: (-al[s], s))
    return [(s * seg_cols, (s + 1) * seg_cols,
             al[s] - (al[order[k + 1]] if k + 1 < len(order) else 0))
            for k, s in enumerate(order)]


def dense_loops(rows: int, in_cols: int, out_cols: int, bits: int, streamed: bool,
                cfg: ArrayConfig, first_word: int = 0,
                segments: list[tuple[int, int, int]] | None = None) -> list[LoopUse]:
    """DENSE (hls/src/dense_tile.h dense_op): ONE DENSE_STEPS loop over the tiles and, after
    the last, D drain-only steps. A tile walks its input segments in Horner order
    (``segments``, from ``horner_order``; None: one segment): each segment's packed words
    (one word = 32 / bits inputs per bank per step; a word straddling two segments is stepped
    in both) — streamed, in chunks of at most STREAM_K inputs' words, each the chunk's bus
    beats (one per step; ``first_word`` = the image word of the op's weights, data base +
    w_off, fixes which beats the rows touch) then its words — then the segment's doublings
    (one step each); a tile lasts at least D steps (the previous tile's drain); each streamed
    chunk adds the bus latency."""
    ac = cfg.out_lanes
    tiles_c, tiles_r = _cdiv(out_cols, ac), _cdiv(rows, cfg.node_rows)
    d = drain_cycles(cfg)
    rw, per_word = row_words(in_cols, bits), 32 // bits
    pieces = segments or [(0, in_cols, 0)]
    doublings = sum(p[2] for p in pieces)
    spans = [(c0 // per_word, (c1 - 1) // per_word + 1) for c0, c1, _ in pieces]
    if not streamed:
        tile = sum(e - w for w, e in spans) + doublings
        return [("DENSE_STEPS", 1, tiles_c * tiles_r * max(tile, d) + d, 0)]
    skw = cfg.stream_k // per_word
    steps = latency = 0
    for ct in range(tiles_c):
        tile_rows = min(out_cols - ct * ac, ac)
        tile = doublings
        for w, end in spans:
            while w < end:
                cw = min(skw, end - w)
                tile += fetch_beats(first_word + ct * ac * rw + w, tile_rows, rw, cw, cfg) + cw
                latency += tiles_r * cfg.axi_latency
                w += cw
        steps += tiles_r * max(tile, d)
    return [("DENSE_STEPS", 1, steps + d, latency)]


def dense_cycles(rows: int, in_cols: int, out_cols: int, bits: int, streamed: bool,
                 cfg: ArrayConfig, first_word: int = 0,
                 segments: list[tuple[int, int, int]] | None = None) -> int:
    """DENSE op cycles (without the FSM's op overhead)."""
    return loops_cycles(dense_loops(rows, in_cols, out_cols, bits, streamed, cfg, first_word,
                                    segments), cfg)


def agg_whole_tiles(group: int, axis: int, cfg: ArrayConfig) -> bool:
    """AGGREGATE takes a whole row tile (node_rows rows) per step unless two of its rows could
    belong to different groups of one group-state slot: axis 1 with K > node_rows not a
    multiple of it (hls/src/aggregate.h ``agg_whole_tiles``)."""
    ar = cfg.node_rows
    return axis == 0 or group <= ar or group % ar == 0


def aggregate_loops(rows: int, cols: int, cfg: ArrayConfig, group: int = 1, axis: int = 0
                    ) -> list[LoopUse]:
    """One AGG_STEPS loop: per DRAIN_COLS column tile a reduce and a write pass, one step per
    row tile (per row where ``agg_whole_tiles`` is false)."""
    per_pass = _cdiv(rows, cfg.node_rows) if agg_whole_tiles(group, axis, cfg) else rows
    return [("AGG_STEPS", 1, 2 * _cdiv(cols, cfg.drain_cols) * per_pass, 0)]


def aggregate_cycles(rows: int, cols: int, cfg: ArrayConfig, group: int = 1, axis: int = 0
                     ) -> int:
    return loops_cycles(aggregate_loops(rows, cols, cfg, group, axis), cfg)


def norm_loops(rows: int, cols: int, cfg: ArrayConfig) -> list[LoopUse]:
    """SUMSQ (rows x column tiles), 32-step ISQRT, 64-step DIVIDE, SCALE."""
    q = rows * _cdiv(cols, cfg.drain_cols)
    return [("SUMSQ", 1, q, 0), ("ISQRT", 1, 32, 0), ("DIVIDE", 1, 64, 0), ("SCALE", 1, q, 0)]


def norm_cycles(rows: int, cols: int, cfg: ArrayConfig) -> int:
    return loops_cycles(norm_loops(rows, cols, cfg), cfg)


def taylor_loops(rows: int, in_cols: int, group: int, cfg: ArrayConfig) -> list[LoopUse]:
    """Per channel A_STEPS (K*K*N products), E_STEPS (N*K*K), E_WRITE (rows)."""
    k, n, ch = group, rows // group, in_cols // 2
    return [("A_STEPS", ch, ch * k * k * n, 0), ("E_STEPS", ch, ch * n * k * k, 0),
            ("E_WRITE", ch, ch * rows, 0)]


def taylor_cycles(rows: int, in_cols: int, group: int, cfg: ArrayConfig) -> int:
    return loops_cycles(taylor_loops(rows, in_cols, group, cfg), cfg)


def table_in_cycles(elems: int, cfg: ArrayConfig) -> int:
    """Input table (LOAD_ELEMS): one element per step after the burst latency."""
    return cfg.axi_latency + loop(elems, cfg)


def table_out_cycles(elems: int, cfg: ArrayConfig) -> int:
    """Output table (STORE_ELEMS): one element per step (writes are posted)."""
    return loop(elems, cfg)


def op_loops(op: Op, bits: int, streamed: bool, cfg: ArrayConfig, data_base: int = 0
             ) -> list[LoopUse]:
    """The loops one op runs (by opcode); ``data_base``: image word of the data segment."""
    if op.opcode == 1:
        return dense_loops(op.rows, op.in_cols, op.out_cols, bits, streamed, cfg,
                           data_base + op.w_off,
                           horner_order(op.in_cols, op.seg_cols,
                                        op.segment_aligns(op.num_segments)))
    if op.opcode == 2:
        return aggregate_loops(op.rows, op.in_cols, cfg, op.group, op.agg_axis)
    if op.opcode == 3:
        return norm_loops(op.rows, op.in_cols, cfg)
    return taylor_loops(op.rows, op.in_cols, op.group, cfg)


def loop_table(program: Program | str | Path, config: ArrayConfig | None = None
               ) -> list[dict[str, Any]]:
    """Per loop label of hls/src, what one inference (program loaded) runs: entries, steps at
    II = 1, the depth paid per entry and the cycles — the table parse_hls_report.py puts
    beside csynth.xml's loops (trip count x II + depth)."""
    from spacemimo.quant.program import Program

    cfg = config or ArrayConfig.from_build()
    p = program if isinstance(program, Program) else Program.load(program)
    pred = predict(p, cfg)
    uses: list[LoopUse] = [("LOAD_ELEMS", 1, pred.in_elems, cfg.axi_latency)]
    for op, cost in zip(p.ops, pred.ops, strict=True):
        uses += op_loops(op, p.bits, cost.placement == "streamed", cfg,
                         HEADER_WORDS + OP_WORDS * len(p.ops))
    uses.append(("STORE_ELEMS", 1, pred.out_elems, 0))
    table: dict[str, dict[str, Any]] = {}
    for label, entries, steps, lat in uses:
        row = table.setdefault(label, {"loop": label, "entries": 0, "steps": 0, "ii": 1,
                                       "depth": cfg.pipe_depth, "latency": 0, "cycles": 0})
        row["entries"] += entries
        row["steps"] += steps
        row["latency"] += lat
        row["cycles"] += steps + entries * cfg.pipe_depth + lat
    return list(table.values())


# --------------------------------------------------------------------------- programs


@dataclass
class OpCost:
    """One op's predicted cost."""

    index: int
    name: str
    rows: int
    in_cols: int
    out_cols: int
    weights: int
    macs: int
    placement: str  # resident | streamed | -
    cycles: int


@dataclass
class Prediction:
    """Predicted cycles of a program on a configuration."""

    config: ArrayConfig
    bits: int
    ops: list[OpCost] = field(default_factory=list)
    compute: int = 0  # one pass over the op table (per inference, excluding I/O)
    load: int = 0  # LOAD_PROGRAM
    inference: int = 0  # one vector, program already loaded (STEPS of such a run)
    resident_words: int = 0
    streamed_words: int = 0
    error: str = ""
    in_elems: int = 0  # elements of one input table
    out_elems: int = 0

    def run_cycles(self, num_vectors: int = 1, load: bool = False) -> int:
        """STEPS of a run of ``num_vectors`` back to back (with LOAD_PROGRAM if ``load``)."""
        return self.config.start_overhead + (self.load if load else 0) + self._vectors(
            num_vectors)

    def _vectors(self, n: int) -> int:
        return _vectors(n, self.compute, self.in_elems, self.out_elems, self.config)

    @property
    def weights(self) -> int:
        return sum(o.weights for o in self.ops)

    @property
    def macs(self) -> int:
        return sum(o.macs for o in self.ops)

    def microseconds(self, cycles: int) -> float:
        return cycles / self.config.clock_mhz

    def table(self, counted: list[int] | None = None, rtl: dict[int, int] | None = None
              ) -> str:
        """Markdown per-op table plus totals. ``counted``: the C-sim's per-op counted steps
        (the kernel's loop-step counter) beside the model; ``rtl``: the RTL's measured cycles
        (Verilator, results/bench_hw/cycles_per_op.json) of the ops both share."""
        c = self.config
        head = "| # | op | rows | in | out | weights | MACs | weights at | modelled (HLS) |"
        rule = "|---:|---|---:|---:|---:|---:|---:|---|---:|"
        if counted is not None:
            head += " counted (HLS C-sim) |"
            rule += "---:|"
        if rtl:
            head += " measured (RTL, Verilator) |"
            rule += "---:|"
        lines = [
            f"array {c.node_rows}x{c.out_lanes} (drain {c.drain_cols}), bus {c.bus_bits} bit, "
            f"weights {c.weight_placement} (store {c.out_lanes}x{c.weight_depth} words), "
            f"{self.bits}-bit program, {c.clock_mhz:g} MHz",
            "",
            head,
            rule,
        ]
        for i, o in enumerate(self.ops):
            row = (f"| {o.index} | {o.name} | {o.rows} | {o.in_cols} | {o.out_cols} | "
                   f"{o.weights:,} | {o.macs:,} | {o.placement} | {o.cycles:,} |")
            if counted is not None:
                row += f" {counted[i]:,} |" if i < len(counted) else " - |"
            if rtl:
                row += f" {rtl[o.index]:,} |" if o.index in rtl else " - |"
            lines.append(row)
        lines += [
            "",
            f"- compute per inference (modelled): {self.compute:,} cycles "
            f"({self.macs / max(self.compute, 1):.0f} MAC/cycle of "
            f"{c.node_rows * c.out_lanes} PEs x {32 // self.bits} products)",
            f"- one inference, program loaded (STEPS, modelled): {self.inference:,} cycles = "
            f"{self.microseconds(self.inference):,.1f} us",
            f"- LOAD_PROGRAM (checksum + {self.resident_words:,} resident weight words): "
            f"{self.load:,} cycles; {self.streamed_words:,} weight words streamed per inference",
        ]
        if counted is not None:
            lines.append(f"- counted by the HLS C-sim (its loops' own step count), ops only: "
                         f"{sum(counted):,} cycles; modelled {self.compute:,}")
        if rtl:
            shared = [o for o in self.ops if o.index in rtl]
            lines.append(f"- RTL measured (its own paper-size build, {RTL_CYCLES_JSON}): "
                         f"{sum(rtl[o.index] for o in shared):,} cycles over the {len(shared)} "
                         f"ops both share, the HLS model {sum(o.cycles for o in shared):,}")
        return "\n".join(lines)


# The RTL's per-op cycles, measured in Verilator by `spacemimo bench hw` on paper-size GSM.
RTL_CYCLES_JSON = Path("results/bench_hw/cycles_per_op.json")


def rtl_measured(program: Program | str | Path, path: Path | None = None) -> dict[int, int]:
    """The RTL's measured cycles of the ops of ``program`` it shares with the RTL bench
    (same bits, op index, opcode and shape): op index -> cycles; {} when the bench file is
    absent or no op matches (rows mixing two ops, e.g. "NORM + output store", never match)."""
    import json

    from spacemimo.ground import paths
    from spacemimo.quant.program import Program

    f = path or paths.source_root() / RTL_CYCLES_JSON
    if not f.is_file():
        return {}
    p = program if isinstance(program, Program) else Program.load(program)
    out: dict[int, int] = {}
    for r in json.loads(f.read_text()).get("rows", []):
        i = r.get("op")
        if r.get("bits") != p.bits or not isinstance(i, int) or i >= len(p.ops):
            continue
        op = p.ops[i]
        if (_OPCODE_NAMES.get(op.opcode) == r.get("name") and (op.rows, op.in_cols) ==
                (r.get("rows"), r.get("in")) and op.out_cols == r.get("out")):
            out[i] = int(r["measured"])
    return out


def _vectors(n: int, compute: int, in_elems: int, out_elems: int, cfg: ArrayConfig) -> int:
    """n vectors: input load, ops, output store, in sequence (no overlap in the code)."""
    return n * (table_in_cycles(in_elems, cfg) + compute + table_out_cycles(out_elems, cfg))


def _op_macs(op: Op) -> int:
    if op.opcode == 1:
        return op.rows * op.in_cols * op.out_cols
    if op.opcode == 4:
        k, n, ch = op.group, op.rows // op.group, op.in_cols // 2
        return ch * 4 * (k * k * n + n * k * k)
    return 0


def predict(program: Program | str | Path, config: ArrayConfig | None = None) -> Prediction:
    """Cycles of ``program`` (a Program or an image path) on ``config`` (default: the header's).

    Weight placement follows the loader: resident in program order while the store has room
    (hybrid), all resident (resident; error if it does not fit) or all streamed.
    """
    from spacemimo.quant.program import Program
    from spacemimo.quant.program import bias_words as bias_words_per_output

    cfg = config or ArrayConfig.from_build()
    p = program if isinstance(program, Program) else Program.load(program)
    pred = Prediction(config=cfg, bits=p.bits)
    if p.bits > cfg.data_bits:
        pred.error = f"{p.bits}-bit program on a {cfg.data_bits}-bit build (DIMS_EXCEED_MAX)"
    pred.in_elems, pred.out_elems = p.in_rows * p.in_cols, p.out_rows * p.out_cols
    ac = cfg.out_lanes
    bnext = wnext = 0
    image_words = HEADER_WORDS + OP_WORDS * len(p.ops) + int(p.data.size)
    total_need = sum(_cdiv(op.out_cols, ac) * row_words(op.in_cols, p.bits)
                     for op in p.ops if op.opcode == 1)
    depth = cfg.weight_depth_eff
    all_resident = cfg.weight_mode != 0 and total_need <= depth
    if cfg.weight_mode == 1 and not all_resident:
        pred.error = (f"weights need {total_need} words per bank, the resident store has "
                      f"{depth}: they do not fit")
    cap = depth if all_resident else (0 if cfg.weight_mode == 0 else depth - 2 * cfg.stream_half)
    # LOAD_PROGRAM (program_loader.h): header, checksum pass (whole beats), one 16-word read
    # per op record,
    # the placement pass, then one burst per resident weight block and per bias block
    load = (cfg.axi_latency + loop(HEADER_WORDS, cfg) + cfg.axi_latency
            + loop(_cdiv(image_words, cfg.bus_words32), cfg)  # the CRC pass: a beat per step
            + len(p.ops) * (cfg.axi_latency + loop(OP_WORDS, cfg)) + loop(len(p.ops), cfg))
    compute = 0
    for i, op in enumerate(p.ops):
        placement, weights = "-", 0
        if op.opcode == 1:
            weights = op.in_cols * op.out_cols
            tiles_c = _cdiv(op.out_cols, ac)
            words = op.out_cols * row_words(op.in_cols, p.bits)
            need = tiles_c * row_words(op.in_cols, p.bits)
            if wnext + need <= cap:
                placement = "resident"
                wnext += need
                pred.resident_words += words
                load += cfg.axi_latency + loop(words, cfg)
            else:
                placement = "streamed"
                pred.streamed_words += words
            if op.b_off != 0xFFFFFFFF:
                bnext += tiles_c
                load += cfg.axi_latency + loop(op.out_cols * bias_words_per_output(p.acc_bits),
                                               cfg)
        cyc = loops_cycles(op_loops(op, p.bits, placement == "streamed", cfg,
                                    HEADER_WORDS + OP_WORDS * len(p.ops)), cfg)
        cyc += cfg.op_overhead  # the FSM's fetch and decode of the record
        compute += cyc
        pred.ops.append(OpCost(i, _OPCODE_NAMES.get(op.opcode, str(op.opcode)), op.rows,
                               op.in_cols, op.out_cols, weights, _op_macs(op), placement, cyc))
    if bnext > _cdiv(cfg.bias_words, ac):
        pred.error = pred.error or "biases do not fit the bias store"
    pred.compute = compute
    pred.load = load
    pred.inference = cfg.start_overhead + _vectors(1, compute, pred.in_elems, pred.out_elems,
                                                   cfg)
    return pred


# --------------------------------------------------------------------------- presets


# The named HLS builds of spacemimo/spec/builds.yaml (docs/BUILDS.md says what each is for);
# hls/Makefile builds a board's preset with CFG=$(python -c '...preset(name).cflags()').
PRESETS: dict[str, ArrayConfig] = {
    name: ArrayConfig.from_build(b) for name, b in spec_builds.load().of_backend("hls").items()}


def preset(name: str, **overrides: Any) -> ArrayConfig:
    """An ArrayConfig preset by name (PRESETS), with overrides (None values ignored)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
    return PRESETS[name].with_(**overrides)


def paper_comparison(configs: dict[str, ArrayConfig] | None = None, seed: int = 0
                     ) -> list[dict[str, Any]]:
    """Predicted paper-size GSM cycles per inference at 8 and 16 bit beside the paper's."""
    from spacemimo.quant.random_programs import random_gsm_program

    configs = configs or {n: preset(n) for n in ("vx690t", "vx690t-streamed", "vx690t-bus512")}
    rows = []
    for bits in (8, 16):
        prog = random_gsm_program(bits=bits, seed=seed)
        lo, hi = PAPER_GSM_CYCLES[bits]
        for name, cfg in configs.items():
            pr = predict(prog, cfg)
            rows.append({"bits": bits, "config": name, "cycles": pr.inference,
                         "load_cycles": pr.load, "paper_cycles": lo,
                         "speedup": lo / pr.inference, "pes": cfg.node_rows * cfg.out_lanes,
                         "resident_words": pr.resident_words,
                         "streamed_words": pr.streamed_words, "error": pr.error})
    return rows


def paper_comparison_markdown(rows: list[dict[str, Any]]) -> str:
    """Markdown table of ``paper_comparison`` rows."""
    out = ["| bits | config | PEs | cycles / inference | paper (min) | speed-up | LOAD_PROGRAM |",
           "|---:|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["error"]:
            out.append(f"| {r['bits']} | {r['config']} | {r['pes']} | rejected: {r['error']} | "
                       f"{r['paper_cycles']:,} | - | - |")
            continue
        out.append(f"| {r['bits']} | {r['config']} | {r['pes']} | {r['cycles']:,} | "
                   f"{r['paper_cycles']:,} | {r['speedup']:.1f}x | {r['load_cycles']:,} |")
    return "\n".join(out)
