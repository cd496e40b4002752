// AXI4 weight-stream read engine (one per m_axi_wgt<k> port): fetches this port's share of one
// streamed DENSE tile — rows K, K + NP, K + 2 NP, ... < `rows` of `rw` 32-bit words each, row r
// at byte `addr + r * rw * 4` (the tile is one contiguous row-major run of the program image's
// weight block) — and hands out every R beat whole, tagged with its row (weight bank), its beat
// index inside the row and the row's word offset in its first beat (`skip`), so the bank
// writer stores one full beat per cycle and the MAC array reads word j of the row at beat
// position j + skip. Rows that are not beat aligned cost at most one extra beat each.
//
// Bursts: INCR, at most MAX_BURST beats, never across a 4 KiB boundary, up to OUTS bursts
// outstanding (a first-beat latency of ~OUTS * MAX_BURST cycles is hidden); R is always ready
// (the stream-buffer slot being filled is reserved for this tile), so a port takes one beat
// per cycle.
//
// Memory safety (quant/PROGRAM.md "Bounds"): every burst's byte range is checked against the
// program buffer [base, base + size) given with `start`, in AXI_AW + 1 bits; a violation sets
// `rerr`, the burst is not issued and the engine stops issuing. The check is made once per
// row, on the row's whole beat range [ra rounded down, ra + 4 rw rounded up) that its bursts
// tile, and registered (`row_ok`) when the row is set up, a cycle before its first burst:
// no path runs from the burst length through a 65-bit add and compare into the AR.
// RRESP != OKAY sets `err`.
// `abort` (a pulse) stops issuing: an AR whose VALID is up is held until READY, the remaining
// R beats of issued bursts are accepted and dropped; `busy` falls only when nothing is
// outstanding.
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */
module sm_axi_stream_rd #(
  parameter AXI_AW = 64,
  parameter WGT_DW = 64,
  parameter MAX_BURST = 16,
  parameter OUTS = 8,            // bursts outstanding (power of two)
  parameter NP = 1,              // ports sharing the tile (row r goes to port r mod NP)
  parameter K = 0,               // this port
  parameter RWB = 10,            // bits of a row's word count
  parameter LPB = 3,             // bits of a row index inside a tile (log2 OUT_LANES, >= 1)
  parameter BIB = 8,             // bits of a beat index inside a row
  parameter HB = 1               // bits of a stream-buffer slot (tag only: WGT_BUFS <= 2^HB)
)(
  input  wire               clk,
  input  wire               rst_n,
  input  wire               abort,
  input  wire               start,     // a tile: taken whenever `issuing` is low, so the
                                       // next tile's bursts follow the last one's at once
  input  wire [HB-1:0]      half,      // its stream-buffer slot (tagged on every beat)
  input  wire [AXI_AW-1:0]  addr,      // byte address of the tile's row 0 (word aligned)
  input  wire [RWB-1:0]     rw,        // 32-bit words per row (>= 1)
  input  wire [LPB:0]       rows,      // rows in the tile (1 .. OUT_LANES)
  input  wire [AXI_AW-1:0]  base,      // the program buffer registered for this run
  input  wire [31:0]        size,
  output wire               busy,
  output wire               issuing_o, // still issuing this tile's bursts (no new start)
  output reg  [1:0]         tdone,     // tiles whose last beat (or empty share) came now
  output reg                err,
  output reg                rerr,
  output reg                bus_wait,
  // beat out (one per cycle, no back-pressure)
  output reg                wr_en,
  output reg  [HB-1:0]     wr_half,
  output reg  [LPB-1:0]     wr_row,
  output reg  [BIB-1:0]     wr_beat,
  output reg  [$clog2(WGT_DW/32 > 1 ? WGT_DW/32 : 2)-1:0] wr_skip,
  output reg  [WGT_DW-1:0]  wr_data,
  // AXI4 AR/R
  output wire [AXI_AW-1:0]  araddr,
  output wire [7:0]         arlen,
  output wire [2:0]         arsize,
  output wire [1:0]         arburst,
  output reg                arvalid,
  input  wire               arready,
  input  wire [WGT_DW-1:0]  rdata,
  input  wire [1:0]         rresp,
  input  wire               rlast,
  input  wire               rvalid,
  output wire               rready
);
  localparam BPB  = WGT_DW / 8;            // bytes per beat
  localparam LBPB = $clog2(BPB);
  localparam LU   = $clog2(WGT_DW / 32);   // log2 words per beat
  localparam SKW  = (LU > 0) ? LU : 1;
  localparam LO   = $clog2(OUTS);
  localparam NBW  = (BIB + 1 < 9) ? 9 : BIB + 1;   // beat counts (>= a 16-beat burst + 1)

  // w * 4 * m bytes for a small constant m (NP, K + 1 <= 7): shift-and-add, no multiplier
  function automatic [AXI_AW-1:0] rows_bytes(input [RWB-1:0] w, input integer m);
    integer k;
    begin
      rows_bytes = {AXI_AW{1'b0}};
      for (k = 0; k < 3; k = k + 1)
        if ((m >> k) & 1) rows_bytes = rows_bytes + ({{(AXI_AW-RWB){1'b0}}, w} << (k + 2));
    end
  endfunction

  reg               active, issuing, drain;
  reg  [AXI_AW-1:0] ra;          // byte address of the current row
  reg  [AXI_AW:0]   ra_end;      // ... and of the byte after it (ra + 4 rw; never wraps: a
                                 // row past 2^AXI_AW fails the check)
  reg               row_ok;      // the row's beat range lies in [lo_q, hi_q) (set with rowset)
  reg  [AXI_AW-1:0] cur;         // next burst (beat aligned)
  reg  [AXI_AW-1:0] stride;
  reg  [LPB:0]      row, nrows;
  reg  [NBW-1:0]    nbl;         // beats of the current row not yet requested
  reg  [BIB-1:0]    bi;          // beat index of the next burst inside its row
  reg               rowset;      // the row's burst state (cur, nbl, bi) is set up
  reg  [RWB-1:0]    rw_q;
  reg  [7:0]        len_q;
  reg  [AXI_AW:0]   lo_q, hi_q;

  // outstanding bursts, in issue order (one ID: R beats return in that order)
  reg  [LPB-1:0]    f_row  [0:OUTS-1];
  reg  [BIB-1:0]    f_bi   [0:OUTS-1];
  reg  [SKW-1:0]    f_skip [0:OUTS-1];
  reg  [7:0]        f_len  [0:OUTS-1];   // beats - 1
  reg  [HB-1:0]     f_half [0:OUTS-1];   // stream-buffer slot of its tile
  reg               f_tl   [0:OUTS-1];   // the last burst of this port's share of its tile
  reg  [HB-1:0]     half_q;
  reg               empty_pend;          // a tile with no row here, done after the bursts
                                         // of the tiles before it (counts stay in order)
  reg  [LO-1:0]     f_wp, f_rp;
  reg  [LO:0]       f_n;         // bursts issued (AR up or done) and not fully received
  reg  [BIB-1:0]    r_bi;        // beat index of the next R beat

  wire [12:0] to_4k = 13'd4096 - {1'b0, cur[11:0]};
  wire [12:0]    beats_4k = to_4k >> LBPB;        // up to 512: 13 bits, not NBW
  wire [NBW-1:0] blen0 = (nbl < MAX_BURST) ? nbl : MAX_BURST;
  wire [NBW-1:0] blen = ({4'h0, blen0} < beats_4k) ? blen0 : beats_4k[NBW-1:0];
  // the row's beats [ra_al, roundup(ra_end)) lie in [lo_q, hi_q): roundup(x) <= h, a beat
  // multiple, iff x <= h rounded down to a beat
  wire [AXI_AW:0] ra_al = {1'b0, ra[AXI_AW-1:LBPB], {LBPB{1'b0}}};
  wire [AXI_AW:0] hi_al = {hi_q[AXI_AW:LBPB], {LBPB{1'b0}}};
  wire        r_ok = (ra_al >= lo_q) && (ra_end <= hi_al) &&
                     (hi_q <= ({{AXI_AW{1'b0}}, 1'b1} << AXI_AW));
  // beats of a row starting at byte address a: ceil((a mod BPB + rw * 4) / BPB)
  wire [AXI_AW-1:0] ra_bytes = {{(AXI_AW-RWB){1'b0}}, rw_q} << 2;
  wire [AXI_AW-1:0] row_span = {{(AXI_AW-LBPB){1'b0}}, ra[LBPB-1:0]} + ra_bytes + (BPB - 1);
  wire        stop = drain || abort;

  assign araddr  = cur;
  assign arlen   = len_q;
  assign arsize  = LBPB[2:0];
  assign arburst = 2'b01;
  assign busy    = active;
  assign issuing_o = issuing;
  assign rready  = 1'b1;          // beats always taken (stored, or dropped when draining)
  wire   r_hs    = rvalid;

  integer i;
  always @(posedge clk) begin
    if (!rst_n) begin
      active <= 1'b0; issuing <= 1'b0; drain <= 1'b0; arvalid <= 1'b0; err <= 1'b0;
      rerr <= 1'b0; bus_wait <= 1'b0; wr_en <= 1'b0; f_wp <= {LO{1'b0}};
      f_rp <= {LO{1'b0}}; f_n <= {(LO+1){1'b0}}; r_bi <= {BIB{1'b0}}; rowset <= 1'b0;
      len_q <= 8'h0; cur <= {AXI_AW{1'b0}}; ra <= {AXI_AW{1'b0}}; row <= {(LPB+1){1'b0}};
      ra_end <= {(AXI_AW+1){1'b0}}; row_ok <= 1'b0;
      nrows <= {(LPB+1){1'b0}}; nbl <= {NBW{1'b0}}; bi <= {BIB{1'b0}};
      stride <= {AXI_AW{1'b0}}; rw_q <= {RWB{1'b0}};
      lo_q <= {(AXI_AW+1){1'b0}}; hi_q <= {(AXI_AW+1){1'b0}};
      wr_row <= {LPB{1'b0}}; wr_beat <= {BIB{1'b0}}; wr_skip <= 0; wr_data <= {WGT_DW{1'b0}};
      wr_half <= {HB{1'b0}}; tdone <= 2'b00; half_q <= {HB{1'b0}}; empty_pend <= 1'b0;
    end else begin
      wr_en <= 1'b0;
      bus_wait <= (arvalid && !arready) || (f_n != 0 && !(arvalid && f_n == 1) && !rvalid);
      if (abort) begin err <= 1'b0; rerr <= 1'b0; end  // seen by the core (S_ABORT)
      if (active) begin
        if (abort) drain <= 1'b1;
        // one row at a time: set up its bursts, issue them, step NP rows on
        if (issuing && !rowset && !stop) begin
          cur <= {ra[AXI_AW-1:LBPB], {LBPB{1'b0}}};
          nbl <= row_span >> LBPB;
          bi <= {BIB{1'b0}};
          rowset <= 1'b1;
          row_ok <= r_ok;
        end
        if (issuing && rowset && !arvalid && !stop && f_n < OUTS) begin
          if (nbl == 0) begin   // row done: the next row of this port
            rowset <= 1'b0;
            ra <= ra + stride;
            ra_end <= ra_end + {1'b0, stride};
            row <= row + NP;
            if ({{(31-LPB){1'b0}}, row} + NP >= {{(31-LPB){1'b0}}, nrows}) issuing <= 1'b0;
          end else if (row_ok) begin
            arvalid <= 1'b1;
            len_q <= blen[7:0] - 8'd1;
            f_row[f_wp] <= row[LPB-1:0];
            f_bi[f_wp] <= bi;
            f_skip[f_wp] <= ra[LBPB-1:0] >> 2;
            f_len[f_wp] <= blen[7:0] - 8'd1;
            f_half[f_wp] <= half_q;
            f_tl[f_wp] <= (nbl == blen) &&
                          ({{(31-LPB){1'b0}}, row} + NP >= {{(31-LPB){1'b0}}, nrows});
            f_wp <= f_wp + 1'b1;
          end else begin
            rerr <= 1'b1;
            drain <= 1'b1;
          end
        end
        if (arvalid && arready) begin   // VALID stays up until READY, abort or not
          arvalid <= 1'b0;
          cur <= cur + ({{(AXI_AW-8){1'b0}}, len_q} + 1'b1 << LBPB);
          nbl <= nbl - ({1'b0, len_q} + 1'b1);
          bi <= bi + len_q + 1'b1;
        end
        if (r_hs && f_n != 0) begin
          if (!stop) begin
            wr_en <= 1'b1;
            wr_row <= f_row[f_rp];
            wr_beat <= f_bi[f_rp] + r_bi;
            wr_skip <= f_skip[f_rp];
            wr_half <= f_half[f_rp];
            wr_data <= rdata;
            if (rresp != 2'b00) err <= 1'b1;
          end
          if (r_bi == f_len[f_rp]) begin r_bi <= {BIB{1'b0}}; f_rp <= f_rp + 1'b1; end
          else r_bi <= r_bi + 1'b1;
        end
        // bursts in flight: +1 when an AR is set up, -1 on the last R beat of one
        f_n <= f_n + ((issuing && rowset && !arvalid && !stop && f_n < OUTS && nbl != 0 &&
                       row_ok) ? 1'b1 : 1'b0) - ((r_hs && f_n != 0 && r_bi == f_len[f_rp]) ? 1'b1 : 1'b0);
        if (!arvalid && f_n == 0 && (stop || !issuing)) begin
          active <= 1'b0; drain <= 1'b0;
          issuing <= 1'b0; rowset <= 1'b0;   // an aborted tile is dropped
        end
      end
      // tiles done: the last beat of a tile's last burst, or a tile with no row for this port
      tdone <= ((active && r_hs && f_n != 0 && r_bi == f_len[f_rp] && f_tl[f_rp]) ? 2'd1 : 2'd0)
             + ((empty_pend && f_n == 0) ? 2'd1 : 2'd0);
      if (empty_pend && f_n == 0) empty_pend <= 1'b0;
      if (start && !issuing) begin   // a new tile (the last one's bursts may be in flight)
        active <= 1'b1;
        if (!active) begin err <= 1'b0; rerr <= 1'b0; drain <= 1'b0; r_bi <= {BIB{1'b0}}; end
        half_q <= half;
        lo_q <= {1'b0, base};
        hi_q <= {1'b0, base} + {{(AXI_AW-31){1'b0}}, size};
        rw_q <= rw;
        nrows <= rows;
        stride <= rows_bytes(rw, NP);
        row <= K;
        ra <= addr + rows_bytes(rw, K);
        ra_end <= {1'b0, addr} + {1'b0, rows_bytes(rw, K + 1)};
        issuing <= ({{(31-LPB){1'b0}}, rows} > K);
        empty_pend <= ({{(31-LPB){1'b0}}, rows} <= K);
        rowset <= 1'b0;
      end
    end
  end
endmodule
/* verilator lint_on WIDTHTRUNC */
/* verilator lint_on WIDTHEXPAND */
/* verilator lint_on UNUSEDSIGNAL */
