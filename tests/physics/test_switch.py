"""Switch closed forms against independent constructions: the full CTMC generator solved by
linear algebra, brute-force slotted chains over every link's count, hand-derived one-memory
forms, Little's law and the swap closed form."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qnet_circuits import physics


def _generator_capacity(mu, q, buffer, alpha):
    """Capacity from the generator over (link, count) states built transition by transition."""
    k = len(mu)
    states = [None] + [(i, j) for i in range(k) for j in range(1, buffer + 1)]
    index = {s: n for n, s in enumerate(states)}
    g = np.zeros((len(states), len(states)))
    swap_rate = np.zeros(len(states))
    for s, n in index.items():
        for link in range(k):
            if s is None:
                g[n, index[(link, 1)]] += mu[link]
            elif link == s[0]:
                if s[1] < buffer:
                    g[n, index[(link, s[1] + 1)]] += mu[link]
            else:
                down = None if s[1] == 1 else (s[0], s[1] - 1)
                g[n, index[down]] += mu[link]
                swap_rate[n] += mu[link]
        if s is not None and alpha > 0:
            down = None if s[1] == 1 else (s[0], s[1] - 1)
            g[n, index[down]] += s[1] * alpha
        g[n, n] = -g[n].sum()
    a = np.vstack([g.T, np.ones(len(states))])
    b = np.zeros(len(states) + 1)
    b[-1] = 1
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    return q * float(pi @ swap_rate)


@pytest.mark.parametrize(("mu", "q", "buffer", "alpha"), [
    ([1.0] * 3, 1.0, 1, 0.0), ([1.0] * 5, 0.5, 3, 0.2), ([2.0, 1.0, 0.5, 0.7], 0.8, 4, 0.3),
    ([1.0, 3.0, 2.0], 0.9, 2, 0.0), ([1.0] * 6, 1.0, 6, 1.5)])
def test_product_form_equals_the_generator(mu, q, buffer, alpha):
    st = physics.switch_stationary(len(mu), mu, q, buffer=buffer, alpha=alpha)
    assert st.capacity == pytest.approx(_generator_capacity(mu, q, buffer, alpha), rel=1e-10)
    assert st.empty + sum(st.held) == pytest.approx(1.0, abs=1e-12)
    assert sum(st.pair_rates.values()) == pytest.approx(st.capacity, rel=1e-12)


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_equal_rate_closed_forms(k):
    mu, q = 2.5, 0.7
    assert physics.switch_capacity(k, mu, q) == pytest.approx(q * k * mu / 2, rel=1e-11)
    assert physics.switch_capacity(k, mu, q, buffer=1) == pytest.approx(
        q * mu * k * (k - 1) / (2 * k - 1), rel=1e-12)
    for b in (1, 2, 5):
        assert physics.switch_capacity_closed_form(k, mu, q, b) == pytest.approx(
            physics.switch_capacity(k, mu, q, buffer=b), rel=1e-12)
    # a large buffer approaches the infinite one; decoherence only lowers the capacity
    assert physics.switch_capacity(k, mu, q, buffer=60) == pytest.approx(q * k * mu / 2, rel=1e-9)
    assert physics.switch_capacity(k, mu, q, alpha=0.5) < q * k * mu / 2
    # infinite buffer with decoherence equals a long finite one
    assert physics.switch_capacity(k, mu, q, alpha=0.5) == pytest.approx(
        physics.switch_capacity(k, mu, q, buffer=200, alpha=0.5), rel=1e-12)


def test_no_steady_state_and_bad_input_are_refused():
    with pytest.raises(ValueError, match="no steady state"):
        physics.switch_stationary(2, 1.0, 1.0)
    with pytest.raises(ValueError, match="no steady state"):
        physics.switch_capacity_closed_form(2, 1.0, 1.0)
    with pytest.raises(ValueError, match="mu must list one rate per user"):
        physics.switch_capacity(3, [1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="buffer"):
        physics.switch_capacity(3, 1.0, 1.0, buffer=0)
    with pytest.raises(ValueError, match="alpha"):
        physics.switch_capacity(3, 1.0, 1.0, alpha=-1)
    # two users with a finite buffer do have one: each swap needs both links
    assert physics.switch_capacity(2, 1.0, 1.0, buffer=1) == pytest.approx(2 / 3)


def test_capacity_region():
    assert physics.capacity_region_ok(4, 1.0, 0.9, {(0, 1): 0.3, (0, 2): 0.3, (0, 3): 0.3})
    assert not physics.capacity_region_ok(4, 1.0, 0.9, {(0, 1): 0.5, (0, 2): 0.5})


def _brute_slotted(k, p, q, buffer, alpha):
    """Every link's count as the state; every loss and success pattern enumerated."""
    states = [c for c in itertools.product(range(buffer + 1), repeat=k)]
    index = {s: n for n, s in enumerate(states)}
    t = np.zeros((len(states), len(states)))
    swaps = np.zeros(len(states))
    keep = math.exp(-alpha)
    for s, n in index.items():
        for lost in itertools.product(*[range(c + 1) for c in s]):
            pl = math.prod(math.comb(c, x) * keep ** x * (1 - keep) ** (c - x)
                           for c, x in zip(s, lost))
            for gen in itertools.product((0, 1), repeat=k):
                pg = math.prod(p if g else 1 - p for g in gen)
                c = [min(x + g, buffer) for x, g in zip(lost, gen)]
                m = 0
                while sum(1 for x in c if x) >= 2:          # fullest with the next fullest
                    order = sorted(range(k), key=lambda i: -c[i])
                    c[order[0]] -= 1
                    c[order[1]] -= 1
                    m += 1
                t[n, index[tuple(c)]] += pl * pg
                swaps[n] += pl * pg * m
    a = np.vstack([t.T - np.eye(len(states)), np.ones(len(states))])
    b = np.zeros(len(states) + 1)
    b[-1] = 1
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    return q * float(pi @ swaps)


