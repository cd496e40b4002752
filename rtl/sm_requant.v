// Fused ReLU + requantize + saturate (quant/PROGRAM.md "Rounding and saturation"):
//   y = sat(rshift_rne(relu ? max(v, 0) : v, shift), D, out_signed, narrow)
// shift = shr - shl with one of them zero. Right shifts round half to even; the mask and the
// half-LSB constant depend only on the op's shift, so the controller computes them once per op
// and every lane shares them (one barrel shifter per lane). Left shifts first clamp v to
// +-2^(D+1) like the golden model (anything that large saturates either way).
// Output: D+1-bit signed (the activation-buffer word).
// Two halves: (1) shift, the round bits and a clamp of the shifted value to SW + 2 bits (a
// value outside SW bits becomes +-2^SW: it saturates to the same bound, with or without the
// rounding increment); (2) the increment and the saturation compare on those few bits.
// sm_requant is the two halves back to back; a pipelined user instantiates sm_requant_shift
// and sm_requant_sat with its own register between them (the whole function is ~16 logic
// levels on a 33- or 64-bit input, each half about 10). The constants (shr, shl, masks, relu,
// out_signed, narrow) are per op and must hold still while a value is in flight.
// Cheap forms of the same function: the rounding increment is round bit && (sticky || lsb)
// (= rem > half || rem == half && lsb); the clamped left operand is D+3 bits and its shift is
// capped at D+2 (a nonzero value shifted that far saturates either way).
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
  output wire [D:0]           y
);
  wire [D+3:0] n;
  wire         inc;
  sm_requant_shift #(.IW(IW), .D(D)) u_sh (
    .v(v), .relu(relu), .shr(shr), .shl(shl), .rnd_mask(rnd_mask), .rnd_half(rnd_half),
    .n(n), .inc(inc));
  sm_requant_sat #(.D(D)) u_sat (.n(n), .inc(inc), .out_signed(out_signed), .narrow(narrow),
    .y(y));
endmodule

// the two halves live with the function they make up (not one file each)
/* verilator lint_off DECLFILENAME */
// Half 1: ReLU, the shift, the round bits; the result clamped to NW = D + 4 bits.
module sm_requant_shift #(
  parameter IW = 33,
  parameter D  = 8
)(
  input  wire signed [IW-1:0] v,
  input  wire                 relu,
  input  wire [5:0]           shr,
  input  wire [4:0]           shl,
  input  wire [IW-1:0]        rnd_mask,
  input  wire [IW-1:0]        rnd_half,
  output wire [D+3:0]         n,     // signed: the shifted value, or +-2^SW when outside SW bits
  output wire                 inc    // the rounding increment (right shifts)
);
  localparam SW = D + 2;        // saturation compare width (every bound fits)
  localparam NW = SW + 2;       // the clamped shifted value: SW bits or +-2^SW
  localparam CW = D + 3;        // clamped left-shift operand: [-2^(D+1), 2^(D+1)]
  localparam LW = CW + D + 2;   // ... shifted by at most D+2
  wire signed [IW-1:0] vr = (relu && v[IW-1]) ? {IW{1'b0}} : v;
  // right-shift path (shifts beyond the input width round everything to 0)
  wire signed [IW-1:0] q = vr >>> shr;
  wire rbit = |(vr & rnd_half);
  wire sticky = |(vr & rnd_mask & ~rnd_half);
  wire r_zero = (shr > IW);
  wire r_inc = !r_zero && (shr != 0) && rbit && (sticky || q[0]);
  wire q_fits = (q[IW-1:SW-1] == {(IW-SW+1){1'b0}}) || (q[IW-1:SW-1] == {(IW-SW+1){1'b1}});
  // left-shift path
  wire big_p = !vr[IW-1] && (vr > $signed({{(IW-D-2){1'b0}}, 1'b1, {(D+1){1'b0}}}));
  wire big_n = vr[IW-1] && (vr < -$signed({{(IW-D-2){1'b0}}, 1'b1, {(D+1){1'b0}}}));
  wire signed [CW-1:0] vc = big_p ? $signed({2'b01, {(D+1){1'b0}}}) :
                            big_n ? $signed({2'b11, {(D+1){1'b0}}}) : vr[CW-1:0];
  wire [4:0] shl_c = (shl > D + 2) ? D + 2 : shl;
  wire signed [LW-1:0] lq = $signed({{(LW-CW){vc[CW-1]}}, vc}) <<< shl_c;
  wire l_fits = (lq[LW-1:SW-1] == {(LW-SW+1){1'b0}}) || (lq[LW-1:SW-1] == {(LW-SW+1){1'b1}});
  function automatic [NW-1:0] clampw(input fits, input neg, input [SW-1:0] low);
    clampw = fits ? {{2{low[SW-1]}}, low} : neg ? {2'b11, {SW{1'b0}}} : {2'b01, {SW{1'b0}}};
  endfunction
  assign n = (shl != 0) ? clampw(l_fits, lq[LW-1], lq[SW-1:0])
           : r_zero ? {NW{1'b0}} : clampw(q_fits, q[IW-1], q[SW-1:0]);
  assign inc = (shl == 0) && r_inc;
endmodule

// Half 2: the increment and the saturation to D+1 bits (signed/unsigned, narrow).
module sm_requant_sat #(
  parameter D = 8
)(
  input  wire [D+3:0] n,
  input  wire         inc,
  input  wire         out_signed,
  input  wire         narrow,
  output reg  [D:0]   y
);
  localparam NW = D + 4;
  wire signed [NW-1:0] nar = {{(NW-1){1'b0}}, narrow};
  wire signed [NW-1:0] smax = {{(NW-D+1){1'b0}}, {(D-1){1'b1}}};   //  2^(D-1) - 1
  wire signed [NW-1:0] umax = {{(NW-D){1'b0}}, {D{1'b1}}};         //  2^D - 1
  wire signed [NW-1:0] hi = out_signed ? smax : umax - nar;
  wire signed [NW-1:0] lo = out_signed ? -smax - 1 + nar : {NW{1'b0}};
  wire signed [NW-1:0] r = $signed(n) + $signed({{(NW-1){1'b0}}, inc});  // |n| <= 2^(D+2)
  always @* begin
    if (r > hi) y = hi[D:0];
    else if (r < lo) y = lo[D:0];
    else y = r[D:0];
  end
endmodule
/* verilator lint_on DECLFILENAME */
