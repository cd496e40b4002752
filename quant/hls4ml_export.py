"""QONNX -> hls4ml export of the quantized GNNs' dense blocks, checked bit for bit.

The verified path (DESIGN "Toolchain facts"): Brevitas ``export_qonnx`` -> qonnx cleanup ->
``ConvertToChannelsLastAndClean`` -> ``GemmToMatMul`` -> cleanup ->
``hls4ml.converters.convert_from_onnx_model``. Each MLP block (input MLP, each graph conv's
aggregation and combination MLPs, the output FC) becomes one hls4ml project whose batch axis
is the node axis: the MLPs are per-node (pointwise over the K UTs), so predict() on a (K, F)
table is the block applied to every node.

What hls4ml 1.3's ONNX front end cannot express, so it stays in the accelerator program and
the golden model (see ``hls/README.md``): the max over the *other* nodes (it has MaxPool /
GlobalMaxPool over spatial axes, no ReduceMax and no exclude-self), the concat's
requantizing alignment (a Quant on one Concat input would do it, but the nodes are the batch
axis here), and NORM (no ReduceSum/Sqrt; its integer isqrt/reciprocal is not an ONNX op).

The Model-GNN: each layer's five-segment DENSE (no bias, no activation, then the output
quantizer) is one block. Its input is the concat [D | E | Σ_n D | Σ_k D | Σ_k E] of parts on
different grids; hls4ml gets it as one wide fixed-point input on the finest grid
(``fixed<bits + max align, ...>``, each part exactly representable), which is what the
program's segment alignment computes. TAYLOR (a per-sample complex matrix product over the
edge table), the sums over n / k (reductions across the batch axis here) and NORM stay in
our kernel.

Bit-exactness is checked two ways: against the Brevitas block forward (float64) on random
integer inputs including the range edges, and against the golden model: the program's traced
input and output tables of the block on real channel samples.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from spacemimo.quant.fixed_point import frac_bits, int_range, to_int
from spacemimo.quant.qat_nets import QuantGsmGnn, QuantModelGnn

log = logging.getLogger(__name__)

DEFAULT_PART = "xc7vx690tffg1761-3"
# Wide enough for every exported tensor that hls4ml does not type from a Quant node (the
# input, accumulators before a Quant): 16-bit needs more than the 8-bit default (DESIGN).
DEFAULT_PRECISION = {8: "fixed<32,16>", 16: "fixed<48,16>"}
BUILD_TOOLS = ("vitis-run", "vitis_hls")


@dataclass
class MlpBlock:
    """One exportable MLP block of a quantized GSM GNN.

    layers: the dense layer names in order; module: in-quantizer + (QuantLinear, activation)
    pairs, a float64 copy; in_frac / out_frac / in_signed / out_signed: the integer formats
    of its input and output tables.
    """

    name: str
    layers: list[str]
    module: nn.Sequential
    in_frac: int
    out_frac: int
    in_signed: bool
    out_signed: bool
    bits: int
    aligns: tuple[int, ...] = ()  # Model-GNN: per-segment alignment of the (wide) input
    prefix: str = "gsm"

    @property
    def in_precision(self) -> str | None:
        """hls4ml type of a segmented block's input (exact for every aligned part), else None
        (the input Quant node types it)."""
        if not self.aligns:
            return None
        width = self.bits + max(self.aligns)
        return f"fixed<{width},{width - self.in_frac}>"

    @property
    def in_features(self) -> int:
        return self.module[1].in_features

    @property
    def out_features(self) -> int:
        return self.module[-2].out_features

    def forward_int(self, x_int: np.ndarray | torch.Tensor) -> np.ndarray:
        """Brevitas fake-quant block forward on integers: (n, in) -> (n, out) int64."""
        x = torch.as_tensor(np.asarray(x_int), dtype=torch.float64) * 2.0 ** -self.in_frac
        with torch.no_grad():
            y = self.module(x)
        return to_int(y.value if hasattr(y, "value") else y, self.out_frac).numpy()


def mlp_blocks(net: QuantGsmGnn) -> list[MlpBlock]:
    """Split the net's op list into its MLP blocks (maximal runs of dense layers)."""
    net = net.eval()
    ops = net.ops()
    dense_runs: list[list[str]] = []
    run: list[str] = []
    prev_dst: str | None = None
    for op in ops:
        if op.kind == "relu":
            prev_dst = op.dst
            continue
        if op.kind == "dense" and run and op.src == (prev_dst,) \
                and _prefix(op.layer) == _prefix(run[-1]):
            run.append(op.layer)
        elif op.kind == "dense":
            if run:
                dense_runs.append(run)
            run = [op.layer]
        else:
            if run:
                dense_runs.append(run)
            run = []
        prev_dst = op.dst
    if run:
        dense_runs.append(run)

    # Each block's input quantizer: the one that produced its input (identity on valid
    # integers), i.e. the net input's or the activation after the producing dense layer.
    producer_act: dict[str, nn.Module] = {"x": net.inp_quant}
    for i, op in enumerate(ops):
        if op.kind == "dense":
            relu = i + 1 < len(ops) and ops[i + 1].kind == "relu"
            key = ops[i + 1].dst if relu else op.dst
            producer_act[key] = net.act_for(op.layer)
    concat_first = {op.dst: op.src[0] for op in ops if op.kind == "concat"}

    blocks = []
    for layers in dense_runs:
        first = next(o for o in ops if o.kind == "dense" and o.layer == layers[0])
        src = first.src[0]
        src = concat_first.get(src, src)  # a concat is on its first half's grid
        in_act = producer_act[src]
        mods: list[nn.Module] = [in_act]
        for layer in layers:
            mods += [net.get_submodule(layer), net.act_for(layer)]
        module = copy.deepcopy(nn.Sequential(*mods)).double().eval()
        out_act = net.act_for(layers[-1])
        blocks.append(MlpBlock(
            name=_prefix(layers[0]),
            layers=list(layers), module=module,
            in_frac=frac_bits(in_act.act_quant.scale()),
            out_frac=frac_bits(out_act.act_quant.scale()),
            in_signed=in_act is net.inp_quant or _is_signed(in_act),
            out_signed=_is_signed(out_act), bits=net.bits))
    return blocks


