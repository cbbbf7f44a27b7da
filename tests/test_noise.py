"""Noise passes: markers -> loss, Delays -> T1/T2 (also inside control flow), node gate and readout
errors, detector dark counts; templates: parameterized waits as exact dilations (against Aer's
thermal relaxation), template_noise."""

import math

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.quantum_info import DensityMatrix
from qiskit_aer import AerSimulator
from qiskit_aer.noise import thermal_relaxation_error

from qnet_circuits import physics
from qnet_circuits.library.markers import FiberTransit
from qnet_circuits.network import Detector, Fiber, Link, Memory, Network, Node, chain
from qnet_circuits.noise import (
    angle_table,
    delay_seconds,
    dilate_memory_waits,
    noisy_circuit,
    strip_markers,
    template_noise,
)
from qnet_circuits.run import AerRunner, heralded_density_matrix


def _names(circuit):
    return [inst.operation.name for inst in circuit.data]


def _single(reg_name="alice_mem", node="alice"):
    reg = QuantumRegister(1, reg_name)
    return reg, QuantumCircuit(reg, metadata={"nodes": {reg_name: node}, "pair": [0]})


def test_markers_are_removed_without_a_network_and_become_loss_with_one():
    reg = QuantumRegister(1, "photon")
    qc = QuantumCircuit(reg)
    qc.x(0)
    qc.append(FiberTransit(25.0, "alice_bob"), [0])
    assert _names(strip_markers(qc)) == ["x"]
    net = Network((Node("alice"), Node("bob")),
                  (Link("alice", "bob", Fiber(50.0), detector=Detector(efficiency=0.5)),))
    noisy = noisy_circuit(qc, net)
    assert _names(noisy) == ["x", "quantum_channel"]
    rho, _ = heralded_density_matrix(noisy, qubits=[0])
    # photon survives with transmissivity(25 km) x detector efficiency = 0.316228 x 0.5
    assert rho.data[1, 1].real == pytest.approx(0.316228 * 0.5, rel=1e-5)


def test_delay_becomes_thermal_relaxation_of_the_owning_node_also_inside_if_test():
    reg = QuantumRegister(1, "alice_mem")
    flag = ClassicalRegister(1, "flag")
    qc = QuantumCircuit(reg, flag, metadata={"nodes": {"alice_mem": "alice"}})
    qc.x(0)
    qc.measure(0, 0)
    with qc.if_test((flag[0], 1)):
        qc.delay(0.4, 0, unit="s")
    qc.measure(0, 0)
    net = chain(1, 1.0, t1_s=1.0, t2_s=1.0)
    noisy = noisy_circuit(qc, net)
    body = noisy.data[2].operation.blocks[0]
    assert _names(body) == ["delay", "quantum_channel"]
    data = AerRunner().run([qc], shots=20000, seed=3, network=net)[0]
    p1 = data["flag"][:, 0].mean()
    expected = math.exp(-0.4)  # reference section 7: |1> population after t = 0.4, T1 = 1
    assert abs(p1 - expected) <= 4 * math.sqrt(expected * (1 - expected) / 20000)


def test_delay_units_and_ideal_memories():
    reg, qc = _single()
    qc.delay(5, 0, unit="ms")
    assert delay_seconds(qc.data[0].operation) == pytest.approx(5e-3)
    assert _names(noisy_circuit(qc, chain(1, 1.0))) == ["delay"]  # ideal memory: no channel
    qc2 = QuantumCircuit(1)
    qc2.delay(10, 0, unit="dt")
    with pytest.raises(ValueError, match="unit='s'"):
        delay_seconds(qc2.data[0].operation)


def test_gate_error_only_on_two_qubit_gates_local_to_one_node():
    a, b, c = (QuantumRegister(1, n) for n in ("r1_m1", "r1_m2", "bob_mem"))
    qc = QuantumCircuit(a, b, c, metadata={"nodes": {"r1_m1": "r1", "r1_m2": "r1", "bob_mem": "bob"}})
    qc.cx(0, 1)  # local to r1 -> depolarizing after it
    qc.cx(1, 2)  # between nodes (a deferred correction): no gate error
    qc.h(0)  # one-qubit gate: ideal
    net = chain(2, 1.0, gate_error=0.02)
    assert _names(noisy_circuit(qc, net)) == ["cx", "quantum_channel", "cx", "h"]


