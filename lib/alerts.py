"""Alerts: when an absence import commits, each of its students who newly crosses the
watch or the high level of their home municipality, or turns rising, in a term the import
touched. Levels and trend are the watch list's: the term's absence over all schools
against the home municipality's levels (lib.summaries.per_student, lib.analytics.flag),
the trend rule on the kept trend sums (lib.summaries.term_trends).

One alert per crossing, term and person told: the active coaches of the student's home
municipality, and the contact persons who are active users in that municipality's
collaboration with the school where the import recorded the absence. A student who jumps
from under the watch level to over the high level gets one alert, for the high level.
A crossing alerted once in a term is not alerted again that term, even after the student
has dipped under the level and crosses it again. Below the minimum enrolment (10 hours of
scheduled time in the term) a student crosses no level: a first day away is no alert.

The alerts are written in the import's transaction, so an import that fails or is rolled
back leaves none. Undoing an import removes its alerts that nobody has acknowledged
(`forget_batch`, from the undo). An enrolment list writes no absence and raises none.
The people told read their own alerts only, about students they may still see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data_models.codes import AlertKind, AuditAction, AuditEntity, Flag, Role, Trend
from data_models.models import (
    Alert,
    Collaboration,
    Municipality,
    School,
    SchoolContact,
    Student,
    StudentTermSummary,
    Term,
    User,
    UserScope,
)
from lib import analytics, mail
from lib.access import AccessDenied, Viewer, require_individual_access, student_clause
from lib.audit import log_event, log_view
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.students import names
from lib.summaries import CHUNK, TREND_SUMS, per_student, term_trends, trend_sum_columns
from lib.week_windows import MIN_SCHEDULED_MINUTES

NOT_FOUND = N_("Larmet finns inte, eller så har du inte behörighet till det.")
LEVELS = {Flag.NONE: 0, Flag.WATCH: 1, Flag.HIGH: 2}
# The system's own view of absence (every school's counts), for the trend of a student
# with rows at several schools; never a person's view.
SYSTEM = Viewer(user_id=0, username="", name="", role=Role.ADMIN)
STATE_COLUMNS = ["student_id", "term_id", "level", "rising", "share"]
ROW_COLUMNS = ["student_id", "school_id", "scheduled", "absent", "valid", "invalid", "watch",
               "high", *TREND_SUMS]
ALERT_COLUMNS = ["id", "student_id", "student", "alert_kind", "school", "term", "at",
                 "acknowledged_at"]


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


# --- The state of an import's students, before and after its writes ------------------------

@dataclass(frozen=True)
class ImportWatch:
    """An import's students and terms, and where they stood before its writes."""

    students: tuple[int, ...]
    terms: tuple[int, ...]
    schools: dict[int, int]  # student → the school where the import recorded their absence
    before: pd.DataFrame  # STATE_COLUMNS


def watch_import(session: Session, frame: pd.DataFrame, dated: bool) -> ImportWatch:
    """Before an absence import writes (its valid rows, `dated` for days or lessons): the
    state of its students in every term its dates touch."""
    students = sorted(set(frame["student_id"].astype(int)))
    terms = _terms_of(session, frame, dated)
    return ImportWatch(tuple(students), tuple(terms), _import_schools(frame),
                       term_states(session, students, terms))


def alert_import(session: Session, watch: ImportWatch, batch_id: int) -> int:
    """After the import's writes and summary refresh, in its transaction: an alert for
    each new crossing and person told, and the mail notices they ask for. How many alerts
    the import created."""
    crossed = crossings(watch.before, term_states(session, watch.students, watch.terms))
    if crossed.empty:
        return 0
    rows = with_recipients(session, crossed, watch.schools)
    if rows.empty:
        return 0
    insert_alerts(session, rows, batch_id)
    told = session.execute(select(Alert.user_id, func.count()).where(Alert.batch_id == batch_id)
                           .group_by(Alert.user_id)).all()
    mail.send_after_commit(session, mail.queue_alert_mail(session, [u for u, _n in told]))
    return sum(n for _u, n in told)


