"""Activities of commitment renewal: the partners API, called with Idempotency-Keys (`service_calls`)."""

from __future__ import annotations

from typing import Any

import httpx
from temporalio import activity

from workflows.commitment_renewal.shared import (
    ConcludeRenewal,
    Conclusion,
    RenewalNotice,
    RequestReaffirmation,
)
from workflows.service_calls import post


class CommitmentRenewalActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        """`http` has the partners service's base URL."""
        self.http = http

    @activity.defn(name="request_commitment_reaffirmation")
    async def request_reaffirmation(self, request: RequestReaffirmation) -> str:
        commitment = await post(
            self.http,
            f"/internal/commitments/{request.commitment_id}/renewal-request",
            {"expires_at": request.expires_at.isoformat()},
            key=request.idempotency_key,
        )
        return str(commitment["status"])

    @activity.defn(name="send_commitment_renewal_notice")
    async def send_notice(self, request: RenewalNotice) -> list[str]:
        sent = await post(
            self.http,
            f"/internal/commitments/{request.commitment_id}/renewal-notices",
            {"kind": request.kind},
            key=request.idempotency_key,
        )
        return [str(m) for m in sent["oversight_member_ids"]]

    @activity.defn(name="conclude_commitment_renewal")
    async def conclude(self, request: ConcludeRenewal) -> Conclusion:
        body: dict[str, Any] = {"outcome": request.outcome}
        if request.response is not None:
            body["response"] = request.response.model_dump(mode="json")
        concluded = await post(
            self.http,
            f"/internal/commitments/{request.commitment_id}/renewal-conclusion",
            body,
            key=request.idempotency_key,
        )
        return Conclusion(outcome=concluded["status"], new_commitment_id=concluded["renewed_by_id"])

    def all(self) -> list[Any]:
        return [self.request_reaffirmation, self.send_notice, self.conclude]
