"""The reporting rate counts only time whose source says how much went unreported: a school
whose file has no such column has an unknown rate ("okänd"), not 100 %."""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select, update

from data_models.models import AbsenceRecord
from lib import summaries
from lib.dashboards import school_page
from lib.importing.absence import commit_absence, preview_absence
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from lib.indicators import region_indicators
from tests import import_files
from tests.factories import absence, personal_number

ANNA = personal_number("20080101", 980)


def _unknown_at(write, world, school: str) -> None:
    """Every row at the school as a file without an unreported-time column gives it."""
    with write() as session:
        session.execute(update(AbsenceRecord).where(AbsenceRecord.school_id == world[school])
                        .values(unreported_minutes=None))
        summaries.refresh_all(session)


def test_a_school_whose_files_say_nothing_has_an_unknown_rate(write, read, world, viewer):
    _unknown_at(write, world, "SC")
    with read() as session:
        page = school_page(session, viewer("staff_sc"), world["SC"], world["HT2025"])
    assert page.reporting_rate is None


def test_the_rate_counts_only_the_time_whose_source_says(write, read, world, viewer):
    with write() as session:  # dan: 1000 min known with 100 unreported, 1000 min unknown
        session.execute(update(AbsenceRecord).where(AbsenceRecord.student_id == world["dan"])
                        .values(unreported_minutes=100))
        session.add(absence(world["dan"], world["SC"], dt.date(2025, 9, 2), world["HT2025"],
                            1000, 0, 0, unreported=None))
        summaries.refresh_all(session)
    with read() as session:
        page = school_page(session, viewer("staff_sc"), world["SC"], world["HT2025"])
    assert page.reporting_rate == pytest.approx(0.9)


def test_the_region_table_says_unknown_where_no_file_says(write, read, world, viewer):
    _unknown_at(write, world, "SC")  # Gamma's only student studies at SC
    with read() as session:
        table = region_indicators(session, viewer("admin"), world["HT2025"]).table
    gamma = table.set_index("municipality").loc["Gamma"]
    assert pd.isna(gamma["reporting_rate"])  # no figure: unknown, or hidden with the small row
    assert gamma["reporting_unknown"] or gamma["students"] is None


def test_a_file_without_an_unreported_column_stores_unknown(write, read, world, viewer):
    lessons = [(ANNA, "Anna Testsson", "2025-10-06", "08:15", "Ma1c", 60, 0, 60, 0)]
    table = read_table(import_files.edlevo_lessons(lessons), "edlevo.xlsx", KNOWN_HEADERS)
    mapping = suggest("absence", table.columns)
    with read() as session:
        preview = preview_absence(session, viewer("admin"), table, mapping, world["SB"])
    with write() as session:
        commit_absence(session, viewer("admin"), preview, mapping, school_confirmed=True)
    with read() as session:
        stored = session.scalars(select(AbsenceRecord.unreported_minutes).where(
            AbsenceRecord.course == "Ma1c")).all()
    assert stored == [None]


def test_an_unknown_rate_is_a_word_and_a_hidden_one_dots():
    from lib.i18n import use_language
    from lib.ui.tables import presented

    table = pd.DataFrame({"municipality": ["Alfa", "Beta", "Gamma"],
                          "reporting_rate": [0.9, None, None],
                          "reporting_unknown": [False, True, False]})
    assert list(presented(table)["Rapporteringsgrad"]) == ["90,0 %", "okänd", ".."]
    with use_language("en"):
        shown = presented(table)
    assert list(shown["Reporting rate"]) == ["90.0%", "unknown", ".."]
    assert "reporting_unknown" not in shown and "Reporting rate" in shown

