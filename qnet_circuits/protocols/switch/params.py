"""Parameters of the entanglement switch and the closed forms beside them.

>>> p = SwitchParams(users=4, mu_hz=100.0, q=0.5)
>>> round(theory(p)["capacity_hz"], 9), p.model
(100.0, 'continuous')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.library.options import CORRECTIONS
from qnet_circuits.protocols.base import (
    check_int,
    check_nonnegative,
    check_positive,
    check_probability,
    check_sequence,
)
from qnet_circuits.protocols.device_memory import check_memory_options
from qnet_circuits.protocols.pairs import check_choice
from qnet_circuits.protocols.switch.events import POLICIES

#: most users simulated
MAX_USERS = 16
#: most successful swaps one run may aim for
MAX_SWAPS = 2_000_000


def _buffer(value: Any) -> float:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("inf", "infinite", "unbounded"):
            return math.inf
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"--buffer must be an integer >= 1 or inf, got {value!r}") from None
    if isinstance(value, float) and value == math.inf:
        return math.inf
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return float(check_int("--buffer", value, minimum=1))


def _rates(users: int, mu: Any) -> tuple[float, ...]:
    if isinstance(mu, (int, float)) and not isinstance(mu, bool):
        return (check_positive("--mu", mu),) * users
    values = tuple(check_positive("--mu", m) for m in check_sequence("--mu", mu))
    if len(values) not in (1, users):
        raise ValueError(f"--mu takes one rate or one per user ({users}), got {len(values)}")
    return values * users if len(values) == 1 else values


@dataclass(frozen=True)
class SwitchParams:
    """A k-user entanglement switch (validated; messages use the command's flag names).

    Attributes:
        users: k users, each with one link to the switch (2 .. :data:`MAX_USERS`).
        policy: which user pair to serve when several can be (``"oldest"``, ``"longest"``,
            ``"random"``; see :mod:`~qnet_circuits.protocols.switch.events`).
        buffer: memories per link at the switch (an int >= 1, or ``inf``).
        mu_hz: pair generation rate of each link (1/s): one value, or one per user.
        p: per-slot success probability of every link (slotted model), or None (continuous).
        slot_s: slot length (s) of the slotted model.
        q: success probability of the switch's Bell-state measurement.
        alpha_hz: loss rate of each stored qubit (1/s; an exponential memory lifetime).
        t2_s: T2 of every memory (s; T1 infinite): stored pairs dephase while they wait.
        link_fidelity: Werner fidelity of each fresh link pair.
        request_rate_hz: requests per second of every user pair, or None (saturated demand:
            every pair always asks). Continuous model only.
        swaps: successful swaps the run aims for (it sets the simulated time).
        fidelity_samples: delivered pairs whose swap runs as a circuit.
        correction: ``"dynamic"`` (``if_test``) or ``"deferred"`` corrections in the circuit.
        memory, time_scale: what plays the memories during the delivered pairs' waits
            (:mod:`qnet_circuits.protocols.device_memory`, as ``qnet chain``): ``"device"`` (on a
            device the waits times ``time_scale``, default the device's median T2 over ``t2_s``;
            on Aer the network model), ``"off"`` (device: no waits) or ``"injected"`` (the
            memories' dephasing as sampled Z frames, device or Aer).
    """

    users: int = 4
    policy: str = "oldest"
    buffer: float = math.inf
    mu_hz: float | Sequence[float] = 100.0
    p: float | None = None
    slot_s: float = 1e-3
    q: float = 1.0
    alpha_hz: float = 0.0
    t2_s: float = math.inf
    link_fidelity: float = 1.0
    request_rate_hz: float | None = None
    swaps: int = 20_000
    fidelity_samples: int = 24
    correction: str = "dynamic"
    user_names: tuple[str, ...] | None = None
    memory: str = "device"
    time_scale: float | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "users", check_int("--users", self.users, minimum=2, maximum=MAX_USERS))
        check_choice("--policy", self.policy, POLICIES)
        set_(self, "buffer", _buffer(self.buffer))
        set_(self, "mu_hz", _rates(self.users, self.mu_hz))
        if self.p is not None:
            set_(self, "p", check_probability("--p", self.p))
            if self.p == 0:
                raise ValueError("--p must be > 0 (a link that never succeeds serves no one)")
            if len(set(self.mu_hz)) > 1:
                raise ValueError("--p (slotted links) takes no per-user --mu; give one or the other")
            if self.request_rate_hz is not None:
                raise ValueError("--request-rate is simulated in continuous time only; drop --p")
        set_(self, "slot_s", check_positive("--slot", self.slot_s))
        set_(self, "q", check_probability("--q", self.q))
        if self.q == 0:
            raise ValueError("--q must be > 0 (a BSM that never succeeds delivers nothing)")
        set_(self, "alpha_hz", check_nonnegative("--decoherence-rate", self.alpha_hz))
        set_(self, "t2_s", check_positive("--t2", self.t2_s, allow_inf=True))
        set_(self, "link_fidelity", check_probability("--link-fidelity", self.link_fidelity))
        if self.request_rate_hz is not None:
            set_(self, "request_rate_hz", check_positive("--request-rate", self.request_rate_hz))
        set_(self, "swaps", check_int("--swaps", self.swaps, minimum=100, maximum=MAX_SWAPS))
        set_(self, "fidelity_samples", check_int("--fidelity-samples", self.fidelity_samples,
                                                 minimum=1, maximum=512))
        check_choice("--correction", self.correction, CORRECTIONS)
        set_(self, "time_scale", check_memory_options(self.memory, self.time_scale))
        if self.user_names is not None:
            names = check_sequence("user_names", self.user_names)
            if (len(names) != self.users or len(set(names)) != len(names)
                    or not all(isinstance(n, str) and n for n in names)):
                raise ValueError(f"user_names must list {self.users} different names, got {names!r}")
            set_(self, "user_names", names)
        self._check_steady_state()

    def _check_steady_state(self) -> None:
        if math.isfinite(self.buffer) or self.alpha_hz > 0 or self.request_rate_hz is not None:
            return
        total = sum(self.mu_hz)
        if any(m >= total - m for m in self.mu_hz):
            raise ValueError("with an infinite --buffer and no --decoherence-rate the switch has "
                             "no steady state when one link is at least as fast as all others "
                             "together (always so for --users 2); give a finite --buffer")

    @property
    def model(self) -> str:
        """``"slotted"`` (``p`` given) or ``"continuous"``."""
        return "continuous" if self.p is None else "slotted"

    @property
    def names(self) -> list[str]:
        """The users: ``user_names``, or ``u1 .. uk``."""
        if self.user_names is not None:
            return list(self.user_names)
        return [f"u{j}" for j in range(1, self.users + 1)]

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """User pairs (i, l), i < l, as indices."""
        return [(i, j) for i in range(self.users) for j in range(i + 1, self.users)]

    def pair_name(self, pair: tuple[int, int]) -> str:
        """``"u1-u3"`` for (0, 2)."""
        return f"{self.names[pair[0]]}-{self.names[pair[1]]}"

    @property
    def homogeneous(self) -> bool:
        """All links equally fast."""
        return len(set(self.mu_hz)) == 1


def from_network(network: Any, router: str, **fields: Any) -> SwitchParams:
    """The switch at node ``router`` of a :class:`~qnet_circuits.network.Network`: one user per
    link of the router (named as in the network), each link's closed-form heralded rate
    ``rate_hz = p_round / cycle time`` (:func:`~qnet_circuits.physics.link_theory`) as its
    ``mu_hz`` (the continuous-time model treats the attempts as a Poisson process, the CTMC
    approximation of slotted links of Vardoyan et al.), its heralded fidelity as the Werner
    ``link_fidelity`` (the lowest over the links), the router's memories shared out as
    ``buffer = memories // links`` (at least 1) and the router's T2 (its T1 is left out: the
    switch's fidelity model is pure dephasing). ``fields`` override any of these.

    >>> from qnet_circuits.network import star
    >>> net = star(["ann", "bo", "cy"], 10.0, center="sw", center_role="router", center_memories=6)
    >>> p = from_network(net, "sw", q=0.5)
    >>> p.names, p.buffer, round(p.mu_hz[0], 1)
    (['ann', 'bo', 'cy'], 2.0, 6309.6)
    """
    from qnet_circuits.physics import link_theory

    node = network.node(router)
    neighbours = list(network.graph.neighbors(router))
    if len(neighbours) < 2:
        raise ValueError(f"router {router!r} needs links to at least 2 users, has {len(neighbours)}")
    figures = [link_theory(network.link(router, user), network) for user in neighbours]
    derived = {"users": len(neighbours), "user_names": tuple(neighbours),
               "mu_hz": tuple(f["rate_hz"] for f in figures),
               "link_fidelity": min(f["fidelity"] for f in figures),
               "buffer": max(1, node.memories // len(neighbours)), "t2_s": node.memory.t2_s}
    return SwitchParams(**{**derived, **fields})


def theory(params: SwitchParams, *, delivered: bool = True) -> dict[str, Any]:
    """Closed forms (:mod:`qnet_circuits.physics.switch`): ``capacity_hz`` (successful swaps per
    second under saturated demand), ``pair_rates_hz``, ``stored``, ``empty``, and where they
    exist the closed-form capacity, the delivered fidelity and the consumed pairs' mean wait
    (``delivered=False`` leaves those two out); with requests the demand and whether it lies in
    the capacity region."""
    p = params
    out: dict[str, Any] = {"model": p.model}
    if p.model == "slotted":
        s = physics.slotted_capacity(p.users, p.p, p.q, buffer=p.buffer,
                                     alpha=p.alpha_hz * p.slot_s)
        out.update(capacity_per_slot=s["capacity"], capacity_hz=s["capacity"] / p.slot_s,
                   stored=s["stored"], empty=s["empty"],
                   pair_rates_hz={p.pair_name(x): s["capacity"] / p.slot_s / len(p.pairs)
                                  for x in p.pairs})
        if delivered:
            d = physics.slotted_delivered_coherence(p.users, p.p, t2_slots=p.t2_s / p.slot_s,
                                                    buffer=p.buffer, alpha=p.alpha_hz * p.slot_s)
            out.update(coherence=d["coherence"], mean_wait_s=d["mean_wait_slots"] * p.slot_s,
                       fidelity=physics.switch_pair_fidelity(p.link_fidelity, d["coherence"]))
    else:
        st = physics.switch_stationary(p.users, p.mu_hz, p.q, buffer=p.buffer, alpha=p.alpha_hz)
        out.update(capacity_hz=st.capacity, stored=st.stored, empty=st.empty,
                   pair_rates_hz={p.pair_name(x): r for x, r in st.pair_rates.items()})
        if p.homogeneous and p.alpha_hz == 0:
            out["capacity_closed_form_hz"] = physics.switch_capacity_closed_form(
                p.users, p.mu_hz[0], p.q, p.buffer)
        if delivered and p.homogeneous and p.request_rate_hz is None:
            d = physics.delivered_coherence(p.users, p.mu_hz[0], t2_s=p.t2_s, buffer=p.buffer,
                                            alpha=p.alpha_hz)
            out.update(coherence=d["coherence"], mean_wait_s=d["mean_wait_s"],
                       fidelity=physics.switch_pair_fidelity(p.link_fidelity, d["coherence"]))
    if p.request_rate_hz is not None:
        demand = {x: p.request_rate_hz for x in p.pairs}
        inside = physics.capacity_region_ok(p.users, p.mu_hz, p.q, demand)
        out.update(demand_hz=p.request_rate_hz, demand_in_capacity_region=inside,
                   saturated_capacity_hz=out["capacity_hz"])
        # inside the region of an infinite-buffer switch without losses every request is
        # served (delivered = demand); elsewhere there is no closed form for the served rates
        exact = inside and math.isinf(p.buffer) and p.alpha_hz == 0
        out["pair_rates_hz"] = ({p.pair_name(x): p.request_rate_hz for x in p.pairs}
                                if exact else None)
        out["capacity_hz"] = p.request_rate_hz * len(p.pairs) if exact else None
        out["stored"] = None        # pairs nobody asks for pile up: the saturated law is moot
    out["fresh_pair_fidelity"] = physics.swap_werner(p.link_fidelity, p.link_fidelity)
    return out


def fidelity_of_waits(params: SwitchParams, waits_s: np.ndarray) -> np.ndarray:
    """The closed-form fidelity of each delivered pair from its two waits (``(n, 2)``, s):
    bilinear in the coherence factors ``exp(-2 W / T2)``, so four corner values suffice."""
    waits = np.asarray(waits_s, dtype=float).reshape(-1, 2)
    if math.isinf(params.t2_s):
        c = np.ones_like(waits)
    else:
        c = np.exp(-2.0 * waits / params.t2_s)
    f = params.link_fidelity
    corner = {(a, b): physics.switch_pair_fidelity(f, a, b) for a in (0.0, 1.0) for b in (0.0, 1.0)}
    ca, cb = c[:, 0], c[:, 1]
    return (corner[0, 0] * (1 - ca) * (1 - cb) + corner[1, 0] * ca * (1 - cb)
            + corner[0, 1] * (1 - ca) * cb + corner[1, 1] * ca * cb)


__all__ = ["MAX_SWAPS", "MAX_USERS", "SwitchParams", "fidelity_of_waits", "from_network",
           "theory"]
