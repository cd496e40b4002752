// C-simulation testbench: runs spacemimo_accel on a golden-vector directory written by
// `spacemimo golden` (program.bin, inputs.bin, expected.bin, meta.json) and counts
// mismatching output words. Exit status 0 only when every word matches (or, with
// --expect-status, when the kernel reports exactly that error code).
//
// The kernel is driven the way a host drives the IP: a simulated DDR holds the image and the
// tables, an AXI-Lite register file (offsets from regmap.h) holds the addresses, and writing
// AP_START to CTRL runs the top function with the m_axi pointers those registers name.
//
//   tb_accel DIR [--expect-status N] [--max-vectors N] [--no-load] [--quiet]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "spacemimo_accel.h"

namespace {

const unsigned BUS_BYTES = accel_config::bus_width / 8;

std::vector<char> read_file(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "tb_accel: cannot read %s\n", path.c_str());
        std::exit(2);
    }
    return std::vector<char>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Simulated DDR: byte-addressed, stored as bus beats.
struct Ddr {
    std::vector<bus_t> beats;
    explicit Ddr(uint64_t bytes) : beats(bytes / BUS_BYTES + 1, bus_t(0)) {}
    void write_bytes(uint64_t addr, const char *src, uint64_t n) {
        for (uint64_t i = 0; i < n; i++) {
            uint64_t a = addr + i;
            beats[a / BUS_BYTES].range(8 * (a % BUS_BYTES) + 7, 8 * (a % BUS_BYTES)) =
                (unsigned char)src[i];
        }
    }
    int16_t read_i16(uint64_t addr) const {
        unsigned lo = (unsigned)beats[addr / BUS_BYTES].range(8 * (addr % BUS_BYTES) + 7,
                                                              8 * (addr % BUS_BYTES));
        uint64_t a = addr + 1;
        unsigned hi = (unsigned)beats[a / BUS_BYTES].range(8 * (a % BUS_BYTES) + 7,
                                                           8 * (a % BUS_BYTES));
        return (int16_t)(uint16_t)(lo | (hi << 8));
    }
    bus_t *at(uint64_t addr) { return &beats[addr / BUS_BYTES]; }
};

