"""Forms that keep what was typed, tabs that stay open, and one way to save."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, NoReturn

import streamlit as st
from sqlalchemy.orm import Session

from lib import plain
from lib.access import AccessDenied
from lib.db import session_scope
from lib.ui.language import use_tab_language
from lib.versioning import Conflict, InputError

# What a save may be refused with: each carries a message for the user, nothing was written.
REFUSALS = (InputError, AccessDenied, Conflict)


def show_message(kind: str, text: str) -> None:
    """A message where the call is drawn; its text may quote the user (a name, a column)."""
    getattr(st, kind)(plain.markdown(text))


def run_write(action: Callable[[Session], Any], *, success: str | None = None,
              form: str | None = None, then: Callable[[Any], None] | None = None,
              on_conflict: Callable[[Conflict], None] | None = None,
              show: Callable[[str, str], None] = show_message, rerun: bool = True,
              within: Callable[[], AbstractContextManager] = nullcontext) -> bool:
    """One save: `action(session)` in a unit of work of its own, committed when it returns.

    Refused (InputError, AccessDenied, Conflict): the message is shown through `show`
    (beside the form by default), the form keeps what was typed, nothing is written, and
    the answer is False; a conflict goes to `on_conflict` when given. Saved: `then(result)`
    runs, and the page runs again after the block has closed (`st.rerun` inside it would
    roll the save back), with `success` above the emptied `form`, or as a notice at the
    top (`flash`). `rerun=False` in a widget callback, which Streamlit follows with a run
    anyway; `success` is then shown through `show`. `within` wraps the unit of work, commit
    included (lib.importing.checks.refused_by_database: a database refusal as a message).
    Messages are in the tab's language, also when it runs as a widget callback."""
    use_tab_language()
    try:
        with within(), session_scope(write=True) as session:
            result = action(session)
    except Conflict as conflict:
        if on_conflict is None:
            show("error", str(conflict))  # names who saved
        else:
            on_conflict(conflict)
        return False
    except REFUSALS as error:
        show("error", str(error))
        return False
    if then is not None:
        then(result)
    if not rerun:
        if success:
            show("success", success)
        return True
    if form is not None:
        form_saved(form, success or "")
    if success:
        flash(success)
    st.rerun()


def flash(message: str | None = None) -> None:
    """Show a message after st.rerun: store it with a text, show it with no argument."""
    if message is not None:
        st.session_state["aktiv_flash"] = message
    elif "aktiv_flash" in st.session_state:
        st.success(st.session_state.pop("aktiv_flash"))



@contextmanager
def kept_form(name: str, **kwargs) -> Iterator[str]:
    """`with kept_form("x") as key:` a form whose fields keep what was typed when a save
    is refused (the message shows beside them) and are empty again after a save
    (`form_saved`), with that save's notice above them. `key` names the form, for widgets
    in it that need a key of their own (f"{key}_scopes"), so that they are emptied too.

    Not clear_on_submit: that empties the fields when the button is pressed, before
    anyone knows whether the save went through. A save instead starts the form's next
    round: a new form key, so new widgets with their defaults."""
    form_notice(name)
    key = form_key(name)
    with st.form(key, **kwargs):
        yield key



def form_notice(name: str) -> None:
    """The notice of the last save from `kept_form(name)`, once; for a page that does not
    draw the form again after the save (the last item in a list was handled)."""
    notice = st.session_state.pop(f"aktiv_form_notice_{name}", None)
    if notice:
        st.success(notice)



def form_key(name: str) -> str:
    """The key of `kept_form(name)` this round; a widget that belongs to the form but
    stands outside it (so that the form's options can follow it) takes a key made from
    it, and is emptied with the form."""
    return f"{name}_{st.session_state.get(f'aktiv_form_round_{name}', 0)}"



def form_saved(name: str, notice: str) -> NoReturn:
    """The save from `kept_form(name)` went through: empty the form, say so above it and
    run the page again. Call it outside any `session_scope` (it raises to rerun)."""
    st.session_state[f"aktiv_form_round_{name}"] = (
        st.session_state.get(f"aktiv_form_round_{name}", 0) + 1)
    st.session_state[f"aktiv_form_notice_{name}"] = notice
    st.rerun()



def kept_tabs(labels: list[str], key: str):
    """Tabs that stay on the user's tab when the page runs again: after a save, with a
    message above them, or when a label changes (a count of new items). Plain st.tabs keep
    the open tab only in the browser, which draws them anew on the first tab when anything
    above them changes, so a message after a save would land in a hidden tab. These tell
    the server which tab is open (a rerun per tab change), and the server draws that one."""
    chosen = f"{key}_index"
    index = min(st.session_state.get(chosen, 0), len(labels) - 1)
    st.session_state[key] = labels[index]
    return st.tabs(labels, key=key, on_change=_remember_tab, args=(key, chosen, labels))



def kept_expander(label: str, key: str, expanded: bool = False):
    """An expander that stays as the user left it when the page runs again. Like plain
    st.tabs, a plain st.expander keeps its state only in the browser, which may draw it
    anew, closed, when what is above it changes: a save inside it (a talk's summary sent,
    a plan followed up) would show its notice in a closed expander. This one tells the
    server when it is opened or closed (a rerun), and the server draws it so."""
    st.session_state.setdefault(key, expanded)
    return st.expander(label, key=key, on_change="rerun")


def _remember_tab(key: str, chosen: str, labels: list[str]) -> None:
    label = st.session_state.get(key)
    st.session_state[chosen] = labels.index(label) if label in labels else 0

