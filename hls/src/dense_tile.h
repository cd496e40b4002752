// DENSE on the systolic array: output-stationary ARRAY_ROWS x ARRAY_COLS PEs.
//
// PE (r, j) owns the accumulator of output (row rt*AR + r, neuron ct*AC + j). Each cycle one
// input column i enters: x[r] = src[row, i] flows along array row r, W[o, i] of the AC
// neurons of the tile flows down array column j, so every weight read from a bank is used
// AR times in the cycle it is read and never stored in a PE (weight-stationary would load a
// 256x4 weight tile to use it only K = 4 times). Bias initialises the accumulators; ReLU,
// round-half-even shift and saturation are fused into the drain, which writes the tile's
// outputs straight into the destination buffer at dst_off (concat is a column offset).
//
// Input segments (format v2): column i of a DENSE's source enters the array shifted left by
// its segment's alignment a(i), so one op sums a concat whose parts sit on different
// fixed-point grids. The shift is on the activation, once per array row (AR shifters shared
// by the AC PEs of the row), not on the AR x AC products; a(i) comes from a walker that
// steps through seg_align one field per seg_cols columns, so no divider sits in the loop.
//
// Loop tiling: COL_TILES over output neurons (AC at a time), ROW_TILES over node rows (AR at a
// time), TILE_K over the input columns. Weights come from the resident store (AC banks, one
// word per bank per cycle) or, for streamed ops, from a ping-pong tile carved from the top of
// the same banks (2 x STREAM_K words): the m_axi reader fills one half with the next chunk of
// STREAM_K inputs x AC neurons while the array consumes the other.
#ifndef SPACEMIMO_DENSE_TILE_H
#define SPACEMIMO_DENSE_TILE_H

#include "hls_stream.h"
#include "program_loader.h"
#include "requant.h"

