"""Meeting mode on a classroom projector (1024×768): the student's name, the figures frozen at
the meeting and the save button are on screen without scrolling, and a save is confirmed
where the user is looking."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from tests.browser import chromium, log_in_for_new_tabs, needs_chromium, served_app
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)
ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR", "AKTIV_BCRYPT_ROUNDS")


def test_name_figures_and_save_fit_a_projector(app_env, world, write, viewer):
    from lib.meetings import plan_meeting

    with write() as session:
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 10, 1), location="Rum 1")
    env = {k: os.environ[k] for k in ENV_KEYS}
    with served_app(env) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        # The meeting is opened by its link, which needs the login cookie.
        log_in_for_new_tabs(page, url, "coach_a", PASSWORD, welcome="Välkommen, Coach A")
        page.goto(f"{url}/Moten?mote={meeting_id}")
        name = page.get_by_role("heading", name="Anna Testsson")
        expect(name).to_be_visible(timeout=30_000)
        save = page.get_by_role("button", name="Spara", exact=True)
        for shown in (name, save, page.get_by_text("Över hög nivå").first):
            expect(shown).to_be_in_viewport(ratio=1)
        box = page.get_by_role("textbox", name="Anteckningar")
        box.fill("Väckning varje morgon.")
        box.press("Control+Enter")  # commits the text to the app, as leaving the field does
        page.evaluate("window.scrollTo(0, 0)")
        save.click()
        expect(page.get_by_text("Sparat kl.")).to_be_in_viewport()
