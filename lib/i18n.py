"""The app's languages: Swedish (the default, and the catalogue's message ids) and English.

Every text a user reads is written in the code in Swedish and looked up here in the
language of the run: `_("Elever")` is "Elever" for a Swedish user and "Students" for an
English one. The English words live in a gettext catalogue
(`lib/locale/en/LC_MESSAGES/app.po`, read with Babel; `make catalogue` adds new texts to it);
a text missing there is shown in Swedish, and `tests/test_i18n.py` lists it.
Texts defined once at import time (a column heading, a code's word) are marked with `N_`
and looked up with `_` where they are shown.

The language is set once per script run (the guard: the user's choice, or the browser's
language on the login screen) and read by everything the run calls, services included: a
message a service raises is in the language of the person who caused it."""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

SWEDISH, ENGLISH = "sv", "en"
DEFAULT = SWEDISH
# The language names are shown in their own language, so anyone can find theirs.
LANGUAGES = {SWEDISH: "Svenska", ENGLISH: "English"}
# The Babel locale behind each language: number, date and week formats.
LOCALES = {SWEDISH: "sv_SE", ENGLISH: "en_GB"}
CATALOGUES = Path(__file__).resolve().parent / "locale"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)


def current() -> str:
    return _language.get()


def locale() -> str:
    return LOCALES[current()]


def set_language(language: str | None) -> str:
    """Use `language` for the rest of this run (an unknown one falls back to Swedish)."""
    chosen = language if language in LANGUAGES else DEFAULT
    _language.set(chosen)
    return chosen


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    """Run a block in `language` (an export built in the user's language, a test)."""
    token = _language.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _language.reset(token)


def from_accept_language(header: str | None) -> str:
    """The first of the browser's languages the app speaks ("en-GB,en;q=0.9" → "en"),
    or Swedish. Weights are honoured; a malformed part is skipped."""
    ranked = []
    for n, part in enumerate((header or "").split(",")):
        tag, _sep, weight = part.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            continue
        ranked.append((-quality, n, tag.split("-")[0].strip().lower()))
    for _quality, _n, language in sorted(ranked):
        if language in LANGUAGES:
            return language
    return DEFAULT


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """The translations of one language: Swedish text → text in `language`."""
    words: dict[str, str] = {}
    for path in sorted((CATALOGUES / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as file:
            for message in read_po(file):
                if message.id and isinstance(message.id, str) and message.string:
                    words[message.id] = message.string
    return words


def _(text: str) -> str:
    """`text` (Swedish) in the run's language."""
    language = current()
    if language == SWEDISH or not text:
        return text
    return catalogue(language).get(text, text)


def N_(text: str) -> str:  # the gettext name every extractor knows
    """Marks a text for the catalogue where it is defined; `_` translates it when shown."""
    return text


def in_language(text: str, language: str) -> str:
    """`text` (Swedish) in a given language, whatever the run's language."""
    with use_language(language):
        return _(text)
