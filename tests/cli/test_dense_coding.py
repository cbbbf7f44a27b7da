"""``qnet dense-coding``: JSON equals the protocol's to_dict; bad input is one line, exit 2."""

from __future__ import annotations

import json

from qnet_circuits.cli import main
from qnet_circuits.cli.common import to_json
from qnet_circuits.protocols import dense_coding


def test_json_is_the_protocol_result(capsys):
    assert main(["dense-coding", "--fidelity", "0.9", "--shots", "300", "--seed", "4", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    result = dense_coding.run(dense_coding.DenseCodingParams(fidelity=0.9), shots=300, seed=4)
    assert printed == json.loads(to_json(result.to_dict()))
    assert printed["theory_success"] == 0.9


def test_text_output_has_theory(capsys):
    assert main(["dense-coding", "--fidelity", "0.7", "--shots", "200", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "theory 0.700000" in out and "plain qubit" in out


def test_bad_fidelity_is_one_line(capsys):
    try:
        code = main(["dense-coding", "--fidelity", "nan"])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--fidelity" in err
