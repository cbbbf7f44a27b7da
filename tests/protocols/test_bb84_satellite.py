"""BB84 with decoys over a satellite downlink: loss from the free-space model, theory beside it."""

from __future__ import annotations

import json
import math

import pytest

from qnet_circuits.cli import main
from qnet_circuits.network.free_space import SatelliteDownlinks
from qnet_circuits.physics.decoy import GYS, wcp_gain, wcp_qber
from qnet_circuits.physics.free_space import MICIUS_2017, slant_range_km
from qnet_circuits.protocols import bb84


@pytest.fixture(scope="module")
def result():
    params = bb84.Bb84Params(decoy="vacuum-weak", pulses=4 * 10**7, rounds=20_000,
                             satellite=SatelliteDownlinks(500.0, 70.0))
    return bb84.run(params, seed=13)


def test_downlink_loss_is_the_beam_model(result):
    d = result.to_dict()
    arm = slant_range_km(500.0, 70.0)
    eta = MICIUS_2017.transmissivity(arm, 70.0)
    assert d["satellite"]["loss_db"] == pytest.approx(-10 * math.log10(eta))
    assert d["length_km"] == pytest.approx(arm)
    assert result.theory["eta"] == pytest.approx(eta, rel=1e-12)   # eta_bob is not applied again
    assert result.circuit.theory["eta"] == pytest.approx(eta, rel=1e-9)


def test_gains_and_qbers_match_ma_et_al_at_the_downlink_eta(result):
    eta = result.theory["eta"]
    for label, x in (("signal", result.mu), ("decoy", 0.1), ("vacuum", 0.0)):
        g = result.gains[label]
        assert g.within(wcp_gain(x, eta, GYS), k=4)
        if label != "vacuum":
            assert result.qbers[label].within(wcp_qber(x, eta, GYS), k=4)
    assert result.circuit.gain.within(result.circuit.theory["gain"], k=4)
    assert result.theory["key_rate"] > 0 and result.theory["max_distance_km"] > 29.0  # dB here


def test_satellite_flags_and_bad_input(capsys):
    assert main(["bb84", "--satellite", "--elevation-deg", "80", "--pulses", "2000000",
                 "--rounds", "2000", "--seed", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["satellite"]["elevation_deg"] == 80.0 and out["satellite"]["loss_db"] > 20
    for argv, field in ((["--satellite", "--elevation-deg", "0"], "elevation_deg"),
                        (["--satellite", "--length-km", "20"], "--length-km"),
                        (["--elevation-deg", "40"], "--satellite"),
                        (["--satellite", "--altitude-km", "-5"], "altitude_km")):
        assert main(["bb84", *argv]) == 2
        err = capsys.readouterr().err
        assert field in err and "Traceback" not in err and err.count("\n") == 1
