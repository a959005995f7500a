"""In a real browser: log in as the coach, see the overview, log out; and the login cookie
that carries a deep link, until a password change ends it."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from lib import admin
from lib.access import load_viewer
from tests.browser import (
    chromium,
    click_then,
    download,
    log_in,
    log_in_for_new_tabs,
    needs_chromium,
    served_app,
    served_env,
    settled,
    type_to_choose,
)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]
# The suite runs beside other tests on two cores: a rerun may take seconds, not the
# default five, before the page shows what is asserted.
expect.set_options(timeout=20_000)


def wait_for_charts(page, count: int) -> None:
    """Charts draw one by one; wait until `count` of them are on the page."""
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {count}",
        timeout=30_000)


def test_coach_logs_in_sees_the_overview_and_logs_out(app_env, world):
    with served_app(served_env()) as url, chromium() as browser:
        page = browser.new_page()
        log_in(page, url, "coach_a", PASSWORD)
        expect(page.get_by_text("Välkommen, Coach A").first).to_be_visible(timeout=30_000)
        click_then(page.get_by_role("link", name="Översikt").first,
                    page.get_by_role("heading", name="Översikt"))
        expect(page.get_by_text("Elever med frånvarodata")).to_be_visible()
        expect(page.get_by_text("33,3 %").first).to_be_visible()
        assert "/Oversikt" in page.url and "2008" not in page.url
        click_then(page.get_by_role("button", name="Logga ut"),
                    page.get_by_text("Du är utloggad."))
        expect(page.get_by_label("Användarnamn")).to_be_visible()
        expect(page.get_by_text("Elever med frånvarodata")).to_have_count(0)


def test_cookie_carries_a_deep_link_until_the_password_changes(app_env, world, write, viewer):
    with served_app(served_env()) as url, chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        log_in_for_new_tabs(page, url, "coach_a", PASSWORD, welcome="Välkommen, Coach A")
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
    with served_app(served_env()) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        elsewhere: list[str] = []
        page.on("request", lambda request: urlsplit(request.url).netloc
                not in ("", urlsplit(url).netloc) and elsewhere.append(request.url))
        log_in(page, url, "staff_sb", PASSWORD)
        expect(page.get_by_text("Välkommen").first).to_be_visible(timeout=30_000)
        click_then(page.get_by_role("link", name="Skola").first,
                    page.get_by_role("heading", name="Skola", exact=True))
        wait_for_charts(page, 4)  # distribution, trend, weekday pattern, heatmap
        # The grid's own CSV download is hidden; the audited Excel export is offered.
        expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
        expect(page.get_by_role("button", name="Exportera till Excel")).to_be_visible()
        type_to_choose(page, "Öppna elev", "Anna")
        expect(page.get_by_role("heading", name="Anna Testsson")).to_be_visible(timeout=30_000)
        assert f"elev={world['anna']}" in page.url
        wait_for_charts(page, 3)  # weeks, calendar, weekday pattern
        # plotly has drawn the bars, not just the frame.
        expect(page.locator(".js-plotly-plot").first.locator("g.trace.bars").first
               ).to_be_attached()
        # Everything the pages need comes from the app: a request to another host (an icon
        # from a font service) would tell a third party who uses the app, and when.
        assert elsewhere == []


def _open_meeting(browser, url: str, username: str, meeting_id: int,
                  password: str = PASSWORD, first: str = "Anna Testsson"):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    log_in_for_new_tabs(page, url, username, password)
    meeting = context.new_page()  # a deep link in a new tab, carried by the login cookie
    meeting.goto(f"{url}/Moten?mote={meeting_id}")
    expect(meeting.get_by_role("heading", name=first)).to_be_visible(timeout=30_000)
    page.close()
    return meeting


def _type_notes(page, text: str) -> None:
    """Type into the notes and commit the text to the app (as leaving the field does); the
    app says so beside the save button once its run with the text is done."""
    box = page.get_by_role("textbox", name="Anteckningar")
    box.fill(text)
    box.press("Control+Enter")
    expect(page.get_by_text("Osparad text", exact=True)).to_be_visible()


def _told_of_save(page, by: str):
    """The live panel's word that `by` saved: "… har sparat en ändring" while this view is
    behind, "Fälten visar nu ändringen som … sparade" once untouched fields have followed."""
    return page.get_by_text(re.compile(
        f"{by} har sparat en ändring|Fälten visar nu ändringen som {by} sparade"))


def _saved(page, text: str):
    """`text` in the live panel's record of what is saved for the student. It stays on the
    page, unlike the notices that a save or another's save shows until the next rerun."""
    return (page.get_by_test_id("stExpander").filter(has_text="Sparat för eleven")
            .get_by_text(text, exact=True))


