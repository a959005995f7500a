"""A synthetic demo region: municipalities, schools, students, enrolments, four terms of
daily absence and one demo account per role.

Deterministic for a given DemoSpec. Every person and school is invented; personal
identity numbers use the birth numbers 980–999, the range of Skatteverket's test numbers.
The shape follows the source projects: most students at 2–8 % absence with a long tail;
in the small municipality about a quarter over 20 % the first year and fewer the second;
Monday patterns, students rising during a term, a few with protected identity, and a few
schools reporting per lesson with a first-lesson pattern."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import String, cast, func, insert, literal, select, update
from sqlalchemy.orm import Session

from data_models.bulk import insert_rows
from data_models.codes import InterruptionReason, InterruptionSource
from data_models.models import (
    AbsenceRecord,
    ActionPlan,
    ConnectednessRun,
    Contact,
    EarlyTalk,
    Enrolment,
    HandOver,
    ImportBatch,
    KaaContact,
    KaaEpisode,
    Measure,
    Municipality,
    PlanGoal,
    PlanReview,
    Region,
    Role,
    School,
    Student,
    StudentTalk,
    StudentTalkCategory,
    StudentTermSummary,
    TalkCategory,
    Term,
    User,
    UserScope,
)
from lib import summaries
from lib.access import load_viewer
from lib.auth import hash_password
from lib.clock import utcnow
from lib.demo_alerts import seed_alerts
from lib.demo_collaboration import seed_collaboration
from lib.demo_connectedness import seed_connectedness
from lib.demo_group_plans import seed_group_plans
from lib.demo_instruments import seed_instruments
from lib.demo_method_meetings import seed_method_meetings
from lib.demo_results import seed_results
from lib.demo_school_report import seed_school_report
from lib.demo_support import seed_support
from lib.interruptions import record_interruption
from lib.meetings import plan_meeting, set_status
from lib.personal_number import luhn_digit
from lib.plans import absence_weeks_before
from lib.transitions import early_talk_due, new_from

DEMO_PASSWORD = "Demo-lösenord-2026"
REGION = "Region Jämtland Härjedalen"
NEIGHBOUR_REGION = "Region Västernorrland"
SMALL_CODE = "2305"  # Bräcke: the small municipality of the source project

# (code, name, share of the region's students, schools of its own)
MUNICIPALITIES = [
    ("2380", "Östersund", 0.50, 12),
    ("2309", "Krokom", 0.11, 2),
    ("2321", "Åre", 0.09, 3),
    ("2313", "Strömsund", 0.08, 2),
    ("2326", "Berg", 0.07, 1),
    (SMALL_CODE, "Bräcke", 0.15, 1),
]
# Schools in neighbouring municipalities that students also attend; nobody there is followed.
NEIGHBOURS = [("2281", "Sundsvall", 3), ("2260", "Ånge", 1)]
FICTIONAL_SIZE = 2500  # students per extra municipality in region-scale sets

PROGRAMMES = [
    ("Barn- och fritidsprogrammet", "BF"), ("Bygg- och anläggningsprogrammet", "BA"),
    ("Ekonomiprogrammet", "EK"), ("El- och energiprogrammet", "EE"),
    ("Estetiska programmet", "ES"), ("Fordons- och transportprogrammet", "FT"),
    ("Naturvetenskapsprogrammet", "NA"), ("Samhällsvetenskapsprogrammet", "SA"),
    ("Teknikprogrammet", "TE"), ("Vård- och omsorgsprogrammet", "VO"),
    ("Introduktionsprogram", "IM"),
]
COURSES = ["Svenska 1", "Engelska 6", "Matematik 1b", "Idrott och hälsa 1", "Historia 1b",
           "Samhällskunskap 1b", "Naturkunskap 1b", "Religionskunskap 1", "Programmering 1",
           "Företagsekonomi 1", "Psykologi 1", "Gymnasiearbete"]
SCHOOL_PREFIXES = ["Tallbacka", "Sjövik", "Björkhaga", "Lunden", "Norrsken", "Älvdal",
                   "Granlid", "Forsby", "Myrhed", "Stensund", "Ljungdal", "Fjällsta",
                   "Rönnvik", "Aspnäs", "Hagaberg", "Ekåsen", "Solvik", "Furulid"]
SCHOOL_SUFFIXES = ["gymnasiet", "skolan", "s gymnasium", " utbildningscentrum"]
FIRST_NAMES = ["Alva", "Elsa", "Maja", "Ella", "Wilma", "Saga", "Ebba", "Alice", "Olivia",
               "Agnes", "Freja", "Tuva", "Stella", "Nora", "Lova", "Signe", "Hugo", "Liam",
               "William", "Noah", "Oliver", "Lucas", "Elias", "Adam", "Viktor", "Axel",
               "Theo", "Leo", "Melvin", "Isak", "Alexander", "Arvid", "Malte", "Vincent",
               "Ali", "Amina", "Yusuf", "Sara", "Mohammed", "Leila"]
LAST_NAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson",
              "Olsson", "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson",
              "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg", "Jakobsson",
              "Magnusson", "Olofsson", "Lindström", "Lindqvist", "Lindgren", "Berg",
              "Axelsson", "Bergström", "Lundberg", "Lundgren", "Mattsson", "Berglund",
              "Sandberg", "Forsberg", "Sjöberg", "Wallin", "Engström", "Danielsson",
              "Håkansson", "Lund", "Ali", "Hussein"]
WEEKDAY_MINUTES = np.array([330, 320, 300, 310, 250])  # Monday–Friday scheduled time
LESSON_STARTS = [dt.time(8, 15), dt.time(9, 30), dt.time(10, 45), dt.time(12, 45),
                 dt.time(14, 0)]


@dataclass(frozen=True)
class DemoSpec:
    students: int = 3000  # all cohorts; about three fifths are enrolled in any one term
    seed: int = 2026
    end_date: dt.date = field(default_factory=dt.date.today)
    terms: int = 4
    lesson_level_schools: int = 2
    bcrypt_rounds: int = 12


# --- Calendar ---------------------------------------------------------------------------

def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (Anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def term_dates(kind: str, year: int) -> tuple[dt.date, dt.date]:
    """HT: Monday of ISO week 34 to Friday of week 51; VT: Monday of week 2 to Friday of 24."""
    first, last = (34, 51) if kind == "HT" else (2, 24)
    return dt.date.fromisocalendar(year, first, 1), dt.date.fromisocalendar(year, last, 5)


def school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Weekdays without the usual breaks: autumn (v. 44), sports (v. 9), Easter week and
    public holidays."""
    holidays: set[dt.date] = set()
    for year in range(start.year, end.year + 1):
        easter = _easter(year)
        easter_monday = easter + dt.timedelta(days=1)
        holidays |= {easter_monday + dt.timedelta(days=n) for n in range(5)}
        holidays |= {easter - dt.timedelta(days=2), easter + dt.timedelta(days=39),
                     dt.date(year, 1, 6), dt.date(year, 5, 1), dt.date(year, 6, 6)}
    days = []
    day = start
    while day <= end:
        week = day.isocalendar().week
        if day.weekday() < 5 and day not in holidays and week not in (9, 44):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def demo_terms(end_date: dt.date, count: int) -> list[tuple[str, int]]:
    """The `count` terms ending with the one that contains (or last started before) end_date."""
    kind, year = ("HT", end_date.year) if end_date.month >= 7 else ("VT", end_date.year)
    if term_dates(kind, year)[0] > end_date:  # summer before HT: the spring term is the last
        kind = "VT"
    terms = []
    for _ in range(count):
        terms.append((kind, year))
        kind, year = ("VT", year) if kind == "HT" else ("HT", year - 1)
    return terms[::-1]


