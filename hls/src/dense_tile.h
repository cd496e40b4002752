// DENSE on the PE array: output-stationary ARRAY_ROWS x ARRAY_COLS PEs.
//
// PE (r, j) owns the accumulator of output (row rt*AR + r, neuron ct*AC + j). Each step one
// input column i enters: x[r] = src[row, i] is broadcast along array row r, W[o, i] of the
// AC neurons of the tile down array column j, so every weight read from a bank is used AR
// times in the step it is read and never stored in a PE. Bias presets the accumulators in
// the first step of a tile; ReLU, round-half-even shift and saturation are fused into the
// drain, which writes the tile's outputs straight into the destination buffer at dst_off.
//
// Input segments (format v2): column i enters shifted left by its segment's alignment a(i)
// (AR shifters shared by the AC PEs of a row); a(i) comes from a walker that steps through
// seg_align one field per seg_cols columns, so no divider sits in the loop.
//
// Schedule (what the code does, and what CYCLES counts):
// - resident ops: ONE flattened pipelined loop (DENSE_STEPS) over all tiles (column tile ct,
//   row tile rt) x max(in_cols, D) steps, D = AR x AC / DRAIN_COLS. At the first step of a
//   tile the finished accumulators move to shadow registers (`sh`, AR x AC, a shift chain)
//   and the bias presets `acc`; in every step the array takes one input column and the
//   shadow chain drains DRAIN_COLS outputs of the previous tile, so the drain of tile t
//   overlaps the compute of tile t+1. One pipeline fill per op; the last tile's drain is a
//   D-step loop after it.
// - streamed ops: per tile, per chunk of STREAM_K inputs: fetch the chunk (one 32-bit image
//   word per step into the tile's store half), then feed its columns; the tile's drain follows
//   (D steps). Fetch, compute and drain run in sequence (no overlap is claimed or counted).
#ifndef SPACEMIMO_DENSE_TILE_H
#define SPACEMIMO_DENSE_TILE_H

#include "act_banks.h"
#include "cycle_counter.h"
#include "program_loader.h"
#include "requant.h"

