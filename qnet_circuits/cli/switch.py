"""``qnet switch``: a k-user entanglement switch against the Vardoyan-Guha-Nain-Towsley theory.

The protocol is :mod:`qnet_circuits.protocols.switch`: an event simulation of the switch's
timing (capacity, per-pair rates, stored qubits) and the delivered pairs' swap as circuits
(fidelity with memory T2 during the wait), each beside its closed form.

Example::

    qnet switch --users 4 --policy oldest --buffer 2 --q 0.5 --t2 0.05 --json
    qnet switch --graph city.yaml --router hub --q 0.5 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import add_memory_arguments, memory_lines, number, run_protocol

HELP = "entanglement switch for k users: capacity, per-pair rates, fidelity vs the switch CTMC"
DEFAULT_SHOTS = 400
POLICIES = ("oldest", "longest", "random")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet switch``."""
    parser.add_argument("--graph", default=None, metavar="FILE",
                        help="a network file (.json, .graphml, .yaml): the switch is --router's "
                             "node, its links' rates, fidelity, memories and T2 come from the file")
    parser.add_argument("--router", default=None, help="the switch's node in --graph")
    parser.add_argument("--users", type=int, default=None,
                        help="users k, one link each (2..16; default 4)")
    parser.add_argument("--policy", choices=POLICIES, default="oldest",
                        help="which user pair to serve when several can be")
    parser.add_argument("--buffer", default=None,
                        help="memories per link at the switch (an integer, or inf; default inf)")
    parser.add_argument("--mu", type=number, nargs="+", default=None, metavar="HZ",
                        help="pair generation rate per link (1/s): one value or one per user "
                             "(default 100)")
    parser.add_argument("--p", type=number, default=None,
                        help="slotted links: success probability per slot (replaces --mu)")
    parser.add_argument("--slot", type=number, default=1e-3, help="slot length (s) with --p")
    parser.add_argument("--q", type=number, default=1.0, help="BSM success probability")
    parser.add_argument("--decoherence-rate", type=number, default=0.0, metavar="HZ",
                        help="loss rate of each stored qubit (1/s)")
    parser.add_argument("--t2", type=number, default=None,
                        help="memory T2 (s): stored pairs dephase while they wait (default inf)")
    parser.add_argument("--link-fidelity", type=number, default=None,
                        help="Werner fidelity of each fresh link pair (default 1)")
    parser.add_argument("--request-rate", type=number, default=None, metavar="HZ",
                        help="requests per second of every user pair (default: saturated demand)")
    parser.add_argument("--swaps", type=int, default=20_000,
                        help="successful swaps to simulate (sets the simulated time)")
    parser.add_argument("--fidelity-samples", type=int, default=24,
                        help="delivered pairs whose swap runs as a circuit")
    parser.add_argument("--correction", choices=("dynamic", "deferred"), default="dynamic",
                        help="if_test corrections, or controlled gates (no control flow)")
    add_memory_arguments(parser)


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.switch.SwitchParams` and run."""
    from qnet_circuits.protocols import switch as protocol

    common = dict(policy=args.policy, p=args.p, slot_s=args.slot, q=args.q,
                  alpha_hz=args.decoherence_rate, request_rate_hz=args.request_rate,
                  swaps=args.swaps, fidelity_samples=args.fidelity_samples,
                  correction=args.correction, memory=args.memory,
                  time_scale=args.time_scale)
    link = {"--users": args.users, "--mu": args.mu, "--buffer": args.buffer, "--t2": args.t2,
            "--link-fidelity": args.link_fidelity}
    if args.p is not None and args.mu is not None:
        raise ValueError("--p (slotted links) replaces --mu; give one of them")
    if args.graph is None:
        if args.router is not None:
            raise ValueError("--router names a node of --graph FILE; give --graph too")
        params = protocol.SwitchParams(
            users=4 if args.users is None else args.users,
            mu_hz=(100.0,) if args.mu is None else tuple(args.mu),
            buffer="inf" if args.buffer is None else args.buffer,
            t2_s=float("inf") if args.t2 is None else args.t2,
            link_fidelity=1.0 if args.link_fidelity is None else args.link_fidelity, **common)
        return run_protocol(protocol, params, ctx)
    given = [flag for flag, value in link.items() if value is not None]
    if given:
        raise ValueError(f"{', '.join(given)} come from --graph (the router's links and "
                         "memories); leave them out")
    if args.router is None:
        raise ValueError("--graph needs --router NODE (the switch)")
    from qnet_circuits.network import load

    network = load(args.graph)
    if args.router not in {n.name for n in network.nodes}:
        raise ValueError(f"--router {args.router!r} is not a node of {args.graph}")
    return run_protocol(protocol, protocol.from_network(network, args.router, **common), ctx)


def _num(value: Any, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}g}"


def render(result: dict) -> str:
    """Human-readable summary."""
    r = result
    timing = (f"slotted links, p {r['p']} per {r['slot_s']} s slot" if r["model"] == "slotted"
              else f"links at {', '.join(_num(m) for m in sorted(set(r['mu_hz'])))} pairs/s")
    demand = ("saturated demand" if r["request_rate_hz"] is None
              else f"{r['request_rate_hz']} requests/s per pair")
    lines = [
        f"{r['users']}-user switch, {timing}, buffer {r['buffer']}, q {r['q']}, "
        f"decoherence {r['decoherence_rate_hz']}/s, {demand}, policy {r['policy']}",
        f"  capacity     {r['capacity_hz']:.4g} ± {r['capacity_hz_stderr']:.2g} swaps/s   theory "
        f"{_num(r['theory_capacity_hz'], 6)}"
        + (f"   ({r['capacity_per_slot']:.4g} per slot, theory "
           f"{_num(r['theory_capacity_per_slot'], 6)})" if r["model"] == "slotted" else ""),
        f"  stored       {r['stored']:.4g} qubits   theory {_num(r['theory_stored'], 6)}",
        f"  mean wait    {r['mean_wait_s']:.4g} s   theory {_num(r['theory_mean_wait_s'], 6)}",
        f"  fidelity     {r['fidelity']:.4f} ± {r['fidelity_stderr']:.4f} "
        f"({r['fidelity_samples']} delivered pairs as circuits, {r['shots']} shots per basis)   "
        f"theory {_num(r['theory_fidelity'], 6)}   at the same waits "
        f"{r['fidelity_at_waits']:.6f}   all delivered pairs {r['fidelity_all_pairs']:.6f}",
        "  per-pair rates (swaps/s):",
    ]
    expected = r["theory_pair_rates_hz"] or {}
    for name, value in r["pair_rates_hz"].items():
        lines.append(f"    {name:<9} {value:.4g} ± {r['pair_rates_stderr'][name]:.2g}   theory "
                     f"{_num(expected.get(name), 6)}")
    if r.get("device_memory") and r["device_memory"].get("memory") != "network (Aer noise passes)":
        lines += ["  " + line for line in memory_lines(r["device_memory"], fiber=False)]
    if r["request_rate_hz"] is not None:
        lines.append(f"  requests     {r['requests']} arrived, {r['backlog']} still waiting; demand "
                     f"in the capacity region: {r['theory']['demand_in_capacity_region']}")
    return "\n".join(lines)
