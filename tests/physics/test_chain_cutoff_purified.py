"""The cutoff oracle for purified links (physics.chain_cutoff_purified) against the no-cutoff
purified oracle, the geometric cutoff oracle and a seeded Monte Carlo of the scheduler's event loop."""

import math

import numpy as np
import pytest

from qnet_circuits.physics import bell_diagonal_density_matrix, werner_coefficients
from qnet_circuits.physics.chain_cutoff import cutoff_chain_oracle
from qnet_circuits.physics.chain_cutoff_purified import purified_cutoff_oracle
from qnet_circuits.physics.chain_expected import pair_correlations_werner
from qnet_circuits.physics.chain_purified import expected_purified_chain
from qnet_circuits.physics.purified_link import pauli_vector, purified_link_law
from qnet_circuits.timeline import ChainGeometry, chain_timeline_cutoff

UNIT = 1e-4
T1, T2 = 1e-2, 5e-3


def _law(protocol="dejmps", scheme="recurrence", rounds=1, fid=0.9, p=0.7):
    rho = bell_diagonal_density_matrix(werner_coefficients(fid))
    return purified_link_law(rho, p, 1, 1, [T1] * 2, [T2] * 2, protocol, rounds, scheme,
                             unit_s=UNIT)["measure"]


@pytest.mark.parametrize("protocol,scheme", [("dejmps", "recurrence"), ("bbpssw", "pumping")])
def test_cutoff_beyond_every_age_is_the_no_cutoff_oracle(protocol, scheme):
    meas = _law(protocol, scheme)
    nd = [0.0, UNIT, 2 * UNIT]
    far = purified_cutoff_oracle([meas] * 2, UNIT, nd, [T1] * 3, [T2] * 3, "sequential", 1.0)
    ref = expected_purified_chain([meas] * 2, UNIT, nd, [T1] * 3, [T2] * 3, "sequential",
                                  delivery_offsets_s=[UNIT, UNIT])
    assert far["method"] == "exact" and far["mass_dropped"] < 1e-9
    assert far["fidelity"] == pytest.approx(ref["fidelity"], abs=1e-9)
    assert far["mean_delivery_time_s"] == pytest.approx(ref["mean_delivery_time_s"], rel=1e-9)


def _geometric_measure(p, fid, size=200):
    r0 = pauli_vector(bell_diagonal_density_matrix(werner_coefficients(fid)))
    k = np.arange(size)
    pmf = np.where(k >= 1, p * (1.0 - p) ** np.maximum(k - 1, 0), 0.0)
    return pmf[:, None] * r0[None, :]


@pytest.mark.parametrize("strategy,cutoff", [("sequential", 2.0), ("asap", 3.0), ("nested", 1.0)])
def test_geometric_law_reduces_to_the_cutoff_oracle(strategy, cutoff):
    p, fid = 0.6, 0.95
    nd, t1, t2 = [0.0, 1.0, 2.0], [10.0] * 3, [5.0] * 3
    ours = purified_cutoff_oracle([_geometric_measure(p, fid)] * 2, 1.0, nd, t1, t2, strategy,
                                  cutoff)
    ref = cutoff_chain_oracle([pair_correlations_werner(fid)] * 2, [p] * 2, 1.0, nd, t1, t2,
                              strategy, None, cutoff)
    assert ours["fidelity"] == pytest.approx(ref["fidelity"], abs=1e-9)
    assert ours["mean_delivery_time_s"] == pytest.approx(ref["mean_delivery_time_s"], rel=1e-9)


def _fidelity_from_waits(rows, left, right):
    """End-to-end fidelity of swapped pairs with Pauli vectors ``rows`` after memory waits."""
    x = y = z = 1.0
    for v, wl, wr in zip(rows, left, right, strict=True):
        d = math.exp(-wl / T2 - wr / T2)
        x *= v[5] * d
        y *= -v[10] * d
        eu, ev = math.exp(-wl / T1), math.exp(-wr / T1)
        z *= 1 + (v[12] - 1) * eu + (v[3] - 1) * ev + (1 - v[12] - v[3] + v[15]) * eu * ev
    return (1 + x + y + z) / 4


@pytest.mark.parametrize("strategy", ["sequential", "asap"])
def test_event_loop_monte_carlo_agrees(strategy):
    """Independent check: the scheduler's event loop drawing each purified generation from the
    law, the delivered pairs' states propagated through their sampled waits (k = 5 sigma)."""
    meas = _law()
    n, cutoff, reals = 2, 3 * UNIT, 4000
    geom = ChainGeometry.uniform(n, UNIT, UNIT)
    pmf = meas[:, 0] / meas[:, 0].sum()
    rng = np.random.default_rng(20261207)

    def generate(i, t):
        k = int(rng.choice(len(pmf), p=pmf))
        return t + k * UNIT, k, k

    tl = chain_timeline_cutoff(generate, geom, strategy, cutoff, reals)
    f = np.array([_fidelity_from_waits([meas[k] / meas[k, 0] for k in tl.records[r]],
                                       tl.left_wait_s[r], tl.right_wait_s[r])
                  for r in range(reals)])
    assert (tl.discards.sum(axis=1) > 0).mean() > 0.2  # the cutoff acts
    out = purified_cutoff_oracle([meas] * n, UNIT, list(geom.node_delay_s), [T1] * 3, [T2] * 3,
                                 strategy, cutoff)
    se_f = f.std(ddof=1) / math.sqrt(reals)
    se_t = tl.delivery_s.std(ddof=1) / math.sqrt(reals)
    assert abs(f.mean() - out["fidelity"]) < 5 * se_f
    assert abs(tl.delivery_s.mean() - out["mean_delivery_time_s"]) < 5 * se_t


def test_bad_cutoff_and_state_space_refused():
    meas = _law()
    nd = [0.0, UNIT, 2 * UNIT]
    with pytest.raises(ValueError, match="cutoff_s"):
        purified_cutoff_oracle([meas] * 2, UNIT, nd, [T1] * 3, [T2] * 3, "asap", 0.0)
    with pytest.raises(ValueError, match="states"):
        purified_cutoff_oracle([meas] * 2, UNIT, nd, [T1] * 3, [T2] * 3, "asap", 5 * UNIT,
                               max_states=50)
