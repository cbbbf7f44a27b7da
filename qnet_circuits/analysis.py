"""Pure estimators on shot data: herald post-selection, success probability, Pauli parities,
Bell-pair fidelity and Bell-diagonal coefficients from XX, YY, ZZ parities (the estimator that
also works on hardware).

>>> import numpy as np
>>> from qnet_circuits.results import ShotData
>>> zz = ShotData({"pair": np.array([[0, 0], [1, 1], [0, 1], [1, 1]], dtype=np.uint8)}, 4)
>>> parity(zz, "pair")
Estimate(value=0.5, stderr=0.4330127018922193)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from qnet_circuits.results import Estimate, ShotData

_RULES = ("one_hot", "all_ones", "all_zeros", "equal")


def herald_rule_mask(bits: np.ndarray, rule: str) -> np.ndarray:
    """Shots (rows of ``bits``) that satisfy a herald ``rule``."""
    if rule == "one_hot":
        return bits.sum(axis=1) == 1
    if rule == "all_ones":
        return bits.all(axis=1)
    if rule == "all_zeros":
        return ~bits.any(axis=1)
    if rule == "equal":
        return (bits == bits[:, :1]).all(axis=1)
    raise ValueError(f"unknown herald rule {rule!r}; use one of {', '.join(_RULES)}")


def heralded_mask(data: ShotData) -> np.ndarray:
    """Boolean mask of the shots in which every herald of ``metadata["heralds"]`` succeeded."""
    mask = np.ones(data.shots, dtype=bool)
    for herald in data.metadata.get("heralds", []):
        mask &= herald_rule_mask(data[herald["register"]], herald["rule"])
    return mask


def proportion(successes: int, trials: int) -> Estimate:
    """Binomial proportion with its standard error sqrt(p(1-p)/n)."""
    if trials <= 0:
        raise ValueError("trials must be > 0 to estimate a proportion")
    p = successes / trials
    return Estimate(p, math.sqrt(max(p * (1 - p), 0.0) / trials))


def success_probability(data: ShotData) -> Estimate:
    """Probability that the heralds succeed, per attempt (one shot = one attempt)."""
    return proportion(int(heralded_mask(data).sum()), data.shots)


def parity(
    data: ShotData,
    register: str,
    mask: np.ndarray | None = None,
    columns: list[int] | None = None,
) -> Estimate:
    """Mean of (-1)^(sum of the register's bits) over the masked shots, with standard error.

    The standard error is sqrt((1 - m^2)/n) for the +-1 valued parity with mean m over n shots.
    """
    bits = data[register]
    if columns is not None:
        bits = bits[:, columns]
    if mask is not None:
        bits = bits[mask]
    n = bits.shape[0]
    if n == 0:
        raise ValueError(
            f"no shots left to estimate the parity of {register!r}: the herald never succeeded; "
            "raise the shots or the success probability"
        )
    signs = 1.0 - 2.0 * (bits.sum(axis=1) % 2)
    m = float(signs.mean())
    return Estimate(m, math.sqrt(max(1.0 - m * m, 0.0) / n))


def _basis_parity(data: ShotData, register: str, postselect: bool) -> Estimate:
    basis = data.metadata.get("basis")
    columns = None
    if basis is not None:
        columns = [k for k, letter in enumerate(basis) if letter != "I"]
    mask = heralded_mask(data) if postselect else None
    return parity(data, register, mask, columns)


def pauli_expectations(
    data_by_basis: Mapping[str, ShotData], register: str = "pair", postselect: bool = True
) -> dict[str, Estimate]:
    """Post-selected expectation values of each measured Pauli string."""
    return {b: _basis_parity(d, register, postselect) for b, d in data_by_basis.items()}


def _need(data_by_basis: Mapping[str, ShotData], bases: tuple[str, ...]) -> None:
    missing = [b for b in bases if b not in data_by_basis]
    if missing:
        raise ValueError(f"fidelity from parities needs the bases {bases}; missing {missing}")


def bell_fidelity(
    data_by_basis: Mapping[str, ShotData], register: str = "pair", postselect: bool = True
) -> Estimate:
    """Phi+ fidelity F = (1 + <XX> - <YY> + <ZZ>)/4 from heralded parities, with standard error.

    The three bases are independent runs, so their variances add.
    """
    _need(data_by_basis, ("XX", "YY", "ZZ"))
    e = pauli_expectations({b: data_by_basis[b] for b in ("XX", "YY", "ZZ")}, register, postselect)
    value = (1 + e["XX"].value - e["YY"].value + e["ZZ"].value) / 4
    stderr = math.sqrt(e["XX"].stderr ** 2 + e["YY"].stderr ** 2 + e["ZZ"].stderr ** 2) / 4
    return Estimate(value, stderr)


def parity_fidelity(data: Mapping[str, ShotData]) -> Estimate:
    """F = (1 + <XX> - <YY> + <ZZ>)/4 from the ``pair`` bits of each basis (no post-selection:
    one parity per delivered pair, as in repeater chains).
    A basis whose parities all agree has a plug-in standard error of 0; its parity's error is
    then the Agresti-Coull one (:func:`agresti_coull_stderr`), so a small run never reports
    ``F = 1 +- 0``."""
    var = 0.0
    for b in ("XX", "YY", "ZZ"):
        pair = data[b].bits["pair"]
        n = int(pair.shape[0])
        odd = int(np.count_nonzero(pair.sum(axis=1) % 2))
        plain = 4.0 * odd * (n - odd) / n**3 if n else 0.0      # var of <P> = 1 - 2 odd/n
        var += plain if 0 < odd < n else (2.0 * agresti_coull_stderr(odd, n)) ** 2
    return Estimate(bell_fidelity(data, postselect=False).value, math.sqrt(var) / 4.0)


def agresti_coull_stderr(k: int, n: int, z: float = 2.0) -> float:
    """Standard error of a binomial proportion ``k / n`` by Agresti and Coull (Am. Stat. 52, 119
    (1998)): ``sqrt(p~ (1 - p~) / n~)`` with ``n~ = n + z^2``, ``p~ = (k + z^2/2) / n~``;
    nonzero when ``k`` is 0 or ``n``.

    >>> round(agresti_coull_stderr(0, 100), 4), round(agresti_coull_stderr(50, 100), 4)
    (0.0135, 0.049)
    """
    nt = n + z * z
    pt = (k + z * z / 2.0) / nt
    return math.sqrt(pt * (1.0 - pt) / nt)


def bell_coefficients_from_parities(
    data_by_basis: Mapping[str, ShotData], register: str = "pair", postselect: bool = True
) -> dict[str, Estimate]:
    """Bell-diagonal weights (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-) from XX, YY, ZZ parities.

    A = (1+XX-YY+ZZ)/4, B = (1-XX-YY-ZZ)/4, C = (1+XX+YY-ZZ)/4, D = (1-XX+YY+ZZ)/4.
    """
    _need(data_by_basis, ("XX", "YY", "ZZ"))
    e = pauli_expectations({b: data_by_basis[b] for b in ("XX", "YY", "ZZ")}, register, postselect)
    xx, yy, zz = e["XX"], e["YY"], e["ZZ"]
    stderr = math.sqrt(xx.stderr**2 + yy.stderr**2 + zz.stderr**2) / 4
    signs = {"A": (1, -1, 1), "B": (-1, -1, -1), "C": (1, 1, -1), "D": (-1, 1, 1)}
    return {
        k: Estimate((1 + sx * xx.value + sy * yy.value + sz * zz.value) / 4, stderr)
        for k, (sx, sy, sz) in signs.items()
    }


# ---------------------------------------------------------------------------------------------
# distributions of bitstrings and tests on histograms (SciPy imported on first use)
# ---------------------------------------------------------------------------------------------


def distribution(bits: np.ndarray) -> dict[str, float]:
    """Empirical distribution of rows of ``bits`` (samples, k); keys are Qiskit-ordered
    bitstrings (bit 0 rightmost).

    >>> distribution(np.array([[1, 0], [1, 0], [0, 0], [1, 1]]))
    {'00': 0.25, '01': 0.5, '11': 0.25}
    """
    bits = np.asarray(bits)
    if bits.ndim != 2 or bits.shape[0] == 0:
        raise ValueError("bits must be a non-empty (samples, width) array")
    keys = ["".join(str(int(x)) for x in row[::-1]) for row in bits]
    vals, counts = np.unique(np.array(keys), return_counts=True)
    return {str(k): float(c) / bits.shape[0] for k, c in zip(vals, counts)}


def _support(p: Mapping[str, float], q: Mapping[str, float]) -> list[str]:
    return sorted(set(p) | set(q))


def tvd(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Total-variation distance 1/2 sum |p - q| of two distributions (missing keys are 0).

    >>> tvd({"0": 1.0}, {"0": 0.5, "1": 0.5})
    0.5
    """
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in _support(p, q))


