"""Measures agreed for a student: owner, dates, status, outcome and follow-ups, and the
absence before and after each one."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import MeasureKind, MeasureOwner, MeasureStatus
from data_models.models import (
    Measure,
    MeasureFollowUp,
    Meeting,
    School,
    Student,
    StudentWeekSummary,
    User,
)
from lib import analytics, summaries
from lib.access import (
    AccessDenied,
    Viewer,
    absence_clause,
    meeting_clause,
    require_individual_access,
    require_student,
    student_clause,
)
from lib.analytics import EFFECT_WEEKS
from lib.audit import log_event, log_view
from lib.clock import utcnow
from lib.frames import read_frame
from lib.students import names
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

KINDS = {
    MeasureKind.MI: "Motiverande samtal (MI)",
    MeasureKind.STRUCTURE: "Strukturstöd (väckning, påminnelser)",
    MeasureKind.ACTION_PLAN: "Uppföljning av handlingsplan",
    MeasureKind.SOCIAL_SERVICES: "Kontakt med socialtjänsten",
    MeasureKind.BUP: "Remiss till BUP",
    MeasureKind.YOUTH_CLINIC: "Ungdomsmottagningen",
    MeasureKind.OTHER_ACTOR: "Annan aktör",
    MeasureKind.ADJUSTMENTS: "Anpassningar i skolan",
    MeasureKind.OTHER: "Annat",
}
OWNERS = {MeasureOwner.SCHOOL: "Skolan", MeasureOwner.COACH: "Ungdomscoachen",
          MeasureOwner.PERSON: "Namngiven person"}
STATUSES = {MeasureStatus.PLANNED: "Planerad", MeasureStatus.ONGOING: "Pågår",
            MeasureStatus.DONE: "Genomförd", MeasureStatus.STOPPED: "Avbruten"}
OPEN = (MeasureStatus.PLANNED, MeasureStatus.ONGOING)
DUE_WITHIN = dt.timedelta(days=14)  # "due": follow-up within two weeks


def add_measure(session: Session, viewer: Viewer, student_id: int, *, kind: str,
                owner_kind: str, start_date: dt.date | None, follow_up_date: dt.date | None,
                description: str = "", owner_name: str = "", owner_user_id: int | None = None,
                meeting_id: int | None = None, school_id: int | None = None) -> int:
    require_student(session, viewer, student_id)
    values = _checked(kind=kind, owner_kind=owner_kind, owner_name=owner_name,
                      owner_user_id=owner_user_id, start_date=start_date,
                      follow_up_date=follow_up_date, description=description)
    if meeting_id is not None:
        meeting = session.scalars(select(Meeting).where(Meeting.id == meeting_id,
                                                        meeting_clause(viewer))).first()
        if meeting is None:
            raise AccessDenied("Mötet finns inte, eller så har du inte behörighet att se det.",
                               viewer=viewer, what="meeting", what_id=meeting_id)
        school_id = meeting.school_id
    measure = Measure(student_id=student_id, meeting_id=meeting_id, school_id=school_id,
                      status=MeasureStatus.PLANNED, created_by=viewer.user_id, created_at=utcnow(),
                      version=1, **values)
    session.add(measure)
    session.flush()
    summaries.refresh_effects(session, [student_id])
    log_event(session, viewer, "create", "measure", measure.id, student_id=student_id,
              after={"kind": kind, "follow_up_date": values["follow_up_date"].isoformat()})
    return measure.id


def _checked(*, kind, owner_kind, owner_name, owner_user_id, start_date, follow_up_date,
             description) -> dict:
    if kind not in KINDS:
        raise InputError("Välj en åtgärd ur listan.")
    if owner_kind not in OWNERS:
        raise InputError("Välj vem som ansvarar för åtgärden.")
    owner_name = clean_text("Ansvarig", owner_name, MAX_LINE,
                            required=owner_kind == MeasureOwner.PERSON and owner_user_id is None)
    if start_date is None or follow_up_date is None:
        raise InputError("Ange startdatum och uppföljningsdatum.")
    if follow_up_date < start_date:
        raise InputError("Uppföljningsdatumet kan inte ligga före startdatumet.")
    return {"kind": kind, "owner_kind": owner_kind, "owner_name": owner_name,
            "owner_user_id": owner_user_id, "start_date": start_date,
            "follow_up_date": follow_up_date,
            "description": clean_text("Beskrivningen", description)}


def _measure(session: Session, viewer: Viewer, measure_id: int) -> Measure:
    require_individual_access(viewer)
    measure = session.scalars(
        select(Measure).join(Student, Student.id == Measure.student_id)
        .where(Measure.id == measure_id, student_clause(viewer))
        .execution_options(populate_existing=True)).first()
    if measure is None:
        raise AccessDenied("Åtgärden finns inte, eller så har du inte behörighet att se den.",
                           viewer=viewer, what="measure", what_id=measure_id)
    return measure


def update_measure(session: Session, viewer: Viewer, measure_id: int, expected_version: int,
                   *, status: str, outcome: str | None = None, stop_reason: str = "",
                   follow_up_date: dt.date | None = None) -> int:
    """Change status, outcome or follow-up date (None keeps what is stored). Stopping
    needs a reason. Raises Conflict when someone else saved since `expected_version`."""
    measure = _measure(session, viewer, measure_id)
    if status not in STATUSES:
        raise InputError("Välj en status ur listan.")
    stopped = status == MeasureStatus.STOPPED
    stop_reason = clean_text("Skälet", stop_reason, required=stopped)
    follow_up = follow_up_date or measure.follow_up_date
    if follow_up < measure.start_date:
        raise InputError("Uppföljningsdatumet kan inte ligga före startdatumet.")
    outcome = measure.outcome if outcome is None else outcome
    changes = {"status": status, "outcome": clean_text("Utfallet", outcome),
               "stop_reason": stop_reason if stopped else "",
               "follow_up_date": follow_up}
    before, version = save_versioned(session, Measure, measure_id, expected_version, changes,
                                     viewer.user_id)
    log_event(session, viewer, "update", "measure", measure_id, student_id=measure.student_id,
              before={k: str(v) for k, v in before.items()},
              after={k: str(v) for k, v in changes.items()})
    return version


def add_follow_up(session: Session, viewer: Viewer, measure_id: int, date: dt.date | None,
                  text: str) -> int:
    measure = _measure(session, viewer, measure_id)
    if date is None:
        raise InputError("Ange datum för uppföljningen.")
    if date < measure.start_date:
        raise InputError("Uppföljningen kan inte ligga före åtgärdens startdatum.")
    entry = MeasureFollowUp(measure_id=measure_id, date=date,
                            text=clean_text("Uppföljningen", text, required=True),
                            user_id=viewer.user_id, created_at=utcnow())
    session.add(entry)
    session.flush()
    log_event(session, viewer, "create", "measure_follow_up", entry.id,
              student_id=measure.student_id)
    return entry.id


def follow_ups(session: Session, viewer: Viewer, measure_id: int) -> pd.DataFrame:
    _measure(session, viewer, measure_id)
    return read_frame(session,
        select(MeasureFollowUp.date, User.display_name, MeasureFollowUp.text)
        .join(User, User.id == MeasureFollowUp.user_id)
        .where(MeasureFollowUp.measure_id == measure_id).order_by(MeasureFollowUp.date),
        ["Datum", "Av", "Uppföljning"])


MEASURE_COLUMNS = ["id", "student_id", "version", "Elev", "Åtgärd", "Beskrivning", "Ansvarig",
                   "Start", "Uppföljning", "Status", "Läge", "Utfall", "Skola"]


def list_measures(session: Session, viewer: Viewer, today: dt.date, **filters) -> pd.DataFrame:
    """The measures page's list (measure_rows), with the view in the audit log."""
    table = measure_rows(session, viewer, today, **filters)
    log_view(session, viewer, "view_measures", "measure", note=f"{len(table)} åtgärder, "
             f"{table['student_id'].nunique()} elever")
    return table


