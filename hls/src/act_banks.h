// Activation buffers, laid out as their banks: conflict-free by construction.
//
// Buffer b, row r, column c lives in bank (r % AR, c % DC) at address (b, r / AR, c / DC): the
// array is declared with those bank indices as its own dimensions (SM_ABUF), both split
// completely, so every access names its bank and HLS need not prove anything about runtime
// offsets. Access patterns:
// - the PE array reads Q columns of AR rows (rt*AR + r: row bank r), the drain writes DC
//   columns of AR rows: one access per row bank, named as a constant (`*_at`);
// - AGGREGATE and NORM move DRAIN_COLS consecutive columns of one row starting at
//   any runtime column c0: consecutive columns fall in DC distinct column banks, and
//   `read_cols` / `write_cols` give bank k its own address (c0 / DC, or one more for the
//   banks before c0 % DC) and rotate the data by c0 % DC (a barrel rotator, as the RTL's
//   rotated drain) — one access per bank, whatever c0 is.
// Per step no bank sees more than one read and one write (the array's read of the source
// and the drain's write of the destination), so each bank is a simple dual-port RAM.
// Cells hold `astore_t` (seu_protect.h): the value, plus its parity or SECDED check bits in a
// protected build — sealed on every write, checked on every read whose value is used.
#ifndef SPACEMIMO_ACT_BANKS_H
#define SPACEMIMO_ACT_BANKS_H

#include "accel_config.h"
#include "seu_protect.h"

#define SM_ABUF(C, name)                                                                    \
    astore_t name[C::num_buffers][C::max_rows / C::array_rows][C::array_rows]                   \
              [C::max_cols / C::drain_cols][C::drain_cols]

namespace smacc {

static_assert(SM_MAX_ROWS % SM_ARRAY_ROWS == 0, "SM_MAX_ROWS: whole row banks");
static_assert((SM_DRAIN_COLS & (SM_DRAIN_COLS - 1)) == 0, "SM_DRAIN_COLS: a power of two");

// One cell (a multiplexer over the banks when row or column is not a constant).
template <class C>
inline act_t aget(SM_ABUF(C, buf), unsigned b, unsigned row, unsigned col, seu_log &sl) {
#pragma HLS INLINE
    return act_open(buf[b][row / C::array_rows][row % C::array_rows][col / C::drain_cols]
                       [col % C::drain_cols], true, sl);
}

template <class C>
inline void aset(SM_ABUF(C, buf), unsigned b, unsigned row, unsigned col, act_t v) {
#pragma HLS INLINE
    buf[b][row / C::array_rows][row % C::array_rows][col / C::drain_cols][col % C::drain_cols] =
        act_seal(v);
}

// Columns c0 .. c0 + DC - 1 of the row at address `ra` of row bank `rb` (row ra*AR + rb):
// out[jj] = column c0 + jj (0 past MAX_COLS). The PE array names its row bank as a constant
// (rows rt*AR + r: bank r), so its AR reads per step are in AR distinct row banks. The caller
// uses out[0 .. live - 1]: only upsets there count (sl).
template <class C>
inline void read_cols_at(SM_ABUF(C, buf), unsigned b, unsigned ra, unsigned rb, unsigned c0,
                         act_t out[C::drain_cols], unsigned live, seu_log &sl) {
#pragma HLS INLINE
    const unsigned DC = C::drain_cols, rot = c0 % DC, base = c0 / DC;
    astore_t bank[C::drain_cols];
READ_BANKS:
    for (unsigned k = 0; k < DC; k++) {
        const unsigned addr = base + (k < rot ? 1u : 0u);
        bank[k] = addr < C::max_cols / DC ? buf[b][ra][rb][addr][k] : act_seal(act_t(0));
    }
ROTATE_IN:
    for (unsigned jj = 0; jj < DC; jj++) out[jj] = act_open(bank[(rot + jj) % DC], jj < live, sl);
}

// Columns c0 .. c0 + DC - 1 of one row: out[jj] = column c0 + jj (0 past MAX_COLS).
template <class C>
inline void read_cols(SM_ABUF(C, buf), unsigned b, unsigned row, unsigned c0,
                      act_t out[C::drain_cols], unsigned live, seu_log &sl) {
#pragma HLS INLINE
    read_cols_at<C>(buf, b, row / C::array_rows, row % C::array_rows, c0, out, live, sl);
}

// Write in[jj] to column c0 + jj (jj < n <= DC) of the row at address `ra` of row bank `rb`.
template <class C>
inline void write_cols_at(SM_ABUF(C, buf), unsigned b, unsigned ra, unsigned rb, unsigned c0,
                          const act_t in[C::drain_cols], unsigned n) {
#pragma HLS INLINE
    const unsigned DC = C::drain_cols, rot = c0 % DC, base = c0 / DC;
WRITE_BANKS:
    for (unsigned k = 0; k < DC; k++) {
        const unsigned jj = (k + DC - rot) % DC;  // the column bank k takes
        const unsigned addr = base + (k < rot ? 1u : 0u);
        if (jj < n && addr < C::max_cols / DC) buf[b][ra][rb][addr][k] = act_seal(in[jj]);
    }
}

// Write in[jj] to column c0 + jj of one row for jj < n (n <= DC).
template <class C>
inline void write_cols(SM_ABUF(C, buf), unsigned b, unsigned row, unsigned c0,
                       const act_t in[C::drain_cols], unsigned n) {
#pragma HLS INLINE
    write_cols_at<C>(buf, b, row / C::array_rows, row % C::array_rows, c0, in, n);
}

}  // namespace smacc

#endif  // SPACEMIMO_ACT_BANKS_H
