"""Study results in one SQLite file: every finished cell committed at once.

Interrupting a run loses nothing finished; running again does only the cells
that are missing (or failed). WAL journaling keeps the file consistent if the
process is killed mid-write. Readers (reports, ``study list``/``show``) open the
file read-only, so pointing one at a wrong path creates nothing.
"""

from __future__ import annotations

import json
import platform
import sqlite3
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from mlplab._typing import PathLike
from mlplab.errors import InvalidInputError

if TYPE_CHECKING:
    from mlplab.study.spec import Cell, StudySpec

SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    name TEXT PRIMARY KEY,
    path TEXT,
    created REAL,
    versions TEXT
);
CREATE TABLE IF NOT EXISTS cells (
    key TEXT PRIMARY KEY,           -- the cell's identity (JSON of its settings)
    study TEXT NOT NULL,
    dataset TEXT NOT NULL,
    model TEXT NOT NULL,
    baseline TEXT,
    params TEXT NOT NULL,           -- JSON
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,           -- done | failed
    metrics TEXT,                   -- JSON: name -> value
    history TEXT,                   -- JSON: loss per epoch
    warnings TEXT,                  -- JSON list
    error TEXT,
    started REAL,
    finished REAL
);
CREATE TABLE IF NOT EXISTS study_parts (  -- the studies an including study runs
    study TEXT NOT NULL,
    part TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (study, part)
);
CREATE TABLE IF NOT EXISTS figures (
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    png BLOB NOT NULL,
    PRIMARY KEY (key, kind)
);
"""


@dataclass(frozen=True)
class StudyCounts:
    """A study in a database and its cells; an including study counts its parts' cells,
    and ``parts`` lists them."""

    name: str
    path: str | None
    created: float | None
    cells: int
    done: int
    failed: int
    parts: tuple = ()


def _connect(path, writable):
    if writable and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return sqlite3.connect(path, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise InvalidInputError(f"{path}: cannot create a results database there "
                                    f"({getattr(exc, 'strerror', None) or exc}). Give a path "
                                    "in a folder you can write to.") from None
    if writable:
        return sqlite3.connect(path, timeout=30)
    # mode=ro: SQLite itself refuses to create or change the file.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def versions():
    """The library versions a result was computed with."""
    from importlib import metadata

    found = {"python": platform.python_version()}
    for package in ("mlplab", "numpy", "scikit-learn", "matplotlib"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


class ResultStore:
    """A study database; use as a context manager or call ``close()``.

    Parameters
    ----------
    path : str or Path
        The SQLite file.
    writable : bool
        False (the default) opens an existing database read-only: a missing
        file is an error and nothing is created or changed. True (the runner)
        creates the file and its folder when missing and may write.
    """

    def __init__(self, path: PathLike, *, writable: bool = False):
        self.path = Path(path)
        self.connection: sqlite3.Connection | None = None  # None once closed
        self.writable = False  # until the file is known to be a results database
        if self.path.is_dir():
            raise InvalidInputError(f"{self.path}: a folder, not a results database. Give a "
                                    "file path, e.g. results.sqlite.")
        if not writable and not self.path.is_file():
            raise InvalidInputError(f"{self.path}: no such results database. Run the study "
                                    "first, or give the --db it was run with.")
        try:
            self.connection = _connect(self.path, writable)
            self._check_tables(writable)
            if writable:
                self.connection.execute("PRAGMA journal_mode=WAL")  # a kill mid-write is safe
                self.connection.executescript(SCHEMA)
                self.connection.commit()
                self.writable = True
        except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
            self.close()
            raise InvalidInputError(f"{self.path}: not a results database that mlplab can "
                                    f"open ({exc}). Give the .sqlite file of a study run.") \
                from None
        except BaseException:
            self.close()
            raise

    def _check_tables(self, writable: bool) -> None:
        """Refuse another program's database; a reader also refuses an empty one."""
        tables = {row[0] for row in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and not {"studies", "cells", "figures"} <= tables:
            raise InvalidInputError(f"{self.path}: a SQLite database of something else (its "
                                    f"tables: {', '.join(sorted(tables))}), not mlplab study "
                                    "results. Give another --db file.")
        if not tables and not writable:
            raise InvalidInputError(f"{self.path}: an empty database, not mlplab study "
                                    "results. Run the study first.")

    @property
    def _db(self) -> sqlite3.Connection:
        """The open connection; a closed store refuses to be read or written."""
        if self.connection is None:
            raise InvalidInputError(f"{self.path}: this ResultStore is closed; open the "
                                    "database again, e.g. with ResultStore(path).")
        return self.connection

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.connection is None:
            return
        if self.writable:
            # At rest the database is one file again (no -wal, -shm), so a read-only reader
            # needs to create nothing. A reader that has it open keeps WAL on: no wait.
            try:
                self.connection.execute("PRAGMA busy_timeout = 0")
                self.connection.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.Error:
                pass
        self.connection.close()
        self.connection = None

    def register(self, spec: StudySpec) -> None:
        """Record the study (and the studies it includes, as its parts)."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO studies VALUES (?, ?, ?, ?)",
                (spec.name, spec.path, time.time(), json.dumps(versions())))
            self._db.executemany(
                "INSERT OR REPLACE INTO study_parts VALUES (?, ?, ?)",
                [(spec.name, part.name, i) for i, part in enumerate(spec.parts)])

    def forget(self, keys: Collection[str]) -> None:
        """Drop results for these cells (``--fresh``)."""
        with self._db:
            self._db.executemany("DELETE FROM cells WHERE key = ?", [(k,) for k in keys])
            self._db.executemany("DELETE FROM figures WHERE key = ?",
                                        [(k,) for k in keys])

    def finished_keys(self) -> set[str]:
        rows = self._db.execute("SELECT key FROM cells WHERE status = 'done'")
        return {row[0] for row in rows}

    def save(self, cell: Cell, result: dict[str, Any]) -> None:
        """Record one cell's result and commit it immediately."""
        self.save_many([(cell, result)])

    def save_many(self, pairs: Iterable[tuple[Cell, dict[str, Any]]]) -> None:
        """Record several cells' results, ``[(cell, result), ...]``, in one commit."""
        with self._db:
            for cell, result in pairs:
                self._insert(cell, result)

    def _insert(self, cell: Cell, result: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cell["key"], cell["study"], cell["dataset"], cell["model"], cell["baseline"],
             json.dumps(cell["params"], sort_keys=True), cell["seed"], result["status"],
             json.dumps(result.get("metrics", {})), json.dumps(result.get("history", [])),
             json.dumps(result.get("warnings", [])), result.get("error"),
             result.get("started"), result.get("finished")))
        for kind, image in result.get("figures", {}).items():
            import base64

            self._db.execute("INSERT OR REPLACE INTO figures VALUES (?, ?, ?)",
                                    (cell["key"], kind, base64.b64decode(image)))

    def rows(self, study: str | None = None) -> list[dict[str, Any]]:
        """Every recorded cell (of ``study``), as dicts with decoded JSON."""
        query = "SELECT * FROM cells" + (" WHERE study = ?" if study else "")
        cursor = self._db.execute(query, (study,) if study else ())
        names = [c[0] for c in cursor.description]
        rows = []
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            for key in ("params", "metrics", "history", "warnings"):
                row[key] = json.loads(row[key]) if row[key] else None
            rows.append(row)
        return rows

    def figures(self, key: str) -> dict[str, bytes]:
        cursor = self._db.execute("SELECT kind, png FROM figures WHERE key = ?", (key,))
        return dict(cursor.fetchall())

    def studies(self) -> list[StudyCounts]:
        """Every recorded study as :class:`StudyCounts`: an including study with the
        cells of its parts (listed in its ``parts``), in the order they were recorded."""
        counts = {study: (cells, done or 0, failed or 0) for study, cells, done, failed in
                  self._db.execute(
                      "SELECT study, COUNT(*), SUM(status = 'done'), SUM(status = 'failed') "
                      "FROM cells GROUP BY study")}
        tables = {row[0] for row in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        parts_of: dict[str, list[str]] = {}
        if "study_parts" in tables:  # databases written before parts were recorded lack it
            for study, part in self._db.execute(
                    "SELECT study, part FROM study_parts ORDER BY study, position"):
                parts_of.setdefault(study, []).append(part)
        found = []
        for name, path, created in self._db.execute(
                "SELECT name, path, created FROM studies ORDER BY rowid"):
            parts = tuple(StudyCounts(part, None, None, *counts.get(part, (0, 0, 0)))
                          for part in parts_of.get(name, ()))
            own = counts.get(name, (0, 0, 0))
            cells, done, failed = (own[i] + sum(p[i] for p in (counts.get(q.name, (0, 0, 0))
                                                               for q in parts)) for i in range(3))
            found.append(StudyCounts(name, path, created, cells, done, failed, parts=parts))
        # Cells of a study recorded nowhere else (a part, in a database written before
        # parts were recorded): listed on their own.
        listed = {s.name for s in found} | {p.name for s in found for p in s.parts}
        found += [StudyCounts(name, None, None, *counts[name]) for name in counts
                  if name not in listed]
        return found

    def integrity(self) -> str:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]