# --- Generator --------------------------------------------------------------------------

@dataclass
class _Built:
    region_id: int
    small_municipality_id: int
    municipality_ids: dict[str, int]
    school_ids: list[int]
    unreported: dict[int, float] = field(default_factory=dict)  # school → share not registered


def seed_demo(session: Session, spec: DemoSpec | None = None) -> dict[str, int]:
    """Fill an empty database with the demo region. Returns counts of what was made."""
    spec = spec or DemoSpec()
    rng = np.random.default_rng(spec.seed)
    term_rows = _make_terms(session, spec)
    built = _make_organisation(session, rng, spec)
    students = _make_students(session, rng, spec, built, term_rows)
    batch = ImportBatch(kind="demo", file_name=None, created_at=utcnow(), row_count=0)
    session.add(batch)
    session.flush()
    columns = ["student_id", "school_id", "date", "lesson_start", "course",
               "scheduled_minutes", "absent_minutes", "valid_minutes", "invalid_minutes",
               "unreported_minutes", "iso_year", "iso_week", "weekday", "term_id", "batch_id"]
    for rows in _make_absence(rng, spec, students, term_rows, built, batch.id):
        batch.row_count += insert_rows(session, AbsenceRecord.__table__, columns, rows)
    summaries.refresh(session, [term_id for term_id, _, _ in term_rows])
    users = _make_users(session, spec, built, students)
    follow_up = seed_follow_up(session, spec.seed, spec.end_date)
    return {"students": len(students), "absence_rows": batch.row_count, "users": users,
            "schools": len(built.school_ids), "terms": len(term_rows), **follow_up,
            **seed_school_work(session, spec),
            **seed_connectedness_work(session, spec, built.small_municipality_id)}


def seed_school_work(session: Session, spec: DemoSpec) -> dict[str, int]:
    """The work with each school: agreements and contact persons (before the alerts, which
    go to them), the alerts of the latest weeks, a school report and messages, the schools'
    own support for flagged students, school organisers and the coach's priority marks."""
    counts: dict[str, int] = {}
    for seed in (seed_collaboration, seed_alerts, seed_school_report, seed_support,
                 seed_results):
        counts.update(seed(session, spec.seed, spec.end_date))
    return counts


def seed_connectedness_work(session: Session, spec: DemoSpec,
                            municipality_id: int) -> dict[str, int]:
    """School connectedness: the project's example instruments, published; two runs a term
    apart for a few classes of the rector's school; the staff's analysis of the first run of
    one class and a class plan from it with its follow-up; and one method meeting of the
    coach's municipality with its group plan and shared goals."""
    admin = session.scalar(select(User.id).where(User.role == Role.ADMIN.value)
                           .order_by(User.id).limit(1))
    instruments = seed_instruments(session, admin)
    rector_school = session.scalar(select(UserScope.school_id)
                                   .join(User, User.id == UserScope.user_id)
                                   .where(User.username == "rektor"))
    if rector_school is not None:
        # The region's students are spread over many schools, a few in each class; the
        # rector's school gets one social-science class a year, so that a class's mapping
        # has enough answers to show.
        session.execute(update(Enrolment).where(Enrolment.school_id == rector_school).values(
            programme="Samhällsvetenskapsprogrammet",
            class_name=literal("SA") + cast(Enrolment.school_year, String) + literal("A")))
    counts = {"instruments": len(instruments),
              **seed_connectedness(session, instruments["class"], spec.end_date)}
    run = session.scalar(select(ConnectednessRun).order_by(ConnectednessRun.id).limit(1))
    if run is not None:
        counts.update(seed_group_plans(session, run.id, run.created_by, spec.end_date))
    coach = session.scalar(select(User.id).where(User.username == "coach"))
    if coach is not None and rector_school is not None:
        counts.update(seed_method_meetings(session, coach, municipality_id, rector_school,
                                           spec.end_date))
    return counts


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(User)) and \
        not session.scalar(select(func.count()).select_from(Student))


