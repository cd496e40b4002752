// generated from spacemimo/spec/builds.yaml by `spacemimo gen` — do not edit
// The HLS kernel's default build, vx690t: the default: one bitstream, 8-bit GSM resident, 16-bit GSM hybrid, 64-bit bus as the paper; store 256 banks x 8192 x 16 bit = 1,024 RAMB36 of 1,470
// Any macro can be overridden with -D (hls/Makefile CFG=...; perfmodel's
// ArrayConfig.cflags() gives the flags of a named build). accel_config.h uses them.
#ifndef SPACEMIMO_ACCEL_DEFAULTS_H
#define SPACEMIMO_ACCEL_DEFAULTS_H

#ifndef SM_ARRAY_ROWS
#define SM_ARRAY_ROWS 4  // node_rows: graph nodes per tile
#endif
#ifndef SM_ARRAY_COLS
#define SM_ARRAY_COLS 256  // out_lanes: output neurons per tile = weight banks read per cycle
#endif
#ifndef SM_DRAIN_COLS
#define SM_DRAIN_COLS 32  // activation-buffer column banks: outputs drained per cycle
#endif
#ifndef SM_DATA_BITS
#define SM_DATA_BITS 16  // widest program the build accepts (8 or 16); buffers hold +1 bit
#endif
#ifndef SM_ACC_BITS
#define SM_ACC_BITS 48  // accumulator bits; programs declaring more are rejected
#endif
#ifndef SM_MAX_ROWS
#define SM_MAX_ROWS 64  // table rows per activation buffer
#endif
#ifndef SM_MAX_COLS
#define SM_MAX_COLS 1024  // table columns per activation buffer
#endif
#ifndef SM_NUM_BUFFERS
#define SM_NUM_BUFFERS 4  // activation buffers
#endif
#ifndef SM_MAX_OPS
#define SM_MAX_OPS 64  // op records the loader holds
#endif
#ifndef SM_WEIGHT_MODE
#define SM_WEIGHT_MODE 2  // 0 streamed, 1 resident, 2 hybrid (accel_config.h)
#endif
#ifndef SM_WEIGHT_DEPTH
#define SM_WEIGHT_DEPTH 8192  // resident weight words per bank
#endif
#ifndef SM_BIAS_WORDS
#define SM_BIAS_WORDS 16384  // biases kept on chip (entries of SM_ACC_BITS; always resident)
#endif
#ifndef SM_STREAM_K
#define SM_STREAM_K 128  // inputs per streamed weight chunk (ping-pong tile = 2 x this per bank)
#endif
#ifndef SM_BUS_WIDTH
#define SM_BUS_WIDTH 64  // m_axi data width in bits
#endif
#ifndef SM_MAX_DATA_WORDS
#define SM_MAX_DATA_WORDS 4194304  // data segment bound in 32-bit words (HardwareLimits.max_weight_words)
#endif
#ifndef SM_AXI_LATENCY
#define SM_AXI_LATENCY 32  // cycle model: m_axi read request to its first beat
#endif
#ifndef SM_PIPE_DEPTH
#define SM_PIPE_DEPTH 8  // cycle model: BRAM read + multiply + accumulate + requantize stages
#endif
#ifndef SM_OP_OVERHEAD
#define SM_OP_OVERHEAD 4  // cycle model: FSM fetch and decode of one op record
#endif
#ifndef SM_START_OVERHEAD
#define SM_START_OVERHEAD 8  // cycle model: ap_start handshake and register reads
#endif
#ifndef SM_SEU_W
#define SM_SEU_W 0  // seu_weights: 0 none, 2 SECDED weight rows (64+8) and biases (seu_protect.h)
#endif
#ifndef SM_SEU_A
#define SM_SEU_A 0  // seu_acts: activation buffers 0 none, 1 parity, 2 SECDED per value
#endif
#ifndef SM_SEU_C
#define SM_SEU_C 0  // seu_ctrl: 0 none, 1 interleaved parity on op records and header fields
#endif
#ifndef SM_SCRUB
#define SM_SCRUB 0  // scrub: 1 scrub resident weight/bias rows between vectors (SCRUB_PERIOD)
#endif

#endif  // SPACEMIMO_ACCEL_DEFAULTS_H
