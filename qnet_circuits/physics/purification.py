"""Entanglement purification: BBPSSW, DEJMPS, recurrence and pumping (reference section 5)."""

from __future__ import annotations

from collections.abc import Sequence

from qnet_circuits.physics._checks import _count, _fidelity, _prob_open_low
from qnet_circuits.physics.states import (
    BellCoefficients,
    apply_pauli_label,
    twirl,
    validate_bell_diagonal,
)

__all__ = [
    "bbpssw",
    "bbpssw_pumping",
    "bbpssw_rounds",
    "dejmps",
    "dejmps_pumping",
    "dejmps_rounds",
    "dejmps_same_direction",
    "expected_raw_pairs",
    "purification_rounds",
    "purification_step",
]

# ---------------------------------------------------------------------------------------------
# 5. Entanglement purification
# ---------------------------------------------------------------------------------------------


def bbpssw(f1: float, f2: float | None = None) -> tuple[float, float]:
    """One BBPSSW round on Werner pairs F1 (kept) and F2 (sacrificed): ``(F_out, p_success)``.

    ``F' = [F1F2 + (1-F1)(1-F2)/9] / N``,
    ``N = F1F2 + [F1(1-F2) + (1-F1)F2]/3 + 5(1-F1)(1-F2)/9``. F' is the Phi+ fidelity before
    (and, equally, after) the re-twirl.

    >>> tuple(round(x, 6) for x in bbpssw(0.8))
    (0.83815, 0.768889)
    """
    a = _fidelity("f1", f1)
    b = a if f2 is None else _fidelity("f2", f2)
    n = a * b + (a * (1.0 - b) + (1.0 - a) * b) / 3.0 + 5.0 * (1.0 - a) * (1.0 - b) / 9.0
    return (a * b + (1.0 - a) * (1.0 - b) / 9.0) / n, n


def bbpssw_rounds(f: float, rounds: int) -> list[tuple[float, float]]:
    """Iterated BBPSSW (twirl between rounds) on identical pairs: ``[(F_k, p_k), k=1..rounds]``.

    >>> [round(f, 6) for f, _ in bbpssw_rounds(0.8, 3)]
    [0.83815, 0.873585, 0.90454]
    """
    f = _fidelity("f", f)
    out = []
    for _ in range(_count("rounds", rounds)):
        f, p = bbpssw(f)
        out.append((f, p))
    return out


def bbpssw_pumping(f_kept: float, f_fresh: float, rounds: int) -> list[tuple[float, float]]:
    """Entanglement pumping with BBPSSW: the kept pair meets one fresh Werner pair per round.

    Returns ``[(F_k, p_k)]``; the kept pair is re-twirled between rounds.

    >>> round(bbpssw_pumping(0.9, 0.7, 1)[0][0], 6)
    0.833333
    """
    f = _fidelity("f_kept", f_kept)
    g = _fidelity("f_fresh", f_fresh)
    out = []
    for _ in range(_count("rounds", rounds)):
        f, p = bbpssw(f, g)
        out.append((f, p))
    return out


def _dejmps_parts(
    c1: BellCoefficients, c2: BellCoefficients
) -> tuple[tuple[float, float, float, float], float]:
    a1, b1, cc1, d1 = c1
    a2, b2, cc2, d2 = c2
    num = (a1 * a2 + b1 * b2, cc1 * d2 + d1 * cc2, cc1 * cc2 + d1 * d2, a1 * b2 + b1 * a2)
    n = (a1 + b1) * (a2 + b2) + (cc1 + d1) * (cc2 + d2)
    return num, n


def _normalize(num: Sequence[float], n: float, what: str) -> BellCoefficients:
    if n <= 0.0:
        raise ValueError(f"{what}: success probability is 0 for these inputs (nothing to keep)")
    return (num[0] / n, num[1] / n, num[2] / n, num[3] / n)


def _dejmps_rejected(c1: BellCoefficients, c2: BellCoefficients
                     ) -> tuple[tuple[float, float, float, float], float]:
    """The DEJMPS step's kept pair where the true flags *differ* (unnormalized) and its weight.

    The Rx pair maps (A, B, C, D) to labels (bit, phase) = (0, 0), (0, 1), (1, 0), (1, 1); the
    bilateral CNOT keeps the kept pair's bit and XORs the phases, and the flags differ iff the
    bits differ: ``A=A1C2+B1D2, B=C1B2+D1A2, C=C1A2+D1B2, D=A1D2+B1C2``,
    ``N=(A1+B1)(C2+D2)+(C1+D1)(A2+B2)`` (= 1 - the accepted N).
    """
    a1, b1, cc1, d1 = c1
    a2, b2, cc2, d2 = c2
    num = (a1 * cc2 + b1 * d2, cc1 * b2 + d1 * a2, cc1 * a2 + d1 * b2, a1 * d2 + b1 * cc2)
    return num, (a1 + b1) * (cc2 + d2) + (cc1 + d1) * (a2 + b2)


