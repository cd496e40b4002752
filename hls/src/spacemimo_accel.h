// spacemimo accelerator: top-level interface and the decoded-program state the FSM walks.
#ifndef SPACEMIMO_ACCEL_H
#define SPACEMIMO_ACCEL_H

#include "accel_config.h"
#include "program_format.h"
#include "regmap.h"
#include "seu_protect.h"

namespace smacc {

namespace pf = program_format;

// One op record after validation (quant/PROGRAM.md "Op record"), plus where its weights live.
struct op_rec {
    unsigned opcode, flags;
    unsigned src_buf, src_off, dst_buf, dst_off;
    unsigned rows, in_cols, out_cols;
    unsigned w_off, b_off;  // DENSE: data-word offsets; TAYLOR: second buffer and column
    int shift;
    unsigned out_bits, group;  // group: AGGREGATE/TAYLOR row-group size K
    int gain;
    unsigned rbits;
    // DENSE (format v2; the same words as group and gain): input segment width (0: one
    // segment) and the 4-bit left alignment of segment s in bits [4s, 4s + 4).
    unsigned seg_cols, seg_align;
    bool resident;      // DENSE weights in the on-chip store (else streamed per tile)
    unsigned wbase;     // DENSE resident: first store word of the op in every bank
    unsigned bbase;     // DENSE with bias: first bias-store word in every bank
    bool has_bias;
};

// Program header fields the run loop needs, and the op table.
struct prog_state {
    bool loaded;
    unsigned bits, acc_bits, num_ops, data_words, num_buffers;
    unsigned bias_words;  // image words per DENSE bias: 1 (int32), 2 when acc_bits > 32 (int64)
    unsigned data_base;  // image word index of the data segment (w_off/b_off count from it)
    unsigned in_buf, in_rows, in_cols, out_buf, out_rows, out_cols;
    unsigned long long resident_words, streamed_words;  // weight words by placement
    unsigned stream_base;  // store word where the two-chunk stream tile starts
    unsigned w_used, b_used;  // resident store words / bias entries per bank in use (scrubbed)
    op_rec ops[accel_config::max_ops];
    // SM_SEU_C: interleaved parity of the header fields above and of every op record (with
    // its placement), set at LOAD_PROGRAM and checked whenever the run loop reads them
    ap_uint<8> hdr_par;
    ap_uint<8> op_par[accel_config::max_ops];
};

// An op record as 32-bit words (the 18 fields of the image's 16 op words + the placement),
// the unit its parity covers.
const unsigned OP_REC_WORDS = 22;
typedef ap_uint<32 * OP_REC_WORDS> op_bits_t;

inline op_bits_t op_bits(const op_rec &op) {
#pragma HLS INLINE
    const unsigned w[OP_REC_WORDS] = {
        op.opcode, op.flags, op.src_buf, op.src_off, op.dst_buf, op.dst_off, op.rows,
        op.in_cols, op.out_cols, op.w_off, op.b_off, (unsigned)op.shift, op.out_bits, op.group,
        (unsigned)op.gain, op.rbits, op.seg_cols, op.seg_align, (unsigned)op.resident, op.wbase,
        op.bbase, (unsigned)op.has_bias};
    op_bits_t b = 0;
OP_BITS:
    for (unsigned i = 0; i < OP_REC_WORDS; i++) b.range(32 * i + 31, 32 * i) = w[i];
    return b;
}

// The header fields the run loop reads, as 32-bit words.
const unsigned HDR_REC_WORDS = 17;
typedef ap_uint<32 * HDR_REC_WORDS> hdr_bits_t;

inline hdr_bits_t header_bits(const prog_state &st) {
#pragma HLS INLINE
    const unsigned w[HDR_REC_WORDS] = {
        (unsigned)st.loaded, st.bits, st.acc_bits, st.num_ops, st.data_words, st.num_buffers,
        st.bias_words, st.data_base, st.in_buf, st.in_rows, st.in_cols, st.out_buf,
        st.out_rows, st.out_cols, st.stream_base, st.w_used, st.b_used};
    hdr_bits_t b = 0;
HDR_BITS:
    for (unsigned i = 0; i < HDR_REC_WORDS; i++) b.range(32 * i + 31, 32 * i) = w[i];
    return b;
}

#if SM_SEU_C
inline ap_uint<8> op_parity(const op_rec &op) {
#pragma HLS INLINE
    return sm_ecc::iparity<32 * OP_REC_WORDS>(op_bits(op));
}
inline ap_uint<8> header_parity(const prog_state &st) {
#pragma HLS INLINE
    return sm_ecc::iparity<32 * HDR_REC_WORDS>(header_bits(st));
}
#endif

// PROGRAM.md "Bounds" rule 3 for the m_axi ports: each buffer's size register as the whole
// bus beats inside it (buffer bases are beat-aligned; a burst moves whole beats, so one beat
// straddling the end would touch memory past the buffer), and one fault flag shared by all
// ports. Every burst's beat range is checked before the burst is issued; one outside its
// buffer is not issued, sets `fault`, and from then on no burst passes, so the run ends with
// ERR_ADDR_RANGE and no further bus access.
struct bus_bounds {
    unsigned long long prog_beats;  // PROGRAM_SIZE / bus bytes
    unsigned long long in_beats;    // INPUT_SIZE / bus bytes
    unsigned long long out_beats;   // OUTPUT_SIZE / bus bytes
    bool fault;
    // elements [first, first + count), `per_beat` of them per beat: all their beats inside
    bool span(unsigned long long first, unsigned long long count, unsigned per_beat,
              unsigned long long beats) {
#pragma HLS INLINE
        bool ok = !fault && (count == 0 || (first + count - 1) / per_beat < beats);
        if (!ok) fault = true;
        return ok;
    }
    bool prog(unsigned long long first_word, unsigned long long words) {
#pragma HLS INLINE
        return span(first_word, words, accel_config::bus_words32, prog_beats);
    }
    bool in(unsigned long long first_elem, unsigned long long elems) {
#pragma HLS INLINE
        return span(first_elem, elems, accel_config::bus_words16, in_beats);
    }
    bool out(unsigned long long first_elem, unsigned long long elems) {
#pragma HLS INLINE
        return span(first_elem, elems, accel_config::bus_words16, out_beats);
    }
};

// HW_CONFIG register value: the synthesized maxima, at the field positions of the register
// map (spacemimo/spec/regmap.yaml via regmap.h), one meaning per field in both back ends:
// LOG2_OUT_LANES = log2(array_cols), LOG2_NODE_ROWS = log2(array_rows).
constexpr unsigned log2_const(unsigned v) { return v <= 1 ? 0 : 1 + log2_const(v / 2); }
constexpr unsigned hw_config_value() {
    return ((accel_config::max_rows & 0xFFu) << regmap::HW_CONFIG_MAX_ROWS_BIT) |
           ((accel_config::max_cols / 64) << regmap::HW_CONFIG_MAX_COLS_DIV64_BIT) |
           (accel_config::num_buffers << regmap::HW_CONFIG_NUM_BUFFERS_BIT) |
           (log2_const(accel_config::array_cols) << regmap::HW_CONFIG_LOG2_OUT_LANES_BIT) |
           (log2_const(accel_config::array_rows) << regmap::HW_CONFIG_LOG2_NODE_ROWS_BIT) |
           ((accel_config::data_bits >= 16 ? 1u : 0u) << regmap::HW_CONFIG_DATA_16_BIT);
}

// HW_WEIGHTS: this kernel streams over its program port (gmem0), so it has no dedicated
// weight ports (WGT_PORTS 0); PLACEMENT 1 resident / 2 streamed / 3 hybrid from
// SM_WEIGHT_MODE (0 streamed, 1 resident, 2 hybrid); WMEM_DEPTH its resident 32-bit words
// per bank (0 when nothing is resident).
constexpr unsigned hw_weights_value() {
    return ((accel_config::weight_mode == 0 ? 0u : accel_config::weight_depth)
            << regmap::HW_WEIGHTS_WMEM_DEPTH_BIT) |
           ((accel_config::weight_mode == 0 ? 2u : accel_config::weight_mode == 1 ? 1u : 3u)
            << regmap::HW_WEIGHTS_PLACEMENT_BIT);
}

// HW_PROTECT: this build's SEU protection (0 none, 1 parity, 2 SECDED; SCRUB 1 = scrubber).
constexpr unsigned hw_protect_value() {
    return (accel_config::seu_w << regmap::HW_PROTECT_WEIGHTS_BIT) |
           (accel_config::seu_a << regmap::HW_PROTECT_ACTS_BIT) |
           (accel_config::seu_c << regmap::HW_PROTECT_CTRL_BIT) |
           ((accel_config::scrub ? 1u : 0u) << regmap::HW_PROTECT_SCRUB_BIT);
}

}  // namespace smacc

