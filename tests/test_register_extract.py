"""The register extract (lib/register_extract.py): every table about a student is in it or
left out on purpose; on a world with a record in every part, each part holds the student's
rows and nothing about another student, nor a class run's anonymous answers or a class
plan; a student's individual mapping run is in it with each statement, answer and label,
and its analysis with the notes per guide topic; the extract is audited and for administrators
only; the PDF and the Excel file open and say what they hold; a protected identity stays
protected; and the tab on the Dataskydd page finds a student and offers both files."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import pkgutil
from typing import ClassVar

import pandas as pd
import pypdf
import pytest
import streamlit as st
from openpyxl import load_workbook
from sqlalchemy import select

import data_models
from data_models.models import (
    AbsencePeriod,
    ActionPlan,
    AgendaItem,
    Alert,
    AuditEvent,
    Base,
    Contact,
    EarlyTalk,
    Enrolment,
    Feedback,
    HandOver,
    ImportBatch,
    ImportChange,
    KaaContact,
    KaaEpisode,
    KaaMeasure,
    Measure,
    MeasureFollowUp,
    Meeting,
    MeetingAmendment,
    PlanAmendment,
    PlanGoal,
    PlanReview,
    PriorityMark,
    ReplacedAbsence,
    SchoolSupport,
    Student,
    StudentMove,
    StudentTalk,
    StudentTalkCategory,
    StudentTalkSupport,
    StudyInterruption,
    TalkCategory,
)
from lib import register_extract as extract_module
from lib.access import STUDENT_NOT_FOUND, AccessDenied
from lib.clock import utcnow
from lib.exports import sheet_title
from lib.register_extract import (
    LEFT_OUT,
    PARTS,
    export_extract,
    extract_excel,
    extract_pdf,
    file_name,
    find_students,
    per_day,
    register_extract,
)
from tests.apptest import login, widget
from tests.factories import personal_number
from tests.individual_run_world import (
    ANALYSIS_DAY,
    RUN_DAY,
    add_class_work,
    add_individual_instrument,
    add_individual_run,
)

DAY = dt.date(2025, 10, 1)
ANNA_NUMBER = personal_number("20080101", 980)
EVA_NUMBER = personal_number("20080505", 988)


# --- Every table about a student is covered ----------------------------------------------

def _tables_about_a_student() -> set[str]:
    """Tables with a student_id column, the student table, and every table that points to
    one of them by a foreign key (a measure's follow-ups, a talk's categories, …), in every
    module of the data layer (data_models.windows holds tables too)."""
    for module in pkgutil.iter_modules(data_models.__path__):
        if not module.ispkg:
            importlib.import_module(f"data_models.{module.name}")
    tables = Base.metadata.tables.values()
    found = {t.name for t in tables if "student_id" in t.c} | {"student"}
    while True:
        more = {t.name for t in tables
                if any(fk.column.table.name in found for fk in t.foreign_keys)} - found
        if not more:
            return found
        found |= more


def test_every_table_about_a_student_is_in_the_extract_or_left_out_on_purpose():
    read = {table for part in PARTS for table in part.tables}
    missing = _tables_about_a_student() - read - set(LEFT_OUT)
    assert missing == set(), f"add to lib.register_extract.PARTS or LEFT_OUT: {missing}"
    assert set(LEFT_OUT) <= set(Base.metadata.tables) and not set(LEFT_OUT) & read
    assert read <= set(Base.metadata.tables)
    assert all(LEFT_OUT.values())  # each with its reason
    assert len({part.key for part in PARTS}) == len(PARTS)
    assert all(len(part.heading) <= 31 for part in PARTS)  # an Excel sheet's title


# --- A world with a record in every part ---------------------------------------------------

def _fill(session, world, key: str, category_id: int) -> None:
    """One record in every table of the extract for student `key`, every text starting
    with the key in capitals ("ANNA-…"), so that any row of one student in another's
    extract is seen."""
    tag, now = key.upper(), utcnow()
    student_id, coach, admin = world[key], world["user:coach_a"], world["user:admin"]
    batch = ImportBatch(kind="enrolment", file_name=f"{tag}.xlsx", user_id=admin,
                        created_at=now)
    session.add(batch)
    session.flush()
    session.get(Student, student_id).batch_id = batch.id
    enrolment = session.scalars(select(Enrolment).where(Enrolment.student_id == student_id)
                                .order_by(Enrolment.id)).first()
    meeting = session.scalar(select(Meeting))
    if meeting is None:
        meeting = Meeting(school_id=world["SB"], term_id=world["HT2025"],
                          municipality_id=world["A"], date=DAY, created_by=coach,
                          created_at=now, status="approved")
        session.add(meeting)
        session.flush()
    item = AgendaItem(meeting_id=meeting.id, student_id=student_id, position=1, frozen_at=now,
                      absent=250, scheduled=1000, notes=f"{tag}-anteckning",
                      assessment=f"{tag}-bedömning", decisions=f"{tag}-beslut",
                      feedback=f"{tag}-återkoppling på mötet", updated_by=coach)
    measure = Measure(student_id=student_id, school_id=world["SB"], meeting_id=meeting.id,
                      kind="mi", owner_kind="coach", start_date=DAY,
                      follow_up_date=DAY + dt.timedelta(days=28), description=f"{tag}-åtgärd",
                      created_by=coach, created_at=now)
    contact = Contact(student_id=student_id, kind="talk", date=DAY, note=f"{tag}-kontakt",
                      user_id=coach, created_at=now)
    session.add_all([item, measure, contact])
    session.flush()
    talk = StudentTalk(student_id=student_id, side="coach", date=DAY, held_by=f"{tag}-coach",
                       contact_id=contact.id, causes=f"{tag}-orsaker", summary=f"{tag}-summa",
                       author_id=coach, created_at=now)
    session.add(talk)
    session.flush()
    plan = ActionPlan(student_id=student_id, talk_id=talk.id, goal=f"{tag}-mål",
                      start_date=DAY, review_date=DAY + dt.timedelta(days=30),
                      created_by=coach, created_at=now)
    interruption = StudyInterruption(student_id=student_id, enrolment_id=enrolment.id,
                                     school_id=enrolment.school_id, date=DAY,
                                     reason="interrupted", source="screen", created_by=coach,
                                     created_at=now)
    session.add_all([plan, interruption])
    session.flush()
    episode = KaaEpisode(student_id=student_id, municipality_id=world["A"],
                         interruption_id=interruption.id, opened_on=DAY, created_at=now)
    session.add(episode)
    session.flush()
    session.add_all([
        AbsencePeriod(student_id=student_id, school_id=world["SB"], term_id=world["VT2025"],
                      start_date=dt.date(2025, 2, 3), end_date=dt.date(2025, 2, 28),
                      scheduled_minutes=600, absent_minutes=60, valid_minutes=60,
                      invalid_minutes=0),
        ReplacedAbsence(replaced_by=batch.id, source="day", student_id=student_id,
                        school_id=world["SB"], term_id=world["HT2025"], date=DAY,
                        course=f"{tag}-kurs", scheduled_minutes=60, absent_minutes=60,
                        valid_minutes=0, invalid_minutes=60),
        MeetingAmendment(meeting_id=meeting.id, agenda_item_id=item.id, field="notes",
                         before=f"{tag}-före", after=f"{tag}-anteckning", user_id=admin,
                         at=now),
        MeasureFollowUp(measure_id=measure.id, date=DAY, text=f"{tag}-uppföljning",
                        user_id=coach, created_at=now),
        StudentTalkCategory(talk_id=talk.id, theme="cause", category_id=category_id),
        StudentTalkSupport(talk_id=talk.id, measure_id=measure.id, experience="helped",
                           note=f"{tag}-stöd"),
        PlanGoal(plan_id=plan.id, position=1, text=f"{tag}-delmål", due_date=DAY),
        PlanReview(plan_id=plan.id, date=DAY, note=f"{tag}-sett", author_id=coach,
                   created_at=now),
        PlanAmendment(plan_id=plan.id, version=2, change=f"{tag}-ändring",
                      reason=f"{tag}-skäl", author_id=coach, created_at=now),
        Feedback(direction="to_school", school_id=world["SB"], municipality_id=world["A"],
                 meeting_id=meeting.id, student_id=student_id, talk_id=talk.id,
                 text=f"{tag}-återkoppling", author_id=coach, created_at=now),
        HandOver(student_id=student_id, school_id=world["SB"], sending_school=f"{tag}-skolan",
                 received_on=DAY, to_know=f"{tag}-att veta", special_support=True,
                 created_by=coach, created_at=now),
        EarlyTalk(student_id=student_id, school_id=world["SB"], date=DAY,
                  held_by=f"{tag}-mentor", note=f"{tag}-tidigt", talk_id=talk.id,
                  created_by=coach, created_at=now),
        KaaContact(episode_id=episode.id, date=DAY, channel="letter", result="no_answer",
                   note=f"{tag}-brev", author_id=coach, created_at=now),
        KaaMeasure(episode_id=episode.id, description=f"{tag}-praktik", start_date=DAY,
                   reason=f"{tag}-varför", author_id=coach, created_at=now),
        StudentMove(student_id=student_id, from_municipality_id=world["B"],
                    to_municipality_id=world["A"], date=DAY, batch_id=batch.id,
                    user_id=admin, created_at=now),
        ImportChange(batch_id=batch.id, table_name="student", row_id=student_id,
                     before={"first_name": f"{tag}-förnamn", "home_municipality_id":
                             world["B"]}),
        ImportChange(batch_id=batch.id, table_name="enrolment", row_id=enrolment.id,
                     before={"class_name": f"{tag}-klass"}),
        AuditEvent(at=now, user_id=coach, username="coach_a", action="view_student",
                   entity="student", entity_id=student_id, student_id=student_id),
        SchoolSupport(student_id=student_id, school_id=world["SB"], extra_adaptations=True,
                      note=f"{tag}-stöd", version=1, updated_by=coach, updated_at=now),
        PriorityMark(student_id=student_id, user_id=coach, marked_on=DAY),
        Alert(student_id=student_id, term_id=world["HT2025"], kind="high", user_id=coach,
              school_id=world["SB"], share=0.25, created_at=now),
    ])


@pytest.fixture
def full(write, world):
    """Anna and Eva (protected identity) each with a record in every part, an individual
    mapping run with its analysis among them; beside them a class run and a class plan,
    which are about no student."""
    with write() as session:
        category = TalkCategory(label="Hälsa")
        session.add(category)
        session.flush()
        instrument = add_individual_instrument(session, world)
        for key in ("anna", "eva"):
            _fill(session, world, key, category.id)
            add_individual_run(session, world, instrument, world[key], key.upper())
        add_class_work(session, world)
    return world


def _cells(extract) -> list[str]:
    return [str(value) for section in extract.sections
            for value in section.rows.to_numpy().ravel()]


def test_each_part_holds_the_student_s_rows_and_nothing_about_another(write, full, viewer):
    with write() as session:
        extract = register_extract(session, viewer("admin"), full["anna"])
    empty = [section.key for section in extract.sections if section.rows.empty]
    assert empty == []
    cells = _cells(extract)
    assert not [cell for cell in cells if "EVA-" in cell or "KLASS-" in cell]
    assert extract.section("contacts").rows.to_dict("records") == [
        {"date": DAY, "contact_kind": "talk", "contact_note": "ANNA-kontakt", "by": "Coach A",
         "restricted": False, "restricted_readers": ""}]
    terms = extract.section("terms").rows.iloc[0]
    assert (terms["term"], terms["school"], terms["absent_minutes"], terms["absence"]) == (
        "HT2025", "Skola SB", 250, 0.25)
    meeting = extract.section("meetings").rows.iloc[0]
    assert (meeting["meeting_date"], meeting["school"], meeting["notes"],
            meeting["decisions"], meeting["absence"]) == (DAY, "Skola SB", "ANNA-anteckning",
                                                          "ANNA-beslut", 0.25)
    audit = extract.section("audit").rows.iloc[0]
    assert (audit["user"], audit["action"], audit["entity"]) == ("Coach A", "view_student",
                                                                 "student")
    changes = extract.section("import_changes").rows
    assert "Förnamn: ANNA-förnamn; Hemkommun: Beta" in set(changes["changed_from"])
    assert "Klass: ANNA-klass" in set(changes["changed_from"])
    identity = dict(extract.section("identity").rows.to_numpy())
    assert identity["Personnummer"] == f"{ANNA_NUMBER[:8]}-{ANNA_NUMBER[8:]}"
    assert identity["Namn"] == "Anna Testsson" and extract.number == identity["Personnummer"]
    assert "Inskrivningslista, inläst" in identity["Registrerad genom"]


def test_the_extract_is_audited_and_for_administrators_only(write, read, full, viewer):
    with write() as session:
        export_extract(session, viewer("admin"), full["anna"], "pdf")
    with read() as session:
        [event] = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "register_extract")).all()
    assert (event.username, event.entity, event.entity_id, event.student_id) == (
        "admin", "student", full["anna"], full["anna"])
    assert ANNA_NUMBER[:8] not in (event.note or "")
    for username in ("coach_a", "staff_sb", "leader_north"):
        with pytest.raises(AccessDenied), write() as session:
            register_extract(session, viewer(username), full["anna"])
    with pytest.raises(AccessDenied, match=STUDENT_NOT_FOUND), write() as session:
        register_extract(session, viewer("admin"), 999_999)
    with read() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(("register_extract", "refused")))).all()
    assert sorted(actions) == ["refused"] * 4 + ["register_extract"]  # refusals, no extracts


def test_the_pdf_opens_and_names_no_one_in_its_file_name(write, full, viewer):
    with write() as session:
        data = export_extract(session, viewer("admin"), full["anna"], "pdf")
    assert data.startswith(b"%PDF")
    name = file_name(full["anna"], "pdf", dt.date(2026, 1, 2))
    assert name == f"registerutdrag-{full['anna']}-2026-01-02.pdf"


def test_the_pdf_sums_each_day_s_lessons():
    lessons = pd.DataFrame({
        "date": [DAY, DAY, DAY + dt.timedelta(days=1)], "lesson_start": ["08:00", "10:00", ""],
        "course": ["Matematik 1c", "Svenska 1", ""], "school": ["Skola SB"] * 3,
        "term": ["HT2025"] * 3, "scheduled_minutes": [60, 60, 300],
        "absent_minutes": [60, 0, 30], "valid_minutes": [0, 0, 30],
        "invalid_minutes": [60, 0, 0], "unreported_minutes": [None, None, 5.0]})
    days = per_day(lessons)
    assert days.to_dict("list") == {
        "date": [DAY, DAY + dt.timedelta(days=1)], "school": ["Skola SB"] * 2,
        "term": ["HT2025"] * 2, "lessons": [2, 1], "scheduled_minutes": [120, 300],
        "absent_minutes": [60, 30], "valid_minutes": [0, 30], "invalid_minutes": [60, 0],
        "unreported_minutes": [pytest.approx(float("nan"), nan_ok=True), 5.0]}
    assert list(per_day(lessons.head(0)).columns) == list(days.columns)


def test_the_pdf_text_holds_the_records_and_no_protected_name(write, full, viewer):
    with write() as session:
        data = export_extract(session, viewer("admin"), full["eva"], "pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Skyddad identitet" in text and "EVA-kontakt" in text and "Eva" not in text


def test_the_excel_file_has_a_sheet_per_part_with_its_rows(write, full, viewer):
    with write() as session:
        extract = register_extract(session, viewer("admin"), full["anna"])
    book = load_workbook(io.BytesIO(extract_excel(extract)))
    titles = []
    for section in extract.sections:
        titles.append(sheet_title(section.heading, ["Om utdraget", *titles]))
    assert book.sheetnames == ["Om utdraget", *titles]
    for section, title in zip(extract.sections, titles, strict=True):
        # Two title lines, a blank row and the header: the rows start on the fifth.
        rows = [r for r in book[title].iter_rows(min_row=5, values_only=True) if any(r)]
        assert len(rows) == len(section.rows), section.key
    contacts = [c for row in book["Kontaktlogg"].iter_rows(values_only=True) for c in row]
    assert {"Datum", "Kontakt", "Anteckning", "Av", "ANNA-kontakt", "Samtal"} <= set(contacts)
    hand_over = [c for row in book["Överlämningar"].iter_rows(values_only=True) for c in row]
    assert {"Särskilt stöd", "ja", "nej"} <= set(hand_over)  # yes and no as words
    about = [c for row in book["Om utdraget"].iter_rows(values_only=True) for c in row]
    assert "Kontaktlogg" in about and "Skyddad identitet" not in about


class _Spy:
    """Records what the PDF says, in order, in place of lib.pdf.Document."""

    said: ClassVar[list[str]] = []

    def __init__(self, title, lines=()):
        _Spy.said = [title, *lines]

    def heading(self, text):
        self.said.append(text)

    def paragraph(self, text):
        self.said.append(text)

    def table(self, frame, widths=None):
        self.said.extend(str(v) for v in frame.to_numpy().ravel())

    def output(self):
        return b"%PDF-spy"


def test_a_protected_identity_is_named_by_id_with_a_notice_first(write, full, viewer,
                                                                monkeypatch):
    with write() as session:
        extract = register_extract(session, viewer("admin"), full["eva"])
    assert extract.protected and extract.name == f"Skyddad identitet (elev {full['eva']})"
    assert extract.number == "********-****"
    cells = _cells(extract)
    assert not [c for c in cells if "Eva" in c or EVA_NUMBER[:8] in c or "EVA-förnamn" in c]
    assert "EVA-kontakt" in cells and not [c for c in cells if "ANNA-" in c]
    monkeypatch.setattr(extract_module, "Document", _Spy)
    extract_pdf(extract)
    first_heading = _Spy.said.index("Skyddad identitet")
    assert first_heading < _Spy.said.index("Uppgifter om eleven")
    assert "Skatteverkets förmedling" in _Spy.said[first_heading + 1]
    assert not [s for s in _Spy.said if "Eva" in s or EVA_NUMBER[:8] in s]
    about = [c for row in load_workbook(io.BytesIO(extract_excel(extract)))["Om utdraget"]
             .iter_rows(values_only=True) for c in row]
    assert "Skyddad identitet" in about and extract.notice in about


def test_a_student_is_found_by_name_or_number_a_protected_one_by_number_only(
        read, world, viewer):
    admin = viewer("admin")
    with read() as session:
        by_name = find_students(session, admin, "anna")
        eva_by_name = find_students(session, admin, "eva")
        eva_by_number = find_students(session, admin, f"{EVA_NUMBER[:8]}-{EVA_NUMBER[8:]}")
        short_number = find_students(session, admin, f"{ANNA_NUMBER[2:8]}-{ANNA_NUMBER[8:]}")
        wrong_digit = find_students(session, admin,
                                    EVA_NUMBER[:-1] + str((int(EVA_NUMBER[-1]) + 1) % 10))
        kept = find_students(session, admin, "anna", include=world["dan"])
        with pytest.raises(AccessDenied):
            find_students(session, viewer("coach_a"), "anna")
    assert by_name == [(world["anna"], "Anna Testsson, 20080101-****")]
    assert eva_by_name == [] and wrong_digit == []
    assert eva_by_number == [(world["eva"], f"Skyddad identitet (elev {world['eva']})")]
    assert [i for i, _label in short_number] == [world["anna"]]
    assert [i for i, _label in kept] == [world["anna"], world["dan"]]


def test_the_student_s_mapping_run_and_its_analysis_are_in_the_extract(write, full, viewer):
    with write() as session:
        extract = register_extract(session, viewer("admin"), full["anna"])
    assert extract.section("mapping_runs").rows.to_dict("records") == [
        {"date": RUN_DAY, "school": "Skola SB", "instrument": "Elevkartläggning",
         "instrument_version": 1, "note": "ANNA-om kartläggningen",
         "registered_by": "Staff Sb",
         "registered_at": extract.section("mapping_runs").rows["registered_at"][0]}]
    assert extract.section("mapping_answers").rows.to_dict("list") == {
        "run_date": [RUN_DAY] * 2, "dimension": ["Relationer till vuxna"] * 2,
        "statement": ["Eleven har en vuxen att gå till r1",
                      "Eleven har en vuxen att gå till r2"],
        "scale_value": [4, 2], "scale_label": ["Stämmer ganska bra", "Stämmer dåligt"]}
    analysis = extract.section("mapping_analyses").rows.iloc[0]
    assert (analysis["run_date"], analysis["date"], analysis["participants"],
            analysis["conclusions"], analysis["registered_by"]) == (
        RUN_DAY, ANALYSIS_DAY, "ANNA-deltagare", "ANNA-slutsats", "Staff Sb")
    # The empty second topic holds nothing and is not listed.
    assert extract.section("mapping_analysis_notes").rows.to_dict("records") == [
        {"run_date": RUN_DAY, "guide_topic": "Vad ser vi hos eleven?",
         "analysis_note": "ANNA-ämnesanteckning"}]
    # The class plan shares the plan tables and is in no plan part.
    for key in ("plans", "plan_reviews"):
        assert len(extract.section(key).rows) == 1, key


def test_the_files_hold_the_answers_and_the_analysis_notes(write, full, viewer):
    with write() as session:
        extract = register_extract(session, viewer("admin"), full["anna"])
    pdf = pypdf.PdfReader(io.BytesIO(extract_pdf(extract)))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    for said in ("Skolanknytning, svar", "Eleven har en vuxen att gå till r1",
                 "Stämmer ganska bra", "ANNA-ämnesanteckning", "ANNA-slutsats",
                 "Elevkartläggning"):
        assert said in text, said
    assert "KLASS-" not in text
    book = load_workbook(io.BytesIO(extract_excel(extract)))
    answers = [c for row in book["Skolanknytning, svar"].iter_rows(values_only=True)
               for c in row]
    assert {"Påstående", "Värde", "Svarsalternativ", "Eleven har en vuxen att gå till r2",
            "Stämmer dåligt", 2} <= set(answers)
    notes = [c for row in book["Skolanknytning, analysens ämnen"].iter_rows(values_only=True)
             for c in row]
    assert {"Ämne i samtalsguiden", "Vad ser vi hos eleven?", "ANNA-ämnesanteckning"} <= set(
        notes)


def test_the_run_of_a_student_out_of_reach_is_answered_as_a_missing_one(write, full, viewer):
    """The extract is an administrator's: anyone else gets the same refusal for a student
    with a mapping run as for a student who does not exist, so it tells nothing."""
    for username in ("coach_c", "staff_sc", "staff_sb"):
        refusals = []
        for student_id in (full["anna"], 999_999):
            with pytest.raises(AccessDenied) as refused, write() as session:
                register_extract(session, viewer(username), student_id)
            refusals.append(str(refused.value))
        assert refusals[0] == refusals[1], username


# --- The tab -------------------------------------------------------------------------------

PAGE = "pages/14_Dataskydd.py"
LABELS = ["Ladda ner som PDF", "Ladda ner som Excel"]


def _tab_texts(at) -> str:
    """What the extract's tab (the page's first) shows as text."""
    tab = at.tabs[0]
    parts = [str(e.value) for kind in ("subheader", "caption", "markdown", "warning", "info",
                                       "error") for e in getattr(tab, kind)]
    parts += [frame.value.to_string() for frame in tab.dataframe]
    return "\n".join(parts)


def test_the_tab_finds_a_student_and_offers_both_files(app_env, full, read, monkeypatch):
    at = login("admin", page=PAGE)
    widget(at.text_input, "Sök elev på namn eller personnummer").input("Anna").run()
    widget(at.selectbox, "Elev").select(full["anna"]).run()
    assert at.query_params["utdrag"] == str(full["anna"])  # the id, never the number
    shown = _tab_texts(at)
    assert "Anna Testsson" in shown and "Kontaktlogg" in shown
    assert [b.label for b in at.tabs[0].get("download_button")] == LABELS
    assert ANNA_NUMBER[8:] not in shown
    assert all(ANNA_NUMBER[:8] not in str(value) for value in at.query_params.values())


def test_the_tab_s_files_are_built_on_the_click_and_audited(app_env, full, read,
                                                            monkeypatch):
    offered = []
    monkeypatch.setattr(st, "download_button", lambda label, data, **kwargs: offered.append(
        (label, data, kwargs["file_name"])))
    at = login("admin", page=PAGE)
    at.query_params["utdrag"] = str(full["eva"])  # a protected identity: chosen by the id
    at.run()
    assert "Skatteverkets förmedling" in _tab_texts(at) and "Eva" not in _tab_texts(at)
    (_pdf, pdf, pdf_name), (_excel, excel, excel_name) = [o for o in offered if o[0] in LABELS]
    assert pdf().startswith(b"%PDF") and excel().startswith(b"PK")
    assert pdf_name.startswith(f"registerutdrag-{full['eva']}-") and excel_name.endswith(
        ".xlsx")
    with read() as session:
        taken = session.scalars(select(AuditEvent.note).where(
            AuditEvent.action == "register_extract")).all()
    assert sorted(taken) == ["Registerutdrag (pdf)", "Registerutdrag (xlsx)"]


def test_a_restricted_measure_is_in_the_student_s_extract_marked_with_its_readers(
        write, full, viewer):
    """The extract is the student's right to see what is held: a restricted measure or
    note is in it in full, marked, with the people who may read it, for the administrator
    to weigh secrecy before handing it over."""
    from lib.contacts import add_contact
    from lib.measures import add_measure

    with write() as session:
        add_measure(session, viewer("coach_a"), full["anna"], kind="bup", owner_kind="coach",
                    start_date=DAY, follow_up_date=DAY + dt.timedelta(weeks=2),
                    description="ANNA-remiss", restricted=True,
                    readers=[full["user:staff_sb"]])
        add_contact(session, viewer("coach_a"), full["anna"], "referral", DAY,
                    "ANNA-begränsad", today=DAY, restricted=True)
    with write() as session:
        extract = register_extract(session, viewer("admin"), full["anna"])
    measures = extract.section("measures").rows.set_index("description")
    assert measures.loc["ANNA-remiss", "restricted"]
    assert measures.loc["ANNA-remiss", "restricted_readers"] == "Staff Sb"
    assert not measures.drop(index="ANNA-remiss")["restricted"].any()
    contacts = extract.section("contacts").rows.set_index("contact_note")
    assert contacts.loc["ANNA-begränsad", "restricted"]
    assert "pröva sekretessen" in extract.section("measures").note
