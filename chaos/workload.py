"""The mixed workload: agencies registered through the partners API, each then given contacts one after another
(events on one aggregate, in an order the checks hold the topic to); in training, a facility of the agency's,
registered and booked once training has learnt of the agency from partners' events; then the agency's onboarding
workflow, started and confirmed. Every few flows, a partnership instead, with writes in finance, assessment and
incidents (`chaos.partnership_flow`). Every request carries an Idempotency-Key and is retried under it until the
API answers for good: a 2xx is an acknowledged write, whatever failed before it."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from chaos.partnership_flow import PartnershipFlow, run_partnership_flow

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
"""Answers that say "not now"."""


@dataclass
class Flow:
    """One agency's writes, in the order the API acknowledged them."""

    agency_id: str
    name: str
    contacts: list[str] = field(default_factory=list)
    onboarded: bool = False
    """Its onboarding was started and confirmed: the workflow activates it."""
    facility: str | None = None
    """Registered in training for the agency."""
    booking: str | None = None
    """Of that facility, by the agency (an event on training's topic)."""

    @property
    def writes(self) -> int:
        return (
            1
            + len(self.contacts)
            + 2 * self.onboarded
            + (self.facility is not None)
            + (self.booking is not None)
        )


@dataclass
class Tally:
    requests: int = 0
    retries: int = 0
    refused: list[str] = field(default_factory=list)
    """Definitive 4xx answers: the workload sends only valid requests, so each is a finding."""
    statuses: dict[int, int] = field(default_factory=dict)


class Tokens(Protocol):
    """Who signs the workload's tokens (the test issuer stands in for the national identity providers)."""

    def token(
        self, *roles: str, country: str, agency: str | None = None, subject: str | None = None
    ) -> str: ...


