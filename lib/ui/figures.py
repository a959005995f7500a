"""Charts on the page, each built once for everyone who looks at the same figures.

A chart (lib.charts) is a pure function of its data and the language. Building a plotly
figure validates every property, and was the largest part of a page run once the page's data
was shared (lib.shared_reads): about a third of the server's time with 40 simulated users.
So the figure is kept under its chart, its arguments (data frames by their values,
lib.ui.digest) and the language, and the next person with the same figures gets the same
object. Streamlit only reads a figure it draws; nothing here or in a page changes a kept
figure afterwards — what a page wants changed (the meeting's smaller chart) is asked for
with `layout`, before the figure is kept."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from lib import i18n
from lib.ui.digest import digest

ENTRIES = 512  # kept figures; Streamlit drops the least used beyond this


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def _figure(key: str, _chart: Callable[..., go.Figure], _args: tuple, _kwargs: dict,
            _layout: dict | None) -> go.Figure:
    """Kept under `key` alone (lib.ui.digest): Streamlit does not hash the other arguments."""
    figure = _chart(*_args, **_kwargs)
    if _layout:
        figure.update_layout(**_layout)
    return figure


def kept_figure(chart: Callable[..., go.Figure], *args, layout: dict | None = None,
                **kwargs) -> go.Figure:
    """`chart(*args, **kwargs)` in the run's language, built once for the same values."""
    name = f"{chart.__module__}.{chart.__qualname__}"
    return _figure(digest(name, i18n.current(), args, kwargs, layout), chart, args, kwargs,
                   layout)


def plot(chart: Callable[..., go.Figure], *args, key: str, layout: dict | None = None,
         where=None, **kwargs) -> None:
    """Draw `chart(*args, **kwargs)` (in `where`, a column or container; else the page)."""
    (where or st).plotly_chart(kept_figure(chart, *args, layout=layout, **kwargs), key=key)
