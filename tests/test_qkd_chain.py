"""QKD across a repeater chain: the scheduler's end-to-end pair is the source (issue 5, --links)."""

import math

import pytest

from qnet_circuits import physics
from qnet_circuits.cli import main


def _run(capsys, *argv):
    import json

    assert main(["qkd", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_e91_across_four_links_matches_the_chain_closed_form(capsys):
    r = _run(capsys, "--protocol", "e91", "--links", "4", "--length-km", "20", "--fidelity", "0.99",
             "--pairs", "180000", "--seed", "5", "--sampling", "exact")
    w_end = physics.werner_w(0.99) ** 4  # reference section 4: w_out = prod w_i for Werner links
    assert r["chain"]["fidelity_end_theory"] == pytest.approx(physics.fidelity_from_w(w_end))
    assert abs(r["S"] - 2 * math.sqrt(2) * w_end) <= 4 * r["S_stderr"]
    for basis, q in r["qber"].items():
        n = r["pairs"] / 9  # each of E91's two key settings is drawn in 1/9 of the rounds
        q_th = (1 - w_end) / 2
        assert abs(q - q_th) <= 4 * math.sqrt(q_th * (1 - q_th) / n), basis
    assert r["delivery_rate_hz"] == pytest.approx(r["chain"]["delivery_rate_hz"])
    assert not r["aborted"] and r["keys_match"]


def test_chain_source_rejects_the_single_link_heralded_source(capsys):
    assert main(["qkd", "--links", "3", "--source", "link"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--source link" in err
