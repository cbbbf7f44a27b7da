"""``qnet network``: load or build a network, route requests by a closed-form metric, draw it.

Examples::

    qnet network --topology grid:3x3 --route alice bob --metric fidelity --json
    qnet network --graph city.yaml --route alice bob --k 3 --draw city.png
    qnet network --topology random:50:0.25 --seed 3 --save net.graphml
    qnet network --topology star:3 --request u1 u2 --request u3 u2 --policy fair --json
    qnet network --topology grid:3x3 --request alice bob 0.95 100 --draw served.png

Every route is printed with each metric's closed form (hops, rate, fidelity), whichever metric
chose it (:func:`qnet_circuits.scheduler.routing.route`). ``--request SRC DST [F_TARGET
[RATE_HZ]]`` (repeatable) serves the requests at once
(:func:`qnet_circuits.protocols.network_requests.schedule_network`): ``--pairs`` delivered pairs
each, simulated as timed chain circuits, contention for memories resolved by ``--policy``; each
request's rate and fidelity are printed beside their closed forms.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from qnet_circuits.cli.common import number

HELP = "network files or topologies: k best routes by hops, rate or fidelity (closed forms), drawing"
#: common options network does not use (routing is closed forms; --request runs on local Aer)
IGNORED_OPTIONS = {
    "--shots": "qnet network routes by closed forms; --request counts delivered pairs: use --pairs N",
    "--backend": "qnet network routes by closed forms and runs --request on local Aer",
    "--qasm": "qnet network builds no protocol circuit",
}
METRICS = ("hops", "rate", "fidelity")
POLICIES = ("fifo", "fair")
STRATEGIES = ("sequential", "nested", "asap")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet network``."""
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--graph", metavar="FILE", help="network file (.json node-link, .graphml, .yaml)")
    src.add_argument("--topology", metavar="SPEC",
                     help="line:N, ring:N, grid:RxC, star:N or random:N[:radius]")
    parser.add_argument("--length-km", type=number, default=10.0,
                        help="link length of a built-in topology (random: a 10x square)")
    parser.add_argument("--scheme", default="double-click", help="link scheme of a topology")
    parser.add_argument("--t1", type=number, default=math.inf, help="memory T1 (s) of a topology")
    parser.add_argument("--t2", type=number, default=math.inf, help="memory T2 (s) of a topology")
    parser.add_argument("--gate-error", type=number, default=0.0, help="node gate error (topology)")
    parser.add_argument("--readout-error", type=number, default=0.0,
                        help="node readout error (topology)")
    parser.add_argument("--memories", type=int, default=2, help="memories per node (topology)")
    parser.add_argument("--route", nargs=2, action="append", metavar=("SRC", "DST"), default=[],
                        help="a request to route (repeatable)")
    parser.add_argument("--metric", choices=METRICS, default="fidelity", help="routing metric")
    parser.add_argument("--k", type=int, default=1, help="alternatives per request")
    parser.add_argument("--fidelity-target", type=number, default=None,
                        help="refuse routes below this fidelity (DEJMPS rounds allowed)")
    parser.add_argument("--request", nargs="+", action="append", metavar="ARG", default=[],
                        help="SRC DST [F_TARGET [RATE_HZ]]: serve it with the others at once "
                             "(repeatable; simulated)")
    parser.add_argument("--policy", choices=POLICIES, default="fifo",
                        help="contention for memories: first come first served or fair share")
    parser.add_argument("--pairs", type=int, default=200, help="delivered pairs per --request")
    parser.add_argument("--strategy", choices=STRATEGIES, default="sequential",
                        help="swapping strategy of every --request's chain")
    parser.add_argument("--link-fidelity", type=number, default=None,
                        help="Werner links of this fidelity for --request (timing from the links)")
    parser.add_argument("--draw", metavar="PNG", default=None,
                        help="draw the network and routes (after --request: carried rates, paths)")
    parser.add_argument("--save", metavar="FILE", default=None, help="write the network to FILE")


