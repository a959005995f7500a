"""Every page for every role, every page file run directly while logged out, and the
login, lockout, revocation and logout flows through the real login form."""

import re

import pytest

from data_models.models import LoginAttempt
from lib import admin, plain
from lib.audit import list_events
from tests.apptest import PAGE_FILES, login, open_app, open_page_directly, submit_login, texts

ROLES = ["admin", "coach_a", "staff_sb", "leader_north"]
DENIED = {("coach_a", "9_Administration.py"), ("staff_sb", "9_Administration.py"),
          ("leader_north", "9_Administration.py"), ("leader_north", "2_Skola.py"),
          ("leader_north", "3_Elev.py"), ("leader_north", "4_Bevakning.py"),
          ("leader_north", "5_Moten.py"), ("leader_north", "6_Atgarder.py"),
          ("leader_north", "7_Aterkoppling.py"), ("leader_north", "8_Besokspaket.py"),
          ("leader_north", "10_Import.py"), ("staff_sb", "10_Import.py"),
          ("coach_a", "11_Region.py"), ("staff_sb", "11_Region.py"),
          ("leader_north", "12_Overgangar.py"), ("leader_north", "13_Aktivitetsansvar.py"),
          ("staff_sb", "13_Aktivitetsansvar.py"), ("coach_a", "14_Dataskydd.py"),
          ("staff_sb", "14_Dataskydd.py"), ("leader_north", "14_Dataskydd.py")}
TITLES = {"1_Oversikt.py": "Översikt", "2_Skola.py": "Skola", "3_Elev.py": "Elev",
          "4_Bevakning.py": "Bevakning", "5_Moten.py": "Möten", "6_Atgarder.py": "Åtgärder",
          "7_Aterkoppling.py": "Återkoppling", "8_Besokspaket.py": "Besökspaket",
          "9_Administration.py": "Administration", "10_Import.py": "Import",
          "11_Region.py": "Regionala indikatorer", "12_Overgangar.py": "Övergångar",
          "13_Aktivitetsansvar.py": "Aktivitetsansvar", "14_Dataskydd.py": "Dataskydd",
          "15_Samverkan.py": "Samverkan", "16_Skolanknytning.py": "Skolanknytning",
          "17_Metodmoten.py": "Metodmöten"}


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_file_run_directly_while_logged_out_shows_only_the_login(app_env, world, page):
    at = open_page_directly(page).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Användarnamn", "Lösenord"]
    assert not at.dataframe and not at.metric
    assert "Testsson" not in texts(at) and "Skola S" not in texts(at)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_for_every_role(app_env, world, role, page):
    at = login(role, page=f"pages/{page}")
    assert not at.exception
    shown = texts(at)
    if (role, page) in DENIED:
        assert "Du har inte behörighet till den här sidan." in shown
        assert not at.dataframe and not at.metric
    else:
        assert "behörighet" not in shown
        assert at.title[0].value.startswith(TITLES[page])


FOLLOW_UP_PAGES = ["Översikt", "Skola", "Elev", "Bevakning", "Möten", "Åtgärder", "Återkoppling",
                   "Övergångar"]


@pytest.mark.parametrize(("role", "links"), [
    ("admin", [*FOLLOW_UP_PAGES, "Aktivitetsansvar", "Samverkan", "Skolanknytning",
               "Metodmöten", "Besökspaket", "Region", "Import", "Administration", "Dataskydd"]),
    ("coach_a", [*FOLLOW_UP_PAGES, "Aktivitetsansvar", "Samverkan", "Skolanknytning",
                 "Metodmöten", "Besökspaket", "Import"]),
    ("staff_sb", [*FOLLOW_UP_PAGES, "Samverkan", "Skolanknytning", "Metodmöten",
                  "Besökspaket"]),
    ("leader_north", ["Översikt", "Samverkan", "Skolanknytning", "Metodmöten", "Region"]),
])
def test_sidebar_and_start_page_offer_only_the_pages_the_role_may_open(app_env, world, role,
                                                                       links):
    at = login(role, page=None)
    assert at.title[0].value == "Aktiv uppföljning"
    assert [e.label for e in at.sidebar if type(e).__name__ == "PageLink"] == links
    assert [e.label for e in at.main if type(e).__name__ == "PageLink"] == links


def test_a_kaa_officer_has_the_kaa_page_and_no_student_pages(app_env, world, write):
    from data_models.codes import Role
    from data_models.models import User
    from lib.access import load_viewer

    with write() as session:
        admin_viewer = load_viewer(session, session.get(User, world["user:admin"]))
        admin.create_user(session, admin_viewer, username="kaa_a", display_name="Kim KAA",
                          role=Role.KAA_OFFICER, password="Lösenord-för-kaa-2026",
                          scope_ids=[world["A"]], bcrypt_rounds=4)
    at = login("kaa_a", password="Lösenord-för-kaa-2026", page=None)
    assert [e.label for e in at.main if type(e).__name__ == "PageLink"] == ["Aktivitetsansvar"]
    at.switch_page("pages/13_Aktivitetsansvar.py").run()
    assert not at.exception and at.title[0].value == "Aktivitetsansvar"
    assert "Inga ärenden." in texts(at)
    for page in ("pages/1_Oversikt.py", "pages/3_Elev.py", "pages/12_Overgangar.py"):
        at.switch_page(page).run()
        assert "Du har inte behörighet till den här sidan." in texts(at), page


def test_coach_overview_has_the_coachs_figures(app_env, world):
    at = login("coach_a")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Elever med frånvarodata": "3", "Frånvaro ≥ 15 %": "33,3 %",
                       "Frånvaro ≥ 20 %": "33,3 %"}
    flagged = at.dataframe[1].value
    assert list(flagged["Elev"]) == ["Anna Testsson"]
    assert list(flagged["Personnummer"]) == ["20080101-****"]


