"""The access matrix: each role × each service × data in and out of scope (see
tests/factories.py for the world and its known figures)."""

import datetime as dt

import pytest

from lib import admin, organisation
from lib.access import AccessDenied
from lib.audit import list_events
from lib.overview import municipality_overview, scope_overview
from lib.students import get_student, list_students, search_students

INDIVIDUAL = ["admin", "coach_a", "coach_c", "staff_sb", "staff_sc"]
LEADERS = ["leader_north", "leader_south"]


@pytest.mark.parametrize(("user", "students", "watch", "high"), [
    ("admin", 5, 3, 2),
    ("coach_a", 3, 1, 1),  # anna, cleo, eva — wherever they study
    ("coach_c", 1, 1, 1),  # dan
    ("staff_sb", 3, 2, 1),  # anna, bo and eva's absence at SB
    ("staff_sc", 1, 1, 1),
])
def test_scope_overview_counts_only_the_viewers_students(read, world, viewer, user, students,
                                                         watch, high):
    with read() as session:
        result = scope_overview(session, viewer(user), world["HT2025"])
    assert (result.students, result.over_watch, result.over_high) == (students, watch, high)


def test_scope_overview_per_school_for_coach(read, world, viewer):
    with read() as session:
        table = scope_overview(session, viewer("coach_a"), world["HT2025"]).per_school
    rows = {r["school"]: (r["students"], r["over_high"]) for _, r in table.iterrows()}
    assert rows == {"Skola SB": (2, 1), "Skola SA": (2, 0)}


@pytest.mark.parametrize("user", LEADERS)
def test_project_leaders_never_get_individual_services(read, world, viewer, user):
    with read() as session:
        for call in (lambda: scope_overview(session, viewer(user), world["HT2025"]),
                     lambda: list_students(session, viewer(user), world["HT2025"]),
                     lambda: get_student(session, viewer(user), world["anna"]),
                     lambda: search_students(session, viewer(user))):
            with pytest.raises(AccessDenied):
                call()


@pytest.mark.parametrize(("user", "expected"), [
    ("admin", {"anna", "bo", "cleo", "dan", "eva"}),
    ("coach_a", {"anna", "cleo", "eva"}),
    ("coach_c", {"dan"}),
    ("staff_sb", {"anna", "bo", "eva"}),
    ("staff_sc", {"dan"}),
])
def test_list_students_is_filtered_in_the_query(read, world, viewer, user, expected):
    with read() as session:
        table = list_students(session, viewer(user), world["HT2025"])
    assert set(table["id"]) == {world[name] for name in expected}


def test_list_students_masks_numbers_and_protected_names(read, world, viewer):
    with read() as session:
        table = list_students(session, viewer("coach_a"), world["HT2025"])
    assert all(number.endswith("-****") for number in table["personal_number"])
    eva = table[table["id"] == world["eva"]].iloc[0]
    assert "Eva" not in eva["student"] and eva["personal_number"] == "********-****"
    assert table.iloc[0]["id"] == world["anna"]  # highest absence first
    assert table.iloc[0]["absence"] == pytest.approx(0.25)
    assert table.iloc[0]["invalid"] == pytest.approx(0.15)


@pytest.mark.parametrize(("user", "allowed", "denied"), [
    ("admin", ["anna", "bo", "dan"], []),
    ("coach_a", ["anna", "cleo", "eva"], ["bo", "dan"]),
    ("coach_c", ["dan"], ["anna", "bo", "cleo"]),
    ("staff_sb", ["anna", "bo", "eva"], ["cleo", "dan"]),
    ("staff_sc", ["dan"], ["anna", "bo"]),
])
def test_get_student_in_and_out_of_scope(write, world, viewer, user, allowed, denied):
    with write() as session:
        for name in allowed:
            assert get_student(session, viewer(user), world[name]).id == world[name]
        for name in denied:
            with pytest.raises(AccessDenied, match="behörighet"):
                get_student(session, viewer(user), world[name])


def test_school_staff_see_only_absence_recorded_at_their_school(write, world, viewer):
    with write() as session:
        staff = get_student(session, viewer("staff_sb"), world["eva"]).terms.iloc[0]
        coach = get_student(session, viewer("coach_a"), world["eva"]).terms.iloc[0]
    assert staff["scheduled_hours"] == pytest.approx(1000 / 60, abs=0.05)
    assert coach["scheduled_hours"] == pytest.approx(2000 / 60, abs=0.05)


def test_viewing_a_student_is_audited_without_the_personal_number(write, read, world, viewer):
    with write() as session:
        get_student(session, viewer("coach_a"), world["anna"])
    with read() as session:
        log = list_events(session, viewer("admin"), student_id=world["anna"])
    assert list(log["action"]) == ["view_student"]
    assert list(log["user"]) == ["coach_a"]
    assert "9803" not in log.to_string()  # anna's serial and check digit


def test_an_out_of_scope_attempt_is_logged_as_refused_not_as_a_view(write, read, world,
                                                                      viewer):
    with pytest.raises(AccessDenied), write() as session:
        get_student(session, viewer("coach_c"), world["anna"])
    with read() as session:
        log = list_events(session, viewer("admin"), student_id=world["anna"])
    assert list(log["action"]) == ["refused"] and list(log["user"]) == ["coach_c"]


