"""protocols.purify: purified pairs and step successes within 4 standard errors of the closed
forms; the closed-form schedule; params, JSON and plot."""

from __future__ import annotations

import pytest

from qnet_circuits import physics
from qnet_circuits.physics import purification_rounds, purification_step
from qnet_circuits.protocols.purify import (
    PurifyParams,
    circuits,
    run,
    theory,
)

K_SIGMA = 4.0


def within(result: dict, key: str, expected: float, stderr_key: str | None = None) -> bool:
    stderr = result[stderr_key or f"{key}_stderr"]
    return abs(result[key] - expected) <= K_SIGMA * stderr


def test_purify_recurrence_and_pumping():
    r = run(PurifyParams(protocol="dejmps", fidelity=[0.8], rounds=2), shots=3000,
            seed=21).to_dict()
    assert r["theory"] == pytest.approx(0.943639, abs=5e-7)
    assert r["theory_p_success"] == pytest.approx(0.768889**2 * 0.744596, abs=1e-5)
    assert within(r, "fidelity", r["theory"]) and within(r, "p_success", r["theory_p_success"])
    assert [s["round"] for s in r["steps"]] == [1, 1, 2]
    for s in r["steps"]:
        assert abs(s["p_success"] - s["theory"]) <= K_SIGMA * s["p_success_stderr"]
    r = run(PurifyParams(protocol="bbpssw", fidelity=[0.9, 0.7]), shots=3000, seed=22).to_dict()
    assert (r["theory"], r["theory_p_success"]) == pytest.approx((0.833333, 0.76), abs=5e-7)
    assert within(r, "fidelity", r["theory"]) and within(r, "p_success", r["theory_p_success"])
    r = run(PurifyParams(fidelity=[0.9, 0.7], pumping=True, rounds=2, gate_error=0.01),
            shots=3000, seed=23).to_dict()
    c1, p1 = physics.dejmps(physics.werner_coefficients(0.9), physics.werner_coefficients(0.7),
                            cnot_depolarizing=0.01)
    c2, p2 = physics.dejmps(c1, physics.werner_coefficients(0.7), cnot_depolarizing=0.01)
    assert r["raw_pairs"] == 3
    assert (r["theory"], r["theory_p_success"]) == pytest.approx((c2[0], p1 * p2), abs=1e-12)
    assert within(r, "fidelity", r["theory"]) and within(r, "p_success", r["theory_p_success"])


@pytest.mark.parametrize("kw,shots,seed", [
    ({"protocol": "dejmps", "bell_diagonal": [(0.8, 0.1, 0.06, 0.04)], "rounds": 2,
      "gate_error": 0.02, "readout_error": 0.08}, 4000, 24),
    ({"protocol": "bbpssw", "fidelity": [0.9, 0.75], "pumping": True, "rounds": 2,
      "readout_error": 0.1}, 4000, 1024),
])
def test_purify_with_readout_error_matches_the_exact_closed_form(kw, shots, seed):
    """Readout error flips the flags: the sampled fidelity, success and every step's success
    agree with the exact map (physics.dejmps with readout_error; the map itself is checked
    against the noisy circuit's exact density matrix in tests/physics) and not with the map
    that ignores the flips."""
    params = PurifyParams(**kw)
    result = run(params, shots=shots, seed=seed)
    r = result.to_dict()
    assert r["theory_note"] is None and r["theory"] is not None
    per_round = purification_rounds(params.protocol, params.inputs, params.rounds, params.pumping,
                                    params.gate_error, params.readout_error)
    assert r["theory"] == pytest.approx(per_round[-1][0][0][0], abs=1e-12)
    assert within(r, "fidelity", r["theory"]) and within(r, "p_success", r["theory_p_success"])
    for s in r["steps"]:
        assert abs(s["p_success"] - s["theory"]) <= K_SIGMA * s["p_success_stderr"], s
    for got, se, want in zip(r["coefficients"], r["coefficients_stderr"], r["theory_coefficients"]):
        assert abs(got - want) <= K_SIGMA * se
    # the flips matter at these shots: the readout-free closed form is rejected
    flipless = purification_rounds(params.protocol, params.inputs, params.rounds, params.pumping,
                                   params.gate_error)
    p_flipless = 1.0
    for steps in flipless:
        for _, p in steps:
            p_flipless *= p
    assert abs(r["p_success"] - p_flipless) > K_SIGMA * r["p_success_stderr"]
    assert abs(r["fidelity"] - flipless[-1][0][0][0]) > K_SIGMA * r["fidelity_stderr"]


def test_closed_form_schedule_matches_the_physics_iterations():
    werner = physics.werner_coefficients(0.8)
    rec = purification_rounds("bbpssw", [werner] * 8, 3, pumping=False)
    assert [len(r) for r in rec] == [4, 2, 1]
    ref = physics.bbpssw_rounds(0.8, 3)
    for k, steps in enumerate(rec):
        for coeffs, p in steps:
            assert (coeffs[0], p) == pytest.approx(ref[k], abs=1e-12)
    dejmps = purification_rounds("dejmps", [werner] * 4, 2, pumping=False)
    for k, (coeffs, p) in enumerate(physics.dejmps_rounds(werner, 2)):
        assert dejmps[k][0][0] == pytest.approx(coeffs, abs=1e-12)
        assert dejmps[k][0][1] == pytest.approx(p, abs=1e-12)
    pump = purification_rounds("bbpssw", [physics.werner_coefficients(0.9)]
                               + [physics.werner_coefficients(0.7)] * 2, 2, pumping=True)
    ref = physics.bbpssw_pumping(0.9, 0.7, 2)
    for ((c, p),), (f_ref, p_ref) in zip(pump, ref, strict=True):
        assert (c[0], p) == pytest.approx((f_ref, p_ref), abs=1e-12)
    c, p = purification_step("bbpssw", physics.werner_coefficients(0.9),
                             physics.werner_coefficients(0.7))
    assert (c[0], p) == pytest.approx(physics.bbpssw(0.9, 0.7), abs=1e-12)


def test_theory_names_every_flag_register():
    params = PurifyParams(fidelity=0.8, rounds=2)
    (qc,) = circuits(params)
    th = theory(params, qc)
    assert set(th["steps"]) == set(th["step_fidelity"]) == {s["register"] for s in qc.metadata["steps"]}
    assert th["step_fidelity"]["flags_r2_0"] == th["fidelity"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"rounds": 0}, "--rounds must be an integer >= 1"),
        ({"rounds": 1.5}, "--rounds"),
        ({"fidelity": -0.3}, "--fidelity must be in [0, 1]"),
        ({"fidelity": [0.8, 0.8, 0.8]}, "must give 1 or 2**rounds"),
        ({"fidelity": [0.8] * 4, "pumping": True}, "pumping: 1, 2 (initial, fresh) or rounds+1"),
        ({"protocol": "bbpsw"}, "--protocol"),
        ({"gate_error": 2.0}, "--gate-error"),
        ({"bell_diagonal": [[0.5, 0.5, 0.5]]}, "--bell-diagonal"),
    ],
)
def test_params_validation_names_the_field(kw, message):
    with pytest.raises(ValueError) as exc:
        PurifyParams(**kw)
    assert message in str(exc.value)


def test_plot_draws_on_an_agg_axis():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    result = run(PurifyParams(fidelity=0.8, rounds=2), shots=300, seed=25)
    assert result.plot(ax) is ax
    assert ax.get_xlabel() == "round" and len(ax.lines) >= 2
    plt.close(fig)
