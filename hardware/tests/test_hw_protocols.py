"""Teleportation, swapping and E91 through the adapter on two fake IBM devices.

FakeManilaV2 runs the dynamic forms (if_else), FakeBelemV2 has no control flow and runs the
deferred forms (``runner.correction``). Bounds: teleportation fidelity above the classical 2/3,
a swapped pair above the separable bound 1/2, CHSH S above the local bound 2, each by 4 standard
errors from the shot count; the ideal device (Aer, no noise) gives exactly 1 and 2 sqrt(2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.analysis import bell_fidelity
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.swapping import swap_circuit
from qnet_circuits.library.teleportation import CARDINAL_STATES, teleport_circuit
from qnet_circuits.protocols.qkd import simulate_qkd
from qnet_circuits.results import Estimate, ShotData
from qnet_circuits.run import AerRunner, Runner, get_runner
from qnet_hardware import IBMRunner

DEVICES = ("manila", "belem")


@pytest.fixture(params=DEVICES)
def runner(request) -> IBMRunner:
    return request.getfixturevalue(request.param)


def teleport_fidelity(data: list[ShotData]) -> Estimate:
    """Mean over the six cardinal states of P(bob_check = 0) (equal shots: variances average)."""
    ps = [1.0 - float(d["bob_check"].mean()) for d in data]
    var = [p * (1 - p) / d.shots for p, d in zip(ps, data)]
    return Estimate(float(np.mean(ps)), math.sqrt(sum(var)) / len(ps))


def test_runner_satisfies_the_core_protocol_and_entry_point(manila) -> None:
    assert isinstance(manila, Runner)
    via_core = get_runner("fake_manila")
    assert isinstance(via_core, IBMRunner) and via_core.name == "fake_manila"
    assert via_core.backend is manila.backend  # the fake device is built once per process


def test_teleportation_beats_the_classical_bound(runner: IBMRunner) -> None:
    circuits = [teleport_circuit(s, correction=runner.correction) for s in CARDINAL_STATES]
    data = runner.run(circuits, shots=1000, seed=17)
    f = teleport_fidelity(data)
    assert f.value - 4 * f.stderr > 2 / 3, f
    assert f.value < 1.0  # the device's noise is there
    ideal = teleport_fidelity(AerRunner().run(circuits, shots=200, seed=17))
    assert ideal.value == 1.0
    for d in data:  # results carry the job, the ISA report and the register map
        assert d.metadata["job_id"] and d.metadata["backend"] == runner.name
        assert set(d.bits) == {"alice_bsm", "bob_check"}
        isa = d.metadata["isa"]
        assert isa["isa_two_qubit"] == isa["ideal_two_qubit"] + isa["routing_overhead"]
        if runner.correction == "dynamic":  # a 3-qubit line: no SWAP
            assert isa["routing_overhead"] == 0 and isa["layout_method"] == "line"
    # per-circuit seeds: two runs with one seed agree, another seed differs
    again = runner.run(circuits[:1], shots=1000, seed=17)[0]
    assert np.array_equal(again["bob_check"], data[0]["bob_check"])


def test_swapped_pair_is_entangled(runner: IBMRunner) -> None:
    qc = swap_circuit(correction=runner.correction)
    bases = pauli_basis_circuits(qc, qc.metadata["pair"])
    data = dict(zip(bases, runner.run(list(bases.values()), shots=3000, seed=29)))
    f = bell_fidelity(data)
    assert f.value - 4 * f.stderr > 0.5, f
    assert f.value < 1.0


def test_e91_chsh_violates_the_local_bound(runner: IBMRunner) -> None:
    report = simulate_qkd("e91", pairs=9000, seed=41, fidelity=1.0, runner=runner)
    s = report.chsh
    assert s is not None and s.value - 4 * s.stderr > 2.0, s
    assert s.value < 2 * math.sqrt(2) + 4 * s.stderr  # Tsirelson


def test_the_network_argument_is_ignored_on_a_device(manila) -> None:
    from qnet_circuits.network import chain

    qc = teleport_circuit("+", correction="dynamic")
    noisy_net = chain(1, 1.0, t1_s=1e-6, t2_s=1e-6)
    a = manila.run([qc], shots=500, seed=3, network=noisy_net)[0]
    b = manila.run([qc], shots=500, seed=3)[0]
    assert np.array_equal(a["bob_check"], b["bob_check"])
    assert a.metadata["network_ignored"] and not b.metadata["network_ignored"]
