"""What every runner shares: shot and binding-table checks, seed derivations, bit unpacking.

Used by :class:`~qnet_circuits.run.AerRunner` and by the device runners of ``qnet_hardware``, so
every runner reads its arguments and shapes its output the same way.

>>> from qiskit import QuantumCircuit
>>> from qiskit.circuit import Parameter
>>> t = Parameter("t")
>>> qc = QuantumCircuit(1, 1); _ = qc.ry(t, 0)
>>> table = binding_table(qc, {t: [0.0, 1.0, 2.0]})
>>> table.rows, table.row(1)
(3, {Parameter(t): 1.0})
>>> counts_from_bits(qc, {"c": np.array([[1], [0], [1]], dtype=np.uint8)}, 3)
{'0': 1, '1': 2}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.circuit import Parameter, QuantumCircuit

#: Aer seeds bound experiment b of one call with ``seed + 2113 b`` and shot k with ``+ k``, so more
#: shots per binding than this would reuse another binding's seeds; such tables run row by row.
MAX_SHOTS_PER_BINDING = 2113

#: Seeds a caller may pass: an int, a numpy SeedSequence (e.g. a spawned child), or None (fresh).
SeedLike = int | np.random.SeedSequence | None


def check_shots(shots: Any) -> int:
    """``shots`` as a positive int; ValueError naming the field otherwise."""
    if not isinstance(shots, int) or isinstance(shots, bool) or shots < 1:
        raise ValueError(f"shots must be a positive integer, got {shots!r}")
    return shots


def check_circuits(circuits: Any) -> list[QuantumCircuit]:
    """A list of circuits (a single QuantumCircuit is refused with the fix)."""
    if isinstance(circuits, QuantumCircuit):
        raise ValueError("circuits must be a list of circuits, got a single QuantumCircuit; "
                         "pass [circuit]")
    return list(circuits)


def circuit_seeds(seed: int | None, count: int) -> list[int | None]:
    """Per-circuit seeds of :meth:`Runner.run` / :meth:`Runner.counts`: independent and far apart
    (Aer seeds shot k with seed + k): ``SeedSequence(seed).generate_state(count, uint32) >> 1``."""
    if seed is None:
        return [None] * count
    if isinstance(seed, np.random.SeedSequence):
        raise ValueError("run() and counts() take an int seed (or None); SeedSequence seeds are "
                         "for run_bindings()")
    children = np.random.SeedSequence(seed).generate_state(count, dtype=np.uint32)
    return [int(s) >> 1 for s in children]


def chunk_seeds(seed: SeedLike, count: int) -> list[int | None]:
    """Seeds of the ``count`` Aer calls a binding table runs in (:meth:`Runner.run_bindings`):
    ``sequence.generate_state(count, uint64) >> 2`` with ``sequence = SeedSequence(seed)``, or
    ``seed`` itself when it is a SeedSequence. Seed k does not depend on ``count`` (numpy's
    SeedSequence words are a prefix-stable stream)."""
    if seed is None:
        return [None] * count
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [int(s) for s in sequence.generate_state(max(1, count), dtype=np.uint64)[:count] >> 2]


def row_seeds(seed: SeedLike, rows: int, shots: int) -> list[int | None]:
    """The Aer seed of every row of a binding table (:meth:`Runner.run_bindings`), which does not
    depend on how the table is split into Aer calls (chunks).

    With ``shots <= MAX_SHOTS_PER_BINDING`` row r gets ``s + 2113 r`` with ``s =
    chunk_seeds(seed, 1)[0]``: exactly the seed Aer gives binding r of one call seeded ``s``, so a
    chunk starting at row r is seeded ``s + 2113 r`` and every row sees the seeds it would see in
    one call. With more shots per row, rows run one per call and row r gets
    ``chunk_seeds(seed, rows)[r]`` (far apart). ``seed=None``: None (fresh entropy) for every row.

    >>> row_seeds(5, 3, 1)[1] - row_seeds(5, 3, 1)[0]
    2113
    >>> row_seeds(5, 2, 1)[0] == chunk_seeds(5, 1)[0] == row_seeds(5, 2, 3000)[0]
    True
    """
    if seed is None:
        return [None] * rows
    if shots > MAX_SHOTS_PER_BINDING:
        return chunk_seeds(seed, rows)
    (first,) = chunk_seeds(seed, 1)
    return [first + MAX_SHOTS_PER_BINDING * r for r in range(rows)]


@dataclass(frozen=True)
class BindingTable:
    """A validated binding table: one column of values per circuit Parameter, ``rows`` rows.

    Attributes:
        columns: Parameter -> float array of shape (rows,), in the circuit's parameter order.
        rows: number of rows (1 for a circuit without parameters and an empty table).
    """

    columns: Mapping[Parameter, np.ndarray]
    rows: int

    def row(self, k: int) -> dict[Parameter, float]:
        """``{parameter: value}`` of row ``k`` (for ``assign_parameters``)."""
        return {p: float(v[k]) for p, v in self.columns.items()}

    def matrix(self, order: Sequence[Parameter]) -> np.ndarray:
        """The table as a (rows, len(order)) array, columns in ``order`` (matched by name, since
        transpiled copies of a circuit keep the names)."""
        by_name = {p.name: v for p, v in self.columns.items()}
        if not order:
            return np.zeros((self.rows, 0))
        return np.column_stack([by_name[p.name] for p in order])


def binding_table(circuit: QuantumCircuit, bindings: Mapping[Parameter, Sequence[float]]) -> BindingTable:
    """Check ``bindings`` against ``circuit``: every circuit Parameter has a column, no column names
    a Parameter the circuit lacks, all columns have the same length >= 1, values are finite.
    An empty mapping is one row when the circuit has no parameters."""
    if not isinstance(bindings, Mapping):
        raise ValueError("bindings must be a mapping {Parameter: sequence of values}, got "
                         f"{type(bindings).__name__}")
    params = list(circuit.parameters)
    by_name = {p.name: p for p in params}
    extra = [str(k) for k in bindings if not isinstance(k, Parameter) or by_name.get(k.name) != k]
    if extra:
        raise ValueError(f"bindings name parameters the circuit does not have: {', '.join(extra)}")
    missing = [p.name for p in params if p not in bindings]
    if missing:
        raise ValueError(f"bindings must give values for every circuit parameter; missing: "
                         f"{', '.join(missing)}")
    columns: dict[Parameter, np.ndarray] = {}
    for p in params:
        column = np.asarray(bindings[p], dtype=float)
        if column.ndim != 1:
            raise ValueError(f"bindings[{p.name}] must be a 1-d sequence of values")
        if not np.isfinite(column).all():
            raise ValueError(f"bindings[{p.name}] must hold finite numbers")
        columns[p] = column
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"every parameter needs the same number of values, got lengths "
                         f"{sorted(lengths)}")
    rows = lengths.pop() if lengths else 1
    if rows < 1:
        raise ValueError("bindings must hold at least one row of values")
    return BindingTable(columns, rows)


def memory_to_bits(circuit: QuantumCircuit, memory: Sequence[str]) -> dict[str, np.ndarray]:
    """Split Aer/IBM per-shot bitstrings (``"c2 c1"``, registers in reverse order) by register."""
    regs = list(circuit.cregs)
    shots = len(memory)
    if not regs:
        return {}
    width = sum(r.size for r in regs) + len(regs) - 1
    raw = np.frombuffer("".join(memory).encode("ascii"), dtype=np.uint8)
    if raw.size != shots * width:
        raise ValueError("memory strings do not match the circuit's classical registers")
    table = raw.reshape(shots, width)
    out: dict[str, np.ndarray] = {}
    pos = 0
    for reg in reversed(regs):
        chunk = table[:, pos : pos + reg.size]
        out[reg.name] = (chunk[:, ::-1] - ord("0")).astype(np.uint8)
        pos += reg.size + 1
    return out


def counts_from_bits(circuit: QuantumCircuit, bits: Mapping[str, np.ndarray], shots: int) -> dict[str, int]:
    """Counts in the key format of :meth:`Runner.counts` from per-register bits (``ShotData.bits``):
    registers separated by one space, the last register first, each register's bits from its
    highest clbit down to clbit 0 (Qiskit's ``get_counts`` format); ``{"": shots}`` for a circuit
    without classical registers."""
    regs = list(circuit.cregs)
    if not regs:
        return {"": shots}
    columns = [np.asarray(bits[reg.name]).reshape(shots, reg.size)[:, ::-1] for reg in reversed(regs)]
    parts = []
    for k, col in enumerate(columns):
        if k:
            parts.append(np.full((shots, 1), ord(" ") - ord("0"), dtype=np.int16))
        parts.append(col.astype(np.int16))
    table = (np.concatenate(parts, axis=1) + ord("0")).astype(np.uint8)
    keys, counts = np.unique(table, axis=0, return_counts=True)
    return {bytes(key).decode("ascii"): int(c) for key, c in zip(keys, counts)}


__all__ = [
    "MAX_SHOTS_PER_BINDING",
    "BindingTable",
    "SeedLike",
    "binding_table",
    "check_circuits",
    "check_shots",
    "chunk_seeds",
    "circuit_seeds",
    "counts_from_bits",
    "memory_to_bits",
    "row_seeds",
]
