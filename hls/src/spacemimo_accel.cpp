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
#include <string>
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
    seu_log ignore = {0, 0, 0, false};  // the trace is not a read of the design
    for (unsigned r = 0; r < op.rows; r++)
        for (unsigned c = 0; c < op.out_cols; c++) {
            int v = (int)aget<CFG>(buf, db, r, op.dst_off + c, ignore);
            std::fwrite(&v, 4, 1, f);
        }
    std::fclose(f);
}

// C-sim only: the counted cycles of the last run's last vector, per op, and of its input
// load and output store (tb_accel prints them; spacemimo csim puts them beside the model).
static cycles_t g_op_cycles[CFG::max_ops];
static cycles_t g_io_cycles[2];
static unsigned g_num_ops = 0;

// C-sim only: the pending fault injection (spacemimo_csim_inject).
struct inject_req {
    bool armed;
    int target;  // 0 weights, 1 bias, 2 acts, 3 optable, 4 header
    unsigned vec, op, a, b, c, bit, n;
};
static const unsigned MAX_INJECT = 4;  // several flips at one point: a multi-bit upset
static inject_req g_inject[MAX_INJECT];

template <class T>
static void flip_bits(T &w, unsigned bit, unsigned n, unsigned width) {
    for (unsigned i = bit; i < bit + n && i < width; i++) w[i] = !w[i];
}

static op_rec op_from_bits(const op_bits_t &b) {
    unsigned w[OP_REC_WORDS];
    for (unsigned i = 0; i < OP_REC_WORDS; i++) w[i] = (unsigned)b.range(32 * i + 31, 32 * i);
    op_rec op;
    op.opcode = w[0], op.flags = w[1], op.src_buf = w[2], op.src_off = w[3], op.dst_buf = w[4];
    op.dst_off = w[5], op.rows = w[6], op.in_cols = w[7], op.out_cols = w[8], op.w_off = w[9];
    op.b_off = w[10], op.shift = (int)w[11], op.out_bits = w[12], op.group = w[13];
    op.gain = (int)w[14], op.rbits = w[15], op.seg_cols = w[16], op.seg_align = w[17];
    op.resident = w[18] != 0, op.wbase = w[19], op.bbase = w[20], op.has_bias = w[21] != 0;
    return op;
}

static void header_from_bits(prog_state &st, const hdr_bits_t &b) {
    unsigned w[HDR_REC_WORDS];
    for (unsigned i = 0; i < HDR_REC_WORDS; i++) w[i] = (unsigned)b.range(32 * i + 31, 32 * i);
    st.loaded = w[0] != 0, st.bits = w[1], st.acc_bits = w[2], st.num_ops = w[3];
    st.data_words = w[4], st.num_buffers = w[5], st.bias_words = w[6], st.data_base = w[7];
    st.in_buf = w[8], st.in_rows = w[9], st.in_cols = w[10], st.out_buf = w[11];
    st.out_rows = w[12], st.out_cols = w[13], st.stream_base = w[14], st.w_used = w[15];
    st.b_used = w[16];
}