def test_readout_error_and_dark_counts_act_before_measurement():
    reg = QuantumRegister(2, "alice_mem")
    det = QuantumRegister(1, "alice_bob_det")
    creg = ClassicalRegister(3, "c")
    qc = QuantumCircuit(reg, det, creg, metadata={"nodes": {"alice_mem": "alice"},
                                                  "detectors": {"alice_bob_det": "alice_bob"}})
    qc.x(0)
    qc.measure([0, 1, 2], [0, 1, 2])
    net = chain(1, 1.0, readout_error=0.1, dark_count_prob=0.05)
    data = AerRunner().run([qc], shots=40000, seed=11, network=net)[0]
    means = data["c"].mean(axis=0)
    for observed, expected in zip(means, (0.9, 0.1, 0.05)):
        assert abs(observed - expected) <= 4 * math.sqrt(expected * (1 - expected) / 40000)


def test_metadata_naming_a_missing_register_is_an_error():
    qc = QuantumCircuit(1, metadata={"nodes": {"ghost_mem": "alice"}})
    with pytest.raises(ValueError, match="ghost_mem"):
        noisy_circuit(qc, chain(1, 1.0))


def test_node_without_memory_noise_gives_pure_dephasing_formula():
    """Reference section 7: one qubit of Phi+ dephased (T1 = inf) -> (1 + e^{-t/T2})/2."""
    a, b = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "bob_mem")
    qc = QuantumCircuit(a, b, metadata={"nodes": {"alice_mem": "alice", "bob_mem": "bob"},
                                        "pair": [0, 1]})
    qc.h(0)
    qc.cx(0, 1)
    qc.delay(0.5, 0, unit="s")
    net = Network((Node("alice", memory=Memory(math.inf, 1.0)), Node("bob")), ())
    rho, _ = heralded_density_matrix(qc, net)
    phi = np.array([1, 0, 0, 1]) / math.sqrt(2)
    assert float(np.real(phi @ DensityMatrix(rho).data @ phi)) == pytest.approx(0.803265, abs=1e-6)


def test_verification_readout_is_ideal_but_protocol_readout_is_noisy():
    from qnet_circuits.library.measurement import pauli_basis_circuits

    a, b = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "bob_mem")
    flag = ClassicalRegister(1, "flag")
    qc = QuantumCircuit(a, b, flag, metadata={"nodes": {"alice_mem": "alice", "bob_mem": "bob"}})
    qc.measure(0, flag[0])  # protocol measurement at alice: noisy readout
    zz = pauli_basis_circuits(qc, [0, 1], bases=("ZZ",))["ZZ"]
    names = _names(noisy_circuit(zz, chain(1, 1.0, readout_error=0.1)))
    assert names == ["quantum_channel", "measure", "measure", "measure"]


# ---------------------------------------------------------------------------------------------
# templates: parameterized memory waits (moved from tests/test_timeline.py)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["density_matrix", "statevector"])
@pytest.mark.parametrize("t1, t2, t", [(1.0, 0.5, 0.1), (1.0, 1.5, 0.3), (math.inf, 1.0, 0.5),
                                       (1.0, 2.0, 0.5), (10.0, 1.0, 1.0)])
