"""The staff API keeps the contract its OpenAPI document states: schemathesis, run against
the served document and the running app, every operation, as a county admin.

Checked for every operation, with valid requests and with requests the document rules
out: no server error, no valid request refused, no invalid request accepted, no status
the document does not list. Deterministic (derandomized, no example database) and small
enough to run with the rest of the suite.

A document cannot know which townships exist or what time it is: a valid draft naming a
township that is not in the database, or scheduled last year, is refused (400) and must
be. So valid requests that name a township or a village name real ones, and a schedule
falls within the coming year; everything else is as generated.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from bot import keys
from storage.clock import BEIJING
from storage.db import use
from storage.models import Township, Village
from tests.conftest import Desk
from tests.test_notices import login, token_for

EXAMPLES = 20  # per operation and mode: the whole run takes about a minute at most
CHECKS = [
    not_a_server_error,
    positive_data_acceptance,
    negative_data_rejection,
    status_code_conformance,
    response_schema_conformance,
]
Places = dict[str, list[str]]  # township -> its villages
UNITS = ["县民政局"]  # a unit of the demo catalog


async def test_the_staff_api_keeps_its_openapi_contract(desk: Desk) -> None:
    county = await login(desk, "county", "county_admin")
    resp = await desk.client.get("/api/v1/openapi.json")
    assert resp.status == 200
    document = await resp.json()
    with use(desk.app[keys.DATABASE]):
        places: Places = {
            t.name: [v.name for v in await Village.filter(township=t).order_by("id")]
            for t in await Township.all().order_by("id")
        }
    loop = asyncio.get_running_loop()

    def fresh_token() -> dict[str, str]:
        # For logging out: ending the admin's own token would turn the rest into 401s.
        return asyncio.run_coroutine_threadsafe(token_for(desk, "county"), loop).result(10)

    base = str(desk.client.make_url("/api/v1"))
    # The app answers on this loop; schemathesis's client is blocking, so it runs beside.
    failures = await asyncio.to_thread(contract, document, base, county, fresh_token, places)
    assert not failures, "\n\n".join(failures)


def contract(
    document: dict[str, Any],
    base: str,
    auth: dict[str, str],
    fresh_token: Callable[[], dict[str, str]],
    places: Places,
) -> list[str]:
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    with requests.Session() as session:
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result  # the document loads whole
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                def call(case: schemathesis.Case[Any]) -> None:
                    if case.meta is not None and case.meta.generation.mode.is_positive:
                        realistic(case, places)
                    logout = case.path == "/auth/logout"
                    headers = fresh_token() if logout else auth
                    response = case.call(base_url=base, session=session, headers=headers)
                    case.validate_response(response, checks=CHECKS, headers=headers)

                exercise = hypothesis.settings(
                    max_examples=EXAMPLES,
                    derandomize=True,
                    database=None,
                    deadline=None,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink],
                    suppress_health_check=list(HealthCheck),
                )(hypothesis.given(operation.as_strategy(generation_mode=mode))(call))
                try:
                    exercise()
                except (Exception, BaseExceptionGroup) as exc:  # every operation's findings
                    found = "\n".join(str(exc).splitlines()[:30])
                    failures.append(f"{operation.label} ({mode.value}): {found}")
    return failures


def realistic(case: schemathesis.Case[Any], places: Places) -> None:
    """A valid action carries a fresh Idempotency-Key; a valid draft or grid names a township
    (and village) that exists, and a schedule falls within the coming year: the rest of the
    request is as generated."""
    if case.headers and "Idempotency-Key" in case.headers:
        # A new key for each action, as a client makes one (generated keys repeat, and a
        # key sent again with another body is rightly refused).
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    body = case.body
    if case.method == "PUT" and case.path == "/holidays/{year}":
        within_year(case)
        return
    if case.method == "GET" and case.path in ("/scoreboard", "/exports/scoreboard.xlsx"):
        within_period(case)
        return
    if case.method != "POST" or case.path not in ("/notices", "/grids", "/staff"):
        return
    if not isinstance(body, dict):
        return
    if isinstance(body.get("unit"), str):  # a new department handler's
        body["unit"] = random.Random(str(body["unit"])).choice(UNITS)
    pick = random.Random(repr(sorted(body.items(), key=str)))
    if isinstance(body.get("township"), str):
        village = isinstance(body.get("village"), str)
        fits = sorted(t for t, villages in places.items() if villages or not village)
        township = pick.choice(fits)
        body["township"] = township
        if village:
            body["village"] = pick.choice(places[township])
    if isinstance(body.get("scheduled_at"), str):
        when = datetime.now(BEIJING) + timedelta(days=pick.randint(1, 300))
        body["scheduled_at"] = when.isoformat(timespec="seconds")


def within_period(case: schemathesis.Case[Any]) -> None:
    """A valid scoreboard period ends on or after its start and is at most 400 days long, in
    2000-2100: a document cannot say so. The generated length is kept, the start moved."""
    query = case.query
    if not isinstance(query, dict) or not ({"start", "end"} & set(query)):
        return
    pick = random.Random(repr(sorted(query.items(), key=str)))
    start = date(2026, 1, 1) + timedelta(days=pick.randint(0, 300))
    query["start"] = start.isoformat()
    query["end"] = (start + timedelta(days=pick.randint(0, 399))).isoformat()


def within_year(case: schemathesis.Case[Any]) -> None:
    """A valid year's schedule names days of that year, each once, and a swapped working
    day on a weekend: a document cannot say so."""
    year = int(case.path_parameters["year"]) if case.path_parameters else 2030
    days = case.body.get("days") if isinstance(case.body, dict) else None
    if not isinstance(days, list):
        return
    day = date(year, 1, 1)
    for entry in days:
        if not isinstance(entry, dict):
            continue
        while entry.get("kind") == "workday" and day.weekday() < 5:
            day += timedelta(days=1)
        entry["day"] = day.isoformat()
        day += timedelta(days=1)
