"""Circuit-level BB84: the four states as circuits, the network's loss and detectors via the runner.

Every round Alice picks a bit and a basis, Bob a basis (and Eve, when she attacks, a basis):
fair coins, drawn up front. Each of the 8 (16 with Eve) settings is one circuit of
:func:`~qnet_circuits.library.bb84.bb84_round`, run once through the runner with as many shots
as the rounds that drew it (rounds are iid, so shot k of a setting's circuit is the k-th round
that used it). The runner's noise pass applies the fiber loss, detector efficiency and dark
counts of the network's link. Bob announces which rounds clicked; the detected rounds go through
:mod:`qnet_circuits.keys`: sifting, the sampled QBER, Cascade, error verification, Toeplitz
privacy amplification and the finite-key length (the Tomamichel et al. BB84 bound that
:func:`~qnet_circuits.keys.bbm92_key_length` computes; one photon per round, so no multi-photon
correction is needed here).

>>> from qnet_circuits.network import chain
>>> net = chain(1, 5.0, attenuation_db_per_km=0.2)
>>> res = run_circuit_bb84(net, rounds=40_000, seed=2)
>>> res.gain.within(res.theory["gain"], k=4), round(res.theory["gain"], 4), res.qber.value
(True, 0.7943, 0.0)
>>> res.key.keys_match, res.key.final_key_bits > 0
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits.keys import distill_key
from qnet_circuits.keys.rounds import Rounds
from qnet_circuits.library.bb84 import bb84_round, misalignment_angle
from qnet_circuits.physics.decoy import single_photon_detection
from qnet_circuits.results import Estimate

if TYPE_CHECKING:
    from qnet_circuits.keys.pipeline import KeyResult
    from qnet_circuits.network import Network
    from qnet_circuits.run import Runner

#: eavesdroppers of the circuit-level run
CIRCUIT_ATTACKS = ("none", "intercept-resend")
KEY_SETTINGS = {(0, 0): "Z", (1, 1): "X"}


@dataclass(frozen=True, eq=False)
class CircuitBb84:
    """A circuit-level BB84 run.

    Attributes:
        rounds: rounds (single photons) Alice sent.
        detections: rounds in which Bob's detectors clicked.
        gain: detections per round, with its standard error.
        qber: error rate over all sifted bits, with its standard error.
        eve_agreement: fraction of sifted bits Eve's outcome matched Alice's (NaN without Eve).
        key: the post-processing result (None when too few bits reached it; see ``note``).
        theory: closed forms ``gain``, ``qber`` (``physics.single_photon_detection``), ``eta``.
        note: why no key came out, or "".
    """

    rounds: int
    detections: int
    gain: Estimate
    qber: Estimate
    eve_agreement: float
    key: KeyResult | None
    theory: dict[str, float]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        key = self.key
        out: dict[str, Any] = {
            "rounds": self.rounds, "detections": self.detections, **self.gain.to_dict("gain"),
            **self.qber.to_dict("qber"), "theory": dict(self.theory), "note": self.note,
            "eve_agreement": None if math.isnan(self.eve_agreement) else self.eve_agreement,
        }
        if key is not None:
            fk = key.finite_key
            out.update(sifted_bits=key.sifted.n, aborted=key.aborted,
                       abort_reasons=list(key.decision.reasons),
                       final_key_bits=key.final_key_bits, keys_match=key.keys_match,
                       leaked_bits=None if key.cascade is None else key.cascade.leaked_bits,
                       finite_key_length=None if fk is None else fk.length)
        return out


def _settings(with_eve: bool) -> list[tuple[int, ...]]:
    """(alice bit, alice basis, bob basis[, eve basis]) of every setting circuit."""
    base = [(b, a, c) for b in (0, 1) for a in (0, 1) for c in (0, 1)]
    return [(*s, e) for s in base for e in (0, 1)] if with_eve else base


def _outcomes(runner: Runner, network: Network, length_km: float, settings, which, e_detector,
              seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bob's clicks and Eve's outcome per round, drawn from each setting circuit's shots."""
    link = network.links[0]
    angle = misalignment_angle(e_detector)
    circuits = [bb84_round(s[0], s[1], s[2], link=link.name, length_km=length_km,
                           misalignment_rad=angle, eve_basis=s[3] if len(s) > 3 else None)
                for s in settings]
    counts = np.bincount(which, minlength=len(settings))
    from qnet_circuits.run import progress

    with progress.partial_ok():  # after Ctrl-C: the rounds the finished shots cover
        data = runner.run(circuits, shots=int(max(counts.max(), 1)), seed=seed, network=network)
    if progress.stop_requested():
        which = which[: progress.covered_prefix(which, [d.shots for d in data])]
    clicks = np.zeros((which.size, 2), dtype=np.uint8)
    eve_bit = np.zeros(which.size, dtype=np.uint8)
    for s, shot in enumerate(data):
        idx = np.flatnonzero(which == s)
        clicks[idx] = shot.bits["bob"][: idx.size]
        if "eve" in shot.bits:
            eve_bit[idx] = shot.bits["eve"][: idx.size, 0]
    return clicks[:, 0], clicks[:, 1], eve_bit


