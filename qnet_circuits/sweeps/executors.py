"""Where chunks run: inline (serially), on any :class:`concurrent.futures.Executor`, or on a Dask
``distributed.Client`` (a laptop's LocalCluster or a multi-machine cluster; docs/sweeps.md).

:func:`make_pool` adapts each to the two calls the sweep needs: ``submit(fn, *args)`` and
``wait_any(futures)`` (the finished ones). :func:`connect` opens a Client on a scheduler address
and turns a scheduler that does not answer into a one-line ValueError. :func:`local_cluster`
starts a ``distributed.LocalCluster`` whose worker processes run chunks as fast as this process
does (:data:`WORKER_ENV`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

#: Environment of every Dask worker process :func:`local_cluster` spawns, on top of Dask's own
#: ``distributed.nanny.pre-spawn-environ`` (``MALLOC_TRIM_THRESHOLD_=65536``, ``OMP_NUM_THREADS=1``).
#: Setting any glibc malloc tunable (Dask sets the trim threshold) freezes glibc's mmap threshold
#: at 128 KiB, so every larger allocation is a fresh mmap that page-faults on first touch: a
#: 10,000-shot chain chunk took ~230,000 minor faults and ~25 % more CPU than in this process
#: (benchmarks/sweep_worker_profile.py). 32 MiB is the ceiling glibc's dynamic threshold would
#: reach; the trim threshold Dask chose stays. Workers of a cluster you start yourself need the
#: same variables in their environment (docs/sweeps.md).
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20)}
_LOG = logging.getLogger("qnet_circuits.sweeps")


class _Done:
    """A finished 'future' of an inline call."""

    def __init__(self, fn: Callable[..., Any], args: tuple) -> None:
        self._value = fn(*args)

    def result(self) -> Any:
        return self._value


class InlinePool:
    """Runs each chunk at submit time, in this process (``executor=None``)."""

    workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Done:
        return _Done(fn, args)

    def wait_any(self, futures: Iterable[Any]) -> list[Any]:
        return list(futures)


class FuturesPool:
    """A :class:`concurrent.futures.Executor` (thread or process pool)."""

    def __init__(self, executor: cf.Executor) -> None:
        self.executor = executor
        self.workers = getattr(executor, "_max_workers", 1)

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        return self.executor.submit(fn, *args)

    def wait_any(self, futures: Iterable[Any]) -> list[Any]:
        done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
        return list(done)


class DaskPool:
    """A Dask ``distributed.Client``: every chunk one task (``pure=False``: never deduplicated)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  client.scheduler_info().get("workers", {}).values()))
        check_worker_env(client)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait_any(self, futures: Iterable[Any]) -> list[Any]:
        from distributed import wait

        done, _ = wait(list(futures), return_when="FIRST_COMPLETED")
        return list(done)


def _malloc_env() -> dict[str, str | None]:
    return {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")}


def check_worker_env(client: Any) -> list[str]:
    """The workers of ``client`` whose malloc environment makes chunks slow (a trim threshold
    without :data:`WORKER_ENV`'s mmap threshold, as Dask's nanny sets it); logs one WARNING on
    the ``qnet_circuits.sweeps`` logger naming them and the fix."""
    try:
        envs = client.run(_malloc_env)
    except Exception:  # noqa: BLE001 - a scheduler that refuses run(): nothing to check
        return []
    slow = sorted(w for w, env in envs.items() if env.get("MALLOC_TRIM_THRESHOLD_") is not None
                  and env.get("MALLOC_MMAP_THRESHOLD_") is None)
    if slow:
        _LOG.warning("qnet: %d of %d Dask workers run with MALLOC_TRIM_THRESHOLD_ but no "
                     "MALLOC_MMAP_THRESHOLD_ (Dask's nanny default): chunks cost ~25 %% more CPU; start "
                     "workers with MALLOC_MMAP_THRESHOLD_=%s (or qnet_circuits.sweeps.local_cluster); "
                     "docs/sweeps.md", len(slow), len(envs), WORKER_ENV["MALLOC_MMAP_THRESHOLD_"])
    return slow


def _is_dask_client(obj: Any) -> bool:
    return type(obj).__name__ == "Client" and type(obj).__module__.startswith("distributed")


def make_pool(executor: Any) -> InlinePool | FuturesPool | DaskPool:
    """The pool for ``executor``: None (inline), a concurrent.futures Executor, a Dask Client, or
    a scheduler address string (``tcp://host:8786``; see :func:`connect`)."""
    if executor is None:
        return InlinePool()
    if isinstance(executor, str):
        return DaskPool(connect(executor))
    if _is_dask_client(executor):
        return DaskPool(executor)
    if isinstance(executor, cf.Executor):
        return FuturesPool(executor)
    raise ValueError(f"executor must be None, a concurrent.futures.Executor, a dask distributed "
                     f"Client or a scheduler address, got {type(executor).__name__}")


def local_cluster(workers: int, **options: Any) -> Any:
    """A ``distributed.LocalCluster`` of ``workers`` single-threaded worker processes (one Aer
    thread each) whose nannies spawn them with :data:`WORKER_ENV` (also after ``scale`` or a
    restart); ``options`` go to ``LocalCluster`` and win over these defaults. Use it as a context
    manager, with a ``Client`` on it. Variables already in this process's environment win."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    try:
        from distributed import LocalCluster
    except ImportError:
        raise ValueError("a Dask cluster needs Dask: pip install 'qnet-circuits[dask]'") from None
    kwargs: dict[str, Any] = dict(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", worker_class=_sweep_nanny())
    kwargs.update(options)
    return LocalCluster(**kwargs)


def _sweep_nanny() -> type:
    """``distributed.Nanny`` that adds :data:`WORKER_ENV` to the environment it spawns with."""
    from distributed import Nanny

    class SweepNanny(Nanny):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.pre_spawn_env.update({k: os.environ.get(k, v) for k, v in WORKER_ENV.items()})

    return SweepNanny


async def _identity(address: str, timeout_s: float) -> Any:
    """Ask the scheduler at ``address`` who it is (its ``identity`` handler): a port that accepts
    TCP but never answers would otherwise hang ``Client()`` past its own timeout."""
    from distributed.comm import connect as comm_connect

    comm = await comm_connect(address, timeout=timeout_s)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def connect(address: str, timeout_s: float = 10.0) -> Any:
    """A Dask Client on the scheduler at ``address``; ValueError when it does not answer within
    ``timeout_s`` seconds (refused, unreachable, or accepting TCP but silent) or Dask is not
    installed."""
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs Dask: pip install 'qnet-circuits[dask]'") from None
    try:
        with cf.ThreadPoolExecutor(1) as probe:  # its own event loop: safe inside Jupyter's
            probe.submit(asyncio.run, asyncio.wait_for(_identity(address, timeout_s), timeout_s)).result()
        return Client(address, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"dask scheduler {address} did not answer within {timeout_s:g} s ({reason[:120]})") \
            from None


__all__ = ["WORKER_ENV", "DaskPool", "FuturesPool", "InlinePool", "check_worker_env", "connect",
           "local_cluster", "make_pool"]
