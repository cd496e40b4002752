"""Performance model of the HLS/RTL accelerator: cycles per op and per run for any program.

The formulas are those of ``hls/src/cycle_model.h`` (the C-sim reports the same count in its
CYCLES register; ``tests/test_perfmodel.py`` checks the two agree), and the default
configuration is read from ``hls/src/accel_config.h`` so the model and the kernel share one
source of sizes. The RTL issue compares these predictions with measured cycles.

Cost structure (output-stationary ARRAY_ROWS x ARRAY_COLS array, see hls/README.md):

- DENSE: ceil(out/AC) column tiles x ceil(rows/AR) row tiles x max(in_cols, drain) cycles,
  plus a per-op tail (systolic fill AR + AC, pipeline, last drain). Streamed ops fetch chunks
  of STREAM_K inputs x AC neurons over the bus into a ping-pong tile while the previous chunk
  computes, so a chunk costs max(compute, fetch): over a 64-bit bus an 8-bit weight costs 1/8
  cycle, exactly the paper's weight-streaming bound.
- AGGREGATE / NORM: two passes over the rows, DRAIN_COLS columns per cycle (+ isqrt, divide).
- TAYLOR: the two small complex products per channel on the array.
- A run: start, optional LOAD_PROGRAM (checksum pass + resident weight copy), then the vectors
  with input fetch / output store overlapping compute (ping-pong input buffer).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacemimo.quant.program import Op, Program

from spacemimo.ground import paths

CONFIG_HEADER = paths.hls_dir() / "src" / "accel_config.h"

# GSM paper (seeds/002, Table III / sec. V-B): XC7V690T, 100 MHz, 64-bit bus.
PAPER_GSM_CYCLES = {8: (386_284, 588_280), 16: (719_218, 1_050_372)}
PAPER_GSM_RESOURCES = {"BRAM_18K": 1472, "DSP": 128, "FF": 100_844, "LUT": 246_646}

WEIGHT_MODES = {"streamed": 0, "resident": 1, "hybrid": 2}
_OPCODE_NAMES = {1: "DENSE", 2: "AGGREGATE", 3: "NORM", 4: "TAYLOR"}
HEADER_WORDS = 16
OP_WORDS = 16

# accel_config.h macro -> ArrayConfig field
_MACROS = {
    "SM_ARRAY_ROWS": "array_rows", "SM_ARRAY_COLS": "array_cols", "SM_DRAIN_COLS": "drain_cols",
    "SM_DATA_BITS": "data_bits", "SM_ACC_BITS": "acc_bits", "SM_MAX_ROWS": "max_rows",
    "SM_MAX_COLS": "max_cols", "SM_NUM_BUFFERS": "num_buffers", "SM_MAX_OPS": "max_ops",
    "SM_WEIGHT_MODE": "weight_mode", "SM_WEIGHT_DEPTH": "weight_depth",
    "SM_BIAS_WORDS": "bias_words", "SM_STREAM_K": "stream_k", "SM_BUS_WIDTH": "bus_width",
    "SM_MAX_DATA_WORDS": "max_data_words", "SM_AXI_LATENCY": "axi_latency",
    "SM_PIPE_DEPTH": "pipe_depth", "SM_OP_OVERHEAD": "op_overhead",
    "SM_START_OVERHEAD": "start_overhead",
}


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class ArrayConfig:
    """The accelerator's synthesized configuration (the knobs of hls/src/accel_config.h)."""

    array_rows: int = 4
    array_cols: int = 256
    drain_cols: int = 32
    data_bits: int = 16
    acc_bits: int = 48
    max_rows: int = 64
    max_cols: int = 1024
    num_buffers: int = 4
    max_ops: int = 64
    weight_mode: int = 2
    weight_depth: int = 8192
    bias_words: int = 16384
    stream_k: int = 128
    bus_width: int = 64
    max_data_words: int = 1 << 22
    axi_latency: int = 32
    pipe_depth: int = 8
    op_overhead: int = 4
    start_overhead: int = 8
    clock_mhz: float = 100.0

    @classmethod
    def from_header(cls, path: str | Path = CONFIG_HEADER, **overrides: Any) -> ArrayConfig:
        """Defaults parsed from accel_config.h (``#define SM_X value``), then ``overrides``."""
        values: dict[str, Any] = {}
        p = Path(path)
        if p.exists():
            for name, expr in re.findall(r"^#define\s+(SM_\w+)\s+([^/\n]+)", p.read_text(),
                                         flags=re.M):
                if name in _MACROS:
                    values[_MACROS[name]] = _eval_int(expr)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> ArrayConfig:
        """A copy with some knobs changed (None values ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def cflags(self) -> str:
        """The -D flags that build this configuration (hls/Makefile CFG=...)."""
        inv = {v: k for k, v in _MACROS.items()}
        base = ArrayConfig.from_header()
        return " ".join(f"-D{inv[k]}={v}" for k, v in asdict(self).items()
                        if k in inv and v != getattr(base, k))

    @property
    def bus_words32(self) -> int:
        return self.bus_width // 32

    @property
    def bus_words16(self) -> int:
        return self.bus_width // 16

    @property
    def weight_depth_eff(self) -> int:
        """Store words per bank as built (streamed-only builds keep just the ping-pong tile)."""
        return 2 * self.stream_k if self.weight_mode == 0 else self.weight_depth


def _eval_int(expr: str) -> int:
    """Evaluate a C integer macro body such as ``(1u << 22)`` or ``256``."""
    text = re.sub(r"(\d+)[uUlL]+\b", r"\1", expr.strip())
    if not re.fullmatch(r"[\d\s()<>*+\-]+", text):
        raise ValueError(f"cannot evaluate config macro {expr!r}")
    return int(eval(text, {"__builtins__": {}}, {}))  # noqa: S307 - digits and operators only


# --------------------------------------------------------------------------- per-op costs


def row_words(in_cols: int, bits: int) -> int:
    """32-bit words of one packed weight row."""
    return _cdiv(in_cols, 32 // bits)


def drain_cycles(cfg: ArrayConfig) -> int:
    """Cycles to drain one row tile (AR x AC accumulators) through DRAIN_COLS banks."""
    return cfg.array_rows * _cdiv(cfg.array_cols, cfg.drain_cols)


def dense_tail(cfg: ArrayConfig) -> int:
    """Systolic fill + pipeline + last drain, paid once per DENSE op."""
    return cfg.array_rows + cfg.array_cols + cfg.pipe_depth + drain_cycles(cfg)


def dense_tile(rows: int, in_cols: int, cfg: ArrayConfig) -> int:
    """One column tile over all row tiles."""
    return _cdiv(rows, cfg.array_rows) * max(in_cols, drain_cycles(cfg))


def stream_chunk(tile_rows: int, length: int, bits: int, cfg: ArrayConfig) -> int:
    """Fetch one streamed chunk (``length`` inputs of ``tile_rows`` neuron rows) over the bus."""
    return _cdiv(tile_rows * _cdiv(length, 32 // bits), cfg.bus_words32) + cfg.axi_latency


def dense_cycles(rows: int, in_cols: int, out_cols: int, bits: int, streamed: bool,
                 cfg: ArrayConfig) -> int:
    """DENSE op cycles (cycle_model::dense)."""
    ac, sk = cfg.array_cols, cfg.stream_k
    tiles_c, tiles_r = _cdiv(out_cols, ac), _cdiv(rows, cfg.array_rows)
    if not streamed:
        return tiles_c * dense_tile(rows, in_cols, cfg) + dense_tail(cfg)
    # chunks in (column tile, row tile, k) order; chunk c+1 is fetched while c computes
    c, prev, first = 0, 0, True
    for ct in range(tiles_c):
        tile_rows = min(out_cols - ct * ac, ac)
        for _ in range(tiles_r):
            for k0 in range(0, in_cols, sk):
                length = min(in_cols - k0, sk)
                fetch = stream_chunk(tile_rows, length, bits, cfg)
                c += fetch if first else max(prev, fetch)
                first, prev = False, length
    drain_wait = max(drain_cycles(cfg) - in_cols, 0)
    return c + prev + tiles_c * tiles_r * drain_wait + dense_tail(cfg)


def aggregate_cycles(rows: int, cols: int, cfg: ArrayConfig) -> int:
    return 2 * rows * _cdiv(cols, cfg.drain_cols) + cfg.pipe_depth


def norm_cycles(rows: int, cols: int, cfg: ArrayConfig) -> int:
    return 2 * rows * _cdiv(cols, cfg.drain_cols) + 32 + 64 + cfg.pipe_depth


def taylor_cycles(rows: int, in_cols: int, group: int, cfg: ArrayConfig) -> int:
    k, n, ch = group, rows // group, in_cols // 2
    a = _cdiv(k, cfg.array_rows) * _cdiv(2 * k, cfg.array_cols) * max(2 * n, cfg.array_rows)
    e = _cdiv(n, cfg.array_rows) * _cdiv(2 * k, cfg.array_cols) * max(2 * k, cfg.array_rows)
    return ch * (a + e) + 2 * dense_tail(cfg)


def table_io_cycles(elems: int, cfg: ArrayConfig) -> int:
    return _cdiv(elems, cfg.bus_words16) + cfg.axi_latency


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
    inference: int = 0  # one vector, program already loaded (CYCLES of such a run)
    resident_words: int = 0
    streamed_words: int = 0
    error: str = ""
    in_elems: int = 0  # elements of one input table
    out_elems: int = 0

    def run_cycles(self, num_vectors: int = 1, load: bool = False) -> int:
        """CYCLES of a run of ``num_vectors`` back to back (with LOAD_PROGRAM if ``load``)."""
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

    def table(self) -> str:
        """Markdown per-op table plus totals."""
        c = self.config
        lines = [
            f"array {c.array_rows}x{c.array_cols} (drain {c.drain_cols}), bus {c.bus_width} bit, "
            f"weights {_mode_name(c.weight_mode)} (store {c.array_cols}x{c.weight_depth} words), "
            f"{self.bits}-bit program, {c.clock_mhz:g} MHz",
            "",
            "| # | op | rows | in | out | weights | MACs | weights at | cycles |",
            "|---:|---|---:|---:|---:|---:|---:|---|---:|",
        ]
        for o in self.ops:
            lines.append(f"| {o.index} | {o.name} | {o.rows} | {o.in_cols} | {o.out_cols} | "
                         f"{o.weights:,} | {o.macs:,} | {o.placement} | {o.cycles:,} |")
        lines += [
            "",
            f"- compute per inference: {self.compute:,} cycles "
            f"({self.macs / max(self.compute, 1):.0f} MAC/cycle of "
            f"{c.array_rows * c.array_cols} PEs)",
            f"- one inference, program loaded (CYCLES): {self.inference:,} cycles = "
            f"{self.microseconds(self.inference):,.1f} us",
            f"- LOAD_PROGRAM (checksum + {self.resident_words:,} resident weight words): "
            f"{self.load:,} cycles; {self.streamed_words:,} weight words streamed per inference",
        ]
        return "\n".join(lines)


def _mode_name(mode: int) -> str:
    return {v: k for k, v in WEIGHT_MODES.items()}.get(mode, str(mode))


def _vectors(n: int, compute: int, in_elems: int, out_elems: int, cfg: ArrayConfig) -> int:
    i, o = table_io_cycles(in_elems, cfg), table_io_cycles(out_elems, cfg)
    return i + compute + o + (n - 1) * max(compute, i + o)


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

    cfg = config or ArrayConfig.from_header()
    p = program if isinstance(program, Program) else Program.load(program)
    pred = Prediction(config=cfg, bits=p.bits)
    if p.bits > cfg.data_bits:
        pred.error = f"{p.bits}-bit program on a {cfg.data_bits}-bit build (DIMS_EXCEED_MAX)"
    pred.in_elems, pred.out_elems = p.in_rows * p.in_cols, p.out_rows * p.out_cols
    ac = cfg.array_cols
    pack = cfg.data_bits // p.bits if p.bits <= cfg.data_bits else 1
    wnext = bnext = bursts = bias_words = 0
    image_words = HEADER_WORDS + OP_WORDS * len(p.ops) + int(p.data.size)
    total_need = sum(_cdiv(op.out_cols, ac) * _cdiv(op.in_cols, pack)
                     for op in p.ops if op.opcode == 1)
    depth = cfg.weight_depth_eff
    all_resident = cfg.weight_mode != 0 and total_need <= depth
    if cfg.weight_mode == 1 and not all_resident:
        pred.error = (f"weights need {total_need} words per bank, the resident store has "
                      f"{depth}: they do not fit")
    cap = depth if all_resident else (0 if cfg.weight_mode == 0 else depth - 2 * cfg.stream_k)
    compute = 0
    for i, op in enumerate(p.ops):
        placement, weights = "-", 0
        if op.opcode == 1:
            weights = op.in_cols * op.out_cols
            tiles_c = _cdiv(op.out_cols, ac)
            need = tiles_c * _cdiv(op.in_cols, pack)
            words = op.out_cols * row_words(op.in_cols, p.bits)
            if wnext + need <= cap:
                placement = "resident"
                wnext += need
                pred.resident_words += words
                bursts += 1
            else:
                placement = "streamed"
                pred.streamed_words += words
            if op.b_off != 0xFFFFFFFF:
                bnext += tiles_c
                bias_words += op.out_cols * bias_words_per_output(p.acc_bits)
                bursts += 1
            cyc = dense_cycles(op.rows, op.in_cols, op.out_cols, p.bits,
                               placement == "streamed", cfg)
        elif op.opcode == 2:
            cyc = aggregate_cycles(op.rows, op.in_cols, cfg)
        elif op.opcode == 3:
            cyc = norm_cycles(op.rows, op.in_cols, cfg)
        else:
            cyc = taylor_cycles(op.rows, op.in_cols, op.group, cfg)
        cyc += cfg.op_overhead
        compute += cyc
        pred.ops.append(OpCost(i, _OPCODE_NAMES.get(op.opcode, str(op.opcode)), op.rows,
                               op.in_cols, op.out_cols, weights, _op_macs(op), placement, cyc))
    if bnext > _cdiv(cfg.bias_words, ac):
        pred.error = pred.error or "biases do not fit the bias store"
    pred.compute = compute
    pred.load = (_cdiv(HEADER_WORDS, cfg.bus_words32) + cfg.axi_latency
                 + _cdiv(image_words, cfg.bus_words32) + cfg.axi_latency
                 + _cdiv(pred.resident_words, cfg.bus_words32) + _cdiv(bias_words, cfg.bus_words32)
                 + bursts * cfg.axi_latency + len(p.ops) * cfg.op_overhead)
    pred.inference = cfg.start_overhead + _vectors(1, compute, pred.in_elems, pred.out_elems,
                                                   cfg)
    return pred


# --------------------------------------------------------------------------- presets


# Named array configurations (hls/README.md explains the choice); hls/Makefile builds a
# board's preset with CFG=$(python -c '...preset(name).cflags()').
PRESETS: dict[str, dict[str, int]] = {
    # the default (= accel_config.h): one bitstream, 8-bit GSM resident, 16-bit GSM hybrid,
    # 64-bit bus as the paper; store 256 banks x 8192 x 16 bit = 1,024 RAMB36 of 1,470
    "vx690t": {},
    # the paper's regime: nothing resident, every weight over the 64-bit bus each inference
    "vx690t-streamed": {"weight_mode": 0},
    # a 690T with a 512-bit memory port (what the paper left to other modules)
    "vx690t-bus512": {"bus_width": 512},
    # ZCU104: 8-bit build, 64 banks of 8-bit words in URAM (8 banks per 72-bit URAM row:
    # 8 x 7 = 56 of 96 URAM), 8-bit GSM resident
    "zcu104": {"data_bits": 8, "acc_bits": 32, "array_cols": 64, "drain_cols": 32,
               "weight_depth": 28672, "bus_width": 128},
    # KV260: 8-bit build, 48 of 64 URAM hold part of GSM, the rest streamed over 128 bits
    "kv260": {"data_bits": 8, "acc_bits": 32, "array_cols": 64, "drain_cols": 32,
              "weight_depth": 24576, "bus_width": 128},
    # PYNQ-Z2: 4 x 32 = 128 MACs (the paper's DSP count), all weights streamed over 64 bits
    "pynqz2": {"array_cols": 32, "drain_cols": 32, "weight_mode": 0, "bus_width": 64,
               "max_rows": 32},
}


def preset(name: str, **overrides: Any) -> ArrayConfig:
    """An ArrayConfig preset by name (PRESETS), with overrides."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
    return ArrayConfig.from_header().with_(**PRESETS[name]).with_(**overrides)


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
                         "speedup": lo / pr.inference, "pes": cfg.array_rows * cfg.array_cols,
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


def weight_store_bram36(cfg: ArrayConfig) -> int:
    """RAMB36 blocks of the weight store if built from block RAM (2K x 18 or 4K x 9 per
    block, rounded up per bank); URAM-based presets (zcu104, kv260) use URAM instead."""
    depth = cfg.weight_depth_eff
    per_bank = math.ceil(depth / 2048) if cfg.data_bits > 9 else math.ceil(depth / 4096)
    return cfg.array_cols * per_bank