namespace smacc {

// Fetch one streamed chunk: inputs [k0, k0 + len) of the packed rows of column tile ct into
// store half `base` (the packed words as they are, bank j = neuron j). One flattened pipelined
// loop over tile_rows x cw image words, one word per step (every chunk row starts word aligned:
// k0 is a multiple of the lanes per word). Every row's range is checked against PROGRAM_SIZE
// before it is read (bus_bounds): one outside is not read and the run ends with
// ERR_ADDR_RANGE. Returns the cycles this took (steps + bus latency + pipeline depth).
template <class CONFIG_T>
cycles_t fetch_chunk(const bus_t *prog, bus_bounds &bb, unsigned data_base, const op_rec &op,
                     unsigned bits, unsigned ct, unsigned k0,
                     wstore_t wstore[CONFIG_T::array_cols][CONFIG_T::weight_depth],
                     unsigned base) {
    const unsigned AC = CONFIG_T::array_cols;
    const unsigned per_word = 32 / bits;
    const unsigned left = op.out_cols - ct * AC;
    const unsigned tile_rows = left < AC ? left : AC;
    const unsigned len = op.in_cols - k0 < CONFIG_T::stream_k ? op.in_cols - k0
                                                              : CONFIG_T::stream_k;
    const unsigned cw = (len + per_word - 1) / per_word;
    const unsigned long long rw = packed_row_words(op.in_cols, bits);
    const unsigned long long first0 =
        (unsigned long long)data_base + op.w_off + (unsigned long long)ct * AC * rw + k0 / per_word;
    cycles_t steps = 0;
    unsigned j = 0, p = 0;
    bool ok = bb.prog(first0, cw);
FETCH_WORDS:
    for (unsigned s = 0; s < tile_rows * cw; s++) {
#pragma HLS PIPELINE II = 1  // one packed image word, one bank write per step
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16384
        steps++;
        wstore[j][base + p] = ok ? wstore_t(word32<CONFIG_T>(prog, first0 + j * rw + p)) : wstore_t(0);
        if (++p == cw) {
            p = 0;
            j++;
            if (j < tile_rows && ok) ok = bb.prog(first0 + j * rw, cw);
        }
    }
    return steps + CONFIG_T::axi_latency + CONFIG_T::pipe_depth;
}

// Alignment of the input column entering the array: the low field of `aligns` is a(i) for
// the current column i; `pos` counts columns into the current segment. Reset at column 0 of
// every tile and advanced once per column (streamed chunks continue the same walk).
struct seg_walker {
    ap_uint<32> aligns;  // seg_align, shifted right one field per finished segment
    unsigned pos;
    void reset(const op_rec &op) {
        aligns = op.seg_align;
        pos = 0;
    }
    ap_uint<4> align() const { return aligns.range(pf::SEG_ALIGN_BITS - 1, 0); }
    void step(const op_rec &op) {
        // seg_cols 0: one segment, seg_align 0 (checked), nothing to step
        if (op.seg_cols != 0 && ++pos == op.seg_cols) {
            pos = 0;
            aligns >>= pf::SEG_ALIGN_BITS;
        }
    }
};

// An aligned activation, exact: 8-bit programs 9 + 15 = 24 bits, 16-bit programs 17 + 8 = 25
// bits (the loader caps their alignment at SEG_ALIGN_MAX_16), so it always fits a DSP48E1's
// 25-bit A port: one DSP per PE at either width.
template <class CONFIG_T>
struct xal {
    static const unsigned bits =
        CONFIG_T::act_bits > 9
            ? (CONFIG_T::act_bits + pf::SEG_ALIGN_MAX_16 > 9 + pf::SEG_ALIGN_MAX
                   ? CONFIG_T::act_bits + pf::SEG_ALIGN_MAX_16
                   : 9 + pf::SEG_ALIGN_MAX)
            : 9 + pf::SEG_ALIGN_MAX;
    typedef ap_int<bits> type;
};

// One array step: input column i of row tile rt enters all PEs; weight of neuron j is lane
// q of store word `waddr` in bank j. `preset`: the tile's first step (acc = bias + product).
template <class CONFIG_T>
inline void mac_step(SM_ABUF(CONFIG_T, buf),
                     unsigned sb, const op_rec &op, unsigned rt, unsigned i,
                     wstore_t wstore[CONFIG_T::array_cols][CONFIG_T::weight_depth],
                     unsigned waddr, unsigned q, unsigned bits, ap_uint<4> a, bool preset,
                     const acc_t bias[CONFIG_T::array_cols],
                     acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols]) {
#pragma HLS INLINE
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols;
    typename xal<CONFIG_T>::type x[CONFIG_T::array_rows];
    weight_t w[CONFIG_T::array_cols];
FEED_ROWS:
    for (unsigned r = 0; r < AR; r++) {
        unsigned row = rt * AR + r;
        act_t v = row < op.rows ? aget<CONFIG_T>(buf, sb, row, op.src_off + i) : act_t(0);
        x[r] = typename xal<CONFIG_T>::type(v) << a;  // widen first: the shift drops no bits
    }
FEED_COLS:
    for (unsigned j = 0; j < AC; j++) w[j] = weight_lane((unsigned)wstore[j][waddr], q, bits);
PE_ROWS:
    for (unsigned r = 0; r < AR; r++) {
    PE_COLS:
        for (unsigned j = 0; j < AC; j++) acc[r][j] = (preset ? bias[j] : acc[r][j]) + x[r] * w[j];
    }
}

