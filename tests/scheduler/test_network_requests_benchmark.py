"""The many-requests benchmark (benchmarks/network_requests.py) in CI size: a small random
geometric network, a few requests and pairs; the printed figures agree with the closed forms."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "network_requests.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("network_requests_benchmark", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_benchmark_runs_and_agrees_with_theory(bench, capsys):
    out = bench.main(["--quick", "--policy", "fifo"])
    text = capsys.readouterr().out
    res = out["result"]
    assert len(res.requests) == 4 and all(r.pairs == 20 for r in res.requests)
    assert "wall time" in text and "busiest memories" in text
    for node, occ in res.occupancy.items():
        assert occ["reserved_max"] <= occ["capacity"], node
    for r in res.requests:
        assert len(r.path) >= 3 and r.service_rate_hz.within(r.theory["solo_rate_hz"], k=5)
        if "rate_hz" in r.theory:
            assert r.rate_hz.within(r.theory["rate_hz"], k=5)


def test_request_pairs_are_distinct_and_apart(bench):
    from qnet_circuits.network import random_geometric

    net = random_geometric(20, 0.35, size_km=200.0, seed=3)
    reqs = bench.pick_requests(net, 5, seed=1)
    assert len(set(reqs)) == 5 and all(a != b for a, b in reqs)
