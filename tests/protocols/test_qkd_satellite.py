"""E91 / BBM92 from a pair source on a satellite: two free-space downlinks, theory beside it."""

from __future__ import annotations

import json

import pytest

from qnet_circuits import physics
from qnet_circuits.cli import main
from qnet_circuits.network.free_space import SatelliteDownlinks
from qnet_circuits.physics.free_space import MICIUS_2017, slant_range_km
from qnet_circuits.protocols import qkd


def test_bbm92_over_a_satellite_downlink_pair():
    params = qkd.QkdParams(protocol="bbm92", fidelity=0.97, pairs=40_000, sampling="exact",
                           satellite=SatelliteDownlinks(500.0, 60.0))
    r = qkd.run(params, seed=3)
    link = params.network.links[0]
    arm = slant_range_km(500.0, 60.0)
    assert link.scheme == "midpoint"
    assert link.fiber.transmissivity == pytest.approx(MICIUS_2017.transmissivity(arm, 60.0) ** 2)
    for basis in ("Z", "X"):
        assert r.qber[basis].within(r.theory["qber"][basis], k=4)
    theory = physics.link_theory(link, params.network)
    assert r.report.delivery_rate_hz == pytest.approx(theory["p_success"] / link.cycle_time_s)
    assert r.key.keys_match
    d = r.to_dict()
    assert d["satellite"]["loss_db_two_arms"] == pytest.approx(2 * MICIUS_2017.loss_db(500.0, 60.0))
    assert d["length_km"] == pytest.approx(2 * arm)


def test_e91_from_the_heralded_satellite_state():
    params = qkd.QkdParams(protocol="e91", source="link", pairs=40_000, sampling="exact",
                           satellite=SatelliteDownlinks(600.0, 45.0))
    r = qkd.run(params, seed=4)
    assert r.chsh.within(r.theory["S"], k=4) and r.chsh.value > 2.0


def test_satellite_flags_and_bad_input(capsys):
    assert main(["qkd", "--satellite", "--elevation-deg", "75", "--sampling", "exact",
                 "--pairs", "5000", "--seed", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["satellite"]["elevation_deg"] == 75.0
    for argv, field in ((["--satellite", "--elevation-deg", "91"], "elevation_deg"),
                        (["--satellite", "--length-km", "20"], "--length-km"),
                        (["--satellite", "--links", "2"], "--links"),
                        (["--altitude-km", "400"], "--satellite")):
        assert main(["qkd", *argv]) == 2
        err = capsys.readouterr().err
        assert field in err and "Traceback" not in err and err.count("\n") == 1