// The shadow chain's head: drain DRAIN_COLS outputs (shadow row 0, columns [0, DC)) into
// row `row`, columns dst_off + o0 .. o0 + DC - 1, then shift the chain by DC (no multiplexer
// over AR x AC registers: the head is always the next DC outputs).
template <class CONFIG_T>
inline void drain_step(SM_ABUF(CONFIG_T, buf),
                       unsigned db, const op_rec &op, unsigned row, unsigned o0, bool relu,
                       bool sgn, bool narrow,
                       acc_t sh[CONFIG_T::array_rows][CONFIG_T::array_cols]) {
#pragma HLS INLINE
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols,
                   DC = CONFIG_T::drain_cols;
    act_t out[CONFIG_T::drain_cols];
DRAIN_COLS:
    for (unsigned jj = 0; jj < DC; jj++)
        out[jj] = requantize<CONFIG_T>(wide_t(sh[0][jj]), op.shift, op.out_bits, relu, sgn, narrow);
    // DC consecutive columns at a runtime offset: one write per column bank (rotated)
    if (row < op.rows && o0 < op.out_cols)
        write_cols<CONFIG_T>(buf, db, row, op.dst_off + o0, out,
                             op.out_cols - o0 < DC ? op.out_cols - o0 : DC);
SHIFT_ROWS:
    for (unsigned r = 0; r < AR; r++) {
    SHIFT_COLS:
        for (unsigned j = 0; j < AC; j++) {
            // linear index r*AC + j takes r*AC + j + DC (in C order: each read is still old)
            if (j + DC < AC) sh[r][j] = sh[r][j + DC];
            else if (r + 1 < AR) sh[r][j] = sh[r + 1][j + DC - AC];
            else sh[r][j] = 0;
        }
    }
}

// Drain a whole tile from the shadow chain (D steps): the last tile of a resident op and every
// tile of a streamed one. Returns its cycles.
template <class CONFIG_T>
cycles_t drain_tile(SM_ABUF(CONFIG_T, buf),
                    unsigned db, const op_rec &op, unsigned ct, unsigned rt, bool relu, bool sgn,
                    bool narrow, acc_t sh[CONFIG_T::array_rows][CONFIG_T::array_cols]) {
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols,
                   DC = CONFIG_T::drain_cols, D = AR * (AC / DC);
    cycles_t steps = 0;
    unsigned dr = 0, dj = 0;
DRAIN_TILE:
    for (unsigned d = 0; d < D; d++) {
#pragma HLS PIPELINE II = 1
        steps++;
        drain_step<CONFIG_T>(buf, db, op, rt * AR + dr, ct * AC + dj, relu, sgn, narrow, sh);
        dj += DC;
        if (dj == AC) {
            dj = 0;
            dr++;
        }
    }
    return loop_cycles<CONFIG_T>(steps);
}

