"""Draw a sweep (a DataFrame from :func:`~qnet_circuits.sweeps.sweep` or a store's points):
simulated estimates with one-sigma error bars over the closed-form theory (dashed), one series per
combination of the other swept parameters. Matplotlib with the Agg backend (no display needed).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

#: columns of a sweep row that are not parameters
RESULT_COLUMNS = ("task", "metric", "estimate", "stderr", "theory", "shots", "chunks", "wall_s", "seed")


def plot_table(table, *, x: str, ax=None, title: str | None = None):
    """Draw ``table`` (one task, one metric) against parameter ``x`` on ``ax``; returns the axes
    and the number of series."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    others = [c for c in table.columns if c not in RESULT_COLUMNS and c != x
              and table[c].astype(str).nunique() > 1]
    groups = table.groupby([table[c].astype(str) for c in others], sort=False) if others else [((), table)]
    series = 0
    for key, part in groups:
        part = part.sort_values(x)
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c}={v}" for c, v in zip(others, key)) or "simulation"
        bars = ax.errorbar(part[x], part["estimate"], yerr=part["stderr"], fmt="o", ms=4, capsize=3,
                           label=label)
        theory = part[["theory"]].astype(float)
        if theory["theory"].notna().any():
            ax.plot(part[x], theory["theory"], "--", color=bars[0].get_color(), lw=1,
                    label=f"theory ({label})" if others else "theory")
        series += 1
    ax.set_xlabel(x)
    ax.set_ylabel(str(table["metric"].iloc[0]))
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title)
    return ax, series


def plot_store(store: str | Path, *, x: str, y: str | None = None, task: str | None = None,
               out: str | Path) -> dict[str, Any]:
    """Plot the finished points of ``store`` (metric ``y``, task ``task``) against ``x`` into
    ``out``; ValueError names what is missing."""
    import pandas as pd

    from qnet_circuits.sweeps.store import SweepStore

    path = Path(store)
    if not path.is_file():
        raise ValueError(f"store {path} does not exist")
    with SweepStore(path) as db:
        table = pd.DataFrame(db.points())
    if table.empty:
        raise ValueError(f"store {path} holds no finished points (run qnet sweep --store {path})")
    for column, wanted in (("task", task), ("metric", y)):
        values = list(dict.fromkeys(table[column]))
        if wanted is None and len(values) > 1:
            flag = "--task" if column == "task" else "--y"
            raise ValueError(f"store {path} holds several {column}s ({', '.join(values)}): "
                             f"choose one with {flag}")
        wanted = values[0] if wanted is None else wanted.replace("-", "_")
        if wanted not in values:
            raise ValueError(f"store {path} has no {column} {wanted!r}; it has {', '.join(values)}")
        table = table[table[column] == wanted]
    x_name = x.replace("-", "_")
    params = [c for c in table.columns if c not in RESULT_COLUMNS]
    if x_name not in params:
        raise ValueError(f"--x {x} is not a swept parameter of the store; choose one of {', '.join(params)}")
    table = table.drop_duplicates(subset=[str(c) for c in params], keep="last").dropna(axis=1, how="all")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    task_name, metric = table["task"].iloc[0], table["metric"].iloc[0]
    _, series = plot_table(table, x=x_name, ax=ax, title=f"{task_name}: {metric} vs {x_name}")
    out = Path(out)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    finite = table["estimate"].astype(float).map(math.isfinite).sum()
    return {"out": str(out), "task": task_name, "x": x_name, "y": metric, "points": int(finite),
            "series": series}


__all__ = ["plot_store", "plot_table"]
