// generated from spacemimo/spec/regmap.yaml by `spacemimo gen` — do not edit
#ifndef SPACEMIMO_REGMAP_H
#define SPACEMIMO_REGMAP_H

namespace regmap {

constexpr unsigned VERSION = 2;
constexpr unsigned HW_ID_VALUE = 0x534D0002u;
constexpr unsigned ADDR_WIDTH = 8;

constexpr unsigned CTRL = 0x00;  // ap_ctrl_hs control
constexpr unsigned CTRL_AP_START_BIT = 0;
constexpr unsigned CTRL_AP_DONE_BIT = 1;
constexpr unsigned CTRL_AP_IDLE_BIT = 2;
constexpr unsigned CTRL_AP_READY_BIT = 3;
constexpr unsigned CTRL_AUTO_RESTART_BIT = 7;
constexpr unsigned GIE = 0x04;  // global interrupt enable (bit 0)
constexpr unsigned IER = 0x08;  // interrupt enable: bit0 done, bit1 ready, bit2 SEU (RTL only: SEU_STATUS gained a bit)
constexpr unsigned ISR = 0x0C;  // interrupt status, toggle-on-write: bit0 done, bit1 ready, bit2 SEU (RTL only)
constexpr unsigned PROGRAM_ADDR_LO = 0x10;  // program image byte address [31:0]
constexpr unsigned PROGRAM_ADDR_HI = 0x14;  // program image byte address [63:32]
constexpr unsigned INPUT_ADDR_LO = 0x1C;  // input tables (int16) byte address [31:0]
constexpr unsigned INPUT_ADDR_HI = 0x20;  // input tables byte address [63:32]
constexpr unsigned OUTPUT_ADDR_LO = 0x28;  // output tables (int16) byte address [31:0]
constexpr unsigned OUTPUT_ADDR_HI = 0x2C;  // output tables byte address [63:32]
constexpr unsigned NUM_VECTORS = 0x34;  // input tables to run back to back (>= 1)
constexpr unsigned MODE = 0x3C;  // run mode
constexpr unsigned MODE_LOAD_PROGRAM_BIT = 0;
constexpr unsigned STATUS = 0x44;  // error code of the last run (quant/PROGRAM.md ERROR_CODES)
constexpr unsigned CYCLES_LO = 0x4C;  // clock cycles from start to done of the last run, a free-running counter [31:0] (HLS C-sim: STEPS)
constexpr unsigned CYCLES_HI = 0x50;  // cycles [63:32]
constexpr unsigned HW_ID = 0x58;  // 0x534D0000 | map version: 'SM' + register-map version
constexpr unsigned HW_CONFIG = 0x60;  // synthesized maxima of this build
constexpr unsigned HW_CONFIG_MAX_ROWS_BIT = 0;
constexpr unsigned HW_CONFIG_MAX_ROWS_WIDTH = 8;
constexpr unsigned HW_CONFIG_MAX_COLS_DIV64_BIT = 8;
constexpr unsigned HW_CONFIG_MAX_COLS_DIV64_WIDTH = 8;
constexpr unsigned HW_CONFIG_NUM_BUFFERS_BIT = 16;
constexpr unsigned HW_CONFIG_NUM_BUFFERS_WIDTH = 4;
constexpr unsigned HW_CONFIG_LOG2_OUT_LANES_BIT = 20;
constexpr unsigned HW_CONFIG_LOG2_OUT_LANES_WIDTH = 4;
constexpr unsigned HW_CONFIG_LOG2_NODE_ROWS_BIT = 24;
constexpr unsigned HW_CONFIG_LOG2_NODE_ROWS_WIDTH = 4;
constexpr unsigned HW_CONFIG_DATA_16_BIT = 28;
constexpr unsigned HW_CONFIG_TABLE_SIZE_BIT = 29;
constexpr unsigned HW_CONFIG_TABLE_SIZE_WIDTH = 3;
constexpr unsigned PROGRAM_SIZE = 0x68;  // program buffer bytes; no loader trusts the header's length beyond it
constexpr unsigned INPUT_SIZE = 0x70;  // input buffer bytes; NUM_VECTORS input tables must fit
constexpr unsigned OUTPUT_SIZE = 0x78;  // output buffer bytes; NUM_VECTORS output tables must fit
constexpr unsigned ABORT = 0x80;  // host abort
constexpr unsigned ABORT_REQUEST_BIT = 0;
constexpr unsigned HW_WEIGHTS = 0x88;  // weight memories of this build
constexpr unsigned HW_WEIGHTS_WMEM_DEPTH_BIT = 0;
constexpr unsigned HW_WEIGHTS_WMEM_DEPTH_WIDTH = 24;
constexpr unsigned HW_WEIGHTS_WGT_PORTS_BIT = 24;
constexpr unsigned HW_WEIGHTS_WGT_PORTS_WIDTH = 3;
constexpr unsigned HW_WEIGHTS_LOG2_WGT_WORDS_BIT = 27;
constexpr unsigned HW_WEIGHTS_LOG2_WGT_WORDS_WIDTH = 2;
constexpr unsigned HW_WEIGHTS_PLACEMENT_BIT = 29;
constexpr unsigned HW_WEIGHTS_PLACEMENT_WIDTH = 2;
constexpr unsigned SEU_STATUS = 0x90;  // where upsets were caught; bits 0-1 cleared by a successful LOAD_PROGRAM, all by SEU_CLEAR
constexpr unsigned SEU_STATUS_WEIGHTS_CORRUPTED_BIT = 0;
constexpr unsigned SEU_STATUS_PROGRAM_CORRUPTED_BIT = 1;
constexpr unsigned SEU_STATUS_RUN_UPSET_BIT = 2;
constexpr unsigned SEU_STATUS_CTRL_FAULT_BIT = 3;
constexpr unsigned SEU_CORRECTED = 0x98;  // single-bit errors corrected since reset/SEU_CLEAR (saturating; one per corrected read or scrub write-back)
constexpr unsigned SEU_UNCORRECTABLE = 0xA0;  // uncorrectable errors detected since reset/SEU_CLEAR (saturating)
constexpr unsigned SCRUB_PERIOD = 0xA8;  // cycles between two scrub steps (one row of every resident bank read, corrected, written back on a port the MAC array does not use); 0 = off
constexpr unsigned SCRUB_PERIOD_RESET = 1024u;
constexpr unsigned HW_PROTECT = 0xB0;  // SEU protection of this build (0 none, 1 parity, 2 secded)
constexpr unsigned HW_PROTECT_WEIGHTS_BIT = 0;
constexpr unsigned HW_PROTECT_WEIGHTS_WIDTH = 2;
constexpr unsigned HW_PROTECT_ACTS_BIT = 2;
constexpr unsigned HW_PROTECT_ACTS_WIDTH = 2;
constexpr unsigned HW_PROTECT_CTRL_BIT = 4;
constexpr unsigned HW_PROTECT_CTRL_WIDTH = 2;
constexpr unsigned HW_PROTECT_SCRUB_BIT = 6;
constexpr unsigned SEU_CLEAR = 0xB8;  // clear the SEU record
constexpr unsigned SEU_CLEAR_CLEAR_BIT = 0;
constexpr unsigned STEPS_LO = 0xC0;  // HLS IP: the kernel's counted loop steps of the last run at their declared II, no stall [31:0]; RTL: 0
constexpr unsigned STEPS_HI = 0xC4;  // steps [63:32]

}  // namespace regmap

#endif  // SPACEMIMO_REGMAP_H
