"""protocols.remote_cnot: truth table and process fidelity within 4 standard errors of the
closed forms; params, JSON and plot."""

from __future__ import annotations

import pytest

from qnet_circuits.physics import average_gate_fidelity
from qnet_circuits.protocols.remote_cnot import (
    RemoteCnotParams,
    circuits,
    run,
    theory,
)

K_SIGMA = 4.0


def within(result: dict, key: str, expected: float, stderr_key: str | None = None) -> bool:
    stderr = result[stderr_key or f"{key}_stderr"]
    return abs(result[key] - expected) <= K_SIGMA * stderr


def test_remote_cnot():
    r = run(RemoteCnotParams(fidelity=[0.9]), shots=3000, seed=41).to_dict()
    assert r["theory"] == pytest.approx(0.9)
    assert r["theory_average_gate_fidelity"] == pytest.approx(0.92)
    assert within(r, "fidelity", 0.9)
    for row in r["truth_table"].values():
        assert row["theory"] == pytest.approx(0.9 + 0.1 / 3)
        assert abs(row["p_correct"] - row["theory"]) <= K_SIGMA * row["p_correct_stderr"]


def test_noisy_nodes_have_no_closed_form():
    params = RemoteCnotParams(bell_diagonal=[[0.9, 0.04, 0.03, 0.03]], gate_error=0.01)
    r = run(params, shots=300, seed=42).to_dict()
    assert theory(params) == {} and r["theory"] is None and r["theory_note"]
    assert all(row["theory"] is None for row in r["truth_table"].values())


def test_circuits_and_average_gate_fidelity():
    bell, *truth = circuits(RemoteCnotParams())
    assert len(truth) == 4 and all("out" in [c.name for c in qc.cregs] for qc in truth)
    assert "out" not in [c.name for c in bell.cregs]
    assert average_gate_fidelity(1.0) == 1.0 and average_gate_fidelity(0.0) == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"bell_diagonal": [[0.3, 0.3, 0.3, 0.3]]}, "must sum to 1"),
        ({"fidelity": [0.9, 0.9]}, "remote-cnot uses one shared pair"),
        ({"gate_error": float("nan")}, "--gate-error"),
        ({"correction": "soon"}, "--correction"),
    ],
)
def test_params_validation_names_the_field(kw, message):
    with pytest.raises(ValueError) as exc:
        RemoteCnotParams(**kw)
    assert message in str(exc.value)


def test_plot_draws_on_an_agg_axis():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert run(RemoteCnotParams(fidelity=0.9), shots=200, seed=43).plot(ax) is ax
    assert len(ax.patches) == 10  # simulated and theory bars of four rows and the fidelity
    plt.close(fig)