def _make_terms(session: Session, spec: DemoSpec) -> list[tuple[int, dt.date, dt.date]]:
    result = []
    for kind, year in demo_terms(spec.end_date, spec.terms):
        start, end = term_dates(kind, year)
        term = Term(code=f"{kind}{year}", kind=kind, year=year, start_date=start, end_date=end)
        session.add(term)
        session.flush()
        result.append((term.id, start, min(end, spec.end_date)))
    return result


def _municipality_plan(spec: DemoSpec) -> list[tuple[str, str, float, int]]:
    """(code, name, share of students, schools). Region-scale sets keep the six real
    municipalities at demo size and add fictional ones for the rest."""
    plan = list(MUNICIPALITIES)
    extra = max(0, math.ceil((spec.students - 3000) / FICTIONAL_SIZE))
    if extra:
        real = 3000 / spec.students
        plan = [(c, n, s * real, k) for c, n, s, k in plan]
        plan += [(f"99{i:02d}", f"Exempelkommun {i}", (1 - real) / extra, 5)
                 for i in range(1, extra + 1)]
    return plan


def _make_organisation(session: Session, rng: np.random.Generator, spec: DemoSpec) -> _Built:
    region = Region(name=REGION)
    neighbour_region = Region(name=NEIGHBOUR_REGION)
    session.add_all([region, neighbour_region])
    session.flush()
    names = iter(_school_names(rng))
    codes = iter(rng.choice(np.arange(10_000_000, 99_999_999), size=500, replace=False))
    municipality_ids: dict[str, int] = {}
    school_ids: list[int] = []
    plan = [(c, n, k, region.id) for c, n, _, k in _municipality_plan(spec)]
    plan += [(c, n, k, neighbour_region.id) for c, n, k in NEIGHBOURS]
    for code, name, school_count, region_id in plan:
        municipality = Municipality(code=code, name=name, region_id=region_id)
        session.add(municipality)
        session.flush()
        municipality_ids[code] = municipality.id
        for _ in range(school_count):
            school = School(unit_code=str(next(codes)), name=f"{next(names)} {name}",
                            municipality_id=municipality.id)
            session.add(school)
            session.flush()
            school_ids.append(school.id)
    # Most schools register nearly every lesson; a few lag behind.
    unreported = {school: float(rng.choice([0.002, 0.01, 0.02, 0.08, 0.12],
                                           p=[0.4, 0.3, 0.18, 0.07, 0.05]))
                  for school in school_ids}
    return _Built(region.id, municipality_ids[SMALL_CODE], municipality_ids, school_ids,
                  unreported)


def _school_names(rng: np.random.Generator) -> list[str]:
    names = [p + s for p in SCHOOL_PREFIXES for s in SCHOOL_SUFFIXES]
    return [names[i] for i in rng.permutation(len(names))] * 10


@dataclass
class _DemoStudent:
    id: int
    municipality_code: str
    rate: float  # typical share of absence
    valid_bias: float  # how much of the absence is valid
    monday: bool
    rising_terms: frozenset[int]
    spans: list[tuple[int, dt.date, dt.date | None]]  # (school id, from, to)


def _school_weights(built: _Built, session: Session, code: str) -> tuple[list[int], np.ndarray]:
    """Where a municipality's students study: mostly at home or in the regional centre; the
    small municipality's students spread over most schools, neighbours included."""
    rows = session.execute(select(School.id, Municipality.code)
                           .join(Municipality, Municipality.id == School.municipality_id)
                           .order_by(School.id)).all()
    ids = [r[0] for r in rows]
    weights = []
    for _, school_code in rows:
        if code == SMALL_CODE:  # its own school and every real school around it
            weights.append(6.0 if school_code == SMALL_CODE else
                           0.0 if school_code.startswith("99") else 1.0)
        elif school_code == code:
            weights.append(8.0)
        elif school_code == "2380" and not code.startswith("99"):
            weights.append(2.0)
        else:
            weights.append(0.05 if not code.startswith("99") else 0.0)
    weights_array = np.array(weights)
    return ids, weights_array / weights_array.sum()


