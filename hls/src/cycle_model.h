// Cycle model of the accelerator: what each FSM state costs, in clock cycles.
//
// The kernel adds these up while it runs and reports the total in CYCLES (in C-simulation
// there is no clock; Vitis co-simulation and the RTL measure the real count). The same
// formulas live in spacemimo/perfmodel.py; tests/test_perfmodel.py checks both agree, and the
// RTL issue compares them with measured cycles.
#ifndef SPACEMIMO_CYCLE_MODEL_H
#define SPACEMIMO_CYCLE_MODEL_H

#include "accel_config.h"

namespace smacc {

typedef unsigned long long cycles_t;

template <class CONFIG_T>
struct cycle_model {
    static cycles_t cdiv(cycles_t a, cycles_t b) { return (a + b - 1) / b; }
    static cycles_t cmax(cycles_t a, cycles_t b) { return a > b ? a : b; }

    // 32-bit words of one packed weight row (each output row starts on a word boundary).
    static cycles_t row_words(unsigned in_cols, unsigned bits) { return cdiv(in_cols, 32 / bits); }

    // Cycles to drain one row tile (AR x AC accumulators) through DRAIN_COLS column banks.
    static cycles_t drain(void) {
        return CONFIG_T::array_rows * cdiv(CONFIG_T::array_cols, CONFIG_T::drain_cols);
    }
    // One column tile: every row tile streams in_cols inputs through the array (II=1); the
    // drain of a row tile overlaps the next tile's compute, so a short tile waits for it.
    static cycles_t dense_tile(unsigned rows, unsigned in_cols) {
        return cdiv(rows, CONFIG_T::array_rows) * cmax(in_cols, drain());
    }
    // Systolic skew fill (AR + AC) + pipeline + the last tile's drain, once per op: tiles run
    // back to back because each PE hands its finished sum to a drain register.
    static cycles_t dense_tail() {
        return CONFIG_T::array_rows + CONFIG_T::array_cols + CONFIG_T::pipe_depth + drain();
    }
    // Fetch one streamed chunk: `len` inputs of `tile_rows` neuron rows over the bus.
    static cycles_t stream_chunk(unsigned tile_rows, unsigned len, unsigned bits) {
        return cdiv((cycles_t)tile_rows * cdiv(len, 32 / bits), CONFIG_T::bus_words32) +
               CONFIG_T::axi_latency;
    }
    static cycles_t dense(unsigned rows, unsigned in_cols, unsigned out_cols, unsigned bits,
                          bool streamed) {
        const unsigned ac = CONFIG_T::array_cols, sk = CONFIG_T::stream_k;
        cycles_t tiles_c = cdiv(out_cols, ac), tiles_r = cdiv(rows, CONFIG_T::array_rows);
        if (!streamed) return tiles_c * dense_tile(rows, in_cols) + dense_tail();
        // Chunks in (column tile, row tile, k) order; chunk c+1 is fetched while c computes.
        cycles_t c = 0, prev = 0;
        bool first = true;
        for (cycles_t ct = 0; ct < tiles_c; ct++) {
            unsigned left = out_cols - (unsigned)ct * ac;
            unsigned tile_rows = left < ac ? left : ac;
            for (cycles_t rt = 0; rt < tiles_r; rt++) {
                for (unsigned k0 = 0; k0 < in_cols; k0 += sk) {
                    unsigned len = in_cols - k0 < sk ? in_cols - k0 : sk;
                    cycles_t fetch = stream_chunk(tile_rows, len, bits);
                    c += first ? fetch : cmax(prev, fetch);
                    first = false;
                    prev = len;
                }
            }
        }
        cycles_t drain_wait = drain() > in_cols ? drain() - in_cols : 0;
        return c + prev + tiles_c * tiles_r * drain_wait + dense_tail();
    }
    // Pass 1 reduces each group (one row of DRAIN_COLS columns per cycle), pass 2 writes.
    static cycles_t aggregate(unsigned rows, unsigned cols) {
        return 2 * (cycles_t)rows * cdiv(cols, CONFIG_T::drain_cols) + CONFIG_T::pipe_depth;
    }
    // Sum of squares, 32-step isqrt, 64-step restoring divide, scale pass.
    static cycles_t norm(unsigned rows, unsigned cols) {
        return 2 * (cycles_t)rows * cdiv(cols, CONFIG_T::drain_cols) + 32 + 64 +
               CONFIG_T::pipe_depth;
    }
    // Per channel: A = H^H D (K x 2K real outputs, inner 2N) then E = D A (N x 2K, inner 2K),
    // both on the array; channels follow each other without draining the pipeline.
    static cycles_t taylor(unsigned rows, unsigned in_cols, unsigned group) {
        const unsigned ar = CONFIG_T::array_rows, ac = CONFIG_T::array_cols;
        cycles_t k = group, n = rows / group, ch = in_cols / 2;
        cycles_t a = cdiv(k, ar) * cdiv(2 * k, ac) * cmax(2 * n, ar);
        cycles_t e = cdiv(n, ar) * cdiv(2 * k, ac) * cmax(2 * k, ar);
        return ch * (a + e) + 2 * dense_tail();
    }
    // int16 table transfer (input or output of one vector).
    static cycles_t table_io(unsigned elems) {
        return cdiv(elems, CONFIG_T::bus_words16) + CONFIG_T::axi_latency;
    }
    // LOAD_PROGRAM: one checksum pass over the image, then resident weights and all biases
    // copied on chip (one burst per op), and the op table decoded.
    static cycles_t program_load(cycles_t image_words, cycles_t resident_words,
                                 cycles_t bias_words, unsigned copy_bursts, unsigned num_ops) {
        return cdiv(image_words, CONFIG_T::bus_words32) + CONFIG_T::axi_latency +
               cdiv(resident_words, CONFIG_T::bus_words32) +
               cdiv(bias_words, CONFIG_T::bus_words32) +
               (cycles_t)copy_bursts * CONFIG_T::axi_latency +
               (cycles_t)num_ops * CONFIG_T::op_overhead;
    }
    // num_vectors back to back: the next input is fetched and the previous output stored
    // while the current vector computes (ping-pong input buffer).
    static cycles_t vectors(unsigned n, cycles_t compute, unsigned in_elems, unsigned out_elems) {
        cycles_t in = table_io(in_elems), out = table_io(out_elems);
        return in + compute + out + (cycles_t)(n - 1) * cmax(compute, in + out);
    }
};

}  // namespace smacc

#endif  // SPACEMIMO_CYCLE_MODEL_H
