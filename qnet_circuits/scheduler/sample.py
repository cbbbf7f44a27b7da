"""Sampling the timeline of many realizations: attempt counts per link (closed form, or from a
caller's sampler) turned into waits by :mod:`qnet_circuits.timeline`.

>>> from qnet_circuits.network import chain
>>> models = link_models(chain(2, 10.0), ["alice", "r1", "bob"], ChainPlan())
>>> tl = sample_timeline(models, ChainPlan(), 5, np.random.default_rng(1))
>>> tl.realizations, tl.attempts.shape
(5, (5, 2))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qnet_circuits.scheduler.links import LinkModel, link_models  # noqa: F401 (doctest)
from qnet_circuits.scheduler.plan import ChainPlan
from qnet_circuits.timeline import (
    ChainGeometry,
    Timeline,
    chain_timeline,
    chain_timeline_cutoff,
    sample_attempts,
)


def geometry_of(models: Sequence[LinkModel]) -> ChainGeometry:
    """Cycle times and cumulative classical delays along the path."""
    delays = [0.0]
    for mdl in models:
        delays.append(delays[-1] + mdl.message_s)
    return ChainGeometry(tuple(m.cycle_time_s for m in models), tuple(delays))


LinkSampler = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray, list[Any]]]


def state_sampler(models: Sequence[LinkModel]) -> LinkSampler:
    """Closed-form sampler: link i draws geometric attempt counts with its probability p."""

    def draw(i: int, size: int, rng: np.random.Generator):
        k = sample_attempts(models[i].p, size, rng)
        return k * models[i].cycle_time_s, k, [int(x) for x in k]

    return draw


def sample_timeline(
    models: Sequence[LinkModel],
    plan: ChainPlan,
    realizations: int,
    rng: np.random.Generator,
    sampler: LinkSampler | None = None,
) -> Timeline:
    """Sample the timeline of ``realizations`` realizations (vectorized without cutoff)."""
    geometry = geometry_of(models)
    draw = sampler or state_sampler(models)
    n = len(models)
    if plan.timing == "deterministic":
        k = np.array([[max(1, round(1.0 / m.p)) for m in models]], dtype=np.int64)
        ready = k * np.array([m.cycle_time_s for m in models])[None, :]
        return chain_timeline(ready, geometry, plan.strategy, attempts=k,
                              records=[[int(x) for x in k[0]]])
    if plan.cutoff_s is None:
        ready = np.zeros((realizations, n))
        att = np.zeros((realizations, n), dtype=np.int64)
        cols = []
        for i in range(n):
            ready[:, i], att[:, i], recs = draw(i, realizations, rng)
            cols.append(recs)
        records = [[cols[i][r] for i in range(n)] for r in range(realizations)]
        return chain_timeline(ready, geometry, plan.strategy, attempts=att, records=records)

    def generate(i: int, t: float) -> tuple[float, int, Any]:
        dur, k, recs = draw(i, 1, rng)
        return t + float(dur[0]), int(k[0]), recs[0]

    return chain_timeline_cutoff(generate, geometry, plan.strategy, plan.cutoff_s, realizations)


def block_size(n_links: int, realizations: int, plan: ChainPlan, estimator: str) -> int:
    """Realizations per circuit: enough to amortize Aer's per-binding overhead, few enough to keep
    the template small (about 6000 operations per circuit)."""
    per = 30 * n_links * (2 ** (plan.purification.rounds if plan.purification else 0))
    k = max(1, 6000 // max(per, 1))
    if estimator == "density_matrix":
        k = min(k, 16)
    return int(min(k, realizations, 256))


__all__ = ["LinkSampler", "block_size", "geometry_of", "sample_timeline", "state_sampler"]
