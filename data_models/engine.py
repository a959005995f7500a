"""Engine and unit of work. SQLite gets WAL, a busy timeout, foreign keys and
BEGIN IMMEDIATE for writes, so that concurrent writers wait instead of failing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

WRITE = "aktiv_write"  # execution option that marks a write transaction
CHANGED = "aktiv_changed"  # connection info: this transaction changed the app's records
# Tables whose rows change nothing a page computes from: views and refusals in the audit log,
# who is in a meeting, logins, and the data version itself.
UNTRACKED = frozenset({"audit_event", "meeting_presence", "login_session", "login_attempt",
                       "data_version"})
_READS = frozenset({"SELECT", "PRAGMA", "ANALYZE", "BEGIN", "SAVEPOINT", "RELEASE",
                    "ROLLBACK", "COMMIT", "SET", "SHOW", "EXPLAIN"})
_TARGET = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|COPY)\s+"
                     r"[\"`]?(\w+)", re.IGNORECASE)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    # No values in error messages or logs: they may hold personal identity numbers.
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    else:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True)
        _configure_sqlite(engine)
    _track_changes(engine)
    return engine


def changes_records(statement: str) -> bool:
    """Does this SQL statement change the app's records? Anything but a read counts, unless
    it writes only to an untracked table: a statement not understood here counts as a
    change, so that shared page data is thrown away too often rather than kept stale."""
    words = statement.lstrip().split(None, 1)
    if not words or words[0].upper() in _READS:
        return False
    target = _TARGET.match(statement)
    return target is None or target.group(1).lower() not in UNTRACKED


def mark_changed(connection) -> None:
    """Record that this transaction changed the app's records (for writes that bypass
    SQLAlchemy's statement events, such as PostgreSQL's COPY)."""
    connection.info[CHANGED] = True


def _track_changes(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _forget(conn):  # a pooled connection may carry the flag of a rolled-back transaction
        conn.info.pop(CHANGED, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _parameters, _context, _executemany):
        if changes_records(statement):
            mark_changed(conn)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself; the driver's own BEGIN is always deferred.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 32 MB of page cache instead of 2 MB: an import of 50 000 rows into a region-scale
        # database commits in 2.6 s instead of 3.3–3.9 s (its index inserts stop thrashing).
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A writer takes the write lock up front; a deferred BEGIN that later upgrades
        # fails with "database is locked" instead of waiting for the busy timeout.
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


AFTERWARDS = "aktiv_afterwards"  # session.info key: rows written once the block has ended


def write_afterwards(session: Session, row) -> None:
    """Write `row` in a short transaction of its own when the unit of work ends, whether it
    commits, rolls back or only reads. This is how a view is logged without a read holding
    the database's write lock while a page is computed, and how a refused request is logged
    although its own transaction is rolled back."""
    session.info.setdefault(AFTERWARDS, []).append(row)


@contextmanager
def unit_of_work(engine: Engine, write: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back otherwise.
    An error that knows how to record itself (`audit_row()`, such as a refused request) is
    recorded afterwards."""
    bind = engine.execution_options(**{WRITE: True}) if write else engine
    session = Session(bind=bind, expire_on_commit=False)
    try:
        yield session
        if write:
            _commit(session)
        # A read ends at close(), which rolls back without expiring what was loaded.
    except BaseException as error:
        session.rollback()
        record = getattr(error, "audit_row", None)
        if callable(record):
            write_afterwards(session, record())
        raise
    finally:
        afterwards = session.info.pop(AFTERWARDS, [])
        session.close()
        if afterwards:
            _write_rows(engine, afterwards)


def _write_rows(engine: Engine, rows: list) -> None:
    session = Session(bind=engine.execution_options(**{WRITE: True}), expire_on_commit=False)
    try:
        session.add_all(rows)
        _commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _commit(session: Session) -> None:
    """Commit; a transaction that changed the app's records raises the data version in it,
    so that every process sees the change and the version together."""
    session.flush()
    if session.in_transaction() and session.connection().info.pop(CHANGED, False):
        session.execute(text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    session.commit()


def data_version(session: Session) -> int:
    """The number every committed change raises (0 on a database that has no changes)."""
    return session.scalar(text("SELECT version FROM data_version WHERE id = 1")) or 0


def analyze(session: Session, *, sqlite_only: bool = False) -> None:
    """Refresh the query planner's statistics, in the caller's transaction. SQLite keeps
    none until asked, and without them it may read a whole term's summary where a few
    students' rows were wanted (measured at region scale: a refresh after one school's
    import took 1.5 s instead of 0.6 s). A sampled ANALYZE takes milliseconds there.
    PostgreSQL's autovacuum keeps its own; after a bulk load it is asked at once."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(text("PRAGMA analysis_limit=1000"))
        session.execute(text("ANALYZE"))
    elif dialect == "postgresql" and not sqlite_only:
        session.execute(text("ANALYZE"))
