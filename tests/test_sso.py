"""Matching an identity from the identity provider to a user (lib.sso): bound once by the
verified e-mail, then by issuer + subject; unknown, disabled and stale identities are refused,
and every outcome is in the audit log."""

import datetime as dt

import pytest
from sqlalchemy import select, update

from data_models.codes import LoginMethod
from data_models.models import AuditEvent, LoginSession, User
from lib import sso
from lib.auth import check_login, touch_credentials
from lib.clock import utcnow

KEY = "k" * 40
LIFETIME = dt.timedelta(hours=12)
ISSUER = "https://login.kommun.example"


def _claims(sub="kim", email="kim@kommun.example", verified=True, issued=None, **extra):
    issued = issued or utcnow()
    return {"iss": ISSUER, "sub": sub, "email": email, "email_verified": verified,
            "iat": int(issued.replace(tzinfo=dt.UTC).timestamp()), **extra}


def _give_email(session, username, email):
    session.execute(update(User).where(User.username == username).values(email=email))


def _log_in(session, claims, now=None):
    identity = sso.identity_from(claims)
    return sso.log_in_with_identity(session, identity, KEY, now or utcnow(), LIFETIME)


def _last_event(session):
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()


def test_identity_needs_issuer_and_subject():
    assert sso.identity_from({"sub": "kim"}) is None
    assert sso.identity_from({"iss": ISSUER}) is None
    identity = sso.identity_from(_claims(email="Kim@Kommun.Example"))
    assert (identity.issuer, identity.subject, identity.email) == (ISSUER, "kim",
                                                                    "kim@kommun.example")


def test_an_unverified_email_is_not_used():
    assert sso.identity_from(_claims(verified=False)).email is None
    assert sso.identity_from(_claims(verified="true")).email is None


def test_first_sign_in_binds_the_identity_by_verified_email(write, world):
    with write() as session:
        _give_email(session, "coach_a", "Kim@kommun.example")
        outcome = _log_in(session, _claims())
        assert outcome.refusal is None and outcome.user.username == "coach_a"
        coach = session.scalar(select(User).where(User.username == "coach_a"))
        assert (coach.sso_issuer, coach.sso_subject) == (ISSUER, "kim")
        login = session.get(LoginSession, outcome.login.login_id)
        assert login.method == LoginMethod.SSO
        event = _last_event(session)
        assert (event.action, event.username, event.note) == ("login", "coach_a", "SSO")
        # The role and scope are the app's: the login checks as coach_a's.
        viewer = check_login(session, login.id, utcnow()).viewer
        assert viewer.username == "coach_a" and viewer.municipality_ids


def test_a_bound_identity_matches_on_subject_whatever_the_email(write, world):
    with write() as session:
        _give_email(session, "coach_a", "kim@kommun.example")
        _log_in(session, _claims())
        _give_email(session, "coach_a", "ny.adress@kommun.example")
        outcome = _log_in(session, _claims(email="annan@kommun.example"))
        assert outcome.user.username == "coach_a"


def test_an_email_bound_to_another_identity_is_not_taken_over(write, world):
    with write() as session:
        _give_email(session, "coach_a", "kim@kommun.example")
        _log_in(session, _claims(sub="kim"))
        outcome = _log_in(session, _claims(sub="impostor"))
        assert outcome.refusal == sso.Refusal.UNKNOWN and outcome.login is None


def test_an_unknown_identity_is_refused_and_logged(write, world):
    with write() as session:
        before = session.scalar(select(LoginSession.id).order_by(LoginSession.id.desc()))
        outcome = _log_in(session, _claims(sub="okand", email="okand@kommun.example"))
        assert outcome.refusal == sso.Refusal.UNKNOWN
        assert session.scalar(select(LoginSession.id).order_by(
            LoginSession.id.desc())) == before
        event = _last_event(session)
        assert event.action == "login_failed" and event.username == ""
        assert "okand@kommun.example" in event.note and ISSUER in event.note


def test_two_users_with_the_same_email_get_no_binding(write, world):
    with write() as session:
        _give_email(session, "coach_a", "delad@kommun.example")
        _give_email(session, "admin", "delad@kommun.example")
        outcome = _log_in(session, _claims(email="delad@kommun.example"))
        assert outcome.refusal == sso.Refusal.UNKNOWN


