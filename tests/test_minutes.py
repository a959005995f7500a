"""Minutes (Excel and PDF), the visit pack and the follow-up view of the watch list."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from data_models.codes import AgendaField, FollowUpState
from lib.access import AccessDenied
from lib.agenda import list_agenda
from lib.contacts import add_contact
from lib.feedback import send_feedback
from lib.measures import add_measure
from lib.meetings import plan_meeting, save_entry, set_status
from lib.minutes import minutes, minutes_excel, minutes_pdf, minutes_table
from lib.visit_pack import build_visit_pack, filter_without_follow_up, visit_pack_pdf

DAY = dt.date(2025, 10, 1)


def held_meeting(write, world, viewer) -> tuple[int, dict[int, int]]:
    with write() as session:
        coach = viewer("coach_a")
        meeting_id = plan_meeting(session, coach, school_id=world["SB"], term_id=world["HT2025"],
                                  municipality_id=world["A"], date=DAY,
                                  externals=(("Lena Berg", "mentor"),))
        items = dict(zip(list_agenda(session, coach, meeting_id)["student_id"],
                         list_agenda(session, coach, meeting_id)["id"], strict=True))
        save_entry(session, coach, int(items[world["anna"]]), 1,
                   {"notes": "=HYPERLINK(\"http://x\")", "decisions": "Väckning varje dag"})
        save_entry(session, coach, int(items[world["eva"]]), 1, {"notes": "Mår bättre"})
        add_measure(session, coach, world["anna"], kind="structure", owner_kind="coach",
                    start_date=DAY, follow_up_date=dt.date(2025, 10, 20), meeting_id=meeting_id)
        set_status(session, coach, meeting_id, 1, "held")
    return meeting_id, items


def test_minutes_hold_frozen_figures_texts_measures_and_mask_protected_identity(
        write, read, world, viewer):
    meeting_id, _ = held_meeting(write, world, viewer)
    with read() as session:
        record = minutes(session, viewer("staff_sb"), meeting_id)
    rows = minutes_table(record).set_index("personal_number")
    anna = rows.loc["20080101-****"]
    assert anna["absence"] == pytest.approx(0.25)
    assert anna["decisions"] == "Väckning varje dag"
    assert anna["agreed_measures"] == (
        "Strukturstöd (väckningssamtal och påminnelser): Ungdomscoachen, "
        "uppföljning 2025-10-20 (planerad)")
    protected = record.items.iloc[1]
    assert protected["student"].startswith("Skyddad identitet")
    assert "Eva" not in record.items.to_string()
    assert "Lena Berg (mentor)" in " ".join(record.heading)


def test_minutes_excel_escapes_formulas_and_masks(write, read, world, viewer):
    meeting_id, _ = held_meeting(write, world, viewer)
    with read() as session:
        record = minutes(session, viewer("coach_a"), meeting_id)
    sheet = load_workbook(io.BytesIO(minutes_excel(record))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "'=HYPERLINK(\"http://x\")" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert not any("Eva" in str(v) for v in values)
    assert any(str(v).startswith("Skyddad identitet") for v in values)


def test_minutes_pdf_is_a_document(write, read, world, viewer):
    meeting_id, _ = held_meeting(write, world, viewer)
    with read() as session:
        record = minutes(session, viewer("coach_a"), meeting_id)
    data = minutes_pdf(record)
    assert data.startswith(b"%PDF-") and b"/Type /Page" in data


def test_amendments_after_approval_are_in_the_minutes(write, read, world, viewer):
    meeting_id, items = held_meeting(write, world, viewer)
    with write() as session:
        set_status(session, viewer("staff_sb"), meeting_id, 2, "approved")
        save_entry(session, viewer("staff_sb"), int(items[world["eva"]]), 2,
                   {"notes": "Mår mycket bättre"})
    with read() as session:
        record = minutes(session, viewer("coach_a"), meeting_id)
    assert record.amendments[["changed_by", "agenda_field", "text_before",
                              "text_after"]].values.tolist() == [
        ["Staff Sb", AgendaField.NOTES, "Mår bättre", "Mår mycket bättre"]]
    book = load_workbook(io.BytesIO(minutes_excel(record)))
    assert book.sheetnames == ["Protokoll", "Ändringar efter justering"]


def test_visit_pack_has_flagged_changes_measures_and_feedback(write, read, world, viewer):
    from lib import summaries
    from tests.factories import absence

    meeting_id, _ = held_meeting(write, world, viewer)
    with write() as session:  # anna gets worse after the meeting
        session.add(absence(world["anna"], world["SB"], dt.date(2025, 10, 6), world["HT2025"],
                            1000, 0, 750))
        summaries.refresh(session, [world["HT2025"]], [world["anna"]])
        send_feedback(session, viewer("staff_sb"), "Anna kom i tid hela veckan.",
                      meeting_id=meeting_id)
    with read() as session:
        pack = build_visit_pack(session, viewer("coach_a"), world["SB"], world["HT2025"],
                                today=dt.date(2025, 10, 15))
    assert pack.last_meeting == DAY
    assert pack.flagged["personal_number"].tolist() == ["20080101-****"]
    change = pack.changes.set_index("personal_number").loc["20080101-****"]
    assert change["absence_at_last_meeting"] == pytest.approx(0.25)
    assert change["absence_now"] == pytest.approx(0.50)
    assert change["absence_change"] == pytest.approx(25.0)
    assert pack.measures["follow_up_state"].tolist() == [FollowUpState.SOON]
    assert pack.feedback["feedback"].tolist() == ["Anna kom i tid hela veckan."]
    assert visit_pack_pdf(pack).startswith(b"%PDF-")
    # A coach whose students do not attend the school gets no pack for it, not even its name.
    with pytest.raises(AccessDenied), read() as session:
        build_visit_pack(session, viewer("coach_c"), world["SB"], world["HT2025"],
                         today=dt.date(2025, 10, 15))


def test_without_follow_up_keeps_flagged_students_nobody_has_acted_on(
        write, read, world, viewer):
    students = pd.DataFrame({"id": [world["anna"], world["bo"], world["dan"]]})
    term_start = dt.date(2025, 8, 18)
    with read() as session:
        admin = viewer("admin")
        assert filter_without_follow_up(session, admin, students, term_start)["id"].tolist() == [
            world["anna"], world["bo"], world["dan"]]
    with write() as session:
        add_contact(session, viewer("coach_c"), world["dan"], "talk", dt.date(2025, 9, 1), "",
                    today=DAY)
        add_measure(session, viewer("staff_sb"), world["bo"], kind="mi", owner_kind="school",
                    start_date=DAY, follow_up_date=DAY)
    with read() as session:
        assert filter_without_follow_up(session, admin, students, term_start)["id"].tolist() == [
            world["anna"]]
    held_meeting(write, world, viewer)  # anna: notes at a meeting on 1 Oct
    with read() as session:
        assert filter_without_follow_up(session, admin, students, term_start).empty


def test_exporting_the_minutes_is_audited(write, read, world, viewer):
    from sqlalchemy import select

    from data_models.models import AuditEvent
    from lib.minutes import export_minutes

    meeting_id, _ = held_meeting(write, world, viewer)
    with write() as session:
        data = export_minutes(session, viewer("staff_sb"), meeting_id, "xlsx")
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Protokoll"]
    with read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (event.entity, event.user_id, event.details) == (
        "minutes", world["user:staff_sb"], {"after": {"rows": 2}})


def test_a_meeting_marked_held_after_later_absence_came_in_keeps_the_figures_of_its_day(
        write, read, world, viewer):
    """The demo region's meetings, and a meeting marked as held a week late: the absence
    after the meeting's day is already read in when it is held."""
    from lib import summaries
    from tests.factories import absence

    coach = viewer("coach_a")
    with write() as session:
        meeting_id = plan_meeting(session, coach, school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"], date=DAY)
        session.add(absence(world["anna"], world["SB"], dt.date(2025, 10, 6), world["HT2025"],
                            1000, 0, 750))
        summaries.refresh(session, [world["HT2025"]], [world["anna"]])
    with write() as session:
        set_status(session, coach, meeting_id, 1, "held")
    with read() as session:
        anna = list_agenda(session, coach, meeting_id).set_index("student_id").loc[world["anna"]]
        pack = build_visit_pack(session, coach, world["SB"], world["HT2025"],
                                today=dt.date(2025, 10, 15))
    assert anna["absence"] == pytest.approx(0.25)  # 1 September only, not 6 October
    change = pack.changes.set_index("personal_number").loc["20080101-****"]
    assert change["absence_at_last_meeting"] == pytest.approx(0.25)
    assert change["absence_now"] == pytest.approx(0.50)
    assert change["absence_change"] == pytest.approx(25.0)


def test_pdf_headers_and_names_are_never_broken_mid_word(write, read, world, viewer):
    from lib.columns import heading
    from lib.pdf import Document

    meeting_id, _ = held_meeting(write, world, viewer)
    with read() as session:
        record = minutes(session, viewer("coach_a"), meeting_id)
    table = minutes_table(record).drop(columns=["valid", "invalid"])
    document = Document(record.title)
    widths = document.column_widths(table, (30, 22, 20, 14, 9, 34, 28, 28, 28, 40))
    pdf = document.pdf
    assert sum(widths) == pytest.approx(pdf.epw)
    for column, width in zip(table.columns, widths, strict=True):
        pdf.set_font(document.family, "B", 8)
        title = heading(column)
        lines = pdf.multi_cell(width, 4.5, title, dry_run=True, output="LINES")
        assert " ".join(lines).split() == title.split(), column  # whole words only
    pdf.set_font(document.family, "", 8)
    numbers = pdf.multi_cell(widths[1], 4.5, "20080101-****", dry_run=True, output="LINES")
    assert numbers == ["20080101-****"]


def test_the_minutes_give_the_approval_time_in_swedish_time(write, read, world, viewer):
    from sqlalchemy import update

    from data_models.models import Meeting

    meeting_id, _ = held_meeting(write, world, viewer)
    with write() as session:
        set_status(session, viewer("staff_sb"), meeting_id, 2, "approved")
        session.execute(update(Meeting).where(Meeting.id == meeting_id).values(
            approved_at=dt.datetime(2025, 10, 1, 13, 5)))  # stored in UTC
    with read() as session:
        record = minutes(session, viewer("coach_a"), meeting_id)
    assert "Justerat 2025-10-01 15:05" in record.heading  # summer time, UTC+2
    assert not any("UTC" in line for line in record.heading)


def test_the_minutes_items_speak_codes(write, read, world, viewer):
    from data_models.codes import AgendaReason, Trend
    from lib.columns import COLUMNS, HIDDEN

    meeting_id, _ = held_meeting(write, world, viewer)
    with read() as session:
        record = minutes(session, viewer("coach_a"), meeting_id)
    for frame in (record.items, minutes_table(record), record.amendments):
        assert all(c in COLUMNS or c in HIDDEN for c in frame.columns), list(frame.columns)
    assert set(record.items["reason"]) <= set(AgendaReason)
    assert set(record.items["trend"]) <= set(Trend)
    assert record.items["reason"].tolist() == [AgendaReason.HIGH, AgendaReason.NONE]


def test_the_minutes_read_in_swedish_with_the_headings_and_words_of_the_screen(
        write, read, world, viewer):
    meeting_id, items = held_meeting(write, world, viewer)
    with write() as session:
        set_status(session, viewer("staff_sb"), meeting_id, 2, "approved")
        save_entry(session, viewer("staff_sb"), int(items[world["eva"]]), 2,
                   {"notes": "Mår mycket bättre"})
    with read() as session:
        record = minutes(session, viewer("coach_a"), meeting_id)
    assert "Datum: 2025-10-01   Termin: HT2025   Status: Justerat" in record.heading
    book = load_workbook(io.BytesIO(minutes_excel(record)))
    rows = list(book["Protokoll"].iter_rows(values_only=True))
    top = len(record.heading) + 2  # the title, the heading lines and a blank row
    assert rows[top] == ("Elev", "Personnummer", "Skäl", "Frånvaro", "Giltig", "Ogiltig",
                         "Trend", "Anteckningar", "Bedömning", "Beslut", "Återkoppling",
                         "Åtgärder")
    anna = rows[top + 1]
    assert anna[2:4] == ("Över hög nivå", 0.25)
    assert anna[11] == ("Strukturstöd (väckningssamtal och påminnelser): Ungdomscoachen, "
                        "uppföljning 2025-10-20 (planerad)")
    changed = list(book["Ändringar efter justering"].iter_rows(values_only=True))
    assert changed[2] == ("Tid", "Ändrad av", "Elev", "Fält", "Före", "Efter")
    assert changed[3][1:4] == ("Staff Sb", changed[3][2], "Anteckningar")
    assert changed[3][4:] == ("Mår bättre", "Mår mycket bättre")


def test_the_minutes_read_in_english_for_an_english_reader(write, read, world, viewer):
    from lib.i18n import ENGLISH, use_language
    from lib.minutes import file_stem

    meeting_id, _ = held_meeting(write, world, viewer)
    with read() as session, use_language(ENGLISH):
        record = minutes(session, viewer("coach_a"), meeting_id)
        book = load_workbook(io.BytesIO(minutes_excel(record)))
        stem = file_stem(record.meeting)
        assert "Date: 2025-10-01   Term: HT2025   Status: Held" in record.heading
        title = record.title
    assert title == "Minutes, review at Skola SB 2025-10-01"
    assert stem == f"minutes-{meeting_id}-2025-10-01"
    assert book.sheetnames == ["Minutes"]
    rows = list(book["Minutes"].iter_rows(values_only=True))
    top = len(record.heading) + 2
    assert rows[top] == ("Student", "Personal identity number", "Reason", "Absence",
                         "Authorised", "Unauthorised", "Trend", "Notes", "Assessment",
                         "Decisions", "Feedback", "Measures")
    assert rows[top + 1][2] == "Above the high level"
    assert rows[top + 1][11] == ("Structure support (wake-up calls and reminders): The youth "
                                 "coach, follow-up 2025-10-20 (planned)")
    assert rows[0][0] == title and rows[1][0] == "School: Skola SB"


def test_minutes_downloaded_in_english_are_in_english_and_audited_in_swedish(
        write, read, world, viewer):
    """The file is built on the click, outside the page's run: the page passes the
    reader's language. The audit log is a record, in Swedish whoever exported."""
    from sqlalchemy import select

    from data_models.models import AuditEvent
    from lib.i18n import ENGLISH
    from lib.minutes import export_minutes

    meeting_id, _ = held_meeting(write, world, viewer)
    with write() as session:
        data = export_minutes(session, viewer("coach_a"), meeting_id, "xlsx", ENGLISH)
        pdf = export_minutes(session, viewer("coach_a"), meeting_id, "pdf", ENGLISH)
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Minutes"]
    assert pdf.startswith(b"%PDF-")
    with read() as session:
        notes = list(session.scalars(select(AuditEvent.note).where(
            AuditEvent.action == "export").order_by(AuditEvent.id)))
    assert notes == ["Protokoll, genomgång Skola SB 2025-10-01 (xlsx)",
                     "Protokoll, genomgång Skola SB 2025-10-01 (pdf)"]
