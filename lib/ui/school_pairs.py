"""Choosing a school and the municipality whose students are meant, for the messages and the
school report on the Samverkan page (lib.school_pairs)."""

from __future__ import annotations

import streamlit as st

from lib.access import Role, Viewer
from lib.i18n import _
from lib.school_pairs import SchoolPair
from lib.ui.pickers import LAST_SCHOOL


def pair_picker(viewer: Viewer, pairs: list[SchoolPair], key: str,
                unread: dict[tuple[int, int], int] | None = None) -> SchoolPair | None:
    """A school box, and a municipality box for school staff and administrators (and for a
    coach of several municipalities whose students share the school). With `unread` (new
    messages per pair, lib.school_messages.unread_by_pair, latest first) the boxes say how
    many are new, and open on the pair with the newest unread message, else the newest
    message; else on the school last opened in this browser session. None when the viewer
    has no pair at all."""
    if not pairs:
        st.info(_("Det finns inga skolor med elever i din omfattning ännu."))
        return None
    unread = unread or {}
    names = {p.school_id: p.school for p in pairs}
    new_at = {}
    for pair in pairs:
        new_at[pair.school_id] = new_at.get(pair.school_id, 0) + unread.get(
            (pair.school_id, pair.municipality_id), 0)
    opened = _opened(unread) or _last_school(pairs)
    left, right = st.columns(2)
    schools = list(names)
    school_id = left.selectbox(
        _("Skola"), schools, format_func=lambda s: _marked(names[s], new_at[s]),
        index=schools.index(opened[0]) if opened and opened[0] in names else 0,
        key=f"{key}_school")
    options = {p.municipality_id: p for p in pairs if p.school_id == school_id}
    if viewer.role == Role.COACH and len(options) == 1:
        return next(iter(options.values()))
    municipalities = list(options)
    municipality_id = right.selectbox(
        _("Elevernas hemkommun"), municipalities,
        format_func=lambda m: _marked(options[m].municipality,
                                      unread.get((school_id, m), 0)),
        index=municipalities.index(opened[1]) if opened and opened[0] == school_id
        and opened[1] in options else 0,
        key=f"{key}_municipality_{school_id}")
    return options[municipality_id]


def _last_school(pairs: list[SchoolPair]) -> tuple[int, int] | None:
    """The school last opened in this browser session (lib.ui.pickers), if it is one."""
    last = st.session_state.get(LAST_SCHOOL)
    return next(((p.school_id, p.municipality_id) for p in pairs if p.school_id == last),
                None)


def _opened(unread: dict[tuple[int, int], int]) -> tuple[int, int] | None:
    """The pair to open on: the newest with unread messages, else the newest of all."""
    with_new = [pair for pair, count in unread.items() if count]
    return (with_new or list(unread) or [None])[0]


def _marked(name: str, new: int) -> str:
    return _("{name} ({count} nya)").format(name=name, count=new) if new else name
