"""The yardsticks every paper task measures with: the converged WMMSE reference, and the
inference timing (one torch thread, best and median of several passes).

The SE ratio of a task is mean GNN sum rate / mean WMMSE sum rate over the test set (ratio of
means), with the WMMSE run to convergence (best of MRT/RZF/all-ones starts, relative tolerance
``WMMSE_TOL``, at most ``WMMSE_MAX_ITER`` iterations).
"""

from __future__ import annotations

import time

import torch
from torch import nn

from spacemimo.model.batch import ChannelBatch
from spacemimo.model.wmmse import REFERENCE_MAX_ITER, REFERENCE_TOL, WMMSEResult, wmmse_batch

WMMSE_TOL = REFERENCE_TOL
WMMSE_MAX_ITER = REFERENCE_MAX_ITER
THREADS = 1  # one thread for every timed method: a fair, reproducible comparison on 2 cores


def wmmse_reference(batch: ChannelBatch, init: str = "best") -> tuple[torch.Tensor, float]:
    """Per-sample sum rate of the converged WMMSE (best of inits; or one named start) and its
    wall time (s), batched over the whole batch."""
    t0 = time.perf_counter()
    res = wmmse_reference_run(batch, init)
    return res.sum_rate, time.perf_counter() - t0


def wmmse_reference_run(batch: ChannelBatch, init: str = "best") -> WMMSEResult:
    """The reference WMMSE run itself (precoders, iterations), as ``wmmse_reference`` scores."""
    return wmmse_batch(batch, init=init, tol=WMMSE_TOL, max_iter=WMMSE_MAX_ITER)


def timed_inference(net: nn.Module, batch: ChannelBatch, repeats: int = 5,
                    min_time_s: float = 0.5, max_repeats: int = 200
                    ) -> tuple[torch.Tensor, float, float, int]:
    """(W, best and median wall time in s, number of timed passes) of ``net`` on the whole
    batch, under ``torch.inference_mode``.

    Uses the net's fast inference path (``net.infer``, e.g. ``ModelGnn.infer``: the forward's
    output to float rounding) when it has one. One untimed warm-up pass, then at least
    ``repeats`` timed passes and until ``min_time_s`` has been spent (at most ``max_repeats``);
    the best pass is the least disturbed by other load on the shared cores.
    """
    net.eval()
    run = getattr(net, "infer", None) or net
    with torch.inference_mode():
        W = run(batch)  # warm-up: lazy init, allocator, weight packing caches
        times: list[float] = []
        while len(times) < max_repeats and (len(times) < repeats
                                            or sum(times) < min_time_s):
            t0 = time.perf_counter()
            W = run(batch)
            times.append(time.perf_counter() - t0)
    times.sort()
    return W.clone(), times[0], times[len(times) // 2], len(times)


def set_threads() -> None:
    """Every task runs (and times) on ``THREADS`` torch threads."""
    torch.set_num_threads(THREADS)
