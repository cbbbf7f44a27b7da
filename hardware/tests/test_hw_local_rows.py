"""Local bound rows (qnet_hardware.local_rows): the fast path gives the same bits, seed for seed,
as bound ISA circuits through Aer's own noise passes, the same delay rounding and the same cost
estimate; it computes each relaxation error once; and it steps aside where it cannot be exact."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qnet_circuits.network import chain
from qnet_circuits.protocols.chain.engine import simulate
from qnet_circuits.scheduler import ChainPlan
from qnet_hardware import IBMRunner
from qnet_hardware.cost import circuit_seconds
from qnet_hardware.isa import bind_isa_rows
from qnet_hardware.local_rows import local_rows


def dynamic_template() -> tuple[QuantumCircuit, dict]:
    """Two qubits, waits on both (one inside an if_test body), a gate parameter, a feed-forward."""
    t0, t1, t2, theta = Parameter("t0"), Parameter("t1"), Parameter("t2"), Parameter("theta")
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.delay(t0, 0, unit="s")
    qc.delay(t1, 1, unit="s")
    qc.ry(theta, 0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    qc.delay(t2, 1, unit="s")
    qc.measure(1, 1)
    rng = np.random.default_rng(4)
    rows = 40
    table = {t0: rng.uniform(0, 20e-6, rows), t1: rng.choice([0.0, 5e-6, 1e-5], rows),
             t2: rng.uniform(0, 5e-6, rows), theta: rng.uniform(0, np.pi, rows)}
    return qc, table


def fallback(name: str) -> IBMRunner:
    runner = IBMRunner(name)
    runner._local_rows = lambda template: None  # the bound ISA circuits, Aer's own passes
    return runner


@pytest.mark.parametrize("name", ["fake_manila", "fake_torino"])
def test_rows_are_bit_for_bit_those_of_bound_circuits(name):
    qc, table = dynamic_template()
    fast, slow = IBMRunner(name), fallback(name)
    a = fast.run_bindings(qc, table, shots=1, seed=7)
    b = slow.run_bindings(qc, table, shots=1, seed=7)
    assert len(a) == len(b) == 40
    for x, y in zip(a, b, strict=True):
        assert x.bits["c"].tolist() == y.bits["c"].tolist()
        assert x.metadata["isa"]["delays"] == y.metadata["isa"]["delays"]
        assert x.metadata["binding"] == y.metadata["binding"] == "bound"
    assert sum(r.metadata["isa"]["delays"]["dropped"] for r in a) > 0  # zero waits removed
    assert fast.ledger.device_seconds == pytest.approx(slow.ledger.device_seconds, rel=1e-12)
    # not a trivially equal pair: another seed changes some row
    c = fast.run_bindings(qc, table, shots=1, seed=8)
    assert any(x.bits["c"].tolist() != z.bits["c"].tolist() for x, z in zip(a, c))


def test_a_chain_with_memories_gives_the_same_result_either_way():
    net, plan = chain(2, 10.0, t1_s=0.02, t2_s=0.01), ChainPlan()
    fast = simulate(net, plan, realizations=60, seed=5, runner=IBMRunner("fake_manila"))
    slow = simulate(net, plan, realizations=60, seed=5, runner=fallback("fake_manila"))
    assert fast.fidelity == slow.fidelity
    assert fast.metadata["device_form"]["accepted"] == slow.metadata["device_form"]["accepted"]


def test_schedule_of_the_template_costs_each_row_as_its_bound_circuit(manila):
    qc, table = dynamic_template()
    template = manila.prepare_template_delays(qc)
    rows = [{p.name: float(v[k]) for p, v in table.items()} for k in range(10)]
    prepared = local_rows(template, manila.target, manila.simulator().options.noise_model)
    before = prepared.compiled.num_parameters
    first, _ = prepared.bind(rows)
    assert prepared.compiled.num_parameters == before > 0  # the template stays unbound
    again, _ = prepared.bind(rows)
    assert [c.data for c in first] == [c.data for c in again] and not first[0].parameters
    bound = bind_isa_rows(template, rows, manila.target)
    expected = [circuit_seconds(isa.circuit, manila.target) for isa in bound]
    assert prepared.seconds() == pytest.approx(expected, rel=1e-12)
    assert max(expected) > min(expected) > 0


def test_each_relaxation_error_is_computed_once_per_qubit_and_duration(manila):
    t = Parameter("t")
    qc = QuantumCircuit(1, 1)
    qc.delay(t, 0, unit="s")
    qc.measure(0, 0)
    prepared = local_rows(manila.prepare_template_delays(qc), manila.target,
                          manila.simulator().options.noise_model)
    circuits, infos = prepared.bind([{"t": v} for v in [1e-6, 2e-6, 1e-6, 0.0, 2e-6, 1e-6]])
    assert len(prepared.errors) == 2 and [i.dropped for i in infos] == [0, 0, 0, 1, 0, 0]
    ids = [prepared.errors[k].id for keys in prepared.row_errors for k in keys]
    assert len(ids) == 5 and len(set(ids)) == 2  # one error object per distinct wait
    noise = prepared.job_noise_model(range(6))
    assert not noise._custom_noise_passes and set(ids) <= set(noise._default_quantum_errors)


def test_other_noise_passes_fall_back_to_bound_circuits(manila):
    from qiskit_aer.noise.passes import LocalNoisePass

    qc, _ = dynamic_template()
    template = manila.prepare_template_delays(qc)
    noise = copy.copy(manila.simulator().options.noise_model)
    noise._custom_noise_passes = [*noise._custom_noise_passes, LocalNoisePass(lambda op, q: None)]
    assert local_rows(template, manila.target, noise) is None
    assert local_rows(template, manila.target, manila.simulator().options.noise_model) is not None
