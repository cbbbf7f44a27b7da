"""Sweep grids: a dict of value lists (the Cartesian product) or a list of point dicts, and the
CLI's ``name=values`` spelling (``2,4,8`` or an inclusive range ``start:stop:step``).

>>> expand({"links": [2, 4], "length_km": [10.0]})
[{'links': 2, 'length_km': 10.0}, {'links': 4, 'length_km': 10.0}]
>>> parse_values("10:40:10"), parse_values("2,4,8"), parse_values("0.5:0.6:0.05")
([10, 20, 30, 40], [2, 4, 8], [0.5, 0.55, 0.6])
>>> parse_values("10:0:5")
Traceback (most recent call last):
...
ValueError: range 10:0:5 never reaches its stop: the step must have the sign of stop - start
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

#: most points one sweep may hold (refused before any work)
MAX_POINTS = 100_000


def expand(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The points of ``grid`` in order (dict: the product, last name varying fastest)."""
    if isinstance(grid, Mapping):
        if not grid:
            raise ValueError("the grid is empty: give at least one parameter with values")
        lists = {}
        for name, values in grid.items():
            values = [values] if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) \
                else list(values)
            if not values:
                raise ValueError(f"grid parameter {name!r} has no values")
            lists[name] = values
        count = math.prod(len(v) for v in lists.values())
        if count > MAX_POINTS:
            raise ValueError(f"the grid has {count} points, over the limit of {MAX_POINTS}")
        return [dict(zip(lists, combo)) for combo in itertools.product(*lists.values())]
    points = [dict(p) for p in grid]
    if not points:
        raise ValueError("the grid is empty: give at least one point")
    if len(points) > MAX_POINTS:
        raise ValueError(f"the grid has {len(points)} points, over the limit of {MAX_POINTS}")
    return points


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    return text


def parse_values(text: str) -> list[Any]:
    """``a,b,c`` -> a list (numbers parsed); ``start:stop:step`` -> the inclusive range."""
    if text.count(":") == 2:
        parts = [_number(p) for p in text.split(":")]
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in parts):
            raise ValueError(f"range {text} must be numbers start:stop:step")
        start, stop, step = parts
        if step == 0:
            raise ValueError(f"range {text} has step 0")
        if (stop - start) * step < 0:
            raise ValueError(f"range {text} never reaches its stop: the step must have the sign of "
                             "stop - start")
        n = math.floor((stop - start) / step + 1e-9) + 1
        if n > MAX_POINTS:
            raise ValueError(f"range {text} has {n} values, over the limit of {MAX_POINTS}")
        if all(isinstance(p, int) for p in parts):
            return [start + k * step for k in range(n)]
        return [round(start + k * step, 12) for k in range(n)]
    values = [_number(v.strip()) for v in text.split(",") if v.strip()]
    if not values:
        raise ValueError(f"no values in {text!r}")
    return values


def parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """The CLI's ``--grid name=values`` options -> a grid dict (dashes in names -> underscores)."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name.strip():
            raise ValueError("--grid must be NAME=VALUES (e.g. links=2,4,8 or length-km=10:100:10), "
                             f"got {item!r}")
        key = name.strip().replace("-", "_")
        if key in grid:
            raise ValueError(f"--grid {name} is given twice")
        grid[key] = parse_values(values)
    if not grid:
        raise ValueError("the grid is empty: give at least one --grid NAME=VALUES")
    return grid


__all__ = ["MAX_POINTS", "expand", "parse_grid", "parse_values"]
