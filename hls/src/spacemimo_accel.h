// spacemimo accelerator: top-level interface and the decoded-program state the FSM walks.
#ifndef SPACEMIMO_ACCEL_H
#define SPACEMIMO_ACCEL_H

#include "accel_config.h"
#include "program_format.h"
#include "regmap.h"

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
    unsigned stream_base;  // store word where the streaming ping-pong tile starts
    op_rec ops[accel_config::max_ops];
};

// HW_CONFIG register value: the synthesized maxima (board/regmap.yaml).
constexpr unsigned log2_const(unsigned v) { return v <= 1 ? 0 : 1 + log2_const(v / 2); }
constexpr unsigned hw_config_value() {
    return (accel_config::max_rows & 0xFFu) | ((accel_config::max_cols / 64) << 8) |
           (accel_config::num_buffers << 16) | (log2_const(accel_config::array_rows) << 20) |
           (log2_const(accel_config::array_cols) << 24) |
           ((accel_config::data_bits >= 16 ? 1u : 0u) << 28);
}

}  // namespace smacc

// Top function. Pointers are m_axi masters whose base addresses are the PROGRAM/INPUT/OUTPUT
// registers; scalars and outputs are s_axilite registers at the offsets of regmap.h.
void spacemimo_accel(const bus_t *program, const bus_t *input, bus_t *output,
                     unsigned num_vectors, unsigned mode, unsigned *status,
                     unsigned long long *cycles, unsigned *hw_id, unsigned *hw_config);

#endif  // SPACEMIMO_ACCEL_H
