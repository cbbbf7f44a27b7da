"""What a sweep can run: the protocols of :mod:`qnet_circuits.protocols` (by name) or a callable,
and the one chunk of shots a worker executes.

Each protocol task has one *estimate* per metric (the result field a sweep pools) and a pooling
rule:

* ``"mean"``: the estimate is an average over shots (a fidelity from XX/YY/ZZ parities, a parity,
  a per-realization fidelity); chunks are pooled by their ``weight`` (the shots the estimate
  averaged over: heralded shots for ``link``, kept shots for ``purify``, delivered pairs for
  ``chain``, shots otherwise), stderr = sqrt(sum (w_i/W)^2 se_i^2).
* ``"proportion"``: the estimate is a success fraction; chunks pool their successes
  (round(p_i n_i)) and trials, stderr = sqrt(p(1-p)/N).

===============  ===================  ==========  ============================  ====================
task             metric (default 1st)  rule       weight                        theory key
===============  ===================  ==========  ============================  ====================
link             fidelity, p_success  mean, prop  heralded_shots, shots         fidelity, p_success
swap             fidelity             mean        shots                         fidelity
purify           fidelity, p_success  mean, prop  kept_shots, 3*shots           fidelity, p_success
teleport         fidelity             mean        shots                         fidelity
remote_cnot      fidelity             mean        shots                         fidelity
chain            fidelity             mean        realizations                  fidelity
dense_coding     success              proportion  4*shots (messages x shots)    success
sensing          parity               mean        shots                         parity
===============  ===================  ==========  ============================  ====================

A callable task is ``fn(*, shots, seed, **params) -> Mapping`` with keys ``estimate``, ``stderr``,
``weight`` (shots the estimate averaged over) and optionally ``theory``, ``successes`` (then the
proportion rule pools it); it must be importable by name for process or Dask workers.

>>> spec = resolve_task("chain")
>>> spec.name, spec.metric, "length_km" in spec.parameters
('chain', 'fidelity', True)
>>> resolve_task("chain").check_point({"lenght_km": 10})
Traceback (most recent call last):
...
ValueError: unknown parameter 'lenght_km' for task chain; valid: links, length_km, scheme, strategy, \
purification, rounds, t1_s, t2_s, cutoff_s, link_fidelity, link_level, alpha, detector_efficiency, \
estimator, correction, memory, time_scale, link_lengths_km, dark_count_prob
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: task name -> (module under qnet_circuits.protocols, Params class name)
PROTOCOL_TASKS: dict[str, tuple[str, str]] = {
    "link": ("link", "LinkParams"),
    "swap": ("swap", "SwapParams"),
    "purify": ("purify", "PurifyParams"),
    "teleport": ("teleport", "TeleportParams"),
    "remote_cnot": ("remote_cnot", "RemoteCnotParams"),
    "chain": ("chain", "ChainParams"),
    "dense_coding": ("dense_coding", "DenseCodingParams"),
    "sensing": ("sensing", "SenseParams"),
}
#: alternative spellings (the CLI's command names)
ALIASES = {"sense": "sensing", "remote-cnot": "remote_cnot", "dense-coding": "dense_coding"}


@dataclass(frozen=True)
class Metric:
    """How one estimate is read from a result: ``field`` (dotted path to an Estimate), pooling
    ``rule`` (``"mean"`` or ``"proportion"``), the ``weight`` attribute (dotted; with ``scale``:
    weight = scale * that value) and the ``theory`` key."""

    field: str
    rule: str
    weight: str
    theory: str
    scale: int = 1


_FID = Metric("fidelity", "mean", "provenance.shots", "fidelity")
METRICS: dict[str, dict[str, Metric]] = {
    "link": {"fidelity": Metric("fidelity", "mean", "heralded_shots", "fidelity"),
             "p_success": Metric("p_success", "proportion", "shots", "p_success")},
    "swap": {"fidelity": _FID},
    "purify": {"fidelity": Metric("fidelity", "mean", "kept_shots", "fidelity"),
               "p_success": Metric("p_success", "proportion", "provenance.shots", "p_success", 3)},
    "teleport": {"fidelity": _FID},
    "remote_cnot": {"fidelity": _FID},
    "chain": {"fidelity": Metric("fidelity", "mean", "realizations", "fidelity")},
    "dense_coding": {"success": Metric("success", "proportion", "provenance.shots", "success", 4)},
    "sensing": {"parity": Metric("parity", "mean", "provenance.shots", "parity")},
}


def _dotted(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj[part] if isinstance(obj, Mapping) else getattr(obj, part)
    return obj


def _coerce(annotation: str, value: Any) -> Any:
    """Canonical type for a grid value: an int given for a float field becomes a float (so 10 and
    10.0 are the same point)."""
    if isinstance(value, int) and not isinstance(value, bool):
        head = annotation.replace(" ", "").split("|")
        if "float" in head and "int" not in head:
            return float(value)
    return value


@dataclass(frozen=True)
class TaskSpec:
    """A resolved task: ``name``, its ``parameters`` (name -> annotation), the ``metric`` pooled,
    and ``target`` (module:qualname of a callable task, or None for a protocol)."""

    name: str
    parameters: Mapping[str, str]
    metric: str
    target: str | None = None

    def check_point(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """``point`` with names checked against :attr:`parameters` and values canonical."""
        if not isinstance(point, Mapping):
            raise ValueError(f"a grid point must be a mapping of parameter -> value, got {point!r}")
        out = {}
        for key, value in point.items():
            name = str(key).replace("-", "_")
            if name not in self.parameters:
                raise ValueError(f"unknown parameter {key!r} for task {self.name}; valid: "
                                 f"{', '.join(self.parameters)}")
            out[name] = _coerce(self.parameters[name], value)
        return out


def resolve_task(task: str | Callable[..., Mapping[str, Any]], metric: str | None = None) -> TaskSpec:
    """The :class:`TaskSpec` of a protocol name (``chain``, ``dense-coding``, ``sense``, ...) or of
    a module-level callable."""
    if callable(task):
        params = {n: str(p.annotation) for n, p in inspect.signature(task).parameters.items()
                  if n not in ("shots", "seed") and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        target = f"{task.__module__}:{task.__qualname__}"
        if "<" in target:
            raise ValueError(f"a callable task must be a module-level function, got {target}")
        return TaskSpec(getattr(task, "__name__", "task"), params, metric or "estimate", target)
    if not isinstance(task, str):
        raise ValueError(f"task must be a protocol name or a callable, got {task!r}")
    name = ALIASES.get(task, task.replace("-", "_"))
    if name not in PROTOCOL_TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(PROTOCOL_TASKS)} "
                         "or pass a callable")
    metrics = METRICS[name]
    metric = metric or next(iter(metrics))
    if metric not in metrics:
        raise ValueError(f"--metric for {name} must be one of {', '.join(metrics)}, got {metric!r}")
    module, cls = PROTOCOL_TASKS[name]
    params_cls = getattr(importlib.import_module(f"qnet_circuits.protocols.{module}"), cls)
    fields = {f.name: str(f.type) for f in dataclasses.fields(params_cls) if f.init}
    return TaskSpec(name, fields, metric)


def canonical(point: Mapping[str, Any]) -> str:
    """The canonical JSON of a point (sorted keys, no spaces): part of a chunk's store key."""
    return json.dumps(point, sort_keys=True, separators=(",", ":"), default=str)


