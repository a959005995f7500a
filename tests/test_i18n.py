"""Swedish and English: the catalogue, the formats per language, the user's choice and the
login screen that follows the browser."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from openpyxl import load_workbook

from data_models.codes import FollowUpState, MeasureStatus
from lib import formats, i18n
from lib.exports import table_to_excel
from lib.i18n import ENGLISH, SWEDISH, use_language
from tests.apptest import login, texts, widget
from tests.browser import chromium, needs_chromium, served_app

ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_LOGIN_SLEEP_SECONDS", "AKTIV_DATA_DIR",
            "AKTIV_BCRYPT_ROUNDS")

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("app.py", "python"), ("lib/**.py", "python"), ("pages/**.py", "python")]
CATALOGUE = ROOT / "lib" / "locale" / "en" / "LC_MESSAGES" / "app.po"


def _marked() -> set[str]:
    """Every text the code marks with _() or N_()."""
    return {message for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords={"_": None, "N_": None})
        if isinstance(message, str)}


def _catalogue() -> dict[str, str]:
    with CATALOGUE.open("rb") as file:
        return {m.id: m.string for m in read_po(file) if m.id}


# --- The catalogue ------------------------------------------------------------------------

def test_every_marked_text_has_its_english():
    english = _catalogue()
    missing = sorted(text for text in _marked() if not english.get(text))
    assert missing == [], "run `make catalogue` and translate: " + "; ".join(missing)


def test_the_catalogue_holds_only_texts_the_code_marks():
    assert sorted(set(_catalogue()) - _marked()) == []


def test_english_texts_keep_the_placeholders_and_have_no_swedish_letters():
    for swedish, english in _catalogue().items():
        assert set(re.findall(r"{\w*}", swedish)) == set(re.findall(r"{\w*}", english)), swedish
        assert not re.search("[åäöÅÄÖ]", english), english


def test_a_text_is_looked_up_in_the_runs_language():
    with use_language(ENGLISH):
        assert i18n._("Elever") == "Students"
        assert i18n._("En text som inte finns i katalogen") == \
            "En text som inte finns i katalogen"
    assert i18n._("Elever") == "Elever"
    assert i18n.in_language("Logga ut", ENGLISH) == "Log out"


@pytest.mark.parametrize(("header", "language"), [
    ("en-GB,en;q=0.9", ENGLISH), ("sv-SE,sv;q=0.9,en;q=0.8", SWEDISH),
    ("de-DE,en;q=0.5", ENGLISH), ("de-DE,fr;q=0.9", SWEDISH), ("", SWEDISH), (None, SWEDISH),
    ("sv;q=0.2,en;q=0.8", ENGLISH), ("en;q=abc,sv", SWEDISH)])
def test_the_browsers_first_language_that_the_app_speaks(header, language):
    assert i18n.from_accept_language(header) == language


# --- Formats per language -----------------------------------------------------------------

def test_numbers_shares_changes_and_weeks_in_swedish():
    assert formats.number(1815) == "1\u00a0815"
    assert formats.number(-2.5, 1) == "\u22122,5"
    assert formats.percent(0.125) == "12,5 %"
    assert formats.points(2.5) == "+2,5 p.e."
    assert formats.week(12) == "v. 12"
    assert formats.time_of_day(dt.datetime(2026, 6, 1, 12, 5)) == "kl. 14:05"


def test_numbers_shares_changes_and_weeks_in_english():
    with use_language(ENGLISH):
        assert formats.number(1815) == "1,815"
        assert formats.number(-2.5, 1) == "-2.5"
        assert formats.percent(0.125) == "12.5%"
        assert formats.points(2.5) == "+2.5 pp"
        assert formats.week(12) == "wk 12"
        assert formats.week(12, 2026) == "wk 12 2026"
        assert formats.level_range(0.12, 0.15) == "12–15%"
        assert formats.time_of_day(dt.datetime(2026, 6, 1, 12, 5)) == "14:05"


def _measures() -> pd.DataFrame:
    return pd.DataFrame({"id": [1], "student": ["Testsson, Anna"], "absence": [0.125],
                         "measure_status": [MeasureStatus.ONGOING],
                         "follow_up_state": [FollowUpState.OVERDUE]})


def test_a_service_table_reads_in_each_language():
    from lib.ui.tables import presented

    swedish = presented(_measures())
    with use_language(ENGLISH):
        english = presented(_measures())
    assert swedish.to_dict("records") == [{"Elev": "Testsson, Anna", "Frånvaro": "12,5 %",
                                           "Status": "Pågår", "Läge": "Försenad"}]
    assert english.to_dict("records") == [{"Student": "Testsson, Anna", "Absence": "12.5%",
                                           "Status": "Ongoing", "State": "Overdue"}]


def test_an_excel_export_follows_the_language():
    with use_language(ENGLISH):
        data = table_to_excel(_measures(), "Measures")
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert ("Student", "Absence", "Status", "State") in rows
    assert ("Testsson, Anna", 0.125, "Ongoing", "Overdue") in rows


# --- The user's choice ------------------------------------------------------------------------

def test_a_user_chooses_english_and_every_page_and_later_login_follows(app_env, world, read):
    from sqlalchemy import select

    from data_models.models import User

    at = login("coach_a", page=None)
    assert "Välkommen" in texts(at)
    widget(at.sidebar.selectbox, "Språk · Language").set_value(ENGLISH).run()
    assert "Welcome" in texts(at) and "Välkommen" not in texts(at)
    assert [b.label for b in at.sidebar.button] == ["Log out"]
    with read() as session:
        assert session.scalar(select(User.language).where(User.username == "coach_a")) == "en"
    again = login("coach_a", page=None)  # a new tab: the stored choice, not the browser's
    assert "Welcome" in texts(again)


def test_another_users_language_is_untouched(app_env, world, read):
    at = login("coach_a", page=None)
    widget(at.sidebar.selectbox, "Språk · Language").set_value(ENGLISH).run()
    assert "Välkommen" in texts(login("coach_c", page=None))


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize(("locale", "words"), [
    ("en-GB", ("Log in", "Username", "Password")),
    ("sv-SE", ("Logga in", "Användarnamn", "Lösenord"))])
def test_the_login_screen_follows_the_browsers_language(app_env, world, locale, words):
    from playwright.sync_api import expect

    with served_app({k: os.environ[k] for k in ENV_KEYS}) as url, chromium() as browser:
        page = browser.new_page(locale=locale)
        page.goto(url)
        for word in words[1:]:
            expect(page.get_by_label(word, exact=True)).to_be_editable(timeout=30_000)
        expect(page.get_by_role("button", name=words[0])).to_be_visible()
