"""Free-space (satellite and ground) optical links: a geometric loss model in closed form.

A Gaussian beam of wavelength ``lambda`` leaves a transmitter of aperture ``D_T`` with waist
``w0 = D_T / 2`` and far-field half-angle divergence ``theta = M2 lambda / (pi w0)`` (``M2 = 1``
is the diffraction limit; a measured divergence sets ``M2`` through :func:`beam_quality_for`).
At range ``d`` its 1/e^2 radius is ``w(d) = w0 sqrt(1 + (d / z_R)^2)``, ``z_R = pi w0^2 / (M2
lambda)``. A random pointing error of standard deviation ``sigma`` (rad, per axis) widens the
long-term beam to ``w_lt^2 = w^2 + 4 sigma^2 d^2`` (the average of ``exp(-2 r^2 / w^2)`` over a
Rayleigh offset of scale ``sigma d`` is ``w^2 / (w^2 + 4 sigma^2 d^2)``, exact when the receiver is
small against the beam). A receiver of aperture ``D_R`` (radius ``a``) collects

    eta_geo = 1 - exp(-2 a^2 / w_lt^2)

of the power. The atmosphere transmits ``T_zenith^(1 / sin(elevation))`` (plane-parallel layer,
air mass ``csc(elevation)``), and the receiver's optics ``eta_optics``. The slant range from a
ground station to a satellite at altitude ``h`` seen at elevation ``e`` is

    d = sqrt((R + h)^2 - R^2 cos^2 e) - R sin e,   R = 6371 km.

The link's transmissivity is ``eta = eta_geo * T_atm * eta_optics`` and its loss ``-10 log10 eta``
dB. Unlike fiber, loss grows as ``20 log10 d`` (diffraction) instead of linearly in ``d``.

Micius. Yin et al., Science 356, 1140 (2017): a pair source on a satellite at about 500 km sent
one photon each to Delingha (1.2 m telescope) and Lijiang (1.8 m), 1203 km apart; summed
downlink lengths 1600 to 2400 km; two-downlink attenuation 64 to 82 dB. Yin et al., PRL 119,
200501 (2017): one downlink to Delingha, 29 dB at 530 km to 36 dB at 1000 km. The reported beam
divergence (about 10 urad full angle, 5 urad half angle) is far above the 300 mm diffraction limit
(1.72 urad half angle at 810 nm). :data:`MICIUS_2017` takes that divergence, 1.2 urad pointing
jitter and a 0.8 zenith transmittance, and fits ONE constant, the receiver efficiency (optics,
coupling, detection: 0.0200, i.e. 17 dB), to the 29 dB at 530 km. The model then predicts 35.5 dB
at 1000 km (measured 36 dB), and 62.8, 67.6 and 72.1 dB for the two downlinks at summed lengths
1600, 2000 and 2400 km (equal arms): the low end of the measured 64-82 dB within 1.2 dB, the high
end 10 dB short. The model has no turbulence beam wander or scintillation, whose loss grows at low
elevation, and treats both arms as equally long; that is where the far end of the range goes.

>>> round(slant_range_km(500.0, 90.0), 6)
500.0
>>> round(free_space_loss_db(1000.0, elevation_deg=90.0, wavelength_nm=810.0,
...       transmitter_aperture_m=0.3, receiver_aperture_m=1.0), 2)   # diffraction only
8.11
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qnet_circuits.physics._checks import _finite, _nonneg, _positive, _prob

EARTH_RADIUS_KM = 6371.0
SPEED_OF_LIGHT_KM_PER_S = 299_792.458


def slant_range_km(altitude_km: float, elevation_deg: float) -> float:
    """Distance in km from a ground station to a satellite at ``altitude_km`` seen at
    ``elevation_deg`` above the horizon (spherical Earth of radius 6371 km)."""
    h = _positive("altitude_km", altitude_km)
    e = math.radians(_elevation(elevation_deg))
    r = EARTH_RADIUS_KM
    return math.sqrt((r + h) ** 2 - (r * math.cos(e)) ** 2) - r * math.sin(e)


def elevation_for_range_deg(altitude_km: float, distance_km: float) -> float:
    """Elevation in degrees at which a satellite at ``altitude_km`` is ``distance_km`` away
    (the inverse of :func:`slant_range_km`; ``altitude_km <= distance_km`` up to the horizon)."""
    h = _positive("altitude_km", altitude_km)
    d = _positive("distance_km", distance_km)
    r = EARTH_RADIUS_KM
    sin_e = ((r + h) ** 2 - r**2 - d**2) / (2.0 * r * d)
    if not 0.0 < sin_e <= 1.0 + 1e-12:
        horizon = math.sqrt((r + h) ** 2 - r**2)
        raise ValueError(f"distance_km={d} is not a line of sight to a satellite at {h} km: it "
                         f"must lie in [{h}, {horizon:.1f}) km")
    return math.degrees(math.asin(min(sin_e, 1.0)))


def _elevation(elevation_deg: float) -> float:
    e = _finite("elevation_deg", elevation_deg)
    if not 0.0 < e <= 90.0:
        raise ValueError(f"elevation_deg must be in (0, 90] degrees above the horizon, got {e}")
    return e


def beam_radius_m(distance_km: float, wavelength_nm: float, transmitter_aperture_m: float,
                  beam_quality: float = 1.0) -> float:
    """1/e^2 radius in m of the Gaussian beam at ``distance_km`` (waist = half the aperture)."""
    d = _nonneg("distance_km", distance_km) * 1e3
    lam = _positive("wavelength_nm", wavelength_nm) * 1e-9
    w0 = _positive("transmitter_aperture_m", transmitter_aperture_m) / 2.0
    m2 = _beam_quality(beam_quality)
    z_r = math.pi * w0**2 / (m2 * lam)
    return w0 * math.sqrt(1.0 + (d / z_r) ** 2)


def divergence_urad(wavelength_nm: float, transmitter_aperture_m: float,
                    beam_quality: float = 1.0) -> float:
    """Far-field half-angle divergence ``M2 lambda / (pi w0)`` in microradians."""
    lam = _positive("wavelength_nm", wavelength_nm) * 1e-9
    w0 = _positive("transmitter_aperture_m", transmitter_aperture_m) / 2.0
    return _beam_quality(beam_quality) * lam / (math.pi * w0) * 1e6


def beam_quality_for(half_angle_urad: float, wavelength_nm: float,
                     transmitter_aperture_m: float) -> float:
    """The ``M2`` that gives a measured half-angle divergence (>= 1: nothing beats diffraction)."""
    theta = _positive("half_angle_urad", half_angle_urad)
    m2 = theta / divergence_urad(wavelength_nm, transmitter_aperture_m)
    if m2 < 1.0:
        raise ValueError(f"half_angle_urad={theta} is below the diffraction limit "
                         f"{divergence_urad(wavelength_nm, transmitter_aperture_m):.4g} urad of "
                         "this aperture and wavelength; use a larger divergence or aperture")
    return m2


def atmospheric_transmittance(elevation_deg: float, zenith_transmittance: float = 0.8) -> float:
    """``T_zenith^(1 / sin(elevation))``: one crossing of the atmosphere (dimensionless)."""
    t0 = _prob("zenith_transmittance", zenith_transmittance)
    return t0 ** (1.0 / math.sin(math.radians(_elevation(elevation_deg))))


def free_space_transmissivity(distance_km: float, *, elevation_deg: float = 90.0,
                              wavelength_nm: float = 810.0, transmitter_aperture_m: float = 0.3,
                              receiver_aperture_m: float = 1.0, beam_quality: float = 1.0,
                              pointing_error_urad: float = 0.0, zenith_transmittance: float = 1.0,
                              optics_efficiency: float = 1.0) -> float:
    """Transmissivity of one free-space link over ``distance_km`` (module doc); dimensionless."""
    w = beam_radius_m(distance_km, wavelength_nm, transmitter_aperture_m, beam_quality)
    sigma = _nonneg("pointing_error_urad", pointing_error_urad) * 1e-6
    d_m = distance_km * 1e3
    w_lt2 = w**2 + 4.0 * (sigma * d_m) ** 2
    a = _positive("receiver_aperture_m", receiver_aperture_m) / 2.0
    eta_geo = -math.expm1(-2.0 * a**2 / w_lt2)
    t_atm = atmospheric_transmittance(elevation_deg, zenith_transmittance)
    return eta_geo * t_atm * _prob("optics_efficiency", optics_efficiency)


def free_space_loss_db(distance_km: float, **link: float) -> float:
    """Loss in dB of :func:`free_space_transmissivity` (same keyword arguments)."""
    eta = free_space_transmissivity(distance_km, **link)
    return math.inf if eta <= 0.0 else -10.0 * math.log10(eta)


@dataclass(frozen=True)
class Downlink:
    """A satellite-to-ground optical link's hardware (lengths in m, angles in urad).

    Attributes:
        wavelength_nm: photon wavelength.
        transmitter_aperture_m: satellite telescope aperture (beam waist = half of it).
        receiver_aperture_m: ground telescope aperture.
        beam_quality: ``M2 >= 1`` (divergence over the diffraction limit).
        pointing_error_urad: pointing jitter per axis (standard deviation).
        zenith_transmittance: atmosphere at zenith, in [0, 1].
        optics_efficiency: receiving optics and coupling, in [0, 1] (detectors are separate).
    """

    wavelength_nm: float = 810.0
    transmitter_aperture_m: float = 0.3
    receiver_aperture_m: float = 1.2
    beam_quality: float = 1.0
    pointing_error_urad: float = 0.0
    zenith_transmittance: float = 0.8
    optics_efficiency: float = 1.0

    def __post_init__(self) -> None:
        _positive("wavelength_nm", self.wavelength_nm)
        _positive("transmitter_aperture_m", self.transmitter_aperture_m)
        _positive("receiver_aperture_m", self.receiver_aperture_m)
        _beam_quality(self.beam_quality)
        _nonneg("pointing_error_urad", self.pointing_error_urad)
        _prob("zenith_transmittance", self.zenith_transmittance)
        _prob("optics_efficiency", self.optics_efficiency)

    def transmissivity(self, distance_km: float, elevation_deg: float) -> float:
        """Transmissivity over ``distance_km`` seen at ``elevation_deg`` (dimensionless)."""
        return free_space_transmissivity(
            distance_km, elevation_deg=elevation_deg, wavelength_nm=self.wavelength_nm,
            transmitter_aperture_m=self.transmitter_aperture_m,
            receiver_aperture_m=self.receiver_aperture_m, beam_quality=self.beam_quality,
            pointing_error_urad=self.pointing_error_urad,
            zenith_transmittance=self.zenith_transmittance,
            optics_efficiency=self.optics_efficiency)

    def loss_db(self, altitude_km: float, elevation_deg: float) -> float:
        """Loss in dB towards a satellite at ``altitude_km`` seen at ``elevation_deg``."""
        eta = self.transmissivity(slant_range_km(altitude_km, elevation_deg), elevation_deg)
        return math.inf if eta <= 0.0 else -10.0 * math.log10(eta)


def _beam_quality(m2: float) -> float:
    x = _finite("beam_quality", m2)
    if x < 1.0:
        raise ValueError(f"beam_quality (M2) must be >= 1 (1 is the diffraction limit), got {x}")
    return x


#: Micius entanglement downlink to Delingha (Yin et al. 2017, module doc): 810 nm, 300 mm
#: transmitter with the reported 5 urad half-angle divergence, 1.2 m receiver, 1.2 urad pointing,
#: 0.8 zenith transmittance; ``optics_efficiency`` is the one constant fitted to the measured
#: 29 dB at 530 km (it holds the receiving optics, coupling and detection; pair it with an ideal
#: detector in a :class:`~qnet_circuits.network.Link` so nothing is counted twice).
MICIUS_2017 = Downlink(
    wavelength_nm=810.0, transmitter_aperture_m=0.3, receiver_aperture_m=1.2,
    beam_quality=beam_quality_for(5.0, 810.0, 0.3), pointing_error_urad=1.2,
    zenith_transmittance=0.8, optics_efficiency=0.0200,
)
