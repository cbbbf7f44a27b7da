"""Teleportation of a state and of a gate (remote CNOT) as circuits.

State teleportation (physics-reference section 6): CNOT(in -> alice), H(in), measure in -> m1
and alice -> m2, then X^m2 and Z^m1 on Bob's qubit. Dynamic (``if_test``) and deferred
(controlled gates before measurement) forms, as in :mod:`qnet_circuits.library.swapping`.

Remote CNOT (section 13, Eisert et al. 2000): control at Alice, target at Bob, one shared pair
(A', B') and two classical bits. Alice: CNOT(control -> A'), measure A' -> m1. Bob: X^m1 on B',
CNOT(B' -> target), H(B'), measure B' -> m2. Alice: Z^m2 on the control.

States are given as (theta, phi) angles of ``U(theta, phi, 0)|0> = cos(theta/2)|0> +
e^{i phi} sin(theta/2)|1>`` (radians), a label from :data:`CARDINAL_STATES`, or a one-qubit
circuit without measurements (its inverse is used for the overlap check).

>>> qc = teleport_circuit("+i", 0.9)
>>> qc.metadata["verify_register"], qc.metadata["state"]
('bob_check', '+i')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qnet_circuits.library.options import CARDINAL_STATES
from qnet_circuits.library.swapping import (
    IDEAL,
    ClbitLike,
    Correction,
    PairSpec,
    QubitLike,
    _check_correction,
    _clbits,
    _qubit,
    append_bell_measurement,
    pair_coefficients,
    prepare_pair,
)

__all__ = [
    "CARDINAL_STATES",
    "StateSpec",
    "append_remote_cnot",
    "append_state",
    "append_teleport",
    "remote_cnot_circuit",
    "state_angles",
    "teleport_circuit",
]


#: A one-qubit state: a cardinal label, (theta, phi) in radians, or a 1-qubit circuit.
StateSpec = str | Sequence[float] | QuantumCircuit


def state_angles(state: str | Sequence[float]) -> tuple[float, float]:
    """(theta, phi) of a cardinal label or an angle pair (validated, finite).

    >>> state_angles("-")
    (1.5707963267948966, 3.141592653589793)
    """
    if isinstance(state, str):
        if state not in CARDINAL_STATES:
            raise ValueError(
                f"state label must be one of {', '.join(CARDINAL_STATES)}, got {state!r}"
            )
        return CARDINAL_STATES[state]
    try:
        theta, phi = (float(x) for x in state)
    except (TypeError, ValueError):
        raise ValueError(
            f"state must be a label, (theta, phi) in radians, or a 1-qubit circuit, got {state!r}"
        ) from None
    if not (math.isfinite(theta) and math.isfinite(phi)):
        raise ValueError(f"state angles (theta, phi) must be finite, got {state!r}")
    return theta, phi


def _check_state_circuit(state: QuantumCircuit) -> None:
    if state.num_qubits != 1 or state.num_clbits != 0:
        raise ValueError("a state circuit must have exactly 1 qubit and no classical bits")
    names = {inst.operation.name for inst in state.data}
    if names & {"measure", "reset"} or any(
        inst.operation.name in ("if_else", "while_loop", "for_loop", "switch_case")
        for inst in state.data
    ):
        raise ValueError("a state circuit must be unitary (no measure, reset or control flow)")


def append_state(
    qc: QuantumCircuit, qubit: QubitLike, state: StateSpec, *, inverse: bool = False
) -> QuantumCircuit:
    """Prepare ``state`` on ``qubit`` (from |0>), or with ``inverse=True`` undo it (so that a
    following Z measurement gives 0 with probability equal to the overlap with ``state``)."""
    q = _qubit(qc, qubit, "qubit")
    if isinstance(state, QuantumCircuit):
        _check_state_circuit(state)
        qc.compose(state.inverse() if inverse else state, [q], inplace=True)
        return qc
    theta, phi = state_angles(state)
    if inverse:
        qc.u(-theta, 0.0, -phi, q)  # U(theta, phi, 0)^dagger = U(-theta, 0, -phi)
    else:
        qc.u(theta, phi, 0.0, q)
    return qc


def append_teleport(
    qc: QuantumCircuit,
    source: QubitLike,
    alice: QubitLike,
    bob: QubitLike,
    bits: Sequence[ClbitLike] | ClassicalRegister,
    correction: Correction = "dynamic",
    *,
    reset: bool = False,
) -> QuantumCircuit:
    """Teleport the state of ``source`` to ``bob`` using the pair (alice, bob), ideally Phi+.

    CNOT(source -> alice), H(source), measure source -> bits[0] (m1) and alice -> bits[1] (m2),
    then X^m2 and Z^m1 on bob (``if_test``), or with ``correction="deferred"`` CX(alice -> bob)
    and CZ(source -> bob) before the measurements. ``reset`` resets source and alice afterwards.

    >>> qc = QuantumCircuit(3, 2)
    >>> _ = qc.x(0); _ = qc.h(1); _ = qc.cx(1, 2)
    >>> _ = append_teleport(qc, 0, 1, 2, [0, 1])
    >>> qc.count_ops()["if_else"]
    2
    """
    return append_bell_measurement(qc, source, alice, bob, bits, correction, reset=reset)


def teleport_circuit(
    state: StateSpec,
    resource: PairSpec = None,
    *,
    correction: Correction = "dynamic",
    verify: bool = True,
    names: tuple[str, str] = ("alice", "bob"),
) -> QuantumCircuit:
    """Teleport ``state`` from Alice to Bob over one resource pair.

    Args:
        state: cardinal label (``"0"``, ``"1"``, ``"+"``, ``"-"``, ``"+i"``, ``"-i"``),
            (theta, phi) in radians, or a unitary 1-qubit circuit.
        resource: the pair, Werner fidelity, (A, B, C, D) or None (ideal Phi+).
        correction: ``"dynamic"`` or ``"deferred"``.
        verify: append the inverse preparation on Bob's qubit and measure it into ``bob_check``;
            the frequency of 0 estimates the fidelity <psi|rho_out|psi>.
        names: the two node names.

    Registers: ``<a>_in`` (the state), ``<a>_mem``, ``<b>_mem``, ``src_anc`` (only for a noisy
    resource; at no node), ``<a>_bsm`` (m1, m2), ``bob_check`` (if ``verify``). Metadata:
    ``nodes``, ``output`` (Bob's qubit index), ``state``, ``resource``, ``verify_register``.
    Closed form: (2F+1)/3 for a Werner resource; A+D, A+C, A+B for Z, X, Y-basis states.
    """
    _check_correction(correction)
    for n in names:
        if not isinstance(n, str) or not n.isidentifier():
            raise ValueError(f"names must be two identifiers, got {names!r}")
    if isinstance(state, QuantumCircuit):
        _check_state_circuit(state)
        state_meta: object = state.name
    else:
        state_meta = state if isinstance(state, str) else list(state_angles(state))
        state_angles(state)
    coeffs = pair_coefficients(resource, name="resource")
    src = QuantumRegister(1, f"{names[0]}_in")
    mem_a = QuantumRegister(1, f"{names[0]}_mem")
    mem_b = QuantumRegister(1, f"{names[1]}_mem")
    regs: list = [src, mem_a, mem_b]
    anc = None
    if coeffs != IDEAL:
        anc = QuantumRegister(2, "src_anc")
        regs.append(anc)
    bsm = ClassicalRegister(2, f"{names[0]}_bsm")
    regs.append(bsm)
    check = None
    if verify:
        check = ClassicalRegister(1, f"{names[1]}_check")
        regs.append(check)
    qc = QuantumCircuit(*regs, name="teleport")
    prepare_pair(qc, mem_a[0], mem_b[0], anc, coeffs)
    append_state(qc, src[0], state)
    append_teleport(qc, src[0], mem_a[0], mem_b[0], bsm, correction)
    if check is not None:
        append_state(qc, mem_b[0], state, inverse=True)
        qc.measure(mem_b[0], check[0])
    qc.metadata = {
        "protocol": "teleport",
        "nodes": {src.name: names[0], mem_a.name: names[0], mem_b.name: names[1]},
        "output": qc.find_bit(mem_b[0]).index,
        "state": state_meta,
        "resource": list(coeffs),
        "bsm_register": bsm.name,
        "verify_register": check.name if check is not None else None,
        "correction": correction,
    }
    return qc


# ---------------------------------------------------------------------------------------------
# gate teleportation: remote CNOT
# ---------------------------------------------------------------------------------------------


def append_remote_cnot(
    qc: QuantumCircuit,
    control: QubitLike,
    target: QubitLike,
    alice_half: QubitLike,
    bob_half: QubitLike,
    bits: Sequence[ClbitLike] | ClassicalRegister,
    correction: Correction = "dynamic",
    *,
    reset: bool = False,
) -> QuantumCircuit:
    """CNOT(control at Alice -> target at Bob) with the pair (alice_half, bob_half) and 2 bits.

    Alice: CNOT(control -> alice_half), measure alice_half -> bits[0] (m1). Bob: X^m1 on
    bob_half, CNOT(bob_half -> target), H(bob_half), measure -> bits[1] (m2). Alice: Z^m2 on
    control. Deferred form: CX(alice_half -> bob_half) and CZ(bob_half -> control) replace the
    classically controlled gates, measurements last. A Bell-diagonal pair (A, B, C, D) gives the
    CNOT followed by I / Z_c X_t / X_t / Z_c with probabilities A / B / C / D.

    >>> qc = QuantumCircuit(4, 2)
    >>> _ = qc.h(2); _ = qc.cx(2, 3)
    >>> _ = append_remote_cnot(qc, 0, 1, 2, 3, [0, 1], correction="deferred")
    >>> qc.count_ops()["cx"]
    4
    """
    _check_correction(correction)
    c = _qubit(qc, control, "control")
    t = _qubit(qc, target, "target")
    a = _qubit(qc, alice_half, "alice_half")
    b = _qubit(qc, bob_half, "bob_half")
    if len({c, t, a, b}) != 4:
        raise ValueError("control, target, alice_half and bob_half must be four different qubits")
    m1, m2 = _clbits(qc, bits)
    qc.cx(c, a)
    if correction == "deferred":
        qc.cx(a, b)
        qc.cx(b, t)
        qc.h(b)
        qc.cz(b, c)
        qc.measure(a, m1)
        qc.measure(b, m2)
    else:
        qc.measure(a, m1)
        with qc.if_test((m1, 1)):
            qc.x(b)
        qc.cx(b, t)
        qc.h(b)
        qc.measure(b, m2)
        with qc.if_test((m2, 1)):
            qc.z(c)
    if reset:
        qc.reset(a)
        qc.reset(b)
    return qc


def remote_cnot_circuit(
    control_state: StateSpec = "0",
    target_state: StateSpec = "0",
    resource: PairSpec = None,
    *,
    correction: Correction = "dynamic",
    names: tuple[str, str] = ("alice", "bob"),
) -> QuantumCircuit:
    """A remote CNOT between Alice's ``<a>_data`` (control) and Bob's ``<b>_data`` (target).

    The inputs are product states (labels, (theta, phi), or 1-qubit circuits). No output
    measurement is appended: metadata ``pair`` = [control, target] indices, ready for
    :func:`qnet_circuits.library.measurement.pauli_basis_circuits` (e.g. ``|+>|0>`` -> Phi+) or
    a Z readout (truth table). Registers: ``<a>_data``, ``<b>_data``, ``<a>_mem``, ``<b>_mem``,
    ``src_anc`` (noisy resource only, at no node), ``cnot_bits`` (m1 from Alice, m2 from Bob).
    """
    _check_correction(correction)
    for n in names:
        if not isinstance(n, str) or not n.isidentifier():
            raise ValueError(f"names must be two identifiers, got {names!r}")
    coeffs = pair_coefficients(resource, name="resource")
    meta_states = []
    for label, s in (("control_state", control_state), ("target_state", target_state)):
        if isinstance(s, QuantumCircuit):
            _check_state_circuit(s)
            meta_states.append(s.name)
        else:
            try:
                angles = state_angles(s)
            except ValueError as exc:
                raise ValueError(f"{label}: {exc}") from None
            meta_states.append(s if isinstance(s, str) else list(angles))
    ctrl = QuantumRegister(1, f"{names[0]}_data")
    targ = QuantumRegister(1, f"{names[1]}_data")
    mem_a = QuantumRegister(1, f"{names[0]}_mem")
    mem_b = QuantumRegister(1, f"{names[1]}_mem")
    regs: list = [ctrl, targ, mem_a, mem_b]
    anc = None
    if coeffs != IDEAL:
        anc = QuantumRegister(2, "src_anc")
        regs.append(anc)
    bits = ClassicalRegister(2, "cnot_bits")
    qc = QuantumCircuit(*regs, bits, name="remote_cnot")
    prepare_pair(qc, mem_a[0], mem_b[0], anc, coeffs)
    append_state(qc, ctrl[0], control_state)
    append_state(qc, targ[0], target_state)
    append_remote_cnot(qc, ctrl[0], targ[0], mem_a[0], mem_b[0], bits, correction)
    qc.metadata = {
        "protocol": "remote_cnot",
        "nodes": {
            ctrl.name: names[0],
            mem_a.name: names[0],
            targ.name: names[1],
            mem_b.name: names[1],
        },
        "pair": [qc.find_bit(ctrl[0]).index, qc.find_bit(targ[0]).index],
        "inputs": meta_states,
        "resource": list(coeffs),
        "correction": correction,
    }
    return qc

