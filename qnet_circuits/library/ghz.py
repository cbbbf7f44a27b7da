"""GHZ distribution through a central node: n Bell pairs fused into an n-qubit GHZ state.

:func:`star_ghz_circuit`: the centre (register ``<center>_mem``, n qubits) shares one pair with
each end node (``<name>_mem``, 1 qubit; pair j Bell-diagonal, prepared by
:func:`~qnet_circuits.library.swapping.prepare_pair` on two shared ancillas that are reset).
The centre measures its halves in the GHZ basis: CX from its first qubit onto the others, Z
readout of qubits 2..n into ``fuse`` and X readout of the first into ``xbit``; end node j >= 2
applies X when ``fuse[j-2]`` is 1, end node 1 applies Z when ``xbit`` is 1 (``if_test``), so the
end qubits hold ``(|0..0> + |1..1>)/sqrt 2``. ``correction="deferred"`` replaces the readout and
the ``if_test`` by CX / CZ from the centre's qubits (devices without control flow).

:func:`ghz_setting`: readout of the end qubits into ``ghz`` in the Z basis (``"Z"``) or of
``cos(phi) X + sin(phi) Y`` on every qubit (``phi`` a float): the fidelity is
``(P(0..0) + P(1..1))/2 + (1/2n) sum_k (-1)^k <M(k pi/n)^(x)n>`` (:func:`ghz_settings`).

>>> qc = star_ghz_circuit([(1, 0, 0, 0)] * 3, ["u1", "u2", "u3"])
>>> qc.num_qubits, [r.name for r in qc.cregs], qc.metadata["ends"]
(8, ['fuse', 'xbit'], [3, 4, 5])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qnet_circuits.library.options import CORRECTIONS
from qnet_circuits.library.swapping import prepare_pair

__all__ = ["ghz_setting", "ghz_settings", "star_ghz_circuit"]


def star_ghz_circuit(links: Sequence[Sequence[float]], names: Sequence[str], *,
                     center: str = "hub", correction: str = "dynamic") -> QuantumCircuit:
    """n-node GHZ state at the end nodes ``names`` from the n ``links`` (Bell coefficients
    (A, B, C, D), end node j with the centre), fused at ``center``; no end readout."""
    n = len(names)
    if n < 2:
        raise ValueError(f"GHZ distribution needs at least 2 end nodes, got {n}")
    if len(links) != n:
        raise ValueError(f"{n} end nodes need {n} links to the centre, got {len(links)}")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}, got {correction!r}")
    if center in names or len(set(names)) != n:
        raise ValueError(f"end node names must be distinct and differ from the centre {center!r}")
    hub = QuantumRegister(n, f"{center}_mem")
    ends = [QuantumRegister(1, f"{name}_mem") for name in names]
    anc = QuantumRegister(2, "link_anc")
    qc = QuantumCircuit(hub, *ends, anc, name=f"star_ghz_{n}")
    for j, coeffs in enumerate(links):
        prepare_pair(qc, hub[j], ends[j][0], anc, coeffs)
    qc.barrier()
    for j in range(1, n):
        qc.cx(hub[0], hub[j])
    qc.h(hub[0])
    if correction == "dynamic":
        fuse, xbit = ClassicalRegister(n - 1, "fuse"), ClassicalRegister(1, "xbit")
        qc.add_register(fuse)
        qc.add_register(xbit)
        for j in range(1, n):
            qc.measure(hub[j], fuse[j - 1])
        qc.measure(hub[0], xbit[0])
        for j in range(1, n):
            with qc.if_test((fuse[j - 1], 1)):
                qc.x(ends[j][0])
        with qc.if_test((xbit[0], 1)):
            qc.z(ends[0][0])
    else:
        for j in range(1, n):
            qc.cx(hub[j], ends[j][0])
        qc.cz(hub[0], ends[0][0])
    qc.metadata = {"protocol": "star_ghz", "heralds": [], "center": center,
                   "nodes": {hub.name: center, **{r.name: nm for r, nm in zip(ends, names)}},
                   "ends": [qc.find_bit(r[0]).index for r in ends], "correction": correction}
    return qc


def ghz_setting(circuit: QuantumCircuit, setting: str | float) -> QuantumCircuit:
    """``circuit`` plus the readout of its end qubits into ``ghz``: ``"Z"``, or the observable
    ``cos(phi) X + sin(phi) Y`` on every end qubit for ``setting = phi`` (rad)."""
    qc = circuit.copy()
    ends = [qc.qubits[i] for i in circuit.metadata["ends"]]
    out = ClassicalRegister(len(ends), "ghz")
    qc.add_register(out)
    if setting != "Z":
        phi = float(setting)
        for q in ends:
            qc.p(-phi, q)
            qc.h(q)
    qc.measure(ends, out)
    qc.metadata = {**circuit.metadata, "setting": setting,
                   "ideal_measurements": [*circuit.metadata.get("ideal_measurements", []), "ghz"]}
    return qc


def ghz_settings(n: int) -> list[str | float]:
    """The n + 1 settings of the fidelity estimate: ``"Z"`` and ``k pi / n`` for k < n.

    >>> [round(s, 4) if s != "Z" else s for s in ghz_settings(2)]
    ['Z', 0.0, 1.5708]
    """
    return ["Z", *[k * math.pi / n for k in range(n)]]
