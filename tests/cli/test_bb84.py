"""The ``qnet bb84`` subcommand: JSON with theory beside simulation, one-line errors (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qnet_circuits.cli import main


def _json(argv: list[str], capsys) -> dict:
    code = main(["bb84", *argv, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_json_has_simulation_beside_theory(capsys):
    r = _json(["--length-km", "50", "--decoy", "vacuum-weak", "--preset", "gys", "--pulses",
               "2e6", "--rounds", "4000", "--seed", "3"], capsys)
    assert r["decoy"] == "vacuum-weak" and r["length_km"] == 50.0
    g, th = r["gains"]["signal"], r["theory"]["gain_signal"]
    assert abs(g["value"] - th) <= 4 * g["stderr"]
    assert r["theory"]["key_rate"] > 0 and r["theory"]["plob_fiber"] > r["theory"]["key_rate"]
    assert set(r["theory"]["key_rate_optimal"]) == {"none", "vacuum-weak", "infinite"}
    assert r["circuit"]["rounds"] == 4000 and "theory" in r["circuit"]


def test_pns_attack_is_caught_with_decoys(capsys):
    r = _json(["--decoy", "vacuum-weak", "--mu", "0.48", "--attack", "pns", "--pulses", "5e6",
               "--rounds", "200", "--seed", "4"], capsys)
    assert r["key_rate"] == 0.0 and r["eve_known_fraction"] > 0.95
    assert r["theory"]["attack"]["key_rate"] == 0.0


def test_no_key_distance_is_rate_zero_with_a_note(capsys):
    r = _json(["--length-km", "200", "--decoy", "infinite", "--pulses", "1e5", "--rounds", "100",
               "--seed", "1"], capsys)
    assert r["key_rate"] == 0.0 and r["theory"]["key_rate"] == 0.0
    assert any("no key is possible at 200 km" in n for n in r["notes"])


@pytest.mark.parametrize("argv, words", [
    (["--mu", "0"], "--mu"), (["--mu", "-0.3"], "--mu"), (["--mu", "1e6"], "--mu"),
    (["--mu", "0.2", "--nu", "0.3"], "below the signal"), (["--length-km", "-5"], "--length-km"),
])
def test_bad_input_is_one_line_and_exit_2(argv, words):
    proc = subprocess.run([sys.executable, "-m", "qnet_circuits.cli", "bb84", *argv, "--pulses",
                           "10", "--rounds", "10"], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in proc.stderr