def test_dilation_equals_thermal_relaxation(t1, t2, t, method):
    """The parameterized dilation is exactly Aer's thermal_relaxation_error (section 7 table)."""
    mem = QuantumRegister(1, "alice_mem")
    other = QuantumRegister(1, "bob_mem")
    anc = QuantumRegister(2, "src_anc")
    qc = QuantumCircuit(mem, other, anc, metadata={"nodes": {"alice_mem": "alice"},
                                                   "dilation_ancilla": 2})
    qc.h(0)
    qc.cx(0, 1)
    qc.delay(Parameter("w0"), 0, unit="s")
    net = Network((Node("alice", memory=Memory(t1, t2)), Node("bob")), ())
    dil, maps = dilate_memory_waits(qc, net)
    values = angle_table(maps, {"w0": [t]})
    dil.save_density_matrix([0, 1])
    # bound by Aer (parameter_binds), as the scheduler runs it; the statevector method samples
    # the ancilla resets, so its density matrix is an average over shots
    shots = 1 if method == "density_matrix" else 20000
    binds = [{p: [float(values[p.name][0])] for p in dil.parameters}]
    res = AerSimulator(method=method).run(dil, parameter_binds=binds, shots=shots, seed_simulator=3)
    rho = res.result().data(0)["density_matrix"]
    ref = QuantumCircuit(2)
    ref.h(0)
    ref.cx(0, 1)
    ref.append(thermal_relaxation_error(t1, t2, t), [0])
    ref.save_density_matrix()
    rho_ref = AerSimulator(method="density_matrix").run(ref).result().data()["density_matrix"]
    # the statevector method samples the resets: the density matrix is a mean over 20000
    # trajectories, each entry bounded by 1/2 in magnitude, so 4 standard errors <= 2/sqrt(20000)
    tol = 1e-12 if method == "density_matrix" else 2.0 / math.sqrt(shots)
    assert np.allclose(np.asarray(rho), np.asarray(rho_ref), atol=tol)
    assert physics.fidelity_phi_plus(np.asarray(rho)) == pytest.approx(
        physics.storage_fidelity_one(t, t1, t2), abs=tol)
    assert DensityMatrix(rho).trace() == pytest.approx(1.0)


def test_dilation_skips_ideal_memories():
    qc = QuantumCircuit(QuantumRegister(1, "alice_mem"), QuantumRegister(2, "src_anc"),
                        metadata={"nodes": {"alice_mem": "alice"}, "dilation_ancilla": 1})
    qc.delay(Parameter("w0"), 0, unit="s")
    out, maps = dilate_memory_waits(qc, chain(1, 1.0))
    assert out.size() == 0 and maps == []


def test_template_noise_adds_the_core_pass_only_where_it_acts():
    """Ideal nodes: the dilation alone (no gate-error channels); a node gate error: the core pass
    adds its depolarizing channel after the two-qubit gate as well."""
    mem, anc = QuantumRegister(2, "alice_mem"), QuantumRegister(1, "src_anc")
    qc = QuantumCircuit(mem, anc, metadata={"nodes": {"alice_mem": "alice"}, "dilation_ancilla": 2})
    qc.cx(0, 1)
    qc.delay(Parameter("w0"), 0, unit="s")
    quiet = Network((Node("alice", memory=Memory(1.0, 1.0)),), ())
    out, maps = template_noise(qc, quiet)
    assert [i.operation.name for i in out.data] == ["cx", "rxx", "ryy", "reset", "ry", "cz", "reset"]
    assert [m.wait for m in maps] == ["w0"]
    noisy = Network((Node("alice", memory=Memory(1.0, 1.0), gate_error=0.01),), ())
    out, _ = template_noise(qc, noisy)
    assert [i.operation.name for i in out.data][:2] == ["cx", "quantum_channel"]


