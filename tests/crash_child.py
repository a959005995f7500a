"""The process tests/test_crash_safety.py kills: it runs a real import or meeting save
against the test database and kills itself with SIGKILL at a chosen point of the write,
as a power cut or an out-of-memory kill would.

    python -m tests.crash_child '{"url": …, "work": "import", "point": "mid_write", …}'

Before dying it prints `KILLED <point> <backend pid>` (the PostgreSQL server process that
held its transaction, 0 on SQLite), so the test knows it died where it was meant to."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import sys

from sqlalchemy import event
from sqlalchemy.orm import Session

from data_models.engine import make_engine, unit_of_work
from data_models.models import User
from lib.access import Viewer, load_viewer
from lib.importing.absence import commit_absence, preview_absence
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from lib.meetings import save_entry
from tests import import_files
from tests.factories import personal_number

POINTS = ("mid_write", "before_commit", "after_commit")
# Half-way through each write: the import has archived the replaced days, written its rows
# and rebuilt the students' term summaries, but not yet their weeks; the meeting save has
# updated the agenda item, but not yet written the amendments or the audit event.
HALF_WAY = {"import": re.compile(r"\s*INSERT INTO student_term_summary\b", re.IGNORECASE),
            "meeting": re.compile(r"\s*UPDATE agenda_item\b", re.IGNORECASE)}
STUDENTS = ((personal_number("20080101", 980), "Anna Testsson"),
            (personal_number("20080202", 982), "Bo Testsson"))
DAYS = [dt.date(2025, 9, 1) + dt.timedelta(days=n) for n in range(5)]
# Per day: (start, course, length, valid, invalid, late) in minutes.
LESSONS = (("08:15", "Ma1c", 60, 0, 20, 0), ("10:00", "Sv1", 80, 40, 0, 0))
TEXTS = {"notes": "Trött på morgnarna.", "decisions": "Väckning per sms varje dag."}


def lesson_file() -> bytes:
    """Edlevo lessons for Anna and Bo at school SB, 1–5 September 2025: it replaces the day
    each of them has there on 1 September."""
    return import_files.edlevo_lessons([
        (number, name, day.isoformat(), start, course, length, valid, invalid, late)
        for number, name in STUDENTS for day in DAYS
        for start, course, length, valid, invalid, late in LESSONS])


def expected_term() -> tuple[int, int, int]:
    """Each student's (scheduled, valid, invalid) at SB in HT2025 once the file is in."""
    days = len(DAYS)
    return (days * sum(lesson[2] for lesson in LESSONS),
            days * sum(lesson[3] for lesson in LESSONS),
            days * sum(lesson[4] + lesson[5] for lesson in LESSONS))


def viewer_of(engine, user_id: int) -> Viewer:
    with unit_of_work(engine) as session:
        return load_viewer(session, session.get(User, user_id))


def run_import(engine, user_id: int, school_id: int, arm=None) -> int:
    """The import as the import page runs it: read, map, check, then commit."""
    viewer = viewer_of(engine, user_id)
    table = read_table(lesson_file(), "edlevo.xlsx", KNOWN_HEADERS)
    mapping = suggest("absence", table.columns)
    with unit_of_work(engine) as session:
        preview = preview_absence(session, viewer, table, mapping, school_id)
    if arm:
        arm()
    with unit_of_work(engine, write=True) as session:
        return commit_absence(session, viewer, preview, mapping)


def run_save(engine, user_id: int, item_id: int, version: int, arm=None) -> int:
    """A save of two fields in meeting mode."""
    viewer = viewer_of(engine, user_id)
    if arm:
        arm()
    with unit_of_work(engine, write=True) as session:
        return save_entry(session, viewer, item_id, version, TEXTS)


def _die(point: str, dbapi_connection=None) -> None:
    info = getattr(dbapi_connection, "info", None)
    print(f"KILLED {point} {getattr(info, 'backend_pid', 0)}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def arm(engine, work: str, point: str):
    """Install the kill at `point`, for the write that follows only."""
    def install() -> None:
        if point == "mid_write":
            @event.listens_for(engine, "after_cursor_execute")
            def _half_way(connection, _cursor, statement, *_rest):
                if HALF_WAY[work].match(statement):
                    _die(point, connection.connection.dbapi_connection)
        elif point == "before_commit":  # every statement run, COMMIT not yet sent
            @event.listens_for(Session, "before_commit")
            def _before(session):
                _die(point, session.connection().connection.dbapi_connection)
        elif point == "after_commit":
            @event.listens_for(Session, "after_commit")
            def _after(_session):
                _die(point)
        else:
            raise ValueError(point)
    return install


def main(argument: str) -> int:
    task = json.loads(argument)
    engine = make_engine(task["url"])
    install = arm(engine, task["work"], task["point"])
    if task["work"] == "import":
        run_import(engine, task["user_id"], task["school_id"], install)
    else:
        run_save(engine, task["user_id"], task["item_id"], task["version"], install)
    print("NOT KILLED", flush=True)
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
