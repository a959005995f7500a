"""Serve the app with `streamlit run` on a free local port and drive it with Playwright in
Debian's Chromium (no browser downloads)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                    reason="Debian's chromium is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served_app(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         f"--server.port={port}", "--server.address=127.0.0.1", "--server.headless=true",
         "--browser.gatherUsageStats=false"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                raise RuntimeError(f"streamlit did not start:\n{output}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
    """The login cookie is written by a component a moment after the page shows the user
    logged in. A new tab opened before then would rightly ask for the login again."""
    deadline = time.monotonic() + timeout
    while not any(cookie["name"] == name for cookie in context.cookies()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the login cookie {name!r} was not set")
        time.sleep(0.2)


def log_in_for_new_tabs(page, url: str, username: str, password: str,
                        welcome: str = "Välkommen", attempts: int = 2) -> None:
    """Log in and wait for the login cookie, so that new tabs of the context are logged in
    too. streamlit-authenticator writes the cookie once, from the login run, through a
    component; on a loaded machine that write was seen lost (once in about 15 runs). A
    person would then be asked to log in again in the new tab; this logs in again first."""
    from playwright.sync_api import expect

    for attempt in range(attempts):
        log_in(page, url, username, password)
        expect(page.get_by_text(welcome).first).to_be_visible(timeout=30_000)
        try:
            wait_for_login_cookie(page.context, timeout=15.0)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


def click_until(locator, expected, attempts: int = 3, timeout: int = 10_000) -> None:
    """Click and wait for `expected`; click again if the click fell into a rerun (the page
    redraws right after login, when the cookie component reports back)."""
    from playwright.sync_api import expect

    for attempt in range(attempts):
        try:
            expect(locator).to_be_visible(timeout=30_000)  # names what the page shows instead
            locator.click()
            expect(expected).to_be_visible(timeout=timeout)
            return
        except AssertionError:
            if expected.is_visible():  # it came, only later than the wait
                return
            if attempt == attempts - 1:
                raise

