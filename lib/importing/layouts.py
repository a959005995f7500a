"""What the columns of a file mean: the fields the importer knows, the headers the Swedish
school systems write (SCHOOL_EXPORTS.md), and a suggested mapping for a new file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from lib.i18n import N_
from lib.importing.files import normalise
from lib.importing.values import is_blank, is_hours_minutes

ABSENCE_FIELDS = {
    "personal_number": N_("Personnummer"),
    "school": N_("Skola (skolenhetskod eller namn)"),
    "date": N_("Datum (för dag- och lektionsrader)"),
    "start_date": N_("Periodens första dag"),
    "end_date": N_("Periodens sista dag"),
    "course": N_("Kurs"),
    "lesson_start": N_("Lektionsstart"),
    "scheduled": N_("Schemalagd tid"),
    "absent": N_("Frånvaro totalt"),
    "valid": N_("Giltig frånvaro"),
    "invalid": N_("Ogiltig frånvaro"),
    "unreported": N_("Ej rapporterad tid"),
    "reported": N_("Rapporterad tid (andel eller tid; i stället för ej rapporterad)"),
}
DURATIONS = ("scheduled", "absent", "valid", "invalid", "unreported")  # stored per row
# What a file may give: the stored durations, or the reported time (LearnPoint's
# "Rapporterat (%)"), from which the unreported time is the rest of the scheduled time.
SOURCE_DURATIONS = (*DURATIONS, "reported")
ENROLMENT_FIELDS = {
    "personal_number": N_("Personnummer"),
    "first_name": N_("Förnamn"),
    "last_name": N_("Efternamn"),
    "name": N_("Namn (för- och efternamn i en kolumn)"),
    "home_municipality": N_("Hemkommun (kod eller namn)"),
    "school": N_("Skola (skolenhetskod eller namn)"),
    "programme": N_("Program"),
    "school_year": N_("Årskurs"),
    "class_name": N_("Klass"),
    "start_date": N_("Startdatum"),
}

# Headers as the systems export them, normalised → (field, unit). A unit of None is read
# from the header text itself.
KNOWN: dict[str, tuple[str, str | None]] = {
    # Common
    "personnummer": ("personal_number", None), "personnr": ("personal_number", None),
    "pnr": ("personal_number", None), "elevens personnummer": ("personal_number", None),
    "skolenhetskod": ("school", None), "skolenhet": ("school", None), "skola": ("school", None),
    "datum": ("date", None), "kurs": ("course", None), "ämne/kurs": ("course", None),
    "från": ("start_date", None), "till": ("end_date", None),
    "från datum": ("start_date", None), "till datum": ("end_date", None),
    "starttid": ("lesson_start", None), "lektionsstart": ("lesson_start", None),
    # Vklass: N = present, GF = valid absence, F = invalid absence
    "undv. tid": ("scheduled", "minutes"), "gf min": ("valid", "minutes"),
    "f min": ("invalid", "minutes"), "gf h": ("valid", "hours"), "f h": ("invalid", "hours"),
    "gf %": ("valid", "percent"), "f %": ("invalid", "percent"),
    "ej reg tid": ("unreported", "minutes"), "ej rapporterad tid": ("unreported", None),
    # LearnPoint (hours; unreported lessons count as present)
    "totalt (t)": ("scheduled", "hours"), "frånvaro (t)": ("absent", "hours"),
    "giltig (tim)": ("valid", "hours"), "ogiltig (tim)": ("invalid", "hours"),
    "giltig (%)": ("valid", "percent"), "ogiltig (%)": ("invalid", "percent"),
    "rapporterat (%)": ("reported", "percent"),
    # Skola24, also with a two-row header: "Frånvaro" over "Anmäld", "Ej anmäld", "Totalt"
    "schemalagd tid": ("scheduled", None), "anmäld frånvaro": ("valid", None),
    "ej anmäld frånvaro": ("invalid", None), "total frånvaro": ("absent", None),
    "frånvaro anmäld": ("valid", None), "frånvaro ej anmäld": ("invalid", None),
    "frånvaro totalt": ("absent", None),
    # SchoolSoft (days)
    "frånvarodagar": ("absent", "days"), "skoldagar": ("scheduled", "days"),
    "giltiga frånvarodagar": ("valid", "days"), "ogiltiga frånvarodagar": ("invalid", "days"),
    # Edlevo (per lesson; late arrival and leaving early count as invalid)
    "längd (min)": ("scheduled", "minutes"), "ogiltig frånvaro": ("invalid", None),
    "sen ankomst": ("invalid", None), "avvek från lektionen": ("invalid", None),
    "giltig frånvaro": ("valid", None), "lektion": ("lesson_start", None),
    # Skolverket's proposed national register (hours per term)
    "giltig frånvaro (timmar)": ("valid", "hours"),
    "ogiltig frånvaro (timmar)": ("invalid", "hours"),
    "erbjuden undervisningstid (timmar)": ("scheduled", "hours"),
    # Enrolment lists
    "förnamn": ("first_name", None), "efternamn": ("last_name", None),
    "namn": ("name", None), "elev": ("name", None), "hemkommun": ("home_municipality", None),
    "folkbokföringskommun": ("home_municipality", None), "kommun": ("home_municipality", None),
    "program": ("programme", None), "studievägskod": ("programme", None),
    "årskurs": ("school_year", None), "åk": ("school_year", None),
    "klass": ("class_name", None), "startdatum": ("start_date", None),
}
KNOWN_HEADERS = set(KNOWN)


def named_unit(header: str) -> str | None:
    """The unit a header names: "(h)", "tim", "h:mm" → hours, "%" → percent, "dagar" →
    days, "lekt" → lessons, "min" → minutes; None when it names none."""
    text = normalise(header)
    if "%" in text:
        return "percent"
    if re.search(r"\((h|t|tim|timmar)\)|\btimmar\b|\btim\b| h$|h:mm", text):
        return "hours"
    if "dagar" in text:
        return "days"
    if "lekt" in text and "min" not in text:
        return "lessons"
    return "minutes" if re.search(r"\bmin\b|minuter", text) else None


def unit_of(header: str, values: pd.Series | None = None) -> str:
    """The unit a header names; else hours when the values are written "h:mm" (Skola24's
    "384:00"); else minutes."""
    named = named_unit(header)
    if named is not None:
        return named
    return "hours" if values is not None and _mostly_hours_minutes(values) else "minutes"


def _mostly_hours_minutes(values: pd.Series, sample: int = 200) -> bool:
    filled = [v for v in values.head(sample * 5) if not is_blank(v)][:sample]
    return bool(filled) and 2 * sum(map(is_hours_minutes, filled)) > len(filled)


@dataclass(frozen=True)
class Mapping:
    kind: str
    columns: dict[str, tuple[str, ...]]  # field → source columns, summed when several
    units: dict[str, str] = field(default_factory=dict)  # duration field → unit
    lesson_minutes: int = 60
    day_minutes: int = 360

    def to_json(self) -> dict:
        return {"kind": self.kind, "columns": {k: list(v) for k, v in self.columns.items()},
                "units": self.units, "lesson_minutes": self.lesson_minutes,
                "day_minutes": self.day_minutes}

    @classmethod
    def from_json(cls, data: dict) -> Mapping:
        return cls(kind=data["kind"],
                   columns={k: tuple(v) for k, v in data["columns"].items()},
                   units=dict(data.get("units", {})),
                   lesson_minutes=int(data.get("lesson_minutes", 60)),
                   day_minutes=int(data.get("day_minutes", 360)))

    def fits(self, columns: list[str]) -> bool:
        """Every column the mapping names is in the file."""
        return all(c in columns for names in self.columns.values() for c in names)


def suggest(kind: str, columns: list[str], rows: pd.DataFrame | None = None) -> Mapping:
    """A first mapping from the headers the school systems are known to write; with the
    rows, a duration whose header names no unit takes it from how its values are written."""
    fields = ABSENCE_FIELDS if kind == "absence" else ENROLMENT_FIELDS
    chosen: dict[str, list[str]] = {}
    units: dict[str, str] = {}
    for column in columns:
        known = KNOWN.get(normalise(column)) or _guess(normalise(column))
        if known is None or known[0] not in fields:
            continue
        name, unit = known
        values = rows[column] if rows is not None and column in rows else None
        unit = unit or unit_of(column, values)
        if name in SOURCE_DURATIONS:
            # Prefer minutes over hours over percent when a system exports several.
            if name in units and _rank(units[name]) <= _rank(unit):
                if units[name] == unit:
                    chosen[name].append(column)
                continue
            chosen[name], units[name] = [column], unit
        elif name not in chosen:
            chosen[name] = [column]
    return Mapping(kind=kind, columns={k: tuple(v) for k, v in chosen.items()}, units=units)


def _rank(unit: str) -> int:
    return {"minutes": 0, "hours": 1, "lessons": 2, "days": 3, "percent": 4}[unit]


def _guess(text: str) -> tuple[str, None] | None:
    for needle, name in (("personnummer", "personal_number"), ("ogiltig", "invalid"),
                         ("giltig", "valid"), ("ej anmäld", "invalid"), ("anmäld", "valid"),
                         ("schemalagd", "scheduled"),
                         ("undervisningstid", "scheduled"), ("skolenhetskod", "school"),
                         ("datum", "date")):
        if needle in text:
            return name, None
    return None
