"""Validate a mapped file row by row, then commit the valid rows in one transaction:
the batch, replacement of the same period, the rows themselves and the summary refresh.
An import can be undone; saved column mappings are reused per school and municipality.
An enrolment list changes only students in the importer's scope, and every change to an
existing student is listed before anything is written."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import and_, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from data_models.bulk import insert_rows
from data_models.engine import analyze
from data_models.models import (
    AbsencePeriod,
    AbsenceRecord,
    AgendaItem,
    Contact,
    Enrolment,
    Feedback,
    ImportBatch,
    ImportChange,
    ImportMapping,
    Measure,
    Municipality,
    ReplacedAbsence,
    School,
    Student,
    StudentMove,
    Term,
    User,
)
from lib import formats, summaries
from lib.access import AccessDenied, Role, Viewer, require_role, school_clause
from lib.analytics import format_percent
from lib.audit import log_event
from lib.clock import utcnow
from lib.errors import describe, reference
from lib.frames import read_frame
from lib.importing.files import Table, normalise
from lib.importing.layouts import DURATIONS, SOURCE_DURATIONS, Mapping, suggest
from lib.importing.values import (
    BadValue,
    as_hours_minutes,
    is_blank,
    is_hours_minutes,
    parse_date,
    parse_number,
    parse_percent,
    parse_time,
    to_minutes,
)
from lib.personal_number import InvalidPersonalNumber, mask, normalize
from lib.records import InputError
from lib.students import PROTECTED_NAME, format_name
from lib.terms import current_term

CHUNK = 500
_LOGGER = logging.getLogger("aktiv.errors")

# Row errors, in the order the preview lists them.
BAD_NUMBER = "Ogiltigt personnummer (kontrollsiffran eller datumet stämmer inte)"
UNKNOWN_STUDENT = "Okänd elev"
OUT_OF_SCOPE = "Eleven är inte folkbokförd i din kommun"
# An enrolment list naming a student registered outside the importer's scope. It says no
# more than this: not the name, municipality or school (the list would be an oracle).
REGISTERED_ELSEWHERE = ("Eleven är registrerad i en annan kommun. En flytt görs av "
                        "systemförvaltaren eller den kommunen.")
UNKNOWN_SCHOOL = "Okänd skola"
BAD_VALUE = "Ogiltigt tal, datum eller tid"
NEGATIVE = "Negativt värde"
TOO_MUCH = "Frånvaron är större än den schemalagda tiden"
DUPLICATE = "Dubblettrad"
OUTSIDE_TERM = "Datum utanför terminerna"
UNKNOWN_MUNICIPALITY = "Okänd hemkommun"
MISSING = "Uppgift saknas"
TOO_LONG = "För lång text"

# A commit that would do other than its preview showed (someone changed the register in
# between) writes nothing.
STALE = ("Elevregistret har ändrats sedan kontrollen. Ladda upp filen igen så att raderna "
         "kontrolleras på nytt.")

# What an enrolment list changes for existing students, one row per change.
CHANGE_COLUMNS = ["id", "Elev", "Personnummer", "Ändring", "Från", "Till"]

ProgressFn = Callable[[float, str], None]


def _no_progress(_share: float, _text: str) -> None:
    return None


@dataclass(frozen=True)
class Preview:
    kind: str  # "absence", "period" or "enrolment"
    file_name: str
    file_hash: str
    school_id: int | None
    rows_read: int
    dropped_totals: int
    valid: pd.DataFrame  # normalised rows, ready to write
    errors: pd.DataFrame  # Rad, Fel, Värde
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Enrolment lists: per existing student, what the commit will change (CHANGE_COLUMNS).
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    # What the user should read before reading in: the same file read in before, a unit
    # that does not fit the values. They may name a column of the file.
    warnings: tuple[str, ...] = field(default_factory=tuple)
    # (students not enrolled at the chosen school in the file's dates, students) when that
    # is most of them: the file may come from another school; the commit wants a yes.
    school_mismatch: tuple[int, int] | None = None
    # Whether the file says how much scheduled time went unreported. Without it the
    # reporting rate is unknown, not 100 %.
    unreported_known: bool = True
    # Enrolment lists: the date an enrolment starts when the file gives none.
    valid_from: dt.date | None = None

    @property
    def counts(self) -> dict[str, int]:
        return self.errors["Fel"].value_counts().to_dict() if not self.errors.empty else {}

    @property
    def summary(self) -> pd.DataFrame:
        """What would be written: students, rows, dates and minutes."""
        frame = self.valid
        if frame.empty:
            return pd.DataFrame(columns=["Uppgift", "Värde"])
        items = [("Rader att läsa in", len(frame)),
                 ("Elever", frame["student_id"].nunique() if "student_id" in frame else
                  frame["personal_number"].nunique())]
        if "date" in frame:
            items.append(("Datum", f"{frame['date'].min()} – {frame['date'].max()}"))
        if "start_date" in frame and self.kind == "period":
            items.append(("Period", f"{frame['start_date'].min()} – {frame['end_date'].max()}"))
        if "scheduled" in frame:
            scheduled = frame["scheduled"].sum()
            items.append(("Schemalagd tid (h)", round(scheduled / 60, 1)))
            if scheduled:
                items.append(("Frånvaro", format_percent(frame["absent"].sum() / scheduled)))
                items.append(("Rapporteringsgrad", format_percent(
                    1 - frame["unreported"].sum() / scheduled) if self.unreported_known
                    else "okänd (filen har ingen kolumn för ej rapporterad tid)"))
        if self.valid_from is not None:
            items.append(("Listan gäller från (startdatum där filen saknar ett)",
                          self.valid_from.isoformat()))
        if not self.changes.empty:
            items.append(("Befintliga elever som ändras", self.changes["id"].nunique()))
        return pd.DataFrame([(k, v if isinstance(v, str) else str(v).replace(".", ","))
                             for k, v in items], columns=["Uppgift", "Värde"])


def require_importer(viewer: Viewer) -> None:
    require_role(viewer, Role.ADMIN, Role.COACH)


@contextmanager
def refused_by_database() -> Iterator[None]:
    """Around the reading-in transaction: a database error (a value the checks let
    through) becomes a short Swedish message with a reference. The transaction inside has
    been rolled back, so nothing is written; no SQL or values reach the screen or the log."""
    try:
        yield
    except SQLAlchemyError as error:
        ref = reference()
        _LOGGER.error("Importen avvisades av databasen, referens %s: %s", ref,
                      describe(error))
        raise InputError(f"Databasen tog inte emot raderna, och inget lästes in. Kontakta "
                         f"systemförvaltaren och ange referensen {ref}.") from None


# --- Absence ------------------------------------------------------------------------------------

def preview_absence(session: Session, viewer: Viewer, table: Table, mapping: Mapping,
                    school_id: int | None = None,
                    period: tuple[dt.date, dt.date] | None = None) -> Preview:
    """Read every row with the mapping and say what is wrong with each. Nothing is written.
    With a date column the rows are days or lessons; without one they are a period, from
    the period columns or `period`."""
    require_importer(viewer)
    _check_absence_mapping(mapping, table, school_id, period)
    rows, errors = table.rows, _Errors()
    frame = pd.DataFrame(index=rows.index)
    frame["personal_number"] = _personal_numbers(rows, mapping, errors)
    students = _students(session, viewer, frame["personal_number"], errors)
    frame["student_id"] = frame["personal_number"].map(students)
    frame["school_id"] = _schools(session, rows, mapping, school_id, errors)
    dated = "date" in mapping.columns
    if dated:
        frame["date"] = _parsed(rows, mapping, "date", parse_date, errors, required="datum")
        frame["lesson_start"] = _parsed(rows, mapping, "lesson_start", parse_time, errors)
    else:
        frame["start_date"], frame["end_date"] = _period(rows, mapping, period, errors)
    frame["course"] = _text(rows, mapping, "course")
    _require_values(rows, mapping, "scheduled", "schemalagd tid", errors)
    for name, values in _durations(rows, mapping, errors).items():
        frame[name] = values
    frame = frame[~frame.index.isin(errors.rows)]
    keys = ["student_id", "school_id", "course",
            *(["date", "lesson_start"] if dated else ["start_date", "end_date"])]
    for index in frame.index[frame.duplicated(subset=keys, keep="first")]:
        errors.add(index, DUPLICATE)
    frame = frame[~frame.index.isin(errors.rows)]
    if not dated:  # per-course rows of a period export: one row per student
        frame = _sum_courses(frame)
    frame = _check_minutes(frame, errors)
    frame["term_id"] = _terms(session, frame, dated, errors)
    frame = frame[~frame.index.isin(errors.rows)]
    chosen = school_id if "school" not in mapping.columns else None
    return Preview(kind="absence" if dated else "period", file_name=table.file_name,
                   file_hash=table.file_hash, school_id=school_id, rows_read=len(rows),
                   dropped_totals=table.dropped_totals, valid=frame.reset_index(drop=True),
                   errors=errors.frame(), notes=_notes(table),
                   warnings=(*_same_file(session, viewer, table.file_hash),
                             *_unit_hints(rows, mapping)),
                   school_mismatch=_school_mismatch(session, frame, chosen, dated),
                   unreported_known=bool({"unreported", "reported"} & set(mapping.columns)))


def _notes(table: Table) -> tuple[str, ...]:
    notes = [f"Rubrikraden är rad {table.header_row} i filen." if table.header_rows == 1
             else f"Rubriken är två rader, rad {table.header_row - 1}–{table.header_row} i "
                  "filen: gruppnamnen i den övre raden står först i kolumnnamnen."]
    if table.dropped_totals:
        notes.append(f"{formats.count(table.dropped_totals, 'summeringsrad', 'summeringsrader')}"
                     " (Summa/Totalt) hoppades över.")
    return tuple(notes)


def _same_file(session, viewer: Viewer, file_hash: str) -> tuple[str, ...]:
    """The file read in before (same SHA-256), among the imports the viewer's history
    lists: reading it again replaces rather than doubles, but is seldom meant."""
    query = (select(ImportBatch.id, ImportBatch.created_at)
             .where(ImportBatch.file_hash == file_hash, ImportBatch.undone_at.is_(None),
                    ImportBatch.kind != "demo")
             .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()).limit(1))
    if viewer.role == Role.COACH:
        query = query.where(ImportBatch.user_id == viewer.user_id)
    earlier = session.execute(query).first()
    if earlier is None:
        return ()
    return (f"Samma fil (samma SHA-256-kontrollsumma) är redan inläst: import "
            f"{earlier.id}, {formats.moment(earlier.created_at)} (se Historik). Läses den in "
            "igen ersätter den samma rader, så inget räknas dubbelt, men det blir en import "
            "till i historiken.",)


HINT_ROWS = 1000


def _unit_hints(rows: pd.DataFrame, mapping: Mapping) -> tuple[str, ...]:
    """A duration column read in minutes, lessons or days whose values are written as
    hours and minutes ("384:00"): those rows fail as unreadable numbers, and the unit that
    reads them is hours. A system writes a column one way throughout: its first rows tell."""
    hints = []
    for name in SOURCE_DURATIONS:
        if mapping.units.get(name, "minutes") in ("hours", "percent"):
            continue
        for column in mapping.columns.get(name, ()):
            example = next((v for v in rows[column].head(HINT_ROWS) if is_hours_minutes(v)),
                           None)
            if example is not None:
                hints.append(f"Kolumnen «{column}»: «{as_hours_minutes(example)}» ser ut som "
                             "timmar:minuter — välj enheten timmar.")
    return tuple(hints)


def _school_mismatch(session, frame: pd.DataFrame, school_id: int | None,
                     dated: bool) -> tuple[int, int] | None:
    """(not enrolled, students) when most of the file's students have no enrolment at the
    chosen school in the file's dates: the file is likely another school's."""
    students = sorted({int(s) for s in frame["student_id"].dropna()})
    if school_id is None or not students:
        return None
    first = frame["date"].min() if dated else frame["start_date"].min()
    last = frame["date"].max() if dated else frame["end_date"].max()
    enrolled: set[int] = set()
    for start in range(0, len(students), CHUNK):
        enrolled |= set(session.scalars(
            select(Enrolment.student_id).distinct()
            .where(Enrolment.school_id == school_id,
                   Enrolment.student_id.in_(students[start:start + CHUNK]),
                   Enrolment.start_date <= last,
                   or_(Enrolment.end_date.is_(None), Enrolment.end_date >= first))))
    missing = len(students) - len(enrolled)
    return (missing, len(students)) if 2 * missing > len(students) else None


@dataclass(frozen=True)
class SchoolGuess:
    school_id: int
    reason: str  # Swedish, may name the school (user text)


def guess_school(session: Session, viewer: Viewer, table: Table) -> SchoolGuess | None:
    """The school an absence file most likely comes from, among the schools the importer
    may choose: one named in the file's title rows (by unit code or name), else the one
    where most of the file's students (in the importer's scope) are enrolled."""
    require_importer(viewer)
    schools = session.execute(select(School.id, School.unit_code, School.name)
                              .where(school_clause(viewer))).all()
    return _school_in_title(schools, table.title) or _school_of_students(
        session, viewer, table, {s.id: s.name for s in schools})


def _school_in_title(schools, title: tuple[str, ...]) -> SchoolGuess | None:
    """The one school whose unit code, else whose name (the longest that fits, as a whole
    phrase), the title rows hold."""
    text = normalise(" ".join(title))
    codes = set(re.findall(r"\b\d{8}\b", text))
    found = [s for s in schools if s.unit_code in codes]
    if not found:
        named = [s for s in schools if re.search(
            rf"(?<!\w){re.escape(normalise(s.name))}(?!\w)", text)]
        longest = max((len(normalise(s.name)) for s in named), default=0)
        found = [s for s in named if len(normalise(s.name)) == longest]
    if len(found) != 1:
        return None
    return SchoolGuess(found[0].id, f"Skolan är förvald efter filens rubrik: "
                                    f"{found[0].name}. Kontrollera att den stämmer.")


def _school_of_students(session, viewer: Viewer, table: Table,
                        schools: dict[int, str]) -> SchoolGuess | None:
    column = suggest("absence", table.columns).columns.get("personal_number")
    if not column or not schools:
        return None
    numbers = set()
    for value in table.rows[column[0]].drop_duplicates():
        try:
            numbers.add(normalize(_cell_text(value)))
        except (InvalidPersonalNumber, ValueError):
            continue
    ids = _students(session, viewer, pd.Series(sorted(numbers), dtype=object), None)
    students = sorted(set(ids.values()))
    counts: dict[int, set[int]] = {}
    for start in range(0, len(students), CHUNK):
        for student_id, school_id in session.execute(
                select(Enrolment.student_id, Enrolment.school_id).distinct()
                .where(Enrolment.student_id.in_(students[start:start + CHUNK]))):
            counts.setdefault(school_id, set()).add(student_id)
    ranked = sorted(((len(v), k) for k, v in counts.items() if k in schools), reverse=True)
    if not ranked or 2 * ranked[0][0] <= len(students):
        return None
    count, school_id = ranked[0]
    return SchoolGuess(school_id, f"Skolan är förvald: {count} av {len(students)} elever i "
                                  f"filen är inskrivna vid {schools[school_id]}. "
                                  "Kontrollera att den stämmer.")


def _check_absence_mapping(mapping, table, school_id, period) -> None:
    _require_columns(mapping, table)
    columns = mapping.columns
    if "personal_number" not in columns:
        raise InputError("Välj kolumnen med personnummer.")
    if "scheduled" not in columns:
        raise InputError("Välj kolumnen med schemalagd tid: utan den går frånvaron inte att "
                         "räkna som andel.")
    if not ({"valid", "invalid"} & set(columns)):
        raise InputError("Välj kolumnen med giltig eller ogiltig frånvaro (eller båda).")
    if {"unreported", "reported"} <= set(columns):
        raise InputError("Välj antingen ej rapporterad tid eller rapporterad tid, inte båda.")
    if len({"absent", "valid", "invalid"} & set(columns)) < 2:
        raise InputError("Välj två av kolumnerna frånvaro totalt, giltig och ogiltig "
                         "frånvaro, så att båda slagen av frånvaro blir kända.")
    if "school" not in columns and school_id is None:
        raise InputError("Välj skola, eller kolumnen med skolenhetskod.")
    if "date" not in columns and period is None and not {"start_date", "end_date"} <= set(
            columns):
        raise InputError("Filen har ingen datumkolumn: ange periodens första och sista dag.")
    if period is not None and period[1] < period[0]:
        raise InputError("Periodens sista dag ligger före den första.")
    if mapping.units.get("scheduled") == "percent":
        raise InputError("Schemalagd tid kan inte anges i procent.")


def _require_columns(mapping: Mapping, table: Table) -> None:
    missing = [c for names in mapping.columns.values() for c in names if c not in table.columns]
    if missing:
        raise InputError(f"Kolumnen «{missing[0]}» finns inte i filen.")


def _cell_text(value) -> str:
    """A cell as trimmed text; a number cell read as a float ("9001.0") loses its ".0"."""
    text = "" if is_blank(value) else str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def _masked(number: str) -> str:
    """A personal identity number as a row error shows it: the last four digits only."""
    return "****" + number[-4:] if len(number) > 4 else number


class _Errors:
    """Row errors with the file's own row numbers (a table's rows are indexed by their
    0-based row in the file)."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, str]] = []
        self.rows: set = set()

    def add(self, index, kind: str, value="") -> None:
        if index in self.rows:  # one message per row: the first problem found
            return
        self.rows.add(index)
        self.items.append((int(index) + 1, kind, str(value)[:80]))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(sorted(self.items), columns=["Rad", "Fel", "Värde"])


