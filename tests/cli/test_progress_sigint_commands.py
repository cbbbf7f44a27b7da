"""Ctrl-C of the commands the first partial-result work left out (issue 13 item 1, h13-ctrlc):
ghz, dense-coding, blind, distribute, network, switch, compare-qkd and qkd's exact sampling.
Each run gets SIGINT on its process group once its bar on stderr shows work done (no fixed
sleep), and must exit 130 within a few seconds, with one stderr line and no traceback: a partial
result (``"partial": true``) where the finished part is an honest smaller run, else a line that
says what had finished."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tests.cli.test_progress_sigint import K, _interrupt, _last_line
from tests.cli.test_progress_sigint_partial import _partial_json, _within

#: seconds from SIGINT to exit every test allows (measured: under 4 s on 2 loaded cores)
LATENCY_S = 10.0


def _one_line(tmp_path, argv: list[str], unit: str, count: int) -> str:
    """Interrupt ``qnet ARGV --json --progress`` once ``count`` ``unit`` are done; a run that
    keeps no partial result: exit 130, nothing on stdout, its last stderr line."""
    code, out, err, latency = _interrupt(tmp_path, [*argv, "--json", "--progress"], unit, count)
    assert code == 130 and "Traceback" not in err, err
    assert out == "", out
    assert latency < LATENCY_S, latency
    return _last_line(err)


def test_ghz_keeps_the_finished_shot_blocks(tmp_path):
    argv = ["ghz", "--nodes", "4", "--fidelity", "0.95", "--shots", "4000000", "--seed", "3"]
    r = _partial_json(tmp_path, argv, "shots", 3 * 1024, 4_000_000, LATENCY_S)
    assert r["shots_done"] % 1024 == 0
    _within(r["fidelity"], r["fidelity_stderr"], r["theory_fidelity"])
    _within(r["coherence"], r["coherence_stderr"], r["theory_coherence"])


def test_dense_coding_keeps_the_finished_shots_of_every_message(tmp_path):
    """Measure-sampled circuits run in one Aer call after their probe block (the bits of a run
    without the bar), and Aer holds the GIL for the whole call, so Ctrl-C waits for the call in
    progress: 4,000,000 shots, about 3 s here (20,000,000 took 14.5 s, past ``LATENCY_S``)."""
    argv = ["dense-coding", "--fidelity", "0.9", "--shots", "4000000", "--seed", "3"]
    r = _partial_json(tmp_path, argv, "shots", 4 * 1024, 4_000_000, LATENCY_S)
    # every message keeps the same finished shots: its table row sums to them
    assert {sum(row.values()) for row in r["table"].values()} == {r["shots_done"]}
    _within(r["success"], r["success_stderr"], r["theory_success"])


def test_blind_keeps_the_finished_runs(tmp_path):
    """2,000 shots per secret draw (rows in shot blocks under the bar): the runs that finished
    every shot are an honest smaller batch of iid draws."""
    argv = ["blind", "--program", "line", "--traps", "1", "--link-fidelity", "0.9", "--shots",
            "2000000", "--seed", "2"]
    r = _partial_json(tmp_path, argv, "shots", 3 * 2000, 2_000_000, LATENCY_S)
    assert r["shots_per_run"] == 2000 and r["runs_requested"] == 1000
    assert 3 <= r["runs"] < 1000 and r["shots_done"] == r["runs"] * 2000
    _within(r["accepted_fraction"], r["accepted_fraction_stderr"], r["acceptance_theory"])
    p0, n_accepted = r["output_distribution"]["0"], r["accepted_fraction"] * r["shots_done"]
    # the runs' shots share a secret draw (not iid): the stderr of independent shots would be
    # too small, so the check uses the runs as the samples (a bound: n_runs <= n_shots)
    _within(p0, math.sqrt(p0 * (1 - p0) / min(n_accepted, r["runs"])), r["theory"]["p0"])


def test_distribute_stops_with_one_line(tmp_path):
    """The dynamic circuit's blocks: a distributed circuit's distribution needs every shot
    drawn the same way, and distribute keeps no partial result; the line says what finished."""
    argv = ["distribute", "--circuit", "qft:4", "--gate-error", "0.01", "--t1", "1", "--t2", "1",
            "--sampling", "dynamic", "--shots", "50000000", "--seed", "1"]
    line = _one_line(tmp_path, argv, "shots", 1024)
    assert line.startswith("qnet distribute: interrupted after ") and "of 50000000 shots" in line
    assert "keeps no partial result" in line, line


def test_network_says_how_many_requests_had_finished(tmp_path):
    """Ctrl-C in the first request's chain (its basis circuits' shot blocks): a schedule
    needs every request, so none is printed."""
    argv = ["network", "--topology", "line:3", "--request", "alice", "bob", "--request", "r1",
            "bob", "--pairs", "1000000", "--seed", "1"]
    line = _one_line(tmp_path, argv, "shots", 1024)
    assert line.startswith("qnet network: interrupted") and "0 of 2 requests had finished" in line
    assert "a schedule needs every request" in line, line


def test_switch_keeps_the_finished_shots_of_its_fidelity_samples(tmp_path):
    argv = ["switch", "--users", "4", "--swaps", "1000", "--link-fidelity", "0.9",
            "--fidelity-samples", "4", "--shots", "5000000", "--seed", "1"]
    r = _partial_json(tmp_path, argv, "shots", 2 * 12 * 1024, 5_000_000, LATENCY_S)
    assert r["shots_done"] % 1024 == 0
    _within(r["fidelity"], r["fidelity_stderr"], r["fidelity_at_waits"])


def test_compare_qkd_keeps_the_finished_lengths(tmp_path):
    lengths = ",".join(str(5 * k) for k in range(1, 201))
    argv = ["compare-qkd", "--lengths", lengths, "--shots", "100000000", "--seed", "1"]
    code, out, err, latency = _interrupt(tmp_path, [*argv, "--json", "--progress"], "lengths", 3)
    assert code == 130 and "Traceback" not in err and latency < LATENCY_S, (err, latency)
    r = json.loads(out)
    assert r["partial"] is True and r["partial_unit"] == "lengths" and r["shots_requested"] == 200
    assert 3 <= r["shots_done"] == len(r["rows"]) < 200
    assert [row["length_km"] for row in r["rows"]] == [5.0 * k for k in range(1, len(r["rows"]) + 1)]
    line = _last_line(err)
    assert f"interrupted after {r['shots_done']} of 200 lengths" in line, line
    row = r["rows"][0]  # 5 km: five batches of 2e7 pulses, the stderr from their spread
    assert abs(row["direct_bb84_sim_hz"] - row["direct_bb84_hz"]) <= K * row["direct_bb84_sim_hz_stderr"]


def test_qkd_exact_sampling_stops_inside_a_step(tmp_path):
    """Exact sampling has no runner call: the bar counts five steps; a Ctrl-C inside one (the
    rounds of 3e7 pairs take seconds) stops at once and names it."""
    argv = ["qkd", "--protocol", "bbm92", "--fidelity", "0.95", "--sampling", "exact", "--pairs",
            "30000000", "--seed", "2"]
    line = _one_line(tmp_path, argv, "steps", 2)
    assert line.startswith("qnet qkd: interrupted after ") and " of 5 steps: while " in line, line
    assert "30000000 pairs" in line and "no partial result" in line, line


@pytest.mark.slow
def test_blind_of_the_largest_rows_stops_within_a_block(tmp_path):
    """10^8 shots of the deep program: 10^5 shots per secret draw, minutes per row. Before
    h13-ctrlc the first row ran in one Aer call (over 90 s after the SIGINT); now in blocks."""
    argv = ["blind", "--program", "deep", "--traps", "2", "--shots", "100000000", "--seed", "1"]
    line = _one_line(tmp_path, argv, "shots", 1024)
    assert "no secret draw had finished its 100000 shots" in line, line


# --------------------------------------------------------------------------------------------
# in process: blocks of bound rows and cut rounds change no complete result
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shots", [1500, 2500])  # several rows per call / one row per call
def test_rows_in_shot_blocks_give_the_bits_of_one_call(monkeypatch, shots):
    from qnet_circuits.library.blind import line_program
    from qnet_circuits.protocols.blind import run_batch
    from qnet_circuits.run import aer as aer_module
    from qnet_circuits.run import progress

    prog = line_program(math.pi / 2, math.pi / 4).with_trap_region(5)
    kwargs = {"shots_per_run": shots, "traps": 1, "link_fidelity": 0.9, "seed": 4}
    whole = run_batch(prog, 3, **kwargs)
    blocks = [min(1024, shots - k) for k in range(0, shots, 1024)]
    calls: list[int] = []
    cut = []
    original = aer_module._call

    def call(*args, **kwargs):
        calls.append(kwargs["shots"])
        if cut and len(calls) == len(blocks) + 1:  # the second run's first block: a Ctrl-C
            progress.current().stop = True
        return original(*args, **kwargs)

    monkeypatch.setattr(aer_module, "_call", call)
    with progress.monitored(enabled=False):
        split = run_batch(prog, 3, **kwargs)
    assert calls == blocks * 3 and np.array_equal(whole.bits, split.bits)
    calls.clear()
    cut.append(True)
    with progress.monitored(enabled=False):
        with progress.partial_ok():  # the first run whole, the second cut after one block
            part = run_batch(prog, 3, **kwargs)
        assert part.runs.runs == 1 and np.array_equal(part.bits, whole.bits[:1])
        calls.clear()
        with pytest.raises(progress.Interrupted):  # outside partial_ok: no rows kept
            run_batch(prog, 3, **kwargs)


def test_a_stop_inside_a_round_keeps_the_blocks_of_the_rounds_before(monkeypatch):
    from qiskit import QuantumCircuit

    from qnet_circuits.run import AerRunner, progress
    from qnet_circuits.run import aer as aer_module

    qc = QuantumCircuit(1, 1)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):  # control flow: shot by shot, in blocks
        qc.x(0)
    qc.h(0)
    qc.measure(0, 0)
    monkeypatch.setattr(aer_module, "RUN_SHOT_BLOCK", 10)
    whole = AerRunner().run([qc] * 4, shots=50, seed=4)
    original, calls = aer_module._call, []

    def call(*args, **kwargs):
        calls.append(kwargs["shots"])
        if len(calls) == 4 + 2:  # round 1, after its second circuit: a Ctrl-C
            progress.current().stop = True
        return original(*args, **kwargs)

    monkeypatch.setattr(aer_module, "_call", call)
    with progress.monitored(enabled=False) as mon:
        with progress.partial_ok():
            part = AerRunner().run([qc] * 4, shots=50, seed=4)
        assert mon.done == 4 * 10  # the cut round's two blocks are not counted
    assert [d.shots for d in part] == [10] * 4
    assert all((p.bits["c"] == w.bits["c"][:10]).all() for p, w in zip(part, whole))
    calls.clear()
    with progress.monitored(enabled=False):  # a stop in round 0 of a quick round: it finishes
        monkeypatch.setattr(aer_module, "_call", lambda *a, **k: (
            calls.append(1), setattr(progress.current(), "stop", True), original(*a, **k))[2])
        with progress.partial_ok():
            part = AerRunner().run([qc] * 4, shots=50, seed=4)
    assert [d.shots for d in part] == [10] * 4 and len(calls) == 4


def test_compare_qkd_partial_rows_are_those_of_the_whole_run():
    from qnet_circuits.protocols import compare_qkd
    from qnet_circuits.run import progress

    params = compare_qkd.CompareParams(lengths_km=(10.0, 50.0, 100.0), pulses=10_000)
    whole = compare_qkd.run(params, seed=3).to_dict()
    assert "partial" not in whole
    with progress.monitored(enabled=False) as mon:
        mon.stop = True
        part = compare_qkd.run(params, seed=3).to_dict()
    assert part["partial"] is True and part["shots_done"] == 1 and part["shots_requested"] == 3
    assert part["rows"] == whole["rows"][:1]
