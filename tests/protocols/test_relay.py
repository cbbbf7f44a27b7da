"""Trusted-node relay: one-time-pad joining of real hop keys, exposure, and the closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.keys.relay import relay_keys
from qnet_circuits.network import chain
from qnet_circuits.protocols import relay


@pytest.fixture(scope="module")
def result():
    return relay.run(relay.RelayParams(hops=3, length_km=120.0, fidelity=0.97, pairs=60_000), seed=8)


def test_bob_recovers_alice_key_and_every_trusted_node_can_too(result):
    assert result.keys_match and result.relayed_bits == min(result.hop_key_bits) > 0
    alice = result.relayed.alice_key
    # Alice's relayed key is her first hop key; each hop's own key pair matched
    assert np.array_equal(alice, result.hop_results[0].key.alice_key[: alice.size])
    assert all(h.key.keys_match for h in result.hop_results)
    assert result.exposed_to == ("T1", "T2")


def test_announcements_hide_the_key_from_outsiders():
    # C_i = K_i xor K_{i+1} with uniform K_{i+1}: the announcements are uniform whatever K_1 is,
    # and K_1 is not the xor of the announcements (an outsider's best guess fails)
    rng = np.random.default_rng(5)
    n = 20_000
    fixed = np.zeros(n, np.uint8)  # the worst case: a constant first-hop key
    others = [rng.integers(0, 2, n, dtype=np.uint8) for _ in range(2)]
    r = relay_keys([fixed, *others], [fixed, *others])
    for c in r.announcements:
        assert abs(c.mean() - 0.5) <= 5 * math.sqrt(0.25 / n)
    guess = r.announcements[0] ^ r.announcements[1]
    assert abs(np.mean(guess == r.alice_key) - 0.5) <= 5 * math.sqrt(0.25 / n)


def test_a_hop_error_reaches_bob_and_is_reported():
    rng = np.random.default_rng(6)
    keys = [rng.integers(0, 2, 64, dtype=np.uint8) for _ in range(3)]
    wrong = [k.copy() for k in keys]
    wrong[1][10] ^= 1
    r = relay_keys(keys, wrong)
    assert not r.keys_match and np.flatnonzero(r.alice_key != r.bob_key).tolist() == [10]
    # T1 holds hop 1's correct key and sees Alice's; T2 holds the wrong hop-2 key and does not
    assert r.exposed_to == (1,)


def test_theory_is_the_slowest_hops_bbm92_rate(result):
    q = 2 * (1 - 0.97) / 3  # Werner QBER in both bases
    hop = chain(1, 40.0)
    p = physics.link_theory(hop.links[0], hop)["p_success"]
    expected = (1 - 2 * physics.binary_entropy(q)) * 0.5 * p / hop.links[0].cycle_time_s
    assert result.theory["relay_secret_key_rate_hz"] == pytest.approx(expected, rel=1e-9)
    # trusted nodes beat the repeaterless bound of the direct 120 km link; the direct link does not
    assert result.theory["relay_secret_key_rate_hz"] > result.theory["plob_direct_hz"]
    assert result.theory["direct_secret_key_rate_hz"] < result.theory["plob_direct_hz"]
    # the finite key is below the asymptotic rate, and every hop's QBER is the Werner one
    assert 0 < result.key_rate_hz < result.theory["relay_secret_key_rate_hz"]
    for h in result.hop_results:
        for est in h.qber.values():
            assert est.within(q, k=5)


@pytest.mark.parametrize("kwargs, field", [
    ({"hops": 0}, "--hops"), ({"hops": 10_000}, "--hops"), ({"length_km": -1.0}, "--length-km"),
    ({"fidelity": 1.2}, "--fidelity"), ({"protocol": "bb84"}, "--protocol"), ({"pairs": 0}, "--pairs"),
])
def test_bad_parameters_name_the_flag(kwargs, field):
    with pytest.raises(ValueError, match=field):
        relay.RelayParams(**kwargs)
