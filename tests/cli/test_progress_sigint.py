"""Long single runs: a progress bar on stderr (``--progress``, or a terminal) and Ctrl-C that stops
within about a second with the result of what finished, marked partial, exit 130, no traceback
(issue 13 item 1). Subprocesses get SIGINT on their process group, as a terminal sends it."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qnet_circuits.cli import _show_progress
from qnet_circuits.run import AerRunner, progress
from qnet_circuits.run import aer as aer_module

K = 5
ROOT = Path(__file__).resolve().parents[2]


def _interrupt(tmp_path, argv: list[str], ready: str, count: int) -> tuple[int, str, str, float]:
    """Start ``qnet ARGV``, wait until the bar on stderr shows ``count`` ``ready`` units done,
    SIGINT the group; (exit code, stdout, stderr, seconds from the signal to the exit)."""
    err_path = tmp_path / "stderr.txt"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("QNET_QUICK", None)
    with open(err_path, "w") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "qnet_circuits.cli", *argv],
                                stdout=subprocess.PIPE, stderr=err_file, text=True, cwd=ROOT,
                                env=env, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if _done(err_path.read_text(errors="replace"), ready) >= count:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        sent = time.monotonic()
        out, _ = proc.communicate(timeout=60)
        latency = time.monotonic() - sent
    return proc.returncode, out, err_path.read_text(errors="replace"), latency


def _done(err: str, unit: str) -> int:
    """The largest ``N/M unit`` count a tqdm bar wrote so far."""
    best = 0
    for part in err.replace("\r", "\n").split("\n"):
        if unit in part and "/" in part and "|" in part:
            try:
                best = max(best, int(part.split("|")[2].split("/")[0].strip()))
            except (IndexError, ValueError):
                continue
    return best


def _last_line(err: str) -> str:
    return err.replace("\r", "\n").strip().splitlines()[-1]


def test_ctrl_c_of_a_long_chain_prints_the_partial_result(tmp_path):
    """8 links with T1/T2: 5 to 25 s for 8,000 pairs here (20,000 asked, so the signal never lands
    in the last chunk); stopped after the first few hundred."""
    argv = ["chain", "--links", "8", "--t1", "1", "--t2", "1", "--shots", "20000", "--seed", "5",
            "--json", "--progress"]
    code, out, err, latency = _interrupt(tmp_path, argv, "pairs", 300)
    assert code == 130, err
    assert "Traceback" not in err
    line = _last_line(err)
    assert line.startswith("qnet chain: interrupted after ") and "of 20000 shots" in line, line
    assert "partial" in line
    result = json.loads(out)
    assert result["partial"] is True and result["shots_requested"] == 20000
    assert 300 <= result["shots_done"] < 20000 and result["realizations"] == result["shots_done"]
    assert f"after {result['shots_done']} of 20000" in line
    assert latency < 10, latency  # about a second of simulation, plus the 8-link closed form
    f, se = result["fidelity"], result["fidelity_stderr"]
    assert 0 < se < 0.05 and math.isfinite(f)
    assert abs(f - result["theory"]["fidelity"]) <= K * se, (f, se, result["theory"]["fidelity"])


def test_ctrl_c_of_a_long_link_run_prints_its_text_table(tmp_path):
    argv = ["link", "--shots", "300000", "--seed", "2", "--progress"]
    code, out, err, latency = _interrupt(tmp_path, argv, "shots", 3 * 1024)
    assert code == 130 and "Traceback" not in err, err
    line = _last_line(err)
    assert line.startswith("qnet link: interrupted after ") and "of 300000 shots" in line, line
    done = int(line.split("after ")[1].split(" of")[0])
    assert done % 1024 == 0 and 1024 <= done < 300000  # whole blocks of every basis
    assert "p_success" in out or "success" in out, out
    assert f"PARTIAL RESULT: interrupted after {done} of 300000 shots" in out
    assert latency < 10, latency


def test_ctrl_c_of_teleport_keeps_every_state_equal(tmp_path):
    argv = ["teleport", "--fidelity", "0.9", "--shots", "200000", "--seed", "1", "--progress",
            "--json"]
    code, out, err, latency = _interrupt(tmp_path, argv, "shots", 6 * 1024)
    assert code == 130 and "Traceback" not in err, err
    result = json.loads(out)
    assert result["partial"] is True and result["shots_requested"] == 200000
    assert result["shots_done"] % 1024 == 0 and 1024 <= result["shots_done"] < 200000
    f, se, th = result["fidelity"], result["fidelity_stderr"], result["theory"]
    assert se > 0 and abs(f - th) <= K * se, (f, se, th)  # (2F + 1)/3 from the finished shots
    assert latency < 10, latency


def test_ctrl_c_where_no_partial_result_is_kept_is_one_line(tmp_path):
    """A relay key needs every hop: Ctrl-C keeps none and says how many hops finished."""
    argv = ["relay", "--hops", "6", "--shots", "2000000", "--seed", "1", "--progress"]
    code, out, err, latency = _interrupt(tmp_path, argv, "hops", 1)
    assert code == 130 and "Traceback" not in err, err
    assert out == ""
    line = _last_line(err)
    assert line.startswith("qnet relay: interrupted after ") and "no partial result" in line, line
    assert "of 6 hops" in line, line
    assert latency < 10, latency


# --------------------------------------------------------------------------------------------
# in process: the runner's stop and the bar's switch
# --------------------------------------------------------------------------------------------


def _rotation() -> tuple[QuantumCircuit, Parameter]:
    theta = Parameter("theta")
    qc = QuantumCircuit(1, 1)
    qc.ry(theta, 0)
    qc.measure(0, 0)
    return qc, theta


def test_a_stop_returns_finished_rows_only_where_a_caller_takes_them(monkeypatch):
    qc, theta = _rotation()
    table = {theta: np.linspace(0.1, 3.0, 40)}
    whole = AerRunner().run_bindings(qc, table, shots=5, seed=9)
    monkeypatch.setattr(progress, "chunk_rows", lambda history, cap, **kw: 4)
    with progress.monitored(enabled=False) as mon:
        mon.stop = True  # as the SIGINT handler sets it
        with progress.partial_ok():
            rows = AerRunner().run_bindings(qc, table, shots=5, seed=9)
        assert len(rows) == 4 and mon.truncated and mon.done == 20 and mon.total == 200
        assert all((a.bits["c"] == b.bits["c"]).all() for a, b in zip(rows, whole))
        with pytest.raises(progress.Interrupted):
            AerRunner().run_bindings(qc, table, shots=5, seed=9)
    assert progress.current() is None and not progress.stop_requested()


def test_a_stop_between_shot_blocks_leaves_every_circuit_equal(monkeypatch):
    qc = QuantumCircuit(1, 1)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):  # control flow: run shot by shot, in blocks
        qc.x(0)
    qc.h(0)
    qc.measure(0, 0)
    monkeypatch.setattr(aer_module, "RUN_SHOT_BLOCK", 7)
    whole = AerRunner().run([qc, qc], shots=50, seed=4)
    with progress.monitored(enabled=False) as mon:
        mon.stop = True
        with progress.partial_ok():
            part = AerRunner().run([qc, qc], shots=50, seed=4)
    assert [d.shots for d in part] == [7, 7] and (mon.shots_done, mon.shots_requested) == (7, 50)
    assert all((p.bits["c"] == w.bits["c"][:7]).all() for p, w in zip(part, whole))


def test_shot_blocks_change_no_result(monkeypatch):
    from qnet_circuits.protocols import link, purify, swap

    cases = [(link, link.LinkParams(length_km=20.0)),
             (swap, swap.SwapParams(fidelity=(0.95, 0.9), gate_error=0.02)),
             (purify, purify.PurifyParams(protocol="dejmps", fidelity=0.8, rounds=2))]
    whole = [mod.run(p, shots=900, seed=3).to_dict() for mod, p in cases]  # one call each
    monkeypatch.setattr(aer_module, "RUN_SHOT_BLOCK", 128)
    calls = []
    original = aer_module._call
    monkeypatch.setattr(aer_module, "_call", lambda *a, **k: calls.append(k["shots"]) or
                        original(*a, **k))
    with progress.monitored(enabled=False):  # blocks of 128 shots
        split = [mod.run(p, shots=900, seed=3).to_dict() for mod, p in cases]
    assert calls.count(128) >= 3 * 7 and 900 - 7 * 128 in calls  # the basis circuits split
    for a, b in zip(whole, split):
        a.pop("provenance", None), b.pop("provenance", None)
        assert a == b


def _args(**kw) -> argparse.Namespace:
    return argparse.Namespace(**{"progress": False, "json": False, **kw})


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_the_bar_shows_on_a_terminal_or_when_asked(monkeypatch):
    monkeypatch.delenv("QNET_QUICK", raising=False)
    monkeypatch.setattr(sys, "stderr", _Stream(True))
    monkeypatch.setattr(sys, "stdout", _Stream(True))
    assert _show_progress(_args()) and _show_progress(_args(json=True))
    monkeypatch.setattr(sys, "stdout", _Stream(False))
    assert not _show_progress(_args(json=True))  # --json into a pipe: silent
    assert _show_progress(_args())
    monkeypatch.setattr(sys, "stderr", _Stream(False))
    assert not _show_progress(_args()) and _show_progress(_args(progress=True))
    monkeypatch.setenv("QNET_QUICK", "1")
    monkeypatch.setattr(sys, "stderr", _Stream(True))
    assert not _show_progress(_args()) and _show_progress(_args(progress=True))


def test_progress_flag_draws_a_bar_on_stderr(capsys):
    from qnet_circuits.cli import main

    assert main(["swap", "--shots", "300", "--seed", "1", "--json", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["fidelity"] > 0 and "qnet swap" in err and "shots" in err
    assert main(["swap", "--shots", "300", "--seed", "1", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""


def test_swap_estimates_from_the_blocks_finished_before_a_stop():
    """A stop after the first round of shot blocks (every basis 1,024 shots; the swap's if_test
    corrections make its circuits shot-by-shot): the estimates use those shots and agree with
    the closed form within their own standard error."""
    from qnet_circuits.protocols import swap

    with progress.monitored(enabled=False) as mon:
        mon.stop = True
        d = swap.run(swap.SwapParams(fidelity=(0.95, 0.9)), shots=20_000, seed=6).to_dict()
    assert mon.truncated and (mon.shots_done, mon.shots_requested) == (1024, 20_000)
    assert abs(d["fidelity"] - d["theory"]) <= K * d["fidelity_stderr"]
    assert d["fidelity_stderr"] > 0.004  # the stderr of about 1,024 shots per basis, not 20,000


def test_ctrl_c_of_a_circuit_without_blocks_is_not_deferred(monkeypatch):
    """purify's circuits have no control flow (one Aer call each): a SIGINT there raises at once
    instead of waiting for the whole run."""
    from qnet_circuits.protocols import purify

    original = aer_module._call

    def interrupted(*args, **kwargs):
        result = original(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)  # as if Ctrl-C came during the first call
        return result

    monkeypatch.setattr(aer_module, "_call", interrupted)
    with progress.monitored(enabled=False), pytest.raises(KeyboardInterrupt):
        purify.run(purify.PurifyParams(protocol="dejmps", fidelity=0.8), shots=300, seed=6)
