// Two output lanes' 8-bit weight products with one shared activation, in one DSP48 (the MAC
// array's DSP_PACK). With S = D + XW - 1 (16): A = w1 * 2^S + w0 (25 bits, the DSP48E1
// pre-adder; S = 17 would leave the 25-bit port at w1 = -128, w0 < 0), B = x, so
// P = w1*x*2^S + w0*x. w0*x lies in [-32640, 32768] (65,409 values < 2^16), so its low S bits
// r = P[S-1:0] identify it: negative exactly when r > 2^(S-1), i.e. w0*x = {neg, r} with
// neg = r[S-1] & |r[S-2:0]; P[2S:S] = w1*x - neg (the low product's borrow), so
// w1*x = p1r + neg. Exact for D = 8, XW = 9 and every w0, w1, x (tests/test_dsp_pack.py
// checks all 33.5 M and that yosys maps one DSP48E1 / DSP48E2 per instance).
module sm_mul_pair #(
  parameter D  = 8,        // weight bits
  parameter XW = 9         // activation bits
)(
  input  wire signed [D-1:0]    w0,
  input  wire signed [D-1:0]    w1,
  input  wire signed [XW-1:0]   x,
  output wire signed [D+XW-1:0] p0,    // w0 * x
  output wire signed [D+XW-1:0] p1r,   // w1 * x - neg: the caller adds neg (in its sum)
  output wire                   neg
);
  localparam S = D + XW - 1;
  wire signed [D+S:0] pa = ($signed(w1) <<< S) + w0;   // 25 bits for D = 8
  wire signed [2*S:0] pp = pa * x;                      // P[32:0]
  assign neg = pp[S-1] & (|pp[S-2:0]);
  assign p0  = {neg, pp[S-1:0]};
  assign p1r = pp[2*S:S];
endmodule
