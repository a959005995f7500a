"""The parts of a student's register extract about the follow-up work (lib.register_extract):
student talks, action plans, the student's individual mapping runs and their analyses,
feedback, hand-overs, interruptions, the activity responsibility, enrolment lists and the
audit log. Like lib.register_extract_sections, each
reader reads the student's rows with people and places by name; access is the caller's."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from data_models.codes import (
    ChangedTable,
    InstrumentLevel,
    InterruptionSource,
    PlanLevel,
    TalkTheme,
)
from data_models.models import (
    ActionPlan,
    Alert,
    AuditEvent,
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    EarlyTalk,
    Enrolment,
    Feedback,
    HandOver,
    ImportBatch,
    ImportChange,
    Instrument,
    InstrumentDimension,
    InstrumentScaleStep,
    InstrumentStatement,
    InstrumentTopic,
    KaaContact,
    KaaEpisode,
    KaaMeasure,
    Measure,
    Meeting,
    PlanAmendment,
    PlanGoal,
    PlanReview,
    PriorityMark,
    RunAnalysis,
    RunAnalysisNote,
    SchoolSupport,
    StudentMove,
    StudentTalk,
    StudentTalkCategory,
    StudentTalkSupport,
    StudyInterruption,
    TalkCategory,
)
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.labels import CHANGED_FIELDS
from lib.register_extract_sections import Names, rows_of
from lib.talks import QUESTIONS

# --- Student talks and action plans --------------------------------------------------------

# What a talk records, in the talk form's words.
TALK_TEXTS = {**QUESTIONS, "summary": N_("Sammanfattning")}
THEMES = {TalkTheme.CAUSE: N_("Orsaker"), TalkTheme.WANTED: N_("Önskat stöd")}


def talks(session: Session, names: Names) -> pd.DataFrame:
    talk = StudentTalk
    return rows_of(session, names, select(
        talk.date, talk.side, talk.school_id, talk.held_by, talk.author_id, talk.created_at)
        .where(talk.student_id == names.id).order_by(talk.date, talk.id),
        ["date", "talk_side", "school", "held_by", "registered_by", "registered_at"],
        school="schools", registered_by="users")


def talk_texts(session: Session, names: Names) -> pd.DataFrame:
    """What each talk recorded, one row per text (long texts read better so than side by
    side)."""
    talk = StudentTalk
    rows = session.execute(select(talk.date, *(getattr(talk, name) for name in TALK_TEXTS))
                           .where(talk.student_id == names.id).order_by(talk.date, talk.id))
    return pd.DataFrame([(row[0], _(label), text) for row in rows
                         for label, text in zip(TALK_TEXTS.values(), row[1:], strict=True)
                         if text], columns=["talk_date", "talk_field", "text"])


def talk_categories(session: Session, names: Names) -> pd.DataFrame:
    chosen = StudentTalkCategory
    frame = read_frame(session, select(StudentTalk.date, chosen.theme, TalkCategory.label)
                       .join(StudentTalk, StudentTalk.id == chosen.talk_id)
                       .join(TalkCategory, TalkCategory.id == chosen.category_id)
                       .where(StudentTalk.student_id == names.id)
                       .order_by(StudentTalk.date, chosen.theme, TalkCategory.position),
                       ["talk_date", "talk_theme", "category"])
    frame["talk_theme"] = [_(THEMES.get(theme, theme)) for theme in frame["talk_theme"]]
    return frame


def talk_supports(session: Session, names: Names) -> pd.DataFrame:
    seen = StudentTalkSupport
    return read_frame(session, select(StudentTalk.date, Measure.kind, Measure.start_date,
                                      seen.experience, seen.note)
                      .join(StudentTalk, StudentTalk.id == seen.talk_id)
                      .join(Measure, Measure.id == seen.measure_id)
                      .where(StudentTalk.student_id == names.id)
                      .order_by(StudentTalk.date, Measure.start_date),
                      ["talk_date", "measure_kind", "start", "support_experience",
                       "support_note"])


def plans(session: Session, names: Names) -> pd.DataFrame:
    plan = ActionPlan
    return rows_of(session, names, select(
        plan.start_date, plan.phase, plan.goal, plan.review_date, plan.coach_responsible,
        plan.school_responsible, plan.approved_on, plan.approved_by, plan.closed_on,
        plan.outcome, plan.learned, plan.absence_before, plan.absence_after, plan.created_by,
        plan.created_at)
        .where(_own_plan(names)).order_by(plan.start_date, plan.id),
        ["start", "plan_phase", "goal", "review", "coach_responsible", "school_responsible",
         "approved_on", "approved_by", "closed_on", "plan_outcome", "learned",
         "absence_before", "absence_after", "registered_by", "registered_at"],
        registered_by="users")


def _own_plan(names: Names):
    """The student's own (individual) plans: a class, group, school or municipality plan
    is about no student and is never in the extract."""
    return and_(ActionPlan.student_id == names.id, ActionPlan.level == PlanLevel.INDIVIDUAL)


def _of_plans(session: Session, names: Names, model, fields: list, columns: list[str],
              **lookups: str) -> pd.DataFrame:
    """Rows of a table under the student's action plans, each with its plan's start."""
    return rows_of(session, names, select(ActionPlan.start_date, *fields)
                 .join(ActionPlan, ActionPlan.id == model.plan_id)
                 .where(_own_plan(names))
                 .order_by(ActionPlan.start_date, model.id),
                 ["plan_start", *columns], **lookups)


def plan_goals(session: Session, names: Names) -> pd.DataFrame:
    return _of_plans(session, names, PlanGoal, [PlanGoal.text, PlanGoal.due_date,
                                                PlanGoal.status],
                     ["goal_text", "due", "goal_status"])


def plan_reviews(session: Session, names: Names) -> pd.DataFrame:
    review = PlanReview
    return _of_plans(session, names, review, [review.date, review.note, review.next_review,
                                              review.author_id],
                     ["date", "review_note", "next_review", "by"], by="users")


def plan_amendments(session: Session, names: Names) -> pd.DataFrame:
    change = PlanAmendment
    return _of_plans(session, names, change, [change.created_at, change.change, change.reason,
                                              change.author_id],
                     ["changed_at", "change", "change_reason", "by"], by="users")


# --- Mapping runs about the student (skolanknytning, individual level) --------------------
# A class run is answered anonymously: no answer of it is about a student, and no part
# reads it. An individual run is staff's answers about one student, and its analysis.

def _own_run(names: Names):
    return and_(ConnectednessRun.student_id == names.id,
                ConnectednessRun.level == InstrumentLevel.INDIVIDUAL)


def mapping_runs(session: Session, names: Names) -> pd.DataFrame:
    run = ConnectednessRun
    return rows_of(session, names, select(
        run.date, run.school_id, Instrument.name, Instrument.version, run.note, run.created_by,
        run.created_at)
        .join(Instrument, Instrument.id == run.instrument_id)
        .where(_own_run(names)).order_by(run.date, run.id),
        ["date", "school", "instrument", "instrument_version", "note", "registered_by",
         "registered_at"], school="schools", registered_by="users")


def mapping_answers(session: Session, names: Names) -> pd.DataFrame:
    """Each statement of the student's runs as the instrument words it, with the answer's
    value and its label on the instrument's scale."""
    run, answer, statement = ConnectednessRun, ConnectednessAnswer, InstrumentStatement
    step = InstrumentScaleStep
    return read_frame(session, select(
        run.date, InstrumentDimension.name, statement.text, answer.value, step.label)
        .join(ConnectednessResponse, ConnectednessResponse.run_id == run.id)
        .join(answer, answer.response_id == ConnectednessResponse.id)
        .join(statement, statement.id == answer.statement_id)
        .join(InstrumentDimension, InstrumentDimension.id == statement.dimension_id)
        .outerjoin(step, and_(step.instrument_id == run.instrument_id,
                              step.value == answer.value))
        .where(_own_run(names))
        .order_by(run.date, run.id, InstrumentDimension.position, statement.position),
        ["run_date", "dimension", "statement", "scale_value", "scale_label"])


