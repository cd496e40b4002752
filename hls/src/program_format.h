// generated from quant/program.py by `spacemimo gen` — do not edit
// Meaning of every field: quant/PROGRAM.md.
#ifndef SPACEMIMO_PROGRAM_FORMAT_H
#define SPACEMIMO_PROGRAM_FORMAT_H

#include <cstdint>

namespace program_format {

// constants
constexpr uint32_t PROGRAM_MAGIC = 0x47504D53u;  // "SMPG" in memory order
constexpr uint32_t PROGRAM_VERSION = 3u;  // format version this build reads
constexpr uint32_t HEADER_WORDS = 16u;  // 32-bit words in the header
constexpr uint32_t OP_WORDS = 16u;  // 32-bit words per op record
constexpr uint32_t NO_BIAS = 0xFFFFFFFFu;  // b_off value of a DENSE without bias
constexpr uint32_t MAX_SEGMENTS = 8u;  // DENSE input segments per op
constexpr uint32_t SEG_ALIGN_BITS = 4u;  // bits per segment field of seg_align
constexpr uint32_t SEG_ALIGN_MAX = 15u;  // largest segment alignment (8-bit programs)
constexpr uint32_t SEG_ALIGN_MAX_16 = 8u;  // largest segment alignment of 16-bit programs
constexpr uint32_t WIDE_BIAS_ABOVE = 32u;  // acc_bits above this: int64 biases (2 words)
constexpr int32_t SHIFT_MIN = -31;  // smallest requantization shift (left shift by 31)
constexpr uint32_t SHIFT_MAX = 62u;  // largest requantization shift
constexpr uint32_t ACC_BITS_MAX_8 = 32u;  // widest accumulator of an 8-bit program
constexpr uint32_t ACC_BITS_MAX_16 = 48u;  // widest accumulator of a 16-bit program
constexpr uint32_t FLAG_AGG_MODE_SHIFT = 4u;  // AGG_MODE = (flags & FLAG_AGG_MODE) >> FLAG_AGG_MODE_SHIFT
constexpr uint32_t FLAGS_DEFINED = 127u;  // other flag bits must be 0
constexpr uint32_t DEFAULT_MAX_ROWS = 64u;  // HardwareLimits() default
constexpr uint32_t DEFAULT_MAX_COLS = 1024u;  // HardwareLimits() default
constexpr uint32_t DEFAULT_NUM_BUFFERS = 4u;  // HardwareLimits() default
constexpr uint32_t DEFAULT_MAX_WEIGHT_WORDS = 0x00400000u;  // HardwareLimits() default

// opcodes
constexpr uint32_t OP_DENSE = 1u;
constexpr uint32_t OP_AGGREGATE = 2u;
constexpr uint32_t OP_NORM = 3u;
constexpr uint32_t OP_TAYLOR = 4u;

// flag bit masks
constexpr uint32_t FLAG_RELU = 1u;
constexpr uint32_t FLAG_OUT_SIGNED = 2u;
constexpr uint32_t FLAG_NARROW = 4u;
constexpr uint32_t FLAG_EXCLUDE_SELF = 8u;
constexpr uint32_t FLAG_AGG_MODE = 48u;
constexpr uint32_t FLAG_AGG_AXIS = 64u;

// AGG_MODE values
constexpr uint32_t AGG_MAX = 0u;
constexpr uint32_t AGG_SUM = 1u;

// header word indices
constexpr uint32_t HDR_MAGIC = 0u;
constexpr uint32_t HDR_VERSION = 1u;
constexpr uint32_t HDR_NUM_OPS = 2u;
constexpr uint32_t HDR_DATA_WORDS = 3u;
constexpr uint32_t HDR_BITS = 4u;
constexpr uint32_t HDR_ACC_BITS = 5u;
constexpr uint32_t HDR_IN_BUF = 6u;
constexpr uint32_t HDR_IN_ROWS = 7u;
constexpr uint32_t HDR_IN_COLS = 8u;
constexpr uint32_t HDR_IN_FRAC = 9u;
constexpr uint32_t HDR_OUT_BUF = 10u;
constexpr uint32_t HDR_OUT_ROWS = 11u;
constexpr uint32_t HDR_OUT_COLS = 12u;
constexpr uint32_t HDR_OUT_FRAC = 13u;
constexpr uint32_t HDR_NUM_BUFFERS = 14u;
constexpr uint32_t HDR_CHECKSUM = 15u;

// op record word indices
constexpr uint32_t OPW_OPCODE = 0u;
constexpr uint32_t OPW_FLAGS = 1u;
constexpr uint32_t OPW_SRC_BUF = 2u;
constexpr uint32_t OPW_SRC_OFF = 3u;
constexpr uint32_t OPW_DST_BUF = 4u;
constexpr uint32_t OPW_DST_OFF = 5u;
constexpr uint32_t OPW_ROWS = 6u;
constexpr uint32_t OPW_IN_COLS = 7u;
constexpr uint32_t OPW_OUT_COLS = 8u;
constexpr uint32_t OPW_W_OFF = 9u;
constexpr uint32_t OPW_B_OFF = 10u;
constexpr uint32_t OPW_SHIFT = 11u;
constexpr uint32_t OPW_OUT_BITS = 12u;
constexpr uint32_t OPW_GROUP = 13u;
constexpr uint32_t OPW_GAIN = 14u;
constexpr uint32_t OPW_RBITS = 15u;
constexpr uint32_t OPW_SEG_COLS = 13u;  // DENSE
constexpr uint32_t OPW_SEG_ALIGN = 14u;  // DENSE

// op words that must be 0, bit i = word i
constexpr uint32_t OP_UNUSED_MASK_DENSE = 32768u;
constexpr uint32_t OP_UNUSED_MASK_AGGREGATE = 50688u;
constexpr uint32_t OP_UNUSED_MASK_NORM = 11776u;
constexpr uint32_t OP_UNUSED_MASK_TAYLOR = 32768u;

// error codes (STATUS register)
constexpr uint32_t ERR_OK = 0u;
constexpr uint32_t ERR_BAD_MAGIC = 1u;
constexpr uint32_t ERR_BAD_VERSION = 2u;
constexpr uint32_t ERR_BAD_CHECKSUM = 3u;
constexpr uint32_t ERR_BAD_OPCODE = 4u;
constexpr uint32_t ERR_DIMS_EXCEED_MAX = 5u;
constexpr uint32_t ERR_BAD_FORMAT = 6u;
constexpr uint32_t ERR_BUS_ERROR = 7u;
constexpr uint32_t ERR_TIMEOUT = 8u;
constexpr uint32_t ERR_ADDR_RANGE = 9u;
constexpr uint32_t ERR_ABORTED = 10u;
constexpr uint32_t ERR_SEU_DETECTED = 11u;

}  // namespace program_format

#endif  // SPACEMIMO_PROGRAM_FORMAT_H
