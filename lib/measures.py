"""Measures agreed for a student: owner, dates, status, outcome and follow-ups, and the
absence before and after each one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

# Re-exported: pages name the codes without the data layer.
from data_models.codes import FollowUpState, MeasureKind, MeasureOwner, MeasureStatus
from data_models.models import (
    ActionPlan,
    Measure,
    MeasureFollowUp,
    Meeting,
    School,
    Student,
    StudentWeekSummary,
    User,
)
from lib import analytics, summaries
from lib import restricted as restricted_records
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
from lib.clock import local_today, utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.students import names
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

OPEN = (MeasureStatus.PLANNED, MeasureStatus.ONGOING)
DUE_WITHIN = dt.timedelta(days=14)  # "due": follow-up within two weeks


def add_measure(session: Session, viewer: Viewer, student_id: int, *, kind: str,
                owner_kind: str, start_date: dt.date | None, follow_up_date: dt.date | None,
                description: str = "", owner_name: str = "", owner_user_id: int | None = None,
                meeting_id: int | None = None, school_id: int | None = None,
                restricted: bool = False, readers: Iterable[int] = ()) -> int:
    """A new measure; `restricted` ones are read only by the author and the `readers`
    named (lib.restricted)."""
    require_student(session, viewer, student_id)
    values = _checked(kind=kind, owner_kind=owner_kind, owner_name=owner_name,
                      owner_user_id=owner_user_id, start_date=start_date,
                      follow_up_date=follow_up_date, description=description)
    if meeting_id is not None:
        meeting = session.scalars(select(Meeting).where(Meeting.id == meeting_id,
                                                        meeting_clause(viewer))).first()
        if meeting is None:
            raise AccessDenied(
                _("Mötet finns inte, eller så har du inte behörighet att se det."),
                viewer=viewer, what="meeting", what_id=meeting_id)
        school_id = meeting.school_id
    measure = Measure(student_id=student_id, meeting_id=meeting_id, school_id=school_id,
                      plan_id=_followed_plan(session, student_id, kind),
                      status=MeasureStatus.PLANNED, created_by=viewer.user_id, created_at=utcnow(),
                      version=1, restricted=bool(restricted), **values)
    session.add(measure)
    session.flush()
    if restricted:
        restricted_records.name_readers(session, viewer, student_id, Measure, measure.id,
                                        readers)
    summaries.refresh_effects(session, [student_id])
    log_event(session, viewer, "create", "measure", measure.id, student_id=student_id,
              after={"kind": kind, "follow_up_date": values["follow_up_date"].isoformat(),
                     **({"restricted": True} if restricted else {})})
    return measure.id


def _followed_plan(session: Session, student_id: int, kind: str) -> int | None:
    """A follow-up of an action plan follows a real one: the student's latest open plan,
    which the measure then carries (Measure.plan_id); other kinds carry none yet."""
    if kind != MeasureKind.ACTION_PLAN:
        return None
    plan_id = session.scalar(
        select(ActionPlan.id).where(ActionPlan.student_id == student_id,
                                    ActionPlan.closed_on.is_(None))
        .order_by(ActionPlan.start_date.desc(), ActionPlan.id.desc()).limit(1))
    if plan_id is None:
        raise InputError(_("Uppföljning av handlingsplan följer upp en öppen handlingsplan. "
                           "Skriv planen först, under Handlingsplaner på elevens sida."))
    return plan_id


def _checked(*, kind, owner_kind, owner_name, owner_user_id, start_date, follow_up_date,
             description) -> dict:
    if kind not in set(MeasureKind):
        raise InputError(_("Välj en åtgärd ur listan."))
    if owner_kind not in set(MeasureOwner):
        raise InputError(_("Välj vem som ansvarar för åtgärden."))
    named = owner_kind == MeasureOwner.PERSON and owner_user_id is None
    if named and not (owner_name or "").strip():
        # Its own sentence: "Ansvarig" as a field name reads badly in English.
        raise InputError(_("Fyll i ansvarig."))
    owner_name = clean_text(N_("Ansvarig"), owner_name, MAX_LINE)
    if start_date is None or follow_up_date is None:
        raise InputError(_("Ange startdatum och uppföljningsdatum."))
    if follow_up_date < start_date:
        raise InputError(_("Uppföljningsdatumet kan inte ligga före startdatumet."))
    return {"kind": kind, "owner_kind": owner_kind, "owner_name": owner_name,
            "owner_user_id": owner_user_id, "start_date": start_date,
            "follow_up_date": follow_up_date,
            "description": clean_text(N_("Beskrivningen"), description)}


def _measure(session: Session, viewer: Viewer, measure_id: int) -> Measure:
    require_individual_access(viewer)
    found = session.execute(
        select(Measure, restricted_records.shown_column(viewer, Measure))
        .join(Student, Student.id == Measure.student_id)
        .where(Measure.id == measure_id, student_clause(viewer))
        .execution_options(populate_existing=True)).first()
    if found is None:
        raise AccessDenied(
            _("Åtgärden finns inte, eller så har du inte behörighet att se den."),
            viewer=viewer, what="measure", what_id=measure_id)
    measure, readable = found
    if not readable:
        raise restricted_records.refused(viewer, Measure, measure_id)
    return measure


def update_measure(session: Session, viewer: Viewer, measure_id: int, expected_version: int,
                   *, status: str, outcome: str | None = None, stop_reason: str = "",
                   follow_up_date: dt.date | None = None) -> int:
    """Change status, outcome or follow-up date (None keeps what is stored). Stopping
    needs a reason. Raises Conflict when someone else saved since `expected_version`."""
    measure = _measure(session, viewer, measure_id)
    if status not in set(MeasureStatus):
        raise InputError(_("Välj en status ur listan."))
    stopped = status == MeasureStatus.STOPPED
    stop_reason = clean_text(N_("Skälet"), stop_reason, required=stopped)
    follow_up = follow_up_date or measure.follow_up_date
    if follow_up < measure.start_date:
        raise InputError(_("Uppföljningsdatumet kan inte ligga före startdatumet."))
    outcome = measure.outcome if outcome is None else outcome
    changes = {"status": status, "outcome": clean_text(N_("Utfallet"), outcome),
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
        raise InputError(_("Ange datum för uppföljningen."))
    if date < measure.start_date:
        raise InputError(_("Uppföljningen kan inte ligga före åtgärdens startdatum."))
    entry = MeasureFollowUp(measure_id=measure_id, date=date,
                            text=clean_text(N_("Uppföljningen"), text, required=True),
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
        ["date", "by", "follow_up_note"])


MEASURE_COLUMNS = ["id", "student_id", "version", "student", "measure_kind", "description",
                   "owner_kind", "owner", "start", "follow_up", "measure_status",
                   "follow_up_state", "outcome", "stop_reason", "school", "restricted",
                   "hidden"]


def list_measures(session: Session, viewer: Viewer, today: dt.date, **filters) -> pd.DataFrame:
    """The measures page's list (measure_rows), with the view in the audit log."""
    table = measure_rows(session, viewer, today, **filters)
    log_view(session, viewer, "view_measures", "measure", note=f"{len(table)} åtgärder, "
             f"{table['student_id'].nunique()} elever")
    return table


