"""Sweeps: any protocol over a parameter grid, precision-driven, resumable, distributed.

:func:`sweep` (module :mod:`~qnet_circuits.sweeps.api`) runs a task over a grid in chunks of shots
until each point's standard error reaches a target, on an executor (serial, concurrent.futures,
Dask ``distributed``), writing each finished chunk to SQLite (:class:`SweepStore`), and returns a
tidy pandas DataFrame. :mod:`~qnet_circuits.sweeps.tasks`: what each protocol's estimate is and how
its chunks pool. CLI: ``qnet sweep`` and ``qnet plot``; multi-machine use: docs/sweeps.md.
Names are imported on first use, so ``qnet --help`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "sweep": "api", "chunk_seed": "api", "DEFAULT_CHUNK_SHOTS": "api", "DEFAULT_MAX_SHOTS": "api",
    "connect": "executors", "make_pool": "executors",
    "local_cluster": "executors", "WORKER_ENV": "executors", "check_worker_env": "executors",
    "expand": "grid", "parse_grid": "grid", "parse_values": "grid",
    "SCHEMA_VERSION": "store", "SweepStore": "store",
    "PROTOCOL_TASKS": "tasks", "resolve_task": "tasks",
}


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_NAMES)