// AXI-Lite register file of the IP; a write of AP_START runs the kernel (ap_ctrl_hs).
struct AccelRegs {
    Ddr &ddr;
    uint32_t regs[64];
    explicit AccelRegs(Ddr &d) : ddr(d) {
        std::memset(regs, 0, sizeof regs);
        regs[regmap::CTRL / 4] = 1u << regmap::CTRL_AP_IDLE_BIT;
    }
    uint64_t addr(unsigned lo, unsigned hi) const {
        return (uint64_t)regs[lo / 4] | ((uint64_t)regs[hi / 4] << 32);
    }
    void write(unsigned off, uint32_t value) {
        regs[off / 4] = value;
        if (off == regmap::CTRL && (value & (1u << regmap::CTRL_AP_START_BIT))) start();
    }
    uint32_t read(unsigned off) {
        uint32_t v = regs[off / 4];
        if (off == regmap::CTRL) regs[off / 4] &= ~(1u << regmap::CTRL_AP_DONE_BIT);  // COR
        return v;
    }
    void start() {
        unsigned status = 0, hw_id = 0, hw_config = 0;
        unsigned long long cycles = 0;
        spacemimo_accel(ddr.at(addr(regmap::PROGRAM_ADDR_LO, regmap::PROGRAM_ADDR_HI)),
                        ddr.at(addr(regmap::INPUT_ADDR_LO, regmap::INPUT_ADDR_HI)),
                        ddr.at(addr(regmap::OUTPUT_ADDR_LO, regmap::OUTPUT_ADDR_HI)),
                        regs[regmap::NUM_VECTORS / 4], regs[regmap::MODE / 4], &status, &cycles,
                        &hw_id, &hw_config);
        regs[regmap::STATUS / 4] = status;
        regs[regmap::CYCLES_LO / 4] = (uint32_t)cycles;
        regs[regmap::CYCLES_HI / 4] = (uint32_t)(cycles >> 32);
        regs[regmap::HW_ID / 4] = hw_id;
        regs[regmap::HW_CONFIG / 4] = hw_config;
        regs[regmap::CTRL / 4] = (1u << regmap::CTRL_AP_DONE_BIT) |
                                 (1u << regmap::CTRL_AP_IDLE_BIT) |
                                 (1u << regmap::CTRL_AP_READY_BIT);
    }
    void set_addr(unsigned lo, unsigned hi, uint64_t a) {
        write(lo, (uint32_t)a);
        write(hi, (uint32_t)(a >> 32));
    }
    // One run: returns STATUS; cycles through *cyc.
    unsigned run(uint64_t prog, uint64_t in, uint64_t out, unsigned n, bool load,
                 unsigned long long *cyc) {
        set_addr(regmap::PROGRAM_ADDR_LO, regmap::PROGRAM_ADDR_HI, prog);
        set_addr(regmap::INPUT_ADDR_LO, regmap::INPUT_ADDR_HI, in);
        set_addr(regmap::OUTPUT_ADDR_LO, regmap::OUTPUT_ADDR_HI, out);
        write(regmap::NUM_VECTORS, n);
        write(regmap::MODE, load ? 1u << regmap::MODE_LOAD_PROGRAM_BIT : 0u);
        write(regmap::CTRL, 1u << regmap::CTRL_AP_START_BIT);
        unsigned polls = 0;
        while (!(read(regmap::CTRL) & (1u << regmap::CTRL_AP_DONE_BIT))) {
            if (++polls > 1000) {
                std::fprintf(stderr, "tb_accel: AP_DONE never rose\n");
                std::exit(3);
            }
        }
        *cyc = (unsigned long long)read(regmap::CYCLES_LO) |
               ((unsigned long long)read(regmap::CYCLES_HI) << 32);
        return read(regmap::STATUS);
    }
};

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint32_t le32(const std::vector<char> &b, size_t word) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | (unsigned char)b[4 * word + i];
    return v;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [--expect-status N] [--max-vectors N] [--no-load] [--quiet]\n",
                     argv[0]);
        return 2;
    }
    std::string dir = argv[1];
    int expect_status = -1;
    long max_vectors = -1;
    bool quiet = false, no_load = false;
    for (int i = 2; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--expect-status" && i + 1 < argc) expect_status = std::atoi(argv[++i]);
        else if (a == "--max-vectors" && i + 1 < argc) max_vectors = std::atol(argv[++i]);
        else if (a == "--quiet") quiet = true;
        else if (a == "--no-load") no_load = true;  // first run with MODE.LOAD_PROGRAM = 0
        else {
            std::fprintf(stderr, "tb_accel: unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    std::vector<char> prog = read_file(dir + "/program.bin");
    if (prog.size() < 4 * program_format::HEADER_WORDS || prog.size() % 4) {
        std::fprintf(stderr, "tb_accel: program.bin too short or not whole words\n");
        return 2;
    }
    // Shapes come from the program header (the kernel reads the same words).
    unsigned in_rows = le32(prog, program_format::HDR_IN_ROWS);
    unsigned in_cols = le32(prog, program_format::HDR_IN_COLS);
    unsigned out_rows = le32(prog, program_format::HDR_OUT_ROWS);
    unsigned out_cols = le32(prog, program_format::HDR_OUT_COLS);
    uint64_t in_elems = (uint64_t)in_rows * in_cols, out_elems = (uint64_t)out_rows * out_cols;

    std::vector<char> inputs, expected;
    uint64_t n = 1;
    if (expect_status < 0) {
        inputs = read_file(dir + "/inputs.bin");
        expected = read_file(dir + "/expected.bin");
        if (in_elems == 0 || out_elems == 0 || inputs.size() % (2 * in_elems) ||
            expected.size() != inputs.size() / (2 * in_elems) * 2 * out_elems) {
            std::fprintf(stderr, "tb_accel: inputs.bin/expected.bin sizes do not match the "
                                 "program's shapes %ux%u -> %ux%u\n",
                         in_rows, in_cols, out_rows, out_cols);
            return 2;
        }
        n = inputs.size() / (2 * in_elems);
        if (max_vectors > 0 && (uint64_t)max_vectors < n) n = (uint64_t)max_vectors;
    } else {
        // invalid-program runs: zero inputs, bounded by the largest table the kernel accepts
        uint64_t cap = (uint64_t)accel_config::max_rows * accel_config::max_cols;
        inputs.assign(2 * (in_elems < cap ? in_elems : cap) + 64, 0);
    }

    // DDR layout: program | inputs | outputs | single-vector output, 4 KiB aligned.
    const uint64_t prog_addr = 0x1000;
    const uint64_t in_addr = align_up(prog_addr + prog.size(), 4096);
    const uint64_t in_bytes = expect_status < 0 ? 2 * n * in_elems : inputs.size();
    const uint64_t out_addr = align_up(in_addr + in_bytes, 4096);
    const uint64_t out1_addr = align_up(out_addr + 2 * n * out_elems + BUS_BYTES, 4096);
    const uint64_t guard = 0x5A;
    Ddr ddr(out1_addr + 2 * out_elems + 2 * 4096);
    ddr.write_bytes(prog_addr, prog.data(), prog.size());
    ddr.write_bytes(in_addr, inputs.data(), in_bytes);
    // A guard pattern past the output table catches writes beyond it.
    std::vector<char> guard_bytes(BUS_BYTES * 2, (char)guard);
    ddr.write_bytes(out_addr + 2 * n * out_elems, guard_bytes.data(), guard_bytes.size());

    AccelRegs accel(ddr);
    unsigned long long cyc_batch = 0, cyc_one = 0;
    unsigned status = accel.run(prog_addr, in_addr, out_addr, (unsigned)n, !no_load, &cyc_batch);
    unsigned hw_id = accel.read(regmap::HW_ID), hw_config = accel.read(regmap::HW_CONFIG);
    if (expect_status >= 0) {
        std::printf("status=%u expected_status=%d hw_id=0x%08X\n", status, expect_status, hw_id);
        return status == (unsigned)expect_status ? 0 : 1;
    }
    if (status != 0) {
        std::printf("status=%u (kernel rejected the program) mismatches=%llu/%llu\n", status,
                    (unsigned long long)(n * out_elems), (unsigned long long)(n * out_elems));
        return 1;
    }
    // Second run reuses the loaded program (MODE.LOAD_PROGRAM = 0): one inference's latency.
    unsigned status1 = accel.run(prog_addr, in_addr, out1_addr, 1, false, &cyc_one);

    uint64_t mismatches = 0, shown = 0;
    for (uint64_t v = 0; v < n; v++) {
        for (uint64_t e = 0; e < out_elems; e++) {
            int16_t got = ddr.read_i16(out_addr + 2 * (v * out_elems + e));
            int16_t want = (int16_t)(uint16_t)((unsigned char)expected[2 * (v * out_elems + e)] |
                                               ((unsigned char)expected[2 * (v * out_elems + e) + 1] << 8));
            if (got != want) {
                mismatches++;
                if (shown++ < 10)
                    std::printf("mismatch: vector %llu row %llu col %llu got %d expected %d\n",
                                (unsigned long long)v, (unsigned long long)(e / out_cols),
                                (unsigned long long)(e % out_cols), got, want);
            }
        }
    }
    uint64_t mism1 = 0;
    for (uint64_t e = 0; e < out_elems; e++)
        if (ddr.read_i16(out1_addr + 2 * e) != ddr.read_i16(out_addr + 2 * e)) mism1++;
    bool guard_ok = ddr.read_i16(out_addr + 2 * n * out_elems) == (int16_t)0x5A5A;
    if (!quiet) {
        std::printf("program: %zu words, %ux%u -> %ux%u, bits %u; hw_id=0x%08X hw_config=0x%08X\n",
                    prog.size() / 4, in_rows, in_cols, out_rows, out_cols,
                    le32(prog, program_format::HDR_BITS), hw_id, hw_config);
        std::printf("array %ux%u, bus %u bit, weight mode %u, store depth %u\n",
                    accel_config::array_rows, accel_config::array_cols, accel_config::bus_width,
                    accel_config::weight_mode, accel_config::weight_depth);
    }
    std::printf("cycles_load_and_batch=%llu vectors=%llu cycles_per_inference=%llu\n", cyc_batch,
                (unsigned long long)n, cyc_one);
    std::printf("reuse_run: status=%u mismatches=%llu/%llu\n", status1,
                (unsigned long long)mism1, (unsigned long long)out_elems);
    if (!guard_ok) std::printf("output guard overwritten\n");
    std::printf("mismatches=%llu/%llu\n", (unsigned long long)mismatches,
                (unsigned long long)(n * out_elems));
    return (mismatches == 0 && mism1 == 0 && status1 == 0 && guard_ok) ? 0 : 1;
}
