"""In a real browser: after an import moves Gustav over 20 %, the rector of his school (the
collaboration's contact person) finds the alert, opens Gustav from it and acknowledges it;
she writes to the coach about a routine, and the coach answers in the school's thread."""

import pytest
from playwright.sync_api import expect

from tests.alert_world import FIRST_DAY, import_day, prepare_alert_world
from tests.browser import (
    chromium,
    needs_chromium,
    open_list,
    open_page,
    open_tab,
    saved,
    served_app,
    served_env,
    settled,
)

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds

ROUTINE = "Vi har ändrat rutinen för frånvaroanmälan: mentorn ringer hem samma dag."
ANSWER = "Tack! Vi tar upp rutinen på genomgången i oktober."




def test_a_rector_follows_an_alert_to_the_student_and_writes_to_the_coach(
        app_env, world, write, read, viewer):
    ids = prepare_alert_world(write, world)
    # Gustav, 10 % so far: a day with 700 of 1000 minutes away makes 40 %.
    import_day(read, write, viewer, ids, FIRST_DAY, {"gustav": 700})
    with served_app(served_env()) as url, chromium() as browser:
        rector = open_page(browser, url, "staff_sb", "Aterkoppling", "Återkoppling")
        open_tab(rector, "Larm (1 nya)")
        open_list(rector.get_by_role("combobox", name="Öppna elev"))
        rector.get_by_role("option", name="Gustav Testsson", exact=True).click()
        expect(rector.get_by_role("heading", name="Gustav Testsson")).to_be_visible(
            timeout=30_000)
        settled(rector)

        rector.goto(f"{url}/Aterkoppling")
        expect(rector.get_by_role("heading", name="Återkoppling", exact=True)).to_be_visible(
            timeout=30_000)
        settled(rector)
        open_tab(rector, "Larm (1 nya)")
        rector.get_by_role("button", name="Kvittera alla som visas (1)").click()
        saved(rector, "Kvitterat: 1 larm.")
        expect(rector.get_by_role("tab", name="Larm (0 nya)")).to_be_visible()

        rector.goto(f"{url}/Samverkan")
        expect(rector.get_by_role("heading", name="Samverkan", exact=True)).to_be_visible(
            timeout=30_000)
        settled(rector)
        open_tab(rector, "Meddelanden")
        rector.get_by_role("textbox", name="Nytt meddelande").fill(ROUTINE)
        rector.get_by_role("button", name="Skicka meddelandet").click()
        saved(rector, "Meddelandet är skickat.")

        coach = open_page(browser, url, "coach_a", "Samverkan", "Samverkan")
        open_tab(coach, "Meddelanden")
        expect(coach.get_by_test_id("stText").filter(has_text=ROUTINE)).to_be_visible()
        coach.get_by_role("textbox", name="Nytt meddelande").fill(ANSWER)
        coach.get_by_role("button", name="Skicka meddelandet").click()
        saved(coach, "Meddelandet är skickat.")

        rector.reload()
        expect(rector.get_by_role("heading", name="Samverkan", exact=True)).to_be_visible(
            timeout=30_000)
        settled(rector)
        open_tab(rector, "Meddelanden")
        expect(rector.get_by_test_id("stText").filter(has_text=ANSWER)).to_be_visible()
