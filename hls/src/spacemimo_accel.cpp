// spacemimo accelerator — top function and the FSM that walks the program.
//
//   IDLE --ap_start--> [LOAD_PROGRAM: fetch, check, place, copy weights] --> per vector:
//   LOAD_INPUT (ping-pong input buffer) --> op 0 .. op num_ops-1 (DENSE | AGGREGATE | NORM |
//   TAYLOR, each reading/writing column windows of the on-chip buffers) --> STORE_OUTPUT
//   --> DONE (STATUS = error code, CYCLES = cycle model)
//
// The program is data: a new network or new sizes within the synthesized maxima need no new
// bitstream. Any check that fails ends the run with an error code (quant/PROGRAM.md).
#include "spacemimo_accel.h"

#include "aggregate.h"
#include "cycle_model.h"
#include "dense_tile.h"
#include "norm.h"
#include "program_loader.h"
#include "taylor.h"

#ifndef __SYNTHESIS__
#include <cstdio>
#include <cstdlib>
#endif

namespace smacc {

typedef accel_config CFG;

#ifndef __SYNTHESIS__
// C-sim only: with SM_TRACE_DIR set, append every op's output window (int32, rows x
// out_cols per vector) to $SM_TRACE_DIR/op_NNN.bin — the layout of the golden model's
// trace/op_NNN.bin, so `cmp`/numpy finds the first differing layer.
static void trace_op(unsigned o, const op_rec &op,
                     act_t buf[CFG::num_buffers + 1][CFG::max_rows][CFG::max_cols], unsigned db) {
    const char *dir = std::getenv("SM_TRACE_DIR");
    if (!dir) return;
    char path[4096];
    std::snprintf(path, sizeof path, "%s/op_%03u.bin", dir, o);
    FILE *f = std::fopen(path, "ab");
    if (!f) return;
    for (unsigned r = 0; r < op.rows; r++)
        for (unsigned c = 0; c < op.out_cols; c++) {
            int v = (int)buf[db][r][op.dst_off + c];
            std::fwrite(&v, 4, 1, f);
        }
    std::fclose(f);
}
#endif

// The s_axilite offsets in the pragmas below must be literals; these checks tie them to the
// generated register map (board/regmap.yaml -> hls/src/regmap.h).
static_assert(regmap::PROGRAM_ADDR_LO == 0x10, "regmap: PROGRAM_ADDR moved; update pragmas");
static_assert(regmap::INPUT_ADDR_LO == 0x1C, "regmap: INPUT_ADDR moved; update pragmas");
static_assert(regmap::OUTPUT_ADDR_LO == 0x28, "regmap: OUTPUT_ADDR moved; update pragmas");
static_assert(regmap::NUM_VECTORS == 0x34, "regmap: NUM_VECTORS moved; update pragmas");
static_assert(regmap::MODE == 0x3C, "regmap: MODE moved; update pragmas");
static_assert(regmap::STATUS == 0x44, "regmap: STATUS moved; update pragmas");
static_assert(regmap::CYCLES_LO == 0x4C, "regmap: CYCLES moved; update pragmas");
static_assert(regmap::HW_ID == 0x58, "regmap: HW_ID moved; update pragmas");
static_assert(regmap::HW_CONFIG == 0x60, "regmap: HW_CONFIG moved; update pragmas");
static_assert(regmap::PROGRAM_SIZE == 0x68, "regmap: PROGRAM_SIZE moved; update pragmas");
static_assert(regmap::INPUT_SIZE == 0x70, "regmap: INPUT_SIZE moved; update pragmas");
static_assert(regmap::OUTPUT_SIZE == 0x78, "regmap: OUTPUT_SIZE moved; update pragmas");

// Input table of vector v (int16, row-major) into buffer `b` at column 0; the table's range
// is checked against INPUT_SIZE before the burst (nothing is read when it is outside).
template <class CONFIG_T>
void load_input(const bus_t *input, bus_bounds &bb, unsigned v, unsigned rows, unsigned cols,
                act_t buf[CONFIG_T::num_buffers + 1][CONFIG_T::max_rows][CONFIG_T::max_cols],
                unsigned b) {
    const unsigned long long first = (unsigned long long)v * rows * cols;
    bus_t beat = 0;
    unsigned long long have = ~0ull;
    if (!bb.in(first, (unsigned long long)rows * cols)) return;
LOAD_ROWS:
    for (unsigned r = 0; r < rows; r++) {
    LOAD_COLS:
        for (unsigned c = 0; c < cols; c++) {
#pragma HLS PIPELINE II = 1
            unsigned long long e = first + (unsigned long long)r * cols + c;
            unsigned long long idx = e / CONFIG_T::bus_words16;
            if (idx != have) {
                beat = input[idx];
                have = idx;
            }
            unsigned lane = (unsigned)(e % CONFIG_T::bus_words16);
            buf[b][r][c] = act_t((ap_int<16>)beat.range(16 * lane + 15, 16 * lane));
        }
    }
}

// Output table of vector v from buffer `b` (int16, sign-extended). Beats are written whole;
// the last beat of the whole run is read-modify-written so nothing past the table changes.
// The table's range is checked against OUTPUT_SIZE first (nothing is written when outside).
template <class CONFIG_T>
void store_output(bus_t *output, bus_bounds &bb, unsigned v, unsigned n, unsigned rows,
                  unsigned cols,
                  act_t buf[CONFIG_T::num_buffers + 1][CONFIG_T::max_rows][CONFIG_T::max_cols],
                  unsigned b, bus_t &pending, unsigned long long &pending_idx) {
    const unsigned long long per = (unsigned long long)rows * cols;
    const unsigned long long total = (unsigned long long)n * per;
    const unsigned long long last_idx = (total - 1) / CONFIG_T::bus_words16;
    if (!bb.out((unsigned long long)v * per, per)) return;
STORE_ROWS:
    for (unsigned r = 0; r < rows; r++) {
    STORE_COLS:
        for (unsigned c = 0; c < cols; c++) {
#pragma HLS PIPELINE II = 1
            unsigned long long e = (unsigned long long)v * per + (unsigned long long)r * cols + c;
            unsigned long long idx = e / CONFIG_T::bus_words16;
            if (idx != pending_idx) {
                if (pending_idx != ~0ull) output[pending_idx] = pending;
                pending = (idx == last_idx && (total % CONFIG_T::bus_words16) != 0) ? output[idx]
                                                                                    : bus_t(0);
                pending_idx = idx;
            }
            unsigned lane = (unsigned)(e % CONFIG_T::bus_words16);
            pending.range(16 * lane + 15, 16 * lane) = (ap_uint<16>)(ap_int<16>)buf[b][r][c];
        }
    }
}

// Modelled cycles of one pass over the op table (data independent).
template <class CONFIG_T>
cycles_t program_cycles(const prog_state &st) {
    typedef cycle_model<CONFIG_T> cm;
    cycles_t c = 0;
    for (unsigned o = 0; o < st.num_ops; o++) {
        const op_rec &op = st.ops[o];
        c += CONFIG_T::op_overhead;
        if (op.opcode == pf::OP_DENSE)
            c += cm::dense(op.rows, op.in_cols, op.out_cols, st.bits, !op.resident);
        else if (op.opcode == pf::OP_AGGREGATE)
            c += cm::aggregate(op.rows, op.in_cols);
        else if (op.opcode == pf::OP_NORM)
            c += cm::norm(op.rows, op.in_cols);
        else
            c += cm::taylor(op.rows, op.in_cols, op.group);
    }
    return c;
}

}  // namespace smacc

