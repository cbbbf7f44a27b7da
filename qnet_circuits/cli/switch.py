"""``qnet switch``: a k-user entanglement switch against the Vardoyan-Guha-Nain-Towsley theory.

The protocol is :mod:`qnet_circuits.protocols.switch`: an event simulation of the switch's
timing (capacity, per-pair rates, stored qubits) and the delivered pairs' swap as circuits
(fidelity with memory T2 during the wait), each beside its closed form.

Example::

    qnet switch --users 4 --policy oldest --buffer 2 --q 0.5 --t2 0.05 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import number, run_protocol

HELP = "entanglement switch for k users: capacity, per-pair rates, fidelity vs the switch CTMC"
DEFAULT_SHOTS = 400
POLICIES = ("oldest", "longest", "random")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet switch``."""
    parser.add_argument("--users", type=int, default=4, help="users k, one link each (2..16)")
    parser.add_argument("--policy", choices=POLICIES, default="oldest",
                        help="which user pair to serve when several can be")
    parser.add_argument("--buffer", default="inf",
                        help="memories per link at the switch (an integer, or inf)")
    parser.add_argument("--mu", type=number, nargs="+", default=[100.0], metavar="HZ",
                        help="pair generation rate per link (1/s): one value or one per user")
    parser.add_argument("--p", type=number, default=None,
                        help="slotted links: success probability per slot (replaces --mu)")
    parser.add_argument("--slot", type=number, default=1e-3, help="slot length (s) with --p")
    parser.add_argument("--q", type=number, default=1.0, help="BSM success probability")
    parser.add_argument("--decoherence-rate", type=number, default=0.0, metavar="HZ",
                        help="loss rate of each stored qubit (1/s)")
    parser.add_argument("--t2", type=number, default=float("inf"),
                        help="memory T2 (s): stored pairs dephase while they wait")
    parser.add_argument("--link-fidelity", type=number, default=1.0,
                        help="Werner fidelity of each fresh link pair")
    parser.add_argument("--request-rate", type=number, default=None, metavar="HZ",
                        help="requests per second of every user pair (default: saturated demand)")
    parser.add_argument("--swaps", type=int, default=20_000,
                        help="successful swaps to simulate (sets the simulated time)")
    parser.add_argument("--fidelity-samples", type=int, default=24,
                        help="delivered pairs whose swap runs as a circuit")
    parser.add_argument("--correction", choices=("dynamic", "deferred"), default="dynamic",
                        help="if_test corrections, or controlled gates (no control flow)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.switch.SwitchParams` and run."""
    from qnet_circuits.protocols import switch as protocol

    params = protocol.SwitchParams(
        users=args.users, policy=args.policy, buffer=args.buffer, mu_hz=tuple(args.mu),
        p=args.p, slot_s=args.slot, q=args.q, alpha_hz=args.decoherence_rate, t2_s=args.t2,
        link_fidelity=args.link_fidelity, request_rate_hz=args.request_rate, swaps=args.swaps,
        fidelity_samples=args.fidelity_samples, correction=args.correction)
    return run_protocol(protocol, params, ctx)


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
    if r["request_rate_hz"] is not None:
        lines.append(f"  requests     {r['requests']} arrived, {r['backlog']} still waiting; demand "
                     f"in the capacity region: {r['theory']['demand_in_capacity_region']}")
    return "\n".join(lines)
