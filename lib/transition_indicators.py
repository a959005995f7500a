"""The transitions in the regional indicators, as aggregates only: per school, the term's
new year-1 students, hand-overs received and early talks held by their week; per home
municipality, the term's study interruptions, the KAA episodes they opened, how many were
contacted within the due rule, and how many were back in studies or in some occupation 3
and 6 months after the interruption. Cells on fewer than 10 students are hidden, with
complementary suppression where a total could give them back (lib.suppression)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from data_models.codes import Role
from data_models.models import (
    EarlyTalk,
    Enrolment,
    HandOver,
    KaaContact,
    KaaEpisode,
    Municipality,
    School,
    Student,
    StudyInterruption,
    Term,
)
from lib.access import Viewer, municipality_clause, require_role
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.kaa import OCCUPIED, add_school_days
from lib.shared_reads import shared
from lib.suppression import suppress
from lib.transitions import early_talk_dues, new_from

TOTAL = N_("Totalt")  # the region's, or a coach's municipalities'
THREE_MONTHS, SIX_MONTHS = dt.timedelta(days=91), dt.timedelta(days=182)
SCHOOL_COUNTS = ["new_students", "hand_overs", "early_in_time"]
KAA_COUNTS = ["interruptions", "kaa_opened", "contacted_in_time", "past_3_months",
              "occupied_3_months", "past_6_months", "occupied_6_months"]
# (a, b): a ≤ b in every row, which suppression must not let a reader use to undo it.
KAA_ORDER = (("kaa_opened", "interruptions"), ("contacted_in_time", "kaa_opened"),
             ("past_3_months", "kaa_opened"), ("occupied_3_months", "past_3_months"),
             ("past_6_months", "past_3_months"), ("occupied_6_months", "past_6_months"))
SHARES = {"hand_overs": ("new_students", "share_hand_over"),
          "early_in_time": ("new_students", "share_early_in_time"),
          "contacted_in_time": ("kaa_opened", "share_contacted_in_time"),
          "occupied_3_months": ("past_3_months", "share_occupied_3_months"),
          "occupied_6_months": ("past_6_months", "share_occupied_6_months")}

TRANSITION_DEFINITIONS = N_("""
**Nya elever** är inskrivningar i årskurs 1 som började under terminen (efter slutet av
terminen före). *Med överlämning*: en överlämning från grundskolan är registrerad; *tidigt
samtal i tid*: det tidiga uppföljningssamtalet hölls senast söndagen i vecka N av den första
terminen (N är elevens hemkommuns inställning).

