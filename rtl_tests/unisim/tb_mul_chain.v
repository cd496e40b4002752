// sm_mul_chain on a stream of operands (every 7th cycle one of the extremes: all weights
// -128 with x -256, w0 127 / w1 -128 with x 255, and the reverse; else $random), printing
// lo/hi each cycle. tests/test_dsp_pack.py compiles it with the behavioural chain and with
// -DSYNTHESIS + the vendor's DSP48E2 model and compares the two printouts.
`timescale 1ps/1ps
module tb_mul_chain;
  parameter N = 3000;
  reg clk = 1'b0;
  reg  [31:0] w0, w1;
  reg  [35:0] x;
  reg  signed [37:0] k;
  wire signed [18:0] lo, hi;
  sm_mul_chain u (.clk(clk), .w0(w0), .w1(w1), .x(x), .k(k), .lo(lo), .hi(hi));
  integer i, seed;
  always #5000 clk = ~clk;
  initial begin
    seed = 7;
    w0 = 0; w1 = 0; x = 0; k = 0;
    #200000;   // past the models' global set/reset (glbl, 100 ns)
    for (i = 0; i < N; i = i + 1) begin
      @(negedge clk);
      if (i % 7 == 0) begin w0 = 32'h80808080; w1 = 32'h80808080; x = {4{9'h100}}; end
      else if (i % 7 == 1) begin w0 = 32'h7f7f7f7f; w1 = 32'h80808080; x = {4{9'h0ff}}; end
      else if (i % 7 == 2) begin w0 = 32'h80808080; w1 = 32'h7f7f7f7f; x = {4{9'h0ff}}; end
      else begin w0 = $random(seed); w1 = $random(seed); x = {$random(seed), $random(seed)}; end
      k = $random(seed);
      $display("%0d %h %h", i, lo, hi);
    end
    $finish;
  end
endmodule
