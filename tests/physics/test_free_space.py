"""Free-space link loss (physics.free_space) against geometry, the Gaussian-beam law and Micius."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.physics.free_space import (
    MICIUS_2017,
    Downlink,
    atmospheric_transmittance,
    beam_quality_for,
    beam_radius_m,
    divergence_urad,
    elevation_for_range_deg,
    free_space_loss_db,
    free_space_transmissivity,
    slant_range_km,
)


def test_slant_range_geometry() -> None:
    assert slant_range_km(500.0, 90.0) == pytest.approx(500.0, abs=1e-9)
    horizon = math.sqrt(6871.0**2 - 6371.0**2)  # tangent line at elevation -> 0
    assert slant_range_km(500.0, 1e-9) == pytest.approx(horizon, rel=1e-6)
    for e in (10.0, 30.0, 60.0):
        assert elevation_for_range_deg(500.0, slant_range_km(500.0, e)) == pytest.approx(e, rel=1e-9)


def test_gaussian_beam_far_field_and_diffraction_limit() -> None:
    theta = divergence_urad(810.0, 0.3)  # lambda / (pi w0), w0 = 0.15 m
    assert theta == pytest.approx(810e-9 / (math.pi * 0.15) * 1e6, rel=1e-12)
    # far field: w(d) -> theta d, so the loss grows by 20 log10 2 = 6.02 dB per doubling
    assert beam_radius_m(4000.0, 810.0, 0.3) == pytest.approx(theta * 1e-6 * 4e6, rel=1e-3)
    small = {"receiver_aperture_m": 0.05}
    gain = free_space_loss_db(4000.0, **small) - free_space_loss_db(2000.0, **small)
    assert gain == pytest.approx(20 * math.log10(2), abs=0.01)
    assert beam_quality_for(5.0, 810.0, 0.3) * theta == pytest.approx(5.0)


def test_exact_gaussian_aperture_and_atmosphere() -> None:
    w = beam_radius_m(1000.0, 810.0, 0.3, beam_quality=3.0)
    eta = free_space_transmissivity(1000.0, beam_quality=3.0, receiver_aperture_m=1.0,
                                    elevation_deg=30.0, zenith_transmittance=0.8,
                                    optics_efficiency=0.5)
    assert eta == pytest.approx((1 - math.exp(-2 * 0.5**2 / w**2)) * 0.8**2 * 0.5, rel=1e-12)
    assert atmospheric_transmittance(90.0, 0.8) == pytest.approx(0.8)


def test_pointing_jitter_is_the_average_over_rayleigh_offsets() -> None:
    # the long-term beam w^2 + 4 sigma^2 d^2 is the mean of exp(-2 r^2 / w^2) over an offset r
    # with Gaussian components of std sigma d, for a receiver small against the beam
    d_km, sigma_urad, a = 1000.0, 2.0, 0.01
    w = beam_radius_m(d_km, 810.0, 0.3, beam_quality=3.0)
    rng = np.random.default_rng(3)
    s = sigma_urad * 1e-6 * d_km * 1e3
    r2 = (rng.normal(0, s, 200_000) ** 2 + rng.normal(0, s, 200_000) ** 2)
    samples = np.exp(-2 * r2 / w**2) * (1 - math.exp(-2 * a**2 / w**2))
    kw = {"beam_quality": 3.0, "receiver_aperture_m": 2 * a}
    model = free_space_transmissivity(d_km, pointing_error_urad=sigma_urad, **kw)
    assert abs(samples.mean() - model) <= 5 * samples.std() / math.sqrt(samples.size) + 1e-4 * model


def test_micius_calibration_and_prediction() -> None:
    # one constant fitted to PRL 119, 200501: 29 dB at 530 km to Delingha
    e530 = elevation_for_range_deg(500.0, 530.0)
    assert MICIUS_2017.transmissivity(530.0, e530) == pytest.approx(10 ** -2.9, rel=0.01)
    # prediction at 1000 km: measured 36 dB
    e1000 = elevation_for_range_deg(500.0, 1000.0)
    loss_1000 = -10 * math.log10(MICIUS_2017.transmissivity(1000.0, e1000))
    assert loss_1000 == pytest.approx(35.5, abs=0.1) and abs(loss_1000 - 36.0) < 1.0
    # two downlinks (Delingha 1.2 m, Lijiang 1.8 m), equal arms: Science 356, 1140 gives 64-82 dB
    lijiang = Downlink(**{**MICIUS_2017.__dict__, "receiver_aperture_m": 1.8})
    two = []
    for total in (1600.0, 2000.0, 2400.0):
        d = total / 2
        e = elevation_for_range_deg(500.0, d)
        two.append(-10 * math.log10(MICIUS_2017.transmissivity(d, e) * lijiang.transmissivity(d, e)))
    assert two == pytest.approx([62.8, 67.6, 72.1], abs=0.1)
    assert abs(two[0] - 64.0) < 1.5  # the low end; the high end is 10 dB short (no turbulence)


@pytest.mark.parametrize("call, field", [
    (lambda: slant_range_km(500.0, 0.0), "elevation_deg"),
    (lambda: slant_range_km(500.0, 91.0), "elevation_deg"),
    (lambda: slant_range_km(-1.0, 30.0), "altitude_km"),
    (lambda: elevation_for_range_deg(500.0, 100.0), "distance_km"),
    (lambda: free_space_transmissivity(-5.0), "distance_km"),
    (lambda: Downlink(beam_quality=0.5), "beam_quality"),
    (lambda: Downlink(zenith_transmittance=1.5), "zenith_transmittance"),
    (lambda: beam_quality_for(0.1, 810.0, 0.3), "half_angle_urad"),
])
def test_bad_input_names_the_field(call, field) -> None:
    with pytest.raises(ValueError, match=field):
        call()
