"""In a real browser: names and meeting fields that hold Markdown, HTML and Streamlit's own
directives show as typed on the school page, the student page and in the meeting. Nothing
in them becomes a link, an image, formatting, a coloured text, an icon or math, and the
browser fetches nothing they point to."""

import datetime as dt
import os
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from data_models.models import School, Student
from lib.meetings import plan_meeting
from tests.browser import chromium, log_in, needs_chromium, served_app, type_to_choose
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds
ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR", "AKTIV_LOGIN_SLEEP_SECONDS",
            "AKTIV_BCRYPT_ROUNDS")

SCHOOL = "[Klicka](http://evil.example)"
STUDENT = "Anna **fet** <b>x</b>"
PLACE = "Rum 1 ![t](http://127.0.0.1:9/l.png)"
GUEST = ":red[röd] :material/home: $x$"
NOTHING_THERE = "127.0.0.1:9"  # a port nothing listens on: a request there is a leak


def _as_typed(text: str) -> re.Pattern:
    """`text` as a person sees it. The escape puts an invisible word joiner (U+2060) inside
    "://" so that GFM makes no link of it; it may stand between any two characters."""
    # Written out for JavaScript's regular expressions too, which Playwright hands it to.
    return re.compile(r"\u2060?".join("\\" + c if c in r"\^$.|?*+()[]{}/" else c
                                       for c in text))


def _nothing_made_of_user_text(page) -> None:
    expect(page.locator('a[href*="evil.example"], [*|href*="evil.example"]')).to_have_count(0)
    expect(page.locator(f'img[src*="{NOTHING_THERE}"]')).to_have_count(0)
    # What Streamlit makes of :red[…], :material/home: and $…$: a coloured span, an icon
    # (aria-label "home icon") and KaTeX.
    expect(page.locator(".stMarkdownColoredText, .stMarkdownColoredBackground")).to_have_count(0)
    expect(page.locator('[aria-label="home icon"], .katex')).to_have_count(0)


def _world(write, world, viewer) -> None:
    with write() as session:
        session.get(School, world["SB"]).name = SCHOOL
        anna = session.get(Student, world["anna"])
        anna.first_name, anna.last_name = "Anna **fet**", "<b>x</b>"
        plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                     term_id=world["HT2025"], municipality_id=world["A"],
                     date=dt.date(2025, 10, 1), location=PLACE, externals=((GUEST, "mentor"),))


def _school_page(page) -> None:
    page.get_by_role("link", name="Skola").first.click()
    expect(page.get_by_role("heading", name=_as_typed(f"{SCHOOL} · HT2025"))).to_be_visible()
    # The heatmap names the student on its axis: plotly shows the tags as text.
    heatmap_label = page.locator(".js-plotly-plot text").filter(has_text="<b>x</b>")
    expect(heatmap_label.first).to_be_visible(timeout=30_000)
    expect(heatmap_label.first.locator('tspan[style*="bold"]')).to_have_count(0)
    _nothing_made_of_user_text(page)


def _student_page(page) -> None:
    type_to_choose(page, "Öppna elev", "Anna")
    heading = page.get_by_role("heading", name=STUDENT, exact=True)
    expect(heading).to_be_visible(timeout=30_000)
    expect(heading.locator("strong, b, em")).to_have_count(0)
    _nothing_made_of_user_text(page)


def _meeting(page) -> None:
    page.get_by_role("link", name="Möten").first.click()
    type_to_choose(page, "Öppna möte", "2025-10-01")
    expect(page.get_by_role("heading", name=_as_typed(f"Genomgång {SCHOOL}"))).to_be_visible(
        timeout=30_000)
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text=_as_typed(PLACE))
    expect(caption).to_be_visible()
    expect(caption).to_contain_text(f"{GUEST} (mentor)")
    expect(page.get_by_role("heading", name=STUDENT, exact=True)).to_be_visible()
    _nothing_made_of_user_text(page)


def test_user_text_shows_as_typed_and_fetches_nothing(app_env, world, write, viewer):
    _world(write, world, viewer)
    with served_app({k: os.environ[k] for k in ENV_KEYS}) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        log_in(page, url, "staff_sb", PASSWORD)
        expect(page.get_by_text("Välkommen").first).to_be_visible(timeout=30_000)
        _school_page(page)
        _student_page(page)
        _meeting(page)
    assert requested and not [u for u in requested if urlsplit(u).netloc == NOTHING_THERE]
