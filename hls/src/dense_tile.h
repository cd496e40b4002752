// DENSE on the PE array: output-stationary ARRAY_ROWS x ARRAY_COLS PEs.
//
// PE (r, j) owns the accumulator of output (row rt*AR + r, neuron ct*AC + j). Each step one
// packed 32-bit weight word per bank enters: Q = 32 / bits input columns (4 at 8 bit, 2 at
// 16 bit — the RTL's packing and inputs per lane-cycle). x[r, i] (Q columns of row r) is
// broadcast along array row r, the Q weights W[o, i] of neuron j down array column j, so every
// weight word read from a bank is used AR times in the step it is read and never stored in a
// PE; PE (r, j) adds Q products per step. The bias is added in the drain (a bias chain shifts
// beside the shadow chain), then ReLU, round-half-even shift and saturation, and the drain
// writes the tile's outputs straight into the destination buffer at dst_off.
//
// Input segments (format v2) in the RTL's Horner order: acc = Σ_s 2^a(s) · S_s with
// S_s = Σ_{i in s} W[o, i] · x[r, i] is computed by walking the segments in decreasing
// alignment (ties in column order; ranked once per op, `seg_plan`) and doubling the
// accumulators a(s) − a(next) times between two segments (one DOUBLE step each, acc + acc),
// a(last) times after the last. Doubling and adding are ring operations, so the result is
// exact mod 2^ACC wherever the loader's worst case fits acc_bits. The multipliers therefore
// see the activation word itself: 9 x 8 at 8 bit, 17 x 16 at 16 bit. A packed word whose Q
// columns straddle a segment boundary is stepped once per segment, the other segment's
// columns masked. Cost per tile: max a(s) DOUBLE steps + one repeated word per straddled
// boundary; nothing without segments (GSM).
//
// Two 8-bit products per DSP48 as the RTL's sm_mul_pair.v does: PEs (r, 2p) and (r, 2p + 1)
// multiply the same activation x, so one 25 x 9 product A · x with A = w1 · 2^17 + (w0 + 128)
// (a concatenation) gives lo = P[16:0] = (w0 + 128) · x and hi = P[33:17] = w1 · x − P[16];
// PE 2p adds lo and subtracts 128 · Σ_l x[r, l] once per step (the same for every even PE of
// the row), PE 2p + 1 adds hi + P[16] (mul_pair.h). A 16-bit build feeds the same AR x AC/2
// x 4 multipliers its 16-bit programs' 17 x 16 products (2 lanes of 2 PEs each), so both
// widths run on AR x AC x 2 multipliers.
//
// Schedule (what the code does, and what STEPS counts): ONE flattened pipelined loop per op
// (DENSE_STEPS) over all tiles (column tile ct, row tile rt), resident and streamed alike, so
// the PE array and the drain exist once. At the first step of a tile the finished
// accumulators move to shadow registers (`sh`, AR x AC, a shift chain, with the tile's biases
// in `shb`); in every step the shadow chain drains DRAIN_COLS outputs of every row of the
// previous tile (D = AC / DRAIN_COLS steps), so the drain overlaps the next tile. A tile is,
// per segment in rank order, the segment's packed words (resident: one per step; streamed:
// per chunk of at most STREAM_K inputs' words, the chunk's bus beats — one per step into the
// stream tile — then its words), then the segment's DOUBLE steps. A tile lasts at least D
// steps; after the last, D drain-only steps. One pipeline fill per op.
#ifndef SPACEMIMO_DENSE_TILE_H
#define SPACEMIMO_DENSE_TILE_H

#include "act_banks.h"
#include "cycle_counter.h"
#include "mul_pair.h"
#include "program_loader.h"
#include "requant.h"

namespace smacc {

// The segments of one DENSE in Horner order (the RTL's S_OP_PREP): rank k holds columns
// [c0[k], c1[k]) of the segment with the k-th largest alignment (ties in column order) and
// dbl[k], the doublings after it: a(k) − a(k + 1), and a(last) after the last. An op without
// segments is one segment of all columns with alignment 0.
struct seg_plan {
    unsigned n;
    unsigned c0[pf::MAX_SEGMENTS], c1[pf::MAX_SEGMENTS], dbl[pf::MAX_SEGMENTS];