def test_school_staff_overview_is_their_school(app_env, world):
    at = login("staff_sb")
    assert {m.label: m.value for m in at.metric}["Elever med frånvarodata"] == "3"
    assert list(at.dataframe[0].value["Skola"]) == ["Skola SB"]


def test_project_leader_sees_aggregates_with_suppression(app_env, world):
    at = login("leader_north")
    table = at.dataframe[0].value
    assert set(table["Kommun"]) == {"Alfa", "Beta"}
    assert set(table["Andel ≥ 20 %"]) == {".."}
    assert "Testsson" not in texts(at)


def test_student_page_shows_masked_number_and_is_audited(app_env, world, read, viewer):
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = str(world["anna"])
    at.run()
    shown = texts(at)
    assert "Anna Testsson" in shown and plain.markdown("20080101-****") in shown
    assert "9803" not in shown
    with read() as session:
        log = list_events(session, viewer("admin"), student_id=world["anna"])
    assert list(log["action"]) == ["view_student"]


def test_student_page_refuses_out_of_scope_ids(app_env, world):
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = str(world["dan"])
    at.run()
    assert "behörighet" in at.error[0].value
    assert "Dan" not in texts(at)


def test_student_page_handles_a_bad_id(app_env, world):
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = "abc"
    at.run()
    assert not at.exception and at.error[0].value == "Ogiltig elev i adressen."


# --- Login flows ----------------------------------------------------------------------------

def test_wrong_password_is_refused(app_env, world):
    at = login("coach_a", password="fel-lösenord-123")
    assert "Fel användarnamn eller lösenord." in texts(at)
    assert not at.metric


def test_swedish_letters_in_a_password_log_in(app_env, world):
    at = login("coach_a")  # the test password contains å, ä and ö
    assert at.metric


def test_an_overlong_password_is_refused_without_a_traceback(app_env, world):
    at = login("coach_a", password="ö" * 50)
    assert not at.exception
    assert "Fel användarnamn eller lösenord." in texts(at)


def test_lockout_after_repeated_failures_refuses_even_the_right_password(app_env, world, read):
    at = open_app().run()
    for _ in range(5):
        submit_login(at, "coach_a", "fel-lösenord-123")
    assert "tillfälligt spärrad" in texts(at)
    submit_login(at, "coach_a")  # the right password, while locked
    assert "tillfälligt spärrad" in texts(at) and not at.metric
    with read() as session:
        attempt = session.get(LoginAttempt, "coach_a")
    assert attempt.failed_attempts == 5 and attempt.locked_until is not None


def test_an_unknown_username_gets_the_same_words_and_lock(app_env, world):
    known, unknown = open_app().run(), open_app().run()
    for _ in range(5):
        submit_login(known, "coach_a", "fel-lösenord-123")
        submit_login(unknown, "ingen.alls", "fel-lösenord-123")
    assert "tillfälligt spärrad" in _errors(known)
    assert _errors(known) == _errors(unknown)


def _errors(at) -> str:
    """The error messages, with the seconds left of a lock left out."""
    return re.sub(r"\d+ s\b", "… s", " ".join(e.value for e in at.error))


def test_password_change_ends_an_open_session(app_env, world, write, viewer):
    at = login("coach_a")
    assert at.metric
    with write() as session:
        admin.reset_password(session, viewer("admin"), world["user:coach_a"],
                             "Ett-helt-nytt-lösenord", bcrypt_rounds=4)
    at.run()
    assert "Din inloggning har avslutats" in texts(at)
    assert not at.metric and not at.dataframe
    at.run()  # deleting the cookie reruns the page; the reason must still be there
    assert "Din inloggning har avslutats" in texts(at) and at.text_input


def test_disabling_a_user_ends_an_open_session(app_env, world, write, viewer):
    at = login("coach_a")
    with write() as session:
        admin.update_user(session, viewer("admin"), world["user:coach_a"], role=admin.Role.COACH,
                          scope_ids=[world["A"]], active=False, display_name="Coach A")
    at.run()
    assert "avstängt" in texts(at) and not at.metric


def test_logout_clears_the_session_state(app_env, world):
    at = login("coach_a")
    at.session_state["something_private"] = "x"
    next(b for b in at.sidebar.button if b.label == "Logga ut").click()
    at.run()
    assert "something_private" not in at.session_state
    for key in ("authentication_status", "username", "aktiv_login"):
        assert key not in at.session_state or not at.session_state[key]
    assert [t.label for t in at.text_input] == ["Användarnamn", "Lösenord"]
    assert "Du är utloggad." in texts(at)


def test_no_key_outside_demo_mode_refuses_to_start(app_env, world, monkeypatch):
    monkeypatch.delenv("AKTIV_COOKIE_KEY")
    at = open_app().run()
    assert "Ingen nyckel" in at.error[0].value
    assert not at.text_input


def test_a_default_key_refuses_to_start(app_env, world, monkeypatch):
    monkeypatch.setenv("AKTIV_COOKIE_KEY", "some_signature_key")
    at = open_app().run()
    assert "standardvärde" in at.error[0].value and not at.text_input


def test_the_login_screen_draws_no_cookie_component(app_env, world):
    """The library's cookie component would rerun the login screen as it loads, and a click
    on "Logga in" during that rerun could be lost; the app's cookie needs no component."""
    at = open_app().run()
    assert [t.label for t in at.text_input] == ["Användarnamn", "Lösenord"]
    assert not at.get("component_instance") and not at.get("unknown")
