// Reference form of rtl/sm_requant.v, for tests/test_requant_equiv.py only (not synthesized,
// not simulated): the requantizer written out at full width as quant/PROGRAM.md "Rounding
// and saturation" states it: v >>> shr over all IW
// bits plus the round-half-even increment, a clamp to +-2^(D+1) before a left shift, and a
// saturation per path. The RTL's module must equal it for every input (SAT miter).
module sm_requant_ref #(
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
  localparam SW = D + 2;        // saturation compare width (every bound fits)
  localparam CW = D + 3;        // clamped left-shift operand: [-2^(D+1), 2^(D+1)]
  localparam LW = CW + D + 2;   // ... shifted by at most D+2
  wire signed [IW-1:0] vr = (relu && v[IW-1]) ? {IW{1'b0}} : v;
  // right-shift path
  wire signed [IW-1:0] q = vr >>> shr;
  wire rbit = |(vr & rnd_half);
  wire sticky = |(vr & rnd_mask & ~rnd_half);
  wire inc = (shr != 0) && rbit && (sticky || q[0]);
  // shifts beyond the input width round everything to 0 (the 64-bit mask/half don't fit)
  wire signed [IW-1:0] rq = (shr > IW) ? {IW{1'b0}} : q + {{(IW-1){1'b0}}, inc};
  // left-shift path
  wire big_p = !vr[IW-1] && (vr > $signed({{(IW-D-2){1'b0}}, 1'b1, {(D+1){1'b0}}}));
  wire big_n = vr[IW-1] && (vr < -$signed({{(IW-D-2){1'b0}}, 1'b1, {(D+1){1'b0}}}));
  wire signed [CW-1:0] vc = big_p ? $signed({2'b01, {(D+1){1'b0}}}) :
                            big_n ? $signed({2'b11, {(D+1){1'b0}}}) : vr[CW-1:0];
  wire [4:0] shl_c = (shl > D + 2) ? D + 2 : shl;
  wire signed [LW-1:0] lq = $signed({{(LW-CW){vc[CW-1]}}, vc}) <<< shl_c;
  // saturation bounds (D+2 bits signed)
  wire signed [SW-1:0] nar = {{(SW-1){1'b0}}, narrow};
  wire signed [SW-1:0] smax = {{3{1'b0}}, {(D-1){1'b1}}};   //  2^(D-1) - 1
  wire signed [SW-1:0] umax = {{2{1'b0}}, {D{1'b1}}};       //  2^D - 1
  wire signed [SW-1:0] hi = out_signed ? smax : umax - nar;
  wire signed [SW-1:0] lo = out_signed ? -smax - 1 + nar : {SW{1'b0}};
  function automatic [D:0] sat(input fits, input neg, input signed [SW-1:0] r,
                               input signed [SW-1:0] h, input signed [SW-1:0] l);
    if (!fits) sat = neg ? l[D:0] : h[D:0];
    else if (r > h) sat = h[D:0];
    else if (r < l) sat = l[D:0];
    else sat = r[D:0];
  endfunction
  wire r_fits = (rq[IW-1:SW-1] == {(IW-SW+1){1'b0}}) || (rq[IW-1:SW-1] == {(IW-SW+1){1'b1}});
  wire l_fits = (lq[LW-1:SW-1] == {(LW-SW+1){1'b0}}) || (lq[LW-1:SW-1] == {(LW-SW+1){1'b1}});
  always @* begin
    if (shl != 0) y = sat(l_fits, lq[LW-1], lq[SW-1:0], hi, lo);
    else          y = sat(r_fits, rq[IW-1], rq[SW-1:0], hi, lo);
  end
endmodule
