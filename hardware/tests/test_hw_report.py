"""Reports: ISA table, the device's calibration as a network model, hardware beside ideal."""

from __future__ import annotations

import math

import pytest

from qnet_circuits.library.teleportation import teleport_circuit
from qnet_circuits.results import Estimate
from qnet_circuits.run import AerRunner
from qnet_hardware.report import device_calibration, device_network, isa_table, side_by_side


def test_device_calibration_is_the_mean_over_the_qubits_used(manila) -> None:
    report = manila.prepare(teleport_circuit("+")).report
    cal = device_calibration(manila.target, report)
    qubits = sorted(q for qs in report.layout.values() for q in qs)
    assert list(cal.qubits) == qubits
    props = manila.target.qubit_properties
    assert cal.t1_s == pytest.approx(sum(props[q].t1 for q in qubits) / len(qubits))
    assert cal.readout_error == pytest.approx(
        sum(manila.target["measure"][(q,)].error for q in qubits) / len(qubits))
    pairs = [(a, b) for a, b in zip(qubits, qubits[1:])]  # Manila is a line: 2-3, 3-4
    errors = [manila.target["cx"][p].error for p in pairs]
    assert cal.two_qubit_error == pytest.approx(sum(errors) / len(errors))
    assert cal.depolarizing_parameter == pytest.approx(4 / 3 * cal.two_qubit_error)
    net = device_network(cal)
    alice = net.node("alice")
    assert alice.gate_error == pytest.approx(cal.depolarizing_parameter)
    assert alice.readout_error == pytest.approx(cal.readout_error)
    assert alice.memory.t2_s <= 2 * alice.memory.t1_s


def test_network_model_and_device_side_by_side(manila) -> None:
    circuits = [teleport_circuit(s, correction="dynamic") for s in ("0", "+", "+i")]
    shots = 1000
    cal = device_calibration(manila.target, manila.prepare(circuits[0]).report)

    def fidelity(data) -> Estimate:
        ps = [1.0 - float(d["bob_check"].mean()) for d in data]
        return Estimate(sum(ps) / 3, math.sqrt(sum(p * (1 - p) / shots for p in ps)) / 3)

    model = fidelity(AerRunner().run(circuits, shots=shots, seed=8, network=device_network(cal)))
    device = fidelity(manila.run(circuits, shots=shots, seed=8))
    for f in (model, device):
        assert f.value - 4 * f.stderr > 2 / 3
    table = side_by_side({"teleport F": {"ideal": 1.0, "network model": model,
                                         "fake_manila": device, "real device": None}})
    assert f"{device.value:.4f} ± {device.stderr:.4f}" in table and "n/a" in table
    text = isa_table(manila.reports)
    assert "fake_manila" in text and "alice_in=" in text and len(text.splitlines()) == 2 + 3
    with pytest.raises(ValueError, match="reports"):
        isa_table([])
