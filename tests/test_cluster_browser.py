"""Two app processes on one PostgreSQL behind nginx (`make serve-cluster`), with browsers pinned
to different processes: a meeting's saves reach the other process's browser within the live
panel's refresh, a conflicting save is still caught, every request of a browser (the app's
routes and downloads included) reaches its own process, and a login on one process ends when
the administrator disables the user through the other."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import tempfile
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text
from sqlalchemy.engine import make_url

from data_models.engine import make_engine, unit_of_work
from data_models.models import User
from lib.access import load_viewer
from lib.meetings import plan_meeting
from lib.ui.meeting import LIVE_SECONDS
from tests.browser import (
    chromium,
    click_then,
    download,
    log_in_for_new_tabs,
    needs_chromium,
    served_cluster,
    type_to_choose,
)
from tests.factories import PASSWORD, build_world

PG_URL = os.environ.get("AKTIV_TEST_PG_URL")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PIN_COOKIE, NODE_HEADER = "aktiv_node", "x-aktiv-node"

pytestmark = [
    pytest.mark.browser, needs_chromium,
    pytest.mark.skipif(not PG_URL, reason="the cluster runs on PostgreSQL: set "
                       "AKTIV_TEST_PG_URL (scripts/pg_test_server.sh prints one)"),
    pytest.mark.skipif(not os.path.exists(NGINX), reason="Debian's nginx is not installed "
                       "(make nginx)"),
    # One cluster for the module: its tests stay on one worker.
    pytest.mark.xdist_group("cluster"),
]
expect.set_options(timeout=20_000)  # two shared cores: a rerun may take seconds
# Another browser's save shows at the live panel's next refresh; on two shared cores that
# refresh may wait behind other runs for a few more.
LIVE_WAIT_MS = 4 * LIVE_SECONDS * 1000


@pytest.fixture(scope="module")
def cluster_db(pg_template):
    """A fresh database for this module, with the hand-made world in it."""
    name = f"t_cluster_{uuid.uuid4().hex[:10]}"
    admin = make_engine(make_url(PG_URL).set(database="postgres").render_as_string(
        hide_password=False)).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    with unit_of_work(engine, write=True) as session:
        world = build_world(session)
    yield url, engine, world
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def cluster_run():
    """nginx's configuration and logs, and each process's log. Right under /tmp: nginx's
    worker runs as another user when nginx is started as root, and pytest's own temporary
    directories are closed to other users."""
    with tempfile.TemporaryDirectory(prefix="aktiv-cluster-") as run_dir:
        yield Path(run_dir)


@pytest.fixture(scope="module")
def cluster(cluster_db, cluster_run, tmp_path_factory):
    url, _, _ = cluster_db
    env = {"DATABASE_URL": url, "AKTIV_COOKIE_KEY": secrets.token_urlsafe(48),
           "AKTIV_DEMO": "0", "AKTIV_LOGIN_SLEEP_SECONDS": "0", "AKTIV_BCRYPT_ROUNDS": "4",
           "AKTIV_DATA_DIR": str(tmp_path_factory.mktemp("cluster-data"))}
    with served_cluster(env, cluster_run, nodes=2) as address:
        yield address


@pytest.fixture(autouse=True)
def logs_on_failure(cluster_run):
    """The proxy's errors and each process's last lines, which pytest shows with a failed
    test's output: what a browser met between nginx and the processes is there."""
    yield
    for name in ("error.log", "node-1.log", "node-2.log"):
        path = cluster_run / name
        lines = path.read_text(errors="replace").splitlines()[-30:] if path.exists() else []
        print(f"--- {name}", *lines, sep="\n")


