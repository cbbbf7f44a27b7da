"""Pulse-level simulation of weak-coherent-pulse BB84 with decoy states (vectorized numpy).

Every pulse is sampled, not one circuit per pulse: Alice picks an intensity (signal ``mu``, weak
decoy ``nu``, vacuum), the photon number ``n ~ Poisson(intensity)``, each photon survives the
fiber and Bob's efficiency with probability ``eta`` (binomial thinning); at Bob each arriving
photon hits the wrong detector with probability ``e_detector`` (1/2 when Bob's basis differs
from Alice's), and each of his two threshold detectors fires a dark count with probability
``p_dark = 1 - sqrt(1 - Y0)`` (so that the background yield is ``Y0``). A double click gives a
random bit. Alice's bit and both bases are fair coins, drawn only for the pulses that clicked
(they are independent of the clicks, so this is exact and saves the work).

The photon-number-splitting attack replaces the fiber: Eve forwards single photons with
probability ``s`` and keeps one photon of an n >= 2 pulse, forwarding the other n - 1 with
probability ``t`` over a lossless line (:class:`~qnet_circuits.physics.decoy.PnsAttack`).

Chunks of at most ``CHUNK`` pulses keep memory flat; each chunk's generator is spawned from the
run's seed, so a run is reproducible and independent of the chunk count's timing.

>>> from qnet_circuits.physics.decoy import GYS
>>> t = simulate_pulses(10**6, 50.0, GYS, intensities=(0.48, 0.1, 0.0), seed=1)
>>> int(t.pulses.sum()), bool(1.5e-3 < t.detections[0] / t.pulses[0] < 2.3e-3)
(1000000, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qnet_circuits.physics.decoy import DecoyChannel, PnsAttack, wcp_transmittance

#: pulses per chunk (memory: a few arrays of this length)
CHUNK = 4_000_000


@dataclass(frozen=True, eq=False)
class PulseTally:
    """Counts per intensity (arrays indexed like ``intensities``).

    Attributes:
        intensities: mean photon numbers sent.
        pulses: pulses sent.
        detections: pulses with at least one click.
        sifted: detections with matching bases.
        errors: sifted detections whose bit differs from Alice's.
        single_sent, single_detections, single_sifted, single_errors: the same for one-photon
            pulses only (what the infinite-decoy analysis estimates).
        eve_known: sifted detections whose bit Eve knows (PNS: she kept a photon).
        signal_bits: for the first intensity, Alice's and Bob's sifted bits, their bases and
            Eve's knowledge flag, up to ``keep_bits`` of them (a (4, m) uint8 array).
    """

    intensities: np.ndarray
    pulses: np.ndarray
    detections: np.ndarray
    sifted: np.ndarray
    errors: np.ndarray
    single_sent: np.ndarray
    single_detections: np.ndarray
    single_sifted: np.ndarray
    single_errors: np.ndarray
    eve_known: np.ndarray
    signal_bits: np.ndarray


def dark_count_probability(y0: float) -> float:
    """Per-detector dark-count probability ``1 - sqrt(1 - Y0)`` of two detectors with yield Y0."""
    return 1.0 - math.sqrt(1.0 - y0)


def _arrivals(n: np.ndarray, eta: float, attack: PnsAttack | None, rng) -> tuple:
    """Photons reaching Bob's detectors per pulse, and whether Eve holds a copy."""
    if attack is None:
        return rng.binomial(n, eta), np.zeros(n.shape, dtype=bool)
    forwarded = rng.random(n.shape) < attack.forward_probability(n)
    m = np.where(forwarded, attack.photons_forwarded(n), 0)
    return rng.binomial(m, attack.eta_bob), forwarded & (n >= 2)


