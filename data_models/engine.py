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
CHANGED = "aktiv_changed"  # connection info: the record groups this transaction changed
RECORDS, FOLLOW_UP = 1, 2  # data_version ids: the two groups of records
# The follow-up work: meetings and their notes, measures, contacts and feedback. Saved all the
# time in a meeting, and read by none of the pages whose figures are shared (absence,
# students, schools): a note saved in one meeting leaves every school page as it was. Every
# other table, a new one too, is in RECORDS, which every shared read depends on.
FOLLOW_UP_TABLES = frozenset({"meeting", "meeting_participant", "agenda_item",
                              "meeting_amendment", "measure", "measure_follow_up", "contact",
                              "feedback"})
# Tables whose rows change nothing a page computes from: views and refusals in the audit log,
# who is in a meeting, logins, each person's alerts and mail, and the data version itself.
UNTRACKED = frozenset({"audit_event", "meeting_presence", "login_session", "login_attempt",
                       "data_version", "alert", "mail_outbox"})
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


def changed_group(statement: str) -> int | None:
    """Which group of records this SQL statement changes (RECORDS or FOLLOW_UP), or None.
    Anything but a read counts, unless it writes only to an untracked table: a statement not
    understood here changes RECORDS, so that shared page data is thrown away too often
    rather than kept stale."""
    words = statement.lstrip().split(None, 1)
    if not words or words[0].upper() in _READS:
        return None
    target = _TARGET.match(statement)
    table = target.group(1).lower() if target else None
    if table in UNTRACKED:
        return None
    return FOLLOW_UP if table in FOLLOW_UP_TABLES else RECORDS


def mark_changed(connection, group: int = RECORDS) -> None:
    """Record that this transaction changed a group of records (also for writes that bypass
    SQLAlchemy's statement events, such as PostgreSQL's COPY)."""
    connection.info.setdefault(CHANGED, set()).add(group)


def _track_changes(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _forget(conn):  # a pooled connection may carry the flag of a rolled-back transaction
        conn.info.pop(CHANGED, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _parameters, _context, _executemany):
        group = changed_group(statement)
        if group is not None:
            mark_changed(conn, group)


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
    """Commit; a transaction that changed records raises the data version of each group it
    changed, in the same transaction, so that every process sees the change and the version
    together."""
    session.flush()
    groups = session.connection().info.pop(CHANGED, set()) if session.in_transaction() else ()
    for group in sorted(groups):  # one order, so that two writers never wait on each other
        session.execute(text("UPDATE data_version SET version = version + 1 WHERE id = :id"),
                        {"id": group})
    session.commit()


def data_version(session: Session, group: int = RECORDS) -> int:
    """The number every committed change to a group of records raises."""
    return session.scalar(text("SELECT version FROM data_version WHERE id = :id"),
                          {"id": group}) or 0


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
