"""Channel-form fast path of protocols.distribute (finite T1) against the honest dynamic circuit:
exact density-matrix equality, wrong channels caught, sampled outputs against the exact state."""

import dataclasses
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm2
from qiskit.circuit.library import QFTGate
from qiskit.quantum_info import Kraus, Operator, Statevector

from qnet_circuits.library.distributed import distribute
from qnet_circuits.library.distributed.channels import channel_template, spans
from qnet_circuits.network import Memory, chain
from qnet_circuits.noise import noisy_circuit
from qnet_circuits.protocols import distribute as D
from qnet_circuits.protocols import distribute_channels as C
from qnet_circuits.run import AerRunner, heralded_density_matrix


def _net_unequal(**kw):
    """alice and bob with different memories (T2 <= 2 T1 each)."""
    net = chain(1, 15.0, **kw)
    mems = {"alice": Memory(t1_s=0.005, t2_s=0.002), "bob": Memory(t1_s=0.002, t2_s=0.003)}
    nodes = tuple(dataclasses.replace(n, memory=mems[n.name]) for n in net.nodes)
    return dataclasses.replace(net, nodes=nodes)


def _two_groups():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.ry(0.7, 1)
    qc.cx(0, 1)
    qc.cz(0, 1)     # same control, same remote node: one ebit, an X hit and a Z hit
    qc.h(1)
    qc.t(1)
    qc.cx(1, 0)     # control on the other node: a second ebit
    qc.t(0)
    return qc, {0: 0, 1: 1}


def _local_between_hits():
    """Two targets, a local gate on a target between the hits (folded over 3 qubits)."""
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.ry(0.4, 2)
    qc.cx(0, 1)
    qc.sx(1)
    qc.cx(0, 2)
    qc.cx(0, 1)
    qc.rz(0.3, 0)
    return qc, {0: 0, 1: 1, 2: 1}


def _interleaved():
    """A local CX(1, 2) inside the group's span reaches outside its support: the slot form."""
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.h(2)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.cx(0, 1)
    qc.s(1)
    return qc, {0: 0, 1: 1, 2: 1}


CASES = [   # (circuit, network, Werner fidelity or None, (folded, slot groups, widest support))
    (_two_groups, chain(1, 20.0, t1_s=0.003, t2_s=0.002, readout_error=0.02), 0.9, (2, 0, 2)),
    (_two_groups, _net_unequal(dark_count_prob=0.02), None, (2, 0, 2)),
    (_local_between_hits, chain(1, 20.0, t1_s=0.004, t2_s=0.006, readout_error=0.01), 0.93,
     (1, 0, 3)),
    (_interleaved, _net_unequal(readout_error=0.03), 0.92, (0, 1, 2)),
]
IDS = ["two-groups-werner-readout", "unequal-memories-physical-links", "three-qubit-fold",
       "interleaved-slot-form"]


def _distributed(make, net, werner):
    qc, where = make()
    names = [n.name for n in net.nodes]
    d = distribute(qc, 2, where, network=net, hosts=[names[0], names[-1]], link_fidelity=werner,
                   reuse=True, data_waits=True, remote="gates")
    return qc, d


_MADE: dict = {}


def _case(index: int):
    """(distributed circuit, channel form, the dynamic circuit's exact data state) of CASES[index],
    computed once per session."""
    if index not in _MADE:
        make, net, werner, _kind = CASES[index]
        _qc, d = _distributed(make, net, werner)
        rho, p = heralded_density_matrix(d.circuit, net, qubits=list(range(d.n_data_qubits)))
        assert p == pytest.approx(1.0)
        _MADE[index] = (d, C.channel_form(d, net, werner), rho.data)
    return _MADE[index]


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_channel_form_equals_the_dynamic_circuits_density_matrix(index):
    _make, net, werner, kind = CASES[index]
    d, form, exact = _case(index)
    assert d.idles and all(not math.isinf(n.memory.t1_s) for n in net.nodes)
    assert C.supported(d)
    assert (form.folded, form.unfolded, max(len(s.support) for s in spans(d))) == kind
    assert not any(i.operation.name in ("measure", "if_else", "reset")
                   for i in form.template.data[:-d.n_data_qubits])   # only the final readout
    bare = form.template.remove_final_measurements(inplace=False)
    bare.metadata = form.template.metadata
    rho, _p = heralded_density_matrix(bare, net, qubits=list(range(d.n_data_qubits)))
    assert np.abs(rho.data - exact).max() < 1e-9
    # the T1 = inf model (Bell-diagonal ebits, dephasing-only waits) is measurably different
    model = D._model_state(d, net)
    assert np.abs(model - exact).max() > 1e-4


