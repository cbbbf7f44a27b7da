"""One decoy-state BB84 link down to real key bits: pulses, decoy bounds, Cascade, Toeplitz.

:func:`run_decoy_hop` sends ``pulses`` weak coherent pulses (signal ``mu``, weak decoy ``nu``,
vacuum, with ``probabilities``) over a channel of overall transmittance ``eta`` (fiber
``10^(-alpha L/10) eta_bob``, or a free-space link's ``10^(-loss_dB/10) eta_bob``), samples
every detection exactly (:func:`~qnet_circuits.protocols.bb84.clicks.sample_clicks`), estimates
the single-photon yield and error rate with the decoy method and distills a key: with
``key_length="lim2014"`` (vacuum + weak decoy; the default there) the X-basis bits of every
intensity, to the composable length of Lim, Curty, Walenta, Xu and Zbinden, PRA 89, 022307
(2014) (:func:`~qnet_circuits.keys.decoy_lim.distill_lim_key`); with ``"ma2005"`` the sifted
signal bits, to the asymptotic GLLP-decoy length with Ma et al.'s Section V fluctuations
(:func:`~qnet_circuits.keys.decoy.distill_decoy_key`); both Cascade, verification, Toeplitz.
Beside it, the closed forms of Ma, Qi, Zhao and Lo (2005) at the same ``eta`` and ``mu``: gains,
QBERs, ``Y1``, ``e1`` and the asymptotic key rate per signal pulse ``R``, hence the asymptotic
key bits ``p_signal * pulses * R``.

>>> from qnet_circuits.physics.decoy import GYS, wcp_transmittance
>>> hop = run_decoy_hop(GYS, wcp_transmittance(25.0, GYS), mu=0.44, pulses=10**9, seed=2)
>>> hop.key.keys_match, hop.rate_per_pulse.within(hop.theory["key_rate_per_pulse"], k=4)
(True, True)
>>> hop.key.length.method, hop.final_key_bits < hop.theory["key_bits_asymptotic"]
('lim2014', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from qnet_circuits.keys.decoy import U_ALPHA, DecoyCounts, DecoyKey, distill_decoy_key
from qnet_circuits.keys.decoy_lim import distill_lim_key
from qnet_circuits.physics.decoy import (
    DecoyChannel,
    rate_from_estimates,
    single_photon_yield,
    wcp_gain,
    wcp_qber,
)
from qnet_circuits.protocols.bb84 import analysis
from qnet_circuits.protocols.bb84.clicks import sample_click_records, tally_of
from qnet_circuits.protocols.bb84.pulses import PulseTally
from qnet_circuits.results import Estimate

#: how often signal, weak decoy and vacuum are sent on a relay hop
HOP_PROBABILITIES = (0.6, 0.2, 0.2)
#: key-length methods: Lim et al. 2014 (composable; vacuum + weak decoy) or Ma et al. 2005 Sec. V
KEY_LENGTHS = ("lim2014", "ma2005")


@dataclass(frozen=True, eq=False)
class DecoyHop:
    """One BB84-decoy link's run.

    Attributes:
        eta: overall transmittance (channel times eta_bob); mu, nu: intensities; method: decoy.
        tally: the detections; simulated: estimates from them (``analysis.estimates``).
        theory: the closed forms at ``eta`` (module doc).
        key: the distilled key (``key.length`` holds the length computation).
    """

    eta: float
    mu: float
    nu: float
    method: str
    probabilities: tuple[float, ...]
    tally: PulseTally
    simulated: dict[str, Any]
    theory: dict[str, float]
    key: DecoyKey

    @property
    def pulses(self) -> int:
        """Pulses sent (all intensities)."""
        return int(self.tally.pulses.sum())

    @property
    def rate_per_pulse(self) -> Estimate:
        """Asymptotic key rate per pulse sent, from the simulated gains and QBERs (``p_signal R``),
        with its delta-method standard error (NaN where the rate is clipped at 0)."""
        p = self.probabilities[0]
        return Estimate(p * self.simulated["key_rate"], p * self.simulated["key_rate_stderr"])

    @property
    def final_key_bits(self) -> int:
        """Bits of the distilled key."""
        return self.key.final_key_bits

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {"eta": self.eta, "loss_db": -10.0 * math.log10(self.eta) if self.eta > 0 else None,
                "mu": self.mu, "nu": self.nu, "decoy": self.method, "pulses": self.pulses,
                "gains": {k: v.value for k, v in self.simulated["gains"].items()},
                "qbers": {k: v.value for k, v in self.simulated["qbers"].items()},
                "sifted_signal_bits": int(self.tally.sifted[0]),
                "key_rate_per_pulse": self.rate_per_pulse.value,
                "key_rate_per_pulse_stderr": self.rate_per_pulse.stderr,
                "final_key_bits": self.final_key_bits, "keys_match": self.key.keys_match,
                "leaked_bits": None if self.key.cascade is None else self.key.cascade.leaked_bits,
                "key_length": self._length_dict(),
                "note": self.key.note, "theory": analysis.to_plain(dict(self.theory))}


    def _length_dict(self) -> dict[str, Any] | None:
        fk = self.key.length
        if fk is None:
            return None
        out = {"method": fk.method, "length": fk.length, "key_bits_in": fk.n,
               "single_photon_bits": fk.single_photon_bits, "overhead_bits": fk.overhead}
        b = fk.bounds
        if fk.method == "lim2014":
            out.update(s_x0=b.s_x0, s_x1=b.s_x1, s_z1=b.s_z1, phase_error_upper=b.phi_x)
        else:
            out.update(y1_lower=b.y1, e1_upper=b.e1, u_alpha=b.u_alpha)
        return out


def hop_theory(eta: float, mu: float, nu: float, method: str, ch: DecoyChannel,
               probabilities: tuple[float, ...], pulses: int) -> dict[str, float]:
    """Ma et al. (2005) closed forms at overall transmittance ``eta`` (module doc)."""
    y1, e1 = single_photon_yield(eta, ch)
    q_mu, e_mu = wcp_gain(mu, eta, ch), wcp_qber(mu, eta, ch)
    est = analysis.single_photon_from(method, q_mu, e_mu, wcp_gain(nu, eta, ch),
                                      wcp_qber(nu, eta, ch), ch.y0, mu, nu, ch, (y1, e1))
    rate = rate_from_estimates(q_mu, e_mu, est[2], est[1], ch)
    return {"eta": eta, "gain_signal": q_mu, "qber_signal": e_mu, "gain_decoy": wcp_gain(nu, eta, ch),
            "qber_decoy": wcp_qber(nu, eta, ch), "y1": y1, "e1": e1, "y1_estimated": est[0],
            "e1_estimated": est[1], "key_rate": rate, "key_rate_per_pulse": probabilities[0] * rate,
            "key_bits_asymptotic": probabilities[0] * rate * pulses}


def counts_of(t: PulseTally) -> DecoyCounts:
    """The public counts of a tally (and the one-photon tallies, for the infinite limit)."""
    return DecoyCounts(tuple(float(x) for x in t.intensities), tuple(int(x) for x in t.pulses),
                       tuple(int(x) for x in t.detections), tuple(int(x) for x in t.sifted),
                       tuple(int(x) for x in t.errors),
                       (int(t.single_sent[0]), int(t.single_detections[0]),
                        int(t.single_sifted[0]), int(t.single_errors[0])))


def run_decoy_hop(ch: DecoyChannel, eta: float, *, mu: float, nu: float = 0.1,
                  method: str = "vacuum-weak", pulses: int = 10**9,
                  probabilities: tuple[float, ...] = HOP_PROBABILITIES, seed: int,
                  u_alpha: float = U_ALPHA, key_length: str | None = None) -> DecoyHop:
    """Run one hop (module doc). ``method="none"`` sends only the signal; ``key_length`` None:
    ``lim2014`` for ``vacuum-weak``, ``ma2005`` otherwise."""
    key_length = key_length or ("lim2014" if method == "vacuum-weak" else "ma2005")
    if key_length not in KEY_LENGTHS:
        raise ValueError(f"key_length must be one of {', '.join(KEY_LENGTHS)}, got {key_length!r}")
    if key_length == "lim2014" and method != "vacuum-weak":
        raise ValueError("the Lim et al. (2014) length needs vacuum + weak decoys (decoy "
                         f"vacuum-weak), got {method!r}: use key_length ma2005")
    if method == "none":
        intensities, probs = (mu,), (1.0,)
    else:
        if not nu < mu:
            raise ValueError(f"decoy intensity nu={nu} must be below the signal's mu={mu}")
        intensities, probs = (mu, nu, 0.0), tuple(probabilities)
    records = sample_click_records(int(pulses), 0.0, ch, intensities=intensities,
                                   probabilities=probs, seed=seed, eta=eta)
    tally = tally_of(records, intensities, keep_bits=20_000_000)
    simulated = analysis.estimates(tally, method, ch)  # uses Y0, f, e0, q of ch, not its eta
    if key_length == "lim2014":
        key = distill_lim_key([r["bits"] for r in records], intensities, probs, seed=seed)
    else:
        key = distill_decoy_key(tally.signal_bits[0], tally.signal_bits[1], counts_of(tally),
                                method, seed=seed, u_alpha=u_alpha)
    theory = hop_theory(eta, mu, nu, method, ch, probs, int(pulses))
    return DecoyHop(eta, mu, nu, method, probs, tally, simulated, theory, key)