def mapping_analyses(session: Session, names: Names) -> pd.DataFrame:
    analysis = RunAnalysis
    return rows_of(session, names, select(
        ConnectednessRun.date, analysis.date, analysis.participants, analysis.conclusions,
        analysis.created_by, analysis.created_at)
        .join(ConnectednessRun, ConnectednessRun.id == analysis.run_id)
        .where(_own_run(names)).order_by(ConnectednessRun.date, analysis.id),
        ["run_date", "date", "participants", "conclusions", "registered_by", "registered_at"],
        registered_by="users")


def mapping_analysis_notes(session: Session, names: Names) -> pd.DataFrame:
    """What the staff noted under each topic of the conversation guide (topics left empty
    hold nothing)."""
    note = RunAnalysisNote
    return read_frame(session, select(ConnectednessRun.date, InstrumentTopic.title, note.note)
                      .join(RunAnalysis, RunAnalysis.id == note.analysis_id)
                      .join(ConnectednessRun, ConnectednessRun.id == RunAnalysis.run_id)
                      .join(InstrumentTopic, InstrumentTopic.id == note.topic_id)
                      .where(_own_run(names), note.note != "")
                      .order_by(ConnectednessRun.date, RunAnalysis.id, InstrumentTopic.position),
                      ["run_date", "guide_topic", "analysis_note"])


