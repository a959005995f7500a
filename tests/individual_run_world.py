"""A student's individual mapping run with its analysis, and the records about no student
beside it (a class run answered anonymously with its analysis, a class plan), built
straight from the models for the register extract and retention tests.

The individual instrument "Elevkartläggning" v1 (published, answered by staff) has one
dimension, relationer (r1, r2), on the scale of tests/connectedness_world.py, and two
guide topics. Every text written about a student starts with the tag given ("ANNA-…"),
every text of the class run and the class plan with "KLASS-", so that a text in the wrong
place is seen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from data_models.codes import InstrumentLevel, PlanLevel
from data_models.models import (
    ActionPlan,
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    PlanItem,
    PlanReview,
    RunAnalysis,
    RunAnalysisNote,
)
from lib.clock import utcnow
from tests.connectedness_world import build_instrument
from tests.factories import World
from tests.plan_world import add_instrument, add_run, same_answers

RUN_DAY = dt.date(2025, 10, 8)
ANALYSIS_DAY = dt.date(2025, 10, 15)


def add_individual_instrument(session: Session, world: World) -> dict[str, int]:
    """The individual instrument; the ids of it, its statements and its topics by code."""
    return build_instrument(
        session, world, name="Elevkartläggning", level=InstrumentLevel.INDIVIDUAL,
        dimensions=[("rel", "Relationer till vuxna",
                     [(code, False, f"Eleven har en vuxen att gå till {code}")
                      for code in ("r1", "r2")])],
        topics=[("Vad ser vi hos eleven?", ""), ("Vad gör vi?", "")])


def add_individual_run(session: Session, world: World, ids: dict[str, int], student_id: int,
                       tag: str, *, school: str = "SB", date: dt.date = RUN_DAY,
                       by: str = "staff_sb") -> int:
    """The student's run: staff's answers (r1: 4, r2: 2), a note, and an analysis with its
    participants, conclusions and a note under the first guide topic (the second empty)."""
    user = world[f"user:{by}"]
    run = ConnectednessRun(instrument_id=ids["instrument"], level=InstrumentLevel.INDIVIDUAL,
                           school_id=world[school], student_id=student_id, date=date,
                           note=f"{tag}-om kartläggningen", version=1, created_by=user,
                           created_at=utcnow())
    session.add(run)
    session.flush()
    response = ConnectednessResponse(run_id=run.id)
    analysis = RunAnalysis(run_id=run.id, date=ANALYSIS_DAY, participants=f"{tag}-deltagare",
                           conclusions=f"{tag}-slutsats", version=1, created_by=user,
                           created_at=utcnow())
    session.add_all([response, analysis])
    session.flush()
    session.add_all([
        ConnectednessAnswer(response_id=response.id, statement_id=ids["r1"], value=4),
        ConnectednessAnswer(response_id=response.id, statement_id=ids["r2"], value=2),
        RunAnalysisNote(analysis_id=analysis.id, topic_id=ids["topic1"],
                        note=f"{tag}-ämnesanteckning"),
        RunAnalysisNote(analysis_id=analysis.id, topic_id=ids["topic2"], note="")])
    session.flush()
    return run.id


def add_class_work(session: Session, world: World) -> dict[str, int]:
    """A class run at SB with six anonymous responses and an analysis, and a class plan
    based on it with an item and a follow-up: none of it about a student."""
    ids = add_instrument(session, world)
    run_id = add_run(session, world, ids, same_answers(6, 4, 2, 3))
    user = world["user:staff_sb"]
    analysis = RunAnalysis(run_id=run_id, date=ANALYSIS_DAY, participants="KLASS-deltagare",
                           conclusions="KLASS-slutsats", version=1, created_by=user,
                           created_at=utcnow())
    session.add(analysis)
    session.flush()
    plan = ActionPlan(level=PlanLevel.CLASS, school_id=world["SB"], group_name="NA1B",
                      owner="KLASS-ägare", run_id=run_id, analysis_id=analysis.id,
                      goal="KLASS-mål", learned="KLASS-lärdom", start_date=ANALYSIS_DAY,
                      review_date=ANALYSIS_DAY + dt.timedelta(days=60), version=1,
                      created_by=user, created_at=utcnow())
    session.add(plan)
    session.flush()
    session.add_all([
        RunAnalysisNote(analysis_id=analysis.id, topic_id=ids["topic1"],
                        note="KLASS-ämnesanteckning"),
        PlanItem(plan_id=plan.id, position=1, kind="measure", text="KLASS-insats"),
        PlanReview(plan_id=plan.id, date=ANALYSIS_DAY + dt.timedelta(days=30),
                   note="KLASS-uppföljning", author_id=user, created_at=utcnow())])
    session.flush()
    return {"run": run_id, "analysis": analysis.id, "plan": plan.id}
