"""Program-integrity fuzzing (issue 15 item 4): a seeded corpus of corrupted program images,
the oracle's code for each, and the back ends that load them (the Python loader, the HLS
C-sim under AddressSanitizer + UBSan, the RTL in cocotb on a sample).

Classes (``Case.cls``):

- ``word``: 1-3 random words changed (random values or single-bit flips), checksum not fixed
- ``swap``: two differing words swapped, checksum not fixed (v2's additive sum kept them)
- ``compensate``: +d on one word, -d on another (the additive sum unchanged), not fixed
- ``edge_header`` / ``edge_op``: one header / op field set to an edge value (0, 1,
  0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, each synthesized maximum -1/0/+1) WITH the checksum
  fixed up over the declared image, so only the field checks can reject it
- ``truncate``: the file cut (PROGRAM_SIZE = the cut length)
- ``extend``: bytes appended (PROGRAM_SIZE = the new length; trailing bytes are allowed), or
  the header's data_words grown over appended words with the checksum fixed
- ``size``: the intact image with PROGRAM_SIZE below / above its length

The oracle is the Python loader at device level (``load_device_image``: PROGRAM.md "Bounds"
rule 1 in the hardware's order, then ``Program.from_bytes`` on the declared image) with the
back end's synthesized maxima. ``Expect.lenient`` is the code with the HARDWARE_MAY_SKIP
checks left out: the only other answer a back end may give (``Expect.allows``).

``python tests/fuzz_programs.py`` prints the summary of the default corpus on the default
C-sim build under the sanitizers.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spacemimo.quant.program import (
    ERROR_CODES,
    HARDWARE_MAY_SKIP,
    HEADER_FIELDS,
    HEADER_WORDS,
    OP_FIELDS,
    OP_WORDS,
    HardwareLimits,
    Program,
    ProgramError,
    checksum,
    load_device_image,
)

CLASSES = ("word", "swap", "compensate", "edge_header", "edge_op", "truncate", "extend", "size")
# classes whose images carry a wrong checksum: not one may be accepted
WRONG_CHECKSUM = ("word", "swap", "compensate")
BASE_EDGES = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
HANG_S = 5.0  # a Python load slower than this is a hang


def edge_values(limits: HardwareLimits) -> list[int]:
    """0, 1, the int32/uint32 extremes and every synthesized maximum -1 / 0 / +1."""
    maxima = (limits.max_ops, limits.max_rows, limits.max_cols, limits.num_buffers,
              limits.max_weight_words)
    vals = set(BASE_EDGES) | {m + d for m in maxima for d in (-1, 0, 1)}
    return sorted(v & 0xFFFFFFFF for v in vals)


def base_programs(full: bool = False) -> dict[str, Program]:
    """Small valid programs: GSM and Model-GNN at 8 and 16 bit (all four opcodes)."""
    from spacemimo.quant.random_programs import random_model_gnn_program, small_gsm_program

    progs = {}
    for bits in (8, 16):
        progs[f"gsm{bits}"] = small_gsm_program(bits=bits, seed=3)
        progs[f"mgnn{bits}"] = random_model_gnn_program(bits=bits, N=4, K=4, hidden=(8, 8),
                                                        seed=3)
    if full:
        for bits in (8, 16):
            progs[f"gsm{bits}_s7"] = small_gsm_program(bits=bits, seed=7)
    return progs


@dataclass
class Case:
    """One image and the PROGRAM_SIZE register it is loaded with."""

    name: str
    cls: str
    base: str
    what: str  # the mutated words / field, for reports
    image: bytes
    program_size: int

    def write(self, root: Path) -> Path:
        path = root / f"{self.name}.bin"
        path.write_bytes(self.image)
        return path


@dataclass
class Expect:
    """The oracle's answer for one case and one set of synthesized maxima."""

    code: int  # the Python loader's code (0: accepted)
    check: str  # the HARDWARE_MAY_SKIP check that raised it, or ""
    lenient: int  # the code with the HARDWARE_MAY_SKIP checks skipped
    crash: str = ""  # the Python loader raised something other than ProgramError
    seconds: float = 0.0

    def allows(self, code: int) -> bool:
        """The rule for back ends: the oracle's code, or — only where PROGRAM.md lets a
        hardware loader skip the check that raised it — the code without those checks."""
        return code == self.code or (self.check in HARDWARE_MAY_SKIP and code == self.lenient)


