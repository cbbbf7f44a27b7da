"""Measure the two ways issue 4 allows to sample attempt counts, on the same physics.

* ``while_loop``: every shot samples its own attempt counts inside the circuit. One loop per link
  repeats an attempt (a herald coin with the link's success probability) until it succeeds, and
  every memory already holding a pair waits one cycle time per iteration (a Delay inside the loop,
  which the core noise pass turns into T1/T2). All 2N memories exist at once: no reuse. This
  prototype generates the links one after the other (waits add up instead of taking the maximum
  of parallel attempts), so it is a cost measurement of per-shot loops, not the scheduler's
  physics; a parallel-time version needs the same width plus per-link flags in one loop.
* ``batched``: :func:`qnet_circuits.protocols.chain.simulate` samples the attempt counts in numpy and
  runs one template circuit with one parameter binding per realization (the scheduler's choice).

Prints wall time per delivered end-to-end pair and the circuit width for N = 2, 4, 8 links
(double-click, 25 km links, T1 = 1 s, T2 = 0.5 s, Werner links F = 0.97, sequential swapping).
Run: ``python benchmarks/while_loop_vs_batched.py``.
"""

from __future__ import annotations

import math
import statistics
import time

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qnet_circuits import physics
from qnet_circuits.library.generation import prepare_bell_diagonal
from qnet_circuits.network import chain
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.run import AerRunner
from qnet_circuits.scheduler import ChainPlan

LENGTH_KM, F_LINK, T1, T2 = 25.0, 0.97, 1.0, 0.5


def while_loop_circuit(n_links: int) -> QuantumCircuit:
    """Links generated one loop each; stored memories wait one cycle per attempt of later links."""
    net = chain(n_links, LENGTH_KM, t1_s=T1, t2_s=T2)
    link = net.links[0]
    p = physics.double_click(link.arm_efficiency)[0]
    tau = link.cycle_time_s
    names = [n.name for n in net.nodes]
    regs, nodes = [], {}
    for i in range(n_links):
        left, right = QuantumRegister(1, f"{names[i]}_L{i}"), QuantumRegister(1, f"{names[i + 1]}_R{i}")
        regs += [left, right]
        nodes[left.name], nodes[right.name] = names[i], names[i + 1]
    anc = QuantumRegister(2, "anc")
    coin = QuantumRegister(1, "coin")
    herald = ClassicalRegister(1, "herald")
    out = ClassicalRegister(2, "pair")
    qc = QuantumCircuit(*regs, anc, coin, herald, out)
    theta = 2 * math.asin(math.sqrt(p))
    for i in range(n_links):
        stored = [q for r in regs[: 2 * i] for q in r]
        qc.reset(coin)
        qc.ry(theta, coin)
        qc.measure(coin, herald)
        with qc.while_loop((herald, 0)):
            for q in stored:
                qc.delay(tau, q, unit="s")
            qc.reset(coin)
            qc.ry(theta, coin)
            qc.measure(coin, herald)
        prepare_bell_diagonal(qc, regs[2 * i][0], regs[2 * i + 1][0], list(anc),
                              physics.werner_coefficients(F_LINK))
    # sequential swaps, deferred corrections, then ZZ readout of the end pair
    first = regs[0][0]
    for i in range(1, n_links):
        b, c, d = regs[2 * i - 1][0], regs[2 * i][0], regs[2 * i + 1][0]
        qc.cx(b, c)
        qc.h(b)
        qc.cx(c, d)
        qc.cz(b, d)
    qc.measure(first, out[0])
    qc.measure(regs[-1][0], out[1])
    qc.metadata = {"nodes": nodes}
    return qc, net


def main() -> None:
    runner = AerRunner()
    print(f"{'links':>5} {'method':>10} {'qubits':>6} {'ms/pair':>9}")
    for n in (2, 4, 8):
        qc, net = while_loop_circuit(n)
        shots = 300
        times = []
        for rep in range(3):
            start = time.perf_counter()
            runner.run([qc], shots=shots, seed=11 + 1000 * rep, network=net)
            times.append((time.perf_counter() - start) / shots * 1e3)
        print(f"{n:>5} {'while_loop':>10} {qc.num_qubits:>6} {statistics.median(times):>9.3f}")
        times = []
        for rep in range(3):
            res = simulate(net, ChainPlan(link_fidelity=F_LINK), realizations=1000,
                           seed=11 + 1000 * rep)
            times.append(res.wall_s / res.realizations * 1e3)
        print(f"{n:>5} {'batched':>10} {res.qubits:>6} {statistics.median(times):>9.3f}")


if __name__ == "__main__":
    main()