**Studieavbrott** räknas per hemkommun efter avbrottets datum. *KAA-ärenden*: avbrott som
öppnade ett ärende i aktivitetsansvaret (den unga var under 20); *kontaktade i tid*: det
första kontaktförsöket gjordes inom kommunens antal skoldagar; *efter 3 (6) månader*: ärenden
där 91 (182) dagar har gått sedan avbrottet, och av dem de vars sysselsättning (åter i
studier, arbete, praktik eller annan insats) började inom den tiden och fortfarande gäller.
""")


@dataclass(frozen=True)
class TransitionIndicators:
    schools: pd.DataFrame  # school, municipality, is_total, SCHOOL_COUNTS and their shares
    municipalities: pd.DataFrame  # municipality, is_total, KAA_COUNTS and their shares


def transition_indicators(session: Session, viewer: Viewer, term_id: int,
                          today: dt.date) -> TransitionIndicators:
    """For project leaders and administrators (the region), and a coach (their
    municipalities)."""
    require_role(viewer, Role.PROJECT_LEADER, Role.ADMIN, Role.COACH)
    term = session.get(Term, term_id)
    return shared(session, viewer, "transition_indicators", (term_id, today),
                  lambda: TransitionIndicators(_schools(session, viewer, term, today),
                                               _municipalities(session, viewer, term, today)))


def _new_students_in_scope(session: Session, viewer: Viewer):
    """A coach counts their municipality's students wherever they study; the region counts
    the schools in its municipalities."""
    if viewer.role == Role.COACH:
        return Student.home_municipality_id.in_(viewer.municipality_ids)
    return School.municipality_id.in_(session.scalars(select(Municipality.id).where(
        municipality_clause(viewer))).all())


def _schools(session: Session, viewer: Viewer, term: Term, today: dt.date) -> pd.DataFrame:
    place = Municipality.__table__.alias("place")
    # Counted in the database per school, start day, early-talk week and talk day (a few
    # hundred groups for a region's 20 000 new students), then each group against its due.
    new = read_frame(session, select(
        Enrolment.school_id, School.name, place.c.name, Enrolment.start_date,
        Municipality.early_talk_week, EarlyTalk.date,
        func.count(Enrolment.student_id.distinct()), func.count(HandOver.id.distinct()))
        .join(School, School.id == Enrolment.school_id)
        .join(place, place.c.id == School.municipality_id)
        .join(Student, Student.id == Enrolment.student_id)
        .join(Municipality, Municipality.id == Student.home_municipality_id)
        .outerjoin(HandOver, and_(HandOver.student_id == Enrolment.student_id,
                                  HandOver.school_id == Enrolment.school_id))
        .outerjoin(EarlyTalk, and_(EarlyTalk.student_id == Enrolment.student_id,
                                   EarlyTalk.school_id == Enrolment.school_id))
        .where(Enrolment.school_year == 1, Enrolment.start_date >= new_from(session, term),
               Enrolment.start_date <= term.end_date,
               _new_students_in_scope(session, viewer))
        .group_by(Enrolment.school_id, School.name, place.c.name, Enrolment.start_date,
                  Municipality.early_talk_week, EarlyTalk.date)
        .order_by(School.name, Enrolment.school_id),
        ["school_id", "school", "municipality", "start", "week", "early_talk",
         "new_students", "hand_overs"])
    due = early_talk_dues(term.start_date, new["start"], new["week"])
    talk = pd.to_datetime(new["early_talk"])
    new = new.assign(early_in_time=new["new_students"].where(talk.notna() & (talk <= due), 0))
    schools = new.drop_duplicates("school_id")[["school_id", "school", "municipality"]]
    counts = new.groupby("school_id")[SCHOOL_COUNTS].sum().reindex(schools["school_id"])
    counts.index = schools["school"].tolist()
    table = _suppressed(counts.astype(int), "new_students", SCHOOL_COUNTS[1:],
                        order=(("hand_overs", "new_students"),
                               ("early_in_time", "new_students")), label="school")
    table.insert(1, "municipality", [*schools["municipality"], ""])
    return _with_shares(table, ["hand_overs", "early_in_time"])


def _municipalities(session: Session, viewer: Viewer, term: Term,
                    today: dt.date) -> pd.DataFrame:
    places = read_frame(session, select(Municipality.id, Municipality.name,
                                        Municipality.kaa_first_days)
                        .where(municipality_clause(viewer)).order_by(Municipality.name),
                        ["municipality_id", "municipality", "first_days"])
    ids = places["municipality_id"].astype(int).tolist()
    interrupted = dict(session.execute(
        select(Student.home_municipality_id, func.count(StudyInterruption.id.distinct()))
        .join(Student, Student.id == StudyInterruption.student_id)
        .where(StudyInterruption.date.between(term.start_date, term.end_date),
               Student.home_municipality_id.in_(ids))
        .group_by(Student.home_municipality_id)).all())
    first = (select(KaaContact.episode_id, func.min(KaaContact.date).label("first"))
             .group_by(KaaContact.episode_id).subquery())
    episodes = read_frame(session, select(
        KaaEpisode.municipality_id, KaaEpisode.opened_on, KaaEpisode.occupation,
        KaaEpisode.occupation_since, first.c.first)
        .outerjoin(first, first.c.episode_id == KaaEpisode.id)
        .where(KaaEpisode.opened_on.between(term.start_date, term.end_date),
               KaaEpisode.municipality_id.in_(ids)),
        ["municipality_id", "opened_on", "occupation", "since", "first"])
    first_days = dict(zip(places["municipality_id"], places["first_days"], strict=True))
    rows = {m: dict.fromkeys(KAA_COUNTS, 0) for m in ids}
    for m, count in interrupted.items():
        rows[m]["interruptions"] = int(count)
    for episode in episodes.itertuples(index=False):
        row = rows[int(episode.municipality_id)]
        row["kaa_opened"] += 1
        due = add_school_days(episode.opened_on, int(first_days[episode.municipality_id]))
        row["contacted_in_time"] += int(episode.first is not None and not pd.isna(episode.first)
                                        and episode.first <= due)
        occupied = episode.occupation in OCCUPIED and episode.since is not None \
            and not pd.isna(episode.since)
        for months, span in ((3, THREE_MONTHS), (6, SIX_MONTHS)):
            if episode.opened_on + span <= today:
                row[f"past_{months}_months"] += 1
                row[f"occupied_{months}_months"] += int(
                    occupied and episode.since <= episode.opened_on + span)
    counts = pd.DataFrame([rows[m] for m in ids], index=places["municipality"].tolist(),
                          columns=KAA_COUNTS).astype(int)
    table = _suppressed(counts, "interruptions", KAA_COUNTS[1:], order=KAA_ORDER,
                        label="municipality")
    return _with_shares(table, ["contacted_in_time", "occupied_3_months",
                                "occupied_6_months"])


def _suppressed(counts: pd.DataFrame, base: str, columns: list[str], *, order,
                label: str) -> pd.DataFrame:
    """The counts with the total as the last row, None where hidden."""
    hidden = suppress(counts, base, columns, order=order)
    full = pd.concat([counts, counts.sum().to_frame(_(TOTAL)).T])
    mask = pd.concat([hidden.cells, hidden.total.to_frame(_(TOTAL)).T])
    table = pd.DataFrame({label: full.index, "is_total": [False] * len(counts) + [True]})
    for column in [base, *columns]:
        table[column] = [None if h else int(v) for v, h in zip(
            full[column].tolist(), mask[column].tolist(), strict=True)]
    return table


def _with_shares(table: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    """Each count as a share of its base, where both are shown."""
    for count in counts:
        base, name = SHARES[count]
        table[name] = [None if c is None or b is None or not b else c / b
                       for c, b in zip(table[count], table[base], strict=True)]
    return table


def definitions() -> str:
    return _(TRANSITION_DEFINITIONS)