def _block(size: int, x: float, eta: float, ch: DecoyChannel, attack: PnsAttack | None,
           rng) -> dict[str, np.ndarray]:
    """Simulate ``size`` pulses of intensity ``x``; returns tallies and the sifted bits."""
    n = rng.poisson(x, size)
    occupied = np.flatnonzero(n)
    arrived, eve = _arrivals(n[occupied], eta, attack, rng)
    dark = np.unique(rng.integers(0, 2 * size, rng.binomial(2 * size, dark_count_probability(ch.y0))))
    cand = np.union1d(occupied[arrived > 0], dark // 2)
    pos = np.searchsorted(occupied, cand)
    ok = pos < occupied.size
    ok[ok] = occupied[pos[ok]] == cand[ok]  # candidates that hold photons (not dark-only)
    k_arr = np.zeros(cand.size, dtype=np.int64)
    k_arr[ok] = arrived[pos[ok]]
    eve_c = np.zeros(cand.size, dtype=bool)
    eve_c[ok] = eve[pos[ok]]
    m = cand.size
    a_basis, b_basis = rng.integers(0, 2, m), rng.integers(0, 2, m)
    a_bit = rng.integers(0, 2, m, dtype=np.uint8)
    wrong = rng.binomial(k_arr, np.where(a_basis == b_basis, ch.e_detector, 0.5))
    # detector "r" is the one Alice's bit points to in Bob's basis, "w" the other
    click_r = (k_arr - wrong > 0) | np.isin(2 * cand, dark, assume_unique=True)
    click_w = (wrong > 0) | np.isin(2 * cand + 1, dark, assume_unique=True)
    det = click_r | click_w
    err = (click_w & ~click_r) | (click_r & click_w & (rng.integers(0, 2, m) == 1))
    sift = det & (a_basis == b_basis)
    single = n[cand] == 1
    out = {"pulses": size, "detections": int(det.sum()), "sifted": int(sift.sum()),
           "errors": int((sift & err).sum()), "single_sent": int((n == 1).sum()),
           "single_detections": int((det & single).sum()),
           "single_sifted": int((sift & single).sum()),
           "single_errors": int((sift & single & err).sum()),
           "eve_known": int((sift & eve_c).sum())}
    out["bits"] = np.stack([a_bit[sift], a_bit[sift] ^ err[sift].astype(np.uint8),
                            a_basis[sift].astype(np.uint8), eve_c[sift].astype(np.uint8)])
    return out


def simulate_pulses(n_pulses: int, length_km: float, ch: DecoyChannel, *,
                    intensities: Sequence[float], probabilities: Sequence[float] | None = None,
                    attack: PnsAttack | None = None, seed: int | None = None,
                    keep_bits: int = 2_000_000) -> PulseTally:
    """Send ``n_pulses`` pulses over ``length_km`` km of ``ch`` and tally what Bob detects.

    Args:
        n_pulses: pulses sent (>= 1).
        length_km: fiber length in km.
        ch: the channel (:data:`~qnet_circuits.physics.decoy.GYS` or another).
        intensities: mean photon numbers; the first is the signal.
        probabilities: how often each intensity is sent (default: equal).
        attack: a PNS attack (None: the honest lossy fiber).
        seed: seed of the generator (chunk generators are spawned from it).
        keep_bits: largest number of sifted signal bits returned for key distillation.

    Under a progress monitor Ctrl-C stops between chunks of :data:`CHUNK` pulses: inside
    :func:`~qnet_circuits.run.progress.partial_ok` the tally holds the finished chunks
    (``pulses`` sums to fewer than ``n_pulses``), else ``progress.Interrupted`` is raised.
    """
    if not isinstance(n_pulses, (int, np.integer)) or n_pulses < 1:
        raise ValueError(f"pulses must be an integer >= 1, got {n_pulses!r}")
    mus = np.asarray(intensities, dtype=float)
    probs = np.full(mus.size, 1.0 / mus.size) if probabilities is None else np.asarray(
        probabilities, dtype=float)
    if probs.shape != mus.shape or np.any(probs < 0) or not math.isclose(probs.sum(), 1.0):
        raise ValueError("intensity probabilities must be >= 0, one per intensity, summing to 1")
    eta = wcp_transmittance(length_km, ch)
    chunks = -(-int(n_pulses) // CHUNK)
    children = np.random.SeedSequence(seed).spawn(chunks)
    keys = ("pulses", "detections", "sifted", "errors", "single_sent", "single_detections",
            "single_sifted", "single_errors", "eve_known")
    total = {key: np.zeros(mus.size, dtype=np.int64) for key in keys}
    bits: list[np.ndarray] = []
    kept = 0
    from qnet_circuits.run import progress  # a bar of pulses under `qnet bb84`

    with progress.task(int(n_pulses), unit="pulses"), progress.polling():
        for i, child in enumerate(children):
            if i and progress.stop_requested():  # Ctrl-C
                if not progress.partial_allowed():
                    raise progress.Interrupted(f"after {i * CHUNK} of {n_pulses} pulses")
                break  # the tally of the finished chunks, for a caller inside partial_ok
            rng = np.random.default_rng(child)
            size = CHUNK if i < chunks - 1 else int(n_pulses) - CHUNK * (chunks - 1)
            # pulses are iid, so the intensities of a chunk are a multinomial split
            for j, count in enumerate(rng.multinomial(size, probs)):
                if count == 0:
                    continue
                part = _block(int(count), float(mus[j]), eta, ch, attack, rng)
                b = part.pop("bits")
                if j == 0 and kept < keep_bits:
                    bits.append(b[:, : keep_bits - kept])
                    kept += bits[-1].shape[1]
                for key in keys:
                    total[key][j] += part[key]
            progress.advance(size)
    signal = np.concatenate(bits, axis=1) if bits else np.zeros((4, 0), dtype=np.uint8)
    return PulseTally(intensities=mus, signal_bits=signal, **total)


def exact_gain_qber(x: float, eta: float, ch: DecoyChannel) -> tuple[float, float]:
    """Gain and QBER of the simulated detector model, exactly (Ma et al.'s forms to O(Y0 eta)).

    Right-port photons are Poisson(eta x (1 - e_d)), wrong-port Poisson(eta x e_d), independent;
    with dark probability ``pd`` per detector, ``c = 1 - (1-pd) e^{-eta x (1-e_d)}``,
    ``w = 1 - (1-pd) e^{-eta x e_d}``, ``Q = 1 - (1-c)(1-w)``, ``E Q = w (1-c) + c w / 2``.
    """
    pd = dark_count_probability(ch.y0)
    c = 1.0 - (1.0 - pd) * math.exp(-eta * x * (1.0 - ch.e_detector))
    w = 1.0 - (1.0 - pd) * math.exp(-eta * x * ch.e_detector)
    q = 1.0 - (1.0 - c) * (1.0 - w)
    return q, (w * (1.0 - c) + c * w / 2.0) / q
