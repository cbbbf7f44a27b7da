"""Issue 12 item 8: a chain's device form on a 133-qubit fake device grows linearly in the number
of links (ISA two-qubit gates and depth) at constant width (qubit reuse)."""

from __future__ import annotations

import pytest

from qnet_hardware.scale import chain_isa_scale, linear_fit

LINKS = [3, 6, 9, 12]


@pytest.fixture(scope="module")
def rows():
    return chain_isa_scale("fake_torino", LINKS)


def test_width_is_constant_and_logical_gates_are_exactly_linear(rows):
    assert {r.width for r in rows} == {7}  # 2 end qubits, 2 x 2 repeater qubits, 1 ancilla
    assert {r.physical_qubits for r in rows} == {7}
    assert [r.ideal_two_qubit for r in rows] == [2 * n - 1 for n in LINKS]


def test_isa_two_qubit_count_and_depth_grow_linearly(rows):
    two_q = [r.isa_two_qubit for r in rows]
    depth = [r.depth for r in rows]
    fit_2q, fit_depth = linear_fit(LINKS, two_q), linear_fit(LINKS, depth)
    assert fit_depth["r2"] > 0.98 and 10 < fit_depth["slope"] < 30
    assert fit_2q["r2"] > 0.85 and 2 <= fit_2q["slope"] < 10
    # linear, not quadratic: doubling the links (6 -> 12) at most about doubles the counts
    assert two_q[3] / two_q[1] < 2.5 and depth[3] / depth[1] < 2.5
    assert all(q <= 8 * n for q, n in zip(two_q, LINKS, strict=True))


def test_the_benchmark_runs_in_quick_mode(monkeypatch, capsys):
    import runpy
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "chain_device_scale.py"
    monkeypatch.setenv("QNET_QUICK", "1")
    monkeypatch.setattr(sys, "argv", [str(script)])
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert "isa_two_qubit    slope" in out and "width [5, 7]\n" in out
    assert "line form" in out and "isa_two_qubit    slope 2.00 per link" in out
    assert "width [5, 7, 9, 11, 13]" in out
    assert "4-link chain, 600 shots on fake_torino (ideal memories)" in out
