"""Ctrl-C of every long command that keeps a partial result (issue 13 item 1): exit 130 within a
few seconds of SIGINT, the partial marker, fewer shots (pairs, rounds) done than asked, and the
estimates of the finished part within K standard errors of the same closed forms a full run
prints. Each run waits for the bar on stderr to show work done before the signal (no fixed
sleep), so a loaded machine only makes it wait longer."""

from __future__ import annotations

import json

from tests.cli.test_progress_sigint import K, _interrupt, _last_line


def _partial_json(tmp_path, argv: list[str], unit: str, count: int, requested: int,
                  latency_s: float = 10.0) -> dict:
    """Interrupt ``qnet ARGV --json --progress`` once ``count`` ``unit`` are done; the checks
    every partial run shares; its JSON."""
    code, out, err, latency = _interrupt(tmp_path, [*argv, "--json", "--progress"], unit, count)
    assert code == 130 and "Traceback" not in err, err
    result = json.loads(out)
    assert result["partial"] is True and result["shots_requested"] == requested, result
    assert 0 < result["shots_done"] < requested, result
    line = _last_line(err)
    assert f"interrupted after {result['shots_done']} of {requested}" in line, line
    assert "partial" in line, line
    assert latency < latency_s, latency
    return result


def _within(value: float, stderr: float, theory: float) -> None:
    assert stderr > 0 and abs(value - theory) <= K * stderr, (value, stderr, theory)


def test_purify_keeps_the_finished_shot_blocks(tmp_path):
    """purify's circuits have no control flow: Aer still simulates them shot by shot (mid-circuit
    flags), so the runner's first block says so and the rest run in blocks."""
    argv = ["purify", "--gate-error", "0.02", "--shots", "400000", "--seed", "4"]
    r = _partial_json(tmp_path, argv, "shots", 3 * 2048, 400000)
    assert r["shots_done"] % 1024 == 0
    _within(r["fidelity"], r["fidelity_stderr"], r["theory"])
    _within(r["p_success"], r["p_success_stderr"], r["theory_p_success"])
    assert r["p_success_stderr"] > 0.002  # the stderr of the finished shots, not of 400,000


def test_qkd_keeps_the_pairs_the_finished_shots_cover(tmp_path):
    argv = ["qkd", "--protocol", "bbm92", "--fidelity", "0.95", "--pairs", "2000000",
            "--seed", "2"]
    r = _partial_json(tmp_path, argv, "shots", 4 * 1024, 2_000_000)
    assert r["partial_unit"] == "pairs" and r["pairs"] == r["shots_done"]
    for basis, q in r["qber"].items():
        _within(q, r["qber_stderr"][basis], r["theory"]["qber"][basis])
    # the finite key is that of the smaller sample: its n is at most the finished pairs
    fk = r["finite_key"]
    assert fk is None or fk["n"] <= r["shots_done"]


def test_bb84_keeps_the_finished_pulse_chunks(tmp_path):
    """A stop in the pulse simulation (chunks of 4e6 pulses): the gains of the finished pulses,
    then the circuit rounds the first shot blocks cover."""
    argv = ["bb84", "--pulses", "400000000", "--rounds", "1000000", "--seed", "3"]
    r = _partial_json(tmp_path, argv, "pulses", 4_000_000, 1_000_000, latency_s=15.0)
    assert r["partial_unit"] == "rounds" and r["circuit"]["rounds"] == r["shots_done"]
    assert 4_000_000 <= r["pulses_done"] < 400_000_000 and r["pulses_done"] % 4_000_000 == 0
    g = r["gains"]["signal"]
    _within(g["value"], g["stderr"], r["theory"]["gain_signal"])
    c = r["circuit"]
    _within(c["gain"], c["gain_stderr"], c["theory"]["gain"])


