"""Figures are tested through their data: traces, values, labels and threshold lines."""

import datetime as dt

import pandas as pd
import pytest

from lib import charts


def _lines(fig):
    return sorted((shape.x0, shape.y0) for shape in fig.layout.shapes)


def test_every_chart_uses_the_swedish_decimal_comma():
    fig = charts.distribution(pd.Series([0.1]))
    assert fig.layout.separators == ", "


def test_distribution_bins_and_vertical_threshold_lines():
    fig = charts.distribution(pd.Series([0.01, 0.16, 0.22, 0.9]), watch=0.12, high=0.25)
    histogram = fig.data[0]
    assert list(histogram.x) == [0.01, 0.16, 0.22, 0.5]  # 90 % is drawn in the last bin
    assert histogram.xbins.size == 0.025
    assert _lines(fig) == [(0.12, 0), (0.25, 0)]
    assert [a.text for a in fig.layout.annotations] == ["12 % (bevaka)", "25 % (hög)"]


def test_weekly_trend_has_one_line_per_area_with_week_labels():
    week = pd.DataFrame({"iso_year": [2025, 2025], "iso_week": [36, 37], "share": [0.1, 0.2]})
    fig = charts.weekly_trend({"Skola A": week, "Regionen": week.assign(share=[0.05, 0.06])})
    assert [t.name for t in fig.data] == ["Skola A", "Regionen"]
    assert list(fig.data[0].x) == ["v. 36", "v. 37"]
    assert list(fig.data[1].y) == [0.05, 0.06]
    assert [shape.y0 for shape in fig.layout.shapes] == [0.15, 0.20]


def test_stacked_weeks_stack_valid_and_invalid_and_mark_events():
    weekly = pd.DataFrame({"iso_year": [2025, 2026], "iso_week": [52, 1],
                           "valid_share": [0.1, 0.0], "invalid_share": [0.05, 0.3]})
    markers = pd.DataFrame({"label": ["MI-samtal"], "iso_year": [2026], "iso_week": [1]})
    fig = charts.stacked_weeks(weekly, markers=markers)
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["Giltig", "Ogiltig"]
    assert list(fig.data[0].x) == ["v. 52 2025", "v. 1 2026"]  # two years: labels carry them
    assert list(fig.data[1].y) == [0.05, 0.3]
    assert "MI-samtal" in [a.text for a in fig.layout.annotations]


def test_heatmap_uses_the_shared_scale_and_keeps_gaps():
    matrix = pd.DataFrame([[0.1, None], [0.6, 0.2]], index=["Anna", "Bo"],
                          columns=pd.MultiIndex.from_tuples([(2025, 36), (2025, 37)]))
    fig = charts.heatmap(matrix)
    trace = fig.data[0]
    assert list(trace.y) == ["Anna", "Bo"] and list(trace.x) == ["v. 36", "v. 37"]
    assert trace.zmax == charts.SCALE_MAX
    assert trace.colorscale[1][0] == pytest.approx(0.15 / charts.SCALE_MAX)
    assert pd.isna(trace.z[0][1]) and trace.z[1][0] == 0.6


def test_calendar_places_days_by_weekday_and_week():
    daily = pd.DataFrame({"date": [dt.date(2025, 9, 1), dt.date(2025, 9, 3),
                                   dt.date(2025, 9, 8)], "share": [1.0, 0.5, 0.25]})
    trace = charts.calendar(daily).data[0]
    assert list(trace.x) == ["v. 36", "v. 37"]
    assert list(trace.y) == ["Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag"]
    assert trace.z[0][0] == 1.0 and trace.z[2][0] == 0.5 and trace.z[0][1] == 0.25
    assert pd.isna(trace.z[1][0])
    assert trace.text[2][0] == "2025-09-03"


def test_pattern_bars():
    frame = pd.DataFrame({"label": ["Måndag", "Tisdag"], "valid_share": [0.02, 0.01],
                          "invalid_share": [0.08, 0.03]})
    fig = charts.pattern(frame, "Frånvaro per veckodag")
    assert fig.layout.title.text == "Frånvaro per veckodag"
    assert list(fig.data[1].y) == [0.08, 0.03]


# plotly reads tags in figure text and %{…} in hover templates: a name is shown as typed.
NAME = '<a href="http://evil.example">Klicka</a> <b>x</b> %{y}'
SHOWN = '&lt;a href="http://evil.example"&gt;Klicka&lt;/a&gt; &lt;b&gt;x&lt;/b&gt; %{y}'


def _week(shares):
    return pd.DataFrame({"iso_year": [2025] * len(shares), "iso_week": range(36, 36 + len(shares)),
                         "share": shares})


def test_student_names_on_the_heatmap_axis_are_text():
    matrix = pd.DataFrame([[0.1]], index=[NAME], columns=pd.MultiIndex.from_tuples([(2025, 36)]))
    assert list(charts.heatmap(matrix).data[0].y) == [SHOWN]


def test_school_names_in_the_trend_legend_are_text_and_stay_out_of_the_hover_template():
    fig = charts.weekly_trend({NAME: _week([0.1]), "Regionen": _week([0.05])})
    assert [t.name for t in fig.data] == [SHOWN, "Regionen"]
    assert all("evil" not in t.hovertemplate and "%{y}</" not in t.hovertemplate
               for t in fig.data)


def test_municipality_names_in_the_indicator_trend_are_text():
    trend = pd.DataFrame({"Kommun": [NAME, "Regionen totalt"], "Termin": ["HT2025"] * 2,
                          "Andel ≥ 20 %": [0.2, 0.1]})
    fig = charts.indicator_trend(trend)
    assert [t.name for t in fig.data] == [SHOWN, "Regionen totalt"]
    assert "evil" not in fig.data[0].hovertemplate
    assert fig.data[1].line.width == 4  # the region is still told by its own name


def test_marker_labels_and_titles_are_text():
    weekly = pd.DataFrame({"iso_year": [2025], "iso_week": [36], "valid_share": [0.1],
                           "invalid_share": [0.0]})
    markers = pd.DataFrame({"label": [NAME], "iso_year": [2025], "iso_week": [36]})
    assert SHOWN in [a.text for a in charts.stacked_weeks(weekly, markers=markers)
                     .layout.annotations]
    matrix = pd.DataFrame([[0.1]], index=["Anna"], columns=pd.MultiIndex.from_tuples([(2025, 36)]))
    assert charts.heatmap(matrix, title=f"Elever {NAME}").layout.title.text == f"Elever {SHOWN}"