def _prefix(layer: str) -> str:
    """The MLP a layer belongs to: "convs.0.aggregate.1" -> "convs.0.aggregate"."""
    head, _, tail = layer.rpartition(".")
    return head if tail.isdigit() else layer


def _is_signed(act: nn.Module) -> bool:
    return bool(act.act_quant.is_signed)


def model_gnn_blocks(net: QuantModelGnn) -> list[MlpBlock]:
    """One block per Model-GNN layer: its DENSE on the aligned five-part input, then the
    output quantizer (the input is integers on the finest part's grid, so no input Quant)."""
    net = net.eval()
    blocks = []
    for i, lay in enumerate(net.layers):
        f = net.layer_formats(i)
        module = copy.deepcopy(nn.Sequential(nn.Identity(), lay.lin, lay.out_quant))
        blocks.append(MlpBlock(
            name=f"layers_{i}", layers=[f"layers.{i}.lin"], module=module.double().eval(),
            in_frac=max(f["seg"]), out_frac=f["out"], in_signed=True, out_signed=True,
            bits=net.bits, aligns=tuple(f["aligns"]), prefix="mgnn"))
    return blocks


def model_gnn_golden_tables(net: QuantModelGnn, program: Any, x_int: np.ndarray
                            ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per layer block: (aligned DENSE input rows, DENSE output rows) of the golden model
    running the lowered Model-GNN ``program`` on edge tables x_int (B, N*K, 2)."""
    from spacemimo.quant import golden
    from spacemimo.quant.program import OPCODES

    _, trace = golden.run(program, np.asarray(x_int), trace=True)
    dense = [e for e in trace if e.op.opcode == OPCODES["DENSE"]]
    tables = {}
    for block, e in zip(model_gnn_blocks(net), dense, strict=True):
        op = e.op
        src = None
        for prev in trace[:e.index]:  # replay the writes into the DENSE's source window
            o = prev.op
            lo = max(o.dst_off, op.src_off)
            hi = min(o.dst_off + o.out_cols, op.src_off + op.in_cols)
            if o.dst_buf != op.src_buf or lo >= hi:
                continue
            if src is None:
                src = np.zeros((*prev.out.shape[:2], op.in_cols), dtype=np.int64)
            src[..., lo - op.src_off:hi - op.src_off] = prev.out[..., lo - o.dst_off:
                                                                 hi - o.dst_off]
        if src is None:
            raise ValueError(f"{block.name}: no op wrote the DENSE's source window")
        xin = src << op.column_aligns()
        tables[block.name] = (xin.reshape(-1, op.in_cols), e.out.reshape(-1, op.out_cols))
    return tables


# --------------------------------------------------------------------------- QONNX / hls4ml


def export_block_qonnx(block: MlpBlock, path: Path) -> Any:
    """Brevitas export_qonnx + the cleanup chain hls4ml needs; returns the qonnx ModelWrapper."""
    import qonnx.util.cleanup
    from brevitas.export import export_qonnx
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.transformation.gemm_to_matmul import GemmToMatMul

    path.parent.mkdir(parents=True, exist_ok=True)
    mod = copy.deepcopy(block.module).float()
    for noisy in ("onnx_ir", "onnxscript"):  # one INFO line per initializer / folded node
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with contextlib.redirect_stdout(io.StringIO()) as chat:
        export_qonnx(mod, input_t=torch.zeros(1, block.in_features), export_path=str(path))
    path.with_suffix(".export.log").write_text(chat.getvalue())
    m = ModelWrapper(str(path))
    m = qonnx.util.cleanup.cleanup_model(m)
    m = m.transform(ConvertToChannelsLastAndClean())
    _give_gemms_a_zero_bias(m)
    m = m.transform(GemmToMatMul())
    m = qonnx.util.cleanup.cleanup_model(m)
    m.save(str(path))
    return m


def _give_gemms_a_zero_bias(m: Any) -> None:
    """GemmToMatMul needs Gemm's optional C input: a bias-free layer (the Model-GNN's) gets an
    all-zero one, which hls4ml folds into the Dense bias exactly."""
    from onnx import numpy_helper

    for n in m.graph.node:
        if n.op_type == "Gemm" and len(n.input) == 2:
            w_shape = m.get_tensor_shape(n.input[1])
            trans_b = next((a.i for a in n.attribute if a.name == "transB"), 0)
            out = w_shape[0] if trans_b else w_shape[1]
            name = m.make_new_valueinfo_name()
            m.graph.initializer.append(numpy_helper.from_array(np.zeros(out, np.float32), name))
            n.input.append(name)


@dataclass
class Hls4mlOptions:
    """Project options: part, clock, reuse factor, strategy (Latency/Resource), io type."""

    part: str = DEFAULT_PART
    clock_period: float = 10.0  # GSM sec. V: 10-ns target clock
    reuse_factor: int = 1
    strategy: str = "Latency"
    io_type: str = "io_parallel"
    backend: str = "Vitis"
    precision: str | None = None


def convert_block(block: MlpBlock, out_dir: Path, opts: Hls4mlOptions) -> Any:
    """Write the hls4ml project of one block under out_dir (no compile)."""
    import hls4ml

    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    m = export_block_qonnx(block, out_dir / f"{block.name}.qonnx.onnx")
    precision = opts.precision or DEFAULT_PRECISION[block.bits]
    with contextlib.redirect_stdout(io.StringIO()) as chat:  # hls4ml prints every layer
        conf = hls4ml.utils.config.config_from_onnx_model(
            m, granularity="name", backend=opts.backend, default_precision=precision,
            default_reuse_factor=opts.reuse_factor)
        if block.in_precision is not None:
            conf["LayerName"]["global_in"]["Precision"]["result"] = block.in_precision
        conf["Model"]["Strategy"] = opts.strategy
        conf["Model"]["ReuseFactor"] = opts.reuse_factor
        prj = hls4ml.converters.convert_from_onnx_model(
            m, output_dir=str(out_dir / "prj"), project_name=_cname(block),
            backend=opts.backend, hls_config=conf, part=opts.part,
            clock_period=opts.clock_period, io_type=opts.io_type)
    (out_dir / "hls4ml_convert.log").write_text(chat.getvalue())
    return prj


def _cname(block: MlpBlock) -> str:
    return f"{block.prefix}_" + "".join(c if c.isalnum() else "_" for c in block.name)


def predict_int(hls_model: Any, block: MlpBlock, x_int: np.ndarray) -> np.ndarray:
    """hls4ml C-simulation (compile() first) on integer inputs -> int64 output words."""
    x = np.ascontiguousarray(np.asarray(x_int, dtype=np.float64) * 2.0 ** -block.in_frac)
    y = np.asarray(hls_model.predict(x), dtype=np.float64).reshape(x.shape[0], -1)
    scaled = y * 2.0 ** block.out_frac
    out = np.round(scaled)
    if not np.array_equal(out, scaled):
        raise ValueError(f"{block.name}: hls4ml output is off the 2^-{block.out_frac} grid")
    return out.astype(np.int64)


def random_block_inputs(block: MlpBlock, n: int, seed: int) -> np.ndarray:
    """n integer input rows over the block's whole input range, with the range edges and
    zeros in the first rows (saturation and rounding corner cases)."""
    lo, hi = int_range(block.bits, block.in_signed)
    rng = np.random.default_rng(seed)
    x = rng.integers(lo, hi + 1, size=(n, block.in_features), dtype=np.int64)
    edges = [np.zeros(block.in_features), np.full(block.in_features, hi),
             np.full(block.in_features, lo), np.where(np.arange(block.in_features) % 2, hi, lo)]
    for i, e in enumerate(edges[:n]):
        x[i] = e
    if block.aligns:  # each part's words on its own grid, aligned to the finest
        x = x << np.repeat(np.asarray(block.aligns, dtype=np.int64),
                           block.in_features // len(block.aligns))
    return x


def golden_block_tables(net: QuantGsmGnn, program: Any, x_int: np.ndarray
                        ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per block: (input table, output table) of the golden model running ``program`` on
    x_int (B, K, 2M), flattened to node rows."""
    from spacemimo.quant import golden
    from spacemimo.quant.lower import op_index_map

    _, trace = golden.run(program, np.asarray(x_int), trace=True)
    idx = op_index_map(net)
    ops = net.ops()
    outs: dict[str, np.ndarray] = {"x": np.asarray(x_int, dtype=np.int64)}
    for op in ops:
        if op.dst in idx:
            outs[op.dst] = trace[idx[op.dst]].out
        elif op.kind == "relu":
            outs[op.dst] = outs[op.src[0]]
        elif op.kind == "concat":
            outs[op.dst] = np.concatenate([outs[s] for s in op.src], axis=-1)
    tables = {}
    for block in mlp_blocks(net):
        first = next(o for o in ops if o.kind == "dense" and o.layer == block.layers[0])
        last = next(o for o in ops if o.kind == "dense" and o.layer == block.layers[-1])
        xin = outs[first.src[0]]
        tables[block.name] = (xin.reshape(-1, xin.shape[-1]),
                              outs[last.dst].reshape(-1, outs[last.dst].shape[-1]))
    return tables