# --- Feedback and transitions ------------------------------------------------------------

def feedback(session: Session, names: Names) -> pd.DataFrame:
    sent = Feedback
    return rows_of(session, names, select(
        sent.created_at, sent.direction, sent.school_id, sent.author_id, Meeting.date,
        StudentTalk.date, sent.text, sent.acknowledged_at, sent.acknowledged_by, sent.answer)
        .outerjoin(Meeting, Meeting.id == sent.meeting_id)
        .outerjoin(StudentTalk, StudentTalk.id == sent.talk_id)
        .where(sent.student_id == names.id).order_by(sent.created_at, sent.id),
        ["sent_at", "direction", "school", "author", "meeting_date", "talk_date", "feedback",
         "acknowledged_at", "acknowledged_by", "answer"],
        school="schools", author="users", acknowledged_by="users")


def hand_overs(session: Session, names: Names) -> pd.DataFrame:
    sent = HandOver
    return rows_of(session, names, select(
        sent.received_on, sent.school_id, sent.sending_school, sent.year9_absence,
        sent.extra_adaptations, sent.special_support, sent.support_plan,
        sent.support_plan_date, sent.to_know, sent.sender_contact, sent.created_by)
        .where(sent.student_id == names.id).order_by(sent.received_on, sent.id),
        ["hand_over", "school", "sending_school", "year9_absence", "extra_adaptations",
         "special_support", "support_plan", "support_plan_date", "to_know", "sender_contact",
         "registered_by"], school="schools", registered_by="users")


def early_talks(session: Session, names: Names) -> pd.DataFrame:
    talk = EarlyTalk
    return rows_of(session, names, select(talk.date, talk.school_id, talk.held_by, talk.note,
                                        talk.created_by)
                 .where(talk.student_id == names.id).order_by(talk.date, talk.id),
                 ["date", "school", "held_by", "note", "registered_by"],
                 school="schools", registered_by="users")


SOURCES = {InterruptionSource.LIST: N_("Inskrivningslista"),
           InterruptionSource.SCREEN: N_("Markerat i appen")}


def interruptions(session: Session, names: Names) -> pd.DataFrame:
    ended = StudyInterruption
    frame = rows_of(session, names, select(ended.date, ended.school_id, ended.reason,
                                         ended.source, ended.previous_end, ended.created_by)
                  .where(ended.student_id == names.id).order_by(ended.date, ended.id),
                  ["date", "school", "interruption_reason", "interruption_source",
                   "previous_end", "registered_by"], school="schools", registered_by="users")
    frame["interruption_source"] = [_(SOURCES.get(s, s)) for s in frame["interruption_source"]]
    return frame


# --- The activity responsibility (KAA) ------------------------------------------------------

def kaa_episodes(session: Session, names: Names) -> pd.DataFrame:
    episode = KaaEpisode
    return rows_of(session, names, select(
        episode.opened_on, episode.municipality_id, episode.occupation,
        episode.occupation_since, episode.next_follow_up, episode.closed_on)
        .where(episode.student_id == names.id).order_by(episode.opened_on, episode.id),
        ["opened_on", "municipality", "occupation", "occupation_since", "next_follow_up",
         "closed_on"], municipality="municipalities")


def _of_episodes(session: Session, names: Names, model, fields: list,
                 columns: list[str]) -> pd.DataFrame:
    return rows_of(session, names, select(KaaEpisode.opened_on, *fields, model.author_id)
                 .join(KaaEpisode, KaaEpisode.id == model.episode_id)
                 .where(KaaEpisode.student_id == names.id).order_by(KaaEpisode.opened_on,
                                                                     model.id),
                 ["opened_on", *columns, "by"], by="users")


def kaa_contacts(session: Session, names: Names) -> pd.DataFrame:
    tried = KaaContact
    return _of_episodes(session, names, tried, [tried.date, tried.channel, tried.result,
                                                tried.note, tried.next_step],
                        ["date", "kaa_channel", "kaa_result", "note", "kaa_next_step"])


def kaa_measures(session: Session, names: Names) -> pd.DataFrame:
    offered = KaaMeasure
    return _of_episodes(session, names, offered, [offered.description, offered.start_date,
                                                  offered.end_date, offered.reason],
                        ["description", "start", "end", "kaa_reason"])


