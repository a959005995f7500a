"""The results of mapping runs: per statement and dimension the mean, the number of answers
and the distribution over the scale, compared with the previous run of the same class; and
the school page's table of a school's classes beside their absence.

A reversed statement counts high answers as low connectedness: its values are turned
(min + max − value) in every mean, so that a higher mean is always more connectedness. The
distribution of a statement is of the answers as given; that of a dimension is of the
turned values.

Privacy. A class result is an aggregate of anonymous answers. The school's own staff see it
from MIN_OWN respondents; everyone else (coaches, project leaders, administrators) from
MIN_CELL, like every other figure. Below the limit nothing of the result is shown; above
it, a statement's or a dimension's figures are hidden where fewer respondents answered it.
The distribution is given as shares rounded to whole per cent, never as counts, and the
counts shown (respondents, answers) are never below the limit. An individual run is the
staff's mapping of one student, read like a talk: shown whole to those who may read it.
`dimension_means` applies none of this and checks no access: its callers do both."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from data_models.codes import InstrumentLevel, Role
from data_models.models import (
    ConnectednessAnswer,
    ConnectednessResponse,
    ConnectednessRun,
    Instrument,
    InstrumentDimension,
    InstrumentScaleStep,
    InstrumentStatement,
)
from lib.access import Viewer
from lib.analytics import MIN_CELL
from lib.connectedness import instrument_parts, readable_run
from lib.frames import read_frame

MIN_OWN = 5  # respondents before the school's own staff see a class result
DIMENSION_COLUMNS = ["dimension_id", "dimension_code", "dimension", "mean", "answers",
                     "respondents", "mean_change"]
STATEMENT_RESULT_COLUMNS = ["statement_id", "statement_code", "dimension_code", "dimension",
                            "statement", "statement_reversed", "mean", "answers",
                            "mean_change"]
DISTRIBUTION_COLUMNS = ["result_kind", "item_code", "scale_value", "scale_label",
                        "answer_share"]
RENAMED = {"code": "statement_code", "text": "statement", "reversed": "statement_reversed"}
MEANS_COLUMNS = ["run_id", "dimension_code", "dimension", "mean", "answers", "respondents"]


@dataclass(frozen=True)
class RunResults:
    """A run's results as the viewer may see them. `shown` is False below `limit`
    respondents: then every figure is missing (NaN) and the distribution empty."""

    run_id: int
    level: str
    respondents: int
    limit: int
    shown: bool
    dimensions: pd.DataFrame  # DIMENSION_COLUMNS
    statements: pd.DataFrame  # STATEMENT_RESULT_COLUMNS
    distribution: pd.DataFrame  # DISTRIBUTION_COLUMNS; kind "dimension" or "statement"
    previous_run_id: int | None
    previous_date: dt.date | None
    mean: float | None  # over every answer, turned


def result_limit(viewer: Viewer, run: ConnectednessRun) -> int:
    """The respondents a figure must rest on for this viewer."""
    if run.level == InstrumentLevel.INDIVIDUAL:
        return 1
    if viewer.role == Role.SCHOOL_STAFF and run.school_id in viewer.school_ids:
        return MIN_OWN
    return MIN_CELL


def run_results(session: Session, viewer: Viewer, run_id: int) -> RunResults:
    """A run's results, suppressed for the viewer, with the change since the previous run
    of the same class where both are shown."""
    run = readable_run(session, viewer, run_id)
    limit = result_limit(viewer, run)
    now = _results(session, run, limit)
    previous = previous_run(session, run)
    if previous is not None:
        before = _results(session, previous, limit)
        _add_change(now["dimensions"], before["dimensions"], "dimension_code")
        _add_change(now["statements"], before["statements"], "statement_code")
    return RunResults(run_id=run.id, level=run.level, respondents=now["respondents"],
                      limit=limit, shown=now["respondents"] >= limit,
                      dimensions=now["dimensions"], statements=now["statements"],
                      distribution=now["distribution"],
                      previous_run_id=previous.id if previous else None,
                      previous_date=previous.date if previous else None, mean=now["mean"])


def _answers(session: Session, run: ConnectednessRun) -> tuple[pd.DataFrame, pd.DataFrame, tuple]:
    """Every answer of the run with its statement and the value turned where reversed."""
    statements, scale = instrument_parts(session, run.instrument_id)
    values = [value for value, _label in scale]
    answers = read_frame(session,
        select(ConnectednessAnswer.response_id, ConnectednessAnswer.statement_id,
               ConnectednessAnswer.value)
        .join(ConnectednessResponse, ConnectednessResponse.id == ConnectednessAnswer.response_id)
        .where(ConnectednessResponse.run_id == run.id),
        ["response_id", "statement_id", "value"])
    answers = answers.merge(statements.rename(columns={"id": "statement_id"}),
                            on="statement_id")
    low, high = (min(values), max(values)) if values else (0, 0)
    answers["turned"] = np.where(answers["reversed"].astype(bool), low + high - answers["value"],
                                 answers["value"])
    return answers, statements, scale


def _results(session: Session, run: ConnectednessRun, limit: int) -> dict:
    answers, statements, scale = _answers(session, run)
    respondents = int(session.scalar(select(func.count()).select_from(ConnectednessResponse)
                                     .where(ConnectednessResponse.run_id == run.id)) or 0)
    shown = respondents >= limit
    by_statement = answers.groupby("statement_id").agg(
        mean=("turned", "mean"), answers=("turned", "size"))
    table = statements.rename(columns={"id": "statement_id"}).merge(
        by_statement, left_on="statement_id", right_index=True, how="left")
    table["answers"] = table["answers"].fillna(0)
    hidden = (not shown) | (table["answers"] < limit)
    table.loc[hidden, ["mean", "answers"]] = np.nan
    table["mean_change"] = np.nan
    dimensions = _dimensions(statements, answers, limit, shown)
    distribution = _distribution(answers, scale, table, dimensions) if shown else \
        pd.DataFrame(columns=DISTRIBUTION_COLUMNS)
    mean = float(answers["turned"].mean()) if shown and len(answers) else None
    return {"respondents": respondents,
            "statements": table.rename(columns=RENAMED)[STATEMENT_RESULT_COLUMNS],
            "dimensions": dimensions, "distribution": distribution, "mean": mean}


def _dimensions(statements: pd.DataFrame, answers: pd.DataFrame, limit: int,
                shown: bool) -> pd.DataFrame:
    names = statements.drop_duplicates("dimension_id")[["dimension_id", "dimension_code",
                                                        "dimension"]]
    grouped = answers.groupby("dimension_id").agg(
        mean=("turned", "mean"), answers=("turned", "size"),
        respondents=("response_id", "nunique"))
    table = names.merge(grouped, left_on="dimension_id", right_index=True, how="left")
    table[["answers", "respondents"]] = table[["answers", "respondents"]].fillna(0)
    hidden = (not shown) | (table["respondents"] < limit)
    table.loc[hidden, ["mean", "answers", "respondents"]] = np.nan
    table["mean_change"] = np.nan
    return table[DIMENSION_COLUMNS].reset_index(drop=True)


def _distribution(answers: pd.DataFrame, scale, statements: pd.DataFrame,
                  dimensions: pd.DataFrame) -> pd.DataFrame:
    """Shares per scale value, rounded to whole per cent, for the statements and the
    dimensions whose figures are shown."""
    labels = dict(scale)
    parts = []
    for kind, key, value_column, kept in (
            ("statement", "code", "value", statements.dropna(subset=["mean"])["code"]),
            ("dimension", "dimension_code", "turned",
             dimensions.dropna(subset=["mean"])["dimension_code"])):
        rows = answers[answers[key].isin(set(kept))]
        counts = rows.groupby([key, value_column]).size().unstack(fill_value=0)
        counts = counts.reindex(columns=list(labels), fill_value=0)
        shares = counts.div(counts.sum(axis=1), axis=0).round(2)
        long = shares.stack().rename("share").reset_index()
        long.columns = ["item_code", "scale_value", "answer_share"]
        long["result_kind"] = kind
        parts.append(long)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if frame.empty:
        return pd.DataFrame(columns=DISTRIBUTION_COLUMNS)
    frame["scale_label"] = frame["scale_value"].map(labels)
    return frame[DISTRIBUTION_COLUMNS]


def _add_change(now: pd.DataFrame, before: pd.DataFrame, key: str) -> None:
    """In place: the change of each mean since the previous run, where both are shown."""
    earlier = before.set_index(key)["mean"]
    now["mean_change"] = now["mean"] - now[key].map(earlier).astype(float)


def previous_run(session: Session, run: ConnectednessRun) -> ConnectednessRun | None:
    """The latest earlier run of the same class (same school, group and instrument name,
    any version)."""
    return session.scalars(_same_class(session, run).where(
        (ConnectednessRun.date < run.date)
        | ((ConnectednessRun.date == run.date) & (ConnectednessRun.id < run.id)))
        .order_by(ConnectednessRun.date.desc(), ConnectednessRun.id.desc()).limit(1)).first()


def next_run_id(session: Session, run_id: int) -> int | None:
    """The next run of the same class after this one (no access check: for callers that
    have checked the run)."""
    run = session.get(ConnectednessRun, run_id)
    if run is None or run.level != InstrumentLevel.CLASS:
        return None
    return session.scalars(_same_class(session, run).with_only_columns(ConnectednessRun.id)
                           .where((ConnectednessRun.date > run.date)
                                  | ((ConnectednessRun.date == run.date)
                                     & (ConnectednessRun.id > run.id)))
                           .order_by(ConnectednessRun.date, ConnectednessRun.id)
                           .limit(1)).first()


def _same_class(session: Session, run: ConnectednessRun):
    name = session.scalar(select(Instrument.name).where(Instrument.id == run.instrument_id))
    return (select(ConnectednessRun)
            .join(Instrument, Instrument.id == ConnectednessRun.instrument_id)
            .where(ConnectednessRun.school_id == run.school_id,
                   ConnectednessRun.group_name == run.group_name,
                   ConnectednessRun.level == InstrumentLevel.CLASS,
                   ConnectednessRun.id != run.id, Instrument.name == name))


def dimension_means(session: Session, run_ids: list[int]) -> pd.DataFrame:
    """Per run and dimension: the mean of the turned answers, the answers and the
    respondents (MEANS_COLUMNS). No access check and no suppression: the caller has
    checked the runs and hides what its viewer may not see (as `run_results` does)."""
    if not run_ids:
        return pd.DataFrame(columns=MEANS_COLUMNS)
    bounds = (select(InstrumentScaleStep.instrument_id,
                     (func.min(InstrumentScaleStep.value)
                      + func.max(InstrumentScaleStep.value)).label("flip"))
              .group_by(InstrumentScaleStep.instrument_id).subquery())
    answer, response = ConnectednessAnswer, ConnectednessResponse
    turned = case((InstrumentStatement.reversed, bounds.c.flip - answer.value),
                  else_=answer.value)
    frame = read_frame(session,
        select(response.run_id, InstrumentDimension.code, InstrumentDimension.name,
               func.sum(turned), func.count(), func.count(func.distinct(response.id)),
               func.min(InstrumentDimension.position))
        .select_from(answer)
        .join(response, response.id == answer.response_id)
        .join(InstrumentStatement, InstrumentStatement.id == answer.statement_id)
        .join(InstrumentDimension, InstrumentDimension.id == InstrumentStatement.dimension_id)
        .join(bounds, bounds.c.instrument_id == InstrumentStatement.instrument_id)
        .where(response.run_id.in_(sorted(set(run_ids))))
        .group_by(response.run_id, InstrumentDimension.code, InstrumentDimension.name),
        ["run_id", "dimension_code", "dimension", "total", "answers", "respondents",
         "position"])
    frame["mean"] = frame["total"].astype(float) / frame["answers"]
    frame = frame.sort_values(["run_id", "position"]).reset_index(drop=True)
    return frame[MEANS_COLUMNS].astype({"answers": int, "respondents": int})


def respondent_counts(session: Session, run_ids: list[int]) -> dict[int, int]:
    """Respondents per run (runs without any left out)."""
    if not run_ids:
        return {}
    return dict(session.execute(
        select(ConnectednessResponse.run_id, func.count().cast(Integer))
        .where(ConnectednessResponse.run_id.in_(sorted(set(run_ids))))
        .group_by(ConnectednessResponse.run_id)).all())
