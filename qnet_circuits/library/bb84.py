"""BB84 prepare-and-measure rounds as circuits: a dual-rail photon, fiber, two threshold detectors.

The photon is one excitation in two optical modes, the qubits of register ``photon``: rail 0 is
the polarization that encodes bit 0 in Bob's basis, rail 1 bit 1. Alice's four states:

* Z basis: ``x`` on rail ``bit`` (|10> or |01>: H or V);
* X basis: the same, then a 45 degree polarization rotation (a passive beam splitter, the
  ``XXPlusYYGate`` real rotation on the one-excitation subspace; it leaves the vacuum alone).

The fiber is a ``FiberTransit`` marker on both rails, so the noise pass turns the link's loss
and detector efficiency into amplitude damping of each mode (a lost photon leaves the vacuum:
no click, the erasure the detectors see). Bob rotates back by 45 degrees for his X basis and
measures both rails into ``bob``; the register is a detector register of the link
(``metadata["detectors"]``), so each measurement gets the link's dark counts. A click pattern
``10``/``01`` is a bit, ``00`` no detection, ``11`` a double click (Bob assigns a random bit).

``misalignment_rad`` is a fixed polarization rotation before Bob's analyser: the optical
misalignment that makes a photon hit the wrong detector with probability ``sin^2(angle)``
(Ma et al.'s ``e_detector``) in both bases.

The intercept-resend eavesdropper sits at Alice's output: she rotates into her basis, copies the
rail occupation onto her ``eve_rec`` qubit with a CNOT (measuring it is her outcome: deferred
measurement) and rotates back, which leaves the photon exactly in the eigenstate she found.

>>> qc = bb84_round(1, 1, 1, link="alice-bob", length_km=10.0)
>>> [r.name for r in qc.qregs], [c.name for c in qc.cregs], qc.metadata["detectors"]
(['photon'], ['bob'], {'photon': 'alice-bob'})
"""

from __future__ import annotations

import math

from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit.library import XXPlusYYGate

from qnet_circuits.library.markers import FiberTransit

#: BB84 bases: 0 = Z (rectilinear), 1 = X (diagonal)
BASES = ("Z", "X")


def _rotate(qc: QuantumCircuit, rails, angle: float) -> None:
    """Rotate the polarization by ``angle`` (radians) on the one-photon subspace of ``rails``."""
    qc.append(XXPlusYYGate(2.0 * angle, math.pi / 2), [rails[0], rails[1]])


def misalignment_angle(e_detector: float) -> float:
    """Rotation angle (radians) whose wrong-detector probability is ``e_detector``."""
    if not 0.0 <= e_detector <= 0.5:
        raise ValueError(f"e_detector must be in [0, 0.5], got {e_detector!r}")
    return math.asin(math.sqrt(e_detector))


def _check_bit(name: str, value: int) -> int:
    if value not in (0, 1):
        raise ValueError(f"{name} must be 0 or 1, got {value!r}")
    return int(value)


def bb84_round(alice_bit: int, alice_basis: int, bob_basis: int, *, link: str,
               length_km: float, misalignment_rad: float = 0.0,
               eve_basis: int | None = None) -> QuantumCircuit:
    """One BB84 round: Alice's state, optional intercept-resend, fiber, Bob's basis, detectors.

    Args:
        alice_bit, alice_basis, bob_basis: 0 or 1 (bases: 0 = Z, 1 = X).
        link: name of the network link the photon crosses (its loss and detectors apply).
        length_km: fiber length crossed, in km.
        misalignment_rad: polarization rotation before Bob's analyser (radians).
        eve_basis: None (no eavesdropper) or Eve's measurement basis, 0 or 1.
    """
    bit, a_basis, b_basis = (_check_bit("alice_bit", alice_bit),
                             _check_bit("alice_basis", alice_basis),
                             _check_bit("bob_basis", bob_basis))
    photon, bob = QuantumRegister(2, "photon"), ClassicalRegister(2, "bob")
    regs = [photon, bob]
    if eve_basis is not None:
        _check_bit("eve_basis", eve_basis)
        regs += [QuantumRegister(1, "eve_rec"), ClassicalRegister(1, "eve")]
    qc = QuantumCircuit(*regs, name=f"bb84_{bit}{BASES[a_basis]}{BASES[b_basis]}")
    qc.x(photon[bit])
    if a_basis:
        _rotate(qc, photon, math.pi / 4)
    if eve_basis is not None:
        if eve_basis:
            _rotate(qc, photon, -math.pi / 4)
        qc.cx(photon[1], regs[2][0])
        if eve_basis:
            _rotate(qc, photon, math.pi / 4)
    for q in photon:
        qc.append(FiberTransit(length_km, link), [q])
    if misalignment_rad:
        _rotate(qc, photon, misalignment_rad)
    if b_basis:
        _rotate(qc, photon, -math.pi / 4)
    qc.measure(photon, bob)
    if eve_basis is not None:
        qc.measure(regs[2], regs[3])
    qc.metadata = {
        "protocol": "bb84", "detectors": {"photon": link}, "link": link,
        "alice_bit": bit, "alice_basis": a_basis, "bob_basis": b_basis, "eve_basis": eve_basis,
        "ideal_measurements": ["eve"] if eve_basis is not None else [],
    }
    return qc
