"""Regional indicators for project leaders: per municipality and term, with fixed
definitions, never an individual student, and cells on fewer than 10 students suppressed
(with complementary suppression against the published totals). Also the effect of
measures: absence before and after, per measure type, against flagged students without one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from data_models.models import (
    AgendaItem,
    Contact,
    Measure,
    Meeting,
    Municipality,
    MunicipalityTermSummary,
    School,
    Student,
    StudentTermSummary,
    StudentWeekSummary,
    Term,
)
from lib.access import Role, Viewer, municipality_clause, require_role
from lib.exports import Sheet, workbook
from lib.frames import read_frame
from lib.measures import EFFECT_WEEKS, KINDS, window_shares
from lib.summaries import MIN_SCHEDULED_MINUTES
from lib.suppression import suppression_mask, total_mask

WATCH, HIGH = 0.15, 0.20  # fixed regional levels, whatever a municipality flags at
IMPROVED = 5.0  # percentage points lower after a measure than before
TOTAL = "Regionen totalt"
COUNTS = ["students", "over_15", "over_20", "invalid_over_15", "invalid_over_20"]
SHARES = {"over_15": "Andel ≥ 15 %", "over_20": "Andel ≥ 20 %",
          "invalid_over_15": "Ogiltig ≥ 15 %", "invalid_over_20": "Ogiltig ≥ 20 %"}
FUNNEL = {"identified": "Identifierade (≥ 15 %)", "contacted": "Kontaktade",
          "measured": "Med åtgärd", "improved": "Förbättrade"}

DEFINITIONS = f"""
**Elever som följs** (nämnare): elever folkbokförda i kommunen med minst
{MIN_SCHEDULED_MINUTES // 60} timmar schemalagd tid under terminen, på en eller flera skolor.
**Period**: terminen (HT: augusti–december, VT: januari–juni), enligt terminsdatumen.

**Andel ≥ 15 % / ≥ 20 %**: andelen av eleverna vars frånvaro (giltig + ogiltig) är minst
15 % respektive 20 % av den schemalagda tiden under terminen. Fasta nivåer för hela
regionen, oberoende av kommunens egna flaggnivåer. **Ogiltig ≥ 15 % / ≥ 20 %**: samma med
bara ogiltig frånvaro. **Förändring**: procentenheter mot samma termin ett år tidigare.
**Rapporteringsgrad**: andelen schemalagd tid där närvaro alls registrerades.

**Tratten**: *identifierade* är eleverna ≥ 15 %; *kontaktade* de av dem som har en loggad
kontakt med ungdomscoachen eller togs upp på ett genomfört möte under terminen; *med
åtgärd* de som fick en åtgärd med start under terminen; *förbättrade* de med åtgärd vars
frånvaro de {EFFECT_WEEKS} veckorna efter åtgärdens startvecka var minst {IMPROVED:.0f}
procentenheter lägre än de {EFFECT_WEEKS} veckorna före.

**Sekretess**: inga enskilda elever visas. Celler som bygger på färre än 10 elever visas
som "..", och ytterligare celler döljs så att en dold cell inte kan räknas fram ur
totalen. Samma data ger alltid samma tal.
"""


@dataclass(frozen=True)
class RegionIndicators:
    term_code: str
    previous_code: str | None
    table: pd.DataFrame  # one row per municipality and the region total; None = suppressed
    funnel: pd.DataFrame
    meetings: pd.DataFrame
    trend: pd.DataFrame  # Termin, Kommun, Andel ≥ 20 %


def municipality_table(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """The suppressed shares per municipality in the viewer's scope, and the total. Every
    view of these figures uses this one table, so that no two views hide different cells.
    The caller checks the role."""
    term = session.get(Term, term_id)
    counts = _counts(session, viewer, [term])[term.id]
    return _share_table(counts).table


def region_indicators(session: Session, viewer: Viewer, term_id: int) -> RegionIndicators:
    require_role(viewer, Role.PROJECT_LEADER, Role.ADMIN)
    term = session.get(Term, term_id)
    previous = session.scalar(select(Term).where(Term.kind == term.kind,
                                                 Term.year == term.year - 1))
    counts = _counts(session, viewer, [t for t in (term, previous) if t is not None])
    now = _share_table(counts.get(term.id, _empty_counts(session, viewer)))
    table = now.table
    if previous is not None and previous.id in counts:
        before = _share_table(counts[previous.id]).table.set_index("Kommun")["Andel ≥ 20 %"]
        table["Förändring ≥ 20 % (p.e.)"] = [
            None if now_share is None or pd.isna(now_share) or before.get(name) is None
            or pd.isna(before.get(name)) else (now_share - before[name]) * 100
            for name, now_share in zip(table["Kommun"], table["Andel ≥ 20 %"], strict=True)]
    else:
        table["Förändring ≥ 20 % (p.e.)"] = None
    return RegionIndicators(
        term_code=term.code, previous_code=previous.code if previous else None, table=table,
        funnel=_funnel(session, viewer, term, counts.get(term.id), now.mask),
        meetings=_meetings(session, viewer, term), trend=_trend(session, viewer, term))


@dataclass(frozen=True)
class _Shares:
    table: pd.DataFrame
    mask: pd.DataFrame


def _scope_municipalities(session, viewer) -> pd.DataFrame:
    return read_frame(session, select(Municipality.id, Municipality.name)
                      .where(municipality_clause(viewer)).order_by(Municipality.name),
                      ["municipality_id", "Kommun"])


def _empty_counts(session, viewer) -> pd.DataFrame:
    frame = _scope_municipalities(session, viewer).set_index("Kommun")
    for column in [*COUNTS, "scheduled", "unreported"]:
        frame[column] = 0
    return frame


def _counts(session, viewer, terms: list[Term]) -> dict[int, pd.DataFrame]:
    """Per term: the count columns per municipality in scope (all of them, zero when a
    municipality has no students that term), indexed by municipality name."""
    summary = MunicipalityTermSummary
    rows = read_frame(session,
        select(summary.term_id, Municipality.name, summary.students, summary.over_15,
               summary.over_20, summary.invalid_over_15, summary.invalid_over_20,
               summary.scheduled, summary.unreported)
        .join(Municipality, Municipality.id == summary.municipality_id)
        .where(summary.term_id.in_([t.id for t in terms]), municipality_clause(viewer)),
        ["term_id", "Kommun", *COUNTS, "scheduled", "unreported"])
    names = _scope_municipalities(session, viewer)["Kommun"]
    result = {}
    for term in terms:
        part = rows[rows["term_id"] == term.id].set_index("Kommun").drop(columns="term_id")
        result[term.id] = part.reindex(names, fill_value=0)
    return result


def _share_table(counts: pd.DataFrame) -> _Shares:
    """Shares per municipality and for the region, with suppressed cells as None."""
    columns = COUNTS[1:]
    mask = suppression_mask(counts, "students", columns)
    totals = counts.sum()
    hidden_total = total_mask(totals, "students", columns)
    records = []
    for name, row in [*counts.iterrows(), (TOTAL, totals)]:
        hidden = hidden_total if name == TOTAL else mask.loc[name]
        record = {"Kommun": name,
                  "Elever": None if hidden["students"] else int(row["students"])}
        for column, label in SHARES.items():
            record[label] = (None if hidden[column] or hidden["students"] or not row["students"]
                             else row[column] / row["students"])
        record["Rapporteringsgrad"] = (
            None if hidden["students"] or not row["scheduled"]
            else 1 - row["unreported"] / row["scheduled"])
        records.append(record)
    return _Shares(pd.DataFrame(records), mask)


def _flagged_shares(session, student_ids: list[int], term: Term) -> pd.DataFrame:
    """Term totals of the given students (over all schools): student_id, municipality_id,
    share; only students counted in the indicators (the minimum enrolment)."""
    if not student_ids:
        return pd.DataFrame(columns=["student_id", "municipality_id", "share"])
    summary = StudentTermSummary
    frames = []
    for start in range(0, len(student_ids), 500):
        frames.append(read_frame(session,
            select(summary.student_id, Student.home_municipality_id, func.sum(summary.absent),
                   func.sum(summary.scheduled))
            .join(Student, Student.id == summary.student_id)
            .where(summary.term_id == term.id,
                   summary.student_id.in_(student_ids[start:start + 500]))
            .group_by(summary.student_id, Student.home_municipality_id)
            .having(func.sum(summary.scheduled) >= MIN_SCHEDULED_MINUTES),
            ["student_id", "municipality_id", "absent", "scheduled"]))
    frame = pd.concat(frames, ignore_index=True)
    return frame.assign(share=frame["absent"] / frame["scheduled"])


def _funnel(session, viewer, term: Term, counts: pd.DataFrame | None,
            table_mask: pd.DataFrame) -> pd.DataFrame:
    """Identified → contacted → with a measure → improved, per municipality."""
    municipalities = _scope_municipalities(session, viewer)
    in_scope = select(Student.id).join(
        Municipality, Municipality.id == Student.home_municipality_id).where(
        municipality_clause(viewer))
    within = and_(Contact.date >= term.start_date, Contact.date <= term.end_date)
    contacted = set(session.scalars(select(Contact.student_id).where(
        within, Contact.student_id.in_(in_scope)).distinct()))
    contacted |= set(session.scalars(
        select(AgendaItem.student_id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.status != "planned", Meeting.date >= term.start_date,
               Meeting.date <= term.end_date, AgendaItem.student_id.in_(in_scope))
        .distinct()))
    starts = read_frame(session,
        select(Measure.student_id, func.min(Measure.start_date))
        .where(Measure.start_date >= term.start_date, Measure.start_date <= term.end_date,
               Measure.student_id.in_(in_scope))
        .group_by(Measure.student_id), ["student_id", "start"])
    measured = set(starts["student_id"])
    shares = _flagged_shares(session, sorted(contacted | measured), term)
    identified = shares[shares["share"] >= WATCH]
    improved = _improved(session, identified[identified["student_id"].isin(measured)], starts)
    by_id = dict(zip(municipalities["municipality_id"], municipalities["Kommun"], strict=True))
    funnel = pd.DataFrame(0, index=municipalities["Kommun"], columns=list(FUNNEL))
    if counts is not None:
        funnel["identified"] = counts["over_15"].reindex(funnel.index, fill_value=0)
    for column, students in (("contacted", contacted), ("measured", measured),
                             ("improved", improved)):
        chosen = identified[identified["student_id"].isin(students)]
        tally = chosen["municipality_id"].map(by_id).value_counts()
        funnel[column] = tally.reindex(funnel.index, fill_value=0).astype(int)
    seed = pd.DataFrame(False, index=funnel.index, columns=list(FUNNEL))
    seed["identified"] = table_mask["over_15"].reindex(funnel.index, fill_value=True)
    mask = suppression_mask(funnel, "identified", list(FUNNEL)[1:], hidden=seed)
    totals = funnel.sum()
    hidden_total = total_mask(totals, "identified", list(FUNNEL)[1:])
    records = []
    for name, row in [*funnel.iterrows(), (TOTAL, totals)]:
        hidden = hidden_total if name == TOTAL else mask.loc[name]
        records.append({"Kommun": name, **{label: None if hidden[column] else int(row[column])
                                           for column, label in FUNNEL.items()}})
    return pd.DataFrame(records)


def _weekly(session, student_ids: list[int]) -> pd.DataFrame:
    """Weekly minutes summed over schools, with the Monday of each week."""
    frames = []
    week = StudentWeekSummary
    for start in range(0, len(student_ids), 500):
        frames.append(read_frame(session,
            select(week.student_id, week.iso_year, week.iso_week, func.sum(week.scheduled),
                   func.sum(week.absent))
            .where(week.student_id.in_(student_ids[start:start + 500]))
            .group_by(week.student_id, week.iso_year, week.iso_week),
            ["student_id", "iso_year", "iso_week", "scheduled", "absent"]))
    if not frames:
        return pd.DataFrame(columns=["student_id", "monday", "scheduled", "absent"])
    frame = pd.concat(frames, ignore_index=True)
    frame["monday"] = [dt.date.fromisocalendar(int(y), int(w), 1) for y, w in
                       zip(frame["iso_year"], frame["iso_week"], strict=True)]
    return frame


def _changes(weekly: pd.DataFrame, starts: dict[int, dt.date]) -> dict[int, float]:
    """Change in percentage points, after minus before, per student with both windows."""
    result = {}
    for student_id, rows in weekly.groupby("student_id"):
        if student_id not in starts:
            continue
        before, after = window_shares(rows, starts[student_id])
        if before is not None and after is not None:
            result[student_id] = (after - before) * 100
    return result


def _improved(session, flagged_measured: pd.DataFrame, starts: pd.DataFrame) -> set[int]:
    ids = flagged_measured["student_id"].astype(int).tolist()
    first = dict(zip(starts["student_id"], starts["start"], strict=True))
    changes = _changes(_weekly(session, ids), {i: first[i] for i in ids})
    return {student_id for student_id, change in changes.items() if change <= -IMPROVED}


def _meetings(session, viewer, term: Term) -> pd.DataFrame:
    """Review meetings held (or approved) per school this term."""
    frame = read_frame(session,
        select(School.name, Municipality.name, func.count())
        .join(Meeting, Meeting.school_id == School.id)
        .join(Municipality, Municipality.id == Meeting.municipality_id)
        .where(Meeting.term_id == term.id, Meeting.status != "planned",
               municipality_clause(viewer))
        .group_by(School.name, Municipality.name).order_by(School.name, Municipality.name),
        ["Skola", "Elevernas hemkommun", "Genomförda möten"])
    return frame


def _trend(session, viewer, term: Term) -> pd.DataFrame:
    """Share ≥ 20 % per municipality and for the region, term by term up to this one."""
    terms = session.scalars(select(Term).where(Term.start_date <= term.start_date)
                            .order_by(Term.start_date)).all()
    counts = _counts(session, viewer, list(terms))
    frames = []
    for earlier in terms:
        shares = _share_table(counts[earlier.id]).table
        frames.append(pd.DataFrame({"Termin": earlier.code, "Kommun": shares["Kommun"],
                                    "Andel ≥ 20 %": shares["Andel ≥ 20 %"]}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["Termin", "Kommun", "Andel ≥ 20 %"])


# --- Effect of measures -------------------------------------------------------------------

EFFECT_COLUMNS = ["Grupp", "Antal", "Median (p.e.)", "Kvartiler (p.e.)", "Andel förbättrade"]
COMPARISON = "Flaggade utan åtgärd (jämförelse)"
CAVEAT = ("Detta visar hur frånvaron förändrades, inte att åtgärden var orsaken. Elever som "
          "får en åtgärd skiljer sig från andra, frånvaro går ofta upp och ner av sig själv, "
          "och annat händer samtidigt. Jämförelsegruppen är flaggade elever (≥ 15 %) utan "
          "åtgärd under terminen, mätt kring åtgärdernas mediandatum.")


def effect_of_measures(session: Session, viewer: Viewer, term_id: int) -> pd.DataFrame:
    """Per measure type started this term: the change in absence from the 4 weeks before
    the start week to the 4 weeks after, in percentage points (median, quartiles, share
    improved by at least 5 points), against flagged students without a measure."""
    require_role(viewer, Role.PROJECT_LEADER, Role.ADMIN)
    term = session.get(Term, term_id)
    in_scope = select(Student.id).join(
        Municipality, Municipality.id == Student.home_municipality_id).where(
        municipality_clause(viewer))
    measures = read_frame(session,
        select(Measure.student_id, Measure.kind, Measure.start_date)
        .where(Measure.start_date >= term.start_date, Measure.start_date <= term.end_date,
               Measure.student_id.in_(in_scope)),
        ["student_id", "kind", "start"])
    flagged = read_frame(session,
        select(StudentTermSummary.student_id)
        .where(StudentTermSummary.term_id == term.id,
               StudentTermSummary.student_id.in_(in_scope))
        .group_by(StudentTermSummary.student_id)
        .having(and_(func.sum(StudentTermSummary.scheduled) >= MIN_SCHEDULED_MINUTES,
                     func.sum(StudentTermSummary.absent) * 1.0
                     >= func.sum(StudentTermSummary.scheduled) * WATCH)),
        ["student_id"])
    without = sorted(set(flagged["student_id"]) - set(measures["student_id"]))
    reference = (sorted(measures["start"])[len(measures) // 2] if not measures.empty
                 else term.start_date + (term.end_date - term.start_date) / 2)
    weekly = _weekly(session, sorted(set(measures["student_id"]) | set(without)))
    groups: list[tuple[str, list[float]]] = []
    for kind, label in KINDS.items():
        chosen = measures[measures["kind"] == kind]
        if chosen.empty:
            continue
        changes = [_change(weekly, sid, start) for sid, start in
                   zip(chosen["student_id"], chosen["start"], strict=True)]
        groups.append((label, [c for c in changes if c is not None]))
    comparison = [_change(weekly, sid, reference) for sid in without]
    groups.append((COMPARISON, [c for c in comparison if c is not None]))
    return _effect_table(groups)


def _change(weekly: pd.DataFrame, student_id: int, start: dt.date) -> float | None:
    before, after = window_shares(weekly[weekly["student_id"] == student_id], start)
    return None if before is None or after is None else (after - before) * 100


def _effect_table(groups: list[tuple[str, list[float]]]) -> pd.DataFrame:
    """Groups of fewer than 10 are shown as ".." (their count too); the figures are spread
    measures, not totals, so no cell can be worked out from the others."""
    records = []
    for label, changes in groups:
        if len(changes) < 10:
            records.append({"Grupp": label, "Antal": None, "Median (p.e.)": None,
                            "Kvartiler (p.e.)": "..", "Andel förbättrade": None})
            continue
        values = np.array(changes)
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        records.append({"Grupp": label, "Antal": len(values), "Median (p.e.)": float(median),
                        "Kvartiler (p.e.)": f"{q1:.1f} till {q3:.1f}".replace(".", ","),
                        "Andel förbättrade": float((values <= -IMPROVED).mean())})
    return pd.DataFrame(records, columns=EFFECT_COLUMNS)


def indicators_excel(indicators: RegionIndicators, effect: pd.DataFrame) -> bytes:
    """All tables of the region page in one workbook; suppressed cells are written as ".."."""
    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype(object).where(frame.notna(), "..")
    title = f"Regionala indikatorer {indicators.term_code}"
    return workbook([
        Sheet("Indikatorer", (title, "Celler med färre än 10 elever visas som \"..\"."),
              shown(indicators.table)),
        Sheet("Tratt", (f"Från identifierad till förbättrad, {indicators.term_code}",),
              shown(indicators.funnel)),
        Sheet("Möten", (f"Genomförda möten per skola, {indicators.term_code}",),
              indicators.meetings),
        Sheet("Effekt av åtgärder", ("Effekt av åtgärder", CAVEAT), shown(effect)),
        Sheet("Trend", ("Andel ≥ 20 % per termin",), shown(indicators.trend)),
        Sheet("Definitioner", ("Definitioner",),
              pd.DataFrame({"Definition": [p.replace("\n", " ").replace("*", "").strip()
                                           for p in DEFINITIONS.split("\n\n") if p.strip()]})),
    ])
