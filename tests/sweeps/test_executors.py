"""The same sweep gives identical tables serially, on 2 processes and on a 2-worker Dask cluster."""

import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from qnet_circuits.sweeps import connect, sweep
from qnet_circuits.sweeps.examples import coin

GRID = {"fidelity": [0.95, 0.85], "gate_error": [0.0, 0.03]}
KW = dict(target_stderr=0.01, max_shots=3000, chunk_shots=400, seed=21)


def _same(a, b):
    return a.drop(columns="wall_s").equals(b.drop(columns="wall_s"))


@pytest.fixture(scope="module")
def serial():
    return sweep("swap", GRID, **KW)


def test_process_pool_matches_serial(serial):
    with ProcessPoolExecutor(2) as pool:
        assert _same(sweep("swap", GRID, executor=pool, **KW), serial)


def test_worker_count_and_order_do_not_matter():
    kw = dict(target_stderr=0.008, max_shots=40_000, chunk_shots=300, seed=5)
    grid = {"p": [0.1, 0.5, 0.9, 0.3]}
    one = sweep(coin, grid, **kw)
    with ThreadPoolExecutor(4) as pool:
        four = sweep(coin, grid, executor=pool, **kw)
    assert _same(one, four)


def test_dask_local_cluster_matches_serial(serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        table = sweep("swap", GRID, executor=client, store=tmp_path / "d.sqlite", **KW)
        assert _same(table, serial)
        # the same sweep by scheduler address, resumed from the store
        assert _same(sweep("swap", GRID, executor=cluster.scheduler_address,
                           store=tmp_path / "d.sqlite", **KW), serial)


def test_scheduler_that_does_not_answer_is_one_line_error_in_time():
    pytest.importorskip("distributed")
    start = time.monotonic()
    with pytest.raises(ValueError, match=r"^dask scheduler tcp://127.0.0.1:9 did not answer within 1 s"):
        connect("tcp://127.0.0.1:9", timeout_s=1)
    assert time.monotonic() - start < 10


def test_unsupported_executor_refused():
    with pytest.raises(ValueError, match="executor must be None, a concurrent.futures.Executor"):
        sweep(coin, {"p": [0.5]}, executor=object())
