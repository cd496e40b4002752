"""PYNQ board driver and register map for the spacemimo accelerator."""