def node_of(url: str, pin: str | None) -> str:
    """The process nginx sends a browser with this pin to."""
    request = urllib.request.Request(f"{url}/_stcore/health")
    if pin is not None:
        request.add_header("Cookie", f"{PIN_COOKIE}={pin}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers[NODE_HEADER]


def pins(url: str) -> dict[str, str]:
    """A pin for each process: the first of "pin-0", "pin-1", … that nginx's hash sends
    there. The hash is deterministic, so the same cluster always gives the same pins."""
    found: dict[str, str] = {}
    for index in range(100):
        found.setdefault(node_of(url, f"pin-{index}"), f"pin-{index}")
        if len(found) == 2:
            return found
    raise AssertionError(f"100 pins reached only the processes {sorted(found)}")


def pinned_context(browser, url: str, pin: str, seen: list[str]):
    """A browser whose every response (`seen`: the process that gave it) is recorded. A
    request that fails or is answered with an error is printed, for a failed test's
    report."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.add_cookies([{"name": PIN_COOKIE, "value": pin, "url": url}])
    context.on("response", lambda response: seen.append(response.headers.get(NODE_HEADER)))
    context.on("response", lambda response: response.status >= 400 and print(
        f"pin {pin}: {response.status} {response.url} from {response.headers.get(NODE_HEADER)}"))
    context.on("requestfailed", lambda request: print(
        f"pin {pin}: {request.failure} {request.url}"))
    return context


def open_meeting(context, url: str, username: str, meeting_id: int, first: str):
    page = context.new_page()
    log_in_for_new_tabs(page, url, username, PASSWORD)
    meeting = context.new_page()  # a deep link in a new tab, carried by the login cookie
    meeting.goto(f"{url}/Moten?mote={meeting_id}")
    expect(meeting.get_by_role("heading", name=first)).to_be_visible(timeout=30_000)
    page.close()
    return meeting


def plan(engine, world, username: str, school: str, municipality: str) -> int:
    with unit_of_work(engine, write=True) as session:
        viewer = load_viewer(session, session.get(User, world[f"user:{username}"]))
        return plan_meeting(session, viewer, school_id=world[school],
                            term_id=world["HT2025"], municipality_id=world[municipality],
                            date=dt.date(2025, 10, 1))


def type_notes(page, words: str) -> None:
    """Type into the notes and commit them to the app, as leaving the field does."""
    box = page.get_by_role("textbox", name="Anteckningar")
    box.fill(words)
    box.press("Control+Enter")
    expect(page.get_by_text("Osparad text", exact=True)).to_be_visible()


def saved(page, words: str):
    """`words` in the live panel's record of what is saved for the student."""
    return (page.get_by_test_id("stExpander").filter(has_text="Sparat för eleven")
            .get_by_text(words, exact=True))


def test_pins_send_each_browser_to_one_process(cluster):
    by_node = pins(cluster)
    assert sorted(by_node) == ["1", "2"]
    for node, pin in by_node.items():
        assert {node_of(cluster, pin) for _ in range(5)} == {node}


def test_a_new_browser_gets_a_pin_that_keeps_it_on_its_process(cluster):
    with urllib.request.urlopen(f"{cluster}/_stcore/health", timeout=10) as response:
        node = response.headers[NODE_HEADER]
        cookies = response.headers.get_all("Set-Cookie")
    pin = next(c for c in cookies if c.startswith(f"{PIN_COOKIE}="))
    assert "SameSite=Lax" in pin and "HttpOnly" in pin
    assert node_of(cluster, pin.split(";")[0].split("=", 1)[1]) == node


def test_a_meeting_across_two_processes(cluster, cluster_db):
    _, engine, world = cluster_db
    meeting_id = plan(engine, world, "coach_a", "SB", "A")
    by_node = pins(cluster)
    coach_seen: list[str] = []
    rector_seen: list[str] = []
    with chromium() as browser:
        coach = open_meeting(pinned_context(browser, cluster, by_node["1"], coach_seen),
                             cluster, "coach_a", meeting_id, "Anna Testsson")
        rector = open_meeting(pinned_context(browser, cluster, by_node["2"], rector_seen),
                              cluster, "staff_sb", meeting_id, "Anna Testsson")
        # Presence is in the database: each process shows the other's user.
        for page in (coach, rector):
            expect(page.get_by_text("I mötet nu: Coach A, Staff Sb")).to_be_visible(
                timeout=LIVE_WAIT_MS)

        type_notes(rector, "Skolans text")  # typed on process 2, not yet saved
        type_notes(coach, "Coachens text")
        click_then(coach.get_by_role("button", name="Spara", exact=True),
                   saved(coach, "Coachens text"))
        expect(rector.get_by_text("Coach A har sparat en ändring")).to_be_visible(
            timeout=LIVE_WAIT_MS)
        expect(saved(rector, "Coachens text")).to_be_visible(timeout=LIVE_WAIT_MS)

        # The same field changed on both processes: refused on the second, both shown.
        click_then(rector.get_by_role("button", name="Spara", exact=True),
                   rector.get_by_text("Någon annan har sparat en ändring"))
        click_then(rector.get_by_role("button", name="Behåll min version"),
                   saved(rector, "Skolans text"))
        expect(coach.get_by_text(re.compile(
            "Staff Sb har sparat en ändring|Fälten visar nu ändringen som Staff Sb sparade"))
        ).to_be_visible(timeout=LIVE_WAIT_MS)
        expect(saved(coach, "Skolans text")).to_be_visible(timeout=LIVE_WAIT_MS)

        # A downloaded file is kept in the memory of the process that built it.
        excel = download(rector, rector.get_by_role("button", name="Protokoll (Excel)"))
        assert excel.failure() is None
        assert excel.suggested_filename.endswith(".xlsx")
    assert set(coach_seen) == {"1"} and set(rector_seen) == {"2"}


def test_disabling_a_user_through_one_process_ends_the_login_on_the_other(cluster,
                                                                          cluster_db):
    _, engine, world = cluster_db
    meeting_id = plan(engine, world, "coach_c", "SC", "C")
    by_node = pins(cluster)
    with chromium() as browser:
        coach = open_meeting(pinned_context(browser, cluster, by_node["1"], []), cluster,
                             "coach_c", meeting_id, "Dan Testsson")
        expect(coach.get_by_text("I mötet nu: Coach C")).to_be_visible(timeout=LIVE_WAIT_MS)

        admin = pinned_context(browser, cluster, by_node["2"], []).new_page()
        log_in_for_new_tabs(admin, cluster, "admin", PASSWORD)
        admin.goto(f"{cluster}/Administration")
        expect(admin.get_by_role("combobox", name="Användare")).to_be_visible(timeout=30_000)
        type_to_choose(admin, "Användare", "coach_c")  # the list opens below the fold
        # The only form to change a user is the one for the user chosen.
        active = admin.get_by_test_id("stCheckbox").filter(
            has=admin.get_by_text("Aktiv", exact=True))
        expect(active.get_by_role("checkbox")).to_be_checked()
        active.get_by_text("Aktiv", exact=True).click()
        expect(active.get_by_role("checkbox")).not_to_be_checked()
        click_then(admin.get_by_role("button", name="Spara ändringar"),
                   admin.get_by_text("Ändringarna är sparade."))

        # No click on the coach's page: its live panel checks the login on every refresh.
        expect(coach.get_by_text("Ditt konto är avstängt")).to_be_visible(
            timeout=LIVE_WAIT_MS)
        expect(coach.get_by_role("heading", name="Dan Testsson")).to_have_count(0)