def _fix(words: np.ndarray) -> np.ndarray:
    """Checksum over the declared image (what the hardware's CRC pass covers)."""
    w = words.copy()
    decl = HEADER_WORDS + int(w[2]) * OP_WORDS + int(w[3])
    w[HEADER_FIELDS["checksum"]] = checksum(w[:decl] if decl <= w.size else w)
    return w


def _b(words: np.ndarray) -> bytes:
    return words.astype("<u4").tobytes()


def corpus(seed: int = 0, full: bool = False, limits: HardwareLimits | None = None
           ) -> list[Case]:
    """The seeded corpus. Default: every header field and every field of the first op of each
    opcode at every edge value, 40 random-word, 20 swap and 20 compensating mutations, the
    truncations, extensions and size-register cases of each base program. ``full``: every op,
    more random mutations and two more bases (``@pytest.mark.slow``)."""
    limits = limits or HardwareLimits()  # the HLS default build (spacemimo/spec)
    rng = random.Random(seed)
    edges = edge_values(limits)
    cases: list[Case] = []
    n_rand = 200 if full else 40
    n_swap = 100 if full else 20

    def add(cls: str, base: str, what: str, image: bytes, size: int | None = None) -> None:
        cases.append(Case(f"{base}_{cls}_{len(cases):05d}", cls, base, what, image,
                          len(image) if size is None else size))

    for base, prog in base_programs(full).items():
        w0 = prog.to_words()
        n = w0.size
        for _ in range(n_rand):
            w = w0.copy()
            idx = rng.sample(range(n), rng.choice((1, 1, 2, 3)))
            for i in idx:
                new = int(w[i]) ^ (1 << rng.randrange(32)) if rng.random() < 0.5 \
                    else rng.getrandbits(32)
                w[i] = new if new != int(w[i]) else int(w[i]) ^ 1
            add("word", base, "words " + ",".join(map(str, sorted(idx))), _b(w))
        for _ in range(n_swap):
            while True:
                i, j = rng.sample(range(n), 2)
                if w0[i] != w0[j]:
                    break
            w = w0.copy()
            w[i], w[j] = w0[j], w0[i]
            add("swap", base, f"words {min(i, j)}<->{max(i, j)}", _b(w))
        for _ in range(n_swap):
            i, j = rng.sample(range(n), 2)
            d = rng.choice((1, 2, 0x100, 0x10000, rng.getrandbits(32) | 1))
            w = w0.copy()
            w[i] = (int(w[i]) + d) & 0xFFFFFFFF
            w[j] = (int(w[j]) - d) & 0xFFFFFFFF
            assert int(w.astype(np.uint64).sum()) % (1 << 32) == \
                int(w0.astype(np.uint64).sum()) % (1 << 32)
            add("compensate", base, f"words {i}+{d:#x},{j}-{d:#x}", _b(w))
        for fname, fi in HEADER_FIELDS.items():
            if fname == "checksum":
                continue
            for v in edges:
                if v == int(w0[fi]):
                    continue
                w = w0.copy()
                w[fi] = v
                add("edge_header", base, f"{fname}={v:#x}", _b(_fix(w)))
        seen: set[int] = set()
        for k, op in enumerate(prog.ops):
            if not full and op.opcode in seen:
                continue
            seen.add(op.opcode)
            for fname, fi in OP_FIELDS.items():
                at = HEADER_WORDS + k * OP_WORDS + fi
                for v in edges:
                    if v == int(w0[at]):
                        continue
                    w = w0.copy()
                    w[at] = v
                    add("edge_op", base, f"op{k}({op.name}).{fname}={v:#x}", _b(_fix(w)))
        blob = _b(w0)
        for cut in sorted({0, 3, 4, 8, 12, 60, 63, 64, 68, len(blob) // 2, len(blob) - 4,
                           len(blob) - 1}):
            add("truncate", base, f"cut at {cut}", blob[:cut])
        for extra in (b"\0" * 4, b"\0" * 3, bytes(rng.getrandbits(8) for _ in range(8)),
                      b"\0" * 64):
            add("extend", base, f"+{len(extra)} bytes", blob + extra)
        for k in (1, 7):
            w = np.concatenate([w0, np.asarray([rng.getrandbits(32) for _ in range(k)],
                                               dtype=np.uint32)])
            w[HEADER_FIELDS["data_words"]] += k
            add("extend", base, f"data_words+{k} over appended words", _b(_fix(w)))
        for size in (0, 8, 63, 64, len(blob) - 4, len(blob) - 1, len(blob) + 4, len(blob) + 64):
            add("size", base, f"PROGRAM_SIZE {size} (image {len(blob)})", blob, size)
    return cases