def test_coach_and_rector_hold_a_meeting_in_two_browsers(app_env, world, write, read,
                                                         viewer):
    from sqlalchemy import select

    from data_models.models import AgendaItem
    from lib.audit import list_events
    from lib.meetings import plan_meeting

    with write() as session:
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 10, 1))
    with served_app(served_env()) as url, chromium() as browser:
        coach = _open_meeting(browser, url, "coach_a", meeting_id)
        rector = _open_meeting(browser, url, "staff_sb", meeting_id)
        # Presence: each sees the other within a refresh or two, without reloading.
        for page in (coach, rector):
            expect(page.get_by_text("I mötet nu: Coach A, Staff Sb")).to_be_visible(
                timeout=15_000)

        _type_notes(rector, "Skolans text")  # typed, not yet saved
        _type_notes(coach, "Coachens text")
        click_then(coach.get_by_role("button", name="Spara", exact=True),
                    _saved(coach, "Coachens text"))
        # The rector's live panel shows the coach's save without a reload; the notice stays
        # while the rector has unsaved text.
        expect(rector.get_by_text("Coach A har sparat en ändring")).to_be_visible()
        expect(_saved(rector, "Coachens text")).to_be_visible()

        click_then(rector.get_by_role("button", name="Spara", exact=True),
                    rector.get_by_text("Någon annan har sparat en ändring"))
        click_then(rector.get_by_role("button", name="Behåll min version"),
                    _saved(rector, "Skolans text"))
        expect(_told_of_save(coach, "Staff Sb")).to_be_visible()
        expect(coach.get_by_text("Senast sparat av andra: Staff Sb")).to_be_visible()
        expect(_saved(coach, "Skolans text")).to_be_visible()

        excel = download(coach, coach.get_by_role("button", name="Protokoll (Excel)"))
        assert excel.suggested_filename.endswith(".xlsx")
        pdf = download(rector, rector.get_by_role("button", name="Protokoll (PDF)"))
        assert pdf.suggested_filename.endswith(".pdf")
        assert "2008" not in coach.url and "2008" not in rector.url

        # Both step to the next student (a step is one run: the button changes the address
        # before the page is drawn). The rector's note on that student reaches the coach
        # through the live panel's refresh, which keeps the coach where the step went.
        with read() as session:
            eva_item = session.scalar(select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.student_id == world["eva"]))
        second = f"Skyddad identitet (elev {world['eva']})"
        for page in (coach, rector):
            click_then(page.get_by_role("button", name="Nästa"),
                       page.get_by_role("heading", name=second))
            # Until the step's run is over the page still holds the student before it, as
            # Streamlit leaves a run's earlier elements until it draws over them: a note
            # typed then may land in the last student's field.
            settled(page)
        _type_notes(rector, "Om nästa elev")
        click_then(rector.get_by_role("button", name="Spara", exact=True),
                   _saved(rector, "Om nästa elev"))
        expect(_saved(coach, "Om nästa elev")).to_be_visible()
        expect(coach.get_by_role("heading", name=second)).to_be_visible()
        assert f"punkt={eva_item}" in coach.url and f"punkt={eva_item}" in rector.url

    with read() as session:
        assert session.scalar(select(AgendaItem.notes).where(
            AgendaItem.meeting_id == meeting_id,
            AgendaItem.student_id == world["anna"])) == "Skolans text"
        assert session.scalar(select(AgendaItem.notes).where(
            AgendaItem.id == eva_item)) == "Om nästa elev"
        exports = list_events(session, viewer("admin"))
        assert (exports["action"] == "export").sum() == 2


