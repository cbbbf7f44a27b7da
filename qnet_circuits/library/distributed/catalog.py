"""Input circuits for distribution: OpenQASM 2/3 text and named standard circuits.

:func:`load_qasm` picks the OpenQASM version from the header (``OPENQASM 3`` -> ``qiskit.qasm3``,
else ``qiskit.qasm2``) and turns a parse failure into one ValueError with the line and reason.
:func:`named_circuit` builds ``qft:N``, ``ghz:N``, ``adder:N`` (CDKM ripple-carry adder of two
N-bit registers on a prepared input) and ``random:N:GATES:SEED`` (random single-qubit rotations
and CX).

>>> named_circuit("ghz:3").num_qubits, named_circuit("adder:2").num_qubits
(3, 6)
>>> load_qasm('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; cx q[0], q[1];').num_qubits
2
"""

from __future__ import annotations

import contextlib
import io
import random
import re

from qiskit import QuantumCircuit

__all__ = ["CIRCUIT_KINDS", "load_qasm", "named_circuit"]

CIRCUIT_KINDS = ("qft:N", "ghz:N", "adder:N", "random:N:GATES:SEED")
MAX_QUBITS = 64
#: most CX gates of a ``random:N:GATES:SEED`` circuit (each may cost an ebit)
MAX_RANDOM_GATES = 500


def load_qasm(text: str, source: str = "<qasm>") -> QuantumCircuit:
    """Parse OpenQASM 2 or 3 ``text``; ValueError ``"<source>: line L: reason"`` on failure."""
    version3 = re.match(r"\s*(//[^\n]*\n\s*)*OPENQASM\s+3", text) is not None
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            if version3:
                import qiskit.qasm3

                return qiskit.qasm3.loads(text)
            import qiskit.qasm2

            return qiskit.qasm2.loads(text, custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    except Exception as exc:  # the parsers raise their own exception types
        reason = _token(exc) or _reason(str(exc), err.getvalue())
        raise ValueError(f"{source}: {reason}; fix the OpenQASM "
                         f"{'3' if version3 else '2'} input") from None


def _token(exc: BaseException) -> str | None:
    """Line and token of an antlr (OpenQASM 3 grammar) failure, found in the exception chain."""
    seen = 0
    todo: list = [exc]
    while todo and seen < 20:
        e = todo.pop()
        seen += 1
        tok = getattr(e, "offendingToken", None)
        if tok is not None and getattr(tok, "line", None) is not None:
            return f"line {tok.line}: unexpected {tok.text!r}"
        todo += [x for x in (*getattr(e, "args", ()), e.__cause__, e.__context__)
                 if isinstance(x, BaseException)]
    return None


def _reason(message: str, stderr: str) -> str:
    message = message.strip().strip("'\"")
    m = re.search(r"line (\d+):(\d+) (.*)", stderr)          # antlr (OpenQASM 3 grammar)
    if m:
        return f"line {m.group(1)}: {m.group(3).strip()}"
    m = re.match(r"(?:<input>:)?(\d+),(\d+): (.*)", message, re.S)   # qasm2 and the qasm3 importer
    if m:
        return f"line {m.group(1)}: {m.group(3).strip()}"
    return message.splitlines()[0] if message else "does not parse"


def _size(spec: str, value: str, minimum: int) -> int:
    if not value.isdigit() or not minimum <= int(value) <= MAX_QUBITS:
        raise ValueError(f"--circuit {spec!r}: the size must be an integer in "
                         f"[{minimum}, {MAX_QUBITS}], got {value!r}")
    return int(value)


def named_circuit(spec: str) -> QuantumCircuit:
    """A standard circuit by name (see :data:`CIRCUIT_KINDS`)."""
    from qiskit.circuit.library import QFTGate
    from qiskit.synthesis import adder_ripple_c04

    kind, _, rest = spec.partition(":")
    args = rest.split(":") if rest else []
    if kind in ("qft", "ghz", "adder") and len(args) == 1:
        n = _size(spec, args[0], 1 if kind == "adder" else 2)
        if kind == "qft":
            qc = QuantumCircuit(n, name=f"qft{n}")
            qc.h(range(n))                        # a product input with structure
            qc.t(range(0, n, 2))
            qc.append(QFTGate(n), range(n))
            return qc
        if kind == "ghz":
            qc = QuantumCircuit(n, name=f"ghz{n}")
            qc.h(0)
            for q in range(1, n):
                qc.cx(q - 1, q)
            return qc
        adder = adder_ripple_c04(n, kind="half")   # CDKM: a (n), b (n), carry out, helper
        qc = QuantumCircuit(adder.num_qubits, name=f"adder{n}")
        qc.h(range(2 * n))                        # all sums at once
        qc.compose(adder, inplace=True)
        return qc
    if kind == "random" and len(args) == 3:
        n = _size(spec, args[0], 2)
        if not (args[1].isdigit() and args[2].isdigit()):
            raise ValueError(f"--circuit {spec!r}: GATES and SEED must be non-negative integers")
        if int(args[1]) > MAX_RANDOM_GATES:
            raise ValueError(f"--circuit {spec!r}: at most {MAX_RANDOM_GATES} GATES (each non-local "
                             f"CX costs an ebit), got {args[1]}")
        rng = random.Random(int(args[2]))
        qc = QuantumCircuit(n, name=f"random{n}")
        for _ in range(int(args[1])):
            a, b = rng.sample(range(n), 2)
            qc.u(rng.uniform(0, 3.14), rng.uniform(0, 6.28), rng.uniform(0, 6.28), a)
            qc.cx(a, b)
        return qc
    raise ValueError(f"--circuit {spec!r} is not known; use one of {', '.join(CIRCUIT_KINDS)}")
