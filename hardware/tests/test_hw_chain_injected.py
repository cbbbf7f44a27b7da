"""``qnet chain --backend fake_<device> --memory injected``: the network's memories as operations
on a device (no Delay left; dilation ancilla reset in the ISA circuit), beside the device's own
noise."""

from __future__ import annotations

import json

import pytest

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


def test_photonic_links_carry_their_fiber_loss_on_a_device(capsys):
    from qnet_circuits.network import chain
    from qnet_circuits.scheduler import ChainPlan, link_models, resolve_path

    code = main(["chain", "--backend", "fake_torino", "--links", "1", "--link-level", "photonic",
                 "--length-km", "20", "--memory", "injected", "--shots", "200", "--seed", "4",
                 "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    dev = json.loads(captured.out)["device_form"]
    net = chain(1, 20.0)
    models = link_models(net, resolve_path(net), ChainPlan(link_level="photonic"))
    assert dev["acceptance_theory_device"] is False
    assert dev["acceptance_theory"] == pytest.approx(models[0].p)  # with loss
    assert dev["acceptance_theory"] < 0.5 / 2  # the lossless device circuit would give 1/2
    assert dev["isa"]["delays"]["count"] == 0
