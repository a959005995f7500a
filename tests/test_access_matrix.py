"""Every service that takes an id, for every role, with every id outside the role's scope:
the answer must be the one given for an id that does not exist at all. Anything else is a
leak, if only of one bit (that the record exists, or that it has no measure).

The world is tests/factories.py's, with a meeting, a measure, a contact and feedback on each
side: Alfa's (anna at school SB) and Gamma's (dan at school SC)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import (
    AgendaItem,
    Alert,
    AuditEvent,
    Enrolment,
    Feedback,
    ImportBatch,
    KaaEpisode,
    RunAnalysis,
    User,
)
from lib import (
    agenda,
    alerts,
    collaboration,
    connectedness,
    connectedness_results,
    contacts,
    cycle,
    dashboards,
    feedback,
    group_plans,
    instruments,
    interruptions,
    kaa,
    measures,
    meetings,
    method_meetings,
    minutes,
    plan_changes,
    plan_document,
    plans,
    priority,
    register_extract,
    restricted,
    run_analysis,
    school_messages,
    school_report,
    school_support,
    shared_goals,
    student_absence,
    student_patterns,
    students,
    talks,
    transitions,
    visit_pack,
)
from lib.access import AccessDenied, require_student
from lib.clock import utcnow
from lib.importing import batches
from lib.versioning import Conflict, InputError

ROOT = Path(__file__).resolve().parent.parent
MISSING = 987_654
DAY = dt.date(2025, 10, 1)
ROLES = ["coach_a", "coach_c", "staff_sb", "staff_sc", "leader_north", "leader_south"]
# What each role may see, by record; everything else in the scene is out of scope.
IN_SCOPE = {
    "coach_a": {"anna", "cleo", "eva", "SA", "SB", "meeting_a", "item_anna", "measure_anna",
                "feedback_anna", "batch_a", "talk_anna", "plan_anna", "enrolment_anna",
                "episode_anna", "school_contact_a", "alert_a", "run_a", "group_plan_a",
                "method_meeting_a", "shared_goal_a"},
    "coach_c": {"dan", "SC", "meeting_c", "item_dan", "measure_dan", "feedback_dan",
                "talk_dan", "plan_dan", "enrolment_dan", "episode_dan", "school_contact_c",
                "alert_c", "run_c", "group_plan_c", "method_meeting_c", "shared_goal_c"},
    "staff_sb": {"anna", "bo", "eva", "SB", "meeting_a", "item_anna", "measure_anna",
                 "feedback_anna", "plan_anna", "enrolment_anna", "school_contact_a",
                 "report_a", "run_a", "group_plan_a", "method_meeting_a", "shared_goal_a"},
    "staff_sc": {"dan", "SC", "meeting_c", "item_dan", "measure_dan", "feedback_dan",
                 "plan_dan", "enrolment_dan", "school_contact_c", "report_c", "run_c",
                 "group_plan_c", "method_meeting_c", "shared_goal_c"},
    # Project leaders read their region's class runs (aggregates) and shared goals.
    "leader_north": {"run_a", "shared_goal_a"},
    "leader_south": {"run_c", "shared_goal_c"},
}
KINDS = {
    "student": ["anna", "bo", "cleo", "dan", "eva"],
    "school": ["SA", "SB", "SC"],
    "meeting": ["meeting_a", "meeting_c"],
    "item": ["item_anna", "item_dan"],
    "measure": ["measure_anna", "measure_dan"],
    "feedback": ["feedback_anna", "feedback_dan"],
    "batch": ["batch_a"],
    "talk": ["talk_anna", "talk_dan"],  # the coaches' talks: staff read and send neither
    "plan": ["plan_anna", "plan_dan"],
    "enrolment": ["enrolment_anna", "enrolment_dan"],
    "episode": ["episode_anna", "episode_dan"],  # the coaches hold the KAA job here
    "school_contact": ["school_contact_a", "school_contact_c"],
    "report": ["report_a", "report_c"],  # sent: the school acknowledges it
    "alert": ["alert_a", "alert_c"],  # each coach's own
    "run": ["run_a", "run_c"],  # a class run at each school, with its analysis
    "group_plan": ["group_plan_a", "group_plan_c"],  # a class plan from each run
    "method_meeting": ["method_meeting_a", "method_meeting_c"],
    "shared_goal": ["shared_goal_a", "shared_goal_c"],  # the one from each method meeting
    "instrument_draft": ["instrument_draft"],  # an administrator's draft: no one else's
}


@pytest.fixture
def scene(write, world, viewer) -> dict[str, int]:
    ids = dict(world.ids)
    with write() as session:
        for side, who, muni, school, student in (("a", "coach_a", "A", "SB", "anna"),
                                                 ("c", "coach_c", "C", "SC", "dan")):
            coach = viewer(who)
            meeting_id = meetings.plan_meeting(
                session, coach, school_id=world[school], term_id=world["HT2025"],
                municipality_id=world[muni], date=DAY)
            ids[f"meeting_{side}"] = meeting_id
            ids[f"item_{student}"] = session.scalar(select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.student_id == world[student]))
            ids[f"measure_{student}"] = measures.add_measure(
                session, coach, world[student], kind="mi", owner_kind="coach",
                start_date=DAY, follow_up_date=DAY + dt.timedelta(days=20),
                school_id=world[school], meeting_id=meeting_id)
            contacts.add_contact(session, coach, world[student], "talk", DAY, "Samtal.", DAY)
            ids[f"feedback_{student}"] = feedback.send_feedback(
                session, coach, "Om eleven.", student_id=world[student],
                school_id=world[school])
            ids[f"talk_{student}"] = talks.record_talk(
                session, coach, world[student],
                talks.TalkInput(date=DAY, held_by="Coach", texts={"summary": "Kort."}), DAY)
            ids[f"plan_{student}"] = plans.create_plan(
                session, coach, world[student],
                plans.PlanInput(goal="Mål.", start_date=DAY, review_date=DAY,
                                goals=(("Delmål", DAY),)))
            ids[f"enrolment_{student}"] = session.scalar(select(Enrolment.id).where(
                Enrolment.student_id == world[student], Enrolment.school_id == world[school]))
            session.scalar(select(User).where(User.username == who)).handles_kaa = True
            interruptions.end_enrolment(session, coach, ids[f"enrolment_{student}"], DAY,
                                        "interrupted", DAY)
            ids[f"episode_{student}"] = session.scalar(select(KaaEpisode.id).where(
                KaaEpisode.student_id == world[student]))
            ids[f"school_contact_{side}"] = collaboration.add_contact(
                session, coach, world[muni], world[school],
                collaboration.ContactInput("principal", name="Lena Berg"))
            report = (world[school], world[muni], world["HT2025"])
            school_report.save_proposals(session, coach, *report, "Förslag.", 0)
            school_report.send_report(session, coach, *report, 1)
            ids[f"report_{side}"] = school_report.report_state(session, coach, *report).id
            alert = Alert(student_id=world[student], term_id=world["HT2025"], kind="high",
                          user_id=coach.user_id, school_id=world[school], created_at=utcnow())
            session.add(alert)
            session.flush()
            ids[f"alert_{side}"] = alert.id
        _connectedness_scene(session, world, viewer, ids)
        batch = ImportBatch(kind="absence", file_name="frånvaro.xlsx", file_hash="0" * 64,
                            user_id=world["user:coach_a"], created_at=utcnow(), row_count=0,
                            school_id=world["SB"])
        session.add(batch)
        session.flush()
        ids["batch_a"] = batch.id
    return ids


def _connectedness_scene(session, world, viewer, ids) -> None:
    """A published class instrument and an administrator's draft; on each side a class run
    with its analysis and a class plan, and a method meeting with a shared goal."""
    path = ROOT / "data" / "instruments" / "exempel-skolanknytning-klass.csv"
    draft = instruments.read_instrument_file(path.read_bytes(), path.name)
    admin = viewer("admin")
    instrument_id = instruments.load_instrument(session, admin, draft)
    instruments.publish(session, admin, instrument_id, 1)
    ids["instrument_draft"] = instruments.new_version(session, admin, instrument_id)
    for side, muni, school, staff_name, coach_name in (("a", "A", "SB", "staff_sb", "coach_a"),
                                                       ("c", "C", "SC", "staff_sc", "coach_c")):
        staff, coach = viewer(staff_name), viewer(coach_name)
        run = connectedness.start_run(session, staff, connectedness.RunInput(
            instrument_id, world[school], DAY, "NA1A"))
        ids[f"run_{side}"] = run
        run_analysis.save_analysis(session, staff, run, run_analysis.AnalysisInput(
            DAY, "Rektor", "Slutsats.", {}), 0)
        analysis = session.scalar(select(RunAnalysis.id).where(RunAnalysis.run_id == run))
        ids[f"group_plan_{side}"] = group_plans.create_group_plan(
            session, staff, group_plans.GroupPlanInput(
                level="class", goal="Mål.", owner="Rektor", start_date=DAY, review_date=DAY,
                run_id=run, analysis_id=analysis))
        meeting = method_meetings.create_meeting(session, coach, method_meetings.MeetingInput(
            world[muni], DAY, "Fall", school_id=world[school]))
        ids[f"method_meeting_{side}"] = meeting
        ids[f"shared_goal_{side}"] = shared_goals.set_goal(session, coach, shared_goals.GoalInput(
            world[muni], "share_20", "at_most", 0.15, "HT2099", method_meeting_id=meeting))


# (kind of id, name, call). Each call gets (session, viewer, id, scene).
CALLS = [
    ("student", "require_student", lambda s, v, i, w: require_student(s, v, i)),
    ("student", "get_student", lambda s, v, i, w: students.get_student(s, v, i)),
    ("student", "student_absence", lambda s, v, i, w: student_absence.student_absence(s, v, i)),
    ("student", "build_student_follow_up",
     lambda s, v, i, w: visit_pack.build_student_follow_up(s, v, i, DAY)),
    ("student", "before_and_after", lambda s, v, i, w: measures.before_and_after(s, v, i)),
    ("student", "student_history", lambda s, v, i, w: meetings.student_history(s, v, i)),
    ("student", "list_contacts", lambda s, v, i, w: contacts.list_contacts(s, v, i)),
    ("student", "add_contact",
     lambda s, v, i, w: contacts.add_contact(s, v, i, "talk", DAY, "x", DAY)),
    ("student", "add_measure", lambda s, v, i, w: measures.add_measure(
        s, v, i, kind="mi", owner_kind="coach", start_date=DAY, follow_up_date=DAY)),
    ("student", "measure_rows(student)",
     lambda s, v, i, w: measures.measure_rows(s, v, DAY, student_id=i)),
    ("student", "feedback_rows(student)",
     lambda s, v, i, w: feedback.feedback_rows(s, v, student_id=i)),
    ("student", "send_feedback(student)", lambda s, v, i, w: feedback.send_feedback(
        s, v, "x", student_id=i, school_id=w["SB"])),
    ("student", "filter_without_follow_up",
     lambda s, v, i, w: visit_pack.filter_without_follow_up(
         s, v, pd.DataFrame({"id": [i]}), DAY)),
    ("student", "people", lambda s, v, i, w: students.people(s, v, [i])),
    ("student", "list_talks", lambda s, v, i, w: talks.list_talks(s, v, i)),
    ("student", "read_talks", lambda s, v, i, w: talks.read_talks(s, v, i)),
    ("student", "support_choices", lambda s, v, i, w: talks.support_choices(s, v, i)),
    ("student", "reader_choices", lambda s, v, i, w: restricted.reader_choices(s, v, i)),
    ("student", "get_support", lambda s, v, i, w: school_support.get_support(s, v, i)),
    ("student", "save_support", lambda s, v, i, w: school_support.save_support(
        s, v, i, w["SB"], extra_adaptations=True, special_support=False, support_plan=False,
        support_plan_date=None, note="", expected_version=0, today=DAY)),
    ("school", "save_support(school)", lambda s, v, i, w: school_support.save_support(
        s, v, w["eva"], i, extra_adaptations=True, special_support=False, support_plan=False,
        support_plan_date=None, note="", expected_version=0, today=DAY)),
    ("school", "support_at_school", lambda s, v, i, w: school_support.support_at_school(
        s, v, i, [w["anna"], w["eva"], w["dan"]])),
    ("student", "student_pattern", lambda s, v, i, w: student_patterns.student_pattern(
        s, v, i, w["HT2025"], w["SB"])),
    ("student", "student_patterns", lambda s, v, i, w: student_patterns.student_patterns(
        s, v, [i], w["HT2025"], w["SB"])),
    ("school", "student_patterns(school)", lambda s, v, i, w: student_patterns.student_patterns(
        s, v, [w["anna"], w["eva"], w["dan"]], w["HT2025"], i)),
    ("student", "mark_priority", lambda s, v, i, w: priority.mark_priority(s, v, i, DAY)),
    ("student", "clear_priority", lambda s, v, i, w: priority.clear_priority(s, v, i)),
    ("student", "is_priority", lambda s, v, i, w: priority.is_priority(s, v, i)),
    ("school", "get_collaboration", lambda s, v, i, w: collaboration.get_collaboration(
        s, v, next(iter(v.municipality_ids), w["A"]), i)),
    ("school", "contact_user_choices", lambda s, v, i, w: collaboration.contact_user_choices(
        s, v, next(iter(v.municipality_ids), w["A"]), i)),
    ("school", "save_collaboration", lambda s, v, i, w: collaboration.save_collaboration(
        s, v, next(iter(v.municipality_ids), w["A"]), i, 0,
        collaboration.CollaborationInput("contacted", DAY), DAY)),
    ("school", "add_school_contact", lambda s, v, i, w: collaboration.add_contact(
        s, v, next(iter(v.municipality_ids), w["A"]), i,
        collaboration.ContactInput("principal", name="Lena Berg"))),
    ("school_contact", "remove_school_contact",
     lambda s, v, i, w: collaboration.remove_contact(s, v, i)),
    ("school", "thread", lambda s, v, i, w: school_messages.thread(
        s, v, i, next(iter(v.municipality_ids), w["A"]))),
    ("school", "send_message", lambda s, v, i, w: school_messages.send_message(
        s, v, "x", i, next(iter(v.municipality_ids), w["A"]))),
    ("school", "report_figures", lambda s, v, i, w: school_report.report_figures(
        s, v, i, next(iter(v.municipality_ids), w["A"]), w["HT2025"])),
    ("school", "school_report", lambda s, v, i, w: school_report.school_report(
        s, v, i, next(iter(v.municipality_ids), w["A"]), w["HT2025"])),
    ("school", "save_proposals", lambda s, v, i, w: school_report.save_proposals(
        s, v, i, next(iter(v.municipality_ids), w["A"]), w["HT2025"], "x", 2)),
    ("school", "send_report", lambda s, v, i, w: school_report.send_report(
        s, v, i, next(iter(v.municipality_ids), w["A"]), w["HT2025"], 2)),
    ("school", "report_excel", lambda s, v, i, w: school_report.report_excel(
        s, v, i, next(iter(v.municipality_ids), w["A"]), w["HT2025"])),
    ("report", "acknowledge_report",
     lambda s, v, i, w: school_report.acknowledge_report(s, v, i, 2)),
    ("alert", "acknowledge_alert", lambda s, v, i, w: alerts.acknowledge_alert(s, v, i)),
    ("student", "register_extract",
     lambda s, v, i, w: register_extract.register_extract(s, v, i)),
    ("student", "record_talk", lambda s, v, i, w: talks.record_talk(
        s, v, i, talks.TalkInput(date=DAY, held_by="x"), DAY)),
    ("school", "school_page",
     lambda s, v, i, w: dashboards.school_page(s, v, i, w["HT2025"])),
    ("school", "heatmap_page", lambda s, v, i, w: dashboards.heatmap_page(
        s, v, i, w["HT2025"], [w["anna"], w["dan"], w["eva"]], 0)),
    ("school", "build_visit_pack",
     lambda s, v, i, w: visit_pack.build_visit_pack(s, v, i, w["HT2025"], DAY)),
    ("school", "school_figures",
     lambda s, v, i, w: agenda.school_figures(s, v, i, w["HT2025"])),
    ("school", "participant_choices", lambda s, v, i, w: meetings.participant_choices(
        s, v, i, next(iter(v.municipality_ids), w["A"]))),
    ("school", "list_meetings(school)",
     lambda s, v, i, w: meetings.list_meetings(s, v, school_id=i)),
    ("school", "measure_rows(school)",
     lambda s, v, i, w: measures.measure_rows(s, v, DAY, school_id=i)),
    ("school", "feedback_rows(school)",
     lambda s, v, i, w: feedback.feedback_rows(s, v, school_id=i)),
    ("meeting", "get_meeting", lambda s, v, i, w: meetings.get_meeting(s, v, i)),
    ("meeting", "agenda", lambda s, v, i, w: agenda.list_agenda(s, v, i)),
    ("meeting", "generate_agenda", lambda s, v, i, w: agenda.generate_agenda(s, v, i)),
    ("meeting", "set_status", lambda s, v, i, w: meetings.set_status(s, v, i, 1, "held")),
    ("meeting", "amendments", lambda s, v, i, w: meetings.amendments(s, v, i)),
    ("meeting", "touch_presence", lambda s, v, i, w: meetings.touch_presence(s, v, i)),
    ("meeting", "present", lambda s, v, i, w: meetings.present(s, v, i)),
    ("meeting", "changes_since",
     lambda s, v, i, w: meetings.changes_since(s, v, i, dt.datetime(2000, 1, 1))),
    ("meeting", "minutes", lambda s, v, i, w: minutes.minutes(s, v, i)),
    ("meeting", "export_minutes", lambda s, v, i, w: minutes.export_minutes(s, v, i, "xlsx")),
    ("meeting", "measure_rows(meeting)",
     lambda s, v, i, w: measures.measure_rows(s, v, DAY, meeting_id=i)),
    ("meeting", "feedback_rows(meeting)",
     lambda s, v, i, w: feedback.feedback_rows(s, v, meeting_id=i)),
    ("meeting", "send_feedback(meeting)",
     lambda s, v, i, w: feedback.send_feedback(s, v, "x", meeting_id=i)),
    ("meeting", "add_measure(meeting)", lambda s, v, i, w: measures.add_measure(
        s, v, next(iter(sorted(_own_students(s, v))), MISSING), kind="mi", owner_kind="coach",
        start_date=DAY, follow_up_date=DAY, meeting_id=i)),
    ("item", "get_entry", lambda s, v, i, w: meetings.get_entry(s, v, i)),
    ("item", "save_entry", lambda s, v, i, w: meetings.save_entry(s, v, i, 1, {"notes": "x"})),
    ("item", "send_agenda_feedback",
     lambda s, v, i, w: feedback.send_agenda_feedback(s, v, i)),
    ("measure", "update_measure",
     lambda s, v, i, w: measures.update_measure(s, v, i, 1, status="ongoing")),
    ("measure", "add_follow_up",
     lambda s, v, i, w: measures.add_follow_up(s, v, i, DAY, "x")),
    ("measure", "follow_ups", lambda s, v, i, w: measures.follow_ups(s, v, i)),
    ("feedback", "acknowledge", lambda s, v, i, w: feedback.acknowledge(s, v, i, 1)),
    ("batch", "undo", lambda s, v, i, w: batches.undo_batch(s, v, i)),
    ("student", "list_plans", lambda s, v, i, w: plans.list_plans(s, v, i)),
    ("student", "follow_up_cycle",
     lambda s, v, i, w: cycle.follow_up_cycle(s, v, i, w["HT2025"])),
    ("student", "create_plan", lambda s, v, i, w: plans.create_plan(
        s, v, i, plans.PlanInput(goal="x", start_date=DAY, review_date=DAY))),
    ("plan", "plan_goals", lambda s, v, i, w: plans.plan_goals(s, v, i)),
    ("plan", "set_phase", lambda s, v, i, w: plans.set_phase(s, v, i, 1, "planning")),
    ("plan", "close_plan", lambda s, v, i, w: plans.close_plan(s, v, i, 1, "met", "", DAY)),
    ("plan", "link_measure", lambda s, v, i, w: plans.link_measure(s, v, i, MISSING)),
    ("student", "student_plan_goals", lambda s, v, i, w: plans.student_plan_goals(s, v, i)),
    ("student", "deciding_meetings", lambda s, v, i, w: plans.deciding_meetings(s, v, i)),
    ("student", "cycle_table",
     lambda s, v, i, w: cycle.cycle_table(s, v, [i], w["HT2025"]).reset_index(drop=True)),
    ("student", "student_plan_follow_ups",
     lambda s, v, i, w: plan_changes.student_plan_follow_ups(s, v, i)),
    ("plan", "plan_reviews", lambda s, v, i, w: plan_changes.plan_reviews(s, v, i)),
    ("plan", "plan_amendments", lambda s, v, i, w: plan_changes.plan_amendments(s, v, i)),
    ("plan", "plan_document", lambda s, v, i, w: plan_document.plan_document(s, v, i).title),
    ("plan", "export_plan", lambda s, v, i, w: len(plan_document.export_plan(s, v, i)) > 0),
    ("plan", "approve_plan",
     lambda s, v, i, w: plan_changes.approve_plan(s, v, i, 1, DAY, "Eleven", DAY)),
    ("plan", "change_plan", lambda s, v, i, w: plan_changes.change_plan(
        s, v, i, 1, plan_changes.PlanChange(goal="Annat.", review_date=DAY))),
    ("plan", "review_plan",
     lambda s, v, i, w: plan_changes.review_plan(s, v, i, 1, DAY, "Bra.", None, DAY)),
    ("student", "get_hand_over",
     lambda s, v, i, w: transitions.get_hand_over(s, v, i, w["SB"])),
    ("student", "save_hand_over", lambda s, v, i, w: transitions.save_hand_over(
        s, v, i, w["SB"], transitions.HandOverInput("Skola", received_on=DAY), DAY)),
    ("student", "get_early_talk",
     lambda s, v, i, w: transitions.get_early_talk(s, v, i, w["SB"])),
    ("student", "record_early_talk", lambda s, v, i, w: transitions.record_early_talk(
        s, v, i, w["SB"], DAY, "x", "", DAY)),
    ("school", "incoming_students",
     lambda s, v, i, w: transitions.incoming_students(s, v, i, w["HT2025"], DAY)),
    ("student", "student_interruptions",
     lambda s, v, i, w: interruptions.student_interruptions(s, v, i)),
    ("student", "endable_enrolments",
     lambda s, v, i, w: interruptions.endable_enrolments(s, v, i, DAY)),
    ("enrolment", "end_enrolment", lambda s, v, i, w: interruptions.end_enrolment(
        s, v, i, DAY, "moved", DAY)),
    ("episode", "get_episode", lambda s, v, i, w: kaa.get_episode(s, v, i, DAY)),
    ("episode", "add_attempt", lambda s, v, i, w: kaa.add_attempt(
        s, v, i, DAY, "phone", "reached", "", "", DAY)),
    ("episode", "set_occupation", lambda s, v, i, w: kaa.set_occupation(
        s, v, i, 1, "work", DAY, None, DAY)),
    ("episode", "add_kaa_measure",
     lambda s, v, i, w: kaa.add_measure(s, v, i, "Praktik", DAY, None, "")),
    ("talk", "send_talk_summary",
     lambda s, v, i, w: talks.send_talk_summary(s, v, i, w["SB"])),
    # School connectedness: runs, their results and analyses, group plans, method meetings,
    # shared goals and the instruments' drafts.
    ("run", "get_run", lambda s, v, i, w: connectedness.get_run(s, v, i)),
    ("run", "run_results", lambda s, v, i, w: connectedness_results.run_results(s, v, i)),
    ("run", "add_response", lambda s, v, i, w: connectedness.add_response(s, v, i, {})),
    ("run", "import_responses", lambda s, v, i, w: connectedness.import_responses(
        s, v, i, b"Q1\n3\n", "svar.csv")),
    ("run", "response_template",
     lambda s, v, i, w: connectedness.response_template(s, v, i)),
    ("run", "get_analysis", lambda s, v, i, w: run_analysis.get_analysis(s, v, i)),
    ("run", "save_analysis", lambda s, v, i, w: run_analysis.save_analysis(
        s, v, i, run_analysis.AnalysisInput(DAY, "x", "", {}), 1)),
    ("run", "analysis_pdf", lambda s, v, i, w: run_analysis.analysis_pdf(s, v, i)),
    ("run", "analysis_means", lambda s, v, i, w: run_analysis.analysis_means(s, v, i)),
    ("run", "run_basis", lambda s, v, i, w: group_plans.run_basis(s, v, i)),
    ("run", "create_group_plan(run)", lambda s, v, i, w: group_plans.create_group_plan(
        s, v, group_plans.GroupPlanInput(level="class", goal="x", owner="y", start_date=DAY,
                                         review_date=DAY, run_id=i))),
    ("run", "group_plan_list(run)",
     lambda s, v, i, w: group_plans.group_plan_list(s, v, run_id=i)),
    ("school", "create_group_plan(school)", lambda s, v, i, w: group_plans.create_group_plan(
        s, v, group_plans.GroupPlanInput(level="school", goal="x", owner="y", start_date=DAY,
                                         review_date=DAY, school_id=i))),
    ("group_plan", "get_group_plan", lambda s, v, i, w: group_plans.get_group_plan(s, v, i)),
    ("group_plan", "add_follow_up",
     lambda s, v, i, w: group_plans.add_follow_up(s, v, i, DAY, "x", None, 1)),
    ("group_plan", "update_group_plan", lambda s, v, i, w: group_plans.update_group_plan(
        s, v, i, 1, group_plans.GroupPlanChange("x", "y", DAY, DAY, ()))),
    ("group_plan", "close_group_plan",
     lambda s, v, i, w: group_plans.close_group_plan(s, v, i, DAY, "met", "", 1)),
    ("method_meeting", "get_meeting",
     lambda s, v, i, w: method_meetings.get_meeting(s, v, i)),
    ("method_meeting", "update_meeting", lambda s, v, i, w: method_meetings.update_meeting(
        s, v, i, 1, method_meetings.MeetingChange(title="Fall", date=DAY))),
    ("method_meeting", "set_goal(meeting)", lambda s, v, i, w: shared_goals.set_goal(
        s, v, shared_goals.GoalInput(w["A"], "share_20", "at_most", 0.15, "HT2099",
                                     method_meeting_id=i))),
    ("method_meeting", "group_plan_list(meeting)",
     lambda s, v, i, w: group_plans.group_plan_list(s, v, method_meeting_id=i)),
    ("shared_goal", "update_goal", lambda s, v, i, w: shared_goals.update_goal(
        s, v, i, 1, shared_goals.GoalInput(None, "share_20", "at_most", 0.15, "HT2099"))),
    ("shared_goal", "remove_goal", lambda s, v, i, w: shared_goals.remove_goal(s, v, i, 1)),
    ("instrument_draft", "get_instrument",
     lambda s, v, i, w: instruments.get_instrument(s, v, i)),
    ("instrument_draft", "export_instrument",
     lambda s, v, i, w: instruments.export_instrument(s, v, i, "csv")),
    ("instrument_draft", "publish_instrument",
     lambda s, v, i, w: instruments.publish(s, v, i, 1)),
    ("instrument_draft", "new_instrument_version",
     lambda s, v, i, w: instruments.new_version(s, v, i)),
]


def _own_students(session, viewer) -> set[int]:
    return set(students.people(session, viewer, range(1, 100))["student_id"])


def _normal(value):
    """A value that compares by content: frames by their columns and cells."""
    if isinstance(value, pd.DataFrame):
        return ("frame", list(value.columns), value.astype(str).values.tolist())
    if isinstance(value, pd.Series):
        return ("series", value.astype(str).tolist())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _normal(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return value


def _outcome(engine, call, viewer, record_id, scene):
    """What the service answers, in a transaction that is rolled back afterwards."""
    session = Session(bind=engine)
    try:
        return ("answer", _normal(call(session, viewer, record_id, scene)))
    except (AccessDenied, InputError, Conflict, LookupError) as error:
        return ("refused", type(error).__name__, str(error))
    finally:
        session.rollback()
        session.close()


@pytest.mark.parametrize("user", ROLES)
def test_no_service_tells_an_out_of_scope_record_from_a_missing_one(engine, scene, viewer,
                                                                    user):
    me = viewer(user)
    leaks = []
    for kind, name, call in CALLS:
        missing = _outcome(engine, call, me, MISSING, scene)
        for record in KINDS[kind]:
            if record in IN_SCOPE[user]:
                continue
            answer = _outcome(engine, call, me, scene[record], scene)
            if answer != missing:
                leaks.append(f"{name}({record}): {str(answer)[:160]} ≠ {str(missing)[:160]}")
    assert leaks == [], "\n".join(leaks)


def test_the_matrix_sees_what_is_in_scope(engine, scene, viewer):
    """The check above must be able to fail: in scope, the answers do differ."""
    me = viewer("coach_a")
    for _kind, _name, call in [c for c in CALLS if c[1] in ("get_student", "agenda",
                                                             "follow_ups", "school_page")]:
        record = {"get_student": "anna", "agenda": "meeting_a", "follow_ups": "measure_anna",
                  "school_page": "SB"}[_name]
        assert _outcome(engine, call, me, scene[record], scene) != \
            _outcome(engine, call, me, MISSING, scene)


def test_a_refusal_is_logged_with_who_and_what_but_no_data(write, read, scene, viewer):
    with pytest.raises(AccessDenied), write() as session:
        students.get_student(session, viewer("coach_c"), scene["anna"])
    with read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert [(e.username, e.entity, e.entity_id) for e in events] == [
        ("coach_c", "student", scene["anna"])]
    assert "Anna" not in (events[0].note or "") and not events[0].details


def test_a_refused_write_is_logged_and_writes_nothing_else(write, read, scene, viewer):
    with pytest.raises(AccessDenied), write() as session:
        feedback.send_feedback(session, viewer("coach_c"), "Hej", student_id=scene["anna"],
                               school_id=scene["SB"])
    with read() as session:
        assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())
                              ) == "refused"
        assert len(session.scalars(select(Feedback)).all()) == 2  # the scene's own
