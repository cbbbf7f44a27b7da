"""Sweep runner performance (issue 17): Dask scaling, store + scheduling overhead, resume time.

Prints, on this machine:

1. a 40-point chain sweep (links 2, 4 x length 10..200 km in 10 km steps, T2 = 0.1 s; a fixed
   ``--shots`` per point in 2 chunks) on a ``distributed.LocalCluster`` with 1 and then 2 worker
   processes (1 thread each), and the speed-up ratio (target >= 1.7x on 2 cores; the tables are
   checked identical);
2. store + scheduling overhead: (sweep wall time - summed chunk simulation time) / simulation
   time, serially with an SQLite store and on the 1-worker cluster (target < 5 %);
3. the time to resume a finished 1,000-point sweep from its store (target < 2 s).

Aer runs with one OpenMP thread per worker (``OMP_NUM_THREADS=1``, set before Aer loads) so two
workers do not oversubscribe two cores. ``--quick`` (or ``QNET_QUICK=1``): 8 points, fewer shots.

Usage::

    python benchmarks/sweep_dask.py [--quick] [--shots 1000]
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


def on_cluster(workers: int, grid: dict, shots: int):
    """(wall s, table) on a LocalCluster of ``workers`` single-threaded worker processes; the
    cluster is started (and warmed with one tiny task per worker) before the clock starts."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        warm = {"links": [2], "length_km": [5.0 + k for k in range(workers)]}
        sweep("chain", warm, executor=client, max_shots=10, chunk_shots=10, progress=False)
        return timed_sweep(grid, shots, executor=client)


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
    parser.add_argument("--shots", type=int, default=None, help="shots per point (default 1000)")
    args = parser.parse_args()
    shots = args.shots or (200 if args.quick else 1000)
    grid = chain_grid(args.quick)
    n = len(grid["links"]) * len(grid["length_km"])
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"chain sweep: {n} points x {shots} shots in 2 chunks")

    load0 = f"{os.getloadavg()[0]:.2f}"
    with tempfile.TemporaryDirectory() as tmp:
        sweep("chain", {"links": [2], "length_km": [5.0]}, max_shots=10, chunk_shots=10)  # imports
        serial_s, serial = timed_sweep(grid, shots, store=Path(tmp) / "serial.sqlite")
        sim_s = serial["wall_s"].sum()
        print(f"serial + SQLite store: {serial_s:.2f} s wall, {sim_s:.2f} s simulation, "
              f"overhead {100 * (serial_s - sim_s) / sim_s:.1f} % (target < 5 %)")
        one_s, one = on_cluster(1, grid, shots)
        sim1 = one["wall_s"].sum()
        print(f"dask 1 worker: {one_s:.2f} s wall, {sim1:.2f} s simulation, "
              f"overhead {100 * (one_s - sim1) / sim1:.1f} % (target < 5 %)")
        two_s, two = on_cluster(2, grid, shots)
        same = one.drop(columns="wall_s").equals(two.drop(columns="wall_s")) and \
            one.drop(columns="wall_s").equals(serial.drop(columns="wall_s"))
        sim2 = two["wall_s"].sum()
        print(f"dask 2 workers: {two_s:.2f} s wall; speed-up {one_s / two_s:.2f}x (target >= 1.7x); "
              f"tables identical to serial: {same}")
        print(f"  summed chunk simulation time {sim2:.2f} s with 2 workers against {sim1:.2f} s with 1 "
              f"(a chunk slower on 2 workers means the cores were not free: best possible "
              f"{one_s / (sim2 / 2 + (one_s - sim1)):.2f}x with these chunk times)")
        print(f"  load average before/after: {load0} / {os.getloadavg()[0]:.2f}")
        points = 200 if args.quick else 1000
        first, again = resume_time(points, Path(tmp))
        print(f"{points}-point sweep: first run {first:.2f} s, resume of the finished sweep "
              f"{again:.3f} s (target < 2 s)")


if __name__ == "__main__":
    main()
