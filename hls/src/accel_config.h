// spacemimo accelerator configuration: the CONFIG_T struct every kernel sees.
//
// The knob values are defaults from accel_defaults.h, generated from the named builds of
// spacemimo/spec/builds.yaml by `spacemimo gen` (the default build vx690t; perfmodel's PRESETS,
// HardwareLimits and docs/BUILDS.md come from the same file). Each is a macro with an #ifndef
// so a build overrides it with -D (the tests build other array sizes and widths that way;
// hls/Makefile passes CFG="-DSM_ARRAY_COLS=64 ..."). Axes: SM_ARRAY_ROWS = node_rows (graph
// nodes per tile), SM_ARRAY_COLS = out_lanes (output neurons per tile = weight banks).
//
// SM_WEIGHT_MODE 0: streamed (every DENSE tile fetched over m_axi, STREAM_K inputs at a time,
//                   into a two-chunk stream tile: the store is then just 2 chunks per bank)
//                1: resident (loaded on chip at LOAD_PROGRAM; a program that does not fit is
//                   rejected with DIMS_EXCEED_MAX)
//                2: hybrid (all resident if the program fits; otherwise the top 2 x STREAM_K
//                   words of every bank become the two-chunk stream tile and ops are placed
//                   resident first-fit in program order, the rest streamed) — one bitstream runs
//                   8-bit GSM fully resident and 16-bit GSM partly so
#ifndef SPACEMIMO_ACCEL_CONFIG_H
#define SPACEMIMO_ACCEL_CONFIG_H

#include "accel_defaults.h"
#include "ap_int.h"

// m_axi `depth` of each pointer, in bus beats: only co-simulation reads it (it copies that
// many beats from the testbench's buffer), so it must not exceed the testbench's buffers —
// hls/tcl/run_hls.tcl sets them from the vectors it co-simulates (tb_accel's buffer sizes).
#ifndef SM_AXI_DEPTH_PROGRAM
#define SM_AXI_DEPTH_PROGRAM 1024
#endif
#ifndef SM_AXI_DEPTH_INPUT
#define SM_AXI_DEPTH_INPUT 16
#endif
#ifndef SM_AXI_DEPTH_OUTPUT
#define SM_AXI_DEPTH_OUTPUT 16
#endif

struct accel_config {
    static const unsigned array_rows = SM_ARRAY_ROWS;
    static const unsigned array_cols = SM_ARRAY_COLS;
    static const unsigned drain_cols = SM_DRAIN_COLS;
    static const unsigned data_bits = SM_DATA_BITS;
    static const unsigned acc_bits = SM_ACC_BITS;
    static const unsigned act_bits = SM_DATA_BITS + 1;  // ReLU outputs are unsigned `bits`
    static const unsigned max_rows = SM_MAX_ROWS;
    static const unsigned max_cols = SM_MAX_COLS;
    static const unsigned num_buffers = SM_NUM_BUFFERS;
    static const unsigned max_ops = SM_MAX_OPS;
    static const unsigned weight_mode = SM_WEIGHT_MODE;
    static const unsigned stream_k = SM_STREAM_K;
    // The weight store keeps the image's packed 32-bit words (4 eight-bit or 2 sixteen-bit
    // weights each, the RTL's packing), so its depth is SM_WEIGHT_DEPTH store_bits-wide words
    // (builds.yaml's unit) in 32-bit words: the same bits.
    static const unsigned stream_half = SM_STREAM_K * SM_DATA_BITS / 32;  // one chunk, words
    static const unsigned stream_words = 2 * stream_half;  // the stream tile (2 chunks), words per bank
    static const unsigned weight_depth =
        (SM_WEIGHT_MODE == 0) ? stream_words : SM_WEIGHT_DEPTH * SM_DATA_BITS / 32;
    // Bias store entries per bank. One entry holds one bias at the accumulator width: an int32
    // word (acc_bits <= 32) or an int64 word pair (format v2 wide bias) both load into it.
    static const unsigned bias_depth = (SM_BIAS_WORDS + SM_ARRAY_COLS - 1) / SM_ARRAY_COLS;
    static const unsigned store_bits = SM_DATA_BITS;  // builds.yaml's weight_depth unit
    static const unsigned bus_width = SM_BUS_WIDTH;
    static const unsigned bus_words32 = SM_BUS_WIDTH / 32;  // program words per beat
    static const unsigned bus_words16 = SM_BUS_WIDTH / 16;  // int16 table elements per beat
    static const unsigned max_data_words = SM_MAX_DATA_WORDS;
    static const unsigned axi_latency = SM_AXI_LATENCY;
    static const unsigned pipe_depth = SM_PIPE_DEPTH;
    static const unsigned op_overhead = SM_OP_OVERHEAD;
    static const unsigned start_overhead = SM_START_OVERHEAD;
    // SEU protection (seu_protect.h) and the weight store's shape: BUS/32 sub-banks of 32-bit
    // words, or in a SECDED build BUS/64 (at least 1) sub-banks of 72-bit two-word rows
    static const unsigned seu_w = SM_SEU_W, seu_a = SM_SEU_A, seu_c = SM_SEU_C;
    static const bool scrub = SM_SCRUB != 0;
    static const unsigned wstore_words = SM_SEU_W == 2 ? 2 : 1;  // 32-bit words per entry
    static const unsigned wstore_subs =
        SM_SEU_W == 2 ? (SM_BUS_WIDTH >= 128 ? SM_BUS_WIDTH / 64 : 1) : SM_BUS_WIDTH / 32;
    static const unsigned wstore_entries = (weight_depth + wstore_words - 1) / wstore_words;
    static const unsigned wstore_rows = (wstore_entries + wstore_subs - 1) / wstore_subs;
};

