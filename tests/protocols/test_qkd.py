"""E91 / BBM92 end to end against the closed forms of physics-reference section 8: the one-call
``simulate_qkd`` and the protocol layer's ``run(QkdParams)``.

Statistical checks use fixed seeds and 4 standard errors computed from the theory value and the
number of rounds that enter each estimate (never from the observed value alone).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.network import chain
from qnet_circuits.protocols.qkd import QkdParams, circuits, run, simulate_qkd

K = 4.0


def _rounds_per_setting(rep, pair: tuple[int, int]) -> int:
    r = rep.rounds
    return int(np.count_nonzero((r.alice_setting == pair[0]) & (r.bob_setting == pair[1])))


def _sifted_in(rep, basis: str) -> int:
    return rep.key.sifted.count(basis)


def _assert_qber(rep, basis: str, expected: float) -> None:
    n = _sifted_in(rep, basis)
    sigma = math.sqrt(expected * (1 - expected) / n)
    assert abs(rep.qber[basis].value - expected) <= K * sigma, (basis, rep.qber[basis], expected)


def _assert_chsh(rep, expected_e: dict[tuple[int, int], float], expected_s: float) -> None:
    var = sum(
        (1 - expected_e[pair] ** 2) / _rounds_per_setting(rep, pair)
        for pair, _ in rep.settings.chsh_terms
    )
    assert abs(rep.chsh.value - expected_s) <= K * math.sqrt(var), (rep.chsh, expected_s)
    assert rep.chsh.stderr == pytest.approx(math.sqrt(var), rel=0.1)


def _werner_e(rep, w: float) -> dict[tuple[int, int], float]:
    return {
        pair: w * math.cos(rep.settings.angles(pair)[0] - rep.settings.angles(pair)[1])
        for pair, _ in rep.settings.chsh_terms
    }


@pytest.mark.parametrize("fidelity", [1.0, 0.95, 0.9, 0.85])
def test_e91_werner_source_chsh_and_qber(fidelity: float) -> None:
    w = physics.werner_w(fidelity)
    rep = simulate_qkd("e91", fidelity=fidelity, pairs=180_000, seed=1000 + int(fidelity * 100))
    _assert_chsh(rep, _werner_e(rep, w), physics.chsh_werner(w))
    for basis in ("D", "X"):
        _assert_qber(rep, basis, physics.qber_werner(w))
    assert rep.theory["S"] == pytest.approx(2 * math.sqrt(2) * w)


@pytest.mark.parametrize("fidelity", [1.0, 0.95, 0.9, 0.85])
def test_bbm92_werner_source_qber(fidelity: float) -> None:
    w = physics.werner_w(fidelity)
    rep = simulate_qkd("bbm92", fidelity=fidelity, pairs=80_000, seed=2000 + int(fidelity * 100))
    for basis in ("Z", "X"):
        _assert_qber(rep, basis, (1 - w) / 2)
    assert rep.key_rate_asymptotic == pytest.approx(
        physics.key_rate_bbm92(rep.qber["Z"].value, rep.qber["X"].value)
    )


def test_e91_intercept_resend_random_basis_breaks_bell_and_aborts() -> None:
    rep = simulate_qkd("e91", fidelity=1.0, pairs=150_000, seed=31,
                       eavesdropper="intercept-resend")
    e = {pair: 0.5 * math.cos(rep.settings.angles(pair)[0] - rep.settings.angles(pair)[1])
         for pair, _ in rep.settings.chsh_terms}
    _assert_chsh(rep, e, math.sqrt(2))
    for basis in ("D", "X"):
        _assert_qber(rep, basis, 0.25)
    assert rep.key.aborted and not rep.key.keys_match and rep.key.final_key_bits == 0
    assert any("S =" in r for r in rep.key.decision.reasons)


def test_bbm92_intercept_resend_random_basis_gives_quarter_qber_and_aborts() -> None:
    rep = simulate_qkd("bbm92", fidelity=1.0, pairs=60_000, seed=37,
                       eavesdropper="intercept-resend")
    for basis in ("Z", "X"):
        _assert_qber(rep, basis, 0.25)
    assert rep.key.aborted and rep.key.final_key_bits == 0


def test_bbm92_intercept_resend_always_z_and_aborts() -> None:
    rep = simulate_qkd("bbm92", fidelity=1.0, pairs=60_000, seed=41,
                       eavesdropper="intercept-resend-z")
    assert rep.qber["Z"].value == 0.0  # Eve's Z measurement leaves the Z key intact
    _assert_qber(rep, "X", 0.5)
    assert rep.key.aborted
    assert any("QBER_X" in r for r in rep.key.decision.reasons)
    # she knows the Z bits, nothing of the X bits: 3/4 of the sifted key on average
    n = rep.key.sifted.n
    assert abs(rep.eve_guess - 0.75) <= K * math.sqrt(0.0625 / n)


def test_partial_intercept_scales_qber_and_eve_knowledge() -> None:
    f = 0.4
    rep = simulate_qkd("bbm92", fidelity=1.0, pairs=80_000, seed=43,
                       eavesdropper="intercept-resend", intercept_fraction=f)
    for basis in ("Z", "X"):
        _assert_qber(rep, basis, f / 4)
    # per sifted bit Eve is right with prob 1 (f*3/4), wrong (f/4), or guesses 1/2 (1 - f)
    mean = 0.5 + f / 4
    var = f * 3 / 4 + (1 - f) * 0.25 - mean**2
    assert abs(rep.eve_guess - mean) <= K * math.sqrt(var / rep.key.sifted.n)


def test_no_eve_f097_final_keys_equal_and_length_follows_the_rate() -> None:
    """Final length = n * r_asymptotic(Q) - (sampling + error-correction + security) penalty."""
    fidelity = 0.97
    q = physics.qber_werner(physics.werner_w(fidelity))  # 0.02
    rep = simulate_qkd("bbm92", fidelity=fidelity, pairs=400_000, seed=59, sampling="exact")
    key = rep.key
    assert not key.aborted and key.verified and key.keys_match
    fk = key.finite_key
    assert key.final_key_bits == fk.length > 0
    n = fk.n
    est = key.qber
    conj = {"Z": "X", "X": "Z"}
    n_b = {b: est[b].key_size for b in ("Z", "X")}
    assert sum(n_b.values()) == n
    # theory at the true QBER, with this run's disclosed bits, sample sizes and leak
    e_ph = sum(n_b[b] * (q + fk.mu[b]) for b in n_b) / n
    sampling_penalty = n * (physics.binary_entropy(e_ph) - physics.binary_entropy(q))
    ec_penalty = fk.leak_ec - n * physics.binary_entropy(q)
    expected = n * physics.key_rate_bbm92(q) - (sampling_penalty + ec_penalty + fk.overhead)
    # the realized length uses the sampled QBERs: propagate their standard errors
    sigma_e = math.sqrt(sum((n_b[b] / n) ** 2 * q * (1 - q) / est[conj[b]].sample_size
                            for b in n_b))
    slope = math.log2((1 - e_ph) / e_ph)  # d h / d e
    assert abs(fk.length - expected) <= K * n * slope * sigma_e + 1
    # Cascade's disclosed bits: above the Shannon limit, within its known efficiency
    assert 1.0 < fk.leak_ec / (n * physics.binary_entropy(q)) < 1.35


def test_e91_f097_gives_a_device_independent_key() -> None:
    rep = simulate_qkd("e91", fidelity=0.97, pairs=400_000, seed=61, sampling="exact")
    assert not rep.key.aborted and rep.key.keys_match
    fk = rep.key.finite_key
    assert fk.method == "di-chsh-gaussian" and fk.chsh_lower < rep.chsh.value
    assert 0 < fk.length < fk.asymptotic_length


def test_exact_sampling_agrees_with_shots() -> None:
    fidelity = 0.9
    a = simulate_qkd("bbm92", fidelity=fidelity, pairs=60_000, seed=71, sampling="shots")
    b = simulate_qkd("bbm92", fidelity=fidelity, pairs=60_000, seed=73, sampling="exact")
    q = physics.qber_werner(physics.werner_w(fidelity))
    for basis in ("Z", "X"):
        sigma = math.sqrt(q * (1 - q) * (1 / _sifted_in(a, basis) + 1 / _sifted_in(b, basis)))
        assert abs(a.qber[basis].value - b.qber[basis].value) <= K * sigma


def test_key_rate_per_second_uses_the_link_delivery_rate() -> None:
    net = chain(1, 10.0)
    link = net.links[0]
    rep = simulate_qkd("bbm92", fidelity=0.98, pairs=20_000, seed=5, link=link, network=net,
                       sampling="exact")
    p, _f = physics.double_click(link.arm_efficiency)
    rate = physics.rate_hz(p, link.cycle_time_s)
    assert rep.delivery_rate_hz == pytest.approx(rate)
    assert rep.secret_key_rate_hz == pytest.approx(rep.key_rate_asymptotic * 0.5 * rate)


def test_too_few_pairs_and_bad_fraction_raise() -> None:
    with pytest.raises(ValueError, match="too few pairs"):
        simulate_qkd("bbm92", fidelity=1.0, pairs=200, seed=1)
    with pytest.raises(ValueError, match="intercept_fraction"):
        simulate_qkd("e91", fidelity=1.0, pairs=1000, seed=1, eavesdropper="intercept-resend",
                     intercept_fraction=1.5)
    with pytest.raises(ValueError, match="pairs"):
        simulate_qkd("e91", fidelity=1.0, pairs=0, seed=1)


# ---------------------------------------------------------------------------------------------
# run(QkdParams): the protocol layer
# ---------------------------------------------------------------------------------------------


def test_e91_across_four_links_matches_the_chain_closed_form() -> None:
    """QKD across a repeater chain: the scheduler's end-to-end pair is the source (issue 5)."""
    params = QkdParams(protocol="e91", links=4, length_km=20.0, fidelity=0.99, pairs=180_000,
                       sampling="exact")
    r = run(params, seed=5).to_dict()
    w_end = physics.werner_w(0.99) ** 4  # reference section 4: w_out = prod w_i for Werner links
    assert r["chain"]["fidelity_end_theory"] == pytest.approx(physics.fidelity_from_w(w_end))
    assert abs(r["S"] - 2 * math.sqrt(2) * w_end) <= 4 * r["S_stderr"]
    for basis, q in r["qber"].items():
        n = r["pairs"] / 9  # each of E91's two key settings is drawn in 1/9 of the rounds
        q_th = (1 - w_end) / 2
        assert abs(q - q_th) <= 4 * math.sqrt(q_th * (1 - q_th) / n), basis
    assert r["delivery_rate_hz"] == pytest.approx(r["chain"]["delivery_rate_hz"])
    assert not r["aborted"] and r["keys_match"]


