"""What goes of each kind of record kept per student (lib.retention), and what stays.

The regional indicators of past terms count rows: contacts, agenda items, measures and their
effects, talks and their categories, plans and their reviews, hand-overs, early talks,
interruptions, KAA episodes and their first contact attempt. Those rows stay with their
codes, dates and counters, and lose what was written in them and the rows under them that
only hold text. A student's individual mapping run goes with the talks and plans (it is
staff's view of one student, recorded like a talk and analysed towards a plan): the run and
its analysis keep their dates, school and instrument; the answers about the student, the
notes per guide topic and every text go. Class runs are answered anonymously and plans at
group level are about no student: no rule per student touches them. The raw absence rows go
whole: the summaries keep their counts, and nothing sums them again for a student whose rows
are gone (lib.summaries refreshes the students of an import, never one without rows).

Each part gives, for a list of students, the rows that still hold something that would go
(`rows`: their student ids, one per row) and the erasure of exactly that (`erase`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from data_models.codes import InstrumentLevel, RetentionKind
from data_models.models import (
    AbsencePeriod,
    AbsenceRecord,
    ActionPlan,
    AgendaItem,
    Alert,
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    Contact,
    EarlyTalk,
    HandOver,
    KaaContact,
    KaaEpisode,
    KaaMeasure,
    Measure,
    MeasureFollowUp,
    MeetingAmendment,
    PlanAmendment,
    PlanGoal,
    PlanReview,
    ReplacedAbsence,
    RunAnalysis,
    RunAnalysisNote,
    SchoolSupport,
    StudentTalk,
    StudentTalkSupport,
)


@dataclass(frozen=True)
class Part:
    rows: Callable[[list[int]], Select]  # select(student_id), one row per record that goes
    erase: Callable[[Session, list[int]], None]


def _blank(*columns) -> dict[str, Any]:
    return {column.key: "" for column in columns}


def _written(*columns):
    """Any of the text columns holds something."""
    return or_(*(column != "" for column in columns))


# --- Absence: the raw rows go whole ---------------------------------------------------------

def _whole(model) -> Part:
    return Part(rows=lambda students: select(model.student_id)
                .where(model.student_id.in_(students)),
                erase=lambda session, students: session.execute(
                    delete(model).where(model.student_id.in_(students))))


# --- Meeting notes: the agenda item stays (the funnel counts it), its texts go -------------

AGENDA_TEXTS = (AgendaItem.notes, AgendaItem.assessment, AgendaItem.decisions,
                AgendaItem.feedback)


def _agenda_has(students):
    amended = exists().where(MeetingAmendment.agenda_item_id == AgendaItem.id)
    return AgendaItem.student_id.in_(students), or_(_written(*AGENDA_TEXTS), amended)


def _erase_agenda(session: Session, students: list[int]) -> None:
    items = select(AgendaItem.id).where(AgendaItem.student_id.in_(students))
    session.execute(delete(MeetingAmendment).where(MeetingAmendment.agenda_item_id.in_(items)))
    session.execute(update(AgendaItem).where(AgendaItem.student_id.in_(students),
                                             _written(*AGENDA_TEXTS))
                    .values(**_blank(*AGENDA_TEXTS), version=AgendaItem.version + 1))


# --- Measures: kind, dates, status and effect stay; texts, names and follow-ups go ---------

MEASURE_TEXTS = (Measure.description, Measure.owner_name, Measure.stop_reason, Measure.outcome)


def _measure_has(students):
    followed = exists().where(MeasureFollowUp.measure_id == Measure.id)
    return Measure.student_id.in_(students), or_(_written(*MEASURE_TEXTS), followed)


def _erase_measures(session: Session, students: list[int]) -> None:
    measures = select(Measure.id).where(Measure.student_id.in_(students))
    session.execute(delete(MeasureFollowUp).where(MeasureFollowUp.measure_id.in_(measures)))
    session.execute(update(Measure).where(Measure.student_id.in_(students),
                                          _written(*MEASURE_TEXTS))
                    .values(**_blank(*MEASURE_TEXTS), version=Measure.version + 1))


# --- Contacts: kind and date stay (the funnel), the note goes ------------------------------

def _erase_contacts(session: Session, students: list[int]) -> None:
    session.execute(update(Contact).where(Contact.student_id.in_(students), Contact.note != "")
                    .values(note=""))


# --- Talks and plans: dates and categories stay (the talk figures), texts go ---------------

TALK_TEXTS = (StudentTalk.held_by, StudentTalk.causes, StudentTalk.support_received,
              StudentTalk.support_wanted, StudentTalk.school_situation,
              StudentTalk.outside_school, StudentTalk.strengths, StudentTalk.own_goals,
              StudentTalk.summary)
PLAN_TEXTS = (ActionPlan.goal, ActionPlan.learned, ActionPlan.coach_responsible,
              ActionPlan.school_responsible, ActionPlan.approved_by)


def _talk_has(students):
    supports = exists().where(StudentTalkSupport.talk_id == StudentTalk.id)
    return StudentTalk.student_id.in_(students), or_(_written(*TALK_TEXTS), supports)


def _erase_talks(session: Session, students: list[int]) -> None:
    talks = select(StudentTalk.id).where(StudentTalk.student_id.in_(students))
    session.execute(delete(StudentTalkSupport).where(StudentTalkSupport.talk_id.in_(talks)))
    session.execute(update(StudentTalk).where(StudentTalk.student_id.in_(students),
                                              _written(*TALK_TEXTS))
                    .values(**_blank(*TALK_TEXTS), version=StudentTalk.version + 1))


def _plan_has(students):
    under = or_(exists().where(PlanGoal.plan_id == ActionPlan.id),
                exists().where(PlanAmendment.plan_id == ActionPlan.id),
                exists().where(PlanReview.plan_id == ActionPlan.id, PlanReview.note != ""))
    return ActionPlan.student_id.in_(students), or_(_written(*PLAN_TEXTS), under)


def _erase_plans(session: Session, students: list[int]) -> None:
    plans = select(ActionPlan.id).where(ActionPlan.student_id.in_(students))
    session.execute(delete(PlanGoal).where(PlanGoal.plan_id.in_(plans)))
    session.execute(delete(PlanAmendment).where(PlanAmendment.plan_id.in_(plans)))
    # The review's date stays: the talk figures count plans followed up in a term.
    session.execute(update(PlanReview).where(PlanReview.plan_id.in_(plans),
                                             PlanReview.note != "").values(note=""))
    session.execute(update(ActionPlan).where(ActionPlan.student_id.in_(students),
                                             _written(*PLAN_TEXTS))
                    .values(**_blank(*PLAN_TEXTS), version=ActionPlan.version + 1))


# --- Individual mapping runs: the run, its analysis and their dates stay; answers and
# texts go -------------------------------------------------------------------------------

ANALYSIS_TEXTS = (RunAnalysis.participants, RunAnalysis.conclusions)


def _own_runs(students):
    """The students' individual runs (a class run has no student)."""
    return and_(ConnectednessRun.student_id.in_(students),
                ConnectednessRun.level == InstrumentLevel.INDIVIDUAL)


