"""Unsupervised training of the GNN precoders (``spacemimo train``), single process or DDP.

Loss = −objective on generated channels (GSM 002 eq. (14), Guo & Yang 003 sec. III-C): the
sum rate / WSR, or for the EE-with-QoS variant the Lagrangian −EE + λ·mean QoS violation with
dual ascent on λ (003 sec. IV-B2, [38]). Adam with a step learning-rate decay (GSM: 1e-3,
×0.995 every 100 steps; Model-GNN: Table I's rates).

An experiment is a YAML file (``model/experiments/*.yaml``, or any path) parsed into
``Experiment``; ``train(experiment, out_dir)`` writes ``last.pt`` / ``best.pt`` checkpoints
(``model.checkpoint``), ``history.{md,json}`` and a training-curve PNG.

Determinism: the net is initialised from ``torch.manual_seed(seed)`` and every channel batch
is drawn from its own generator seeded by a hash of (seed, step, shard), never the global RNG,
so a run, a resumed run and a DDP run see the same data. Under ``torchrun`` each step's global
batch is split into ``shards`` (default: one per rank) drawn with per-shard seeds; rank r draws
its own shards only, DDP averages the gradients, so with ``shards`` fixed the result equals a
single-process run over the same global batch (up to float summation order). A finite training
set (``train_samples``, the papers' N_tr) is sharded like ``DistributedSampler``: one seeded
permutation per epoch, each rank takes its slice of every global batch.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

import torch
import yaml
from torch import nn

from spacemimo.model import objectives as obj
from spacemimo.model.batch import ChannelBatch
from spacemimo.model.checkpoint import load_checkpoint, plain, save_checkpoint
from spacemimo.model.nets import NETS, build_net, net_config
from spacemimo.model.presets import load_preset, preset_config, sample_preset
from spacemimo.model.scenarios import resolve_scenario

log = logging.getLogger(__name__)

EXPERIMENT_PACKAGE = "spacemimo.model"
EXPERIMENT_DIR = "experiments"
OBJECTIVES = ("sum_rate", "energy_efficiency")
POWER_MODELS = ("guo_yang", "zhou")
REFERENCES = (None, "wmmse")
DEFAULT_LR = 1e-3  # GSM 002 sec. V-A; nets whose config records a Table I rate use that
DEFAULT_OUT = Path("results") / "train"
GRAD_NORM_EMA = 0.9  # weight of the past in the running gradient norm (grad_clip_rel)
ROLLBACK_LR_FACTOR = 0.5  # lr scale applied at each rollback (rollback_below)


# --------------------------------------------------------------------------- configs


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


def _from_dict(cls: type, data: dict[str, Any] | None, where: str) -> Any:
    data = dict(data or {})
    valid = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - valid)
    _check(not unknown, f"unknown {where} key(s) {', '.join(unknown)}; valid: "
                        f"{', '.join(sorted(valid))}")
    return cls(**data)


def _is_int(v: Any, low: int = 1) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


def _is_pos(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (the ``train:`` block of an experiment).

    steps: optimizer steps in all (``--epochs`` converts via samples_per_epoch / batch_size).
    batch_size: global batch (all ranks together). train_samples: a finite training set of
    that many channels (003's N_tr), else fresh channels every step. lr: None = the net
    config's ``lr`` (003 Table I) or 1e-3 (GSM). lr_decay every lr_decay_every steps (GSM:
    0.995 / 100). eval_every / eval_samples / eval_seed: the fixed validation set. patience:
    evaluations without a gain > min_delta before early stop (None: never). reference
    "wmmse": also report the ratio to a converged best-of-inits WMMSE on the validation set;
    target_ratio: stop once that ratio is reached (003 Table III). shards: data shards per
    step (None: one per rank). threads: torch intra-op threads per process. time_limit_s:
    stop after this much training time. grad_clip: max gradient norm (None: off).
    grad_clip_rel: clip the gradient norm to this multiple of the running mean (EMA, weight
    ``GRAD_NORM_EMA``) of the earlier steps' clipped norms (None: off); scale-free, so one value
    serves every N, K and SNR: it cuts the rare 10-50x spikes that, under Adam at lr 0.01,
    threw the N = 64 Model-GNN into a ~1% SE-ratio basin it never left. warmup_steps: the lr
    rises linearly from lr/warmup_steps to lr over the first that many steps (0: off), so a
    fresh Adam does not take full-size sign steps from a warm start (``init_from``).
    A step whose gradient is not finite is skipped (counted in the history) in any case.
    rollback_below: at an evaluation whose validation objective is below this fraction of the
    best so far (a collapse), restore the best weights and Adam state and scale the lr by
    ``ROLLBACK_LR_FACTOR`` from then on (None: off); for positive objectives (sum rate, EE).
    init_from: a checkpoint whose parameters of matching name and shape initialise the net
    (two-stage training: e.g. the power head on top of a trained Model-GNN); ignored on resume.
    """

    steps: int = 2000
    batch_size: int = 200
    samples_per_epoch: int = 10_000
    train_samples: int | None = None
    lr: float | None = None
    lr_decay: float = 1.0
    lr_decay_every: int = 100
    eval_every: int = 100
    eval_samples: int = 500
    eval_seed: int = 1_000_000
    patience: int | None = None
    min_delta: float = 0.0
    reference: str | None = None
    target_ratio: float | None = None
    shards: int | None = None
    threads: int = 1
    time_limit_s: float | None = None
    grad_clip: float | None = None
    grad_clip_rel: float | None = None
    warmup_steps: int = 0
    rollback_below: float | None = None
    init_from: str | None = None

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "samples_per_epoch", "lr_decay_every",
                     "eval_every", "eval_samples", "threads"):
            _check(_is_int(getattr(self, name)),
                   f"train.{name} must be a positive int, got {getattr(self, name)!r}")
        _check(_is_int(self.eval_seed, 0), f"train.eval_seed must be an int >= 0, got "
                                           f"{self.eval_seed!r}")
        _check(_is_int(self.warmup_steps, 0), f"train.warmup_steps must be an int >= 0, got "
                                              f"{self.warmup_steps!r}")
        for name in ("train_samples", "patience", "shards"):
            v = getattr(self, name)
            _check(v is None or _is_int(v), f"train.{name} must be a positive int or null, "
                                            f"got {v!r}")
        for name in ("lr", "time_limit_s", "grad_clip", "grad_clip_rel"):
            v = getattr(self, name)
            _check(v is None or _is_pos(v), f"train.{name} must be a number > 0 or null, "
                                            f"got {v!r}")
        _check(self.rollback_below is None or (_is_pos(self.rollback_below)
                                                and self.rollback_below < 1),
               f"train.rollback_below must be in (0, 1) or null, got {self.rollback_below!r}")
        _check(_is_pos(self.lr_decay) and self.lr_decay <= 1,
               f"train.lr_decay must be in (0, 1], got {self.lr_decay!r}")
        _check(isinstance(self.min_delta, (int, float)) and self.min_delta >= 0,
               f"train.min_delta must be >= 0, got {self.min_delta!r}")
        _check(self.reference in REFERENCES,
               f"train.reference must be null or 'wmmse', got {self.reference!r}")
        _check(self.target_ratio is None or (_is_pos(self.target_ratio)
                                             and self.reference is not None),
               "train.target_ratio needs reference: wmmse and a number > 0")
        if self.shards is not None:
            _check(self.batch_size % self.shards == 0,
                   f"train.batch_size={self.batch_size} must be divisible by "
                   f"shards={self.shards}")

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps per epoch: samples_per_epoch (or the training set) / batch."""
        n = self.train_samples or self.samples_per_epoch
        return max(1, n // self.batch_size)


@dataclass(frozen=True)
class Experiment:
    """One training run: net (a ``nets.NETS`` key) + overrides, scenario (alias or preset) +
    overrides, objective, optimisation settings and seed. ``vary`` redraws scenario fields
    per step (003 Fig. 6: ``{num_users: {exp_mean: 4, low: 2, high: 30}}``, or
    ``{snr_db: {uniform: [0, 20]}}``); all shards of a step share the draw.

    objective "sum_rate" (WSR with ``objective_options.weights``) or "energy_efficiency"
    (options: power_model guo_yang|zhou, bandwidth_hz, scale, r_min for the QoS
    Lagrangian, dual_lr, lambda_init).
    """

    name: str
    net: str
    scenario: str
    net_overrides: dict[str, Any] = field(default_factory=dict)
    scenario_overrides: dict[str, Any] = field(default_factory=dict)
    vary: dict[str, dict[str, Any]] = field(default_factory=dict)
    objective: str = "sum_rate"
    objective_options: dict[str, Any] = field(default_factory=dict)
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = 0
    description: str = ""

    def __post_init__(self) -> None:
        _check(isinstance(self.name, str) and self.name, "experiment needs a non-empty name")
        _check(self.net in NETS, f"unknown net {self.net!r}; known: {', '.join(sorted(NETS))}")
        net_config(self.net, dict(self.net_overrides))  # raises on bad overrides
        object.__setattr__(self, "scenario", resolve_scenario(self.scenario))
        preset_config(self.scenario, **self.scenario_overrides)
        fields_ = set(preset_config(self.scenario).to_dict())
        for key, spec in self.vary.items():
            _check(key in fields_, f"vary: {key!r} is not a field of scenario "
                                   f"{self.scenario!r}; valid: {', '.join(sorted(fields_))}")
            _check(isinstance(spec, dict) and len(spec.keys() & {"exp_mean", "uniform",
                                                                  "choices"}) == 1,
                   f"vary.{key} must have exactly one of exp_mean, uniform, choices; "
                   f"got {spec!r}")
        _check(not (self.vary and self.train.train_samples),
               "vary redraws the scenario each step; it cannot be combined with "
               "train.train_samples")
        _check(self.objective in OBJECTIVES, f"objective must be one of "
                                             f"{', '.join(OBJECTIVES)}, got {self.objective!r}")
        pm = self.objective_options.get("power_model", "guo_yang")
        _check(pm in POWER_MODELS, f"objective_options.power_model must be one of "
                                   f"{', '.join(POWER_MODELS)}, got {pm!r}")
        _check(_is_int(self.seed, 0), f"seed must be an int >= 0, got {self.seed!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Experiment:
        """Build from a parsed YAML mapping; unknown keys and bad values raise ValueError."""
        _check(isinstance(data, dict), "an experiment must be a YAML mapping")
        data = dict(data)
        for key in ("name", "net", "scenario"):
            _check(key in data, f"experiment lacks the required key {key!r}")
        train = _from_dict(TrainConfig, data.pop("train", None), "train")
        exp = _from_dict(cls, {**data, "train": TrainConfig()}, "experiment")
        return replace(exp, train=train)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_train(self, **changes: Any) -> Experiment:
        """A copy with ``train`` fields changed (CLI --steps, --epochs, ...)."""
        return replace(self, train=replace(self.train, **changes))


def _experiment_dir():  # noqa: ANN202 - a Traversable
    return resources.files(EXPERIMENT_PACKAGE) / EXPERIMENT_DIR


def list_experiments() -> list[str]:
    """Names of the shipped experiment configs (``model/experiments/*.yaml``)."""
    return sorted(p.name[:-5] for p in _experiment_dir().iterdir() if p.name.endswith(".yaml"))


def load_experiment(source: str | Path | dict[str, Any], **overrides: Any) -> Experiment:
    """An experiment from a YAML path, a shipped name, or a dict; ``overrides`` replace
    top-level keys (``seed=3``) or, as ``train_<field>``, train fields."""
    if isinstance(source, dict):
        data = dict(source)
    else:
        path = Path(source)
        if path.suffix in (".yaml", ".yml") or path.exists():
            if not path.is_file():
                raise ValueError(f"experiment file {str(path)!r} does not exist")
            text = path.read_text("utf-8")
        elif str(source) in list_experiments():
            text = (_experiment_dir() / f"{source}.yaml").read_text("utf-8")
        else:
            raise ValueError(f"unknown experiment {str(source)!r}: not a file and not one of "
                             f"{', '.join(list_experiments())}")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ValueError(f"experiment {str(source)!r} is not valid YAML: {err}") from err
    exp = Experiment.from_dict(data)
    train_changes = {k[6:]: v for k, v in overrides.items() if k.startswith("train_")}
    top = {k: v for k, v in overrides.items() if not k.startswith("train_")}
    if top:
        exp = Experiment.from_dict({**exp.to_dict(), **top})
    return exp.with_train(**train_changes) if train_changes else exp


# --------------------------------------------------------------------------- data


def derive_seed(*parts: Any) -> int:
    """A 62-bit seed from (seed, purpose, step, shard, ...): stable across runs and
    platforms, and distinct streams never collide in practice."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 2


def concat_batches(parts: list[ChannelBatch]) -> ChannelBatch:
    """One ChannelBatch from shards drawn with the same scenario settings."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    stats = {k: torch.cat([p.stats[k] for p in parts]) for k in first.stats}
    return ChannelBatch(torch.cat([p.H for p in parts]), first.p_max, first.noise_power,
                        first.num_sats, stats=stats, meta=dict(first.meta))


def index_batch(batch: ChannelBatch, idx: torch.Tensor) -> ChannelBatch:
    """The samples ``idx`` of ``batch`` (stats indexed alike)."""
    return ChannelBatch(batch.H[idx], batch.p_max, batch.noise_power, batch.num_sats,
                        stats={k: v[idx] for k, v in batch.stats.items()},
                        meta=dict(batch.meta))


def _draw_vary(exp: Experiment, step: int) -> dict[str, Any]:
    g = torch.Generator().manual_seed(derive_seed(exp.seed, "vary", step))
    out: dict[str, Any] = {}
    for key in sorted(exp.vary):
        spec = exp.vary[key]
        u = torch.rand((), generator=g, dtype=torch.float64).item()
        if "exp_mean" in spec:  # 003 Fig. 6: K ~ Exp(mean), clipped to [low, high]
            v = round(-float(spec["exp_mean"]) * math.log1p(-u))
            out[key] = int(min(max(v, spec.get("low", 1)), spec.get("high", 10**9)))
        elif "uniform" in spec:
            lo, hi = spec["uniform"]
            out[key] = lo + (hi - lo) * u
        else:
            choices = list(spec["choices"])
            out[key] = choices[min(int(u * len(choices)), len(choices) - 1)]
    return out


class BatchSource:
    """This rank's training batch for a step (see the module docstring for the sharding)."""

    def __init__(self, exp: Experiment, rank: int = 0, world: int = 1,
                 sample_tag: str = "train") -> None:
        """``sample_tag``: another tag draws other channels for the same steps (same ``vary``
        draws, e.g. the same power per step): held-out twins of the training batches."""
        self.exp, self.rank, self.world, self.sample_tag = exp, rank, world, sample_tag
        tc = exp.train
        self.shards = tc.shards or world
        _check(self.shards % world == 0, f"train.shards={self.shards} must be a multiple of "
                                         f"the number of processes ({world})")
        _check(tc.batch_size % self.shards == 0, f"train.batch_size={tc.batch_size} must be "
                                                 f"divisible by {self.shards} shards")
        self.pool: ChannelBatch | None = None
        if tc.train_samples:
            self.pool = sample_preset(exp.scenario, tc.train_samples,
                                      seed=derive_seed(exp.seed, "pool"),
                                      **exp.scenario_overrides)

    def __call__(self, step: int) -> ChannelBatch:
        tc, exp = self.exp.train, self.exp
        per_rank = self.shards // self.world
        mine = range(self.rank * per_rank, (self.rank + 1) * per_rank)
        if self.pool is None:
            over = {**exp.scenario_overrides, **_draw_vary(exp, step)}
            size = tc.batch_size // self.shards
            return concat_batches([
                sample_preset(exp.scenario, size,
                              seed=derive_seed(exp.seed, self.sample_tag, step, s),
                              **over) for s in mine])
        n = self.pool.batch_size
        bs = min(tc.batch_size, n)
        spe = max(1, n // bs)
        epoch, pos = divmod(step, spe)
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(
            derive_seed(exp.seed, "perm", epoch)))
        idx = perm[pos * bs:(pos + 1) * bs]
        parts = idx.tensor_split(self.shards)
        return index_batch(self.pool, torch.cat([parts[s] for s in mine]))


def validation_batch(exp: Experiment) -> ChannelBatch:
    """The fixed validation set: the scenario's default settings (no ``vary``)."""
    return sample_preset(exp.scenario, exp.train.eval_samples, seed=exp.train.eval_seed,
                         **exp.scenario_overrides)


# --------------------------------------------------------------------------- objectives


@dataclass
class ObjectiveValue:
    """Per-sample objective (B,), per-user rates (B, K) and the training loss (scalar)."""

    value: torch.Tensor
    rates: torch.Tensor
    loss: torch.Tensor
    violation: torch.Tensor | None = None


class Objective:
    """−objective as a loss; the Lagrange multiplier of the QoS variant lives here."""

    def __init__(self, exp: Experiment) -> None:
        self.kind = exp.objective
        o = dict(exp.objective_options)
        self.weights = o.get("weights")
        self.r_min = o.get("r_min")
        self.dual_lr = float(o.get("dual_lr", 0.05))
        self.lam = float(o.get("lambda_init", 1.0 if self.r_min is not None else 0.0))
        self.scale = float(o.get("scale", 1.0))
        self.bandwidth = float(o.get("bandwidth_hz", 1.0))
        self.power_model_name = o.get("power_model", "guo_yang")
        self.options = o

    def _power_model(self, W: torch.Tensor) -> obj.GuoYangPowerModel | obj.ZhouPowerModel:
        params = dict(self.options.get("power_params", {}))
        if self.power_model_name == "zhou":
            return obj.ZhouPowerModel(num_tx=W.shape[1], **params)
        return obj.GuoYangPowerModel(num_tx=W.shape[1], **params)

    def __call__(self, batch: ChannelBatch, W: torch.Tensor) -> ObjectiveValue:
        rates = obj.user_rates(batch.H, W, batch.noise_power)
        if self.weights is not None:
            w = torch.as_tensor(self.weights, dtype=rates.dtype)
            if w.shape != rates.shape[-1:]:
                raise ValueError(f"objective_options.weights must have K={rates.shape[-1]} "
                                 f"entries, got {list(w.shape)}")
            rate_sum = (rates * w).sum(-1)
        else:
            rate_sum = rates.sum(-1)
        if self.kind == "sum_rate":
            return ObjectiveValue(rate_sum, rates, -rate_sum.mean())
        ee = obj.energy_efficiency(rate_sum, self._power_model(W).consumed(W),
                                   self.bandwidth) * self.scale
        loss = -ee.mean()
        violation = None
        if self.r_min is not None:  # 003 sec. IV-B2: Lagrangian for R_k >= R_min
            violation = torch.relu(self.r_min - rates).mean()
            loss = loss + self.lam * violation
        return ObjectiveValue(ee, rates, loss, violation)

    def dual_step(self, violation: float) -> None:
        """Dual ascent λ ← max(0, λ + dual_lr · mean violation)."""
        if self.r_min is not None:
            self.lam = max(0.0, self.lam + self.dual_lr * violation)


# --------------------------------------------------------------------------- training


@dataclass
class TrainResult:
    """What ``train`` returns: the trained net (unwrapped), the history rows, where the files
    went, why it stopped, and when the target ratio was first met (step, samples, seconds)."""

    net: nn.Module
    history: list[dict[str, Any]]
    paths: dict[str, Path]
    step: int
    best_metric: float
    stop_reason: str
    train_time_s: float
    target: dict[str, Any] | None = None


def _dist() -> tuple[int, int]:
    """(rank, world) — initialising gloo when launched by torchrun with WORLD_SIZE > 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return dist.get_rank(), dist.get_world_size()


def _all_mean(values: list[float], world: int) -> list[float]:
    if world == 1:
        return values
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return (t / world).tolist()


def _broadcast_flag(flag: bool, world: int) -> bool:
    if world == 1:
        return flag
    import torch.distributed as dist

    t = torch.tensor([int(flag)])
    dist.broadcast(t, 0)
    return bool(t.item())


def _reference_value(exp: Experiment, val: ChannelBatch) -> float:
    """Mean sum rate of a converged WMMSE (best of MRT/RZF/ones starts, tol 1e-8, at most
    2000 iterations) on the validation set: the SE-ratio denominator (DESIGN.md)."""
    from spacemimo.model.wmmse import REFERENCE_MAX_ITER, REFERENCE_TOL, wmmse_batch

    res = wmmse_batch(val, init="best", tol=REFERENCE_TOL, max_iter=REFERENCE_MAX_ITER)
    return res.sum_rate.mean().item()


@torch.no_grad()
def evaluate_net(net: nn.Module, objective: Objective, batch: ChannelBatch,
                 chunk: int = 1000) -> dict[str, float]:
    """Mean objective, mean sum rate and QoS satisfaction of ``net`` on ``batch``."""
    was = net.training
    net.eval()
    values, rates = [], []
    for start in range(0, batch.batch_size, chunk):
        part = index_batch(batch, torch.arange(start, min(start + chunk, batch.batch_size)))
        out = objective(part, net(part))
        values.append(out.value)
        rates.append(out.rates)
    net.train(was)
    v, r = torch.cat(values), torch.cat(rates)
    metrics = {"objective": v.mean().item(), "sum_rate": r.sum(-1).mean().item()}
    if objective.r_min is not None:
        metrics["qos_satisfaction"] = obj.qos_satisfaction_ratio(r, objective.r_min)
    return metrics


def _scenario_record(exp: Experiment) -> dict[str, Any]:
    return {"preset": exp.scenario, "overrides": dict(exp.scenario_overrides),
            "vary": dict(exp.vary), "config": preset_config(
                exp.scenario, **exp.scenario_overrides).to_dict()}


def train(exp: Experiment, out_dir: str | Path | None = None, *, resume: str | Path | None = None,
          progress: bool = True, write_results: bool = True,
          callback: Callable[[dict[str, Any]], None] | None = None) -> TrainResult:
    """Train ``exp`` and write checkpoints/history under ``out_dir`` (default
    results/train/<name>). ``resume``: a checkpoint (or a directory holding ``last.pt``) of
    the same experiment; training continues to ``exp.train.steps`` and ends in the same state
    as an uninterrupted run. Under torchrun, only rank 0 writes files."""
    rank, world = _dist()
    tc = exp.train
    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT / exp.name
    torch.set_num_threads(tc.threads)
    load_preset(exp.scenario)  # fail early on a bad scenario

    torch.manual_seed(exp.seed)
    net = build_net(exp.net, dict(exp.net_overrides))
    lr = tc.lr or getattr(net_config(exp.net, dict(exp.net_overrides)), "lr", None) or DEFAULT_LR
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, tc.lr_decay_every, tc.lr_decay)
    if tc.init_from and resume is None:
        _init_from(net, Path(tc.init_from))
    objective = Objective(exp)
    source = BatchSource(exp, rank, world)
    val = validation_batch(exp)

    state: dict[str, Any] = {"step": 0, "best": -math.inf, "bad_evals": 0, "history": [],
                             "train_time_s": 0.0, "cpu_time_s": 0.0, "target": None,
                             "reference": None, "grad_norm_avg": None, "clipped": 0,
                             "skipped": 0, "lr_scale": 1.0, "rollbacks": 0}
    best_snapshot: tuple[dict[str, Any], dict[str, Any]] | None = None
    if resume is not None:
        rpath = Path(resume)
        ck = load_checkpoint(rpath / "last.pt" if rpath.is_dir() else rpath)
        saved = ck.extra.get("experiment", {})
        mismatch = [k for k in ("net", "net_overrides", "scenario", "scenario_overrides",
                                "objective", "objective_options", "seed", "vary")
                    if plain(saved.get(k)) != plain(getattr(exp, k))]
        _check(not mismatch, f"cannot resume: checkpoint {str(resume)!r} was trained with "
                             f"different {', '.join(mismatch)}")
        net.load_state_dict(ck.net.state_dict())
        if ck.optimizer_state is not None:
            optimizer.load_state_dict(ck.optimizer_state)
        scheduler.load_state_dict(ck.extra["scheduler"])
        objective.lam = float(ck.extra.get("lambda", objective.lam))
        state.update(ck.extra["train_state"])
        state["step"] = ck.step
        best_file = (rpath if rpath.is_dir() else rpath.parent) / "best.pt"
        if tc.rollback_below and best_file.is_file():  # the snapshot a rollback returns to
            bk = load_checkpoint(best_file)
            if bk.optimizer_state is not None:
                best_snapshot = (bk.net.state_dict(), bk.optimizer_state)
    if state["reference"] is None and tc.reference == "wmmse":
        state["reference"] = _reference_value(exp, val)

    model: nn.Module = net
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(net)

    paths = {"last": out / "last.pt", "best": out / "best.pt"}

    def save(path: Path, metrics: dict[str, Any]) -> None:
        if rank != 0:
            return
        extra = {"experiment": plain(exp.to_dict()), "scheduler": scheduler.state_dict(),
                 "lambda": objective.lam, "train_state": _plain_state(state), "seed": exp.seed,
                 "world_size": world}
        save_checkpoint(path, net, net_name=exp.net, net_overrides=dict(exp.net_overrides),
                        scenario=_scenario_record(exp), metrics=metrics, optimizer=optimizer,
                        step=state["step"], extra=extra)

    from tqdm.auto import tqdm

    bar = tqdm(total=tc.steps, initial=min(state["step"], tc.steps), unit="step",
               desc=exp.name, disable=not progress or rank != 0, dynamic_ncols=True)
    loss_sum, loss_n, viol_sum, gnorm_sum, gnorm_max = 0.0, 0, 0.0, 0.0, 0.0
    stop_reason = "steps"
    metrics: dict[str, Any] = {}
    model.train()
    while state["step"] < tc.steps:
        t0, c0 = time.perf_counter(), time.process_time()
        batch = source(state["step"])
        res = objective(batch, model(batch))
        optimizer.zero_grad(set_to_none=True)
        res.loss.backward()
        gnorm = _clip_gradients(net, tc, state)
        if math.isfinite(gnorm):
            gnorm_sum, gnorm_max = gnorm_sum + gnorm, max(gnorm_max, gnorm)
            warm = _warmup_factor(tc, state["step"]) * state["lr_scale"]
            # StepLR is chainable (reads group lr): scale for this step only
            with _scheduled_lr_kept(optimizer):
                for g in optimizer.param_groups:
                    g["lr"] *= warm
                optimizer.step()
        else:  # a NaN/Inf gradient would poison Adam's moments for good: drop the step
            state["skipped"] += 1
            optimizer.zero_grad(set_to_none=True)
        scheduler.step()
        if res.violation is not None:
            (v,) = _all_mean([res.violation.item()], world)
            objective.dual_step(v)
            viol_sum += v
        state["train_time_s"] += time.perf_counter() - t0
        state["cpu_time_s"] += time.process_time() - c0  # immune to other users' load
        state["step"] += 1
        loss_sum += res.loss.item()
        loss_n += 1
        bar.update(1)
        step = state["step"]
        if step % tc.eval_every and step < tc.steps:
            continue
        # ---- evaluation point: validation, early stop, checkpoints
        (train_loss,) = _all_mean([loss_sum / max(loss_n, 1)], world)
        metrics = evaluate_net(net, objective, val)
        samples = step * tc.batch_size
        row = {"step": step, "epoch": step / tc.steps_per_epoch, "samples": samples,
               "train_time_s": state["train_time_s"], "cpu_time_s": state["cpu_time_s"],
               "lr": scheduler.get_last_lr()[0] * _warmup_factor(tc, step) * state["lr_scale"],
               "train_loss": train_loss,
               "grad_norm": gnorm_sum / max(loss_n, 1), "grad_norm_max": gnorm_max,
               "clipped": state["clipped"], "skipped": state["skipped"],
               **{f"val_{k}": v for k, v in metrics.items()}}
        if tc.rollback_below:
            row["rollbacks"] = state["rollbacks"]  # updated below if this eval rolls back
        if objective.r_min is not None:
            row["lambda"] = objective.lam
            row["violation"] = viol_sum / max(loss_n, 1)
        if state["reference"]:
            row["val_ratio"] = metrics["sum_rate"] / state["reference"]
            metrics["ratio"] = row["val_ratio"]
            metrics["reference_sum_rate"] = state["reference"]
        state["history"].append(row)
        loss_sum, loss_n, viol_sum, gnorm_sum, gnorm_max = 0.0, 0, 0.0, 0.0, 0.0
        bar.set_postfix(loss=f"{train_loss:.4g}", val=f"{metrics['objective']:.4g}",
                        **({"ratio": f"{row['val_ratio']:.4f}"} if "val_ratio" in row else {}))
        improved = metrics["objective"] > state["best"] + tc.min_delta
        if improved:
            state["best"], state["bad_evals"] = metrics["objective"], 0
            if tc.rollback_below:
                best_snapshot = (copy.deepcopy(net.state_dict()),
                                 copy.deepcopy(optimizer.state_dict()))
        else:
            state["bad_evals"] += 1
            if (tc.rollback_below and best_snapshot is not None and state["best"] > 0
                    and metrics["objective"] < tc.rollback_below * state["best"]):
                # collapsed: back to the best weights and Adam moments, smaller steps from now
                net.load_state_dict(best_snapshot[0])
                with _scheduled_lr_kept(optimizer):  # keep the decay schedule where it is
                    optimizer.load_state_dict(copy.deepcopy(best_snapshot[1]))
                state["lr_scale"] *= ROLLBACK_LR_FACTOR
                state["rollbacks"] += 1
                state["grad_norm_avg"] = None
                row["rollbacks"] = state["rollbacks"]
                row["lr"] *= ROLLBACK_LR_FACTOR  # the lr from here on
                log.warning("%s: step %d: validation objective %.4g < %g x best %.4g; "
                            "rolled back to the best weights, lr scale %g", exp.name, step,
                            metrics["objective"], tc.rollback_below, state["best"],
                            state["lr_scale"])
        stop = False
        if (tc.target_ratio and state["target"] is None
                and row.get("val_ratio", 0.0) >= tc.target_ratio):
            state["target"] = {"step": step, "samples": samples,
                               "unique_samples": min(samples, tc.train_samples or samples),
                               "train_time_s": state["train_time_s"],
                               "cpu_time_s": state["cpu_time_s"], "ratio": row["val_ratio"]}
            stop, stop_reason = True, "target"
        if tc.patience is not None and state["bad_evals"] >= tc.patience:
            stop, stop_reason = True, "early_stop"
        if tc.time_limit_s is not None and state["train_time_s"] >= tc.time_limit_s:
            stop, stop_reason = True, "time_limit"
        if improved:
            save(paths["best"], metrics)
        save(paths["last"], metrics)
        if callback is not None:
            callback(row)
        if _broadcast_flag(stop, world):
            break
    bar.close()
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
    if write_results and rank == 0 and state["history"]:
        paths.update(_write_history(exp, out, state["history"]))
    return TrainResult(net=net, history=state["history"], paths=paths, step=state["step"],
                       best_metric=state["best"], stop_reason=stop_reason,
                       train_time_s=state["train_time_s"], target=state["target"])


@contextlib.contextmanager
def _scheduled_lr_kept(optimizer: torch.optim.Optimizer) -> Iterator[None]:
    """Restore every param group's lr (the scheduler's value) after the block, which may
    scale it for one step or load an optimizer state that carries an older lr."""
    scheduled = [g["lr"] for g in optimizer.param_groups]
    try:
        yield
    finally:
        for g, lr_g in zip(optimizer.param_groups, scheduled, strict=True):
            g["lr"] = lr_g


def _warmup_factor(tc: TrainConfig, step: int) -> float:
    """Linear lr warm-up: (step + 1) / warmup_steps for the first warmup_steps steps, else 1."""
    return min(1.0, (step + 1) / tc.warmup_steps) if tc.warmup_steps else 1.0


def _clip_gradients(net: nn.Module, tc: TrainConfig, state: dict[str, Any]) -> float:
    """The gradient's global norm before clipping; clips it in place (``clip_grad_norm_``) to
    ``grad_clip`` and to ``grad_clip_rel`` x the running mean of the earlier clipped norms
    (kept in ``state`` so a resumed run clips alike). A non-finite norm is returned as is."""
    params = [p for p in net.parameters() if p.grad is not None]
    if not params:
        return 0.0
    limit = tc.grad_clip or math.inf
    avg = state["grad_norm_avg"]
    if tc.grad_clip_rel and avg is not None:
        limit = min(limit, tc.grad_clip_rel * avg)
    norm = float(nn.utils.clip_grad_norm_(params, limit))
    if not math.isfinite(norm):
        return norm
    if norm > limit:
        state["clipped"] += 1
    kept = min(norm, limit)
    state["grad_norm_avg"] = kept if avg is None else (GRAD_NORM_EMA * avg
                                                       + (1 - GRAD_NORM_EMA) * kept)
    return norm


def _init_from(net: nn.Module, path: Path) -> None:
    """Copy every parameter/buffer of the checkpoint at ``path`` whose name and shape match."""
    src = load_checkpoint(path).net.state_dict()
    own = net.state_dict()
    hits = {k: v for k, v in src.items() if k in own and own[k].shape == v.shape}
    _check(bool(hits), f"train.init_from {str(path)!r} shares no parameters with this net")
    net.load_state_dict({**own, **{k: v.to(own[k].dtype) for k, v in hits.items()}})


def _plain_state(state: dict[str, Any]) -> dict[str, Any]:
    return plain({k: state[k] for k in ("best", "bad_evals", "history", "train_time_s",
                                         "cpu_time_s", "target", "reference",
                                         "grad_norm_avg", "clipped", "skipped",
                                         "lr_scale", "rollbacks")})


def _write_history(exp: Experiment, out: Path, history: list[dict[str, Any]]
                   ) -> dict[str, Path]:
    from spacemimo.ground.results import plot_lines, write_table

    paths = write_table(out, "history", history, config=plain(exp.to_dict()), seed=exp.seed,
                        title=f"training history: {exp.name}")
    key = "val_ratio" if "val_ratio" in history[0] else "val_objective"
    series = {key: ([r["step"] for r in history], [r[key] for r in history])}
    paths["png"] = plot_lines(out / "history.png", "step", key, series,
                              title=f"{exp.name} ({exp.net})")
    (out / "experiment.yaml").write_text(yaml.safe_dump(plain(exp.to_dict()), sort_keys=False))
    return paths
