"""One calendar of days per term on the student page, chosen with the term (?termin=…):
weeks of two years never share a column, and hovering shows that term's dates."""

import datetime as dt
import json

import pytest

from lib import summaries
from lib.student_absence import student_absence
from tests.factories import absence


@pytest.fixture
def two_years(write, world):
    """Anna: a day in week 36 of HT2025 (the world's) and one in week 36 of HT2026."""
    from data_models.models import Term

    with write() as session:
        term = Term(code="HT2026", kind="HT", year=2026, start_date=dt.date(2026, 8, 17),
                    end_date=dt.date(2026, 12, 18))
        session.add(term)
        session.flush()
        world.ids["HT2026"] = term.id
        session.add(absence(world["anna"], world["SB"], dt.date(2026, 8, 31), term.id, 1000,
                            valid=0, invalid=500))
        summaries.refresh(session, [term.id], [world["anna"]])
    return world


def test_the_days_come_per_term(read, two_years, viewer):
    world = two_years
    with read() as session:
        result = student_absence(session, viewer("coach_a"), world["anna"])
    assert result.days_in(world["HT2025"])["date"].tolist() == [dt.date(2025, 9, 1)]
    assert result.days_in(world["HT2026"])["date"].tolist() == [dt.date(2026, 8, 31)]


def _calendar(at) -> dict:
    for chart in at.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        if figure["layout"]["title"]["text"].startswith("Frånvaro per dag"):
            return figure
    raise AssertionError("no calendar on the page")


def test_the_student_page_draws_the_chosen_terms_calendar(app_env, two_years):
    from tests.apptest import login

    world = two_years
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = str(world["anna"])
    at.query_params["termin"] = "HT2025"
    at.run()
    assert not at.exception
    figure = _calendar(at)
    assert figure["layout"]["title"]["text"] == "Frånvaro per dag, HT2025"
    (trace,) = figure["data"]
    assert trace["x"] == ["v. 36"]
    assert [d for row in trace["text"] for d in row if d] == ["2025-09-01"]
    assert at.query_params["termin"] == "HT2025"
    at.query_params["termin"] = "HT2026"
    at.run()
    (trace,) = _calendar(at)["data"]
    assert [d for row in trace["text"] for d in row if d] == ["2026-08-31"]
