"""Matplotlib figures of repeater-chain results, drawn on an axis the caller passes.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> from qnet_circuits.network import chain
>>> from qnet_circuits.scheduler import ChainPlan
>>> from qnet_circuits.protocols.chain import sweep
>>> res = sweep([20.0, 40.0], lambda d: chain(2, d / 2), plan=ChainPlan(link_fidelity=0.97),
...             realizations=150, seed=1, progress=False)
>>> fig, (a, b) = plt.subplots(1, 2)
>>> _ = plot_fidelity_vs_distance(a, {2: res})
>>> _ = plot_rate_vs_distance(b, {2: res})
>>> sorted(t.get_text() for t in b.get_legend().get_texts())
['2 links', 'PLOB (no repeater)']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from qnet_circuits import physics

if TYPE_CHECKING:  # the chain protocol imports Qiskit; plotting needs only its results' fields
    from qnet_circuits.protocols.chain import ChainResult


def _sorted(results: Sequence[ChainResult]) -> list[ChainResult]:
    return sorted(results, key=lambda r: r.theory["total_length_km"])


def plot_fidelity_vs_distance(ax, results_by_links: Mapping[int, Sequence[ChainResult]],
                              *, theory: bool = True):
    """End-to-end fidelity (mean +- standard error) against total distance, one series per
    number of links; dashed: the ideal-memory closed form (section 4) where it applies.

    Args:
        ax: a matplotlib Axes.
        results_by_links: ``{n_links: [ChainResult, ...]}`` (any order of distances).
        theory: draw the closed forms too.
    """
    for n, results in sorted(results_by_links.items()):
        rs = _sorted(results)
        x = [r.theory["total_length_km"] for r in rs]
        y = [r.fidelity.value for r in rs]
        err = [r.fidelity.stderr for r in rs]
        line = ax.errorbar(x, y, yerr=err, marker="o", ms=4, capsize=2, label=f"{n} link{'s' * (n > 1)}")
        if theory:
            th = [r.theory.get("fidelity_ideal_memories", math.nan) for r in rs]
            if not all(math.isnan(t) for t in th):
                ax.plot(x, th, ls="--", lw=1, color=line[0].get_color())
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("total distance (km)")
    ax.set_ylabel("end-to-end fidelity to $\\Phi^+$")
    ax.legend(fontsize="small")
    return ax


def _per_use(r: ChainResult) -> tuple[float, float]:
    """Pairs per channel use (cycle time / mean delivery time) and its standard error."""
    tau = float(np.mean(r.theory["cycle_time_s"]))
    mean, se = r.delivery["mean_s"], r.delivery["stderr_s"]
    return tau / mean, tau * se / mean**2


def plot_rate_vs_distance(ax, results_by_links: Mapping[int, Sequence[ChainResult]],
                          *, plob: bool = True, attenuation_db_per_km: float = 0.2):
    """Delivered pairs per channel use (one use = one attempt of a link) against total distance,
    on a log scale, with the PLOB bound ``-log2(1 - eta)`` of the whole distance (section 9) and,
    dotted, the ideal-repeater bound of each chain (``plob_chain``).

    The PLOB bounds count distillable ebits; delivered pairs with fidelity below 1 carry less.
    """
    xmin, xmax = math.inf, 0.0
    for n, results in sorted(results_by_links.items()):
        rs = _sorted(results)
        x = [r.theory["total_length_km"] for r in rs]
        ys = [_per_use(r) for r in rs]
        line = ax.errorbar(x, [y for y, _ in ys], yerr=[e for _, e in ys], marker="o", ms=4,
                           capsize=2, label=f"{n} link{'s' * (n > 1)}")
        xmin, xmax = min(xmin, min(x)), max(xmax, max(x))
        if plob and n > 1:
            grid = np.linspace(max(min(x), 1e-3), max(x), 100)
            eta = 10 ** (-attenuation_db_per_km * grid / 10)
            ax.plot(grid, [physics.plob_chain(e, n) for e in eta], ls=":", lw=1,
                    color=line[0].get_color())
    if plob and xmax > 0:
        grid = np.linspace(xmin, xmax, 200)
        eta = 10 ** (-attenuation_db_per_km * grid / 10)
        ax.plot(grid, [physics.plob(e) for e in eta], color="k", lw=1.5,
                label="PLOB (no repeater)")
    ax.set_yscale("log")
    ax.set_xlabel("total distance (km)")
    ax.set_ylabel("pairs per channel use")
    ax.legend(fontsize="small")
    return ax


__all__ = ["plot_fidelity_vs_distance", "plot_rate_vs_distance"]


def plot_multiplexing(ax, p: float, max_modes: int = 64,
                      simulated: Mapping[int, tuple[float, float]] | None = None):
    """Per-round success of a multiplexed link against the number of modes m: the closed form
    ``1 - (1 - p)^m`` (line), the linear ``m p`` of independent use (dotted) and optional
    simulated points ``{m: (fraction, stderr)}``. Returns the axis.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_multiplexing(plt.subplots()[1], 0.05, 32, simulated={4: (0.19, 0.01)})
    >>> len(ax.lines) >= 2
    True
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=(6, 4))
    m = np.arange(1, int(max_modes) + 1)
    ax.plot(m, [physics.multiplexed_success(p, int(k)) for k in m], label="1 - (1 - p)^m")
    ax.plot(m, np.minimum(m * p, 1.0), ":", color="gray", label="m p")
    if simulated:
        ks = sorted(simulated)
        ax.errorbar(ks, [simulated[k][0] for k in ks], yerr=[simulated[k][1] for k in ks],
                    fmt="o", capsize=3, label="simulated")
    ax.set(xlabel="memory modes m", ylabel="success per round",
           title=f"multiplexed link, p = {p:g} per mode")
    ax.legend()
    return ax
