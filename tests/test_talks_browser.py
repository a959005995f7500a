"""In a real browser: the coach opens a flagged student by a deep link, records a student
talk with a cause from the list, sends its summary to the school, and the school's staff
find it in their inbox with the talk's date; the coach's own texts stay with the coach."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser import (
    chromium,
    log_in_for_new_tabs,
    needs_chromium,
    open_list,
    served_app,
    settled,
)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds
ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR", "AKTIV_LOGIN_SLEEP_SECONDS",
            "AKTIV_BCRYPT_ROUNDS")


def _open(browser, url: str, username: str, path: str, heading: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    log_in_for_new_tabs(page, url, username, PASSWORD)
    page.goto(f"{url}/{path}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(
        timeout=30_000)
    settled(page)
    return page


def test_a_talk_s_summary_reaches_the_school_and_its_texts_stay_with_the_coach(app_env,
                                                                              world):
    env = {k: os.environ[k] for k in ENV_KEYS}
    with served_app(env) as url, chromium() as browser:
        coach = _open(browser, url, "coach_a", f"Elev?elev={world['anna']}", "Anna Testsson")
        open_list(coach.get_by_role("combobox", name="Orsaker (kategorier)"))
        coach.get_by_role("option", name="Sömn och rutiner", exact=True).click()
        coach.keyboard.press("Escape")
        coach.get_by_role("textbox", name="Orsaker till frånvaron").fill(
            "Spelar på nätterna.")
        coach.get_by_role("textbox", name="Sammanfattning till skolan").fill(
            "Anna vill ha väckning och hjälp med matten.")
        coach.get_by_role("button", name="Spara samtalet").click()
        expect(coach.get_by_text("Samtalet är sparat.")).to_be_visible()
        settled(coach)  # the run after the save draws the talk below
        coach.get_by_text(re.compile(r"^Samtal \d{4}-\d{2}-\d{2} · Coach A$")).click()
        expect(coach.get_by_text("Spelar på nätterna.")).to_be_visible()
        coach.get_by_role("button", name="Skicka sammanfattningen till skolan").click()
        expect(coach.get_by_text("Sammanfattningen är skickad som återkoppling.")
               ).to_be_visible()

        school = _open(browser, url, "staff_sb", "Aterkoppling", "Återkoppling")
        expect(school.get_by_role("tab", name="Inkorg (1 nya)")).to_be_visible()
        # The inbox offers it for acknowledgement, by its author, time and text.
        expect(school.get_by_role("combobox", name="Kvittera")).to_have_value(
            re.compile(r"^Coach A, .*: Anna vill ha väckning och hjälp med matten\.$"))
        school.goto(f"{url}/Elev?elev={world['anna']}")
        expect(school.get_by_role("heading", name="Elevsamtal")).to_be_visible(
            timeout=30_000)
        expect(school.get_by_text("Spelar på nätterna.")).to_have_count(0)
