"""The mapping results' chart: how the answers of each dimension (or statement) spread over
the scale, as stacked shares. A pure function from lib.connectedness_results' distribution
to a plotly figure, in the app's chart style."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib import formats, plain
from lib.charts import _style
from lib.i18n import _

# From low to high connectedness: red through grey to green.
STEPS = ["#b2182b", "#ef8a62", "#bababa", "#67a9cf", "#2166ac", "#053061", "#01200f"]


def distribution_bars(distribution: pd.DataFrame, names: dict[str, str],
                      kind: str = "dimension") -> go.Figure:
    """Horizontal stacked bars: per dimension (or statement) of `kind`, the share of the
    answers at each scale value; `names` gives each code its shown name."""
    rows = distribution[distribution["result_kind"] == kind]
    fig = go.Figure()
    values = sorted(rows["scale_value"].unique())
    for index, value in enumerate(values):
        part = rows[rows["scale_value"] == value]
        label = str(part["scale_label"].iloc[0]) if len(part) else str(value)
        fig.add_bar(
            y=[plain.plotly(names.get(code, code)) for code in part["item_code"]],
            x=part["answer_share"].tolist(), orientation="h",
            name=plain.plotly(f"{value} {label}"), marker_color=STEPS[index % len(STEPS)],
            customdata=[formats.percent(share, 0) for share in part["answer_share"]],
            hovertemplate="%{y}: %{customdata}<extra>%{fullData.name}</extra>")
    _style(fig, _("Svarens fördelning"), y_title="")
    fig.update_layout(barmode="stack", xaxis={"tickformat": ".0%", "range": [0, 1]},
                      yaxis={"autorange": "reversed"})
    return fig