def run_circuit_bb84(network: Network, *, rounds: int, seed: int, length_km: float | None = None,
                     y0: float | None = None, e_detector: float = 0.0,
                     eavesdropper: str = "none", runner: Runner | None = None,
                     sample_fraction: float = 0.1) -> CircuitBb84:
    """Run ``rounds`` BB84 rounds over the first link of ``network`` and distill a key.

    Args:
        network: a one-link network (its fiber, detector efficiency and dark counts apply).
        rounds: single photons sent (>= 1).
        seed: seed of the settings, the runner and the post-processing.
        length_km: fiber length crossed (default: the link's length).
        y0: background yield for the theory (default: from the link's dark-count probability).
        e_detector: optical misalignment (wrong-detector probability).
        eavesdropper: ``"none"`` or ``"intercept-resend"`` (random Z/X basis, every photon).
        runner: where the circuits run (default: local Aer).
        sample_fraction: fraction of the sifted bits disclosed for the QBER estimate.
    """
    if eavesdropper not in CIRCUIT_ATTACKS:
        raise ValueError(f"eavesdropper must be one of {CIRCUIT_ATTACKS}, got {eavesdropper!r}")
    from qnet_circuits.protocols.base import resolve_runner

    runner = resolve_runner(runner)
    link = network.links[0]
    length = link.fiber.length_km if length_km is None else float(length_km)
    rng = np.random.default_rng([int(seed), 0xBB84])
    settings = _settings(eavesdropper != "none")
    which = rng.integers(0, len(settings), int(rounds))
    c0, c1, eve_bit = _outcomes(runner, network, length, settings, which, e_detector, seed)
    which = which[: c0.size]  # fewer after a Ctrl-C (the covered prefix)
    s = np.asarray(settings, dtype=np.int64)[which]
    detected = (c0 | c1).astype(bool)
    # one click is the bit; a double click gets a random bit (squashing)
    bob = np.where(c0 & c1, rng.integers(0, 2, which.size), c1).astype(np.uint8)
    keep = np.flatnonzero(detected)
    zeros = np.zeros(keep.size, dtype=np.uint8)
    r = Rounds(alice_setting=s[keep, 1].astype(np.int16), bob_setting=s[keep, 2].astype(np.int16),
               alice_bit=s[keep, 0].astype(np.uint8), bob_bit=bob[keep],
               eve_attack=zeros + (eavesdropper != "none"),
               eve_basis=(s[keep, 3] if s.shape[1] > 3 else zeros).astype(np.uint8),
               eve_bit=eve_bit[keep], setting_pairs=((0, 0), (0, 1), (1, 0), (1, 1)), seed=seed)
    n = int(which.size)
    g = keep.size / n
    sifted = r.alice_setting == r.bob_setting
    n_s = int(sifted.sum())
    err = float((r.alice_bit[sifted] != r.bob_bit[sifted]).mean()) if n_s else float("nan")
    qber = Estimate(err, math.sqrt(err * (1 - err) / n_s) if n_s else float("nan"))
    eve_ok = float((r.eve_bit[sifted] == r.alice_bit[sifted]).mean()) if (
        n_s and eavesdropper != "none") else float("nan")
    eta = link.fiber.transmissivity_over(length) * link.detector.efficiency
    pd = link.detector.dark_count_prob
    y0_th = 1.0 - (1.0 - pd) ** 2 if y0 is None else y0
    q_th, e_th = single_photon_detection(eta, y0_th, e_detector, eavesdropper != "none")
    theory = {"eta": eta, "gain": q_th, "qber": e_th}
    key, note = None, ""
    try:
        key = distill_key(r, "bbm92", KEY_SETTINGS, seed=seed, sample_fraction=sample_fraction)
        if key.aborted:
            note = "no key: " + "; ".join(key.decision.reasons)
            if key.finite_key is not None and key.finite_key.length <= 0:
                note += (f" ({key.sifted.n} sifted bits are too few for the finite-size penalty; "
                         "more rounds or a shorter fiber)")
    except ValueError as exc:  # too few detections to estimate the QBER
        note = f"no key: {exc}"
    return CircuitBb84(n, int(keep.size), Estimate(g, math.sqrt(g * (1 - g) / n)), qber, eve_ok,
                       key, theory, note)
