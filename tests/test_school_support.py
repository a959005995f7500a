"""The school's own support for a student (lib/school_support.py), where a student's
absence gathers by weekday and lesson start (lib/student_patterns.py), both in meeting mode
and the visit pack, and the coach's priority marker (lib/priority.py) on the student page."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from sqlalchemy import func, select

from data_models.models import (
    AgendaItem,
    AuditEvent,
    Enrolment,
    PriorityMark,
    SchoolSupport,
    Student,
)
from lib import summaries
from lib.access import STUDENT_NOT_FOUND, AccessDenied
from lib.demo import DemoSpec, seed_demo
from lib.meetings import plan_meeting
from lib.priority import ONLY_THE_COACH, clear_priority, is_priority, mark_priority
from lib.school_support import (
    ONLY_THE_SCHOOL,
    SUPPORT_NOT_FOUND,
    get_support,
    save_support,
    support_at_school,
)
from lib.student_patterns import PatternSummary, student_pattern, student_patterns, summarise
from lib.versioning import MAX_TEXT, Conflict, InputError
from lib.visit_pack import build_visit_pack, visit_pack_pdf
from tests.apptest import count, login, student_page, texts, widget
from tests.factories import absence, personal_number

TODAY = dt.date(2025, 10, 1)
MISSING = 987_654
LESSONS = (dt.time(8, 15), dt.time(10, 0), dt.time(13, 0), dt.time(14, 30))
# Filip (Alfa, at SB) misses three of four lessons each Monday and the first lesson every
# other day, two weeks: Mondays 6/8 = 75 %, 08:15 10/10 = 100 %, the week 14/40 = 35 %.
FILIP_PATTERN = "mest frånvaro: måndagar (75 %) och första lektionen, kl. 08:15 (100 %)"
PLAN_DAY = dt.date(2025, 9, 10)
SUPPORT_LINE = "extra anpassningar · åtgärdsprogram 2025-09-10"


def add_filip(session, world) -> int:
    student = Student(personal_number=personal_number("20080707", 990), first_name="Filip",
                      last_name="Testsson", home_municipality_id=world["A"])
    session.add(student)
    session.flush()
    session.add(Enrolment(student_id=student.id, school_id=world["SB"], programme="NA",
                          class_name="NA1A", school_year=1, start_date=dt.date(2025, 8, 18)))
    for monday in (dt.date(2025, 9, 8), dt.date(2025, 9, 15)):
        for offset in range(5):
            day = monday + dt.timedelta(days=offset)
            for start in LESSONS:
                missed = start in LESSONS[:3] if offset == 0 else start == LESSONS[0]
                row = absence(student.id, world["SB"], day, world["HT2025"], 60, 0,
                              60 if missed else 0)
                row.lesson_start, row.course = start, "Svenska 1"
                session.add(row)
    summaries.refresh_all(session)
    return student.id


@pytest.fixture
def filip(write, world) -> int:
    with write() as session:
        return add_filip(session, world)


def save(session, viewer, student_id, school_id, version=0, **fields) -> int:
    values = {"extra_adaptations": True, "special_support": False, "support_plan": True,
              "support_plan_date": PLAN_DAY, "note": "Anpassat schema.", **fields}
    return save_support(session, viewer, student_id, school_id, expected_version=version,
                        today=TODAY, **values)


def refusal(write, call) -> str:
    with pytest.raises(AccessDenied) as refused, write() as session:
        call(session)
    return str(refused.value)


# --- Who writes and who reads ---------------------------------------------------------------

def test_the_school_writes_its_support_and_the_coach_reads_it(write, read, world, viewer):
    with write() as session:
        assert save(session, viewer("staff_sb"), world["anna"], world["SB"]) == 1
    with read() as session:
        (coach_sees,) = get_support(session, viewer("coach_a"), world["anna"])
        (school_sees,) = get_support(session, viewer("staff_sb"), world["anna"])
        logged = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "school_support")).one()
    assert (coach_sees.school, coach_sees.line, coach_sees.note) == (
        "Skola SB", SUPPORT_LINE, "Anpassat schema.")
    assert coach_sees.updated_by == "Staff Sb" and coach_sees.version == 1
    assert not coach_sees.writable and school_sees.writable
    assert (logged.action, logged.username, logged.student_id) == (
        "create", "staff_sb", world["anna"])
    # The log keeps the ticks and the day; of the note only its length.
    assert logged.details["after"] == {
        "extra_adaptations": True, "special_support": False, "support_plan": True,
        "support_plan_date": "2025-09-10", "note_chars": 16}


def test_each_school_the_student_attended_keeps_its_own(write, read, world, viewer):
    with write() as session:
        save(session, viewer("admin"), world["eva"], world["SA"], special_support=True)
        save(session, viewer("staff_sb"), world["eva"], world["SB"], support_plan=False,
             support_plan_date=None)
    with read() as session:
        coach = {s.school: s.line for s in get_support(session, viewer("coach_a"), world["eva"])}
        school = get_support(session, viewer("staff_sb"), world["eva"])
    assert coach == {"Skola SA": "extra anpassningar · särskilt stöd · åtgärdsprogram "
                                 "2025-09-10",
                     "Skola SB": "extra anpassningar"}
    assert [s.school for s in school] == ["Skola SB"]  # not the other school's


def test_a_school_outside_the_staffs_scope_is_answered_as_missing(write, read, world,
                                                                   viewer):
    staff = viewer("staff_sb")
    # Eva is SB's student too, but SA is another school: as a school that does not exist.
    other = refusal(write, lambda s: save(s, staff, world["eva"], world["SA"]))
    missing = refusal(write, lambda s: save(s, staff, world["eva"], MISSING))
    assert other == missing == SUPPORT_NOT_FOUND
    # Dan is SC's: to SB's staff he is a student who does not exist.
    assert refusal(write, lambda s: save(s, staff, world["dan"], world["SB"])) == \
        refusal(write, lambda s: save(s, staff, MISSING, world["SB"])) == STUDENT_NOT_FOUND
    assert refusal(write, lambda s: get_support(s, viewer("staff_sc"), world["anna"])) == \
        refusal(write, lambda s: get_support(s, viewer("staff_sc"), MISSING))
    with read() as session:
        assert support_at_school(session, staff, world["SA"], [world["eva"]]) == {}
    assert count(read, SchoolSupport) == 0


def test_the_coach_reads_only_and_a_project_leader_sees_nothing(write, read, world, viewer):
    assert refusal(write, lambda s: save(s, viewer("coach_a"), world["anna"],
                                         world["SB"])) == ONLY_THE_SCHOOL
    leader = viewer("leader_north")
    assert "sammanställningar" in refusal(
        write, lambda s: save(s, leader, world["anna"], world["SB"]))
    assert "sammanställningar" in refusal(write, lambda s: get_support(s, leader, world["anna"]))
    assert count(read, SchoolSupport) == 0


@pytest.mark.parametrize(("fields", "message"), [
    ({"support_plan_date": dt.date(2025, 10, 2)}, "kan inte ligga i framtiden"),
    ({"support_plan": False}, "bara när eleven har ett åtgärdsprogram"),
    ({"support_plan_date": None}, "Ange datumet"),
    ({"note": "x" * (MAX_TEXT + 1)}, "Anteckningen är för lång"),
])
def test_bad_input_writes_nothing(write, read, world, viewer, fields, message):
    with pytest.raises(InputError, match=message), write() as session:
        save(session, viewer("staff_sb"), world["anna"], world["SB"], **fields)
    assert count(read, SchoolSupport) == 0
    with read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "school_support")) == 0


def test_a_save_from_a_stale_version_is_a_conflict(write, read, world, viewer):
    staff, admin = viewer("staff_sb"), viewer("admin")
    with write() as session:
        save(session, staff, world["anna"], world["SB"])
    with pytest.raises(Conflict) as first, write() as session:  # both opened it empty
        save(session, admin, world["anna"], world["SB"], special_support=True)
    assert first.value.version == 1 and first.value.by == "Staff Sb"
    assert first.value.theirs["special_support"] == "False"
    with write() as session:
        assert save(session, admin, world["anna"], world["SB"], version=1,
                    note="Ny text.") == 2
    with pytest.raises(Conflict) as stale, write() as session:
        save(session, staff, world["anna"], world["SB"], version=1, note="Gammal.")
    assert (stale.value.version, stale.value.by, stale.value.theirs["note"]) == (
        2, "Admin", "Ny text.")
    with read() as session:
        (kept,) = get_support(session, staff, world["anna"])
    assert (kept.note, kept.version) == ("Ny text.", 2)  # nothing overwritten


# --- Patterns -------------------------------------------------------------------------------

def test_the_pattern_names_the_weekday_and_the_lesson_where_absence_gathers(read, world,
                                                                          viewer, filip):
    with read() as session:
        pattern = student_pattern(session, viewer("coach_a"), filip, world["HT2025"],
                                  world["SB"])
        many = student_patterns(session, viewer("staff_sb"), [filip, world["anna"]],
                                world["HT2025"], world["SB"])
    assert (pattern.weekday, pattern.weekday_share) == (0, 0.75)
    assert (pattern.lesson_start, pattern.lesson_share, pattern.first_lesson) == (
        dt.time(8, 15), 1.0, True)
    assert pattern.share == pytest.approx(0.35)
    assert pattern.line == FILIP_PATTERN
    # Anna's school reports whole days: a weekday, no lesson, one day: nothing to compare.
    assert many[filip] == pattern
    assert many[world["anna"]].line == "ingen veckodag eller lektion sticker ut"


def test_an_even_spread_and_no_absence_name_nothing():
    def slots(absent):
        return [(day, None, 100, missed) for day, missed in enumerate(absent)]
    assert summarise(slots([20, 20, 22, 20, 20])).line == \
        "ingen veckodag eller lektion sticker ut"
    assert summarise(slots([0] * 5)).line == "ingen frånvaro"
    assert summarise(slots([0, 0, 0, 0, 40])).line == "mest frånvaro: fredagar (40 %)"
    assert PatternSummary(share=None).line == "inget schema registrerat"


def test_a_pattern_of_a_student_out_of_scope_is_answered_as_missing(write, world, viewer,
                                                                     filip):
    coach = viewer("coach_c")
    assert refusal(write, lambda s: student_pattern(s, coach, filip, world["HT2025"],
                                                    world["SB"])) == \
        refusal(write, lambda s: student_pattern(s, coach, MISSING, world["HT2025"],
                                                 world["SB"]))


def test_the_visit_pack_and_its_pdf_give_each_flagged_student_pattern_and_support(
        write, read, world, viewer, filip):
    with write() as session:
        save(session, viewer("staff_sb"), filip, world["SB"], support_plan_date=PLAN_DAY)
    with read() as session:
        pack = build_visit_pack(session, viewer("coach_a"), world["SB"], world["HT2025"],
                                today=TODAY)
    details = pack.section("details").set_index("student")
    assert details.loc["Filip Testsson", "absence_pattern"] == FILIP_PATTERN
    assert details.loc["Filip Testsson", "school_support"] == SUPPORT_LINE
    assert details.loc["Anna Testsson", "school_support"] == "inte ifyllt"
    reader = pypdf.PdfReader(io.BytesIO(visit_pack_pdf(pack)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Frånvaromönster och skolans stöd" in text
    assert "måndagar (75 %)" in text and "kl. 08:15 (100 %)" in text
    assert "åtgärdsprogram 2025-09-10" in text


# --- The priority marker --------------------------------------------------------------------

def test_only_the_home_municipalitys_coach_marks_a_student(write, read, world, viewer):
    coach = viewer("coach_a")
    with write() as session:
        mark_priority(session, coach, world["anna"], TODAY)
        mark_priority(session, coach, world["anna"], TODAY + dt.timedelta(days=3))
    with read() as session:
        assert is_priority(session, viewer("staff_sb"), world["anna"])
        assert session.get(PriorityMark, world["anna"]).marked_on == TODAY  # kept
    assert refusal(write, lambda s: clear_priority(s, viewer("staff_sb"),
                                                   world["anna"])) == ONLY_THE_COACH
    assert refusal(write, lambda s: mark_priority(s, viewer("admin"), world["cleo"],
                                                  TODAY)) == ONLY_THE_COACH
    assert refusal(write, lambda s: mark_priority(s, viewer("coach_c"), world["anna"],
                                                  TODAY)) == STUDENT_NOT_FOUND
    assert refusal(write, lambda s: is_priority(s, viewer("coach_c"), world["anna"])) == \
        refusal(write, lambda s: is_priority(s, viewer("coach_c"), MISSING))
    with write() as session:
        clear_priority(session, coach, world["anna"])
    with read() as session:
        assert not is_priority(session, coach, world["anna"])
        logged = session.execute(select(AuditEvent.action, AuditEvent.username).where(
            AuditEvent.entity == "priority_mark").order_by(AuditEvent.id)).all()
    assert logged == [("create", "coach_a"), ("refused", "staff_sb"), ("refused", "admin"),
                      ("delete", "coach_a")]


# --- On screen ------------------------------------------------------------------------------

def test_the_coach_toggles_the_marker_and_everyone_sees_the_badge(app_env, world, read):
    at = student_page("coach_a", world["anna"])
    assert not at.exception and "Prioriterad" not in texts(at)
    at.toggle(key=f"priority_{world['anna']}").set_value(True).run()
    assert not at.exception
    assert count(read, PriorityMark) == 1
    assert any("Prioriterad" in m.value for m in at.markdown)  # the badge
    school = student_page("staff_sb", world["anna"])
    assert any("Prioriterad" in m.value for m in school.markdown)
    assert not [t for t in school.toggle if t.label == "Markera som prioriterad"]
    at.toggle(key=f"priority_{world['anna']}").set_value(False).run()
    assert count(read, PriorityMark) == 0


def test_school_staff_fill_in_the_support_and_the_coach_reads_it(app_env, world, read):
    at = student_page("staff_sb", world["anna"])
    assert "Skolans stöd" in [s.value for s in at.subheader]
    widget(at.checkbox, "Åtgärdsprogram").check()
    widget(at.button, "Spara skolans stöd").click().run()
    assert "Ange datumet då åtgärdsprogrammet beslutades." in texts(at)
    assert count(read, SchoolSupport) == 0
    widget(at.date_input, "Åtgärdsprogrammets datum").set_value(PLAN_DAY)
    widget(at.checkbox, "Extra anpassningar").check()
    widget(at.text_area, "Anteckning").input("Enskilt rum vid prov.")
    widget(at.button, "Spara skolans stöd").click().run()
    assert not at.exception and "Skolans stöd är sparat." in texts(at)
    with read() as session:
        record = session.scalars(select(SchoolSupport)).one()
    assert (record.extra_adaptations, record.support_plan, record.support_plan_date,
            record.note) == (True, True, PLAN_DAY, "Enskilt rum vid prov.")
    coach = student_page("coach_a", world["anna"])
    assert SUPPORT_LINE in texts(coach) and "Enskilt rum vid prov." in texts(coach)
    assert not [b for b in coach.button if b.label == "Spara skolans stöd"]


def test_a_conflicting_save_on_the_page_shows_both_versions_and_lets_the_user_choose(
        app_env, world, write, read, viewer):
    at = student_page("staff_sb", world["anna"])  # opened while nothing is recorded
    with write() as session:
        save(session, viewer("admin"), world["anna"], world["SB"], note="Förvaltarens.")
    widget(at.checkbox, "Särskilt stöd").check()
    widget(at.button, "Spara skolans stöd").click().run()
    assert "Någon annan har sparat en ändring sedan du började (Admin)" in texts(at)
    with read() as session:
        assert session.scalars(select(SchoolSupport)).one().note == "Förvaltarens."
    widget(at.button, "Spara min version").click().run()
    assert not at.exception and "Skolans stöd är sparat." in texts(at)
    with read() as session:
        kept = session.scalars(select(SchoolSupport)).one()
    assert (kept.special_support, kept.support_plan, kept.note, kept.version) == (
        True, False, "", 2)


def test_the_form_shows_what_is_saved_also_after_another_save_and_another_page(
        app_env, world, write, viewer):
    with write() as session:
        save(session, viewer("admin"), world["anna"], world["SB"], special_support=True)
    at = student_page("staff_sb", world["anna"])
    assert widget(at.checkbox, "Särskilt stöd").value is True
    assert widget(at.date_input, "Åtgärdsprogrammets datum").value == PLAN_DAY
    with write() as session:  # saved elsewhere while this user has typed nothing
        save(session, viewer("admin"), world["anna"], world["SB"], version=1, note="Ny.")
    at.run()
    assert widget(at.text_area, "Anteckning").value == "Ny."
    at.switch_page("pages/1_Oversikt.py").run()
    at.switch_page("pages/3_Elev.py")
    at.query_params["elev"] = str(world["anna"])
    at.run()
    assert widget(at.date_input, "Åtgärdsprogrammets datum").value == PLAN_DAY
    assert widget(at.text_area, "Anteckning").value == "Ny."


def test_meeting_mode_shows_the_pattern_and_the_support_beside_the_chart(
        app_env, world, write, read, viewer, filip):
    with write() as session:
        save(session, viewer("staff_sb"), filip, world["SB"])
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=TODAY)
    with read() as session:
        item = session.scalar(select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.student_id == filip))
    at = login("coach_a", page="pages/5_Moten.py")
    at.query_params["mote"] = str(meeting_id)
    at.query_params["punkt"] = str(item)
    at.run()
    assert not at.exception and at.header[0].value == "Filip Testsson"
    captions = [c.value for c in at.caption]
    assert f"Frånvaromönster HT2025: {FILIP_PATTERN}" in captions
    assert f"Skolans stöd: {SUPPORT_LINE}" in captions


def test_the_visit_pack_page_shows_pattern_and_support(app_env, world, write, viewer, filip):
    with write() as session:
        save(session, viewer("staff_sb"), filip, world["SB"])
    at = login("coach_a", page="pages/8_Besokspaket.py")
    at.query_params["skola"] = str(world["SB"])
    at.run()
    assert not at.exception
    assert "Frånvaromönster och skolans stöd" in [s.value for s in at.subheader]
    shown = texts(at)
    assert FILIP_PATTERN in shown and SUPPORT_LINE in shown


# --- Demo -----------------------------------------------------------------------------------

def test_the_demo_school_keeps_support_for_some_flagged_students(write, read):
    end = dt.date(2026, 11, 23)
    with write() as session:
        made = seed_demo(session, DemoSpec(students=300, end_date=end, bcrypt_rounds=4))
    with read() as session:
        records = session.scalars(select(SchoolSupport)).all()
    assert made["school_support"] == len(records) > 0
    assert {r.school_id for r in records} == {records[0].school_id}  # the staff's school
    assert all(r.support_plan_date is None or r.support_plan for r in records)
    assert all(r.support_plan_date is None or r.support_plan_date <= end for r in records)
