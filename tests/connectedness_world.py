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
    InstrumentTopic,
)
from lib.clock import utcnow
from tests.factories import World

SCALE = [(1, "Stämmer inte alls"), (2, "Stämmer dåligt"), (3, "Stämmer delvis"),
         (4, "Stämmer ganska bra"), (5, "Stämmer helt")]
DIMENSIONS = [("IN", "Involvering", [("Q1", False), ("Q2", False)]),
              ("ME", "Meningsfullhet", [("Q3", False), ("Q4", True)])]
DAY = dt.date(2025, 10, 1)


def build_instrument(session: Session, world: World, *, name: str, level: str = "class",
                     scale=SCALE, dimensions=DIMENSIONS, topics=(), version: int = 1,
                     status: str = "published") -> dict[str, int]:
    """A published instrument from plain data; the ids of it ("instrument"), of each
    statement by its code and of each guide topic ("topic1", …). `dimensions`: (code,
    name, [(statement code, reversed) or (statement code, reversed, text)]); a statement
    without a text reads "Påstående <code>". `topics`: (title, questions)."""
    instrument = Instrument(name=name, version=version, level=level,
                            respondent="students" if level == "class" else "staff",
                            status=status, introduction="", guide="", example=True, source="",
                            created_by=world["user:admin"], created_at=utcnow())
    session.add(instrument)
    session.flush()
    ids = {"instrument": instrument.id}
    session.add_all([InstrumentScaleStep(instrument_id=instrument.id, value=value, label=label)
                     for value, label in scale])
    position = 0
    for order, (code, title, statements) in enumerate(dimensions, start=1):
        dimension = InstrumentDimension(instrument_id=instrument.id, code=code, name=title,
                                        position=order)
        session.add(dimension)
        session.flush()
        for statement_code, reversed_, *text in statements:
            position += 1
            statement = InstrumentStatement(
                instrument_id=instrument.id, dimension_id=dimension.id, code=statement_code,
                text=text[0] if text else f"Påstående {statement_code}", position=position,
                reversed=reversed_)
            session.add(statement)
            session.flush()
            ids[statement_code] = statement.id
    for order, (title, questions) in enumerate(topics, start=1):
        topic = InstrumentTopic(instrument_id=instrument.id, position=order, title=title,
                                questions=questions)
        session.add(topic)
        session.flush()
        ids[f"topic{order}"] = topic.id
    return ids


def make_instrument(session: Session, world: World, *, level: str = "class",
                    name: str = "Exempel skolanknytning", version: int = 1,
                    status: str = "published") -> int:
    return build_instrument(session, world, name=name, level=level, version=version,
                            status=status)["instrument"]


def statement_ids(session: Session, instrument_id: int) -> dict[str, int]:
    return dict(session.execute(select(InstrumentStatement.code, InstrumentStatement.id)
                                .where(InstrumentStatement.instrument_id == instrument_id))
                .all())


def add_answers(session: Session, run_id: int, ids: dict[str, int],
                answers: list[dict[str, int]]) -> None:
    """One anonymous response per dict of answers (statement code → value)."""
    for row in answers:
        response = ConnectednessResponse(run_id=run_id)
        session.add(response)
        session.flush()
        session.add_all([ConnectednessAnswer(response_id=response.id, statement_id=ids[code],
                                             value=value) for code, value in row.items()])
    session.flush()


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
    add_answers(session, run.id, statement_ids(session, instrument_id), answers)
    return run.id


def same_answers(count: int, value: int = 4) -> list[dict[str, int]]:
    return [{"Q1": value, "Q2": value, "Q3": value, "Q4": value} for _ in range(count)]
