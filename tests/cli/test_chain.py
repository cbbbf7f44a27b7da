"""``qnet chain``: bad input (one line, exit 2), JSON keys, --qasm, and a light import
(moved from tests/test_scheduler.py, extended)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qnet_circuits.cli import main

K = 4.0  # tolerance in standard errors


@pytest.mark.parametrize("argv, message", [
    (["--links", "0"], "--links"),
    (["--cutoff", "0"], "cutoff_s must be > 0"),
    (["--cutoff", "-2"], "cutoff_s must be > 0"),
    (["--link-fidelity", "1.5"], "link_fidelity"),
    (["--t1", "0.1", "--t2", "1"], "t2_s"),
])
def test_cli_bad_input_exits_nonzero_without_traceback(argv, message, capsys):
    try:
        code = main(["chain", *argv])
    except SystemExit as exc:  # argparse rejects the flag itself
        code = exc.code
    err = capsys.readouterr().err
    assert code != 0 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1

def test_cli_json_keys(capsys):
    code = main(["chain", "--links", "2", "--length-km", "10", "--link-fidelity", "0.9",
                 "--shots", "600", "--seed", "3", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("fidelity", "fidelity_stderr", "rate_hz", "mean_delivery_time_s", "qubits",
                "theory", "wall_s"):
        assert key in out
    assert abs(out["fidelity"] - 0.813333) <= K * out["fidelity_stderr"]
    assert out["qubits"] == 6


def test_cli_qasm_writes_the_first_execution(tmp_path, capsys):
    path = tmp_path / "chain.qasm"
    code = main(["chain", "--links", "3", "--t2", "0.1", "--shots", "30", "--seed", "1",
                 "--qasm", str(path), "--json"])
    assert code == 0
    text = path.read_text()
    assert text.startswith("OPENQASM 3") and "delay" in text
    out = json.loads(capsys.readouterr().out)
    assert out["command"] == "chain" and out["provenance"]["protocol"] == "chain"


def test_cli_render_shows_the_closed_forms(capsys):
    assert main(["chain", "--links", "2", "--link-fidelity", "0.9", "--shots", "60", "--seed", "2"]) == 0
    text = capsys.readouterr().out
    assert "qnet chain: 2 x 25 km" in text and "closed form" in text and "0.8133" in text


def test_chain_cli_module_imports_nothing_heavy():
    """Beyond what cli.common brings, importing the chain command loads no Qiskit, Aer or SciPy."""
    code = ("import sys; import qnet_circuits.cli.common; before = set(sys.modules); "
            "import qnet_circuits.cli.chain; new = set(sys.modules) - before; "
            "print(sorted(m for m in new if m.split('.')[0] in ('qiskit', 'qiskit_aer', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
