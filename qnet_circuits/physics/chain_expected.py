"""Expected end-to-end fidelity of a repeater chain with decohering memories (reference section 10).

Model (the scheduler's): links ``0..N-1`` join nodes ``v_0..v_N``, all start at ``t = 0``, link i
heralds at ``R_i = tau G_i`` (``G_i ~ Geometric(p_i)``), swaps happen per strategy (sequential,
nested, asap; :mod:`qnet_circuits.timeline`) and every memory decoheres under Aer's thermal
relaxation (T1, T2 of its node) from its herald until it is consumed (a Bell-state measurement
at its node, or the delivery ``T`` for the two end memories). Corrections are Pauli-frame
updates after the waits, and the swap noise (depolarizing, readout flips) is Pauli.

Why a closed form exists. A swap with a Pauli correction sees only the Bell-diagonal part of the
pair it teleports through, and the fidelity of the delivered pair only the Bell-diagonal part of
the result, so ``F = (1 + sum_s G_s prod_i t_i^s) / 4`` where ``t^X = <XX>``, ``t^Y = -<YY>``,
``t^Z = <ZZ>`` of each stored link (1 for Phi+) and ``G_s`` the swaps' noise factors. Waiting
``u`` (left memory) and ``v`` (right) multiplies ``t^X, t^Y`` by ``e^{-u/T2 - v/T2}`` and maps
``t^Z -> 1 + (z_l - 1) e^{-u/T1} + (z_r - 1) e^{-v/T1} + (1 - z_l - z_r + t^Z) e^{-u/T1 - v/T1}``
(``z_l = <ZI>``, ``z_r = <IZ>``: amplitude damping pulls ``<ZZ>`` toward 1). Hence ``E[F]`` is a
sum of exponential moments of the waits, which :mod:`qnet_circuits.physics._chain_dp` computes
exactly on the attempt lattice (max-plus trees for sequential/nested, a transfer operator plus a
threshold integral over ``T`` for asap), including the classical message delays.

``method`` of the result: ``"exact"`` (lattice of single attempts); ``"approx"`` when the lattice
would be too large (``p`` small): attempts are grouped in blocks of ``b`` (geometric with
``1 - (1-p)^b``, cycle ``b tau``), and ``approx_error`` is ``|F(b) - F(2b)|`` (the error is
``O(b tau / T)``). With a cutoff the result comes from the Markov chain of the scheduler's event
loop (:mod:`qnet_circuits.physics.chain_cutoff`, through
:func:`qnet_circuits.physics.chain_cutoff_blocks.cutoff_fidelity`), exact while its state space
fits, else on blocks of attempts (``"approx"``). (The earlier closed form for two links, the
no-cutoff process conditioned on no discard, missed the restarts that are not fresh races: a
partner heralding at the very instant of a discard is kept, off by 0.012 at p = 0.4, cutoff
2 tau.)

>>> werner = pair_correlations_werner(0.925)  # Werner parameter w = 0.9
>>> out = expected_chain_fidelity([werner] * 2, [0.5] * 2, 1e-3, [0.0] * 3,
...                               [math.inf] * 3, [0.1] * 3, "sequential")
>>> out["method"], round(out["fidelity"], 6)  # = two_link_expected_fidelity(0.5, 0.01, w=0.9)
('exact', 0.847015)
>>> out = expected_chain_fidelity([werner] * 4, [0.5] * 4, 1e-3, [0.0] * 5,
...                               [1.0] * 5, [0.1] * 5, "asap")
>>> out["method"], round(out["fidelity"], 6)
('exact', 0.719194)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnet_circuits.physics import _chain_dp as dp

__all__ = [
    "MAX_LATTICE_CELLS",
    "MAX_LINKS",
    "chain_fidelity_from_waits",
    "expected_chain_fidelity",
    "pair_correlations",
    "pair_correlations_werner",
    "swap_noise_factors",
]

#: lattice work (cells) up to which the computation is exact; beyond, attempts are grouped
MAX_LATTICE_CELLS = 2_000_000
#: links up to which :func:`expected_chain_fidelity` computes (exactly or with blocks)
MAX_LINKS = 64
_STRATEGIES = ("sequential", "nested", "asap")
_PAULI = {
    "I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]),
}


def pair_correlations(rho: np.ndarray) -> tuple[float, float, float, float, float]:
    """``(<XX>, -<YY>, <ZZ>, <Z_left>, <Z_right>)`` of a two-qubit state (little-endian: qubit 0,
    the left memory, is the low bit); the first three are 1 for Phi+.

    >>> pair_correlations(np.diag([0.5, 0.0, 0.0, 0.5]))
    (0.0, 0.0, 1.0, 0.0, 0.0)
    """
    r = np.asarray(rho, dtype=complex)
    if r.shape != (4, 4):
        raise ValueError(f"rho must be a 4x4 density matrix, got shape {r.shape}")

    def ev(left: str, right: str) -> float:
        return float(np.real(np.trace(np.kron(_PAULI[right], _PAULI[left]) @ r))) + 0.0

    return ev("X", "X"), -ev("Y", "Y") + 0.0, ev("Z", "Z"), ev("Z", "I"), ev("I", "Z")


def pair_correlations_werner(fidelity: float) -> tuple[float, float, float, float, float]:
    """Correlations of a Werner pair: ``w = (4F - 1)/3`` in XX, -YY, ZZ; no local Z.

    >>> pair_correlations_werner(1.0)
    (1.0, 1.0, 1.0, 0.0, 0.0)
    """
    if not 0.25 <= fidelity <= 1.0:
        raise ValueError(f"fidelity must be a Werner fidelity in [0.25, 1], got {fidelity!r}")
    w = (4.0 * fidelity - 1.0) / 3.0
    return w, w, w, 0.0, 0.0


def swap_noise_factors(bsm_depolarizing: float = 0.0,
                       readout_error: float = 0.0) -> tuple[float, float, float]:
    """Factors ``(G_X, G_Y, G_Z)`` one noisy swap multiplies into ``(t^X, t^Y, t^Z)``.

    Depolarizing ``lam`` gives ``1 - lam`` on each; a flipped parity bit (wrong X) flips ``t^Y, t^Z``,
    a flipped phase bit (wrong Z) flips ``t^X, t^Y``, each with probability ``eps``.

    >>> swap_noise_factors(0.1, 0.05)
    (0.81, 0.7290000000000001, 0.81)
    """
    for name, v in (("bsm_depolarizing", bsm_depolarizing), ("readout_error", readout_error)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} must be a probability in [0, 1], got {v!r}")
    d, f = 1.0 - bsm_depolarizing, 1.0 - 2.0 * readout_error
    return d * f, d * f * f, d * f


def _rates(values: Sequence[float], tau: float) -> np.ndarray:
    return np.array([0.0 if math.isinf(v) else tau / v for v in values])


def _validate(corr, p, cycle_time_s, node_delay_s, t1_s, t2_s, strategy, swap_factors):
    n = len(corr)
    if n > MAX_LINKS:
        raise ValueError(f"expected chain fidelity is computed for at most {MAX_LINKS} links, got {n}")
    if n < 1 or len(p) != n:
        raise ValueError(f"corr and p must have one entry per link, got {n} and {len(p)}")
    if len(node_delay_s) != n + 1 or len(t1_s) != n + 1 or len(t2_s) != n + 1:
        raise ValueError("node_delay_s, t1_s and t2_s must have one entry per node (links + 1)")
    if strategy not in _STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(_STRATEGIES)}, got {strategy!r}")
    if not all(0.0 < x <= 1.0 for x in p):
        raise ValueError(f"p must be in (0, 1] per link, got {list(p)}")
    if not (math.isfinite(cycle_time_s) and cycle_time_s > 0):
        raise ValueError(f"cycle_time_s must be > 0 seconds, got {cycle_time_s!r}")
    if not all(v > 0 for v in (*t1_s, *t2_s)):
        raise ValueError("t1_s and t2_s must be > 0 seconds (inf for an ideal memory)")
    factors = [(1.0, 1.0, 1.0)] * (n - 1) if swap_factors is None else list(swap_factors)
    if len(factors) != n - 1:
        raise ValueError(f"swap_factors must have one triple per repeater ({n - 1}), got {len(factors)}")
    return n, factors


def _moment_inputs(corr, t1_s, t2_s, tau):
    """Per link, the coefficient matrices and memory rates of the X/Y moment and the Z moment."""
    g1, g2 = _rates(t1_s, tau), _rates(t2_s, tau)
    n = len(corr)
    cx = [np.array([[0.0, 0.0], [0.0, 1.0]])] * n
    cz = [np.array([[1.0, c[4] - 1.0], [c[3] - 1.0, 1.0 - c[3] - c[4] + c[2]]]) for c in corr]
    rx = np.array([(g2[i], g2[i + 1]) for i in range(n)])
    rz = np.array([(g1[i], g1[i + 1]) for i in range(n)])
    return cx, rx, cz, rz


def _products(corr, factors):
    px = math.prod(c[0] for c in corr) * math.prod(f[0] for f in factors)
    py = math.prod(c[1] for c in corr) * math.prod(f[1] for f in factors)
    pz = math.prod(f[2] for f in factors)
    return px, py, pz


def chain_fidelity_from_waits(corr, left_wait_s, right_wait_s, t1_s, t2_s, swap_factors=None) -> float:
    """Fidelity of the delivered pair for given waits (s) of every link's left and right memory.

    >>> round(chain_fidelity_from_waits([(1, 1, 1, 0, 0)], [0.1], [0.0], [1.0, 1.0],
    ...                                 [1.5, 1.5]), 6)  # = storage_fidelity_one(0.1, 1.0, 1.5)
    0.943963
    """
    n = len(corr)
    if len(left_wait_s) != n or len(right_wait_s) != n:
        raise ValueError("left_wait_s and right_wait_s need one entry per link")
    factors = [(1.0, 1.0, 1.0)] * (n - 1) if swap_factors is None else list(swap_factors)
    g1, g2 = _rates(t1_s, 1.0), _rates(t2_s, 1.0)
    px, py, pz = _products(corr, factors)
    deph = math.exp(-sum(g2[i] * left_wait_s[i] + g2[i + 1] * right_wait_s[i] for i in range(n)))
    tz = 1.0
    for i, c in enumerate(corr):
        eu, ev = math.exp(-g1[i] * left_wait_s[i]), math.exp(-g1[i + 1] * right_wait_s[i])
        tz *= 1.0 + (c[3] - 1.0) * eu + (c[4] - 1.0) * ev + (1.0 - c[3] - c[4] + c[2]) * eu * ev
    return (1.0 + (px + py) * deph + pz * tz) / 4.0


def expected_chain_fidelity(
    corr: Sequence[Sequence[float]],
    p: Sequence[float],
    cycle_time_s: float,
    node_delay_s: Sequence[float],
    t1_s: Sequence[float],
    t2_s: Sequence[float],
    strategy: str,
    swap_factors: Sequence[Sequence[float]] | None = None,
    cutoff_s: float | None = None,
) -> dict[str, Any]:
    """``E[F]`` of the delivered pair (Phi+ fidelity) over the geometric herald times.

    Args:
        corr: per link, :func:`pair_correlations` of the pair at its herald (after the herald wait
            and frame flip; the storage waits come on top).
        p: per link, heralding probability per attempt.
        cycle_time_s: seconds per attempt, equal for all links.
        node_delay_s: per node, the cumulative one-way classical delay from ``v_0`` (s).
        t1_s, t2_s: per node, the memory T1 and T2 (s; ``inf`` for none).
        strategy: ``"sequential"``, ``"nested"`` or ``"asap"``.
        swap_factors: per repeater, :func:`swap_noise_factors` (default noiseless).
        cutoff_s: discard time of stored pairs (s), or None.

    Returns ``{"fidelity", "method", "block", "approx_error"}`` (``block``: attempts per lattice
    step; ``approx_error`` only for ``method == "approx"``).
    """
    n, factors = _validate(corr, p, cycle_time_s, node_delay_s, t1_s, t2_s, strategy, swap_factors)
    if cutoff_s is not None:
        from qnet_circuits.physics.chain_cutoff_blocks import cutoff_fidelity

        return cutoff_fidelity(corr, p, cycle_time_s, node_delay_s, t1_s, t2_s, strategy, factors,
                               cutoff_s)
    cx, rx, cz, rz = _moment_inputs(corr, t1_s, t2_s, cycle_time_s)
    if n <= 2:
        strategy = "sequential"  # one swap at max(R_0, R_1) whatever the strategy
    size = dp.lattice_size(min(p), n)
    block = 1
    while _cells(size, n, strategy) > MAX_LATTICE_CELLS:
        block *= 2
        size = dp.lattice_size(min(1.0 - (1.0 - x) ** block for x in p), n)
    f = _fidelity(corr, p, cycle_time_s, node_delay_s, cx, rx, cz, rz, factors, strategy, block,
                  None)
    out: dict[str, Any] = {"fidelity": f, "method": "exact" if block == 1 else "approx",
                           "block": block}
    if block > 1:
        f2 = _fidelity(corr, p, cycle_time_s, node_delay_s, cx, rx, cz, rz, factors, strategy,
                       2 * block, None)
        out["approx_error"] = abs(f - f2)
    return out


def _cells(size: int, n: int, strategy: str) -> int:
    """Work estimate: lattice cells times links (asap: times thresholds per cell)."""
    if strategy == "asap" and n > 1:
        return size * size * (n // 2 + 1) * n // 2
    return size * n * n


def _fidelity(corr, p, tau, node_delay_s, cx, rx, cz, rz, factors, strategy, block, cutoff_s):
    """``E[F]`` on a lattice of ``block`` attempts per step (rates scaled to the step)."""
    n = len(corr)
    step = tau * block
    pb = [1.0 - (1.0 - x) ** block for x in p]
    size = dp.lattice_size(min(pb), n)
    pmfs = [dp.geometric_pmf(x, size) for x in pb]
    delays = [d / step for d in node_delay_s]
    px, py, pz = _products(corr, factors)
    window = None if cutoff_s is None else cutoff_s / step
    mx = _moment(pmfs, cx, rx * block, delays, strategy, size, window)
    mz = _moment(pmfs, cz, rz * block, delays, strategy, size, window)
    norm = _moment(pmfs, [np.array([[1.0, 0.0], [0.0, 0.0]])] * n, np.zeros((n, 2)), delays,
                   strategy, size, window)
    return float((1.0 + ((px + py) * mx + pz * mz) / norm) / 4.0)


def swap_layout(delays: Sequence[float], strategy: str):
    """The strategy's swap structure for the moment DPs: ``("asap", offsets)`` (per link, the
    latest report delay of its swap nodes) or ``("tree", tree, delay, report)`` (the merge tree
    ``(a, m, b)``, the one-way delay between two nodes, the final merge node's report delay).
    Shared by :mod:`~qnet_circuits.physics.chain_expected` and
    :mod:`~qnet_circuits.physics.chain_unequal`.

    >>> swap_layout([0.0, 1.0, 2.0], "asap")
    ('asap', [1.0, 1.0])
    """
    n = len(delays) - 1

    def delay(a: int, b: int) -> float:
        return abs(delays[b] - delays[a])

    def report(j: int) -> float:
        return max(delay(j, 0), delay(j, n))

    if strategy == "asap":
        return "asap", [max(report(j) for j in (i, i + 1) if 1 <= j <= n - 1) for i in range(n)]
    tree = [(0, j, j + 1) for j in range(1, n)] if strategy == "sequential" else _nested_tree(n)
    return "tree", tree, delay, report(tree[-1][1])


def _moment(pmfs, coeffs, rates, delays, strategy, size, window=None) -> float:
    if len(pmfs) == 1:
        return float(coeffs[0].sum() * pmfs[0].sum())
    kind, *layout = swap_layout(delays, strategy)
    if kind == "asap":
        return dp.asap_moment(pmfs, coeffs, rates, layout[0], size)
    return dp.tree_moment(pmfs, coeffs, rates, *layout, size, window)


def _nested_tree(n_links: int) -> list[tuple[int, int, int]]:
    """The doubling tree (same split rule as :func:`qnet_circuits.timeline.nested_tree`)."""
    out: list[tuple[int, int, int]] = []

    def rec(a: int, b: int) -> None:
        if b - a <= 1:
            return
        m = a + (b - a + 1) // 2
        rec(a, m)
        rec(m, b)
        out.append((a, m, b))

    rec(0, n_links)
    return out
