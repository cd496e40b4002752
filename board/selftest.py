"""``spacemimo board selftest``: bring-up checks a person runs on a new board (or ``--sim``).

Board-independent: every check goes through an :class:`~spacemimo.board.driver.AccelDriver`
(the PYNQ overlay's IP on a board, the simulated board in ``--sim``), so the board and the
simulation run the same sequence. The known-answer test replays *shipped* golden vectors
(``board/selftest/<name>/``, written by ``spacemimo board vectors``); every failed check names
its likely cause, and ``Report.summary()`` is a block a person can paste into an issue.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from spacemimo.board import driver as drv
from spacemimo.spec import regmap as rm

VECTOR_SETS = {"gsm8": 8, "gsm16": 16}  # shipped known-answer sets, by the build's data width
VECTORS_COMMAND = "spacemimo board vectors --out board/selftest"
VECTOR_COUNT = 16
PATTERNS = (0xA5A5_A5A8, 0x5A5A_5A58, 0x0000_0040)  # read-back words (multiples of 8 bytes)
SCRATCH_REGISTERS = ("NUM_VECTORS", "PROGRAM_SIZE", "INPUT_SIZE", "OUTPUT_SIZE")


def shipped_vectors_dir() -> Path:
    """The packaged board/selftest directory (package data of spacemimo.board)."""
    return Path(str(resources.files("spacemimo.board").joinpath("selftest")))


def write_vectors(out: str | Path) -> list[Path]:
    """(Re)write the shipped known-answer sets: the small GSM program at 8 and 16 bit
    (``small_gsm_program(bits, seed=3)``, fits every build in DESIGN.md), 16 vectors each
    (the 7 edge cases first)."""
    from spacemimo.quant.random_programs import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    written = []
    for name, bits in VECTOR_SETS.items():
        d = Path(out) / name
        write_golden_vectors(d, small_gsm_program(bits=bits, seed=3), n=VECTOR_COUNT, seed=5)
        written.append(d)
    return written


def vectors_for(vectors: str | Path, bits: int) -> Path:
    """The vector directory to replay on a ``bits``-bit build: ``vectors`` itself when it is
    one (meta.json), else its ``gsm<bits>`` subdirectory."""
    d = Path(vectors)
    if (d / "meta.json").exists():
        return d
    sub = d / f"gsm{bits}"
    if (sub / "meta.json").exists():
        return sub
    raise FileNotFoundError(f"{d}: no golden vectors (meta.json) for a {bits}-bit build; "
                            f"write them with `{VECTORS_COMMAND}`")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    cause: str = ""  # the likely cause, for a failed check


@dataclass
class Report:
    target: str  # "board (PYNQ)" or "simulated RTL (Verilator)"
    vlnv: str
    versions: dict[str, str] = field(default_factory=dict)
    hw_id: int = 0
    hw_config: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    perf: dict[str, float] = field(default_factory=dict)
    seu: dict[str, Any] = field(default_factory=dict)  # HW_PROTECT + counters after the runs

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str, cause: str = "") -> Check:
        c = Check(name, ok, detail, "" if ok else cause)
        self.checks.append(c)
        return c

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        r = cls(d["target"], d["vlnv"], d["versions"], d["hw_id"], d["hw_config"],
                [Check(**c) for c in d["checks"]], d["perf"], d.get("seu", {}))
        return r

    def summary(self) -> str:
        """What a person pastes into an issue."""
        lines = [f"spacemimo board selftest — {self.target}",
                 "versions: " + ", ".join(f"{k} {v}" for k, v in self.versions.items()),
                 f"IP VLNV: {self.vlnv}", f"HW_ID: {self.hw_id:#010x}"]
        if self.hw_config:
            lines.append("HW_CONFIG: " + ", ".join(f"{k}={v}" for k, v in
                                                   self.hw_config.items()))
        for c in self.checks:
            mark = "PASS" if c.ok else "FAIL"
            lines.append(f"[{mark}] {c.name}: {c.detail}")
            if c.cause:
                lines.append(f"       likely cause: {c.cause}")
        if self.perf:
            p = self.perf
            lines.append(
                f"performance ({int(p['vectors'])} vectors x {int(p['repeats'])} runs): "
                f"{p['cycles_per_vector']:.0f} cycles/vector, "
                f"{p['cycles_per_vector'] / p['clock_mhz']:.2f} us/vector at "
                f"{p['clock_mhz']:g} MHz = {p['vectors_per_s_cycles']:.0f} vectors/s; "
                f"host-observed {p['latency_s'] * 1e3:.3f} ms/batch = "
                f"{p['vectors_per_s_wall']:.0f} vectors/s ({p['clock_name']})")
        if self.seu:
            lines.append(f"SEU: {self.seu.get('protection', '?')}; "
                         f"{self.seu.get('corrected', '?')} corrected, "
                         f"{self.seu.get('uncorrectable', '?')} uncorrectable since reset/clear")
        lines.append(f"RESULT: {'PASS' if self.passed else 'FAIL'}")
        return "\n".join(lines)


def versions(extra: dict[str, str] | None = None) -> dict[str, str]:
    from spacemimo import __version__
    from spacemimo.ground.provenance import git_revision
    from spacemimo.quant.program import FORMAT_VERSION

    out = {"spacemimo": __version__, "git": git_revision(), "python": platform.python_version(),
           "numpy": np.__version__, "program format": str(FORMAT_VERSION),
           "register map": str(rm.load().version)}
    out.update(extra or {})
    return out


def _cause(err: BaseException) -> str:
    """The likely cause of an exception the known-answer run raised."""
    if isinstance(err, drv.BadVersionError | drv.BadMagicError):
        return (f"program version: the vectors' program format is not this bitstream's; "
                f"regenerate them (`{VECTORS_COMMAND}`) or rebuild the bitstream")
    if isinstance(err, drv.DimsExceedMaxError):
        return "build too small for the program: a bigger build (docs/BUILDS.md) is needed"
    if isinstance(err, drv.BusError | drv.AddrRangeError):
        return ("DMA address: the buffers are not reachable by the IP's AXI master (HP port "
                "address map / SMMU / cache coherency in the block design)")
    if isinstance(err, drv.BusWedgedError):
        return "DMA address never answered: the bus is wedged, reload the overlay"
    if isinstance(err, drv.DeviceTimeoutError):
        return ("clock not running (no done) or a DMA address the interconnect never answers; "
                "check the IP's clock and the HP port in the .hwh")
    if isinstance(err, drv.SeuDetectedError):
        return ("an uncorrectable upset twice in a row (the driver reloaded the program and "
                "reran once): a memory or logic fault rather than radiation — reconfigure the "
                "PL and rerun; if it persists, the device is damaged")
    if isinstance(err, drv.WrongHardwareError):
        return "bitstream/.hwh mismatch"
    return "see the message; quant/PROGRAM.md 'Error codes'"


def run_selftest(accel: drv.AccelDriver, vectors: str | Path, target: str,
                 clock_mhz: float, clock_name: str, repeats: int = 5,
                 ip_check: Check | None = None, extra_versions: dict[str, str] | None = None
                 ) -> Report:
    """The bring-up sequence: IP found, HW_ID, HW_CONFIG, register read-back, known-answer
    test (bit-exact), latency and throughput. Stops at the first check later ones need."""
    from spacemimo.quant.vectors import read_golden_vectors

    regmap = accel.regmap
    rep = Report(target, regmap.ip.vlnv, versions(extra_versions))
    if ip_check is not None:
        rep.checks.append(ip_check)
        if not ip_check.ok:
            return rep
    rep.hw_id = accel.read_reg("HW_ID")
    ok = rep.hw_id == regmap.hw_id
    rep.add("HW_ID", ok, f"{rep.hw_id:#010x} (expected {regmap.hw_id:#010x}, register map "
                         f"v{regmap.version})",
            "clock not running or bitstream not loaded (registers read 0)" if rep.hw_id == 0
            else "bitstream/.hwh mismatch: built from another register-map version")
    if not ok:
        return rep
    word = accel.read_reg("HW_CONFIG")
    rep.hw_config = regmap.decode("HW_CONFIG", word)
    lim, bits = drv.limits_from_hw_config(word, regmap)
    rep.add("HW_CONFIG", lim.max_rows > 0 and lim.max_cols > 0 and lim.num_buffers > 0,
            f"{word:#010x}: {bits}-bit, MAX_ROWS {lim.max_rows}, MAX_COLS {lim.max_cols}, "
            f"NUM_BUFFERS {lim.num_buffers}"
            f"{f' of {lim.table_elems} elements' if lim.table_elems else ''}, "
            f"{1 << rep.hw_config['LOG2_OUT_LANES']} output "
            f"lanes x {1 << rep.hw_config['LOG2_NODE_ROWS']} node rows",
            "bitstream/.hwh mismatch or a broken build (zero limits)")
    wm = accel.weight_memory
    ports = (f", {wm.wgt_ports} weight-stream ports" if wm.wgt_ports else
             ", no weight-stream ports")
    rep.add("HW_WEIGHTS", wm.placement is not None,
            f"{accel.read_reg('HW_WEIGHTS'):#010x}: {wm.placement} weights, "
            f"{wm.wmem_depth} resident words per bank{ports}",
            "a bitstream older than HW_WEIGHTS.PLACEMENT (register map v"
            f"{regmap.version}): rebuild it, or the driver cannot tell what fits")
    prot = accel.seu_protection
    rep.seu = {"protection": prot.summary()}
    rep.add("HW_PROTECT", "code" not in prot.summary(),
            f"{accel.read_reg('HW_PROTECT'):#010x}: SEU protection {prot.summary()}",
            "bitstream/.hwh mismatch: HW_PROTECT holds a value this register map does not "
            "name")
    bad = []
    for name in SCRATCH_REGISTERS:
        for pattern in PATTERNS:
            accel.write_reg(name, pattern)
            got = accel.read_reg(name)
            if got != pattern:
                bad.append(f"{name} wrote {pattern:#010x} read {got:#010x}")
    rep.add("register read-back", not bad,
            f"{len(SCRATCH_REGISTERS) * len(PATTERNS)} write/read pairs on "
            f"{', '.join(SCRATCH_REGISTERS)}" + (": " + "; ".join(bad[:3]) if bad else ""),
            "clock not running (every register reads 0)"
            if len(bad) == len(SCRATCH_REGISTERS) * len(PATTERNS)
            and all(b.endswith("0x00000000") for b in bad)
            else "bitstream/.hwh mismatch: a register of this map is missing (an older RTL/HLS "
                 "build) or the AXI-Lite address map is wrong")
    if bad:
        return rep
    try:
        vdir = vectors_for(vectors, bits)
        gv = read_golden_vectors(vdir)
    except (FileNotFoundError, ValueError) as err:
        rep.add("known-answer test", False, str(err),
                f"program version or a damaged vector set: `{VECTORS_COMMAND}`")
        return rep
    n = int(gv.inputs.shape[0])
    try:
        accel.load(gv.program)
        res = accel.run(gv.inputs)
    except drv.AccelError as err:
        rep.add("known-answer test", False, f"{vdir.name}: {err}", _cause(err))
        _seu_check(accel, rep)
        return rep
    mism = int((res.outputs != gv.expected).sum())
    rep.add("known-answer test", mism == 0,
            f"{vdir.name} ({gv.program.name}, {n} vectors): {mism} mismatching words of "
            f"{gv.expected.size}; load + run {res.cycles} cycles",
            "bitstream built from other sources than these vectors (bitstream/.hwh mismatch) "
            "or a data-path fault: compare with `spacemimo csim` on the same vectors")
    if mism:
        return rep
    cycles, wall, bad_runs = [], [], 0
    for _ in range(repeats):
        r = accel.run(gv.inputs)
        bad_runs += int((r.outputs != gv.expected).sum())
        cycles.append(r.cycles)
        wall.append(r.latency_s)
    cyc = float(np.median(cycles)) / n
    lat = float(np.median(wall))
    rep.perf = {"vectors": n, "repeats": repeats, "cycles_per_vector": cyc,
                "clock_mhz": clock_mhz, "vectors_per_s_cycles": clock_mhz * 1e6 / cyc,
                "latency_s": lat, "vectors_per_s_wall": n / lat if lat > 0 else 0.0,
                "clock_name": clock_name}  # type: ignore[dict-item]
    rep.add("reruns on the loaded program", bad_runs == 0,
            f"{repeats} x {n} vectors, {bad_runs} mismatching words",
            "a data-path fault that depends on state left by the previous run")
    _seu_check(accel, rep)
    return rep


def _seu_check(accel: drv.AccelDriver, rep: Report) -> None:
    """The SEU counters after the runs: corrected upsets are reported, a sticky
    WEIGHTS/PROGRAM_CORRUPTED or CTRL_FAULT fails the check."""
    seu = accel.seu_counters()
    rep.seu.update({"corrected": seu.corrected, "uncorrectable": seu.uncorrectable,
                    "seu_status": seu.flags()})
    rep.add("SEU counters", not (seu.reload_needed or seu.ctrl_fault),
            f"{seu.summary()} ({rep.seu.get('protection', 'protection unread')})",
            "an uncorrectable upset left the loaded program corrupted (sticky until the next "
            "program load or SEU_CLEAR): rerun the self-test; if it returns, a memory fault")
