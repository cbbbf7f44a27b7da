"""Classical post-processing of qnet_circuits.keys: exact checks and fixed-seed statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.keys import (
    QberEstimate,
    bbm92_key_length,
    cascade,
    check_abort,
    di_key_length,
    distill_key,
    draw_settings,
    estimate_qber,
    rounds_from_counts,
    sampling_deviation,
    sift,
    toeplitz_hash,
    toeplitz_matrix,
)
from qnet_circuits.keys.cascade import first_block_size
from qnet_circuits.keys.finite_key import holevo_chsh, overhead_bits, verification_tag_bits
from qnet_circuits.keys.sifting import SiftedKey
from qnet_circuits.physics import binary_entropy


def _noisy_pair(n: int, q: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, n, dtype=np.uint8)
    return a, a ^ (rng.random(n) < q).astype(np.uint8)


# --- rounds and sifting -----------------------------------------------------------------------


def test_rounds_keep_counts_exactly_and_are_shuffled() -> None:
    counts = [{0b00: 300, 0b11: 200, 0b01: 100}, {0b10: 400}]
    which = np.array([0] * 600 + [1] * 400, dtype=np.int16)
    r = rounds_from_counts(counts, [(0, 0), (1, 1)], which, seed=4)
    sel = which == 0
    # code bit 0 is Alice's outcome, bit 1 Bob's
    assert int((r.alice_bit[sel] == 0).sum()) == 300 and int((r.bob_bit[sel] == 1).sum()) == 200
    assert int((r.alice_bit[~sel] == 0).sum()) == 400 and int(r.bob_bit[~sel].sum()) == 400
    # the order is a random permutation, not the counts' order
    assert not np.array_equal(r.alice_bit[sel][:300], np.zeros(300, np.uint8))


def test_rounds_subsample_is_exact_in_law() -> None:
    """Drawing n of N iid outcomes without replacement keeps the per-outcome probability."""
    counts = [{0b00: 70_000, 0b11: 30_000}]
    which = draw_settings([1.0], 40_000, seed=8)
    r = rounds_from_counts(counts, [(0, 0)], which, seed=9)
    p = float(r.alice_bit.mean())
    # hypergeometric sd: sqrt(p(1-p)/n * (N-n)/(N-1))
    sd = math.sqrt(0.3 * 0.7 / 40_000 * (60_000 / 99_999))
    assert abs(p - 0.3) <= 4 * sd


def test_rounds_refuse_too_few_shots() -> None:
    with pytest.raises(ValueError, match="more shots"):
        rounds_from_counts([{0: 5}], [(0, 0)], np.zeros(10, np.int16), seed=1)
    with pytest.raises(ValueError, match="sum to 1"):
        draw_settings([0.5, 0.2], 10, seed=1)


def test_sift_keeps_matching_settings_only() -> None:
    which = draw_settings([0.25] * 4, 4000, seed=2)
    counts = [{0b00: 4000}] * 4
    r = rounds_from_counts(counts, [(0, 0), (0, 1), (1, 0), (1, 1)], which, seed=2)
    s = sift(r, {(0, 0): "Z", (1, 1): "X"})
    assert s.n == int(np.isin(which, [0, 3]).sum())
    assert s.count("Z") == int((which == 0).sum())
    assert np.all(r.alice_setting[s.round_index] == r.bob_setting[s.round_index])


# --- parameter estimation ---------------------------------------------------------------------


def test_estimate_qber_is_unbiased_within_4_sigma_and_removes_sample() -> None:
    a, b = _noisy_pair(200_000, 0.03, seed=3)
    key = SiftedKey(a, b, np.zeros(a.size, np.int8), ("Z",), np.arange(a.size))
    est, rest = estimate_qber(key, 0.1, seed=5)
    e = est["Z"]
    assert e.sample_size == 20_000 and rest.n == 180_000 and e.key_size == 180_000
    assert abs(e.value - 0.03) <= 4 * math.sqrt(0.03 * 0.97 / 20_000)
    assert e.stderr == pytest.approx(math.sqrt(e.value * (1 - e.value) / 20_000))


def test_estimate_qber_rejects_too_few_bits() -> None:
    a = np.zeros(100, np.uint8)
    key = SiftedKey(a, a, np.zeros(100, np.int8), ("Z",), np.arange(100))
    with pytest.raises(ValueError, match="too few pairs"):
        estimate_qber(key, 0.1, seed=1)
    with pytest.raises(ValueError, match="sample_fraction"):
        estimate_qber(key, 1.5, seed=1)


# --- Cascade ----------------------------------------------------------------------------------


@pytest.mark.parametrize("q", [0.01, 0.03, 0.08])
def test_cascade_corrects_and_leaks_near_shannon_limit(q: float) -> None:
    n = 100_000
    for seed in range(5):
        a, b = _noisy_pair(n, q, seed=100 + seed)
        res = cascade(a, b, q, seed=seed)
        assert np.array_equal(res.corrected, a)
        assert res.corrected_bits == int((a != b).sum())
        f = res.leaked_bits / (n * binary_entropy(q))
        # Cascade (4 passes, k1 = 0.73/Q) reaches f ~ 1.1-1.25; never below the Shannon limit
        assert 1.0 < f < 1.35, f


def test_cascade_leak_counts_every_parity() -> None:
    """No errors: only the block parities of each pass are disclosed."""
    a = np.zeros(1000, np.uint8)
    res = cascade(a, a.copy(), 0.05, seed=1)
    k1 = first_block_size(0.05, 1000)
    assert res.leaked_bits == sum(math.ceil(1000 / min(k1 << p, 1000)) for p in range(4))
    assert res.corrected_bits == 0


def test_cascade_bad_input() -> None:
    with pytest.raises(ValueError, match="equal length"):
        cascade(np.zeros(3, np.uint8), np.zeros(4, np.uint8), 0.1, seed=1)
    with pytest.raises(ValueError, match="qber"):
        cascade(np.zeros(3, np.uint8), np.zeros(3, np.uint8), 0.7, seed=1)


# --- privacy amplification --------------------------------------------------------------------


@pytest.mark.parametrize(("n", "m"), [(1, 1), (40, 9), (1000, 200), (3000, 2500), (777, 300)])
def test_toeplitz_hash_equals_explicit_matrix(n: int, m: int) -> None:
    rng = np.random.default_rng(n * 7 + m)
    x = rng.integers(0, 2, n, dtype=np.uint8)
    s = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
    expected = (toeplitz_matrix(s, m, n) @ x) % 2
    assert np.array_equal(toeplitz_hash(x, m, s), expected)


def test_toeplitz_hash_is_linear_and_spreads_a_single_flip() -> None:
    rng = np.random.default_rng(1)
    n, m = 50_000, 20_000
    x, y = (rng.integers(0, 2, n, dtype=np.uint8) for _ in range(2))
    s = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
    both = toeplitz_hash(x, m, s) ^ toeplitz_hash(y, m, s)
    assert np.array_equal(toeplitz_hash(x ^ y, m, s), both)
    e = np.zeros(n, np.uint8)
    e[123] = 1
    flipped = int(toeplitz_hash(e, m, s).sum())  # a column of a random Toeplitz matrix
    assert abs(flipped - m / 2) <= 4 * math.sqrt(m / 4)


# --- finite key and abort rules ---------------------------------------------------------------


def test_sampling_deviation_formula() -> None:
    # TLGR 2012 Eq. (2): mu = sqrt((n + k)/(n k) (k + 1)/k ln(4 / eps_sec)) for one key basis
    n, k, eps = 10**6, 10**5, 1e-10
    expected = math.sqrt((n + k) / (n * k) * (k + 1) / k * math.log(4 / eps))
    assert sampling_deviation(n, k, eps) == pytest.approx(expected, rel=1e-12)
    two = math.sqrt((n + k) / (n * k) * (k + 1) / k * math.log(4 * math.sqrt(2) / eps))
    assert sampling_deviation(n, k, eps, 2) == pytest.approx(two, rel=1e-12)
    assert overhead_bits(1e-10, 1e-15) == pytest.approx(1 + 35 * math.log2(10))
    assert verification_tag_bits(1e-15) == 50
    with pytest.raises(ValueError, match="bases"):
        sampling_deviation(n, k, eps, 0)


def test_single_basis_key_length_is_tlgr_equation_2() -> None:
    # the paper's protocol: n key bits (X), phase errors bounded by the k-bit Z sample
    n, k, q_tol, leak, eps_sec, eps_cor = 10**5, 2 * 10**4, 0.02, 16_000, 1e-10, 1e-12
    qber = {"Z": QberEstimate("Z", int(q_tol * k), k, n), "X": QberEstimate("X", 0, 1, n)}
    fk = bbm92_key_length({"X": n}, qber, leak, conjugate={"X": "Z"}, eps_sec=eps_sec,
                          eps_cor=eps_cor)
    mu = math.sqrt((n + k) / (n * k) * (k + 1) / k * math.log(4 / eps_sec))
    ell = n * (1 - binary_entropy(q_tol + mu)) - leak - math.log2(2 / (eps_sec**2 * eps_cor))
    assert fk.length == math.floor(ell) and fk.length > 0
    assert fk.mu["X"] == pytest.approx(mu, rel=1e-12)


def test_serfling_deviation_holds_for_sampling_without_replacement() -> None:
    # Eq. (S14): Pr[L_key >= L + mu] <= eps^2, mu from Eq. (S15) with smoothing eps
    # (sampling_deviation's eps_sec = 4 eps). Worst populations put the error rate near 1/2.
    rng = np.random.default_rng(12)
    n, k, eps = 300, 100, 0.2
    mu = sampling_deviation(n, k, 4 * eps)
    for errors in (40, 120, 200):
        population = np.zeros(n + k, dtype=np.uint8)
        population[:errors] = 1
        trials = 20_000
        perms = rng.permuted(np.tile(population, (trials, 1)), axis=1)
        sample, key = perms[:, :k].mean(axis=1), perms[:, k:].mean(axis=1)
        failures = int(np.sum(key >= sample + mu))
        # the bound must hold with room for the binomial noise of `trials` draws
        assert failures <= eps**2 * trials + 5 * math.sqrt(eps**2 * trials)


def test_bbm92_key_length_terms_add_up() -> None:
    qber = {
        "Z": QberEstimate("Z", 200, 10_000, 90_000),
        "X": QberEstimate("X", 300, 10_000, 90_000),
    }
    fk = bbm92_key_length({"Z": 90_000, "X": 90_000}, qber, leak_ec=30_000)
    mu = sampling_deviation(90_000, 10_000, 1e-10, 2)
    e_ph = ((0.03 + mu) + (0.02 + mu)) / 2
    raw = 180_000 * (1 - binary_entropy(e_ph)) - 30_000 - overhead_bits(1e-10, 1e-15)
    assert fk.length == math.floor(raw)
    assert fk.phase_error_bound == pytest.approx(e_ph)
    assert fk.asymptotic_length - fk.penalty == pytest.approx(raw, abs=1e-6)
    assert fk.asymptotic_length == pytest.approx(
        180_000 - 90_000 * (binary_entropy(0.02) + binary_entropy(0.03))
        - 180_000 * binary_entropy(0.025)
    )


def test_di_key_length_uses_lowered_chsh() -> None:
    qber = {"D": QberEstimate("D", 0, 1000, 10_000)}
    perfect = di_key_length({"D": 10_000}, qber, 100, 2 * math.sqrt(2), 0.0)
    assert perfect.length == math.floor(10_000 - 100 - overhead_bits(1e-10, 1e-15))
    noisy = di_key_length({"D": 10_000}, qber, 100, 2.7, 0.02)
    assert noisy.chsh_lower < 2.7 and noisy.length < perfect.length
    assert holevo_chsh(2.0) == 1.0 and holevo_chsh(2 * math.sqrt(2)) == 0.0


def test_abort_rules() -> None:
    assert check_abort("bbm92", {"Z": 0.02, "X": 0.03}).aborted is False
    assert check_abort("bbm92", {"Z": 0.0, "X": 0.5}).aborted is True
    assert check_abort("e91", {"D": 0.0}, chsh=2.0).aborted is True  # S <= 2 aborts
    assert check_abort("e91", {"D": 0.0}, chsh=2.01).aborted is False
    with pytest.raises(ValueError, match="chsh"):
        check_abort("e91", {"D": 0.0})
    with pytest.raises(ValueError, match="protocol"):
        check_abort("bb84", {"Z": 0.0})


# --- pipeline ---------------------------------------------------------------------------------


def _bbm92_rounds(n: int, q: float, seed: int):
    pairs = [(0, 0), (0, 1), (1, 0), (1, 1)]
    which = draw_settings([0.25] * 4, n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    counts = []
    for _ in pairs:
        hist = rng.multinomial(n, [(1 - q) / 2, q / 2, q / 2, (1 - q) / 2])
        codes = (0b00, 0b01, 0b10, 0b11)
        counts.append({code: int(c) for code, c in zip(codes, hist, strict=True)})
    return rounds_from_counts(counts, pairs, which, seed=seed)


def test_distill_key_gives_equal_keys_of_the_computed_length() -> None:
    r = _bbm92_rounds(200_000, 0.02, seed=12)
    res = distill_key(r, "bbm92", {(0, 0): "Z", (1, 1): "X"}, seed=12)
    assert not res.aborted and res.verified and res.keys_match
    assert res.final_key_bits == res.finite_key.length
    # the hashed key is not the raw key: PA really compressed it
    assert res.final_key_bits < res.finite_key.n


def test_distill_key_aborts_on_high_qber() -> None:
    r = _bbm92_rounds(50_000, 0.2, seed=2)
    res = distill_key(r, "bbm92", {(0, 0): "Z", (1, 1): "X"}, seed=2)
    assert res.aborted and not res.keys_match and res.final_key_bits == 0
    assert any("QBER" in reason for reason in res.decision.reasons)


def test_toeplitz_hash_rows_equal_single_hashes() -> None:
    rng = np.random.default_rng(3)
    for n, m in ((5000, 3000), (5000, 100)):
        x = rng.integers(0, 2, (2, n), dtype=np.uint8)
        s = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
        both = toeplitz_hash(x, m, s)
        assert both.shape == (2, m)
        for row in range(2):
            assert np.array_equal(both[row], (toeplitz_matrix(s, m, n) @ x[row]) % 2)
