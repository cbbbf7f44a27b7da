"""Many requests at once on a random network: wall time and per-request figures (issue 14:
a 100-node random geometric network, 20 simultaneous requests, sampled timing and T1/T2
memories, 200 delivered pairs per request, under 60 s on 2 cores).

    python benchmarks/network_requests.py [--nodes 100] [--requests 20] [--pairs 200]
                                          [--policy fair] [--quick]

Builds a seeded random geometric network (repeaters with ``--memories`` memory qubits, T1 = 1 s,
T2 = 0.5 s, double-click links), draws ``--requests`` source-destination pairs in its largest
component, serves them at once with
:func:`qnet_circuits.protocols.network_requests.schedule_network` (routing by hops, every pair a
timed chain circuit on Aer, contention for memories resolved by the policy) and prints each
request's rate and fidelity beside the closed forms, the busiest memories, Jain's index and the
wall time against the target. ``--quick`` (or ``QNET_QUICK=1``): 20 nodes, 4 requests, 20 pairs.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
from typing import Any

import networkx as nx
import numpy as np

from qnet_circuits.network import random_geometric
from qnet_circuits.protocols.network_requests import schedule_network

TARGET_S = 60.0


def pick_requests(net: Any, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` distinct (source, destination) pairs, at least two hops apart, in the largest
    component (seeded)."""
    g = net.graph
    giant = sorted(max(nx.connected_components(g), key=len), key=lambda n: int(n[1:]))
    rng = np.random.default_rng(seed)
    out: list[tuple[str, str]] = []
    tries = 0
    while len(out) < count and tries < 100 * count:
        tries += 1
        a, b = (str(x) for x in rng.choice(giant, size=2, replace=False))
        if (a, b) in out or (b, a) in out or nx.shortest_path_length(g, a, b) < 2:
            continue
        out.append((a, b))
    if len(out) < count:
        raise ValueError(f"found only {len(out)} request pairs in a component of {len(giant)} "
                         "nodes; raise --nodes or --radius")
    return out


def run(nodes: int, requests: int, pairs: int, *, policy: str = "fair", memories: int = 4,
        radius: float | None = None, size_km: float = 200.0, seed: int = 3) -> dict[str, Any]:
    """Build, serve and time; returns the figures printed by :func:`main`."""
    radius = radius or 1.6 * math.sqrt(math.log(nodes) / (math.pi * nodes))
    t0 = time.perf_counter()
    net = random_geometric(nodes, radius, size_km=size_km, seed=seed, t1_s=1.0, t2_s=0.5,
                           memories=memories)
    reqs = pick_requests(net, requests, seed)
    t1 = time.perf_counter()
    res = schedule_network(net, reqs, policy=policy, metric="hops", pairs=pairs, seed=seed)
    wall = time.perf_counter() - t1
    return {"network": net, "result": res, "build_s": t1 - t0, "wall_s": wall,
            "radius": radius, "size_km": size_km}


def report(out: dict[str, Any]) -> str:
    """The printed table."""
    net, res = out["network"], out["result"]
    lines = [f"network: {len(net.nodes)} nodes, {len(net.links)} links (radius {out['radius']:.3f} "
             f"of {out['size_km']:.0f} km), built in {out['build_s']:.2f} s; {len(res.requests)} "
             f"requests, policy {res.policy}, {res.requests[0].pairs} pairs each"]
    sigmas = []
    for i, r in enumerate(res.requests):
        th = r.theory
        rate_th = th.get("rate_hz")
        if rate_th is not None:
            sigmas.append(r.rate_hz.sigmas_from(rate_th))
        lines.append(
            f"  [{i:2d}] {r.request.name:>9s} {len(r.path) - 1} hops group {len(r.group)}"
            f"{' excl' if r.exclusive else '     '}: rate {r.rate_hz.value:9.4g} +- "
            f"{r.rate_hz.stderr:7.2g} Hz (theory {rate_th if rate_th is None else f'{rate_th:.4g}'}"
            f"; solo {th.get('solo_rate_hz', float('nan')):.4g}), service "
            f"{r.service_rate_hz.value:.4g} Hz, F {r.fidelity.value:.4f} +- "
            f"{r.fidelity.stderr:.4f}, waited {1e3 * r.waiting_s:.3g} ms")
    busy = sorted(res.occupancy.items(), key=lambda kv: -kv[1]["reserved_mean"])[:5]
    lines.append("  busiest memories (mean reserved / peak / capacity): " + ", ".join(
        f"{v} {o['reserved_mean']:.2f}/{o['reserved_max']}/{o['capacity']}" for v, o in busy))
    worst = max(sigmas) if sigmas else float("nan")
    lines.append(f"  {len(sigmas)} requests with a closed-form rate (exclusive groups): worst "
                 f"{worst:.2f} sigma; Jain {res.jain_index:.4f} (within the groups of several: "
                 + ", ".join(f"{j:.4f}" for g, j in zip(res.groups, res.jain_index_groups)
                             if len(g) > 1)
                 + f"), total {res.total_rate_hz:.4g} pairs/s, makespan {res.makespan_s:.4g} s")
    cores = os.cpu_count()
    lines.append(f"wall time {out['wall_s']:.1f} s (target < {TARGET_S:.0f} s on 2 cores; this "
                 f"machine: {cores} cores, {platform.processor() or platform.machine()}, shared): "
                 f"{'met' if out['wall_s'] < TARGET_S else 'NOT met'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--policy", choices=("fifo", "fair"), default="fair")
    ap.add_argument("--memories", type=int, default=4, help="memory qubits per node")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="20 nodes, 4 requests, 20 pairs")
    args = ap.parse_args(argv)
    if args.quick or os.environ.get("QNET_QUICK") == "1":
        args.nodes, args.requests, args.pairs = 20, 4, 20
    out = run(args.nodes, args.requests, args.pairs, policy=args.policy, memories=args.memories,
              seed=args.seed)
    print(report(out))
    return out


if __name__ == "__main__":
    main()
