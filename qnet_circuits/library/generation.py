"""Heralded Bell-pair generation as honest circuits, and heralded-state-level pair preparation.

Photonic level (:func:`heralded_link`): the photons are qubits, fiber transit is a
:class:`~qnet_circuits.library.markers.FiberTransit` marker (the noise pass turns it into loss),
the midpoint station's 50:50 beam splitter and two threshold detectors are gates and measurements
in the circuit, and the herald bits are measured. Analysis post-selects on them, so one run gives
the success probability per attempt and the heralded state. The target state is Phi+ on
(``<a>_mem``, ``<b>_mem``).

Beam splitter with threshold detectors. Each photon mode is a qubit (0 or 1 photon). Two photons
meeting on a 50:50 beam splitter bunch (Hong-Ou-Mandel), so exactly one detector clicks; a qubit
``aux`` records the two-photon branch so that it stays orthogonal to the one-photon branches,
then the single-excitation subspace is rotated so that the two photon qubits read out the
"+" and "-" detectors. Loss commutes with the passive beam splitter, so detector inefficiency is
folded into the fiber loss of each arm; dark counts act on the detector readout (noise pass).

Heralded-state level (:func:`heralded_state`, :func:`bell_diagonal_pair`, :func:`werner_pair`): a
memory-only circuit that prepares the same two-qubit state exactly, with ancillas that are reset
(traced out) afterwards; used for long chains and as input pairs of other protocols.

>>> from qnet_circuits.network import chain
>>> qc = heralded_link(chain(1, 20.0, scheme="double-click").links[0])
>>> [r.name for r in qc.qregs]
['alice_mem', 'bob_mem', 'alice_bob_det', 'alice_bob_aux']
>>> qc.metadata["heralds"]
[{'register': 'alice_bob_click1', 'rule': 'one_hot'}, {'register': 'alice_bob_click2', 'rule': 'one_hot'}]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister, Qubit
from qiskit.circuit.library import StatePreparation

from qnet_circuits import physics
from qnet_circuits.library.markers import FiberTransit
from qnet_circuits.network import Link
from qnet_circuits.physics.link import raw_heralded_state

Correction = Literal["dynamic", "deferred"]


def _check_correction(correction: str) -> None:
    if correction not in ("dynamic", "deferred"):
        raise ValueError(f"correction must be 'dynamic' or 'deferred', got {correction!r}")


def _beam_splitter(qc: QuantumCircuit, photon_a: Qubit, photon_b: Qubit, aux: Qubit) -> None:
    """50:50 beam splitter and threshold detection mapping.

    Afterwards ``photon_b`` reads the "+" detector and ``photon_a`` the "-" detector; a single
    photon from a gives (+, -) amplitudes (1, -1)/sqrt2, from b (1, 1)/sqrt2; two photons bunch
    into one detector with probability 1/2 each.
    """
    qc.ccx(photon_a, photon_b, aux)
    qc.cx(aux, photon_b)
    qc.cx(photon_a, photon_b)
    # controlled-H(photon_b -> photon_a), written as Ry(pi/4) CX Ry(-pi/4) (native everywhere)
    qc.ry(math.pi / 4, photon_a)
    qc.cx(photon_b, photon_a)
    qc.ry(-math.pi / 4, photon_a)
    qc.cx(photon_a, photon_b)


def _emit(qc: QuantumCircuit, memory: Qubit, photon: Qubit) -> None:
    """Spin-photon emission: memory |1> emits a photon into the (empty) photon mode."""
    qc.cx(memory, photon)


def _emit_photons(qc: QuantumCircuit, link: Link, memories: Sequence[Qubit], det) -> None:
    """Each memory emits into its photon mode, which then crosses half the link's fiber."""
    for mem, photon in zip(memories, (det[0], det[1])):
        _emit(qc, mem, photon)
        qc.append(FiberTransit(link.arm_length_km, link.name), [photon])


def _detect(
    qc: QuantumCircuit, det, aux, click: ClassicalRegister, target: Qubit, correction: Correction
) -> None:
    """Beam splitter and threshold detection into ``click`` (bit 0: '+', bit 1: '-'), then Z on
    ``target`` when the '-' detector clicked (Psi- -> Psi+): ``if_test`` or a deferred CZ."""
    _beam_splitter(qc, det[0], det[1], aux[0])
    if correction == "deferred":
        qc.cz(det[0], target)
    qc.measure(det[1], click[0])
    qc.measure(det[0], click[1])
    if correction == "dynamic":
        with qc.if_test((click[1], 1)):
            qc.z(target)


