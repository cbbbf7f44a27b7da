"""One-call QKD run on given objects (a Link, a Network, a source circuit): :func:`simulate_qkd`.

It builds the setting circuits of :mod:`qnet_circuits.library.qkd`, runs them as one batch,
rebuilds the iid rounds from counts (:mod:`qnet_circuits.keys.rounds`), estimates, and distills
the key (:func:`qnet_circuits.keys.distill_key`). Two ways to get counts:

* ``sampling="shots"``: the runner runs each setting circuit with as many shots as the most used
  setting needs; the per-shot bits become counts (works on any runner, hardware included).
* ``sampling="exact"``: the exact outcome distribution of each setting circuit is computed once
  (:func:`qnet_circuits.run.heralded_density_matrix`: Aer density matrix, noise passes and herald
  post-selection included) and the counts are a multinomial draw from it with the run's seed:
  the same law as shot sampling, without Aer's per-shot cost (~1.5 us per shot measured here).
  Used for large key runs (the benchmark).

:func:`qnet_circuits.protocols.qkd.run` wraps it for parameters given as numbers (the CLI's).

>>> rep = simulate_qkd("bbm92", fidelity=0.97, pairs=40_000, seed=3, sampling="exact")
>>> round(rep.theory["qber"]["Z"], 4), rep.key.keys_match
(0.02, True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from qnet_circuits import physics
from qnet_circuits.keys.abort import QBER_THRESHOLD
from qnet_circuits.keys.pipeline import KeyResult, distill_key
from qnet_circuits.keys.rounds import Rounds, draw_settings, rounds_from_counts
from qnet_circuits.keys.sifting import sift
from qnet_circuits.library.generation import raw_heralded_state
from qnet_circuits.library.options import EAVESDROPPERS, QKD_SAMPLINGS
from qnet_circuits.library.qkd import (
    QkdSettings,
    protocol_settings,
    qkd_round,
    setting_circuits,
    theory_chsh_qber,
)
from qnet_circuits.network import Link, Network
from qnet_circuits.protocols.base import resolve_runner
from qnet_circuits.protocols.qkd.counts import counts_from_shots, exact_probabilities, sample_counts
from qnet_circuits.protocols.qkd.estimators import (
    asymptotic_key_rate,
    chsh,
    eve_guess_probability,
    key_rate_per_second,
    qber_by_basis,
)
from qnet_circuits.protocols.qkd.sources import ideal_nodes, source_circuit
from qnet_circuits.results import Estimate
from qnet_circuits.run import Runner, progress

#: how counts are obtained (see the module docstring)
SAMPLINGS = QKD_SAMPLINGS


@dataclass(frozen=True, eq=False)
class QkdReport:
    """Result of :func:`simulate_qkd` (rates in bit per sifted bit, per pair, or per second).

    ``theory`` holds the closed forms for the same source and eavesdropper (``S``, ``qber``,
    ``key_rate_asymptotic``); ``timings`` the wall time of each stage in seconds.
    ``pairs_requested`` is set (and ``pairs`` smaller) when Ctrl-C under a progress monitor
    stopped the runner: every estimate, the key and its finite-key length are then those of the
    ``pairs`` rounds that finished (:func:`~qnet_circuits.run.progress.covered_prefix`).
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
    pairs_requested: int | None = None

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
            **({} if self.pairs_requested is None else {
                "partial": True, "shots_done": self.pairs, "shots_requested": self.pairs_requested,
                "partial_unit": "pairs"}),
        }


def _check(sampling: str, eavesdropper: str, pairs: Any) -> None:
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
    if eavesdropper not in EAVESDROPPERS:
        raise ValueError(
            f"eavesdropper must be one of {', '.join(EAVESDROPPERS)}, got {eavesdropper!r}"
        )
    if not isinstance(pairs, (int, np.integer)) or isinstance(pairs, bool) or pairs < 1:
        raise ValueError(f"pairs must be an integer >= 1, got {pairs!r}")


def _setting_counts(circuits: Sequence[QuantumCircuit], per_setting: np.ndarray, sampling: str,
                    runner: Runner | None, network: Network | None, seed: int,
                    rng: np.random.Generator) -> list[Mapping[int, int]]:
    """Heralded outcome counts of every setting circuit: runner shots (as many as the most used
    setting needs), or the exact distribution sampled ``per_setting[i]`` times with ``rng``."""
    if sampling == "shots":
        shots = int(max(1, per_setting.max()))
        with progress.partial_ok():  # after Ctrl-C: the shots every setting circuit finished
            data = resolve_runner(runner).run(circuits, shots=shots, seed=seed, network=network)
        return [counts_from_shots(d) for d in data]
    return [
        sample_counts(exact_probabilities(qc, network), int(n), rng)
        for qc, n in zip(circuits, per_setting, strict=True)
    ]


