"""The dynamic device form with injected dark counts on a fake IBM device: the ``if_test`` on
``click OR dark`` (a classical expression on two bits) transpiles to the target and runs."""

from __future__ import annotations

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import IfElseOp
from qiskit.circuit.classical import expr

from qnet_circuits.network import chain
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.scheduler import ChainPlan
from qnet_circuits.scheduler.inject import inject_dark_counts
from qnet_hardware import IBMRunner


def test_or_condition_survives_transpilation_to_an_ibm_target():
    net = chain(1, 10.0, dark_count_prob=0.2)
    det, tgt, anc = QuantumRegister(1, "det"), QuantumRegister(1, "tgt"), QuantumRegister(1, "anc")
    click, out = ClassicalRegister(1, "click"), ClassicalRegister(1, "out")
    qc = QuantumCircuit(det, tgt, anc, click, out,
                        metadata={"detectors": {"det": net.links[0].name}, "dilation_ancilla": 2})
    qc.measure(det[0], click[0])
    with qc.if_test((click[0], 1)):
        qc.x(tgt[0])
    qc.measure(tgt[0], out[0])
    injected, _ = inject_dark_counts(qc, net, {}, rows=4, rng=np.random.default_rng(0))
    isa = IBMRunner("fake_torino").prepare(injected, template=True).circuit
    conds = [i.operation.condition for i in isa.data if isinstance(i.operation, IfElseOp)]
    assert len(conds) == 1 and isinstance(conds[0], expr.Expr)


def test_dynamic_injected_photonic_link_with_dark_counts_runs_on_fake_torino():
    runner = IBMRunner("fake_torino")
    net = chain(1, 4.0, scheme="single-click", dark_count_prob=0.05)
    res = simulate(net, ChainPlan(link_level="photonic"), realizations=60, seed=3, runner=runner,
                   correction="dynamic", memory="injected")
    dev = res.metadata["device_form"]
    assert dev["correction"] == "dynamic" and dev["memory"] == "injected" and dev["accepted"] > 0
    assert dev["isa"]["dynamic"] is True and dev["acceptance_theory_device"] is False
