"""Whether a user's view of a student fits a job (for the access review, lib.access_review):
the student was, in the term of the view, on a meeting agenda of the user's municipality or
school, flagged, in the user's KAA cases or new at the user's school, or the user had
recorded something about them. Each source is read once for all views, never per view."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import Flag, Role, Trend
from data_models.models import (
    ActionPlan,
    AgendaItem,
    ConnectednessRun,
    Contact,
    EarlyTalk,
    Enrolment,
    Feedback,
    HandOver,
    KaaContact,
    KaaEpisode,
    Measure,
    MeasureFollowUp,
    Meeting,
    MeetingParticipant,
    Student,
    StudentTalk,
    User,
    UserScope,
)
from lib import analytics
from lib.access import Viewer
from lib.frames import read_frame
from lib.summaries import per_student, student_term_rows, term_trends
from lib.terms import TermInfo, current_among, list_terms
from lib.transitions import new_from

KEY = ["user_id", "term_id", "student_id"]
NO_TERM = -1  # the term of a view made before any term is recorded


def has_job_link(session: Session, viewer: Viewer, views: pd.DataFrame) -> pd.Series:
    """For each view (columns user_id, student_id and date, the Swedish day of the view):
    whether it fits a job. The term of a view is the term its day falls in, else the latest
    term begun by then (a view in the summer break belongs to the spring term). A view fits
    a job when, in that term, the student was

    - on the agenda of a meeting held with the user's municipality or at the user's school,
      or of a meeting the user took part in;
    - flagged: over their home municipality's watch level, or rising (the watch list's
      rule, on the term's figures as they stand now);
    - in a KAA case of the user's municipality open during the term, for a user who
      handles the activity responsibility;
    - new in year 1 at the user's school, or of the user's municipality (the new-students
      list of the term);

    or when the user had recorded a measure (as its author or owner), a follow-up of one,
    a contact, a talk, a plan, feedback, a hand-over, an early talk or a KAA contact
    attempt about the student, dated on or before the day of the view or later in the
    same term (a look at the student comes before the contact is written down). `viewer`
    reads the figures (an administrator: every student's)."""
    if views.empty:
        return pd.Series(False, index=views.index, dtype=bool)
    known = list_terms(session)
    keyed = _with_terms(views, known)
    users = sorted(keyed["user_id"].unique().tolist())
    used = set(keyed["term_id"])
    terms = {term.id: term for term in known if term.id in used}
    scopes = (_scopes(session, users, UserScope.municipality_id),
              _scopes(session, users, UserScope.school_id))
    held = pd.concat([_agenda(session, users, scopes, list(terms)),
                      _kaa_cases(session, users, list(terms.values())),
                      _new_students(session, scopes, list(terms.values()))], ignore_index=True)
    linked = pd.MultiIndex.from_frame(keyed[KEY]).isin(
        pd.MultiIndex.from_frame(held[KEY].astype("int64")))
    flagged = _flagged(session, viewer, list(terms))
    linked |= pd.MultiIndex.from_frame(keyed[["term_id", "student_id"]]).isin(
        pd.MultiIndex.from_frame(flagged.astype("int64")))
    linked |= _recorded_before(session, users, keyed)
    return pd.Series(linked, index=views.index, dtype=bool)


def _with_terms(views: pd.DataFrame, terms: list[TermInfo]) -> pd.DataFrame:
    """The views with the id of each one's term, and `until`: the last day a record may be
    dated to link the view."""
    keyed = views[["user_id", "student_id", "date"]].astype({"user_id": "int64",
                                                             "student_id": "int64"})
    of_day = {day: current_among(terms, day) for day in keyed["date"].unique()}
    keyed["term_id"] = keyed["date"].map(
        {day: term.id if term else NO_TERM for day, term in of_day.items()})
    keyed["until"] = pd.to_datetime(keyed["date"].map(
        {day: max(term.end_date, day) if term else day for day, term in of_day.items()}))
    return keyed.astype({"term_id": "int64"})


def _scopes(session: Session, users: list[int], column, *where) -> pd.DataFrame:
    """(user_id, scope id) of the users' municipality or school scopes."""
    return read_frame(session, select(UserScope.user_id, column).join(
        User, User.id == UserScope.user_id).where(
        UserScope.user_id.in_(users), column.is_not(None), *where), ["user_id", "scope"])


def _by_scope(rows: pd.DataFrame, scopes: pd.DataFrame, on: str) -> pd.DataFrame:
    """(user, term, student) for the rows whose `on` is one of a user's scopes."""
    if rows.empty or scopes.empty:
        return pd.DataFrame(columns=KEY)
    return rows.merge(scopes.rename(columns={"scope": on}), on=on)[KEY]


def _agenda(session: Session, users: list[int], scopes: tuple[pd.DataFrame, pd.DataFrame],
            term_ids: list[int]) -> pd.DataFrame:
    municipalities, schools = scopes
    rows = read_frame(session, select(
        AgendaItem.student_id, Meeting.term_id, Meeting.municipality_id, Meeting.school_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.term_id.in_(term_ids), or_(
            Meeting.municipality_id.in_(municipalities["scope"].astype(int).tolist()),
            Meeting.school_id.in_(schools["scope"].astype(int).tolist()))),
        ["student_id", "term_id", "municipality_id", "school_id"])
    taken_part = read_frame(session, select(
        MeetingParticipant.user_id, Meeting.term_id, AgendaItem.student_id)
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(MeetingParticipant.user_id.in_(users), Meeting.term_id.in_(term_ids)), KEY)
    return pd.concat([_by_scope(rows, municipalities, "municipality_id"),
                      _by_scope(rows, schools, "school_id"), taken_part], ignore_index=True)


def _kaa_cases(session: Session, users: list[int], terms: list[TermInfo]) -> pd.DataFrame:
    handlers = _scopes(session, users, UserScope.municipality_id, or_(
        User.role == Role.KAA_OFFICER, (User.role == Role.COACH) & User.handles_kaa))
    episodes = read_frame(session, select(
        KaaEpisode.student_id, KaaEpisode.municipality_id, KaaEpisode.opened_on,
        KaaEpisode.closed_on).where(
        KaaEpisode.municipality_id.in_(handlers["scope"].astype(int).tolist())),
        ["student_id", "municipality_id", "opened_on", "closed_on"])
    parts = []
    for term in terms:
        still_open = episodes["closed_on"].map(
            lambda day, start=term.start_date: day is None or pd.isna(day) or day >= start)
        open_then = episodes[(episodes["opened_on"] <= term.end_date) & still_open]
        parts.append(_by_scope(open_then.assign(term_id=term.id), handlers, "municipality_id"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=KEY)


def _new_students(session: Session, scopes: tuple[pd.DataFrame, pd.DataFrame],
                  terms: list[TermInfo]) -> pd.DataFrame:
    municipalities, schools = scopes
    parts = []
    for term in terms:
        rows = read_frame(session, select(
            Enrolment.student_id, Enrolment.school_id, Student.home_municipality_id)
            .join(Student, Student.id == Enrolment.student_id)
            .where(Enrolment.school_year == 1, Enrolment.start_date >= new_from(session, term),
                   Enrolment.start_date <= term.end_date, or_(
                       Enrolment.school_id.in_(schools["scope"].astype(int).tolist()),
                       Student.home_municipality_id.in_(
                           municipalities["scope"].astype(int).tolist()))),
            ["student_id", "school_id", "municipality_id"]).assign(term_id=term.id)
        parts += [_by_scope(rows, schools, "school_id"),
                  _by_scope(rows, municipalities, "municipality_id")]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=KEY)


def _flagged(session: Session, viewer: Viewer, term_ids: list[int]) -> pd.DataFrame:
    """(term_id, student_id) of the students flagged in each term, by the watch list's rule:
    over their home municipality's watch level, or rising (lib.summaries, lib.analytics)."""
    parts = []
    for term_id in term_ids:
        rows = student_term_rows(session, viewer, term_id, with_trend=True)
        if rows.empty:
            continue
        totals = per_student(rows)
        trend = term_trends(session, viewer, term_id, rows).reindex(
            totals["student_id"]).fillna(Trend.NONE).to_numpy()
        flags = [analytics.flag(v, w, h) for v, w, h in
                 zip(totals["share"], totals["watch"], totals["high"], strict=True)]
        wanted = [f != Flag.NONE or t == Trend.UP for f, t in zip(flags, trend, strict=True)]
        parts.append(pd.DataFrame({"term_id": term_id,
                                   "student_id": totals.loc[wanted, "student_id"]}))
    return (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame({"term_id": [], "student_id": []}))


# What a user records about a student, with the day it is dated: (user, student, day).
RECORDS = (
    (Measure.created_by, Measure.student_id, Measure.start_date, None),
    (Measure.owner_user_id, Measure.student_id, Measure.start_date, None),
    (MeasureFollowUp.user_id, Measure.student_id, MeasureFollowUp.date,
     (Measure, Measure.id == MeasureFollowUp.measure_id)),
    (Contact.user_id, Contact.student_id, Contact.date, None),
    (StudentTalk.author_id, StudentTalk.student_id, StudentTalk.date, None),
    (ActionPlan.created_by, ActionPlan.student_id, ActionPlan.start_date, None),
    (ConnectednessRun.created_by, ConnectednessRun.student_id, ConnectednessRun.date, None),
    (Feedback.author_id, Feedback.student_id, Feedback.created_at, None),
    (HandOver.created_by, HandOver.student_id, HandOver.received_on, None),
    (EarlyTalk.created_by, EarlyTalk.student_id, EarlyTalk.date, None),
    (KaaContact.author_id, KaaEpisode.student_id, KaaContact.date,
     (KaaEpisode, KaaEpisode.id == KaaContact.episode_id)),
)


def _recorded_before(session: Session, users: list[int], keyed: pd.DataFrame):
    """Whether the user of each view had recorded something about the student dated on or
    before the view's day or its term's last day, whichever is later (a boolean array)."""
    parts = []
    for user, student, day, join in RECORDS:
        query = select(user, student, func.min(day)).where(
            user.in_(users), student.is_not(None)).group_by(user, student)
        if join is not None:
            query = query.join(*join)
        parts.append(read_frame(session, query, ["user_id", "student_id", "first"]))
    records = pd.concat([p for p in parts if not p.empty] or [parts[0]], ignore_index=True)
    if records.empty:
        return pd.Series(False, index=keyed.index).to_numpy()
    records["first"] = pd.to_datetime(records["first"]).dt.normalize()
    first = records.astype({"user_id": "int64", "student_id": "int64"}).groupby(
        ["user_id", "student_id"], as_index=False)["first"].min()
    merged = keyed[["user_id", "student_id", "until"]].merge(
        first, on=["user_id", "student_id"], how="left")
    return (merged["first"].notna() & (merged["first"] <= merged["until"])).to_numpy()

