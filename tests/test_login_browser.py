"""Logins in a real browser: logging in on a deep link of every kind writes the login
cookie, so a new tab needs no password; a copy of the cookie stops working after a new
password or a logout; the cookie cannot be read by scripts; a broken cookie shows the login
form; a downloaded file is served once and only to a logged-in browser; an unexpected error
shows a short message with a reference, never a traceback."""

import datetime as dt
import os
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, text

from data_models.models import AgendaItem
from lib import admin
from tests.browser import (
    chromium,
    download,
    log_in,
    needs_chromium,
    served_app,
    wait_for_login_cookie,
)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)
ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR", "AKTIV_BCRYPT_ROUNDS")
COOKIE = "aktiv_uppfoljning_auth"


def _env():
    return {k: os.environ[k] for k in ENV_KEYS}


def _meeting(write, world, viewer) -> tuple[int, int]:
    """coach_a's meeting at school SB: Anna first, then Eva (protected identity)."""
    from lib.meetings import plan_meeting

    with write() as session:
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 10, 1))
        eva = session.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id,
                                                         AgendaItem.student_id == world["eva"]))
    return meeting_id, eva


def _log_in_here(page, username="coach_a", password=PASSWORD) -> None:
    """Fill in the login form the page shows instead of itself."""
    expect(page.get_by_label("Användarnamn")).to_be_editable(timeout=30_000)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


@pytest.mark.parametrize("kind", ["school", "student", "meeting", "meeting_student"])
def test_a_login_on_a_deep_link_carries_over_to_a_new_tab(app_env, world, write, viewer,
                                                          kind):
    meeting_id, eva_item = _meeting(write, world, viewer)
    links = {
        "school": (f"/Skola?termin=HT2025&skola={world['SB']}",
                   lambda p: p.get_by_text("Skola SB").first),
        "student": (f"/Elev?elev={world['anna']}",
                    lambda p: p.get_by_role("heading", name="Anna Testsson")),
        "meeting": (f"/Moten?mote={meeting_id}",
                    lambda p: p.get_by_role("heading", name="Anna Testsson")),
        "meeting_student": (f"/Moten?mote={meeting_id}&punkt={eva_item}",
                            lambda p: p.get_by_role("heading", name=re.compile(
                                "Skyddad identitet"))),
    }
    link, shown = links[kind]
    with served_app(_env()) as url, chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + link)
        _log_in_here(page)
        expect(shown(page)).to_be_visible(timeout=30_000)
        wait_for_login_cookie(context, COOKIE)
        other = context.new_page()
        other.goto(f"{url}/Elev?elev={world['cleo']}")
        expect(other.get_by_role("heading", name="Cleo Testsson")).to_be_visible(
            timeout=30_000)
        expect(other.get_by_label("Användarnamn")).to_have_count(0)


def test_the_login_cookie_is_http_only_and_holds_no_name(app_env, world):
    with served_app(_env()) as url, chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        log_in(page, url, "coach_a", PASSWORD)
        expect(page.get_by_text("Välkommen, Coach A").first).to_be_visible(timeout=30_000)
        wait_for_login_cookie(context, COOKIE)
        cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert "coach" not in cookie["value"]
        assert COOKIE not in page.evaluate("document.cookie")


def _copy_cookie(browser, url, username="coach_a") -> dict:
    context = browser.new_context()
    page = context.new_page()
    log_in(page, url, username, PASSWORD)
    expect(page.get_by_text("Välkommen").first).to_be_visible(timeout=30_000)
    wait_for_login_cookie(context, COOKIE)
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
    return {"context": context, "page": page, "cookie": cookie}


def _fresh_browser_with(browser, cookie: dict):
    context = browser.new_context()
    context.add_cookies([cookie])
    return context.new_page()


