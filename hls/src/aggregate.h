// AGGREGATE: max or sum over graph neighbours, broadcast back, requantized (PROGRAM.md).
//
// Rows are edges (n, k) -> n*K + k with K = op.group. AGG_AXIS 0 reduces over k' within the
// n-group, AGG_AXIS 1 over n' for fixed k. Pass 1 walks the rows once per column tile (DRAIN_COLS
// columns per step, the column banks the array drains into) and keeps per group the
// largest value, its row and the runner-up (so "max excluding self" needs no second walk),
// or the exact sum (excluding self = total - self). Pass 2 writes.
//
// All ARRAY_ROWS rows of a row tile per step (one per row bank), whenever no two of them can
// belong to different groups that share a group-state slot: the group state is held in AR
// slots (group g in slot g mod AR), so a step reads and writes each slot once. A row tile's
// groups are consecutive numbers on axis 0, and on axis 1 too when K <= AR or K is a
// multiple of AR; only axis 1 with K > AR not a multiple of AR walks one row per step.
#ifndef SPACEMIMO_AGGREGATE_H
#define SPACEMIMO_AGGREGATE_H

#include "act_banks.h"
#include "cycle_counter.h"
#include "requant.h"
#include "spacemimo_accel.h"

namespace smacc {

// Rows per step of one AGGREGATE: a whole row tile, or one row (see the top of this file).
template <class CONFIG_T>
inline bool agg_whole_tiles(const op_rec &op) {
#pragma HLS INLINE
    const unsigned AR = CONFIG_T::array_rows, K = op.group;
    return !(op.flags & pf::FLAG_AGG_AXIS) || K <= AR || K % AR == 0;
}

// Returns its cycles as counted by its loop: per column tile a reduce pass and a write pass of
// one step per row tile (one per row where agg_whole_tiles is false), all in one flattened
// pipelined loop (AGG_STEPS).
template <class CONFIG_T>
cycles_t aggregate_op(SM_ABUF(CONFIG_T, buf),
                      unsigned sb, unsigned db, const op_rec &op, seu_log &sl) {
    const unsigned AR = CONFIG_T::array_rows, DC = CONFIG_T::drain_cols;
    const unsigned GA = CONFIG_T::max_rows / AR;  // group addresses per slot
    const unsigned K = op.group;
    const bool axis1 = op.flags & pf::FLAG_AGG_AXIS;
    const bool is_sum = ((op.flags & pf::FLAG_AGG_MODE) >> pf::FLAG_AGG_MODE_SHIFT) == pf::AGG_SUM;
    const bool excl = op.flags & pf::FLAG_EXCLUDE_SELF;
    const bool relu = op.flags & pf::FLAG_RELU;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    const bool single = excl && (axis1 ? op.rows == K : K == 1);  // empty neighbour sets
    const acc_t NONE = -(acc_t(1) << (CONFIG_T::acc_bits - 2));
    const bool whole = agg_whole_tiles<CONFIG_T>(op);

    // per reduction group: max (or sum), runner-up, the max's row — group g in slot g mod AR
    // at address g / AR; AR slots x DC columns in parallel
    acc_t top1[GA][CONFIG_T::array_rows][CONFIG_T::drain_cols];
    acc_t top2[GA][CONFIG_T::array_rows][CONFIG_T::drain_cols];
    unsigned arg1[GA][CONFIG_T::array_rows][CONFIG_T::drain_cols];
#pragma HLS ARRAY_PARTITION variable = top1 dim = 2 complete
#pragma HLS ARRAY_PARTITION variable = top1 dim = 3 complete
#pragma HLS ARRAY_PARTITION variable = top2 dim = 2 complete
#pragma HLS ARRAY_PARTITION variable = top2 dim = 3 complete
#pragma HLS ARRAY_PARTITION variable = arg1 dim = 2 complete
#pragma HLS ARRAY_PARTITION variable = arg1 dim = 3 complete
#pragma HLS BIND_STORAGE variable = top1 type = ram_2p impl = lutram
#pragma HLS BIND_STORAGE variable = top2 type = ram_2p impl = lutram
#pragma HLS BIND_STORAGE variable = arg1 type = ram_2p impl = lutram
    // ONE flattened pipelined loop over column tiles x {reduce, write} x row steps; one
    // pipeline fill per op. The write pass reads the group state the reduce pass just left
    // (distance >= 1 step, as the reduce pass's own read-modify-write of a group).
    const unsigned tiles = (op.in_cols + DC - 1) / DC;
    const unsigned row_steps = whole ? (op.rows + AR - 1) / AR : op.rows;
    unsigned c0 = 0, r0 = 0, n0 = 0, k0 = 0;  // the step's first row r0 = n0*K + k0
    bool writing = false;
    cycles_t steps = 0;
AGG_STEPS:
    for (unsigned q = 0; q < 2 * tiles * row_steps; q++) {
#pragma HLS PIPELINE II = 1  // one row tile (or one row) of DRAIN_COLS columns per step
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 4096
        steps++;
        const unsigned ncols = op.in_cols - c0 < DC ? op.in_cols - c0 : DC;
        const unsigned ra = r0 / AR;  // the row tile's address in every row bank
        // the row in row bank b this step (whole tiles: row ra*AR + b; else only row r0),
        // its group, slot and whether it is its group's first member
        bool act[CONFIG_T::array_rows], first[CONFIG_T::array_rows];
        unsigned grp[CONFIG_T::array_rows], row[CONFIG_T::array_rows];
        {
            unsigned n = n0, k = k0;
        ROW_GROUPS:
            for (unsigned b = 0; b < AR; b++) {
                row[b] = whole ? r0 + b : r0;
                act[b] = whole ? r0 + b < op.rows : b == r0 % AR;
                grp[b] = axis1 ? k : n;
                first[b] = axis1 ? n == 0 : k == 0;
                if (whole && ++k == K) {
                    k = 0;
                    n++;
                }
            }
        }
        // each slot: its group in this step (the lowest active row of it names the address)
        bool present[CONFIG_T::array_rows], init[CONFIG_T::array_rows];
        unsigned gaddr[CONFIG_T::array_rows];
    SLOT_GROUPS:
        for (unsigned s = 0; s < AR; s++) {
            present[s] = false;
            init[s] = false;
            gaddr[s] = 0;
            for (unsigned b = AR; b-- > 0;)
                if (act[b] && grp[b] % AR == s) {
                    present[s] = true;
                    gaddr[s] = grp[b] / AR;
                    init[s] = init[s] || first[b];
                }
        }
        // the rows (one read per row bank) and the slots' state (one read per slot bank)
        act_t x[CONFIG_T::array_rows][CONFIG_T::drain_cols];
    READ_ROWS:
        for (unsigned b = 0; b < AR; b++)
            read_cols_at<CONFIG_T>(buf, sb, ra, b, op.src_off + c0, x[b], act[b] ? ncols : 0u, sl);
        acc_t s1[CONFIG_T::array_rows][CONFIG_T::drain_cols];
        acc_t s2[CONFIG_T::array_rows][CONFIG_T::drain_cols];
        unsigned sa[CONFIG_T::array_rows][CONFIG_T::drain_cols];
    READ_SLOTS:
        for (unsigned s = 0; s < AR; s++)
            for (unsigned j = 0; j < DC; j++) {
                s1[s][j] = top1[gaddr[s]][s][j];
                s2[s][j] = top2[gaddr[s]][s][j];
                sa[s][j] = arg1[gaddr[s]][s][j];
            }
        if (!writing) {
        REDUCE_SLOTS:  // fold the slot's rows in row order, then into its state
            for (unsigned s = 0; s < AR; s++) {
                if (!present[s]) continue;
            REDUCE_COLS:
                for (unsigned j = 0; j < DC; j++) {
                    if (c0 + j >= op.in_cols) continue;  // past the op's columns: nothing kept
                    acc_t t1 = init[s] ? NONE : s1[s][j], t2 = init[s] ? NONE : s2[s][j];
                    unsigned ta = init[s] ? 0u : sa[s][j];
                    bool empty = init[s];
                    for (unsigned b = 0; b < AR; b++) {
                        if (!act[b] || grp[b] % AR != s) continue;
                        const acc_t v = x[b][j];
                        if (empty) {
                            t1 = v;
                            t2 = NONE;
                            ta = row[b];
                            empty = false;
                        } else if (is_sum) {
                            t1 += v;
                        } else if (v > t1) {
                            t2 = t1;
                            t1 = v;
                            ta = row[b];
                        } else if (v > t2) {
                            t2 = v;
                        }
                    }
                    top1[gaddr[s]][s][j] = t1;
                    top2[gaddr[s]][s][j] = t2;
                    arg1[gaddr[s]][s][j] = ta;
                }
            }
        } else {
        WRITE_ROWS:
            for (unsigned b = 0; b < AR; b++) {
                act_t y[CONFIG_T::drain_cols];
                const unsigned s = grp[b] % AR;
            WRITE_COLS:
                for (unsigned j = 0; j < DC; j++) {
                    acc_t m;
                    if (single) {
                        m = 0;  // empty neighbour set reduces to 0
                    } else if (is_sum) {
                        m = excl ? acc_t(s1[s][j] - x[b][j]) : s1[s][j];
                    } else {
                        m = (excl && sa[s][j] == row[b]) ? s2[s][j] : s1[s][j];
                    }
                    y[j] = requantize<CONFIG_T>(wide_t(m), op.shift, op.out_bits, relu, sgn,
                                                narrow);
                }
                if (act[b]) write_cols_at<CONFIG_T>(buf, db, ra, b, op.dst_off + c0, y, ncols);
            }
        }
        // the next step's first row: the next row tile, or the next row
        const unsigned adv = whole ? AR : 1u;
    NEXT_ROW:
        for (unsigned i = 0; i < AR; i++) {
            if (i < adv && ++k0 == K) {
                k0 = 0;
                n0++;
            }
        }
        r0 += adv;
        if (r0 >= op.rows) {  // next pass: reduce -> write -> the next column tile
            r0 = 0;
            n0 = 0;
            k0 = 0;
            if (writing) c0 += DC;
            writing = !writing;
        }
    }
    return loop_cycles<CONFIG_T>(steps);
}

}  // namespace smacc

#endif  // SPACEMIMO_AGGREGATE_H
