"""``qnet switch``: JSON equals the protocol's to_dict; text beside theory; bad input is one line
and exit 2."""

from __future__ import annotations

import json

import pytest

from qnet_circuits.cli import main
from qnet_circuits.cli.common import to_json
from qnet_circuits.protocols import switch


def test_json_is_the_protocol_result(capsys):
    argv = ["switch", "--users", "4", "--policy", "random", "--buffer", "2", "--q", "0.5",
            "--t2", "0.05", "--link-fidelity", "0.95", "--swaps", "2000", "--fidelity-samples",
            "4", "--shots", "200", "--seed", "3"]
    assert main([*argv, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    params = switch.SwitchParams(users=4, policy="random", buffer=2, q=0.5, t2_s=0.05,
                                 link_fidelity=0.95, swaps=2000, fidelity_samples=4)
    r = switch.run(params, shots=200, seed=3)
    assert printed == json.loads(to_json(r.to_dict()))
    assert printed["theory_capacity_hz"] == pytest.approx(
        switch.theory(params)["capacity_hz"])
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "capacity" in out and "u3-u4" in out and "theory" in out


def test_slotted_and_requests_render(capsys):
    assert main(["switch", "--users", "3", "--p", "0.2", "--swaps", "500", "--fidelity-samples",
                 "2", "--shots", "100", "--seed", "1"]) == 0
    assert "per slot" in capsys.readouterr().out
    assert main(["switch", "--users", "3", "--request-rate", "10", "--swaps", "500",
                 "--fidelity-samples", "2", "--shots", "100", "--seed", "1"]) == 0
    assert "capacity region: True" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--users", "1"], ["--users", "2"], ["--buffer", "0"],
                                  ["--buffer", "two"], ["--q", "1.5"], ["--mu", "1", "2"],
                                  ["--p", "0.1", "--request-rate", "3"], ["--t2", "-1"],
                                  ["--policy", "fifo"], ["--decoherence-rate", "-2"]])
def test_bad_input_is_one_line(capsys, argv):
    try:
        code = main(["switch", *argv])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