@contextmanager
def _phase(what: str, pairs: int, count: bool) -> Iterator[None]:
    """Around one unsplit step of :func:`simulate_qkd` (numpy and Python, no runner call). With
    ``count`` (exact sampling, and the bar counts these steps: no enclosing task such as a
    relay's hops): the step is one of the bar's, and a Ctrl-C inside it stops at once with one
    line naming the step; the key needs every step, so nothing is kept. Else a Ctrl-C is left to
    the enclosing task's line."""
    try:
        yield
    except progress.Interrupted:
        raise
    except KeyboardInterrupt:
        if not count:
            raise
        raise progress.Interrupted(f"while {what} {int(pairs)} pairs (the key needs every step, "
                                   "so no partial result)") from None
    if count:
        progress.advance(1)


def _finished(which: np.ndarray, counts: Sequence[Mapping[int, int]]) -> tuple[np.ndarray, int]:
    """The rounds to analyse and their number: all of ``which``; after a Ctrl-C, the rounds whose
    setting circuit finished a shot for them (:func:`~qnet_circuits.run.progress.covered_prefix`)."""
    if not progress.stop_requested():
        return which, len(which)
    done = progress.covered_prefix(which, [sum(c.values()) for c in counts])
    if done == 0:
        raise progress.Interrupted("before any setting circuit finished a shot")
    return which[:done], done


def qkd_theory(settings: QkdSettings, fidelity: float | None, link: Link | None,
               network: Network | None, eavesdropper: str, intercept_fraction: float
               ) -> dict[str, Any]:
    """Closed forms for a source and an eavesdropper (reference section 8): ``S``, ``qber`` per
    key basis, the source correlations ``XX``, ``ZZ``, ``key_rate_asymptotic`` (and ``w`` for a
    Werner source); with noisy nodes only a ``note`` (no closed form)."""
    theory: dict[str, Any] = {"fidelity": fidelity, "key_fraction": settings.key_fraction}
    if ideal_nodes(network):
        t_x, t_z = physics.source_correlations(fidelity, link)
        s_th, q_th = theory_chsh_qber(settings, t_x, t_z, eavesdropper, intercept_fraction)
        theory.update({"S": s_th, "qber": q_th, "XX": t_x, "ZZ": t_z})
        theory["key_rate_asymptotic"] = asymptotic_key_rate(settings.protocol, q_th, s_th)
        if fidelity is not None:
            theory["w"] = physics.werner_w(fidelity)
    else:
        theory["note"] = "no closed form for noisy memories/gates; compare with a sweep"
    return theory


