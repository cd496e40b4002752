"""spacemimo: GNN precoders for LEO multi-satellite massive MIMO, from PyTorch to bit-exact FPGA.

Subpackages: ``spacemimo.model`` (channels, objectives, precoders, GNNs), ``spacemimo.quant``
(QAT, accelerator program, integer golden model), ``spacemimo.board`` (PYNQ driver).
"""

__version__ = "0.1.0"
