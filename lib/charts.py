"""Every chart in the app: pure functions from plain data to plotly figures, in one style.

Shares are fractions (0.15 = 15 %). Threshold lines mark the watch and high levels, one
colour scale is used for every heatmap, and numbers use the Swedish decimal comma. Names
(students, schools, municipalities) go through `plain.plotly`, since plotly reads tags such
as <a href> and <b> in every text, and never into a hover template, which reads %{…}."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib import plain
from lib.analytics import HIGH_THRESHOLD, WATCH_THRESHOLD, WEEKDAYS, week_label

VALID = "#7fa7c9"
INVALID = "#c8553d"
TOTAL = "#1f5f8b"
MUNICIPALITY = "#8d6a9f"
REGION = "#9aa5b1"
WATCH_COLOUR = "#e9a23b"
HIGH_COLOUR = "#b2182b"
MEASURE = "#2a9d8f"
# One scale everywhere: white at no absence, amber at the watch level, dark red at 50 %.
SCALE_MAX = 0.5
COLOUR_SCALE = [[0.0, "#f7f7f7"], [WATCH_THRESHOLD / SCALE_MAX, "#fde3a7"],
                [HIGH_THRESHOLD / SCALE_MAX, "#f4a261"], [1.0, "#7f0000"]]
TRACE_NAME = "<extra>%{fullData.name}</extra>"  # the line's (escaped) name beside the value


def _style(fig: go.Figure, title: str, y_title: str = "Frånvaro") -> go.Figure:
    fig.update_layout(
        title=plain.plotly(title), separators=", ", template="plotly_white", height=360,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2}, font={"family": "Source Sans Pro, sans-serif"},
    )
    fig.update_yaxes(title=y_title, tickformat=".0%", rangemode="tozero")
    return fig


def _thresholds(fig: go.Figure, watch: float, high: float, horizontal: bool = True) -> None:
    levels = ((watch, WATCH_COLOUR, "bevaka", "top left"), (high, HIGH_COLOUR, "hög", "top right"))
    for level, colour, name, side in levels:
        text = f"{level * 100:.0f} % ({name})"
        if horizontal:
            fig.add_hline(y=level, line_dash="dash", line_color=colour, annotation_text=text,
                          annotation_position="top left")
        else:  # labels on either side of their lines, so that they never overlap
            fig.add_vline(x=level, line_dash="dash", line_color=colour, annotation_text=text,
                          annotation_position=side)


def distribution(shares: pd.Series, watch: float = WATCH_THRESHOLD,
                 high: float = HIGH_THRESHOLD) -> go.Figure:
    """How many students have each level of absence, in 2,5-point bins up to 50 % and over."""
    clipped = shares.clip(upper=SCALE_MAX)
    fig = go.Figure(go.Histogram(x=clipped, xbins={"start": 0, "end": SCALE_MAX + 0.025,
                                                   "size": 0.025},
                                 marker_color=TOTAL, name="Elever",
                                 hovertemplate="%{x:.0%}: %{y} elever<extra></extra>"))
    _style(fig, "Fördelning av frånvaro", y_title="Elever")
    fig.update_yaxes(tickformat="d")
    fig.update_xaxes(title="Frånvaro (50 % eller mer i sista stapeln)", tickformat=".0%")
    _thresholds(fig, watch, high, horizontal=False)
    return fig


def weekly_trend(lines: dict[str, pd.DataFrame], watch: float = WATCH_THRESHOLD,
                 high: float = HIGH_THRESHOLD) -> go.Figure:
    """Weekly absence share for a school against its municipality and region. Each frame has
    iso_year, iso_week and share, in order."""
    colours = [TOTAL, MUNICIPALITY, REGION]
    fig = go.Figure()
    for (name, frame), colour in zip(lines.items(), colours, strict=False):
        fig.add_trace(go.Scatter(
            x=[week_label(w) for w in frame["iso_week"]], y=frame["share"],
            name=plain.plotly(name), mode="lines+markers",
            line={"color": colour, "width": 3 if colour == TOTAL else 2},
            hovertemplate="%{x}: %{y:.1%}" + TRACE_NAME))
    _style(fig, "Frånvaro per vecka")
    _thresholds(fig, watch, high)
    return fig


def stacked_weeks(weekly: pd.DataFrame, watch: float = WATCH_THRESHOLD,
                  high: float = HIGH_THRESHOLD,
                  markers: pd.DataFrame | None = None) -> go.Figure:
    """A student's weekly absence, valid and invalid stacked. `weekly` has iso_year,
    iso_week, valid_share and invalid_share; `markers` (label, iso_year, iso_week) mark
    events such as the start of a measure on the timeline."""
    years = weekly["iso_year"].nunique() > 1
    x = [week_label(w, y if years else None) for y, w in zip(weekly["iso_year"],
                                                              weekly["iso_week"], strict=True)]
    fig = go.Figure([
        go.Bar(x=x, y=weekly["valid_share"], name="Giltig", marker_color=VALID,
               hovertemplate="%{x}: %{y:.1%}<extra>Giltig</extra>"),
        go.Bar(x=x, y=weekly["invalid_share"], name="Ogiltig", marker_color=INVALID,
               hovertemplate="%{x}: %{y:.1%}<extra>Ogiltig</extra>"),
    ])
    fig.update_layout(barmode="stack")
    _style(fig, "Frånvaro per vecka")
    _thresholds(fig, watch, high)
    if markers is not None:
        # add_vline cannot place an annotation on a category axis; draw both by hand.
        for row in markers.itertuples():
            x = week_label(row.iso_week, row.iso_year if years else None)
            fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper",
                          line={"color": MEASURE, "width": 2})
            fig.add_annotation(x=x, y=1, xref="x", yref="paper", text=plain.plotly(row.label),
                               showarrow=False, yanchor="bottom", font={"color": MEASURE})
    return fig


def heatmap(matrix: pd.DataFrame, title: str = "Frånvaro per elev och vecka") -> go.Figure:
    """Rows are students (index: display name), columns (iso_year, iso_week), values
    shares; NaN where the student had no scheduled time that week."""
    fig = go.Figure(go.Heatmap(
        z=matrix.to_numpy(), x=[week_label(w) for _, w in matrix.columns],
        y=[plain.plotly(name) for name in matrix.index], zmin=0, zmax=SCALE_MAX,
        colorscale=COLOUR_SCALE,
        colorbar={"tickformat": ".0%", "title": "Frånvaro"}, xgap=1, ygap=1,
        hovertemplate="%{y}, %{x}: %{z:.1%}<extra></extra>"))
    _style(fig, title, y_title="")
    fig.update_yaxes(tickformat="", autorange="reversed")
    fig.update_layout(height=max(300, 22 * len(matrix) + 120))
    return fig


def calendar(daily: pd.DataFrame, title: str = "Frånvaro per dag") -> go.Figure:
    """A calendar heatmap: weeks across, weekdays down. `daily` has date and share."""
    frame = daily.assign(date=pd.to_datetime(daily["date"]))
    iso = frame["date"].dt.isocalendar()
    frame = frame.assign(week=iso["year"].astype(str) + "-" + iso["week"].astype(str).str.zfill(2),
                         weekday=frame["date"].dt.day_of_week)
    frame = frame[frame["weekday"] < 5]
    grid = frame.pivot_table(index="weekday", columns="week", values="share", aggfunc="sum")
    grid = grid.reindex(range(5))
    dates = frame.pivot_table(index="weekday", columns="week", values="date",
                              aggfunc="first").reindex(index=range(5), columns=grid.columns)
    text = dates.map(lambda d: "" if pd.isna(d) else d.strftime("%Y-%m-%d"))
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=[f"v. {int(c.split('-')[1])}" for c in grid.columns], y=WEEKDAYS,
        text=text.to_numpy(), zmin=0, zmax=1, xgap=2, ygap=2,
        colorscale=[[0, "#f7f7f7"], [0.25, "#fde3a7"], [0.5, "#f4a261"], [1, "#7f0000"]],
        colorbar={"tickformat": ".0%", "title": "Del av dagen"},
        hovertemplate="%{text}: %{z:.0%}<extra></extra>"))
    _style(fig, title, y_title="")
    fig.update_yaxes(tickformat="", autorange="reversed")
    fig.update_layout(height=260)
    return fig


def pattern(frame: pd.DataFrame, title: str, watch: float = WATCH_THRESHOLD,
            high: float = HIGH_THRESHOLD) -> go.Figure:
    """Valid and invalid share per category (weekday or lesson start); frame has label,
    valid_share and invalid_share."""
    fig = go.Figure([
        go.Bar(x=frame["label"], y=frame["valid_share"], name="Giltig", marker_color=VALID,
               hovertemplate="%{x}: %{y:.1%}<extra>Giltig</extra>"),
        go.Bar(x=frame["label"], y=frame["invalid_share"], name="Ogiltig",
               marker_color=INVALID, hovertemplate="%{x}: %{y:.1%}<extra>Ogiltig</extra>"),
    ])
    fig.update_layout(barmode="stack")
    _style(fig, title)
    _thresholds(fig, watch, high)
    return fig


def indicator_trend(trend: pd.DataFrame, column: str = "Andel ≥ 20 %",
                    total: str = "Regionen totalt") -> go.Figure:
    """A regional indicator term by term: one line per municipality, the region in bold.
    Suppressed terms (None) are gaps, never zeros."""
    fig = go.Figure()
    for name, rows in trend.groupby("Kommun", sort=False):
        is_total = name == total
        fig.add_trace(go.Scatter(
            x=rows["Termin"], y=rows[column].astype(float), name=plain.plotly(name),
            mode="lines+markers", connectgaps=False,
            line={"width": 4 if is_total else 1.5, "color": TOTAL if is_total else None},
            hovertemplate="%{x}: %{y:.1%}" + TRACE_NAME))
    _style(fig, f"{column} per termin", y_title="Andel elever")
    return fig