def dejmps(
    c1: Sequence[float], c2: Sequence[float] | None = None,
    cnot_depolarizing: float | Sequence[float] = 0.0,
    readout_error: float | Sequence[float] = 0.0,
) -> tuple[BellCoefficients, float]:
    """One DEJMPS round (Rx(+pi/2) at Alice, Rx(-pi/2) at Bob, bilateral CNOT, keep if equal).

    ``A'=(A1A2+B1B2)/N, B'=(C1D2+D1C2)/N, C'=(C1C2+D1D2)/N, D'=(A1B2+B1A2)/N`` with
    ``N=(A1+B1)(A2+B2)+(C1+D1)(C2+D2)``.

    Node noise (one value for both nodes, or (Alice's, Bob's)), exact for the circuit of
    :func:`qnet_circuits.library.purification.append_purification_step` under
    :mod:`qnet_circuits.noise`:

    * ``cnot_depolarizing``: two-qubit depolarizing lambda after each local CNOT. With probability
      ``1 - mu``, ``mu = (1-lam_A)(1-lam_B)``, one node's two qubits are replaced by I/4, which
      leaves the kept pair I/4 and the flags agreeing with probability 1/2:
      ``num -> mu num + (1-mu)/8``, ``N -> mu N + (1-mu)/2``.
    * ``readout_error``: each recorded flag flipped with ``e_A`` (Alice) or ``e_B`` (Bob). The pair
      is kept with weight ``q = (1-e_A)(1-e_B) + e_A e_B`` where the true flags agree and
      ``1 - q`` where they differ (the differing branch:
      :func:`_dejmps_rejected`), so ``num -> q num + (1-q) num_differ`` before the gate noise.

    >>> c, p = dejmps((0.7, 0.2, 0.06, 0.04))
    >>> tuple(round(x, 6) for x in c), round(p, 6)
    ((0.646341, 0.005854, 0.006341, 0.341463), 0.82)
    >>> c, p = dejmps((0.7, 0.2, 0.06, 0.04), readout_error=0.05)
    >>> tuple(round(x, 6) for x in c), round(p, 6)
    ((0.63804, 0.010727, 0.012455, 0.338778), 0.7592)
    """
    from qnet_circuits.physics.purified_link import node_pair

    p = validate_bell_diagonal(c1, "c1")
    q = p if c2 is None else validate_bell_diagonal(c2, "c2")
    lam_a, lam_b = node_pair(cnot_depolarizing, "cnot_depolarizing")
    eps_a, eps_b = node_pair(readout_error, "readout_error")
    num, n = _dejmps_parts(p, q)
    keep = (1.0 - eps_a) * (1.0 - eps_b) + eps_a * eps_b
    if keep < 1.0:
        num_d, n_d = _dejmps_rejected(p, q)
        num = tuple(keep * x + (1.0 - keep) * y for x, y in zip(num, num_d))
        n = keep * n + (1.0 - keep) * n_d
    mu = (1.0 - lam_a) * (1.0 - lam_b)
    num = tuple(mu * x + (1.0 - mu) / 8.0 for x in num)
    n = mu * n + (1.0 - mu) / 2.0
    return _normalize(num, n, "dejmps"), n


def dejmps_same_direction(
    c1: Sequence[float], c2: Sequence[float] | None = None
) -> tuple[BellCoefficients, float]:
    """What the DEJMPS circuit gives if both sides rotate Rx(+pi/2) (a common mistake).

    Rx(pi/2) x Rx(pi/2) equals the DEJMPS rotation followed by X on one qubit, so the output
    is the DEJMPS output with X applied: ``(C', D', A', B')``, same success probability.
    Derivation: on Pauli labels, Rx(t) x Rx(t) maps P -> Rx(t) P Rx(t)^T = Rx(t) P Rx(-t) X
    (up to phase) at t = pi/2: I -> X, X -> I, Y -> Y, Z -> Z.

    >>> c, p = dejmps_same_direction((0.7, 0.2, 0.06, 0.04))
    >>> tuple(round(x, 6) for x in c), round(p, 6)
    ((0.006341, 0.341463, 0.646341, 0.005854), 0.82)
    """
    out, n = dejmps(c1, c2)
    return apply_pauli_label(out, "X"), n


