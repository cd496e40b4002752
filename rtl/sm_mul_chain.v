// One lane pair x one node row of the MAC array's DSP_PACK 2 (UltraScale+: DSP48E2, 27-bit
// A): the Q terms' two-lane products summed in the DSP48E2s' post-adders, a chain of Q
// registered multiply-adds (p_0 = A_0 x_0 + K, p_q = A_q x_q + p_{q-1}), one DSP48E2 each and
// no fabric logic. Term q: A_q = {w1_q, 11'b0, w0_q ^ 8'h80} = w1_q * 2^L + u0_q with
// u0_q = w0_q + 128 in [0, 255] (a 27-bit concatenation for D 8, XW 9, Q 4: L = 19), B = x_q.
// With K = 2^(L-1) - 128 * sum_q x_q (per node row: one small adder shared by every pair) the
// chain's end S = 2^L * sum_q w1_q x_q + (2^(L-1) + sum_q w0_q x_q); |sum_q w0_q x_q| <=
// Q * 2^(D+XW-2) < 2^(L-1), so the low field S[L-1:0] lies in [0, 2^L) and borrows nothing
// from the high one: lo = {~S[L-1], S[L-2:0]} (= S[L-1:0] - 2^(L-1)) = sum_q w0_q x_q and
// hi = S[2L-1:L] = sum_q w1_q x_q, both wiring. (S is exact mod 2^(2L): partial sums may
// leave their fields, the end does not.) tests/test_dsp_pack.py checks the arithmetic on
// every extreme and random vectors and that yosys maps Q DSP48E2 and no LUT per instance.
// Synthesis (SYNTHESIS defined) instantiates the DSP48E2s: UltraScale+ only (builds.py
// allows dsp_pack 2 on xcup parts); simulation runs the behavioural chain below it.
// Timing: term q's inputs (w0, w1, x slices q) must arrive q cycles after term 0's (the
// caller's skew registers: the activations and K are shared by all pairs, the weights by
// all node rows); lo/hi hold the sum Q cycles after term 0's inputs.
module sm_mul_chain #(
  parameter Q  = 4,        // terms (weights per 32-bit word)
  parameter D  = 8,        // weight bits
  parameter XW = 9,        // activation bits
  parameter L  = 19        // the low field: D + XW + clog2(Q); D + L <= 27 (the A port)
)(
  input  wire                   clk,
  input  wire [Q*D-1:0]         w0,      // even lane's weights, term q at [q*D +: D]
  input  wire [Q*D-1:0]         w1,      // odd lane's
  input  wire [Q*XW-1:0]        x,       // the node row's activations, term q at [q*XW +: XW]
  input  wire signed [2*L-1:0]  k,       // 2^(L-1) - 2^(D-1) * sum_q x_q, with term 0
  output wire signed [L-1:0]    lo,      // sum_q w0_q x_q
  output wire signed [L-1:0]    hi       // sum_q w1_q x_q
);
  localparam SW = 2 * L;
  wire [Q*SW-1:0] pv;                    // p_q, the DSPs' P registers
  genvar q;
  generate
    for (q = 0; q < Q; q = q + 1) begin : t
      wire signed [L+D-1:0] a = {w1[q*D +: D], {(L-D){1'b0}}, ~w0[q*D+D-1], w0[q*D +: D-1]};
      wire signed [XW-1:0]  b = x[q*XW +: XW];
      wire signed [SW-1:0]  c;
      if (q == 0) begin : first
        assign c = k;
      end else begin : next
        assign c = pv[(q-1)*SW +: SW];
      end
`ifdef SYNTHESIS
      // the DSP48E2 itself (yosys 0.70 packs no post-adder or register into a DSP48E2):
      // P <= A*B + C (term 0, OPMODE Z = C) or A*B + PCIN (the cascade from term q-1);
      // A/B/C combinational from the caller's registers, the P register the chain's stage
      wire [47:0] pc_in, pc_out, p48;
      if (q == 0) begin : pc0
        assign pc_in = 48'h0;
      end else begin : pcq
        assign pc_in = t[q-1].pc_out;
      end
      DSP48E2 #(
        .AREG(0), .BREG(0), .CREG(0), .MREG(0), .PREG(1), .ADREG(0), .DREG(0),
        .ACASCREG(0), .BCASCREG(0), .INMODEREG(0), .OPMODEREG(0), .ALUMODEREG(0),
        .CARRYINREG(0), .CARRYINSELREG(0), .USE_MULT("MULTIPLY"), .AMULTSEL("A"),
        .BMULTSEL("B"), .A_INPUT("DIRECT"), .B_INPUT("DIRECT"), .PREADDINSEL("A"),
        .USE_SIMD("ONE48"), .USE_PATTERN_DETECT("NO_PATDET")
      ) u_dsp (
        .CLK(clk), .A({{(30-L-D){a[L+D-1]}}, a}), .B({{(18-XW){b[XW-1]}}, b}),
        .C((q == 0) ? {{(48-SW){c[SW-1]}}, c} : 48'h0), .PCIN(pc_in), .D(27'h0),
        .OPMODE((q == 0) ? 9'b00_011_01_01 : 9'b00_001_01_01),   // W 0, Z C|PCIN, Y M, X M
        .ALUMODE(4'b0000), .INMODE(5'b00000), .CARRYINSEL(3'b000), .CARRYIN(1'b0),
        .ACIN(30'h0), .BCIN(18'h0), .CARRYCASCIN(1'b0), .MULTSIGNIN(1'b0),
        .CEA1(1'b0), .CEA2(1'b0), .CEAD(1'b0), .CEALUMODE(1'b0), .CEB1(1'b0), .CEB2(1'b0),
        .CEC(1'b0), .CECARRYIN(1'b0), .CECTRL(1'b0), .CED(1'b0), .CEINMODE(1'b0),
        .CEM(1'b0), .CEP(1'b1),
        .RSTA(1'b0), .RSTALLCARRYIN(1'b0), .RSTALUMODE(1'b0), .RSTB(1'b0), .RSTC(1'b0),
        .RSTCTRL(1'b0), .RSTD(1'b0), .RSTINMODE(1'b0), .RSTM(1'b0), .RSTP(1'b0),
        .P(p48), .PCOUT(pc_out));
      assign pv[q*SW +: SW] = p48[SW-1:0];
`else
      reg signed [SW-1:0] p;
      always @(posedge clk) p <= a * b + c;
      assign pv[q*SW +: SW] = p;
`endif
    end
  endgenerate
  wire [SW-1:0] s = pv[(Q-1)*SW +: SW];
  assign lo = {~s[L-1], s[L-2:0]};
  assign hi = s[SW-1:L];
endmodule