def measure_rows(session: Session, viewer: Viewer, today: dt.date, *,
                 student_id: int | None = None, mine: bool = False,
                 school_id: int | None = None, municipality_id: int | None = None,
                 meeting_id: int | None = None, open_only: bool = False,
                 shared: bool = False) -> pd.DataFrame:
    """Measures in scope, each with its follow_up_state against `today` (overdue: the
    follow-up date passed, still open; soon: follow-up within two weeks). Who is
    responsible is owner_kind (a code) and owner (the named person or user, "" when
    none). A restricted measure the viewer may not read — in a `shared` document (minutes,
    visit pack, the meeting screen) every restricted one — is `hidden`: its description and
    its measure_kind are the placeholder, and its owner, outcome and reason are empty
    (lib.restricted). For
    services that show them as part of a view they log themselves."""
    require_individual_access(viewer)
    owner = (select(User.display_name).where(User.id == Measure.owner_user_id)
             .correlate(Measure).scalar_subquery())
    query = (select(Measure.id, Measure.student_id, Measure.version, Student.first_name,
                    Student.last_name, Student.protected_identity, Measure.kind,
                    Measure.description, Measure.owner_kind, Measure.owner_name, owner,
                    Measure.start_date, Measure.follow_up_date, Measure.status,
                    Measure.outcome, Measure.stop_reason, School.name, Measure.restricted,
                    restricted_records.shown_column(viewer, Measure, shared=shared),
                    restricted_records.author_column(Measure))
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
        "stop_reason", "school", "restricted", "shown", "author"])
    frame = restricted_records.hide(frame, frame["shown"], frame["author"], frame["start"],
                                    ["description", "kind"], ["owner_name", "owner_user",
                                                              "outcome", "stop_reason"],
                                    ["owner_kind"])
    return pd.DataFrame({
        "id": frame["id"], "student_id": frame["student_id"], "version": frame["version"],
        "student": names(frame), "measure_kind": frame["kind"],
        "description": frame["description"], "owner_kind": frame["owner_kind"],
        "owner": [_owner(user, name) for user, name in zip(frame["owner_user"],
                                                           frame["owner_name"], strict=True)],
        "start": frame["start"], "follow_up": frame["follow_up"],
        "measure_status": frame["status"],
        "follow_up_state": [state(s, f, today) for s, f in zip(frame["status"],
                                                                frame["follow_up"], strict=True)],
        "outcome": frame["outcome"], "stop_reason": frame["stop_reason"],
        "school": frame["school"].fillna(""),
        "restricted": frame["restricted"].astype(bool),
        "hidden": ~frame["shown"].astype(bool),
    }, columns=MEASURE_COLUMNS)


