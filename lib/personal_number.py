"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer): parsing, check digit and masking."""

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


def is_coordination_number(number: str) -> bool:
    return int(number[6:8]) > 60


def birth_date(number: str) -> dt.date:
    day = int(number[6:8])
    return dt.date(int(number[:4]), int(number[4:6]), day - 60 if day > 60 else day)


def mask(number: str, protected: bool = False) -> str:
    """Birth date and hidden serial: "20080314-****"; fully hidden for protected identity."""
    if protected:
        return "********-****"
    return f"{number[:8]}-****"
