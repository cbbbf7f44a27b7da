"""E91 and BBM92 rounds as parameterized circuits, with eavesdroppers as circuits too.

One round: a source pair (any core pair circuit whose ``metadata["pair"]`` names the two memory
qubits, e.g. :func:`~qnet_circuits.library.generation.werner_pair` or
:func:`~qnet_circuits.library.generation.heralded_state`), then Alice and Bob measure their qubit
in the X-Z plane. The observable at angle ``t`` is ``cos(t) Z + sin(t) X``; it is measured by
``ry(-t)`` then a Z measurement (outcome 0 <-> eigenvalue +1). The angles are the circuit
Parameters ``theta_a`` and ``theta_b``, so every setting is the same circuit with other values
(:func:`setting_circuits` binds them, and the whole list runs as one job). For Phi+ with Werner
parameter w, ``E(a, b) = w cos(a - b)`` (physics-reference section 8); rotating about the
measurement axis instead (``rz``) would leave every outcome unchanged, the bug that makes some
E91 demos print S = -2.

Settings (:func:`e91_settings`, :func:`bbm92_settings`):

* E91 (Ekert 1991, in this plane): Alice ``(0, pi/2, pi/4)``, Bob ``(pi/4, -pi/4, pi/2)``, each
  uniformly at random. CHSH uses ``a0 = 0, a1 = pi/2, b0 = pi/4, b1 = -pi/4`` (S = 2 sqrt(2) w);
  key rounds are the matching angles ``(pi/4, pi/4)`` ("D") and ``(pi/2, pi/2)`` ("X"): 2/9 of
  the rounds.
* BBM92: both measure Z (angle 0) or X (angle pi/2), Z with probability ``p_z`` (1/2: symmetric;
  larger: the biased choice of Lo, Chau and Ardehali); key rounds are the matching bases.

Eavesdroppers (:func:`append_eavesdropper`) act on Bob's qubit between source and measurement,
with three qubits of her own, register ``eve``: ``attack`` (1 with probability
``intercept_fraction``: which pairs she intercepts), ``basis`` (her basis: a fair coin for
``"intercept-resend"``, always 0 = Z for ``"intercept-resend-z"``) and ``record`` (her outcome).
Measure-and-resend in basis Z is a CNOT from Bob's qubit onto ``record``: tracing out the record
leaves Bob exactly the eigenstate she found, and measuring it gives her outcome (the deferred
measurement principle). In basis X the CNOT is conjugated by H on Bob's qubit, controlled by
``basis``. All of Eve's qubits are measured at the end, so the circuit is measurement-terminal.

Plain noise (to tell noise from attack) is a lower source fidelity: a Werner source.

>>> from qnet_circuits.library.generation import werner_pair
>>> qc = qkd_round(werner_pair(0.9), eavesdropper="intercept-resend")
>>> sorted(p.name for p in qc.parameters), [c.name for c in qc.cregs]
(['theta_a', 'theta_b'], ['alice', 'bob', 'eve'])
>>> len(setting_circuits(qc, e91_settings()))
9
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qiskit.circuit import ClassicalRegister, Parameter, QuantumCircuit, QuantumRegister

from qnet_circuits.library.options import EAVESDROPPERS, QKD_PROTOCOLS

THETA_A = Parameter("theta_a")
THETA_B = Parameter("theta_b")
PROTOCOLS = QKD_PROTOCOLS


@dataclass(frozen=True)
class QkdSettings:
    """Measurement settings of a protocol (angles in radians, in the X-Z plane).

    Attributes:
        protocol: ``"e91"`` or ``"bbm92"``.
        alice_angles, bob_angles: each party's angles; a setting is an index into them.
        pairs: the ``(alice_setting, bob_setting)`` combinations, one circuit each.
        probabilities: probability of each pair per round (sums to 1).
        key_settings: ``{pair: key-basis name}`` of the rounds that make key.
        chsh_terms: ``((pair, sign), ...)`` with ``S = sum sign * E(pair)`` (E91; empty for BBM92).
    """

    protocol: str
    alice_angles: tuple[float, ...]
    bob_angles: tuple[float, ...]
    pairs: tuple[tuple[int, int], ...]
    probabilities: tuple[float, ...]
    key_settings: Mapping[tuple[int, int], str]
    chsh_terms: tuple[tuple[tuple[int, int], int], ...]

    def angles(self, pair: tuple[int, int]) -> tuple[float, float]:
        """``(theta_a, theta_b)`` of a setting pair."""
        return self.alice_angles[pair[0]], self.bob_angles[pair[1]]

    @property
    def key_fraction(self) -> float:
        """Probability that a round is a key round (the sifting factor)."""
        pairs = zip(self.pairs, self.probabilities, strict=True)
        return sum(p for pair, p in pairs if pair in self.key_settings)


def e91_settings() -> QkdSettings:
    """Ekert's three-by-three settings in the X-Z plane (module doc); uniform choices."""
    alice = (0.0, math.pi / 2, math.pi / 4)
    bob = (math.pi / 4, -math.pi / 4, math.pi / 2)
    pairs = tuple((a, b) for a in range(3) for b in range(3))
    return QkdSettings(
        protocol="e91",
        alice_angles=alice,
        bob_angles=bob,
        pairs=pairs,
        probabilities=tuple(1.0 / 9.0 for _ in pairs),
        key_settings={(2, 0): "D", (1, 2): "X"},
        chsh_terms=(((0, 0), 1), ((0, 1), 1), ((1, 0), 1), ((1, 1), -1)),
    )


