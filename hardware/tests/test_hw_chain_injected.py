"""``qnet chain --backend fake_<device> --memory injected``: the network's memories as operations
on a device (no Delay left; dilation ancilla reset in the ISA circuit), beside the device's own
noise."""

from __future__ import annotations

import json

from qnet_circuits.cli import main


def test_injected_memory_runs_on_a_fake_device(capsys):
    code = main(["chain", "--backend", "fake_torino", "--links", "2", "--t1", "0.004",
                 "--t2", "0.003", "--memory", "injected", "--shots", "150", "--seed", "2",
                 "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    dev = out["device_form"]
    assert dev["memory"] == "injected" and dev["time_scale"] is None
    assert dev["injected_t1_s"] == 0.004 and dev["injected_t2_s"] == 0.003
    assert dev["isa"]["delays"]["count"] == 0  # every wait became an operation
    # the device's own noise only adds to the injected memories' decay
    assert out["fidelity"] - 4 * out["fidelity_stderr"] < out["theory"]["fidelity"]
