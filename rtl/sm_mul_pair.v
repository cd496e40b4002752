// Two output lanes' 8-bit weight products with one shared activation, in one DSP48 (the MAC
// array's DSP_PACK). No pre-add: A = {w1, 9'b0, w0 ^ 8'h80} = w1 * 2^17 + u0 with
// u0 = w0 + 128 in [0, 255] (a 25-bit concatenation: it fits the DSP48E1's port for every w1,
// w0), B = x (9 bits), P = w1*x*2^17 + u0*x. u0*x lies in [-65280, 65025], inside 17 signed
// bits, so lo = P[16:0] = u0*x exactly and P[33:17] = w1*x - borrow with borrow = P[16] (the
// low field's sign). Hence w1*x = hi + borrow and w0*x = lo - 128*x; the caller adds borrow
// to lane 2i+1's dot-product sum and subtracts 128 * (sum of the row's activations) once per
// dot product of lane 2i (the same for every lane of the row). Exact for D = 8, XW = 9 and every
// w0, w1, x (tests/test_dsp_pack.py checks all 33.5 M and that yosys maps one DSP48E1 /
// DSP48E2 and no fabric logic per instance).
module sm_mul_pair #(
  parameter D  = 8,        // weight bits
  parameter XW = 9         // activation bits
)(
  input  wire signed [D-1:0]    w0,
  input  wire signed [D-1:0]    w1,
  input  wire signed [XW-1:0]   x,
  output wire signed [D+XW-1:0] lo,      // (w0 + 2^(D-1)) * x
  output wire signed [D+XW-1:0] hi,      // w1 * x - borrow
  output wire                   borrow
);
  localparam S = D + XW;                                // 17: the low field
  wire signed [D+S-1:0] pa = {w1, {(S-D){1'b0}}, ~w0[D-1], w0[D-2:0]};   // 25 bits
  wire signed [2*S-1:0] pp = pa * x;                    // P[33:0]
  assign lo = pp[S-1:0];
  assign hi = pp[2*S-1:S];
  assign borrow = pp[S-1];
endmodule
