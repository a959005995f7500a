"""The access review (granskning av åtkomst): who was shown which students, per user and
ISO week, and the views that fit no job, for the administrator.

Read from the audit log. An event whose action begins with "view_" is a view (lib.audit
log_view writes them). With a student it showed that one student: the student page, a
student opened in meeting mode, a hand-over, the talks, a KAA case. Without one it showed
a list: a school page, the watch list and the student lists, a visit pack, measures,
feedback, the KAA list, the new students, this review. The log keeps only how many
students a list held (in its note), so a list counts as a view, never as its students.

A view is flagged for one or more reasons (AccessFlag):
- no_link: a student the user had no job link with in that term (lib.job_links);
- many_students: the user opened more than MANY_STUDENTS distinct students one by one in
  a day (one row for the day);
- off_hours: a view, of a student or a list, outside WORK_STARTS–WORK_ENDS Swedish time on
  Monday to Friday, or on a Saturday or Sunday. Public holidays are not known to the app:
  a view on a weekday holiday is judged by the hours alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.codes import AccessFlag, AuditAction, AuditEntity, Role
from data_models.models import AuditEvent, Student, User
from lib import clock, columns, formats
from lib.access import Viewer, require_role
from lib.audit import log_view
from lib.exports import Sheet, export_file, workbook
from lib.frames import read_frame
from lib.i18n import _
from lib.job_links import has_job_link
from lib.labels import word
from lib.students import format_name
from lib.versioning import InputError

# More distinct students than this, opened one by one by one user in one day, flags the
# day: a coach's review meeting goes through about 30 students.
MANY_STUDENTS = 40
# Working hours, Swedish time: from WORK_STARTS up to (not including) WORK_ENDS, Monday to
# Friday; every view on a Saturday or a Sunday is outside them.
WORK_STARTS = dt.time(7, 0)
WORK_ENDS = dt.time(19, 0)
SATURDAY = 5  # date.weekday()
VIEW_PREFIX = "view_"
CHUNK = 500  # ids per IN list

WEEKLY_COLUMNS = ["user_id", "user", "username", "role", "iso_year", "iso_week", "views",
                  "student_views", "list_views", "students_viewed", "no_link", "busy_days",
                  "off_hours"]
FLAGGED_COLUMNS = ["user_id", "user", "username", "date", "at", "access_flags", "action",
                   "student", "event_student_id", "students_viewed", "note"]


@dataclass(frozen=True)
class AccessReview:
    date_from: dt.date
    date_to: dt.date
    weekly: pd.DataFrame  # WEEKLY_COLUMNS: one row per user and ISO week with views
    flagged: pd.DataFrame  # FLAGGED_COLUMNS: one row per flagged view, or per flagged day


def access_review(session: Session, viewer: Viewer, date_from: dt.date,
                  date_to: dt.date) -> AccessReview:
    """Both tables of the review of the Swedish days `date_from` to `date_to` (both
    included), from one reading of the log; the reading is itself in the log."""
    review = _review(session, viewer, date_from, date_to)
    _log_reading(session, viewer, review)
    return review


def weekly_views(session: Session, viewer: Viewer, date_from: dt.date,
                 date_to: dt.date) -> pd.DataFrame:
    """Per user and ISO week (of the Swedish day): views, of single students and of lists,
    the distinct students viewed, and how many views or days were flagged for each reason
    (no_link, busy_days: days with many students, off_hours)."""
    return access_review(session, viewer, date_from, date_to).weekly


def flagged_views(session: Session, viewer: Viewer, date_from: dt.date,
                  date_to: dt.date) -> pd.DataFrame:
    """One row per flagged view (when, by whom, which student by name, the reasons as
    AccessFlag codes separated by commas) and one per flagged day (its date and how many
    students; no time, action or student). `at` is the stored UTC moment, which every
    table and export shows on the Swedish clock (lib.columns MOMENT); `date` is the
    Swedish day."""
    return access_review(session, viewer, date_from, date_to).flagged


def access_review_excel(session: Session, viewer: Viewer, date_from: dt.date,
                        date_to: dt.date) -> bytes:
    """The review as a workbook with both tables, the reasons in words; the export is
    written to the audit log."""
    review = _review(session, viewer, date_from, date_to)
    period = _period(review)
    rules = rules_text()
    sheets = [
        Sheet(_("Per vecka"), (_("Granskning av åtkomst per användare och vecka"), period,
                               rules), columns.visible(review.weekly)),
        Sheet(_("Att granska"), (_("Visningar att granska"), period, rules),
              columns.visible(with_reasons(review.flagged))),
    ]
    return export_file(session, viewer, lambda: workbook(sheets), what=AuditEntity.AUDIT_LOG,
                       rows=len(review.weekly) + len(review.flagged), note=period)


def with_reasons(flagged: pd.DataFrame) -> pd.DataFrame:
    """The flagged table with its reasons as words in the run's language."""
    return flagged.assign(access_flags=flagged["access_flags"].map(
        lambda codes: ", ".join(word(AccessFlag, code) for code in codes.split(",") if code)))


