// One output-neuron lane of the MAC array (rtl/README.md "MAC array"): C rows x Q products of
// the lane's packed weight word with the aligned activations, the C Q-term dot products
// (registered), the C accumulators (started from the bias at a tile's first step: mod
// 2^ACC_W the same sum as adding it at the drain) and the C-row shadow the drain reads one
// row per cycle (head = row sel).
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */
module sm_mac_lane #(
  parameter C      = 4,    // table rows
  parameter Q      = 4,    // products per row (weights per word)
  parameter D      = 8,    // weight bits
  parameter XW     = 24,   // aligned activation bits
  parameter PW     = 32,   // dot-product bits (<= ACC_W)
  parameter ACC_W  = 32,
  parameter FABRIC = 0     // 1: multipliers as LUT shift-and-add (no DSP48E1)
)(
  input  wire                clk,
  input  wire [Q*D-1:0]      w,        // the lane's weight word
  input  wire [C*Q*XW-1:0]   x,        // aligned activations (stage 1 register)
  input  wire                s2_v,     // stage 2: prod valid, first / last input step
  input  wire                s2_first,
  input  wire                s2_last,
  input  wire [ACC_W-1:0]    bias,     // the output tile's bias (this lane's bank)
  input  wire                has_bias,
  input  wire [7:0]          sel,      // drain: shadow row being drained
  output wire [ACC_W-1:0]    head      // shadow row sel
);
  /* verilator inline_module */   // one scope: keeps the cocotb (VPI) build small
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
  function automatic [ACC_W-1:0] sx_dot(input signed [PW-1:0] v);
    sx_dot = v;
  endfunction

  wire [C*PW-1:0] dot;
  genvar gc, gq;
  generate
    for (gc = 0; gc < C; gc = gc + 1) begin : row
      wire signed [D+XW-1:0] pr [0:Q-1];
      for (gq = 0; gq < Q; gq = gq + 1) begin : term
        wire signed [D-1:0] wv = w[gq*D +: D];
        wire signed [XW-1:0] xv = x[(gc*Q + gq)*XW +: XW];
        if (FABRIC != 0) begin : fab
          assign pr[gq] = mul_fabric(wv, xv);
        end else begin : dsp
          assign pr[gq] = wv * xv;
        end
      end
      reg signed [PW-1:0] sum;
      integer k;
      always @* begin
        sum = 0;
        for (k = 0; k < Q; k = k + 1) sum = sum + pr[k];
      end
      assign dot[gc*PW +: PW] = sum;
    end
  endgenerate

  reg  [C*PW-1:0]  prod2;
  reg  [ACC_W-1:0] acc [0:C-1];
  reg  [ACC_W-1:0] shadow [0:C-1];
  wire [ACC_W-1:0] init = has_bias ? bias : {ACC_W{1'b0}};
  wire [C*ACC_W-1:0] nx;              // the accumulators after this step
  generate
    for (gc = 0; gc < C; gc = gc + 1) begin : next
      assign nx[gc*ACC_W +: ACC_W] = (s2_first ? init : acc[gc]) + sx_dot(prod2[gc*PW +: PW]);
    end
  endgenerate
  integer ci;
  always @(posedge clk) begin
    prod2 <= dot;
    if (s2_v)
      for (ci = 0; ci < C; ci = ci + 1) begin
        acc[ci] <= nx[ci*ACC_W +: ACC_W];
        if (s2_last) shadow[ci] <= nx[ci*ACC_W +: ACC_W];
      end
  end
  assign head = shadow[sel % C];
endmodule