def measure_rows(session: Session, viewer: Viewer, today: dt.date, *,
                 student_id: int | None = None, mine: bool = False,
                 school_id: int | None = None, municipality_id: int | None = None,
                 meeting_id: int | None = None, open_only: bool = False) -> pd.DataFrame:
    """Measures in scope, each with its state against `today`: "Försenad" (follow-up date
    passed, still open), "Snart" (follow-up within two weeks) or "". For services that
    show them as part of a view they log themselves."""
    require_individual_access(viewer)
    owner = (select(User.display_name).where(User.id == Measure.owner_user_id)
             .correlate(Measure).scalar_subquery())
    query = (select(Measure.id, Measure.student_id, Measure.version, Student.first_name,
                    Student.last_name, Student.protected_identity, Measure.kind,
                    Measure.description, Measure.owner_kind, Measure.owner_name, owner,
                    Measure.start_date, Measure.follow_up_date, Measure.status,
                    Measure.outcome, Measure.stop_reason, School.name)
             .join(Student, Student.id == Measure.student_id)
             .outerjoin(School, School.id == Measure.school_id)
             .where(student_clause(viewer))
             .order_by(Measure.follow_up_date, Measure.id))
    if student_id is not None:
        query = query.where(Measure.student_id == student_id)
    if mine:
        query = query.where(or_(Measure.owner_user_id == viewer.user_id,
                                Measure.created_by == viewer.user_id))
    for column, value in ((Measure.school_id, school_id), (Measure.meeting_id, meeting_id),
                          (Student.home_municipality_id, municipality_id)):
        if value is not None:
            query = query.where(column == value)
    if open_only:
        query = query.where(Measure.status.in_(OPEN))
    frame = read_frame(session, query, [
        "id", "student_id", "version", "first", "last", "protected", "kind", "description",
        "owner_kind", "owner_name", "owner_user", "start", "follow_up", "status", "outcome",
        "stop_reason", "school"])
    return pd.DataFrame({
        "id": frame["id"], "student_id": frame["student_id"], "version": frame["version"],
        "Elev": names(frame),
        "Åtgärd": frame["kind"].map(KINDS), "Beskrivning": frame["description"],
        "Ansvarig": [_owner(*r) for r in zip(frame["owner_kind"], frame["owner_name"],
                                             frame["owner_user"], strict=True)],
        "Start": frame["start"], "Uppföljning": frame["follow_up"],
        "Status": frame["status"].map(STATUSES),
        "Läge": [state(s, f, today) for s, f in zip(frame["status"], frame["follow_up"],
                                                     strict=True)],
        "Utfall": [o if s != MeasureStatus.STOPPED else f"Avbruten: {r}. {o}".strip()
                   for o, s, r in zip(frame["outcome"], frame["status"], frame["stop_reason"],
                                      strict=True)],
        "Skola": frame["school"].fillna(""),
    }, columns=MEASURE_COLUMNS)