def _column(rows: pd.DataFrame, mapping: Mapping, name: str) -> pd.Series | None:
    names = mapping.columns.get(name)
    return rows[names[0]] if names else None


def _text(rows, mapping, name, limit: int | None = 80) -> pd.Series:
    """A text column, trimmed (and cut at `limit`); blank cells are None. Text is never
    read as missing: "NA" is a programme."""
    column = _column(rows, mapping, name)
    if column is None:
        return pd.Series(None, index=rows.index, dtype=object)
    return column.map(lambda v: None if is_blank(v) else str(v).strip()[:limit])


def _require_values(rows, mapping, name, label: str, errors: _Errors) -> None:
    """A blank cell in a column the row cannot do without is a row error."""
    column = _column(rows, mapping, name)
    if column is None:
        return
    for index in column.index[column.map(is_blank).to_numpy(dtype=bool)]:
        errors.add(index, MISSING, label)


def _parsed(rows, mapping, name, parser, errors: _Errors,
            required: str | None = None) -> pd.Series:
    column = _column(rows, mapping, name)
    if column is None:
        return pd.Series(None, index=rows.index, dtype=object)
    if required:
        _require_values(rows, mapping, name, required, errors)
    cache: dict = {}

    def parse(index, value):
        key = (type(value), value) if not isinstance(value, float) or value == value else None
        try:
            if key is not None and key in cache:
                return cache[key]
            result = parser(value)
            if key is not None:
                cache[key] = result
            return result
        except (BadValue, TypeError, ValueError):
            errors.add(index, BAD_VALUE, value)
            return None
    return pd.Series([parse(i, v) for i, v in column.items()], index=rows.index, dtype=object)


