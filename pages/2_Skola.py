"""Skola: one school's students this term — key figures, distribution, weekly trend against
the municipality and the region, heatmap, patterns, reporting rate and the student list."""

import math

import streamlit as st

from lib import charts, formats, plain
from lib.access import AccessDenied
from lib.analytics import TREND_RULE, running_shown, running_week_rule
from lib.dashboards import HEATMAP_PAGE, Filters, heatmap_page, school_page
from lib.db import session_scope
from lib.i18n import N_, _
from lib.ui import connectedness
from lib.ui.downloads import excel_download
from lib.ui.figures import plot
from lib.ui.guard import guard
from lib.ui.pickers import query_int, school_picker, term_picker, url_select
from lib.ui.tables import VISIT_PAGE, change_delta, student_table

viewer = guard("school", N_("Skola"))
st.title(_("Skola"))
term = term_picker()
school_id = school_picker(viewer, term)
filters = Filters(programme=st.query_params.get("program"),
                  school_year=query_int("arskurs"), class_name=st.query_params.get("klass"))

page, error = None, None
try:
    with session_scope() as session:
        page = school_page(session, viewer, school_id, term.id, filters)
except AccessDenied as denied:
    error = str(denied)
if page is None:
    st.error(error)
    st.stop()
if st.button(_("Besökspaket inför mötet"), icon=":material/print:",
             help=_("Flaggade elever, förändring sedan förra mötet, åtgärder att följa upp och "
                    "senaste återkopplingen, att skriva ut eller ladda ned som PDF.")):
    st.switch_page(VISIT_PAGE, query_params={"skola": str(school_id), "termin": term.code})


def pick(label: str, name: str, options: list, current) -> None:
    """A filter whose choice lives in the URL; read above, before the figures, since a
    pick writes the URL before the page runs. A filter from a link that this school and
    term have no students in stays shown, so that the empty figures say why."""
    extra = [current] if current is not None and current not in options else []
    url_select(label, [None, *options, *extra], name,
               format_func=lambda value: _("Alla") if value is None else str(value))


first, second, third = st.columns(3)
with first:
    pick(_("Program"), "program", page.options["programme"], filters.programme)
with second:
    pick(_("Årskurs"), "arskurs", page.options["school_year"], filters.school_year)
with third:
    pick(_("Klass"), "klass", page.options["class_name"], filters.class_name)


st.subheader(f"{plain.markdown(page.school_name)} · {page.term_code}")


def change_help(count: int) -> str:
    return _("{students}. Förändring mot {term}.").format(
        students=formats.count(count, _("elev"), _("elever")), term=page.previous_term_code)


columns = st.columns(4)
columns[0].metric(_("Elever"), formats.number(page.students))
columns[1].metric(f"≥ {formats.level(page.watch)}", formats.percent(page.share_watch),
                  **change_delta(page.share_watch, page.previous_share_watch),
                  help=change_help(page.over_watch))
columns[2].metric(f"≥ {formats.level(page.high)}", formats.percent(page.share_high),
                  **change_delta(page.share_high, page.previous_share_high),
                  help=change_help(page.over_high))
columns[3].metric(_("Rapporteringsgrad"),
                  formats.percent(page.reporting_rate, missing=_("okänd")),
                  help=_("Andel av den schemalagda tiden där närvaro registrerats alls. Okänd "
                         "när skolans fil inte säger hur mycket tid som inte rapporterades."))

left, right = st.columns(2)
plot(charts.distribution, page.table["absence"], page.watch, page.high, key="distribution",
     where=left)
plot(charts.weekly_trend, page.weekly_lines, page.watch, page.high, key="trend", where=right)
if running_shown(*page.weekly_lines.values()) is not None:
    st.caption(running_week_rule(page.running_week))
left, right = st.columns(2)
plot(charts.pattern, page.weekday, _("Frånvaro per veckodag"), page.watch, page.high,
     key="weekday", where=left)
if not page.lessons.empty:
    plot(charts.pattern, page.lessons, _("Frånvaro per lektionsstart"), page.watch, page.high,
         key="lessons", where=right)
else:
    right.info(_("Skolan rapporterar hela dagar, inte lektioner, så lektionsmönster saknas."))

connectedness.school_section(viewer, school_id, term, filters.class_name)

st.subheader(_("Elever"))
with st.expander(_("Så räknas trenden")):
    st.write(_(TREND_RULE))
student_table(page.table, key="school_students")
excel_download(viewer, page.table, _("Elever {school}").format(school=page.school_name),
               f"{page.term_code}, {formats.count(page.students, _('elev'), _('elever'))}",
               "school", _("elever-{term}.xlsx").format(term=page.term_code))

st.subheader(_("Vecka för vecka"))
pages = max(1, math.ceil(len(page.table) / HEATMAP_PAGE))
number = st.number_input(_("Sida (av {pages}, {size} elever per sida, högst risk först)").format(
    pages=pages, size=HEATMAP_PAGE), min_value=1, max_value=pages, value=1, key="heatmap_page")
with session_scope() as session:
    matrix = heatmap_page(session, viewer, school_id, term.id, page.table["id"].tolist(),
                          int(number) - 1)
if matrix.empty:
    st.info(_("Ingen veckodata att visa."))
else:
    plot(charts.heatmap, matrix, running=page.running_week, key="heatmap")