def dejmps_rounds(
    coeffs: Sequence[float], rounds: int, cnot_depolarizing: float | Sequence[float] = 0.0,
    readout_error: float | Sequence[float] = 0.0,
) -> list[tuple[BellCoefficients, float]]:
    """Iterated DEJMPS on identical pairs (no twirl): ``[(coeffs_k, p_k), k=1..rounds]``; node
    noise as in :func:`dejmps`.

    >>> from qnet_circuits.physics import werner_coefficients
    >>> round(dejmps_rounds(werner_coefficients(0.8), 2)[1][0][0], 6)
    0.943639
    """
    c = validate_bell_diagonal(coeffs)
    out = []
    for _ in range(_count("rounds", rounds)):
        c, p = dejmps(c, None, cnot_depolarizing, readout_error)
        out.append((c, p))
    return out


def dejmps_pumping(
    c_kept: Sequence[float], c_fresh: Sequence[float], rounds: int,
    cnot_depolarizing: float | Sequence[float] = 0.0,
    readout_error: float | Sequence[float] = 0.0,
) -> list[tuple[BellCoefficients, float]]:
    """Entanglement pumping with DEJMPS: the kept pair meets one fresh pair per round; node
    noise as in :func:`dejmps`.

    >>> round(dejmps_pumping((0.9, .05, .03, .02), (0.7, .2, .06, .04), 1)[0][0][0], 6)
    0.744186
    """
    c = validate_bell_diagonal(c_kept, "c_kept")
    fresh = validate_bell_diagonal(c_fresh, "c_fresh")
    out = []
    for _ in range(_count("rounds", rounds)):
        c, p = dejmps(c, fresh, cnot_depolarizing, readout_error)
        out.append((c, p))
    return out


def expected_raw_pairs(p_list: Sequence[float]) -> list[float]:
    """Expected raw pairs per output after each round: ``n_k = 2 n_{k-1} / p_k``, ``n_0 = 1``.

    >>> [round(x, 3) for x in expected_raw_pairs([0.768889, 0.807485])]
    [2.601, 6.443]
    """
    n = 1.0
    out = []
    for k, p in enumerate(p_list):
        n = 2.0 * n / _prob_open_low(f"p_list[{k}]", p)
        out.append(n)
    return out


def purification_step(protocol: str, kept: Sequence[float], sacrificed: Sequence[float],
                      cnot_depolarizing: float | Sequence[float] = 0.0,
                      readout_error: float | Sequence[float] = 0.0
                      ) -> tuple[BellCoefficients, float]:
    """Output coefficients and success probability of one BBPSSW or DEJMPS step.

    BBPSSW twirls both inputs to Werner form; the DEJMPS rotations leave Werner states unchanged
    and act before any noise, so the DEJMPS map with Werner inputs is the BBPSSW map, noisy
    CNOTs and flipped flags included (node noise as in :func:`dejmps`).

    >>> from qnet_circuits.physics import werner_coefficients
    >>> c, p = purification_step("bbpssw", werner_coefficients(0.9), werner_coefficients(0.7))
    >>> round(c[0], 6), round(p, 6)
    (0.833333, 0.76)
    """
    if protocol == "bbpssw":
        kept, sacrificed = twirl(kept), twirl(sacrificed)
    return dejmps(kept, sacrificed, cnot_depolarizing=cnot_depolarizing,
                  readout_error=readout_error)


def purification_rounds(protocol: str, inputs: Sequence[Sequence[float]], rounds: int,
                        pumping: bool, cnot_depolarizing: float | Sequence[float] = 0.0,
                        readout_error: float | Sequence[float] = 0.0
                        ) -> list[list[tuple[BellCoefficients, float]]]:
    """(output coefficients, conditional success) of every step, round by round.

    Recurrence: round k pairs the outputs of round k - 1 in order (2**rounds raw pairs in leaf
    order); pumping: the kept pair meets ``inputs[k]`` in round k (``rounds + 1`` raw pairs).
    The last round's one output is the purified pair; the product of all successes is the
    overall success probability (the steps' flags are independent given their inputs). Node
    noise (gate and readout error, one value or (Alice's, Bob's)) as in :func:`dejmps`.
    """
    out: list[list[tuple[BellCoefficients, float]]] = []
    if pumping:
        kept = tuple(inputs[0])
        for fresh in inputs[1:rounds + 1]:
            kept, p = purification_step(protocol, kept, fresh, cnot_depolarizing,
                                          readout_error)
            out.append([(kept, p)])
        return out
    level = [tuple(c) for c in inputs]
    for _ in range(rounds):
        steps = [purification_step(protocol, level[2 * i], level[2 * i + 1], cnot_depolarizing,
                                   readout_error)
                 for i in range(len(level) // 2)]
        out.append(steps)
        level = [c for c, _ in steps]
    return out
