"""The audit log: every view of a student's data and every change, with user and time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.engine import write_afterwards
from data_models.models import AuditEvent, Role
from lib import formats
from lib.access import Viewer, require_role
from lib.clock import utc_start_of, utcnow

ACTION_LABELS = {
    "view_student": "Visade elev",
    "view_student_list": "Visade elevlista",
    "view_school": "Visade skola",
    "view_measures": "Visade åtgärder",
    "view_feedback": "Visade återkoppling",
    "view_meeting": "Visade möte",
    "view_visit_pack": "Visade besökspaket",
    "refused": "Nekad åtkomst",
    "export": "Exporterade",
    "login": "Inloggning",
    "login_failed": "Misslyckad inloggning",
    "logout": "Utloggning",
    "session_revoked": "Inloggning avslutad",
    "create": "Skapade",
    "update": "Ändrade",
    "reset_password": "Nytt lösenord",
    "import": "Läste in fil",
    "undo_import": "Ångrade import",
}
# What an event is about, in Swedish (the log stores codes).
ENTITY_LABELS = {
    "agenda_item": "Mötespunkt",
    "contact": "Kontakt",
    "contact_log": "Kontaktlogg",
    "feedback": "Återkoppling",
    "import_batch": "Import",
    "individuals": "Enskilda elever",
    "measure": "Åtgärd",
    "measure_follow_up": "Uppföljning av åtgärd",
    "meeting": "Möte",
    "minutes": "Protokoll",
    "municipality": "Kommun",
    "region": "Region",
    "region_indicators": "Regionala indikatorer",
    "role": "Roll",
    "school": "Skola",
    "student": "Elev",
    "term": "Termin",
    "unknown": "Okänt",
    "user": "Användare",
    "visit_pack": "Besökspaket",
    "watch_list": "Bevakningslista",
}
AUDIT_COLUMNS = ["Tid", "Användare", "Händelse", "Objekt", "Objekt-id", "Elev-id", "Före",
                 "Efter", "Notering"]


def log_view(session: Session, viewer: Viewer, action: str, entity: str,
             entity_id: int | None = None, *, student_id: int | None = None,
             note: str | None = None) -> None:
    """Log that the viewer was shown identifiable students. Written in a short transaction
    of its own as the unit of work ends, so that a page's reads never hold the database's
    write lock, and before the page can show what it read."""
    write_afterwards(session, AuditEvent(
        at=utcnow(), user_id=viewer.user_id, username=viewer.username, action=action,
        entity=entity, entity_id=entity_id, student_id=student_id, note=note))


def log_event(
    session: Session,
    actor: Viewer | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    student_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    username: str | None = None,
    note: str | None = None,
) -> None:
    details = {k: v for k, v in (("before", before), ("after", after)) if v is not None}
    session.add(
        AuditEvent(
            at=utcnow(),
            user_id=actor.user_id if actor else None,
            username=actor.username if actor else (username or ""),
            action=action,
            entity=entity,
            entity_id=entity_id,
            student_id=student_id,
            details=details or None,
            note=note,
        )
    )


def list_events(
    session: Session,
    viewer: Viewer,
    *,
    username: str | None = None,
    student_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """The newest events first, with times in Swedish time; `date_from` and `date_to` are
    Swedish dates (both included)."""
    require_role(viewer, Role.ADMIN)
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if username:
        query = query.where(AuditEvent.username == username.strip().lower())
    if student_id is not None:
        query = query.where(AuditEvent.student_id == student_id)
    if date_from is not None:
        query = query.where(AuditEvent.at >= utc_start_of(date_from))
    if date_to is not None:
        query = query.where(AuditEvent.at < utc_start_of(date_to + dt.timedelta(days=1)))
    rows = [
        {
            "Tid": formats.moment(e.at, seconds=True),
            "Användare": e.username,
            "Händelse": ACTION_LABELS.get(e.action, e.action),
            "Objekt": ENTITY_LABELS.get(e.entity, e.entity),
            # Whole ids (a missing one made the column floats: "2 643,0").
            "Objekt-id": "" if e.entity_id is None else str(e.entity_id),
            "Elev-id": "" if e.student_id is None else str(e.student_id),
            "Före": _compact(e.details, "before"),
            "Efter": _compact(e.details, "after"),
            "Notering": e.note or "",
        }
        for e in session.scalars(query)
    ]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def _compact(details: dict | None, key: str) -> str:
    if not details or key not in details:
        return ""
    return ", ".join(f"{k}={v}" for k, v in details[key].items())
