"""In a real browser: the visit pack PDF is built when its button is clicked, outside the
page's run, and is still in the language of the person who downloads it."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from data_models.models import User
from tests.browser import chromium, download, log_in_for_new_tabs, needs_chromium, served_app
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)
ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR", "AKTIV_LOGIN_SLEEP_SECONDS",
            "AKTIV_BCRYPT_ROUNDS")


def test_an_english_users_visit_pack_pdf_is_in_english(app_env, world, write):
    with write() as session:
        session.scalars(select(User).where(User.username == "coach_a")).one().language = "en"
    with served_app({k: os.environ[k] for k in ENV_KEYS}) as url, chromium() as browser:
        page = browser.new_page()
        log_in_for_new_tabs(page, url, "coach_a", PASSWORD, welcome="Welcome, Coach A")
        page.goto(f"{url}/Besokspaket")
        expect(page.get_by_role("heading", name="Visit pack Skola")).to_be_visible(
            timeout=30_000)
        button = page.get_by_role("button", name="Visit pack (PDF)")
        expect(button).to_be_visible()
        pack = download(page, button)
        assert pack.suggested_filename.startswith("visit-pack-")
        data = Path(pack.path()).read_bytes()
    # The document's title, as PDF metadata: plain ASCII in English, UTF-16 in Swedish.
    assert data.startswith(b"%PDF-") and b"/Title (Visit pack Skola S" in data
