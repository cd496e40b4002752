// TAYLOR: Model-GNN's Taylor-series term E = D (H^H D), per complex channel (PROGRAM.md).
//
// D is the op's source window (N*K edge rows, [Re ch_0..ch_{C-1} | Im ch_0..]), H the second
// source (buffer w_off, columns b_off, b_off+1 = Re, Im of h_nk). For channel c:
//   A[k, j] = sat(rshift_rne(sum_n conj(h_nk) d_nj, gain))     (K x K)
//   E[n, k] = sat(rshift_rne(sum_j d_nj A[j, k], shift))       (written at row n*K + k)
// Complex products are exact in the accumulator. Both products are small (K x K and N x K)
// matrix products on a TAYLOR unit of its own: one complex product per step (not on the PE array).
#ifndef SPACEMIMO_TAYLOR_H
#define SPACEMIMO_TAYLOR_H

#include "act_banks.h"
#include "cycle_counter.h"
#include "requant.h"
#include "spacemimo_accel.h"

namespace smacc {

// Returns its cycles as counted by its loops: per channel, A (K x K outputs x N products) and
// E (N x K outputs x K products), each one flattened pipelined loop with one complex product
// per step, and the write-back of the channel's E column pair (rows steps).
template <class CONFIG_T>
cycles_t taylor_op(SM_ABUF(CONFIG_T, buf),
                   unsigned sb, unsigned db, unsigned hb, const op_rec &op, seu_log &sl) {
    const unsigned K = op.group, N = op.rows / op.group, C = op.in_cols / 2;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    typedef ap_int<2 * CONFIG_T::act_bits + 8> prod_t;  // sums of <= MAX_ROWS products
    act_t are[CONFIG_T::max_rows][CONFIG_T::max_rows], aim[CONFIG_T::max_rows][CONFIG_T::max_rows];
#pragma HLS BIND_STORAGE variable = are type = ram_2p impl = bram
#pragma HLS BIND_STORAGE variable = aim type = ram_2p impl = bram
    // E is staged per channel so the op may not alias its inputs (checked at load).
    act_t ere[CONFIG_T::max_rows], eim[CONFIG_T::max_rows];
#pragma HLS BIND_STORAGE variable = ere type = ram_2p impl = lutram
#pragma HLS BIND_STORAGE variable = eim type = ram_2p impl = lutram
    cycles_t cyc = 0;
CHANNELS:
    for (unsigned c = 0; c < C; c++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 512
        cycles_t steps = 0;
        unsigned k = 0, j = 0, n = 0;
        prod_t sre = 0, sim = 0;
    A_STEPS:  // A[k, j] = sum_n conj(h_nk) d_nj, (k, j, n) flattened
        for (unsigned q = 0; q < K * K * N; q++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
            steps++;
            act_t hre = aget<CONFIG_T>(buf, hb, n * K + k, op.b_off, sl), him = aget<CONFIG_T>(buf, hb, n * K + k, op.b_off + 1, sl);
            act_t dre = aget<CONFIG_T>(buf, sb, n * K + j, op.src_off + c, sl);
            act_t dim = aget<CONFIG_T>(buf, sb, n * K + j, op.src_off + C + c, sl);
            // conj(h) * d = (hre - i him)(dre + i dim)
            const prod_t are_n = (n == 0 ? prod_t(0) : sre) + prod_t(hre * dre) + prod_t(him * dim);
            const prod_t aim_n = (n == 0 ? prod_t(0) : sim) + prod_t(hre * dim) - prod_t(him * dre);
            sre = are_n;
            sim = aim_n;
            if (++n == N) {
                are[k][j] = saturate(rshift_rne(wide_t(sre), op.gain), op.out_bits, true, narrow);
                aim[k][j] = saturate(rshift_rne(wide_t(sim), op.gain), op.out_bits, true, narrow);
                n = 0;
                if (++j == K) {
                    j = 0;
                    k++;
                }
            }
        }
        cyc += loop_cycles<CONFIG_T>(steps);
        steps = 0;
        n = 0;
        k = 0;
        j = 0;
    E_STEPS:  // E[n, k] = sum_j d_nj A[j, k], (n, k, j) flattened
        for (unsigned q = 0; q < N * K * K; q++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 4096
            steps++;
            act_t dre = aget<CONFIG_T>(buf, sb, n * K + j, op.src_off + c, sl);
            act_t dim = aget<CONFIG_T>(buf, sb, n * K + j, op.src_off + C + c, sl);
            const prod_t ere_n =
                (j == 0 ? prod_t(0) : sre) + prod_t(dre * are[j][k]) - prod_t(dim * aim[j][k]);
            const prod_t eim_n =
                (j == 0 ? prod_t(0) : sim) + prod_t(dre * aim[j][k]) + prod_t(dim * are[j][k]);
            sre = ere_n;
            sim = eim_n;
            if (++j == K) {
                ere[n * K + k] = saturate(rshift_rne(wide_t(sre), op.shift), op.out_bits, sgn, narrow);
                eim[n * K + k] = saturate(rshift_rne(wide_t(sim), op.shift), op.out_bits, sgn, narrow);
                j = 0;
                if (++k == K) {
                    k = 0;
                    n++;
                }
            }
        }
        cyc += loop_cycles<CONFIG_T>(steps);
        steps = 0;
    E_WRITE:
        for (unsigned r = 0; r < op.rows; r++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
            steps++;
            aset<CONFIG_T>(buf, db, r, op.dst_off + c, ere[r]);
            aset<CONFIG_T>(buf, db, r, op.dst_off + C + c, eim[r]);
        }
        cyc += loop_cycles<CONFIG_T>(steps);
    }
    return cyc;
}

}  // namespace smacc

#endif  // SPACEMIMO_TAYLOR_H
