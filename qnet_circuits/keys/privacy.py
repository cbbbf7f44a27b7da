"""Privacy amplification (and error verification) by Toeplitz hashing over GF(2).

A random binary Toeplitz matrix ``T`` (``m x n``, ``T[i, j] = s[i - j + n - 1]``) is fixed by
``n + m - 1`` public random seed bits ``s``; ``x -> T x mod 2`` is a 2-universal hash family
(Krawczyk 1994, Mansour-Nisan-Tiwari 1990), so by the leftover hash lemma it turns a key with
enough smooth min-entropy into an almost uniform shorter key. ``T x`` is a slice of the full
linear convolution of ``s`` with ``x``, computed exactly by a floating-point FFT (integer sums up
to ``n``, far below 2**52; the rounding margin is checked). Only outputs ``n - 1 ... n + m - 2``
of the convolution are needed, so a circular convolution of length ``n + m - 1`` suffices.
Short outputs (verification tags) use bit-packed AND/XOR parities instead (faster there).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.integers(0, 2, 64, dtype=np.uint8); s = rng.integers(0, 2, 64 + 16 - 1, dtype=np.uint8)
>>> bool(np.array_equal(toeplitz_hash(x, 16, s), toeplitz_matrix(s, 16, 64) @ x % 2))
True
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from qnet_circuits.run.progress import interruptible

_PACKED_MAX_ROWS = 256


def _toeplitz_packed(x: np.ndarray, m: int, s: np.ndarray) -> np.ndarray:
    """``T x mod 2`` row by row with bit-packed words (for small ``m``)."""
    n = x.size
    nbytes = -(-n // 64) * 8  # whole 64-bit words
    px = np.zeros(nbytes, dtype=np.uint8)
    packed_x = np.packbits(x)
    px[: packed_x.size] = packed_x
    wx = px.view(np.uint64)
    # out_i = sum_j z[o + j] x_j with z = s reversed and o = m - 1 - i
    z = np.zeros(n + m - 1 + 8 * nbytes + 8, dtype=np.uint8)
    z[: n + m - 1] = s[::-1]
    shifted = [np.packbits(z[r:]) for r in range(8)]
    out = np.empty(m, dtype=np.uint8)
    for i in range(m):
        o = m - 1 - i
        q, r = divmod(o, 8)
        window = shifted[r][q : q + nbytes]
        acc = np.bitwise_xor.reduce(np.bitwise_and(window.view(np.uint64), wx))
        out[i] = int(acc).bit_count() & 1
    return out


def toeplitz_matrix(seed_bits: np.ndarray, m: int, n: int) -> np.ndarray:
    """The explicit ``m x n`` Toeplitz matrix ``T[i, j] = seed_bits[i - j + n - 1]`` (for tests)."""
    s = np.asarray(seed_bits, dtype=np.int64)
    if s.shape != (n + m - 1,):
        raise ValueError(f"seed_bits must have n + m - 1 = {n + m - 1} entries, got {s.shape}")
    i = np.arange(m)[:, None]
    j = np.arange(n)[None, :]
    return s[i - j + n - 1]


def toeplitz_hash(bits: np.ndarray, m: int, seed_bits: np.ndarray) -> np.ndarray:
    """Hash ``bits`` (length n) to ``m`` bits: ``T x mod 2`` with ``T`` from ``seed_bits``.

    Args:
        bits: input key (0/1 array, length n >= 1), or several keys as rows of a 2-D array
            (all hashed with the same ``T``, e.g. Alice's and Bob's in one call).
        m: output length, 0 <= m.
        seed_bits: ``n + m - 1`` public random bits defining ``T``.

    Returns:
        uint8 array of length ``m`` (shape ``(rows, m)`` for 2-D input).
    """
    x = np.asarray(bits, dtype=np.uint8)
    if x.ndim == 2:
        if m <= _PACKED_MAX_ROWS:
            return np.stack([_small(row, m, seed_bits) for row in x]).reshape(x.shape[0], m)
        return _toeplitz_fft(x, m, np.asarray(seed_bits, dtype=np.uint8))
    if x.ndim != 1:
        raise ValueError(f"bits must be 1-D (one key) or 2-D (keys as rows), got shape {x.shape}")
    if m <= _PACKED_MAX_ROWS:
        return _small(x, m, seed_bits)
    return _toeplitz_fft(x[None, :], m, np.asarray(seed_bits, dtype=np.uint8))[0]


def _check(n: int, m: int, s: np.ndarray) -> None:
    if not isinstance(m, (int, np.integer)) or m < 0:
        raise ValueError(f"output length m must be an integer >= 0, got {m!r}")
    if n == 0 and m > 0:
        raise ValueError("bits must hold at least one bit to hash")
    if m > 0 and s.shape != (n + m - 1,):
        raise ValueError(f"seed_bits must have n + m - 1 = {n + m - 1} entries, got {s.shape}")


def _small(x: np.ndarray, m: int, seed_bits: np.ndarray) -> np.ndarray:
    s = np.asarray(seed_bits, dtype=np.uint8)
    _check(x.size, m, s)
    if m == 0:
        return np.zeros(0, dtype=np.uint8)
    return _toeplitz_packed(x, m, s)


def _toeplitz_fft(x: np.ndarray, m: int, s: np.ndarray) -> np.ndarray:
    """Rows of ``x`` hashed by one circular convolution of length >= n + m - 1.

    Output i is entry ``n - 1 + i`` of the linear convolution ``s * x``; a circular convolution
    of length L >= n + m - 1 leaves entries n - 1 ... n + m - 2 free of wrap-around terms.
    """
    n = x.shape[1]
    _check(n, m, s)
    size = scipy.fft.next_fast_len(n + m - 1, real=True)
    # each FFT is one C call (seconds for 1e8 bits): interruptible by Ctrl-C under a monitor
    fs = interruptible(scipy.fft.rfft, s.astype(np.float64), size)
    fx = interruptible(scipy.fft.rfft, x.astype(np.float64), size, axis=1, workers=2)
    conv = interruptible(scipy.fft.irfft, fx * fs[None, :], size, axis=1,
                         workers=2)[:, n - 1 : n - 1 + m]
    rounded = np.rint(conv)
    if float(np.max(np.abs(conv - rounded))) > 0.25:  # pragma: no cover - numerical guard
        raise RuntimeError("FFT rounding error too large for exact GF(2); hash in blocks")
    return (rounded.astype(np.int64) & 1).astype(np.uint8)
