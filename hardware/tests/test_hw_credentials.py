"""Credentials: one clear line when they are missing, and no token in any output or log."""

from __future__ import annotations

import json
import logging

import pytest
from qiskit_ibm_runtime import QiskitRuntimeService
from qiskit_ibm_runtime.exceptions import IBMNotAuthorizedError

import qnet_hardware.credentials as credentials
from qnet_circuits.cli import main
from qnet_hardware import CredentialsError, IBMRunner

TOKEN = "tok-Zq81-secret-9f3e0c77aa41"  # a fake token; no test touches the network


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No token in the environment and an empty home (no saved account)."""
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


class _RefusingService:
    """Stands in for QiskitRuntimeService: the server answers 401 and echoes the token."""

    def __init__(self, *args, token: str | None = None, **kwargs) -> None:
        logging.getLogger("qnet_hardware").debug("connecting (token not shown)")
        raise IBMNotAuthorizedError(
            f"401 Client Error: Unauthorized for url https://example.invalid/api "
            f"(Authorization: Bearer {token or TOKEN})\nrequest id 42"
        )

    saved_accounts = staticmethod(QiskitRuntimeService.saved_accounts)  # reads a file only


def test_missing_credentials_give_one_clear_line(no_credentials, tmp_path) -> None:
    assert not credentials.credentials_available()
    with pytest.raises(CredentialsError) as info:
        IBMRunner("ibm_torino")
    message = str(info.value)
    assert "\n" not in message
    assert "QISKIT_IBM_TOKEN" in message and "save_account" in message
    assert not (tmp_path / ".qiskit").exists()  # checking did not create an account file


def test_cli_with_a_real_device_and_no_credentials_fails_in_one_line(no_credentials, capsys) -> None:
    code = main(["link", "--backend", "ibm_torino"])
    out, err = capsys.readouterr()
    assert code != 0
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("qnet link: error: no IBM Quantum credentials for 'ibm_torino'")


def test_a_refused_token_never_appears_in_output_or_logs(
    no_credentials, monkeypatch: pytest.MonkeyPatch, capsys, caplog
) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", "crn:v1:fake-instance")
    monkeypatch.setattr(credentials, "QiskitRuntimeService", _RefusingService)
    caplog.set_level(logging.DEBUG)
    code = main(["link", "--backend", "ibm_torino", "--json"])
    out, err = capsys.readouterr()
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert "could not connect to IBM Quantum" in err and "401" in err and "***" in err
    for text in (out, err, caplog.text):
        assert TOKEN not in text
    with pytest.raises(CredentialsError) as info:
        IBMRunner("ibm_torino")
    assert TOKEN not in str(info.value) and info.value.__cause__ is None


def test_a_saved_account_is_used_and_its_token_redacted(
    no_credentials, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    saved = tmp_path / ".qiskit" / "qiskit-ibm.json"
    saved.parent.mkdir()
    saved.write_text(json.dumps({"default-ibm-quantum-platform": {
        "channel": "ibm_quantum_platform", "token": TOKEN, "instance": "crn:v1:fake",
        "is_default_account": True, "url": "https://example.invalid"}}))
    assert credentials.credentials_available()
    seen: dict = {}

    class Service(_RefusingService):
        def __init__(self, *args, **kwargs) -> None:
            seen.update(kwargs)
            super().__init__(token=TOKEN)

    monkeypatch.setattr(credentials, "QiskitRuntimeService", Service)
    with pytest.raises(CredentialsError) as info:
        IBMRunner("ibm_torino")
    assert "token" not in seen  # the saved account is read by the runtime, not passed around
    assert seen["filename"] == str(saved)
    assert TOKEN not in str(info.value) and "***" in str(info.value)


def test_an_unavailable_device_is_one_clean_line(no_credentials, monkeypatch) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)

    class Service:
        saved_accounts = staticmethod(QiskitRuntimeService.saved_accounts)

        def __init__(self, *args, **kwargs) -> None:
            pass

        def backend(self, name, instance=None):
            raise ValueError(f"backend {name} not found for token {TOKEN}")

    monkeypatch.setattr(credentials, "QiskitRuntimeService", Service)
    with pytest.raises(RuntimeError) as info:
        IBMRunner("ibm_atlantis")
    message = str(info.value)
    assert "ibm_atlantis" in message and TOKEN not in message and "\n" not in message
