"""``qnet chain --dark-count``: the detectors' dark counts reach the chain (network, circuits and
closed forms), the photonic level prints a closed-form fidelity and delivery time with them, and
values that cannot apply are refused in one line (exit 2)."""

from __future__ import annotations

import json
import math

import pytest

from qnet_circuits.cli import main
from qnet_circuits.network import chain
from qnet_circuits.protocols.chain import ChainParams

K = 5.0  # tolerance in standard errors


def _json(argv, capsys):
    assert main(["chain", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def _within(out):
    th = out["theory"]
    assert th["fidelity_method"] == "exact"
    assert abs(out["fidelity"] - th["fidelity"]) <= K * out["fidelity_stderr"]
    d = out["delivery_time_s"]
    assert abs(d["mean_s"] - th["mean_delivery_time_s"]) <= K * d["stderr_s"]


def test_dark_counts_reach_the_chain_and_its_theory(capsys):
    common = ["--links", "2", "--length-km", "10", "--scheme", "double-click", "--t1", "3e-3",
              "--t2", "1e-3", "--shots", "1500", "--seed", "11"]
    dark = _json([*common, "--dark-count", "0.02"], capsys)
    clean = _json(common, capsys)
    assert dark["dark_count"] == 0.02 and "dark_count" not in clean
    link = ChainParams(links=2, length_km=10.0, dark_count_prob=0.02).network().links[0]
    assert link.detector.dark_count_prob == 0.02
    assert link == chain(2, 10.0, dark_count_prob=0.02).links[0]
    _within(dark)
    _within(clean)
    # the option is honoured: dark counts lower the closed-form fidelity (0.754 -> 0.670)
    assert clean["theory"]["fidelity"] - dark["theory"]["fidelity"] > 0.05


def test_photonic_chain_with_dark_counts_prints_its_closed_forms(capsys):
    out = _json(["--link-level", "photonic", "--links", "1", "--length-km", "10", "--scheme",
                 "single-click", "--dark-count", "0.02", "--detector-efficiency", "0.9",
                 "--t1", "3e-3", "--t2", "1e-3", "--shots", "300", "--seed", "4"], capsys)
    assert out["link_level"] == "photonic" and out["dark_count"] == 0.02
    assert math.isfinite(out["theory"]["fidelity"])
    _within(out)


@pytest.mark.parametrize(("argv", "words"), [
    (["--scheme", "midpoint", "--dark-count", "0.01"], "--dark-count"),
    (["--dark-count", "1.5"], "dark_count_prob"),
])
def test_bad_dark_counts_are_one_line(argv, words, capsys):
    assert main(["chain", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
