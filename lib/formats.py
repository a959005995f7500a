"""Numbers and times as the app shows them, in one style per language everywhere: tables,
metrics, captions, Excel number formats, PDFs and chart texts.

Swedish (the default): "1 815" (a no-break space between thousands, so that a number never
breaks over two lines), "12,5 %" (a decimal comma and a space before the sign), "−2,5" (a
real minus sign, not a hyphen), "v. 12". English: "1,815", "12.5%", "-2.5", "wk 12". The
symbols come from Babel's locale data for the run's language (lib.i18n). ".." is a
suppressed figure in both. Times are stored in UTC and shown as the clock on the wall in
Sweden shows them, without a zone name; days are written "2026-12-01" in both languages."""

from __future__ import annotations

import datetime as dt
import functools
import math
from numbers import Integral, Real

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from lib import columns, i18n
from lib.clock import to_local
from lib.i18n import _

THOUSANDS = "\u00a0"
MINUS = "\u2212"
HIDDEN = ".."  # a figure suppressed to protect small groups (or not shown for another reason)


@functools.cache
def _symbols(locale: str) -> tuple[str, str, str]:
    """Thousands separator, decimal sign and minus sign of a Babel locale."""
    return (babel_numbers.get_group_symbol(locale), babel_numbers.get_decimal_symbol(locale),
            babel_numbers.get_minus_sign_symbol(locale))


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def number(value, decimals: int = 0, missing: str = "", sign: bool = False) -> str:
    """"1 234,5" ("1,234.5" in English); `sign` puts a plus before a positive number."""
    if _missing(value):
        return missing
    value = round(float(value), decimals) + 0.0  # -0.0 → 0.0: no "−0"
    group, decimal, minus = _symbols(i18n.locale())
    text = f"{abs(value):,.{decimals}f}".replace(",", "\0").replace(".", decimal) \
        .replace("\0", group)
    if value < 0:
        return minus + text
    return "+" + text if sign and value > 0 else text


def _percent_sign() -> str:
    return " %" if i18n.current() == i18n.SWEDISH else "%"


def percent(value, decimals: int = 1, missing: str = HIDDEN, sign: bool = False) -> str:
    """A share (0.125) as "12,5 %" ("12.5%"); ".." when it is suppressed (None)."""
    if _missing(value):
        return missing
    return number(float(value) * 100, decimals, sign=sign) + _percent_sign()


def points(value, decimals: int = 1, missing: str = HIDDEN) -> str:
    """A change in percentage points, always with its sign: "+2,5 p.e." ("+2.5 pp")."""
    if _missing(value):
        return missing
    return number(value, decimals, sign=True) + " " + _("p.e.")


def level(value: float) -> str:
    """A flag level (0.15) as "15 %", with a decimal only when it has one ("12,5 %")."""
    whole = round(value * 100, 1)
    return percent(value, 0 if whole == int(whole) else 1)


def level_range(low: float, high: float) -> str:
    """Two levels as one range: "12–15 %"."""
    return f"{level(low).removesuffix(_percent_sign())}–{level(high)}"


def week(iso_week: int, iso_year: int | None = None) -> str:
    """"v. 12" ("wk 12"), or "v. 12 2026" where a chart spans more than one year."""
    label = _("v. {week}").format(week=iso_week)
    return label if iso_year is None else f"{label} {iso_year}"


def yes_no(value: bool) -> str:
    return _("ja") if value else _("nej")


def count(n: int, singular: str, plural: str) -> str:
    """"1 rad", "2 rader", "1 815 elever"."""
    return f"{number(n)} {singular if n == 1 else plural}"


def date(day: dt.date | None) -> str:
    return "" if day is None or _missing_time(day) else f"{day:%Y-%m-%d}"


def month(day: dt.date | None) -> str:
    """The month of a day by its name in the run's language: "september 2025" ("September
    2025"), from Babel's month names."""
    if day is None or _missing_time(day):
        return ""
    return babel_dates.format_date(day, "LLLL yyyy", locale=i18n.locale())


def _missing_time(moment) -> bool:
    return moment is None or moment != moment  # NaT and NaN are not equal to themselves


