"""QKD analysis: CHSH S with its standard error, QBER per basis, key rates, and one-call runs.

Pure estimators on per-round records (:class:`~qnet_circuits.keys.rounds.Rounds`):

* :func:`correlator` ``E = <(-1)^(a xor b)>`` for one setting pair, stderr ``sqrt((1 - E^2)/n)``;
* :func:`chsh` ``S = E00 + E01 + E10 - E11`` at the settings' CHSH terms, variances added;
* :func:`qber_by_basis` over all sifted rounds of each key basis (binomial stderr);
* :func:`asymptotic_key_rate` per sifted bit (BBM92: ``1 - h(Q_Z) - h(Q_X)``; E91: the
  device-independent ``1 - h(Q) - h((1 + sqrt((S/2)^2 - 1))/2)``), and
  :func:`key_rate_per_second` from a delivery rate;
* :func:`eve_guess_probability` Eve's chance of guessing each sifted bit.

And :func:`simulate_qkd`, which builds the setting circuits of :mod:`qnet_circuits.library.qkd`,
runs them as one batch, rebuilds the iid rounds from counts (:mod:`qnet_circuits.keys.rounds`),
estimates, and distills the key (:func:`qnet_circuits.keys.distill_key`). Two ways to get counts:

* ``sampling="shots"``: the runner runs each setting circuit with as many shots as the most used
  setting needs; the per-shot bits become counts (works on any runner, hardware included).
* ``sampling="exact"``: the exact outcome distribution of each setting circuit is computed once
  (:func:`qnet_circuits.run.heralded_density_matrix`: Aer density matrix, noise passes and herald
  post-selection included) and the counts are a multinomial draw from it with the run's seed:
  the same law as shot sampling, without Aer's per-shot cost (~1.5 us per shot measured here).
  Used for large key runs (the benchmark).

>>> rep = simulate_qkd("bbm92", fidelity=0.97, pairs=40_000, seed=3, sampling="exact")
>>> round(rep.theory["qber"]["Z"], 4), rep.key.keys_match
(0.02, True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix, Pauli

from qnet_circuits import physics
from qnet_circuits.analysis import heralded_mask
from qnet_circuits.keys.abort import QBER_THRESHOLD
from qnet_circuits.keys.pipeline import KeyResult, distill_key
from qnet_circuits.keys.rounds import (
    ALICE_BIT,
    BOB_BIT,
    EVE_ATTACK_BIT,
    EVE_BASIS_BIT,
    EVE_OUTCOME_BIT,
    Rounds,
    draw_settings,
    rounds_from_counts,
)
from qnet_circuits.keys.sifting import SiftedKey, sift
from qnet_circuits.library.generation import heralded_state, raw_heralded_state, werner_pair
from qnet_circuits.library.qkd import (
    EAVESDROPPERS,
    QkdSettings,
    protocol_settings,
    qkd_round,
    setting_circuits,
    theory_chsh_qber,
)
from qnet_circuits.network import Link, Network
from qnet_circuits.results import Estimate, ShotData
from qnet_circuits.run import AerRunner, Runner, heralded_density_matrix

SAMPLINGS = ("shots", "exact")
N_CODES = 32


# ---------------------------------------------------------------------------------------------
# counts
# ---------------------------------------------------------------------------------------------


def counts_from_shots(data: ShotData) -> dict[int, int]:
    """Heralded shots of a setting circuit as ``{outcome code: count}`` (codes: keys.rounds)."""
    mask = heralded_mask(data)
    code = data["alice"][:, 0].astype(np.int64) << ALICE_BIT
    code |= data["bob"][:, 0].astype(np.int64) << BOB_BIT
    if "eve" in data.bits:
        eve = data["eve"].astype(np.int64)
        code |= eve[:, 0] << EVE_ATTACK_BIT
        code |= eve[:, 1] << EVE_BASIS_BIT
        code |= eve[:, 2] << EVE_OUTCOME_BIT
    hist = np.bincount(code[mask], minlength=N_CODES)
    return {int(k): int(v) for k, v in enumerate(hist) if v}


def exact_probabilities(circuit: QuantumCircuit, network: Network | None = None) -> np.ndarray:
    """Exact distribution of the outcome code of an unmeasured round circuit (length 32).

    ``circuit`` comes from ``qkd_round(..., measure=False)`` bound to one setting; its
    ``metadata["measured_qubits"]`` lists alice, bob and Eve's qubits in code-bit order.
    """
    qubits = list((circuit.metadata or {}).get("measured_qubits", []))
    if len(qubits) not in (2, 5):
        raise ValueError("circuit.metadata['measured_qubits'] must list 2 or 5 qubits (qkd_round)")
    rho, _p_herald = heralded_density_matrix(circuit, network, qubits=qubits)
    probs = np.clip(np.real(np.diag(rho.data)), 0.0, None)
    out = np.zeros(N_CODES)
    out[: probs.size] = probs / probs.sum()
    return out


def sample_counts(
    probabilities: np.ndarray, shots: int, rng: np.random.Generator
) -> dict[int, int]:
    """A multinomial draw of ``shots`` outcomes from ``probabilities``, as ``{code: count}``."""
    hist = rng.multinomial(int(shots), probabilities / probabilities.sum())
    return {int(k): int(v) for k, v in enumerate(hist) if v}


# ---------------------------------------------------------------------------------------------
# estimators
# ---------------------------------------------------------------------------------------------


def correlator(rounds: Rounds, pair: tuple[int, int]) -> Estimate:
    """``E = <(-1)^(a xor b)>`` over the rounds of setting ``pair``; stderr ``sqrt((1-E^2)/n)``."""
    sel = (rounds.alice_setting == pair[0]) & (rounds.bob_setting == pair[1])
    n = int(np.count_nonzero(sel))
    if n == 0:
        raise ValueError(f"too few pairs: no round used setting {pair}; increase pairs")
    agree = int(np.count_nonzero(rounds.alice_bit[sel] == rounds.bob_bit[sel]))
    e = (2 * agree - n) / n
    return Estimate(e, math.sqrt(max(1.0 - e * e, 0.0) / n))


def chsh(rounds: Rounds, settings: QkdSettings) -> Estimate:
    """CHSH ``S = sum sign E(pair)`` at ``settings.chsh_terms``; the four terms are independent
    rounds, so their variances add."""
    if not settings.chsh_terms:
        raise ValueError(f"protocol {settings.protocol!r} has no CHSH settings (use e91)")
    terms = [(correlator(rounds, pair), sign) for pair, sign in settings.chsh_terms]
    value = sum(sign * e.value for e, sign in terms)
    return Estimate(value, math.sqrt(sum(e.stderr**2 for e, _ in terms)))


def qber_by_basis(sifted: SiftedKey) -> dict[str, Estimate]:
    """QBER over all sifted bits of each key basis, with binomial stderr."""
    out: dict[str, Estimate] = {}
    for b, name in enumerate(sifted.basis_names):
        sel = sifted.basis == b
        n = int(np.count_nonzero(sel))
        if n == 0:
            raise ValueError(f"too few pairs: no sifted bit in basis {name}; increase pairs")
        q = int(np.count_nonzero(sifted.alice[sel] != sifted.bob[sel])) / n
        out[name] = Estimate(q, math.sqrt(q * (1.0 - q) / n))
    return out


def asymptotic_key_rate(protocol: str, qber: Mapping[str, float], s: float | None = None) -> float:
    """Asymptotic secret-key rate per sifted bit (clipped at 0).

    BBM92: ``1 - h(Q_Z) - h(Q_X)`` (Shor-Preskill); E91: device-independent
    ``1 - h(Q) - h((1 + sqrt((S/2)^2 - 1))/2)`` with Q the mean QBER of the key bases.

    >>> round(asymptotic_key_rate("bbm92", {"Z": 0.05, "X": 0.05}), 6)
    0.427206
    """
    if protocol == "bbm92":
        return physics.key_rate_bbm92(min(qber["Z"], 0.5), min(qber["X"], 0.5))
    if protocol == "e91":
        if s is None:
            raise ValueError("E91 key rate needs the CHSH value s")
        q = float(np.mean(list(qber.values())))
        return physics.key_rate_di(min(q, 0.5), max(-4.0, min(4.0, s)))
    raise ValueError(f"protocol must be 'e91' or 'bbm92', got {protocol!r}")


def key_rate_per_second(rate_per_pair: float, delivery_rate_hz: float) -> float:
    """Secret-key rate in bit/s: ``rate per delivered pair * pairs per second``."""
    if delivery_rate_hz < 0 or rate_per_pair < 0:
        raise ValueError("rate_per_pair and delivery_rate_hz must be >= 0")
    return rate_per_pair * delivery_rate_hz


def eve_guess_probability(rounds: Rounds, sifted: SiftedKey) -> float:
    """Probability that Eve guesses a sifted key bit: her outcome where she intercepted (whatever
    her basis), a coin flip (1/2) elsewhere. 1/2 means she learned nothing."""
    if sifted.n == 0:
        return 0.5
    idx = sifted.round_index
    attacked = rounds.eve_attack[idx].astype(bool)
    right = rounds.eve_bit[idx] == rounds.alice_bit[idx]
    return float(np.mean(np.where(attacked, right.astype(float), 0.5)))


# ---------------------------------------------------------------------------------------------
# theory of the sources
# ---------------------------------------------------------------------------------------------


def source_correlations(fidelity: float | None, link: Link | None) -> tuple[float, float]:
    """Closed-form ``(<XX>, <ZZ>)`` of the source pair: Werner ``(w, w)``, or the link's heralded
    state (reference section 2, after the X on b that maps Psi+ to Phi+)."""
    if fidelity is not None:
        w = physics.werner_w(fidelity)
        return w, w
    if link is None:
        raise ValueError("give a source fidelity or a link")
    _p, rho = raw_heralded_state(link)
    dm = DensityMatrix(rho)
    if link.scheme != "midpoint":
        dm = dm.evolve(Pauli("X"), qargs=[1])
    return float(np.real(dm.expectation_value(Pauli("XX")))), float(
        np.real(dm.expectation_value(Pauli("ZZ")))
    )


def _ideal_nodes(network: Network | None) -> bool:
    if network is None:
        return True
    return all(
        n.memory.ideal and n.gate_error == 0 and n.readout_error == 0 for n in network.nodes
    )


# ---------------------------------------------------------------------------------------------
# one-call run
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class QkdReport:
    """Result of :func:`simulate_qkd` (rates in bit per sifted bit, per pair, or per second).

    ``theory`` holds the closed forms for the same source and eavesdropper (``S``, ``qber``,
    ``key_rate_asymptotic``); ``timings`` the wall time of each stage in seconds.
    """

    protocol: str
    eavesdropper: str
    intercept_fraction: float
    pairs: int
    seed: int
    sampling: str
    settings: QkdSettings
    rounds: Rounds
    chsh: Estimate | None
    qber: Mapping[str, Estimate]
    key: KeyResult
    key_rate_asymptotic: float
    key_rate_per_pair: float
    delivery_rate_hz: float | None
    theory: Mapping[str, Any]
    eve_guess: float
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def secret_key_rate_hz(self) -> float | None:
        """Asymptotic secret-key rate in bit/s at the delivery rate (None without a link)."""
        if self.delivery_rate_hz is None:
            return None
        return key_rate_per_second(self.key_rate_per_pair, self.delivery_rate_hz)

    @property
    def final_key_rate_hz(self) -> float | None:
        """Final-key bits per second of physical time at the delivery rate (None without link)."""
        if self.delivery_rate_hz is None:
            return None
        return self.key.final_key_bits / self.pairs * self.delivery_rate_hz

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (the ``qnet qkd --json`` output)."""
        fk = self.key.finite_key
        return {
            "protocol": self.protocol,
            "eavesdropper": self.eavesdropper,
            "intercept_fraction": self.intercept_fraction,
            "pairs": self.pairs,
            "seed": self.seed,
            "sampling": self.sampling,
            "S": None if self.chsh is None else self.chsh.value,
            "S_stderr": None if self.chsh is None else self.chsh.stderr,
            "qber": {b: e.value for b, e in self.qber.items()},
            "qber_stderr": {b: e.stderr for b, e in self.qber.items()},
            "qber_sample": {b: e.value for b, e in self.key.qber.items()},
            "sifted_bits": self.key.sifted.n,
            "key_rate_asymptotic": self.key_rate_asymptotic,
            "key_rate_per_pair": self.key_rate_per_pair,
            "delivery_rate_hz": self.delivery_rate_hz,
            "secret_key_rate_hz": self.secret_key_rate_hz,
            "final_key_rate_hz": self.final_key_rate_hz,
            "final_key_bits": self.key.final_key_bits,
            "keys_match": self.key.keys_match,
            "aborted": self.key.aborted,
            "abort_reasons": list(self.key.decision.reasons),
            "leak_ec_bits": None if self.key.cascade is None else self.key.cascade.leaked_bits,
            "finite_key": None
            if fk is None
            else {
                "method": fk.method,
                "n": fk.n,
                "length": fk.length,
                "asymptotic_length": fk.asymptotic_length,
                "sampling_penalty": fk.sampling_penalty,
                "ec_penalty": fk.ec_penalty,
                "overhead": fk.overhead,
                "phase_error_bound": None
                if math.isnan(fk.phase_error_bound)
                else fk.phase_error_bound,
                "S_lower": None if math.isnan(fk.chsh_lower) else fk.chsh_lower,
            },
            "eve_guess_probability": self.eve_guess,
            "theory": dict(self.theory),
            "timings_s": dict(self.timings),
        }


