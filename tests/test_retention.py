"""Retention and erasure (lib.retention): the rules and their refusals, a dry run that counts
exactly what goes, an erasure that removes exactly that in one transaction, and the regional
figures of the past term, which are the same before the erasure, after it, and after the
summaries are counted again. A student's individual mapping run loses its answers and texts
with the talks and plans; class runs and plans at group level are about no student and are
never touched."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import func, select, update

from data_models.codes import AuditAction, AuditEntity, RetentionKind
from data_models.models import (
    AbsenceRecord,
    ActionPlan,
    AgendaItem,
    Alert,
    AuditEvent,
    Base,
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    Contact,
    EarlyTalk,
    Enrolment,
    Feedback,
    HandOver,
    KaaContact,
    KaaEpisode,
    KaaMeasure,
    Measure,
    MeasureFollowUp,
    Meeting,
    MeetingAmendment,
    MunicipalityTermSummary,
    PlanAmendment,
    PlanGoal,
    PlanItem,
    PlanReview,
    RetentionRule,
    RunAnalysis,
    RunAnalysisNote,
    SchoolSupport,
    Student,
    StudentTalk,
    StudentTalkCategory,
    StudentTalkSupport,
    StudentTermSummary,
    StudyInterruption,
    TalkCategory,
)
from data_models.personal_number import InvalidPersonalNumber, normalize
from data_models.windows import StudentTermFlag
from lib import retention, summaries
from lib.access import AccessDenied
from lib.indicators import municipality_table, region_indicators
from lib.measure_effects import effect_of_measures
from lib.retention import dry_run, erase, rules, set_rule
from lib.talk_indicators import talk_indicators
from lib.transition_indicators import transition_indicators
from lib.versioning import InputError
from tests.factories import personal_number
from tests.individual_run_world import (
    add_class_work,
    add_individual_instrument,
    add_individual_run,
)
from tests.test_indicators import Region, add_measures

TODAY = dt.date(2030, 1, 15)  # four years after the world's autumn term
LEFT = dt.date(2025, 12, 19)  # the erased group's enrolments end with the term
IN_TERM = dt.date(2025, 10, 6)
OLD, RECENT = dt.datetime(2024, 6, 3, 9), dt.datetime(2028, 3, 1, 9)


def _meeting(session, world, school: str, municipality: str) -> int:
    meeting = Meeting(school_id=world[school], term_id=world["HT2025"],
                      municipality_id=world[municipality], date=dt.date(2025, 10, 20),
                      status="held", created_by=world["user:coach_a"], created_at=OLD,
                      version=1)
    session.add(meeting)
    session.flush()
    return meeting.id


def _records(session, world, student_id: int, school: str, municipality: str,
             meeting_id: int, left: dt.date | None) -> None:
    """One of everything kept about a student, each with something written in it."""
    user, at = world["user:coach_a"], OLD
    enrolment = Enrolment(student_id=student_id, school_id=world[school], programme="NA",
                          class_name="NA1C", school_year=1, start_date=dt.date(2025, 8, 18),
                          end_date=left)
    session.add(enrolment)
    item = AgendaItem(meeting_id=meeting_id, student_id=student_id, position=1, frozen_at=at,
                      notes="Sover dåligt", assessment="Oro", decisions="Väckning")
    session.add_all([item, Contact(student_id=student_id, kind="talk", date=IN_TERM,
                                   note="Pratade om sömnen", user_id=user, created_at=at)])
    session.flush()
    session.add(MeetingAmendment(meeting_id=meeting_id, agenda_item_id=item.id, field="notes",
                                 before="Sover dåligt", after="Sover dåligt", user_id=user,
                                 at=at))
    measure = session.scalars(select(Measure).where(Measure.student_id == student_id)).one()
    measure.description, measure.owner_name = "Väckningssamtal varje morgon", "Kim Mentor"
    session.add(MeasureFollowUp(measure_id=measure.id, date=IN_TERM, text="Går bättre",
                                user_id=user, created_at=at))
    category = session.scalars(select(TalkCategory.id).order_by(TalkCategory.id)).first()
    talk = StudentTalk(student_id=student_id, side="coach", date=IN_TERM, held_by="Kim",
                       causes="Mobilen på natten", summary="Vill komma i tid", version=1,
                       author_id=user, created_at=at)
    plan = ActionPlan(student_id=student_id, phase="implementation", goal="Komma i tid",
                      coach_responsible="Kim", start_date=IN_TERM, review_date=IN_TERM,
                      version=1, created_by=user, created_at=at)
    session.add_all([talk, plan])
    session.flush()
    session.add_all([
        StudentTalkCategory(talk_id=talk.id, theme="cause", category_id=category),
        StudentTalkSupport(talk_id=talk.id, measure_id=measure.id, experience="helped",
                           note="Bra"),
        PlanGoal(plan_id=plan.id, position=1, text="Tre veckor i tid", due_date=IN_TERM),
        PlanReview(plan_id=plan.id, date=dt.date(2025, 11, 3), note="Bättre", author_id=user,
                   created_at=at),
        PlanAmendment(plan_id=plan.id, version=2, change="Nytt mål", reason="Bytt schema",
                      author_id=user, created_at=at),
        HandOver(student_id=student_id, school_id=world[school], sending_school="Byskolan",
                 year9_absence=0.12, special_support=True, to_know="Behöver struktur",
                 sender_contact="Rektor Byskolan", received_on=dt.date(2025, 6, 10),
                 version=1, created_by=user, created_at=at),
        EarlyTalk(student_id=student_id, school_id=world[school], date=dt.date(2025, 9, 8),
                  held_by="Mentor", note="Trivs", created_by=user, created_at=at),
        Feedback(direction="to_school", school_id=world[school],
                 municipality_id=world[municipality], student_id=student_id, text="Gammal",
                 author_id=user, created_at=dt.datetime(2025, 11, 3, 9), version=1),
        Feedback(direction="to_school", school_id=world[school],
                 municipality_id=world[municipality], student_id=student_id, text="Ny",
                 author_id=user, created_at=RECENT, version=1),
        Alert(student_id=student_id, term_id=world["HT2025"], kind="high", user_id=user,
              school_id=world[school], created_at=at),
        SchoolSupport(student_id=student_id, school_id=world[school], extra_adaptations=True,
                      note="Anpassat schema", version=1, updated_by=user, updated_at=at),
        AuditEvent(at=OLD, user_id=user, username="coach_a", action="view_student",
                   entity="student", entity_id=student_id, student_id=student_id),
        AuditEvent(at=RECENT, user_id=user, username="coach_a", action="view_student",
                   entity="student", entity_id=student_id, student_id=student_id),
    ])
    if left is not None:
        _kaa(session, world, student_id, enrolment, school, municipality)


def _kaa(session, world, student_id, enrolment, school, municipality) -> None:
    session.flush()
    interruption = StudyInterruption(student_id=student_id, enrolment_id=enrolment.id,
                                     school_id=world[school], date=LEFT, reason="interrupted",
                                     source="screen", created_by=world["user:coach_a"],
                                     created_at=OLD)
    session.add(interruption)
    session.flush()
    episode = KaaEpisode(student_id=student_id, municipality_id=world[municipality],
                         interruption_id=interruption.id, opened_on=LEFT, occupation="work",
                         occupation_since=dt.date(2026, 1, 12), closed_on=dt.date(2026, 3, 2),
                         version=1, created_at=OLD)
    session.add(episode)
    session.flush()
    session.add_all([
        KaaContact(episode_id=episode.id, date=dt.date(2025, 12, 22), channel="phone",
                   result="reached", note="Söker jobb", next_step="Ringa igen",
                   author_id=world["user:coach_a"], created_at=OLD),
        KaaMeasure(episode_id=episode.id, description="Praktik", start_date=LEFT,
                   reason="Vill arbeta", author_id=world["user:coach_a"], created_at=OLD)])


@pytest.fixture
def past(write, world):
    """Alfa: 14 new students at SA, 40 % absent then 10 %, a measure each, who all left with
    the autumn term (a closed KAA episode each): everything about them is past the rules on
    TODAY. Beta: 12 new students at SB at 25 %, still enrolled. Both groups have one of every
    record, and feedback and audit events from before the audit log's and after the
    feedback's rule. Returns the two groups' ids."""
    with write() as session:
        region = Region(session, world)
        gone = region.students("A", "SA", 14, [0.4] * 5 + [0.1] * 5)
        kept = region.students("B", "SB", 12, [0.25] * 10)
        summaries.refresh_all(session)
        add_measures(session, world, gone + kept)
        for ids, school, municipality, left in ((gone, "SA", "A", LEFT),
                                                (kept, "SB", "B", None)):
            meeting = _meeting(session, world, school, municipality)
            for student_id in ids:
                _records(session, world, student_id, school, municipality, meeting, left)
    return gone, kept


def region_tables(session, viewer, world) -> dict[str, pd.DataFrame]:
    """Every table of the region page for the world's autumn term."""
    term = world["HT2025"]
    figures = region_indicators(session, viewer, term)
    talks = talk_indicators(session, viewer, term)
    transitions = transition_indicators(session, viewer, term, TODAY)
    return {"indicators": figures.table, "funnel": figures.funnel, "meetings": figures.meetings,
            "trend": figures.trend, "municipalities": municipality_table(session, viewer, term),
            "effect": effect_of_measures(session, viewer, term), "talks": talks.table,
            "categories": talks.categories, "schools": transitions.schools,
            "kaa": transitions.municipalities}