def test_a_copied_cookie_is_refused_after_a_new_password(app_env, world, write, viewer):
    with served_app(_env()) as url, chromium() as browser:
        copy = _copy_cookie(browser, url)["cookie"]
        works = _fresh_browser_with(browser, copy)
        works.goto(f"{url}/Elev?elev={world['anna']}")
        expect(works.get_by_role("heading", name="Anna Testsson")).to_be_visible(
            timeout=30_000)
        with write() as session:
            admin.reset_password(session, viewer("admin"), world["user:coach_a"],
                                 "Ett-helt-nytt-lösenord", bcrypt_rounds=4)
        later = _fresh_browser_with(browser, copy)
        later.goto(f"{url}/Elev?elev={world['anna']}")
        expect(later.get_by_text("Din inloggning har avslutats")).to_be_visible(
            timeout=30_000)
        expect(later.get_by_text("Anna Testsson")).to_have_count(0)
        # The tab that was open ends on its next run too.
        works.reload()
        expect(works.get_by_label("Användarnamn")).to_be_visible(timeout=30_000)


def test_a_copied_cookie_is_refused_after_logging_out(app_env, world):
    with served_app(_env()) as url, chromium() as browser:
        held = _copy_cookie(browser, url)
        page = held["page"]
        page.get_by_role("button", name="Logga ut").click()
        expect(page.get_by_text("Du är utloggad.")).to_be_visible()
        later = _fresh_browser_with(browser, held["cookie"])
        later.goto(f"{url}/Elev?elev={world['anna']}")
        expect(later.get_by_label("Användarnamn")).to_be_visible(timeout=30_000)
        expect(later.get_by_text("Anna Testsson")).to_have_count(0)
        # Another login of the same user, in another browser, goes on.
        other = _copy_cookie(browser, url)["page"]
        other.goto(f"{url}/Elev?elev={world['anna']}")
        expect(other.get_by_role("heading", name="Anna Testsson")).to_be_visible(
            timeout=30_000)


@pytest.mark.parametrize("value", ["x", "eyJhbGciOiJIUzI1NiJ9.e30.", "ö" * 400, "%%%"])
def test_a_broken_cookie_shows_the_login_form(app_env, world, value):
    with served_app(_env()) as url, chromium() as browser:
        host = url.split("//")[1].split(":")[0]
        page = _fresh_browser_with(browser, {"name": COOKIE, "value": value,
                                             "domain": host, "path": "/"})
        page.goto(f"{url}/Elev?elev={world['anna']}")
        expect(page.get_by_label("Användarnamn")).to_be_visible(timeout=30_000)
        body = page.inner_text("body")
        assert "Traceback" not in body and "File \"" not in body


def _fetch(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"}
                                     if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_downloaded_file_is_served_only_to_its_login_and_then_dropped(app_env, world):
    with served_app({**_env(), "AKTIV_DOWNLOAD_SECONDS": "4"}) as url, chromium() as browser:
        held = _copy_cookie(browser, url)
        someone_else = _copy_cookie(browser, url, "staff_sb")["cookie"]["value"]
        page = held["page"]
        page.goto(f"{url}/Skola?termin=HT2025&skola={world['SB']}")
        excel = download(page, page.get_by_role("button", name="Exportera till Excel"))
        address = excel.url
        assert "/media/" in address and excel.path().stat().st_size > 0
        own = held["cookie"]["value"]
        assert _fetch(address) == 403  # logged out
        assert _fetch(address, someone_else) == 403  # another login
        assert _fetch(address, own) == 200  # the same browser, asking again at once
        page.wait_for_timeout(5_000)
        assert _fetch(address, own) == 404  # dropped from the server's memory


def test_an_unexpected_error_shows_a_reference_and_no_details(app_env, world, write):
    with served_app(_env()) as url, chromium() as browser:
        page = _copy_cookie(browser, url)["page"]
        with write() as session:  # a fault in the database, as a broken disk would cause
            cascade = " CASCADE" if session.bind.dialect.name == "postgresql" else ""
            session.execute(text("DROP TABLE measure_follow_up"))
            session.execute(text(f"DROP TABLE measure{cascade}"))  # talks and plans name it
        page.goto(f"{url}/Atgarder")
        message = page.get_by_text(re.compile(r"Något gick fel.*referensen F-[A-Z0-9]{6}"))
        expect(message).to_be_visible(timeout=30_000)
        body = page.inner_text("body")
        for raw in ("Traceback", "sqlalchemy", "SELECT", "OperationalError", "ProgrammingError"):
            assert raw not in body
