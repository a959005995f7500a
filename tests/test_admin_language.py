"""Administration in English: the page's headings, tabs and labels for a user who chose
English, and the administrator's refusals in the run's language."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_models.models import User
from lib import admin
from lib.admin import AdminError
from lib.auth import PasswordPolicyError, validate_password
from lib.i18n import ENGLISH, SWEDISH, use_language
from lib.versioning import InputError, clean_text
from tests.apptest import login, texts


def _language(write, language: str) -> None:
    with write() as session:
        session.scalars(select(User).where(User.username == "admin")).one().language = language


def test_the_administration_page_in_english(app_env, world, write):
    _language(write, ENGLISH)
    at = login("admin", page="pages/9_Administration.py")
    assert not at.exception
    assert at.title[0].value == "Administration"
    assert [tab.label for tab in at.tabs] == ["User", "Organisation", "Terms", "Flag levels",
                                              "Talk categories", "Audit log"]
    assert {"New user", "Edit user", "Regions", "Municipalities", "Schools"} <= {
        s.value for s in at.subheader}
    assert "Create user" in [b.label for b in at.button]
    assert "Autumn (HT)" in next(s for s in at.selectbox if s.label == "Term").options
    assert "Ny användare" not in texts(at)


def test_the_administration_page_stays_swedish(app_env, world, write):
    _language(write, SWEDISH)
    at = login("admin", page="pages/9_Administration.py")
    assert [tab.label for tab in at.tabs][:2] == ["Användare", "Organisation"]
    assert "HT" in next(s for s in at.selectbox if s.label == "Termin").options


def test_a_refused_term_is_explained_in_english(write, world, viewer):
    with write() as session, use_language(ENGLISH), pytest.raises(
            AdminError, match=r"^The end date cannot be before the start date\.$"):
        admin.create_term(session, viewer("admin"), "VT", 2030, dt.date(2030, 2, 1),
                          dt.date(2030, 1, 1))


def test_a_password_rule_is_explained_in_english():
    with use_language(ENGLISH), pytest.raises(
            PasswordPolicyError, match=r"^The password must have at least 12 characters\.$"):
        validate_password("short")
    with pytest.raises(PasswordPolicyError, match=r"^Lösenordet måste ha minst 12 tecken\.$"):
        validate_password("short")


def test_a_text_field_names_itself_in_the_runs_language():
    with use_language(ENGLISH), pytest.raises(
            InputError, match=r"^Place is too long: 121 characters, at most 120\.$"):
        clean_text("Plats", "x" * 121, limit=120)
    with pytest.raises(InputError, match=r"^Plats är för lång: 121 tecken, högst 120\.$"):
        clean_text("Plats", "x" * 121, limit=120)
    with pytest.raises(InputError, match=r"^Fyll i platsen\.$"):
        clean_text("Platsen", "", required=True)