def assert_same_tables(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for name in before:
        assert_frame_equal(before[name], after[name], obj=name)


def run_of(summary) -> dict:
    table = summary.table.set_index("retention_kind")
    return {kind: (int(table.loc[kind, "records"]), int(table.loc[kind, "record_students"]))
            for kind in RetentionKind}


EXPECTED = {
    RetentionKind.ABSENCE: (140 + 14, 14),  # ten weekly rows and an alert each
    RetentionKind.MEETING_NOTES: (14, 14),
    RetentionKind.MEASURES: (14, 14),
    RetentionKind.CONTACTS: (14, 14),
    RetentionKind.TALKS_AND_PLANS: (28, 14),  # a talk and a plan each
    # A hand-over, an early talk and the school's support each.
    RetentionKind.HAND_OVERS: (42, 14),
    RetentionKind.KAA: (28, 14),  # a contact attempt and a measure each
    # Everyone's feedback from 2025, and the newer feedback about the anonymised students.
    RetentionKind.FEEDBACK: (26 + 14, 26),
    RetentionKind.AUDIT_LOG: (26, 26),  # everyone's view from 2024
}


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def everything(read) -> dict[str, list]:
    """Every row of every table, to tell that nothing changed."""
    with read() as session:
        return {table.name: sorted(map(repr, session.execute(select(table)).all()))
                for table in Base.metadata.sorted_tables}


# --- The rules --------------------------------------------------------------------------------

def test_the_rules_start_at_their_defaults_and_an_administrator_sets_one(write, read, world,
                                                                         viewer):
    admin = viewer("admin")
    with read() as session:
        table = rules(session, admin).set_index("retention_kind")
    assert table["retention_years"].to_dict() == {**dict.fromkeys(RetentionKind, 3),
                                                  RetentionKind.AUDIT_LOG: 5}
    assert table.loc[RetentionKind.FEEDBACK, "retention_basis"] == "record"
    assert table.loc[RetentionKind.CONTACTS, "retention_basis"] == "student"
    with write() as session:
        set_rule(session, admin, "contacts", "7")
    with write() as session:
        set_rule(session, admin, RetentionKind.CONTACTS, 6)
    with read() as session:
        table = rules(session, admin).set_index("retention_kind")
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == AuditEntity.RETENTION_RULE).order_by(AuditEvent.id)).all()
    assert table.loc[RetentionKind.CONTACTS, "retention_years"] == 6
    assert table.loc[RetentionKind.CONTACTS, "default_years"] == 3
    assert [(e.action, e.details) for e in events] == [
        ("update", {"before": {"kind": "contacts", "years": 3},
                    "after": {"kind": "contacts", "years": 7}}),
        ("update", {"before": {"kind": "contacts", "years": 7},
                    "after": {"kind": "contacts", "years": 6}})]


