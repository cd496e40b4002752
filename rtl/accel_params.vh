// generated from spacemimo/spec/builds.yaml by `spacemimo gen` — do not edit
// spacemimo_accel's parameter defaults: build rtl-small-8. cosim and yosys pass
// every build's own values (BuildConfig.rtl_params); axis names as in the spec:
// OUT_LANES = out_lanes (P), NODE_ROWS = node_rows (C).
`ifndef SPACEMIMO_ACCEL_PARAMS_VH
`define SPACEMIMO_ACCEL_PARAMS_VH
`define SM_OUT_LANES 8
`define SM_NODE_ROWS 4
`define SM_DATA_W 8
`define SM_ACC_W 32
`define SM_MAX_ROWS 32
`define SM_MAX_COLS 256
`define SM_NUM_BUFFERS 4
`define SM_MAX_OPS 32
`define SM_WMEM_DEPTH 512
`define SM_BMEM_DEPTH 32
`define SM_WATCHDOG 512
`define SM_FABRIC_MUL_LANES 2
`define SM_NORM_COLS 1
`define SM_AXI_DW 64
`define SM_MAX_DATA_WORDS 4352
`define SM_WGT_PORTS 0
`define SM_WGT_DW 64
`define SM_WGT_BUFS 2
`define SM_WGT_FIT 0
`define SM_DSP_PACK 1
`define SM_WMEM_PACK_ROWS 0
`define SM_TABLE_ELEMS 0
`define SM_SEU_W 0
`define SM_SEU_A 0
`define SM_SEU_C 0
`define SM_SCRUB 0
`endif