// Apply a pending injection when the run reaches op `o` of vector `v`.
static void inject_one(inject_req &q, unsigned v, unsigned o, prog_state &st,
                       SM_WSTORE(CFG, ws), SM_BSTORE(CFG, bs), SM_ABUF(CFG, ab)) {
    if (!q.armed || q.vec != v || q.op != o) return;
    q.armed = false;
    switch (q.target) {
        case 0: {
            const unsigned e = q.b / CFG::wstore_words;
            if (q.a < CFG::array_cols && e < CFG::wstore_entries)
                flip_bits(ws[q.a][e / CFG::wstore_subs][e % CFG::wstore_subs], q.bit, q.n,
                          wrow_t::width);
            break;
        }
        case 1:
            if (q.a < CFG::array_cols && q.b < CFG::bias_depth)
                flip_bits(bs[q.a][q.b], q.bit, q.n, bstore_t::width);
            break;
        case 2:
            if (q.a < CFG::num_buffers && q.b < CFG::max_rows && q.c < CFG::max_cols)
                flip_bits(ab[q.a][q.b / CFG::array_rows][q.b % CFG::array_rows]
                            [q.c / CFG::drain_cols][q.c % CFG::drain_cols],
                          q.bit, q.n, astore_t::width);
            break;
        case 3:
            if (q.a < CFG::max_ops && q.b < OP_REC_WORDS) {
                op_bits_t b = op_bits(st.ops[q.a]);
                flip_bits(b, 32 * q.b + q.bit, q.bit < 32 ? (q.n < 32 - q.bit ? q.n : 32 - q.bit) : 0,
                          op_bits_t::width);
                st.ops[q.a] = op_from_bits(b);
            }
            break;
        default:
            if (q.a < HDR_REC_WORDS) {
                hdr_bits_t b = header_bits(st);
                flip_bits(b, 32 * q.a + q.bit, q.bit < 32 ? (q.n < 32 - q.bit ? q.n : 32 - q.bit) : 0,
                          hdr_bits_t::width);
                header_from_bits(st, b);
            }
            break;
    }
}

static void maybe_inject(unsigned v, unsigned o, prog_state &st, SM_WSTORE(CFG, ws),
                         SM_BSTORE(CFG, bs), SM_ABUF(CFG, ab)) {
    for (unsigned i = 0; i < MAX_INJECT; i++) inject_one(g_inject[i], v, o, st, ws, bs, ab);
}
#endif

}  // namespace smacc

#ifndef __SYNTHESIS__
unsigned spacemimo_csim_op_cycles(unsigned long long *ops, unsigned long long *io) {
    for (unsigned o = 0; o < smacc::g_num_ops; o++) ops[o] = smacc::g_op_cycles[o];
    io[0] = smacc::g_io_cycles[0];
    io[1] = smacc::g_io_cycles[1];
    return smacc::g_num_ops;
}

