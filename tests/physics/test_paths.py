"""Path closed forms: E[max tau_i G_i] against sampled geometric links (k standard errors) and
the iid formula; per-repeater swap noise against chain_fidelity; multiplexing identities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics

K = 5


@pytest.mark.parametrize(("p", "tau"), [([0.5, 0.2], [1.0, 3.0]), ([0.05, 0.1, 0.3], [2e-4, 1e-4, 3e-4]),
                                        ([0.02] * 6, [1e-3] * 6)])
def test_expected_path_time_against_sampling(p, tau):
    rng = np.random.default_rng(3)
    n = 400_000
    t = np.max([rng.geometric(pi, n) * ti for pi, ti in zip(p, tau)], axis=0)
    e = physics.expected_path_time_s(p, tau)
    assert abs(t.mean() - e) < K * t.std() / math.sqrt(n)


def test_expected_path_time_equal_links_is_the_iid_max():
    assert physics.expected_path_time_s([0.1] * 8, [2.0] * 8) == pytest.approx(
        2.0 * physics.expected_max_geometric(8, 0.1), rel=1e-12)
    assert physics.expected_path_time_s([1.0, 1.0], [1.0, 2.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="equal length"):
        physics.expected_path_time_s([0.1], [1.0, 2.0])
    with pytest.raises(ValueError, match="cycle_time_s"):
        physics.expected_path_time_s([0.1], [0.0])


def test_path_fidelity_reduces_to_chain_fidelity():
    fs = [0.95, 0.9, 0.93, 0.97]
    assert physics.path_fidelity(fs, [0.02] * 3, [0.01] * 3) == pytest.approx(
        physics.chain_fidelity(fs, 0.02, 0.01), abs=1e-14)
    # per-repeater noise: the same as swapping pair by pair
    lam, eps = [0.01, 0.05], [0.02, 0.0]
    c = physics.werner_coefficients(fs[0])
    for f, la, ep in zip(fs[1:3], lam, eps):
        c = physics.swap_bell_diagonal(c, physics.werner_coefficients(f), la, ep)
    assert physics.path_fidelity(fs[:3], lam, eps) == pytest.approx(c[0], abs=1e-14)
    with pytest.raises(ValueError, match="repeaters"):
        physics.path_fidelity(fs, [0.1])


def test_multiplexing_identities():
    p = 0.03
    assert physics.multiplexed_success(p, 1) == pytest.approx(p)
    assert physics.multiplexed_success(p, 50) == pytest.approx(1 - 0.97 ** 50)
    assert physics.multiplexed_rate_hz(p, 10, 1e-3) == pytest.approx((1 - 0.97 ** 10) / 1e-3)
    with pytest.raises(ValueError, match="modes"):
        physics.multiplexed_success(p, 0)
