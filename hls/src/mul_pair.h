// Two 8-bit weight products with one shared activation in one DSP48 multiplier: the HLS
// form of rtl/sm_mul_pair.v (the MAC array's DSP packing, dense_tile.h mac_step).
//
// A = {w1, 9'b0, w0 + 128} is a concatenation (wiring, no pre-add) that fits the DSP48E1's
// 25-bit port for every w0, w1 (w0 + 128 is w0 with its sign bit inverted); P = A · x with
// x the 9-bit activation, a 25 x 9 product. (w0 + 128) · x lies in [−65280, 65025], inside
// 17 signed bits, so lo = P[16:0] is it exactly and P[33:17] = w1 · x − P[16] (the low
// field's sign borrows from the high one). Hence w0 · x = lo − 128 · x and w1 · x = hi with
// hi = P[33:17] + P[16]: the caller subtracts 128 · x once per activation for the even lane
// (mac_step: 128 · Σ_l x[r, l] once per row and step). Exact for every w0, w1, x
// (tests/test_hls_structure.py checks all 2^25 operand triples through `mul_pair`).
#ifndef SPACEMIMO_MUL_PAIR_H
#define SPACEMIMO_MUL_PAIR_H

#include "ap_int.h"

namespace smacc {

// The multiplier's A operand for the weight pair (w0, w1).
inline ap_int<25> pack_pair(ap_int<8> w0, ap_int<8> w1) {
#pragma HLS INLINE
    return (ap_int<25>)((ap_uint<8>)w1, ap_uint<9>(0), (ap_uint<8>)(w0 ^ 0x80));
}

// The two products' fields of P = pack_pair(w0, w1) · x (bits above 33: sign extension):
// lo = (w0 + 128) · x, hi = w1 · x.
template <int W>
inline void split_pair(const ap_int<W> &P, ap_int<17> &lo, ap_int<18> &hi) {
#pragma HLS INLINE
    lo = (ap_int<17>)P.range(16, 0);
    hi = ap_int<18>((ap_int<17>)P.range(33, 17)) + ap_int<18>((ap_uint<1>)P[16]);
}

// Both, around the one multiply (what mac_step does per PE pair and lane).
inline void mul_pair(ap_int<8> w0, ap_int<8> w1, ap_int<9> x, ap_int<17> &lo, ap_int<18> &hi) {
#pragma HLS INLINE
    const ap_int<34> P = pack_pair(w0, w1) * x;
    split_pair(P, lo, hi);
}

}  // namespace smacc

#endif  // SPACEMIMO_MUL_PAIR_H
