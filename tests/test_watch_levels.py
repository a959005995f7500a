"""The watch list's choices say which levels apply: each student is flagged by the levels of
their home municipality, which need not be 15 % and 20 %."""

from sqlalchemy import update

from data_models.models import Municipality
from lib.dashboards import watch_level_labels


def _beta_levels(write, world, watch=0.12, high=0.18) -> None:
    with write() as session:
        session.execute(update(Municipality).where(Municipality.id == world["B"])
                        .values(watch_threshold=watch, high_threshold=high))


def test_one_set_of_levels_is_named(read, world, viewer):
    with read() as session:
        labels = watch_level_labels(session, viewer("coach_a"))
    assert labels == {"watch": "Över bevakningsnivån (15 %)", "high": "Över hög nivå (20 %)"}


def test_a_municipalitys_own_levels_are_the_ones_named(write, read, world, viewer):
    _beta_levels(write, world)
    with read() as session:
        labels = watch_level_labels(session, viewer("coach_a"))  # Alfa keeps 15 and 20
        other = watch_level_labels(session, viewer("admin"))
    assert labels["watch"] == "Över bevakningsnivån (15 %)"
    assert other["watch"] == "Över bevakningsnivån (12–15 %, efter elevens hemkommun)"
    assert other["high"] == "Över hög nivå (18–20 %, efter elevens hemkommun)"


def test_school_staff_see_the_levels_of_their_students_home_municipalities(
        write, read, world, viewer):
    _beta_levels(write, world)
    with read() as session:
        sb = watch_level_labels(session, viewer("staff_sb"))  # anna, eva (Alfa); bo (Beta)
        sc = watch_level_labels(session, viewer("staff_sc"))  # dan (Gamma)
    assert sb["watch"].startswith("Över bevakningsnivån (12–15 %")
    assert sc["watch"] == "Över bevakningsnivån (15 %)"


def test_the_watch_page_labels_its_choices_with_the_levels(app_env, write, world):
    from tests.apptest import login

    _beta_levels(write, world)
    at = login("staff_sb", page="pages/4_Bevakning.py")
    assert not at.exception
    options = at.radio[0].options
    assert "Över hög nivå (18–20 %, efter elevens hemkommun)" in options
    assert not any(option.endswith("(20 %)") for option in options)


def test_the_labels_in_english(write, read, world, viewer):
    from lib.i18n import use_language

    _beta_levels(write, world)
    with use_language("en"), read() as session:
        labels = watch_level_labels(session, viewer("admin"))
    assert labels["watch"] == ("Above the watch level (12–15%, by the student's home "
                               "municipality)")
    assert labels["high"].startswith("Above the high level (18–20%")
