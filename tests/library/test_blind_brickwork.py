"""library.blind.brickwork: the BFK brickwork geometry."""

from __future__ import annotations

from qnet_circuits.library.blind import brickwork_graph


def test_brickwork_vertical_edges_follow_bfk_rule() -> None:
    rows, cols = 4, 13
    g = brickwork_graph(rows, cols)
    expected = set()
    for i in range(1, rows):  # BFK, 1-indexed: j = 3 mod 8 for odd i, j = 7 mod 8 for even i
        for j in range(1, cols + 1):
            if (j % 8 == 3 and i % 2 == 1) or (j % 8 == 7 and i % 2 == 0):
                for jj in (j, j + 2):
                    if jj <= cols:
                        expected.add(((i - 1, jj - 1), (i, jj - 1)))
    vertical = {tuple(sorted(e)) for e in g.edges if e[0][1] == e[1][1]}
    assert vertical == expected
    assert g.number_of_edges() == rows * (cols - 1) + len(expected)
    assert max(dict(g.degree).values()) == 3
