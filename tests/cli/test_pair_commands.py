"""``qnet swap | purify | teleport | remote-cnot``: the printed JSON is the protocol result's
to_dict, --qasm writes the ideal circuit, and bad input is one line with exit code 2."""

from __future__ import annotations

import importlib
import json

import pytest

from qnet_circuits import physics
from qnet_circuits.cli import main
from qnet_circuits.cli.common import to_json
from qnet_circuits.protocols import purify, remote_cnot, swap, teleport


def qnet_json(capsys, *argv: str) -> dict:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize(
    ("argv", "protocol", "params"),
    [
        (["swap", "--fidelity", "0.95", "0.9", "--gate-error", "0.02"], swap,
         swap.SwapParams(fidelity=(0.95, 0.9), gate_error=0.02)),
        (["purify", "--protocol", "bbpssw", "--fidelity", "0.85", "--rounds", "2", "--pumping"],
         purify, purify.PurifyParams(protocol="bbpssw", fidelity=0.85, rounds=2, pumping=True)),
        (["teleport", "--bell-diagonal", "0.85", "0.05", "0.07", "0.03", "--state", "+",
          "--state=-i"], teleport,
         teleport.TeleportParams(bell_diagonal=[(0.85, 0.05, 0.07, 0.03)], states=("+", "-i"))),
        (["remote-cnot", "--fidelity", "0.9", "--correction", "deferred"], remote_cnot,
         remote_cnot.RemoteCnotParams(fidelity=0.9, correction="deferred")),
    ],
)
def test_json_is_the_protocol_result_to_dict(capsys, argv, protocol, params):
    printed = qnet_json(capsys, *argv, "--shots", "300", "--seed", "5")
    expected = json.loads(to_json(protocol.run(params, shots=300, seed=5).to_dict()))
    assert printed == expected


@pytest.mark.parametrize("command", ["swap", "purify", "teleport", "remote_cnot"])
def test_cli_module_defaults_and_help_match(command):
    cli = importlib.import_module(f"qnet_circuits.cli.{command}")
    protocol = importlib.import_module(f"qnet_circuits.protocols.{command}")
    assert cli.DEFAULT_SHOTS == protocol.DEFAULT_SHOTS == 4000


def test_swap_qasm_is_written(capsys, tmp_path):
    path = tmp_path / "swap.qasm"
    qnet_json(capsys, "swap", "--bell-diagonal", "0.9", "0.05", "0.03", "0.02",
              "--bell-diagonal", "0.8", "0.1", "0.06", "0.04", "--correction", "deferred",
              "--shots", "300", "--seed", "13", "--qasm", str(path))
    assert path.read_text().startswith("OPENQASM 3")


def test_render_prints_every_value_beside_its_theory(capsys):
    assert main(["purify", "--fidelity", "0.8", "--rounds", "2", "--shots", "300", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("theory") == 2 + 3  # fidelity, p_success and each of the three steps


def test_purify_with_readout_error_prints_its_closed_form(capsys):
    argv = ["purify", "--fidelity", "0.8", "--readout-error", "0.02", "--gate-error", "0.01",
            "--shots", "300", "--seed", "3"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "n/a" not in out and "note" not in out
    c, p = physics.dejmps(physics.werner_coefficients(0.8), cnot_depolarizing=0.01,
                          readout_error=0.02)
    assert f"theory {c[0]:.6f}" in out and f"theory {p:.6f}" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["swap", "--fidelity", "1.2"], "--fidelity must be in [0, 1]"),
        (["swap", "--bell-diagonal", "0.5", "0.2", "0.2", "0.2"], "must sum to 1"),
        (["swap", "--bell-diagonal", "1.1", "-0.1", "0", "0"], "entries must be >= 0"),
        (["swap", "--gate-error", "1.5"], "--gate-error must be a probability"),
        (["purify", "--rounds", "0"], "--rounds must be an integer >= 1"),
        (["purify", "--fidelity", "-0.3"], "--fidelity must be in [0, 1]"),
        (["purify", "--fidelity", "0.8", "0.8", "0.8"], "must give 1 or 2**rounds"),
        (["teleport", "--fidelity", "0.9", "0.8"], "one resource pair"),
        (["teleport", "--readout-error", "-0.1"], "--readout-error must be a probability"),
        (["remote-cnot", "--bell-diagonal", "0.3", "0.3", "0.3", "0.3"], "must sum to 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith(f"qnet {argv[0]}: error:")


def test_relay_command_json_and_bad_input(capsys):
    from qnet_circuits.cli import main

    assert main(["relay", "--hops", "2", "--length-km", "60", "--shots", "40000", "--seed", "3",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["keys_match"] and out["relayed_key_bits"] == min(out["hop_key_bits"]) > 0
    assert out["key_exposed_to"] == ["T1"] and out["pairs_per_hop"] == 40000
    for argv in (["--hops", "0"], ["--preset", "backbone", "--hops", "3"], ["--length-km", "nan"]):
        try:
            code = main(["relay", *argv])
        except SystemExit as exc:  # argparse's own one-line errors
            code = exc.code
        assert code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1