def _owner(user: str | None, name: str | None) -> str:
    """The named owner: the user chosen, else the name typed, else "". A column of user
    names with gaps holds NaN there, which is truthy."""
    for value in (user, name):
        if isinstance(value, str) and value:
            return value
    return ""


def state(status: str, follow_up: dt.date, today: dt.date) -> FollowUpState:
    if status not in OPEN:
        return FollowUpState.NONE
    if follow_up < today:
        return FollowUpState.OVERDUE
    return FollowUpState.SOON if follow_up <= today + DUE_WITHIN else FollowUpState.NONE


@dataclass(frozen=True)
class FollowUpCounts:
    """What the measures page counts: overdue, due within two weeks, and still open."""

    overdue: int
    soon: int
    open: int


def follow_up_counts(measures: pd.DataFrame) -> FollowUpCounts:
    """The counts of a measure_rows table."""
    states = measures["follow_up_state"]
    return FollowUpCounts(overdue=int((states == FollowUpState.OVERDUE).sum()),
                          soon=int((states == FollowUpState.SOON).sum()),
                          open=int(measures["measure_status"].isin(OPEN).sum()))


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
        measures = measure_rows(session, viewer, local_today(), student_id=student_id)
    windows = analytics.measure_windows(weekly.assign(student_id=student_id),
                                        measures[["student_id", "start"]])
    before, after = _plain(windows["before"]), _plain(windows["after"])
    return pd.DataFrame({
        "measure_kind": measures["measure_kind"].tolist(), "start": measures["start"].tolist(),
        "absence_before": before, "absence_after": after,
        "absence_change": [None if b is None or a is None else (a - b) * 100
                           for b, a in zip(before, after, strict=True)],
    }, columns=["measure_kind", "start", "absence_before", "absence_after", "absence_change"])


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
    """The start of each measure in measure_rows as a marker (measure_kind, iso_year,
    iso_week) for the chart, which names it."""
    weeks = [s.isocalendar() for s in frame["start"]]
    return pd.DataFrame({"measure_kind": frame["measure_kind"].tolist(),
                         "iso_year": [w.year for w in weeks],
                         "iso_week": [w.week for w in weeks]})

