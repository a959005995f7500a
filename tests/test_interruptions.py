"""Study interruptions (lib/interruptions.py): ended on screen or by an enrolment list
without the student, the KAA episode it opens for a young person under 20, undo, and a
new enrolment closing the episode as back in studies."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.codes import InterruptionSource, KaaOccupation
from data_models.models import Enrolment, KaaEpisode, School, Student, StudyInterruption
from lib.access import AccessDenied
from lib.importing.batches import undo_batch
from lib.importing.enrolment import commit_enrolment, preview_enrolment
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from lib.interruptions import (
    age_on,
    birth_date,
    end_enrolment,
    endable_enrolments,
    student_interruptions,
    undo_interruption,
)
from lib.versioning import InputError
from tests import import_files
from tests.factories import personal_number

TODAY = dt.date(2025, 10, 15)


def rows(read, model) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(model))


def enrolment_end(read, world, student: str, school: str) -> dt.date | None:
    with read() as session:
        return session.scalar(select(Enrolment.end_date).where(
            Enrolment.student_id == world[student], Enrolment.school_id == world[school]))


def enrolment_id(read, world, student: str, school: str) -> int:
    with read() as session:
        return session.scalar(select(Enrolment.id).where(
            Enrolment.student_id == world[student], Enrolment.school_id == world[school]))


def test_the_age_rule_reads_the_number_coordination_numbers_too():
    assert birth_date("200510021234") == dt.date(2005, 10, 2)
    assert birth_date("200510621234") == dt.date(2005, 10, 2)  # samordningsnummer: day + 60
    assert age_on("200510621234", dt.date(2025, 10, 1)) == 19
    assert age_on("200510621234", dt.date(2025, 10, 2)) == 20


def test_ending_an_enrolment_on_screen_opens_a_kaa_episode(write, read, world, viewer):
    staff = viewer("staff_sb")
    with write() as session:
        interruption = end_enrolment(session, staff, enrolment_id(read, world, "anna", "SB"),
                                     dt.date(2025, 10, 10), "interrupted", TODAY)
    assert interruption is not None
    assert enrolment_end(read, world, "anna", "SB") == dt.date(2025, 10, 10)
    with read() as session:
        episode = session.scalars(select(KaaEpisode)).one()
    assert (episode.student_id, episode.municipality_id, episode.opened_on,
            episode.occupation) == (world["anna"], world["A"], dt.date(2025, 10, 10),
                                    KaaOccupation.UNKNOWN)
    with write() as session:
        mine = student_interruptions(session, staff, world["anna"])
        coach = student_interruptions(session, viewer("coach_a"), world["anna"])
    assert mine.iloc[0]["interruption_reason"] == "interrupted"
    assert mine.iloc[0]["school"] == "Skola SB" and bool(mine.iloc[0]["undoable"])
    assert not bool(coach.iloc[0]["undoable"])  # only its author undoes it


@pytest.mark.parametrize(("day", "reason", "message"), [
    (dt.date(2025, 8, 17), "interrupted", "före inskrivningens start"),
    (TODAY + dt.timedelta(days=1), "interrupted", "inte har varit än"),
    (None, "interrupted", "sista datumet"),
    (dt.date(2025, 10, 1), "bored", "orsak"),
])
def test_a_bad_interruption_writes_nothing(write, read, world, viewer, day, reason, message):
    with pytest.raises(InputError, match=message), write() as session:
        end_enrolment(session, viewer("staff_sb"), enrolment_id(read, world, "anna", "SB"),
                      day, reason, TODAY)
    assert enrolment_end(read, world, "anna", "SB") is None
    assert rows(read, StudyInterruption) == 0 and rows(read, KaaEpisode) == 0


def test_only_those_who_see_the_enrolment_end_it(write, read, world, viewer):
    anna_sb = enrolment_id(read, world, "anna", "SB")
    for username in ("staff_sc", "coach_c", "leader_north"):
        with pytest.raises(AccessDenied), write() as session:
            end_enrolment(session, viewer(username), anna_sb, dt.date(2025, 10, 1),
                          "moved", TODAY)
    with write() as session:  # staff of SB do not end eva's enrolment at SA
        assert [s for _i, s, _d in endable_enrolments(session, viewer("staff_sb"),
                                                     world["eva"], TODAY)] == ["Skola SB"]
    assert enrolment_end(read, world, "anna", "SB") is None


def test_a_student_who_goes_on_elsewhere_has_no_interruption(write, read, world, viewer):
    with write() as session:  # eva is enrolled at SA and SB
        assert end_enrolment(session, viewer("coach_a"), enrolment_id(read, world, "eva", "SA"),
                             dt.date(2025, 10, 1), "moved", TODAY) is None
    assert enrolment_end(read, world, "eva", "SA") == dt.date(2025, 10, 1)
    assert rows(read, StudyInterruption) == 0


def test_twenty_or_older_is_an_interruption_without_kaa(write, read, world, viewer):
    with write() as session:
        older = Student(personal_number=personal_number("20051062", 990), first_name="Olle",
                        last_name="Testsson", home_municipality_id=world["A"])
        session.add(older)
        session.flush()
        for start in (dt.date(2025, 8, 18),):
            session.add(Enrolment(student_id=older.id, school_id=world["SB"], programme="NA",
                                  school_year=3, start_date=start))
        older_id = older.id
    with write() as session:
        enrolment = session.scalar(select(Enrolment.id).where(Enrolment.student_id == older_id))
        end_enrolment(session, viewer("staff_sb"), enrolment, dt.date(2025, 10, 2), "completed",
                      TODAY)
    assert rows(read, StudyInterruption) == 1 and rows(read, KaaEpisode) == 0


def test_undo_within_24_hours_by_its_author(write, read, world, viewer):
    anna_sb = enrolment_id(read, world, "anna", "SB")
    with write() as session:
        made = end_enrolment(session, viewer("staff_sb"), anna_sb, dt.date(2025, 10, 10),
                             "interrupted", TODAY)
    with pytest.raises(InputError, match="Bara den som markerade"), write() as session:
        undo_interruption(session, viewer("coach_a"), made)
    with read() as session:
        marked = session.get(StudyInterruption, made).created_at
    with pytest.raises(InputError, match="inom 24 timmar"), write() as session:
        undo_interruption(session, viewer("staff_sb"), made,
                          now=marked + dt.timedelta(hours=24, seconds=1))
    with write() as session:
        undo_interruption(session, viewer("staff_sb"), made,
                          now=marked + dt.timedelta(hours=23))
    assert enrolment_end(read, world, "anna", "SB") is None
    assert rows(read, StudyInterruption) == 0 and rows(read, KaaEpisode) == 0


# --- from an enrolment list -------------------------------------------------------------------
def _numbers(read, world, *keys) -> dict[str, str]:
    with read() as session:
        return {key: session.get(Student, world[key]).personal_number for key in keys}


def _list(read, viewer, who: str, students, start=dt.date(2025, 8, 18)):
    table = read_table(import_files.enrolment_list(students), "elever.csv", KNOWN_HEADERS)
    with read() as session:
        return preview_enrolment(session, viewer(who), table,
                                 suggest("enrolment", table.columns), default_start=start)


def test_a_list_without_the_student_ends_the_enrolment_and_opens_kaa(write, read, world,
                                                                      viewer):
    with read() as session:
        unit = session.scalar(select(School.unit_code).where(School.id == world["SB"]))
    numbers = _numbers(read, world, "eva")
    # Alfa's coach lists Alfa's students at SB: eva is there, anna is not.
    # The list takes effect on TODAY's morrow: anna left by TODAY.
    preview = _list(read, viewer, "coach_a",
                    [(numbers["eva"], "Eva", "Testsson", "Alfa", unit, "NA", 1)],
                    start=TODAY + dt.timedelta(days=1))
    ended = preview.changes[preview.changes["enrolment_change"] == "enrolment_ends"]
    assert list(ended["id"]) == [world["anna"]]
    assert any(w.startswith("1 elev som listan inte har") for w in preview.warnings)
    with write() as session:
        batch_id = commit_enrolment(session, viewer("coach_a"), preview)
    assert enrolment_end(read, world, "anna", "SB") == TODAY
    assert enrolment_end(read, world, "bo", "SB") is None  # Beta's student: not the coach's
    with read() as session:
        interruption = session.scalars(select(StudyInterruption)).one()
        episode = session.scalars(select(KaaEpisode)).one()
    assert (interruption.source, interruption.reason, interruption.batch_id) == (
        InterruptionSource.LIST, "unknown", batch_id)
    assert episode.student_id == world["anna"] and episode.opened_on == TODAY

    with write() as session:  # the list's undo takes it all back
        undo_batch(session, viewer("coach_a"), batch_id)
    assert enrolment_end(read, world, "anna", "SB") is None
    assert rows(read, StudyInterruption) == 0 and rows(read, KaaEpisode) == 0


def test_a_new_enrolment_closes_the_episode_as_back_in_studies(write, read, world, viewer):
    with write() as session:
        end_enrolment(session, viewer("staff_sb"), enrolment_id(read, world, "anna", "SB"),
                      dt.date(2025, 10, 10), "interrupted", TODAY)
    with read() as session:
        unit = session.scalar(select(School.unit_code).where(School.id == world["SA"]))
    numbers = _numbers(read, world, "anna", "cleo", "eva")
    preview = _list(read, viewer, "coach_a", [
        (numbers["anna"], "Anna", "Testsson", "Alfa", unit, "NA", 1),
        (numbers["cleo"], "Cleo", "Testsson", "Alfa", unit, "NA", 1),
        (numbers["eva"], "Eva", "Testsson", "Alfa", unit, "NA", 1)],
        start=dt.date(2025, 11, 3))
    with write() as session:
        commit_enrolment(session, viewer("coach_a"), preview)
    with read() as session:
        episode = session.scalars(select(KaaEpisode)).one()
    assert (episode.occupation, episode.occupation_since, episode.closed_on) == (
        KaaOccupation.BACK_IN_STUDIES, dt.date(2025, 11, 3), dt.date(2025, 11, 3))