@pytest.mark.parametrize("years", [0, -2, "0", "tre", "", "2.5", 2.5, None, True, 101])
def test_a_bad_period_is_refused_in_swedish_and_nothing_is_written(write, read, world, viewer,
                                                                   years):
    before = everything(read)
    with write() as session, pytest.raises(InputError, match="Ange antalet år som ett heltal"):
        set_rule(session, viewer("admin"), "contacts", years)
    assert everything(read) == before


def test_an_unknown_kind_is_refused(write, world, viewer):
    with write() as session, pytest.raises(InputError, match="Okänt slag av uppgifter"):
        set_rule(session, viewer("admin"), "photos", 3)


@pytest.mark.parametrize("who", ["coach_a", "staff_sb", "leader_north"])
def test_only_an_administrator_sees_the_rules_runs_or_erases(write, read, world, viewer, who):
    someone = viewer(who)
    for call in (lambda s: rules(s, someone), lambda s: set_rule(s, someone, "contacts", 5),
                 lambda s: dry_run(s, someone, TODAY), lambda s: erase(s, someone, TODAY)):
        with write() as session, pytest.raises(AccessDenied):
            call(session)
    with read() as session:
        assert _count(session, RetentionRule) == 0
        assert _count(session, AuditEvent, AuditEvent.action == AuditAction.ERASE) == 0


