"""One browser tab, spoken over Streamlit's own WebSocket protocol (`streamlit.proto`).

What a tab does here is what the browser's frontend does (read from Streamlit 1.67's bundle):

- before the WebSocket, an HTTP request that gives it the `_streamlit_xsrf` cookie; the
  cookie's value is the second entry of the WebSocket subprotocols, and the browser's
  cookies (the app's login cookie among them) go with the handshake;
- the session's first `rerun_script` carries the address's path (`page_name`) and query
  string; later reruns carry the current page's script hash and the query string the server
  last set (`page_info_changed`); a page change carries the link's script hash and query
  string and no widget values;
- widget values go as `WidgetStates`, with the widget ids read from the `ForwardMsg` deltas:
  every widget the last run drew is sent with the value the tab shows (what the server set,
  else the default, else what the user chose), a button as a one-time trigger;
- large elements are cached by hash and reported in `cached_message_hashes`, and a
  `ref_hash` message is resolved from that cache, as the browser does;
- a fragment that asks for `auto_rerun` is rerun on that interval until the page changes
  or the server stops it (the meeting's live panel);
- an `<img>` in an `st.html` element is fetched (the app's login-cookie request);
- a rerun is done when `script_finished` arrives for a whole run (a run that ended early for
  a rerun is followed by the next one).

Not simulated: rendering, the browser's static files and fonts, Arrow dataframes'
selection state (widgets of that kind are not sent), reconnection, heartbeats.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
ACCEPT_LANGUAGE = "sv-SE,sv;q=0.9"
TIMEZONE = "Europe/Stockholm"
RUN_TIMEOUT = 60.0  # s: a run that takes longer is reported as an error
_IMG_SRC = re.compile(r'<img[^>]*\ssrc="([^"]+)"')
_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}
_TEXT_ELEMENTS = ("markdown", "heading", "text", "alert", "exception", "metric")


class ProtocolError(Exception):
    """The server did not answer as a browser expects (closed, timed out, no such widget)."""


@dataclass
class Widget:
    id: str
    kind: str
    label: str
    proto: object
    form_id: str = ""


@dataclass
class Run:
    """What one user action brought: the elements of its last whole run."""

    widgets: list[Widget] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    alerts: list[tuple[int, str]] = field(default_factory=list)  # (Alert.Format, body)
    exceptions: list[str] = field(default_factory=list)
    page_links: dict[str, tuple[str, str]] = field(default_factory=dict)  # label → hash, qs
    images: list[str] = field(default_factory=list)
    script_runs: int = 0  # whole runs, the ones that ended early for a rerun included

    def errors(self) -> list[str]:
        shown = [body for kind, body in self.alerts if kind == Alert.ERROR]
        return shown + self.exceptions

    def has_text(self, text: str) -> bool:
        return any(text in t for t in self.texts)


class Browser:
    """A person's browser: a cookie jar shared by its tabs."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> int:
        request = urllib.request.Request(self.base_url + path,
                                         headers={"Accept-Language": ACCEPT_LANGUAGE})
        with self._opener.open(request, timeout=RUN_TIMEOUT) as response:
            response.read()
            return response.status

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class Tab:
    """One tab of the app: one WebSocket session."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.page_hash = ""
        self.page_path = ""
        self.query = ""
        self.pages: dict[str, str] = {}  # url path → page script hash
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._cache: dict[str, ForwardMsg] = {}
        self._values: dict[str, WidgetState] = {}  # what the tab shows in each widget
        self._run = Run()
        self._current: Run = Run()
        self._done = asyncio.Event()
        self._fragment_done = asyncio.Event()
        self._closed: BaseException | None = None
        self._auto_reruns: dict[str, asyncio.Task] = {}
        self._fetched: set[str] = set()
        self.fragment_times: list[float] = []
        self.fragment_errors = 0

    # --- opening and closing --------------------------------------------------------------
    async def open(self, path_and_query: str = "/") -> Run:
        """Load the address in this tab: the XSRF cookie, the WebSocket, the first run."""
        await asyncio.to_thread(self.browser.get, "/_stcore/health")
        parsed = urllib.parse.urlsplit(path_and_query)
        self.page_path, self.query = parsed.path.strip("/"), parsed.query
        url = self.browser.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        protocols = ["streamlit"]
        xsrf = self.browser.cookie(XSRF_COOKIE)
        if xsrf:
            protocols.append(xsrf)
        self._ws = await websockets.connect(
            url, subprotocols=protocols, origin=self.browser.base_url, max_size=None,
            additional_headers={"Cookie": self.browser.cookie_header(),
                                "Accept-Language": ACCEPT_LANGUAGE})
        self._reader = asyncio.create_task(self._read())
        return await self._rerun(page_name=self.page_path)

    async def close(self) -> None:
        self._stop_auto_reruns()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()

    # --- what a user does -----------------------------------------------------------------
    def widget(self, kind: str, label: str | None = None, nth: int = 0) -> Widget:
        found = [w for w in self._current.widgets
                 if w.kind == kind and (label is None or w.label == label)]
        if len(found) <= nth:
            raise ProtocolError(f"no {kind} {label!r} on the page")
        return found[nth]

    def widgets(self, kind: str) -> list[Widget]:
        return [w for w in self._current.widgets if w.kind == kind]

    def value(self, widget_id: str) -> str:
        """The text the tab shows in a field."""
        state = self._values.get(widget_id)
        return state.string_value if state is not None else ""

    def fill(self, widget: Widget, text: str) -> None:
        """Type into a text field; sent with the next rerun (a form's on submit)."""
        self._values[widget.id] = WidgetState(id=widget.id, string_value=text)

    async def type_text(self, widget: Widget, text: str) -> Run:
        """Type into a field outside a form and leave it: the browser sends it at once."""
        self.fill(widget, text)
        return await self._rerun()

    async def select(self, widget: Widget, option: str) -> Run:
        if option not in list(widget.proto.options):
            raise ProtocolError(f"no option {option!r} in {widget.label!r}")
        self._values[widget.id] = WidgetState(id=widget.id, string_value=option)
        return await self._rerun()

    async def click(self, widget: Widget) -> Run:
        return await self._rerun(trigger=widget.id)

    async def follow(self, label: str) -> Run:
        """Click a page link (the sidebar's): a page change."""
        if label not in self._current.page_links:
            raise ProtocolError(f"no page link {label!r}")
        page_hash, query = self._current.page_links[label]
        self._stop_auto_reruns()
        self._values.clear()
        return await self._rerun(page_hash=page_hash, query=query)

    def shown(self) -> Run:
        return self._current

    # --- the protocol -----------------------------------------------------------------
    def _client_state(self, *, page_hash: str | None, query: str | None, page_name: str = "",
                      trigger: str | None = None, fragment: str = "", auto: bool = False):
        back = BackMsg()
        state = back.rerun_script
        state.query_string = self.query if query is None else query
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.page_name = page_name
        state.fragment_id = fragment
        state.is_auto_rerun = auto
        state.cached_message_hashes.extend(self._cache)
        for value in self._values.values():
            state.widget_states.widgets.append(value)
        if trigger:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = TIMEZONE, -60, "sv-SE"
        info.url = f"{self.browser.base_url}/{self.page_path}" + (
            f"?{state.query_string}" if state.query_string else "")
        info.is_embedded, info.color_scheme = False, "light"
        return back

    async def _rerun(self, *, page_hash: str | None = None, query: str | None = None,
                     page_name: str = "", trigger: str | None = None) -> Run:
        if page_hash is not None and query is not None:
            self.query = query
        self._done.clear()
        self._run = Run()
        back = self._client_state(page_hash=page_hash, query=query, page_name=page_name,
                                  trigger=trigger)
        await self._send(back)
        await self._wait(self._done)
        return self._current

    async def _send(self, back: BackMsg) -> None:
        if self._closed is not None:
            raise ProtocolError(f"the connection is closed: {self._closed}")
        await self._ws.send(back.SerializeToString())

    async def _wait(self, event: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(event.wait(), RUN_TIMEOUT)
        except TimeoutError:
            raise ProtocolError(f"no script_finished within {RUN_TIMEOUT:.0f} s") from None
        if self._closed is not None and not event.is_set():
            raise ProtocolError(f"the connection is closed: {self._closed}")

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                message = ForwardMsg()
                message.ParseFromString(data)
                self._receive(message)
        except (websockets.ConnectionClosed, OSError) as error:
            self._closed = error
        finally:
            if self._closed is None:
                self._closed = ProtocolError("closed by the server")
            self._done.set()
            self._fragment_done.set()

    def _receive(self, message: ForwardMsg) -> None:
        if message.WhichOneof("type") == "ref_hash":
            cached = self._cache.get(message.ref_hash)
            if cached is None:
                raise ProtocolError("a ref_hash for a message this tab never had")
            metadata = message.metadata
            message = ForwardMsg()
            message.CopyFrom(cached)
            message.metadata.CopyFrom(metadata)
        elif message.metadata.cacheable and message.hash:
            self._cache[message.hash] = message
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self._new_session(message.new_session)
        elif kind == "delta":
            self._delta(message.delta)
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "script_finished":
            self._finished(message.script_finished)
        elif kind == "auto_rerun":
            self._start_auto_rerun(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment in message.stop_auto_rerun.fragment_ids:
                self._stop_auto_rerun(fragment)
        elif kind == "page_not_found":
            self._run.alerts.append((Alert.ERROR, "page not found"))

    def _new_session(self, new_session) -> None:
        if new_session.app_pages:
            self.pages = {p.url_pathname: p.page_script_hash for p in new_session.app_pages}
        if new_session.page_script_hash:
            self.page_hash = new_session.page_script_hash
            self.page_path = next((path for path, h in self.pages.items()
                                   if h == self.page_hash), self.page_path)

    def _delta(self, delta) -> None:
        if delta.WhichOneof("type") == "add_block":
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        proto = getattr(element, kind)
        if kind == "page_link":
            self._run.page_links[proto.label] = (proto.page_script_hash, proto.query_string)
        elif kind == "html":
            self._run.images.extend(_IMG_SRC.findall(proto.body))
        elif kind == "alert":
            self._run.alerts.append((proto.format, proto.body))
            self._run.texts.append(proto.body)
        elif kind == "exception":
            self._run.exceptions.append(f"{proto.type}: {proto.message}")
        elif kind in _TEXT_ELEMENTS:
            self._run.texts.append(getattr(proto, "body", "") or getattr(proto, "label", ""))
        if getattr(proto, "id", "") and kind not in ("dataframe", "plotly_chart", "html"):
            widget = Widget(proto.id, kind, getattr(proto, "label", ""), proto,
                            getattr(proto, "form_id", ""))
            self._run.widgets.append(widget)
            self._show(widget)

    def _show(self, widget: Widget) -> None:
        """The value the browser keeps for a widget it draws: the server's, else its own
        earlier one, else the default."""
        proto, kind = widget.proto, widget.kind
        if kind == "selectbox":
            if proto.HasField("raw_value"):
                self._values[widget.id] = WidgetState(id=widget.id, string_value=proto.raw_value)
            elif widget.id not in self._values and proto.HasField("default") and proto.options:
                self._values[widget.id] = WidgetState(
                    id=widget.id, string_value=proto.options[proto.default])
        elif kind in ("text_input", "text_area"):
            if proto.set_value and proto.HasField("value"):
                self._values[widget.id] = WidgetState(id=widget.id, string_value=proto.value)
            elif widget.id not in self._values and proto.HasField("default"):
                self._values[widget.id] = WidgetState(id=widget.id, string_value=proto.default)
        elif kind == "number_input":
            value = proto.value if proto.set_value else (
                proto.default if proto.HasField("default") else None)
            if value is not None and (proto.set_value or widget.id not in self._values):
                self._values[widget.id] = (
                    WidgetState(id=widget.id, int_value=int(value)) if proto.data_type == 0
                    else WidgetState(id=widget.id, double_value=value))

    def _finished(self, status) -> None:
        # A fragment's refresh is done with its own run, or when a whole run replaced it.
        self._fragment_done.set()
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            return
        self._run.script_runs += 1
        if status not in _DONE:
            return  # ended early for a rerun: the next run follows
        shown = {w.id for w in self._run.widgets}
        # A widget the run did not draw is gone from the page, and so is its value.
        self._values = {i: v for i, v in self._values.items() if i in shown}
        self._current, self._run = self._run, Run(script_runs=0)
        self._done.set()

    async def fetch_images(self) -> None:
        """What the browser loads after drawing the page: the images in st.html."""
        for source in self._current.images:
            if source not in self._fetched:
                self._fetched.add(source)
                await asyncio.to_thread(self.browser.get, source)

    # --- fragments that refresh themselves ------------------------------------------------
    def _start_auto_rerun(self, fragment: str, interval: float) -> None:
        if fragment in self._auto_reruns:
            return
        self._auto_reruns[fragment] = asyncio.get_running_loop().create_task(
            self._auto_rerun(fragment, interval))

    def _stop_auto_rerun(self, fragment: str) -> None:
        task = self._auto_reruns.pop(fragment, None)
        if task is not None:
            task.cancel()

    def _stop_auto_reruns(self) -> None:
        for fragment in list(self._auto_reruns):
            self._stop_auto_rerun(fragment)

    async def _auto_rerun(self, fragment: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self._fragment_done.clear()
            started = time.perf_counter()
            try:
                await self._send(self._client_state(page_hash=None, query=None,
                                                    fragment=fragment, auto=True))
                await self._wait(self._fragment_done)
            except ProtocolError:
                self.fragment_errors += 1
                return
            self.fragment_times.append(time.perf_counter() - started)
