"""A browser tab on a NiceGUI page, as the benchmarks open one, and what its places label shows.

A tab is an HTTP GET of the page (NiceGUI makes the page's client and writes its id and Socket.IO query into
the HTML), then a Socket.IO connection over WebSocket on NiceGUI's path with the query NiceGUI's own nicegui.js
sends (client_id, next_message_id, implicit_handshake, tab_id, document_id), made with python-socketio's
AsyncClient on aiohttp (both come with NiceGUI); each tab with cookies of its own.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

import aiohttp
import socketio

SOCKET_IO_PATH = "/_nicegui_ws/socket.io"
# Not a browser's string, but shaped like one: NiceGUI answers Markdown instead of the page to AI agents' names.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) trainhub-bench"

QUERY = re.compile(r"query: (\{.*?\}),\n")
ELEMENTS = re.compile(r"parseElements\(String\.raw`(.*?)`\)", re.DOTALL)
# nicegui.js's parseElements(): the HTML escapes the page's element tree is sent in.
UNESCAPES = (("&#36;", "$"), ("&#96;", "`"), ("&gt;", ">"), ("&lt;", "<"), ("&amp;", "&"))

# The shapes a message may tell a session's places label in, read by `shown_places`: (where the session's id is,
# where the label's text is) in one dict. NiceGUI's element dicts name it by the label's `data-session-places`
# prop and carry `text`; the `trainhub_places` event (trainhub_ui/live_capacity.py) is {"s": id, "t": text, ...}.
PLACES_PROP = "data-session-places"
SHAPES = (
    (("props", PLACES_PROP), "text"),
    (("s",), "t"),
    (("sessionId",), "text"),
    (("session_id",), "text"),
)
NESTING_READ = 6  # deeper than any message shape here; a bound, so a strange payload cannot recurse far


def page_socket_query(html: str) -> dict[str, Any]:
    """The Socket.IO query NiceGUI renders into the page (a Python dict literal in its script)."""
    found = QUERY.search(html)
    if found is None:
        raise RuntimeError("no Socket.IO query in the page")
    return dict(ast.literal_eval(found.group(1)))


def places_label(html: str, session_id: str) -> tuple[str, str]:
    """The element id and text of the session's places label in the page's element tree."""
    found = ELEMENTS.search(html)
    if found is None:
        raise RuntimeError("no element tree in the page")
    raw = found.group(1)
    for escaped, plain in UNESCAPES:
        raw = raw.replace(escaped, plain)
    for element_id, element in json.loads(raw).items():
        if element.get("props", {}).get(PLACES_PROP) == session_id:
            return element_id, str(element.get("text", ""))
    raise RuntimeError(f"the page shows no places label for session {session_id}")


def shown_places(event: str, payload: Any, session_id: str, label_id: str) -> str | None:
    """The text the places label of `session_id` shows after this Socket.IO event, or None if it says nothing of it.

    The one place that reads "what the page's places label shows now" from what the server sends; extend it
    (or SHAPES) when the server sends that in another shape. Read today:

    - NiceGUI's `update` event, `{element id: element dict, ...}`: the element with the label's id (from the page's
      HTML) gives its `text`;
    - any event (NiceGUI's `update`, or one of the app's own such as `trainhub_places`) whose payload, or a dict or
      list nested in it, holds a dict of one of SHAPES naming the session: a label drawn again under a new id, or
      a message that the page's own script writes into the label.
    """
    if event == "update" and isinstance(payload, dict):
        element = payload.get(label_id)
        if isinstance(element, dict) and isinstance(element.get("text"), str):
            return element["text"]
    return _text_naming(payload, session_id, NESTING_READ)


def _text_naming(value: Any, session_id: str, depth: int) -> str | None:
    if depth <= 0:
        return None
    if isinstance(value, dict):
        for path, text_key in SHAPES:
            named: Any = value
            for key in path:
                named = named.get(key) if isinstance(named, dict) else None
            if named == session_id and isinstance(value.get(text_key), str):
                return str(value[text_key])
        children: Iterable[Any] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        if isinstance(child, dict | list) and (text := _text_naming(child, session_id, depth - 1)) is not None:
            return text
    return None


class PageTab:
    """One browser tab on a page: its own cookies, the page's HTTP GET, then its Socket.IO connection.

    Every event the server sends reaches `received(event, payload, now)`, `now` taken first thing (time.monotonic,
    the same clock in every process on the machine): everything after it is the client's own work.
    """

    def __init__(self, connector: aiohttp.BaseConnector, session_id: str) -> None:
        self.connector = connector
        self.session_id = session_id
        self.http: aiohttp.ClientSession | None = None
        self.sio: socketio.AsyncClient | None = None
        self.label_id = ""
        self.label_text = ""

    def received(self, event: str, payload: Any, now: float) -> None:
        raise NotImplementedError

    async def open(self, base: str, path: str) -> None:
        # unsafe: the jar keeps cookies for an IP address host, as a browser does
        self.http = aiohttp.ClientSession(
            connector=self.connector, connector_owner=False, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        async with self.http.get(base + path, headers={"User-Agent": USER_AGENT}) as answer:
            if answer.status != 200:
                raise RuntimeError(f"GET {path} answered {answer.status}")
            html = await answer.text()
        query = page_socket_query(html)
        if not query.get("implicit_handshake"):  # NiceGUI asks prefetched pages for a handshake of their own
            raise RuntimeError("the page asks for an explicit handshake, which these clients do not make")
        self.label_id, self.label_text = places_label(html, self.session_id)
        # Offering permessage-deflate as browsers do, so that the server keeps what a browser's socket costs it.
        self.sio = socketio.AsyncClient(
            reconnection=False,
            http_session=self.http,
            handle_sigint=False,
            websocket_extra_options={"compress": 15},
        )
        self.sio.on("*", self._event)
        # What nicegui.js adds to the page's query before it connects; a new tab has no old tab id.
        socket_query = {
            "client_id": query["client_id"],
            "next_message_id": query["next_message_id"],
            "implicit_handshake": "true",
            "document_id": str(uuid.uuid4()),
            "tab_id": str(uuid.uuid4()),
        }
        await self.sio.connect(
            f"{base}?{urlencode(socket_query)}",
            headers={"User-Agent": USER_AGENT},
            transports=["websocket"],
            socketio_path=SOCKET_IO_PATH,
            wait_timeout=30,
        )

    async def _event(self, event: str, *args: Any) -> None:
        self.received(event, args[0] if args else None, time.monotonic())

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
        if self.http is not None:
            await self.http.close()


async def open_all(tabs: list[tuple[PageTab, str]], path: str, concurrency: int) -> list[BaseException]:
    """Opens each tab on its server's base URL, `concurrency` at a time; answers what went wrong, if anything.

    Every attempt ends before this returns, so closing them afterwards races with none still opening."""
    gate = asyncio.Semaphore(concurrency)

    async def open_one(tab: PageTab, base: str) -> None:
        async with gate:
            await tab.open(base, path)

    results = await asyncio.gather(*(open_one(tab, base) for tab, base in tabs), return_exceptions=True)
    return [result for result in results if isinstance(result, BaseException)]


async def close_all(tabs: Iterable[PageTab]) -> None:
    await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)


def browser_connector() -> aiohttp.TCPConnector:
    """No limit: every open WebSocket holds one of the connector's connections for good. A new connection per
    request, as a browser opens one for a WebSocket: on the keep-alive connection that had just served the page,
    uvicorn's keep-alive timer closed the upgraded socket 5 s later."""
    return aiohttp.TCPConnector(limit=0, force_close=True)
