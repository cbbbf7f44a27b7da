"""Many requests at once on one network: routing, memory reservations, contention, and every
request's pairs as the chain scheduler's timed circuits, beside the closed forms.

:func:`schedule_network` routes every :class:`~qnet_circuits.scheduler.network_schedule.Request`
(:func:`~qnet_circuits.scheduler.routing.route` by ``metric``; a fidelity target picks the path
and the DEJMPS rounds), runs its delivered pairs with the chain scheduler on that path
(:func:`qnet_circuits.protocols.chain.simulate`: one template circuit, every wait a Delay, T1/T2
from each node's memory, sampled attempt counts), then replays the sessions on the shared
memories under the policy (:func:`~qnet_circuits.scheduler.network_schedule.allocate`: a
session reserves its path from its first attempt to its delivery; ``"fifo"`` or ``"fair"``
round robin). A request alone on its path is exactly :func:`~qnet_circuits.protocols.chain.simulate`
on that path with the request's seed (:func:`request_seeds`).

Per request: the rate ``N / C`` (delivered pairs over the time of the last delivery, all requests
arriving at 0), the service rate ``N / busy time`` (the chain's ``1/E[T]``), the fidelity with its
standard error, the closed forms (fidelity where the chain has one; the solo ``1/E[T]``,
:func:`~qnet_circuits.physics.contention.max_plus_delivery_time_s`; the contended rate of an
exclusive group, :func:`~qnet_circuits.physics.contention.exclusive_rates_hz`), memory occupancy
per node (time-averaged reserved qubits and the peak; qubits holding a heralded pair) and Jain's
fairness index over the rates.

>>> from qnet_circuits.network import star
>>> net = star(["u1", "u2", "u3"], 5.0, center_memories=2)
>>> res = schedule_network(net, [("u1", "u2"), ("u3", "u2")], policy="fair", pairs=60, seed=1)
>>> [r.path for r in res.requests], res.groups
([('u1', 'hub', 'u2'), ('u3', 'hub', 'u2')], [[0, 1]])
>>> all(r.rate_hz.within(r.theory["rate_hz"], k=5) for r in res.requests)
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from qnet_circuits.network import Network
from qnet_circuits.physics.contention import (
    exclusive_rates_hz,
    jain_index,
    max_plus_delivery_time_s,
)
from qnet_circuits.protocols.base import Provenance, check_int, check_sequence
from qnet_circuits.results import Estimate
from qnet_circuits.run import progress
from qnet_circuits.scheduler import ChainPlan, PurificationPlan, link_models
from qnet_circuits.scheduler.network_schedule import (
    POLICIES,
    Allocation,
    Request,
    allocate,
    check_capacity,
    conflict_groups,
    memory_needs,
)
from qnet_circuits.scheduler.routing import METRICS, Route, check_path, path_figures, route
from qnet_circuits.scheduler.sample import geometry_of
from qnet_circuits.timeline import STRATEGIES

#: delivered pairs per request by default
DEFAULT_PAIRS = 200


def session_block(n_links: int, pairs: int, plan: ChainPlan) -> int:
    """Sessions packed per circuit execution: the largest divisor of ``pairs`` up to the chain's
    default block, so exactly ``pairs`` pairs are delivered.

    >>> session_block(3, 200, ChainPlan())
    50
    """
    from qnet_circuits.scheduler import block_size

    cap = block_size(n_links, pairs, plan, "parities")
    return max(d for d in range(1, cap + 1) if pairs % d == 0)


def request_seeds(seed: int | None, n: int) -> list[int | None]:
    """The chain seed of each of ``n`` requests (independent children of ``seed``)."""
    if seed is None:
        return [None] * n
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(seed).spawn(n)]


@dataclass(frozen=True)
class RequestResult:
    """One request's outcome (times in s, rates in pairs/s).

    Attributes:
        request, path, route: what was asked, the path served, its closed-form route figures.
        pairs: pairs delivered; fidelity: their mean Phi+ fidelity +- stderr.
        rate_hz: ``pairs / completion_s`` +- stderr; service_rate_hz: the chain's ``1/E[T]``.
        completion_s: last delivery; waiting_s: time without a session before it.
        group, exclusive: the conflict group's members and whether at most one runs at a time.
        demand_met: rate >= the demand (None without one).
        theory: ``fidelity`` (where the chain has it), ``mean_delivery_time_s`` and
            ``solo_rate_hz`` (no purification), ``rate_hz`` (exclusive group), ``route``,
            ``target_met`` (the chain's closed-form fidelity against the target).
        chain: the :class:`~qnet_circuits.protocols.chain.ChainResult` of its pairs.
    """

    request: Request
    path: tuple[str, ...]
    route: Route | None
    pairs: int
    fidelity: Estimate
    rate_hz: Estimate
    service_rate_hz: Estimate
    completion_s: float
    waiting_s: float
    group: tuple[int, ...]
    exclusive: bool
    demand_met: bool | None
    theory: dict[str, Any]
    chain: Any = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (the chain result is left out; its theory stays)."""
        return {
            "source": self.request.source, "destination": self.request.destination,
            "fidelity_target": self.request.fidelity_target,
            "demand_hz": self.request.rate_hz, "path": list(self.path),
            "hops": len(self.path) - 1, "pairs": self.pairs,
            **self.fidelity.to_dict("fidelity"), **self.rate_hz.to_dict("rate_hz"),
            **self.service_rate_hz.to_dict("service_rate_hz"),
            "completion_s": self.completion_s, "waiting_s": self.waiting_s,
            "group": list(self.group), "exclusive": self.exclusive,
            "demand_met": self.demand_met, "qubits": self.chain.qubits,
            "theory": self.theory,
        }


@dataclass(frozen=True)
class NetworkScheduleResult:
    """All requests of one run.

    Attributes:
        requests: per request, in arrival order.
        policy, metric, strategy: how they were served, routed and swapped.
        groups: conflict groups (request indices); occupancy: per node ``capacity``,
            ``reserved_mean``, ``reserved_max``, ``stored_mean`` (qubits holding a heralded pair).
        jain_index (simulated rates) and jain_index_theory (None unless every rate has one);
        jain_index_groups: per conflict group, Jain's index of its members' rates (the
            fairness the policy controls; requests outside every group run at their solo rate).
        makespan_s, total_rate_hz: last delivery of all; all pairs over it.
        link_rates_hz: per link name, the summed rates of the requests it carries.
        allocation: the replayed schedule; network: the network served.
    """

    requests: tuple[RequestResult, ...]
    policy: str
    metric: str
    strategy: str
    groups: list[list[int]]
    occupancy: dict[str, dict[str, float]]
    jain_index: float
    jain_index_theory: float | None
    makespan_s: float
    total_rate_hz: float
    link_rates_hz: dict[str, float]
    jain_index_groups: list[float]
    allocation: Allocation = field(repr=False)
    network: Network = field(repr=False)
    wall_s: float = 0.0
    provenance: Provenance | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (what ``qnet network --request ... --json`` prints under ``schedule``)."""
        return {
            "policy": self.policy, "metric": self.metric, "strategy": self.strategy,
            "requests": [r.to_dict() for r in self.requests], "groups": self.groups,
            "occupancy": self.occupancy, "jain_index": self.jain_index,
            "jain_index_theory": self.jain_index_theory,
            "jain_index_groups": self.jain_index_groups, "makespan_s": self.makespan_s,
            "total_rate_hz": self.total_rate_hz, "link_rates_hz": self.link_rates_hz,
            "wall_s": self.wall_s,
            **({"provenance": self.provenance.to_dict()} if self.provenance else {}),
        }

    def plot(self, ax=None, **kwargs: Any):
        """The network with each link's carried rate and each request's path (labelled with its
        rate and fidelity); ``kwargs`` go to :func:`qnet_circuits.network.draw`."""
        from qnet_circuits.network import draw

        rates = {(lk.a, lk.b): self.link_rates_hz[lk.name] for lk in self.network.links
                 if lk.name in self.link_rates_hz}
        labels = [f"{r.request.name}: {r.rate_hz.value:.3g} Hz, F {r.fidelity.value:.3f}"
                  for r in self.requests]
        return draw(self.network, ax, rates=rates, paths=[r.path for r in self.requests],
                    path_labels=labels, **kwargs)


def _as_request(item: Any) -> Request:
    if isinstance(item, Request):
        return item
    if isinstance(item, (tuple, list)) and 2 <= len(item) <= 4:
        return Request(*item)
    raise ValueError(f"a request is a Request or (source, destination[, fidelity_target[, "
                     f"rate_hz]]), got {item!r}")


def _route(network: Network, req: Request, metric: str) -> tuple[tuple[str, ...], Route | None,
                                                                 int, str]:
    """The path, its route, DEJMPS rounds and purification scheme for ``req``."""
    if req.path is not None:
        check_path(network, req.path)
        figs = path_figures(network, req.path)
        if req.fidelity_target is not None and figs["fidelity"] < req.fidelity_target:
            raise ValueError(f"request {req.name}: the given path reaches fidelity "
                             f"{figs['fidelity']:.4f} < target {req.fidelity_target}; drop path= "
                             "to let routing add purification, or lower the target")
        return req.path, None, 0, "recurrence"
    best = route(network, req.source, req.destination, metric=metric,
                 fidelity_target=req.fidelity_target)[0]
    return best.path, best, best.purification_rounds, best.purification or "recurrence"


def _solo_time_s(models, plan: ChainPlan) -> float | None:
    """``E[T]`` of one session (no purification, no cutoff), or None."""
    from qnet_circuits.protocols.chain.theory import classical_offsets

    if plan.purification is not None or plan.cutoff_s is not None or plan.timing != "sampled":
        return None
    offsets = classical_offsets(geometry_of(models), plan.strategy)
    return max_plus_delivery_time_s([m.p for m in models], [m.cycle_time_s for m in models],
                                    offsets)


def _stored_s(chain: Any, path: Sequence[str]) -> dict[str, float]:
    """Qubit-seconds each node of ``path`` held a heralded pair, over every session."""
    tl = chain.timeline
    out = dict.fromkeys(path, 0.0)
    n = len(path) - 1
    for j, name in enumerate(path):
        if j < n:
            out[name] += float(tl.left_wait_s[:, j].sum())
        if j > 0:
            out[name] += float(tl.right_wait_s[:, j - 1].sum())
    return out


def _rate_estimate(i: int, alloc: Allocation, group: Sequence[int], var: Sequence[float]
                   ) -> Estimate:
    """``N_i / C_i`` with the delta-method stderr: ``C_i`` as the sum of the group's sessions that
    ended by it (back to back in an exclusive group), each with its request's sampled variance."""
    c = float(alloc.completion_s[i])
    n = alloc.end_s[i].size
    total_var = sum(var[j] * int(np.sum(alloc.end_s[j] <= c + 1e-15)) for j in group)
    return Estimate(n / c, n * math.sqrt(total_var) / c**2)


def schedule_network(network: Network, requests: Sequence[Any], *, policy: str = "fifo",
                     metric: str = "hops", strategy: str = "sequential", pairs: int = DEFAULT_PAIRS,
                     link_fidelity: float | None = None, runner: Any = None,
                     seed: int | None = None) -> NetworkScheduleResult:
    """Serve ``requests`` (:class:`Request` or ``(source, destination[, fidelity_target[,
    rate_hz]])``) on ``network`` at once (module docstring).

    Args:
        policy: ``"fifo"`` or ``"fair"``; metric: routing metric (``hops``, ``rate``,
            ``fidelity``); strategy: the chains' swapping strategy.
        pairs: delivered pairs per request (a request's own ``pairs`` wins).
        link_fidelity: Werner links of this fidelity at the heralded-state level (timing still
            from the links), or None for each link's heralded state.
        runner: runs every chain's circuits (default local Aer); seed: every random step.
    """
    start = time.perf_counter()
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    check_int("pairs", pairs, minimum=1)
    reqs = [_as_request(r) for r in requests]
    if not reqs:
        raise ValueError("give at least one request (source, destination)")
    routed = _plan_all(network, reqs, metric, strategy, link_fidelity)
    chains = _run_chains(network, reqs, routed, pairs, runner, seed)
    result = _assemble(network, reqs, routed, chains, policy, metric, strategy)
    return replace(result, wall_s=time.perf_counter() - start, provenance=Provenance.collect(
        "network_requests", runner, seed=seed, shots=pairs))


def _plan_all(network: Network, reqs: list[Request], metric: str, strategy: str,
              link_fidelity: float | None) -> list[dict[str, Any]]:
    out = []
    for req in reqs:
        if link_fidelity is not None and req.fidelity_target is not None:
            raise ValueError(f"request {req.name}: a fidelity target routes by the links' own "
                             "heralded states; drop link_fidelity or the target")
        path, rt, rounds, scheme = _route(network, req, metric)
        purification = PurificationPlan("dejmps", rounds, scheme) if rounds else None
        plan = ChainPlan(strategy=strategy, link_fidelity=link_fidelity, purification=purification)
        needs = memory_needs(path, plan.slots)
        check_capacity(network, needs, f"request {req.name}")
        out.append({"path": path, "route": rt, "plan": plan, "needs": needs,
                    "models": link_models(network, path, plan)})
    return out


def _run_chains(network: Network, reqs: list[Request], routed: list[dict], pairs: int,
                runner: Any, seed: int | None) -> list[Any]:
    from qnet_circuits.protocols.chain import simulate
    from qnet_circuits.protocols.limits import check_shots

    for req in reqs:
        n = req.pairs or pairs
        check_shots("pairs", n, bytes_per_shot=8.0 * 64)
    seeds = request_seeds(seed, len(reqs))
    out = []
    # Ctrl-C in request k's chain: a schedule needs every request, so the finished pairs of
    # that chain are kept (partial) only when it is the last one; else one line says how many
    # requests had finished
    for k, (req, r, s) in enumerate(zip(reqs, routed, seeds)):
        if k and progress.stop_requested():
            raise progress.Interrupted(_unfinished(k, len(reqs)))
        n = req.pairs or pairs
        block = session_block(len(r["path"]) - 1, n, r["plan"])
        try:
            out.append(simulate(network, r["plan"], path=r["path"], realizations=n, seed=s,
                                runner=runner, block=block))
        except KeyboardInterrupt:
            raise progress.Interrupted(_unfinished(k, len(reqs))) from None
        if k + 1 < len(reqs) and (out[-1].metadata or {}).get("partial"):  # cut by Ctrl-C
            raise progress.Interrupted(_unfinished(k, len(reqs)))
    return out


def _unfinished(k: int, n: int) -> str:
    return (f"{k} of {n} requests had finished their pairs (a schedule needs every request, so "
            "none is printed)")


def _assemble(network: Network, reqs: list[Request], routed: list[dict], chains: list[Any],
              policy: str, metric: str, strategy: str) -> NetworkScheduleResult:
    capacity = {n.name: n.memories for n in network.nodes}
    needs = [r["needs"] for r in routed]
    durations = [np.asarray(c.timeline.delivery_s, dtype=float) for c in chains]
    alloc = allocate(durations, needs, capacity, policy)
    groups, exclusive = conflict_groups(needs, capacity)
    group_of = {i: g for g in groups for i in g}
    excl_of = {i: e for g, e in zip(groups, exclusive) for i in g}
    var = [float(np.var(d, ddof=1)) if d.size > 1 else 0.0 for d in durations]
    solo = [_solo_time_s(r["models"], r["plan"]) for r in routed]
    theory_rate: dict[int, float] = {}
    for g, excl in zip(groups, exclusive):
        if excl and all(solo[i] is not None for i in g):
            rates = exclusive_rates_hz([solo[i] for i in g], [durations[i].size for i in g], policy)
            theory_rate.update(zip(g, rates))
    results = []
    for i, (req, r, ch) in enumerate(zip(reqs, routed, chains)):
        rate = _rate_estimate(i, alloc, group_of[i], var)
        theory: dict[str, Any] = {"route": r["route"].to_dict() if r["route"] else None}
        if ch.theory.get("fidelity") is not None:
            theory["fidelity"] = ch.theory["fidelity"]
            if req.fidelity_target is not None:
                theory["target_met"] = bool(ch.theory["fidelity"] >= req.fidelity_target)
        if solo[i] is not None:
            theory["mean_delivery_time_s"] = solo[i]
            theory["solo_rate_hz"] = 1.0 / solo[i]
        if i in theory_rate:
            theory["rate_hz"] = theory_rate[i]
        busy = float(durations[i].sum())
        demand = None if req.rate_hz is None else bool(rate.value >= req.rate_hz)
        results.append(RequestResult(req, tuple(r["path"]), r["route"], int(durations[i].size),
                                     ch.fidelity, rate, ch.rate_hz, float(alloc.completion_s[i]),
                                     max(float(alloc.completion_s[i]) - busy, 0.0),
                                     tuple(group_of[i]),
                                     excl_of[i], demand, theory, ch))
    return _summary(network, results, routed, chains, alloc, groups, policy, metric, strategy)


def _summary(network: Network, results: list[RequestResult], routed: list[dict], chains: list,
             alloc: Allocation, groups: list[list[int]], policy: str, metric: str,
             strategy: str) -> NetworkScheduleResult:
    used = sorted({v for r in routed for v in r["needs"]}, key=[n.name for n in network.nodes].index)
    stored = dict.fromkeys(used, 0.0)
    for r, ch in zip(routed, chains):
        for v, s in _stored_s(ch, r["path"]).items():
            stored[v] += s
    span = alloc.makespan_s
    occupancy = {v: {"capacity": network.node(v).memories,
                     "reserved_mean": alloc.reserved_mean[v],
                     "reserved_max": alloc.reserved_max[v],
                     "stored_mean": stored[v] / span if span > 0 else 0.0} for v in used}
    links: dict[str, float] = {}
    for res in results:
        for lk in network.links_on(res.path):
            links[lk.name] = links.get(lk.name, 0.0) + res.rate_hz.value
    rates = [r.rate_hz.value for r in results]
    theory = [r.theory.get("rate_hz") for r in results]
    total = sum(r.pairs for r in results) / span if span > 0 else 0.0
    return NetworkScheduleResult(
        tuple(results), policy, metric, strategy, groups, occupancy, jain_index(rates),
        jain_index(theory) if all(t is not None for t in theory) else None, span, total, links,
        [jain_index([rates[i] for i in g]) for g in groups], alloc, network)


@dataclass(frozen=True)
class NetworkRequestsParams:
    """A network and its requests (``qnet network --request``'s options), validated.

    Attributes:
        network: the :class:`~qnet_circuits.network.Network`.
        requests: :class:`Request` objects or ``(source, destination[, fidelity_target[,
            rate_hz]])`` tuples (converted).
        policy, metric, strategy, link_fidelity: as in :func:`schedule_network`.
    """

    network: Network
    requests: tuple[Request, ...]
    policy: str = "fifo"
    metric: str = "hops"
    strategy: str = "sequential"
    link_fidelity: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.network, Network):
            raise ValueError(f"network must be a Network, got {type(self.network).__name__}")
        reqs = tuple(_as_request(r) for r in check_sequence("requests", self.requests))
        if not reqs:
            raise ValueError("requests: give at least one (source, destination)")
        for req in reqs:
            for name in (req.source, req.destination):
                self.network.node(name)
        object.__setattr__(self, "requests", reqs)
        for name, value, choices in (("policy", self.policy, POLICIES),
                                     ("metric", self.metric, METRICS),
                                     ("strategy", self.strategy, STRATEGIES)):
            if value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        ChainPlan(link_fidelity=self.link_fidelity)  # validates the Werner range


