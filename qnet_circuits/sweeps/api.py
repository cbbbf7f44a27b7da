"""``sweep(task, grid, ...)``: every point of a grid, in precision-driven chunks, on any executor,
into a tidy pandas DataFrame (and, with ``store=``, into SQLite as it goes).

Chunk k of a point runs ``chunk_sizes(max_shots, chunk_shots)[k]`` shots with the seed
:func:`chunk_seed` derives from (sweep seed, point, k) through :class:`numpy.random.SeedSequence`
spawn keys; the point's result pools its shortest prefix of chunks that stops it
(:mod:`~qnet_circuits.sweeps.pooling`). So the table (all columns but ``wall_s``) is the same
serially, on 2 processes or on a Dask cluster, and after a kill and a restart.

>>> table = sweep("swap", {"fidelity": [0.9, 0.8]}, max_shots=600, chunk_shots=300, seed=1)
>>> list(table["shots"]), [round(t, 6) for t in table["theory"]]
([600, 600], [0.813333, 0.653333])
>>> bool(abs(table["estimate"][0] - table["theory"][0]) <= 5 * table["stderr"][0])
True
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qnet_circuits.sweeps.executors import make_pool
from qnet_circuits.sweeps.grid import expand
from qnet_circuits.sweeps.pooling import chunk_sizes, done_prefix, needed_chunks, pool, stopping_stderr
from qnet_circuits.sweeps.store import SCHEMA_VERSION, SweepStore, package_version
from qnet_circuits.sweeps.tasks import METRICS, TaskSpec, canonical, resolve_task, run_chunk

#: shots of one chunk and the most shots of one point when none are given
DEFAULT_CHUNK_SHOTS = 1000
DEFAULT_MAX_SHOTS = 10_000
#: most chunks of one point (refused before any work: raise chunk_shots)
MAX_CHUNKS_PER_POINT = 10_000


def chunk_seed(seed: int, point_digest: bytes, chunk: int) -> int:
    """The Aer seed of chunk ``chunk`` of a point: SeedSequence(seed, spawn_key=(the point's
    digest as four 32-bit words, chunk)), its first 32-bit word."""
    words = tuple(int.from_bytes(point_digest[i:i + 4], "little") for i in range(0, 16, 4))
    return int(np.random.SeedSequence(seed, spawn_key=(*words, chunk)).generate_state(1)[0])


def _rule(spec: TaskSpec) -> str:
    if spec.target is not None:
        return "proportion"  # pool() falls back to the mean rule when a chunk has no successes
    return METRICS[spec.name][spec.metric].rule


class _Point:
    """One grid point's state: parameters, keys, chunk plan and finished chunks."""

    def __init__(self, spec: TaskSpec, params: dict[str, Any], seed: int, sizes: list[int],
                 chunk_shots: int) -> None:
        self.params = params
        ident = {"task": spec.name, "target": spec.target, "metric": spec.metric,
                 "params": params, "seed": seed, "chunk_shots": chunk_shots,
                 "schema": SCHEMA_VERSION, "version": package_version()}
        blob = json.dumps(ident, sort_keys=True, default=str).encode()
        self.key = hashlib.sha256(blob).hexdigest()
        seed_digest = hashlib.sha256(canonical({"task": spec.name, "params": params}).encode()).digest()
        self.sizes = sizes
        self.seeds = [chunk_seed(seed, seed_digest, k) for k in range(len(sizes))]
        self.done: dict[int, dict[str, Any]] = {}
        self.flying: set[int] = set()
        self.finished: int | None = None

    def prefix(self) -> list[dict[str, Any]]:
        out = []
        while len(out) in self.done:
            out.append(self.done[len(out)])
        return out


def _wanted(point: _Point, rule: str, target: float | None, chunk_shots: int) -> list[int]:
    prefix = point.prefix()
    if target is None:
        want = len(point.sizes)
    elif not prefix:
        want = 1
    else:
        want = needed_chunks(prefix, rule, target, len(point.sizes), chunk_shots)
    return [k for k in range(want) if k not in point.done and k not in point.flying]


def _row(spec: TaskSpec, point: _Point, rule: str, seed: int) -> dict[str, Any]:
    used = [point.done[k] for k in range(point.finished)]
    pooled = pool(used, rule)
    theory = next((c["theory"] for c in used if c["theory"] is not None), None)
    return {**point.params, "task": spec.name, "metric": spec.metric,
            "estimate": pooled.value, "stderr": stopping_stderr(pooled),
            "theory": math.nan if theory is None else theory,
            "shots": sum(point.sizes[: point.finished]), "chunks": point.finished,
            "wall_s": sum(c["wall_s"] for c in used), "seed": seed}


