"""Absence exports: check every row of a day, lesson or period export, then write the valid
rows in one transaction with the batch, the replacement of the same days or period at the
same school (moved to an archive, so undo can put it back) and the summary refresh."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from data_models.bulk import insert_rows
from data_models.engine import analyze
from data_models.models import (
    AbsencePeriod,
    AbsenceRecord,
    ImportBatch,
    ReplacedAbsence,
    Term,
)
from lib import alerts, summaries
from lib.access import Viewer
from lib.audit import log_event
from lib.clock import utcnow
from lib.i18n import N_, _
from lib.importing.checks import (
    BAD_VALUE,
    CHUNK,
    DUPLICATE,
    NEGATIVE,
    OUTSIDE_TERM,
    TOO_MUCH,
    Preview,
    ProgressFn,
    RowErrors,
    file_notes,
    known_students,
    no_progress,
    parsed_values,
    personal_numbers,
    require_columns,
    require_importer,
    require_rows,
    require_values,
    same_file_warnings,
    school_ids,
    text_values,
)
from lib.importing.files import Table
from lib.importing.layouts import DURATIONS, SOURCE_DURATIONS, Mapping
from lib.importing.school_choice import school_mismatch
from lib.importing.values import (
    BadValue,
    as_hours_minutes,
    is_hours_minutes,
    parse_date,
    parse_percent,
    parse_time,
    to_minutes,
)
from lib.versioning import InputError


def preview_absence(session: Session, viewer: Viewer, table: Table, mapping: Mapping,
                    school_id: int | None = None,
                    period: tuple[dt.date, dt.date] | None = None) -> Preview:
    """Read every row with the mapping and say what is wrong with each. Nothing is written.
    With a date column the rows are days or lessons; without one they are a period, from
    the period columns or `period`."""
    require_importer(viewer)
    _check_absence_mapping(mapping, table, school_id, period)
    rows, errors = table.rows, RowErrors()
    dated = "date" in mapping.columns
    frame = _read_columns(session, viewer, rows, mapping, school_id, period, errors)
    frame = _check_rows(session, frame, dated, errors)
    chosen = school_id if "school" not in mapping.columns else None
    return Preview(kind="absence" if dated else "period", file_name=table.file_name,
                   file_hash=table.file_hash, school_id=school_id, rows_read=len(rows),
                   dropped_totals=table.dropped_totals, valid=frame.reset_index(drop=True),
                   errors=errors.frame(), notes=file_notes(table),
                   warnings=(*same_file_warnings(session, viewer, table.file_hash),
                             *_unit_hints(rows, mapping)),
                   school_mismatch=school_mismatch(session, frame, chosen, dated),
                   unreported_known=bool({"unreported", "reported"} & set(mapping.columns)))


def _read_columns(session, viewer: Viewer, rows: pd.DataFrame, mapping: Mapping,
                  school_id: int | None, period, errors: RowErrors) -> pd.DataFrame:
    """Each row as the mapping reads it; the rows with a value that cannot be read (or an
    unknown student or school) are left out as row errors."""
    frame = pd.DataFrame(index=rows.index)
    frame["personal_number"] = personal_numbers(rows, mapping, errors)
    students = known_students(session, viewer, frame["personal_number"], errors)
    frame["student_id"] = frame["personal_number"].map(students)
    frame["school_id"] = school_ids(session, rows, mapping, school_id, errors)
    if "date" in mapping.columns:
        frame["date"] = parsed_values(rows, mapping, "date", parse_date, errors,
                                      required=_("datum"))
        frame["lesson_start"] = parsed_values(rows, mapping, "lesson_start", parse_time,
                                              errors)
    else:
        frame["start_date"], frame["end_date"] = _period(rows, mapping, period, errors)
    frame["course"] = text_values(rows, mapping, "course")
    require_values(rows, mapping, "scheduled", _("schemalagd tid"), errors)
    for name, values in _durations(rows, mapping, errors).items():
        frame[name] = values
    return frame[~frame.index.isin(errors.rows)]


def _check_rows(session, frame: pd.DataFrame, dated: bool,
                errors: RowErrors) -> pd.DataFrame:
    """The rows that could be read, without duplicates, with their minutes checked and
    their term; a period export's per-course rows are summed per student."""
    keys = ["student_id", "school_id", "course",
            *(["date", "lesson_start"] if dated else ["start_date", "end_date"])]
    for index in frame.index[frame.duplicated(subset=keys, keep="first")]:
        errors.add(index, DUPLICATE)
    frame = frame[~frame.index.isin(errors.rows)]
    if not dated:  # per-course rows of a period export: one row per student
        frame = _sum_courses(frame)
    frame = _check_minutes(frame, errors)
    frame["term_id"] = _terms(session, frame, dated, errors)
    return frame[~frame.index.isin(errors.rows)]


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
                hints.append(_("Kolumnen «{column}»: «{value}» ser ut som timmar:minuter — "
                               "välj enheten timmar.").format(
                                   column=column, value=as_hours_minutes(example)))
    return tuple(hints)


