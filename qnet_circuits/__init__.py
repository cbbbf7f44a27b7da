"""qnet-circuits: quantum-network protocols as honest, parameterized Qiskit circuits.

The layout follows ../shared/DESIGN.md: ``network`` (physics specs), ``physics`` (closed forms),
``library`` (pure circuit builders), ``noise`` (Aer channels from network physics), ``run``
(runners), ``analysis`` (estimators on shot data), ``cli`` (the ``qnet`` command).
"""

__version__ = "0.1.0"