def rules_text() -> str:
    """What the review flags, in the run's language."""
    return _("Flaggas: elev utan koppling till användarens arbete under terminen (möte, "
             "flaggning, KAA-ärende, nya elever eller egna anteckningar); fler än {many} "
             "olika elever samma dag; visning utanför arbetstiden {start}–{end} måndag till "
             "fredag (en helgdag på en vardag räknas som vardag).").format(
        many=MANY_STUDENTS, start=f"{WORK_STARTS:%H:%M}", end=f"{WORK_ENDS:%H:%M}")


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last four full weeks before `today`'s week: Monday to Sunday."""
    last_sunday = today - dt.timedelta(days=today.weekday() + 1)
    return last_sunday - dt.timedelta(days=27), last_sunday


# --- Reading the log ----------------------------------------------------------------------

def _review(session: Session, viewer: Viewer, date_from: dt.date,
            date_to: dt.date) -> AccessReview:
    require_role(viewer, Role.ADMIN)
    if date_from > date_to:
        raise InputError(_("Periodens första dag ligger efter den sista."))
    views = _views(session, date_from, date_to)
    single = views["student_id"].notna()
    views["no_link"] = False
    views.loc[single, "no_link"] = ~has_job_link(session, viewer, views[single]).to_numpy()
    busy = _busy_days(views[single])
    users = _users(session, views["user_id"].unique().tolist())
    return AccessReview(date_from, date_to, _weekly(views, busy, users),
                        _flagged(session, views, busy, users))


def _views(session: Session, date_from: dt.date, date_to: dt.date) -> pd.DataFrame:
    """The views of the period, with the Swedish day, ISO week and whether off hours."""
    views = read_frame(session, select(
        AuditEvent.id, AuditEvent.at, AuditEvent.user_id, AuditEvent.action,
        AuditEvent.student_id, AuditEvent.note)
        .where(AuditEvent.action.startswith(VIEW_PREFIX, autoescape=True),
               AuditEvent.user_id.is_not(None),
               AuditEvent.at >= clock.utc_start_of(date_from),
               AuditEvent.at < clock.utc_start_of(date_to + dt.timedelta(days=1)))
        .order_by(AuditEvent.at, AuditEvent.id),
        ["id", "at", "user_id", "action", "student_id", "note"])
    views["student_id"] = views["student_id"].astype("Int64")
    views["user_id"] = views["user_id"].astype("int64")
    local = pd.to_datetime(views["at"]).dt.tz_localize("UTC").dt.tz_convert(clock.SWEDEN)
    iso = local.dt.isocalendar()
    minute = local.dt.hour * 60 + local.dt.minute
    return views.assign(
        at=pd.to_datetime(views["at"]), date=local.dt.date, iso_year=iso["year"].astype(int),
        iso_week=iso["week"].astype(int),
        off_hours=((local.dt.day_of_week >= SATURDAY)
                   | (minute < WORK_STARTS.hour * 60 + WORK_STARTS.minute)
                   | (minute >= WORK_ENDS.hour * 60 + WORK_ENDS.minute)).astype(bool))


def _busy_days(single: pd.DataFrame) -> pd.DataFrame:
    """(user_id, date, students, iso_year, iso_week) of the days with more than
    MANY_STUDENTS distinct students viewed one by one."""
    per_day = single.groupby(["user_id", "date"], as_index=False).agg(
        students=("student_id", "nunique"), iso_year=("iso_year", "first"),
        iso_week=("iso_week", "first"))
    return per_day[per_day["students"] > MANY_STUDENTS].reset_index(drop=True)


