"""What the importer says about a file and its outcome: after reading in or cancelling the
upload is cleared and the outcome is shown; the same file again is named as such; a
truncated Excel file is damaged; a header-only file has no rows; the reporting rate of a
file without unreported time is unknown, and LearnPoint's "Rapporterat (%)" gives it; a
row error names the file's own row."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.models import AbsencePeriod, ImportBatch
from lib.importing.absence import commit_absence, preview_absence
from lib.importing.batches import undo_batch
from lib.importing.checks import BAD_VALUE
from lib.importing.files import FileRefused, read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from tests import import_files
from tests.apptest import login, texts, widget
from tests.factories import personal_number

ANNA = personal_number("20080101", 980)
BO = personal_number("20080202", 982)
SEPTEMBER = (dt.date(2025, 9, 1), dt.date(2025, 9, 30))
IMPORT = "pages/10_Import.py"
READ_IN = "Läs in de giltiga raderna"


def vklass() -> bytes:
    return import_files.vklass_period([(ANNA, "Anna Testsson", 6000, 300, 900)])


def checked(read, viewer, data: bytes, name: str, who: str = "admin", period=SEPTEMBER):
    table = read_table(data, name, KNOWN_HEADERS)
    mapping = suggest("absence", table.columns, table.rows)
    with read() as session:
        return mapping, preview_absence(session, viewer(who), table, mapping, None if any(
            "skolenhetskod" in c.lower() for c in table.columns) else 2, period)


def batches(read) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(ImportBatch).where(
            ImportBatch.kind != "demo"))


# --- The upload is cleared ------------------------------------------------------------------

def uploaded(at, data: bytes, school: int):
    widget(at.radio, "Vad innehåller filen?").set_value("absence")
    at.file_uploader[0].set_value(("vklass.xlsx", data, "application/octet-stream"))
    at.run()
    widget(at.selectbox, "Skola").set_value(school)
    widget(at.date_input, "Periodens första dag").set_value(SEPTEMBER[0])
    widget(at.date_input, "Periodens sista dag").set_value(SEPTEMBER[1]).run()
    return at


def cleared(at) -> bool:
    """No file, no preview and no read-in button: only the uploader's hint."""
    return (at.file_uploader[0].value in (None, []) and not at.subheader
            and not [b for b in at.button if b.label.startswith(READ_IN)]
            and "Högst 20 MB." in texts(at))


def test_after_reading_in_the_upload_is_cleared_and_the_outcome_shown(app_env, world,
                                                                     read):
    at = uploaded(login("admin", page=IMPORT), vklass(), world["SB"])
    next(b for b in at.button if b.label.startswith(READ_IN)).click().run()
    assert not at.exception
    assert [s.value for s in at.success][:1] == ["Inläst: 1 rad (import 1). 0 rader med fel "
                                                 "hoppades över."]
    assert cleared(at)
    at.run()  # a rerun (a second click) has no file to read in again
    assert batches(read) == 1


def test_after_cancelling_the_upload_is_cleared(app_env, world, read):
    at = uploaded(login("admin", page=IMPORT), vklass(), world["SB"])
    widget(at.button, "Avbryt, läs inte in något").click().run()
    assert "Inget lästes in." in [s.value for s in at.success]
    assert cleared(at) and batches(read) == 0


# --- The same file again --------------------------------------------------------------------

def test_the_same_file_again_is_named_as_such(write, read, world, viewer):
    data = vklass()  # once: a workbook written again differs by its timestamp
    mapping, first = checked(read, viewer, data, "vklass.xlsx")
    assert not [w for w in first.warnings if "Samma fil" in w]
    with write() as session:
        batch_id = commit_absence(session, viewer("admin"), first, mapping)
    _, again = checked(read, viewer, data, "kopia.xlsx")
    assert [w for w in again.warnings if w.startswith(
        f"Samma fil (samma SHA-256-kontrollsumma) är redan inläst: import {batch_id}, ")]
    # Another user's import is not shown to a coach; an undone one no longer counts.
    _, coach = checked(read, viewer, data, "vklass.xlsx", who="coach_a")
    assert not [w for w in coach.warnings if "Samma fil" in w]
    with write() as session:
        undo_batch(session, viewer("admin"), batch_id)
    _, after_undo = checked(read, viewer, data, "vklass.xlsx")
    assert not [w for w in after_undo.warnings if "Samma fil" in w]


