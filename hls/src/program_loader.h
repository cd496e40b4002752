// LOAD_PROGRAM: fetch the program image, check it (PROGRAM_SIZE, magic, version, length,
// maxima, checksum, every field), place DENSE weights (resident store or streamed) and copy
// the resident weights and all biases on chip. Every loop is bounded by a synthesized
// maximum or by data_words <= MAX_DATA_WORDS, so a corrupt image ends in an error code, never
// in an endless loop; every burst is checked against PROGRAM_SIZE before it is issued
// (bus_bounds), so no image, however corrupt, makes the kernel read outside its buffer.
#ifndef SPACEMIMO_PROGRAM_LOADER_H
#define SPACEMIMO_PROGRAM_LOADER_H

#include "cycle_counter.h"
#include "spacemimo_accel.h"

namespace smacc {

// 32-bit program word p of an image on the m_axi bus.
template <class CONFIG_T>
inline unsigned word32(const bus_t *mem, unsigned long long p) {
#pragma HLS INLINE
    bus_t beat = mem[p / CONFIG_T::bus_words32];
    unsigned lane = (unsigned)(p % CONFIG_T::bus_words32);
    return (unsigned)beat.range(32 * lane + 31, 32 * lane);
}

// Sign-extend a `bits`-wide lane of a packed weight word.
inline weight_t weight_lane(unsigned word, unsigned lane, unsigned bits) {
#pragma HLS INLINE
    if (bits == 8) return weight_t((ap_int<8>)(ap_uint<8>)((word >> (8 * lane)) & 0xFFu));
    return weight_t((ap_int<16>)(ap_uint<16>)((word >> (16 * lane)) & 0xFFFFu));
}

inline bool windows_overlap(unsigned a_off, unsigned a_len, unsigned b_off, unsigned b_len) {
    return a_off < b_off + b_len && b_off < a_off + a_len;
}

// Buffer window of an op against the synthesized maxima (DIMS_EXCEED_MAX) and the header's
// num_buffers (BAD_FORMAT), in the order quant/program.py checks them.
template <class CONFIG_T>
unsigned check_window(const prog_state &st, unsigned buf, unsigned off, unsigned cols,
                      unsigned rows) {
    if (buf >= CONFIG_T::num_buffers) return pf::ERR_DIMS_EXCEED_MAX;
    if (buf >= st.num_buffers) return pf::ERR_BAD_FORMAT;
    if (rows > CONFIG_T::max_rows) return pf::ERR_DIMS_EXCEED_MAX;
    if (off > CONFIG_T::max_cols || cols > CONFIG_T::max_cols - off)
        return pf::ERR_DIMS_EXCEED_MAX;
    return pf::ERR_OK;
}

inline bool shift_ok(int s) { return s >= pf::SHIFT_MIN && s <= (int)pf::SHIFT_MAX; }

// DENSE input segments (format v2, quant/program.py _Checker._segments): seg_cols = 0 is one
// unaligned segment (seg_align must be 0); otherwise in_cols = n * seg_cols with
// n <= MAX_SEGMENTS, and seg_align has no field beyond segment n-1. "Not a multiple" and
// "too many segments" are both BAD_FORMAT, so n is found by comparing against the
// MAX_SEGMENTS multiples of seg_cols (no divider in the loader).
inline unsigned check_segments(const op_rec &op) {
    if (op.seg_cols == 0) return op.seg_align != 0 ? pf::ERR_BAD_FORMAT : pf::ERR_OK;
    unsigned n = 0;
SEG_COUNT:
    for (unsigned k = 1; k <= pf::MAX_SEGMENTS; k++) {
#pragma HLS UNROLL
        if ((unsigned long long)k * op.seg_cols == op.in_cols) n = k;
    }
    if (n == 0) return pf::ERR_BAD_FORMAT;
    // fields of segments n .. MAX_SEGMENTS-1 must be 0 (with 8 segments the word is all fields)
    if (n * pf::SEG_ALIGN_BITS < 32 && (op.seg_align >> (n * pf::SEG_ALIGN_BITS)) != 0)
        return pf::ERR_BAD_FORMAT;
    // 16-bit programs align by at most SEG_ALIGN_MAX_16 (a 17-bit word << 8 fills the DSP's
    // 25-bit port); 8-bit ones by the whole 4-bit field.
    if (op.out_bits == 16) {
    SEG_MAX:
        for (unsigned s = 0; s < pf::MAX_SEGMENTS; s++) {
#pragma HLS UNROLL
            if (s < n && ((op.seg_align >> (s * pf::SEG_ALIGN_BITS)) & 0xF) > pf::SEG_ALIGN_MAX_16)
                return pf::ERR_BAD_FORMAT;
        }
    }
    return pf::ERR_OK;
}

// Check one op record; returns an error code (pf::ERR_*). Same order as quant/program.py's
// _Checker.check_op, so a program with one fault gets the same code from both. (The Python
// loader's range/dataflow checks — accumulator worst case, unwritten cells — are not repeated:
// a program that passed them runs exactly here. Only a bias beyond acc_bits, which fails the
// worst case there, is caught in load_program's bias copy, because the bias store is only
// acc_bits wide.)
// Op words an opcode does not use (format v3: must be 0), bit i = op word i.
inline unsigned unused_mask(unsigned opcode) {
    return opcode == pf::OP_DENSE       ? pf::OP_UNUSED_MASK_DENSE
           : opcode == pf::OP_AGGREGATE ? pf::OP_UNUSED_MASK_AGGREGATE
           : opcode == pf::OP_NORM      ? pf::OP_UNUSED_MASK_NORM
                                        : pf::OP_UNUSED_MASK_TAYLOR;
}

template <class CONFIG_T>
unsigned check_op(const prog_state &st, const op_rec &op, const unsigned w[pf::OP_WORDS]) {
    if (op.opcode < pf::OP_DENSE || op.opcode > pf::OP_TAYLOR) return pf::ERR_BAD_OPCODE;
    // unused words right after the opcode, as quant/program.py checks them
    const unsigned mask = unused_mask(op.opcode);
UNUSED_WORDS:
    for (unsigned i = 0; i < pf::OP_WORDS; i++) {
#pragma HLS UNROLL
        if (((mask >> i) & 1u) && w[i] != 0) return pf::ERR_BAD_FORMAT;
    }
    if (op.rows == 0 || op.in_cols == 0 || op.out_cols == 0) return pf::ERR_BAD_FORMAT;
    unsigned err = check_window<CONFIG_T>(st, op.src_buf, op.src_off, op.in_cols, op.rows);
    if (err != pf::ERR_OK) return err;
    err = check_window<CONFIG_T>(st, op.dst_buf, op.dst_off, op.out_cols, op.rows);
    if (err != pf::ERR_OK) return err;
    if (op.flags & ~pf::FLAGS_DEFINED) return pf::ERR_BAD_FORMAT;
    if (op.out_bits != st.bits) return pf::ERR_BAD_FORMAT;
    if ((op.flags & pf::FLAG_RELU) && op.opcode != pf::OP_DENSE) return pf::ERR_BAD_FORMAT;
    if (op.opcode != pf::OP_NORM && !shift_ok(op.shift)) return pf::ERR_BAD_FORMAT;
    if (op.opcode == pf::OP_TAYLOR) {
        err = check_window<CONFIG_T>(st, op.w_off, op.b_off, 2, op.rows);
        if (err != pf::ERR_OK) return err;
    }
    // No op works in place: its destination never overlaps a source window.
    if (op.src_buf == op.dst_buf &&
        windows_overlap(op.src_off, op.in_cols, op.dst_off, op.out_cols))
        return pf::ERR_BAD_FORMAT;
    if (op.opcode == pf::OP_TAYLOR && op.w_off == op.dst_buf &&
        windows_overlap(op.b_off, 2, op.dst_off, op.out_cols))
        return pf::ERR_BAD_FORMAT;
    if (op.opcode == pf::OP_DENSE) {
        err = check_segments(op);
        if (err != pf::ERR_OK) return err;
        unsigned long long wend =
            (unsigned long long)op.w_off +
            (unsigned long long)op.out_cols * packed_row_words(op.in_cols, st.bits);
        if (wend > st.data_words) return pf::ERR_BAD_FORMAT;
        // bias block: out_cols int32 words, or out_cols int64 word pairs when acc_bits > 32
        if (op.b_off != pf::NO_BIAS &&
            (unsigned long long)op.b_off + (unsigned long long)op.out_cols * st.bias_words >
                st.data_words)
            return pf::ERR_BAD_FORMAT;
    } else if (op.opcode == pf::OP_AGGREGATE) {
        if (op.out_cols != op.in_cols) return pf::ERR_BAD_FORMAT;
        if (op.group == 0 || op.rows % op.group) return pf::ERR_BAD_FORMAT;
        if (((op.flags & pf::FLAG_AGG_MODE) >> pf::FLAG_AGG_MODE_SHIFT) > pf::AGG_SUM)
            return pf::ERR_BAD_FORMAT;
    } else if (op.opcode == pf::OP_NORM) {
        if (op.out_cols != op.in_cols) return pf::ERR_BAD_FORMAT;
        // (64-bit headroom of y * (gain << rbits) is checked by the Python loader from the
        // source's value range; the datapath below is 64 bits wide.)
        if (op.gain < 1 || op.rbits > 62) return pf::ERR_BAD_FORMAT;
    } else {  // TAYLOR
        if (op.out_cols != op.in_cols || op.in_cols % 2) return pf::ERR_BAD_FORMAT;
        if (op.group == 0 || op.rows % op.group) return pf::ERR_BAD_FORMAT;
        if (!shift_ok(op.gain)) return pf::ERR_BAD_FORMAT;
    }
    return pf::ERR_OK;
}

// Fetch, check and place a program; copies resident weights into wstore and biases into
// bstore. Adds the cycles its loops and bursts took to `cyc`. Returns an error code.
// One little-endian word into a reflected CRC-32 (IEEE 802.3 / zlib), bit-serial: unrolled,
// it is a 32-bit XOR network per word.
inline unsigned crc32_word(unsigned crc, unsigned word) {
    crc ^= word;
CRC_BITS:
    for (int b = 0; b < 32; b++) {
#pragma HLS UNROLL
        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

// program_size: the PROGRAM_SIZE register (bytes); bb.prog_beats = its whole bus beats.
template <class CONFIG_T>
unsigned load_program(const bus_t *prog, unsigned program_size, bus_bounds &bb, prog_state &st,
                      SM_WSTORE(CONFIG_T, wstore), SM_BSTORE(CONFIG_T, bstore),
                      cycles_t &cyc) {
    const unsigned ac = CONFIG_T::array_cols;
    const unsigned long long bw = CONFIG_T::bus_words32;
    st.loaded = false;
    st.w_used = 0;
    st.b_used = 0;
    // Rule 1 (PROGRAM.md "Bounds"): a buffer smaller than the header is ADDR_RANGE before
    // any bus access.
    if (program_size < 4 * pf::HEADER_WORDS) return pf::ERR_ADDR_RANGE;
    unsigned hdr[pf::HEADER_WORDS];
#pragma HLS ARRAY_PARTITION variable = hdr complete  // registers
    if (!bb.prog(0, pf::HEADER_WORDS)) return pf::ERR_ADDR_RANGE;
    cycles_t steps = 0;
HEADER:
    for (unsigned i = 0; i < pf::HEADER_WORDS; i++) {
#pragma HLS PIPELINE II = 1
        steps++;
        hdr[i] = word32<CONFIG_T>(prog, i);
    }
    cyc += CONFIG_T::axi_latency + loop_cycles<CONFIG_T>(steps);
    if (hdr[pf::HDR_MAGIC] != pf::PROGRAM_MAGIC) return pf::ERR_BAD_MAGIC;
    if (hdr[pf::HDR_VERSION] != pf::PROGRAM_VERSION) return pf::ERR_BAD_VERSION;
    st.num_ops = hdr[pf::HDR_NUM_OPS];
    st.data_words = hdr[pf::HDR_DATA_WORDS];
    // The header's length is trusted only within PROGRAM_SIZE (64-bit: no wrap for any
    // num_ops / data_words): a longer image is truncated, BAD_FORMAT.
    unsigned long long image_words = (unsigned long long)pf::HEADER_WORDS +
                                     (unsigned long long)st.num_ops * pf::OP_WORDS + st.data_words;
    if (image_words * 4 > program_size) return pf::ERR_BAD_FORMAT;
    // Bound the image before reading it (the checksum pass must end).
    if (st.num_ops > CONFIG_T::max_ops || st.data_words > CONFIG_T::max_data_words)
        return pf::ERR_DIMS_EXCEED_MAX;
    // The checksum pass's bursts move whole beats: the image's last beat must lie inside the
    // buffer too (a PROGRAM_SIZE not in whole beats), ADDR_RANGE before the pass.
    if ((image_words + bw - 1) / bw > bb.prog_beats) return pf::ERR_ADDR_RANGE;

    st.data_base = pf::HEADER_WORDS + st.num_ops * pf::OP_WORDS;
    // Checksum (format v3): CRC-32 of the image bytes, the checksum word counted as 0.
    unsigned crc = 0xFFFFFFFFu;
    if (!bb.prog(0, image_words)) return pf::ERR_ADDR_RANGE;
    steps = 0;
    // one whole bus beat per step: its BUS/32 words through the CRC in order (an unrolled
    // chain of 32-bit XOR networks); the last beat's words past the image are skipped
CHECKSUM:
    for (unsigned long long q = 0; q < (image_words + bw - 1) / bw; q++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 2097672
        steps++;
        const bus_t beat = prog[q];
    CHECKSUM_WORDS:
        for (unsigned k = 0; k < CONFIG_T::bus_words32; k++) {
            const unsigned long long p = q * bw + k;
            if (p < image_words)
                crc = crc32_word(crc, p == pf::HDR_CHECKSUM ? 0u
                                                            : (unsigned)beat.range(32 * k + 31, 32 * k));
        }
    }
    cyc += CONFIG_T::axi_latency + loop_cycles<CONFIG_T>(steps);
    if ((crc ^ 0xFFFFFFFFu) != hdr[pf::HDR_CHECKSUM]) return pf::ERR_BAD_CHECKSUM;

    // Header fields (quant/program.py _Checker.check_header order).
    st.bits = hdr[pf::HDR_BITS];
    st.acc_bits = hdr[pf::HDR_ACC_BITS];
    if (st.bits != 8 && st.bits != 16) return pf::ERR_BAD_FORMAT;
    unsigned acc_max = st.bits == 8 ? pf::ACC_BITS_MAX_8 : pf::ACC_BITS_MAX_16;
    if (st.acc_bits == 0 || st.acc_bits > acc_max) return pf::ERR_BAD_FORMAT;
    if (st.bits > CONFIG_T::data_bits || st.acc_bits > CONFIG_T::acc_bits)
        return pf::ERR_DIMS_EXCEED_MAX;  // an 8-bit-only build cannot run 16-bit programs
    st.bias_words = st.acc_bits > pf::WIDE_BIAS_ABOVE ? 2 : 1;
    if (st.num_ops == 0) return pf::ERR_BAD_FORMAT;
    st.num_buffers = hdr[pf::HDR_NUM_BUFFERS];
    if (st.num_buffers == 0) return pf::ERR_BAD_FORMAT;
    if (st.num_buffers > CONFIG_T::num_buffers) return pf::ERR_DIMS_EXCEED_MAX;
    st.in_buf = hdr[pf::HDR_IN_BUF];
    st.in_rows = hdr[pf::HDR_IN_ROWS];
    st.in_cols = hdr[pf::HDR_IN_COLS];
    st.out_buf = hdr[pf::HDR_OUT_BUF];
    st.out_rows = hdr[pf::HDR_OUT_ROWS];
    st.out_cols = hdr[pf::HDR_OUT_COLS];
    if (st.in_rows == 0 || st.in_cols == 0) return pf::ERR_BAD_FORMAT;
    if (st.in_buf >= st.num_buffers) return pf::ERR_BAD_FORMAT;
    if (st.in_rows > CONFIG_T::max_rows || st.in_cols > CONFIG_T::max_cols)
        return pf::ERR_DIMS_EXCEED_MAX;
    if (st.out_rows == 0 || st.out_cols == 0) return pf::ERR_BAD_FORMAT;
    if (st.out_buf >= st.num_buffers) return pf::ERR_BAD_FORMAT;
    if (st.out_rows > CONFIG_T::max_rows || st.out_cols > CONFIG_T::max_cols)
        return pf::ERR_DIMS_EXCEED_MAX;

    // Decode and check every op, and size its resident footprint (store words per bank).
    unsigned long long total_need = 0;
OPS:
    for (unsigned o = 0; o < st.num_ops; o++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
        unsigned w[pf::OP_WORDS];
#pragma HLS ARRAY_PARTITION variable = w complete  // registers
        if (!bb.prog(pf::HEADER_WORDS + (unsigned long long)o * pf::OP_WORDS, pf::OP_WORDS))
            return pf::ERR_ADDR_RANGE;
        steps = 0;
    OP_WORDS:
        for (unsigned i = 0; i < pf::OP_WORDS; i++) {
#pragma HLS PIPELINE II = 1
            steps++;
            w[i] = word32<CONFIG_T>(prog, pf::HEADER_WORDS + (unsigned long long)o * pf::OP_WORDS + i);
        }
        cyc += CONFIG_T::axi_latency + loop_cycles<CONFIG_T>(steps);
        op_rec &op = st.ops[o];
        op.opcode = w[pf::OPW_OPCODE];
        op.flags = w[pf::OPW_FLAGS];
        op.src_buf = w[pf::OPW_SRC_BUF];
        op.src_off = w[pf::OPW_SRC_OFF];
        op.dst_buf = w[pf::OPW_DST_BUF];
        op.dst_off = w[pf::OPW_DST_OFF];
        op.rows = w[pf::OPW_ROWS];
        op.in_cols = w[pf::OPW_IN_COLS];
        op.out_cols = w[pf::OPW_OUT_COLS];
        op.w_off = w[pf::OPW_W_OFF];
        op.b_off = w[pf::OPW_B_OFF];
        op.shift = (int)w[pf::OPW_SHIFT];
        op.out_bits = w[pf::OPW_OUT_BITS];
        op.group = w[pf::OPW_GROUP];
        op.gain = (int)w[pf::OPW_GAIN];
        op.rbits = w[pf::OPW_RBITS];
        op.seg_cols = w[pf::OPW_SEG_COLS];
        op.seg_align = w[pf::OPW_SEG_ALIGN];
        op.resident = false;
        op.has_bias = false;
        op.wbase = 0;
        op.bbase = 0;
        unsigned err = check_op<CONFIG_T>(st, op, w);
        if (err != pf::ERR_OK) return err;
        if (op.opcode == pf::OP_DENSE)
            total_need += (unsigned long long)((op.out_cols + ac - 1) / ac) *
                          packed_row_words(op.in_cols, st.bits);
    }

    // Place weights: all resident when they fit; otherwise (hybrid) the store's top
    // STREAM words per bank hold the two-chunk stream tile and ops go resident first-fit in
    // program order. Biases are always resident. The store keeps the image's packed 32-bit
    // weight words (bank j = neuron j of a column tile), so `need` counts those words.
    bool all_resident = CONFIG_T::weight_mode != 0 && total_need <= CONFIG_T::weight_depth;
    if (CONFIG_T::weight_mode == 1 && !all_resident) return pf::ERR_DIMS_EXCEED_MAX;
    const unsigned long long cap =
        all_resident ? CONFIG_T::weight_depth
                     : (CONFIG_T::weight_mode == 0 ? 0 : CONFIG_T::weight_depth - CONFIG_T::stream_words);
    st.stream_base = CONFIG_T::weight_depth - CONFIG_T::stream_words;
    unsigned long long wnext = 0;
    unsigned bnext = 0;
    st.resident_words = 0;
    st.streamed_words = 0;
    steps = 0;
PLACE:
    for (unsigned o = 0; o < st.num_ops; o++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
        steps++;
        op_rec &op = st.ops[o];
        if (op.opcode == pf::OP_DENSE) {
            unsigned tiles_c = (op.out_cols + ac - 1) / ac;
            unsigned long long rw = packed_row_words(op.in_cols, st.bits);
            unsigned long long need = (unsigned long long)tiles_c * rw;
            unsigned long long words = (unsigned long long)op.out_cols * rw;
            if (wnext + need <= cap) {
                op.resident = true;
                op.wbase = (unsigned)wnext;
                wnext += need;
                st.resident_words += words;
            } else {
                st.streamed_words += words;
            }
            if (op.b_off != pf::NO_BIAS) {
                if (bnext + tiles_c > CONFIG_T::bias_depth) return pf::ERR_DIMS_EXCEED_MAX;
                op.has_bias = true;
                op.bbase = bnext;
                bnext += tiles_c;
            }
        }
#if SM_SEU_C
        st.op_par[o] = op_parity(op);  // the record is final: seal it (no extra step)
#endif
    }
    st.w_used = (unsigned)wnext;
    st.b_used = bnext;
    cyc += loop_cycles<CONFIG_T>(steps);

    // Copy resident weights (row r of the op: bank r % AC, words wbase + (r / AC) * rw ..,
    // the image's packed words as they are) and biases (bank r % AC, address bbase + r / AC).
    // One linear burst per block: the rows of an op's weight block are contiguous.
    bool bias_range_ok = true;
COPY_OPS:
    for (unsigned o = 0; o < st.num_ops; o++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
        const op_rec &op = st.ops[o];
        if (op.opcode != pf::OP_DENSE) continue;
        const unsigned rw = (unsigned)packed_row_words(op.in_cols, st.bits);
        if (op.resident) {
            const unsigned long long first = (unsigned long long)st.data_base + op.w_off;
            const unsigned long long nw = (unsigned long long)op.out_cols * rw;
            if (!bb.prog(first, nw)) return pf::ERR_ADDR_RANGE;
            unsigned r = 0, p = 0, row_base = op.wbase;
            steps = 0;
        COPY_WEIGHTS:
            for (unsigned long long q = 0; q < nw; q++) {
#pragma HLS PIPELINE II = 1  // one image word, one bank write per step
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 262144
                steps++;
                wstore_write<CONFIG_T>(wstore, r % ac, row_base + p, word32<CONFIG_T>(prog, first + q));
                if (++p == rw) {
                    p = 0;
                    if ((++r % ac) == 0) row_base += rw;
                }
            }
            cyc += CONFIG_T::axi_latency + loop_cycles<CONFIG_T>(steps);
        }
        if (op.has_bias) {
            // One image word per step: an int32 bias is stored as it arrives; a wide bias
            // (int64, low word first) is held for one step and stored with its high word.
            const bool wide = st.bias_words == 2;
            const unsigned nw = op.out_cols * st.bias_words;
            ap_uint<32> low = 0;
            if (!bb.prog((unsigned long long)st.data_base + op.b_off, nw))
                return pf::ERR_ADDR_RANGE;
            steps = 0;
        COPY_BIAS:
            for (unsigned p = 0; p < nw; p++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 2048
                steps++;
                ap_uint<32> word =
                    word32<CONFIG_T>(prog, (unsigned long long)st.data_base + op.b_off + p);
                if (wide && !(p & 1u)) {
                    low = word;
                    continue;
                }
                unsigned r = wide ? p >> 1 : p;
                ap_int<64> b = wide ? ap_int<64>((word, low)) : ap_int<64>(ap_int<32>(word));
                // bias_t is the synthesized acc_bits wide (>= the program's): a bias beyond the
                // program's acc_bits could be cut, and the Python loader rejects it anyway
                // (its worst-case accumulator includes the bias), so BAD_FORMAT here too.
                ap_int<64> top = b >> (st.acc_bits - 1);
                if (top != 0 && top != -1) bias_range_ok = false;
                bias_write<CONFIG_T>(bstore, r % ac, op.bbase + r / ac, bias_t(b));
            }
            cyc += CONFIG_T::axi_latency + loop_cycles<CONFIG_T>(steps);
        }
    }
    if (!bias_range_ok) return pf::ERR_BAD_FORMAT;
    st.loaded = true;
    return pf::ERR_OK;
}

}  // namespace smacc

#endif  // SPACEMIMO_PROGRAM_LOADER_H