def _make_students(session, rng, spec, built, term_rows) -> list[_DemoStudent]:
    window_start, window_end = term_rows[0][1], term_rows[-1][2]
    first_ht = window_end.year if window_end.month >= 7 else window_end.year - 1
    plan = _municipality_plan(spec)
    counts = rng.multinomial(spec.students, [share for _, _, share, _ in plan])
    records, demo = [], []
    numbers = _NumberPool(rng)
    # Cohorts by start year (0: started this autumn … 4: left two springs ago) that were
    # enrolled during the data window.
    cohorts = [c for c in range(5) if dt.date(first_ht - c + 3, 6, 15) >= window_start
               and dt.date(first_ht - c, 8, 15) <= window_end]
    for (code, _name, _share, _), count in zip(plan, counts, strict=True):
        school_ids, weights = _school_weights(built, session, code)
        small = code == SMALL_CODE
        for _ in range(count):
            cohort = cohorts[int(rng.integers(0, len(cohorts)))]
            start = dt.date(first_ht - cohort, 8, 15)
            end = dt.date(first_ht - cohort + 3, 6, 15)
            birth_year = first_ht - cohort - 16
            number = numbers.take(birth_year)
            tail = rng.random() < (0.38 if small else 0.17)
            rate = float(rng.lognormal(math.log(0.23 if small and tail else
                                                0.17 if tail else 0.045),
                                       0.55 if tail else 0.5))
            school = int(rng.choice(school_ids, p=weights))
            spans = [(school, start, end if end < window_end else None)]
            change = dt.date(first_ht, 1, 8) if first_ht - 1 >= start.year else None
            if change and rng.random() < 0.04 and change < end:  # changed school at New Year
                other = int(rng.choice(school_ids, p=weights))
                if other != school:
                    spans = [(school, start, change - dt.timedelta(days=1)),
                             (other, change, spans[0][2])]
            records.append({
                "personal_number": number,
                "first_name": FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))],
                "last_name": LAST_NAMES[int(rng.integers(len(LAST_NAMES)))],
                "home_municipality_id": built.municipality_ids[code],
                "protected_identity": bool(rng.random() < 0.005),
            })
            rising = frozenset(int(i) for i in range(spec.terms) if rng.random() < 0.08)
            demo.append(_DemoStudent(0, code, min(rate, 0.85), float(rng.beta(5, 2) if not tail
                                                                      else rng.beta(2, 3)),
                                     bool(rng.random() < 0.15), rising, spans))
    _ensure_protected(records, demo)
    ids = session.scalars(insert(Student).returning(Student.id, sort_by_parameter_order=True),
                          records).all()
    enrolments = []
    for student_id, student in zip(ids, demo, strict=True):
        student.id = student_id
        programme, short = PROGRAMMES[int(rng.integers(len(PROGRAMMES)))]
        for school, start, end in student.spans:
            year = _school_year(student.spans[0][1], min(end or window_end, window_end))
            enrolments.append({"student_id": student_id, "school_id": school,
                               "programme": programme, "school_year": year,
                               "class_name": f"{short}{year}{'ABC'[int(rng.integers(3))]}",
                               "start_date": start, "end_date": end})
    session.execute(insert(Enrolment), enrolments)
    return demo


def _ensure_protected(records: list[dict], demo: list[_DemoStudent]) -> None:
    """At least two students with protected identity in the small municipality."""
    small = [i for i, s in enumerate(demo) if s.municipality_code == SMALL_CODE]
    for index in small[:2]:
        records[index]["protected_identity"] = True


