"""A real OpenID Connect provider for the single sign-on tests: `tests/oidc/provider.mjs`
(the npm package oidc-provider, installed by `make test` with `npm ci`), started on a free
loopback port, and the app's secrets file that points Streamlit's `st.login` at it."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import free_port

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "aktiv-uppfoljning"

needs_provider = pytest.mark.skipif(
    shutil.which("node") is None or not (HERE / "node_modules" / "oidc-provider").is_dir(),
    reason="Node.js and tests/oidc/node_modules (make oidc) are needed for the provider")


@dataclass(frozen=True)
class Provider:
    issuer: str
    app_port: int  # the port the app must be served on: the provider knows its address
    secrets_file: Path


@contextmanager
def identity_provider() -> Iterator[Provider]:
    port, app_port = free_port(), free_port()
    client_secret = secrets.token_urlsafe(24)
    redirect = f"http://127.0.0.1:{app_port}/oauth2callback"
    issuer = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs")], cwd=HERE, stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OIDC_PORT": str(port), "OIDC_CLIENT_ID": CLIENT_ID,
                 "OIDC_CLIENT_SECRET": client_secret, "OIDC_REDIRECT_URI": redirect})
        secrets_file = Path(folder) / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "{redirect}"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{client_secret}"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
            # Each sign-in asks for the login: the tests sign in as several people.
            'client_kwargs = { prompt = "login" }\n')
        try:
            _wait_until_ready(process, log)
            yield Provider(issuer, app_port, secrets_file)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_ready(process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while True:
        log.seek(0)
        output = log.read().decode(errors="replace")
        if "ready " in output:
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the identity provider did not start:\n{output}")
        time.sleep(0.1)


def sign_in_at_provider(page, login: str) -> None:
    """The provider's development screens: any login name and password, then consent."""
    from playwright.sync_api import expect

    expect(page.locator("input[name=login]")).to_be_editable(timeout=30_000)
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("valfritt")
    page.get_by_role("button", name="Sign-in").click()
    consent = page.get_by_role("button", name="Continue")
    expect(consent).to_be_visible(timeout=30_000)
    consent.click()
