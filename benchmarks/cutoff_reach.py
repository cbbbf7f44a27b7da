"""Reach map of the chain cutoff oracles (issue 13 item 6): which plans get an exact fidelity.

For each links x strategy x cutoff (in cycle times tau) x p x memories, calls
:func:`qnet_circuits.protocols.chain.theory.expected_fidelity` on a 20 km chain (tau = hop delay
= 0.1 ms) with the heralding probability overridden to ``p``, and prints one row: ``exact``,
``approx`` (with ``fidelity_approx_error``), ``note`` (the note) or ``timeout`` (past the per-case
limit, seconds), and the oracle's run time. The link level does not enter the oracle (photonic
attempts herald the same state with the same probability), so it is not a column.

    python benchmarks/cutoff_reach.py [--links 2,3,...] [--limit 30] [--memories t1t2,t2]
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import time

from qnet_circuits.network import chain
from qnet_circuits.protocols.chain.theory import expected_fidelity
from qnet_circuits.scheduler import ChainPlan, link_models


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def one(n: int, strategy: str, cycles: float, p: float, memories: str, limit: int):
    t1 = 4e-3 if memories == "t1t2" else float("inf")
    net = chain(n, 20.0, t1_s=t1, t2_s=2e-3)
    path = [nd.name for nd in net.nodes]
    tau = link_models(net, path, ChainPlan())[0].cycle_time_s
    plan = ChainPlan(strategy=strategy, link_fidelity=0.97, cutoff_s=cycles * tau)
    models = [dataclasses.replace(m, p=p) for m in link_models(net, path, plan)]
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    t0 = time.perf_counter()
    try:
        out = expected_fidelity(models, plan, net.nodes, None)
    except _Timeout:
        return "timeout", "", time.perf_counter() - t0
    finally:
        signal.alarm(0)
    dt = time.perf_counter() - t0
    if "fidelity_expected" not in out:
        return "note", out.get("fidelity_note", "")[:60], dt
    extra = f"F={out['fidelity_expected']:.6f}"
    if out["fidelity_method"] == "approx":
        extra += f" err={out['fidelity_approx_error']:.2e} b={out['fidelity_block_attempts']}"
    return out["fidelity_method"], extra, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--links", default="2,3,4,5,6,7,8")
    ap.add_argument("--strategies", default="sequential,nested,asap")
    ap.add_argument("--cutoffs", default="1,2,5,10,20")
    ap.add_argument("--p", default="0.05,0.2,0.5")
    ap.add_argument("--memories", default="t1t2")
    ap.add_argument("--limit", type=int, default=30)
    a = ap.parse_args()
    print("links strategy cutoff_tau p memories method detail seconds", flush=True)
    for n in map(int, a.links.split(",")):
        for strategy in a.strategies.split(","):
            if strategy == "nested" and n & (n - 1):
                continue
            for cyc in map(float, a.cutoffs.split(",")):
                for p in map(float, a.p.split(",")):
                    for mem in a.memories.split(","):
                        method, extra, dt = one(n, strategy, cyc, p, mem, a.limit)
                        print(f"{n} {strategy} {cyc:g} {p:g} {mem} {method} [{extra}] {dt:.2f}",
                              flush=True)


if __name__ == "__main__":
    main()
