"""The coach's log of contacts with a student. It is the coach's own working record: the
coach and administrators see it; school staff see measures and feedback instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.codes import ContactKind
from data_models.models import Contact, User
from lib import restricted as restricted_records
from lib.access import AccessDenied, Role, Viewer, require_role, require_student
from lib.audit import log_event
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.versioning import InputError, clean_text

COACH_ROLES = (Role.COACH, Role.ADMIN)


def may_log_contacts(viewer: Viewer) -> bool:
    return viewer.role in COACH_ROLES


def add_contact(session: Session, viewer: Viewer, student_id: int, kind: str,
                date: dt.date | None, note: str, today: dt.date, *, restricted: bool = False,
                readers: Iterable[int] = ()) -> int:
    """Log a contact; a `restricted` one is read only by the author and the `readers`
    named (lib.restricted)."""
    _require_coach(viewer)
    require_student(session, viewer, student_id)
    if kind not in set(ContactKind):
        raise InputError(_("Välj typ av kontakt."))
    if date is None:
        raise InputError(_("Ange datum för kontakten."))
    if date > today:
        raise InputError(_("En kontakt kan inte loggas på ett datum som inte har varit än."))
    contact = Contact(student_id=student_id, kind=kind, date=date,
                      note=clean_text(N_("Anteckningen"), note), user_id=viewer.user_id,
                      created_at=utcnow(), restricted=bool(restricted))
    session.add(contact)
    session.flush()
    if restricted:
        restricted_records.name_readers(session, viewer, student_id, Contact, contact.id,
                                        readers)
    log_event(session, viewer, "create", "contact", contact.id, student_id=student_id,
              after={"kind": kind, "date": date.isoformat(),
                     **({"restricted": True} if restricted else {})})
    return contact.id


def list_contacts(session: Session, viewer: Viewer, student_id: int, *,
                  shared: bool = False) -> pd.DataFrame:
    """The student's contacts, latest first: date, contact_kind (a code), by, contact_note.
    A restricted contact the viewer may not read — in a `shared` document every restricted
    one — shows only the placeholder, without its kind (lib.restricted)."""
    _require_coach(viewer)
    require_student(session, viewer, student_id)
    frame = read_frame(session,
        select(Contact.date, Contact.kind, User.display_name, Contact.note,
               restricted_records.shown_column(viewer, Contact, shared=shared))
        .join(User, User.id == Contact.user_id)
        .where(Contact.student_id == student_id)
        .order_by(Contact.date.desc(), Contact.id.desc()),
        ["date", "contact_kind", "by", "contact_note", "shown"])
    frame = restricted_records.hide(frame, frame["shown"], frame["by"], frame["date"],
                                    ["contact_note"], none=["contact_kind"])
    return frame.drop(columns="shown")


def _require_coach(viewer: Viewer) -> None:
    try:
        require_role(viewer, *COACH_ROLES)
    except AccessDenied:
        raise AccessDenied(_("Kontaktloggen är ungdomscoachens."), viewer=viewer,
                           what="contact_log") from None
