"""In a real browser: a coach uploads an absence export, the school is guessed from the
file, and a double click on the read-in button makes one import; the outcome shows at the
top and the upload, its preview and the button leave the screen."""


import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from data_models.models import ImportBatch
from tests import import_files
from tests.browser import chromium, click_then, log_in, needs_chromium, served_app, served_env
from tests.factories import PASSWORD, personal_number

pytestmark = [pytest.mark.browser, needs_chromium]
# The suite runs beside other tests on two cores: a rerun may take seconds.
expect.set_options(timeout=20_000)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_double_click_reads_in_once_and_clears_the_upload(app_env, world, read):
    data = import_files.vklass_period(
        [(personal_number("20080101", 980), "Anna Testsson", 6000, 300, 900)])
    with served_app(served_env()) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in(page, url, "coach_a", PASSWORD)
        expect(page.get_by_text("Välkommen, Coach A").first).to_be_visible(timeout=30_000)
        click_then(page.get_by_role("link", name="Import").first,
                   page.get_by_role("heading", name="Import", exact=True))
        page.locator("input[type='file']").set_input_files(
            files=[{"name": "vklass.xlsx", "mimeType": XLSX, "buffer": data}])
        expect(page.get_by_text("Alla rader är giltiga.")).to_be_visible(timeout=30_000)
        # Anna is enrolled at Skola SB: the school is chosen from the file, and says so.
        expect(page.get_by_text("1 av 1 elever i filen är inskrivna vid Skola SB")
               ).to_be_visible()
        read_in = page.get_by_role("button", name="Läs in de giltiga raderna (1)")
        read_in.dblclick()
        outcome = page.get_by_text("Inläst: 1 rad (import 1).")
        expect(outcome).to_be_visible(timeout=30_000)
        # The empty uploader's hint is drawn only when no file is uploaded: seen, the run
        # has cleared the upload (an absent button alone could be a rerun half drawn).
        expect(page.get_by_text("Högst 20 MB.", exact=False)).to_be_visible()
        expect(read_in).to_have_count(0)
        expect(page.get_by_text("Kontroll", exact=True)).to_have_count(0)
        expect(page.get_by_text("vklass.xlsx")).to_have_count(0)  # no file in the uploader
        uploader = page.get_by_text("Fil (.xlsx eller .csv)")
        expect(uploader).to_be_visible()
        assert outcome.bounding_box()["y"] < uploader.bounding_box()["y"]  # at the top
    with read() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch).where(
            ImportBatch.kind != "demo")) == 1
