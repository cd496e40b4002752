// Requantization: round-half-even arithmetic shift + saturation (quant/PROGRAM.md,
// "Rounding and saturation"). Used in the drain of every op, so it is fully combinational
// (INLINE) and sits after the accumulator registers.
#ifndef SPACEMIMO_REQUANT_H
#define SPACEMIMO_REQUANT_H

#include "accel_config.h"

namespace smacc {

typedef ap_int<64> wide_t;     // widest intermediate the compiler allows (PROGRAM.md NORM)
typedef ap_int<82> shifted_t;  // a 64-bit value shifted left by < 18 bits

// rshift_rne(v, s): s > 0 rounds v / 2^s half to even (AP_RND_CONV, Brevitas ROUND);
// s <= 0 shifts left exactly. Left shifts that surely saturate any <= 16-bit output
// are clamped to +-2^80 so the result stays in shifted_t and saturates correctly.
inline shifted_t rshift_rne(wide_t v, int s) {
#pragma HLS INLINE
    if (s > 0) {
        if (s >= 64) return 0;  // |v / 2^s| <= 1/2 and -1/2 rounds to even 0
        wide_t q = v >> s;      // floor
        ap_uint<64> rem = (ap_uint<64>)(v - (q << s));
        ap_uint<64> half = ap_uint<64>(1) << (s - 1);
        if (rem > half || (rem == half && q[0] == 1)) q = q + 1;
        return q;
    }
    int l = -s;
    if (v == 0) return 0;
    if (l >= 18) {
        shifted_t big = shifted_t(1) << 80;
        return v < 0 ? shifted_t(-big) : big;
    }
    return shifted_t(v) << l;
}

// sat(v, bits, signed, narrow): signed [-2^(b-1) (+1 if narrow), 2^(b-1)-1], unsigned
// [0, 2^b - 1 (-1 if narrow)] (AP_SAT / AP_SAT_SYM, Brevitas min_int/max_int).
inline act_t saturate(shifted_t v, unsigned bits, bool is_signed, bool narrow) {
#pragma HLS INLINE
    shifted_t lo, hi;
    if (is_signed) {
        hi = (shifted_t(1) << (bits - 1)) - 1;
        lo = -(shifted_t(1) << (bits - 1)) + (narrow ? 1 : 0);
    } else {
        hi = (shifted_t(1) << bits) - 1 - (narrow ? 1 : 0);  // Brevitas max_int
        lo = 0;
    }
    if (v > hi) return act_t(hi);
    if (v < lo) return act_t(lo);
    return act_t(v);
}

// Output stage shared by DENSE, AGGREGATE and TAYLOR: optional ReLU, shift, saturate.
template <class CONFIG_T>
inline act_t requantize(wide_t v, int shift, unsigned out_bits, bool relu, bool is_signed,
                        bool narrow) {
#pragma HLS INLINE
    if (relu && v < 0) v = 0;
    return saturate(rshift_rne(v, shift), out_bits, is_signed, narrow);
}

}  // namespace smacc

#endif  // SPACEMIMO_REQUANT_H
