"""An enrolment list stays in the importer's scope: it cannot take over another
municipality's student, lists every change to an existing student before writing, and
records a move out as a hand-over both coaches see. Saved column mappings are kept per
municipality."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.codes import RowProblem
from data_models.models import (
    Enrolment,
    ImportChange,
    ImportMapping,
    Role,
    Student,
    StudentMove,
    User,
    UserScope,
)
from lib.access import AccessDenied, Viewer, load_viewer, require_student
from lib.clock import utcnow
from lib.importing.batches import find_saved_mapping, save_mapping, undo_batch
from lib.importing.checks import CHANGE_COLUMNS, REGISTERED_ELSEWHERE
from lib.importing.enrolment import STALE, commit_enrolment, list_moves, preview_enrolment
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, Mapping, suggest
from lib.labels import word
from lib.versioning import InputError
from tests import import_files
from tests.factories import personal_number

ANNA = personal_number("20080101", 980)  # Alfa, at SB
CLEO = personal_number("20080303", 984)  # Alfa, at SA
DAN = personal_number("20080404", 986)  # Gamma, at SC
EVA = personal_number("20080505", 988)  # Alfa, protected identity, at SA and SB
NEW = personal_number("20090606", 990)
START = dt.date(2025, 11, 3)


def add_coach(write, read, world, username: str, *municipalities: str) -> Viewer:
    """A coach the hand-built world lacks (it has one for Alfa and one for Gamma)."""
    with write() as session:
        user = User(username=username, display_name=username.title(), role=Role.COACH.value,
                    password_hash="-", active=True, credentials_changed_at=utcnow(),
                    created_at=utcnow())
        user.scopes = [UserScope(municipality_id=world[m]) for m in municipalities]
        session.add(user)
        session.flush()
        user_id = user.id
    with read() as session:
        return load_viewer(session, session.get(User, user_id))


@pytest.fixture
def coach_b(write, read, world) -> Viewer:
    return add_coach(write, read, world, "coach_b", "B")


def preview(read, who: Viewer, students: list[tuple]):
    table = read_table(import_files.enrolment_list(students), "elever.csv", KNOWN_HEADERS)
    with read() as session:
        return preview_enrolment(session, who, table, suggest("enrolment", table.columns),
                                 default_start=START)


def read_in(write, read, who: Viewer, students: list[tuple]) -> int:
    checked = preview(read, who, students)
    assert checked.errors.empty, checked.errors
    with write() as session:
        return commit_enrolment(session, who, checked)


def registration(read, student_id: int) -> tuple:
    """Everything the import may write about one student."""
    with read() as session:
        student = session.get(Student, student_id)
        enrolments = sorted(tuple(e) for e in session.execute(
            select(Enrolment.id, Enrolment.school_id, Enrolment.programme,
                   Enrolment.school_year, Enrolment.start_date, Enrolment.end_date)
            .where(Enrolment.student_id == student_id)))
        changed = session.scalar(select(func.count()).select_from(ImportChange).where(
            ImportChange.table_name == "student", ImportChange.row_id == student_id))
        moves = session.scalar(select(func.count()).select_from(StudentMove).where(
            StudentMove.student_id == student_id))
        return ((student.first_name, student.last_name, student.home_municipality_id),
                enrolments, changed, moves)


def sees(read, who: Viewer, student_id: int) -> bool:
    with read() as session:
        try:
            require_student(session, who, student_id)
        except AccessDenied:
            return False
        return True


def moves_seen(read, who: Viewer) -> list[tuple[str, str, str]]:
    with read() as session:
        shown = list_moves(session, who)
    return list(zip(shown["student"], shown["from_municipality"], shown["to_municipality"],
                    strict=True))


# --- Another municipality's student -----------------------------------------------------------

def test_a_list_naming_another_municipalitys_student_is_a_row_error(read, world, coach_b):
    checked = preview(read, coach_b, [(ANNA, "Anna", "Testsson", "Beta", "90020001", "NA", 1)])
    assert checked.errors.to_dict("records") == [
        {"row": 2, "row_problem": REGISTERED_ELSEWHERE, "cell_value": "****" + ANNA[-4:]}]
    assert word(RowProblem, REGISTERED_ELSEWHERE) == (
        "Eleven är registrerad i en annan kommun. En flytt görs av systemförvaltaren eller "
        "den kommunen.")
    assert checked.valid.empty and checked.changes.empty


def test_nothing_about_the_other_municipalitys_student_is_written(write, read, world,
                                                                   viewer, coach_b):
    before = registration(read, world["anna"])
    batch_id = read_in_with_errors(write, read, coach_b, [
        (ANNA, "Anna", "Tagen", "Beta", "90020001", "NA", 1),
        (NEW, "Nora", "Ny", "Beta", "90020001", "NA", 1)])
    assert batch_id
    assert registration(read, world["anna"]) == before
    with read() as session:
        open_at_sb = session.scalar(select(Enrolment.id).where(
            Enrolment.student_id == world["anna"], Enrolment.school_id == world["SB"],
            Enrolment.end_date.is_(None)))
    assert open_at_sb is not None
    assert sees(read, viewer("coach_a"), world["anna"])
    assert not sees(read, coach_b, world["anna"])


def read_in_with_errors(write, read, who, students) -> int:
    checked = preview(read, who, students)
    assert checked.counts == {REGISTERED_ELSEWHERE: 1} and len(checked.valid) == 1
    with write() as session:
        return commit_enrolment(session, who, checked)


def test_the_preview_says_nothing_more_about_a_student_registered_elsewhere(read, world,
                                                                            coach_b):
    """Whoever the student is, wherever registered and whatever the list says of them, the
    preview is the same but for the masked number the importer typed."""
    def outputs(number, first, home, school):
        checked = preview(read, coach_b, [(number, first, "Testsson", home, school, "NA", 1)])
        shown = checked.errors.assign(cell_value=checked.errors["cell_value"].str.replace(
            number[-4:], "NNNN"))
        return (shown.to_dict("records"), checked.counts, checked.summary,
                checked.changes.to_dict("records"), len(checked.valid))
    anna = outputs(ANNA, "Anna", "Beta", "90020001")
    assert outputs(DAN, "Dan", "Beta", "90020001") == anna  # another region's student
    assert outputs(ANNA, "Fel", "Beta", "90010001") == anna  # wrong name, other school
    assert outputs(EVA, "Eva", "Beta", "90020001") == anna  # a protected identity


def test_a_student_registered_elsewhere_after_the_check_stops_the_commit(write, read, world,
                                                                          coach_b):
    checked = preview(read, coach_b, [(NEW, "Nora", "Ny", "Beta", "90020001", "NA", 1)])
    assert checked.errors.empty
    with write() as session:  # meanwhile Alfa registers the same person
        session.add(Student(personal_number=NEW, first_name="Nora", last_name="Ny",
                            home_municipality_id=world["A"]))
    with read() as session:
        nora = session.scalar(select(Student.id).where(Student.personal_number == NEW))
    before = registration(read, nora)
    with write() as session, pytest.raises(InputError, match=STALE):
        commit_enrolment(session, coach_b, checked)
    assert registration(read, nora) == before


# --- The change list --------------------------------------------------------------------------

def changes_of(checked, student_id: int) -> list[tuple[str, str, str]]:
    rows = checked.changes[checked.changes["id"] == student_id]
    return list(zip(rows["enrolment_change"], rows["changed_from"], rows["changed_to"],
                    strict=True))


def test_the_preview_lists_a_rename_a_move_and_an_ended_enrolment(read, world, viewer):
    checked = preview(read, viewer("coach_a"), [
        (ANNA, "Anna", "Flyttad", "Beta", "90010001", "EK", 2),
        (NEW, "Nora", "Ny", "Alfa", "90010001", "NA", 1)])
    assert list(checked.changes.columns) == CHANGE_COLUMNS
    assert changes_of(checked, world["anna"]) == [
        ("name", "Anna Testsson", "Anna Flyttad"),
        ("home_municipality", "Alfa", "Beta"),
        ("enrolment_ends", "Skola SB, NA åk 1", "slutar 2025-11-02"),
        ("new_enrolment", "", "Skola SA, EK åk 2 från 2025-11-03")]
    # Nora is new: not a change. Cleo and eva, Alfa's students at SA, are not on the list:
    # their enrolments there end the day before the list takes effect.
    assert set(checked.changes["student"]) == {
        "Anna Testsson", "Cleo Testsson", f"Skyddad identitet (elev {world['eva']})"}
    assert changes_of(checked, world["cleo"]) == [
        ("enrolment_ends", "Skola SA, NA åk 1", "slutar 2025-11-02")]
    assert checked.summary.changed_students == 3


def test_the_preview_lists_programme_year_and_class(read, world, viewer):
    checked = preview(read, viewer("coach_a"), [
        (CLEO, "Cleo", "Testsson", "Alfa", "90010001", "SA", 3)])
    assert changes_of(checked, world["cleo"]) == [
        ("programme", "NA", "SA"), ("school_year", "1", "3"), ("class_name", "NA1A", "SA3A")]


def test_an_unchanged_student_is_not_listed(read, world, viewer):
    checked = preview(read, viewer("coach_a"), [
        (CLEO, "Cleo", "Testsson", "Alfa", "90010001", "NA", 1),
        (EVA, "Eva", "Testsson", "Alfa", "90010001", "NA", 1)])
    assert checked.errors.empty and checked.changes.empty


def test_a_protected_identitys_name_is_never_listed(read, world, viewer):
    checked = preview(read, viewer("coach_a"), [
        (EVA, "Eva", "Nyname", "Alfa", "90010001", "NA", 1)])
    assert changes_of(checked, world["eva"]) == [
        ("name", "Skyddad identitet", "Skyddad identitet")]
    shown = checked.changes.to_string()
    assert "Eva" not in shown and "Nyname" not in shown and EVA[:8] not in shown


def test_the_commit_does_what_the_preview_listed(write, read, world, viewer):
    checked = preview(read, viewer("coach_a"), [
        (ANNA, "Anna", "Flyttad", "Beta", "90010001", "EK", 2)])
    with write() as session:
        commit_enrolment(session, viewer("coach_a"), checked)
    names, enrolments, _, moves = registration(read, world["anna"])
    assert names == ("Anna", "Flyttad", world["B"]) and moves == 1
    assert [e[1:] for e in enrolments] == [
        (world["SB"], "NA", 1, dt.date(2025, 8, 18), dt.date(2025, 11, 2)),
        (world["SA"], "EK", 2, START, None)]


def test_a_preview_that_no_longer_matches_writes_nothing(write, read, world, viewer):
    checked = preview(read, viewer("coach_a"), [
        (CLEO, "Cleo", "Testsson", "Alfa", "90010001", "SA", 3)])
    with write() as session:  # someone else changes Cleo's year first
        session.execute(Enrolment.__table__.update()
                        .where(Enrolment.student_id == world["cleo"]).values(school_year=2))
    before = registration(read, world["cleo"])
    with write() as session, pytest.raises(InputError, match=STALE):
        commit_enrolment(session, viewer("coach_a"), checked)
    assert registration(read, world["cleo"]) == before


# --- Moves ------------------------------------------------------------------------------------

def test_a_coach_moves_their_student_out_and_both_coaches_see_it(write, read, world, viewer,
                                                                  coach_b):
    batch_id = read_in(write, read, viewer("coach_a"), [
        (ANNA, "Anna", "Testsson", "Beta", "90020001", "NA", 1)])
    with read() as session:
        move = session.scalars(select(StudentMove)).one()
        assert (move.student_id, move.from_municipality_id, move.to_municipality_id,
                move.batch_id, move.user_id) == (world["anna"], world["A"], world["B"],
                                                 batch_id, world["user:coach_a"])
    assert moves_seen(read, viewer("coach_a")) == [("Anna Testsson", "Alfa", "Beta")]
    assert moves_seen(read, coach_b) == [("Anna Testsson", "Alfa", "Beta")]
    assert moves_seen(read, viewer("coach_c")) == []
    assert sees(read, coach_b, world["anna"])
    assert not sees(read, viewer("coach_a"), world["anna"])


def test_an_admin_can_move_anyone(write, read, world, viewer, coach_b):
    read_in(write, read, viewer("admin"), [(DAN, "Dan", "Testsson", "Alfa", "90030001",
                                            "NA", 1)])
    assert moves_seen(read, viewer("admin")) == [("Dan Testsson", "Gamma", "Alfa")]
    assert moves_seen(read, viewer("coach_c")) == [("Dan Testsson", "Gamma", "Alfa")]
    assert moves_seen(read, coach_b) == []
    assert sees(read, viewer("coach_a"), world["dan"])


def test_a_moved_protected_identity_is_listed_without_a_name(write, read, world, viewer):
    read_in(write, read, viewer("coach_a"), [(EVA, "Eva", "Testsson", "Beta", "90010001",
                                              "NA", 1)])
    assert moves_seen(read, viewer("coach_a")) == [
        (f"Skyddad identitet (elev {world['eva']})", "Alfa", "Beta")]


def test_undo_puts_the_student_back_and_removes_the_move(write, read, world, viewer,
                                                         coach_b):
    before = registration(read, world["anna"])
    batch_id = read_in(write, read, viewer("coach_a"), [
        (ANNA, "Anna", "Testsson", "Beta", "90020001", "NA", 1)])
    with write() as session:
        undo_batch(session, viewer("coach_a"), batch_id)
    assert registration(read, world["anna"]) == before
    assert moves_seen(read, viewer("coach_a")) == [] and moves_seen(read, coach_b) == []
    assert sees(read, viewer("coach_a"), world["anna"])


def test_moves_are_for_importers_only(read, world, viewer):
    for user in ("staff_sb", "leader_north"):
        with read() as session, pytest.raises(AccessDenied):
            list_moves(session, viewer(user))


# --- Saved mappings per municipality ----------------------------------------------------------

def mapping(column: str) -> Mapping:
    return Mapping("absence", {"personal_number": (column,), "scheduled": ("Tid",)})


def saved(read, who: Viewer, school_id: int) -> Mapping | None:
    with read() as session:
        return find_saved_mapping(session, who, school_id, "absence")


def test_another_municipalitys_coach_does_not_change_a_coachs_mapping(write, read, world,
                                                                      viewer, coach_b):
    with write() as session:
        save_mapping(session, viewer("coach_a"), world["SB"], mapping("Pnr A"))
    with write() as session:
        save_mapping(session, coach_b, world["SB"], mapping("Pnr B"))
    assert saved(read, viewer("coach_a"), world["SB"]) == mapping("Pnr A")
    assert saved(read, coach_b, world["SB"]) == mapping("Pnr B")
    assert saved(read, viewer("admin"), world["SB"]) is None


def test_a_coach_falls_back_to_the_administrators_mapping(write, read, world, viewer):
    with write() as session:
        save_mapping(session, viewer("admin"), world["SC"], mapping("Pnr admin"))
    assert saved(read, viewer("coach_c"), world["SC"]) == mapping("Pnr admin")
    with write() as session:
        save_mapping(session, viewer("coach_c"), world["SC"], mapping("Pnr C"))
    assert saved(read, viewer("coach_c"), world["SC"]) == mapping("Pnr C")
    assert saved(read, viewer("admin"), world["SC"]) == mapping("Pnr admin")


def test_a_coach_may_not_save_a_mapping_for_a_school_outside_their_scope(write, read, world,
                                                                         viewer):
    with write() as session, pytest.raises(AccessDenied):
        save_mapping(session, viewer("coach_c"), world["SA"], mapping("Pnr"))
    with read() as session:
        assert session.scalar(select(func.count()).select_from(ImportMapping)) == 0


def test_a_coach_of_two_municipalities_saves_for_both(write, read, world, coach_b):
    both = add_coach(write, read, world, "coach_ab", "A", "B")
    with write() as session:
        save_mapping(session, both, world["SB"], mapping("Pnr AB"))
    assert saved(read, coach_b, world["SB"]) == mapping("Pnr AB")
    with read() as session:
        owners = set(session.scalars(select(ImportMapping.municipality_id)))
    assert owners == {world["A"], world["B"]}
