"""local_cluster(): Dask workers that run a chunk with the CPU it costs in this process.

Dask's nanny spawns each worker with ``MALLOC_TRIM_THRESHOLD_=65536``; setting any glibc malloc
tunable freezes the mmap threshold at 128 KiB, so a chain chunk's large temporaries are fresh
mmaps that page-fault on first touch (benchmarks/sweep_worker_profile.py: ~230,000 minor faults
and ~25 % more CPU per 10,000-shot chunk). Minor page faults are counted by the kernel, so unlike
times they do not depend on the machine's load.
"""

import logging
import os
import sys

import pytest

from qnet_circuits.sweeps import WORKER_ENV, local_cluster, make_pool, sweep

distributed = pytest.importorskip("distributed")
glibc = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tunables")


def _chunk_faults(shots: int) -> tuple[int, dict]:
    """(minor page faults of one chain chunk after a warm-up chunk, the malloc environment); a
    closure, so cloudpickle ships it by value to the worker."""
    def run() -> tuple[int, dict]:
        import resource

        from qnet_circuits.sweeps.tasks import resolve_task, run_chunk

        spec = resolve_task("chain")
        point = {"links": 4, "length_km": 100.0, "t2_s": 0.1}
        run_chunk(spec, point, shots, 1)  # the heap grows once; the next chunk reuses it
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        run_chunk(spec, point, shots, 2)
        env = {k: v for k, v in os.environ.items() if k.startswith(("MALLOC_", "OMP_"))}
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, env
    return run


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_positive_integer(workers):
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        local_cluster(workers)


@glibc
def test_workers_get_the_environment_stop_page_faulting_and_match_serial(caplog):
    caplog.set_level(logging.WARNING, logger="qnet_circuits.sweeps")
    shots, grid, kw = 4000, {"fidelity": [0.9, 0.8]}, dict(max_shots=600, chunk_shots=300, seed=4)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        dask_faults, dask_env = client.submit(_chunk_faults(shots), pure=False).result()
        make_pool(client)  # a sweep on these workers warns once
        warned = [r.getMessage() for r in caplog.records if r.name == "qnet_circuits.sweeps"]
        caplog.clear()
    with local_cluster(1) as cluster, distributed.Client(cluster) as client:
        ours, env = client.submit(_chunk_faults(shots), pure=False).result()
        cluster.scale(2)  # a nanny started later gets the same environment
        client.wait_for_workers(2)
        later = client.run(lambda: os.environ.get("MALLOC_MMAP_THRESHOLD_"))
        table = sweep("swap", grid, executor=client, **kw)
        quiet = [r.getMessage() for r in caplog.records if r.name == "qnet_circuits.sweeps"]
    assert len(warned) == 1 and "1 of 1 Dask workers" in warned[0], warned
    assert "MALLOC_MMAP_THRESHOLD_=33554432" in warned[0]
    assert quiet == [], quiet
    assert dask_env.get("MALLOC_TRIM_THRESHOLD_") == "65536" and "MALLOC_MMAP_THRESHOLD_" not in dask_env
    assert all(env[k] == v for k, v in WORKER_ENV.items()), env
    assert set(later.values()) == {WORKER_ENV["MALLOC_MMAP_THRESHOLD_"]}, later
    # measured: ~10,000 against ~100,000 faults at 4,000 shots; a regression (the variable lost)
    # brings the two counts level
    assert ours * 5 < dask_faults, (ours, dask_faults)
    assert table.drop(columns="wall_s").equals(sweep("swap", grid, **kw).drop(columns="wall_s"))
