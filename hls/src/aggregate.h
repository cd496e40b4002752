// AGGREGATE: max or sum over graph neighbours, broadcast back, requantized (PROGRAM.md).
//
// Rows are edges (n, k) -> n*K + k with K = op.group. AGG_AXIS 0 reduces over k' within the
// n-group, AGG_AXIS 1 over n' for fixed k. Pass 1 walks the rows once per column tile (DRAIN_COLS
// columns per cycle, the column banks the array drains into) and keeps per group the
// largest value, its row and the runner-up (so "max excluding self" needs no second walk),
// or the exact sum (excluding self = total - self). Pass 2 writes.
#ifndef SPACEMIMO_AGGREGATE_H
#define SPACEMIMO_AGGREGATE_H

#include "act_banks.h"
#include "cycle_counter.h"
#include "requant.h"
#include "spacemimo_accel.h"

namespace smacc {

// Returns its cycles as counted by its loops: per column tile, a REDUCE pass and a WRITE
// pass of op.rows steps each (two pipelined loops, each paying its depth).
template <class CONFIG_T>
cycles_t aggregate_op(SM_ABUF(CONFIG_T, buf),
                      unsigned sb, unsigned db, const op_rec &op) {
    const unsigned DC = CONFIG_T::drain_cols;
    const unsigned K = op.group;
    const bool axis1 = op.flags & pf::FLAG_AGG_AXIS;
    const bool is_sum = ((op.flags & pf::FLAG_AGG_MODE) >> pf::FLAG_AGG_MODE_SHIFT) == pf::AGG_SUM;
    const bool excl = op.flags & pf::FLAG_EXCLUDE_SELF;
    const bool relu = op.flags & pf::FLAG_RELU;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    const bool single = excl && (axis1 ? op.rows == K : K == 1);  // empty neighbour sets
    const acc_t NONE = -(acc_t(1) << (CONFIG_T::acc_bits - 2));

    // per reduction group: max (or sum), runner-up, the max's row — DC columns in parallel
    acc_t top1[CONFIG_T::max_rows][CONFIG_T::drain_cols];
    acc_t top2[CONFIG_T::max_rows][CONFIG_T::drain_cols];
    unsigned arg1[CONFIG_T::max_rows][CONFIG_T::drain_cols];
#pragma HLS ARRAY_PARTITION variable = top1 dim = 2 complete
#pragma HLS ARRAY_PARTITION variable = top2 dim = 2 complete
#pragma HLS ARRAY_PARTITION variable = arg1 dim = 2 complete
#pragma HLS BIND_STORAGE variable = top1 type = ram_2p impl = lutram
#pragma HLS BIND_STORAGE variable = top2 type = ram_2p impl = lutram
#pragma HLS BIND_STORAGE variable = arg1 type = ram_2p impl = lutram
    cycles_t cyc = 0;

COL_TILES:
    for (unsigned c0 = 0; c0 < op.in_cols; c0 += DC) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 32
        unsigned n = 0, k = 0;  // row r = n*K + k, stepped without a divider
        cycles_t steps = 0;
    REDUCE_ROWS:
        for (unsigned r = 0; r < op.rows; r++) {
#pragma HLS PIPELINE II = 1  // one row of DRAIN_COLS columns per step
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
            steps++;
            const unsigned g = axis1 ? k : n;
            const bool first = axis1 ? n == 0 : k == 0;  // the group's first member: no clear pass
            if (++k == K) {
                k = 0;
                n++;
            }
            act_t x[CONFIG_T::drain_cols];
            read_cols<CONFIG_T>(buf, sb, r, op.src_off + c0, x);  // one read per column bank
        REDUCE_COLS:
            for (unsigned j = 0; j < DC; j++) {
                unsigned c = c0 + j;
                if (c >= op.in_cols) continue;
                acc_t v = x[j];
                if (first) {
                    top1[g][j] = v;
                    top2[g][j] = NONE;
                    arg1[g][j] = r;
                } else if (is_sum) {
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
        cyc += loop_cycles<CONFIG_T>(steps);
        n = 0;
        k = 0;
        steps = 0;
    WRITE_ROWS:
        for (unsigned r = 0; r < op.rows; r++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
            steps++;
            unsigned g = axis1 ? k : n;
            if (++k == K) {
                k = 0;
                n++;
            }
            act_t x[CONFIG_T::drain_cols], y[CONFIG_T::drain_cols];
            read_cols<CONFIG_T>(buf, sb, r, op.src_off + c0, x);
        WRITE_COLS:
            for (unsigned j = 0; j < DC; j++) {
                y[j] = 0;
                if (c0 + j >= op.in_cols) continue;  // not written (write_cols stops at n)
                acc_t m;
                if (single) {
                    m = 0;  // empty neighbour set reduces to 0
                } else if (is_sum) {
                    m = excl ? acc_t(top1[g][j] - x[j]) : top1[g][j];
                } else {
                    m = (excl && arg1[g][j] == r) ? top2[g][j] : top1[g][j];
                }
                y[j] = requantize<CONFIG_T>(wide_t(m), op.shift, op.out_bits, relu, sgn, narrow);
            }
            write_cols<CONFIG_T>(buf, db, r, op.dst_off + c0, y,
                                 op.in_cols - c0 < DC ? op.in_cols - c0 : DC);
        }
        cyc += loop_cycles<CONFIG_T>(steps);
    }
    return cyc;
}

}  // namespace smacc

#endif  // SPACEMIMO_AGGREGATE_H
