"""Every operation of the OpenAPI schema, fuzzed: never a server error, every answer as documented, and every
refusal in the API's error shape naming the parameter at fault.

schemathesis sends each operation its coverage cases (every bound, every choice, missing and unknown parameters,
values of the wrong type) and MAX_EXAMPLES generated ones, valid and invalid, derandomized so that a failure
reproduces anywhere. Sizes over SMALL are folded into small ones so that many cases fit in a test run, except
each documented maximum in the coverage cases (hidden=256, steps=1000, ...), which is sent as it is. A training
streams until its last update, so its sizes are small in every case.
"""

from __future__ import annotations

import faulthandler
import json
import time
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import app

MAX_EXAMPLES = 50  # generated cases per operation, on top of its coverage cases
CALL_LIMIT_S = 180  # no single request may take longer: the process dumps its threads and exits rather than hang

schema = schemathesis.openapi.from_asgi("/openapi.json", app)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)

# The largest size a generated case keeps, per parameter; larger valid sizes are folded into minimum..cap.
SMALL = {"hidden": 12, "steps": 40, "layers": 12, "width": 24, "batch": 16, "resolution": 31, "iterations": 40}
# A training's sizes in every case: it streams until its last update.
TRAIN = {"iterations": 2, "lag": 12, "hidden": 8, "batch": 4}
# Pydantic's errors about one field's own type or range: a request valid by the schema never gets these, only the
# rules across fields (value_error) and the cost limit, which the schema cannot state.
PER_FIELD_ERRORS = {
    "missing",
    "extra_forbidden",
    "literal_error",
    "enum",
    "int_parsing",
    "int_from_float",
    "float_parsing",
    "bool_parsing",
    "finite_number",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
}
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
VIEWS = ["/", "/scalar", "/feedforward", "/cliff", "/train", "/embed"]  # what /oembed accepts as a link
SENT: Counter[str] = Counter()  # requests per operation
STATUSES: defaultdict[str, Counter[int]] = defaultdict(Counter)  # and their status codes
SECONDS: defaultdict[str, float] = defaultdict(float)  # time in the app per operation (printed, for the record)


def _range(path: str, name: str) -> tuple[int, int]:
    """The documented minimum and maximum of an integer query parameter."""
    params = app.openapi()["paths"][path]["get"]["parameters"]
    schema = next(p["schema"] for p in params if p["name"] == name)
    return int(schema["minimum"]), int(schema["maximum"])


def _fold(value: Any, lo: int, cap: int) -> Any:
    """A valid size over cap folded into lo..cap (deterministically, keeping variety); anything else unchanged."""
    try:
        v = int(value)
    except (TypeError, ValueError):
        return value
    if isinstance(value, bool) or str(value) != str(v) or not cap < v <= 10**6:
        return value
    return lo + (v - lo) % (cap - lo + 1)


def _bound(case: Case[Any]) -> None:
    """Shrink the sizes of generated cases and of every training; coverage cases keep each documented maximum."""
    path = case.operation.path
    caps = TRAIN if path == "/api/v1/train" else SMALL
    generated = case.meta is None or case.meta.phase.name == "fuzzing"
    for name, cap in caps.items():
        if name not in case.query:
            if caps is TRAIN:  # the defaults train for seconds
                case.query[name] = cap
            continue
        lo, hi = _range(path, name)
        if generated or caps is TRAIN or str(case.query[name]) != str(hi):
            case.query[name] = _fold(case.query[name], lo, cap)


def _view_link(case: Case[Any]) -> None:
    """A generated valid /oembed case links to a real view, with the generated text in the link's query: it
    reaches the answer's iframe, which must escape it."""
    url = case.query.get("url")
    meta = case.meta
    generated = meta is not None and meta.phase.name == "fuzzing" and meta.generation.mode == GenerationMode.POSITIVE
    if case.operation.path == "/oembed" and generated and isinstance(url, str):
        case.query["url"] = f"{VIEWS[len(url) % len(VIEWS)]}?{urlencode({'text': url, 'view': url})}"