def _users(session: Session, user_ids: list[int]) -> pd.DataFrame:
    return _in_chunks(session, lambda ids: select(
        User.id, User.display_name, User.username, User.role).where(User.id.in_(ids)),
        user_ids, ["user_id", "user", "username", "role"])


def _in_chunks(session: Session, query, ids: list[int], names: list[str]) -> pd.DataFrame:
    ids = sorted(int(i) for i in ids)
    parts = [read_frame(session, query(ids[i:i + CHUNK]), names)
             for i in range(0, len(ids), CHUNK)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=names)


def _weekly(views: pd.DataFrame, busy: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    if views.empty:
        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    week = ["user_id", "iso_year", "iso_week"]
    counts = views.groupby(week, as_index=False).agg(
        views=("id", "size"), student_views=("student_id", "count"),
        students_viewed=("student_id", "nunique"), no_link=("no_link", "sum"),
        off_hours=("off_hours", "sum"))
    days = busy.groupby(week).size().rename("busy_days")
    counts = counts.merge(days, left_on=week, right_index=True, how="left")
    counts = counts.assign(list_views=counts["views"] - counts["student_views"],
                           busy_days=counts["busy_days"].fillna(0).astype(int))
    table = counts.merge(users, on="user_id", how="left")
    table = table.sort_values(["iso_year", "iso_week", "username"]).reset_index(drop=True)
    return table.astype({name: int for name in WEEKLY_COLUMNS[6:]})[WEEKLY_COLUMNS]


def _flagged(session: Session, views: pd.DataFrame, busy: pd.DataFrame,
             users: pd.DataFrame) -> pd.DataFrame:
    marked = views[views["no_link"] | views["off_hours"]]
    reasons = [",".join(code for code, on in ((AccessFlag.NO_LINK, link),
                                              (AccessFlag.OFF_HOURS, off)) if on)
               for link, off in zip(marked["no_link"], marked["off_hours"], strict=True)]
    rows = pd.DataFrame({
        "user_id": marked["user_id"], "date": marked["date"], "at": marked["at"],
        "action": marked["action"], "event_student_id": marked["student_id"],
        "students_viewed": None, "note": marked["note"].fillna(""), "access_flags": reasons})
    days = pd.DataFrame({
        "user_id": busy["user_id"], "date": busy["date"], "at": pd.NaT, "action": None,
        "event_student_id": None, "students_viewed": busy["students"], "note": "",
        "access_flags": str(AccessFlag.MANY_STUDENTS)})
    table = pd.concat([frame for frame in (days, rows) if not frame.empty] or [rows],
                      ignore_index=True)
    table = table.merge(users, on="user_id", how="left")
    # Object columns keep the numbers whole beside a missing one (lib.audit does the same).
    for name in ("event_student_id", "students_viewed"):
        table[name] = pd.Series([None if pd.isna(v) else int(v) for v in table[name]],
                                index=table.index, dtype=object)
    names = _names(session, table["event_student_id"].dropna().unique().tolist())
    table["student"] = table["event_student_id"].map(
        lambda i: "" if i is None else names.get(i, ""))
    table = table.sort_values(["date", "username", "at"], na_position="first", kind="stable")
    return table.reset_index(drop=True)[FLAGGED_COLUMNS]


def _names(session: Session, student_ids: list[int]) -> dict[int, str]:
    """Each student's shown name (a protected identity's names only the id); a student
    since removed has none."""
    frame = _in_chunks(session, lambda ids: select(
        Student.id, Student.first_name, Student.last_name, Student.protected_identity)
        .where(Student.id.in_(ids)), student_ids, ["id", "first", "last", "protected"])
    return {int(i): format_name(int(i), f, la, bool(p)) for i, f, la, p in
            frame.itertuples(index=False)}


def _period(review: AccessReview) -> str:
    return f"{formats.date(review.date_from)}–{formats.date(review.date_to)}"


def _log_reading(session: Session, viewer: Viewer, review: AccessReview) -> None:
    """The review shows students' names: its reading is logged as a view, written even
    from a read (lib.audit.log_view)."""
    log_view(session, viewer, AuditAction.VIEW_ACCESS_REVIEW, AuditEntity.AUDIT_LOG,
             note=f"{_period(review)}: {int(review.weekly['views'].sum())} visningar, "
                  f"{len(review.flagged)} att granska")
