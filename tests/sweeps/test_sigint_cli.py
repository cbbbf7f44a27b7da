"""Ctrl-C (SIGINT to the whole process group, as a terminal sends it) of ``qnet sweep --store``,
serial and with two worker processes: one line on stderr, exit 130, no traceback from the CLI or
its workers, the finished chunks kept in an intact store, and the same command resumed gives the
table of an uninterrupted sweep."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from qnet_circuits.sweeps import sweep
from tests.sweeps.test_sigkill_cli import ARGV, GRID, KW, _count, _qnet


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_of_a_cli_sweep_stops_cleanly_then_resumes(tmp_path, workers):
    whole = sweep("swap", GRID, **KW)
    total = int(whole.chunks.sum())
    argv = [a if a != "2" or ARGV[i - 1] != "--workers" else workers for i, a in enumerate(ARGV)]
    path = tmp_path / "interrupted.sqlite"
    proc = subprocess.Popen(_qnet(*argv, "--store", str(path)), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _count(path) < 4 and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    done = _count(path)
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "interrupted" in err and "resume" in err
    assert 4 <= done < total, (done, total)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    res = subprocess.run(_qnet(*argv, "--store", str(path), "--json"), capture_output=True,
                         text=True, timeout=120, check=True)
    rows = json.loads(res.stdout)["rows"]
    keys = ["fidelity", "gate_error", "estimate", "stderr", "theory", "shots", "chunks"]
    assert [{k: r[k] for k in keys} for r in rows] == whole[keys].to_dict(orient="records")
