"""The named accelerator builds of ``spacemimo/spec/builds.yaml`` (the one source of every
array configuration).

The HLS kernel's defaults, the RTL module's parameter defaults, the performance model's
presets, ``HardwareLimits`` and the cocotb parameter sets all come from here, with one name
per axis: ``out_lanes`` (output neurons per tile) and ``node_rows`` (graph nodes per tile) mean
the same thing in both back ends, whatever the back end's own macro or parameter is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

BUILDS_FORMAT = "spacemimo builds v1"
BACKENDS = ("hls", "rtl")
WEIGHT_PLACEMENTS = {"streamed": 0, "resident": 1, "hybrid": 2}  # SM_WEIGHT_MODE values
# SEU protection (issue 19): per memory class, the code and its RTL parameter value (also the
# HW_PROTECT register's field value: 0 none, 1 parity, 2 secded)
SEU_WEIGHTS = {"none": 0, "secded": 2}            # resident weight store and bias store
SEU_ACTS = {"none": 0, "parity": 1, "secded": 2}  # activation buffers, per stored value
SEU_CTRL = {"none": 0, "parity": 1}               # op table + header words; FSM state check
_SEU_CODES = {"seu_weights": SEU_WEIGHTS, "seu_acts": SEU_ACTS, "seu_ctrl": SEU_CTRL}
# hybrid RTL builds: which DENSE ops the loader keeps resident (RTL parameter WGT_FIT).
# prefix: in program order until the first that does not fit (it and every later op stream);
# first: every op that still fits the bank depth left (an op too big for it streams, a later
# smaller one may stay resident): a part whose banks hold none of the big early ops
WGT_FITS = {"prefix": 0, "first": 1}
_CODES = {**_SEU_CODES, "wgt_fit": WGT_FITS}

# BuildConfig field -> HLS macro (hls/src/accel_config.h). The kernel names its axes after the
# activation table (rows = nodes, cols = neurons); the spec names them after what they hold.
HLS_MACROS = {
    "node_rows": "SM_ARRAY_ROWS", "out_lanes": "SM_ARRAY_COLS", "drain_cols": "SM_DRAIN_COLS",
    "data_bits": "SM_DATA_BITS", "acc_bits": "SM_ACC_BITS", "max_rows": "SM_MAX_ROWS",
    "max_cols": "SM_MAX_COLS", "num_buffers": "SM_NUM_BUFFERS", "max_ops": "SM_MAX_OPS",
    "weight_mode": "SM_WEIGHT_MODE", "weight_depth": "SM_WEIGHT_DEPTH",
    "bias_words": "SM_BIAS_WORDS", "stream_k": "SM_STREAM_K", "bus_bits": "SM_BUS_WIDTH",
    "max_data_words": "SM_MAX_DATA_WORDS", "axi_latency": "SM_AXI_LATENCY",
    "pipe_depth": "SM_PIPE_DEPTH", "op_overhead": "SM_OP_OVERHEAD",
    "start_overhead": "SM_START_OVERHEAD",
    "seu_weights": "SM_SEU_W", "seu_acts": "SM_SEU_A", "seu_ctrl": "SM_SEU_C", "scrub": "SM_SCRUB",
}
# BuildConfig field -> RTL parameter of spacemimo_accel, in the order cosim passes them. Every
# build passes every one: a knob left to the module's default would silently take the values of
# the build rtl/accel_params.vh is generated from.
RTL_PARAMS = {
    "out_lanes": "OUT_LANES", "node_rows": "NODE_ROWS", "data_bits": "DATA_W",
    "acc_bits": "ACC_W", "max_rows": "MAX_ROWS", "max_cols": "MAX_COLS",
    "num_buffers": "NUM_BUFFERS", "max_ops": "MAX_OPS", "wmem_depth": "WMEM_DEPTH",
    "bmem_depth": "BMEM_DEPTH", "watchdog": "WATCHDOG", "fabric_mul_lanes": "FABRIC_MUL_LANES",
    "norm_cols": "NORM_COLS", "bus_bits": "AXI_DW", "max_data_words": "MAX_DATA_WORDS",
    "wgt_ports": "WGT_PORTS", "wgt_bits": "WGT_DW", "wgt_bufs": "WGT_BUFS", "wgt_fit": "WGT_FIT",
    "dsp_pack": "DSP_PACK", "wmem_pack_rows": "WMEM_PACK_ROWS", "table_elems": "TABLE_ELEMS",
    "seu_weights": "SEU_W", "seu_acts": "SEU_A", "seu_ctrl": "SEU_C", "scrub": "SCRUB",
}
_HLS_ONLY = ("drain_cols", "weight_placement", "weight_depth", "bias_words", "stream_k",
             "axi_latency", "pipe_depth", "op_overhead", "start_overhead")
_RTL_ONLY = ("wmem_depth", "bmem_depth", "watchdog", "fabric_mul_lanes", "norm_cols",
             "wgt_ports", "wgt_bits", "wgt_bufs", "dsp_pack")


@dataclass(frozen=True)
class BuildConfig:
    """One synthesized configuration; back-end-only knobs are None in the other back end."""

    name: str
    backend: str
    doc: str
    out_lanes: int
    node_rows: int
    data_bits: int
    acc_bits: int
    max_rows: int
    max_cols: int
    num_buffers: int
    max_ops: int
    bus_bits: int
    clock_mhz: float
    max_data_words: int
    # HLS kernel
    drain_cols: int | None = None
    weight_placement: str | None = None
    weight_depth: int | None = None
    bias_words: int | None = None
    stream_k: int | None = None
    axi_latency: int | None = None
    pipe_depth: int | None = None
    op_overhead: int | None = None
    start_overhead: int | None = None
    # hand-written RTL
    wmem_depth: int | None = None
    bmem_depth: int | None = None
    watchdog: int | None = None
    fabric_mul_lanes: int | None = None
    norm_cols: int | None = None
    wgt_ports: int | None = None   # weight-stream AXI read ports m_axi_wgt<k> (0: resident)
    wgt_bits: int | None = None    # their data width (64 or 128)
    wgt_bufs: int | None = None    # stream-buffer slots per bank: tiles fetched ahead + 1
    wgt_fit: str = "prefix"        # prefix | first: which DENSE ops stay resident (WGT_FITS)
    # 1: two 8-bit lanes' products per DSP48 (shared activation); 2: and the Q terms summed
    # in a chain of DSP48E2 post-adders (UltraScale+ only: 27-bit A; rtl/sm_mul_chain.v)
    dsp_pack: int | None = None
    # resident 72-bit rows packed back to back over shared memories of this many rows
    # (UltraRAM288: 4,096) instead of one memory per bank; 0: one per bank
    wmem_pack_rows: int = 0
    # elements one activation buffer holds (RTL; rtl/README.md "Activation buffers"): a table
    # of R rows x W columns takes ceil(R / node_rows) row tiles x the next power of two
    # >= ceil(W / out_lanes) column blocks of node_rows x out_lanes; 0: the MAX_ROWS x
    # MAX_COLS rectangle (no bound beyond max_rows and max_cols)
    table_elems: int = 0
    # SEU protection (both back ends; rtl/README.md "SEU protection")
    seu_weights: str = "none"   # none | secded: resident weights (64+8 rows) and biases
    seu_acts: str = "none"      # none | parity | secded: activation buffers, per stored value
    seu_ctrl: str = "none"      # none | parity: op table + header; illegal FSM state caught
    scrub: bool = False         # background scrubber (needs seu_weights secded)

    @property
    def wmem_memories(self) -> int:
        """Memories holding the resident weight store: shared ``wmem_pack_rows``-row memories
        when packed, else one per bank (0 when nothing is resident)."""
        if not self.wmem_depth:
            return 0
        if self.wmem_pack_rows:
            return packed_memories(self.out_lanes, self.wmem_depth, self.wmem_pack_rows)
        return self.out_lanes

    @property
    def weights_per_word(self) -> int:
        """Weights in one packed 32-bit word (8-bit: 4, 16-bit: 2)."""
        return 32 // self.data_bits

    @property
    def weight_mode(self) -> int | None:
        """SM_WEIGHT_MODE of an HLS build (0 streamed, 1 resident, 2 hybrid)."""
        if self.weight_placement is None:
            return None
        return WEIGHT_PLACEMENTS[self.weight_placement]

    @property
    def placement(self) -> str | None:
        """Weight placement: an HLS build's ``weight_placement``; an RTL build's follows from
        its ports and depth (no ports: resident; no resident depth: streamed; else hybrid)."""
        if self.backend == "hls":
            return self.weight_placement
        if not self.wgt_ports:
            return "resident"
        return "streamed" if self.wmem_depth == 0 else "hybrid"

    def with_(self, **changes: Any) -> BuildConfig:
        """A copy with some knobs changed (None values ignored), checked like a spec entry."""
        out = replace(self, **{k: v for k, v in changes.items() if v is not None})
        _check(out)
        return out

    def hls_macros(self) -> dict[str, int]:
        """The HLS macros of this build (``SM_X: value``), in header order."""
        if self.backend != "hls":
            raise ValueError(f"build {self.name} is an RTL build: it has no HLS macros")
        return {macro: self._param_value(key) for key, macro in HLS_MACROS.items()}

    def rtl_params(self) -> dict[str, int]:
        """The RTL parameters cosim and yosys pass to spacemimo_accel (all of RTL_PARAMS)."""
        if self.backend != "rtl":
            raise ValueError(f"build {self.name} is an HLS build: it has no RTL parameters")
        return {param: self._param_value(key) for key, param in RTL_PARAMS.items()}

    def _param_value(self, key: str) -> int:
        """A knob as its RTL parameter value (the SEU codes by their HW_PROTECT number)."""
        value = getattr(self, key)
        if key in _CODES:
            return _CODES[key][value]
        return int(value)


@dataclass(frozen=True)
class BuildSet:
    """All named builds plus which one is each back end's default."""

    builds: dict[str, BuildConfig]
    default: str
    rtl_default: str

    def __getitem__(self, name: str) -> BuildConfig:
        if name not in self.builds:
            raise KeyError(f"unknown build {name!r}; choose from {sorted(self.builds)}")
        return self.builds[name]

    def of_backend(self, backend: str) -> dict[str, BuildConfig]:
        """The builds of one back end, in file order."""
        return {n: b for n, b in self.builds.items() if b.backend == backend}


