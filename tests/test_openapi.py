"""The API's OpenAPI document is valid and true: a schema-driven fuzz run finds no server error and no answer the
document does not describe."""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import positive_data_acceptance

from console.app import create_app
from console.live import LiveFeed
from console.openapi import openapi_document
from console.tokens import SCOPES
from dialer.call_flow import CallFlow
from dialer.pacing.registry import LIVE_MODES
from tests.helpers import add_account, api_token, migrated_sessions, seed_campaign
from tierdial.bus import EventBus
from tierdial.config import parse_config

STREAMING = ("/api/v1/events",)  # never ends: read by the console tests instead


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, intent_model):  # type: ignore[no-untyped-def]
    """The console on a real (idle) dialer: call commands reach the call flow, which finds no such call."""
    data = tmp_path_factory.mktemp("openapi")
    sessions = migrated_sessions(data / "console.db")
    add_account(sessions, "ann", "agent")
    seed_campaign(sessions, "spring", ["+821030000001", "+821030000002", "+821030000003"])
    # The fuzzer sends hundreds of requests a minute with one token: limits it never reaches (tested on their own).
    many = {"list_uploads_per_minute": 10_000, "api_per_minute": 1_000_000, "api_per_address_per_minute": 1_000_000}
    config = parse_config({"data_dir": str(data), "console": {"rate_limits": many}})
    bus = EventBus()
    flow = CallFlow(config, sessions, intent_model, bus)
    app = create_app(config, LiveFeed(bus, flow), sessions)
    app.extensions["tierdial.webhooks"].stop()  # the fuzzer registers webhooks to made-up hosts: send nothing
    return app, api_token(sessions, *SCOPES)


@pytest.fixture(scope="module")
def api_schema(console):  # type: ignore[no-untyped-def]
    app, _ = console
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_document_offers_the_pacing_modes_a_campaign_can_run_on() -> None:
    tune = openapi_document()["paths"]["/api/v1/campaigns/{campaign}"]["patch"]
    pacing = tune["requestBody"]["content"]["application/json"]["schema"]["properties"]["pacing"]
    assert pacing["enum"] == list(LIVE_MODES)  # openapi.yaml is written by hand: a new mode is added there too


def test_the_document_is_valid_openapi_and_names_every_api_route(console) -> None:  # type: ignore[no-untyped-def]
    app, _ = console
    document = app.test_client().get("/api/v1/openapi.json").json
    validate(document)
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routes = {
        (re.sub(r"<(?:int(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/v1/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes <= documented, routes - documented


def _operations(schema):  # type: ignore[no-untyped-def]
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path not in STREAMING:
            yield operation


def test_no_request_makes_the_api_fail(api_schema, console) -> None:  # type: ignore[no-untyped-def]
    """Positive and negative requests for every operation, each checked against the document's answers."""
    _, token = console
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    for operation in _operations(api_schema):

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def probe(case) -> None:  # type: ignore[no-untyped-def]
            # Schema-valid is not always acceptable (a PNG sent as a call list, a region that does not exist):
            # such requests get a 400 that says why, which the acceptance check would count as a failure.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            probe()
        except Exception as exc:
            failures[operation.label] = str(exc)[:1500]
    assert not failures, "\n\n".join(f"{label}: {why}" for label, why in failures.items())
