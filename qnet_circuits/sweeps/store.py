"""A sweep store that loses nothing: SQLite (stdlib ``sqlite3``) in WAL mode, one transaction per
finished chunk, so a killed sweep loses at most the chunks in flight and a re-run skips the rest.

A chunk's key is (point key, chunk index); the point key hashes the task, the metric, the
canonical parameters, the sweep seed, the chunk size and the code version (:data:`SCHEMA_VERSION`
and the package version), so two sweeps in one store never mix and a new release recomputes
rather than reuse. Finished points are kept in ``points`` (the tidy table, for ``qnet plot`` and
the exports).

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "s.sqlite")
>>> with SweepStore(path) as store:
...     store.put_chunk("k", 0, {"estimate": 0.9, "stderr": 0.01, "weight": 100, "successes": None,
...                             "theory": 0.91, "wall_s": 0.1}, shots=100, seed=7)
...     sorted(store.chunks(["k"])["k"])
[0]
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: the layout of the tables; a store of another schema is refused (never migrated silently)
SCHEMA_VERSION = 1

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    point_key TEXT NOT NULL, chunk INTEGER NOT NULL, shots INTEGER NOT NULL, seed INTEGER NOT NULL,
    estimate REAL NOT NULL, stderr REAL NOT NULL, weight INTEGER NOT NULL, successes INTEGER,
    theory REAL, wall_s REAL NOT NULL, PRIMARY KEY (point_key, chunk));
CREATE TABLE IF NOT EXISTS points (
    point_key TEXT NOT NULL, target_stderr REAL, max_shots INTEGER NOT NULL, task TEXT NOT NULL,
    metric TEXT NOT NULL, params TEXT NOT NULL, row TEXT NOT NULL,
    PRIMARY KEY (point_key, target_stderr, max_shots));
"""


def package_version() -> str:
    """The installed qnet-circuits version (part of every point key)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qnet-circuits")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


class SweepStore:
    """The SQLite store at ``path`` (created when missing).

    Raises ValueError (one line, naming the file) when ``path`` is not an SQLite database or was
    written with another :data:`SCHEMA_VERSION`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ValueError(f"store {self.path} is a directory, not an SQLite file")
        try:
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_TABLES)
            rows = dict(self._db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"store {self.path} is not an SQLite sweep store ({exc})") from None
        if not rows:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)",
                                     [("schema_version", str(SCHEMA_VERSION)),
                                      ("package_version", package_version())])
            rows = dict(self._db.execute("SELECT key, value FROM meta"))
        if rows.get("schema_version") != str(SCHEMA_VERSION):
            self._db.close()
            raise ValueError(
                f"store {self.path} was written with store schema {rows.get('schema_version')} "
                f"(qnet-circuits {rows.get('package_version', '?')}); this version "
                f"({package_version()}) reads schema {SCHEMA_VERSION}: use a new store file")

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._db.close()

    def put_chunk(self, point_key: str, chunk: int, result: Mapping[str, Any], *, shots: int,
                  seed: int) -> None:
        """Write one finished chunk in its own transaction."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (point_key, chunk, shots, seed, result["estimate"], result["stderr"],
                 result["weight"], result["successes"], result["theory"], result["wall_s"]))

    def chunk_count(self) -> int:
        """Finished chunks in the store (all sweeps)."""
        return int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def chunks(self, point_keys: Iterable[str]) -> dict[str, dict[int, dict[str, Any]]]:
        """Finished chunks by point key and index (one query; fast for thousands of points)."""
        wanted = set(point_keys)
        out: dict[str, dict[int, dict[str, Any]]] = {}
        cursor = self._db.execute(
            "SELECT point_key, chunk, estimate, stderr, weight, successes, theory, wall_s, shots FROM chunks")
        for key, chunk, est, se, weight, succ, theory, wall, shots in cursor:
            if key in wanted:
                out.setdefault(key, {})[chunk] = {"estimate": est, "stderr": se, "weight": weight,
                                                  "successes": succ, "theory": theory, "wall_s": wall,
                                                  "shots": shots}
        return out

    def put_points(self, rows: Iterable[tuple[str, float | None, int, str, str, str, Mapping]]) -> None:
        """Record finished points (key, target, max_shots, task, metric, params JSON, row)."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 [(*r[:6], json.dumps(r[6], default=str)) for r in rows])

    def points(self) -> list[dict[str, Any]]:
        """Every finished point's row (as :func:`~qnet_circuits.sweeps.sweep` returned it)."""
        return [json.loads(row) for (row,) in self._db.execute("SELECT row FROM points ORDER BY rowid")]

    def table(self):
        """The finished points as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.points())

    def export(self, out: str | Path) -> Path:
        """Write the finished points to ``out``: ``.csv`` or ``.parquet`` (needs pyarrow)."""
        out = Path(out)
        table = self.table()
        if out.suffix == ".csv":
            table.to_csv(out, index=False)
        elif out.suffix == ".parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise ValueError("Parquet export needs pyarrow: pip install pyarrow") from None
            table.to_parquet(out, index=False)
        else:
            raise ValueError(f"export file {out} must end in .csv or .parquet")
        return out


__all__ = ["SCHEMA_VERSION", "SweepStore", "package_version"]