def classical_fidelity(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Classical (Bhattacharyya) fidelity (sum sqrt(p q))^2 of two distributions.

    >>> classical_fidelity({"0": 0.5, "1": 0.5}, {"0": 1.0})
    0.5000000000000001
    """
    return sum(math.sqrt(p.get(k, 0.0) * q.get(k, 0.0)) for k in _support(p, q)) ** 2


def chi_square_uniform(counts) -> tuple[float, float]:
    """Pearson chi-square test of uniformity of a histogram: (statistic, p-value), len - 1
    degrees of freedom (7 for the 8 UBQC angles)."""
    from scipy import stats

    counts = np.asarray(counts, dtype=float)
    if counts.sum() <= 0:
        raise ValueError("counts must not all be zero")
    res = stats.chisquare(counts)
    return float(res.statistic), float(res.pvalue)


def chi_square_homogeneity(counts_a, counts_b) -> tuple[float, float]:
    """Chi-square test that two histograms come from the same distribution: (statistic, p).
    Bins empty in both are dropped."""
    from scipy import stats

    table = np.array([counts_a, counts_b], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    res = stats.chi2_contingency(table, correction=False)
    return float(res.statistic), float(res.pvalue)


def mutual_information(table: np.ndarray) -> tuple[float, float]:
    """Plug-in mutual information (bits) of a contingency table (labels x outcomes) and the
    G-test p-value for independence (G = 2 N ln2 I is chi-square distributed under H0).

    >>> mi, p = mutual_information(np.array([[50, 50], [50, 50]]))
    >>> mi, p
    (0.0, 1.0)
    """
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.sum() <= 0:
        raise ValueError("table must be a 2-D array of counts with a positive total")
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = t.sum()
    pxy = t / n
    px = pxy.sum(axis=1, keepdims=True)
    py = pxy.sum(axis=0, keepdims=True)
    nz = pxy > 0
    mi = float(np.sum(pxy[nz] * np.log2(pxy[nz] / (px @ py)[nz])))
    mi = max(mi, 0.0)
    dof = (t.shape[0] - 1) * (t.shape[1] - 1)
    g = 2 * n * math.log(2) * mi
    if dof <= 0:
        return mi, 1.0
    from scipy import stats

    return mi, float(stats.chi2.sf(g, dof))
