"""The school of an absence file is chosen, never the first in the list by default: it is
guessed from the file's title rows or its students' enrolments, and a file whose students
are mostly not at the chosen school is said to be so and needs a yes before it is read in.
Choosing a school applies that school's saved column choices."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from data_models.models import AbsencePeriod, ImportBatch
from lib.access import AccessDenied
from lib.importing.absence import SCHOOL_UNCONFIRMED, commit_absence, preview_absence
from lib.importing.batches import save_mapping
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, Mapping, suggest
from lib.importing.school_choice import guess_school
from lib.versioning import InputError
from tests import import_files
from tests.apptest import login, texts, widget
from tests.factories import personal_number

ANNA = personal_number("20080101", 980)  # Alfa, at SB
BO = personal_number("20080202", 982)  # Beta, at SB
CLEO = personal_number("20080303", 984)  # Alfa, at SA
DAN = personal_number("20080404", 986)  # Gamma, at SC
SEPTEMBER = (dt.date(2025, 9, 1), dt.date(2025, 9, 30))
IMPORT = "pages/10_Import.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def vklass(*numbers: str) -> bytes:
    return import_files.vklass_period([(n, "Elev Testsson", 6000, 300, 600) for n in numbers])


def table_of(data: bytes, name: str = "vklass.xlsx"):
    return read_table(data, name, KNOWN_HEADERS)


def guessed(read, viewer, who: str, data: bytes) -> int | None:
    with read() as session:
        guess = guess_school(session, viewer(who), table_of(data))
    return None if guess is None else guess.school_id


# --- The guess ------------------------------------------------------------------------------

def test_the_school_named_in_the_title_rows_is_guessed(read, world, viewer):
    data = import_files.skola24_summary([(CLEO, "Cleo", 6000, 60, 0)], school="Skola SB")
    assert guessed(read, viewer, "admin", data) == world["SB"]  # the title, not Cleo's SA


def test_the_school_most_students_are_enrolled_at_is_guessed(read, world, viewer):
    assert guessed(read, viewer, "admin", vklass(ANNA, BO, CLEO)) == world["SB"]


def test_no_guess_without_a_majority(read, world, viewer):
    assert guessed(read, viewer, "admin", vklass(ANNA, CLEO)) is None


def test_a_coach_s_guess_counts_only_the_coach_s_students(read, world, viewer):
    # Bo (Beta) and Dan (Gamma) are not coach A's: only Cleo, at SA, is counted.
    assert guessed(read, viewer, "coach_a", vklass(BO, DAN, CLEO)) == world["SA"]
    assert guessed(read, viewer, "admin", vklass(BO, DAN, CLEO)) is None


def test_a_coach_s_guess_names_only_a_school_in_the_coach_s_scope(read, world, viewer):
    # Skola SC (Gamma) has none of Alfa's students: coach A cannot choose it.
    data = import_files.skola24_summary([(CLEO, "Cleo", 6000, 60, 0)], school="Skola SC")
    assert guessed(read, viewer, "admin", data) == world["SC"]
    assert guessed(read, viewer, "coach_a", data) == world["SA"]  # from Cleo instead


@pytest.mark.parametrize("who", ["staff_sb", "leader_north"])
def test_only_importers_get_a_guess(read, world, viewer, who):
    with read() as session, pytest.raises(AccessDenied):
        guess_school(session, viewer(who), table_of(vklass(ANNA)))


# --- The wrong school -----------------------------------------------------------------------

def checked(read, viewer, data: bytes, school: int):
    table = table_of(data)
    mapping = suggest("absence", table.columns)
    with read() as session:
        return mapping, preview_absence(session, viewer("admin"), table, mapping, school,
                                        SEPTEMBER)


def periods(read) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(AbsencePeriod))


def test_a_file_mostly_of_another_school_s_students_needs_a_yes(write, read, world, viewer):
    mapping, preview = checked(read, viewer, vklass(ANNA, BO, CLEO), world["SA"])
    assert preview.school_mismatch == (2, 3)  # Anna and Bo are at SB
    with pytest.raises(InputError, match=SCHOOL_UNCONFIRMED), write() as session:
        commit_absence(session, viewer("admin"), preview, mapping)
    assert periods(read) == 0
    with write() as session:
        commit_absence(session, viewer("admin"), preview, mapping, school_confirmed=True)
    assert periods(read) == 3


def test_a_file_of_the_chosen_school_s_students_is_not_questioned(read, world, viewer):
    _, preview = checked(read, viewer, vklass(ANNA, BO, CLEO), world["SB"])
    assert preview.school_mismatch is None


# --- On the page ----------------------------------------------------------------------------

def upload(at, data: bytes, name: str = "vklass.xlsx"):
    widget(at.radio, "Vad innehåller filen?").set_value("absence")
    at.file_uploader[0].set_value((name, data, XLSX))
    return at.run()


def read_in_button(at):
    return next(b for b in at.button if b.label.startswith("Läs in de giltiga raderna"))


def test_the_page_has_no_default_school_without_a_guess(app_env, world):
    at = upload(login("admin", page=IMPORT), vklass(ANNA, CLEO))
    assert widget(at.selectbox, "Skola").value is None
    assert "Välj skola, eller kolumnen med skolenhetskod." in texts(at)
    assert not [b for b in at.button if b.label.startswith("Läs in de giltiga raderna")]


def test_the_page_offers_its_guess_and_says_so(app_env, world):
    at = upload(login("admin", page=IMPORT), vklass(ANNA, BO, CLEO))
    assert widget(at.selectbox, "Skola").value == world["SB"]
    assert "2 av 3 elever i filen är inskrivna vid Skola SB" in texts(at)


def test_the_page_asks_before_reading_in_under_the_wrong_school(app_env, world, read):
    at = upload(login("admin", page=IMPORT), vklass(ANNA, BO, CLEO))
    widget(at.selectbox, "Skola").set_value(world["SA"]).run()
    assert "2 av 3 elever i filen är inte inskrivna vid Skola SA" in texts(at)
    assert read_in_button(at).disabled
    widget(at.checkbox, "Filen kommer från Skola SA: läs in den ändå").check().run()
    read_in_button(at).click().run()
    assert not at.exception and "Inläst: 3 rader" in texts(at)
    with read() as session:
        assert session.scalar(select(ImportBatch.school_id).where(
            ImportBatch.kind == "period")) == world["SA"]


# --- Saved column choices follow the school -------------------------------------------------

def lessons_file() -> bytes:
    """Two columns could be the scheduled time: the suggestion takes "Undv. tid" (minutes),
    the school's saved choice "Lektionstid" (hours)."""
    header = ["Personnummer", "Datum", "Lektionstid", "Undv. tid", "Giltig frånvaro",
              "Ogiltig frånvaro"]
    return import_files.csv_bytes([header, [ANNA, "2025-10-06", "5", "300", "30", "0"],
                                   [CLEO, "2025-10-06", "5", "300", "0", "0"]])


