"""The language of this browser tab, for code that runs before the page's guard.

The guard sets the run's language (lib.i18n) from the tab's state. A widget callback runs
before the page script, so before the guard, and on a fresh script thread the language
would still be Swedish: a callback that writes a message takes the tab's language first
(`in_tab_language`). run_write does it for every save."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

from lib import i18n

KEY = "aktiv_language"  # the tab's language: the user's, or the login screen's choice

P = ParamSpec("P")
R = TypeVar("R")


def tab_language() -> str:
    """The tab's language; before anyone chose, the browser's (its Accept-Language)."""
    chosen = st.session_state.get(KEY)
    if chosen in i18n.LANGUAGES:
        return chosen
    return i18n.from_accept_language(st.context.headers.get("Accept-Language"))


def use_tab_language() -> str:
    return i18n.set_language(tab_language())


def in_tab_language(callback: Callable[P, R]) -> Callable[P, R]:
    """A widget callback that speaks the tab's language."""
    @functools.wraps(callback)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        use_tab_language()
        return callback(*args, **kwargs)
    return run
