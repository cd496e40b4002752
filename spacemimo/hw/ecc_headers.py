"""The RTL's and the HLS kernel's copies of the memory codes (``spacemimo.spec.ecc``).

``rtl/sm_ecc.vh`` holds Verilog functions (``include`` it inside a module):
``sm_secded_enc<K>(data)`` gives the r + 1 check bits, ``sm_secded_dec<K>(data, check)``
gives ``{uncorrectable, corrected, data}`` with the data corrected when one bit flipped, and
``sm_iparity<K>(data)`` the interleaved parity bits. ``hls/src/sm_ecc.h`` holds the same in
C++ (``sm_ecc::secded<K>_encode/_decode``, ``sm_ecc::iparity``). Both are plain tables of the
masks, so the RTL, the kernel and the Python decoder share one code by construction.
"""

from __future__ import annotations

from spacemimo.spec import ecc

ECC_NOTE = "generated from spacemimo/spec/ecc.py by `spacemimo gen` — do not edit"


def _flip_table(code: ecc.Secded) -> list[int]:
    """Syndrome (low r bits) -> index of the data bit to flip, -1 for none."""
    return [code.positions.index(s) if s in code.positions else -1 for s in range(1 << code.r)]


def _vmask(k: int, mask: int) -> str:
    return f"{k}'h{mask:0{(k + 3) // 4}X}"


def verilog_header() -> str:
    """``rtl/sm_ecc.vh``."""
    out = [f"// {ECC_NOTE}",
           "// SECDED: stored word {check, data}; dec returns {uncorrectable, corrected, data}.",
           "// Locals are prefixed ecc_ so that no function hides a signal of the includer.",
           f"// Interleaved parity: {ecc.IPARITY_GROUPS} bits, bit g = XOR of data bits i with "
           f"i % {ecc.IPARITY_GROUPS} == g.", ""]
    for k in ecc.SECDED_WIDTHS:
        code = ecc.secded(k)
        cb, r = code.check_bits, code.r
        out += [f"// SECDED over {k} data bits: {cb} check bits, positions "
                f"1..{code.last_position}", f"function [{cb - 1}:0] sm_secded_enc{k};",
                f"  input [{k - 1}:0] ecc_d;", "  begin"]
        out += [f"    sm_secded_enc{k}[{j}] = ^(ecc_d & {_vmask(k, m)});"
                for j, m in enumerate(code.masks)]
        out += ["  end", "endfunction", "",
                f"function [{k + 1}:0] sm_secded_dec{k};", f"  input [{k - 1}:0] ecc_d;",
                f"  input [{cb - 1}:0] ecc_c;", f"  reg [{cb - 1}:0] ecc_syn;",
                f"  reg [{k - 1}:0] ecc_flip;",
                "  reg ecc_p, ecc_bad;", "  begin",
                f"    ecc_syn = sm_secded_enc{k}(ecc_d) ^ ecc_c;", "    ecc_p = ^ecc_syn;",
                f"    ecc_bad = ecc_syn[{r - 1}:0] > {r}'d{code.last_position};",
                f"    case (ecc_syn[{r - 1}:0])"]
        out += [f"      {r}'d{s}: ecc_flip = {_vmask(k, 1 << i)};"
                for s, i in enumerate(_flip_table(code)) if i >= 0]
        out += [f"      default: ecc_flip = {k}'h0;", "    endcase",
                f"    if (!ecc_p || ecc_bad) ecc_flip = {k}'h0;",
                f"    sm_secded_dec{k} = {{(ecc_p && ecc_bad) || (!ecc_p && |ecc_syn[{r - 1}:0]), "
                "ecc_p && !ecc_bad, ecc_d ^ ecc_flip};", "  end", "endfunction", ""]
    g = ecc.IPARITY_GROUPS
    for k in ecc.IPARITY_WIDTHS:
        out += [f"function [{g - 1}:0] sm_iparity{k};", f"  input [{k - 1}:0] ecc_d;", "  begin"]
        out += [f"    sm_iparity{k}[{j}] = ^(ecc_d & {_vmask(k, ecc.group_mask(k, j, g))});"
                for j in range(g)]
        out += ["  end", "endfunction", ""]
    return "\n".join(out)


