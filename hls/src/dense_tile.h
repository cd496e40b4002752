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
// Schedule (what the code does, and what CYCLES counts): ONE flattened pipelined loop per op
// (DENSE_STEPS) over all tiles (column tile ct, row tile rt), resident and streamed alike, so
// the PE array and the drain exist once. At the first step of a tile the finished
// accumulators move to shadow registers (`sh`, AR x AC, a shift chain) and the bias is taken
// for the new tile; in every step the shadow chain drains DRAIN_COLS outputs of every row of
// the previous tile (D = AC / DRAIN_COLS steps), so the drain overlaps the next tile. A
// resident tile is its row words (one per step); a streamed tile is, per chunk of STREAM_K
// inputs, the chunk's bus beats (one per step into the stream tile) then its words — fetch
// and compute of a chunk in sequence. A tile lasts at least D steps; after the last, D
// drain-only steps. One pipeline fill per op.
#ifndef SPACEMIMO_DENSE_TILE_H
#define SPACEMIMO_DENSE_TILE_H

#include "act_banks.h"
#include "cycle_counter.h"
#include "program_loader.h"
#include "requant.h"

namespace smacc {

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
                     acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols], seu_log &sl) {
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
        // lanes the row uses: only an upset there stops the run (padding lanes are read too)
        const unsigned live = row >= op.rows ? 0u : op.in_cols - i0 < Q ? op.in_cols - i0 : Q;
        read_cols_at<CONFIG_T>(buf, sb, rt, r, op.src_off + i0, v, live, sl);  // row bank r
    FEED_LANES:
        for (unsigned l = 0; l < QM; l++) {
            const bool live = row < op.rows && l < Q && i0 + l < op.in_cols;
            x[r][l] = live ? xal_t(xal_t(v[l]) << a[l]) : xal_t(0);  // widen, then shift
        }
    }
FEED_COLS:
    for (unsigned j = 0; j < AC; j++) {
        const unsigned word = wstore_read<CONFIG_T>(wstore, j, waddr, sl);  // SECDED: corrected
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
//   MAC    one packed weight word per bank into the array (Q inputs),
//   WAIT   a tile whose compute is done waits for the previous tile's drain (D steps),
// and in every step the shadow chain drains DRAIN_COLS columns of every row of the previous
// tile. A tile is: for resident ops its row words; for streamed ops, per chunk of STREAM_K
// inputs, the chunk's beats then its words; then WAIT until D steps have passed. Each chunk's
// first beat adds the bus latency. After the last tile, D drain-only steps in the same loop.
// Returns its cycles as counted by its loops.
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
    seg_walker seg;

    enum { FETCH, MAC, WAIT };
    unsigned phase = MAC;
    unsigned ct = 0, rt = 0;          // the tile in the array
    unsigned a_ct = 0, a_rt = 0;      // the tile in the accumulators
    unsigned sh_ct = 0, sh_rt = 0;    // the tile in the shadow chain
    unsigned dj = 0;                  // the shadow chain's drain position
    bool draining = false, new_tile = true, new_tile_setup = true, first_mac = false;
    bool finished = false, last_drain = false;
    unsigned tstep = 0;               // steps since the tile began
    unsigned k0 = 0, len = 0, cw = 0, base = 0, t = 0;  // the chunk (resident: the row)
    unsigned chunk = 0;               // streamed chunks so far: selects the store half
    unsigned tile_rows = 0, j = 0;    // streamed fetch: rows of the tile, current row
    unsigned long long start = 0, beat = 0, last = 0;  // its image words and beats
    bool ok = true;
    cycles_t steps = 0, latency = 0;
    // a bound for the loop: every tile's fetch beats (<= cw/B + 2 per row), words and wait
    const unsigned long long max_steps =
        (unsigned long long)tiles_c * tiles_r *
        ((streamed ? ((op.in_cols + SK - 1) / SK) * (AC * (CONFIG_T::stream_half / B + 2))
                   : 0ull) + rw + D + 1) + D + 1;
DENSE_STEPS:
    for (unsigned long long s = 0; s < max_steps; s++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65536
        if (finished) break;
        steps++;
        if (new_tile) {
            if (s != 0) {  // hand the finished tile to the shadow chain
            SHADOW_ROWS:
                for (unsigned r = 0; r < AR; r++)
                SHADOW_COLS:
                    for (unsigned c = 0; c < AC; c++) sh[r][c] = acc[r][c];
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
            seg.reset(op);
            first_mac = true;
            k0 = 0;
            len = op.in_cols < SK || !streamed ? op.in_cols : SK;
            cw = (len + (1u << lsh) - 1) >> lsh;
            t = 0;
            if (streamed) {  // the tile's first chunk
                const unsigned left = op.out_cols - ct * AC;
                tile_rows = left < AC ? left : AC;
                base = stream_base + (chunk & 1) * CONFIG_T::stream_half;
                j = 0;
                start = (unsigned long long)data_base + op.w_off + (unsigned long long)ct * AC * rw;
                beat = start / B;
                last = (start + cw - 1) / B;
                ok = bb.prog(start, cw);
                latency += CONFIG_T::axi_latency;
                phase = FETCH;
            } else {
                base = op.wbase + ct * rw;
                phase = MAC;
            }
        }
        if (draining) {
            drain_step<CONFIG_T>(buf, db, op, sh_rt, sh_ct * AC + dj, relu, sgn, narrow, sh);
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
            // packed word t of the chunk: columns k0 + t*Q .. k0 + t*Q + Q - 1
            mac_step<CONFIG_T>(buf, sb, op, rt, k0 + (t << lsh), wstore, base + t, bits, seg,
                               first_mac, bias, acc, sl);
            first_mac = false;
            if (++t == cw) {
                t = 0;
                k0 += len;
                if (streamed && k0 < op.in_cols) {  // the next chunk of this tile
                    chunk++;
                    len = op.in_cols - k0 < SK ? op.in_cols - k0 : SK;
                    cw = (len + (1u << lsh) - 1) >> lsh;
                    base = stream_base + (chunk & 1) * CONFIG_T::stream_half;
                    j = 0;
                    start = (unsigned long long)data_base + op.w_off +
                            (unsigned long long)ct * AC * rw + (k0 >> lsh);
                    beat = start / B;
                    last = (start + cw - 1) / B;
                    ok = bb.prog(start, cw);
                    latency += CONFIG_T::axi_latency;
                    phase = FETCH;
                } else {
                    if (streamed) chunk++;
                    phase = WAIT;
                }
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
