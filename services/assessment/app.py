"""The assessment service: rubrics, evaluators and the assessments of trainees against them, indicators and
evaluation plans with their rounds, the findings that ask training for curriculum revisions, and public reports."""

from fastapi import FastAPI

from backbone.app import create_service_app
from backbone.audit.api import router as audit_router
from backbone.auth.policy import authorizer
from backbone.settings import ServiceSettings, load_settings
from services.assessment.assessments.api import router as assessments_router
from services.assessment.evaluators.api import router as evaluators_router
from services.assessment.findings.api import router as findings_router
from services.assessment.indicators.api import router as indicators_router
from services.assessment.plans.api import public_router as plans_public_router
from services.assessment.plans.api import router as plans_router
from services.assessment.policy import POLICY
from services.assessment.reports.api import public_router as reports_router
from services.assessment.rubrics.api import router as rubrics_router
from services.assessment.surveys.api import public_router as surveys_public_router
from services.assessment.surveys.api import router as surveys_router


def build_app(settings: ServiceSettings) -> FastAPI:
    return create_service_app(
        settings,
        title="Assessment service",
        description="Rubrics, external evaluators, assessments, evaluation plans, indicators and public reports.",
        routers=[
            rubrics_router,
            evaluators_router,
            assessments_router,
            indicators_router,
            findings_router,
            plans_router,
            surveys_router,
            audit_router,
        ],
        authorize=authorizer(POLICY),
        public_routers=[reports_router, plans_public_router, surveys_public_router],
    )


def create_app() -> FastAPI:
    return build_app(load_settings("assessment"))
