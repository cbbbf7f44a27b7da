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

>>> result = run(RelayParams(hops=3, length_km=150.0, pairs=100_000), seed=4)
>>> result.keys_match, result.relayed_bits == min(result.hop_key_bits), result.exposed_to
(True, True, ('T1', 'T2'))
"""

from __future__ import annotations

from dataclasses import dataclass
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
RELAY_PROTOCOLS = ("bbm92",)
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
    """

    hops: int = 4
    length_km: float = 200.0
    protocol: str = "bbm92"
    fidelity: float = 0.97
    pairs: int = DEFAULT_PAIRS

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

    @property
    def hop_length_km(self) -> float:
        """Fiber length of each hop in km."""
        return self.length_km / self.hops


@dataclass(frozen=True, eq=False)
class RelayResult:
    """A relay run: per-hop QKD results, the relayed key, and the closed forms."""

    params: RelayParams
    hop_results: tuple[QkdResult, ...]
    relayed: RelayedKey
    theory: dict[str, float]
    provenance: Provenance

    @property
    def keys_match(self) -> bool:
        """Alice's and Bob's relayed keys are equal."""
        return self.relayed.keys_match

    @property
    def relayed_bits(self) -> int:
        """Length of the relayed key in bits."""
        return self.relayed.length

    @property
    def hop_key_bits(self) -> tuple[int, ...]:
        """Final key bits of every hop."""
        return tuple(r.key.final_key_bits for r in self.hop_results)

    @property
    def exposed_to(self) -> tuple[str, ...]:
        """Trusted nodes that can reconstruct the relayed key (``T1``..``T{hops-1}``)."""
        return tuple(f"T{i}" for i in self.relayed.exposed_to)

    @property
    def key_rate_hz(self) -> float:
        """End-to-end final-key rate in bit/s: the slowest hop's (the relay's bottleneck)."""
        return min(r.report.final_key_rate_hz or 0.0 for r in self.hop_results)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (``qnet relay --json``)."""
        p = self.params
        return {
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


def run(params: RelayParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> RelayResult:
    """Run every hop's QKD (``shots`` overrides the pairs per hop) and relay the keys."""
    from qnet_circuits.protocols import qkd

    runner = resolve_runner(runner)
    pairs = params.pairs if shots is None else check_int("shots", shots, minimum=1)
    root = np.random.SeedSequence(seed)
    seeds = [int(s.generate_state(1)[0]) for s in root.spawn(params.hops)]
    hop_params = qkd.QkdParams(protocol=params.protocol, fidelity=params.fidelity,
                               length_km=params.hop_length_km, pairs=pairs, sampling="exact")
    hops = tuple(qkd.run(hop_params, runner=runner, seed=s) for s in seeds)
    relayed = relay_keys([h.key.alice_key for h in hops], [h.key.bob_key for h in hops])
    theory = relay_theory(params, hops[0])
    return RelayResult(params, hops, relayed, theory,
                       Provenance.collect("relay", runner, seed=root.entropy, shots=pairs))


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
    """The ideal circuits of one hop's QKD round (every hop runs the same)."""
    from qnet_circuits.protocols import qkd

    return qkd.circuits(qkd.QkdParams(protocol=params.protocol, fidelity=params.fidelity,
                                      length_km=params.hop_length_km, pairs=params.pairs))
