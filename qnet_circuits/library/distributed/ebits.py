"""Where the ebits of a distributed circuit come from: ideal pairs, or the network's links.

:class:`EbitSource` hands the rewrite one pair (a at the control's node, b at the target's) per
teleported group and takes the communication qubits back after they are measured. A qubit move
(:mod:`~qnet_circuits.library.distributed.moves`) passes its data slot as ``b_qubit``: b is
made there, and the pair's model is :func:`~qnet_circuits.physics.move_coefficients`.

- ``network=None``: an ideal |Phi+> (H, CX) on fresh qubits per ebit (registers ``ebit<k>``), or
  with ``reuse=True`` on pooled communication qubits (one-qubit registers ``<host>_comm<j>``,
  reset after each measurement, so the width is the peak number of pairs in flight).
- ``network`` given: ``hosts[i]`` is the network node of part i; the pair is built hop by hop
  along ``network.path``: each link's pair is the Bell-diagonal part of its framed heralded state
  (``link_fidelity``: a Werner state instead), prepared exactly with two shared ancillas
  (register ``ebit_anc``), then both memories wait the herald time ``L/c`` (a ``Delay``: the
  node's T1/T2 through the noise pass); repeaters swap the hops (Bell measurement, ``if_test``
  corrections on the far qubit, their gate and readout errors through the noise pass) and the end
  memories wait the one-way path delay for the swap outcomes. The closed form of the consumed
  pair is :func:`qnet_circuits.physics.ebit_coefficients`.
Communication registers are listed in ``metadata["nodes"]`` under their host, so the noise pass
gives them the host's memory, gate and readout noise; data qubits stay ideal.
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Qubit

from qnet_circuits.library.generation import prepare_bell_diagonal
from qnet_circuits.library.swapping import append_swap
from qnet_circuits.physics.distributed import (
    ebit_coefficients,
    link_pair_coefficients,
    move_coefficients,
)

__all__ = ["EbitSource"]

IDEAL = (1.0, 0.0, 0.0, 0.0)


class EbitSource:
    """Allocates, prepares and recycles the ebits of one distributed circuit.

    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(1)
    >>> src = EbitSource(qc, reuse=True)
    >>> a, b = src.pair(0, 0, 1); src.release(a); a2, b2 = src.pair(1, 0, 1)
    >>> a2 is a, qc.num_qubits, sorted(src.registers)
    (True, 4, ['n0_comm0', 'n1_comm0', 'n1_comm1'])
    """

    def __init__(self, circuit: QuantumCircuit, *, reuse: bool = False, network=None,
                 hosts: Sequence[str] | None = None, link_fidelity: float | None = None) -> None:
        self.qc, self.reuse, self.network = circuit, reuse, network
        self.link_fidelity = link_fidelity
        self.hosts = list(hosts) if hosts is not None else None
        self.free: dict[str, list[Qubit]] = {}
        self.registers: dict[str, str] = {}      # register name -> host name
        self.host_of: dict[Qubit, str] = {}
        self.count: dict[str, int] = {}
        self.anc: QuantumRegister | None = None
        self.swaps = 0
        self.models: list[dict] = []

    def host(self, node: int) -> str:
        """Network node name of part ``node`` (``n<i>`` without a network)."""
        return self.hosts[node] if self.hosts is not None else f"n{node}"

    def _qubit(self, host: str) -> Qubit:
        pool = self.free.setdefault(host, [])
        if self.reuse and pool:
            return pool.pop()
        j = self.count.get(host, 0)
        self.count[host] = j + 1
        reg = QuantumRegister(1, f"{host}_comm{j}")
        self.qc.add_register(reg)
        self.registers[reg.name] = host
        self.host_of[reg[0]] = host
        return reg[0]

    def release(self, qubit: Qubit, reset: bool = True) -> None:
        """A measured communication qubit: reset it and return it to its host's pool.

        ``reset=False``: the caller has already returned it to |0> unitarily (deferred form).
        """
        if self.reuse and qubit in self.host_of:
            if reset:
                self.qc.reset(qubit)
            self.free[self.host_of[qubit]].append(qubit)

    def pair(self, k: int, node_a: int, node_b: int, b_qubit: Qubit | None = None
             ) -> tuple[Qubit, Qubit]:
        """Ebit ``k`` between parts ``node_a`` (qubit a) and ``node_b`` (qubit b), prepared.

        ``b_qubit``: a given qubit in |0> at ``node_b`` holds b (a qubit move's data slot)."""
        if self.network is None:
            if not self.reuse:
                reg = QuantumRegister(1 if b_qubit is not None else 2, f"ebit{k}")
                self.qc.add_register(reg)
                a, b = reg[0], (b_qubit if b_qubit is not None else reg[1])
            else:
                a = self._qubit(self.host(node_a))
                b = b_qubit if b_qubit is not None else self._qubit(self.host(node_b))
            self.qc.h(a)
            self.qc.cx(a, b)
            self.models.append({"coefficients": IDEAL, "hops": 1, "message_s": 0.0})
            return a, b
        return self._network_pair(k, self.host(node_a), self.host(node_b), b_qubit)

    def _ancillas(self) -> QuantumRegister:
        if self.anc is None:
            self.anc = QuantumRegister(2, "ebit_anc")
            self.qc.add_register(self.anc)
        return self.anc

    def _link_pair(self, left: str, right: str, qb: Qubit | None = None) -> tuple[Qubit, Qubit]:
        link = self.network.link(left, right)
        qa = self._qubit(left)
        qb = qb if qb is not None else self._qubit(right)
        coeffs = link_pair_coefficients(link, self.link_fidelity)
        if max(abs(x - y) for x, y in zip(coeffs, IDEAL)) < 1e-13:
            self.qc.h(qa)
            self.qc.cx(qa, qb)
        else:
            anc = self._ancillas()
            prepare_bell_diagonal(self.qc, qa, qb, [anc[0], anc[1]], coeffs)   # resets them
        wait = link.fiber.delay_s
        if wait > 0:
            self.qc.delay(wait, qa, unit="s")
            self.qc.delay(wait, qb, unit="s")
        return qa, qb

    def _network_pair(self, k: int, host_a: str, host_b: str, b_qubit: Qubit | None = None
                      ) -> tuple[Qubit, Qubit]:
        path = self.network.path(host_a, host_b)
        model = ebit_coefficients if b_qubit is None else move_coefficients
        self.models.append(model(self.network, path, self.link_fidelity))
        last = len(path) - 2
        a, b = self._link_pair(path[0], path[1], b_qubit if last == 0 else None)
        for j in range(1, len(path) - 1):
            c, d = self._link_pair(path[j], path[j + 1], b_qubit if j == last else None)
            bits = ClassicalRegister(2, f"e{k}s{j}")
            self.qc.add_register(bits)
            append_swap(self.qc, b, c, d, bits, "dynamic")
            self.swaps += 1
            self.release(b)
            self.release(c)
            b = d
        delay = self.models[-1]["message_s"]
        if len(path) > 2 and delay > 0:
            self.qc.delay(delay, a, unit="s")
            self.qc.delay(delay, b, unit="s")
        return a, b

    def message_wait(self, qubit: Qubit) -> None:
        """b waits the one-way path delay for the cat-entangler bit (network ebits only)."""
        if self.network is not None and self.models[-1]["message_s"] > 0:
            self.qc.delay(self.models[-1]["message_s"], qubit, unit="s")
