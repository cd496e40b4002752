// Tile-parallel AGGREGATE, one column bank (rtl/README.md): max or sum over the selected rows
// of the bank's C-row column (sel: same group as the lane being written, row inside the
// table, not the row itself under EXCLUDE_SELF), in row order.
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off WIDTHEXPAND */
module sm_agg_lane #(
  parameter C  = 4,
  parameter W  = 9,
  parameter RW = 16
)(
  input  wire [C*W-1:0] col,
  input  wire [C-1:0]   sel,
  input  wire           sum_mode,
  output wire [RW-1:0]  red
);
  /* verilator inline_module */   // one scope: keeps the cocotb (VPI) build small
  reg signed [RW-1:0] m, xb;
  assign red = m;
  reg empty;
  integer k;
  always @* begin
    m = {RW{1'b0}};
    empty = 1'b1;
    for (k = 0; k < C; k = k + 1) begin
      xb = {{(RW-W){col[k*W + W - 1]}}, col[k*W +: W]};
      if (sel[k]) begin
        if (sum_mode) m = m + xb;
        else if (empty || xb > m) m = xb;
        empty = 1'b0;
      end
    end
  end
endmodule
