"""In a real browser: the coach opens a flagged student by a deep link, records a student
talk with a cause from the list, sends its summary to the school, and the school's staff
find it in their inbox with the talk's date; the coach's own texts stay with the coach."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import (
    chromium,
    needs_chromium,
    open_list,
    open_page,
    saved,
    served_app,
    served_env,
    settled,
)

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds


def test_a_talk_s_summary_reaches_the_school_and_its_texts_stay_with_the_coach(app_env,
                                                                              world):
    with served_app(served_env()) as url, chromium() as browser:
        coach = open_page(browser, url, "coach_a", f"Elev?elev={world['anna']}",
                          "Anna Testsson")
        open_list(coach.get_by_role("combobox", name="Orsaker (kategorier)"))
        coach.get_by_role("option", name="Sömn och rutiner", exact=True).click()
        coach.keyboard.press("Escape")
        coach.get_by_role("textbox", name="Orsaker till frånvaron").fill(
            "Spelar på nätterna.")
        coach.get_by_role("textbox", name="Sammanfattning till skolan").fill(
            "Anna vill ha väckning och hjälp med matten.")
        coach.get_by_role("button", name="Spara samtalet").click()
        saved(coach, "Samtalet är sparat.")  # the run after the save draws the talk below
        coach.get_by_text(re.compile(r"^Samtal \d{4}-\d{2}-\d{2} · Coach A$")).click()
        expect(coach.get_by_text("Spelar på nätterna.")).to_be_visible()
        settled(coach)  # opening it is a run: the server keeps it open
        coach.get_by_role("button", name="Skicka sammanfattningen till skolan").click()
        saved(coach, "Sammanfattningen är skickad som återkoppling.")

        school = open_page(browser, url, "staff_sb", "Aterkoppling", "Återkoppling")
        expect(school.get_by_role("tab", name="Inkorg (1 nya)")).to_be_visible()
        # The inbox offers it for acknowledgement, by its author, time and text.
        expect(school.get_by_role("combobox", name="Kvittera")).to_have_value(
            re.compile(r"^Coach A, .*: Anna vill ha väckning och hjälp med matten\.$"))
        school.goto(f"{url}/Elev?elev={world['anna']}")
        expect(school.get_by_role("heading", name="Elevsamtal")).to_be_visible(
            timeout=30_000)
        expect(school.get_by_text("Spelar på nätterna.")).to_have_count(0)
