import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from data_models.models import AuditEvent, Role, User
from lib import admin
from lib.audit import list_events
from lib.auth import PasswordPolicyError
from tests.apptest import login, texts, widget


def _count(read, model):
    with read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_create_user_with_scope_and_audit(write, read, world, viewer):
    with write() as session:
        user_id = admin.create_user(session, viewer("admin"), username=" Ny.Coach ",
                                    display_name="Ny Coach", role=Role.COACH,
                                    password="Ett-bra-lösenord-åäö", scope_ids=[world["B"]],
                                    bcrypt_rounds=4)
    with read() as session:
        rows = {u.username: u for u in admin.list_users(session, viewer("admin"))}
        log = list_events(session, viewer("admin"), username="admin")
    assert rows["ny.coach"].scope_ids == (world["B"],) and rows["ny.coach"].id == user_id
    assert log.iloc[0]["action"] == "create"
    assert json.loads(log.iloc[0]["changed_after"])["role"] == "coach"


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"username": "x"}, admin.AdminError),
    ({"username": "coach_a"}, admin.AdminError),  # taken
    ({"password": "kort"}, PasswordPolicyError),
    ({"scope_ids": []}, admin.AdminError),  # a coach needs a municipality
    ({"display_name": "  "}, admin.AdminError),
])
def test_bad_user_input_saves_nothing(write, read, world, viewer, kwargs, error):
    before = _count(read, User), _count(read, AuditEvent)
    values = {"username": "ny.coach", "display_name": "Ny", "role": Role.COACH,
              "password": "Ett-bra-lösenord-1", "scope_ids": [world["A"]], "bcrypt_rounds": 4}
    with pytest.raises(error), write() as session:
        admin.create_user(session, viewer("admin"), **{**values, **kwargs})
    assert (_count(read, User), _count(read, AuditEvent)) == before


def test_update_logs_before_and_after(write, read, world, viewer):
    with write() as session:
        admin.update_user(session, viewer("admin"), world["user:coach_a"], role=Role.COACH,
                          scope_ids=[world["A"], world["B"]], active=True,
                          display_name="Coach A")
    with read() as session:
        row = list_events(session, viewer("admin"), username="admin").iloc[0]
    assert row["action"] == "update"
    assert json.loads(row["changed_before"])["scopes"] == [world["A"]]
    assert json.loads(row["changed_after"])["scopes"] == [world["A"], world["B"]]


def test_an_admin_cannot_disable_themself(write, world, viewer):
    with pytest.raises(admin.AdminError, match="eget konto"), write() as session:
        admin.update_user(session, viewer("admin"), world["user:admin"], role=Role.ADMIN,
                          scope_ids=[], active=False, display_name="Admin")


def test_organisation_is_validated(write, world, viewer):
    with write() as session:
        region = admin.create_region(session, viewer("admin"), "Region Väst")
        municipality = admin.create_municipality(session, viewer("admin"), "1480", "Göteborg",
                                                 region)
        admin.create_school(session, viewer("admin"), "12345678", "Skola G", municipality)
    for call, message in [
        (lambda s: admin.create_municipality(s, viewer("admin"), "14", "X", region), "fyra"),
        (lambda s: admin.create_municipality(s, viewer("admin"), "1480", "X", region), "redan"),
        (lambda s: admin.create_school(s, viewer("admin"), "1234", "X", municipality), "åtta"),
        (lambda s: admin.create_region(s, viewer("admin"), "Region Väst"), "redan"),
    ]:
        with pytest.raises(admin.AdminError, match=message), write() as session:
            call(session)


def test_terms_are_validated(write, world, viewer):
    with write() as session:
        admin.create_term(session, viewer("admin"), "VT", 2026, dt.date(2026, 1, 8),
                          dt.date(2026, 6, 12))
    for args, message in [
        (("HT", 2026, dt.date(2026, 12, 1), dt.date(2026, 8, 1)), "före"),
        (("HT", 2026, dt.date(2026, 3, 1), dt.date(2026, 12, 1)), "passar inte"),
        (("VT", 2026, dt.date(2026, 1, 8), dt.date(2026, 6, 12)), "finns redan"),
        (("HT", 2024, dt.date(2024, 8, 1), dt.date(2025, 1, 10)), "överlappar terminen VT2025"),
    ]:
        with pytest.raises(admin.AdminError, match=message), write() as session:
            admin.create_term(session, viewer("admin"), *args)


def test_admin_page_creates_a_user(app_env, world, read):
    at = login("admin", page="pages/9_Administration.py")
    widget(at.selectbox, "Roll").set_value(Role.SCHOOL_STAFF).run()
    widget(at.text_input, "Användarnamn").input("ny.kurator")
    widget(at.text_input, "Namn").input("Ny Kurator")
    widget(at.multiselect, "Skolor").select(world["SA"])
    widget(at.text_input, "Lösenord (minst 12 tecken)").input("Kurator-lösenord-1")
    widget(at.button, "Skapa användare").click().run()
    assert not at.exception
    assert "Användaren ny.kurator är skapad." in texts(at)
    with read() as session:
        assert session.scalar(select(User.role).where(User.username == "ny.kurator")) == \
            "school_staff"