def term_states(session: Session, students: Iterable[int],
                terms: Iterable[int]) -> pd.DataFrame:
    """Per student and term: the flag level (0 none, 1 watch, 2 high) by the home
    municipality's levels, whether the trend is rising, and the share, over all schools."""
    students = sorted(set(students))
    parts = [_term_state(session, term_id, students) for term_id in sorted(set(terms))
             if students]
    parts = [part for part in parts if not part.empty]
    if not parts:
        return pd.DataFrame(columns=STATE_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _term_state(session: Session, term_id: int, students: list[int]) -> pd.DataFrame:
    summary = StudentTermSummary
    rows = pd.concat([read_frame(session,
        select(summary.student_id, summary.school_id, summary.scheduled, summary.absent,
               summary.valid, summary.invalid, Municipality.watch_threshold,
               Municipality.high_threshold, *trend_sum_columns())
        .join(Student, Student.id == summary.student_id)
        .join(Municipality, Municipality.id == Student.home_municipality_id)
        .where(summary.term_id == term_id, summary.scheduled > 0,
               summary.student_id.in_(chunk)), ROW_COLUMNS)
        for chunk in _chunks(students)], ignore_index=True)
    if rows.empty:
        return pd.DataFrame(columns=STATE_COLUMNS)
    totals = per_student(rows)
    trend = term_trends(session, SYSTEM, term_id, rows).reindex(totals["student_id"])
    enrolled = (totals["scheduled"] >= MIN_SCHEDULED_MINUTES).to_numpy()
    levels = [LEVELS[analytics.flag(share, watch, high)] if counted else 0
              for share, watch, high, counted in zip(totals["share"], totals["watch"],
                                                     totals["high"], enrolled, strict=True)]
    return pd.DataFrame({"student_id": totals["student_id"].astype(int).to_numpy(),
                         "term_id": term_id, "level": levels,
                         "rising": (trend == Trend.UP).to_numpy(dtype=bool),
                         "share": totals["share"].astype(float).to_numpy()})


def crossings(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """What changed from `before` to `after` (STATE_COLUMNS): per student and term, the
    highest level newly reached, and a trend newly rising. Columns student_id, term_id,
    kind (AlertKind), share."""
    merged = after.merge(before[["student_id", "term_id", "level", "rising"]],
                         on=["student_id", "term_id"], how="left", suffixes=("", "_before"))
    level_before = merged["level_before"].fillna(0).astype(int)
    rising_before = merged["rising_before"].astype("boolean").fillna(False).astype(bool)
    up = merged[merged["level"].astype(int) > level_before]
    rose = merged[merged["rising"].astype(bool) & ~rising_before]
    columns = ["student_id", "term_id", "kind", "share"]
    return pd.concat([
        up.assign(kind=[AlertKind.HIGH if level == 2 else AlertKind.WATCH
                        for level in up["level"]])[columns],
        rose.assign(kind=AlertKind.RISING)[columns],
    ], ignore_index=True)


def _terms_of(session: Session, frame: pd.DataFrame, dated: bool) -> list[int]:
    """The terms of the import's rows, and every term its dates overlap (what it
    replaces lies in them)."""
    first = frame["date"].min() if dated else frame["start_date"].min()
    last = frame["date"].max() if dated else frame["end_date"].max()
    overlapping = session.scalars(select(Term.id).where(Term.start_date <= last,
                                                        Term.end_date >= first))
    return sorted(set(frame["term_id"].astype(int)) | set(overlapping))


def _import_schools(frame: pd.DataFrame) -> dict[int, int]:
    """Each student's school in the import: where it recorded most of their scheduled time."""
    sums = frame.groupby(["student_id", "school_id"], as_index=False)["scheduled"].sum()
    top = sums.sort_values(["scheduled", "school_id"]).drop_duplicates("student_id", keep="last")
    return dict(zip(top["student_id"].astype(int), top["school_id"].astype(int), strict=True))


# --- Who is told -----------------------------------------------------------------------------

def with_recipients(session: Session, crossed: pd.DataFrame,
                     schools: dict[int, int]) -> pd.DataFrame:
    """One row per crossing and person told: the coaches of the home municipality and the
    contact persons (users) of its collaboration with the school."""
    students = sorted(set(crossed["student_id"].astype(int)))
    homes = pd.concat([read_frame(session, select(Student.id, Student.home_municipality_id)
                                  .where(Student.id.in_(chunk)),
                                  ["student_id", "municipality_id"])
                       for chunk in _chunks(students)], ignore_index=True)
    crossed = crossed.merge(homes, on="student_id")
    crossed["school_id"] = crossed["student_id"].map(schools)
    municipalities = sorted(set(crossed["municipality_id"].astype(int)))
    coaches = read_frame(session, select(UserScope.municipality_id, User.id)
                         .join(User, User.id == UserScope.user_id)
                         .where(User.role == Role.COACH, User.active.is_(True),
                                UserScope.municipality_id.in_(municipalities)),
                         ["municipality_id", "user_id"])
    contacts = read_frame(session, select(Collaboration.municipality_id, Collaboration.school_id,
                                          SchoolContact.user_id)
                          .join(SchoolContact, SchoolContact.collaboration_id == Collaboration.id)
                          .join(User, User.id == SchoolContact.user_id)
                          .where(User.active.is_(True),
                                 Collaboration.municipality_id.in_(municipalities),
                                 Collaboration.school_id.in_(sorted(set(schools.values())))),
                          ["municipality_id", "school_id", "user_id"])
    told = pd.concat([crossed.merge(coaches, on="municipality_id"),
                      crossed.merge(contacts, on=["municipality_id", "school_id"])],
                     ignore_index=True)
    return told.drop_duplicates(["student_id", "term_id", "kind", "user_id"])


def insert_alerts(session: Session, rows: pd.DataFrame, batch_id: int | None) -> None:
    """The new alerts; one already given for the same crossing, term and person stays as
    it is (also when another import wrote it a moment ago)."""
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert(Alert) if dialect == "postgresql"
                 else sqlite.insert(Alert)).on_conflict_do_nothing()
    now = utcnow()
    session.execute(statement, [
        {"student_id": int(student), "term_id": int(term), "kind": str(kind),
         "user_id": int(user), "school_id": int(school), "batch_id": batch_id,
         "share": None if pd.isna(share) else float(share), "created_at": now}
        for student, term, kind, user, school, share in zip(
            rows["student_id"], rows["term_id"], rows["kind"], rows["user_id"],
            rows["school_id"], rows["share"], strict=True)])


def forget_batch(session: Session, batch_id: int) -> int:
    """When an import is undone: its alerts that nobody has acknowledged go (the absence
    that raised them is gone); acknowledged ones stay, as what someone read and acted on.
    How many went. Mail already sent holds only a link."""
    gone = session.scalar(select(func.count()).select_from(Alert).where(
        Alert.batch_id == batch_id, Alert.acknowledged_at.is_(None)))
    session.execute(delete(Alert).where(Alert.batch_id == batch_id,
                                        Alert.acknowledged_at.is_(None)))
    return gone


# --- The person's own alerts ------------------------------------------------------------------

def _own(viewer: Viewer):
    """The viewer's own alerts, about students the viewer may still see."""
    return [Alert.user_id == viewer.user_id,
            Alert.student_id.in_(select(Student.id).where(student_clause(viewer)))]


def list_alerts(session: Session, viewer: Viewer, open_only: bool = True,
                limit: int = 500) -> pd.DataFrame:
    """The viewer's alerts, open ones first and newest first; with `open_only` only those
    not acknowledged. Columns ALERT_COLUMNS (alert_kind: AlertKind codes; at: when the
    import raised it). The view is logged."""
    require_individual_access(viewer)
    query = (select(Alert.id, Alert.student_id, Student.first_name, Student.last_name,
                    Student.protected_identity, Alert.kind, School.name, Term.code,
                    Alert.created_at, Alert.acknowledged_at)
             .join(Student, Student.id == Alert.student_id)
             .join(Term, Term.id == Alert.term_id)
             .outerjoin(School, School.id == Alert.school_id)
             .where(*_own(viewer))
             .order_by(Alert.acknowledged_at.is_not(None), Alert.created_at.desc(),
                       Alert.id.desc())
             .limit(limit))
    if open_only:
        query = query.where(Alert.acknowledged_at.is_(None))
    rows = read_frame(session, query, ["id", "student_id", "first", "last", "protected",
                                       "alert_kind", "school", "term", "at",
                                       "acknowledged_at"])
    table = pd.DataFrame({
        "id": rows["id"].astype(int), "student_id": rows["student_id"].astype(int),
        "student": names(rows) if not rows.empty else [],
        "alert_kind": rows["alert_kind"].map(AlertKind), "school": rows["school"].fillna(""),
        "term": rows["term"], "at": pd.to_datetime(rows["at"]),
        "acknowledged_at": pd.to_datetime(rows["acknowledged_at"]),
    }, columns=ALERT_COLUMNS)
    log_view(session, viewer, AuditAction.VIEW_ALERTS, AuditEntity.ALERT,
             note=f"Larm: {len(table)} {'öppna' if open_only else 'alla'}")
    return table


def open_count(session: Session, viewer: Viewer) -> int:
    """How many of the viewer's alerts are not acknowledged (0 for a role that sees no
    individual students). Shows nobody, so it is not logged as a view."""
    if not viewer.sees_individuals:
        return 0
    return session.scalar(select(func.count()).select_from(Alert).where(
        *_own(viewer), Alert.acknowledged_at.is_(None))) or 0


def acknowledge_alert(session: Session, viewer: Viewer, alert_id: int) -> None:
    """Mark one of the viewer's own alerts as read. Someone else's alert, or one that does
    not exist, is refused with the same answer. Acknowledging twice changes nothing."""
    require_individual_access(viewer)
    alert = session.scalar(select(Alert).where(Alert.id == alert_id, *_own(viewer)))
    if alert is None:
        raise AccessDenied(_(NOT_FOUND), viewer=viewer, what="alert", what_id=alert_id)
    if alert.acknowledged_at is not None:
        return
    alert.acknowledged_at = utcnow()
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.ALERT, alert.id,
              student_id=alert.student_id, before={"acknowledged_at": None},
              after={"acknowledged_at": str(alert.acknowledged_at)})


def acknowledge_alerts(session: Session, viewer: Viewer, alert_ids: Iterable[int]) -> int:
    """Acknowledge several of the viewer's own alerts (all shown, say) in one save."""
    ids = sorted(set(int(i) for i in alert_ids))
    for alert_id in ids:
        acknowledge_alert(session, viewer, alert_id)
    return len(ids)

