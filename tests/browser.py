"""Serve the app with `streamlit run` on a free local port and drive it with Playwright in
Debian's Chromium (no browser downloads)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

LOCALE = "sv-SE"

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                    reason="Debian's chromium is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _production(environ) -> dict[str, str]:
    """The environment without the test suite's own Streamlit settings."""
    return {k: v for k, v in environ.items() if not k.startswith("STREAMLIT_")}


@contextmanager
def served_app(env: dict[str, str], args: Sequence[str] = (),
               port: int | None = None) -> Iterator[str]:
    """The app's address; `args` are further `streamlit run` options."""
    port = port or free_port()
    # The server's output goes to a file: a pipe nobody reads stops the server once it fills.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
             f"--server.port={port}", "--server.address=127.0.0.1", "--server.headless=true",
             "--browser.gatherUsageStats=false", *args],
            cwd=ROOT, env={**_production(os.environ), **env}, stdout=log,
            stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(process, log, url)
            yield url
        except BaseException:
            # A failing test shows what the server said (pytest prints a failing test's
            # output): a build that raised, a refused request, a stalled run.
            print(_tail(log), file=sys.stderr)
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _tail(log, lines: int = 60) -> str:
    log.seek(0)
    output = log.read().decode(errors="replace").splitlines()
    return "\n".join(["--- the served app's last lines ---", *output[-lines:]])


def _wait_for_health(process: subprocess.Popen, log, url: str, seconds: float = 60) -> None:
    """Until the server at `url` answers its health check; its output if it stops first."""
    deadline = time.monotonic() + seconds
    while not _answers(f"{url}/_stcore/health"):
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            output = log.read().decode(errors="replace")
            raise RuntimeError(f"{url} did not start:\n{output}")
        time.sleep(0.3)


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # The people who use the app have Swedish browsers (Accept-Language: sv-SE), and the
        # login screen follows the browser; Chromium's own default is en-US. A test that
        # needs another language says so (new_context(locale=...)).
        new_context, new_page = browser.new_context, browser.new_page
        browser.new_context = lambda **options: new_context(**{"locale": LOCALE, **options})
        browser.new_page = lambda **options: new_page(**{"locale": LOCALE, **options})
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, url: str, username: str, password: str) -> None:
    """Fill in and send the login form once the app has drawn it."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_label("Användarnamn")).to_be_editable(timeout=30_000)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def wait_for_login_cookie(context, name: str = "aktiv_uppfoljning_auth",
                          timeout: float = 30.0) -> None:
    """The login cookie is written by the browser's own request for it, just after the
    page shows the user logged in; a person opens a new tab seconds later, a test at once."""
    deadline = time.monotonic() + timeout
    while not any(cookie["name"] == name for cookie in context.cookies()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the login cookie {name!r} was not set")
        time.sleep(0.2)


def log_in_for_new_tabs(page, url: str, username: str, password: str,
                        welcome: str = "Välkommen") -> None:
    """Log in, and wait until the browser holds the login cookie that new tabs need."""
    from playwright.sync_api import expect

    log_in(page, url, username, password)
    expect(page.get_by_text(welcome).first).to_be_visible(timeout=30_000)
    wait_for_login_cookie(page.context)


def settled(page) -> None:
    """Wait until the app has finished its run, so that what is seen is what it drew. A
    select box clicked while the page still runs is drawn anew and its list closes."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
           ).to_be_attached(timeout=30_000)


def at_rest(page, quiet_ms: int = 1_000) -> None:
    """Wait until the app has not run for `quiet_ms`: a page just opened may run once more
    (the login cookie's run), and a download button clicked in that run points to a file of
    the run before, which the server has dropped."""
    page.wait_for_function(
        """(quiet) => new Promise((resolve) => {
            let since = performance.now();
            const look = () => {
                const app = document.querySelector('[data-testid="stApp"]');
                if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') {
                    since = performance.now();
                }
                if (performance.now() - since >= quiet) resolve(true);
                else requestAnimationFrame(look);
            };
            look();
        })""", arg=quiet_ms, timeout=30_000)


