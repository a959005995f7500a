"""Two-row headers: a group row ("Schemalagd tid", "Frånvaro") above "(h:mm)", "Anmäld",
"Ej anmäld", "Totalt" is combined into the column names before the suggestions, so that a
Skola24 summary is mapped without hand work; its period and school come from its title
rows. A value written "h:mm" under a minutes unit gets a hint."""

from __future__ import annotations

import datetime as dt

import pytest

from lib.importing.absence import preview_absence
from lib.importing.checks import BAD_VALUE
from lib.importing.files import read_table, title_period
from lib.importing.layouts import KNOWN_HEADERS, Mapping, suggest
from tests import import_files
from tests.apptest import login, texts, widget
from tests.factories import personal_number

ANNA = personal_number("20080101", 980)
BO = personal_number("20080202", 982)
SEPTEMBER = (dt.date(2025, 9, 1), dt.date(2025, 9, 30))
# 384 hours scheduled, as Skola24 writes a term's summary: "384:00".
STUDENTS = [(ANNA, "Anna Testsson", 384 * 60, 90, 150), (BO, "Bo Testsson", 384 * 60, 60, 0)]


def skola24():
    return read_table(import_files.skola24_summary(STUDENTS), "skola24.xlsx", KNOWN_HEADERS)


def test_the_group_row_is_combined_into_the_column_names():
    table = skola24()
    assert table.columns == ["Personnummer", "Namn", "Schemalagd tid (h:mm)",
                             "Frånvaro Anmäld", "Frånvaro Ej anmäld", "Frånvaro Totalt"]
    assert (table.header_row, table.header_rows, len(table.rows)) == (6, 2, 2)
    assert table.rows.index.tolist() == [6, 7]  # the file's rows 7 and 8, 0-based


def test_a_skola24_summary_is_mapped_without_hand_work(read, world, viewer):
    table = skola24()
    mapping = suggest("absence", table.columns, table.rows)
    assert mapping.columns == {"personal_number": ("Personnummer",),
                               "scheduled": ("Schemalagd tid (h:mm)",),
                               "valid": ("Frånvaro Anmäld",),
                               "invalid": ("Frånvaro Ej anmäld",),
                               "absent": ("Frånvaro Totalt",)}
    assert set(mapping.units.values()) == {"hours"}  # "(h:mm)", and values like "1:30"
    assert title_period(table.title) == SEPTEMBER
    with read() as session:
        preview = preview_absence(session, viewer("admin"), table, mapping, world["SB"],
                                  title_period(table.title))
    assert preview.errors.empty and preview.warnings == ()
    assert preview.valid[["scheduled", "valid", "invalid"]].values.tolist() == [
        [23040, 90, 150], [23040, 60, 0]]


def test_a_group_cell_does_not_rename_a_column_known_alone():
    """Edlevo's "Frånvaro (min)" over "Giltig frånvaro" keeps the known name."""
    table = read_table(import_files.edlevo_lessons(
        [(ANNA, "Anna", "2025-10-06", "08:15", "Ma1c", 60, 0, 60, 0)]), "e.xlsx", KNOWN_HEADERS)
    assert table.columns[-3:] == ["Giltig frånvaro", "Ogiltig frånvaro", "Sen ankomst"]
    assert table.header_rows == 2


def test_a_title_alone_above_the_header_is_no_group_row():
    rows = [["Närvarorapport HT"], ["Personnummer", "Schemalagd tid", "Lektioner"],
            [ANNA, "300", "5"]]
    table = read_table(import_files.csv_bytes(rows), "r.csv", KNOWN_HEADERS)
    assert table.columns == ["Personnummer", "Schemalagd tid", "Lektioner"]
    assert table.title == ("Närvarorapport HT",)


@pytest.mark.parametrize("unit", ["minutes", "lessons"])
def test_hours_and_minutes_under_another_unit_get_a_hint(read, world, viewer, unit):
    table = skola24()
    mapping = suggest("absence", table.columns, table.rows)
    wrong = Mapping("absence", mapping.columns, {**mapping.units, "scheduled": unit})
    with read() as session:
        preview = preview_absence(session, viewer("admin"), table, wrong, world["SB"],
                                  SEPTEMBER)
    assert preview.warnings == ("Kolumnen «Schemalagd tid (h:mm)»: «384:00» ser ut som "
                                "timmar:minuter — välj enheten timmar.",)
    assert preview.counts == {BAD_VALUE: 2}


def test_the_page_reads_a_skola24_summary_as_it_comes(app_env, world):
    at = login("admin", page="pages/10_Import.py")
    widget(at.radio, "Vad innehåller filen?").set_value("absence")
    at.file_uploader[0].set_value(("skola24.xlsx", import_files.skola24_summary(STUDENTS),
                                   "application/octet-stream"))
    at.run()
    assert widget(at.selectbox, "Skola").value == world["SB"]  # from the title rows
    assert widget(at.date_input, "Periodens första dag").value == SEPTEMBER[0]
    assert "Alla rader är giltiga." in texts(at)
    next(b for b in at.button if b.label.startswith("Läs in de giltiga")).click().run()
    assert not at.exception and "Inläst: 2 rader" in texts(at)
