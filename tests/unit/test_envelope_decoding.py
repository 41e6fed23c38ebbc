"""The consumer's own binary-mode reader reads what the CloudEvents SDK reads, and refuses what it must."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from hypothesis import given
from hypothesis import strategies as st

from contracts.envelope import MalformedEvent, decode, encode
from contracts.events.partners import AgencyRegisteredV1

HEAD = [("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/x"), ("ce_type", b"t")]


def sdk_reading(headers: list[tuple[str, bytes]], key: bytes, value: bytes) -> dict[str, Any]:
    event = ce_kafka.from_binary(
        ce_kafka.KafkaMessage(headers=dict(headers), key=key, value=value), JSONFormat()
    )
    attributes = event.get_attributes()
    return {
        "id": event.get_id(),
        "type": event.get_type(),
        "source": event.get_source(),
        "time": event.get_time(),
        "subject": event.get_subject(),
        "traceparent": attributes.get("traceparent"),
        "handling": attributes.get("handling"),
        "data": event.get_data(),
    }


@given(
    name=st.text(min_size=1, max_size=60),
    country=st.sampled_from(["FR", "SN", "BR"]),
    at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    handling=st.sampled_from(["public", "partnership", "countries:FR,SN"]),
    traced=st.booleans(),
)
def test_reads_what_the_sdk_reads(name: str, country: str, at: datetime, handling: str, traced: bool) -> None:
    event = AgencyRegisteredV1(
        agency_id="6f1c7c2e-3b7a-4d0c-9d55-1a1e6c1f0a11",
        country_code=country,
        country_name="Somewhere",
        name=name,
        agency_type="police",
        is_national_coordination_unit=False,
        registered_at=at,
    )
    traceparent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01" if traced else None
    record = encode(
        event,
        source="/services/partners",
        key="k-1",
        time=at,
        traceparent=traceparent,
        extensions={"handling": handling},
    )
    ours = decode(record.headers, record.key, record.value)
    sdk = sdk_reading(record.headers, record.key, record.value)
    assert {
        "id": ours.id,
        "type": ours.type,
        "source": ours.source,
        "time": ours.time,
        "subject": ours.subject,
        "traceparent": ours.traceparent,
        "handling": ours.extensions.get("handling"),
        "data": ours.data,
    } == {**sdk, "data": json.loads(record.value)}
    assert ours.extensions == {"handling": handling}
    assert ours.key == "k-1"


@pytest.mark.parametrize(
    ("headers", "value"),
    [
        ([("ce_specversion", b"0.3"), *HEAD[1:]], b"{}"),
        ([h for h in HEAD if h[0] != "ce_id"], b"{}"),
        ([*HEAD[:2], ("ce_source", b""), HEAD[3]], b"{}"),
        ([h for h in HEAD if h[0] != "ce_type"], b"{}"),
        ([*HEAD, ("ce_time", b"yesterday")], b"{}"),
        ([*HEAD, ("ce_time", b"2026-12-04T10:00:00")], b"{}"),
        ([*HEAD, ("ce_Bad-Name", b"x")], b"{}"),
        ([*HEAD, ("ce_handling", b"\xff")], b"{}"),
        (HEAD, b"not json"),
        (HEAD, b'"a string"'),
    ],
)
def test_refuses_what_is_not_a_readable_cloudevent(headers: list[tuple[str, bytes]], value: bytes) -> None:
    with pytest.raises(MalformedEvent):
        decode(headers, b"k", value)


def test_time_with_an_offset_and_headers_in_any_case() -> None:
    envelope = decode(
        [("CE_SPECVERSION", b"1.0"), *HEAD[1:], ("ce_time", b"2026-12-04T10:00:00Z")], None, b"{}"
    )
    assert envelope.time == datetime(2026, 12, 4, 10, tzinfo=UTC)
    assert envelope.key is None
