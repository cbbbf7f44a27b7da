"""Repeater-chain scaling: wall time per end-to-end pair and circuit width, and the issue's targets.

Prints, for N = 2, 4, ..., 1024 links (25 km each, T1 = 1 s, T2 = 0.5 s memories, sampled
timing, sequential swapping), the wall time per delivered pair and the circuit width; then the
three targets (2 cores):

1. 8 links with heralding, sampled timing and T1/T2 memories: <= 1 ms of wall time per pair;
2. 10,000 links with gate-level swaps and deterministic timing: < 60 s;
3. 1,024 links with sampled timing and T1/T2, 1,000 pairs: < 60 s;

and a 64-link chain with noise (gate and readout errors, T1/T2) in under a minute. Each figure
is the median of ``--repeats`` runs (default 3; 1 for the two long targets unless
``--repeats-long``). ``QNET_QUICK=1`` (or ``--quick``) runs a reduced version.

Usage::

    python benchmarks/chain_scaling.py [--quick] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from qnet_circuits.network import Fiber, Link, Memory, Network, Node, chain
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.scheduler import ChainPlan

T1, T2 = 1.0, 0.5


def timed(fn, repeats: int):
    """(median wall s, last result) over ``repeats`` runs."""
    walls, res = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        res = fn()
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), res


def noisy_chain(n: int, length_km: float) -> Network:
    """n links; repeaters with gate error 0.01 and readout error 0.01; T1/T2 memories."""
    names = ["alice", *[f"r{i}" for i in range(1, n)], "bob"]
    mem = Memory(T1, T2)
    nodes = tuple(
        Node(nm, "end", mem) if k in (0, n) else Node(nm, "repeater", mem, 0.01, 0.01)
        for k, nm in enumerate(names)
    )
    links = tuple(Link(names[k], names[k + 1], Fiber(length_km)) for k in range(n))
    return Network(nodes, links)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (also QNET_QUICK=1)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--repeats-long", type=int, default=1, help="runs of the long targets")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    quick = args.quick or os.environ.get("QNET_QUICK") == "1"
    reps = 1 if quick else args.repeats
    print(f"chain_scaling on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores{' (quick)' if quick else ''}")

    print("\nwall time per end-to-end pair (25 km links, double-click, T1=1 s, T2=0.5 s, "
          "sampled timing, sequential):")
    print(f"{'links':>6} {'pairs':>6} {'qubits':>6} {'wall s':>8} {'ms/pair':>9} {'fidelity':>16}")
    sizes = [2**k for k in range(1, 11)]
    if quick:
        sizes = [2, 4, 8, 16, 64]
    for n in sizes:
        pairs = 2000 if n <= 16 else 500 if n <= 128 else 100
        if quick:
            pairs = min(pairs, 300)
        net = chain(n, 25.0, t1_s=T1, t2_s=T2)
        wall, res = timed(lambda net=net, pairs=pairs: simulate(
            net, ChainPlan(), realizations=pairs, seed=args.seed), reps)
        print(f"{n:>6} {res.realizations:>6} {res.qubits:>6} {wall:>8.2f} "
              f"{1e3 * wall / res.realizations:>9.3f} {res.fidelity.value:>8.4f} ± "
              f"{res.fidelity.stderr:.4f}")

    print("\ntargets:")
    # 1. 8 links, heralding, sampled timing, T1/T2: <= 1 ms per pair
    pairs = 600 if quick else 5000
    for scheme in ("double-click", "single-click"):
        net = chain(8, 25.0, scheme=scheme, t1_s=T1, t2_s=T2)
        wall, res = timed(lambda net=net: simulate(net, ChainPlan(), realizations=pairs,
                                                   seed=args.seed), reps)
        per = 1e3 * wall / res.realizations
        verdict = "met" if per <= 1.0 else "MISSED"
        print(f"  [1] 8 links {scheme}, T1/T2, sampled timing: {per:.3f} ms per pair "
              f"({res.realizations} pairs, {res.qubits} qubits, {res.method}): {verdict} (<= 1 ms)")

    # 2. 10,000 links, gate-level swaps, deterministic timing: < 60 s
    n_long = 1000 if quick else 10_000
    pairs = 300
    for strategy in ("asap", "sequential"):
        net = chain(n_long, 25.0, scheme="double-click", t2_s=10.0)
        wall, res = timed(lambda net=net, strategy=strategy: simulate(
            net, ChainPlan(strategy=strategy, timing="deterministic"), realizations=pairs,
            seed=args.seed), args.repeats_long)
        verdict = "met" if wall < 60 else "MISSED"
        print(f"  [2] {n_long} links {strategy}, deterministic timing, T2 = 10 s: {wall:.1f} s for "
              f"{pairs} pairs ({res.qubits} qubits, {res.method}, F = {res.fidelity.value:.3f} ± "
              f"{res.fidelity.stderr:.3f}): {verdict} (< 60 s)")

    # 3. 1,024 links, sampled timing, T1/T2, 1,000 pairs: < 60 s
    n3, pairs = (128, 200) if quick else (1024, 1000)
    for scheme in ("midpoint", "double-click"):
        net = chain(n3, 25.0, scheme=scheme, t1_s=T1, t2_s=T2)
        wall, res = timed(lambda net=net: simulate(net, ChainPlan(), realizations=pairs,
                                                   seed=args.seed), args.repeats_long)
        verdict = "met" if wall < 60 else "MISSED"
        print(f"  [3] {n3} links {scheme}, T1/T2, sampled timing: {wall:.1f} s for "
              f"{res.realizations} pairs ({1e3 * wall / res.realizations:.1f} ms/pair, "
              f"{res.qubits} qubits): {verdict} (< 60 s)")

    # 64 links with noise
    net = noisy_chain(64, 25.0)
    wall, res = timed(lambda: simulate(net, ChainPlan(link_fidelity=0.99), realizations=1000,
                                       seed=args.seed), reps)
    verdict = "met" if wall < 60 else "MISSED"
    print(f"  [*] 64 links, gate/readout error 0.01, T1/T2, Werner 0.99: {wall:.1f} s for "
          f"{res.realizations} pairs, F = {res.fidelity.value:.4f} ± {res.fidelity.stderr:.4f}: "
          f"{verdict} (< 60 s)")


if __name__ == "__main__":
    main()
