"""Runners: execute protocol circuits and return per-register shot data.

A :class:`Runner` takes *ideal* circuits plus (optionally) the network whose physics should act.
:class:`AerRunner` applies the noise passes of :mod:`qnet_circuits.noise` and picks the simulation
method per circuit; hardware runners (``qnet_hardware``) ignore the network, since the device's
own noise is the noise. Other runners register under the entry-point group
``qnet_circuits.runners`` and are found by :func:`get_runner` without the core importing them.
Nothing outside this package and ``qnet_hardware`` creates a simulator or a Sampler.

Modules: :mod:`~qnet_circuits.run.base` (argument checks, seeds, bit unpacking shared by every
runner), :mod:`~qnet_circuits.run.methods` (Aer method choice), :mod:`~qnet_circuits.run.aer`
(:class:`AerRunner`), :mod:`~qnet_circuits.run.exact` (exact heralded density matrices).

>>> from qiskit import QuantumCircuit
>>> qc = QuantumCircuit(2, 2); _ = qc.h(0); _ = qc.cx(0, 1); _ = qc.measure([0, 1], [0, 1])
>>> data = AerRunner().run([qc], shots=100, seed=7)[0]
>>> data.bits["c"].shape, bool((data.bits["c"][:, 0] == data.bits["c"][:, 1]).all())
((100, 2), True)
>>> data.metadata["method"]
'stabilizer'
>>> sorted(AerRunner().counts([qc], shots=100, seed=7)[0])
['00', '11']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from qiskit.circuit import Parameter, QuantumCircuit

from qnet_circuits.network import Network
from qnet_circuits.results import ShotData
from qnet_circuits.run.aer import MAX_BOUND_OPERATIONS, AerRunner
from qnet_circuits.run.base import (
    MAX_SHOTS_PER_BINDING,
    BindingTable,
    SeedLike,
    binding_table,
    chunk_seeds,
    circuit_seeds,
    counts_from_bits,
    memory_to_bits,
    row_seeds,
)
from qnet_circuits.run.exact import defer_measurements, heralded_density_matrix
from qnet_circuits.run.methods import (
    CLIFFORD_GATES,
    DENSITY_MATRIX_MAX_QUBITS,
    STATEVECTOR_MAX_QUBITS,
    choose_method,
    is_dynamic,
    iter_operations,
)


@runtime_checkable
class Runner(Protocol):
    """Executes circuits; the same analysis runs on every runner's output.

    Every method validates ``shots`` (a positive int) and returns results in input order.
    ``network`` is the physics to simulate (simulators) and is ignored by devices.
    """

    name: str

    def run(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        shots: int,
        seed: int | None = None,
        network: Network | None = None,
    ) -> list[ShotData]:
        """Run ``circuits`` (ideal, with markers) for ``shots`` each; one ShotData per circuit."""
        ...

    def run_bindings(
        self,
        circuit: QuantumCircuit,
        bindings: Mapping[Parameter, Sequence[float]],
        *,
        shots: int,
        seed: SeedLike = None,
        network: Network | None = None,
    ) -> list[ShotData]:
        """Run one template for a binding table: ``bindings`` maps every circuit Parameter to L
        values (an empty mapping: one row of a parameter-free circuit). Returns L ShotData; row k
        is the circuit bound with row k, ``shots`` shots, ``metadata["row"] == k``, and
        ``saved`` holds what row k saved (simulators). ``seed``: an int or a numpy SeedSequence."""
        ...

    def counts(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        shots: int,
        seed: int | None = None,
        network: Network | None = None,
    ) -> list[dict[str, int]]:
        """Counts only (no per-shot memory), one dict per circuit, keys as
        :func:`~qnet_circuits.run.base.counts_from_bits`: ``"b1b0 a0"`` for registers a (1 bit)
        then b (2 bits); ``{"": shots}`` without classical registers. Same seed rule as
        :meth:`run`, so the counts are the tallies of ``run``'s shots."""
        ...


def get_runner(name: str = "aer", **options) -> Runner:
    """A runner by name: ``"aer"`` here; others from the ``qnet_circuits.runners`` entry points
    (``qnet-hardware`` registers fake IBM devices and real devices)."""
    if name in ("aer", "local"):
        return AerRunner(**options)
    factories: dict[str, Callable[..., Runner]] = {}
    for ep in entry_points(group="qnet_circuits.runners"):
        factories[ep.name] = ep.load()
    if "ibm" in factories:
        return factories["ibm"](name, **options)
    raise ValueError(
        f"unknown backend {name!r}: only 'aer' is available; install the hardware adapter "
        "(pip install -e hardware) for fake_<device> and IBM devices"
    )


def shots_needed(stderr: float, variance: float = 1.0) -> int:
    """Shots giving ``stderr`` for a quantity of per-shot ``variance`` (planning helper)."""
    if stderr <= 0:
        raise ValueError("stderr must be > 0")
    return int(math.ceil(variance / stderr**2))


__all__ = [
    "CLIFFORD_GATES",
    "DENSITY_MATRIX_MAX_QUBITS",
    "MAX_BOUND_OPERATIONS",
    "MAX_SHOTS_PER_BINDING",
    "STATEVECTOR_MAX_QUBITS",
    "AerRunner",
    "BindingTable",
    "Runner",
    "SeedLike",
    "binding_table",
    "choose_method",
    "chunk_seeds",
    "row_seeds",
    "circuit_seeds",
    "counts_from_bits",
    "defer_measurements",
    "get_runner",
    "heralded_density_matrix",
    "is_dynamic",
    "iter_operations",
    "memory_to_bits",
    "shots_needed",
]
