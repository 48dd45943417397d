"""Stripe in tests: localstripe on a free loopback port, the real `stripe` SDK pointed at it.

localstripe's own CLI (`localstripe`, `python -m localstripe`) binds every interface on port 8420 and
pickles its whole store to /tmp/localstripe.pickle after every write (and reloads it on start). The
server here builds the same aiohttp app from `localstripe.server`, binds 127.0.0.1 on a port the
kernel picks, and turns the disk store off, so runs neither leak into each other nor into the host.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import stripe

if TYPE_CHECKING:
    from trainhub_ui.db import Database

    from .shop import Shop

TEST_API_KEY = "sk_test_trainhub_localstripe"
START_TIMEOUT = 15.0

# Run as `python -c SERVER port_file`. It binds and listens before it writes the port, so a client that
# reads the port file can connect at once; the file is written whole (os.replace), never half.
LOCALSTRIPE_SERVER = """
import os, socket, sys
from localstripe import resources

# The store would pickle itself to /tmp/localstripe.pickle on every write and reload it on start.
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

from aiohttp import web
from localstripe.server import app

# localstripe has no Checkout Sessions. This is the part of them the app uses, kept beside the fake
# itself: create (with Stripe's idempotency keys), retrieve, and two test-only routes that stand in
# for the student on Stripe's page (paid with a PaymentIntent the test made) and for Stripe's expiry.
checkout_sessions = {}
by_idempotency_key = {}
api_keys = {}  # the key each session was made with, for the PaymentIntent its page makes


async def create_checkout_session(request):
    key = request.headers.get("Idempotency-Key")
    if key and key in by_idempotency_key:
        return web.json_response(checkout_sessions[by_idempotency_key[key]])
    form = await request.post()
    needed = ("line_items[0][price_data][unit_amount]", "line_items[0][price_data][currency]", "expires_at")
    if any(name not in form for name in needed):
        error = {"type": "invalid_request_error", "message": "Missing required param: " + ", ".join(needed)}
        return web.json_response({"error": error}, status=400)
    session_id = "cs_test_" + os.urandom(12).hex()
    amount = int(form["line_items[0][price_data][unit_amount]"]) * int(form.get("line_items[0][quantity]", "1"))
    session = {
        "id": session_id,
        "object": "checkout.session",
        "mode": form.get("mode"),
        "status": "open",
        "payment_status": "unpaid",
        "amount_total": amount,
        "currency": form["line_items[0][price_data][currency]"],
        "customer_email": form.get("customer_email"),
        "client_reference_id": form.get("client_reference_id"),
        "success_url": form.get("success_url"),
        "cancel_url": form.get("cancel_url"),
        "expires_at": int(form["expires_at"]),
        "metadata": {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")},
        "payment_intent": None,
        "url": f"http://{request.host}/checkout/{session_id}",
    }
    api_keys[session_id] = request.headers.get("Authorization", "").removeprefix("Bearer ")
    checkout_sessions[session_id] = session
    if key:
        by_idempotency_key[key] = session_id
    return web.json_response(session)


async def retrieve_checkout_session(request):
    session = checkout_sessions.get(request.match_info["id"])
    if session is None:
        error = {"type": "invalid_request_error", "message": "No such checkout session"}
        return web.json_response({"error": error}, status=404)
    return web.json_response(session)


async def complete_checkout_session(request):
    session = checkout_sessions[request.match_info["id"]]
    body = await request.json()
    session.update(status="complete", payment_status="paid", payment_intent=body["payment_intent"], url=None)
    return web.json_response(session)


async def expire_checkout_session(request):
    session = checkout_sessions[request.match_info["id"]]
    session.update(status="expired", url=None)
    return web.json_response(session)


# Stripe's hosted page, reduced to one button: the card pays (pm_card_visa), then back to success_url.
async def checkout_page(request):
    session = checkout_sessions.get(request.match_info["id"])
    if session is None or session["status"] != "open":
        return web.Response(text="This checkout is closed.", status=404)
    amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
    html = (
        "<!doctype html><title>Checkout</title><h1>Test checkout</h1>"
        f"<p>{session['customer_email']}: {amount}</p>"
        f"<form method=post action='/checkout/{session['id']}/pay'><button>Pay {amount}</button></form>"
    )
    return web.Response(text=html, content_type="text/html")


async def pay_on_checkout_page(request):
    from aiohttp import ClientSession

    session = checkout_sessions[request.match_info["id"]]
    form = {
        "amount": str(session["amount_total"]),
        "currency": session["currency"],
        "payment_method": "pm_card_visa",
        "confirm": "true",
    }
    headers = {"Authorization": "Bearer " + api_keys[session["id"]]}
    async with ClientSession() as client:
        async with client.post(f"http://{request.host}/v1/payment_intents", data=form, headers=headers) as answer:
            intent = await answer.json()
    session.update(status="complete", payment_status="paid", payment_intent=intent["id"], url=None)
    target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
    raise web.HTTPSeeOther(target)


@web.middleware
async def hosted_pages(request, handler):
    # The student's browser brings no API key: the hosted page skips localstripe's key check.
    if request.path.startswith("/checkout/"):
        return await request.match_info.handler(request)
    return await handler(request)


app.middlewares.insert(0, hosted_pages)
app.router.add_get("/checkout/{id}", checkout_page)
app.router.add_post("/checkout/{id}/pay", pay_on_checkout_page)
app.router.add_post("/v1/checkout/sessions", create_checkout_session)
app.router.add_get("/v1/checkout/sessions/{id}", retrieve_checkout_session)
app.router.add_post("/_test/checkout/sessions/{id}/complete", complete_checkout_session)
app.router.add_post("/_test/checkout/sessions/{id}/expire", expire_checkout_session)

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(("127.0.0.1", 0))
sock.listen(128)
port_file = sys.argv[1]
with open(port_file + ".part", "w") as f:
    f.write(str(sock.getsockname()[1]))
os.replace(port_file + ".part", port_file)
web.run_app(app, sock=sock, print=None, access_log=None, shutdown_timeout=1)
"""


def _wait_for_port(process: subprocess.Popen[bytes], port_file: Path, log_file: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"localstripe exited with {process.returncode}:\n{log_file.read_text()}")
        if port_file.exists():
            return int(port_file.read_text())
        time.sleep(0.05)
    pytest.fail(f"localstripe did not start within {START_TIMEOUT} s:\n{log_file.read_text()}")


def _wait_until_serving(base_url: str, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            # The only unauthenticated GET localstripe has: its fake Stripe.js.
            if httpx.get(f"{base_url}/js.stripe.com/v3/", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"localstripe at {base_url} did not answer:\n{log_file.read_text()}")


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (http://127.0.0.1:PORT) of a localstripe process of our own, stopped by its pid."""
    directory = tmp_path_factory.mktemp("localstripe")
    port_file = directory / "port"
    log_file = directory / "localstripe.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", LOCALSTRIPE_SERVER, str(port_file)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=directory,
        )
    try:
        base_url = f"http://127.0.0.1:{_wait_for_port(process, port_file, log_file)}"
        _wait_until_serving(base_url, log_file)
        yield base_url
    finally:
        process.terminate()  # SIGTERM to this pid: aiohttp's run_app shuts down cleanly
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def stripe_client(localstripe: str) -> stripe.StripeClient:
    """A StripeClient talking to localstripe; sync calls go through requests, `*_async` through httpx."""
    return stripe.StripeClient(TEST_API_KEY, base_addresses={"api": localstripe}, max_network_retries=0)


