"""The entanglement switch's swap as a circuit: two stored link pairs, their memory waits, a BSM.

User a's link pair (``<a>_mem``, ``<switch>_mem[0]``) waited ``wait_a_s`` in memory and user b's
(``<switch>_mem[1]``, ``<b>_mem``) ``wait_b_s``; both halves of each pair wait (a Delay on each,
which the noise pass turns into the nodes' T1/T2). The switch then measures its two qubits in
the Bell basis and b's memory is corrected (:func:`~qnet_circuits.library.swapping.append_swap`),
leaving (a, b) in Phi+ for ideal inputs. Pairs are Werner states of ``fidelity`` prepared with
two noiseless ancillas (``src_anc``, at no node). Closed form:
:func:`qnet_circuits.physics.switch_pair_fidelity`.

>>> qc = switch_swap_circuit(0.9, 0.01, 0.0)
>>> [r.name for r in qc.qregs], qc.metadata["pair"], qc.count_ops()["delay"]
(['u_a_mem', 'switch_mem', 'u_b_mem', 'src_anc'], [0, 3], 2)
"""

from __future__ import annotations

from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qnet_circuits.library.options import CORRECTIONS
from qnet_circuits.library.swapping import append_swap, pair_coefficients, prepare_pair

__all__ = ["switch_swap_circuit"]


def switch_swap_circuit(fidelity: float, wait_a_s: float, wait_b_s: float, *,
                        users: tuple[str, str] = ("u_a", "u_b"), switch: str = "switch",
                        correction: str = "dynamic") -> QuantumCircuit:
    """Two Werner link pairs, memory waits ``wait_a_s`` / ``wait_b_s`` (s), the switch's BSM.

    Metadata: ``nodes`` (register -> node), ``pair`` (the two user qubits), ``protocol`` =
    ``"switch"``, ``waits_s``, ``correction``.
    """
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}, got {correction!r}")
    for name in (*users, switch):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"node names must be identifiers, got {name!r}")
    if len({*users, switch}) != 3:
        raise ValueError("the two users and the switch need three different names")
    waits = []
    for label, w in (("wait_a_s", wait_a_s), ("wait_b_s", wait_b_s)):
        w = float(w)
        if not w >= 0 or w == float("inf"):
            raise ValueError(f"{label} must be a finite time >= 0 (s), got {w!r}")
        waits.append(w)
    coeffs = pair_coefficients(fidelity, name="fidelity")
    ua, sw = QuantumRegister(1, f"{users[0]}_mem"), QuantumRegister(2, f"{switch}_mem")
    ub, anc = QuantumRegister(1, f"{users[1]}_mem"), QuantumRegister(2, "src_anc")
    bsm = ClassicalRegister(2, f"{switch}_bsm")
    qc = QuantumCircuit(ua, sw, ub, anc, bsm, name="switch_swap")
    prepare_pair(qc, ua[0], sw[0], anc, coeffs)
    prepare_pair(qc, sw[1], ub[0], anc, coeffs)
    for (q1, q2), w in zip(((ua[0], sw[0]), (sw[1], ub[0])), waits, strict=True):
        if w > 0:
            qc.delay(w, q1, unit="s")
            qc.delay(w, q2, unit="s")
    append_swap(qc, sw[0], sw[1], ub[0], bsm, correction)
    qc.metadata = {
        "protocol": "switch",
        "nodes": {ua.name: users[0], sw.name: switch, ub.name: users[1]},
        "pair": [qc.find_bit(ua[0]).index, qc.find_bit(ub[0]).index],
        "waits_s": waits,
        "correction": correction,
    }
    return qc