def simulate_qkd(
    protocol: str, *, pairs: int, seed: int, fidelity: float | None = 1.0, link: Link | None = None,
    network: Network | None = None, eavesdropper: str = "none", intercept_fraction: float = 1.0,
    sampling: str = "shots", runner: Runner | None = None, p_z: float = 0.5,
    sample_fraction: float = 0.1, qber_threshold: float = QBER_THRESHOLD, cascade_passes: int = 4,
    source: QuantumCircuit | None = None, delivery_rate_hz: float | None = None,
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
            :func:`~qnet_circuits.protocols.qkd.sources.chain_source`); ``fidelity`` then names
            the Werner fidelity its closed form predicts (for ``theory``), or None.
        delivery_rate_hz: pairs per second delivered by ``source`` (overrides the link's rate).
    """
    _check(sampling, eavesdropper, pairs)
    settings = protocol_settings(protocol, p_z)
    t0 = time.perf_counter()
    if source is None:
        source = source_circuit(fidelity, link)
    round_qc = qkd_round(source, eavesdropper=eavesdropper, intercept_fraction=intercept_fraction,
                         measure=sampling == "shots")
    circuits = setting_circuits(round_qc, settings)
    rng = np.random.default_rng([int(seed), 0x9E3779B9])
    steps = _counts_steps(sampling)  # exact sampling (no runner call): the bar counts 5 steps
    with progress.task(5, unit="steps") if steps else nullcontext():
        return _simulate(protocol, settings, circuits, rng, t0, count_steps=steps, pairs=pairs,
                         seed=seed,
                         sampling=sampling, runner=runner, network=network, fidelity=fidelity,
                         link=link, eavesdropper=eavesdropper,
                         intercept_fraction=intercept_fraction, sample_fraction=sample_fraction,
                         qber_threshold=qber_threshold, cascade_passes=cascade_passes,
                         delivery_rate_hz=delivery_rate_hz)


def _counts_steps(sampling: str) -> bool:
    """The bar counts :func:`simulate_qkd`'s steps: exact sampling, a monitor open, and no
    enclosing task (a relay counts its hops)."""
    mon = progress.current()
    return sampling == "exact" and mon is not None and not mon.owned


def _simulate(protocol, settings, circuits, rng, t0, *, count_steps, pairs, seed, sampling,
              runner, network, fidelity, link, eavesdropper, intercept_fraction, sample_fraction,
              qber_threshold, cascade_passes, delivery_rate_hz) -> QkdReport:
    """:func:`simulate_qkd` after the circuits are built (``count_steps``: see :func:`_phase`)."""
    with _phase("drawing the settings of", pairs, count_steps):
        which = which_all = draw_settings(settings.probabilities, int(pairs), rng)
    if sampling == "exact":
        with _phase("sampling the exact outcome distributions of", pairs, count_steps):
            counts = _setting_counts(circuits, np.bincount(which, minlength=len(settings.pairs)),
                                     sampling, runner, network, int(seed), rng)
    else:
        counts = _setting_counts(circuits, np.bincount(which, minlength=len(settings.pairs)),
                                 sampling, runner, network, int(seed), rng)
    which, done = _finished(which, counts)
    t1 = time.perf_counter()
    with _phase("rebuilding and sifting the rounds of", done, count_steps):
        rounds = rounds_from_counts(counts, settings.pairs, which, rng)
        sifted = sift(rounds, settings.key_settings)
    if sifted.n == 0:
        raise ValueError("too few pairs: no key round was drawn; increase pairs")
    with _phase("estimating QBER/CHSH of", done, count_steps):
        qber = qber_by_basis(sifted)
        s_est = chsh(rounds, settings) if protocol == "e91" else None
    t2 = time.perf_counter()
    with _phase("distilling the key (error correction, privacy amplification) of", done, count_steps):
        key = distill_key(
            rounds, protocol, settings.key_settings, seed=int(seed),
            chsh=None if s_est is None else s_est.value,
            chsh_stderr=None if s_est is None else s_est.stderr,
            sample_fraction=sample_fraction, qber_threshold=qber_threshold,
            cascade_passes=cascade_passes,
        )
    t3 = time.perf_counter()
    rate = asymptotic_key_rate(
        protocol, {b: e.value for b, e in qber.items()}, None if s_est is None else s_est.value
    )
    delivery, theory = _delivery_and_theory(delivery_rate_hz, link, qkd_theory(
        settings, fidelity, link, network, eavesdropper, intercept_fraction))
    return QkdReport(
        protocol=protocol, eavesdropper=eavesdropper,
        intercept_fraction=float(intercept_fraction) if eavesdropper != "none" else 0.0,
        pairs=int(done), seed=int(seed), sampling=sampling, settings=settings, rounds=rounds,
        chsh=s_est, qber=qber, key=key, key_rate_asymptotic=rate,
        key_rate_per_pair=rate * settings.key_fraction, delivery_rate_hz=delivery, theory=theory,
        eve_guess=eve_guess_probability(rounds, sifted),
        timings={"quantum": t1 - t0, "rounds": t2 - t1, "postprocessing": t3 - t2},
        pairs_requested=None if done == len(which_all) else int(pairs),
    )


def _delivery_and_theory(delivery_rate_hz, link, theory):
    """The pair rate (the link's closed form unless given) and ``theory``, with a note when the
    link never heralds (rate 0: an honest no-key result, not an error)."""
    if delivery_rate_hz is not None or link is None:
        return delivery_rate_hz, theory
    with np.errstate(invalid="ignore", divide="ignore"):
        p_link = raw_heralded_state(link)[0]
    if p_link > 0:
        return physics.rate_hz(p_link, link.cycle_time_s), theory
    return 0.0, {**theory, "note": (
        f"the link never heralds over {link.fiber.length_km:g} km (its success probability "
        "underflows to 0): no pairs arrive, so there is no key at this distance (rate 0); the "
        "key bits above are per pair of the source, not per second")}


__all__ = ["SAMPLINGS", "QkdReport", "qkd_theory", "simulate_qkd"]