def bbm92_settings(p_z: float = 0.5) -> QkdSettings:
    """BBM92: Z (angle 0) with probability ``p_z``, else X (angle pi/2), independently per party."""
    if not isinstance(p_z, (int, float)) or not 0.0 < p_z < 1.0:
        raise ValueError(f"p_z must be in (0, 1) (probability of the Z basis), got {p_z!r}")
    angles = (0.0, math.pi / 2)
    pz = float(p_z)
    prob = {0: pz, 1: 1.0 - pz}
    pairs = ((0, 0), (0, 1), (1, 0), (1, 1))
    return QkdSettings(
        protocol="bbm92",
        alice_angles=angles,
        bob_angles=angles,
        pairs=pairs,
        probabilities=tuple(prob[a] * prob[b] for a, b in pairs),
        key_settings={(0, 0): "Z", (1, 1): "X"},
        chsh_terms=(),
    )


def protocol_settings(protocol: str, p_z: float = 0.5) -> QkdSettings:
    """Settings of ``protocol`` (``"e91"`` or ``"bbm92"``)."""
    if protocol == "e91":
        return e91_settings()
    if protocol == "bbm92":
        return bbm92_settings(p_z)
    raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")


def _check_fraction(intercept_fraction: float) -> float:
    if (
        not isinstance(intercept_fraction, (int, float))
        or isinstance(intercept_fraction, bool)
        or math.isnan(intercept_fraction)
        or not 0.0 <= intercept_fraction <= 1.0
    ):
        raise ValueError(
            f"intercept_fraction must be a fraction of pairs in [0, 1], got {intercept_fraction!r}"
        )
    return float(intercept_fraction)


def append_eavesdropper(
    qc: QuantumCircuit, bob_qubit, eavesdropper: str, intercept_fraction: float = 1.0
) -> None:
    """Append Eve's intercept-resend on ``bob_qubit`` with her register ``eve`` (module doc).

    Adds quantum register ``eve`` (attack, basis, record) and classical register ``eve``
    (measured at the end by :func:`qkd_round`). ``eavesdropper="none"`` adds nothing.
    """
    if eavesdropper not in EAVESDROPPERS:
        raise ValueError(
            f"eavesdropper must be one of {', '.join(EAVESDROPPERS)}, got {eavesdropper!r}"
        )
    f = _check_fraction(intercept_fraction)
    if eavesdropper == "none":
        return
    eve = QuantumRegister(3, "eve")
    qc.add_register(eve)
    attack, basis, record = eve
    if f >= 1.0:
        qc.x(attack)
    elif f > 0.0:
        qc.ry(2.0 * math.asin(math.sqrt(f)), attack)
    if eavesdropper == "intercept-resend":
        qc.h(basis)  # fair coin: Z or X
    qc.ch(basis, bob_qubit)
    qc.ccx(attack, bob_qubit, record)  # measure-and-resend: copy the basis value to her record
    qc.ch(basis, bob_qubit)


