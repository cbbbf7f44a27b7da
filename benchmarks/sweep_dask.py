"""Sweep runner performance (issue 17): Dask scaling, store + scheduling overhead, resume time.

Prints, on this machine:

1. a 40-point chain sweep (links 2, 4 x length 10..200 km in 10 km steps, T2 = 0.1 s; a fixed
   ``--shots`` per point in 2 chunks, by default 20,000: about a CPU-second of Aer work per point,
   so task overheads are small) on a ``distributed.LocalCluster`` with 1 and then 2 worker
   processes (1 thread each), and the speed-up ratio of the wall times (target >= 1.7x on 2 cores;
   the tables are checked identical) beside each worker's CPU time (``time.process_time`` in the
   worker, before and after) and its CPU/wall share: on a free machine every worker is busy
   ~100 % of the wall time; a share well below that means other processes held the cores and
   the wall-time ratio measures the machine's load, not the sweep runner. The load average
   (``os.getloadavg``) is printed before and after, with a warning when it exceeds the cores;
2. store + scheduling overhead: (sweep wall time - summed chunk simulation time) / simulation
   time, serially with an SQLite store and on the 1-worker cluster (target < 5 %);
3. the time to resume a finished 1,000-point sweep from its store (target < 2 s).

Aer runs with one OpenMP thread per worker (``OMP_NUM_THREADS=1``, set before Aer loads) so two
workers do not oversubscribe two cores. The clusters come from
:func:`qnet_circuits.sweeps.local_cluster` (workers spawned with ``WORKER_ENV``: without it Dask's
``MALLOC_TRIM_THRESHOLD_`` makes every chunk ~25 % more CPU, benchmarks/sweep_worker_profile.py);
``--dask-defaults`` uses a plain ``LocalCluster`` instead, for comparison. ``--quick`` (or
``QNET_QUICK=1``): 8 points, fewer shots.

Usage::

    python benchmarks/sweep_dask.py [--quick] [--shots 1000] [--dask-defaults]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from qnet_circuits.sweeps import sweep  # noqa: E402
from qnet_circuits.sweeps.examples import coin  # noqa: E402


def chain_grid(quick: bool) -> dict:
    """The 40-point chain grid (8 points in quick mode)."""
    lengths = [10.0 * k for k in range(1, 21)] if not quick else [25.0, 50.0, 75.0, 100.0]
    return {"links": [2, 4], "length_km": lengths, "t2_s": [0.1]}


def timed_sweep(grid: dict, shots: int, executor=None, store=None):
    """(wall s, table) of the chain sweep: ``shots`` per point in 2 chunks."""
    start = time.perf_counter()
    table = sweep("chain", grid, executor=executor, store=store, max_shots=shots,
                  chunk_shots=max(1, shots // 2), seed=7, progress=False)
    return time.perf_counter() - start, table


def on_cluster(workers: int, grid: dict, shots: int, dask_defaults: bool = False):
    """(wall s, table, {worker: CPU s}) on a LocalCluster of ``workers`` single-threaded worker
    processes (``local_cluster``, or Dask's defaults); the cluster is started (and warmed with one
    tiny task per worker) before the clock starts, and each worker's process CPU time is read
    before and after the sweep."""
    from distributed import Client, LocalCluster

    from qnet_circuits.sweeps import local_cluster

    start = (LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
             if dask_defaults else local_cluster(workers))
    with start as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        warm = {"links": [2], "length_km": [5.0 + k for k in range(workers)]}
        sweep("chain", warm, executor=client, max_shots=10, chunk_shots=10, progress=False)
        before = client.run(time.process_time)
        wall, table = timed_sweep(grid, shots, executor=client)
        after = client.run(time.process_time)
        return wall, table, {w: after[w] - before[w] for w in after}


def load_line(label: str) -> str:
    """The 1-minute load average, with a warning when it exceeds the cores."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    warn = (f"  WARNING: load {load:.2f} > {cores} cores: other processes compete for the CPUs, "
            "timings and the speed-up are not representative") if load > cores else ""
    return f"load average {label}: {load:.2f} on {cores} cores{warn}"