def test_the_database_refuses_a_period_under_one_year(write, world):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="ck_retention_rule_years"), write() as session:
        session.add(RetentionRule(kind="contacts", years=0, updated_by=world["user:admin"],
                                  updated_at=OLD))


# --- Who is past the rules --------------------------------------------------------------------

def test_a_student_s_end_is_the_latest_of_enrolment_kaa_and_records(write, read, world, past):
    gone, kept = past
    with read() as session:
        ends = retention.student_ends(session).set_index("student_id")["end"].to_dict()
    # The KAA episode closed on 2 March 2026, after the enrolment and the last absence term.
    assert {ends[s] for s in gone} == {dt.date(2026, 3, 2)}
    assert not set(kept) & set(ends)  # still enrolled
    assert world["anna"] not in ends
    with write() as session:  # a contact after the episode closed moves the end
        session.add(Contact(student_id=gone[0], kind="talk", date=dt.date(2027, 5, 4),
                            user_id=world["user:coach_a"], created_at=OLD))
    with read() as session:
        assert retention.student_ends(session).set_index("student_id")["end"][gone[0]] == \
            dt.date(2027, 5, 4)


def test_a_period_counts_whole_years_back():
    assert retention.years_before(dt.date(2030, 1, 15), 3) == dt.date(2027, 1, 15)
    assert retention.years_before(dt.date(2028, 2, 29), 1) == dt.date(2027, 2, 28)


# --- The dry run and the erasure --------------------------------------------------------------

def test_the_dry_run_counts_exactly_what_would_go_and_changes_nothing(write, read, world,
                                                                      viewer, past):
    before = everything(read)
    with read() as session:
        summary = dry_run(session, viewer("admin"), TODAY)
    assert run_of(summary) == EXPECTED
    assert summary.students == 14
    assert everything(read) == before
    # A day before the third anniversary of the episode's end nothing kept per student goes.
    with read() as session:
        early = dry_run(session, viewer("admin"), dt.date(2029, 3, 2))
    assert run_of(early)[RetentionKind.CONTACTS] == (0, 0) and early.students == 0
    with read() as session:
        on_time = dry_run(session, viewer("admin"), dt.date(2029, 3, 3))
    assert run_of(on_time)[RetentionKind.CONTACTS] == (14, 14)


def test_a_longer_rule_keeps_its_kind_and_the_students_identity(write, read, world, viewer,
                                                                past):
    with write() as session:
        set_rule(session, viewer("admin"), "kaa", 10)
    with read() as session:
        summary = dry_run(session, viewer("admin"), TODAY)
    counts = run_of(summary)
    assert counts[RetentionKind.KAA] == (0, 0)
    assert counts[RetentionKind.CONTACTS] == (14, 14)
    assert summary.students == 0
    assert counts[RetentionKind.FEEDBACK] == (26, 26)  # per record: only the 2025 ones


