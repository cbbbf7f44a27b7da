"""Fixtures for the hardware adapter tests: no network, fake devices built once per session."""

from __future__ import annotations

import socket

import pytest

from qnet_hardware import IBMRunner


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to open a network connection (the adapter tests need none)."""

    def refuse(*_args, **_kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session")
def manila() -> IBMRunner:
    """FakeManilaV2: 5 qubits on a line, dynamic circuits supported."""
    return IBMRunner("fake_manila")


@pytest.fixture(scope="session")
def belem() -> IBMRunner:
    """FakeBelemV2: 5 qubits in a T, no if_else (deferred corrections only)."""
    return IBMRunner("fake_belem")


@pytest.fixture(scope="session")
def torino_target():
    """FakeTorino's target (133 qubits, heavy-hex); no noise model needed for layout tests."""
    from qnet_hardware import fake_backend

    return fake_backend("fake_torino").target