def _personal_numbers(rows, mapping, errors: _Errors) -> pd.Series:
    cache: dict[str, str | None] = {}

    def number(index, value):
        text = _cell_text(value)
        if text not in cache:
            try:
                cache[text] = normalize(text)
            except (InvalidPersonalNumber, ValueError):
                cache[text] = None
        if cache[text] is None:
            errors.add(index, BAD_NUMBER if text else MISSING, _masked(text))
        return cache[text]
    column = _column(rows, mapping, "personal_number")
    return pd.Series([number(i, v) for i, v in column.items()], index=rows.index, dtype=object)


def _students(session, viewer: Viewer, numbers: pd.Series,
              errors: _Errors | None) -> dict[str, int]:
    """Known students by personal number; rows for others are errors (a coach imports their
    own municipality's students only). Without `errors`, only the lookup."""
    wanted = sorted({n for n in numbers if n})
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(wanted), CHUNK):
        for number, student_id, home in session.execute(
                select(Student.personal_number, Student.id, Student.home_municipality_id)
                .where(Student.personal_number.in_(wanted[start:start + CHUNK]))):
            found[number] = (student_id, home)
    for index, number in numbers.items():
        if not number or errors is None:
            continue
        if number not in found:
            errors.add(index, UNKNOWN_STUDENT, _masked(number))
        elif viewer.role == Role.COACH and found[number][1] not in viewer.municipality_ids:
            errors.add(index, OUT_OF_SCOPE, _masked(number))
    return {n: sid for n, (sid, home) in found.items()
            if viewer.role != Role.COACH or home in viewer.municipality_ids}


def _school_lookup(session) -> dict[str, int]:
    lookup = {}
    for school_id, code, name in session.execute(select(School.id, School.unit_code,
                                                        School.name)):
        lookup[code] = school_id
        lookup[name.strip().lower()] = school_id
    return lookup


def _schools(session, rows, mapping, school_id, errors: _Errors) -> pd.Series:
    column = _column(rows, mapping, "school")
    if column is None:
        if session.get(School, school_id) is None:
            raise InputError("Välj en skola.")
        return pd.Series(school_id, index=rows.index)
    lookup = _school_lookup(session)

    def school(index, value):
        text = _cell_text(value)
        found = lookup.get(text) or lookup.get(text.lower())
        if found is None:
            if school_id is not None and not text:
                return school_id
            errors.add(index, UNKNOWN_SCHOOL if text else MISSING, text or "skola")
        return found
    return pd.Series([school(i, v) for i, v in column.items()], index=rows.index, dtype=object)


def _period(rows, mapping, period, errors):
    if {"start_date", "end_date"} <= set(mapping.columns):
        return (_parsed(rows, mapping, "start_date", parse_date, errors,
                        required="periodens första dag"),
                _parsed(rows, mapping, "end_date", parse_date, errors,
                        required="periodens sista dag"))
    start, end = period
    return (pd.Series(start, index=rows.index, dtype=object),
            pd.Series(end, index=rows.index, dtype=object))


def _durations(rows, mapping: Mapping, errors: _Errors) -> dict[str, pd.Series]:
    """Minutes per duration field (several source columns are summed). Percentages are
    shares of the scheduled time; a percent column of numbers all ≤ 1 holds fractions."""
    minutes: dict[str, pd.Series] = {}
    percents: dict[str, pd.Series] = {}
    for name in SOURCE_DURATIONS:
        if name not in mapping.columns:
            continue
        unit = mapping.units.get(name, "minutes")
        total = pd.Series(0.0, index=rows.index)
        for column in mapping.columns[name]:
            values = rows[column]
            if unit == "percent":
                numeric = [v for v in values if isinstance(v, int | float) and v == v]
                fraction = bool(numeric) and max(numeric) <= 1
                total = total + _convert(values, lambda v, f=fraction: parse_percent(v, f),
                                         errors)
            else:
                total = total + _convert(values, lambda v, u=unit: to_minutes(
                    v, u, mapping.lesson_minutes, mapping.day_minutes), errors)
        (percents if unit == "percent" else minutes)[name] = total
    for name, share in percents.items():
        minutes[name] = share * minutes["scheduled"]
    return minutes


