"""``qnet network --request``: several requests served at once, printed beside theory, the
drawing after a run; bad input is one line on stderr and exit 2."""

from __future__ import annotations

import json

import pytest

from qnet_circuits.cli import main
from qnet_circuits.cli.network import parse_request
from qnet_circuits.network import save
from qnet_circuits.network.topologies import from_spec
from qnet_circuits.protocols import network_requests as nr


def test_json_is_the_protocol_result(capsys):
    argv = ["network", "--topology", "star:3", "--request", "u1", "u2", "--request", "u3", "u2",
            "--policy", "fair", "--metric", "hops", "--pairs", "80", "--seed", "5", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)["schedule"]
    res = nr.schedule_network(from_spec("star:3", 10.0), [("u1", "u2"), ("u3", "u2")],
                              policy="fair", metric="hops", pairs=80, seed=5)
    assert [r["rate_hz"] for r in out["requests"]] == pytest.approx(
        [r.rate_hz.value for r in res.requests])
    assert [r["fidelity"] for r in out["requests"]] == [r.fidelity.value for r in res.requests]
    assert out["policy"] == "fair" and out["groups"] == [[0, 1]]
    for r in out["requests"]:
        assert r["rate_hz"] == pytest.approx(r["theory"]["rate_hz"],
                                             abs=5 * r["rate_hz_stderr"])


def test_text_draw_and_a_file_graph(tmp_path, capsys):
    save(from_spec("grid:3x3", 10.0, t2_s=0.05, t1_s=0.1), tmp_path / "g.yaml")
    png = tmp_path / "served.png"
    assert main(["network", "--graph", str(tmp_path / "g.yaml"), "--request", "alice", "bob",
                 "0.5", "10", "--request", "n0_2", "n2_0", "--metric", "fidelity", "--pairs",
                 "40", "--seed", "2", "--draw", str(png)]) == 0
    text = capsys.readouterr().out
    assert "2 requests served at once (fifo" in text and "Jain fairness" in text
    assert "demand 10 Hz met" in text and "memory occupancy" in text
    assert png.stat().st_size > 1000


def test_parse_request():
    assert parse_request(["a", "b"], 0.8) == ("a", "b", 0.8, None)
    assert parse_request(["a", "b", "0.9", "50"]) == ("a", "b", 0.9, 50.0)
    with pytest.raises(ValueError, match="F_TARGET must be a number"):
        parse_request(["a", "b", "high"])
    with pytest.raises(ValueError, match="give SRC DST"):
        parse_request(["a"])


@pytest.mark.parametrize("argv", [
    ["--topology", "grid:3x3", "--request", "alice", "zed"],
    ["--topology", "grid:3x3", "--request", "alice", "alice"],
    ["--topology", "grid:3x3", "--request", "alice"],
    ["--topology", "grid:3x3", "--request", "alice", "bob", "x"],
    ["--topology", "grid:3x3", "--request", "alice", "bob", "--memories", "0"],
    ["--topology", "grid:3x3", "--request", "alice", "bob", "--memories", "1"],
    ["--topology", "grid:3x3", "--request", "alice", "bob", "--gate-error", "0.05",
     "--fidelity-target", "0.99"],
    ["--topology", "grid:3x3", "--request", "alice", "bob", "0.999", "--gate-error", "0.05"],
    ["--topology", "grid:3x3", "--request", "alice", "bob", "--pairs", "0"],
    ["--topology", "grid:3x3", "--request", "alice", "bob", "--shots", "10"],
    ["--topology", "random:12:0.05", "--request", "n0", "n1"],
])
def test_bad_input_is_one_line(capsys, argv):
    try:
        code = main(["network", *argv])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
