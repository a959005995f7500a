"""The absence dashboards: school page, student absence and the watch list. Every figure
comes from the summary tables, filtered by the viewer's scope in the query; only the
pattern views of one school or one student read raw rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.models import (
    AbsenceRecord,
    Enrolment,
    Municipality,
    School,
    SchoolWeekSummary,
    Student,
    StudentSlotSummary,
    StudentTermSummary,
    StudentWeekSummary,
    Term,
)
from lib import analytics
from lib.access import (
    AccessDenied,
    Viewer,
    absence_clause,
    require_individual_access,
    school_clause,
    student_clause,
)
from lib.frames import read_frame
from lib.personal_number import mask
from lib.students import display_name
from lib.summaries import student_term_rows

HEATMAP_PAGE = 40  # students per heatmap page: keeps the browser payload small


@dataclass(frozen=True)
class Filters:
    programme: str | None = None
    school_year: int | None = None
    class_name: str | None = None


@dataclass(frozen=True)
class SchoolPage:
    school_name: str
    municipality_name: str
    term_code: str
    students: int
    over_watch: int
    over_high: int
    previous_term_code: str | None
    previous_share_watch: float | None
    previous_share_high: float | None
    watch: float
    high: float
    reporting_rate: float | None
    table: pd.DataFrame  # one row per student, sorted by risk
    weekly_lines: dict[str, pd.DataFrame]
    weekday: pd.DataFrame
    lessons: pd.DataFrame
    options: dict[str, list] = field(default_factory=dict)

    @property
    def share_watch(self) -> float | None:
        return analytics.share(self.over_watch, self.students)

    @property
    def share_high(self) -> float | None:
        return analytics.share(self.over_high, self.students)


def schools_in_scope(session: Session, viewer: Viewer, term_id: int) -> list[tuple[int, str]]:
    """Schools with absence this term that the viewer may open, by name."""
    require_individual_access(viewer)
    query = (
        select(School.id, School.name).distinct()
        .join(StudentTermSummary, StudentTermSummary.school_id == School.id)
        .where(StudentTermSummary.term_id == term_id, school_clause(viewer),
               absence_clause(viewer, StudentTermSummary))
        .order_by(School.name)
    )
    return [(school_id, name) for school_id, name in session.execute(query)]


def _previous_term(session: Session, term_id: int) -> Term | None:
    term = session.get(Term, term_id)
    return session.scalar(select(Term).where(Term.start_date < term.start_date)
                          .order_by(Term.start_date.desc()).limit(1))


def _enrolment_details(session, school_id, student_ids, on: dt.date) -> pd.DataFrame:
    """Programme, year and class at the school: the enrolment current on `on`, or the
    latest one there."""
    frame = read_frame(session,
        select(Enrolment.student_id, Enrolment.programme, Enrolment.school_year,
               Enrolment.class_name, Enrolment.start_date)
        .where(Enrolment.school_id == school_id, Enrolment.student_id.in_(student_ids),
               Enrolment.start_date <= on)
        .order_by(Enrolment.start_date),
        ["student_id", "programme", "school_year", "class_name", "start"])
    return frame.drop_duplicates("student_id", keep="last").drop(columns="start")


def _apply_filters(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    if filters.programme:
        frame = frame[frame["programme"] == filters.programme]
    if filters.school_year:
        frame = frame[frame["school_year"] == filters.school_year]
    if filters.class_name:
        frame = frame[frame["class_name"] == filters.class_name]
    return frame


def _weekly(session, viewer, term_id, school_id, student_ids) -> pd.DataFrame:
    frame = read_frame(session,
        select(StudentWeekSummary.student_id, StudentWeekSummary.iso_year,
               StudentWeekSummary.iso_week, StudentWeekSummary.scheduled,
               StudentWeekSummary.absent)
        .where(StudentWeekSummary.term_id == term_id, StudentWeekSummary.school_id == school_id,
               absence_clause(viewer, StudentWeekSummary)),
        ["student_id", "iso_year", "iso_week", "scheduled", "absent"])
    return frame[frame["student_id"].isin(student_ids)]


def school_page(session: Session, viewer: Viewer, school_id: int, term_id: int,
                filters: Filters = Filters()) -> SchoolPage:
    """Everything the school page shows, for the viewer's students at that school."""
    require_individual_access(viewer)
    school = session.scalar(select(School).where(School.id == school_id, school_clause(viewer)))
    if school is None:
        raise AccessDenied("Skolan finns inte, eller så har du inte behörighet att se den.")
    municipality = session.get(Municipality, school.municipality_id)
    term = session.get(Term, term_id)
    terms = student_term_rows(session, viewer, term_id, school_id)
    details = _enrolment_details(session, school_id, terms["student_id"].tolist(), term.end_date)
    merged = terms.merge(details, on="student_id", how="left")
    options = {
        "programme": sorted(merged["programme"].dropna().unique().tolist()),
        "school_year": sorted(int(y) for y in merged["school_year"].dropna().unique()),
        "class_name": sorted(merged["class_name"].dropna().unique().tolist()),
    }
    merged = _apply_filters(merged, filters)
    weekly = _weekly(session, viewer, term_id, school_id, set(merged["student_id"]))
    table = _student_table(session, merged, weekly)
    shares = merged["absent"] / merged["scheduled"]
    previous = _previous_term(session, term_id)
    previous_watch = previous_high = None
    if previous is not None:
        before = student_term_rows(session, viewer, previous.id, school_id)
        if not before.empty:
            before_shares = before["absent"] / before["scheduled"]
            previous_watch = float((before_shares >= before["watch"]).mean())
            previous_high = float((before_shares >= before["high"]).mean())
    return SchoolPage(
        school_name=school.name, municipality_name=municipality.name, term_code=term.code,
        students=len(merged), over_watch=int((shares >= merged["watch"]).sum()),
        over_high=int((shares >= merged["high"]).sum()),
        previous_term_code=previous.code if previous else None,
        previous_share_watch=previous_watch, previous_share_high=previous_high,
        watch=municipality.watch_threshold, high=municipality.high_threshold,
        reporting_rate=analytics.reporting_rate(float(merged["scheduled"].sum()),
                                                float(merged["unreported"].sum())),
        table=table,
        weekly_lines=_trend_lines(session, viewer, school, municipality, term_id, weekly),
        weekday=_school_weekday(session, viewer, school_id, term_id,
                                set(merged["student_id"])),
        lessons=_school_lessons(session, viewer, school_id, term_id, set(merged["student_id"])),
        options=options,
    )


