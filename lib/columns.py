"""The contract between the services and everything that shows their tables.

A service returns a DataFrame with English machine columns ("student", "absence",
"measure_status") holding values and codes, never display text. This module knows, for
every machine column, its heading (Swedish, the catalogue's message id), its kind (which
decides the format: a share, a change in points, a count, a day, a moment) and, for a code
column, its code set. `present` turns a service's table into what a person reads, in the
run's language, for the screen (lib.ui.tables) and for Excel and PDF (lib.exports,
lib.pdf). Pages filter and count on the machine columns and codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pandas as pd

from data_models.codes import (
    AgendaReason,
    ContactKind,
    FeedbackDirection,
    Flag,
    FollowUpState,
    MeasureKind,
    MeasureStatus,
    MeetingStatus,
    Role,
    Trend,
)
from lib.i18n import N_, _
from lib.labels import word

# The kinds of column: how a value is written (lib.formats) and what an empty cell shows.
TEXT = "text"
NUMBER = "number"  # an amount: "1 815", "12,5"
COUNT = "count"  # a number of students, hidden ("..") where the group is too small
PERCENT = "percent"  # a share 0–1: "12,5 %"; ".." when hidden
POINTS = "points"  # a change in percentage points: "+2,5"; ".." when hidden
ID = "id"  # a number that names a record: no thousands space
DATE = "date"  # a calendar day: "2026-12-01"
MOMENT = "moment"  # a stored UTC moment, shown on the Swedish clock: "2026-12-01 14:05"
DAY = "day"  # the Swedish day of a stored moment: "2026-12-01"
BOOL = "bool"  # "ja" / "nej"
CODE = "code"  # a code, shown as its word (lib.labels)


@dataclass(frozen=True)
class Column:
    heading: str  # Swedish; translated when shown
    kind: str = TEXT
    codes: type[enum.StrEnum] | None = None


def _code(heading: str, codes: type[enum.StrEnum]) -> Column:
    return Column(heading, CODE, codes)


# Columns that are never shown: they identify the row for the page.
HIDDEN = ("id", "student_id", "version", "meeting_id", "school_id", "municipality_id",
          "item_id", "batch_id", "user_id", "term_id", "measure_id", "feedback_id")

COLUMNS: dict[str, Column] = {
    # --- Who and where ---
    "student": Column(N_("Elev")),
    "personal_number": Column(N_("Personnummer")),  # always masked by the service
    "school": Column(N_("Skola")),
    "municipality": Column(N_("Kommun")),
    "home_municipality": Column(N_("Hemkommun")),
    "term": Column(N_("Termin")),
    "programme": Column(N_("Program")),
    "class_name": Column(N_("Klass")),
    "school_year": Column(N_("Årskurs"), NUMBER),
    "name": Column(N_("Namn")),
    "username": Column(N_("Användarnamn")),
    "role": _code(N_("Roll"), Role),
    "scope": Column(N_("Omfattning")),
    "active": Column(N_("Aktiv"), BOOL),
    "user": Column(N_("Användare")),
    "by": Column(N_("Av")),
    "date": Column(N_("Datum"), DATE),
    # (end of who and where)
    # --- Absence ---
    "absence": Column(N_("Frånvaro"), PERCENT),
    "valid": Column(N_("Giltig"), PERCENT),
    "invalid": Column(N_("Ogiltig"), PERCENT),
    "scheduled_hours": Column(N_("Schemalagd tid (h)"), NUMBER),
    "trend": _code(N_("Trend"), Trend),
    "flag": _code(N_("Flagga"), Flag),
    "reason": _code(N_("Skäl"), AgendaReason),
    "students": Column(N_("Elever"), COUNT),
    "count": Column(N_("Antal"), COUNT),
    "reporting_rate": Column(N_("Rapporteringsgrad"), PERCENT),
    # (end of absence)
    # --- Measures and contacts ---
    "measure_kind": _code(N_("Åtgärd"), MeasureKind),
    "description": Column(N_("Beskrivning")),
    "owner": Column(N_("Ansvarig")),
    "start": Column(N_("Start"), DATE),
    "follow_up": Column(N_("Uppföljning"), DATE),
    "measure_status": _code(N_("Status"), MeasureStatus),
    "follow_up_state": _code(N_("Läge"), FollowUpState),
    "outcome": Column(N_("Utfall")),
    "stop_reason": Column(N_("Skäl för avbrott")),
    "contact_kind": _code(N_("Typ"), ContactKind),
    "note": Column(N_("Notering")),
    # (end of measures and contacts)
    # --- Feedback ---
    "direction": _code(N_("Riktning"), FeedbackDirection),
    "author": Column(N_("Från")),
    "meeting_date": Column(N_("Möte"), DATE),
    "feedback": Column(N_("Återkoppling")),
    "sent_at": Column(N_("Skickad"), MOMENT),
    "acknowledged_at": Column(N_("Kvitterad"), DAY),
    "acknowledged_by": Column(N_("Kvitterad av")),
    "answer": Column(N_("Svar")),
    # (end of feedback)
    # --- Meetings ---
    "meeting_status": _code(N_("Status"), MeetingStatus),
    "location": Column(N_("Plats")),
    "participants": Column(N_("Deltagare")),
    # (end of meetings)
    # --- Imports, audit and administration (lib/importing, lib/audit, lib/admin) ---
    "at": Column(N_("Tid"), MOMENT),
    "file": Column(N_("Fil")),
    "undone_at": Column(N_("Ångrad"), MOMENT),
    # (end of imports, audit and administration)
}


def column(name) -> Column | None:
    return COLUMNS.get(name) if isinstance(name, str) else None


def kind(name) -> str | None:
    """The kind of a machine column; None for a column this contract does not know."""
    known = column(name)
    return known.kind if known else None


def heading(name) -> str:
    """A machine column's heading in the run's language; any other column as it is."""
    known = column(name)
    return _(known.heading) if known else str(name)


def with_words(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every code column as its words, in the run's language; the machine
    column names stay (formatting reads them)."""
    shown = table.copy()
    for name in shown.columns:
        known = column(name)
        if known is not None and known.codes is not None:
            shown[name] = shown[name].map(lambda code, codes=known.codes: word(codes, code))
    return shown


def headed(table: pd.DataFrame) -> pd.DataFrame:
    """The table with each machine column named by its heading."""
    return table.rename(columns={name: heading(name) for name in table.columns})


def visible(table: pd.DataFrame, hide: tuple[str, ...] = ()) -> pd.DataFrame:
    """The columns a person sees: without the row identifiers and `hide`."""
    return table.drop(columns=[c for c in (*HIDDEN, *hide) if c in table.columns])