# --- Enrolment lists and the audit log -----------------------------------------------------

def moves(session: Session, names: Names) -> pd.DataFrame:
    move = StudentMove
    return rows_of(session, names, select(move.date, move.from_municipality_id,
                                        move.to_municipality_id, move.user_id)
                 .where(move.student_id == names.id).order_by(move.date, move.id),
                 ["date", "from_municipality", "to_municipality", "by"],
                 from_municipality="municipalities", to_municipality="municipalities",
                 by="users")


FIELDS = {"first_name": N_("Förnamn"), "last_name": N_("Efternamn"),
          "home_municipality_id": N_("Hemkommun"), "programme": N_("Program"),
          "school_year": N_("Årskurs"), "class_name": N_("Klass"),
          "start_date": N_("Startdatum"), "end_date": N_("Slutdatum")}
CHANGED = {ChangedTable.STUDENT: N_("Elevuppgifter"), ChangedTable.ENROLMENT: N_("Inskrivning")}


def import_changes(session: Session, names: Names) -> pd.DataFrame:
    """What an enrolment list changed about the student or an enrolment of theirs, with
    the values before the change (a protected identity's name not written out)."""
    change = ImportChange
    enrolled = select(Enrolment.id).where(Enrolment.student_id == names.id)
    rows = session.execute(
        select(ImportBatch.created_at, ImportBatch.user_id, change.table_name, change.before)
        .join(ImportBatch, ImportBatch.id == change.batch_id)
        .where(or_(and_(change.table_name == ChangedTable.STUDENT, change.row_id == names.id),
                   and_(change.table_name == ChangedTable.ENROLMENT,
                        change.row_id.in_(enrolled))))
        .order_by(ImportBatch.created_at, change.id)).all()
    return pd.DataFrame([(at, names.users.get(by, ""), _(CHANGED.get(table, table)),
                          _values_before(names, before)) for at, by, table, before in rows],
                        columns=["at", "by", "changed_record", "changed_from"])


def _values_before(names: Names, before: dict) -> str:
    shown = []
    for field, value in (before or {}).items():
        label = FIELDS.get(field) or CHANGED_FIELDS.get(field) or field
        if field in ("first_name", "last_name") and names.student.protected_identity:
            value = _("skyddad identitet")
        elif field == "home_municipality_id":
            value = names.municipalities.get(value, value)
        shown.append(f"{_(label)}: {'' if value is None else value}")
    return "; ".join(shown)


def audit_log(session: Session, names: Names) -> pd.DataFrame:
    """Who viewed or changed the student's records and when (Swedish time), oldest first."""
    event = AuditEvent
    frame = read_frame(session, select(event.at, event.user_id, event.username, event.action,
                                       event.entity, event.note)
                       .where(event.student_id == names.id).order_by(event.at, event.id),
                       ["at", "user_id", "username", "action", "entity", "note"])
    frame.insert(1, "user", [names.users.get(int(u), n) if pd.notna(u) else n
                             for u, n in zip(frame.pop("user_id"), frame.pop("username"),
                                             strict=True)])
    frame["note"] = frame["note"].fillna("")
    return frame




# --- What the school keeps, the coach's mark and the alerts ------------------------------------

def school_support(session: Session, names: Names) -> pd.DataFrame:
    kept = SchoolSupport
    return rows_of(session, names, select(
        kept.school_id, kept.extra_adaptations, kept.special_support, kept.support_plan,
        kept.support_plan_date, kept.note, kept.updated_by, kept.updated_at)
        .where(kept.student_id == names.id).order_by(kept.school_id),
        ["school", "extra_adaptations", "special_support", "support_plan",
         "support_plan_date", "note", "registered_by", "registered_at"],
        school="schools", registered_by="users")


def priority_marks(session: Session, names: Names) -> pd.DataFrame:
    mark = PriorityMark
    return rows_of(session, names, select(mark.marked_on, mark.user_id)
                   .where(mark.student_id == names.id), ["date", "registered_by"],
                   registered_by="users")


def alerts(session: Session, names: Names) -> pd.DataFrame:
    """Who was told when the student crossed a level, and when they acknowledged it."""
    alert = Alert
    return rows_of(session, names, select(
        alert.term_id, alert.kind, alert.school_id, alert.share, alert.user_id,
        alert.created_at, alert.acknowledged_at)
        .where(alert.student_id == names.id).order_by(alert.created_at, alert.id),
        ["term", "alert_kind", "school", "absence", "user", "registered_at",
         "acknowledged_at"], term="terms", school="schools", user="users")
