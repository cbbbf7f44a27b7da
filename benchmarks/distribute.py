"""Distributed-circuit benchmark (issue 16 item 1): partition time and ebit counts.

Prints, for each circuit, the ebits used after the cat-entangler rewrite (``remote="gates"``), with
qubit moves only (``"moves"``) and with the per-gate choice (``"auto"``, the default) beside the independent
reference count (non-local CX/CZ gates of the same lowered circuit under the same placement: the
ungrouped Eisert cost, one ebit per gate), and the same count under the naive contiguous
placement; then the issue's performance point (QFT(12) over 3 nodes: partition, rewrite with
reused communication qubits, 10,000 shots on Aer) with ideal ebits and with network ebits (the
exact Pauli-frame path of :mod:`qnet_circuits.protocols.distribute`), the noisy-network dynamic
circuit's time per shot, and, where ``qiskit-addon-cutting`` is installed
(``pip install -e ".[cutting]"``), the sampling overhead of cutting the same non-local gates.
Run: python benchmarks/distribute.py
"""

from __future__ import annotations

import os
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
    d = distribute(qc, n_nodes, remote="gates")
    dt = time.perf_counter() - t0
    low = transpile(qc, basis_gates=list(BASIS), optimization_level=0)
    naive = {q: q * n_nodes // qc.num_qubits for q in range(qc.num_qubits)}
    t1 = time.perf_counter()
    auto = distribute(qc, n_nodes, remote="auto")
    dt_auto = time.perf_counter() - t1
    moves = distribute(qc, n_nodes, remote="moves")
    print(f"{label:28s} nodes={n_nodes} ebits gates={d.ebits:5d} moves={moves.ebits:5d} "
          f"auto={auto.ebits:5d} ({len(auto.moves)} moves, {auto.ebits - len(auto.moves)} "
          f"teleported gates) nonlocal_gates={d.nonlocal_gates:5d} "
          f"(reference: nonlocal CX/CZ same placement={nonlocal_count(low, d.placement)}, "
          f"contiguous placement={nonlocal_count(low, naive)}) depth={d.depth} "
          f"time gates={dt:.2f}s auto={dt_auto:.2f}s")


def performance(shots: int = 10_000, noisy_shots: int = 5) -> None:
    """QFT(12) over 3 nodes, 10,000 shots: ideal ebits (deferred equivalent), network ebits through
    the exact Pauli-frame path (T1 = inf) and the exact channel form (T1 = 2 s), and the honest
    dynamic circuit's time per shot for comparison."""
    from qiskit import ClassicalRegister

    from qnet_circuits.network import chain
    from qnet_circuits.protocols.distribute import _frames
    from qnet_circuits.protocols.distribute_channels import sample_channels
    from qnet_circuits.run import AerRunner

    qc = QuantumCircuit(12)
    qc.x([0, 3, 7])
    qc.append(QFTGate(12), range(12))
    net = chain(2, 10.0, t2_s=1.0, end_names=("n0", "n2"))
    noisy = "network ebits (Werner 0.99, T2 1 s, 10 km, data waits)"
    werner = {"network": net, "link_fidelity": 0.99, "data_waits": True}
    t1_net = chain(2, 10.0, t1_s=2.0, t2_s=1.0, end_names=("n0", "n2"))
    t1 = {"network": t1_net, "link_fidelity": 0.99, "data_waits": True}
    t1_label = "network ebits (Werner 0.99, T1 2 s, T2 1 s, 10 km, data waits)"
    for label, kw, n_shots in (("ideal ebits, deferred equivalent", {"deferred": True}, shots),
                               (f"{noisy}, Pauli frames", werner, shots),
                               (f"{noisy}, dynamic", werner, noisy_shots),
                               (f"{t1_label}, channels", t1, shots),
                               (f"{t1_label}, dynamic", t1, noisy_shots)):
        t0, c0 = time.perf_counter(), time.process_time()
        d = distribute(qc, 3, reuse=True, max_open=1, **kw)
        t1 = time.perf_counter()
        if "frames" in label:
            _probs, form = _frames(d, net, AerRunner(), n_shots, 1)
            extra = f" [{form.split('): ')[1].split(',')[0]}]"
        elif "channels" in label:
            _probs, form = sample_channels(d, t1_net, 0.99, AerRunner(), n_shots, 1)
            extra = f" [{form.split('; ')[-1]}]"
        else:
            circ = d.circuit.copy()
            circ.add_register(ClassicalRegister(12, "out"))
            circ.measure(range(12), circ.cregs[-1])
            AerRunner().counts([circ], shots=n_shots, seed=1, network=kw.get("network"))
            extra = ""
        t2 = time.perf_counter()
        per_shot = (t2 - t1) / n_shots
        tail = (" (target < 30 s)" if n_shots == shots else
                f" = {per_shot * 1e3:.0f} ms/shot, {shots} shots ~ {per_shot * shots / 3600:.1f} h")
        print(f"QFT(12)/3 nodes {label}: {d.ebits} ebits, {d.qubits} qubits (data 12), depth "
              f"{d.depth}; partition+rewrite {t1 - t0:.2f}s, {n_shots} shots {t2 - t1:.2f}s, "
              f"total {t2 - t0:.2f}s (CPU {time.process_time() - c0:.2f}s, load "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores){extra}{tail}")


def cutting(qc: QuantumCircuit, n_nodes: int, label: str) -> None:
    """Sampling overhead of cutting the non-local gates (qiskit-addon-cutting) vs ebits."""
    try:
        from qiskit_addon_cutting import partition_problem
    except ImportError:
        print("qiskit-addon-cutting not installed: pip install -e '.[cutting]'")
        return
    d = distribute(qc, n_nodes)
    low = transpile(qc, basis_gates=list(BASIS), optimization_level=0)
    labels = "".join("ABCDEFGH"[d.placement[q]] for q in range(qc.num_qubits))
    parts = partition_problem(low, labels)
    overhead = 1.0
    for basis in parts.bases:
        overhead *= basis.overhead
    print(f"{label}: cutting {len(parts.bases)} gates -> sampling overhead {overhead:.3e} "
          f"(= 9^{len(parts.bases)} for CX/CZ); entanglement: {d.ebits} ebits, overhead 1")


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
    performance()
    cutting(qc, 3, "QFT(12)/3 nodes")
    cutting(random_cx(12, 200, seed=1), 3, "random CX n=12 m=200 /3 nodes")
    cutting(CDKMRippleCarryAdder(4), 2, "CDKM adder 4+4 bits /2 nodes")


if __name__ == "__main__":
    main()