class _NumberPool:
    """Unique personal identity numbers per birth year with serials 980–999; coordination
    numbers (day + 60) double the supply for region-scale sets."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.years: dict[int, list[int]] = {}

    def take(self, year: int) -> str:
        """A free number born in `year`, or the year before when that year is used up."""
        free = self.years.get(year)
        if free is None:
            free = self.years[year] = self.rng.permutation(365 * 20 * 2).tolist()
        if not free:
            return self.take(year - 1)
        coordination, rest = divmod(free.pop(), 365 * 20)
        day_index, serial = divmod(rest, 20)
        born = dt.date(year, 1, 1) + dt.timedelta(days=day_index)
        day = born.day + (60 if coordination else 0)
        digits = f"{born.year % 100:02d}{born.month:02d}{day:02d}{980 + serial}"
        return f"{born.year // 100}{digits}{luhn_digit(digits)}"


def _school_year(start: dt.date, on: dt.date) -> int:
    """Årskurs on a date, for an enrolment that started in August of `start.year`."""
    school_year_start = on.year if on.month >= 7 else on.year - 1
    return min(3, max(1, school_year_start - start.year + 1))


BATCH_ROWS = 200_000  # rows per insert: a region-scale set never sits in memory at once


def _make_absence(rng, spec, students, term_rows, built, batch_id):
    """Absence rows, yielded in batches of about BATCH_ROWS."""
    days, term_ids, term_index, progress = _calendar(term_rows)
    iso = [d.isocalendar() for d in days]
    iso_year = np.array([i.year for i in iso])
    iso_week = np.array([i.week for i in iso])
    weekday = np.array([d.weekday() for d in days])
    day_ordinal = np.array([d.toordinal() for d in days])
    lesson_schools = set(built.school_ids[: spec.lesson_level_schools])
    first_year = np.array([i < spec.terms // 2 for i in term_index])
    rows: list[tuple] = []
    for student in students:
        rates = _daily_rates(rng, student, term_index, progress, weekday, first_year, spec)
        for school, start, end in student.spans:
            mask = (day_ordinal >= start.toordinal()) & \
                   (day_ordinal <= (end or dt.date.max).toordinal())
            index = np.flatnonzero(mask)
            if index.size == 0:
                continue
            args = (rng, student, school, built.unreported[school], index, rates, days, weekday,
                    iso_year, iso_week, term_ids, batch_id)
            rows += _lesson_rows(*args) if school in lesson_schools else _day_rows(*args)
        if len(rows) >= BATCH_ROWS:
            yield rows
            rows = []
    if rows:
        yield rows


def _calendar(term_rows):
    days, term_ids, term_index, progress = [], [], [], []
    for index, (term_id, start, end) in enumerate(term_rows):
        term_days = school_days(start, end)
        full = term_dates("HT" if start.month >= 7 else "VT", start.year)
        length = (full[1] - full[0]).days or 1
        days += term_days
        term_ids += [term_id] * len(term_days)
        term_index += [index] * len(term_days)
        progress += [(d - full[0]).days / length for d in term_days]
    return days, np.array(term_ids), np.array(term_index), np.array(progress)


def _daily_rates(rng, student, term_index, progress, weekday, first_year, spec):
    improvement = 1.0 if student.municipality_code != SMALL_CODE else 0.72
    term_factor = rng.lognormal(0, 0.2, size=spec.terms)
    rates = student.rate * term_factor[term_index] * np.where(first_year, 1.0, improvement)
    weekday_factor = np.array([1.15, 0.95, 0.95, 0.95, 1.1])
    if student.monday:
        weekday_factor = np.array([2.2, 0.8, 0.8, 0.8, 0.9])
    rates = rates * weekday_factor[weekday]
    for term in student.rising_terms:
        in_term = term_index == term
        rates[in_term] *= 0.5 + 2.0 * progress[in_term]
    return np.clip(rates, 0, 0.95)


def _day_rows(rng, student, school, unreported_share, index, rates, days, weekday, iso_year,
              iso_week, term_ids, batch_id):
    scheduled = WEEKDAY_MINUTES[weekday[index]]
    rate = rates[index]
    full = rng.random(index.size) < 0.6 * rate
    lessons = scheduled // 60
    partial_share = np.clip(0.4 * rate / np.maximum(1 - 0.6 * rate, 0.05), 0, 1)
    partial = rng.binomial(lessons, partial_share) * 60
    absent = np.where(full, scheduled, np.minimum(partial, scheduled))
    valid = np.where(full, np.where(rng.random(index.size) < student.valid_bias, absent, 0),
                     np.where(rng.random(index.size) < 0.3, absent, 0))
    invalid = absent - valid
    # A lesson now and then with no attendance registered at all.
    missing = rng.binomial(lessons, unreported_share) * 60
    unreported = np.minimum(missing, scheduled - absent)
    return list(zip(
        [student.id] * index.size, [school] * index.size, [days[i] for i in index],
        [None] * index.size, [None] * index.size, scheduled.tolist(), absent.tolist(),
        valid.tolist(), invalid.tolist(), unreported.tolist(), iso_year[index].tolist(),
        iso_week[index].tolist(), weekday[index].tolist(), term_ids[index].tolist(),
        [batch_id] * index.size, strict=True,
    ))


def _lesson_rows(rng, student, school, unreported_share, index, rates, days, weekday,
                 iso_year, iso_week, term_ids, batch_id):
    rows = []
    full = rng.random(index.size) < 0.6 * rates[index]
    for n, i in enumerate(index):
        lessons = int(WEEKDAY_MINUTES[weekday[i]] // 60)
        base = min(0.4 * rates[i] / max(1 - 0.6 * rates[i], 0.05), 1.0)
        for slot in range(lessons):
            if full[n]:
                absent = 60
                valid = absent if rng.random() < student.valid_bias else 0
            else:
                # The first lesson of the day is missed more often, and late arrival is common.
                chance = min(base * (2.2 if slot == 0 else 0.8), 1.0)
                absent = 60 if rng.random() < chance else 0
                if slot == 0 and not absent and rng.random() < 0.5 * base:
                    absent = int(rng.integers(5, 25))
                valid = absent if absent and rng.random() < 0.3 else 0
            course = COURSES[(weekday[i] * 5 + slot + school) % len(COURSES)]
            unreported = 60 if not absent and rng.random() < unreported_share else 0
            rows.append((student.id, school, days[i], LESSON_STARTS[slot], course, 60,
                         absent, valid, absent - valid, unreported, int(iso_year[i]),
                         int(iso_week[i]), int(weekday[i]), int(term_ids[i]), batch_id))
    return rows


def _make_users(session, spec, built, students) -> int:
    # The school staff accounts work at the school most of the small municipality's
    # students attend, so that the coach and the rector share students.
    attended = Counter(s.spans[-1][0] for s in students if s.municipality_code == SMALL_CODE)
    busiest = attended.most_common(1)[0][0]
    now = utcnow()
    password = hash_password(DEMO_PASSWORD, spec.bcrypt_rounds)
    accounts = [
        ("admin", "Alma Förvaltare", None, Role.ADMIN, []),
        ("coach", "Kim Coach", "Ungdomscoach", Role.COACH,
         [("municipality_id", built.small_municipality_id)]),
        ("coach.ostersund", "Robin Coach", "Ungdomscoach", Role.COACH,
         [("municipality_id", built.municipality_ids["2380"])]),
        ("rektor", "Rut Rektor", "Rektor", Role.SCHOOL_STAFF, [("school_id", busiest)]),
        ("kurator", "Kai Kurator", "Kurator", Role.SCHOOL_STAFF, [("school_id", busiest)]),
        ("projektledare", "Pia Projektledare", "Projektledare", Role.PROJECT_LEADER,
         [("region_id", built.region_id)]),
        ("kaa", "Kaj Handläggare", "KAA-handläggare", Role.KAA_OFFICER,
         [("municipality_id", built.small_municipality_id)]),
    ]
    for username, name, title, role, scopes in accounts:
        # The small municipality's coach also handles its activity responsibility (KAA).
        user = User(username=username, display_name=name, title=title, role=role.value,
                    password_hash=password, active=True, handles_kaa=username == "coach",
                    credentials_changed_at=now, created_at=now)
        user.scopes = [UserScope(**{column: value}) for column, value in scopes]
        session.add(user)
    session.flush()
    return len(accounts)


# --- Follow-up: contacts, measures and review meetings --------------------------------------

CONTACT_SHARE = 0.7  # of the students over 15 % in a term
MEASURE_SHARE = 0.5
TALK_SHARE = 0.35  # a student talk held by the coach
PLAN_SHARE = 0.4  # of the talks: an action plan built on it
REVIEW_SHARE = 0.8  # of the plans: followed up three weeks in
# What a demo talk says, by category (the migration's list): a cause in the student's
# situation, and the support the student would like. Invented, short and free of health
# details, as the form asks.
TALK_TEXTS = {
    "Hälsa och mående": ("Orkar inte alla dagar.", "Kontakt med elevhälsan."),
    "Undervisning och studietakt": ("Har tappat i matematik och engelska.",
                                    "Studiestöd en eftermiddag i veckan."),
    "Relationer i skolan": ("Trivs inte i klassen.", "Byta grupp i några kurser."),
    "Hemsituation": ("Mycket ansvar hemma.", "Någon att prata med på skolan."),
    "Sömn och rutiner": ("Somnar sent och kommer inte upp.", "Väckning på morgonen."),
    "Resor och skolväg": ("Lång resväg med bussbyten.", "Anpassat schema första lektionen."),
    "Arbete": ("Extrajobb sent på kvällarna.", "Hjälp att planera veckan."),
}
# "action_plan" (follow-up of an action plan) is added with each plan (_demo_plans).
DEMO_KINDS = ["mi", "structure", "social_services", "bup", "adjustments",
              "other"]


def seed_follow_up(session: Session, seed: int, today: dt.date) -> dict[str, int]:
    """Contacts and measures for a share of each term's students over 15 %, and the small
    municipality's review meetings (held, with the minutes approved for past terms), so that
    the follow-up pages and the regional funnel have something to show."""
    rng = np.random.default_rng(seed + 1)
    admin_id = session.scalar(select(User.id).where(User.role == Role.ADMIN.value))
    coaches = dict(session.execute(select(UserScope.municipality_id, User.id).join(User)
                                   .where(User.role == Role.COACH.value,
                                          UserScope.municipality_id.is_not(None))).all())
    now = utcnow()
    contacts, measures, talks = [], [], []
    terms = session.scalars(select(Term).where(Term.start_date <= today)
                            .order_by(Term.start_date)).all()
    for term in terms:
        flagged = session.execute(
            select(StudentTermSummary.student_id, Student.home_municipality_id)
            .join(Student, Student.id == StudentTermSummary.student_id)
            .where(StudentTermSummary.term_id == term.id)
            .group_by(StudentTermSummary.student_id, Student.home_municipality_id)
            .having(func.sum(StudentTermSummary.absent) * 1.0
                    >= func.sum(StudentTermSummary.scheduled) * 0.15)
            .order_by(StudentTermSummary.student_id)).all()
        last = min(term.end_date, today)
        for student_id, municipality_id in flagged:
            author = coaches.get(municipality_id, admin_id)
            if rng.random() < CONTACT_SHARE:
                day = _day_in(rng, term.start_date, last, 20, 50)
                contacts.append((student_id, str(rng.choice(["talk", "wake_up", "reminder",
                                                             "home_visit"])),
                                 day, "", author, now))
            if rng.random() < TALK_SHARE:
                talks.append((student_id, author, _day_in(rng, term.start_date, last, 15, 45)))
            if rng.random() < MEASURE_SHARE:
                start = _day_in(rng, term.start_date, last, 35, 60)
                follow_up = start + dt.timedelta(weeks=4)
                status = "done" if follow_up < today else "ongoing"
                measures.append((student_id, str(rng.choice(DEMO_KINDS)), "", "coach", "",
                                 start, follow_up, status, "", "", 1, author, now))
    insert_rows(session, Contact.__table__,
                ["student_id", "kind", "date", "note", "user_id", "created_at"], contacts)
    insert_rows(session, Measure.__table__,
                ["student_id", "kind", "description", "owner_kind", "owner_name",
                 "start_date", "follow_up_date", "status", "stop_reason", "outcome",
                 "version", "created_by", "created_at"], measures)
    # Referrals to child psychiatry are restricted to the coach who wrote them (lib.restricted).
    session.execute(update(Measure).where(Measure.kind == "bup").values(restricted=True))
    summaries.refresh_effects(session)
    made = _demo_talks(session, rng, talks, now)
    plans = _demo_plans(session, rng, made, today, now)
    meetings = _demo_meetings(session, terms, today)
    hand_overs, early_talks = _demo_transitions(session, rng, terms, today, admin_id, now)
    episodes = _demo_kaa(session, rng, terms, today, coaches, admin_id)
    return {"contacts": len(contacts), "measures": len(measures), "talks": len(talks),
            "plans": plans, "meetings": meetings, "hand_overs": hand_overs,
            "kaa_episodes": episodes,
            "early_talks": early_talks}


# The demo's KAA episodes: how far each has come (attempts as (days after the interruption,
# channel, result), then the occupation and the days after it began, None: nothing known).
KAA_STEPS = (
    ((), None),
    ((), None),
    (((6, "letter", "no_answer"),), None),
    (((5, "letter", "no_answer"), (20, "phone", "no_answer")), None),
    (((4, "letter", "no_answer"), (12, "phone", "reached")), ("back_in_studies", 30)),
    (((3, "sms", "reached"),), ("work", 25)),
    (((7, "letter", "message_left"), (16, "former_school", "reached")), ("traineeship", 40)),
    (((2, "phone", "reached"),), ("moved_away", 10)),
)


def _demo_kaa(session: Session, rng, terms, today: dt.date, coaches: dict,
              admin_id: int) -> int:
    """A handful of the small municipality's students who left school this term, each with
    a KAA episode at a different step of the contact ladder."""
    if not terms:
        return 0
    term = terms[-1]
    small = session.scalar(select(Municipality.id).where(Municipality.code == SMALL_CODE))
    enrolments = session.scalars(
        select(Enrolment).join(Student, Student.id == Enrolment.student_id)
        .where(Student.home_municipality_id == small, Enrolment.end_date.is_(None),
               Enrolment.school_year >= 2).order_by(Enrolment.id)).all()
    picked = [enrolments[int(i)] for i in rng.choice(len(enrolments), size=min(
        len(KAA_STEPS), len(enrolments)), replace=False)] if enrolments else []
    author = coaches.get(small, admin_id)
    made = 0
    for enrolment, (attempts, occupation) in zip(picked, KAA_STEPS, strict=False):
        span = max((min(today, term.end_date) - term.start_date).days - 1, 1)
        day = term.start_date + dt.timedelta(days=int(rng.integers(span // 3, span)))
        enrolment.end_date = day
        session.flush()
        interruption = record_interruption(
            session, None, enrolment, day, InterruptionReason(str(rng.choice(
                ["interrupted", "moved", "changed_school_form", "unknown"]))),
            InterruptionSource.LIST)
        if interruption is None:
            continue
        episode = session.scalar(select(KaaEpisode).where(
            KaaEpisode.interruption_id == interruption.id))
        if episode is None:
            continue
        made += 1
        for after, channel, result in attempts:
            if day + dt.timedelta(days=after) <= today:
                session.add(KaaContact(episode_id=episode.id, date=day + dt.timedelta(
                    days=after), channel=channel, result=result, note="", next_step="",
                    author_id=author, created_at=utcnow()))
        if occupation and day + dt.timedelta(days=occupation[1]) <= today:
            episode.occupation = occupation[0]
            episode.occupation_since = day + dt.timedelta(days=occupation[1])
            if occupation[0] == "moved_away":
                episode.closed_on = episode.occupation_since
    return made


SENDING_SCHOOLS = ("Björkskolan", "Ekbackeskolan", "Lindåsskolan", "Sjöviksskolan",
                   "Tallbackaskolan", "Solbergaskolan", "Åkerbyskolan")
TO_KNOW = ("Trivs bäst i mindre grupper.", "Har haft hög frånvaro på morgonen i årskurs 9.",
           "Vill gärna fortsätta med sin idrott på kvällarna.",
           "Behöver förberedas inför förändringar i schemat.", "")


def _demo_transitions(session: Session, rng, terms, today: dt.date, admin_id: int,
                      now: dt.datetime) -> tuple[int, int]:
    """Hand-overs for nine in ten of the latest term's new year-1 students, and early talks
    for most of them (a few after their week, some not yet held)."""
    if not terms:
        return 0, 0
    term = terms[-1]
    new = session.execute(
        select(Enrolment.student_id, Enrolment.school_id, Enrolment.start_date)
        .where(Enrolment.school_year == 1, Enrolment.start_date >= new_from(session, term),
               Enrolment.start_date <= term.end_date)
        .order_by(Enrolment.student_id, Enrolment.school_id)).all()
    hand_overs, talks = [], []
    first = {}
    for student_id, school_id, start in new:
        first.setdefault((student_id, school_id), start)
    for (student_id, school_id), start in first.items():
        if rng.random() < 0.9:
            support = rng.random()
            plan = bool(support < 0.08)
            hand_overs.append((
                student_id, school_id, SENDING_SCHOOLS[int(rng.integers(len(SENDING_SCHOOLS)))],
                round(float(min(rng.lognormal(math.log(0.06), 0.8), 0.6)), 3),
                bool(support < 0.3), bool(support < 0.12), plan,
                start - dt.timedelta(days=int(rng.integers(120, 300))) if plan else None,
                TO_KNOW[int(rng.integers(len(TO_KNOW)))], "Mentor i årskurs 9",
                start - dt.timedelta(days=int(rng.integers(5, 60))), 1, admin_id, now))
        held = start + dt.timedelta(days=int(rng.integers(7, 56)))
        if rng.random() < 0.85 and held <= today:
            talks.append((student_id, school_id, held, "Mentor",
                          "" if held <= early_talk_due(term.start_date, start, 6)
                          else "Hölls efter vecka 6.", admin_id, now))
    insert_rows(session, HandOver.__table__,
                ["student_id", "school_id", "sending_school", "year9_absence",
                 "extra_adaptations", "special_support", "support_plan", "support_plan_date",
                 "to_know", "sender_contact", "received_on", "version", "created_by",
                 "created_at"], hand_overs)
    insert_rows(session, EarlyTalk.__table__,
                ["student_id", "school_id", "date", "held_by", "note", "created_by",
                 "created_at"], talks)
    return len(hand_overs), len(talks)


def _demo_talks(session: Session, rng, talks: list[tuple],
                now: dt.datetime) -> list[StudentTalk]:
    """The coach's talks, each with its "Samtal" in the contact log, one or two causes and
    a wished support from the list of categories, and a summary for the school."""
    categories = dict(session.execute(select(TalkCategory.label, TalkCategory.id)
                                      .where(TalkCategory.label.in_(list(TALK_TEXTS)))).all())
    labels = sorted(categories)
    if not talks or not labels:
        return []
    logged = [Contact(student_id=student_id, kind="talk", date=day,
                      note="Elevsamtal (se Elevsamtal på elevens sida)", user_id=author,
                      created_at=now) for student_id, author, day in talks]
    session.add_all(logged)
    session.flush()
    made, chosen = [], []
    for (student_id, author, day), contact in zip(talks, logged, strict=True):
        causes = list(rng.choice(labels, size=int(rng.integers(1, 3)), replace=False))
        wanted = str(rng.choice(causes))
        made.append(StudentTalk(
            student_id=student_id, side="coach", contact_id=contact.id, date=day,
            held_by="Ungdomscoachen", causes=" ".join(TALK_TEXTS[c][0] for c in causes),
            support_wanted=TALK_TEXTS[wanted][1], own_goals="Klara kurserna i år.",
            summary=f"Vi kom överens om: {TALK_TEXTS[wanted][1].lower()}",
            version=1, author_id=author, created_at=now))
        chosen.append((causes, wanted))
    session.add_all(made)
    session.flush()
    rows = [(talk.id, "cause", categories[c]) for talk, (causes, _w) in zip(made, chosen,
                                                                           strict=True)
            for c in causes]
    rows += [(talk.id, "wanted", categories[w]) for talk, (_c, w) in zip(made, chosen,
                                                                      strict=True)]
    insert_rows(session, StudentTalkCategory.__table__, ["talk_id", "theme", "category_id"],
                rows)
    return made


def _demo_plans(session: Session, rng, talks: list[StudentTalk], today: dt.date,
                now: dt.datetime) -> int:
    """An action plan built on a share of the talks, a week after the talk, with two step
    goals; a plan whose follow-up date has passed is closed with an evaluation and the
    absence before it and in its last weeks."""
    plans = []
    for talk in talks:
        if rng.random() >= PLAN_SHARE:
            continue
        start = talk.date + dt.timedelta(days=7)
        review = start + dt.timedelta(weeks=6)
        closed = review < today
        outcome = str(rng.choice(["met", "partly", "not_met"], p=[0.4, 0.4, 0.2]))
        plans.append(ActionPlan(
            student_id=talk.student_id, talk_id=talk.id, goal="Komma till skolan varje dag.",
            phase="follow_up" if closed else str(rng.choice(["planning", "implementation"])),
            coach_responsible="Ungdomscoachen", school_responsible="Mentor",
            start_date=start, review_date=review, closed_on=review if closed else None,
            outcome=outcome if closed else None,
            learned="Väckningen hjälpte." if closed else "",
            absence_before=absence_weeks_before(session, talk.student_id, start)
            if closed else None,
            absence_after=absence_weeks_before(session, talk.student_id, review)
            if closed else None,
            approved_on=start + dt.timedelta(days=2) if start + dt.timedelta(days=2) <= today
            else None, approved_by="Eleven och vårdnadshavare",
            version=1, created_by=talk.author_id, created_at=now))
    session.add_all(plans)
    session.flush()
    # A follow-up three weeks in, for most plans (the rest show on the watch list as plans
    # without follow-up once six weeks have passed).
    session.add_all([PlanReview(plan_id=plan.id, date=plan.start_date + dt.timedelta(weeks=3),
                                note="Går bättre på morgnarna.", next_review=plan.review_date,
                                author_id=plan.created_by, created_at=now)
                     for plan in plans
                     if plan.start_date + dt.timedelta(weeks=3) <= today
                     and rng.random() < REVIEW_SHARE])
    # Each plan is carried by a follow-up of it, from its start to its follow-up date.
    session.add_all([Measure(
        student_id=plan.student_id, plan_id=plan.id, kind="action_plan", description="",
        owner_kind="coach", owner_name="", start_date=plan.start_date,
        follow_up_date=plan.review_date, status="done" if plan.closed_on else "ongoing",
        stop_reason="", outcome="", version=1, created_by=plan.created_by, created_at=now)
        for plan in plans])
    session.flush()
    summaries.refresh_effects(session, sorted({plan.student_id for plan in plans}))
    steps = [("Väckning varje morgon i två veckor", 2), ("En hel vecka utan ogiltig frånvaro", 4)]
    session.add_all([PlanGoal(plan_id=plan.id, position=number, text=text,
                              due_date=plan.start_date + dt.timedelta(weeks=weeks),
                              status="reached" if plan.closed_on and plan.outcome != "not_met"
                              else "open")
                     for plan in plans for number, (text, weeks) in enumerate(steps, start=1)])
    return len(plans)


def _day_in(rng, start: dt.date, last: dt.date, low: int, high: int) -> dt.date:
    """A weekday `low`–`high` days into the term, never after `last`."""
    day = min(start + dt.timedelta(days=int(rng.integers(low, high))), last)
    while day.weekday() >= 5 and day > start:
        day -= dt.timedelta(days=1)
    return day


def _demo_meetings(session: Session, terms, today: dt.date) -> int:
    """The small municipality's coach meets each school its students attend, mid-term."""
    coach = session.scalars(select(User).where(User.username == "coach")).first()
    if coach is None:
        return 0
    viewer = load_viewer(session, coach)
    municipality_id = next(iter(viewer.municipality_ids))
    made = 0
    for term in terms:
        day = term.start_date + (term.end_date - term.start_date) / 2
        if day > today:
            continue
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        schools = session.scalars(
            select(StudentTermSummary.school_id).distinct()
            .join(Student, Student.id == StudentTermSummary.student_id)
            .where(StudentTermSummary.term_id == term.id,
                   Student.home_municipality_id == municipality_id)
            .order_by(StudentTermSummary.school_id)).all()
        for school_id in schools:
            meeting_id = plan_meeting(session, viewer, school_id=school_id, term_id=term.id,
                                      municipality_id=municipality_id, date=day)
            version = set_status(session, viewer, meeting_id, 1, "held")
            if term.end_date < today:
                set_status(session, viewer, meeting_id, version, "approved")
            made += 1
    return made
