"""Why a sweep chunk costs more CPU inside a Dask worker than in this process (issue 17).

Runs the same chain chunk (4 links, 100 km, T2 = 0.1 s; ``--shots`` realizations, by default
10,000: one chunk of ``benchmarks/sweep_dask.py``) after a warm-up chunk, ``--chunks`` times in
each place:

* ``in-process``: this interpreter, as ``sweep(..., executor=None)`` runs it;
* ``dask default``: a ``distributed.LocalCluster`` worker with Dask's defaults (its nanny spawns
  the worker with ``MALLOC_TRIM_THRESHOLD_=65536``);
* ``local_cluster``: :func:`qnet_circuits.sweeps.local_cluster` (adds ``WORKER_ENV``);
* ``dask worker + WORKER_ENV``: the ``dask worker`` command line (nanny) with ``WORKER_ENV``
  exported, as docs/sweeps.md tells a multi-machine cluster to start;
* ``dask worker --no-nanny``: the command line without a nanny (no pre-spawn environment).

Per place it prints the median per chunk of process CPU time (``getrusage``: every thread of the
process, Aer's and the worker's event loop included), user and system time and minor page
faults, the CPU the idle worker process burns per second (event loop, heartbeats, memory
monitor), and one profiled chunk (``cProfile`` timed by ``time.process_time``) split by phase:
circuit build (timeline sampling and the chain template), noise passes + transpile
(``AerRunner.prepare_template``), Aer (``_call``), closed-form theory and the rest
(post-processing). CPU time is far less sensitive to other processes on the machine than wall
time; the load average is printed before and after.

Usage::

    python benchmarks/sweep_worker_profile.py [--shots 10000] [--chunks 3] [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

POINT = {"links": 4, "length_km": 100.0, "t2_s": 0.1}
#: phase -> (file suffix, function) whose cumulative CPU time it is
PHASES = {
    "build": (("scheduler/sample.py", "sample_timeline"), ("scheduler/template.py", "emit_chain")),
    "noise+transpile": (("run/aer.py", "prepare_template"),),
    "aer": (("run/aer.py", "_call"),),
    "theory": (("chain/theory.py", "chain_theory"),),
}


def _usage() -> tuple[float, float, int]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime, r.ru_minflt


def _phases(profile: cProfile.Profile, total: float) -> dict[str, float]:
    import pstats

    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    out = {}
    for phase, keys in PHASES.items():
        out[phase] = sum(v[3] for (path, _, fn), v in stats.items()
                         if any(path.endswith(f) and fn == name for f, name in keys))
    out["post+other"] = total - sum(out.values())
    return out


def measure(shots: int, chunks: int) -> dict:
    """Warm up, then ``chunks`` timed chunks and one profiled chunk; in the calling process."""
    from qnet_circuits.sweeps.tasks import resolve_task, run_chunk

    spec = resolve_task("chain")
    run_chunk(spec, POINT, 200, 1)
    rows = []
    for k in range(chunks):
        u0, s0, f0 = _usage()
        run_chunk(spec, POINT, shots, 100 + k)
        u1, s1, f1 = _usage()
        rows.append((u1 - u0 + s1 - s0, u1 - u0, s1 - s0, f1 - f0))
    u0, s0, _ = _usage()
    time.sleep(2.0)
    u1, s1, _ = _usage()
    profile = cProfile.Profile(time.process_time)
    start = time.process_time()
    profile.enable()
    run_chunk(spec, POINT, shots, 100)
    profile.disable()
    phases = _phases(profile, time.process_time() - start)
    med = [statistics.median(col) for col in zip(*rows)]
    return {"cpu": med[0], "user": med[1], "sys": med[2], "minflt": med[3],
            "idle_ms_per_s": 1000 * (u1 - u0 + s1 - s0) / 2.0, "phases": phases,
            "env": {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_",
                                                   "OMP_NUM_THREADS")}}


def on_client(client, shots: int, chunks: int) -> dict:
    here = os.path.dirname(os.path.abspath(__file__))
    client.run(lambda: sys.path.insert(0, here) if here not in sys.path else None)
    import sweep_worker_profile as me  # the module by name, importable on the worker

    return client.submit(me.measure, shots, chunks, pure=False).result()


def on_cli_worker(shots: int, chunks: int, *, nanny: bool) -> dict:
    """Through a ``dask worker`` process on a scheduler of this process."""
    from distributed import Client, LocalCluster

    from qnet_circuits.sweeps import WORKER_ENV

    # a fresh shell's environment (a nanny of this process has written its pre-spawn variables
    # into os.environ)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    if nanny:
        env.update(WORKER_ENV)
    with LocalCluster(n_workers=0, dashboard_address=":0") as cluster, Client(cluster) as client:
        cmd = [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
               "--nthreads", "1", "--nworkers", "1", *([] if nanny else ["--no-nanny"])]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client.wait_for_workers(1, timeout=60)
            return on_client(client, shots, chunks)
        finally:
            proc.terminate()
            proc.wait(30)


def run_place(place: str, shots: int, chunks: int) -> dict:
    from distributed import Client, LocalCluster

    from qnet_circuits.sweeps import local_cluster

    if place == "in-process":
        return measure(shots, chunks)
    if place == "dask worker + WORKER_ENV":
        return on_cli_worker(shots, chunks, nanny=True)
    if place == "dask worker --no-nanny":
        return on_cli_worker(shots, chunks, nanny=False)
    factory = local_cluster(1) if place == "local_cluster" else LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0")
    with factory as cluster, Client(cluster) as client:
        return on_client(client, shots, chunks)


def line(place: str, r: dict) -> str:
    ph = "  ".join(f"{k} {v:.3f}" for k, v in r["phases"].items())
    return (f"{place:<26} {r['cpu']:6.3f} {r['user']:6.3f} {r['sys']:6.3f} {r['minflt']:9.0f} "
            f"{r['idle_ms_per_s']:7.1f}   {ph}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=None, help="realizations per chunk (10000)")
    parser.add_argument("--chunks", type=int, default=None, help="timed chunks per place (3)")
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("QNET_QUICK")))
    args = parser.parse_args()
    shots = args.shots or (1000 if args.quick else 10_000)
    chunks = args.chunks or (1 if args.quick else 3)
    places = ["in-process", "dask default", "local_cluster", "dask worker + WORKER_ENV",
              "dask worker --no-nanny"]
    print(f"chain chunk {POINT}, {shots} realizations; median of {chunks} chunks per place; "
          f"load average before {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'place':<26} {'CPU s':>6} {'user':>6} {'sys':>6} {'minflt':>9} {'idle':>7}   "
          "profiled chunk, CPU s per phase (idle: worker CPU ms per idle second)")
    for place in places:
        r = run_place(place, shots, chunks)
        print(line(place, r), flush=True)
        print(f"{'':<26} env {r['env']}")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
