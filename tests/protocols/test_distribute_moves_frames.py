"""Qubit moves over noisy network ebits: the move's Pauli model (physics.move_coefficients) in
the exact frame fast path and in teleported_circuit_fidelity equals the dynamic circuit's exact
density matrix; a misplaced slot does not; the protocol and CLI report ebits by kind."""

import dataclasses
import json
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm2
from qiskit.quantum_info import DensityMatrix, Operator

from qnet_circuits import physics
from qnet_circuits.library.distributed import distribute
from qnet_circuits.network import chain
from qnet_circuits.physics.distributed import idle_z_probability
from qnet_circuits.protocols import distribute as D
from qnet_circuits.run import heralded_density_matrix
from tests.protocols.test_distribute_frames import _frame_mixture


def _pingpong() -> QuantumCircuit:
    """q0 (node 0) and q1 (node 1) swap control/target roles with H between: 3 teleported
    gates, or one move of a qubit."""
    qc = QuantumCircuit(2)
    qc.ry(1.1, 0)
    qc.ry(0.4, 1)
    qc.cx(0, 1)
    qc.h(0)
    qc.cx(1, 0)
    qc.h(0)
    qc.cx(0, 1)
    qc.t(1)
    return qc


def _model(d, t2_s):
    low = d.lowered
    ops = [(Operator(i.operation).data, [low.find_bit(q).index for q in i.qubits]) for i in low.data]
    groups = [{"coefficients": m["coefficients"], **g} for g, m in zip(d.groups, d.ebit_models)]
    idles = [(i, q, idle_z_probability(t, t2_s)) for i, q, t in d.idles]
    return physics.teleported_circuit_fidelity(d.n_data_qubits, ops, groups, state=True, idles=idles)


CASES = [
    (chain(1, 20.0, t2_s=0.002, readout_error=0.02), 0.9, False),
    (chain(1, 20.0, t2_s=0.002, readout_error=0.02), 0.9, True),
    (chain(2, 10.0, t2_s=0.005, gate_error=0.02, readout_error=0.01), 0.95, True),
    (chain(1, 15.0, t2_s=0.01, dark_count_prob=0.02), None, True),
]


@pytest.mark.parametrize("net, werner, waits", CASES,
                         ids=["werner-dephasing-readout", "with-data-waits", "swapped-bsm-errors",
                              "physical-link-dark-counts"])
def test_move_frames_and_closed_form_equal_the_dynamic_density_matrix(net, werner, waits):
    names = [n.name for n in net.nodes]
    qc = _pingpong()
    d = distribute(qc, 2, {0: 0, 1: 1}, network=net, hosts=[names[0], names[-1]],
                   link_fidelity=werner, reuse=True, data_waits=waits, remote="auto")
    assert len(d.moves) == 1 and d.ebits == 1 and d.gates_only_ebits == 3
    assert d.swaps == (len(names) - 2) and bool(d.idles) == waits
    assert d.ebit_models[0]["coefficients"][0] < 0.99
    exact, p = heralded_density_matrix(d.circuit, net, qubits=list(d.output_qubits))
    assert p == pytest.approx(1.0)
    t2 = net.nodes[0].memory.t2_s
    assert np.allclose(_frame_mixture(d, t2), exact.data, atol=1e-9)
    assert np.allclose(_model(d, t2), exact.data, atol=1e-9)
    assert DensityMatrix(exact).purity() < 0.99   # the noise is really there
    # a deliberately wrong slot: the move's Pauli on the other qubit
    (k,) = [j for j, g in enumerate(d.groups) if "move" in g]
    wrong = list(d.groups)
    wrong[k] = {**wrong[k], "move": 1 - wrong[k]["move"]}
    bad = dataclasses.replace(d, groups=tuple(wrong))
    assert not np.allclose(_frame_mixture(bad, t2), exact.data, atol=1e-3)
    assert not np.allclose(_model(bad, t2), exact.data, atol=1e-3)


