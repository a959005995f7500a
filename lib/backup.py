"""Backups and restores of the whole database, taken while the app keeps working.

SQLite: the online backup API copies the database page by page into a file, all pages from
one read snapshot, while users go on saving (WAL lets writers work beside a reader).
PostgreSQL: `pg_dump --format=custom` and `pg_restore`, connected through the PG*
environment variables so that the password is never on a command line.

Each backup is followed by checksums of what it holds (per table: rows and a hash of the
rows in primary-key order), kept beside the file; a restore computes the same of what it
wrote and compares, so that an operator sees that nothing was lost on the way."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from lib.i18n import _

# Exit codes of `python -m lib.cli backup|restore` for each kind of failure.
MISSING_FILE, NOT_EMPTY, TOOL_MISSING, FAILED, MISMATCH = 3, 4, 5, 6, 7
SQLITE_HEADER, PG_HEADER = b"SQLite format 3\x00", b"PGDMP"
# Where Debian's PostgreSQL packages put their programs, newest version first.
PG_BIN_ROOT = Path("/usr/lib/postgresql")
# The connection settings a database URL may carry, as libpq's environment variables.
PG_QUERY_ENV = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE",
                "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
                "passfile": "PGPASSFILE", "connect_timeout": "PGCONNECT_TIMEOUT",
                "application_name": "PGAPPNAME"}
ROWS_PER_FETCH = 5000
Progress = Callable[[], None]


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message is for the operator and
    `exit_code` is what the command line returns."""

    def __init__(self, message: str, exit_code: int = FAILED):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class TableSum:
    rows: int
    digest: str


Checksums = dict[str, TableSum]


# --- Backup ---------------------------------------------------------------------------------

def backup(url: str, path: str | Path, *, pages: int = 1024, sleep: float = 0.005,
           progress: Progress | None = None) -> Checksums:
    """Write a backup of the database at `url` to `path` (replacing an older file only once
    the new one is complete) and the checksums of what it holds beside it. `progress` is
    called while the backup runs: after each step of pages on SQLite, once pg_dump has
    started on PostgreSQL."""
    target = Path(path)
    if not target.parent.is_dir():
        raise BackupError(_("Mappen {folder} finns inte.").format(folder=target.parent),
                          MISSING_FILE)
    partial = target.with_name(target.name + ".ofullständig")
    try:
        if _is_sqlite(url):
            _sqlite_backup(_sqlite_file(url), partial, pages, sleep, progress)
            sums = _sqlite_file_checksums(partial)
        else:
            sums = _pg_backup(url, partial, progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    write_checksums(sums, sums_path(target))
    return sums


def _sqlite_backup(source_file: Path, target: Path, pages: int, sleep: float,
                   progress: Progress | None) -> None:
    if not source_file.is_file():
        raise BackupError(_("Databasfilen {path} finns inte.").format(path=source_file),
                          MISSING_FILE)
    source = sqlite3.connect(source_file, timeout=30, isolation_level=None)
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        # One read transaction over every step: each page comes from the same snapshot,
        # and a save made meanwhile neither waits for the backup nor restarts it.
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        source.backup(copy, pages=pages, sleep=sleep,
                      progress=(lambda *_args: progress()) if progress else None)
        source.execute("COMMIT")
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _require_intact(copy)
    except sqlite3.Error as error:
        raise BackupError(_("Säkerhetskopieringen misslyckades: {detail}").format(
            detail=error)) from error
    finally:
        copy.close()
        source.close()


def _pg_backup(url: str, target: Path, progress: Progress | None) -> Checksums:
    """pg_dump reads the snapshot this connection exports, so that the checksums computed
    here describe exactly the rows in the dump, while users keep saving."""
    pg_dump = find_tool("pg_dump")
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True,
                           isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection, tempfile.TemporaryFile() as errors:
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            process = subprocess.Popen(
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                 f"--file={target}"], env=pg_environment(url), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=errors)
            try:
                if progress:
                    progress()
                sums = table_checksums(connection)
            finally:
                process.wait()  # the snapshot must live until pg_dump is done
            connection.rollback()
            if process.returncode != 0:
                raise BackupError(_("pg_dump misslyckades: {detail}").format(
                    detail=_tail(errors)))
    except SQLAlchemyError as error:
        raise BackupError(_("Kunde inte ansluta till databasen ({kind}).").format(
            kind=type(getattr(error, "orig", None) or error).__name__)) from error
    finally:
        engine.dispose()
    return sums


# --- Restore --------------------------------------------------------------------------------

