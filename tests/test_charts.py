"""Figures are tested through their data: traces, values, labels and threshold lines."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from lib import charts


def _lines(fig):
    return sorted((shape.x0, shape.y0) for shape in fig.layout.shapes)


def test_every_chart_uses_the_swedish_decimal_comma():
    fig = charts.distribution(pd.Series([0.1]))
    assert fig.layout.separators == ", "


def test_distribution_bins_and_vertical_threshold_lines():
    fig = charts.distribution(pd.Series([0.01, 0.16, 0.22, 0.9, None]), watch=0.12, high=0.25)
    bars = fig.data[0]
    counts = dict(zip(bars.customdata, bars.y, strict=True))
    assert {label: n for label, n in counts.items() if n} == {
        "0,0–2,5 %": 1, "15,0–17,5 %": 1, "20,0–22,5 %": 1, "50 % eller mer": 1}
    assert len(bars.x) == 21 and bars.width == 0.025  # 2,5-point bins, 90 % in the last
    assert _lines(fig) == [(0.12, 0), (0.25, 0)]
    assert [a.text for a in fig.layout.annotations] == ["12 % (bevaka)", "25 % (hög)"]


def test_the_distribution_counts_in_whole_numbers_only():
    fig = charts.distribution(pd.Series([0.01, 0.01, 0.16]))
    assert list(fig.layout.yaxis.tickvals) == [0, 1, 2]
    assert list(fig.layout.yaxis.ticktext) == ["0", "1", "2"]
    many = charts.distribution(pd.Series([0.01] * 1500))
    ticks = list(many.layout.yaxis.tickvals)
    assert all(isinstance(t, int) for t in ticks) and len(set(ticks)) == len(ticks)
    assert many.layout.yaxis.ticktext[-1] == "1\u00a0500"


def test_percent_ticks_are_written_as_everywhere_else():
    fig = charts.weekly_trend({"Skola A": _week([0.1, 0.32])})
    assert list(fig.layout.yaxis.ticktext) == ["0 %", "10 %", "20 %", "30 %", "40 %"]
    assert list(fig.data[0].customdata) == ["10,0 %", "32,0 %"]  # what the hover shows


def test_threshold_labels_sit_on_opposite_sides_of_their_lines():
    fig = charts.stacked_weeks(pd.DataFrame({"iso_year": [2025], "iso_week": [36],
                                             "valid_share": [0.1], "invalid_share": [0.0]}))
    watch, high = fig.layout.annotations
    assert (watch.text, watch.yanchor) == ("15 % (bevaka)", "top")  # under its line
    assert (high.text, high.yanchor) == ("20 % (hög)", "bottom")  # over its line


def test_week_labels_get_room_below_the_axis_and_the_legend_goes_under_them():
    fig = charts.stacked_weeks(pd.DataFrame({"iso_year": [2025] * 40, "iso_week": range(1, 41),
                                             "valid_share": 0.1, "invalid_share": 0.1}))
    assert fig.layout.xaxis.automargin is True
    assert (fig.layout.legend.yref, fig.layout.legend.y) == ("container", 0)


def test_measures_in_nearby_weeks_get_labels_in_rows_and_one_week_one_label():
    weekly = pd.DataFrame({"iso_year": [2025] * 10, "iso_week": range(36, 46),
                           "valid_share": 0.1, "invalid_share": 0.0})
    markers = pd.DataFrame({"label": ["MI", "Remiss", "Strukturstöd", "Annat"],
                            "iso_year": [2025] * 4, "iso_week": [36, 36, 37, 44]})
    notes = [a for a in charts.stacked_weeks(weekly, markers=markers).layout.annotations
             if a.yref == "paper"]
    assert [(a.text, a.yshift) for a in notes] == [
        ("MI, Remiss", 0), ("Strukturstöd", charts.MEASURE_ROW), ("Annat", 0)]


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
    trend = pd.DataFrame({"municipality": [NAME, "Regionen totalt"], "term": ["HT2025"] * 2,
                          "is_total": [False, True], "share_20": [0.2, 0.1]})
    fig = charts.indicator_trend(trend)
    assert [t.name for t in fig.data] == [SHOWN, "Regionen totalt"]
    assert "evil" not in fig.data[0].hovertemplate
    assert fig.data[1].line.width == 4  # the region total is told by is_total, not a name


def test_marker_labels_and_titles_are_text():
    weekly = pd.DataFrame({"iso_year": [2025], "iso_week": [36], "valid_share": [0.1],
                           "invalid_share": [0.0]})
    markers = pd.DataFrame({"label": [NAME], "iso_year": [2025], "iso_week": [36]})
    assert SHOWN in [a.text for a in charts.stacked_weeks(weekly, markers=markers)
                     .layout.annotations]
    matrix = pd.DataFrame([[0.1]], index=["Anna"], columns=pd.MultiIndex.from_tuples([(2025, 36)]))
    assert charts.heatmap(matrix, title=f"Elever {NAME}").layout.title.text == f"Elever {SHOWN}"


# --- The running week ---------------------------------------------------------------------

def test_the_running_week_is_a_lighter_dashed_stretch_of_the_line():
    school = _week([0.12, 0.11, 0.26]).assign(running=[False, False, True])
    fig = charts.weekly_trend({"Skola A": school})
    whole, running = fig.data
    assert list(whole.x) == ["v. 36", "v. 37"] and list(whole.y) == [0.12, 0.11]
    assert list(running.x) == ["v. 37", "v. 38 (pågår)"]  # joined to the last whole week
    assert running.line.dash == "dash" and running.opacity == charts.RUNNING_OPACITY
    assert running.showlegend is False and running.legendgroup == whole.legendgroup
    assert list(fig.layout.xaxis.categoryarray) == ["v. 36", "v. 37", "v. 38 (pågår)"]


def test_the_running_week_bars_are_lighter_and_hatched():
    weekly = pd.DataFrame({"iso_year": [2026, 2026], "iso_week": [48, 49],
                           "valid_share": [0.1, 0.2], "invalid_share": [0.0, 0.1],
                           "running": [False, True]})
    bars = charts.stacked_weeks(weekly).data[0]
    assert list(bars.x) == ["v. 48", "v. 49 (pågår)"]
    assert list(bars.marker.opacity) == [1.0, charts.RUNNING_OPACITY]
    assert list(bars.marker.pattern.shape) == ["", "/"]


def test_the_running_week_column_of_the_heatmap_is_labelled_and_veiled():
    matrix = pd.DataFrame([[0.1, 0.5]], index=["Anna"],
                          columns=pd.MultiIndex.from_tuples([(2026, 48), (2026, 49)]))
    fig = charts.heatmap(matrix, running=(2026, 49))
    assert list(fig.data[0].x) == ["v. 48", "v. 49 (pågår)"]
    veil = fig.layout.shapes[0]
    assert (veil.x0, veil.x1, veil.line.dash) == (0.5, 1.5, "dash")
    assert not charts.heatmap(matrix).layout.shapes


def test_a_calendar_over_two_years_keeps_the_same_week_apart():
    daily = pd.DataFrame({"date": [dt.date(2025, 9, 1), dt.date(2026, 8, 31)],
                          "share": [1.0, 0.5]})
    trace = charts.calendar(daily).data[0]
    assert list(trace.x) == ["v. 36 2025", "v. 36 2026"]


def test_an_english_chart_has_english_axes_legends_and_numbers():
    from lib.i18n import use_language

    weekly = pd.DataFrame({"iso_year": [2025, 2025], "iso_week": [36, 37],
                           "valid_share": [0.05, 0.1], "invalid_share": [0.125, 0.0]})
    with use_language("en"):
        distribution = charts.distribution(pd.Series([0.1, 0.6]))
        weeks = charts.stacked_weeks(weekly)
    assert distribution.layout.title.text == "Distribution of absence"
    assert distribution.layout.xaxis.title.text == "Absence (50% or more in the last bar)"
    assert distribution.layout.yaxis.title.text == "Students"
    assert distribution.data[0].customdata[-1] == "50% or more"
    assert distribution.layout.separators == ".,"
    assert [bar.name for bar in weeks.data] == ["Authorised", "Unauthorised"]
    assert list(weeks.data[0].x) == ["wk 36", "wk 37"]
    assert weeks.layout.yaxis.title.text == "Absence"
    assert [a.text for a in weeks.layout.annotations] == ["15% (watch)", "20% (high)"]


def test_charts_keep_plotly_whites_look_in_a_template_of_their_own():
    """The app's small template (plotly copies a figure's template twice per figure) draws
    bars, lines and heatmaps as plotly_white does, and holds nothing else."""
    import plotly.io as pio

    white = pio.templates["plotly_white"]
    for fig in (charts.distribution(pd.Series([0.1])),
                charts.pattern(pd.DataFrame({"label": ["mån"], "valid_share": [0.1],
                                             "invalid_share": [0.05], "share": [0.15]}), "x")):
        template = fig.layout.template
        assert set(template.data.to_plotly_json()) == {"bar", "scatter", "heatmap"}
        for part in ("plot_bgcolor", "paper_bgcolor", "xaxis", "yaxis", "font", "colorway"):
            assert template.layout[part] == white.layout[part]
        assert template.data.bar == white.data.bar


def test_talk_categories_draws_causes_and_wishes_with_hidden_counts_as_gaps():
    categories = pd.DataFrame({"category": ["Arbete", "Sömn och rutiner"],
                               "causes": [None, 15], "wanted": [0, 12]})
    fig = charts.talk_categories(categories)
    causes, wanted = fig.data
    assert (causes.name, wanted.name) == ("Som orsak", "Som önskat stöd")
    assert list(causes.y) == ["Arbete", "Sömn och rutiner"] and causes.orientation == "h"
    assert np.isnan(causes.x[0]) and causes.x[1] == 15  # hidden: a gap, not a zero
    assert list(causes.customdata) == ["..", "15"] and list(wanted.x) == [0, 12]
    assert fig.layout.barmode == "group"