def qkd_round(
    source: QuantumCircuit,
    *,
    eavesdropper: str = "none",
    intercept_fraction: float = 1.0,
    measure: bool = True,
) -> QuantumCircuit:
    """One QKD round on ``source``'s pair, measured at the Parameter angles theta_a, theta_b.

    Args:
        source: a pair circuit with ``metadata["pair"] = [alice_qubit, bob_qubit]``.
        eavesdropper: ``"none"``, ``"intercept-resend"`` (random Z/X) or ``"intercept-resend-z"``.
        intercept_fraction: fraction of pairs Eve intercepts, in [0, 1].
        measure: append the measurements (registers ``alice``, ``bob``, and ``eve`` when she is
            present); ``False`` leaves the rotated qubits unmeasured (for exact probabilities).

    Returns:
        A new circuit; ``metadata`` is the source's plus ``protocol="qkd"``, ``eavesdropper``,
        ``intercept_fraction`` and ``measured_qubits`` (alice, bob, then Eve's qubits).
    """
    meta = dict(source.metadata or {})
    pair = meta.get("pair")
    if not pair or len(pair) != 2:
        raise ValueError(
            "source.metadata['pair'] must name the two pair qubits (use a core pair circuit)"
        )
    qc = source.copy()
    qa, qb = qc.qubits[pair[0]], qc.qubits[pair[1]]
    append_eavesdropper(qc, qb, eavesdropper, intercept_fraction)
    qc.ry(-THETA_A, qa)  # measure cos(t) Z + sin(t) X: rotate the t axis onto Z
    qc.ry(-THETA_B, qb)
    eve_qubits = list(qc.qregs[-1]) if eavesdropper != "none" else []
    measured = [qa, qb, *eve_qubits]
    if measure:
        ca, cb = ClassicalRegister(1, "alice"), ClassicalRegister(1, "bob")
        qc.add_register(ca)
        qc.add_register(cb)
        qc.measure(qa, ca[0])
        qc.measure(qb, cb[0])
        if eve_qubits:
            ce = ClassicalRegister(3, "eve")
            qc.add_register(ce)
            qc.measure(eve_qubits, ce)
    qc.metadata = {
        **meta,
        "source_protocol": meta.get("protocol"),
        "protocol": "qkd",
        "eavesdropper": eavesdropper,
        "intercept_fraction": float(intercept_fraction),
        "measured_qubits": [qc.find_bit(q).index for q in measured],
    }
    qc.name = f"qkd_{eavesdropper}"
    return qc


def setting_circuits(
    round_circuit: QuantumCircuit, settings: QkdSettings
) -> list[QuantumCircuit]:
    """The round circuit bound to each setting pair of ``settings`` (same order as ``pairs``).

    ``metadata`` gains ``setting`` (the pair) and ``angles`` (theta_a, theta_b).
    """
    out: list[QuantumCircuit] = []
    for pair in settings.pairs:
        ta, tb = settings.angles(pair)
        bound = round_circuit.assign_parameters({THETA_A: ta, THETA_B: tb}, inplace=False)
        bound.metadata = {**(round_circuit.metadata or {}), "setting": list(pair),
                          "angles": [ta, tb]}
        bound.name = f"{round_circuit.name}_a{pair[0]}b{pair[1]}"
        out.append(bound)
    return out


def theory_correlation(
    t_x: float,
    t_z: float,
    theta_a: float,
    theta_b: float,
    eavesdropper: str = "none",
    intercept_fraction: float = 1.0,
) -> float:
    """Closed-form ``E(theta_a, theta_b)`` in the X-Z plane for a source with correlations
    ``<XX> = t_x``, ``<ZZ> = t_z`` (and ``<XZ> = <ZX> = 0``, true for Bell-diagonal states).

    ``E = t_x' sin(a) sin(b) + t_z' cos(a) cos(b)``. Eve's measure-and-resend in Z keeps only
    ``<ZZ>``, in X only ``<XX>``; on a fraction f of pairs with X chosen with probability p_x
    (1/2 random, 0 always-Z): ``t_x' = (1 - f) t_x + f p_x t_x`` and
    ``t_z' = (1 - f) t_z + f (1 - p_x) t_z``.
    Werner: ``t_x = t_z = w`` gives ``E = w cos(a - b)``.

    >>> round(theory_correlation(1, 1, 0, math.pi / 4, "intercept-resend"), 6)
    0.353553
    """
    if eavesdropper not in EAVESDROPPERS:
        raise ValueError(
            f"eavesdropper must be one of {', '.join(EAVESDROPPERS)}, got {eavesdropper!r}"
        )
    f = 0.0 if eavesdropper == "none" else _check_fraction(intercept_fraction)
    p_x = 0.5 if eavesdropper == "intercept-resend" else 0.0
    tx = (1.0 - f) * t_x + f * p_x * t_x
    tz = (1.0 - f) * t_z + f * (1.0 - p_x) * t_z
    return tx * math.sin(theta_a) * math.sin(theta_b) + tz * math.cos(theta_a) * math.cos(theta_b)


def theory_chsh_qber(
    settings: QkdSettings,
    t_x: float,
    t_z: float,
    eavesdropper: str = "none",
    intercept_fraction: float = 1.0,
) -> tuple[float | None, dict[str, float]]:
    """Closed-form S at the settings' CHSH terms (None for BBM92) and QBER per key basis,
    ``Q = (1 - E(t, t))/2``, from :func:`theory_correlation`."""

    def corr(pair: Sequence[int]) -> float:
        ta, tb = settings.angles((pair[0], pair[1]))
        return theory_correlation(t_x, t_z, ta, tb, eavesdropper, intercept_fraction)

    s = None
    if settings.chsh_terms:
        s = sum(sign * corr(pair) for pair, sign in settings.chsh_terms)
    qber = {name: (1.0 - corr(pair)) / 2.0 for pair, name in settings.key_settings.items()}
    return s, qber
