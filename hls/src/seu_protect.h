// SEU protection of the kernel's memories (issue 19): the stored word formats, the upset log
// behind the SEU_* registers, and the op-table/header parity. The codes themselves are
// generated (sm_ecc.h from spacemimo/spec/ecc.py, the same masks as the RTL's sm_ecc.vh and
// the Python decoder); this header only says which memory stores what.
//
//   SM_SEU_W 2  weight store: 72-bit rows {8 check bits, word 2e+1, word 2e} (SECDED64, the
//               width of a BRAM36 in 512 x 72 mode: +12.5 %); bias store: acc_bits + 7 check
//               bits (SECDED32 / SECDED48). Corrected on read (and written back), counted.
//   SM_SEU_A 1  activation buffers: two interleaved parity bits per stored value (detect)
//            2  SECDED per value: 9 + 6 bits at 8 bit (the 16-bit code shortened to 9 data
//               bits), 17 + 7 at 16 bit (the 32-bit code shortened to 17)
//   SM_SEU_C 1  interleaved parity (8 groups) over every decoded op record and the header
//               fields the run loop uses, checked when read
//   SM_SCRUB 1  scrub the resident weight/bias rows between vectors (spacemimo_accel.cpp)
//
// A shortened code stores only the K data bits it protects; the code's other data bits are 0
// by construction, so a decode that "corrects" one of them saw at least two flips: it is
// reported uncorrectable.
#ifndef SPACEMIMO_SEU_PROTECT_H
#define SPACEMIMO_SEU_PROTECT_H

#include "accel_config.h"
#include "regmap.h"

#if SM_SEU_W || SM_SEU_A || SM_SEU_C
#include "sm_ecc.h"
#endif

