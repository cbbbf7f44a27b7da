"""Pauli-frame form of a distributed circuit: the exact fast path for Pauli (Bell-diagonal) ebits.

A teleported group through an ebit whose half b carries a Pauli error is the ideal group followed
by a Pauli on the data (:mod:`qnet_circuits.physics.distributed`): X_b -> X on every CX target
(Z on every CZ target) after each of the group's gates, Z_b -> Z on the control (before its first
gate; Z commutes with the group), Y_b -> both. When every ebit is exactly a Bell-diagonal mixture
(T1 = inf: dephasing waits, Werner or framed heralded links, Pauli BSM noise, readout flips),
the dynamic circuit's output is therefore exactly the mixture, over the ebits' independent
Pauli errors, of the monolithic circuit with those Paulis inserted. :func:`frame_template`
builds that circuit once with an angle Parameter per error (``rx``/``rz`` of 0 or pi, equal to
the Pauli up to a global phase); :func:`frame_bindings` turns sampled patterns
(:func:`~qnet_circuits.physics.distributed.sample_pauli_patterns`) into its binding table, so
all distinct patterns of a run go to the simulator as one mid-circuit-free template.
A qubit move (:mod:`~qnet_circuits.library.distributed.moves`) through an ebit with Pauli P on b
delivers P on the moved qubit: its slots ``x<k>`` (``rx``) and ``z<k>`` (``rz``) sit on that
qubit just before the operation the move precedes (Y_b sets both), in the same binding columns.
``idles``: extra dephasing locations ``(operation index, qubit)``: a Z just before that operation
(index ``len(lowered.data)``: at the end), the data qubits' waits of ``distribute(data_waits=True)``.

>>> from qiskit import QuantumCircuit
>>> from qnet_circuits.library.distributed import distribute
>>> qc = QuantumCircuit(2); _ = qc.h(0); _ = qc.cx(0, 1)
>>> d = distribute(qc, 2, {0: 0, 1: 1})
>>> t, params = frame_template(d, [0], idles=[(1, 0)])
>>> [p.name for p in params], t.num_qubits, t.cregs[0].name
(['x0', 'z0', 'w0'], 2, 'out')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter

__all__ = ["frame_bindings", "frame_template"]


def _positions(dist, noisy: Sequence[int]) -> tuple[dict, dict]:
    """(operation index -> [(param key, qubit, pauli)] before it, index -> [(key, qubit, pauli)] after)."""
    before: dict[int, list] = {}   # slots before an operation: (key or Parameter, qubit, "X"|"Z")
    after: dict[int, list] = {}
    for k in noisy:
        group = dist.groups[k]
        if "move" in group:   # a moved qubit: X and Z slots just before the operation
            before.setdefault(group["at"], []).extend(
                [(("x", k), group["move"], "X"), (("z", k), group["move"], "Z")])
            continue
        first = min(i for i, _t, _p in group["hits"])
        before.setdefault(first, []).append((("z", k), group["control"], "Z"))
        for i, t, pauli in group["hits"]:
            after.setdefault(i, []).append((("x", k), t, pauli))
    return before, after


def frame_template(dist, noisy: Sequence[int], idles: Sequence[tuple[int, int]] = ()
                   ) -> tuple[QuantumCircuit, list[Parameter]]:
    """The monolithic (lowered) circuit of ``dist`` with a Pauli slot per error, data measured
    into register ``out``; returns it and its Parameters in :func:`frame_bindings` column order
    (``x<k>``, ``z<k>`` for each ebit k in ``noisy``, then ``w<j>`` for each idle location)."""
    low = dist.lowered
    params = {("x", k): Parameter(f"x{k}") for k in noisy} | {("z", k): Parameter(f"z{k}") for k in noisy}
    waits = [Parameter(f"w{j}") for j in range(len(idles))]
    before, after = _positions(dist, noisy)
    for j, (i, q) in enumerate(idles):
        before.setdefault(i, []).append((waits[j], q, "Z"))
    data = QuantumRegister(low.num_qubits, "q")
    out = ClassicalRegister(low.num_qubits, "out")
    qc = QuantumCircuit(data, out, name=f"{low.name}_frames")
    for i, inst in enumerate(low.data):
        for key, c, pauli in before.get(i, []):
            (qc.rx if pauli == "X" else qc.rz)(params[key] if isinstance(key, tuple) else key, data[c])
        if inst.operation.name != "barrier":
            qc.append(inst.operation, [data[low.find_bit(q).index] for q in inst.qubits])
        for key, t, pauli in after.get(i, []):
            angle = params[key] if isinstance(key, tuple) else key
            (qc.rx if pauli == "X" else qc.rz)(angle, data[t])
    for key, q, pauli in before.get(len(low.data), []):
        (qc.rx if pauli == "X" else qc.rz)(params[key] if isinstance(key, tuple) else key, data[q])
    qc.measure(data, out)
    order = [params[(s, k)] for k in noisy for s in ("x", "z")] + waits
    return qc, order


def frame_bindings(patterns: np.ndarray, n_noisy: int) -> np.ndarray:
    """Angles (rows: patterns; columns: :func:`frame_template` order) from slot codes
    (columns < ``n_noisy``: 0 I, 1 Y_b, 2 X_b, 3 Z_b) and idle Z flags (the rest).

    >>> frame_bindings(np.array([[1, 3, 1]]), 2).round(3).tolist()
    [[3.142, 3.142, 0.0, 3.142, 3.142]]
    """
    codes = np.asarray(patterns, dtype=np.int64)
    cols = []
    for k in range(n_noisy):
        cols.append(np.isin(codes[:, k], (1, 2)))   # X_b or Y_b: the targets' Pauli
        cols.append(np.isin(codes[:, k], (1, 3)))   # Z_b or Y_b: Z on the control
    cols += [codes[:, j] == 1 for j in range(n_noisy, codes.shape[1])]
    if not cols:
        return np.zeros((codes.shape[0], 0))
    return math.pi * np.stack(cols, axis=1).astype(float)
