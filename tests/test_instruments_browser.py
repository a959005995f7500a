"""In a real browser, an administrator loads a class instrument from a CSV file on
Skolanknytning → Instrument: the preview shows what the file holds, she reads it in as a
draft and publishes it; school staff then start a class mapping with it and see every
statement in the answer form word for word as the file has it. A file with mistakes is
refused with a message per mistake, and nothing is written."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from data_models.models import Instrument, InstrumentStatement, InstrumentTopic
from lib.codes import InstrumentStatus
from tests.browser import (
    chromium,
    needs_chromium,
    open_expander,
    open_list,
    open_page,
    saved,
    served_app,
    served_env,
    settled,
)

pytestmark = [pytest.mark.browser, needs_chromium]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds

NAME = "Trivsel i klassen – ”vår” version"
INTRODUCTION = ("Vi vill veta hur ni upplever skolan. Svaren är anonyma och visas bara "
                "för hela klassen.")
GUIDE = ("Steg 1. Avsätt en kvart av en lektion.", "Steg 2. Läs påståendena högt för klassen.")
SCALE = ("Stämmer inte alls", "Stämmer ganska dåligt", "Stämmer ganska bra", "Stämmer helt")
DIMENSIONS = (("DEL", "Delaktighet och inflytande"), ("REL", "Relationer på skolan"))
LONG = ("När jag tänker på en vanlig vecka i skolan, med lektioner, raster, håltimmar och "
        "skolluncher, känner jag att det finns minst en vuxen här – en lärare, min mentor, "
        "kuratorn eller någon annan i personalen – som vet vem jag är, som märker när jag inte "
        "är där eller när något har hänt, och som jag kan gå till och prata med om både "
        "skolarbetet och annat som påverkar hur jag mår och orkar, utan att behöva boka en tid "
        "långt i förväg eller förklara allt från början.")
STATEMENTS = (  # (code, dimension, text, reversed)
    ("K1", "DEL", 'Jag känner mig "hemma" i klassrummet, även på måndagar.', False),
    ("K2", "DEL", "Lärarna frågar vad vi tycker om upplägget\noch lyssnar på våra svar.", False),
    ("K3", "REL", LONG, False),
    ("K4", "REL", "Jag är ofta ensam på rasterna och äter lunch själv.", True),
)
TOPIC = "Vad säger resultatet om klassens relationer?"
QUESTIONS = ("Vilka påståenden sticker ut?", "Vad gör vi redan som fungerar för eleverna?")
LOADED = "Instrumentet är inläst som utkast. Kontrollera det och publicera det sedan."
PUBLISHED = "Instrumentet är publicerat."
UPLOAD = "Läs in ett instrument från fil"


def layout_csv(statements=STATEMENTS, scale=SCALE) -> bytes:
    """The instrument in the documented layout, as Excel saves "CSV UTF-8": a BOM, `;`
    between cells, quotes around a cell that holds a quote, a `;` or a line break."""
    rows = [("typ", "kod", "dimension", "text", "värde", "omvänd"),
            ("instrument", "namn", "", NAME, "", ""),
            ("instrument", "version", "", "1", "", ""),
            ("instrument", "nivå", "", "klass", "", ""),
            ("instrument", "svarande", "", "elever", "", ""),
            ("instrument", "källa", "", "Skrivet för testet; fritt att använda.", "", ""),
            ("introduktion", "", "", INTRODUCTION, "", ""),
            *(("lathund", "", "", step, "", "") for step in GUIDE),
            *(("skala", "", "", label, str(value), "")
              for value, label in enumerate(scale, start=1)),
            *(("dimension", code, "", name, "", "") for code, name in DIMENSIONS),
            *(("påstående", code, dimension, text, "", "ja" if turned else "")
              for code, dimension, text, turned in statements),
            ("samtalsämne", "", "", TOPIC, "", ""),
            *(("fråga", "", "", question, "", "") for question in QUESTIONS)]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def seen(text: str) -> str:
    """A statement as a label shows it: a line break inside it reads as a space (HTML
    folds it), as the file's other characters stay."""
    return text.replace("\n", " ")


def upload(page, file_name: str, data: bytes) -> None:
    """Open the upload section and choose the file, as a person does with the file picker;
    the page reads the file in its next run."""
    page.get_by_text(UPLOAD, exact=True).click()
    page.locator("input[type='file']").set_input_files(files=[{
        "name": file_name, "mimeType": "text/csv", "buffer": data}])


def instrument_tab(page) -> None:
    """Open the Instrument tab (the server draws only the open tab) and wait for it."""
    page.get_by_role("tab", name="Instrument").click()
    expect(page.get_by_role("tab", name="Instrument", selected=True)).to_be_visible()
    expect(page.get_by_text(UPLOAD, exact=True)).to_be_visible()
    settled(page)




def instrument_count(read) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(Instrument))