@dataclass
class BlockReport:
    block: str
    bits: int
    vectors_brevitas: int
    mismatches_brevitas: int
    vectors_golden: int
    mismatches_golden: int
    project: str
    built: str


def export_and_check(net: QuantGsmGnn | QuantModelGnn, out_dir: Path,
                     opts: Hls4mlOptions | None = None,
                     program: Any = None, x_int: np.ndarray | None = None,
                     n_random: int = 1000, seed: int = 0, build: bool = False,
                     blocks: list[str] | None = None) -> list[BlockReport]:
    """Convert, compile and check every MLP block (or those named in ``blocks``).

    program / x_int: a lowered program and its inputs (GSM: node tables (B, K, 2M);
    Model-GNN: edge tables (B, N*K, 2)) for the golden check;
    build: run hls4ml's build() (Vitis) when one of BUILD_TOOLS is on PATH, else skip it
    with a log line.
    """
    opts = opts or Hls4mlOptions()
    mgnn = isinstance(net, QuantModelGnn)
    tables_of = model_gnn_golden_tables if mgnn else golden_block_tables
    golden_tables = (tables_of(net, program, x_int)  # type: ignore[arg-type]
                     if program is not None and x_int is not None else {})
    reports = []
    for k, block in enumerate(model_gnn_blocks(net) if mgnn else mlp_blocks(net)):
        if blocks and block.name not in blocks:
            continue
        prj = convert_block(block, Path(out_dir) / block.name, opts)
        with contextlib.redirect_stdout(io.StringIO()):
            prj.compile()
        x = random_block_inputs(block, n_random, seed + k)
        bad_b = int((predict_int(prj, block, x) != block.forward_int(x)).sum())
        gv, gb = 0, 0
        if block.name in golden_tables:
            gin, gout = golden_tables[block.name]
            gv = gin.shape[0]
            gb = int((predict_int(prj, block, gin) != gout).sum())
        built = "no"
        if build:
            built = run_build(prj)
        reports.append(BlockReport(block.name, block.bits, x.shape[0], bad_b, gv, gb,
                                   str(Path(out_dir) / block.name / "prj"), built))
        log.info("%s: %d/%d words differ from Brevitas, %d from golden", block.name, bad_b,
                 x.size, gb)
    return reports


def vitis_available() -> str | None:
    """The first Vitis HLS tool on PATH, or None."""
    return next((t for t in BUILD_TOOLS if shutil.which(t)), None)


def run_build(prj: Any) -> str:
    """hls4ml build() (csynth) when Vitis is installed; otherwise say what was skipped."""
    tool = vitis_available()
    if tool is None:
        log.warning("hls4ml build() skipped: neither %s is on PATH (install Vitis 2023.1+); "
                    "the project files are written and compile()/predict() ran with g++",
                    " nor ".join(BUILD_TOOLS))
        return "skipped (no Vitis)"
    prj.build(csim=False, synth=True)
    return f"synthesized ({tool})"
