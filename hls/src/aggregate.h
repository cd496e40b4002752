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

// Returns its cycles as counted by its loop: per column tile a reduce pass and a write pass of
// op.rows steps each, all in one flattened pipelined loop (AGG_STEPS).
template <class CONFIG_T>
cycles_t aggregate_op(SM_ABUF(CONFIG_T, buf),
                      unsigned sb, unsigned db, const op_rec &op, seu_log &sl) {
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
    // ONE flattened pipelined loop over column tiles x {reduce, write} x rows: per DRAIN_COLS
    // column tile a reduce pass (one row per step) then a write pass (one row per step); one
    // pipeline fill per op. The write pass reads the group state the reduce pass just left
    // (distance >= 1 step, as the reduce pass's own read-modify-write of a group).
    const unsigned tiles = (op.in_cols + DC - 1) / DC;
    unsigned c0 = 0, r = 0, n = 0, k = 0;  // row r = n*K + k, stepped without a divider
    bool writing = false;
    cycles_t steps = 0;
AGG_STEPS:
    for (unsigned q = 0; q < 2 * tiles * op.rows; q++) {
#pragma HLS PIPELINE II = 1  // one row of DRAIN_COLS columns per step
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 4096
        steps++;
        const unsigned g = axis1 ? k : n;
        const bool first = axis1 ? n == 0 : k == 0;  // the group's first member: no clear pass
        act_t x[CONFIG_T::drain_cols], y[CONFIG_T::drain_cols];
        read_cols<CONFIG_T>(buf, sb, r, op.src_off + c0, x,  // one read per column bank
                            op.in_cols - c0 < DC ? op.in_cols - c0 : DC, sl);
    AGG_COLS:
        for (unsigned j = 0; j < DC; j++) {
            y[j] = 0;
            if (c0 + j >= op.in_cols) continue;  // past the op's columns: nothing kept/written
            const acc_t v = x[j];
            if (!writing) {
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
            } else {
                acc_t m;
                if (single) {
                    m = 0;  // empty neighbour set reduces to 0
                } else if (is_sum) {
                    m = excl ? acc_t(top1[g][j] - v) : top1[g][j];
                } else {
                    m = (excl && arg1[g][j] == r) ? top2[g][j] : top1[g][j];
                }
                y[j] = requantize<CONFIG_T>(wide_t(m), op.shift, op.out_bits, relu, sgn, narrow);
            }
        }
        if (writing)
            write_cols<CONFIG_T>(buf, db, r, op.dst_off + c0, y,
                                 op.in_cols - c0 < DC ? op.in_cols - c0 : DC);
        if (++k == K) {
            k = 0;
            n++;
        }
        if (++r == op.rows) {  // next pass: reduce -> write -> the next column tile
            r = 0;
            n = 0;
            k = 0;
            if (writing) c0 += DC;
            writing = !writing;
        }
    }
    return loop_cycles<CONFIG_T>(steps);
}

}  // namespace smacc

#endif  // SPACEMIMO_AGGREGATE_H