def state(status: str, follow_up: dt.date, today: dt.date) -> str:
    if status not in OPEN:
        return ""
    if follow_up < today:
        return "Försenad"
    return "Snart" if follow_up <= today + DUE_WITHIN else ""


def _owner(kind: str, name: str, user: str | None) -> str:
    label = user or name
    if kind == MeasureOwner.PERSON:
        return label
    return f"{OWNERS[kind]} ({label})" if label else OWNERS[kind]


def before_and_after(session: Session, viewer: Viewer, student_id: int,
                     measures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per measure of the student (`measures`, the student's measure_rows, read when
    not given): absence in the EFFECT_WEEKS weeks before the week the measure started, and
    in the EFFECT_WEEKS weeks after it (the start week itself is in neither), with the
    change in percentage points."""
    require_student(session, viewer, student_id)
    weekly = read_frame(session,
        select(StudentWeekSummary.iso_year, StudentWeekSummary.iso_week,
               func.sum(StudentWeekSummary.scheduled), func.sum(StudentWeekSummary.absent))
        .where(StudentWeekSummary.student_id == student_id,
               absence_clause(viewer, StudentWeekSummary))
        .group_by(StudentWeekSummary.iso_year, StudentWeekSummary.iso_week),
        ["iso_year", "iso_week", "scheduled", "absent"])
    weekly["monday"] = analytics.mondays(weekly) if not weekly.empty else []
    if measures is None:
        measures = measure_rows(session, viewer, dt.date.today(), student_id=student_id)
    windows = analytics.measure_windows(weekly.assign(student_id=student_id),
                                        measures[["student_id", "Start"]]
                                        .rename(columns={"Start": "start"}))
    before, after = _plain(windows["before"]), _plain(windows["after"])
    return pd.DataFrame({
        "Åtgärd": measures["Åtgärd"].tolist(), "Start": measures["Start"].tolist(),
        "Före": before, "Efter": after,
        "Förändring (p.e.)": [None if b is None or a is None else (a - b) * 100
                              for b, a in zip(before, after, strict=True)],
    }, columns=["Åtgärd", "Start", "Före", "Efter", "Förändring (p.e.)"])


def window_shares(weekly: pd.DataFrame, start: dt.date,
                  weeks: int = EFFECT_WEEKS) -> tuple[float | None, float | None]:
    """One measure's windows (see analytics.measure_windows), from weekly rows with monday,
    scheduled and absent: the shares before and after, None where a window is empty."""
    windows = analytics.measure_windows(weekly.assign(student_id=0),
                                        pd.DataFrame({"student_id": [0], "start": [start]}),
                                        weeks)
    before, after = _plain(windows["before"]) + _plain(windows["after"])
    return before, after


def _plain(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in values]


def measure_markers(frame: pd.DataFrame) -> pd.DataFrame:
    """The start of each measure in measure_rows as a marker (label, iso_year,
    iso_week) for the chart."""
    weeks = [s.isocalendar() for s in frame["Start"]]
    return pd.DataFrame({"label": frame["Åtgärd"].str.split(" ").str[0],
                         "iso_year": [w.year for w in weeks],
                         "iso_week": [w.week for w in weeks]})