    void rank(const op_rec &op) {
#pragma HLS INLINE
        const unsigned S = pf::MAX_SEGMENTS;
        unsigned a[pf::MAX_SEGMENTS], r[pf::MAX_SEGMENTS];
        bool valid[pf::MAX_SEGMENTS];
        unsigned ak[pf::MAX_SEGMENTS];
        n = 0;
    SEG_FIELDS:
        for (unsigned s = 0; s < S; s++) {
#pragma HLS UNROLL
            a[s] = (op.seg_align >> (pf::SEG_ALIGN_BITS * s)) & ((1u << pf::SEG_ALIGN_BITS) - 1);
            valid[s] = s == 0 || (op.seg_cols != 0 && s * op.seg_cols < op.in_cols);
            n += valid[s] ? 1u : 0u;
        }
    SEG_RANKS:  // S x S 4-bit comparators
        for (unsigned s = 0; s < S; s++) {
#pragma HLS UNROLL
            r[s] = 0;
            for (unsigned t = 0; t < S; t++)
                r[s] += valid[t] && (a[t] > a[s] || (a[t] == a[s] && t < s)) ? 1u : 0u;
        }
    SEG_ORDER:
        for (unsigned k = 0; k < S; k++) {
#pragma HLS UNROLL
            c0[k] = c1[k] = ak[k] = 0;
            for (unsigned s = 0; s < S; s++)
                if (valid[s] && r[s] == k) {
                    c0[k] = s * op.seg_cols;
                    c1[k] = op.seg_cols != 0 ? (s + 1) * op.seg_cols : op.in_cols;
                    ak[k] = a[s];
                }
        }
    SEG_DOUBLINGS:
        for (unsigned k = 0; k < S; k++) {
#pragma HLS UNROLL
            dbl[k] = k + 1 < n ? ak[k] - ak[k + 1] : ak[k];
        }
    }
};

// One array step: one packed 32-bit word per weight bank enters the array — Q = 32 / bits
// input columns i0 .. i0 + Q - 1 (4 at 8 bit, 2 at 16 bit: the RTL's packing and inputs per
// lane-cycle) — and PE (r, j) adds the Q products x[r, i] * W[j, i] to its accumulator.
// Only columns of the current segment, [lo, hi), enter; the others (a straddled word's other
// segment, the padding lanes of a row's last word) enter as 0. The Q activations of a row
// come from Q consecutive columns, i.e. Q distinct column banks (read_cols). `preset`: the
// tile's first step (acc = products).
template <class CONFIG_T>
inline void mac_step(SM_ABUF(CONFIG_T, buf),
                     unsigned sb, const op_rec &op, unsigned rt, unsigned i0,
                     SM_WSTORE(CONFIG_T, wstore),
                     unsigned waddr, unsigned bits, unsigned lo, unsigned hi, bool preset,
                     acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols], seu_log &sl) {
#pragma HLS INLINE
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols, QM = 4;
    const unsigned PAIRS = AC / 2, Q = 32 / bits;
    act_t x[CONFIG_T::array_rows][4];
    weight_t w[CONFIG_T::array_cols][4];
FEED_ROWS:
    for (unsigned r = 0; r < AR; r++) {
        const unsigned row = rt * AR + r;
        act_t v[CONFIG_T::drain_cols];
        // lanes the op uses: only an upset there stops the run (padding lanes are read too)
        const unsigned live = row >= op.rows ? 0u : op.in_cols - i0 < Q ? op.in_cols - i0 : Q;
        read_cols_at<CONFIG_T>(buf, sb, rt, r, op.src_off + i0, v, live, sl);  // row bank r
    FEED_LANES:
        for (unsigned l = 0; l < QM; l++) {
            const bool in_seg = row < op.rows && l < Q && i0 + l >= lo && i0 + l < hi;
            x[r][l] = in_seg ? v[l] : act_t(0);
        }
    }
FEED_COLS:
    for (unsigned j = 0; j < AC; j++) {
        const unsigned word = wstore_read<CONFIG_T>(wstore, j, waddr, sl);  // SECDED: corrected
        for (unsigned l = 0; l < QM; l++) w[j][l] = l < Q ? weight_lane(word, l, bits) : weight_t(0);
    }
    // PE pair (2p, 2p + 1) of row r: QM multipliers (r, p, m), each ONE product A · B of at
    // most 25 x 17 bits (a DSP48E1), shared by both widths a 16-bit build runs:
    //   8-bit program: A = pack_pair(w[2p][m], w[2p+1][m]), B = x[r][m] (9 bits): lane m of
    //     both PEs (mul_pair.h); the even PE subtracts 128 · Σ_m x[r][m] once per step;
    //   16-bit program: A = w[2p + m/2][m%2], B = x[r][m%2]: both lanes of both PEs.
    // An 8-bit build has only the first (AR x AC/2 x 4 multipliers of 25 x 9 bits).
    static_assert(CONFIG_T::array_cols % 2 == 0, "the PE columns are paired");
    const bool b8 = CONFIG_T::data_bits == 8 || bits == 8;
    typedef ap_int<25 + CONFIG_T::act_bits> prod_t;
PE_ROWS:
    for (unsigned r = 0; r < AR; r++) {
        ap_int<12> xsum = 0;  // Σ_m x[r, m] of an 8-bit program: the even PEs' correction
        for (unsigned m = 0; m < QM; m++) xsum += ap_int<9>(x[r][m]);
        const acc_t corr = b8 ? acc_t(acc_t(xsum) << 7) : acc_t(0);
    PE_PAIRS:
        for (unsigned p = 0; p < PAIRS; p++) {
            acc_t s0 = preset ? acc_t(0) : acc[r][2 * p];
            acc_t s1 = preset ? acc_t(0) : acc[r][2 * p + 1];
        PE_MULS:
            for (unsigned m = 0; m < QM; m++) {
                const unsigned j16 = 2 * p + m / 2, l16 = m % 2;
                const ap_int<25> A =
                    b8 ? pack_pair(ap_int<8>(w[2 * p][m]), ap_int<8>(w[2 * p + 1][m]))
                       : ap_int<25>(w[j16][l16]);
                const act_t B = b8 ? act_t(ap_int<9>(x[r][m])) : x[r][l16];
                const prod_t P = A * B;  // the one multiplier of (r, p, m)
                if (b8) {
                    ap_int<17> lo;
                    ap_int<18> hi;
                    split_pair(P, lo, hi);
                    s0 += lo;
                    s1 += hi;
                } else if (m < 2) {
                    s0 += P;
                } else {
                    s1 += P;
                }
            }
            acc[r][2 * p] = s0 - corr;
            acc[r][2 * p + 1] = s1;
        }
    }
}

