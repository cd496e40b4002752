// spacemimo accelerator — top function and the FSM that walks the program.
//
//   IDLE --ap_start--> [LOAD_PROGRAM: fetch, check, place, copy weights] --> per vector:
//   LOAD_INPUT --> op 0 .. op num_ops-1 (DENSE | AGGREGATE | NORM | TAYLOR, each reading/
//   writing column windows of the on-chip buffers) --> STORE_OUTPUT --> DONE
//   (STATUS = error code, CYCLES = the loops' own step count, cycle_counter.h)
//
// The program is data: a new network or new sizes within the synthesized maxima need no new
// bitstream. Any check that fails ends the run with an error code (quant/PROGRAM.md).
#include "spacemimo_accel.h"

#include "act_banks.h"
#include "aggregate.h"
#include "cycle_counter.h"
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
                     SM_ABUF(CFG, buf), unsigned db) {
    const char *dir = std::getenv("SM_TRACE_DIR");
    if (!dir) return;
    char path[4096];
    std::snprintf(path, sizeof path, "%s/op_%03u.bin", dir, o);
    FILE *f = std::fopen(path, "ab");
    if (!f) return;
    for (unsigned r = 0; r < op.rows; r++)
        for (unsigned c = 0; c < op.out_cols; c++) {
            int v = (int)aget<CFG>(buf, db, r, op.dst_off + c);
            std::fwrite(&v, 4, 1, f);
        }
    std::fclose(f);
}

// C-sim only: the counted cycles of the last run's last vector, per op, and of its input
// load and output store (tb_accel prints them; spacemimo csim puts them beside the model).
static cycles_t g_op_cycles[CFG::max_ops];
static cycles_t g_io_cycles[2];
static unsigned g_num_ops = 0;
#endif

}  // namespace smacc

#ifndef __SYNTHESIS__
unsigned spacemimo_csim_op_cycles(unsigned long long *ops, unsigned long long *io) {
    for (unsigned o = 0; o < smacc::g_num_ops; o++) ops[o] = smacc::g_op_cycles[o];
    io[0] = smacc::g_io_cycles[0];
    io[1] = smacc::g_io_cycles[1];
    return smacc::g_num_ops;
}
#endif

namespace smacc {

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
static_assert(regmap::HW_WEIGHTS == 0x88, "regmap: HW_WEIGHTS moved; update pragmas");
static_assert(regmap::PROGRAM_SIZE == 0x68, "regmap: PROGRAM_SIZE moved; update pragmas");
static_assert(regmap::INPUT_SIZE == 0x70, "regmap: INPUT_SIZE moved; update pragmas");
static_assert(regmap::OUTPUT_SIZE == 0x78, "regmap: OUTPUT_SIZE moved; update pragmas");

// Input table of vector v (int16, row-major) into buffer `b` at column 0: one flattened
// pipelined loop, one element per step (a beat is read every BUS/16 elements); the table's
// range is checked against INPUT_SIZE before the burst (nothing is read when it is outside).
// Returns its cycles.
template <class CONFIG_T>
cycles_t load_input(const bus_t *input, bus_bounds &bb, unsigned v, unsigned rows, unsigned cols,
                    SM_ABUF(CONFIG_T, buf),
                    unsigned b) {
    const unsigned long long first = (unsigned long long)v * rows * cols;
    const unsigned W = CONFIG_T::bus_words16;
    if (!bb.in(first, (unsigned long long)rows * cols)) return 0;
    unsigned long long idx = first / W;
    unsigned lane = (unsigned)(first % W);  // the only divide: once per table
    bus_t beat = input[idx];
    unsigned r = 0, c = 0;
    cycles_t steps = 0;
LOAD_ELEMS:
    for (unsigned e = 0; e < rows * cols; e++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65536
        steps++;
        if (e != 0 && lane == 0) beat = input[++idx];
        aset<CONFIG_T>(buf, b, r, c, act_t((ap_int<16>)beat.range(16 * lane + 15, 16 * lane)));
        if (++lane == W) lane = 0;
        if (++c == cols) {
            c = 0;
            r++;
        }
    }
    return CONFIG_T::axi_latency + loop_cycles<CONFIG_T>(steps);
}

// Output table of vector v from buffer `b` (int16, sign-extended), one element per step.
// Beats are written whole; the last beat of the whole run is read-modify-written so nothing
// past the table changes. The table's range is checked against OUTPUT_SIZE first (nothing is
// written when outside). Returns its cycles.
template <class CONFIG_T>
cycles_t store_output(bus_t *output, bus_bounds &bb, unsigned v, unsigned n, unsigned rows,
                      unsigned cols,
                      SM_ABUF(CONFIG_T, buf),
                      unsigned b, bus_t &pending, unsigned long long &pending_idx) {
    const unsigned W = CONFIG_T::bus_words16;
    const unsigned long long per = (unsigned long long)rows * cols;
    const unsigned long long total = (unsigned long long)n * per;
    const unsigned long long last_idx = (total - 1) / W;
    if (!bb.out((unsigned long long)v * per, per)) return 0;
    unsigned long long idx = (unsigned long long)v * per / W;
    unsigned lane = (unsigned)((unsigned long long)v * per % W);
    unsigned r = 0, c = 0;
    cycles_t steps = 0;
STORE_ELEMS:
    for (unsigned e = 0; e < rows * cols; e++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 65536
        steps++;
        if (idx != pending_idx) {
            if (pending_idx != ~0ull) output[pending_idx] = pending;
            pending = (idx == last_idx && (total % W) != 0) ? output[idx] : bus_t(0);
            pending_idx = idx;
        }
        pending.range(16 * lane + 15, 16 * lane) = (ap_uint<16>)(ap_int<16>)aget<CONFIG_T>(buf, b, r, c);
        if (++lane == W) {
            lane = 0;
            idx++;
        }
        if (++c == cols) {
            c = 0;
            r++;
        }
    }
    return loop_cycles<CONFIG_T>(steps);
}

}  // namespace smacc

