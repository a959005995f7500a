"""Test databases: a migrated template per backend (SQLite always, PostgreSQL when
AKTIV_TEST_PG_URL is set), copied fresh for every test that asks for one."""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from data_models.engine import make_engine, unit_of_work
from data_models.migrate import upgrade
from lib.access import Viewer, load_viewer
from tests.factories import World, build_world

# AppTest shows what a page raised; the served app keeps the production setting ("none").
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")
PG_URL = os.environ.get("AKTIV_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _admin_url(url: str, database: str = "postgres") -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    if not PG_URL:
        yield None
        return
    name = f"tpl_{uuid.uuid4().hex[:10]}"
    admin = make_engine(_admin_url(PG_URL)).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(_admin_url(PG_URL, name))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, sqlite_template, pg_template) -> Iterator[str]:
    """A freshly migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(_admin_url(PG_URL)).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield _admin_url(PG_URL, name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def write(engine):
    """`with write() as session:` one committed transaction."""
    @contextmanager
    def _write() -> Iterator[Session]:
        with unit_of_work(engine, write=True) as session:
            yield session
    return _write


@pytest.fixture
def read(engine):
    @contextmanager
    def _read() -> Iterator[Session]:
        with unit_of_work(engine) as session:
            yield session
    return _read


@pytest.fixture
def world(write) -> World:
    with write() as session:
        return build_world(session)


@pytest.fixture
def viewer(read, world):
    """viewer("coach_a") → the Viewer of that test user."""
    from data_models.models import User

    def _viewer(username: str) -> Viewer:
        with read() as session:
            return load_viewer(session, session.get(User, world[f"user:{username}"]))
    return _viewer


@pytest.fixture
def app_env(db_url, monkeypatch, tmp_path):
    """Settings for AppTest and served-app runs: the test database, a fresh cookie key,
    cheap hashing and no login delay. The engine cache is cleared afterwards."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("AKTIV_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("AKTIV_LOGIN_SLEEP_SECONDS", "0")
    monkeypatch.setenv("AKTIV_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("AKTIV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AKTIV_DEMO", raising=False)
    yield db_url
    from lib.db import engine_for

    engine_for(db_url).dispose()  # close the app's pooled connections before the drop
    st.cache_resource.clear()