def _convert(values: pd.Series, parser, errors: _Errors) -> pd.Series:
    cache: dict = {}
    out = np.zeros(len(values))
    for position, (index, value) in enumerate(values.items()):
        key = (type(value), value) if isinstance(value, str | int) else None
        try:
            result = cache[key] if key in cache else parser(value)
        except (BadValue, TypeError, ValueError):
            errors.add(index, BAD_VALUE, value)
            continue
        if key is not None:
            cache[key] = result
        out[position] = result or 0.0
    return pd.Series(out, index=values.index)


def _sum_courses(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["student_id", "school_id", "start_date", "end_date"]
    present = [d for d in SOURCE_DURATIONS if d in frame]
    if frame.empty:
        return frame
    grouped = frame.reset_index().groupby(keys, as_index=False, dropna=False).agg(
        {"index": "first", "personal_number": "first", **{d: "sum" for d in present}})
    return grouped.set_index("index")


def _check_minutes(frame: pd.DataFrame, errors: _Errors) -> pd.DataFrame:
    """Complete absent/valid/invalid from the two given, round to whole minutes, and flag
    negative values and absence above the scheduled time."""
    if frame.empty:
        return frame.assign(**{d: pd.Series(dtype=int) for d in DURATIONS})
    if "valid" in frame and "invalid" in frame:
        frame["absent"] = frame["valid"] + frame["invalid"]
    elif "invalid" in frame:
        frame["valid"] = frame["absent"] - frame["invalid"]
    else:
        frame["invalid"] = frame["absent"] - frame["valid"]
    if "reported" in frame:  # LearnPoint's "Rapporterat (%)": the rest went unreported
        frame["unreported"] = frame["scheduled"] - frame.pop("reported")
    if "unreported" not in frame:
        frame["unreported"] = 0.0  # not known (Preview.unreported_known): stored as NULL
    for name in DURATIONS:
        frame[name] = frame[name].round().astype(int)
    frame["absent"] = frame["valid"] + frame["invalid"]  # exact after rounding
    negative = (frame[list(DURATIONS)] < 0).any(axis=1)
    for index in frame.index[negative]:
        errors.add(index, NEGATIVE)
    too_much = frame["absent"] > frame["scheduled"]
    for index, row in frame[too_much & ~negative].iterrows():
        errors.add(index, TOO_MUCH, f"{row['absent']} av {row['scheduled']} min")
    return frame[~frame.index.isin(errors.rows)]


def _terms(session, frame: pd.DataFrame, dated: bool, errors: _Errors) -> pd.Series:
    """The term of each row; a row (or period) outside every term is an error."""
    terms = session.execute(select(Term.id, Term.start_date, Term.end_date)).all()

    def term_of(start: dt.date, end: dt.date) -> int | None:
        for term_id, first, last in terms:
            if first <= start and end <= last:
                return term_id
        return None
    starts = frame["date"] if dated else frame["start_date"]
    ends = frame["date"] if dated else frame["end_date"]
    cache: dict = {}
    result = []
    for index, start, end in zip(frame.index, starts, ends, strict=True):
        key = (start, end)
        if key not in cache:
            cache[key] = term_of(start, end) if start and end and start <= end else None
        if cache[key] is None:
            errors.add(index, OUTSIDE_TERM, f"{start} – {end}" if not dated else start)
        result.append(cache[key])
    return pd.Series(result, index=frame.index, dtype=object)


# --- Commit ---------------------------------------------------------------------------------

DAY_COLUMNS = ["student_id", "school_id", "date", "lesson_start", "course", "scheduled_minutes",
               "absent_minutes", "valid_minutes", "invalid_minutes", "unreported_minutes",
               "iso_year", "iso_week", "weekday", "term_id", "batch_id"]
PERIOD_COLUMNS = ["student_id", "school_id", "term_id", "start_date", "end_date",
                  "scheduled_minutes", "absent_minutes", "valid_minutes", "invalid_minutes",
                  "unreported_minutes", "batch_id"]


SCHOOL_UNCONFIRMED = ("De flesta eleverna i filen är inte inskrivna vid den valda skolan. "
                      "Kontrollera skolan och bekräfta den innan filen läses in.")


def commit(session: Session, viewer: Viewer, preview: Preview, mapping: Mapping | None = None,
           progress: ProgressFn = _no_progress, school_confirmed: bool = False) -> int:
    """Write the valid rows of a preview, all in the caller's transaction: the batch, the
    replacement of the same days or period at the same school, the rows, the summaries.
    A file whose students are mostly not at the chosen school needs `school_confirmed`."""
    require_importer(viewer)
    if preview.valid.empty:
        raise InputError("Det finns inga giltiga rader att läsa in.")
    if preview.school_mismatch is not None and not school_confirmed:
        raise InputError(SCHOOL_UNCONFIRMED)
    if preview.kind == "enrolment":
        return _commit_enrolment(session, viewer, preview, progress)
    frame = preview.valid
    batch = ImportBatch(kind=preview.kind, file_name=preview.file_name[:255],
                        file_hash=preview.file_hash, user_id=viewer.user_id, created_at=utcnow(),
                        row_count=len(frame), school_id=preview.school_id,
                        skipped_count=len(preview.errors),
                        details={"errors": preview.counts,
                                 "mapping": mapping.to_json() if mapping else None,
                                 # Stored as 0 minutes when unknown: the schema has no
                                 # "not reported" yet; this says which batches are so.
                                 "unreported_known": preview.unreported_known})
    session.add(batch)
    session.flush()
    progress(0.1, "Ersätter tidigare inläsning av samma period …")
    replaced, touched_terms = _replace(session, batch.id, frame, preview.kind == "absence")
    batch.replaced_count = replaced
    progress(0.3, "Skriver raderna …")
    ints = {name: frame[name].astype(int).tolist() for name in (
        "student_id", "school_id", "term_id", *DURATIONS)}
    if not preview.unreported_known:  # the file says nothing of it: not 0, but unknown
        ints["unreported"] = [None] * len(frame)
    batch_ids = [batch.id] * len(frame)
    if preview.kind == "absence":
        dates = pd.to_datetime(frame["date"])
        iso = dates.dt.isocalendar()
        rows = zip(ints["student_id"], ints["school_id"], frame["date"].tolist(),
                   frame["lesson_start"].where(frame["lesson_start"].notna(), None).tolist(),
                   frame["course"].where(frame["course"].notna(), None).tolist(),
                   *(ints[d] for d in DURATIONS), iso["year"].astype(int).tolist(),
                   iso["week"].astype(int).tolist(), dates.dt.day_of_week.tolist(),
                   ints["term_id"], batch_ids, strict=True)
        insert_rows(session, AbsenceRecord.__table__, DAY_COLUMNS, list(rows))
    else:
        rows = zip(ints["student_id"], ints["school_id"], ints["term_id"],
                   frame["start_date"].tolist(), frame["end_date"].tolist(),
                   *(ints[d] for d in DURATIONS), batch_ids, strict=True)
        insert_rows(session, AbsencePeriod.__table__, PERIOD_COLUMNS, list(rows))
    progress(0.6, "Uppdaterar sammanställningarna …")
    analyze(session, sqlite_only=True)  # the new rows shape the refresh's plans
    students = set(frame["student_id"].astype(int)) | _replaced_students(session, batch.id)
    summaries.refresh(session, set(frame["term_id"].astype(int)) | touched_terms, students)
    log_event(session, viewer, "import", "import_batch", batch.id,
              after={"rows": len(frame), "skipped": len(preview.errors), "replaced": replaced},
              note=preview.file_name[:200])
    progress(1.0, "Klart.")
    return batch.id


def _replace(session, batch_id: int, frame: pd.DataFrame, dated: bool) -> tuple[int, set[int]]:
    """Move what this import replaces (the same students at the same school, on the days or
    in the period the file covers) to the archive, and return how many rows and which
    terms. A day import replaces days and periods that overlap it; a period import too."""
    first = frame["date"].min() if dated else frame["start_date"].min()
    last = frame["date"].max() if dated else frame["end_date"].max()
    count, terms = 0, set()
    for school_id, part in frame.groupby("school_id"):
        ids = sorted(set(part["student_id"].astype(int)))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            day = and_(AbsenceRecord.school_id == int(school_id),
                       AbsenceRecord.student_id.in_(chunk),
                       AbsenceRecord.date >= first, AbsenceRecord.date <= last)
            period = and_(AbsencePeriod.school_id == int(school_id),
                          AbsencePeriod.student_id.in_(chunk),
                          AbsencePeriod.start_date <= last, AbsencePeriod.end_date >= first)
            terms |= set(session.scalars(select(AbsenceRecord.term_id).where(day).distinct()))
            terms |= set(session.scalars(select(AbsencePeriod.term_id).where(period)
                                         .distinct()))
            count += _archive(session, batch_id, day, period)
    return count, terms


def _archive(session, batch_id: int, day, period) -> int:
    columns = ["replaced_by", "source", "batch_id", "student_id", "school_id", "term_id",
               "date", "end_date", "lesson_start", "course", "scheduled_minutes",
               "absent_minutes", "valid_minutes", "invalid_minutes", "unreported_minutes",
               "iso_year", "iso_week", "weekday"]
    a, p = AbsenceRecord, AbsencePeriod
    # Counted first: INSERT … SELECT reports no row count on every driver.
    moved = (session.scalar(select(func.count()).select_from(a).where(day))
             + session.scalar(select(func.count()).select_from(p).where(period)))
    session.execute(insert(ReplacedAbsence).from_select(columns, select(
        literal(batch_id), literal("day"), a.batch_id, a.student_id, a.school_id, a.term_id,
        a.date, literal(None, type_=a.date.type), a.lesson_start, a.course,
        a.scheduled_minutes, a.absent_minutes, a.valid_minutes, a.invalid_minutes,
        a.unreported_minutes, a.iso_year, a.iso_week, a.weekday).where(day)))
    session.execute(insert(ReplacedAbsence).from_select(columns, select(
        literal(batch_id), literal("period"), p.batch_id, p.student_id, p.school_id, p.term_id,
        p.start_date, p.end_date, literal(None, type_=a.lesson_start.type),
        literal(None, type_=a.course.type), p.scheduled_minutes, p.absent_minutes,
        p.valid_minutes, p.invalid_minutes, p.unreported_minutes,
        literal(None, type_=a.iso_year.type), literal(None, type_=a.iso_week.type),
        literal(None, type_=a.weekday.type)).where(period)))
    session.execute(delete(AbsenceRecord).where(day))
    session.execute(delete(AbsencePeriod).where(period))
    return moved


def _replaced_students(session, batch_id: int) -> set[int]:
    return set(session.scalars(select(ReplacedAbsence.student_id)
                               .where(ReplacedAbsence.replaced_by == batch_id).distinct()))


# --- Undo and history -------------------------------------------------------------------------

def undo(session: Session, viewer: Viewer, batch_id: int) -> None:
    """Remove an import's rows and put back what it replaced, in one transaction."""
    require_importer(viewer)
    batch = session.get(ImportBatch, batch_id)
    # Another coach's import is answered as if it did not exist.
    if batch is None or batch.kind not in ("absence", "period", "enrolment") or (
            viewer.role == Role.COACH and batch.user_id != viewer.user_id):
        raise AccessDenied("Importen finns inte, eller så har du inte behörighet att ångra den.",
                           viewer=viewer, what="import_batch", what_id=batch_id)
    if batch.undone_at is not None:
        raise InputError("Importen är redan ångrad.")
    later = session.scalar(select(func.count()).select_from(ReplacedAbsence)
                           .where(ReplacedAbsence.batch_id == batch_id))
    if later:
        raise InputError("En senare import har ersatt delar av den här. Ångra den senare "
                         "importen först.")
    if batch.kind == "enrolment":
        _undo_enrolment(session, batch_id)
    else:
        terms, students = set(), set()
        for table, owner in ((AbsenceRecord, AbsenceRecord.batch_id),
                             (AbsencePeriod, AbsencePeriod.batch_id),
                             (ReplacedAbsence, ReplacedAbsence.replaced_by)):
            for term_id, student_id in session.execute(
                    select(table.term_id, table.student_id).where(owner == batch_id).distinct()):
                terms.add(term_id)
                students.add(student_id)
        session.execute(delete(AbsenceRecord).where(AbsenceRecord.batch_id == batch_id))
        session.execute(delete(AbsencePeriod).where(AbsencePeriod.batch_id == batch_id))
        _restore(session, batch_id)
        summaries.refresh(session, terms, students)
    session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
        undone_at=utcnow(), undone_by=viewer.user_id))
    log_event(session, viewer, "undo_import", "import_batch", batch_id,
              note=batch.file_name)