def test_an_administrator_loads_and_publishes_an_instrument_that_staff_then_map_with(
        app_env, world, read):
    data = layout_csv()
    with served_app(served_env()) as url, chromium() as browser:
        admin = open_page(browser, url, "admin", "Skolanknytning", "Skolanknytning")
        instrument_tab(admin)
        upload(admin, "trivsel-klass.csv", data)
        expect(admin.get_by_text(
            f"{NAME}: 4 påståenden i 2 dimensioner, en skala med 4 steg och 1 samtalsämnen.",
            exact=True)).to_be_visible()
        settled(admin)
        admin.get_by_role("button", name="Läs in som utkast").click()
        saved(admin, LOADED)
        with read() as session:
            draft = session.scalars(select(Instrument)).one()
        assert (draft.name, draft.status) == (NAME, InstrumentStatus.DRAFT)
        expect(admin.get_by_role("combobox", name="Instrument")).to_have_value(
            f"{NAME}, version 1 · Utkast")  # the instrument just read in is the one shown
        admin.get_by_role("button", name="Publicera", exact=True).click()
        saved(admin, PUBLISHED)

        staff = open_page(browser, url, "staff_sb", "Skolanknytning", "Skolanknytning")
        open_expander(staff, "Starta en kartläggning av en klass")
        start = staff.get_by_test_id("stForm").filter(
            has=staff.get_by_role("button", name="Starta kartläggningen"))
        expect(start).to_be_visible()
        # The class instrument just published is the one offered (the only one).
        expect(start.get_by_role("combobox", name="Instrument")).to_have_value(
            f"{NAME}, version 1")
        open_list(start.get_by_role("combobox", name="Klass"))
        staff.get_by_role("option", name="NA1A", exact=True).click()
        start.get_by_role("button", name="Starta kartläggningen").click()
        saved(staff, "Kartläggningen är startad.")
        open_expander(staff, "Svar från en elev")
        answer = staff.get_by_test_id("stForm").filter(
            has=staff.get_by_role("button", name="Spara svar och börja nästa"))
        labels = answer.get_by_test_id("stRadio").get_by_test_id("stWidgetLabel")
        # What a person sees above each statement's answers (inner text: as drawn).
        shown = [f"{code}. {seen(text)}" for code, _d, text, _r in STATEMENTS]
        expect(labels).to_have_text(shown, use_inner_text=True)
        settled(staff)
        assert labels.all_inner_texts() == shown  # exactly, spaces included
        # What a screen reader names each statement's answers by: the same words, a line
        # break as a space.
        texts = {code: text for code, _dimension, text, _reversed in STATEMENTS}
        for code in texts:
            group = answer.get_by_role("radiogroup", name=f"{code}. {seen(texts[code])}",
                                       exact=True)
            expect(group.get_by_role("radio")).to_have_count(len(SCALE))
    with read() as session:
        instrument = session.scalars(select(Instrument)).one()
        statements = session.execute(
            select(InstrumentStatement.code, InstrumentStatement.text,
                   InstrumentStatement.reversed)
            .where(InstrumentStatement.instrument_id == instrument.id)
            .order_by(InstrumentStatement.position)).all()
        topics = session.execute(select(InstrumentTopic.title, InstrumentTopic.questions)).all()
    assert (instrument.name, instrument.status, instrument.level) == (
        NAME, InstrumentStatus.PUBLISHED, "class")
    assert (instrument.introduction, instrument.guide) == (INTRODUCTION, "\n\n".join(GUIDE))
    assert [tuple(row) for row in statements] == [
        (code, text, turned) for code, _d, text, turned in STATEMENTS]
    assert [tuple(row) for row in topics] == [(TOPIC, "\n".join(QUESTIONS))]


def test_a_file_with_mistakes_is_refused_row_by_row_and_nothing_is_written(
        app_env, world, read):
    # K1 a second time in the file's 16th row (the first K1 is on row 12), and no scale.
    # Rows count as a spreadsheet shows them: the heading is row 1, and the statement with
    # a line break is one row.
    twice = (*STATEMENTS, ("K1", "REL", "Jag har en vän i klassen.", False))
    data = layout_csv(twice, scale=())
    before = instrument_count(read)
    with served_app(served_env()) as url, chromium() as browser:
        admin = open_page(browser, url, "admin", "Skolanknytning", "Skolanknytning")
        instrument_tab(admin)
        upload(admin, "trivsel-klass.csv", data)
        expect(admin.get_by_text("Filen läses inte in. Rätta följande och försök igen:",
                                 exact=True)).to_be_visible()
        settled(admin)
        messages = admin.get_by_test_id("stText").all_inner_texts()
        assert messages == ["Rad 16: påståendet K1 finns redan på rad 12.",
                            "Filen saknar svarsskala (rader med typ skala)."]
        expect(admin.get_by_role("button", name="Läs in som utkast")).to_have_count(0)
    assert instrument_count(read) == before