def test_a_view_is_logged_without_holding_the_write_lock(engine, read, world, viewer):
    """A page's reads run in a read transaction; the view is written as it ends."""
    from data_models.engine import unit_of_work

    with unit_of_work(engine) as session:
        get_student(session, viewer("coach_a"), world["anna"])
        with read() as other:  # nothing is written while the read is open
            assert list_events(other, viewer("admin"), student_id=world["anna"]).empty
    with read() as session:
        log = list_events(session, viewer("admin"), student_id=world["anna"])
    assert list(log["action"]) == ["view_student"]


@pytest.mark.parametrize(("ended", "visible"), [
    (None, True),  # still enrolled
    (dt.date(2025, 3, 1), True),  # ended in the term before the current one
    (dt.date(2024, 12, 1), False),  # ended before that
])
def test_school_staff_see_former_students_for_one_term(write, read, world, viewer, ended,
                                                        visible):
    _end_enrolment(write, world, "bo", ended)
    with read() as session:
        found = {i for i, _ in search_students(session, viewer("staff_sb"))}
    assert (world["bo"] in found) is visible


def test_a_former_student_on_an_open_agenda_stays_visible_until_approval(write, read, world,
                                                                         viewer):
    from lib.meetings import plan_meeting, set_status

    with write() as session:
        meeting_id = plan_meeting(session, viewer("staff_sb"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["B"],
                                  date=dt.date(2025, 10, 1))
    _end_enrolment(write, world, "bo", dt.date(2024, 12, 1))
    with read() as session:
        assert world["bo"] in {i for i, _ in search_students(session, viewer("staff_sb"))}
    with write() as session:
        set_status(session, viewer("staff_sb"), meeting_id, 1, "held")
        set_status(session, viewer("staff_sb"), meeting_id, 2, "approved")
    with read() as session:
        assert world["bo"] not in {i for i, _ in search_students(session, viewer("staff_sb"))}


def _end_enrolment(write, world, student: str, ended) -> None:
    """Set the student's enrolment dates; the current term (the latest begun) is HT2025."""
    from sqlalchemy import update

    from data_models.models import Enrolment

    with write() as session:
        session.execute(update(Enrolment).where(Enrolment.student_id == world[student])
                        .values(start_date=dt.date(2024, 8, 1), end_date=ended))


def test_search_never_matches_protected_names(read, world, viewer):
    with read() as session:
        everyone = search_students(session, viewer("coach_a"))
        by_name = search_students(session, viewer("coach_a"), "eva")
        other = search_students(session, viewer("coach_a"), "bo")
    assert {i for i, _ in everyone} == {world["anna"], world["cleo"], world["eva"]}
    assert by_name == [] and other == []


@pytest.mark.parametrize(("user", "expected"), [
    ("admin", {"Alfa", "Beta", "Gamma"}),
    ("leader_north", {"Alfa", "Beta"}),
    ("leader_south", {"Gamma"}),
    ("coach_a", {"Alfa"}),
])
def test_municipality_overview_by_region_scope(read, world, viewer, user, expected):
    with read() as session:
        table = municipality_overview(session, viewer(user), world["HT2025"])
    assert set(table["municipality"]) == expected


def test_municipality_overview_suppresses_small_cells(read, world, viewer):
    with read() as session:
        table = municipality_overview(session, viewer("leader_north"), world["HT2025"])
    assert table["share_20"].isna().all() and table["students"].isna().all()


@pytest.mark.parametrize("user", ["staff_sb", "staff_sc"])
def test_school_staff_get_no_municipality_aggregates(read, world, viewer, user):
    with read() as session, pytest.raises(AccessDenied):
        municipality_overview(session, viewer(user), world["HT2025"])


ADMIN_CALLS = [
    lambda s, v, w: admin.list_users(s, v),
    lambda s, v, w: organisation.region_table(s, v),
    lambda s, v, w: organisation.municipality_table(s, v),
    lambda s, v, w: organisation.school_table(s, v),
    lambda s, v, w: organisation.term_table(s, v),
    lambda s, v, w: admin.create_region(s, v, "Ny"),
    lambda s, v, w: admin.reset_password(s, v, w["user:coach_a"], "Ett-nytt-lösenord-1"),
    lambda s, v, w: list_events(s, v),
]


@pytest.mark.parametrize("user", [*INDIVIDUAL[1:], *LEADERS])
def test_admin_services_refuse_everyone_else(write, world, viewer, user):
    with write() as session:
        for call in ADMIN_CALLS:
            with pytest.raises(AccessDenied):
                call(session, viewer(user), world)


def test_listing_students_is_audited_once_per_list(write, read, world, viewer):
    with write() as session:
        list_students(session, viewer("coach_a"), world["HT2025"], flagged_only=True)
    with read() as session:
        log = list_events(session, viewer("admin"), username="coach_a")
    assert list(log["action"]) == ["view_student_list"]
    assert log.iloc[0]["note"] == "1 elever över 15 %"
