"""Cascade error correction (Brassard and Salvail 1993), vectorized with numpy.

Pass ``i`` (i = 0, 1, ...) permutes the key with a public random permutation (the identity for
pass 0), cuts it into blocks of ``k_i = k_1 2^i`` bits (``k_1 = 0.73 / Q``) and Alice announces
every block parity. Each block whose parity differs from Bob's holds an odd number of errors;
a binary search (Alice announces the parity of the left half at each step) finds one error, and
Bob flips it. Flipping a bit changes the parity of the blocks that hold it in every earlier pass:
those blocks are searched again (the "cascade") until every block of every pass so far agrees.

Vectorization: all blocks that disagree at one moment are binary-searched together (one numpy
step per halving, for all of them at once), then all the errors found are flipped together.
Every search runs on a block of odd error count, so every bit found is a real error and the
batched order corrects the same kind of errors as the sequential one. Disclosed bits are counted
exactly: one per block parity and one per binary-search step.

Implementation note: the simulator holds both strings, so Bob's parity of a range is computed as
Alice's parity XOR the parity of the number of discrepancies in that range (kept as sorted
positions per pass). That is the same number Bob computes from his own bits; it only makes the
range parities O(log n) instead of O(n).

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> a = rng.integers(0, 2, 20000, dtype=np.uint8)
>>> b = a ^ (rng.random(20000) < 0.02).astype(np.uint8)
>>> res = cascade(a, b, 0.02, seed=7)
>>> bool(np.array_equal(res.corrected, a)), res.leaked_bits > 0
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """Outcome of Cascade.

    Attributes:
        corrected: Bob's corrected key (uint8).
        leaked_bits: parities disclosed on the public channel (block parities + search steps).
        corrected_bits: number of bits Bob flipped.
        passes: number of passes run.
        first_block_size: block size of pass 0.
    """

    corrected: np.ndarray
    leaked_bits: int
    corrected_bits: int
    passes: int
    first_block_size: int


def first_block_size(qber: float, n: int) -> int:
    """Pass-0 block size ``round(0.73 / Q)``, with Q floored at 1e-3 and the size in [4, n]."""
    q = max(float(qber), 1e-3)
    return int(min(max(4, round(0.73 / q)), max(n, 1)))


def _binary_search(
    lo: np.ndarray, hi: np.ndarray, errs_sorted: np.ndarray
) -> tuple[np.ndarray, int]:
    """Find one discrepancy in each range [lo, hi) of odd discrepancy count (pass coordinates).

    Returns the positions (pass coordinates) and the number of parities disclosed.
    """
    lo = lo.copy()
    hi = hi.copy()
    disclosed = 0
    active = np.flatnonzero(hi - lo > 1)
    while active.size:
        lo_a = lo[active]
        hi_a = hi[active]
        mid = (lo_a + hi_a) // 2
        disclosed += active.size  # Alice announces the parity of [lo, mid)
        left = np.searchsorted(errs_sorted, mid) - np.searchsorted(errs_sorted, lo_a)
        odd_left = (left & 1).astype(bool)
        hi[active] = np.where(odd_left, mid, hi_a)
        lo[active] = np.where(odd_left, lo_a, mid)
        active = active[hi[active] - lo[active] > 1]
    return lo, disclosed


def cascade(
    alice: np.ndarray,
    bob: np.ndarray,
    qber: float,
    *,
    seed: int | np.random.Generator,
    passes: int = 4,
) -> CascadeResult:
    """Correct Bob's key towards Alice's with Cascade; count the disclosed parities.

    Args:
        alice, bob: raw keys (uint8 arrays of equal length).
        qber: the estimated QBER (sets the first block size ``0.73 / qber``).
        seed: seed or generator for the public permutations of passes 1, 2, ...
        passes: number of passes (>= 1); the block size doubles each pass.

    Returns:
        :class:`CascadeResult`. Residual errors are possible (even error counts in every
        block of every pass); the caller verifies with a hash tag.
    """
    a = np.ascontiguousarray(alice, dtype=np.uint8)
    b = np.array(bob, dtype=np.uint8, copy=True)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"alice and bob must be 1-D and of equal length, got {a.shape}, {b.shape}")
    if not isinstance(passes, int) or passes < 1:
        raise ValueError(f"passes must be an integer >= 1, got {passes!r}")
    if not 0.0 <= float(qber) <= 0.5:
        raise ValueError(f"qber must be in [0, 0.5], got {qber!r}")
    n = int(a.size)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    k1 = first_block_size(qber, n)
    if n == 0:
        return CascadeResult(b, 0, 0, passes, k1)

    perms: list[np.ndarray] = []  # pass coordinate -> key index
    where: list[np.ndarray] = []  # key index -> pass coordinate
    sizes: list[int] = []
    leaked = 0
    flipped = 0
    errors = np.flatnonzero(a != b)
    for p in range(passes):
        k = min(k1 << p, n)
        if p == 0:
            perm = np.arange(n)
            inv = perm
        else:
            perm = rng.permutation(n)
            inv = np.empty(n, dtype=np.int64)
            inv[perm] = np.arange(n)
        perms.append(perm)
        where.append(inv)
        sizes.append(k)
        leaked += math.ceil(n / k)  # Alice announces every block parity of this pass
        while True:
            found: list[np.ndarray] = []
            for q in range(p + 1):
                errs = np.sort(where[q][errors])
                kq = sizes[q]
                blocks = errs // kq
                if blocks.size == 0:
                    continue
                # blocks holding an odd number of discrepancies
                ub, cnt = np.unique(blocks, return_counts=True)
                odd = ub[(cnt & 1).astype(bool)]
                if odd.size == 0:
                    continue
                lo = odd * kq
                hi = np.minimum(lo + kq, n)
                pos, disclosed = _binary_search(lo, hi, errs)
                leaked += disclosed
                found.append(perms[q][pos])
            if not found:
                break
            fix = np.unique(np.concatenate(found))
            b[fix] ^= 1
            flipped += int(fix.size)
            errors = np.setdiff1d(errors, fix, assume_unique=True)
    return CascadeResult(b, int(leaked), flipped, passes, k1)