def test_the_users_table_names_the_identity_provider_only_when_one_is_used(app_env, world,
                                                                          write):
    at = login("admin", page="pages/9_Administration.py")
    users = at.dataframe[0].value
    assert "Användarnamn" in users.columns and "Inloggningstjänst" not in users.columns
    with write() as session:
        user = session.get(User, world["user:coach_a"])
        user.sso_issuer, user.sso_subject = "https://idp.example", "subject-1"
    users = login("admin", page="pages/9_Administration.py").dataframe[0].value
    assert users.set_index("Användarnamn")["Inloggningstjänst"].to_dict()["coach_a"]


def test_admin_page_shows_a_swedish_error_and_saves_nothing(app_env, world, read):
    before = _count(read, User)
    at = login("admin", page="pages/9_Administration.py")
    widget(at.text_input, "Användarnamn").input("ny.person")
    widget(at.text_input, "Namn").input("Ny Person")
    widget(at.text_input, "Lösenord (minst 12 tecken)").input("kort")
    widget(at.button, "Skapa användare").click().run()
    assert "Lösenordet måste ha minst 12 tecken." in texts(at)
    assert _count(read, User) == before


def test_admin_page_audit_log_filters_by_user(app_env, world):
    at = login("admin", page="pages/9_Administration.py")
    widget(at.text_input, "Användare").input("admin").run()
    log = at.dataframe[-1].value
    assert set(log["Användare"]) == {"admin"} and "Inloggning" in set(log["Händelse"])


def test_thresholds_are_validated_and_audited(write, read, world, viewer):
    with pytest.raises(admin.AdminError, match="lägre än nivån"), write() as session:
        admin.set_thresholds(session, viewer("admin"), world["A"], 0.25, 0.20)
    with write() as session:
        admin.set_thresholds(session, viewer("admin"), world["A"], 0.10, 0.30)
    with read() as session:
        levels = admin.list_thresholds(session, viewer("admin")).set_index("municipality")
        row = list_events(session, viewer("admin"), username="admin").iloc[0]
    assert (levels.loc["Alfa", "watch_level"], levels.loc["Alfa", "high_level"]) == (0.10, 0.30)
    assert json.loads(row["changed_before"])["watch"] == 0.15
    assert json.loads(row["changed_after"])["high"] == 0.3


def test_admin_page_sets_thresholds_that_the_watch_list_follows(app_env, world):
    at = login("admin", page="pages/9_Administration.py")
    at.selectbox(key="levels_municipality").set_value(world["B"]).run()
    widget(at.number_input, "Bevaka från (%)").set_value(10)
    widget(at.number_input, "Hög frånvaro från (%)").set_value(15)
    widget(at.button, "Spara nivåer").click().run()
    assert "Nivåerna är sparade." in texts(at)
    at.switch_page("pages/4_Bevakning.py").run()
    at.radio[0].set_value("high").run()
    # Bo (Beta, 16 %) is now over Beta's high level of 15 %.
    assert "Bo Testsson" in set(at.dataframe[0].value["Elev"])


def _machine_only(frame) -> None:
    from lib import columns

    assert all(c in columns.COLUMNS or c in columns.HIDDEN for c in frame.columns), \
        list(frame.columns)
    for name in frame.columns:
        codes = columns.COLUMNS[name].codes if name in columns.COLUMNS else None
        if codes is not None:
            assert set(frame[name]) <= {member.value for member in codes}, name


def test_users_levels_and_log_are_machine_columns_with_codes(write, read, world, viewer):
    with write() as session:
        admin.set_thresholds(session, viewer("admin"), world["A"], 0.10, 0.30)
    with read() as session:
        users = admin.users_table(admin.list_users(session, viewer("admin")))
        levels = admin.list_thresholds(session, viewer("admin"))
        log = list_events(session, viewer("admin"))
    for frame in (users, levels, log):
        _machine_only(frame)
    assert users.set_index("username").loc["coach_a", "role"] == Role.COACH
    assert log.iloc[0]["action"] == "update" and log.iloc[0]["entity"] == "municipality"
    assert log.iloc[0]["entity_id"] == world["A"] and log.iloc[0]["event_student_id"] is None


def test_admin_page_audit_log_reads_in_swedish(write, app_env, world, viewer):
    with write() as session:
        admin.set_thresholds(session, viewer("admin"), world["A"], 0.10, 0.30)
    at = login("admin", page="pages/9_Administration.py")
    widget(at.text_input, "Användare").input("admin").run()
    log = at.dataframe[-1].value
    assert list(log.columns) == ["Tid", "Användare", "Händelse", "Objekt", "Objekt-id",
                                 "Elev-id", "Före", "Efter", "Notering"]
    changed = log[log["Händelse"] == "Ändrade"].iloc[0]
    assert changed["Objekt"] == "Kommun" and changed["Objekt-id"] == str(world["A"])
    assert changed["Före"] == "Bevaka=0.15, Hög=0.2" and changed["Efter"] == "Bevaka=0.1, Hög=0.3"
    assert len(changed["Tid"]) == len("2026-03-01 23:15:00")  # with seconds
    users = at.dataframe[0].value
    assert list(users.columns) == ["Användarnamn", "Namn", "Titel", "E-post", "Roll", "Aktiv",
                                   "Omfattning"]
    assert "Ungdomscoach" in set(users["Roll"])
