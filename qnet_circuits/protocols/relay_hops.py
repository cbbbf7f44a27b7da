"""The hops of a trusted-node relay: validation, the hop plan, BB84-decoy hops and their theory.

A relay of ``hops`` spans of ``length_km / hops`` km joins ``alice``, ``T1`` ... ``T{hops-1}``,
``bob``. A span listed in ``satellite_hops`` is a satellite link instead of fiber (its ground
span is not used: the arms are the slant ranges of ``altitude_km`` and ``elevation_deg``):

* BBM92: one QKD run whose pairs come from a source on the satellite, one photon down to each
  ground node (:class:`~qnet_circuits.network.free_space.SatelliteDownlinks`);
* BB84-decoy: the satellite ``S{k}`` is a trusted node too; it runs one BB84-decoy session down
  to each of the span's ground nodes, the downlink transmittance of
  :data:`~qnet_circuits.physics.free_space.MICIUS_2017` (its fitted receiver efficiency holds the
  detection, so the receiver's ``eta_bob`` is not applied again); background yield, misalignment
  and ``f`` are the channel's.

>>> from qnet_circuits.protocols.relay import RelayParams
>>> [s.name for s in segments(RelayParams(hops=3, protocol="bb84-decoy", satellite_hops=(2,)))]
['alice-T1', 'T1-S2', 'S2-T2', 'T2-bob']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits.physics.decoy import (
    DECOY_METHODS,
    GYS,
    MU_MAX,
    DecoyChannel,
    decoy_optimal_mu,
    plob_per_pulse,
    wcp_transmittance,
)
from qnet_circuits.protocols.base import check_finite, check_int, check_positive, check_sequence

if TYPE_CHECKING:
    from qnet_circuits.protocols.bb84.hop import DecoyHop
    from qnet_circuits.protocols.relay import RelayParams

#: most pulses one BB84-decoy hop sends
MAX_PULSES = 10**11


def validate(p: RelayParams) -> None:
    """Check the BB84-decoy and satellite fields of ``p`` (errors name the ``qnet relay`` flags)."""
    from qnet_circuits.protocols.relay import DECOY_CHANNELS

    if p.decoy not in DECOY_METHODS:
        raise ValueError(f"--decoy must be one of {', '.join(DECOY_METHODS)}, got {p.decoy!r}")
    if p.channel not in DECOY_CHANNELS:
        raise ValueError(f"--channel must be one of {', '.join(DECOY_CHANNELS)}, got {p.channel!r}")
    nu = check_finite("--nu", p.nu)
    if not 0.0 < nu < MU_MAX:
        raise ValueError(f"--nu must be a mean photon number in (0, {MU_MAX:g}), got {nu}")
    pulses = check_int("--pulses", p.pulses, minimum=1)
    if pulses > MAX_PULSES:
        raise ValueError(f"--pulses must be at most {MAX_PULSES:.0e} per hop, got {pulses}")
    object.__setattr__(p, "pulses", pulses)
    from qnet_circuits.protocols.bb84.hop import KEY_LENGTHS

    key_length = p.key_length or ("lim2014" if p.decoy == "vacuum-weak" else "ma2005")
    if key_length not in KEY_LENGTHS:
        raise ValueError(f"--key-length must be one of {', '.join(KEY_LENGTHS)}, got {key_length!r}")
    if key_length == "lim2014" and p.decoy != "vacuum-weak":
        raise ValueError(f"--key-length lim2014 needs --decoy vacuum-weak (three intensities), got "
                         f"{p.decoy!r}; use --key-length ma2005")
    object.__setattr__(p, "key_length", key_length)
    object.__setattr__(p, "pulse_rate_hz", check_positive("--pulse-rate-hz", p.pulse_rate_hz))
    if p.network is not None or p.route is not None:
        _use_path(p)
    hops = tuple(check_int("--satellite-hop", k, minimum=1)
                 for k in check_sequence("--satellite-hop", p.satellite_hops))
    if any(k > p.hops for k in hops) or len(set(hops)) != len(hops):
        raise ValueError(f"--satellite-hop must name distinct hops in 1..{p.hops}, got {hops}")
    object.__setattr__(p, "satellite_hops", tuple(sorted(hops)))
    if hops:
        from qnet_circuits.network.free_space import SatelliteDownlinks

        SatelliteDownlinks(p.altitude_km, p.elevation_deg)  # validates both


def _use_path(p: RelayParams) -> None:
    """Take ``hops``, ``length_km`` and ``satellite_hops`` from the network path of ``route``."""
    from qnet_circuits.network import Fiber

    if p.network is None or p.route is None or len(p.route) != 2:
        raise ValueError("a relay over a network needs both network= and route=(source, target) "
                         "(qnet relay --graph FILE --route SRC DST)")
    if p.protocol != "bb84-decoy":
        raise ValueError("--graph relays run BB84-decoy hops with each edge's physics: add "
                         "--protocol bb84-decoy (bbm92 relays take --hops and --length-km)")
    path = p.network.path(*p.route)
    links = [p.network.link(a, b) for a, b in zip(path[:-1], path[1:])]
    object.__setattr__(p, "hops", len(links))
    object.__setattr__(p, "length_km", float(sum(lk.fiber.length_km for lk in links
                                                  if isinstance(lk.fiber, Fiber))))
    object.__setattr__(p, "satellite_hops", tuple(
        k for k, lk in enumerate(links, 1) if not isinstance(lk.fiber, Fiber)))


def link_channel(link: Any) -> DecoyChannel:
    """A network fiber link as a decoy channel: its attenuation, detector efficiency and dark
    counts (``Y0 = 1 - (1 - p_dark)^2``, two detectors), GYS's e_detector and f."""
    pd = link.detector.dark_count_prob
    return DecoyChannel(link.fiber.attenuation_db_per_km, max(link.detector.efficiency, 1e-300),
                        1.0 - (1.0 - pd) ** 2, GYS.e_detector, GYS.f, name=f"link {link.name}")


