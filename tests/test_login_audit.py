"""A login is one event in the audit log, however many pages and reruns follow it; a
failed one is one event too."""

from sqlalchemy import select

from data_models.models import AuditEvent


def _actions(read, username: str) -> list[str]:
    with read() as session:
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.username == username, AuditEvent.action.like("log%"))
            .order_by(AuditEvent.id)))


def test_each_login_is_logged_once(app_env, read, world):
    from tests.apptest import login, open_app, submit_login

    at = login("coach_a")
    at.run()
    at.switch_page("pages/4_Bevakning.py").run()
    at.switch_page("pages/2_Skola.py").run()
    assert _actions(read, "coach_a") == ["login"]
    again = open_app().run()  # another browser session, another login
    submit_login(again, "coach_a")
    assert _actions(read, "coach_a") == ["login", "login"]


def test_a_wrong_password_is_logged_once(app_env, read, world):
    from tests.apptest import open_app, submit_login

    at = open_app().run()
    submit_login(at, "coach_a", "fel lösenord")
    at.run()
    assert _actions(read, "coach_a") == ["login_failed"]
