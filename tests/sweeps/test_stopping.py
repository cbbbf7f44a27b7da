"""The stopping rule for degenerate points: a zero error bar (every shot agreed) is never trusted
at once; the point runs until the Wilson one-sigma half-width 1/(W+1) of its W shots meets the
target (pooling.stopping_stderr), and the table reports that width as the point's stderr."""

import math

import pytest

from qnet_circuits.sweeps import sweep
from qnet_circuits.sweeps.examples import coin
from qnet_circuits.sweeps.pooling import Pooled, done_prefix, needed_chunks, stopping_stderr


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_degenerate_proportion_runs_until_wilson_width_meets_target(p):
    # 1/(W+1) <= 0.002 needs W >= 499: 5 chunks of 100 shots, not 1 (stderr 0) and not max_shots
    table = sweep(coin, {"p": [p]}, target_stderr=0.002, max_shots=10_000, chunk_shots=100, seed=1)
    row = table.iloc[0]
    assert (row.estimate, row.shots, row.chunks) == (p, 500, 5)
    assert row.stderr == 1 / 501  # reported as the Wilson width, never 0


def test_ideal_chain_fidelity_one_stops_at_the_wilson_width():
    kw = dict(max_shots=4000, chunk_shots=200, seed=2)
    loose = sweep("chain", {"links": [2], "length_km": [10.0]}, target_stderr=0.005, **kw).iloc[0]
    tight = sweep("chain", {"links": [2], "length_km": [10.0]}, target_stderr=0.002, **kw).iloc[0]
    assert (loose.estimate, loose.theory, loose.stderr) == (1.0, 1.0, 1 / 201)
    assert loose.chunks == 1  # 200 delivered pairs: 1/201 <= 0.005
    assert tight.chunks == 3  # 1/(W+1) <= 0.002 needs W >= 499: 600 pairs


def test_stopping_stderr_is_the_pooled_one_unless_zero():
    assert stopping_stderr(Pooled(0.9, 0.01, 100)) == 0.01
    assert stopping_stderr(Pooled(1.0, 0.0, 999)) == 1 / 1000
    assert stopping_stderr(Pooled(math.nan, math.inf, 0)) == math.inf


def test_degenerate_projection_scales_as_one_over_weight():
    ideal = {"estimate": 1.0, "stderr": 0.0, "weight": 100, "successes": None}
    # 1/101 against 0.001: about 10x the shots, so 10 chunks in all (not 100x as 1/sqrt(W) would say)
    assert needed_chunks([ideal], "mean", 0.001, 1000, 100) == 10
    assert done_prefix([ideal] * 10, "mean", 0.001, 1000) == 10
    assert done_prefix([ideal] * 9, "mean", 0.001, 1000) is None


def test_all_perfect_pairs_below_theory_are_within_the_reported_error():
    """A 2-link chain of closed-form fidelity 0.9963 can deliver 250 perfect pairs (estimate 1):
    the reported stderr 1/(W+1) keeps the point within 5 sigma of theory, a stderr of 0 would not."""
    table = sweep("chain", {"links": [2], "length_km": [20.0], "t2_s": [0.2]}, target_stderr=0.02,
                  max_shots=1500, chunk_shots=250, seed=17)
    row = table.iloc[0]
    assert (row.estimate, row.shots, row.stderr) == (1.0, 250, 1 / 301)  # W: the chunk's 300 realizations
    assert row.theory == pytest.approx(0.996285, abs=1e-6)
    assert abs(row.estimate - row.theory) <= 5 * row.stderr