static_assert(SM_DATA_BITS == 8 || SM_DATA_BITS == 16, "SM_DATA_BITS must be 8 or 16");
static_assert(SM_BUS_WIDTH % 32 == 0 && SM_BUS_WIDTH >= 32 && SM_BUS_WIDTH <= 1024,
              "SM_BUS_WIDTH: a multiple of 32 bits up to 1024");
static_assert((SM_ARRAY_ROWS & (SM_ARRAY_ROWS - 1)) == 0 && (SM_ARRAY_COLS & (SM_ARRAY_COLS - 1)) == 0,
              "array sizes are powers of two (HW_CONFIG reports their log2)");
static_assert(SM_DRAIN_COLS >= 1 && SM_DRAIN_COLS <= SM_ARRAY_COLS &&
                  SM_ARRAY_COLS % SM_DRAIN_COLS == 0 && SM_MAX_COLS % SM_DRAIN_COLS == 0,
              "SM_DRAIN_COLS divides ARRAY_COLS and MAX_COLS");
static_assert(SM_MAX_ROWS <= 255 && SM_MAX_COLS % 64 == 0 && SM_MAX_COLS / 64 <= 255,
              "HW_CONFIG encodes MAX_ROWS in 8 bits and MAX_COLS/64 in 8 bits");
static_assert(SM_NUM_BUFFERS >= 2 && SM_NUM_BUFFERS <= 15, "NUM_BUFFERS in 2..15");
static_assert(SM_WEIGHT_MODE != 2 || SM_WEIGHT_DEPTH > 2 * SM_STREAM_K,
              "hybrid: the store must hold the 2 x STREAM_K streaming tile and more");
static_assert((SM_WEIGHT_DEPTH * SM_DATA_BITS) % 32 == 0,
              "SM_WEIGHT_DEPTH x SM_DATA_BITS: whole 32-bit store words");
static_assert(SM_STREAM_K % 4 == 0 && SM_STREAM_K >= 4, "SM_STREAM_K: a multiple of 4 lanes");
static_assert(SM_ACC_BITS >= 32 && SM_ACC_BITS <= 64, "SM_ACC_BITS in 32..64");
static_assert(SM_SEU_W == 0 || SM_SEU_W == 2, "SM_SEU_W: 0 none or 2 SECDED");
static_assert(SM_SEU_A <= 2 && SM_SEU_C <= 1, "SM_SEU_A 0..2 (none/parity/SECDED), SM_SEU_C 0..1");
static_assert(!SM_SCRUB || SM_SEU_W == 2, "SM_SCRUB needs SM_SEU_W 2 (it corrects with the weight code)");

// Data types every kernel shares.
typedef ap_int<accel_config::act_bits> act_t;     // activation buffer word
typedef ap_int<accel_config::data_bits> weight_t;  // one weight
typedef ap_uint<32> wstore_t;  // one store word: a packed 32-bit image word

// The weight store (SM_WSTORE, seu_protect.h): ARRAY_COLS banks (bank j = neuron j of a
// column tile), each split into BUS/32 sub-banks holding consecutive words in turn, so a
// streamed fetch writes a whole bus beat (BUS/32 consecutive words of one row) into one bank
// per step, one word per sub-bank (SECDED builds: BUS/64 sub-banks of two-word rows).
typedef ap_int<accel_config::acc_bits> acc_t;     // accumulator
// One resident bias. As wide as the accumulator it presets, not 64 bits: a program's biases
// fit its acc_bits (<= the synthesized acc_bits, else DIMS_EXCEED_MAX) — the loader rejects
// an int64 bias beyond that — so an int64 bias narrows to this exactly and a 48-bit build
// keeps 48-bit entries (an 8-bit-only build 32-bit ones).
typedef ap_int<accel_config::acc_bits> bias_t;
typedef ap_uint<accel_config::bus_width> bus_t;   // one m_axi beat

#endif  // SPACEMIMO_ACCEL_CONFIG_H
