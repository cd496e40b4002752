// AXI4 write engine: writes `count` 16-bit elements (one per u_valid/u_ready handshake) to
// byte address `addr` (2-byte aligned), packing them into beats with WSTRB for partial first
// and last beats. INCR bursts of up to MAX_BURST beats, never crossing 4 KiB; AW, then the
// burst's W beats, then B. A BRESP other than OKAY sets `err`.
//
// Memory safety (quant/PROGRAM.md "Bounds"): before each AW, the burst's byte range
// [a, a + beats * BPB) is checked against [base, base + size) (AXI_AW + 1 bits: wrap-around at
// 2^AXI_AW is caught); a violation sets `rerr`, the AW is not issued and the engine stops.
// The check's wide parts are registers set with the cursor (`lo_ok`, `room` = end - cursor,
// `hi_ok`), so the AW decision compares the burst length with `room`'s low bits only.
// `abort` (a pulse) never abandons a burst: an AW whose VALID is up is held until its READY; the
// burst's remaining W beats are sent with WSTRB = 0 (WLAST on the last; a W beat already
// valid stays as it is until its READY), then its B response is taken; only then `busy` falls.
/* verilator lint_off UNUSEDSIGNAL */
module sm_axi_wr #(
  parameter AXI_AW = 64,
  parameter AXI_DW = 64,
  parameter MAX_BURST = 16
)(
  input  wire                clk,
  input  wire                rst_n,
  input  wire                abort,
  input  wire                start,
  input  wire [AXI_AW-1:0]   addr,
  input  wire [31:0]         count,
  input  wire [AXI_AW-1:0]   base,     // buffer this transfer belongs to (bytes)
  input  wire [31:0]         size,
  output wire                busy,
  output reg                 err,
  output reg                 rerr,     // a burst outside [base, base + size): not issued
  input  wire [15:0]         u_data,
  input  wire                u_valid,
  output wire                u_ready,
  output reg                 bus_wait,
  output wire [AXI_AW-1:0]   awaddr,
  output wire [7:0]          awlen,
  output wire [2:0]          awsize,
  output wire [1:0]          awburst,
  output reg                 awvalid,
  input  wire                awready,
  output reg  [AXI_DW-1:0]   wdata,
  output reg  [AXI_DW/8-1:0] wstrb,
  output wire                wlast,
  output reg                 wvalid,
  input  wire                wready,
  input  wire [1:0]          bresp,
  input  wire                bvalid,
  output wire                bready
);
  localparam BPB = AXI_DW / 8;
  localparam LBPB = $clog2(BPB);
  localparam UPB = AXI_DW / 16;
  localparam LUB = $clog2(UPB);         // lane < UPB (a power of two): its low bits index the beat
  localparam S_IDLE = 2'd0, S_AW = 2'd1, S_W = 2'd2, S_B = 2'd3;

  reg [1:0]        st;
  reg [AXI_AW-1:0] cur;
  reg [31:0]       beats_left;  // beats not yet covered by an AW
  reg [31:0]       units_left;
  reg [8:0]        blen_q, bcnt;
  reg [7:0]        lane;
  reg [7:0]        len_q;
  reg              drain;       // aborting: finish the issued burst with empty beats

  wire [12:0] to_4k = 13'd4096 - {1'b0, cur[11:0]};
  wire [31:0] beats_4k = {19'h0, to_4k} >> LBPB;
  // min(beats_left, MAX_BURST), registered wherever beats_left is (no compare on the AW path)
  reg  [31:0] blen0;
  wire [31:0] bl_start = ({24'h0, 7'h0, addr[LBPB-1:1]} + count + UPB - 1) / UPB;
  wire [31:0] bl_aw = beats_left - {23'h0, blen_q};
  wire [31:0] blen = (blen0 < beats_4k) ? blen0 : beats_4k;
  `include "sm_axi_bounds.vh"
  wire        stop = drain || abort;

  assign busy    = (st != S_IDLE);
  assign awaddr  = cur;
  assign awlen   = len_q;
  assign awsize  = LBPB[2:0];
  assign awburst = 2'b01;
  assign wlast   = (bcnt + 9'd1 == blen_q);
  assign bready  = (st == S_B);
  assign u_ready = (st == S_W) && !wvalid && units_left != 0 && !stop;
  wire   u_hs    = u_valid && u_ready;

  always @(posedge clk) begin
    if (!rst_n) begin
      st <= S_IDLE; awvalid <= 1'b0; wvalid <= 1'b0; err <= 1'b0; rerr <= 1'b0;
      cur <= {AXI_AW{1'b0}}; drain <= 1'b0;
      bounds_reset;
      beats_left <= 32'h0; blen0 <= 32'h0; units_left <= 32'h0; blen_q <= 9'h0; bcnt <= 9'h0; lane <= 8'h0;
      len_q <= 8'h0; wdata <= {AXI_DW{1'b0}}; wstrb <= {(AXI_DW/8){1'b0}}; bus_wait <= 1'b0;
    end else begin
      bus_wait <= (awvalid && !awready) || (wvalid && !wready) || (st == S_B && !bvalid);
      if (abort) rerr <= 1'b0;   // the core has seen it (S_ABORT): clear for the next run
      if (abort && st != S_IDLE) drain <= 1'b1;
      case (st)
        S_IDLE: if (start && count != 0) begin
          err <= 1'b0;
          rerr <= 1'b0;
          drain <= 1'b0;
          bounds_start({addr[AXI_AW-1:LBPB], {LBPB{1'b0}}}, base, size);
          lane <= {7'h0, addr[LBPB-1:1]} >> 0;
          units_left <= count;
          beats_left <= bl_start;
          blen0 <= (bl_start < MAX_BURST) ? bl_start : MAX_BURST;
          wstrb <= {(AXI_DW/8){1'b0}};
          st <= S_AW;
        end
        S_AW: begin
          if (!awvalid) begin
            if (stop) begin            // nothing issued: stop here
              st <= S_IDLE; drain <= 1'b0;
            end else if (!b_ok) begin  // outside the buffer: no AW, no further transaction
              rerr <= 1'b1; st <= S_IDLE;
            end else begin
              awvalid <= 1'b1;
              len_q <= blen[7:0] - 8'd1;
              blen_q <= blen[8:0];
              bcnt <= 9'h0;
            end
          end else if (awready) begin  // VALID stays up until READY, abort or not
            awvalid <= 1'b0;
            beats_left <= bl_aw;
            blen0 <= (bl_aw < MAX_BURST) ? bl_aw : MAX_BURST;
            cur_set(cur + ({{(AXI_AW-9){1'b0}}, blen_q} << LBPB), lo_q, hi_q);
            st <= S_W;
          end
        end
        S_W: begin
          if (wvalid && wready) begin
            wvalid <= 1'b0;
            wstrb <= {(AXI_DW/8){1'b0}};
            lane <= 8'h0;
            bcnt <= bcnt + 9'd1;
            if (wlast) st <= S_B;
            else if (stop) wvalid <= 1'b1;     // draining: the next beat, no byte written
          end else if (!wvalid && stop) begin
            wvalid <= 1'b1;                    // draining: a beat with WSTRB = 0
            wstrb <= {(AXI_DW/8){1'b0}};
          end else if (u_hs) begin
            wdata[lane[LUB-1:0]*16 +: 16] <= u_data;
            wstrb[lane[LUB-1:0]*2 +: 2] <= 2'b11;
            units_left <= units_left - 32'd1;
            lane <= lane + 8'd1;
            if (lane + 8'd1 == UPB || units_left == 32'd1) wvalid <= 1'b1;
          end
        end
        S_B: if (bvalid) begin
          if (bresp != 2'b00) err <= 1'b1;
          if (stop || beats_left == 0) begin st <= S_IDLE; drain <= 1'b0; end
          else st <= S_AW;
        end
      endcase
    end
  end
endmodule
/* verilator lint_on UNUSEDSIGNAL */
