"""Same seed, same bytes for EVERY protocol of ``PROTOCOLS``: the cases of
tests/test_reproducibility.py plus the protocols it does not list (twice in one process and once
in a fresh interpreter, so neither global RNG state nor the pytest-xdist worker count can move a
byte). A new protocol without a case fails :func:`test_every_protocol_has_a_case`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qnet_circuits.protocols import PROTOCOLS
from tests.test_reproducibility import _SCRIPT, CASES, output

#: the protocols tests/test_reproducibility.py leaves out: (params expression, shots)
MORE: dict[str, tuple[str, int | None]] = {
    "relay": ("RelayParams(hops=2, pairs=3000)", None),
    "bb84": ("Bb84Params(pulses=20000, rounds=200)", None),
    "compare_qkd": ("CompareParams(lengths_km=(50.0, 150.0))", 20000),
    "ghz": ("GHZParams(nodes=3)", 64),
    "encoded_storage": ("EncodedStorageParams()", 64),
    "network_requests": ("NetworkRequestsParams(__import__('qnet_circuits.network', fromlist=['x'])"
                         ".star(['a', 'b', 'c', 'd'], 10.0, center_memories=2), "
                         "(('a', 'b'), ('c', 'd')), policy='fair')", 30),
}


def test_every_protocol_has_a_case():
    assert set(PROTOCOLS) <= set(CASES) | set(MORE)


@pytest.mark.parametrize("name", sorted(MORE))
def test_same_seed_same_bytes(name):
    expr, shots = MORE[name]
    first = output(name, expr, shots, 2024)
    assert output(name, expr, shots, 2024) == first
    fresh = subprocess.run([sys.executable, "-c", _SCRIPT, name, expr, str(shots)],
                           capture_output=True, text=True, timeout=120, check=True)
    assert fresh.stdout.strip() == first
    assert output(name, expr, shots, 2025) != first  # the seed does reach the output
