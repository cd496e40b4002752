// AXI4-Lite register block of spacemimo_accel (offsets from the generated rtl/regmap.vh,
// i.e. board/regmap.yaml). ap_ctrl_hs semantics as Vitis HLS: AP_START is set by a write of 1
// and clears when the core accepts it; AP_DONE is set on completion and clears when CTRL is read.
// PROGRAM_SIZE / INPUT_SIZE / OUTPUT_SIZE (bytes, reset 0) bound the three buffers (PROGRAM.md
// "Bounds"); a write of ABORT.REQUEST = 1 pulses `abort_req` for one cycle (reads return 0).
// SEU protection (rtl/README.md "SEU protection"): SEU_STATUS / SEU_CORRECTED /
// SEU_UNCORRECTABLE come from the core, SCRUB_PERIOD (reset REG_SCRUB_PERIOD_RESET: a board
// scrubs before any driver runs) goes to it, SEU_CLEAR.CLEAR = 1 pulses `seu_clear`, and
// `seu_irq` (SEU_STATUS gained a bit) sets ISR bit 2.
/* verilator lint_off UNUSEDSIGNAL */
module sm_axil_regs #(
  parameter [31:0] HW_CONFIG = 32'h0,
  parameter [31:0] HW_WEIGHTS = 32'h0,
  parameter [31:0] HW_PROTECT = 32'h0
)(
  input  wire        clk,
  input  wire        rst_n,
  input  wire [7:0]  awaddr,
  input  wire        awvalid,
  output wire        awready,
  input  wire [31:0] wdata,
  input  wire [3:0]  wstrb,
  input  wire        wvalid,
  output wire        wready,
  output wire [1:0]  bresp,
  output reg         bvalid,
  input  wire        bready,
  input  wire [7:0]  araddr,
  input  wire        arvalid,
  output wire        arready,
  output reg  [31:0] rdata,
  output wire [1:0]  rresp,
  output reg         rvalid,
  input  wire        rready,
  // core side
  output wire        start,          // one-cycle pulse: a run is accepted
  input  wire        core_idle,
  input  wire        core_done,      // one-cycle pulse at the end of a run
  input  wire [31:0] status,
  input  wire [63:0] cycles,
  output reg  [63:0] program_addr,
  output reg  [63:0] input_addr,
  output reg  [63:0] output_addr,
  output reg  [31:0] num_vectors,
  output reg  [31:0] program_size,
  output reg  [31:0] input_size,
  output reg  [31:0] output_size,
  output reg         abort_req,      // one-cycle pulse: the host wrote ABORT.REQUEST = 1
  output reg         mode_load,
  input  wire [31:0] seu_status,
  input  wire [31:0] seu_corrected,
  input  wire [31:0] seu_uncorrectable,
  input  wire        seu_irq,        // one-cycle pulse: SEU_STATUS gained a bit
  output reg  [31:0] scrub_period,
  output reg         seu_clear,      // one-cycle pulse: the host wrote SEU_CLEAR.CLEAR = 1
  output wire        interrupt
);
`include "regmap.vh"

  reg        aw_full, w_full;
  reg [7:0]  aw_q;
  reg [31:0] w_q;
  reg [3:0]  ws_q;
  reg        ap_start, ap_done, auto_restart, gie;
  reg [2:0]  ier, isr;

  assign awready = !aw_full && !bvalid;
  assign wready  = !w_full && !bvalid;
  assign bresp   = 2'b00;
  assign rresp   = 2'b00;
  assign arready = !rvalid;
  assign start   = ap_start && core_idle;
  assign interrupt = gie && |(ier & isr);

  function [31:0] merge(input [31:0] old, input [31:0] nw, input [3:0] strb);
    integer i;
    begin
      for (i = 0; i < 4; i = i + 1)
        merge[i*8 +: 8] = strb[i] ? nw[i*8 +: 8] : old[i*8 +: 8];
    end
  endfunction

  wire        do_write = aw_full && w_full && !bvalid;
  wire        ar_hs = arvalid && arready;

  always @(posedge clk) begin
    if (!rst_n) begin
      aw_full <= 1'b0; w_full <= 1'b0; bvalid <= 1'b0; rvalid <= 1'b0; rdata <= 32'h0;
      aw_q <= 8'h0; w_q <= 32'h0; ws_q <= 4'h0;
      ap_start <= 1'b0; ap_done <= 1'b0; auto_restart <= 1'b0; gie <= 1'b0;
      ier <= 3'b0; isr <= 3'b0; scrub_period <= REG_SCRUB_PERIOD_RESET; seu_clear <= 1'b0;
      program_addr <= 64'h0; input_addr <= 64'h0; output_addr <= 64'h0;
      num_vectors <= 32'd1; mode_load <= 1'b1;
      program_size <= 32'h0; input_size <= 32'h0; output_size <= 32'h0; abort_req <= 1'b0;
    end else begin
      abort_req <= 1'b0;
      seu_clear <= 1'b0;
      if (seu_irq) isr[2] <= 1'b1;
      if (awvalid && awready) begin aw_full <= 1'b1; aw_q <= awaddr; end
      if (wvalid && wready) begin w_full <= 1'b1; w_q <= wdata; ws_q <= wstrb; end
      if (bvalid && bready) bvalid <= 1'b0;
      if (start) ap_start <= 1'b0;
      if (core_done) begin
        ap_done <= 1'b1;
        isr[1:0] <= 2'b11;
        if (auto_restart) ap_start <= 1'b1;
      end
      if (do_write) begin
        aw_full <= 1'b0; w_full <= 1'b0; bvalid <= 1'b1;
        case ({aw_q[7:2], 2'b00})
          REG_CTRL: begin
            if (ws_q[0]) begin
              if (w_q[REG_CTRL_AP_START]) ap_start <= 1'b1;
              auto_restart <= w_q[REG_CTRL_AUTO_RESTART];
            end
          end
          REG_GIE: if (ws_q[0]) gie <= w_q[0];
          REG_IER: if (ws_q[0]) ier <= w_q[2:0];
          REG_ISR: if (ws_q[0]) isr <= isr ^ w_q[2:0];
          REG_PROGRAM_ADDR_LO: program_addr[31:0] <= merge(program_addr[31:0], w_q, ws_q);
          REG_PROGRAM_ADDR_HI: program_addr[63:32] <= merge(program_addr[63:32], w_q, ws_q);
          REG_INPUT_ADDR_LO: input_addr[31:0] <= merge(input_addr[31:0], w_q, ws_q);
          REG_INPUT_ADDR_HI: input_addr[63:32] <= merge(input_addr[63:32], w_q, ws_q);
          REG_OUTPUT_ADDR_LO: output_addr[31:0] <= merge(output_addr[31:0], w_q, ws_q);
          REG_OUTPUT_ADDR_HI: output_addr[63:32] <= merge(output_addr[63:32], w_q, ws_q);
          REG_NUM_VECTORS: num_vectors <= merge(num_vectors, w_q, ws_q);
          REG_MODE: if (ws_q[0]) mode_load <= w_q[REG_MODE_LOAD_PROGRAM];
          REG_PROGRAM_SIZE: program_size <= merge(program_size, w_q, ws_q);
          REG_INPUT_SIZE: input_size <= merge(input_size, w_q, ws_q);
          REG_OUTPUT_SIZE: output_size <= merge(output_size, w_q, ws_q);
          REG_ABORT: if (ws_q[0] && w_q[REG_ABORT_REQUEST]) abort_req <= 1'b1;
          REG_SCRUB_PERIOD: scrub_period <= merge(scrub_period, w_q, ws_q);
          REG_SEU_CLEAR: if (ws_q[0] && w_q[REG_SEU_CLEAR_CLEAR]) seu_clear <= 1'b1;
          default: ;
        endcase
      end
      if (rvalid && rready) rvalid <= 1'b0;
      if (ar_hs) begin
        rvalid <= 1'b1;
        case ({araddr[7:2], 2'b00})
          REG_CTRL: begin
            rdata <= {24'h0, auto_restart, 3'b000, core_idle && !ap_start, core_idle && !ap_start,
                      ap_done, ap_start};
            ap_done <= core_done;  // clear on read (unless a run finishes this very cycle)
          end
          REG_GIE: rdata <= {31'h0, gie};
          REG_IER: rdata <= {29'h0, ier};
          REG_ISR: rdata <= {29'h0, isr};
          REG_PROGRAM_ADDR_LO: rdata <= program_addr[31:0];
          REG_PROGRAM_ADDR_HI: rdata <= program_addr[63:32];
          REG_INPUT_ADDR_LO: rdata <= input_addr[31:0];
          REG_INPUT_ADDR_HI: rdata <= input_addr[63:32];
          REG_OUTPUT_ADDR_LO: rdata <= output_addr[31:0];
          REG_OUTPUT_ADDR_HI: rdata <= output_addr[63:32];
          REG_NUM_VECTORS: rdata <= num_vectors;
          REG_MODE: rdata <= {31'h0, mode_load};
          REG_PROGRAM_SIZE: rdata <= program_size;
          REG_INPUT_SIZE: rdata <= input_size;
          REG_OUTPUT_SIZE: rdata <= output_size;
          REG_STATUS: rdata <= status;
          REG_CYCLES_LO: rdata <= cycles[31:0];
          REG_CYCLES_HI: rdata <= cycles[63:32];
          REG_HW_ID: rdata <= REGMAP_HW_ID;
          REG_HW_CONFIG: rdata <= HW_CONFIG;
          REG_HW_WEIGHTS: rdata <= HW_WEIGHTS;
          REG_SEU_STATUS: rdata <= seu_status;
          REG_SEU_CORRECTED: rdata <= seu_corrected;
          REG_SEU_UNCORRECTABLE: rdata <= seu_uncorrectable;
          REG_SCRUB_PERIOD: rdata <= scrub_period;
          REG_HW_PROTECT: rdata <= HW_PROTECT;
          default: rdata <= 32'h0;
        endcase
      end
    end
  end
endmodule
/* verilator lint_on UNUSEDSIGNAL */
