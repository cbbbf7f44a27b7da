"""protocols.teleport: per-state fidelities within 4 standard errors of the closed forms; the
Pauli-channel fidelity; params, JSON and plot."""

from __future__ import annotations

import math

import pytest

from qnet_circuits import physics
from qnet_circuits.physics import pauli_channel_fidelity as channel_fidelity
from qnet_circuits.protocols.teleport import TeleportParams, circuits, run

K_SIGMA = 4.0


def within(result: dict, key: str, expected: float, stderr_key: str | None = None) -> bool:
    stderr = result[stderr_key or f"{key}_stderr"]
    return abs(result[key] - expected) <= K_SIGMA * stderr


def test_teleport_six_states():
    r = run(TeleportParams(fidelity=[0.9]), shots=3000, seed=31).to_dict()
    assert set(r["states"]) == {"0", "1", "+", "-", "+i", "-i"}
    for v in r["states"].values():
        assert v["theory"] == pytest.approx(physics.teleport_fidelity_werner(0.9))
        assert abs(v["fidelity"] - v["theory"]) <= K_SIGMA * v["fidelity_stderr"]
    assert within(r, "fidelity", 0.933333)
    r = run(TeleportParams(bell_diagonal=[[0.85, 0.05, 0.07, 0.03]], states=["+i"]), shots=3000,
            seed=32).to_dict()
    assert r["theory_per_basis"]["X"] == pytest.approx(0.92)
    assert r["states"]["+i"]["theory"] == pytest.approx(0.90)
    assert within(r, "fidelity", 0.90)


def test_one_angle_state_with_gate_noise_deferred():
    params = TeleportParams(fidelity=0.95, theta=1.1, phi=0.4, gate_error=0.02,
                            correction="deferred")
    result = run(params, shots=3000, seed=33)
    (label,) = result.states
    assert label == "theta=1.1,phi=0.4"
    assert result.states[label].fidelity.within(result.states[label].theory, k=K_SIGMA)
    assert len(circuits(params)) == 1


@pytest.mark.parametrize("coeffs", [(1, 0, 0, 0), (0.85, 0.05, 0.07, 0.03), (0.4, 0.3, 0.2, 0.1)])
def test_channel_fidelity_of_the_cardinal_states_is_per_basis(coeffs):
    per_basis = physics.teleport_fidelities_bell_diagonal(coeffs)
    assert channel_fidelity(coeffs, 0.0, 0.0) == pytest.approx(per_basis["Z"])
    assert channel_fidelity(coeffs, math.pi / 2, 0.0) == pytest.approx(per_basis["X"])
    assert channel_fidelity(coeffs, math.pi / 2, math.pi / 2) == pytest.approx(per_basis["Y"])


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"fidelity": [0.9, 0.8]}, "one resource pair"),
        ({"readout_error": -0.1}, "--readout-error must be a probability"),
        ({"states": ["+", "2"]}, "--state"),
        ({"states": ["+"], "theta": 0.3}, "either --state or --theta/--phi"),
        ({"theta": float("nan")}, "--theta"),
        ({"theta": 0.2, "phi": float("inf")}, "--phi"),
        ({"correction": "never"}, "--correction"),
    ],
)
def test_params_validation_names_the_field(kw, message):
    with pytest.raises(ValueError) as exc:
        TeleportParams(**kw)
    assert message in str(exc.value)


def test_plot_draws_on_an_agg_axis():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert run(TeleportParams(fidelity=0.9), shots=200, seed=34).plot(ax) is ax
    assert len(ax.patches) == 12  # simulated and theory bars of six states
    plt.close(fig)