def _template_with(d, form, net, changes):
    """The exact output of the channel template with folded channel k's Kraus operators passed
    through ``changes[k](ops, ideal unitary of its span)``."""
    order = sorted((s for s in spans(d) if s.foldable), key=lambda s: s.last)
    folded = {}
    kraus = [i.operation for i in form.template.data if i.operation.name == "kraus"]
    for k, (span, op) in enumerate(zip(order, kraus)):
        ops = [np.asarray(m) for m in op.params]
        if k in changes:
            ops = changes[k](ops, _span_unitary(d, span))
        folded[span.group] = Kraus(ops).to_instruction()
    tpl = channel_template(d, {}, {}, folded)
    bare = tpl.remove_final_measurements(inplace=False)
    bare.metadata = tpl.metadata
    rho, _p = heralded_density_matrix(bare, net, qubits=list(range(d.n_data_qubits)))
    return rho.data


def _span_unitary(d, span) -> np.ndarray:
    """The ideal operations of a folded span on its support (qubits in ``span.support`` order)."""
    low, pos = d.lowered, {q: j for j, q in enumerate(span.support)}
    qc = QuantumCircuit(len(span.support))
    for inst in low.data[span.first:span.last + 1]:
        qs = [low.find_bit(q).index for q in inst.qubits]
        if set(qs) <= set(pos):
            qc.append(inst.operation, [pos[q] for q in qs])
    return Operator(qc).data


def test_wrong_channels_fail_the_check():
    net = CASES[2][1]     # complex gates (sx, rz) in and after the folded span
    d, form, exact = _case(2)
    right = _template_with(d, form, net, {})
    assert np.abs(right - exact).max() < 1e-9
    transposed = _template_with(d, form, net, {k: lambda ops, u: [m.conj() for m in ops]
                                                  for k in range(1)})   # Choi^T
    assert np.abs(transposed - exact).max() > 1e-3
    # the group's noise on the wrong side of its ideal gates: E = N o U  ->  U o N = U E U^dag
    wrong_side = _template_with(d, form, net, {0: lambda ops, u: [u @ m @ u.conj().T for m in ops]})
    assert np.abs(wrong_side - exact).max() > 1e-4


def test_folded_channels_are_cptp_on_their_support():
    d, form, _exact = _case(2)
    (span,) = spans(d)
    ops = [i.operation for i in form.template.data
           if i.operation.name == "kraus"]
    assert len(ops) == 1 and ops[0].num_qubits == len(span.support) == 3
    assert Kraus(ops[0].params).is_cptp(atol=1e-9)
    assert len(ops[0].params) <= 4 ** 3       # the minimal (Choi-rank) Kraus set


def _echo_qasm(n: int, x: int) -> str:
    """QFT then its inverse on |x>: the ideal output is x with certainty."""
    qc = QuantumCircuit(n)
    for q in range(n):
        if x >> q & 1:
            qc.x(q)
    qc.append(QFTGate(n), range(n))
    qc.append(QFTGate(n).inverse(), range(n))
    return qasm2.dumps(qc.decompose(reps=3))


def test_sampled_success_matches_the_exact_channel_state_mid_size():
    """QFT(6) then its inverse over 3 nodes (default remote=auto: 23 ebits, 10 of them qubit moves;
    swapped ones between n0 and n2), T1 = 20 ms: the channel form sampled (density matrix, and
    statevector trajectories), 3000 shots each, P(ideal output) within 5 sigma of the exact
    density matrix's (0.342)."""
    params = D.DistributeParams(qasm=_echo_qasm(6, 0b101101), nodes=3, link_fidelity=0.99,
                                t1_s=0.02, t2_s=0.016, length_km=10.0)
    made = D.circuits(params)
    d, net = made["distributed"], made["network"]
    rho = C.channel_state(d, net, 0.99)
    p_exact = float(rho[0b101101, 0b101101].real)
    noisy = noisy_circuit(C.channel_form(d, net, 0.99).template, net)
    fused = C.fuse(noisy.remove_final_measurements(inplace=False))
    assert len(fused.data) < len(noisy.data) / 3
    fused_rho, _p = heralded_density_matrix(fused, None, qubits=list(range(6)))
    assert np.abs(fused_rho.data - rho).max() < 1e-9      # fusing is exact
    shots = 3000
    probs, form = C.sample_channels(d, net, 0.99, AerRunner(), shots, 11)
    assert form.startswith("channels") and "Aer density_matrix" in form   # 6 qubits: exact DM
    traj, form = C.sample_channels(d, net, 0.99, AerRunner(), shots, 12, method="statevector")
    assert "Aer statevector" in form
    key = format(0b101101, "06b")
    sigma = math.sqrt(p_exact * (1 - p_exact) / shots)
    for p in (probs, traj):
        assert abs(p.get(key, 0.0) - p_exact) < 5 * sigma
    diag = np.real(np.diag(rho))   # every outcome of the trajectories (shot branching) too
    for i, q in enumerate(diag):
        got = traj.get(format(i, "06b"), 0.0)
        assert abs(got - q) < 5 * math.sqrt(q * (1 - q) / shots) + 2 / shots, i
    assert d.swaps > 0 and 0.3 < p_exact < 0.4     # swapped ebits; the noise is really there
    assert d.moves and d.ebits > len(d.moves)      # moves and teleported groups together


