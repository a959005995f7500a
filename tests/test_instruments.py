"""Mapping instruments (lib/instruments.py): loaded as a draft word for word, edited while a
draft, published and then frozen, new versions, who reads what, export in the file layout,
the demo's examples, and the Instrument tab."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from data_models.models import AuditEvent, Instrument, InstrumentStatement
from lib.access import AccessDenied
from lib.instruments import (
    InstrumentFileError,
    StatementDraft,
    export_instrument,
    get_instrument,
    instrument_list,
    load_instrument,
    new_version,
    publish,
    published_choices,
    read_instrument_file,
    retire,
    update_draft,
)
from lib.versioning import Conflict, InputError
from tests.apptest import texts, widget

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "instruments"
CLASS_FILE = EXAMPLES / "exempel-skolanknytning-klass.csv"
OTHERS = ["coach_a", "staff_sb", "leader_north"]


def example(file: Path = CLASS_FILE):
    return read_instrument_file(file.read_bytes(), file.name)


def count(read, model) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def loaded(write, world, viewer) -> int:
    with write() as session:
        return load_instrument(session, viewer("admin"), example())


def published_id(write, viewer, instrument_id: int) -> int:
    with write() as session:
        publish(session, viewer("admin"), instrument_id, 1)
    return instrument_id


def test_a_loaded_instrument_is_stored_word_for_word_as_a_draft(read, loaded, viewer):
    draft = example()
    with read() as session:
        view = get_instrument(session, viewer("admin"), loaded)
    assert (view.status, view.version, view.revision, view.example) == ("draft", 1, 1, True)
    assert view.statements["text"].tolist() == [s.text for s in draft.statements]
    assert view.statements["code"].tolist() == [s.code for s in draft.statements]
    assert view.statements["reversed"].tolist() == [s.reversed for s in draft.statements]
    assert view.scale == list(draft.scale)
    assert [(c, n) for _i, c, n in view.dimensions] == list(draft.dimensions)
    assert [(t, q) for _i, t, q in view.topics] == list(draft.topics)
    assert (view.introduction, view.guide, view.source) == (draft.introduction, draft.guide,
                                                            draft.source)
    with read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "instrument")
                                ).one()
    assert (event.action, event.entity_id, event.details["after"]["statements"]) == (
        "import", loaded, 17)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_reads_back_as_the_same_instrument(read, loaded, viewer, fmt):
    with read() as session:
        data = export_instrument(session, viewer("admin"), loaded, fmt)
    assert read_instrument_file(data, f"instrument.{fmt}") == dataclasses.replace(
        example(), version=1)


def test_publishing_freezes_and_a_change_needs_a_new_version(write, read, loaded, viewer):
    admin = viewer("admin")
    published_id(write, viewer, loaded)
    changed = dataclasses.replace(example(), name="Annat namn")
    with pytest.raises(InputError, match=r"Publicerade instrument ändras inte\. Skapa en ny "
                                         r"version\."), write() as session:
        update_draft(session, admin, loaded, changed, 2)
    with write() as session:
        second = new_version(session, admin, loaded)
    with read() as session:
        copy = get_instrument(session, admin, second)
        first = get_instrument(session, admin, loaded)
    assert (copy.version, copy.status, first.status) == (2, "draft", "published")
    assert copy.statements["text"].tolist() == first.statements["text"].tolist()
    edited = dataclasses.replace(example(), statements=(
        StatementDraft("N1", "INV", "Ett nytt påstående, skrivet på skärmen.", True),))
    with write() as session:
        update_draft(session, admin, second, edited, copy.revision)
        publish(session, admin, second, copy.revision + 1)
    with read() as session:
        assert get_instrument(session, admin, loaded).status == "retired"  # replaced
        now = get_instrument(session, admin, second)
    assert now.statements[["code", "text", "reversed"]].values.tolist() == [
        ["N1", "Ett nytt påstående, skrivet på skärmen.", True]]
    with read() as session:  # the first version keeps its own statements
        assert len(get_instrument(session, admin, loaded).statements) == 17


def test_a_file_for_a_published_name_becomes_its_next_version(write, read, loaded, viewer):
    admin = viewer("admin")
    with pytest.raises(InputError, match="Det finns redan ett utkast"), write() as session:
        load_instrument(session, admin, example())
    published_id(write, viewer, loaded)
    with write() as session:
        again = load_instrument(session, admin, example())
    with read() as session:
        assert get_instrument(session, admin, again).version == 2


def test_a_stale_revision_is_a_conflict_and_changes_nothing(write, read, loaded, viewer):
    admin = viewer("admin")
    with write() as session:
        update_draft(session, admin, loaded, dataclasses.replace(example(), guide="Ny."), 1)
    with pytest.raises(Conflict), write() as session:
        update_draft(session, admin, loaded, dataclasses.replace(example(), guide="Gammal."), 1)
    with pytest.raises(Conflict), write() as session:
        publish(session, admin, loaded, 1)
    with read() as session:
        view = get_instrument(session, admin, loaded)
    assert (view.guide, view.status, view.revision) == ("Ny.", "draft", 2)


def test_a_bad_draft_edit_is_refused_with_every_problem_and_writes_nothing(
        write, read, loaded, viewer):
    bad = dataclasses.replace(example(), scale=((1, "Ja"),), statements=(
        StatementDraft("Q1", "NOPE", "Text."), StatementDraft("Q1", "INV", "")))
    with pytest.raises(InstrumentFileError) as caught, write() as session:
        update_draft(session, viewer("admin"), loaded, bad, 1)
    assert len(caught.value.messages) == 4, caught.value.messages
    assert count(read, InstrumentStatement) == 17


@pytest.mark.parametrize("user", OTHERS)
def test_only_an_administrator_changes_instruments(write, read, loaded, viewer, user):
    someone = viewer(user)
    for change in (lambda s: load_instrument(s, someone, example()),
                   lambda s: publish(s, someone, loaded, 1),
                   lambda s: retire(s, someone, loaded, 1),
                   lambda s: new_version(s, someone, loaded),
                   lambda s: update_draft(s, someone, loaded, example(), 1)):
        with pytest.raises(AccessDenied), write() as session:
            change(session)
    assert count(read, Instrument) == 1


@pytest.mark.parametrize("user", OTHERS)
def test_a_draft_is_missing_to_everyone_but_administrators(write, read, loaded, viewer, user):
    someone = viewer(user)

    def answer(instrument_id):
        with read() as session:
            try:
                return get_instrument(session, someone, instrument_id).name
            except InputError as error:
                return str(error)

    assert answer(loaded) == answer(987_654) == "Instrumentet finns inte."
    with read() as session:
        assert instrument_list(session, someone).empty
        assert len(instrument_list(session, viewer("admin"))) == 1
        assert published_choices(session, someone, "class") == {}
    published_id(write, viewer, loaded)
    assert answer(loaded) == "Skolanknytning i klassen (exempel)"
    with read() as session:
        assert instrument_list(session, someone)["id"].tolist() == [loaded]
        assert export_instrument(session, someone, loaded, "csv").startswith(b"\xef\xbb\xbf")


def test_choices_are_the_published_ones_of_the_level_with_the_example_marked(
        write, read, world, viewer):
    admin = viewer("admin")
    with write() as session:
        ids = {level: load_instrument(session, admin, example(EXAMPLES / f"exempel-"
                                                              f"skolanknytning-{name}.csv"))
               for level, name in (("class", "klass"), ("individual", "elev"))}
        plain = load_instrument(session, admin, dataclasses.replace(
            example(), name="Kommunens material", example=False))
        for instrument_id in (*ids.values(), plain):
            publish(session, admin, instrument_id, 1)
    with read() as session:
        assert published_choices(session, viewer("staff_sb"), "class") == {
            plain: "Kommunens material, version 1",
            ids["class"]: "Skolanknytning i klassen (exempel), version 1 (exempel)"}
        assert list(published_choices(session, admin, "individual")) == [ids["individual"]]
    with write() as session:
        retire(session, admin, plain, 2)
    with read() as session:
        assert plain not in published_choices(session, admin, "class")
        assert get_instrument(session, viewer("coach_a"), plain).status == "retired"


def test_the_demo_publishes_both_examples_word_for_word(db_url, tmp_path):
    from data_models.engine import make_engine, unit_of_work
    from lib.demo import DemoSpec, seed_demo

    engine = make_engine(db_url)
    with unit_of_work(engine, write=True) as session:
        counts = seed_demo(session, DemoSpec(students=60, terms=1, bcrypt_rounds=4))
    with unit_of_work(engine) as session:
        ids = dict(session.execute(select(Instrument.level, Instrument.id)).all())
        stored = {level: session.scalars(
            select(InstrumentStatement.text).where(InstrumentStatement.instrument_id == id_)
            .order_by(InstrumentStatement.position)).all() for level, id_ in ids.items()}
        statuses = session.scalars(select(Instrument.status).order_by(Instrument.id)).all()
    engine.dispose()
    for level, name in (("class", "klass"), ("individual", "elev")):
        text = (EXAMPLES / f"exempel-skolanknytning-{name}.csv").read_text("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        assert stored[level] == [r["text"] for r in rows if r["typ"] == "påstående"]
    assert statuses == ["published", "published"] and counts["instruments"] == 2


# --- The Instrument tab -----------------------------------------------------------------------

def tab_script(username: str) -> None:
    from sqlalchemy import select

    from data_models.models import User
    from lib.access import load_viewer
    from lib.db import session_scope
    from lib.ui.instruments import instruments_tab

    with session_scope() as session:
        viewer = load_viewer(session, session.scalar(select(User).where(
            User.username == username)))
    instruments_tab(viewer)


def run_tab(username: str) -> AppTest:
    return AppTest.from_function(tab_script, args=(username,), default_timeout=60).run()


def shown(at: AppTest) -> str:
    return texts(at)


def test_the_tab_shows_a_published_instrument_and_marks_the_example(app_env, write, loaded,
                                                                    viewer):
    at = run_tab("staff_sb")
    assert not at.exception and "Det finns inga publicerade instrument ännu." in shown(at)
    published_id(write, viewer, loaded)
    at = run_tab("staff_sb")
    assert not at.exception
    page = shown(at)
    assert "Exempel – skrivet av projektet, inte källmaterialets text" in page
    assert "Vad i resultatet överraskar er?" in page  # the conversation guide
    assert "Jag ger upp snabbt när en uppgift känns svår." in page  # a statement, as written
    assert "Publicera" not in [b.label for b in at.button]
    assert not at.expander  # no upload, no editing


def test_an_administrator_edits_and_publishes_a_draft_in_the_tab(app_env, read, loaded,
                                                                 viewer):
    at = run_tab("admin")
    assert not at.exception
    guide = "Steg 1. Ett nytt steg.\n\nSteg 2. Ett till."
    widget(at.text_area, "Steg för steg (lathund)").input(guide)
    widget(at.button, "Spara utkastet").click()
    at.run()
    assert not at.exception, at.exception
    with read() as session:
        view = get_instrument(session, viewer("admin"), loaded)
    assert (view.guide, view.revision) == (guide, 2)
    assert len(view.statements) == 17  # the tables went back unchanged
    widget(at.button, "Publicera").click()
    at.run()
    with read() as session:
        assert get_instrument(session, viewer("admin"), loaded).status == "published"
    assert "Instrumentet är publicerat." in shown(at)


def test_an_administrator_makes_a_new_version_of_a_published_one_in_the_tab(
        app_env, write, read, loaded, viewer):
    published_id(write, viewer, loaded)
    at = run_tab("admin")
    widget(at.button, "Skapa en ny version").click()
    at.run()
    assert not at.exception
    assert "En ny version är skapad som utkast." in shown(at)
    with read() as session:
        versions = instrument_list(session, viewer("admin"))
    assert versions[["instrument_version", "instrument_status"]].values.tolist() == [
        [1, "published"], [2, "draft"]]
    assert at.selectbox[0].value == versions["id"].iloc[-1]  # the new draft is opened
