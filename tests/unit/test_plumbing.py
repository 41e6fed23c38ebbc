"""Plumbing without I/O: envelope decoding, cursors, idempotency keys, buckets, problem+json handlers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from backbone.errors import Conflict, install_problem_handlers
from backbone.idempotency import InvalidIdempotencyKey, fingerprint, idempotent_request
from backbone.outbox.writer import BUCKETS, bucket_of
from backbone.pagination import InvalidCursor, decode_cursor, decode_sequence_cursor, encode_cursor
from contracts.envelope import MalformedEvent, decode, encode
from contracts.events.partners import AgencyRegisteredV1


def sample() -> AgencyRegisteredV1:
    return AgencyRegisteredV1(
        agency_id=str(uuid.uuid4()),
        country_code="IT",
        country_name="Italy",
        name="Carabinieri",
        agency_type="police",
        registered_at=datetime.now(UTC),
    )


def test_envelope_round_trip_keeps_id_key_and_trace() -> None:
    event = sample()
    traceparent = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"
    record = encode(
        event, source="/services/partners", key=event.agency_id, event_id="e-1", traceparent=traceparent
    )
    envelope = decode(record.headers, record.key, record.value)
    assert envelope.id == "e-1" and envelope.type == event.event_type and envelope.key == event.agency_id
    assert envelope.traceparent == traceparent
    assert AgencyRegisteredV1.model_validate(envelope.data) == event


@pytest.mark.parametrize(
    ("headers", "value"),
    [
        ([], b"{}"),
        ([("ce_specversion", b"1.0")], b"{}"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/x"), ("ce_type", b"t")], b"\xff\xfe"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/x"), ("ce_type", b"t")], b"[1, 2]"),
        ([("ce_specversion", b"\xff"), ("ce_id", b"1")], b"{}"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/x"), ("ce_type", b"t")], None),
    ],
)
def test_anything_unreadable_is_a_malformed_event(
    headers: list[tuple[str, bytes]], value: bytes | None
) -> None:
    with pytest.raises(MalformedEvent):
        decode(headers, b"k", value)


def test_cursors_round_trip_and_reject_forgeries() -> None:
    assert decode_cursor(encode_cursor(["2026-01-01T00:00:00+00:00", "abc"]), arity=2) == [
        "2026-01-01T00:00:00+00:00",
        "abc",
    ]
    for forged in ("%%%", "bm90LWpzb24", encode_cursor(["only-one"])):
        with pytest.raises(InvalidCursor):
            decode_cursor(forged, arity=2)


def test_idempotency_keys_are_validated_and_fingerprints_stable() -> None:
    assert idempotent_request("scope", None, {}) is None
    request = idempotent_request("scope", "key-12345678", {"b": 1, "a": [1, 2]})
    assert request is not None and request.fingerprint == fingerprint({"a": [1, 2], "b": 1})
    for bad in ("short", "has space in it", "x" * 201, "semi;colon-123"):
        with pytest.raises(InvalidIdempotencyKey):
            idempotent_request("scope", bad, {})


def test_buckets_are_stable_per_aggregate_and_spread() -> None:
    ids = [str(uuid.uuid4()) for _ in range(2000)]
    assert all(bucket_of(i) == bucket_of(i) for i in ids)
    assert {bucket_of(i) for i in ids} == set(range(BUCKETS))


class Body(BaseModel):
    name: str
    count: int


def problem_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("already there", code="thing_exists", thing_id="t-1")

    @app.get("/db-down")
    async def db_down() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("secret internal detail"))

    @app.get("/bug")
    async def bug() -> None:
        raise RuntimeError("internal detail that must not leak")

    return app


async def test_every_error_is_problem_json_with_a_stable_code_and_no_internals() -> None:
    transport = httpx.ASGITransport(app=problem_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        invalid = await client.post("/things", json={"count": "many"})
        conflict = await client.get("/conflict")
        down = await client.get("/db-down")
        bug = await client.get("/bug")
        missing = await client.get("/nope")
        wrong_method = await client.delete("/things")
    for response in (invalid, conflict, down, bug, missing, wrong_method):
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == response.status_code and body["code"] and body["type"].endswith(body["code"])
        assert "Traceback" not in response.text and "internal detail" not in response.text
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {"name", "count"}
    assert conflict.status_code == 409 and conflict.json()["code"] == "thing_exists"
    assert conflict.json()["thing_id"] == "t-1"
    assert down.status_code == 503 and down.json()["code"] == "dependency_unavailable"
    assert down.headers["retry-after"]
    assert bug.status_code == 500 and bug.json()["code"] == "internal_error"
    assert missing.status_code == 404 and wrong_method.status_code == 405


@pytest.mark.parametrize("value", ["7", 1.5, True, -1, 2**63, None, [1]])
def test_a_sequence_cursor_names_a_bigint_position_or_is_invalid(value: object) -> None:
    with pytest.raises(InvalidCursor):
        decode_sequence_cursor(encode_cursor([value]))


def test_a_sequence_cursor_round_trips() -> None:
    assert decode_sequence_cursor(encode_cursor([42])) == 42
