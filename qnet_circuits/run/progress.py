"""Progress and Ctrl-C of one long run: a tqdm bar on stderr, and a stop between runner chunks.

A front end (the ``qnet`` command) opens :func:`monitored` around a run. Inside it, the runner's
chunk loops (:meth:`qnet_circuits.run.AerRunner.run_bindings`) report the shots they finished
(:func:`advance`) and poll :func:`stop_requested` between Aer calls; the first SIGINT (Ctrl-C)
then asks for a stop instead of raising, so the loop ends after the chunk in flight (the runner
keeps chunks short while a monitor is open). A caller that can make estimates from the finished
rows opens :func:`partial_ok` around its runner call and gets the finished rows back; any other
caller gets :class:`Interrupted` (a ``KeyboardInterrupt``). A SIGINT outside a polling loop, or a
second one, raises ``KeyboardInterrupt`` at once, as without a monitor.

Without a monitor every function here is a no-op, so library users see no bar and keep Python's
own Ctrl-C.

>>> with monitored(enabled=False) as mon:
...     with task(10, unit="pairs"):
...         advance(4)
...     mon.done, mon.total, stop_requested()
(4, 10, False)
>>> stop_requested(), partial_allowed()
(False, False)
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: seconds of simulation per runner chunk while a monitor is open (the Ctrl-C latency)
CHUNK_TARGET_S = 0.5


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a runner call whose caller keeps no partial result."""


class Monitor:
    """What one monitored run has done: ``done`` of ``total`` units (shots unless a task says
    otherwise), whether a stop was asked (``stop``), and the tqdm bar (or None)."""

    def __init__(self, enabled: bool, desc: str) -> None:
        self.enabled = enabled
        self.desc = desc
        self.done = 0
        self.total = 0
        self.unit = "shots"
        self.weight = 1
        self.stop = False
        self.stopped_at: float | None = None
        self.polling = 0
        self.partial = 0
        self.owned = 0
        self.truncated = False
        self.units: set[str] = set()
        self.failed_unit: str | None = None
        self.shots_done: int | None = None
        self.shots_requested: int | None = None
        self._bar: Any = None

    def bar(self) -> Any:
        if self._bar is None and self.enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, desc=self.desc, unit=self.unit, file=sys.stderr,
                             dynamic_ncols=True, leave=False, mininterval=0.25)
        return self._bar

    def refresh(self) -> None:
        """Redraw the bar: the counts of every task so far; with tasks of several units (pulses,
        then circuit shots) the unit is ``steps`` and the description names the current one."""
        self.units.add(self.unit)
        bar = self.bar()
        if bar is not None:
            mixed = len(self.units) > 1
            bar.total, bar.unit = self.total, "steps" if mixed else self.unit
            bar.set_description_str(f"{self.desc} ({self.unit})" if mixed else self.desc,
                                    refresh=False)
            bar.n = self.done
            bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


_ACTIVE: list[Monitor] = []


def current() -> Monitor | None:
    """The open monitor, or None."""
    return _ACTIVE[-1] if _ACTIVE else None


def _on_sigint(signum: int, frame: Any) -> None:
    mon = current()
    if mon is None or mon.stop or not mon.polling:
        if mon is not None:
            mon.stop = True
        raise KeyboardInterrupt
    mon.stop, mon.stopped_at = True, time.monotonic()


@contextmanager
def monitored(enabled: bool = True, desc: str = "qnet") -> Iterator[Monitor]:
    """Open a monitor: a progress bar on stderr when ``enabled``, and (in the main thread) a
    SIGINT handler that asks the runner to stop after its current chunk."""
    mon = Monitor(enabled, desc)
    _ACTIVE.append(mon)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_sigint) if main else None
    try:
        yield mon
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
        mon.close()
        _ACTIVE.remove(mon)


@contextmanager
def task(total: int, *, unit: str | None = None, weight: int = 1) -> Iterator[None]:
    """Announce ``total`` more units of work (``weight`` units per runner shot, e.g. the
    realizations one binding row carries); the runner's :func:`advance` calls count in them."""
    mon = current()
    if mon is None:
        yield
        return
    saved = (mon.unit, mon.weight)
    mon.total += int(total)
    mon.unit, mon.weight = unit or mon.unit, max(1, int(weight))
    mon.owned += 1
    mon.refresh()
    try:
        yield
    except BaseException:
        mon.failed_unit = mon.failed_unit or mon.unit  # the unit of the step that stopped
        raise
    finally:
        mon.unit, mon.weight = saved
        mon.owned -= 1


def runner_task(shots: int) -> Any:
    """What a runner call announces: ``shots`` runner shots, unless an enclosing :func:`task`
    already counts this work (then nothing more)."""
    mon = current()
    if mon is None or mon.owned:
        return _noop()
    return task(shots)


@contextmanager
def _noop() -> Iterator[None]:
    yield


def advance(shots: int) -> None:
    """The runner finished ``shots`` runner shots (times the task's weight in units)."""
    mon = current()
    if mon is not None:
        mon.done += int(shots) * mon.weight
        mon.refresh()


