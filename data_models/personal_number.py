"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer): the format and check-digit rule a stored number must meet. Kept beside
the models, which validate every write with it; lib.personal_number re-exports it."""

from __future__ import annotations

import datetime as dt
import re

_PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")


class InvalidPersonalNumber(ValueError):
    """The message is Swedish and safe to show; it never repeats the number."""


def luhn_digit(nine_digits: str) -> int:
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def normalize(raw: str, today: dt.date | None = None) -> str:
    """Return the number as 12 digits, YYYYMMDDNNNN, or raise InvalidPersonalNumber."""
    text = str(raw).strip().replace(" ", "").replace("\u2212", "-")
    match = _PATTERN.match(text)
    if not match:
        raise InvalidPersonalNumber("Personnumret har fel format (ÅÅÅÅMMDD-NNNN).")
    century, yy, month, day, sep, serial, check = match.groups()
    if luhn_digit(f"{yy}{month}{day}{serial}") != int(check):
        raise InvalidPersonalNumber("Personnumrets kontrollsiffra stämmer inte.")
    real_day = int(day) - 60 if int(day) > 60 else int(day)  # samordningsnummer: day + 60
    year = int(century + yy) if century else _infer_year(int(yy), month, real_day, sep, today)
    try:
        dt.date(year, int(month), real_day)
    except ValueError:
        raise InvalidPersonalNumber("Personnumret innehåller inget giltigt datum.") from None
    return f"{year:04d}{month}{day}{serial}{check}"


def _infer_year(yy: int, month: str, day: int, sep: str, today: dt.date | None) -> int:
    today = today or dt.date.today()
    year = today.year - (today.year - yy) % 100
    try:
        born_later_this_year = dt.date(year, int(month), day) > today
    except ValueError:
        born_later_this_year = False
    if born_later_this_year:
        year -= 100
    return year - 100 if sep == "+" else year  # "+" marks a person aged 100 or more