def test_protocol_takes_the_channel_form_and_reports_its_exact_fidelity():
    kw = {"circuit": "ghz:3", "nodes": 2, "link_fidelity": 0.95, "t1_s": 0.004, "t2_s": 0.004,
          "length_km": 20.0}
    params = D.DistributeParams(**kw)
    made = D.circuits(params)
    qc, d, net = made["monolithic"], made["distributed"], made["network"]
    dynamic = D._exact_fidelity(params, qc, net)     # the dynamic circuit's exact density matrix
    channels = C.exact_fidelity(d, net, 0.95, Statevector(qc).data)
    assert dynamic is not None and channels == pytest.approx(dynamic, abs=1e-9)
    r = D.run(params, shots=400, seed=3)
    assert r.form.startswith("channels") and r.fidelity == pytest.approx(dynamic, abs=1e-9)
    wide = D.run(D.DistributeParams(**{**kw, "circuit": "ghz:8"}), shots=200, seed=3)
    assert wide.form.startswith("channels") and wide.fidelity is not None   # beyond the dynamic DM
    assert 0.5 < wide.fidelity < r.fidelity


@pytest.mark.slow
def test_swapped_ebit_channel_form_equals_the_dynamic_circuit():
    """One ebit swapped across a repeater (BSM gate error, readout errors, T1 everywhere): the
    exact dynamic density matrix takes about 20 s, so this case is marked slow."""
    net = chain(2, 10.0, t1_s=0.004, t2_s=0.005, gate_error=0.02, readout_error=0.01)
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.ry(0.7, 1)
    qc.cx(0, 1)
    qc.cz(0, 1)
    qc.h(1)
    qc.t(1)
    d = distribute(qc, 2, {0: 0, 1: 1}, network=net, hosts=["alice", "bob"], link_fidelity=0.95,
                   reuse=True, data_waits=True, remote="gates")
    assert d.swaps == d.ebits == 1
    exact, _p = heralded_density_matrix(d.circuit, net, qubits=[0, 1])
    assert np.abs(C.channel_state(d, net, 0.95) - exact.data).max() < 1e-9


def test_cli_reports_the_channel_form(capsys):
    import json

    from qnet_circuits.cli import main

    args = ["distribute", "--circuit", "ghz:2", "--link-fidelity", "0.9", "--t1", "0.01", "--t2",
            "0.01", "--shots", "200", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["form"].startswith("channels (exact equivalent") and out["fidelity"] < 0.9
    assert main([*args, "--sampling", "dynamic"]) == 0
    dyn = json.loads(capsys.readouterr().out)
    assert dyn["form"].startswith("dynamic") and dyn["fidelity"] == pytest.approx(out["fidelity"])


def test_finite_t1_theory_has_the_exact_tvd_and_the_sample_follows_it():
    """ghz:3, T1 = 4 ms: amplitude damping moves Z populations, which the T1 = inf Bell-diagonal
    model cannot: its TVD and its 'bound' are off; the sampled TVD follows the exact one."""
    kw = {"circuit": "ghz:3", "nodes": 2, "link_fidelity": 0.95, "t1_s": 0.004, "t2_s": 0.004,
          "length_km": 20.0}
    r = D.run(D.DistributeParams(**kw), shots=4000, seed=5)
    th = r.theory
    assert th["exact_fidelity"] == pytest.approx(r.fidelity, abs=1e-9)
    assert abs(r.tvd - th["exact_tvd"]) < 5 * r.tvd_sampling + 1e-3
    assert th["exact_tvd"] > th["tvd"] + 0.03              # the Pauli model misses the damping
    assert th["fidelity_bound"] is None                    # prod A_k is no bound with finite T1:
    assert r.fidelity < th["fidelity_pauli_approximation"]  # it is reported as the approximation
    assert D.run(D.DistributeParams(**{**kw, "t1_s": math.inf}), shots=200,
                 seed=5).theory["fidelity_bound"] is not None
