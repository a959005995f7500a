"""Every chart in the app: pure functions from plain data to plotly figures, in one style.

Shares are fractions (0.15 = 15 %). Threshold lines mark the watch and high levels, one
colour scale is used for every heatmap, and numbers are written as everywhere else in the
app (`lib.formats`: "12,5 %", "1 815"). Names (students, schools, municipalities) go
through `plain.plotly`, since plotly reads tags such as <a href> and <b> in every text, and
never into a hover template, which reads %{…}.

The week that is not over yet (a `running` column in weekly frames) is drawn lighter and
dashed or hatched, labelled "v. 49 (pågår)", never as a full week."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from data_models.codes import MeasureKind
from lib import columns, formats, i18n, plain
from lib.analytics import HIGH_THRESHOLD, WATCH_THRESHOLD, WEEKDAYS, running_label, week_label
from lib.i18n import N_, _
from lib.labels import word

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
# Plotly's decimal sign and thousands separator (in hovers that write %{y}) per language.
SEPARATORS = {i18n.SWEDISH: ", ", i18n.ENGLISH: ".,"}
TRACE_NAME = "<extra>%{fullData.name}</extra>"  # the line's (escaped) name beside the value
VALUE = "%{x}: %{customdata}"  # the value as the app writes it, from customdata
RUNNING_OPACITY = 0.45  # the running week, lighter than the whole weeks
BIN = 0.025  # the distribution's bins: 2,5 points
PERCENT_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25)  # percent ticks: a handful of round ones
COUNT_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)  # whole numbers only
MAX_TICKS = 6
MEASURE_ROW = 16  # px between staggered measure labels
MEASURE_ROWS = 3  # labels closer than MEASURE_GAP weeks take the next row, then start over
MEASURE_GAP = 4
TEMPLATE = "aktiv"
# The parts of plotly_white that the app's charts use (bars, lines and heatmaps on x/y axes).
# Plotly deep-copies and validates a figure's template when the figure is made and again
# when the template is set: the whole plotly_white, with its maps, polar and 3-D parts, cost
# over half of the time spent building the school page's five figures.
_CARTESIAN = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel",
              "paper_bgcolor", "plot_bgcolor", "coloraxis", "colorscale", "xaxis", "yaxis",
              "shapedefaults", "annotationdefaults", "title")
_TRACES = ("bar", "scatter", "heatmap")


def _template() -> go.layout.Template:
    white = pio.templates["plotly_white"]
    layout, data = white.layout.to_plotly_json(), white.data.to_plotly_json()
    return go.layout.Template(layout={k: layout[k] for k in _CARTESIAN if k in layout},
                              data={k: data[k] for k in _TRACES if k in data})


pio.templates[TEMPLATE] = _template()
pio.templates.default = TEMPLATE  # also the template of every new figure, before _style


def _look(title: str, y_title: str | None = None, top: float | None = None) -> dict:
    """The shared look. The axes take the room their labels need (plotly turns many week
    labels on end), and the legend sits at the very bottom, under them. `top` is the
    highest share drawn: the y-axis gets percent ticks up to it."""
    y_axis = {"title": {"text": _("Frånvaro") if y_title is None else y_title},
              "rangemode": "tozero", "automargin": True}
    if top is not None:
        y_axis.update(percent_ticks(top))
    return {"title": {"text": plain.plotly(title)},
            "separators": SEPARATORS.get(i18n.current(), ", "),
            "height": 360, "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
            "font": {"family": "Source Sans Pro, sans-serif"},
            "xaxis": {"automargin": True}, "yaxis": y_axis}


def _style(fig: go.Figure, title: str, y_title: str | None = None,
           top: float | None = None) -> go.Figure:
    """The shared look on a figure already made (one update; no template set again)."""
    fig.update_layout(**_look(title, y_title, top))
    return fig


def _styled(data, title: str, y_title: str | None = None, top: float | None = None,
            **layout) -> go.Figure:
    """A figure of `data` (traces) in the shared look, with `layout`'s settings merged into
    it (nested settings merged, lists replaced), made in one go: plotly checks every path
    of an update against the layout it has, about 5 ms for the look, where a layout given
    to the figure as it is made is checked once (under 1 ms)."""
    return go.Figure(data, layout=_merged(_look(title, y_title, top), layout))


def _merged(base: dict, changes: dict) -> dict:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _step(top: float, steps: tuple) -> float:
    return next((s for s in steps if top / s <= MAX_TICKS), steps[-1])


def percent_ticks(top: float) -> dict:
    """Tick settings for a share axis from 0 to `top`: round values written "15 %"."""
    top = max(top if pd.notna(top) else 0.0, 0.01)
    step = _step(top, PERCENT_STEPS)
    values = [round(k * step, 4) for k in range(int(np.ceil(top / step - 1e-9)) + 1)]
    return {"tickmode": "array", "tickvals": values,
            "ticktext": [formats.level(v) for v in values]}


def count_ticks(top: int) -> dict:
    """Tick settings for a count axis: whole numbers only ("0 1 2 3", never "0 1 1 2 2")."""
    step = _step(max(int(top), 1), COUNT_STEPS)
    values = list(range(0, int(top) + step, step))
    return {"tickmode": "array", "tickvals": values,
            "ticktext": [formats.number(v) for v in values]}


def _highest(*values) -> float:
    """The largest of the shares and levels drawn (NaN and empty ignored)."""
    numbers = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values])
    numbers = numbers[~np.isnan(numbers)]
    return float(numbers.max()) if numbers.size else 0.0


def _texts(values) -> list[str]:
    """Shares as the hover shows them: "12,5 %"."""
    return [formats.percent(v, missing="") for v in values]


def _thresholds(watch: float, high: float, horizontal: bool = True) -> tuple[list, list]:
    """Dashed lines at the two levels (shapes, and their labels as annotations). The labels
    sit on opposite sides (horizontal: the watch level's under its line, the high level's
    over its line; vertical: left and right), so that they never overlap however close the
    levels are drawn."""
    # Written as the shapes and labels add_hline/add_vline make, given to the figure as it
    # is made: those helpers cost about 70 ms a figure (the school page, 1.4 s a run).
    levels = ((watch, WATCH_COLOUR, _("bevaka"), "top", "right"),
              (high, HIGH_COLOUR, _("hög"), "bottom", "left"))
    shapes, notes = [], []
    for level, colour, name, across, along in levels:
        line = {"type": "line", "line": {"color": colour, "dash": "dash"}}
        note = {"text": f"{formats.level(level)} ({name})", "showarrow": False}
        if horizontal:
            shapes.append({**line, "xref": "x domain", "x0": 0, "x1": 1, "yref": "y",
                           "y0": level, "y1": level})
            notes.append({**note, "xref": "x domain", "x": 0, "xanchor": "left", "yref": "y",
                          "y": level, "yanchor": across})
        else:
            shapes.append({**line, "xref": "x", "x0": level, "x1": level,
                           "yref": "y domain", "y0": 0, "y1": 1})
            notes.append({**note, "xref": "x", "x": level, "xanchor": along,
                          "yref": "y domain", "y": 1, "yanchor": "top"})
    return shapes, notes


# --- Weeks on the x-axis -------------------------------------------------------------------

def _running(frame: pd.DataFrame) -> np.ndarray:
    """Which rows are the week that is not over yet."""
    if "running" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["running"].fillna(False).to_numpy(dtype=bool)


def _week_labels(keys: list[tuple[int, int]], running: set) -> dict[tuple[int, int], str]:
    """A label per (iso_year, iso_week): with the year where the weeks span more than one,
    so that week 36 of two years are two columns, and "(pågår)" on the running week."""
    years = len({year for year, _week in keys}) > 1
    return {(y, w): (running_label if (y, w) in running else week_label)(w, y if years else None)
            for y, w in keys}


def _keys(frame: pd.DataFrame) -> list[tuple[int, int]]:
    return [(int(y), int(w)) for y, w in zip(frame["iso_year"], frame["iso_week"], strict=True)]


def _running_keys(*frames: pd.DataFrame) -> set[tuple[int, int]]:
    return {key for frame in frames for key, r in zip(_keys(frame), _running(frame), strict=True)
            if r}


def distribution(shares: pd.Series, watch: float = WATCH_THRESHOLD,
                 high: float = HIGH_THRESHOLD) -> go.Figure:
    """How many students have each level of absence, in 2,5-point bins up to 50 % and
    over (the last bar). Bars at the bins' middles; the counts are the figure's data."""
    clipped = shares.dropna().clip(upper=SCALE_MAX).to_numpy(dtype=float)
    edges = np.round(np.arange(0, SCALE_MAX + 2 * BIN - 1e-9, BIN), 4)
    counts, _bins = np.histogram(clipped, bins=edges)
    labels = [f"{formats.number(lo * 100, 1)}–{formats.percent(hi, 1)}"
              for lo, hi in itertools.pairwise(edges[:-1])]
    labels.append(_("{level} eller mer").format(level=formats.level(SCALE_MAX)))
    shapes, notes = _thresholds(watch, high, horizontal=False)
    return _styled(
        go.Bar(x=edges[:-1] + BIN / 2, y=counts, width=BIN, customdata=labels,
               marker_color=TOTAL, name=_("Elever"),
               hovertemplate=_("%{customdata}: %{y} elever") + "<extra></extra>"),
        _("Fördelning av frånvaro"), y_title=_("Elever"),
        yaxis=count_ticks(int(counts.max()) if counts.size else 0),
        xaxis={"title": {"text": _("Frånvaro ({level} eller mer i sista stapeln)").format(
                   level=formats.level(SCALE_MAX))},
               "range": [0, SCALE_MAX + BIN], **percent_ticks(SCALE_MAX)},
        bargap=0.05, shapes=shapes, annotations=notes)


def weekly_trend(lines: dict[str, pd.DataFrame], watch: float = WATCH_THRESHOLD,
                 high: float = HIGH_THRESHOLD) -> go.Figure:
    """Weekly absence share for a school against its municipality and region. Each frame has
    iso_year, iso_week, share and optionally running, in order. The running week is
    joined to the line by a lighter dashed stretch of its own."""
    colours = [TOTAL, MUNICIPALITY, REGION]
    keys = sorted({key for frame in lines.values() for key in _keys(frame)})
    labels = _week_labels(keys, _running_keys(*lines.values()))
    traces = []
    for (name, frame), colour in zip(lines.items(), colours, strict=False):
        running = _running(frame)
        x = [labels[key] for key in _keys(frame)]
        shown, line = plain.plotly(name), {"color": colour, "width": 3 if colour == TOTAL else 2}
        whole = ~running
        traces.append(go.Scatter(
            x=[v for v, keep in zip(x, whole, strict=True) if keep], y=frame["share"][whole],
            customdata=_texts(frame["share"][whole]), name=shown, legendgroup=shown,
            mode="lines+markers", line=line, hovertemplate=VALUE + TRACE_NAME))
        if running.any():
            # From the last whole week to the running one, so that the line does not seem to
            # end, but lighter and dashed: a part of a week is no full week.
            part = np.flatnonzero(running)
            start = part[0] - 1 if part[0] > 0 else part[0]
            stretch = list(range(start, part[-1] + 1))
            traces.append(go.Scatter(
                x=[x[i] for i in stretch], y=frame["share"].iloc[stretch],
                customdata=_texts(frame["share"].iloc[stretch]), name=shown, legendgroup=shown,
                showlegend=False, mode="lines+markers", opacity=RUNNING_OPACITY,
                line={**line, "dash": "dash"}, hovertemplate=VALUE + TRACE_NAME))
    shares = [frame["share"] for frame in lines.values()]
    shapes, notes = _thresholds(watch, high)
    return _styled(traces, _("Frånvaro per vecka"), top=_highest(high, *shares),
                   xaxis={"categoryorder": "array",
                          "categoryarray": [labels[k] for k in keys]},
                   shapes=shapes, annotations=notes)


def stacked_weeks(weekly: pd.DataFrame, watch: float = WATCH_THRESHOLD,
                  high: float = HIGH_THRESHOLD,
                  markers: pd.DataFrame | None = None) -> go.Figure:
    """A student's weekly absence, valid and invalid stacked. `weekly` has iso_year,
    iso_week, valid_share, invalid_share and optionally running (that week's bars are
    lighter and hatched); `markers` (label, iso_year, iso_week) mark events such as the
    start of a measure on the timeline; measure markers (lib.measures.measure_markers)
    carry measure_kind instead of a label and are named here."""
    keys = _keys(weekly)
    running = _running(weekly)
    labels = _week_labels(keys, _running_keys(weekly))
    x = [labels[key] for key in keys]
    look = {"opacity": np.where(running, RUNNING_OPACITY, 1.0).tolist(),
            "pattern": {"shape": ["/" if r else "" for r in running]}}
    valid, invalid = _("Giltig"), _("Ogiltig")
    total = weekly["valid_share"].to_numpy(dtype=float) + weekly["invalid_share"].to_numpy(
        dtype=float)
    shapes, notes = _thresholds(watch, high)
    marked = _marks(markers, labels, x) if markers is not None else {}
    extra = {key: marked[key] for key in ("margin",) if key in marked}
    return _styled([
        go.Bar(x=x, y=weekly["valid_share"], name=valid, customdata=_texts(
            weekly["valid_share"]), marker={"color": VALID, **look},
               hovertemplate=VALUE + f"<extra>{valid}</extra>"),
        go.Bar(x=x, y=weekly["invalid_share"], name=invalid, customdata=_texts(
            weekly["invalid_share"]), marker={"color": INVALID, **look},
               hovertemplate=VALUE + f"<extra>{invalid}</extra>"),
    ], _("Frånvaro per vecka"), top=_highest(high, total), barmode="stack",
        shapes=shapes + marked.get("shapes", []),
        annotations=notes + marked.get("annotations", []), **extra)


def _marks(markers: pd.DataFrame, labels: dict, order: list[str]) -> dict:
    """A line and a label per week with markers (layout settings: shapes, annotations and
    the room above them); several in one week share a label, and labels of nearby weeks
    are staggered in rows so that they never overlap. add_vline cannot place an annotation
    on a category axis; both are drawn by hand."""
    position = {label: i for i, label in enumerate(order)}
    by_week: dict[str, list[str]] = {}
    for row in markers.itertuples():
        label = labels.get((int(row.iso_year), int(row.iso_week)))
        if label is not None:  # a measure in a week without absence data has no column
            by_week.setdefault(label, []).append(plain.plotly(_marker_label(row)))
    previous, row_number, shapes, notes = None, 0, [], []
    for x in sorted(by_week, key=position.get):
        close = previous is not None and position[x] - position[previous] < MEASURE_GAP
        row_number = (row_number + 1) % MEASURE_ROWS if close else 0
        previous = x
        shapes.append({"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1,
                       "yref": "paper", "line": {"color": MEASURE, "width": 2}})
        notes.append({"x": x, "y": 1, "xref": "x", "yref": "paper",
                      "text": ", ".join(dict.fromkeys(by_week[x])), "showarrow": False,
                      "yanchor": "bottom", "yshift": row_number * MEASURE_ROW,
                      "font": {"color": MEASURE}})
    if not by_week:
        return {}
    return {"shapes": shapes, "annotations": notes,
            "margin": {"t": 50 + MEASURE_ROW * (MEASURE_ROWS - 1)}}


# A measure's marker: a short word for its kind, in Swedish the first word of its name.
MARKER_WORDS = {
    MeasureKind.MI: N_("Motiverande"), MeasureKind.STRUCTURE: N_("Strukturstöd"),
    MeasureKind.ACTION_PLAN: N_("Uppföljning"), MeasureKind.SOCIAL_SERVICES: N_("Kontakt"),
    MeasureKind.BUP: N_("Remiss"), MeasureKind.YOUTH_CLINIC: N_("Ungdomsmottagningen"),
    MeasureKind.OTHER_ACTOR: N_("Annan"), MeasureKind.ADJUSTMENTS: N_("Anpassningar"),
    MeasureKind.OTHER: N_("Annat"),
}


def _marker_label(row) -> str:
    """A marker's label in the run's language; a measure's is MARKER_WORDS's word for its
    kind ("Motiverande", "MI")."""
    if hasattr(row, "label"):
        return row.label
    if row.measure_kind in MARKER_WORDS:
        return _(MARKER_WORDS[row.measure_kind])
    return word(MeasureKind, row.measure_kind).split(" ")[0]


def heatmap(matrix: pd.DataFrame, title: str | None = None,
            running: tuple[int, int] | None = None) -> go.Figure:
    """Rows are students (index: display name), columns (iso_year, iso_week), values
    shares; NaN where the student had no scheduled time that week. The `running` week's
    column is labelled so and veiled lighter, inside a dashed frame."""
    keys = [(int(y), int(w)) for y, w in matrix.columns]
    labels = _week_labels(keys, {running} if running else set())
    x = [labels[key] for key in keys]
    veil = []
    if running in keys:
        column = keys.index(running)
        veil.append({"type": "rect", "xref": "x", "yref": "paper", "x0": column - 0.5,
                     "x1": column + 0.5, "y0": 0, "y1": 1, "fillcolor": "white",
                     "opacity": 1 - RUNNING_OPACITY, "layer": "above",
                     "line": {"color": TOTAL, "dash": "dash", "width": 1}})
    return _styled(go.Heatmap(
        z=matrix.to_numpy(), x=x, y=[plain.plotly(name) for name in matrix.index],
        customdata=[_texts(row) for row in matrix.to_numpy()],
        zmin=0, zmax=SCALE_MAX, colorscale=COLOUR_SCALE,
        colorbar={"title": _("Frånvaro"), **percent_ticks(SCALE_MAX)}, xgap=1, ygap=1,
        hovertemplate="%{y}, %{x}: %{customdata}<extra></extra>"),
        _("Frånvaro per elev och vecka") if title is None else title, y_title="",
        yaxis={"autorange": "reversed"}, height=max(300, 22 * len(matrix) + 120),
        **({"shapes": veil} if veil else {}))


def calendar(daily: pd.DataFrame, title: str | None = None) -> go.Figure:
    """A calendar heatmap: weeks across, weekdays down. `daily` has date and share: one
    term's days, so that every column is one week (with the year in its label should the
    days span two)."""
    frame = daily.assign(date=pd.to_datetime(daily["date"]))
    iso = frame["date"].dt.isocalendar()
    frame = frame.assign(iso_year=iso["year"].astype(int), iso_week=iso["week"].astype(int),
                         weekday=frame["date"].dt.day_of_week)
    frame = frame[frame["weekday"] < 5]
    grid = frame.pivot_table(index="weekday", columns=["iso_year", "iso_week"], values="share",
                             aggfunc="sum")
    grid = grid.reindex(range(5))
    dates = frame.pivot_table(index="weekday", columns=["iso_year", "iso_week"], values="date",
                              aggfunc="first").reindex(index=range(5), columns=grid.columns)
    text = dates.map(lambda d: "" if pd.isna(d) else formats.date(d))
    keys = [(int(y), int(w)) for y, w in grid.columns]
    labels = _week_labels(keys, set())
    shares = [[formats.percent(v, 0, missing="") for v in row] for row in grid.to_numpy()]
    return _styled(go.Heatmap(
        z=grid.to_numpy(), x=[labels[key] for key in keys], y=[_(day) for day in WEEKDAYS],
        text=text.to_numpy(), customdata=shares, zmin=0, zmax=1, xgap=2, ygap=2,
        colorscale=[[0, "#f7f7f7"], [0.25, "#fde3a7"], [0.5, "#f4a261"], [1, "#7f0000"]],
        colorbar={"title": _("Del av dagen"), **percent_ticks(1.0)},
        hovertemplate="%{text}: %{customdata}<extra></extra>"),
        _("Frånvaro per dag") if title is None else title, y_title="",
        yaxis={"autorange": "reversed"}, height=260)


def pattern(frame: pd.DataFrame, title: str, watch: float = WATCH_THRESHOLD,
            high: float = HIGH_THRESHOLD) -> go.Figure:
    """Valid and invalid share per category (weekday or lesson start); frame has label,
    valid_share and invalid_share."""
    valid, invalid = _("Giltig"), _("Ogiltig")
    total = frame["valid_share"].to_numpy(dtype=float) + frame["invalid_share"].to_numpy(
        dtype=float)
    shapes, notes = _thresholds(watch, high)
    return _styled([
        go.Bar(x=frame["label"], y=frame["valid_share"], name=valid, marker_color=VALID,
               customdata=_texts(frame["valid_share"]),
               hovertemplate=VALUE + f"<extra>{valid}</extra>"),
        go.Bar(x=frame["label"], y=frame["invalid_share"], name=invalid,
               marker_color=INVALID, customdata=_texts(frame["invalid_share"]),
               hovertemplate=VALUE + f"<extra>{invalid}</extra>"),
    ], title, top=_highest(high, total), barmode="stack", shapes=shapes, annotations=notes)


def indicator_trend(trend: pd.DataFrame, column: str = "share_20") -> go.Figure:
    """A regional indicator term by term (trend: term, municipality, is_total and the
    indicator's machine column, lib.columns): one line per municipality, the region total
    in bold. Suppressed terms (None) are gaps, never zeros."""
    fig = go.Figure()
    for (name, is_total), rows in trend.groupby(["municipality", "is_total"], sort=False):
        values = rows[column].astype(float)
        fig.add_trace(go.Scatter(
            x=rows["term"], y=values, name=plain.plotly(name), customdata=_texts(values),
            mode="lines+markers", connectgaps=False,
            line={"width": 4 if is_total else 1.5, "color": TOTAL if is_total else None},
            hovertemplate=VALUE + TRACE_NAME))
    _style(fig, _("{indicator} per termin").format(indicator=columns.heading(column)),
           y_title=_("Andel elever"),
           top=_highest(trend[column].astype(float)))
    return fig


def talk_categories(categories: pd.DataFrame) -> go.Figure:
    """Causes and wished support by category (lib.talk_indicators: category, causes,
    wanted, counts of students; None where hidden): two bars per category, a hidden count
    a gap, never a zero."""
    fig = go.Figure()
    for column, colour in (("causes", INVALID), ("wanted", MEASURE)):
        values = categories[column].astype(float)
        fig.add_trace(go.Bar(
            y=[plain.plotly(name) for name in categories["category"]], x=values,
            orientation="h", name=columns.heading(column), marker_color=colour,
            customdata=[formats.number(v) if pd.notna(v) else ".." for v in values],
            hovertemplate="%{y}: %{customdata}" + TRACE_NAME))
    _style(fig, _("Orsaker och önskat stöd i elevsamtalen"), y_title="")
    fig.update_layout(barmode="group", height=max(300, 60 + 50 * len(categories)))
    fig.update_xaxes(title=_("Elever"), **count_ticks(_highest(categories[["causes",
                                                                           "wanted"]])))
    fig.update_yaxes(autorange="reversed")
    return fig
