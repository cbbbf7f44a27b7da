"""SIGKILL of ``qnet sweep --workers 2 --store`` (the CLI, a process pool, a protocol task): the
whole process group killed after some chunks are stored, the store stays intact, and the same
command resumed gives the table of an uninterrupted sweep."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from qnet_circuits.sweeps import sweep

GRID = {"fidelity": [0.95, 0.9, 0.85, 0.8], "gate_error": [0.0, 0.02]}
KW = dict(target_stderr=0.01, max_shots=4000, chunk_shots=200, seed=8)
ARGV = ["sweep", "swap", "--grid", "fidelity=0.95,0.9,0.85,0.8", "--grid", "gate-error=0,0.02",
        "--target-stderr", "0.01", "--max-shots", "4000", "--shots", "200", "--seed", "8",
        "--workers", "2", "--no-progress"]


def _count(path) -> int:
    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def _qnet(*argv: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from qnet_circuits.cli import main; sys.exit(main())", *argv]


def test_sigkill_of_a_two_process_cli_sweep_then_resume(tmp_path):
    whole = sweep("swap", GRID, **KW)
    total = int(whole.chunks.sum())
    path = tmp_path / "killed.sqlite"
    proc = subprocess.Popen(_qnet(*ARGV, "--store", str(path)), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _count(path) < 6 and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and both pool workers, mid-write or not
    proc.wait()
    done = _count(path)
    assert proc.returncode == -signal.SIGKILL
    assert 6 <= done < total, (done, total)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    out = subprocess.run(_qnet(*ARGV, "--store", str(path), "--json"), capture_output=True, text=True,
                         timeout=120, check=True)
    rows = json.loads(out.stdout)["rows"]
    keys = ["fidelity", "gate_error", "estimate", "stderr", "theory", "shots", "chunks"]
    assert [{k: r[k] for k in keys} for r in rows] == whole[keys].to_dict(orient="records")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
