"""library.blind.traps: trap placement isolated by dummies, exact detection per hit (Statevector),
the computation untouched by a trap attack, traps that do not fit."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.library.blind import (
    ClientRuns,
    blind_circuit,
    brickwork_program,
    draw_runs,
    line_program,
    place_traps,
)
from qnet_circuits.protocols.blind import run_acceptance
from qnet_circuits.protocols.blind.batch import exact_acceptance, exact_output_distribution

Q = math.pi / 4


def test_traps_are_isolated_by_dummies_at_random_positions() -> None:
    prog = brickwork_program("x 0; cx 0 1", trap_rows=2)
    g = prog.pattern.graph()
    nodes = prog.pattern.nodes
    comp = {nodes[i] for i, c in enumerate(prog.computation) if c}
    positions = set()
    rng = np.random.default_rng(2)
    for _ in range(30):
        traps = place_traps(prog, 3, rng)
        positions.update(traps)
        labels = [nodes[t] for t in traps]
        assert not any(g.has_edge(a, b) for a, b in itertools.combinations(labels, 2))
        assert not any(n in comp for t in labels for n in g.neighbors(t))
        assert all(t < prog.pattern.num_measured for t in traps)
    assert len(positions) > 10
    runs = draw_runs(prog, 5, 3, traps=3)
    for k in range(5):
        for t in runs.traps(k):
            assert all(runs.role[k, j] == 2 for j in prog.pattern.neighbours(t))


@pytest.mark.parametrize("attack", ["z", "misreport"])
def test_exact_detection_is_certain_for_z_and_misreport(attack: str) -> None:
    prog = line_program(2 * Q, Q).with_trap_region(4)
    runs = draw_runs(prog, 12, 5, traps=2, attack=attack, attack_on="trap")
    assert np.allclose(exact_acceptance(runs), 0.0, atol=1e-12)


@pytest.mark.parametrize("attack", ["x", "y"])
def test_exact_detection_is_sin2_theta_and_one_half_on_average_for_x_and_y(attack: str) -> None:
    prog = line_program(2 * Q, Q).with_trap_region(2)  # trap at region position 2 or 3
    runs = draw_runs(prog, 8, 1, traps=1, attack=attack, attack_on="trap")
    theta = runs.theta.copy()
    theta[:, 2] = theta[:, 3] = np.arange(8)  # the trap's theta runs over all 8 angles
    runs = ClientRuns(prog, theta, runs.r, runs.role, runs.d, runs.dummy_delta, attack,
                      runs.attack_node)
    detection = 1 - exact_acceptance(runs)
    expected = np.array([physics.detection_given_hit(attack, k * Q) for k in range(8)])
    assert np.allclose(detection, expected, atol=1e-9)
    assert detection.mean() == pytest.approx(0.5, abs=1e-12)
    assert np.allclose(1 - run_acceptance(runs), expected, atol=1e-12)


def test_trap_attack_does_not_touch_the_computation() -> None:
    prog = line_program(2 * Q, Q).with_trap_region(4)
    runs = draw_runs(prog, 6, 9, traps=2, attack="x", attack_on="trap")
    for dist in exact_output_distribution(runs):
        assert dist["0"] == pytest.approx(physics.ubqc_line_p0(2 * Q, Q), abs=1e-9)


def test_traps_that_do_not_fit_the_graph_are_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        draw_runs(brickwork_program("x 0; cx 0 1"), 3, traps=1)  # no room at all
    with pytest.raises(ValueError, match="do not fit"):
        draw_runs(line_program(0, 0).with_trap_region(5), 3, traps=4)  # path of 5: at most 3
    with pytest.raises(ValueError, match="attack_on"):
        draw_runs(line_program(0, 0), 3, attack="z", attack_on="trap")
    with pytest.raises(ValueError, match="link_fidelity"):
        blind_circuit(line_program(0, 0).pattern, link_fidelity=1.5)