def test_the_erasure_removes_exactly_what_the_dry_run_said(write, read, world, viewer, past):
    gone, kept = past
    with read() as session:
        planned = dry_run(session, viewer("admin"), TODAY)
    with write() as session:
        done = erase(session, viewer("admin"), TODAY)
    assert_frame_equal(done.table, planned.table)
    with read() as session:
        people = {s.id: s for s in session.scalars(select(Student))}
        for student_id in gone:
            student = people[student_id]
            assert (student.first_name, student.last_name) == ("Gallrad", "")
            assert student.personal_number == f"G{student_id:011d}"
        for student_id in kept:
            assert people[student_id].last_name == "Indikatorsson"
            assert people[student_id].personal_number == normalize(
                people[student_id].personal_number)
        assert people[world["anna"]].first_name == "Anna"
        assert_erased(session, gone)
        assert_untouched(session, kept)
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.ERASE)).one()
        assert event.entity == AuditEntity.PERSONAL_DATA and event.student_id is None
        assert event.details == {"after": {**{str(k): v[0] for k, v in EXPECTED.items()},
                                           "anonymised_students": 14}}
        assert event.note is None
        # The audit log keeps the newer views and the erasure; the 2024 ones are gone.
        assert _count(session, AuditEvent, AuditEvent.at < dt.datetime(2025, 1, 1)) == 0
        assert _count(session, AuditEvent, AuditEvent.action == "view_student") == 26
        # Only the newer feedback about students still enrolled is left.
        assert sorted(session.scalars(select(Feedback.student_id))) == sorted(kept)
    with read() as session:
        again = dry_run(session, viewer("admin"), TODAY)
    assert set(run_of(again).values()) == {(0, 0)} and again.students == 0


def assert_erased(session, gone: list[int]) -> None:
    """The erased students' texts and detail rows are gone; the counted rows stay."""
    of = Measure.student_id.in_(gone)
    assert _count(session, AbsenceRecord, AbsenceRecord.student_id.in_(gone)) == 0
    assert _count(session, Alert, Alert.student_id.in_(gone)) == 0
    assert _count(session, SchoolSupport, SchoolSupport.student_id.in_(gone)) == 0
    assert _count(session, Measure, of) == 14
    assert session.scalars(select(Measure.description).where(of).distinct()).all() == [""]
    assert session.scalars(select(Measure.owner_name).where(of).distinct()).all() == [""]
    assert _count(session, MeasureFollowUp) == 12
    assert _count(session, Contact, Contact.student_id.in_(gone), Contact.note != "") == 0
    assert _count(session, Contact, Contact.student_id.in_(gone)) == 14
    assert _count(session, AgendaItem, AgendaItem.student_id.in_(gone),
                  AgendaItem.notes != "") == 0
    assert _count(session, MeetingAmendment) == 12
    assert _count(session, StudentTalk, StudentTalk.student_id.in_(gone),
                  StudentTalk.causes != "") == 0
    assert _count(session, StudentTalkCategory) == 26  # counted by the talk figures
    assert _count(session, StudentTalkSupport) == 12
    assert _count(session, ActionPlan, ActionPlan.student_id.in_(gone),
                  ActionPlan.goal != "") == 0
    assert (_count(session, PlanGoal), _count(session, PlanAmendment)) == (12, 12)
    assert _count(session, PlanReview) == 26
    assert _count(session, PlanReview, PlanReview.note != "") == 12
    hand_overs = session.execute(select(HandOver.to_know, HandOver.year9_absence,
                                        HandOver.special_support)
                                 .where(HandOver.student_id.in_(gone)).distinct()).all()
    assert hand_overs == [("", None, False)]
    assert _count(session, EarlyTalk, EarlyTalk.student_id.in_(gone), EarlyTalk.note != "") == 0
    assert _count(session, KaaContact, KaaContact.note != "") == 0
    assert _count(session, KaaContact) == 14 and _count(session, KaaMeasure) == 0
    assert _count(session, KaaEpisode) == 14 and _count(session, StudyInterruption) == 14
    assert _count(session, Enrolment, Enrolment.student_id.in_(gone),
                  Enrolment.class_name.is_not(None)) == 0
    # What the regional figures count stays.
    assert _count(session, StudentTermSummary, StudentTermSummary.student_id.in_(gone)) == 14
    assert _count(session, StudentTermFlag, StudentTermFlag.student_id.in_(gone)) == 14