def test_run_matches_simulate_qkd_and_reports_the_link() -> None:
    params = QkdParams(protocol="bbm92", fidelity=0.97, pairs=30_000, length_km=10.0)
    result = run(params, seed=19)
    rep = simulate_qkd("bbm92", fidelity=0.97, pairs=30_000, seed=19, link=params.network.links[0],
                       network=params.network)
    assert result.qber["Z"] == rep.qber["Z"] and result.key.final_key_bits == rep.key.final_key_bits
    assert result.theory["qber"]["Z"] == pytest.approx(0.02)
    assert result.qber["Z"].within(0.02, k=K)
    d = result.to_dict()
    assert (d["links"], d["length_km"], d["source"]) == (1, 10.0, "werner") and "chain" not in d
    assert d["provenance"]["protocol"] == "qkd" and d["provenance"]["shots"] == 30_000
    assert result.seed == d["seed"] == 19 and result.chain is None


def test_seed_none_draws_a_fresh_reported_seed_and_shots_override_pairs() -> None:
    result = run(QkdParams(fidelity=1.0, sampling="exact"), shots=5_000)
    assert isinstance(result.seed, int) and result.provenance.seed == result.seed
    assert result.report.pairs == 5_000
    again = run(QkdParams(fidelity=1.0, sampling="exact"), shots=5_000, seed=result.seed)
    assert again.key.final_key_bits == result.key.final_key_bits


