"""qnet compare-qkd: the four designs' closed forms, and simulated BB84 points beside them."""

from __future__ import annotations

import json
import math

import pytest

from qnet_circuits import physics
from qnet_circuits.cli import main
from qnet_circuits.protocols import compare_qkd


@pytest.fixture(scope="module")
def table():
    return compare_qkd.run(compare_qkd.CompareParams(lengths_km=(50.0, 100.0, 600.0)),
                           shots=2_000_000, seed=3)


def test_direct_and_relay_are_the_optimized_decoy_rates(table):
    ch = physics.GYS
    for row in table.rows:
        length, hops = row["length_km"], row["relay_hops"]
        assert hops == math.ceil(length / 80.0)
        direct = physics.decoy_optimal_mu(length, ch, "vacuum-weak")[1] * 1e9
        hop = physics.decoy_optimal_mu(length / hops, ch, "vacuum-weak")[1] * 1e9
        assert row["direct_bb84_hz"] == pytest.approx(direct, rel=1e-12)
        assert row["relay_bb84_hz"] == pytest.approx(hop, rel=1e-12)
        # nothing repeaterless beats PLOB of the fiber; trusted nodes can
        assert row["direct_bb84_hz"] <= row["plob_hz"]
    assert table.rows[2]["direct_bb84_hz"] == 0.0  # 600 km is beyond BB84's maximal distance
    assert table.rows[2]["relay_bb84_hz"] > table.rows[2]["plob_hz"]


def test_repeater_rows_are_the_chain_closed_forms(table):
    one, two = table.rows[0], table.rows[1]
    assert one["repeater_links"] == 1 and two["repeater_links"] == 2
    p, tau = one["repeater_p_link"], 250e-6  # double-click over 50 km: L/c out and back
    assert one["repeater_pairs_hz"] == pytest.approx(p / tau, rel=1e-9)
    # two equal links, sequential: tau (3 - 2p) / (p (2 - p)) plus one hop's classical message
    expected_t = tau * (3 - 2 * p) / (p * (2 - p)) + 50.0 / 2e5
    assert two["repeater_pairs_hz"] == pytest.approx(1 / expected_t, rel=1e-9)
    w = physics.werner_w(0.99) ** 2
    fraction = (1 - 2 * physics.binary_entropy((1 - w) / 2)) / 2
    assert two["repeater_hz"] == pytest.approx(fraction / expected_t, rel=1e-9)


def test_simulated_points_agree_with_the_closed_forms(table):
    for row in table.rows:
        for key in ("direct", "relay"):
            value, err = row[f"{key}_bb84_sim_hz"], row[f"{key}_bb84_sim_hz_stderr"]
            theory = row[f"{key}_bb84_hz"]
            if theory == 0:
                assert value == 0
            else:
                assert err > 0 and abs(value - theory) <= 5 * err


def test_cli_json_plot_and_bad_input(tmp_path, capsys):
    out = tmp_path / "cmp.png"
    assert main(["compare-qkd", "--lengths", "100,1000", "--plot", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [r["relay_hops"] for r in printed["rows"]] == [2, 13] and out.stat().st_size > 0
    for argv in (["--lengths", "0"], ["--link-fidelity", "2"], ["--decoy", "many"],
                 ["--plot", str(tmp_path)], ["--relay-hop-km", "-5"]):
        assert main(["compare-qkd", *argv]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