def assert_untouched(session, kept: list[int]) -> None:
    assert _count(session, AbsenceRecord, AbsenceRecord.student_id.in_(kept)) == 120
    assert _count(session, Alert, Alert.student_id.in_(kept)) == 12
    assert _count(session, SchoolSupport, SchoolSupport.student_id.in_(kept)) == 12
    assert _count(session, Contact, Contact.student_id.in_(kept), Contact.note != "") == 12
    assert _count(session, Measure, Measure.student_id.in_(kept),
                  Measure.description != "") == 12
    assert _count(session, AgendaItem, AgendaItem.student_id.in_(kept),
                  AgendaItem.notes != "") == 12
    assert _count(session, StudentTalk, StudentTalk.student_id.in_(kept),
                  StudentTalk.causes != "") == 12
    assert _count(session, HandOver, HandOver.student_id.in_(kept), HandOver.to_know != "") == 12
    assert _count(session, Enrolment, Enrolment.student_id.in_(kept),
                  Enrolment.class_name == "NA1C") == 12


def test_an_anonymised_number_is_no_personal_number():
    with pytest.raises(InvalidPersonalNumber):
        normalize(retention.erased_number(123))
    assert len(retention.erased_number(10 ** 10)) == 12


# --- Mapping runs -----------------------------------------------------------------------------

@pytest.fixture
def mapped(write, world, past):
    """An individual run with its analysis for two students of each group, and a class run
    at SB with its analysis and a class plan. Returns the two groups' runs and the class
    work's ids."""
    gone, kept = past
    with write() as session:
        instrument = add_individual_instrument(session, world)
        runs = {group: [add_individual_run(session, world, instrument, student, "ELEV",
                                           school=school)
                        for student in ids[:2]]
                for group, ids, school in (("gone", gone, "SA"), ("kept", kept, "SB"))}
        runs["class"] = add_class_work(session, world)
    return runs


def _run_contents(session, run_ids: list[int]) -> dict:
    """What the runs still hold: notes, answers, analysis texts and topic notes."""
    runs = ConnectednessRun.id.in_(run_ids)
    analyses = select(RunAnalysis.id).join(ConnectednessRun,
                                           ConnectednessRun.id == RunAnalysis.run_id).where(runs)
    return {
        "runs": _count(session, ConnectednessRun, runs),
        "notes": _count(session, ConnectednessRun, runs, ConnectednessRun.note != ""),
        "answers": session.scalar(select(func.count()).select_from(ConnectednessAnswer)
                                  .join(ConnectednessResponse, ConnectednessResponse.id
                                        == ConnectednessAnswer.response_id)
                                  .join(ConnectednessRun, ConnectednessRun.id
                                        == ConnectednessResponse.run_id).where(runs)),
        "analyses": _count(session, RunAnalysis, RunAnalysis.id.in_(analyses)),
        "analysis_texts": _count(session, RunAnalysis, RunAnalysis.id.in_(analyses),
                                 (RunAnalysis.participants != "")
                                 | (RunAnalysis.conclusions != "")),
        "topic_notes": _count(session, RunAnalysisNote,
                              RunAnalysisNote.analysis_id.in_(analyses))}


def test_an_individual_run_loses_its_answers_and_texts_with_the_talks(write, read, world,
                                                                       viewer, past, mapped):
    gone, _kept = past
    with read() as session:
        planned = run_of(dry_run(session, viewer("admin"), TODAY))
    # A talk and a plan each, and the two runs of the erased group.
    assert planned[RetentionKind.TALKS_AND_PLANS] == (28 + 2, 14)
    assert {k: v for k, v in planned.items() if k != RetentionKind.TALKS_AND_PLANS} == {
        k: v for k, v in EXPECTED.items() if k != RetentionKind.TALKS_AND_PLANS}
    with read() as session:
        kept_before = _run_contents(session, mapped["kept"])
        class_before = _run_contents(session, [mapped["class"]["run"]])
    assert kept_before == {"runs": 2, "notes": 2, "answers": 4, "analyses": 2,
                           "analysis_texts": 2, "topic_notes": 4}
    assert class_before["answers"] == 18 and class_before["topic_notes"] == 1
    with write() as session:
        erase(session, viewer("admin"), TODAY)
    with read() as session:
        # The runs and analyses stay with their dates; nothing said about the student does.
        assert _run_contents(session, mapped["gone"]) == {
            "runs": 2, "notes": 0, "answers": 0, "analyses": 2, "analysis_texts": 0,
            "topic_notes": 0}
        assert _count(session, ConnectednessResponse, ConnectednessResponse.run_id.in_(
            mapped["gone"])) == 0
        assert session.scalars(select(ConnectednessRun.version).where(
            ConnectednessRun.id.in_(mapped["gone"]))).all() == [2, 2]
        # No anonymised student has a run with answers pointing to them.
        assert session.scalar(select(func.count()).select_from(ConnectednessResponse)
                              .join(ConnectednessRun,
                                    ConnectednessRun.id == ConnectednessResponse.run_id)
                              .where(ConnectednessRun.student_id.in_(gone))) == 0
        assert _run_contents(session, mapped["kept"]) == kept_before
        assert _run_contents(session, [mapped["class"]["run"]]) == class_before
        plan = session.get(ActionPlan, mapped["class"]["plan"])
        assert (plan.goal, plan.learned, plan.owner, plan.version) == (
            "KLASS-mål", "KLASS-lärdom", "KLASS-ägare", 1)
        assert session.scalars(select(PlanItem.text)).all() == ["KLASS-insats"]
        assert session.scalar(select(PlanReview.note).where(
            PlanReview.plan_id == plan.id)) == "KLASS-uppföljning"
    with read() as session:
        again = dry_run(session, viewer("admin"), TODAY)
    assert set(run_of(again).values()) == {(0, 0)}