def test_circuits_are_the_measured_setting_circuits() -> None:
    e91 = circuits(QkdParams(protocol="e91", eavesdropper="intercept-resend"))
    assert len(e91) == 9 and all(qc.num_qubits >= 2 for qc in e91)
    assert "eve" in [c.name for c in e91[0].cregs]
    assert len(circuits(QkdParams(source="link", length_km=5.0))) == 4


def test_exact_sampling_needs_the_local_simulator() -> None:
    class Device:
        name = "fake_device"

    with pytest.raises(ValueError, match="--sampling exact"):
        run(QkdParams(sampling="exact"), runner=Device(), seed=1)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"intercept_fraction": 1.5}, "--intercept-fraction"),
        ({"intercept_fraction": float("nan")}, "--intercept-fraction"),
        ({"pairs": 0}, "--pairs"),
        ({"pairs": 2.5}, "--pairs"),
        ({"links": 0}, "--links"),
        ({"links": 2, "source": "link"}, "--source link"),
        ({"length_km": -1.0}, "--length-km"),
        ({"length_km": float("inf")}, "--length-km"),
        ({"source": "link", "fidelity": 0.9}, "--fidelity"),
        ({"fidelity": 0.2}, "--fidelity must be in [0.25, 1]"),
        ({"protocol": "bb84"}, "--protocol"),
        ({"eavesdropper": "eve"}, "--eavesdropper"),
        ({"sampling": "fast"}, "--sampling"),
        ({"source": "satellite"}, "--source"),
        ({"p_z": 1.0}, "p_z"),
    ],
)
def test_params_validation_names_the_field(kw, message) -> None:
    with pytest.raises(ValueError) as exc:
        QkdParams(**kw)
    assert message in str(exc.value)


@pytest.mark.parametrize("protocol", ["e91", "bbm92"])
def test_plot_draws_on_an_agg_axis(protocol) -> None:
    import matplotlib.pyplot as plt

    result = run(QkdParams(protocol=protocol, fidelity=0.95, pairs=20_000, sampling="exact"),
                 seed=7)
    fig, ax = plt.subplots()
    assert result.plot(ax) is ax
    assert len(ax.patches) == 4  # QBER simulated and theory of two key bases
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert ("S" in labels) is (protocol == "e91")
    plt.close(fig)
