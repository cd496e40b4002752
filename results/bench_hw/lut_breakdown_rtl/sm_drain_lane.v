// One drain unit (rtl/README.md "Fused drain"): a shadow row (the bias is already in: the
// accumulators start from it) or an AGGREGATE reduction, through one requantizer.
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */
module sm_drain_lane #(
  parameter ACC_W = 32,
  parameter RW    = 16,    // AGGREGATE reduction width
  parameter D     = 8
)(
  input  wire [ACC_W-1:0]   a,         // shadow row (accumulator + bias)
  input  wire               g_v,       // AGGREGATE value instead of a + b
  input  wire [RW-1:0]      g,
  input  wire               relu,
  input  wire [5:0]         shr,
  input  wire [4:0]         shl,
  input  wire [ACC_W:0]     rnd_mask,
  input  wire [ACC_W:0]     rnd_half,
  input  wire               out_signed,
  input  wire               narrow,
  output wire [D:0]         y
);
  /* verilator inline_module */   // one scope: keeps the cocotb (VPI) build small
  localparam DW_ = ACC_W + 1;
  wire signed [ACC_W-1:0] ab = a;
  wire signed [RW-1:0] gs = g;
  wire signed [DW_-1:0] v = g_v ? $signed({{(DW_-RW){gs[RW-1]}}, gs})
                                : $signed({ab[ACC_W-1], ab});
  sm_requant #(.IW(DW_), .D(D)) u_rq (
    .v(v), .relu(relu), .shr(shr), .shl(shl), .rnd_mask(rnd_mask), .rnd_half(rnd_half),
    .out_signed(out_signed), .narrow(narrow), .y(y));
endmodule