bool spacemimo_csim_inject(const char *target, unsigned vec, unsigned op, unsigned a,
                           unsigned b, unsigned c, unsigned bit, unsigned n) {
    static const char *const names[] = {"weights", "bias", "acts", "optable", "header"};
    for (int t = 0; t < 5; t++)
        if (std::string(target) == names[t]) {
            for (unsigned i = 0; i < smacc::MAX_INJECT; i++)
                if (!smacc::g_inject[i].armed) {
                    smacc::g_inject[i] = {true, t, vec, op, a, b, c, bit, n};
                    return true;
                }
            return false;  // MAX_INJECT already pending
        }
    return false;
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
static_assert(regmap::SEU_STATUS == 0x90, "regmap: SEU_STATUS moved; update pragmas");
static_assert(regmap::SEU_CORRECTED == 0x98, "regmap: SEU_CORRECTED moved; update pragmas");
static_assert(regmap::SEU_UNCORRECTABLE == 0xA0, "regmap: SEU_UNCORRECTABLE moved; update pragmas");
static_assert(regmap::SCRUB_PERIOD == 0xA8, "regmap: SCRUB_PERIOD moved; update pragmas");
static_assert(regmap::HW_PROTECT == 0xB0, "regmap: HW_PROTECT moved; update pragmas");
static_assert(regmap::SEU_CLEAR == 0xB8, "regmap: SEU_CLEAR moved; update pragmas");
static_assert(regmap::STEPS_LO == 0xC0, "regmap: STEPS moved; update pragmas");

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
                      unsigned b, bus_t &pending, unsigned long long &pending_idx, seu_log &sl) {
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
        // an upset met in this table: nothing more of it reaches memory (STATUS SEU_DETECTED
        // says it is invalid; every value already written was decoded clean or corrected)
        act_t v = aget<CONFIG_T>(buf, b, r, c, sl);
        if (sl.detected) v = 0;
        if (idx != pending_idx) {
            if (pending_idx != ~0ull && !sl.detected) output[pending_idx] = pending;
            pending = (idx == last_idx && (total % W) != 0) ? output[idx] : bus_t(0);
            pending_idx = idx;
        }
        pending.range(16 * lane + 15, 16 * lane) = (ap_uint<16>)(ap_int<16>)v;
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

// The kernel: everything the IP does, one process of the top's DATAFLOW region. It ends by
// sending its counted steps to the clock process beside it (cycle_timer, cycle_counter.h).
static void accel_run(const bus_t *program, const bus_t *input, bus_t *output,
                      unsigned num_vectors, unsigned mode, unsigned *status, unsigned *hw_id,
                      unsigned *hw_config, unsigned *hw_weights, unsigned program_size,
                      unsigned input_size, unsigned output_size, unsigned *seu_status,
                      unsigned *seu_corrected, unsigned *seu_uncorrectable,
                      unsigned scrub_period, unsigned *hw_protect, unsigned seu_clear,
                      hls::stream<cycles_t> &done) {

    // Persistent on-chip state: survives between runs so MODE.LOAD_PROGRAM = 0 reuses it.
    // (its op table, MAX_OPS records, is a member array: no BIND_STORAGE pragma reaches it;
    // Vitis chooses its storage — hls/README.md lists it under "only Vitis can confirm")
    static prog_state st;
    // Resident weight store: ARRAY_COLS banks, bank j holds neuron j of every column tile,
    // so one cycle reads the AC weights of one input column. SECDED builds: 72-bit rows of
    // two words + 8 check bits (seu_protect.h), the BRAM36's 512 x 72 mode.
    static SM_WSTORE(CFG, wstore);
#pragma HLS ARRAY_PARTITION variable = wstore dim = 1 complete  // AC banks in parallel
#pragma HLS ARRAY_PARTITION variable = wstore dim = 3 complete  // BUS/32 (SECDED: BUS/64) sub-banks per bank
#pragma HLS BIND_STORAGE variable = wstore type = ram_2p impl = bram  // fetch write + array read in one loop body
    // Bias store: bank j holds neuron j's bias of every column tile (AC presets per tile),
    // one accumulator-wide entry each (+ 7 check bits in SECDED builds): format v2's int64
    // biases of 48-bit programs narrow to it exactly (the loader rejects a bias beyond the
    // program's acc_bits).
    static SM_BSTORE(CFG, bstore);
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
    // SEU_STATUS and the counters between runs (registers; 0 after reset), and the scrubber's
    // position and its credit of counted cycles (a scrub step is due every SCRUB_PERIOD).
    static seu_log seu;
    static unsigned scrub_row;
    static unsigned long long scrub_credit;

    cycles_t cyc = CFG::start_overhead;  // the ap_start handshake and register reads
    *hw_id = regmap::HW_ID_VALUE;
    *hw_config = hw_config_value();
    *hw_weights = hw_weights_value();
    *hw_protect = hw_protect_value();
    if (seu_clear & (1u << regmap::SEU_CLEAR_CLEAR_BIT)) {
        seu.corrected = 0;
        seu.uncorrectable = 0;
        seu.status = 0;
    }
    seu.detected = false;
    seu.status &= ~(1u << SEU_RUN_UPSET);  // RUN_UPSET: the last run's only
    const unsigned reload_bits = (1u << SEU_WEIGHTS) | (1u << SEU_PROGRAM);
    unsigned err = pf::ERR_OK;
    bus_bounds bb;
    const unsigned bus_bytes = CFG::bus_width / 8;
    bb.prog_beats = program_size / bus_bytes;
    bb.in_beats = input_size / bus_bytes;
    bb.out_beats = output_size / bus_bytes;
    bb.fault = false;
    if (mode & (1u << regmap::MODE_LOAD_PROGRAM_BIT)) {
        err = load_program<CFG>(program, program_size, bb, st, wstore, bstore, cyc);
#if SM_SEU_C
        st.hdr_par = header_parity(st);  // whatever the outcome: the fields as they now are
#endif
        if (err == pf::ERR_OK) seu.status &= ~reload_bits;  // weights and op table rewritten
    } else if (seu.status & reload_bits) {
        err = pf::ERR_SEU_DETECTED;  // the loaded program is known corrupted: reload it
#if SM_SEU_C
    } else if (header_parity(st) != st.hdr_par) {
        seu.fail(SEU_PROGRAM);
        err = pf::ERR_SEU_DETECTED;
#endif
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
#if SM_SEU_C
            // the header fields this vector uses (shapes, buffers, op count) are as loaded
            if (header_parity(st) != st.hdr_par) {
                seu.fail(SEU_PROGRAM);
                break;
            }
#endif
            // No clearing: the loader guarantees every cell an op reads was written in
            // this run (PROGRAM.md "Data model"). Input, ops and output run in sequence.
            cycles_t io_in = load_input<CFG>(input, bb, v, st.in_rows, st.in_cols, abuf, st.in_buf);
            cycles_t vcyc = io_in;
        OPS:
            for (unsigned o = 0; o < st.num_ops; o++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64
#ifndef __SYNTHESIS__
                maybe_inject(v, o, st, wstore, bstore, abuf);
#endif
                const op_rec &op = st.ops[o];
                cycles_t c = CFG::op_overhead;  // the FSM's fetch and decode of the record
#if SM_SEU_C
                if (op_parity(op) != st.op_par[o]) {  // checked in the decode, no extra step
                    seu.fail(SEU_PROGRAM);
                    vcyc += c;
                    break;
                }
#endif
                switch (op.opcode) {
                    case pf::OP_DENSE:
                        c += dense_op<CFG>(abuf, op.src_buf, op.dst_buf, op, st.bits, wstore,
                                           bstore, program, bb, st.data_base, st.stream_base,
                                           seu);
                        break;
                    case pf::OP_AGGREGATE:
                        c += aggregate_op<CFG>(abuf, op.src_buf, op.dst_buf, op, seu);
                        break;
                    case pf::OP_NORM:
                        c += norm_op<CFG>(abuf, op.src_buf, op.dst_buf, op, seu);
                        break;
#if SM_SEU_C
                    case pf::OP_TAYLOR:
                        c += taylor_op<CFG>(abuf, op.src_buf, op.dst_buf, op.w_off, op, seu);
                        break;
                    default:
                        // No legal record decodes here: an illegal controller state. It was
                        // read from the op table (a multi-bit upset its parity missed), so
                        // the table is corrupted too: PROGRAM_CORRUPTED, reload (the RTL's
                        // illegal state is a register: RUN_UPSET, rerun).
                        seu.fail(SEU_PROGRAM);
                        seu.status |= 1u << SEU_CTRL_FAULT;
                        break;
#else
                    default:
                        c += taylor_op<CFG>(abuf, op.src_buf, op.dst_buf, op.w_off, op, seu);
                        break;
#endif
                }
                vcyc += c;
#ifndef __SYNTHESIS__
                g_op_cycles[o] = c;
                trace_op(o, op, abuf, op.dst_buf);
#endif
                if (seu.detected) break;  // the rest of this vector would use a bad value
            }
            cyc += vcyc;
            if (seu.detected) break;  // the vector it was on is not stored
            cycles_t io_out = store_output<CFG>(output, bb, v, num_vectors, st.out_rows,
                                                st.out_cols, abuf, st.out_buf, pending,
                                                pending_idx, seu);
            cyc += io_out;
#ifndef __SYNTHESIS__
            g_num_ops = st.num_ops;
            g_io_cycles[0] = io_in;
            g_io_cycles[1] = io_out;
#endif
            if (seu.detected) break;
            if (CFG::scrub && scrub_period != 0) {
                // Scrub between vectors: one row of every resident weight and bias bank per
                // SCRUB_PERIOD counted cycles of this run (the kernel runs only between
                // ap_start and ap_done, so nothing is scrubbed while it is idle).
                const unsigned wrows = (st.w_used + CFG::wstore_words - 1) / CFG::wstore_words;
                const unsigned rows = wrows > st.b_used ? wrows : st.b_used;
                scrub_credit += vcyc + io_out;
                cycles_t steps = 0;
                if (rows != 0) {
                SCRUB:
                    for (unsigned k = 0; k < CFG::wstore_entries + CFG::bias_depth; k++) {
#pragma HLS PIPELINE II = 1  // one row of every bank per step, on the store's write port
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 16
                        if (scrub_credit < scrub_period || k >= rows) break;
                        scrub_credit -= scrub_period;
                        if (scrub_row >= rows) scrub_row = 0;
                        scrub_step<CFG>(wstore, bstore, scrub_row, scrub_row < wrows, scrub_row,
                                        scrub_row < st.b_used, seu);
                        scrub_row++;
                        steps++;
                    }
                }
                // credit beyond one pass is dropped (a pass corrects every row once)
                if (scrub_credit > (unsigned long long)scrub_period * rows)
                    scrub_credit = (unsigned long long)scrub_period * rows;
                if (steps) cyc += loop_cycles<CFG>(steps);
                if (seu.detected) break;
            }
            if (bb.fault) break;  // rule 3: a burst outside its buffer stops the run
        }
        if (pending_idx != ~0ull && !bb.fault) output[pending_idx] = pending;
        if (seu.detected) err = pf::ERR_SEU_DETECTED;
        else if (bb.fault) err = pf::ERR_ADDR_RANGE;
    }
    *status = err;
    *seu_status = seu.status;
    *seu_corrected = seu.corrected;
    *seu_uncorrectable = seu.uncorrectable;
    // the last action of the run: the clock beside it stops when it sees this token (every
    // path ends here: no early return), and STEPS reports it
    done.write(cyc);
}

