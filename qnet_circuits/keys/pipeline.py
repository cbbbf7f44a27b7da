"""From raw rounds to a shared secret key: sift, estimate, abort?, correct, verify, hash.

One public random generator, seeded from ``seed``, supplies everything Alice and Bob agree on in
public: the disclosed sample, Cascade's permutations, the verification-hash seed and the Toeplitz
seed. The steps are those of :mod:`qnet_circuits.keys`; the returned :class:`KeyResult` keeps the
numbers of each step.

>>> import numpy as np
>>> from qnet_circuits.keys.rounds import draw_settings, rounds_from_counts
>>> counts = [{0b00: 24_000, 0b11: 24_000, 0b01: 500, 0b10: 500}] * 2
>>> r = rounds_from_counts(counts, [(0, 0), (1, 1)], draw_settings([0.5, 0.5], 80_000, 5), 5)
>>> res = distill_key(r, "bbm92", {(0, 0): "Z", (1, 1): "X"}, seed=5)
>>> res.aborted, res.keys_match, 15_000 < res.final_key_bits < res.finite_key.n
(False, True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qnet_circuits.keys.abort import PROTOCOLS, QBER_THRESHOLD, AbortDecision, check_abort
from qnet_circuits.keys.cascade import CascadeResult, cascade
from qnet_circuits.keys.estimation import MIN_SAMPLE, QberEstimate, estimate_qber
from qnet_circuits.keys.finite_key import (
    EPS_COR,
    EPS_SEC,
    FiniteKeyLength,
    bbm92_key_length,
    di_key_length,
    verification_tag_bits,
)
from qnet_circuits.keys.privacy import toeplitz_hash
from qnet_circuits.keys.rounds import Rounds
from qnet_circuits.keys.sifting import SiftedKey, sift


@dataclass(frozen=True, eq=False)
class KeyResult:
    """Everything the post-processing produced.

    Attributes:
        protocol: ``"e91"`` or ``"bbm92"``.
        n_rounds: rounds (pairs) measured.
        sifted: the sifted key before disclosure (for diagnostics, e.g. Eve's knowledge).
        qber: sampled QBER per key basis.
        chsh, chsh_stderr: CHSH value used by the E91 rules (None for BBM92).
        decision: the abort decision (reasons empty when a key was produced).
        cascade: error-correction outcome (None if aborted before it).
        tag_bits: length of the error-verification hash tag.
        verified: whether the verification tags agreed (False if not reached).
        finite_key: the key-length computation (None if aborted before it).
        alice_key, bob_key: final secret keys (empty when aborted).
    """

    protocol: str
    n_rounds: int
    sifted: SiftedKey
    qber: Mapping[str, QberEstimate]
    chsh: float | None
    chsh_stderr: float | None
    decision: AbortDecision
    cascade: CascadeResult | None
    tag_bits: int
    verified: bool
    finite_key: FiniteKeyLength | None
    alice_key: np.ndarray
    bob_key: np.ndarray

    @property
    def aborted(self) -> bool:
        """True when no key was produced."""
        return self.decision.aborted

    @property
    def final_key_bits(self) -> int:
        """Length of the final secret key (0 when aborted)."""
        return int(self.alice_key.size)

    @property
    def keys_match(self) -> bool:
        """True iff a non-empty key was produced and Alice's equals Bob's."""
        return (
            self.final_key_bits > 0
            and self.alice_key.shape == self.bob_key.shape
            and bool(np.array_equal(self.alice_key, self.bob_key))
        )

    @property
    def qber_pooled(self) -> float:
        """QBER over all disclosed samples together."""
        errors = sum(e.errors for e in self.qber.values())
        return errors / sum(e.sample_size for e in self.qber.values())


def _key_length(protocol: str, n_by_basis: dict, qber: dict, leaked_bits: int,
                chsh: float | None, chsh_stderr: float | None, eps_sec: float,
                eps_cor: float) -> FiniteKeyLength:
    """The finite-key length: BBM92 from the phase-error bound, E91 device-independently from S."""
    if protocol == "bbm92":
        return bbm92_key_length(n_by_basis, qber, leaked_bits, eps_sec=eps_sec, eps_cor=eps_cor)
    # chsh and chsh_stderr are both given: distill_key checks it for e91
    return di_key_length(n_by_basis, qber, leaked_bits, float(chsh or 0.0),
                         float(chsh_stderr or 0.0), eps_sec=eps_sec, eps_cor=eps_cor)


def distill_key(
    rounds: Rounds,
    protocol: str,
    key_settings: Mapping[tuple[int, int], str],
    *,
    seed: int,
    chsh: float | None = None,
    chsh_stderr: float | None = None,
    sample_fraction: float = 0.1,
    qber_threshold: float = QBER_THRESHOLD,
    cascade_passes: int = 4,
    eps_sec: float = EPS_SEC,
    eps_cor: float = EPS_COR,
    min_sample: int = MIN_SAMPLE,
) -> KeyResult:
    """Run the classical post-processing on ``rounds``.

    Args:
        rounds: per-round settings and outcomes.
        protocol: ``"bbm92"`` (finite-key length from the phase-error bound) or ``"e91"``
            (device-independent length from S; ``chsh`` and ``chsh_stderr`` required).
        key_settings: ``{(alice_setting, bob_setting): basis name}`` of the key rounds.
        seed: seed of the public random generator.
        sample_fraction: fraction of each basis's sifted bits disclosed for the QBER, in (0, 1).
        qber_threshold: abort above this QBER (any basis).
        cascade_passes: Cascade passes (>= 1).
        eps_sec, eps_cor: security parameters of the finite-key length.
        min_sample: smallest disclosed sample per basis.

    Raises:
        ValueError: on bad arguments, or too few pairs for a QBER estimate (increase pairs).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    if protocol == "e91" and (chsh is None or chsh_stderr is None):
        raise ValueError("protocol 'e91' needs chsh and chsh_stderr (the measured S)")
    rng = np.random.default_rng([int(seed), 0x5EC4E7])
    sifted = sift(rounds, key_settings)
    if sifted.n == 0:
        raise ValueError("too few pairs: no round used matching key settings; increase pairs")
    qber, key = estimate_qber(sifted, sample_fraction, seed=rng, min_sample=min_sample)
    tag_bits = verification_tag_bits(eps_cor)
    empty = np.zeros(0, dtype=np.uint8)

    def stop(decision: AbortDecision, cas: CascadeResult | None = None,
             fk: FiniteKeyLength | None = None, verified: bool = False) -> KeyResult:
        return KeyResult(protocol, rounds.n_rounds, sifted, qber, chsh, chsh_stderr, decision,
                         cas, tag_bits, verified, fk, empty, empty)

    decision = check_abort(
        protocol, {b: e.value for b, e in qber.items()}, chsh=chsh, qber_threshold=qber_threshold
    )
    if decision.aborted:
        return stop(decision)

    q_pooled = sum(e.errors for e in qber.values()) / sum(e.sample_size for e in qber.values())
    cas = cascade(key.alice, key.bob, q_pooled, seed=rng, passes=cascade_passes)

    # error verification: compare a 2-universal hash tag of ceil(log2(1/eps_cor)) bits
    tag_seed = rng.integers(0, 2, key.n + tag_bits - 1, dtype=np.uint8)
    tag_alice, tag_bob = toeplitz_hash(np.stack([key.alice, cas.corrected]), tag_bits, tag_seed)
    verified = bool(np.array_equal(tag_alice, tag_bob))
    n_by_basis = {name: key.count(name) for name in key.basis_names}
    fk = _key_length(protocol, n_by_basis, qber, cas.leaked_bits, chsh, chsh_stderr, eps_sec, eps_cor)
    if not verified:
        return stop(AbortDecision(True, ("error verification failed (residual errors)",)),
                    cas, fk, verified)
    if fk.length <= 0:
        return stop(
            AbortDecision(True, (f"no secret key: finite-key length {fk.length} <= 0",)),
            cas, fk, verified,
        )
    pa_seed = rng.integers(0, 2, key.n + fk.length - 1, dtype=np.uint8)
    # each party hashes its own string with the public seed (one batched FFT for both)
    alice_key, bob_key = toeplitz_hash(np.stack([key.alice, cas.corrected]), fk.length, pa_seed)
    return KeyResult(protocol, rounds.n_rounds, sifted, qber, chsh, chsh_stderr,
                     AbortDecision(False, ()), cas, tag_bits, verified, fk, alice_key, bob_key)
