"""The HLS kernel's structure against its model and the Vitis flow's inputs (issue 18).

- every loop the performance model counts is a pipelined (II = 1) loop of that label in
  hls/src, and every loop with a variable bound carries a LOOP_TRIPCOUNT;
- the model's per-loop table adds up to its per-inference cycles;
- hls/scripts/parse_hls_report.py reads loops from a csynth.xml and flags an II the code did
  not ask for (on a report written here in the csynth.xml layout: no Vitis on this machine);
- the reduced Vitis configuration (hls/Makefile `vitis`) is bit-exact in C-simulation, and the
  m_axi depths the flow sets equal the testbench's buffers (co-simulation never copies past).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from spacemimo.ground import paths

HLS = paths.hls_dir()
sys.path.insert(0, str(HLS / "scripts"))
import parse_hls_report as report  # noqa: E402


@pytest.fixture(scope="module")
def gsm16():
    from spacemimo.quant.random_programs import random_gsm_program

    return random_gsm_program(bits=16, seed=0)


def test_model_loops_are_pipelined_loops_of_the_code(gsm16) -> None:
    from spacemimo.hw.perfmodel import loop_table
    from spacemimo.quant.random_programs import random_model_gnn_program

    code = report.code_loops(HLS / "src")
    for prog in (gsm16, random_model_gnn_program(bits=8, seed=0)):
        for row in loop_table(prog):
            c = code.get(str(row["loop"]))
            assert c is not None, f"model loop {row['loop']} has no label in hls/src"
            assert c["ii"] == row["ii"] == 1, row


def test_every_variable_bound_loop_has_a_tripcount() -> None:
    """A loop whose bound is not a compile-time constant needs LOOP_TRIPCOUNT, or csynth's
    latency is '?' (C-sim-only trace loops excepted)."""
    loop = re.compile(r"for \((?:unsigned long long|unsigned|int) \w+ = [^;]+; \w+ [<>=]+ "
                      r"([^;]+);")
    const = re.compile(r"(?:[A-Z_0-9]+|\d+|\w+::\w+)")
    missing = []
    for f in sorted([*(HLS / "src").glob("*.h"), *(HLS / "src").glob("*.cpp")]):
        lines = f.read_text().splitlines()
        csim_only = False
        for i, line in enumerate(lines):
            if "#ifndef __SYNTHESIS__" in line:
                csim_only = True
            elif csim_only and line.startswith("#endif"):
                csim_only = False
            m = loop.search(line)
            if not m or csim_only or const.fullmatch(m.group(1).strip()):
                continue
            body = "\n".join(lines[i + 1:i + 4])
            if "LOOP_TRIPCOUNT" not in body and "UNROLL" not in body:
                missing.append(f"{f.name}:{i + 1}: {line.strip()}")
    assert not missing, missing


def test_loop_table_adds_up_to_the_inference(gsm16) -> None:
    from spacemimo.hw.perfmodel import loop_table, predict

    pred = predict(gsm16)
    rows = loop_table(gsm16)
    cfg = pred.config
    assert sum(int(r["cycles"]) for r in rows) + cfg.start_overhead \
        + cfg.op_overhead * len(pred.ops) == pred.inference
    # 16-bit GSM on the default build: some ops streamed; resident and streamed DENSE run in
    # the one DENSE_STEPS loop (the PE array exists once), streamed ones with bus latency
    assert {o.placement for o in pred.ops if o.name == "DENSE"} == {"resident", "streamed"}
    dense = next(r for r in rows if r["loop"] == "DENSE_STEPS")
    assert dense["latency"] > 0 and "CHUNK_STEPS" not in {r["loop"] for r in rows}


_CSYNTH = """<?xml version="1.0"?>
<profile>
  <UserAssignments><TopModelName>spacemimo_accel</TopModelName><Part>xc7vx690t</Part>
    <TargetClockPeriod>10.00</TargetClockPeriod><unit>ns</unit></UserAssignments>
  <PerformanceEstimates>
    <SummaryOfTimingAnalysis><EstimatedClockPeriod>7.3</EstimatedClockPeriod>
    </SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency><Best-caseLatency>10</Best-caseLatency>
      <Worst-caseLatency>?</Worst-caseLatency></SummaryOfOverallLatency>
    <SummaryOfLoopLatency>
      <DENSE_STEPS><Name>DENSE_STEPS</Name><TripCount>1 ~ 65536</TripCount>
        <PipelineII>2</PipelineII><PipelineDepth>9</PipelineDepth></DENSE_STEPS>
      <AGG_STEPS><Name>AGG_STEPS</Name><TripCount>1 ~ 64</TripCount>
        <PipelineII>1</PipelineII><PipelineDepth>5</PipelineDepth></AGG_STEPS>
    </SummaryOfLoopLatency>
  </PerformanceEstimates>
  <AreaEstimates><Resources><DSP>1024</DSP><LUT>1</LUT></Resources>
    <AvailableResources><DSP>3600</DSP><LUT>433200</LUT></AvailableResources></AreaEstimates>