def _check_oembed_html(text: str) -> None:
    """One iframe element and nothing else: whatever the link carried is escaped inside its attributes."""
    html = json.loads(text)["html"]
    assert html.startswith("<iframe ") and html.endswith("></iframe>"), html
    assert html.count("<") == 2 and html.count(">") == 2 and html.count('"') % 2 == 0, html


def _body_fields(case: Case[Any]) -> set[str]:
    """The fields of an operation's form body (an upload's `file`), which a refusal may name as well."""
    operation = app.openapi()["paths"][case.operation.path][case.operation.method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    return {name for media in content.values() for name in media.get("schema", {}).get("properties", {})}


def _check_error_body(case: Case[Any], status: int, text: str) -> None:
    """4xx (and the busy 503) bodies: {"detail": [{"field", "message", ...}]}, each naming its parameter."""
    body = json.loads(text)
    assert isinstance(body, dict) and isinstance(body.get("detail"), list) and body["detail"], text
    known = {p.name for p in case.operation.query} | {p.name for p in case.operation.path_parameters}
    known |= _body_fields(case)
    sent = set(case.query or {}) | (set(case.body) if isinstance(case.body, dict) else set())
    for item in body["detail"]:
        field, message = item.get("field"), item.get("message")
        assert isinstance(message, str) and message, text
        if status == 503:
            continue
        assert isinstance(field, str) and field in known | sent, f"{field!r} is not a parameter: {text}"
        assert field in message, f"the message does not name {field!r}: {text}"
    positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and status == 422:  # valid by the schema: only a rule across fields may refuse it
        types = {item.get("type") for item in body["detail"]}
        assert not types & PER_FIELD_ERRORS, f"the schema allows what the server refuses: {text}"


@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_operation(case: Case[Any]) -> None:
    _bound(case)
    _view_link(case)
    faulthandler.dump_traceback_later(CALL_LIMIT_S, exit=True)
    t0 = time.perf_counter()
    try:
        response = case.call()
    finally:
        faulthandler.cancel_dump_traceback_later()
    SENT[case.operation.label] += 1
    SECONDS[case.operation.label] += time.perf_counter() - t0
    status = response.status_code
    STATUSES[case.operation.label][status] += 1
    # 501 is oEmbed's answer to a format it does not offer (oEmbed 1.0, section 2.3.4); any other 5xx is a bug.
    deliberate = status == 501 and case.operation.path == "/oembed"
    assert status < 500 or deliberate, f"{status} for {case.as_curl_command()}: {response.text[:2000]}"
    case.validate_response(response, checks=CHECKS)
    if status == 200 and case.operation.path == "/oembed":
        _check_oembed_html(response.text)
    if status >= 400 and case.method.upper() == case.operation.method.upper():  # 405 for other methods is Starlette's
        _check_error_body(case, status, response.text)


def test_every_operation_was_fuzzed() -> None:
    """Runs after the fuzzing above: each operation with parameters received at least MAX_EXAMPLES requests."""
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    if not SENT.keys() >= {op.label for op in operations}:
        pytest.skip("run the whole file: some operations were not fuzzed in this run")
    for label, n in SENT.items():
        print(f"{label}: {n} requests {dict(sorted(STATUSES[label].items()))}, {SECONDS[label]:.1f} s")
    print(f"total: {sum(SENT.values())} requests, {sum(SECONDS.values()):.1f} s")
    assert all(SENT[op.label] >= MAX_EXAMPLES for op in operations if list(op.query)), SENT


@pytest.mark.parametrize("url", ["http://[", "http://[::1", "//[x]/"])
def test_oembed_refuses_a_malformed_url_naming_it(url: str) -> None:
    """An unclosed IPv6 bracket makes urlsplit raise: the answer is oEmbed's 404 naming url, never a 500."""
    operation = schema["/oembed"]["GET"]
    case = operation.Case(query={"url": url})
    response = case.call()
    assert response.status_code == 404, response.text
    case.validate_response(response, checks=CHECKS)
    _check_error_body(case, 404, response.text)
