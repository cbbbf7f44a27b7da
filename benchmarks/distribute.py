"""Distributed-circuit benchmark (issue 16 item 1): partition time and ebit counts.

Prints, for each circuit, the ebits used after the cat-entangler rewrite beside the independent
reference count (non-local CX/CZ gates of the same lowered circuit under the same placement: the
ungrouped Eisert cost, one ebit per gate), and the same count under the naive contiguous placement.
Run: python benchmarks/distribute.py
"""

from __future__ import annotations

import random
import time

from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import CDKMRippleCarryAdder, QFTGate

from qnet_circuits.library.distributed import distribute, nonlocal_count, place
from qnet_circuits.library.distributed.rewrite import BASIS


def random_cx(n_qubits: int, n_cx: int, seed: int) -> QuantumCircuit:
    rng = random.Random(seed)
    qc = QuantumCircuit(n_qubits)
    for _ in range(n_cx):
        a, b = rng.sample(range(n_qubits), 2)
        qc.h(a)
        qc.cx(a, b)
    return qc


def report(label: str, qc: QuantumCircuit, n_nodes: int) -> None:
    t0 = time.perf_counter()
    d = distribute(qc, n_nodes)
    dt = time.perf_counter() - t0
    low = transpile(qc, basis_gates=list(BASIS), optimization_level=0)
    naive = {q: q * n_nodes // qc.num_qubits for q in range(qc.num_qubits)}
    print(f"{label:28s} nodes={n_nodes} ebits={d.ebits:5d} nonlocal_gates={d.nonlocal_gates:5d} "
          f"(reference: nonlocal CX/CZ same placement={nonlocal_count(low, d.placement)}, "
          f"contiguous placement={nonlocal_count(low, naive)}) depth={d.depth} time={dt:.2f}s")


def main() -> None:
    qc = QuantumCircuit(12)
    qc.append(QFTGate(12), range(12))
    report("QFT(12)", qc, 3)
    report("random CX n=12 m=200", random_cx(12, 200, seed=1), 3)
    report("CDKM adder 4+4 bits", CDKMRippleCarryAdder(4), 2)
    big = random_cx(100, 2000, seed=2)
    t0 = time.perf_counter()
    p = place(big, 8, seed=0)
    print(f"partition 100 qubits, 2000 CX, 8 nodes: {time.perf_counter() - t0:.2f}s (target < 5 s), "
          f"nonlocal={nonlocal_count(big, p)} vs contiguous="
          f"{nonlocal_count(big, {q: q * 8 // 100 for q in range(100)})}")


if __name__ == "__main__":
    main()
