"""The demo region: deterministic, realistic in shape, and seeded once on first start."""

import datetime as dt
import hashlib

import bcrypt
import pandas as pd
import pytest
from sqlalchemy import text

from data_models.engine import make_engine, unit_of_work
from data_models.migrate import upgrade
from lib import cli
from lib.demo import DEMO_PASSWORD, SMALL_CODE, DemoSpec, demo_terms, school_days, seed_demo
from lib.personal_number import normalize

END = dt.date(2026, 11, 23)
SMALL = DemoSpec(students=300, end_date=END, bcrypt_rounds=4)


def fingerprint(url: str) -> str:
    """A digest of what the generator made, independent of database ids."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.personal_number, a.date, a.lesson_start, a.scheduled_minutes, "
            "a.absent_minutes, a.valid_minutes, sc.unit_code FROM absence_record a "
            "JOIN student s ON s.id = a.student_id JOIN school sc ON sc.id = a.school_id "
            "ORDER BY 1, 2, 3")).all()
    engine.dispose()
    return hashlib.sha256(repr([(r[0], str(r[1]), str(r[2])[:5], *r[3:]) for r in rows])
                          .encode()).hexdigest()


def test_same_spec_gives_the_same_region_on_every_backend(db_url, tmp_path):
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    for url in (db_url, reference):
        upgrade(url)
        with unit_of_work(make_engine(url), write=True) as session:
            seed_demo(session, SMALL)
    assert fingerprint(db_url) == fingerprint(reference)


def test_another_seed_gives_another_region(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'{n}.db'}" for n in (1, 2)]
    for url, seed in zip(urls, (1, 2), strict=True):
        upgrade(url)
        with unit_of_work(make_engine(url), write=True) as session:
            seed_demo(session, DemoSpec(students=100, end_date=END, seed=seed, bcrypt_rounds=4))
    assert fingerprint(urls[0]) != fingerprint(urls[1])


def test_terms_end_with_the_current_one():
    assert demo_terms(END, 4) == [("VT", 2025), ("HT", 2025), ("VT", 2026), ("HT", 2026)]
    assert demo_terms(dt.date(2026, 7, 20), 2) == [("HT", 2025), ("VT", 2026)]


def test_school_days_skip_weekends_breaks_and_holidays():
    days = school_days(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert all(d.weekday() < 5 for d in days)
    assert dt.date(2026, 1, 6) not in days and dt.date(2026, 5, 1) not in days
    assert dt.date(2026, 4, 6) not in days  # Easter Monday 2026
    assert not [d for d in days if d.isocalendar().week == 9]  # sports break


# --- Shape of the default demo (3 000 students), seeded once ------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    upgrade(url)
    with unit_of_work(make_engine(url), write=True) as session:
        counts = seed_demo(session, DemoSpec(end_date=END, bcrypt_rounds=4))
    engine = make_engine(url)

    def query(sql: str) -> pd.DataFrame:
        with engine.connect() as conn:
            return pd.read_sql(text(sql), conn)
    yield counts, query
    engine.dispose()


def per_student_terms(query) -> pd.DataFrame:
    frame = query(
        "SELECT m.code, t.code AS term, a.student_id, SUM(a.absent_minutes) * 1.0 / "
        "SUM(a.scheduled_minutes) AS share FROM absence_record a "
        "JOIN student s ON s.id = a.student_id JOIN municipality m ON m.id = "
        "s.home_municipality_id JOIN term t ON t.id = a.term_id GROUP BY 1, 2, 3")
    frame["year"] = frame["term"].map({"VT2025": 1, "HT2025": 1, "VT2026": 2, "HT2026": 2})
    return frame


in_demo_group = pytest.mark.xdist_group("demo")


@in_demo_group
def test_demo_has_the_promised_size(demo):
    counts, query = demo
    assert counts["students"] == 3000 and counts["terms"] == 4
    assert counts["absence_rows"] > 800_000
    assert list(query("SELECT role FROM app_user ORDER BY role")["role"].unique()) == \
        ["admin", "coach", "kaa_officer", "project_leader", "school_staff"]


@in_demo_group
def test_most_students_are_at_two_to_eight_percent_with_a_long_tail(demo):
    shares = per_student_terms(demo[1])["share"]
    assert 0.03 <= shares.median() <= 0.07
    assert shares.between(0.02, 0.08).mean() > 0.45
    assert (shares >= 0.5).sum() > 10  # the tail


@in_demo_group
def test_small_municipality_has_a_quarter_over_twenty_then_fewer(demo):
    frame = per_student_terms(demo[1])
    small = frame[frame["code"] == SMALL_CODE]
    first = (small[small["year"] == 1]["share"] >= 0.20).mean()
    second = (small[small["year"] == 2]["share"] >= 0.20).mean()
    assert 0.20 <= first <= 0.32
    assert second < first - 0.03
    others = frame[frame["code"] != SMALL_CODE]
    assert (others["share"] >= 0.20).mean() < first


@in_demo_group
def test_small_municipality_students_spread_over_about_25_schools(demo):
    schools = demo[1](
        "SELECT COUNT(DISTINCT e.school_id) AS n FROM enrolment e JOIN student s ON "
        f"s.id = e.student_id JOIN municipality m ON m.id = s.home_municipality_id "
        f"WHERE m.code = '{SMALL_CODE}'")["n"][0]
    assert 20 <= schools <= 30


@in_demo_group
def test_every_number_is_valid_in_the_test_range_and_some_identities_are_protected(demo):
    students = demo[1]("SELECT s.personal_number, s.protected_identity, m.code FROM student s "
                       "JOIN municipality m ON m.id = s.home_municipality_id")
    assert all(normalize(n) == n for n in students["personal_number"])
    assert students["personal_number"].str[8:11].astype(int).between(980, 999).all()
    protected = students[students["protected_identity"].astype(bool)]
    assert 2 <= len(protected) <= 40 and (protected["code"] == SMALL_CODE).sum() >= 2


@in_demo_group
def test_mondays_are_missed_more_than_wednesdays(demo):
    frame = demo[1]("SELECT date, SUM(absent_minutes) * 1.0 / SUM(scheduled_minutes) AS share "
                    "FROM absence_record GROUP BY date")
    weekday = pd.to_datetime(frame["date"]).dt.day_of_week
    assert frame[weekday == 0]["share"].mean() > 1.1 * frame[weekday == 2]["share"].mean()


@in_demo_group
def test_lesson_level_schools_show_a_first_lesson_pattern(demo):
    frame = demo[1]("SELECT substr(lesson_start, 1, 5) AS start, SUM(absent_minutes) * 1.0 / "
                    "SUM(scheduled_minutes) AS share, COUNT(DISTINCT course) AS courses FROM "
                    "absence_record WHERE lesson_start IS NOT NULL GROUP BY 1 ORDER BY 1")
    assert len(frame) == 5 and frame["courses"].min() > 1
    assert frame["share"].iloc[0] > 1.3 * frame["share"].iloc[1:].mean()
    day_level = demo[1]("SELECT COUNT(*) AS n FROM absence_record WHERE lesson_start IS NULL")
    assert day_level["n"][0] > 500_000


@in_demo_group
def test_some_students_rise_during_a_term(demo):
    frame = demo[1](
        "SELECT a.student_id, a.term_id, SUM(CASE WHEN a.iso_week >= 47 THEN a.absent_minutes "
        "END) * 1.0 / SUM(CASE WHEN a.iso_week >= 47 THEN a.scheduled_minutes END) AS late, "
        "SUM(CASE WHEN a.iso_week BETWEEN 35 AND 40 THEN a.absent_minutes END) * 1.0 / "
        "SUM(CASE WHEN a.iso_week BETWEEN 35 AND 40 THEN a.scheduled_minutes END) AS early "
        "FROM absence_record a JOIN term t ON t.id = a.term_id WHERE t.code = 'HT2025' "
        "GROUP BY 1, 2")
    rising = frame[(frame["late"] > 0.15) & (frame["late"] > 2.5 * frame["early"])]
    assert len(rising) >= 20


@in_demo_group
def test_a_share_of_flagged_students_had_a_talk_with_coded_causes(demo):
    """Every demo talk is the coach's, logged as a "Samtal" contact, with one or two causes
    and one wished support from the list, and a summary; about a third of the students
    flagged in a term had one."""
    counts, query = demo
    talks = query("SELECT t.id, t.side, t.summary, c.kind FROM student_talk t "
                  "JOIN contact c ON c.id = t.contact_id")
    assert len(talks) == counts["talks"] > 100
    assert set(talks["side"]) == {"coach"} and set(talks["kind"]) == {"talk"}
    assert talks["summary"].str.len().min() > 0
    chosen = query("SELECT talk_id, theme, COUNT(*) AS n FROM student_talk_category "
                   "GROUP BY talk_id, theme")
    causes = chosen[chosen["theme"] == "cause"]["n"]
    assert len(causes) == len(talks) and set(causes) <= {1, 2}
    assert set(chosen[chosen["theme"] == "wanted"]["n"]) == {1}
    flagged = query(
        "SELECT COUNT(*) AS n FROM (SELECT term_id, student_id FROM student_term_summary "
        "GROUP BY term_id, student_id HAVING SUM(absent) * 1.0 >= SUM(scheduled) * 0.15 "
        "AND term_id IN (SELECT id FROM term WHERE start_date <= '2026-11-23'))")["n"][0]
    assert 0.25 < len(talks) / flagged < 0.45


@in_demo_group
def test_a_share_of_talks_led_to_a_plan_and_past_plans_are_evaluated(demo):
    counts, query = demo
    plans = query("SELECT p.closed_on, p.outcome, p.review_date, p.absence_before, "
                  "p.talk_id, t.student_id AS talk_student, p.student_id FROM action_plan p "
                  "JOIN student_talk t ON t.id = p.talk_id")
    assert len(plans) == counts["plans"] and 0.25 < counts["plans"] / counts["talks"] < 0.55
    assert (plans["talk_student"] == plans["student_id"]).all()
    closed = plans[plans["closed_on"].notna()]
    assert len(closed) > 0 and closed["outcome"].notna().all()
    assert (pd.to_datetime(closed["review_date"]) < pd.Timestamp(END)).all()
    assert closed["absence_before"].notna().mean() > 0.9
    goals = query("SELECT plan_id, COUNT(*) AS n FROM plan_goal GROUP BY plan_id")
    assert len(goals) == len(plans) and set(goals["n"]) == {2}
    # Most plans were approved and followed up three weeks in; some were not (the watch
    # list's plans without follow-up).
    reviews = query("SELECT r.date, p.start_date FROM plan_review r "
                    "JOIN action_plan p ON p.id = r.plan_id WHERE p.level = 'individual'")
    assert 0.6 < len(reviews) / len(plans) < 0.95
    assert ((pd.to_datetime(reviews["date"]) - pd.to_datetime(reviews["start_date"]))
            == pd.Timedelta(weeks=3)).all()
    approved = query("SELECT COUNT(*) AS n FROM action_plan WHERE approved_on IS NOT NULL "
                     "AND level = 'individual'")
    assert approved["n"][0] > 0.9 * len(plans)
    # "Uppföljning av handlingsplan" is always the follow-up of a real plan, one per plan.
    follow_ups = query("SELECT plan_id FROM measure WHERE kind = 'action_plan'")
    assert follow_ups["plan_id"].notna().all() and len(follow_ups) == len(plans)


@in_demo_group
def test_demo_accounts_use_the_documented_password(demo):
    hashes = demo[1]("SELECT password_hash FROM app_user")["password_hash"]
    assert all(bcrypt.checkpw(DEMO_PASSWORD.encode(), h.encode()) for h in hashes)


# --- First start ------------------------------------------------------------------------------

def test_prepare_seeds_an_empty_database_once_in_demo_mode(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AKTIV_DEMO", "1")
    monkeypatch.setenv("AKTIV_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AKTIV_BCRYPT_ROUNDS", "4")
    monkeypatch.delenv("AKTIV_COOKIE_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'first.db'}"
    args = ["prepare", "--url", url, "--students", "120", "--end-date", END.isoformat()]
    assert cli.main(args) == 0
    assert cli.main(args) == 0
    output = capsys.readouterr().out
    assert "120 elever" in output and "redan innehåll" in output
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM student")).scalar() == 120
    engine.dispose()


def test_prepare_outside_demo_mode_refuses_without_a_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AKTIV_DEMO", "0")
    monkeypatch.delenv("AKTIV_COOKIE_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    assert cli.main(["prepare", "--url", url]) == 2
    assert "AKTIV_COOKIE_KEY" in capsys.readouterr().err
    assert not (tmp_path / "prod.db").exists()


@in_demo_group
def test_demo_has_transitions_and_kaa_cases_at_different_steps(demo):
    _counts, query = demo
    handed = query("SELECT COUNT(*) AS n FROM hand_over")["n"][0]
    talks = query("SELECT COUNT(*) AS n FROM early_talk")["n"][0]
    assert handed > 0 and 0 < talks <= handed * 1.2
    cases = query("SELECT e.id, e.occupation, e.closed_on, COUNT(c.id) AS attempts "
                  "FROM kaa_episode e LEFT JOIN kaa_contact c ON c.episode_id = e.id "
                  "GROUP BY e.id, e.occupation, e.closed_on")
    assert len(cases) >= 5
    assert {0, 1, 2} <= set(cases["attempts"])
    assert "unknown" in set(cases["occupation"]) and len(set(cases["occupation"])) >= 2
    assert query("SELECT handles_kaa FROM app_user WHERE username = 'coach'")[
        "handles_kaa"][0]


def test_demo_has_mapping_runs_an_analysis_a_class_plan_and_a_method_meeting(demo):
    counts, query = demo
    instruments = query("SELECT level, status, example FROM instrument ORDER BY level")
    assert instruments.to_dict("records") == [
        {"level": "class", "status": "published", "example": 1},
        {"level": "individual", "status": "published", "example": 1}]
    runs = query("SELECT r.group_name, r.date, r.roster_size, COUNT(p.id) AS answered "
                 "FROM connectedness_run r JOIN connectedness_response p ON p.run_id = r.id "
                 "GROUP BY r.id, r.group_name, r.date, r.roster_size")
    # Two runs a term apart per class, never more answers than the class had students.
    assert runs.groupby("group_name").size().eq(2).all() and len(runs) >= 4
    assert counts["connectedness_runs"] == len(runs) and counts["instruments"] == 2
    assert (runs["answered"] <= runs["roster_size"]).all()
    assert query("SELECT COUNT(*) AS n FROM run_analysis")["n"][0] == 1
    plans = query("SELECT p.id, p.level, p.run_id, p.method_meeting_id, "
                  "(SELECT COUNT(*) FROM plan_item i WHERE i.plan_id = p.id) AS items, "
                  "(SELECT COUNT(*) FROM plan_review r WHERE r.plan_id = p.id) AS reviews "
                  "FROM action_plan p WHERE p.level <> 'individual'")
    from_run = plans[plans["run_id"].notna()]
    assert len(from_run) == 1 and from_run["level"].iloc[0] == "class"
    assert from_run["items"].iloc[0] == 2 and from_run["reviews"].iloc[0] == 2
    assert plans["method_meeting_id"].notna().sum() == 1
    agencies = query("SELECT DISTINCT agency FROM method_participant")["agency"]
    assert {"school", "youth_coach", "social_services", "health"} <= set(agencies)
    goals = query("SELECT method_meeting_id FROM shared_goal")
    assert len(goals) == 2 and goals["method_meeting_id"].notna().sum() == 1