def heralded_link(link: Link, *, correction: Correction = "dynamic") -> QuantumCircuit:
    """One heralded entanglement attempt on ``link`` (scheme from the link), photonic level.

    Registers: ``<a>_mem`` and ``<b>_mem`` (the pair, target Phi+), station qubits, and herald
    registers listed in ``metadata["heralds"]``. Memories wait the herald time as Delays (s), so the
    noise pass applies the nodes' T1/T2 for exactly that time.

    Args:
        link: the link (scheme, fiber length, alpha, detectors).
        correction: ``"dynamic"`` (``if_test`` on the herald bits) or ``"deferred"`` (controlled
            gates before the measurement, for backends without control flow).
    """
    _check_correction(correction)
    if link.scheme == "single-click":
        return _single_click(link, correction)
    if link.scheme == "double-click":
        return _double_click(link, correction)
    return _midpoint(link, correction)


def _metadata(link: Link, qc: QuantumCircuit, heralds: list[dict[str, str]], **extra) -> dict:
    a, b = link.a, link.b
    return {
        "protocol": f"link/{link.scheme}",
        "link": link.name,
        "nodes": {f"{a}_mem": a, f"{b}_mem": b},
        "detectors": {f"{link.name}_det": link.name},
        "heralds": heralds,
        "pair": [qc.find_bit(qc.qregs[0][0]).index, qc.find_bit(qc.qregs[1][0]).index],
        "herald_wait_s": link.fiber.delay_s,
        **extra,
    }


def _single_click(link: Link, correction: Correction) -> QuantumCircuit:
    a, b, name = link.a, link.b, link.name
    mem_a, mem_b = QuantumRegister(1, f"{a}_mem"), QuantumRegister(1, f"{b}_mem")
    det, aux = QuantumRegister(2, f"{name}_det"), QuantumRegister(1, f"{name}_aux")
    click = ClassicalRegister(2, f"{name}_click")  # bit 0: '+' detector, bit 1: '-' detector
    qc = QuantumCircuit(mem_a, mem_b, det, aux, click, name=f"single_click_{name}")
    qc.ry(_ry_angle(link.alpha), mem_a)
    qc.ry(_ry_angle(link.alpha), mem_b)
    _emit_photons(qc, link, [mem_a[0], mem_b[0]], det)
    wait = link.fiber.delay_s
    if wait > 0:
        qc.delay(wait, mem_a, unit="s")
        qc.delay(wait, mem_b, unit="s")
    _detect(qc, det, aux, click, mem_b[0], correction)
    qc.x(mem_b)  # Psi+ -> Phi+
    qc.reset(aux)
    qc.metadata = _metadata(
        link, qc, [{"register": click.name, "rule": "one_hot"}], alpha=link.alpha
    )
    return qc


def _double_click(link: Link, correction: Correction) -> QuantumCircuit:
    a, b, name = link.a, link.b, link.name
    mem_a, mem_b = QuantumRegister(1, f"{a}_mem"), QuantumRegister(1, f"{b}_mem")
    det, aux = QuantumRegister(2, f"{name}_det"), QuantumRegister(1, f"{name}_aux")
    clicks = [ClassicalRegister(2, f"{name}_click{r}") for r in (1, 2)]
    qc = QuantumCircuit(mem_a, mem_b, det, aux, *clicks, name=f"double_click_{name}")
    qc.h(mem_a)
    qc.h(mem_b)
    wait = link.fiber.delay_s
    for round_index, click in enumerate(clicks):
        if round_index == 1:
            qc.x(mem_a)
            qc.x(mem_b)
        _emit_photons(qc, link, [mem_a[0], mem_b[0]], det)
        if wait > 0 and round_index == 1:
            # round 2 follows round 1 within microseconds; both heralds return after L/c
            qc.delay(wait, mem_a, unit="s")
            qc.delay(wait, mem_b, unit="s")
        _detect(qc, det, aux, click, mem_b[0], correction)
        qc.reset(det)
        qc.reset(aux)
    qc.x(mem_b)  # Psi+ -> Phi+
    qc.metadata = _metadata(
        link, qc, [{"register": c.name, "rule": "one_hot"} for c in clicks], rounds=2
    )
    return qc