def run(params: NetworkRequestsParams, *, runner: Any = None, shots: int | None = None,
        seed: int | None = None) -> NetworkScheduleResult:
    """:func:`schedule_network` of ``params``; ``shots`` = delivered pairs per request (default
    :data:`DEFAULT_PAIRS`)."""
    if not isinstance(params, NetworkRequestsParams):
        raise ValueError(f"params must be a NetworkRequestsParams, got {type(params).__name__}")
    return schedule_network(params.network, params.requests, policy=params.policy,
                            metric=params.metric, strategy=params.strategy,
                            pairs=DEFAULT_PAIRS if shots is None else shots,
                            link_fidelity=params.link_fidelity, runner=runner, seed=seed)


def circuits(params: NetworkRequestsParams, *, seed: int | None = None) -> list[Any]:
    """One ideal circuit per request: its chain's first session on its path (float Delays)."""
    from qnet_circuits.protocols.chain.pools import first_success_sampler
    from qnet_circuits.scheduler import schedule

    routed = _plan_all(params.network, list(params.requests), params.metric, params.strategy,
                       params.link_fidelity)
    out = []
    for r, s in zip(routed, request_seeds(seed, len(routed))):
        plan = r["plan"]
        sampler = first_success_sampler(r["models"], plan) if plan.purification else None
        sched = schedule(params.network, plan, path=r["path"], realizations=1, seed=s,
                         estimator="open", block=1, sampler=sampler)
        out.append(sched.bound_circuit(0))
    return out


__all__ = ["DEFAULT_PAIRS", "NetworkRequestsParams", "NetworkScheduleResult", "Request",
           "RequestResult", "circuits", "request_seeds", "run", "schedule_network",
           "session_block"]
