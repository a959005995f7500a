"""The app's own HTTP parts beside Streamlit's (served through `serve.py`):

- the login cookie is written by a request of the browser's own, which redeems a one-time
  ticket: the cookie is then HttpOnly (no script can read it), Secure over HTTPS, and written
  whatever the page does next (a rerun cannot cut it off, as it could a cookie written by a
  component);
- downloaded files (/media/…) are served only to a logged-in browser, once: the file is
  dropped from the server's memory as soon as it has been sent, so that its address leads
  nowhere afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import os
from functools import cache

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from data_models.engine import make_engine, unit_of_work
from lib import auth, i18n
from lib.clock import utcnow
from lib.i18n import N_
from lib.settings import Settings, cookie_key, load_settings

LOGIN_COOKIE_PATH = "/_aktiv/login-cookie"
LOGOUT_COOKIE_PATH = "/_aktiv/logout-cookie"
MEDIA_PREFIX = "/media/"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_LOGGER = logging.getLogger("aktiv.web")


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def _settings_and_key() -> tuple[Settings, str]:
    settings = load_settings()
    return settings, cookie_key(settings)


def _secure(request: Request, settings: Settings) -> bool:
    """Secure over HTTPS, also behind a proxy that says so (X-Forwarded-Proto)."""
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


def _redeem(ticket: str) -> tuple[Settings, auth.LoginCookie | None]:
    settings, key = _settings_and_key()
    with unit_of_work(_engine(settings.database_url), write=True) as session:
        return settings, auth.redeem_ticket(session, ticket, key, utcnow())


async def login_cookie(request: Request) -> Response:
    ticket = request.query_params.get("t", "")
    response = Response(status_code=204, headers=NO_STORE)
    if not ticket:
        return response
    settings, cookie = await run_in_threadpool(_redeem, ticket)
    if cookie is not None:
        response.set_cookie(settings.cookie_name, cookie.secret, max_age=cookie.max_age,
                            path="/", httponly=True, samesite="strict",
                            secure=_secure(request, settings))
    return response


async def logout_cookie(request: Request) -> Response:
    settings = load_settings()
    response = Response(status_code=204, headers=NO_STORE)
    response.delete_cookie(settings.cookie_name, path="/", httponly=True, samesite="strict",
                           secure=_secure(request, settings))
    return response


def routes() -> list[Route]:
    return [Route(LOGIN_COOKIE_PATH, login_cookie, methods=["GET"]),
            Route(LOGOUT_COOKIE_PATH, logout_cookie, methods=["GET"])]


def _login_of(secret: str | None) -> int | None:
    """The login a cookie belongs to, if it is still good."""
    if not secret:
        return None
    settings, key = _settings_and_key()
    with unit_of_work(_engine(settings.database_url)) as session:
        return auth.resume_login(session, secret, key, utcnow()).login_id


def _media_storage():
    """Streamlit's in-memory file store. Its `delete_file` is public; the manager keeps it
    in an attribute of its own, which is why this is looked up defensively."""
    from streamlit import runtime

    if not runtime.exists():
        return None
    return getattr(runtime.get_instance().media_file_mgr, "_storage", None)


def _is_download(storage, file_name: str) -> bool:
    from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError

    try:
        return storage.get_file(file_name).kind == MediaFileKind.DOWNLOADABLE
    except MediaFileStorageError:
        return False


class MediaGuard:
    """ASGI middleware in front of /media/: only a logged-in browser gets a file, and a
    downloaded file only the login that fetched it first, for a few seconds (a browser may
    ask twice for one download); then it is dropped from the server's memory."""

    def __init__(self, app) -> None:
        self.app = app
        self.handed_to: dict[str, int] = {}  # file id → the login that fetched it first

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(MEDIA_PREFIX):
            await self.app(scope, receive, send)
            return
        settings = load_settings()
        login_id = await run_in_threadpool(
            _login_of, Request(scope).cookies.get(settings.cookie_name))
        file_name = scope["path"][len(MEDIA_PREFIX):]
        file_id = os.path.splitext(file_name)[0]
        if login_id is None or self.handed_to.get(file_id, login_id) != login_id:
            # No script run here sets a language: the browser's says which.
            language = i18n.from_accept_language(Request(scope).headers.get("accept-language"))
            await Response(i18n.in_language(N_("Logga in för att hämta filen."), language),
                           status_code=403, headers=NO_STORE)(scope, receive, send)
            return
        storage = _media_storage()
        once = storage is not None and _is_download(storage, file_name)
        status: list[int] = []

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"cache-control", b"no-store")]}
            await send(message)

        await self.app(scope, receive, sending)
        if once and status == [200] and file_id not in self.handed_to:
            self.handed_to[file_id] = login_id
            asyncio.get_running_loop().call_later(settings.download_seconds, self._drop,
                                                  storage, file_id)

    def _drop(self, storage, file_id: str) -> None:
        storage.delete_file(file_id)
        self.handed_to.pop(file_id, None)
