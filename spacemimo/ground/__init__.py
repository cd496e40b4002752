"""The ground floor: repository paths, provenance and result writers.

Everything else in spacemimo may import these modules; they import nothing of ours but
each other, so the layers above (model → quant → board/hw → cli) point one way.
"""
