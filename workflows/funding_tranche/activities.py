"""Activities of funding tranches: the finance API's workflow routes, with Idempotency-Keys."""

from __future__ import annotations

from typing import Any

import httpx
from temporalio import activity

from workflows.funding_tranche.shared import TrancheCall
from workflows.service_calls import post


class FundingTrancheActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        """`http` has the finance service's base URL."""
        self.http = http

    @activity.defn(name="reserve_tranche")
    async def reserve(self, call: TrancheCall) -> str:
        done = await post(
            self.http, f"/internal/tranches/{call.tranche_id}/reservation", {}, key=call.idempotency_key
        )
        return str(done["status"])

    @activity.defn(name="release_tranche")
    async def release(self, call: TrancheCall) -> str:
        assert call.measurement is not None, "a release names the measurement that met the target"
        done = await post(
            self.http,
            f"/internal/tranches/{call.tranche_id}/release",
            call.measurement.model_dump(mode="json"),
            key=call.idempotency_key,
        )
        return str(done["status"])

    @activity.defn(name="void_tranche")
    async def void(self, call: TrancheCall) -> str:
        done = await post(
            self.http, f"/internal/tranches/{call.tranche_id}/void", {}, key=call.idempotency_key
        )
        return str(done["status"])

    def all(self) -> list[Any]:
        return [self.reserve, self.release, self.void]