@pytest.fixture
def stripe_globals(localstripe: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The module-level style (`stripe.Customer.create(...)`) pointed at localstripe for one test."""
    monkeypatch.setattr(stripe, "api_key", TEST_API_KEY)
    monkeypatch.setattr(stripe, "api_base", localstripe)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    return localstripe


def signed_event_headers(payload: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers of a webhook request as Stripe signs it: `Stripe-Signature: t=<unix time>,v1=<hmac sha256>`."""
    signature = stripe.WebhookSignature.generate_signature_header(payload.decode("utf-8"), secret, timestamp=timestamp)
    return {"Stripe-Signature": signature, "Content-Type": "application/json"}


def stripe_event_payload(event_type: str, data_object: dict[str, Any], *, event_id: str | None = None) -> bytes:
    """A webhook body shaped like Stripe's, for events localstripe never sends (checkout.session.*, charge.refunded)."""
    event = {
        "id": event_id or f"evt_test_{uuid.uuid4().hex[:14]}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "api_version": stripe.api_version,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": data_object},
    }
    return json.dumps(event).encode("utf-8")


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]


@dataclass
class WebhookInbox:
    """Webhooks localstripe delivered to a loopback receiver of ours."""

    url: str
    secret: str
    deliveries: queue.Queue[Delivery] = field(default_factory=queue.Queue)

    def wait_for(self, event_type: str, object_id: str, timeout: float = 10.0) -> Delivery:
        """The delivery of `event_type` about `object_id`; localstripe sends each about 1 s after the change."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                delivery = self.deliveries.get(timeout=remaining)
            except queue.Empty:
                break
            event = json.loads(delivery.body)
            if event["type"] == event_type and event["data"]["object"].get("id") == object_id:
                return delivery
        raise AssertionError(f"no {event_type} webhook for {object_id} within {timeout} s")


class _WebhookReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, inbox_queue: queue.Queue[Delivery]) -> None:
        self.inbox_queue = inbox_queue
        super().__init__(("127.0.0.1", 0), _WebhookHandler)


class _WebhookHandler(BaseHTTPRequestHandler):
    server: _WebhookReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.inbox_queue.put(Delivery(body, dict(self.headers.items())))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _register_webhook(base_url: str, webhook_id: str, url: str, secret: str, events: list[str] | None) -> None:
    body: dict[str, Any] = {"url": url, "secret": secret}
    if events is not None:
        body["events"] = events
    httpx.post(f"{base_url}/_config/webhooks/{webhook_id}", json=body, timeout=5).raise_for_status()


@pytest.fixture
def localstripe_webhooks(localstripe: str) -> Iterator[WebhookInbox]:
    """A receiver on 127.0.0.1 registered with localstripe for every event it sends, for one test."""
    inbox = WebhookInbox(url="", secret=f"whsec_{uuid.uuid4().hex}")
    receiver = _WebhookReceiver(inbox.deliveries)
    inbox.url = f"http://127.0.0.1:{receiver.server_address[1]}/stripe/webhook"
    thread = threading.Thread(
        target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, name="stripe-webhook-receiver", daemon=True
    )
    thread.start()
    webhook_id = f"test_{uuid.uuid4().hex[:12]}"
    _register_webhook(localstripe, webhook_id, inbox.url, inbox.secret, events=None)
    try:
        yield inbox
    finally:
        # localstripe cannot forget a webhook; an empty event list makes it skip this one from now on.
        _register_webhook(localstripe, webhook_id, inbox.url, inbox.secret, events=[])
        receiver.shutdown()
        receiver.server_close()
        thread.join(timeout=5)


@pytest.fixture
async def shop(
    db: Database, localstripe: str, stripe_client: stripe.StripeClient, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Shop]:
    """A centre with Stripe pointed at localstripe and the API in process (see tests/payments/shop.py)."""
    from .shop import open_shop  # it builds on this module's helpers, so it is imported late

    async with open_shop(db, localstripe, stripe_client, monkeypatch) as opened:
        yield opened
