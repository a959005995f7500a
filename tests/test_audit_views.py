"""The services that hand out identifiable students log the view themselves, exactly once
per call, so that no page can forget it; and the view is written even though the page
only reads."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.models import AuditEvent
from lib import dashboards, feedback, followup, measures, overview, students
from lib.access import AccessDenied

DAY = dt.date(2025, 10, 1)

VIEWS = {
    "get_student": lambda s, v, w: students.get_student(s, v, w["anna"]),
    "list_students": lambda s, v, w: students.list_students(s, v, w["HT2025"]),
    "scope_overview": lambda s, v, w: overview.scope_overview(s, v, w["HT2025"]),
    "school_page": lambda s, v, w: dashboards.school_page(s, v, w["SB"], w["HT2025"]),
    "watch_list": lambda s, v, w: dashboards.watch_list(s, v, w["HT2025"]),
    "watch_list_unattended": lambda s, v, w: dashboards.watch_list(
        s, v, w["HT2025"], unattended_since=DAY),
    "visit_pack": lambda s, v, w: followup.visit_pack(s, v, w["SB"], w["HT2025"], DAY),
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
