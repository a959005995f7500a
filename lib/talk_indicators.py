"""What student talks and action plans add to the regional indicators, as aggregates only:
how many of each municipality's flagged students had a talk during the term, a plan, and a
plan followed up, and the causes and wished
support said in the term's talks, by category. Cells on fewer than 10 students are hidden,
with complementary suppression where a total could give them back."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import Session

from data_models.codes import Role, TalkTheme
from data_models.models import (
    ActionPlan,
    Municipality,
    PlanReview,
    Student,
    StudentTalk,
    StudentTalkCategory,
    Term,
)
from data_models.windows import StudentTermFlag
from lib.access import Viewer, municipality_clause, require_role
from lib.analytics import MIN_CELL
from lib.i18n import N_, _
from lib.indicators import identified_students, suppressed_counts
from lib.talk_categories import category_labels

TALK_DEFINITIONS = N_("""
**Elevsamtal och handlingsplaner**: *identifierade* är eleverna ≥ 15 % (som i tratten);
*med elevsamtal* de av dem som hade minst ett elevsamtal, med coachen eller skolan, under
terminen; *med handlingsplan* de som hade en handlingsplan som löpte under terminen
(startad under den, eller startad tidigare och inte avslutad före terminens start); *med
plan som följts upp* de vars plan följdes upp eller avslutades under terminen.

**Orsaker och önskat stöd**: antalet elever (oavsett frånvaro) med ett elevsamtal under
terminen där kategorin valdes, som orsak till frånvaron respektive som stöd eleven vill
ha. En elev räknas en gång per kategori; en elev kan ha flera kategorier, så kolumnerna
summerar inte till antalet samtal. Kategorierna är systemförvaltarens lista.
""")


@dataclass(frozen=True)
class TalkIndicators:
    # municipality, is_total, identified, then per step (STEPS) its count and its share of
    # the identified (SHARES); None where hidden
    table: pd.DataFrame
    categories: pd.DataFrame  # category, causes, wanted: students; None where hidden


def talk_indicators(session: Session, viewer: Viewer, term_id: int) -> TalkIndicators:
    require_role(viewer, Role.PROJECT_LEADER, Role.ADMIN)
    term = session.get(Term, term_id)
    identified, shown = identified_students(session, viewer, term_id)
    counts = pd.DataFrame({"identified": identified, **{
        name: _flagged_with(session, viewer, term, students(term)).reindex(
            identified.index, fill_value=0)
        for name, students in STEPS.items()}}).astype(int)
    table = suppressed_counts(counts, "identified", list(STEPS), shown, order=STEP_ORDER)
    return TalkIndicators(table=_with_shares(table),
                          categories=_categories(session, viewer, term))


def _with_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each step's count as a share of the identified students, where both are shown (a
    share beside a shown count would give a hidden identified count back, so a hidden
    count hides its share)."""
    identified = pd.to_numeric(table["identified"], errors="coerce")
    for name in STEPS:
        count = pd.to_numeric(table[name], errors="coerce")
        share = (count / identified).where(identified > 0)
        table[SHARES[name]] = share.astype(object).where(share.notna(), None)
    steps = [column for name in STEPS for column in (name, SHARES[name])]
    return table[["municipality", "is_total", "identified", *steps]]


def _in_scope(query, viewer: Viewer):
    """Students registered in the municipalities the viewer sees (an administrator: all)."""
    return (query.join(Municipality, Municipality.id == Student.home_municipality_id)
            .where(municipality_clause(viewer)))


def _held_in(term: Term):
    return and_(StudentTalk.date >= term.start_date, StudentTalk.date <= term.end_date)


def _talks(term: Term):
    return select(StudentTalk.student_id).where(_held_in(term))


def _plans(term: Term):
    """Students with a plan running in the term: started in it, or started before and not
    closed before it began."""
    return select(ActionPlan.student_id).where(
        ActionPlan.student_id.is_not(None), ActionPlan.start_date <= term.end_date,
        or_(ActionPlan.closed_on.is_(None), ActionPlan.closed_on >= term.start_date))


def _plans_followed_up(term: Term):
    """Students whose plan was followed up (a review) or closed in the term."""
    return union(
        select(ActionPlan.student_id).join(PlanReview, PlanReview.plan_id == ActionPlan.id)
        .where(PlanReview.date.between(term.start_date, term.end_date)),
        select(ActionPlan.student_id).where(
            ActionPlan.student_id.is_not(None),
            ActionPlan.closed_on.between(term.start_date, term.end_date)))


# The steps of the follow-up cycle counted among the flagged students; a plan followed up
# is a plan, so suppression reckons with the one being part of the other.
STEPS = {"talked": _talks, "planned": _plans, "plan_followed_up": _plans_followed_up}
STEP_ORDER = (("plan_followed_up", "planned"),)
SHARES = {"talked": "talked_share", "planned": "planned_share",
          "plan_followed_up": "plan_followed_up_share"}


def _flagged_with(session: Session, viewer: Viewer, term: Term, students) -> pd.Series:
    """Flagged students among `students` (a query of student ids), per municipality name."""
    flag = StudentTermFlag
    query = _in_scope(
        select(Municipality.name, func.count(flag.student_id))
        .select_from(flag).join(Student, Student.id == flag.student_id), viewer)
    rows = session.execute(
        query.where(flag.term_id == term.id, flag.student_id.in_(students))
        .group_by(Municipality.name)).all()
    return pd.Series(dict(rows), dtype=int)


def _categories(session: Session, viewer: Viewer, term: Term) -> pd.DataFrame:
    """Per category: the students whose talks in the term named it as a cause, and as a
    wished support. A cell on 1–9 students is hidden; the categories overlap, so no total
    is published that a hidden cell could be worked out from."""
    chosen = _in_scope(
        select(StudentTalkCategory.category_id, StudentTalkCategory.theme,
               func.count(func.distinct(StudentTalk.student_id)))
        .join(StudentTalk, StudentTalk.id == StudentTalkCategory.talk_id)
        .join(Student, Student.id == StudentTalk.student_id), viewer)
    rows = session.execute(chosen.where(_held_in(term))
                           .group_by(StudentTalkCategory.category_id,
                                     StudentTalkCategory.theme)).all()
    labels = category_labels(session)
    counts: dict[int, dict[str, int]] = {}
    for category_id, theme, students in rows:
        counts.setdefault(category_id, {})[theme] = students
    table = pd.DataFrame([
        {"category": labels[category_id],
         "causes": _shown(found.get(TalkTheme.CAUSE, 0)),
         "wanted": _shown(found.get(TalkTheme.WANTED, 0))}
        for category_id, found in counts.items()], columns=["category", "causes", "wanted"])
    return table.sort_values("category", key=lambda c: c.str.lower(), ignore_index=True)


def _shown(students: int) -> int | None:
    return None if 0 < students < MIN_CELL else students


def definitions() -> str:
    return _(TALK_DEFINITIONS)