</profile>
"""


def test_report_parser_flags_the_ii_csynth_missed(tmp_path: Path, gsm16) -> None:
    """A csynth.xml in the layout Vitis writes (loop summaries with Name / TripCount /
    PipelineII / PipelineDepth): DENSE_STEPS scheduled at II 2 is flagged, AGG_STEPS at
    II 1 is ok, a loop csynth does not list says so."""
    from spacemimo.hw.perfmodel import loop_table

    rep = tmp_path / "prj" / "sol1" / "syn" / "report"
    rep.mkdir(parents=True)
    (rep / "csynth.xml").write_text(_CSYNTH)
    synth = report.csynth_loops(tmp_path / "prj")
    assert synth["DENSE_STEPS"]["ii"] == "2" and synth["AGG_STEPS"]["depth"] == "5"
    text = report.loop_table(HLS / "src", loop_table(gsm16), synth)
    rows = {ln.split("|")[1].strip(): ln for ln in text.splitlines() if ln.startswith("| ")}
    assert "II 2 != 1" in rows["DENSE_STEPS"]
    assert rows["AGG_STEPS"].rstrip().endswith("| ok |")
    assert "not in csynth.xml" in rows["STORE_ELEMS"]
    dense = next(r for r in loop_table(gsm16) if r["loop"] == "DENSE_STEPS")
    assert f"| {dense['entries']} | {dense['steps']} | {dense['cycles']} |" in rows["DENSE_STEPS"]
    assert "DSP | 1024 | 3600" in report.summarise(rep / "csynth.xml")


def test_report_without_vitis_prints_code_and_model(tmp_path: Path) -> None:
    from spacemimo.hw.perfmodel import loop_table
    from spacemimo.quant.random_programs import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    prog = small_gsm_program(bits=8, seed=3)
    write_golden_vectors(tmp_path / "v", prog, n=2, seed=1)
    out = subprocess.run([sys.executable, str(HLS / "scripts" / "parse_hls_report.py"),
                          str(tmp_path / "none"), "--vectors", str(tmp_path / "v")],
                         capture_output=True, text=True, check=True).stdout
    assert "need `make -C hls vitis` with Vitis HLS" in out
    d = next(r for r in loop_table(prog) if r["loop"] == "DENSE_STEPS")
    assert f"| DENSE_STEPS | dense_tile.h | 1 | 65536 | {d['entries']} | {d['steps']} | " \
        f"{d['cycles']} |" in out


@pytest.mark.skipif(__import__("spacemimo.hw.csim", fromlist=["x"]).missing_tools() is not None,
                    reason="C-sim needs g++ and ap_types")
def test_reduced_vitis_config_and_cosim_depths(tmp_path: Path) -> None:
    """The configuration `make -C hls vitis` synthesizes by default runs the small GSM program
    bit-exactly, and the m_axi depths it passes equal the testbench's buffers in beats."""
    from spacemimo.hw.csim import build_csim, cosim_depth_flags, run_csim
    from spacemimo.quant.random_programs import small_gsm_program
    from spacemimo.quant.vectors import write_golden_vectors

    cfg = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(HLS),
                          "print-vitis-cfg"], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert "-DSM_ARRAY_COLS=16" in cfg
    vec = tmp_path / "v"
    write_golden_vectors(vec, small_gsm_program(bits=8, seed=3), n=4, seed=1)
    depths = cosim_depth_flags(vec, 64)
    tb = build_csim(f"{cfg} {depths}", "-O1")
    res = run_csim(tb, vec, "--max-vectors", "2")
    assert res.passed and res.mismatches == 0, res.output[-2000:]
    m = re.search(r"buffers_beats program=(\d+) input=(\d+) output=(\d+)", res.output)
    assert m, res.output[-2000:]
    got = dict(zip(("PROGRAM", "INPUT", "OUTPUT"), map(int, m.groups()), strict=True))
    want = {k: int(v) for k, v in re.findall(r"-DSM_AXI_DEPTH_(\w+)=(\d+)", depths)}
    assert got == want


