"""protocols.distribute: resources, exact fidelity and sampled TVD against the closed forms."""

import math

import pytest

from qnet_circuits.protocols import distribute as D


def test_ghz_two_nodes_werner_fidelity_is_a():
    r = D.run(D.DistributeParams(circuit="ghz:4", nodes=2, link_fidelity=0.9), shots=3000, seed=5)
    assert r.ebits == 1 == r.resources["reference_ebits"]
    assert r.resources["classical_bits"] == 2
    assert r.fidelity == pytest.approx(0.9, abs=1e-9) == r.theory["fidelity"]
    # sampled TVD: the model's TVD plus sampling noise (k = 5 of its scale)
    assert abs(r.tvd - r.theory["tvd"]) < 5 * r.tvd_sampling + 1e-3


def test_swapped_three_nodes_with_dephasing_exact_and_tvd():
    p = D.DistributeParams(circuit="ghz:3", nodes=3, link_fidelity=0.95, t2_s=0.005, length_km=20.0,
                           placement=(0, 1, 2))
    r = D.run(p, shots=3000, seed=11)
    assert r.ebits == 2 and r.resources["swaps"] == 0   # neighbours on the chain n0 - r1 - n2
    assert r.fidelity == pytest.approx(r.theory["fidelity"], abs=1e-9)
    assert r.theory["fidelity_bound"] <= r.fidelity < 0.95
    assert abs(r.tvd - r.theory["tvd"]) < 5 * r.tvd_sampling + 1e-3


def test_non_neighbour_parts_use_a_swapped_pair():
    p = D.DistributeParams(circuit="ghz:2", nodes=2, link_fidelity=0.97)
    r = D.run(p, shots=500, seed=2)
    assert r.resources["swaps"] == 0
    q = D.DistributeParams(qasm='OPENQASM 2.0; include "qelib1.inc"; qreg q[3]; h q[0]; cx q[0],q[2];',
                           nodes=3, placement=(0, 1, 2), link_fidelity=0.97)
    r = D.run(q, shots=500, seed=2)
    assert r.resources["swaps"] == 1 and r.resources["swap_classical_bits"] == 2
    f2 = 0.97**2 + (0.03**2) / 3          # Werner swap, F = A for a Bell output
    assert r.fidelity == pytest.approx(f2, abs=1e-9)


def test_ideal_links_reproduce_the_monolithic_distribution():
    r = D.run(D.DistributeParams(circuit="qft:6", nodes=3), shots=4000, seed=3)
    assert r.theory["fidelity"] == pytest.approx(1.0, abs=1e-9)
    assert r.form.startswith("deferred") and r.ebits <= r.resources["nonlocal_gates"]
    assert r.tvd < 4 * r.tvd_sampling
    d = r.to_dict()
    assert d["ebits"] == 12 and d["qubits"] <= 6 + 6 and math.isfinite(d["tvd"])


def test_noisy_qft_tvd_follows_the_model():
    r = D.run(D.DistributeParams(circuit="qft:4", nodes=2, link_fidelity=0.93), shots=3000, seed=9)
    assert r.form.startswith("pauli-frames")   # Werner ebits: the exact fast path
    assert r.theory["tvd"] > 0.02
    assert abs(r.tvd - r.theory["tvd"]) < 5 * r.tvd_sampling + 1e-3


@pytest.mark.parametrize("kwargs, match", [
    ({"circuit": "qft:3", "nodes": 4}, "exceeds the circuit's 3 qubits"),
    ({"circuit": "ghz:3", "placement": (0, 0)}, "names 2 qubits"),
    ({"circuit": "ghz:3", "placement": (0, 1, 5)}, "unknown nodes"),
    ({"circuit": "nope:3"}, "not known"),
    ({"circuit": "qft:x"}, "size must be an integer"),
    ({"qasm": "OPENQASM 2.0;\nqreg q[2];\nh q[0]\n"}, "line 3"),
    ({"qasm": 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\ncx q[0] q[1];'}, "line 4"),
    ({"qasm": 'OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg c[1]; h q[0]; measure q[0] -> c[0]; '
              'cx q[0], q[1];'}, r"\['measure'\] cannot be teleported"),
    ({"circuit": "ghz:3", "link_fidelity": 1.5}, "--link-fidelity"),
    ({"circuit": "ghz:3", "nodes": 1}, "--nodes"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.DistributeParams(**kwargs)
