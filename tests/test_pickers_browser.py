"""In a real browser: every choice in the school page's pickers and filters counts. Each
pick shows that school, term or filter at once, the key figures count what the filters say,
and the address holds the choice, so that a reload shows the same view."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from data_models.models import Enrolment, School, Student, Term
from lib import summaries
from tests.browser import (
    chromium,
    log_in_for_new_tabs,
    needs_chromium,
    open_list,
    served_app,
    served_env,
    settled,
)
from tests.factories import PASSWORD, absence, add_student, personal_number

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds
TERMS = ("HT2025", "VT2025", "HT2024")


def _three_schools_and_terms(write, world) -> dict[str, int]:
    """Coach A's students at three schools (SA, SB and a new SD in Alfa) in three terms:
    the factory world's HT2025 and VT2025, and an older HT2024. The schools' ids by name."""
    with write() as session:
        sd = School(unit_code="90010002", name="Skola SD", municipality_id=world["A"])
        ht2024 = Term(code="HT2024", kind="HT", year=2024, start_date=dt.date(2024, 8, 19),
                      end_date=dt.date(2024, 12, 20))
        filip = Student(personal_number=personal_number("20080606", 990), first_name="Filip",
                        last_name="Testsson", home_municipality_id=world["A"])
        session.add_all([sd, ht2024, filip])
        session.flush()
        session.add(Enrolment(student_id=filip.id, school_id=sd.id, programme="TE",
                              class_name="TE1A", school_year=1,
                              start_date=dt.date(2024, 8, 19)))
        terms = {"HT2025": (world["HT2025"], dt.date(2025, 9, 1)),
                 "VT2025": (world["VT2025"], dt.date(2025, 2, 3)),
                 "HT2024": (ht2024.id, dt.date(2024, 9, 2))}
        for code, (term_id, day) in terms.items():
            for student_id, school_id in ((world["cleo"], world["SA"]),
                                          (world["anna"], world["SB"]), (filip.id, sd.id)):
                if code == "HT2025" and student_id != filip.id:
                    continue  # the factory world has these
                session.add(absence(student_id, school_id, day, term_id, 1000, 100, 0))
        summaries.refresh_all(session)
        return {"Skola SA": world["SA"], "Skola SB": world["SB"], "Skola SD": sd.id}


def _programmes_years_and_classes(write, world) -> None:
    """A fourth student at SB in another programme, year and class (EK, year 2, EK2A)
    beside Anna, Bo and Eva (NA, year 1, NA1A)."""
    with write() as session:
        add_student(session, "Gus", "20070707", 992, world["B"], world["SB"], world["HT2025"],
                    programme="EK", class_name="EK2A", school_year=2,
                    start=dt.date(2024, 8, 19))


def choose(page, label: str, option: str) -> None:
    """Open a select box and click one of its options, as a person does."""
    open_list(page.get_by_role("combobox", name=label))
    page.get_by_role("option", name=option, exact=True).click()


def heading(page, school: str, term: str):
    return page.get_by_role("heading", name=f"{school} · {term}", exact=True)


def students_figure(page):
    return (page.get_by_test_id("stMetric").filter(has_text=re.compile(r"^Elever"))
            .get_by_test_id("stMetricValue"))


def _school_page(page, url: str, username: str) -> None:
    log_in_for_new_tabs(page, url, username, PASSWORD)
    settled(page)
    page.get_by_role("link", name="Skola").first.click()
    expect(page.get_by_role("heading", name="Skola", exact=True)).to_be_visible(timeout=30_000)
    settled(page)


def test_every_school_and_term_picked_in_a_row_is_shown(app_env, world, write):
    schools = _three_schools_and_terms(write, world)
    with served_app(served_env()) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _school_page(page, url, "coach_a")
        for school in ("Skola SB", "Skola SD", "Skola SA"):
            choose(page, "Skola", school)
            expect(heading(page, school, "HT2025")).to_be_visible()
            settled(page)
            expect(heading(page, school, "HT2025")).to_be_visible()
            assert f"skola={schools[school]}" in page.url
        for term in ("VT2025", "HT2024", "HT2025"):
            choose(page, "Termin", term)
            expect(heading(page, "Skola SA", term)).to_be_visible()
            settled(page)
            expect(heading(page, "Skola SA", term)).to_be_visible()
            assert f"termin={term}" in page.url
        choose(page, "Termin", "HT2024")
        expect(heading(page, "Skola SA", "HT2024")).to_be_visible()
        settled(page)
        choose(page, "Skola", "Skola SD")
        expect(heading(page, "Skola SD", "HT2024")).to_be_visible()
        settled(page)
        page.reload()
        expect(heading(page, "Skola SD", "HT2024")).to_be_visible(timeout=30_000)


def test_key_figures_count_what_the_filters_say(app_env, world, write):
    _programmes_years_and_classes(write, world)
    with served_app(served_env()) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _school_page(page, url, "staff_sb")
        expect(students_figure(page)).to_have_text("4")
        for label, option in (("Program", "EK"), ("Årskurs", "2"), ("Klass", "EK2A")):
            choose(page, label, option)
            settled(page)
            expect(students_figure(page)).to_have_text("1")
            choose(page, label, "Alla")
            settled(page)
            expect(students_figure(page)).to_have_text("4")
        choose(page, "Program", "NA")
        settled(page)
        expect(students_figure(page)).to_have_text("3")
        page.reload()
        expect(students_figure(page)).to_have_text("3", timeout=30_000)
        expect(page.get_by_role("combobox", name="Program")).to_have_value("NA")


def test_every_term_picked_in_a_row_is_shown_on_the_region_page(app_env, world, write):
    _three_schools_and_terms(write, world)
    with served_app(served_env()) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in_for_new_tabs(page, url, "leader_north", PASSWORD)
        settled(page)
        page.get_by_role("link", name="Region").first.click()
        expect(page.get_by_role("heading", name="Regionala indikatorer")).to_be_visible(
            timeout=30_000)
        settled(page)
        for term in ("VT2025", "HT2024", "HT2025"):
            choose(page, "Termin", term)
            shown = page.get_by_text(re.compile(f"^Termin {term}"))
            expect(shown).to_be_visible()
            settled(page)
            expect(shown).to_be_visible()
            assert f"termin={term}" in page.url
