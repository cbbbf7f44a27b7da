"""``Node.coupler_error`` in network files: round trips through JSON, GraphML and YAML, the
default 0 left out on saving, and validation errors that name the field."""

from __future__ import annotations

import json
import math

import pytest

from qnet_circuits.network import Link, Memory, Network, Node, chain, load, save
from qnet_circuits.network.core import Fiber

FORMATS = ("json", "graphml", "yaml")


def _calibrated_like() -> Network:
    """Three nodes with unround calibrated numbers, as a device calibration gives them."""
    nodes = (
        Node("q0", "end", Memory(1.234567e-4, 9.87654e-5), gate_error=0.0071234567,
             readout_error=0.0123, coupler_error=0.00812345678901),
        Node("q1", "repeater", Memory(2.5e-4, 1.1e-4), gate_error=0.0, readout_error=0.02,
             coupler_error=1.0 / 3.0),
        Node("q2", "end", Memory(), coupler_error=0.0),
    )
    return Network(nodes, (Link("q0", "q1", Fiber(0.0)), Link("q1", "q2", Fiber(0.0))))


@pytest.mark.parametrize("fmt", FORMATS)
def test_coupler_error_round_trips_exactly(tmp_path, fmt):
    net = _calibrated_like()
    back = load(save(net, tmp_path / f"net.{fmt}"))
    assert back == net
    assert [n.coupler_error for n in back.nodes] == [0.00812345678901, 1.0 / 3.0, 0.0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_default_zero_is_left_out_so_old_files_stay_the_same(tmp_path, fmt):
    net = chain(2, 25.0, t2_s=0.5)
    path = save(net, tmp_path / f"net.{fmt}")
    assert "coupler_error" not in path.read_text()
    assert load(path) == net
    # a file that states the default reads the same
    mixed = _calibrated_like()
    text = save(mixed, tmp_path / f"mixed.{fmt}").read_text()
    assert "coupler_error" in text and load(tmp_path / f"mixed.{fmt}").node("q2").coupler_error == 0


def test_yaml_file_written_by_hand_sets_the_coupler_error(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("nodes:\n  a: {coupler_error: 0.02, gate_error: 0.01}\n  b: {}\n"
                    "links:\n  - {a: a, b: b, length_km: 10}\n")
    net = load(path)
    assert net.node("a").coupler_error == 0.02 and net.node("b").coupler_error == 0.0


@pytest.mark.parametrize(("value", "match"), [
    (1.5, "coupler_error"),
    (-0.1, "coupler_error"),
    ("lots", "field 'coupler_error' must be a number"),
    (float("nan"), "coupler_error"),
])
def test_bad_coupler_error_names_the_file_node_and_field(tmp_path, value, match):
    path = tmp_path / "net.json"
    save(chain(1, 10.0), path)
    data = json.loads(path.read_text())
    data["nodes"][0]["coupler_error"] = value
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=match) as err:
        load(path)
    assert "net.json" in str(err.value) and "node 'alice'" in str(err.value)


def test_misspelt_coupler_error_is_caught(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("nodes:\n  a: {coupler_eror: 0.02}\n  b: {}\n"
                    "links:\n  - {a: a, b: b, length_km: 10}\n")
    with pytest.raises(ValueError, match="did you mean 'coupler_error'"):
        load(path)


def test_saved_coupler_error_still_acts_in_the_noise_pass(tmp_path):
    """What the file restores is the physics: the same depolarizing lambda across nodes."""
    from qiskit import QuantumCircuit, QuantumRegister
    from qiskit.quantum_info import DensityMatrix

    from qnet_circuits.noise import noisy_circuit

    net = load(save(_calibrated_like(), tmp_path / "net.graphml"))
    a, b = QuantumRegister(1, "q0_mem"), QuantumRegister(1, "q1_mem")
    qc = QuantumCircuit(a, b, metadata={"nodes": {"q0_mem": "q0", "q1_mem": "q1"}})
    qc.h(0)
    qc.cx(0, 1)
    rho = DensityMatrix(noisy_circuit(qc, net))
    lam = (0.00812345678901 + 1.0 / 3.0) / 2  # the mean of the two nodes' values
    # Phi+ under two-qubit depolarizing lambda: F = 1 - lambda + lambda / 4
    bell = DensityMatrix.from_label("00").evolve(_bell())
    assert math.isclose(rho.expectation_value(bell).real, 1 - lam + lam / 4, abs_tol=1e-9)


def _bell():
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    return qc
