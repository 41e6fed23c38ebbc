"""AgencyOnboardingWorkflow: the first gate of a partner's onboarding.

A newly registered agency waits for its country's national coordination unit to confirm it (a signal).
Confirmed in time, the partners service activates it; otherwise its onboarding lapses. Either way the change
is made through an activity that calls the partners API with an Idempotency-Key, so the service announces it
as an event. Deterministic: only the standard library, temporalio and the shared models.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from workflows.agency_onboarding.shared import (
        ActivateAgency,
        Confirmation,
        LapseAgencyOnboarding,
        OnboardingInput,
        OnboardingState,
        OnboardingStatus,
    )


@workflow.defn
class AgencyOnboardingWorkflow:
    @workflow.init
    def __init__(self, request: OnboardingInput) -> None:
        self._agency_id = request.agency_id
        self._state: OnboardingState = "awaiting_confirmation"
        self._confirmed_by: str | None = None
        self._deadline = workflow.now() + timedelta(seconds=request.confirmation_deadline_seconds)

    @workflow.run
    async def run(self, request: OnboardingInput) -> OnboardingStatus:
        workflow_id = workflow.info().workflow_id
        try:
            await workflow.wait_condition(
                lambda: self._confirmed_by is not None,
                timeout=timedelta(seconds=request.confirmation_deadline_seconds),
            )
        except TimeoutError:
            self._state = "lapsing"
            await workflow.execute_activity(
                "lapse_agency_onboarding",
                LapseAgencyOnboarding(agency_id=self._agency_id, idempotency_key=f"{workflow_id}:lapse"),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=SERVICE_RETRY,
            )
            self._state = "lapsed"
            return self.status()
        self._state = "activating"
        assert self._confirmed_by is not None
        await workflow.execute_activity(
            "activate_agency",
            ActivateAgency(
                agency_id=self._agency_id,
                confirmed_by=self._confirmed_by,
                idempotency_key=f"{workflow_id}:activate",
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._state = "active"
        return self.status()

    @workflow.signal
    def confirm(self, confirmation: Confirmation) -> None:
        # The first confirmation counts; later ones (or ones after the deadline) change nothing.
        if self._state == "awaiting_confirmation" and self._confirmed_by is None:
            self._confirmed_by = confirmation.confirmed_by

    @workflow.update
    async def confirm_and_report(self, confirmation: Confirmation) -> OnboardingStatus:
        """The confirmation signal, answered with the status it led to, in one round trip (a signal and then a
        query were two, each a task on the worker). A confirmation that counts answers once the workflow has
        moved on to activating the agency, as the query after the signal used to see."""
        self.confirm(confirmation)
        await workflow.wait_condition(lambda: self._state != "awaiting_confirmation")
        return self.status()

    @workflow.query
    def status(self) -> OnboardingStatus:
        return OnboardingStatus(
            agency_id=self._agency_id,
            state=self._state,
            confirmed_by=self._confirmed_by,
            deadline=self._deadline,
        )
