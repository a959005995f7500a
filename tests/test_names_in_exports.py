"""Any name a person may type, and text pasted from Word, never crash a page or an export:
Excel refuses : / \\ [ ] * ? and more than 31 characters in a sheet title, and control
characters in a cell. Every page that shows such a school renders, and every export that
holds its name opens."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from data_models.models import School
from lib.agenda import list_agenda
from lib.dashboards import Filters, school_page, watch_list
from lib.exports import Sheet, download_name, sheet_title, table_to_excel, workbook
from lib.feedback import send_feedback
from lib.indicators import indicators_excel, region_indicators
from lib.measure_effects import effect_of_measures
from lib.measures import add_measure
from lib.meetings import plan_meeting, save_entry, set_status
from lib.minutes import export_minutes
from lib.visit_pack import build_visit_pack, visit_pack_pdf
from tests.apptest import PAGE_FILES, login

ODD = "Skola: A/B [test] * ? \\ lång lång lång lång"
WORD_LINE_BREAK = "\v"  # what a line break in text copied from Word becomes
DAY = dt.date(2025, 10, 1)
EXCEL_REFUSES = set(":/\\[]*?")


@pytest.fixture
def odd(write, world, viewer) -> int:
    """School SB renamed to ODD, with a held meeting there (Alfa's students) whose place,
    participants, notes, measure and feedback hold the name, and a pasted Word line break."""
    coach = viewer("coach_a")
    with write() as session:
        session.get(School, world["SB"]).name = ODD
        meeting_id = plan_meeting(session, coach, school_id=world["SB"], term_id=world["HT2025"],
                                  municipality_id=world["A"], date=DAY, location=ODD,
                                  externals=((ODD, "mentor"),))
        items = list_agenda(session, coach, meeting_id).set_index("student_id")["id"]
        save_entry(session, coach, int(items[world["anna"]]), 1,
                   {"notes": f"Rad ett{WORD_LINE_BREAK}rad två {ODD}"})
        add_measure(session, coach, world["anna"], kind="mi", owner_kind="person",
                    owner_name=ODD, start_date=DAY, follow_up_date=DAY + dt.timedelta(days=7),
                    description=ODD, meeting_id=meeting_id)
        set_status(session, coach, meeting_id, 1, "held")
        send_feedback(session, viewer("staff_sb"), ODD, meeting_id=meeting_id)
    return meeting_id


def _opens(data: bytes):
    book = load_workbook(io.BytesIO(data))
    for title in book.sheetnames:
        assert len(title) <= 31 and not EXCEL_REFUSES & set(title), title
    return book


def _values(book) -> list:
    return [v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
            if v is not None]


def _pages_with(world, meeting_id) -> dict[str, str]:
    return {"skola": str(world["SB"]), "elev": str(world["anna"]), "mote": str(meeting_id),
            "termin": "HT2025"}


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_renders_for_the_admin(app_env, world, odd, page):
    at = login("admin", page=f"pages/{page}")
    for name, value in _pages_with(world, odd).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", ["1_Oversikt.py", "2_Skola.py", "3_Elev.py", "4_Bevakning.py",
                                  "5_Moten.py", "6_Atgarder.py", "7_Aterkoppling.py",
                                  "8_Besokspaket.py"])
def test_every_page_renders_for_the_schools_staff(app_env, world, odd, page):
    at = login("staff_sb", page=f"pages/{page}")
    for name, value in _pages_with(world, odd).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception


def test_the_school_list_opens_in_excel(read, world, odd, viewer):
    with read() as session:
        page = school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"],
                           Filters())
    book = _opens(table_to_excel(page.table, f"Elever {page.school_name}", "HT2025"))
    assert book.active["A1"].value == f"Elever {ODD}"


@pytest.mark.parametrize("kind", ["xlsx", "pdf"])
def test_the_minutes_open(write, odd, viewer, kind):
    with write() as session:
        data = export_minutes(session, viewer("coach_a"), odd, kind)
    if kind == "pdf":
        assert data.startswith(b"%PDF-")
        return
    values = _values(_opens(data))
    assert f"Skola: {ODD}" in values and f"Plats: {ODD}" in values
    assert f"Rad ett\nrad två {ODD}" in values  # the Word line break is a line break


def test_the_visit_pack_pdf_is_made(read, world, odd, viewer):
    with read() as session:
        pack = build_visit_pack(session, viewer("coach_a"), world["SB"], world["HT2025"], today=DAY)
    assert visit_pack_pdf(pack).startswith(b"%PDF-")


def test_the_watch_list_opens_in_excel(read, world, odd, viewer):
    with read() as session:
        table = watch_list(session, viewer("coach_a"), world["HT2025"])
    assert ODD in _values(_opens(table_to_excel(table, "Bevakning", "HT2025")))


def test_the_region_export_opens(read, world, odd, viewer):
    leader = viewer("leader_north")
    with read() as session:
        data = indicators_excel(region_indicators(session, leader, world["HT2025"]),
                                effect_of_measures(session, leader, world["HT2025"]))
    assert ODD in _values(_opens(data))


def test_a_sheet_title_is_one_excel_accepts():
    assert sheet_title(f"Elever {ODD}") == "Elever Skola A-B (test) - lång"
    assert sheet_title("'Citat'") == "Citat"  # no apostrophe first or last
    assert sheet_title("\x00\t") == "Blad"


def test_sheet_titles_stay_apart_when_cut_to_31_characters():
    frame = pd.DataFrame({"Skola": [ODD]})
    book = load_workbook(io.BytesIO(workbook([
        Sheet(title, (title,), frame) for title in (ODD, ODD + " igen", "protokoll",
                                                    "Protokoll")])))
    assert book.sheetnames == ["Skola A-B (test) - lång lång lå", "Skola A-B (test) - lång lån (2)",
                               "protokoll", "Protokoll (2)"]  # Excel ignores case here


def test_a_download_name_has_no_path_or_control_characters():
    assert download_name("../elever/HT2025\\x:y*?.xlsx") == "-elever-HT2025-x-y--.xlsx"
    assert download_name("rad\nett\x00.pdf") == "rad ett.pdf"
    assert download_name("...") == "export"
