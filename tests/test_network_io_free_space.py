"""Free-space (satellite) edges in network files: round trips, defaults, and one-line errors."""

from __future__ import annotations

import pytest

from qnet_circuits import physics
from qnet_circuits.network import io
from qnet_circuits.network.free_space import SatelliteDownlinks, satellite_link
from qnet_circuits.physics.free_space import MICIUS_2017, Downlink

MIXED = """nodes: {alice: {}, r1: {}, bob: {}}
links:
  - {a: alice, b: r1, length_km: 25}
  - {a: r1, b: bob, channel: free_space, altitude_km: 600, elevation_deg: 60,
     receiver_aperture_m: 1.8}
"""


@pytest.mark.parametrize("ext", ["json", "graphml", "yaml"])
def test_free_space_edges_round_trip(tmp_path, ext):
    net = satellite_link(altitude_km=600.0, elevation_deg=45.0,
                         downlink=Downlink(850.0, 0.25, 1.0, 1.5, 0.5, 0.7, 0.1))
    assert io.load(io.save(net, tmp_path / f"n.{ext}")) == net
    mixed = io.load(_write(tmp_path, "m.yaml", MIXED))
    assert io.load(io.save(mixed, tmp_path / f"m.{ext}")) == mixed


def test_defaults_are_the_micius_downlink_and_the_loss_is_the_beam_model(tmp_path):
    net = io.load(_write(tmp_path, "m.yaml", MIXED))
    fiber, sat = net.links
    assert fiber.fiber.length_km == 25.0 and isinstance(sat.fiber, SatelliteDownlinks)
    assert sat.scheme == "midpoint" and sat.detector.efficiency == 1.0
    o = sat.fiber.downlink
    assert o == Downlink(MICIUS_2017.wavelength_nm, MICIUS_2017.transmitter_aperture_m, 1.8,
                         MICIUS_2017.beam_quality, MICIUS_2017.pointing_error_urad,
                         MICIUS_2017.zenith_transmittance, MICIUS_2017.optics_efficiency)
    arm = physics.free_space.slant_range_km(600.0, 60.0)
    assert sat.fiber.transmissivity == pytest.approx(o.transmissivity(arm, 60.0) ** 2)
    theory = physics.link_theory(sat, net)
    assert 0.0 < theory["p_success"] <= sat.fiber.transmissivity


@pytest.mark.parametrize("edge, field", [
    ("channel: free_space, elevation_deg: 95", "elevation_deg"),
    ("channel: free_space, elevation_deg: 0", "elevation_deg"),
    ("channel: free_space, altitude_km: -3", "altitude_km"),
    ("channel: free_space, receiver_aperture_m: 0", "receiver_aperture_m"),
    ("channel: free_space, beam_quality: 0.5", "beam_quality"),
    ("channel: free_space, zenith_transmittance: 1.5", "zenith_transmittance"),
    ("channel: free_space, wavelength_nm: abc", "wavelength_nm"),
    ("channel: free_space, length_km: 10", "length_km"),
    ("channel: free_space, scheme: double-click", "scheme"),
    ("channel: laser", "channel"),
    ("length_km: 10, elevation_deg: 40", "elevation_deg"),
    ("channel: free_space, elevaton_deg: 40", "elevaton_deg"),
])
def test_bad_free_space_fields_name_the_file_and_field(tmp_path, edge, field):
    path = _write(tmp_path, "bad.yaml", "nodes: {alice: {}, bob: {}}\nlinks:\n"
                                        f"  - {{a: alice, b: bob, {edge}}}\n")
    with pytest.raises(ValueError) as exc:
        io.load(path)
    msg = str(exc.value)
    assert "bad.yaml" in msg and field in msg and "\n" not in msg


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path