# --- Files with nothing to read -------------------------------------------------------------

def test_a_truncated_excel_file_is_damaged_not_another_kind_of_file():
    data = vklass()
    with pytest.raises(FileRefused, match="Excel-filen är skadad"):
        read_table(data[:len(data) // 2], "vklass.xlsx", KNOWN_HEADERS)


@pytest.mark.parametrize(("rows", "name", "message"), [
    ([["Personnummer", "Datum", "Schemalagd tid", "Giltig frånvaro"]], "tom.csv",
     "Filen har inga rader under rubrikraden, bara rubriker."),
    ([["Personnummer", "Undv. tid", "GF min", "F min"], ["Summa", 100, 10, 0]], "tom.xlsx",
     "Filen har inga rader under rubrikraden, bara rubriker och summeringsrader."),
])
def test_a_file_with_only_headers_has_no_rows(rows, name, message):
    data = import_files.xlsx(rows) if name.endswith("xlsx") else import_files.csv_bytes(rows)
    with pytest.raises(FileRefused, match=message):
        read_table(data, name, KNOWN_HEADERS)


# --- The reporting rate ---------------------------------------------------------------------

def test_without_an_unreported_column_the_reporting_rate_is_unknown(write, read, world,
                                                                    viewer):
    data = import_files.edlevo_lessons(
        [(ANNA, "Anna", "2025-10-06", "08:15", "Ma1c", 60, 0, 60, 0)])
    mapping, preview = checked(read, viewer, data, "edlevo.xlsx", period=None)
    assert not preview.unreported_known
    assert not preview.summary.reporting_known and preview.summary.reporting_rate is None
    with write() as session:
        batch_id = commit_absence(session, viewer("admin"), preview, mapping)
    with read() as session:
        assert session.get(ImportBatch, batch_id).details["unreported_known"] is False


def test_a_vklass_unreported_column_gives_the_reporting_rate(read, world, viewer):
    _, preview = checked(read, viewer, vklass(), "vklass.xlsx")
    assert preview.unreported_known
    assert preview.summary.reporting_known
    assert preview.summary.reporting_rate == pytest.approx(1.0)


def test_learnpoint_s_reported_share_gives_the_unreported_time(write, read, world, viewer):
    data = import_files.learnpoint_courses(
        [(ANNA, "Anna Testsson", "Ma1c", 3000, 60, 240),
         (ANNA, "Anna Testsson", "Sv1", 3000, 0, 0)], reported="90 %")
    mapping, preview = checked(read, viewer, data, "learnpoint.csv")
    assert mapping.columns["reported"] == ("Rapporterat (%)",)
    assert mapping.units["reported"] == "percent"
    assert preview.valid["unreported"].tolist() == [600]  # 10 % of 6 000 minutes
    assert preview.summary.reporting_rate == pytest.approx(0.9)
    with write() as session:
        commit_absence(session, viewer("admin"), preview, mapping)
    with read() as session:
        assert session.scalar(select(AbsencePeriod.unreported_minutes)) == 600


# --- Row numbers ----------------------------------------------------------------------------

def test_a_row_error_names_the_file_s_row_past_blank_rows(read, world, viewer):
    rows = [["Personnummer", "Skolenhetskod", "Datum", "Schemalagd tid", "Giltig frånvaro",
             "Ogiltig frånvaro"],
            [ANNA, "90020001", "2025-10-06", "300", "30", "0"],
            [],
            [BO, "90020001", "2025-10-06", "tre", "0", "0"]]  # row 4 of the file
    _, preview = checked(read, viewer, import_files.csv_bytes(rows), "f.csv", period=None)
    assert preview.errors[["row", "row_problem"]].values.tolist() == [[4, BAD_VALUE]]
