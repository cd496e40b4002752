// AGGREGATE: max or sum over graph neighbours, broadcast back, requantized (PROGRAM.md).
//
// Rows are edges (n, k) -> n*K + k with K = op.group. AGG_AXIS 0 reduces over k' within the
// n-group, AGG_AXIS 1 over n' for fixed k. Pass 1 walks the rows once per column tile (DRAIN_COLS
// columns per cycle, the column banks the array drains into) and keeps per group the
// largest value, its row and the runner-up (so "max excluding self" needs no second walk),
// or the exact sum (excluding self = total - self). Pass 2 writes.
#ifndef SPACEMIMO_AGGREGATE_H
#define SPACEMIMO_AGGREGATE_H

#include "requant.h"
#include "spacemimo_accel.h"

namespace smacc {

template <class CONFIG_T>
void aggregate_op(act_t buf[CONFIG_T::num_buffers + 1][CONFIG_T::max_rows][CONFIG_T::max_cols],
                  unsigned sb, unsigned db, const op_rec &op) {
    const unsigned DC = CONFIG_T::drain_cols, MR = CONFIG_T::max_rows;
    const unsigned K = op.group, N = op.rows / op.group;  // one divide per op
    const bool axis1 = op.flags & pf::FLAG_AGG_AXIS;
    const bool is_sum = ((op.flags & pf::FLAG_AGG_MODE) >> pf::FLAG_AGG_MODE_SHIFT) == pf::AGG_SUM;
    const bool excl = op.flags & pf::FLAG_EXCLUDE_SELF;
    const bool relu = op.flags & pf::FLAG_RELU;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    const unsigned gsize = axis1 ? N : K;  // members per reduction set
    const acc_t NONE = -(acc_t(1) << (CONFIG_T::acc_bits - 2));

    acc_t top1[CONFIG_T::max_rows][CONFIG_T::drain_cols];  // max, or sum
    acc_t top2[CONFIG_T::max_rows][CONFIG_T::drain_cols];  // runner-up (max mode)
    unsigned arg1[CONFIG_T::max_rows][CONFIG_T::drain_cols];
#pragma HLS ARRAY_PARTITION variable = top1 dim = 2 complete
#pragma HLS ARRAY_PARTITION variable = top2 dim = 2 complete
#pragma HLS ARRAY_PARTITION variable = arg1 dim = 2 complete

COL_TILES:
    for (unsigned c0 = 0; c0 < op.in_cols; c0 += DC) {
    INIT:
        for (unsigned g = 0; g < MR; g++) {
#pragma HLS PIPELINE II = 1
            for (unsigned j = 0; j < DC; j++) {
                top1[g][j] = is_sum ? acc_t(0) : NONE;
                top2[g][j] = NONE;
                arg1[g][j] = MR;
            }
        }
        unsigned n = 0, k = 0;  // row r = n*K + k, stepped without a divider
    REDUCE_ROWS:
        for (unsigned r = 0; r < op.rows; r++) {
#pragma HLS PIPELINE II = 1  // one row of DRAIN_COLS columns per cycle
            unsigned g = axis1 ? k : n;
            if (++k == K) {
                k = 0;
                n++;
            }
        REDUCE_COLS:
            for (unsigned j = 0; j < DC; j++) {
                unsigned c = c0 + j;
                if (c >= op.in_cols) continue;
                acc_t v = buf[sb][r][op.src_off + c];
                if (is_sum) {
                    top1[g][j] += v;
                } else if (v > top1[g][j]) {
                    top2[g][j] = top1[g][j];
                    top1[g][j] = v;
                    arg1[g][j] = r;
                } else if (v > top2[g][j]) {
                    top2[g][j] = v;
                }
            }
        }
        n = 0;
        k = 0;
    WRITE_ROWS:
        for (unsigned r = 0; r < op.rows; r++) {
#pragma HLS PIPELINE II = 1
            unsigned g = axis1 ? k : n;
            if (++k == K) {
                k = 0;
                n++;
            }
        WRITE_COLS:
            for (unsigned j = 0; j < DC; j++) {
                unsigned c = c0 + j;
                if (c >= op.in_cols) continue;
                acc_t m;
                if (excl && gsize == 1) {
                    m = 0;  // empty neighbour set reduces to 0
                } else if (is_sum) {
                    m = excl ? acc_t(top1[g][j] - buf[sb][r][op.src_off + c]) : top1[g][j];
                } else {
                    m = (excl && arg1[g][j] == r) ? top2[g][j] : top1[g][j];
                }
                buf[db][r][op.dst_off + c] =
                    requantize<CONFIG_T>(wide_t(m), op.shift, op.out_bits, relu, sgn, narrow);
            }
        }
    }
}

}  // namespace smacc

#endif  // SPACEMIMO_AGGREGATE_H