def _student_table(session, merged: pd.DataFrame, weekly: pd.DataFrame) -> pd.DataFrame:
    columns = ["id", "Elev", "Personnummer", "Program", "Årskurs", "Klass", "Frånvaro",
               "Giltig", "Ogiltig", "Trend", "Flagga"]
    if merged.empty:
        return pd.DataFrame(columns=columns)
    students = {s.id: s for s in session.scalars(
        select(Student).where(Student.id.in_(merged["student_id"].tolist())))}
    trend = analytics.trends(weekly)
    rows = []
    for row in merged.itertuples():
        student = students[row.student_id]
        share = row.absent / row.scheduled
        rows.append({
            "id": row.student_id, "Elev": display_name(student),
            "Personnummer": mask(student.personal_number, student.protected_identity),
            "Program": row.programme, "Årskurs": row.school_year, "Klass": row.class_name,
            "Frånvaro": share, "Giltig": row.valid / row.scheduled,
            "Ogiltig": row.invalid / row.scheduled,
            "Trend": analytics.TREND_ARROWS[trend.get(row.student_id, "")],
            "Flagga": analytics.FLAG_LABELS[analytics.flag(share, row.watch, row.high)],
        })
    table = pd.DataFrame(rows, columns=columns)
    # Risk: flag level first, rising before the rest, then the share itself.
    level = table["Flagga"].map({"≥ 20 %": 2, "≥ 15 %": 1}).fillna(0)
    rising = (table["Trend"] == "↑").astype(int)
    order = pd.DataFrame({"level": level, "rising": rising, "share": table["Frånvaro"]})
    ranked = order.sort_values(["level", "rising", "share"], ascending=False).index
    return table.loc[ranked].reset_index(drop=True)


