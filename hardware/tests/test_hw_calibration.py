"""network_from_backend: per-node medians of the device calibration, validation; the prediction
circuit; coupler errors in the noise pass (exact density matrix)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, QuantumRegister
from qiskit.quantum_info import DensityMatrix

from qnet_circuits.library.swapping import swap_circuit
from qnet_circuits.network import Network, Node
from qnet_circuits.noise import noisy_circuit
from qnet_hardware import IBMRunner, fake_backend
from qnet_hardware.calibration import (
    CalibratedRunner,
    network_from_backend,
    prediction_circuit,
    used_couplers,
)
from qnet_hardware.layout import qubit_errors


def test_medians_over_each_nodes_qubits_and_couplers() -> None:
    backend = fake_backend("fake_torino")
    target = backend.target
    groups = {"alice": [0, 1], "r1": [2, 3, 4], "bob": [5]}
    net = network_from_backend(backend, groups)
    readout, edges = qubit_errors(target)
    props = target.qubit_properties
    for name, qs in groups.items():
        node = net.node(name)
        t1 = float(np.median([props[q].t1 for q in qs]))
        t2 = min(float(np.median([props[q].t2 for q in qs])), 2 * t1)
        assert node.memory.t1_s == pytest.approx(t1, rel=1e-12)
        assert node.memory.t2_s == pytest.approx(t2, rel=1e-12)
        assert node.readout_error == pytest.approx(float(np.median([readout[q] for q in qs])))
        chosen = {q for g in groups.values() for q in g}
        used = {e: v for e, v in edges.items() if set(e) <= chosen}
        inside = [v for e, v in used.items() if set(e) <= set(qs)]
        across = [v for e, v in used.items() if len(set(e) & set(qs)) == 1]
        assert node.coupler_error == pytest.approx(4 / 3 * float(np.median(across)))
        expected_in = float(np.median(inside)) if inside else float(np.median(across))
        assert node.gate_error == pytest.approx(4 / 3 * expected_in)
    assert [(lk.a, lk.b) for lk in net.links] == [("alice", "r1"), ("r1", "bob")]


def test_given_couplers_decide_the_two_qubit_errors() -> None:
    backend = fake_backend("fake_manila")
    _, edges = qubit_errors(backend.target)
    net = network_from_backend(backend, {"a": [0], "b": [1, 2]}, couplers=[(1, 0)])
    assert net.node("a").coupler_error == pytest.approx(4 / 3 * edges[(0, 1)])
    assert net.node("b").gate_error == pytest.approx(4 / 3 * edges[(0, 1)])  # no inside coupler
    plain = network_from_backend(backend, [3, 4])
    assert [n.name for n in plain.nodes] == ["q3", "q4"]


@pytest.mark.parametrize(("qubits", "couplers", "match"), [
    ({"alice": [5]}, None, "qubits: node 'alice' names physical qubit 5"),
    ({"alice": [-1]}, None, "qubits: node 'alice' names physical qubit -1"),
    ({"alice": ["0"]}, None, "physical qubits are integers"),
    ({"alice": []}, None, "has no physical qubit"),
    ({}, None, "at least one node"),
    ("alice", None, "qubits must map node names"),
    ({"alice": [0], "bob": [4]}, [(0, 4)], r"couplers: \(0, 4\) is not a coupler"),
])
def test_bad_input_names_the_field(qubits, couplers, match) -> None:
    with pytest.raises(ValueError, match=match):
        network_from_backend(fake_backend("fake_manila"), qubits, couplers=couplers)


def test_prediction_circuit_owns_every_register_and_reads_out_noisily() -> None:
    qc = swap_circuit()
    meta = dict(qc.metadata or {})
    meta["ideal_measurements"] = ["pair"]
    qc.metadata = meta
    pc = prediction_circuit(qc)
    assert set(pc.metadata["nodes"]) == {r.name for r in qc.qregs}
    assert "ideal_measurements" not in pc.metadata
    assert qc.metadata["ideal_measurements"] == ["pair"]  # the original is untouched


def test_coupler_error_is_the_mean_depolarizing_of_the_two_nodes() -> None:
    a, b = QuantumRegister(1, "a_mem"), QuantumRegister(1, "b_mem")
    qc = QuantumCircuit(a, b, metadata={"nodes": {"a_mem": "a", "b_mem": "b"}})
    qc.h(0)
    qc.cx(0, 1)
    net = Network((Node("a", coupler_error=0.1), Node("b", coupler_error=0.3)), ())
    rho = DensityMatrix(noisy_circuit(qc, net))
    bell = DensityMatrix(qc)
    lam = 0.2
    expected = (1 - lam) * bell.data + lam * np.eye(4) / 4
    assert np.allclose(rho.data, expected, atol=1e-12)
    with pytest.raises(ValueError, match="coupler_error"):
        Node("a", coupler_error=1.5)


def test_calibrated_runner_uses_the_devices_layout() -> None:
    device = IBMRunner("fake_manila")
    runner = CalibratedRunner(device)
    qc = swap_circuit()
    pc, net, isa = runner.model(qc)
    laid = {q for qs in isa.report.layout.values() for q in qs}
    assert used_couplers(isa.circuit) <= {tuple(sorted(e)) for e in device.target.build_coupling_map()
                                          .get_edges()}
    assert {n.name for n in net.nodes} == set(pc.metadata["nodes"].values())
    props = device.target.qubit_properties
    for reg, qs in isa.report.layout.items():
        node = net.node(pc.metadata["nodes"][reg])
        assert math.isfinite(node.memory.t1_s) and set(qs) <= laid
        if len(qs) == 1 and list(pc.metadata["nodes"].values()).count(node.name) == 1:
            assert node.memory.t1_s == pytest.approx(props[qs[0]].t1)
    assert runner.dynamic == device.dynamic and runner.name == "calibrated:fake_manila"


def test_sampled_waits_run_as_bound_rows_with_the_calibrated_memories() -> None:
    """Finite T2: every realization's waits, scaled to the device, decay with the calibrated
    T1/T2 of the nodes' qubits; the model budget is computed on bound rows (delays in dt)."""
    from qnet_circuits.network import chain
    from qnet_circuits.protocols.chain import simulate
    from qnet_circuits.scheduler import ChainPlan

    runner = CalibratedRunner(IBMRunner("fake_torino"))
    res = simulate(chain(2, 10.0, t2_s=0.05), ChainPlan(strategy="asap"), realizations=24,
                   seed=5, runner=runner)
    dev = res.metadata["device_form"]
    assert dev["shots"] == 24 and 0.0 <= res.fidelity.value <= 1.0
    assert 1 <= len(runner.budgets) <= 8
    assert all(b["total"] == pytest.approx(sum(v for k, v in b.items() if k != "total"))
               for b in runner.budgets)
    memories = {n.name: n.memory for n in runner.networks[0].nodes}
    assert all(math.isfinite(m.t2_s) and m.t2_s < 1e-2 for m in memories.values())  # device T2


def test_used_couplers_skip_control_flow_wrappers() -> None:
    """An if_else over two qubits is not a coupler; the gates inside it are."""
    qc = QuantumCircuit(3, 1)
    qc.cz(0, 1)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
        qc.x(2)
    with qc.if_test((qc.clbits[0], 0)):
        qc.cz(2, 0)
    assert used_couplers(qc) == {(0, 1), (0, 2)}
