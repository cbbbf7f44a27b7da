"""IBMRunner.run_bindings and counts on fake devices: the template goes out as one Sampler PUB
with its value table, rows come back in order, seeds are honoured, and parameterized delays
(which the device clock cannot take unbound) are bound row by row."""

from __future__ import annotations

import math

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qnet_circuits.run import Runner, counts_from_bits
from qnet_hardware import IBMRunner

K = 5.0


def rotation() -> tuple[QuantumCircuit, Parameter]:
    theta = Parameter("theta")
    qc = QuantumCircuit(1, 1)
    qc.ry(theta, 0)
    qc.measure(0, 0)
    return qc, theta


@pytest.mark.parametrize("sampler", ["aer", "runtime"])
def test_rows_follow_the_table_and_match_binding_by_hand(sampler, manila):
    runner = manila if sampler == "aer" else IBMRunner("fake_manila", sampler="runtime")
    assert isinstance(runner, Runner)
    qc, theta = rotation()
    values = [0.0, math.pi, 1.2]
    shots = 2000
    rows = runner.run_bindings(qc, {theta: values}, shots=shots, seed=3)
    assert [r.metadata["row"] for r in rows] == [0, 1, 2]
    assert {r.metadata["binding"] for r in rows} == {"pub"}
    assert len({r.metadata["job_id"] for r in rows}) == 1  # one PUB, one job
    by_hand = runner.run([qc.assign_parameters({theta: v}) for v in values], shots=shots, seed=4)
    for r, h, v in zip(rows, by_hand, values):
        assert r.bits["c"].shape == (shots, 1)
        p_r, p_h = r.bits["c"].mean(), h.bits["c"].mean()
        se = math.sqrt(max(p_h * (1 - p_h), 1 / shots) / shots)
        assert abs(p_r - p_h) <= K * math.sqrt(2) * se, (v, p_r, p_h)
    # the device's readout errors are a few percent: the deterministic rows stay near 0 and 1
    assert rows[0].bits["c"].mean() < 0.1 < 0.9 < rows[1].bits["c"].mean()


def test_seeds_are_honoured_on_a_fake_device(manila):
    qc, theta = rotation()
    table = {theta: [0.7, 1.9]}
    a = manila.run_bindings(qc, table, shots=300, seed=8)
    b = manila.run_bindings(qc, table, shots=300, seed=8)
    c = manila.run_bindings(qc, table, shots=300, seed=9)
    assert all((x.bits["c"] == y.bits["c"]).all() for x, y in zip(a, b))
    assert any((x.bits["c"] != y.bits["c"]).any() for x, y in zip(a, c))


def test_parameterized_delays_are_bound_row_by_row(manila):
    t = Parameter("t")
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.delay(t, 0, unit="s")
    qc.measure(0, 0)
    rows = manila.run_bindings(qc, {t: [1e-7, 2e-7]}, shots=200, seed=1)
    assert [r.metadata["binding"] for r in rows] == ["bound", "bound"]
    assert [r.metadata["row"] for r in rows] == [0, 1]
    assert all(r.bits["c"].mean() > 0.8 for r in rows)  # 100-200 ns << T1 of the device


def test_counts_are_tallies_of_run(manila):
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    counts = manila.counts([qc], shots=400, seed=6)
    data = manila.run([qc], shots=400, seed=6)
    assert counts == [counts_from_bits(qc, data[0].bits, 400)]
    assert sum(counts[0].values()) == 400 and counts[0]["00"] + counts[0]["11"] > 300
