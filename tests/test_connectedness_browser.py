"""In a real browser, the school connectedness cycle of a class and an administrator's
instrument file.

The rector of Skola SB maps her class NA1A with the example instrument: she starts the run,
enters two pupils' answers on screen and reads in the rest from a response file, sees the
result beside the class's absence (on Skolanknytning and on the school page for the class),
records the staff group's analysis with the conversation guide, decides a class plan, and
with an insats and a förändring, and follows it up after the class has been mapped again: the
next run's change against hers is shown on its results and on the plan's after-effects.
The served app cannot be given another day, so the class's next mapping (later in the
term) is stored before the browser opens, and the rector's run is dated earlier."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from data_models.models import (
    ActionPlan,
    ConnectednessResponse,
    ConnectednessRun,
    InstrumentStatement,
    PlanItem,
    PlanReview,
    RunAnalysis,
    RunAnalysisNote,
)
from lib.connectedness import RunInput, add_response, start_run
from lib.instruments import get_instrument, load_instrument, publish, read_instrument_file
from tests.browser import (
    chromium,
    expect_rows,
    form_of,
    needs_chromium,
    open_expander,
    open_list,
    open_page,
    open_tab,
    saved,
    served_app,
    served_env,
    settled,
    type_date,
)
from tests.factories import add_student

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds

EXAMPLE = (Path(__file__).resolve().parent.parent / "data" / "instruments"
           / "exempel-skolanknytning-klass.csv")
MAPPED, PLANNED, MAPPED_AGAIN = dt.date(2025, 9, 15), dt.date(2025, 9, 22), dt.date(2025, 11, 17)
REVERSED = {"K4", "K8", "K14", "K17"}  # a high answer is low connectedness
CODES = [f"K{number}" for number in range(1, 18)]
DIMENSION_NAMES = ["Involvering", "Meningsfullhet", "Relationer till vuxna",
                   "Relationer till kamrater", "Tilltro till egen förmåga"]
PARTICIPANTS = "Rektor Staff Sb, mentor Åsa Lind, kurator Örjan Berg"
NOTE = "Frånvaron är högst på måndagar; eleverna säger att första lektionen känns meningslös."
CONCLUSIONS = "Vi börjar måndagarna med mentorstid och gör veckoplaneringen tillsammans."
GOAL = "Fler i klassen ska vilja gå till skolan på måndagar."
MEASURES = ("Mentorstid varje måndag morgon", "Väckningssamtal för dem som vill")
CHANGE = "Måndagarnas första lektion börjar med genomgång av veckan"
INSATS = "Mentorstid första lektionen varje måndag"
CHANGE = "Veckoplanering tillsammans med klassen"
FOLLOW_UP = "Måndagarnas mentorstid är igång; klassen kartlades igen i november."
OWN_WORDS = {2: "Stämmer ganska dåligt", 4: "Stämmer ganska bra"}


def answers(level: int) -> dict[str, int]:
    """One pupil's answers, every statement counting as `level` once reversed ones turn."""
    return {code: 6 - level if code in REVERSED else level for code in CODES}


def response_csv(rows: int, level: int) -> bytes:
    """A response file as a school writes it: the statement codes as headings."""
    lines = [";".join(CODES)] + [";".join(str(answers(level)[c]) for c in CODES)] * rows
    return ("\n".join(lines) + "\n").encode()


def draft_texts() -> list[str]:
    """The example instrument's statements, as its file words them."""
    return [s.text for s in read_instrument_file(EXAMPLE.read_bytes(), EXAMPLE.name).statements]












@pytest.fixture
def class_world(write, world, viewer):
    """NA1A at SB with seven pupils, the example class instrument published, and the
    class's next mapping later in the term answered by six pupils."""
    with write() as session:
        for day in range(1, 5):
            add_student(session, f"Klass{day}", f"200807{day:02d}", 990, world["B"],
                        world["SB"], world["HT2025"], absent=100 * day)
    draft = read_instrument_file(EXAMPLE.read_bytes(), EXAMPLE.name)
    admin, staff = viewer("admin"), viewer("staff_sb")
    with write() as session:
        instrument = load_instrument(session, admin, draft)
    with write() as session:
        publish(session, admin, instrument, get_instrument(session, admin, instrument).revision)
    with write() as session:
        later = start_run(session, staff, RunInput(instrument, world["SB"], MAPPED_AGAIN,
                                                   "NA1A"))
        ids = dict(session.execute(select(InstrumentStatement.code, InstrumentStatement.id)
                                   .where(InstrumentStatement.instrument_id == instrument)).all())
    for _ in range(6):
        with write() as session:
            add_response(session, staff, later, {ids[c]: v for c, v in answers(4).items()})
    return {"instrument": instrument, "later": later}