def _share_by_week(frame: pd.DataFrame) -> pd.DataFrame:
    sums = frame.groupby(["iso_year", "iso_week"], as_index=False)[["scheduled", "absent"]].sum()
    sums = sums[sums["scheduled"] > 0]
    return sums.assign(share=sums["absent"] / sums["scheduled"])[["iso_year", "iso_week",
                                                                  "share"]]


def _trend_lines(session, viewer, school, municipality, term_id, weekly) -> dict:
    """The school (the viewer's students there) against all schools in its municipality and
    in its region: aggregates only, from the school × week summary."""
    def area(condition) -> pd.DataFrame:
        return _share_by_week(read_frame(session,
            select(SchoolWeekSummary.iso_year, SchoolWeekSummary.iso_week,
                   func.sum(SchoolWeekSummary.scheduled), func.sum(SchoolWeekSummary.absent))
            .join(School, School.id == SchoolWeekSummary.school_id)
            .join(Municipality, Municipality.id == School.municipality_id)
            .where(SchoolWeekSummary.term_id == term_id, condition)
            .group_by(SchoolWeekSummary.iso_year, SchoolWeekSummary.iso_week),
            ["iso_year", "iso_week", "scheduled", "absent"]))

    return {
        school.name: _share_by_week(weekly).sort_values(["iso_year", "iso_week"]),
        f"Skolor i {municipality.name}": area(School.municipality_id == municipality.id)
        .sort_values(["iso_year", "iso_week"]),
        "Regionen": area(Municipality.region_id == municipality.region_id)
        .sort_values(["iso_year", "iso_week"]),
    }


def _slot_sums(session, viewer, school_id, term_id, student_ids, column) -> pd.DataFrame:
    """Scheduled, valid and invalid minutes by weekday or lesson start, for the (filtered)
    students at a school, from the slot summary."""
    slot = StudentSlotSummary
    frame = read_frame(session,
        select(slot.student_id, getattr(slot, column), slot.scheduled, slot.valid, slot.invalid)
        .where(slot.term_id == term_id, slot.school_id == school_id,
               absence_clause(viewer, slot)),
        ["student_id", column, "scheduled", "valid", "invalid"])
    return frame[frame["student_id"].isin(student_ids)].drop(columns="student_id")


def _school_weekday(session, viewer, school_id, term_id, student_ids) -> pd.DataFrame:
    sums = _slot_sums(session, viewer, school_id, term_id, student_ids, "weekday")
    return analytics.weekday_pattern(sums)


def _school_lessons(session, viewer, school_id, term_id, student_ids) -> pd.DataFrame:
    sums = _slot_sums(session, viewer, school_id, term_id, student_ids, "lesson_start")
    return analytics.lesson_pattern(sums)


def heatmap_page(session: Session, viewer: Viewer, school_id: int, term_id: int,
                 student_ids: list[int], page: int) -> pd.DataFrame:
    """Students × weeks shares for one page of the (already risk-sorted) student list."""
    require_individual_access(viewer)
    chosen = student_ids[page * HEATMAP_PAGE:(page + 1) * HEATMAP_PAGE]
    frame = read_frame(session,
        select(StudentWeekSummary.student_id, StudentWeekSummary.iso_year,
               StudentWeekSummary.iso_week, StudentWeekSummary.scheduled,
               StudentWeekSummary.absent)
        .where(StudentWeekSummary.term_id == term_id, StudentWeekSummary.school_id == school_id,
               StudentWeekSummary.student_id.in_(chosen),
               absence_clause(viewer, StudentWeekSummary)),
        ["student_id", "iso_year", "iso_week", "scheduled", "absent"])
    frame = frame[frame["scheduled"] > 0]
    frame = frame.assign(share=frame["absent"] / frame["scheduled"])
    matrix = frame.pivot_table(index="student_id", columns=["iso_year", "iso_week"],
                               values="share").reindex([i for i in chosen if i in set(
                                   frame["student_id"])])
    names = {s.id: display_name(s) for s in session.scalars(
        select(Student).where(Student.id.in_(chosen)))}
    matrix.index = [names[i] for i in matrix.index]
    return matrix.sort_index(axis=1)


# --- Watch list --------------------------------------------------------------------------

WATCH_COLUMNS = ["id", "Elev", "Personnummer", "Hemkommun", "Skola", "Frånvaro", "Giltig",
                 "Ogiltig", "Trend", "Flagga"]