// One DENSE op; returns its cycles as counted by its loops.
template <class CONFIG_T>
cycles_t dense_op(SM_ABUF(CONFIG_T, buf),
                  unsigned sb, unsigned db, const op_rec &op, unsigned bits,
                  wstore_t wstore[CONFIG_T::array_cols][CONFIG_T::weight_depth],
                  bias_t bstore[CONFIG_T::array_cols][CONFIG_T::bias_depth],
                  const bus_t *prog, bus_bounds &bb, unsigned data_base, unsigned stream_base) {
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols,
                   DC = CONFIG_T::drain_cols, D = AR * (AC / DC);
    const unsigned SK = CONFIG_T::stream_k;
    const unsigned tiles_c = (op.out_cols + AC - 1) / AC;
    const unsigned tiles_r = (op.rows + AR - 1) / AR;
    const unsigned rw = (unsigned)packed_row_words(op.in_cols, bits);
    const unsigned lsh = bits == 8 ? 2 : 1;    // log2 of the weights per packed word
    const unsigned lmask = (1u << lsh) - 1;
    const bool relu = op.flags & pf::FLAG_RELU;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    // accumulators and their shadow chain: registers, one per PE (every dimension split)
    acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 0
    acc_t sh[CONFIG_T::array_rows][CONFIG_T::array_cols];
#pragma HLS ARRAY_PARTITION variable = sh complete dim = 0
    acc_t bias[CONFIG_T::array_cols];  // the current column tile's biases (one per bank)
#pragma HLS ARRAY_PARTITION variable = bias complete dim = 0
    cycles_t cyc = 0;
    seg_walker seg;

    if (op.resident) {
        const unsigned tile_len = op.in_cols > D ? op.in_cols : D;
        const unsigned total = tiles_c * tiles_r * tile_len;
        unsigned ct = 0, rt = 0, t = 0;          // the tile in the array and its step
        unsigned a_ct = 0, a_rt = 0;             // the tile in the accumulators
        unsigned sh_ct = 0, sh_rt = 0;           // the tile in the shadow chain
        unsigned dr = 0, dj = 0;                 // the shadow chain's drain position
        bool draining = false;
        cycles_t steps = 0;
    DENSE_STEPS:
        for (unsigned s = 0; s < total; s++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65536
            steps++;
            if (t == 0) {
                if (s != 0) {  // hand the finished tile to the shadow chain
                SHADOW_ROWS:
                    for (unsigned r = 0; r < AR; r++)
                    SHADOW_COLS:
                        for (unsigned j = 0; j < AC; j++) sh[r][j] = acc[r][j];
                    sh_ct = a_ct;
                    sh_rt = a_rt;
                    draining = true;
                    dr = 0;
                    dj = 0;
                }
                a_ct = ct;
                a_rt = rt;
            BIAS_COLS:
                for (unsigned j = 0; j < AC; j++)
                    bias[j] = op.has_bias ? acc_t(bstore[j][op.bbase + ct]) : acc_t(0);
                seg.reset(op);
            }
            if (draining) {
                drain_step<CONFIG_T>(buf, db, op, sh_rt * AR + dr, sh_ct * AC + dj, relu, sgn,
                                     narrow, sh);
                dj += DC;
                if (dj == AC) {
                    dj = 0;
                    if (++dr == AR) draining = false;
                }
            }
            if (t < op.in_cols) {
                const ap_uint<4> a = seg.align();
                seg.step(op);
                // packed word t / (32 / bits), lane t % (32 / bits): a shift and a mask
                mac_step<CONFIG_T>(buf, sb, op, rt, t, wstore, op.wbase + ct * rw + (t >> lsh),
                                   t & lmask, bits, a, t == 0, bias, acc);
            }
            if (++t == tile_len) {
                t = 0;
                if (++rt == tiles_r) {
                    rt = 0;
                    ct++;
                }
            }
        }
        cyc += loop_cycles<CONFIG_T>(steps);
    LAST_SHADOW_ROWS:
        for (unsigned r = 0; r < AR; r++)
            for (unsigned j = 0; j < AC; j++) sh[r][j] = acc[r][j];
        cyc += drain_tile<CONFIG_T>(buf, db, op, a_ct, a_rt, relu, sgn, narrow, sh);
        return cyc;
    }

    unsigned chunk = 0;  // running chunk count selects the store half
STREAM_COL_TILES:
    for (unsigned ct = 0; ct < tiles_c; ct++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
    BIAS_TILE:
        for (unsigned j = 0; j < AC; j++)
            bias[j] = op.has_bias ? acc_t(bstore[j][op.bbase + ct]) : acc_t(0);
    STREAM_ROW_TILES:
        for (unsigned rt = 0; rt < tiles_r; rt++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16
            seg.reset(op);
        K_CHUNKS:
            for (unsigned k0 = 0; k0 < op.in_cols; k0 += SK, chunk++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
                const unsigned base = stream_base + (chunk & 1) * CONFIG_T::stream_half;
                const unsigned len = op.in_cols - k0 < SK ? op.in_cols - k0 : SK;
                cyc += fetch_chunk<CONFIG_T>(prog, bb, data_base, op, bits, ct, k0, wstore, base);
                cycles_t steps = 0;
            CHUNK_STEPS:
                for (unsigned t = 0; t < len; t++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024
                    steps++;
                    const ap_uint<4> a = seg.align();
                    seg.step(op);
                    mac_step<CONFIG_T>(buf, sb, op, rt, k0 + t, wstore, base + (t >> lsh),
                                       t & lmask, bits, a, k0 == 0 && t == 0, bias, acc);
                }
                cyc += loop_cycles<CONFIG_T>(steps);
            }
        STREAM_SHADOW_ROWS:
            for (unsigned r = 0; r < AR; r++)
                for (unsigned j = 0; j < AC; j++) sh[r][j] = acc[r][j];
            cyc += drain_tile<CONFIG_T>(buf, db, op, ct, rt, relu, sgn, narrow, sh);
        }
    }
    return cyc;
}

}  // namespace smacc

#endif  // SPACEMIMO_DENSE_TILE_H
