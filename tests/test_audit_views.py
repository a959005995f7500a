"""The services that hand out identifiable students log the view themselves, exactly once
per call, so that no page can forget it; and the view is written even though the page
only reads."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_models.models import AuditEvent
from lib import (
    agenda,
    dashboards,
    exports,
    feedback,
    measures,
    meetings,
    overview,
    students,
    visit_pack,
)
from lib.access import AccessDenied

DAY = dt.date(2025, 10, 1)
ROOT = Path(__file__).resolve().parents[1]

VIEWS = {
    "get_student": lambda s, v, w: students.get_student(s, v, w["anna"]),
    "list_students": lambda s, v, w: students.list_students(s, v, w["HT2025"]),
    "scope_overview": lambda s, v, w: overview.scope_overview(s, v, w["HT2025"]),
    "school_page": lambda s, v, w: dashboards.school_page(s, v, w["SB"], w["HT2025"]),
    "watch_list": lambda s, v, w: dashboards.watch_list(s, v, w["HT2025"]),
    "watch_list_unattended": lambda s, v, w: dashboards.watch_list(
        s, v, w["HT2025"], unattended_since=DAY),
    "build_visit_pack": lambda s, v, w: visit_pack.build_visit_pack(s, v, w["SB"], w["HT2025"],
                                                                    DAY),
    "list_measures": lambda s, v, w: measures.list_measures(s, v, DAY),
    "list_feedback": lambda s, v, w: feedback.list_feedback(s, v),
}


def _events(read, username: str) -> list[str]:
    with read() as session:
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.username == username).order_by(AuditEvent.id)))


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_each_view_is_logged_once_from_a_read(read, world, viewer, name):
    before = _events(read, "coach_a")
    with read() as session:  # a read: the page never opens a write for its view
        VIEWS[name](session, viewer("coach_a"), world)
    new = _events(read, "coach_a")[len(before):]
    assert len(new) == 1 and new[0].startswith("view_"), new


def test_a_view_that_fails_logs_no_view(read, world, viewer):
    with pytest.raises(AccessDenied), read() as session:
        dashboards.school_page(session, viewer("coach_c"), world["SB"], world["HT2025"])
    assert _events(read, "coach_c") == ["refused"]


def test_nothing_is_logged_for_a_project_leaders_aggregates(read, world, viewer):
    with read() as session:
        overview.municipality_overview(session, viewer("leader_north"), world["HT2025"])
        count = session.scalar(select(func.count()).select_from(AuditEvent))
    assert count == 0


def test_opening_a_student_in_meeting_mode_is_logged_once_the_live_refresh_is_not(
        write, read, world, viewer):
    with write() as session:
        meeting_id = meetings.plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                           term_id=world["HT2025"],
                                           municipality_id=world["A"], date=DAY)
    with read() as session:
        item_id = int(agenda.list_agenda(session, viewer("coach_a"), meeting_id)["id"].iloc[0])
    before = _events(read, "coach_a")
    with read() as session:
        meetings.open_item(session, viewer("coach_a"), item_id)
    assert _events(read, "coach_a")[len(before):] == ["view_student"]
    with read() as session:
        meetings.get_entry(session, viewer("coach_a"), item_id)
    assert len(_events(read, "coach_a")) == len(before) + 1


EXPORTS = {
    "export_table": lambda s, v, w: exports.export_table(
        s, v, students.list_students(s, v, w["HT2025"]), "Elever", "HT2025", "school"),
    "export_file": lambda s, v, w: exports.export_file(s, v, lambda: b"pdf", what="visit_pack",
                                                       rows=3, note="Besökspaket"),
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_export_is_logged_once_by_the_service_that_builds_it(write, read, world, viewer,
                                                                   name):
    before = len(_events(read, "coach_a"))
    with write() as session:  # the download button builds the file in a write
        data = EXPORTS[name](session, viewer("coach_a"), world)
    new = _events(read, "coach_a")[before:]
    assert isinstance(data, bytes) and data
    assert new.count("export") == 1, new


UI_ROOMS = [*sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "lib" / "ui").glob("*.py")),
            ROOT / "app.py"]


@pytest.mark.parametrize("path", UI_ROOMS, ids=lambda p: p.name)
def test_no_page_or_ui_helper_writes_to_the_audit_log(path):
    """The services write their own events: a new page cannot forget one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
              for node in ast.walk(tree) if isinstance(node, ast.Call)
              and isinstance(node.func, ast.Attribute | ast.Name)}
    assert not called & {"log_event", "log_view", "log_export"}