@pytest.mark.parametrize("tool,args", [("vitis-run", "--mode hls --tcl"), ("vitis_hls", "-f")])
def test_vitis_flow_is_one_invocation(tmp_path: Path, tool: str, args: str) -> None:
    """`make -C hls vitis` calls Vitis ONCE (vitis-run --mode hls --tcl, 2023.2+, or
    vitis_hls -f) with all four steps, the reduced build and the m_axi depths of the vectors it
    co-simulates; the tool here is a recording test double on PATH (no Vitis on this machine)."""
    import os

    from spacemimo.hw.csim import cosim_depth_flags

    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.log"
    (bindir / tool).write_text(f"#!/bin/sh\necho \"$* | $STEPS | $CFLAGS_EXTRA | $VECTORS\" "
                               f">> {log}\n")
    (bindir / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}:/usr/bin:/bin"}
    build = tmp_path / "build"
    proc = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(HLS), "vitis",
                           f"BUILD={build}", f"PYTHON={sys.executable}"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    calls = log.read_text().splitlines()
    assert len(calls) == 1, calls
    cmd, steps, cflags, vectors = (part.strip() for part in calls[0].split("|"))
    assert cmd == f"{args} {HLS / 'tcl' / 'run_hls.tcl'}"
    assert steps == "csim synth cosim impl"
    assert "-DSM_ARRAY_COLS=16" in cflags
    assert cosim_depth_flags(Path(vectors), 64) in cflags
    assert "## Pipelined loops" in proc.stdout  # the report step ran after it


def _top_body() -> str:
    src = (HLS / "src" / "spacemimo_accel.cpp").read_text()
    return src[src.index("\nvoid spacemimo_accel("):]


def test_cycles_is_a_clock_process_beside_the_kernel() -> None:
    """CYCLES is counted by hardware, not by the code's own steps: the top function is a
    DATAFLOW region of exactly two processes, the kernel and the clock; the kernel's last
    action on every path is the token that stops the clock; the clock is an II = 1 loop that
    polls the token without blocking and reports its own count in synthesis, the counted
    steps (also its STEPS output) only in C-sim."""
    top = _top_body()
    assert "#pragma HLS DATAFLOW" in top
    assert re.search(r"hls::stream<cycles_t> done;\n#pragma HLS STREAM variable = done depth = \d",
                     top)
    calls = re.findall(r"^    (\w+)\(", top[top.index("#pragma HLS DATAFLOW"):], re.M)
    assert calls == ["accel_run", "cycle_timer"], calls
    assert re.search(r"accel_run\([^;]*\bdone\);", top)
    assert "cycle_timer(done, cycles, steps);" in top
    src = (HLS / "src" / "spacemimo_accel.cpp").read_text()
    kernel = src[src.index("static void accel_run("):src.index("\nvoid spacemimo_accel(")]
    code = re.sub(r"//[^\n]*", "", kernel)
    assert not re.search(r"\breturn\b", code), "an early return would leave the clock running"
    assert code.rstrip().endswith("done.write(cyc);\n}"), "the token must be the last action"
    assert "*cycles" not in kernel, "CYCLES is the clock's, not the kernel's"
    timer_src = (HLS / "src" / "cycle_counter.h").read_text()
    timer = timer_src[timer_src.index("inline void cycle_timer("):]
    timer = timer[:timer.index("\n}\n")]
    loop = report.code_loops(HLS / "src")["CLOCK"]
    assert loop["file"] == "cycle_counter.h" and loop["ii"] == 1
    assert "if (done.read_nb(counted)) break;" in timer and "clk++;" in timer
    synth, csim = timer.split("#ifdef __SYNTHESIS__")[1].split("#else")
    assert "*cycles = clk;" in synth and "*cycles = counted;" in csim.split("#endif")[0]
    assert "*steps = counted;" in timer.split("#endif")[1]


