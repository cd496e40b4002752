// CYCLES as the code runs: a counter, not a model.
//
// Every pipelined loop of the kernel counts its own iterations in its body (one per pipeline
// step at II = 1) and, when it ends, adds its pipeline depth; every m_axi read burst adds the
// bus latency when it is issued; the FSM adds a fixed decode cost per op and per start. The
// total is what the loops the code actually ran take at their II, from the code path taken
// (trip counts, early exits, which ops streamed), never from a formula of the program.
// spacemimo/hw/perfmodel.py is a separate model of the same schedule; tests compare the two
// and Vitis co-simulation / csynth.xml (hls/scripts/parse_hls_report.py) give the clock count
// the tool schedules. The three latency constants below are assumptions of the count (named
// in builds.yaml); the iteration counts are measured.
#ifndef SPACEMIMO_CYCLE_COUNTER_H
#define SPACEMIMO_CYCLE_COUNTER_H

#include "accel_config.h"

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

}  // namespace smacc

#endif  // SPACEMIMO_CYCLE_COUNTER_H
