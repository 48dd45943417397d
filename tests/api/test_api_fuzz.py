"""Schemathesis against the API's own OpenAPI document: no request, valid or not, is ever answered with a 5xx.

Every operation of the document (all of /api/tenant/{slug}/... and /api/health) gets the examples, coverage
(boundary values, missing and malformed fields) and fuzzing phases, positive and negative, a bounded number of
examples each, derandomized so a failure reproduces. Calls carry a valid ADMIN token of a seeded centre and that
centre's slug; path ids, list filters and body references are drawn partly from the centre's real objects (so
requests reach the booking engine and not only the 404 of an unknown id), partly as schemathesis makes them.

Schemathesis calls the ASGI app from its own event-loop thread, so this test is synchronous: the app opens its
database in a lifespan that runs on that loop, and the centre is seeded beforehand on a loop of its own.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans

from tests.api.conftest import make_centre
from tests.api.test_tenant_isolation import World, build_world
from tests.conftest import empty_all_tables, in_thread
from trainhub_ui.api import install_api
from trainhub_ui.db import Database, set_database

SLUG = "fuzz-training-centre"
OPENAPI = "/api/openapi.json"
# Examples per operation in the fuzzing phase; the coverage phase adds its own deterministic cases.
MAX_EXAMPLES = int(os.environ.get("TRAINHUB_FUZZ_EXAMPLES", "25"))
# Both databases, unless TRAINHUB_FUZZ_DATABASES names fewer (e.g. "sqlite").
DATABASES = os.environ.get("TRAINHUB_FUZZ_DATABASES", "sqlite,postgresql").split(",")


async def _seed(url: str) -> tuple[str, World]:
    """An empty database with one centre, its ADMIN token and a full data set, made through the API."""
    database = Database(url)
    try:
        await empty_all_tables(database)
        centre = await make_centre(database, SLUG, "Fuzz Training Centre")
        app = FastAPI()
        install_api(app)
        set_database(database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://seed") as client:
            world = await build_world(client, database, centre, "Fuzz")
        return centre.token, world
    finally:
        set_database(None)
        await database.dispose()


def _real_ids(world: World) -> dict[str, list[str]]:
    """The centre's ids by the name a path parameter, filter or body field gives them."""
    sessions = [
        world.open_session_id,
        world.other_session_id,
        world.full_session_id,
        world.offer_session_id,
        world.spare_session_id,
    ]
    return {
        "courseId": [world.course_id, world.spare_course_id],
        "sessionId": sessions,
        "customerId": world.student_ids,
        "booking_id": [world.booking_id],
        "entry_id": [world.waiting_entry_id, world.accept_entry_id, world.decline_entry_id],
        "instructorId": [world.instructor_id],
    }


def _with_real_ids(values: Any, real: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """`values` as generated, or with some of its id fields replaced by one of the centre's real ids."""
    if not isinstance(values, dict):
        return st.just(values)
    choices = {
        name: st.sampled_from([value, *real[name]])
        if name in real and isinstance(value, str | None)
        else st.just(value)
        for name, value in values.items()
    }
    return st.fixed_dictionaries(choices)


# The database the app serves from: set by `fuzz_centre`, opened by the app's lifespan on schemathesis' loop.
SERVED: dict[str, Any] = {}


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    url = SERVED.get("url")
    if url is None:  # started while the schema loads at import: no database is needed to answer the document
        yield
        return
    database = Database(url)  # opened on the event loop that serves the requests, and closed on it
    set_database(database)
    try:
        yield
    finally:
        set_database(None)
        await database.dispose()


app = FastAPI(openapi_url=OPENAPI, docs_url=None, redoc_url=None, lifespan=_lifespan)
install_api(app)

schema = schemathesis.openapi.from_asgi(OPENAPI, app)
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
# A failure shows the request as sent: `sessionId` and the test centre's token are not secrets here.
schema.config.output.sanitization.update(enabled=False)


@schema.hook
def flatmap_path_parameters(_context: schemathesis.HookContext, path_parameters: Any) -> st.SearchStrategy:
    return _with_real_ids(path_parameters, SERVED.get("real", {}))


@schema.hook
def flatmap_query(_context: schemathesis.HookContext, query: Any) -> st.SearchStrategy:
    return _with_real_ids(query, SERVED.get("real", {}))


@schema.hook
def flatmap_body(_context: schemathesis.HookContext, body: Any) -> st.SearchStrategy:
    return _with_real_ids(body, SERVED.get("real", {}))


@pytest.fixture(scope="module", params=DATABASES)
def fuzz_centre(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A seeded centre on one database, served by `app`; answers the headers that authenticate as it."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    token, world = in_thread(asyncio.run, _seed(url))
    shutdown_lifespans()  # the next call starts the app's lifespan afresh, on this database
    SERVED.update(url=url, real=_real_ids(world))
    try:
        yield {"Authorization": f"Bearer {token}"}
    finally:
        shutdown_lifespans()  # closes the app's database on the loop that opened it
        SERVED.clear()


@schema.parametrize()
def test_no_answer_is_a_server_error(case: schemathesis.Case, fuzz_centre: dict[str, str]) -> None:
    if case.path_parameters and "slug" in case.path_parameters:
        case.path_parameters["slug"] = SLUG
    case.call_and_validate(headers=fuzz_centre, checks=[not_a_server_error])
