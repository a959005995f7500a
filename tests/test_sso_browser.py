"""Single sign-on in a real browser against a real OpenID Connect provider (oidc-provider,
tests/identity_provider.py): sign in through the provider on a deep link and land there, open
a new tab without a password, log out at both ends; an unknown identity is refused and logged; a
disabled user's login ends on the next rerun and cannot start again from the old sign-in."""

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from data_models.models import AuditEvent, Role, User
from lib import admin
from tests.browser import chromium, needs_chromium, served_app
from tests.identity_provider import identity_provider, needs_provider, sign_in_at_provider

pytestmark = [pytest.mark.browser, needs_chromium, needs_provider]
expect.set_options(timeout=20_000)
ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR", "AKTIV_BCRYPT_ROUNDS")
SIGN_IN = "Logga in med kommunens konto"


def _env(**extra):
    return {**{k: os.environ[k] for k in ENV_KEYS}, **extra}


@pytest.fixture
def provider():
    with identity_provider() as running:
        yield running


def _serve(provider, **extra):
    return served_app(_env(**extra), args=[f"--secrets.files={provider.secrets_file}"],
                      port=provider.app_port)


def _give_email(write, username: str, email: str) -> None:
    with write() as session:
        session.execute(update(User).where(User.username == username).values(email=email))


def _sign_in(page, url: str, login: str) -> None:
    page.goto(url)
    button = page.get_by_role("button", name=SIGN_IN)
    expect(button).to_be_visible(timeout=30_000)
    button.click()
    sign_in_at_provider(page, login)


def test_sign_in_deep_link_new_tab_and_log_out(app_env, world, write, read, provider):
    _give_email(write, "coach_a", "Coach.A@kommun.example")
    school_link = f"/Skola?termin=HT2025&skola={world['SB']}"
    with _serve(provider, AKTIV_LOCAL_LOGIN="0") as url, chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + school_link)
        expect(page.get_by_role("button", name=SIGN_IN)).to_be_visible(timeout=30_000)
        expect(page.get_by_label("Användarnamn")).to_have_count(0)  # local logins are off
        # Back from the provider, the login goes on to the link that was opened.
        _sign_in(page, url + school_link, "coach.a")
        expect(page.get_by_text("Skola SB").first).to_be_visible(timeout=30_000)
        assert f"skola={world['SB']}" in page.url and "/Skola" in page.url
        page.goto(url)
        expect(page.get_by_text("Välkommen").first).to_be_visible(timeout=30_000)
        other = context.new_page()
        other.goto(url + f"/Elev?elev={world['anna']}")
        expect(other.get_by_role("heading", name="Anna Testsson")).to_be_visible(
            timeout=30_000)
        other.close()
        page.get_by_role("button", name="Logga ut").click()
        # The provider's end-session page asks before it signs out.
        page.get_by_role("button", name="Yes, sign me out").click()
        expect(page.get_by_role("button", name=SIGN_IN)).to_be_visible(timeout=30_000)
        page.goto(url + school_link)
        expect(page.get_by_role("button", name=SIGN_IN)).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Skola SB")).to_have_count(0)
    with read() as session:
        coach = session.scalar(select(User).where(User.username == "coach_a"))
        assert (coach.sso_issuer, coach.sso_subject) == (provider.issuer, "coach.a")
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.username == "coach_a").order_by(AuditEvent.id)).all()
    assert "login" in actions and "logout" in actions


def test_an_unknown_identity_is_refused_and_logged(app_env, world, read, provider):
    with _serve(provider) as url, chromium() as browser:
        page = browser.new_page()
        _sign_in(page, url, "okand.person")
        expect(page.get_by_text("har ingen användare i Aktiv uppföljning")).to_be_visible(
            timeout=30_000)
        expect(page.get_by_text("Välkommen")).to_have_count(0)
        # The local form is still there for those who have a local account.
        expect(page.get_by_label("Användarnamn")).to_be_visible()
    with read() as session:
        notes = session.scalars(select(AuditEvent.note).where(
            AuditEvent.action == "login_failed")).all()
    assert any("okand.person@kommun.example" in (note or "") for note in notes)


def test_disabling_ends_the_sso_login_on_the_next_rerun(app_env, world, write, viewer,
                                                        provider):
    _give_email(write, "coach_a", "coach.a@kommun.example")
    with _serve(provider) as url, chromium() as browser:
        page = browser.new_page()
        _sign_in(page, url, "coach.a")
        expect(page.get_by_text("Välkommen").first).to_be_visible(timeout=30_000)
        with write() as session:
            coach = session.scalar(select(User).where(User.username == "coach_a"))
            admin.update_user(session, viewer("admin"), coach.id, role=Role(coach.role),
                              scope_ids=[world["A"]], active=False,
                              display_name=coach.display_name)
        page.get_by_role("link", name="Bevakning").first.click()
        expect(page.get_by_text("Ditt konto är avstängt")).to_be_visible(timeout=30_000)
        page.reload()  # the provider's sign-in is still in the browser: it is refused
        expect(page.get_by_text("Ditt konto är avstängt")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Välkommen")).to_have_count(0)
