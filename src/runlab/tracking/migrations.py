"""Named, ordered, transactional schema migrations of the run index.

Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with the row that records it
in ``_migrations``, so a crash leaves the schema either before or after it, and two processes opening
a fresh index at once cannot both apply it (the second one sees it recorded and skips it).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence

from runlab._values import frozen

__all__ = ["MIGRATIONS", "Migration", "applied_migrations", "migrate"]


@frozen
class Migration:
    """One schema step; ``name`` is its identity forever, so never rename or reorder them."""

    name: str
    apply: Callable[[sqlite3.Connection], None]


def _create_runs(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            run_dir TEXT NOT NULL UNIQUE,
            sweep_id TEXT,
            sweep_dir TEXT,
            job_num INTEGER,
            status TEXT NOT NULL,
            start REAL,
            end REAL,
            duration REAL,
            host TEXT,
            pid INTEGER,
            pid_started REAL,
            overrides TEXT NOT NULL DEFAULT '[]',
            params TEXT NOT NULL DEFAULT '{}',
            choices TEXT NOT NULL DEFAULT '{}',
            metrics TEXT NOT NULL DEFAULT '{}',
            error TEXT,
            git_commit TEXT,
            git_dirty INTEGER,
            record_mtime REAL,
            indexed_at REAL
        )
        """
    )
    db.execute("CREATE INDEX runs_by_sweep ON runs (sweep_id, job_num)")
    db.execute("CREATE INDEX runs_by_start ON runs (start)")
    db.execute("CREATE INDEX runs_by_status ON runs (status)")


def _add_config_flat(db: sqlite3.Connection) -> None:
    # Filters on config keys nobody overrode ('optimizer.momentum=0.9') need the flattened config;
    # kept in its own column so listings that do not filter on it never parse it.
    db.execute("ALTER TABLE runs ADD COLUMN config_flat TEXT NOT NULL DEFAULT '{}'")


def _add_listing(db: sqlite3.Connection) -> None:
    # Listing 10,000 runs parsed three JSON columns per row; one combined document is cheaper.
    # Rows indexed before this migration are backfilled from the separate columns.
    db.execute("ALTER TABLE runs ADD COLUMN listing TEXT")
    def valid(column: str, empty: str) -> str:  # NaN in old rows: reindexing restores them
        return f"CASE WHEN json_valid({column}) THEN json({column}) ELSE json('{empty}') END"

    db.execute(
        "UPDATE runs SET listing = json_object("
        f"'params', {valid('params', '{}')}, 'choices', {valid('choices', '{}')}, "
        f"'metrics', {valid('metrics', '{}')})"
    )


def _drop_split_columns(db: sqlite3.Connection) -> None:
    # Since 0003 the listing holds params, choices and metrics; writing them twice cost a third of
    # an index rebuild's time.
    for column in ("params", "choices", "metrics"):
        db.execute(f"ALTER TABLE runs DROP COLUMN {column}")


MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_create_runs", _create_runs),
    Migration("0002_add_config_flat", _add_config_flat),
    Migration("0003_add_listing", _add_listing),
    Migration("0004_drop_split_columns", _drop_split_columns),
)


def _ensure_ledger(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied, in the order they were applied."""
    _ensure_ledger(db)
    return [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY rowid")]


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply the pending ``migrations`` in order; returns the names applied now.

    ``db`` must be in autocommit mode (``isolation_level=None``) so the transactions here are ours.
    """
    names = [m.name for m in migrations]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate migration names in {names}")
    _ensure_ledger(db)
    done = set(applied_migrations(db))
    unknown = done - set(names)
    if unknown:
        raise RuntimeError(
            f"index was migrated by a newer runlab (unknown migrations: {sorted(unknown)}); "
            "upgrade runlab or rebuild the index with `runlab index --rebuild`"
        )
    applied_now = []
    for migration in migrations:
        if migration.name in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            already = db.execute(
                "SELECT 1 FROM _migrations WHERE name = ?", (migration.name,)
            ).fetchone()
            if already is None:
                migration.apply(db)
                db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                    (migration.name, time.time()),
                )
                applied_now.append(migration.name)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return applied_now