def test_a_disabled_user_is_refused(write, world):
    with write() as session:
        _give_email(session, "coach_a", "kim@kommun.example")
        session.execute(update(User).where(User.username == "coach_a").values(active=False))
        outcome = _log_in(session, _claims())
        assert outcome.refusal == sso.Refusal.DISABLED
        assert _last_event(session).username == "coach_a"


@pytest.mark.parametrize("age", [dt.timedelta(hours=13), dt.timedelta(days=3)])
def test_a_sign_in_older_than_the_login_lifetime_is_stale(write, world, age):
    with write() as session:
        _give_email(session, "coach_a", "kim@kommun.example")
        outcome = _log_in(session, _claims(issued=utcnow() - age))
        assert outcome.refusal == sso.Refusal.STALE


def test_a_sign_in_from_before_an_account_change_is_stale(write, world):
    with write() as session:
        _give_email(session, "coach_a", "kim@kommun.example")
        session.execute(update(User).where(User.username == "coach_a").values(
            credentials_changed_at=utcnow() - dt.timedelta(hours=1)))
        signed_in = utcnow() - dt.timedelta(minutes=5)
        first = _log_in(session, _claims(issued=signed_in))
        assert first.refusal is None
        coach = session.scalar(select(User).where(User.username == "coach_a"))
        touch_credentials(session, coach)  # e.g. a new scope
        assert check_login(session, first.login.login_id, utcnow()).viewer is None
        assert _log_in(session, _claims(issued=signed_in)).refusal == sso.Refusal.STALE
        assert _log_in(session, _claims(issued=utcnow())).refusal is None


def test_a_token_without_issue_time_is_stale(write, world):
    with write() as session:
        _give_email(session, "coach_a", "kim@kommun.example")
        claims = _claims()
        del claims["iat"]
        assert _log_in(session, claims).refusal == sso.Refusal.STALE


def test_the_administrator_keeps_the_email_in_lower_case_and_checks_it(write, world, viewer):
    from lib import admin

    with write() as session:
        user_id = admin.create_user(session, viewer("admin"), username="kim.k",
                                    display_name="Kim K", role=admin.Role.COACH,
                                    password="", scope_ids=[world["A"]],
                                    email=" Kim.K@Kommun.Example ", bcrypt_rounds=4,
                                    sso_only=True)
        assert session.get(User, user_id).email == "kim.k@kommun.example"
        with pytest.raises(admin.AdminError, match="e-postadress"):
            admin.create_user(session, viewer("admin"), username="kim.l", display_name="L",
                              role=admin.Role.COACH, password="", scope_ids=[world["A"]],
                              email="inte en adress", bcrypt_rounds=4, sso_only=True)


def test_an_sso_only_user_has_no_password_that_works(write, world, viewer):
    from lib import admin
    from lib.auth import PasswordPolicyError, check_password

    with write() as session:
        admin.create_user(session, viewer("admin"), username="kim.k", display_name="Kim K",
                          role=admin.Role.COACH, password="", scope_ids=[world["A"]],
                          email="kim.k@kommun.example", bcrypt_rounds=4, sso_only=True)
        assert check_password(session, "kim.k", "", utcnow(), 4).user_id is None
        with pytest.raises(PasswordPolicyError):  # without sso_only a password is needed
            admin.create_user(session, viewer("admin"), username="kim.l", display_name="L",
                              role=admin.Role.COACH, password="", scope_ids=[world["A"]],
                              bcrypt_rounds=4)
        outcome = _log_in(session, _claims(sub="kk", email="kim.k@kommun.example"))
        assert outcome.user.username == "kim.k"


def test_unbinding_ends_the_login_and_binds_again_by_email(write, world, viewer):
    from lib import admin

    with write() as session:
        _give_email(session, "coach_a", "kim@kommun.example")
        first = _log_in(session, _claims(sub="gammal"))
        coach = session.scalar(select(User).where(User.username == "coach_a"))
        admin.update_user(session, viewer("admin"), coach.id, role=admin.Role.COACH,
                          scope_ids=[world["A"]], active=True,
                          display_name=coach.display_name, email=coach.email,
                          unbind_sso=True)
        assert coach.sso_subject is None
        assert check_login(session, first.login.login_id, utcnow()).viewer is None
        assert "sso_bound" in _last_event(session).details["before"]
        later = utcnow() + dt.timedelta(seconds=2)
        again = _log_in(session, _claims(sub="ny", issued=later), now=later)
        assert again.user.username == "coach_a" and coach.sso_subject == "ny"
