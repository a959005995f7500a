"""The import services speak codes: the history, the moves, the row errors and the changes
an enrolment list makes are tables of machine columns (lib.columns), each code column
holding only its set's codes, and the import page still reads in Swedish."""

from __future__ import annotations

import pandas as pd

from data_models.codes import EnrolmentChange, ImportKind, RowProblem
from lib import columns
from lib.importing.batches import list_batches, undo_batch
from lib.importing.enrolment import commit_enrolment, list_moves, preview_enrolment
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from tests import import_files
from tests.apptest import login, widget
from tests.factories import personal_number

ANNA = personal_number("20080101", 980)
NEW = personal_number("20080303", 985)
BAD = ANNA[:-1] + str((int(ANNA[-1]) + 1) % 10)  # a wrong check digit


def assert_machine_only(frame: pd.DataFrame) -> None:
    """Every column is a machine column; a code column holds nothing but its codes."""
    unknown = [c for c in frame.columns if c not in columns.COLUMNS and c not in columns.HIDDEN]
    assert not unknown, unknown
    for name in frame.columns:
        codes = columns.COLUMNS[name].codes if name in columns.COLUMNS else None
        if codes is not None:
            assert set(frame[name]) <= {member.value for member in codes}, name


def _preview(read, viewer, students: list[tuple]):
    table = read_table(import_files.enrolment_list(students), "elever.csv", KNOWN_HEADERS)
    with read() as session:
        return preview_enrolment(session, viewer("admin"), table,
                                 suggest("enrolment", table.columns))


def _moving_anna(write, read, viewer) -> int:
    checked = _preview(read, viewer, [(ANNA, "Anna", "Flyttad", "Beta", "90010001", "EK", 2)])
    with write() as session:
        return commit_enrolment(session, viewer("admin"), checked)


def test_the_history_is_machine_columns_and_an_undone_import_has_its_moment(
        write, read, world, viewer):
    batch_id = _moving_anna(write, read, viewer)
    with read() as session:
        before = list_batches(session, viewer("admin"))
    with write() as session:
        undo_batch(session, viewer("admin"), batch_id)
    with read() as session:
        after = list_batches(session, viewer("admin"))
    assert_machine_only(after)
    assert after["import_kind"].tolist() == [ImportKind.ENROLMENT]
    assert before["undone_at"].isna().all()
    assert after["undone_at"].notna().all()
    assert after["rows_read"].tolist() == [1]


def test_the_moves_are_machine_columns(write, read, world, viewer):
    _moving_anna(write, read, viewer)
    with read() as session:
        moves = list_moves(session, viewer("admin"))
    assert_machine_only(moves)
    assert list(zip(moves["student_id"], moves["from_municipality"], moves["to_municipality"],
                    strict=True)) == [(world["anna"], "Alfa", "Beta")]


def test_row_errors_and_changes_are_codes(read, world, viewer):
    checked = _preview(read, viewer, [(ANNA, "Anna", "Flyttad", "Beta", "90010001", "EK", 2),
                                      (BAD, "Bo", "Fel", "Alfa", "90010001", "NA", 1)])
    assert_machine_only(checked.errors)
    assert_machine_only(checked.changes)
    assert_machine_only(checked.problems)
    assert checked.errors["row_problem"].tolist() == [RowProblem.BAD_NUMBER]
    assert checked.counts == {RowProblem.BAD_NUMBER: 1}
    assert EnrolmentChange.HOME_MUNICIPALITY in set(checked.changes["enrolment_change"])


def _enrolment_upload(at, students: list[tuple]) -> None:
    widget(at.radio, "Vad innehåller filen?").set_value("enrolment").run()
    at.file_uploader[0].set_value(("elever.csv", import_files.enrolment_list(students),
                                   "text/csv"))
    at.run()


def test_the_import_page_names_errors_and_changes_in_swedish(app_env, world):
    at = login("admin", page="pages/10_Import.py")
    _enrolment_upload(at, [(ANNA, "Anna", "Flyttad", "Beta", "90010001", "EK", 2),
                           (BAD, "Bo", "Fel", "Alfa", "90010001", "NA", 1),
                           (NEW, "Nora", "Ny", "Alfa", "90010001", "NA", 1)])
    assert not at.exception
    frames = [frame.value for frame in at.dataframe]
    counted = next(f for f in frames if list(f.columns) == ["Fel", "Rader"])
    assert counted["Fel"].tolist() == [
        "Ogiltigt personnummer (kontrollsiffran eller datumet stämmer inte)"]
    errors = next(f for f in frames if list(f.columns) == ["Rad", "Fel", "Värde"])
    assert errors["Rad"].tolist() == ["3"]
    changes = next(f for f in frames if "Ändring" in f.columns)
    assert list(changes.columns) == ["Elev", "Personnummer", "Ändring", "Från", "Till"]
    assert "Hemkommun (flytt)" in set(changes["Ändring"])
