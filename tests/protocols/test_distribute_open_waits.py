"""Open ebit halves wait in their memory while other ebits are made; at T1 = inf a Z on an open b
is a Z on its group's control, so the closed form (idle flips) stays exact against the dynamic
circuit's density matrix with those waits, and misses it without them."""

import dataclasses

import numpy as np
from qiskit import QuantumCircuit

from qnet_circuits.library.distributed import distribute
from qnet_circuits.network import chain
from qnet_circuits.protocols import distribute as D
from qnet_circuits.run import heralded_density_matrix


def test_open_waits_in_the_pauli_model_match_the_dynamic_circuit_at_t1_inf():
    net = chain(1, 20.0, t2_s=0.002)
    qc = QuantumCircuit(3)   # two groups open at once (max_open 2): the first b waits
    qc.h(0)
    qc.h(2)
    qc.cx(0, 1)
    qc.cx(2, 1)
    qc.cx(0, 1)
    qc.cx(2, 1)
    qc.s(1)
    d = distribute(qc, 2, {0: 0, 1: 1, 2: 0}, network=net, hosts=["alice", "bob"],
                   link_fidelity=0.9, reuse=True, data_waits=True, remote="gates", max_open=2)
    assert d.open_waits
    rho, _p = heralded_density_matrix(d.circuit, net, qubits=list(d.output_qubits))
    assert np.abs(D._model_state(d, net) - rho.data).max() < 1e-9
    assert len(D._idle_flips(d, net)) == len(d.idles) + len(d.open_waits)
    no_wait = dataclasses.replace(d, open_waits=())
    assert np.abs(D._model_state(no_wait, net) - rho.data).max() > 1e-4
