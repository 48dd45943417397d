"""Input is checked once: the API takes the services' input models as its bodies, and a page builds the
same models from its form. A bad field gets the same field name and the same message either way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.api.conftest import Centre
from trainhub_ui.domain.errors import InvalidInput
from trainhub_ui.domain.inputs import ServiceInput
from trainhub_ui.services.course_sessions import NewSession, SessionChanges
from trainhub_ui.services.courses import CourseChanges, NewCourse
from trainhub_ui.services.students import NewStudent

LATER = (date.today() + timedelta(days=40)).isoformat()
SESSION = {"startDate": LATER, "startTime": "09:00", "endTime": "17:00"}
COURSE = {"title": "Gas safety", "price": 49500}
STUDENT = {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com"}

# (the model, the API's path under the centre, how to send it, the body, the field refused)
CASES: list[tuple[type[ServiceInput], str, str, dict[str, Any], str]] = [
    (NewCourse, "/courses", "post", {**COURSE, "defaultCapacity": 0}, "defaultCapacity"),
    (NewCourse, "/courses", "post", {**COURSE, "durationDays": 0}, "durationDays"),
    (NewCourse, "/courses", "post", {**COURSE, "price": -1}, "price"),
    (NewCourse, "/courses", "post", {**COURSE, "title": "  "}, "title"),
    (NewCourse, "/courses", "post", {**COURSE, "slug": "Not A Slug"}, "slug"),
    (NewCourse, "/courses", "post", {**COURSE, "isActive": "yes"}, "isActive"),
    (CourseChanges, "/courses/{course}", "patch", {"durationDays": 2.5}, "durationDays"),
    (CourseChanges, "/courses/{course}", "patch", {"title": None}, "title"),
    (NewSession, "/courses/{course}/sessions", "post", {**SESSION, "availableSpots": -1}, "availableSpots"),
    (NewSession, "/courses/{course}/sessions", "post", {**SESSION, "startDate": "2026-02-30"}, "startDate"),
    (NewSession, "/courses/{course}/sessions", "post", {**SESSION, "endTime": "25:00"}, "endTime"),
    (SessionChanges, "/courses/{course}/sessions/{session}", "patch", {"availableSpots": 501}, "availableSpots"),
    (NewStudent, "/students", "post", {**STUDENT, "email": "not-an-email"}, "email"),
    (NewStudent, "/students", "post", {**STUDENT, "firstName": ""}, "firstName"),
]


def _refused_in_python(model: type[ServiceInput], body: dict[str, Any]) -> InvalidInput:
    build: Callable[..., ServiceInput] = model
    with pytest.raises(InvalidInput) as caught:
        build(**body)
    return caught.value


@pytest.mark.parametrize(("model", "path", "method", "body", "field"), CASES)
async def test_a_bad_field_gets_the_same_answer_from_the_api_and_from_a_form(
    api: httpx.AsyncClient,
    centre: Centre,
    model: type[ServiceInput],
    path: str,
    method: str,
    body: dict[str, Any],
    field: str,
) -> None:
    course = (await api.post(centre.url("/courses"), json=COURSE, headers=centre.headers)).json()
    made = await api.post(centre.url(f"/courses/{course['id']}/sessions"), json=SESSION, headers=centre.headers)
    url = centre.url(path.format(course=course["id"], session=made.json()["id"]))

    answer = await api.request(method.upper(), url, json=body, headers=centre.headers)

    assert answer.status_code == 422, answer.text
    refused = _refused_in_python(model, body)
    assert (answer.json()["field"], answer.json()["message"]) == (field, refused.message)
    assert refused.field == field


def test_a_model_read_from_a_body_keeps_every_problem_and_built_in_python_names_the_first() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as every:
        NewCourse.model_validate({"title": "", "price": -1})
    assert {problem["loc"][0] for problem in every.value.errors()} == {"title", "price"}
    with pytest.raises(InvalidInput) as first:
        NewCourse(title="", price=-1)
    assert first.value.field == "title"


def test_a_number_field_of_a_form_sends_a_float_and_an_empty_one_is_asked_for() -> None:
    assert NewCourse(title="Gas", price=100, default_capacity=12.0).default_capacity == 12
    with pytest.raises(InvalidInput) as empty:
        NewCourse(title="Gas", price=100, duration_days="")
    assert (empty.value.field, empty.value.message) == ("durationDays", "Give the number of days.")
