"""qnet distribute: --qasm input (OpenQASM 2 and 3), --circuit, JSON, one-line errors."""

import json

import pytest

from qnet_circuits.cli import main

QASM3 = ('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[4] q;\nh q[0];\ncx q[0], q[1];\n'
         'cx q[1], q[2];\ncx q[2], q[3];\n')


def test_qasm3_input_json(tmp_path, capsys):
    path = tmp_path / "in.qasm"
    path.write_text(QASM3)
    assert main(["distribute", "--qasm", str(path), "--nodes", "2", "--link-fidelity", "0.9",
                 "--json", "--shots", "500", "--seed", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ebits"] == 1 and out["classical_bits"] == 2 and out["depth"] > 0
    assert out["fidelity"] == pytest.approx(0.9, abs=1e-9)
    assert path.read_text() == QASM3          # the input is never overwritten


def test_named_circuit_text(capsys):
    assert main(["distribute", "--circuit", "qft:4", "--nodes", "2", "--shots", "300", "--seed", "2"]) == 0
    text = capsys.readouterr().out
    assert "ebits" in text and "TVD" in text


@pytest.mark.parametrize("argv, match", [
    (["--circuit", "qft:3", "--nodes", "4"], "exceeds"),
    (["--circuit", "ghz:3", "--placement", "0,a"], "--placement"),
    (["--circuit", "ghz:3", "--placement", "0,1,9"], "unknown nodes"),
])
def test_errors_are_one_line(argv, match, capsys):
    assert main(["distribute", *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1 and "Traceback" not in err


def test_unparsable_qasm(tmp_path, capsys):
    path = tmp_path / "bad.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nfoo q[0];\n')
    assert main(["distribute", "--qasm", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 4" in err and "foo" in err and err.count("\n") == 1
    assert main(["distribute", "--qasm", str(tmp_path / "missing.qasm")]) == 2
    assert "cannot read" in capsys.readouterr().err
