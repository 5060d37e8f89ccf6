"""Study results in one SQLite file: every finished cell committed at once.

Interrupting a run loses nothing finished; running again does only the cells
that are missing (or failed). WAL journaling keeps the file consistent if the
process is killed mid-write.
"""

import json
import platform
import sqlite3
import time
from pathlib import Path

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
CREATE TABLE IF NOT EXISTS figures (
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    png BLOB NOT NULL,
    PRIMARY KEY (key, kind)
);
"""


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
    """A study database; use as a context manager or call ``close()``."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(self.path, timeout=30)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.executescript(SCHEMA)
        self.connection.commit()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.connection.close()

    def register(self, spec):
        with self.connection:
            self.connection.execute(
                "INSERT OR REPLACE INTO studies VALUES (?, ?, ?, ?)",
                (spec.name, spec.path, time.time(), json.dumps(versions())))

    def forget(self, keys):
        """Drop results for these cells (``--fresh``)."""
        with self.connection:
            self.connection.executemany("DELETE FROM cells WHERE key = ?", [(k,) for k in keys])
            self.connection.executemany("DELETE FROM figures WHERE key = ?",
                                        [(k,) for k in keys])

    def finished_keys(self):
        rows = self.connection.execute("SELECT key FROM cells WHERE status = 'done'")
        return {row[0] for row in rows}

    def save(self, cell, result):
        """Record one cell's result and commit it immediately."""
        with self.connection:
            self.connection.execute(
                "INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cell["key"], cell["study"], cell["dataset"], cell["model"], cell["baseline"],
                 json.dumps(cell["params"], sort_keys=True), cell["seed"], result["status"],
                 json.dumps(result.get("metrics", {})), json.dumps(result.get("history", [])),
                 json.dumps(result.get("warnings", [])), result.get("error"),
                 result.get("started"), result.get("finished")))
            for kind, image in result.get("figures", {}).items():
                import base64

                self.connection.execute("INSERT OR REPLACE INTO figures VALUES (?, ?, ?)",
                                        (cell["key"], kind, base64.b64decode(image)))

    def rows(self, study=None):
        """Every recorded cell (of ``study``), as dicts with decoded JSON."""
        query = "SELECT * FROM cells" + (" WHERE study = ?" if study else "")
        cursor = self.connection.execute(query, (study,) if study else ())
        names = [c[0] for c in cursor.description]
        rows = []
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            for key in ("params", "metrics", "history", "warnings"):
                row[key] = json.loads(row[key]) if row[key] else None
            rows.append(row)
        return rows

    def figures(self, key):
        cursor = self.connection.execute("SELECT kind, png FROM figures WHERE key = ?", (key,))
        return dict(cursor.fetchall())

    def studies(self):
        cursor = self.connection.execute(
            "SELECT s.name, s.path, s.created, COUNT(c.key), "
            "SUM(c.status = 'done'), SUM(c.status = 'failed') "
            "FROM studies s LEFT JOIN cells c ON c.study = s.name GROUP BY s.name")
        return cursor.fetchall()

    def integrity(self):
        return self.connection.execute("PRAGMA integrity_check").fetchone()[0]
