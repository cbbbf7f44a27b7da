"""Marker instructions that carry physics into an ideal circuit.

A :class:`FiberTransit` marks the moment a photon qubit travels through fiber. Its definition is
the identity, so the circuit stays ideal; :func:`qnet_circuits.noise.noisy_circuit` replaces it with
the loss channel of the named link. Memory waits are plain :class:`qiskit.circuit.Delay`
instructions (unit ``"s"``).

>>> from qiskit import QuantumCircuit
>>> qc = QuantumCircuit(1)
>>> _ = qc.append(FiberTransit(5.0, "alice_bob"), [0])
>>> qc.data[0].operation.link, qc.data[0].operation.length_km
('alice_bob', 5.0)
"""

from __future__ import annotations

from qiskit.circuit import Gate, QuantumCircuit

FIBER_TRANSIT = "fiber_transit"


class FiberTransit(Gate):
    """A photon qubit crossing ``length_km`` of the fiber of link ``link`` (identity in the ideal circuit).

    Args:
        length_km: distance the photon travels, in km (>= 0).
        link: name of the :class:`~qnet_circuits.network.Link` whose fiber and detectors apply.
    """

    def __init__(self, length_km: float, link: str) -> None:
        if not length_km >= 0:
            raise ValueError(f"length_km must be >= 0, got {length_km!r}")
        super().__init__(FIBER_TRANSIT, 1, [float(length_km)], label=link)

    @property
    def link(self) -> str:
        """Name of the link this photon travels on."""
        return str(self.label)

    @property
    def length_km(self) -> float:
        """Distance travelled, in km."""
        return float(self.params[0])

    def _define(self) -> None:
        self.definition = QuantumCircuit(1, name=FIBER_TRANSIT)

    def inverse(self, annotated: bool = False) -> FiberTransit:  # noqa: ARG002
        return FiberTransit(self.length_km, self.link)
