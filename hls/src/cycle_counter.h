// Cycles, two ways: the clock (CYCLES) and the code's own step count (STEPS).
//
// CYCLES is a free-running counter: cycle_timer below is the second process of the top
// function's DATAFLOW region (spacemimo_accel.cpp), started with the kernel by ap_start; it
// adds 1 per clock in an II = 1 loop until the kernel's last action, a token on a FIFO, arrives.
// So on a board and in co-simulation CYCLES counts every clock of the run, stalls included
// (an II miss, AXI back-pressure, DDR refresh), from the two processes' start to the token —
// ap_start to ap_done less the dataflow region's start and done handshakes (a few cycles, the
// same every run; co-simulation shows how many).
//
// STEPS is the kernel's count of its own schedule: every pipelined loop counts its own
// iterations in its body (one per pipeline step at II = 1) and, when it ends, adds its
// pipeline depth; every m_axi read burst adds the bus latency when it is issued; the FSM adds
// a fixed decode cost per op and per start. That is what the loops the code ran take at their
// declared II, from the code path taken (trip counts, early exits, which ops streamed), never
// from a formula of the program; spacemimo/hw/perfmodel.py is a separate model of the same
// schedule and tests compare the two. CYCLES - STEPS on a board is what the schedule did not
// plan. The latency constants (named in builds.yaml) are assumptions of the count; the
// iteration counts are measured.
//
// C-simulation has no clock: it runs the DATAFLOW processes one after the other, so the timer
// finds the token at once. There CYCLES reports the counted steps, labelled "counted".
#ifndef SPACEMIMO_CYCLE_COUNTER_H
#define SPACEMIMO_CYCLE_COUNTER_H

#include "accel_config.h"
#include "hls_stream.h"

namespace smacc {

typedef unsigned long long cycles_t;

// A pipelined loop's cost once it has run `steps` iterations at II = 1.
template <class CONFIG_T>
inline cycles_t loop_cycles(cycles_t steps) {
#pragma HLS INLINE
    return steps + CONFIG_T::pipe_depth;
}

// 32-bit words of one packed weight row (each output row starts on a word boundary).
inline unsigned long long packed_row_words(unsigned in_cols, unsigned bits) {
#pragma HLS INLINE
    const unsigned per_word = 32 / bits;
    return ((unsigned long long)in_cols + per_word - 1) / per_word;
}

// The clock process (see the top of this file). One token arrives per run: the kernel writes
// it as its last action on every path, so the loop always ends. `clk` counts the iterations
// before the token was seen, one per clock at II = 1.
inline void cycle_timer(hls::stream<cycles_t> &done, cycles_t *cycles, cycles_t *steps) {
    cycles_t clk = 0, counted = 0;
CLOCK:
    for (;;) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1000000
        if (done.read_nb(counted)) break;
        clk++;
    }
#ifdef __SYNTHESIS__
    *cycles = clk;
#else
    (void)clk;          // C-sim: 0 (the kernel ran to its end before this process started)
    *cycles = counted;  // so CYCLES reports the counted steps: "counted", not a clock
#endif
    *steps = counted;
}

}  // namespace smacc

#endif  // SPACEMIMO_CYCLE_COUNTER_H