def decoy_channel(p: RelayParams) -> DecoyChannel:
    """The hop channel: GYS, or the network's default fiber link (0.2 dB/km, its detector)."""
    if p.channel == "gys":
        return GYS
    from qnet_circuits.network import chain

    return replace(link_channel(chain(1, 1.0).links[0]), name="network")


@dataclass(frozen=True)
class Segment:
    """One QKD session of the relay: its end nodes, kind, span and overall transmittance."""

    left: str
    right: str
    kind: str
    length_km: float
    eta: float
    channel: DecoyChannel = GYS

    @property
    def name(self) -> str:
        """``left-right``."""
        return f"{self.left}-{self.right}"


def _ground(p: RelayParams, i: int) -> str:
    return "alice" if i == 0 else "bob" if i == p.hops else f"T{i}"


def _satellite(a: str, b: str, k: int, sat: Any, ch: DecoyChannel, eff: float) -> list[Segment]:
    eta = sat.transmissivity_over(sat.arm_km) * eff
    return [Segment(a, f"S{k}", "satellite-downlink", sat.arm_km, eta, ch),
            Segment(f"S{k}", b, "satellite-downlink", sat.arm_km, eta, ch)]


def segments(p: RelayParams) -> list[Segment]:
    """The sessions of a BB84-decoy relay, Alice first (module doc)."""
    from qnet_circuits.network.free_space import SatelliteDownlinks

    if p.network is not None:
        return _path_segments(p)
    ch = decoy_channel(p)
    out: list[Segment] = []
    for k in range(1, p.hops + 1):
        a, b = _ground(p, k - 1), _ground(p, k)
        if k in p.satellite_hops:
            out += _satellite(a, b, k, SatelliteDownlinks(p.altitude_km, p.elevation_deg), ch, 1.0)
        else:
            out.append(Segment(a, b, "fiber", p.hop_length_km,
                               wcp_transmittance(p.hop_length_km, ch), ch))
    return out


def _path_segments(p: RelayParams) -> list[Segment]:
    """Sessions along the network path: each edge's own physics (module doc)."""
    from qnet_circuits.network import Fiber

    path = p.network.path(*p.route)
    out: list[Segment] = []
    for k, (a, b) in enumerate(zip(path[:-1], path[1:]), 1):
        link = p.network.link(a, b)
        if isinstance(link.fiber, Fiber):
            ch = link_channel(link)
            out.append(Segment(a, b, "fiber", link.fiber.length_km,
                               wcp_transmittance(link.fiber.length_km, ch), ch))
        else:  # the downlink's fitted efficiency holds detection; the link's detector applies
            ch = replace(GYS, y0=1.0 - (1.0 - link.detector.dark_count_prob) ** 2)
            out += _satellite(a, b, k, link.fiber, ch, link.detector.efficiency)
    return out