class Workload:
    def __init__(
        self,
        urls: Mapping[str, str],
        tokens: Tokens,
        *,
        flows: int,
        contacts_per_agency: int,
        concurrency: int,
        seed: int,
        pace: float | None = None,
        partnership_every: int | None = 4,
    ) -> None:
        """`urls`: each service's API (partners' at least; a flow writes only in the services named);
        `pace`: requests per second across all lanes (a fixed schedule the soak holds), None: as fast as the lanes
        go; `partnership_every`: every n-th flow is a partnership's (when finance, assessment and incidents are
        named)."""
        self.urls, self.tokens = urls, tokens
        self.base_url = urls["partners"]
        self.target_flows, self.contacts_per_agency, self.concurrency = (
            flows,
            contacts_per_agency,
            concurrency,
        )
        self.random = random.Random(seed)
        self.flows: list[Flow] = []
        self.partnerships: list[PartnershipFlow] = []
        self.tally = Tally()
        self._started = 0
        self.pace = pace
        self.training_url = urls.get("training")
        self.partnership_every = (
            partnership_every if {"finance", "assessment", "incidents"} <= set(urls) else None
        )
        self._next_slot = 0.0

    def headers(
        self, country: str, role: str = "national_coordinator", subject: str | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.token(role, country=country, subject=subject)}"}

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set (then each flow in flight finishes its writes) or every flow is done."""
        async with httpx.AsyncClient(timeout=httpx.Timeout(15.0)) as client:
            await asyncio.gather(*(self._lane(client, stop) for _ in range(self.concurrency)))

    async def _lane(self, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
        while not stop.is_set() and self._started < self.target_flows:
            self._started += 1
            if self.partnership_every and self._started % self.partnership_every == 0:
                await run_partnership_flow(self, client, self._started)
            else:
                await self._flow(client)

    async def agency(self, client: httpx.AsyncClient, country: str, name: str) -> Flow | None:
        """An agency registered in partners (a flow of its own, which the checks follow); None if refused."""
        body = {"country": {"code": country, "name": country}, "name": name, "agency_type": "police"}
        created = await self.acknowledged(client, f"{self.base_url}/agencies", body, country)
        if created is None:
            return None
        flow = Flow(str(created["id"]), name)
        self.flows.append(flow)
        return flow

    async def _flow(self, client: httpx.AsyncClient) -> None:
        country = self.random.choice(["FR", "SN", "BR", "KE", "MX"])
        name = f"Chaos agency {uuid.uuid4().hex[:12]}"
        flow = await self.agency(client, country, name)
        if flow is None:
            return
        for n in range(self.contacts_per_agency):
            contact = {
                "name": f"Contact {n} of {name[-12:]}",
                "function": f"Liaison {n}",
                "email": f"c{n}.{name[-12:]}@police.example.org",
            }
            added = await self.acknowledged(
                client, f"{self.base_url}/agencies/{flow.agency_id}/contacts", contact, country
            )
            if added is None:
                return
            flow.contacts.append(str(added["id"]))
        if self.training_url is not None and not await self._facility(client, flow, country):
            return
        onboarding = f"{self.base_url}/agencies/{flow.agency_id}/onboarding"
        # A retry after a lost answer finds the agency past "pending" (409), or the workflow done (404).
        if (
            await self.acknowledged(client, onboarding, {}, country, done_after_retry={"agency_not_pending"})
            is None
        ):
            return
        confirmation = {"confirmed_by": "Chaos NCU"}
        if (
            await self.acknowledged(
                client,
                f"{onboarding}/confirmation",
                confirmation,
                country,
                done_after_retry={"onboarding_not_found"},
            )
            is None
        ):
            return
        flow.onboarded = True

    async def _facility(self, client: httpx.AsyncClient, flow: Flow, country: str) -> bool:
        """A facility of the agency's registered in training, then booked by it; False if refused for good.
        Training learns of the agency from partners' events: until then it answers `agency_unknown`, and a
        client of two services waits for the event as this one does."""
        facility = {
            "owner_agency_id": flow.agency_id,
            "name": f"Range of {flow.name[-12:]}",
            "kind": "field_site",
            "location": "Chaos county",
            "capacity": 12,
            "time_zone": "Europe/Paris",
        }
        created = await self.acknowledged(
            client, f"{self.training_url}/facilities", facility, country, not_yet={"agency_unknown"}
        )
        if created is None:
            return False
        flow.facility = str(created["id"])
        start = datetime(2027, 3, 1, 8, tzinfo=UTC) + timedelta(days=self.random.randrange(300))
        booking = {
            "agency_id": flow.agency_id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=8)).isoformat(),
            "purpose": "Chaos range day",
        }
        booked = await self.acknowledged(
            client, f"{self.training_url}/facilities/{flow.facility}/bookings", booking, country
        )
        if booked is None:
            return False
        flow.booking = str(booked["id"])
        return True

    async def acknowledged(
        self,
        client: httpx.AsyncClient,
        url: str,
        body: dict[str, Any],
        country: str,
        *,
        done_after_retry: frozenset[str] | set[str] = frozenset(),
        not_yet: frozenset[str] | set[str] = frozenset(),
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """The answer's body once the API acknowledged the request; None if it refused it for good.
        `done_after_retry`: problem codes that, on a retry, mean an earlier attempt went through; `not_yet`: codes
        that mean "not yet" (what the request names has not reached this service); `headers`: who acts (a
        national coordinator of `country` unless given)."""
        key = str(uuid.uuid4())
        wait = 0.1
        attempts = 0
        while True:
            attempts += 1
            await self._turn()
            self.tally.requests += 1
            try:
                response = await client.post(
                    url, json=body, headers={**(headers or self.headers(country)), "Idempotency-Key": key}
                )
            except httpx.HTTPError:
                status = 0
            else:
                status = response.status_code
                self.tally.statuses[status] = self.tally.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    result: dict[str, Any] = response.json()
                    return result
                code = _problem_code(response)
                if attempts > 1 and code in done_after_retry:
                    return {}
                if status not in RETRYABLE and code not in not_yet:
                    self.tally.refused.append(f"{url} -> {status}: {response.text[:300]}")
                    return None
            self.tally.retries += 1
            await asyncio.sleep(wait)
            wait = min(wait * 2, 2.0)

    async def _turn(self) -> None:
        """Wait for this request's slot on the schedule (with a pace): slots are spaced evenly, and one missed
        while every lane was busy is not made up for later in a burst."""
        if self.pace is None:
            return
        now = asyncio.get_running_loop().time()
        slot = max(self._next_slot, now)
        self._next_slot = slot + 1 / self.pace
        await asyncio.sleep(slot - now)


def _problem_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None