def test_an_individual_run_or_its_analysis_moves_the_student_s_end(write, read, world,
                                                                   past):
    gone, _kept = past
    with write() as session:
        instrument = add_individual_instrument(session, world)
        run_id = add_individual_run(session, world, instrument, gone[0], "ELEV", school="SA",
                                    date=dt.date(2026, 4, 1))
    with read() as session:
        assert retention.student_ends(session).set_index("student_id")["end"][gone[0]] == \
            dt.date(2026, 4, 1)
    with write() as session:
        session.execute(update(RunAnalysis).where(RunAnalysis.run_id == run_id)
                        .values(date=dt.date(2027, 5, 4)))
    with read() as session:
        ends = retention.student_ends(session).set_index("student_id")["end"]
    assert ends[gone[0]] == dt.date(2027, 5, 4) and ends[gone[1]] == dt.date(2026, 3, 2)


def test_class_work_is_no_student_s_end_when_no_one_is_enrolled(write, read, world, viewer):
    """With every enrolment ended, a class run and a class plan (no student) still date no
    one, and the erasure leaves them whole."""
    with write() as session:
        work = add_class_work(session, world)
        session.execute(update(Enrolment).where(Enrolment.end_date.is_(None))
                        .values(end_date=LEFT))
    with read() as session:
        ends = retention.student_ends(session)
        summary = dry_run(session, viewer("admin"), TODAY)
    assert ends["student_id"].notna().all() and len(ends) > 0
    assert summary.students == len(ends)
    with write() as session:
        erase(session, viewer("admin"), TODAY)
    with read() as session:
        assert _run_contents(session, [work["run"]]) == {
            "runs": 1, "notes": 0, "answers": 18, "analyses": 1, "analysis_texts": 1,
            "topic_notes": 1}
        assert session.get(ActionPlan, work["plan"]).goal == "KLASS-mål"
        assert session.scalar(select(PlanReview.note).where(
            PlanReview.plan_id == work["plan"])) == "KLASS-uppföljning"


# --- The regional figures of past terms -------------------------------------------------------

def test_the_region_tables_are_the_same_before_and_after_an_erasure(write, read, world, viewer,
                                                                    past, db_url):
    admin = viewer("admin")
    with read() as session:
        before = region_tables(session, admin, world)
    # The figures are there to compare: the effect of the erased group's measures, the
    # talks, and the interruptions with their KAA episodes.
    effect = before["effect"].set_index("effect_group")
    assert effect.loc["mi", "count"] == 26
    talks = before["talks"].set_index("municipality")
    assert talks.loc["Alfa", "identified"] == 15 and talks.loc["Alfa", "talked"] == 14
    assert before["kaa"].set_index("municipality").loc["Alfa", "kaa_opened"] == 14
    assert before["schools"].set_index("school").loc["Skola SA", "hand_overs"] == 14
    with write() as session:
        erase(session, admin, TODAY)
    with read() as session:
        assert_same_tables(before, region_tables(session, admin, world))
    _count_again(write, db_url)
    with read() as session:
        assert_same_tables(before, region_tables(session, admin, world))


