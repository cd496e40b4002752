"""Hardware-side tooling: performance model, RTL co-simulation runner, C-sim and the
hardware benchmarks (layer above quant/, below the CLI)."""
