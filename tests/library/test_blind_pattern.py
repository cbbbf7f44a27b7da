"""library.blind.pattern and base: flow conditions, angles in {k pi/4}, the delta multiset."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest

from qnet_circuits.library.blind import (
    MeasurementPattern,
    delta_multiset,
    line_program,
    parse_angle,
    parse_program,
)

Q = math.pi / 4


@pytest.mark.parametrize("k", range(8))
def test_each_delta_occurs_exactly_twice_over_the_16_secrets(k: int) -> None:
    for s_x, s_z in itertools.product((0, 1), repeat=2):
        assert delta_multiset(k * Q, s_x, s_z) == {j: 2 for j in range(8)}


def test_angles_must_be_multiples_of_pi_over_4() -> None:
    with pytest.raises(ValueError, match="phi1 must be a multiple of pi/4"):
        line_program(0.3, Q)
    with pytest.raises(ValueError, match="multiple of pi/4"):
        parse_program("rz(pi/8) 0")
    with pytest.raises(ValueError, match="multiple of pi/4"):
        MeasurementPattern.from_graph(nx.path_graph(2), {0: 0.1}, {0: 1}, [0], [1])
    assert parse_angle("-3*pi/4") == pytest.approx(-3 * Q)
    with pytest.raises(ValueError, match="cannot parse angle"):
        parse_angle("quarter")


def test_flow_violations_are_refused() -> None:
    g = nx.path_graph(3)
    with pytest.raises(ValueError, match="neighbour"):
        MeasurementPattern.from_graph(g, {0: 0, 1: 0}, {0: 2, 1: 2}, [0, 1], [2])
    with pytest.raises(ValueError, match="after it"):
        MeasurementPattern.from_graph(g, {1: 0, 0: 0}, {1: 0, 0: 1}, [1, 0], [2])
    g2 = nx.Graph([(0, 1), (1, 2), (1, 3), (3, 4)])
    with pytest.raises(ValueError, match="flow condition violated"):
        MeasurementPattern.from_graph(g2, {0: 0, 3: 0, 1: 0}, {3: 4, 0: 1, 1: 2},
                                      [3, 0, 1], [2, 4])
