// NORM: power normalization b <- sqrt(P) b / ||b|| (GSM) and sigma(X) = X / ||X|| (Model-GNN),
// in exact integer arithmetic (PROGRAM.md): s = sum y^2, n = isqrt(s) (floor),
// g = floor((gain << rbits) / n), out = sat(rshift_rne(y * g, rbits)); n = 0 gives 0.
// isqrt is the digit-by-digit method (32 fixed steps), the divide a 64-step restoring divider:
// both are a few hundred LUTs and no DSP, and bit-exact by construction.
#ifndef SPACEMIMO_NORM_H
#define SPACEMIMO_NORM_H

#include "act_banks.h"
#include "cycle_counter.h"
#include "requant.h"
#include "spacemimo_accel.h"

namespace smacc {

// floor(sqrt(s)) for s < 2^64.
inline ap_uint<32> isqrt64(ap_uint<64> s, cycles_t &steps) {
    ap_uint<64> x = s, res = 0, bit = ap_uint<64>(1) << 62;
ISQRT:
    for (int i = 0; i < 32; i++) {
#pragma HLS PIPELINE II = 1
        steps++;
        if (x >= res + bit) {
            x -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    return (ap_uint<32>)res;
}

// floor(num / den), den > 0.
inline ap_uint<64> udiv64(ap_uint<64> num, ap_uint<64> den, cycles_t &steps) {
    ap_uint<64> q = 0;
    ap_uint<65> r = 0;
DIVIDE:
    for (int i = 63; i >= 0; i--) {
#pragma HLS PIPELINE II = 1
        steps++;
        r = (r << 1) | ap_uint<65>(num[i]);
        if (r >= den) {
            r -= den;
            q[i] = 1;
        }
    }
    return q;
}

// Returns its cycles as counted by its loops: the sum of squares and the scale pass, each
// one flattened pipelined loop over rows x column tiles, plus the 32-step isqrt and the
// 64-step divide (each a pipelined loop of its own).
template <class CONFIG_T>
cycles_t norm_op(SM_ABUF(CONFIG_T, buf),
                 unsigned sb, unsigned db, const op_rec &op, seu_log &sl) {
    const unsigned DC = CONFIG_T::drain_cols;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    const unsigned tiles = (op.in_cols + DC - 1) / DC;
    ap_uint<64> s = 0;
    cycles_t steps = 0;
    unsigned r = 0, c0 = 0;
SUMSQ:
    for (unsigned q = 0; q < op.rows * tiles; q++) {
#pragma HLS PIPELINE II = 1  // DRAIN_COLS squares per step into an adder tree
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 2048
        steps++;
        act_t x[CONFIG_T::drain_cols];
        read_cols<CONFIG_T>(buf, sb, r, op.src_off + c0, x,  // one read per column bank
                            op.in_cols - c0 < DC ? op.in_cols - c0 : DC, sl);
    SUMSQ_COLS:
        for (unsigned j = 0; j < DC; j++) {
            if (c0 + j < op.in_cols) {
                act_t y = x[j];
                s += ap_uint<64>(ap_int<2 * CONFIG_T::act_bits>(y * y));
            }
        }
        c0 += DC;
        if (c0 >= op.in_cols) {
            c0 = 0;
            r++;
        }
    }
    cycles_t cyc = loop_cycles<CONFIG_T>(steps);
    steps = 0;
    ap_uint<32> n = isqrt64(s, steps);
    cyc += loop_cycles<CONFIG_T>(steps);
    // the divide always runs (constant time; its quotient is unused when n = 0)
    steps = 0;
    const ap_int<64> g = (ap_int<64>)udiv64(ap_uint<64>(op.gain) << op.rbits,
                                            ap_uint<64>(n == 0 ? ap_uint<32>(1) : n), steps);
    cyc += loop_cycles<CONFIG_T>(steps);
    steps = 0;
    r = 0;
    c0 = 0;
SCALE:
    for (unsigned q = 0; q < op.rows * tiles; q++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 2048
        steps++;
        act_t x[CONFIG_T::drain_cols], z[CONFIG_T::drain_cols];
        read_cols<CONFIG_T>(buf, sb, r, op.src_off + c0, x,
                            op.in_cols - c0 < DC ? op.in_cols - c0 : DC, sl);
    SCALE_COLS:
        for (unsigned j = 0; j < DC; j++) {
            z[j] = 0;
            if (c0 + j < op.in_cols) {
                act_t y = x[j];
                act_t out = 0;
                if (n != 0) {
                    wide_t p = wide_t(ap_int<64 + CONFIG_T::act_bits>(g * y));
                    out = saturate(rshift_rne(p, (int)op.rbits), op.out_bits, sgn, narrow);
                }
                z[j] = out;
            }
        }
        write_cols<CONFIG_T>(buf, db, r, op.dst_off + c0, z,
                             op.in_cols - c0 < DC ? op.in_cols - c0 : DC);
        c0 += DC;
        if (c0 >= op.in_cols) {
            c0 = 0;
            r++;
        }
    }
    return cyc + loop_cycles<CONFIG_T>(steps);
}

}  // namespace smacc

#endif  // SPACEMIMO_NORM_H