using namespace smacc;

void spacemimo_accel(const bus_t *program, const bus_t *input, bus_t *output,
                     unsigned num_vectors, unsigned mode, unsigned *status,
                     unsigned long long *cycles, unsigned *hw_id, unsigned *hw_config,
                     unsigned program_size, unsigned input_size, unsigned output_size) {
    // m_axi data ports; base addresses are the *_ADDR registers (offset=slave).
#pragma HLS INTERFACE mode = m_axi port = program offset = slave bundle = gmem0 max_read_burst_length = 256 depth = 2097152
#pragma HLS INTERFACE mode = m_axi port = input offset = slave bundle = gmem1 depth = 4096
#pragma HLS INTERFACE mode = m_axi port = output offset = slave bundle = gmem1 depth = 4096
#pragma HLS INTERFACE mode = s_axilite port = program offset = 0x10 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = input offset = 0x1C bundle = control
#pragma HLS INTERFACE mode = s_axilite port = output offset = 0x28 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = num_vectors offset = 0x34 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = mode offset = 0x3C bundle = control
#pragma HLS INTERFACE mode = s_axilite port = status offset = 0x44 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = cycles offset = 0x4C bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_id offset = 0x58 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_config offset = 0x60 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = program_size offset = 0x68 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = input_size offset = 0x70 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = output_size offset = 0x78 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = return bundle = control  // ap_ctrl_hs at 0x00
#pragma HLS INTERFACE mode = ap_ctrl_hs port = return

    // Persistent on-chip state: survives between runs so MODE.LOAD_PROGRAM = 0 reuses it.
    static prog_state st;
    // Resident weight store: ARRAY_COLS banks, bank j holds neuron j of every column tile,
    // so one cycle reads the AC weights of one input column.
    static wstore_t wstore[CFG::array_cols][CFG::weight_depth];
#pragma HLS ARRAY_PARTITION variable = wstore dim = 1 complete  // AC banks in parallel
#pragma HLS BIND_STORAGE variable = wstore type = ram_1p impl = bram
    // Bias store: bank j holds neuron j's bias of every column tile (AC presets per tile),
    // one accumulator-wide entry each: format v2's int64 biases of 48-bit programs narrow to
    // it exactly (the loader rejects a bias beyond the program's acc_bits).
    static bias_t bstore[CFG::array_cols][CFG::bias_depth];
#pragma HLS ARRAY_PARTITION variable = bstore dim = 1 complete
    // Activation buffers NUM_BUFFERS + 1: the spare one is the ping-pong partner of the
    // input buffer, so vector v+1's input lands while vector v computes.
    static act_t abuf[CFG::num_buffers + 1][CFG::max_rows][CFG::max_cols];
#pragma HLS ARRAY_PARTITION variable = abuf dim = 2 cyclic factor = accel_config::array_rows  // AR rows per cycle
#pragma HLS ARRAY_PARTITION variable = abuf dim = 3 cyclic factor = accel_config::drain_cols  // drain width

    cycles_t cyc = CFG::start_overhead;
    *hw_id = regmap::HW_ID_VALUE;
    *hw_config = hw_config_value();
    unsigned err = pf::ERR_OK;
    bus_bounds bb;
    const unsigned bus_bytes = CFG::bus_width / 8;
    bb.prog_beats = program_size / bus_bytes;
    bb.in_beats = input_size / bus_bytes;
    bb.out_beats = output_size / bus_bytes;
    bb.fault = false;
    if (mode & (1u << regmap::MODE_LOAD_PROGRAM_BIT)) {
        err = load_program<CFG>(program, program_size, bb, st, wstore, bstore, cyc);
    } else if (!st.loaded) {
        err = pf::ERR_BAD_MAGIC;  // nothing loaded: as if the image were not a program
    }
    // Rule 2 (PROGRAM.md "Bounds"): NUM_VECTORS >= 1 and all tables' beats inside their
    // buffers, exact in 64 bits (rows and cols are within the synthesized maxima here),
    // before the first input is read.
    typedef cycle_model<CFG> cm;
    if (err == pf::ERR_OK && num_vectors == 0) err = pf::ERR_BAD_FORMAT;
    if (err == pf::ERR_OK &&
        (cm::cdiv((unsigned long long)num_vectors * st.in_rows * st.in_cols,
                  CFG::bus_words16) > bb.in_beats ||
         cm::cdiv((unsigned long long)num_vectors * st.out_rows * st.out_cols,
                  CFG::bus_words16) > bb.out_beats))
        err = pf::ERR_ADDR_RANGE;

    if (err == pf::ERR_OK) {
        bus_t pending = 0;
        unsigned long long pending_idx = ~0ull;
    VECTORS:
        for (unsigned v = 0; v < num_vectors; v++) {
            // logical buffer -> physical: the input buffer alternates with the spare
            unsigned phys[CFG::num_buffers];
            for (unsigned b = 0; b < CFG::num_buffers; b++)
                phys[b] = (b == st.in_buf && (v & 1)) ? CFG::num_buffers : b;
            // No clearing: the loader guarantees every cell an op reads was written in
            // this run (PROGRAM.md "Data model").
            load_input<CFG>(input, bb, v, st.in_rows, st.in_cols, abuf, phys[st.in_buf]);
        OPS:
            for (unsigned o = 0; o < st.num_ops; o++) {
                const op_rec &op = st.ops[o];
                unsigned sb = phys[op.src_buf], db = phys[op.dst_buf];
                switch (op.opcode) {
                    case pf::OP_DENSE:
                        dense_op<CFG>(abuf, sb, db, op, st.bits, wstore, bstore, program, bb,
                                      st.data_base, st.stream_base);
                        break;
                    case pf::OP_AGGREGATE:
                        aggregate_op<CFG>(abuf, sb, db, op);
                        break;
                    case pf::OP_NORM:
                        norm_op<CFG>(abuf, sb, db, op);
                        break;
                    default:
                        taylor_op<CFG>(abuf, sb, db, phys[op.w_off], op);
                        break;
                }
#ifndef __SYNTHESIS__
                trace_op(o, op, abuf, db);
#endif
            }
            store_output<CFG>(output, bb, v, num_vectors, st.out_rows, st.out_cols, abuf,
                              phys[st.out_buf], pending, pending_idx);
            if (bb.fault) break;  // rule 3: a burst outside its buffer stops the run
        }
        if (pending_idx != ~0ull && !bb.fault) output[pending_idx] = pending;
        if (bb.fault) err = pf::ERR_ADDR_RANGE;
        cyc += cycle_model<CFG>::vectors(num_vectors, program_cycles<CFG>(st),
                                         st.in_rows * st.in_cols, st.out_rows * st.out_cols);
    }
    *status = err;
    *cycles = cyc;
}