def test_register_pragmas_are_the_regmap_offsets() -> None:
    """Every s_axilite port of the top sits at its register's offset in regmap.yaml (the
    pragma needs a literal; the static_asserts tie it to the generated regmap.h, this ties
    both to the source)."""
    from spacemimo.spec import regmap

    m = regmap.load()
    ports = dict(re.findall(r"s_axilite port = (\w+) offset = (0x[0-9A-F]+)", _top_body()))
    alias = {"program": "PROGRAM_ADDR_LO", "input": "INPUT_ADDR_LO", "output": "OUTPUT_ADDR_LO",
             "cycles": "CYCLES_LO", "steps": "STEPS_LO"}
    assert {"cycles", "steps", "status"} <= set(ports)
    for port, off in ports.items():
        assert m[alias.get(port, port.upper())].offset == int(off, 16), port
    asserted = dict(re.findall(r"static_assert\(regmap::(\w+) == (0x[0-9A-F]+)",
                               (HLS / "src" / "spacemimo_accel.cpp").read_text()))
    for port, off in ports.items():
        assert asserted[alias.get(port, port.upper())] == off, port


_MUL_PAIR_CHECK = r"""
#include "mul_pair.h"
#include <cstdio>
int main() {
    long bad = 0, n = 0;
    for (int w0 = -128; w0 < 128; w0++)
        for (int w1 = -128; w1 < 128; w1++)
            for (int x = -256; x < 256; x++) {
                ap_int<17> lo;
                ap_int<18> hi;
                smacc::mul_pair(w0, w1, x, lo, hi);
                n++;
                if ((int)lo - 128 * x != w0 * x || (int)hi != w1 * x) bad++;
            }
    std::printf("checked=%ld bad=%ld\n", n, bad);
    return bad != 0;
}
"""


@pytest.mark.skipif(__import__("spacemimo.hw.csim", fromlist=["x"]).missing_tools() is not None,
                    reason="needs g++ and ap_types")
def test_dsp_pair_products_exact_for_every_operand(tmp_path: Path) -> None:
    """Two 8-bit products per multiplier (hls/src/mul_pair.h, the RTL's sm_mul_pair.v): for
    all 2^25 (w0, w1, x) the low field minus 128·x is w0·x and the high field plus the borrow
    is w1·x; and the PE array has one multiplier per (row, PE pair, lane): A·B with A the
    packed pair at 8 bit, one 16-bit weight at 16 bit."""
    import hls4ml

    ap_types = Path(hls4ml.__file__).parent / "templates" / "vivado" / "ap_types"
    (tmp_path / "t.cpp").write_text(_MUL_PAIR_CHECK)
    subprocess.run(["g++", "-std=c++14", "-O2", "-w", f"-I{HLS / 'src'}", f"-I{ap_types}",
                    str(tmp_path / "t.cpp"), "-o", str(tmp_path / "t")], check=True)
    out = subprocess.run([str(tmp_path / "t")], capture_output=True, text=True).stdout
    assert out.strip() == f"checked={1 << 25} bad=0"
    mac = (HLS / "src" / "dense_tile.h").read_text()
    pes = mac[mac.index("PE_ROWS:"):mac.index("// A DOUBLE step")]
    # one multiplier per (row, PE pair, lane): both widths share it, 8 bit packs the pair
    products = [m for m in re.findall(r"(\w+)\s\*\s(\w+)", pes) if not m[0].isdigit()]
    assert products == [("A", "B")] and "const prod_t P = A * B;" in pes
    assert "pack_pair(ap_int<8>(w[2 * p][m]), ap_int<8>(w[2 * p + 1][m]))" in pes
    assert "split_pair(P, lo, hi);" in pes and "acc[r][2 * p] = s0 - corr;" in pes
    assert (HLS / "src" / "mul_pair.h").read_text().count(" * x;") == 1  # mul_pair's own
