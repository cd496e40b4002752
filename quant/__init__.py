"""Quantization-aware training, the accelerator program and the integer golden model."""
