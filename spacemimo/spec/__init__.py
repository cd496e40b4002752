"""The hardware contract, machine-readable: the register map (``regmap.yaml``), the named
builds with their program-format limits (``builds.yaml``) and the target boards they are
built for (``boards.yaml``: parts, memory systems, margins).

A ground-level package (it imports only ``spacemimo.ground``), so quant/ may read the limits
and board/, hw/ and the generators above it read the rest. ``spacemimo gen`` writes every
C/Verilog/Markdown copy from the first two.
"""
