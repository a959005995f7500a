"""The kinds of a table column (how lib.formats writes its values) and the Column record:
the part of the column contract (lib.columns) that its tables of columns share."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# The kinds of column: how a value is written (lib.formats) and what an empty cell shows.
TEXT = "text"
NUMBER = "number"  # an amount: "1 815", "12,5"
COUNT = "count"  # a number of students, hidden ("..") where the group is too small
PERCENT = "percent"  # a share 0–1: "12,5 %"; ".." when hidden
POINTS = "points"  # a change in percentage points: "+2,5"; ".." when hidden
SCORE = "score"  # a mean on an answer scale: "3,4"; ".." when hidden (too few answered)
ID = "id"  # a number that names a record: no thousands space
DATE = "date"  # a calendar day: "2026-12-01"
MOMENT = "moment"  # a stored UTC moment, shown on the Swedish clock: "2026-12-01 14:05"
DAY = "day"  # the Swedish day of a stored moment: "2026-12-01"
BOOL = "bool"  # "ja" / "nej"
CODE = "code"  # a code, shown as its word (lib.labels)
MONTH = "month"  # a calendar month, held as its first day: "september 2025"


@dataclass(frozen=True)
class Column:
    heading: str  # Swedish; translated when shown
    kind: str = TEXT
    codes: type[enum.StrEnum] | None = None


def code_column(heading: str, codes: type[enum.StrEnum]) -> Column:
    """A column of codes, shown as their words."""
    return Column(heading, CODE, codes)
