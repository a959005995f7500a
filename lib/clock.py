"""Time in one place: naive UTC datetimes in the database, Swedish local dates on screen."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SWEDEN = ZoneInfo("Europe/Stockholm")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def epoch(moment: dt.datetime) -> float:
    return moment.replace(tzinfo=dt.UTC).timestamp()


def local_today() -> dt.date:
    """Today's date in Sweden, whatever the server's clock zone."""
    return dt.datetime.now(SWEDEN).date()
