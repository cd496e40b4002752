"""The error-detecting and -correcting codes of the accelerator's memories (SEU protection).

One definition for every copy: ``spacemimo gen`` writes the RTL's functions
(``rtl/sm_ecc.vh``) and the HLS kernel's (``hls/src/sm_ecc.h``) from the masks here, and the
fault-injection campaign and the tests decode stored words with the Python code below.

- **SECDED** (single-error-correcting, double-error-detecting): an extended Hamming code.
  Data bit i sits at the i-th codeword position 1, 2, ... that is not a power of two; check
  bit j (j < r) is the XOR of the data bits whose position has bit j set; check bit r, the
  overall parity, makes the whole codeword even, which over the data alone is the XOR of the
  data bits whose position has an even number of ones. A stored word is ``{check, data}``.
  On read, the syndrome ``s`` (recomputed ^ stored check bits, low r bits) and ``p`` (the
  XOR of all r + 1 syndrome bits) say: ``p == 0, s == 0`` clean; ``p == 1`` one bit flipped
  (``s`` = its position, 0 = the overall parity bit itself), corrected; ``p == 0, s != 0``
  or ``s`` past the last position: two bits flipped, detected, not corrected. 64 data bits
  take 8 check bits (72 bits: a 7-series/UltraScale+ block RAM's 512 x 72 width, 12.5 %).
- **Interleaved parity**: ``IPARITY_GROUPS`` parity bits, bit g the XOR of the data bits
  i with ``i % IPARITY_GROUPS == g``, so up to that many adjacent flipped bits (a multi-cell
  upset) are always detected; nothing is corrected. Used where a detected error is handled by
  reloading (the op table, the header).
- **Parity**: one bit, the XOR of the data; detects any odd number of flips.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache

# data widths that get a generated SECDED encoder/decoder: 8/16-bit activations (HLS), the
# RTL's 9/17-bit activation words (bits + 1: 5 / 6 check bits, one fewer than the 16 / 32-bit
# code of the word zero-extended), 32-bit biases (ACC_W), 48-bit accumulators of wider builds,
# 64-bit weight rows (two 32-bit words)
SECDED_WIDTHS: tuple[int, ...] = (8, 9, 16, 17, 32, 48, 64)
# interleaved-parity groups and the widths that get a generated function: 32-bit header and
# base-address words, 512-bit op-table entries
IPARITY_GROUPS = 8
IPARITY_WIDTHS: tuple[int, ...] = (32, 512)


class Outcome(Enum):
    """What a decoder made of a stored word."""

    CLEAN = "clean"
    CORRECTED = "corrected"
    UNCORRECTABLE = "uncorrectable"


def _check_bits(k: int) -> int:
    """Hamming check bits for k data bits: the smallest r with 2**r >= k + r + 1."""
    r = 1
    while (1 << r) < k + r + 1:
        r += 1
    return r


@dataclass(frozen=True)
class Secded:
    """The extended Hamming code over ``k`` data bits (see the module docstring)."""

    k: int
    r: int                         # Hamming check bits; r + 1 stored check bits in all
    positions: tuple[int, ...]     # codeword position of each data bit
    masks: tuple[int, ...]         # r + 1 data masks: check bit j = parity(data & masks[j])

    @property
    def check_bits(self) -> int:
        """Stored check bits (r Hamming bits + the overall parity)."""
        return self.r + 1

    @property
    def last_position(self) -> int:
        """The highest codeword position in use (k + r)."""
        return self.k + self.r

    def encode(self, data: int) -> int:
        """The check bits of ``data`` (bit j = check bit j, bit r = overall parity)."""
        _check_range(data, self.k)
        return sum(parity(data & m) << j for j, m in enumerate(self.masks))

    def decode(self, data: int, check: int) -> tuple[int, Outcome]:
        """``(corrected data, outcome)`` of a stored word; an uncorrectable word's data is
        returned as read."""
        _check_range(data, self.k)
        _check_range(check, self.check_bits)
        syn = self.encode(data) ^ check
        s = syn & ((1 << self.r) - 1)
        p = parity(syn)
        if not p:
            return data, (Outcome.CLEAN if s == 0 else Outcome.UNCORRECTABLE)
        if s > self.last_position:
            return data, Outcome.UNCORRECTABLE
        if s in self.positions:
            data ^= 1 << self.positions.index(s)
        return data, Outcome.CORRECTED

    def store(self, data: int) -> int:
        """The stored word ``{check, data}`` as one integer (data in the low k bits)."""
        return (self.encode(data) << self.k) | data

    def load(self, word: int) -> tuple[int, Outcome]:
        """Decode a stored word ``{check, data}``."""
        return self.decode(word & ((1 << self.k) - 1), word >> self.k)


@cache
def secded(k: int) -> Secded:
    """The SECDED code over ``k`` data bits (1 <= k <= 1024)."""
    if not 1 <= k <= 1024:
        raise ValueError(f"SECDED data width {k} is outside 1..1024")
    r = _check_bits(k)
    positions = tuple(p for p in range(3, k + r + 1) if p & (p - 1))[:k]
    masks = [sum(1 << i for i, pos in enumerate(positions) if pos >> j & 1) for j in range(r)]
    masks.append(sum(1 << i for i, pos in enumerate(positions) if bin(pos).count("1") % 2 == 0))
    return Secded(k=k, r=r, positions=positions, masks=tuple(masks))


def parity(value: int) -> int:
    """XOR of the bits of a non-negative integer."""
    return bin(value).count("1") & 1


def interleaved_parity(data: int, k: int, groups: int = IPARITY_GROUPS) -> int:
    """``groups`` parity bits of a k-bit word: bit g covers data bits i with i % groups == g."""
    _check_range(data, k)
    return sum(parity(data & group_mask(k, g, groups)) << g for g in range(groups))


@cache
def group_mask(k: int, g: int, groups: int) -> int:
    return sum(1 << i for i in range(g, k, groups))


def _check_range(value: int, bits: int) -> None:
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{value:#x} does not fit {bits} bits")
