// The burst bounds check of the AXI engines (sm_axi_rd.v, sm_axi_wr.v; quant/PROGRAM.md
// "Bounds"): a burst [cur, cur + beats * BPB) is issued only inside the buffer
// [base, base + size) registered with the transfer, and only if that buffer does not pass
// 2^AXI_AW. Its wide parts are registers set with the cursor, so the AR/AW decision compares
// the burst's bytes with the low bits of `room` (end - cursor), not a 65-bit sum.
// `include inside an engine, after it declares AXI_AW, LBPB (log2 of its bytes per beat),
// `reg [AXI_AW-1:0] cur` (the beat-aligned byte address of its next burst) and `blen` (the
// next burst's beats); it declares `b_ok`.
  reg  [AXI_AW:0]   lo_q, hi_q;   // the buffer [lo, hi), AXI_AW + 1 bits
  reg               lo_ok;        // cur >= lo
  reg               hi_ok;        // hi <= 2^AXI_AW (the buffer does not wrap)
  reg  [AXI_AW+1:0] room;         // hi - cur, AXI_AW + 2 bits, two's complement
  localparam LW = 9 + LBPB;       // a burst's bytes (<= 256 beats) fit LW bits
  // reset: an empty buffer, nothing in it
  task bounds_reset;
    begin
      lo_q <= {(AXI_AW+1){1'b0}}; hi_q <= {(AXI_AW+1){1'b0}};
      lo_ok <= 1'b0; hi_ok <= 1'b0; room <= {(AXI_AW+2){1'b0}};
    end
  endtask
  // move the cursor, with the checks that depend on it
  task cur_set(input [AXI_AW-1:0] c, input [AXI_AW:0] lo, input [AXI_AW:0] hi);
    begin
      cur <= c;
      lo_ok <= ({1'b0, c} >= lo);
      room <= {1'b0, hi} - {2'b0, c};
    end
  endtask
  // a transfer's start: its buffer [b, b + n), and the cursor at its first beat
  task bounds_start(input [AXI_AW-1:0] c, input [AXI_AW-1:0] b, input [31:0] n);
    reg [AXI_AW:0] hi;
    begin
      hi = {1'b0, b} + {{(AXI_AW-31){1'b0}}, n};
      lo_q <= {1'b0, b};
      hi_q <= hi;
      hi_ok <= (hi <= ({{AXI_AW{1'b0}}, 1'b1} << AXI_AW));
      cur_set(c, {1'b0, b}, hi);
    end
  endtask
  // the next burst (`blen` beats) lies inside the buffer: cur >= lo, and its bytes <= hi - cur
  wire [LW-1:0] b_len = {{(LW-9){1'b0}}, blen[8:0]} << LBPB;
  wire          b_ok = lo_ok && hi_ok && !room[AXI_AW+1] &&
                       (room[AXI_AW:LW] != 0 || b_len <= room[LW-1:0]);
