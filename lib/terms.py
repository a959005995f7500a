"""Terms (HT/VT) and which one is current."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import Term
from lib.clock import local_today


@dataclass(frozen=True)
class TermInfo:
    id: int
    code: str
    start_date: dt.date
    end_date: dt.date

    @property
    def label(self) -> str:
        return self.code


def _info(term: Term) -> TermInfo:
    return TermInfo(term.id, term.code, term.start_date, term.end_date)


def list_terms(session: Session) -> list[TermInfo]:
    """Newest first."""
    return [_info(t) for t in session.scalars(select(Term).order_by(Term.start_date.desc()))]


def current_term(session: Session, today: dt.date | None = None) -> TermInfo | None:
    return current_among(list_terms(session), today)


def current_among(terms: list[TermInfo], today: dt.date | None = None) -> TermInfo | None:
    """Of terms newest first: the one that contains today, else the latest that has
    started, else the first."""
    today = today or local_today()
    for term in terms:
        if term.start_date <= today <= term.end_date:
            return term
    started = [t for t in terms if t.start_date <= today]
    return started[0] if started else (terms[-1] if terms else None)
