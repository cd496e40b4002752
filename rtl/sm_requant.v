// Fused ReLU + requantize + saturate (quant/PROGRAM.md "Rounding and saturation"):
//   y = sat(rshift_rne(relu ? max(v, 0) : v, shift), D, out_signed, narrow)
// shift = shr - shl with one of them zero. Right shifts round half to even; the mask and the
// half-LSB constant depend only on the op's shift (rnd_mask = 2^shr - 1 and rnd_half =
// 2^(shr-1), 0 for shr 0, both cut to IW bits), so the controller computes them once per op
// and every lane shares them. Output: D+1-bit signed (the activation-buffer word).
// Only what the saturated result depends on is built (one unit per drain lane: its size is
// per lane): a value outside D+2 signed bits saturates by its sign whatever its other bits,
// so
//  - right: the shifter makes only the low D+3 bits of v >>> shr; whether the shifted value
//    fits D+2 bits is read off v itself (its bits at and above shr + D + 1, marked by
//    rnd_mask moved up by D+1, all equal to its sign), and the round-half-even increment
//    (round bit && (sticky || lsb)) goes into those D+3 bits;
//  - left (shl > 0): a v outside D+3 signed bits saturates (shifted by >= 1 it leaves D+2
//    bits), so only its low D+3 bits are shifted, by at most D+2;
//  - one saturation compare, after the two paths are merged.
// Equal to the full-width form (v >>> shr + inc, a clamp to +-2^(D+1) before a left shift,
// two saturations) for every input with consistent rnd_mask/rnd_half:
// tests/test_requant_equiv.py proves it with a yosys SAT miter for the widths the RTL uses.
module sm_requant #(
  parameter IW = 33,   // input width (signed), >= D + 3
  parameter D  = 8     // data bits
)(
  input  wire signed [IW-1:0] v,
  input  wire                 relu,
  input  wire [5:0]           shr,
  input  wire [4:0]           shl,
  input  wire [IW-1:0]        rnd_mask,
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [IW-1:0]        rnd_half,   // = rnd_mask ^ (rnd_mask >> 1): the shifter makes
  /* verilator lint_on UNUSEDSIGNAL */    // the round bit (port kept for the callers)
  input  wire                 out_signed,
  input  wire                 narrow,
  output reg  [D:0]           y
);
  localparam SW = D + 2;        // every saturation bound fits SW signed bits
  localparam OW = D + 3;        // kept low bits: an SW-bit value plus its rounding carry
  localparam LW = OW + D + 2;   // the kept left operand shifted by at most D+2
  wire zero = relu && v[IW-1];   // ReLU of a negative value: 0, inside every bound
  wire sg = v[IW-1];
  // right-shift path: {v, 0} >>> shr in stages, the largest first, so that each stage
  // builds only the bits the next one reads (the last makes OW + 1): w[0] is the round bit
  // (v's bit shr - 1; 0 for shr 0), w[OW:1] the low bits of v >>> shr
  reg  signed [IW:0] w;
  integer k;
  always @* begin
    w = {v, 1'b0};
    for (k = 5; k >= 0; k = k - 1)
      if (shr[k]) w = w >>> (1 << k);
  end
  wire [IW-1:0] below = {rnd_mask[IW-SW:0], {(SW-1){1'b1}}};   // bits under shr + SW - 1
  wire q_fits = ~|((v ^ {IW{sg}}) & ~below);
  wire sticky = |(v & (rnd_mask >> 1));                 // the bits under the round bit
  wire inc = w[0] && (sticky || w[1]);
  wire rz = (shr > IW);   // shifted past the input: rounds to 0 (the mask does not say so)
  wire signed [OW-1:0] rr = rz ? {OW{1'b0}} : w[OW:1] + {{(OW-1){1'b0}}, inc};
  // left-shift path
  wire c_fits = (v[IW-1:OW-1] == {(IW-OW+1){1'b0}}) || (v[IW-1:OW-1] == {(IW-OW+1){1'b1}});
  wire [4:0] shl_c = (shl > D + 2) ? D + 2 : shl;
  wire signed [LW-1:0] lq = $signed({{(LW-OW){v[OW-1]}}, v[OW-1:0]}) <<< shl_c;
  wire l_fits = c_fits && ((lq[LW-1:SW-1] == {(LW-SW+1){1'b0}}) ||
                           (lq[LW-1:SW-1] == {(LW-SW+1){1'b1}}));
  // merged, then saturated (bounds as OW-bit signed numbers)
  wire left = (shl != 0);
  wire fits = left ? l_fits : (rz || q_fits);
  wire signed [OW-1:0] r = left ? lq[OW-1:0] : rr;
  wire signed [OW-1:0] nar = {{(OW-1){1'b0}}, narrow};
  wire signed [OW-1:0] smax = {{4{1'b0}}, {(D-1){1'b1}}};   //  2^(D-1) - 1
  wire signed [OW-1:0] umax = {{3{1'b0}}, {D{1'b1}}};       //  2^D - 1
  wire signed [OW-1:0] hi = out_signed ? smax : umax - nar;
  wire signed [OW-1:0] lo = out_signed ? -smax - 1 + nar : {OW{1'b0}};
  always @* begin
    if (zero)        y = {(D+1){1'b0}};
    else if (!fits)  y = sg ? lo[D:0] : hi[D:0];
    else if (r > hi) y = hi[D:0];
    else if (r < lo) y = lo[D:0];
    else             y = r[D:0];
  end
endmodule
