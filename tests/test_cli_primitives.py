"""The ``qnet swap | purify | teleport | remote-cnot`` commands: JSON keys, simulated values within
4 standard errors of the closed forms they report, and one-line errors (exit 2) for bad input."""

from __future__ import annotations

import json

import pytest

from qnet_circuits import physics
from qnet_circuits.cli import main

K_SIGMA = 4.0


def qnet_json(capsys, *argv: str) -> dict:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def within(result: dict, key: str, expected: float, stderr_key: str | None = None) -> bool:
    stderr = result[stderr_key or f"{key}_stderr"]
    return abs(result[key] - expected) <= K_SIGMA * stderr


def test_swap_werner_and_noisy_bsm(capsys):
    r = qnet_json(capsys, "swap", "--fidelity", "0.9", "--shots", "3000", "--seed", "11")
    assert r["theory"] == pytest.approx(physics.swap_werner(0.9, 0.9)) == pytest.approx(0.813333,
                                                                                       abs=5e-7)
    assert within(r, "fidelity", r["theory"])
    for key in ("fidelity", "fidelity_stderr", "theory", "coefficients", "theory_coefficients"):
        assert key in r
    r = qnet_json(capsys, "swap", "--fidelity", "0.95", "0.95", "--gate-error", "0.02",
                  "--readout-error", "0.01", "--shots", "3000", "--seed", "12")
    assert r["theory"] == pytest.approx(0.873278, abs=5e-7)
    assert within(r, "fidelity", r["theory"])


def test_swap_bell_diagonal_pairs_and_qasm(capsys, tmp_path):
    path = tmp_path / "swap.qasm"
    r = qnet_json(capsys, "swap", "--bell-diagonal", "0.9", "0.05", "0.03", "0.02",
                  "--bell-diagonal", "0.8", "0.1", "0.06", "0.04", "--correction", "deferred",
                  "--shots", "3000", "--seed", "13", "--qasm", str(path))
    assert r["theory_coefficients"] == pytest.approx([0.7276, 0.1324, 0.082, 0.058], abs=1e-9)
    for k in range(4):
        assert abs(r["coefficients"][k] - r["theory_coefficients"][k]) <= (
            K_SIGMA * r["coefficients_stderr"][k]
        )
    assert path.read_text().startswith("OPENQASM 3")


def test_purify_recurrence_and_pumping(capsys):
    r = qnet_json(capsys, "purify", "--protocol", "dejmps", "--fidelity", "0.8", "--rounds", "2",
                  "--shots", "3000", "--seed", "21")
    assert r["theory"] == pytest.approx(0.943639, abs=5e-7)
    assert r["theory_p_success"] == pytest.approx(0.768889**2 * 0.744596, abs=1e-5)
    assert within(r, "fidelity", r["theory"]) and within(r, "p_success", r["theory_p_success"])
    assert [s["round"] for s in r["steps"]] == [1, 1, 2]
    for s in r["steps"]:
        assert abs(s["p_success"] - s["theory"]) <= K_SIGMA * s["p_success_stderr"]
    r = qnet_json(capsys, "purify", "--protocol", "bbpssw", "--fidelity", "0.9", "0.7",
                  "--shots", "3000", "--seed", "22")
    assert (r["theory"], r["theory_p_success"]) == pytest.approx((0.833333, 0.76), abs=5e-7)
    assert within(r, "fidelity", r["theory"]) and within(r, "p_success", r["theory_p_success"])
    r = qnet_json(capsys, "purify", "--fidelity", "0.9", "0.7", "--pumping", "--rounds", "2",
                  "--gate-error", "0.01", "--shots", "3000", "--seed", "23")
    c1, p1 = physics.dejmps(physics.werner_coefficients(0.9), physics.werner_coefficients(0.7),
                            cnot_depolarizing=0.01)
    c2, p2 = physics.dejmps(c1, physics.werner_coefficients(0.7), cnot_depolarizing=0.01)
    assert r["raw_pairs"] == 3
    assert (r["theory"], r["theory_p_success"]) == pytest.approx((c2[0], p1 * p2), abs=1e-12)
    assert within(r, "fidelity", r["theory"]) and within(r, "p_success", r["theory_p_success"])


def test_purify_readout_error_has_no_closed_form(capsys):
    r = qnet_json(capsys, "purify", "--fidelity", "0.8", "--readout-error", "0.02",
                  "--shots", "500", "--seed", "24")
    assert r["theory"] is None and r["theory_note"]


def test_teleport_six_states(capsys):
    r = qnet_json(capsys, "teleport", "--fidelity", "0.9", "--shots", "3000", "--seed", "31")
    assert set(r["states"]) == {"0", "1", "+", "-", "+i", "-i"}
    for v in r["states"].values():
        assert v["theory"] == pytest.approx(physics.teleport_fidelity_werner(0.9))
        assert abs(v["fidelity"] - v["theory"]) <= K_SIGMA * v["fidelity_stderr"]
    assert within(r, "fidelity", 0.933333)
    r = qnet_json(capsys, "teleport", "--bell-diagonal", "0.85", "0.05", "0.07", "0.03",
                  "--state", "+i", "--shots", "3000", "--seed", "32")
    assert r["theory_per_basis"]["X"] == pytest.approx(0.92)
    assert r["states"]["+i"]["theory"] == pytest.approx(0.90)
    assert within(r, "fidelity", 0.90)


def test_remote_cnot(capsys):
    r = qnet_json(capsys, "remote-cnot", "--fidelity", "0.9", "--shots", "3000", "--seed", "41")
    assert r["theory"] == pytest.approx(0.9)
    assert r["theory_average_gate_fidelity"] == pytest.approx(0.92)
    assert within(r, "fidelity", 0.9)
    for row in r["truth_table"].values():
        assert row["theory"] == pytest.approx(0.9 + 0.1 / 3)
        assert abs(row["p_correct"] - row["theory"]) <= K_SIGMA * row["p_correct_stderr"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["swap", "--fidelity", "1.2"], "--fidelity must be in [0, 1]"),
        (["swap", "--bell-diagonal", "0.5", "0.2", "0.2", "0.2"], "must sum to 1"),
        (["swap", "--bell-diagonal", "1.1", "-0.1", "0", "0"], "entries must be >= 0"),
        (["swap", "--gate-error", "1.5"], "--gate-error must be a probability"),
        (["purify", "--rounds", "0"], "--rounds must be an integer >= 1"),
        (["purify", "--fidelity", "-0.3"], "--fidelity must be in [0, 1]"),
        (["purify", "--fidelity", "0.8", "0.8", "0.8"], "must give 1 or 2**rounds"),
        (["teleport", "--fidelity", "0.9", "0.8"], "one resource pair"),
        (["teleport", "--readout-error", "-0.1"], "--readout-error must be a probability"),
        (["remote-cnot", "--bell-diagonal", "0.3", "0.3", "0.3", "0.3"], "must sum to 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith(f"qnet {argv[0]}: error:")
