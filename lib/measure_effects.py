"""The effect of measures for project leaders: per measure type started in a term, the
change in absence from the weeks before the start week to the weeks after, against flagged
students without a measure. Groups of fewer than 10 are hidden; never an individual."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Float, String, and_, cast, exists, select
from sqlalchemy.orm import Session

from data_models.codes import EffectGroup, MeasureKind
from data_models.models import Measure, Municipality, Student, Term
from data_models.windows import StudentTermFlag, StudentWeekWindow
from lib.access import Role, Viewer, municipality_clause, require_role
from lib.i18n import N_

IMPROVED = 5.0  # percentage points lower after a measure than before
EFFECT_HIDDEN_NOTE = N_("Grupper med färre än 10 åtgärder visas som \"..\".")

EFFECT_COLUMNS = ["effect_group", "count", "median_change", "lower_quartile", "upper_quartile",
                  "share_improved"]
CAVEAT = N_("Detta visar hur frånvaron förändrades, inte att åtgärden var orsaken. Elever som "
            "får en åtgärd skiljer sig från andra, frånvaro går ofta upp och ner av sig själv, "
            "och annat händer samtidigt. Jämförelsegruppen är flaggade elever (≥ 15 %) utan "
            "åtgärd under terminen, mätt kring åtgärdernas mediandatum.")


def effect_of_measures(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """Per measure type started this term: the change in absence from the 4 weeks before
    the start week to the 4 weeks after, in percentage points (median, quartiles, share
    improved by at least 5 points), against flagged students without a measure."""
    require_role(viewer, Role.PROJECT_LEADER, Role.ADMIN)
    term = session.get(Term, term_id)
    # Each measure's change as pandas would compute it (NULL where a side had no time), and
    # its kind as plain text.
    change = (Measure.effect_after - Measure.effect_before) * 100
    measures = _tuples(session, _in_scope(select(cast(Measure.kind, String), change), viewer,
                                          Measure.student_id).where(_in_term(term)))
    by_kind: dict[str, list[float]] = {}
    for kind, value in measures:
        by_kind.setdefault(kind, [])
        if value is not None:
            by_kind[kind].append(value)
    groups = [(EffectGroup(kind), by_kind[kind]) for kind in MeasureKind if kind in by_kind]
    # The median start date: the middle one of the start dates in order.
    reference = (session.scalar(_in_scope(select(Measure.start_date), viewer, Measure.student_id)
                                .where(_in_term(term)).order_by(Measure.start_date)
                                .offset(len(measures) // 2).limit(1)) if measures
                 else term.start_date + (term.end_date - term.start_date) / 2)
    comparison = _tuples(session, _comparison_changes(viewer, term, reference))
    groups.append((EffectGroup.COMPARISON, [value for (value,) in comparison]))
    return _effect_table(groups)


def _in_term(term: Term):
    """Measures started in the term."""
    return and_(Measure.start_date >= term.start_date, Measure.start_date <= term.end_date)


def _in_scope(query, viewer: Viewer, student_id):
    """The query's rows of students registered in a municipality the viewer sees. Every
    student has a home municipality, and an administrator sees them all: no join then
    (a third of the national figure's time)."""
    if viewer.role == Role.ADMIN:
        return query
    return (query.join(Student, Student.id == student_id)
            .join(Municipality, Municipality.id == Student.home_municipality_id)
            .where(municipality_clause(viewer)))


def _tuples(session, query) -> list[tuple]:
    """The rows as the database driver gives them. SQLAlchemy compiles the query and binds
    its parameters, but its handling of each row is skipped: half the national effect
    table's time at 70 000 rows. Only for columns the driver gives as wanted (numbers,
    text), on SQLite and PostgreSQL alike."""
    result = session.connection().execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _comparison_changes(viewer: Viewer, term: Term, reference: dt.date):
    """A query of the change in percentage points around one date for every student in the
    viewer's scope who is flagged this term and got no measure started in it, over the
    fixed weeks before and after the date's week: one row each of the week windows kept
    with the summaries (StudentWeekWindow has rows only where both sides have scheduled
    time). Computed as pandas would: float shares, then their difference × 100."""
    year, week_number = reference.isocalendar()[:2]
    window, flag = StudentWeekWindow, StudentTermFlag
    measured = exists().where(Measure.student_id == window.student_id, _in_term(term))

    def share(absent, scheduled):
        return cast(absent, Float) / scheduled
    change = (share(window.after_absent, window.after_scheduled)
              - share(window.before_absent, window.before_scheduled)) * 100
    return (_in_scope(select(change), viewer, window.student_id)
            .join(flag, and_(flag.student_id == window.student_id, flag.term_id == term.id))
            .where(window.iso_year == year, window.iso_week == week_number, ~measured))


def _effect_table(groups: list[tuple[EffectGroup, list[float]]]) -> pd.DataFrame:
    """Groups of fewer than 10 are shown as ".." (their count too); the figures are spread
    measures, not totals, so no cell can be worked out from the others."""
    records = []
    for group, changes in groups:
        if len(changes) < 10:
            records.append(dict.fromkeys(EFFECT_COLUMNS) | {"effect_group": group})  # ".."
            continue
        values = np.array(changes)
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        records.append({"effect_group": group, "count": len(values),
                        "median_change": float(median), "lower_quartile": float(q1),
                        "upper_quartile": float(q3),
                        "share_improved": float((values <= -IMPROVED).mean())})
    return pd.DataFrame(records, columns=EFFECT_COLUMNS, dtype=object)
