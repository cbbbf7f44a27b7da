"""Parameter estimation: the QBER of each key basis from a random sample that is disclosed.

Alice and Bob pick, with a shared public random generator, ``sample_fraction`` of the sifted
bits of each basis, announce them, and count the disagreements. The disclosed bits are removed
from the key. The estimate is ``errors / k`` with binomial standard error
``sqrt(Q (1 - Q) / k)``; the finite-key penalty for using it as a bound lives in
:mod:`qnet_circuits.keys.finite_key`.

>>> import numpy as np
>>> from qnet_circuits.keys.sifting import SiftedKey
>>> a = np.zeros(1000, np.uint8); b = a.copy(); b[::10] = 1
>>> key = SiftedKey(a, b, np.zeros(1000, np.int8), ("Z",), np.arange(1000))
>>> est, rest = estimate_qber(key, 0.5, seed=0)
>>> est["Z"].sample_size, rest.n
(500, 500)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qnet_circuits.keys.sifting import SiftedKey

#: Smallest disclosed sample per key basis that :func:`estimate_qber` accepts.
MIN_SAMPLE = 50


@dataclass(frozen=True)
class QberEstimate:
    """QBER of one key basis estimated on a disclosed random sample.

    Attributes:
        basis: key-basis name.
        errors: disagreements in the sample.
        sample_size: disclosed bits ``k``.
        key_size: bits of that basis left in the key after disclosure ``n``.
    """

    basis: str
    errors: int
    sample_size: int
    key_size: int

    @property
    def value(self) -> float:
        """Estimated QBER (fraction)."""
        return self.errors / self.sample_size

    @property
    def stderr(self) -> float:
        """Binomial standard error ``sqrt(Q(1-Q)/k)``."""
        q = self.value
        return math.sqrt(q * (1.0 - q) / self.sample_size)


def estimate_qber(
    key: SiftedKey,
    sample_fraction: float,
    *,
    seed: int | np.random.Generator,
    min_sample: int = MIN_SAMPLE,
) -> tuple[dict[str, QberEstimate], SiftedKey]:
    """Disclose a random ``sample_fraction`` of each basis, estimate its QBER, drop the sample.

    Args:
        key: the sifted key.
        sample_fraction: fraction of each basis's bits to disclose, in (0, 1).
        seed: seed or generator for the public random choice of the sample.
        min_sample: smallest acceptable sample per basis.

    Returns:
        ``({basis: QberEstimate}, remaining key)``.

    Raises:
        ValueError: if ``sample_fraction`` is outside (0, 1) or a basis has too few bits to
            disclose ``min_sample`` of them and keep some key (raise ``pairs``).
    """
    if not isinstance(sample_fraction, (int, float)) or not 0.0 < sample_fraction < 1.0:
        raise ValueError(f"sample_fraction must be in (0, 1), got {sample_fraction!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    disclosed = np.zeros(key.n, dtype=bool)
    sizes: dict[str, int] = {}
    for b, name in enumerate(key.basis_names):
        idx = np.flatnonzero(key.basis == b)
        k = int(round(sample_fraction * idx.size))
        if k < min_sample or idx.size - k < 1:
            raise ValueError(
                f"too few pairs: basis {name} has {idx.size} sifted bits, so a sample_fraction "
                f"of {sample_fraction} discloses {k} < {min_sample} (the minimum for a QBER "
                "estimate); increase pairs (or sample_fraction)"
            )
        disclosed[rng.choice(idx, size=k, replace=False)] = True
        sizes[name] = k
    keep = np.flatnonzero(~disclosed)
    est: dict[str, QberEstimate] = {}
    for b, name in enumerate(key.basis_names):
        sample = disclosed & (key.basis == b)
        errors = int(np.count_nonzero(key.alice[sample] != key.bob[sample]))
        key_size = int(np.count_nonzero(key.basis[keep] == b))
        est[name] = QberEstimate(name, errors, sizes[name], key_size)
    return est, key.take(keep)
