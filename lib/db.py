"""The app's engine (one per database URL, cached for the process) and unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data_models.engine import make_engine, unit_of_work
from lib.settings import load_settings
from lib.shared_reads import SharedReads, use_shared_reads


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    return make_engine(url)


@st.cache_resource(show_spinner=False)
def shared_reads_for(url: str) -> SharedReads:
    """Page data shared by the people of one scope, per database (lib.shared_reads)."""
    return SharedReads()


@contextmanager
def session_scope(write: bool = False) -> Iterator[Session]:
    """One unit of work per user action. Leave the block before st.rerun/st.stop:
    they raise, and inside the block that rolls the write back."""
    url = load_settings().database_url
    with unit_of_work(engine_for(url), write=write) as session:
        use_shared_reads(session, shared_reads_for(url))
        yield session
