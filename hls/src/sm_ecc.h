// generated from spacemimo/spec/ecc.py by `spacemimo gen` — do not edit
#ifndef SPACEMIMO_SM_ECC_H
#define SPACEMIMO_SM_ECC_H

#include <cstdint>

#include "ap_int.h"

namespace sm_ecc {

enum Outcome { CLEAN = 0, CORRECTED = 1, UNCORRECTABLE = 2 };

constexpr int IPARITY_GROUPS = 8;

inline unsigned parity64(uint64_t x) {
  x ^= x >> 32; x ^= x >> 16; x ^= x >> 8; x ^= x >> 4; x ^= x >> 2; x ^= x >> 1;
  return unsigned(x & 1u);
}

// check bits: bit j = parity(data & mask[j])
inline uint64_t encode_with(uint64_t d, const uint64_t* mask, int cb) {
  uint64_t c = 0;
  for (int j = 0; j < cb; ++j) {
#pragma HLS UNROLL
    c |= uint64_t(parity64(d & mask[j])) << j;
  }
  return c;
}

// corrects d in place when one bit flipped; flip[s]: data bit at position s or -1
inline Outcome decode_with(uint64_t& d, uint64_t c, const uint64_t* mask,
                           const int8_t* flip, int r, int last) {
  const uint64_t syn = encode_with(d, mask, r + 1) ^ c;
  const unsigned p = parity64(syn);
  const unsigned s = unsigned(syn & ((uint64_t(1) << r) - 1));
  if (!p) return s == 0 ? CLEAN : UNCORRECTABLE;
  if (int(s) > last) return UNCORRECTABLE;
  if (flip[s] >= 0) d ^= uint64_t(1) << flip[s];
  return CORRECTED;
}

// SECDED over 8 data bits: 5 check bits
constexpr int SECDED8_CHECK_BITS = 5;
constexpr uint64_t SECDED8_MASK[5] = {0x5Bull, 0x6Dull, 0x8Eull, 0xF0ull, 0xB7ull};
constexpr int8_t SECDED8_FLIP[16] = {-1, -1, -1, 0, -1, 1, 2, 3, -1, 4, 5, 6, 7, -1, -1, -1};
inline uint64_t secded8_encode(uint64_t d) { return encode_with(d, SECDED8_MASK, 5); }
inline Outcome secded8_decode(uint64_t& d, uint64_t c) {
  return decode_with(d, c, SECDED8_MASK, SECDED8_FLIP, 4, 12);
}

// SECDED over 9 data bits: 5 check bits
constexpr int SECDED9_CHECK_BITS = 5;
constexpr uint64_t SECDED9_MASK[5] = {0x15Bull, 0x6Dull, 0x18Eull, 0x1F0ull, 0xB7ull};
constexpr int8_t SECDED9_FLIP[16] = {-1, -1, -1, 0, -1, 1, 2, 3, -1, 4, 5, 6, 7, 8, -1, -1};
inline uint64_t secded9_encode(uint64_t d) { return encode_with(d, SECDED9_MASK, 5); }
inline Outcome secded9_decode(uint64_t& d, uint64_t c) {
  return decode_with(d, c, SECDED9_MASK, SECDED9_FLIP, 4, 13);
}

// SECDED over 16 data bits: 6 check bits
constexpr int SECDED16_CHECK_BITS = 6;
constexpr uint64_t SECDED16_MASK[6] = {0xAD5Bull, 0x366Dull, 0xC78Eull, 0x7F0ull, 0xF800ull, 0x5CB7ull};
constexpr int8_t SECDED16_FLIP[32] = {-1, -1, -1, 0, -1, 1, 2, 3, -1, 4, 5, 6, 7, 8, 9, 10, -1, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
inline uint64_t secded16_encode(uint64_t d) { return encode_with(d, SECDED16_MASK, 6); }
inline Outcome secded16_decode(uint64_t& d, uint64_t c) {
  return decode_with(d, c, SECDED16_MASK, SECDED16_FLIP, 5, 21);
}

// SECDED over 17 data bits: 6 check bits
constexpr int SECDED17_CHECK_BITS = 6;
constexpr uint64_t SECDED17_MASK[6] = {0xAD5Bull, 0x1366Dull, 0x1C78Eull, 0x7F0ull, 0x1F800ull, 0x5CB7ull};
constexpr int8_t SECDED17_FLIP[32] = {-1, -1, -1, 0, -1, 1, 2, 3, -1, 4, 5, 6, 7, 8, 9, 10, -1, 11, 12, 13, 14, 15, 16, -1, -1, -1, -1, -1, -1, -1, -1, -1};
inline uint64_t secded17_encode(uint64_t d) { return encode_with(d, SECDED17_MASK, 6); }
inline Outcome secded17_decode(uint64_t& d, uint64_t c) {
  return decode_with(d, c, SECDED17_MASK, SECDED17_FLIP, 5, 22);
}

// SECDED over 32 data bits: 7 check bits
constexpr int SECDED32_CHECK_BITS = 7;
constexpr uint64_t SECDED32_MASK[7] = {0x56AAAD5Bull, 0x9B33366Dull, 0xE3C3C78Eull, 0x3FC07F0ull, 0x3FFF800ull, 0xFC000000ull, 0x2DA65CB7ull};
constexpr int8_t SECDED32_FLIP[64] = {-1, -1, -1, 0, -1, 1, 2, 3, -1, 4, 5, 6, 7, 8, 9, 10, -1, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, 26, 27, 28, 29, 30, 31, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
inline uint64_t secded32_encode(uint64_t d) { return encode_with(d, SECDED32_MASK, 7); }
inline Outcome secded32_decode(uint64_t& d, uint64_t c) {
  return decode_with(d, c, SECDED32_MASK, SECDED32_FLIP, 6, 38);
}

// SECDED over 48 data bits: 7 check bits
constexpr int SECDED48_CHECK_BITS = 7;
constexpr uint64_t SECDED48_MASK[7] = {0x555556AAAD5Bull, 0x99999B33366Dull, 0xE1E1E3C3C78Eull, 0x1FE03FC07F0ull, 0xFE0003FFF800ull, 0xFFFFFC000000ull, 0xD2D32DA65CB7ull};
constexpr int8_t SECDED48_FLIP[64] = {-1, -1, -1, 0, -1, 1, 2, 3, -1, 4, 5, 6, 7, 8, 9, 10, -1, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, -1, -1, -1, -1, -1, -1, -1, -1, -1};
inline uint64_t secded48_encode(uint64_t d) { return encode_with(d, SECDED48_MASK, 7); }
inline Outcome secded48_decode(uint64_t& d, uint64_t c) {
  return decode_with(d, c, SECDED48_MASK, SECDED48_FLIP, 6, 54);
}

// SECDED over 64 data bits: 8 check bits
constexpr int SECDED64_CHECK_BITS = 8;
constexpr uint64_t SECDED64_MASK[8] = {0xAB55555556AAAD5Bull, 0xCD9999999B33366Dull, 0xF1E1E1E1E3C3C78Eull, 0x1FE01FE03FC07F0ull, 0x1FFFE0003FFF800ull, 0x1FFFFFFFC000000ull, 0xFE00000000000000ull, 0x972CD2D32DA65CB7ull};
constexpr int8_t SECDED64_FLIP[128] = {-1, -1, -1, 0, -1, 1, 2, 3, -1, 4, 5, 6, 7, 8, 9, 10, -1, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, -1, 57, 58, 59, 60, 61, 62, 63, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
inline uint64_t secded64_encode(uint64_t d) { return encode_with(d, SECDED64_MASK, 8); }
inline Outcome secded64_decode(uint64_t& d, uint64_t c) {
  return decode_with(d, c, SECDED64_MASK, SECDED64_FLIP, 7, 71);
}

// interleaved parity of a K-bit word: bit g = XOR of bits i with i % GROUPS == g
template <int K>
inline unsigned iparity(const ap_uint<K>& d) {
  unsigned p = 0;
  for (int i = 0; i < K; ++i) {
#pragma HLS UNROLL
    p ^= unsigned(d[i]) << (i % IPARITY_GROUPS);
  }
  return p;
}

}  // namespace sm_ecc

#endif  // SPACEMIMO_SM_ECC_H
