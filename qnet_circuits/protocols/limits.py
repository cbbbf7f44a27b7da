"""Resource limits checked before any circuit is built: past one, a clear refusal with the estimate.

Every limit is a documented constant; every check raises ``ValueError`` naming the option, the
estimate and the limit, and says what to do instead (usually: split the work with ``qnet sweep``
and a store). The limits keep a run inside one machine's memory and a few minutes.

>>> check_shots("--shots", 4000)
4000
>>> try:
...     check_shots("--shots", 10**11, bytes_per_shot=32)
... except ValueError as exc:
...     print(str(exc)[:60])
--shots 1e+11 needs about 3.2 TB and hours of simulation; at
"""

from __future__ import annotations

#: most shots (realizations, pairs, pulses) one run simulates
MAX_SHOTS = 10**8
#: most links of a state-level chain (about 3 ms and 140 kB per link to build and sample here)
MAX_CHAIN_LINKS = 4096
#: most links of a photonic-level chain (every link's attempt circuit is simulated: ~1 s per link)
MAX_PHOTONIC_LINKS = 64
#: most raw pairs one purification consumes (recurrence: 2**rounds; pumping: rounds + 1)
MAX_PURIFICATION_PAIRS = 2**12
#: most purification rounds per link in a chain (the width grows by 3 qubits per round)
MAX_CHAIN_PURIFICATION_ROUNDS = 7
#: widest circuit simulated as a state vector (2**28 amplitudes, 4 GiB)
MAX_STATEVECTOR_QUBITS = 28


def _size(n_bytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.2g} {unit}"
    return f"{n_bytes:.0f} B"


def check_shots(name: str, shots: int, *, bytes_per_shot: float = 16.0) -> int:
    """``shots`` if at most :data:`MAX_SHOTS`; else a refusal with the memory it would need."""
    if shots > MAX_SHOTS:
        raise ValueError(
            f"{name} {shots:.3g} needs about {_size(shots * bytes_per_shot)} and hours of "
            f"simulation; at most {MAX_SHOTS:.0e} per run: split it with `qnet sweep` and a store "
            "(chunks resume)"
        )
    return shots


def check_chain_size(links: int, link_level: str, purification: str, rounds: int) -> None:
    """Refuse chains whose build, width or time would exceed the limits above."""
    limit = MAX_PHOTONIC_LINKS if link_level == "photonic" else MAX_CHAIN_LINKS
    if links > limit:
        if link_level == "photonic":
            hint = (f"about 1 s of simulation per link; at most {limit} photonic links per run "
                    f"(--link-level state takes up to {MAX_CHAIN_LINKS})")
        else:
            hint = (f"about {links * 3e-3:.3g} s and {_size(links * 1.4e5)} to build and sample; at "
                    f"most {limit} links per run")
        raise ValueError(f"--links {links} at --link-level {link_level}: {hint}")
    if purification != "none" and rounds > MAX_CHAIN_PURIFICATION_ROUNDS:
        raise ValueError(
            f"--rounds {rounds} of {purification} per link needs {2 ** min(rounds, 60):.3g} raw pairs "
            f"per link and {5 + 3 * rounds} qubits; at most {MAX_CHAIN_PURIFICATION_ROUNDS} rounds per run"
        )


def check_purification_pairs(rounds: int, pumping: bool) -> None:
    """Refuse a purification that consumes more than :data:`MAX_PURIFICATION_PAIRS` raw pairs."""
    pairs = rounds + 1 if pumping else (2 ** rounds if rounds < 64 else float("inf"))
    if pairs > MAX_PURIFICATION_PAIRS:
        scheme = "pumping" if pumping else "recurrence"
        shown = f"2^{rounds}" if not pumping else str(pairs)
        raise ValueError(
            f"--rounds {rounds} of {scheme} consumes {shown} raw pairs; at most "
            f"{MAX_PURIFICATION_PAIRS} per run (recurrence: --rounds <= 12; pumping: --rounds <= "
            f"{MAX_PURIFICATION_PAIRS - 1})"
        )


def check_width(what: str, qubits: int, hint: str) -> None:
    """Refuse a circuit wider than :data:`MAX_STATEVECTOR_QUBITS` (the method's limit)."""
    if qubits > MAX_STATEVECTOR_QUBITS:
        raise ValueError(
            f"{what} needs {qubits} qubits, beyond the {MAX_STATEVECTOR_QUBITS} a state-vector "
            f"simulation holds ({_size(16 * 2.0 ** qubits)}); {hint}"
        )
