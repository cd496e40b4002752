// generated from spacemimo/spec/ecc.py by `spacemimo gen` — do not edit
// SECDED: stored word {check, data}; dec returns {uncorrectable, corrected, data}.
// Locals are prefixed ecc_ so that no function hides a signal of the includer.
// Interleaved parity: 8 bits, bit g = XOR of data bits i with i % 8 == g.

// SECDED over 8 data bits: 5 check bits, positions 1..12
function [4:0] sm_secded_enc8;
  input [7:0] ecc_d;
  begin
    sm_secded_enc8[0] = ^(ecc_d & 8'h5B);
    sm_secded_enc8[1] = ^(ecc_d & 8'h6D);
    sm_secded_enc8[2] = ^(ecc_d & 8'h8E);
    sm_secded_enc8[3] = ^(ecc_d & 8'hF0);
    sm_secded_enc8[4] = ^(ecc_d & 8'hB7);
  end
endfunction

function [9:0] sm_secded_dec8;
  input [7:0] ecc_d;
  input [4:0] ecc_c;
  reg [4:0] ecc_syn;
  reg [7:0] ecc_flip;
  reg ecc_p, ecc_bad;
  begin
    ecc_syn = sm_secded_enc8(ecc_d) ^ ecc_c;
    ecc_p = ^ecc_syn;
    ecc_bad = ecc_syn[3:0] > 4'd12;
    case (ecc_syn[3:0])
      4'd3: ecc_flip = 8'h01;
      4'd5: ecc_flip = 8'h02;
      4'd6: ecc_flip = 8'h04;
      4'd7: ecc_flip = 8'h08;
      4'd9: ecc_flip = 8'h10;
      4'd10: ecc_flip = 8'h20;
      4'd11: ecc_flip = 8'h40;
      4'd12: ecc_flip = 8'h80;
      default: ecc_flip = 8'h0;
    endcase
    if (!ecc_p || ecc_bad) ecc_flip = 8'h0;
    sm_secded_dec8 = {(ecc_p && ecc_bad) || (!ecc_p && |ecc_syn[3:0]), ecc_p && !ecc_bad, ecc_d ^ ecc_flip};
  end
endfunction

// SECDED over 9 data bits: 5 check bits, positions 1..13
function [4:0] sm_secded_enc9;
  input [8:0] ecc_d;
  begin
    sm_secded_enc9[0] = ^(ecc_d & 9'h15B);
    sm_secded_enc9[1] = ^(ecc_d & 9'h06D);
    sm_secded_enc9[2] = ^(ecc_d & 9'h18E);
    sm_secded_enc9[3] = ^(ecc_d & 9'h1F0);
    sm_secded_enc9[4] = ^(ecc_d & 9'h0B7);
  end
endfunction

function [10:0] sm_secded_dec9;
  input [8:0] ecc_d;
  input [4:0] ecc_c;
  reg [4:0] ecc_syn;
  reg [8:0] ecc_flip;
  reg ecc_p, ecc_bad;
  begin
    ecc_syn = sm_secded_enc9(ecc_d) ^ ecc_c;
    ecc_p = ^ecc_syn;
    ecc_bad = ecc_syn[3:0] > 4'd13;
    case (ecc_syn[3:0])
      4'd3: ecc_flip = 9'h001;
      4'd5: ecc_flip = 9'h002;
      4'd6: ecc_flip = 9'h004;
      4'd7: ecc_flip = 9'h008;
      4'd9: ecc_flip = 9'h010;
      4'd10: ecc_flip = 9'h020;
      4'd11: ecc_flip = 9'h040;
      4'd12: ecc_flip = 9'h080;
      4'd13: ecc_flip = 9'h100;
      default: ecc_flip = 9'h0;
    endcase
    if (!ecc_p || ecc_bad) ecc_flip = 9'h0;
    sm_secded_dec9 = {(ecc_p && ecc_bad) || (!ecc_p && |ecc_syn[3:0]), ecc_p && !ecc_bad, ecc_d ^ ecc_flip};
  end
endfunction

// SECDED over 16 data bits: 6 check bits, positions 1..21
function [5:0] sm_secded_enc16;
  input [15:0] ecc_d;
  begin
    sm_secded_enc16[0] = ^(ecc_d & 16'hAD5B);
    sm_secded_enc16[1] = ^(ecc_d & 16'h366D);
    sm_secded_enc16[2] = ^(ecc_d & 16'hC78E);
    sm_secded_enc16[3] = ^(ecc_d & 16'h07F0);
    sm_secded_enc16[4] = ^(ecc_d & 16'hF800);
    sm_secded_enc16[5] = ^(ecc_d & 16'h5CB7);
  end
endfunction

function [17:0] sm_secded_dec16;
  input [15:0] ecc_d;
  input [5:0] ecc_c;
  reg [5:0] ecc_syn;
  reg [15:0] ecc_flip;
  reg ecc_p, ecc_bad;
  begin
    ecc_syn = sm_secded_enc16(ecc_d) ^ ecc_c;
    ecc_p = ^ecc_syn;
    ecc_bad = ecc_syn[4:0] > 5'd21;
    case (ecc_syn[4:0])
      5'd3: ecc_flip = 16'h0001;
      5'd5: ecc_flip = 16'h0002;
      5'd6: ecc_flip = 16'h0004;
      5'd7: ecc_flip = 16'h0008;
      5'd9: ecc_flip = 16'h0010;
      5'd10: ecc_flip = 16'h0020;
      5'd11: ecc_flip = 16'h0040;
      5'd12: ecc_flip = 16'h0080;
      5'd13: ecc_flip = 16'h0100;
      5'd14: ecc_flip = 16'h0200;
      5'd15: ecc_flip = 16'h0400;
      5'd17: ecc_flip = 16'h0800;
      5'd18: ecc_flip = 16'h1000;
      5'd19: ecc_flip = 16'h2000;
      5'd20: ecc_flip = 16'h4000;
      5'd21: ecc_flip = 16'h8000;
      default: ecc_flip = 16'h0;
    endcase
    if (!ecc_p || ecc_bad) ecc_flip = 16'h0;
    sm_secded_dec16 = {(ecc_p && ecc_bad) || (!ecc_p && |ecc_syn[4:0]), ecc_p && !ecc_bad, ecc_d ^ ecc_flip};
  end
endfunction

// SECDED over 17 data bits: 6 check bits, positions 1..22
function [5:0] sm_secded_enc17;
  input [16:0] ecc_d;
  begin
    sm_secded_enc17[0] = ^(ecc_d & 17'h0AD5B);
    sm_secded_enc17[1] = ^(ecc_d & 17'h1366D);
    sm_secded_enc17[2] = ^(ecc_d & 17'h1C78E);
    sm_secded_enc17[3] = ^(ecc_d & 17'h007F0);
    sm_secded_enc17[4] = ^(ecc_d & 17'h1F800);
    sm_secded_enc17[5] = ^(ecc_d & 17'h05CB7);
  end
endfunction

function [18:0] sm_secded_dec17;
  input [16:0] ecc_d;
  input [5:0] ecc_c;
  reg [5:0] ecc_syn;
  reg [16:0] ecc_flip;
  reg ecc_p, ecc_bad;
  begin
    ecc_syn = sm_secded_enc17(ecc_d) ^ ecc_c;
    ecc_p = ^ecc_syn;
    ecc_bad = ecc_syn[4:0] > 5'd22;
    case (ecc_syn[4:0])
      5'd3: ecc_flip = 17'h00001;
      5'd5: ecc_flip = 17'h00002;
      5'd6: ecc_flip = 17'h00004;
      5'd7: ecc_flip = 17'h00008;
      5'd9: ecc_flip = 17'h00010;
      5'd10: ecc_flip = 17'h00020;
      5'd11: ecc_flip = 17'h00040;
      5'd12: ecc_flip = 17'h00080;
      5'd13: ecc_flip = 17'h00100;
      5'd14: ecc_flip = 17'h00200;
      5'd15: ecc_flip = 17'h00400;
      5'd17: ecc_flip = 17'h00800;
      5'd18: ecc_flip = 17'h01000;
      5'd19: ecc_flip = 17'h02000;
      5'd20: ecc_flip = 17'h04000;
      5'd21: ecc_flip = 17'h08000;
      5'd22: ecc_flip = 17'h10000;
      default: ecc_flip = 17'h0;
    endcase
    if (!ecc_p || ecc_bad) ecc_flip = 17'h0;
    sm_secded_dec17 = {(ecc_p && ecc_bad) || (!ecc_p && |ecc_syn[4:0]), ecc_p && !ecc_bad, ecc_d ^ ecc_flip};
  end
endfunction

// SECDED over 32 data bits: 7 check bits, positions 1..38
function [6:0] sm_secded_enc32;
  input [31:0] ecc_d;
  begin
    sm_secded_enc32[0] = ^(ecc_d & 32'h56AAAD5B);
    sm_secded_enc32[1] = ^(ecc_d & 32'h9B33366D);
    sm_secded_enc32[2] = ^(ecc_d & 32'hE3C3C78E);
    sm_secded_enc32[3] = ^(ecc_d & 32'h03FC07F0);
    sm_secded_enc32[4] = ^(ecc_d & 32'h03FFF800);
    sm_secded_enc32[5] = ^(ecc_d & 32'hFC000000);
    sm_secded_enc32[6] = ^(ecc_d & 32'h2DA65CB7);
  end
endfunction

function [33:0] sm_secded_dec32;
  input [31:0] ecc_d;
  input [6:0] ecc_c;
  reg [6:0] ecc_syn;
  reg [31:0] ecc_flip;
  reg ecc_p, ecc_bad;
  begin
    ecc_syn = sm_secded_enc32(ecc_d) ^ ecc_c;
    ecc_p = ^ecc_syn;
    ecc_bad = ecc_syn[5:0] > 6'd38;
    case (ecc_syn[5:0])
      6'd3: ecc_flip = 32'h00000001;
      6'd5: ecc_flip = 32'h00000002;
      6'd6: ecc_flip = 32'h00000004;
      6'd7: ecc_flip = 32'h00000008;
      6'd9: ecc_flip = 32'h00000010;
      6'd10: ecc_flip = 32'h00000020;
      6'd11: ecc_flip = 32'h00000040;
      6'd12: ecc_flip = 32'h00000080;
      6'd13: ecc_flip = 32'h00000100;
      6'd14: ecc_flip = 32'h00000200;
      6'd15: ecc_flip = 32'h00000400;
      6'd17: ecc_flip = 32'h00000800;
      6'd18: ecc_flip = 32'h00001000;
      6'd19: ecc_flip = 32'h00002000;
      6'd20: ecc_flip = 32'h00004000;
      6'd21: ecc_flip = 32'h00008000;
      6'd22: ecc_flip = 32'h00010000;
      6'd23: ecc_flip = 32'h00020000;
      6'd24: ecc_flip = 32'h00040000;
      6'd25: ecc_flip = 32'h00080000;
      6'd26: ecc_flip = 32'h00100000;
      6'd27: ecc_flip = 32'h00200000;
      6'd28: ecc_flip = 32'h00400000;
      6'd29: ecc_flip = 32'h00800000;
      6'd30: ecc_flip = 32'h01000000;
      6'd31: ecc_flip = 32'h02000000;
      6'd33: ecc_flip = 32'h04000000;
      6'd34: ecc_flip = 32'h08000000;
      6'd35: ecc_flip = 32'h10000000;
      6'd36: ecc_flip = 32'h20000000;
      6'd37: ecc_flip = 32'h40000000;
      6'd38: ecc_flip = 32'h80000000;
      default: ecc_flip = 32'h0;
    endcase
    if (!ecc_p || ecc_bad) ecc_flip = 32'h0;
    sm_secded_dec32 = {(ecc_p && ecc_bad) || (!ecc_p && |ecc_syn[5:0]), ecc_p && !ecc_bad, ecc_d ^ ecc_flip};
  end
endfunction

// SECDED over 48 data bits: 7 check bits, positions 1..54
function [6:0] sm_secded_enc48;
  input [47:0] ecc_d;
  begin
    sm_secded_enc48[0] = ^(ecc_d & 48'h555556AAAD5B);
    sm_secded_enc48[1] = ^(ecc_d & 48'h99999B33366D);
    sm_secded_enc48[2] = ^(ecc_d & 48'hE1E1E3C3C78E);
    sm_secded_enc48[3] = ^(ecc_d & 48'h01FE03FC07F0);
    sm_secded_enc48[4] = ^(ecc_d & 48'hFE0003FFF800);
    sm_secded_enc48[5] = ^(ecc_d & 48'hFFFFFC000000);
    sm_secded_enc48[6] = ^(ecc_d & 48'hD2D32DA65CB7);
  end
endfunction

function [49:0] sm_secded_dec48;
  input [47:0] ecc_d;
  input [6:0] ecc_c;
  reg [6:0] ecc_syn;
  reg [47:0] ecc_flip;
  reg ecc_p, ecc_bad;
  begin
    ecc_syn = sm_secded_enc48(ecc_d) ^ ecc_c;
    ecc_p = ^ecc_syn;
    ecc_bad = ecc_syn[5:0] > 6'd54;
    case (ecc_syn[5:0])
      6'd3: ecc_flip = 48'h000000000001;
      6'd5: ecc_flip = 48'h000000000002;
      6'd6: ecc_flip = 48'h000000000004;
      6'd7: ecc_flip = 48'h000000000008;
      6'd9: ecc_flip = 48'h000000000010;
      6'd10: ecc_flip = 48'h000000000020;
      6'd11: ecc_flip = 48'h000000000040;
      6'd12: ecc_flip = 48'h000000000080;
      6'd13: ecc_flip = 48'h000000000100;
      6'd14: ecc_flip = 48'h000000000200;
      6'd15: ecc_flip = 48'h000000000400;
      6'd17: ecc_flip = 48'h000000000800;
      6'd18: ecc_flip = 48'h000000001000;
      6'd19: ecc_flip = 48'h000000002000;
      6'd20: ecc_flip = 48'h000000004000;
      6'd21: ecc_flip = 48'h000000008000;
      6'd22: ecc_flip = 48'h000000010000;
      6'd23: ecc_flip = 48'h000000020000;
      6'd24: ecc_flip = 48'h000000040000;
      6'd25: ecc_flip = 48'h000000080000;
      6'd26: ecc_flip = 48'h000000100000;
      6'd27: ecc_flip = 48'h000000200000;
      6'd28: ecc_flip = 48'h000000400000;
      6'd29: ecc_flip = 48'h000000800000;
      6'd30: ecc_flip = 48'h000001000000;
      6'd31: ecc_flip = 48'h000002000000;
      6'd33: ecc_flip = 48'h000004000000;
      6'd34: ecc_flip = 48'h000008000000;
      6'd35: ecc_flip = 48'h000010000000;
      6'd36: ecc_flip = 48'h000020000000;
      6'd37: ecc_flip = 48'h000040000000;
      6'd38: ecc_flip = 48'h000080000000;
      6'd39: ecc_flip = 48'h000100000000;
      6'd40: ecc_flip = 48'h000200000000;
      6'd41: ecc_flip = 48'h000400000000;
      6'd42: ecc_flip = 48'h000800000000;
      6'd43: ecc_flip = 48'h001000000000;
      6'd44: ecc_flip = 48'h002000000000;
      6'd45: ecc_flip = 48'h004000000000;
      6'd46: ecc_flip = 48'h008000000000;
      6'd47: ecc_flip = 48'h010000000000;
      6'd48: ecc_flip = 48'h020000000000;
      6'd49: ecc_flip = 48'h040000000000;
      6'd50: ecc_flip = 48'h080000000000;
      6'd51: ecc_flip = 48'h100000000000;
      6'd52: ecc_flip = 48'h200000000000;
      6'd53: ecc_flip = 48'h400000000000;
      6'd54: ecc_flip = 48'h800000000000;
      default: ecc_flip = 48'h0;
    endcase
    if (!ecc_p || ecc_bad) ecc_flip = 48'h0;
    sm_secded_dec48 = {(ecc_p && ecc_bad) || (!ecc_p && |ecc_syn[5:0]), ecc_p && !ecc_bad, ecc_d ^ ecc_flip};
  end
endfunction

// SECDED over 64 data bits: 8 check bits, positions 1..71
function [7:0] sm_secded_enc64;
  input [63:0] ecc_d;
  begin
    sm_secded_enc64[0] = ^(ecc_d & 64'hAB55555556AAAD5B);
    sm_secded_enc64[1] = ^(ecc_d & 64'hCD9999999B33366D);
    sm_secded_enc64[2] = ^(ecc_d & 64'hF1E1E1E1E3C3C78E);
    sm_secded_enc64[3] = ^(ecc_d & 64'h01FE01FE03FC07F0);
    sm_secded_enc64[4] = ^(ecc_d & 64'h01FFFE0003FFF800);
    sm_secded_enc64[5] = ^(ecc_d & 64'h01FFFFFFFC000000);
    sm_secded_enc64[6] = ^(ecc_d & 64'hFE00000000000000);
    sm_secded_enc64[7] = ^(ecc_d & 64'h972CD2D32DA65CB7);
  end
endfunction

function [65:0] sm_secded_dec64;
  input [63:0] ecc_d;
  input [7:0] ecc_c;
  reg [7:0] ecc_syn;
  reg [63:0] ecc_flip;
  reg ecc_p, ecc_bad;
  begin
    ecc_syn = sm_secded_enc64(ecc_d) ^ ecc_c;
    ecc_p = ^ecc_syn;
    ecc_bad = ecc_syn[6:0] > 7'd71;
    case (ecc_syn[6:0])
      7'd3: ecc_flip = 64'h0000000000000001;
      7'd5: ecc_flip = 64'h0000000000000002;
      7'd6: ecc_flip = 64'h0000000000000004;
      7'd7: ecc_flip = 64'h0000000000000008;
      7'd9: ecc_flip = 64'h0000000000000010;
      7'd10: ecc_flip = 64'h0000000000000020;
      7'd11: ecc_flip = 64'h0000000000000040;
      7'd12: ecc_flip = 64'h0000000000000080;
      7'd13: ecc_flip = 64'h0000000000000100;
      7'd14: ecc_flip = 64'h0000000000000200;
      7'd15: ecc_flip = 64'h0000000000000400;
      7'd17: ecc_flip = 64'h0000000000000800;
      7'd18: ecc_flip = 64'h0000000000001000;
      7'd19: ecc_flip = 64'h0000000000002000;
      7'd20: ecc_flip = 64'h0000000000004000;
      7'd21: ecc_flip = 64'h0000000000008000;
      7'd22: ecc_flip = 64'h0000000000010000;
      7'd23: ecc_flip = 64'h0000000000020000;
      7'd24: ecc_flip = 64'h0000000000040000;
      7'd25: ecc_flip = 64'h0000000000080000;
      7'd26: ecc_flip = 64'h0000000000100000;
      7'd27: ecc_flip = 64'h0000000000200000;
      7'd28: ecc_flip = 64'h0000000000400000;
      7'd29: ecc_flip = 64'h0000000000800000;
      7'd30: ecc_flip = 64'h0000000001000000;
      7'd31: ecc_flip = 64'h0000000002000000;
      7'd33: ecc_flip = 64'h0000000004000000;
      7'd34: ecc_flip = 64'h0000000008000000;
      7'd35: ecc_flip = 64'h0000000010000000;
      7'd36: ecc_flip = 64'h0000000020000000;
      7'd37: ecc_flip = 64'h0000000040000000;
      7'd38: ecc_flip = 64'h0000000080000000;
      7'd39: ecc_flip = 64'h0000000100000000;
      7'd40: ecc_flip = 64'h0000000200000000;
      7'd41: ecc_flip = 64'h0000000400000000;
      7'd42: ecc_flip = 64'h0000000800000000;
      7'd43: ecc_flip = 64'h0000001000000000;
      7'd44: ecc_flip = 64'h0000002000000000;
      7'd45: ecc_flip = 64'h0000004000000000;
      7'd46: ecc_flip = 64'h0000008000000000;
      7'd47: ecc_flip = 64'h0000010000000000;
      7'd48: ecc_flip = 64'h0000020000000000;
      7'd49: ecc_flip = 64'h0000040000000000;
      7'd50: ecc_flip = 64'h0000080000000000;
      7'd51: ecc_flip = 64'h0000100000000000;
      7'd52: ecc_flip = 64'h0000200000000000;
      7'd53: ecc_flip = 64'h0000400000000000;
      7'd54: ecc_flip = 64'h0000800000000000;
      7'd55: ecc_flip = 64'h0001000000000000;
      7'd56: ecc_flip = 64'h0002000000000000;
      7'd57: ecc_flip = 64'h0004000000000000;
      7'd58: ecc_flip = 64'h0008000000000000;
      7'd59: ecc_flip = 64'h0010000000000000;
      7'd60: ecc_flip = 64'h0020000000000000;
      7'd61: ecc_flip = 64'h0040000000000000;
      7'd62: ecc_flip = 64'h0080000000000000;
      7'd63: ecc_flip = 64'h0100000000000000;
      7'd65: ecc_flip = 64'h0200000000000000;
      7'd66: ecc_flip = 64'h0400000000000000;
      7'd67: ecc_flip = 64'h0800000000000000;
      7'd68: ecc_flip = 64'h1000000000000000;
      7'd69: ecc_flip = 64'h2000000000000000;
      7'd70: ecc_flip = 64'h4000000000000000;
      7'd71: ecc_flip = 64'h8000000000000000;
      default: ecc_flip = 64'h0;
    endcase
    if (!ecc_p || ecc_bad) ecc_flip = 64'h0;
    sm_secded_dec64 = {(ecc_p && ecc_bad) || (!ecc_p && |ecc_syn[6:0]), ecc_p && !ecc_bad, ecc_d ^ ecc_flip};
  end
endfunction

function [7:0] sm_iparity32;
  input [31:0] ecc_d;
  begin
    sm_iparity32[0] = ^(ecc_d & 32'h01010101);
    sm_iparity32[1] = ^(ecc_d & 32'h02020202);
    sm_iparity32[2] = ^(ecc_d & 32'h04040404);
    sm_iparity32[3] = ^(ecc_d & 32'h08080808);
    sm_iparity32[4] = ^(ecc_d & 32'h10101010);
    sm_iparity32[5] = ^(ecc_d & 32'h20202020);
    sm_iparity32[6] = ^(ecc_d & 32'h40404040);
    sm_iparity32[7] = ^(ecc_d & 32'h80808080);
  end
endfunction

function [7:0] sm_iparity512;
  input [511:0] ecc_d;
  begin
    sm_iparity512[0] = ^(ecc_d & 512'h01010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101);
    sm_iparity512[1] = ^(ecc_d & 512'h02020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202);
    sm_iparity512[2] = ^(ecc_d & 512'h04040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404);
    sm_iparity512[3] = ^(ecc_d & 512'h08080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808);
    sm_iparity512[4] = ^(ecc_d & 512'h10101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010);
    sm_iparity512[5] = ^(ecc_d & 512'h20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020);
    sm_iparity512[6] = ^(ecc_d & 512'h40404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040404040);
    sm_iparity512[7] = ^(ecc_d & 512'h80808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080);
  end
endfunction
