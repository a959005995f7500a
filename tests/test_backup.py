"""Backups taken while users keep saving, restored into a new database: every row committed
before the backup began is there, and the restore is one consistent snapshot whose checksums
equal the backup's. Also the command line, and the refusals (a database that is not empty, a
missing file, a missing pg_dump)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from data_models.engine import make_engine, unit_of_work
from data_models.migrate import upgrade
from data_models.models import AuditEvent, Student
from lib import backup, cli
from lib.audit import log_event
from tests.factories import add_student

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_url(db_url, tmp_path):
    """A new, empty database on the same backend as `db_url`: where a restore goes."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'återställd' / 'aktiv.db'}"
        return
    name = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(parsed.set(database="postgres"), poolclass=NullPool,
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield parsed.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Writer(threading.Thread):
    """A user at work: every page view of a student is logged in a transaction of its own,
    one after the other, until stopped. `committed` holds the notes of the committed ones."""

    def __init__(self, engine, viewer, student_id: int):
        super().__init__(daemon=True)
        self.engine, self.viewer, self.student_id = engine, viewer, student_id
        self.committed: list[str] = []
        self.changed = threading.Condition()
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.halt.is_set():
                note = f"visning {len(self.committed) + 1}"
                with unit_of_work(self.engine, write=True) as session:
                    log_event(session, self.viewer, "view_student", "student", self.student_id,
                              student_id=self.student_id, note=note)
                with self.changed:
                    self.committed.append(note)
                    self.changed.notify_all()
        except BaseException as error:  # shown by the test, not lost in the thread
            self.error = error
            with self.changed:
                self.changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(
                lambda: len(self.committed) >= count or self.error is not None, timeout=120)
        assert self.error is None

    def stop(self) -> None:
        self.halt.set()
        self.join()
        assert self.error is None


def notes(url: str) -> list[str]:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        found = session.scalars(select(AuditEvent.note).where(AuditEvent.note.like("visning %"))
                                .order_by(AuditEvent.id)).all()
    engine.dispose()
    return list(found)


def audit_up_to(url: str, up_to_id: int) -> backup.TableSum:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        found = backup.table_checksum(connection, "audit_event", up_to_id)
    engine.dispose()
    return found


def test_a_backup_while_users_save_restores_a_consistent_snapshot(
        db_url, engine, world, viewer, fresh_url, tmp_path):
    writer = Writer(engine, viewer("coach_a"), world["anna"])
    writer.start()
    writer.wait_for(20)
    committed_before = list(writer.committed)
    waited = []

    def while_it_runs() -> None:
        # The backup holds its snapshot; saves go on meanwhile, and wait for nothing.
        if not waited:
            waited.append(len(writer.committed))
            writer.wait_for(waited[0] + 10)
    path = tmp_path / "aktiv.backup"
    taken = backup.backup(db_url, path, pages=4, progress=while_it_runs)
    writer.stop()
    assert waited, "the backup reported no progress"
    restored = backup.restore(path, fresh_url)

    assert restored == taken  # the restore holds exactly what the backup read
    in_restore = notes(fresh_url)
    assert set(committed_before) <= set(in_restore)  # every row committed before it began
    # One snapshot: the saves made while it ran are missing as a whole, never in part.
    assert in_restore == writer.committed[:len(in_restore)]
    assert len(in_restore) < len(writer.committed)
    source = backup.checksums(db_url)
    last_id = max(_ids(fresh_url))
    assert audit_up_to(db_url, last_id) == restored["audit_event"]
    assert {t: s for t, s in source.items() if t != "audit_event"} == {
        t: s for t, s in restored.items() if t != "audit_event"}


def _ids(url: str) -> list[int]:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        found = session.scalars(select(AuditEvent.id)).all()
    engine.dispose()
    return list(found)


def test_a_restored_database_is_migrated_and_takes_new_saves(
        db_url, world, viewer, fresh_url, tmp_path):
    backup.backup(db_url, tmp_path / "aktiv.backup")
    backup.restore(tmp_path / "aktiv.backup", fresh_url)
    upgrade(fresh_url)  # already at the newest version: nothing to do
    assert backup.checksums(fresh_url) == backup.checksums(db_url)
    restored = make_engine(fresh_url)
    with unit_of_work(restored, write=True) as session:  # new ids follow the restored ones
        new = add_student(session, "Nya", "20080606", 990, world["A"], world["SA"],
                          world["HT2025"])
        log_event(session, viewer("admin"), "create", "student", new, student_id=new)
    with unit_of_work(restored) as session:
        assert session.scalar(select(func.count()).select_from(Student)) == 6
    restored.dispose()
    assert new > max(world[name] for name in ("anna", "bo", "cleo", "dan", "eva"))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_the_command_line_backs_up_and_restores(db_url, world, fresh_url, tmp_path):
    path = tmp_path / "aktiv.backup"
    made = run_cli("backup", str(path), "--url", db_url)
    assert made.returncode == 0, made.stderr
    total = backup.overall(backup.checksums(db_url))
    assert f"Kontrollsumma för hela databasen: {total}" in made.stdout
    assert "Säkerhetskopian är sparad" in made.stdout
    saved = json.loads(backup.sums_path(path).read_text(encoding="utf-8"))
    assert saved["student"][0] == 5

    done = run_cli("restore", str(path), "--url", fresh_url)
    assert done.returncode == 0, done.stderr
    assert f"Kontrollsumma för hela databasen: {total}" in done.stdout
    assert "Kontrollsummorna stämmer med säkerhetskopians." in done.stdout


def test_the_command_line_refuses_a_database_with_tables_unless_forced(
        db_url, world, fresh_url, tmp_path, capsys):
    path = tmp_path / "aktiv.backup"
    assert cli.main(["backup", str(path), "--url", db_url]) == 0
    assert cli.main(["restore", str(path), "--url", fresh_url]) == 0
    capsys.readouterr()
    assert cli.main(["restore", str(path), "--url", fresh_url]) == backup.NOT_EMPTY
    refused = capsys.readouterr().err
    assert "Måldatabasen har redan" in refused and "--force" in refused
    assert cli.main(["restore", str(path), "--url", fresh_url, "--force"]) == 0
    assert "Kontrollsummorna stämmer" in capsys.readouterr().out
    assert backup.checksums(fresh_url) == backup.checksums(db_url)


def test_the_command_line_says_what_is_missing(db_url, tmp_path, capsys):
    missing = cli.main(["restore", str(tmp_path / "finns-inte.backup"), "--url", db_url])
    assert missing == backup.MISSING_FILE
    assert "Säkerhetskopian" in capsys.readouterr().err
    assert cli.main(["backup", "--url", db_url]) == 2
    assert "Ange säkerhetskopians fil" in capsys.readouterr().err
    assert cli.main(["backup", str(tmp_path / "saknas" / "x.backup"), "--url", db_url]) \
        == backup.MISSING_FILE
    assert "finns inte" in capsys.readouterr().err


def test_a_restore_over_a_database_with_tables_is_refused_and_changes_nothing(
        db_url, world, tmp_path):
    path = tmp_path / "aktiv.backup"
    backup.backup(db_url, path)
    before = backup.checksums(db_url)
    with pytest.raises(backup.BackupError, match="Måldatabasen har redan") as refused:
        backup.restore(path, db_url)
    assert refused.value.exit_code == backup.NOT_EMPTY
    assert backup.checksums(db_url) == before


def test_a_file_that_is_no_backup_is_refused(db_url, fresh_url, tmp_path):
    path = tmp_path / "anteckningar.txt"
    path.write_text("inte en säkerhetskopia", encoding="utf-8")
    with pytest.raises(backup.BackupError, match="är inte en säkerhetskopia"):
        backup.restore(path, fresh_url)
    parsed = make_url(fresh_url)
    if parsed.get_backend_name() == "sqlite":
        assert not Path(parsed.database).exists()
    else:
        assert backup.checksums(fresh_url) == {}


def test_a_restore_whose_checksums_differ_from_the_backups_says_so(
        db_url, world, fresh_url, tmp_path):
    path = tmp_path / "aktiv.backup"
    backup.backup(db_url, path)
    saved = json.loads(backup.sums_path(path).read_text(encoding="utf-8"))
    saved["student"][0] += 1
    backup.sums_path(path).write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(backup.BackupError, match=r"skiljer sig .* student") as differs:
        backup.restore(path, fresh_url)
    assert differs.value.exit_code == backup.MISMATCH


def test_without_pg_dump_the_operator_is_told_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup, "PG_BIN_ROOT", tmp_path / "inget")
    with pytest.raises(backup.BackupError, match="pg_dump saknas") as missing:
        backup.backup("postgresql+psycopg://aktiv@127.0.0.1:1/aktiv", tmp_path / "x.backup")
    assert missing.value.exit_code == backup.TOOL_MISSING
    assert not list(tmp_path.iterdir())  # no half-written file left behind


