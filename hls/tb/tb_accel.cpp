// C-simulation testbench: runs spacemimo_accel on a golden-vector directory written by
// `spacemimo golden` (program.bin, inputs.bin, expected.bin, meta.json) and counts
// mismatching output words. Exit status 0 only when every word matches (or, with
// --expect-status, when the kernel reports exactly that error code).
//
// The kernel is driven the way a host drives the IP: a simulated DDR holds the image and the
// tables, an AXI-Lite register file (offsets from regmap.h) holds the addresses and sizes, and
// writing AP_START to CTRL runs the top function with the m_axi pointers those registers name.
// Every buffer is its own heap allocation of exactly its size register (rounded up to whole
// bus beats), never of the file's or the header's length, so under AddressSanitizer any
// access outside a registered buffer is a report (PROGRAM.md "Bounds").
//
//   tb_accel DIR [--expect-status N] [--max-vectors N] [--no-load] [--quiet]
//                [--program-size BYTES] [--input-size BYTES] [--output-size BYTES]
//                [--num-vectors N] [--reuse-program-size BYTES] [--program-size header]
//   (--program-size header: PROGRAM_SIZE and the buffer are the length the image's header
//    declares, in whole beats — the file zero-padded or cut to it)
//                [--scrub-period CYCLES] [--inject TARGET:VEC:OP:A:B:C:BIT:N]...
//   (--inject: flip N adjacent stored bits from BIT up in one memory just before op OP of
//    vector VEC of the first run — spacemimo_csim_inject names the targets and A, B, C. A run
//    that then ends SEU_DETECTED is checked as the driver handles it: the vectors before VEC
//    exact, a MODE = 0 rerun refused while SEU_STATUS asks for a reload, then the documented
//    recovery — reload when WEIGHTS/PROGRAM_CORRUPTED, else rerun — bit-exact)
//   tb_accel --load-list FILE   load-only: MODE.LOAD_PROGRAM = 1 and one zero vector for every
//                               line "PATH [PROGRAM_SIZE]" of FILE (default PROGRAM_SIZE: the
//                               file's size; the buffer holds the file cut or zero-padded to
//                               it); prints "load PATH status=N" per image
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