def watch_list(session: Session, viewer: Viewer, term_id: int, level: str = "watch",
               include_rising: bool = True) -> pd.DataFrame:
    """Students over the watch (or high) level, or rising, across the viewer's scope."""
    require_individual_access(viewer)
    summary = (
        select(StudentTermSummary.student_id, func.sum(StudentTermSummary.scheduled),
               func.sum(StudentTermSummary.absent), func.sum(StudentTermSummary.valid),
               func.sum(StudentTermSummary.invalid))
        .where(StudentTermSummary.term_id == term_id, absence_clause(viewer, StudentTermSummary))
        .group_by(StudentTermSummary.student_id)
        .having(func.sum(StudentTermSummary.scheduled) > 0)
    )
    totals = read_frame(session, summary,
                        ["student_id", "scheduled", "absent", "valid", "invalid"])
    if totals.empty:
        return pd.DataFrame(columns=WATCH_COLUMNS)
    weekly = read_frame(session,
        select(StudentWeekSummary.student_id, StudentWeekSummary.iso_year,
               StudentWeekSummary.iso_week, func.sum(StudentWeekSummary.scheduled),
               func.sum(StudentWeekSummary.absent))
        .where(StudentWeekSummary.term_id == term_id,
               absence_clause(viewer, StudentWeekSummary))
        .group_by(StudentWeekSummary.student_id, StudentWeekSummary.iso_year,
                  StudentWeekSummary.iso_week),
        ["student_id", "iso_year", "iso_week", "scheduled", "absent"])
    trend = analytics.trends(weekly)
    people = _people(session, viewer, term_id, totals["student_id"].tolist())
    rows = []
    for row in totals.itertuples():
        person = people.get(row.student_id)
        if person is None:
            continue
        share = row.absent / row.scheduled
        flag = analytics.flag(share, person["watch"], person["high"])
        rising = trend.get(row.student_id, "") == "up"
        wanted = flag == "high" or (flag == "watch" and level == "watch") or \
            (include_rising and rising)
        if not wanted:
            continue
        rows.append({"id": row.student_id, "Elev": person["name"],
                     "Personnummer": person["number"], "Hemkommun": person["municipality"],
                     "Skola": person["school"], "Frånvaro": share,
                     "Giltig": row.valid / row.scheduled,
                     "Ogiltig": row.invalid / row.scheduled,
                     "Trend": analytics.TREND_ARROWS[trend.get(row.student_id, "")],
                     "Flagga": analytics.FLAG_LABELS[flag]})
    table = pd.DataFrame(rows, columns=WATCH_COLUMNS)
    return table.sort_values("Frånvaro", ascending=False).reset_index(drop=True)


def _people(session, viewer, term_id, student_ids) -> dict[int, dict]:
    """Name, masked number, home municipality with thresholds, and the school with most
    scheduled time this term, for students in scope."""
    result: dict[int, dict] = {}
    for start in range(0, len(student_ids), 500):
        chunk = student_ids[start:start + 500]
        for student, municipality in session.execute(
            select(Student, Municipality)
            .join(Municipality, Municipality.id == Student.home_municipality_id)
            .where(Student.id.in_(chunk), student_clause(viewer))
        ):
            result[student.id] = {
                "name": display_name(student),
                "number": mask(student.personal_number, student.protected_identity),
                "municipality": municipality.name, "watch": municipality.watch_threshold,
                "high": municipality.high_threshold, "school": "",
            }
        schools = session.execute(
            select(StudentTermSummary.student_id, School.name, StudentTermSummary.scheduled)
            .join(School, School.id == StudentTermSummary.school_id)
            .where(StudentTermSummary.term_id == term_id,
                   StudentTermSummary.student_id.in_(chunk),
                   absence_clause(viewer, StudentTermSummary))
            .order_by(StudentTermSummary.scheduled)
        ).all()
        for student_id, school_name, _ in schools:  # the largest comes last and wins
            if student_id in result:
                result[student_id]["school"] = school_name
    return result


# --- One student -------------------------------------------------------------------------

