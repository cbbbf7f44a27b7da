"""Trusted-node QKD relay (stage 1 of the quantum-internet roadmap), beside its closed form.

``hops`` equal QKD links of ``length_km / hops`` each join Alice to Bob through ``hops - 1``
trusted nodes. Every hop runs the toolkit's own key distribution end to end (BBM92 over a
heralded Werner link: :mod:`qnet_circuits.protocols.qkd`, with sifting, Cascade, Toeplitz privacy
amplification and the finite-key length), and the hop keys are joined by one-time pads
(:func:`qnet_circuits.keys.relay.relay_keys`): Bob recovers Alice's key bit for bit, every trusted
node can too (reported), and the relayed key is as long as the shortest hop key.

Theory: the end-to-end secret-key rate is the slowest hop's asymptotic rate
``R_hop = r(F) * f_key * p / tau`` (``r`` the BBM92 rate of the hop's Werner pair, ``f_key`` the
sifting fraction, ``p / tau`` the link's heralding rate), beside the direct single link over the
whole length and the repeaterless PLOB bound ``-log2(1 - eta)`` per attempt of that direct link.

``protocol="bb84-decoy"``: every hop is prepare-and-measure BB84 with weak coherent pulses and
decoy states (:mod:`qnet_circuits.protocols.bb84.hop`: ``pulses`` pulses, signal ``mu`` optimized
for the hop, vacuum + weak or infinite decoys; the GYS channel or the network's fiber), its
sifted bits corrected by Cascade and hashed (Toeplitz) to the Ma et al. (2005) Section V length
(:mod:`qnet_circuits.keys.decoy`); the relayed rate is the slowest hop's, beside its closed
form ``p_signal R(mu, eta_hop)`` per pulse. ``satellite_hops`` replaces fiber hops by satellite
links: for BBM92 the pair source flies on the satellite (two downlinks, an untrusted source);
for BB84-decoy the satellite is one more trusted node that runs a downlink to each ground node
(as in the Micius intercontinental relay), the downlink loss from
:mod:`qnet_circuits.physics.free_space`.

>>> result = run(RelayParams(hops=3, length_km=150.0, pairs=100_000), seed=4)
>>> result.keys_match, result.relayed_bits == min(result.hop_key_bits), result.exposed_to
(True, True, ('T1', 'T2'))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.keys.relay import RelayedKey, relay_keys
from qnet_circuits.protocols.base import Provenance, check_finite, check_int, resolve_runner

if TYPE_CHECKING:
    from qnet_circuits.protocols.qkd import QkdResult
    from qnet_circuits.run import Runner

#: pairs per hop when ``run`` is given none
DEFAULT_PAIRS = 200_000
#: hop protocols a relay can run
RELAY_PROTOCOLS = ("bbm92", "bb84-decoy")
#: pulses per BB84-decoy hop when ``run`` is given none
DEFAULT_PULSES = 10**10
#: BB84-decoy key lengths, as the output names them
KEY_LENGTH_LABELS = {
    "lim2014": "lim2014 (Lim, Curty, Walenta, Xu, Zbinden, PRA 89, 022307 (2014): composable "
               "finite-key length, eps_sec 1e-10, eps_cor 1e-15)",
    "ma2005": "gllp-decoy-ma2005-sec5 (asymptotic GLLP-decoy length with Ma et al. 2005 Section V "
              "fluctuations, u_alpha = 6.36; not composable)"}
#: BB84-decoy hop channels: the GYS experiment, or the network's default fiber link
DECOY_CHANNELS = ("gys", "network")
#: the Beijing-Shanghai backbone: about 2,000 km through 32 trusted nodes (33 hops, ~61 km each)
BACKBONE_2000KM = {"hops": 33, "length_km": 2000.0}
#: most hops one run simulates (each hop is a full QKD run)
MAX_HOPS = 200


@dataclass(frozen=True)
class RelayParams:
    """A trusted-node relay (validated; fields use the command's flag names in errors).

    Attributes:
        hops: QKD links from Alice to Bob (>= 1; ``hops - 1`` trusted nodes).
        length_km: Alice-to-Bob fiber length in km, split equally between the hops.
        protocol: the hop protocol (``"bbm92"``).
        fidelity: Werner fidelity of each hop's pairs, in [0.25, 1].
        pairs: distributed pairs per hop.
        decoy, nu, pulses, channel: the BB84-decoy hops (``protocol="bb84-decoy"``): decoy method
            (``vacuum-weak``, ``infinite``, or ``none``), weak decoy intensity, pulses per hop,
            channel (``gys`` or ``network``: 0.2 dB/km fiber, ideal detector, GYS's e_detector, f).
        pulse_rate_hz: pulses per second (bit/s of the BB84-decoy rates).
        satellite_hops: 1-based hops that are satellite links (module doc).
        altitude_km, elevation_deg: the satellites' altitude and elevation seen from the ground.
        key_length: BB84-decoy key length, ``lim2014`` (Lim et al. 2014, composable; the default
            with vacuum + weak decoys) or ``ma2005`` (Ma et al. 2005 Section V; the default
            otherwise).
        network, route: relay along the shortest path from ``route[0]`` to ``route[1]`` of a
            :class:`~qnet_circuits.network.Network` (BB84-decoy): every fiber edge a hop with its
            own attenuation, detector efficiency and dark counts (GYS's e_detector and f), every
            ``channel: free_space`` edge a trusted satellite with two downlinks; ``hops``,
            ``length_km`` (the fiber total) and ``satellite_hops`` then come from the path.
    """

    hops: int = 4
    length_km: float = 200.0
    protocol: str = "bbm92"
    fidelity: float = 0.97
    pairs: int = DEFAULT_PAIRS
    decoy: str = "vacuum-weak"
    nu: float = 0.1
    pulses: int = DEFAULT_PULSES
    channel: str = "gys"
    pulse_rate_hz: float = 1e9
    satellite_hops: tuple[int, ...] = ()
    altitude_km: float = 500.0
    elevation_deg: float = 30.0
    key_length: str | None = None
    network: Any = field(default=None, compare=False)
    route: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        hops = check_int("--hops", self.hops, minimum=1)
        if hops > MAX_HOPS:
            raise ValueError(f"--hops must be at most {MAX_HOPS} (each hop is a full QKD run), "
                             f"got {hops}")
        object.__setattr__(self, "hops", hops)
        length = check_finite("--length-km", self.length_km)
        if length < 0:
            raise ValueError(f"--length-km must be >= 0 (Alice-to-Bob fiber), got {length}")
        object.__setattr__(self, "length_km", length)
        if self.protocol not in RELAY_PROTOCOLS:
            raise ValueError(f"--protocol must be one of {', '.join(RELAY_PROTOCOLS)}, "
                             f"got {self.protocol!r}")
        fid = check_finite("--fidelity", self.fidelity)
        if not 0.25 <= fid <= 1.0:
            raise ValueError(f"--fidelity must be in [0.25, 1] (Werner fidelity), got {fid}")
        object.__setattr__(self, "fidelity", fid)
        object.__setattr__(self, "pairs", check_int("--pairs", self.pairs, minimum=1))
        from qnet_circuits.protocols import relay_hops

        relay_hops.validate(self)

    @property
    def hop_length_km(self) -> float:
        """Fiber length of each hop in km."""
        return self.length_km / self.hops


@dataclass(frozen=True, eq=False)
class RelayResult:
    """A relay run: per-hop QKD results, the relayed key, and the closed forms.

    ``hop_results`` holds one result per QKD session: a :class:`QkdResult` per hop for BBM92,
    a :class:`~qnet_circuits.protocols.bb84.hop.DecoyHop` per session for BB84-decoy (whose
    ``segments`` name the sessions' nodes; a satellite span is two sessions).
    """

    params: RelayParams
    hop_results: tuple[Any, ...]
    relayed: RelayedKey
    theory: dict[str, Any]
    provenance: Provenance
    segments: tuple[Any, ...] = ()

    @property
    def keys_match(self) -> bool:
        """Alice's and Bob's relayed keys are equal."""
        return self.relayed.keys_match

    @property
    def relayed_bits(self) -> int:
        """Length of the relayed key in bits."""
        return self.relayed.length

    @property
    def decoy(self) -> bool:
        """True for a BB84-decoy relay."""
        return self.params.protocol == "bb84-decoy"

    @property
    def hop_key_bits(self) -> tuple[int, ...]:
        """Final key bits of every hop (session)."""
        if self.decoy:
            return tuple(r.final_key_bits for r in self.hop_results)
        return tuple(r.key.final_key_bits for r in self.hop_results)

    @property
    def exposed_to(self) -> tuple[str, ...]:
        """Trusted nodes that can reconstruct the relayed key (``T1``..``T{hops-1}``, and the
        satellites ``S{k}`` of a BB84-decoy relay)."""
        if self.decoy:
            return tuple(self.segments[i - 1].right for i in self.relayed.exposed_to)
        return tuple(f"T{i}" for i in self.relayed.exposed_to)

    @property
    def key_rate_hz(self) -> float:
        """End-to-end final-key rate in bit/s: the slowest hop's (the relay's bottleneck)."""
        if self.decoy:
            pulses = self.hop_results[0].pulses
            return self.relayed_bits / pulses * self.params.pulse_rate_hz
        return min(r.report.final_key_rate_hz or 0.0 for r in self.hop_results)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (``qnet relay --json``)."""
        p = self.params
        if self.decoy:
            return self._decoy_dict()
        out = {
            "hops": p.hops, "length_km": p.length_km, "hop_length_km": p.hop_length_km,
            "protocol": p.protocol, "fidelity": p.fidelity, "pairs_per_hop": self.hop_results[0].report.pairs,
            "trusted_nodes": p.hops - 1,
            "hop_key_bits": list(self.hop_key_bits),
            "hop_final_key_rate_hz": [r.report.final_key_rate_hz for r in self.hop_results],
            "hop_qber": [{b: e.value for b, e in r.qber.items()} for r in self.hop_results],
            "relayed_key_bits": self.relayed_bits,
            "bottleneck_hop": self.relayed.bottleneck_hop,
            "keys_match": self.keys_match,
            "key_exposed_to": list(self.exposed_to),
            "key_rate_hz": self.key_rate_hz,
            "theory": dict(self.theory),
            "provenance": self.provenance.to_dict(),
        }
        if p.satellite_hops:
            out.update(satellite_hops=list(p.satellite_hops), altitude_km=p.altitude_km,
                       elevation_deg=p.elevation_deg)
        return out

    def _decoy_dict(self) -> dict[str, Any]:
        p, th = self.params, self.theory
        rates = [h.rate_per_pulse for h in self.hop_results]
        slow = int(th["bottleneck_session"]) - 1  # the closed form's slowest session
        hops = []
        for seg, h in zip(self.segments, self.hop_results):
            hops.append({"session": seg.name, "kind": seg.kind, "length_km": seg.length_km,
                         **h.to_dict()})
        return {
            "hops": p.hops, "length_km": p.length_km, "hop_length_km": p.hop_length_km,
            "protocol": p.protocol, "decoy": p.decoy, "channel": p.channel, "nu": p.nu,
            "pulses_per_hop": self.hop_results[0].pulses, "pulse_rate_hz": p.pulse_rate_hz,
            "satellite_hops": list(p.satellite_hops),
            "altitude_km": None if p.network is not None else p.altitude_km,
            "elevation_deg": None if p.network is not None else p.elevation_deg,
            "trusted_nodes": [s.right for s in self.segments[:-1]],
            "route": None if p.route is None else list(p.route),
            "path": None if p.network is None else p.network.path(*p.route),
            "sessions": hops, "hop_key_bits": list(self.hop_key_bits),
            "relayed_key_bits": self.relayed_bits, "bottleneck_hop": self.relayed.bottleneck_hop,
            "keys_match": self.keys_match and self.relayed_bits > 0,
            "key_exposed_to": list(self.exposed_to), "key_rate_hz": self.key_rate_hz,
            "key_length_method": KEY_LENGTH_LABELS[p.key_length],
            "asymptotic_rate_hz": rates[slow].value * p.pulse_rate_hz,
            "asymptotic_rate_hz_stderr": rates[slow].stderr * p.pulse_rate_hz,
            "slowest_session": slow + 1,
            "asymptotic_key_bits_slowest": self.hop_results[slow].theory["key_bits_asymptotic"],
            "theory": analysis_plain(th),
            "provenance": self.provenance.to_dict(),
        }


def analysis_plain(value: Any) -> Any:
    """NaN/inf-free JSON values (``protocols.bb84.analysis.to_plain``)."""
    from qnet_circuits.protocols.bb84.analysis import to_plain

    return to_plain(value)


def run(params: RelayParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> RelayResult:
    """Run every hop's QKD (``shots`` overrides the pairs, or the pulses, per hop) and relay the
    keys. Local Aer only: the hops sample exact pair distributions (BBM92) or pulse statistics
    (BB84-decoy), so a device runner is refused rather than silently ignored."""
    if runner is not None and getattr(runner, "name", "aer") != "aer":
        raise ValueError(f"qnet relay runs on the local Aer simulator only (its hops use exact "
                         f"pair distributions or pulse statistics), got --backend {runner.name}; "
                         f"run one hop on the device with `qnet qkd --backend {runner.name}`")
    root = np.random.SeedSequence(seed)
    if params.protocol == "bb84-decoy":
        from qnet_circuits.protocols import relay_hops

        pulses = params.pulses if shots is None else check_int("shots", shots, minimum=1)
        segs, results = relay_hops.run_decoy_segments(params, pulses, root)
        relayed = relay_keys([h.key.alice_key for h in results], [h.key.bob_key for h in results])
        theory = relay_hops.decoy_theory(params, results)
        return RelayResult(params, tuple(results), relayed, theory,
                           Provenance.collect("relay", None, seed=root.entropy, shots=pulses),
                           tuple(segs))
    from qnet_circuits.protocols import qkd

    runner = resolve_runner(runner)
    pairs = params.pairs if shots is None else check_int("shots", shots, minimum=1)
    seeds = [int(s.generate_state(1)[0]) for s in root.spawn(params.hops)]
    hop_params = qkd.QkdParams(protocol=params.protocol, fidelity=params.fidelity,
                               length_km=params.hop_length_km, pairs=pairs, sampling="exact")
    hops = _run_hops(params, hop_params, runner, seeds)
    relayed = relay_keys([h.key.alice_key for h in hops], [h.key.bob_key for h in hops])
    theory = relay_theory(params, hops[0])
    if params.satellite_hops:
        theory = _satellite_theory(theory, hops)
    return RelayResult(params, hops, relayed, theory,
                       Provenance.collect("relay", runner, seed=root.entropy, shots=pairs))


def _run_hops(params: RelayParams, hop_params: Any, runner: Runner, seeds: list[int]) -> tuple:
    """Every hop's QKD in turn, counted as ``hops`` on the progress bar. A relayed key needs
    every hop, so a Ctrl-C keeps no partial result; the CLI's line says how many hops finished."""
    from qnet_circuits.protocols import qkd
    from qnet_circuits.run import progress

    hops = []
    with progress.task(len(seeds), unit="hops"):
        for k, s in enumerate(seeds):
            hops.append(qkd.run(_bbm92_hop(params, hop_params, k + 1), runner=runner, seed=s))
            progress.advance(1)
    return tuple(hops)


def _bbm92_hop(params: RelayParams, fiber: Any, k: int) -> Any:
    """Hop ``k``'s QKD parameters: the fiber hop, or pairs from a satellite source."""
    if k not in params.satellite_hops:
        return fiber
    from qnet_circuits.network.free_space import SatelliteDownlinks
    from qnet_circuits.protocols import qkd

    return qkd.QkdParams(protocol=params.protocol, fidelity=params.fidelity, pairs=fiber.pairs,
                         sampling="exact",
                         satellite=SatelliteDownlinks(params.altitude_km, params.elevation_deg))


def _satellite_theory(theory: dict[str, Any], hops: tuple[Any, ...]) -> dict[str, Any]:
    """With satellite hops the hops differ: the relay's asymptotic rate is the slowest one's."""
    per_hop = [h.theory["key_rate_asymptotic"] * h.theory["key_fraction"]
               * (h.report.delivery_rate_hz or 0.0) for h in hops]
    return {**theory, "hop_secret_key_rate_hz": per_hop,
            "relay_secret_key_rate_hz": min(per_hop),
            "satellite_loss_db_two_arms": [2.0 * h.params.network.links[0].fiber.loss_db_per_arm
                                           for h in hops if h.params.satellite is not None]}


def relay_theory(params: RelayParams, hop: QkdResult) -> dict[str, float]:
    """Closed forms: the hop's asymptotic secret-key rate (= the relay's), the direct link's over
    the whole length, and PLOB per attempt of that direct link, all in bit/s."""
    from qnet_circuits.network import chain

    th = hop.theory
    hop_rate = th["key_rate_asymptotic"] * th["key_fraction"] * (hop.report.delivery_rate_hz or 0.0)
    direct_net = chain(1, params.length_km)
    direct = direct_net.links[0]
    p_direct = physics.link_theory(direct, direct_net)["p_success"]
    direct_rate = th["key_rate_asymptotic"] * th["key_fraction"] * p_direct / direct.cycle_time_s
    eta = direct.fiber.transmissivity
    return {
        "hop_secret_key_rate_hz": hop_rate,
        "relay_secret_key_rate_hz": hop_rate,
        "direct_secret_key_rate_hz": direct_rate,
        "plob_direct_hz": physics.plob(eta) / direct.cycle_time_s,
        "hop_transmissivity": direct.fiber.transmissivity_over(params.hop_length_km),
        "direct_transmissivity": eta,
    }


def circuits(params: RelayParams) -> list:
    """The ideal circuits of one hop's QKD round (every hop runs the same; BB84-decoy: the
    single-photon BB84 settings of a fiber hop, :func:`qnet_circuits.protocols.bb84.circuits`)."""
    from qnet_circuits.protocols import qkd

    if params.protocol == "bb84-decoy":
        from qnet_circuits.protocols import bb84

        return bb84.circuits(bb84.Bb84Params(length_km=params.hop_length_km))

    return qkd.circuits(qkd.QkdParams(protocol=params.protocol, fidelity=params.fidelity,
                                      length_km=params.hop_length_km, pairs=params.pairs))
