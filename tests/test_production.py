"""Production mode: the checklist (lib.production) and a served app that refuses to start
until it holds, and starts when it does."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from lib import production
from lib.settings import load_settings
from tests.browser import ROOT, free_port

GOOD_KEY = "k" * 40
GOOD_OPTIONS = {"server.enableXsrfProtection": True, "server.maxUploadSize": 20,
                "client.showErrorDetails": "none", "server.fileWatcherType": "none",
                "logger.level": "info"}
SSO = {"redirect_uri": "https://aktiv.kommun.example/oauth2callback",
       "cookie_secret": "s" * 40, "client_id": "aktiv", "client_secret": "x",
       "server_metadata_url": "https://login.kommun.example/.well-known/openid-configuration"}


@pytest.fixture
def production_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("AKTIV_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AKTIV_PRODUCTION", "1")
    monkeypatch.setenv("AKTIV_COOKIE_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://aktiv@db.kommun.example/aktiv")
    return monkeypatch


def _problems(options=None, auth=None):
    options = {**GOOD_OPTIONS, **(options or {})}
    return production.problems(load_settings(), options.__getitem__, auth or {})


def test_a_complete_setup_has_no_problems(production_env):
    assert _problems() == []
    assert _problems(auth=SSO) == []


@pytest.mark.parametrize(("name", "value", "words"), [
    ("AKTIV_COOKIE_KEY", "kort", "för kort"),
    ("AKTIV_COOKIE_KEY", "changeme", "standardvärde"),
    ("AKTIV_DEMO", "1", "Demoläget"),
    ("DATABASE_URL", "sqlite:////srv/aktiv.db", "PostgreSQL"),
    ("AKTIV_COOKIE_SECURE", "false", "Secure"),
    ("AKTIV_LOCAL_LOGIN", "0", "Ingen inloggning"),
])
def test_each_setting_is_checked(production_env, name, value, words):
    production_env.setenv(name, value)
    found = _problems()
    assert len(found) == 1 and words in found[0]


def test_a_missing_cookie_key_is_a_problem(production_env):
    production_env.delenv("AKTIV_COOKIE_KEY")
    assert "AKTIV_COOKIE_KEY" in " ".join(_problems())


@pytest.mark.parametrize(("option", "value"), [
    ("server.enableXsrfProtection", False), ("server.maxUploadSize", 200),
    ("client.showErrorDetails", "full"), ("server.fileWatcherType", "auto"),
    ("logger.level", "debug")])
def test_each_server_option_is_checked(production_env, option, value):
    found = _problems({option: value})
    assert len(found) == 1 and option in found[0]


def test_single_sign_on_needs_https_and_a_long_secret(production_env):
    production_env.setenv("AKTIV_LOCAL_LOGIN", "0")
    found = _problems(auth={**SSO, "redirect_uri": "http://aktiv.kommun.example/oauth2callback",
                            "cookie_secret": "kort"})
    assert len(found) == 2
    assert "https://" in found[0] and "cookie_secret" in found[1]


def _serve(env) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
         f"--server.port={port}", "--server.address=127.0.0.1"],
        cwd=ROOT, env={k: v for k, v in env.items() if not k.startswith("STREAMLIT_")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return process, port


def test_the_served_app_refuses_to_start_in_production_without_a_key(production_env,
                                                                      tmp_path):
    production_env.delenv("AKTIV_COOKIE_KEY")
    production_env.setenv("AKTIV_DATA_DIR", str(tmp_path))
    process, _port = _serve(dict(os.environ))
    try:
        _out, errors = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 2
    assert "startar inte i produktionsläge" in errors and "AKTIV_COOKIE_KEY" in errors


def test_the_served_app_starts_in_production_when_the_checklist_holds(production_env,
                                                                      tmp_path):
    production_env.setenv("AKTIV_DATA_DIR", str(tmp_path))
    process, port = _serve(dict(os.environ))
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=10)