def _check(target_stderr: float | None, max_shots: int, chunk_shots: int, seed: int) -> None:
    if target_stderr is not None and not (isinstance(target_stderr, (int, float))
                                          and math.isfinite(target_stderr) and target_stderr > 0):
        raise ValueError(f"target_stderr must be a number > 0, got {target_stderr!r}")
    for name, value in (("max_shots", max_shots), ("chunk_shots", chunk_shots)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if math.ceil(max_shots / chunk_shots) > MAX_CHUNKS_PER_POINT:
        raise ValueError(f"max_shots / chunk_shots = {math.ceil(max_shots / chunk_shots)} chunks per point, "
                         f"over the limit of {MAX_CHUNKS_PER_POINT}: raise chunk_shots")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")


def _progress_bar(enabled: bool | None, total: int):
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("QNET_QUICK")
    return tqdm(total=total, desc="points", unit="pt", file=sys.stderr, disable=not enabled)


def sweep(task: str | Callable[..., Mapping[str, Any]],
          grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]], *,
          executor: Any = None, store: str | Path | SweepStore | None = None,
          target_stderr: float | None = None, max_shots: int = DEFAULT_MAX_SHOTS,
          chunk_shots: int = DEFAULT_CHUNK_SHOTS, seed: int = 0, metric: str | None = None,
          progress: bool | None = None):
    """Run ``task`` at every point of ``grid``; returns a pandas DataFrame, one row per point:
    the parameters, ``task``, ``metric``, ``estimate``, ``stderr``, ``theory`` (NaN where there is
    no closed form), ``shots``, ``chunks``, ``wall_s`` (simulation seconds) and ``seed``.
    ``stderr`` is never 0 from finite shots: where every shot agreed (pooled stderr 0) it is the
    Wilson one-sigma width 1/(W+1) of the W shots pooled (:func:`~.pooling.stopping_stderr`).

    Args:
        task: a protocol name (:data:`~qnet_circuits.sweeps.tasks.PROTOCOL_TASKS`, CLI spellings
            such as ``dense-coding`` and ``sense`` too) or a module-level callable (see
            :mod:`~qnet_circuits.sweeps.tasks`).
        grid: a dict of value lists (their product) or a list of point dicts; names are the
            fields of the task's Params dataclass.
        executor: None (serial), a concurrent.futures Executor, a dask ``distributed.Client`` or
            a scheduler address.
        store: an SQLite file (or :class:`SweepStore`): finished chunks are written as they
            arrive and skipped on a re-run.
        target_stderr: stop a point once its pooled stderr is at most this; None: run max_shots.
        max_shots, chunk_shots: the most shots of a point, and the shots of one chunk.
        seed: the sweep seed (chunk seeds derive from it, the point and the chunk index).
        metric: which estimate of the task to pool (default: the task's first metric).
        progress: a tqdm bar on stderr (None: when stderr is a terminal and not QNET_QUICK).
    """
    import pandas as pd

    _check(target_stderr, max_shots, chunk_shots, seed)
    spec = resolve_task(task, metric)
    params = [spec.check_point(p) for p in expand(grid)]
    if len({canonical(p) for p in params}) != len(params):
        raise ValueError("the grid repeats a point: give each parameter combination once")
    sizes = chunk_sizes(max_shots, chunk_shots)
    points = [_Point(spec, p, seed, sizes, chunk_shots) for p in params]
    rule = _rule(spec)
    owned = store is not None and not isinstance(store, SweepStore)
    db = SweepStore(store) if owned else store
    try:
        if db is not None:
            stored = db.chunks(p.key for p in points)
            for p in points:
                p.done = {k: c for k, c in stored.get(p.key, {}).items()
                          if k < len(sizes) and c["shots"] == sizes[k]}
        workers = make_pool(executor)
        try:
            _run(spec, points, rule, target_stderr, chunk_shots, seed, workers, db,
                 _progress_bar(progress, len(points)))
        finally:
            if isinstance(executor, str):  # a client this call opened on an address
                workers.client.close()
        rows = [_row(spec, p, rule, seed) for p in points]
        if db is not None:
            db.put_points((p.key, -1.0 if target_stderr is None else float(target_stderr), max_shots,
                           spec.name, spec.metric, canonical(p.params), r) for p, r in zip(points, rows))
    finally:
        if owned and db is not None:
            db.close()
    return pd.DataFrame(rows)


def _run(spec, points, rule, target, chunk_shots, seed, workers, db, bar) -> None:
    """Schedule chunks until every point stops; writes each finished chunk to ``db``."""
    def settle(point: _Point) -> bool:
        point.finished = done_prefix(point.prefix(), rule, target, len(point.sizes))
        return point.finished is not None

    active = deque()
    for p in points:
        if settle(p):
            bar.update(1)
        else:
            active.append(p)
    flying: dict[Any, tuple[_Point, int]] = {}
    cap = max(2, 2 * workers.workers)
    shots = 0
    with bar:
        while active or flying:
            while active and len(flying) < cap:
                p = active.popleft()
                for k in _wanted(p, rule, target, chunk_shots):
                    p.flying.add(k)
                    flying[workers.submit(run_chunk, spec, p.params, p.sizes[k], p.seeds[k])] = (p, k)
            for fut in workers.wait_any(list(flying)):
                p, k = flying.pop(fut)
                result = fut.result()
                p.flying.discard(k)
                p.done[k] = result
                shots += p.sizes[k]
                if db is not None:
                    db.put_chunk(p.key, k, result, shots=p.sizes[k], seed=p.seeds[k])
                if p.finished is None and not p.flying:
                    if settle(p):
                        bar.update(1)
                        bar.set_postfix(shots=shots, refresh=False)
                    else:
                        active.appendleft(p)


__all__ = ["DEFAULT_CHUNK_SHOTS", "DEFAULT_MAX_SHOTS", "MAX_CHUNKS_PER_POINT", "chunk_seed", "sweep"]
