"""Routing of the chain's device form on a heavy-hex device (FakeTorino): with every repeater on
its own register the interactions form a line and routing adds no two-qubit gate for 2-16 links;
the constant-width form (two alternating registers) closes a 4-cycle from 4 links on, which
heavy-hex (shortest cycle 12) cannot hold, so routing is needed there."""

from __future__ import annotations

import pytest

from qnet_circuits.protocols import chain as protocol
from qnet_hardware import IBMRunner
from qnet_hardware.layout import interaction_edges, line_order
from qnet_hardware.scale import chain_circuit, chain_isa_scale, linear_fit


@pytest.fixture(scope="module")
def torino() -> IBMRunner:
    return IBMRunner("fake_torino")


def test_line_form_needs_no_routing_for_2_to_6_links(torino):
    links = [2, 3, 4, 5, 6]
    rows = chain_isa_scale(torino, links, reuse=False)
    assert [r.isa_two_qubit for r in rows] == [2 * n - 1 for n in links]
    assert [r.ideal_two_qubit for r in rows] == [2 * n - 1 for n in links]
    assert [r.width for r in rows] == [2 * n + 1 for n in links]
    fit = linear_fit(links, [r.isa_two_qubit for r in rows])
    assert fit["slope"] == pytest.approx(2.0) and fit["r2"] == pytest.approx(1.0)


def test_constant_width_form_closes_a_four_cycle_from_four_links():
    for n in (2, 3):
        assert line_order(chain_circuit(n)) is not None
    circuit = chain_circuit(4)
    assert circuit.num_qubits == 7 and line_order(circuit) is None
    names = {}
    for reg in circuit.qregs:
        for k, q in enumerate(reg):
            names[circuit.find_bit(q).index] = f"{reg.name}[{k}]"
    edges = {frozenset((names[a], names[b])) for a, b in interaction_edges(circuit)}
    cycle = ["r1_mem[0]", "r1_mem[1]", "r2_mem[0]", "r2_mem[1]"]
    assert all(frozenset((cycle[i], cycle[(i + 1) % 4])) in edges for i in range(4))


def test_routing_count_on_torino_for_2_to_6_links(torino):
    reuse = chain_isa_scale(torino, [2, 3, 4], reuse=True)
    assert [r.isa_two_qubit - r.ideal_two_qubit for r in reuse][:2] == [0, 0]
    assert reuse[2].isa_two_qubit > reuse[2].ideal_two_qubit  # the 4-cycle needs SWAPs


def test_device_form_of_a_chain_takes_the_line_where_it_fits(torino):
    res = protocol.run(protocol.ChainParams(links=4), runner=torino, shots=30, seed=2)
    isa = res.metadata["device_form"]["isa"]
    assert isa["routing_overhead"] == 0 and isa["isa_two_qubit"] == 7
    assert isa["layout_method"] == "line"
    assert torino.max_width == 16  # a locally simulated device: statevector width capped
