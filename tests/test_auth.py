import datetime as dt
import os
import stat

import bcrypt
import pytest

from data_models.models import User
from lib import admin, auth
from lib.clock import epoch, utcnow
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


def _user(read, world, name):
    with read() as session:
        return session.get(User, world[f"user:{name}"])


def test_failures_lock_with_a_growing_delay(write, read, world):
    with write() as session:
        delays = [auth.record_failed_login(session, "coach_a", T0) for _ in range(5)]
    assert delays == [0, 0, 0, 0, 30]
    user = _user(read, world, "coach_a")
    assert user.failed_attempts == 5 and user.locked_until == T0 + dt.timedelta(seconds=30)
    # Attempts during the lock neither count nor extend it.
    with write() as session:
        assert auth.record_failed_login(session, "coach_a", T0 + dt.timedelta(seconds=10)) == 21
    assert _user(read, world, "coach_a").failed_attempts == 5
    # After the lock, the next failure doubles the delay.
    with write() as session:
        assert auth.record_failed_login(session, "coach_a", T0 + dt.timedelta(seconds=31)) == 60


def test_success_resets_the_count(write, read, world):
    with write() as session:
        for _ in range(3):
            auth.record_failed_login(session, "coach_a", T0)
        auth.record_successful_login(session, "coach_a")
    user = _user(read, world, "coach_a")
    assert user.failed_attempts == 0 and user.locked_until is None


def test_unknown_usernames_are_not_recorded(write):
    with write() as session:
        assert auth.record_failed_login(session, "nobody", T0) == 0


def test_credentials_leave_out_disabled_and_lock_out_locked_users(write, read, world, viewer):
    with write() as session:
        for _ in range(5):
            auth.record_failed_login(session, "coach_a", T0)
        admin.update_user(session, viewer("admin"), world["user:coach_c"], role=admin.Role.COACH,
                          scope_ids=[world["C"]], active=False, display_name="Coach C")
    with read() as session:
        during = auth.build_credentials(session, T0 + dt.timedelta(seconds=5))
        after = auth.build_credentials(session, T0 + dt.timedelta(seconds=31))
    assert "coach_c" not in during["usernames"]
    locked_hash = during["usernames"]["coach_a"]["password"]
    assert not bcrypt.checkpw(PASSWORD.encode(), locked_hash.encode())
    assert bcrypt.checkpw(PASSWORD.encode(), after["usernames"]["coach_a"]["password"].encode())


def test_failed_usernames_reads_the_authenticators_counters():
    credentials = {"usernames": {"a": {"failed_login_attempts": 0},
                                 "b": {"failed_login_attempts": 1}}}
    assert auth.failed_usernames(credentials) == ["b"]


# --- Revocation -------------------------------------------------------------------------------

def test_password_change_ends_earlier_logins(write, read, world, viewer):
    login_at = epoch(utcnow())  # the world fixture created the account just before
    with read() as session:
        assert auth.check_login(session, "coach_a", login_at).viewer is not None
    with write() as session:
        admin.reset_password(session, viewer("admin"), world["user:coach_a"],
                             "Ett-helt-nytt-lösenord", bcrypt_rounds=4)
    with read() as session:
        check = auth.check_login(session, "coach_a", login_at)
        fresh = auth.check_login(session, "coach_a", epoch(utcnow()) + 1)
    assert check.viewer is None and "avslutats" in check.reason
    assert fresh.viewer is not None


def test_disabling_ends_logins(write, read, world, viewer):
    with write() as session:
        admin.update_user(session, viewer("admin"), world["user:coach_a"], role=admin.Role.COACH,
                          scope_ids=[world["A"]], active=False, display_name="Coach A")
    with read() as session:
        check = auth.check_login(session, "coach_a", epoch(utcnow()) + 60)
    assert check.viewer is None and "avstängt" in check.reason


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
