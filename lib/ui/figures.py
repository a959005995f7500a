"""Charts on the page, each built once for everyone who looks at the same figures.

A chart (lib.charts) is a pure function of its data and the language. Building a plotly
figure validates every property, and was the largest part of a page run once the page's data
was shared (lib.shared_reads): about a third of the server's time with 40 simulated users.
So the figure is kept under its chart, its arguments (hashed by Streamlit: data frames by
their values) and the language, and the next person with the same figures gets the same
object. Streamlit only reads a figure it draws; nothing here or in a page changes a kept
figure afterwards — what a page wants changed (the meeting's smaller chart) is asked for
with `layout`, before the figure is kept."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from lib import charts, i18n

ENTRIES = 512  # kept figures; Streamlit drops the least used beyond this


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def _figure(name: str, language: str, args: tuple, kwargs: dict,
            layout: dict | None) -> go.Figure:
    with i18n.use_language(language):
        figure = getattr(charts, name)(*args, **kwargs)
    if layout:
        figure.update_layout(**layout)
    return figure


def plot(chart: Callable[..., go.Figure], *args, key: str, layout: dict | None = None,
         where=None, **kwargs) -> None:
    """Draw `chart(*args, **kwargs)` (in `where`, a column or container; else the page)."""
    figure = _figure(chart.__name__, i18n.current(), args, kwargs, layout)
    (where or st).plotly_chart(figure, key=key)