void spacemimo_accel(const bus_t *program, const bus_t *input, bus_t *output,
                     unsigned num_vectors, unsigned mode, unsigned *status,
                     unsigned long long *cycles, unsigned *hw_id, unsigned *hw_config,
                     unsigned *hw_weights,
                     unsigned program_size, unsigned input_size, unsigned output_size,
                     unsigned *seu_status, unsigned *seu_corrected, unsigned *seu_uncorrectable,
                     unsigned scrub_period, unsigned *hw_protect, unsigned seu_clear,
                     unsigned long long *steps) {
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
#pragma HLS INTERFACE mode = s_axilite port = steps offset = 0xC0 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_id offset = 0x58 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_config offset = 0x60 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_weights offset = 0x88 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = program_size offset = 0x68 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = input_size offset = 0x70 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = output_size offset = 0x78 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = seu_status offset = 0x90 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = seu_corrected offset = 0x98 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = seu_uncorrectable offset = 0xA0 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = scrub_period offset = 0xA8 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = hw_protect offset = 0xB0 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = seu_clear offset = 0xB8 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = return bundle = control  // ap_ctrl_hs at 0x00
#pragma HLS INTERFACE mode = ap_ctrl_hs port = return

    // CYCLES is a clock: the kernel (accel_run) and a free-running counter (cycle_timer) are
    // the two processes of one DATAFLOW region, both started by ap_start; the counter adds 1
    // per clock in an II = 1 loop until the kernel's last action, a token on `done` carrying
    // its counted steps (STEPS), arrives. ap_done follows when both have returned. C-sim runs
    // the processes one after the other, so there the counter sees the token at once and
    // reports the counted steps (hls/README.md "Cycles: counted, modelled, measured").
#pragma HLS DATAFLOW
    hls::stream<cycles_t> done;
#pragma HLS STREAM variable = done depth = 2
    accel_run(program, input, output, num_vectors, mode, status, hw_id, hw_config, hw_weights,
              program_size, input_size, output_size, seu_status, seu_corrected,
              seu_uncorrectable, scrub_period, hw_protect, seu_clear, done);
    cycle_timer(done, cycles, steps);
}