def _restore(session, batch_id: int) -> None:
    r = ReplacedAbsence
    mine = r.replaced_by == batch_id
    session.execute(insert(AbsenceRecord).from_select(
        DAY_COLUMNS,
        select(r.student_id, r.school_id, r.date, r.lesson_start, r.course,
               r.scheduled_minutes, r.absent_minutes, r.valid_minutes, r.invalid_minutes,
               r.unreported_minutes, r.iso_year, r.iso_week, r.weekday, r.term_id, r.batch_id)
        .where(mine, r.source == "day")))
    session.execute(insert(AbsencePeriod).from_select(
        PERIOD_COLUMNS,
        select(r.student_id, r.school_id, r.term_id, r.date, r.end_date, r.scheduled_minutes,
               r.absent_minutes, r.valid_minutes, r.invalid_minutes, r.unreported_minutes,
               r.batch_id)
        .where(mine, r.source == "period")))
    session.execute(delete(ReplacedAbsence).where(mine))


KIND_LABELS = {"absence": "Frånvaro, dagar/lektioner", "period": "Frånvaro, period",
               "enrolment": "Inskrivningslista", "demo": "Demodata"}


def history(session: Session, viewer: Viewer) -> pd.DataFrame:
    """Imports, newest first; a coach sees their own."""
    require_importer(viewer)
    query = (select(ImportBatch.id, ImportBatch.created_at, ImportBatch.kind,
                    ImportBatch.file_name, User.display_name, School.name,
                    ImportBatch.row_count, ImportBatch.skipped_count,
                    ImportBatch.replaced_count, ImportBatch.undone_at,
                    ImportBatch.file_hash)
             .outerjoin(User, User.id == ImportBatch.user_id)
             .outerjoin(School, School.id == ImportBatch.school_id)
             .where(ImportBatch.kind != "demo")
             .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()))
    if viewer.role == Role.COACH:
        query = query.where(ImportBatch.user_id == viewer.user_id)
    frame = read_frame(session, query, ["id", "at", "kind", "file", "user", "school", "rows",
                                        "skipped", "replaced", "undone", "hash"])
    return pd.DataFrame({
        "id": frame["id"], "Tid": frame["at"].map(formats.moment),
        "Typ": frame["kind"].map(KIND_LABELS), "Fil": frame["file"],
        "Av": frame["user"].fillna(""), "Skola": frame["school"].fillna(""),
        "Inlästa rader": frame["rows"], "Hoppade över": frame["skipped"],
        # Absence rows a file replaced; for an enrolment list, the students and enrolments
        # it changed. Either is put back by undo.
        "Ersatta/ändrade": frame["replaced"],
        "Ångrad": frame["undone"].map(formats.moment),
        "Kontrollsumma": frame["hash"].fillna("").str[:12],
    })


