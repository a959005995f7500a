"""The response file of a class run: read all or nothing, never more rows than the class."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_models.models import ConnectednessAnswer, ConnectednessResponse
from lib.access import AccessDenied
from lib.connectedness import RunInput, import_responses, response_template, start_run
from lib.versioning import InputError
from tests.connectedness_world import DAY, make_instrument


@pytest.fixture
def run_id(write, world, viewer) -> int:
    with write() as session:
        instrument = make_instrument(session, world)
        # anna, bo and eva: NA1A at SB has 3 students
        return start_run(session, viewer("staff_sb"),
                         RunInput(instrument, world["SB"], DAY, "NA1A"))


def counts(read) -> tuple[int, int]:
    with read() as session:
        return (session.scalar(select(func.count()).select_from(ConnectednessResponse)),
                session.scalar(select(func.count()).select_from(ConnectednessAnswer)))


def load(write, viewer, run_id, text: str, name: str = "svar.csv", who: str = "staff_sb"):
    with write() as session:
        return import_responses(session, viewer(who), run_id, text.encode(), name)


def test_a_csv_under_a_title_is_read_with_blanks_as_unanswered(write, read, viewer, run_id):
    text = "Kartläggning NA1A\n\nQ1;Q2;Q3;Q4\n4;5;;2\n3;3;3;3\n;;;\n"
    assert load(write, viewer, run_id, text) == 2
    assert counts(read) == (2, 7)


def test_the_template_filled_in_is_read_back(write, read, viewer, run_id):
    with read() as session:
        data = response_template(session, viewer("staff_sb"), run_id)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Svar", "Påståenden", "Skala"]
    sheet = book["Svar"]
    header = [c.value for c in next(r for r in sheet.iter_rows() if r[0].value == "Q1")]
    assert header == ["Q1", "Q2", "Q3", "Q4"]
    start = next(r[0].row for r in sheet.iter_rows() if r[0].value == "Q1") + 1
    for offset, values in enumerate(([5, 4, 3, 2], [1, None, 1, 1])):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=start + offset, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    with write() as session:
        assert import_responses(session, viewer("staff_sb"), run_id, buffer.getvalue(),
                                "svar.xlsx") == 2
    assert counts(read) == (2, 7)
    scale = [tuple(c.value for c in row) for row in book["Skala"].iter_rows(min_row=4)]
    assert scale[0] == (1, "Stämmer inte alls") and len(scale) == 5


@pytest.mark.parametrize(("text", "message"), [
    ("Q1;Q2;Q3;Q4\n4;4;4;4\n4;4;7;4\n", "Rad 3: värdet 7 för Q3 ligger utanför skalan 1–5"),
    ("Q1;Q2;Q3;Q4\n4;4;x;4\n", "Rad 2: värdet x för Q3"),
    ("Q1;Q2;Q3;Q4;Q9\n4;4;4;4;1\n", "Okända kolumner: Q9"),
    ("Q1;Q2;Q4\n4;4;4\n", "saknas: Q3"),
    ("A;B\n1;2\n", "ingen rubrikrad"),
    ("Q1;Q2;Q3;Q4\n", "inga svar"),
])
def test_a_bad_file_is_refused_with_what_is_wrong_and_nothing_is_written(
        write, read, viewer, run_id, text, message):
    with pytest.raises(InputError, match=message):
        load(write, viewer, run_id, text)
    assert counts(read) == (0, 0)


def test_more_rows_than_the_class_has_students_are_refused(write, read, viewer, run_id):
    rows = "".join("3;3;3;3\n" for _ in range(4))
    with pytest.raises(InputError, match="Filen har 4 svar men klassen NA1A har 3 elever"):
        load(write, viewer, run_id, "Q1;Q2;Q3;Q4\n" + rows)
    load(write, viewer, run_id, "Q1;Q2;Q3;Q4\n3;3;3;3\n3;3;3;3\n")
    with pytest.raises(InputError, match="2 svar finns redan"):
        load(write, viewer, run_id, "Q1;Q2;Q3;Q4\n3;3;3;3\n3;3;3;3\n")
    assert counts(read)[0] == 2


@pytest.mark.parametrize("who", ["coach_a", "staff_sc"])
def test_only_the_schools_staff_import(write, viewer, run_id, who):
    with pytest.raises(AccessDenied):
        load(write, viewer, run_id, "Q1;Q2;Q3;Q4\n3;3;3;3\n", who=who)
