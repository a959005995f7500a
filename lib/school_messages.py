"""Messages between a school and a municipality's coach about anything that is not one
student or one meeting: a concern, a routine, a question between visits. They are feedback
with neither a student nor a meeting (lib.feedback), so they arrive in the other side's inbox
and are acknowledged there like any feedback; here they are read as one thread per school ×
municipality, oldest first."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from data_models.codes import FeedbackDirection
from data_models.models import Feedback, User
from lib.access import AccessDenied, Role, Viewer, feedback_clause, require_individual_access
from lib.audit import log_event, log_view
from lib.clock import utcnow
from lib.feedback import RECEIVES
from lib.frames import read_frame
from lib.i18n import N_
from lib.school_pairs import require_pair
from lib.versioning import clean_text

WRITERS = {Role.COACH: FeedbackDirection.TO_SCHOOL, Role.SCHOOL_STAFF: FeedbackDirection.TO_COACH}
THREAD_COLUMNS = ["id", "version", "direction", "author", "sent_at", "message",
                  "acknowledged_at", "acknowledged_by", "answer", "incoming"]


def _is_message():
    """Feedback about no student, no meeting and no student talk."""
    return (Feedback.student_id.is_(None) & Feedback.meeting_id.is_(None)
            & Feedback.talk_id.is_(None))


def send_message(session: Session, viewer: Viewer, text: str, school_id: int,
                 municipality_id: int) -> int:
    """A message from the viewer's side to the other: a coach writes to a school where the
    municipality's students are or were enrolled, school staff to the coach of a
    municipality whose students are or were enrolled at their school. Returns its id."""
    pair = require_pair(session, viewer, school_id, municipality_id)
    if viewer.role not in WRITERS:
        raise AccessDenied(N_("Meddelanden skrivs av ungdomscoacher och skolpersonal."),
                           viewer=viewer, what="feedback")
    text = clean_text(N_("Meddelandet"), text, required=True)
    item = Feedback(direction=WRITERS[viewer.role], school_id=pair.school_id,
                    municipality_id=pair.municipality_id, meeting_id=None, student_id=None,
                    talk_id=None, text=text, author_id=viewer.user_id, created_at=utcnow(),
                    answer="", version=1)
    session.add(item)
    session.flush()
    log_event(session, viewer, "create", "feedback", item.id, note="Meddelande")
    return item.id


def thread(session: Session, viewer: Viewer, school_id: int,
           municipality_id: int) -> pd.DataFrame:
    """The messages between the school and the municipality's coach, oldest first: who
    wrote, when, to which side, the text, and when and by whom it was acknowledged, with
    the answer. `incoming` marks what was sent to the viewer's side (the ones the viewer
    may acknowledge, lib.feedback.acknowledge)."""
    pair = require_pair(session, viewer, school_id, municipality_id)
    author, reader = aliased(User), aliased(User)
    frame = read_frame(session,
        select(Feedback.id, Feedback.version, Feedback.direction, author.display_name,
               Feedback.created_at, Feedback.text, Feedback.acknowledged_at,
               reader.display_name, Feedback.answer)
        .join(author, author.id == Feedback.author_id)
        .outerjoin(reader, reader.id == Feedback.acknowledged_by)
        .where(Feedback.school_id == pair.school_id,
               Feedback.municipality_id == pair.municipality_id, _is_message())
        .order_by(Feedback.created_at, Feedback.id),
        THREAD_COLUMNS[:-1])
    frame["sent_at"] = pd.to_datetime(frame["sent_at"])
    frame["acknowledged_at"] = pd.to_datetime(frame["acknowledged_at"])
    readers = frame["acknowledged_by"].astype(object)
    frame["acknowledged_by"] = readers.where(readers.notna(), None)
    receives = RECEIVES.get(viewer.role)
    frame["incoming"] = (frame["direction"] == receives) if receives else False
    log_view(session, viewer, "view_feedback", "school", pair.school_id,
             note=f"Meddelanden med {pair.municipality}: {len(frame)}")
    return frame[THREAD_COLUMNS]


def unread_by_pair(session: Session, viewer: Viewer) -> dict[tuple[int, int], int]:
    """Per (school_id, municipality_id) in the viewer's scope: the messages sent to the
    viewer's side and not yet acknowledged, for pairs that have any messages at all (0 when
    all are read), in order of their latest message, newest first."""
    require_individual_access(viewer)
    receives = RECEIVES.get(viewer.role)
    unread = (Feedback.acknowledged_at.is_(None) & (Feedback.direction == receives)
              if receives else Feedback.id.is_(None))
    rows = session.execute(
        select(Feedback.school_id, Feedback.municipality_id,
               func.sum(case((unread, 1), else_=0)), func.max(Feedback.created_at))
        .where(_is_message(), feedback_clause(viewer))
        .group_by(Feedback.school_id, Feedback.municipality_id)).all()
    latest_first = sorted(rows, key=lambda row: row[3], reverse=True)
    return {(school, municipality): int(count or 0)
            for school, municipality, count, _latest in latest_first}
