"""The review cadence on the overview and the meetings page: the schools whose reviews this
term are fewer than agreed, each with its next planned meeting, and in the last two weeks
of the term a reminder. Nothing for those who do not hold reviews, nor when no school is
behind."""

from __future__ import annotations

import streamlit as st

from lib import clock, formats, plain
from lib.access import Role, Viewer
from lib.cadence import cadence
from lib.db import session_scope
from lib.i18n import _

SHOWN = 8  # schools listed; the rest are counted, and the Samverkan page has them all
SAMVERKAN_PAGE = "pages/15_Samverkan.py"


def cadence_notice(viewer: Viewer, term) -> None:
    """The schools behind this term (`term`: the page's chosen term), compactly."""
    if viewer.role not in (Role.ADMIN, Role.COACH, Role.SCHOOL_STAFF):
        return
    today = clock.local_today()
    with session_scope() as session:
        found = cadence(session, viewer, term.id, today)
    behind = found.behind
    if behind.empty:
        return
    if found.reminder:
        st.warning(_("Terminen slutar {day}. {count} har inte haft alla överenskomna "
                     "genomgångar den här terminen.").format(
            day=formats.date(found.term_end),
            count=formats.count(len(behind), _("skola"), _("skolor"))),
            icon=":material/event_upcoming:")
    with st.container(border=True):
        st.markdown("**" + _("Genomgångar som återstår terminen {term}").format(
            term=plain.markdown(term.code)) + "**")
        st.markdown("\n".join(_line(viewer, row) for row in behind.head(SHOWN).itertuples()))
        rest = len(behind) - SHOWN
        if rest > 0:
            st.caption(_("… och {count} till.").format(
                count=formats.count(rest, _("skola"), _("skolor"))))
        st.page_link(SAMVERKAN_PAGE, label=_("Samverkan med skolorna"),
                     icon=":material/handshake:")


def _line(viewer: Viewer, row) -> str:
    """"- Skola SB (Beta): 0 av 1 · nästa 2025-12-10" as a list item of plain text."""
    where = row.school if viewer.role == Role.COACH and len(viewer.municipality_ids) == 1 \
        else f"{row.school} ({row.municipality})"
    upcoming = _("nästa {day}").format(day=formats.date(row.next_meeting)) \
        if row.next_meeting is not None else _("ingen planerad")
    return "- " + _("{where}: {held} av {agreed} · {next}").format(
        where=plain.markdown(where), held=int(row.reviews_held), agreed=int(row.reviews_agreed),
        next=upcoming)
