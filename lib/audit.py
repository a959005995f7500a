"""The audit log: every view of a student's data and every change, with user and time."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.engine import write_afterwards
from data_models.models import AuditEvent, Role
from lib.access import Viewer, require_role
from lib.clock import utc_start_of, utcnow

# The log's columns (lib.columns): the time, who, what and about what, and the fields
# changed, as JSON of machine names and stored values.
AUDIT_COLUMNS = ["at", "user", "action", "entity", "entity_id", "event_student_id",
                 "changed_before", "changed_after", "note"]


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
    """The newest events first (times stored in UTC); `date_from` and `date_to` are
    Swedish dates (both included). Actions and entities are codes (AuditAction,
    AuditEntity; an unknown one as it is stored)."""
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
    rows = [(e.at, e.username, e.action, e.entity, e.entity_id, e.student_id,
             _changed(e.details, "before"), _changed(e.details, "after"), e.note or "")
            for e in session.scalars(query)]
    # Object columns keep the ids whole beside a missing one (not floats: "2 643,0").
    frame = pd.DataFrame({name: pd.Series([row[i] for row in rows], dtype=object)
                          for i, name in enumerate(AUDIT_COLUMNS)})
    frame["at"] = pd.to_datetime(frame["at"])
    return frame


def _changed(details: dict | None, key: str) -> str:
    """The fields before or after the change as JSON ("" when the event has none)."""
    if not details or key not in details:
        return ""
    return json.dumps(details[key], ensure_ascii=False, default=str)
