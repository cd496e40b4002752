// TAYLOR: Model-GNN's Taylor-series term E = D (H^H D), per complex channel (PROGRAM.md).
//
// D is the op's source window (N*K edge rows, [Re ch_0..ch_{C-1} | Im ch_0..]), H the second
// source (buffer w_off, columns b_off, b_off+1 = Re, Im of h_nk). For channel c:
//   A[k, j] = sat(rshift_rne(sum_n conj(h_nk) d_nj, gain))     (K x K)
//   E[n, k] = sat(rshift_rne(sum_j d_nj A[j, k], shift))       (written at row n*K + k)
// Complex products are exact in the accumulator. Both products are small (K x K and N x K)
// matrix products that run on the same PE array as DENSE (perf model: cycle_model::taylor).
#ifndef SPACEMIMO_TAYLOR_H
#define SPACEMIMO_TAYLOR_H

#include "requant.h"
#include "spacemimo_accel.h"

namespace smacc {

template <class CONFIG_T>
void taylor_op(act_t buf[CONFIG_T::num_buffers + 1][CONFIG_T::max_rows][CONFIG_T::max_cols],
               unsigned sb, unsigned db, unsigned hb, const op_rec &op) {
    const unsigned MR = CONFIG_T::max_rows;
    const unsigned K = op.group, N = op.rows / op.group, C = op.in_cols / 2;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    typedef ap_int<2 * CONFIG_T::act_bits + 8> prod_t;  // sums of <= MAX_ROWS products
    act_t are[CONFIG_T::max_rows][CONFIG_T::max_rows], aim[CONFIG_T::max_rows][CONFIG_T::max_rows];
    // E is staged per channel so the op may not alias its inputs (checked at load).
    act_t ere[CONFIG_T::max_rows], eim[CONFIG_T::max_rows];
CHANNELS:
    for (unsigned c = 0; c < C; c++) {
    A_ROWS:
        for (unsigned k = 0; k < K; k++) {
        A_COLS:
            for (unsigned j = 0; j < K; j++) {
                prod_t sre = 0, sim = 0;
            A_SUM:
                for (unsigned n = 0; n < N; n++) {
#pragma HLS PIPELINE II = 1
                    act_t hre = buf[hb][n * K + k][op.b_off], him = buf[hb][n * K + k][op.b_off + 1];
                    act_t dre = buf[sb][n * K + j][op.src_off + c];
                    act_t dim = buf[sb][n * K + j][op.src_off + C + c];
                    // conj(h) * d = (hre - i him)(dre + i dim)
                    sre += prod_t(hre * dre) + prod_t(him * dim);
                    sim += prod_t(hre * dim) - prod_t(him * dre);
                }
                are[k][j] = saturate(rshift_rne(wide_t(sre), op.gain), op.out_bits, true, narrow);
                aim[k][j] = saturate(rshift_rne(wide_t(sim), op.gain), op.out_bits, true, narrow);
            }
        }
    E_ROWS:
        for (unsigned n = 0; n < N; n++) {
        E_COLS:
            for (unsigned k = 0; k < K; k++) {
                prod_t sre = 0, sim = 0;
            E_SUM:
                for (unsigned j = 0; j < K; j++) {
#pragma HLS PIPELINE II = 1
                    act_t dre = buf[sb][n * K + j][op.src_off + c];
                    act_t dim = buf[sb][n * K + j][op.src_off + C + c];
                    sre += prod_t(dre * are[j][k]) - prod_t(dim * aim[j][k]);
                    sim += prod_t(dre * aim[j][k]) + prod_t(dim * are[j][k]);
                }
                ere[n * K + k] = saturate(rshift_rne(wide_t(sre), op.shift), op.out_bits, sgn, narrow);
                eim[n * K + k] = saturate(rshift_rne(wide_t(sim), op.shift), op.out_bits, sgn, narrow);
            }
        }
    E_WRITE:
        for (unsigned r = 0; r < op.rows; r++) {
#pragma HLS PIPELINE II = 1
            buf[db][r][op.dst_off + c] = ere[r];
            buf[db][r][op.dst_off + C + c] = eim[r];
        }
    }
    (void)MR;
}

}  // namespace smacc

#endif  // SPACEMIMO_TAYLOR_H