def _run_holds():
    """The run still holds something about the student: its note, answers, or an analysis
    with texts or notes."""
    analysed = select(RunAnalysis.run_id).where(or_(
        _written(*ANALYSIS_TEXTS),
        RunAnalysis.id.in_(select(RunAnalysisNote.analysis_id))))
    return or_(ConnectednessRun.note != "",
               exists().where(ConnectednessResponse.run_id == ConnectednessRun.id),
               ConnectednessRun.id.in_(analysed))


def _run_rows(students) -> Select:
    return select(ConnectednessRun.student_id).where(_own_runs(students), _run_holds())


def _erase_runs(session: Session, students: list[int]) -> None:
    runs = select(ConnectednessRun.id).where(_own_runs(students))
    # The version moves first, while the answers still tell which runs change: an open
    # form of a run then fails to save over the erasure.
    session.execute(update(ConnectednessRun).where(_own_runs(students), _run_holds())
                    .values(note="", version=ConnectednessRun.version + 1))
    responses = select(ConnectednessResponse.id).where(ConnectednessResponse.run_id.in_(runs))
    session.execute(delete(ConnectednessAnswer).where(
        ConnectednessAnswer.response_id.in_(responses)))
    session.execute(delete(ConnectednessResponse).where(ConnectednessResponse.run_id.in_(runs)))
    analyses = select(RunAnalysis.id).where(RunAnalysis.run_id.in_(runs))
    session.execute(delete(RunAnalysisNote).where(RunAnalysisNote.analysis_id.in_(analyses)))
    session.execute(update(RunAnalysis).where(RunAnalysis.run_id.in_(runs),
                                              _written(*ANALYSIS_TEXTS))
                    .values(**_blank(*ANALYSIS_TEXTS), version=RunAnalysis.version + 1))