def test_move_coefficients_hand_closed_form():
    """One 30 km Werner(0.92) hop, T2 = 3 ms, readout 0.03 at both ends: a waits the herald
    tau, b waits tau and tau again for the two bits; only a's readout flips the moved qubit (X)."""
    net = chain(1, 30.0, t2_s=0.003, readout_error=0.03)
    tau = net.links[0].fiber.delay_s
    f, r = 0.92, 0.03
    lam = math.exp(-3 * tau / 0.003)
    w = (1 - f) / 3
    c = (f, w, w, w)
    waited = (c[0] * (1 + lam) / 2 + c[3] * (1 - lam) / 2, c[1] * (1 + lam) / 2 + c[2] * (1 - lam) / 2,
              c[2] * (1 + lam) / 2 + c[1] * (1 - lam) / 2, c[3] * (1 + lam) / 2 + c[0] * (1 - lam) / 2)
    hand = (waited[0] * (1 - r) + waited[2] * r, waited[1] * (1 - r) + waited[3] * r,
            waited[2] * (1 - r) + waited[0] * r, waited[3] * (1 - r) + waited[1] * r)
    move = physics.move_coefficients(net, ["alice", "bob"], werner=f)
    assert np.allclose(move["coefficients"], hand, atol=1e-12)
    gate = physics.ebit_coefficients(net, ["alice", "bob"], werner=f)
    assert np.allclose(gate["delivered"], move["delivered"]) and gate["coefficients"] != move["coefficients"]


def test_protocol_reports_ebits_by_kind_and_the_exact_fidelity_follows_the_model():
    text = qasm2.dumps(_pingpong())
    kw = {"qasm": text, "nodes": 2, "placement": (0, 1), "link_fidelity": 0.9, "t2_s": 0.01,
          "length_km": 20.0}
    auto = D.run(D.DistributeParams(**kw), shots=2000, seed=5)
    gates = D.run(D.DistributeParams(**kw, remote="gates"), shots=2000, seed=5)
    row = auto.to_dict()
    assert (row["ebits"], row["ebits_moves"], row["ebits_teleported_gates"], row["gates_only_ebits"]) \
        == (1, 1, 0, 3)
    assert gates.to_dict()["ebits_moves"] == 0 and gates.ebits == 3
    for r in (auto, gates):
        assert r.fidelity == pytest.approx(r.theory["fidelity"], abs=1e-9)
        assert r.theory["fidelity_bound"] <= r.fidelity + 1e-12
        assert r.form.startswith("pauli-frames")
        assert abs(r.tvd - r.theory["tvd"]) < 5 * r.tvd_sampling + 1e-3
    assert auto.fidelity > gates.fidelity + 0.02     # one noisy ebit instead of three
    ideal = D.run(D.DistributeParams(**{**kw, "link_fidelity": 1.0, "t2_s": math.inf}), shots=2000,
                  seed=5)
    assert ideal.form.startswith("deferred") and ideal.fidelity == pytest.approx(1.0, abs=1e-9)
    assert abs(ideal.tvd) < 5 * ideal.tvd_sampling + 1e-3


def test_cli_remote_and_capacity_flags(capsys, tmp_path):
    from qnet_circuits.cli import main

    path = tmp_path / "pingpong.qasm"
    path.write_text(qasm2.dumps(_pingpong()))
    base = ["distribute", "--qasm", str(path), "--placement", "0,1", "--shots", "200"]
    assert main([*base, "--remote", "teleport"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--remote must be one of gates, moves, auto" in err[0]
    assert main([*base, "--capacity", "0"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert main([*base, "--remote", "moves", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["remote"] == "moves" and out["ebits_moves"] == 1 and out["gates_only_ebits"] == 3
    assert out["moves"][0]["qubit"] in (0, 1) and out["final_placement"]
    assert main([*base, "--capacity", "1"]) == 0      # no free slot: teleported gates only
    assert "0 for qubit moves (gates only: 3 ebits)" in capsys.readouterr().out


@pytest.mark.parametrize("remote", ["gates", "auto"])
def test_a_barrier_keeps_the_closed_form_aligned(remote):
    """Regression: the model used to drop barriers from the operation list while the groups index
    lowered.data, so a barrier before a teleported gate moved every Pauli slot (0.842 vs 0.900)."""
    text = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; barrier q[0],q[1]; '
            'cx q[0],q[1]; h q[0]; cx q[1],q[0];')
    r = D.run(D.DistributeParams(qasm=text, nodes=2, placement=(0, 1), link_fidelity=0.9,
                                 remote=remote), shots=200, seed=1)
    assert r.ebits == (2 if remote == "gates" else 1)
    assert r.fidelity == pytest.approx(r.theory["fidelity"], abs=1e-9)