def test_pauli_noise_inside_a_while_loop_is_resampled_every_iteration():
    """Aer (0.18, statevector) replays one sample of a unitary-mixture QuantumError on every
    iteration of a while_loop; the pass writes such channels as ``kraus`` inside loop bodies.
    Loop: b = 1 with probability 0.2 (copied to a noiseless ancilla), its recorded bit flipped
    with 0.5, repeat until the record reads 0. Resampled flips give P(b = 1 | accepted) = 0.2;
    one flip per shot would give 0.5."""
    import math

    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit_aer import AerSimulator

    from qnet_circuits.network import Fiber, Link, Network, Node

    net = Network((Node("alice", readout_error=0.5), Node("bob")),
                  (Link("alice", "bob", Fiber(0.0)),))
    mem, copy = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "copy")
    flag, check = ClassicalRegister(1, "flag"), ClassicalRegister(1, "check")
    qc = QuantumCircuit(mem, copy, flag, check, metadata={"nodes": {"alice_mem": "alice"},
                                                          "ideal_measurements": ["check"]})
    qc.x(1)
    qc.measure(1, check[0])  # ideal: the loop's condition starts at 1
    qc.measure(1, flag[0])
    with qc.while_loop((flag[0], 1)):
        qc.reset(0)
        qc.reset(1)
        qc.ry(2 * math.asin(math.sqrt(0.2)), 0)
        qc.cx(0, 1)  # the true bit, kept on a qubit at no node (no gate or readout error)
        qc.measure(0, flag[0])
    qc.measure(1, check[0])
    noisy = noisy_circuit(qc, net)
    body = next(i.operation for i in noisy.data if i.operation.name == "while_loop").blocks[0]
    assert [i.operation.name for i in body.data].count("kraus") == 1
    shots = 4000
    counts = AerSimulator(method="statevector").run(noisy, shots=shots, seed_simulator=11).result()
    ones = sum(n for key, n in counts.get_counts().items() if key.split()[0] == "1")
    se = math.sqrt(0.2 * 0.8 / shots)
    assert abs(ones / shots - 0.2) <= 5 * se


def _two_iteration_loop(with_if: bool = False, wait_s: float = 0.5):
    """|+> on a memory at alice, a while_loop body that runs exactly twice (a noiseless counter
    qubit toggled and measured into the loop's flag) with a float wait of ``wait_s`` on the memory
    (inside an ``if_test`` that is always true with ``with_if``), then <X> is measured."""
    mem, cnt = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "cnt")
    flag, out = ClassicalRegister(1, "flag"), ClassicalRegister(1, "out")
    qc = QuantumCircuit(mem, cnt, flag, out, metadata={"nodes": {"alice_mem": "alice"}})
    qc.h(0)
    qc.x(1)
    qc.measure(1, flag[0])
    qc.reset(1)
    with qc.while_loop((flag[0], 1)):
        if with_if:
            with qc.if_test((flag[0], 1)):
                qc.delay(wait_s, 0, unit="s")
        else:
            qc.delay(wait_s, 0, unit="s")
        qc.x(1)
        qc.measure(1, flag[0])
    qc.h(0)
    qc.measure(0, out[0])
    return qc


def _sampled_mixtures_in_loops(circuit, in_loop=False) -> int:
    """Noise instructions inside loop bodies that Aer samples once per shot (mixtures)."""
    count = 0
    for inst in circuit.data:
        op = inst.operation
        for block in getattr(op, "blocks", ()):
            count += _sampled_mixtures_in_loops(block, in_loop or op.name in ("while_loop", "for_loop"))
        error = getattr(op, "_quantum_error", None)
        if in_loop and op.name == "quantum_channel" and error is not None and len(error.circuits) > 1:
            count += 1
    return count


@pytest.mark.parametrize("t1", [math.inf, 2.0], ids=["pure-dephasing", "T2<=T1-reset-mixture"])
@pytest.mark.parametrize("with_if", [False, True], ids=["loop", "if-in-loop"])
@pytest.mark.parametrize("path", ["run", "run_bindings"])
def test_float_waits_inside_a_while_loop_decay_on_every_iteration(t1, with_if, path):
    """Issue 13: thermal relaxation with T2 <= T1 (pure dephasing at T1 = inf) is a mixture of
    I, Z and resets that Aer 0.18 samples once per shot inside a while_loop and replays on every
    iteration: two waits of t gave <X> = 1 (T1 = inf: Z^2 = I) and 0.78 (T1 = 2 s) instead of
    exp(-2t/T2) = 0.368. Both noise passes (``run``: noisy_circuit; ``run_bindings``: the
    template's dilate_memory_waits) now write it as a kraus instruction inside loop bodies."""
    t2, wait = 1.0, 0.5
    net = Network((Node("alice", memory=Memory(t1, t2)),), ())
    qc = _two_iteration_loop(with_if, wait)
    runner = AerRunner(method="statevector")
    shots = 4000
    if path == "run":
        assert _sampled_mixtures_in_loops(noisy_circuit(qc, net)) == 0
        (data,) = runner.run([qc], shots=shots, seed=29, network=net)
    else:
        assert _sampled_mixtures_in_loops(template_noise(qc, net)[0]) == 0
        (data,) = runner.run_bindings(qc, {}, shots=shots, seed=29, network=net)
    p1 = float(data.bits["out"][:, 0].mean())
    exact = math.exp(-2 * wait / t2)  # <X> after two waits; the same for every T1 (T2 given)
    se = 2 * math.sqrt((1 - exact**2) / 4 / shots)
    assert abs((1 - 2 * p1) - exact) <= 5 * se


