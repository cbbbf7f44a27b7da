"""protocols.blind: UBQC end to end on Aer (dynamic and deferred circuits), against closed forms
within 4 standard errors. ``run(params)`` (the protocol as the CLI and notebooks use it) and
``run_batch`` (any program, secrets, runner or network): the 3-qubit line, the CNOT truth table
and a deep program through the brickwork, blindness of the server's angles, trap detection (per
hit and the one-trap toy model), and the noisy link (output and honest rejection rate)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.analysis import (
    chi_square_homogeneity,
    chi_square_uniform,
    distribution,
    mutual_information,
)
from qnet_circuits.library.blind import (
    BlindProgram,
    MeasurementPattern,
    brickwork_program,
    line_program,
)
from qnet_circuits.protocols.blind import (
    BlindParams,
    circuits,
    delta_counts,
    ideal_distribution,
    run,
    run_acceptance,
    run_batch,
    server_circuit,
)

Q = math.pi / 4
K = 4.0  # standard errors


def _p0(res) -> tuple[float, float]:
    out = res.outputs_flat()[:, 0]
    p = 1.0 - float(out.mean())
    return p, math.sqrt(p * (1 - p) / out.size)


@pytest.mark.parametrize(("k1", "k2"), [(2, 2), (2, 6), (2, 1), (1, 1), (0, 3)])
def test_line_p_out_zero_with_random_secrets(k1: int, k2: int) -> None:
    phi1, phi2 = k1 * Q, k2 * Q
    res = run_batch(line_program(phi1, phi2), 40, shots_per_run=250, seed=100 + 8 * k1 + k2)
    assert len(np.unique(res.runs.theta[:, :2], axis=0)) > 20  # fresh secrets per run
    p, se = _p0(res)
    expected = physics.ubqc_line_p0(phi1, phi2)
    n = res.outputs_flat().shape[0]
    theory_se = math.sqrt(expected * (1 - expected) / n)
    assert abs(p - expected) <= K * theory_se  # exact equality where the outcome is certain


def test_line_deferred_variant_agrees() -> None:
    res = run_batch(line_program(2 * Q, Q), 40, shots_per_run=250, seed=7, correction="deferred")
    assert res.circuit.count_ops().get("if_else", 0) == 0
    p, _ = _p0(res)
    expected = physics.ubqc_line_p0(2 * Q, Q)
    assert abs(p - expected) <= K * math.sqrt(expected * (1 - expected) / 10_000)


@pytest.mark.parametrize("correction", ["dynamic", "deferred"])
def test_cnot_truth_table_through_the_brickwork(correction: str) -> None:
    for a, b in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        prep = "".join(f"x {q}; " for q, bit in ((0, a), (1, b)) if bit)
        prog = brickwork_program(prep + "cx 0 1", num_qubits=2)
        assert (prog.rows, prog.columns) == (2, 13)
        res = run_batch(prog, 20, shots_per_run=10, seed=40 + 2 * a + b, correction=correction)
        out = res.outputs_flat()
        assert (out[:, 0] == a).all() and (out[:, 1] == (a ^ b)).all(), (a, b)


def test_deep_two_qubit_program_and_one_qubit_rotations() -> None:
    prog = brickwork_program(
        "h 0; t 0; cx 0 1; h 1; s 1; cx 1 0; t 0; h 0; rx(pi/4) 1; cx 0 1; h 0"
    )
    assert prog.columns >= 29
    res = run_batch(prog, 60, shots_per_run=40, seed=21)
    ideal = ideal_distribution(prog)
    got = distribution(res.outputs_flat())
    n = res.outputs_flat().shape[0]
    for key in ("00", "01", "10", "11"):
        p = ideal.get(key, 0.0)
        assert abs(got.get(key, 0.0) - p) <= K * math.sqrt(p * (1 - p) / n), key
    rot = brickwork_program("h 0; t 0; h 0")
    res = run_batch(rot, 40, shots_per_run=100, seed=22)
    p, _ = _p0(res)
    expected = math.cos(math.pi / 8) ** 2
    assert abs(p - expected) <= K * math.sqrt(expected * (1 - expected) / 4000)


def test_server_angles_are_uniform_and_indistinguishable_for_two_computations() -> None:
    """Two different programs on the same 2 x 13 brickwork: 420 runs x 24 positions ~ 10^4
    angles each; uniform (chi-square), and the same joint (position, delta) histogram."""
    tables, pooled = [], []
    for text, seed in (("x 0; cx 0 1", 31), ("h 0; t 1; cx 1 0", 32)):
        prog = brickwork_program(text)
        assert (prog.rows, prog.columns) == (2, 13)
        res = run_batch(prog, 420, shots_per_run=1, seed=seed)
        d = res.deltas()[:, 0, :]  # (runs, 24 positions): independent draws
        assert d.size >= 10_000
        pooled.append(delta_counts(d))
        assert chi_square_uniform(pooled[-1])[1] > 0.01
        tables.append(np.stack([delta_counts(d[:, i]) for i in range(d.shape[1])]).reshape(-1))
    assert chi_square_homogeneity(pooled[0], pooled[1])[1] > 0.01
    assert chi_square_homogeneity(tables[0], tables[1])[1] > 0.01  # per position, 191 dof
    mi, p = mutual_information(np.array(pooled))
    assert p > 0.01 and mi < 2e-3  # bits; plug-in bias ~ 7/(2 N ln 2) = 2.5e-4


@pytest.mark.parametrize("attack", ["z", "misreport"])
def test_trap_hit_by_z_or_misreport_is_always_detected(attack: str) -> None:
    prog = brickwork_program("x 0; cx 0 1", trap_rows=2)
    res = run_batch(prog, 40, shots_per_run=5, traps=2, attack=attack, attack_on="trap", seed=5)
    assert res.trap_detection().value == 1.0
    assert distribution(res.outputs_flat()) == {"11": 1.0}  # the computation is untouched


@pytest.mark.parametrize("attack", ["x", "y"])
def test_trap_hit_by_x_or_y_is_detected_half_the_time(attack: str) -> None:
    prog = brickwork_program("x 0; cx 0 1", trap_rows=2)
    res = run_batch(prog, 400, shots_per_run=1, traps=2, attack=attack, attack_on="trap",
                       seed=6 if attack == "x" else 8)
    det = res.trap_detection()
    assert abs(det.value - 0.5) <= K * math.sqrt(0.25 / 400)
    # conditional on the drawn theta of each attacked trap: sin^2 (X) or cos^2 (Y)
    per_run = 1 - run_acceptance(res.runs)
    sd = math.sqrt(float(np.sum(per_run * (1 - per_run)))) / 400
    assert abs(det.value - per_run.mean()) <= K * max(sd, 1e-12)


@pytest.mark.parametrize("attack", ["z", "misreport"])
def test_one_trap_toy_model(attack: str) -> None:
    n = 5
    labels = tuple(range(n + 1))
    path = MeasurementPattern(labels[:-1], labels[-1:], tuple(zip(labels[:-1], labels[1:])),
                              labels[1:], (0,) * n, name="path")
    toy = BlindProgram.test_only(path)
    runs, k = 2000, 10
    res = run_batch(toy, runs, traps=1, attack=attack, seed=50 if attack == "z" else 51)
    detected = ~res.accepted[:, 0]
    p1 = physics.trap_detection_probability(n, 1)
    assert p1 == pytest.approx(physics.single_attack_detection(attack, 1, n))
    assert abs(detected.mean() - p1) <= K * math.sqrt(p1 * (1 - p1) / runs)
    blocks = detected.reshape(runs // k, k).any(axis=1)
    pk = physics.trap_detection_probability(n, k)
    assert abs(blocks.mean() - pk) <= K * math.sqrt(pk * (1 - pk) / blocks.size)


def test_output_degrades_with_link_fidelity_as_predicted() -> None:
    observed = []
    for fidelity in (1.0, 0.9, 0.75):
        res = run_batch(line_program(2 * Q, 2 * Q), 30, shots_per_run=200,
                           link_fidelity=fidelity, seed=int(fidelity * 100))
        p, _ = _p0(res)
        expected = physics.line_p0_link(2 * Q, 2 * Q, fidelity)
        se = math.sqrt(expected * (1 - expected) / 6000)
        assert abs(p - expected) <= K * se, fidelity
        observed.append(p)
    assert observed[0] == 1.0 and observed[0] > observed[1] > observed[2]


def test_honest_runs_are_rejected_at_the_rate_the_link_noise_predicts() -> None:
    prog = line_program(2 * Q, Q).with_trap_region(5)
    res = run_batch(prog, 300, shots_per_run=4, traps=2, link_fidelity=0.8, seed=61)
    per_run = run_acceptance(res.runs, 0.8)
    assert 0.3 < per_run.mean() < 0.7
    acc = res.acceptance()
    sd = math.sqrt(float(np.sum(4 * per_run * (1 - per_run)))) / res.accepted.size
    assert abs(acc.value - per_run.mean()) <= K * sd
    ideal = run_batch(prog, 30, shots_per_run=4, traps=2, link_fidelity=1.0, seed=62)
    assert ideal.acceptance().value == 1.0


def test_other_runners_get_bound_circuits_and_give_the_same_physics() -> None:
    from qnet_circuits.run import AerRunner

    class Wrapped:  # any Runner that is not the core AerRunner (e.g. a hardware runner)
        name = "wrapped"

        def __init__(self) -> None:
            self.seen: list = []

        def run(self, circuits, *, shots, seed=None, network=None):
            self.seen.extend(circuits)
            return AerRunner().run(circuits, shots=shots, seed=seed, network=network)

    runner = Wrapped()
    res = run_batch(line_program(2 * Q, 6 * Q), 4, shots_per_run=50, runner=runner, seed=3)
    assert len(runner.seen) == 4 and not any(qc.parameters for qc in runner.seen)
    assert distribution(res.outputs_flat()) == {"1": 1.0}


def test_server_readout_error_from_the_network_fails_an_honest_trap() -> None:
    from qnet_circuits.network import chain

    eps = 0.1
    net = chain(1, 1.0, readout_error=eps, end_names=("client", "server"))
    prog = line_program(2 * Q, 2 * Q).with_trap_region(3)
    res = run_batch(prog, 300, shots_per_run=4, traps=1, network=net, seed=71)
    acc = res.acceptance()
    assert res.circuit.metadata["nodes"] == {"server": "server"}
    assert abs(acc.value - (1 - eps)) <= K * math.sqrt(eps * (1 - eps) / 1200)


# ---------------------------------------------------------------------------------------------
# run(params): the protocol as the CLI and the notebooks call it
# ---------------------------------------------------------------------------------------------

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "cli_outputs.json").read_text())


def test_run_line_against_the_closed_form_with_the_cli_json_keys() -> None:
    params = BlindParams(angles="pi/2,pi/4")
    res = run(params, shots=4000, seed=81)
    p0 = physics.ubqc_line_p0(2 * Q, Q)
    assert res.theory == pytest.approx({"p0_ideal": p0, "p0": physics.line_p0_link(2 * Q, Q)})
    assert res.ideal_distribution["0"] == pytest.approx(p0)
    assert (res.runs, res.shots_per_run, res.shots) == (1000, 4, 4000)
    assert abs(res.output_distribution["0"] - p0) <= K * math.sqrt(p0 * (1 - p0) / res.shots)
    assert res.accepted.value == 1.0 and res.acceptance_theory == 1.0
    d = res.to_dict()
    assert set(d) == set(GOLDEN["blind_line"]) | {"provenance"}
    assert d["provenance"]["protocol"] == "blind"
    assert (d["provenance"]["seed"], d["provenance"]["shots"]) == (81, 4000)
    json.dumps(d)
    again = run(params, shots=4000, seed=81).to_dict()
    assert {k: v for k, v in again.items() if k != "provenance"} == {
        k: v for k, v in d.items() if k != "provenance"}


def test_run_with_traps_over_a_noisy_link_matches_the_trap_and_line_closed_forms() -> None:
    fidelity = 0.85
    res = run(BlindParams(angles=(2 * Q, 2 * Q), traps=2, link_fidelity=fidelity), shots=3000,
              seed=82)
    per_run = run_acceptance(res.batch.runs, fidelity)
    assert res.acceptance_theory == pytest.approx(per_run.mean())
    assert 0.3 < res.acceptance_theory < 0.9
    sd = math.sqrt(float(np.sum(res.shots_per_run * per_run * (1 - per_run)))) / res.shots
    assert abs(res.accepted.value - res.acceptance_theory) <= K * sd
    # the trap region is a separate component: accepted outputs follow the line's closed form
    p0 = physics.line_p0_link(2 * Q, 2 * Q, fidelity)
    assert res.theory["p0"] == pytest.approx(p0) and p0 == pytest.approx(0.82)
    n = int(res.batch.accepted.sum())
    assert abs(res.output_distribution["0"] - p0) <= K * math.sqrt(p0 * (1 - p0) / n)


@pytest.mark.parametrize(("server", "attack"), [("deviate-z", "z"), ("misreport", "misreport")])
def test_run_dishonest_server_is_detected_at_the_closed_form_rate(server: str, attack: str) -> None:
    res = run(BlindParams(program="cnot", traps=2, server=server), shots=500, seed=83)
    measured = res.params.blind_program.pattern.num_measured
    formula = physics.single_attack_detection(attack, 2, measured)
    assert res.detection_formula == pytest.approx(formula) and formula == pytest.approx(2 / 48)
    detected = 1 - res.accepted.value
    # noiseless: an attack on a trap is always caught, elsewhere never
    assert detected == pytest.approx(1 - res.acceptance_theory, abs=1e-12)
    assert abs(detected - formula) <= K * math.sqrt(formula * (1 - formula) / res.runs)


def test_run_bell_through_the_brickwork_and_its_plot() -> None:
    params = BlindParams(program="bell", correction="deferred")
    res = run(params, shots=400, seed=84)
    assert res.ideal_distribution == pytest.approx({"00": 0.5, "11": 0.5})
    assert set(res.output_distribution) <= {"00", "11"}
    assert abs(res.output_distribution["00"] - 0.5) <= K * math.sqrt(0.25 / 400)
    assert res.tvd == pytest.approx(abs(res.output_distribution["00"] - 0.5))
    assert res.theory == {} and "theory" not in res.to_dict()
    ax = res.plot()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["00", "11"]
    heights = [p.get_height() for p in ax.patches]
    assert heights[2:] == pytest.approx([0.5, 0.5])
    assert heights[:2] == pytest.approx([res.output_distribution["00"], res.output_distribution["11"]])


def test_circuits_is_the_server_circuit_bound_with_one_secret_draw() -> None:
    params = BlindParams(program="bell", correction="deferred", traps=1)
    template = server_circuit(params)
    (qc,) = circuits(params, seed=4)
    assert template.parameters and not qc.parameters
    assert qc.num_qubits == template.num_qubits and qc.count_ops().get("if_else", 0) == 0
    (again,) = circuits(params, seed=4)
    assert again == qc


def test_params_normalize_and_resolve_the_program() -> None:
    p = BlindParams()
    assert p.program == "line" and p.gates == "line" and p.angles == (2 * Q, Q)
    assert BlindParams(angles="pi/2, pi/4") == p
    q = BlindParams(program=" cnot ", traps=1)
    assert (q.program, q.gates, q.attack) == ("cnot", "x 0; cx 0 1", None)
    assert (q.blind_program.rows, q.blind_program.columns) == (4, 13)
    r = BlindParams(traps=1, trap_region=3, server="deviate-y")
    assert r.attack == "y" and r.blind_program.pattern.num_measured == 2 + 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"traps": -1}, "--traps must be >= 0"),
        ({"traps": 1.5}, "--traps must be an integer"),
        ({"link_fidelity": 0.2}, r"--link-fidelity must be in \[0.25, 1\]"),
        ({"server": "evil"}, "--server must be one of honest"),
        ({"server": "deviate-y"}, "only detectable with traps"),
        ({"correction": "late"}, "--correction must be one of dynamic, deferred"),
        ({"program": "  "}, "--program is empty"),
        ({"angles": "pi/4"}, "two angles"),
        ({"angles": (0.3, Q)}, "--angles: phi1 must be a multiple of pi/4"),
        ({"program": "bell", "angles": (Q, Q)}, "--angles applies to --program line only"),
        ({"trap_region": 3}, "--trap-region needs --traps"),
        ({"traps": 1, "trap_region": 0}, "--trap-region must be >= 1"),
        ({"traps": 4}, "do not fit"),
        ({"program": "h 0; cx 0 2"}, "--program: .*1 or 2 qubits"),
    ],
)
def test_params_refuse_bad_values_naming_the_field(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BlindParams(**kwargs)


def test_run_refuses_bad_shots() -> None:
    with pytest.raises(ValueError, match="shots must be >= 1"):
        run(BlindParams(), shots=0, seed=1)
