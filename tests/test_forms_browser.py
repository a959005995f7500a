"""In a real browser: a refused save keeps what was typed beside the message (the measure,
contact and feedback forms, the feedback page, the administration page), and a save
empties the form; the feedback and administration pages stay on their tab after a save,
so that the next message is seen; and feedback from the student page goes to the
student's own school."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from data_models.models import Contact, Enrolment, Feedback, Measure
from lib.feedback import send_feedback
from lib.measures import add_measure
from tests.browser import (
    chromium,
    date_field,
    needs_chromium,
    open_list,
    open_page,
    served_app,
    served_env,
    settled,
    type_date,
    type_to_choose,
)

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds
TOO_LONG = "x" * 4001  # one more character than a free-text field takes


def test_a_refused_measure_keeps_the_description_and_the_dates(app_env, world, read):
    start, follow_up = dt.date(2026, 3, 2), dt.date(2026, 2, 23)  # a week before the start
    with served_app(served_env()) as url, chromium() as browser:
        page = open_page(browser, url, "coach_a", f"Elev?elev={world['anna']}", "Anna Testsson")
        description = page.get_by_role("textbox", name="Beskrivning", exact=True)
        description.fill("Väckning varje morgon kl. 7.")
        type_date(page, "Start", start)
        type_date(page, "Uppföljning", follow_up)
        page.get_by_role("button", name="Lägg till åtgärd").click()
        expect(page.get_by_text("Uppföljningsdatumet kan inte ligga före startdatumet.")
               ).to_be_visible()
        settled(page)
        expect(description).to_have_value("Väckning varje morgon kl. 7.")
        expect(date_field(page, "Start")).to_have_text(start.isoformat())
        expect(date_field(page, "Uppföljning")).to_have_text(follow_up.isoformat())
        with read() as session:
            assert session.scalars(select(Measure)).all() == []
        type_date(page, "Uppföljning", dt.date(2026, 3, 30))
        page.get_by_role("button", name="Lägg till åtgärd").click()
        expect(page.get_by_text("Åtgärden är sparad.")).to_be_visible()
        settled(page)
        expect(description).to_have_value("")
        with read() as session:
            measure = session.scalars(select(Measure)).one()
        assert (measure.description, measure.start_date, measure.follow_up_date) == (
            "Väckning varje morgon kl. 7.", start, dt.date(2026, 3, 30))


def test_refused_contact_and_feedback_keep_their_text(app_env, world, read):
    with served_app(served_env()) as url, chromium() as browser:
        page = open_page(browser, url, "coach_a", f"Elev?elev={world['anna']}", "Anna Testsson")
        for label, button in (("Anteckning", "Logga kontakt"),
                              ("Ny återkoppling om eleven", "Skicka återkoppling")):
            box = page.get_by_role("textbox", name=label, exact=True)
            box.fill(TOO_LONG)
            page.get_by_role("button", name=button).click()
            expect(page.get_by_text(re.compile("för lång")).first).to_be_visible()
            settled(page)
            expect(box).to_have_value(TOO_LONG)
            box.fill("")  # so that the next form's message is the only one
        with read() as session:
            assert session.scalars(select(Contact)).all() == []
            assert session.scalars(select(Feedback)).all() == []


def test_the_feedback_page_keeps_the_text_and_its_tab(app_env, world, write, read, viewer):
    with served_app(served_env()) as url, chromium() as browser:
        page = open_page(browser, url, "staff_sb", "Aterkoppling", "Återkoppling")
        write_tab = page.get_by_role("tab", name="Skriv återkoppling")
        write_tab.click()
        settled(page)
        with write() as session:  # meanwhile the coach writes: the inbox tab's count grows
            send_feedback(session, viewer("coach_a"), "Hej från coachen.",
                          student_id=world["anna"], school_id=world["SB"])
        text = page.get_by_role("textbox", name="Återkoppling", exact=True)
        text.fill("Anna har varit här hela veckan.")
        page.get_by_role("button", name="Skicka", exact=True).click()
        expect(page.get_by_role("tab", name="Inkorg (1 nya)")).to_be_attached()
        settled(page)
        expect(write_tab).to_have_attribute("aria-selected", "true")
        expect(page.get_by_text("Välj eleven det gäller.")).to_be_visible()
        expect(text).to_have_value("Anna har varit här hela veckan.")
        open_list(page.get_by_role("combobox", name="Elev"))
        page.get_by_role("option", name="Anna Testsson").click()
        settled(page)
        expect(page.get_by_role("combobox", name="Skola")).to_have_value("Skola SB")
        expect(text).to_have_value("Anna har varit här hela veckan.")
        page.get_by_role("button", name="Skicka", exact=True).click()
        expect(page.get_by_text("Återkopplingen är skickad.")).to_be_visible()
        settled(page)
        expect(write_tab).to_have_attribute("aria-selected", "true")
        expect(text).to_have_value("")
        with read() as session:
            assert session.scalars(select(Feedback.text).where(
                Feedback.direction == "to_coach")).all() == ["Anna har varit här hela veckan."]


def test_administration_stays_on_its_tab_after_a_save(app_env, world):
    with served_app(served_env()) as url, chromium() as browser:
        page = open_page(browser, url, "admin", "Administration", "Administration")
        expect(page.get_by_role("textbox", name="Nytt lösenord")).to_have_count(0)
        type_to_choose(page, "Användare", "coach_a")  # the list opens below the fold here
        first = page.get_by_role("textbox", name="Nytt lösenord")
        second = page.get_by_role("textbox", name="Upprepa lösenordet")
        first.fill("Ett-nytt-lösenord-1")
        second.fill("Ett-nytt-lösenord-2")
        page.get_by_role("button", name="Sätt nytt lösenord").click()
        expect(page.get_by_text("Lösenorden är inte lika.")).to_be_visible()
        settled(page)
        expect(first).to_have_value("Ett-nytt-lösenord-1")
        expect(second).to_have_value("Ett-nytt-lösenord-2")
        organisation = page.get_by_role("tab", name="Organisation")
        organisation.click()
        settled(page)
        region = page.get_by_role("textbox", name="Ny region")
        region.fill("Region Norr")  # exists
        page.get_by_role("button", name="Lägg till region").click()
        expect(page.get_by_text("Regionen finns redan.")).to_be_visible()
        settled(page)
        expect(region).to_have_value("Region Norr")
        region.fill("Region Mitt")
        page.get_by_role("button", name="Lägg till region").click()
        expect(page.get_by_text("Regionen är tillagd.")).to_be_visible()
        settled(page)
        expect(organisation).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("textbox", name="Ny region")).to_have_value("")
        page.get_by_role("button", name="Lägg till region").click()  # nothing typed
        expect(page.get_by_text("Regionens namn måste fyllas i.")).to_be_visible()
        settled(page)
        expect(organisation).to_have_attribute("aria-selected", "true")
        expect(page.get_by_text("Regionens namn måste fyllas i.")).to_be_visible()


def test_feedback_from_the_student_page_goes_to_the_students_school(app_env, world, write,
                                                                     read):
    with write() as session:  # Anna was at Skola SA in the spring, Skola SB now
        session.add(Enrolment(student_id=world["anna"], school_id=world["SA"],
                              programme="NA", class_name="NA1A", school_year=1,
                              start_date=dt.date(2025, 1, 7), end_date=dt.date(2025, 6, 13)))
    with served_app(served_env()) as url, chromium() as browser:
        page = open_page(browser, url, "coach_a", f"Elev?elev={world['anna']}", "Anna Testsson")
        school = page.get_by_role("combobox", name="Skola")
        expect(school).to_have_value("Skola SB")
        open_list(school)
        expect(page.get_by_role("option")).to_have_text(["Skola SB", "Skola SA"])
        page.keyboard.press("Escape")
        page.get_by_role("textbox", name="Ny återkoppling om eleven").fill("Anna mår bättre.")
        page.get_by_role("button", name="Skicka återkoppling").click()
        expect(page.get_by_text("Återkopplingen är skickad.")).to_be_visible()
        with read() as session:
            sent = session.scalars(select(Feedback)).one()
        assert (sent.school_id, sent.direction, sent.text) == (
            world["SB"], "to_school", "Anna mår bättre.")


def test_the_measures_page_stays_on_its_tab_after_a_follow_up(app_env, world, write,
                                                              viewer):
    with write() as session:
        add_measure(session, viewer("coach_a"), world["anna"], kind="mi", owner_kind="coach",
                    start_date=dt.date(2025, 9, 1), follow_up_date=dt.date(2025, 9, 15))
    with served_app(served_env()) as url, chromium() as browser:
        page = open_page(browser, url, "coach_a", "Atgarder", "Åtgärder")
        every = page.get_by_role("tab", name="Alla per status")
        every.click()
        settled(page)
        page.get_by_role("textbox", name="Ny uppföljning (anteckning)").fill("Ringde hem.")
        page.get_by_role("button", name="Spara", exact=True).click()
        expect(page.get_by_text("Åtgärden är uppdaterad.")).to_be_visible()
        settled(page)
        expect(every).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("combobox", name="Visa status")).to_be_visible()
