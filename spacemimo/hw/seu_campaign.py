"""The single-event-upset (SEU) fault-injection campaign on the RTL (issue 19): the injectable
targets of ``rtl/spacemimo_accel.v``, a seeded trial schedule, the cocotb run
(``rtl_tests/tb_seu.py`` through ``cosim.run_cosim``, one simulator build and one program load
for every trial) and the classification of each trial.

Classes (per trial, first that applies):
  hang       no done within ``hang_factor`` x the clean run's cycles + ``hang_margin``
             (the core is then reset)
  detected   STATUS != 0 (SEU_DETECTED or any other error code), a SEU_STATUS bit, or the
             uncorrectable counter rose
  sdc        silent data corruption: an output word differs from golden, no flag
  corrected  outputs exact and the corrected counter rose
  masked     outputs exact, no flag, no correction (the upset was overwritten, never read,
             or read where it changed no output word)

Upset kinds: ``single`` (one bit), ``double`` (two adjacent bits, a multi-cell upset) and,
in the resident weights, ``accumulate``: one bit flipped while the core is idle, a scrub
sweep (SCRUB_PERIOD 1 for ``TargetSpec.sweep`` cycles), then another bit of the same word
during the run — two singles a sweep apart, which a scrubber turns into two corrections and
which stay one uncorrectable word without one.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacemimo.spec.builds import bank_rows, packed_memories

CLASSES = ("corrected", "detected", "sdc", "hang", "masked")
UPSETS = ("single", "double")
KINDS = (*UPSETS, "accumulate")   # accumulate: targets with TargetSpec.sweep only

# The control/state registers of spacemimo_accel.v hit by the "ctrl" target: the top FSM state,
# the op/vector/loader counters, the read/write engines' address and count registers, the
# DENSE tile loop counters and the current op's decoded fields (registers a controller upset
# lands in; the decoded fields are reloaded from the op table at every op). Each is a
# triplicated register in the RTL (`SM_TMR_REG: copies <r>_t0, <r>_t1, <r>_t2 and the voted
# wire <r>); an upset lands in one copy: <r>_t0 alone where SEU_C is 0 (the only copy read),
# any of the three where SEU_C triplicates it.
CTRL_REGS = ("st", "op_i", "vi", "vec", "cnt", "cnt_left", "rd_addr", "rd_count", "wr_addr",
             "wr_count", "d_rt", "d_t", "d_s", "dr_cnt", "o_rows", "o_icol", "o_ocol",
             "o_wbase", "o_bbase", "err_code", "h_in_n", "h_out_n", "ab_lsv")
# the weight-stream prefetch cursor of streamed/hybrid builds (`SM_TMR_REG_S: triplicated
# where SEU_C); wf_cnt<k> per weight port k
STREAM_REGS = ("wf_st", "wf_op", "wf_t", "wf_nt", "wf_g", "wf_ocol", "g_used", "wf_rw",
               "wf_addr", "wf_slot", "gu_slot", "wf_cnt0", "wf_cnt1", "wf_cnt2", "wf_cnt3",
               "wf_cnt4", "wf_cnt5")


@dataclass(frozen=True)
class TargetSpec:
    """One injectable target: its hierarchy paths below the top, whether it holds state that
    outlives a run (restored after each trial), and which words a trial may hit."""

    name: str
    group: str        # weights | biases | acts | program | ctrl (the table's rows)
    kind: str         # memory | register
    paths: tuple[str, ...]
    persistent: bool
    select: str = "all"   # all | nonzero (the words the program uses after a clean run)
    sweep: int = 0        # > 0: also "accumulate" trials, this many idle cycles of scrubbing

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "group": self.group, "kind": self.kind,
                "paths": list(self.paths), "persistent": self.persistent, "select": self.select,
                "sweep": self.sweep}


def targets(params: dict[str, int]) -> list[TargetSpec]:
    """The targets of an RTL build (``cosim.build_params`` / ``SMALL``), rtl/README.md's
    hierarchy: per output lane g the resident weights ``wbank[g].res.wmem`` (packed builds:
    the shared memories ``pk.mem[j].um``) and biases
    ``wbank[g].bmem``; per lane b and node row c the activations ``abank[b].lane[c].mem``;
    the op table ``opmem``, its weight/bias bases and the header ``hdr`` (and, in SEU_C
    builds, their parity words); ``CTRL_REGS``; in builds with weight ports the stream
    buffers ``wbank[g].strm.sbuf`` and the prefetch cursor (``STREAM_REGS``).
    Weights, biases and activations are hit in the words the program uses (non-zero after a
    clean load and run): an upset in a word no op reads is trivially masked."""
    P, C = int(params["OUT_LANES"]), int(params["NODE_ROWS"])
    lanes = range(P)
    out = []
    depth, pack = int(params.get("WMEM_DEPTH", 0)), int(params.get("WMEM_PACK_ROWS", 0))
    # a scrub sweep at SCRUB_PERIOD 1: a step every 3 cycles, one per row (SECDED rows: two
    # words each), two per row packed (the even banks', then the odd banks'), + a margin
    rows = bank_rows(params)
    sweep = 3 * rows * (2 if pack > 0 else 1) + 64
    if depth > 0 and pack > 0:
        # packed resident store: every bank's 72-bit rows over ceil(P * rows / pack) shared
        # memories pk.mem[j].um (rtl/README.md "Packed resident store")
        mems = packed_memories(P, depth, pack)
        out.append(TargetSpec("wmem", "weights", "memory",
                              tuple(f"pk.mem[{j}].um" for j in range(mems)), True, "nonzero",
                              sweep))
    elif depth > 0:
        out.append(TargetSpec("wmem", "weights", "memory",
                              tuple(f"wbank[{g}].res.wmem" for g in lanes), True, "nonzero",
                              sweep))
    out += [
        TargetSpec("bmem", "biases", "memory", tuple(f"wbank[{g}].bmem" for g in lanes), True,
                   "nonzero"),
        TargetSpec("abank", "acts", "memory",
                   tuple(f"abank[{b}].lane[{c}].mem" for b in lanes for c in range(C)), False,
                   "nonzero"),
        TargetSpec("opmem", "program", "memory", ("opmem",), True, "nonzero"),
        TargetSpec("op_base", "program", "memory", ("op_wbase", "op_bbase"), True, "nonzero"),
        TargetSpec("hdr", "program", "memory", ("hdr",), True, "all"),
    ]
    if int(params.get("SEU_C", 0)):
        # the parity words of the op table, its bases and the header (declared in every
        # build, used only where SEU_C checks them)
        out.append(TargetSpec("prog_par", "program", "memory", ("op_par", "op_bpar", "hdr_par"),
                              True, "all"))
    copies = range(3) if int(params.get("SEU_C", 0)) else range(1)
    out.append(TargetSpec("ctrl", "ctrl", "register",
                          tuple(f"{r}_t{k}" for r in CTRL_REGS for k in copies), False))
    ports = int(params.get("WGT_PORTS", 0))
    if ports:
        out.append(TargetSpec("sbuf", "stream", "memory",
                              tuple(f"wbank[{g}].strm.sbuf" for g in lanes), False, "nonzero"))
        regs = [r for r in STREAM_REGS if not r.startswith("wf_cnt") or int(r[-1]) < ports]
        out.append(TargetSpec("cursor", "stream", "register",
                              tuple(f"{r}_t{k}" for r in regs for k in copies), False))
    return out


@dataclass
class Schedule:
    """A seeded campaign: per target and upset kind ``per_target`` trials, each at a uniform
    random point of the run (``at``: fraction of the clean run's cycles) with its own seed
    (the testbench draws the word and the bit from it, so a trial replays alone)."""

    seed: int
    targets: list[TargetSpec]
    per_target: int
    num_vectors: int = 2
    hang_factor: float = 4.0
    hang_margin: int = 2000
    trials: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        if not self.trials:
            # the accumulate trials after all others: the single/double trials stay those of
            # a schedule without them (same seed, same draws)
            kinds = [(t, u) for t in self.targets for u in UPSETS]
            kinds += [(t, "accumulate") for t in self.targets if t.sweep]
            for t, upset in kinds:
                for _ in range(self.per_target):
                    self.trials.append({"id": len(self.trials), "target": t.name,
                                        "upset": upset, "at": rng.random(),
                                        "seed": rng.getrandbits(63)})

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "num_vectors": self.num_vectors,
                "hang_factor": self.hang_factor, "hang_margin": self.hang_margin,
                "targets": [t.to_json() for t in self.targets], "trials": self.trials}


def classify(rec: dict[str, Any]) -> str:
    """One trial record of tb_seu.py -> its class (module docstring)."""
    if rec.get("hang"):
        return "hang"
    if (rec["status"] or rec.get("seu_status") or rec.get("seu_uncorrectable_delta", 0) > 0):
        return "detected"
    if rec["mismatches"]:
        return "sdc"
    if rec.get("seu_corrected_delta", 0) > 0:
        return "corrected"
    return "masked"


def summarize(build: str, records: Iterable[dict[str, Any]],
              groups: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of the campaign table: per (target, upset) the count of each class."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for rec in records:
        if "skipped" in rec:
            continue
        key = (rec["target"], rec["upset"])
        counts.setdefault(key, Counter())[classify(rec)] += 1
    rows = []
    for (tgt, upset), c in counts.items():
        n = sum(c.values())
        rows.append({"build": build, "target": tgt, "group": groups.get(tgt, tgt),
                     "upset": upset, "trials": n, **{k: c.get(k, 0) for k in CLASSES}})
    return rows


@dataclass
class CampaignResult:
    """A campaign run on one build: the raw records, the table rows, the clean run's cycles
    and whether the build has the SEU registers."""

    build: str
    sim: str
    run_cycles: int
    has_seu_registers: bool
    geometry: dict[str, Any]
    records: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    seconds: float


def campaign_vectors(out: Path, bits: int = 8, seed: int = 3, n: int = 2) -> Path:
    """Golden vectors of the campaign's program (the small GSM program the RTL's default
    cosim runs, at the build's width: a 16-bit build refuses an 8-bit program), written
    once under ``out``."""
    from spacemimo.quant.random_programs import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    d = out / f"vectors_gsm{bits}_s{seed}_n{n}"
    if not (d / "meta.json").exists():
        write_golden_vectors(d, small_gsm_program(bits=bits, seed=seed), n=n, seed=5)
    return d


def run_key(params: dict[str, int], sim: str, schedule: Schedule, vectors: Path) -> str:
    """What a campaign's records depend on: the RTL text (``synth.rtl_digest``), the
    testbench and the driver it runs, the build's parameters, the simulator, the schedule and
    the vectors — equal keys, equal records (every trial is seeded)."""
    import hashlib
    import importlib.util

    from spacemimo.ground import paths
    from spacemimo.hw.synth import rtl_digest

    driver = importlib.util.find_spec("spacemimo.board.driver")
    assert driver is not None and driver.origin is not None   # part of this package

    h = hashlib.sha256()
    for part in (rtl_digest(), json.dumps(params, sort_keys=True), sim,
                 json.dumps(schedule.to_json(), sort_keys=True)):
        h.update(part.encode() + b"\0")
    for f in (paths.rtl_tests_dir() / "tb_seu.py", Path(driver.origin),
              *sorted(Path(vectors).glob("*"))):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def run_campaign(build_name: str, sim: str, schedule: Schedule, vectors: Path,
                 work: Path) -> CampaignResult:
    """Run ``schedule`` on the RTL build ``build_name`` (builds.yaml) in ``sim``: the
    simulator build is cached under cosim.BUILD_ROOT (shared with the cosim tests of the same
    build), the schedule and the records under ``work``; records of the same ``run_key``
    (a finished campaign of the same RTL, testbench, schedule and vectors) are reused."""
    import time

    from spacemimo.hw import cosim

    params = cosim.build_params(build_name)
    work.mkdir(parents=True, exist_ok=True)
    sched_file, result_file = work / "schedule.json", work / "records.json"
    key, key_file = run_key(params, sim, schedule, vectors), work / "key.txt"
    groups = {t.name: t.group for t in schedule.targets}
    if (key_file.exists() and key_file.read_text() == key and result_file.exists()
            and sched_file.exists()):
        res = json.loads(result_file.read_text())
        return CampaignResult(build_name, sim, int(res["run_cycles"]),
                              bool(res["has_seu_registers"]), res["geometry"], res["trials"],
                              summarize(build_name, res["trials"], groups),
                              float(res.get("seconds", 0.0)))
    key_file.unlink(missing_ok=True)
    sched_file.write_text(json.dumps(schedule.to_json()))
    result_file.unlink(missing_ok=True)
    bdir = cosim.BUILD_ROOT / _build_folder(sim, build_name)
    t0 = time.monotonic()
    tests, fails = cosim.run_cosim(
        sim, params, vectors, bdir, test_module="tb_seu", testcase="test_seu_campaign",
        extra_env={"SM_SEU_SCHEDULE": str(sched_file), "SM_SEU_RESULT": str(result_file)},
        log_file=work / "sim.log", failed_run=(0, 1))
    seconds = time.monotonic() - t0
    if fails or not result_file.exists():
        raise RuntimeError(f"the SEU campaign on {build_name} ({sim}) failed; see "
                           f"{work / 'sim.log'}")
    res = json.loads(result_file.read_text())
    res["seconds"] = round(seconds, 1)
    result_file.write_text(json.dumps(res))
    key_file.write_text(key)
    return CampaignResult(build_name, sim, int(res["run_cycles"]),
                          bool(res["has_seu_registers"]), res["geometry"], res["trials"],
                          summarize(build_name, res["trials"], groups), seconds)


def _build_folder(sim: str, build_name: str) -> str:
    """cosim's build folder of a build, as the cosim tests name it (``verilator_8`` for
    rtl-small-8, ``verilator_<name>`` otherwise), so the campaign reuses their build."""
    return f"{sim}_8" if build_name == "rtl-small-8" else f"{sim}_{build_name}"
