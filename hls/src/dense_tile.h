// DENSE on the PE array: output-stationary ARRAY_ROWS x ARRAY_COLS PEs.
//
// PE (r, j) owns the accumulator of output (row rt*AR + r, neuron ct*AC + j). Each step one
// packed 32-bit weight word per bank enters: Q = 32 / bits input columns (4 at 8 bit, 2 at
// 16 bit — the RTL's packing and inputs per lane-cycle). x[r, i] (Q columns of row r) is
// broadcast along array row r, the Q weights W[o, i] of neuron j down array column j, so every
// weight word read from a bank is used AR times in the step it is read and never stored in a
// PE; PE (r, j) adds Q products per step. Bias presets the accumulators in the first step of a
// tile; ReLU, round-half-even shift and saturation are fused into the drain, which writes the
// tile's outputs straight into the destination buffer at dst_off.
//
// Input segments (format v2): column i enters shifted left by its segment's alignment a(i)
// (Q shifters per array row, shared by its AC PEs); a(i) comes from a walker that steps
// through seg_align one field per seg_cols columns (Q walker steps per array step, unrolled),
// so no divider sits in the loop. The products are therefore (9 + 15) x 8 bits at 8 bit; the
// RTL's Horner segment order (9 x 8 products, shift the accumulator between segments) is not
// done here.
//
// Schedule (what the code does, and what CYCLES counts):
// - resident ops: ONE flattened pipelined loop (DENSE_STEPS) over all tiles (column tile ct,
//   row tile rt) x max(row words, D) steps, D = AC / DRAIN_COLS. At the first step of a
//   tile the finished accumulators move to shadow registers (`sh`, AR x AC, a shift chain)
//   and the bias presets `acc`; in every step the array takes one packed word per bank and
//   the shadow chain drains DRAIN_COLS outputs of the previous tile, so the drain of tile t
//   overlaps the compute of tile t+1. One pipeline fill per op; the last tile's drain is a
//   D-step loop after it.
// - streamed ops: per tile, per chunk of STREAM_K inputs: fetch the chunk (one 32-bit image
//   word per step into the tile's store half), then feed its words; the tile's drain follows
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
// loop over the bus beats that hold the chunk's rows, ONE WHOLE BEAT PER STEP: the beat's
// BUS/32 words of row j go to bank j's BUS/32 sub-banks, each word to the sub-bank its store
// address names (a rotation by (base - row start) mod BUS/32, one write per sub-bank). A row of
// cw words starting at image word s takes (s + cw - 1)/B - s/B + 1 beats (B = BUS/32); every
// chunk row starts word aligned (k0 is a multiple of the weights per word). Every row's range
// is checked against PROGRAM_SIZE before it is read (bus_bounds): one outside is not read and
// the run ends with ERR_ADDR_RANGE. Returns the cycles this took (steps + latency + depth).
template <class CONFIG_T>
cycles_t fetch_chunk(const bus_t *prog, bus_bounds &bb, unsigned data_base, const op_rec &op,
                     unsigned bits, unsigned ct, unsigned k0,
                     SM_WSTORE(CONFIG_T, wstore),
                     unsigned base) {
    const unsigned AC = CONFIG_T::array_cols, B = CONFIG_T::bus_words32;
    const unsigned per_word = 32 / bits;
    const unsigned left = op.out_cols - ct * AC;
    const unsigned tile_rows = left < AC ? left : AC;
    const unsigned len = op.in_cols - k0 < CONFIG_T::stream_k ? op.in_cols - k0
                                                              : CONFIG_T::stream_k;
    const unsigned cw = (len + per_word - 1) / per_word;
    const unsigned long long rw = packed_row_words(op.in_cols, bits);
    unsigned long long start =  // image word of row j's first chunk word
        (unsigned long long)data_base + op.w_off + (unsigned long long)ct * AC * rw + k0 / per_word;
    unsigned long long beat = start / B, last = (start + cw - 1) / B;
    const unsigned max_steps = tile_rows * (cw / B + 2);  // beats per row <= cw/B + 2
    cycles_t steps = 0;
    unsigned j = 0;
    bool ok = bb.prog(start, cw);
FETCH_BEATS:
    for (unsigned s = 0; s < max_steps; s++) {
#pragma HLS PIPELINE II = 1  // one bus beat, one write per sub-bank of bank j
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16640
        if (j >= tile_rows) break;
        steps++;
        const bus_t word_beat = ok ? prog[beat] : bus_t(0);
    FETCH_SUBBANKS:
        for (unsigned m = 0; m < B; m++) {
            // the word of this beat that belongs in sub-bank m: store address base + (addr -
            // start) = m (mod B)  <=>  addr = beat*B + k with k = (m + start - base) mod B
            const unsigned k = (unsigned)((m + start - base) % B);
            const unsigned long long addr = beat * B + k;
            if (addr >= start && addr < start + cw) {
                const unsigned sa = (unsigned)(base + (addr - start));
                wstore[j][sa / B][m] = (wstore_t)word_beat.range(32 * k + 31, 32 * k);
            }
        }
        if (beat == last) {  // next row
            j++;
            start += rw;
            beat = start / B;
            last = (start + cw - 1) / B;
            if (j < tile_rows && ok) ok = bb.prog(start, cw);
        } else {
            beat++;
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

// One array step: one packed 32-bit word per weight bank enters the array — Q = 32 / bits
// input columns i0 .. i0 + Q - 1 (4 at 8 bit, 2 at 16 bit: the RTL's packing and inputs per
// lane-cycle) — and PE (r, j) adds the Q products x[r, i] * W[j, i] to its accumulator.
// Columns at or past in_cols (the padding lanes of a row's last word) enter as 0. The Q
// activations of a row come from Q consecutive columns, i.e. Q distinct column banks
// (read_cols). `preset`: the tile's first step (acc = bias + products). `seg` walks the
// segment alignment one column at a time (Q walker steps per array step, unrolled).
template <class CONFIG_T>
inline void mac_step(SM_ABUF(CONFIG_T, buf),
                     unsigned sb, const op_rec &op, unsigned rt, unsigned i0,
                     SM_WSTORE(CONFIG_T, wstore),
                     unsigned waddr, unsigned bits, seg_walker &seg, bool preset,
                     const acc_t bias[CONFIG_T::array_cols],
                     acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols]) {
#pragma HLS INLINE
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols, QM = 4;
    const unsigned Q = 32 / bits;
    typedef typename xal<CONFIG_T>::type xal_t;
    xal_t x[CONFIG_T::array_rows][4];
    weight_t w[CONFIG_T::array_cols][4];
    ap_uint<4> a[4];
LANE_ALIGN:
    for (unsigned l = 0; l < QM; l++) {
        a[l] = seg.align();
        if (l < Q && i0 + l < op.in_cols) seg.step(op);
    }
FEED_ROWS:
    for (unsigned r = 0; r < AR; r++) {
        const unsigned row = rt * AR + r;
        act_t v[CONFIG_T::drain_cols];
        read_cols_at<CONFIG_T>(buf, sb, rt, r, op.src_off + i0, v);  // row bank r
    FEED_LANES:
        for (unsigned l = 0; l < QM; l++) {
            const bool live = row < op.rows && l < Q && i0 + l < op.in_cols;
            x[r][l] = live ? xal_t(xal_t(v[l]) << a[l]) : xal_t(0);  // widen, then shift
        }
    }
FEED_COLS:
    for (unsigned j = 0; j < AC; j++) {
        const unsigned word = (unsigned)wstore[j][waddr / CONFIG_T::bus_words32][waddr % CONFIG_T::bus_words32];
        for (unsigned l = 0; l < QM; l++) w[j][l] = l < Q ? weight_lane(word, l, bits) : weight_t(0);
    }
PE_ROWS:
    for (unsigned r = 0; r < AR; r++) {
    PE_COLS:
        for (unsigned j = 0; j < AC; j++) {
            acc_t sum = preset ? bias[j] : acc[r][j];
        PE_LANES:
            for (unsigned l = 0; l < QM; l++) sum += x[r][l] * w[j][l];
            acc[r][j] = sum;
        }
    }
}

// The shadow chain's head: drain DRAIN_COLS outputs of every tile row at once (shadow columns
// [0, DC) of rows 0 .. AR-1) into rows rt*AR + r — one per row bank — columns dst_off + o0 ..
// o0 + DC - 1 (rotated into the column banks), then shift each row of the chain by DC (no
// multiplexer over the AR x AC registers: the head is always the next DC outputs per row).
// A tile drains in D = AC / DC steps.
template <class CONFIG_T>
inline void drain_step(SM_ABUF(CONFIG_T, buf),
                       unsigned db, const op_rec &op, unsigned rt, unsigned o0, bool relu,
                       bool sgn, bool narrow,
                       acc_t sh[CONFIG_T::array_rows][CONFIG_T::array_cols]) {
#pragma HLS INLINE
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols,
                   DC = CONFIG_T::drain_cols;
DRAIN_ROWS:
    for (unsigned r = 0; r < AR; r++) {
        act_t out[CONFIG_T::drain_cols];
    DRAIN_COLS:
        for (unsigned jj = 0; jj < DC; jj++)
            out[jj] = requantize<CONFIG_T>(wide_t(sh[r][jj]), op.shift, op.out_bits, relu, sgn,
                                           narrow);
        if (rt * AR + r < op.rows && o0 < op.out_cols)
            write_cols_at<CONFIG_T>(buf, db, rt, r, op.dst_off + o0, out,
                                    op.out_cols - o0 < DC ? op.out_cols - o0 : DC);
    }
SHIFT_ROWS:
    for (unsigned r = 0; r < AR; r++) {
    SHIFT_COLS:
        for (unsigned j = 0; j < AC; j++) sh[r][j] = j + DC < AC ? sh[r][j + DC] : acc_t(0);
    }
}

// Drain a whole tile from the shadow chain (D steps): the last tile of a resident op and every
// tile of a streamed one. Returns its cycles.
template <class CONFIG_T>
cycles_t drain_tile(SM_ABUF(CONFIG_T, buf),
                    unsigned db, const op_rec &op, unsigned ct, unsigned rt, bool relu, bool sgn,
                    bool narrow, acc_t sh[CONFIG_T::array_rows][CONFIG_T::array_cols]) {
    const unsigned AC = CONFIG_T::array_cols, DC = CONFIG_T::drain_cols, D = AC / DC;
    cycles_t steps = 0;
DRAIN_TILE:
    for (unsigned d = 0; d < D; d++) {
#pragma HLS PIPELINE II = 1
        steps++;
        drain_step<CONFIG_T>(buf, db, op, rt, ct * AC + d * DC, relu, sgn, narrow, sh);
    }
    return loop_cycles<CONFIG_T>(steps);
}

// One DENSE op; returns its cycles as counted by its loops.
template <class CONFIG_T>
cycles_t dense_op(SM_ABUF(CONFIG_T, buf),
                  unsigned sb, unsigned db, const op_rec &op, unsigned bits,
                  SM_WSTORE(CONFIG_T, wstore),
                  bias_t bstore[CONFIG_T::array_cols][CONFIG_T::bias_depth],
                  const bus_t *prog, bus_bounds &bb, unsigned data_base, unsigned stream_base) {
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols,
                   DC = CONFIG_T::drain_cols, D = AC / DC;  // drain steps per tile
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
        const unsigned tile_len = rw > D ? rw : D;  // one packed word per step
        const unsigned total = tiles_c * tiles_r * tile_len;
        unsigned ct = 0, rt = 0, t = 0;          // the tile in the array and its step
        unsigned a_ct = 0, a_rt = 0;             // the tile in the accumulators
        unsigned sh_ct = 0, sh_rt = 0;           // the tile in the shadow chain
        unsigned dj = 0;                         // the shadow chain's drain position
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
                drain_step<CONFIG_T>(buf, db, op, sh_rt, sh_ct * AC + dj, relu, sgn, narrow, sh);
                dj += DC;
                if (dj == AC) draining = false;
            }
            if (t < rw) {  // word t of the tile's rows: columns t*Q .. t*Q + Q - 1
                mac_step<CONFIG_T>(buf, sb, op, rt, t << lsh, wstore, op.wbase + ct * rw + t,
                                   bits, seg, t == 0, bias, acc);
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
                const unsigned cw = (len + lmask) >> lsh;  // packed words of the chunk
                cycles_t steps = 0;
            CHUNK_STEPS:
                for (unsigned t = 0; t < cw; t++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
                    steps++;
                    mac_step<CONFIG_T>(buf, sb, op, rt, k0 + (t << lsh), wstore, base + t, bits,
                                       seg, k0 == 0 && t == 0, bias, acc);
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
