import datetime as dt
import os
import stat

import bcrypt
import pytest

from data_models.models import LoginAttempt, LoginSession
from lib import admin, auth
from lib.clock import utcnow
from lib.settings import ConfigurationError, check_cookie_key, cookie_key, load_settings
from tests.factories import PASSWORD

T0 = dt.datetime(2026, 11, 23, 8, 0, 0)


# --- Password policy ------------------------------------------------------------------------

def test_twelve_characters_with_swedish_letters_are_accepted():
    hashed = auth.hash_password("åäöÅÄÖåäöÅÄÖ", rounds=4)
    assert bcrypt.checkpw("åäöÅÄÖåäöÅÄÖ".encode(), hashed.encode())


def test_eleven_characters_are_refused():
    with pytest.raises(auth.PasswordPolicyError, match="minst 12 tecken"):
        auth.validate_password("a" * 11)


def test_over_72_bytes_is_refused_with_a_clear_message():
    auth.validate_password("a" * 72)
    with pytest.raises(auth.PasswordPolicyError, match="72 byte"):
        auth.validate_password("ö" * 37)  # 37 characters, 74 bytes


def test_leading_or_trailing_space_is_refused():
    with pytest.raises(auth.PasswordPolicyError, match="mellanslag"):
        auth.validate_password(" ett-långt-lösenord")


# --- Lockout ----------------------------------------------------------------------------------

def test_delay_grows_from_the_sixth_failure_and_is_capped():
    delays = [auth.lock_delay_seconds(n) for n in range(1, 12)]
    assert delays[:4] == [0, 0, 0, 0]
    assert delays[4:9] == [30, 60, 120, 240, 480]
    assert delays[9:] == [900, 900]


def _attempts(read, username):
    with read() as session:
        return session.get(LoginAttempt, username)


def _check(write, username, password, at, rounds=4):
    with write() as session:
        return auth.check_password(session, username, password, at, rounds)


def test_failures_lock_with_a_growing_delay(write, read, world):
    delays = [_check(write, "coach_a", "fel-lösenord-123", T0).locked_for for _ in range(5)]
    assert delays == [0, 0, 0, 0, 30]
    attempt = _attempts(read, "coach_a")
    assert attempt.failed_attempts == 5 and attempt.locked_until == T0 + dt.timedelta(seconds=30)
    # Attempts during the lock neither count nor extend it.
    assert _check(write, "coach_a", "fel-lösenord-123", T0 + dt.timedelta(seconds=10)
                  ).locked_for == 21
    assert _attempts(read, "coach_a").failed_attempts == 5
    # After the lock, the next failure doubles the delay.
    assert _check(write, "coach_a", "fel-lösenord-123", T0 + dt.timedelta(seconds=31)
                  ).locked_for == 60


def test_a_locked_username_fails_even_with_the_right_password(write, world):
    for _ in range(5):
        _check(write, "coach_a", "fel-lösenord-123", T0)
    during = _check(write, "coach_a", PASSWORD, T0 + dt.timedelta(seconds=5))
    after = _check(write, "coach_a", PASSWORD, T0 + dt.timedelta(seconds=31))
    assert (during.user_id, during.locked_for) == (None, 26)
    assert after.user_id == world["user:coach_a"]


def test_success_forgets_the_failures(write, read, world):
    for _ in range(3):
        _check(write, "coach_a", "fel-lösenord-123", T0)
    assert _check(write, " Coach_A ", PASSWORD, T0).user_id == world["user:coach_a"]
    assert _attempts(read, "coach_a") is None


def test_an_unknown_username_is_locked_exactly_like_a_known_one(write, world):
    """The answers must not tell which usernames exist."""
    def answers(username):
        return [_check(write, username, "fel-lösenord-123", T0 + dt.timedelta(seconds=s))
                .locked_for for s in (0, 0, 0, 0, 0, 10, 31)]
    assert answers("nobody") == answers("coach_a") == [0, 0, 0, 0, 30, 21, 60]


def test_an_unknown_username_costs_one_hash_check_of_the_same_cost(write, world, monkeypatch):
    costs = []
    real = bcrypt.checkpw

    def spy(password, hashed):
        costs.append(int(hashed.split(b"$")[2]))
        return real(password, hashed)
    monkeypatch.setattr(auth.bcrypt, "checkpw", spy)
    _check(write, "coach_a", "fel-lösenord-123", T0, rounds=4)
    _check(write, "nobody", "fel-lösenord-123", T0, rounds=4)
    _check(write, "coach_a", "fel-lösenord-123", T0 + dt.timedelta(minutes=1), rounds=4)
    assert costs == [4, 4, 4]  # the test world's hashes have cost 4


def test_a_disabled_account_answers_like_an_unknown_one(write, world, viewer):
    with write() as session:
        admin.update_user(session, viewer("admin"), world["user:coach_c"], role=admin.Role.COACH,
                          scope_ids=[world["C"]], active=False, display_name="Coach C")
    assert _check(write, "coach_c", PASSWORD, T0).user_id is None


def test_failed_attempts_at_made_up_usernames_are_forgotten_after_a_day(write, read, world):
    _check(write, "gissning-1", "fel-lösenord-123", T0)
    _check(write, "gissning-2", "fel-lösenord-123", T0 + dt.timedelta(days=2))
    assert _attempts(read, "gissning-1") is None
    assert _attempts(read, "gissning-2") is not None


def test_a_new_password_clears_the_lock(write, world, viewer):
    for _ in range(5):
        _check(write, "coach_a", "fel-lösenord-123", T0)
    with write() as session:
        admin.reset_password(session, viewer("admin"), world["user:coach_a"],
                             "Ett-helt-nytt-lösenord", bcrypt_rounds=4)
    assert _check(write, "coach_a", "Ett-helt-nytt-lösenord", T0).user_id is not None