namespace smacc {

// SEU_STATUS bits (spacemimo/spec/regmap.yaml) and the log one run adds to. The counters and
// the sticky bits live in the top function between runs (they are the SEU_* registers).
enum seu_bit { SEU_WEIGHTS = 0, SEU_PROGRAM = 1, SEU_RUN_UPSET = 2, SEU_CTRL_FAULT = 3 };

struct seu_log {
    unsigned corrected;      // single-bit errors corrected (saturating)
    unsigned uncorrectable;  // runs stopped by an uncorrectable error (saturating): the first
                             // detection of a run counts, not every read of the same bad row
    unsigned status;         // SEU_STATUS
    bool detected;           // this run met an uncorrectable upset: stop, STATUS SEU_DETECTED
    void count_corrected() {
#pragma HLS INLINE
        if (corrected != 0xFFFFFFFFu) corrected++;
    }
    void fail(unsigned bit) {
#pragma HLS INLINE
        if (!detected && uncorrectable != 0xFFFFFFFFu) uncorrectable++;
        status |= 1u << bit;
        detected = true;
    }
};

#if SM_SEU_W || SM_SEU_A
// The generated SECDED code whose data width W is the narrowest >= K bits (the 9 / 17-bit
// activation values have their own codes, as in the RTL: 5 / 6 check bits).
constexpr int secded_width(int k) {
    return k <= 8 ? 8 : k == 9 ? 9 : k <= 16 ? 16 : k == 17 ? 17 : k <= 32 ? 32 : k <= 48 ? 48 : 64;
}
constexpr int secded_check_bits(int k) {
    return secded_width(k) == 8    ? sm_ecc::SECDED8_CHECK_BITS
           : secded_width(k) == 9  ? sm_ecc::SECDED9_CHECK_BITS
           : secded_width(k) == 16 ? sm_ecc::SECDED16_CHECK_BITS
           : secded_width(k) == 17 ? sm_ecc::SECDED17_CHECK_BITS
           : secded_width(k) == 32 ? sm_ecc::SECDED32_CHECK_BITS
           : secded_width(k) == 48 ? sm_ecc::SECDED48_CHECK_BITS
                                   : sm_ecc::SECDED64_CHECK_BITS;
}

template <int W>
inline uint64_t secded_encode(uint64_t d) {
#pragma HLS INLINE
    return W == 8 ? sm_ecc::secded8_encode(d) : W == 9 ? sm_ecc::secded9_encode(d)
         : W == 16 ? sm_ecc::secded16_encode(d) : W == 17 ? sm_ecc::secded17_encode(d)
         : W == 32 ? sm_ecc::secded32_encode(d) : W == 48 ? sm_ecc::secded48_encode(d)
                   : sm_ecc::secded64_encode(d);
}

template <int W>
inline sm_ecc::Outcome secded_decode(uint64_t &d, uint64_t c) {
#pragma HLS INLINE
    return W == 8 ? sm_ecc::secded8_decode(d, c) : W == 9 ? sm_ecc::secded9_decode(d, c)
         : W == 16 ? sm_ecc::secded16_decode(d, c) : W == 17 ? sm_ecc::secded17_decode(d, c)
         : W == 32 ? sm_ecc::secded32_decode(d, c) : W == 48 ? sm_ecc::secded48_decode(d, c)
                   : sm_ecc::secded64_decode(d, c);
}

// {check, data} of K data bits with the shortened code of width secded_width(K).
template <int K>
struct secded_word {
    static const int W = secded_width(K), CB = secded_check_bits(K), BITS = K + CB;
    typedef ap_uint<BITS> type;
    static type seal(ap_uint<K> data) {
#pragma HLS INLINE
        const uint64_t d = (uint64_t)data;
        type w = 0;
        w.range(K - 1, 0) = data;
        w.range(BITS - 1, K) = ap_uint<CB>(secded_encode<W>(d));
        return w;
    }
    // data (corrected when one bit flipped); the outcome says which
    static sm_ecc::Outcome open(type w, ap_uint<K> &data) {
#pragma HLS INLINE
        uint64_t d = (uint64_t)ap_uint<K>(w.range(K - 1, 0));
        sm_ecc::Outcome o = secded_decode<W>(d, (uint64_t)ap_uint<CB>(w.range(BITS - 1, K)));
        if (o == sm_ecc::CORRECTED && K < 64 && (d >> (K < 64 ? K : 63)) != 0)
            o = sm_ecc::UNCORRECTABLE;  // "corrected" a bit the shortened code never stores
        data = ap_uint<K>(d);
        return o;
    }
};
#endif

// -------------------------------------------------------------------------- activation words
// act_t values as the buffers store them (SM_ABUF).
#if SM_SEU_A == 2
typedef secded_word<accel_config::act_bits> act_code;
typedef act_code::type astore_t;
#elif SM_SEU_A == 1
// {parity of the value bits at positions = W + 1 (mod 2), parity of those = W (mod 2), value}
// (W = act_bits): two parity bits interleaved by stored position, the RTL's SEU_A 1 code, so
// any two adjacent flips, across the value / parity boundary too, land in different groups
typedef ap_uint<accel_config::act_bits + 2> astore_t;

// The two check bits of a value: bit 0 (stored at position W) covers the value bits of W's
// parity, bit 1 (position W + 1) the others.
inline ap_uint<2> act_parity(ap_uint<accel_config::act_bits> u) {
#pragma HLS INLINE
    bool even = false, odd = false;
    for (int i = 0; i < accel_config::act_bits; i++) {
#pragma HLS UNROLL
        if (i % 2 == 0) even ^= u[i];
        else odd ^= u[i];
    }
    const bool w_even = accel_config::act_bits % 2 == 0;
    ap_uint<2> c;
    c[0] = w_even ? even : odd;
    c[1] = w_even ? odd : even;
    return c;
}
#else
typedef act_t astore_t;
#endif

inline astore_t act_seal(act_t v) {
#pragma HLS INLINE
#if SM_SEU_A == 2
    return act_code::seal(ap_uint<accel_config::act_bits>(v));
#elif SM_SEU_A == 1
    const ap_uint<accel_config::act_bits> u = v;
    astore_t w = 0;
    w.range(accel_config::act_bits - 1, 0) = u;
    w.range(accel_config::act_bits + 1, accel_config::act_bits) = act_parity(u);
    return w;
#else
    return v;
#endif
}

// The value of a stored word; `live`: the caller uses it, so an upset in it counts (a word
// read alongside but unused — a padding lane, a column past the op — never stops a run).
inline act_t act_open(astore_t w, bool live, seu_log &sl) {
#pragma HLS INLINE
#if SM_SEU_A == 2
    ap_uint<accel_config::act_bits> u;
    const sm_ecc::Outcome o = act_code::open(w, u);
    if (live && o == sm_ecc::CORRECTED) sl.count_corrected();
    if (live && o == sm_ecc::UNCORRECTABLE) sl.fail(SEU_RUN_UPSET);
    return act_t(u);
#elif SM_SEU_A == 1
    const ap_uint<accel_config::act_bits> u = w.range(accel_config::act_bits - 1, 0);
    if (live && act_parity(u) != w.range(accel_config::act_bits + 1, accel_config::act_bits))
        sl.fail(SEU_RUN_UPSET);
    return act_t(u);
#else
    (void)live;
    (void)sl;
    return w;
#endif
}

// -------------------------------------------------------------------------- weight store
// The store in SEU builds is 72-bit rows of two consecutive 32-bit words of a bank; a word is
// read by decoding its row (a corrected row is written back on the write port, which the
// array's read never uses) and written by read-modify-write of its row.
#if SM_SEU_W == 2
typedef secded_word<64> wrow_code;
typedef wrow_code::type wrow_t;  // 72 bits
#else
typedef wstore_t wrow_t;  // one 32-bit word
#endif

#define SM_WSTORE(C, name) wrow_t name[C::array_cols][C::wstore_rows][C::wstore_subs]

// Store word `addr` of bank j.
template <class C>
inline unsigned wstore_read(SM_WSTORE(C, ws), unsigned j, unsigned addr, seu_log &sl) {
#pragma HLS INLINE
#if SM_SEU_W == 2
    const unsigned e = addr >> 1;
    const wrow_t row = ws[j][e / C::wstore_subs][e % C::wstore_subs];
    ap_uint<64> d;
    const sm_ecc::Outcome o = wrow_code::open(row, d);
    if (o == sm_ecc::CORRECTED) {
        sl.count_corrected();
        ws[j][e / C::wstore_subs][e % C::wstore_subs] = wrow_code::seal(d);  // write back
    } else if (o == sm_ecc::UNCORRECTABLE) {
        sl.fail(SEU_WEIGHTS);
    }
    return (unsigned)(addr & 1u ? d.range(63, 32) : d.range(31, 0));
#else
    (void)sl;
    return (unsigned)ws[j][addr / C::wstore_subs][addr % C::wstore_subs];
#endif
}

// Write store word `addr` of bank j: its row partner is kept (corrected when it can be; an
// uncorrectable partner is re-sealed as read — it is rewritten by its own copy when the
// program uses it, and never read otherwise).
template <class C>
inline void wstore_write(SM_WSTORE(C, ws), unsigned j, unsigned addr, unsigned word) {
#pragma HLS INLINE
#if SM_SEU_W == 2
    const unsigned e = addr >> 1;
    ap_uint<64> d;
    wrow_code::open(ws[j][e / C::wstore_subs][e % C::wstore_subs], d);
    if (addr & 1u) d.range(63, 32) = word;
    else d.range(31, 0) = word;
    ws[j][e / C::wstore_subs][e % C::wstore_subs] = wrow_code::seal(d);
#else
    ws[j][addr / C::wstore_subs][addr % C::wstore_subs] = word;
#endif
}

// -------------------------------------------------------------------------- bias store
#if SM_SEU_W == 2
typedef secded_word<accel_config::acc_bits> bias_code;
typedef bias_code::type bstore_t;  // acc_bits + 7
#else
typedef bias_t bstore_t;
#endif

#define SM_BSTORE(C, name) bstore_t name[C::array_cols][C::bias_depth]

template <class C>
inline acc_t bias_read(SM_BSTORE(C, bs), unsigned j, unsigned e, seu_log &sl) {
#pragma HLS INLINE
#if SM_SEU_W == 2
    ap_uint<C::acc_bits> d;
    const sm_ecc::Outcome o = bias_code::open(bs[j][e], d);
    if (o == sm_ecc::CORRECTED) {
        sl.count_corrected();
        bs[j][e] = bias_code::seal(d);
    } else if (o == sm_ecc::UNCORRECTABLE) {
        sl.fail(SEU_WEIGHTS);
    }
    return acc_t(bias_t(d));
#else
    (void)sl;
    return acc_t(bs[j][e]);
#endif
}

template <class C>
inline void bias_write(SM_BSTORE(C, bs), unsigned j, unsigned e, bias_t b) {
#pragma HLS INLINE
#if SM_SEU_W == 2
    bs[j][e] = bias_code::seal(ap_uint<C::acc_bits>(b));
#else
    bs[j][e] = b;
#endif
}

// One scrub step at row e of every weight bank and entry eb of every bias bank: read,
// correct, write back (an uncorrectable row is counted, flagged and re-sealed, so a row the
// reload does not rewrite stops tripping the scrubber; WEIGHTS_CORRUPTED stays set until the
// reload). Uses the store's write port and one read port, between vectors.
template <class C>
inline void scrub_step(SM_WSTORE(C, ws), SM_BSTORE(C, bs), unsigned e, bool do_w, unsigned eb,
                       bool do_b, seu_log &sl) {
#pragma HLS INLINE
#if SM_SEU_W == 2
SCRUB_BANKS:
    for (unsigned j = 0; j < C::array_cols; j++) {
        if (do_w) {
            ap_uint<64> d;
            const sm_ecc::Outcome o = wrow_code::open(ws[j][e / C::wstore_subs][e % C::wstore_subs], d);
            if (o == sm_ecc::CORRECTED) sl.count_corrected();
            if (o == sm_ecc::UNCORRECTABLE) sl.fail(SEU_WEIGHTS);
            if (o != sm_ecc::CLEAN) ws[j][e / C::wstore_subs][e % C::wstore_subs] = wrow_code::seal(d);
        }
        if (do_b) {
            ap_uint<C::acc_bits> d;
            const sm_ecc::Outcome o = bias_code::open(bs[j][eb], d);
            if (o == sm_ecc::CORRECTED) sl.count_corrected();
            if (o == sm_ecc::UNCORRECTABLE) sl.fail(SEU_WEIGHTS);
            if (o != sm_ecc::CLEAN) bs[j][eb] = bias_code::seal(d);
        }
    }
#else
    (void)ws, (void)bs, (void)e, (void)do_w, (void)eb, (void)do_b, (void)sl;
#endif
}

}  // namespace smacc

#endif  // SPACEMIMO_SEU_PROTECT_H