# --- Saved mappings ---------------------------------------------------------------------------
# A mapping is kept per school (none for enrolment lists) and importing municipality; an
# administrator's has no municipality. A coach with several municipalities saves for each of
# them and reads the most recently saved among them, then an administrator's.

def _same_school(school_id: int | None):
    return (ImportMapping.school_id.is_(None) if school_id is None
            else ImportMapping.school_id == school_id)


def _mapping_owners(viewer: Viewer) -> list[int | None]:
    return sorted(viewer.municipality_ids) if viewer.role == Role.COACH else [None]


def saved_mapping(session: Session, viewer: Viewer, school_id: int | None,
                  kind: str) -> Mapping | None:
    """The importer's own municipality's mapping for the school, else an administrator's."""
    require_importer(viewer)
    own = [m for m in _mapping_owners(viewer) if m is not None]
    found = session.scalar(
        select(ImportMapping.mapping)
        .where(ImportMapping.kind == kind, _same_school(school_id),
               or_(ImportMapping.municipality_id.in_(own),
                   ImportMapping.municipality_id.is_(None)))
        .order_by(ImportMapping.municipality_id.is_(None), ImportMapping.updated_at.desc(),
                  ImportMapping.id.desc())
        .limit(1))
    return Mapping.from_json(found) if found else None


def save_mapping(session: Session, viewer: Viewer, school_id: int | None,
                 mapping: Mapping) -> None:
    """Save the mapping for the school and the importer's municipality. A coach may save
    only for a school where their municipality's students are enrolled."""
    require_importer(viewer)
    owners = _mapping_owners(viewer)
    if viewer.role == Role.COACH and (not owners or (school_id is not None and session.scalar(
            select(School.id).where(School.id == school_id, school_clause(viewer))) is None)):
        raise AccessDenied("Du kan bara spara kolumnval för skolor där din kommuns elever "
                           "går.", viewer=viewer, what="school", what_id=school_id)
    for municipality_id in owners:
        _save_one(session, viewer, school_id, municipality_id, mapping)


def _save_one(session, viewer: Viewer, school_id: int | None, municipality_id: int | None,
              mapping: Mapping) -> None:
    existing = session.scalars(select(ImportMapping).where(
        ImportMapping.kind == mapping.kind, _same_school(school_id),
        ImportMapping.municipality_id.is_(None) if municipality_id is None
        else ImportMapping.municipality_id == municipality_id)).first()
    if existing is None:
        session.add(ImportMapping(school_id=school_id, municipality_id=municipality_id,
                                  kind=mapping.kind, mapping=mapping.to_json(),
                                  updated_by=viewer.user_id, updated_at=utcnow()))
    else:
        existing.mapping, existing.updated_by = mapping.to_json(), viewer.user_id
        existing.updated_at = utcnow()


# --- Enrolment lists ----------------------------------------------------------------------------
# A list creates students and changes those already in the importer's scope (a coach: the
# students registered in their municipalities; an administrator: everyone). A coach's list
# may give their own student another home municipality (a move out), never take in a
# student registered elsewhere: that is for the administrator or that municipality.

def preview_enrolment(session: Session, viewer: Viewer, table: Table, mapping: Mapping,
                      default_start: dt.date | None = None) -> Preview:
    """Students with home municipality, school, programme and year, and what the list
    changes for the existing ones. Nothing is written."""
    require_importer(viewer)
    _check_enrolment_mapping(mapping, table)
    valid_from = default_start or _term_start(session)
    rows, errors = table.rows, _Errors()
    frame = pd.DataFrame(index=rows.index)
    frame["personal_number"] = _personal_numbers(rows, mapping, errors)
    register = _register(session, frame["personal_number"])
    _refuse_registered_elsewhere(viewer, register, frame["personal_number"], errors)
    frame["school_id"] = _schools(session, rows, mapping, None, errors)
    frame["home_municipality_id"] = _municipalities(session, viewer, rows, mapping, errors,
                                                    frame["personal_number"], register)
    _names(frame, rows, mapping)
    frame["programme"] = _text(rows, mapping, "programme", limit=None)
    frame["class_name"] = _text(rows, mapping, "class_name", limit=None)
    frame["school_year"] = _parsed(rows, mapping, "school_year", _year, errors)
    starts = _parsed(rows, mapping, "start_date", parse_date, errors)
    frame["start_date"] = starts.where(starts.notna(), valid_from)
    for index, row in frame.iterrows():
        # A blank cell may come back as None or NaN: only a text counts as given.
        if not (_given(row["first_name"]) and _given(row["programme"])
                and _given(row["school_year"])):
            errors.add(index, MISSING, "namn, program eller årskurs")
        long = [n for n, limit in TEXT_LIMITS.items()
                if _given(row[n]) and len(row[n]) > limit]
        if long:
            errors.add(index, TOO_LONG, f"{ENROLMENT_LABELS[long[0]]}: högst "
                                        f"{TEXT_LIMITS[long[0]]} tecken")
    frame = frame[~frame.index.isin(errors.rows)]
    for index in frame.index[frame.duplicated(subset=["personal_number"], keep="first")]:
        errors.add(index, DUPLICATE)
    valid = frame[~frame.index.isin(errors.rows)].reset_index(drop=True)
    own = int(starts[frame.index].notna().sum()) if len(frame) else 0
    own_note = f"{formats.count(own, 'rad', 'rader')} har ett eget startdatum i filen."
    notes = _notes(table) + ((own_note,) if own else ())
    return Preview(kind="enrolment", file_name=table.file_name, file_hash=table.file_hash,
                   school_id=None, rows_read=len(rows), dropped_totals=table.dropped_totals,
                   valid=valid, errors=errors.frame(), notes=notes,
                   changes=_describe(session, _plans(register, valid)),
                   warnings=_same_file(session, viewer, table.file_hash),
                   valid_from=valid_from)


# The lengths the register keeps: a longer text is a row error, never cut or refused by
# the database.
TEXT_LIMITS = {"first_name": 80, "last_name": 80, "programme": 80, "class_name": 40}
ENROLMENT_LABELS = {"first_name": "förnamn", "last_name": "efternamn",
                    "programme": "program", "class_name": "klass"}


def _given(value) -> bool:
    """A value the row gives: a text that is not empty, or a whole number (a year)."""
    if isinstance(value, str):
        return value != ""
    return isinstance(value, int | np.integer)


def _term_start(session) -> dt.date:
    """The start of the current term: an enrolment list describes the term it is for."""
    term = current_term(session)
    return term.start_date if term is not None else dt.date.today()


def _check_enrolment_mapping(mapping: Mapping, table: Table) -> None:
    _require_columns(mapping, table)
    columns = mapping.columns
    for needed, label in (("personal_number", "personnummer"), ("school", "skola"),
                          ("home_municipality", "hemkommun"), ("programme", "program"),
                          ("school_year", "årskurs")):
        if needed not in columns:
            raise InputError(f"Välj kolumnen med {label}.")
    if "name" not in columns and not {"first_name", "last_name"} <= set(columns):
        raise InputError("Välj kolumnerna med förnamn och efternamn (eller namn).")


def _names(frame: pd.DataFrame, rows, mapping: Mapping) -> None:
    if "name" in mapping.columns:
        names = _text(rows, mapping, "name", limit=None).fillna("")
        frame["first_name"] = names.map(lambda n: n.rsplit(" ", 1)[0] if " " in n else n)
        frame["last_name"] = names.map(lambda n: n.rsplit(" ", 1)[1] if " " in n else "")
    else:
        frame["first_name"] = _text(rows, mapping, "first_name", limit=None)
        frame["last_name"] = _text(rows, mapping, "last_name", limit=None)


