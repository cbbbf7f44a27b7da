"""The sequential cutoff oracle with one moment vector per state (physics.chain_cutoff_sequential):
equal to the tensor oracle where that fits, exact for 5 links with a cutoff of 4 tau (before: out
of the tensor oracle's reach, and the block approximation said "never delivers"), against the
simulated chain; a chain that cannot deliver is told at once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.network import chain
from qnet_circuits.physics.chain_cutoff import cutoff_chain_oracle
from qnet_circuits.physics.chain_cutoff_sequential import sequential_cutoff_oracle
from qnet_circuits.physics.chain_expected import pair_correlations_werner, swap_noise_factors
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.scheduler import ChainPlan

K = 5.0


@pytest.mark.parametrize("n,p,cutoff,hop,taus,fid,mean,states", [
    (2, 0.4, 2.0, 1.0, 1.0, 0.5719185017556836, 5.872448979591837, 5),
    (3, 0.5, 3.0, 0.5, 1.0, 0.41374238042185263, 5.501973707586322, 89),
    (4, 0.5, 4.0, 1.0, 1.0, 0.29452968445321814, 13.184893327748263, 513),
    # unequal cycle times on a half-cycle grid
    (3, 0.3, 2.5, 0.5, [1.0, 1.5, 1.0], 0.42219657037675384, 21.81519188359425, 312),
])
def test_equals_the_tensor_oracle(n, p, cutoff, hop, taus, fid, mean, states):
    """The one oracle (moment axes for merged segments only) against the tensor oracle with an
    axis per stored segment (``all_axes=True``) and the numbers of the former separate
    sequential implementation (one frontier vector per state; the two agreed to 1e-12)."""
    corr = [(0.9, 0.85, 0.93, 0.05, -0.02)] * n
    args = (corr, [p] * n, taus, [i * hop for i in range(n + 1)], [10.0] * (n + 1),
            [4.0] * (n + 1))
    factors = [swap_noise_factors(0.02, 0.01)] * (n - 1)
    ref = cutoff_chain_oracle(*args, "sequential", factors, cutoff, all_axes=True)
    out = sequential_cutoff_oracle(*args, factors, cutoff)
    assert out["fidelity"] == pytest.approx(ref["fidelity"], abs=1e-12)
    assert out["mean_delivery_time_s"] == pytest.approx(ref["mean_delivery_time_s"], rel=1e-11)
    np.testing.assert_allclose(out["delivery_pmf"], ref["delivery_pmf"], atol=1e-12)
    np.testing.assert_allclose(out["delivery_times_s"], ref["delivery_times_s"])
    assert out["fidelity"] == pytest.approx(fid, abs=1e-12)
    assert out["mean_delivery_time_s"] == pytest.approx(mean, rel=1e-11)
    assert out["state_updates"] == states


def test_a_chain_that_cannot_deliver_is_told_at_once():
    w = [pair_correlations_werner(0.95)] * 6
    with pytest.raises(ValueError, match="never delivers"):
        sequential_cutoff_oracle(w, [0.5] * 6, 1.0, list(range(7)), [10.0] * 7, [5.0] * 7,
                                 None, 4.0)


@pytest.mark.slow
def test_five_links_cutoff_four_cycles_against_the_simulation():
    # the event loop snaps times to a grid of tau / 2^24, which keeps ties (a wait of exactly
    # the cutoff) exact for any cycle time (tests/test_timeline.py: scale invariance)
    net = chain(5, 20.0, t1_s=4e-3, t2_s=2e-3)
    tau = net.links[0].cycle_time_s
    plan = ChainPlan(strategy="sequential", link_fidelity=0.97, cutoff_s=4 * tau)
    res = simulate(net, plan, realizations=900, seed=2718)
    th = res.theory
    assert th["fidelity_method"] == "exact"
    est = res.fidelity
    assert abs(est.value - th["fidelity"]) <= K * est.stderr, (est, th["fidelity"])
    mean, se = res.delivery["mean_s"], res.delivery["stderr_s"]
    assert abs(mean - th["mean_delivery_time_s"]) <= K * se, (mean, se, th["mean_delivery_time_s"])
    assert res.timeline.discards.sum() > 100
    assert math.isfinite(th["delivery_time_p90_s"])