def source_circuit(fidelity: float | None, link: Link | None) -> QuantumCircuit:
    """The pair source: ``werner_pair(fidelity)``, or ``heralded_state(link)`` when it is None."""
    if fidelity is not None:
        return werner_pair(fidelity)
    if link is None:
        raise ValueError("give a source fidelity (Werner source) or a link (heralded source)")
    return heralded_state(link)


def simulate_qkd(
    protocol: str,
    *,
    pairs: int,
    seed: int,
    fidelity: float | None = 1.0,
    link: Link | None = None,
    network: Network | None = None,
    eavesdropper: str = "none",
    intercept_fraction: float = 1.0,
    sampling: str = "shots",
    runner: Runner | None = None,
    p_z: float = 0.5,
    sample_fraction: float = 0.1,
    qber_threshold: float = QBER_THRESHOLD,
    cascade_passes: int = 4,
    source: QuantumCircuit | None = None,
    delivery_rate_hz: float | None = None,
) -> QkdReport:
    """Run ``pairs`` rounds of E91 or BBM92 and distill a key.

    Args:
        protocol: ``"e91"`` or ``"bbm92"``.
        pairs: number of distributed pairs (rounds), >= 1.
        seed: seed of everything random (runner seeds, settings, sampling, public randomness).
        fidelity: Werner source fidelity to Phi+ (plain depolarizing noise); ``None`` uses the
            heralded state of ``link`` instead.
        link: the link that delivers the pairs: its heralding closed forms give the delivery
            rate (``physics.rate_hz(p, cycle_time)``), and its heralded state is the source when
            ``fidelity`` is None.
        network: the network whose physics (memory T1/T2, gate and readout errors) acts on the
            circuits; None for ideal memories.
        eavesdropper: ``"none"``, ``"intercept-resend"`` or ``"intercept-resend-z"``.
        intercept_fraction: fraction of pairs Eve intercepts, in [0, 1].
        sampling: ``"shots"`` (runner shots) or ``"exact"`` (exact distribution + multinomial).
        runner: the runner for ``"shots"`` (default :class:`~qnet_circuits.run.AerRunner`).
        p_z: BBM92 probability of the Z basis.
        sample_fraction, qber_threshold, cascade_passes: post-processing parameters.
        source: a pair circuit to use instead (e.g. a repeater chain's end-to-end pair from
            :func:`qnet_circuits.simulate.simulate`); ``fidelity`` then names the Werner fidelity
            its closed form predicts (for ``theory``), or None.
        delivery_rate_hz: pairs per second delivered by ``source`` (overrides the link's rate).
    """
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
    if eavesdropper not in EAVESDROPPERS:
        raise ValueError(
            f"eavesdropper must be one of {', '.join(EAVESDROPPERS)}, got {eavesdropper!r}"
        )
    if not isinstance(pairs, (int, np.integer)) or isinstance(pairs, bool) or pairs < 1:
        raise ValueError(f"pairs must be an integer >= 1, got {pairs!r}")
    settings = protocol_settings(protocol, p_z)
    t0 = time.perf_counter()
    if source is None:
        source = source_circuit(fidelity, link)
    round_qc = qkd_round(
        source,
        eavesdropper=eavesdropper,
        intercept_fraction=intercept_fraction,
        measure=sampling == "shots",
    )
    circuits = setting_circuits(round_qc, settings)
    rng = np.random.default_rng([int(seed), 0x9E3779B9])
    which = draw_settings(settings.probabilities, int(pairs), rng)
    per_setting = np.bincount(which, minlength=len(settings.pairs))
    if sampling == "shots":
        runner = runner or AerRunner()
        shots = int(max(1, per_setting.max()))
        data = runner.run(circuits, shots=shots, seed=int(seed), network=network)
        counts: Sequence[Mapping[int, int]] = [counts_from_shots(d) for d in data]
    else:
        counts = [
            sample_counts(exact_probabilities(qc, network), int(n), rng)
            for qc, n in zip(circuits, per_setting, strict=True)
        ]
    t1 = time.perf_counter()
    rounds = rounds_from_counts(counts, settings.pairs, which, rng)
    sifted = sift(rounds, settings.key_settings)
    if sifted.n == 0:
        raise ValueError("too few pairs: no key round was drawn; increase pairs")
    qber = qber_by_basis(sifted)
    s_est = chsh(rounds, settings) if protocol == "e91" else None
    t2 = time.perf_counter()
    key = distill_key(
        rounds,
        protocol,
        settings.key_settings,
        seed=int(seed),
        chsh=None if s_est is None else s_est.value,
        chsh_stderr=None if s_est is None else s_est.stderr,
        sample_fraction=sample_fraction,
        qber_threshold=qber_threshold,
        cascade_passes=cascade_passes,
    )
    t3 = time.perf_counter()
    rate = asymptotic_key_rate(
        protocol, {b: e.value for b, e in qber.items()}, None if s_est is None else s_est.value
    )
    delivery = delivery_rate_hz
    if delivery is None and link is not None:
        p_link = raw_heralded_state(link)[0]
        delivery = physics.rate_hz(p_link, link.cycle_time_s)
    theory: dict[str, Any] = {"fidelity": fidelity, "key_fraction": settings.key_fraction}
    if _ideal_nodes(network):
        t_x, t_z = source_correlations(fidelity, link)
        s_th, q_th = theory_chsh_qber(settings, t_x, t_z, eavesdropper, intercept_fraction)
        theory.update({"S": s_th, "qber": q_th, "XX": t_x, "ZZ": t_z})
        theory["key_rate_asymptotic"] = asymptotic_key_rate(protocol, q_th, s_th)
        if fidelity is not None:
            theory["w"] = physics.werner_w(fidelity)
    else:
        theory["note"] = "no closed form for noisy memories/gates; compare with a sweep"
    return QkdReport(
        protocol=protocol,
        eavesdropper=eavesdropper,
        intercept_fraction=float(intercept_fraction) if eavesdropper != "none" else 0.0,
        pairs=int(pairs),
        seed=int(seed),
        sampling=sampling,
        settings=settings,
        rounds=rounds,
        chsh=s_est,
        qber=qber,
        key=key,
        key_rate_asymptotic=rate,
        key_rate_per_pair=rate * settings.key_fraction,
        delivery_rate_hz=delivery,
        theory=theory,
        eve_guess=eve_guess_probability(rounds, sifted),
        timings={"quantum": t1 - t0, "rounds": t2 - t1, "postprocessing": t3 - t2},
    )
