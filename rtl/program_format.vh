// generated from quant/program.py by `spacemimo gen` — do not edit
// Meaning of every field: quant/PROGRAM.md.
// Include inside a module (localparams); names are prefixed PF_.

// constants
localparam [31:0] PF_PROGRAM_MAGIC = 32'h47504D53;  // "SMPG" in memory order
localparam [31:0] PF_PROGRAM_VERSION = 32'h00000003;  // format version this build reads
localparam [31:0] PF_HEADER_WORDS = 32'h00000010;  // 32-bit words in the header
localparam [31:0] PF_OP_WORDS = 32'h00000010;  // 32-bit words per op record
localparam [31:0] PF_NO_BIAS = 32'hFFFFFFFF;  // b_off value of a DENSE without bias
localparam [31:0] PF_MAX_SEGMENTS = 32'h00000008;  // DENSE input segments per op
localparam [31:0] PF_SEG_ALIGN_BITS = 32'h00000004;  // bits per segment field of seg_align
localparam [31:0] PF_SEG_ALIGN_MAX = 32'h0000000F;  // largest segment alignment (8-bit programs)
localparam [31:0] PF_SEG_ALIGN_MAX_16 = 32'h00000008;  // largest segment alignment of 16-bit programs
localparam [31:0] PF_WIDE_BIAS_ABOVE = 32'h00000020;  // acc_bits above this: int64 biases (2 words)
localparam integer PF_SHIFT_MIN = -31;  // smallest requantization shift (left shift by 31)
localparam [31:0] PF_SHIFT_MAX = 32'h0000003E;  // largest requantization shift
localparam [31:0] PF_ACC_BITS_MAX_8 = 32'h00000020;  // widest accumulator of an 8-bit program
localparam [31:0] PF_ACC_BITS_MAX_16 = 32'h00000030;  // widest accumulator of a 16-bit program
localparam [31:0] PF_FLAG_AGG_MODE_SHIFT = 32'h00000004;  // AGG_MODE = (flags & FLAG_AGG_MODE) >> FLAG_AGG_MODE_SHIFT
localparam [31:0] PF_FLAGS_DEFINED = 32'h0000007F;  // other flag bits must be 0
localparam [31:0] PF_DEFAULT_MAX_ROWS = 32'h00000040;  // HardwareLimits() default
localparam [31:0] PF_DEFAULT_MAX_COLS = 32'h00000400;  // HardwareLimits() default
localparam [31:0] PF_DEFAULT_NUM_BUFFERS = 32'h00000004;  // HardwareLimits() default
localparam [31:0] PF_DEFAULT_MAX_WEIGHT_WORDS = 32'h00400000;  // HardwareLimits() default

// opcodes
localparam [31:0] PF_OP_DENSE = 32'h00000001;
localparam [31:0] PF_OP_AGGREGATE = 32'h00000002;
localparam [31:0] PF_OP_NORM = 32'h00000003;
localparam [31:0] PF_OP_TAYLOR = 32'h00000004;

// flag bit masks
localparam [31:0] PF_FLAG_RELU = 32'h00000001;
localparam [31:0] PF_FLAG_OUT_SIGNED = 32'h00000002;
localparam [31:0] PF_FLAG_NARROW = 32'h00000004;
localparam [31:0] PF_FLAG_EXCLUDE_SELF = 32'h00000008;
localparam [31:0] PF_FLAG_AGG_MODE = 32'h00000030;
localparam [31:0] PF_FLAG_AGG_AXIS = 32'h00000040;

// AGG_MODE values
localparam [31:0] PF_AGG_MAX = 32'h00000000;
localparam [31:0] PF_AGG_SUM = 32'h00000001;

