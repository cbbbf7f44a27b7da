"""IBM Quantum credentials: from the environment or the runtime's saved account, never printed.

Sources, in order: ``QISKIT_IBM_TOKEN`` (with ``QISKIT_IBM_INSTANCE`` and optionally
``QISKIT_IBM_CHANNEL``), then an account saved once with
``QiskitRuntimeService.save_account(token=..., instance=..., set_as_default=True)`` (stored by the
runtime in ``~/.qiskit/qiskit-ibm.json``, outside the repository). Nothing here logs, prints or
stores a token; every error message that leaves this module is scrubbed of known tokens and fits
on one line.

>>> redact("401: bad token abc123 for user", ["abc123"])
'401: bad token *** for user'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from qiskit_ibm_runtime import QiskitRuntimeService

__all__ = [
    "ENV_CHANNEL",
    "ENV_INSTANCE",
    "ENV_TOKEN",
    "MISSING_CREDENTIALS",
    "CredentialsError",
    "connect",
    "credentials_available",
    "known_secrets",
    "one_line",
    "redact",
]

ENV_TOKEN = "QISKIT_IBM_TOKEN"
ENV_INSTANCE = "QISKIT_IBM_INSTANCE"
ENV_CHANNEL = "QISKIT_IBM_CHANNEL"

#: The one line shown when no credentials exist (also the fix).
MISSING_CREDENTIALS = (
    "no IBM Quantum credentials for {device!r}: set QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE "
    "(optionally QISKIT_IBM_CHANNEL) in the environment, or save an account once with "
    "QiskitRuntimeService.save_account(token=..., instance=..., set_as_default=True); "
    "fake devices such as fake_torino need no credentials"
)


class CredentialsError(RuntimeError):
    """No usable IBM Quantum credentials, or the service refused them (message is one line)."""


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (of 4 or more characters) replaced by ``***``."""
    out = str(text)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        out = out.replace(secret, "***")
    return out


#: Where the runtime saves accounts by default.
DEFAULT_ACCOUNT_FILE = os.path.join("~", ".qiskit", "qiskit-ibm.json")


def saved_accounts(filename: str | None = None) -> dict[str, Any]:
    """The runtime's saved accounts (``{}`` when there is none or the file cannot be read).

    The file is checked first: the runtime's reader would create an empty one.
    """
    path = os.path.expanduser(filename or DEFAULT_ACCOUNT_FILE)
    if not os.path.isfile(path):
        return {}
    try:
        return dict(QiskitRuntimeService.saved_accounts(filename=path))
    except Exception:  # noqa: BLE001 - a missing or unreadable file means no saved account
        return {}


def known_secrets(filename: str | None = None) -> list[str]:
    """Tokens this process could send (environment and saved accounts), for redaction only."""
    secrets = [os.environ.get(ENV_TOKEN, "")]
    for account in saved_accounts(filename).values():
        if isinstance(account, dict):
            secrets.append(str(account.get("token") or ""))
    return [s for s in secrets if s]


def credentials_available(account_name: str | None = None, filename: str | None = None) -> bool:
    """True when a token is in the environment or a (named) account is saved."""
    if os.environ.get(ENV_TOKEN):
        return True
    accounts = saved_accounts(filename)
    return account_name in accounts if account_name else bool(accounts)


def connect(
    device: str,
    *,
    account_name: str | None = None,
    filename: str | None = None,
    instance: str | None = None,
) -> QiskitRuntimeService:
    """A :class:`QiskitRuntimeService` from the environment or a saved account.

    Raises:
        CredentialsError: no credentials (one line saying how to set them), or the service
            refused them or could not be reached (one line, tokens removed).
    """
    if not credentials_available(account_name, filename):
        raise CredentialsError(MISSING_CREDENTIALS.format(device=device))
    secrets = known_secrets(filename)
    try:
        token = os.environ.get(ENV_TOKEN)
        if token and account_name is None:
            channel = os.environ.get(ENV_CHANNEL) or None
            return QiskitRuntimeService(
                channel=channel,  # type: ignore[arg-type]
                token=token,
                instance=instance or os.environ.get(ENV_INSTANCE) or None,
            )
        return QiskitRuntimeService(
            name=account_name,
            filename=os.path.expanduser(filename or DEFAULT_ACCOUNT_FILE),
            instance=instance,
        )
    except Exception as exc:  # noqa: BLE001 - any failure becomes one clean line
        message = one_line(redact(f"{type(exc).__name__}: {exc}", secrets))
        raise CredentialsError(
            f"could not connect to IBM Quantum for {device!r} ({message}); check "
            "QISKIT_IBM_TOKEN / QISKIT_IBM_INSTANCE or the saved account, and the network"
        ) from None
