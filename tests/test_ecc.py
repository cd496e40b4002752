"""The memory codes (spacemimo.spec.ecc) and their generated RTL and HLS copies.

The Python decoder is checked exhaustively against the code's promise (every single flip
corrected, every double flip detected); the Verilog functions (Icarus, Verilator lint) and the
C++ functions (g++) are checked word for word against it on random and edge-case words.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from spacemimo.hw import ecc_headers
from spacemimo.spec import ecc
from spacemimo.spec.ecc import Outcome

ROOT = Path(__file__).resolve().parents[1]


def _words(k: int, n: int, rng: random.Random) -> list[int]:
    """Edge cases (zeros, ones, alternating, single ones) and random words of k bits."""
    full = (1 << k) - 1
    alt = int("01" * k, 2) & full
    edge = [0, full, alt, full ^ alt, 1, 1 << (k - 1)]
    return edge + [rng.getrandbits(k) for _ in range(n)]


@pytest.mark.parametrize("k", ecc.SECDED_WIDTHS)
def test_secded_corrects_every_single_and_detects_every_double_flip(k: int) -> None:
    code = ecc.secded(k)
    n = k + code.check_bits
    rng = random.Random(k)
    assert code.check_bits == {8: 5, 9: 5, 16: 6, 17: 6, 32: 7, 48: 7, 64: 8}[k]
    for data in _words(k, 6, rng):
        word = code.store(data)
        assert code.load(word) == (data, Outcome.CLEAN)
        for i in range(n):
            assert code.load(word ^ (1 << i)) == (data, Outcome.CORRECTED), (k, data, i)
        pairs = ([(i, j) for i in range(n) for j in range(i + 1, n)] if k <= 16 else
                 [(i, i + 1) for i in range(n - 1)] +
                 [tuple(sorted(rng.sample(range(n), 2))) for _ in range(200)])
        for i, j in pairs:
            assert code.load(word ^ (1 << i) ^ (1 << j))[1] is Outcome.UNCORRECTABLE, (k, i, j)


@pytest.mark.parametrize("k", ecc.SECDED_WIDTHS)
def test_scrub_write_back_needs_no_encoder(k: int) -> None:
    """The RTL's bias scrubber writes a corrected entry back without re-encoding it
    (spacemimo_accel.v wbank[].becc): the syndrome enc(data) ^ check is a unit vector exactly
    when a check bit flipped (then check ^ syndrome), else the stored check bits stand. That
    equals the encoded corrected word for every single flip."""
    code = ecc.secded(k)
    for data in _words(k, 20, random.Random(k + 1)):
        word = code.store(data)
        for i in range(k + code.check_bits):
            d, c = (word ^ (1 << i)) & ((1 << k) - 1), (word ^ (1 << i)) >> k
            fixed, out = code.decode(d, c)
            syn = code.encode(d) ^ c
            assert out is Outcome.CORRECTED
            assert (fixed, c ^ syn if syn & (syn - 1) == 0 else c) == (data, code.encode(data))


def test_weight_rows_cost_eight_check_bits() -> None:
    """64-bit rows + 8 check bits = 72: a 512 x 72 block RAM, 12.5 % over the data."""
    assert ecc.secded(64).check_bits == 8
    assert ecc.secded(64).check_bits / 64 == 0.125


def test_interleaved_parity_detects_adjacent_multi_cell_upsets() -> None:
    rng = random.Random(1)
    for k in ecc.IPARITY_WIDTHS:
        for data in _words(k, 4, rng):
            ref = ecc.interleaved_parity(data, k)
            for width in range(1, ecc.IPARITY_GROUPS + 1):
                for start in range(0, k - width + 1, 7):
                    burst = ((1 << width) - 1) << start
                    assert ecc.interleaved_parity(data ^ burst, k) != ref, (k, start, width)


def test_bad_widths_and_values_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        ecc.secded(0)
    with pytest.raises(ValueError, match="does not fit 8 bits"):
        ecc.secded(8).encode(256)
    with pytest.raises(ValueError, match="does not fit 5 bits"):
        ecc.secded(8).decode(1, 32)


def _vectors(rng: random.Random) -> list[tuple[int, int, int]]:
    """(k, data, check) cases: clean, every single flip of a few words, adjacent doubles."""
    cases = []
    for k in ecc.SECDED_WIDTHS:
        code = ecc.secded(k)
        n = k + code.check_bits
        for data in _words(k, 3, rng):
            word = code.store(data)
            flips = [0] + [1 << i for i in range(n)] + [3 << i for i in range(n - 1)]
            for f in flips:
                w = word ^ f
                cases.append((k, w & ((1 << k) - 1), w >> k))
    return cases


def _expected(k: int, data: int, check: int) -> tuple[int, int, int]:
    got, outcome = ecc.secded(k).decode(data, check)
    return int(outcome is Outcome.UNCORRECTABLE), int(outcome is Outcome.CORRECTED), got


def test_verilog_functions_match_the_python_code(tmp_path: Path) -> None:
    if shutil.which("iverilog") is None:
        pytest.skip("Icarus Verilog (iverilog) not found: apt-get install iverilog")
    cases = _vectors(random.Random(2))
    lines = ["module tb;", '`include "sm_ecc.vh"', "initial begin"]
    for k, data, check in cases:
        cb = ecc.secded(k).check_bits
        lines.append(f"  $display(\"%h %h\", sm_secded_enc{k}({k}'h{data:x}), "
                     f"sm_secded_dec{k}({k}'h{data:x}, {cb}'h{check:x}));")
    for k in ecc.IPARITY_WIDTHS:
        for data in _words(k, 2, random.Random(k)):
            lines.append(f"  $display(\"%h\", sm_iparity{k}({k}'h{data:x}));")
    lines += ["end", "endmodule", ""]
    (tmp_path / "tb.v").write_text("\n".join(lines))
    subprocess.run(["iverilog", "-g2005", "-I", str(ROOT / "rtl"), "-o", str(tmp_path / "tb"),
                    str(tmp_path / "tb.v")], check=True, capture_output=True)
    out = subprocess.run(["vvp", "-n", str(tmp_path / "tb")], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    for line, (k, data, check) in zip(out, cases, strict=False):
        enc, dec = (int(x, 16) for x in line.split())
        ue, ce, got = _expected(k, data, check)
        assert enc == ecc.secded(k).encode(data), (k, data)
        assert dec == (ue << (k + 1)) | (ce << k) | got, (k, data, check)
    rest = out[len(cases):]
    i = 0
    for k in ecc.IPARITY_WIDTHS:
        for data in _words(k, 2, random.Random(k)):
            assert int(rest[i], 16) == ecc.interleaved_parity(data, k)
            i += 1


def test_verilog_functions_are_lint_clean(tmp_path: Path) -> None:
    from spacemimo.hw.cosim import lint

    body = ["module ecc_lint (", "  input wire [63:0] d,", "  input wire [511:0] o,",
            "  output wire [1023:0] q", ");", '`include "sm_ecc.vh"']
    parts = []
    for k in ecc.SECDED_WIDTHS:
        cb = ecc.secded(k).check_bits
        parts += [f"sm_secded_dec{k}(d[{k - 1}:0], sm_secded_enc{k}(d[{k - 1}:0]) ^ {cb}'h1)"]
    parts += ["sm_iparity32(d[31:0])", "sm_iparity512(o)"]
    width = sum(k + 2 for k in ecc.SECDED_WIDTHS) + 2 * ecc.IPARITY_GROUPS
    body += [f"  assign q = {{{1024 - width}'h0, " + ", ".join(parts) + "};", "endmodule", ""]
    (tmp_path / "ecc_lint.v").write_text("\n".join(body))
    results = lint(sources=[tmp_path / "ecc_lint.v"], top="ecc_lint")
    if not results:
        pytest.skip("no HDL tool to lint with")
    for tool, (rc, err) in results.items():
        assert rc == 0, f"{tool}: {err[-3000:]}"


def _ap_types() -> Path | None:
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "templates" / "vivado" / "ap_types"
    return path if (path / "ap_int.h").is_file() else None


def test_cpp_functions_match_the_python_code(tmp_path: Path) -> None:
    cxx = os.environ.get("CXX", "g++")
    ap = _ap_types()
    if shutil.which(cxx) is None or ap is None:
        pytest.skip("g++ or the ap_types headers (pip install -e '.[hw]') not found")
    cases = [c for c in _vectors(random.Random(3)) if c[0] <= 64]
    src = ['#include <cstdio>', '#include "sm_ecc.h"', "using namespace sm_ecc;",
           "int main() {", "  uint64_t d;"]
    for k, data, check in cases:
        src += [f"  d = 0x{data:x}ull;",
                f"  {{ unsigned o = secded{k}_decode(d, 0x{check:x}ull);",
                f"    std::printf(\"%llx %u %llx\\n\", (unsigned long long)secded{k}_encode("
                f"0x{data:x}ull), o, (unsigned long long)d); }}"]
    for data in _words(512, 2, random.Random(512)):
        hexs = f"{data:0128x}"
        src += ["  { ap_uint<512> w = 0;"]
        src += [f"    w.range({511 - 64 * i}, {448 - 64 * i}) = 0x{hexs[16 * i:16 * i + 16]}ull;"
                for i in range(8)]
        src += ['    std::printf("%x\\n", iparity<512>(w)); }']
    src += ["  return 0;", "}", ""]
    (tmp_path / "t.cpp").write_text("\n".join(src))
    subprocess.run([cxx, "-std=c++14", "-O1", "-w", f"-I{ROOT / 'hls' / 'src'}", f"-I{ap}",
                    str(tmp_path / "t.cpp"), "-o", str(tmp_path / "t")], check=True,
                   capture_output=True)
    out = subprocess.run([str(tmp_path / "t")], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    names = {Outcome.CLEAN: 0, Outcome.CORRECTED: 1, Outcome.UNCORRECTABLE: 2}
    for line, (k, data, check) in zip(out, cases, strict=False):
        enc, outcome, got = line.split()
        want, want_outcome = ecc.secded(k).decode(data, check)
        assert int(enc, 16) == ecc.secded(k).encode(data)
        assert int(outcome) == names[want_outcome], (k, data, check)
        assert int(got, 16) == want, (k, data, check)
    rest = out[len(cases):]
    for i, data in enumerate(_words(512, 2, random.Random(512))):
        assert int(rest[i], 16) == ecc.interleaved_parity(data, 512)


def test_generated_copies_are_current() -> None:
    assert (ROOT / "rtl" / "sm_ecc.vh").read_text() == ecc_headers.verilog_header()
    assert (ROOT / "hls" / "src" / "sm_ecc.h").read_text() == ecc_headers.c_header()