def test_choosing_a_school_applies_its_saved_choices(app_env, world, write, viewer):
    saved = Mapping("absence", {"personal_number": ("Personnummer",), "date": ("Datum",),
                                "scheduled": ("Lektionstid",), "valid": ("Giltig frånvaro",),
                                "invalid": ("Ogiltig frånvaro",)},
                    {"scheduled": "hours", "valid": "minutes", "invalid": "minutes"})
    with write() as session:
        save_mapping(session, viewer("admin"), world["SB"], saved)
    data = lessons_file()
    at = upload(login("admin", page=IMPORT), data, "lektioner.csv")
    assert widget(at.selectbox, "Skola").value is None  # Anna at SB, Cleo at SA: no guess
    assert widget(at.multiselect, "Schemalagd tid").value == ["Undv. tid"]
    widget(at.selectbox, "Skola").set_value(world["SA"]).run()  # nothing saved for SA
    assert widget(at.multiselect, "Schemalagd tid").value == ["Undv. tid"]
    widget(at.selectbox, "Skola").set_value(world["SB"]).run()
    assert widget(at.multiselect, "Schemalagd tid").value == ["Lektionstid"]
    unit = f"unit_{hashlib.sha256(data).hexdigest()[:12]}_absence_{world['SB']}_scheduled"
    assert at.selectbox(key=unit).value == "hours"
    assert "Kolumnvalen är de som sparades för skolan förra gången." in texts(at)
    summary = next(f.value for f in at.dataframe if "Uppgift" in f.value.columns)
    assert dict(zip(summary["Uppgift"], summary["Värde"], strict=True))[
        "Schemalagd tid (h)"] == "10,0"  # 2 × 5 hours, not 2 × 300 minutes
