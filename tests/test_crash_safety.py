"""The app process killed (SIGKILL, by its own PID) in the middle of an import and of a
meeting save: after a restart the database holds all of the write or none of it, and the
same work can be done again. On PostgreSQL the server rolls back the dead client's
transaction and lets go of its locks."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from data_models.engine import make_engine, unit_of_work
from data_models.models import (
    AbsenceRecord,
    AgendaItem,
    AuditEvent,
    ImportBatch,
    MeetingAmendment,
    ReplacedAbsence,
    StudentTermSummary,
    StudentWeekSummary,
)
from lib import backup
from lib.agenda import list_agenda
from lib.meetings import plan_meeting, set_status
from tests import crash_child

ROOT = Path(__file__).resolve().parent.parent
LESSON_ROWS = len(crash_child.STUDENTS) * len(crash_child.DAYS) * len(crash_child.LESSONS)


def run_child(db_url: str, **task) -> int:
    """Run the work in a process of its own until it kills itself; return the PostgreSQL
    server process that held its transaction (0 on SQLite)."""
    point = task["point"]
    done = subprocess.run(
        [sys.executable, "-m", "tests.crash_child", json.dumps({"url": db_url, **task})],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr
    killed = [line.split() for line in done.stdout.splitlines() if line.startswith("KILLED")]
    assert [line[1] for line in killed] == [point], done.stdout
    return int(killed[0][2])


def restart(db_url: str) -> None:
    """Open the database as the app does after a restart (SQLite: the dead process's
    uncommitted pages in the WAL are ignored)."""
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        session.execute(text("SELECT count(*) FROM data_version")).scalar_one()
    engine.dispose()


def wait_for_server_to_drop(db_url: str, backend_pid: int) -> None:
    """PostgreSQL ends the dead client's session and rolls its transaction back: wait
    (bounded) until the server process is gone, and show it holds no locks."""
    engine = make_engine(db_url)
    deadline = time.monotonic() + 60
    with engine.connect() as connection:
        while True:
            alive = connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend_pid})
            connection.rollback()
            if not alive or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        locks = connection.scalar(text("SELECT count(*) FROM pg_locks WHERE pid = :pid"),
                                  {"pid": backend_pid})
    engine.dispose()
    assert (alive, locks) == (0, 0)


def after_crash(db_url: str, backend_pid: int) -> None:
    if backend_pid:
        wait_for_server_to_drop(db_url, backend_pid)
    restart(db_url)


def term_row(read, world, student: str) -> tuple[int, int, int]:
    with read() as session:
        return tuple(session.execute(
            select(StudentTermSummary.scheduled, StudentTermSummary.valid,
                   StudentTermSummary.invalid)
            .where(StudentTermSummary.student_id == world[student],
                   StudentTermSummary.school_id == world["SB"],
                   StudentTermSummary.term_id == world["HT2025"])).one())


def count(read, model, *where) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def import_is_in(read, world, batches: int, replaced: int = 2) -> None:
    """The file's rows, its batch(es), the replaced rows archived (first Anna's and Bo's
    1 September) and every summary right."""
    assert count(read, ImportBatch) == batches
    assert count(read, AbsenceRecord, AbsenceRecord.course.is_not(None)) == LESSON_ROWS
    assert count(read, ReplacedAbsence) == replaced
    for student in ("anna", "bo"):
        assert term_row(read, world, student) == crash_child.expected_term()
    with read() as session:
        weeks = session.execute(
            select(StudentWeekSummary.iso_week, StudentWeekSummary.scheduled)
            .where(StudentWeekSummary.student_id == world["anna"],
                   StudentWeekSummary.school_id == world["SB"])).all()
    assert [tuple(w) for w in weeks] == [(36, crash_child.expected_term()[0])]


# --- An import ---------------------------------------------------------------------------------

@pytest.mark.parametrize("point", ["mid_write", "before_commit"])
def test_an_import_killed_before_its_commit_leaves_nothing_and_can_run_again(
        db_url, engine, read, world, point):
    before = backup.checksums(db_url)
    pid = run_child(db_url, work="import", point=point, user_id=world["user:admin"],
                    school_id=world["SB"])
    after_crash(db_url, pid)
    assert backup.checksums(db_url) == before  # not a row of it, summaries as they were
    assert term_row(read, world, "anna") == (1000, 100, 150)

    crash_child.run_import(engine, world["user:admin"], world["SB"])
    import_is_in(read, world, batches=1)


def test_an_import_killed_just_after_its_commit_is_all_there_and_can_run_again(
        db_url, engine, read, world):
    pid = run_child(db_url, work="import", point="after_commit", user_id=world["user:admin"],
                    school_id=world["SB"])
    after_crash(db_url, pid)
    import_is_in(read, world, batches=1)
    assert count(read, AuditEvent, AuditEvent.action == "import") == 1

    # Again: the same days are replaced, the first batch's rows archived, the figures kept.
    crash_child.run_import(engine, world["user:admin"], world["SB"])
    import_is_in(read, world, batches=2, replaced=2 + LESSON_ROWS)


# --- A meeting save ----------------------------------------------------------------------------

@pytest.fixture
def approved_item(write, read, world, viewer) -> int:
    """Anna's point in an approved meeting: a save there writes the item, an amendment per
    changed field and an audit event, all in one transaction."""
    with write() as session:
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 10, 1))
        version = set_status(session, viewer("coach_a"), meeting_id, 1, "held")
        set_status(session, viewer("staff_sb"), meeting_id, version, "approved")
    with read() as session:
        agenda = list_agenda(session, viewer("coach_a"), meeting_id)
    return int(agenda.set_index("student_id").loc[world["anna"], "id"])


def saved(read, item_id: int) -> tuple:
    with read() as session:
        item = session.get(AgendaItem, item_id)
        amendments = session.scalars(select(MeetingAmendment.field)
                                     .where(MeetingAmendment.agenda_item_id == item_id)
                                     .order_by(MeetingAmendment.field)).all()
        logged = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "agenda_item", AuditEvent.entity_id == item_id))
    return item.version, item.notes, item.decisions, list(amendments), logged


SAVED_ONCE = (2, crash_child.TEXTS["notes"], crash_child.TEXTS["decisions"],
              ["decisions", "notes"], 1)


@pytest.mark.parametrize("point", ["mid_write", "before_commit"])
def test_a_meeting_save_killed_before_its_commit_leaves_nothing_and_can_be_saved_again(
        db_url, engine, read, world, approved_item, point):
    before = backup.checksums(db_url)
    pid = run_child(db_url, work="meeting", point=point, user_id=world["user:staff_sb"],
                    item_id=approved_item, version=1)
    after_crash(db_url, pid)
    assert backup.checksums(db_url) == before
    assert saved(read, approved_item) == (1, "", "", [], 0)

    # The version the user saw is still the current one: the same save goes through.
    assert crash_child.run_save(engine, world["user:staff_sb"], approved_item, 1) == 2
    assert saved(read, approved_item) == SAVED_ONCE


def test_a_meeting_save_killed_just_after_its_commit_is_all_there(
        db_url, read, world, approved_item):
    pid = run_child(db_url, work="meeting", point="after_commit",
                    user_id=world["user:staff_sb"], item_id=approved_item, version=1)
    after_crash(db_url, pid)
    assert saved(read, approved_item) == SAVED_ONCE