// header word indices
localparam [31:0] PF_HDR_MAGIC = 32'h00000000;
localparam [31:0] PF_HDR_VERSION = 32'h00000001;
localparam [31:0] PF_HDR_NUM_OPS = 32'h00000002;
localparam [31:0] PF_HDR_DATA_WORDS = 32'h00000003;
localparam [31:0] PF_HDR_BITS = 32'h00000004;
localparam [31:0] PF_HDR_ACC_BITS = 32'h00000005;
localparam [31:0] PF_HDR_IN_BUF = 32'h00000006;
localparam [31:0] PF_HDR_IN_ROWS = 32'h00000007;
localparam [31:0] PF_HDR_IN_COLS = 32'h00000008;
localparam [31:0] PF_HDR_IN_FRAC = 32'h00000009;
localparam [31:0] PF_HDR_OUT_BUF = 32'h0000000A;
localparam [31:0] PF_HDR_OUT_ROWS = 32'h0000000B;
localparam [31:0] PF_HDR_OUT_COLS = 32'h0000000C;
localparam [31:0] PF_HDR_OUT_FRAC = 32'h0000000D;
localparam [31:0] PF_HDR_NUM_BUFFERS = 32'h0000000E;
localparam [31:0] PF_HDR_CHECKSUM = 32'h0000000F;

// op record word indices
localparam [31:0] PF_OPW_OPCODE = 32'h00000000;
localparam [31:0] PF_OPW_FLAGS = 32'h00000001;
localparam [31:0] PF_OPW_SRC_BUF = 32'h00000002;
localparam [31:0] PF_OPW_SRC_OFF = 32'h00000003;
localparam [31:0] PF_OPW_DST_BUF = 32'h00000004;
localparam [31:0] PF_OPW_DST_OFF = 32'h00000005;
localparam [31:0] PF_OPW_ROWS = 32'h00000006;
localparam [31:0] PF_OPW_IN_COLS = 32'h00000007;
localparam [31:0] PF_OPW_OUT_COLS = 32'h00000008;
localparam [31:0] PF_OPW_W_OFF = 32'h00000009;
localparam [31:0] PF_OPW_B_OFF = 32'h0000000A;
localparam [31:0] PF_OPW_SHIFT = 32'h0000000B;
localparam [31:0] PF_OPW_OUT_BITS = 32'h0000000C;
localparam [31:0] PF_OPW_GROUP = 32'h0000000D;
localparam [31:0] PF_OPW_GAIN = 32'h0000000E;
localparam [31:0] PF_OPW_RBITS = 32'h0000000F;
localparam [31:0] PF_OPW_SEG_COLS = 32'h0000000D;  // DENSE
localparam [31:0] PF_OPW_SEG_ALIGN = 32'h0000000E;  // DENSE

// op words that must be 0, bit i = word i
localparam [31:0] PF_OP_UNUSED_MASK_DENSE = 32'h00008000;
localparam [31:0] PF_OP_UNUSED_MASK_AGGREGATE = 32'h0000C600;
localparam [31:0] PF_OP_UNUSED_MASK_NORM = 32'h00002E00;
localparam [31:0] PF_OP_UNUSED_MASK_TAYLOR = 32'h00008000;

// error codes (STATUS register)
localparam [31:0] PF_ERR_OK = 32'h00000000;
localparam [31:0] PF_ERR_BAD_MAGIC = 32'h00000001;
localparam [31:0] PF_ERR_BAD_VERSION = 32'h00000002;
localparam [31:0] PF_ERR_BAD_CHECKSUM = 32'h00000003;
localparam [31:0] PF_ERR_BAD_OPCODE = 32'h00000004;
localparam [31:0] PF_ERR_DIMS_EXCEED_MAX = 32'h00000005;
localparam [31:0] PF_ERR_BAD_FORMAT = 32'h00000006;
localparam [31:0] PF_ERR_BUS_ERROR = 32'h00000007;
localparam [31:0] PF_ERR_TIMEOUT = 32'h00000008;
localparam [31:0] PF_ERR_ADDR_RANGE = 32'h00000009;
localparam [31:0] PF_ERR_ABORTED = 32'h0000000A;
localparam [31:0] PF_ERR_SEU_DETECTED = 32'h0000000B;
