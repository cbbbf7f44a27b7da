"""Dark counts in the dynamic device form: the click an ``if_test`` correction conditions on is
the detector's record (photon click OR the realization's sampled dark count), the same bit that
post-selection reads; dynamic and frame forms then agree with each other and the closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import IfElseOp
from qiskit.circuit.classical import expr

from qnet_circuits.network import chain
from qnet_circuits.physics import link_theory
from qnet_circuits.run import AerRunner
from qnet_circuits.scheduler.inject import inject_dark_counts, or_dark_counts


def _toy(net):
    """A photon that never arrives (|0>), its detector bit, and a correction X on a target."""
    det, tgt, anc = QuantumRegister(1, "det"), QuantumRegister(1, "tgt"), QuantumRegister(1, "anc")
    click, out = ClassicalRegister(1, "click"), ClassicalRegister(1, "out")
    qc = QuantumCircuit(det, tgt, anc, click, out,
                        metadata={"detectors": {"det": net.links[0].name}, "dilation_ancilla": 2})
    qc.measure(det[0], click[0])
    with qc.if_test((click[0], 1)):
        qc.x(tgt[0])
    qc.measure(tgt[0], out[0])
    return qc


def test_the_correction_follows_the_recorded_click_shot_by_shot():
    p, shots = 0.3, 3000
    net = chain(1, 10.0, dark_count_prob=p)
    qc, table = inject_dark_counts(_toy(net), net, {}, rows=shots, rng=np.random.default_rng(5))
    (cond,) = [i.operation.condition for i in qc.data if isinstance(i.operation, IfElseOp)]
    assert isinstance(cond, expr.Expr)  # click OR dark, not the photon's click alone
    assert qc.metadata["dark_counts"] == [["click", 0, "dark", 0]]
    rows = AerRunner().run_bindings(qc, {q: table[q.name] for q in qc.parameters}, shots=1, seed=9)
    bits = or_dark_counts({k: np.concatenate([r.bits[k] for r in rows]) for k in rows[0].bits},
                          qc.metadata["dark_counts"])
    np.testing.assert_array_equal(bits["out"][:, 0], bits["click"][:, 0])  # every shot
    frac = bits["click"][:, 0].mean()
    assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / shots)
    assert np.array_equal(bits["dark"][:, 0], (table["dark0"] > 0).astype(np.uint8))


def test_no_dark_counts_no_change():
    net = chain(1, 10.0)
    qc = _toy(net)
    out, table = inject_dark_counts(qc, net, {"t": np.zeros(3)}, rows=3,
                                    rng=np.random.default_rng(1))
    assert out is qc and set(table) == {"t"}


@pytest.mark.parametrize("scheme", ["single-click", "double-click"])
def test_dynamic_and_frame_forms_agree_with_dark_counts(scheme):
    """Injected loss and dark counts (p_d = 0.05) on an ideal Aer device: fidelity and acceptance
    of the dynamic and frame forms agree within 4 combined standard errors and each lies within
    4 standard errors of the closed form (physics-reference section 2)."""
    from qnet_circuits.protocols.chain import simulate
    from qnet_circuits.scheduler import ChainPlan

    length = 10.0 if scheme == "single-click" else 4.0
    net = chain(1, length, scheme=scheme, dark_count_prob=0.05, detector_efficiency=0.8)
    th = link_theory(net.links[0], net)
    got = {}
    for correction in ("dynamic", "frame"):
        res = simulate(net, ChainPlan(link_level="photonic"), realizations=1800, seed=17,
                       correction=correction, memory="injected")
        dev = res.metadata["device_form"]
        acc = dev["acceptance"], dev["acceptance_stderr"]
        assert abs(acc[0] - th["p_success"]) < 4 * math.sqrt(
            th["p_success"] * (1 - th["p_success"]) / dev["shots"])
        assert res.fidelity.within(th["fidelity"], k=4)
        got[correction] = (res.fidelity, acc)
    (fd, ad), (ff, af) = got["dynamic"], got["frame"]
    assert abs(fd.value - ff.value) < 4 * math.hypot(fd.stderr, ff.stderr)
    assert abs(ad[0] - af[0]) < 4 * math.hypot(ad[1], af[1])
    # dark counts matter at this rate: the fidelity without them is far away
    clean = link_theory(chain(1, length, scheme=scheme, detector_efficiency=0.8).links[0],
                        chain(1, length, scheme=scheme, detector_efficiency=0.8))
    assert abs(clean["fidelity"] - th["fidelity"]) > 4 * fd.stderr


def test_sampled_realizations_template_path_with_dark_counts():
    """Finite T2 makes every realization a row of the template (the dark counts are columns of
    its binding table): both forms' acceptance and fidelity within 4 standard errors of the
    closed form."""
    from qnet_circuits.protocols.chain import simulate
    from qnet_circuits.scheduler import ChainPlan

    net = chain(1, 10.0, scheme="single-click", dark_count_prob=0.05, detector_efficiency=0.8,
                t2_s=1.0)
    th = link_theory(net.links[0], net)
    for correction in ("dynamic", "frame"):
        res = simulate(net, ChainPlan(link_level="photonic"), realizations=1800, seed=23,
                       correction=correction, memory="injected")
        dev = res.metadata["device_form"]
        assert res.metadata["scheduled"].bindings == 1800  # the template path, one row each
        p = dev["acceptance_theory"]
        assert abs(p - th["p_success"]) < 1e-12
        assert abs(dev["acceptance"] - p) < 4 * math.sqrt(p * (1 - p) / dev["shots"])
        assert res.fidelity.within(res.theory["fidelity"], k=4)
