// spacemimo_accel — executes accelerator programs (quant/PROGRAM.md, format v3) as data.
//
// Architecture (rtl/README.md has the full story):
//  * Output-stationary MAC array of OUT_LANES (P) output-neuron lanes x NODE_ROWS (C) table
//    rows (graph nodes); each lane multiplies Q = 32/DATA_W inputs per cycle (one packed weight
//    word), so P*C*Q MACs per cycle. Every cycle all P weight banks are read at the same
//    address: bank p holds output neurons o = p (mod P) of every DENSE op, Q weights per word.
//  * Weights and biases live on chip (P weight banks of WMEM_DEPTH x 32 bit, inferable block
//    RAM; P bias banks of BMEM_DEPTH x ACC_W bit), loaded once per program (MODE.LOAD_PROGRAM=1).
//    With WGT_PORTS > 0 the loader keeps DENSE ops resident in program order while they fit
//    WMEM_DEPTH (0: none) and streams the rest each inference from the program image over
//    the m_axi_wgt<k> read masters (sm_axi_stream_rd) into double-buffered per-bank stream
//    buffers (rtl/README.md "Weight placement", "The stream engine").
//    DENSE input segments (v2): each activation is shifted left by its segment's alignment
//    before the multiplier (C*Q shifters at the array input, not one per PE).
//  * Activation buffers: P column banks x C row lanes of small memories, so a tile's P outputs
//    of one row are written in one cycle (barrel-rotated by the destination column) and Q
//    consecutive columns of C rows are read per cycle at any column offset.
//  * Drain: the accumulators are copied into a shadow register at the end of each tile and
//    drained one row per cycle through P bias/ReLU/round-half-even/saturate units while the
//    next tile accumulates.
//  * AGGREGATE (max or sum over the rows of a group inside one C-row tile) and NORM (sum of
//    squares, bit-serial isqrt, restoring division, scale) use C*Q shared requantizers.
//  * AXI4-Lite registers (board/regmap.yaml via rtl/regmap.vh), AXI4 master for the program,
//    inputs and outputs, STATUS error codes (rtl/program_format.vh), cycle counter, watchdog.
//  * Memory safety (quant/PROGRAM.md "Bounds"): base + size of every buffer; run-level checks
//    before any bus access (ADDR_RANGE / BAD_FORMAT) and a per-burst range check in the AXI
//    engines. Every exit (TIMEOUT, ADDR_RANGE, BUS_ERROR, host ABORT) drains the bursts it
//    started (S_ABORT -> S_DRAIN) before S_DONE, so no VALID drops before its READY.
`include "accel_params.vh"
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off UNUSEDPARAM */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */
module spacemimo_accel #(
  // defaults: rtl/accel_params.vh (generated from spacemimo/spec/builds.yaml, build
  // rtl-small-8); cosim and yosys pass every build's own values
  parameter OUT_LANES   = `SM_OUT_LANES,    // P: output-neuron lanes (power of two, >= 32/DATA_W)
  parameter NODE_ROWS   = `SM_NODE_ROWS,    // C: table rows (nodes) in parallel
  parameter DATA_W      = `SM_DATA_W,       // 8 or 16: weight/activation bits (programs must match)
  parameter ACC_W       = `SM_ACC_W,        // accumulator bits (32 for 8-bit, 48 for 16-bit)
  parameter MAX_ROWS    = `SM_MAX_ROWS,     // multiple of NODE_ROWS
  parameter MAX_COLS    = `SM_MAX_COLS,     // multiple of OUT_LANES
  parameter NUM_BUFFERS = `SM_NUM_BUFFERS,
  // elements one activation buffer holds (rtl/README.md "Activation buffers"): a power of two,
  // a multiple of OUT_LANES x NODE_ROWS; 0: the MAX_ROWS x MAX_COLS rectangle
  parameter TABLE_ELEMS = `SM_TABLE_ELEMS,
  parameter MAX_OPS     = `SM_MAX_OPS,
  parameter WMEM_DEPTH  = `SM_WMEM_DEPTH,   // resident weight words per bank (0: all streamed)
  parameter BMEM_DEPTH  = `SM_BMEM_DEPTH,   // bias words per bank
  parameter MAX_DATA_WORDS = `SM_MAX_DATA_WORDS,  // data-segment words (resident: P*(WMEM+BMEM))
  parameter AXI_AW      = 64,
  parameter AXI_DW      = `SM_AXI_DW,
  parameter MAX_BURST   = 16,
  parameter WATCHDOG    = `SM_WATCHDOG,     // cycles a bus handshake may stall before TIMEOUT
  parameter FABRIC_MUL_LANES = `SM_FABRIC_MUL_LANES, // lanes whose multipliers are LUTs, not DSPs
  parameter NORM_COLS   = `SM_NORM_COLS,    // NORM columns per cycle, 1..Q (0: Q); C*NORM_COLS 64-bit units
  // streamed weights (rtl/README.md "Weight placement"): WGT_PORTS read-only AXI4 masters
  // m_axi_wgt<k> (0: every weight resident), WGT_DW bits each (64 or 128)
  parameter WGT_PORTS   = `SM_WGT_PORTS,
  parameter WGT_DW      = `SM_WGT_DW,
  parameter WGT_BUFS    = `SM_WGT_BUFS,    // stream-buffer slots per bank (2..8)
  parameter WGT_FIT     = `SM_WGT_FIT,     // hybrid placement: 0 resident prefix, 1 first fit
  // resident 72-bit rows (SEU_W 2) packed back to back over shared memories of this many rows
  // (UltraRAM288: 4,096), each read for two banks at once; 0: one memory per bank
  parameter WMEM_PACK_ROWS = `SM_WMEM_PACK_ROWS,
  parameter DSP_PACK    = `SM_DSP_PACK,      // 8-bit: two lanes' products per DSP48 (shared activation);
                                            // 2: and the Q terms summed in DSP48E2 post-adders
  // SEU protection (rtl/README.md "SEU protection"; HW_PROTECT reports them)
  parameter SEU_W       = `SM_SEU_W,         // weight + bias store: 0 none, 2 SECDED
  parameter SEU_A       = `SM_SEU_A,         // activation buffers: 0 none, 1 parity, 2 SECDED
  parameter SEU_C       = `SM_SEU_C,         // op table + header parity, FSM state check: 0/1
  parameter SCRUB       = `SM_SCRUB          // background scrubber of the weight/bias store
)(
  input  wire                 ap_clk,
  input  wire                 ap_rst_n,
  input  wire [7:0]           s_axi_control_AWADDR,
  input  wire                 s_axi_control_AWVALID,
  output wire                 s_axi_control_AWREADY,
  input  wire [31:0]          s_axi_control_WDATA,
  input  wire [3:0]           s_axi_control_WSTRB,
  input  wire                 s_axi_control_WVALID,
  output wire                 s_axi_control_WREADY,
  output wire [1:0]           s_axi_control_BRESP,
  output wire                 s_axi_control_BVALID,
  input  wire                 s_axi_control_BREADY,
  input  wire [7:0]           s_axi_control_ARADDR,
  input  wire                 s_axi_control_ARVALID,
  output wire                 s_axi_control_ARREADY,
  output wire [31:0]          s_axi_control_RDATA,
  output wire [1:0]           s_axi_control_RRESP,
  output wire                 s_axi_control_RVALID,
  input  wire                 s_axi_control_RREADY,
  output wire [AXI_AW-1:0]    m_axi_gmem_AWADDR,
  output wire [7:0]           m_axi_gmem_AWLEN,
  output wire [2:0]           m_axi_gmem_AWSIZE,
  output wire [1:0]           m_axi_gmem_AWBURST,
  output wire                 m_axi_gmem_AWVALID,
  input  wire                 m_axi_gmem_AWREADY,
  output wire [AXI_DW-1:0]    m_axi_gmem_WDATA,
  output wire [AXI_DW/8-1:0]  m_axi_gmem_WSTRB,
  output wire                 m_axi_gmem_WLAST,
  output wire                 m_axi_gmem_WVALID,
  input  wire                 m_axi_gmem_WREADY,
  input  wire [1:0]           m_axi_gmem_BRESP,
  input  wire                 m_axi_gmem_BVALID,
  output wire                 m_axi_gmem_BREADY,
  output wire [AXI_AW-1:0]    m_axi_gmem_ARADDR,
  output wire [7:0]           m_axi_gmem_ARLEN,
  output wire [2:0]           m_axi_gmem_ARSIZE,
  output wire [1:0]           m_axi_gmem_ARBURST,
  output wire                 m_axi_gmem_ARVALID,
  input  wire                 m_axi_gmem_ARREADY,
  input  wire [AXI_DW-1:0]    m_axi_gmem_RDATA,
  input  wire [1:0]           m_axi_gmem_RRESP,
  input  wire                 m_axi_gmem_RLAST,
  input  wire                 m_axi_gmem_RVALID,
  output wire                 m_axi_gmem_RREADY,
  // weight ports (ports k >= WGT_PORTS are tied idle: ARVALID 0, RREADY 1)
  output wire [AXI_AW-1:0]    m_axi_wgt0_ARADDR,
  output wire [7:0]           m_axi_wgt0_ARLEN,
  output wire [2:0]           m_axi_wgt0_ARSIZE,
  output wire [1:0]           m_axi_wgt0_ARBURST,
  output wire                 m_axi_wgt0_ARVALID,
  input  wire                 m_axi_wgt0_ARREADY,
  input  wire [WGT_DW-1:0]    m_axi_wgt0_RDATA,
  input  wire [1:0]           m_axi_wgt0_RRESP,
  input  wire                 m_axi_wgt0_RLAST,
  input  wire                 m_axi_wgt0_RVALID,
  output wire                 m_axi_wgt0_RREADY,
  output wire [AXI_AW-1:0]    m_axi_wgt1_ARADDR,
  output wire [7:0]           m_axi_wgt1_ARLEN,
  output wire [2:0]           m_axi_wgt1_ARSIZE,
  output wire [1:0]           m_axi_wgt1_ARBURST,
  output wire                 m_axi_wgt1_ARVALID,
  input  wire                 m_axi_wgt1_ARREADY,
  input  wire [WGT_DW-1:0]    m_axi_wgt1_RDATA,
  input  wire [1:0]           m_axi_wgt1_RRESP,
  input  wire                 m_axi_wgt1_RLAST,
  input  wire                 m_axi_wgt1_RVALID,
  output wire                 m_axi_wgt1_RREADY,
  output wire [AXI_AW-1:0]    m_axi_wgt2_ARADDR,
  output wire [7:0]           m_axi_wgt2_ARLEN,
  output wire [2:0]           m_axi_wgt2_ARSIZE,
  output wire [1:0]           m_axi_wgt2_ARBURST,
  output wire                 m_axi_wgt2_ARVALID,
  input  wire                 m_axi_wgt2_ARREADY,
  input  wire [WGT_DW-1:0]    m_axi_wgt2_RDATA,
  input  wire [1:0]           m_axi_wgt2_RRESP,
  input  wire                 m_axi_wgt2_RLAST,
  input  wire                 m_axi_wgt2_RVALID,
  output wire                 m_axi_wgt2_RREADY,
  output wire [AXI_AW-1:0]    m_axi_wgt3_ARADDR,
  output wire [7:0]           m_axi_wgt3_ARLEN,
  output wire [2:0]           m_axi_wgt3_ARSIZE,
  output wire [1:0]           m_axi_wgt3_ARBURST,
  output wire                 m_axi_wgt3_ARVALID,
  input  wire                 m_axi_wgt3_ARREADY,
  input  wire [WGT_DW-1:0]    m_axi_wgt3_RDATA,
  input  wire [1:0]           m_axi_wgt3_RRESP,
  input  wire                 m_axi_wgt3_RLAST,
  input  wire                 m_axi_wgt3_RVALID,
  output wire                 m_axi_wgt3_RREADY,
  output wire [AXI_AW-1:0]    m_axi_wgt4_ARADDR,
  output wire [7:0]           m_axi_wgt4_ARLEN,
  output wire [2:0]           m_axi_wgt4_ARSIZE,
  output wire [1:0]           m_axi_wgt4_ARBURST,
  output wire                 m_axi_wgt4_ARVALID,
  input  wire                 m_axi_wgt4_ARREADY,
  input  wire [WGT_DW-1:0]    m_axi_wgt4_RDATA,
  input  wire [1:0]           m_axi_wgt4_RRESP,
  input  wire                 m_axi_wgt4_RLAST,
  input  wire                 m_axi_wgt4_RVALID,
  output wire                 m_axi_wgt4_RREADY,
  output wire [AXI_AW-1:0]    m_axi_wgt5_ARADDR,
  output wire [7:0]           m_axi_wgt5_ARLEN,
  output wire [2:0]           m_axi_wgt5_ARSIZE,
  output wire [1:0]           m_axi_wgt5_ARBURST,
  output wire                 m_axi_wgt5_ARVALID,
  input  wire                 m_axi_wgt5_ARREADY,
  input  wire [WGT_DW-1:0]    m_axi_wgt5_RDATA,
  input  wire [1:0]           m_axi_wgt5_RRESP,
  input  wire                 m_axi_wgt5_RLAST,
  input  wire                 m_axi_wgt5_RVALID,
  output wire                 m_axi_wgt5_RREADY,
  output wire                 interrupt,
  // debug: one-cycle pulse when op dbg_op_idx starts executing (cycle log in the testbench)
  output reg                  dbg_op_start,
  output reg  [7:0]           dbg_op_idx
);
`include "program_format.vh"
`include "sm_ecc.vh"

  // Controller TMR (SEU_C; rtl/README.md "SEU protection", "Controller TMR: the rule").
  // `SM_TMR_REG(range, r) declares the three copies r_t0, r_t1, r_t2 of a controller
  // register and the wire r that every use reads: their bitwise majority (SEU_C), r_t0 alone
  // (SEU_C 0: r_t1 and r_t2 have no reader and synthesis removes them). `SM_TMR_SET(r, v)
  // is the register's only assignment, a complete statement (begin-end: no semicolon after
  // it): all three copies take v. The main always block starts its non-reset branch with
  // `SM_TMR_SET(r, r) for every such r (the voted value written back: an upset copy is
  // outvoted at once and repaired the next cycle), so an FSM assignment later in the block
  // wins (last nonblocking assignment) and a cycle with none holds the repaired value.
  // The three copies take the same next value from the same inputs, so a synthesis tool
  // merges them into one flip-flop (yosys's opt_merge, Vivado's equivalent-register removal)
  // unless told not to: each copy carries DONT_TOUCH = TMR_DT ("true" where SEU_C votes,
  // "false" elsewhere, so an unprotected build still drops r_t1/r_t2), which Vivado honours
  // on registers (UG901 DONT_TOUCH: like KEEP, and forward-annotated to implementation);
  // yosys ignores it and the flow keeps the copies itself (synth.yosys_script, SEU_C only).
`ifndef SM_TMR_REG
`define SM_TMR_REG(range, r) \
  (* dont_touch = TMR_DT *) reg range r``_t0; \
  (* dont_touch = TMR_DT *) reg range r``_t1; \
  (* dont_touch = TMR_DT *) reg range r``_t2; \
  wire range r = SC ? ((r``_t0 & r``_t1) | (r``_t0 & r``_t2) | (r``_t1 & r``_t2)) : r``_t0
`define SM_TMR_SET(r, v) begin r``_t0 <= (v); r``_t1 <= (v); r``_t2 <= (v); end
// an FSM transition: st, and the activation read port's source beside it (st_rs)
`define SM_ST_SET(v) begin `SM_TMR_SET(st, v) st_rs <= rs_of(v); end
// the same for the weight-stream prefetch cursor: voted where SEU_C and weight ports (SCS),
// so a build without streamed weights keeps its netlist
`define SM_TMR_REG_S(range, r) \
  (* dont_touch = TMR_DTS *) reg range r``_t0; \
  (* dont_touch = TMR_DTS *) reg range r``_t1; \
  (* dont_touch = TMR_DTS *) reg range r``_t2; \
  wire range r = SCS ? ((r``_t0 & r``_t1) | (r``_t0 & r``_t2) | (r``_t1 & r``_t2)) : r``_t0