def optimal_mu(eta: float, ch: DecoyChannel, method: str, nu: float) -> tuple[float, float]:
    """Ma et al.'s optimal ``(mu, R)`` at overall transmittance ``eta`` (the closed forms see the
    channel only through ``eta``: evaluated as ``-10 log10(eta)`` km of 1 dB/km, eta_bob 1)."""
    if eta <= 0:
        return math.nan, 0.0
    loss_db = max(-10.0 * math.log10(eta), 0.0)
    return decoy_optimal_mu(loss_db, replace(ch, alpha_db_per_km=1.0, eta_bob=1.0), method, nu)


def run_decoy_segments(p: RelayParams, pulses: int, seed: Any) -> tuple[list[Segment], list]:
    """Run every session (module doc) with ``pulses`` pulses; seeds spawned from ``seed``."""
    segs = segments(p)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    seeds = [int(s.generate_state(1)[0]) for s in root.spawn(len(segs))]
    cache: dict[tuple, float] = {}
    hops = []
    from qnet_circuits.run import progress  # a bar of sessions; Ctrl-C keeps none (one line)

    with progress.task(len(segs), unit="sessions"):
        for seg, s in zip(segs, seeds):
            hops.append(_decoy_session(p, seg, s, pulses, cache))
            progress.advance(1)
    return segs, hops


def _decoy_session(p: RelayParams, seg: Segment, s: int, pulses: int,
                   cache: dict[tuple, float]) -> Any:
    """One BB84-decoy session of :func:`run_decoy_segments` (its mu cached per channel)."""
    from qnet_circuits.protocols.bb84.hop import run_decoy_hop

    ch = seg.channel
    if (seg.eta, ch) not in cache:
        mu, rate = optimal_mu(seg.eta, ch, p.decoy, p.nu)
        if rate <= 0:  # no key at this hop: run at the 0-loss optimum, report the zero
            mu = optimal_mu(ch.eta_bob, ch, p.decoy, p.nu)[0]
        cache[(seg.eta, ch)] = mu
    return run_decoy_hop(ch, seg.eta, mu=cache[(seg.eta, ch)], nu=p.nu, method=p.decoy,
                         pulses=pulses, seed=s, key_length=p.key_length)


def decoy_theory(p: RelayParams, hops: list[DecoyHop]) -> dict[str, Any]:
    """Closed forms in bit/s at ``pulse_rate_hz``: every session's asymptotic rate
    ``p_signal R(mu, eta)`` (the relay's is the slowest), the direct fiber link over the whole
    length at its optimal mu, and the PLOB bound of that fiber."""
    segs = segments(p)
    fibers = [s.channel for s in segs if s.kind == "fiber"]
    ch = fibers[0] if fibers else decoy_channel(p)  # the direct link: the first fiber's physics
    rate = p.pulse_rate_hz
    per_hop = [h.theory["key_rate_per_pulse"] * rate for h in hops]
    p_signal = hops[0].probabilities[0]
    direct = decoy_optimal_mu(p.length_km, ch, p.decoy, p.nu)
    return {"hop_secret_key_rate_hz": per_hop,
            "relay_secret_key_rate_hz": min(per_hop),
            "bottleneck_session": int(np.argmin(per_hop)) + 1,
            "relay_key_bits_asymptotic": min(h.theory["key_bits_asymptotic"] for h in hops),
            "direct_secret_key_rate_hz": p_signal * direct[1] * rate,
            "direct_mu": None if math.isnan(direct[0]) else direct[0],
            "plob_direct_hz": plob_per_pulse(p.length_km, ch)[0] * rate,
            "hop_transmissivity": [h.eta for h in hops],
            "direct_transmissivity": wcp_transmittance(p.length_km, ch),
            "pulse_rate_hz": rate, "p_signal": p_signal}
