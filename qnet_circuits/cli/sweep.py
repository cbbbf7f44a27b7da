"""``qnet sweep TASK``: a protocol over a parameter grid, precision-driven and resumable, serially,
on local processes (``--workers``) or a Dask cluster (``--scheduler``); the API is
:func:`qnet_circuits.sweeps.sweep`.

Example::

    qnet sweep chain --grid links=2,4 --grid length-km=10:100:10 --grid t2-s=0.1 \\
        --target-stderr 0.005 --store s.sqlite --workers 2

``--grid NAME=VALUES`` (repeatable; NAME is a field of the task's parameters, dashes allowed):
``a,b,c`` or an inclusive range ``start:stop:step``. ``--shots`` is the shots of one chunk
(default 1000). Re-running the same command with the same ``--store`` skips finished chunks.
"""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

from qnet_circuits.cli.common import fmt, number, positive_int
from qnet_circuits.sweeps.tasks import ALIASES, PROTOCOL_TASKS

HELP = "sweep a protocol over a parameter grid to a target stderr: resumable store, processes or Dask"
DEFAULT_SHOTS = 1000
#: columns that are not parameters in a sweep row
RESULT_COLUMNS = ("task", "metric", "estimate", "stderr", "theory", "shots", "chunks", "wall_s", "seed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet sweep``."""
    parser.add_argument("task", choices=sorted({*PROTOCOL_TASKS, *ALIASES}), metavar="TASK",
                        help=f"protocol to sweep: {', '.join(PROTOCOL_TASKS)}")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=VALUES",
                        help="a parameter and its values: a,b,c or start:stop:step (repeatable)")
    parser.add_argument("--target-stderr", type=number, default=None,
                        help="run chunks until the stderr is at most this (default: --max-shots)")
    parser.add_argument("--max-shots", type=positive_int, default=10_000, help="most shots per point")
    parser.add_argument("--metric", default=None, help="estimate to pool (default: the task's first)")
    parser.add_argument("--store", default=None, metavar="FILE", help="SQLite store (resumable)")
    parser.add_argument("--export", default=None, metavar="FILE", help="also write the table (.csv/.parquet)")
    parser.add_argument("--workers", type=positive_int, default=1, help="local worker processes")
    parser.add_argument("--scheduler", default=None, metavar="ADDR",
                        help="Dask scheduler address, e.g. tcp://host:8786 (overrides --workers)")
    parser.add_argument("--scheduler-timeout", type=number, default=10.0, metavar="S",
                        help="seconds to wait for the scheduler to answer")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def _progress(args: argparse.Namespace) -> bool:
    """The sweep's bar of points: on unless ``--no-progress`` (or ``QNET_QUICK=1``); the common
    ``--progress`` forces it on; both at once is refused."""
    if getattr(args, "progress", False) and args.no_progress:
        raise ValueError("--progress and --no-progress contradict each other; give one")
    return bool(getattr(args, "progress", False)) or (not args.no_progress
                                                      and not os.environ.get("QNET_QUICK"))


def _execute(args: argparse.Namespace, ctx: Any, grid: dict) -> Any:
    from qnet_circuits.sweeps import connect, sweep

    kwargs = dict(store=args.store, target_stderr=args.target_stderr, max_shots=args.max_shots,
                  chunk_shots=ctx.shots, seed=0 if ctx.seed is None else ctx.seed, metric=args.metric,
                  progress=_progress(args))
    if args.scheduler:
        from qnet_circuits.run.aer import aer_device

        with connect(args.scheduler, timeout_s=args.scheduler_timeout) as client:
            devices = "/".join(sorted(set(client.run(aer_device).values()))) or "none"
            return sweep(args.task, grid, executor=client, **kwargs), f"dask {args.scheduler}", devices
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        # the workers ignore Ctrl-C (the terminal sends it to the whole process group): the
        # sweep process alone stops, cancels the queued chunks and keeps what the store holds
        pool = ProcessPoolExecutor(args.workers, initializer=_ignore_sigint)
        try:
            table = sweep(args.task, grid, executor=pool, **kwargs)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
        return table, f"{args.workers} processes", _local()
    return sweep(args.task, grid, **kwargs), "serial", _local()


def _ignore_sigint() -> None:
    """Pool-worker initializer: SIGINT is the parent's to handle."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _local() -> str:
    """The Aer device of this machine (local workers run here)."""
    from qnet_circuits.run.aer import aer_device

    return aer_device()


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Parse the grid, run the sweep and return the tidy table as JSON-able rows."""
    from qnet_circuits.sweeps import parse_grid

    if ctx.backend != "aer":
        raise ValueError(f"qnet sweep runs on local Aer workers only, got --backend {ctx.backend}")
    if ctx.qasm_path is not None:
        raise ValueError("--qasm is not available for qnet sweep (use the task's own command)")
    if not math.isfinite(args.scheduler_timeout) or args.scheduler_timeout <= 0:
        raise ValueError(f"--scheduler-timeout must be > 0 s, got {args.scheduler_timeout}")
    grid = parse_grid(args.grid)
    try:
        table, where, device = _execute(args, ctx, grid)
    except KeyboardInterrupt:
        if args.store:
            from qnet_circuits.sweeps import SweepStore

            with SweepStore(args.store) as store:
                kept = store.chunk_count()
            raise KeyboardInterrupt(f"{kept} finished chunks are in {args.store}; run the same "
                                    "command again to resume") from None
        raise KeyboardInterrupt("nothing was kept: give --store FILE to resume an interrupted "
                                "sweep") from None
    if args.export:
        from qnet_circuits.sweeps import SweepStore

        if args.store:
            with SweepStore(args.store) as store:
                store.export(args.export)
        elif args.export.endswith(".csv"):
            table.to_csv(args.export, index=False)
        else:
            table.to_parquet(args.export, index=False)
    return {"command": "sweep", "task": args.task, "executor": where, "aer_device": device,
            "store": args.store, "target_stderr": args.target_stderr, "max_shots": args.max_shots,
            "chunk_shots": ctx.shots,
            "seed": 0 if ctx.seed is None else ctx.seed, "points": len(table),
            "rows": table.to_dict(orient="records")}


def render(result: dict) -> str:
    """One line per point: parameters, estimate ± stderr beside theory, shots."""
    rows = result["rows"]
    head = (f"sweep {result['task']} over {result['points']} points ({result['executor']}, Aer device "
            f"{result['aer_device']}), "
            f"target stderr {result['target_stderr']}, chunks of {result['chunk_shots']} shots")
    lines = [head]
    for row in rows:
        params = ", ".join(f"{k}={v}" for k, v in row.items() if k not in RESULT_COLUMNS)
        theory = row["theory"]
        theory = "n/a" if theory is None or (isinstance(theory, float) and math.isnan(theory)) \
            else f"{theory:.6f}"
        lines.append(f"  {params}: {row['metric']} {fmt(row['estimate'], row['stderr'])}   theory {theory}"
                     f"   shots {row['shots']}")
    return "\n".join(lines)