// A DOUBLE step of the Horner order: every accumulator doubles (acc + acc, the same register).
template <class CONFIG_T>
inline void double_step(acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols]) {
#pragma HLS INLINE
DOUBLE_ROWS:
    for (unsigned r = 0; r < CONFIG_T::array_rows; r++)
    DOUBLE_COLS:
        for (unsigned j = 0; j < CONFIG_T::array_cols; j++) acc[r][j] = acc[r][j] + acc[r][j];
}

// The shadow chain's head: drain DRAIN_COLS outputs of every tile row at once (shadow columns
// [0, DC) of rows 0 .. AR-1, plus their biases, the head of the bias chain) into rows
// rt*AR + r — one per row bank — columns dst_off + o0 .. o0 + DC - 1 (rotated into the column
// banks), then shift each row of both chains by DC (no multiplexer over the AR x AC
// registers: the head is always the next DC outputs per row). A tile drains in D = AC / DC
// steps.
template <class CONFIG_T>
inline void drain_step(SM_ABUF(CONFIG_T, buf),
                       unsigned db, const op_rec &op, unsigned rt, unsigned o0, bool relu,
                       bool sgn, bool narrow,
                       acc_t sh[CONFIG_T::array_rows][CONFIG_T::array_cols],
                       acc_t shb[CONFIG_T::array_cols]) {
#pragma HLS INLINE
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols,
                   DC = CONFIG_T::drain_cols;
DRAIN_ROWS:
    for (unsigned r = 0; r < AR; r++) {
        act_t out[CONFIG_T::drain_cols];
    DRAIN_COLS:
        for (unsigned jj = 0; jj < DC; jj++)
            out[jj] = requantize<CONFIG_T>(wide_t(acc_t(sh[r][jj] + shb[jj])), op.shift,
                                           op.out_bits, relu, sgn, narrow);
        if (rt * AR + r < op.rows && o0 < op.out_cols)
            write_cols_at<CONFIG_T>(buf, db, rt, r, op.dst_off + o0, out,
                                    op.out_cols - o0 < DC ? op.out_cols - o0 : DC);
    }
SHIFT_ROWS:
    for (unsigned r = 0; r < AR; r++) {
    SHIFT_COLS:
        for (unsigned j = 0; j < AC; j++) sh[r][j] = j + DC < AC ? sh[r][j + DC] : acc_t(0);
    }
SHIFT_BIAS:
    for (unsigned j = 0; j < AC; j++) shb[j] = j + DC < AC ? shb[j + DC] : acc_t(0);
}

