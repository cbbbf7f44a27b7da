"""Photonic links in the chain circuit, exactly: the density matrix of what the scheduler emits
(the heralded-link attempt replayed on the chain's registers inside its rejection loop, with the
project's noise pass: fiber loss and detector efficiency as amplitude damping, dark counts before
the detector readout, memory T1/T2 on the Delays), post-selected on the herald, equals the
heralded state the closed forms use (``theory_purified.herald_state``: ``LinkModel.state``, the
herald wait's relaxation, the frame flip) to 1e-10, and its acceptance probability is the
closed-form ``p``; one DEJMPS/BBPSSW step on two such pairs (the purification-trial template, and
the delivered pair of a purified one-link chain) equals the step of
:mod:`qnet_circuits.physics.purified_link` (``step_tensor`` on the decayed kept pair, then the flag
message's decay), and the law's lattice point of the earliest delivery equals it too.

The density matrices come from ``tests/scheduler/exact_branches.py`` (classical branching over
measurement outcomes; no Aer execution), so the check is independent of the simulator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.network import chain
from qnet_circuits.noise import noisy_circuit
from qnet_circuits.physics.purified_link import (
    SIGMA,
    pauli_vector,
    purified_link_law,
    relaxation_modes,
    step_tensor,
    twirl_matrix,
)
from qnet_circuits.protocols.chain.theory_purified import herald_state, lattice_unit
from qnet_circuits.scheduler import (
    ChainPlan,
    PurificationPlan,
    PurifiedRecord,
    emit_trials,
    link_models,
    schedule,
)
from qnet_circuits.scheduler.emit import _is_werner_state
from tests.scheduler.exact_branches import exact_heralded_state

TOL = 1e-10
T1, T2 = 3e-3, 1e-3  # s
LINKS = {
    "double-click": dict(scheme="double-click", dark_count_prob=0.02, detector_efficiency=0.9),
    "single-click": dict(scheme="single-click", alpha=0.1, dark_count_prob=0.02,
                         detector_efficiency=0.8),
    "midpoint": dict(scheme="midpoint", detector_efficiency=0.9),
}


def _net(kind: str, n: int = 1):
    return chain(n, 10.0, t1_s=T1, t2_s=T2, **LINKS[kind])


def _fixed(records):
    """A link sampler that gives every realization the same record."""
    def draw(i, size, rng):
        rec = records[i]
        att = rec.attempts if isinstance(rec, PurifiedRecord) else int(rec)
        dur = rec.total_s if isinstance(rec, PurifiedRecord) else att * 5e-5
        return np.full(size, dur), np.full(size, att), [rec] * size
    return draw


def _nodes(net):
    return {nd.name: nd for nd in net.nodes}


def _decay(t_s: float) -> np.ndarray:
    """Both memories waiting ``t_s`` (s), on Pauli vectors (purified_link's relaxation modes)."""
    return sum(math.exp(-rate * t_s) * k for rate, k in relaxation_modes((T1, T1), (T2, T2)))


def _state(r: np.ndarray) -> np.ndarray:
    return np.einsum("k,kij->ij", r, SIGMA) / 4.0


def _raw_vector(mdl, net, protocol: str) -> np.ndarray:
    """The raw pair at its herald as the oracle takes it (BBPSSW twirls a non-Werner pair)."""
    nodes = _nodes(net)
    r0 = pauli_vector(herald_state(mdl, nodes[mdl.left], nodes[mdl.right]))
    if protocol == "bbpssw" and not _is_werner_state(mdl.state(True)):
        r0 = twirl_matrix() @ r0
    return r0


def _step(mdl, net, protocol: str, sacrificed_attempts: int) -> tuple[np.ndarray, float]:
    """purified_link's step: kept pair decayed for the sacrificed pair's attempts, the bilinear
    step, then the flag message; (normalized state, success probability)."""
    r0 = _raw_vector(mdl, net, protocol)
    out = np.einsum("oij,i,j->o", step_tensor(protocol),
                    _decay(sacrificed_attempts * mdl.cycle_time_s) @ r0, r0)
    success = float(out[0])
    return _state(_decay(mdl.message_s) @ out / success), success


@pytest.mark.parametrize(("kind", "reverse"), [("double-click", False), ("double-click", True),
                                                ("single-click", False), ("midpoint", False)])
def test_chain_photonic_link_is_the_heralded_state(kind, reverse):
    net = _net(kind)
    path = ["bob", "alice"] if reverse else ["alice", "bob"]  # reversed: the frame flip's side
    sched = schedule(net, ChainPlan(link_level="photonic"), path=path, realizations=1, seed=1,
                     estimator="open", block=1, sampler=_fixed([3]))
    circuit = noisy_circuit(sched.bound_circuit(0), net)
    rho, p = exact_heralded_state(circuit, sched.metadata["pair"])
    (mdl,) = sched.models
    nodes = _nodes(net)
    expected = herald_state(mdl, nodes[mdl.left], nodes[mdl.right])
    assert np.abs(rho - expected).max() < TOL
    assert p == pytest.approx(mdl.p, rel=TOL)
    # the check can fail: the herald wait's decay and the dark counts move the state
    assert np.abs(expected - mdl.state(True)).max() > 1e-3
    if kind != "midpoint":
        clean = link_models(chain(1, 10.0, t1_s=T1, t2_s=T2,
                                  **{**LINKS[kind], "dark_count_prob": 0.0}), path,
                            ChainPlan(link_level="photonic"))[0]
        assert np.abs(clean.state(True) - mdl.state(True)).max() > 1e-3


def test_one_rejection_pass_is_the_unrolled_loop():
    """The helper's shortcut (one loop body post-selected) equals the loop unrolled until the
    rejected mass is below 1e-13 (the scheduler's loop bodies reset what they read); a short
    bright single-click link (p ~ 0.45) keeps the unrolled loop to ~50 passes."""
    net = chain(1, 2.0, t1_s=T1, t2_s=T2, **{**LINKS["single-click"], "alpha": 0.3})
    sched = schedule(net, ChainPlan(link_level="photonic"), realizations=1, seed=1,
                     estimator="open", block=1, sampler=_fixed([2]))
    circuit = noisy_circuit(sched.bound_circuit(0), net)
    one, p = exact_heralded_state(circuit, sched.metadata["pair"])
    unrolled, mass = exact_heralded_state(circuit, sched.metadata["pair"], tail=1e-13)
    assert 0.3 < p < 0.6
    assert np.abs(one - unrolled).max() < TOL
    assert mass == pytest.approx(1.0, abs=1e-12)


def _trial(net, mdl, plan, kept: int, sacrificed: int):
    tpl = emit_trials(net, mdl, plan, 1, [(kept, sacrificed)], 1)
    bound = tpl.circuit.assign_parameters(
        {p: float(tpl.values[0, i]) for i, p in enumerate(tpl.parameters)})
    bound.metadata = tpl.circuit.metadata
    qc = noisy_circuit(bound, net)
    keep = [qc.find_bit(qc.qregs[0][0]).index, qc.find_bit(qc.qregs[1][0]).index]
    return exact_heralded_state(qc, keep, [("trial", "equal")])


@pytest.mark.parametrize(("kind", "protocol"), [("double-click", "dejmps"),
                                                ("single-click", "bbpssw")])
def test_purification_trial_is_the_oracle_step(kind, protocol):
    net = _net(kind)
    plan = ChainPlan(link_level="photonic", purification=PurificationPlan(protocol, 1))
    (mdl,) = link_models(net, ["alice", "bob"], plan)
    rho, p = _trial(net, mdl, plan, 2, 3)
    expected, success = _step(mdl, net, protocol, 3)
    assert np.abs(rho - expected).max() < TOL
    assert p / mdl.p**2 == pytest.approx(success, rel=TOL)  # both heralds, then the flags
    assert abs(success - _step(mdl, net, protocol, 1)[1]) > 1e-3  # the kept pair's wait matters


def test_law_at_the_earliest_delivery_is_the_trial_circuit():
    """purified_link_law's weighted state at time 2 tau + message (both pairs at their first
    attempt, the first trial succeeding) is p^2 times the exact trial circuit's kept pair."""
    net = _net("double-click")
    plan = ChainPlan(link_level="photonic", purification=PurificationPlan("dejmps", 1))
    (mdl,) = link_models(net, ["alice", "bob"], plan)
    rho, p = _trial(net, mdl, plan, 1, 1)
    unit = lattice_unit([mdl.cycle_time_s, mdl.message_s])
    c, s = round(mdl.cycle_time_s / unit), round(mdl.message_s / unit)
    nodes = _nodes(net)
    law = purified_link_law(herald_state(mdl, nodes["alice"], nodes["bob"]), mdl.p, c, s,
                            (T1, T1), (T2, T2), "dejmps", 1, "recurrence", False, unit)
    weighted = law["measure"][2 * c + s]
    assert weighted[0] == pytest.approx(p, rel=TOL)
    assert np.abs(_state(weighted / weighted[0]) - rho).max() < TOL


def test_purified_one_link_chain_delivers_the_oracle_step():
    """The chain's simulator form (photonic attempts and the purification step in rejection
    loops, the flag message) delivers the step's state for the record's timing."""
    net = _net("double-click")
    plan = ChainPlan(link_level="photonic", purification=PurificationPlan("dejmps", 1))
    (mdl,) = link_models(net, ["alice", "bob"], plan)
    rec = PurifiedRecord(2, 3, 5 * mdl.cycle_time_s + mdl.message_s, 5)
    sched = schedule(net, plan, realizations=1, seed=1, estimator="open", block=1,
                     sampler=_fixed([rec]))
    circuit = noisy_circuit(sched.bound_circuit(0), net)
    rho, p = exact_heralded_state(circuit, sched.metadata["pair"])
    expected, success = _step(mdl, net, "dejmps", 3)
    assert np.abs(rho - expected).max() < TOL
    assert p / mdl.p**2 == pytest.approx(success, rel=TOL)
