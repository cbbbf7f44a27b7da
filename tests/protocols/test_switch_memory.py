"""The switch's memory options (``qnet switch --memory``, ``--time-scale``; shared with the chain):
injected memories on Aer reproduce the network model, contradicting options are refused."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qnet_circuits.cli import main
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.switching import switch_swap_circuit
from qnet_circuits.protocols import switch
from qnet_circuits.protocols.device_memory import run_injected
from qnet_circuits.protocols.pairs import pair_estimates
from qnet_circuits.run import AerRunner


def test_injected_dephasing_at_fixed_waits_is_the_closed_form():
    """Sampled Z frames per shot on an ideal Aer device: the delivered fidelity at waits
    (12 ms, 4 ms) with T2 = 20 ms is the closed form within 4 standard errors (and far from
    the fidelity without waits, so the injected channel is really there)."""
    params = switch.SwitchParams(users=3, t2_s=0.02, link_fidelity=0.95)
    net = switch.network(params)
    qc = switch_swap_circuit(0.95, 0.012, 0.004)
    seqs = np.random.SeedSequence(21).spawn(4)
    rng = np.random.default_rng(seqs[0])
    data = {b: run_injected(AerRunner(), c, net, shots=4000, seed=seqs[1 + k], rng=rng)
            for k, (b, c) in enumerate(pauli_basis_circuits(qc, qc.metadata["pair"]).items())}
    fid = pair_estimates(data).fidelity
    expected = float(switch.params.fidelity_of_waits(params, np.array([[0.012, 0.004]]))[0])
    assert fid.within(expected, k=4)
    assert abs(fid.value - params.link_fidelity**2) > 8 * fid.stderr  # waits matter here
    assert data["XX"].shots == 4000 and data["XX"].metadata["rows"] == 4000


def test_injected_run_reproduces_the_network_model_on_the_same_waits():
    common = dict(users=3, swaps=1000, t2_s=0.02, link_fidelity=0.97, fidelity_samples=1)
    inj = switch.run(switch.SwitchParams(memory="injected", **common), shots=3000, seed=4)
    model = switch.run(switch.SwitchParams(**common), shots=3000, seed=4)
    assert inj.fidelity_at_waits == model.fidelity_at_waits  # the same sampled delivered pair
    assert inj.fidelity.within(inj.fidelity_at_waits, k=4)
    combined = math.hypot(inj.fidelity.stderr, model.fidelity.stderr)
    assert abs(inj.fidelity.value - model.fidelity.value) < 4 * combined
    assert inj.theory["fresh_pair_fidelity"] - inj.fidelity_at_waits > 8 * inj.fidelity.stderr
    mem = inj.to_dict()["device_memory"]
    assert mem["memory"] == "injected" and mem["injected_t2_s"] == 0.02
    assert mem["time_scale"] is None
    assert model.to_dict()["device_memory"]["memory"] == "network (Aer noise passes)"


@pytest.mark.parametrize(("fields", "match"), [
    ({"memory": "injected", "time_scale": 2.0}, "--time-scale"),
    ({"memory": "ram"}, "memory must be one of device, off, injected"),
    ({"time_scale": 0.0}, "time_scale must be > 0"),
    ({"time_scale": float("nan")}, "time_scale"),
])
def test_bad_memory_options_are_refused(fields, match):
    with pytest.raises(ValueError, match=match):
        switch.SwitchParams(**fields)


@pytest.mark.parametrize(("argv", "message"), [
    (["--memory", "injected", "--time-scale", "3"], "drop one of them"),
    (["--memory", "off"], "act on a device's own qubits"),
    (["--time-scale", "2"], "act on a device's own qubits"),
    (["--time-scale", "0"], "time_scale must be > 0"),
])
def test_cli_memory_errors_are_one_line_exit_2(argv, message, capsys):
    code = main(["switch", "--users", "3", "--swaps", "200", "--fidelity-samples", "1",
                 "--shots", "20", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_injected_json_and_text(capsys):
    argv = ["switch", "--users", "3", "--swaps", "300", "--t2", "0.05", "--fidelity-samples", "2",
            "--shots", "60", "--seed", "3", "--memory", "injected"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["memory"] == "injected" and out["device_memory"]["injected_t2_s"] == 0.05
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "injected as operations: memory T1/T2" in text and "fiber" not in text
