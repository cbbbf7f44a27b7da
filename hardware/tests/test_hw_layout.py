"""Node-aware layout and ISA reports: a swap chain laid on a line of FakeTorino needs no SWAP."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import CouplingMap
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from qnet_circuits.library.swapping import swap_chain_circuit
from qnet_circuits.library.teleportation import teleport_circuit
from qnet_hardware.isa import to_isa
from qnet_hardware.layout import (
    find_line,
    interaction_edges,
    line_order,
    node_ranks,
    two_qubit_count,
)


def _coupled(target, a: int, b: int) -> bool:
    cmap = target.build_coupling_map()
    return (a, b) in cmap.get_edges() or (b, a) in cmap.get_edges()


@pytest.mark.parametrize("links", range(1, 9))
def test_swap_chain_on_torino_line_has_no_routing_swaps(torino_target, links: int) -> None:
    qc = swap_chain_circuit([None] * links, correction="dynamic")
    isa = to_isa(qc, torino_target, device="fake_torino")
    rep = isa.report
    # N links: N Bell-pair CNOTs + (N - 1) Bell-measurement CNOTs, nothing else
    assert rep.logical_two_qubit == 2 * links - 1
    assert rep.ideal_two_qubit == 2 * links - 1
    assert rep.isa_two_qubit == rep.ideal_two_qubit
    assert rep.routing_overhead == 0
    assert rep.layout_method == "line"
    assert rep.layout == rep.final_layout  # nothing was moved by routing
    # the chain sits on a line: consecutive qubits alice, r1[0], r1[1], ..., bob are coupled
    chain = [q for reg in qc.qregs for q in rep.layout[reg.name]]
    assert len(set(chain)) == len(chain)
    assert all(_coupled(torino_target, a, b) for a, b in zip(chain, chain[1:]))
    assert isa.circuit.count_ops().get("swap", 0) == 0
    assert isa.circuit.count_ops()["cz"] == 2 * links - 1  # FakeTorino's native gate


def test_a_scrambled_placement_of_the_same_chain_does_need_swaps(torino_target) -> None:
    """The zero-overhead check above can fail: the same line, qubits out of chain order."""
    qc = swap_chain_circuit([None] * 4, correction="dynamic")
    line = find_line(torino_target, qc.num_qubits)
    assert line is not None
    scrambled = [line[i] for i in (0, 4, 1, 5, 2, 6, 3, 7)]
    pm = generate_preset_pass_manager(optimization_level=2, target=torino_target,
                                      initial_layout=scrambled, seed_transpiler=11)
    assert two_qubit_count(pm.run(qc)) > 2 * 4 - 1


def test_line_order_follows_the_chain_nodes() -> None:
    qc = swap_chain_circuit([None] * 3)
    ranks = node_ranks(qc)
    order = line_order(qc)
    assert order is not None and sorted(order) == list(range(qc.num_qubits))
    assert [ranks[q] for q in order] == sorted(ranks[q] for q in order)
    assert [ranks[q] for q in order][0] == 0  # alice first


def test_line_order_refuses_a_triangle() -> None:
    """Deferred teleportation couples in-alice, alice-bob and in-bob: no line holds a triangle."""
    qc = teleport_circuit("+", correction="deferred")
    assert set(interaction_edges(qc)) == {(0, 1), (1, 2), (0, 2)}
    assert line_order(qc) is None
    assert line_order(teleport_circuit("+", correction="dynamic")) == [0, 1, 2]


def test_deferred_forms_report_their_routing_overhead(torino_target) -> None:
    rep = to_isa(teleport_circuit("+", correction="deferred"), torino_target).report
    assert rep.ideal_two_qubit == 4  # CX, CX, CX(alice->bob), CZ(in->bob)
    assert rep.isa_two_qubit == rep.ideal_two_qubit + rep.routing_overhead
    assert rep.routing_overhead > 0  # heavy-hex has no triangle: one SWAP (3 CZ) at least
    assert rep.layout_method == "transpiler"


def test_layout_line_mode_refuses_what_cannot_be_a_line(torino_target) -> None:
    with pytest.raises(ValueError, match="line"):
        to_isa(teleport_circuit("+", correction="deferred"), torino_target, layout="line")


@pytest.mark.parametrize("length", [1, 2, 5, 16, 40])
def test_find_line_returns_a_simple_coupled_path(torino_target, length: int) -> None:
    line = find_line(torino_target, length)
    assert line is not None and len(line) == length == len(set(line))
    assert all(_coupled(torino_target, a, b) for a, b in zip(line, line[1:]))


def test_find_line_prefers_low_error_and_knows_its_limits() -> None:
    cmap = CouplingMap([[0, 1], [1, 2], [1, 3], [3, 4]])  # a T: longest simple path has 4 qubits
    assert find_line(cmap, 5) is None
    assert len(find_line(cmap, 4) or []) == 4
    with pytest.raises(ValueError, match="length"):
        find_line(cmap, 0)


def test_isa_rejects_unbound_parameters_and_too_wide_circuits(torino_target) -> None:
    from qiskit.circuit import Parameter

    qc = QuantumCircuit(1)
    qc.rx(Parameter("theta"), 0)
    with pytest.raises(ValueError, match="unbound parameters"):
        to_isa(qc, torino_target)
    with pytest.raises(ValueError, match="needs 134 qubits"):
        to_isa(QuantumCircuit(134), torino_target, device="fake_torino")
    with pytest.raises(ValueError, match="layout must be"):
        to_isa(QuantumCircuit(1), torino_target, layout="snake")  # type: ignore[arg-type]
