"""Issue 13's table: every hostile input is one line on stderr within seconds, never a traceback."""

from __future__ import annotations

import time

import pytest

from qnet_circuits.cli import main

ROWS = [
    (["purify", "--rounds", "1000"], 2, "raw pairs"),
    (["chain", "--links", "4", "--shots", "100000000000"], 2, "at most 1e+08"),
    (["chain", "--links", "100000", "--link-level", "photonic"], 2, "photonic links"),
    (["chain", "--links", "10000000"], 2, "at most 4096 links"),
    (["swap", "--fidelity", *["0.9"] * 30], 2, "qubits"),
    (["link", "--shots", "1000000000000"], 2, "at most 1e+08"),
    (["chain", "--links", "4", "--purify", "dejmps", "--rounds", "100"], 2, "at most 7 rounds"),
    (["qkd", "--shots", "100000000000"], 2, "--pairs"),
    (["qkd", "--pairs", "1000000000000"], 2, "at most 1e+08"),
    (["link", "--qasm", "/proc/x.qasm"], 2, "--qasm"),
    (["link", "--qasm", "/tmp"], 2, "is a directory"),
    (["link", "--qasm", "/nonexistent-folder/a.qasm"], 2, "does not exist"),
    # a cutoff shorter than the sequential swaps' classical messages: the chain never delivers
    (["chain", "--links", "4", "--strategy", "sequential", "--cutoff", "0.0002"], 2,
     "no pair delivered"),
]


@pytest.mark.parametrize("argv, code, words", ROWS, ids=[" ".join(r[0][:3]) for r in ROWS])
def test_hostile_row_is_one_line(capsys, argv, code, words):
    start = time.perf_counter()
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err and "Traceback" not in err
    assert time.perf_counter() - start < 5.0


def test_no_key_at_an_impossible_distance_is_an_honest_zero(capsys):
    assert main(["qkd", "--length-km", "100000", "--pairs", "20000", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "no key at this distance" in out and "0.0 bit/s" in out


@pytest.mark.parametrize("protocol", ["bbm92", "bb84-decoy"])
def test_relay_refuses_a_device_instead_of_ignoring_it(capsys, protocol):
    """Relay hops are exact pair distributions or pulse statistics: local Aer only, said once."""
    assert main(["relay", "--hops", "2", "--protocol", protocol, "--backend", "fake_torino"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "local Aer simulator only" in err
    assert "qnet qkd --backend fake_torino" in err
