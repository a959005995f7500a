"""The import benchmark: a 50 000-row lesson-level Excel export of one school, read, checked
and committed end to end (replacing the same days, refreshing the summaries, the alerts of
lib.alerts), in a transaction that is rolled back so that the benchmark set stays as it
was. The alert steps are timed inside the runs, and the import is also timed without them."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Iterator
from contextlib import contextmanager

from openpyxl import Workbook
from sqlalchemy import select

from data_models.engine import unit_of_work
from data_models.models import AbsenceRecord, Student, Term
from lib import alerts
from lib.importing.absence import commit_absence, preview_absence
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest

ROWS = 50_000
STARTS = ["08:15", "09:30", "10:45", "13:00", "14:15"]
COURSES = ["Matematik 1c", "Svenska 1", "Engelska 5", "Historia 1b", "Idrott och hälsa 1"]


def lesson_export(session, school_id: int, term: Term, rows: int = ROWS) -> bytes:
    """An Edlevo-style lesson export for the school's students over the term's first
    weeks: title row, header, one row per lesson, minutes."""
    numbers = session.execute(
        select(Student.personal_number, Student.first_name, Student.last_name)
        .where(Student.id.in_(select(AbsenceRecord.student_id).where(
            AbsenceRecord.school_id == school_id, AbsenceRecord.term_id == term.id)
            .distinct()))).all()
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Frånvaro per lektion"])
    sheet.append(["Personnummer", "Namn", "Datum", "Starttid", "Kurs", "Längd (min)",
                  "Giltig frånvaro", "Ogiltig frånvaro", "Sen ankomst"])
    days = [term.start_date + dt.timedelta(days=d) for d in range(200)
            if (term.start_date + dt.timedelta(days=d)).weekday() < 5]
    written = 0
    for day in days:
        for lesson, start in enumerate(STARTS):
            for index, (number, first, last) in enumerate(numbers):
                if written == rows:
                    break
                absent = 60 if (index + lesson + day.toordinal()) % 9 == 0 else 0
                late = 10 if (index + day.toordinal()) % 23 == 0 and not absent else 0
                sheet.append([f"{number[:8]}-{number[8:]}", f"{first} {last}",
                              day.isoformat(), start, COURSES[lesson], 60,
                              absent if index % 2 else 0, 0 if index % 2 else absent, late])
                written += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_seconds(engine, viewer, school_id: int, term_id: int,
                   runs: int = 3) -> tuple[float, float, int, dict]:
    """One 50 000-row import, end to end, rolled back afterwards, `runs` times: the median
    run's seconds and parts (with the alert steps' share, `alerts_s`), the first run's
    seconds, and the rows imported; then `runs` more without the alert steps, whose median
    is `without_alerts_s`. The first run also warms the database's page cache, so it is
    reported beside the median."""
    with unit_of_work(engine) as session:
        data = lesson_export(session, school_id, session.get(Term, term_id))
    results = []
    for _ in range(runs):
        with _alert_steps(spent := []):
            total, parts, imported = _one_import(engine, viewer, school_id, data)
        results.append((total, {**parts, "alerts_s": sum(spent)}))
    without = []
    for _ in range(runs):
        with _alert_steps([], enabled=False):
            without.append(_one_import(engine, viewer, school_id, data)[0])
    median = sorted(results, key=lambda result: result[0])[len(results) // 2]
    parts = {**median[1], "without_alerts_s": sorted(without)[len(without) // 2]}
    return median[0], results[0][0], imported, parts


def _one_import(engine, viewer, school_id: int, data: bytes) -> tuple[float, dict, int]:
    with unit_of_work(engine) as session:
        started = time.perf_counter()
        table = read_table(data, "lektioner.xlsx", KNOWN_HEADERS)
        read = time.perf_counter() - started
        mapping = suggest("absence", table.columns)
        preview = preview_absence(session, viewer, table, mapping, school_id)
        checked = time.perf_counter() - started
        commit_absence(session, viewer, preview, mapping)
        session.flush()
        total = time.perf_counter() - started
        session.rollback()
    return total, {"read_s": read, "check_s": checked - read,
                   "commit_s": total - checked}, len(preview.valid)


@contextmanager
def _alert_steps(spent: list[float], enabled: bool = True) -> Iterator[None]:
    """Time the import's two alert steps (before its writes, after its refresh) into
    `spent`; or, not `enabled`, leave them out, to time the import as it was without."""
    steps = ("watch_import", "alert_import")
    originals = {name: getattr(alerts, name) for name in steps}

    def timed(step):
        def run(*args, **kwargs):
            if not enabled:
                return None
            started = time.perf_counter()
            try:
                return step(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - started)
        return run
    for name, step in originals.items():
        setattr(alerts, name, timed(step))
    try:
        yield
    finally:
        for name, step in originals.items():
            setattr(alerts, name, step)