def oracle(case: Case, limits: HardwareLimits | None = None) -> Expect:
    """The Python loader's code for ``case`` on a device with ``limits`` (0 = accepted); the
    file-level loader (Program.from_bytes) must also end in a ProgramError or a Program."""
    t0 = time.perf_counter()
    crash = ""
    try:
        Program.from_bytes(case.image, limits)
    except ProgramError:
        pass
    except Exception as err:  # noqa: BLE001 - any other exception is what the fuzz looks for
        crash = f"Program.from_bytes: {type(err).__name__}: {err}"
    code, check, lenient = 0, "", 0
    try:
        load_device_image(case.image, case.program_size, limits)
    except ProgramError as err:
        code, check = err.code, err.check
    except Exception as err:  # noqa: BLE001
        crash = crash or f"load_device_image: {type(err).__name__}: {err}"
        code = -1
    lenient = code
    if check in HARDWARE_MAY_SKIP:
        try:
            load_device_image(case.image, case.program_size, limits, skip=HARDWARE_MAY_SKIP)
            lenient = 0
        except ProgramError as err:
            lenient = err.code
    return Expect(code, check, lenient, crash, time.perf_counter() - t0)


# --------------------------------------------------------------------------- back ends


@dataclass
class BackendResult:
    """Codes one back end reported, by case name; crashes and hangs with their reason."""

    name: str
    codes: dict[str, int] = field(default_factory=dict)
    crashes: dict[str, str] = field(default_factory=dict)
    hangs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def run_python(cases: list[Case], limits: HardwareLimits | None = None
               ) -> tuple[BackendResult, dict[str, Expect]]:
    """The Python loader as a back end (it is also the oracle): crashes and hangs counted."""
    res = BackendResult("python")
    expects = {}
    t0 = time.perf_counter()
    for c in cases:
        e = oracle(c, limits)
        expects[c.name] = e
        if e.crash:
            res.crashes[c.name] = e.crash
        elif e.seconds > HANG_S:
            res.hangs[c.name] = f"{e.seconds:.1f} s"
        else:
            res.codes[c.name] = e.code
    res.seconds = time.perf_counter() - t0
    return res, expects


_LOAD_LINE = re.compile(r"^load (\S+) status=(\d+)$", re.M)


def run_csim_loader(cases: list[Case], binary: Path, workdir: Path, timeout_s: float = 120.0
                    ) -> BackendResult:
    """All images through ``tb_accel --load-list`` (one process for the corpus; after a crash
    or a sanitizer report the run resumes after the image that caused it). Every image's
    output line must appear; a sanitizer report or signal is a crash, a stall a hang."""
    from spacemimo.hw.csim import SANITIZER_ENV, sanitizer_report

    res = BackendResult("csim")
    workdir.mkdir(parents=True, exist_ok=True)
    paths = {c.name: c.write(workdir) for c in cases}
    by_path = {str(p): name for name, p in paths.items()}
    todo = list(cases)
    t0 = time.perf_counter()
    env = {**os.environ, **SANITIZER_ENV}
    while todo:
        lst = workdir / "list.txt"
        lst.write_text("".join(f"{paths[c.name]} {c.program_size}\n" for c in todo))
        try:
            proc = subprocess.run([str(binary), "--load-list", str(lst)], capture_output=True,
                                  text=True, timeout=timeout_s, env=env)
            out, rc, hung = proc.stdout + proc.stderr, proc.returncode, False
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) \
                else (exc.stdout or "")
            rc, hung = -1, True
        done = {by_path[m.group(1)]: int(m.group(2)) for m in _LOAD_LINE.finditer(out)}
        res.codes.update(done)
        rest = [c for c in todo if c.name not in done]
        report = sanitizer_report(out)
        if report or rc != 0:
            if not rest:  # the process failed after its last image (e.g. at exit)
                res.crashes["(exit)"] = report or f"exit status {rc}"
                break
            bad = rest[0]
            (res.hangs if hung else res.crashes)[bad.name] = \
                report or ("no output within the timeout" if hung else f"exit status {rc}")
            rest = rest[1:]
        todo = rest
    res.seconds = time.perf_counter() - t0
    return res


# --------------------------------------------------------------------------- summary