def c_header() -> str:
    """``hls/src/sm_ecc.h``."""
    out = [f"// {ECC_NOTE}", "#ifndef SPACEMIMO_SM_ECC_H", "#define SPACEMIMO_SM_ECC_H", "",
           "#include <cstdint>", "", "#include \"ap_int.h\"", "", "namespace sm_ecc {", "",
           "enum Outcome { CLEAN = 0, CORRECTED = 1, UNCORRECTABLE = 2 };", "",
           f"constexpr int IPARITY_GROUPS = {ecc.IPARITY_GROUPS};", "",
           "inline unsigned parity64(uint64_t x) {",
           "  x ^= x >> 32; x ^= x >> 16; x ^= x >> 8; x ^= x >> 4; x ^= x >> 2; x ^= x >> 1;",
           "  return unsigned(x & 1u);", "}", "",
           "// check bits: bit j = parity(data & mask[j])",
           "inline uint64_t encode_with(uint64_t d, const uint64_t* mask, int cb) {",
           "  uint64_t c = 0;", "  for (int j = 0; j < cb; ++j) {", "#pragma HLS UNROLL",
           "    c |= uint64_t(parity64(d & mask[j])) << j;", "  }", "  return c;", "}", "",
           "// corrects d in place when one bit flipped; flip[s]: data bit at position s or -1",
           "inline Outcome decode_with(uint64_t& d, uint64_t c, const uint64_t* mask,",
           "                           const int8_t* flip, int r, int last) {",
           "  const uint64_t syn = encode_with(d, mask, r + 1) ^ c;",
           "  const unsigned p = parity64(syn);",
           "  const unsigned s = unsigned(syn & ((uint64_t(1) << r) - 1));",
           "  if (!p) return s == 0 ? CLEAN : UNCORRECTABLE;",
           "  if (int(s) > last) return UNCORRECTABLE;",
           "  if (flip[s] >= 0) d ^= uint64_t(1) << flip[s];",
           "  return CORRECTED;", "}", ""]
    for k in ecc.SECDED_WIDTHS:
        code = ecc.secded(k)
        masks = ", ".join(f"0x{m:X}ull" for m in code.masks)
        flips = ", ".join(str(i) for i in _flip_table(code))
        out += [f"// SECDED over {k} data bits: {code.check_bits} check bits",
                f"constexpr int SECDED{k}_CHECK_BITS = {code.check_bits};",
                f"constexpr uint64_t SECDED{k}_MASK[{code.check_bits}] = {{{masks}}};",
                f"constexpr int8_t SECDED{k}_FLIP[{1 << code.r}] = {{{flips}}};",
                f"inline uint64_t secded{k}_encode(uint64_t d) "
                f"{{ return encode_with(d, SECDED{k}_MASK, {code.check_bits}); }}",
                f"inline Outcome secded{k}_decode(uint64_t& d, uint64_t c) {{",
                f"  return decode_with(d, c, SECDED{k}_MASK, SECDED{k}_FLIP, {code.r}, "
                f"{code.last_position});", "}", ""]
    out += ["// interleaved parity of a K-bit word: bit g = XOR of bits i with i % GROUPS == g",
            "template <int K>", "inline unsigned iparity(const ap_uint<K>& d) {",
            "  unsigned p = 0;", "  for (int i = 0; i < K; ++i) {", "#pragma HLS UNROLL",
            "    p ^= unsigned(d[i]) << (i % IPARITY_GROUPS);", "  }", "  return p;", "}", "",
            "}  // namespace sm_ecc", "", "#endif  // SPACEMIMO_SM_ECC_H", ""]
    return "\n".join(out)