// Top function. Pointers are m_axi masters whose base addresses are the PROGRAM/INPUT/OUTPUT
// registers; scalars and outputs are s_axilite registers at the offsets of regmap.h. The
// *_size scalars are the PROGRAM_SIZE / INPUT_SIZE / OUTPUT_SIZE registers (bytes): no access
// leaves them (PROGRAM.md "Bounds"). ABORT (0x80) has no port: an ap_ctrl_hs kernel cannot
// be interrupted, so the Vitis IP ignores writes there (the RTL implements it).
// SEU registers (hls/README.md "SEU protection"): SEU_STATUS / SEU_CORRECTED /
// SEU_UNCORRECTABLE / HW_PROTECT are written when the run ends (Vitis outputs); SCRUB_PERIOD
// and SEU_CLEAR are read when it starts (SEU_CLEAR bit 0 set at a start clears the counters
// and SEU_STATUS first: an ap_ctrl_hs kernel sees its registers only while it runs).
// CYCLES (0x4C) is a clock count and STEPS (0xC0) the kernel's counted loop steps
// (cycle_counter.h); in C-sim both are the counted steps.
void spacemimo_accel(const bus_t *program, const bus_t *input, bus_t *output,
                     unsigned num_vectors, unsigned mode, unsigned *status,
                     unsigned long long *cycles, unsigned *hw_id, unsigned *hw_config,
                     unsigned *hw_weights,
                     unsigned program_size, unsigned input_size, unsigned output_size,
                     unsigned *seu_status, unsigned *seu_corrected, unsigned *seu_uncorrectable,
                     unsigned scrub_period, unsigned *hw_protect, unsigned seu_clear,
                     unsigned long long *steps);

#ifndef __SYNTHESIS__
// C-sim only (not part of the IP): CYCLES of the last vector of the last run, split per op
// (ops[0 .. n-1], n returned; ops must hold MAX_OPS) and io[0] = input load, io[1] = output
// store, as the kernel's loops counted them.
unsigned spacemimo_csim_op_cycles(unsigned long long *ops, unsigned long long *io);

// C-sim only: fault injection. Flip `n` adjacent stored bits from `bit` up in one memory just
// before op `op` of vector `vec` of the next run that reaches it (once). target / a, b, c:
//   "weights" bank a, store word b (bits of its stored row: 72 in a SECDED build, else 32)
//   "bias"    bank a, entry b      "acts" buffer a, row b, column c (bits of the stored word)
//   "optable" op a, field word b (0..21, spacemimo_accel.h op_bits)   "header" field word a
// Up to 4 may be pending (flips at one point: a multi-bit upset). Returns false for an
// unknown target or when 4 are pending.
bool spacemimo_csim_inject(const char *target, unsigned vec, unsigned op, unsigned a,
                           unsigned b, unsigned c, unsigned bit, unsigned n);
#endif

#endif  // SPACEMIMO_ACCEL_H