def _midpoint(link: Link, correction: Correction) -> QuantumCircuit:
    """Midpoint source: the source's photons are teleported into the memories by each node's BSM.

    Each photon is a polarization qubit (``src``) plus a presence qubit (``flag``); loss is an
    erasure, i.e. amplitude damping of the presence qubit, and the herald requires both presences.
    Each node's linear-optics BSM between its memory-emitted photon (``loc``) and the arriving
    photon identifies only Psi+/Psi- (success 1/2); with ``bsm_efficiency == 1`` all four outcomes.
    """
    if link.bsm_efficiency not in (0.5, 1.0):
        raise ValueError(
            "bsm_efficiency must be 0.5 (linear optics) or 1.0 (complete BSM) for the midpoint "
            f"circuit, got {link.bsm_efficiency!r}"
        )
    a, b, name = link.a, link.b, link.name
    mem_a, mem_b = QuantumRegister(1, f"{a}_mem"), QuantumRegister(1, f"{b}_mem")
    src, flag = QuantumRegister(2, f"{name}_src"), QuantumRegister(2, f"{name}_flag")
    loc = QuantumRegister(2, f"{name}_loc")
    presence = ClassicalRegister(2, f"{name}_presence")
    parity = ClassicalRegister(2, f"{name}_parity")
    phase = ClassicalRegister(2, f"{name}_phase")
    qc = QuantumCircuit(mem_a, mem_b, src, flag, loc, presence, parity, phase, name=f"midpoint_{name}")
    # source: Phi+ in polarization, both photons present with the pair probability
    qc.h(src[0])
    qc.cx(src[0], src[1])
    if link.pair_probability < 1.0:
        qc.ry(2 * math.asin(math.sqrt(link.pair_probability)), flag[0])
    else:
        qc.x(flag[0])
    qc.cx(flag[0], flag[1])
    for k in range(2):
        qc.append(FiberTransit(link.arm_length_km, name), [flag[k]])
    wait = link.fiber.delay_s
    for k, mem in enumerate((mem_a[0], mem_b[0])):
        qc.h(mem)
        qc.cx(mem, loc[k])  # memory-photon Phi+
        qc.cx(src[k], loc[k])  # BSM between the arriving and the local photon
        qc.h(src[k])
        if correction == "deferred":
            qc.cx(loc[k], mem)
            qc.cz(src[k], mem)
        qc.measure(flag[k], presence[k])
        qc.measure(loc[k], parity[k])
        qc.measure(src[k], phase[k])
        if correction == "dynamic":
            with qc.if_test((parity[k], 1)):
                qc.x(mem)
            with qc.if_test((phase[k], 1)):
                qc.z(mem)
        if wait > 0:
            qc.delay(wait, mem, unit="s")  # wait for the far node's BSM result
    heralds = [{"register": presence.name, "rule": "all_ones"}]
    if link.bsm_efficiency < 1.0:
        heralds.append({"register": parity.name, "rule": "all_ones"})
    qc.metadata = _metadata(link, qc, heralds, pair_probability=link.pair_probability)
    qc.metadata["detectors"] = {}
    return qc


# ---------------------------------------------------------------------------------------------
# Heralded-state level
# ---------------------------------------------------------------------------------------------

def heralded_state(link: Link) -> QuantumCircuit:
    """Heralded-state level: a memory-only circuit preparing the state :func:`heralded_link` heralds.

    The closed-form heralded state (reference section 2) is prepared exactly through a
    purification on two ancillas that are then reset; the memories then wait the herald time
    (Delays) and receive the same frame correction as the photonic circuit, so memory noise acts
    in the same frame. The photonic circuits put each memory wait after the last photonic
    operation on that memory, and memory channels commute with operations on other qubits, so
    the two levels are exactly equal with T1/T2 too.
    ``metadata["p_success"]`` records the closed-form success probability of one attempt.
    """
    a, b, name = link.a, link.b, link.name
    p, rho = raw_heralded_state(link)
    mem_a, mem_b = QuantumRegister(1, f"{a}_mem"), QuantumRegister(1, f"{b}_mem")
    anc = QuantumRegister(2, f"{name}_anc")
    qc = QuantumCircuit(mem_a, mem_b, anc, name=f"heralded_state_{name}")
    _prepare_mixed_state(qc, [mem_a[0], mem_b[0]], list(anc), rho)
    wait = link.fiber.delay_s
    if wait > 0:
        qc.delay(wait, mem_a, unit="s")
        qc.delay(wait, mem_b, unit="s")
    if link.scheme != "midpoint":
        qc.x(mem_b)
    qc.metadata = {
        "protocol": f"heralded_state/{link.scheme}",
        "link": name,
        "nodes": {mem_a.name: a, mem_b.name: b},
        "heralds": [],
        "pair": [0, 1],
        "p_success": p,
        "herald_wait_s": wait,
    }
    return qc