def _year(value) -> int:
    number = parse_number(str(value).lower().replace("åk", "").strip())
    if number is None or not number.is_integer() or not 1 <= number <= 4:
        raise BadValue(f"«{value}» är ingen årskurs (1–4).")
    return int(number)


@dataclass(frozen=True)
class _Register:
    """The existing students a list names (by personal number), whatever their
    municipality, and their open enrolments, as they stand."""

    students: dict[str, Student]
    open: dict[int, list[Enrolment]]

    def enrolments(self, student: Student | None) -> list[Enrolment]:
        return self.open.get(student.id, []) if student is not None else []


def _register(session, numbers: pd.Series) -> _Register:
    wanted = sorted({n for n in numbers if n})
    students: dict[str, Student] = {}
    for start in range(0, len(wanted), CHUNK):
        students.update({s.personal_number: s for s in session.scalars(
            select(Student).where(Student.personal_number.in_(wanted[start:start + CHUNK])))})
    ids = sorted(s.id for s in students.values())
    open_enrolments: dict[int, list[Enrolment]] = {}
    for start in range(0, len(ids), CHUNK):
        for enrolment in session.scalars(
                select(Enrolment).where(Enrolment.student_id.in_(ids[start:start + CHUNK]),
                                        Enrolment.end_date.is_(None)).order_by(Enrolment.id)):
            open_enrolments.setdefault(enrolment.student_id, []).append(enrolment)
    return _Register(students, open_enrolments)


def _in_scope(viewer: Viewer, student: Student) -> bool:
    return viewer.role == Role.ADMIN or student.home_municipality_id in viewer.municipality_ids


def _refuse_registered_elsewhere(viewer: Viewer, register: _Register, numbers: pd.Series,
                                 errors: _Errors) -> None:
    """A row naming an existing student outside the importer's scope is an error that
    shows only the masked number the importer typed."""
    for index, number in numbers.items():
        student = register.students.get(number) if number else None
        if student is not None and not _in_scope(viewer, student):
            errors.add(index, REGISTERED_ELSEWHERE, _masked(number))


def _municipalities(session, viewer: Viewer, rows, mapping, errors: _Errors,
                    numbers: pd.Series, register: _Register) -> pd.Series:
    """The home municipality of each row. A coach's new student must be registered in the
    coach's municipality; their existing student may move out to another."""
    lookup = {}
    for municipality_id, code, name in session.execute(
            select(Municipality.id, Municipality.code, Municipality.name)):
        lookup[code] = municipality_id
        lookup[name.lower()] = municipality_id
        lookup[f"{name.lower()}s kommun"] = municipality_id

    def municipality(index, value):
        text = _cell_text(value)
        found = lookup.get(text) or lookup.get(text.lower())
        if found is None:
            errors.add(index, UNKNOWN_MUNICIPALITY if text else MISSING, text or "hemkommun")
        elif viewer.role == Role.COACH and found not in viewer.municipality_ids:
            student = register.students.get(numbers[index])
            if student is None or not _in_scope(viewer, student):
                errors.add(index, OUT_OF_SCOPE, text)
        return found
    column = _column(rows, mapping, "home_municipality")
    return pd.Series([municipality(i, v) for i, v in column.items()], index=rows.index,
                     dtype=object)


@dataclass(frozen=True)
class _Step:
    """One change a row makes: the record and the values it sets (only those that differ
    from what it holds), or a new enrolment (no record)."""

    record: Student | Enrolment | None
    values: dict


def _step(record, **values) -> _Step:
    return _Step(record, {k: v for k, v in values.items() if getattr(record, k) != v})


def _plan(student: Student | None, enrolments: list[Enrolment], row) -> list[_Step]:
    """What one row does to its student (None: a new one) and their open enrolments. The
    preview lists these steps and the commit applies the same ones. The open enrolment at
    the row's school is updated; otherwise a new one starts and the open ones that started
    earlier end the day before."""
    steps = []
    if student is not None:
        steps.append(_step(student, first_name=row.first_name, last_name=row.last_name or "",
                           home_municipality_id=int(row.home_municipality_id)))
    here = [e for e in enrolments if e.school_id == int(row.school_id)]
    if here:
        steps.append(_step(here[0], programme=row.programme, school_year=int(row.school_year),
                           class_name=row.class_name))
    else:
        steps += [_step(e, end_date=row.start_date - dt.timedelta(days=1))
                  for e in enrolments if e.start_date < row.start_date]
        steps.append(_Step(None, {"school_id": int(row.school_id), "programme": row.programme,
                                  "class_name": row.class_name,
                                  "school_year": int(row.school_year),
                                  "start_date": row.start_date}))
    return [s for s in steps if s.values]


def _plans(register: _Register, frame: pd.DataFrame) -> list[tuple[Student | None,
                                                                   list[_Step]]]:
    plans = []
    for row in frame.itertuples(index=False):
        student = register.students.get(row.personal_number)
        plans.append((student, _plan(student, register.enrolments(student), row)))
    return plans


FIELD_LABELS = {"programme": "Program", "school_year": "Årskurs", "class_name": "Klass"}


def _describe(session, plans) -> pd.DataFrame:
    """The steps for existing students as the preview shows them (CHANGE_COLUMNS): a name
    (never a protected one), a move, an ended, changed or new enrolment."""
    existing = [(student, steps) for student, steps in plans if student is not None and steps]
    rows = []
    if existing:
        places = {"municipality": dict(session.execute(
                      select(Municipality.id, Municipality.name)).all()),
                  "school": dict(session.execute(select(School.id, School.name)).all())}
    for student, steps in existing:
        who = [student.id, format_name(student.id, student.first_name, student.last_name,
                                       student.protected_identity),
               mask(student.personal_number, student.protected_identity)]
        for step in steps:
            rows += [[*who, *change] for change in _change_texts(student, step, places)]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _change_texts(student: Student, step: _Step, places: dict) -> list[tuple[str, str, str]]:
    record, values = step.record, step.values
    if record is None:
        return [("Ny inskrivning", "", f"{_enrolment_text(places, values)} från "
                                       f"{values['start_date']}")]
    if record is student:
        return _student_texts(student, values, places["municipality"])
    if "end_date" in values:
        shown = _enrolment_text(places, {k: getattr(record, k) for k in (
            "school_id", "programme", "school_year")})
        return [("Inskrivningen avslutas", shown, f"slutar {values['end_date']}")]
    return [(FIELD_LABELS[name], _shown(getattr(record, name)), _shown(value))
            for name, value in values.items()]


def _student_texts(student: Student, values: dict, municipalities: dict) -> list:
    texts = []
    if {"first_name", "last_name"} & set(values):
        if student.protected_identity:
            texts.append(("Namn", PROTECTED_NAME, PROTECTED_NAME))
        else:
            new = (f"{values.get('first_name', student.first_name)} "
                   f"{values.get('last_name', student.last_name)}")
            texts.append(("Namn", f"{student.first_name} {student.last_name}", new))
    if "home_municipality_id" in values:
        texts.append(("Hemkommun (flytt)", municipalities[student.home_municipality_id],
                      municipalities[values["home_municipality_id"]]))
    return texts


def _enrolment_text(places: dict, values: dict) -> str:
    return (f"{places['school'][values['school_id']]}, {values['programme']} "
            f"åk {values['school_year']}")


def _shown(value) -> str:
    return "–" if value is None or value == "" else str(value)


