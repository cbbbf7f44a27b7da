"""``qnet ghz``: JSON equals the protocol's to_dict; bad input is one line and exit 2."""

from __future__ import annotations

import json

import pytest

from qnet_circuits.cli import main
from qnet_circuits.cli.common import to_json
from qnet_circuits.protocols import ghz


def test_json_is_the_protocol_result(capsys):
    argv = ["ghz", "--nodes", "4", "--fidelity", "0.95", "--shots", "300", "--seed", "2"]
    assert main([*argv, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    r = ghz.run(ghz.GHZParams(nodes=4, fidelity=0.95), shots=300, seed=2)
    assert printed == json.loads(to_json(r.to_dict()))
    assert main(argv) == 0
    assert "theory 0.816011" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--nodes", "1"], ["--fidelity", "nan"], ["--nodes", "20"]])
def test_bad_input_is_one_line(capsys, argv):
    try:
        code = main(["ghz", *argv])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
