"""Which schools a viewer works with, answered in one place (lib.organisation); the
administrator's tables of the organisation."""

import pytest

from lib import organisation
from lib.access import AccessDenied


def test_a_coach_works_with_the_schools_of_the_municipalitys_students(read, world, viewer):
    with read() as session:
        coach = organisation.schools_in_scope(session, viewer("coach_a"))
        staff = organisation.schools_in_scope(session, viewer("staff_sb"))
    # Alfa's students go to SA and SB; nobody from Alfa attends SC.
    assert [name for _, name in coach] == ["Skola SA", "Skola SB"]
    assert staff == [(world["SB"], "Skola SB")]


def test_schools_with_the_viewers_students_this_term_and_how_many(read, world, viewer):
    with read() as session:
        coach_a = organisation.schools_with_students(session, viewer("coach_a"),
                                                     world["HT2025"])
        coach_c = organisation.schools_with_students(session, viewer("coach_c"),
                                                     world["HT2025"])
    # Alfa's students: cleo and eva at SA, anna and eva at SB; none at SC.
    assert coach_a == [(world["SA"], "Skola SA", 2), (world["SB"], "Skola SB", 2)]
    assert coach_c == [(world["SC"], "Skola SC", 1)]


def test_a_project_leader_picks_no_school(read, world, viewer):
    with read() as session, pytest.raises(AccessDenied):
        organisation.schools_in_scope(session, viewer("leader_north"))


@pytest.mark.parametrize("table", [organisation.region_table, organisation.municipality_table,
                                   organisation.school_table, organisation.term_table])
def test_the_organisation_tables_are_the_administrators(read, world, viewer, table):
    with read() as session:
        assert not table(session, viewer("admin")).empty
        with pytest.raises(AccessDenied):
            table(session, viewer("coach_a"))


def test_the_school_table_names_each_schools_municipality(read, world, viewer):
    with read() as session:
        table = organisation.school_table(session, viewer("admin"))
    assert dict(zip(table["school"], table["municipality"], strict=True)) == {
        "Skola SA": "Alfa", "Skola SB": "Beta", "Skola SC": "Gamma"}
