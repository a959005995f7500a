"""The load harness (bench/load.py) against the served app: two users go through every
action of a pass without an error, and a wrong password is reported as a failed login."""

from __future__ import annotations

import asyncio
import datetime as dt
import os

import pytest

from bench.load import Scenario, drive, summarise
from tests.browser import served_app
from tests.factories import PASSWORD

# Served like the browser tests, and grouped with them.
pytestmark = [pytest.mark.browser]
ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR", "AKTIV_BCRYPT_ROUNDS")
ACTIONS = ("login_page", "login", "overview", "school", "filter", "student", "meetings",
           "open_meeting", "next_student", "type_note", "save_note")
QUICK = (0.05, 0.1)  # think time, s


def _env() -> dict[str, str]:
    return {k: os.environ[k] for k in ENV_KEYS}


@pytest.fixture
def meeting(write, world, viewer) -> int:
    """coach_a's meeting at school SB, with two students on its agenda."""
    from lib.meetings import plan_meeting

    with write() as session:
        return plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                            term_id=world["HT2025"], municipality_id=world["A"],
                            date=dt.date(2025, 10, 1))


def _drive(url: str, users: int, password: str) -> dict:
    scenario = Scenario(account="coach_a", password=password, think=QUICK, passes=1)
    return summarise(asyncio.run(drive(url, users, scenario, ramp=0.5, seed=1)))["actions"]


def test_two_users_complete_every_action(app_env, meeting):
    with served_app(_env()) as url:
        actions = _drive(url, 2, PASSWORD)
    for action in ACTIONS:
        assert actions[action]["count"] == 2, (action, actions[action])
        assert actions[action]["errors"] == 0, (action, actions[action])


def test_a_wrong_password_is_a_failed_login(app_env, meeting):
    with served_app(_env()) as url:
        actions = _drive(url, 1, "Fel-lösenord-123")
    assert actions["login"]["errors"] == 1
    assert actions["login"]["count"] == 0
    assert "overview" not in actions
