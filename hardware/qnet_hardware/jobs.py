"""Runtime job helpers of :class:`~qnet_hardware.IBMRunner`: name the other jobs of a failed run,
cancel the rest, close a Batch (best effort each).

>>> other_jobs([]), close_batch(None)
('', None)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["cancel_jobs", "close_batch", "other_jobs"]


def other_jobs(jobs: Sequence[Any], skip: str | None = None) -> str:
    """``"; other jobs of this run: id, ..."`` for the jobs other than ``skip`` (or "")."""
    ids = [str(j.job_id()) for j in jobs if str(j.job_id()) != skip]
    return f"; other jobs of this run: {', '.join(ids)}" if ids else ""


def cancel_jobs(jobs: Sequence[Any]) -> None:
    """Cancel each job (best effort: a job that cannot be cancelled is left alone)."""
    for job in jobs:
        try:
            job.cancel()
        except Exception:  # noqa: BLE001,S110 - cancelling is best effort
            pass


def close_batch(batch: Any) -> None:
    """Close a runtime Batch (best effort; None: nothing to close)."""
    if batch is not None:
        try:
            batch.close()
        except Exception:  # noqa: BLE001,S110 - closing is best effort
            pass
