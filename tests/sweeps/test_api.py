"""sweep(): grids, validation, precision-driven chunking, pooling, protocol tasks against theory."""

import math

import numpy as np
import pytest

from qnet_circuits.sweeps import chunk_seed, sweep
from qnet_circuits.sweeps.examples import coin
from qnet_circuits.sweeps.pooling import pool


def _same(a, b):
    return a.drop(columns="wall_s").equals(b.drop(columns="wall_s"))


def test_unknown_parameter_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown parameter 'lenght_km' for task chain; valid: links, "
                                         r"length_km, scheme"):
        sweep("chain", {"lenght_km": [10.0]})


@pytest.mark.parametrize("grid", [{}, [], {"links": []}])
def test_empty_grid_refused(grid):
    with pytest.raises(ValueError, match="empty|no values"):
        sweep("chain", grid)


@pytest.mark.parametrize("target", [0, -0.1, math.nan])
def test_target_stderr_must_be_positive(target):
    with pytest.raises(ValueError, match="target_stderr must be a number > 0"):
        sweep(coin, {"p": [0.5]}, target_stderr=target)


def test_unknown_task_and_repeated_point():
    with pytest.raises(ValueError, match="unknown task 'chian'"):
        sweep("chian", {"links": [2]})
    with pytest.raises(ValueError, match="repeats a point"):
        sweep(coin, [{"p": 0.5}, {"p": 0.5}])


def test_target_stops_each_point_at_the_first_prefix_meeting_it():
    table = sweep(coin, {"p": [0.02, 0.5]}, target_stderr=0.01, max_shots=50_000, chunk_shots=250, seed=4)
    for row in table.itertuples():
        assert row.stderr <= 0.01
        # one chunk fewer would not have met the target (pool the same chunk seeds again)
        from qnet_circuits.sweeps.api import _Point
        from qnet_circuits.sweeps.pooling import chunk_sizes
        from qnet_circuits.sweeps.tasks import resolve_task
        spec = resolve_task(coin)
        point = _Point(spec, {"p": row.p}, 4, chunk_sizes(50_000, 250), 250)
        chunks = [coin(p=row.p, shots=250, seed=s) for s in point.seeds[: row.chunks - 1]]
        if row.chunks > 2:
            assert pool(chunks, "proportion").stderr > 0.01
        assert abs(row.estimate - row.p) <= 5 * row.stderr
    # p = 0.5 needs ~2500 shots (se = 0.5/sqrt(n)); p = 0.02 ~196
    assert table.shots.tolist()[1] == 2500
    assert table.shots.tolist()[0] <= 500


def test_without_target_every_point_runs_max_shots_and_pools_exactly():
    table = sweep(coin, {"p": [0.3]}, max_shots=1100, chunk_shots=500, seed=9)
    assert table.shots.tolist() == [1100] and table.chunks.tolist() == [3]
    from qnet_circuits.sweeps.api import _Point
    from qnet_circuits.sweeps.tasks import resolve_task
    point = _Point(resolve_task(coin), {"p": 0.3}, 9, [500, 500, 100], 500)
    k = sum(coin(p=0.3, shots=n, seed=s)["successes"] for n, s in zip([500, 500, 100], point.seeds))
    assert table.estimate[0] == k / 1100
    assert table.stderr[0] == pytest.approx(math.sqrt(k / 1100 * (1 - k / 1100) / 1100))


def test_chunk_seeds_are_spawned_not_consecutive():
    d = bytes(range(16))
    seeds = [chunk_seed(1, d, k) for k in range(4)]
    assert len(set(seeds)) == 4 and all(b - a != 1 for a, b in zip(seeds, seeds[1:]))
    assert seeds == [int(np.random.SeedSequence(1, spawn_key=(50462976, 117835012, 185207048, 252579084, k))
                         .generate_state(1)[0]) for k in range(4)]


def test_mean_pooling_weights_by_shots():
    a = {"estimate": 1.0, "stderr": 0.1, "weight": 100, "successes": None}
    b = {"estimate": 0.0, "stderr": 0.1, "weight": 300, "successes": None}
    p = pool([a, b], "mean")
    assert p.value == 0.25 and p.stderr == pytest.approx(math.sqrt(0.25**2 * 0.01 + 0.75**2 * 0.01))
    assert pool([dict(a, weight=0, estimate=math.nan), b], "mean").value == 0.0


def test_grid_order_and_tidy_columns():
    table = sweep("swap", {"fidelity": [0.9, 0.8], "gate_error": [0, 0.02]}, max_shots=400,
                  chunk_shots=200, seed=2)
    assert list(table.columns[:2]) == ["fidelity", "gate_error"]
    assert {"estimate", "stderr", "theory", "shots", "wall_s", "seed", "task", "metric"} <= set(table.columns)
    assert table[["fidelity", "gate_error"]].values.tolist() == [[0.9, 0.0], [0.9, 0.02], [0.8, 0.0],
                                                                 [0.8, 0.02]]
    assert table.gate_error.dtype == float  # ints given for a float field are canonical floats


@pytest.mark.parametrize("task, grid, kwargs", [
    ("swap", {"fidelity": [0.9]}, {}),
    ("purify", {"fidelity": [0.8]}, {}),
    ("link", {"length_km": [5.0]}, {"metric": "p_success"}),
    ("teleport", {"fidelity": [0.9]}, {}),
    ("dense-coding", {"fidelity": [0.9]}, {}),
    ("chain", {"links": [2], "length_km": [20.0], "t2_s": [0.05]}, {}),
])
def test_protocol_tasks_agree_with_theory(task, grid, kwargs):
    table = sweep(task, grid, target_stderr=0.02, max_shots=2000, chunk_shots=500, seed=11, **kwargs)
    row = table.iloc[0]
    assert row.stderr <= 0.02 or row.shots == 2000
    assert abs(row.estimate - row.theory) <= 5 * row.stderr, row.to_dict()
