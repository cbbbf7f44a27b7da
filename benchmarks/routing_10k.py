"""Routing on a 10,000-node random geometric network: time per metric (issue 14: under 5 s).

    python benchmarks/routing_10k.py [--nodes 10000] [--k 3]

Prints the time to build the network, then for each metric the chosen path's hops, rate and
fidelity (closed forms) and the wall time of :func:`qnet_circuits.scheduler.routing.route`.
"""

from __future__ import annotations

import argparse
import math
import time

import networkx as nx

from qnet_circuits.network import random_geometric
from qnet_circuits.scheduler.routing import route


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--k", type=int, default=3, help="alternatives for the k-shortest run")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    radius = 1.2 * math.sqrt(math.log(args.nodes) / (math.pi * args.nodes))  # connected w.h.p.
    t0 = time.perf_counter()
    net = random_geometric(args.nodes, radius, size_km=1000.0, seed=args.seed, t1_s=10.0,
                           t2_s=1.0, gate_error=0.001)
    build = time.perf_counter() - t0
    g = net.graph
    giant = max(nx.connected_components(g), key=len)
    names = sorted(giant, key=lambda n: int(n[1:]))
    src, dst = names[0], names[-1]
    print(f"network: {args.nodes} nodes, {len(net.links)} links, radius {radius:.4f}, built in "
          f"{build:.2f} s; route {src} -> {dst}")
    worst = 0.0
    for metric, k in (("hops", 1), ("fidelity", 1), ("rate", 1), ("hops", args.k)):
        t0 = time.perf_counter()
        routes = route(net, src, dst, metric=metric, k=k)
        dt = time.perf_counter() - t0
        worst = max(worst, dt)
        r = routes[0]
        print(f"  {metric:8s} k={k}: {dt:6.2f} s  hops {r.hops}  length {r.length_km:.0f} km  "
              f"rate {r.rate_hz:.4g} Hz  fidelity {r.fidelity:.4f}  ({len(routes)} paths)")
    print(f"slowest routing call: {worst:.2f} s (target < 5 s)")


if __name__ == "__main__":
    main()