def saved(page, notice: str, timeout: float = 30_000) -> None:
    """Wait for the notice a save shows and for the app's run to end. On a loaded machine a
    save is two runs of a long page (the save, then the page drawn anew); when the notice
    does not come, the failure says whether the app was still running or had drawn the
    page without it."""
    from playwright.sync_api import expect

    try:
        expect(page.get_by_text(notice, exact=True)).to_be_visible(timeout=timeout)
    except AssertionError as error:
        state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
        said = page.locator('[data-testid="stAlert"]').all_inner_texts()
        raise AssertionError(f"{notice!r} was not shown; the app's run: {state}; the page's "
                             f"messages: {said}") from error
    settled(page)


# Resolves once the page has come to rest: every element drawn (none waiting for its code,
# every chart drawn) and no scroll in three frames in a row. Scroll events reach the page
# in the frame after the scroll, and a chart drawn late moves what is below it.
_AT_REST = """() => new Promise((done, fail) => {
  let quiet = 0;
  const moved = () => { quiet = 0; };
  document.addEventListener("scroll", moved, true);
  const end = (outcome) => { document.removeEventListener("scroll", moved, true); outcome(); };
  const deadline = performance.now() + 30000;
  const drawn = () => !document.querySelector('[data-testid="stSkeleton"]') &&
    [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
      .every((chart) => chart.querySelector(".main-svg"));
  const frame = () => {
    if (performance.now() > deadline) return end(() => fail(new Error("never at rest")));
    quiet = drawn() ? quiet + 1 : 0;
    if (quiet >= 3) return end(done);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})"""


def open_list(chooser) -> None:
    """Open a select box's list with one click, as a person does who has scrolled to the
    field: with the field near the top of the window and the page at rest.

    Streamlit 1.67's select box (React Aria's combobox) closes its list when the page
    scrolls, and the list scrolls the page to show its first option when that is out of
    sight: a field low in the window could open and close at once (lib.ui.guard leaves
    room below the last element, so that every field can be brought up). A scroll that
    reaches the page after the click does the same: Playwright's own bringing into view,
    seen arriving after its click on a loaded machine."""
    from playwright.sync_api import expect

    settled(chooser.page)
    chooser.evaluate("field => field.scrollIntoView({block: 'start'})")
    chooser.page.evaluate(_AT_REST)
    chooser.click()
    expect(chooser.page.get_by_role("listbox")).to_be_visible()


# The app_env fixture's settings that a served app needs.
SERVED_ENV_KEYS = ("DATABASE_URL", "AKTIV_COOKIE_KEY", "AKTIV_DATA_DIR",
                   "AKTIV_LOGIN_SLEEP_SECONDS", "AKTIV_BCRYPT_ROUNDS")


def served_env() -> dict[str, str]:
    """The test's database and settings (the app_env fixture) for `served_app`."""
    return {key: os.environ[key] for key in SERVED_ENV_KEYS}


