"""``qnet sense``: JSON equals the protocol's to_dict; k < 2 and a non-finite phase: exit 2."""

from __future__ import annotations

import json

import pytest

from qnet_circuits.cli import main
from qnet_circuits.cli.common import to_json
from qnet_circuits.protocols import sensing


def test_json_is_the_protocol_result(capsys):
    assert main(["sense", "--nodes", "3", "--phase", "0.3", "--shots", "400", "--seed", "2", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    r = sensing.run(sensing.SenseParams(nodes=3, phase=0.3), shots=400, seed=2)
    assert printed == json.loads(to_json(r.to_dict()))


@pytest.mark.parametrize("argv", [["--nodes", "1"], ["--phase", "inf"], ["--phase", "nan"],
                                  ["--shots", "60"],  # found by the fast fuzz: no estimate at all
                                  ["--shots", "150", "--shots-per-estimate", "100"]])
def test_bad_input_is_one_line(capsys, argv):
    try:
        code = main(["sense", *argv])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_too_few_shots_for_two_estimates_names_both_options(capsys):
    assert main(["sense", "--shots", "60"]) == 2
    err = capsys.readouterr().err
    assert "--shots 60" in err and "--shots-per-estimate 100" in err and ">= 200" in err
