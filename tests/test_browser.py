"""In a real browser: log in as the coach, see the overview, log out; and the login cookie
that carries a deep link, until a password change ends it."""

import os

import pytest
from playwright.sync_api import expect

from lib import admin
from tests.browser import chromium, click_until, log_in, needs_chromium, served_app
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]
ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR", "AKTIV_LOGIN_SLEEP_SECONDS",
            "AKTIV_BCRYPT_ROUNDS")


def wait_for_charts(page, count: int) -> None:
    """Charts draw one by one; wait until `count` of them are on the page."""
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {count}",
        timeout=30_000)


def _env():
    return {k: os.environ[k] for k in ENV_KEYS}


def test_coach_logs_in_sees_the_overview_and_logs_out(app_env, world):
    with served_app(_env()) as url, chromium() as browser:
        page = browser.new_page()
        log_in(page, url, "coach_a", PASSWORD)
        expect(page.get_by_text("Välkommen, Coach A").first).to_be_visible(timeout=30_000)
        click_until(page.get_by_role("link", name="Översikt").first,
                    page.get_by_role("heading", name="Översikt"))
        expect(page.get_by_text("Elever med frånvarodata")).to_be_visible()
        expect(page.get_by_text("33,3 %").first).to_be_visible()
        assert "/Oversikt" in page.url and "2008" not in page.url
        click_until(page.get_by_role("button", name="Logga ut"),
                    page.get_by_text("Du är utloggad."))
        expect(page.get_by_label("Användarnamn")).to_be_visible()
        expect(page.get_by_text("Elever med frånvarodata")).to_have_count(0)


def test_cookie_carries_a_deep_link_until_the_password_changes(app_env, world, write, viewer):
    with served_app(_env()) as url, chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        log_in(page, url, "coach_a", PASSWORD)
        expect(page.get_by_text("Välkommen, Coach A").first).to_be_visible(timeout=30_000)
        deep = context.new_page()
        deep.goto(f"{url}/Elev?elev={world['anna']}")
        expect(deep.get_by_role("heading", name="Anna Testsson")).to_be_visible(timeout=30_000)
        # Close the open tabs: on their next rerun they would end the login and delete the
        # cookie themselves. Here the cookie alone must be refused.
        page.close()
        deep.close()
        with write() as session:
            admin.reset_password(session, viewer("admin"), world["user:coach_a"],
                                 "Ett-helt-nytt-lösenord", bcrypt_rounds=4)
        later = context.new_page()
        later.goto(f"{url}/Elev?elev={world['anna']}")
        expect(later.get_by_text("Din inloggning har avslutats")).to_be_visible(timeout=30_000)
        expect(later.get_by_text("Anna Testsson")).to_have_count(0)


def test_school_then_student_with_charts(app_env, world):
    with served_app(_env()) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in(page, url, "staff_sb", PASSWORD)
        expect(page.get_by_text("Välkommen").first).to_be_visible(timeout=30_000)
        click_until(page.get_by_role("link", name="Skola").first,
                    page.get_by_role("heading", name="Skola", exact=True))
        wait_for_charts(page, 4)  # distribution, trend, weekday pattern, heatmap
        # The grid's own CSV download is hidden; the audited Excel export is offered.
        expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
        expect(page.get_by_role("button", name="Exportera till Excel")).to_be_visible()
        chooser = page.get_by_role("combobox", name="Öppna elev")
        chooser.click()
        chooser.fill("Anna")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Anna Testsson")).to_be_visible(timeout=30_000)
        assert f"elev={world['anna']}" in page.url
        wait_for_charts(page, 3)  # weeks, calendar, weekday pattern
        # plotly has drawn the bars, not just the frame.
        expect(page.locator(".js-plotly-plot").first.locator("g.trace.bars").first
               ).to_be_attached()