def test_chain_cutoff_event_loop_keeps_the_finished_realizations(tmp_path):
    """Ctrl-C in the cutoff event loop (pure Python, before any circuit) keeps whole steps of 256
    timings; the circuits of the first of them run, and every estimate uses those."""
    argv = ["chain", "--links", "2", "--t2", "0.1", "--cutoff", "0.01", "--shots", "200000",
            "--seed", "3"]
    r = _partial_json(tmp_path, argv, "timings", 2000, 200_000)
    assert r["realizations"] == r["shots_done"]
    _within(r["fidelity"], r["fidelity_stderr"], r["theory"]["fidelity"])


def test_static_chain_keeps_the_finished_shot_blocks(tmp_path):
    """Ideal memories: one circuit per basis, run in shot blocks under the monitor."""
    argv = ["chain", "--links", "2", "--link-fidelity", "0.95", "--shots", "3000000",
            "--seed", "3"]
    r = _partial_json(tmp_path, argv, "shots", 3 * 1024, 3_000_000)
    assert r["realizations"] == r["shots_done"]
    _within(r["fidelity"], r["fidelity_stderr"], r["theory"]["fidelity"])


def test_sense_keeps_the_finished_shots_and_skips_the_scan(tmp_path):
    argv = ["sense", "--fidelity", "0.95", "--shots", "4000000", "--seed", "2"]
    r = _partial_json(tmp_path, argv, "shots", 4096, 4_000_000)
    _within(r["parity"], r["parity_stderr"], r["theory_parity"])
    _within(r["estimate"], r["estimate_stderr"], r["theory_estimate"])
    assert r["batches"] == r["shots_done"] // 100 and r["oscillation"] == []


# --------------------------------------------------------------------------------------------
# in process: blocks change no complete result
# --------------------------------------------------------------------------------------------


def test_blocks_of_circuits_without_control_flow_change_no_result(monkeypatch):
    """Under a monitor, purify and remote-cnot (shot by shot in Aer) run in blocks; a circuit
    Aer samples from one final state runs in one call after its probe block: the same bits as
    one unmonitored call either way."""
    from qiskit import QuantumCircuit

    from qnet_circuits.protocols import purify, remote_cnot
    from qnet_circuits.run import AerRunner, progress
    from qnet_circuits.run import aer as aer_module

    sampled = QuantumCircuit(2, 2)
    sampled.h(0)
    sampled.cx(0, 1)
    sampled.measure([0, 1], [0, 1])
    cases = [(purify, purify.PurifyParams(protocol="dejmps", fidelity=0.8, gate_error=0.02)),
             (remote_cnot, remote_cnot.RemoteCnotParams(gate_error=0.02))]
    whole = [mod.run(p, shots=700, seed=3).to_dict() for mod, p in cases]
    whole_bits = AerRunner().run([sampled], shots=700, seed=5)[0].bits["c"]
    whole_rows = AerRunner().run_bindings(purify.circuits(cases[0][1])[0], {}, shots=700, seed=8)
    monkeypatch.setattr(aer_module, "RUN_SHOT_BLOCK", 128)
    calls: list[int] = []
    original = aer_module._call
    monkeypatch.setattr(aer_module, "_call", lambda *a, **k: calls.append(k["shots"]) or
                        original(*a, **k))
    with progress.monitored(enabled=False):
        split = [mod.run(p, shots=700, seed=3).to_dict() for mod, p in cases]
        assert calls.count(128) >= 3 * 5  # purify's three bases ran in blocks
        calls.clear()
        split_bits = AerRunner().run([sampled], shots=700, seed=5)[0].bits["c"]
        assert calls == [128, 700]  # the probe said "sampled": one call of all shots
        split_rows = AerRunner().run_bindings(purify.circuits(cases[0][1])[0], {}, shots=700,
                                              seed=8)
    for a, b in zip(whole, split):
        a.pop("provenance", None), b.pop("provenance", None)
        assert a == b
    assert (whole_bits == split_bits).all()
    assert all((whole_rows[0].bits[k] == split_rows[0].bits[k]).all() for k in whole_rows[0].bits)