def _check_absence_mapping(mapping, table, school_id, period) -> None:
    require_columns(mapping, table)
    columns = mapping.columns
    if "personal_number" not in columns:
        raise InputError(_("Välj kolumnen med personnummer."))
    if "scheduled" not in columns:
        raise InputError(_("Välj kolumnen med schemalagd tid: utan den går frånvaron inte "
                           "att räkna som andel."))
    if not ({"valid", "invalid"} & set(columns)):
        raise InputError(_("Välj kolumnen med giltig eller ogiltig frånvaro (eller båda)."))
    if {"unreported", "reported"} <= set(columns):
        raise InputError(_("Välj antingen ej rapporterad tid eller rapporterad tid, inte "
                           "båda."))
    if len({"absent", "valid", "invalid"} & set(columns)) < 2:
        raise InputError(_("Välj två av kolumnerna frånvaro totalt, giltig och ogiltig "
                           "frånvaro, så att båda slagen av frånvaro blir kända."))
    if "school" not in columns and school_id is None:
        raise InputError(_("Välj skola, eller kolumnen med skolenhetskod."))
    if "date" not in columns and period is None and not {"start_date", "end_date"} <= set(
            columns):
        raise InputError(_("Filen har ingen datumkolumn: ange periodens första och sista "
                           "dag."))
    if period is not None and period[1] < period[0]:
        raise InputError(_("Periodens sista dag ligger före den första."))
    if mapping.units.get("scheduled") == "percent":
        raise InputError(_("Schemalagd tid kan inte anges i procent."))


def _period(rows, mapping, period, errors):
    if {"start_date", "end_date"} <= set(mapping.columns):
        return (parsed_values(rows, mapping, "start_date", parse_date, errors,
                        required=_("periodens första dag")),
                parsed_values(rows, mapping, "end_date", parse_date, errors,
                        required=_("periodens sista dag")))
    start, end = period
    return (pd.Series(start, index=rows.index, dtype=object),
            pd.Series(end, index=rows.index, dtype=object))


def _durations(rows, mapping: Mapping, errors: RowErrors) -> dict[str, pd.Series]:
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


def _convert(values: pd.Series, parser, errors: RowErrors) -> pd.Series:
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


def _check_minutes(frame: pd.DataFrame, errors: RowErrors) -> pd.DataFrame:
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
        errors.add(index, TOO_MUCH, _("{absent} av {scheduled} min").format(
            absent=row["absent"], scheduled=row["scheduled"]))
    return frame[~frame.index.isin(errors.rows)]


def _terms(session, frame: pd.DataFrame, dated: bool, errors: RowErrors) -> pd.Series:
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


DAY_COLUMNS = ["student_id", "school_id", "date", "lesson_start", "course", "scheduled_minutes",
               "absent_minutes", "valid_minutes", "invalid_minutes", "unreported_minutes",
               "iso_year", "iso_week", "weekday", "term_id", "batch_id"]
PERIOD_COLUMNS = ["student_id", "school_id", "term_id", "start_date", "end_date",
                  "scheduled_minutes", "absent_minutes", "valid_minutes", "invalid_minutes",
                  "unreported_minutes", "batch_id"]


SCHOOL_UNCONFIRMED = N_("De flesta eleverna i filen är inte inskrivna vid den valda skolan. "
                        "Kontrollera skolan och bekräfta den innan filen läses in.")


def commit_absence(session: Session, viewer: Viewer, preview: Preview,
                   mapping: Mapping | None = None, progress: ProgressFn = no_progress,
                   school_confirmed: bool = False) -> int:
    """Write the valid rows of a preview, all in the caller's transaction: the batch, the
    replacement of the same days or period at the same school, the rows, the summaries.
    A file whose students are mostly not at the chosen school needs `school_confirmed`."""
    require_importer(viewer)
    require_rows(preview)
    if preview.school_mismatch is not None and not school_confirmed:
        raise InputError(_(SCHOOL_UNCONFIRMED))
    if preview.kind not in ("absence", "period"):
        raise ValueError(f"not an absence preview: {preview.kind}")
    frame = preview.valid
    watch = alerts.watch_import(session, frame, preview.kind == "absence")  # before writing
    batch = _new_batch(session, viewer, preview, mapping)
    progress(0.1, _("Ersätter tidigare inläsning av samma period …"))
    replaced, touched_terms = _replace(session, batch.id, frame, preview.kind == "absence")
    batch.replaced_count = replaced
    progress(0.3, _("Skriver raderna …"))
    _write_rows(session, batch.id, preview)
    progress(0.6, _("Uppdaterar sammanställningarna …"))
    analyze(session, sqlite_only=True)  # the new rows shape the refresh's plans
    students = set(frame["student_id"].astype(int)) | _replaced_students(session, batch.id)
    summaries.refresh(session, set(frame["term_id"].astype(int)) | touched_terms, students)
    alerts.alert_import(session, watch, batch.id)  # new crossings, in this transaction
    log_event(session, viewer, "import", "import_batch", batch.id,
              after={"rows": len(frame), "skipped": len(preview.errors), "replaced": replaced},
              note=preview.file_name[:200])
    progress(1.0, _("Klart."))
    return batch.id


def _new_batch(session, viewer: Viewer, preview: Preview, mapping: Mapping | None) -> ImportBatch:
    batch = ImportBatch(kind=preview.kind, file_name=preview.file_name[:255],
                        file_hash=preview.file_hash, user_id=viewer.user_id, created_at=utcnow(),
                        row_count=len(preview.valid), school_id=preview.school_id,
                        skipped_count=len(preview.errors),
                        details={"errors": preview.counts,
                                 "mapping": mapping.to_json() if mapping else None,
                                 # Stored as 0 minutes when unknown: the schema has no
                                 # "not reported" yet; this says which batches are so.
                                 "unreported_known": preview.unreported_known})
    session.add(batch)
    session.flush()
    return batch


def _write_rows(session, batch_id: int, preview: Preview) -> None:
    """The day or lesson rows, or the periods (COPY on PostgreSQL)."""
    frame = preview.valid
    ints = {name: frame[name].astype(int).tolist() for name in (
        "student_id", "school_id", "term_id", *DURATIONS)}
    if not preview.unreported_known:  # the file says nothing of it: not 0, but unknown
        ints["unreported"] = [None] * len(frame)
    batch_ids = [batch_id] * len(frame)
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
