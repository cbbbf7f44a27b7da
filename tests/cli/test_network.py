"""``qnet network``: routes in the JSON are the closed-form routes; files, drawing, saving; bad
input is one line on stderr and exit 2."""

from __future__ import annotations

import json

import pytest

from qnet_circuits.cli import main
from qnet_circuits.network import grid, load, save
from qnet_circuits.scheduler.routing import route


def test_grid_route_json_is_the_routing_result(capsys):
    argv = ["network", "--topology", "grid:3x3", "--route", "alice", "bob", "--metric", "fidelity",
            "--t2", "0.01", "--gate-error", "0.01", "--k", "2", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    net = grid(3, 3, 10.0, t2_s=0.01, gate_error=0.01)
    expected = [r.to_dict() for r in route(net, "alice", "bob", metric="fidelity", k=2)]
    got = out["requests"][0]["routes"]
    assert [r["fidelity"] for r in got] == pytest.approx([r["fidelity"] for r in expected])
    assert [r["hops"] for r in got] == [4, 4] and out["nodes"] == 9 and out["links"] == 12
    for r in got:
        assert {"rate_hz", "fidelity", "hops", "length_km", "path"} <= set(r)


def test_file_draw_and_save(tmp_path, capsys):
    save(grid(2, 3, 5.0), tmp_path / "net.yaml")
    png, out = tmp_path / "net.png", tmp_path / "copy.graphml"
    assert main(["network", "--graph", str(tmp_path / "net.yaml"), "--route", "alice", "bob",
                 "--metric", "hops", "--draw", str(png), "--save", str(out)]) == 0
    text = capsys.readouterr().out
    assert "alice -> bob by hops" in text and "3 hops" in text
    assert png.stat().st_size > 1000 and load(out) == load(tmp_path / "net.yaml")


@pytest.mark.parametrize("argv", [
    ["--topology", "grid:3"], ["--topology", "torus:4"],
    ["--topology", "grid:3x3", "--route", "alice", "zed"],
    ["--topology", "grid:3x3", "--route", "alice", "alice"],
    ["--topology", "grid:3x3", "--route", "alice", "bob", "--memories", "1"],
    ["--topology", "grid:3x3", "--route", "alice", "bob", "--gate-error", "0.05",
     "--fidelity-target", "0.99"],
    ["--graph", "missing.yaml"],
])
def test_bad_input_is_one_line(capsys, argv):
    try:
        code = main(["network", *argv])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_file_in_the_wrong_format(tmp_path, capsys):
    (tmp_path / "n.json").write_text("nodes: {a: {}}\n")
    assert main(["network", "--graph", str(tmp_path / "n.json")]) == 2
    assert "not valid JSON: line 1 column 1" in capsys.readouterr().err
