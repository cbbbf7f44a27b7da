"""Sifting: keep the rounds whose measurement settings match a key basis.

>>> import numpy as np
>>> from qnet_circuits.keys.rounds import draw_settings, rounds_from_counts
>>> which = draw_settings([0.5, 0.5], 10, seed=3)
>>> r = rounds_from_counts([{0: 10}, {0: 10}], [(0, 0), (0, 1)], which, seed=3)
>>> s = sift(r, {(0, 0): "Z"})
>>> s.n == int((r.bob_setting == 0).sum())
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qnet_circuits.keys.rounds import Rounds


@dataclass(frozen=True, eq=False)
class SiftedKey:
    """Sifted raw keys (uint8 arrays of equal length) with each bit's basis label.

    Attributes:
        alice, bob: the raw key bits.
        basis: index into ``basis_names`` for each bit (int8).
        basis_names: names of the key bases, e.g. ``("Z", "X")``.
        round_index: index of each bit's round in the :class:`Rounds` it came from.
    """

    alice: np.ndarray
    bob: np.ndarray
    basis: np.ndarray
    basis_names: tuple[str, ...]
    round_index: np.ndarray

    @property
    def n(self) -> int:
        """Number of sifted bits."""
        return int(self.alice.shape[0])

    def count(self, basis: str) -> int:
        """Number of bits in key basis ``basis``."""
        return int(np.count_nonzero(self.basis == self.basis_names.index(basis)))

    def take(self, index: np.ndarray) -> SiftedKey:
        """The sub-key at positions ``index`` (order kept)."""
        return SiftedKey(
            self.alice[index], self.bob[index], self.basis[index], self.basis_names,
            self.round_index[index],
        )


def sift(rounds: Rounds, key_settings: Mapping[tuple[int, int], str]) -> SiftedKey:
    """Keep the rounds whose ``(alice_setting, bob_setting)`` is a key of ``key_settings``.

    Args:
        rounds: the per-round record.
        key_settings: ``{(alice_setting, bob_setting): basis name}`` for the matching settings,
            e.g. ``{(0, 0): "Z", (1, 1): "X"}`` for BBM92.
    """
    if not key_settings:
        raise ValueError("key_settings must name at least one (alice, bob) setting pair")
    names = tuple(dict.fromkeys(key_settings.values()))
    label = np.full(rounds.n_rounds, -1, dtype=np.int8)
    for (a, b), name in key_settings.items():
        label[(rounds.alice_setting == a) & (rounds.bob_setting == b)] = names.index(name)
    keep = np.flatnonzero(label >= 0)
    return SiftedKey(
        alice=rounds.alice_bit[keep],
        bob=rounds.bob_bit[keep],
        basis=label[keep],
        basis_names=names,
        round_index=keep,
    )
