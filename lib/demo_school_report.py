"""The demo's school report and messages: the small municipality's coach ("coach") has sent
the report of the last finished term to the school of the demo's rector ("rektor"), who has
acknowledged it with an answer; and a short thread of messages between the school and the
coach, the last one not yet acknowledged (so that it waits in the coach's inbox). Written
through the services, as the users would, on the demo's users and schools (lib.demo)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data_models.models import Feedback, SchoolReport, Term, User
from lib.access import Viewer, load_viewer
from lib.clock import utcnow
from lib.feedback import acknowledge
from lib.school_messages import send_message
from lib.school_report import acknowledge_report, save_proposals, send_report

PROPOSALS = (
    "1. Registrera frånvaron samma lektion: i dag saknas närvaro för en del lektioner, "
    "och då syns inte hela frånvaron.\n"
    "2. Kontakta vårdnadshavare första dagen med ogiltig frånvaro, och låt mentor följa upp "
    "efter en vecka.\n"
    "3. Se över frånvaron första lektionen på måndagar tillsammans med elevhälsan.\n"
    "4. Utse en kontaktperson för samarbetet med kommunens ungdomscoach.")
ANSWER = ("Tack. Vi inför rutinen för första frånvarodagen från nästa termin och tar upp "
          "måndagarna på elevhälsomötet.")
# (the writer's username, days ago, text, acknowledged by, answer)
THREAD = (
    ("kurator", 16, "Hej! Vi ser att frånvaron på måndagar ökar i årskurs 1. Ser du samma "
     "mönster hos dina elever?", "coach", ""),
    ("coach", 15, "Ja, särskilt första lektionen. Jag tar med det till genomgången, och vi "
     "kan erbjuda väckning till de elever som vill.", "kurator", "Bra, vi hörs då."),
    ("rektor", 3, "Vi har infört en ny rutin: mentor ringer hem redan första frånvarodagen. "
     "Vi berättar mer på nästa genomgång.", None, ""),
)


def _viewers(session: Session) -> dict[str, Viewer]:
    users = session.scalars(select(User).where(User.username.in_(["coach", "rektor",
                                                                   "kurator"]))).all()
    return {user.username: load_viewer(session, user) for user in users}


def seed_school_report(session: Session, rng_seed: int, today: dt.date) -> dict[str, int]:
    """One report sent and acknowledged, and three messages. Counts of what was made."""
    viewers = _viewers(session)
    if len(viewers) < 3:
        return {"school_reports": 0, "messages": 0}
    coach, rector = viewers["coach"], viewers["rektor"]
    school_id = next(iter(rector.school_ids))
    municipality_id = next(iter(coach.municipality_ids))
    term = session.scalar(select(Term).where(Term.end_date < today)
                          .order_by(Term.end_date.desc()).limit(1))
    rng = np.random.default_rng(rng_seed + 17)
    made = 0
    if term is not None:
        pair = (school_id, municipality_id, term.id)
        version = save_proposals(session, coach, *pair, PROPOSALS, 0)
        version = send_report(session, coach, *pair, version)
        report_id = session.scalar(select(SchoolReport.id).where(
            SchoolReport.school_id == school_id, SchoolReport.term_id == term.id,
            SchoolReport.municipality_id == municipality_id))
        acknowledge_report(session, rector, report_id, version, ANSWER)
        sent = _moment(min(term.end_date + dt.timedelta(days=7), today), rng)
        session.execute(update(SchoolReport).where(SchoolReport.id == report_id).values(
            created_at=sent - dt.timedelta(days=2), sent_at=sent,
            acknowledged_at=min(sent + dt.timedelta(days=3), utcnow())))
        made = 1
    for username, days, text, reader, answer in THREAD:
        message_id = send_message(session, viewers[username], text, school_id,
                                  municipality_id)
        written = _moment(today - dt.timedelta(days=days), rng)
        values = {"created_at": written}
        if reader is not None:
            acknowledge(session, viewers[reader], message_id, 1, answer)
            values["acknowledged_at"] = written + dt.timedelta(hours=3)
        session.execute(update(Feedback).where(Feedback.id == message_id).values(**values))
    return {"school_reports": made, "messages": len(THREAD)}


def _moment(day: dt.date, rng: np.random.Generator) -> dt.datetime:
    """A stored (UTC) moment in the working day of `day`."""
    return dt.datetime.combine(day, dt.time(int(rng.integers(7, 14)), int(rng.integers(0, 60))))
