"""Parsers for the values school systems write: Swedish numbers, percentages, durations in
minutes, hours ("h:mm"), lessons or days, and dates. Each raises BadValue on text it cannot
read, so that a row gets a clear message instead of a wrong number."""

from __future__ import annotations

import datetime as dt
import math
import re

from lib.i18n import N_, _

UNITS = {"minutes": N_("minuter"), "hours": N_("timmar"), "lessons": N_("lektioner"),
         "days": N_("dagar"), "percent": N_("procent")}
EXCEL_EPOCH = dt.date(1899, 12, 30)
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")
_HOURS_MINUTES = re.compile(r"^(-?\d+):([0-5]\d)(?::([0-5]\d))?$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


class BadValue(ValueError):
    """A cell that cannot be read; the message says what was expected."""


def is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "-", "–")


def is_hours_minutes(value) -> bool:
    """A duration written as hours and minutes: "384:00", "1:30", or a time or duration
    cell. Read in minutes, such a value is no number at all."""
    if isinstance(value, dt.timedelta | dt.time):
        return True
    return isinstance(value, str) and _HOURS_MINUTES.match(
        value.translate(_SPACES).replace("\u2212", "-")) is not None


def as_hours_minutes(value) -> str:
    """A duration cell as the h:mm text a person would type ("384:00")."""
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}"
    return str(value).strip()


def parse_number(value) -> float | None:
    """1 234,5 · 1234.5 · −3 · 1.234,5 → float; blank → None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadValue(_("«{value}» är inget tal.").format(value=value))
    if isinstance(value, int | float):
        return float(value)
    text = str(value).translate(_SPACES).replace("\u2212", "-")
    if "," in text and "." in text:  # the later one is the decimal mark
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise BadValue(_("«{value}» är inget tal.").format(value=value)) from None
    if not math.isfinite(number):
        raise BadValue(_("«{value}» är inget tal.").format(value=value))
    return number


def parse_percent(value, fraction_if_small: bool = False) -> float | None:
    """A share as a fraction: "12,5 %" → 0.125; 12.5 → 0.125; with fraction_if_small (a
    column whose numbers are all ≤ 1, as Excel stores percent cells), 0.125 → 0.125."""
    if is_blank(value):
        return None
    if isinstance(value, str) and value.strip().endswith("%"):
        return parse_number(value.strip()[:-1]) / 100
    number = parse_number(value)
    return number if fraction_if_small else number / 100


def parse_hours(value) -> float | None:
    """Hours as minutes: "1:30" (h:mm) → 90, "1,5" → 90, a time of day cell 01:30 → 90."""
    if is_blank(value):
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 60
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    if isinstance(value, str):
        match = _HOURS_MINUTES.match(value.translate(_SPACES).replace("\u2212", "-"))
        if match:
            hours, minutes, seconds = match.groups()
            sign = -1 if hours.startswith("-") else 1
            return sign * (abs(int(hours)) * 60 + int(minutes) + int(seconds or 0) / 60)
    return parse_number(value) * 60


def to_minutes(value, unit: str, lesson_minutes: float = 60, day_minutes: float = 360
               ) -> float | None:
    """A duration in the given unit as minutes."""
    if unit == "hours":
        return parse_hours(value)
    number = parse_number(value)
    if number is None:
        return None
    factor = {"minutes": 1, "lessons": lesson_minutes, "days": day_minutes}.get(unit)
    if factor is None:
        raise BadValue(_("Okänd enhet: {unit}.").format(unit=unit))
    return number * factor


def _strptime(text: str, formats: tuple[str, ...]) -> dt.datetime | None:
    """The text read with the first format that fits, or None."""
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_date(value) -> dt.date | None:
    """ISO dates, 20250901, 1/9/2025, 1.9.2025, Excel date cells and serial numbers."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number (1954–2119)
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        value = str(int(value)) if float(value).is_integer() else str(value)
    parsed = _strptime(str(value).strip(), _DATE_FORMATS)
    if parsed is not None:
        return parsed.date()
    raise BadValue(_("«{value}» är inget datum (skriv till exempel 2025-09-01).").format(
        value=value))


def parse_time(value) -> dt.time | None:
    """A lesson start: 08:15, 8.15, a time cell."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    parsed = _strptime(str(value).strip().replace(".", ":"), ("%H:%M", "%H:%M:%S"))
    if parsed is not None:
        return parsed.time()
    raise BadValue(_("«{value}» är ingen tid (skriv till exempel 08:15).").format(value=value))