def _commit_enrolment(session, viewer, preview: Preview, progress: ProgressFn) -> int:
    """Apply the steps the preview listed, planned again from the register as it stands in
    this transaction: if they differ from the preview, or a row now names a student outside
    the importer's scope, nothing is written."""
    frame = preview.valid
    register = _register(session, frame["personal_number"])
    _require_scope(viewer, register, frame)
    plans = _plans(register, frame)
    if not _describe(session, plans).equals(preview.changes):
        raise InputError(STALE)
    batch = ImportBatch(kind="enrolment", file_name=preview.file_name[:255],
                        file_hash=preview.file_hash, user_id=viewer.user_id, created_at=utcnow(),
                        row_count=len(frame), skipped_count=len(preview.errors),
                        details={"errors": preview.counts})
    session.add(batch)
    session.flush()
    changes = _Changes(session, batch.id)
    moves: list[tuple[int, int, int]] = []  # student, from and to municipality
    for position, (row, (student, steps)) in enumerate(zip(
            frame.itertuples(index=False), plans, strict=True)):
        if position % 500 == 0:
            progress(position / max(len(frame), 1), "Skriver elever och inskrivningar …")
        if student is None:
            student = Student(personal_number=row.personal_number, first_name=row.first_name,
                              last_name=row.last_name or "", batch_id=batch.id,
                              home_municipality_id=int(row.home_municipality_id))
            session.add(student)
            session.flush()
        moves += _apply(session, changes, student, steps, batch.id)
    changes.write()
    batch.replaced_count = changes.count
    _record_moves(session, viewer, batch.id, moves)
    log_event(session, viewer, "import", "import_batch", batch.id,
              after={"rows": len(frame), "skipped": len(preview.errors),
                     "changed": changes.count, "moved": len(moves)},
              note=preview.file_name[:200])
    return batch.id


def _require_scope(viewer: Viewer, register: _Register, frame: pd.DataFrame) -> None:
    """The preview's checks once more, in the writing transaction."""
    if not all(_in_scope(viewer, s) for s in register.students.values()):
        raise InputError(STALE)
    if viewer.role == Role.COACH:
        new = frame[~frame["personal_number"].isin(list(register.students))]
        if not new["home_municipality_id"].isin(list(viewer.municipality_ids)).all():
            raise InputError(STALE)


def _apply(session, changes: _Changes, student: Student, steps: list[_Step],
           batch_id: int) -> list[tuple[int, int, int]]:
    """Apply one row's steps; return the student's move, if the row moves them."""
    moves = []
    for step in steps:
        if step.record is None:
            session.add(Enrolment(student_id=student.id, end_date=None, batch_id=batch_id,
                                  **step.values))
            continue
        if "home_municipality_id" in step.values:
            moves.append((student.id, step.record.home_municipality_id,
                          step.values["home_municipality_id"]))
        changes.update(step.record, **step.values)
    return moves


def _record_moves(session, viewer: Viewer, batch_id: int,
                  moves: list[tuple[int, int, int]]) -> None:
    """Keep each move for both municipalities' coaches, and recount both."""
    if not moves:
        return
    now, today = utcnow(), dt.date.today()
    session.execute(insert(StudentMove), [
        {"student_id": student_id, "from_municipality_id": old, "to_municipality_id": new,
         "date": today, "batch_id": batch_id, "user_id": viewer.user_id, "created_at": now}
        for student_id, old, new in moves])
    summaries.refresh_municipalities(session, {m for _, *pair in moves for m in pair})


def list_moves(session: Session, viewer: Viewer, limit: int = 50) -> pd.DataFrame:
    """Recent moves between home municipalities, newest first: a coach sees those from or
    to their municipalities, an administrator all."""
    require_importer(viewer)
    origin, destination = aliased(Municipality), aliased(Municipality)
    query = (select(StudentMove.id, StudentMove.date, Student.id, Student.first_name,
                    Student.last_name, Student.protected_identity, origin.name,
                    destination.name, User.display_name)
             .join(Student, Student.id == StudentMove.student_id)
             .join(origin, origin.id == StudentMove.from_municipality_id)
             .join(destination, destination.id == StudentMove.to_municipality_id)
             .outerjoin(User, User.id == StudentMove.user_id)
             .order_by(StudentMove.created_at.desc(), StudentMove.id.desc()).limit(limit))
    if viewer.role == Role.COACH:
        query = query.where(or_(StudentMove.from_municipality_id.in_(viewer.municipality_ids),
                                StudentMove.to_municipality_id.in_(viewer.municipality_ids)))
    frame = read_frame(session, query, ["id", "date", "student_id", "first", "last",
                                        "protected", "from", "to", "user"])
    return pd.DataFrame({
        "id": frame["id"], "Datum": frame["date"].map(str),
        "Elev": [format_name(*r) for r in zip(frame["student_id"], frame["first"],
                                              frame["last"], frame["protected"], strict=True)],
        "Från": frame["from"], "Till": frame["to"], "Av": frame["user"].fillna(""),
    })


class _Changes:
    """Set new values on existing students and enrolments, and keep what each changed column
    held before, for undo."""

    def __init__(self, session, batch_id: int) -> None:
        self.session, self.batch_id, self.rows = session, batch_id, []

    @property
    def count(self) -> int:
        return len(self.rows)

    def update(self, record, **values) -> None:
        before = {name: getattr(record, name) for name, value in values.items()
                  if getattr(record, name) != value}
        if not before:
            return
        for name in before:
            setattr(record, name, values[name])
        self.rows.append({"batch_id": self.batch_id, "table_name": record.__tablename__,
                          "row_id": record.id,
                          "before": {k: v.isoformat() if isinstance(v, dt.date) else v
                                     for k, v in before.items()}})

    def write(self) -> None:
        self.session.flush()
        if self.rows:
            self.session.execute(insert(ImportChange), self.rows)


def _undo_enrolment(session, batch_id: int) -> None:
    """Put back the students and enrolments the list changed, remove the moves it recorded,
    the enrolments it created, and the students it created that have no other data.
    Refused while a later list has changed the same records."""
    mine = ImportChange.batch_id == batch_id
    models = {"student": Student, "enrolment": Enrolment}

    def touched(table_name: str, model):
        """A later change to a record this list created or changed."""
        return and_(ImportChange.table_name == table_name, or_(
            ImportChange.row_id.in_(select(model.id).where(model.batch_id == batch_id)),
            ImportChange.row_id.in_(select(ImportChange.row_id).where(
                mine, ImportChange.table_name == table_name))))

    later = session.scalar(
        select(func.count()).select_from(ImportChange)
        .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
        .where(ImportChange.batch_id > batch_id, ImportBatch.undone_at.is_(None),
               or_(*(touched(name, model) for name, model in models.items()))))
    if later:
        raise InputError("En senare inskrivningslista har ändrat samma elever. Ångra den "
                         "senare listan först.")
    moved: set[int] = set()
    for table_name, row_id, before in session.execute(
            select(ImportChange.table_name, ImportChange.row_id, ImportChange.before)
            .where(mine).order_by(ImportChange.id.desc())):
        model = models[table_name]
        values = {name: dt.date.fromisoformat(value)
                  if name.endswith("_date") and value is not None else value
                  for name, value in before.items()}
        if "home_municipality_id" in values:
            moved |= {values["home_municipality_id"],
                      session.scalar(select(Student.home_municipality_id)
                                     .where(Student.id == row_id))}
        session.execute(update(model).where(model.id == row_id).values(**values))
    session.execute(delete(ImportChange).where(mine))
    session.execute(delete(StudentMove).where(StudentMove.batch_id == batch_id))
    session.execute(delete(Enrolment).where(Enrolment.batch_id == batch_id))
    created = select(Student.id).where(Student.batch_id == batch_id)
    used = or_(*(Student.id.in_(select(table.student_id)) for table in (
        Enrolment, AbsenceRecord, AbsencePeriod, AgendaItem, Measure, Contact, Feedback,
        StudentMove)))
    removable = list(session.scalars(created.where(~used)))
    for start in range(0, len(removable), CHUNK):
        session.execute(delete(Student).where(Student.id.in_(removable[start:start + CHUNK])))
    if moved:
        summaries.refresh_municipalities(session, moved)