@contextmanager
def polling() -> Iterator[None]:
    """Around a loop that polls :func:`stop_requested` between short steps: Ctrl-C inside it
    asks for a stop instead of raising."""
    mon = current()
    if mon is None:
        yield
        return
    mon.polling += 1
    try:
        yield
    finally:
        mon.polling -= 1


def interruptible(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; while a monitor is open (in the main thread), in a worker thread
    that the main thread waits for, so a Ctrl-C during one long C call that releases the GIL
    (an FFT, a large random draw) raises ``KeyboardInterrupt`` at once instead of after the call
    (the ``qnet`` command then leaves without waiting for the thread). Same result either way.

    >>> interruptible(sum, [1, 2, 3])
    6
    """
    if current() is None or threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    out: dict[str, Any] = {}

    def work() -> None:
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            out["error"] = exc

    worker = threading.Thread(target=work, name="qnet-interruptible", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)  # a signal handler runs between the waits
    if "error" in out:
        raise out["error"]
    return out["value"]


@contextmanager
def unpolled() -> Iterator[None]:
    """Inside a polling loop, around one step that is not split (one long simulator call):
    Ctrl-C inside it raises at once, as outside the loop."""
    mon = current()
    if mon is None:
        yield
        return
    saved, mon.polling = mon.polling, 0
    try:
        yield
    finally:
        mon.polling = saved


def stop_requested() -> bool:
    """True once Ctrl-C asked the open monitor to stop."""
    mon = current()
    return bool(mon is not None and mon.stop)


@contextmanager
def partial_ok() -> Iterator[None]:
    """Around a runner call whose caller makes estimates from the rows finished before a stop."""
    mon = current()
    if mon is None:
        yield
        return
    mon.partial += 1
    try:
        yield
    finally:
        mon.partial -= 1


def partial_allowed(done: int | None = None, requested: int | None = None) -> bool:
    """True inside :func:`partial_ok` of the open monitor; the monitor then records that a runner
    hands back truncated output (``truncated``; ``done`` of ``requested`` shots per circuit)."""
    mon = current()
    if mon is None or not mon.partial:
        return False
    mon.truncated = True
    if done is not None:
        mon.shots_done, mon.shots_requested = done, requested
    return True


def covered_prefix(which: Any, available: Any) -> int:
    """Rounds of a partial run: the longest prefix of ``which`` (the setting index of every iid
    round) whose settings the finished shots cover, ``available[s]`` shots of setting ``s``. A
    prefix of iid rounds is iid, so its estimates are honest ones of a smaller run.

    >>> covered_prefix([0, 1, 0, 1, 0], [3, 1])
    3
    >>> covered_prefix([0, 1, 0], [2, 1])
    3
    """
    import numpy as np

    which = np.asarray(which)
    m = int(which.size)
    for s, have in enumerate(available):
        idx = np.flatnonzero(which == s)
        if int(have) < idx.size:
            m = min(m, int(idx[int(have)]))
    return m


def chunk_rows(history: list[tuple[int, float]], cap: int, first: int = 2,
               max_s: float | None = None) -> int:
    """Rows of the next chunk while a monitor is open, from ``history`` ((rows, seconds) of the
    chunks so far), at most ``cap``: ``first`` (2; 1 for rows of many shots), then doubling until
    two sizes were timed; then the size
    whose time ``a + b rows`` (least squares) is ``max(CHUNK_TARGET_S, 4 a)``, so a call's fixed
    cost ``a`` stays under a quarter of it; with ``max_s``, at most ``max_s`` seconds at the
    latest chunk's seconds per row (a bound the fit of two noisy timings cannot lift: rows of
    many shots, where a chunk of 1 and one of 2 rows differ little). Chunking changes no result
    (:func:`qnet_circuits.run.base.row_seeds`).

    >>> chunk_rows([], 100), chunk_rows([(2, 0.3)], 100)
    (2, 4)
    >>> chunk_rows([(2, 0.30), (4, 0.36)], 1000)  # a = 0.24 s, b = 0.03 s per row
    24
    >>> chunk_rows([(1, 1.7), (2, 1.8)], 1000, max_s=2.0)  # the fit alone: 48 rows of 1.7 s
    2
    """
    if not history:
        return max(1, min(cap, first))
    sizes = [n for n, _ in history]
    if len(set(sizes)) < 2:
        return max(1, min(cap, 2 * sizes[-1]))
    n_mean = sum(sizes) / len(sizes)
    t_mean = sum(t for _, t in history) / len(history)
    var = sum((n - n_mean) ** 2 for n in sizes)
    b = sum((n - n_mean) * (t - t_mean) for n, t in history) / var
    if b <= 0:
        return max(1, min(cap, 2 * sizes[-1]))
    a = max(0.0, t_mean - b * n_mean)
    target = max(CHUNK_TARGET_S, 4 * a)
    size = int((target - a) / b + 1e-9)
    if max_s is not None and history[-1][1] > 0:
        size = min(size, int(max_s * history[-1][0] / history[-1][1]))
    return max(1, min(cap, size))


__all__ = ["CHUNK_TARGET_S", "Interrupted", "Monitor", "advance", "chunk_rows", "covered_prefix",
           "current", "interruptible",
           "monitored", "partial_allowed", "partial_ok", "polling", "runner_task",
           "stop_requested", "task", "unpolled"]
