"""On the student page: the school's own support for the student (a form for the school's
staff, to read for the coach) and the coach's *prioriterad* marker (a toggle for the coach,
a badge for everyone who sees the student)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import formats, plain
from lib.access import Role, Viewer
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import N_, _
from lib.priority import clear_priority, is_priority, mark_priority
from lib.school_support import TICKS, Support, get_support, save_support
from lib.ui.forms import run_write
from lib.ui.language import in_tab_language
from lib.ui.tables import show_table
from lib.versioning import MAX_TEXT, Conflict

LABELS = {"extra_adaptations": N_("Extra anpassningar"), "special_support": N_("Särskilt stöd"),
          "support_plan": N_("Åtgärdsprogram"),
          "support_plan_date": N_("Åtgärdsprogrammets datum"), "note": N_("Anteckning")}


# --- The priority marker ------------------------------------------------------------------

def _priority_key(student_id: int) -> str:
    return f"priority_{student_id}"


def _priority_message_key(student_id: int) -> str:
    return f"priority_message_{student_id}"


def priority_marker(viewer: Viewer, student_id: int) -> None:
    """The badge when the student is marked; for the coach (of the student's home
    municipality: the only coach who sees the student) a toggle that sets or clears it."""
    with session_scope() as session:
        marked = is_priority(session, viewer, student_id)
    kind, text = st.session_state.pop(_priority_message_key(student_id), (None, None))
    if kind:  # a refused change, said where the toggle is
        getattr(st, kind)(plain.markdown(text))
    coach = viewer.role == Role.COACH
    if not (marked or coach):
        return
    row = st.container(horizontal=True, vertical_alignment="center")
    if marked:
        row.badge(_("Prioriterad"), icon=":material/flag:", color="orange")
    if coach:
        key = _priority_key(student_id)
        st.session_state[key] = marked  # what is saved, also after a refused change
        row.toggle(_("Markera som prioriterad"), key=key, on_change=_toggle_priority,
                   args=(viewer, student_id),
                   help=_("En av eleverna du möter först. Alla som ser eleven ser "
                          "markeringen."))


@in_tab_language
def _toggle_priority(viewer: Viewer, student_id: int) -> None:
    on = bool(st.session_state.get(_priority_key(student_id)))

    def save(session) -> None:
        if on:
            mark_priority(session, viewer, student_id, local_today())
        else:
            clear_priority(session, viewer, student_id)

    run_write(save, rerun=False, show=lambda kind, text: st.session_state.__setitem__(
        _priority_message_key(student_id), (kind, text)))


# --- The school's support -----------------------------------------------------------------
# The form's fields live under keys of their own, for the round of the form: a save (this
# user's) or a choice after a conflict starts a new round, whose fields start from what is
# saved. The round remembers the version and values it started from ("base"), the version a
# save states; when someone else saves and this user has changed nothing, the fields follow.

FIELDS = (*TICKS, "support_plan_date", "note")


def _key(student_id: int, school_id: int, what: str) -> str:
    return f"support_{what}_{student_id}_{school_id}"


def _field_key(student_id: int, school_id: int, name: str) -> str:
    round_ = st.session_state.get(_key(student_id, school_id, "round"), 0)
    return _key(student_id, school_id, f"{name}_{round_}")


def _new_round(student_id: int, school_id: int) -> None:
    key = _key(student_id, school_id, "round")
    st.session_state[key] = st.session_state.get(key, 0) + 1


def _typed(student_id: int, school_id: int) -> dict:
    return {name: st.session_state.get(_field_key(student_id, school_id, name))
            for name in FIELDS}


def _start_round(student_id: int, school_id: int, support: Support) -> dict:
    """The base of this round of the form, its fields set from `support` when it begins,
    and again when someone else saved and this user has changed nothing."""
    base_key = _key(student_id, school_id, "base")
    base = st.session_state.get(base_key)
    round_ = st.session_state.get(_key(student_id, school_id, "round"), 0)
    # Streamlit forgets the fields of a page left for another: they start again then.
    kept = all(_field_key(student_id, school_id, name) in st.session_state for name in FIELDS)
    if base is not None and base["round"] == round_ and kept:
        if base["version"] == support.version or _typed(student_id, school_id) != \
                base["values"]:
            return base
        _new_round(student_id, school_id)
    values = {name: getattr(support, name) for name in FIELDS}
    for name, value in values.items():
        st.session_state[_field_key(student_id, school_id, name)] = value
    base = {"round": st.session_state.get(_key(student_id, school_id, "round"), 0),
            "version": support.version, "values": values}
    st.session_state[base_key] = base
    return base


def support_section(viewer: Viewer, student_id: int) -> None:
    """The support of each school the student is or was enrolled at that the viewer sees:
    a form where the viewer is the school's staff (or the administrator), text otherwise."""
    st.subheader(_("Skolans stöd"))
    st.caption(_("Det skolan själv ger eleven: extra anpassningar, särskilt stöd och "
                 "åtgärdsprogram. Skolans personal fyller i; coachen läser."))
    with session_scope() as session:
        supports = get_support(session, viewer, student_id)
    if not supports:
        st.caption(_("Eleven är inte inskriven på någon skola som du ser."))
    for support in supports:
        if support.writable:
            _support_form(viewer, student_id, support)
        else:
            _support_text(support)