namespace smacc {

// Weight i of a resident store word (1 or 2 weights per word).
template <class CONFIG_T>
inline weight_t store_lane(wstore_t word, unsigned q, unsigned bits) {
#pragma HLS INLINE
    if (bits == 8) return weight_t((ap_int<8>)(ap_uint<8>)word.range(8 * q + 7, 8 * q));
    return weight_t((ap_int<CONFIG_T::store_bits>)word);
}

// m_axi reader: inputs [k0, k0 + len) of the packed rows of column tile ct (one short burst
// per neuron row: k0 is a multiple of the lanes per word, so every chunk is word aligned).
// Each burst is checked against PROGRAM_SIZE first (bus_bounds); one outside is not issued
// (zeros keep the FIFO balanced) and the run ends with ERR_ADDR_RANGE.
template <class CONFIG_T>
void read_chunk_words(const bus_t *prog, bus_bounds &bb, unsigned data_base, const op_rec &op,
                      unsigned bits, unsigned ct, unsigned k0, unsigned len, unsigned tile_rows,
                      hls::stream<ap_uint<32> > &words) {
    const unsigned per_word = 32 / bits;
    const unsigned long long rw = cycle_model<CONFIG_T>::row_words(op.in_cols, bits);
    const unsigned cw = (len + per_word - 1) / per_word;
READ_ROWS:
    for (unsigned j = 0; j < tile_rows; j++) {
        const unsigned long long first = (unsigned long long)data_base + op.w_off +
                                         ((unsigned long long)ct * CONFIG_T::array_cols + j) * rw +
                                         k0 / per_word;
        const bool ok = bb.prog(first, cw);
    READ_WORDS:
        for (unsigned p = 0; p < cw; p++) {
#pragma HLS PIPELINE II = 1
            words.write(ok ? ap_uint<32>(word32<CONFIG_T>(prog, first + p)) : ap_uint<32>(0));
        }
    }
}

// Unpack a streamed chunk into one half of the ping-pong tile (the top 2 x STREAM_K words of
// every store bank; one weight per word, bank j = neuron j of the tile).
template <class CONFIG_T>
void unpack_chunk(hls::stream<ap_uint<32> > &words, unsigned bits, unsigned len,
                  unsigned tile_rows,
                  wstore_t wstore[CONFIG_T::array_cols][CONFIG_T::weight_depth], unsigned base) {
    const unsigned per_word = 32 / bits;
    const unsigned cw = (len + per_word - 1) / per_word;
UNPACK_ROWS:
    for (unsigned j = 0; j < tile_rows; j++) {
    UNPACK_WORDS:
        for (unsigned p = 0; p < cw; p++) {
#pragma HLS PIPELINE II = 1
            unsigned word = words.read();
        UNPACK_LANES:
            for (unsigned l = 0; l < per_word; l++) {
                unsigned i = p * per_word + l;
                if (i < len)
                    wstore[j][base + i] = (wstore_t)(ap_uint<CONFIG_T::store_bits>)
                        ap_int<CONFIG_T::store_bits>(weight_lane(word, l, bits));
            }
        }
    }
}

template <class CONFIG_T>
void fetch_chunk(const bus_t *prog, bus_bounds &bb, unsigned data_base, const op_rec &op,
                 unsigned bits,
                 unsigned ct, unsigned k0,
                 wstore_t wstore[CONFIG_T::array_cols][CONFIG_T::weight_depth], unsigned base) {
#pragma HLS DATAFLOW
    // reader -> unpacker through a FIFO so the burst never waits for the unpacking
    hls::stream<ap_uint<32> > words("chunk_words");
#pragma HLS STREAM variable = words depth = 64
    unsigned left = op.out_cols - ct * CONFIG_T::array_cols;
    unsigned tile_rows = left < CONFIG_T::array_cols ? left : CONFIG_T::array_cols;
    unsigned len = op.in_cols - k0 < CONFIG_T::stream_k ? op.in_cols - k0 : CONFIG_T::stream_k;
    read_chunk_words<CONFIG_T>(prog, bb, data_base, op, bits, ct, k0, len, tile_rows, words);
    unpack_chunk<CONFIG_T>(words, bits, len, tile_rows, wstore, base);
}

// Alignment of the input column entering the array: the low field of `aligns` is a(i) for
// the current column i; `pos` counts columns into the current segment. Reset at column 0 of
// every row tile and advanced once per column (streamed chunks continue the same walk).
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

// The array: feed input columns [k0, k0 + len) of row tile rt through the AR x AC PEs.
// Weight i of neuron j sits in bank j at wbase + (i - k0) / pack, lane (i - k0) % pack.
template <class CONFIG_T>
void array_pass(act_t buf[CONFIG_T::num_buffers + 1][CONFIG_T::max_rows][CONFIG_T::max_cols],
                unsigned sb, const op_rec &op, unsigned rt, unsigned k0, unsigned len,
                wstore_t wstore[CONFIG_T::array_cols][CONFIG_T::weight_depth], unsigned wbase,
                unsigned pack, unsigned bits, seg_walker &seg,
                acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols]) {
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols;
    // An aligned activation, exact: 8-bit programs 9 + 15 = 24 bits, 16-bit programs
    // 17 + 8 = 25 bits (the loader caps their alignment at SEG_ALIGN_MAX_16), so it always
    // fits a DSP48E1's 25-bit A port: one DSP per PE at either width. The product is exact and
    // fits the accumulator whenever the loader's worst-case check (which includes the
    // alignment) passed.
    static const unsigned xal_bits = CONFIG_T::act_bits > 9
        ? (CONFIG_T::act_bits + pf::SEG_ALIGN_MAX_16 > 9 + pf::SEG_ALIGN_MAX
               ? CONFIG_T::act_bits + pf::SEG_ALIGN_MAX_16 : 9 + pf::SEG_ALIGN_MAX)
        : 9 + pf::SEG_ALIGN_MAX;
    typedef ap_int<xal_bits> xal_t;
TILE_K:
    for (unsigned t = 0; t < len; t++) {
#pragma HLS PIPELINE II = 1  // one input column (AR activations + AC weights) per cycle
        unsigned i = k0 + t;
        const ap_uint<4> a = seg.align();
        seg.step(op);
        xal_t x[CONFIG_T::array_rows];
        weight_t w[CONFIG_T::array_cols];
    FEED_ROWS:
        for (unsigned r = 0; r < AR; r++) {
            unsigned row = rt * AR + r;
            act_t v = row < op.rows ? buf[sb][row][op.src_off + i] : act_t(0);
            x[r] = xal_t(v) << a;  // widen first: the shift never drops bits
        }
    FEED_COLS:
        for (unsigned j = 0; j < AC; j++) {
            // pack is 1 or 2: a shift and a mask, no divider
            unsigned q = pack == 2 ? (t & 1u) : 0u;
            w[j] = store_lane<CONFIG_T>(wstore[j][wbase + (pack == 2 ? t >> 1 : t)], q, bits);
        }
    PE_ROWS:
        for (unsigned r = 0; r < AR; r++) {
        PE_COLS:
            for (unsigned j = 0; j < AC; j++) acc[r][j] += x[r] * w[j];
        }
    }
}

