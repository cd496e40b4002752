// generated from board/regmap.yaml by spacemimo.board.regmap — do not edit
localparam integer REGMAP_VERSION = 1;
localparam [31:0] REGMAP_HW_ID = 32'h534D0001;
localparam integer REGMAP_ADDR_W = 8;
localparam [7:0] REG_CTRL = 8'h00;  // ap_ctrl_hs control
localparam integer REG_CTRL_AP_START = 0;
localparam integer REG_CTRL_AP_DONE = 1;
localparam integer REG_CTRL_AP_IDLE = 2;
localparam integer REG_CTRL_AP_READY = 3;
localparam integer REG_CTRL_AUTO_RESTART = 7;
localparam [7:0] REG_GIE = 8'h04;  // global interrupt enable (bit 0)
localparam [7:0] REG_IER = 8'h08;  // interrupt enable: bit0 done, bit1 ready
localparam [7:0] REG_ISR = 8'h0C;  // interrupt status, toggle-on-write
localparam [7:0] REG_PROGRAM_ADDR_LO = 8'h10;  // program image byte address [31:0]
localparam [7:0] REG_PROGRAM_ADDR_HI = 8'h14;  // program image byte address [63:32]
localparam [7:0] REG_INPUT_ADDR_LO = 8'h1C;  // input tables (int16) byte address [31:0]
localparam [7:0] REG_INPUT_ADDR_HI = 8'h20;  // input tables byte address [63:32]
localparam [7:0] REG_OUTPUT_ADDR_LO = 8'h28;  // output tables (int16) byte address [31:0]
localparam [7:0] REG_OUTPUT_ADDR_HI = 8'h2C;  // output tables byte address [63:32]
localparam [7:0] REG_NUM_VECTORS = 8'h34;  // input tables to run back to back (>= 1)
localparam [7:0] REG_MODE = 8'h3C;  // run mode
localparam integer REG_MODE_LOAD_PROGRAM = 0;
localparam [7:0] REG_STATUS = 8'h44;  // error code of the last run (quant/PROGRAM.md ERROR_CODES)
localparam [7:0] REG_CYCLES_LO = 8'h4C;  // cycles from start to done of the last run [31:0]
localparam [7:0] REG_CYCLES_HI = 8'h50;  // cycles [63:32]
localparam [7:0] REG_HW_ID = 8'h58;  // 0x534D0001: 'SM' + register-map version
localparam [7:0] REG_HW_CONFIG = 8'h60;  // synthesized maxima: [7:0] MAX_ROWS, [15:8] MAX_COLS/64, [19:16] NUM_BUFFERS, [23:20] log2 ARRAY_ROWS, [27:24] log2 ARRAY_COLS, [28] 16-bit capable
