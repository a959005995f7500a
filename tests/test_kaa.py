"""The activity responsibility (lib/kaa.py): the contact ladder's due rule at its edges, who
sees and writes an episode, attempts, occupation and measures, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.codes import KaaChannel, KaaDueState, Role
from data_models.models import Enrolment, KaaContact, KaaEpisode, KaaMeasure, User, UserScope
from lib.access import AccessDenied, load_viewer
from lib.clock import utcnow
from lib.interruptions import end_enrolment
from lib.kaa import (
    add_attempt,
    add_measure,
    add_school_days,
    due_state,
    get_episode,
    kaa_list,
    ladder_of,
    next_step,
    set_occupation,
)
from lib.versioning import Conflict, InputError

OPENED = dt.date(2025, 10, 10)  # a Friday
TODAY = dt.date(2025, 10, 15)
LADDER = ladder_of("letter,phone,sms,former_school,home_visit")


def test_the_first_attempt_is_due_within_ten_school_days():
    assert add_school_days(OPENED, 10) == dt.date(2025, 10, 24)  # two weeks, Friday to Friday
    assert add_school_days(dt.date(2025, 10, 11), 1) == dt.date(2025, 10, 13)  # Sat → Mon
    channel, due = next_step(LADDER, OPENED, 10, 14, None)
    assert (channel, due) == (KaaChannel.LETTER, dt.date(2025, 10, 24))
    assert due_state(None, due, due) == KaaDueState.DUE
    assert due_state(None, due, due + dt.timedelta(days=1)) == KaaDueState.OVERDUE


def test_the_next_step_follows_the_ladder_until_someone_is_reached():
    assert next_step(LADDER, OPENED, 10, 14, (TODAY, "letter", "no_answer")) == (
        KaaChannel.PHONE, TODAY + dt.timedelta(days=14))
    assert next_step(LADDER, OPENED, 10, 14, (TODAY, "home_visit", "no_answer"))[0] == \
        KaaChannel.HOME_VISIT  # the last step is tried again
    assert next_step(LADDER, OPENED, 10, 14, (TODAY, "phone", "reached")) == (None, None)
    assert due_state(None, None, TODAY) == KaaDueState.CONTACTED
    assert due_state(TODAY, None, TODAY) == KaaDueState.CLOSED
    assert ladder_of("sms,nonsense,phone") == [KaaChannel.SMS, KaaChannel.PHONE]
    assert ladder_of("") == list(KaaChannel)


@pytest.fixture
def kaa(write, read, world, viewer):
    """Anna's studies at SB interrupted on OPENED; a KAA officer for Alfa and one for Gamma;
    Alfa's coach also handles KAA, returned by name with the episode's id."""
    now = utcnow()
    with write() as session:
        for username, municipality in (("kaa_a", "A"), ("kaa_c", "C")):
            user = User(username=username, display_name=username.upper(), role=Role.KAA_OFFICER,
                        password_hash="x", active=True, credentials_changed_at=now,
                        created_at=now)
            user.scopes = [UserScope(municipality_id=world[municipality])]
            session.add(user)
        session.scalar(select(User).where(User.username == "coach_a")).handles_kaa = True
    with write() as session:
        enrolment = session.scalar(select(Enrolment.id).where(
            Enrolment.student_id == world["anna"], Enrolment.school_id == world["SB"]))
        end_enrolment(session, viewer("staff_sb"), enrolment, OPENED, "interrupted", OPENED)
    with read() as session:
        people = {u.username: load_viewer(session, u) for u in session.scalars(select(User))}
        episode_id = session.scalar(select(KaaEpisode.id))
    return people, episode_id


def test_who_sees_the_kaa_list(write, kaa):
    people, episode_id = kaa
    with write() as session:
        for username in ("kaa_a", "coach_a", "admin"):
            listed = kaa_list(session, people[username], TODAY)
            assert list(listed["id"]) == [episode_id], username
        assert kaa_list(session, people["kaa_c"], TODAY).empty
    row = listed.iloc[0]
    assert (row["next_channel"], row["next_due"], row["due_state"]) == (
        KaaChannel.LETTER, dt.date(2025, 10, 24), KaaDueState.DUE)
    assert row["school"] == "Skola SB" and row["interruption_reason"] == "interrupted"
    assert "****" in row["personal_number"]
    for username in ("staff_sb", "coach_c", "leader_north"):
        with pytest.raises(AccessDenied), write() as session:
            kaa_list(session, people[username], TODAY)
    with pytest.raises(AccessDenied), write() as session:  # Gamma's officer: as if missing
        get_episode(session, people["kaa_c"], episode_id, TODAY)


def test_a_coach_without_the_kaa_job_does_not_see_it(write, world, viewer, kaa):
    with pytest.raises(AccessDenied), write() as session:
        kaa_list(session, viewer("coach_c"), TODAY)


def test_two_attempts_then_back_in_studies(write, read, kaa):
    people, episode_id = kaa
    officer = people["kaa_a"]
    with write() as session:
        add_attempt(session, officer, episode_id, dt.date(2025, 10, 13), "letter", "no_answer",
                    "Brev om vad kommunen kan erbjuda.", "Ringa", TODAY)
        add_attempt(session, people["coach_a"], episode_id, TODAY, "phone", "reached",
                    "Pratade med Anna.", "", TODAY)
    with write() as session:
        episode = get_episode(session, officer, episode_id, TODAY)
    assert list(episode.contacts["kaa_channel"]) == ["phone", "letter"]  # latest first
    assert episode.due_state == KaaDueState.CONTACTED and episode.next_channel is None
    with write() as session:
        set_occupation(session, officer, episode_id, episode.version, "back_in_studies",
                       TODAY, dt.date(2026, 1, 15), TODAY)
    with pytest.raises(Conflict), write() as session:  # a save on an older version
        set_occupation(session, officer, episode_id, episode.version, "work", TODAY, None,
                       TODAY)
    with read() as session:
        stored = session.get(KaaEpisode, episode_id)
    assert (stored.occupation, stored.occupation_since, stored.next_follow_up,
            stored.closed_on) == ("back_in_studies", TODAY, dt.date(2026, 1, 15), None)


@pytest.mark.parametrize(("day", "channel", "result", "message"), [
    (TODAY + dt.timedelta(days=1), "phone", "reached", "inte har varit än"),
    (OPENED - dt.timedelta(days=1), "phone", "reached", "före avbrottet"),
    (TODAY, "carrier_pigeon", "reached", "hur kontakten söktes"),
    (TODAY, "phone", "maybe", "vad kontaktförsöket gav"),
    (None, "phone", "reached", "Ange datum"),
])
def test_a_bad_attempt_writes_nothing(write, read, kaa, day, channel, result, message):
    people, episode_id = kaa
    with pytest.raises(InputError, match=message), write() as session:
        add_attempt(session, people["kaa_a"], episode_id, day, channel, result, "", "", TODAY)
    with read() as session:
        assert session.scalar(select(func.count()).select_from(KaaContact)) == 0


def test_measures_and_a_closed_episode(write, read, kaa):
    people, episode_id = kaa
    officer = people["kaa_a"]
    with pytest.raises(InputError, match="sluta innan"), write() as session:
        add_measure(session, officer, episode_id, "Praktik", TODAY, OPENED, "")
    with pytest.raises(AccessDenied), write() as session:  # administrators read only
        add_measure(session, people["admin"], episode_id, "Praktik", TODAY, None, "")
    with write() as session:
        add_measure(session, officer, episode_id, "Praktik på kommunens verkstad", TODAY,
                    None, "Vill prova på yrket.")
        episode = get_episode(session, officer, episode_id, TODAY)
        set_occupation(session, officer, episode_id, episode.version, "moved_away", TODAY,
                       None, TODAY, close=True)
    with pytest.raises(InputError, match="avslutat"), write() as session:
        add_attempt(session, officer, episode_id, TODAY, "phone", "reached", "", "", TODAY)
    with write() as session:
        assert kaa_list(session, officer, TODAY).empty  # open ones only
        closed = kaa_list(session, officer, TODAY, open_only=False)
    assert closed.iloc[0]["due_state"] == KaaDueState.CLOSED
    with read() as session:
        assert session.scalar(select(func.count()).select_from(KaaMeasure)) == 1


def test_an_administrator_sets_the_ladder_and_the_due_rule(write, read, world, viewer, kaa):
    from data_models.models import Municipality
    from lib.kaa import municipality_rules, set_rules

    people, _episode_id = kaa
    with write() as session:
        set_rules(session, viewer("admin"), world["A"], 4, ["phone", "home_visit"], 5, 7)
    with write() as session:
        rules = municipality_rules(session, viewer("admin")).set_index("id")
        listed = kaa_list(session, people["kaa_a"], TODAY)
    assert rules.loc[world["A"], "kaa_ladder"] == "phone,home_visit"
    assert (listed.iloc[0]["next_channel"], listed.iloc[0]["next_due"]) == (
        KaaChannel.PHONE, dt.date(2025, 10, 17))  # five school days after a Friday
    for ladder, first, message in ((["phone", "phone"], 5, "vart och ett en gång"),
                                   ([], 5, "vart och ett en gång"),
                                   (["pigeon"], 5, "vart och ett en gång"),
                                   (["phone"], 0, "mellan 1 och 60")):
        with pytest.raises(InputError, match=message), write() as session:
            set_rules(session, viewer("admin"), world["A"], 4, ladder, first, 7)
    with pytest.raises(AccessDenied), write() as session:
        set_rules(session, people["kaa_a"], world["A"], 4, ["phone"], 5, 7)
    with read() as session:
        assert session.get(Municipality, world["A"]).kaa_first_days == 5


def test_the_page_shows_a_case_whose_follow_up_day_has_passed(app_env, write, world, kaa):
    from tests.apptest import login, texts

    _people, episode_id = kaa
    with write() as session:
        episode = session.get(KaaEpisode, episode_id)
        episode.next_follow_up = dt.date(2025, 10, 20)  # long before the app's today
    at = login("coach_a", page="pages/13_Aktivitetsansvar.py")
    at.query_params["arende"] = str(episode_id)
    at.run()
    assert not at.exception
    assert at.header[0].value == "Anna Testsson"
    assert "Nästa steg: brev" in texts(at)