using namespace smacc;

void spacemimo_accel(const bus_t *program, const bus_t *input, bus_t *output,
                     unsigned num_vectors, unsigned mode, unsigned *status,
                     unsigned long long *cycles, unsigned *hw_id, unsigned *hw_config,
                     unsigned *hw_weights,
                     unsigned program_size, unsigned input_size, unsigned output_size) {
    // m_axi data ports; base addresses are the *_ADDR registers (offset=slave).
    // depth = the co-simulation testbench's buffers in beats (SM_AXI_DEPTH_*, set by the
    // Vitis flow from the vectors it co-simulates), never more: co-simulation copies `depth`
    // beats from each pointer. It does not bound the hardware (PROGRAM_SIZE etc. do).
#pragma HLS INTERFACE mode = m_axi port = program offset = slave bundle = gmem0 max_read_burst_length = 256 num_read_outstanding = 4 depth = SM_AXI_DEPTH_PROGRAM
#pragma HLS INTERFACE mode = m_axi port = input offset = slave bundle = gmem1 depth = SM_AXI_DEPTH_INPUT
#pragma HLS INTERFACE mode = m_axi port = output offset = slave bundle = gmem1 depth = SM_AXI_DEPTH_OUTPUT
#pragma HLS INTERFACE mode = s_axilite port = program offset = 0x10 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = input offset = 0x1C bundle = control
#pragma HLS INTERFACE mode = s_axilite port = output offset = 0x28 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = num_vectors offset = 0x34 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = mode offset = 0x3C bundle = control
#pragma HLS INTERFACE mode = s_axilite port = status offset = 0x44 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = cycles offset = 0x4C bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_id offset = 0x58 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_config offset = 0x60 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_weights offset = 0x88 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = program_size offset = 0x68 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = input_size offset = 0x70 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = output_size offset = 0x78 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = return bundle = control  // ap_ctrl_hs at 0x00
#pragma HLS INTERFACE mode = ap_ctrl_hs port = return

    // Persistent on-chip state: survives between runs so MODE.LOAD_PROGRAM = 0 reuses it.
    // (its op table, MAX_OPS records, is a member array: no BIND_STORAGE pragma reaches it;
    // Vitis chooses its storage — hls/README.md lists it under "only Vitis can confirm")
    static prog_state st;
    // Resident weight store: ARRAY_COLS banks, bank j holds neuron j of every column tile,
    // so one cycle reads the AC weights of one input column.
    static SM_WSTORE(CFG, wstore);
#pragma HLS ARRAY_PARTITION variable = wstore dim = 1 complete  // AC banks in parallel
#pragma HLS ARRAY_PARTITION variable = wstore dim = 3 complete  // BUS/32 sub-banks per bank
#pragma HLS BIND_STORAGE variable = wstore type = ram_2p impl = bram  // fetch write + array read in one loop body
    // Bias store: bank j holds neuron j's bias of every column tile (AC presets per tile),
    // one accumulator-wide entry each: format v2's int64 biases of 48-bit programs narrow to
    // it exactly (the loader rejects a bias beyond the program's acc_bits).
    static bias_t bstore[CFG::array_cols][CFG::bias_depth];
#pragma HLS ARRAY_PARTITION variable = bstore dim = 1 complete
#pragma HLS BIND_STORAGE variable = bstore type = ram_1p impl = lutram  // 64 x 48 bit per bank
    // Activation buffers: rows in ARRAY_ROWS banks (the array reads AR rows per step), columns
    // in DRAIN_COLS banks (the drain, AGGREGATE and NORM move DRAIN_COLS columns per step).
    // AR x DC banks (act_banks.h: the bank indices are dimensions 3 and 5, split completely),
    // each a dual-port RAM of NUM_BUFFERS x MAX_ROWS/AR x MAX_COLS/DC words.
    static SM_ABUF(CFG, abuf);
#pragma HLS ARRAY_PARTITION variable = abuf dim = 3 complete
#pragma HLS ARRAY_PARTITION variable = abuf dim = 5 complete
#pragma HLS BIND_STORAGE variable = abuf type = ram_2p impl = bram

    cycles_t cyc = CFG::start_overhead;  // the ap_start handshake and register reads
    *hw_id = regmap::HW_ID_VALUE;
    *hw_config = hw_config_value();
    *hw_weights = hw_weights_value();
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
    const unsigned long long W = CFG::bus_words16;
    if (err == pf::ERR_OK && num_vectors == 0) err = pf::ERR_BAD_FORMAT;
    if (err == pf::ERR_OK &&
        (((unsigned long long)num_vectors * st.in_rows * st.in_cols + W - 1) / W > bb.in_beats ||
         ((unsigned long long)num_vectors * st.out_rows * st.out_cols + W - 1) / W >
             bb.out_beats))
        err = pf::ERR_ADDR_RANGE;

    if (err == pf::ERR_OK) {
        bus_t pending = 0;
        unsigned long long pending_idx = ~0ull;
    VECTORS:
        for (unsigned v = 0; v < num_vectors; v++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024
            // No clearing: the loader guarantees every cell an op reads was written in
            // this run (PROGRAM.md "Data model"). Input, ops and output run in sequence.
            cycles_t io_in = load_input<CFG>(input, bb, v, st.in_rows, st.in_cols, abuf, st.in_buf);
            cyc += io_in;
        OPS:
            for (unsigned o = 0; o < st.num_ops; o++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
                const op_rec &op = st.ops[o];
                cycles_t c = CFG::op_overhead;  // the FSM's fetch and decode of the record
                switch (op.opcode) {
                    case pf::OP_DENSE:
                        c += dense_op<CFG>(abuf, op.src_buf, op.dst_buf, op, st.bits, wstore,
                                           bstore, program, bb, st.data_base, st.stream_base);
                        break;
                    case pf::OP_AGGREGATE:
                        c += aggregate_op<CFG>(abuf, op.src_buf, op.dst_buf, op);
                        break;
                    case pf::OP_NORM:
                        c += norm_op<CFG>(abuf, op.src_buf, op.dst_buf, op);
                        break;
                    default:
                        c += taylor_op<CFG>(abuf, op.src_buf, op.dst_buf, op.w_off, op);
                        break;
                }
                cyc += c;
#ifndef __SYNTHESIS__
                g_op_cycles[o] = c;
                trace_op(o, op, abuf, op.dst_buf);
#endif
            }
            cycles_t io_out = store_output<CFG>(output, bb, v, num_vectors, st.out_rows,
                                                st.out_cols, abuf, st.out_buf, pending,
                                                pending_idx);
            cyc += io_out;
#ifndef __SYNTHESIS__
            g_num_ops = st.num_ops;
            g_io_cycles[0] = io_in;
            g_io_cycles[1] = io_out;
#endif
            if (bb.fault) break;  // rule 3: a burst outside its buffer stops the run
        }
        if (pending_idx != ~0ull && !bb.fault) output[pending_idx] = pending;
        if (bb.fault) err = pf::ERR_ADDR_RANGE;
    }
    *status = err;
    *cycles = cyc;
}