@dataclass(frozen=True)
class StudentAbsence:
    weekly: pd.DataFrame  # iso_year, iso_week, scheduled, valid_share, invalid_share, share
    daily: pd.DataFrame  # date, scheduled, absent, share
    weekday: pd.DataFrame
    lessons: pd.DataFrame
    courses: pd.DataFrame
    months: pd.DataFrame
    longest_run: int
    watch: float
    high: float


def student_absence(session: Session, viewer: Viewer, student_id: int) -> StudentAbsence:
    """A student's absence over all terms in the viewer's view: weekly, daily, patterns,
    courses (where the school reports lessons) and the longest run of absent days."""
    require_individual_access(viewer)
    found = session.execute(
        select(Municipality.watch_threshold, Municipality.high_threshold)
        .join(Student, Student.home_municipality_id == Municipality.id)
        .where(Student.id == student_id, student_clause(viewer))
    ).first()
    if found is None:
        raise AccessDenied("Eleven finns inte, eller så har du inte behörighet att se den.")
    raw = read_frame(session,
        select(AbsenceRecord.date, AbsenceRecord.lesson_start, AbsenceRecord.course,
               AbsenceRecord.iso_year, AbsenceRecord.iso_week,
               AbsenceRecord.scheduled_minutes, AbsenceRecord.absent_minutes,
               AbsenceRecord.valid_minutes, AbsenceRecord.invalid_minutes)
        .where(AbsenceRecord.student_id == student_id, absence_clause(viewer)),
        ["date", "lesson_start", "course", "iso_year", "iso_week", "scheduled", "absent",
         "valid", "invalid"])
    weekly = raw.groupby(["iso_year", "iso_week"], as_index=False)[
        ["scheduled", "absent", "valid", "invalid"]].sum().sort_values(["iso_year", "iso_week"])
    weekly = weekly[weekly["scheduled"] > 0]
    weekly = weekly.assign(valid_share=weekly["valid"] / weekly["scheduled"],
                           invalid_share=weekly["invalid"] / weekly["scheduled"],
                           share=weekly["absent"] / weekly["scheduled"])
    daily = raw.groupby("date", as_index=False)[["scheduled", "absent"]].sum()
    daily = daily[daily["scheduled"] > 0]
    daily = daily.assign(share=daily["absent"] / daily["scheduled"])
    return StudentAbsence(
        weekly=weekly.reset_index(drop=True), daily=daily.reset_index(drop=True),
        weekday=analytics.weekday_pattern(raw), lessons=analytics.lesson_pattern(raw),
        courses=_courses(raw), months=_months(raw),
        longest_run=analytics.longest_absent_run(raw),
        watch=found[0], high=found[1],
    )


MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december"]


def _months(raw: pd.DataFrame) -> pd.DataFrame:
    columns = ["Månad", "Frånvaro", "Giltig", "Ogiltig"]
    if raw.empty:
        return pd.DataFrame(columns=columns)
    shares = analytics.monthly_shares(raw).sort_index(ascending=False)
    return pd.DataFrame({
        "Månad": [f"{MONTHS[p.month - 1]} {p.year}" for p in shares.index],
        "Frånvaro": shares["share"].to_numpy(), "Giltig": shares["valid_share"].to_numpy(),
        "Ogiltig": shares["invalid_share"].to_numpy(),
    }, columns=columns)


def _courses(raw: pd.DataFrame) -> pd.DataFrame:
    lessons = raw.dropna(subset=["course"])
    columns = ["Kurs", "Lektioner", "Schemalagd tid (h)", "Frånvaro", "Ogiltig"]
    if lessons.empty:
        return pd.DataFrame(columns=columns)
    sums = lessons.groupby("course").agg(lessons=("scheduled", "size"),
                                         scheduled=("scheduled", "sum"),
                                         absent=("absent", "sum"), invalid=("invalid", "sum"))
    table = pd.DataFrame({
        "Kurs": sums.index, "Lektioner": sums["lessons"].to_numpy(),
        "Schemalagd tid (h)": (sums["scheduled"] / 60).to_numpy(),
        "Frånvaro": (sums["absent"] / sums["scheduled"]).to_numpy(),
        "Ogiltig": (sums["invalid"] / sums["scheduled"]).to_numpy(),
    })
    return table.sort_values("Frånvaro", ascending=False).reset_index(drop=True)