def restore(path: str | Path, url: str, *, force: bool = False) -> Checksums:
    """Restore the backup at `path` into the database at `url`, which must be new or empty
    unless `force`. Returns the checksums of the restored database; raises (MISMATCH) when
    they differ from those saved with the backup."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(_("Säkerhetskopian {path} finns inte.").format(path=source),
                          MISSING_FILE)
    if _is_sqlite(url):
        target = _sqlite_file(url)
        _require_header(source, SQLITE_HEADER)
        _refuse_not_empty(_sqlite_table_count(target), force)
        _sqlite_restore(source, target)
        sums = checksums(url)
    else:
        _require_header(source, PG_HEADER)
        _refuse_not_empty(_pg_table_count(url), force)
        _pg_restore(source, url, force)
        sums = checksums(url)
    saved = read_checksums(sums_path(source))
    if saved is not None and saved != sums:
        raise BackupError(_("Databasen är återställd, men kontrollsummorna skiljer sig från "
                            "säkerhetskopians i tabellerna: {tables}.").format(
            tables=", ".join(differing(saved, sums))), MISMATCH)
    return sums


def _refuse_not_empty(tables: int, force: bool) -> None:
    if tables and not force:
        raise BackupError(_("Måldatabasen har redan {count} tabeller. Återställ till en ny, "
                            "tom databas, eller ange --force för att skriva över den.").format(
            count=tables), NOT_EMPTY)


def _sqlite_restore(source: Path, target: Path) -> None:
    backup_copy = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        _require_intact(backup_copy)
        if not backup_copy.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                   "AND name = 'alembic_version'").fetchone()[0]:
            raise BackupError(_("Filen {path} är inte en säkerhetskopia av Aktiv "
                                "uppföljning.").format(path=source), FAILED)
        target.parent.mkdir(parents=True, exist_ok=True)
        database = sqlite3.connect(target, timeout=30, isolation_level=None)
        try:
            backup_copy.backup(database)  # every page, or nothing if it fails
            database.execute("PRAGMA journal_mode=WAL")
        finally:
            database.close()
    except sqlite3.Error as error:
        raise BackupError(_("Återställningen misslyckades: {detail}").format(
            detail=error)) from error
    finally:
        backup_copy.close()


def _pg_restore(source: Path, url: str, force: bool) -> None:
    """All in one transaction: a restore that fails part-way leaves the database as it was."""
    command = [find_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", "--no-password",
               # An empty name: connect to the database PGDATABASE names.
               "--dbname="]
    if force:
        command += ["--clean", "--if-exists"]
    result = subprocess.run([*command, str(source)], env=pg_environment(url),
                            stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise BackupError(_("pg_restore misslyckades: {detail}").format(
            detail=result.stderr.strip()[-300:]))


# --- Checksums ------------------------------------------------------------------------------

def checksums(url: str) -> Checksums:
    """Rows and a hash of the rows, per table, of the database at `url` now."""
    if _is_sqlite(url):
        return _sqlite_file_checksums(_sqlite_file(url))
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            return table_checksums(connection)
    finally:
        engine.dispose()


def table_checksums(connection: Connection) -> Checksums:
    tables = sorted(inspect(connection).get_table_names())
    return {table: table_checksum(connection, table) for table in tables}


def table_checksum(connection: Connection, table: str, up_to_id: int | None = None) -> TableSum:
    """Rows and a SHA-256 of the rows in primary-key order, columns by name; with
    `up_to_id`, only the rows whose id is at most that. Equal data on the same kind of
    database gives equal sums; a row is written as Python writes its values (repr), which
    is unambiguous (a newline in a text is written as \\n)."""
    quote = connection.dialect.identifier_preparer.quote
    found = inspect(connection)
    columns = sorted(column["name"] for column in found.get_columns(table))
    order = found.get_pk_constraint(table).get("constrained_columns") or columns
    where = f" WHERE id <= {int(up_to_id)}" if up_to_id is not None else ""
    statement = (f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}{where} "
                 f"ORDER BY {', '.join(map(quote, order))}")
    digest, rows = hashlib.sha256(), 0
    for batch in _batches(connection, statement):
        digest.update(("\n".join(map(repr, batch)) + "\n").encode())
        rows += len(batch)
    return TableSum(rows, digest.hexdigest())


def _batches(connection: Connection, statement: str) -> Iterator[list[tuple]]:
    """The rows in batches, straight from the driver (measured: a third of the time of
    SQLAlchemy's rows on a million absence rows); on PostgreSQL through a server-side
    cursor, in the connection's transaction, so that memory stays small."""
    raw = connection.connection.dbapi_connection
    postgres = connection.dialect.name == "postgresql"
    cursor = raw.cursor(name="aktiv_checksum") if postgres else raw.cursor()
    try:
        cursor.execute(statement)
        while batch := cursor.fetchmany(ROWS_PER_FETCH):
            yield batch
    finally:
        cursor.close()


def overall(sums: Checksums) -> str:
    """One hash over every table's: the single figure to compare."""
    digest = hashlib.sha256()
    for table in sorted(sums):
        digest.update(f"{table}:{sums[table].rows}:{sums[table].digest}\n".encode())
    return digest.hexdigest()


def differing(expected: Checksums, actual: Checksums) -> list[str]:
    return sorted(t for t in set(expected) | set(actual) if expected.get(t) != actual.get(t))


def describe(sums: Checksums) -> list[str]:
    """Lines for the operator: each table's rows and checksum, then the total."""
    lines = [f"{table:<32} {s.rows:>10}  {s.digest[:16]}" for table, s in sorted(sums.items())]
    lines.append(_("Kontrollsumma för hela databasen: {digest} ({rows} rader)").format(
        digest=overall(sums), rows=sum(s.rows for s in sums.values())))
    return lines


def sums_path(path: Path) -> Path:
    return path.with_name(path.name + ".kontrollsummor.json")


def write_checksums(sums: Checksums, path: Path) -> None:
    path.write_text(json.dumps({t: [s.rows, s.digest] for t, s in sorted(sums.items())},
                               indent=1), encoding="utf-8")


def read_checksums(path: Path) -> Checksums | None:
    if not path.is_file():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return {table: TableSum(int(rows), str(digest)) for table, (rows, digest) in saved.items()}


def _sqlite_file_checksums(path: Path) -> Checksums:
    """Read-only: computing checksums never changes the file (not even its journal mode)."""
    engine = create_engine(f"sqlite:///{path.resolve().as_uri()}?mode=ro&uri=true",
                           poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return table_checksums(connection)
    finally:
        engine.dispose()


# --- Connections and files ------------------------------------------------------------------

def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(_("En databas i minnet kan inte säkerhetskopieras."), FAILED)
    return Path(database)


def _sqlite_table_count(path: Path) -> int:
    if not path.is_file() or path.stat().st_size == 0:
        return 0
    database = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return database.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite_%'").fetchone()[0]
    finally:
        database.close()


def _pg_table_count(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            return connection.scalar(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN "
                "('pg_catalog', 'information_schema')"))
    except SQLAlchemyError as error:
        raise BackupError(_("Kunde inte ansluta till måldatabasen. Finns den? Skapa den "
                            "först (till exempel med createdb).")) from error
    finally:
        engine.dispose()


def pg_environment(url: str) -> dict[str, str]:
    """This process's environment with the URL's connection settings as PG* variables."""
    parsed = make_url(url)
    environment = dict(os.environ)
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                        ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password),
                        ("PGDATABASE", parsed.database)):
        if value:
            environment[name] = str(value)
    for key, name in PG_QUERY_ENV.items():
        value = parsed.query.get(key)
        if value:
            environment[name] = value if isinstance(value, str) else value[0]
    return environment


