"""Instruments and runs for the mapping tests, built straight from the models: a class
instrument with two dimensions (IN: Q1, Q2; ME: Q3, Q4 reversed) on a 1–5 scale, and an
individual one answered by staff."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import (
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    Instrument,
    InstrumentDimension,
    InstrumentScaleStep,
    InstrumentStatement,
)
from lib.clock import utcnow
from tests.factories import World

SCALE = [(1, "Stämmer inte alls"), (2, "Stämmer dåligt"), (3, "Stämmer delvis"),
         (4, "Stämmer ganska bra"), (5, "Stämmer helt")]
DIMENSIONS = [("IN", "Involvering", [("Q1", False), ("Q2", False)]),
              ("ME", "Meningsfullhet", [("Q3", False), ("Q4", True)])]
DAY = dt.date(2025, 10, 1)


def make_instrument(session: Session, world: World, *, level: str = "class",
                    name: str = "Exempel skolanknytning", version: int = 1,
                    status: str = "published") -> int:
    instrument = Instrument(name=name, version=version, level=level,
                            respondent="students" if level == "class" else "staff",
                            status=status, introduction="", guide="", example=True, source="",
                            created_by=world["user:admin"], created_at=utcnow())
    session.add(instrument)
    session.flush()
    session.add_all([InstrumentScaleStep(instrument_id=instrument.id, value=value, label=label)
                     for value, label in SCALE])
    for position, (code, title, statements) in enumerate(DIMENSIONS):
        dimension = InstrumentDimension(instrument_id=instrument.id, code=code, name=title,
                                        position=position)
        session.add(dimension)
        session.flush()
        session.add_all([InstrumentStatement(instrument_id=instrument.id,
                                             dimension_id=dimension.id, code=statement,
                                             text=f"Påstående {statement}", position=n,
                                             reversed=reversed_)
                         for n, (statement, reversed_) in enumerate(statements)])
    session.flush()
    return instrument.id


def statement_ids(session: Session, instrument_id: int) -> dict[str, int]:
    return dict(session.execute(select(InstrumentStatement.code, InstrumentStatement.id)
                                .where(InstrumentStatement.instrument_id == instrument_id))
                .all())


def add_run(session: Session, world: World, instrument_id: int, answers: list[dict[str, int]],
            *, school: str = "SB", group: str = "NA1A", date: dt.date = DAY,
            roster: int | None = 30) -> int:
    """A class run with these respondents' answers (statement code → value), stored
    directly."""
    run = ConnectednessRun(instrument_id=instrument_id, level="class", school_id=world[school],
                           group_name=group, date=date, roster_size=roster, note="",
                           version=1, created_by=world["user:staff_sb"], created_at=utcnow())
    session.add(run)
    session.flush()
    ids = statement_ids(session, instrument_id)
    for row in answers:
        response = ConnectednessResponse(run_id=run.id)
        session.add(response)
        session.flush()
        session.add_all([ConnectednessAnswer(response_id=response.id, statement_id=ids[code],
                                             value=value) for code, value in row.items()])
    session.flush()
    return run.id


def same_answers(count: int, value: int = 4) -> list[dict[str, int]]:
    return [{"Q1": value, "Q2": value, "Q3": value, "Q4": value} for _ in range(count)]