def _prepare_mixed_state(
    qc: QuantumCircuit, targets: Sequence[Qubit], ancillas: Sequence[Qubit], rho: np.ndarray
) -> None:
    """Prepare the two-qubit density matrix ``rho`` on ``targets`` via a purification, then reset."""
    vals, vecs = np.linalg.eigh(rho)
    vals = np.clip(vals, 0.0, None)
    vals = vals / vals.sum()
    state = np.zeros(16, dtype=complex)
    for k in range(4):
        # index = target index + 4 * ancilla index (targets are the low qubits)
        state[4 * k : 4 * k + 4] = math.sqrt(vals[k]) * vecs[:, k]
    qc.append(StatePreparation(state), [*targets, *ancillas])
    qc.reset(ancillas)


def prepare_bell_diagonal(
    qc: QuantumCircuit,
    qubit_a: Qubit,
    qubit_b: Qubit,
    ancillas: Sequence[Qubit],
    coefficients: Sequence[float],
) -> None:
    """Append an exact preparation of the Bell-diagonal state (A, B, C, D) on (qubit_a, qubit_b).

    (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-), i.e. the Pauli I, Y, X, Z on ``qubit_b`` of Phi+.
    Two ancillas (which must start in |0>) hold sqrt-amplitudes of the Pauli label (x, z); a CX and
    a CZ from them apply X^x Z^z to ``qubit_b``, and resetting the ancillas traces them out, so
    the pair is exactly the mixture. The ancillas are |0> again afterwards and can be reused.
    """
    A, B, C, D = physics.validate_bell_diagonal(coefficients)
    if len(ancillas) != 2:
        raise ValueError(f"ancillas must be two qubits, got {len(ancillas)}")
    anc_x, anc_z = ancillas
    qc.h(qubit_a)
    qc.cx(qubit_a, qubit_b)
    if A >= 1.0 - 1e-15:
        return
    p_x = B + C  # labels X (C) and Y (B) carry x = 1
    if p_x > 0:
        qc.ry(2 * math.asin(math.sqrt(min(1.0, p_x))), anc_x)
    p_z_given_0 = D / (A + D) if A + D > 0 else 0.0
    p_z_given_1 = B / (B + C) if B + C > 0 else 0.0
    # Ry on anc_z by an angle that depends on anc_x: Ry(t0 (1-x) + t1 x) = Ry(t0) then a
    # controlled Ry(t1 - t0), written with CX so that every simulator method and device runs it
    t0 = _ry_angle(p_z_given_0)
    t1 = _ry_angle(p_z_given_1)
    if t0:
        qc.ry(t0, anc_z)
    if t1 != t0:
        half = (t1 - t0) / 2
        qc.ry(half, anc_z)
        qc.cx(anc_x, anc_z)
        qc.ry(-half, anc_z)
        qc.cx(anc_x, anc_z)
    qc.cx(anc_x, qubit_b)
    qc.cz(anc_z, qubit_b)
    qc.reset(anc_x)
    qc.reset(anc_z)


def _ry_angle(probability: float) -> float:
    """Ry angle that takes |0> to P(|1>) = ``probability``."""
    return 2 * math.asin(math.sqrt(min(1.0, max(0.0, probability))))


def bell_diagonal_pair(
    coefficients: Sequence[float], names: tuple[str, str] = ("alice", "bob")
) -> QuantumCircuit:
    """A circuit preparing the Bell-diagonal pair (A, B, C, D) on ``<a>_mem``, ``<b>_mem``.

    >>> from qnet_circuits.run import AerRunner
    >>> qc = bell_diagonal_pair((0.7, 0.1, 0.15, 0.05))
    >>> _ = qc.save_density_matrix([0, 1])
    >>> (data,) = AerRunner(method="density_matrix").run_bindings(qc, {}, shots=1)
    >>> rho = data.saved["density_matrix"]
    >>> [round(x, 6) for x in physics.bell_coefficients(rho.data)]
    [0.7, 0.1, 0.15, 0.05]
    """
    mem_a, mem_b = QuantumRegister(1, f"{names[0]}_mem"), QuantumRegister(1, f"{names[1]}_mem")
    anc = QuantumRegister(2, f"{names[0]}_{names[1]}_anc")
    qc = QuantumCircuit(mem_a, mem_b, anc, name="bell_diagonal_pair")
    prepare_bell_diagonal(qc, mem_a[0], mem_b[0], list(anc), coefficients)
    qc.metadata = {
        "protocol": "bell_diagonal_pair",
        "nodes": {mem_a.name: names[0], mem_b.name: names[1]},
        "heralds": [],
        "pair": [0, 1],
        "coefficients": [float(c) for c in coefficients],
    }
    return qc


def werner_pair(fidelity: float, names: tuple[str, str] = ("alice", "bob")) -> QuantumCircuit:
    """A circuit preparing the Werner pair of fidelity ``fidelity`` (to Phi+) on two memories."""
    return bell_diagonal_pair(physics.werner_coefficients(fidelity), names)
