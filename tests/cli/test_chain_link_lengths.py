"""``qnet chain --link-lengths``: unequal links from the command line, with the exact theory of
unequal cycle times (physics.chain_unequal) beside the simulation; bad lists are one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qnet_circuits.protocols.chain import ChainParams

K = 5.0


def _qnet(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnet_circuits.cli", *argv], capture_output=True,
                          text=True, timeout=300)


def _json(*argv: str) -> dict:
    proc = _qnet(*argv, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_equal_link_lengths_are_the_uniform_chain():
    common = ("--t2", "0.01", "--link-fidelity", "0.97", "--shots", "600", "--seed", "4")
    a = _json("chain", "--links", "2", "--length-km", "30", *common)
    b = _json("chain", "--link-lengths", "30,30", *common)
    assert b.pop("link_lengths_km") == [30.0, 30.0]
    assert b.pop("length_km") == 25.0 and a.pop("length_km") == 30.0  # replaced by the list
    for out in (a, b):
        out.pop("wall_s")
        out.pop("provenance", None)
    assert a == b


def test_unequal_links_have_the_exact_theory_beside_the_simulation():
    out = _json("chain", "--link-lengths", "20,40,20", "--t1", "0.004", "--t2", "0.002",
                "--link-fidelity", "0.97", "--strategy", "asap", "--shots", "1500", "--seed", "3")
    th = out["theory"]
    assert out["links"] == 3 and th["fidelity_method"] == "exact"
    assert th["total_length_km"] == pytest.approx(80.0)
    # the mean of T = max_l (tau_l G_l + c_l) for 20/40/20 km asap (checked against 20,000
    # sampled timelines in tests/protocols/test_chain_unequal_theory.py)
    assert th["mean_delivery_time_s"] == pytest.approx(2.9340e-3, rel=1e-4)
    assert abs(out["fidelity"] - th["fidelity_expected"]) <= K * out["fidelity_stderr"]
    d = out["delivery_time_s"]
    assert abs(d["mean_s"] - th["mean_delivery_time_s"]) <= K * d["stderr_s"]


def test_params_and_network_follow_the_lengths():
    p = ChainParams(links=3, link_lengths_km=[10, 25.5, 0])
    assert p.link_lengths_km == (10.0, 25.5, 0.0)
    assert [lk.fiber.length_km for lk in p.network().links] == [10.0, 25.5, 0.0]


@pytest.mark.parametrize("argv, needle", [
    (("--links", "2", "--link-lengths", "20,40,20"), "one length per link"),
    (("--link-lengths", "20,-5"), "link_lengths_km[1]"),
    (("--link-lengths", "20,inf"), "link_lengths_km[1]"),
    (("--link-lengths", "20,abc"), "comma-separated lengths"),
])
def test_bad_link_lengths_are_one_line(argv, needle):
    proc = _qnet("chain", *argv)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr, proc.stderr