def _support_text(support: Support) -> None:
    st.markdown(f"**{plain.markdown(support.school)}**")
    st.text(support.line)
    if support.note:
        st.text(support.note)
    _changed_line(support)


def _changed_line(support: Support) -> None:
    if support.recorded:
        st.caption(_("Senast ändrat {day} av {name}").format(
            day=formats.day_of(support.updated_at), name=plain.markdown(support.updated_by)))


def _support_form(viewer: Viewer, student_id: int, support: Support) -> None:
    """The school's form, with the notice of its last save above it and, after a refused
    save, both versions below it."""
    school_id = support.school_id
    notice = st.session_state.pop(_key(student_id, school_id, "notice"), None)
    if notice:
        st.success(notice)
    base = _start_round(student_id, school_id, support)

    def key(name: str) -> str:
        return _field_key(student_id, school_id, name)

    with st.form(_key(student_id, school_id, "form")):
        st.markdown(f"**{plain.markdown(support.school)}**")
        columns = st.columns(3)
        for n, name in enumerate(TICKS):
            columns[n].checkbox(_(LABELS[name]), key=key(name))
        st.date_input(_(LABELS["support_plan_date"]), key=key("support_plan_date"),
                      max_value=local_today(), format="YYYY-MM-DD",
                      help=_("Dagen då rektorn beslutade om åtgärdsprogrammet."))
        st.text_area(_(LABELS["note"]), key=key("note"), height=80,
                     help=_("Högst {limit} tecken.").format(limit=formats.number(MAX_TEXT)))
        _changed_line(support)
        if st.form_submit_button(_("Spara skolans stöd")):
            _save(viewer, student_id, school_id, _typed(student_id, school_id),
                  base["version"])
    pending = st.session_state.get(_key(student_id, school_id, "conflict"))
    if pending is not None:
        _show_conflict(viewer, student_id, school_id, *pending)


def _save(viewer: Viewer, student_id: int, school_id: int, values: dict,
          version: int) -> None:
    def saved(_version: int) -> None:
        st.session_state.pop(_key(student_id, school_id, "conflict"), None)
        st.session_state[_key(student_id, school_id, "notice")] = _("Skolans stöd är sparat.")
        _new_round(student_id, school_id)

    run_write(lambda session: save_support(session, viewer, student_id, school_id,
                                           expected_version=version, **values),
              then=saved, on_conflict=lambda conflict: st.session_state.__setitem__(
                  _key(student_id, school_id, "conflict"), (conflict, values)))


def _shown(name: str, value: str) -> str:
    """A field of a conflict's version (lib.versioning keeps them as text) as the form
    shows it."""
    if name in TICKS:
        return formats.yes_no(value == "True")
    return value or "–"


def _show_conflict(viewer: Viewer, student_id: int, school_id: int, conflict: Conflict,
                   mine: dict) -> None:
    """Both versions side by side, and the choice between them."""
    st.warning(plain.markdown(str(conflict)))  # names who saved
    show_table(pd.DataFrame(
        [[_(LABELS[name]), _shown(name, conflict.mine[name]),
          _shown(name, conflict.theirs[name])]
         for name in conflict.mine if conflict.mine[name] != conflict.theirs[name]],
        columns=[_("Fält"), _("Din version"), _("Sparad version ({name})").format(
            name=conflict.by or _("någon annan"))]))
    left, right = st.columns(2)
    if left.button(_("Spara min version"), key=f"support_mine_{student_id}_{school_id}"):
        _save(viewer, student_id, school_id, mine, conflict.version)
    if right.button(_("Använd den sparade versionen"),
                    key=f"support_theirs_{student_id}_{school_id}"):
        st.session_state.pop(_key(student_id, school_id, "conflict"))
        _new_round(student_id, school_id)
        st.rerun()
