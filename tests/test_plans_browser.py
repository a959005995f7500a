"""In a real browser, the follow-up cycle from a flag to a plan: the coach opens a flagged
student by a deep link, records a talk, writes an action plan on it with two step goals,
lets one of the student's measures carry it and sends the talk's summary to the school; the
step indicator under the student's name moves; the school's rector finds the summary in the
inbox and the plan in meeting mode."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from data_models.models import ActionPlan, Measure, PlanGoal, StudentTalk
from lib.measures import add_measure
from lib.meetings import plan_meeting
from tests.browser import (
    chromium,
    form_of,
    needs_chromium,
    open_list,
    open_page,
    saved,
    served_app,
    served_env,
    settled,
    type_date,
)

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds

TALKED, STARTED = dt.date(2025, 10, 6), dt.date(2025, 10, 13)  # in the world's term HT2025




def test_a_coach_takes_a_flagged_student_from_talk_to_plan_and_the_rector_sees_both(
        app_env, world, write, read, viewer):
    with write() as session:
        add_measure(session, viewer("coach_a"), world["anna"], kind="structure",
                    owner_kind="coach", start_date=dt.date(2025, 9, 1),
                    follow_up_date=dt.date(2025, 11, 3))
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 11, 20))
    with served_app(served_env()) as url, chromium() as browser:
        coach = open_page(browser, url, "coach_a", f"Elev?elev={world['anna']}",
                          "Anna Testsson")
        cycle = coach.get_by_text(re.compile(r"^Uppföljning HT2025: "))
        expect(cycle).to_have_text(re.compile(r"✓ Flaggad → ○ Samtal → ○ Plan"))

        talk = form_of(coach, "Spara samtalet")
        type_date(talk, "Datum för samtalet", TALKED)
        open_list(talk.get_by_role("combobox", name="Orsaker (kategorier)"))
        coach.get_by_role("option", name="Sömn och rutiner", exact=True).click()
        coach.keyboard.press("Escape")
        talk.get_by_role("textbox", name="Sammanfattning till skolan").fill(
            "Anna vill ha väckning och hjälp med matten.")
        talk.get_by_role("button", name="Spara samtalet").click()
        saved(coach, "Samtalet är sparat.")

        plan = form_of(coach, "Spara planen")
        plan.get_by_role("textbox", name="Elevens mål, med elevens ord").fill(
            "Komma i tid varje dag.")
        type_date(plan, "Planens start", STARTED)
        type_date(plan, "Nästa uppföljning", STARTED + dt.timedelta(weeks=6))
        open_list(plan.get_by_role("combobox", name="Bygger på"))
        coach.get_by_role("option", name="Samtal 2025-10-06 · Coach A", exact=True).click()
        plan.get_by_role("textbox", name="Delmål 1").fill("Väckning varje morgon")
        type_date(plan, "Senast", STARTED + dt.timedelta(weeks=2), nth=0)
        plan.get_by_role("textbox", name="Delmål 2").fill("En hel vecka utan ogiltig frånvaro")
        type_date(plan, "Senast", STARTED + dt.timedelta(weeks=4), nth=1)
        plan.get_by_role("button", name="Spara planen").click()
        saved(coach, "Planen är sparad.")

        coach.get_by_text("Plan från 2025-10-13: Komma i tid varje dag.", exact=True).click()
        settled(coach)  # the plan stays open across runs
        coach.get_by_role("tab", name="Fas och delmål").click()
        settled(coach)
        coach.get_by_role("button", name="Koppla åtgärden till planen").click()
        saved(coach, "Åtgärden är kopplad till planen.")

        coach.get_by_text("Samtal 2025-10-06 · Coach A", exact=True).click()
        settled(coach)
        coach.get_by_role("button", name="Skicka sammanfattningen till skolan").click()
        saved(coach, "Sammanfattningen är skickad som återkoppling.")
        expect(cycle).to_have_text(re.compile(
            r"✓ Flaggad → ✓ Samtal 2025-10-06 → ✓ Plan 2025-10-13 → "))

        rector = open_page(browser, url, "staff_sb", "Aterkoppling", "Återkoppling")
        expect(rector.get_by_role("tab", name="Inkorg (1 nya)")).to_be_visible()
        expect(rector.get_by_role("combobox", name="Kvittera")).to_have_value(
            re.compile(r"^Coach A, .*: Anna vill ha väckning och hjälp med matten\.$"))
        rector.goto(f"{url}/Moten?mote={meeting_id}")
        expect(rector.get_by_role("heading", name="Anna Testsson")).to_be_visible(
            timeout=30_000)
        expect(rector.get_by_text("Plan från 2025-10-13: Komma i tid varje dag.",
                                  exact=True)).to_be_visible()
        expect(rector.get_by_text("Fas: Analys · nästa uppföljning 2025-11-24")).to_be_visible()
        expect(rector.get_by_role("button", name="Skriv ut planen (PDF)")).to_be_visible()
    with read() as session:
        made = session.scalars(select(ActionPlan)).one()
        goals = session.scalars(select(PlanGoal.text).order_by(PlanGoal.position)).all()
        carried = session.scalars(select(Measure.plan_id)).all()
        based_on = session.scalars(select(StudentTalk.id)).one()
    assert (made.start_date, made.talk_id, carried) == (STARTED, based_on, [made.id])
    assert goals == ["Väckning varje morgon", "En hel vecka utan ogiltig frånvaro"]
