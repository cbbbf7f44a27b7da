"""Pool the chunks of one sweep point and decide when a point is done.

A point's chunk k has a fixed size (:func:`chunk_sizes`), so the chunks a point needs and their
seeds depend only on the sweep, never on the workers. The point's result is the pool of its
*shortest prefix* of chunks that meets the stopping rule (stderr <= target, or every chunk up to
``max_shots`` run); chunks run speculatively beyond that prefix are ignored, so the table is the
same however many chunks were in flight.

>>> a = {"estimate": 0.9, "stderr": 0.03, "weight": 100, "successes": None}
>>> b = {"estimate": 0.8, "stderr": 0.04, "weight": 300, "successes": None}
>>> p = pool([a, b], "mean"); round(p.value, 6), round(p.stderr, 6), p.weight
(0.825, 0.030923, 400)
>>> q = pool([dict(a, successes=90), dict(b, successes=240)], "proportion"); round(q.value, 4), q.weight
(0.825, 400)
>>> chunk_sizes(2500, 1000)
[1000, 1000, 500]
>>> ideal = {"estimate": 1.0, "stderr": 0.0, "weight": 1000, "successes": None}
>>> done_prefix([ideal] * 3, "mean", 0.01, 10), done_prefix([ideal] * 3, "mean", 0.0004, 10)
(1, 3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pooled:
    """The pooled estimate of a prefix of chunks: ``value``, ``stderr``, total ``weight``."""

    value: float
    stderr: float
    weight: int


def pool(chunks: Sequence[Mapping[str, Any]], rule: str) -> Pooled:
    """Pool ``chunks`` (dicts with estimate, stderr, weight, successes) by ``rule``.

    ``"proportion"``: p = sum successes / sum weight, stderr sqrt(p(1-p)/N) (pooling the
    successes, so a chunk with p = 0 or 1 does not claim zero error for the pool). ``"mean"``: the
    weight-weighted mean (equal to the estimate from all shots at once for any estimator that is a
    mean over shots) with stderr sqrt(sum (w_i/W)^2 se_i^2). Chunks of weight 0 (no heralded
    shot) carry no information and are skipped; with no weight at all the value is NaN."""
    total = sum(int(c["weight"]) for c in chunks)
    if total <= 0:
        return Pooled(math.nan, math.inf, 0)
    if rule == "proportion" and all(c.get("successes") is not None for c in chunks):
        p = sum(int(c["successes"]) for c in chunks) / total
        return Pooled(p, math.sqrt(max(p * (1 - p), 0.0) / total), total)
    live = [c for c in chunks if int(c["weight"]) > 0]
    value = sum(c["weight"] * c["estimate"] for c in live) / total
    var = sum((c["weight"] / total) ** 2 * c["stderr"] ** 2 for c in live)
    return Pooled(value, math.sqrt(var), total)


def chunk_sizes(max_shots: int, chunk_shots: int) -> list[int]:
    """Shots of every chunk a point may run: ``chunk_shots`` each, the last one the remainder."""
    full, rest = divmod(max_shots, chunk_shots)
    return [chunk_shots] * full + ([rest] if rest else [])


def done_prefix(chunks: Sequence[Mapping[str, Any] | None], rule: str, target: float | None,
                n_chunks: int) -> int | None:
    """The length of the shortest finished prefix that stops the point, or None (run more).

    ``chunks[k]`` is chunk k's result or None (not finished). Without ``target`` every one of the
    ``n_chunks`` chunks is needed."""
    for k in range(n_chunks):
        if k >= len(chunks) or chunks[k] is None:
            return None
        if target is not None:
            pooled = pool(chunks[: k + 1], rule)
            if pooled.weight > 0 and stopping_stderr(pooled) <= target:
                return k + 1
    return n_chunks


def stopping_stderr(pooled: Pooled) -> float:
    """The standard error the stopping rule compares with the target: the pooled stderr, or,
    when that is exactly 0 (every shot agreed: a proportion at 0 or 1, an ideal fidelity of 1),
    the one-sigma Wilson score half-width 1/(W+1) of W shots without a single disagreement.

    A zero error bar is never trusted at once (as sinter never stops on zero errors): a
    degenerate point runs until its W shots would have shown a 1/W effect, i.e. until
    1/(W+1) <= target. The sweep table reports this stderr too: with W shots an error rate
    below about 1/W cannot be told from 0 (a 2-link chain of fidelity 0.9963 gave 250 perfect
    pairs: estimate 1, pooled stderr 0, the 5-sigma check against theory needs 1/251)."""
    if pooled.stderr == 0.0 and pooled.weight > 0:
        return 1.0 / (pooled.weight + 1)
    return pooled.stderr


def needed_chunks(chunks: Sequence[Mapping[str, Any]], rule: str, target: float, n_chunks: int,
                  chunk_shots: int) -> int:
    """How many chunks in all the point will likely need (stderr scales as 1/sqrt(weight)),
    from its finished prefix ``chunks``; at least one more, at most ``n_chunks``."""
    pooled = pool(chunks, rule)
    have = len(chunks)
    if pooled.weight <= 0 or not math.isfinite(pooled.stderr):
        return min(n_chunks, have + 1)
    if pooled.stderr == 0.0:  # degenerate: 1/(W+1) falls as 1/W
        return max(have + 1, min(n_chunks, math.ceil(have * stopping_stderr(pooled) / target)))
    factor = (pooled.stderr / target) ** 2
    return max(have + 1, min(n_chunks, math.ceil(have * factor)))


__all__ = ["Pooled", "chunk_sizes", "done_prefix", "needed_chunks", "pool", "stopping_stderr"]
