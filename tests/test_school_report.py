"""The termly school report (lib/school_report.py, lib/school_report_figures.py): every
figure on a hand-built world with known answers, the coach's proposals (versioned), sending,
the school's acknowledgement, the files, and access.

The report is Alfa's students at school SB. Alfa flags at 10 % (watch) and 20 % (high), so
that its own levels differ from the region's fixed 15 % and 20 %. On tests/factories.py's
world (bo is Beta's and counts nowhere here) this adds:

HT2025 at SB (1000 scheduled minutes unless said):
  anna  25 %  (valid 100, invalid 150)                 ≥ 15, ≥ 20; high
  eva   10 %  (invalid 100; eva also has 10 % at SA)    watch (Alfa's 10 %)
  rise  17,5 % of 4000: weeks 1–4 at 5 % invalid, weeks 5–8 at 30 % valid: rising;
        ≥ 15; watch (valid 600, invalid 100)
  tyst   0 %, 200 of its 1000 minutes not reported
  students 4; ≥ 15 %: 2 (50 %); ≥ 20 %: 1 (25 %); mean 13,125 % (valid 6,25 %, invalid
  6,875 %); reporting rate 1 − 200/7000; flagged: watch 2, high 1, rising 1, any 3.
VT2025 (the term before) at SB: anna 10 % valid, eva 30 % invalid:
  students 2; ≥ 15 %: 1 (50 %); ≥ 20 %: 1 (50 %); mean 20 % (valid 5 %, invalid 15 %);
  reporting rate 100 %; flagged: watch 1, high 1, rising 0, any 2.
Change: ≥ 15 % ±0, ≥ 20 % −25, mean −6,875 percentage points.
Measures (S: started in HT2025, F: followed up in HT2025):
  anna at SB from 10 Sep, a follow-up written 1 Oct                  S F
  rise (no school) from 1 Oct, done, follow-up date 20 Jan 2026      S
  rise (no school) from 1 Sep, stopped, follow-up date 1 Nov         S F
  tyst (no school) from 1 Dec, ongoing                               S
  eva at SB from 1 May (VT), follow-up written 15 Sep                  F  (VT: S)
  anna at SA, bo at SB (Beta's): not the report's
  HT: started 4, followed up 3. VT: started 1, followed up 0.
Meetings: Alfa at SB, held 1 Oct 2025 and planned 1 Dec 2025; held 1 Apr 2025 (VT); Alfa at
SA held 2 Oct 2025 (another school): HT 1 held, VT 1 held."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from data_models.models import AuditEvent, Enrolment, Municipality, SchoolReport, Student
from lib import summaries
from lib.access import AccessDenied
from lib.measures import add_follow_up, add_measure, update_measure
from lib.meetings import plan_meeting, set_status
from lib.school_report import (
    acknowledge_report,
    report_excel,
    report_figures,
    report_pdf,
    report_state,
    save_proposals,
    send_report,
)
from lib.versioning import Conflict, InputError
from tests.apptest import count, login, open_tab, texts, widget
from tests.factories import absence, personal_number

MISSING = 987_654
SEPTEMBER = dt.date(2025, 9, 1)


def _student(session, world, name: str, serial: int) -> int:
    student = Student(personal_number=personal_number("20080707", serial), first_name=name,
                      last_name="Testsson", home_municipality_id=world["A"])
    session.add(student)
    session.flush()
    session.add(Enrolment(student_id=student.id, school_id=world["SB"], programme="NA",
                          class_name="NA1A", school_year=1, start_date=dt.date(2025, 8, 18)))
    return student.id


def _measure(session, who, student, start, follow_up, school=None) -> int:
    return add_measure(session, who, student, kind="mi", owner_kind="coach",
                       start_date=start, follow_up_date=follow_up, school_id=school)


@pytest.fixture
def report(write, world, viewer):
    """The world above; its extra ids."""
    ids = dict(world.ids)
    ht, vt, sb = world["HT2025"], world["VT2025"], world["SB"]
    with write() as session:
        alfa = session.get(Municipality, world["A"])
        alfa.watch_threshold, alfa.high_threshold = 0.10, 0.20
        ids["rise"] = _student(session, world, "Rise", 990)
        ids["tyst"] = _student(session, world, "Tyst", 992)
        for week in range(8):
            day = SEPTEMBER + dt.timedelta(weeks=week)
            valid, invalid = (0, 25) if week < 4 else (150, 0)
            session.add(absence(ids["rise"], sb, day, ht, 500, valid, invalid))
        session.add(absence(ids["tyst"], sb, SEPTEMBER, ht, 1000, 0, 0, unreported=200))
        session.add(absence(world["anna"], sb, dt.date(2025, 3, 3), vt, 1000, 100, 0))
        session.add(absence(world["eva"], sb, dt.date(2025, 3, 3), vt, 1000, 0, 300))
        summaries.refresh_all(session)
    coach, staff = viewer("coach_a"), viewer("staff_sb")
    with write() as session:
        first = _measure(session, coach, world["anna"], dt.date(2025, 9, 10),
                         dt.date(2025, 10, 10), sb)
        add_follow_up(session, coach, first, dt.date(2025, 10, 1), "Går bättre.")
        done = _measure(session, coach, ids["rise"], dt.date(2025, 10, 1),
                        dt.date(2026, 1, 20))
        update_measure(session, coach, done, 1, status="done")
        stopped = _measure(session, coach, ids["rise"], SEPTEMBER, dt.date(2025, 11, 1))
        update_measure(session, coach, stopped, 1, status="stopped", stop_reason="Flyttade.")
        _measure(session, coach, ids["tyst"], dt.date(2025, 12, 1), dt.date(2026, 1, 15))
        spring = _measure(session, coach, world["eva"], dt.date(2025, 5, 1),
                          dt.date(2025, 9, 15), sb)
        add_follow_up(session, coach, spring, dt.date(2025, 9, 15), "Klar.")
        _measure(session, coach, world["anna"], dt.date(2025, 9, 15), dt.date(2025, 10, 15),
                 world["SA"])
        _measure(session, staff, world["bo"], dt.date(2025, 9, 15), dt.date(2025, 10, 15), sb)
        for school, term, day, held in (("SB", ht, dt.date(2025, 10, 1), True),
                                        ("SB", ht, dt.date(2025, 12, 1), False),
                                        ("SB", vt, dt.date(2025, 4, 1), True),
                                        ("SA", ht, dt.date(2025, 10, 2), True)):
            meeting = plan_meeting(session, coach, school_id=world[school], term_id=term,
                                   municipality_id=world["A"], date=day)
            if held:
                set_status(session, coach, meeting, 1, "held")
    return ids


def figures_for(write, viewer, world, who="coach_a"):
    with write() as session:
        return report_figures(session, viewer(who), world["SB"], world["A"], world["HT2025"])


def test_every_figure_of_the_term_and_the_term_before(write, world, viewer, report):
    figures = figures_for(write, viewer, world)
    now, before = figures.now, figures.previous
    assert (figures.school, figures.municipality, figures.watch, figures.high) == (
        "Skola SB", "Alfa", 0.10, 0.20)
    assert (now.term, now.students, now.students_over_15, now.students_over_20) == (
        "HT2025", 4, 2, 1)
    assert (now.share_15, now.share_20) == (0.5, 0.25)
    assert now.mean_absence == pytest.approx(0.13125)
    assert now.mean_valid == pytest.approx(0.0625)
    assert now.mean_invalid == pytest.approx(0.06875)
    assert now.reporting_rate == pytest.approx(1 - 200 / 7000)
    assert (now.flagged_watch, now.flagged_high, now.rising, now.flagged) == (2, 1, 1, 3)
    assert (now.measures_started, now.measures_followed_up) == (4, 3)
    assert (now.meetings_held, now.meeting_dates) == (1, (dt.date(2025, 10, 1),))

    assert (before.term, before.students, before.students_over_15,
            before.students_over_20) == ("VT2025", 2, 1, 1)
    assert (before.share_15, before.share_20) == (0.5, 0.5)
    assert before.mean_absence == pytest.approx(0.20)
    assert (before.mean_valid, before.mean_invalid) == (pytest.approx(0.05),
                                                         pytest.approx(0.15))
    assert before.reporting_rate == 1.0
    assert (before.flagged_watch, before.flagged_high, before.rising, before.flagged) == (
        1, 1, 0, 2)
    assert (before.measures_started, before.measures_followed_up, before.meetings_held) == (
        1, 0, 1)

    assert figures.change("share_15") == pytest.approx(0.0)
    assert figures.change("share_20") == pytest.approx(-25.0)
    assert figures.change("mean_absence") == pytest.approx(-6.875)
    changes = figures.change_table().iloc[0]
    assert changes["term"] == "HT2025 mot VT2025"
    assert changes["change_20"] == pytest.approx(-25.0)
    assert figures.absence_table()["term"].tolist() == ["VT2025", "HT2025"]
    assert figures.follow_up_table()["measures_started"].tolist() == [1, 4]


def test_both_sides_read_the_same_figures_and_no_name(write, world, viewer, report):
    coach = figures_for(write, viewer, world, "coach_a")
    assert figures_for(write, viewer, world, "staff_sb") == coach
    assert figures_for(write, viewer, world, "admin") == coach
    tables = [coach.absence_table(), coach.follow_up_table(), coach.change_table()]
    shown = " ".join(t.to_string() for t in tables) + coach.definitions()
    for name in ("Anna", "Eva", "Rise", "Tyst", "Testsson"):
        assert name not in shown


def test_a_term_with_no_students_and_no_term_before(write, world, viewer):
    with write() as session:  # VT2025 has no absence in the plain world, nor a term before
        figures = report_figures(session, viewer("coach_a"), world["SB"], world["A"],
                                 world["VT2025"])
    assert figures.previous is None and figures.change("share_20") is None
    assert (figures.now.students, figures.now.share_15, figures.now.mean_absence,
            figures.now.reporting_rate) == (0, None, None, None)
    assert figures.change_table().empty
    with pytest.raises(InputError, match="Välj en termin"), write() as session:
        report_figures(session, viewer("coach_a"), world["SB"], world["A"], MISSING)


def test_the_coach_saves_and_sends_and_the_school_acknowledges(write, read, world, viewer,
                                                               report):
    coach, staff = viewer("coach_a"), viewer("staff_sb")
    pair = (world["SB"], world["A"], world["HT2025"])
    with write() as session:
        assert save_proposals(session, coach, *pair, "Ring hem dag ett.", 0) == 1
    with write() as session:
        assert report_state(session, staff, *pair).proposals == ""  # a draft: not the school's
        assert save_proposals(session, coach, *pair, " Ring hem dag ett; följ upp v. 2. ",
                              1) == 2
    with pytest.raises(Conflict), write() as session:
        save_proposals(session, coach, *pair, "Gammal version.", 1)
    with write() as session:
        assert send_report(session, coach, *pair, 2) == 3
    with write() as session:
        state = report_state(session, staff, *pair)
    assert (state.status, state.proposals, state.sent_by) == (
        "sent", "Ring hem dag ett; följ upp v. 2.", "Coach A")
    with pytest.raises(InputError, match="redan skickad"), write() as session:
        save_proposals(session, coach, *pair, "Ändrat efteråt.", 3)
    with write() as session:
        assert acknowledge_report(session, staff, state.id, 3, "Vi inför det i januari.") == 4
    with write() as session:
        done = report_state(session, coach, *pair)
    assert (done.status, done.acknowledged_by, done.answer) == (
        "acknowledged", "Staff Sb", "Vi inför det i januari.")
    with pytest.raises(InputError, match="redan kvitterad"), write() as session:
        acknowledge_report(session, staff, state.id, 4)
    with read() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "school_report").order_by(AuditEvent.id)).all()
    assert [(e.action, e.username) for e in events] == [
        ("create", "coach_a"), ("update", "coach_a"), ("update", "coach_a"),
        ("update", "staff_sb")]
    sent = events[2].details["after"]
    assert sent["status"] == "sent" and sent["figures"]["HT2025"]["students_over_20"] == 1


@pytest.mark.parametrize(("proposals", "message"), [
    ("", "Skriv förslag på utvecklingsområden innan"),
    ("   ", "Skriv förslag på utvecklingsområden innan"),
])
def test_a_report_is_not_sent_without_proposals(write, read, world, viewer, proposals,
                                                message):
    pair = (world["SB"], world["A"], world["HT2025"])
    with pytest.raises(InputError, match="spara förslagen"), write() as session:
        send_report(session, viewer("coach_a"), *pair, 0)
    with write() as session:
        save_proposals(session, viewer("coach_a"), *pair, proposals, 0)
    with pytest.raises(InputError, match=message), write() as session:
        send_report(session, viewer("coach_a"), *pair, 1)
    with read() as session:
        assert session.scalars(select(SchoolReport)).one().status == "draft"


def test_bad_input_writes_nothing(write, read, world, viewer):
    pair = (world["SB"], world["A"], world["HT2025"])
    with pytest.raises(InputError, match="Förslagen är för lång"), write() as session:
        save_proposals(session, viewer("coach_a"), *pair, "x" * 4001, 0)
    with pytest.raises(InputError, match="Välj en termin"), write() as session:
        save_proposals(session, viewer("coach_a"), world["SB"], world["A"], MISSING, "x", 0)
    assert count(read, SchoolReport) == 0
    with write() as session:
        save_proposals(session, viewer("coach_a"), *pair, "Förslag.", 0)
        report_id = session.scalar(select(SchoolReport.id))
    with write() as session:
        send_report(session, viewer("coach_a"), *pair, 1)
    with pytest.raises(InputError, match="Svaret är för lång"), write() as session:
        acknowledge_report(session, viewer("staff_sb"), report_id, 2, "x" * 4001)
    with read() as session:
        assert session.get(SchoolReport, report_id).status == "sent"


def _refusal(write, call) -> str | None:
    try:
        with write() as session:
            call(session)
    except AccessDenied as error:
        return str(error)
    return None


@pytest.mark.parametrize(("who", "school", "municipality"), [
    ("coach_c", "SB", "A"), ("coach_a", "SC", "A"), ("coach_a", "SB", "B"),
    ("staff_sc", "SB", "A"), ("staff_sb", "SA", "A"), ("staff_sb", "SB", "C"),
    ("leader_north", "SB", "A"),
])
def test_out_of_scope_is_answered_as_missing(write, read, world, viewer, who, school,
                                             municipality):
    me, term = viewer(who), world["HT2025"]
    calls = [lambda s, sc: report_figures(s, me, sc, world[municipality], term),
             lambda s, sc: report_state(s, me, sc, world[municipality], term),
             lambda s, sc: save_proposals(s, me, sc, world[municipality], term, "x", 0),
             lambda s, sc: send_report(s, me, sc, world[municipality], term, 1),
             lambda s, sc: report_pdf(s, me, sc, world[municipality], term)]
    for call in calls:
        answer = _refusal(write, lambda s, c=call: c(s, world[school]))
        assert answer is not None and answer == _refusal(write, lambda s, c=call: c(s, MISSING))
    assert count(read, SchoolReport) == 0


def test_only_the_coach_writes_and_only_the_school_acknowledges(write, read, world, viewer):
    pair = (world["SB"], world["A"], world["HT2025"])
    for who in ("staff_sb", "admin"):
        with pytest.raises(AccessDenied), write() as session:
            save_proposals(session, viewer(who), *pair, "Förslag.", 0)
    with write() as session:
        save_proposals(session, viewer("coach_a"), *pair, "Förslag.", 0)
        report_id = session.scalar(select(SchoolReport.id))

    def refusals(version: int):
        return {who: _refusal(write, lambda s, w=who, i=report_id: acknowledge_report(
            s, viewer(w), i, version)) for who in ("staff_sb", "staff_sc", "coach_a", "admin",
                                             "leader_north")}
    missing = _refusal(write, lambda s: acknowledge_report(s, viewer("staff_sb"), MISSING, 1))
    # A draft is, to the school, a report that does not exist.
    assert set(refusals(1).values()) == {missing}
    with write() as session:
        send_report(session, viewer("coach_a"), *pair, 1)
    answers = refusals(2)
    assert answers.pop("staff_sb") is None  # acknowledged
    assert set(answers.values()) == {missing}
    with read() as session:
        assert session.get(SchoolReport, report_id).acknowledged_by == world["user:staff_sb"]


def test_the_files_hold_the_figures_and_the_proposals_and_are_audited(write, read, world,
                                                                      viewer, report):
    pair = (world["SB"], world["A"], world["HT2025"])
    with write() as session:
        save_proposals(session, viewer("coach_a"), *pair, "=Ring hem dag ett.", 0)
    with write() as session:
        pdf = report_pdf(session, viewer("coach_a"), *pair)
        workbook = load_workbook(io.BytesIO(report_excel(session, viewer("staff_sb"), *pair)))
    assert pdf.startswith(b"%PDF")
    assert workbook.sheetnames == ["Frånvaro", "Förändring", "Uppföljning", "Förslag"]
    absence_rows = [[c.value for c in row] for row in workbook["Frånvaro"].iter_rows()]
    header = next(r for r in absence_rows if r[0] == "Termin")
    this_term = next(r for r in absence_rows if r[0] == "HT2025")
    assert dict(zip(header, this_term, strict=True))["Elever ≥ 20 %"] == 1
    assert dict(zip(header, this_term, strict=True))["Andel ≥ 15 %"] == 0.5
    proposals = [c.value for row in workbook["Förslag"].iter_rows() for c in row]
    assert "Inte skickade ännu." in proposals  # the school reads no draft
    with write() as session:
        coach_book = load_workbook(io.BytesIO(report_excel(session, viewer("coach_a"), *pair)))
    assert "'=Ring hem dag ett." in [c.value for row in coach_book["Förslag"].iter_rows()
                                     for c in row]
    with read() as session:
        exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.username, e.entity) for e in exports] == [
        ("coach_a", "school_report"), ("staff_sb", "school_report"),
        ("coach_a", "school_report")]


# --- The tab on the Samverkan page ---------------------------------------------------------

SAMVERKAN = "pages/15_Samverkan.py"
REPORT = 3  # the page's fourth tab


def _open_report(username: str, world):
    at = open_tab(login(username, page=SAMVERKAN), "schools_tabs", REPORT)
    at.selectbox(key="report_school").set_value(world["SB"])
    at.selectbox(key="report_term").set_value(world["HT2025"]).run()
    if username != "coach_a":
        at.selectbox(key=f"report_municipality_{world['SB']}").set_value(world["A"]).run()
    return at


def test_the_coach_sends_and_the_school_acknowledges_on_screen(app_env, read, world, report):
    at = _open_report("coach_a", world)
    assert not at.exception
    assert "Rapporten är inte skickad till skolan ännu." in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Elever"] == "4" and metrics["Andel ≥ 20 %"] == "25,0 %"
    key = next(e.key for e in at.text_area
               if e.label == "Förslag till skolan om dess egna rutiner för frånvaro")
    at.text_area(key=key).input("Följ upp ogiltig frånvaro samma dag.")
    widget(at.button, "Spara och skicka till skolan").click().run()
    assert not at.exception
    assert "Rapporten är skickad till skolan." in texts(at)
    with read() as session:
        stored = session.scalars(select(SchoolReport)).one()
    assert (stored.status, stored.proposals) == ("sent", "Följ upp ogiltig frånvaro samma dag.")

    school = _open_report("staff_sb", world)
    assert not school.exception
    assert "Följ upp ogiltig frånvaro samma dag." in [t.value for t in school.text]
    key = next(e.key for e in school.text_area if e.label == "Svar till coachen (frivilligt)")
    school.text_area(key=key).input("Tack, vi gör så.")
    widget(school.button, "Kvittera rapporten").click().run()
    assert not school.exception
    assert "Rapporten är kvitterad." in texts(school)
    with read() as session:
        stored = session.scalars(select(SchoolReport)).one()
    assert (stored.status, stored.answer) == ("acknowledged", "Tack, vi gör så.")
    assert "Tack, vi gör så." in [t.value for t in school.text]
    labels = [b.label for b in school.get("download_button")]
    assert labels == ["Ladda ner som PDF", "Ladda ner som Excel"]


def test_the_demo_has_a_report_sent_and_acknowledged_and_a_thread(db_url):
    from data_models.engine import make_engine, unit_of_work
    from data_models.models import User
    from lib.access import load_viewer
    from lib.demo import DemoSpec, seed_demo
    from lib.feedback import feedback_rows
    from lib.school_messages import thread

    end = dt.date(2026, 11, 23)
    engine = make_engine(db_url)
    with unit_of_work(engine, write=True) as session:
        made = seed_demo(session, DemoSpec(students=300, end_date=end, bcrypt_rounds=4))
    assert (made["school_reports"], made["messages"]) == (1, 3)
    with unit_of_work(engine, write=True) as session:
        stored = session.scalars(select(SchoolReport)).one()
        coach = load_viewer(session, session.scalars(select(User).where(
            User.username == "coach")).one())
        messages = thread(session, coach, stored.school_id, stored.municipality_id)
        unread = feedback_rows(session, coach, inbox=True, unread_only=True)
    assert stored.status == "acknowledged" and stored.answer and stored.proposals
    assert stored.sent_at < stored.acknowledged_at
    assert messages["author"].tolist() == ["Kai Kurator", "Kim Coach", "Rut Rektor"]
    assert messages["acknowledged_at"].notna().tolist() == [True, True, False]
    assert messages["sent_at"].is_monotonic_increasing
    assert messages.iloc[-1]["id"] in unread["id"].tolist()
    engine.dispose()


def test_an_administrator_reads_both_tabs_and_writes_nothing(app_env, world, report):
    at = _open_report("admin", world)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Elever"] == "4"
    labels = [b.label for b in at.button]
    assert "Skicka meddelandet" not in labels and "Spara och skicka till skolan" not in labels
    assert "Kvittera rapporten" not in labels
