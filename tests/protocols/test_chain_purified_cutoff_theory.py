"""Purified links with a cutoff (issue 13 item 6): the chain's closed form from
physics.chain_cutoff_purified against the simulated circuits (Aer, several seeds), and the CLI
printing it (text and --json)."""

from __future__ import annotations

import json

import pytest

from qnet_circuits.cli import main
from qnet_circuits.network import chain
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.scheduler import ChainPlan, PurificationPlan

K = 5.0  # tolerance in standard errors
FAST = ["chain", "--links", "2", "--length-km", "2", "--purify", "dejmps", "--rounds", "1",
        "--t1", "2e-3", "--t2", "1e-3", "--cutoff", "1e-4", "--shots", "30", "--seed", "3"]


def test_cli_prints_the_purified_cutoff_closed_form(capsys):
    assert main([*FAST, "--json"]) == 0
    th = json.loads(capsys.readouterr().out)["theory"]
    assert th["fidelity_method"] == "exact" and th["delivery_time_method"] == "exact"
    assert th["fidelity_error_bound"] < 1e-9
    assert 0.25 < th["fidelity_expected"] < 1.0
    assert th["delivery_time_p50_s"] <= th["delivery_time_p90_s"]
    assert main(FAST) == 0
    lines = capsys.readouterr().out.splitlines()
    fid = next(s for s in lines if s.startswith("fidelity "))
    assert fid.split()[-1] == f"{th['fidelity_expected']:.4f}"
    mean = next(s for s in lines if s.startswith("mean delivery time (ms)"))
    assert mean.split()[-1] == f"{th['mean_delivery_time_s'] * 1e3:.4f}"


@pytest.mark.slow
@pytest.mark.parametrize("strategy,seed", [("sequential", 31), ("asap", 90210)])
def test_two_purified_links_with_a_cutoff_agree_with_the_simulation(strategy, seed):
    net = chain(2, 2.0, t1_s=2e-3, t2_s=2e-4)
    plan = ChainPlan(strategy=strategy, purification=PurificationPlan("dejmps", 1),
                     cutoff_s=4e-5)
    res = simulate(net, plan, realizations=1500, seed=seed)
    th = res.theory
    assert th["fidelity_method"] == "exact"
    est = res.fidelity
    assert abs(est.value - th["fidelity"]) <= K * est.stderr, (est.value, est.stderr, th["fidelity"])
    assert abs(th["fidelity_ideal_memories"] - th["fidelity"]) > 2 * K * est.stderr
    mean, se = res.delivery["mean_s"], res.delivery["stderr_s"]
    assert abs(mean - th["mean_delivery_time_s"]) <= K * se, (mean, se, th["mean_delivery_time_s"])
    discarded = res.metadata.get("discard_fraction")
    if discarded is not None:
        assert discarded > 0.1