def _count_again(write, db_url) -> None:
    """Every way the summaries are counted again after a migration or a threshold change,
    as `lib.cli prepare` and the administration run them: each reads the summaries, which
    keep the erased students' counts, not the raw rows that are gone."""
    from lib.cli import _rebuild_stale_summaries

    with write() as session:
        session.execute(update(MunicipalityTermSummary).values(over_15=None))
        session.execute(update(StudentTermSummary).values(weeks=None))
        session.execute(StudentTermFlag.__table__.delete())
    _rebuild_stale_summaries(db_url)
    with write() as session:
        assert not summaries.is_stale(session)
        summaries.refresh_municipalities(session, session.scalars(
            select(MunicipalityTermSummary.municipality_id).distinct()).all())
        summaries.refresh_effects(session)


def test_a_failure_midway_leaves_everything_as_it_was(write, read, world, viewer, past,
                                                      monkeypatch):
    gone, _kept = past
    before = everything(read)

    def broken(session, students):
        # The steps before this one have run: the notes and the absence rows are gone.
        assert _count(session, Contact, Contact.student_id.in_(gone), Contact.note != "") == 0
        assert _count(session, AbsenceRecord, AbsenceRecord.student_id.in_(gone)) == 0
        raise RuntimeError("disk full")
    monkeypatch.setattr(retention, "_anonymise", broken)
    with pytest.raises(RuntimeError, match="disk full"), write() as session:
        erase(session, viewer("admin"), TODAY)
    assert everything(read) == before


# --- The tab ----------------------------------------------------------------------------------

def test_the_tab_shows_the_dry_run_and_erases_only_when_confirmed(app_env, write, read, world):
    from tests.apptest import login, open_tab, student_page, texts

    with write() as session:  # a student who left in 2020, with a note from her last term
        student = Student(personal_number=personal_number("20010606", 982), first_name="Gammal",
                          last_name="Elevsson", home_municipality_id=world["A"])
        session.add(student)
        session.flush()
        session.add_all([
            Enrolment(student_id=student.id, school_id=world["SA"], programme="NA",
                      class_name="NA3A", school_year=3, start_date=dt.date(2017, 8, 21),
                      end_date=dt.date(2020, 6, 12)),
            Contact(student_id=student.id, kind="talk", date=dt.date(2020, 5, 4),
                    note="Slutar", user_id=world["user:coach_a"], created_at=OLD)])
        gammal = student.id
    at = open_tab(login("admin", page="pages/14_Dataskydd.py"), "data_protection_tabs", 1)
    assert not at.exception
    assert "Gallringsregler" in texts(at)
    at.toggle(key="retention_dry_run").set_value(True).run()
    assert not at.exception
    run = next(frame.value for frame in at.dataframe if "Poster" in frame.value.columns)
    run = run.set_index("Uppgifter")
    assert (run.loc["Kontakter", "Poster"], run.loc["Kontakter", "Elever"]) == ("1", "1")
    assert run.loc["Frånvarorader", "Poster"] == "0"
    assert "Elever som avidentifieras: 1." in texts(at)
    assert "Gammal" not in texts(at)
    next(b for b in at.button if b.label == "Gallra nu").click().run()
    assert "Skriv GALLRA i rutan för att gallra." in texts(at)
    with read() as session:
        assert session.get(Student, gammal).first_name == "Gammal"
    next(t for t in at.text_input if t.label == "Skriv GALLRA för att bekräfta").input("GALLRA")
    next(b for b in at.button if b.label == "Gallra nu").click().run()
    assert not at.exception
    assert "Gallringen är klar: 1 poster togs bort eller tömdes, och 1 elever " \
        "avidentifierades." in texts(at)
    with read() as session:
        assert session.get(Student, gammal).first_name == "Gallrad"
        assert session.get(Student, gammal).personal_number == f"G{gammal:011d}"
        assert session.get(Student, world["cleo"]).first_name == "Cleo"
    # The anonymised student's page still opens, with nothing left of who she was.
    page = student_page("admin", gammal)
    assert not page.exception
    assert "Gallrad" in texts(page) and "Gammal" not in texts(page)
    assert "Slutar" not in texts(page)
