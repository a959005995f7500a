"""Load what the pages use when the server starts, not when the first people open them.

Without it the first run of each page imports its modules (the Excel and PDF writers, the
login library, plotly's figure classes) and reads the number formats of each language: up
to a second of one core, paid by whoever comes first, and by everyone queued behind them
when a region's coaches log in together."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import time
from contextlib import contextmanager

import lib
from lib import formats, i18n


@contextmanager
def _quiet():
    """Streamlit warns of every call made outside a page run, as some libraries make one
    when they are imported: nothing to tell the server's log. (At start, before the
    server serves anyone.)"""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def preload() -> float:
    """Import every module of the app and load each language's number formats; the
    seconds it took."""
    started = time.perf_counter()
    with _quiet():
        for module in pkgutil.walk_packages(lib.__path__, "lib."):
            importlib.import_module(module.name)
    for language in i18n.LANGUAGES:
        with i18n.use_language(language):
            formats.number(1234.5, 1)
            i18n.catalogue(language)
    return time.perf_counter() - started
