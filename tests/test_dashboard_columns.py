"""The dashboards, student and region services speak the contract (lib.columns): every
column of their tables is a machine column or a row identifier, and a code column holds
only its set's codes, never a word."""

import pandas as pd
import pytest

from data_models.codes import Flag, Trend
from lib import columns, organisation
from lib.codes import EffectGroup
from lib.dashboards import school_page, watch_list
from lib.indicators import region_indicators
from lib.measure_effects import effect_of_measures
from lib.overview import municipality_overview, scope_overview
from lib.student_absence import student_absence
from lib.students import get_student, list_students


def assert_machine(table: pd.DataFrame) -> None:
    unknown = [c for c in table.columns if c not in columns.COLUMNS and c not in columns.HIDDEN]
    assert unknown == []
    for name in table.columns:
        known = columns.column(name)
        if known is not None and known.codes is not None:
            assert set(table[name]) <= set(known.codes), name


def test_student_lists_hold_codes(read, world, viewer):
    with read() as session:
        coach = viewer("coach_a")
        tables = [list_students(session, coach, world["HT2025"]),
                  scope_overview(session, coach, world["HT2025"]).per_school,
                  scope_overview(session, coach, world["HT2025"]).flagged,
                  school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"]).table,
                  watch_list(session, viewer("admin"), world["HT2025"])]
    for table in tables:
        assert_machine(table)
    school, watch = tables[3], tables[4]
    assert set(school["flag"]) == {Flag.HIGH, Flag.WATCH, Flag.NONE}
    assert set(watch["flag"]) <= {Flag.HIGH, Flag.WATCH} and len(watch) > 0
    assert set(school["trend"]) <= set(Trend)


def test_one_students_tables_are_machine_columns(write, world, viewer):
    with write() as session:
        summary = get_student(session, viewer("coach_a"), world["eva"])
        absence = student_absence(session, viewer("coach_a"), world["eva"])
    for table in (summary.enrolments, summary.terms, absence.months, absence.courses):
        assert_machine(table)
    assert summary.enrolments.iloc[0]["school"].startswith("Skola")


def test_region_tables_are_machine_columns(read, world, viewer):
    with read() as session:
        leader = viewer("leader_north")
        result = region_indicators(session, leader, world["HT2025"])
        effect = effect_of_measures(session, leader, world["HT2025"])
        overview = municipality_overview(session, leader, world["HT2025"])
    for table in (result.table, result.funnel, result.meetings, result.trend, overview):
        assert_machine(table)
    # The comparison group is a code of its own set, beside the measure kinds.
    assert list(effect.columns) == ["effect_group", "count", "median_change",
                                    "lower_quartile", "upper_quartile", "share_improved"]
    assert list(effect["effect_group"]) == [EffectGroup.COMPARISON]


@pytest.mark.parametrize("table", ["region_table", "municipality_table", "school_table",
                                   "term_table"])
def test_organisation_tables_are_machine_columns(read, world, viewer, table):
    with read() as session:
        assert_machine(getattr(organisation, table)(session, viewer("admin")))


def test_the_effect_groups_are_the_measure_kinds_and_the_comparison():
    from lib.codes import MeasureKind
    from lib.i18n import use_language
    from lib.labels import word

    assert {g.value for g in EffectGroup} == {*MeasureKind, EffectGroup.COMPARISON}
    assert word(EffectGroup, EffectGroup.MI) == word(MeasureKind, MeasureKind.MI)
    assert word(EffectGroup, EffectGroup.COMPARISON) == "Flaggade utan åtgärd (jämförelse)"
    with use_language("en"):
        assert word(EffectGroup, "comparison") == "Flagged without a measure (comparison)"