template <class CONFIG_T>
void dense_op(act_t buf[CONFIG_T::num_buffers + 1][CONFIG_T::max_rows][CONFIG_T::max_cols],
              unsigned sb, unsigned db, const op_rec &op, unsigned bits,
              wstore_t wstore[CONFIG_T::array_cols][CONFIG_T::weight_depth],
              bias_t bstore[CONFIG_T::array_cols][CONFIG_T::bias_depth],
              const bus_t *prog, bus_bounds &bb, unsigned data_base, unsigned stream_base) {
    const unsigned AR = CONFIG_T::array_rows, AC = CONFIG_T::array_cols;
    const unsigned SK = CONFIG_T::stream_k;
    const unsigned tiles_c = (op.out_cols + AC - 1) / AC;
    const unsigned tiles_r = (op.rows + AR - 1) / AR;
    const unsigned pack = CONFIG_T::store_bits / bits;
    const unsigned lane_words = (op.in_cols + pack - 1) / pack;
    const bool relu = op.flags & pf::FLAG_RELU;
    const bool sgn = op.flags & pf::FLAG_OUT_SIGNED;
    const bool narrow = op.flags & pf::FLAG_NARROW;
    unsigned chunk = 0;  // streamed: running chunk count selects the ping-pong half

COL_TILES:
    for (unsigned ct = 0; ct < tiles_c; ct++) {
    ROW_TILES:
        for (unsigned rt = 0; rt < tiles_r; rt++) {
            acc_t acc[CONFIG_T::array_rows][CONFIG_T::array_cols];
#pragma HLS ARRAY_PARTITION variable = acc complete  // one accumulator register per PE
        INIT_ROWS:
            for (unsigned r = 0; r < AR; r++) {
#pragma HLS UNROLL
            INIT_COLS:
                for (unsigned j = 0; j < AC; j++) {
#pragma HLS UNROLL
                    acc[r][j] = op.has_bias ? acc_t(bstore[j][op.bbase + ct]) : acc_t(0);
                }
            }
            seg_walker seg;  // column alignments restart at input column 0
            seg.reset(op);
            if (op.resident) {
                array_pass<CONFIG_T>(buf, sb, op, rt, 0, op.in_cols, wstore,
                                     op.wbase + ct * lane_words, pack, bits, seg, acc);
            } else {
            K_CHUNKS:
                for (unsigned k0 = 0; k0 < op.in_cols; k0 += SK, chunk++) {
                    // In hardware the fetch of the next chunk into the other half runs
                    // concurrently with this pass (DATAFLOW over the two halves); C-simulation
                    // fetches first, with the same result.
                    unsigned base = stream_base + (chunk & 1) * SK;
                    unsigned len = op.in_cols - k0 < SK ? op.in_cols - k0 : SK;
                    fetch_chunk<CONFIG_T>(prog, bb, data_base, op, bits, ct, k0, wstore, base);
                    array_pass<CONFIG_T>(buf, sb, op, rt, k0, len, wstore, base, 1, bits, seg,
                                         acc);
                }
            }
        DRAIN_ROWS:
            for (unsigned r = 0; r < AR; r++) {
                unsigned row = rt * AR + r;
            DRAIN_CHUNKS:
                for (unsigned j0 = 0; j0 < AC; j0 += CONFIG_T::drain_cols) {
#pragma HLS PIPELINE II = 1  // DRAIN_COLS outputs per cycle, one per buffer column bank
                DRAIN_COLS:
                    for (unsigned jj = 0; jj < CONFIG_T::drain_cols; jj++) {
                        unsigned j = j0 + jj, o = ct * AC + j;
                        if (row < op.rows && o < op.out_cols)
                            buf[db][row][op.dst_off + o] = requantize<CONFIG_T>(
                                wide_t(acc[r][j]), op.shift, op.out_bits, relu, sgn, narrow);
                    }
                }
            }
        }
    }
}

}  // namespace smacc

#endif  // SPACEMIMO_DENSE_TILE_H