# --- Logins kept on the server --------------------------------------------------------------

KEY = "k" * 40
HOURS = dt.timedelta(hours=12)


def _start(write, world, username="coach_a", at=None):
    with write() as session:
        return auth.start_login(session, world[f"user:{username}"], KEY, at or utcnow(),
                                HOURS)


def _cookie(write, ticket, at=None):
    with write() as session:
        return auth.redeem_ticket(session, ticket, KEY, at or utcnow())


def _resume(read, secret, at=None):
    with read() as session:
        return auth.resume_login(session, secret, KEY, at or utcnow())


def test_a_ticket_gives_the_login_cookie_once(write, read, world):
    login = _start(write, world)
    cookie = _cookie(write, login.ticket)
    assert cookie is not None and 12 * 3600 - 5 <= cookie.max_age <= 12 * 3600
    assert _cookie(write, login.ticket) is None
    resumed = _resume(read, cookie.secret)
    assert resumed.login_id == login.login_id and resumed.viewer.username == "coach_a"
    with read() as session:
        assert auth.check_login(session, login.login_id, utcnow()).cookie_written


def test_the_database_holds_no_usable_secret(write, read, world):
    login = _start(write, world)
    cookie = _cookie(write, login.ticket)
    with read() as session:
        row = session.get(LoginSession, login.login_id)
    assert cookie.secret not in (row.token_hash, row.ticket_hash)
    assert _resume(read, row.token_hash).viewer is None


def test_an_old_ticket_gives_no_cookie(write, world):
    login = _start(write, world, at=utcnow() - dt.timedelta(minutes=10))
    assert _cookie(write, login.ticket) is None


def test_a_new_password_ends_every_copy_of_the_cookie(write, read, world, viewer):
    cookie = _cookie(write, _start(write, world).ticket)
    with write() as session:
        admin.reset_password(session, viewer("admin"), world["user:coach_a"],
                             "Ett-helt-nytt-lösenord", bcrypt_rounds=4)
    refused = _resume(read, cookie.secret)
    assert refused.viewer is None and "avslutats" in refused.notice


def test_logging_out_ends_the_login_for_a_copy_of_the_cookie(write, read, world):
    login = _start(write, world)
    cookie = _cookie(write, login.ticket)
    other = _cookie(write, _start(write, world).ticket)  # the same user in another browser
    with write() as session:
        assert auth.end_login(session, login.login_id, auth.ENDED_BY_LOGOUT,
                              utcnow()) == "coach_a"
    assert _resume(read, cookie.secret).viewer is None
    assert _resume(read, other.secret).viewer is not None


def test_a_login_ends_when_its_time_is_up(write, read, world):
    cookie = _cookie(write, _start(write, world).ticket)
    later = _resume(read, cookie.secret, utcnow() + HOURS + dt.timedelta(seconds=1))
    assert later.viewer is None and later.notice == auth.EXPIRED_NOTICE


def test_disabling_ends_logins(write, read, world, viewer):
    login = _start(write, world)
    with write() as session:
        admin.update_user(session, viewer("admin"), world["user:coach_a"], role=admin.Role.COACH,
                          scope_ids=[world["A"]], active=False, display_name="Coach A")
    with read() as session:
        check = auth.check_login(session, login.login_id, utcnow())
    assert check.viewer is None and "avstängt" in check.notice


def test_a_changed_scope_ends_logins(write, read, world, viewer):
    login = _start(write, world)
    with write() as session:
        admin.update_user(session, viewer("admin"), world["user:coach_a"], role=admin.Role.COACH,
                          scope_ids=[world["A"], world["B"]], active=True,
                          display_name="Coach A")
    with read() as session:
        check = auth.check_login(session, login.login_id, utcnow())
    assert check.viewer is None and "avslutats" in check.notice


def test_a_fresh_ticket_replaces_an_unused_one(write, world):
    login = _start(write, world, at=utcnow() - dt.timedelta(minutes=10))
    with write() as session:
        ticket = auth.new_ticket(session, login.login_id, KEY, utcnow())
    assert _cookie(write, login.ticket) is None and _cookie(write, ticket) is not None


# --- Cookie key -------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "message"), [
    (None, "Ingen nyckel"), ("", "Ingen nyckel"), ("some_signature_key", "standardvärde"),
    ("x" * 31, "för kort"),
])
def test_bad_or_missing_cookie_keys_are_refused(key, message):
    with pytest.raises(ConfigurationError, match=message):
        check_cookie_key(key)


def test_outside_demo_mode_a_missing_key_refuses(monkeypatch, tmp_path):
    monkeypatch.delenv("AKTIV_COOKIE_KEY", raising=False)
    monkeypatch.setenv("AKTIV_DEMO", "0")
    monkeypatch.setenv("AKTIV_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigurationError):
        cookie_key(load_settings())
    assert not (tmp_path / "cookie_key").exists()


def test_demo_mode_generates_a_private_key_once(monkeypatch, tmp_path):
    monkeypatch.delenv("AKTIV_COOKIE_KEY", raising=False)
    monkeypatch.setenv("AKTIV_DEMO", "1")
    monkeypatch.setenv("AKTIV_DATA_DIR", str(tmp_path))
    first = cookie_key(load_settings())
    assert len(first.encode()) >= 32 and first == cookie_key(load_settings())
    assert stat.S_IMODE(os.stat(tmp_path / "cookie_key").st_mode) == 0o600


def test_the_login_cookie_expires_within_a_day():
    assert 0 < load_settings().cookie_expiry_days <= 1
