"""Alerts (lib/alerts.py): an absence import that moves students over a level or into a
rising trend alerts the coach of the home municipality and the school's contact persons,
once per crossing and term; acknowledging, someone else's alert, undo, a failed import;
and the Larm tab on Återkoppling."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.models import Alert, AuditEvent, User
from lib import alerts
from lib.access import AccessDenied
from lib.importing.batches import undo_batch
from lib.summaries import refresh_all
from tests.alert_world import CROSSING, FIRST_DAY, SECOND_DAY, import_day, prepare_alert_world
from tests.factories import absence, add_student


@pytest.fixture
def ids(write, world):
    return prepare_alert_world(write, world)


def alert_rows(read) -> set[tuple[int, str, int]]:
    """(student, kind, user) of every alert."""
    with read() as session:
        return set(session.execute(select(Alert.student_id, Alert.kind, Alert.user_id)).all())


def expected(ids, *crossings: tuple[str, str], users=("coach_a", "staff_sb")) -> set:
    return {(ids[student], kind, ids[f"user:{user}"]) for student, kind in crossings
            for user in users}


def test_an_import_alerts_new_crossings_to_the_coach_and_the_contact_person(
        read, write, viewer, ids):
    batch = import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    # Eva goes from 10 % to 30 %: one alert, for the high level. Gustav reaches the watch
    # level. Anna was over already and Frida stays under: nothing. Told: Alfa's coach and
    # Alfa's contact person at SB who is a user; not the external contact, not Beta's
    # contact at the same school, not Gamma's coach.
    assert alert_rows(read) == expected(ids, ("eva", "high"), ("gustav", "watch"))
    with read() as session:
        rows = session.scalars(select(Alert)).all()
        assert {row.batch_id for row in rows} == {batch}
        assert {row.school_id for row in rows} == {ids["SB"]}
        assert {row.term_id for row in rows} == {ids["HT2025"]}
        shares = {row.student_id: round(row.share, 3) for row in rows}
    assert shares == {ids["eva"]: 0.3, ids["gustav"]: 0.16}


def test_a_second_import_that_keeps_them_over_alerts_nobody_again(read, write, viewer, ids):
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    first = alert_rows(read)
    import_day(read, write, viewer, ids, SECOND_DAY, {"eva": 300, "gustav": 200})
    assert alert_rows(read) == first


def test_a_crossing_is_alerted_once_a_term_even_after_a_dip(read, write, viewer, ids):
    days = [dt.date(2025, 9, 8) + dt.timedelta(weeks=n) for n in range(4)]
    import_day(read, write, viewer, ids, days[0], {"gustav": 220})  # 16 %: watch
    import_day(read, write, viewer, ids, days[1], {"gustav": 0})  # 10,7 %: under again
    import_day(read, write, viewer, ids, days[2], {"gustav": 300})  # 15,5 %: watch again
    assert alert_rows(read) == expected(ids, ("gustav", "watch"))
    import_day(read, write, viewer, ids, days[3], {"gustav": 600})  # 24,4 %: high
    assert alert_rows(read) == expected(ids, ("gustav", "watch"), ("gustav", "high"))


def test_a_period_export_alerts_too(read, write, viewer, ids):
    from lib.importing.absence import commit_absence, preview_absence
    from lib.importing.files import read_table
    from lib.importing.layouts import KNOWN_HEADERS, suggest
    from tests import import_files
    from tests.alert_world import number_of

    # Gustav's September as one period: 1 300 of 6 000 minutes (21,7 %), replacing his day.
    data = import_files.vklass_period([(number_of(read, ids["gustav"]), "Gustav Testsson",
                                        6000, 300, 1000)])
    table = read_table(data, "vklass.xlsx", KNOWN_HEADERS)
    mapping = suggest("absence", table.columns)
    with read() as session:
        preview = preview_absence(session, viewer("coach_a"), table, mapping, ids["SB"],
                                  (dt.date(2025, 9, 1), dt.date(2025, 9, 30)))
    with write() as session:
        commit_absence(session, viewer("coach_a"), preview, mapping)
    assert alert_rows(read) == expected(ids, ("gustav", "high"))


def test_an_inactive_coach_is_not_told(read, write, viewer, ids):
    with write() as session:
        session.get(User, ids["user:coach_a"]).active = False
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    assert alert_rows(read) == expected(ids, ("eva", "high"), ("gustav", "watch"),
                                        users=("staff_sb",))


def test_a_failed_import_leaves_no_alert(read, write, viewer, ids, monkeypatch):
    import lib.importing.absence as absence_import

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(absence_import, "log_event", broken)  # after the alerts are written
    with pytest.raises(RuntimeError):
        import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    assert alert_rows(read) == set()


def test_undoing_an_import_removes_its_open_alerts(read, write, viewer, ids):
    batch = import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    coach = viewer("coach_a")
    with read() as session:
        kept = session.scalar(select(Alert.id).where(Alert.student_id == ids["eva"],
                                                     Alert.user_id == coach.user_id))
    with write() as session:
        alerts.acknowledge_alert(session, coach, kept)
    with write() as session:
        undo_batch(session, viewer("admin"), batch)  # forgets the alerts nobody acknowledged
    with read() as session:
        assert session.scalars(select(Alert.id)).all() == [kept]
    # The absence is back where it was: the same file again alerts the others again.
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    assert alert_rows(read) == expected(ids, ("eva", "high"), ("gustav", "watch"))


def test_rising_absence_is_an_alert_of_its_own(read, write, viewer, world, ids):
    # Hugo: four Mondays at 5 %, then an import of four Mondays at 15 %: the term is at
    # 10 % (under the watch level), the last four weeks 10 points over the ones before.
    with write() as session:
        hugo = add_student(session, "Hugo", "20080808", 980, world["A"], world["SA"],
                           world["HT2025"])
        for week in range(4):
            day = dt.date(2025, 9, 8) + dt.timedelta(weeks=week)
            session.add(absence(hugo, world["SA"], day, world["HT2025"], 1000, 0, 50))
        session.flush()
        refresh_all(session)
    ids["hugo"] = hugo
    for week in range(4):
        day = dt.date(2025, 10, 6) + dt.timedelta(weeks=week)
        import_day(read, write, viewer, ids, day, {"hugo": 150}, school="SA")
    # With the second of them the last four weeks are at 10 %, 6,7 points over the weeks
    # before (the first made 7,5 %, under the trend's floor): rising, and alerted once.
    assert alert_rows(read) == {(hugo, "rising", ids["user:coach_a"])}


def test_the_viewer_lists_and_acknowledges_own_alerts(read, write, viewer, ids):
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    coach = viewer("coach_a")
    with read() as session:
        table = alerts.list_alerts(session, coach)
        assert alerts.open_count(session, coach) == 2
    assert list(table.columns) == alerts.ALERT_COLUMNS
    # Open ones, newest first; Eva's protected identity is never named.
    assert set(table["student"]) == {f"Skyddad identitet (elev {ids['eva']})",
                                     "Gustav Testsson"}
    assert set(table["alert_kind"]) == {"high", "watch"}
    assert set(table["school"]) == {"Skola SB"} and set(table["term"]) == {"HT2025"}
    eva_alert = int(table.loc[table["student_id"] == ids["eva"], "id"].iloc[0])
    with write() as session:
        alerts.acknowledge_alert(session, coach, eva_alert)
    with write() as session:
        alerts.acknowledge_alert(session, coach, eva_alert)  # twice: nothing more
    with read() as session:
        assert alerts.open_count(session, coach) == 1
        assert len(alerts.list_alerts(session, coach)) == 1
        everything = alerts.list_alerts(session, coach, open_only=False)
    with read() as session:  # views are written as each read ends
        acknowledged = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "alert", AuditEvent.action == "update")).all()
        views = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "view_alerts", AuditEvent.user_id == coach.user_id))
    assert len(everything) == 2 and everything["acknowledged_at"].notna().sum() == 1
    assert everything["acknowledged_at"].isna().iloc[0]  # the open one first
    assert [(e.entity_id, e.student_id) for e in acknowledged] == [(eva_alert, ids["eva"])]
    assert views == 3  # each list read is a logged view; the counts are not


def test_someone_elses_alert_is_refused_as_missing(read, write, viewer, ids):
    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    with read() as session:
        theirs = session.scalar(select(Alert.id).where(
            Alert.user_id == ids["user:coach_a"]))
        missing = session.scalar(select(func.max(Alert.id))) + 1
    # Another municipality's coach, and staff at the same school who see the student: the
    # coach's alert is answered as one that does not exist.
    for other in ("coach_c", "staff_sb_beta"):
        messages = []
        for alert_id in (theirs, missing):
            with pytest.raises(AccessDenied) as refused, write() as session:
                alerts.acknowledge_alert(session, viewer(other), alert_id)
            messages.append(str(refused.value))
        assert messages[0] == messages[1]
    with read() as session:
        assert alerts.list_alerts(session, viewer("coach_c")).empty
        assert alerts.open_count(session, viewer("staff_sb_beta")) == 0
        assert session.scalar(select(func.count()).select_from(Alert).where(
            Alert.acknowledged_at.is_not(None))) == 0
        refusals = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.entity == "alert"))
    assert refusals == 4
    with read() as session, pytest.raises(AccessDenied):
        alerts.list_alerts(session, viewer("leader_north"))  # aggregates only


def test_the_alerts_tab_for_the_contact_person_and_the_coach(app_env, read, write, viewer,
                                                             ids):
    from tests.apptest import login, texts

    import_day(read, write, viewer, ids, FIRST_DAY, CROSSING)
    at = login("staff_sb", page="pages/7_Aterkoppling.py")
    assert not at.exception
    assert "Larm (2 nya)" in [tab.label for tab in at.tabs]
    table = next(frame.value for frame in at.dataframe if "Larm" in frame.value.columns)
    # Her school's own students; Eva's protected identity is never named.
    assert set(table["Elev"]) == {f"Skyddad identitet (elev {ids['eva']})", "Gustav Testsson"}
    assert set(table["Larm"]) == {"Över den höga nivån", "Över bevakningsnivån"}
    assert set(table["Skola"]) == {"Skola SB"} and set(table["Termin"]) == {"HT2025"}
    next(b for b in at.button if b.label.startswith("Kvittera alla som visas")).click()
    at.run()
    assert not at.exception
    assert "Kvitterat: 2 larm." in texts(at)
    assert "Inga öppna larm." in texts(at)
    with read() as session:
        assert alerts.open_count(session, viewer("staff_sb")) == 0
        assert alerts.open_count(session, viewer("coach_a")) == 2  # the coach's own stay
    at = login("coach_a", page="pages/7_Aterkoppling.py")
    assert not at.exception
    assert "Larm (2 nya)" in [tab.label for tab in at.tabs]
    next(t for t in at.toggle if t.label == "Visa också kvitterade larm").set_value(True)
    at.run()
    assert not at.exception
    table = next(frame.value for frame in at.dataframe if "Larm" in frame.value.columns)
    assert len(table) == 2


def test_the_demo_seeds_alerts_of_its_latest_weeks(engine):
    """The demo's collaborations name the rector as a contact person, so her school's
    crossings of the latest weeks reach her as well as the coach."""
    from data_models.engine import unit_of_work
    from lib.demo import DemoSpec, seed_demo

    end = dt.date(2026, 11, 23)
    with unit_of_work(engine, write=True) as session:
        counts = seed_demo(session, DemoSpec(students=300, end_date=end, bcrypt_rounds=4))
    assert counts["alerts"] > 0 and 0 < counts["alerts_acknowledged"] < counts["alerts"]
    with unit_of_work(engine) as session:
        told = {username for username, in session.execute(
            select(User.username).join(Alert, Alert.user_id == User.id).distinct())}
        days = session.scalars(select(Alert.created_at)).all()
    assert {"coach", "rektor"} <= told
    assert min(days).date() >= end - dt.timedelta(weeks=4) and max(days).date() <= end