# --- Hand-overs and early talks: the rows and dates stay (the transition figures) ----------

HAND_OVER_TEXTS = (HandOver.sending_school, HandOver.to_know, HandOver.sender_contact)
# What the sending school reported about the student's support and absence.
HAND_OVER_FACTS = {"year9_absence": None, "extra_adaptations": False, "special_support": False,
                   "support_plan": False, "support_plan_date": None}
EARLY_TALK_TEXTS = (EarlyTalk.note, EarlyTalk.held_by)


def _hand_over_said():
    return or_(_written(*HAND_OVER_TEXTS), HandOver.year9_absence.is_not(None),
               HandOver.extra_adaptations.is_(True), HandOver.special_support.is_(True),
               HandOver.support_plan.is_(True))


def _erase_hand_overs(session: Session, students: list[int]) -> None:
    session.execute(update(HandOver).where(HandOver.student_id.in_(students), _hand_over_said())
                    .values(**_blank(*HAND_OVER_TEXTS), **HAND_OVER_FACTS,
                            version=HandOver.version + 1))
    session.execute(update(EarlyTalk).where(EarlyTalk.student_id.in_(students),
                                            _written(*EARLY_TALK_TEXTS))
                    .values(**_blank(*EARLY_TALK_TEXTS)))


# --- KAA: the episode and the attempts' dates, channels and results stay ------------------

def _episodes(students):
    return select(KaaEpisode.id).where(KaaEpisode.student_id.in_(students))


def _kaa_contact_rows(students) -> Select:
    return (select(KaaEpisode.student_id)
            .join(KaaContact, KaaContact.episode_id == KaaEpisode.id)
            .where(KaaEpisode.student_id.in_(students),
                   _written(KaaContact.note, KaaContact.next_step)))


def _kaa_measure_rows(students) -> Select:
    return (select(KaaEpisode.student_id)
            .join(KaaMeasure, KaaMeasure.episode_id == KaaEpisode.id)
            .where(KaaEpisode.student_id.in_(students)))


def _erase_kaa(session: Session, students: list[int]) -> None:
    episodes = _episodes(students)
    session.execute(update(KaaContact).where(KaaContact.episode_id.in_(episodes),
                                             _written(KaaContact.note, KaaContact.next_step))
                    .values(note="", next_step=""))
    session.execute(delete(KaaMeasure).where(KaaMeasure.episode_id.in_(episodes)))


def _rows_of(model, has) -> Callable[[list[int]], Select]:
    """The student ids of `model`'s rows of these students that hold something (`has`)."""
    return lambda students: select(model.student_id).where(*has(students))


def _nothing(_session: Session, _students: list[int]) -> None:
    """The erasure is done by the kind's first part, which also empties this one's rows."""


PARTS: dict[RetentionKind, tuple[Part, ...]] = {
    # Alerts are notices of the absence: they go with it.
    RetentionKind.ABSENCE: (_whole(AbsenceRecord), _whole(AbsencePeriod),
                            _whole(ReplacedAbsence), _whole(Alert)),
    RetentionKind.MEETING_NOTES: (Part(_rows_of(AgendaItem, _agenda_has), _erase_agenda),),
    RetentionKind.MEASURES: (Part(_rows_of(Measure, _measure_has), _erase_measures),),
    RetentionKind.CONTACTS: (Part(lambda students: select(Contact.student_id).where(
        Contact.student_id.in_(students), Contact.note != ""), _erase_contacts),),
    RetentionKind.TALKS_AND_PLANS: (Part(_rows_of(StudentTalk, _talk_has), _erase_talks),
                                    Part(_rows_of(ActionPlan, _plan_has), _erase_plans),
                                    Part(_run_rows, _erase_runs)),
    RetentionKind.HAND_OVERS: (
        Part(lambda students: select(HandOver.student_id).where(
            HandOver.student_id.in_(students), _hand_over_said()), _erase_hand_overs),
        Part(lambda students: select(EarlyTalk.student_id).where(
            EarlyTalk.student_id.in_(students), _written(*EARLY_TALK_TEXTS)), _nothing),
        _whole(SchoolSupport)),  # the school's own support, as the hand-over's
    RetentionKind.KAA: (Part(_kaa_contact_rows, _erase_kaa), Part(_kaa_measure_rows, _nothing)),
}
