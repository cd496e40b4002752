// One activation column bank (rtl/README.md "Activation buffers"): C row lanes of AD words of
// W bits (column c lives in bank c mod P); asynchronous read at rp_base (+1 for banks before
// the window's first bank), one write per lane (row mode: the rotated row value; tile mode:
// lane mask, value by the bank's position in the written window).
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */
module sm_act_bank #(
  parameter GB = 0,   // bank index
  parameter LP = 3,   // log2(P)
  parameter C  = 4,
  parameter Q  = 4,
  parameter W  = 9,
  parameter AD = 64   // words per lane
)(
  input  wire             clk,
  input  wire             wp_en,
  input  wire             wp_tile,
  input  wire [31:0]      wp_base,
  input  wire [LP-1:0]    wp_m,
  input  wire [31:0]      wp_n,
  input  wire [31:0]      wp_lane,
  input  wire [C-1:0]     wp_lmask,
  input  wire [C*Q*W-1:0] wp_tv,
  input  wire [W-1:0]     wp_val,    // row mode: this bank's (rotated) value
  input  wire [31:0]      rp_base,
  input  wire [LP-1:0]    rp_m,
  output wire [C*W-1:0]   rd
);
  /* verilator inline_module */   // one scope: keeps the cocotb (VPI) build small
  localparam LQ = $clog2(Q);
  localparam [LP-1:0] GBL = GB;
  wire [LP-1:0] d_b = GBL - wp_m;            // position in the written window
  wire          en_b = wp_en && ({{(32-LP){1'b0}}, d_b} < wp_n);
  wire [31:0]   wa = wp_base + ((GB < wp_m) ? 32'd1 : 32'd0);
  wire [31:0]   ra = rp_base + ((GB < rp_m) ? 32'd1 : 32'd0);
  genvar gc;
  generate
    for (gc = 0; gc < C; gc = gc + 1) begin : lane
      reg  [W-1:0] mem [0:AD-1];
      wire lane_en = wp_tile ? wp_lmask[gc] : (wp_lane == gc);
      // tile mode: this bank's value of the lane (a Q:1 mux; written without an index
      // product, which yosys would map to a DSP48E1)
      reg  [W-1:0] tv;
      integer k;
      always @* begin
        tv = wp_tv[(gc*Q)*W +: W];
        for (k = 1; k < Q; k = k + 1)
          if (d_b[LQ-1:0] == k) tv = wp_tv[(gc*Q + k)*W +: W];
      end
      wire [W-1:0] wd = wp_tile ? tv : wp_val;
      always @(posedge clk)
        if (en_b && lane_en) mem[wa[$clog2(AD+1)-1:0]] <= wd;
      assign rd[gc*W +: W] = mem[ra[$clog2(AD+1)-1:0]];
    end
  endgenerate
endmodule
