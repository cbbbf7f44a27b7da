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
                                  ["--policy", "fifo"], ["--decoherence-rate", "-2"],
                                  ["--p", "0.1", "--mu", "50"], ["--router", "hub"],
                                  ["--graph", "missing.yaml", "--router", "hub"]])
def test_bad_input_is_one_line(capsys, argv):
    try:
        code = main(["switch", *argv])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


STAR = """
nodes:
  hub: {role: router, memories: 6, t2_s: 0.01}
  ann: {t2_s: 0.01}
  bo: {t2_s: 0.01}
  cy: {t2_s: 0.01}
links:
  - {a: ann, b: hub, length_km: 5}
  - {a: bo, b: hub, length_km: 10}
  - {a: cy, b: hub, length_km: 20}
"""


def test_switch_from_a_network_file(tmp_path, capsys):
    path = tmp_path / "star.yaml"
    path.write_text(STAR)
    argv = ["switch", "--graph", str(path), "--router", "hub", "--q", "0.5", "--swaps", "3000",
            "--fidelity-samples", "2", "--shots", "100", "--seed", "2", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["users"] == 3 and out["buffer"] == 2 and out["t2_s"] == 0.01
    assert set(out["pair_rates_hz"]) == {"ann-bo", "ann-cy", "bo-cy"}
    # the short links are the fast ones; each pair's rate within 5 standard errors of theory
    assert out["mu_hz"][0] > out["mu_hz"][1] > out["mu_hz"][2]
    for name, value in out["pair_rates_hz"].items():
        assert abs(value - out["theory_pair_rates_hz"][name]) < 5 * out["pair_rates_stderr"][name]
    for extra in (["--users", "3"], ["--t2", "1"]):
        assert main([*argv, *extra]) == 2
        assert "come from --graph" in capsys.readouterr().err
    assert main(["switch", "--graph", str(path), "--router", "nobody"]) == 2
    assert "not a node" in capsys.readouterr().err
