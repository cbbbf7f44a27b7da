"""The device form of chain plans on Aer: no while_loop (and no control flow at all in the frame
form), the dynamic and Pauli-frame corrections agree, and the post-selected acceptance matches
its closed form (k standard errors from the shots)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.library.generation import heralded_link
from qnet_circuits.network import chain
from qnet_circuits.protocols.chain import ChainParams, circuits, first_success_sampler, run, simulate
from qnet_circuits.run import AerRunner
from qnet_circuits.scheduler import ChainPlan, PurificationPlan, link_models, resolve_path, schedule
from qnet_circuits.scheduler.device import acceptance_theory, frame_corrected

K = 4.0


def _names(circuit) -> set[str]:
    """Every instruction name, control-flow operations and their bodies included."""
    out: set[str] = set()
    for inst in circuit.data:
        out.add(inst.operation.name)
        for block in getattr(inst.operation, "blocks", ()):
            out |= _names(block)
    return out


@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
@pytest.mark.parametrize("purification", [None, PurificationPlan("dejmps", 1),
                                          PurificationPlan("bbpssw", 2)])
@pytest.mark.parametrize("link_level", ["state", "photonic"])
@pytest.mark.parametrize("correction", ["dynamic", "frame"])
def test_device_form_has_no_while_loop(strategy, purification, link_level, correction):
    net = chain(3, 10.0, t2_s=0.1)
    plan = ChainPlan(strategy=strategy, purification=purification, link_level=link_level,
                     cutoff_s=5e-3)
    sampler = first_success_sampler(link_models(net, resolve_path(net), plan), plan)
    sched = schedule(net, plan, realizations=4, seed=1, sampler=sampler, block=1)
    from qnet_circuits.scheduler import emit_chain

    dev = emit_chain(net, sched.path, sched.models, plan, sched.timeline, correction=correction)
    names = _names(dev.circuit)
    assert "while_loop" not in names
    assert ("if_else" in names) == (correction == "dynamic")
    accept = dev.metadata["accept"]
    raw = 1 if purification is None else (purification.rounds + 1 if purification.scheme != "recurrence"
                                          else 2**purification.rounds)
    steps = 0 if purification is None else raw - 1
    per_attempt = len(heralded_link(net.links[0]).metadata["heralds"])  # double-click: 2 rounds
    heralds = raw * per_attempt if link_level == "photonic" else 0
    assert len(accept) == 3 * (heralds + steps)  # every attempt and step of the 3 links
    assert sum(rule == "equal" for _, rule in accept) >= 3 * steps
    assert len(dev.metadata["frames"]) == (2 if correction == "frame" else 0)
    if purification is not None or link_level == "photonic":
        assert "while_loop" in _names(sched.circuit)  # the simulator form keeps its loops


def _agree(a, b, k=K) -> bool:
    return abs(a.value - b.value) <= k * math.hypot(a.stderr, b.stderr)


@pytest.mark.parametrize("plan, t2", [
    (ChainPlan(link_fidelity=0.9, strategy="nested"), 0.05),  # sampled timing: binding table
    (ChainPlan(link_fidelity=0.85, purification=PurificationPlan("dejmps", 1)), math.inf),
])
def test_dynamic_and_frame_forms_agree_on_aer(plan, t2):
    net = chain(2, 10.0, t2_s=t2)
    dyn = simulate(net, plan, realizations=1800, seed=11, correction="dynamic")
    frame = simulate(net, plan, realizations=1800, seed=977, correction="frame")
    sim = simulate(net, plan, realizations=1800, seed=4242)
    assert _agree(dyn.fidelity, frame.fidelity) and _agree(dyn.fidelity, sim.fidelity)
    theory = sim.theory["fidelity"]
    for res in (dyn, frame):
        assert res.fidelity.within(theory, k=K)
        assert res.metadata["device_form"]["correction"] in ("dynamic", "frame")


@pytest.mark.parametrize("params", [
    ChainParams(links=2, length_km=10.0, link_level="photonic"),
    ChainParams(links=2, length_km=10.0, link_level="photonic", scheme="single-click", alpha=0.2),
    ChainParams(links=2, length_km=10.0, link_fidelity=0.85, purification="dejmps"),
    pytest.param(ChainParams(links=2, length_km=10.0, link_fidelity=0.8, purification="bbpssw",
                             rounds=2), marks=pytest.mark.slow),  # ~30 s: recurrence trials
])
def test_post_selected_acceptance_matches_its_closed_form(params):
    params = ChainParams(**{**params.__dict__, "correction": "auto"})
    res = run(params, shots=2400, seed=21)
    dev = res.metadata["device_form"]
    net, plan = params.network(), params.plan()
    p = acceptance_theory(link_models(net, resolve_path(net), plan), plan, device=False,
                          network=net)
    assert p is not None and dev["acceptance_theory"] == pytest.approx(p)
    assert abs(dev["acceptance"] - p) <= K * math.sqrt(p * (1 - p) / dev["shots"])
    assert dev["correction"] == "dynamic"  # auto on Aer: Aer runs if_else


def test_frame_correction_flips_the_far_qubit_as_the_pauli_frame_says():
    pair = np.zeros((4, 2), dtype=np.uint8)
    bits = {"f": np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=np.uint8)}  # (m1, m2)
    out = frame_corrected(pair, ["X", "Z", "Y", "Y"], bits, ["f"])
    # X is flipped by Z (m1), Z by X (m2), Y by either but not both
    assert out[:, 0].tolist() == [0, 0, 0, 0] and out[:, 1].tolist() == [1, 1, 0, 0]


def test_dynamic_correction_is_refused_without_if_else():
    class NoIfElse(AerRunner):
        name = "no_if_else"
        dynamic = False

    with pytest.raises(ValueError, match="needs if_else"):
        simulate(chain(2, 10.0), ChainPlan(link_fidelity=0.9), realizations=30, seed=1,
                 correction="dynamic", runner=NoIfElse())
    res = simulate(chain(2, 10.0), ChainPlan(link_fidelity=0.9), realizations=30, seed=1,
                   correction="auto", runner=NoIfElse())
    assert res.metadata["device_form"]["correction"] == "frame"


def test_device_form_refuses_the_density_matrix_estimator():
    with pytest.raises(ValueError, match="estimator"):
        ChainParams(estimator="density_matrix", correction="frame")


def test_circuits_gives_the_device_form_with_a_correction():
    params = ChainParams(links=2, link_level="photonic", purification="dejmps")
    (sim,) = circuits(params)
    (dev,) = circuits(ChainParams(**{**params.__dict__, "correction": "frame"}))
    assert "while_loop" in _names(sim)
    assert not {"while_loop", "if_else"} & _names(dev) and dev.metadata["accept"]
