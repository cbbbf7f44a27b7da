"""Every "Bad input" case of issue 17 through the CLI: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import sqlite3
import time

import pytest

from qnet_circuits.cli import main
from qnet_circuits.sweeps import SCHEMA_VERSION, SweepStore


def _code(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr()


def _one_line(argv, capsys, message):
    code, out = _code(argv, capsys)
    assert code == 2, (code, out.err)
    assert len(out.err.strip().splitlines()) == 1 and "Traceback" not in out.err, out.err
    assert message in out.err, out.err
    return out.err


SWAP = ["sweep", "swap", "--no-progress", "--max-shots", "200", "--shots", "100"]


@pytest.mark.parametrize("argv, message", [
    (["--grid", "fidelty=0.9"], "unknown parameter 'fidelty' for task swap; valid: fidelity, "),
    ([], "the grid is empty: give at least one --grid NAME=VALUES"),
    (["--grid", "fidelity="], "no values in ''"),
    (["--grid", "fidelity=0.5:0.9:0"], "range 0.5:0.9:0 has step 0"),
    (["--grid", "fidelity=0.9:0.5:0.1"], "range 0.9:0.5:0.1 never reaches its stop"),
    (["--grid", "fidelity=0.9", "--target-stderr", "0"], "target_stderr must be a number > 0, got 0"),
    (["--grid", "fidelity=0.9", "--target-stderr", "-0.01"], "target_stderr must be a number > 0"),
])
def test_grid_and_target_errors(capsys, argv, message):
    _one_line([*SWAP, *argv], capsys, message)


def test_store_from_an_incompatible_version_names_both_versions(tmp_path, capsys):
    old = tmp_path / "old.sqlite"
    SweepStore(old).close()
    with sqlite3.connect(old) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
        db.execute("UPDATE meta SET value = '0.1.0' WHERE key = 'package_version'")
    err = _one_line([*SWAP, "--grid", "fidelity=0.9", "--store", str(old)], capsys,
                    "was written with store schema 0 (qnet-circuits 0.1.0)")
    assert f"reads schema {SCHEMA_VERSION}: use a new store file" in err


def test_store_that_is_not_sqlite(tmp_path, capsys):
    bad = tmp_path / "results.sqlite"
    bad.write_bytes(b"PK\x03\x04 a zip, not a database" * 40)
    _one_line([*SWAP, "--grid", "fidelity=0.9", "--store", str(bad)], capsys, "is not an SQLite sweep store")
    _one_line(["plot", str(bad), "--x", "fidelity"], capsys, "is not an SQLite sweep store")


def test_scheduler_that_does_not_answer_times_out_in_one_line(capsys):
    pytest.importorskip("distributed")
    start = time.monotonic()
    _one_line([*SWAP, "--grid", "fidelity=0.9", "--scheduler", "tcp://127.0.0.1:9",
               "--scheduler-timeout", "2"], capsys,
              "dask scheduler tcp://127.0.0.1:9 did not answer within 2 s")
    assert time.monotonic() - start < 15


def test_scheduler_that_accepts_but_stays_silent_times_out(capsys):
    """A port that accepts TCP connections but never speaks Dask's protocol: the timeout, not a hang."""
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        start = time.monotonic()
        _one_line([*SWAP, "--grid", "fidelity=0.9", "--scheduler", f"tcp://127.0.0.1:{port}",
                   "--scheduler-timeout", "1.5"], capsys,
                  f"dask scheduler tcp://127.0.0.1:{port} did not answer within 1.5 s")
        assert time.monotonic() - start < 12
