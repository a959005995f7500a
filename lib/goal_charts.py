"""The chart of one shared goal: its municipality's indicator term by term in the app's
one style (lib.charts.indicator_trend: hidden terms are gaps, never zeros) with the target
as a dotted line up to the goal's term."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib import charts, formats, plain
from lib.codes import GoalDirection
from lib.i18n import _
from lib.labels import word

TARGET_COLOUR = "#2a9d8f"


def goal_trend(trend: pd.DataFrame, indicator: str, target: float, direction: str,
               by_term: str) -> go.Figure:
    """`trend`: the goal's rows of lib.shared_goals.goals_against_actual (term,
    municipality, actual), in term order."""
    rows = pd.DataFrame({"term": trend["term"], "municipality": trend["municipality"],
                         "is_total": False, indicator: trend["actual"].astype(float)})
    fig = charts.indicator_trend(rows, indicator)
    fig.add_hline(y=target, line_dash="dot", line_color=TARGET_COLOUR,
                  annotation_text=plain.plotly(_("Mål: {direction} {target} senast {term}")
                                               .format(direction=word(GoalDirection, direction),
                                                       target=formats.level(target),
                                                       term=by_term)),
                  annotation_position="top left")
    top = max([target, *rows[indicator].dropna().tolist()])
    fig.update_yaxes(**charts.percent_ticks(top))
    fig.update_layout(height=280, showlegend=False)
    return fig