def test_a_rector_maps_her_class_analyses_decides_a_plan_and_follows_it_up(
        app_env, world, class_world, read):
    with served_app(served_env()) as url, chromium() as rector_browser:
        rector = open_page(rector_browser, url, "staff_sb", "Skolanknytning", "Skolanknytning")
        open_expander(rector, "Starta en kartläggning av en klass")
        start = form_of(rector, "Starta kartläggningen")
        open_list(start.get_by_role("combobox", name="Klass"))
        rector.get_by_role("option", name="NA1A", exact=True).click()
        type_date(start, "Datum", MAPPED)
        start.get_by_role("button", name="Starta kartläggningen").click()
        saved(rector, "Kartläggningen är startad.")
        expect(rector.get_by_text("Svar: 0 av 7.", exact=False)).to_be_visible()

        open_expander(rector, "Svar från en elev")
        statements = dict(zip(CODES, draft_texts(), strict=True))
        for _pupil in range(2):
            form = form_of(rector, "Spara svar och börja nästa")
            for code, value in answers(2).items():
                group = form.get_by_role("radiogroup", name=f"{code}. {statements[code]}")
                group.get_by_text(OWN_WORDS[value], exact=True).click()
            form.get_by_role("button", name="Spara svar och börja nästa").click()
            saved(rector, "Svaret är sparat.")
        expect(rector.get_by_text("Svar: 2 av 7.", exact=False)).to_be_visible()
        settled(rector)

        open_expander(rector, "Läs in en svarsfil")
        rector.locator("input[type='file']").set_input_files(files=[{
            "name": "svar-na1a.csv", "mimeType": "text/csv", "buffer": response_csv(4, 2)}])
        rector.get_by_role("button", name="Läs in", exact=True).click()
        saved(rector, "Svarsfilen är inläst.")
        expect(rector.get_by_text("Svar: 6 av 7.", exact=False)).to_be_visible()
        settled(rector)
        # The file read in has left the uploader: it cannot be read in a second time.
        expect(rector.get_by_role("button", name="Läs in", exact=True)).to_have_count(0)
        dimensions = rector.get_by_test_id("stDataFrame").filter(
            has=rector.locator("th", has_text="Svarande")).filter(
            has_text="Tilltro till egen förmåga").first
        # The class's first run: no change column at all (nothing to compare with).
        expect_rows(dimensions, ("Dimension", "Medelvärde", "Svarande", "Förändring"),
                    [(name, "2,0", "6", None) for name in DIMENSION_NAMES])
        run_url = rector.url

        open_tab(rector, "Analys")
        expect(rector.get_by_role("combobox", name="Kartläggning")).to_have_value(
            re.compile(r"^2025-09-15 · Skola SB · NA1A · "))
        analysis = form_of(rector, "Spara analys")
        type_date(analysis, "Analysens datum", MAPPED + dt.timedelta(days=2))
        analysis.get_by_role("textbox", name="Deltagare (namn och roll)").fill(PARTICIPANTS)
        analysis.get_by_role("textbox", name="Anteckningar, samtalsämne 4").fill(NOTE)
        analysis.get_by_role("textbox", name="Slutsatser").fill(CONCLUSIONS)
        analysis.get_by_role("button", name="Spara analys").click()
        saved(rector, "Analysen är sparad.")

        open_tab(rector, "Planer")
        expect(rector.get_by_text("Besluta en klassplan för NA1A (Skola SB), utifrån "
                                  "kartläggningen 2025-09-15", exact=True)).to_be_visible()
        plan = form_of(rector, "Besluta planen")
        plan.get_by_role("textbox", name="Planens mål").fill(GOAL)
        type_date(plan, "Start", PLANNED)
        type_date(plan, "Första uppföljning", PLANNED + dt.timedelta(weeks=6))
        plan.get_by_role("textbox", name="Planens mål").click()  # closes the date's calendar
        plan.get_by_role("textbox", name="Insatser (en per rad)").fill("\n".join(MEASURES))
        plan.get_by_role("textbox", name="Förändringar i undervisningen (en per rad)").fill(
            CHANGE)
        plan.get_by_role("button", name="Besluta planen").click()
        saved(rector, "Klassplanen är beslutad.")
        plans = rector.get_by_test_id("stDataFrame").filter(has_text=GOAL).first
        expect_rows(plans, ("Nivå", "Klass/grupp", "Start"), [("Klass", "NA1A", "2025-09-22")])

        open_list(rector.get_by_role("combobox", name="Öppna plan"))
        rector.get_by_role("option", name=f"Klass NA1A från 2025-09-22: {GOAL}").click()
        expect(rector.get_by_text("Kartläggningen 2025-11-17 jämförd med planens "
                                  "kartläggning:", exact=True)).to_be_visible(timeout=30_000)
        settled(rector)
        expect(rector.get_by_test_id("stDataFrame").filter(has_text=CHANGE)).to_have_count(1)
        effects = rector.get_by_test_id("stDataFrame").filter(
            has=rector.locator("th", has_text="Medelvärde efter")).first
        expect_rows(effects, ("Dimension", "Medelvärde före", "Medelvärde efter", "Förändring"),
                    [(name, "2,0", "4,0", "+2,0") for name in DIMENSION_NAMES])
        follow = form_of(rector, "Lägg till uppföljning")
        follow.get_by_role("textbox", name="Vad ni såg").fill(FOLLOW_UP)
        follow.get_by_role("button", name="Lägg till uppföljning").click()
        saved(rector, "Uppföljningen är sparad.")
        expect(rector.get_by_test_id("stDataFrame").filter(has_text=FOLLOW_UP)).to_have_count(1)

        rector.goto(f"{url}/Skolanknytning?{run_url.split('?', 1)[1]}")
        expect(rector.get_by_role("heading", name="Skolanknytning", exact=True)).to_be_visible(
            timeout=30_000)
        settled(rector)
        open_tab(rector, "Kartläggningar")
        open_list(rector.get_by_role("combobox", name="Kartläggning"))
        rector.get_by_role("option", name=re.compile(r"^2025-11-17 · NA1A")).click()
        expect(rector.get_by_text("Förändring jämfört med kartläggningen 2025-09-15.",
                                  exact=True)).to_be_visible(timeout=30_000)
        later = rector.get_by_test_id("stDataFrame").filter(
            has=rector.locator("th", has_text="Svarande")).filter(
            has_text="Tilltro till egen förmåga").first
        expect_rows(later, ("Dimension", "Medelvärde", "Förändring"),
                    [(name, "4,0", "+2,0") for name in DIMENSION_NAMES])

        rector.goto(f"{url}/Skola?skola={world['SB']}&termin=HT2025&klass=NA1A")
        expect(rector.get_by_role("heading", name="Skolanknytning")).to_be_visible(
            timeout=30_000)
        settled(rector)
        school = rector.get_by_test_id("stDataFrame").filter(
            has=rector.locator("th", has_text="Frånvaro 4 veckor före")).first
        expect_rows(school, ("Datum", "Dimension", "Medelvärde", "Förändring",
                             "Frånvaro 4 veckor före"),
                    # "–": no absence recorded in the weeks before / no run before it;
                    # ".." is kept for what is hidden.
                    [("2025-11-17", name, "4,0", "+2,0", "–") for name in DIMENSION_NAMES]
                    + [("2025-09-15", name, "2,0", "–", "21,6 %") for name in DIMENSION_NAMES])
    with read() as session:
        runs = session.scalars(select(ConnectednessRun).order_by(ConnectednessRun.date)).all()
        responses = session.scalars(select(ConnectednessResponse.run_id)).all()
        analysis = session.scalars(select(RunAnalysis)).one()
        notes = session.scalars(select(RunAnalysisNote.note)).all()
        made = session.scalars(select(ActionPlan)).one()
        reviews = session.scalars(select(PlanReview.note)).all()
        items = session.execute(select(PlanItem.kind, PlanItem.area, PlanItem.text)
                                .order_by(PlanItem.position)).all()
    assert [(r.date, r.group_name, r.roster_size) for r in runs] == [
        (MAPPED, "NA1A", 7), (MAPPED_AGAIN, "NA1A", 7)]
    assert responses.count(runs[0].id) == 6
    assert (analysis.run_id, analysis.participants, analysis.conclusions) == (
        runs[0].id, PARTICIPANTS, CONCLUSIONS)
    assert [note for note in notes if note] == [NOTE]
    assert (made.level, made.student_id, made.group_name, made.run_id, made.analysis_id,
            made.start_date) == ("class", None, "NA1A", runs[0].id, analysis.id, PLANNED)
    assert reviews == [FOLLOW_UP]
    assert items == [*(("measure", None, text) for text in MEASURES),
                     ("change", "teaching", CHANGE)]

