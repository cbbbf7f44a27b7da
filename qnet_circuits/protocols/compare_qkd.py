"""Trusted nodes or repeaters? Secret-key rate against distance for the four network designs.

For each Alice-Bob fiber length ``L`` (km), in bit/s at a source of ``pulse_rate_hz`` channel
uses per second:

* **direct BB84**: decoy-state BB84 over ``L`` (Ma, Qi, Zhao, Lo 2005 channel, GYS preset by
  default), the mean photon number optimized: ``R(L) * pulse_rate``;
* **trusted-node relay** (stage 1): ``ceil(L / relay_hop_km)`` equal BB84-decoy hops joined by
  one-time pads; the rate is the slowest hop's, ``R(L / hops) * pulse_rate``;
* **repeater chain** (stages 3-4): ``ceil(L / repeater_link_km)`` heralded double-click links
  (the toolkit's link physics: success probability ``p`` per attempt of cycle time ``tau``),
  swapped sequentially with ideal memories; Werner links of fidelity ``link_fidelity`` give the
  end-to-end Werner parameter ``w^n``, BBM92 keeps ``(1/2)(1 - 2 h(Q))`` with
  ``Q = (1 - w^n)/2`` per pair, and pairs arrive at ``1 / E[T]`` with ``E[T]`` the exact mean
  delivery time including the swaps' classical messages
  (:func:`~qnet_circuits.physics.chain_exact.mean_delivery_time`; beyond
  :data:`~qnet_circuits.physics.chain_exact.MAX_EXACT_LINKS` links its upper bound, so the rate
  is a lower bound there);
* **PLOB**: the repeaterless capacity ``-log2(1 - eta(L))`` per channel use of the fiber.

With ``pulses > 0`` the direct link and one relay hop are also simulated pulse by pulse (the
BB84 protocol's own model, sampled at the cost of its detections by
:func:`~qnet_circuits.protocols.bb84.clicks.sample_clicks`, in :data:`BATCHES` independent
batches whose spread is the standard error), and their estimated rates stand beside the closed forms.

>>> r = run(CompareParams(lengths_km=(100.0, 1000.0)))
>>> [row["relay_hops"] for row in r.rows], r.rows[1]["direct_bb84_hz"]
([2, 13], 0.0)
>>> r.rows[1]["relay_bb84_hz"] > r.rows[1]["plob_hz"]   # trusted nodes beat the bound
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.protocols.base import Provenance, check_finite, check_int, check_positive
from qnet_circuits.run import progress

if TYPE_CHECKING:
    from qnet_circuits.run import Runner

#: Alice-Bob lengths compared by default (km)
DEFAULT_LENGTHS_KM = (100.0, 500.0, 1000.0, 2000.0)
#: most lengths one comparison takes
MAX_LENGTHS = 200
#: most trusted-node hops of the relay at one length
MAX_RELAY_HOPS = 10**6


@dataclass(frozen=True)
class CompareParams:
    """A comparison of QKD network designs (validated; fields named as the command's flags).

    Attributes:
        lengths_km: Alice-Bob fiber lengths in km (each > 0).
        relay_hop_km: longest hop of the trusted-node relay in km.
        repeater_link_km: longest elementary link of the repeater chain in km.
        link_fidelity: Werner fidelity of each repeater link, in [0.25, 1].
        pulse_rate_hz: channel uses per second (BB84 pulses, PLOB uses).
        method: decoy method of the BB84 hops (``none``, ``vacuum-weak``, ``infinite``).
        pulses: pulses per simulated point (0: closed forms only).
    """

    lengths_km: tuple[float, ...] = DEFAULT_LENGTHS_KM
    relay_hop_km: float = 80.0
    repeater_link_km: float = 50.0
    link_fidelity: float = 0.99
    pulse_rate_hz: float = 1e9
    method: str = "vacuum-weak"
    pulses: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.lengths_km, (str, bytes)) or not hasattr(self.lengths_km, "__iter__"):
            raise ValueError(f"--lengths must be a list of lengths in km, got {self.lengths_km!r}")
        lengths = tuple(check_positive("--lengths", x) for x in self.lengths_km)
        if not 1 <= len(lengths) <= MAX_LENGTHS:
            raise ValueError(f"--lengths takes 1 to {MAX_LENGTHS} lengths, got {len(lengths)}")
        object.__setattr__(self, "lengths_km", lengths)
        for name in ("relay_hop_km", "repeater_link_km", "pulse_rate_hz"):
            object.__setattr__(self, name, check_positive("--" + name.replace("_", "-"),
                                                          getattr(self, name)))
        fid = check_finite("--link-fidelity", self.link_fidelity)
        if not 0.25 <= fid <= 1.0:
            raise ValueError(f"--link-fidelity must be in [0.25, 1] (Werner fidelity), got {fid}")
        object.__setattr__(self, "link_fidelity", fid)
        longest = max(lengths)
        if not longest / self.relay_hop_km <= MAX_RELAY_HOPS:
            raise ValueError(f"--relay-hop-km {self.relay_hop_km:g} splits {longest:g} km into more "
                             f"than {MAX_RELAY_HOPS} hops; raise --relay-hop-km")
        if self.method not in physics.DECOY_METHODS:
            raise ValueError(f"--decoy must be one of {', '.join(physics.DECOY_METHODS)}, got "
                             f"{self.method!r}")
        object.__setattr__(self, "pulses", check_int("--pulses", self.pulses, minimum=0))
        if self.pulses > 10**9:
            raise ValueError(f"--pulses must be at most 10^9 per point, got {self.pulses}")


@dataclass(frozen=True, eq=False)
class CompareResult:
    """One row per length: the four designs' rates (bit/s) and, when simulated, estimates."""

    params: CompareParams
    rows: tuple[dict[str, Any], ...]
    provenance: Provenance

    @property
    def partial(self) -> bool:
        """True when Ctrl-C kept only the rows of the first lengths (issue 13)."""
        return len(self.rows) < len(self.params.lengths_km)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (``qnet compare-qkd --json``)."""
        p = self.params
        out = {"relay_hop_km": p.relay_hop_km, "repeater_link_km": p.repeater_link_km,
               "link_fidelity": p.link_fidelity, "pulse_rate_hz": p.pulse_rate_hz,
               "decoy": p.method, "pulses": p.pulses, "rows": [dict(r) for r in self.rows]}
        if self.partial:  # Ctrl-C: every finished length's row is whole
            out.update(partial=True, shots_done=len(self.rows),
                       shots_requested=len(p.lengths_km), partial_unit="lengths")
        out["provenance"] = self.provenance.to_dict()
        return out

    def plot(self, ax: Any = None) -> Any:
        """Key rate (bit/s, log scale) against length for the four designs, simulated points
        with error bars where they were run."""
        from qnet_circuits.protocols.plots import axis

        ax = axis(ax)
        x = [r["length_km"] for r in self.rows]
        curves = (("direct_bb84_hz", "direct BB84 (decoy)"), ("relay_bb84_hz", "trusted-node relay"),
                  ("repeater_hz", "repeater chain (BBM92)"), ("plob_hz", "PLOB (repeaterless)"))
        for key, label in curves:
            y = [r[key] if r[key] > 0 else float("nan") for r in self.rows]
            ax.plot(x, y, "--" if key == "plob_hz" else "-", label=label)
        for key in ("direct", "relay"):
            pts = [(r["length_km"], r[f"{key}_bb84_sim_hz"], r[f"{key}_bb84_sim_hz_stderr"])
                   for r in self.rows if r.get(f"{key}_bb84_sim_hz", 0) > 0]
            if pts:
                xs, ys, es = zip(*pts)
                ax.errorbar(xs, ys, yerr=es, fmt="o", ms=4, label=f"{key} (simulated)")
        ax.set_yscale("log")
        ax.set_xlabel("Alice-Bob distance (km)")
        ax.set_ylabel(f"secret key rate (bit/s at {self.params.pulse_rate_hz:.0e} uses/s)")
        ax.legend(fontsize=8)
        return ax


def repeater_rate_hz(length_km: float, link_km: float, link_fidelity: float) -> dict[str, float]:
    """The repeater-chain row of the module doc: links, delivered fidelity, pairs/s, key bit/s."""
    from qnet_circuits.network import chain
    from qnet_circuits.physics.chain_exact import MAX_EXACT_LINKS, mean_delivery_time
    from qnet_circuits.physics.link import raw_heralded_state
    from qnet_circuits.protocols.chain.theory import classical_offsets
    from qnet_circuits.protocols.limits import MAX_CHAIN_LINKS
    from qnet_circuits.timeline import ChainGeometry

    ratio = length_km / link_km
    if not ratio <= MAX_CHAIN_LINKS:  # the chain's geometry grows with n (offsets per link)
        raise ValueError(f"--lengths {length_km:g} km at --repeater-link-km {link_km:g} needs "
                         f"{ratio:.3g} repeater links; at most {MAX_CHAIN_LINKS}: raise "
                         "--repeater-link-km")
    n = max(1, math.ceil(ratio - 1e-9))
    net = chain(1, length_km / n)
    link = net.links[0]
    with np.errstate(invalid="ignore", divide="ignore"):  # p underflows to 0 on long links
        p = float(raw_heralded_state(link)[0])
    if p <= 0.0:  # no link ever heralds: no pair, no key (fidelity undefined)
        return {"repeater_links": n, "repeater_p_link": 0.0, "repeater_fidelity": None,
                "repeater_pairs_hz": 0.0, "repeater_hz": 0.0, "repeater_exact": True}
    tau = link.cycle_time_s
    geometry = ChainGeometry.uniform(n, cycle_time_s=tau, hop_delay_s=link.fiber.delay_s)
    offsets = classical_offsets(geometry, "sequential")
    if n <= MAX_EXACT_LINKS:
        mean_t = mean_delivery_time([p] * n, offsets, tau)
    else:  # the upper bound: the key rate below is then a lower bound
        mean_t = tau * physics.expected_max_geometric(n, p) + max(offsets)
    w = physics.werner_w(link_fidelity) ** n
    qber = (1.0 - w) / 2.0
    fraction = max(0.0, 1.0 - 2.0 * physics.binary_entropy(qber)) / 2.0
    return {"repeater_links": n, "repeater_p_link": p, "repeater_fidelity": (3 * w + 1) / 4,
            "repeater_pairs_hz": 1.0 / mean_t, "repeater_hz": fraction / mean_t,
            "repeater_exact": n <= MAX_EXACT_LINKS}


#: independent batches of a simulated point (their spread gives the standard error)
BATCHES = 5


def _simulated_rate(length_km: float, optimum: tuple[float, float], params: CompareParams,
                    seed: int) -> tuple[float, float]:
    """Key rate per pulse from a pulse-level BB84-decoy simulation at the optimal mu
    (``optimum = (mu, R)`` of :func:`~qnet_circuits.physics.decoy_optimal_mu`), and its standard
    error from :data:`BATCHES` independent batches (std of the batch estimates over
    sqrt(batches)); ``(0, 0)`` where the closed form has no key."""
    from qnet_circuits.protocols.bb84.analysis import estimates
    from qnet_circuits.protocols.bb84.clicks import sample_clicks  # exact, cost of the clicks

    ch = physics.GYS
    mu, rate = optimum
    if rate <= 0:
        return 0.0, 0.0
    intensities = [mu, 0.1, 0.0] if params.method == "vacuum-weak" else [mu]
    size = max(1, params.pulses // BATCHES)
    rates = [float(estimates(sample_clicks(size, length_km, ch, intensities=intensities,
                                           seed=int(s.generate_state(1)[0]), keep_bits=0),
                             params.method, ch)["key_rate"])
             for s in np.random.SeedSequence(seed).spawn(BATCHES)]
    return float(np.mean(rates)), float(np.std(rates, ddof=1) / math.sqrt(BATCHES))


def run(params: CompareParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> CompareResult:
    """Tabulate the designs at every length (``shots`` overrides ``pulses``)."""
    pulses = params.pulses if shots is None else check_int("shots", shots, minimum=1)
    if pulses != params.pulses:
        params = CompareParams(**{**params.__dict__, "pulses": pulses})
    root = np.random.SeedSequence(seed)
    seeds = root.spawn(2 * len(params.lengths_km))
    rows: list[dict[str, Any]] = []
    with progress.task(len(params.lengths_km), unit="lengths"), progress.polling():
        for i, length in enumerate(params.lengths_km):
            if i and progress.stop_requested():  # Ctrl-C between lengths: the finished rows
                break
            rows.append(_row(params, length, seeds[2 * i: 2 * i + 2]))
            progress.advance(1)
    return CompareResult(params, tuple(rows),
                         Provenance.collect("compare_qkd", None, seed=root.entropy, shots=pulses))


def _row(params: CompareParams, length: float, seeds: list) -> dict[str, Any]:
    """One length's rates (bit/s) of the four designs, and with pulses the simulated direct and
    relay-hop rates (``seeds``: that length's two seed sequences)."""
    ch = physics.GYS
    hops = max(1, math.ceil(length / params.relay_hop_km - 1e-9))
    direct = physics.decoy_optimal_mu(length, ch, params.method)
    hop = physics.decoy_optimal_mu(length / hops, ch, params.method)
    row: dict[str, Any] = {
        "length_km": length, "relay_hops": hops,
        "direct_bb84_hz": direct[1] * params.pulse_rate_hz,
        "relay_bb84_hz": hop[1] * params.pulse_rate_hz,
        "plob_hz": physics.plob_per_pulse(length, ch)[0] * params.pulse_rate_hz,
        **repeater_rate_hz(length, params.repeater_link_km, params.link_fidelity),
    }
    if params.pulses:
        s1, s2 = (int(s.generate_state(1)[0]) for s in seeds)
        for key, hop_km, best, s in (("direct", length, direct, s1),
                                     ("relay", length / hops, hop, s2)):
            value, err = _simulated_rate(hop_km, best, params, s)
            row[f"{key}_bb84_sim_hz"] = value * params.pulse_rate_hz
            row[f"{key}_bb84_sim_hz_stderr"] = err * params.pulse_rate_hz
    return row


def circuits(params: CompareParams) -> list:
    """The comparison is closed forms plus pulse statistics: no circuit to export."""
    return []