`endif

  // ------------------------------------------------------------------ derived parameters
  localparam P   = OUT_LANES;
  localparam C   = NODE_ROWS;
  localparam D   = DATA_W;
  localparam W   = DATA_W + 1;            // activation word: bits+1 signed
  localparam Q   = 32 / DATA_W;           // weights per 32-bit word = inputs per lane-cycle
  localparam LP  = $clog2(P);
  localparam LQ  = $clog2(Q);
  localparam NQ  = (NORM_COLS == 0 || NORM_COLS > Q) ? Q : NORM_COLS;  // NORM columns per step
  localparam RT  = MAX_ROWS / C;          // row tiles
  localparam CB  = MAX_COLS / P;          // column blocks per bank
  // activation buffer layout ("Activation buffers"): buffer b is ABD words of each bank lane
  // at b * ABD; a table's row tile rt, column block cb at (rt << ab_ls[b]) | cb, ab_ls[b] =
  // log2 of its column blocks rounded up to a power of two (found at load time)
  localparam LRT = (RT > 1) ? $clog2(RT) : 0;   // row-tile index bits (RT, CB: powers of two
  localparam LCB = (CB > 1) ? $clog2(CB) : 0;   // in the rectangle: RT x CB words)
  localparam LAB0 = (TABLE_ELEMS == 0) ? LRT + LCB : $clog2(TABLE_ELEMS / (P * C));
  localparam LAB = (LAB0 > 0) ? LAB0 : 1;       // words per buffer and bank lane: 2^LAB
  localparam ABD = 1 << LAB;
  localparam AD  = NUM_BUFFERS * ABD;     // words per activation bank lane
  localparam NBB = $clog2(NUM_BUFFERS);   // buffer index bits
  localparam LSB = (LCB > 0) ? $clog2(LCB + 1) : 1;  // bits of a stride shift (0 .. LCB)
  localparam RSW = LRT + 1 + LCB;         // a row tile (< 2 RT: read overruns) shifted by it
  // multiplier operand: the activation word itself (DENSE segment alignments are applied to
  // the accumulators, Horner style, so the array multiplies (bits+1) x bits)
  localparam XW  = W;
  localparam PW0 = D + XW + LQ + 1;       // exact dot-product width (Q products)
  localparam PW  = (PW0 < ACC_W) ? PW0 : ACC_W;  // wider bits are dropped (mod 2^ACC_W)
  localparam CWB = $clog2(MAX_COLS + 1);  // column index bits
  localparam RB  = $clog2(MAX_ROWS + 1);  // row index bits
  localparam TPW = 2 * W + 1;             // TAYLOR: sum of two W x W products
  localparam TW  = 64;                    // tile requantizer input width
  localparam DW_ = ACC_W + 1;             // drain requantizer input (acc + bias)
  localparam RW  = W + $clog2(MAX_ROWS) + 1;  // AGGREGATE reduction (sum of <= MAX_ROWS)
  localparam [3:0] HC_LC = $clog2(C);
  localparam [3:0] HC_LP = $clog2(P);
  localparam [3:0] HC_NB = NUM_BUFFERS;
  localparam [7:0] HC_MC = MAX_COLS / 64;
  localparam [7:0] HC_MR = MAX_ROWS;
  localparam [0:0] HC_16 = (DATA_W == 16);
  // TABLE_SIZE: 0 the rectangle, else log2(TABLE_ELEMS) - 9 (the spec keeps 1,024..65,536)
  localparam [2:0] HC_TS = (TABLE_ELEMS == 0) ? 3'd0 : $clog2(TABLE_ELEMS) - 9;
  localparam [31:0] HW_CONFIG = {HC_TS, HC_16, HC_LC, HC_LP, HC_NB, HC_MC, HC_MR};
  // streamed weights: words per beat, stream-buffer geometry (one row of a tile per bank)
  localparam MWP = 6;                    // m_axi_wgt0..5 (the ports of the top level)
  localparam NPW = (WGT_PORTS > 0) ? WGT_PORTS : 1;
  localparam WU  = WGT_DW / 32;           // 32-bit words per weight beat
  localparam LU  = $clog2(WU);
  localparam SBD = MAX_COLS / Q;          // words of the longest row (ceil(in_cols / Q))
  localparam SBH = SBD / WU + 1;          // beats of it (+1: a row need not start beat-aligned)
  localparam HB  = $clog2(WGT_BUFS);      // slot index bits (slot = tile mod WGT_BUFS)
  localparam [HB-1:0] SLOT_LAST = WGT_BUFS - 1;  // where the slot counters wrap
  localparam SBA = $clog2(WGT_BUFS * SBH);  // stream-buffer address bits (WGT_BUFS slots)
  localparam RWB = $clog2(SBD + 1);
  localparam BIB0 = $clog2(SBH + 1);
  localparam BIB = (BIB0 < 5) ? 5 : BIB0; // beat index bits (>= a 16-beat burst)
  localparam [23:0] HWW_DEPTH = WMEM_DEPTH;
  localparam [2:0]  HWW_PORTS = WGT_PORTS;
  localparam [1:0]  HWW_LWW = LU;
  // PLACEMENT: 1 resident (no weight ports), 2 streamed (nothing resident), 3 hybrid
  localparam [1:0]  HWW_PLACE = (WGT_PORTS == 0) ? 2'd1 : (WMEM_DEPTH == 0) ? 2'd2 : 2'd3;
  localparam [31:0] HW_WEIGHTS = {1'b0, HWW_PLACE, HWW_LWW, HWW_PORTS, HWW_DEPTH};

  // SEU protection (rtl/README.md "SEU protection"): codes from the generated sm_ecc.vh
  // resident weights in 72-bit rows of two words (SW): SECDED-coded (SWE), or packed over
  // shared UltraRAMs (WMEM_PACK_ROWS) with or without the code (rtl/README.md "Packed
  // resident store": without it the 8 check bits of a row are stored as 0 and never read)
  localparam SWE  = (SEU_W == 2) && (WMEM_DEPTH > 0);
  localparam SW   = SWE || ((WMEM_PACK_ROWS > 0) && (WMEM_DEPTH > 0));
  localparam SBI  = (SEU_W == 2);                      // bias entries: ACC_W + check bits
  localparam WRD  = (WMEM_DEPTH > 3) ? WMEM_DEPTH / 2 : 2;  // rows of two words per bank
  localparam LWR  = $clog2(WRD);
  localparam WLD  = (WMEM_DEPTH > 1) ? $clog2(WMEM_DEPTH) : 1;  // resident word address bits
  // packed resident store (WMEM_PACK_ROWS > 0, rtl/README.md "Weight placement"): bank b's
  // rows are rows b * WRD .. b * WRD + WRD - 1 of one linear space over NPK memories of
  // WMEM_PACK_ROWS rows; port A of each memory serves the even banks, port B the odd ones
  localparam PKR  = (WMEM_PACK_ROWS > 0) ? WMEM_PACK_ROWS : 2;
  localparam LPK  = $clog2(PKR);                        // row bits inside one memory
  localparam NPK  = (WMEM_PACK_ROWS > 0) ? (P * WRD + PKR - 1) / PKR : 1;  // memories
  localparam LPJ  = (NPK > 1) ? $clog2(NPK) : 1;        // memory index bits
  localparam LLR  = LPK + LPJ;                          // linear row bits
  localparam LBM  = (BMEM_DEPTH > 1) ? $clog2(BMEM_DEPTH) : 1;
  localparam BRS  = (BMEM_DEPTH <= 128) ? "distributed" : "block";   // bias banks' ram_style
  localparam BK   = (ACC_W <= 32) ? 32 : (ACC_W <= 48) ? 48 : 64;  // bias code data width
  localparam BCB  = SBI ? ((BK == 64) ? 8 : 7) : 0;   // bias check bits
  // activation code data width: the W-bit word itself (9 / 17 bits: 5 / 6 check bits, one
  // fewer than the 16 / 32-bit code of the word zero-extended, and a 23- / 44-LUT decoder
  // instead of 40 / 72, unit synthesis)
  localparam AK   = (W == 9 || W == 17) ? W : (W <= 8) ? 8 : (W <= 16) ? 16 : 32;
  localparam ACB  = (SEU_A == 2) ? ((AK <= 9) ? 5 : (AK <= 17) ? 6 : 7) : (SEU_A == 1) ? 2 : 0;
  localparam AWW  = W + ACB;                           // stored activation word
  localparam SC   = (SEU_C != 0);
  localparam SCS  = SC && (WGT_PORTS > 0);             // TMR of the prefetch cursor
  // DONT_TOUCH of the TMR copies (`SM_TMR_REG / `SM_TMR_REG_S): only where they are voted
  // (Verilator ignores the attribute, hence the lint waiver)
  /* verilator lint_off UNUSEDPARAM */
  localparam TMR_DT  = SC ? "true" : "false";
  localparam TMR_DTS = SCS ? "true" : "false";
  /* verilator lint_on UNUSEDPARAM */
  // stream buffers of SEU_W builds: two interleaved parity bits per 32-bit word (even / odd
  // bit positions, so an adjacent double inside a word is seen), stored above the beat
  localparam SSB  = (SEU_W == 2) && (WGT_PORTS > 0);
  localparam SPB  = SSB ? 2 * (WGT_DW / 32) : 0;        // parity bits per stored beat
  localparam SCR  = (SCRUB != 0) && (SEU_W == 2);
  localparam PKS  = SCR && SW && (WMEM_PACK_ROWS > 0);  // the scrubber of the packed store
  localparam SCU  = SCR && SW && (WMEM_PACK_ROWS == 0); // the scrubber of one BRAM per bank
  localparam [1:0] HP_W = SEU_W, HP_A = SEU_A, HP_C = SEU_C;
  localparam [0:0] HP_S = SCR;
  localparam [31:0] HW_PROTECT = {25'h0, HP_S, HP_C, HP_A, HP_W};

  localparam IMW = (CWB > RB) ? CWB : RB;  // index-product operand bits (<= MAX_COLS/MAX_ROWS)

  // bias code (BK-bit SECDED of the zero-extended ACC_W-bit entry): check bits ...
  function automatic [7:0] b_enc(input [ACC_W-1:0] d);
    reg [63:0] x;
    begin
      x = 64'h0; x[ACC_W-1:0] = d;
      if (BK == 32) b_enc = {1'b0, sm_secded_enc32(x[31:0])};
      else if (BK == 48) b_enc = {1'b0, sm_secded_enc48(x[47:0])};
      else b_enc = sm_secded_enc64(x);
    end
  endfunction
  // ... and {uncorrectable, corrected, data} of a stored entry
  function automatic [ACC_W+1:0] b_dec(input [ACC_W-1:0] d, input [7:0] c);
    reg [63:0] x;
    reg [65:0] r;
    begin
      x = 64'h0; x[ACC_W-1:0] = d; r = 66'h0;
      if (BK == 32) r[33:0] = sm_secded_dec32(x[31:0], c[6:0]);
      else if (BK == 48) r[49:0] = sm_secded_dec48(x[47:0], c[6:0]);
      else r = sm_secded_dec64(x, c);
      b_dec = {r[BK+1], r[BK], r[ACC_W-1:0]};
    end
  endfunction
  // the check bits of a stored 72-bit weight row with a flipped check bit corrected (the
  // syndrome of one is that bit alone; of the overall parity bit, syndrome bit 7 alone):
  // beside the decoder's corrected data, the corrected codeword the scrubber writes back
  // (for any single upset the row's original codeword: no encoder needed)
  function automatic [7:0] w_cfix(input [71:0] q);
    reg [7:0] s;
    integer j;
    begin
      s = sm_secded_enc64(q[63:0]) ^ q[71:64];
      w_cfix = q[71:64];
      for (j = 0; j < 7; j = j + 1)
        if (^s && s[6:0] == (7'd1 << j)) w_cfix[j] = ~q[64+j];
      if (^s && s[6:0] == 7'd0) w_cfix[7] = ~q[71];
    end
  endfunction
  // activation code: SEU_A 1 = two interleaved parity bits over the stored word {check,
  // word} by bit position (the check bit at position W covers the data bits of W's parity,
  // the one at W + 1 the others), so two adjacent flips are detected anywhere, across the
  // word / check boundary too; SEU_A 2 = AK-bit SECDED of the W-bit word (AK = W)
  function automatic [7:0] a_enc(input [W-1:0] d);
    reg [31:0] x;
    begin
      x = 32'h0; x[W-1:0] = d;
      if (SEU_A == 1)
        a_enc = (W % 2 == 0) ? {6'h0, ^(x & 32'hAAAAAAAA), ^(x & 32'h55555555)}
                             : {6'h0, ^(x & 32'h55555555), ^(x & 32'hAAAAAAAA)};
      else if (AK == 8) a_enc = {3'h0, sm_secded_enc8(x[7:0])};
      else if (AK == 9) a_enc = {3'h0, sm_secded_enc9(x[8:0])};
      else if (AK == 16) a_enc = {2'h0, sm_secded_enc16(x[15:0])};
      else if (AK == 17) a_enc = {2'h0, sm_secded_enc17(x[16:0])};
      else a_enc = {1'b0, sm_secded_enc32(x)};
    end
  endfunction
  // {uncorrectable (parity: detected), corrected, data}
  function automatic [W+1:0] a_dec(input [W-1:0] d, input [7:0] c);
    reg [31:0] x;
    reg [33:0] r;
    begin
      x = 32'h0; x[W-1:0] = d; r = 34'h0;
      if (SEU_A == 1) r = {a_enc(d) != c, 1'b0, x};
      else if (AK == 8) r[9:0] = sm_secded_dec8(x[7:0], c[4:0]);
      else if (AK == 9) r[10:0] = sm_secded_dec9(x[8:0], c[4:0]);
      else if (AK == 16) r[17:0] = sm_secded_dec16(x[15:0], c[5:0]);
      else if (AK == 17) r[18:0] = sm_secded_dec17(x[16:0], c[5:0]);
      else r = sm_secded_dec32(x, c[6:0]);
      a_dec = (SEU_A == 1) ? {r[33], 1'b0, d} : {r[AK+1], r[AK], r[W-1:0]};
    end
  endfunction

  localparam [5:0]
    S_IDLE = 6'd0, S_L_HDR = 6'd1, S_L_HDRCHK = 6'd2, S_L_IMG = 6'd3, S_L_CHK = 6'd4,
    S_L_OPC = 6'd5, S_L_HDRV = 6'd6, S_L_OPV = 6'd7, S_L_WNEXT = 6'd8, S_L_W = 6'd9,
    S_L_B = 6'd10, S_RUN = 6'd11, S_IN_START = 6'd12, S_IN = 6'd13, S_OP_FETCH = 6'd14,
    S_OP_PREP = 6'd15, S_DENSE = 6'd16, S_N_SUM = 6'd18, S_N_SQRT = 6'd19,
    S_N_DIV = 6'd20, S_N_OUT = 6'd21, S_OP_WAIT = 6'd22, S_OUT_START = 6'd23, S_OUT = 6'd24,
    S_ABORT = 6'd25, S_DONE = 6'd26, S_L_WWAIT = 6'd27, S_L_BWAIT = 6'd28,
    S_SA = 6'd29, S_T_H = 6'd30, S_T_D = 6'd31, S_T_A = 6'd32, S_T_E = 6'd33, S_T_WB = 6'd34,
    S_DRAIN = 6'd35, S_RCHK = 6'd36;

  wire clk = ap_clk;
  wire rst_n = ap_rst_n;

  // ------------------------------------------------------------------ registers block
  wire        start;
  wire [63:0] program_addr, input_addr, output_addr;
  wire [31:0] num_vectors;
  wire [31:0] program_size, input_size, output_size;
  wire        abort_req;
  wire        mode_load;
  `SM_TMR_REG([5:0], st);
  // the activation read port's source, one-hot, decoded from a state: registered beside st
  // (set with it by `SM_ST_SET), so the port mux selects from flops, not from a decode of
  // st (the st -> x1/t_h path); a build that votes st (SEU_C) decodes the voted st instead,
  // adding no unvoted state
  localparam RS_DN = 0, RS_SA = 1, RS_TH = 2, RS_TD = 3, RS_N = 4, RS_OUT = 5;
  function automatic [5:0] rs_of(input [5:0] s);
    begin
      rs_of = 6'd0;
      if (s == S_SA) rs_of[RS_SA] = 1'b1;
      else if (s == S_T_H) rs_of[RS_TH] = 1'b1;
      else if (s == S_T_D) rs_of[RS_TD] = 1'b1;
      else if (s == S_N_SUM || s == S_N_OUT) rs_of[RS_N] = 1'b1;
      else if (s == S_OUT) rs_of[RS_OUT] = 1'b1;
      else rs_of[RS_DN] = 1'b1;
    end
  endfunction
  reg  [5:0] st_rs;
  wire [5:0] rp_src = SC ? rs_of(st) : st_rs;
  reg         done_pulse;
  reg  [31:0] status;
  reg  [63:0] cycles;
  // SEU record (SEU_STATUS, SEU_CORRECTED, SEU_UNCORRECTABLE) and the scrubber's pace
  reg  [3:0]  seu_st;
  reg  [31:0] seu_corr, seu_unc;
  reg         seu_irq;
  wire [31:0] scrub_period;
  wire        seu_clear;

  sm_axil_regs #(.HW_CONFIG(HW_CONFIG), .HW_WEIGHTS(HW_WEIGHTS), .HW_PROTECT(HW_PROTECT)) u_regs (
    .clk(clk), .rst_n(rst_n),
    .awaddr(s_axi_control_AWADDR), .awvalid(s_axi_control_AWVALID),
    .awready(s_axi_control_AWREADY), .wdata(s_axi_control_WDATA),
    .wstrb(s_axi_control_WSTRB), .wvalid(s_axi_control_WVALID), .wready(s_axi_control_WREADY),
    .bresp(s_axi_control_BRESP), .bvalid(s_axi_control_BVALID), .bready(s_axi_control_BREADY),
    .araddr(s_axi_control_ARADDR), .arvalid(s_axi_control_ARVALID),
    .arready(s_axi_control_ARREADY), .rdata(s_axi_control_RDATA), .rresp(s_axi_control_RRESP),
    .rvalid(s_axi_control_RVALID), .rready(s_axi_control_RREADY),
    .start(start), .core_idle(st == S_IDLE), .core_done(done_pulse), .status(status),
    .cycles(cycles), .program_addr(program_addr), .input_addr(input_addr),
    .output_addr(output_addr), .num_vectors(num_vectors), .program_size(program_size),
    .input_size(input_size), .output_size(output_size), .abort_req(abort_req),
    .mode_load(mode_load), .seu_status({28'h0, seu_st}), .seu_corrected(seu_corr),
    .seu_uncorrectable(seu_unc), .seu_irq(seu_irq), .scrub_period(scrub_period),
    .seu_clear(seu_clear), .interrupt(interrupt));

  // buffer registers latched when a run starts (a host write during the run cannot move a
  // buffer under the checks already made)
  reg  [63:0] pa_q, ia_q, oa_q;
  reg  [31:0] ps_q, is_q, os_q, nv_q;

  // a buffer [a, a + s) that does not fit the 2^AXI_AW address space (wraps)
  function automatic buf_bad(input [63:0] a, input [31:0] s);
    reg [64:0] e;
    begin
      e = {1'b0, a} + {33'h0, s};
      buf_bad = (e > (65'd1 << AXI_AW));
    end
  endfunction

  // ------------------------------------------------------------------ AXI engines
  reg               abort;
  reg               rd_start, rd_u16;
  reg  [AXI_AW-1:0] rd_base;
  reg  [31:0]       rd_size;
  `SM_TMR_REG([AXI_AW-1:0], rd_addr);
  `SM_TMR_REG([31:0], rd_count);
  wire              rd_busy, rd_err, rd_rerr, rd_wait;
  wire [31:0]       u_data;
  wire              u_valid;
  wire              u_ready = (st == S_L_HDR) || (st == S_L_IMG) || (st == S_L_W) ||
                              (st == S_L_B) || (st == S_IN);
  wire              u_hs = u_valid && u_ready;

  sm_axi_rd #(.AXI_AW(AXI_AW), .AXI_DW(AXI_DW), .MAX_BURST(MAX_BURST)) u_rd (
    .clk(clk), .rst_n(rst_n), .abort(abort), .start(rd_start), .addr(rd_addr),
    .count(rd_count), .u16(rd_u16), .base(rd_base), .size(rd_size), .busy(rd_busy),
    .err(rd_err), .rerr(rd_rerr), .u_data(u_data),
    .u_valid(u_valid), .u_ready(u_ready), .bus_wait(rd_wait),
    .araddr(m_axi_gmem_ARADDR), .arlen(m_axi_gmem_ARLEN), .arsize(m_axi_gmem_ARSIZE),
    .arburst(m_axi_gmem_ARBURST), .arvalid(m_axi_gmem_ARVALID), .arready(m_axi_gmem_ARREADY),
    .rdata(m_axi_gmem_RDATA), .rresp(m_axi_gmem_RRESP), .rlast(m_axi_gmem_RLAST),
    .rvalid(m_axi_gmem_RVALID), .rready(m_axi_gmem_RREADY));

  reg               wr_start;
  `SM_TMR_REG([AXI_AW-1:0], wr_addr);
  `SM_TMR_REG([31:0], wr_count);
  wire              wr_busy, wr_err, wr_rerr, wr_wait;
  wire [15:0]       o_data;
  wire              o_valid;
  wire              o_ready;

  sm_axi_wr #(.AXI_AW(AXI_AW), .AXI_DW(AXI_DW), .MAX_BURST(MAX_BURST)) u_wr (
    .clk(clk), .rst_n(rst_n), .abort(abort), .start(wr_start), .addr(wr_addr),
    .count(wr_count), .base(oa_q[AXI_AW-1:0]), .size(os_q), .busy(wr_busy), .err(wr_err),
    .rerr(wr_rerr), .u_data(o_data), .u_valid(o_valid),
    .u_ready(o_ready), .bus_wait(wr_wait),
    .awaddr(m_axi_gmem_AWADDR), .awlen(m_axi_gmem_AWLEN), .awsize(m_axi_gmem_AWSIZE),
    .awburst(m_axi_gmem_AWBURST), .awvalid(m_axi_gmem_AWVALID), .awready(m_axi_gmem_AWREADY),
    .wdata(m_axi_gmem_WDATA), .wstrb(m_axi_gmem_WSTRB), .wlast(m_axi_gmem_WLAST),
    .wvalid(m_axi_gmem_WVALID), .wready(m_axi_gmem_WREADY), .bresp(m_axi_gmem_BRESP),
    .bvalid(m_axi_gmem_BVALID), .bready(m_axi_gmem_BREADY));

  // ------------------------------------------------------------------ program storage
  reg  [31:0]  hdr [0:15];
  reg  [511:0] opmem [0:MAX_OPS-1];
  reg  [31:0]  op_wbase [0:MAX_OPS-1];
  reg  [31:0]  op_bbase [0:MAX_OPS-1];
  // SEU_C: interleaved parity (sm_iparity, 8 groups) of each header word, op-table entry and
  // the op's two bank bases (XOR of their parities), written with them, checked when read
  reg  [7:0]   hdr_par [0:15];
  reg  [7:0]   op_par [0:MAX_OPS-1];
  reg  [7:0]   op_bpar [0:MAX_OPS-1];
  reg  [511:0] op_stage;
  reg  [7:0]   op_pacc;              // SEU_C: the loading entry's parity so far (S_L_IMG)
  reg          prog_valid;
  // weight placement, decided per DENSE at load time: resident in program order while the
  // bank depth fits WMEM_DEPTH, the first that does not and every later one streamed
  // (WGT_FIT 1, first fit: only the ops that do not fit the depth left are streamed)
  reg  [MAX_OPS-1:0] op_strm;
  reg          hyb_full, prog_strm;
  reg  [AXI_AW-1:0] ld_pa;             // the loaded image's address ...
  reg  [39:0]  ld_beats;               // ... and bytes in whole beats (streamed from there)
  // Bounds rule 2 on the latched buffers as two registered flags, read in S_RCHK (a cycle
  // after S_RUN at least), not 65-bit sums before st (the ia_q -> st path); ia_q .. ps_q are
  // latched at the start, ld_pa / ld_beats by a load, both before S_RUN
  reg         run_abad, run_pbad;
  always @(posedge clk) begin
    run_abad <= buf_bad(ia_q, is_q) || buf_bad(oa_q, os_q);
    run_pbad <= buf_bad(pa_q, ps_q) || ld_pa < pa_q[AXI_AW-1:0] ||
                {25'h0, ld_pa} + {25'h0, ld_beats} > {25'h0, pa_q[AXI_AW-1:0]} + {57'h0, ps_q};
  end
  wire [31:0]  h_num_ops = hdr[2], h_data_words = hdr[3], h_bits = hdr[4], h_acc_bits = hdr[5];
  wire [31:0]  h_in_buf = hdr[6], h_in_rows = hdr[7], h_in_cols = hdr[8];
  wire [31:0]  h_out_buf = hdr[10], h_out_rows = hdr[11], h_out_cols = hdr[12];
  // elements per input / output table (valid once the header passed: rows <= MAX_ROWS,
  // cols <= MAX_COLS); per-vector addresses advance by them (no vec x size product)
  // (rows x cols, set by the load unit below in S_L_HDRV: no multiplier on the run's paths)
  `SM_TMR_REG([31:0], h_in_n);
  `SM_TMR_REG([31:0], h_out_n);
  reg  [AXI_AW-1:0] in_vaddr, out_vaddr;
  // NUM_VECTORS x table elements (Bounds rule 2), a multi-cycle shift-and-add: no DSP48E1
  reg  [63:0]  mq_a, mq_pi, mq_po;
  reg  [31:0]  mq_bi, mq_bo;
  // load unit: the load-time products and divisions (a x b, rows or in_cols % group)
  // one shift-and-add / restoring-division step per cycle, so the program checks stay a few
  // logic levels deep (spacemimo.hw.synth.logic_levels); lv_ph 1..IMW iterate, LV_CHK
  // registers the op's error code, LV_CHK + 1 ranks its segments, LV_CHK + 2 acts. Load
  // latency only: IMW + 4 cycles per op in S_L_OPV, IMW + 2 in S_L_HDRV (was 1 each) and
  // IMW + 2 per resident DENSE in S_L_WNEXT (was 1).
  localparam [5:0] LV_CHK = IMW + 1;
  reg  [5:0]     lv_ph;
  reg  [31:0]    lv_m1, lv_m2, lv_p1, lv_p2;   // multiplicands (shifted left), products
  reg  [IMW-1:0] lv_b1, lv_b2;                 // multipliers (shifted right)
  reg  [IMW-1:0] lv_dd, lv_dv, lv_dq, lv_rem;  // dividend (shifted left), divisor, q, r
  reg  [31:0]    lv_err, lv_err_c, lv_err_b;   // (S_L_OPV: the op's three check chains)
  reg            lv_wfit;                      // wsum + tiles x rw <= WMEM_DEPTH
  reg            lv_hc;                        // S_L_HDRCHK: image length registered
  reg  [39:0]    lv_img;
  wire [IMW:0]   lv_rn = {lv_rem, lv_dd[IMW-1]};
  wire           lv_ge = (lv_rn >= {1'b0, lv_dv});
  // quotient of each op's rows / group (TAYLOR, AGGREGATE: their loop bounds), from the load
  reg  [IMW-1:0] op_quot [0:MAX_OPS-1];
  wire [31:0]  h_num_buffers = hdr[14];

  reg  [31:0]  csum;
  `SM_TMR_REG([31:0], cnt);        // units consumed in the current read
  `SM_TMR_REG([31:0], cnt_left);   // units still expected
  `SM_TMR_REG([31:0], vi);         // op index for validation / weight load
  reg  [31:0]  wsum, bsum; // running weight / bias bank depth
  // the error code: every PF_ERR_* code is below 2^ECW (tests/test_seu_campaign.py), so the
  // triplicated register is ECW bits, not 32 (a synthesis tool keeps every bit of a copy
  // marked DONT_TOUCH, constant or not); STATUS takes it zero-extended
  localparam ECW = 4;
  `SM_TMR_REG([ECW-1:0], err_code);

  // record being validated / loaded
  wire [511:0] vrec = opmem[vi[$clog2(MAX_OPS)-1:0]];
  wire [31:0] v_opc = vrec[0*32 +: 32], v_flags = vrec[1*32 +: 32], v_sbuf = vrec[2*32 +: 32];
  wire [31:0] v_soff = vrec[3*32 +: 32], v_dbuf = vrec[4*32 +: 32], v_doff = vrec[5*32 +: 32];
  wire [31:0] v_rows = vrec[6*32 +: 32], v_icol = vrec[7*32 +: 32], v_ocol = vrec[8*32 +: 32];
  wire [31:0] v_woff = vrec[9*32 +: 32], v_boff = vrec[10*32 +: 32];
  wire signed [31:0] v_shift = vrec[11*32 +: 32];
  wire [31:0] v_obits = vrec[12*32 +: 32], v_group = vrec[13*32 +: 32];
  wire signed [31:0] v_gain = vrec[14*32 +: 32];
  wire [31:0] v_rbits = vrec[15*32 +: 32];
  wire [63:0] v_rw = ({32'h0, v_icol} + Q - 1) >> LQ;
  wire [63:0] v_tiles = ({32'h0, v_ocol} + P - 1) >> LP;
  wire        v_has_bias = (v_boff != PF_NO_BIAS);
  wire [1:0]  v_aggmode = v_flags[5:4];
  wire [31:0] v_nshift = -v_shift;
  wire [31:0] v_ngain = -v_gain;
  // rows % group (the load unit's remainder; group <= rows <= MAX_ROWS is checked first)
  wire        v_grp_bad = (v_group == 0) || (v_group > v_rows) || (lv_rem != 0);
  wire        h_wide = (h_acc_bits > PF_WIDE_BIAS_ABOVE);   // int64 biases (two words each)
  wire [63:0] v_bwords = {32'h0, v_ocol} << h_wide;         // bias block words
  // DENSE segments (v2): seg_cols = group word, seg_align = gain word
  wire [31:0] v_salign = vrec[14*32 +: 32];
  reg         v_seg_bad;
  integer     vs;
  always @* begin
    v_seg_bad = 1'b0;
    vs = 0;
    if (v_group == 0) v_seg_bad = (v_salign != 0);
    else if (v_group > v_icol) v_seg_bad = 1'b1;          // in_cols % seg_cols != 0
    else if (lv_rem != 0) v_seg_bad = 1'b1;   // in_cols % seg_cols (the load unit's)
    // in_cols = q * seg_cols from here on: in_cols > seg_cols * MAX_SEGMENTS is q > MAX, and
    // s * seg_cols >= in_cols is s >= q
    else if ({{(32-IMW){1'b0}}, lv_dq} > PF_MAX_SEGMENTS) v_seg_bad = 1'b1;
    else begin
      for (vs = 1; vs < 8; vs = vs + 1)        // alignment fields beyond the last segment
        if (v_salign[vs*4 +: 4] != 0 && vs >= lv_dq) v_seg_bad = 1'b1;
      for (vs = 0; vs < 8; vs = vs + 1)   // alignment above the data width's cap
        if ({28'h0, v_salign[vs*4 +: 4]} > ((h_bits == 16) ? PF_SEG_ALIGN_MAX_16
                                                            : PF_SEG_ALIGN_MAX))
          v_seg_bad = 1'b1;
    end
  end

  // op words the opcode does not use must be 0 (format v3: PF_OP_UNUSED_MASK_*, bit i = word i;
  // checked right after the op's opcode, as quant.program._Checker.check_op)
  wire [15:0] v_umask = (v_opc == PF_OP_DENSE) ? PF_OP_UNUSED_MASK_DENSE[15:0] :
                        (v_opc == PF_OP_AGGREGATE) ? PF_OP_UNUSED_MASK_AGGREGATE[15:0] :
                        (v_opc == PF_OP_NORM) ? PF_OP_UNUSED_MASK_NORM[15:0] :
                        (v_opc == PF_OP_TAYLOR) ? PF_OP_UNUSED_MASK_TAYLOR[15:0] : 16'h0;
  reg         v_unused_bad;
  integer     vu;
  always @* begin
    v_unused_bad = 1'b0;
    for (vu = 0; vu < 16; vu = vu + 1)
      if (v_umask[vu] && vrec[vu*32 +: 32] != 32'h0) v_unused_bad = 1'b1;
  end
  // image length the header declares, exact in 40 bits: (16 + 16 num_ops + data_words) * 4,
  // and rounded up to whole bus beats (what the image's bursts touch)
  localparam [39:0] BEAT_B = AXI_DW / 8;
  wire [39:0] h_img_bytes = ({8'h0, h_num_ops} << 6) + ({8'h0, h_data_words} << 2) + 40'd64;
  wire [39:0] h_img_beats = (h_img_bytes + BEAT_B - 40'd1) & ~(BEAT_B - 40'd1);
  // n int16 elements in whole bus beats fit a buffer of `size` bytes iff 2n <= size rounded
  // down to whole beats (size & ~BEAT_Q; exact in 66 bits for n < 2^64, no adder)
  localparam [31:0] BEAT_Q = AXI_DW / 8 - 1;

  // op validation (PROGRAM.md / quant.program._Checker.check_op order) -> error code or 0:
  // the checks every op has (windows: v_err_a; the rest: v_err_c) and the opcode's own
  // (v_err_b), registered apart at LV_CHK (three shorter priority chains) and taken in
  // that order at LV_CHK + 1
  reg [31:0] v_err_a, v_err_b, v_err_c;
  always @* begin
    v_err_a = PF_ERR_OK;
    if (v_rows == 0 || v_icol == 0 || v_ocol == 0) v_err_a = PF_ERR_BAD_FORMAT;
    else if (v_sbuf >= NUM_BUFFERS) v_err_a = PF_ERR_DIMS_EXCEED_MAX;
    else if (v_sbuf >= h_num_buffers) v_err_a = PF_ERR_BAD_FORMAT;
    else if (v_rows > MAX_ROWS) v_err_a = PF_ERR_DIMS_EXCEED_MAX;
    else if ({1'b0, v_soff} + {1'b0, v_icol} > MAX_COLS) v_err_a = PF_ERR_DIMS_EXCEED_MAX;
    else if (v_dbuf >= NUM_BUFFERS) v_err_a = PF_ERR_DIMS_EXCEED_MAX;
    else if (v_dbuf >= h_num_buffers) v_err_a = PF_ERR_BAD_FORMAT;
    else if ({1'b0, v_doff} + {1'b0, v_ocol} > MAX_COLS) v_err_a = PF_ERR_DIMS_EXCEED_MAX;
  end
  always @* begin
    v_err_c = PF_ERR_OK;
    if ((v_flags & ~PF_FLAGS_DEFINED) != 0) v_err_c = PF_ERR_BAD_FORMAT;
    else if (v_obits != h_bits) v_err_c = PF_ERR_BAD_FORMAT;
    else if (v_flags[0] && v_opc != PF_OP_DENSE) v_err_c = PF_ERR_BAD_FORMAT;
    else if (v_opc != PF_OP_NORM && (v_shift < PF_SHIFT_MIN || v_shift > $signed(PF_SHIFT_MAX)))
      v_err_c = PF_ERR_BAD_FORMAT;
    // TAYLOR's second source (H: buffer w_off, columns b_off, b_off + 1)
    else if (v_opc == PF_OP_TAYLOR && v_woff >= NUM_BUFFERS) v_err_c = PF_ERR_DIMS_EXCEED_MAX;
    else if (v_opc == PF_OP_TAYLOR && v_woff >= h_num_buffers) v_err_c = PF_ERR_BAD_FORMAT;
    else if (v_opc == PF_OP_TAYLOR && {1'b0, v_boff} + 33'd2 > MAX_COLS)
      v_err_c = PF_ERR_DIMS_EXCEED_MAX;
    else if (v_sbuf == v_dbuf && v_soff < v_doff + v_ocol && v_doff < v_soff + v_icol)
      v_err_c = PF_ERR_BAD_FORMAT;
    else if (v_opc == PF_OP_TAYLOR && v_woff == v_dbuf && v_boff < v_doff + v_ocol &&
             v_doff < v_boff + 2)
      v_err_c = PF_ERR_BAD_FORMAT;
  end
  always @* begin
    v_err_b = PF_ERR_OK;
    if (v_opc == PF_OP_TAYLOR) begin
      if (v_ocol != v_icol || v_icol[0]) v_err_b = PF_ERR_BAD_FORMAT;
      else if (v_grp_bad) v_err_b = PF_ERR_BAD_FORMAT;
      else if (v_gain < PF_SHIFT_MIN || v_gain > $signed(PF_SHIFT_MAX)) v_err_b = PF_ERR_BAD_FORMAT;
    end
    else if (v_opc == PF_OP_DENSE) begin
      if (v_seg_bad) v_err_b = PF_ERR_BAD_FORMAT;
      // (sums in 33/34 bits: exact, and short carry chains)
      else if ({1'b0, v_woff} + {1'b0, lv_p1} > {1'b0, h_data_words}) v_err_b = PF_ERR_BAD_FORMAT;
      else if (v_has_bias && {2'b0, v_boff} + v_bwords[33:0] > {2'b0, h_data_words})
        v_err_b = PF_ERR_BAD_FORMAT;
      else if (WGT_PORTS == 0 &&   // a resident-only build: every DENSE must fit the banks
               {1'b0, wsum} + {1'b0, lv_p2} > WMEM_DEPTH)
        v_err_b = PF_ERR_DIMS_EXCEED_MAX;
      else if ({1'b0, bsum} + v_tiles[32:0] > BMEM_DEPTH) v_err_b = PF_ERR_DIMS_EXCEED_MAX;
    end else if (v_opc == PF_OP_AGGREGATE) begin
      if (v_ocol != v_icol) v_err_b = PF_ERR_BAD_FORMAT;
      else if (v_group == 0 || v_group > MAX_ROWS || lv_rem != 0)   // rows % group
        v_err_b = PF_ERR_BAD_FORMAT;
      else if (v_aggmode > 2'd1) v_err_b = PF_ERR_BAD_FORMAT;
    end else if (v_opc == PF_OP_NORM) begin
      if (v_ocol != v_icol) v_err_b = PF_ERR_BAD_FORMAT;
      else if (v_gain < 1) v_err_b = PF_ERR_BAD_FORMAT;
      else if (v_rbits > 62) v_err_b = PF_ERR_BAD_FORMAT;
    end
  end

  // header validation (quant.program._Checker.check_header order, then hardware limits)
  reg [31:0] h_err;
  always @* begin
    h_err = PF_ERR_OK;
    if (h_bits != 8 && h_bits != 16) h_err = PF_ERR_BAD_FORMAT;
    else if (h_acc_bits < 1 || h_acc_bits > (h_bits == 8 ? PF_ACC_BITS_MAX_8 : PF_ACC_BITS_MAX_16))
      h_err = PF_ERR_BAD_FORMAT;
    else if (h_num_ops < 1) h_err = PF_ERR_BAD_FORMAT;
    else if (h_num_buffers < 1) h_err = PF_ERR_BAD_FORMAT;
    else if (h_num_buffers > NUM_BUFFERS) h_err = PF_ERR_DIMS_EXCEED_MAX;
    else if (h_in_rows < 1 || h_in_cols < 1) h_err = PF_ERR_BAD_FORMAT;
    else if (h_in_buf >= h_num_buffers) h_err = PF_ERR_BAD_FORMAT;
    else if (h_in_rows > MAX_ROWS || h_in_cols > MAX_COLS) h_err = PF_ERR_DIMS_EXCEED_MAX;
    else if (h_out_rows < 1 || h_out_cols < 1) h_err = PF_ERR_BAD_FORMAT;
    else if (h_out_buf >= h_num_buffers) h_err = PF_ERR_BAD_FORMAT;
    else if (h_out_rows > MAX_ROWS || h_out_cols > MAX_COLS) h_err = PF_ERR_DIMS_EXCEED_MAX;
    else if (h_bits != DATA_W || h_acc_bits > ACC_W) h_err = PF_ERR_DIMS_EXCEED_MAX;
  end

  // ------------------------------------------------------------------ current op registers
  `SM_TMR_REG([31:0], op_i);
  reg  [31:0] o_opc, o_flags, o_sbuf, o_soff, o_dbuf, o_doff;
  `SM_TMR_REG([31:0], o_rows);
  `SM_TMR_REG([31:0], o_icol);
  `SM_TMR_REG([31:0], o_ocol);
  `SM_TMR_REG([31:0], o_wbase);
  `SM_TMR_REG([31:0], o_bbase);
  reg  [31:0] o_gain, o_rbits, o_group;
  reg         o_has_bias;
  reg  [31:0] o_nrt, o_nt, o_ns;     // row tiles, output tiles, input steps (words)
  reg  [31:0] o_nrt1;                // o_nrt - 1 (the row-tile loops' last index)
  reg  [5:0]  q_shr;                 // requantizer settings for this op
  reg  [4:0]  q_shl;
  reg  [TW-1:0] q_mask, q_half;
  wire o_relu = o_flags[0], o_osigned = o_flags[1], o_narrow = o_flags[2];
  wire o_excl = o_flags[3], o_sum = (o_flags[5:4] == 2'd1);

  // ------------------------------------------------------------------ activation buffers
  // per buffer, found at load time (S_L_HDRV, S_L_OPV) from every table the program puts in
  // it (input, output, each op's windows): its row tiles and its stride shift, the log2 of
  // its column blocks rounded up to a power of two; a program whose tables do not fit
  // (rt << ls > ABD) is DIMS_EXCEED_MAX at the end of S_L_OPV. The shifts address every
  // access (no multiplier): triplicated under SEU_C like the controller
  localparam LCB1 = (LCB > 0) ? LCB : 1;
  localparam AXW  = ((RSW > LAB) ? RSW : LAB) + 1;
  reg  [LRT:0] ab_rt [0:NUM_BUFFERS-1];
  `SM_TMR_REG([NUM_BUFFERS*LSB-1:0], ab_lsv);
  // a window ending at column e: ceil(e / P) column blocks -> their power-of-two shift
  function automatic [LSB-1:0] ab_lsf(input [32:0] e);
    reg [32:0] n;
    integer k;
    begin
      n = (e + P - 1) >> LP;
      ab_lsf = {LSB{1'b0}};
      for (k = 0; k < LCB; k = k + 1) if (n > (33'd1 << k)) ab_lsf = k + 1;
    end
  endfunction
  // rows -> row tiles (rows <= MAX_ROWS once checked)
  function automatic [LRT:0] ab_rtf(input [31:0] r);
    ab_rtf = (r + C - 1) >> $clog2(C);
  endfunction
  // the header's tables (S_L_HDRV), then each op's windows (registered at the op's LV_CHK:
  // its row tiles, each window's shift and buffer) merged in at LV_CHK + 2
  reg  [LSB-1:0] lv_ls_s, lv_ls_d, lv_ls_w;
  reg  [LRT:0]   lv_trt;
  reg  [NUM_BUFFERS-1:0] lv_bs, lv_bd, lv_bw;
  reg  [NUM_BUFFERS*LSB-1:0] ab_hls, ab_lsn;
  reg  [LRT:0]   ab_hrt [0:NUM_BUFFERS-1];
  reg            ab_bad;
  integer ai;
  always @* begin
    ab_bad = 1'b0;
    for (ai = 0; ai < NUM_BUFFERS; ai = ai + 1) begin
      ab_hls[ai*LSB +: LSB] = {LSB{1'b0}};
      ab_hrt[ai] = {(LRT+1){1'b0}};
      if (hdr[6] == ai) begin
        ab_hls[ai*LSB +: LSB] = ab_lsf({1'b0, hdr[8]});
        ab_hrt[ai] = ab_rtf(hdr[7]);
      end
      if (hdr[10] == ai) begin
        if (ab_lsf({1'b0, hdr[12]}) > ab_hls[ai*LSB +: LSB])
          ab_hls[ai*LSB +: LSB] = ab_lsf({1'b0, hdr[12]});
        if (ab_rtf(hdr[11]) > ab_hrt[ai]) ab_hrt[ai] = ab_rtf(hdr[11]);
      end
      ab_lsn[ai*LSB +: LSB] = ab_lsv[ai*LSB +: LSB];
      if (lv_bs[ai] && lv_ls_s > ab_lsn[ai*LSB +: LSB]) ab_lsn[ai*LSB +: LSB] = lv_ls_s;
      if (lv_bd[ai] && lv_ls_d > ab_lsn[ai*LSB +: LSB]) ab_lsn[ai*LSB +: LSB] = lv_ls_d;
      if (lv_bw[ai] && lv_ls_w > ab_lsn[ai*LSB +: LSB]) ab_lsn[ai*LSB +: LSB] = lv_ls_w;
      if (({{AXW{1'b0}}, ab_rt[ai]} << ab_lsv[ai*LSB +: LSB]) > ABD) ab_bad = 1'b1;
    end
  end
  // read port (combinational): Q columns starting at rp_col of the C rows of row tile rp_rt,
  // at (rp_rt << rp_ls) | column block (rp_ls: the stride shift of rp_buf, muxed with it).
  // The shifted row tile and the column block (and the next block, read by the banks left of
  // the window's first column) are found in each source's branch of the port mux (rp_po),
  // so the state select is one mux before the memories, not before a shift and an adder
  // (the x1 path: rtl/README.md "KV260's LUTs: activation buffers sized by TABLE_ELEMS")
  reg  [31:0] rp_buf, rp_rt, rp_col;
  reg  [LSB-1:0] rp_ls;
  reg  [AXW+2*LCB1-1:0] rp_po;
  // a row tile shifted to its words' offset (rt << the buffer's stride shift)
  function automatic [AXW-1:0] ab_rsh(input [31:0] rt, input [LSB-1:0] ls);
    ab_rsh = {{(AXW-LRT-1){1'b0}}, rt[LRT:0]} << ls;
  endfunction
  function automatic [AXW+2*LCB1-1:0] ab_po(input [AXW-1:0] rsh, input [31:0] col);
    reg [LCB1-1:0] cb;
    begin
      cb = col[LP +: LCB1];
      ab_po = {rsh, cb + 1'b1, cb};
    end
  endfunction
  // Each source's shifted row tile, a register set with its row counter (the *_set tasks),
  // so the port mux selects registers: ABC mapped the six sources' shifts and one-hot select
  // as a chain of six LUTs before the bank address (rs_dn/o_sls -> t_h, 13 levels on
  // rtl-pynqz2). The shifts are fixed while a counter moves (o_sls / o_wls for the op,
  // h_ols after the load); the counters are 0 at the op start, where the shift is loaded.
  // A build that votes d_rt (SEU_C) shifts the voted value instead (no unvoted copy).
  reg  [AXW-1:0] d_rsh, sa_rsh, t_rsh_s, t_rsh_w, a_rsh, io_rsh;
  // DENSE's column o_soff + d_s * Q, set with d_s (d_s_set; at the op start from the op
  // being prepared); a build that votes d_s adds the voted value instead
  reg  [31:0] dn_col;
  // Each source's banks left of its window's first column (bank b: column mod P > b), a
  // thermometer register set with the source's column (ab_th): the port mux selects one
  // bit per bank, where a compare of the muxed column (rp_m > b) and the block select
  // behind it were 5 levels before the bank address (the read's 13 on rtl-kv260). TAYLOR's
  // H column (o_boff, fixed in an op) is registered a cycle ahead like o_sls; a build that
  // votes d_s (SEU_C) decodes the voted DENSE column instead (no unvoted copy).
  reg  [P-1:0] dn_th, sa_th, h_th, t_th, a_th, io_th;
  function automatic [P-1:0] ab_th(input [31:0] col);
    integer b;
    for (b = 0; b < P; b = b + 1) ab_th[b] = ({{(32-LP){1'b0}}, col[LP-1:0]} > b);
  endfunction
  wire [AXW-1:0]  rp_sh = rp_po[2*LCB1 +: AXW];
  wire [LCB1-1:0] rp_cb1 = rp_po[LCB1 +: LCB1], rp_cb = rp_po[0 +: LCB1];
  // outside the buffer's words (a read past a table's last row tile: its words unused), and
  // the next column block past the table's row stride (the banks left of rp_m read it)
  wire rp_oor = (rp_rt >> (LRT + 1)) != 0 || (rp_col >> (LP + LCB1)) != 0 ||
                (rp_sh >> LAB) != 0;
  wire rp_last = ({{LSB{1'b0}}, rp_cb1} >> rp_ls) != 0 || rp_cb1 == 0;
  wire [LP-1:0] rp_m = rp_col[LP-1:0];
  wire [P-1:0]  rp_th;                 // the selected source's thermometer (dn_th ..)
  wire [P*C*W-1:0] bank_rd;
  wire [P*C-1:0]   a_sgl, a_dbl;       // SEU_A: per word read, corrected / uncorrectable
  wire [P-1:0]     a_rok;              // the bank's read address lies inside the memory
  reg  [C*Q*W-1:0] rp_data;
  // write port: row mode (one lane, P values) or tile mode (lane mask, Q values per lane)
  reg          wp_en, wp_tile;
  reg  [31:0]  wp_buf, wp_rt, wp_col, wp_n, wp_lane;
  reg  [LSB-1:0] wp_ls;
  reg  [C-1:0] wp_lmask;
  reg  [P*W-1:0] wp_row;
  reg  [C*Q*W-1:0] wp_tv;
  // (the load checks keep every written word inside its buffer: rt << ls | cb < ABD)
  wire [AXW-1:0] wp_off = ({{(AXW-LRT-1){1'b0}}, wp_rt[LRT:0]} << wp_ls) |
                          {{(AXW-LCB1){1'b0}}, wp_col[LP +: LCB1]};
  wire [LP-1:0] wp_m = wp_col[LP-1:0];
  reg  [LP-1:0] wp_rot_amt;            // value p goes to bank (p + wp_rot_amt) mod P
  // row mode: a rotator of whole W-bit words, two amount bits per stage (a 4:1 mux per bit,
  // one LUT6; a last 2:1 stage where LP is odd), not a bit shift by amt * W
  reg  [P*W-1:0] wp_rot, wr_t;
  wire [LP:0]    wr_a = {1'b0, wp_rot_amt};
  integer rs, rk;
  always @* begin
    wp_rot = wp_row;
    for (rs = 0; rs < LP; rs = rs + 2) begin
      wr_t = wp_rot;
      for (rk = 0; rk < P; rk = rk + 1)
        case (wr_a[rs +: 2])
          2'd0:    wp_rot[rk*W +: W] = wr_t[rk*W +: W];
          2'd1:    wp_rot[rk*W +: W] = wr_t[((rk - (1 << rs)) & (P - 1))*W +: W];
          2'd2:    wp_rot[rk*W +: W] = wr_t[((rk - (2 << rs)) & (P - 1))*W +: W];
          default: wp_rot[rk*W +: W] = wr_t[((rk - (3 << rs)) & (P - 1))*W +: W];
        endcase
    end
  end
  // tile mode: bank b takes lane c's value (b - wp_m) mod Q: the Q values rotated once per
  // lane (Q:1 per bit), bank b then wires to its residue b mod Q
  reg  [C*Q*W-1:0] wp_trot;
  integer tc, tr;
  always @*
    for (tc = 0; tc < C; tc = tc + 1)
      for (tr = 0; tr < Q; tr = tr + 1)
        wp_trot[(tc*Q + tr)*W +: W] = wp_tv[(tc*Q + ((tr - wp_m) & (Q - 1)))*W +: W];
  // the bank's word: wp_off, or the next column block (wp_off + 1) where the window wraps
  // past bank P - 1: one incrementer for all banks
  wire [LAB-1:0] wp_o0 = wp_off[LAB-1:0];
  wire [LAB-1:0] wp_o1 = wp_off[LAB-1:0] + 1'b1;
  wire           wp_nbig = (wp_n >> LP) != 0;   // a window of P or more: every bank

  genvar gb, gc, gq;
  generate
    for (gb = 0; gb < P; gb = gb + 1) begin : abank
      localparam [LP-1:0] GB = gb;
      wire [LP-1:0] d_b = GB - wp_m;            // position in the written window
      wire          en_b = wp_en && (wp_nbig || d_b < wp_n[LP-1:0]);
      wire [LAB-1:0] wo = ({{(32-LP){1'b0}}, wp_m} > gb) ? wp_o1 : wp_o0;
      // (the next block ORs into the shifted row tile: no carry for a column in the table)
      wire          lft = rp_th[gb];                      // left of the first column
      wire [AXW-1:0] rob = rp_sh | {{(AXW-LCB1){1'b0}}, lft ? rp_cb1 : rp_cb};
      wire [LAB:0]  ro = {1'b0, rob[LAB-1:0]};
      wire [NBB+LAB-1:0] wa = {wp_buf[NBB-1:0], wo};
      wire [NBB+LAB-1:0] ra = {rp_buf[NBB-1:0], ro[LAB-1:0]};
      assign a_rok[gb] = !rp_oor && !(lft && rp_last);
      for (gc = 0; gc < C; gc = gc + 1) begin : lane
        wire lane_en = wp_tile ? wp_lmask[gc] : (wp_lane == gc);
        wire [W-1:0] wd = wp_tile ? wp_trot[(gc*Q + gb % Q)*W +: W] : wp_rot[gb*W +: W];
        // SEU_A 0: the W-bit word; 1: {2 interleaved parity bits, word}; 2: {SECDED, word}
        reg  [AWW-1:0] mem [0:AD-1];
        wire [AWW-1:0] rw = mem[ra];
        if (SEU_A == 0) begin : raw
          always @(posedge clk)
            if (en_b && lane_en) mem[wa] <= wd;
          assign bank_rd[(gb*C + gc)*W +: W] = rw;
          assign a_sgl[gb*C + gc] = 1'b0;
          assign a_dbl[gb*C + gc] = 1'b0;
        end else begin : ecc
          integer k;
`ifndef SYNTHESIS
          initial for (k = 0; k < AD; k = k + 1) mem[k] = {AWW{1'b0}};  // valid codewords
`endif
          wire [7:0]     wc = a_enc(wd);
          wire [W+1:0]   rd = a_dec(rw[W-1:0], {{(8-ACB){1'b0}}, rw[AWW-1:W]});
          always @(posedge clk)
            if (en_b && lane_en) mem[wa] <= {wc[ACB-1:0], wd};
          assign bank_rd[(gb*C + gc)*W +: W] = rd[W-1:0];
          assign a_sgl[gb*C + gc] = rd[W];
          assign a_dbl[gb*C + gc] = rd[W+1];
        end
      end
    end
  endgenerate

  // node row ii's Q words come from banks rp_m .. rp_m + Q - 1 (mod P), selected in two steps
  // with no adder on a select: the 2Q - 1 banks from the start of rp_m's block of Q banks on
  // ((P/Q):1 by rp_m's high bits), then Q:1 by its low bits
  localparam NQB = P / Q;                 // blocks of Q banks
  wire [LP:0] rp_blk = {1'b0, rp_m} >> LQ;
  wire [LQ:0] rp_lo = {1'b0, rp_m[LQ-1:0]};
  reg  [NQB*W-1:0] rp_bw;                 // word t of every block (t >= Q: the next block)
  reg  [(2*Q-1)*W-1:0] rp_win;
  integer ii, jj, kb;
  always @* begin
    for (ii = 0; ii < C; ii = ii + 1) begin
      for (jj = 0; jj < 2*Q - 1; jj = jj + 1) begin
        for (kb = 0; kb < NQB; kb = kb + 1)
          rp_bw[kb*W +: W] = bank_rd[((((kb*Q + jj) & (P - 1)) * C) + ii) * W +: W];
        rp_win[jj*W +: W] = rp_bw[rp_blk*W +: W];
      end
      for (jj = 0; jj < Q; jj = jj + 1) begin
        rp_data[(ii*Q + jj)*W +: W] = rp_win[jj*W +: W];
        for (kb = 1; kb < Q; kb = kb + 1)
          if (rp_lo == kb) rp_data[(ii*Q + jj)*W +: W] = rp_win[(kb + jj)*W +: W];
      end
    end
  end

  // ------------------------------------------------------------------ weight and bias banks
  reg          wl_we;
  reg  [31:0]  wl_bank, wl_addr, wl_data;
  reg          bl_we, bl_hi;
  reg  [31:0]  bl_bank, bl_addr, bl_lo;
  reg  [ACC_W-1:0] bl_data;
  // the bias entry's write data and check bits, one encoder for all banks: the loader's word
  // (it writes one bank at a time), else the scrubber's corrected entry of the one bank it
  // writes back in phase 2 (bs_fix_q: the lowest bank that corrected in phase 1; where
  // more did, bs_more repeats the step, so an entry row with k corrected banks takes k
  // steps; the loader and the scrubber never write together)
  wire [P-1:0]       bs_need;   // SBI, scrub phase 1: the bank's entry was corrected
  wire [P*ACC_W-1:0] bs_cd;     // ... its corrected data
  wire [P-1:0]       bs_fix = bs_need & (~bs_need + 1'b1);
  wire               bs_more = |(bs_need & ~bs_fix);
  reg  [P-1:0]       bs_fix_q;
  reg  [ACC_W-1:0]   bs_wd, bs_cdm;
  integer            bsi;
  always @* begin
    bs_cdm = {ACC_W{1'b0}};
    for (bsi = 0; bsi < P; bsi = bsi + 1)
      if (bs_fix[bsi]) bs_cdm = bs_cd[bsi*ACC_W +: ACC_W];
  end
  always @(posedge clk) begin bs_fix_q <= bs_fix; bs_wd <= bs_cdm; end
  wire [ACC_W-1:0] bw_data = bl_we ? bl_data : bs_wd;
  wire [7:0] bl_chk = b_enc(bw_data);
  reg  [31:0]  dr_baddr;
  wire [31:0]  mac_waddr;
  // port A: the loader's read-modify-write reads, the scrubber's phase-1 read (only in a
  // cycle the MAC array does not issue: it yields, inference never waits) or the MAC array
  wire         sc_go;
  wire         bsc_rd;   // scrubber phase 1, the drain not reading: the bias port is the scrubber's
  wire [31:0]  wm_addr = wl_we ? wl_addr : sc_go ? {{(31-LWR){1'b0}}, sc_wrow, 1'b0} : mac_waddr;
  wire [P*32-1:0] w_rd;
  wire [P*ACC_W-1:0] b_rd;
  // SEU_W: per bank, the MAC read's and the scrub read's decoder flags
  wire [P-1:0] w_sgl, w_dbl, b_sgl, b_dbl, ws_sgl, ws_dbl, bs_sgl, bs_dbl;
  wire [P-1:0] st_bad;   // SSB: the streamed word the MAC read fails its parity
  // loader read-modify-write of a 72-bit row (SW): the word written at the wl_* stage is
  // merged one cycle later (lw2_*) with the row's other half, read on port A during the
  // wl_* cycle, or taken from the word written the cycle before (lw3_*, same row)
  reg          lw2_we, lw3_v;
  reg  [31:0]  lw2_bank, lw2_addr, lw2_data, lw3_bank, lw3_addr, lw3_data;
  // The merge is done once for all banks (the loader writes one word a cycle): the decoded
  // row of bank lw2_bank (lw_rd: every bank's decoded read), its other half or the word
  // forwarded from lw3_*, SECDED-encoded into lw_cw, which every bank's (packed: memory's)
  // write port takes while loading
  wire [P*64-1:0] lw_rd;
  wire [71:0]     lw_cw;
  // scrubber: a step every SCRUB_PERIOD cycles, phase 1 reads row sc_wrow of every weight
  // bank (port B) and entry sc_brow of every bias bank, phase 2 writes back what it corrected
  reg          sc_ph1, sc_ph2;
  reg  [LWR-1:0] sc_wrow, sc_wrow_q;
  reg  [LBM-1:0] sc_brow, sc_brow_q;
  // packed store (PKS): its one write port is port A, which the MAC array also reads. A step
  // covers the banks of one parity (sc_par: at most one per memory at a row offset); they
  // write back in phase 1 only if the array does not issue then (sc_wfree), else the step
  // is repeated (sc_blk: a correction could not be written)
  reg          sc_par;
  wire         sc_wfree, sc_blk;
  wire [P-1:0] sc_need;   // per bank: phase 1 of its parity, a bit corrected
  // one memory per bank (SCU): a step writes back one corrected row, the lowest bank's
  // (sc_fix), through the loader's shared encoder (lw_cw): no write-data mux and no
  // check-bit fix per bank; where more banks corrected in that row (sc_more) the step is
  // repeated, so a row with k corrected banks takes k steps
  wire [P-1:0] sc_fix = sc_need & (~sc_need + 1'b1);
  wire         sc_more = SCU && |(sc_need & ~sc_fix);
  wire [LWR-1:0] pk_wrow = lw2_we ? lw2_addr[LWR:1] : sc_wrow;   // packed write row offset
  // ---- streamed weights (WGT_PORTS > 0): per streamed DENSE tile the P rows x ceil(in/Q)
  // words are one contiguous run of the image's weight block; sm_axi_stream_rd engines (port k
  // takes rows k, k + NPW, ...) write whole beats into a stream buffer of WGT_BUFS slots per
  // bank (slot = the tile's index among the vector's streamed tiles mod WGT_BUFS, counted by
  // wf_slot / gu_slot; the `half` signals carry it; beat b of row p at slot * SBH + b, its first word at `skip`), so
  // the fetch of tiles g + 1 .. g + WGT_BUFS - 1 overlaps the MACs of tile g, across op
  // boundaries: a fetch cursor walks the vector's streamed ops in
  // program order independently of the op being executed (prefetch through resident ops).
  reg              o_strm;              // the current DENSE op streams its weights
  reg  [HB-1:0]    ws_half;             // stream-buffer slot of the tile being started
  reg              ws_start;
  reg  [AXI_AW-1:0] ws_addr;            // byte address of the tile's first row
  reg  [RWB-1:0]   ws_rw;
  reg  [LP:0]      ws_rows;
  wire [31:0]      sb_ds;               // the MAC array's input step
  wire [HB-1:0]    sb_slot;             // the stream-buffer slot of the tile it consumes
  wire [MWP-1:0]   wsb_busy, wsb_err, wsb_rerr, wsb_wait, wsb_en, wsb_iss;
  wire [MWP*HB-1:0] wsb_half;
  wire [MWP*2-1:0] wsb_td;
  wire [MWP*LP-1:0] wsb_row;
  wire [MWP*BIB-1:0] wsb_beat;
  wire [MWP*LU-1:0] wsb_skip;
  wire [MWP*WGT_DW-1:0] wsb_data;
  wire             ws_busy = |wsb_busy, ws_err = |wsb_err, ws_rerr = |wsb_rerr;
  wire             ws_wait = |wsb_wait;
  wire             ws_iss = |wsb_iss;   // an engine still issuing the last tile's bursts
  wire [MWP*AXI_AW-1:0] wg_araddr;
  wire [MWP*8-1:0] wg_arlen;
  wire [MWP*3-1:0] wg_arsize;
  wire [MWP*2-1:0] wg_arburst, wg_rresp;
  wire [MWP-1:0]   wg_arvalid, wg_rready;
  wire [MWP-1:0]   wg_arready = {m_axi_wgt5_ARREADY, m_axi_wgt4_ARREADY, m_axi_wgt3_ARREADY,
                                 m_axi_wgt2_ARREADY, m_axi_wgt1_ARREADY, m_axi_wgt0_ARREADY};
  wire [MWP-1:0]   wg_rlast = {m_axi_wgt5_RLAST, m_axi_wgt4_RLAST, m_axi_wgt3_RLAST,
                               m_axi_wgt2_RLAST, m_axi_wgt1_RLAST, m_axi_wgt0_RLAST};
  wire [MWP-1:0]   wg_rvalid = {m_axi_wgt5_RVALID, m_axi_wgt4_RVALID, m_axi_wgt3_RVALID,
                                m_axi_wgt2_RVALID, m_axi_wgt1_RVALID, m_axi_wgt0_RVALID};
  wire [MWP*WGT_DW-1:0] wg_rdata = {m_axi_wgt5_RDATA, m_axi_wgt4_RDATA, m_axi_wgt3_RDATA,
                                    m_axi_wgt2_RDATA, m_axi_wgt1_RDATA, m_axi_wgt0_RDATA};
  assign wg_rresp = {m_axi_wgt5_RRESP, m_axi_wgt4_RRESP, m_axi_wgt3_RRESP, m_axi_wgt2_RRESP,
                     m_axi_wgt1_RRESP, m_axi_wgt0_RRESP};
  assign m_axi_wgt0_ARADDR = wg_araddr[0*AXI_AW +: AXI_AW];
  assign m_axi_wgt0_ARLEN = wg_arlen[0 +: 8];
  assign m_axi_wgt0_ARSIZE = wg_arsize[0 +: 3];
  assign m_axi_wgt0_ARBURST = wg_arburst[0 +: 2];
  assign m_axi_wgt0_ARVALID = wg_arvalid[0];
  assign m_axi_wgt0_RREADY = wg_rready[0];
  assign m_axi_wgt1_ARADDR = wg_araddr[1*AXI_AW +: AXI_AW];
  assign m_axi_wgt1_ARLEN = wg_arlen[8 +: 8];
  assign m_axi_wgt1_ARSIZE = wg_arsize[3 +: 3];
  assign m_axi_wgt1_ARBURST = wg_arburst[2 +: 2];
  assign m_axi_wgt1_ARVALID = wg_arvalid[1];
  assign m_axi_wgt1_RREADY = wg_rready[1];
  assign m_axi_wgt2_ARADDR = wg_araddr[2*AXI_AW +: AXI_AW];
  assign m_axi_wgt2_ARLEN = wg_arlen[16 +: 8];
  assign m_axi_wgt2_ARSIZE = wg_arsize[6 +: 3];
  assign m_axi_wgt2_ARBURST = wg_arburst[4 +: 2];
  assign m_axi_wgt2_ARVALID = wg_arvalid[2];
  assign m_axi_wgt2_RREADY = wg_rready[2];
  assign m_axi_wgt3_ARADDR = wg_araddr[3*AXI_AW +: AXI_AW];
  assign m_axi_wgt3_ARLEN = wg_arlen[24 +: 8];
  assign m_axi_wgt3_ARSIZE = wg_arsize[9 +: 3];
  assign m_axi_wgt3_ARBURST = wg_arburst[6 +: 2];
  assign m_axi_wgt3_ARVALID = wg_arvalid[3];
  assign m_axi_wgt3_RREADY = wg_rready[3];
  assign m_axi_wgt4_ARADDR = wg_araddr[4*AXI_AW +: AXI_AW];
  assign m_axi_wgt4_ARLEN = wg_arlen[32 +: 8];
  assign m_axi_wgt4_ARSIZE = wg_arsize[12 +: 3];
  assign m_axi_wgt4_ARBURST = wg_arburst[8 +: 2];
  assign m_axi_wgt4_ARVALID = wg_arvalid[4];
  assign m_axi_wgt4_RREADY = wg_rready[4];
  assign m_axi_wgt5_ARADDR = wg_araddr[5*AXI_AW +: AXI_AW];
  assign m_axi_wgt5_ARLEN = wg_arlen[40 +: 8];
  assign m_axi_wgt5_ARSIZE = wg_arsize[15 +: 3];
  assign m_axi_wgt5_ARBURST = wg_arburst[10 +: 2];
  assign m_axi_wgt5_ARVALID = wg_arvalid[5];
  assign m_axi_wgt5_RREADY = wg_rready[5];
  genvar gk;
  generate
    for (gk = 0; gk < MWP; gk = gk + 1) begin : wport
      if (gk < WGT_PORTS) begin : eng
        sm_axi_stream_rd #(.AXI_AW(AXI_AW), .WGT_DW(WGT_DW), .MAX_BURST(MAX_BURST), .OUTS(8),
                           .NP(NPW), .K(gk), .RWB(RWB), .LPB(LP), .BIB(BIB), .HB(HB)) u_ws (
          .clk(clk), .rst_n(rst_n), .abort(abort), .start(ws_start), .half(ws_half),
          .issuing_o(wsb_iss[gk]), .tdone(wsb_td[gk*2 +: 2]), .wr_half(wsb_half[gk*HB +: HB]),
          .addr(ws_addr),
          .rw(ws_rw), .rows(ws_rows), .base(pa_q[AXI_AW-1:0]), .size(ps_q),
          .busy(wsb_busy[gk]), .err(wsb_err[gk]), .rerr(wsb_rerr[gk]), .bus_wait(wsb_wait[gk]),
          .wr_en(wsb_en[gk]), .wr_row(wsb_row[gk*LP +: LP]), .wr_beat(wsb_beat[gk*BIB +: BIB]),
          .wr_skip(wsb_skip[gk*LU +: LU]), .wr_data(wsb_data[gk*WGT_DW +: WGT_DW]),
          .araddr(wg_araddr[gk*AXI_AW +: AXI_AW]), .arlen(wg_arlen[gk*8 +: 8]),
          .arsize(wg_arsize[gk*3 +: 3]), .arburst(wg_arburst[gk*2 +: 2]),
          .arvalid(wg_arvalid[gk]), .arready(wg_arready[gk]),
          .rdata(wg_rdata[gk*WGT_DW +: WGT_DW]), .rresp(wg_rresp[gk*2 +: 2]),
          .rlast(wg_rlast[gk]), .rvalid(wg_rvalid[gk]), .rready(wg_rready[gk]));
      end else begin : tie   // an unused port: idle master
        assign wsb_busy[gk] = 1'b0; assign wsb_err[gk] = 1'b0; assign wsb_rerr[gk] = 1'b0;
        assign wsb_wait[gk] = 1'b0; assign wsb_en[gk] = 1'b0;
        assign wsb_iss[gk] = 1'b0; assign wsb_half[gk*HB +: HB] = {HB{1'b0}};
        assign wsb_td[gk*2 +: 2] = 2'b00;
        assign wsb_row[gk*LP +: LP] = {LP{1'b0}}; assign wsb_beat[gk*BIB +: BIB] = {BIB{1'b0}};
        assign wsb_skip[gk*LU +: LU] = {LU{1'b0}};
        assign wsb_data[gk*WGT_DW +: WGT_DW] = {WGT_DW{1'b0}};
        assign wg_araddr[gk*AXI_AW +: AXI_AW] = {AXI_AW{1'b0}};
        assign wg_arlen[gk*8 +: 8] = 8'h0;
        assign wg_arsize[gk*3 +: 3] = 3'h0;
        assign wg_arburst[gk*2 +: 2] = 2'b01;
        assign wg_arvalid[gk] = 1'b0;
        assign wg_rready[gk] = 1'b1;
      end
    end
  endgenerate

  // packed resident store: per bank its linear read/write rows and the loader's merged row
  // (driven by the bank), per shared memory the rows its two ports read
  wire [P*LLR-1:0]  pk_lr, pk_lw;
  wire [P-1:0]      pk_we, pk_ld;
  wire [P*72-1:0]   pk_wd;
  wire [NPK*72-1:0] pk_qa, pk_qb;
  generate
    if (SW && WMEM_PACK_ROWS > 0) begin : pk
      genvar gj;
      for (gj = 0; gj < NPK; gj = gj + 1) begin : mem
        // the banks with rows in this memory: at most one of each parity at any one row
        // offset (2 * WRD >= PKR), so port A serves the even one, port B the odd one
        localparam integer BLO = (gj * PKR) / WRD;
        localparam integer BHI0 = (gj * PKR + PKR - 1) / WRD;
        localparam integer BHI = (BHI0 < P) ? BHI0 : P - 1;
        // a row is 72 bits with the SECDED code, else its 64 data bits: constant check bits in
        // the memory would become constant register bits after its read ports (a reset
        // yosys then finds on the read register, which the UltraRAM288 does not have)
        localparam PKW = SWE ? 72 : 64;
        (* ram_style = "ultra" *) reg [PKW-1:0] um [0:PKR-1];
        reg  [PKW-1:0] qa, qb;
        reg  [71:0]    da;
        reg  [LPK-1:0] aa, ab;
        reg            wa;
        integer        bi, k;
        // simulation only: configuration leaves the FPGA's RAMs at 0 (valid codewords), and
        // yosys elaborating 57 loops of 4,096 writes took ~1 h before synthesis proper
`ifndef SYNTHESIS
        initial for (k = 0; k < PKR; k = k + 1) um[k] = {PKW{1'b0}};   // valid codewords
`endif
        // While loading, port A takes the loader's writes (any bank) and port B its
        // read-modify-write read (the bank of wl_*): one write port and two read ports, as
        // the UltraRAM288 has them (two write ports that are never on together would be
        // merged into one by a synthesis tool, which then copies the memory for the second
        // read). The MAC array does not run while loading, so the reads these displace are
        // unused; when it runs nothing writes.
        always @* begin
          aa = {LPK{1'b0}}; ab = {LPK{1'b0}}; wa = 1'b0; da = 72'h0;
          for (bi = BLO; bi <= BHI; bi = bi + 1)
            if (pk_lr[bi*LLR+LPK +: LPJ] == gj) begin
              if (bi % 2 == 1) ab = pk_lr[bi*LLR +: LPK];
              else aa = pk_lr[bi*LLR +: LPK];
            end
          for (bi = BLO; bi <= BHI; bi = bi + 1)
            if (pk_ld[bi] && pk_lr[bi*LLR+LPK +: LPJ] == gj) ab = pk_lr[bi*LLR +: LPK];
          for (bi = BLO; bi <= BHI; bi = bi + 1)
            if (pk_we[bi] && pk_lw[bi*LLR+LPK +: LPJ] == gj) begin
              wa = 1'b1; aa = pk_lw[bi*LLR +: LPK]; if (PKS) da = pk_wd[bi*72 +: 72];
            end
          // the loader's merged row (one word a cycle, one bank), else (PKS) the scrubber's
          // corrected row of the bank writing (never together: the scrubber waits for lw2)
          if (lw2_we || !PKS) da = lw_cw;
        end
        // port B's read sees a port-A write to its row (the UltraRAM288's A -> B write
        // transparency, spelled out so yosys maps the memory to one URAM288): the loader
        // reading the row its last word went to (also forwarded by lw3)
        always @(posedge clk) begin
          if (wa) um[aa] <= da[PKW-1:0]; else qa <= um[aa];
          qb <= (wa && aa == ab) ? da[PKW-1:0] : um[ab];
        end
        assign pk_qa[gj*72 +: 72] = {{(72-PKW){1'b0}}, qa};
        assign pk_qb[gj*72 +: 72] = {{(72-PKW){1'b0}}, qb};
      end
    end else begin : nopk
      assign pk_qa = {(NPK*72){1'b0}};
      assign pk_qb = {(NPK*72){1'b0}};
    end
  endgenerate

  // the loader's read-modify-write, once for all banks (SW): the bank of lw2_* read its row
  // on the cycle before (wl_*); lw_rd holds every bank's decoded read
  reg  [63:0] lw_row;
  integer     lwi;
  always @* begin
    lw_row = 64'h0;
    for (lwi = 0; lwi < P; lwi = lwi + 1)   // (SCU, scrub phase 1: the bank written back)
      if ((SCU && sc_ph1) ? sc_fix[lwi] : lw2_bank == lwi) lw_row = lw_rd[lwi*64 +: 64];
  end
  wire        lw_fwd = lw3_v && lw3_bank == lw2_bank && lw3_addr[31:1] == lw2_addr[31:1] &&
                       lw3_addr[0] != lw2_addr[0];
  wire [31:0] lw_oth = lw_fwd ? lw3_data : (lw2_addr[0] ? lw_row[31:0] : lw_row[63:32]);
  // (SCU, scrub phase 1: the corrected row as it is; the loader is idle then)
  wire [63:0] lw_mrg = (SCU && sc_ph1) ? lw_row :
                       lw2_addr[0] ? {lw2_data, lw_oth} : {lw_oth, lw2_data};
  assign      lw_cw = {SWE ? sm_secded_enc64(lw_mrg) : 8'h0, lw_mrg};

  generate
    for (gb = 0; gb < P; gb = gb + 1) begin : wbank
      wire [31:0] w_res, w_st;
      if (WMEM_DEPTH > 0 && !SW && WMEM_DEPTH == (1 << WLD)) begin : res
        reg [31:0] wmem [0:WMEM_DEPTH-1];
        reg [31:0] wq;
        always @(posedge clk) begin
          if (wl_we && wl_bank == gb) wmem[wm_addr[$clog2(WMEM_DEPTH)-1:0]] <= wl_data;
          wq <= wmem[wm_addr[$clog2(WMEM_DEPTH)-1:0]];
        end
        assign w_res = wq;
        assign w_sgl[gb] = 1'b0; assign w_dbl[gb] = 1'b0;
        assign ws_sgl[gb] = 1'b0; assign ws_dbl[gb] = 1'b0;
        assign sc_need[gb] = 1'b0;
        assign lw_rd[gb*64 +: 64] = 64'h0;
      end else if (WMEM_DEPTH > 0 && !SW) begin : res_split
        // a depth that is not a power of two: words [0, 2^(WLD-1)) and the rest in two
        // memories, each its own block-RAM shape (one memory of 8,576 words is 9 RAMB36 in
        // 1K x 36 mode behind a 9:1 read mux of ~170 LUT; split: 8 in 8K x 4 mode, one more
        // for the rest, and a 32-bit 2:1 mux on the registered half bit)
        localparam WLO = 1 << (WLD - 1);
        reg [31:0] wmem_lo [0:WLO-1];
        reg [31:0] wmem_hi [0:WMEM_DEPTH-WLO-1];
        reg [31:0] wq_lo, wq_hi;
        reg        whi;
        wire       hi_a = wm_addr[WLD-1];
        always @(posedge clk) begin
          if (wl_we && wl_bank == gb && !hi_a) wmem_lo[wm_addr[WLD-2:0]] <= wl_data;
          if (wl_we && wl_bank == gb && hi_a) wmem_hi[wm_addr[WLD-2:0]] <= wl_data;
          wq_lo <= wmem_lo[wm_addr[WLD-2:0]];
          wq_hi <= wmem_hi[wm_addr[WLD-2:0]];
          whi <= hi_a;
        end
        assign w_res = whi ? wq_hi : wq_lo;
        assign w_sgl[gb] = 1'b0; assign w_dbl[gb] = 1'b0;
          assign ws_sgl[gb] = 1'b0; assign ws_dbl[gb] = 1'b0;
        assign sc_need[gb] = 1'b0;
        assign lw_rd[gb*64 +: 64] = 64'h0;
      end else if (SW && WMEM_PACK_ROWS > 0) begin : res
        // packed: this bank's rows live in memories J0 and J0 + 1 of the linear space (at
        // most two: WRD <= PKR); the MAC array's read goes out on port A (even bank) or B
        // (odd), the loader's read on B and its merged row on A (the memories below)
        localparam integer J0 = (gb * WRD) / PKR;
        localparam integer J1 = (J0 + 1 < NPK) ? J0 + 1 : J0;
        reg  [LPJ-1:0] rj_q;
        reg            wsel;
        wire [LLR-1:0] lr = gb * WRD + wm_addr[LWR:1];
        wire           in_j0 = ({{(32-LPJ){1'b0}}, rj_q} == J0);
        wire           on_b = (gb % 2 == 1) || lw2_we;   // odd bank, or the loader's read
        wire [71:0]    wq = in_j0 ? (on_b ? pk_qb[J0*72 +: 72] : pk_qa[J0*72 +: 72])
                                  : (on_b ? pk_qb[J1*72 +: 72] : pk_qa[J1*72 +: 72]);
        wire [65:0]    wdec = SWE ? sm_secded_dec64(wq[63:0], wq[71:64]) : {2'b00, wq[63:0]};
        wire           ld_w = lw2_we && lw2_bank == gb;
        always @(posedge clk) begin
          rj_q <= lr[LLR-1:LPK];
          wsel <= wm_addr[0];
        end
        // the scrubber (PKS): the row read in the sc_go cycle, decoded in phase 1, written
        // back on port A in phase 1 where a bit was corrected and the array does not issue
        wire           sc_mine = PKS && sc_ph1 && (gb % 2 == (sc_par ? 1 : 0));
        assign sc_need[gb] = sc_mine && wdec[64];
        assign pk_lr[gb*LLR +: LLR] = lr;
        assign pk_lw[gb*LLR +: LLR] = gb * WRD + pk_wrow;
        assign pk_we[gb] = ld_w || (sc_need[gb] && sc_wfree);
        assign pk_ld[gb] = wl_we && wl_bank == gb;
        // the scrubber's write-back: the corrected codeword (no encoder; PKS 0: unused)
        assign pk_wd[gb*72 +: 72] = PKS ? {w_cfix(wq), wdec[63:0]} : 72'h0;
        assign lw_rd[gb*64 +: 64] = wdec[63:0];
        assign w_res = wsel ? wdec[63:32] : wdec[31:0];
        assign w_sgl[gb] = wdec[64]; assign w_dbl[gb] = wdec[65];
        assign ws_sgl[gb] = sc_need[gb] && sc_wfree;
        assign ws_dbl[gb] = sc_mine && wdec[65] && !sc_blk;
      end else if (SW) begin : res   // the same name as the unprotected bank (VPI paths)
        // row r = {check[71:64], word 2r + 1 [63:32], word 2r [31:0]} (SECDED 64 + 8, the
        // 512 x 72 block-RAM width). A simple dual-port memory (the only 72-bit BRAM mode):
        // port A reads (the MAC array; the loader's merge; the scrubber in a cycle the array
        // does not issue), decoded after the BRAM register; port B writes (the loader's
        // merged rows while loading, else the scrubber's corrected rows).
        reg  [71:0] wmem [0:WRD-1];
        reg  [71:0] wq;
        reg         wsel;
        integer k;
`ifndef SYNTHESIS
        initial for (k = 0; k < WRD; k = k + 1) wmem[k] = 72'h0;   // valid codewords
`endif
        wire [65:0] wdec = sm_secded_dec64(wq[63:0], wq[71:64]);
        wire        ld_w = lw2_we && lw2_bank == gb;
        // the scrubber's row was read in the sc_go cycle: decoded in phase 1 (sc_wrow not yet
        // advanced) and, in the bank sc_fix picks, written back in the same cycle through the
        // loader's shared merge and encoder (lw_cw: the corrected data re-encoded, so a
        // flipped check bit is rewritten too); while loading lw_cw is the loader's merged row
        // (the two never together: the scrubber starts no step while lw2_we)
        wire        pb_we = ld_w || sc_fix[gb];
        always @(posedge clk) begin
          wq <= wmem[wm_addr[LWR:1]];
          wsel <= wm_addr[0];
          if (pb_we) wmem[pk_wrow] <= lw_cw;
        end
        assign lw_rd[gb*64 +: 64] = wdec[63:0];
        assign w_res = wsel ? wdec[63:32] : wdec[31:0];
        assign w_sgl[gb] = wdec[64]; assign w_dbl[gb] = wdec[65];
        // a correction counts when it is written; an uncorrectable row once per step (on
        // its last pass where the step repeats)
        assign ws_sgl[gb] = sc_fix[gb]; assign ws_dbl[gb] = sc_ph1 && wdec[65] && !sc_more;
        assign sc_need[gb] = SCU && sc_ph1 && wdec[64];
      end else begin : nores
        assign w_res = 32'h0;
        assign lw_rd[gb*64 +: 64] = 64'h0;
        assign w_sgl[gb] = 1'b0; assign w_dbl[gb] = 1'b0;
        assign ws_sgl[gb] = 1'b0; assign ws_dbl[gb] = 1'b0;
        assign sc_need[gb] = 1'b0;
      end
      if (!(SW && WMEM_PACK_ROWS > 0)) begin : nopkb
        assign pk_lr[gb*LLR +: LLR] = {LLR{1'b0}}; assign pk_lw[gb*LLR +: LLR] = {LLR{1'b0}};
        assign pk_we[gb] = 1'b0; assign pk_wd[gb*72 +: 72] = 72'h0; assign pk_ld[gb] = 1'b0;
      end
      if (WGT_PORTS > 0) begin : strm
        localparam integer KP = gb % NPW;
        reg  [WGT_DW+SPB-1:0] sbuf [0:WGT_BUFS*SBH-1];   // SSB: {parity, beat}
        reg  [LU-1:0]     skp [0:WGT_BUFS-1];
        wire [HB-1:0]     rsl = sb_slot, wsl = wsb_half[KP*HB +: HB];
        reg  [WGT_DW+SPB-1:0] sq;
        wire [WGT_DW-1:0] swd = wsb_data[KP*WGT_DW +: WGT_DW];
        wire [2*WU-1:0]   swp;        // word u: bits 2u (even positions), 2u + 1 (odd)
        wire [WGT_DW+2*WU-1:0] swf = {swp, swd};
        genvar gu;
        for (gu = 0; gu < WU; gu = gu + 1) begin : spar
          assign swp[2*gu +: 2] = {^(swd[gu*32 +: 32] & 32'hAAAAAAAA),
                                   ^(swd[gu*32 +: 32] & 32'h55555555)};
        end
        reg  [LU-1:0]     ssel;
        wire [RWB:0]      pos = sb_ds[RWB-1:0] + skp[rsl];
        wire [SBA-1:0]    sra = rsl * SBH + (pos >> LU);
        wire [SBA-1:0]    swa = wsl * SBH + wsb_beat[KP*BIB +: BIB];
        always @(posedge clk) begin
          if (wsb_en[KP] && wsb_row[KP*LP +: LP] == gb) begin
            sbuf[swa] <= swf[WGT_DW+SPB-1:0];
            skp[wsl] <= wsb_skip[KP*LU +: LU];
          end
          sq <= sbuf[sra];
          ssel <= pos[LU-1:0];
        end
        assign w_st = sq[ssel*32 +: 32];
        if (SSB) begin : sbpar
          wire [2*WU-1:0] sqp = sq[WGT_DW +: 2*WU];
          assign st_bad[gb] = {^(w_st & 32'hAAAAAAAA), ^(w_st & 32'h55555555)} !=
                              sqp[ssel*2 +: 2];
        end else begin : sbraw
          assign st_bad[gb] = 1'b0;
        end
      end else begin : nostrm
        assign w_st = 32'h0;
        assign st_bad[gb] = 1'b0;
      end
      assign w_rd[gb*32 +: 32] = o_strm ? w_st : w_res;
      // SEU_W 0: the ACC_W-bit bias; 2: {check (BCB bits), bias}. A bank of <= 128 entries
      // is LUT-RAM (BRS): as a RAMB18 it would fill <= 22 % of it, and on the board builds
      // the block RAM holds the stream buffers (yosys put rtl-kv260's 64 uncoded 128 x 32
      // banks into 64 RAMB18: 160 BRAM36 of the XCK26's 144)
      (* ram_style = BRS *) reg  [ACC_W+BCB-1:0] bmem [0:BMEM_DEPTH-1];
      if (!SBI) begin : braw
        always @(posedge clk)
          if (bl_we && bl_bank == gb) bmem[bl_addr[$clog2(BMEM_DEPTH)-1:0]] <= bl_data;
        assign b_rd[gb*ACC_W +: ACC_W] = bmem[dr_baddr[$clog2(BMEM_DEPTH)-1:0]];
        assign b_sgl[gb] = 1'b0; assign b_dbl[gb] = 1'b0;
        assign bs_sgl[gb] = 1'b0; assign bs_dbl[gb] = 1'b0;
        assign bs_need[gb] = 1'b0; assign bs_cd[gb*ACC_W +: ACC_W] = {ACC_W{1'b0}};
      end else begin : becc
        // entry = {check (BCB bits), ACC_W-bit bias}; one read port (async, LUTRAM) and one
        // decoder, the drain's while it drains (dr_cnt != 0), else the scrubber's (bsc_rd);
        // the scrubber writes back through the loader's write port and encoder (bw_data,
        // bl_chk: the corrected data re-encoded, a flipped check bit rewritten too; the
        // loader and the scrubber never run together), one bank per step (bs_fix_q)
        integer k;
        initial for (k = 0; k < BMEM_DEPTH; k = k + 1) bmem[k] = {(ACC_W+BCB){1'b0}};
        wire [ACC_W+BCB-1:0] brw = bmem[bsc_rd ? sc_brow : dr_baddr[$clog2(BMEM_DEPTH)-1:0]];
        wire [7:0] brc = {{(8-BCB){1'b0}}, brw[ACC_W+BCB-1:ACC_W]};
        wire [ACC_W+1:0] bdec = b_dec(brw[ACC_W-1:0], brc);
        wire ld_b = bl_we && bl_bank == gb;
        reg  bs_d;
        always @(posedge clk) begin
          if (ld_b || (sc_ph2 && bs_fix_q[gb]))
            bmem[ld_b ? bl_addr[$clog2(BMEM_DEPTH)-1:0] : sc_brow_q] <= {bl_chk[BCB-1:0],
                                                                          bw_data};
          // an uncorrectable entry counts once per step (its last pass where it repeats)
          bs_d <= bsc_rd && bdec[ACC_W+1] && !bs_more;
        end
        assign bs_need[gb] = bsc_rd && bdec[ACC_W];
        assign bs_cd[gb*ACC_W +: ACC_W] = bdec[ACC_W-1:0];
        assign b_rd[gb*ACC_W +: ACC_W] = bdec[ACC_W-1:0];
        assign b_sgl[gb] = bdec[ACC_W]; assign b_dbl[gb] = bdec[ACC_W+1];
        assign bs_sgl[gb] = sc_ph2 && bs_fix_q[gb]; assign bs_dbl[gb] = sc_ph2 && bs_d;
      end
    end
  endgenerate

  // ------------------------------------------------------------------ MAC array
  // stage 0: issue (S_DENSE) -> stage 1: weights (BRAM) + activations registered
  // -> stage 2: Q-term dot products registered -> accumulate; last item copies to shadow.
  //
  // DENSE input segments (format v2), Horner order: acc[r,o] = sum_s 2^a(s) S_s with
  // S_s = sum_{i in s} W[o,i] x[r,i] is accumulated segment by segment in decreasing
  // alignment, the accumulators doubling (acc <= acc + acc) a(s) - a(next) times between
  // segments and a(last) times at the end. Exact mod 2^ACC_W (doubling and adding are ring
  // operations), so exact wherever the loader's worst case fits ACC_W, and the multipliers see
  // the (bits+1)-bit activation itself: 9 x 8 at 8 bit (two of them fit one DSP48E1, and a
  // LUT multiplier is a third of the size of the 24-bit aligned one), 17 x 16 at 16 bit. A
  // step whose Q columns straddle a segment boundary runs once per segment, the other
  // segment's columns masked. A tile is sum_s (steps of s) + max a(s) items; without
  // segments, ceil(in_cols / Q) steps as before.
  `SM_TMR_REG([31:0], d_rt);
  `SM_TMR_REG([31:0], d_t);
  `SM_TMR_REG([31:0], d_s);
  reg  [31:0] d_wrow;
  reg         d_active;
  reg  [7:0]  d_gap;
  reg  [2:0]  d_j;                    // position in the segment order
  reg         d_shp;                  // doubling phase after segment d_j
  reg  [4:0]  d_sh;                   // doublings left in it
  reg  [3:0]  o_nseg;
  reg  [CWB-1:0] o_sg_lc [0:7];       // segment order: columns [lc, hc), steps ls..hs,
  reg  [CWB-1:0] o_sg_hc [0:7];       //   doublings after it
  reg  [CWB-1:0] o_sg_ls [0:7];
  reg  [CWB-1:0] o_sg_hs [0:7];
  reg  [3:0]     o_sg_sh [0:7];
  wire        d_jlast = ({1'b0, d_j} == o_nseg - 4'd1);
  wire        d_segend = (d_s[CWB-1:0] == o_sg_hs[d_j]);
  wire        d_last = d_shp ? (d_sh == 5'd1 && d_jlast)
                             : (d_segend && d_jlast && o_sg_sh[d_j] == 4'd0);
  wire        d_issue = (st == S_DENSE) && d_active && !(d_last && d_gap != 0) &&
                        (!o_strm || wf_rdy);   // streamed: the tile's rows are in
  assign mac_waddr = d_wrow + d_s;
  assign sb_ds = d_s;
  assign sb_slot = gu_slot;
  // Weight-stream prefetch. Tiles are counted per vector over all streamed ops in program
  // order (global tile g). The fetch cursor (wf_op, wf_t: op and its next tile; wf_g: the
  // global index of that tile, wf_addr its byte address) is restarted at every vector's
  // S_IN_START and walks the streamed ops (op_strm) on its own: it looks at one op per cycle
  // (wf_st 1; at a streamed one it takes its woff/in/out words from the op table), then
  // starts that op's tiles (wf_st 3), each into slot g mod WGT_BUFS once the array has
  // consumed tile g - WGT_BUFS (wf_g <= g_used + WGT_BUFS - 1); wf_st 0: no streamed op
  // left. g_used = streamed tiles
  // the array has consumed (issued) in this vector; wf_cnt = tiles each port has received,
  // wf_rdy = tile g_used received by all of them: the array issues it once wf_rdy.
  // An op ends when its own tiles are consumed.
  // (SEU_C with weight ports: triplicated, rtl/README.md "Controller TMR: the rule")
  `SM_TMR_REG_S([1:0], wf_st);
  `SM_TMR_REG_S([31:0], wf_op);
  `SM_TMR_REG_S([31:0], wf_t);
  `SM_TMR_REG_S([31:0], wf_nt);
  `SM_TMR_REG_S([31:0], wf_g);
  `SM_TMR_REG_S([31:0], wf_ocol);
  `SM_TMR_REG_S([31:0], g_used);
  `SM_TMR_REG_S([RWB-1:0], wf_rw);
  `SM_TMR_REG_S([AXI_AW-1:0], wf_addr);
  // slots of tiles wf_g and g_used: counters that wrap at WGT_BUFS (any count 2..8, not
  // only a power of two: slot = g mod WGT_BUFS without a divider)
  `SM_TMR_REG_S([HB-1:0], wf_slot);
  `SM_TMR_REG_S([HB-1:0], gu_slot);
  wire [511:0] wf_rec = opmem[wf_op[$clog2(MAX_OPS)-1:0]];
  wire [31:0] wf_icol = wf_rec[7*32 +: 32], wf_ocol_r = wf_rec[8*32 +: 32];
  wire [31:0] wf_woff = wf_rec[9*32 +: 32];
  wire [AXI_AW-1:0] wf_addr_r = ld_pa + 64'd64 + ({32'h0, h_num_ops} << 6) +
                                ({32'h0, wf_woff} << 2);   // the op's first weight byte
  wire [63:0] wf_rw_r = ({32'h0, wf_icol} + Q - 1) >> LQ;
  wire [63:0] wf_nt_r = ({32'h0, wf_ocol_r} + P - 1) >> LP;
  // a run state in which the cursor may start a tile (never S_ABORT / S_DRAIN / S_DONE)
  wire        wf_run = (wf_st == 2'd3) && (st != S_IDLE) && (st != S_ABORT) &&
                       (st != S_DRAIN) && (st != S_DONE);
  // tiles received per port (wf_cnt0..5, one register each: the TMR macro takes no arrays)
  `SM_TMR_REG_S([31:0], wf_cnt0);
  `SM_TMR_REG_S([31:0], wf_cnt1);
  `SM_TMR_REG_S([31:0], wf_cnt2);
  `SM_TMR_REG_S([31:0], wf_cnt3);
  `SM_TMR_REG_S([31:0], wf_cnt4);
  `SM_TMR_REG_S([31:0], wf_cnt5);
  // tile g_used is in once every port has received it: min_k(wf_cnt_k) > g_used, as one
  // compare per port side by side (a chain of running minima was ~17 logic levels into
  // d_issue at 6 ports, rtl/README.md "Logic levels per path")
  wire        wf_rdy = (wf_cnt0 > g_used) && (NPW < 2 || wf_cnt1 > g_used) &&
                       (NPW < 3 || wf_cnt2 > g_used) && (NPW < 4 || wf_cnt3 > g_used) &&
                       (NPW < 5 || wf_cnt4 > g_used) && (NPW < 6 || wf_cnt5 > g_used);
  reg         s1_v, s1_last, s1_dbl, s2_v, s2_last, s2_dbl;
  reg  [31:0] s1_rt, s1_t, s2_rt, s2_t;
  reg  [C*Q*XW-1:0] x1;
  reg  [P*C*PW-1:0] prod2;
  // MAC stages between the weight read and the dot product (the logic-level rule, rtl/README
  // "Logic levels per path"): stage mb holds the decoded weight word and the activations (the
  // DSP48s' A/B inputs), stage mc the products (the DSP48's M register on xc7), so neither
  // the memory read + SECDED decode nor the adder tree shares a path with the multiplier
  reg         mb_v, mb_last, mb_dbl, mc_v, mc_last, mc_dbl;
  reg  [31:0] mb_rt, mb_t, mc_rt, mc_t;
  reg  [C*Q*XW-1:0] mb_x;
  reg  [P*32-1:0]   mb_w;
  // DSP_PACK 2 (sm_mul_chain.v): the dot products leave the DSP48E2 chains Q cycles after
  // stage mb, not 2: the control waits MX = Q - 2 more stages (me_*, newest at index 0)
  // between mc and s2
  localparam PACK2 = (DSP_PACK == 2) && (D == 8);
  localparam MX  = PACK2 ? Q - 2 : 0;
  localparam MXN = (MX > 0) ? MX : 1;
  reg  [MXN-1:0]    me_v, me_last, me_dbl;
  reg  [MXN*32-1:0] me_rt, me_t;
  wire        me_busy = (MX > 0) && (me_v != {MXN{1'b0}});
  wire        mx_v    = (MX > 0) ? me_v[MXN-1] : mc_v;      // into stage s2
  wire        mx_last = (MX > 0) ? me_last[MXN-1] : mc_last;
  wire        mx_dbl  = (MX > 0) ? me_dbl[MXN-1] : mc_dbl;
  wire [31:0] mx_rt   = (MX > 0) ? me_rt[(MXN-1)*32 +: 32] : mc_rt;
  wire [31:0] mx_t    = (MX > 0) ? me_t[(MXN-1)*32 +: 32] : mc_t;
  generate if (MX > 1) begin : mex
    always @(posedge clk) begin
      me_v <= {me_v[MXN-2:0], mc_v}; me_last <= {me_last[MXN-2:0], mc_last};
      me_dbl <= {me_dbl[MXN-2:0], mc_dbl};
      me_rt <= {me_rt[(MXN-1)*32-1:0], mc_rt}; me_t <= {me_t[(MXN-1)*32-1:0], mc_t};
      if (!rst_n) me_v <= {MXN{1'b0}};
    end
  end else begin : me1
    always @(posedge clk) begin
      me_v <= mc_v; me_last <= mc_last; me_dbl <= mc_dbl; me_rt <= mc_rt; me_t <= mc_t;
      if (!rst_n) me_v <= 1'b0;
    end
  end endgenerate

  // segment order of the op being decoded (v_*), registered in S_OP_PREP: rank by alignment,
  // descending, ties in column order (stable). The order is found at load time (S_L_OPV,
  // from the load unit's in_cols / seg_cols: a validated DENSE has in_cols = n * seg_cols,
  // n <= MAX_SEGMENTS segments) and kept per op in op_sg ({n, order}); S_OP_PREP only
  // multiplies the order by seg_cols: no running sums or sort on the op-start path.
  reg  [3:0]     sc_n;
  reg  [3:0]     sc_al [0:7];
  reg  [2:0]     sc_rank [0:7];        // load: rank of segment si (from lv_sn, vrec)
  reg  [2:0]     sc_ord [0:7];         // op start: the segment at rank sj (from op_sg)
  reg  [CWB-1:0] sc_lc [0:7];
  reg  [CWB-1:0] sc_hc [0:7];
  reg  [3:0]     sc_sh [0:7];
  reg  [3:0]     lv_al [0:7];          // load: alignments (LV_CHK), ranks (LV_CHK + 1),
  reg  [2:0]     lv_rank [0:7];        //   order (LV_CHK + 2, into op_sg)
  reg  [3:0]     lv_sn;
  reg  [23:0]    lv_ord;
  reg  [27:0]    op_sg [0:MAX_OPS-1];  // per op: {segments, order (3 bits per rank)}
  wire           v_dense = (v_opc == PF_OP_DENSE);
  wire [CWB-1:0] v_sc = (v_dense && v_group != 0) ? v_group[CWB-1:0] : {CWB{1'b0}};
  // segments of a validated op (the load unit holds in_cols / seg_cols)
  wire [3:0]     v_sn = (v_sc == 0) ? 4'd1 : lv_dq[3:0];
  wire [27:0]    v_sg = op_sg[vi[$clog2(MAX_OPS)-1:0]];
  integer si, sj;
  reg  [7:0]     sc_gt [0:7];          // segment sj ranks before segment si
  always @* begin   // load: the op's segment alignments (LV_CHK), their ranks (LV_CHK + 1)
    for (si = 0; si < 8; si = si + 1)
      sc_al[si] = (v_dense && si < v_sn) ? v_salign[si*4 +: 4] : 4'd0;
    for (si = 0; si < 8; si = si + 1) begin
      for (sj = 0; sj < 8; sj = sj + 1)
        sc_gt[si][sj] = sj != si && sj < lv_sn &&
                        (lv_al[sj] > lv_al[si] || (lv_al[sj] == lv_al[si] && sj < si));
      sc_rank[si] = ({2'b0, sc_gt[si][0]} + sc_gt[si][1] + sc_gt[si][2] + sc_gt[si][3]) +
                    ({2'b0, sc_gt[si][4]} + sc_gt[si][5] + sc_gt[si][6] + sc_gt[si][7]);
    end
    lv_ord = 24'h0;   // load, from the registered ranks: the segment at each rank
    for (sj = 0; sj < 8; sj = sj + 1)
      for (si = 0; si < 8; si = si + 1)
        if (si < lv_sn && lv_rank[si] == sj) lv_ord[sj*3 +: 3] = si;
  end
  // op start: boundaries s * seg_cols of the order op_sg holds, alignments from the record
  function automatic [CWB-1:0] sc_mul(input [3:0] k, input [CWB-1:0] g);  // k x g, k <= 8
    sc_mul = (k[0] ? g : {CWB{1'b0}}) + (k[1] ? g << 1 : {CWB{1'b0}}) +
             (k[2] ? g << 2 : {CWB{1'b0}}) + (k[3] ? g << 3 : {CWB{1'b0}});
  endfunction
  reg  [3:0]     sc_pal [0:7];
  always @* begin
    sc_n = v_sg[27:24];
    for (sj = 0; sj < 8; sj = sj + 1) sc_ord[sj] = v_sg[sj*3 +: 3];
    for (si = 0; si < 8; si = si + 1)
      sc_pal[si] = (v_dense && si < sc_n) ? v_salign[si*4 +: 4] : 4'd0;
    for (sj = 0; sj < 8; sj = sj + 1) begin
      sc_lc[sj] = sc_mul({1'b0, sc_ord[sj]}, v_sc);
      sc_hc[sj] = (v_sc == 0) ? v_icol[CWB-1:0] : sc_mul({1'b0, sc_ord[sj]} + 4'd1, v_sc);
      sc_sh[sj] = (sj + 1 >= sc_n) ? sc_pal[sc_ord[sj]]
                                   : sc_pal[sc_ord[sj]] - sc_pal[sc_ord[(sj + 1) % 8]];
    end
  end

  // dn_col mod P at the op start (v_soff + sc_lc[0] rounded down to Q), for dn_th: only the
  // low LP bits of the offset, of seg_cols and the first segment's rank enter it, and the
  // narrow sum keeps the thermometer off the full-width one (op record -> dn_th was 14.75
  // levels on rtl-kv260, 12.75 with the opcode test below). No opcode test: an op that is
  // not a segmented DENSE has one segment, rank 0 (op_sg), so its product is 0 as sc_lc's
  wire [LP-1:0] v_c0p = sc_ord[0] * v_group[LP-1:0];
  wire [LP-1:0] v_c0m = v_soff[LP-1:0] + ((v_c0p >> LQ) << LQ);

  // stage-0 activations: the step's Q columns that belong to the current segment
  reg  [C*Q*XW-1:0] x0;
  reg  [CWB-1:0] x_col;
  integer xi, xc;
  always @* begin
    x0 = {C*Q*XW{1'b0}};
    for (xi = 0; xi < Q; xi = xi + 1) begin
      x_col = d_s * Q + xi;
      for (xc = 0; xc < C; xc = xc + 1)
        if (x_col >= o_sg_lc[d_j] && x_col < o_sg_hc[d_j])
          x0[(xc*Q + xi)*XW +: XW] = rp_data[(xc*Q + xi)*W +: W];
    end
  end
  reg  [ACC_W-1:0] acc [0:P*C-1];
  // next accumulator: doubling item acc + acc, else acc + dot. The accumulators are 0 at a
  // tile's first item: cleared by the tile before it (its last item copies the sum to the
  // shadow and clears them) and in S_OP_PREP (the MAC pipeline is empty there; an aborted
  // run may have left sums), both the flops' synchronous reset, so no first-item select sits
  // before the adder: one LUT per bit (acc raw into the carry chain, the dbl select and the
  // XOR beside it); the first item of a tile is never a doubling one.
  wire acc_clr = (s2_v && s2_last) || (st == S_OP_PREP);
  wire [P*C*ACC_W-1:0] acc_nx;
  wire [P*C*PW-1:0] ch_dot;            // DSP_PACK 2: the chains' sums, at stage s2
  wire [P*C*PW-1:0] mac_dot = PACK2 ? ch_dot : prod2;
  generate
    for (gb = 0; gb < P * C; gb = gb + 1) begin : accn
      assign acc_nx[gb*ACC_W +: ACC_W] = acc[gb] + (s2_dbl ? acc[gb] : sx_dot(mac_dot[gb*PW +: PW]));
    end
  endgenerate
  // shadow: the finished tile's sums, drained one row (dr_lane) per cycle through a C:1 read
  // mux per lane (the rows are not shifted: no mux before C - 1 of the C rows' flops)
  localparam LCD = (C > 1) ? $clog2(C) : 1;
  reg  [ACC_W-1:0] shadow [0:P*C-1];
  `SM_TMR_REG([31:0], dr_cnt);
  reg  [31:0] dr_rt, dr_t, dr_lane;

  // a (D-bit weight) x b (XW-bit aligned activation) as shift-and-add over the weight's bits
  function automatic signed [D+XW-1:0] mul_fabric(input signed [D-1:0] a,
                                                  input signed [XW-1:0] b);
    integer k;
    reg signed [D+XW-1:0] s, bx;
    begin
      s = 0;
      bx = b;
      for (k = 0; k < D - 1; k = k + 1)
        if (a[k]) s = s + (bx <<< k);
      if (a[D-1]) s = s - (bx <<< (D - 1));
      mul_fabric = s;
    end
  endfunction

  // sign-extend a dot product to the accumulator (or drop its top bits: arithmetic mod 2^ACC_W,
  // exact because the loader checks the op's worst case fits acc_bits <= ACC_W)
  function automatic [ACC_W-1:0] sx_dot(input signed [PW-1:0] x);
    sx_dot = x;
  endfunction
  function automatic [ACC_W-1:0] sx_t(input signed [2*W:0] x);   // TAYLOR products
    sx_t = x;
  endfunction

  // DSP_PACK (8-bit builds): lanes 2i and 2i+1 (a pair past the fabric lanes) share one
  // DSP48 per (row, term), both multiplying the same activation (sm_mul_pair.v: the
  // arithmetic). Lane 2i+1 gets the high product and its borrow bit, a 1-bit term of its sum;
  // lane 2i gets (w0 + 128) * x and subtracts 128 * (the row's activation sum), x_c128[row].
  localparam PACK = (DSP_PACK == 1) && (D == 8);
  localparam SH  = D + XW;                 // product width
  wire [P*C*Q*SH-1:0] pk_hi;               // odd lane's high product, from its pair
  wire [P*C*Q-1:0]   pk_cb;                // ... and its borrow bit
  wire [C*PW-1:0]    x_c128;               // -128 * sum over the Q terms of row c's activations
  generate
    for (gc = 0; gc < C; gc = gc + 1) begin : xsum
      reg signed [PW-1:0] xs;
      integer k;
      always @* begin
        xs = 0;
        for (k = 0; k < Q; k = k + 1) xs = xs - ($signed(mb_x[(gc*Q + k)*XW +: XW]) <<< (D - 1));
      end
      reg signed [PW-1:0] xs_q;   // stage mc, beside the products
      always @(posedge clk) xs_q <= xs;
      assign x_c128[gc*PW +: PW] = xs_q;
    end
  endgenerate
  wire [P*C*PW-1:0] dot;
  generate
    for (gb = 0; gb < P; gb = gb + 1) begin : lane_p
      localparam PAIRED = PACK && ((gb / 2) * 2 >= FABRIC_MUL_LANES) && ((gb / 2) * 2 + 1 < P);
      for (gc = 0; gc < C; gc = gc + 1) begin : lane_c
        wire signed [D+XW-1:0] pr [0:Q-1];
        wire [Q-1:0] cb;
        reg  signed [D+XW-1:0] pr_q [0:Q-1];   // stage mc: the products, registered
        reg  [Q-1:0] cb_q;
        for (gq = 0; gq < Q; gq = gq + 1) begin : term
          wire signed [D-1:0] wv = mb_w[gb*32 + gq*D +: D];
          wire signed [XW-1:0] xv = mb_x[(gc*Q + gq)*XW +: XW];
          always @(posedge clk) begin pr_q[gq] <= pr[gq]; cb_q[gq] <= cb[gq]; end
          localparam PI = (gb*C + gc)*Q + gq;    // this product's index
          if (PACK2) begin : none         // DSP_PACK 2: the chains below
            assign pr[gq] = {SH{1'b0}};
            assign cb[gq] = 1'b0;
            assign pk_hi[PI*SH +: SH] = {SH{1'b0}};
            assign pk_cb[PI] = 1'b0;
          end else if (PAIRED && gb % 2 == 0) begin : pk
            wire signed [D-1:0] w1 = mb_w[(gb+1)*32 + gq*D +: D];
            wire signed [SH-1:0] hi;
            wire borrow;
            sm_mul_pair u_mp (.w0(wv), .w1(w1), .x(xv), .lo(pr[gq]), .hi(hi),   // D 8, XW 9
                              .borrow(borrow));
            assign cb[gq] = 1'b0;
            assign pk_hi[((gb+1)*C + gc)*Q*SH + gq*SH +: SH] = hi;
            assign pk_cb[((gb+1)*C + gc)*Q + gq] = borrow;
            assign pk_hi[PI*SH +: SH] = {SH{1'b0}};
            assign pk_cb[PI] = 1'b0;
          end else if (PAIRED) begin : pk_hi_lane
            assign pr[gq] = pk_hi[PI*SH +: SH];
            assign cb[gq] = pk_cb[PI];
          end else if (gb < FABRIC_MUL_LANES) begin : fab
            assign pr[gq] = mul_fabric(wv, xv);
            assign cb[gq] = 1'b0;
            assign pk_hi[PI*SH +: SH] = {SH{1'b0}};
            assign pk_cb[PI] = 1'b0;
          end else begin : dsp
            assign pr[gq] = wv * xv;
            assign cb[gq] = 1'b0;
            assign pk_hi[PI*SH +: SH] = {SH{1'b0}};
            assign pk_cb[PI] = 1'b0;
          end
        end
        reg signed [PW-1:0] sum;
        integer k;
        always @* begin
          sum = (PAIRED && gb % 2 == 0) ? $signed(x_c128[gc*PW +: PW]) : 0;
          for (k = 0; k < Q; k = k + 1) sum = sum + pr_q[k] + $signed({1'b0, cb_q[k]});
        end
        assign dot[(gb*C + gc)*PW +: PW] = sum;
      end
    end
  endgenerate

  // DSP_PACK 2 (UltraScale+: DSP48E2, 27-bit A; sm_mul_chain.v the arithmetic): lanes 2i and
  // 2i+1 share one chain of Q DSP48E2s per node row that also sums the Q terms in their
  // post-adders (PCIN cascade), so no adder tree sits in the fabric. Term q's inputs are
  // delayed q cycles after stage mb: the activations and K (per node row: 2^(CHL-1) - 128 *
  // sum of the row's Q activations, registered beside mb_x) once for all pairs, each pair's
  // weights once for all node rows. The sums reach s2 Q cycles after mb (me_* above).
  localparam CHL = D + XW + LQ;             // 19: a lane's field of the chain's sum
  generate if (PACK2) begin : chn
    reg  [(Q-1)*C*Q*XW-1:0] xd;           // mb_x delayed 1 .. Q-1 cycles (j-1 at [j-1])
    reg  [(Q-1)*P*32-1:0]   wd;           // mb_w delayed 1 .. Q-1 cycles
    reg  [C*2*CHL-1:0]       kq;           // K per node row, stage mb
    reg  signed [2*CHL-1:0]  kc [0:C-1];
    integer k, r;
    always @* begin
      for (r = 0; r < C; r = r + 1) begin
        kc[r] = {{CHL{1'b0}}, 1'b1, {(CHL-1){1'b0}}};       // 2^(CHL-1)
        for (k = 0; k < Q; k = k + 1)
          kc[r] = kc[r] - ($signed(x1[(r*Q + k)*XW +: XW]) <<< (D - 1));
      end
    end
    always @(posedge clk) begin
      xd <= {xd[(Q-2)*C*Q*XW-1:0], mb_x};   // (Q = 4 here: D 8)
      wd <= {wd[(Q-2)*P*32-1:0], mb_w};
      for (r = 0; r < C; r = r + 1) kq[r*2*CHL +: 2*CHL] <= kc[r];
    end
    for (gb = 0; gb < P; gb = gb + 2) begin : pr2
      // term q's weights of the pair (term 0 straight from mb_w)
      wire [Q*D-1:0] w0s, w1s;
      for (gq = 0; gq < Q; gq = gq + 1) begin : tw
        if (gq == 0) begin : t0
          assign w0s[0 +: D] = mb_w[gb*32 +: D];
          assign w1s[0 +: D] = mb_w[(gb+1)*32 +: D];
        end else begin : tq
          assign w0s[gq*D +: D] = wd[(gq-1)*P*32 + gb*32 + gq*D +: D];
          assign w1s[gq*D +: D] = wd[(gq-1)*P*32 + (gb+1)*32 + gq*D +: D];
        end
      end
      for (gc = 0; gc < C; gc = gc + 1) begin : nd
        wire [Q*XW-1:0] xs;
        for (gq = 0; gq < Q; gq = gq + 1) begin : tx
          if (gq == 0) begin : t0
            assign xs[0 +: XW] = mb_x[(gc*Q)*XW +: XW];
          end else begin : tq
            assign xs[gq*XW +: XW] = xd[(gq-1)*C*Q*XW + (gc*Q + gq)*XW +: XW];
          end
        end
        wire signed [CHL-1:0] lo, hi;
        sm_mul_chain #(.Q(Q), .D(D), .XW(XW), .L(CHL)) u_ch (
          .clk(clk), .w0(w0s), .w1(w1s), .x(xs), .k(kq[gc*2*CHL +: 2*CHL]), .lo(lo),
          .hi(hi));
        assign ch_dot[(gb*C + gc)*PW +: PW] = {{(PW-CHL){lo[CHL-1]}}, lo};
        assign ch_dot[((gb+1)*C + gc)*PW +: PW] = {{(PW-CHL){hi[CHL-1]}}, hi};
      end
    end
  end else begin : nochn
    for (gb = 0; gb < P * C; gb = gb + 1) begin : z
      assign ch_dot[gb*PW +: PW] = {PW{1'b0}};
    end
  end endgenerate

  // drain requantizers: P lanes on shadow row dr_lane + bias, in three stages (the
  // logic-level rule): d0 (dr_cnt != 0) reads the row and the bias and adds them (ab_q), d1
  // requantizes (d2_vals), d2 writes the row to the activation banks. AGGREGATE results
  // (g1_v, one row per cycle) take the requantizers between d1's and are written from
  // d2_vals a cycle later (g2_v: the requantizer and the write rotator are not one path).
  wire [P*W-1:0] dr_vals;
  reg  [P*W-1:0] d2_vals;
  reg            d1_v, d2_v;
  reg  [31:0]    d1_rt, d1_t, d1_lane, d2_rt, d2_t, d2_lane;
  generate
    for (gb = 0; gb < P; gb = gb + 1) begin : drq
      wire signed [ACC_W-1:0] a = shadow[gb*C + dr_lane[LCD-1:0]];
      wire signed [ACC_W-1:0] bv = o_has_bias ? b_rd[gb*ACC_W +: ACC_W] : {ACC_W{1'b0}};
      reg  signed [ACC_W-1:0] ab_q;   // mod 2^ACC_W: the exact sum fits (loader)
      always @(posedge clk) ab_q <= a + bv;
      wire signed [RW-1:0] g = g1_red[gb*RW +: RW];
      wire signed [DW_-1:0] v = g1_v ? $signed({{(DW_-RW){g[RW-1]}}, g})
                                     : $signed({ab_q[ACC_W-1], ab_q});
      sm_requant #(.IW(DW_), .D(D)) u_rq (
        .v(v), .relu(o_relu), .shr(q_shr), .shl(q_shl), .rnd_mask(q_mask[DW_-1:0]),
        .rnd_half(q_half[DW_-1:0]), .out_signed(o_osigned), .narrow(o_narrow),
        .y(dr_vals[gb*W +: W]));
    end
  endgenerate

  // AGGREGATE results (from the engine below) enter the drain requantizers through g1_*
  reg         g1_v;
  reg  [31:0] g1_rt, g1_blk, g1_lane;
  reg         g2_v;                    // g1's row, requantized into d2_vals: written now
  reg  [31:0] g2_rt, g2_blk, g2_lane;
  reg  [P*RW-1:0] g1_red;

  // ------------------------------------------------------------------ AGGREGATE (sequential)
  // Axis 1 (over n for each k) and axis-0 groups that straddle a C-row tile. Per P-column
  // block and group (axis 0: rows n*K .. n*K+K-1; axis 1: rows k, K+k, ..., (N-1)*K+k), one
  // row per cycle: pass 0 reduces the group's rows (sum, top two and first argmax per
  // column), pass 1 reads each member row again (its own value, for EXCLUDE_SELF) and writes
  // the requantized result through the drain units and the rotated write port (as above).
  // 2 * rows cycles per column block.
  reg         sa_active, sa_pass;
  reg  [31:0] sa_blk, sa_grp, sa_i, sa_row, sa_base, sa_stride, sa_cnt, sa_ngrp;
  reg  [31:0] sa_col;   // o_soff + sa_blk * P, kept beside sa_blk (no adder on the read port)
  wire [31:0] sa_lane = sa_row % C;
  wire [P*RW-1:0] sa_out;
  // the row read in cycle c is reduced (pass 0) or written (pass 1) in cycle c + 1 from the
  // registers sx_* (the read alone is most of a cycle); +1 cycle per op
  reg         sx_v, sx_pass, sx_first;
  reg  [RB-1:0] sx_i;
  reg  [31:0] sx_rt, sx_lane, sx_blk;
  always @(posedge clk) begin
    sx_v <= (st == S_SA) && sa_active;
    sx_pass <= sa_pass; sx_first <= (sa_i == 0); sx_i <= sa_i[RB-1:0];
    sx_rt <= sa_row / C; sx_lane <= sa_lane; sx_blk <= sa_blk;
    if (!rst_n) sx_v <= 1'b0;
  end
  generate
    for (gb = 0; gb < P; gb = gb + 1) begin : saq
      reg  signed [W-1:0] xq;            // the row's word of this bank, registered
      wire signed [RW-1:0] xb = xq;
      reg  signed [RW-1:0] sm, m1, m2;   // sum, top two
      reg  [RB-1:0] ag;                  // first argmax (member index, < MAX_ROWS)
      assign sa_out[gb*RW +: RW] =
        o_sum ? (o_excl ? sm - xb : sm)
              : (!o_excl ? m1 : (sa_cnt == 1) ? {RW{1'b0}} : (sx_i == ag) ? m2 : m1);
      always @(posedge clk) begin
        xq <= bank_rd[(gb*C + sa_lane)*W +: W];
        if (sx_v && !sx_pass) begin
          if (sx_first) begin
            sm <= xb; m1 <= xb; m2 <= {1'b1, {(RW-1){1'b0}}}; ag <= {RB{1'b0}};
          end else begin
            sm <= sm + xb;
            if (xb > m1) begin m2 <= m1; m1 <= xb; ag <= sx_i; end
            else if (xb > m2) m2 <= xb;
          end
        end
      end
    end
  endgenerate

  // ------------------------------------------------------------------ TAYLOR (sequential)
  // E = D (H D) per complex channel c (PROGRAM.md "TAYLOR"), one complex MAC per cycle
  // (4 multipliers W x W). H (rows x 2) is copied once per op into t_h; per channel the two
  // columns of D into t_d; then for each k: A[j, k] = sat(rshift_rne(sum_n conj(h_nk) d_nj,
  // gain)) for all j (K*N cycles, kept in t_a), E[n, k] = sat(rshift_rne(sum_j d_nj A[j, k],
  // shift)) for all n (N*K cycles, kept in t_e); finally t_e is written back, one C-row tile
  // of one column per cycle. Per channel 2*K*rows + 4*ceil(rows/C) cycles.
  // (The paper's A[k, j] = sum_n h_kn d_nj with h_kn = conj(h_nk); E needs its column k.)
  reg  [2*W-1:0] t_h [0:MAX_ROWS-1];   // {Im, Re}
  reg  [2*W-1:0] t_d [0:MAX_ROWS-1];
  reg  [2*W-1:0] t_e [0:MAX_ROWS-1];
  reg  [2*W-1:0] t_a [0:MAX_ROWS-1];
  reg  [31:0] t_rt, t_c, t_ch, t_n, t_j, t_k, t_nn, t_hidx, t_didx, t_eidx;
  reg         t_pass;
  // the column of channel t_c's pass: t_c (Re) or t_c + t_ch (Im), set wherever t_c or
  // t_pass is, so the write port adds one term to it, not two (the t_c -> x1 path); t_scol
  // is the source column o_soff + t_col, so the read port adds none (the t_col -> t_h path)
  reg  [31:0] t_col, t_scol;
  reg  [31:0] o_woff, o_boff;
  reg  [5:0]  ta_shr;
  reg  [4:0]  ta_shl;
  reg  [TW-1:0] ta_mask, ta_half;
  reg  [ACC_W-1:0] t_acc_re, t_acc_im;
  // Pipeline (one complex MAC issued per cycle): the issue cycle reads the operands and
  // registers the four products (tp_*: DSP48 M/P registers); tc: t_acc accumulates them;
  // tq: the requantizers' shift halves (sm_requant_shift) registered; their saturation halves
  // write t_a / t_e. A value issued in cycle c is in its register file from cycle c + 4: an
  // E step that reads t_a[j] waits while A's last step of j is in flight (t_haz; only K < 4
  // waits), S_T_WB waits for the last E values (3 cycles per channel).
  wire        t_aph = (st == S_T_A);
  wire [2*W-1:0] t_u = t_aph ? t_h[t_hidx[RB-1:0]] : t_d[t_didx[RB-1:0]];
  wire [2*W-1:0] t_v = t_aph ? t_d[t_didx[RB-1:0]] : t_a[t_j[RB-1:0]];
  wire signed [W-1:0] t_ur = t_u[W-1:0], t_ui = t_u[2*W-1:W];
  wire signed [W-1:0] t_vr = t_v[W-1:0], t_vi = t_v[2*W-1:W];
  reg         tp_v, tp_aph, tp_first, tp_last, tc_v, tc_aph, tq_v, tq_aph;
  reg  [RB-1:0] tp_idx, tc_idx, tq_idx;
  reg  signed [2*W-1:0] tp_rr, tp_ii, tp_ri, tp_ir;
  reg  [5:0]  tr_shr;                  // the requantizer constants of the phase in tc
  reg  [4:0]  tr_shl;
  reg  [TW-1:0] tr_mask, tr_half;
  reg  [D+3:0] tq_nre, tq_nim;
  reg         tq_ire, tq_iim;
  wire [D+3:0] tc_nre, tc_nim;
  wire        tc_ire, tc_iim;
  wire [W-1:0] t_y_re, t_y_im;
  wire        t_haz = (tp_v && tp_last && tp_aph && tp_idx == t_j[RB-1:0]) ||
                      (tc_v && tc_aph && tc_idx == t_j[RB-1:0]) ||
                      (tq_v && tq_aph && tq_idx == t_j[RB-1:0]);
  wire        t_busy = tp_v || tc_v || tq_v;
  wire        t_issue = (st == S_T_A) || (st == S_T_E && !t_haz);
  // A: conj(u) v = (ur vr + ui vi) + i (ur vi - ui vr); E: u v = (ur vr - ui vi) + i (ur vi + ui vr)
  wire signed [TPW-1:0] t_s_re = tp_aph ? tp_rr + tp_ii : tp_rr - tp_ii;
  wire signed [TPW-1:0] t_s_im = tp_aph ? tp_ri - tp_ir : tp_ri + tp_ir;
  sm_requant_shift #(.IW(DW_), .D(D)) u_rq_re (
    .v($signed({t_acc_re[ACC_W-1], t_acc_re})), .relu(1'b0), .shr(tr_shr), .shl(tr_shl),
    .rnd_mask(tr_mask[DW_-1:0]), .rnd_half(tr_half[DW_-1:0]), .n(tc_nre), .inc(tc_ire));
  sm_requant_shift #(.IW(DW_), .D(D)) u_rq_im (
    .v($signed({t_acc_im[ACC_W-1], t_acc_im})), .relu(1'b0), .shr(tr_shr), .shl(tr_shl),
    .rnd_mask(tr_mask[DW_-1:0]), .rnd_half(tr_half[DW_-1:0]), .n(tc_nim), .inc(tc_iim));
  sm_requant_sat #(.D(D)) u_rs_re (.n(tq_nre), .inc(tq_ire), .out_signed(tq_aph || o_osigned),
    .narrow(o_narrow), .y(t_y_re));
  sm_requant_sat #(.D(D)) u_rs_im (.n(tq_nim), .inc(tq_iim), .out_signed(tq_aph || o_osigned),
    .narrow(o_narrow), .y(t_y_im));
  always @(posedge clk) begin
    tp_v <= t_issue;
    tp_aph <= t_aph;
    tp_first <= t_aph ? (t_n == 0) : (t_j == 0);
    tp_last <= t_aph ? (t_n == t_nn - 1) : (t_j == o_group - 1);
    tp_idx <= t_aph ? t_j[RB-1:0] : t_eidx[RB-1:0];
    tp_rr <= t_ur * t_vr; tp_ii <= t_ui * t_vi;
    tp_ri <= t_ur * t_vi; tp_ir <= t_ui * t_vr;
    if (tp_v) begin
      t_acc_re <= (tp_first ? {ACC_W{1'b0}} : t_acc_re) + sx_t(t_s_re);
      t_acc_im <= (tp_first ? {ACC_W{1'b0}} : t_acc_im) + sx_t(t_s_im);
    end
    tc_v <= tp_v && tp_last; tc_aph <= tp_aph; tc_idx <= tp_idx;
    tr_shr <= tp_aph ? ta_shr : q_shr; tr_shl <= tp_aph ? ta_shl : q_shl;
    tr_mask <= tp_aph ? ta_mask : q_mask; tr_half <= tp_aph ? ta_half : q_half;
    tq_v <= tc_v; tq_aph <= tc_aph; tq_idx <= tc_idx;
    tq_nre <= tc_nre; tq_nim <= tc_nim; tq_ire <= tc_ire; tq_iim <= tc_iim;
    if (tq_v) begin
      if (tq_aph) t_a[tq_idx] <= {t_y_im, t_y_re};
      else        t_e[tq_idx] <= {t_y_im, t_y_re};
    end
    if (!rst_n) begin tp_v <= 1'b0; tc_v <= 1'b0; tq_v <= 1'b0; end
  end
  // write-back tile: column (Re or Im of channel t_c) of row tile t_rt from t_e
  reg  [C*Q*W-1:0] t_wtv;
  reg  [C-1:0]     t_wmask;
  integer tw;
  always @* begin
    t_wtv = {C*Q*W{1'b0}};
    for (tw = 0; tw < C; tw = tw + 1) begin
      t_wtv[(tw*Q)*W +: W] = t_pass ? t_e[(t_rt*C + tw) % MAX_ROWS][2*W-1:W]
                                    : t_e[(t_rt*C + tw) % MAX_ROWS][W-1:0];
      t_wmask[tw] = (t_rt * C + tw) < o_rows;
    end
  end

  // ------------------------------------------------------------------ tile pipeline (NORM)
  // Both passes read one tile (C rows x NQ columns) per cycle into nr_* (the read alone is
  // most of a cycle). Sum of squares: nr -> sq (C*NQ registered W x W products) -> n_ps
  // (their sum) -> n_sum. Scaling: nr -> t1_p (n_g's three 24-bit chunks x the value, each
  // product registered: one DSP48 with its output register) -> t2_* (their sum t1_val = n_g
  // x, the requantizers' shift half) -> their saturation half -> the activation bank. Each
  // stage is one register so every path stays within the logic-level rule; the passes end
  // when their pipeline is empty (+2 cycles per pass).
  reg  [31:0] a_rt, a_s;
  reg  [31:0] a_col;   // o_soff + a_s * NQ, kept beside a_s (no adder on the read port)
  reg         a_active;
  reg         nr_v, nq_v, t1_v, t2_v;
  reg  [C*Q*W-1:0] nr_d;
  reg  [C*Q-1:0]   nr_m;               // element in the table (sum of squares)
  reg  [C-1:0]     nr_lmask, t1_lmask, t2_lmask;
  reg  [31:0] nr_rt, nr_col, nr_n, t1_rt, t1_col, t1_n, t2_rt, t2_col, t2_n;
  localparam GPW = 25 + W;             // a 25-bit signed chunk x a W-bit signed value
  reg  [C*Q*3*GPW-1:0] t1_p;
  integer np;
  wire [C*Q*TW-1:0] t1_val;
  reg  [C*Q*(D+4)-1:0] t2_rn;          // requantizer halves: clamped shifted value
  reg  [C*Q-1:0]    t2_ri;             // ... and its rounding increment
  wire [C*Q*(D+4)-1:0] t1_rn;
  wire [C*Q-1:0]    t1_ri;
  wire [C*Q*W-1:0] t_vals;
  reg  [2*W-1:0] sq [0:C*Q-1];
  reg  [63:0] n_sum, n_ps, n_root, n_op, n_one, n_g, n_num;
  reg  [33:0] n_rem;
  reg  [6:0]  n_it;
  reg         n_pv;
  generate
    for (gc = 0; gc < C; gc = gc + 1) begin : tq_c
      for (gq = 0; gq < Q; gq = gq + 1) begin : tq_q
        if (gq < NQ) begin : u
          sm_requant_shift #(.IW(TW), .D(D)) u_sh (
            .v(t1_val[(gc*Q + gq)*TW +: TW]), .relu(1'b0), .shr(q_shr), .shl(q_shl),
            .rnd_mask(q_mask), .rnd_half(q_half),
            .n(t1_rn[(gc*Q + gq)*(D+4) +: D+4]), .inc(t1_ri[gc*Q + gq]));
          sm_requant_sat #(.D(D)) u_sat (
            .n(t2_rn[(gc*Q + gq)*(D+4) +: D+4]), .inc(t2_ri[gc*Q + gq]),
            .out_signed(o_osigned), .narrow(o_narrow), .y(t_vals[(gc*Q + gq)*W +: W]));
        end else begin : z
          assign t1_rn[(gc*Q + gq)*(D+4) +: D+4] = {(D+4){1'b0}};
          assign t1_ri[gc*Q + gq] = 1'b0;
          assign t_vals[(gc*Q + gq)*W +: W] = {W{1'b0}};
        end
      end
    end
  endgenerate

  // a (64 bit, unsigned) x b (W-bit signed), low 64 bits: NORM's scaling, C*NQ units, as
  // three products of a's 24-bit chunks (gpart: 25 x W signed, one DSP48E1/E2 each, its
  // output registered in t1_p) and their sum (gsum) in front of the requantizers' shift half,
  // at no cycle: one 65 x W product into a register (three unregistered DSP48s, two 64-bit
  // adders) was 13 levels nr_d -> t1_val on rtl-kv260; shift-and-add in LUTs took ~500 LUT
  // per unit
  function automatic [GPW-1:0] gpart(input [23:0] a, input [W-1:0] b);
    gpart = $signed({1'b0, a}) * $signed(b);
  endfunction
  function automatic [63:0] gsum(input [3*GPW-1:0] p);
    reg [63:0] s;
    integer k;
    begin
      s = 64'h0;
      for (k = 0; k < 3; k = k + 1)
        s = s + ({{(64-GPW){p[k*GPW + GPW-1]}}, p[k*GPW +: GPW]} << (24*k));
      gsum = s;
    end
  endfunction
  wire [71:0] n_g72 = {8'h0, n_g};
  generate
    for (gc = 0; gc < C*Q; gc = gc + 1) begin : tsum
      assign t1_val[gc*TW +: TW] = gsum(t1_p[gc*3*GPW +: 3*GPW]);
    end
  endgenerate

  // the tile being read: which of its words are in the table (rows, columns)
  reg  [C-1:0]      t0_rowv;
  reg  [Q-1:0]      t0_colv;
  integer rc, rq;
  always @* begin
    for (rc = 0; rc < C; rc = rc + 1)
      t0_rowv[rc] = (a_rt * C + rc) < o_rows;
    for (rq = 0; rq < Q; rq = rq + 1)
      t0_colv[rq] = (rq < NQ) && (a_s * NQ + rq) < o_icol;
  end

  // the NORM pipeline's registers (the controller moves a_rt/a_s and reads nr_v/nq_v/t1_v/
  // t2_v to end a pass)
  // sum of the C*NQ squares (< C*Q * 2^(2W-2)): a balanced tree of adders, not a chain
  localparam NSW = 2*W + $clog2(C*Q) + 1;
  reg  [C*Q*NSW-1:0] n_lvl;
  integer ne, nw;
  always @* begin
    for (ne = 0; ne < C*Q; ne = ne + 1)
      n_lvl[ne*NSW +: NSW] = (ne % Q < NQ) ? {{(NSW-2*W){1'b0}}, sq[ne]} : {NSW{1'b0}};
    for (nw = C*Q; nw > 1; nw = (nw + 1) / 2) begin
      for (ne = 0; ne < nw / 2; ne = ne + 1)
        n_lvl[ne*NSW +: NSW] = n_lvl[(2*ne)*NSW +: NSW] + n_lvl[(2*ne+1)*NSW +: NSW];
      if (nw % 2 == 1) n_lvl[(nw/2)*NSW +: NSW] = n_lvl[(nw-1)*NSW +: NSW];
    end
  end
  // x * x of a W-bit signed activation, exact in 2W bits (|x| <= 2^(W-1))
  function automatic [2*W-1:0] sqr(input [W-1:0] b);
    reg signed [W-1:0] x;
    reg signed [2*W-1:0] p;
    begin
      x = b;
      p = x * x;
      sqr = p;
    end
  endfunction
  always @(posedge clk) begin
    nr_v <= a_active && (st == S_N_SUM || st == S_N_OUT);
    nr_d <= rp_data;
    for (rc = 0; rc < C; rc = rc + 1)
      for (rq = 0; rq < Q; rq = rq + 1)
        nr_m[rc*Q + rq] <= t0_rowv[rc] && t0_colv[rq];
    nr_lmask <= t0_rowv;
    nr_rt <= a_rt;
    nr_col <= o_doff + a_s * NQ;
    nr_n <= (o_icol - a_s * NQ < NQ) ? o_icol - a_s * NQ : NQ;
    // sum of squares: W x W products (DSP48s), zero outside the table
    nq_v <= nr_v && (st == S_N_SUM);
    for (ne = 0; ne < C*Q; ne = ne + 1)
      sq[ne] <= nr_m[ne] ? sqr(nr_d[ne*W +: W]) : {2*W{1'b0}};
    n_pv <= nq_v;
    n_ps <= {{(64-NSW){1'b0}}, n_lvl[NSW-1:0]};
    // scaling
    t1_v <= nr_v && (st == S_N_OUT);
    t1_rt <= nr_rt; t1_col <= nr_col; t1_n <= nr_n; t1_lmask <= nr_lmask;
    for (ne = 0; ne < C*Q; ne = ne + 1)
      for (np = 0; np < 3; np = np + 1)
        t1_p[(ne*3 + np)*GPW +: GPW] <= (ne % Q < NQ) ? gpart(n_g72[24*np +: 24],
                                                               nr_d[ne*W +: W]) : {GPW{1'b0}};
    t2_v <= t1_v;
    t2_rt <= t1_rt; t2_col <= t1_col; t2_n <= t1_n; t2_lmask <= t1_lmask;
    t2_rn <= t1_rn; t2_ri <= t1_ri;
    if (!rst_n) begin
      nr_v <= 1'b0; nq_v <= 1'b0; n_pv <= 1'b0; t1_v <= 1'b0; t2_v <= 1'b0;
    end
  end

  // ------------------------------------------------------------------ input / output streams
  `SM_TMR_REG([31:0], vec);
  reg  [31:0] io_r, io_c, io_left;
  wire [31:0] io_rt = io_r / C;
  wire [31:0] io_lane = io_r % C;
  reg         o_busy;
  // the output store reads element io_r/io_c (column io_c of the C rows of its row tile)
  // into o_q whenever o_q is empty or handed over this cycle (the read alone is most of a
  // cycle): the write engine sees a register and a C:1 mux
  localparam LCO = (C > 1) ? $clog2(C) : 1;
  reg  [C*W-1:0] o_q;
  reg  [LCO-1:0] o_ql;
  reg            o_qv;
  integer oc;
  wire [W-1:0]   o_w = o_q[o_ql*W +: W];
  wire [W+15:0]  o_sx = {{16{o_w[W-1]}}, o_w};
  assign o_data = o_sx[15:0];  // int16 device format (the compiler checks the range)
  wire [31:0] u_sx = {{16{u_data[15]}}, u_data[15:0]};
  assign o_valid = (st == S_OUT) && o_qv;
  wire   o_hs = o_valid && o_ready;
  wire   o_rd = (st == S_OUT) && io_left != 0 && (!o_qv || o_ready);
  always @(posedge clk) begin
    if (o_rd) begin
      for (oc = 0; oc < C; oc = oc + 1) o_q[oc*W +: W] <= rp_data[(oc*Q)*W +: W];
      o_ql <= io_lane[LCO-1:0];
      o_qv <= 1'b1;
    end else if (o_hs || st != S_OUT) o_qv <= 1'b0;
    if (!rst_n) o_qv <= 1'b0;
  end

  // the stride shifts of the op's buffers and the input / output tables' (one LUT each);
  // the rectangle (TABLE_ELEMS 0) holds every program at the fixed stride of MAX_COLS / P
  // blocks: a constant shift, so its addresses are wiring as before the bound
  localparam [LSB-1:0] LS_FIX = LCB;
  localparam FIXS = (TABLE_ELEMS == 0);
  // Registered a cycle ahead, so the buffer lookup is off the port address path (the
  // o_sbuf -> x1 path): from the op being prepared in S_OP_PREP (the cycle before its first
  // read), from the current op's and the header's fields otherwise. The shifts are fixed
  // after the load and the fields are parity-checked / voted, so these registers are
  // rewritten from protected state every cycle (an upset lasts one cycle, as on a wire).
  reg  [LSB-1:0] o_sls, o_dls, o_wls, h_ils, h_ols;
  wire           ls_prep = (st == S_OP_PREP);
  always @(posedge clk) begin
    o_sls <= FIXS ? LS_FIX : ab_lsv[(ls_prep ? v_sbuf[NBB-1:0] : o_sbuf[NBB-1:0])*LSB +: LSB];
    o_dls <= FIXS ? LS_FIX : ab_lsv[(ls_prep ? v_dbuf[NBB-1:0] : o_dbuf[NBB-1:0])*LSB +: LSB];
    o_wls <= FIXS ? LS_FIX : ab_lsv[(ls_prep ? v_woff[NBB-1:0] : o_woff[NBB-1:0])*LSB +: LSB];
    h_ils <= FIXS ? LS_FIX : ab_lsv[h_in_buf[NBB-1:0]*LSB +: LSB];
    h_ols <= FIXS ? LS_FIX : ab_lsv[h_out_buf[NBB-1:0]*LSB +: LSB];
    h_th <= ab_th(ls_prep ? v_boff : o_boff);
  end

  // the read port's sources (each with its own shift and blocks, ab_po) and their states
  localparam RPO = AXW + 2*LCB1;
  wire [31:0] rc_dn = SC ? o_soff + d_s * Q : dn_col, rc_sa = sa_col, rc_n = a_col;
  wire [31:0] rc_td = t_scol;
  wire rs_sa = rp_src[RS_SA], rs_th = rp_src[RS_TH], rs_td = rp_src[RS_TD];
  wire rs_n = rp_src[RS_N], rs_out = rp_src[RS_OUT], rs_dn = rp_src[RS_DN];
  assign rp_th = ({P{rs_dn}} & (SC ? ab_th(rc_dn) : dn_th)) | ({P{rs_sa}} & sa_th) |
                 ({P{rs_th}} & h_th) | ({P{rs_td}} & t_th) | ({P{rs_n}} & a_th) |
                 ({P{rs_out}} & io_th);
  // read / write port muxes
  always @* begin
    // one-hot by the state, an AND-OR (not an if-chain before the memories' address)
    rp_buf = ({32{rs_th}} & o_woff) | ({32{rs_out}} & h_out_buf) |
             ({32{!rs_th && !rs_out}} & o_sbuf);
    rp_ls = ({LSB{rs_th}} & o_wls) | ({LSB{rs_out}} & h_ols) | ({LSB{!rs_th && !rs_out}} & o_sls);
    rp_rt = ({32{rs_dn}} & d_rt) | ({32{rs_sa}} & (sa_row / C)) | ({32{rs_th || rs_td}} & t_rt) |
            ({32{rs_n}} & a_rt) | ({32{rs_out}} & io_rt);
    rp_col = ({32{rs_dn}} & rc_dn) | ({32{rs_sa}} & rc_sa) | ({32{rs_th}} & o_boff) |
             ({32{rs_td}} & rc_td) | ({32{rs_n}} & rc_n) | ({32{rs_out}} & io_c);
    rp_po = ({RPO{rs_dn}} & ab_po(SC ? ab_rsh(d_rt, o_sls) : d_rsh, rc_dn)) |
            ({RPO{rs_sa}} & ab_po(sa_rsh, rc_sa)) |
            ({RPO{rs_th}} & ab_po(t_rsh_w, o_boff)) |
            ({RPO{rs_td}} & ab_po(t_rsh_s, rc_td)) |
            ({RPO{rs_n}} & ab_po(a_rsh, rc_n)) |
            ({RPO{rs_out}} & ab_po(io_rsh, io_c));
    wp_en = 1'b0; wp_tile = 1'b0; wp_buf = o_dbuf; wp_ls = o_dls; wp_rt = d2_rt;
    wp_col = o_doff + d2_t * P;
    wp_n = (o_ocol - d2_t * P < P) ? o_ocol - d2_t * P : P;
    wp_lane = d2_lane; wp_lmask = t2_lmask; wp_row = d2_vals; wp_tv = t_vals;
    if (st == S_IN) begin
      wp_en = u_hs; wp_buf = h_in_buf; wp_ls = h_ils; wp_rt = io_rt; wp_col = io_c; wp_n = 1;
      wp_lane = io_lane;
      wp_row = {P*W{1'b0}};
      wp_row[W-1:0] = u_sx[W-1:0];
    end else if (st == S_T_WB) begin
      wp_en = !t_busy; wp_tile = 1'b1; wp_rt = t_rt; wp_col = o_doff + t_col;
      wp_n = 1; wp_lmask = t_wmask; wp_tv = t_wtv;
    end else if (g2_v) begin
      wp_en = 1'b1; wp_rt = g2_rt; wp_col = o_doff + g2_blk * P; wp_lane = g2_lane;
      wp_row = d2_vals;
      wp_n = (o_icol - g2_blk * P < P) ? o_icol - g2_blk * P : P;
    end else if (t2_v) begin
      wp_en = 1'b1; wp_tile = 1'b1; wp_rt = t2_rt; wp_col = t2_col; wp_n = t2_n;
    end else if (d2_v) begin
      wp_en = 1'b1;
    end
    // AGGREGATE values come in source-bank order; everything else in window order
    wp_rot_amt = (st != S_IN && g2_v) ? o_doff[LP-1:0] - o_soff[LP-1:0] : wp_col[LP-1:0];
  end

  // ------------------------------------------------------------------ control
  reg  [31:0] wd_cnt;
  reg  [31:0] wl_o, wl_j, wl_rowbase, wl_p;
  reg  [31:0] wl_rw, wl_rwl;   // the op's words per row and that - 1, latched at its start
  reg  [31:0] tcol0;
  integer pi, ci;

  // an int64 bias word pair to the accumulator width (the loader checks it fits acc_bits)
  function automatic [ACC_W-1:0] bias64(input [63:0] b);
    bias64 = b[ACC_W-1:0];
  endfunction

  // format v3 checksum: CRC-32 (IEEE 802.3, reflected, zlib's) of the image's little-endian
  // bytes, one word per call; 32 bit steps unroll into an XOR network
  function automatic [31:0] crc32_word(input [31:0] crc_in, input [31:0] word);
    integer b;
    reg [31:0] c;
    begin
      c = crc_in ^ word;
      for (b = 0; b < 32; b = b + 1)
        c = (c >> 1) ^ (32'hEDB88320 & {32{c[0]}});
      crc32_word = c;
    end
  endfunction

  // start the load unit: p1 = a1 x b1, p2 = a2 x b2 (shift-and-add: no DSP48, those
  // belong to the MAC array), dd / dv (restoring division)
  task lv_go(input [IMW-1:0] a1, input [IMW-1:0] b1, input [IMW-1:0] a2,
             input [IMW-1:0] b2, input [IMW-1:0] dd, input [IMW-1:0] dv);
    begin
      lv_m1 <= {{(32-IMW){1'b0}}, a1}; lv_b1 <= b1; lv_p1 <= 32'h0;
      lv_m2 <= {{(32-IMW){1'b0}}, a2}; lv_b2 <= b2; lv_p2 <= 32'h0;
      lv_dd <= dd; lv_dv <= dv; lv_dq <= {IMW{1'b0}}; lv_rem <= {IMW{1'b0}};
      lv_ph <= 6'd1;
    end
  endtask

  // the TAYLOR pass's column and its source column, set together (t_col, t_scol)
  task t_col_set(input [31:0] c);
    begin
      t_col <= c; t_scol <= o_soff + c; t_th <= ab_th(o_soff + c);
    end
  endtask
  // a row counter and its shifted row tile, set together (d_rsh .. io_rsh above)
  task d_rt_set(input [31:0] v);
    begin
      `SM_TMR_SET(d_rt, v) d_rsh <= ab_rsh(v, o_sls);
    end
  endtask
  task d_s_set(input [31:0] v);
    begin
      `SM_TMR_SET(d_s, v) dn_col <= o_soff + v * Q; dn_th <= ab_th(o_soff + v * Q);
    end
  endtask
  // a source's column and its thermometer, set together
  task a_col_set(input [31:0] c);
    begin
      a_col <= c; a_th <= ab_th(c);
    end
  endtask
  task sa_col_set(input [31:0] c);
    begin
      sa_col <= c; sa_th <= ab_th(c);
    end
  endtask
  task io_c_set(input [31:0] c);
    begin
      io_c <= c; io_th <= ab_th(c);
    end
  endtask
  task t_rt_set(input [31:0] v);
    begin
      t_rt <= v; t_rsh_s <= ab_rsh(v, o_sls); t_rsh_w <= ab_rsh(v, o_wls);
    end
  endtask
  task a_rt_set(input [31:0] v);
    begin
      a_rt <= v; a_rsh <= ab_rsh(v, o_sls);
    end
  endtask
  task sa_row_set(input [31:0] v);
    begin
      sa_row <= v; sa_rsh <= ab_rsh(v / C, o_sls);
    end
  endtask
  task io_r_set(input [31:0] v);
    begin
      io_r <= v; io_rsh <= ab_rsh(v / C, h_ols);
    end
  endtask
  task fail(input [31:0] code);
    begin
      `SM_TMR_SET(err_code, code)
      `SM_ST_SET(S_ABORT)
    end
  endtask

  // ------------------------------------------------------------------ SEU protection
  // What a decoder flags counts only where the word is used: the MAC array's weight word in
  // pipeline stage 1 (s1_v, resident op), the drain's bias (dr_cnt, the op has biases), the
  // activation words the read port delivers to an active consumer, the op-table entry /
  // bank bases / header words while the controller reads them, and the scrubber's reads.
  localparam [LP:0] QP = Q;
  wire        ld_state = (st == S_L_HDRCHK) || (st == S_L_IMG) || (st == S_L_CHK) ||
                         (st == S_L_OPC) || (st == S_L_HDRV) || (st == S_L_OPV) ||
                         (st == S_L_WNEXT) || (st == S_L_W) || (st == S_L_WWAIT) ||
                         (st == S_L_B) || (st == S_L_BWAIT);
  wire        run_state = (st == S_RUN) || (st == S_RCHK) || (st == S_IN_START) || (st == S_IN) ||
                          (st == S_OP_FETCH) || (st == S_OP_PREP) || (st == S_DENSE) ||
                          (st == S_SA) || (st == S_T_H) || (st == S_T_D) || (st == S_T_A) ||
                          (st == S_T_E) || (st == S_T_WB) || (st == S_N_SUM) ||
                          (st == S_N_SQRT) || (st == S_N_DIV) || (st == S_N_OUT) ||
                          (st == S_OP_WAIT) || (st == S_OUT_START) || (st == S_OUT);
  wire        st_legal = ld_state || run_state || (st == S_IDLE) || (st == S_L_HDR) ||
                         (st == S_ABORT) || (st == S_DRAIN) || (st == S_DONE);
  // activation words in use: the read port's Q-column window (all C rows) for DENSE, NORM,
  // TAYLOR's copies and the output store; every bank's row for AGGREGATE
  wire        a_rp_use = (st == S_DENSE && d_issue) ||
                         ((st == S_N_SUM || st == S_N_OUT) && a_active) ||
                         (st == S_T_H) || (st == S_T_D) || o_rd;
  wire        a_sa_use = (st == S_SA) && sa_active;
  reg  [P*C-1:0] a_use;
  integer ab;
  always @* begin
    for (ab = 0; ab < P; ab = ab + 1)
      a_use[ab*C +: C] = {C{a_rok[ab] && (a_sa_use ||
                            (a_rp_use && ({1'b0, ab[LP-1:0] - rp_m} < QP)))}};
  end
  reg         hdr_bad;
  integer     hp;
  always @* begin
    hdr_bad = 1'b0;
    // not the two informative words (in_frac, out_frac): the core never reads them, so an
    // upset there changes nothing (and without this check synthesis drops their registers)
    for (hp = 0; hp < 16; hp = hp + 1)
      if (hp != PF_HDR_IN_FRAC && hp != PF_HDR_OUT_FRAC &&
          sm_iparity32(hdr[hp]) != hdr_par[hp]) hdr_bad = 1'b1;
  end
  wire [$clog2(MAX_OPS)-1:0] vix = vi[$clog2(MAX_OPS)-1:0];
  wire        op_bad = (sm_iparity512(vrec) != op_par[vix]);
  wire        base_bad = ((sm_iparity32(op_wbase[vix]) ^ sm_iparity32(op_bbase[vix]) ^
                           sm_iparity32({{(32-IMW){1'b0}}, op_quot[vix]}) ^
                           sm_iparity32({4'h0, op_sg[vix]})) != op_bpar[vix]);
  wire        vi_ok = (vi < h_num_ops);
  wire        op_rd = vi_ok && ((st == S_L_OPC) || (st == S_L_OPV) || (st == S_L_WNEXT) ||
                                (st == S_L_W) || (st == S_L_WWAIT) || (st == S_L_B) ||
                                (st == S_L_BWAIT) || (st == S_OP_PREP));
  wire        base_rd = vi_ok && ((st == S_L_WNEXT) || (st == S_OP_PREP));
  wire        ev_w_sgl = SWE && s1_v && !o_strm && |w_sgl;
  wire        ev_w_dbl = SWE && s1_v && !o_strm && |w_dbl;
  wire        ev_t_dbl = SSB && s1_v && o_strm && |st_bad;   // a streamed weight: rerun
  wire        ev_b_sgl = SBI && dr_cnt != 0 && o_has_bias && |b_sgl;
  wire        ev_b_dbl = SBI && dr_cnt != 0 && o_has_bias && |b_dbl;
  wire        ev_a_sgl = (SEU_A != 0) && |(a_sgl & a_use);
  wire        ev_a_dbl = (SEU_A != 0) && |(a_dbl & a_use);
  wire        ev_s_sgl = SCR && (|ws_sgl || |bs_sgl);
  wire        ev_s_dbl = SCR && (|ws_dbl || |bs_dbl);
  wire        ev_c_dbl = SC && ((hdr_bad && (ld_state || (run_state && prog_valid))) ||
                                (op_bad && op_rd) || (base_bad && base_rd));
  // SEU_C: the current op's registers (loaded in S_OP_PREP, constant while the op runs) under
  // interleaved parity, latched the cycle after S_OP_PREP and checked while the op runs; and
  // the loop counters against their bounds (an upset that would make a loop run ~2^32 times
  // is caught instead of waited out)
  wire        op_state = (st == S_DENSE) || (st == S_SA) || (st == S_T_H) || (st == S_T_D) ||
                         (st == S_T_A) || (st == S_T_E) || (st == S_T_WB) || (st == S_N_SUM) ||
                         (st == S_N_SQRT) || (st == S_N_DIV) || (st == S_N_OUT) ||
                         (st == S_OP_WAIT);
  // (the bits the core reads: not o_opc, o_flags[31:6], o_rbits[31:6], which nothing reads
  // and synthesis drops unless a parity tree keeps them; the op's shift as the requantizer
  // amounts q_shr / q_shl latched beside the o_* registers, which is what the drain reads)
  wire [7:0]  o_pv = sm_iparity512({105'h0, o_flags[5:0], o_sbuf, o_soff, o_dbuf, o_doff,
                                    o_rows, o_icol, o_ocol, o_gain, o_rbits[5:0], o_group,
                                    q_shr, q_shl, o_wbase, o_bbase, o_woff}) ^
                     sm_iparity32(o_boff) ^ sm_iparity32(o_nrt) ^ sm_iparity32(o_nt) ^
                     sm_iparity32(o_nrt1) ^
                     sm_iparity32(o_ns) ^ sm_iparity32({30'h0, o_has_bias, o_strm});
  reg  [7:0]  o_par;
  reg         o_par_v, prep_q;
  wire        o_bad = o_par_v && op_state && (o_pv != o_par);
  localparam [31:0] MR = MAX_ROWS, MC = MAX_COLS, RTL_ = RT, CBL = CB, CL = C;
  wire        loop_bad =
    ((op_state || st == S_OP_PREP) && op_i >= h_num_ops) ||
    ((st == S_IN_START || st == S_IN || op_state || st == S_OP_PREP || st == S_OUT_START ||
      st == S_OUT) && vec >= nv_q) ||
    (st == S_DENSE && d_active && (d_rt >= o_nrt || d_t >= o_nt || d_s >= o_ns)) ||
    (dr_cnt > CL) ||
    (st == S_SA && sa_active && (sa_i >= MR || sa_row >= MR || sa_cnt > MR ||
                                 sa_ngrp > MR || sa_blk >= CBL)) ||
    ((st == S_T_H || st == S_T_D || st == S_T_WB) && (t_rt >= RTL_ || t_c >= MC)) ||
    ((st == S_T_A || st == S_T_E) && (t_n >= MR || t_j >= MR || t_k >= MR)) ||
    ((st == S_N_SUM || st == S_N_OUT) && a_active && (a_rt >= RTL_ || a_s >= MC)) ||
    (st == S_IN && (cnt_left > h_in_n || io_r > MR)) ||
    (st == S_OUT && (io_left > h_out_n || io_r > MR));
  wire        ev_fsm = SC && (!st_legal || o_bad || loop_bad);
  // an uncorrectable error in a word in use ends the run: STATUS SEU_DETECTED
  wire        seu_fail = ev_w_dbl || ev_b_dbl || ev_a_dbl || ev_c_dbl || ev_fsm || ev_t_dbl;
  // the counters count the events of the cycle before (registered in ev_cq / ev_uq: the
  // event logic and the saturating 32-bit add are two register-to-register paths, not one;
  // STATUS, SEU_STATUS and the abort still see an event in its own cycle)
  reg  [3:0]  ev_cq;
  reg  [6:0]  ev_uq;
  wire [2:0]  inc_c = {2'b0, ev_cq[0]} + {2'b0, ev_cq[1]} + {2'b0, ev_cq[2]} + {2'b0, ev_cq[3]};
  wire [2:0]  inc_u = {2'b0, ev_uq[0]} + {2'b0, ev_uq[1]} + {2'b0, ev_uq[2]} +
                      {2'b0, ev_uq[3]} + {2'b0, ev_uq[4]} + {2'b0, ev_uq[5]} + {2'b0, ev_uq[6]};
  wire [32:0] corr_nx = {1'b0, seu_corr} + {30'h0, inc_c};
  wire [32:0] unc_nx = {1'b0, seu_unc} + {30'h0, inc_u};
  reg  [3:0]  seu_nx;
  always @* begin
    seu_nx = seu_st;
    if (st == S_IDLE && start) seu_nx[2] = 1'b0;               // RUN_UPSET: the last run
    if (st == S_L_WNEXT && vi == h_num_ops) seu_nx[1:0] = 2'b00;  // a program loaded cleanly
    if (ev_w_dbl || ev_b_dbl || ev_s_dbl) seu_nx[0] = 1'b1;   // WEIGHTS_CORRUPTED
    if (ev_c_dbl) seu_nx[1] = 1'b1;                           // PROGRAM_CORRUPTED
    if (ev_a_dbl || ev_fsm || ev_t_dbl) seu_nx[2] = 1'b1;     // RUN_UPSET
    if (ev_fsm) seu_nx[3] = 1'b1;                             // CTRL_FAULT
  end
  reg  [31:0] sc_cnt;
  wire [31:0] sc_wrows = (wsum + 32'd1) >> 1;                 // weight rows in use per bank
  assign      sc_go = SCR && prog_valid && !ld_state && st != S_L_HDR && !wl_we && !lw2_we &&
                      !d_issue &&                       // port A is the MAC array's first
                      !bl_we && !sc_ph1 && !sc_ph2 &&   // one step at a time (port B)
                      scrub_period != 0 && sc_cnt + 32'd1 >= scrub_period;
  // the bias entry is read in phase 1 unless the drain holds the port (then the entry waits
  // for the next step: the weight rows go on)
  assign      bsc_rd = SCR && sc_ph1 && dr_cnt == 0;
  assign      sc_wfree = !d_issue;                  // phase 1: port A not the array's
  assign      sc_blk = PKS && |sc_need && !sc_wfree;
  always @(posedge clk) begin
    if (!rst_n) begin
      seu_st <= 4'h0; seu_corr <= 32'h0; seu_unc <= 32'h0; seu_irq <= 1'b0;
      ev_cq <= 4'h0; ev_uq <= 7'h0;
      lw2_we <= 1'b0; lw3_v <= 1'b0; sc_ph1 <= 1'b0; o_par_v <= 1'b0; prep_q <= 1'b0; sc_ph2 <= 1'b0; sc_cnt <= 32'h0;
      sc_wrow <= {LWR{1'b0}}; sc_brow <= {LBM{1'b0}}; sc_par <= 1'b0;
    end else begin
      seu_irq <= |(seu_nx & ~seu_st) && !seu_clear;
      // an event in the cycle of a clear is not counted (as before the registers)
      ev_cq <= seu_clear ? 4'h0 : {ev_w_sgl, ev_b_sgl, ev_a_sgl, ev_s_sgl};
      ev_uq <= seu_clear ? 7'h0 : {ev_w_dbl, ev_b_dbl, ev_a_dbl, ev_c_dbl, ev_fsm, ev_s_dbl,
                                   ev_t_dbl};
      if (seu_clear) begin
        seu_st <= 4'h0; seu_corr <= 32'h0; seu_unc <= 32'h0;
      end else begin
        seu_st <= seu_nx;
        seu_corr <= corr_nx[32] ? 32'hFFFFFFFF : corr_nx[31:0];   // saturating
        seu_unc <= unc_nx[32] ? 32'hFFFFFFFF : unc_nx[31:0];
      end
      prep_q <= (st == S_OP_PREP);
      if (prep_q) begin o_par <= o_pv; o_par_v <= 1'b1; end
      else if (!op_state) o_par_v <= 1'b0;
      lw2_we <= SW && wl_we; lw2_bank <= wl_bank; lw2_addr <= wl_addr; lw2_data <= wl_data;
      lw3_v <= lw2_we; lw3_bank <= lw2_bank; lw3_addr <= lw2_addr; lw3_data <= lw2_data;
      sc_ph1 <= sc_go;
      sc_ph2 <= sc_ph1;
      if (sc_go || scrub_period == 0) sc_cnt <= 32'h0;
      else sc_cnt <= sc_cnt + 32'd1;
      if (sc_ph1) begin   // next rows (wrapping at the rows the loaded program uses)
        sc_wrow_q <= sc_wrow; sc_brow_q <= sc_brow;
        // packed: the odd banks' step after the even banks' of a row; a blocked write-back
        // repeats the step
        // (SCU: another bank of the row still to write back repeats the step)
        if (PKS && (sc_blk || !sc_par)) sc_par <= sc_par ^ !sc_blk;
        else if (!sc_more) begin
          sc_par <= 1'b0;
          sc_wrow <= ({{(32-LWR){1'b0}}, sc_wrow} + 32'd1 >= sc_wrows) ? {LWR{1'b0}}
                                                                      : sc_wrow + 1'b1;
        end
        if (bsc_rd && !bs_more)   // (another bank's entry to write back: the step repeats)
          sc_brow <= ({{(32-LBM){1'b0}}, sc_brow} + 32'd1 >= bsum) ? {LBM{1'b0}}
                                                                   : sc_brow + 1'b1;
      end
    end
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      done_pulse <= 1'b0; status <= 32'h0; cycles <= 64'h0; abort <= 1'b0;
      rd_start <= 1'b0; wr_start <= 1'b0; prog_valid <= 1'b0;
      wl_we <= 1'b0; bl_we <= 1'b0; s1_v <= 1'b0; s2_v <= 1'b0; mb_v <= 1'b0; mc_v <= 1'b0;
      d1_v <= 1'b0; d2_v <= 1'b0;
      d_active <= 1'b0; a_active <= 1'b0; g1_v <= 1'b0; g2_v <= 1'b0;
      sa_active <= 1'b0; wd_cnt <= 32'h0;
      dbg_op_start <= 1'b0; dbg_op_idx <= 8'h0; rd_u16 <= 1'b0; d_gap <= 8'h0;
      `SM_ST_SET(S_IDLE) `SM_TMR_SET(err_code, 32'h0) `SM_TMR_SET(dr_cnt, 32'h0)
      `SM_TMR_SET(rd_addr, {AXI_AW{1'b0}}) `SM_TMR_SET(rd_count, 32'h0)
      `SM_TMR_SET(wr_addr, {AXI_AW{1'b0}}) `SM_TMR_SET(wr_count, 32'h0)
      ws_start <= 1'b0; o_strm <= 1'b0; prog_strm <= 1'b0; hyb_full <= 1'b0;
      ws_half <= {HB{1'b0}};
      `SM_TMR_SET(wf_t, 32'h0) `SM_TMR_SET(wf_st, 2'd0) `SM_TMR_SET(wf_op, 32'h0)
      `SM_TMR_SET(wf_g, 32'h0) `SM_TMR_SET(g_used, 32'h0) `SM_TMR_SET(wf_nt, 32'h0)
      `SM_TMR_SET(wf_ocol, 32'h0) `SM_TMR_SET(wf_rw, {RWB{1'b0}})
      `SM_TMR_SET(wf_addr, {AXI_AW{1'b0}}) `SM_TMR_SET(wf_cnt0, 32'h0)
      `SM_TMR_SET(wf_cnt1, 32'h0) `SM_TMR_SET(wf_cnt2, 32'h0) `SM_TMR_SET(wf_cnt3, 32'h0)
      `SM_TMR_SET(wf_cnt4, 32'h0) `SM_TMR_SET(wf_cnt5, 32'h0)
      `SM_TMR_SET(wf_slot, {HB{1'b0}}) `SM_TMR_SET(gu_slot, {HB{1'b0}})
    end else begin
      // controller TMR: the voted value back into all three copies (an FSM assignment below
      // overrides it); the list is every `SM_TMR_REG of this file
      `SM_ST_SET(st) `SM_TMR_SET(op_i, op_i) `SM_TMR_SET(vi, vi) `SM_TMR_SET(vec, vec)
      `SM_TMR_SET(cnt, cnt) `SM_TMR_SET(cnt_left, cnt_left) `SM_TMR_SET(rd_addr, rd_addr)
      `SM_TMR_SET(rd_count, rd_count) `SM_TMR_SET(wr_addr, wr_addr)
      `SM_TMR_SET(wr_count, wr_count) `SM_TMR_SET(d_rt, d_rt) `SM_TMR_SET(d_t, d_t)
      `SM_TMR_SET(d_s, d_s) `SM_TMR_SET(dr_cnt, dr_cnt) `SM_TMR_SET(o_rows, o_rows)
      `SM_TMR_SET(o_icol, o_icol) `SM_TMR_SET(o_ocol, o_ocol) `SM_TMR_SET(o_wbase, o_wbase)
      `SM_TMR_SET(o_bbase, o_bbase) `SM_TMR_SET(err_code, err_code)
      `SM_TMR_SET(h_in_n, h_in_n) `SM_TMR_SET(h_out_n, h_out_n) `SM_TMR_SET(ab_lsv, ab_lsv)
      // the prefetch cursor (`SM_TMR_REG_S)
      `SM_TMR_SET(wf_st, wf_st) `SM_TMR_SET(wf_op, wf_op) `SM_TMR_SET(wf_t, wf_t)
      `SM_TMR_SET(wf_nt, wf_nt) `SM_TMR_SET(wf_g, wf_g) `SM_TMR_SET(wf_ocol, wf_ocol)
      `SM_TMR_SET(g_used, g_used) `SM_TMR_SET(wf_rw, wf_rw) `SM_TMR_SET(wf_addr, wf_addr)
      `SM_TMR_SET(wf_cnt0, wf_cnt0) `SM_TMR_SET(wf_cnt1, wf_cnt1)
      `SM_TMR_SET(wf_cnt2, wf_cnt2) `SM_TMR_SET(wf_cnt3, wf_cnt3)
      `SM_TMR_SET(wf_cnt4, wf_cnt4) `SM_TMR_SET(wf_cnt5, wf_cnt5)
      `SM_TMR_SET(wf_slot, wf_slot) `SM_TMR_SET(gu_slot, gu_slot)
      done_pulse <= 1'b0;
      rd_start <= 1'b0;
      wr_start <= 1'b0;
      ws_start <= 1'b0;
      abort <= 1'b0;
      wl_we <= 1'b0;
      bl_we <= 1'b0;
      dbg_op_start <= 1'b0;
      if (st != S_IDLE) cycles <= cycles + 64'd1;
      // watchdog: a bus handshake stalled for WATCHDOG cycles
      if (rd_wait || wr_wait || ws_wait) wd_cnt <= wd_cnt + 32'd1; else wd_cnt <= 32'h0;

      // ---------------- weight stream (prefetch): the cursor looks for the next streamed op
      // (one op per cycle), takes its stream parameters, then starts its tile wf_t (global
      // wf_g, into slot wf_g mod WGT_BUFS) once every engine has issued the last tile's
      // bursts (their beats may still be in flight) and the MAC array has consumed global
      // tile wf_g - WGT_BUFS (the slot's previous tile); the array issues tile g_used only
      // when every port has received it (wf_rdy)
      if (wf_st == 2'd1) begin
        if (wf_op >= h_num_ops) `SM_TMR_SET(wf_st, 2'd0)   // no streamed op left: idle
        else if (op_strm[wf_op[$clog2(MAX_OPS)-1:0]]) begin   // its stream parameters
          `SM_TMR_SET(wf_t, 32'h0) `SM_TMR_SET(wf_nt, wf_nt_r[31:0])
          `SM_TMR_SET(wf_ocol, wf_ocol_r)
          `SM_TMR_SET(wf_rw, wf_rw_r[RWB-1:0])
          `SM_TMR_SET(wf_addr, wf_addr_r)
          `SM_TMR_SET(wf_st, 2'd3)
        end else `SM_TMR_SET(wf_op, wf_op + 32'd1)
      end
      if (wf_run && !ws_iss && !ws_start && wf_g <= g_used + (WGT_BUFS - 1)) begin
        ws_start <= 1'b1; ws_half <= wf_slot; ws_addr <= wf_addr; ws_rw <= wf_rw;
        `SM_TMR_SET(wf_slot, (wf_slot == SLOT_LAST) ? {HB{1'b0}} : wf_slot + 1'b1)
        ws_rows <= (wf_ocol - (wf_t << LP) < P) ? wf_ocol - (wf_t << LP) : P;
        `SM_TMR_SET(wf_t, wf_t + 32'd1)
        `SM_TMR_SET(wf_g, wf_g + 32'd1)
        `SM_TMR_SET(wf_addr, wf_addr + ({{(AXI_AW-RWB){1'b0}}, wf_rw} << (LP + 2)))
        if (wf_t + 32'd1 == wf_nt) begin
          `SM_TMR_SET(wf_op, wf_op + 32'd1) `SM_TMR_SET(wf_st, 2'd1)
        end
      end
      `SM_TMR_SET(wf_cnt0, wf_cnt0 + {30'h0, wsb_td[1:0]})
      `SM_TMR_SET(wf_cnt1, wf_cnt1 + {30'h0, wsb_td[3:2]})
      `SM_TMR_SET(wf_cnt2, wf_cnt2 + {30'h0, wsb_td[5:4]})
      `SM_TMR_SET(wf_cnt3, wf_cnt3 + {30'h0, wsb_td[7:6]})
      `SM_TMR_SET(wf_cnt4, wf_cnt4 + {30'h0, wsb_td[9:8]})
      `SM_TMR_SET(wf_cnt5, wf_cnt5 + {30'h0, wsb_td[11:10]})

      // ---------------- MAC pipeline (runs in every state; only S_DENSE issues)
      s1_v <= d_issue;
      s1_last <= d_last;
      s1_dbl <= d_shp;
      s1_rt <= d_rt;
      s1_t <= d_t;
      x1 <= x0;
      mb_v <= s1_v; mb_last <= s1_last; mb_rt <= s1_rt; mb_t <= s1_t; mb_dbl <= s1_dbl;
      mb_x <= x1; mb_w <= w_rd;
      mc_v <= mb_v; mc_last <= mb_last; mc_rt <= mb_rt; mc_t <= mb_t; mc_dbl <= mb_dbl;
      s2_v <= mx_v; s2_last <= mx_last; s2_rt <= mx_rt; s2_t <= mx_t;
      s2_dbl <= mx_dbl;
      prod2 <= dot;
      if (dr_cnt != 0) begin
        `SM_TMR_SET(dr_cnt, dr_cnt - 32'd1)
        dr_lane <= dr_lane + 32'd1;
      end
      d1_v <= (dr_cnt != 0); d1_rt <= dr_rt; d1_t <= dr_t; d1_lane <= dr_lane;
      d2_v <= d1_v; d2_rt <= d1_rt; d2_t <= d1_t; d2_lane <= d1_lane; d2_vals <= dr_vals;
      for (pi = 0; pi < P * C; pi = pi + 1)   // (acc_clr: the flops' synchronous reset)
        if (acc_clr) acc[pi] <= {ACC_W{1'b0}};
        else if (s2_v) acc[pi] <= acc_nx[pi*ACC_W +: ACC_W];
      if (s2_v) begin
        for (pi = 0; pi < P * C; pi = pi + 1)
          if (s2_last) shadow[pi] <= acc_nx[pi*ACC_W +: ACC_W];
        if (s2_last) begin
          `SM_TMR_SET(dr_cnt, (o_rows - s2_rt * C < C) ? o_rows - s2_rt * C : C)
          dr_rt <= s2_rt;
          dr_t <= s2_t;
          dr_lane <= 32'h0;
          dr_baddr <= o_bbase + s2_t;
        end
      end
      if (d_gap != 0) d_gap <= d_gap - 8'd1;
      if (d_issue) begin
        if (d_last) d_gap <= C - 1;
        if (d_last) begin
          d_s_set(o_sg_ls[0]); d_j <= 3'd0; d_shp <= 1'b0;
          if (o_strm) begin   // streamed: output tile outer, so each tile is fetched once
            if (d_rt == o_nrt1) begin
              d_rt_set(32'h0);
              `SM_TMR_SET(g_used, g_used + 32'd1)   // the tile's stream-buffer slot is free
              `SM_TMR_SET(gu_slot, (gu_slot == SLOT_LAST) ? {HB{1'b0}} : gu_slot + 1'b1)
              if (d_t == o_nt - 1) d_active <= 1'b0;
              else `SM_TMR_SET(d_t, d_t + 32'd1)
            end else d_rt_set(d_rt + 32'd1);
          end else if (d_t == o_nt - 1) begin
            `SM_TMR_SET(d_t, 32'h0)
            d_wrow <= o_wbase;
            if (d_rt == o_nrt1) d_active <= 1'b0;
            else d_rt_set(d_rt + 32'd1);
          end else begin
            `SM_TMR_SET(d_t, d_t + 32'd1)
            d_wrow <= d_wrow + o_ns;
          end
        end else if (d_shp) begin
          d_sh <= d_sh - 5'd1;
          if (d_sh == 5'd1) begin
            d_shp <= 1'b0; d_j <= d_j + 3'd1; d_s_set(o_sg_ls[d_j + 3'd1]);
          end
        end else if (d_segend) begin
          if (o_sg_sh[d_j] != 4'd0) begin
            d_shp <= 1'b1; d_sh <= {1'b0, o_sg_sh[d_j]};
          end else begin
            d_j <= d_j + 3'd1; d_s_set(o_sg_ls[d_j + 3'd1]);
          end
        end else begin
          d_s_set(d_s + 32'd1);
        end
      end

      // ---------------- AGG: stage 1 requantizes (dr_vals -> d2_vals), stage 2 writes
      g1_v <= 1'b0;
      g2_v <= g1_v; g2_rt <= g1_rt; g2_blk <= g1_blk; g2_lane <= g1_lane;

      // ---------------- load unit: one multiply / divide step per cycle (lv_ph 1..IMW)
      if (lv_ph != 6'd0 && lv_ph <= IMW) begin
        if (lv_b1[0]) lv_p1 <= lv_p1 + lv_m1;
        if (lv_b2[0]) lv_p2 <= lv_p2 + lv_m2;
        lv_m1 <= lv_m1 << 1; lv_m2 <= lv_m2 << 1; lv_b1 <= lv_b1 >> 1; lv_b2 <= lv_b2 >> 1;
        lv_rem <= lv_ge ? lv_rn[IMW-1:0] - lv_dv : lv_rn[IMW-1:0];
        lv_dq <= {lv_dq[IMW-2:0], lv_ge}; lv_dd <= lv_dd << 1;
        lv_ph <= lv_ph + 6'd1;
      end

      case (st)
        S_IDLE: if (start) begin
          cycles <= 64'h0; lv_ph <= 6'd0; lv_hc <= 1'b0;
          `SM_TMR_SET(err_code, PF_ERR_OK)
          `SM_TMR_SET(vec, 32'h0)
          in_vaddr <= input_addr[AXI_AW-1:0]; out_vaddr <= output_addr[AXI_AW-1:0];
          pa_q <= program_addr; ia_q <= input_addr; oa_q <= output_addr;
          ps_q <= program_size; is_q <= input_size; os_q <= output_size; nv_q <= num_vectors;
          rd_base <= program_addr[AXI_AW-1:0]; rd_size <= program_size;
          if (mode_load) begin
            prog_valid <= 1'b0;
            // Bounds rule 1: the header alone must fit a program buffer that does not wrap
            if (program_size < 32'd64 || buf_bad(program_addr, program_size))
              fail(PF_ERR_ADDR_RANGE);
            else begin
              rd_start <= 1'b1; `SM_TMR_SET(rd_addr, program_addr) `SM_TMR_SET(rd_count, 32'd16)
              rd_u16 <= 1'b0;
              `SM_TMR_SET(cnt, 32'h0) `SM_TMR_SET(cnt_left, 32'd16) csum <= 32'hFFFFFFFF;
              `SM_ST_SET(S_L_HDR)
            end
          end else begin
            `SM_ST_SET(S_RUN)
          end
        end
        // ---------------- program fetch and validation
        S_L_HDR: begin
          if (u_hs) begin
            hdr[cnt[3:0]] <= u_data;
            hdr_par[cnt[3:0]] <= sm_iparity32(u_data);
            csum <= crc32_word(csum, (cnt == 15) ? 32'h0 : u_data);
            `SM_TMR_SET(cnt, cnt + 32'd1)
            `SM_TMR_SET(cnt_left, cnt_left - 32'd1)
          end
          if (cnt_left == 0 && !rd_busy) `SM_ST_SET(S_L_HDRCHK)
        end
        S_L_HDRCHK: if (!lv_hc) begin   // the image length registered first (one cycle)
          lv_hc <= 1'b1; lv_img <= h_img_bytes;
        end else begin
          lv_hc <= 1'b0;
          if (rd_err) fail(PF_ERR_BUS_ERROR);
          else if (hdr[0] != PF_PROGRAM_MAGIC) fail(PF_ERR_BAD_MAGIC);
          else if (hdr[1] != PF_PROGRAM_VERSION) fail(PF_ERR_BAD_VERSION);
          else if (lv_img > {8'h0, ps_q}) fail(PF_ERR_BAD_FORMAT);  // truncated image
          else if (h_num_ops > MAX_OPS || h_data_words > MAX_DATA_WORDS)
            fail(PF_ERR_DIMS_EXCEED_MAX);
          // the image's last beat must lie inside the buffer too (before the checksum pass):
          // bytes rounded up to whole beats > size <=> bytes > size rounded down to them
          else if (lv_img > {8'h0, ps_q & ~BEAT_Q}) fail(PF_ERR_ADDR_RANGE);
          else begin
            rd_start <= 1'b1; `SM_TMR_SET(rd_addr, pa_q + 64'd64)
            `SM_TMR_SET(rd_count, h_num_ops * 16 + h_data_words) rd_u16 <= 1'b0;
            `SM_TMR_SET(cnt, 32'h0) `SM_TMR_SET(cnt_left, h_num_ops * 16 + h_data_words)
            `SM_ST_SET(S_L_IMG)
          end
        end
        S_L_IMG: begin
          if (u_hs) begin
            csum <= crc32_word(csum, u_data);
            if (cnt < h_num_ops * 16) begin
              // a shift register (words in order, 16 per record): word k of the record
              // sits at op_stage[32 * (k + 1) +: 32] when word 15 arrives; no indexed write
              op_stage <= {u_data, op_stage[511:32]};
              // the entry's interleaved parity word by word (32-bit words keep the 8 groups
              // aligned: iparity512 = XOR of the 16 words' iparity32), not a 512-bit tree
              op_pacc <= (cnt[3:0] == 4'd0) ? sm_iparity32(u_data)
                                             : op_pacc ^ sm_iparity32(u_data);
              if (cnt[3:0] == 4'd15) begin
                opmem[cnt[4 +: $clog2(MAX_OPS)]] <= {u_data, op_stage[511:32]};
                op_par[cnt[4 +: $clog2(MAX_OPS)]] <= op_pacc ^ sm_iparity32(u_data);
              end
            end
            `SM_TMR_SET(cnt, cnt + 32'd1)
            `SM_TMR_SET(cnt_left, cnt_left - 32'd1)
          end
          if (cnt_left == 0 && !rd_busy && !rd_start) `SM_ST_SET(S_L_CHK)
        end
        S_L_CHK: begin
          if (rd_err) fail(PF_ERR_BUS_ERROR);
          else if (~csum != hdr[15]) fail(PF_ERR_BAD_CHECKSUM);
          else begin `SM_TMR_SET(vi, 32'h0) `SM_ST_SET(S_L_OPC) end
        end
        S_L_OPC: begin  // every opcode first
          if (vi == h_num_ops) begin `SM_TMR_SET(vi, 32'h0) `SM_ST_SET(S_L_HDRV) end
          else if (v_opc != PF_OP_DENSE && v_opc != PF_OP_AGGREGATE && v_opc != PF_OP_NORM &&
                   v_opc != PF_OP_TAYLOR)
            fail(PF_ERR_BAD_OPCODE);
          else if (v_unused_bad) fail(PF_ERR_BAD_FORMAT);  // unused op word not 0
          else `SM_TMR_SET(vi, vi + 32'd1)
        end
        S_L_HDRV: begin  // then elements per input / output table on the load unit
          if (lv_ph == 6'd0) begin   // the code registered, acted on once the unit is done
            lv_err <= h_err;
            lv_go(h_in_rows[IMW-1:0], h_in_cols[IMW-1:0], h_out_rows[IMW-1:0],
                  h_out_cols[IMW-1:0], {IMW{1'b0}}, {IMW{1'b0}});
          end else if (lv_ph == LV_CHK && lv_err != 0) begin
            lv_ph <= 6'd0; fail(lv_err);
          end else if (lv_ph == LV_CHK) begin
            lv_ph <= 6'd0; `SM_TMR_SET(h_in_n, lv_p1) `SM_TMR_SET(h_out_n, lv_p2)
            `SM_TMR_SET(ab_lsv, ab_hls)
            for (ai = 0; ai < NUM_BUFFERS; ai = ai + 1) ab_rt[ai] <= ab_hrt[ai];
            `SM_TMR_SET(vi, 32'h0) wsum <= 32'h0; bsum <= 32'h0; `SM_ST_SET(S_L_OPV)
            hyb_full <= 1'b0; prog_strm <= 1'b0; op_strm <= {MAX_OPS{1'b0}};
            ld_pa <= pa_q[AXI_AW-1:0]; ld_beats <= h_img_beats;
          end
        end
        S_L_OPV: begin  // per op: load unit (DENSE in_cols, else rows, % group; out_cols and
                        // tiles x rw), then the error code registered, then acted on
          if (lv_ph == 6'd0) begin
            if (vi == h_num_ops && ab_bad) fail(PF_ERR_DIMS_EXCEED_MAX);  // a table too big
            else if (vi == h_num_ops) begin `SM_TMR_SET(vi, 32'h0) `SM_ST_SET(S_L_WNEXT) end
            else lv_go(v_ocol[IMW-1:0], v_rw[IMW-1:0], v_tiles[IMW-1:0], v_rw[IMW-1:0],
                       v_dense ? v_icol[IMW-1:0] : v_rows[IMW-1:0], v_group[IMW-1:0]);
          end else if (lv_ph == LV_CHK) begin
            lv_err <= v_err_a; lv_err_c <= v_err_c; lv_err_b <= v_err_b;
            lv_wfit <= ({1'b0, wsum} + {1'b0, lv_p2} <= WMEM_DEPTH);
            lv_sn <= v_sn;
            for (ci = 0; ci < 8; ci = ci + 1) lv_al[ci] <= sc_al[ci];
            lv_trt <= ab_rtf(v_rows);
            lv_ls_s <= ab_lsf({1'b0, v_soff} + {1'b0, v_icol});
            lv_ls_d <= ab_lsf({1'b0, v_doff} + {1'b0, v_ocol});
            lv_ls_w <= ab_lsf({1'b0, v_boff} + 33'd2);
            for (ai = 0; ai < NUM_BUFFERS; ai = ai + 1) begin
              lv_bs[ai] <= (v_sbuf == ai);
              lv_bd[ai] <= (v_dbuf == ai);
              lv_bw[ai] <= (v_opc == PF_OP_TAYLOR && v_woff == ai);
            end
            lv_ph <= LV_CHK + 6'd1;
          end else if (lv_ph == LV_CHK + 6'd1) begin   // segment ranks; the op's code
            for (ci = 0; ci < 8; ci = ci + 1) lv_rank[ci] <= sc_rank[ci];
            if (lv_err == 0) lv_err <= (lv_err_c != 0) ? lv_err_c : lv_err_b;
            lv_ph <= LV_CHK + 6'd2;
          end else if (lv_ph == LV_CHK + 6'd2) begin
           lv_ph <= 6'd0;
           if (lv_err != 0) fail(lv_err);
           else begin
            op_wbase[vi[$clog2(MAX_OPS)-1:0]] <= wsum;
            op_bbase[vi[$clog2(MAX_OPS)-1:0]] <= bsum;
            `SM_TMR_SET(ab_lsv, ab_lsn)   // the op's tables into its buffers' extents
            for (ai = 0; ai < NUM_BUFFERS; ai = ai + 1)
              if ((lv_bs[ai] || lv_bd[ai] || lv_bw[ai]) && lv_trt > ab_rt[ai]) ab_rt[ai] <= lv_trt;
            op_quot[vi[$clog2(MAX_OPS)-1:0]] <= lv_dq;
            op_sg[vi[$clog2(MAX_OPS)-1:0]] <= {lv_sn, lv_ord};
            op_bpar[vi[$clog2(MAX_OPS)-1:0]] <= sm_iparity32(wsum) ^ sm_iparity32(bsum) ^
                                                 sm_iparity32({{(32-IMW){1'b0}}, lv_dq}) ^
                                                 sm_iparity32({4'h0, lv_sn, lv_ord});
            if (v_opc == PF_OP_DENSE) begin
              bsum <= bsum + v_tiles;
              if (WGT_PORTS == 0 || ((WGT_FIT != 0 || !hyb_full) && lv_wfit))
                wsum <= wsum + lv_p2;   // resident
              else begin
                op_strm[vi[$clog2(MAX_OPS)-1:0]] <= 1'b1;
                hyb_full <= 1'b1; prog_strm <= 1'b1;
              end
            end
            `SM_TMR_SET(vi, vi + 32'd1)
           end
          end
        end
        S_L_WNEXT: begin
          if (vi == h_num_ops) begin prog_valid <= 1'b1; `SM_ST_SET(S_RUN) end
          else if (v_opc == PF_OP_DENSE && op_strm[vi[$clog2(MAX_OPS)-1:0]])
            `SM_ST_SET(S_L_WWAIT)   // streamed: only its biases come on chip
          else if (v_opc == PF_OP_DENSE && lv_ph == 6'd0)   // out_cols x rw words first
            lv_go(v_ocol[IMW-1:0], v_rw[IMW-1:0], {IMW{1'b0}}, {IMW{1'b0}}, {IMW{1'b0}},
                  {IMW{1'b0}});
          else if (v_opc == PF_OP_DENSE && lv_ph == LV_CHK) begin
            lv_ph <= 6'd0;
            rd_start <= 1'b1; rd_u16 <= 1'b0;
            `SM_TMR_SET(rd_addr, pa_q + ({32'h0, h_num_ops} * 64 + 64 + {32'h0, v_woff} * 4))
            `SM_TMR_SET(rd_count, lv_p1)
            `SM_TMR_SET(cnt_left, lv_p1)
            wl_o <= 32'h0; wl_j <= 32'h0; wl_p <= 32'h0;
            wl_rowbase <= op_wbase[vi[$clog2(MAX_OPS)-1:0]];
            wl_rw <= v_rw[31:0]; wl_rwl <= v_rw[31:0] - 32'd1;   // off the op-table read
            `SM_ST_SET(S_L_W)
          end else if (v_opc != PF_OP_DENSE) `SM_TMR_SET(vi, vi + 32'd1)
        end
        S_L_W: begin
          if (u_hs) begin
            wl_we <= 1'b1; wl_bank <= wl_p; wl_addr <= wl_rowbase + wl_j; wl_data <= u_data;
            `SM_TMR_SET(cnt_left, cnt_left - 32'd1)
            if (wl_j == wl_rwl) begin
              wl_j <= 32'h0;
              if (wl_p == P - 1) begin wl_p <= 32'h0; wl_rowbase <= wl_rowbase + wl_rw; end
              else wl_p <= wl_p + 32'd1;
            end else wl_j <= wl_j + 32'd1;
          end
          if (cnt_left == 0 && !rd_busy && !rd_start) `SM_ST_SET(S_L_WWAIT)
        end
        S_L_WWAIT: begin
          if (rd_err) fail(PF_ERR_BUS_ERROR);
          else if (v_has_bias) begin
            rd_start <= 1'b1; rd_u16 <= 1'b0;
            `SM_TMR_SET(rd_addr, pa_q + ({32'h0, h_num_ops} * 64 + 64 + {32'h0, v_boff} * 4))
            `SM_TMR_SET(rd_count, v_bwords[31:0]) `SM_TMR_SET(cnt_left, v_bwords[31:0])
            bl_hi <= 1'b0;
            wl_p <= 32'h0; wl_rowbase <= op_bbase[vi[$clog2(MAX_OPS)-1:0]];
            `SM_ST_SET(S_L_B)
          end else begin `SM_TMR_SET(vi, vi + 32'd1) `SM_ST_SET(S_L_WNEXT) end
        end
        S_L_B: begin
          if (u_hs) begin
            `SM_TMR_SET(cnt_left, cnt_left - 32'd1)
            if (h_wide && !bl_hi) begin   // int64 bias: low word first
              bl_lo <= u_data; bl_hi <= 1'b1;
            end else begin
              bl_hi <= 1'b0;
              bl_we <= 1'b1; bl_bank <= wl_p; bl_addr <= wl_rowbase;
              bl_data <= h_wide ? bias64({u_data, bl_lo}) : bias64({{32{u_data[31]}}, u_data});
              if (wl_p == P - 1) begin wl_p <= 32'h0; wl_rowbase <= wl_rowbase + 32'd1; end
              else wl_p <= wl_p + 32'd1;
            end
          end
          if (cnt_left == 0 && !rd_busy && !rd_start) `SM_ST_SET(S_L_BWAIT)
        end
        S_L_BWAIT: begin
          if (rd_err) fail(PF_ERR_BUS_ERROR);
          else begin `SM_TMR_SET(vi, vi + 32'd1) `SM_ST_SET(S_L_WNEXT) end
        end
        // ---------------- run: inputs -> ops -> outputs, per vector
        S_RUN: begin   // Bounds rule 2 (here and in S_RCHK), before the first input is read
          if (!prog_valid) fail(PF_ERR_BAD_MAGIC);  // no (valid) program loaded
          else if (nv_q == 0) fail(PF_ERR_BAD_FORMAT);  // the map requires NUM_VECTORS >= 1
          else begin
            mq_a <= {32'h0, nv_q}; mq_bi <= h_in_n; mq_bo <= h_out_n;
            mq_pi <= 64'h0; mq_po <= 64'h0;
            `SM_ST_SET(S_RCHK)
          end
        end
        S_RCHK: begin  // NUM_VECTORS x table elements, shift-and-add (one bit per cycle)
          // the buffers must not wrap; streamed weights come from the loaded image, so the
          // program buffer registered for this run must still cover it (else no weight burst
          // is ever issued)
          if (run_abad || (prog_strm && run_pbad)) fail(PF_ERR_ADDR_RANGE);
          else if (mq_bi == 0 && mq_bo == 0) begin   // tables in whole bus beats vs the sizes
            if ({1'b0, mq_pi, 1'b0} > {34'h0, is_q & ~BEAT_Q} ||
                {1'b0, mq_po, 1'b0} > {34'h0, os_q & ~BEAT_Q})
              fail(PF_ERR_ADDR_RANGE);   // NUM_VECTORS tables do not fit the buffers
            else `SM_ST_SET(S_IN_START)
          end else begin
            if (mq_bi[0]) mq_pi <= mq_pi + mq_a;
            if (mq_bo[0]) mq_po <= mq_po + mq_a;
            mq_a <= mq_a << 1; mq_bi <= mq_bi >> 1; mq_bo <= mq_bo >> 1;
          end
        end
        S_IN_START: begin
          rd_base <= ia_q[AXI_AW-1:0]; rd_size <= is_q;
          rd_start <= 1'b1; rd_u16 <= 1'b1;
          `SM_TMR_SET(rd_addr, in_vaddr)
          `SM_TMR_SET(rd_count, h_in_n)
          `SM_TMR_SET(cnt_left, h_in_n)
          io_r_set(32'h0); io_c_set(32'h0);
          // the vector's weight stream: the cursor restarts at op 0 (it prefetches the first
          // streamed op's tiles during the input read and the resident ops before it); the
          // last vector's tiles were all consumed, so the engines are idle here
          `SM_TMR_SET(wf_st, 2'd1) `SM_TMR_SET(wf_op, 32'h0) `SM_TMR_SET(wf_g, 32'h0)
          `SM_TMR_SET(g_used, 32'h0) `SM_TMR_SET(wf_cnt0, 32'h0) `SM_TMR_SET(wf_cnt1, 32'h0)
          `SM_TMR_SET(wf_cnt2, 32'h0) `SM_TMR_SET(wf_cnt3, 32'h0)
          `SM_TMR_SET(wf_cnt4, 32'h0) `SM_TMR_SET(wf_cnt5, 32'h0)
          `SM_TMR_SET(wf_slot, {HB{1'b0}}) `SM_TMR_SET(gu_slot, {HB{1'b0}})
          `SM_ST_SET(S_IN)
        end
        S_IN: begin
          if (u_hs) begin
            `SM_TMR_SET(cnt_left, cnt_left - 32'd1)
            if (io_c == h_in_cols - 1) begin io_c_set(32'h0); io_r_set(io_r + 32'd1); end
            else io_c_set(io_c + 32'd1);
          end
          if (cnt_left == 0 && !rd_busy && !rd_start) begin
            if (rd_err) fail(PF_ERR_BUS_ERROR);
            else begin
              `SM_TMR_SET(op_i, 32'h0) `SM_TMR_SET(vi, 32'h0) `SM_ST_SET(S_OP_PREP)
            end
          end
        end
        S_OP_FETCH: begin
          `SM_TMR_SET(vi, op_i)  // vrec follows vi; decode next cycle
          `SM_ST_SET(S_OP_PREP)
        end
        S_OP_PREP: begin
          dbg_op_start <= 1'b1;
          dbg_op_idx <= op_i[7:0];
          o_opc <= v_opc; o_flags <= v_flags; o_sbuf <= v_sbuf; o_soff <= v_soff;
          o_dbuf <= v_dbuf; o_doff <= v_doff; `SM_TMR_SET(o_rows, v_rows)
          `SM_TMR_SET(o_icol, v_icol)
          `SM_TMR_SET(o_ocol, v_ocol) o_gain <= v_gain; o_rbits <= v_rbits; o_group <= v_group;
          o_has_bias <= v_has_bias;
          o_nseg <= sc_n;
          for (ci = 0; ci < 8; ci = ci + 1) begin
            o_sg_lc[ci] <= sc_lc[ci];
            o_sg_hc[ci] <= sc_hc[ci];
            o_sg_ls[ci] <= sc_lc[ci] >> LQ;
            o_sg_hs[ci] <= (sc_hc[ci] - 1) >> LQ;
            o_sg_sh[ci] <= sc_sh[ci];
          end
          `SM_TMR_SET(o_wbase, op_wbase[vi[$clog2(MAX_OPS)-1:0]])
          o_strm <= op_strm[vi[$clog2(MAX_OPS)-1:0]] && (v_opc == PF_OP_DENSE);
          `SM_TMR_SET(o_bbase, op_bbase[vi[$clog2(MAX_OPS)-1:0]])
          o_nrt <= (v_rows + C - 1) / C;
          o_nrt1 <= (v_rows + C - 1) / C - 32'd1;
          o_nt <= v_tiles[31:0];
          o_ns <= v_rw[31:0];
          // requantizer constants: NORM scales by 2^-rbits, the others by the op's shift
          o_woff <= v_woff; o_boff <= v_boff;
          // TAYLOR: the A requantizer shifts by the gain word
          if (v_gain > 0) begin
            ta_shr <= v_gain[5:0]; ta_shl <= 5'd0;
            ta_mask <= (64'd1 << v_gain[5:0]) - 64'd1;
            ta_half <= 64'd1 << (v_gain[5:0] - 6'd1);
          end else begin
            ta_shr <= 6'd0; ta_shl <= v_ngain[4:0]; ta_mask <= 64'd0; ta_half <= 64'd0;
          end
          t_ch <= v_icol >> 1;
          t_nn <= {{(32-IMW){1'b0}}, op_quot[vix]};   // rows / group
          t_rt_set(32'h0); t_c <= 32'h0; t_pass <= 1'b0; t_col <= 32'h0; t_scol <= v_soff;
          t_th <= ab_th(v_soff);
          if (v_opc == PF_OP_NORM) begin
            q_shr <= v_rbits[5:0]; q_shl <= 5'd0;
            q_mask <= (64'd1 << v_rbits[5:0]) - 64'd1;
            q_half <= (v_rbits == 0) ? 64'd0 : (64'd1 << (v_rbits[5:0] - 6'd1));
          end else if (v_shift > 0) begin
            q_shr <= v_shift[5:0]; q_shl <= 5'd0;
            q_mask <= (64'd1 << v_shift[5:0]) - 64'd1;
            q_half <= 64'd1 << (v_shift[5:0] - 6'd1);
          end else begin
            q_shr <= 6'd0; q_shl <= v_nshift[4:0]; q_mask <= 64'd0; q_half <= 64'd0;
          end
          d_rt_set(32'h0); `SM_TMR_SET(d_t, 32'h0)
          d_wrow <= op_wbase[vi[$clog2(MAX_OPS)-1:0]];
          `SM_TMR_SET(d_s, sc_lc[0] >> LQ) dn_col <= v_soff + (sc_lc[0] >> LQ) * Q;
          dn_th <= ab_th({{(32-LP){1'b0}}, v_c0m});
          d_j <= 3'd0; d_shp <= 1'b0; d_sh <= 5'd0;
          a_rt_set(32'h0); a_s <= 32'h0; a_col_set(v_soff);
          n_sum <= 64'h0; n_g <= 64'h0;
          if (v_opc == PF_OP_DENSE) begin d_active <= 1'b1; `SM_ST_SET(S_DENSE) end
          else if (v_opc == PF_OP_AGGREGATE) begin
            // every AGGREGATE (axis 0 or 1, any group) runs on the sequential engine
            sa_active <= 1'b1; sa_pass <= 1'b0; sa_blk <= 32'h0; sa_col_set(v_soff); sa_grp <= 32'h0;
            sa_i <= 32'h0; sa_row_set(32'h0); sa_base <= 32'h0;
            sa_stride <= v_flags[6] ? v_group : 32'd1;
            sa_cnt <= v_flags[6] ? {{(32-IMW){1'b0}}, op_quot[vix]} : v_group;
            sa_ngrp <= v_flags[6] ? v_group : {{(32-IMW){1'b0}}, op_quot[vix]};
            `SM_ST_SET(S_SA)
          end
          else if (v_opc == PF_OP_TAYLOR) `SM_ST_SET(S_T_H)
          else begin a_active <= 1'b1; `SM_ST_SET(S_N_SUM) end
        end
        S_DENSE: begin  // done: straight on to the next op's decode
          // (a streamed op's tiles are all consumed once it issued its last item; the
          // engines may already be fetching the next streamed op's tiles)
          if (!d_active && !d_issue && !s1_v && !mb_v && !mc_v && !me_busy && !s2_v &&
              dr_cnt == 0 &&
              !d1_v && !d2_v) begin
            if (op_i + 1 == h_num_ops) begin
              io_r_set(32'h0); io_c_set(32'h0); `SM_ST_SET(S_OUT_START)
            end else begin
              `SM_TMR_SET(op_i, op_i + 32'd1) `SM_TMR_SET(vi, op_i + 32'd1)
              `SM_ST_SET(S_OP_PREP)
            end
          end
        end
        S_SA: begin
          if (sx_v && sx_pass) begin   // write the member read last cycle (requantized next)
            g1_v <= 1'b1; g1_rt <= sx_rt; g1_lane <= sx_lane; g1_blk <= sx_blk;
            g1_red <= sa_out;
          end
          if (sa_active) begin
            if (sa_i == sa_cnt - 1) begin
              sa_i <= 32'h0;
              if (!sa_pass) begin
                sa_pass <= 1'b1; sa_row_set(sa_base);
              end else begin
                sa_pass <= 1'b0;
                if (sa_grp == sa_ngrp - 1) begin
                  sa_grp <= 32'h0; sa_base <= 32'h0; sa_row_set(32'h0);
                  if ((sa_blk + 1) * P >= o_icol) sa_active <= 1'b0;
                  else begin sa_blk <= sa_blk + 32'd1; sa_col_set(sa_col + P); end
                end else begin
                  sa_grp <= sa_grp + 32'd1;
                  // next group: axis 0 starts K rows on, axis 1 one row on
                  sa_base <= sa_base + ((sa_stride == 1) ? sa_cnt : 32'd1);
                  sa_row_set(sa_base + ((sa_stride == 1) ? sa_cnt : 32'd1));
                end
              end
            end else begin
              sa_i <= sa_i + 32'd1;
              sa_row_set(sa_row + sa_stride);
            end
          end else if (!sx_v && !g1_v && !g2_v) `SM_ST_SET(S_OP_WAIT)
        end
        S_T_H: begin   // H (rows x 2) -> t_h, one C-row tile per cycle
          for (ci = 0; ci < C; ci = ci + 1)
            if (t_rt * C + ci < o_rows)
              t_h[(t_rt * C + ci) % MAX_ROWS] <= {rp_data[(ci*Q + 1)*W +: W], rp_data[(ci*Q)*W +: W]};
          if (t_rt == o_nrt1) begin
            t_rt_set(32'h0); t_pass <= 1'b0; t_col_set(t_c); `SM_ST_SET(S_T_D)
          end
          else t_rt_set(t_rt + 32'd1);
        end
        S_T_D: begin   // channel t_c of D: Re column (pass 0), Im column (pass 1) -> t_d
          for (ci = 0; ci < C; ci = ci + 1)
            if (t_rt * C + ci < o_rows) begin
              if (t_pass) t_d[(t_rt * C + ci) % MAX_ROWS][2*W-1:W] <= rp_data[(ci*Q)*W +: W];
              else        t_d[(t_rt * C + ci) % MAX_ROWS][W-1:0] <= rp_data[(ci*Q)*W +: W];
            end
          if (t_rt == o_nrt1) begin
            t_rt_set(32'h0);
            if (!t_pass) begin t_pass <= 1'b1; t_col_set(t_c + t_ch); end
            else begin
              t_pass <= 1'b0; t_col_set(t_c);
              t_k <= 32'h0; t_j <= 32'h0; t_n <= 32'h0; t_hidx <= 32'h0; t_didx <= 32'h0;
              `SM_ST_SET(S_T_A)
            end
          end else t_rt_set(t_rt + 32'd1);
        end
        S_T_A: begin   // A[j, k] = sum_n conj(h_nj) d_nk, n = t_n, j = t_j (column k of A)
          if (t_n == t_nn - 1) begin
            t_n <= 32'h0;
            t_didx <= t_k;
            if (t_j == o_group - 1) begin
              t_j <= 32'h0; t_didx <= 32'h0; t_eidx <= t_k; `SM_ST_SET(S_T_E)
            end else begin
              t_j <= t_j + 32'd1; t_hidx <= t_j + 32'd1;
            end
          end else begin
            t_n <= t_n + 32'd1; t_hidx <= t_hidx + o_group; t_didx <= t_didx + o_group;
          end
        end
        S_T_E: if (!t_haz) begin  // E[n, k] = sum_j d_nj A[j, k], n = t_n, j = t_j; d row = t_didx
          t_didx <= t_didx + 32'd1;
          if (t_j == o_group - 1) begin
            t_eidx <= t_eidx + o_group;
            t_j <= 32'h0;
            if (t_n == t_nn - 1) begin
              t_n <= 32'h0;
              if (t_k == o_group - 1) begin
                t_rt_set(32'h0); t_pass <= 1'b0; t_col_set(t_c); `SM_ST_SET(S_T_WB)
              end
              else begin
                t_k <= t_k + 32'd1; t_hidx <= 32'h0; t_didx <= t_k + 32'd1; `SM_ST_SET(S_T_A)
              end
            end else t_n <= t_n + 32'd1;
          end else t_j <= t_j + 32'd1;
        end
        S_T_WB: if (!t_busy) begin  // t_e -> destination: Re column (pass 0), Im column (pass 1)
          if (t_rt == o_nrt1) begin
            t_rt_set(32'h0);
            if (!t_pass) begin t_pass <= 1'b1; t_col_set(t_c + t_ch); end
            else begin
              t_pass <= 1'b0; t_col_set(t_c + 32'd1);
              if (t_c == t_ch - 1) `SM_ST_SET(S_OP_WAIT)
              else begin t_c <= t_c + 32'd1; `SM_ST_SET(S_T_D) end
            end
          end else t_rt_set(t_rt + 32'd1);
        end
        S_N_OUT: begin   // one tile read per cycle; t1/t2 (NORM pipeline) write it back
          if (a_active) begin
            if ((a_s + 1) * NQ >= o_icol) begin
              a_s <= 32'h0; a_col_set(o_soff);
              if (a_rt == o_nrt1) a_active <= 1'b0;
              else a_rt_set(a_rt + 32'd1);
            end else begin a_s <= a_s + 32'd1; a_col_set(a_col + NQ); end
          end else if (!nr_v && !t1_v && !t2_v) `SM_ST_SET(S_OP_WAIT)
        end
        S_N_SUM: begin   // one tile read per cycle; sq, n_ps (NORM pipeline) add it up
          if (n_pv) n_sum <= n_sum + n_ps;
          if (a_active) begin
            if ((a_s + 1) * NQ >= o_icol) begin
              a_s <= 32'h0; a_col_set(o_soff);
              if (a_rt == o_nrt1) a_active <= 1'b0;
              else a_rt_set(a_rt + 32'd1);
            end else begin a_s <= a_s + 32'd1; a_col_set(a_col + NQ); end
          end else if (!nr_v && !nq_v && !n_pv) begin
            n_op <= n_sum; n_root <= 64'h0; n_one <= 64'h4000_0000_0000_0000; n_it <= 7'd0;
            `SM_ST_SET(S_N_SQRT)
          end
        end
        S_N_SQRT: begin  // floor sqrt, two result bits per... one bit per cycle, 32 cycles
          if (n_op >= n_root + n_one) begin
            n_op <= n_op - (n_root + n_one);
            n_root <= (n_root >> 1) + n_one;
          end else n_root <= n_root >> 1;
          n_one <= n_one >> 2;
          n_it <= n_it + 7'd1;
          if (n_it == 7'd31) begin
            n_num <= {32'h0, o_gain} << o_rbits[5:0];
            n_rem <= 34'h0; n_it <= 7'd0; n_g <= 64'h0;
            `SM_ST_SET(S_N_DIV)
          end
        end
        S_N_DIV: begin  // restoring division (gain << rbits) / root, one quotient bit per cycle
          if (n_root == 0) begin
            n_g <= 64'h0; a_rt_set(32'h0); a_s <= 32'h0; a_col_set(o_soff); a_active <= 1'b1;
            `SM_ST_SET(S_N_OUT)
          end else begin
            if ({n_rem[32:0], n_num[63]} >= {1'b0, n_root[32:0]}) begin
              n_rem <= {n_rem[32:0], n_num[63]} - {1'b0, n_root[32:0]};
              n_g <= {n_g[62:0], 1'b1};
            end else begin
              n_rem <= {n_rem[32:0], n_num[63]};
              n_g <= {n_g[62:0], 1'b0};
            end
            n_num <= n_num << 1;
            n_it <= n_it + 7'd1;
            if (n_it == 7'd63) begin
              a_rt_set(32'h0); a_s <= 32'h0; a_col_set(o_soff); a_active <= 1'b1;
              `SM_ST_SET(S_N_OUT)
            end
          end
        end
        S_OP_WAIT: begin
          if (op_i + 1 == h_num_ops) begin
            io_r_set(32'h0); io_c_set(32'h0); `SM_ST_SET(S_OUT_START)
          end else begin
            `SM_TMR_SET(op_i, op_i + 32'd1) `SM_TMR_SET(vi, op_i + 32'd1) `SM_ST_SET(S_OP_PREP)
          end
        end
        S_OUT_START: begin
          wr_start <= 1'b1;
          `SM_TMR_SET(wr_addr, out_vaddr)  // buffer: oa_q / os_q
          `SM_TMR_SET(wr_count, h_out_n)
          io_left <= h_out_n;
          `SM_ST_SET(S_OUT)
        end
        S_OUT: begin
          if (o_rd) begin
            io_left <= io_left - 32'd1;
            if (io_c == h_out_cols - 1) begin io_c_set(32'h0); io_r_set(io_r + 32'd1); end
            else io_c_set(io_c + 32'd1);
          end
          if (io_left == 0 && !o_qv && !wr_busy && !wr_start) begin
            if (wr_err) fail(PF_ERR_BUS_ERROR);
            else if (vec + 1 == nv_q) `SM_ST_SET(S_DONE)
            else begin
              `SM_TMR_SET(vec, vec + 32'd1) `SM_ST_SET(S_IN_START)
              in_vaddr <= in_vaddr + {h_in_n, 1'b0};     // int16 elements
              out_vaddr <= out_vaddr + {h_out_n, 1'b0};
            end
          end
        end
        S_ABORT: begin  // stop: the engines finish or drain the bursts they started
          abort <= 1'b1;
          `SM_TMR_SET(wf_st, 2'd0)   // the fetch cursor stops (no tile is started from here on)
          d_active <= 1'b0; a_active <= 1'b0; `SM_TMR_SET(dr_cnt, 32'h0)
          d1_v <= 1'b0; d2_v <= 1'b0; g2_v <= 1'b0;   // (the drain stops at once, its stages too)
          sa_active <= 1'b0;
          `SM_ST_SET(S_DRAIN)
        end
        S_DRAIN: begin  // idle only when no burst is outstanding and the pipelines are empty
          if (!abort && !rd_busy && !wr_busy && !ws_busy && !ws_start && !s1_v && !mb_v &&
              !mc_v && !me_busy && !s2_v && dr_cnt == 0 && !d1_v && !d2_v)
            `SM_ST_SET(S_DONE)
        end
        S_DONE: begin
          `SM_TMR_SET(wf_st, 2'd0)
          status <= err_code;
          done_pulse <= 1'b1;
          `SM_ST_SET(S_IDLE)
        end
        default: begin
          // an illegal state (an upset in `st`): SEU_C ends the run through S_ABORT (the
          // engines finish their bursts) with SEU_DETECTED; without it, straight to idle
          if (SC) begin `SM_TMR_SET(err_code, PF_ERR_SEU_DETECTED) `SM_ST_SET(S_ABORT) end
          else `SM_ST_SET(S_IDLE)
        end
      endcase
      // host ABORT, the watchdog (a bus handshake stalled WATCHDOG cycles) and a burst
      // outside its buffer override every state of a run; a start issued this very cycle is
      // withdrawn, and S_ABORT / S_DRAIN finish what the engines already started
      if (st != S_IDLE && st != S_ABORT && st != S_DRAIN && st != S_DONE &&
          (abort_req || wd_cnt >= WATCHDOG || rd_rerr || wr_rerr || ws_rerr || ws_err ||
           seu_fail)) begin
        `SM_TMR_SET(err_code, seu_fail ? PF_ERR_SEU_DETECTED :
                    (rd_rerr || wr_rerr || ws_rerr) ? PF_ERR_ADDR_RANGE :
                    ws_err ? PF_ERR_BUS_ERROR :
                    (wd_cnt >= WATCHDOG) ? PF_ERR_TIMEOUT : PF_ERR_ABORTED)
        rd_start <= 1'b0; wr_start <= 1'b0; ws_start <= 1'b0;
        `SM_ST_SET(S_ABORT)
      end
    end
  end
endmodule
