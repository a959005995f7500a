"""The number, unit and date parsers, with property tests over what the systems write."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.importing.values import (
    BadValue,
    parse_date,
    parse_hours,
    parse_number,
    parse_percent,
    parse_time,
    to_minutes,
)

amounts = st.decimals(min_value=-10**7, max_value=10**7, places=2, allow_nan=False,
                      allow_infinity=False)


def swedish(value, separator="\u00a0", minus="-") -> str:
    text = f"{value:,.2f}".replace(",", separator).replace(".", ",")
    return text.replace("-", minus)


@given(amounts, st.sampled_from(["\u00a0", " ", "\u202f", ""]),
       st.sampled_from(["-", "\u2212"]))
def test_swedish_numbers_read_back(value, separator, minus):
    assert parse_number(swedish(value, separator, minus)) == pytest.approx(float(value))


@given(amounts)
def test_numbers_with_a_decimal_point_and_excel_numbers(value):
    assert parse_number(f"{value:.2f}") == pytest.approx(float(value))
    assert parse_number(float(value)) == float(value)


@given(st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=59))
def test_hours_and_minutes(hours, minutes):
    assert parse_hours(f"{hours}:{minutes:02d}") == hours * 60 + minutes
    assert parse_hours(dt.timedelta(hours=hours, minutes=minutes)) == hours * 60 + minutes


@given(st.decimals(min_value=0, max_value=1000, places=2))
def test_decimal_hours_with_a_comma(hours):
    assert parse_hours(swedish(hours)) == pytest.approx(float(hours) * 60)


@given(st.decimals(min_value=0, max_value=100, places=1))
def test_percent_as_text_number_or_fraction(percent):
    share = float(percent) / 100
    assert parse_percent(swedish(percent).replace(",00", "") + " %") == pytest.approx(share)
    assert parse_percent(float(percent)) == pytest.approx(share)
    assert parse_percent(share, fraction_if_small=True) == pytest.approx(share)


@given(st.floats(min_value=0, max_value=500, allow_nan=False),
       st.sampled_from(["minutes", "hours", "lessons", "days"]))
def test_units_scale_to_minutes(value, unit):
    factor = {"minutes": 1, "hours": 60, "lessons": 50, "days": 400}[unit]
    assert to_minutes(value, unit, lesson_minutes=50, day_minutes=400) == pytest.approx(
        value * factor)


@given(st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_in_every_written_form(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%Y%m%d")) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day
    assert parse_date(dt.datetime.combine(day, dt.time(0, 0))) == day
    serial = (day - dt.date(1899, 12, 30)).days
    assert parse_date(serial) == day


@pytest.mark.parametrize("value", ["abc", "1,2,3", "12:75", "inf", "nan"])
def test_text_that_is_no_number_is_refused(value):
    with pytest.raises(BadValue, match="inget tal"):
        parse_number(value) if ":" not in value else parse_hours(value)


@pytest.mark.parametrize("value", ["2025-13-01", "31/02/2025", "igår"])
def test_text_that_is_no_date_is_refused(value):
    with pytest.raises(BadValue, match="inget datum"):
        parse_date(value)


def test_blank_cells_are_none():
    for parser in (parse_number, parse_hours, parse_date, parse_time, parse_percent):
        assert parser("") is None and parser(None) is None and parser(" - ") is None


def test_lesson_starts():
    assert parse_time("8.15") == dt.time(8, 15)
    assert parse_time("08:15:00") == dt.time(8, 15)
    with pytest.raises(BadValue, match="ingen tid"):
        parse_time("25:00")
