"""protocols.swap: the swapped pair within 4 standard errors of the closed forms; params, JSON
and plot."""

from __future__ import annotations

import pytest

from qnet_circuits import physics
from qnet_circuits.protocols.swap import SwapParams, SwapResult, circuits, run, theory

K_SIGMA = 4.0


def within(result: dict, key: str, expected: float, stderr_key: str | None = None) -> bool:
    stderr = result[stderr_key or f"{key}_stderr"]
    return abs(result[key] - expected) <= K_SIGMA * stderr


def test_swap_werner_and_noisy_bsm():
    r = run(SwapParams(fidelity=[0.9]), shots=3000, seed=11).to_dict()
    assert r["theory"] == pytest.approx(physics.swap_werner(0.9, 0.9)) == pytest.approx(0.813333,
                                                                                       abs=5e-7)
    assert within(r, "fidelity", r["theory"])
    for key in ("fidelity", "fidelity_stderr", "theory", "coefficients", "theory_coefficients"):
        assert key in r
    r = run(SwapParams(fidelity=[0.95, 0.95], gate_error=0.02, readout_error=0.01), shots=3000,
            seed=12).to_dict()
    assert r["theory"] == pytest.approx(0.873278, abs=5e-7)
    assert within(r, "fidelity", r["theory"])


def test_swap_bell_diagonal_pairs_deferred():
    params = SwapParams(bell_diagonal=[[0.9, 0.05, 0.03, 0.02], [0.8, 0.1, 0.06, 0.04]],
                        correction="deferred")
    r = run(params, shots=3000, seed=13).to_dict()
    assert r["theory_coefficients"] == pytest.approx([0.7276, 0.1324, 0.082, 0.058], abs=1e-9)
    for k in range(4):
        assert abs(r["coefficients"][k] - r["theory_coefficients"][k]) <= (
            K_SIGMA * r["coefficients_stderr"][k]
        )


def test_one_fidelity_is_used_for_both_links_and_three_make_a_chain():
    assert SwapParams(fidelity=0.9).links == (physics.werner_coefficients(0.9),) * 2
    assert len(SwapParams().links) == 2  # default: two Werner 0.9 links
    three = SwapParams(fidelity=(0.95, 0.9, 0.97))
    assert theory(three)["fidelity"] == pytest.approx(physics.chain_fidelity([0.95, 0.9, 0.97]))
    (qc,) = circuits(three)
    assert qc.metadata["bsm_registers"] == ["r1_bsm", "r2_bsm"]


def test_result_estimates_and_provenance():
    result = run(SwapParams(fidelity=0.95), shots=500, seed=14)
    assert isinstance(result, SwapResult)
    assert result.fidelity is result.estimates.fidelity and len(result.coefficients) == 4
    assert result.provenance.protocol == "swap" and result.provenance.shots == 500
    d = result.to_dict()
    assert d["shots"] == 500 and d["seed"] == 14 and d["provenance"]["seed"] == 14


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"fidelity": 1.2}, "--fidelity must be in [0, 1]"),
        ({"fidelity": "high"}, "--fidelity"),
        ({"bell_diagonal": [[0.5, 0.2, 0.2, 0.2]]}, "must sum to 1"),
        ({"bell_diagonal": [[1.1, -0.1, 0, 0]]}, "entries must be >= 0"),
        ({"fidelity": 0.9, "bell_diagonal": [[1, 0, 0, 0]]}, "--fidelity or --bell-diagonal"),
        ({"gate_error": 1.5}, "--gate-error must be a probability"),
        ({"readout_error": -0.1}, "--readout-error must be a probability"),
        ({"correction": "eventually"}, "--correction"),
    ],
)
def test_params_validation_names_the_field(kw, message):
    with pytest.raises(ValueError) as exc:
        SwapParams(**kw)
    assert message in str(exc.value)


def test_plot_draws_on_an_agg_axis():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert run(SwapParams(), shots=300, seed=15).plot(ax) is ax
    assert len(ax.patches) == 8  # simulated and theory bars of A, B, C, D
    plt.close(fig)
