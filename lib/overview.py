"""The first overview per role: key figures for the viewer's scope and a table per school
(coach, school staff, admin) or per municipality (project leader, aggregates only).
Read from the summaries; flags use each student's home municipality's thresholds."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.models import Municipality, Role, School
from lib import analytics
from lib.access import Viewer, require_role
from lib.indicators import municipality_table
from lib.shared_reads import shared
from lib.students import log_student_list, student_rows
from lib.summaries import per_student, student_term_rows


@dataclass(frozen=True)
class Overview(analytics.FlagShares):
    students: int
    over_watch: int
    over_high: int
    per_school: pd.DataFrame
    flagged: pd.DataFrame  # the students over their watch level, highest first


def _counts(students: pd.DataFrame) -> tuple[int, int, int]:
    return (len(students), int((students["share"] >= students["watch"]).sum()),
            int((students["share"] >= students["high"]).sum()))


def scope_overview(session: Session, viewer: Viewer, term_id: int) -> Overview:
    """Students with absence data this term in the viewer's scope, and how many are flagged."""
    require_role(viewer, Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF)
    overview = shared(session, viewer, "scope_overview", (term_id,),
                      lambda: _scope_overview(session, viewer, term_id))
    log_student_list(session, viewer, overview.flagged, term_id, " över 15 %")
    return overview


def _scope_overview(session: Session, viewer: Viewer, term_id: int) -> Overview:
    rows = student_term_rows(session, viewer, term_id)
    totals = per_student(rows)
    students, watch, high = _counts(totals)
    flagged = student_rows(session, viewer, totals[totals["share"] >= totals["watch"]])
    return Overview(students, watch, high, _per_school(session, rows), flagged)


def _per_school(session: Session, rows: pd.DataFrame) -> pd.DataFrame:
    """Each row is one student at one school, so a school's figures are one group-by."""
    columns = ["school_id", "school", "municipality", "students", "over_watch", "over_high",
               "share_high"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    share = rows["absent"] / rows["scheduled"]
    flagged = rows.assign(watch_flag=share >= rows["watch"], high_flag=share >= rows["high"])
    table = flagged.groupby("school_id", as_index=False).agg(
        students=("student_id", "nunique"), over_watch=("watch_flag", "sum"),
        over_high=("high_flag", "sum"))
    table["share_high"] = table["over_high"] / table["students"]
    names = pd.DataFrame(
        session.execute(
            select(School.id, School.name, Municipality.name)
            .join(Municipality, Municipality.id == School.municipality_id)
            .where(School.id.in_(table["school_id"].tolist()))
        ).all(),
        columns=["school_id", "school", "municipality"],
    )
    table = table.merge(names, on="school_id").sort_values(["over_high", "students"],
                                                           ascending=False)
    return table[columns].reset_index(drop=True)


def municipality_overview(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """Per home municipality: students and shares at the fixed levels 15 % and 20 %.
    Aggregates only, suppressed as on the region page (fewer than 10 students, and the
    complementary cells): None, shown as ".."."""
    require_role(viewer, Role.ADMIN, Role.COACH, Role.PROJECT_LEADER)
    table = municipality_table(session, viewer, term_id)
    return table[~table["is_total"]][["municipality", "students", "share_15",
                                      "share_20"]].reset_index(drop=True)