// One beat of a streamed chunk's fetch: the words of beat `beat` that belong to the current row
// (image words [start, start + cw)) go to bank j's BUS/32 sub-banks, each to the sub-bank its
// store address (base + word - start) names: sub-bank m takes word k = (m + start - base) mod B
// of the beat — a rotation, one write per sub-bank.
template <class CONFIG_T>
inline void fetch_beat(const bus_t *prog, bool ok, unsigned long long beat,
                       unsigned long long start, unsigned cw, unsigned base, unsigned j,
                       SM_WSTORE(CONFIG_T, wstore)) {
#pragma HLS INLINE
    const unsigned B = CONFIG_T::bus_words32;
    const bus_t word_beat = ok ? prog[beat] : bus_t(0);
FETCH_SUBBANKS:
    for (unsigned m = 0; m < B; m++) {
        const unsigned k = (unsigned)((m + start - base) % B);
        const unsigned long long addr = beat * B + k;
        if (addr >= start && addr < start + cw) {
            const unsigned sa = (unsigned)(base + (addr - start));  // sa % B == m
            wstore_write<CONFIG_T>(wstore, j, sa, (unsigned)word_beat.range(32 * k + 31, 32 * k));
        }
    }
}

// One DENSE op, resident or streamed, in ONE flattened pipelined loop (DENSE_STEPS), so the PE
// array (`mac_step`) and the drain (`drain_step`) exist once. Each step is one of
//   FETCH  (streamed ops) one bus beat of the current chunk into the store's stream tile,
//   MAC    one packed weight word per bank into the array (Q inputs of the current segment),
//   DOUBLE every accumulator doubles (between segments of different alignment, Horner order),
//   WAIT   a tile whose compute is done waits for the previous tile's drain (D steps),
// and in every step the shadow chain drains DRAIN_COLS columns of every row of the previous
// tile. A tile is, per segment in rank order, its words — resident: one chunk, the
// segment's words; streamed: chunks of at most STREAM_K inputs' words, each its beats then
// its words — then the segment's DOUBLE steps; then WAIT until D steps have passed. A chunk
// is opened at the head of its first step (`open_chunk`: one place for its set-up); each
// streamed chunk adds the bus latency. After the last tile, D drain-only steps in the same
// loop. Returns its cycles as counted by its loops.
template <class CONFIG_T>
cycles_t dense_op(SM_ABUF(CONFIG_T, buf),
                  unsigned sb, unsigned db, const op_rec &op, unsigned bits,
                  SM_WSTORE(CONFIG_T, wstore), SM_BSTORE(CONFIG_T, bstore),
                  const bus_t *prog, bus_bounds &bb, unsigned data_base, unsigned stream_base,
                  seu_log &sl) {
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols,
                   DC = CONFIG_T::drain_cols, D = AC / DC;  // drain steps per tile
    const unsigned SK = CONFIG_T::stream_k, B = CONFIG_T::bus_words32;
    const unsigned tiles_c = (op.out_cols + AC - 1) / AC;
    const unsigned tiles_r = (op.rows + AR - 1) / AR;
    const unsigned rw = (unsigned)packed_row_words(op.in_cols, bits);
    const unsigned lsh = bits == 8 ? 2 : 1;  // log2 of the weights per packed word
    const unsigned skw = SK >> lsh;          // a streamed chunk's words at most
    const bool relu = op.flags & pf::FLAG_RELU;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    const bool streamed = !op.resident;
    // accumulators and their shadow chain: registers, one per PE (every dimension split)
    acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 0
    acc_t sh[CONFIG_T::array_rows][CONFIG_T::array_cols];
#pragma HLS ARRAY_PARTITION variable = sh complete dim = 0
    acc_t bias[CONFIG_T::array_cols];  // the current column tile's biases (one per bank)
#pragma HLS ARRAY_PARTITION variable = bias complete dim = 0
    acc_t shb[CONFIG_T::array_cols];   // the draining tile's biases, shifted with `sh`
#pragma HLS ARRAY_PARTITION variable = shb complete dim = 0
    seg_plan seg;
#pragma HLS ARRAY_PARTITION variable = seg.c0 complete
#pragma HLS ARRAY_PARTITION variable = seg.c1 complete
#pragma HLS ARRAY_PARTITION variable = seg.dbl complete
    seg.rank(op);

    enum { FETCH, MAC, DOUBLE, WAIT };
    unsigned phase = MAC;
    unsigned ct = 0, rt = 0;          // the tile in the array
    unsigned a_ct = 0, a_rt = 0;      // the tile in the accumulators
    unsigned sh_ct = 0, sh_rt = 0;    // the tile in the shadow chain
    unsigned dj = 0;                  // the shadow chain's drain position
    bool draining = false, new_tile = true, new_tile_setup = true, first_mac = false;
    bool finished = false, last_drain = false, open_piece = false, open_chunk = false;
    unsigned tstep = 0;               // steps since the tile began
    unsigned k = 0, dleft = 0;        // the segment (rank) and its DOUBLE steps left
    unsigned w = 0, wend = 0;         // the chunk's first word, the segment's end word
    unsigned cw = 0, base = 0, t = 0; // the chunk: words, store address of its first, position
    unsigned chunk = 0;               // streamed chunks so far: selects the store half
    unsigned tile_rows = 0, j = 0;    // streamed fetch: rows of the tile, current row
    unsigned long long start = 0, beat = 0, last = 0;  // its image words and beats
    bool ok = true;
    cycles_t steps = 0, latency = 0;
    // a bound for the loop: per tile every chunk's fetch beats (<= cw/B + 2 per row), the
    // words (+1 per straddled boundary), the doublings and the wait
    const unsigned long long chunks = streamed ? (op.in_cols + SK - 1) / SK + seg.n : 0;
    const unsigned long long max_steps =
        (unsigned long long)tiles_c * tiles_r *
        (chunks * (AC * (CONFIG_T::stream_half / B + 2)) + rw + seg.n +
         (1u << pf::SEG_ALIGN_BITS) + D + 1) + D + 1;
DENSE_STEPS:
    for (unsigned long long s = 0; s < max_steps; s++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65536
        if (finished) break;
        steps++;
        if (new_tile) {
            if (s != 0) {  // hand the finished tile (and its biases) to the shadow chain
            SHADOW_ROWS:
                for (unsigned r = 0; r < AR; r++)
                SHADOW_COLS:
                    for (unsigned c = 0; c < AC; c++) sh[r][c] = acc[r][c];
            SHADOW_BIAS:
                for (unsigned c = 0; c < AC; c++) shb[c] = bias[c];
                sh_ct = a_ct;
                sh_rt = a_rt;
                draining = true;
                dj = 0;
            }
            a_ct = ct;
            a_rt = rt;
            new_tile = false;
            tstep = 0;
        }
        if (new_tile_setup) {  // (a real tile: not the drain-only step run after the last)
            new_tile_setup = false;
        BIAS_COLS:
            for (unsigned c = 0; c < AC; c++)
                bias[c] = op.has_bias ? bias_read<CONFIG_T>(bstore, c, op.bbase + ct, sl) : acc_t(0);
            first_mac = true;
            k = 0;
            open_piece = true;
            if (streamed) {
                const unsigned left = op.out_cols - ct * AC;
                tile_rows = left < AC ? left : AC;
            }
        }
        if (open_piece) {  // segment k's words: [c0 / Q, (c1 - 1) / Q]
            open_piece = false;
            w = seg.c0[k] >> lsh;
            wend = ((seg.c1[k] - 1) >> lsh) + 1;
            open_chunk = true;
        }
        if (open_chunk) {  // the chunk at word w: resident, the segment's words; streamed,
            open_chunk = false;  // at most skw of them, fetched first
            cw = streamed && wend - w > skw ? skw : wend - w;
            t = 0;
            if (streamed) {
                base = stream_base + (chunk & 1) * CONFIG_T::stream_half;
                j = 0;
                start = (unsigned long long)data_base + op.w_off +
                        (unsigned long long)ct * AC * rw + w;
                beat = start / B;
                last = (start + cw - 1) / B;
                ok = bb.prog(start, cw);
                latency += CONFIG_T::axi_latency;
                phase = FETCH;
            } else {
                base = op.wbase + ct * rw + w;
                phase = MAC;
            }
        }
        if (draining) {
            drain_step<CONFIG_T>(buf, db, op, sh_rt, sh_ct * AC + dj, relu, sgn, narrow, sh, shb);
            dj += DC;
            if (dj == AC) draining = false;
        }
        if (phase == FETCH) {
            fetch_beat<CONFIG_T>(prog, ok, beat, start, cw, base, j, wstore);
            if (beat == last) {  // the row's last beat: next row, or the chunk is in
                j++;
                start += rw;
                beat = start / B;
                last = (start + cw - 1) / B;
                if (j < tile_rows && ok) ok = bb.prog(start, cw);
                if (j == tile_rows) phase = MAC;
            } else {
                beat++;
            }
        } else if (phase == MAC) {
            // packed word w + t of the row: columns (w + t) * Q .. + Q - 1 of segment k
            mac_step<CONFIG_T>(buf, sb, op, rt, (w + t) << lsh, wstore, base + t, bits,
                               seg.c0[k], seg.c1[k], first_mac, acc, sl);
            first_mac = false;
            if (++t == cw) {
                w += cw;
                if (streamed) chunk++;
                if (w < wend) {
                    open_chunk = true;  // the segment's next chunk (streamed)
                } else {
                    dleft = seg.dbl[k];
                    k++;
                    if (dleft != 0) phase = DOUBLE;
                    else if (k < seg.n) open_piece = true;
                    else phase = WAIT;
                }
            }
        } else if (phase == DOUBLE) {
            double_step<CONFIG_T>(acc);
            if (--dleft == 0) {
                if (k < seg.n) open_piece = true;
                else phase = WAIT;
            }
        }
        if (++tstep >= D && phase == WAIT) {  // compute done and the previous tile drained
            if (last_drain) {
                finished = true;  // the last tile's drain is out too
            } else {
                new_tile = true;
                if (++rt == tiles_r) {
                    rt = 0;
                    ct++;
                }
                // past the last tile: one more hand-over, then D drain-only steps
                if (ct == tiles_c) last_drain = true;
                else new_tile_setup = true;
            }
        }
    }
    return latency + loop_cycles<CONFIG_T>(steps);
}

}  // namespace smacc

#endif  // SPACEMIMO_DENSE_TILE_H