bool read_file(const std::string &path, std::vector<char> &out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    out.assign((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return true;
}

std::vector<char> read_file(const std::string &path) {
    std::vector<char> out;
    if (!read_file(path, out)) {
        std::fprintf(stderr, "tb_accel: cannot read %s\n", path.c_str());
        std::exit(2);
    }
    return out;
}

// One registered buffer of the simulated DDR: its own allocation of the whole bus beats in
// its size register (bursts move whole beats; a beat straddling the end is outside), so any
// access past it is an AddressSanitizer report, not a silent read of a neighbour.
struct Region {
    uint64_t base, size;
    std::vector<bus_t> beats;
    // zero-filled (ap_uint's default constructor leaves its value undefined)
    Region(uint64_t b, uint64_t n) : base(b), size(n), beats(n / BUS_BYTES, bus_t(0)) {}
    void set_byte(uint64_t off, unsigned char v) {
        beats[off / BUS_BYTES].range(8 * (off % BUS_BYTES) + 7, 8 * (off % BUS_BYTES)) = v;
    }
    unsigned char byte(uint64_t off) const {
        return (unsigned char)(unsigned)beats[off / BUS_BYTES].range(8 * (off % BUS_BYTES) + 7,
                                                                     8 * (off % BUS_BYTES));
    }
    // Copy at most the region's bytes (the rest of the buffer stays 0).
    void fill(const char *src, uint64_t n) {
        for (uint64_t i = 0; i < n && i < beats.size() * BUS_BYTES; i++)
            set_byte(i, (unsigned char)src[i]);
    }
    int16_t read_i16(uint64_t off) const {
        return (int16_t)(uint16_t)(byte(off) | (byte(off + 1) << 8));
    }
};

// Simulated DDR: the registered buffers at fixed, far-apart byte addresses.
struct Ddr {
    std::vector<Region *> regions;
    bus_t *at(uint64_t addr) {
        for (Region *r : regions)
            if (addr >= r->base && addr - r->base <= r->size)
                return r->beats.data() + (addr - r->base) / BUS_BYTES;
        std::fprintf(stderr, "tb_accel: address 0x%llx is in no buffer\n",
                     (unsigned long long)addr);
        std::exit(2);
    }
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
        unsigned status = 0, hw_id = 0, hw_config = 0, hw_weights = 0;
        unsigned seu_status = 0, seu_corrected = 0, seu_uncorrectable = 0, hw_protect = 0;
        unsigned long long cycles = 0, steps = 0;
        spacemimo_accel(ddr.at(addr(regmap::PROGRAM_ADDR_LO, regmap::PROGRAM_ADDR_HI)),
                        ddr.at(addr(regmap::INPUT_ADDR_LO, regmap::INPUT_ADDR_HI)),
                        ddr.at(addr(regmap::OUTPUT_ADDR_LO, regmap::OUTPUT_ADDR_HI)),
                        regs[regmap::NUM_VECTORS / 4], regs[regmap::MODE / 4], &status, &cycles,
                        &hw_id, &hw_config, &hw_weights, regs[regmap::PROGRAM_SIZE / 4],
                        regs[regmap::INPUT_SIZE / 4], regs[regmap::OUTPUT_SIZE / 4],
                        &seu_status, &seu_corrected, &seu_uncorrectable,
                        regs[regmap::SCRUB_PERIOD / 4], &hw_protect, regs[regmap::SEU_CLEAR / 4],
                        &steps);
        regs[regmap::STATUS / 4] = status;
        regs[regmap::CYCLES_LO / 4] = (uint32_t)cycles;
        regs[regmap::CYCLES_HI / 4] = (uint32_t)(cycles >> 32);
        regs[regmap::STEPS_LO / 4] = (uint32_t)steps;
        regs[regmap::STEPS_HI / 4] = (uint32_t)(steps >> 32);
        regs[regmap::HW_ID / 4] = hw_id;
        regs[regmap::HW_CONFIG / 4] = hw_config;
        regs[regmap::HW_WEIGHTS / 4] = hw_weights;
        regs[regmap::SEU_STATUS / 4] = seu_status;
        regs[regmap::SEU_CORRECTED / 4] = seu_corrected;
        regs[regmap::SEU_UNCORRECTABLE / 4] = seu_uncorrectable;
        regs[regmap::HW_PROTECT / 4] = hw_protect;
        regs[regmap::CTRL / 4] = (1u << regmap::CTRL_AP_DONE_BIT) |
                                 (1u << regmap::CTRL_AP_IDLE_BIT) |
                                 (1u << regmap::CTRL_AP_READY_BIT);
    }
    void set_addr(unsigned lo, unsigned hi, uint64_t a) {
        write(lo, (uint32_t)a);
        write(hi, (uint32_t)(a >> 32));
    }
    // One run on the given buffers (base + size registers): returns STATUS; cycles via *cyc.
    unsigned run(const Region &prog, const Region &in, const Region &out, unsigned n, bool load,
                 unsigned long long *cyc) {
        set_addr(regmap::PROGRAM_ADDR_LO, regmap::PROGRAM_ADDR_HI, prog.base);
        write(regmap::PROGRAM_SIZE, (uint32_t)prog.size);
        set_addr(regmap::INPUT_ADDR_LO, regmap::INPUT_ADDR_HI, in.base);
        write(regmap::INPUT_SIZE, (uint32_t)in.size);
        set_addr(regmap::OUTPUT_ADDR_LO, regmap::OUTPUT_ADDR_HI, out.base);
        write(regmap::OUTPUT_SIZE, (uint32_t)out.size);
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

// Buffer base addresses: 4 GiB apart, so no buffer can run into the next.
const uint64_t PROG_ADDR = 0x100000000ull, IN_ADDR = 0x200000000ull, OUT_ADDR = 0x300000000ull,
               OUT1_ADDR = 0x400000000ull;

uint32_t le32(const std::vector<char> &b, size_t word) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | (unsigned char)b[4 * word + i];
    return v;
}

// Bytes rounded up to whole bus beats: the buffer sizes a driver registers.
uint64_t whole_beats(uint64_t bytes) { return (bytes + BUS_BYTES - 1) / BUS_BYTES * BUS_BYTES; }

uint64_t le32_or0(const std::vector<char> &b, size_t word) {
    return 4 * word + 4 <= b.size() ? le32(b, word) : 0;
}

// Elements of a table the kernel could accept (larger shapes are rejected before any read).
uint64_t capped(uint64_t elems) {
    const uint64_t cap = (uint64_t)accel_config::max_rows * accel_config::max_cols;
    return elems < cap ? elems : cap;
}

// Load-only mode: every image of a list through MODE.LOAD_PROGRAM = 1 with one zero input
// vector, in one process (the fuzz corpus: hundreds of images, one process start).
int load_list(const std::string &list) {
    std::ifstream f(list);
    if (!f) {
        std::fprintf(stderr, "tb_accel: cannot read %s\n", list.c_str());
        return 2;
    }
    std::string line;
    unsigned count = 0;
    while (std::getline(f, line)) {
        if (line.empty()) continue;
        std::string path = line;
        long long size = -1;
        size_t sp = line.rfind(' ');
        if (sp != std::string::npos) {
            path = line.substr(0, sp);
            size = std::atoll(line.c_str() + sp + 1);
        }
        std::vector<char> img = read_file(path);
        uint64_t in_elems = capped(le32_or0(img, program_format::HDR_IN_ROWS) *
                                   le32_or0(img, program_format::HDR_IN_COLS));
        uint64_t out_elems = capped(le32_or0(img, program_format::HDR_OUT_ROWS) *
                                    le32_or0(img, program_format::HDR_OUT_COLS));
        Region prog(PROG_ADDR, size >= 0 ? (uint64_t)size : whole_beats(img.size()));
        Region in(IN_ADDR, whole_beats(2 * in_elems)), out(OUT_ADDR, whole_beats(2 * out_elems));
        prog.fill(img.data(), img.size());
        Ddr ddr;
        ddr.regions = {&prog, &in, &out};
        AccelRegs accel(ddr);
        unsigned long long cyc = 0;
        unsigned status = accel.run(prog, in, out, 1, true, &cyc);
        std::printf("load %s status=%u\n", path.c_str(), status);
        std::fflush(stdout);  // a later crash must not lose this image's line
        count++;
    }
    std::printf("images=%u\n", count);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc == 3 && std::string(argv[1]) == "--load-list") return load_list(argv[2]);
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [--expect-status N] [--max-vectors N] [--no-load] "
                             "[--quiet] [--program-size B] [--input-size B] [--output-size B] "
                             "[--num-vectors N]\n       %s --load-list FILE\n",
                     argv[0], argv[0]);
        return 2;
    }
    std::string dir = argv[1];
    int expect_status = -1;
    long max_vectors = -1;
    long long program_size = -1, input_size = -1, output_size = -1, num_vectors = -1;
    long long reuse_program_size = -1, scrub_period = -1;
    bool quiet = false, no_load = false;
    struct {
        char target[16];
        unsigned vec, op, a, b, c, bit, n;
    } inj;  // the first --inject (its vector is where a detected upset stopped the run)
    bool inject = false;
    for (int i = 2; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--expect-status" && i + 1 < argc) expect_status = std::atoi(argv[++i]);
        else if (a == "--max-vectors" && i + 1 < argc) max_vectors = std::atol(argv[++i]);
        // "header": the buffer is as long as the image's header declares (whole beats; the
        // file zero-padded or cut to it), not the file
        else if (a == "--program-size" && i + 1 < argc && std::string(argv[i + 1]) == "header") {
            program_size = -2;
            i++;
        } else if (a == "--program-size" && i + 1 < argc) program_size = std::atoll(argv[++i]);
        else if (a == "--input-size" && i + 1 < argc) input_size = std::atoll(argv[++i]);
        else if (a == "--output-size" && i + 1 < argc) output_size = std::atoll(argv[++i]);
        else if (a == "--num-vectors" && i + 1 < argc) num_vectors = std::atoll(argv[++i]);
        // the reuse run (MODE.LOAD_PROGRAM = 0) with another PROGRAM_SIZE: streamed weight
        // bursts are then checked against it (rule 3)
        else if (a == "--reuse-program-size" && i + 1 < argc)
            reuse_program_size = std::atoll(argv[++i]);
        else if (a == "--scrub-period" && i + 1 < argc) scrub_period = std::atoll(argv[++i]);
        else if (a == "--inject" && i + 1 < argc) {
            auto one = inj;
            if (std::sscanf(argv[++i], "%15[a-z]:%u:%u:%u:%u:%u:%u:%u", one.target, &one.vec,
                            &one.op, &one.a, &one.b, &one.c, &one.bit, &one.n) != 8 ||
                !spacemimo_csim_inject(one.target, one.vec, one.op, one.a, one.b, one.c,
                                       one.bit, one.n)) {
                std::fprintf(stderr, "tb_accel: --inject TARGET:VEC:OP:A:B:C:BIT:N with TARGET "
                                     "weights|bias|acts|optable|header (at most 4), got %s\n",
                             argv[i]);
                return 2;
            }
            if (!inject) inj = one;
            inject = true;
        } else if (a == "--quiet") quiet = true;
        else if (a == "--no-load") no_load = true;  // first run with MODE.LOAD_PROGRAM = 0
        else {
            std::fprintf(stderr, "tb_accel: unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    for (long long v : {program_size, input_size, output_size, num_vectors, reuse_program_size,
                        scrub_period})
        if (v > 0xFFFFFFFFll) {
            std::fprintf(stderr, "tb_accel: sizes and --num-vectors are 32-bit registers\n");
            return 2;
        }
    std::vector<char> prog = read_file(dir + "/program.bin");
    if (program_size == -2) {  // --program-size header
        const uint64_t declared =
            4 * (program_format::HEADER_WORDS +
                 (uint64_t)program_format::OP_WORDS * le32_or0(prog, program_format::HDR_NUM_OPS) +
                 le32_or0(prog, program_format::HDR_DATA_WORDS));
        if (whole_beats(declared) > 0xFFFFFFFFull || whole_beats(declared) > (256ull << 20)) {
            std::fprintf(stderr, "tb_accel: the header declares %llu bytes: more than a 32-bit "
                                 "PROGRAM_SIZE / the testbench's 256 MiB\n",
                         (unsigned long long)declared);
            return 2;
        }
        program_size = (long long)whole_beats(declared);
    }
    // Shapes come from the program header (the kernel reads the same words; 0 when the file
    // is too short to hold them, and the kernel rejects it).
    unsigned in_rows = (unsigned)le32_or0(prog, program_format::HDR_IN_ROWS);
    unsigned in_cols = (unsigned)le32_or0(prog, program_format::HDR_IN_COLS);
    unsigned out_rows = (unsigned)le32_or0(prog, program_format::HDR_OUT_ROWS);
    unsigned out_cols = (unsigned)le32_or0(prog, program_format::HDR_OUT_COLS);
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
        in_elems = capped(in_elems);
        out_elems = capped(out_elems);
        inputs.assign(2 * in_elems, 0);
    }

    // Buffers sized by the registers the host would program: PROGRAM_SIZE = the file's size,
    // INPUT_SIZE / OUTPUT_SIZE = n tables, each in whole bus beats, unless a --*-size option
    // says otherwise.
    Region pbuf(PROG_ADDR, program_size >= 0 ? (uint64_t)program_size : whole_beats(prog.size()));
    Region ibuf(IN_ADDR, input_size >= 0 ? (uint64_t)input_size : whole_beats(2 * n * in_elems));
    Region obuf(OUT_ADDR,
                output_size >= 0 ? (uint64_t)output_size : whole_beats(2 * n * out_elems));
    // the reuse run's output buffer: as large as the first's (co-simulation copies the m_axi
    // depth from every buffer the top function is called with)
    Region o1buf(OUT1_ADDR, obuf.size);
    pbuf.fill(prog.data(), prog.size());
    ibuf.fill(inputs.data(), inputs.size() < 2 * n * in_elems ? inputs.size() : 2 * n * in_elems);
    // A guard pattern in the bytes of the last beat past the output table catches writes
    // beyond it (AddressSanitizer catches any access past the buffer itself).
    const uint64_t out_bytes = 2 * n * out_elems;
    for (uint64_t b = out_bytes; b < obuf.beats.size() * BUS_BYTES; b++)
        obuf.set_byte(b, 0x5A);
    Ddr ddr;
    ddr.regions = {&pbuf, &ibuf, &obuf, &o1buf};

    AccelRegs accel(ddr);
    if (scrub_period >= 0) accel.write(regmap::SCRUB_PERIOD, (uint32_t)scrub_period);
    unsigned long long cyc_batch = 0, cyc_one = 0;
    unsigned nreg = num_vectors >= 0 ? (unsigned)num_vectors : (unsigned)n;
    unsigned status = accel.run(pbuf, ibuf, obuf, nreg, !no_load, &cyc_batch);
    unsigned hw_id = accel.read(regmap::HW_ID), hw_config = accel.read(regmap::HW_CONFIG);
    auto print_seu = [&](const char *what) {
        std::printf("%s: seu_status=0x%X seu_corrected=%u seu_uncorrectable=%u hw_protect=0x%X\n",
                    what, accel.read(regmap::SEU_STATUS), accel.read(regmap::SEU_CORRECTED),
                    accel.read(regmap::SEU_UNCORRECTABLE), accel.read(regmap::HW_PROTECT));
    };
    print_seu("seu");
    auto count_mismatches = [&](const Region &buf, uint64_t vectors) {
        uint64_t bad = 0;
        for (uint64_t e = 0; e < vectors * out_elems; e++) {
            const int16_t want = (int16_t)(uint16_t)((unsigned char)expected[2 * e] |
                                                     ((unsigned char)expected[2 * e + 1] << 8));
            if (buf.read_i16(2 * e) != want) bad++;
        }
        return bad;
    };
    if (inject && expect_status < 0 && status == program_format::ERR_SEU_DETECTED) {
        // the driver's view (board/README.md "Radiation (SEU) protection")
        const uint64_t before = inj.vec < n ? inj.vec : n;
        const uint64_t bad_before = count_mismatches(obuf, before);
        std::printf("status=%u seu_detected vector=%u mismatches_before_upset=%llu/%llu\n", status,
                    inj.vec, (unsigned long long)bad_before,
                    (unsigned long long)(before * out_elems));
        const unsigned reload = accel.read(regmap::SEU_STATUS) & 3u;  // WEIGHTS | PROGRAM
        unsigned long long cyc = 0;
        if (reload) {
            const unsigned refused = accel.run(pbuf, ibuf, o1buf, 1, false, &cyc);
            std::printf("reuse_before_reload: status=%u\n", refused);
            if (refused != program_format::ERR_SEU_DETECTED) return 1;
        }
        for (auto &beat : obuf.beats) beat = 0;
        const unsigned st2 = accel.run(pbuf, ibuf, obuf, nreg, reload != 0, &cyc);
        const uint64_t bad = count_mismatches(obuf, n);
        std::printf("recovery: action=%s status=%u mismatches=%llu/%llu\n",
                    reload ? "reload+rerun" : "rerun", st2, (unsigned long long)bad,
                    (unsigned long long)(n * out_elems));
        print_seu("seu_after_recovery");
        return bad_before == 0 && st2 == 0 && bad == 0 ? 0 : 1;
    }
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
    if (reuse_program_size > (long long)pbuf.size) {
        std::fprintf(stderr, "tb_accel: --reuse-program-size may only shrink the buffer\n");
        return 2;
    }
    if (reuse_program_size >= 0) pbuf.size = (uint64_t)reuse_program_size;  // register only
    unsigned status1 = accel.run(pbuf, ibuf, o1buf, 1, false, &cyc_one);
    bool reuse_untouched = true;  // nothing written to the reuse run's output buffer
    for (uint64_t b = 0; b < o1buf.beats.size() * BUS_BYTES; b++)
        reuse_untouched = reuse_untouched && o1buf.byte(b) == 0;

    uint64_t mismatches = 0, shown = 0;
    for (uint64_t v = 0; v < n; v++) {
        for (uint64_t e = 0; e < out_elems; e++) {
            int16_t got = obuf.read_i16(2 * (v * out_elems + e));
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
        if (o1buf.read_i16(2 * e) != obuf.read_i16(2 * e)) mism1++;
    bool guard_ok = true;
    for (uint64_t b = out_bytes; b < obuf.beats.size() * BUS_BYTES; b++)
        guard_ok = guard_ok && obuf.byte(b) == 0x5A;
    if (!quiet) {
        std::printf("program: %zu words, %ux%u -> %ux%u, bits %u; hw_id=0x%08X hw_config=0x%08X\n",
                    prog.size() / 4, in_rows, in_cols, out_rows, out_cols,
                    (unsigned)le32_or0(prog, program_format::HDR_BITS), hw_id, hw_config);
        std::printf("array %ux%u, bus %u bit, weight mode %u, store depth %u\n",
                    accel_config::array_rows, accel_config::array_cols, accel_config::bus_width,
                    accel_config::weight_mode, accel_config::weight_depth);
    }
    // the buffers the kernel was called with, in beats: Vitis co-simulation copies the m_axi
    // depth of each pointer from them (hls/tcl/run_hls.tcl sets the depths to these)
    std::printf("buffers_beats program=%llu input=%llu output=%llu\n",
                (unsigned long long)pbuf.beats.size(), (unsigned long long)ibuf.beats.size(),
                (unsigned long long)obuf.beats.size());
    std::printf("cycles_load_and_batch=%llu vectors=%llu cycles_per_inference=%llu\n", cyc_batch,
                (unsigned long long)n, cyc_one);
    {  // STEPS beside CYCLES for the reuse run: equal in C-sim (no clock); in co-simulation
       // CYCLES is the RTL's clock count and the difference what the schedule did not plan
        const unsigned long long steps_one =
            (unsigned long long)accel.read(regmap::STEPS_LO) |
            ((unsigned long long)accel.read(regmap::STEPS_HI) << 32);
        std::printf("steps_per_inference=%llu cycles_minus_steps=%lld\n", steps_one,
                    (long long)(cyc_one - steps_one));
    }
    {  // the reuse run's counted steps per op
        unsigned long long ops[accel_config::max_ops], io[2];
        unsigned nops = spacemimo_csim_op_cycles(ops, io);
        std::printf("io_cycles=%llu,%llu op_cycles=", io[0], io[1]);
        for (unsigned o = 0; o < nops; o++) std::printf(o ? ",%llu" : "%llu", ops[o]);
        std::printf("\n");
    }
    std::printf("reuse_run: status=%u mismatches=%llu/%llu untouched=%d\n", status1,
                (unsigned long long)mism1, (unsigned long long)out_elems, (int)reuse_untouched);
    if (!guard_ok) std::printf("output guard overwritten\n");
    std::printf("mismatches=%llu/%llu\n", (unsigned long long)mismatches,
                (unsigned long long)(n * out_elems));
    return (mismatches == 0 && mism1 == 0 && status1 == 0 && guard_ok) ? 0 : 1;
}
