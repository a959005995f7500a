"""Time in one place: naive UTC datetimes in the database, Swedish local dates on screen."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SWEDEN = ZoneInfo("Europe/Stockholm")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def epoch(moment: dt.datetime) -> float:
    return moment.replace(tzinfo=dt.UTC).timestamp()


def swedish_today() -> dt.date:
    return dt.datetime.now(SWEDEN).date()


# Where today comes from. A test that needs another day sets this, never local_today
# itself: a module imported while local_today was replaced would keep the replacement.
today_source = swedish_today


def local_today() -> dt.date:
    """Today's date in Sweden, whatever the server's clock zone."""
    return today_source()


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) moment as the clock on the wall in Sweden shows it."""
    return moment.replace(tzinfo=dt.UTC).astimezone(SWEDEN)


def week_of(day: dt.date) -> tuple[int, int]:
    """(ISO year, ISO week) of a date."""
    iso = day.isocalendar()
    return iso.year, iso.week


def running_week(today: dt.date | None = None) -> tuple[int, int]:
    """The week that is not over yet (Swedish time): its figures are a part of a week
    until its Sunday has passed."""
    return week_of(today or local_today())


def utc_start_of(day: dt.date) -> dt.datetime:
    """When a Swedish day begins, as a stored (naive UTC) moment: for date filters."""
    return dt.datetime.combine(day, dt.time.min, SWEDEN).astimezone(dt.UTC).replace(tzinfo=None)
