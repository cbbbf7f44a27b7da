"""Time the pulse-level decoy-state BB84 simulation: 10^8 pulses at 50 km (issue 15: < 10 s).

Prints the wall time and each intensity's simulated gain and QBER beside Ma et al.'s closed
forms, in standard errors. ``python benchmarks/bb84_pulses.py [PULSES]``.
"""

from __future__ import annotations

import math
import sys
import time

from qnet_circuits.physics.decoy import GYS, wcp_gain, wcp_qber, wcp_transmittance
from qnet_circuits.protocols.bb84.pulses import simulate_pulses


def main(n_pulses: int = 10**8, length_km: float = 50.0) -> None:
    mus = (0.48, 0.1, 0.0)
    t0 = time.perf_counter()
    t = simulate_pulses(n_pulses, length_km, GYS, intensities=mus, probabilities=(0.8, 0.1, 0.1),
                        seed=2026)
    wall = time.perf_counter() - t0
    eta = wcp_transmittance(length_km, GYS)
    print(f"{n_pulses:.0e} pulses at {length_km:g} km (GYS): {wall:.2f} s")
    for i, x in enumerate(mus):
        q, n = wcp_gain(x, eta, GYS), int(t.pulses[i])
        g = t.detections[i] / n
        line = f"  mu={x:<5g} gain {g:.4e} theory {q:.4e} ({(g - q) / math.sqrt(q / n):+.2f} sigma)"
        if x > 0:
            e, s = wcp_qber(x, eta, GYS), int(t.sifted[i])
            qb = t.errors[i] / s
            line += (f"  QBER {qb:.4f} theory {e:.4f} "
                     f"({(qb - e) / math.sqrt(e * (1 - e) / s):+.2f} sigma)")
        print(line)


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**8)