_FIELDS = {f.name for f in fields(BuildConfig)}


def bank_rows(params: Mapping[str, int]) -> int:
    """Rows of each lane's resident weight bank: one word a row, or two where the rows are
    72-bit SECDED (SEU_W 2) or packed (WMEM_PACK_ROWS > 0; rtl/README.md "Packed resident
    store"). The RTL's ``SW``; one rule for the resource count and the SEU campaign."""
    depth = int(params.get("WMEM_DEPTH", 0))
    paired = int(params.get("SEU_W", 0)) == 2 or int(params.get("WMEM_PACK_ROWS", 0)) > 0
    return depth // 2 if paired else depth


def packed_memories(lanes: int, depth: int, pack_rows: int) -> int:
    """Shared memories of a packed resident store (rtl/README.md "Packed resident store"):
    each of the ``lanes`` banks' ``depth`` / 2 72-bit rows back to back over memories of
    ``pack_rows`` rows. One formula for the spec, the resource count and the SEU campaign."""
    return -(-lanes * (depth // 2) // pack_rows)


def _resolve(name: str, raw: dict[str, dict[str, Any]], seen: tuple[str, ...] = ()
             ) -> dict[str, Any]:
    """A build's values with its ``base`` chain applied (the nearest definition wins)."""
    if name in seen:
        raise ValueError(f"builds: base cycle {' -> '.join((*seen, name))}")
    if name not in raw:
        raise ValueError(f"builds: {seen[-1] if seen else name} names unknown base {name!r}")
    entry = dict(raw[name])
    base = entry.pop("base", None)
    values = _resolve(base, raw, (*seen, name)) if base is not None else {}
    values.update(entry)
    return values


def _build(name: str, values: dict[str, Any]) -> BuildConfig:
    unknown = set(values) - _FIELDS
    if unknown:
        raise ValueError(f"build {name}: unknown keys {sorted(unknown)}")
    backend = values.get("backend")
    if backend not in BACKENDS:
        raise ValueError(f"build {name}: backend {backend!r} not in {BACKENDS}")
    other = _RTL_ONLY if backend == "hls" else _HLS_ONLY
    stray = [k for k in other if values.get(k) is not None]
    if stray:
        raise ValueError(f"build {name}: {stray} do not apply to a {backend} build")
    if backend == "rtl" and "max_data_words" not in values:
        # the module's default: every lane bank's weight and bias words
        values["max_data_words"] = values["out_lanes"] * (values["wmem_depth"]
                                                          + values["bmem_depth"])
    values["clock_mhz"] = float(values.get("clock_mhz", 100.0))
    try:
        cfg = BuildConfig(name=name, **values)
    except TypeError as exc:
        raise ValueError(f"build {name}: {exc}") from None
    _check(cfg)
    return cfg


def _check(b: BuildConfig) -> None:
    """The constraints both back ends' static asserts enforce, caught before any build."""
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ValueError(f"build {b.name}: {what}")

    need(b.data_bits in (8, 16), f"data_bits {b.data_bits} must be 8 or 16")
    need(32 <= b.acc_bits <= 64, f"acc_bits {b.acc_bits} must be in 32..64")
    for axis in ("out_lanes", "node_rows"):
        v = getattr(b, axis)
        need(v >= 1 and v & (v - 1) == 0, f"{axis} {v} must be a power of two "
                                          "(HW_CONFIG reports its log2)")
    need(b.max_rows <= 255 and b.max_cols % 64 == 0 and b.max_cols // 64 <= 255,
         "HW_CONFIG holds max_rows and max_cols / 64 in 8 bits each")
    need(2 <= b.num_buffers <= 15, f"num_buffers {b.num_buffers} must be in 2..15")
    need(b.bus_bits % 32 == 0 and 32 <= b.bus_bits <= 1024,
         f"bus_bits {b.bus_bits}: a multiple of 32 up to 1024")
    for key, codes in _CODES.items():
        need(getattr(b, key) in codes, f"{key} {getattr(b, key)!r} not in {sorted(codes)}")
    need(isinstance(b.scrub, bool), f"scrub {b.scrub!r} must be true or false")
    need(not b.scrub or b.seu_weights == "secded",
         "scrub needs seu_weights secded (the scrubber corrects with the weight code)")
    if b.backend == "hls":
        need(not b.table_elems, "table_elems is an RTL knob (the HLS kernel keeps the "
                                "max_rows x max_cols rectangle)")
        need(b.weight_placement in WEIGHT_PLACEMENTS,
             f"weight_placement {b.weight_placement!r} not in {sorted(WEIGHT_PLACEMENTS)}")
        d = b.drain_cols or 0
        need(1 <= d <= b.out_lanes and b.out_lanes % d == 0 and b.max_cols % d == 0,
             f"drain_cols {d} must divide out_lanes and max_cols")
        need(b.stream_k is not None and b.stream_k % 4 == 0 and b.stream_k >= 4,
             "stream_k: a multiple of 4")
        need(b.weight_placement != "hybrid" or (b.weight_depth or 0) > 2 * (b.stream_k or 0),
             "hybrid: weight_depth must exceed the 2 x stream_k streaming tile")
        missing = [k for k in _HLS_ONLY if getattr(b, k) is None]
        need(not missing, f"HLS knobs {missing} unset")
    else:
        missing = [k for k in _RTL_ONLY if getattr(b, k) is None]
        need(not missing, f"RTL knobs {missing} unset")
        need(b.out_lanes >= b.weights_per_word,
             f"out_lanes {b.out_lanes} must be >= 32 / data_bits")
        need(b.max_rows % b.node_rows == 0, "max_rows must be a multiple of node_rows")
        need(b.max_cols % b.out_lanes == 0, "max_cols must be a multiple of out_lanes")
        need(0 <= (b.wgt_ports or 0) <= 6, f"wgt_ports {b.wgt_ports} must be in 0..6")
        need(b.wgt_bits in (64, 128), f"wgt_bits {b.wgt_bits} must be 64 or 128")
        need(b.wgt_bufs in range(2, 9),
             f"wgt_bufs {b.wgt_bufs} must be in 2..8 (stream-buffer slot = tile mod it)")
        need((b.wmem_depth or 0) >= 0 and (b.wmem_depth or b.wgt_ports),
             "wmem_depth 0 (nothing resident) needs wgt_ports >= 1")
        need(b.dsp_pack in (0, 1, 2), f"dsp_pack {b.dsp_pack} must be 0, 1 or 2")
        need(b.dsp_pack != 2 or (not b.fabric_mul_lanes and b.out_lanes % 2 == 0),
             "dsp_pack 2 chains every lane pair: it needs fabric_mul_lanes 0 and even out_lanes")
        need((b.seu_weights == "none" and not b.wmem_pack_rows) or (b.wmem_depth or 0) % 2 == 0,
             "seu_weights secded and wmem_pack_rows store two 32-bit words per 72-bit row: "
             "wmem_depth must be even")
        if b.wmem_pack_rows:
            rows = (b.wmem_depth or 0) // 2
            need(bool(b.wmem_depth), "wmem_pack_rows packs resident rows: it needs wmem_depth")
            need(b.wmem_pack_rows & (b.wmem_pack_rows - 1) == 0
                 and b.wmem_pack_rows // 2 <= rows <= b.wmem_pack_rows,
                 f"wmem_pack_rows {b.wmem_pack_rows}: a power of two in [rows, 2 x rows] "
                 f"(rows per bank wmem_depth/2 = {rows}: a bank spans at most two memories and "
                 f"two banks of one parity never meet in one at the same row)")
        if b.table_elems:
            te, tile = b.table_elems, b.out_lanes * b.node_rows
            need(te & (te - 1) == 0 and 1024 <= te <= 65536 and te % tile == 0,
                 f"table_elems {te}: a power of two in 1,024..65,536 (HW_CONFIG.TABLE_SIZE "
                 f"holds log2 - 9 in 3 bits) and a multiple of out_lanes x node_rows {tile}")
            need(te < b.max_rows * b.max_cols,
                 f"table_elems {te} must be below max_rows x max_cols "
                 f"{b.max_rows * b.max_cols} (0: that rectangle)")
        need(not b.dsp_pack or b.data_bits == 8,
             f"dsp_pack {b.dsp_pack} needs data_bits 8 (two 8 x 9-bit products per DSP48)")


def parse(text: str) -> BuildSet:
    """Parse and validate builds YAML (bases resolved, every build checked)."""
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or raw.get("format") != BUILDS_FORMAT:
        raise ValueError(f"builds: format must be {BUILDS_FORMAT!r}")
    entries = raw.get("builds") or {}
    builds = {name: _build(name, _resolve(name, entries)) for name in entries}
    bs = BuildSet(builds, str(raw["default"]), str(raw["rtl_default"]))
    if bs[bs.default].backend != "hls" or bs[bs.rtl_default].backend != "rtl":
        raise ValueError("builds: default must name an HLS build, rtl_default an RTL build")
    return bs


@lru_cache(maxsize=1)
def _packaged() -> BuildSet:
    return parse(resources.files("spacemimo.spec").joinpath("builds.yaml").read_text())


def load(path: Path | None = None) -> BuildSet:
    """The project's builds (the packaged ``builds.yaml`` unless ``path`` is given)."""
    if path is not None:
        return parse(Path(path).read_text())
    return _packaged()


def build(name: str) -> BuildConfig:
    """One named build of the packaged spec."""
    return load()[name]


def default_build() -> BuildConfig:
    """The HLS kernel's default build (accel_defaults.h; ``HardwareLimits()``)."""
    bs = load()
    return bs[bs.default]