@pytest.mark.parametrize(("k", "p", "buffer", "alpha"), [(3, 0.3, 2, 0.0), (3, 0.6, 1, 0.2),
                                                         (4, 0.2, 2, 0.1)])
def test_slotted_chain_equals_brute_force(k, p, buffer, alpha):
    got = physics.slotted_capacity(k, p, 0.8, buffer=buffer, alpha=alpha)["capacity"]
    assert got == pytest.approx(_brute_slotted(k, p, 0.8, buffer, alpha), rel=1e-9)


def test_slotted_infinite_buffer_uses_every_qubit():
    for k in (3, 4, 6):
        assert physics.slotted_capacity(k, 0.15, 0.5)["capacity"] == pytest.approx(
            0.5 * k * 0.15 / 2, rel=1e-9)


def test_delivered_coherence_one_memory_by_hand():
    k, mu, alpha, t2 = 4, 2.0, 0.5, 0.8
    gamma = 2 / t2
    d = physics.delivered_coherence(k, mu, t2_s=t2, buffer=1, alpha=alpha)
    # a stored qubit leaves at k mu + alpha, by a swap with probability (k-1) mu / (k mu + alpha)
    assert d["coherence"] == pytest.approx((k * mu + alpha) / (k * mu + alpha + gamma), rel=1e-10)
    assert d["mean_wait_s"] == pytest.approx(1 / (k * mu + alpha), rel=1e-10)


@pytest.mark.parametrize("k", [3, 4, 6])
def test_delivered_wait_obeys_littles_law(k):
    mu, q = 3.0, 0.6
    st = physics.switch_stationary(k, mu, q)
    d = physics.delivered_coherence(k, mu, t2_s=1.0)
    # no losses: every stored qubit is consumed, one per attempted swap (rate C / q)
    assert d["mean_wait_s"] == pytest.approx(st.stored / (st.capacity / q), rel=1e-9)
    assert d["consumed_per_qubit"] * k * mu == pytest.approx(st.capacity / q, rel=1e-10)
    assert physics.delivered_coherence(k, mu, t2_s=math.inf)["coherence"] == 1.0


def test_switch_pair_fidelity():
    assert physics.switch_pair_fidelity(0.9, 1.0) == pytest.approx(physics.swap_werner(0.9, 0.9))
    # a fully dephased perfect pair swapped with a perfect pair: F = 1/2
    assert physics.switch_pair_fidelity(1.0, 0.0) == pytest.approx(0.5)
    # affine in each coherence
    f = [physics.switch_pair_fidelity(0.93, c) for c in (0.0, 0.4, 0.8)]
    assert f[2] - f[1] == pytest.approx(f[1] - f[0], abs=1e-14)
    with pytest.raises(ValueError, match="coherence"):
        physics.switch_pair_fidelity(0.9, 1.5)


@pytest.mark.parametrize(("k", "p", "buffer", "alpha"), [(3, 0.3, math.inf, 0.0), (4, 0.2, 2, 0.1),
                                                         (5, 0.4, 1, 0.0), (3, 0.5, 3, 0.3)])
def test_slotted_swaps_by_kind_add_up_to_the_capacity(k, p, buffer, alpha):
    d = physics.slotted_delivered_coherence(k, p, t2_slots=10.0, buffer=buffer, alpha=alpha)
    cap = physics.slotted_capacity(k, p, 1.0, buffer=buffer, alpha=alpha)["capacity"]
    # fresh-with-fresh swaps plus stored-with-fresh swaps (each stored one tracked to its use)
    assert d["fresh_swaps_per_slot"] + d["stored_swaps_per_slot"] == pytest.approx(cap, rel=1e-9)
    assert 0 < d["coherence"] < 1
    assert physics.slotted_delivered_coherence(k, p, t2_slots=math.inf, buffer=buffer,
                                               alpha=alpha)["coherence"] == pytest.approx(1.0)


def test_slotted_one_memory_wait_by_hand():
    k, p, t2 = 4, 0.3, 5.0
    d = physics.slotted_delivered_coherence(k, p, t2_slots=t2, buffer=1)
    stay = (1 - p) ** k                       # nobody succeeds: the stored qubit waits on
    used = (1 - p) * (1 - (1 - p) ** (k - 1))  # another link succeeds, its own does not
    share = d["stored_swaps_per_slot"] / (d["stored_swaps_per_slot"] + d["fresh_swaps_per_slot"])
    # given it is used, the wait is geometric: E[W] = 1 / (1 - stay) slots
    assert d["mean_wait_slots"] == pytest.approx(share / (1 - stay), rel=1e-10)
    g = math.exp(-2 / t2)
    coherence = (1 - share) + share * (g * used / (1 - g * stay)) / (used / (1 - stay))
    assert d["coherence"] == pytest.approx(coherence, rel=1e-10)