def open_page(browser, url: str, username: str, path: str, heading: str):
    """Log in in a new browser, open `path` by a deep link (carried by the login cookie)
    and wait until the page, with `heading`, is drawn and its run is over."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    log_in_for_new_tabs(page, url, username, PASSWORD)
    page.goto(f"{url}/{path}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(
        timeout=30_000)
    settled(page)
    return page


def date_field(scope, label: str, nth: int = 0):
    """A date input in `scope` (a page, or a locator such as one form): a group of year,
    month and day segments; `nth` where the label is used more than once."""
    return scope.get_by_role("group", name=label, exact=True).nth(nth)


def type_date(scope, label: str, day, nth: int = 0) -> None:
    """Type a date as a person does: into the year segment, which moves on by itself."""
    from playwright.sync_api import expect

    keyboard = scope.keyboard if hasattr(scope, "keyboard") else scope.page.keyboard
    scope.get_by_role("spinbutton", name=f"year, {label}", exact=True).nth(nth).click()
    keyboard.type(day.strftime("%Y%m%d"))
    expect(date_field(scope, label, nth)).to_have_text(day.isoformat())


def type_to_choose(page, label: str, typed: str) -> None:
    """Pick from a select box by typing into it and pressing Enter, as people do in a long
    list (whose options may open below the fold, out of a click's reach)."""
    from playwright.sync_api import expect

    chooser = page.get_by_role("combobox", name=label)
    open_list(chooser)
    chooser.fill(typed)
    # Enter takes the option the list highlights: wait, as a person does, until the list
    # shows what was typed. An Enter before the list has caught up chose nothing (seen on a
    # loaded machine: the administration form never opened).
    expect(page.get_by_role("option").filter(has_text=typed).first).to_be_visible()
    page.keyboard.press("Enter")


def download(page, button, timeout: int = 30_000):
    """Click a download button once, on a page that has finished its run as a person sees
    it, and return the download; when none comes, say what the page shows under the
    button (Streamlit's own message when building the file failed) and whether the app
    was running."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    at_rest(page)
    try:
        with page.expect_download(timeout=timeout) as event:
            button.click()
    except PlaywrightTimeout as error:
        said = page.locator('[data-testid="stDownloadButtonError"], [data-testid="stAlert"]')
        state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
        raise AssertionError(f"no download within {timeout} ms; the page says: "
                             f"{said.all_inner_texts()}; the app's run: {state}") from error
    return event.value


def click_then(locator, expected, timeout: int = 20_000) -> None:
    """Click once when the element is there, and wait for what the click brings."""
    from playwright.sync_api import expect

    expect(locator).to_be_visible(timeout=30_000)
    locator.click()
    expect(expected).to_be_visible(timeout=timeout)


@contextmanager
def served_cluster(env: dict[str, str], run_dir: Path, nodes: int = 2) -> Iterator[str]:
    """`make serve-cluster` on free local ports (deploy/serve-cluster.sh): `nodes` app
    processes behind nginx, with nginx's configuration and every log in `run_dir`. Yields
    nginx's address once it answers; the script starts nginx only after every process
    does."""
    ports: set[int] = set()
    while len(ports) < nodes + 1:
        ports.add(free_port())
    listen, *node_ports = sorted(ports)
    url = f"http://127.0.0.1:{listen}"
    # The output goes to a file, not to a pipe nobody reads (see served_app).
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(ROOT / "deploy" / "serve-cluster.sh")], cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT,
            env={**_production(os.environ), **env, "PY": sys.executable,
                 "AKTIV_CLUSTER_LISTEN": f"127.0.0.1:{listen}",
                 "AKTIV_CLUSTER_NODE_PORTS": " ".join(map(str, node_ports)),
                 "AKTIV_CLUSTER_DIR": str(run_dir)})
        try:
            _wait_for_health(process, log, url, seconds=120)
            yield url
        finally:
            process.terminate()  # the script stops nginx and the app processes it started
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def open_tab(page, name: str) -> None:
    """Open a tab of the page (a run: the server draws only the open tab) and wait for it."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name=name).click()
    expect(page.get_by_role("tab", name=name, selected=True)).to_be_visible()
    settled(page)


def open_expander(page, label: str) -> None:
    """Open an expander that the server keeps open: the click opens it in the browser at
    once and asks the server for a run, which may begin only after the click has returned;
    a list opened during that run would close again, so wait until the app has rested."""
    page.get_by_text(label, exact=True).click()
    at_rest(page)


def form_of(page, button: str):
    """The form that holds the button (a page has several forms with the same labels)."""
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=button))


def table_rows(table) -> list[dict[str, str]]:
    """The rows of a shown table (st.dataframe) as its screen reader table holds them:
    heading → cell text. The grid draws only the rows in sight; read short tables."""
    from playwright.sync_api import expect

    expect(table.locator("table tbody tr").first).to_be_attached()
    return table.evaluate("""frame => {
        const table = frame.querySelector("table");
        const heads = [...table.querySelectorAll("thead th")].map(h => h.innerText.trim());
        return [...table.querySelectorAll("tbody tr")].map(row => Object.fromEntries(
            [...row.querySelectorAll("td")].map((cell, i) => [heads[i], cell.innerText.trim()])));
    }""")


def expect_rows(table, columns: tuple[str, ...], expected: list[tuple], timeout: float = 20.0
                ) -> None:
    """Wait until the shown table's rows, in these columns, are `expected` (a table is drawn
    anew when its run ends); a column not shown reads as None."""
    deadline = time.monotonic() + timeout
    while True:
        seen = [tuple(row.get(column) for column in columns) for row in table_rows(table)]
        if seen == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the table shows {seen}, not {expected}")
        time.sleep(0.2)
