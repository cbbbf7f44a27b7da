"""Per-round QKD records drawn from per-setting counts.

Rounds of an entanglement-based QKD run are independent and identically distributed: in each
round Alice and Bob pick measurement settings at random and measure a fresh pair. The quantum
part can therefore be batched: each measurement setting is one circuit, run once with many shots,
and only its counts are kept (no per-shot memory). The per-round record is then rebuilt exactly:

1. the setting of every round is drawn iid from the setting probabilities (a multinomial split);
2. for a setting used ``n_s`` times, ``n_s`` outcomes are drawn without replacement from that
   setting's counts (a multivariate hypergeometric draw; all of them when the circuit ran
   exactly ``n_s`` shots), and put in a uniformly random order.

Given the counts, a uniformly random ordering (and any random subset) of iid samples is again iid
with the same law, so step 2 is an exact iid sample of the round outcomes, not an approximation.
Everything uses one ``numpy.random.Generator`` seeded with the run's seed.

Outcome codes pack the measured bits of one shot into an integer (see the ``*_BIT`` constants):
bit 0 is Alice's outcome, bit 1 Bob's, bit 2 whether Eve attacked that pair, bit 3 Eve's basis
(0 = Z, 1 = X), bit 4 Eve's outcome.

>>> which = draw_settings([1.0], 100, seed=1)
>>> r = rounds_from_counts([{0b00: 50, 0b11: 50}], [(0, 0)], which, seed=1)
>>> int((r.alice_bit == r.bob_bit).sum()), r.n_rounds
(100, 100)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qnet_circuits.run import progress

ALICE_BIT = 0
BOB_BIT = 1
EVE_ATTACK_BIT = 2
EVE_BASIS_BIT = 3
EVE_OUTCOME_BIT = 4


@dataclass(frozen=True, eq=False)
class Rounds:
    """The per-round record of a QKD run (arrays of length ``n_rounds``).

    Attributes:
        alice_setting, bob_setting: index of each party's measurement setting (int16).
        alice_bit, bob_bit: measurement outcomes (uint8, 0 or 1).
        eve_attack: 1 where Eve intercepted the pair (uint8); all zeros without Eve.
        eve_basis: Eve's measurement basis where she attacked (0 = Z, 1 = X; uint8).
        eve_bit: Eve's outcome where she attacked (uint8).
        setting_pairs: ``(alice_setting, bob_setting)`` of each setting index used to draw rounds.
        seed: the seed of the generator that drew the orderings (-1 when a Generator was passed).
    """

    alice_setting: np.ndarray
    bob_setting: np.ndarray
    alice_bit: np.ndarray
    bob_bit: np.ndarray
    eve_attack: np.ndarray
    eve_basis: np.ndarray
    eve_bit: np.ndarray
    setting_pairs: tuple[tuple[int, int], ...]
    seed: int

    @property
    def n_rounds(self) -> int:
        """Number of rounds (distributed pairs)."""
        return int(self.alice_bit.shape[0])


def _counts_arrays(counts: Mapping[int, int], where: str) -> tuple[np.ndarray, np.ndarray]:
    codes = np.fromiter((int(k) for k in counts), dtype=np.int64, count=len(counts))
    values = np.fromiter((int(v) for v in counts.values()), dtype=np.int64, count=len(counts))
    if np.any(values < 0):
        raise ValueError(f"{where}: counts must be >= 0")
    if np.any(codes < 0) or np.any(codes >= 32):
        raise ValueError(f"{where}: outcome codes must be in [0, 32) (5 packed bits)")
    return codes, values


def draw_settings(
    probabilities: Sequence[float], n_rounds: int, seed: int | np.random.Generator
) -> np.ndarray:
    """The setting index of each of ``n_rounds`` rounds, drawn iid from ``probabilities``.

    Raises:
        ValueError: if ``n_rounds < 1`` or ``probabilities`` is not a distribution.
    """
    if not isinstance(n_rounds, (int, np.integer)) or isinstance(n_rounds, bool) or n_rounds < 1:
        raise ValueError(f"n_rounds must be an integer >= 1, got {n_rounds!r}")
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-9):
        raise ValueError(f"probabilities must be >= 0 and sum to 1, got {p.tolist()}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    # one C call (seconds for 1e8 rounds): interruptible by Ctrl-C under a progress monitor
    return progress.interruptible(rng.choice, p.size, size=int(n_rounds),
                                  p=p / p.sum()).astype(np.int16)


def rounds_from_counts(
    counts: Sequence[Mapping[int, int]],
    setting_pairs: Sequence[tuple[int, int]],
    which: np.ndarray,
    seed: int | np.random.Generator,
) -> Rounds:
    """Rebuild iid rounds from per-setting outcome counts.

    Args:
        counts: one mapping ``outcome code -> count`` per setting (codes as in the module doc).
        setting_pairs: ``(alice_setting, bob_setting)`` for each entry of ``counts``.
        which: setting index of every round (from :func:`draw_settings`).
        seed: seed or generator for the subsets and orderings.

    Raises:
        ValueError: if the lengths disagree or a setting's counts hold fewer shots than the
            rounds that use it (run more shots).
    """
    if len(counts) != len(setting_pairs) or len(counts) == 0:
        raise ValueError(
            "counts and setting_pairs must have the same non-zero length, got "
            f"{len(counts)} and {len(setting_pairs)}"
        )
    which = np.asarray(which)
    if which.ndim != 1 or which.size == 0:
        raise ValueError("which must be a non-empty 1-D array of setting indices")
    if which.min() < 0 or which.max() >= len(counts):
        raise ValueError(f"which holds setting indices outside [0, {len(counts)})")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = int(which.size)
    codes_out = np.empty(n, dtype=np.uint8)
    for s, mapping in enumerate(counts):
        idx = np.flatnonzero(which == s)
        if idx.size == 0:
            continue
        codes, values = _counts_arrays(mapping, f"counts[{s}]")
        total = int(values.sum())
        if total < idx.size:
            raise ValueError(
                f"counts[{s}] holds {total} shots but {idx.size} rounds need that setting; "
                "run the setting circuits with more shots"
            )
        picked = values if total == idx.size else rng.multivariate_hypergeometric(values, idx.size)
        codes_out[idx] = rng.permutation(np.repeat(codes, picked)).astype(np.uint8)
    pairs = np.asarray(setting_pairs, dtype=np.int16).reshape(-1, 2)

    def bit(k: int) -> np.ndarray:
        return (codes_out >> k) & 1

    return Rounds(
        alice_setting=pairs[which, 0],
        bob_setting=pairs[which, 1],
        alice_bit=bit(ALICE_BIT),
        bob_bit=bit(BOB_BIT),
        eve_attack=bit(EVE_ATTACK_BIT),
        eve_basis=bit(EVE_BASIS_BIT),
        eve_bit=bit(EVE_OUTCOME_BIT),
        setting_pairs=tuple((int(a), int(b)) for a, b in pairs),
        seed=int(seed) if not isinstance(seed, np.random.Generator) else -1,
    )
