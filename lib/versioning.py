"""Saving records that several people edit at once, and checking what they type.

Every shared record carries a version. A save states the version it edited; when someone
else has saved in between, the save is refused with a Conflict that holds both versions,
so the user can choose. Nothing is silently overwritten."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data_models.models import User
from lib.analytics import format_number
from lib.clock import utcnow
from lib.i18n import _

MAX_TEXT = 4000  # characters in one free-text field: a page of notes
MAX_LINE = 120  # a name, a place, a title


class InputError(ValueError):
    """Bad input, with a message for the user in the run's language. Nothing has been
    written."""


@dataclass(eq=False)  # not frozen: raising sets attributes such as __traceback__
class Conflict(Exception):
    """Someone saved the record after the version this save started from."""

    mine: dict[str, str]
    theirs: dict[str, str]
    version: int  # the version now stored: saving again against it overwrites theirs
    by: str
    at: dt.datetime | None

    def __str__(self) -> str:
        if self.by:
            return _("Någon annan har sparat en ändring sedan du började ({name}). Jämför "
                     "versionerna och välj vilken som ska gälla.").format(name=self.by)
        return _("Någon annan har sparat en ändring sedan du började. Jämför versionerna och "
                 "välj vilken som ska gälla.")


def clean_text(label: str, value: str | None, limit: int = MAX_TEXT,
               required: bool = False) -> str:
    """Trimmed text, or InputError when it is missing (if required) or too long. `label`
    names the field as a sentence starts with it ("Beskrivningen"; marked with N_ where it
    is defined), and is said in the run's language."""
    text = (value or "").strip()
    if required and not text:
        raise InputError(_("Fyll i {field}.").format(field=_(label).lower()))
    if len(text) > limit:
        raise InputError(_("{field} är för lång: {length} tecken, högst {limit}.").format(
            field=_(label), length=format_number(len(text), 0), limit=format_number(limit, 0)))
    return text


def save_versioned(session: Session, model, record_id: int, expected_version: int,
                   changes: dict, user_id: int) -> tuple[dict, int]:
    """Apply `changes` to the record if it is still at `expected_version`. Returns the
    values before the change and the new version; raises Conflict otherwise. With no
    `changes` only the version moves: for a change to what hangs on the record (a step
    goal added to a plan, a follow-up of it).

    The UPDATE itself carries the version condition, so two concurrent saves cannot both
    win: on PostgreSQL the second re-checks the condition after the first commits, and
    SQLite write transactions (BEGIN IMMEDIATE) run one at a time."""
    current = _fresh(session, model, record_id)
    before = {name: getattr(current, name) for name in changes}
    stamp = {}
    if hasattr(model, "updated_by"):
        stamp = {"updated_by": user_id, "updated_at": utcnow()}
    if current.version == expected_version:
        result = session.execute(
            update(model)
            .where(model.id == record_id, model.version == expected_version)
            .values(**changes, **stamp, version=expected_version + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            return before, expected_version + 1
        current = _fresh(session, model, record_id)
    raise Conflict(
        mine={name: _text(value) for name, value in changes.items()},
        theirs={name: _text(getattr(current, name)) for name in changes},
        version=current.version,
        by=_user_name(session, getattr(current, "updated_by", None)),
        at=getattr(current, "updated_at", None),
    )


def _fresh(session: Session, model, record_id: int):
    found = session.scalars(select(model).where(model.id == record_id)
                            .execution_options(populate_existing=True)).first()
    if found is None:
        raise InputError(_("Posten finns inte längre."))
    return found


def _text(value) -> str:
    return "" if value is None else str(value)


def _user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    return session.scalar(select(User.display_name).where(User.id == user_id)) or ""