def _finite_or_none(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def run_chunk(spec: TaskSpec, point: Mapping[str, Any], shots: int, seed: int) -> dict[str, Any]:
    """Run one chunk (``shots`` shots with ``seed``) of ``point``; what a worker executes.

    Returns ``estimate``, ``stderr``, ``weight``, ``successes`` (proportion rule, else None),
    ``theory`` (float or None) and ``wall_s``."""
    start = time.perf_counter()
    if spec.target is not None:
        module, qualname = spec.target.split(":")
        fn = importlib.import_module(module)
        for part in qualname.split("."):
            fn = getattr(fn, part)
        out = dict(fn(shots=shots, seed=seed, **point))
        chunk = {"estimate": float(out["estimate"]), "stderr": float(out["stderr"]),
                 "weight": int(out.get("weight", shots)), "successes": out.get("successes"),
                 "theory": _finite_or_none(out.get("theory"))}
    else:
        module, cls = PROTOCOL_TASKS[spec.name]
        mod = importlib.import_module(f"qnet_circuits.protocols.{module}")
        result = mod.run(getattr(mod, cls)(**point), shots=shots, seed=seed)
        metric = METRICS[spec.name][spec.metric]
        est = _dotted(result, metric.field)
        weight = int(_dotted(result, metric.weight)) * metric.scale
        successes = round(est.value * weight) if metric.rule == "proportion" else None
        stderr = float(est.stderr)
        if metric.rule == "mean" and metric.field == "fidelity" and est.value == 1.0:
            # every parity agreed: the chunk's interval (Agresti-Coull) does not pool (it would
            # shrink as 1/sqrt(chunks)); hand the sweep the plug-in 0 so that its own rule
            # 1/(W+1) over all the point's shots applies (pooling.stopping_stderr)
            stderr = 0.0
        theory = result.theory.get(metric.theory) if result.theory else None
        chunk = {"estimate": float(est.value), "stderr": stderr, "weight": weight,
                 "successes": successes, "theory": _finite_or_none(theory)}
    chunk["wall_s"] = time.perf_counter() - start
    return chunk


__all__ = ["ALIASES", "METRICS", "PROTOCOL_TASKS", "Metric", "TaskSpec", "canonical", "resolve_task",
           "run_chunk"]
