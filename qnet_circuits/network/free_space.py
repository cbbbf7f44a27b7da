"""Free-space links: a satellite (or any midpoint station) and two downlinks, as a link's channel.

:class:`SatelliteDownlinks` stands where a :class:`~qnet_circuits.network.Fiber` stands in a
:class:`~qnet_circuits.network.Link`: the link's station (for the ``midpoint`` scheme, the pair
source) sits on a satellite at ``altitude_km``, seen from both ground nodes at ``elevation_deg``,
so each arm is the slant range and loses what the Gaussian-beam model of
:mod:`qnet_circuits.physics.free_space` says (diffraction, pointing, atmosphere, receiver); light
travels at c. Every consumer of a link's channel (heralded generation, its noise, its closed
forms, QKD over the link, the chain scheduler) uses the same four things: ``length_km`` (node to
node through the station), ``transmissivity_over(d)``, ``speed_km_per_s`` and ``delay_s``.

``transmissivity_over(d)`` is the beam law at range ``d`` (not exponential in ``d``: a free-space
channel has no loss per km), and ``transmissivity`` of the whole channel is the two arms'
product, as for a fiber with its station halfway. :func:`satellite_link` builds a one-link
network (the Micius downlink pair of :data:`~qnet_circuits.physics.free_space.MICIUS_2017` by
default). Network files describe such a link as an edge with ``channel: free_space``
(:mod:`qnet_circuits.network.io`).

>>> net = satellite_link(altitude_km=500.0, elevation_deg=30.0)
>>> round(net.links[0].fiber.length_km, 1), round(net.links[0].arm_efficiency, 6)
(1818.8, 0.000357)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from qnet_circuits.network.core import Detector, Link, Memory, Network, Node


def _downlink_default():
    from qnet_circuits.physics.free_space import MICIUS_2017

    return MICIUS_2017


@dataclass(frozen=True)
class SatelliteDownlinks:
    """Two equal downlinks from a satellite station to the link's two ground nodes.

    Attributes:
        altitude_km: the satellite's altitude in km (> 0).
        elevation_deg: elevation of the satellite seen from each node, in (0, 90] degrees.
        downlink: the optics (:class:`~qnet_circuits.physics.free_space.Downlink`).
    """

    altitude_km: float = 500.0
    elevation_deg: float = 30.0
    downlink: object = field(default_factory=_downlink_default)
    speed_km_per_s: float = 299_792.458

    @staticmethod
    def check(name: str, value: float) -> None:
        """Validate ``altitude_km`` (> 0) or ``elevation_deg`` (in (0, 90]) alone."""
        from qnet_circuits.physics.free_space import slant_range_km

        if name == "altitude_km":
            slant_range_km(value, 90.0)
        else:
            slant_range_km(500.0, value)

    def __post_init__(self) -> None:
        from qnet_circuits.physics.free_space import Downlink, slant_range_km

        if not isinstance(self.downlink, Downlink):
            raise ValueError("downlink must be a qnet_circuits.physics.free_space.Downlink")
        slant_range_km(self.altitude_km, self.elevation_deg)  # validates both (ValueError)

    @property
    def arm_km(self) -> float:
        """Slant range from each node to the satellite, in km."""
        from qnet_circuits.physics.free_space import slant_range_km

        return slant_range_km(self.altitude_km, self.elevation_deg)

    @property
    def length_km(self) -> float:
        """Node-to-node path through the satellite (two slant ranges), in km."""
        return 2.0 * self.arm_km

    def transmissivity_over(self, length_km: float) -> float:
        """Transmissivity of one beam over ``length_km`` at this elevation (dimensionless)."""
        return self.downlink.transmissivity(length_km, self.elevation_deg)

    @property
    def transmissivity(self) -> float:
        """Both arms: the probability that a photon pair from the satellite reaches both nodes."""
        return self.transmissivity_over(self.arm_km) ** 2

    @property
    def delay_s(self) -> float:
        """One-way signal delay node to node through the satellite, in s."""
        return self.length_km / self.speed_km_per_s

    @property
    def loss_db_per_arm(self) -> float:
        """Loss of each downlink in dB."""
        eta = self.transmissivity_over(self.arm_km)
        return math.inf if eta <= 0 else -10.0 * math.log10(eta)


def satellite_link(*, altitude_km: float = 500.0, elevation_deg: float = 30.0, downlink=None,
                   pair_probability: float = 1.0, detector_efficiency: float = 1.0,
                   t1_s: float = math.inf, t2_s: float = math.inf,
                   names: tuple[str, str] = ("alice", "bob")) -> Network:
    """Two ground nodes sharing pairs from a satellite source (``midpoint`` scheme) over two
    downlinks. ``detector_efficiency`` is the nodes' heralding detectors (1 by default: the
    Micius downlink's fitted receiver efficiency already holds its detection)."""
    channel = SatelliteDownlinks(altitude_km, elevation_deg,
                                 _downlink_default() if downlink is None else downlink)
    memory = Memory(t1_s=t1_s, t2_s=t2_s)
    nodes = tuple(Node(name=n, role="end", memory=memory) for n in names)
    link = Link(names[0], names[1], channel, scheme="midpoint",  # type: ignore[arg-type]
                detector=Detector(detector_efficiency, 0.0), pair_probability=pair_probability)
    return Network(nodes, (link,))
