"""A callable sweep task with an exact answer, for examples, tests and benchmarks of the sweep
machinery itself (no circuits): ``coin(p=..., shots=..., seed=...)`` flips a coin of bias ``p``.

>>> out = coin(p=0.25, shots=4000, seed=3)
>>> out["theory"], out["weight"], abs(out["estimate"] - 0.25) <= 5 * out["stderr"]
(0.25, 4000, True)
"""

from __future__ import annotations

import math
import time

import numpy as np


def coin(*, p: float, shots: int, seed: int, delay_s: float = 0.0) -> dict[str, float | int]:
    """``shots`` Bernoulli(p) flips with ``seed``: estimate, stderr, weight, successes, theory.
    ``delay_s`` sleeps that long first (a stand-in for a slow simulation, e.g. to kill a sweep
    mid-way in a test)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if delay_s > 0:
        time.sleep(delay_s)
    successes = int(np.random.default_rng(seed).binomial(shots, p))
    est = successes / shots
    return {"estimate": est, "stderr": math.sqrt(est * (1 - est) / shots), "weight": shots,
            "successes": successes, "theory": p}


__all__ = ["coin"]
