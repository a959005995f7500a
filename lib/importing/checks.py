"""What the checks of both kinds of import share: the preview a check hands the page, the
row errors with the file's own row numbers, the readers of the columns files have in
common (personal number, school, texts, dates) and the lookup of known students. Nothing
here writes."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from data_models.codes import RowProblem
from data_models.models import ImportBatch, School, Student
from lib import formats
from lib.access import Role, Viewer, require_role
from lib.errors import describe, reference
from lib.i18n import _
from lib.importing.files import Table
from lib.importing.layouts import Mapping
from lib.importing.values import BadValue, is_blank
from lib.personal_number import InvalidPersonalNumber, normalize
from lib.versioning import InputError

CHUNK = 500
_LOGGER = logging.getLogger("aktiv.errors")

# Row errors (codes; their words are lib.labels.ROW_PROBLEMS).
BAD_NUMBER = RowProblem.BAD_NUMBER
UNKNOWN_STUDENT = RowProblem.UNKNOWN_STUDENT
OUT_OF_SCOPE = RowProblem.OUT_OF_SCOPE
# An enrolment list naming a student registered outside the importer's scope. It says no
# more than this: not the name, municipality or school (the list would be an oracle).
REGISTERED_ELSEWHERE = RowProblem.REGISTERED_ELSEWHERE
UNKNOWN_SCHOOL = RowProblem.UNKNOWN_SCHOOL
BAD_VALUE = RowProblem.BAD_VALUE
NEGATIVE = RowProblem.NEGATIVE
TOO_MUCH = RowProblem.TOO_MUCH
DUPLICATE = RowProblem.DUPLICATE
OUTSIDE_TERM = RowProblem.OUTSIDE_TERM
UNKNOWN_MUNICIPALITY = RowProblem.UNKNOWN_MUNICIPALITY
MISSING = RowProblem.MISSING
TOO_LONG = RowProblem.TOO_LONG
# A row error: the file's row number, the problem (a code) and what the cell held.
ERROR_COLUMNS = ["row", "row_problem", "cell_value"]

# What an enrolment list changes for existing students, one row per change: the student
# (id, name, masked number), what changes (EnrolmentChange) and the texts before and after.
CHANGE_COLUMNS = ["id", "student", "personal_number", "enrolment_change", "changed_from",
                  "changed_to"]

ProgressFn = Callable[[float, str], None]


def no_progress(_share: float, _text: str) -> None:
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
    errors: pd.DataFrame  # ERROR_COLUMNS
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
        """Rows per problem (RowProblem → count)."""
        return self.errors["row_problem"].value_counts().to_dict() \
            if not self.errors.empty else {}

    @property
    def problems(self) -> pd.DataFrame:
        """Rows per problem, most first, as the preview lists them."""
        return (self.errors["row_problem"].value_counts().rename_axis("row_problem")
                .reset_index(name="error_rows"))

    @property
    def summary(self) -> ImportSummary | None:
        """What would be written (None when nothing would)."""
        frame = self.valid
        if frame.empty:
            return None
        dated = "date" in frame
        scheduled = int(frame["scheduled"].sum()) if "scheduled" in frame else None

        def share(name: str) -> float | None:
            return float(frame[name].sum()) / scheduled if scheduled else None
        return ImportSummary(
            rows=len(frame),
            students=int(frame["student_id"].nunique() if "student_id" in frame
                         else frame["personal_number"].nunique()),
            first_date=frame["date"].min() if dated else None,
            last_date=frame["date"].max() if dated else None,
            period_start=frame["start_date"].min() if self.kind == "period" else None,
            period_end=frame["end_date"].max() if self.kind == "period" else None,
            scheduled_minutes=scheduled,
            absence=share("absent"),
            reporting_rate=1 - share("unreported") if scheduled and self.unreported_known
            else None,
            reporting_known=self.unreported_known,
            valid_from=self.valid_from,
            changed_students=int(self.changes["id"].nunique()) if not self.changes.empty
            else None)


@dataclass(frozen=True)
class ImportSummary:
    """What a preview would write, as values (lib.ui.importer writes them out): the rows
    and students, the dates or the period, the scheduled minutes with the absence and
    reporting rate as shares of them, an enrolment list's valid-from date and the existing
    students it changes. A field that does not apply is None."""

    rows: int
    students: int
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    scheduled_minutes: int | None = None
    absence: float | None = None  # share of the scheduled time
    reporting_rate: float | None = None  # None when unknown or nothing is scheduled
    reporting_known: bool = True  # whether the file says how much went unreported
    valid_from: dt.date | None = None
    changed_students: int | None = None


def require_importer(viewer: Viewer) -> None:
    require_role(viewer, Role.ADMIN, Role.COACH)


def require_rows(preview: Preview) -> None:
    """A preview without valid rows has nothing to read in. The page disables its button
    then; the commit does not rely on that."""
    if preview.valid.empty:
        raise InputError(_("Det finns inga giltiga rader att läsa in."))


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
        raise InputError(_("Databasen tog inte emot raderna, och inget lästes in. Kontakta "
                           "systemförvaltaren och ange referensen {ref}.").format(ref=ref)
                         ) from None


def file_notes(table: Table) -> tuple[str, ...]:
    notes = [_("Rubrikraden är rad {row} i filen.").format(row=table.header_row)
             if table.header_rows == 1
             else _("Rubriken är två rader, rad {upper}–{lower} i filen: gruppnamnen i den "
                    "övre raden står först i kolumnnamnen.").format(upper=table.header_row - 1,
                                                                    lower=table.header_row)]
    if table.dropped_totals:
        notes.append(_("{rows} (Summa/Totalt) hoppades över.").format(rows=formats.count(
            table.dropped_totals, _("summeringsrad"), _("summeringsrader"))))
    return tuple(notes)


def same_file_warnings(session, viewer: Viewer, file_hash: str) -> tuple[str, ...]:
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
    return (_("Samma fil (samma SHA-256-kontrollsumma) är redan inläst: import {batch}, "
              "{at} (se Historik). Läses den in igen ersätter den samma rader, så inget räknas "
              "dubbelt, men det blir en import till i historiken.").format(
                  batch=earlier.id, at=formats.moment(earlier.created_at)),)


def require_columns(mapping: Mapping, table: Table) -> None:
    missing = [c for names in mapping.columns.values() for c in names if c not in table.columns]
    if missing:
        raise InputError(_("Kolumnen «{column}» finns inte i filen.").format(column=missing[0]))


def cell_text(value) -> str:
    """A cell as trimmed text; a number cell read as a float ("9001.0") loses its ".0"."""
    text = "" if is_blank(value) else str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def masked(number: str) -> str:
    """A personal identity number as a row error shows it: the last four digits only."""
    return "****" + number[-4:] if len(number) > 4 else number


class RowErrors:
    """Row errors with the file's own row numbers (a table's rows are indexed by their
    0-based row in the file)."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, str]] = []
        self.rows: set = set()

    def add(self, index, kind: str, value="") -> None:
        if index in self.rows:  # one message per row: the first problem found
            return
        self.rows.add(index)
        self.items.append((int(index) + 1, str(kind), str(value)[:80]))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(sorted(self.items), columns=ERROR_COLUMNS)


