"""Helpers for AppTest: open the app or a page, log in through the real login form."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE_FILES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def open_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def open_page_directly(name: str) -> AppTest:
    """Run a page file as the main script, as a deep link can before app.py has run."""
    return AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)


def widget(elements, label: str):
    matches = [e for e in elements if e.label == label]
    assert matches, f"no widget labelled {label!r}"
    return matches[0]


def submit_login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    widget(at.text_input, "Användarnamn").input(username)
    widget(at.text_input, "Lösenord").input(password)
    widget(at.button, "Logga in").click()
    return at.run()


OVERVIEW = "pages/1_Oversikt.py"


def login(username: str, password: str = PASSWORD, page: str | None = OVERVIEW) -> AppTest:
    """Log in on app.py, then go to `page` (None: stay on the start page)."""
    at = open_app().run()
    submit_login(at, username, password)
    if page:
        at.switch_page(page).run()
    return at


def student_page(username: str, student_id: int) -> AppTest:
    """Log in and open the student page of `student_id`."""
    at = login(username, page="pages/3_Elev.py")
    at.query_params["elev"] = str(student_id)
    return at.run()


def open_tab(at: AppTest, key: str, index: int) -> AppTest:
    """Open tab `index` of the page's tabs kept under `key` (lib.ui.forms.kept_tabs), as a
    click on it does: the page runs again and draws that tab."""
    at.session_state[f"{key}_index"] = index
    return at.run()


def count(read, model) -> int:
    """The rows of `model` in the test database (`read`: the fixture)."""
    from sqlalchemy import func, select

    with read() as session:
        return session.scalar(select(func.count()).select_from(model))


def texts(at: AppTest) -> str:
    """Everything the page shows as text, for assertions on what is (not) on screen."""
    parts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "error", "warning",
                 "info", "success", "metric", "text"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for element in at.sidebar:
        parts.append(str(getattr(element, "label", "") or getattr(element, "value", "")))
    return "\n".join(parts)