def test_noise_instructions_already_in_a_loop_body_become_kraus():
    """A QuantumError appended to the circuit before the pass (as dilate_memory_waits writes its
    float waits when the core pass runs after it) is a ``quantum_channel`` instruction; inside a
    loop body the pass rewrites it as the same channel in ``kraus`` form, and leaves it alone
    outside loops (circuits without loops keep their instructions)."""
    from qiskit.quantum_info import Kraus, SuperOp

    error = thermal_relaxation_error(math.inf, 1.0, 0.3)
    reg, flag = QuantumRegister(1, "q"), ClassicalRegister(1, "f")
    qc = QuantumCircuit(reg, flag)
    qc.append(error, [0])
    with qc.while_loop((flag[0], 1)):
        qc.append(error, [0])
        qc.measure(0, flag[0])
    out = noisy_circuit(qc, chain(1, 1.0))
    assert _names(out) == ["quantum_channel", "while_loop"]
    body = out.data[1].operation.blocks[0]
    assert _names(body) == ["kraus", "measure"]
    same = SuperOp(Kraus(list(body.data[0].operation.params)))
    assert same == SuperOp(error.to_quantumchannel())


def test_a_dephasing_wait_inside_a_loop_is_refused_by_inject_memory():
    """inject_memory samples one Z frame per binding row: inside a loop body that frame would be
    the same on every iteration (the replay of issue 13 by construction), so it refuses."""
    from qnet_circuits.scheduler.inject import inject_memory

    qc = _two_iteration_loop()
    with pytest.raises(ValueError, match="inside a while_loop/for_loop body"):
        inject_memory(qc, chain(1, 1.0, t2_s=1.0), {}, rows=2, rng=np.random.default_rng(0))


def test_gate_depolarizing_inside_a_while_loop_is_resampled_every_iteration():
    """A node's two-qubit gate error inside a loop body (issue 13): memory q0 in |+>, q1 in |0>,
    each of the two iterations a CX from q1 onto q0 followed by ``depolarizing_error(lam, 2)``.
    The depolarizing part is maximally mixed and stays so under CX, the rest is unchanged (an X
    on q0 commutes with the observable), so <X0> = (1 - lam)^2 exactly."""
    lam = 0.5
    net = Network((Node("alice", gate_error=lam),), ())
    mem, cnt = QuantumRegister(2, "alice_mem"), QuantumRegister(1, "cnt")
    flag, out = ClassicalRegister(1, "flag"), ClassicalRegister(1, "out")
    qc = QuantumCircuit(mem, cnt, flag, out, metadata={"nodes": {"alice_mem": "alice"}})
    qc.h(0)
    qc.x(2)
    qc.measure(2, flag[0])
    qc.reset(2)
    with qc.while_loop((flag[0], 1)):
        qc.cx(1, 0)
        qc.x(2)
        qc.measure(2, flag[0])
    qc.h(0)
    qc.measure(0, out[0])
    noisy = noisy_circuit(qc, net)
    assert _sampled_mixtures_in_loops(noisy) == 0
    shots = 4000
    (data,) = AerRunner(method="statevector").run([qc], shots=shots, seed=31, network=net)
    x = 1 - 2 * float(data.bits["out"][:, 0].mean())
    exact = (1 - lam) ** 2
    assert abs(x - exact) <= 5 * math.sqrt((1 - exact**2) / shots)