def first_column(rows: pd.DataFrame, mapping: Mapping, name: str) -> pd.Series | None:
    names = mapping.columns.get(name)
    return rows[names[0]] if names else None


def text_values(rows, mapping, name, limit: int | None = 80) -> pd.Series:
    """A text column, trimmed (and cut at `limit`); blank cells are None. Text is never
    read as missing: "NA" is a programme."""
    column = first_column(rows, mapping, name)
    if column is None:
        return pd.Series(None, index=rows.index, dtype=object)
    return column.map(lambda v: None if is_blank(v) else str(v).strip()[:limit])


def require_values(rows, mapping, name, label: str, errors: RowErrors) -> None:
    """A blank cell in a column the row cannot do without is a row error."""
    column = first_column(rows, mapping, name)
    if column is None:
        return
    for index in column.index[column.map(is_blank).to_numpy(dtype=bool)]:
        errors.add(index, MISSING, label)


def parsed_values(rows, mapping, name, parser, errors: RowErrors,
            required: str | None = None) -> pd.Series:
    column = first_column(rows, mapping, name)
    if column is None:
        return pd.Series(None, index=rows.index, dtype=object)
    if required:
        require_values(rows, mapping, name, required, errors)
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


def personal_numbers(rows, mapping, errors: RowErrors) -> pd.Series:
    cache: dict[str, str | None] = {}

    def number(index, value):
        text = cell_text(value)
        if text not in cache:
            try:
                cache[text] = normalize(text)
            except (InvalidPersonalNumber, ValueError):
                cache[text] = None
        if cache[text] is None:
            errors.add(index, BAD_NUMBER if text else MISSING, masked(text))
        return cache[text]
    column = first_column(rows, mapping, "personal_number")
    return pd.Series([number(i, v) for i, v in column.items()], index=rows.index, dtype=object)


def _school_lookup(session) -> dict[str, int]:
    lookup = {}
    for school_id, code, name in session.execute(select(School.id, School.unit_code,
                                                        School.name)):
        lookup[code] = school_id
        lookup[name.strip().lower()] = school_id
    return lookup


def school_ids(session, rows, mapping, school_id, errors: RowErrors) -> pd.Series:
    column = first_column(rows, mapping, "school")
    if column is None:
        if session.get(School, school_id) is None:
            raise InputError(_("Välj en skola."))
        return pd.Series(school_id, index=rows.index)
    lookup = _school_lookup(session)

    def school(index, value):
        text = cell_text(value)
        found = lookup.get(text) or lookup.get(text.lower())
        if found is None:
            if school_id is not None and not text:
                return school_id
            errors.add(index, UNKNOWN_SCHOOL if text else MISSING, text or _("skola"))
        return found
    return pd.Series([school(i, v) for i, v in column.items()], index=rows.index, dtype=object)


def known_students(session, viewer: Viewer, numbers: pd.Series,
              errors: RowErrors | None) -> dict[str, int]:
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
            errors.add(index, UNKNOWN_STUDENT, masked(number))
        elif viewer.role == Role.COACH and found[number][1] not in viewer.municipality_ids:
            errors.add(index, OUT_OF_SCOPE, masked(number))
    return {n: sid for n, (sid, home) in found.items()
            if viewer.role != Role.COACH or home in viewer.municipality_ids}