def _network(args: argparse.Namespace, ctx: Any):
    from qnet_circuits.network import load
    from qnet_circuits.network.topologies import from_spec

    if args.graph:
        from qnet_circuits.cli.common import check_input_file

        return load(check_input_file("--graph", args.graph), scheme=args.scheme)
    return from_spec(args.topology, args.length_km, seed=ctx.seed or 0, scheme=args.scheme,
                     t1_s=args.t1, t2_s=args.t2, gate_error=args.gate_error,
                     readout_error=args.readout_error, memories=args.memories)


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Build the network, route every request, optionally save and draw."""
    from qnet_circuits.network import save
    from qnet_circuits.scheduler.routing import route

    net = _network(args, ctx)
    requests = []
    for src, dst in args.route:
        routes = route(net, src, dst, metric=args.metric, k=args.k,
                       fidelity_target=args.fidelity_target)
        requests.append({"source": src, "destination": dst,
                         "routes": [r.to_dict() for r in routes]})
    out: dict[str, Any] = {
        "command": "network", "source": args.graph or args.topology, "metric": args.metric,
        "k": args.k, "nodes": len(net.nodes), "links": len(net.links),
        "roles": {role: sum(n.role == role for n in net.nodes) for role in ("end", "repeater", "router")},
        "total_length_km": sum(lk.fiber.length_km for lk in net.links),
        "requests": requests,
    }
    schedule = None
    if args.request:
        schedule = _schedule(net, args, ctx)
        out["schedule"] = schedule.to_dict()
    if args.save:
        out["saved"] = str(save(net, args.save))
    if args.draw:
        out["drawn"] = _draw(net, requests, args.draw, schedule)
    return out


def parse_request(words: list[str], fidelity_target: float | None = None) -> tuple:
    """``SRC DST [F_TARGET [RATE_HZ]]`` -> ``(src, dst, target, rate)`` (ValueError naming it).

    >>> parse_request(["alice", "bob", "0.9"])
    ('alice', 'bob', 0.9, None)
    """
    if not 2 <= len(words) <= 4:
        raise ValueError(f"--request {' '.join(words)}: give SRC DST [F_TARGET [RATE_HZ]]")
    values = []
    for what, word in zip(("F_TARGET", "RATE_HZ"), words[2:]):
        try:
            values.append(float(word))
        except ValueError:
            raise ValueError(f"--request {' '.join(words)}: {what} must be a number, got "
                             f"{word!r}") from None
    target = values[0] if values else fidelity_target
    return (words[0], words[1], target, values[1] if len(values) > 1 else None)


def _schedule(net: Any, args: argparse.Namespace, ctx: Any):
    from qnet_circuits.protocols import network_requests as nr

    if args.pairs < 1:
        raise ValueError(f"--pairs must be >= 1 (delivered pairs per request), got {args.pairs}")
    reqs = [parse_request(words, args.fidelity_target) for words in args.request]
    params = nr.NetworkRequestsParams(net, tuple(reqs), policy=args.policy, metric=args.metric,
                                      strategy=args.strategy, link_fidelity=args.link_fidelity)
    return nr.run(params, runner=ctx.runner, shots=args.pairs, seed=ctx.seed)


def _draw(net: Any, requests: list[dict], path: str, schedule: Any = None) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qnet_circuits.network import draw
    from qnet_circuits.physics import link_theory

    if schedule is not None:  # after a run: carried rates per link, every request's path
        ax = schedule.plot()
        ax.set_title(f"{len(schedule.requests)} requests, {schedule.policy}: link labels are "
                     "the carried pair rates", fontsize=9)
    else:
        paths = [r["routes"][0]["path"] for r in requests]
        rates = ({(lk.a, lk.b): link_theory(lk, net)["rate_hz"] for lk in net.links}
                 if len(net.links) <= 200 else None)  # closed-form link rates on small drawings
        ax = draw(net, paths=paths or None, rates=rates)
    try:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise ValueError(f"--draw {path!r}: cannot write the picture ({exc})") from None
    finally:
        plt.close(ax.figure)
    return path


def render(result: dict) -> str:
    """Human-readable summary."""
    roles = ", ".join(f"{v} {k}" for k, v in result["roles"].items() if v)
    lines = [f"network {result['source']}: {result['nodes']} nodes ({roles}), {result['links']} "
             f"links, {result['total_length_km']:.1f} km of fiber"]
    for req in result["requests"]:
        lines.append(f"  {req['source']} -> {req['destination']} by {result['metric']}:")
        for i, r in enumerate(req["routes"]):
            pur = (f", {r['purification_rounds']} DEJMPS {r['purification']} rounds/link "
                   f"({r['raw_pairs_per_link']} raw pairs) -> F {r['purified_fidelity']:.4f}"
                   if r["purification_rounds"] else "")
            lines.append(f"    [{i}] {' - '.join(r['path'])}: {r['hops']} hops, "
                         f"{r['length_km']:.1f} km, rate {r['rate_hz']:.4g} Hz, "
                         f"fidelity {r['fidelity']:.4f}{pur}")
    if "schedule" in result:
        lines.extend(_render_schedule(result["schedule"]))
    for key in ("saved", "drawn"):
        if key in result:
            lines.append(f"  {key}: {result[key]}")
    return "\n".join(lines)


def _render_schedule(sched: dict) -> list[str]:
    """Per-request lines of a ``--request`` run, simulated beside theory."""
    def fmt(value: Any, spec: str = ".4g") -> str:
        return "n/a" if value is None else f"{value:{spec}}"

    lines = [f"  {len(sched['requests'])} requests served at once ({sched['policy']}, routed by "
             f"{sched['metric']}, {sched['strategy']} swapping):"]
    for i, r in enumerate(sched["requests"]):
        th = r["theory"]
        demand = "" if r["demand_met"] is None else (
            f", demand {r['demand_hz']:.4g} Hz {'met' if r['demand_met'] else 'NOT met'}")
        lines.append(f"    [{i}] {' - '.join(r['path'])}: {r['pairs']} pairs, rate "
                     f"{r['rate_hz']:.4g} +- {r['rate_hz_stderr']:.2g} Hz (theory "
                     f"{fmt(th.get('rate_hz'))}; solo {fmt(th.get('solo_rate_hz'))}), fidelity "
                     f"{r['fidelity']:.4f} +- {r['fidelity_stderr']:.4f} (theory "
                     f"{fmt(th.get('fidelity'), '.4f')}), waited {r['waiting_s']:.3g} s{demand}")
    busy = sorted(sched["occupancy"].items(), key=lambda kv: -kv[1]["reserved_mean"])[:5]
    lines.append("    memory occupancy (time-averaged reserved / peak / capacity): " + ", ".join(
        f"{v} {o['reserved_mean']:.2f}/{o['reserved_max']}/{o['capacity']}" for v, o in busy))
    jt = sched["jain_index_theory"]
    lines.append(f"    Jain fairness {sched['jain_index']:.4f} (theory {fmt(jt, '.4f')}), total "
                 f"{sched['total_rate_hz']:.4g} pairs/s over {sched['makespan_s']:.4g} s")
    return lines
