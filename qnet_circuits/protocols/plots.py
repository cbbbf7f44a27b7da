"""Drawing helpers for the protocols' ``plot(ax=None)``: simulated values beside their theory.

Matplotlib is imported only when a new axis is needed; every helper draws on the axis it is
given and returns it.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from qnet_circuits.results import Estimate
>>> ax = compare_bars(None, ["p"], [Estimate(0.5, 0.01)], [0.49])
>>> [t.get_text() for t in ax.get_xticklabels()]
['p']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qnet_circuits.results import Estimate


def axis(ax: Any = None) -> Any:
    """``ax``, or a new matplotlib axis of a new 6 x 4 inch figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots(figsize=(6, 4))
    return ax


def compare_bars(ax: Any, labels: Sequence[str], simulated: Sequence[Estimate],
                 theory: Sequence[float | None], *, ylabel: str = "", title: str = "") -> Any:
    """One group per label: the simulated value (with its standard error) and its theory.

    A theory entry of None (no closed form) leaves that theory bar out.
    """
    ax = axis(ax)
    x = list(range(len(labels)))
    ax.bar([i - 0.2 for i in x], [e.value for e in simulated], width=0.4,
           yerr=[e.stderr for e in simulated], capsize=3, label="simulated")
    known = [(i, t) for i, t in zip(x, theory, strict=True) if t is not None]
    if known:
        ax.bar([i + 0.2 for i, _ in known], [t for _, t in known], width=0.4, label="theory")
    ax.set_xticks(x, list(labels))
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


#: tick labels of the Bell-diagonal weights (A, B, C, D)
BELL_LABELS = ("A (Φ+)", "B (Ψ−)", "C (Ψ+)", "D (Φ−)")

__all__ = ["BELL_LABELS", "axis", "compare_bars"]
