"""Hand-overs read in from a list: the sending schools' hand-overs of a receiving school's
new students, one row per student, in one documented layout (README, "Hand-over and early
talks"). The file is read like every import (lib.importing.files: size limit, real
spreadsheets or CSV, the header row found below title rows).

All or nothing: every row is checked first (the number, the student in the reader's scope
and in the school's roster, the values), and one bad row refuses the whole list with a
message per row; nothing is written. A student who already has a hand-over to the school
gets it replaced by the list's row (a new version, in the audit log)."""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import HandOver, Student
from data_models.personal_number import InvalidPersonalNumber, normalize
from lib.access import Viewer, student_clause
from lib.i18n import N_, _
from lib.importing.files import normalise, read_table
from lib.importing.values import BadValue, is_blank, parse_date, parse_percent
from lib.transitions import HandOverInput, save_hand_over
from lib.versioning import InputError

# The layout: each field by the headings that name it (compared in lower case).
HEADINGS = {
    "personal_number": ("personnummer", "personnr", "samordningsnummer",
                        "personal identity number"),
    "sending_school": ("avlämnande skola", "från skola", "sending school"),
    "year9_absence": ("frånvaro åk 9", "frånvaro årskurs 9", "frånvaro i årskurs 9",
                      "frånvaro i årskurs 9 (%)", "frånvaro åk 9 (%)", "absence year 9",
                      "absence year 9 (%)"),
    "extra_adaptations": ("extra anpassningar", "extra adaptations"),
    "special_support": ("särskilt stöd", "special support"),
    "support_plan": ("åtgärdsprogram", "support programme"),
    "support_plan_date": ("åtgärdsprogram datum", "datum för åtgärdsprogram",
                          "åtgärdsprogrammets datum", "support programme date"),
    "to_know": ("att veta", "det skolan ska veta", "to know"),
    "sender_contact": ("kontakt", "kontakt på avlämnande skola", "contact"),
    "received_on": ("mottagen", "mottagningsdatum", "received"),
}
REQUIRED = ("personal_number", "sending_school")
YES = {"ja", "j", "x", "1", "yes", "y", "sant", "true"}
NO = {"nej", "n", "0", "no", "falskt", "false", ""}
SHOWN_ERRORS = 10


@dataclass(frozen=True)
class ListResult:
    created: int
    replaced: int


def _columns(names: list[str]) -> dict[str, str]:
    """Field → the file's column, for the fields the file has."""
    by_heading = {heading: field for field, headings in HEADINGS.items()
                  for heading in headings}
    found: dict[str, str] = {}
    for name in names:
        field = by_heading.get(normalise(name))
        if field is not None and field not in found:
            found[field] = name
    missing = [HEADINGS[field][0] for field in REQUIRED if field not in found]
    if missing:
        raise InputError(_("Listan saknar kolumnen {columns}.").format(
            columns=", ".join(f"«{m}»" for m in missing)))
    return found


def _yes_no(value) -> bool:
    text = "" if is_blank(value) else str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise BadValue(_("«{value}» är varken ja eller nej.").format(value=value))


def _as_fractions(rows: pd.DataFrame, columns: dict[str, str]) -> bool:
    """Whether the absence column holds fractions (Excel's percent cells: 0.12 for 12 %)."""
    if "year9_absence" not in columns:
        return False
    numbers = [v for v in rows[columns["year9_absence"]]
               if isinstance(v, int | float) and not isinstance(v, bool) and not pd.isna(v)]
    return bool(numbers) and max(numbers) <= 1


def _row_input(row: pd.Series, columns: dict[str, str], today: dt.date,
               fractions: bool) -> HandOverInput:
    def cell(field):
        return row[columns[field]] if field in columns else None

    received = parse_date(cell("received_on"))
    return HandOverInput(
        sending_school="" if is_blank(cell("sending_school")) else str(cell("sending_school")),
        year9_absence=parse_percent(cell("year9_absence"), fraction_if_small=fractions),
        extra_adaptations=_yes_no(cell("extra_adaptations")),
        special_support=_yes_no(cell("special_support")),
        support_plan=_yes_no(cell("support_plan")),
        support_plan_date=parse_date(cell("support_plan_date")),
        to_know="" if is_blank(cell("to_know")) else str(cell("to_know")),
        sender_contact="" if is_blank(cell("sender_contact")) else str(cell("sender_contact")),
        received_on=received or today)


def import_hand_overs(session: Session, viewer: Viewer, school_id: int, data: bytes,
                      file_name: str, today: dt.date) -> ListResult:
    """Read the list into the school's hand-overs, or refuse it whole (InputError, with a
    message per bad row). The caller's unit of work commits it."""
    table = read_table(data, file_name, {h for hs in HEADINGS.values() for h in hs})
    columns = _columns(table.columns)
    numbers: dict[str, str] = {}
    for index, raw in table.rows[columns["personal_number"]].items():
        with suppress(InvalidPersonalNumber):  # the row's check says so
            numbers[str(index)] = normalize(str(raw))
    students = dict(session.execute(select(Student.personal_number, Student.id).where(
        Student.personal_number.in_(set(numbers.values())), student_clause(viewer))).all())
    existing = dict(session.execute(select(HandOver.student_id, HandOver.version).where(
        HandOver.school_id == school_id)).all())
    fractions = _as_fractions(table.rows, columns)
    errors: list[str] = []
    created = replaced = 0
    seen: set[int] = set()
    for index, row in table.rows.iterrows():
        line = int(index) + 1
        number = numbers.get(str(index))
        student_id = students.get(number) if number else None
        try:
            if number is None:
                raise InputError(_("ogiltigt personnummer"))
            if student_id is None:
                raise InputError(_("eleven finns inte bland dina elever"))
            if student_id in seen:
                raise InputError(_("eleven står på flera rader"))
            seen.add(student_id)
            given = _row_input(row, columns, today, fractions)
            # Every check comes before the row's write, and one refusal refuses the list.
            save_hand_over(session, viewer, student_id, school_id, given, today,
                           expected_version=existing.get(student_id))
        except (InputError, BadValue) as error:
            errors.append(_("Rad {row}: {problem}").format(row=line, problem=str(error)))
            continue
        if student_id in existing:
            replaced += 1
        else:
            created += 1
    if errors:
        more = len(errors) - SHOWN_ERRORS
        raise InputError(_("Listan lästes inte in: inget har sparats.") + " " + "; ".join(
            errors[:SHOWN_ERRORS]) + "." + (" " + _("… och {count} rader till.").format(
                count=more) if more > 0 else ""))
    return ListResult(created, replaced)


LAYOUT_NOTE = N_("Kolumner: Personnummer, Avlämnande skola (krävs); Frånvaro åk 9 (%), "
                 "Extra anpassningar, Särskilt stöd, Åtgärdsprogram (ja/nej), Åtgärdsprogram "
                 "datum, Att veta, Kontakt, Mottagen (valfria).")
