"""``qnet sweep`` and ``qnet plot``: JSON rows equal the API's table, a resumed store, the plot file,
and one-line errors (exit 2) for bad grids, targets, stores and schedulers."""

from __future__ import annotations

import json

import pytest

from qnet_circuits.cli import main
from qnet_circuits.sweeps import parse_values, sweep

ARGV = ["sweep", "chain", "--grid", "links=2", "--grid", "length-km=10:30:20", "--grid", "t2-s=0.05",
        "--target-stderr", "0.02", "--max-shots", "1500", "--shots", "500", "--seed", "4",
        "--no-progress", "--json"]


def _code(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr()


def test_json_rows_are_the_api_table_and_plot_draws_the_store(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    code, out = _code([*ARGV, "--store", str(store), "--export", str(tmp_path / "t.csv")], capsys)
    assert code == 0, out.err
    printed = json.loads(out.out)
    table = sweep("chain", {"links": [2], "length_km": [10.0, 30.0], "t2_s": [0.05]},
                  target_stderr=0.02, max_shots=1500, chunk_shots=500, seed=4)
    keys = ["links", "length_km", "estimate", "stderr", "theory", "shots"]
    assert [{k: r[k] for k in keys} for r in printed["rows"]] == table[keys].to_dict(orient="records")
    assert (tmp_path / "t.csv").read_text().startswith("links,length_km,t2_s,task")
    code, out = _code(["plot", str(store), "--x", "length-km", "--y", "fidelity", "--out",
                       str(tmp_path / "fig.png"), "--json"], capsys)
    assert code == 0, out.err
    drawn = json.loads(out.out)
    assert drawn["points"] == 2 and drawn["series"] == 1
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("extra, message", [
    (["--grid", "lenght-km=10"], "unknown parameter 'lenght_km' for task chain; valid: links, length_km"),
    (["--grid", "length-km=10:100:0"], "range 10:100:0 has step 0"),
    (["--grid", "length-km=100:10:10"], "never reaches its stop"),
    (["--target-stderr", "0"], "target_stderr must be a number > 0"),
    (["--grid", "links"], "--grid must be NAME=VALUES"),
])
def test_bad_input_is_one_line(capsys, extra, message):
    code, out = _code(["sweep", "chain", "--grid", "links=2", *extra, "--no-progress"], capsys)
    assert code == 2 and len(out.err.strip().splitlines()) == 1 and message in out.err, out.err


def test_bad_store_and_silent_scheduler_are_one_line(tmp_path, capsys):
    bad = tmp_path / "x.sqlite"
    bad.write_text("not a database\n" * 100)
    code, out = _code(["sweep", "swap", "--grid", "fidelity=0.9", "--store", str(bad)], capsys)
    assert code == 2 and "is not an SQLite sweep store" in out.err
    assert len(out.err.strip().splitlines()) == 1
    pytest.importorskip("distributed")
    code, out = _code(["sweep", "swap", "--grid", "fidelity=0.9", "--scheduler", "tcp://127.0.0.1:9",
                       "--scheduler-timeout", "1"], capsys)
    assert code == 2 and "dask scheduler tcp://127.0.0.1:9 did not answer within 1 s" in out.err
    assert len(out.err.strip().splitlines()) == 1
    code, out = _code(["plot", str(tmp_path / "missing.sqlite"), "--x", "fidelity"], capsys)
    assert code == 2 and "does not exist" in out.err


def test_float_ranges_are_inclusive_and_clean():
    assert parse_values("0.1:0.3:0.1") == [0.1, 0.2, 0.3]
    assert parse_values("10:100:10")[-1] == 100 and len(parse_values("10:100:10")) == 10