def time_of_day(moment: dt.datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) moment as "kl. 14:05" in Swedish time."""
    if _missing_time(moment):
        return ""
    return _("kl. {time}").format(
        time=to_local(moment).strftime("%H:%M:%S" if seconds else "%H:%M"))


def day_of(value: dt.datetime | None) -> str:
    """The Swedish date of a stored (UTC) moment: "2026-12-01"."""
    return "" if _missing_time(value) else f"{to_local(value):%Y-%m-%d}"


def moment(value: dt.datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) moment as "2026-12-01 14:05" in Swedish time."""
    if _missing_time(value):
        return ""
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


# --- Which columns hold what -------------------------------------------------------------
# Tables speak Swedish headers; the same header means the same kind of figure in every
# table, on screen, in Excel and in PDF.

PERCENT_COLUMNS = ("Frånvaro", "Giltig", "Ogiltig", "Före", "Efter", "Vid förra mötet", "Nu",
                   "Rapporteringsgrad")
PERCENT_PREFIXES = ("Andel", "Ogiltig ≥")
POINTS_SUFFIX = "(p.e.)"  # changes and spreads in percentage points
# Numbers that name a record, not an amount: no thousands space ("elev 2643").
ID_COLUMNS = ("id",)
ID_SUFFIX = "-id"


# Student counts in aggregate tables: hidden (None) where a group is too small.
COUNT_COLUMNS = ("Elever", "Antal", "Identifierade (≥ 15 %)", "Kontaktade", "Med åtgärd",
                 "Förbättrade")


def blank(column) -> str:
    """What an empty cell of this column shows: ".." for a figure (a share, a change or a
    count that is hidden or cannot be given), nothing for anything else."""
    return HIDDEN if column_kind(column) in (columns.PERCENT, columns.POINTS, columns.COUNT,
                                   columns.SCORE) \
        or str(column) in COUNT_COLUMNS else ""


def column_kind(column) -> str:
    """The kind of a column (lib.columns): a service's machine column has its own; a table
    still headed in Swedish is read from its header ("points", "percent", "id", "number")."""
    known = columns.kind(column)
    if known is not None:
        return known
    name = str(column)
    if name.endswith(POINTS_SUFFIX):
        return "points"
    if name in PERCENT_COLUMNS or name.startswith(PERCENT_PREFIXES):
        return "percent"
    if name in ID_COLUMNS or name.endswith(ID_SUFFIX):
        return "id"
    return "number"


def cell(column, value, missing: str = "") -> str:
    """One table cell as text: shares as percentages, changes as points, whole numbers
    with thousands spaces, ids as they are; `missing` for an empty cell."""
    if isinstance(value, str):
        return value
    if _missing(value) or _missing_time(value):
        return missing
    kind = column_kind(column)
    if isinstance(value, bool):
        return yes_no(value)
    if kind == columns.MOMENT:
        return moment(value)
    if kind == columns.DAY:
        return day_of(value)
    if kind == columns.MONTH and isinstance(value, dt.date):
        return month(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return date(value)
    if not isinstance(value, Real):
        return str(value)
    if kind == "id":
        return str(int(value))
    if kind == "points":
        return number(value, 1, sign=True)
    if kind == "percent" and not isinstance(value, Integral):
        return percent(value)
    return number(value, 0 if isinstance(value, Integral) else 1)


# Excel number formats in the same style: the spreadsheet keeps numbers (to sort and sum)
# and Swedish Excel shows them with its own decimal comma and thousands space. A quoted
# "−" is the minus sign.
EXCEL_PERCENT = '0.0 %;"\u2212"0.0 %;0.0 %'
EXCEL_POINTS = '+0.0;"\u2212"0.0;0.0'
EXCEL_WHOLE = '#,##0;"\u2212"#,##0;0'
EXCEL_DECIMAL = '#,##0.0;"\u2212"#,##0.0;0.0'


def excel_format(column, value) -> str | None:
    """The number format for a numeric cell of this column, or None for text. The same
    format in both languages: Excel writes it with the separators of its own locale."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    kind = column_kind(column)
    if kind == "id":
        return "0"
    if kind == "points":
        return EXCEL_POINTS
    if kind == "percent" and not isinstance(value, Integral):
        return EXCEL_PERCENT
    return EXCEL_WHOLE if isinstance(value, Integral) else EXCEL_DECIMAL
