"""BB84 prepare-and-measure with weak coherent pulses and decoy states, and its attacks.

:func:`run` does three things for one fiber length and one decoy method
(``"none"``: GLLP, ``"vacuum-weak"``, ``"infinite"``), each beside its closed form:

1. **theory** (:mod:`qnet_circuits.physics.decoy`, Ma, Qi, Zhao, Lo, PRA 72, 012326 (2005)):
   gains, QBERs, single-photon bounds, the key rate per pulse at ``mu`` (optimized when not
   given) and at the optimum of every method, the maximal distance and the PLOB bound;
2. **pulses** (:mod:`~qnet_circuits.protocols.bb84.pulses`): ``pulses`` weak coherent pulses
   sampled one by one in vectorized numpy; the decoy method then estimates ``Y1`` and ``e1``
   from the simulated gains and QBERs, and the key rate per pulse follows;
3. **circuits** (:mod:`~qnet_circuits.protocols.bb84.circuit`): ``rounds`` single-photon BB84
   rounds as Qiskit circuits through the runner (fiber loss, detector efficiency and dark
   counts from the network), distilled with :mod:`qnet_circuits.keys`.

Attacks: ``"intercept-resend"`` acts on the circuit-level photons (QBER 25 %);
``"pns"`` (photon-number splitting) acts on the pulses: Eve blocks single photons, keeps a copy
of multi-photon pulses and forwards to keep the signal gain; without decoys nothing changes for
Alice and Bob, while Eve knows nearly every sifted bit; with decoys the estimated ``Y1``
collapses and the key rate drops to zero.

>>> r = run(Bb84Params(length_km=50.0, decoy="vacuum-weak", pulses=10**6, rounds=2000), seed=1)
>>> r.gains["signal"].within(r.theory["gain_signal"], k=4), round(r.theory["mu"], 3)
(True, 0.436)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits.network import Network, chain
from qnet_circuits.physics.decoy import (
    DECOY_METHODS,
    GYS,
    MU_MAX,
    DecoyChannel,
    decoy_max_distance_km,
    decoy_optimal_mu,
    pns_attack,
    wcp_transmittance,
)
from qnet_circuits.protocols.base import Provenance, check_finite, check_int
from qnet_circuits.protocols.bb84 import analysis
from qnet_circuits.protocols.bb84.circuit import CircuitBb84, run_circuit_bb84
from qnet_circuits.protocols.bb84.pulses import (
    PulseTally,
    dark_count_probability,
    simulate_pulses,
)
from qnet_circuits.protocols.pairs import check_choice

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.results import Estimate
    from qnet_circuits.run import Runner

#: channel presets (Ma et al. 2005 Table I)
PRESETS: dict[str, DecoyChannel] = {"gys": GYS}
ATTACKS = ("none", "intercept-resend", "pns")
DEFAULT_PULSES = 10**7
DEFAULT_ROUNDS = 10**6


@dataclass(frozen=True)
class Bb84Params:
    """A BB84 experiment (validated; messages name the ``qnet bb84`` flags).

    Attributes:
        length_km: fiber length in km (>= 0).
        decoy: ``"none"`` (GLLP), ``"vacuum-weak"`` or ``"infinite"``.
        preset: channel preset (``"gys"``).
        mu: signal mean photon number in (0, 10]; None: optimized for ``decoy`` at this length.
        nu: weak decoy intensity, below ``mu`` (``vacuum-weak``; also sent for ``infinite``).
        attack: ``"none"``, ``"intercept-resend"`` (circuit level) or ``"pns"`` (pulse level).
        pulses: weak coherent pulses simulated (>= 1).
        rounds: circuit-level single-photon rounds (>= 1).
        probabilities: how often signal, decoy and vacuum are sent (``decoy="none"``: only the
            signal).
        satellite: a :class:`~qnet_circuits.network.free_space.SatelliteDownlinks`: Alice sits on
            the satellite and sends down ONE downlink (its slant range) to Bob; the loss in dB
            comes from :mod:`qnet_circuits.physics.free_space` instead of ``alpha L`` (the
            Micius receiver efficiency holds the detection: ``eta_bob`` is not applied again;
            ``Y0``, ``e_detector`` and ``f`` stay the preset's). ``length_km`` is then left at
            its default.
    """

    length_km: float = 50.0
    decoy: str = "vacuum-weak"
    preset: str = "gys"
    mu: float | None = None
    nu: float = 0.1
    attack: str = "none"
    pulses: int = DEFAULT_PULSES
    rounds: int = DEFAULT_ROUNDS
    probabilities: tuple[float, float, float] = (0.8, 0.1, 0.1)
    satellite: Any = None
    channel: DecoyChannel = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_choice("--decoy", self.decoy, DECOY_METHODS)
        check_choice("--preset", self.preset, tuple(PRESETS))
        check_choice("--attack", self.attack, ATTACKS)
        length = check_finite("--length-km", self.length_km)
        if length < 0:
            raise ValueError(f"--length-km must be >= 0 (a fiber length in km), got {length}")
        object.__setattr__(self, "length_km", length)
        for flag, value in (("--mu", self.mu), ("--nu", self.nu)):
            if value is None:
                continue
            x = check_finite(flag, value)
            if not 0.0 < x <= MU_MAX:
                raise ValueError(f"{flag} must be a mean photon number in (0, {MU_MAX:g}], got {x}")
        if self.mu is not None and self.decoy != "none" and not self.nu < self.mu:
            raise ValueError(f"--nu (decoy intensity {self.nu}) must be below the signal's --mu "
                             f"({self.mu})")
        object.__setattr__(self, "pulses", check_int("--pulses", self.pulses, minimum=1))
        object.__setattr__(self, "rounds", check_int("--rounds", self.rounds, minimum=1))
        try:
            p = tuple(float(x) for x in self.probabilities)
        except (TypeError, ValueError):
            p = ()
        if len(p) != 3 or min(p) < 0 or not math.isclose(sum(p), 1.0):
            raise ValueError("probabilities must be three numbers >= 0 (signal, decoy, vacuum) "
                             f"summing to 1, got {self.probabilities!r}")
        object.__setattr__(self, "probabilities", p)
        object.__setattr__(self, "channel", PRESETS[self.preset])
        if self.satellite is not None:
            from dataclasses import replace

            from qnet_circuits.network.free_space import SatelliteDownlinks

            if not isinstance(self.satellite, SatelliteDownlinks):
                raise ValueError("satellite must be a SatelliteDownlinks channel (None: fiber)")
            if length != 50.0:
                raise ValueError("--length-km describes fiber; with --satellite the downlink is "
                                 "the slant range of --altitude-km and --elevation-deg: drop it")
            # the closed forms see the channel only through eta: model the downlink's loss as
            # loss_db "km" of a 1 dB/km line with eta_bob 1 (model_length_km)
            object.__setattr__(self, "channel", replace(
                self.channel, alpha_db_per_km=1.0, eta_bob=1.0, name=f"{self.preset}+downlink"))

    @property
    def downlink_loss_db(self) -> float | None:
        """Loss in dB of the satellite downlink (None for fiber)."""
        if self.satellite is None:
            return None
        return self.satellite.loss_db_per_arm

    @property
    def model_length_km(self) -> float:
        """The length the decoy closed forms and the simulation use: the fiber length, or for a
        downlink its loss in dB on the 1 dB/km model line (``satellite``)."""
        return self.length_km if self.satellite is None else self.downlink_loss_db

    @property
    def network(self) -> Network:
        """The one-link network of the circuit-level rounds (fiber, eta_bob, dark counts)."""
        ch = self.channel
        return chain(1, self.model_length_km, attenuation_db_per_km=ch.alpha_db_per_km,
                     detector_efficiency=ch.eta_bob, dark_count_prob=dark_count_probability(ch.y0))


def resolve_mu(params: Bb84Params) -> tuple[float, list[str]]:
    """The signal intensity to use and notes (optimized; at the 0 km optimum when no key)."""
    if params.mu is not None:
        return float(params.mu), []
    mu, rate = decoy_optimal_mu(params.model_length_km, params.channel, params.decoy, params.nu)
    if rate > 0:
        return mu, []
    mu0, _ = decoy_optimal_mu(0.0, params.channel, params.decoy, params.nu)
    d = decoy_max_distance_km(params.channel, params.decoy, params.nu)
    if params.satellite is not None:
        return mu0, [f"no key is possible over the {params.downlink_loss_db:.1f} dB downlink with "
                     f"decoy {params.decoy!r} (at most {d:.1f} dB): key rate 0; mu set to the "
                     f"0 dB optimum {mu0:.3f}"]
    return mu0, [f"no key is possible at {params.length_km:g} km with decoy {params.decoy!r} "
                 f"(maximal distance {d:.1f} km): key rate 0; mu set to the 0 km optimum "
                 f"{mu0:.3f}"]


@dataclass(frozen=True)
class Bb84Result:
    """A BB84 run: theory, the pulse-level simulation and the circuit-level key.

    Attributes:
        params: what was run; ``mu``: the signal intensity used.
        theory: closed forms (:func:`analysis.theory`).
        pulses: the raw tally; ``simulated``: estimates from it (:func:`analysis.estimates`).
        circuit: the circuit-level run (gain, QBER, distilled key).
        notes: what the reader should know (no key at this distance, where an attack acts).
        provenance: seed, sizes, backend, versions.
        partial: after a Ctrl-C under a progress monitor, what finished (``pulses_done`` of the
            pulses, ``shots_done`` of the circuit rounds); every estimate, key and finite-key
            length is then that of the finished pulses and rounds. None for a complete run.
    """

    params: Bb84Params
    mu: float
    theory: dict[str, Any]
    pulses: PulseTally = field(repr=False)
    simulated: dict[str, Any]
    circuit: CircuitBb84
    notes: tuple[str, ...]
    provenance: Provenance
    timings_s: dict[str, float] = field(default_factory=dict, compare=False)
    partial: dict[str, Any] | None = None

    @property
    def gains(self) -> dict[str, Estimate]:
        """Simulated gain per intensity label (``signal``, ``decoy``, ``vacuum``)."""
        return self.simulated["gains"]

    @property
    def qbers(self) -> dict[str, Estimate]:
        """Simulated QBER per intensity label."""
        return self.simulated["qbers"]

    @property
    def key_rate(self) -> float:
        """Secret-key rate per pulse from the simulated gains and QBERs."""
        return float(self.simulated["key_rate"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet bb84``."""
        p = self.params
        sim = analysis.to_plain(self.simulated)
        extra: dict[str, Any] = {}
        if p.satellite is not None:
            sat = p.satellite
            th = self.theory
            extra = {"satellite": {
                "altitude_km": sat.altitude_km, "elevation_deg": sat.elevation_deg,
                "slant_range_km": sat.arm_km, "loss_db": p.downlink_loss_db,
                "max_loss_db": th.get("max_distance_km"),
                "note": "theory.max_distance_km and circuit lengths are dB of downlink loss "
                        "(1 dB/km model line)"}}
        return {"protocol": "bb84", "length_km": p.length_km if p.satellite is None else
                p.satellite.arm_km, **extra, "decoy": p.decoy,
                "preset": p.preset, "mu": self.mu, "nu": p.nu, "attack": p.attack,
                "pulses": p.pulses, "rounds": p.rounds, "seed": self.provenance.seed,
                **sim, "theory": analysis.to_plain(self.theory),
                "circuit": analysis.to_plain(self.circuit.to_dict()), "notes": list(self.notes),
                "timings_s": dict(self.timings_s), "provenance": self.provenance.to_dict(),
                **({} if self.partial is None else {"partial": True, **self.partial})}

    def plot(self, ax: Any = None) -> Any:
        """Simulated gains and QBERs per intensity beside the closed forms."""
        from qnet_circuits.protocols import plots

        labels = list(self.gains)
        th = self.theory.get("attack", self.theory)
        return plots.compare_bars(
            ax, [f"QBER {x}" for x in labels if x != "vacuum"],
            [self.qbers[x] for x in labels if x != "vacuum"],
            [th.get(f"qber_{x}") for x in labels if x != "vacuum"], ylabel="QBER",
            title=f"BB84 {self.params.length_km:g} km, decoy {self.params.decoy}")


def circuits(params: Bb84Params) -> list[QuantumCircuit]:
    """The 8 setting circuits (16 with intercept-resend) of the circuit-level rounds."""
    from qnet_circuits.library.bb84 import bb84_round, misalignment_angle
    from qnet_circuits.protocols.bb84.circuit import _settings

    link = params.network.links[0]
    angle = misalignment_angle(params.channel.e_detector)
    return [bb84_round(s[0], s[1], s[2], link=link.name, length_km=params.model_length_km,
                       misalignment_rad=angle, eve_basis=s[3] if len(s) > 3 else None)
            for s in _settings(params.attack == "intercept-resend")]


def run(params: Bb84Params, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> Bb84Result:
    """Run theory, pulses and circuits (``shots``, when given, overrides ``rounds``)."""
    import time

    seed = int(np.random.SeedSequence().entropy % (2**31)) if seed is None else int(seed)
    rounds = params.rounds if shots is None else check_int("shots", shots, minimum=1)
    ch = params.channel
    mu, notes = resolve_mu(params)
    if params.decoy != "none" and not params.nu < mu:
        raise ValueError(f"--nu (decoy intensity {params.nu}) must be below the signal's mu "
                         f"({mu:.4f}); lower --nu")
    attack = None
    if params.attack == "pns":
        attack = pns_attack(mu, wcp_transmittance(params.model_length_km, ch), ch)
        notes.append("PNS acts on the weak coherent pulses; the circuit-level rounds carry one "
                     "photon each and run without Eve")
    elif params.attack == "intercept-resend":
        notes.append("intercept-resend acts on the circuit-level photons; the pulses run "
                     "without Eve")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    theory = analysis.theory(params.model_length_km, mu, params.nu, params.decoy, ch, attack)
    timings["theory"] = time.perf_counter() - t0
    intensities, probs = ((mu,), (1.0,)) if params.decoy == "none" else (
        (mu, params.nu, 0.0), params.probabilities)
    t0 = time.perf_counter()
    from qnet_circuits.run import progress

    with progress.partial_ok():  # after Ctrl-C: the tally of the finished pulse chunks
        tally = simulate_pulses(params.pulses, params.model_length_km, ch, intensities=intensities,
                                probabilities=probs, attack=attack, seed=seed)
    timings["pulses"] = time.perf_counter() - t0
    simulated = analysis.estimates(tally, params.decoy, ch)
    t0 = time.perf_counter()
    circ = run_circuit_bb84(params.network, rounds=rounds, seed=seed, y0=ch.y0,
                            e_detector=ch.e_detector,
                            eavesdropper="intercept-resend" if params.attack == "intercept-resend"
                            else "none", runner=runner)
    timings["circuits"] = time.perf_counter() - t0
    return Bb84Result(params, mu, theory, tally, simulated, circ, tuple(notes),
                      Provenance.collect("bb84", runner, seed=seed, shots=rounds), timings,
                      _partial(params.pulses, int(tally.pulses.sum()), rounds, circ.rounds))


def _partial(pulses: int, pulses_done: int, rounds: int, rounds_done: int) -> dict | None:
    """What a Ctrl-C left (None when everything finished): the pulses and the circuit rounds."""
    if pulses_done == pulses and rounds_done == rounds:
        return None
    return {"shots_done": rounds_done, "shots_requested": rounds, "partial_unit": "rounds",
            "pulses_done": pulses_done, "pulses_requested": pulses}


__all__ = [
    "ATTACKS",
    "DEFAULT_PULSES",
    "DEFAULT_ROUNDS",
    "PRESETS",
    "Bb84Params",
    "Bb84Result",
    "circuits",
    "resolve_mu",
    "run",
]