def find_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else in Debian's newest PostgreSQL folder."""
    found = shutil.which(name)
    if found:
        return found
    folders = sorted(PG_BIN_ROOT.glob("*/bin"), key=lambda p: _version(p.parent.name),
                     reverse=True) if PG_BIN_ROOT.is_dir() else []
    for folder in folders:
        if (folder / name).is_file():
            return str(folder / name)
    raise BackupError(_("Programmet {name} saknas. Installera PostgreSQL-klienten (till "
                        "exempel paketet postgresql-client-15).").format(name=name),
                      TOOL_MISSING)


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _require_header(path: Path, header: bytes) -> None:
    with path.open("rb") as file:
        if file.read(len(header)) != header:
            kind = "SQLite" if header == SQLITE_HEADER else "PostgreSQL (pg_dump)"
            raise BackupError(_("Filen {path} är inte en säkerhetskopia för {kind}.").format(
                path=path, kind=kind), FAILED)


def _require_intact(database: sqlite3.Connection) -> None:
    if database.execute("PRAGMA quick_check").fetchone()[0] != "ok":
        raise BackupError(_("Databasfilen är skadad (quick_check)."), FAILED)


def _tail(errors) -> str:
    errors.seek(0)
    return errors.read().decode("utf-8", "replace").strip()[-300:]
