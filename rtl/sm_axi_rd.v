// AXI4 read engine: reads `count` little-endian units (32-bit words, or 16-bit elements when
// u16) starting at byte address `addr` (unit-aligned) and hands them out one per cycle.
// INCR bursts of up to MAX_BURST beats that never cross a 4 KiB boundary; one burst in flight.
// Any RRESP other than OKAY sets `err` (the transfer still completes, so the bus stays clean).
//
// Memory safety (quant/PROGRAM.md "Bounds"): every burst's byte range [a, a + beats * BPB) is
// checked against the buffer [base, base + size) given with `start`, in AXI_AW + 1 bits so a
// range that wraps at 2^AXI_AW is caught. A violation sets `rerr`, the burst is not issued and
// the engine stops (no further AR). The check's wide parts are registers set with the cursor
// (`lo_ok`, `room` = end - cursor, `hi_ok`), so the AR decision compares the burst length
// with `room`'s low bits only. `abort` (a pulse) stops issuing bursts and drains: an AR
// whose VALID is up is held until its READY, the remaining R beats of an issued burst are
// accepted and dropped; `busy` falls only when no burst is outstanding (AXI rules on every
// exit path, so the next transfer never sees stale beats).
/* verilator lint_off UNUSEDSIGNAL */
module sm_axi_rd #(
  parameter AXI_AW = 64,
  parameter AXI_DW = 64,
  parameter MAX_BURST = 16
)(
  input  wire              clk,
  input  wire              rst_n,
  input  wire              abort,
  input  wire              start,
  input  wire [AXI_AW-1:0] addr,
  input  wire [31:0]       count,
  input  wire              u16,
  input  wire [AXI_AW-1:0] base,       // buffer this transfer belongs to (bytes)
  input  wire [31:0]       size,
  output wire              busy,
  output reg               err,
  output reg               rerr,       // a burst outside [base, base + size): not issued
  output wire [31:0]       u_data,
  output wire              u_valid,
  input  wire              u_ready,
  output reg               bus_wait,   // waiting for the slave (watchdog)
  // AXI4 AR/R
  output wire [AXI_AW-1:0] araddr,
  output wire [7:0]        arlen,
  output wire [2:0]        arsize,
  output wire [1:0]        arburst,
  output reg               arvalid,
  input  wire              arready,
  input  wire [AXI_DW-1:0] rdata,
  input  wire [1:0]        rresp,
  input  wire              rlast,
  input  wire              rvalid,
  output wire              rready
);
  localparam BPB = AXI_DW / 8;                 // bytes per beat
  localparam LBPB = $clog2(BPB);
  localparam U16PB = AXI_DW / 16;
  localparam U32PB = AXI_DW / 32;

  reg  [AXI_AW-1:0] cur;          // byte address of the next burst (beat aligned)
  reg  [31:0]       beats_left;   // beats not yet requested
  reg  [8:0]        burst_left;   // beats of the current burst not yet received
  reg  [31:0]       units_left;
  reg               active, in_burst;
  reg               drain;        // aborting: no new burst, R beats dropped
  reg  [AXI_DW-1:0] beat;
  reg               beat_valid;
  reg  [7:0]        ui;           // unit index in the held beat
  reg               first_beat;
  reg  [7:0]        skip;
  reg               mode16;
  reg  [7:0]        len_q;

  wire [7:0]  upb = mode16 ? U16PB[7:0] : U32PB[7:0];
  wire [12:0] to_4k = 13'd4096 - {1'b0, cur[11:0]};
  wire [31:0] beats_4k = {19'h0, to_4k} >> LBPB;
  // min(beats_left, MAX_BURST), registered wherever beats_left is (no compare on the AR path)
  reg  [31:0] blen0;
  wire [31:0] bl_start = u16 ? ({24'h0, 7'h0, addr[LBPB-1:1]} + count + U16PB - 1) / U16PB
                                  : ({24'h0, 7'h0, addr[LBPB-1:2]} + count + U32PB - 1) / U32PB;
  wire [31:0] bl_ar = beats_left - {23'h0, burst_left};
  wire [31:0] blen = (blen0 < beats_4k) ? blen0 : beats_4k;
  // the burst about to be issued: [cur, cur + blen * BPB) inside [lo, hi) (no wrap: hi <= 2^AW)
  `include "sm_axi_bounds.vh"

  assign araddr  = cur;
  assign arlen   = len_q;
  assign arsize  = LBPB[2:0];
  assign arburst = 2'b01;
  assign busy    = active;

  assign u_data  = mode16 ? {16'h0, beat[ui*16 +: 16]} : beat[ui*32 +: 32];
  assign u_valid = beat_valid && units_left != 0 && !drain;
  wire   u_hs    = u_valid && u_ready;
  wire   beat_done = beat_valid && ((u_hs && (ui + 8'd1 == upb || units_left == 32'd1)) ||
                                   units_left == 0);
  assign rready  = in_burst && (drain || !beat_valid || beat_done);
  wire   r_hs    = rvalid && rready;
  wire   stop    = drain || abort;

  always @(posedge clk) begin
    if (!rst_n) begin
      active <= 1'b0; in_burst <= 1'b0; arvalid <= 1'b0; beat_valid <= 1'b0; drain <= 1'b0;
      err <= 1'b0; rerr <= 1'b0; units_left <= 32'h0; beats_left <= 32'h0; blen0 <= 32'h0; burst_left <= 9'h0;
      cur <= {AXI_AW{1'b0}}; ui <= 8'h0; first_beat <= 1'b0; skip <= 8'h0; mode16 <= 1'b0;
      len_q <= 8'h0; beat <= {AXI_DW{1'b0}}; bus_wait <= 1'b0;
      bounds_reset;
    end else begin
      bus_wait <= (arvalid && !arready) || (in_burst && rready && !rvalid);
      if (abort) rerr <= 1'b0;   // the core has seen it (S_ABORT): clear for the next run
      if (start && !active) begin
        active <= (count != 0);
        err <= 1'b0;
        rerr <= 1'b0;
        drain <= 1'b0;
        mode16 <= u16;
        bounds_start({addr[AXI_AW-1:LBPB], {LBPB{1'b0}}}, base, size);
        skip <= u16 ? {7'h0, addr[LBPB-1:1]} : {7'h0, addr[LBPB-1:2]} >> 0;
        units_left <= count;
        // beats = ceil((skip + count) / upb)
        beats_left <= bl_start;
        blen0 <= (bl_start < MAX_BURST) ? bl_start : MAX_BURST;
        first_beat <= 1'b1;
        beat_valid <= 1'b0;
        in_burst <= 1'b0;
      end else if (active) begin
        if (abort) drain <= 1'b1;
        // issue a burst when none is in flight (and its range is inside the buffer)
        if (!in_burst && !arvalid && beats_left != 0 && !stop) begin
          if (b_ok) begin
            arvalid <= 1'b1;
            len_q <= blen[7:0] - 8'd1;
            burst_left <= blen[8:0];
          end else begin
            rerr <= 1'b1;
            drain <= 1'b1;
          end
        end
        if (arvalid && arready) begin    // VALID stays up until READY, abort or not
          arvalid <= 1'b0;
          in_burst <= 1'b1;
          beats_left <= bl_ar;
          blen0 <= (bl_ar < MAX_BURST) ? bl_ar : MAX_BURST;
          cur_set(cur + ({{(AXI_AW-9){1'b0}}, burst_left} << LBPB), lo_q, hi_q);
        end
        if (u_hs) begin
          units_left <= units_left - 32'd1;
          ui <= ui + 8'd1;
        end
        if (beat_done && !r_hs) beat_valid <= 1'b0;
        if (r_hs) begin
          if (!stop) begin
            beat <= rdata;
            beat_valid <= 1'b1;
            ui <= first_beat ? skip : 8'h0;
            first_beat <= 1'b0;
            if (rresp != 2'b00) err <= 1'b1;
          end
          burst_left <= burst_left - 9'd1;
          if (burst_left == 9'd1) in_burst <= 1'b0;
        end
        if (stop && !arvalid && !in_burst) begin   // nothing outstanding: done draining
          active <= 1'b0; beat_valid <= 1'b0; drain <= 1'b0;
        end
        if (units_left == 0 && !in_burst && !arvalid && beats_left == 0) active <= 1'b0;
        if (units_left == 32'd1 && u_hs && !in_burst && beats_left == 0) active <= 1'b0;
      end
    end
  end
endmodule
/* verilator lint_on UNUSEDSIGNAL */
