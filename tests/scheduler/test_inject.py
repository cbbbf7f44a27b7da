"""``--memory injected``: the network's T1/T2 as explicit operations in the device circuit.

Exact checks: the ancilla dilation with reset is the amplitude-damping Kraus channel, and the
mixture over sampled Z frames completes the thermal-relaxation channel (populations exp(-t/T1),
coherence exp(-t/T2)). Statistical checks (Aer, an ideal device): the injected device form
reproduces the network model's closed-form fidelity within 4 standard errors, for both correction
forms, pure dephasing and T1 + T2; bad combinations are one-line errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.quantum_info import DensityMatrix, Kraus, partial_trace

from qnet_circuits.cli import main
from qnet_circuits.network import chain
from qnet_circuits.protocols import chain as protocol
from qnet_circuits.scheduler.inject import inject_memory, z_flip_probability


def _choi_after(t1: float, t2: float, t: float, frame: float | None) -> np.ndarray:
    """Choi state (ref, mem) after the injected wait of ``t`` s, with the Z frame set to
    ``frame`` (0 or pi; None: no frame parameter expected)."""
    ref, mem, anc = QuantumRegister(1, "ref"), QuantumRegister(1, "alice_mem"), QuantumRegister(1, "a")
    qc = QuantumCircuit(ref, mem, anc,
                        metadata={"nodes": {"alice_mem": "alice"}, "dilation_ancilla": 2})
    qc.delay(Parameter("w"), 1, unit="s")
    out, table = inject_memory(qc, chain(1, 1.0, t1_s=t1, t2_s=t2), {"w": np.array([t])}, rows=1,
                               rng=np.random.default_rng(0))
    assert not any(i.operation.name == "delay" for i in out.data)
    values = {p: float(table[p.name][0]) for p in out.parameters}
    for p in out.parameters:
        if p.name.endswith("_z"):
            assert frame is not None
            values[p] = frame
    bell = QuantumCircuit(3)
    bell.h(0)
    bell.cx(0, 1)
    rho = DensityMatrix(bell).evolve(out.assign_parameters(values))
    return partial_trace(rho, [2]).data


def _bell_choi() -> DensityMatrix:
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    return DensityMatrix(bell)


@pytest.mark.parametrize("t", [0.05, 0.3, 2.0])
def test_ancilla_dilation_is_the_amplitude_damping_channel(t):
    gamma = 1.0 - math.exp(-t / 1.0)
    kraus = Kraus([np.array([[1, 0], [0, math.sqrt(1 - gamma)]]),
                   np.array([[0, math.sqrt(gamma)], [0, 0]])])
    expected = _bell_choi().evolve(kraus, qargs=[1]).data
    got = _choi_after(1.0, 2.0, t, None)  # T2 = 2 T1: pure amplitude damping, no Z frame
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_z_frames_complete_the_thermal_relaxation_channel():
    t1, t2, t = 1.0, 0.4, 0.3
    p_z = float(z_flip_probability(np.array([t]), t1, t2)[0])
    mixed = (1 - p_z) * _choi_after(t1, t2, t, 0.0) + p_z * _choi_after(t1, t2, t, np.pi)
    # Choi entries (ref, mem little-endian: index = ref + 2 mem): |00><11| is the coherence/2
    assert abs(mixed[0, 3]) == pytest.approx(0.5 * math.exp(-t / t2), abs=1e-12)
    assert mixed[3, 3].real == pytest.approx(0.5 * math.exp(-t / t1), abs=1e-12)  # |1> survives
    assert mixed[2, 2].real == pytest.approx(0.0, abs=1e-12)  # no excitation from |0>


def test_frames_are_sampled_per_row_with_the_closed_form_probability():
    mem, anc = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "a")
    qc = QuantumCircuit(mem, anc, metadata={"nodes": {"alice_mem": "alice"}, "dilation_ancilla": 1})
    qc.delay(0.1, 0, unit="s")
    rows = 20000
    _, table = inject_memory(qc, chain(1, 1.0, t2_s=0.1), {}, rows=rows,
                             rng=np.random.default_rng(7))
    assert set(table) == {"d0_z"}  # pure dephasing: no dilation, only frames
    p = (1 - math.exp(-1.0)) / 2
    frac = float(np.mean(table["d0_z"] == np.pi))
    assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / rows)


@pytest.mark.parametrize(("t1", "t2", "correction", "links", "strategy"), [
    (math.inf, 0.002, "dynamic", 2, "sequential"),
    (0.004, 0.003, "dynamic", 2, "sequential"),
    (0.004, 0.003, "frame", 2, "sequential"),
    (0.004, 0.003, "dynamic", 3, "asap"),
])
def test_injected_memory_on_aer_reproduces_the_network_model(t1, t2, correction, links, strategy):
    params = protocol.ChainParams(links=links, t1_s=t1, t2_s=t2, strategy=strategy,
                                  correction=correction, memory="injected")
    res = protocol.run(params, shots=4000, seed=5)
    theory = res.theory["fidelity"]
    assert res.metadata["device_form"]["memory"] == "injected"
    assert res.fidelity.within(theory, k=4)
    # the memories matter here: ideal memories would be far outside the same tolerance
    assert not res.fidelity.within(res.theory["fidelity_ideal_memories"], k=4)


def test_injected_with_time_scale_is_refused():
    with pytest.raises(ValueError, match="time_scale"):
        protocol.ChainParams(memory="injected", time_scale=2.0)


def test_cli_contradicting_memory_options_are_one_line(capsys):
    code = main(["chain", "--memory", "injected", "--time-scale", "3"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--time-scale" in err and "Traceback" not in err


# --- fiber loss as a beam splitter with a vacuum mode; classical dark counts --------------------


def test_fiber_marker_becomes_the_exact_loss_channel():
    from qnet_circuits.library.markers import FiberTransit
    from qnet_circuits.scheduler.inject import inject_fiber

    net = chain(1, 30.0, detector_efficiency=0.7)
    link = net.links[0]
    ref, photon, anc = QuantumRegister(1, "ref"), QuantumRegister(1, "photon"), QuantumRegister(1, "a")
    qc = QuantumCircuit(ref, photon, anc, metadata={"detectors": {"photon": link.name},
                                                    "dilation_ancilla": 2})
    qc.append(FiberTransit(15.0, link.name), [1])
    out = inject_fiber(qc, net)
    assert {i.operation.name for i in out.data} == {"ry", "cx", "reset"}
    eta = link.fiber.transmissivity_over(15.0) * 0.7
    kraus = Kraus([np.array([[1, 0], [0, math.sqrt(eta)]]),
                   np.array([[0, math.sqrt(1 - eta)], [0, 0]])])
    bell = QuantumCircuit(3)
    bell.h(0)
    bell.cx(0, 1)
    got = partial_trace(DensityMatrix(bell).evolve(out), [2]).data
    np.testing.assert_allclose(got, _bell_choi().evolve(kraus, qargs=[1]).data, atol=1e-12)


def test_dark_counts_are_or_ed_into_the_detector_bits_at_their_rate():
    from qnet_circuits.scheduler.inject import add_dark_counts

    bits = {"h": np.zeros((40000, 2), dtype=np.uint8)}
    bits["h"][:20000, 1] = 1
    out = add_dark_counts(bits, [("h", 0, 0.05)], np.random.default_rng(3))
    frac = out["h"][:, 0].mean()
    assert abs(frac - 0.05) < 4 * math.sqrt(0.05 * 0.95 / 40000)
    assert out["h"][:, 1].sum() == 20000 and bits["h"][:, 0].sum() == 0  # copy, other bit kept


@pytest.mark.parametrize(("scheme", "correction"), [("double-click", "frame"),
                                                    ("single-click", "dynamic")])
def test_herald_rate_with_injected_loss_and_dark_counts_follows_the_closed_form(scheme, correction):
    from qnet_circuits.protocols.chain import simulate
    from qnet_circuits.scheduler import ChainPlan
    from qnet_circuits.scheduler.device import lossless

    net = chain(1, 20.0, scheme=scheme, dark_count_prob=0.02, detector_efficiency=0.8)
    res = simulate(net, ChainPlan(link_level="photonic"), realizations=4000, seed=7,
                   correction=correction, memory="injected")
    dev = res.metadata["device_form"]
    p, n = dev["acceptance_theory"], dev["shots"]
    assert dev["acceptance_theory_device"] is False  # the network's closed form, with loss
    k_sigma = 4 * math.sqrt(p * (1 - p) / n)
    assert abs(dev["acceptance"] - p) < k_sigma
    from qnet_circuits.scheduler import link_models, resolve_path

    model = link_models(net, resolve_path(net), ChainPlan(link_level="photonic"))[0]
    assert abs(dev["acceptance"] - lossless(model).p) > 2 * k_sigma  # loss is really there (8 sigma)