@dataclass
class Summary:
    """Per class: images, accepted by the oracle, oracle codes, and per back end the
    mismatching codes (with examples), crashes and hangs; the asserted figures."""

    rows: dict[str, dict[str, object]]
    wrong_checksum_accepted: dict[str, int]  # per back end
    invalid_accepted: dict[str, int]  # fixed-up or other invalid images accepted, per back end
    mismatches: dict[str, dict[str, int]]  # back end -> class -> count
    examples: dict[str, list[str]]
    crashes: dict[str, int]
    hangs: dict[str, int]
    lenient_accepts: dict[str, int]  # accepted where only a HARDWARE_MAY_SKIP check rejects

    def table(self) -> str:
        names = sorted({b for b in self.mismatches})
        head = ["class", "images", "accepted", "rejected by code"] + [
            f"{b} mismatches" for b in names]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for cls, r in self.rows.items():
            codes = ", ".join(f"{_name(k)} {v}" for k, v in sorted(r["codes"].items()))  # type: ignore[attr-defined]
            cells = [cls, str(r["images"]), str(r["accepted"]), codes] + [
                str(self.mismatches[b].get(cls, 0)) for b in names]
            lines.append("| " + " | ".join(cells) + " |")
        tail = ["back ends: " + ", ".join(
            f"{b}: {sum(self.mismatches[b].values())} mismatching, {self.crashes[b]} crashes, "
            f"{self.hangs[b]} hangs, {self.wrong_checksum_accepted[b]} wrong-checksum "
            f"accepted, {self.invalid_accepted[b]} invalid accepted, "
            f"{self.lenient_accepts[b]} accepted by a skipped check" for b in names)]
        for b in names:
            tail += [f"  {b}: {ex}" for ex in self.examples[b][:8]]
        return "\n".join(lines + tail)


def _name(code: int) -> str:
    return {v: k for k, v in ERROR_CODES.items()}.get(code, str(code))


def summarize(cases: list[Case], expects: dict[str, dict[str, Expect]],
              results: Iterable[BackendResult]) -> Summary:
    """Compare every back end with the oracle under its own maxima (``expects[backend]``)."""
    results = list(results)
    ref = expects["python"]
    rows: dict[str, dict[str, object]] = {}
    for cls in CLASSES:
        cs = [c for c in cases if c.cls == cls]
        if not cs:
            continue
        codes = Counter(ref[c.name].code for c in cs if ref[c.name].code != 0)
        rows[cls] = {"images": len(cs), "accepted": sum(ref[c.name].code == 0 for c in cs),
                     "codes": dict(codes)}
    wrong: dict[str, int] = {}
    invalid: dict[str, int] = {}
    mism: dict[str, dict[str, int]] = {}
    examples: dict[str, list[str]] = {}
    lenient: dict[str, int] = {}
    for r in results:
        exp = expects[r.name]
        wrong[r.name] = invalid[r.name] = lenient[r.name] = 0
        mism[r.name] = defaultdict(int)
        examples[r.name] = []
        for c in cases:
            if c.name not in r.codes:
                continue
            got, e = r.codes[c.name], exp[c.name]
            if got == 0 and c.cls in WRONG_CHECKSUM:
                wrong[r.name] += 1
            if got == 0 and e.code != 0:
                if e.allows(0):
                    lenient[r.name] += 1
                else:
                    invalid[r.name] += 1
            if not e.allows(got):
                mism[r.name][c.cls] += 1
                examples[r.name].append(f"{c.name} [{c.what}]: got {_name(got)}, oracle "
                                        f"{_name(e.code)}")
        mism[r.name] = dict(mism[r.name])
    return Summary(rows, wrong, invalid, mism, examples,
                   {r.name: len(r.crashes) for r in results},
                   {r.name: len(r.hangs) for r in results}, lenient)


def main() -> None:
    """Default corpus through Python and the sanitized C-sim; prints the summary."""
    import tempfile

    from spacemimo.hw.csim import build_csim

    cases = corpus()
    py, exp = run_python(cases)
    binary = build_csim("", "-O1", sanitize=True)
    with tempfile.TemporaryDirectory() as d:
        cs = run_csim_loader(cases, binary, Path(d))
    s = summarize(cases, {"python": exp, "csim": exp}, [py, cs])
    print(s.table())
    print(f"python {py.seconds:.1f} s, csim {cs.seconds:.1f} s, {len(cases)} images")


if __name__ == "__main__":
    main()