def cpu_line(workers: int, wall: float, cpu: dict) -> str:
    """Per-worker CPU seconds and CPU/wall share of one cluster run."""
    parts = ", ".join(f"{c:.2f} s ({100 * c / wall:.0f} %)" for c in cpu.values())
    total = sum(cpu.values())
    return f"  {workers} worker(s) CPU time (share of {wall:.2f} s wall): {parts}; total {total:.2f} s"


def resume_time(points: int, folder: Path) -> tuple[float, float]:
    """(first run s, resume s) of a ``points``-point coin sweep with a store."""
    grid = {"p": [round((k + 0.5) / points, 6) for k in range(points)]}
    path = folder / "resume.sqlite"
    start = time.perf_counter()
    sweep(coin, grid, store=path, max_shots=200, chunk_shots=100, seed=1, progress=False)
    first = time.perf_counter() - start
    start = time.perf_counter()
    table = sweep(coin, grid, store=path, max_shots=200, chunk_shots=100, seed=1, progress=False)
    assert len(table) == points
    return first, time.perf_counter() - start


def main() -> None:
    """Run the three measurements and print them beside the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("QNET_QUICK")))
    parser.add_argument("--shots", type=int, default=None, help="shots per point (default 20000)")
    parser.add_argument("--dask-defaults", action="store_true",
                        help="plain LocalCluster (Dask's worker environment) instead of local_cluster")
    args = parser.parse_args()
    shots = args.shots or (1000 if args.quick else 20_000)
    grid = chain_grid(args.quick)
    n = len(grid["links"]) * len(grid["length_km"])
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"chain sweep: {n} points x {shots} shots in 2 chunks; clusters: "
          f"{'LocalCluster, Dask defaults' if args.dask_defaults else 'qnet_circuits.sweeps.local_cluster'}")

    print(load_line("before"))
    with tempfile.TemporaryDirectory() as tmp:
        sweep("chain", {"links": [2], "length_km": [5.0]}, max_shots=10, chunk_shots=10)  # imports
        cpu0 = time.process_time()
        serial_s, serial = timed_sweep(grid, shots, store=Path(tmp) / "serial.sqlite")
        cpu_serial = time.process_time() - cpu0
        sim_s = serial["wall_s"].sum()
        print(f"serial + SQLite store: {serial_s:.2f} s wall, {sim_s:.2f} s simulation, "
              f"overhead {100 * (serial_s - sim_s) / sim_s:.1f} % (target < 5 %); CPU "
              f"{cpu_serial:.2f} s ({100 * cpu_serial / serial_s:.0f} % of wall)")
        one_s, one, cpu1 = on_cluster(1, grid, shots, args.dask_defaults)
        sim1 = one["wall_s"].sum()
        print(f"dask 1 worker: {one_s:.2f} s wall, {sim1:.2f} s simulation, "
              f"overhead {100 * (one_s - sim1) / sim1:.1f} % (target < 5 %)")
        print(cpu_line(1, one_s, cpu1))
        two_s, two, cpu2 = on_cluster(2, grid, shots, args.dask_defaults)
        same = one.drop(columns="wall_s").equals(two.drop(columns="wall_s")) and \
            one.drop(columns="wall_s").equals(serial.drop(columns="wall_s"))
        sim2 = two["wall_s"].sum()
        print(f"dask 2 workers: {two_s:.2f} s wall; speed-up (ratio of wall times) {one_s / two_s:.2f}x "
              f"(target >= 1.7x); tables identical to serial: {same}")
        print(cpu_line(2, two_s, cpu2))
        busy = min(c / two_s for c in cpu2.values())
        print(f"  CPU-time speed-up (1-worker CPU / busiest 2-worker CPU): "
              f"{sum(cpu1.values()) / max(cpu2.values()):.2f}x; summed chunk simulation time "
              f"{sim2:.2f} s with 2 workers against {sim1:.2f} s with 1"
              + ("" if busy > 0.9 else f"; the least busy worker had the CPU {100 * busy:.0f} % of "
                                       "the wall time: the cores were not free"))
        print(load_line("after"))
        points = 200 if args.quick else 1000
        first, again = resume_time(points, Path(tmp))
        print(f"{points}-point sweep: first run {first:.2f} s, resume of the finished sweep "
              f"{again:.3f} s (target < 2 s)")


if __name__ == "__main__":
    main()