def test_the_password_reaches_pg_dump_and_pg_restore_only_in_their_environment(
        db_url, world, fresh_url, tmp_path, monkeypatch):
    """Stand-ins on PATH note each call's arguments and environment, then run the real
    program; the test server accepts any password."""
    if make_url(db_url).get_backend_name() != "postgresql":
        pytest.skip("pg_dump and pg_restore are PostgreSQL's")
    calls = tmp_path / "calls.jsonl"
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("pg_dump", "pg_restore"):
        stand_in = folder / name
        stand_in.write_text(STAND_IN.format(python=sys.executable, calls=str(calls),
                                            real=backup.find_tool(name)), encoding="utf-8")
        stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    secret = "hemligt-lösen-42"
    with_password = make_url(db_url).set(password=secret).render_as_string(
        hide_password=False)
    backup.backup(with_password, tmp_path / "aktiv.backup")
    backup.restore(tmp_path / "aktiv.backup",
                   make_url(fresh_url).set(password=secret).render_as_string(
                       hide_password=False))
    seen = [json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines()]
    assert [Path(call["argv"][0]).name for call in seen] == ["pg_dump", "pg_restore"]
    for call in seen:
        assert not any(secret in argument for argument in call["argv"])
        assert call["password"] == secret
    assert [call["database"] for call in seen] == [make_url(db_url).database,
                                                   make_url(fresh_url).database]


STAND_IN = """#!{python}
import json, os, sys
with open({calls!r}, "a", encoding="utf-8") as calls:
    calls.write(json.dumps({{"argv": sys.argv, "password": os.environ.get("PGPASSWORD"),
                             "database": os.environ.get("PGDATABASE")}}) + "\\n")
os.execv({real!r}, [{real!r}, *sys.argv[1:]])
"""


def test_connection_settings_in_the_url_become_libpq_variables():
    environment = backup.pg_environment(
        "postgresql+psycopg://aktiv:x@db.example:5433/aktiv?sslmode=require")
    assert (environment["PGHOST"], environment["PGPORT"], environment["PGUSER"],
            environment["PGDATABASE"], environment["PGSSLMODE"]) == (
        "db.example", "5433", "aktiv", "aktiv", "require")
