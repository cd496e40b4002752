// Fused ReLU + requantize + saturate (quant/PROGRAM.md "Rounding and saturation"):
//   y = sat(rshift_rne(relu ? max(v, 0) : v, shift), D, out_signed, narrow)
// shift = shr - shl with one of them zero. Right shifts round half to even; the mask and the
// half-LSB constant depend only on the op's shift, so the controller computes them once per op
// and every lane shares them (one barrel shifter per lane). Left shifts first clamp v to
// +-2^(D+1) like the golden model (anything that large saturates either way).
// Output: D+1-bit signed (the activation-buffer word).
module sm_requant #(
  parameter IW = 33,   // input width (signed)
  parameter D  = 8     // data bits
)(
  input  wire signed [IW-1:0] v,
  input  wire                 relu,
  input  wire [5:0]           shr,
  input  wire [4:0]           shl,
  input  wire [IW-1:0]        rnd_mask,
  input  wire [IW-1:0]        rnd_half,
  input  wire                 out_signed,
  input  wire                 narrow,
  output reg  [D:0]           y
);
  localparam LW = ((IW > D + 36) ? IW : D + 36) + 1;
  wire signed [IW-1:0] vr = (relu && v[IW-1]) ? {IW{1'b0}} : v;
  // right-shift path
  wire signed [IW-1:0] q = vr >>> shr;
  wire [IW-1:0] rem = vr & rnd_mask;
  wire inc = (shr != 0) && ((rem > rnd_half) || ((rem == rnd_half) && q[0]));
  // shifts beyond the input width round everything to 0 (the 64-bit mask/half don't fit)
  wire signed [IW-1:0] rq = (shr > IW) ? {IW{1'b0}} : q + {{(IW-1){1'b0}}, inc};
  // left-shift path
  wire signed [LW-1:0] lim = {{(LW-D-2){1'b0}}, 1'b1, {(D+1){1'b0}}};   // 2^(D+1)
  wire signed [LW-1:0] vx = {{(LW-IW){vr[IW-1]}}, vr};
  wire signed [LW-1:0] vc = (vx > lim) ? lim : ((vx < -lim) ? -lim : vx);
  wire signed [LW-1:0] lq = vc <<< shl;
  // saturation bounds
  wire signed [LW-1:0] nar = {{(LW-1){1'b0}}, narrow};
  wire signed [LW-1:0] smax = {{(LW-D+1){1'b0}}, {(D-1){1'b1}}};   //  2^(D-1) - 1
  wire signed [LW-1:0] umax = {{(LW-D){1'b0}}, {D{1'b1}}};         //  2^D - 1
  wire signed [LW-1:0] hi = out_signed ? smax : umax - nar;
  wire signed [LW-1:0] lo = out_signed ? -smax - 1 + nar : {LW{1'b0}};
  wire signed [LW-1:0] r = (shl != 0) ? lq : $signed({{(LW-IW){rq[IW-1]}}, rq});
  always @* begin
    if (r > hi) y = hi[D:0];
    else if (r < lo) y = lo[D:0];
    else y = r[D:0];
  end
endmodule
