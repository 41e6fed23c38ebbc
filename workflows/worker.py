"""The Temporal worker: `python -m workflows.worker` runs every workflow and activity of the backbone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import httpx
from pydantic import Field, SecretStr
from temporalio.worker import Worker

from backbone import telemetry
from backbone.auth.client import ClientCredentials
from backbone.health import Health, serving
from backbone.registry import DEFAULT_SERVICE_PORTS
from backbone.settings import ServiceSettings, load_settings_as
from backbone.temporal import build_worker, connect_when_reachable
from workflows.agency_onboarding.activities import PartnersActivities
from workflows.agency_onboarding.workflow import AgencyOnboardingWorkflow
from workflows.certification_refresher.activities import CertificationRefresherActivities
from workflows.certification_refresher.workflow import CertificationRefresherWorkflow
from workflows.commitment_renewal.activities import CommitmentRenewalActivities
from workflows.commitment_renewal.workflow import CommitmentRenewalWorkflow
from workflows.decision_deadline.activities import DecisionDeadlineActivities
from workflows.decision_deadline.workflow import DecisionDeadlineWorkflow
from workflows.drill_cycle.activities import DrillCycleActivities
from workflows.drill_cycle.workflow import DrillCycleWorkflow
from workflows.evaluation_cycle.activities import EvaluationCycleActivities
from workflows.evaluation_cycle.workflow import EvaluationCycleWorkflow
from workflows.funding_tranche.activities import FundingTrancheActivities
from workflows.funding_tranche.workflow import FundingTrancheWorkflow
from workflows.incident_response.activities import IncidentResponseActivities
from workflows.incident_response.workflow import IncidentResponseWorkflow
from workflows.partnership_onboarding.activities import PartnersGovernanceActivities
from workflows.partnership_onboarding.workflow import PartnershipOnboardingWorkflow

log = logging.getLogger(__name__)

WORKFLOWS: tuple[type, ...] = (
    AgencyOnboardingWorkflow,
    PartnershipOnboardingWorkflow,
    CommitmentRenewalWorkflow,
    DecisionDeadlineWorkflow,
    CertificationRefresherWorkflow,
    IncidentResponseWorkflow,
    DrillCycleWorkflow,
    FundingTrancheWorkflow,
    EvaluationCycleWorkflow,
)


class WorkerSettings(ServiceSettings):
    uses_database: bool = False
    partners_url: str = Field(default=f"http://127.0.0.1:{DEFAULT_SERVICE_PORTS['partners']}")
    training_url: str = Field(default=f"http://127.0.0.1:{DEFAULT_SERVICE_PORTS['training']}")
    incidents_url: str = Field(default=f"http://127.0.0.1:{DEFAULT_SERVICE_PORTS['incidents']}")
    finance_url: str = Field(default=f"http://127.0.0.1:{DEFAULT_SERVICE_PORTS['finance']}")
    assessment_url: str = Field(default=f"http://127.0.0.1:{DEFAULT_SERVICE_PORTS['assessment']}")
    # The worker calls the services as a machine client (OAuth2 client credentials).
    auth_client_id: str | None = None
    auth_client_secret: SecretStr | None = None
    auth_token_url: str | None = None
    health_port: int | None = None
    """The worker's metrics and probes (`/healthz`, `/readyz`: Temporal answers; backbone/health.py)."""

    def service_auth(self) -> httpx.Auth | None:
        if self.auth_client_id is None or self.auth_client_secret is None:
            return None
        return ClientCredentials(
            self.auth_token_url or f"{self.auth_issuer.rstrip('/')}/token",
            self.auth_client_id,
            self.auth_client_secret.get_secret_value(),
        )


def worker_settings(**overrides: object) -> WorkerSettings:
    return load_settings_as(WorkerSettings, "worker", **overrides)


def create_worker(
    client: object,
    settings: WorkerSettings,
    http: httpx.AsyncClient,
    training: httpx.AsyncClient | None = None,
    incidents: httpx.AsyncClient | None = None,
    finance: httpx.AsyncClient | None = None,
    assessment: httpx.AsyncClient | None = None,
) -> Worker:
    """`http` calls the partners service, `training` the training service, `incidents` the incidents service,
    `finance` the finance service, `assessment` the assessment service (the same client when None: tests that
    serve several behind one transport)."""
    partners = PartnersActivities(http)
    governance = PartnersGovernanceActivities(http)
    deadlines = DecisionDeadlineActivities(http)
    renewals = CommitmentRenewalActivities(http)
    refreshers = CertificationRefresherActivities(training or http)
    responses = IncidentResponseActivities(incidents or http)
    drill_cycles = DrillCycleActivities(incidents or http)
    tranches = FundingTrancheActivities(finance or http)
    evaluations = EvaluationCycleActivities(assessment or http)
    return build_worker(
        client,  # type: ignore[arg-type]
        task_queue=settings.temporal_task_queue,
        workflows=WORKFLOWS,
        activities=[
            partners.activate_agency,
            partners.lapse_agency_onboarding,
            *governance.all(),
            *deadlines.all(),
            *renewals.all(),
            *refreshers.all(),
            *responses.all(),
            *drill_cycles.all(),
            *tranches.all(),
            *evaluations.all(),
        ],
    )


async def main() -> None:
    settings = worker_settings()
    telemetry.configure(settings, role="worker")
    client = await connect_when_reachable(settings, what="worker")
    auth = settings.service_auth()
    async with (
        httpx.AsyncClient(base_url=settings.partners_url, timeout=20, auth=auth) as http,
        httpx.AsyncClient(base_url=settings.training_url, timeout=20, auth=auth) as training,
        httpx.AsyncClient(base_url=settings.incidents_url, timeout=20, auth=auth) as incidents,
        httpx.AsyncClient(base_url=settings.finance_url, timeout=20, auth=auth) as finance,
        httpx.AsyncClient(base_url=settings.assessment_url, timeout=20, auth=auth) as assessment,
    ):
        worker = create_worker(client, settings, http, training, incidents, finance, assessment)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info("worker started", extra={"task_queue": settings.temporal_task_queue})
        health = Health()
        async with serving(health, host=settings.http_host, port=settings.health_port), worker:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(client.service_client.check_health(), timeout=5)
                    health.ready(True)
                except Exception as exc:  # the frontend away: not ready, still alive (the SDK reconnects)
                    health.ready(False, f"temporal: {exc!r}"[:300])
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
