"""Trusted-node key relay: hop keys joined end to end by one-time pads (stage 1 networks).

A path ``A = n_0, n_1, ..., n_H = B`` has a secret key ``K_i`` on each hop ``(n_{i-1}, n_i)``
(from any QKD protocol). Every trusted node ``n_i`` (``0 < i < H``) announces
``C_i = K_i xor K_{i+1}`` on the public channel; Bob recovers Alice's key
``K_1 = K_H xor C_{H-1} xor ... xor C_1``. The relayed key is as long as the shortest hop key (the
end-to-end rate is the slowest hop's) and is information-theoretically secret from anyone who
holds only the announcements, but every trusted node ``n_i`` learns it
(``K_1 = K_i xor C_{i-1} xor ... xor C_1``): the security cost of a trusted-node network, which
:func:`relay_keys` reports by reconstructing the key as each node can.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> hops = [rng.integers(0, 2, 8, dtype=np.uint8) for _ in range(3)]
>>> r = relay_keys(hops, hops)
>>> r.length, r.keys_match, r.exposed_to
(8, True, (1, 2))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RelayedKey:
    """The end-to-end key of a trusted-node relay.

    Attributes:
        alice_key, bob_key: the relayed key at the two ends (uint8 bits).
        announcements: the public one-time-pad messages ``C_i``, one per trusted node.
        length: relayed key length in bits (the shortest hop key).
        hop_lengths: every hop's key length in bits.
        exposed_to: indices ``i`` of the trusted nodes that can reconstruct the key (all of them).
    """

    alice_key: np.ndarray
    bob_key: np.ndarray
    announcements: tuple[np.ndarray, ...]
    length: int
    hop_lengths: tuple[int, ...]
    exposed_to: tuple[int, ...]

    @property
    def keys_match(self) -> bool:
        """True when Alice's and Bob's relayed keys are equal."""
        return bool(np.array_equal(self.alice_key, self.bob_key))

    @property
    def bottleneck_hop(self) -> int:
        """Index (1-based) of the first hop with the shortest key."""
        return int(np.argmin(self.hop_lengths)) + 1


def relay_keys(left_keys: Sequence[np.ndarray], right_keys: Sequence[np.ndarray]) -> RelayedKey:
    """Relay hop keys by one-time pad (module doc).

    Args:
        left_keys: per hop ``i = 1..H``, the key held by the hop's left node ``n_{i-1}``.
        right_keys: per hop, the key held by its right node ``n_i`` (equal to the left key when
            the hop's QKD succeeded; a mismatch propagates to Bob and is reported).
    """
    if len(left_keys) != len(right_keys) or len(left_keys) < 1:
        raise ValueError("left_keys and right_keys must list the same number (>= 1) of hop keys")
    left = [np.asarray(k, dtype=np.uint8) for k in left_keys]
    right = [np.asarray(k, dtype=np.uint8) for k in right_keys]
    hop_lengths = tuple(int(min(a.size, b.size)) for a, b in zip(left, right))
    m = min(hop_lengths)
    left, right = [k[:m] for k in left], [k[:m] for k in right]
    # trusted node i holds right[i-1] (hop i) and left[i] (hop i+1)
    announcements = tuple(right[i - 1] ^ left[i] for i in range(1, len(left)))
    bob = right[-1].copy()
    for c in announcements:
        bob ^= c
    exposed = []
    prefix = np.zeros(m, dtype=np.uint8)  # C_1 xor ... xor C_{i-1}, built as i grows
    for i in range(1, len(left)):
        if np.array_equal(right[i - 1] ^ prefix, left[0]):
            exposed.append(i)
        prefix ^= announcements[i - 1]
    return RelayedKey(left[0].copy(), bob, announcements, m, hop_lengths, tuple(exposed))
