// Sequential AGGREGATE, one column bank (rtl/README.md): pass 0 keeps the group's sum, top two
// values and first argmax; pass 1 returns each member's result (EXCLUDE_SELF: sum - self,
// max -> second largest at the first argmax).
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */
module sm_sa_lane #(
  parameter C  = 4,
  parameter W  = 9,
  parameter RW = 16
)(
  input  wire           clk,
  input  wire [C*W-1:0] col,
  input  wire [31:0]    lane,      // row lane of the member being read
  input  wire           en,        // pass 0 step
  input  wire           first,     // first member
  input  wire [15:0]    idx,       // member index
  input  wire           cnt1,      // a one-member group
  input  wire           sum_mode,
  input  wire           excl,
  output wire [RW-1:0]  out
);
  /* verilator inline_module */   // one scope: keeps the cocotb (VPI) build small
  reg  [W-1:0] xs;                   // the member's row (a C:1 mux, no index product)
  integer k;
  always @* begin
    xs = col[0 +: W];
    for (k = 1; k < C; k = k + 1)
      if (lane == k) xs = col[k*W +: W];
  end
  wire signed [RW-1:0] xb = $signed(xs);
  reg  signed [RW-1:0] sm, m1, m2;   // sum, top two
  reg  [15:0] ag;                    // first argmax (member index)
  assign out = sum_mode ? (excl ? sm - xb : sm)
                        : (!excl ? m1 : cnt1 ? {RW{1'b0}} : (idx == ag) ? m2 : m1);
  always @(posedge clk)
    if (en) begin
      if (first) begin
        sm <= xb; m1 <= xb; m2 <= {1'b1, {(RW-1){1'b0}}}; ag <= 16'h0;
      end else begin
        sm <= sm + xb;
        if (xb > m1) begin m2 <= m1; m1 <= xb; ag <= idx; end
        else if (xb > m2) m2 <= xb;
      end
    end
endmodule
