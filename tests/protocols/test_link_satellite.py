"""A satellite pair source over two free-space downlinks, used where a fiber link is."""

from __future__ import annotations

import math

import pytest

from qnet_circuits import physics
from qnet_circuits.cli import main
from qnet_circuits.network import Fiber, Link, Network, chain
from qnet_circuits.network.free_space import SatelliteDownlinks, satellite_link
from qnet_circuits.physics.free_space import MICIUS_2017, Downlink, slant_range_km
from qnet_circuits.protocols import link

#: a diffraction-limited 300 mm transmitter to 1.2 m receivers at zenith: ~3 dB per arm
CLEAR = Downlink(receiver_aperture_m=1.2, zenith_transmittance=0.8, optics_efficiency=1.0)


def test_channel_geometry_and_loss():
    sat = SatelliteDownlinks(500.0, 30.0, MICIUS_2017)
    assert sat.arm_km == pytest.approx(slant_range_km(500.0, 30.0))
    assert sat.length_km == pytest.approx(2 * sat.arm_km)
    assert sat.delay_s == pytest.approx(sat.length_km / 299_792.458)
    assert sat.transmissivity == pytest.approx(MICIUS_2017.transmissivity(sat.arm_km, 30.0) ** 2)
    assert sat.loss_db_per_arm == pytest.approx(MICIUS_2017.loss_db(500.0, 30.0))


def test_link_theory_equals_a_fiber_link_with_the_same_arm_efficiency():
    net = satellite_link(altitude_km=500.0, elevation_deg=45.0)
    sat_link = net.links[0]
    arm = sat_link.fiber.arm_km
    eta = sat_link.fiber.transmissivity_over(arm)
    # a fiber whose arm of the same length transmits the same: its closed form must agree
    fiber = Fiber(2 * arm, -10 * math.log10(eta) / arm, 299_792.458)
    twin = Link("alice", "bob", fiber, scheme="midpoint")
    twin_net = Network(net.nodes, (twin,))
    a, b = physics.link_theory(sat_link, net), physics.link_theory(twin, twin_net)
    for key in ("p_success", "fidelity", "cycle_time_s", "rate_hz"):
        assert a[key] == pytest.approx(b[key], rel=1e-9)


def test_simulated_satellite_link_matches_the_closed_form():
    params = link.LinkParams(scheme="midpoint", satellite=SatelliteDownlinks(500.0, 90.0, CLEAR))
    result = link.run(params, shots=1500, seed=4)
    assert result.p_success.within(result.theory["p_success"], k=5)
    assert result.exact["p_success"] == pytest.approx(result.theory["p_success"], rel=1e-9)
    assert result.fidelity.within(result.theory["fidelity"], k=5)


@pytest.mark.parametrize("kwargs, field", [
    ({"scheme": "double-click"}, "--scheme midpoint"),
    ({"scheme": "midpoint", "length_km": 50.0}, "--length-km"),
])
def test_satellite_params_refuse_fiber_options(kwargs, field):
    with pytest.raises(ValueError, match=field):
        link.LinkParams(satellite=SatelliteDownlinks(), **kwargs)


def test_cli_satellite_options(capsys):
    for argv in (["--elevation-deg", "45"], ["--satellite", "--scheme", "midpoint",
                                             "--elevation-deg", "95"]):
        assert main(["link", *argv]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="elevation_deg"):
        SatelliteDownlinks(500.0, 0.0)
    assert chain(1, 10.0).links[0].fiber.length_km == 10.0  # fiber links unchanged
