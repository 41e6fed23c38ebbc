"""Activities of certification refreshers: the training API's workflow routes, with Idempotency-Keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from temporalio import activity

from workflows.certification_refresher.shared import Expire, RefresherStep, Renew, Renewal
from workflows.service_calls import post


class CertificationRefresherActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        """`http` has the training service's base URL."""
        self.http = http

    @activity.defn(name="take_refresher_step")
    async def take_step(self, request: RefresherStep) -> str:
        done = await post(
            self.http,
            f"/internal/certifications/{request.certification_id}/refresher-steps",
            {"kind": request.kind},
            key=request.idempotency_key,
        )
        return str(done["refresher_state"])

    @activity.defn(name="renew_certification")
    async def renew(self, request: Renew) -> Renewal:
        renewed = await post(
            self.http,
            f"/internal/certifications/{request.certification_id}/renewal",
            {"completed_on": request.completed_on.isoformat()},
            key=request.idempotency_key,
        )
        return Renewal(expires_at=datetime.fromisoformat(renewed["expires_at"]))

    @activity.defn(name="expire_certification")
    async def expire(self, request: Expire) -> str:
        expired = await post(
            self.http,
            f"/internal/certifications/{request.certification_id}/expiry",
            {},
            key=request.idempotency_key,
        )
        return str(expired["status"])

    def all(self) -> list[Any]:
        return [self.take_step, self.renew, self.expire]
