"""The SQLite store: resume skips finished chunks, SIGKILL loses nothing, bad files refused."""

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from qnet_circuits.sweeps import SweepStore, sweep
from qnet_circuits.sweeps.examples import coin

GRID = {"p": [0.1, 0.3, 0.5, 0.7], "delay_s": [0.02]}
KW = dict(target_stderr=0.012, max_shots=20_000, chunk_shots=200, seed=3)


def _same(a, b):
    return a.drop(columns="wall_s").equals(b.drop(columns="wall_s"))


def _count(path):
    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    except sqlite3.OperationalError:  # the sweep has not created its tables yet
        return 0


def test_rerun_skips_finished_chunks_and_keys_do_not_mix(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    first = sweep(coin, {"p": [0.2, 0.4]}, store=path, max_shots=600, chunk_shots=200, seed=1)
    assert _count(path) == 6
    import qnet_circuits.sweeps.api as api
    monkeypatch.setattr(api, "run_chunk", lambda *a: pytest.fail("a finished chunk ran again"))
    again = sweep(coin, {"p": [0.2, 0.4]}, store=path, max_shots=600, chunk_shots=200, seed=1)
    assert first.equals(again)  # wall_s too: it comes from the store
    monkeypatch.undo()
    other = sweep(coin, {"p": [0.2]}, store=path, max_shots=600, chunk_shots=200, seed=2)
    assert _count(path) == 9 and other.estimate[0] != first.estimate[0]
    with SweepStore(path) as store:
        assert len(store.points()) == 3


def test_sigkill_mid_sweep_then_restart_gives_the_uninterrupted_table(tmp_path):
    whole = sweep(coin, GRID, store=tmp_path / "whole.sqlite", **KW)
    assert whole.chunks.sum() >= 20
    path = tmp_path / "killed.sqlite"
    script = textwrap.dedent(f"""
        from qnet_circuits.sweeps import sweep
        from qnet_circuits.sweeps.examples import coin
        sweep(coin, {GRID!r}, store={str(path)!r}, **{KW!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not path.exists() or _count(path) < 8):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _count(path)
    assert 8 <= done < whole.chunks.sum(), done
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    resumed = sweep(coin, GRID, store=path, **KW)
    assert _same(resumed, whole)


def test_not_sqlite_and_incompatible_version_refused(tmp_path):
    bad = tmp_path / "notes.sqlite"
    bad.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(ValueError, match=r"store .*notes.sqlite is not an SQLite sweep store"):
        sweep(coin, {"p": [0.5]}, store=bad)
    old = tmp_path / "old.sqlite"
    SweepStore(old).close()
    with sqlite3.connect(old) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(ValueError, match=r"old.sqlite was written with store schema 0 \(qnet-circuits "):
        SweepStore(old)


def test_export_csv_and_parquet(tmp_path):
    path = tmp_path / "s.sqlite"
    table = sweep(coin, {"p": [0.25, 0.75]}, store=path, max_shots=400, chunk_shots=200)
    import pandas as pd
    with SweepStore(path) as store:
        csv = pd.read_csv(store.export(tmp_path / "t.csv"))
        assert csv.estimate.tolist() == table.estimate.tolist()
        pytest.importorskip("pyarrow")
        parquet = pd.read_parquet(store.export(tmp_path / "t.parquet"))
        assert parquet.drop(columns="wall_s").equals(table.drop(columns="wall_s"))
        with pytest.raises(ValueError, match="must end in .csv or .parquet"):
            store.export(tmp_path / "t.xlsx")
