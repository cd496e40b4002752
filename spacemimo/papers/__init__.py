"""The papers' experiments (``spacemimo eval``): each task reproduces a table or figure of one
paper beside the paper's numbers. One module per paper (``guo_yang`` 003, ``gsm`` 002,
``zhou`` 000), what the papers report as data (``figures/*.yaml``, read by ``published``),
the shared machinery in ``reference`` (WMMSE reference, timing), ``training`` (trained-net
cache) and ``report``; ``baseline_table`` / ``baseline_bench`` tabulate the classical
precoders (``spacemimo baselines``, ``spacemimo bench baselines``).

``TASKS`` (task name → ``fn(out_dir, seed=0, quick=False, checkpoint=None, progress=True,
**extra) -> dict[str, Path]``) is built here from plain imports of the paper modules, which
never import this registry back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from spacemimo.papers import gsm, guo_yang, zhou
from spacemimo.papers.guo_yang import parse_table2_rows

TASKS: dict[str, Callable[..., dict[str, Path]]] = {
    "table2": guo_yang.eval_table2,
    "table3": guo_yang.eval_table3,
    "fig6": guo_yang.eval_fig6,
    "table4": guo_yang.eval_table4,
    "table5": guo_yang.eval_table5,
    "gsm_fig7": gsm.eval_gsm_fig7,
    "zhou_ee": zhou.eval_zhou_ee,
    "zhou_fig11": zhou.eval_zhou_fig11,
    "zhou_fig12": zhou.eval_zhou_fig12,
    "gsm_fig8": gsm.eval_gsm_fig8,
    "gsm_fig9": gsm.eval_gsm_fig9,
    # after gsm_fig9: it reads the training histories of the nets gsm_fig7/9 train
    "gsm_fig6": gsm.eval_gsm_fig6,
}

__all__ = ["TASKS", "parse_table2_rows"]