def test_the_demo_coach_and_rector_share_a_meeting_and_its_feedback(app_env, write, read):
    """On the demo region: the small municipality's coach and the rector of the school most
    of its students attend open this term's meeting; the coach's notes reach the rector
    live, and the rector's feedback about a student reaches the coach's inbox."""
    from sqlalchemy import select

    from data_models.models import AgendaItem, Feedback, Meeting, User, UserScope
    from lib.agenda import list_agenda
    from lib.demo import DEMO_PASSWORD, DemoSpec, seed_demo

    with write() as session:
        seed_demo(session, DemoSpec(students=150, terms=2, end_date=dt.date(2026, 5, 29),
                                    bcrypt_rounds=4))
    with read() as session:
        school_id = session.scalar(select(UserScope.school_id).join(User).where(
            User.username == "rektor"))
        meeting = session.scalars(select(Meeting).where(Meeting.school_id == school_id)
                                  .order_by(Meeting.date.desc())).first()
        coach = load_viewer(session, session.scalars(
            select(User).where(User.username == "coach")).one())
        first = list_agenda(session, coach, meeting.id).iloc[0]
    with served_app(served_env()) as url, chromium() as browser:
        kim = _open_meeting(browser, url, "coach", meeting.id, DEMO_PASSWORD, first["student"])
        rut = _open_meeting(browser, url, "rektor", meeting.id, DEMO_PASSWORD, first["student"])
        for page in (kim, rut):
            expect(page.get_by_text("I mötet nu: Kim Coach, Rut Rektor")).to_be_visible()
        _type_notes(kim, "Morgonsamtal varje måndag.")
        click_then(kim.get_by_role("button", name="Spara", exact=True),
                    _saved(kim, "Morgonsamtal varje måndag."))
        # The live panel shows who saved and what, without a reload.
        expect(_told_of_save(rut, "Kim Coach")).to_be_visible()
        expect(rut.get_by_text("Senast sparat av andra: Kim Coach")).to_be_visible()
        expect(_saved(rut, "Morgonsamtal varje måndag.")).to_be_visible()

        # The rector writes in another field: the save merges with the coach's.
        box = rut.get_by_role("textbox", name="Återkoppling", exact=True)
        box.fill("Eleven har fått anpassat schema.")
        box.press("Control+Enter")
        expect(rut.get_by_text("Osparad text", exact=True)).to_be_visible()
        click_then(rut.get_by_role("button", name="Spara", exact=True),
                    _saved(rut, "Eleven har fått anpassat schema."))
        click_then(rut.get_by_role("button", name="Skicka återkopplingen till coachens inkorg"),
                    rut.get_by_text(re.compile(  # the lasting caption, with the time
                        r"Återkopplingen är skickad till coachens inkorg \d{4}-\d\d-\d\d")))
    with read() as session:
        # The demo's own messages between school and coach are about no student.
        sent = session.scalars(select(Feedback).where(Feedback.student_id.is_not(None))).all()
        item = session.scalars(select(AgendaItem).where(AgendaItem.id == int(first["id"]))).one()
    assert (item.notes, item.feedback) == ("Morgonsamtal varje måndag.",
                                           "Eleven har fått anpassat schema.")
    assert [(f.direction, f.student_id, f.meeting_id, f.text) for f in sent] == [
        ("to_coach", int(first["student_id"]), meeting.id, "Eleven har fått anpassat schema.")]
