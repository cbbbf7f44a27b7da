"""Protocols: run an experiment, analyse its shots and put the closed-form theory beside it.

One module per protocol (``link``, ``swap``, ``purify``, ``teleport``, ``remote_cnot``, ``qkd``,
``chain``, ``blind``; later protocols add theirs). Each module has

* a frozen ``<Name>Params`` dataclass, validated on construction (units in the field names; a bad
  value raises ``ValueError`` naming the field and the fix);
* ``run(params, *, runner=None, shots=None, seed=None) -> <Name>Result``: builds the ideal circuits
  from :mod:`qnet_circuits.library`, runs them through a :class:`~qnet_circuits.run.Runner` (local
  Aer by default), analyses the shots and attaches the closed forms of :mod:`qnet_circuits.physics`;
* a frozen ``<Name>Result`` with the estimates and their standard errors, ``theory``,
  ``provenance`` (:class:`~qnet_circuits.protocols.base.Provenance`), ``to_dict()`` (the CLI's
  JSON) and ``plot(ax=None)`` where a picture helps.

There is no registry and nothing to subclass: a new protocol is a new module with those three
names (README, "Adding a protocol"). The CLI, the notebooks, sweeps and device runs all call the
same ``run``. Submodules are imported on first use, so ``import qnet_circuits.protocols`` is cheap.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: the protocol modules shipped in this package (import name under qnet_circuits.protocols)
PROTOCOLS: tuple[str, ...] = (
    "link", "swap", "purify", "teleport", "remote_cnot", "qkd", "chain", "blind",
    "dense_coding", "sensing", "relay", "bb84", "compare_qkd", "ghz", "encoded_storage",
    "distribute", "network_requests", "switch",
)


def __getattr__(name: str) -> ModuleType:
    if name in PROTOCOLS or name == "base":
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PROTOCOLS"]
